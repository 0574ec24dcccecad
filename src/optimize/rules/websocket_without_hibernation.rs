//! DO301 websocket-without-hibernation.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::FileModel;
use crate::optimize::model::class_facts::{
    calls_within, method_calls_named, parameter_names, state_setup_note, state_text,
};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{
    NodeId, argument, identifier_name, inner, member_path, this_member,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a Durable Object that accepts the server end of a `WebSocketPair`
    /// with `ws.accept()` and handles its messages with
    /// `addEventListener("message", …)` (or `onmessage`), the standard WebSocket
    /// API, instead of the hibernation API `ctx.acceptWebSocket(ws)`.
    ///
    /// **Why is this bad?**
    ///
    /// A socket accepted with `accept()` pins the object in memory for as long as
    /// the socket is open: the object is billed for wall-clock duration even when
    /// nobody sends anything, and it cannot be evicted. With
    /// `ctx.acceptWebSocket(ws)` the runtime keeps the connection open while the
    /// object hibernates, and wakes it only to run `webSocketMessage`,
    /// `webSocketClose` or `webSocketError`.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   const [client, server] = Object.values(new WebSocketPair());
    ///   server.accept();
    ///   server.addEventListener("message", (event) => server.send(`echo: ${event.data}`));
    ///   return new Response(null, { status: 101, webSocket: client });
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   const [client, server] = Object.values(new WebSocketPair());
    ///   this.ctx.acceptWebSocket(server);
    ///   return new Response(null, { status: 101, webSocket: client });
    /// }
    ///
    /// async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    ///   ws.send(`echo: ${message}`);
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// Only sockets that come from a `new WebSocketPair()` created in the class are
    /// considered (directly, or passed to one of its methods, like the chat demo's
    /// `handleSession(pair[1])`). An outbound client socket (the `webSocket` of a
    /// `fetch` response with `Upgrade: websocket`) cannot hibernate and is not
    /// reported, and neither is an `accept()` of a socket that gets no message
    /// listener and is not handed to other code that could listen (for example
    /// one accepted only to be closed with an error code).
    /// A class that also holds an outbound socket (`new WebSocket(url)`, or a
    /// `fetch` response's `webSocket` it accepts) relays between the two and cannot
    /// hibernate either way, so it is not reported.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/best-practices/websockets/
    /// - https://developers.cloudflare.com/durable-objects/examples/websocket-hibernation-server/
    pub static RULE = Rule {
        name: "websocket-without-hibernation",
        area: Area::Websocket,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`ws.accept()` + `addEventListener` instead of `ctx.acceptWebSocket` (no hibernation)",
        check: Check::File(check),
    };
}

