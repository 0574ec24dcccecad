//! Support shared by the integration tests: driving the real binary in a
//! pseudo-terminal ([`pty`]), and a small project for the optimize tests
//! ([`optimize_project`]).

pub mod optimize_project;
pub mod pty;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary run the way a script runs it: in `cwd`, no terminal, stdin
/// closed.
// Test binaries that declare `mod util` only for the pty support do not call it.
#[allow(dead_code)]
pub fn run_scripted(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_do-wizard"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}
