//! The `do-wizard` binary: parse the command line, run, map the outcome to an
//! exit code (0 clean, 1 findings, 2 usage or input error).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `do-wizard … | head`: end quietly when the reader goes away, as Unix
    // tools do, instead of panicking in `print!` on a broken pipe.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = <do_wizard::cli::Cli as clap::Parser>::parse();
    match do_wizard::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) => {
            // Not `eprintln!`: when the terminal has gone away (a closed
            // window), the message cannot be shown, and that must not panic.
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                do_wizard::error::render(&error)
            );
            ExitCode::from(2)
        }
    }
}
