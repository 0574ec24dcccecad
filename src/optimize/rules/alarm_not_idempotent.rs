//! DO503 alarm-not-idempotent.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{caught, directly_in, method_in_hierarchy};
use crate::optimize::model::{FileModel, MethodRole};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{
    NodeId, argument, identifier_name, inner, member_path, method_call, this_member,
};
use crate::optimize::sql::StatementKind;

declare_rule! {
    /// **What it does**
    ///
    /// Reports an `alarm()` handler (including the methods of the class it calls)
    /// that performs a write which is not idempotent (an `INSERT` without a
    /// conflict clause, an `UPDATE … SET x = x + …`, or a `+=` / `++` value then
    /// `storage.put`) and after it can throw (an awaited call that is not storage,
    /// or a `throw`) with no `try`/`catch` around.
    ///
    /// **Why is this bad?**
    ///
    /// A failed alarm is retried, with exponential backoff, up to six times. Every
    /// retry runs the whole handler again, so everything written before the
    /// failure is written again: duplicated rows, counters incremented twice,
    /// notifications recorded as sent twice.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async alarm() {
    ///   this.ctx.storage.sql.exec("INSERT INTO digests (sent_at) VALUES (?)", Date.now());
    ///   await fetch("https://mail.example.com/send", { method: "POST" });
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async alarm() {
    ///   const day = new Date().toISOString().slice(0, 10);
    ///   this.ctx.storage.sql.exec("INSERT OR IGNORE INTO digests (day) VALUES (?)", day);
    ///   try {
    ///     await fetch("https://mail.example.com/send", { method: "POST" });
    ///   } catch (error) {
    ///     await this.ctx.storage.setAlarm(Date.now() + 60_000); // retry on our terms
    ///   }
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// `DELETE … WHERE`, `INSERT OR REPLACE` / `ON CONFLICT`, `UPDATE … SET x = ?`
    /// and `put` of a computed value are idempotent and not reported. A failure
    /// before the write, or inside a `try` whose `catch` does not rethrow, is not a
    /// retry risk. Storage calls themselves are not counted as ways to throw.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/alarms/
    /// - https://developers.cloudflare.com/durable-objects/best-practices/error-handling/
    pub static RULE = Rule {
        name: "alarm-not-idempotent",
        area: Area::Alarms,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`alarm()` writes non-idempotently and can then throw: retries repeat the write",
        check: Check::File(check),
    };
}

/// Something in the handler, at a position in the flattened order (the
/// positions of the call sites that lead to it, outermost first).
struct Event {
    position: Vec<u32>,
    span: Span,
    what: String,
}

#[derive(Default)]
struct Events {
    writes: Vec<Event>,
    throws: Vec<Event>,
}

/// Names incremented in `function`: `x += …`, `x++`, `this.x += …`.
fn incremented<'a>(model: &FileModel<'a>, function: NodeId) -> HashSet<String> {
    let mut names = HashSet::new();
    for (_, node) in model.nodes.descendants(function) {
        let target = match node.kind {
            AstKind::AssignmentExpression(assignment)
                if matches!(
                    assignment.operator,
                    AssignmentOperator::Addition | AssignmentOperator::Subtraction
                ) =>
            {
                Some(model.text(assignment.left.span()))
            }
            AstKind::UpdateExpression(update) => Some(model.text(update.argument.span())),
            _ => None,
        };
        if let Some(target) = target {
            names.insert(target.trim().to_string());
        }
    }
    names
}

/// Locals initialised from a storage read (`const n = await storage.get(k)`).
fn read_from_storage<'a>(model: &FileModel<'a>, function: NodeId) -> HashSet<&'a str> {
    let mut names = HashSet::new();
    for (id, node) in model.nodes.descendants(function) {
        let AstKind::VariableDeclarator(declarator) = node.kind else {
            continue;
        };
        let (Some(name), Some(init)) = (
            crate::optimize::semantic::binding_name(&declarator.id),
            &declarator.init,
        ) else {
            continue;
        };
        let reads = model
            .node_with_span(id, init.span())
            .is_some_and(|init_node| {
                std::iter::once(init_node)
                    .chain(model.nodes.descendants(init_node).map(|(child, _)| child))
                    .any(|child| {
                        matches!(model.nodes.kind(child), AstKind::CallExpression(call)
                        if method_call(call).is_some_and(|(receiver, method)| {
                            method == "get" && model.storage_path_at(receiver, child).is_some()
                        }))
                    })
            });
        if reads {
            names.insert(name);
        }
    }
    names
}

