//! The full-screen terminal UI: the review screen of `new` and the findings
//! browser of `optimize`.
//!
//! Each screen keeps three things apart, after gitui and the ratatui
//! templates:
//!
//! - state (`app.rs`): what is selected, scrolled, open; changed only by
//!   `update`, which maps a key to an action (`keys.rs`) and applies it;
//! - drawing (`view.rs`): functions from `&State` to a frame; they never do
//!   IO and never change state;
//! - effects: a screen that needs IO (write a report, apply a fix) ends the
//!   loop with an outcome that says so; the command does the IO, tells the
//!   screen how it went, and runs the loop again on the same terminal.
//!
//! [`run`] is generic over the ratatui backend and the event source, so
//! tests drive it with `TestBackend` and scripted keys, and snapshot what it
//! drew. [`crate::terminal::screen`] owns entering and restoring the real
//! terminal.

pub mod event;
pub mod findings;
pub mod highlight;
pub mod keys;
pub mod markdown;
pub mod plain;
pub mod progress;
pub mod review;
pub mod theme;
pub mod widgets;

use ratatui::backend::Backend;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Size;
use ratatui::{Frame, Terminal};

use event::{Event, EventSource, is_ctrl_c};

/// The smallest terminal the screens are laid out for; below it they show a
/// "terminal too small" message instead.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// A full-screen view with its state.
pub trait Screen {
    /// How the loop ends: a decision, or a request for IO.
    type Outcome;

    /// React to one event at the current terminal size; `Some` ends the loop.
    fn update(&mut self, event: Event, size: Size) -> Option<Self::Outcome>;

    /// Draw the screen. Reads state only.
    fn draw(&self, frame: &mut Frame);

    /// The outcome of quitting (q, Ctrl-C, a signal).
    fn quit(&self) -> Self::Outcome;
}

/// Draw `screen` and feed it events until it returns an outcome.
///
/// Below [`MIN_WIDTH`] × [`MIN_HEIGHT`] the screen is replaced by a "too
/// small" message and only quitting works, so no key acts on a screen the
/// user cannot see.
pub fn run<B, S>(
    terminal: &mut Terminal<B>,
    screen: &mut S,
    events: &mut dyn EventSource,
) -> anyhow::Result<S::Outcome>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Screen,
{
    loop {
        // Keys act on the screen as last drawn (what the user saw), not on
        // a size the terminal changed to since.
        let size = draw(terminal, screen)?;
        panic_when_asked();
        let event = events.next()?;
        let small = size.width < MIN_WIDTH || size.height < MIN_HEIGHT;
        match event {
            Event::Interrupt => return Ok(screen.quit()),
            Event::Resize => terminal.autoresize()?,
            Event::Key(key) if small => {
                if is_ctrl_c(&key) || key.code == KeyCode::Char('q') {
                    return Ok(screen.quit());
                }
            }
            event => {
                if let Some(outcome) = screen.update(event, size) {
                    return Ok(outcome);
                }
            }
        }
    }
}

/// Draw one frame: the screen, or the too-small message. Returns the size
/// drawn at.
pub fn draw<B, S>(terminal: &mut Terminal<B>, screen: &S) -> anyhow::Result<Size>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Screen,
{
    let frame = terminal.draw(|frame| {
        if widgets::too_small(frame.area()) {
            widgets::draw_too_small(frame);
        } else {
            screen.draw(frame);
        }
    })?;
    Ok(frame.area.as_size())
}

/// The end-to-end tests check that a panic inside the full-screen UI leaves
/// the terminal usable; they set `DO_WIZARD_TEST_PANIC` to get one. It has no
/// other use.
fn panic_when_asked() {
    if std::env::var_os("DO_WIZARD_TEST_PANIC").is_some() {
        panic!("DO_WIZARD_TEST_PANIC is set: a deliberate panic inside the full-screen UI");
    }
}
