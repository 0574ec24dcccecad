//! The `explain` and `rules` commands, and the rule catalog page they share
//! with `docs/rules.md`: every rule's documentation as the registry holds it.
//!
//! The text is a pure function of the registry, so `do-wizard explain CODE`
//! and the generated `docs/rules.md` cannot disagree.

use crate::Outcome;
use crate::input_error;
use crate::optimize::registry::{self, RULES};
use crate::optimize::rules::FixAvailability;

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
    println!("{}", explain_text(registered));
    println!("{EXPLAIN_FOOTER}");
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
    print!("{}", rules_table());
    Ok(Outcome::Success)
}

/// The catalog as a plain table.
pub fn rules_table() -> String {
    let mut out = format!(
        "{:<6} {:<32} {:<11} {:<8} {:<4} {}\n",
        "CODE", "NAME", "AREA", "SEVERITY", "FIX", "SUMMARY"
    );
    for registered in RULES {
        let rule = registered.rule;
        out.push_str(&format!(
            "{:<6} {:<32} {:<11} {:<8} {:<4} {}\n",
            registered.code,
            rule.name,
            rule.area.as_str(),
            rule.severity.as_str(),
            if rule.fix == FixAvailability::None {
                ""
            } else {
                "yes"
            },
            rule.summary
        ));
    }
    out
}
