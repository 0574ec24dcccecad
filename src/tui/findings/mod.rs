//! The findings browser of `do-wizard optimize`.
//!
//! The list shows the findings grouped by area, the areas in the order of
//! their most urgent finding, each group in the analysis' priority order. The
//! detail pane shows the selected finding: where, what and why, the code
//! frame, the fix, the proposed change as a diff, and the expected effect.
//! Filters narrow the list by area and by minimum severity.
//!
//! The browser does no IO: writing the report and applying a fix end the
//! loop with [`BrowserOutcome::WriteReport`] or
//! [`BrowserOutcome::ApplyFix`]; the command does the work, reports back
//! with [`Browser::set_status`] or [`Browser::replace_analysis`], and runs
//! the loop again. A fix is applied only after a confirmation, and only a
//! safe one.

pub mod view;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Size;
use ratatui::text::Line;

use super::Screen;
use super::event::Event;
use super::highlight::{self, Language};
use super::keys::{self, Binding};
use super::widgets::{KeyHelp, key_help};
use crate::optimize::Analysis;
use crate::optimize::finding::{Applicability, Area, Finding, Severity};
use crate::optimize::fix::{self, FixedFile};

/// How the browser's loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserOutcome {
    Quit,
    /// Write the markdown report (to [`Browser::report_path`]).
    WriteReport,
    /// Apply the safe fix of this finding (an index into the analysis'
    /// findings); the user has confirmed it.
    ApplyFix(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// Asking whether to apply the fix of this finding.
    ConfirmFix(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    First,
    Last,
    PageUp,
    PageDown,
    SwitchPane,
    FilterArea,
    FilterSeverity,
    ClearFilters,
    WriteReport,
    Fix,
    Help,
    Confirm,
    Cancel,
    Quit,
}

pub const BINDINGS: &[Binding<Action>] = &[
    Binding {
        codes: &[KeyCode::Up, KeyCode::Char('k')],
        action: Action::Up,
        keys: "↑/k",
        description: "previous finding (or scroll the focused detail)",
    },
    Binding {
        codes: &[KeyCode::Down, KeyCode::Char('j')],
        action: Action::Down,
        keys: "↓/j",
        description: "next finding (or scroll the focused detail)",
    },
    Binding {
        codes: &[KeyCode::Home, KeyCode::Char('g')],
        action: Action::First,
        keys: "home/g",
        description: "first finding",
    },
    Binding {
        codes: &[KeyCode::End, KeyCode::Char('G')],
        action: Action::Last,
        keys: "end/G",
        description: "last finding",
    },
    Binding {
        codes: &[KeyCode::PageDown, KeyCode::Char(' ')],
        action: Action::PageDown,
        keys: "pgdn/space",
        description: "page down in the detail",
    },
    Binding {
        codes: &[KeyCode::PageUp],
        action: Action::PageUp,
        keys: "pgup",
        description: "page up in the detail",
    },
    Binding {
        codes: &[KeyCode::Tab, KeyCode::BackTab],
        action: Action::SwitchPane,
        keys: "tab",
        description: "switch between list and detail",
    },
    Binding {
        codes: &[KeyCode::Char('a')],
        action: Action::FilterArea,
        keys: "a",
        description: "filter by area (cycles through the areas found)",
    },
    Binding {
        codes: &[KeyCode::Char('s')],
        action: Action::FilterSeverity,
        keys: "s",
        description: "filter by severity: all, warning and up, errors",
    },
    Binding {
        codes: &[KeyCode::Char('c')],
        action: Action::ClearFilters,
        keys: "c",
        description: "clear the filters",
    },
    Binding {
        codes: &[KeyCode::Char('w')],
        action: Action::WriteReport,
        keys: "w",
        description: "write the markdown report",
    },
    Binding {
        codes: &[KeyCode::Char('f')],
        action: Action::Fix,
        keys: "f",
        description: "apply the selected finding's safe fix (asks first)",
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
        description: "quit",
    },
];

/// Keys while the fix confirmation is open.
pub const CONFIRM_BINDINGS: &[Binding<Action>] = &[
    Binding {
        codes: &[KeyCode::Char('y'), KeyCode::Enter],
        action: Action::Confirm,
        keys: "y/enter",
        description: "apply the fix",
    },
    Binding {
        codes: &[KeyCode::Char('n'), KeyCode::Esc, KeyCode::Char('q')],
        action: Action::Cancel,
        keys: "n/esc",
        description: "leave the file as it is",
    },
];

pub const HELP_LINE: &[KeyHelp] = &[
    key_help("↑↓", "finding"),
    key_help("tab", "pane"),
    key_help("a", "area"),
    key_help("s", "severity"),
    key_help("w", "report"),
    key_help("f", "fix"),
    key_help("?", "keys"),
    key_help("q", "quit"),
];

pub const CONFIRM_HELP_LINE: &[KeyHelp] =
    &[key_help("y", "apply the fix"), key_help("n/esc", "cancel")];

/// One row of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// An area heading with the number of findings under it.
    Group(Area, usize),
    /// A finding, by index into the analysis.
    Finding(usize),
}

