//! One module per subcommand: the only glue between the pipelines, the
//! terminal and exit codes. [`crate::run`] dispatches here and nowhere else.

pub mod explain;
pub mod new;
pub mod optimize;

use crate::Outcome;
use crate::terminal::screen;

/// What quitting an interactive run prints and returns: `Quit; {nothing}.`
/// on stderr, and [`Outcome::Interrupted`] when a signal ended it (so the
/// exit code is 130), else [`Outcome::Success`].
pub(crate) fn quit(nothing: &str) -> Outcome {
    eprintln!("Quit; {nothing}.");
    if screen::was_interrupted() {
        Outcome::Interrupted
    } else {
        Outcome::Success
    }
}
