//! Drawing the findings browser; reads the [`Browser`] only. [`layout`] and
//! [`detail_lines`] are shared with the state so scrolling knows the sizes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect, Size};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::Paragraph;

use super::{Browser, CONFIRM_HELP_LINE, Focus, HELP_LINE, Overlay, Row};
use crate::optimize::finding::{Applicability, Severity};
use crate::text::wrap::{truncate, wrap_hanging};
use crate::text::{LineEndings, LineIndex, slash_path};
use crate::tui::theme;
use crate::tui::widgets::{self, help_line, pane, title_bar};

/// Where each pane goes.
#[derive(Debug, Clone, Copy)]
pub struct BrowserLayout {
    pub title: Rect,
    pub list: Rect,
    pub detail: Rect,
    /// The status after an action, wrapped above the help line (empty when
    /// there is none).
    pub status: Rect,
    pub help: Rect,
}

impl BrowserLayout {
    pub fn detail_lines(&self) -> usize {
        usize::from(self.detail.height.saturating_sub(2))
    }

    pub fn detail_width(&self) -> usize {
        usize::from(self.detail.width.saturating_sub(2))
    }
}

/// Side by side from 110 columns; the list above the detail below that.
pub fn layout(browser: &Browser, size: Size) -> BrowserLayout {
    let area = Rect::new(0, 0, size.width, size.height);
    let status_height = browser.status.as_ref().map_or(0, |status| {
        status_lines(&status.text, size.width).len() as u16
    });
    let [title, body, status, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(status_height),
        Constraint::Length(1),
    ])
    .areas(area);
    let rows = browser.rows().len().max(1) as u16;
    let (list, detail) = if size.width >= 110 {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(38), Constraint::Percentage(62)])
                .areas(body);
        (list, detail)
    } else {
        let height = (rows + 2).clamp(5, body.height * 2 / 5);
        let [list, detail] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(3)]).areas(body);
        (list, detail)
    };
    BrowserLayout {
        title,
        list,
        detail,
        status,
        help,
    }
}

/// A status message wrapped at word boundaries to the screen's width (one
/// column of margin each side), at most three lines.
fn status_lines(text: &str, width: u16) -> Vec<String> {
    let mut lines = crate::text::wrap::wrap(text, usize::from(width.saturating_sub(2)).max(1));
    if lines.len() > 3 {
        lines.truncate(3);
        let last = truncate(
            &format!("{}…", lines[2]),
            usize::from(width.saturating_sub(2)),
        );
        lines[2] = last;
    }
    lines
}

pub fn severity_style(severity: Severity) -> Style {
    let colour = match severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Cyan,
    };
    Style::new().fg(colour).add_modifier(Modifier::BOLD)
}

fn severity_letter(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "E",
        Severity::Warning => "W",
        Severity::Info => "I",
    }
}

pub fn draw(frame: &mut Frame, browser: &Browser) {
    let area = frame.area();
    let layout = layout(browser, Size::new(area.width, area.height));
    let root = browser.analysis.root.display().to_string();
    title_bar(
        frame,
        layout.title,
        &format!("do-wizard optimize · {root}"),
        &summary(browser),
    );
    if let Some(status) = &browser.status {
        // Above the help line, whole: coloured by outcome.
        let style = if status.error {
            theme::status_error()
        } else {
            theme::status()
        };
        let lines: Vec<Line> = status_lines(&status.text, layout.status.width)
            .into_iter()
            .map(|line| Line::styled(format!(" {line}"), style))
            .collect();
        frame.render_widget(Paragraph::new(lines), layout.status);
    }
    draw_list(frame, browser, layout.list);
    draw_detail(frame, browser, layout.detail);
    let help = match browser.overlay {
        Some(Overlay::ConfirmFix(_)) => CONFIRM_HELP_LINE,
        _ => HELP_LINE,
    };
    frame.render_widget(
        Paragraph::new(help_line(help, layout.help.width)),
        layout.help,
    );
    match browser.overlay {
        Some(Overlay::Help) => widgets::key_overlay(frame, super::BINDINGS, 66),
        Some(Overlay::ConfirmFix(index)) => draw_confirm(frame, browser, index),
        None => {}
    }
}

/// The counts and the filters, for the title bar.
fn summary(browser: &Browser) -> String {
    let total = browser.analysis.findings.len();
    let shown = browser.visible().len();
    let mut text = if shown == total {
        format!(
            "{total} finding{} · {} files",
            if total == 1 { "" } else { "s" },
            browser.analysis.files_scanned
        )
    } else {
        format!("{shown} of {total} findings")
    };
    if let Some(area) = browser.area {
        text.push_str(&format!(" · area: {}", area.as_str()));
    }
    match browser.severity {
        Some(Severity::Error) => text.push_str(" · errors only"),
        Some(severity) => text.push_str(&format!(" · {} and up", severity.as_str())),
        None => {}
    }
    text
}

