//! DO202 query-in-loop.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::call_graph::{
    CallGraph, FirstReach, Step, path_text, runs_when_called,
};
use crate::optimize::model::class_facts::{calls_within, declared_names};
use crate::optimize::model::storage_api;
use crate::optimize::model::{FileModel, StoragePath};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, argument, identifier_name, method_call};
use crate::optimize::sql::{FilterOp, StatementKind};

declare_rule! {
    /// **What it does**
    ///
    /// Reports `sql.exec` (reads and per-row writes), single-key
    /// `storage.get/put/delete` or a call on the same Durable Object stub inside a
    /// loop (`for`, `for…of`, `while`, a `.forEach` / `.map` callback) whose key
    /// changes per iteration: the N+1 pattern. A helper called in the loop
    /// (`this.loadUser(id)`) counts when its read is keyed by what changes: in
    /// the helper the loop calls, the key must be a parameter that receives a
    /// per-iteration argument (or a local the helper builds), so
    /// `this.section(id, "header")` reading by the constant `"header"` is
    /// quiet.
    ///
    /// **Why is this bad?**
    ///
    /// Every iteration pays a round trip (a query, a storage operation, or an RPC to
    /// another object). With 20 keys that is 20 round trips where one would do; the
    /// seed wizard measured 20 × 50 ms = 1000 ms against 60 ms for one batched query.
    ///
    /// **Example**
    ///
    /// ```ts
    /// for (const message of messages) {
    ///   const user = this.ctx.storage.sql.exec("SELECT * FROM users WHERE id = ?", message.user_id).one();
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// const ids = messages.map((message) => message.user_id);
    /// const placeholders = ids.map(() => "?").join(", ");
    /// const users = this.ctx.storage.sql.exec(`SELECT * FROM users WHERE id IN (${placeholders})`, ...ids).toArray();
    /// ```
    ///
    /// or a `JOIN`, or `storage.get([...keys])` (up to 128 keys per call).
    ///
    /// **Known problems**
    ///
    /// A query in the loop header, or one whose key does not change, is not reported;
    /// for `storage.get/put/delete` the key is the first argument, so a `put` of a
    /// constant key with a changing value is not reported. Writes (`INSERT`,
    /// `UPDATE`, `DELETE`) per iteration are reported like reads. A call in an inner
    /// loop or callback whose key comes from an outer loop is reported for the outer
    /// loop. Stub calls in a loop over different objects are a fan-out, not N+1, and
    /// are not reported; only repeated calls on the same stub are. A statement that
    /// spreads its bindings (`...chunk`) binds a batch per iteration (a chunked
    /// loop) and is not reported.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
    /// - https://developers.cloudflare.com/durable-objects/api/storage-api/#get
    pub static RULE = Rule {
        name: "query-in-loop",
        area: Area::Queries,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A query, storage call or stub call per loop iteration (N+1)",
        check: Check::File(check),
    };
}

/// Which arguments of a call carry its key.
#[derive(Clone, Copy)]
enum KeyArguments {
    /// Every argument (SQL text and bindings, RPC arguments).
    All,
    /// Only the first (`storage.get/put/delete(key, …)`: a `put` of a
    /// constant key with a changing value is one key written N times).
    First,
}

/// The loop, among those around `call_node` up to `limit` (innermost
/// first), in which the call's key changes per iteration: a delete in an
/// inner `forEach` keyed by the outer loop's variable counts for the outer
/// loop.
fn varying_loop(
    context: &FileContext<'_, '_>,
    call_node: NodeId,
    limit: NodeId,
    keys: KeyArguments,
) -> Option<NodeId> {
    let model = context.model;
    let mut current = model.enclosing_loop(call_node, limit);
    while let Some(loop_node) = current {
        if varies_per_iteration(context, call_node, loop_node, keys) {
            return Some(loop_node);
        }
        current = model.enclosing_loop(loop_node, limit);
    }
    None
}

fn varies_per_iteration(
    context: &FileContext<'_, '_>,
    call_node: NodeId,
    loop_node: NodeId,
    keys: KeyArguments,
) -> bool {
    let model = context.model;
    let AstKind::CallExpression(call) = model.nodes.kind(call_node) else {
        return false;
    };
    let variant = model.loop_variant_names(loop_node);
    let taken = match keys {
        KeyArguments::All => call.arguments.len(),
        KeyArguments::First => 1,
    };
    call.arguments.iter().take(taken).any(|argument| {
        model
            .node_with_span(call_node, argument.span())
            .is_some_and(|node| {
                model
                    .referenced_names(node)
                    .iter()
                    .any(|name| variant.contains(name))
            })
    })
}

