//! The review screen of `do-wizard new`: what will be generated and why,
//! before anything is written.
//!
//! Panes: the recommendation (pattern, storage, sharding, and each reason
//! with the answer it follows from), the file tree of the plan, and a
//! highlighted preview of the selected file. Enter accepts; `b`/Esc goes
//! back to the last question; `c` picks any answer to change; `q`/Ctrl-C
//! quits without writing. The screen only decides; the command writes.

pub mod tree;
pub mod view;

use std::path::Path;

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Size;
use ratatui::text::Line;

use super::Screen;
use super::event::Event;
use super::highlight::{self, Language};
use super::keys::{self, Binding};
use super::widgets::{KeyHelp, key_help};
use crate::flow::{Answer, Question};
use crate::recommend::{ConfigStyle, Recommendation};
use crate::render::Plan;
use tree::TreeRow;

/// How the review ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    /// Write the project.
    Accept,
    /// Go back to the last question answered.
    Back,
    /// Ask this question again (and the ones that depend on it).
    Change(&'static str),
    /// Leave without writing.
    Quit,
}

/// Which pane has the keyboard focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Files,
    Preview,
    Recommendation,
}

/// A pop-up over the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The list of answers to change, with the selected row.
    ChangeAnswer(usize),
}

/// What the keys do on the review screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Back,
    ChangeAnswer,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PreviousPane,
    Left,
    Right,
    Help,
    Close,
    Quit,
}

pub const BINDINGS: &[Binding<Action>] = &[
    Binding {
        codes: &[KeyCode::Enter],
        action: Action::Accept,
        keys: "enter",
        description: "write the project",
    },
    Binding {
        codes: &[KeyCode::Up, KeyCode::Char('k')],
        action: Action::Up,
        keys: "↑/k",
        description: "previous file (or scroll the focused pane)",
    },
    Binding {
        codes: &[KeyCode::Down, KeyCode::Char('j')],
        action: Action::Down,
        keys: "↓/j",
        description: "next file (or scroll the focused pane)",
    },
    Binding {
        codes: &[KeyCode::Tab],
        action: Action::NextPane,
        keys: "tab",
        description: "next pane: files, preview, recommendation",
    },
    Binding {
        codes: &[KeyCode::BackTab],
        action: Action::PreviousPane,
        keys: "shift-tab",
        description: "previous pane",
    },
    Binding {
        codes: &[KeyCode::PageDown, KeyCode::Char(' ')],
        action: Action::PageDown,
        keys: "pgdn/space",
        description: "page down (preview, or the focused pane)",
    },
    Binding {
        codes: &[KeyCode::PageUp],
        action: Action::PageUp,
        keys: "pgup",
        description: "page up",
    },
    Binding {
        codes: &[KeyCode::Left, KeyCode::Char('h')],
        action: Action::Left,
        keys: "←/h",
        description: "scroll the preview left",
    },
    Binding {
        codes: &[KeyCode::Right, KeyCode::Char('l')],
        action: Action::Right,
        keys: "→/l",
        description: "scroll the preview right (long lines)",
    },
    Binding {
        codes: &[KeyCode::Home, KeyCode::Char('g')],
        action: Action::Top,
        keys: "home/g",
        description: "top of the preview",
    },
    Binding {
        codes: &[KeyCode::End, KeyCode::Char('G')],
        action: Action::Bottom,
        keys: "end/G",
        description: "end of the preview",
    },
    Binding {
        codes: &[KeyCode::Char('b'), KeyCode::Esc],
        action: Action::Back,
        keys: "b/esc",
        description: "back to the last question",
    },
    Binding {
        codes: &[KeyCode::Char('c')],
        action: Action::ChangeAnswer,
        keys: "c",
        description: "pick an answer to change",
    },
    Binding {
        codes: &[KeyCode::Char('?')],
        action: Action::Help,
        keys: "?",
        description: "show these keys",
    },
    Binding {
        codes: &[KeyCode::Char('q')],
        action: Action::Quit,
        keys: "q/ctrl-c",
        description: "quit without writing",
    },
];

/// The help line under the panes.
pub const HELP_LINE: &[KeyHelp] = &[
    key_help("enter", "write"),
    key_help("↑↓", "file"),
    key_help("tab", "pane"),
    key_help("pgdn", "scroll"),
    key_help("b", "back"),
    key_help("c", "change"),
    key_help("?", "keys"),
    key_help("q", "quit"),
];

/// The help line while the change-answer list is open.
pub const CHANGE_HELP_LINE: &[KeyHelp] = &[
    key_help("↑↓", "choose"),
    key_help("enter", "ask again"),
    key_help("esc", "close"),
    key_help("q", "quit"),
];

