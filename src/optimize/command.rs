//! The `optimize`, `explain` and `rules` commands: answers → analysis →
//! report (and `--fix`), and the exit code.
//!
//! Answers come from flags, then `--answers FILE`, then (in a terminal,
//! without `--plain`) prompts for the open questions; with `--yes` open
//! questions take their defaults (`general`, `small`, `latency`). Without a
//! terminal, an incomplete set of answers is an input error (exit 2) unless
//! `--yes` is given — whatever the format, so a script always states its
//! intent.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on` (default
//! `warning`), 1 when one is, 2 for usage and input errors. Files that could
//! not be parsed are reported as diagnostics and do not change the code.

use std::io::{IsTerminal, Write};

use super::answers::PartialAnswers;
use super::finding::Severity;
use super::registry::{self, RULES, Selection};
use super::{analyze_with, fix};
use crate::Outcome;
use crate::cli::OptimizeArgs;
use crate::input_error;
use crate::report::{self, Format};

pub fn run(args: &OptimizeArgs) -> anyhow::Result<Outcome> {
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
    let interactive =
        std::io::stdin().is_terminal() && std::io::stdout().is_terminal() && !args.plain;
    // Full screen: inquire questions, a progress line, the findings browser
    // (see `crate::commands::optimize`); plain: numbered questions, the
    // text report.
    let full_screen = crate::tui::full_screen_allowed(args.plain);
    if !partial.is_complete() && !args.yes {
        if interactive {
            match crate::commands::optimize::ask_open(partial, full_screen)? {
                Some(answered) => partial = answered,
                None => return Ok(crate::commands::optimize::quit()),
            }
        } else {
            return Err(input_error!(
                "no terminal to ask the optimize questions: pass --answers FILE, --yes (defaults: general, small, latency), or all of --issue, --scale and --priority"
            ));
        }
    }
    let answers = partial.resolve(&origin)?;
    let selection = Selection::parse(args.select.as_deref(), args.ignore.as_deref())?;
    let fail_on = Severity::parse(&args.fail_on).expect("clap restricts --fail-on");
    let colour = args.output.is_none()
        && !args.plain
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::stdout().is_terminal();

    let browse = full_screen && args.output.is_none() && args.format == Format::Text && !args.fix;
    if browse {
        let analysis =
            crate::commands::optimize::analyze_with_progress(&args.path, &answers, &selection)?;
        let (analysis, interrupted) =
            crate::commands::optimize::browse(analysis, &args.path, &answers, &selection)?;
        let failing = analysis
            .findings
            .iter()
            .any(|finding| finding.severity >= fail_on);
        return Ok(match (interrupted, failing) {
            (true, _) => Outcome::Interrupted,
            (false, true) => Outcome::Findings,
            (false, false) => Outcome::Success,
        });
    }
    let mut analysis = analyze_with(&args.path, &answers, &selection)?;
    let mut stderr_notes = String::new();
    let mut touched: Vec<std::path::PathBuf> = Vec::new();
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
        .map(|diagnostic| crate::optimize::report_path(&diagnostic.file))
        .collect();
    for path in &broken {
        eprintln!("error: {path} no longer parses after --fix; please report this as a bug");
    }
    let failing = !broken.is_empty()
        || analysis
            .findings
            .iter()
            .any(|finding| finding.severity >= fail_on);
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// Footer printed after every rule's documentation.
pub const EXPLAIN_FOOTER: &str = "\
---
Silence one finding with a comment on the line above it (or at the end of its line):
  // do-wizard-ignore CODE: why this is intended
  # do-wizard-ignore CODE: why this is intended      (wrangler.toml)
Run only some rules with `--select DO2,DO701`, skip some with `--ignore DO707`.";

pub fn explain(code: &str) -> anyhow::Result<Outcome> {
    let Some(registered) = registry::lookup(code) else {
        return Err(input_error!(
            "unknown rule code `{code}`; run `do-wizard rules` to list the codes"
        ));
    };
    let markdown = format!("{}\n{EXPLAIN_FOOTER}\n", explain_text(registered));
    // Piped, the markdown itself (docs/rules.md and scripts rely on it); in
    // a terminal, rendered for it.
    let text = if std::io::stdout().is_terminal() {
        let colour = std::env::var_os("NO_COLOR").is_none()
            && std::env::var("TERM").map_or(true, |term| term != "dumb");
        crate::tui::markdown::render(&markdown, crate::tui::widgets::terminal_width(), colour)
    } else {
        markdown
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(Outcome::Success)
}

/// One rule's documentation, as `do-wizard explain` prints it (without the
/// footer) and as `docs/rules.md` holds it.
pub fn explain_text(registered: &registry::Registered) -> String {
    let rule = registered.rule;
    format!(
        "# {} {}\n\nArea: {} · Default severity: {} · Fix: {}\n\n{}\n",
        registered.code,
        rule.name,
        rule.area.as_str(),
        rule.severity.as_str(),
        match rule.fix {
            super::rules::FixAvailability::None => "none",
            super::rules::FixAvailability::Sometimes => "sometimes (safe)",
            super::rules::FixAvailability::Always => "yes (safe)",
        },
        rule.docs.trim_end()
    )
}

/// The whole catalog as one Markdown page (`docs/rules.md`): the table,
/// then every rule's documentation.
pub fn catalog_markdown() -> String {
    let mut out = String::from(
        "# The optimize rule catalog\n\nGenerated from the rule registry: `UPDATE_DOCS=1 cargo test --test rules_docs` rewrites it.\n`do-wizard explain CODE` prints one entry; `do-wizard rules` prints the table.\n\n| code | name | area | severity | fix | summary |\n|---|---|---|---|---|---|\n",
    );
    for registered in RULES {
        let rule = registered.rule;
        out.push_str(&format!(
            "| [{code}](#{anchor}) | {} | {} | {} | {} | {} |\n",
            rule.name,
            rule.area.as_str(),
            rule.severity.as_str(),
            if rule.fix == super::rules::FixAvailability::None {
                ""
            } else {
                "yes"
            },
            rule.summary.replace('|', "\\|"),
            code = registered.code,
            anchor = anchor(registered),
        ));
    }
    for registered in RULES {
        out.push('\n');
        out.push_str(&explain_text(registered).replacen("# ", "## ", 1));
    }
    out.push_str(&format!("\n{EXPLAIN_FOOTER}\n"));
    out
}

/// The Markdown anchor of a rule's heading in `docs/rules.md`.
pub fn anchor(registered: &registry::Registered) -> String {
    format!(
        "{}-{}",
        registered.code.to_ascii_lowercase(),
        registered.rule.name
    )
}

pub fn rules() -> anyhow::Result<Outcome> {
    let width = if std::io::stdout().is_terminal() {
        crate::tui::widgets::terminal_width()
    } else {
        80
    };
    print!("{}", rules_table(width));
    Ok(Outcome::Success)
}

/// The catalog as a plain table fitted to `width` columns: the summary
/// column wraps at word boundaries; when it would be narrower than 30
/// columns, each summary goes under its row instead, indented.
pub fn rules_table(width: usize) -> String {
    let name_width = RULES
        .iter()
        .map(|registered| registered.rule.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let row = |code: &str, name: &str, area: &str, severity: &str, fix: &str| {
        format!("{code:<6} {name:<name_width$} {area:<11} {severity:<8} {fix:<4}")
    };
    let fixed = row("", "", "", "", "").chars().count() + 1;
    let summary_width = width.saturating_sub(fixed);
    let beside = summary_width >= 30;
    let mut out = if beside {
        format!(
            "{} SUMMARY\n",
            row("CODE", "NAME", "AREA", "SEVERITY", "FIX")
        )
    } else {
        format!(
            "{}\n",
            row("CODE", "NAME", "AREA", "SEVERITY", "FIX").trim_end()
        )
    };
    for registered in RULES {
        let rule = registered.rule;
        let fix = if rule.fix == super::rules::FixAvailability::None {
            ""
        } else {
            "yes"
        };
        let head = row(
            registered.code,
            rule.name,
            rule.area.as_str(),
            rule.severity.as_str(),
            fix,
        );
        if beside {
            let lines = crate::tui::markdown::wrap(rule.summary, summary_width);
            for (index, line) in lines.iter().enumerate() {
                let left = if index == 0 { head.as_str() } else { "" };
                out.push_str(&format!("{left:<0$} {line}\n", fixed - 1));
            }
        } else {
            out.push_str(head.trim_end());
            out.push('\n');
            for line in crate::tui::markdown::wrap(rule.summary, width.saturating_sub(7)) {
                out.push_str(&format!("       {line}\n"));
            }
        }
    }
    out
}