/// Whether a helper's read keyed by `key` (names declared in `helper`) gets
/// its key from what changes per iteration at the call `site`: a parameter
/// whose argument uses the loop's variables, or a local of the helper.
fn key_takes_the_iteration(
    context: &FileContext<'_, '_>,
    site: NodeId,
    helper: NodeId,
    loop_node: NodeId,
    key: &[&str],
) -> bool {
    let model = context.model;
    let AstKind::CallExpression(call) = model.nodes.kind(site) else {
        return true;
    };
    let parameters = crate::optimize::model::class_facts::parameter_names(model, helper);
    if call
        .arguments
        .iter()
        .any(|argument| matches!(argument, oxc_ast::ast::Argument::SpreadElement(_)))
        || parameters.iter().any(Option::is_none)
    {
        return true;
    }
    let variant = model.loop_variant_names(loop_node);
    key.iter().any(|name| {
        match parameters
            .iter()
            .position(|parameter| *parameter == Some(*name))
        {
            // A local of the helper: built from anything, taken as keyed.
            None => true,
            Some(index) => call.arguments.get(index).is_some_and(|argument| {
                model
                    .node_with_span(site, argument.span())
                    .is_some_and(|node| {
                        model
                            .referenced_names(node)
                            .iter()
                            .any(|name| variant.contains(name))
                    })
            }),
        }
    })
}

/// Whether the expression at `node` uses a parameter of `function`, or a
/// local declared in it (a key built from the arguments).
fn keyed_by_parameter(model: &FileModel<'_>, node: NodeId, function: NodeId) -> bool {
    let names = declared_names(model, function);
    model
        .referenced_names(node)
        .iter()
        .any(|name| names.contains(name))
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        let Some((class, method)) = model.method_at(exec.node) else {
            continue;
        };
        // `…IN (${marks})`, ...chunk`: each statement already binds a batch
        // (a chunked loop is the fix DO212 asks for), not one key.
        if exec.call.is_some_and(|call| {
            call.arguments
                .iter()
                .any(|argument| matches!(argument, oxc_ast::ast::Argument::SpreadElement(_)))
        }) {
            continue;
        }
        if varying_loop(context, exec.node, method.function, KeyArguments::All).is_none() {
            continue;
        }
        let Some(statement) = exec.statement() else {
            continue;
        };
        // Reads and per-row writes are the same N+1; DDL and the rest are not.
        if statement.kind.is_write() {
            report.push(
                Violation::new(exec.span, format!(
                    "`{}` runs one `{}` per iteration of this loop with a different key: N+1 statements",
                    context.text(exec.callee_span),
                    match statement.kind {
                        StatementKind::Insert => "INSERT",
                        StatementKind::Update => "UPDATE",
                        _ => "DELETE",
                    }
                ))
                .fix("write every row with one statement: a multi-row `INSERT … VALUES (?, ?), (?, ?)` (at most 100 bindings), or `… SELECT … FROM json_each(?)` / `WHERE id IN (SELECT value FROM json_each(?))` with the rows as one JSON parameter; keep the loop inside `ctx.storage.transactionSync(() => …)` at least")
                .effect("N+1 with 20 rows: 20 statements become 1")
                .class(model.classes[class].name),
            );
            continue;
        }
        if statement.kind != StatementKind::Select {
            continue;
        }
        let key = statement
            .filters
            .iter()
            .find(|filter| filter.op == FilterOp::Equal)
            .map(|filter| filter.column.clone());
        let fix = match (&key, &exec.text) {
            (Some(column), Some(text)) => {
                let batched = replace_equality(text, column).unwrap_or_else(|| text.clone());
                format!(
                    "collect the keys first and run one query:\n  const keys = /* the {column} of every item */;\n  const placeholders = keys.map(() => \"?\").join(\", \");\n  const rows = this.ctx.storage.sql.exec(`{}`, ...keys).toArray();",
                    batched.split_whitespace().collect::<Vec<_>>().join(" ")
                )
            }
            _ => "run one batched query (`WHERE id IN (…)` with spread bindings) or a JOIN before the loop".to_string(),
        };
        report.push(
            Violation::new(exec.span, format!(
                "`{}` runs once per iteration of this loop with a different key: N+1 queries{}",
                context.text(exec.callee_span),
                key.as_ref().map(|column| format!(" on `{column}`")).unwrap_or_default()
            ))
            .fix(fix)
            .effect("N+1 with 20 keys: 20 queries become 1 (seed measurement: 20 × 50 ms = 1000 ms → 60 ms)")
            .class(model.classes[class].name),
        );
    }
    for &call_node in &model.calls {
        let AstKind::CallExpression(call) = model.nodes.kind(call_node) else {
            continue;
        };
        let Some((receiver, name)) = method_call(call) else {
            continue;
        };
        if !storage_api::is_batchable_method(name) {
            continue;
        }
        if model.storage_path_at(receiver, call_node) != Some(StoragePath::Storage) {
            continue;
        }
        // Arrays and objects are already batched calls.
        if matches!(
            argument(call, 0).map(|arg| arg.get_inner_expression()),
            Some(
                oxc_ast::ast::Expression::ArrayExpression(_)
                    | oxc_ast::ast::Expression::ObjectExpression(_)
            )
        ) {
            continue;
        }
        let Some((class, method)) = model.method_at(call_node) else {
            continue;
        };
        if varying_loop(context, call_node, method.function, KeyArguments::First).is_none() {
            continue;
        }
        report.push(
            Violation::new(call.span, format!(
                "`{}(…)` of one key per loop iteration: N+1 storage operations",
                context.text(call.callee.span())
            ))
            .fix(format!(
                "collect the keys and make one call: `{}([...keys])` (up to 128 keys; `put` takes an object of entries)",
                context.text(call.callee.span())
            ))
            .effect("20 keys: 20 storage round trips become 1")
            .class(model.classes[class].name),
        );
    }
    for stub in &model.stub_calls {
        let Some(function) = model.nodes.enclosing_function(stub.node) else {
            continue;
        };
        let Some(loop_node) = model.enclosing_loop(stub.node, function) else {
            continue;
        };
        // The same stub, created outside the loop, called with per-iteration arguments.
        let Some(stub_name) = identifier_name(match method_call(stub.call) {
            Some((receiver, _)) => receiver,
            None => continue,
        }) else {
            continue;
        };
        if model.loop_variant_names(loop_node).contains(stub_name) {
            continue;
        }
        if !varies_per_iteration(context, stub.node, loop_node, KeyArguments::All) {
            continue;
        }
        report.push(
            Violation::new(stub.call.span, format!(
                "`{stub_name}.{}(…)` calls the same Durable Object once per loop iteration: N+1 RPC round trips",
                stub.method
            ))
            .fix(format!("add a batch method to the class and call it once: `await {stub_name}.{}Many(items)`", stub.method))
            .effect("20 items: 20 RPC round trips (each a network hop to the object) become 1"),
        );
    }
    check_through_helpers(context, report);
}

