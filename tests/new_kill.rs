//! `new` is all-or-nothing when it is killed: the kill test of the safe-writes
//! issue. Each run starts `new` and sends it a signal at a moment spread over
//! the time a whole run takes; then the
//! target must hold no file of the project or all of them, or — only after a
//! SIGKILL in the commit window — a committed journal beside it that the next
//! run finishes. The next run (the same command again) must then leave the
//! whole project and no staging directory.
//!
//! `KILL_RUNS=N` sets the runs per (signal, mode) pair (default 8 here; the
//! issue's figures come from `KILL_RUNS=300 cargo test --release --test
//! new_kill -- --nocapture`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const EXAMPLE: &str = "all-patterns.json";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(EXAMPLE)
}

fn runs() -> usize {
    std::env::var("KILL_RUNS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(8)
}

/// The files a complete run writes, relative to the target, and how long
/// the slowest of three whole runs took (the kills are spread over it).
fn expected_files() -> (Vec<PathBuf>, Duration) {
    let mut slowest = Duration::ZERO;
    for _ in 0..3 {
        let tmp = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_do-wizard"))
            .args(["new", "--answers"])
            .arg(example())
            .arg(tmp.path().join("p"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        slowest = slowest.max(started.elapsed());
    }
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_do-wizard"))
        .args(["new", "--answers"])
        .arg(example())
        .arg(tmp.path().join("p"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    (files_under(&tmp.path().join("p")), slowest)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let Ok(entries) = fs::read_dir(dir.join(&relative)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = relative.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn staging_dirs(parent: &Path) -> Vec<PathBuf> {
    fs::read_dir(parent)
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .contains(".do-wizard-stage-")
        })
        .map(|entry| entry.path())
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Target {
    /// `new DIR` into an absent directory.
    Fresh,
    /// `new --force DIR` into a directory holding a file of the user's.
    Force,
    /// `new --force .` from inside a directory holding a file of the user's.
    Current,
}

#[derive(Default, Debug)]
struct Tally {
    empty: usize,
    whole: usize,
    pending_commit: usize,
    partial: usize,
    staging_left: usize,
}

fn one_run(target: Target, signal: i32, delay: Duration, expected: &[PathBuf], tally: &mut Tally) {
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("work");
    let dir = parent.join("app");
    fs::create_dir_all(&parent).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_do-wizard"));
    command
        .args(["new", "--answers"])
        .arg(example())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match target {
        Target::Fresh => {
            command.arg(&dir);
        }
        Target::Force => {
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join("mine.txt"), "mine").unwrap();
            command.arg("--force").arg(&dir);
        }
        Target::Current => {
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join("mine.txt"), "mine").unwrap();
            command.arg("--force").arg(".").current_dir(&dir);
        }
    }
    let again = |command: &mut Command| command.status().unwrap();
    let mut child = command.spawn().unwrap();
    std::thread::sleep(delay);
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    child.wait().unwrap();

    let present: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|path| path != Path::new("mine.txt"))
        .collect();
    let committed = staging_dirs(&parent)
        .iter()
        .any(|staging| staging.join("COMMITTED").exists());
    if present.is_empty() {
        tally.empty += 1;
    } else if present == expected {
        tally.whole += 1;
    } else if committed && signal == libc::SIGKILL {
        tally.pending_commit += 1;
    } else {
        tally.partial += 1;
    }
    if signal != libc::SIGKILL && !staging_dirs(&parent).is_empty() {
        tally.staging_left += 1;
    }

    // The next run finishes or cleans up, and writes the whole project.
    if matches!(target, Target::Fresh) && dir.exists() {
        command.arg("--force");
    }
    assert!(
        again(&mut command).success(),
        "{target:?}: the next run failed"
    );
    let after: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|path| path != Path::new("mine.txt"))
        .collect();
    assert_eq!(
        after, expected,
        "{target:?}: the next run left a partial project"
    );
    assert!(
        staging_dirs(&parent).is_empty(),
        "{target:?}: staging left after the next run"
    );
    if !matches!(target, Target::Fresh) {
        assert_eq!(fs::read_to_string(dir.join("mine.txt")).unwrap(), "mine");
    }
}

#[test]
fn new_killed_at_any_moment_leaves_no_partial_project() {
    let (expected, whole_run) = expected_files();
    let runs = runs();
    println!("a whole run takes {whole_run:?}; kills are spread over 0 to 1.2 times that");
    let window = whole_run.as_micros() as u64 * 6 / 5;
    for target in [Target::Fresh, Target::Force, Target::Current] {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGKILL] {
            let mut tally = Tally::default();
            for run in 0..runs {
                // Spread the kills evenly over the process's life.
                let delay = Duration::from_micros(window * run as u64 / runs.max(1) as u64);
                one_run(target, signal, delay, &expected, &mut tally);
            }
            println!("{target:?} signal {signal}: {runs} runs: {tally:?}");
            assert_eq!(tally.partial, 0, "{target:?} signal {signal}: {tally:?}");
            assert_eq!(
                tally.staging_left, 0,
                "{target:?} signal {signal}: {tally:?}"
            );
        }
    }
}
