//! DO501 alarm-without-handler.

use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{
    method_in_hierarchy, runtime_dispatched, set_alarm_calls,
};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a Durable Object class that calls `storage.setAlarm(…)` (directly,
    /// through an alias such as `const storage = this.ctx.storage`, or in a helper
    /// method) but has no `alarm()` method.
    ///
    /// **Why is this bad?**
    ///
    /// The runtime refuses the call: `setAlarm` throws "Your Durable Object class
    /// must have an alarm() handler in order to call setAlarm()", failing the
    /// request that tried to schedule work. And if the method was merely misnamed,
    /// the scheduled work would never run.
    ///
    /// **Example**
    ///
    /// ```ts
    /// export class Lock extends DurableObject {
    ///   async acquire(timeoutMs: number) {
    ///     await this.ctx.storage.put("held", true);
    ///     await this.ctx.storage.setAlarm(Date.now() + timeoutMs);
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// export class Lock extends DurableObject {
    ///   async acquire(timeoutMs: number) {
    ///     await this.ctx.storage.put("held", true);
    ///     await this.ctx.storage.setAlarm(Date.now() + timeoutMs);
    ///   }
    ///
    ///   async alarm() {
    ///     await this.ctx.storage.delete("held");
    ///   }
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// Framework subclasses (partyserver's `Server`, the Agents SDK's `Agent`,
    /// `@cloudflare/actors`' `Actor`) define `alarm()` themselves and dispatch to
    /// `onAlarm` or scheduled callbacks, so they are not reported; neither are
    /// classes that install their own dispatcher (`Lifecycle.install(this)`) or
    /// whose base class lives in another file (it may define `alarm()`).
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/alarms/
    pub static RULE = Rule {
        name: "alarm-without-handler",
        area: Area::Alarms,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`setAlarm` in a class that has no `alarm()` method",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !runtime_dispatched(model, class_index)
            || method_in_hierarchy(model, class_index, "alarm").is_some()
        {
            continue;
        }
        let calls = set_alarm_calls(model, class_index);
        let Some(&(id, call)) = calls.first() else {
            continue;
        };
        let class_name = class.display_name();
        let place = model
            .method_of(class_index, id)
            .map(|method| format!(" in `{}`", method.name))
            .unwrap_or_default();
        let others = match calls.len() {
            1 => String::new(),
            2 => " (and 1 more call)".to_string(),
            count => format!(" (and {} more calls)", count - 1),
        };
        report.push(
            Violation::new(call.span, format!(
                "`{class_name}` calls `{}`{place}{others} but has no `alarm()` method: the call throws, and nothing would run when the alarm fires",
                model.text(call.callee.span())
            ))
            .fix(format!(
                "add `async alarm() {{ … }}` to `{class_name}` with the work the alarm is for (if a method such as `onAlarm` was meant to be it, rename it to `alarm`)"
            ))
            .effect("scheduling works, and the scheduled work runs (alarms are retried on failure)")
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
export class Lock extends DurableObject { async acquire(ms: number) {
  const storage = this.ctx.storage; await storage.setAlarm(Date.now() + ms); } }"#,
            r#"export class Lock { constructor(private state: DurableObjectState, env: unknown) {}
  async fetch() { await this.schedule(); return new Response(); }
  private async schedule() { await this.state.storage.setAlarm(Date.now() + 1000); } }"#,
        ];
        let pass = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Lock extends DurableObject { async acquire(ms: number) {
  await this.ctx.storage.setAlarm(Date.now() + ms); } async alarm() {} }"#,
            r#"import { Agent } from "agents";
export class Bot extends Agent { async later() { await this.ctx.storage.setAlarm(Date.now() + 1000); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
class Base extends DurableObject { async alarm() {} }
export class Child extends Base { async later() { await this.ctx.storage.setAlarm(Date.now() + 1000); } }"#,
        ];
        assert_rule("DO501", &pass, &fail, None);
    }
}
