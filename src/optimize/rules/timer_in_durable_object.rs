//! DO302 timer-in-durable-object.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{
    calls_within, method_in_hierarchy, parameter_names, storage_text,
};
use crate::optimize::model::{DoKind, FileModel};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, argument, binding_name, identifier_name, member_path};

declare_rule! {
    /// **What it does**
    ///
    /// Reports `setTimeout` / `setInterval` inside a Durable Object class.
    ///
    /// **Why is this bad?**
    ///
    /// A pending timer keeps the object in memory: it cannot hibernate, so it is
    /// billed for the whole wait, and a WebSocket object that would otherwise sleep
    /// stays awake. And the timer lives only in memory: if the object is evicted or
    /// restarted (a deploy, a crash, an idle eviction) before it fires, the work is
    /// silently lost. An alarm is persisted, survives eviction, is retried on
    /// failure, and wakes the object only when it is due.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async webSocketMessage(ws: WebSocket, message: string) {
    ///   this.pending.push(message);
    ///   setTimeout(() => this.flush(), 60_000);
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async webSocketMessage(ws: WebSocket, message: string) {
    ///   this.ctx.storage.sql.exec("INSERT INTO pending (body) VALUES (?)", message);
    ///   if ((await this.ctx.storage.getAlarm()) === null) {
    ///     await this.ctx.storage.setAlarm(Date.now() + 60_000);
    ///   }
    /// }
    ///
    /// async alarm() {
    ///   await this.flush();
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// Timers scoped to the current request are not reported: a sleep or timeout
    /// awaited inside a handler (`await new Promise((resolve) => setTimeout(resolve,
    /// ms))`, a `Promise.race` timeout whose callback only settles that promise), and
    /// a timer kept in a local variable and cleared with `clearTimeout` in the same
    /// function. They end with the request, which keeps the object awake anyway. A
    /// timer that clears itself from its own callback (a `setInterval` that stops
    /// after N ticks) runs after the handler returned and is reported.
    /// Timers in module functions outside the class are not followed.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/alarms/
    /// - https://developers.cloudflare.com/durable-objects/best-practices/websockets/#websocket-hibernation-api
    pub static RULE = Rule {
        name: "timer-in-durable-object",
        area: Area::Websocket,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`setTimeout`/`setInterval` in a Durable Object: no hibernation, lost on eviction",
        check: Check::File(check),
    };
}

/// `setTimeout`, `globalThis.setInterval`… → the timer's name.
fn timer_name<'a>(call: &CallExpression<'a>) -> Option<&'a str> {
    let path = member_path(&call.callee)?;
    let name = match path.as_slice() {
        [name] => *name,
        ["globalThis" | "self" | "window", name] => *name,
        _ => return None,
    };
    matches!(name, "setTimeout" | "setInterval").then_some(name)
}

/// The executor function of a `new Promise(executor)` that holds `node`
/// directly, with its parameter names (`resolve`, `reject`).
fn promise_executor<'a>(model: &FileModel<'a>, node: NodeId) -> Option<Vec<&'a str>> {
    let function = model.nodes.enclosing_function(node)?;
    let parent = model.nodes.parent(function)?;
    let AstKind::NewExpression(new) = model.nodes.kind(parent) else {
        return None;
    };
    if identifier_name(&new.callee) != Some("Promise") {
        return None;
    }
    let first = new.arguments.first()?.as_expression()?;
    if first.span() != model.nodes.kind(function).span() {
        return None;
    }
    Some(
        parameter_names(model, function)
            .into_iter()
            .flatten()
            .collect(),
    )
}

/// A sleep or a timeout of the current request: the timer only settles the
/// promise it is created in.
fn settles_its_promise(model: &FileModel<'_>, id: NodeId, call: &CallExpression<'_>) -> bool {
    let Some(parameters) = promise_executor(model, id) else {
        return false;
    };
    let Some(callback) = argument(call, 0) else {
        return false;
    };
    if identifier_name(callback).is_some_and(|name| parameters.contains(&name)) {
        return true;
    }
    let Some(callback_node) = model.function_node(callback) else {
        return false;
    };
    model
        .referenced_names(callback_node)
        .iter()
        .any(|name| parameters.contains(name))
}

/// `const t = setTimeout(…)` cleared with `clearTimeout(t)` in the same
/// function: a request-scoped timeout. A clear inside the timer's own
/// callback does not count: that timer runs (and an interval repeats) after
/// the handler returned, until it clears itself.
fn cleared_in_same_function(model: &FileModel<'_>, id: NodeId, call: &CallExpression<'_>) -> bool {
    let own_callback = argument(call, 0).map(GetSpan::span);
    let Some(parent) = model.nodes.parent(id) else {
        return false;
    };
    let name = match model.nodes.kind(parent) {
        AstKind::VariableDeclarator(declarator) => binding_name(&declarator.id),
        AstKind::AssignmentExpression(assignment) => match &assignment.left {
            AssignmentTarget::AssignmentTargetIdentifier(ident) => Some(ident.name.as_str()),
            _ => None,
        },
        _ => None,
    };
    let (Some(name), Some(function)) = (name, model.nodes.enclosing_function(id)) else {
        return false;
    };
    calls_within(model, function).any(|(_, clear)| {
        matches!(
            identifier_name(&clear.callee),
            Some("clearTimeout" | "clearInterval")
        ) && argument(clear, 0).and_then(identifier_name) == Some(name)
            && !own_callback.is_some_and(|callback| callback.contains_inclusive(clear.span))
    })
}