/// Names bound to ends of a `WebSocketPair`, and names of pairs, each with
/// the function it is declared in.
#[derive(Default)]
struct PairNames<'a> {
    pairs: HashSet<(Option<NodeId>, &'a str)>,
    ends: HashSet<(Option<NodeId>, &'a str)>,
}

fn strip_await<'b, 'a>(expr: &'b Expression<'a>) -> &'b Expression<'a> {
    match inner(expr) {
        Expression::AwaitExpression(awaited) => inner(&awaited.argument),
        other => other,
    }
}

fn is_new_pair(expr: &Expression<'_>) -> bool {
    matches!(strip_await(expr), Expression::NewExpression(new)
        if identifier_name(&new.callee) == Some("WebSocketPair"))
}

impl<'a> PairNames<'a> {
    /// The functions around `node`, innermost first, then module scope.
    fn scopes(model: &FileModel<'a>, node: NodeId) -> Vec<Option<NodeId>> {
        let mut scopes: Vec<Option<NodeId>> = model
            .nodes
            .ancestors(node)
            .filter(|&ancestor| {
                matches!(
                    model.nodes.kind(ancestor),
                    AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
                )
            })
            .map(Some)
            .collect();
        scopes.push(None);
        scopes
    }

    fn is_pair(&self, model: &FileModel<'a>, expr: &Expression<'a>, node: NodeId) -> bool {
        if is_new_pair(expr) {
            return true;
        }
        let Some(name) = identifier_name(strip_await(expr)) else {
            return false;
        };
        Self::scopes(model, node)
            .into_iter()
            .any(|scope| self.pairs.contains(&(scope, name)))
    }

    /// Whether `expr`, written at `node`, is one end of a pair.
    fn is_end(&self, model: &FileModel<'a>, expr: &Expression<'a>, node: NodeId) -> bool {
        match strip_await(expr) {
            Expression::Identifier(ident) => Self::scopes(model, node)
                .into_iter()
                .any(|scope| self.ends.contains(&(scope, ident.name.as_str()))),
            Expression::ComputedMemberExpression(member) => {
                matches!(inner(&member.expression), Expression::NumericLiteral(_))
                    && self.is_pair(model, &member.object, node)
            }
            _ => false,
        }
    }
}

fn collect_pairs<'a>(model: &FileModel<'a>, class_index: usize) -> PairNames<'a> {
    let mut names = PairNames::default();
    let class_node = model.classes[class_index].node;
    // Two passes: `const pair = new WebSocketPair()` before `pair[1]` aliases.
    for _ in 0..2 {
        for (id, node) in model.nodes.descendants(class_node) {
            let AstKind::VariableDeclarator(declarator) = node.kind else {
                continue;
            };
            let Some(init) = &declarator.init else {
                continue;
            };
            let scope = model.nodes.enclosing_function(id);
            let init_stripped = strip_await(init);
            let values_of_pair = match init_stripped {
                Expression::CallExpression(call) => {
                    member_path(&call.callee).as_deref() == Some(&["Object", "values"][..])
                        && argument(call, 0).is_some_and(|arg| names.is_pair(model, arg, id))
                }
                _ => false,
            };
            let whole_pair = values_of_pair || names.is_pair(model, init, id);
            match &declarator.id {
                BindingPattern::BindingIdentifier(ident) => {
                    if whole_pair {
                        names.pairs.insert((scope, ident.name.as_str()));
                    } else if names.is_end(model, init, id) {
                        names.ends.insert((scope, ident.name.as_str()));
                    }
                }
                BindingPattern::ArrayPattern(_) | BindingPattern::ObjectPattern(_)
                    if whole_pair =>
                {
                    let mut bound = HashSet::new();
                    crate::optimize::model::collect_binding_names(&declarator.id, &mut bound);
                    for name in bound {
                        names.ends.insert((scope, name));
                    }
                }
                _ => {}
            }
        }
    }
    // A pair end passed to a method of the class: that parameter is an end.
    for _ in 0..2 {
        for (id, call) in calls_within(model, class_node) {
            let Some(method_name) = this_member(&call.callee) else {
                continue;
            };
            let Some(method) = model.classes[class_index].method(method_name) else {
                continue;
            };
            let parameters = parameter_names(model, method.function);
            for (position, argument) in call.arguments.iter().enumerate() {
                let Some(expression) = argument.as_expression() else {
                    continue;
                };
                if names.is_end(model, expression, id)
                    && let Some(Some(parameter)) = parameters.get(position)
                {
                    names.ends.insert((Some(method.function), parameter));
                }
            }
        }
    }
    names
}

/// Whether the class attaches a message listener to the socket written
/// `socket_text`: `addEventListener("message", …)` or `onmessage = …`.
fn has_message_listener(model: &FileModel<'_>, class_node: NodeId, socket_text: &str) -> bool {
    let listens =
        method_calls_named(model, class_node, "addEventListener").any(|(_, call, receiver)| {
            model.text(receiver.span()).trim() == socket_text
                && argument(call, 0)
                    .and_then(|event| model.constant_string(event, 0))
                    .is_some_and(|event| event == "message")
        });
    listens
        || model.nodes.descendants(class_node).any(|(_, node)| {
            matches!(node.kind, AstKind::AssignmentExpression(assignment)
                if matches!(&assignment.left, AssignmentTarget::StaticMemberExpression(member)
                    if member.property.name == "onmessage"
                        && model.text(member.object.span()).trim() == socket_text))
        })
}

