//! DO303 slow-websocket-handler.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::Span;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{
    calls_within, directly_in, method_calls_named, method_in_hierarchy, state_text,
};
use crate::optimize::model::{FileModel, MethodRole, storage_api};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{
    NodeId, identifier_name, inner, member_path, method_call, this_member,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `webSocketMessage` handler that, before it replies (`ws.send`),
    /// awaits a network `fetch` (directly or through a method of the class), a
    /// method its author names as heavy work (`heavyProcessing`), or more than two
    /// other asynchronous calls on one path through the handler.
    ///
    /// **Why is this bad?**
    ///
    /// Messages to one object are handled one at a time at each `await` boundary's
    /// mercy: while the handler waits, the client waits for its reply, and the
    /// object stays awake (and billed) instead of hibernating. A network round trip
    /// or a chain of slow calls before the reply puts its whole latency on every
    /// message.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async webSocketMessage(ws: WebSocket, message: string) {
    ///   const result = await this.heavyProcessing(message); // calls fetch()
    ///   await this.saveToDatabase(result);
    ///   ws.send(JSON.stringify(result));
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async webSocketMessage(ws: WebSocket, message: string) {
    ///   ws.send(JSON.stringify({ accepted: true }));
    ///   this.ctx.waitUntil(this.process(ws, message));
    /// }
    /// ```
    ///
    /// or queue the work in storage and process it from `alarm()`.
    ///
    /// **Known problems**
    ///
    /// Awaited storage calls (`storage.get/put/list/delete`, `getAlarm`…) count as
    /// asynchronous calls; the synchronous `sql.exec` does not, nor does work handed
    /// to `ctx.waitUntil` (it is not awaited). Awaits in different
    /// branches of an `if` or a `switch` are not added up (a message takes one
    /// branch), and an error reply followed by `return` is not the reply. In a
    /// class whose framework base dispatches socket messages (partyserver's
    /// `Server`, the Agents SDK), its `onMessage(connection, message)` hook is the
    /// message handler and is checked the same way.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/best-practices/websockets/
    /// - https://developers.cloudflare.com/durable-objects/api/state/#waituntil
    pub static RULE = Rule {
        name: "slow-websocket-handler",
        area: Area::Websocket,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`webSocketMessage` awaits `fetch` or several slow calls before replying",
        check: Check::File(check),
    };
}

/// What awaiting an expression costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cost {
    /// Local or fast: storage, body reads, sync helpers.
    Free,
    /// A network round trip (`fetch`).
    Network,
    /// A method named as heavy work (`heavyProcessing`).
    Heavy,
    /// Some other asynchronous call.
    Async,
}

/// `heavyProcessing`, `runExpensiveQuery`, `slowLookup`.
fn names_heavy_work(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["heavy", "expensive", "slow"]
        .iter()
        .any(|word| lower.contains(word))
}

fn is_network_fetch(call: &CallExpression<'_>) -> bool {
    matches!(
        member_path(&call.callee).as_deref(),
        Some(["fetch"] | ["globalThis", "fetch"])
    )
}

/// What a method of the class costs when awaited: network if it (or a method
/// it calls) fetches, async if it awaits something that is not free.
fn method_cost(model: &FileModel<'_>, class: usize, function: NodeId, depth: u8) -> Cost {
    if calls_within(model, function).any(|(_, call)| is_network_fetch(call)) {
        return Cost::Network;
    }
    let mut cost = Cost::Free;
    for (id, node) in model.nodes.descendants(function) {
        // What the method awaits, and a binding's promise it returns
        // unawaited (`return this.env.AI.run(…)`).
        let (argument, returned) = match node.kind {
            AstKind::AwaitExpression(awaited) => (&awaited.argument, false),
            AstKind::ReturnStatement(statement) => match &statement.argument {
                Some(argument) => (argument, true),
                None => continue,
            },
            _ => continue,
        };
        if !directly_in(model, id, function) {
            continue;
        }
        let step = await_cost(model, class, id, argument, depth + 1);
        let step = if returned && step == Cost::Async && !calls_binding(argument) {
            Cost::Free
        } else {
            step
        };
        match step {
            Cost::Network => return Cost::Network,
            Cost::Async | Cost::Heavy => cost = Cost::Async,
            Cost::Free => {}
        }
    }
    cost
}