/// Whether an awaited expression can fail the handler: anything but a
/// storage call or a value.
fn can_throw(model: &FileModel<'_>, id: NodeId, expr: &Expression<'_>) -> Option<String> {
    let Expression::CallExpression(call) = inner(expr) else {
        return None;
    };
    if let Some((receiver, _)) = method_call(call)
        && (model.storage_path_at(receiver, id).is_some()
            || member_path(receiver).is_some_and(|path| path.last() == Some(&"storage")))
    {
        return None;
    }
    if member_path(&call.callee).as_deref() == Some(&["Promise", "resolve"][..]) {
        return None;
    }
    let callee = model.text(call.callee.span());
    Some(format!("`await {}(…)`", callee.trim()))
}

/// Walks `alarm()` and the methods it calls, in order.
struct Collector<'m, 'a> {
    model: &'m FileModel<'a>,
    class: usize,
    visited: HashSet<NodeId>,
    events: Events,
}

impl Collector<'_, '_> {
    fn collect(&mut self, function: NodeId, prefix: &[u32], caught_outside: bool, depth: u8) {
        let (model, class) = (self.model, self.class);
        if depth > 3 || !self.visited.insert(function) {
            return;
        }
        let incremented = incremented(model, function);
        let from_storage = read_from_storage(model, function);
        let position = |span: Span| {
            let mut position = prefix.to_vec();
            position.push(span.start);
            position
        };
        for (id, node) in model.nodes.descendants(function) {
            if !runs_inline(model, id, function) {
                continue;
            }
            let is_caught = caught_outside || caught(model, id, function);
            match node.kind {
                AstKind::CallExpression(call) => {
                    let Some((receiver, method)) = method_call(call) else {
                        continue;
                    };
                    // Non-idempotent SQL.
                    if method == "exec"
                        && let Some(exec) = model
                            .sql_execs
                            .iter()
                            .find(|exec| exec.node == id && exec.confident)
                        && let Some(statement) = exec.statement()
                    {
                        let what = match statement.kind {
                            StatementKind::Insert if !statement.insert_handles_conflict => {
                                Some(format!(
                                    "inserts into `{}` without a conflict clause",
                                    statement.table.as_deref().unwrap_or("a table")
                                ))
                            }
                            StatementKind::Update if statement.increments_column => Some(format!(
                                "increments a column of `{}` (`SET x = x + …`)",
                                statement.table.as_deref().unwrap_or("a table")
                            )),
                            _ => None,
                        };
                        if let Some(what) = what
                            && !is_caught
                        {
                            self.events.writes.push(Event {
                                position: position(call.span),
                                span: call.span,
                                what,
                            });
                        }
                        continue;
                    }
                    // `+=` then `put`, or `put(k, stored + 1)`.
                    if method == "put"
                        && model.storage_path_at(receiver, id).is_some()
                        && let Some(value) = argument(call, 1)
                    {
                        let value_text = model.text(value.span()).trim().to_string();
                        let increments = incremented.contains(&value_text)
                            || matches!(inner(value), Expression::BinaryExpression(binary)
                            if binary.operator == BinaryOperator::Addition
                                && [&binary.left, &binary.right].iter().any(|side| {
                                    identifier_name(side).is_some_and(|name| from_storage.contains(name))
                                }));
                        if increments && !is_caught {
                            self.events.writes.push(Event {
                                position: position(call.span),
                                span: call.span,
                                what: format!("stores an incremented `{value_text}` with `put`"),
                            });
                        }
                    }
                }
                AstKind::AwaitExpression(awaited) => {
                    // Awaits in callbacks do not fail the handler.
                    if is_caught || !directly_in(model, id, function) {
                        continue;
                    }
                    // A method of the class: look inside it instead.
                    if let Expression::CallExpression(call) = inner(&awaited.argument)
                        && let Some(name) = this_member(&call.callee)
                        && let Some(helper) = method_in_hierarchy(model, class, name)
                    {
                        self.collect(
                            helper.function,
                            &position(awaited.span),
                            is_caught,
                            depth + 1,
                        );
                        continue;
                    }
                    if let Some(what) = can_throw(model, id, &awaited.argument) {
                        self.events.throws.push(Event {
                            position: position(awaited.span),
                            span: awaited.span,
                            what,
                        });
                    }
                }
                AstKind::ExpressionStatement(statement) => {
                    // A synchronous helper call: look inside it.
                    if let Expression::CallExpression(call) = inner(&statement.expression)
                        && let Some(name) = this_member(&call.callee)
                        && let Some(helper) = method_in_hierarchy(model, class, name)
                    {
                        self.collect(helper.function, &position(call.span), is_caught, depth + 1);
                    }
                }
                AstKind::ThrowStatement(statement) if !is_caught => {
                    self.events.throws.push(Event {
                        position: position(statement.span),
                        span: statement.span,
                        what: "`throw`".to_string(),
                    });
                }
                _ => {}
            }
        }
    }
}