/// A helper called once per loop iteration with a per-iteration argument
/// (`for (const id of ids) this.loadUser(id)`) whose body reads with a query
/// or a single-key storage call: the N+1 is reported at that read, with the
/// path from the method that loops.
fn check_through_helpers(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let graph = CallGraph::new(model);
    let mut reported: std::collections::HashSet<oxc_span::Span> = std::collections::HashSet::new();
    // A helper's read: a query or a single-key storage call keyed by one of
    // its parameters, run when it is called (not in a loop of its own).
    type OwnRead<'a> = (oxc_span::Span, String, Vec<&'a str>);
    let own_read = |function: NodeId| -> Option<OwnRead<'_>> {
        let in_reach = |node: NodeId| {
            model.nodes.contains(function, node)
                && runs_when_called(model, node, function)
                && model.enclosing_loop(node, function).is_none()
        };
        // The key must come from the caller: a read keyed by a
        // constant (or by nothing) is the same read each time.
        let keyed = |node: NodeId| keyed_by_parameter(model, node, function);
        let query = model.sql_execs.iter().find(|exec| {
            exec.confident
                && in_reach(exec.node)
                && exec
                    .statement()
                    .is_some_and(|statement| statement.kind == StatementKind::Select)
                && match exec.call {
                    Some(call) => call.arguments.iter().skip(1).any(|argument| {
                        model
                            .node_with_span(exec.node, argument.span())
                            .is_some_and(keyed)
                    }),
                    None => keyed(exec.node),
                }
        });
        // The names the key is built from.
        let key_names = |node: NodeId| {
            let declared = declared_names(model, function);
            let mut names: Vec<&str> = model
                .referenced_names(node)
                .into_iter()
                .filter(|name| declared.contains(name))
                .collect();
            names.sort_unstable();
            names.dedup();
            names
        };
        if let Some(exec) = query {
            let names = match exec.call {
                Some(call) => call
                    .arguments
                    .iter()
                    .skip(1)
                    .filter_map(|argument| model.node_with_span(exec.node, argument.span()))
                    .flat_map(key_names)
                    .collect(),
                None => key_names(exec.node),
            };
            return Some((exec.span, "sql.exec".to_string(), names));
        }
        calls_within(model, function).find_map(|(id, call)| {
            let (receiver, name) = method_call(call)?;
            (storage_api::is_batchable_method(name)
                && in_reach(id)
                && argument(call, 0)
                    .is_some_and(|key| model.node_with_span(id, key.span()).is_some_and(keyed))
                && model.storage_path_at(receiver, id) == Some(StoragePath::Storage)
                && !matches!(
                    argument(call, 0).map(|arg| arg.get_inner_expression()),
                    Some(
                        oxc_ast::ast::Expression::ArrayExpression(_)
                            | oxc_ast::ast::Expression::ObjectExpression(_)
                    )
                ))
            .then(|| {
                let names = argument(call, 0)
                    .and_then(|key| model.node_with_span(id, key.span()))
                    .map(key_names)
                    .unwrap_or_default();
                (call.span, format!("storage.{name}"), names)
            })
        })
    };
    let mut own_read = own_read;
    for (class, class_model) in model.classes.iter().enumerate() {
        if !class_model.is_do() {
            continue;
        }
        // Each helper is walked once per class (linear in the file's functions).
        let mut first_read = FirstReach::new(&graph, Some(class));
        for method in &class_model.methods {
            for step in graph.callees(Some(class), method.function) {
                let Some(loop_node) = model.enclosing_loop(step.site, method.function) else {
                    continue;
                };
                if !varies_per_iteration(context, step.site, loop_node, KeyArguments::All) {
                    continue;
                }
                let Some((inner_path, (span, work, key))) =
                    first_read.find(step.function, &mut own_read, &|_: &Step<'_>, _| true)
                else {
                    continue;
                };
                // In the helper the loop calls, the key must be one of the
                // parameters that get a per-iteration argument (or a local
                // built in the helper): `this.load(id)` keyed by `id`, not
                // `this.load(id, "meta")` keyed by the constant second one.
                if inner_path.is_empty()
                    && !key_takes_the_iteration(context, step.site, step.function, loop_node, &key)
                {
                    continue;
                }
                if reported.contains(&span) {
                    continue;
                }
                reported.insert(span);
                let mut path = vec![step];
                path.extend(inner_path);
                report.push(
                    Violation::new(span, format!(
                        "this read runs once per iteration of a loop in `{}` ({}): N+1 round trips",
                        method.name,
                        path_text(method.name, &path, &work)
                    ))
                    .fix(format!(
                        "give `{}` the whole list of keys and read them in one call (`WHERE id IN (…)` with spread bindings, or `get([...keys])`), then loop over the result",
                        step.name
                    ))
                    .effect("N+1 with 20 keys: 20 round trips become 1")
                    .class(class_model.name),
                );
            }
        }
    }
}