fn await_cost<'a>(
    model: &FileModel<'a>,
    class: usize,
    id: NodeId,
    argument: &Expression<'a>,
    depth: u8,
) -> Cost {
    let argument = match inner(argument) {
        Expression::AwaitExpression(awaited) => inner(&awaited.argument),
        other => other,
    };
    let call = match argument {
        Expression::CallExpression(call) => call,
        // `await new Promise((resolve) => setTimeout(resolve, ms))`: a wait.
        Expression::NewExpression(new) if identifier_name(&new.callee) == Some("Promise") => {
            return Cost::Async;
        }
        // Awaiting a value or a promise held in a variable.
        _ => return Cost::Free,
    };
    if is_network_fetch(call) {
        return Cost::Network;
    }
    if let Some(name) = this_member(&call.callee) {
        let cost = match method_in_hierarchy(model, class, name) {
            Some(method) if depth <= 3 => method_cost(model, class, method.function, depth),
            _ => Cost::Async,
        };
        // Work its author calls heavy (`this.heavyProcessing`) is slow
        // whatever its body shows.
        return if cost != Cost::Network && names_heavy_work(name) {
            Cost::Heavy
        } else {
            cost
        };
    }
    // `Promise.all([...])` of fetches.
    if member_path(&call.callee).as_deref() == Some(&["Promise", "all"][..])
        || member_path(&call.callee).as_deref() == Some(&["Promise", "allSettled"][..])
    {
        let Some(call_node) = model.node_with_span(id, call.span) else {
            return Cost::Async;
        };
        return if calls_within(model, call_node).any(|(_, inner_call)| is_network_fetch(inner_call))
        {
            Cost::Network
        } else {
            Cost::Async
        };
    }
    let Some((receiver, method)) = method_call(call) else {
        return Cost::Async;
    };
    // Awaited storage calls (`get`, `put`, `list`, `getAlarm`…) are async
    // calls like any other; the synchronous SQL API is free.
    if model.storage_path_at(receiver, id).is_some() {
        return if storage_api::is_async_method(method) {
            Cost::Async
        } else {
            Cost::Free
        };
    }
    let path = member_path(receiver).unwrap_or_default();
    let fast = matches!(
        method,
        "json" | "text" | "arrayBuffer" | "blob" | "formData" | "bytes"
    ) || path.starts_with(&["crypto", "subtle"])
        || path.as_slice() == ["Promise"] && method == "resolve"
        || path.last().is_some_and(|last| *last == "sql");
    if fast { Cost::Free } else { Cost::Async }
}

/// `this.env.X.m(…)`, `env.X.m(…)`: a call on a binding (another service).
fn calls_binding(expression: &Expression<'_>) -> bool {
    let Expression::CallExpression(call) = inner(expression) else {
        return false;
    };
    method_call(call)
        .and_then(|(receiver, _)| member_path(receiver))
        .is_some_and(|path| path.contains(&"env"))
}

/// Whether the call at `id` is in a branch that leaves the handler (an
/// early `return` or `throw` after an error reply), below `function`.
fn in_early_exit(model: &FileModel<'_>, id: NodeId, function: NodeId) -> bool {
    for ancestor in model.nodes.ancestors(id) {
        if ancestor == function {
            return false;
        }
        let exits = |statements: &[Statement<'_>]| {
            statements.iter().any(|statement| {
                matches!(
                    statement,
                    Statement::ReturnStatement(_) | Statement::ThrowStatement(_)
                )
            })
        };
        match model.nodes.kind(ancestor) {
            AstKind::ReturnStatement(_) | AstKind::ThrowStatement(_) => return true,
            AstKind::BlockStatement(block) if exits(&block.body) => return true,
            AstKind::SwitchCase(case) if exits(&case.consequent) => return true,
            AstKind::FunctionBody(_) => return false,
            _ => {}
        }
    }
    false
}

