//! Driving the real `do-wizard` binary through a pseudo-terminal.
//!
//! A reader thread copies everything the program writes into a raw buffer
//! (to look for escape sequences) and a vt100 screen (to look for text).
//! Waits poll for expected text with generous timeouts instead of sleeping,
//! so the tests hold on a loaded two-core machine; a timeout panics with the
//! screen as it was, to show what went wrong.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, SlavePty, native_pty_system};

/// How long any one wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(60);

pub const UP: &str = "\x1b[A";
pub const DOWN: &str = "\x1b[B";
pub const ENTER: &str = "\r";
pub const ESC: &str = "\x1b";
pub const CTRL_C: &str = "\x03";
pub const TAB: &str = "\t";

#[derive(Default)]
struct Captured {
    raw: Vec<u8>,
    closed: bool,
}

pub struct Session {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    /// Kept open so the terminal's modes can be read after the program
    /// exits (closing the last slave resets them).
    slave: Option<Box<dyn SlavePty + Send>>,
    writer: Box<dyn Write + Send>,
    captured: Arc<Mutex<Captured>>,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl Session {
    /// Start `do-wizard ARGS` in `dir` on a `cols` × `rows` terminal, with a
    /// colour-capable `TERM` and no `NO_COLOR`, plus `env`.
    pub fn spawn(args: &[&str], dir: &Path, cols: u16, rows: u16, env: &[(&str, &str)]) -> Self {
        let system = native_pty_system();
        let pair = system
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_do-wizard"));
        command.args(args);
        command.cwd(dir);
        command.env("TERM", "xterm-256color");
        command.env_remove("NO_COLOR");
        command.env_remove("DO_WIZARD_TEST_PANIC");
        // A panic's message, not a backtrace that scrolls it away.
        command.env("RUST_BACKTRACE", "0");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = pair.slave.spawn_command(command).expect("start do-wizard");
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let captured = Arc::new(Mutex::new(Captured::default()));
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            nonzero(rows),
            nonzero(cols),
            0,
        )));
        {
            let captured = Arc::clone(&captured);
            let screen = Arc::clone(&screen);
            std::thread::spawn(move || {
                let mut buffer = [0u8; 8192];
                loop {
                    match reader.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(count) => {
                            captured
                                .lock()
                                .unwrap()
                                .raw
                                .extend_from_slice(&buffer[..count]);
                            screen.lock().unwrap().process(&buffer[..count]);
                        }
                    }
                }
                captured.lock().unwrap().closed = true;
            });
        }
        Self {
            child,
            master: pair.master,
            slave: Some(pair.slave),
            writer,
            captured,
            screen,
        }
    }

    /// Type `keys` (text or the escape sequences above).
    pub fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// The visible screen as text.
    pub fn screen(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Everything the program wrote, escape codes included.
    pub fn raw(&self) -> Vec<u8> {
        self.captured.lock().unwrap().raw.clone()
    }

    /// Everything the program wrote, lossily as text.
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw()).into_owned()
    }

    fn wait_until(&self, what: &str, mut done: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            if start.elapsed() > TIMEOUT {
                panic!(
                    "timed out waiting for {what}; the screen:\n{}\n---\nthe raw output (last 2000 bytes):\n{:?}",
                    self.screen(),
                    tail(&self.raw_text(), 2000)
                );
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Wait until the screen shows `text`.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("`{text}` on the screen"), |session| {
            session.screen().contains(text)
        });
    }

    /// Wait until the raw output holds `text` at least `count` times (for
    /// text that scrolls away or is repeated, like a question asked again).
    pub fn wait_for_count(&self, text: &str, count: usize) {
        self.wait_until(
            &format!("`{text}` {count} times in the output"),
            |session| session.raw_text().matches(text).count() >= count,
        );
    }

    /// Wait for the program to exit; returns its exit code. Then wait for
    /// the reader to drain what it wrote last.
    pub fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                break status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("do-wizard did not exit; the screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(30));
        };
        // Output written just before exit may still be in the pty: read until
        // it has been quiet for a moment.
        let mut last = self.raw().len();
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < Duration::from_millis(300) && start.elapsed() < TIMEOUT {
            std::thread::sleep(Duration::from_millis(30));
            let now = self.raw().len();
            if now != last {
                last = now;
                quiet_since = Instant::now();
            }
        }
        status.exit_code()
    }

    /// Send a signal to the program.
    pub fn signal(&self, signal: i32) {
        let pid = self.child.process_id().expect("the child's pid") as libc::pid_t;
        // SAFETY: kill(2) with a pid we spawned and a valid signal number.
        let result = unsafe { libc::kill(pid, signal) };
        assert_eq!(result, 0, "kill({pid}, {signal})");
    }

    /// Resize the terminal (the program gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
        self.screen
            .lock()
            .unwrap()
            .set_size(nonzero(rows), nonzero(cols));
    }

    /// Whether the terminal is back in its normal ("cooked") mode: line
    /// editing and echo on, as before the program started.
    pub fn terminal_is_cooked(&self) -> bool {
        let fd = self.master.as_raw_fd().expect("the master's fd");
        // SAFETY: tcgetattr fills a termios for a valid, open fd.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        let result = unsafe { libc::tcgetattr(fd, &mut termios) };
        assert_eq!(result, 0, "tcgetattr on the pty");
        termios.c_lflag & libc::ICANON != 0 && termios.c_lflag & libc::ECHO != 0
    }

    /// Check the program left the terminal as it found it: the alternate
    /// screen left after it was entered, the cursor shown after it was
    /// hidden, raw mode off.
    pub fn assert_terminal_restored(&self) {
        let raw = self.raw_text();
        let entered = raw.rfind("\x1b[?1049h");
        let left = raw.rfind("\x1b[?1049l");
        assert!(entered.is_some(), "the alternate screen was never entered");
        assert!(
            left > entered,
            "the alternate screen was not left after it was entered"
        );
        let hidden = raw.rfind("\x1b[?25l");
        let shown = raw.rfind("\x1b[?25h");
        assert!(
            shown.is_some() && shown > hidden,
            "the cursor was not shown again"
        );
        assert!(
            self.terminal_is_cooked(),
            "the terminal is still in raw mode"
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Closing our slave lets the reader thread see the end.
        self.slave.take();
    }
}

fn nonzero(value: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(value).expect("a terminal has at least one row and column")
}

fn tail(text: &str, count: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(count)..].iter().collect()
}
