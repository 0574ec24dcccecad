//! DO604 blocking-loop.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::FileModel;
use crate::optimize::model::lifecycle::{contains_await, own_descendants, reads_clock};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, inner};

declare_rule! {
    /// **What it does**
    ///
    /// Reports, inside a Durable Object class, a `while (true)` / `for (;;)` /
    /// `do … while (true)` loop that nothing ever leaves (no `break`, `return` or
    /// `throw`), and busy-waits: a loop that spins on the clock (`Date.now()`,
    /// `performance.now()`) without awaiting anything, whether the deadline is the
    /// loop's condition or an `if (…) break` inside it.
    ///
    /// **Why is this bad?**
    ///
    /// A Durable Object runs one event at a time. A loop that never ends keeps the
    /// object busy (and billed) forever; a spin on the clock burns CPU while every
    /// other request to the object waits, and it cannot hibernate. Workers also
    /// limit CPU time per request, so the loop ends in an exception rather than
    /// where the code expected.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   const until = Date.now() + 1000;
    ///   while (Date.now() < until) {} // waits for one second by burning CPU
    ///   while (true) {
    ///     await this.poll(); // never returns
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   await this.ctx.storage.setAlarm(Date.now() + 1000); // run later, in alarm()
    ///   return new Response("scheduled", { status: 202 });
    /// }
    ///
    /// async alarm() {
    ///   await this.poll();
    ///   await this.ctx.storage.setAlarm(Date.now() + 60_000);
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// Following the catalog's precise reading, a `while (true)` that `break`s (or
    /// returns) when a stream is done is bounded and is not reported, nor are retry
    /// loops that return or throw; a spin bounded by a deadline is still a
    /// busy-wait and is reported. A loop that awaits on each turn and is bounded by
    /// a deadline is polling, not spinning, and is not reported. Generator
    /// functions (`while (true) { yield … }`) are driven by their consumer and are
    /// skipped. Loops outside Durable Object classes are not checked.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/alarms/
    /// - https://developers.cloudflare.com/workers/platform/limits/#cpu-time
    pub static RULE = Rule {
        name: "blocking-loop",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "An unbounded `while (true)` or a busy-wait in a Durable Object",
        check: Check::File(check),
    };
}

/// A loop statement's parts.
struct LoopParts {
    /// `None` for `for (;;)`.
    test: Option<Span>,
    body: Span,
    header: Span,
    constant_true: bool,
}

fn constant_true(test: Option<&Expression<'_>>) -> bool {
    match test.map(inner) {
        None => true,
        Some(Expression::BooleanLiteral(literal)) => literal.value,
        Some(Expression::NumericLiteral(number)) => number.value != 0.0,
        _ => false,
    }
}

fn loop_parts(kind: AstKind<'_>) -> Option<LoopParts> {
    match kind {
        AstKind::WhileStatement(statement) => Some(LoopParts {
            test: Some(statement.test.span()),
            body: statement.body.span(),
            header: Span::new(statement.span.start, statement.body.span().start),
            constant_true: constant_true(Some(&statement.test)),
        }),
        // Report the `while (…)` at the end: that is where the bound is.
        AstKind::DoWhileStatement(statement) => Some(LoopParts {
            test: Some(statement.test.span()),
            body: statement.body.span(),
            header: Span::new(statement.body.span().end, statement.span.end),
            constant_true: constant_true(Some(&statement.test)),
        }),
        AstKind::ForStatement(statement) => Some(LoopParts {
            test: statement.test.as_ref().map(GetSpan::span),
            body: statement.body.span(),
            header: Span::new(statement.span.start, statement.body.span().start),
            constant_true: constant_true(statement.test.as_ref()),
        }),
        _ => None,
    }
}

/// `span` without the whitespace and `;` around its text.
fn trimmed(model: &FileModel<'_>, span: Span) -> Span {
    let text = model.text(span);
    let start = text.len() - text.trim_start().len();
    let end = text
        .trim_end_matches(|c: char| c.is_whitespace() || c == ';')
        .len();
    Span::new(
        span.start + start as u32,
        span.start + end.max(start) as u32,
    )
}

/// The label of a labeled loop (`outer: while (true)`).
fn label_of<'a>(model: &FileModel<'a>, loop_node: NodeId) -> Option<&'a str> {
    let parent = model.nodes.parent(loop_node)?;
    match model.nodes.kind(parent) {
        AstKind::LabeledStatement(labeled) => Some(labeled.label.name.as_str()),
        _ => None,
    }
}

/// `break` statements that leave `loop_node`, and `return`/`throw` inside it.
fn exits(model: &FileModel<'_>, loop_node: NodeId) -> Vec<NodeId> {
    let label = label_of(model, loop_node);
    own_descendants(model, loop_node)
        .filter(|&(id, kind)| match kind {
            AstKind::ReturnStatement(_) | AstKind::ThrowStatement(_) => true,
            AstKind::BreakStatement(statement) => match &statement.label {
                Some(target) => Some(target.name.as_str()) == label,
                // An unlabeled break leaves the innermost loop or switch.
                None => innermost_breakable(model, id) == Some(loop_node),
            },
            _ => false,
        })
        .map(|(id, _)| id)
        .collect()
}

fn innermost_breakable(model: &FileModel<'_>, node: NodeId) -> Option<NodeId> {
    model.nodes.ancestors(node).find(|&ancestor| {
        matches!(
            model.nodes.kind(ancestor),
            AstKind::WhileStatement(_)
                | AstKind::DoWhileStatement(_)
                | AstKind::ForStatement(_)
                | AstKind::ForOfStatement(_)
                | AstKind::ForInStatement(_)
                | AstKind::SwitchStatement(_)
        )
    })
}

