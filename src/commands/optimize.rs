//! The interactive side of `do-wizard optimize`: the three questions through
//! the shared flow machinery (Esc goes back, Ctrl-C quits), a progress line
//! while the repository is scanned, and the full-screen findings browser
//! with its effects (write the markdown report, apply a confirmed safe fix
//! and analyze again). The non-interactive path (reports, `--fix`, exit
//! codes) lives in [`crate::optimize::command`], which calls in here.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::Outcome;
use crate::flow::plain::PlainPrompter;
use crate::flow::terminal::TerminalPrompter;
use crate::flow::{Answer, Completion, Prompter, QuestionFlow, TableFlow, drive};
use crate::optimize::answers::{OptimizeAnswers, PartialAnswers};
use crate::optimize::finding::Applicability;
use crate::optimize::fix::{self, FixedFile};
use crate::optimize::questions::QUESTIONS;
use crate::optimize::registry::Selection;
use crate::optimize::{Analysis, analyze_observed, analyze_with, discover};
use crate::tui::event::{Event, EventSource, TerminalEvents, is_ctrl_c};
use crate::tui::findings::{Browser, BrowserOutcome};
use crate::tui::progress::Progress;
use crate::tui::terminal::{self, FullScreen};

/// Where `w` writes the markdown report: the current directory.
pub const REPORT_FILE: &str = "do-wizard-report.md";

/// Ask the open questions; `None` when the user quit (Ctrl-C).
pub fn ask_open(
    partial: PartialAnswers,
    full_screen: bool,
) -> anyhow::Result<Option<PartialAnswers>> {
    static TABLE: [crate::flow::Question; 3] = QUESTIONS;
    let mut flow = TableFlow::new(&TABLE);
    for (id, given) in [
        ("issue", &partial.issue),
        ("scale", &partial.scale),
        ("priority", &partial.priority),
    ] {
        if let Some(value) = given {
            flow.preset(id, Answer::One(value.clone()));
        }
    }
    let completion = if full_screen {
        terminal::begin_interactive();
        drive(&mut flow, &mut TerminalPrompter::new(false))?
    } else {
        let mut prompter = PlainPrompter::new(std::io::stdin().lock(), std::io::stderr());
        drive(&mut flow, &mut prompter as &mut dyn Prompter)?
    };
    if completion == Completion::Quit {
        return Ok(None);
    }
    debug_assert!(QuestionFlow::next_step(&flow).is_none());
    let value = |id: &str| {
        flow.answers()
            .get(id)
            .and_then(Answer::as_str)
            .map(str::to_string)
    };
    Ok(Some(PartialAnswers {
        issue: value("issue"),
        scale: value("scale"),
        priority: value("priority"),
    }))
}

/// What quitting before the analysis prints and returns: an abort, 130
/// (like an interrupt), so a script can tell it from a finished run.
pub fn quit() -> Outcome {
    eprintln!("Quit; nothing was analyzed.");
    Outcome::Interrupted
}

/// The terminal's events, remembering whether the last key was Ctrl-C:
/// leaving the findings browser with `q` ends the run normally (0 or 1 by
/// the findings), with Ctrl-C it is an abort (130).
#[derive(Default)]
struct WatchCtrlC {
    events: TerminalEvents,
    ctrl_c: bool,
}

impl EventSource for WatchCtrlC {
    fn next(&mut self) -> anyhow::Result<Event> {
        let event = self.events.next()?;
        if let Event::Key(key) = &event {
            self.ctrl_c = is_ctrl_c(key);
        }
        Ok(event)
    }
}

/// Analyze with a progress line on stderr.
pub fn analyze_with_progress(
    root: &Path,
    answers: &OptimizeAnswers,
    selection: &Selection,
) -> anyhow::Result<Analysis> {
    let progress = Progress::new(true);
    let result = analyze_observed(root, answers, selection, &|done, total| {
        progress.update(done, total)
    });
    progress.finish();
    result
}

