//! The Markdown report, following the seed wizard's steps: the findings in
//! priority order (where, what and why, the fix against the user's code, the
//! expected effect), how to measure before and after with `wrangler tail`,
//! a structured-logging snippet adapted to the user's Durable Object
//! classes, and the next steps.

use std::fmt::Write;

use crate::optimize::Analysis;
use crate::text::{LineEndings, LineIndex};

/// A path as a terminal or a markdown viewer shows it, control characters
/// escaped.
fn slash_path(path: &std::path::Path) -> String {
    crate::error::printable(&crate::text::slash_path(path))
}

pub fn render(analysis: &Analysis) -> String {
    let mut out = String::new();
    let answers = &analysis.answers;
    let _ = writeln!(out, "# Durable Objects optimization report\n");
    let _ = writeln!(
        out,
        "Issue: **{}** · Scale: **{}** · Priority: **{}** · {} files scanned\n",
        answers.issue.as_str(),
        answers.scale.as_str(),
        answers.priority.as_str(),
        analysis.files_scanned
    );
    let _ = writeln!(out, "## Findings\n");
    if analysis.findings.is_empty() {
        let _ = writeln!(out, "No findings for this area. \n");
    }
    for (index, finding) in analysis.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "### {}. {} `{}` {}\n",
            index + 1,
            finding.severity.as_str(),
            finding.code,
            finding.name
        );
        let _ = writeln!(
            out,
            "**Where:** `{}:{}:{}`\n",
            slash_path(&finding.file),
            finding.start.line,
            finding.start.column
        );
        if let Some(text) = analysis.sources.get(&finding.file)
            && let Some(line) = LineIndex::new(text, LineEndings::for_path(&finding.file))
                .line(text, finding.start.line)
        {
            let language = match finding.file.extension().and_then(|ext| ext.to_str()) {
                Some("toml") => "toml",
                Some("jsonc") | Some("json") => "jsonc",
                Some("js") | Some("mjs") | Some("cjs") | Some("jsx") => "js",
                _ => "ts",
            };
            let _ = writeln!(
                out,
                "```{language}\n{}\n```\n",
                crate::error::printable(line.trim_end())
            );
        }
        let _ = writeln!(out, "**What and why:** {}\n", finding.message);
        if let Some(fix) = &finding.fix {
            if fix.contains('\n') {
                let mut lines = fix.lines();
                let first = lines.next().unwrap_or_default();
                let rest: Vec<&str> = lines.map(str::trim_start).collect();
                let _ = writeln!(out, "**Fix:** {first}\n\n```ts\n{}\n```\n", rest.join("\n"));
            } else {
                let _ = writeln!(out, "**Fix:** {fix}\n");
            }
        }
        if !finding.effect.is_empty() {
            let _ = writeln!(out, "**Expected effect:** {}\n", finding.effect);
        }
    }
    if !analysis.diagnostics.is_empty() {
        let _ = writeln!(out, "## Files not analyzed\n");
        for diagnostic in &analysis.diagnostics {
            let place = match (diagnostic.line, diagnostic.column) {
                (Some(line), Some(column)) => {
                    format!("{}:{line}:{column}", slash_path(&diagnostic.file))
                }
                _ => slash_path(&diagnostic.file),
            };
            let _ = writeln!(
                out,
                "- `{place}` ({}): {}",
                diagnostic.level,
                crate::error::printable(&diagnostic.message)
            );
        }
        out.push('\n');
    }
    measure(&mut out);
    monitoring(&mut out, &analysis.do_classes);
    next_steps(&mut out, analysis);
    out
}

fn measure(out: &mut String) {
    let _ = writeln!(out, "## How to measure\n");
    let _ = writeln!(
        out,
        "Record a baseline before changing anything, deploy, and record again with the same traffic.\n"
    );
    let _ = writeln!(
        out,
        "CPU time per invocation (ms):\n\n```bash\nwrangler tail --format json | jq '.cpuTime' > baseline-cpu.txt\nawk '{{sum+=$1}} END {{print \"average CPU:\", sum/NR, \"ms\"}}' baseline-cpu.txt\n```\n"
    );
    let _ = writeln!(
        out,
        "Wall-clock duration per invocation (ms):\n\n```bash\nwrangler tail --format json | jq '.wallTime' > baseline-duration.txt\nawk '{{sum+=$1}} END {{print \"average duration:\", sum/NR, \"ms\"}}' baseline-duration.txt\n```\n"
    );
    let _ = writeln!(
        out,
        "Error rate (share of invocations whose outcome is not `ok`):\n\n```bash\nwrangler tail --format json | jq -r '.outcome' | \\\n  awk '{{total++; if ($1 != \"ok\") errors++}} END {{print \"error rate:\", (errors/total)*100, \"%\"}}'\n```\n"
    );
}

