//! One module per subcommand: the only glue between the pipelines, the
//! terminal and exit codes. [`crate::run`] dispatches here and nowhere else.

pub mod add;
pub mod completions;
pub mod explain;
pub mod new;
pub mod optimize;

use crate::Outcome;

/// What quitting an interactive run prints and returns: `Quit; {nothing}.`
/// on stderr, and [`Outcome::Interrupted`]: quitting (Ctrl-C in a prompt,
/// `q` or Ctrl-C in the review, `q` or end of input in plain mode, a
/// signal) is an abort, exit code 130, so a script can tell it from success.
pub(crate) fn quit(nothing: &str) -> Outcome {
    eprintln!("Quit; {nothing}.");
    Outcome::Interrupted
}