fn draw_list(frame: &mut Frame, browser: &Browser, area: Rect) {
    let focused = browser.focus == Focus::List;
    let rows = browser.rows();
    let visible = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let selected_row = rows
        .iter()
        .position(|row| matches!(row, Row::Finding(index) if Some(*index) == browser.selected))
        .unwrap_or(0);
    // Keep the selection (and its group heading when it fits) in view.
    let offset = (selected_row + 1).saturating_sub(visible);
    let mut lines: Vec<Line> = rows
        .iter()
        .skip(offset)
        .take(visible)
        .map(|row| match *row {
            Row::Group(group, count) => Line::from(Span::styled(
                truncate(&format!(" {} · {count}", group.as_str()), width),
                theme::heading(),
            )),
            Row::Finding(index) => {
                let finding = &browser.analysis.findings[index];
                let is_selected = Some(index) == browser.selected;
                let place = format!("{}:{}", slash_path(&finding.file), finding.start.line);
                // A finding `f` can fix is tagged, and the tag is never cut.
                let fixable = finding
                    .autofix
                    .as_ref()
                    .is_some_and(|fix| fix.applicability == Applicability::Safe);
                let tag = if fixable { " fix" } else { "" };
                let text = truncate(
                    &format!("{} {} {place}", finding.code, finding.name),
                    width.saturating_sub(4 + tag.len()),
                );
                let style = match is_selected {
                    true if focused => theme::selected(),
                    true => theme::selected().patch(theme::dim()),
                    false => Style::new(),
                };
                Line::from(vec![
                    Span::styled(if is_selected { "▸" } else { " " }, theme::focused_border()),
                    Span::styled(
                        format!("{} ", severity_letter(finding.severity)),
                        severity_style(finding.severity),
                    ),
                    Span::styled(text, style),
                    Span::styled(tag, theme::status()),
                ])
            }
        })
        .collect();
    if rows.is_empty() {
        lines.push(Line::from(if browser.analysis.findings.is_empty() {
            format!(" No findings in {} files.", browser.analysis.files_scanned)
        } else {
            " No finding matches the filters; press c to clear them.".to_string()
        }));
    }
    frame.render_widget(Paragraph::new(lines).block(pane("Findings", focused)), area);
}

/// The detail of finding `index`, wrapped to `width`.
pub fn detail_lines(browser: &Browser, index: usize, width: usize) -> Vec<Line<'static>> {
    let finding = &browser.analysis.findings[index];
    let mut lines = Vec::new();
    // Wrapped lines continue under their own text, so an indented code line
    // in a fix stays indented.
    let text = |lines: &mut Vec<Line<'static>>, text: &str, indent: usize| {
        for piece in text.lines() {
            let own = piece.len() - piece.trim_start().len();
            for wrapped in wrap_hanging(
                &format!("{}{piece}", " ".repeat(indent)),
                width,
                indent + own,
            ) {
                lines.push(Line::from(wrapped));
            }
        }
    };
    lines.push(Line::from(vec![
        Span::styled(finding.severity.as_str(), severity_style(finding.severity)),
        Span::styled(format!(" {} ", finding.code), theme::heading()),
        Span::raw(finding.name),
        Span::styled(format!(" · {}", finding.area.as_str()), theme::dim()),
    ]));
    lines.push(Line::styled(
        format!(
            "{}:{}:{}",
            slash_path(&finding.file),
            finding.start.line,
            finding.start.column
        ),
        theme::diff_header(),
    ));
    lines.push(Line::default());
    text(&mut lines, &finding.message, 0);
    lines.push(Line::default());
    lines.extend(code_frame(browser, index, width));
    if let Some(fix) = &finding.fix {
        lines.push(Line::default());
        lines.push(Line::styled("Fix", theme::heading()));
        text(&mut lines, fix, 2);
    }
    if let Some(diff) = browser.diffs.get(index).and_then(Option::as_ref) {
        let how = match finding.autofix.as_ref().map(|fix| fix.applicability) {
            Some(Applicability::Safe) => "safe · press f to apply",
            Some(Applicability::Unsafe) => "may change behaviour · shown, not applied",
            _ => "a suggestion · apply by hand",
        };
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("Proposed change", theme::heading()),
            Span::styled(format!(" · {how}"), theme::dim()),
        ]));
        for line in diff.lines() {
            let style =
                if line.starts_with("+++") || line.starts_with("---") || line.starts_with("@@") {
                    theme::diff_header()
                } else if line.starts_with('+') {
                    theme::diff_added()
                } else if line.starts_with('-') {
                    theme::diff_removed()
                } else {
                    Style::new()
                };
            lines.push(Line::styled(
                format!(
                    "  {}",
                    truncate(&line.replace('\t', "  "), width.saturating_sub(2))
                ),
                style,
            ));
        }
    }
    if !finding.effect.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("Effect", theme::heading()));
        text(&mut lines, &finding.effect, 2);
    }
    lines
}