/// `… WHERE id = ? …` → `… WHERE id IN (${placeholders}) …`.
fn replace_equality(text: &str, column: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let column_lower = column.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(&column_lower) {
        let start = from + found;
        let after = &lower[start + column_lower.len()..];
        let trimmed = after.trim_start();
        if trimmed.starts_with('=') && trimmed[1..].trim_start().starts_with('?') {
            let question = start
                + column_lower.len()
                + (after.len() - trimmed.len())
                + 1
                + (trimmed[1..].len() - trimmed[1..].trim_start().len());
            return Some(format!(
                "{}{} IN (${{placeholders}}){}",
                &text[..start],
                &text[start..start + column.len()],
                &text[question + 1..]
            ));
        }
        from = start + column_lower.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::replace_equality;
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn batched_query_text() {
        assert_eq!(
            replace_equality("SELECT * FROM users WHERE id = ?", "id").unwrap(),
            "SELECT * FROM users WHERE id IN (${placeholders})"
        );
    }

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f(ids: string[]) {
  for (const id of ids) { this.ctx.storage.sql.exec("SELECT * FROM users WHERE id = ?", id).one(); } } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f(ids: string[]) {
  for (const id of ids) { this.ctx.storage.sql.exec("SELECT * FROM settings WHERE k = ?", "theme").one(); } } }"#];
        assert_rule("DO202", &pass, &fail, None);
    }
}
