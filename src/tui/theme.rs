//! The colours and emphasis every screen shares, in one place, so screens
//! agree and a colour change is one edit.
//!
//! Only the 16 basic ANSI colours are used: they follow the user's terminal
//! palette (light or dark) instead of fighting it.

use ratatui::style::{Color, Modifier, Style};

/// The border of the pane that has the keyboard focus.
pub fn focused_border() -> Style {
    Style::new().fg(Color::Cyan)
}

/// The border of the other panes.
pub fn border() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The selected row of a list.
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// The title bar across the top of a screen.
pub fn title_bar() -> Style {
    Style::new().fg(Color::Black).bg(Color::Cyan)
}

/// Keys in the help line.
pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

/// Quiet text: help descriptions, line numbers, directories' guides.
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// A heading inside a pane.
pub fn heading() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// The answer a reason follows from, e.g. `[use_case]`.
pub fn answer_tag() -> Style {
    Style::new().fg(Color::Yellow)
}

/// A message after an action (report written, fix applied).
pub fn status() -> Style {
    Style::new().fg(Color::Green)
}

/// A message after a failed action.
pub fn status_error() -> Style {
    Style::new().fg(Color::Red)
}

/// Lines a diff adds and removes.
pub fn diff_added() -> Style {
    Style::new().fg(Color::Green)
}

pub fn diff_removed() -> Style {
    Style::new().fg(Color::Red)
}

pub fn diff_header() -> Style {
    Style::new().fg(Color::Cyan)
}