/// Whether `id` runs inline as part of `function`: directly, or in a
/// callback that runs synchronously (`transactionSync(() => …)`,
/// `items.forEach(…)`).
fn runs_inline(model: &FileModel<'_>, id: NodeId, function: NodeId) -> bool {
    let mut current = model.nodes.enclosing_function(id);
    while let Some(inner_function) = current {
        if inner_function == function {
            return true;
        }
        let synchronous_callback = model.is_iteration_callback(inner_function)
            || model.nodes.parent(inner_function).is_some_and(|parent| {
                matches!(model.nodes.kind(parent), AstKind::CallExpression(call)
                    if method_call(call).is_some_and(|(_, method)| method == "transactionSync"))
            });
        if !synchronous_callback {
            return false;
        }
        current = model.nodes.enclosing_function(inner_function);
    }
    false
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !class.is_do() {
            continue;
        }
        let Some(alarm) = class
            .methods
            .iter()
            .find(|method| method.role == MethodRole::Alarm)
        else {
            continue;
        };
        let mut collector = Collector {
            model,
            class: class_index,
            visited: HashSet::new(),
            events: Events::default(),
        };
        collector.collect(alarm.function, &[], false, 0);
        let events = collector.events;
        let found = events.writes.iter().find_map(|write| {
            events
                .throws
                .iter()
                .find(|throw| throw.position > write.position)
                .map(|throw| (write, throw))
        });
        let Some((write, throw)) = found else {
            continue;
        };
        let class_name = class.display_name();
        report.push(
            Violation::new(write.span, format!(
                "`{class_name}.alarm()` {} and can then fail at {} with no try/catch: alarms are retried up to six times, and each retry writes again",
                write.what, throw.what
            ))
            .fix(format!(
                "make the write idempotent (`INSERT OR IGNORE` / `ON CONFLICT (…) DO NOTHING` keyed by the job, or `SET x = ?` with the computed value), or record progress first and wrap {} in `try {{ … }} catch {{ … }}` (re-arm the alarm yourself in the `catch`)",
                throw.what
            ))
            .effect("a retried alarm leaves the same state as one that succeeded the first time")
            .class(class.name),
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
export class Digest extends DurableObject { async alarm() {
  this.ctx.storage.sql.exec("INSERT INTO digests (sent_at) VALUES (?)", Date.now());
  await fetch("https://mail.example.com/send", { method: "POST" }); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject { count = 0; async alarm() {
  this.count += 1; await this.ctx.storage.put("count", this.count);
  await this.env.QUEUE.send({ count: this.count }); } }"#,
        ];
        let pass = [
            // Seed 002 UserSession: DELETE … WHERE is idempotent.
            r#"import { DurableObject } from "cloudflare:workers";
export class UserSession extends DurableObject { async alarm() {
  this.ctx.storage.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", Date.now());
  await fetch("https://hooks.example.com"); } }"#,
            // The failing step is caught.
            r#"import { DurableObject } from "cloudflare:workers";
export class Digest extends DurableObject { async alarm() {
  this.ctx.storage.sql.exec("INSERT INTO digests (sent_at) VALUES (?)", Date.now());
  try { await fetch("https://mail.example.com/send"); } catch (error) { console.error(error); } } }"#,
            // The failure comes before the write.
            r#"import { DurableObject } from "cloudflare:workers";
export class Digest extends DurableObject { async alarm() {
  const response = await fetch("https://mail.example.com/send");
  this.ctx.storage.sql.exec("INSERT INTO digests (status) VALUES (?)", response.status); } }"#,
        ];
        assert_rule("DO503", &pass, &fail, None);
    }
}
