//! Drawing the review screen. Every function here reads the [`Review`] and
//! draws; [`layout`] is shared with the state so paging knows the pane sizes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect, Size};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::Paragraph;

use super::{CHANGE_HELP_LINE, Focus, HELP_LINE, Overlay, Review};
use crate::recommend::{ConfigStyle, Storage};
use crate::text::wrap::{truncate, wrap};
use crate::tui::theme;
use crate::tui::widgets::{self, help_line, pane, title_bar};

/// Where each pane goes.
#[derive(Debug, Clone, Copy)]
pub struct ReviewLayout {
    pub title: Rect,
    pub recommendation: Rect,
    pub files: Rect,
    pub preview: Rect,
    pub help: Rect,
}

impl ReviewLayout {
    /// Text lines visible in the preview pane.
    pub fn preview_lines(&self) -> usize {
        usize::from(self.preview.height.saturating_sub(2))
    }

    /// Text lines visible in the recommendation pane.
    pub fn recommendation_lines(&self) -> usize {
        usize::from(self.recommendation.height.saturating_sub(2))
    }

    /// Text columns visible in the preview, after the line-number gutter.
    pub fn preview_columns(&self, review: &Review) -> usize {
        usize::from(self.preview.width.saturating_sub(2)).saturating_sub(gutter_width(review) + 1)
    }

    pub fn recommendation_width(&self) -> usize {
        usize::from(self.recommendation.width.saturating_sub(2))
    }
}

/// The layout for a terminal of `size`.
pub fn layout(review: &Review, size: Size) -> ReviewLayout {
    let area = Rect::new(0, 0, size.width, size.height);
    let needed =
        recommendation_lines(review, usize::from(size.width.saturating_sub(2))).len() as u16 + 2;
    let most = (size.height.saturating_sub(2) * 2 / 5).max(9);
    let [title, recommendation, body, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(needed.min(most)),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let widest = review
        .tree
        .iter()
        .map(|row| (row.guide.chars().count() + row.name.chars().count()) as u16)
        .max()
        .unwrap_or(0);
    let files_width = (widest + 5).clamp(24, size.width * 2 / 5);
    let [files, preview] =
        Layout::horizontal([Constraint::Length(files_width), Constraint::Min(10)]).areas(body);
    ReviewLayout {
        title,
        recommendation,
        files,
        preview,
        help,
    }
}

pub fn draw(frame: &mut Frame, review: &Review) {
    let area = frame.area();
    let layout = layout(review, Size::new(area.width, area.height));
    let note = match &review.status {
        Some(status) => status.clone(),
        None => format!("{} files → {}", review.plan.files.len(), review.target),
    };
    title_bar(
        frame,
        layout.title,
        &format!("do-wizard new · review · {}", review.project_name),
        &note,
    );
    draw_recommendation(frame, review, layout.recommendation);
    draw_files(frame, review, layout.files);
    draw_preview(frame, review, layout.preview);
    let help = match review.overlay {
        Some(Overlay::ChangeAnswer(_)) => CHANGE_HELP_LINE,
        _ => HELP_LINE,
    };
    frame.render_widget(
        Paragraph::new(help_line(help, layout.help.width)),
        layout.help,
    );
    match review.overlay {
        Some(Overlay::Help) => widgets::key_overlay(frame, super::BINDINGS, 64),
        Some(Overlay::ChangeAnswer(selected)) => draw_change_answer(frame, review, selected),
        None => {}
    }
}

/// The recommendation as lines wrapped to `width`: the patterns, the
/// storage (and sharding), then each reason tagged with the answer it
/// follows from. Compact on purpose: at 80×24 the reasons start on the
/// third line.
pub fn recommendation_lines(review: &Review, width: usize) -> Vec<Line<'static>> {
    let recommendation = &review.recommendation;
    let primary = recommendation.primary.info();
    const LABEL: usize = 10;
    let mut lines = Vec::new();
    let mut field = |label: &'static str, value: String, tag: Option<String>| {
        let wrapped = wrap(&value, width.saturating_sub(LABEL).max(10));
        for (index, piece) in wrapped.into_iter().enumerate() {
            let mut spans = vec![Span::styled(
                format!("{:<LABEL$}", if index == 0 { label } else { "" }),
                theme::heading(),
            )];
            match tag
                .as_deref()
                .and_then(|tag| piece.strip_prefix(tag).map(|rest| (tag, rest)))
            {
                Some((tag, rest)) if index == 0 => {
                    spans.push(Span::styled(tag.to_string(), theme::answer_tag()));
                    spans.push(Span::raw(rest.to_string()));
                }
                _ => spans.push(Span::raw(piece)),
            }
            lines.push(Line::from(spans));
        }
    };
    let mut pattern = format!("{} — {}", primary.class_name, primary.title);
    for companion in &recommendation.companions {
        pattern.push_str(&format!(" + {}", companion.info().class_name));
    }
    if recommendation.primary != recommendation.recommended {
        pattern.push_str(&format!(
            " · chosen instead of the recommended {}",
            recommendation.recommended.info().class_name
        ));
    }
    field("Pattern", pattern, None);
    let declared = match review.config_style {
        ConfigStyle::Exports => "declared in `exports`",
        ConfigStyle::Migrations => "a `new_sqlite_classes` migration",
    };
    let mut storage = match recommendation.storage {
        Storage::Sqlite => format!("SQLite ({declared})"),
        Storage::Kv => {
            let kv: Vec<&str> = recommendation
                .patterns()
                .into_iter()
                .filter(|pattern| recommendation.storage_of(*pattern) == Storage::Kv)
                .map(|pattern| pattern.info().class_name.as_str())
                .collect();
            format!(
                "SQLite ({declared}); {} written against the synchronous `ctx.storage.kv` API",
                kv.join(", ")
            )
        }
    };
    if let Some(sharding) = recommendation.metric_sharding() {
        storage.push_str(&format!(
            " · each metric's writes sharded over {} objects",
            sharding.shards
        ));
    }
    field("Storage", storage, None);
    for (index, reason) in recommendation.reasons.iter().enumerate() {
        let tag = format!("[{}] ", reason.answer);
        let label = if index == 0 { "Why" } else { "" };
        field(label, format!("{tag}{}", reason.text), Some(tag));
    }
    lines
}