/// A status message after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// The state of the findings browser.
#[derive(Debug, Clone)]
pub struct Browser {
    pub analysis: Analysis,
    /// Where `w` writes the markdown report, as shown.
    pub report_path: PathBuf,
    /// The highlighted lines of every file a finding points at.
    pub highlighted: HashMap<PathBuf, Vec<Line<'static>>>,
    /// The proposed change of each finding with a machine fix, as a diff.
    pub diffs: Vec<Option<String>>,
    pub area: Option<Area>,
    /// Show findings at or above this severity.
    pub severity: Option<Severity>,
    /// The selected finding (index into the analysis), if any is visible.
    pub selected: Option<usize>,
    pub focus: Focus,
    pub detail_scroll: usize,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
}

impl Browser {
    pub fn new(analysis: Analysis, report_path: &Path) -> Self {
        let mut browser = Self {
            analysis,
            report_path: report_path.to_path_buf(),
            highlighted: HashMap::new(),
            diffs: Vec::new(),
            area: None,
            severity: None,
            selected: None,
            focus: Focus::List,
            detail_scroll: 0,
            overlay: None,
            status: None,
        };
        browser.derive();
        browser.selected = browser.visible().first().copied();
        browser
    }

    /// Take a new analysis (after a fix), keeping the filters and, where it
    /// still exists, the selected finding (else the one now in its place).
    pub fn replace_analysis(&mut self, analysis: Analysis) {
        let before = self
            .selected
            .map(|index| key_of(&self.analysis.findings[index]));
        let position = self
            .selected
            .and_then(|index| self.visible().iter().position(|visible| *visible == index));
        self.load(analysis);
        let visible = self.visible();
        self.selected = before
            .and_then(|key| {
                visible
                    .iter()
                    .copied()
                    .find(|index| key_of(&self.analysis.findings[*index]) == key)
            })
            .or_else(|| {
                position.and_then(|position| {
                    visible
                        .get(position.min(visible.len().saturating_sub(1)))
                        .copied()
                })
            })
            .or_else(|| visible.first().copied());
        self.detail_scroll = 0;
    }

    fn load(&mut self, analysis: Analysis) {
        self.analysis = analysis;
        self.derive();
    }