/// The `if` test guarding an exit (`if (Date.now() > deadline) break;`).
fn guarding_test(model: &FileModel<'_>, exit: NodeId, loop_node: NodeId) -> Option<NodeId> {
    model
        .nodes
        .ancestors(exit)
        .take_while(|&ancestor| ancestor != loop_node)
        .find_map(|ancestor| match model.nodes.kind(ancestor) {
            AstKind::IfStatement(statement) => model
                .nodes
                .descendants(ancestor)
                .find(|(_, node)| node.kind.span() == statement.test.span())
                .map(|(id, _)| id),
            _ => None,
        })
}

fn in_generator(model: &FileModel<'_>, node: NodeId) -> bool {
    model
        .nodes
        .enclosing_function(node)
        .is_some_and(|function| {
            matches!(model.nodes.kind(function), AstKind::Function(function) if function.generator)
        })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for class in model.classes.iter().filter(|class| class.is_do()) {
        for (id, node) in model.nodes.descendants(class.node) {
            let Some(mut parts) = loop_parts(node.kind) else {
                continue;
            };
            parts.header = trimmed(model, parts.header);
            if in_generator(model, id) {
                continue;
            }
            let awaits = contains_await(model, id);
            let exits = exits(model, id);
            let test_node = parts.test.and_then(|span| {
                model
                    .nodes
                    .descendants(id)
                    .find(|(_, node)| node.kind.span() == span)
                    .map(|(test, _)| test)
            });
            // A spin on the clock: the condition, or the test of an exit,
            // reads the clock, and nothing in the loop awaits.
            let clock_bound = test_node.is_some_and(|test| reads_clock(model, test))
                || (parts.constant_true
                    && exits.iter().any(|&exit| {
                        guarding_test(model, exit, id).is_some_and(|test| reads_clock(model, test))
                    }));
            let class_name = class.display_name();
            let body_empty = model
                .text(parts.body)
                .trim_matches(|c: char| c.is_whitespace() || c == '{' || c == '}' || c == ';')
                .is_empty();
            if clock_bound && !awaits {
                report.push(
                    Violation::new(parts.header, format!(
                        "busy-wait in `{class_name}`: this loop spins on the clock{} without awaiting, blocking every other request to the object while it runs",
                        if body_empty { " with an empty body" } else { "" }
                    ))
                    .fix("do not wait by spinning: schedule the work with `this.ctx.storage.setAlarm(Date.now() + ms)` and do it in `alarm()`, or `await` a real event")
                    .effect("the object keeps serving other requests instead of burning CPU (and billed duration) until the deadline")
                    .class(class.name),
                );
                continue;
            }
            if parts.constant_true && exits.is_empty() {
                report.push(
                    Violation::new(parts.header, format!(
                        "unbounded loop in `{class_name}`: nothing leaves this `{}{}` (no `break`, `return` or `throw`), so the handler never finishes{}",
                        if matches!(node.kind, AstKind::DoWhileStatement(_)) { "do … " } else { "" },
                        model.text(parts.header),
                        if awaits { " and the object stays awake forever" } else { " and the object is blocked for good" }
                    ))
                    .fix("return quickly and move periodic work to `alarm()` (re-arm it with `setAlarm`); if the loop consumes a stream, `break` when it is done")
                    .effect("requests to the object are answered again, and an idle object can be evicted or hibernate")
                    .class(class.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    const HEAD: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class A extends DurableObject {\n";

    #[test]
    fn pass_and_fail() {
        let fail = [
            format!("{HEAD} async fetch() {{ while (true) {{ }} }} }}"),
            format!("{HEAD} async fetch() {{ for (;;) {{ await this.poll(); }} }} }}"),
            format!(
                "{HEAD} wait(ms: number) {{ const end = Date.now() + ms; while (Date.now() < end) {{}} }} }}"
            ),
            format!(
                "{HEAD} async f() {{ const deadline = Date.now() + 50; while (true) {{ if (Date.now() > deadline) break; }} }} }}"
            ),
        ];
        let pass = [
            format!(
                "{HEAD} async f(reader: ReadableStreamDefaultReader) {{ while (true) {{ const {{ done }} = await reader.read(); if (done) break; }} }} }}"
            ),
            format!(
                "{HEAD} async f() {{ let n = 0; while (true) {{ try {{ return await this.op(); }} catch (e) {{ if (++n > 3) throw e; }} }} }} }}"
            ),
            format!(
                "{HEAD} async f() {{ const end = Date.now() + 50; while (Date.now() < end) {{ await this.poll(); }} }} }}"
            ),
            format!("{HEAD} *ids() {{ let i = 0; while (true) {{ yield i++; }} }} }}"),
            // Not a Durable Object.
            "export class Worker { f() { while (true) {} } }".to_string(),
            // A nested loop's break does not leave the outer one… but the
            // labeled break does.
            format!(
                "{HEAD} async f(items: number[][]) {{ outer: while (true) {{ for (const row of items) {{ if (row.length) break outer; }} }} }} }}"
            ),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO604", &pass, &fail, None);
        // An unlabeled break of an inner loop does not bound the outer loop.
        assert_rule(
            "DO604",
            &[],
            &[&format!(
                "{HEAD} async f(items: number[]) {{ while (true) {{ for (const i of items) {{ if (i) break; }} }} }} }}"
            )],
            None,
        );
    }
}
