//! `do-wizard optimize`: answers → analysis → report (and `--fix`), and the
//! exit code; in a terminal, the three questions through the shared flow
//! machinery (Esc goes back, Ctrl-C quits), a progress line while the
//! repository is scanned, and the full-screen findings browser with its
//! effects (write the markdown report, apply a confirmed safe fix and analyze
//! again). The analysis itself is the [`crate::optimize`] library.
//!
//! Answers come from flags, then `--answers FILE`, then (when the
//! [`crate::terminal`] policy allows questions, and without `--plain`, which
//! for optimize means "no prompts") prompts for the open questions; with
//! `--yes` open questions take their defaults (`general`, `small`,
//! `latency`). Without a terminal, an incomplete set of answers is an input
//! error (exit 2) unless `--yes` is given — whatever the format, so a script
//! always states its intent.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on` (default
//! `warning`), 1 when one is, 2 for usage and input errors. Files that could
//! not be parsed are reported as diagnostics and do not change the code.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::Outcome;
use crate::cli::OptimizeArgs;
use crate::flow::inquire_prompter::TerminalPrompter;
use crate::flow::optimize_answers::PartialAnswers;
use crate::flow::optimize_questions::QUESTIONS;
use crate::flow::plain::PlainPrompter;
use crate::flow::{Answer, Completion, Prompter, QuestionFlow, TableFlow, drive};
use crate::input_error;
use crate::optimize::answers::OptimizeAnswers;
use crate::optimize::finding::{Applicability, Severity};
use crate::optimize::fix::{self, FixedFile};
use crate::optimize::registry::Selection;
use crate::optimize::{Analysis, analyze_observed, analyze_with, discover};
use crate::report::{self, Format};
use crate::terminal::screen::{self, FullScreen};
use crate::terminal::{Environment, Interaction};
use crate::tui::event::{Event, EventSource, TerminalEvents, is_ctrl_c};
use crate::tui::findings::{Browser, BrowserOutcome};
use crate::tui::progress::Progress;