    /// Highlight the sources and work out the diffs, once per analysis.
    fn derive(&mut self) {
        let analysis = &self.analysis;
        self.highlighted = analysis
            .sources
            .iter()
            .map(|(path, text)| {
                (
                    path.clone(),
                    highlight::lines(Language::for_path(path), text),
                )
            })
            .collect();
        self.diffs = analysis
            .findings
            .iter()
            .map(|finding| proposed_diff(analysis, finding))
            .collect();
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
        });
    }

    /// Whether a finding passes the filters.
    fn shown(&self, finding: &Finding) -> bool {
        self.area.is_none_or(|area| finding.area == area)
            && self
                .severity
                .is_none_or(|severity| finding.severity >= severity)
    }

    /// The areas that have findings, most urgent first.
    pub fn areas(&self) -> Vec<Area> {
        let mut areas = Vec::new();
        for finding in &self.analysis.findings {
            if !areas.contains(&finding.area) {
                areas.push(finding.area);
            }
        }
        areas
    }

    /// The visible findings in list order: grouped by area, areas in the
    /// order of their first (most urgent) finding, priority order inside.
    pub fn visible(&self) -> Vec<usize> {
        self.rows()
            .into_iter()
            .filter_map(|row| match row {
                Row::Finding(index) => Some(index),
                Row::Group(..) => None,
            })
            .collect()
    }

    /// The list's rows: a heading per area, then its findings.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for area in self.areas() {
            let members: Vec<usize> = self
                .analysis
                .findings
                .iter()
                .enumerate()
                .filter(|(_, finding)| finding.area == area && self.shown(finding))
                .map(|(index, _)| index)
                .collect();
            if members.is_empty() {
                continue;
            }
            rows.push(Row::Group(area, members.len()));
            rows.extend(members.into_iter().map(Row::Finding));
        }
        rows
    }

    /// Whether the finding has a fix `f` may apply.
    pub fn has_safe_fix(&self, index: usize) -> bool {
        self.analysis.findings.get(index).is_some_and(|finding| {
            finding
                .autofix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::Safe)
        }) && self.diffs.get(index).is_some_and(Option::is_some)
    }

    fn move_selection(&mut self, to: impl FnOnce(usize, usize) -> usize) {
        let visible = self.visible();
        if visible.is_empty() {
            self.selected = None;
            return;
        }
        let at = self
            .selected
            .and_then(|index| visible.iter().position(|visible| *visible == index))
            .unwrap_or(0);
        let next = to(at, visible.len()).min(visible.len() - 1);
        if Some(visible[next]) != self.selected {
            self.selected = Some(visible[next]);
            self.detail_scroll = 0;
        }
    }

    fn scroll_detail(&mut self, step: isize, size: Size) {
        let layout = view::layout(self, size);
        let lines = self.selected.map_or(0, |index| {
            view::detail_lines(self, index, layout.detail_width()).len()
        });
        let max = lines.saturating_sub(layout.detail_lines());
        self.detail_scroll = self
            .detail_scroll
            .min(max)
            .saturating_add_signed(step)
            .min(max);
    }

    /// After a filter change: keep the selection if it is still visible,
    /// else select the first visible finding.
    fn refilter(&mut self) {
        let visible = self.visible();
        if !self.selected.is_some_and(|index| visible.contains(&index)) {
            self.selected = visible.first().copied();
            self.detail_scroll = 0;
        }
    }

    fn update_overlay(
        &mut self,
        overlay: Overlay,
        key: &ratatui::crossterm::event::KeyEvent,
    ) -> Option<BrowserOutcome> {
        match overlay {
            Overlay::Help => {
                if keys::lookup(&[], key, Action::Quit) == Some(Action::Quit) {
                    return Some(BrowserOutcome::Quit);
                }
                self.overlay = None;
            }
            Overlay::ConfirmFix(index) => match keys::lookup(CONFIRM_BINDINGS, key, Action::Quit) {
                Some(Action::Quit) => return Some(BrowserOutcome::Quit),
                Some(Action::Confirm) => {
                    self.overlay = None;
                    return Some(BrowserOutcome::ApplyFix(index));
                }
                Some(Action::Cancel) => {
                    self.overlay = None;
                    self.set_status("Fix not applied.", false);
                }
                _ => {}
            },
        }
        None
    }
}