/// The finding's line with one line of context each side, highlighted, and
/// carets under the range (on its first line).
fn code_frame(browser: &Browser, index: usize, width: usize) -> Vec<Line<'static>> {
    let finding = &browser.analysis.findings[index];
    let Some(source) = browser.highlighted.get(&finding.file) else {
        return Vec::new();
    };
    let Some(text) = browser.analysis.sources.get(&finding.file) else {
        return Vec::new();
    };
    let line_index = finding.start.line.saturating_sub(1);
    let first = line_index.saturating_sub(1);
    let last = (line_index + 1).min(source.len().saturating_sub(1));
    let number_width = (last + 1).to_string().len();
    let code_width = width.saturating_sub(number_width + 3);
    let mut lines = Vec::new();
    for (at, line) in source.iter().enumerate().take(last + 1).skip(first) {
        let mut spans = vec![Span::styled(
            format!("{:>number_width$} │ ", at + 1),
            theme::dim(),
        )];
        spans.extend(cut_spans(line, code_width));
        lines.push(Line::from(spans));
        if at == line_index {
            // Columns count characters; the highlighter shows a tab as two.
            let raw = LineIndex::new(text, LineEndings::for_path(&finding.file))
                .line(text, finding.start.line)
                .unwrap_or("");
            let column = |character: usize| -> usize {
                raw.chars()
                    .take(character)
                    .map(|c| if c == '\t' { 2 } else { 1 })
                    .sum()
            };
            let start = column(finding.start.column.saturating_sub(1));
            let end = if finding.end.line == finding.start.line {
                column(finding.end.column.saturating_sub(1)).max(start + 1)
            } else {
                column(raw.chars().count()).max(start + 1)
            };
            let carets = "^".repeat(end.min(code_width).saturating_sub(start).max(1));
            lines.push(Line::from(vec![
                Span::styled(format!("{} │ ", " ".repeat(number_width)), theme::dim()),
                Span::raw(" ".repeat(start.min(code_width))),
                Span::styled(carets, severity_style(finding.severity)),
            ]));
        }
    }
    lines
}

/// The spans of a line, cut to `width` characters.
fn cut_spans(line: &Line<'static>, width: usize) -> Vec<Span<'static>> {
    let mut left = width;
    let mut out = Vec::new();
    for span in &line.spans {
        if left == 0 {
            break;
        }
        let piece: String = span.content.chars().take(left).collect();
        left -= piece.chars().count();
        out.push(Span::styled(piece, span.style));
    }
    out
}

fn draw_detail(frame: &mut Frame, browser: &Browser, area: Rect) {
    let focused = browser.focus == Focus::Detail;
    let Some(index) = browser.selected else {
        frame.render_widget(Paragraph::new("").block(pane("Detail", focused)), area);
        return;
    };
    let lines = detail_lines(browser, index, usize::from(area.width.saturating_sub(2)));
    let visible = usize::from(area.height.saturating_sub(2));
    let scroll = browser
        .detail_scroll
        .min(lines.len().saturating_sub(visible));
    let title = if lines.len() > visible {
        format!(
            "Detail · {}-{} of {} lines",
            scroll + 1,
            (scroll + visible).min(lines.len()),
            lines.len()
        )
    } else {
        "Detail".to_string()
    };
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll as u16, 0))
            .block(pane(&title, focused)),
        area,
    );
}

fn draw_confirm(frame: &mut Frame, browser: &Browser, index: usize) {
    let finding = &browser.analysis.findings[index];
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "Apply the safe fix for {} at {}:{}?",
                finding.code,
                slash_path(&finding.file),
                finding.start.line
            ),
            theme::heading(),
        )),
        Line::default(),
    ];
    // The change itself, so the decision is made on what will be written.
    let width = 56;
    for line in browser.diffs[index]
        .as_deref()
        .unwrap_or("")
        .lines()
        .skip(2)
        .take(12)
    {
        let style = if line.starts_with("@@") {
            theme::diff_header()
        } else if line.starts_with('+') {
            theme::diff_added()
        } else if line.starts_with('-') {
            theme::diff_removed()
        } else {
            Style::new()
        };
        lines.push(Line::styled(
            truncate(&line.replace('\t', "  "), width),
            style,
        ));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "The file is written in one step, then analyzed again.",
        theme::dim(),
    )));
    lines.push(Line::from(vec![
        Span::styled("y", theme::key()),
        Span::raw(" apply   "),
        Span::styled("n", theme::key()),
        Span::raw(" cancel"),
    ]));
    widgets::popup(frame, "Apply fix?", Text::from(lines), 60);
}
