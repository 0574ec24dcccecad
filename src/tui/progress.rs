//! A one-line progress indicator on stderr while the analyzer parses a
//! repository: `Scanning: 1,234 / 5,678 files`. Redrawn at most every 100 ms
//! with a carriage return (no escape codes), and wiped when done, so it
//! leaves nothing behind on the screen or in a log.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Draws progress on stderr; does nothing when disabled.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last: Option<Instant>,
    /// The width of the last line drawn, to wipe it.
    drawn: usize,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            state: Mutex::new(State::default()),
        }
    }

    /// `done` of `total` files parsed. Called from worker threads.
    pub fn update(&self, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let Ok(mut state) = self.state.try_lock() else {
            // Another worker is drawing; this update is not needed.
            return;
        };
        let due = state
            .last
            .is_none_or(|last| last.elapsed() >= Duration::from_millis(100));
        if !due && done != total {
            return;
        }
        state.last = Some(Instant::now());
        let line = line(done, total);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r{line}");
        let _ = stderr.flush();
        state.drawn = line.chars().count();
    }

    /// Wipe the line.
    pub fn finish(&self) {
        if !self.enabled {
            return;
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.drawn > 0 {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r{}\r", " ".repeat(state.drawn));
            let _ = stderr.flush();
            state.drawn = 0;
        }
    }
}

/// The progress line for `done` of `total` files.
pub fn line(done: usize, total: usize) -> String {
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    format!(
        "Scanning: {} / {} files ({percent}%)",
        thousands(done),
        thousands(total)
    )
}

fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_files_with_separators() {
        assert_eq!(line(1234, 5678), "Scanning: 1,234 / 5,678 files (21%)");
        assert_eq!(line(0, 0), "Scanning: 0 / 0 files (100%)");
    }
}
