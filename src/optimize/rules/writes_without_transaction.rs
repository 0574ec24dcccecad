//! DO208 writes-without-transaction.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use oxc_ast::ast::Expression;

use crate::optimize::model::call_graph::{
    CallGraph, FirstReach, Step, path_text, runs_when_called,
};
use crate::optimize::model::{FileModel, SqlExec};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, inner, method_call};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a method that makes two or more writing `sql.exec` calls (`INSERT`,
    /// `UPDATE`, `DELETE`) with an `await` of something else between them, outside
    /// `transactionSync`. Writes made by helpers the method calls count, at the
    /// call (`this.addMessage(…)`), and the message names the path.
    ///
    /// Not one path, so not reported:
    /// - two writes in branches that exclude each other (the arms of an
    ///   `if`/`else` or `?:`, two `switch` cases without fall-through);
    /// - a first write whose path always leaves before the second: its block
    ///   goes on with `return`/`throw`, or with a `continue`/`break` of a loop
    ///   that holds the second write (`if (!row) { …; continue; }`), or it is
    ///   made in the test of an `if` whose body leaves
    ///   (`if (await this.park(id)) return;`);
    /// - a second write in the `catch` of a `try` around the awaited call: it
    ///   handles that failure (a release, an error status).
    ///
    /// Not separated, so not reported: a write made by a helper that the method
    /// awaits (`await this.emitStatus(row)`), when no function on the way awaits
    /// anything before the write. A call runs synchronously up to its first
    /// `await`, so that write is made when the call starts, in the same step as
    /// the write before it; the helper's later awaits come after both.
    ///
    /// A helper's write behind a one-time guard (`if (this.ready) return;`, a
    /// legacy migration that a read helper runs the first time) runs once per
    /// instance, not with each call, and does not count.
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
    /// **Known problems**
    ///
    /// Steps of a state machine separated by long-running awaited work (mark a
    /// turn as running or store the user's message, await a model, a stream or
    /// a stub, store the result) are reported, also when the second write
    /// stores what the await returned: the catalog's text ("separated by an
    /// `await` of something else") covers them and no reading exempts them, and
    /// from the code alone a checkpoint meant to survive a failure cannot be
    /// told from the first half of a change that should not (a chat message
    /// stored without its answer is exactly the latter when the turn is not
    /// retried). When the intermediate state is recorded on purpose and
    /// recovered after a failure, say so with
    /// `// do-wizard-ignore DO208: <reason>`.
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

/// Whether a failure of the `awaited` expression is caught by a `catch`
/// that holds the `second` write: the second write is the handling of that
/// failure (a release, an error status), not the missing half of a change.
fn failure_handled(model: &FileModel<'_>, awaited: NodeId, second: NodeId) -> bool {
    let awaited_span = model.nodes.kind(awaited).span();
    let second_span = model.nodes.kind(second).span();
    model.nodes.ancestors(awaited).any(|ancestor| {
        matches!(model.nodes.kind(ancestor), AstKind::TryStatement(statement)
            if statement.block.span.contains_inclusive(awaited_span)
                && statement
                    .handler
                    .as_ref()
                    .is_some_and(|handler| handler.span.contains_inclusive(second_span)))
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
        if model.exclusive_branches(first.node, second.node) {
            continue;
        }
        let awaited_between = ((first.node + 1)..second.node)
            .filter(|&id| !model.nodes.contains(first.node, id))
            .find(|&id| {
                matches!(model.nodes.kind(id), AstKind::AwaitExpression(_))
                    && model.nodes.enclosing_function(id) == function
                    && !failure_handled(model, id, second.node)
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
            Violation::new(second.span, format!(
                "this write and the one on line {} are separated by `{}`: a failure or eviction there leaves the first write without the second",
                crate::text::Position::of(model.source_text, first.span.start as usize, crate::text::LineEndings::JavaScript).line,
                awaited_text.lines().next().unwrap_or(awaited_text)
            ))
            .fix("do the awaited work first, then make the writes together inside `this.ctx.storage.transactionSync(() => { … })`")
            .effect("the writes commit or roll back together; no request sees or keeps half of the change")
            .class(second.class.and_then(|index| model.classes[index].name)),
        );
    }
    check_through_helpers(context, &writes, report);
}

/// One write as a method sees it: a write of its own, or a call to a helper
/// that writes (`this.addMessage(…)`).
struct WriteEvent<'a> {
    /// The node in the method: the `exec` call, or the call to the helper.
    site: NodeId,
    /// The write itself (inside the helper for a helper call).
    write: &'a SqlExec<'a>,
    path: Vec<Step<'a>>,
    /// The helper awaits something other than storage before it reaches the
    /// write (so awaiting the call lets other work in between).
    helper_awaits: bool,
}

/// Whether the await at `id` (in `function`) waits for something that is
/// not a storage call.
fn awaits_other_at(model: &FileModel<'_>, id: NodeId, function: NodeId) -> bool {
    let AstKind::AwaitExpression(awaited) = model.nodes.kind(id) else {
        return false;
    };
    if !runs_when_called(model, id, function) {
        return false;
    }
    match inner(&awaited.argument) {
        Expression::CallExpression(call) => method_call(call)
            .is_none_or(|(receiver, _)| model.storage_path_at(receiver, id).is_none()),
        _ => true,
    }
}

/// Whether a helper call reaches its write only after awaiting other work:
/// some function on the path awaits (not a storage call) before the call
/// that leads on, or before the write itself. A call runs synchronously up
/// to its first `await`, so a write made before any await is made when the
/// call starts, even if the caller awaits the call (`await this.emit(row)`
/// where `emit` inserts a notification first): nothing runs in between.
fn awaits_before_write(model: &FileModel<'_>, path: &[Step<'_>], write: NodeId) -> bool {
    path.iter().enumerate().any(|(index, step)| {
        let target = path.get(index + 1).map_or(write, |next| next.site);
        model.nodes.descendants(step.function).any(|(id, _)| {
            id < target
                && !model.nodes.contains(id, target)
                && awaits_other_at(model, id, step.function)
        })
    })
}

/// Two writes in one method where at least one goes through a helper the
/// method calls, separated by an await of something else: reported at the
/// second write with the path from the method.
fn check_through_helpers(
    context: &FileContext<'_, '_>,
    writes: &[&SqlExec<'_>],
    report: &mut Report,
) {
    let model = context.model;
    let graph = CallGraph::new(model);
    let mut reported: std::collections::HashSet<oxc_span::Span> = std::collections::HashSet::new();
    let lines =
        crate::text::LineIndex::new(model.source_text, crate::text::LineEndings::JavaScript);
    // A call behind a one-time guard (`if (this.ready) return;`, `if
    // (!this.#migrated)`) runs once per instance (seed rows, a legacy
    // migration inside a read helper), not with each call; nor does a call
    // inside a transaction belong to a separate commit.
    let follow = |step: &Step<'_>, caller: NodeId| {
        !model.guarded_by_field(step.site, caller) && !in_transaction(model, step.site)
    };
    for (class, class_model) in model.classes.iter().enumerate() {
        if !class_model.is_do() {
            continue;
        }
        // Each function's first write and whether it awaits other work,
        // computed once per class (linear in the functions of the file).
        let mut first_write = FirstReach::new(&graph, Some(class));
        let mut own_write = |function: NodeId| {
            writes.iter().copied().find(|exec| {
                model.nodes.contains(function, exec.node)
                    && runs_when_called(model, exec.node, function)
                    && !model.guarded_by_field(exec.node, function)
            })
        };
        for method in &class_model.methods {
            let function = method.function;
            let mut events: Vec<WriteEvent<'_>> = writes
                .iter()
                .filter(|exec| model.nodes.enclosing_function(exec.node) == Some(function))
                .map(|exec| WriteEvent {
                    site: exec.node,
                    write: exec,
                    path: Vec::new(),
                    helper_awaits: false,
                })
                .collect();
            for step in graph.callees(Some(class), function) {
                if !follow(&step, function) {
                    continue;
                }
                let Some((inner_path, write)) =
                    first_write.find(step.function, &mut own_write, &follow)
                else {
                    continue;
                };
                let mut path = vec![step];
                path.extend(inner_path);
                let helper_awaits = awaits_before_write(model, &path, write.node);
                events.push(WriteEvent {
                    site: step.site,
                    write,
                    path,
                    helper_awaits,
                });
            }
            if events.iter().all(|event| event.path.is_empty()) {
                continue;
            }
            events.sort_by_key(|event| event.site);
            for pair in events.windows(2) {
                let (first, second) = (&pair[0], &pair[1]);
                if first.path.is_empty() && second.path.is_empty() {
                    // Two writes of the method itself: the check above.
                    continue;
                }
                if model.exclusive_branches(first.site, second.site) {
                    continue;
                }
                let between = ((first.site + 1)..second.site)
                    .filter(|&id| !model.nodes.contains(first.site, id))
                    .find(|&id| {
                        matches!(model.nodes.kind(id), AstKind::AwaitExpression(_))
                            && model.nodes.enclosing_function(id) == Some(function)
                            && !failure_handled(model, id, second.site)
                            && !model
                                .sql_execs
                                .iter()
                                .any(|exec| model.nodes.contains(id, exec.node))
                            && events.iter().all(|event| {
                                !model.nodes.contains(id, event.site)
                                    || (!event.path.is_empty() && event.helper_awaits)
                            })
                    });
                let Some(awaited) = between else {
                    continue;
                };
                // At the second write as the method makes it: the call of
                // the helper (the same helper may write both times).
                let at = match model.nodes.kind(second.site) {
                    AstKind::CallExpression(call) => call.span,
                    _ => second.write.span,
                };
                if reported.contains(&at) {
                    break;
                }
                reported.insert(at);
                let line = |span: oxc_span::Span| {
                    lines.line_number(model.source_text, span.start as usize)
                };
                let describe = |event: &WriteEvent<'_>| {
                    let site_span = match model.nodes.kind(event.site) {
                        AstKind::CallExpression(call) => call.span,
                        _ => event.write.span,
                    };
                    if event.path.is_empty() {
                        format!("line {}", line(site_span))
                    } else {
                        format!(
                            "line {} ({})",
                            line(site_span),
                            path_text(method.name, &event.path, "sql.exec")
                        )
                    }
                };
                let awaited_text = model.text(oxc_span::GetSpan::span(&model.nodes.kind(awaited)));
                report.push(
                    Violation::new(at, format!(
                        "`{}` makes two writes that are separated by `{}`: {} then {}; a failure or eviction there leaves the first write without the second",
                        method.name,
                        awaited_text.lines().next().unwrap_or(awaited_text),
                        describe(first),
                        describe(second),
                    ))
                    .fix("do the awaited work first, then make the writes together inside `this.ctx.storage.transactionSync(() => { … })`, with helpers that only write")
                    .effect("the writes commit or roll back together; no request sees or keeps half of the change")
                    .class(class_model.name),
                );
                break;
            }
        }
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