/// Whether the accepted socket is handed to other code in the same function
/// (`room.handleSocketConnect({ sessionId, socket: server })`), which then
/// listens to it; `send`, `close` and the `Response` do not count.
fn handed_to_a_listener(
    model: &FileModel<'_>,
    accept_call: NodeId,
    socket: &Expression<'_>,
) -> bool {
    let Some(name) = identifier_name(socket) else {
        return false;
    };
    let Some(function) = model.nodes.enclosing_function(accept_call) else {
        return false;
    };
    calls_within(model, function).any(|(id, call)| {
        if id == accept_call {
            return false;
        }
        if let Some((receiver, method)) = crate::optimize::semantic::method_call(call)
            && (identifier_name(receiver) == Some(name)
                || matches!(method, "acceptWebSocket" | "log" | "error" | "warn"))
        {
            return false;
        }
        call.arguments.iter().any(|argument| {
            argument.as_expression().is_some_and(|argument| {
                model
                    .node_with_span(id, argument.span())
                    .is_some_and(|node| model.referenced_names(node).contains(&name))
            })
        })
    })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !class.is_do() {
            continue;
        }
        let pairs = collect_pairs(model, class_index);
        if pairs.ends.is_empty() && pairs.pairs.is_empty() {
            continue;
        }
        // An object that also holds an outbound socket (a relay) cannot
        // hibernate whatever API its server sockets use.
        let holds_client_socket = method_calls_named(model, class.node, "accept")
            .any(|(id, _, receiver)| !pairs.is_end(model, receiver, id))
            || model.nodes.descendants(class.node).any(|(_, node)| {
                matches!(node.kind, AstKind::NewExpression(new)
                    if identifier_name(&new.callee) == Some("WebSocket"))
            });
        if holds_client_socket {
            continue;
        }
        for (id, call, receiver) in method_calls_named(model, class.node, "accept") {
            if model.class_of(id) != Some(class_index) || !pairs.is_end(model, receiver, id) {
                continue;
            }
            let socket = model.text(receiver.span()).trim();
            if !has_message_listener(model, class.node, socket)
                && !handed_to_a_listener(model, id, receiver)
            {
                continue;
            }
            // `accept({ allowHalfOpen: true })` is a proxy: it forwards frames.
            if argument(call, 0).is_some() {
                continue;
            }
            let class_name = class.display_name();
            let state = state_text(model, class_index);
            let note = state_setup_note(model, class_index)
                .map(|note| format!("; {note}"))
                .unwrap_or_default();
            let method = model
                .method_of(class_index, id)
                .map(|method| format!(" in `{class_name}.{}`", method.name))
                .unwrap_or_default();
            report.push(
                Violation::new(call.span, format!(
                    "`{socket}.accept()`{method} uses the standard WebSocket API: `{class_name}` stays in memory, billed, for as long as the socket is open"
                ))
                .fix(if has_message_listener(model, class.node, socket) {
                    format!(
                        "call `{state}.acceptWebSocket({socket})` instead of `{socket}.accept()`, and move the `message`/`close` listeners into `async webSocketMessage(ws, message)` and `async webSocketClose(ws, code, reason)` methods of `{class_name}`{note}"
                    )
                } else {
                    format!(
                        "call `{state}.acceptWebSocket({socket})` instead of `{socket}.accept()`, and pass each message on from `async webSocketMessage(ws, message)` in `{class_name}` (the code `{socket}` is handed to must then be fed messages instead of listening){note}"
                    )
                })
                .effect("the object hibernates between messages while clients stay connected: no duration charges while idle")
                .class(class.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject { async fetch() {
  const [client, server] = Object.values(new WebSocketPair());
  server.accept();
  server.addEventListener("message", (event) => server.send(String(event.data)));
  return new Response(null, { status: 101, webSocket: client }); } }"#,
            r#"export class ChatRoom {
  constructor(private state: DurableObjectState, env: unknown) {}
  async fetch() { const pair = new WebSocketPair(); await this.handleSession(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] }); }
  async handleSession(websocket: WebSocket) { websocket.accept();
    websocket.addEventListener('message', (event) => websocket.send(event.data)); } }"#,
            // Handed to a sync library that listens to it (tldraw's TLSocketRoom).
            r#"import { DurableObject } from "cloudflare:workers";
export class Whiteboard extends DurableObject { room: any;
  async connect(sessionId: string) {
    const { 0: clientWebSocket, 1: serverWebSocket } = new WebSocketPair();
    serverWebSocket.accept();
    this.room.handleSocketConnect({ sessionId, socket: serverWebSocket });
    return new Response(null, { status: 101, webSocket: clientWebSocket }); } }"#,
        ];
        let pass = [
            // Hibernation API.
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject { async fetch() {
  const [client, server] = Object.values(new WebSocketPair());
  this.ctx.acceptWebSocket(server);
  return new Response(null, { status: 101, webSocket: client }); } }"#,
            // Accepted only to be closed with an application code.
            r#"import { DurableObject } from "cloudflare:workers";
export class Gate extends DurableObject { async fetch() {
  const [client, server] = Object.values(new WebSocketPair());
  server.accept(); server.close(4001, "unauthorized");
  return new Response(null, { status: 101, webSocket: client }); } }"#,
            // An outbound client socket cannot hibernate.
            r#"import { DurableObject } from "cloudflare:workers";
export class Relay extends DurableObject { async connect() {
  const response = await fetch("https://upstream.example.com", { headers: { Upgrade: "websocket" } });
  const socket = response.webSocket!;
  socket.accept();
  socket.addEventListener("message", (event) => console.log(event.data)); } }"#,
            // A Worker (no class) terminating a socket.
            r#"export default { async fetch() {
  const [client, server] = Object.values(new WebSocketPair());
  server.accept();
  server.addEventListener("message", (event) => server.send(String(event.data)));
  return new Response(null, { status: 101, webSocket: client }); } };"#,
        ];
        assert_rule("DO301", &pass, &fail, None);
    }
}
