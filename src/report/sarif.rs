//! SARIF 2.1.0, as GitHub code scanning accepts it: one run, the tool's
//! rules in `tool.driver.rules` (id, name, shortDescription, fullDescription,
//! helpUri, default level), and one result per finding with `ruleId`,
//! `ruleIndex`, `level`, `message.text` and a physical location whose
//! `artifactLocation.uri` is relative to the scanned root (`uriBaseId`
//! `%SRCROOT%`) with a 1-based `region`.

use serde_json::{Value, json};

use crate::optimize::Analysis;
use crate::optimize::finding::Severity;
use crate::optimize::registry::RULES;
use crate::text::slash_path;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The rule's first Cloudflare documentation link (its **References**): the
/// page a code-scanning reader should open. The full text is in `help`.
pub fn help_uri(docs: &str) -> Option<&str> {
    docs.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '[' | ']'))
        .find(|word| word.starts_with("https://developers.cloudflare.com/"))
        .map(|word| word.trim_end_matches(['.', ',', ';']))
}

pub fn value(analysis: &Analysis) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|registered| {
            let docs = registered.rule.docs();
            json!({
                "id": registered.code,
                "name": registered.rule.name,
                "shortDescription": { "text": registered.rule.summary },
                "fullDescription": { "text": registered.rule.summary },
                "help": { "text": docs, "markdown": docs },
                "helpUri": help_uri(&docs),
                "defaultConfiguration": { "level": level(registered.rule.severity) },
                "properties": { "tags": [registered.rule.area.as_str()] },
            })
        })
        .collect();
    let results: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| {
            let index = RULES
                .iter()
                .position(|registered| registered.code == finding.code)
                .unwrap_or(0);
            let mut text = finding.message.clone();
            if let Some(fix) = &finding.fix {
                text.push_str("\nFix: ");
                text.push_str(fix);
            }
            if !finding.effect.is_empty() {
                text.push_str("\nEffect: ");
                text.push_str(&finding.effect);
            }
            json!({
                "ruleId": finding.code,
                "ruleIndex": index,
                "level": level(finding.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": crate::error::uri_path(&slash_path(&finding.file)),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {
                            "startLine": finding.start.line,
                            "startColumn": finding.start.column,
                            "endLine": finding.end.line,
                            "endColumn": finding.end.column,
                        },
                    },
                }],
            })
        })
        .collect();
    let notifications: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": crate::error::uri_path(&slash_path(&diagnostic.file)), "uriBaseId": "%SRCROOT%" },
                }
            });
            if let Some(line) = diagnostic.line {
                location["physicalLocation"]["region"] =
                    json!({ "startLine": line, "startColumn": diagnostic.column.unwrap_or(1) });
            }
            json!({
                "level": if diagnostic.level == "error" { "error" } else { "note" },
                "message": { "text": diagnostic.message },
                "locations": [location],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "do-wizard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/do-wizard/do-wizard",
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    })
}

pub fn render(analysis: &Analysis) -> String {
    let mut text = serde_json::to_string_pretty(&value(analysis)).expect("JSON values serialize");
    text.push('\n');
    text
}