/// Keys inside the change-answer list.
pub const CHANGE_BINDINGS: &[Binding<Action>] = &[
    Binding {
        codes: &[KeyCode::Up, KeyCode::Char('k')],
        action: Action::Up,
        keys: "↑/k",
        description: "up",
    },
    Binding {
        codes: &[KeyCode::Down, KeyCode::Char('j')],
        action: Action::Down,
        keys: "↓/j",
        description: "down",
    },
    Binding {
        codes: &[KeyCode::Enter],
        action: Action::Accept,
        keys: "enter",
        description: "ask that question again",
    },
    Binding {
        codes: &[KeyCode::Esc, KeyCode::Char('c')],
        action: Action::Close,
        keys: "esc/c",
        description: "close the list",
    },
    Binding {
        codes: &[KeyCode::Char('q')],
        action: Action::Quit,
        keys: "q/ctrl-c",
        description: "quit without writing",
    },
];

/// One answer the user may change, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredQuestion {
    pub id: &'static str,
    pub header: &'static str,
    /// The answer's label(s), e.g. `Real-time communication`.
    pub answer: String,
}

impl AnsweredQuestion {
    pub fn new(question: &'static Question, answer: &Answer) -> Self {
        let label = |value: &str| {
            question
                .choice(value)
                .map_or_else(|| value.to_string(), |choice| choice.label.to_string())
        };
        let answer = match answer {
            Answer::One(value) => label(value),
            Answer::Many(values) if values.is_empty() => "none".to_string(),
            Answer::Many(values) => values
                .iter()
                .map(|value| label(value))
                .collect::<Vec<_>>()
                .join(", "),
            Answer::Text(text) => text.clone(),
            Answer::Flag(flag) => if *flag { "yes" } else { "no" }.to_string(),
        };
        Self {
            id: question.id,
            header: question.header,
            answer,
        }
    }
}

/// The state of the review screen.
#[derive(Debug, Clone)]
pub struct Review {
    pub project_name: String,
    /// Where the files go, as shown.
    pub target: String,
    pub recommendation: Recommendation,
    pub answered: Vec<AnsweredQuestion>,
    pub plan: Plan,
    pub tree: Vec<TreeRow>,
    /// Each file's lines, highlighted once up front.
    pub highlighted: Vec<Vec<Line<'static>>>,
    /// Index into `plan.files`.
    pub selected: usize,
    pub focus: Focus,
    pub preview_scroll: usize,
    /// Columns the preview is scrolled right by (long lines).
    pub preview_column: usize,
    pub recommendation_scroll: usize,
    pub overlay: Option<Overlay>,
    /// A one-line note after a key that could not act.
    pub status: Option<String>,
    /// How the classes are declared (shown beside the storage).
    pub config_style: ConfigStyle,
}

impl Review {
    /// Show how the classes are declared (`exports` unless told otherwise).
    pub fn with_config_style(mut self, config_style: ConfigStyle) -> Self {
        self.config_style = config_style;
        self
    }

    pub fn new(
        project_name: &str,
        target: &Path,
        recommendation: Recommendation,
        answered: Vec<AnsweredQuestion>,
        plan: Plan,
    ) -> Self {
        let tree = tree::rows(
            project_name,
            plan.files.iter().map(|file| file.path.as_path()),
        );
        let highlighted = plan
            .files
            .iter()
            .map(|file| highlight::lines(Language::for_path(&file.path), &file.contents))
            .collect();
        // Start on the primary pattern's class, the file a person most
        // wants to read; else on the first file of the tree.
        let primary = Path::new("src").join(format!("{}.ts", recommendation.primary.info().module));
        let selected = plan
            .files
            .iter()
            .position(|file| file.path == primary)
            .or_else(|| tree.iter().find_map(|row| row.file))
            .unwrap_or(0);
        Self {
            project_name: project_name.to_string(),
            target: target.display().to_string(),
            recommendation,
            answered,
            plan,
            tree,
            highlighted,
            selected,
            focus: Focus::Files,
            preview_scroll: 0,
            preview_column: 0,
            recommendation_scroll: 0,
            overlay: None,
            status: None,
            config_style: ConfigStyle::Exports,
        }
    }

    /// The file indices in tree order (what ↑↓ walks).
    fn file_order(&self) -> Vec<usize> {
        self.tree.iter().filter_map(|row| row.file).collect()
    }

    fn move_selection(&mut self, step: isize) {
        let order = self.file_order();
        let Some(position) = order.iter().position(|index| *index == self.selected) else {
            return;
        };
        let next = position
            .saturating_add_signed(step)
            .min(order.len().saturating_sub(1));
        if order[next] != self.selected {
            self.selected = order[next];
            self.preview_scroll = 0;
            self.preview_column = 0;
        }
    }

    fn scroll_preview(&mut self, step: isize, size: Size) {
        let lines = self.highlighted.get(self.selected).map_or(0, Vec::len);
        let visible = view::layout(self, size).preview_lines();
        let max = lines.saturating_sub(visible);
        self.preview_scroll = self
            .preview_scroll
            .min(max)
            .saturating_add_signed(step)
            .min(max);
    }

