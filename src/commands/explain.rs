//! The `explain` and `rules` commands, and the rule catalog page they share
//! with `docs/rules.md`: every rule's documentation as the registry holds it.
//!
//! The text is a pure function of the registry, so `do-wizard explain CODE`
//! and the generated `docs/rules.md` cannot disagree.

use std::io::Write;

use crate::Outcome;
use crate::input_error;
use crate::optimize::registry::{self, RULES};
use crate::optimize::rules::FixAvailability;
use crate::terminal::Environment;

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
    let environment = Environment::detect();
    let text = if environment.stdout_is_terminal {
        crate::tui::markdown::render(
            &markdown,
            crate::terminal::width(),
            environment.colour_on_stdout(false),
        )
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
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes (safe)",
            FixAvailability::Always => "yes (safe)",
        },
        rule.docs().trim_end()
    )
}

/// The whole catalog as one Markdown page (`docs/rules.md`): the table,
/// then every rule's documentation.
pub fn catalog_markdown() -> String {
    let mut out = String::from(
        "# The optimize rule catalog\n\nGenerated from the rule registry: `UPDATE_DOCS=1 cargo test --test tests rules_docs` rewrites it.\n`do-wizard explain CODE` prints one entry; `do-wizard rules` prints the table.\n\n| code | name | area | severity | fix | summary |\n|---|---|---|---|---|---|\n",
    );
    for registered in RULES {
        let rule = registered.rule;
        out.push_str(&format!(
            "| [{code}](#{anchor}) | {} | {} | {} | {} | {} |\n",
            rule.name,
            rule.area.as_str(),
            rule.severity.as_str(),
            if rule.fix == FixAvailability::None {
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
    let width = if Environment::detect().stdout_is_terminal {
        crate::terminal::width()
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
        let fix = if rule.fix == FixAvailability::None {
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
