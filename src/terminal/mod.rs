//! The one "is this interactive?" policy, shared by `new`, `optimize` and the
//! full-screen UI.
//!
//! Every decision about prompts, the full-screen UI and colour is made here
//! from one snapshot of the environment ([`Environment`]), so the commands
//! cannot drift apart again. The rules:
//!
//! - questions can be asked only when stdin and stderr are terminals: answers
//!   are read from stdin, prompts are written to stderr (stdout stays free for
//!   the report or a pipe);
//! - the full-screen UI needs a terminal on all three streams, colour allowed,
//!   a terminal that is not `dumb`, and no `--plain`;
//! - colour on a stream needs that stream to be a terminal, colour allowed,
//!   a terminal that is not `dumb`, and no `--plain`;
//! - colour is allowed unless `NO_COLOR` is set to a non-empty value (the
//!   no-color.org rule: `NO_COLOR=` set but empty does not disable colour).
//!
//! [`screen`] holds the rest of the terminal handling: the raw-mode and
//! alternate-screen guard, the panic hook and the signal thread.

pub mod screen;

use std::ffi::OsStr;
use std::io::IsTerminal;

/// How a run talks to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    /// Prompts on the terminal and full-screen views.
    FullScreen,
    /// Numbered questions and text on stderr, answers read a line at a time.
    Plain,
    /// No questions at all: answers come from flags, a file, or defaults.
    Scripted,
}

/// What the policy looks at: which streams are terminals, and the variables
/// that turn colour and escape codes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Environment {
    pub stdin_is_terminal: bool,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// `NO_COLOR` is set and not empty.
    pub no_color: bool,
    /// `TERM=dumb`: no cursor movement, no colour.
    pub dumb_terminal: bool,
}

impl Environment {
    /// The environment of this process.
    pub fn detect() -> Self {
        Environment {
            stdin_is_terminal: std::io::stdin().is_terminal(),
            stdout_is_terminal: std::io::stdout().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
            no_color: no_color_requested(std::env::var_os("NO_COLOR").as_deref()),
            dumb_terminal: std::env::var_os("TERM").is_some_and(|term| term == "dumb"),
        }
    }

    /// Whether questions can be asked at all (stdin and stderr terminals).
    pub fn can_ask(&self) -> bool {
        self.stdin_is_terminal && self.stderr_is_terminal
    }

    /// Whether escape codes are welcome (colour allowed, terminal not dumb).
    fn styled(&self) -> bool {
        !self.no_color && !self.dumb_terminal
    }

    /// How to talk to the user; `plain_flag` is `--plain`.
    pub fn interaction(&self, plain_flag: bool) -> Interaction {
        if !self.can_ask() {
            Interaction::Scripted
        } else if !plain_flag && self.styled() && self.stdout_is_terminal {
            Interaction::FullScreen
        } else {
            Interaction::Plain
        }
    }

    /// Whether text written to stdout may carry ANSI colour.
    pub fn colour_on_stdout(&self, plain_flag: bool) -> bool {
        !plain_flag && self.styled() && self.stdout_is_terminal
    }

    /// Whether a progress line may be drawn on stderr (it redraws with a
    /// carriage return, which only makes sense on a terminal).
    pub fn progress_on_stderr(&self) -> bool {
        self.stderr_is_terminal
    }
}

/// The no-color.org rule: set and non-empty disables colour.
pub fn no_color_requested(value: Option<&OsStr>) -> bool {
    value.is_some_and(|value| !value.is_empty())
}

/// The terminal's width in columns, or 80 when there is no terminal.
pub fn width() -> usize {
    ratatui::crossterm::terminal::size().map_or(80, |(columns, _)| usize::from(columns.max(20)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_terminals() -> Environment {
        Environment {
            stdin_is_terminal: true,
            stdout_is_terminal: true,
            stderr_is_terminal: true,
            no_color: false,
            dumb_terminal: false,
        }
    }

    /// `NO_COLOR=""` was read two ways (the report took it as "no colour",
    /// the full-screen check as "colour allowed"); no-color.org says an empty
    /// value does not disable colour.
    #[test]
    fn empty_no_color_does_not_disable_colour() {
        assert!(!no_color_requested(None));
        assert!(!no_color_requested(Some(OsStr::new(""))));
        assert!(no_color_requested(Some(OsStr::new("1"))));
        assert!(no_color_requested(Some(OsStr::new("0"))));
    }

    #[test]
    fn full_screen_needs_every_stream_colour_and_no_plain_flag() {
        let environment = all_terminals();
        assert_eq!(environment.interaction(false), Interaction::FullScreen);
        assert_eq!(environment.interaction(true), Interaction::Plain);
        for changed in [
            Environment {
                stdout_is_terminal: false,
                ..environment
            },
            Environment {
                no_color: true,
                ..environment
            },
            Environment {
                dumb_terminal: true,
                ..environment
            },
        ] {
            assert_eq!(
                changed.interaction(false),
                Interaction::Plain,
                "{changed:?}"
            );
        }
    }

    #[test]
    fn no_questions_without_a_terminal_to_read_and_write_them() {
        for changed in [
            Environment {
                stdin_is_terminal: false,
                ..all_terminals()
            },
            Environment {
                stderr_is_terminal: false,
                ..all_terminals()
            },
        ] {
            assert!(!changed.can_ask());
            assert_eq!(changed.interaction(false), Interaction::Scripted);
        }
    }

    #[test]
    fn colour_follows_stdout_no_color_dumb_and_plain() {
        let environment = all_terminals();
        assert!(environment.colour_on_stdout(false));
        assert!(!environment.colour_on_stdout(true));
        assert!(
            !Environment {
                stdout_is_terminal: false,
                ..environment
            }
            .colour_on_stdout(false)
        );
        assert!(
            !Environment {
                no_color: true,
                ..environment
            }
            .colour_on_stdout(false)
        );
        assert!(
            !Environment {
                dumb_terminal: true,
                ..environment
            }
            .colour_on_stdout(false)
        );
    }
}
