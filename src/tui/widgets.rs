//! Small drawing pieces every screen shares: the title bar, the key-help
//! line, the "terminal too small" message, centred pop-ups. Word wrapping is
//! plain text ([`crate::text::wrap`]).
//! All of them only read what they are given.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::theme;
use super::{MIN_HEIGHT, MIN_WIDTH};
use crate::text::wrap::{truncate, wrap};

/// One entry of a help line: the key as shown, and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHelp {
    pub keys: &'static str,
    pub action: &'static str,
}

pub const fn key_help(keys: &'static str, action: &'static str) -> KeyHelp {
    KeyHelp { keys, action }
}

/// The key-help line: as many entries as fit in `width`, always keeping the
/// last one (quit).
pub fn help_line(entries: &[KeyHelp], width: u16) -> Line<'static> {
    let width = usize::from(width);
    let length = |entry: &KeyHelp| entry.keys.chars().count() + 1 + entry.action.chars().count();
    let Some((last, rest)) = entries.split_last() else {
        return Line::default();
    };
    // A leading space, then entries separated by two spaces.
    let mut budget = width.saturating_sub(1 + length(last));
    let mut shown: Vec<&KeyHelp> = Vec::new();
    for entry in rest {
        if length(entry) + 2 > budget {
            break;
        }
        budget -= length(entry) + 2;
        shown.push(entry);
    }
    shown.push(last);
    let mut spans = vec![Span::raw(" ")];
    for (index, entry) in shown.iter().enumerate() {
        if index > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(entry.keys, theme::key()));
        spans.push(Span::styled(format!(" {}", entry.action), theme::dim()));
    }
    Line::from(spans)
}

/// The title bar: a name on the left, a note on the right.
pub fn title_bar(frame: &mut Frame, area: Rect, title: &str, note: &str) {
    // The note (a count, a status message) wins over the title when both
    // do not fit: it is the part that changes.
    let width = usize::from(area.width);
    let right = truncate(&format!("{note} "), width.saturating_sub(12));
    let left = truncate(
        &format!(" {title}"),
        width.saturating_sub(right.chars().count() + 1),
    );
    let gap = width.saturating_sub(left.chars().count() + right.chars().count());
    let text = format!("{left}{}{right}", " ".repeat(gap));
    frame.render_widget(Paragraph::new(text).style(theme::title_bar()), area);
}

/// Whether the area is below the smallest supported size.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// What is drawn instead of a screen below the smallest supported size.
pub fn draw_too_small(frame: &mut Frame) {
    let area = frame.area();
    let text = Text::from(vec![
        Line::from(Span::styled("Terminal too small", theme::heading())),
        Line::from(format!(
            "{}×{} here; do-wizard needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::from("Make the window larger, or press q to quit."),
    ]);
    let height = 3.min(area.height);
    let [middle] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        middle,
    );
}

/// A rectangle of `width` × `height` centred in `area` (clamped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// A bordered pane; `focused` picks the border colour.
pub fn pane(title: &str, focused: bool) -> Block<'static> {
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            theme::focused_border()
        } else {
            theme::border()
        })
        .title(Span::styled(
            format!(" {title} "),
            if focused {
                theme::focused_border()
            } else {
                Style::new()
            },
        ))
}

/// Draw a pop-up: cleared background, a bordered box, the text inside.
pub fn popup(frame: &mut Frame, title: &str, text: Text<'static>, width: u16) {
    let area = frame.area();
    let inner_width = width.saturating_sub(2).max(1);
    let height = text
        .lines
        .iter()
        .map(|line| {
            wrap(&line_text(line), usize::from(inner_width))
                .len()
                .max(1)
        })
        .sum::<usize>() as u16
        + 2;
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(pane(title, true)),
        rect,
    );
}

/// The plain text of a line.
pub fn line_text(line: &Line<'_>) -> String {
    line.spans
        .iter()
        .map(|span| span.content.as_ref())
        .collect()
}

/// The `?` overlay: every key binding of a screen, then how to close it.
pub fn key_overlay<A>(frame: &mut Frame, bindings: &[super::keys::Binding<A>], width: u16) {
    let mut lines: Vec<Line<'static>> = super::keys::overlay_lines(bindings)
        .into_iter()
        .map(|(keys, description)| {
            Line::from(vec![
                Span::styled(format!("{keys:<12}"), theme::key()),
                Span::raw(description),
            ])
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Any key closes this list.",
        theme::dim(),
    )));
    popup(frame, "Keys", Text::from(lines), width);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_line_keeps_quit_when_short_of_room() {
        let entries = [
            key_help("enter", "write"),
            key_help("tab", "switch pane"),
            key_help("q", "quit"),
        ];
        let text = |width| line_text(&help_line(&entries, width));
        assert_eq!(text(80), " enter write  tab switch pane  q quit");
        assert_eq!(text(20), " enter write  q quit");
    }
}