/// What identifies a finding across analyses (its byte range may move).
fn key_of(finding: &Finding) -> (&'static str, PathBuf, usize) {
    (finding.code, finding.file.clone(), finding.start.line)
}

/// The unified diff of a finding's machine fix on its own, if it has one.
fn proposed_diff(analysis: &Analysis, finding: &Finding) -> Option<String> {
    let autofix = finding.autofix.as_ref()?;
    let text = analysis.sources.get(&autofix.file)?;
    let (after, applied) = fix::apply(text, vec![autofix.edits.clone()]);
    (applied > 0 && after != **text).then(|| {
        fix::diff(&FixedFile {
            path: autofix.file.clone(),
            before: text.to_string(),
            after,
            fixes: 1,
        })
    })
}

impl Screen for Browser {
    type Outcome = BrowserOutcome;

    fn update(&mut self, event: Event, size: Size) -> Option<BrowserOutcome> {
        let Event::Key(key) = event else {
            return None;
        };
        if let Some(overlay) = self.overlay {
            return self.update_overlay(overlay, &key);
        }
        self.status = None;
        let layout = view::layout(self, size);
        match keys::lookup(BINDINGS, &key, Action::Quit)? {
            Action::Quit => return Some(BrowserOutcome::Quit),
            Action::Up if self.focus == Focus::Detail => self.scroll_detail(-1, size),
            Action::Down if self.focus == Focus::Detail => self.scroll_detail(1, size),
            Action::Up => self.move_selection(|at, _| at.saturating_sub(1)),
            Action::Down => self.move_selection(|at, _| at + 1),
            Action::First => self.move_selection(|_, _| 0),
            Action::Last => self.move_selection(|_, count| count - 1),
            Action::PageUp => self.scroll_detail(-(layout.detail_lines().max(1) as isize), size),
            Action::PageDown => self.scroll_detail(layout.detail_lines().max(1) as isize, size),
            Action::SwitchPane => {
                self.focus = match self.focus {
                    Focus::List => Focus::Detail,
                    Focus::Detail => Focus::List,
                }
            }
            Action::FilterArea => {
                let areas = self.areas();
                self.area = match self
                    .area
                    .and_then(|area| areas.iter().position(|known| *known == area))
                {
                    None => areas.first().copied(),
                    Some(at) => areas.get(at + 1).copied(),
                };
                self.refilter();
            }
            Action::FilterSeverity => {
                self.severity = match self.severity {
                    None | Some(Severity::Info) => Some(Severity::Warning),
                    Some(Severity::Warning) => Some(Severity::Error),
                    Some(Severity::Error) => None,
                };
                self.refilter();
            }
            Action::ClearFilters => {
                self.area = None;
                self.severity = None;
                self.refilter();
            }
            Action::WriteReport => return Some(BrowserOutcome::WriteReport),
            Action::Fix => match self.selected {
                Some(index) if self.has_safe_fix(index) => {
                    self.overlay = Some(Overlay::ConfirmFix(index))
                }
                Some(index) => {
                    let why = match self.analysis.findings[index]
                        .autofix
                        .as_ref()
                        .map(|fix| fix.applicability)
                    {
                        Some(Applicability::Unsafe) => {
                            "its fix may change behaviour, so it is only shown; apply it by hand"
                        }
                        Some(Applicability::DisplayOnly) => {
                            "its fix is a suggestion to apply by hand"
                        }
                        _ => "it has no machine-applicable fix; the detail shows what to change",
                    };
                    self.set_status(
                        format!(
                            "Nothing to apply for {}: {why}.",
                            self.analysis.findings[index].code
                        ),
                        true,
                    );
                }
                None => self.set_status("No finding selected.", true),
            },
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Confirm | Action::Cancel => {}
        }
        None
    }

    fn draw(&self, frame: &mut Frame) {
        view::draw(frame, self);
    }

    fn quit(&self) -> BrowserOutcome {
        BrowserOutcome::Quit
    }
}
