//! DO104 block-concurrency-per-request.

use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use oxc_ast::ast::CallExpression;

use crate::optimize::model::call_graph::{CallGraph, path_text};
use crate::optimize::model::cold_start::block_concurrency_calls;
use crate::optimize::model::{FileModel, MethodRole};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::NodeId;

declare_rule! {
    /// **What it does**
    ///
    /// Reports `blockConcurrencyWhile` called outside the constructor: in `fetch`, an
    /// RPC method, `alarm` or a WebSocket handler.
    ///
    /// **Why is this bad?**
    ///
    /// While the callback runs, every other request to the object waits. Called per
    /// request, it serializes the object completely: throughput drops to one
    /// request at a time, including the time of every `await` inside.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   await this.ctx.blockConcurrencyWhile(async () => {
    ///     const count = (await this.ctx.storage.get<number>("count")) ?? 0;
    ///     await this.ctx.storage.put("count", count + 1);
    ///   });
    ///   return new Response("ok");
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   // A Durable Object is single-threaded between awaits; storage writes are
    ///   // coalesced and the output gate holds the response until they are durable.
    ///   const count = (await this.ctx.storage.get<number>("count")) ?? 0;
    ///   await this.ctx.storage.put("count", count + 1);
    ///   return new Response("ok");
    /// }
    /// ```
    ///
    /// For one-time initialization, guard it with a memoized promise.
    ///
    /// **Known problems**
    ///
    /// A call behind a one-time guard (`if (!this.ready) …`) is not reported.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/state/#blockconcurrencywhile
    pub static RULE = Rule {
        name: "block-concurrency-per-request",
        area: Area::ColdStart,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`blockConcurrencyWhile` in a request handler blocks every other request",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let graph = CallGraph::new(model);
    for (id, call) in block_concurrency_calls(model) {
        let Some(function) = model.nodes.enclosing_function(id) else {
            continue;
        };
        let Some((class, method)) = model.method_at(id) else {
            // A same-file function: reported where a handler reaches it.
            if let Some(class) = model
                .class_of(id)
                .or_else(|| reaching_class(model, &graph, function))
            {
                report_through_helper(context, &graph, class, id, call, report);
            }
            continue;
        };
        if !method.role.is_handler() {
            if method.role == MethodRole::Internal {
                report_through_helper(context, &graph, class, id, call, report);
            }
            continue;
        }
        if model.guarded_by_field(id, method.function) {
            continue;
        }
        let class_name = model.classes[class].display_name();
        report.push(
            Violation::new(call.callee.span(), format!(
                "`{class_name}.{}` calls `blockConcurrencyWhile` on every call: all other requests to the object wait for it",
                method.name
            ))
            .fix("remove it (the object is single-threaded between awaits), or do one-time setup behind a memoized promise: `this.ready ??= this.init()`")
            .effect("requests to the object are no longer serialized behind each other's awaits")
            .class(model.classes[class].name),
        );
    }
}

/// A Durable Object class of the file whose methods call `function`.
fn reaching_class(
    model: &FileModel<'_>,
    graph: &CallGraph<'_, '_>,
    function: NodeId,
) -> Option<usize> {
    model.classes.iter().enumerate().find_map(|(index, class)| {
        (class.is_do()
            && class.methods.iter().any(|method| {
                graph
                    .callees(Some(index), method.function)
                    .iter()
                    .any(|step| step.function == function)
            }))
        .then_some(index)
    })
}

/// `blockConcurrencyWhile` in a helper (`this.cleanup()`, `this.#init()`, a
/// same-file function): reported when a handler reaches it through calls
/// that no one-time guard protects, with the path from the handler.
fn report_through_helper(
    context: &FileContext<'_, '_>,
    graph: &CallGraph<'_, '_>,
    class: usize,
    id: NodeId,
    call: &CallExpression<'_>,
    report: &mut Report,
) {
    let model = context.model;
    let class_model = &model.classes[class];
    if !class_model.is_do() {
        return;
    }
    let Some(function) = model.nodes.enclosing_function(id) else {
        return;
    };
    // The guard may sit in the helper itself, between its start and the call.
    let helper = model
        .method_of(class, id)
        .map_or(function, |method| method.function);
    if model.guarded_by_field(id, helper) {
        return;
    }
    let Some((entry, reach)) = graph.unguarded_handler_path(class, helper) else {
        return;
    };
    let class_name = class_model.display_name();
    let path = path_text(entry.name, &reach.path, "blockConcurrencyWhile");
    report.push(
        Violation::new(call.callee.span(), format!(
            "`{class_name}.{}` calls `blockConcurrencyWhile` on every call through a helper ({path}): all other requests to the object wait for it",
            entry.name
        ))
        .fix(format!(
            "remove it from `{}` (the object is single-threaded between awaits), or run that setup once, in the constructor or behind a memoized promise: `this.ready ??= this.init()`",
            reach.path.last().map_or(entry.name, |step| step.name)
        ))
        .effect("requests to the object are no longer serialized behind each other's awaits")
        .class(class_model.name),
    );
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async fetch() { await this.ctx.blockConcurrencyWhile(async () => {}); return new Response(); } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { ready = false; async fetch() {
  if (!this.ready) { await this.ctx.blockConcurrencyWhile(async () => { this.ready = true; }); } return new Response(); } }"#];
        assert_rule("DO104", &pass, &fail, None);
    }
}
