//! DO102 async-work-in-constructor.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::MethodRole;
use crate::optimize::model::call_graph::{CallGraph, path_text, work_name};
use crate::optimize::model::class_facts::calls_within;
use crate::optimize::model::cold_start::{
    async_storage_method, block_concurrency_calls, is_network_fetch,
};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, is_this};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a Durable Object constructor that calls an async storage API
    /// (`storage.get/put/list/delete`, `getAlarm`…) or `fetch` outside
    /// `blockConcurrencyWhile`.
    ///
    /// **Why is this bad?**
    ///
    /// A constructor cannot await. The promise runs on its own while the first
    /// request is already being handled, which then sees state that is not loaded
    /// yet; a rejection is unhandled.
    ///
    /// **Example**
    ///
    /// ```ts
    /// constructor(state: DurableObjectState, env: Env) {
    ///   this.state = state;
    ///   this.state.storage.get("count").then((count) => (this.count = count ?? 0));
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// constructor(ctx: DurableObjectState, env: Env) {
    ///   super(ctx, env);
    ///   ctx.blockConcurrencyWhile(async () => {
    ///     this.count = (await ctx.storage.get<number>("count")) ?? 0;
    ///   });
    /// }
    /// ```
    ///
    /// or load lazily in the handler that needs it.
    ///
    /// **Known problems**
    ///
    /// A promise stored in a field for later use (`this.ready = storage.get(…)`) is
    /// a lazy initializer and is not reported.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/state/#blockconcurrencywhile
    pub static RULE = Rule {
        name: "async-work-in-constructor",
        area: Area::ColdStart,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "Async storage or `fetch` in the constructor, outside `blockConcurrencyWhile`",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let guarded: Vec<_> = block_concurrency_calls(model).map(|(id, _)| id).collect();
    for &id in &model.calls {
        let AstKind::CallExpression(call) = model.nodes.kind(id) else {
            continue;
        };
        if !is_network_fetch(call) && async_storage_method(model, id, call).is_none() {
            continue;
        }
        let Some((class, method)) = model.method_at(id) else {
            continue;
        };
        if method.role != MethodRole::Constructor || !model.classes[class].is_do() {
            continue;
        }
        // Directly in the constructor body (not a callback defined there).
        if model.nodes.enclosing_function(id) != Some(method.function) {
            continue;
        }
        if guarded.iter().any(|&block| model.nodes.contains(block, id)) {
            continue;
        }
        // `this.ready = storage.get(…)`: a memoized promise.
        let stored = model.nodes.ancestors(id).take(3).any(|ancestor| {
            matches!(model.nodes.kind(ancestor), AstKind::AssignmentExpression(assignment)
                if matches!(&assignment.left, oxc_ast::ast::AssignmentTarget::StaticMemberExpression(member) if is_this(&member.object)))
        });
        if stored {
            continue;
        }
        let class_name = model.classes[class].display_name();
        report.push(
            Violation::new(call.span, format!(
                "`{class_name}`'s constructor starts `{}` without waiting: the first request can run before it finishes",
                context.text(call.callee.span())
            ))
            .fix(format!(
                "wrap it: `ctx.blockConcurrencyWhile(async () => {{ … await {} … }})`, or load lazily where it is needed",
                context.text(call.span)
            ))
            .effect(format!("requests never see `{class_name}` half-initialized, and failures surface instead of being unhandled"))
            .class(model.classes[class].name),
        );
    }
    check_helpers(context, &guarded, report);
}

/// Whether a call made in the constructor (or a helper it calls) keeps its
/// promise in a field: `this.ready = this.init()`, a memoized lazy start.
fn stored_in_field(model: &crate::optimize::model::FileModel<'_>, id: NodeId) -> bool {
    model.nodes.ancestors(id).take(3).any(|ancestor| {
        matches!(model.nodes.kind(ancestor), AstKind::AssignmentExpression(assignment)
            if matches!(&assignment.left, oxc_ast::ast::AssignmentTarget::StaticMemberExpression(member) if is_this(&member.object)))
    })
}

/// The same work done in a helper the constructor calls without waiting
/// (`this.ensureAlarmScheduled()`, `this.#load()`, a same-file function):
/// reported at the storage call, with the path from the constructor.
fn check_helpers(context: &FileContext<'_, '_>, guarded: &[NodeId], report: &mut Report) {
    let model = context.model;
    let graph = CallGraph::new(model);
    let in_guard = |id: NodeId| guarded.iter().any(|&block| model.nodes.contains(block, id));
    for (class, class_model) in model.classes.iter().enumerate() {
        if !class_model.is_do() {
            continue;
        }
        let Some(constructor) = class_model.constructor() else {
            continue;
        };
        let reached = graph.reachable(Some(class), constructor.function, |step, _| {
            !in_guard(step.site) && !stored_in_field(model, step.site)
        });
        for reach in reached.iter().filter(|reach| !reach.path.is_empty()) {
            for (id, call) in calls_within(model, reach.function) {
                // Directly in the helper, like the constructor's own check.
                if model.nodes.enclosing_function(id) != Some(reach.function)
                    || in_guard(id)
                    || (!is_network_fetch(call) && async_storage_method(model, id, call).is_none())
                {
                    continue;
                }
                let class_name = class_model.display_name();
                let path = path_text("constructor", &reach.path, &work_name(model, call));
                report.push(
                    Violation::new(call.span, format!(
                        "`{class_name}`'s constructor starts `{}` through a call it does not wait for ({path}): the first request can run before it finishes",
                        context.text(call.callee.span())
                    ))
                    .fix(format!(
                        "call `{}` inside `ctx.blockConcurrencyWhile(async () => {{ await … }})` in the constructor, or load lazily where it is needed",
                        reach.path[0].name
                    ))
                    .effect(format!("requests never see `{class_name}` half-initialized, and failures surface instead of being unhandled"))
                    .class(class_model.name),
                );
                // One finding per helper: the fix is at its call.
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
        let fail = [r#"export class Counter { count = 0;
  constructor(private state: DurableObjectState, env: unknown) { this.state.storage.get("count"); } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env);
  ctx.blockConcurrencyWhile(async () => { await ctx.storage.get("count"); }); } }"#];
        assert_rule("DO102", &pass, &fail, None);
    }
}
