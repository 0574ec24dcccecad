//! DO205 awaited-sync-sql.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use crate::optimize::finding::{Applicability, Area, Severity};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::text::Edit;
use crate::text::TextRange;

declare_rule! {
    /// **What it does**
    ///
    /// Reports `await` in front of `sql.exec(...)` on a Durable Object's SQLite
    /// storage (`this.ctx.storage.sql`, `this.state.storage.sql`, or an alias).
    ///
    /// **Why is this bad?**
    ///
    /// The SQLite storage API is synchronous: `exec` returns a cursor, not a promise.
    /// Awaiting it does nothing useful, yields to the event loop for no reason, and
    /// suggests to readers that other requests may interleave there, which hides
    /// where the real suspension points (and input-gate openings) are.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const rows = (await this.ctx.storage.sql.exec("SELECT * FROM items")).toArray();
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// const rows = this.ctx.storage.sql.exec("SELECT * FROM items").toArray();
    /// ```
    ///
    /// **Fix safety**
    ///
    /// Safe: `await` of a non-thenable value yields the same value; the fix deletes
    /// only the `await` keyword.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/#exec
    pub static RULE = Rule {
        name: "awaited-sync-sql",
        area: Area::Queries,
        severity: Severity::Info,
        scale_sensitive: false,
        fix: FixAvailability::Always,
        summary: "`await` on the synchronous `sql.exec`",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        let Some(parent) = model.nodes.ancestors(exec.node).find(|&ancestor| {
            !matches!(
                model.nodes.kind(ancestor),
                AstKind::ParenthesizedExpression(_)
            )
        }) else {
            continue;
        };
        let AstKind::AwaitExpression(await_expression) = model.nodes.kind(parent) else {
            continue;
        };
        let start = await_expression.span.start as usize;
        let argument_start = await_expression.argument.span().start as usize;
        let receiver = context.text(exec.callee_span);
        report.push(
            Violation::new(await_expression.span, format!(
                "`{receiver}(…)` is synchronous and returns a cursor; this `await` only yields to the event loop"
            ))
            .fix(format!("drop the `await` before `{receiver}(…)`; the cursor is there at once"))
            .effect("one needless microtask per query less, and the real suspension points stay visible")
            .edits(
                vec![Edit {
                    range: TextRange::new(start, argument_start),
                    replacement: String::new(),
                }],
                Applicability::Safe,
            )
            .class(exec.class.and_then(|index| model.classes[index].name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [
            r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f() { await this.ctx.storage.sql.exec("DELETE FROM t"); } }"#,
            r#"export class B { constructor(private state: DurableObjectState) {}
  async f() { const sql = this.state.storage.sql; const c = await sql.exec("SELECT 1"); } }"#,
        ];
        let pass = [
            r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f() { this.ctx.storage.sql.exec("DELETE FROM t"); await this.ctx.storage.get("k"); } }"#,
            r#"async function f(re: RegExp) { await re.exec("x"); }"#,
        ];
        assert_rule("DO205", &pass, &fail, None);
    }
}
