//! The JSON format, schema version 1 (documented in `docs/json-schema.md`).
//!
//! ```json
//! {"version":1,"tool":"do-wizard","tool_version":"0.1.0","root":"…",
//!  "answers":{"issue":"general","scale":"small","priority":"latency"},
//!  "findings":[{"rule":"DO201","name":"missing-index","severity":"warning",
//!    "area":"queries","file":"src/chat.ts","line":12,"column":38,
//!    "end_line":12,"end_column":79,"message":"…","fix":"…","effect":"…",
//!    "fixable":false}],
//!  "diagnostics":[{"level":"error","file":"src/broken.ts","line":3,
//!    "column":5,"message":"cannot parse: …"}]}
//! ```
//!
//! Fields are only ever added within a version; `version` changes when a
//! field changes meaning or disappears.

use serde_json::{Value, json};

use crate::optimize::Analysis;
use crate::optimize::finding::Applicability;
use crate::text::slash_path;

pub const SCHEMA_VERSION: u32 = 1;

pub fn value(analysis: &Analysis) -> Value {
    let findings: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| {
            json!({
                "rule": finding.code,
                "name": finding.name,
                "severity": finding.severity.as_str(),
                "area": finding.area.as_str(),
                "file": slash_path(&finding.file),
                "line": finding.start.line,
                "column": finding.start.column,
                "end_line": finding.end.line,
                "end_column": finding.end.column,
                "message": finding.message,
                "fix": finding.fix,
                "effect": finding.effect,
                "fixable": finding.autofix.as_ref().is_some_and(|fix| fix.applicability == Applicability::Safe),
            })
        })
        .collect();
    let diagnostics: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|diagnostic| {
            json!({
                "level": diagnostic.level,
                "file": slash_path(&diagnostic.file),
                "line": diagnostic.line,
                "column": diagnostic.column,
                "message": diagnostic.message,
            })
        })
        .collect();
    json!({
        "version": SCHEMA_VERSION,
        "tool": "do-wizard",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "root": analysis.root.to_string_lossy(),
        "answers": {
            "issue": analysis.answers.issue.as_str(),
            "scale": analysis.answers.scale.as_str(),
            "priority": analysis.answers.priority.as_str(),
        },
        "findings": findings,
        "diagnostics": diagnostics,
    })
}

pub fn render(analysis: &Analysis) -> String {
    let mut text = serde_json::to_string_pretty(&value(analysis)).expect("JSON values serialize");
    text.push('\n');
    text
}
