//! DO104 block-concurrency-per-request.

use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::cold_start::block_concurrency_calls;
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};

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
    for (id, call) in block_concurrency_calls(model) {
        let Some((class, method)) = model.method_at(id) else {
            continue;
        };
        if !method.role.is_handler() || model.guarded_by_field(id, method.function) {
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
