//! Input for the full-screen loop: key presses, resizes, and interrupts.
//!
//! An [`EventSource`] is where the loop gets its next [`Event`]: the real
//! terminal ([`TerminalEvents`]) or a prepared list ([`ScriptedEvents`]), so
//! tests drive the very same loop with scripted keys.

use std::collections::VecDeque;
use std::time::Duration;

use ratatui::crossterm::event::{self, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::terminal::screen;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Key(KeyEvent),
    /// The terminal changed size; the loop redraws at the new size.
    Resize,
    /// SIGINT, SIGTERM or SIGHUP: quit without doing anything further.
    Interrupt,
}

pub trait EventSource {
    /// Wait for the next event.
    fn next(&mut self) -> anyhow::Result<Event>;
}

/// Events from the terminal (crossterm), checking for signals between polls.
///
/// Between polls it also compares the terminal's size with the last one seen:
/// a SIGWINCH that arrives while the process is busy can be coalesced away,
/// and a missed resize would leave a stale (or "too small") screen up.
#[derive(Debug, Default)]
pub struct TerminalEvents {
    last_size: Option<(u16, u16)>,
}

impl EventSource for TerminalEvents {
    fn next(&mut self) -> anyhow::Result<Event> {
        loop {
            if screen::take_interrupt() {
                return Ok(Event::Interrupt);
            }
            if !event::poll(Duration::from_millis(100))? {
                let size = ratatui::crossterm::terminal::size()?;
                match self.last_size.replace(size) {
                    Some(last) if last != size => return Ok(Event::Resize),
                    _ => continue,
                }
            }
            match event::read()? {
                // Windows reports releases too; act on presses only.
                event::Event::Key(key) if key.kind != KeyEventKind::Release => {
                    return Ok(Event::Key(key));
                }
                event::Event::Resize(width, height) => {
                    self.last_size = Some((width, height));
                    return Ok(Event::Resize);
                }
                _ => {}
            }
        }
    }
}

/// Events from a list; running out is an error, so a test that forgets to
/// quit fails instead of hanging.
#[derive(Debug, Default)]
pub struct ScriptedEvents {
    events: VecDeque<Event>,
}

impl ScriptedEvents {
    pub fn new(events: impl IntoIterator<Item = Event>) -> Self {
        Self {
            events: events.into_iter().collect(),
        }
    }

    /// Events for keys written as in the help line: `j`, `enter`, `esc`,
    /// `tab`, `up`, `down`, `pgup`, `pgdn`, `ctrl-c`, …
    pub fn keys(keys: &[&str]) -> Self {
        Self::new(keys.iter().map(|name| Event::Key(key(name))))
    }
}

impl EventSource for ScriptedEvents {
    fn next(&mut self) -> anyhow::Result<Event> {
        self.events.pop_front().ok_or_else(|| {
            anyhow::anyhow!("the scripted events ran out before the screen finished")
        })
    }
}

/// A key press from its name (see [`ScriptedEvents::keys`]).
///
/// # Panics
/// On a name it does not know: names are written by tests.
pub fn key(name: &str) -> KeyEvent {
    let (modifiers, rest) = match name.strip_prefix("ctrl-") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => (KeyModifiers::NONE, name),
    };
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        single if single.chars().count() == 1 => {
            KeyCode::Char(single.chars().next().unwrap_or(' '))
        }
        other => panic!("unknown key name `{other}`"),
    };
    KeyEvent::new(code, modifiers)
}

/// Ctrl-C, which every screen treats as quit.
pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c')
}
