//! DO208 writes-without-transaction.

use oxc_ast::AstKind;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::FileModel;
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, method_call};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a method that makes two or more writing `sql.exec` calls (`INSERT`,
    /// `UPDATE`, `DELETE`) with an `await` of something else between them, outside
    /// `transactionSync`.
    ///
    /// **Why is this bad?**
    ///
    /// Writes between two `await`s commit separately. If the awaited call throws or
    /// the object is evicted in between, the first write stays and the second never
    /// happens: partial state. Other requests may also run at the `await` and see
    /// the half-done change.
    ///
    /// **Example**
    ///
    /// ```ts
    /// sql.exec("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from);
    /// await this.env.LEDGER.record(from, to, amount);
    /// sql.exec("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to);
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// await this.env.LEDGER.record(from, to, amount);
    /// this.ctx.storage.transactionSync(() => {
    ///   sql.exec("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from);
    ///   sql.exec("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to);
    /// });
    /// ```
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/#transactionsync
    /// - https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/
    pub static RULE = Rule {
        name: "writes-without-transaction",
        area: Area::Queries,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "Several SQL writes separated by an unrelated `await`, outside `transactionSync`",
        check: Check::File(check),
    };
}

fn in_transaction(model: &FileModel<'_>, node: NodeId) -> bool {
    model.nodes.ancestors(node).any(|ancestor| {
        matches!(model.nodes.kind(ancestor), AstKind::CallExpression(call)
            if method_call(call).is_some_and(|(_, name)| matches!(name, "transactionSync" | "transaction")))
    })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let mut reported_methods = Vec::new();
    let writes: Vec<_> = model
        .sql_execs
        .iter()
        .filter(|exec| exec.confident)
        .filter(|exec| {
            exec.statement()
                .is_some_and(|statement| statement.kind.is_write())
        })
        .filter(|exec| !in_transaction(model, exec.node))
        .collect();
    for pair in writes.windows(2) {
        let (first, second) = (pair[0], pair[1]);
        let function = model.nodes.enclosing_function(first.node);
        if function.is_none() || function != model.nodes.enclosing_function(second.node) {
            continue;
        }
        if reported_methods.contains(&function) {
            continue;
        }
        let awaited_between = ((first.node + 1)..second.node)
            .filter(|&id| !model.nodes.contains(first.node, id))
            .find(|&id| {
                matches!(model.nodes.kind(id), AstKind::AwaitExpression(_))
                    && model.nodes.enclosing_function(id) == function
                    && !model
                        .sql_execs
                        .iter()
                        .any(|exec| model.nodes.contains(id, exec.node))
            });
        let Some(awaited) = awaited_between else {
            continue;
        };
        reported_methods.push(function);
        let awaited_text = model.text(oxc_span::GetSpan::span(&model.nodes.kind(awaited)));
        report.push(
            Violation::new(second.call.span, format!(
                "this write and the one on line {} are separated by `{}`: a failure or eviction there leaves the first write without the second",
                crate::text::Position::of(model.source_text, first.call.span.start as usize, crate::text::LineEndings::JavaScript).line,
                awaited_text.lines().next().unwrap_or(awaited_text)
            ))
            .fix("do the awaited work first, then make the writes together inside `this.ctx.storage.transactionSync(() => { … })`")
            .effect("the writes commit or roll back together; no request sees or keeps half of the change")
            .class(second.class.and_then(|index| model.classes[index].name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f() {
  this.ctx.storage.sql.exec("DELETE FROM a WHERE id = 1");
  await fetch("https://example.com");
  this.ctx.storage.sql.exec("INSERT INTO b (x) VALUES (1)"); } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f() {
  await fetch("https://example.com");
  this.ctx.storage.transactionSync(() => {
    this.ctx.storage.sql.exec("DELETE FROM a WHERE id = 1");
    this.ctx.storage.sql.exec("INSERT INTO b (x) VALUES (1)"); }); } }"#];
        assert_rule("DO208", &pass, &fail, None);
    }
}
