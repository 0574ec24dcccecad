//! The human text format: one block per finding, like rustc / ruff.
//!
//! ```text
//! warning[DO201] missing-index: this query filters `messages` on `room` …
//!   --> src/chat.ts:12:38
//!    |
//! 12 |     return this.ctx.storage.sql.exec("SELECT * FROM messages WHERE room = ?", room);
//!    |                                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
//!    = fix: …
//!    = effect: …
//! ```

use std::fmt::Write;

use crate::optimize::Analysis;
use crate::optimize::finding::{Finding, Severity};
use crate::text::{LineEndings, LineIndex};

/// A path as a terminal or a markdown viewer shows it, control characters
/// escaped.
fn slash_path(path: &std::path::Path) -> String {
    crate::error::printable(&crate::text::slash_path(path))
}

struct Palette {
    colour: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(code, severity.as_str())
    }
}

pub fn render(analysis: &Analysis, colour: bool) -> String {
    let palette = Palette { colour };
    let mut out = String::new();
    for finding in &analysis.findings {
        render_finding(&mut out, analysis, finding, &palette);
        out.push('\n');
    }
    for diagnostic in &analysis.diagnostics {
        let place = match (diagnostic.line, diagnostic.column) {
            (Some(line), Some(column)) => {
                format!("{}:{line}:{column}", slash_path(&diagnostic.file))
            }
            _ => slash_path(&diagnostic.file),
        };
        let level = if diagnostic.level == "error" {
            palette.paint("1;31", "error")
        } else {
            palette.paint("1;36", "note")
        };
        let _ = writeln!(
            out,
            "{level}: {place}: {}",
            crate::error::printable(&diagnostic.message)
        );
    }
    let count = |severity| {
        analysis
            .findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count()
    };
    let total = analysis.findings.len();
    if total == 0 {
        let _ = writeln!(
            out,
            "No findings in {} files (issue: {}, scale: {}).",
            analysis.files_scanned,
            analysis.answers.issue.as_str(),
            analysis.answers.scale.as_str()
        );
    } else {
        let _ = writeln!(
            out,
            "Found {total} finding{} ({} error, {} warning, {} info) in {} files.",
            if total == 1 { "" } else { "s" },
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
            analysis.files_scanned
        );
        let fixable = analysis
            .findings
            .iter()
            .filter(|finding| {
                finding.autofix.as_ref().is_some_and(|fix| {
                    fix.applicability == crate::optimize::finding::Applicability::Safe
                })
            })
            .count();
        if fixable > 0 {
            let _ = writeln!(out, "{fixable} fixable with `do-wizard optimize --fix`.");
        }
    }
    out
}

/// One finding: header, location, code frame, fix, effect.
fn render_finding(out: &mut String, analysis: &Analysis, finding: &Finding, palette: &Palette) {
    let _ = writeln!(
        out,
        "{}{} {}: {}",
        palette.severity(finding.severity),
        palette.paint("1", &format!("[{}]", finding.code)),
        finding.name,
        finding.message
    );
    let line_number = finding.start.line.to_string();
    let gutter = " ".repeat(line_number.len());
    let _ = writeln!(
        out,
        "{gutter}{} {}:{}:{}",
        palette.paint("34", "-->"),
        slash_path(&finding.file),
        finding.start.line,
        finding.start.column
    );
    if let Some(text) = analysis.sources.get(&finding.file) {
        let line = LineIndex::new(text, LineEndings::for_path(&finding.file))
            .line(text, finding.start.line)
            .unwrap_or("");
        let line = crate::error::printable(line);
        let line = line.as_str();
        let width = line.chars().count();
        let start = finding.start.column - 1;
        let end = if finding.end.line == finding.start.line {
            (finding.end.column - 1).max(start + 1)
        } else {
            width.max(start + 1)
        };
        let bar = palette.paint("34", "|");
        let _ = writeln!(out, "{gutter} {bar}");
        let _ = writeln!(out, "{} {bar} {line}", palette.paint("34", &line_number));
        // Keep tabs so the caret lines up under the code.
        let padding: String = line
            .chars()
            .take(start)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let carets = "^".repeat(
            end.saturating_sub(start)
                .min(width.saturating_sub(start).max(1)),
        );
        let _ = writeln!(
            out,
            "{gutter} {bar} {padding}{}",
            palette.paint(
                if finding.severity == Severity::Error {
                    "31"
                } else {
                    "33"
                },
                &carets
            )
        );
    }
    if let Some(fix) = &finding.fix {
        let mut lines = fix.lines();
        if let Some(first) = lines.next() {
            let _ = writeln!(out, "{gutter} = {}: {first}", palette.paint("1", "fix"));
            for line in lines {
                let _ = writeln!(out, "{gutter}   {line}");
            }
        }
    }
    if !finding.effect.is_empty() {
        let _ = writeln!(
            out,
            "{gutter} = {}: {}",
            palette.paint("1", "effect"),
            finding.effect
        );
    }
}
