//! DO208 writes-without-transaction.

use oxc_ast::AstKind;
use oxc_ast::ast::Statement;
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::FileModel;
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, method_call};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a method that makes two or more writing `sql.exec` calls (`INSERT`,
    /// `UPDATE`, `DELETE`) with an `await` of something else between them, outside
    /// `transactionSync`. Two writes in branches that exclude each other (the arms
    /// of an `if`/`else` or `?:`, two `switch` cases without fall-through) are not
    /// one path and are not reported.
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

/// Whether two nodes sit in branches that exclude each other: the two arms
/// of an `if`/`else` or of a `?:`, or two `switch` cases where the first
/// ends with `break`, `return`, `throw` or `continue` (no fall-through).
fn exclusive_branches(model: &FileModel<'_>, first: NodeId, second: NodeId) -> bool {
    let first_span = model.nodes.kind(first).span();
    let second_span = model.nodes.kind(second).span();
    let apart = |a: Span, b: Span| {
        (a.contains_inclusive(first_span) && b.contains_inclusive(second_span))
            || (b.contains_inclusive(first_span) && a.contains_inclusive(second_span))
    };
    model.nodes.ancestors(first).any(|ancestor| {
        if !model.nodes.contains(ancestor, second) {
            return false;
        }
        match model.nodes.kind(ancestor) {
            AstKind::IfStatement(statement) => statement
                .alternate
                .as_ref()
                .is_some_and(|alternate| apart(statement.consequent.span(), alternate.span())),
            AstKind::ConditionalExpression(conditional) => {
                apart(conditional.consequent.span(), conditional.alternate.span())
            }
            AstKind::SwitchStatement(switch) => {
                let case_of = |span: Span| {
                    switch
                        .cases
                        .iter()
                        .position(|case| case.span.contains_inclusive(span))
                };
                match (case_of(first_span), case_of(second_span)) {
                    (Some(a), Some(b)) if a != b => {
                        let earlier = &switch.cases[a.min(b)];
                        earlier.consequent.last().is_some_and(|last| {
                            matches!(
                                last,
                                Statement::BreakStatement(_)
                                    | Statement::ReturnStatement(_)
                                    | Statement::ThrowStatement(_)
                                    | Statement::ContinueStatement(_)
                            ) || matches!(last, Statement::BlockStatement(block)
                            if block.body.last().is_some_and(|inner| matches!(
                                inner,
                                Statement::BreakStatement(_)
                                    | Statement::ReturnStatement(_)
                                    | Statement::ThrowStatement(_)
                                    | Statement::ContinueStatement(_)
                            )))
                        })
                    }
                    _ => false,
                }
            }
            _ => false,
        }
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
        if exclusive_branches(model, first.node, second.node) {
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
        let awaited_text = model.text(model.nodes.kind(awaited).span());
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
