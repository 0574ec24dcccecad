//! DO102 async-work-in-constructor.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::MethodRole;
use crate::optimize::model::cold_start::{
    async_storage_method, block_concurrency_calls, is_network_fetch,
};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::is_this;

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