/// A function whose name says it answers (`sendMessage(ws, …)`,
/// `broadcast(…)`, `reply(…)`).
fn names_a_reply(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["send", "reply", "respond", "broadcast", "emit"]
        .iter()
        .any(|verb| lower.contains(verb))
}

/// The first reply in the handler that is not an early error exit: a
/// `.send(…)` on a socket (not a binding's awaited `send`), a class method
/// that sends, or a function named like a reply.
fn first_reply(model: &FileModel<'_>, class: usize, function: NodeId) -> Option<u32> {
    calls_within(model, function)
        .filter(|(id, call)| {
            let replies = match method_call(call) {
                Some((receiver, "send")) => {
                    !model.is_awaited(*id)
                        && !member_path(receiver).is_some_and(|path| path.contains(&"env"))
                }
                _ => match this_member(&call.callee) {
                    Some(name) => method_in_hierarchy(model, class, name).is_some_and(|method| {
                        names_a_reply(name)
                            || method_calls_named(model, method.function, "send")
                                .next()
                                .is_some()
                    }),
                    None => identifier_name(&call.callee).is_some_and(names_a_reply),
                },
            };
            replies && !in_early_exit(model, *id, function)
        })
        .map(|(_, call)| call.span.start)
        .next()
}

/// The longest run of awaits (given in source order) that can all happen
/// in one execution of the handler.
fn longest_path(model: &FileModel<'_>, awaits: &[(NodeId, Span)]) -> Vec<Span> {
    let mut best: Vec<Vec<usize>> = Vec::with_capacity(awaits.len());
    for index in 0..awaits.len() {
        let mut chain: Vec<usize> = Vec::new();
        for previous in 0..index {
            if !model.exclusive_branches(awaits[previous].0, awaits[index].0)
                && best[previous].len() > chain.len()
                && best[previous]
                    .iter()
                    .all(|&step| !model.exclusive_branches(awaits[step].0, awaits[index].0))
            {
                chain = best[previous].clone();
            }
        }
        chain.push(index);
        best.push(chain);
    }
    best.into_iter()
        .max_by_key(Vec::len)
        .unwrap_or_default()
        .into_iter()
        .map(|index| awaits[index].1)
        .collect()
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !class.is_do() {
            continue;
        }
        for method in class.methods.iter().filter(|method| {
            method.role == MethodRole::WebSocketMessage
                    // A framework base dispatches each socket message to its
                    // `onMessage(connection, message)` hook (partyserver,
                    // the Agents SDK): the same handler by another name.
                    || (class.is_framework()
                        && method.role == MethodRole::FrameworkHook
                        && method.name == "onMessage")
        }) {
            let function = method.function;
            let reply = first_reply(model, class_index, function);
            let mut network: Option<(Span, Cost)> = None;
            let mut slow_awaits: Vec<(NodeId, Span)> = Vec::new();
            for (id, node) in model.nodes.descendants(function) {
                let AstKind::AwaitExpression(awaited) = node.kind else {
                    continue;
                };
                if !directly_in(model, id, function)
                    || reply.is_some_and(|reply| awaited.span.start >= reply)
                {
                    continue;
                }
                match await_cost(model, class_index, id, &awaited.argument, 0) {
                    cost @ (Cost::Network | Cost::Heavy) => {
                        network.get_or_insert((awaited.span, cost));
                    }
                    Cost::Async => slow_awaits.push((id, awaited.span)),
                    Cost::Free => {}
                }
            }
            let slow = longest_path(model, &slow_awaits);
            let class_name = class.display_name();
            let handler = format!("{class_name}.{}", method.name);
            let parameters = crate::optimize::model::class_facts::parameter_names(model, function);
            let socket = parameters.first().copied().flatten().unwrap_or("ws");
            let payload = parameters.get(1).copied().flatten().unwrap_or("message");
            let state = state_text(model, class_index);
            let before = if reply.is_some() {
                "before replying"
            } else {
                ""
            };
            let (span, message, first_slow) = if let Some((span, cost)) = network {
                let callee = called_text(model, span);
                let message = if callee == "fetch" {
                    format!("`{handler}` waits for a network round trip (`fetch`) {before}")
                } else if cost == Cost::Heavy {
                    format!("`{handler}` waits for `{callee}` (heavy work by its name) {before}")
                } else {
                    format!(
                        "`{handler}` waits for a network round trip (`{callee}`, which calls `fetch`) {before}"
                    )
                };
                (span, message, callee)
            } else if slow.len() > 2 {
                let names: Vec<String> = slow
                    .iter()
                    .map(|span| format!("`{}`", called_text(model, *span)))
                    .collect();
                (
                    slow[2],
                    format!(
                        "`{handler}` awaits {} async calls ({}) {before}",
                        slow.len(),
                        names.join(", ")
                    ),
                    called_text(model, slow[0]),
                )
            } else {
                continue;
            };
            report.push(
                Violation::new(span, message.trim_end().to_string())
                    .fix(format!(
                        "reply first with `{socket}.send(…)`; move `{first_slow}(…)` and the steps after it into a method and start it with `{state}.waitUntil(…)` instead of awaiting it, or queue `{payload}` in storage and process it from `alarm()`"
                    ))
                    .effect("each message is answered without waiting for the slow calls, and the object can go back to hibernation sooner")
                    .class(class.name),
            );
        }
    }
}