/// Run the findings browser until the user quits; returns the analysis as
/// it stands then (fixes applied meanwhile included), and whether a signal
/// or Ctrl-C ended it.
pub fn browse(
    analysis: Analysis,
    root: &Path,
    answers: &OptimizeAnswers,
    selection: &Selection,
) -> anyhow::Result<(Analysis, bool)> {
    terminal::begin_interactive();
    let report_path = PathBuf::from(REPORT_FILE);
    let mut browser = Browser::new(analysis, &report_path);
    let mut screen = FullScreen::enter()?;
    let mut events = WatchCtrlC::default();
    let mut report_written = false;
    loop {
        match crate::tui::run(screen.terminal(), &mut browser, &mut events)? {
            BrowserOutcome::Quit => break,
            BrowserOutcome::WriteReport => match write_report(&browser.analysis, &report_path) {
                Ok(()) => {
                    report_written = true;
                    browser.set_status(
                        format!("Wrote the markdown report to ./{REPORT_FILE}"),
                        false,
                    )
                }
                Err(error) => browser.set_status(
                    format!(
                        "Could not write the report: {}",
                        crate::error::render(&error)
                    ),
                    true,
                ),
            },
            BrowserOutcome::ApplyFix(index) => match apply_fix(&browser.analysis, index, root) {
                Ok(place) => match analyze_with(root, answers, selection) {
                    Ok(analysis) => {
                        // A report written before this fix is out of date.
                        report_written = false;
                        let left = analysis.findings.len();
                        browser.replace_analysis(analysis);
                        browser.set_status(
                            format!(
                                "Applied the fix at {place}; {left} finding{} left.",
                                if left == 1 { "" } else { "s" }
                            ),
                            false,
                        );
                    }
                    Err(error) => browser.set_status(
                        format!(
                            "Applied the fix at {place}, but the new analysis failed: {}",
                            crate::error::render(&error)
                        ),
                        true,
                    ),
                },
                Err(error) => browser.set_status(
                    format!("Fix not applied: {}", crate::error::render(&error)),
                    true,
                ),
            },
        }
    }
    drop(screen);
    // The browser's screen is gone; leave a line that says where things stand.
    eprintln!("{}", closing_line(&browser.analysis, report_written));
    Ok((
        browser.analysis,
        terminal::was_interrupted() || events.ctrl_c,
    ))
}

/// `3 findings (0 error, 1 warning, 2 info) in 3 files. …`, then how to get
/// a report, or where the one written from the browser is.
fn closing_line(analysis: &Analysis, report_written: bool) -> String {
    use crate::optimize::finding::Severity;
    let count = |severity| {
        analysis
            .findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    let total = analysis.findings.len();
    if total == 0 {
        return format!("No findings in {} files.", analysis.files_scanned);
    }
    let report = if report_written {
        format!("The report is in ./{REPORT_FILE}.")
    } else {
        format!("For a report: do-wizard optimize --format markdown -o {REPORT_FILE}")
    };
    format!(
        "{total} finding{} ({} error, {} warning, {} info) in {} files. {report}",
        if total == 1 { "" } else { "s" },
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        analysis.files_scanned
    )
}

/// Write the markdown report through the safe write layer.
fn write_report(analysis: &Analysis, path: &Path) -> anyhow::Result<()> {
    let text = crate::report::markdown::render(analysis);
    crate::write::write_file(path, text.as_bytes())
}

/// Apply finding `index`'s safe fix on its own; returns `file:line`. The
/// file must still hold the text that was analyzed.
fn apply_fix(analysis: &Analysis, index: usize, root: &Path) -> anyhow::Result<String> {
    let finding = analysis.findings.get(index).context("no such finding")?;
    let autofix = finding
        .autofix
        .as_ref()
        .filter(|fix| fix.applicability == Applicability::Safe)
        .context("this finding has no safe fix")?;
    let analyzed = analysis
        .sources
        .get(&autofix.file)
        .context("the analysis did not keep this file's text")?;
    let place = format!(
        "{}:{}",
        crate::report::slash_path(&autofix.file),
        finding.start.line
    );
    let path = discover::absolute(root, &autofix.file);
    let current =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    if current != **analyzed {
        anyhow::bail!("{place} changed since it was analyzed; quit and run optimize again");
    }
    let (after, applied) = fix::apply(analyzed, vec![autofix.edits.clone()]);
    if applied == 0 || after == current {
        anyhow::bail!("the fix for {place} no longer applies");
    }
    let fixed = FixedFile {
        path: autofix.file.clone(),
        before: current,
        after,
        fixes: 1,
    };
    fix::write(root, &[fixed])?;
    Ok(place)
}