fn monitoring(out: &mut String, classes: &[String]) {
    let _ = writeln!(out, "## Monitoring\n");
    let class = classes
        .first()
        .map(String::as_str)
        .unwrap_or("MyDurableObject");
    let _ = writeln!(
        out,
        "Log one structured line per request from each Durable Object class{}, then aggregate them from `wrangler tail`.\n",
        if classes.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                classes
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let _ = writeln!(
        out,
        r#"```ts
export class {class} extends DurableObject<Env> {{
  async fetch(request: Request): Promise<Response> {{
    const startTime = Date.now();
    try {{
      const response = await this.handle(request);
      console.log(JSON.stringify({{
        class: "{class}",
        doId: this.ctx.id.toString(),
        event: "request-complete",
        duration: Date.now() - startTime,
        success: true,
      }}));
      return response;
    }} catch (error) {{
      console.log(JSON.stringify({{
        class: "{class}",
        doId: this.ctx.id.toString(),
        event: "request-error",
        duration: Date.now() - startTime,
        success: false,
        error: (error as Error).message,
      }}));
      throw error;
    }}
  }}
}}
```
"#
    );
    let _ = writeln!(
        out,
        "Average duration and error rate of `{class}` from those lines:\n\n```bash\nwrangler tail --format json | \\\n  jq -r '.logs[].message[]' | jq -r 'select(.class == \"{class}\" and .event == \"request-complete\") | .duration' | \\\n  awk '{{sum+=$1; count++}} END {{print \"average:\", sum/count, \"ms\"}}'\n\nwrangler tail --format json | \\\n  jq -r '.logs[].message[]' | jq -r 'select(.class == \"{class}\") | .success' | \\\n  awk '{{total++; if ($1 == \"false\") errors++}} END {{print \"error rate:\", (errors/total)*100, \"%\"}}'\n```\n"
    );
}

fn next_steps(out: &mut String, analysis: &Analysis) {
    let _ = writeln!(out, "## Next steps\n");
    if analysis.findings.is_empty() {
        let _ = writeln!(
            out,
            "1. Run `do-wizard optimize --issue general` to check the other areas.\n2. Keep measuring with the commands above after each deploy."
        );
        return;
    }
    let fixable = analysis
        .findings
        .iter()
        .filter(|finding| finding.autofix.is_some())
        .count();
    let mut step = 1;
    if fixable > 0 {
        let _ = writeln!(
            out,
            "{step}. Apply the safe fixes: `do-wizard optimize --fix --dry-run` to review the diff, then `--fix`."
        );
        step += 1;
    }
    let _ = writeln!(
        out,
        "{step}. Work through the remaining findings in this order:"
    );
    for finding in &analysis.findings {
        let _ = writeln!(
            out,
            "   - `{}` {} at `{}:{}`",
            finding.code,
            finding.name,
            slash_path(&finding.file),
            finding.start.line
        );
    }
    let _ = writeln!(
        out,
        "{}. Deploy with a gradual rollout, measure with the commands above, and compare with the baseline.",
        step + 1
    );
}

#[cfg(test)]
mod tests {
    use super::measure;
    use crate::optimize::tester::Tester;

    /// Regression: the code line under a finding was taken with
    /// `str::lines`, which does not split at a lone CR: a CR-only file
    /// showed its whole text (or nothing) instead of the finding's line.
    #[test]
    fn cr_only_files_show_the_finding_line_in_both_reports() {
        let source = "import { DurableObject } from \"cloudflare:workers\";\r\
            export class Room extends DurableObject {\r\
            \x20 async list() {\r\
            \x20   return (await this.ctx.storage.sql.exec(\"SELECT * FROM items\")).toArray();\r\
            \x20 }\r\
            }\r";
        let analysis = Tester::new("DO205").source(source).run();
        assert_eq!(analysis.findings.len(), 1);
        let wanted = "return (await this.ctx.storage.sql.exec(\"SELECT * FROM items\")).toArray();";
        let markdown = super::render(&analysis);
        assert!(
            markdown.contains(&format!("```ts\n    {wanted}\n```")),
            "{markdown}"
        );
        let text = super::super::human::render(&analysis, false);
        assert!(text.contains(&format!("4 |     {wanted}\n")), "{text}");
    }

    /// `wrangler tail --format json` events carry `cpuTime` and `wallTime` at
    /// the top level; `outcome` is a string such as "ok", so
    /// `.outcome.cpuTime` fails in jq.
    #[test]
    fn how_to_measure_reads_cpu_and_wall_time_at_the_top_level_of_a_tail_event() {
        let mut out = String::new();
        measure(&mut out);
        assert!(out.contains("jq '.cpuTime'"), "{out}");
        assert!(out.contains("jq '.wallTime'"), "{out}");
        assert!(out.contains("jq -r '.outcome'"), "{out}");
        assert!(!out.contains(".outcome."), "{out}");
    }
}