fn draw_recommendation(frame: &mut Frame, review: &Review, area: Rect) {
    let focused = review.focus == Focus::Recommendation;
    let lines = recommendation_lines(review, usize::from(area.width.saturating_sub(2)));
    let visible = usize::from(area.height.saturating_sub(2));
    // After a resize the kept scroll may be past the end; show the last page.
    let scroll = review
        .recommendation_scroll
        .min(lines.len().saturating_sub(visible));
    let title = if lines.len() > visible {
        format!(
            "Recommendation · {}-{} of {} lines",
            scroll + 1,
            (scroll + visible).min(lines.len()),
            lines.len()
        )
    } else {
        "Recommendation".to_string()
    };
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll as u16, 0))
            .block(pane(&title, focused)),
        area,
    );
}

fn draw_files(frame: &mut Frame, review: &Review, area: Rect) {
    let focused = review.focus == Focus::Files;
    let visible = usize::from(area.height.saturating_sub(2));
    let inner_width = usize::from(area.width.saturating_sub(2));
    let selected_row = review
        .tree
        .iter()
        .position(|row| row.file == Some(review.selected))
        .unwrap_or(0);
    // Keep the selection in view, as low as it needs to be.
    let offset = (selected_row + 1).saturating_sub(visible);
    let lines: Vec<Line> = review
        .tree
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(index, row)| {
            let is_selected = index == selected_row;
            let name_style = match (row.file, is_selected) {
                (_, true) if focused => theme::selected(),
                (_, true) => theme::selected().patch(theme::dim()),
                (None, false) => theme::heading(),
                (Some(_), false) => Style::new(),
            };
            let marker = if is_selected { "▸" } else { " " };
            let name = truncate(
                &row.name,
                inner_width.saturating_sub(row.guide.chars().count() + 1),
            );
            Line::from(vec![
                Span::styled(marker, theme::focused_border()),
                Span::styled(row.guide.clone(), theme::dim()),
                Span::styled(name, name_style),
            ])
        })
        .collect();
    let title = format!("Files ({})", review.plan.files.len());
    frame.render_widget(Paragraph::new(lines).block(pane(&title, focused)), area);
}

/// The width of the line numbers of the selected file.
fn gutter_width(review: &Review) -> usize {
    review
        .highlighted
        .get(review.selected)
        .map_or(1, |lines| lines.len().max(1).to_string().len())
}

fn draw_preview(frame: &mut Frame, review: &Review, area: Rect) {
    let focused = review.focus == Focus::Preview;
    let Some(file) = review.plan.files.get(review.selected) else {
        frame.render_widget(
            Paragraph::new("No files.").block(pane("Preview", focused)),
            area,
        );
        return;
    };
    let lines = &review.highlighted[review.selected];
    let visible = usize::from(area.height.saturating_sub(2));
    let scroll = review
        .preview_scroll
        .min(lines.len().saturating_sub(visible));
    let position = if lines.len() > visible {
        format!(
            " · {}-{} of {}",
            scroll + 1,
            (scroll + visible).min(lines.len()),
            lines.len()
        )
    } else {
        format!(" · {} lines", lines.len())
    };
    let column = if review.preview_column > 0 {
        format!(" · from column {}", review.preview_column + 1)
    } else {
        String::new()
    };
    let block = pane(
        &format!("{}{position}{column}", file.path.display()),
        focused,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Line numbers stay put while the code scrolls sideways.
    let gutter = gutter_width(review) as u16 + 1;
    let [numbers, code] =
        Layout::horizontal([Constraint::Length(gutter), Constraint::Min(1)]).areas(inner);
    let shown = scroll..(scroll + visible).min(lines.len());
    let number_lines: Vec<Line> = shown
        .clone()
        .map(|index| {
            Line::styled(
                format!("{:>width$} ", index + 1, width = usize::from(gutter - 1)),
                theme::dim(),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(number_lines), numbers);
    let code_lines: Vec<Line> = lines[shown].to_vec();
    frame.render_widget(
        Paragraph::new(code_lines).scroll((0, review.preview_column as u16)),
        code,
    );
}

fn draw_change_answer(frame: &mut Frame, review: &Review, selected: usize) {
    let mut lines: Vec<Line<'static>> = vec![
        Line::from(Span::styled(
            "Which answer do you want to change?",
            theme::heading(),
        )),
        Line::default(),
    ];
    for (index, answered) in review.answered.iter().enumerate() {
        let is_selected = index == selected;
        let text = format!("{:<12}{}", answered.header, answered.answer);
        let style = if is_selected {
            theme::selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(
                if is_selected { "▸ " } else { "  " },
                theme::focused_border(),
            ),
            Span::styled(truncate(&text, 54), style),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "The questions that depend on it are asked again too.",
        theme::dim(),
    )));
    widgets::popup(frame, "Change an answer", Text::from(lines), 60);
}