    fn scroll_sideways(&mut self, step: isize, size: Size) {
        let widest = self
            .highlighted
            .get(self.selected)
            .map_or(0, |lines| lines.iter().map(Line::width).max().unwrap_or(0));
        let visible = view::layout(self, size).preview_columns(self);
        let max = widest.saturating_sub(visible);
        self.preview_column = self
            .preview_column
            .min(max)
            .saturating_add_signed(step)
            .min(max);
    }

    fn scroll_recommendation(&mut self, step: isize, size: Size) {
        let layout = view::layout(self, size);
        let lines = view::recommendation_lines(self, layout.recommendation_width()).len();
        let max = lines.saturating_sub(layout.recommendation_lines());
        self.recommendation_scroll = self
            .recommendation_scroll
            .min(max)
            .saturating_add_signed(step)
            .min(max);
    }

    fn cycle_focus(&mut self, step: usize) {
        let order = [Focus::Files, Focus::Preview, Focus::Recommendation];
        let at = order
            .iter()
            .position(|focus| *focus == self.focus)
            .unwrap_or(0);
        self.focus = order[(at + step) % order.len()];
    }

    /// ↑↓: the file selection, or the scroll of the focused pane.
    fn vertical(&mut self, step: isize, size: Size) {
        match self.focus {
            Focus::Files => self.move_selection(step),
            Focus::Preview => self.scroll_preview(step, size),
            Focus::Recommendation => self.scroll_recommendation(step, size),
        }
    }

    /// PgUp/PgDn: a page of the preview, or of the recommendation when it
    /// has the focus.
    fn page(&mut self, sign: isize, size: Size) {
        let layout = view::layout(self, size);
        match self.focus {
            Focus::Recommendation => self
                .scroll_recommendation(sign * layout.recommendation_lines().max(1) as isize, size),
            _ => self.scroll_preview(sign * layout.preview_lines().max(1) as isize, size),
        }
    }

    fn update_overlay(
        &mut self,
        overlay: Overlay,
        action: Option<Action>,
    ) -> Option<ReviewOutcome> {
        match (overlay, action) {
            (_, Some(Action::Quit)) => return Some(ReviewOutcome::Quit),
            (Overlay::Help, _) => self.overlay = None,
            (Overlay::ChangeAnswer(_), Some(Action::Close)) => self.overlay = None,
            (Overlay::ChangeAnswer(row), Some(Action::Up)) => {
                self.overlay = Some(Overlay::ChangeAnswer(row.saturating_sub(1)));
            }
            (Overlay::ChangeAnswer(row), Some(Action::Down)) => {
                let last = self.answered.len().saturating_sub(1);
                self.overlay = Some(Overlay::ChangeAnswer((row + 1).min(last)));
            }
            (Overlay::ChangeAnswer(row), Some(Action::Accept)) => {
                return self
                    .answered
                    .get(row)
                    .map(|answered| ReviewOutcome::Change(answered.id));
            }
            _ => {}
        }
        None
    }
}

impl Screen for Review {
    type Outcome = ReviewOutcome;

    fn update(&mut self, event: Event, size: Size) -> Option<ReviewOutcome> {
        let Event::Key(key) = event else {
            return None;
        };
        self.status = None;
        if let Some(overlay) = self.overlay {
            let bindings = match overlay {
                Overlay::Help => BINDINGS,
                Overlay::ChangeAnswer(_) => CHANGE_BINDINGS,
            };
            let action = keys::lookup(bindings, &key, Action::Quit);
            return self.update_overlay(overlay, action);
        }
        match keys::lookup(BINDINGS, &key, Action::Quit)? {
            Action::Accept => return Some(ReviewOutcome::Accept),
            Action::Quit => return Some(ReviewOutcome::Quit),
            Action::Back if self.answered.is_empty() => {
                self.status =
                    Some("Nothing to go back to: every answer came from the answers file.".into());
            }
            Action::Back => return Some(ReviewOutcome::Back),
            Action::ChangeAnswer if self.answered.is_empty() => {
                self.status =
                    Some("Nothing to change: every answer came from the answers file.".into());
            }
            Action::ChangeAnswer => {
                self.overlay = Some(Overlay::ChangeAnswer(self.answered.len() - 1));
            }
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Close => {}
            Action::NextPane => self.cycle_focus(1),
            Action::PreviousPane => self.cycle_focus(2),
            Action::Up => self.vertical(-1, size),
            Action::Down => self.vertical(1, size),
            Action::PageUp => self.page(-1, size),
            Action::PageDown => self.page(1, size),
            Action::Left => self.scroll_sideways(-8, size),
            Action::Right => self.scroll_sideways(8, size),
            Action::Top => {
                self.preview_scroll = 0;
                self.preview_column = 0;
            }
            Action::Bottom => self.scroll_preview(isize::MAX / 2, size),
        }
        None
    }

    fn draw(&self, frame: &mut Frame) {
        view::draw(frame, self);
    }

    fn quit(&self) -> ReviewOutcome {
        ReviewOutcome::Quit
    }
}