/// The class method a timer's callback calls (`() => this.persist()` →
/// `persist`), for a fix in the user's words.
fn callback_method<'a>(model: &FileModel<'a>, call: &CallExpression<'a>) -> Option<&'a str> {
    let callback = argument(call, 0)?;
    if let Some(name) = crate::optimize::semantic::this_member(callback) {
        return Some(name);
    }
    let function = model.function_node(callback)?;
    calls_within(model, function)
        .find_map(|(_, inner)| crate::optimize::semantic::this_member(&inner.callee))
}

/// A delay in milliseconds as seconds for the Agents scheduler (`2_000` → `2`).
fn seconds_text(delay: &str) -> String {
    let digits: String = delay.chars().filter(|c| *c != '_').collect();
    match digits.parse::<u64>() {
        Ok(ms) if ms % 1000 == 0 => (ms / 1000).to_string(),
        Ok(ms) => format!("{}", ms as f64 / 1000.0),
        Err(_) => format!("{delay} / 1000"),
    }
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for &id in &model.calls {
        let AstKind::CallExpression(call) = model.nodes.kind(id) else {
            continue;
        };
        let Some(timer) = timer_name(call) else {
            continue;
        };
        let Some(class_index) = model.class_of(id) else {
            continue;
        };
        let class = &model.classes[class_index];
        if !class.is_do() {
            continue;
        }
        if settles_its_promise(model, id, call) || cleared_in_same_function(model, id, call) {
            continue;
        }
        let class_name = class.display_name();
        let place = model
            .method_of(class_index, id)
            .map(|method| format!("`{class_name}.{}`", method.name))
            .unwrap_or_else(|| format!("`{class_name}`"));
        let delay = argument(call, 1)
            .map(|delay| model.text(delay.span()).to_string())
            .unwrap_or_else(|| "delayMs".to_string());
        let storage = storage_text(model, class_index);
        let handler = if method_in_hierarchy(model, class_index, "alarm").is_some() {
            format!(
                "do the work in `{class_name}.alarm()` (it exists already: keep the pending jobs in storage if it serves several)"
            )
        } else {
            format!("add `async alarm()` to `{class_name}` and do the work there")
        };
        let repeat = if timer == "setInterval" {
            format!(
                ", re-arming it at the end of `alarm()` with `{storage}.setAlarm(Date.now() + {delay})`"
            )
        } else {
            String::new()
        };
        let fix = match &class.kind {
            DoKind::Framework(label) if label.starts_with("Agents SDK") => format!(
                "use the Agent's scheduler, which is backed by alarms: `await this.schedule({}, \"{}\")`{}",
                seconds_text(&delay),
                callback_method(model, call).unwrap_or("methodName"),
                if timer == "setInterval" {
                    " (or a cron string for a repeating task)"
                } else {
                    ""
                }
            ),
            _ => format!(
                "schedule it with `await {storage}.setAlarm(Date.now() + {delay})` and {handler}{repeat}"
            ),
        };
        report.push(
            Violation::new(call.span, format!(
                "`{timer}` in {place} keeps the object awake (no hibernation) and its callback is lost if the object is evicted first"
            ))
            .fix(fix)
            .effect("the object can hibernate while it waits, and the scheduled work survives evictions and restarts (alarms are persisted and retried)")
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
export class Room extends DurableObject { pending: string[] = [];
  async webSocketMessage(ws: WebSocket, message: string) { this.pending.push(message);
    setTimeout(() => this.flush(), 60_000); }
  async flush() { this.pending.length = 0; } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Game extends DurableObject { timer?: ReturnType<typeof setInterval>;
  async start() { this.timer = setInterval(() => this.tick(), 1000); }
  tick() {} }"#,
        ];
        let pass = [
            // A sleep awaited in an RPC method ends with the request.
            r#"import { DurableObject } from "cloudflare:workers";
export class Hook extends DurableObject {
  async retry(attempt: number) { await new Promise((resolve) => setTimeout(resolve, 100 * attempt)); }
  sleep(ms: number) { return new Promise(resolve => setTimeout(resolve, ms)); } }"#,
            // A timeout cleared in the same function.
            r#"import { DurableObject } from "cloudflare:workers";
export class Proxy extends DurableObject { async call(url: string) {
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), 5000);
  try { return await fetch(url, { signal: controller.signal }); } finally { clearTimeout(timeout); } } }"#,
            // A timer in the Worker, outside any class.
            r#"export default { async fetch() { setTimeout(() => console.log("later"), 10); return new Response("ok"); } };"#,
            // A timer in a class that is not a Durable Object.
            r#"export class Debouncer { run(f: () => void) { setTimeout(f, 10); } }"#,
        ];
        assert_rule("DO302", &pass, &fail, None);
    }
}