pub fn run(args: &OptimizeArgs) -> anyhow::Result<Outcome> {
    let environment = Environment::detect();
    let flags = PartialAnswers {
        issue: args.issue.clone(),
        scale: args.scale.clone(),
        priority: args.priority.clone(),
    };
    let (mut partial, origin) = match &args.answers {
        Some(path) => (
            flags.or(PartialAnswers::from_file(path)?),
            format!("answers file {}", path.display()),
        ),
        None => (flags, "command line".to_string()),
    };
    // Full screen: inquire questions, a progress line, the findings browser;
    // plain: numbered questions, the text report. `--plain` asks nothing.
    let interaction = if args.plain {
        Interaction::Scripted
    } else {
        environment.interaction(false)
    };
    // An answers file with no terminal to ask the rest: the open questions
    // take their defaults, as with --yes, and stderr says which.
    if !partial.is_complete()
        && !args.yes
        && args.answers.is_some()
        && interaction == Interaction::Scripted
    {
        eprintln!("{}", defaulted_line(&partial, &origin));
    } else if !partial.is_complete() && !args.yes {
        if interaction == Interaction::Scripted {
            return Err(input_error!(
                "no terminal to ask the optimize questions: pass --answers FILE, --yes (defaults: general, small, latency), or all of --issue, --scale and --priority"
            ));
        }
        match ask_open(partial, interaction == Interaction::FullScreen)? {
            Some(answered) => partial = answered,
            None => return Ok(super::quit("nothing was analyzed")),
        }
    }
    let answers = partial.resolve(&origin)?;
    let selection = Selection::parse(args.select.as_deref(), args.ignore.as_deref())?
        .with_tests(args.include_tests);
    let fail_on = Severity::parse(&args.fail_on).expect("clap restricts --fail-on");
    let colour = args.output.is_none() && environment.colour_on_stdout(args.plain);

    let browse = interaction == Interaction::FullScreen
        && args.output.is_none()
        && args.format == Format::Text
        && !args.fix;
    if browse {
        let analysis = analyze_with_progress(&args.path, &answers, &selection)?;
        let (analysis, interrupted) = browse_findings(analysis, &args.path, &answers, &selection)?;
        return Ok(match (interrupted, failing(&analysis, fail_on)) {
            (true, _) => Outcome::Interrupted,
            (false, true) => Outcome::Findings,
            (false, false) => Outcome::Success,
        });
    }
    let mut analysis = analyze_with(&args.path, &answers, &selection)?;
    let mut stderr_notes = String::new();
    let mut touched: Vec<PathBuf> = Vec::new();
    if args.fix {
        for round in 0..fix::MAX_ROUNDS {
            let planned = fix::plan(&analysis);
            if planned.is_empty() {
                break;
            }
            for file in &planned {
                stderr_notes.push_str(&fix::diff(file));
            }
            if args.dry_run {
                break;
            }
            fix::write(&args.path, &planned)?;
            touched.extend(planned.iter().map(|file| file.path.clone()));
            let count: usize = planned.iter().map(|file| file.fixes).sum();
            stderr_notes.push_str(&format!(
                "fixed {count} finding{} in {} file{} (round {})\n",
                if count == 1 { "" } else { "s" },
                planned.len(),
                if planned.len() == 1 { "" } else { "s" },
                round + 1
            ));
            analysis = analyze_with(&args.path, &answers, &selection)?;
        }
    }
    let rendered = report::render(&analysis, args.format, colour);
    if !stderr_notes.is_empty() {
        // The diff goes where the person reads it; with a machine format on
        // stdout it must not corrupt the report.
        if args.format == Format::Text && args.output.is_none() {
            print!("{stderr_notes}");
        } else {
            eprint!("{stderr_notes}");
        }
    }
    match &args.output {
        Some(path) => crate::write::write_file(path, rendered.as_bytes())?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(rendered.as_bytes())?;
            stdout.flush()?;
        }
    }
    // Every fix is checked to parse before it is written; should a touched
    // file still fail to parse, the run must not pass.
    let broken: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.level == "error" && touched.contains(&diagnostic.file))
        .map(|diagnostic| crate::text::slash_path(&diagnostic.file))
        .collect();
    for path in &broken {
        eprintln!("error: {path} no longer parses after --fix; please report this as a bug");
    }
    Ok(if !broken.is_empty() || failing(&analysis, fail_on) {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// Whether a finding is at or above the `--fail-on` threshold.
fn failing(analysis: &Analysis, fail_on: Severity) -> bool {
    analysis
        .findings
        .iter()
        .any(|finding| finding.severity >= fail_on)
}

/// Where `w` writes the markdown report: the current directory.
pub const REPORT_FILE: &str = "do-wizard-report.md";

/// Ask the open questions; `None` when the user quit (Ctrl-C).
fn ask_open(partial: PartialAnswers, full_screen: bool) -> anyhow::Result<Option<PartialAnswers>> {
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
        screen::begin_interactive();
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
fn analyze_with_progress(
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
fn browse_findings(
    analysis: Analysis,
    root: &Path,
    answers: &OptimizeAnswers,
    selection: &Selection,
) -> anyhow::Result<(Analysis, bool)> {
    screen::begin_interactive();
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
    Ok((browser.analysis, screen::was_interrupted() || events.ctrl_c))
}

/// The stderr line for answers left open by an answers file: `note: answers
/// file a.json leaves scale, priority open: using the defaults (scale:
/// small, priority: latency)`.
fn defaulted_line(partial: &PartialAnswers, origin: &str) -> String {
    let defaults = OptimizeAnswers::default();
    let open: Vec<(&str, &str)> = [
        ("issue", partial.issue.is_none(), defaults.issue.as_str()),
        ("scale", partial.scale.is_none(), defaults.scale.as_str()),
        (
            "priority",
            partial.priority.is_none(),
            defaults.priority.as_str(),
        ),
    ]
    .into_iter()
    .filter(|(_, open, _)| *open)
    .map(|(question, _, default)| (question, default))
    .collect();
    let names: Vec<&str> = open.iter().map(|(question, _)| *question).collect();
    let values: Vec<String> = open
        .iter()
        .map(|(question, default)| format!("{question}: {default}"))
        .collect();
    format!(
        "note: {origin} leaves {} open and there is no terminal to ask: using the default{} ({})",
        names.join(", "),
        if open.len() == 1 { "" } else { "s" },
        values.join(", ")
    )
}

/// `3 findings (0 error, 1 warning, 2 info) in 3 files. …`, then how to get
/// a report, or where the one written from the browser is.
fn closing_line(analysis: &Analysis, report_written: bool) -> String {
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
        crate::text::slash_path(&autofix.file),
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