/// The callee of an awaited call, for messages (`this.saveToDatabase`).
fn called_text<'a>(model: &FileModel<'a>, await_span: Span) -> &'a str {
    let text = model.text(await_span);
    let text = text.strip_prefix("await").unwrap_or(text).trim_start();
    let end = text.find('(').unwrap_or(text.len());
    let callee = text[..end].trim();
    if callee.is_empty() || callee.len() > 60 {
        "…"
    } else {
        callee
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [
            // Seed 000 as written: the helpers are not shown.
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketMessage(ws: WebSocket, message: string) {
    const result = await this.heavyProcessing(message);
    await this.saveToDatabase(result);
    ws.send(JSON.stringify(result)); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketMessage(ws: WebSocket, message: string) {
    const result = await this.heavyProcessing(message);
    await this.saveToDatabase(result);
    ws.send(JSON.stringify(result)); }
  private async heavyProcessing(message: string) { const response = await fetch("https://api.example.com", { method: "POST", body: message }); return response.json(); }
  private async saveToDatabase(result: unknown) { this.ctx.storage.sql.exec("INSERT INTO results (body) VALUES (?)", JSON.stringify(result)); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketMessage(ws: WebSocket, message: string) {
    const parsed = JSON.parse(message);
    const validated = await this.validateMessage(parsed);
    const processed = await this.processMessage(validated);
    await this.saveToDatabase(processed);
    ws.send(JSON.stringify(processed)); } }"#,
        ];
        let pass = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject { queue: string[] = [];
  async webSocketMessage(ws: WebSocket, message: string) {
    this.queue.push(message);
    this.ctx.waitUntil(this.processQueue()); }
  private async processQueue() { const r = await fetch("https://api.example.com"); this.queue.shift(); } }"#,
            // Two storage awaits: not more than two async calls.
            r#"import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async webSocketMessage(ws: WebSocket, message: string) {
    const count = ((await this.ctx.storage.get<number>("count")) ?? 0) + 1;
    await this.ctx.storage.put("count", count);
    ws.send(String(count)); } }"#,
            // One await per branch: a message takes one branch.
            r#"import { DurableObject } from "cloudflare:workers";
import { handleJoin, handleLeave, handleMove, sendMessage } from "./handlers";
export class Game extends DurableObject {
  async webSocketMessage(ws: WebSocket, message: string) {
    const data = JSON.parse(message);
    if (!data.type) { sendMessage(ws, { error: "bad" }); return; }
    switch (data.type) {
      case "join": await handleJoin(ws, data); break;
      case "leave": await handleLeave(ws, data); break;
      case "move": await handleMove(ws, data); break;
    } } }"#,
            // The fetch comes after the reply.
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketMessage(ws: WebSocket, message: string) {
    ws.send("ack");
    await fetch("https://hooks.example.com", { method: "POST", body: message }); } }"#,
        ];
        assert_rule("DO303", &pass, &fail, None);
    }
}
