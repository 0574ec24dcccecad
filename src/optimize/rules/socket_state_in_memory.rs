//! DO304 socket-state-in-memory.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{
    CollectionKind, calls_within, collection_fields, method_calls_named, parameter_names,
    state_text, uses_hibernation,
};
use crate::optimize::model::{FileModel, MethodRole};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, argument, identifier_name, this_member, type_name};

declare_rule! {
    /// **What it does**
    ///
    /// Reports, in a Durable Object that accepts WebSockets with the hibernation API
    /// (`ctx.acceptWebSocket`), an instance `Map` / `Set` keyed by `WebSocket`
    /// (`Map<WebSocket, …>`, or `.set(ws, …)` / `.add(ws)` with a handler's socket)
    /// that is never rebuilt from `ctx.getWebSockets()`.
    ///
    /// **Why is this bad?**
    ///
    /// Hibernation evicts the object from memory while its sockets stay connected.
    /// When the next message wakes it, the constructor runs again and every
    /// instance field starts empty: the map no longer knows any of the connected
    /// sockets, so lookups fail and broadcasts reach nobody.
    ///
    /// **Example**
    ///
    /// ```ts
    /// private sessions = new Map<WebSocket, { userId: string }>();
    ///
    /// async fetch(request: Request) {
    ///   const [client, server] = Object.values(new WebSocketPair());
    ///   this.ctx.acceptWebSocket(server);
    ///   this.sessions.set(server, { userId: crypto.randomUUID() });
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
    ///   server.serializeAttachment({ userId: crypto.randomUUID() });
    ///   return new Response(null, { status: 101, webSocket: client });
    /// }
    ///
    /// async webSocketMessage(ws: WebSocket, message: string) {
    ///   const { userId } = ws.deserializeAttachment();
    ///   for (const peer of this.ctx.getWebSockets()) peer.send(`${userId}: ${message}`);
    /// }
    /// ```
    ///
    /// or rebuild the map in the constructor from `this.ctx.getWebSockets()` and
    /// each socket's `deserializeAttachment()`.
    ///
    /// **Known problems**
    ///
    /// A map that the class rebuilds from `getWebSockets()` anywhere (usually in
    /// the constructor: a loop that refills it, or one assignment such as `new
    /// Map(ctx.getWebSockets().map(…))`), or that memoizes each socket's
    /// `deserializeAttachment()`, is not reported. Classes that keep sockets with the
    /// standard `accept()` API do not hibernate and are not concerned.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/best-practices/websockets/#websocket-hibernation-api
    /// - https://developers.cloudflare.com/durable-objects/api/websockets/#serializeattachment
    pub static RULE = Rule {
        name: "socket-state-in-memory",
        area: Area::Websocket,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "Per-socket state in an instance `Map`/`Set` keyed by `WebSocket`: emptied on hibernation",
        check: Check::File(check),
    };
}

/// Names that hold a `WebSocket` in `function`: parameters typed
/// `WebSocket`, the first parameter of `webSocketMessage/Close/Error`, and
/// what the function passes to `acceptWebSocket`.
fn socket_names<'a>(
    model: &FileModel<'a>,
    function: NodeId,
    role: Option<MethodRole>,
) -> HashSet<&'a str> {
    let mut names = HashSet::new();
    let params = match model.nodes.kind(function) {
        AstKind::Function(function) => Some(&function.params),
        AstKind::ArrowFunctionExpression(arrow) => Some(&arrow.params),
        _ => None,
    };
    for param in params.iter().flat_map(|params| params.items.iter()) {
        if type_name(param.type_annotation.as_deref()) == Some("WebSocket")
            && let Some(name) = crate::optimize::semantic::binding_name(&param.pattern)
        {
            names.insert(name);
        }
    }
    if matches!(
        role,
        Some(
            MethodRole::WebSocketMessage | MethodRole::WebSocketClose | MethodRole::WebSocketError
        )
    ) && let Some(Some(first)) = parameter_names(model, function).first()
    {
        names.insert(first);
    }
    for (_, call, _) in method_calls_named(model, function, "acceptWebSocket") {
        if let Some(name) = argument(call, 0).and_then(identifier_name) {
            names.insert(name);
        }
    }
    names
}

/// Calls `this.<field>.<method>(…)` in the class: (node, call).
fn field_calls<'m, 'a>(
    model: &'m FileModel<'a>,
    class_node: NodeId,
    field: &'m str,
    methods: &'m [&'m str],
) -> impl Iterator<Item = (NodeId, &'a CallExpression<'a>)> + 'm {
    calls_within(model, class_node).filter(move |(_, call)| {
        crate::optimize::semantic::method_call(call).is_some_and(|(receiver, method)| {
            methods.contains(&method) && this_member(receiver) == Some(field)
        })
    })
}

/// The loop bodies that iterate the sockets a `getWebSockets()` call at `id`
/// returns: `for (const ws of <it>)`, `<it>.forEach(cb)` / `.map(cb)`, also
/// through `const sockets = <it>`.
fn iteration_bodies(model: &FileModel<'_>, id: NodeId) -> Vec<NodeId> {
    let mut bodies = Vec::new();
    let mut iterated = vec![id];
    if let Some(parent) = model.nodes.parent(id)
        && let AstKind::VariableDeclarator(declarator) = model.nodes.kind(parent)
        && let Some(name) = crate::optimize::semantic::binding_name(&declarator.id)
        && let Some(function) = model.nodes.enclosing_function(id)
    {
        for (candidate, node) in model.nodes.descendants(function) {
            if let AstKind::IdentifierReference(ident) = node.kind
                && ident.name == name
            {
                iterated.push(candidate);
            }
        }
    }
    for source in iterated {
        let source_span = model.nodes.kind(source).span();
        for ancestor in model.nodes.ancestors(source).take(4) {
            match model.nodes.kind(ancestor) {
                AstKind::ForOfStatement(statement)
                    if statement.right.span().contains_inclusive(source_span) =>
                {
                    if let Some(body) = model.node_with_span(ancestor, statement.body.span()) {
                        bodies.push(body);
                    }
                }
                AstKind::CallExpression(call) => {
                    if let Some((receiver, "forEach" | "map")) =
                        crate::optimize::semantic::method_call(call)
                        && receiver.span().contains_inclusive(source_span)
                        && let Some(callback) = argument(call, 0)
                        && let Some(function) = model.function_node(callback)
                    {
                        bodies.push(function);
                    }
                }
                _ => {}
            }
        }
    }
    bodies
}

/// Whether the sockets from `getWebSockets()` at `id` are put back into
/// `this.<field>` (the map is rebuilt after hibernation).
fn rebuilds_from(model: &FileModel<'_>, id: NodeId, field: &str) -> bool {
    iteration_bodies(model, id).into_iter().any(|body| {
        field_calls(model, body, field, &["set", "add"])
            .next()
            .is_some()
    })
}

/// `this.<field> = new Map(ctx.getWebSockets().map((ws) => [ws,
/// ws.deserializeAttachment()]))`: the collection is built in one
/// expression from the runtime's list of sockets.
fn assigned_from_sockets(model: &FileModel<'_>, class_node: NodeId, field: &str) -> bool {
    model.nodes.descendants(class_node).any(|(_, node)| {
        let AstKind::AssignmentExpression(assignment) = node.kind else {
            return false;
        };
        let AssignmentTarget::StaticMemberExpression(target) = &assignment.left else {
            return false;
        };
        matches!(target.object, Expression::ThisExpression(_))
            && target.property.name == field
            && model
                .text(assignment.right.span())
                .contains("getWebSockets")
    })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !class.is_do() || !uses_hibernation(model, class_index) {
            continue;
        }
        for field in collection_fields(model, class_index) {
            if !field.kind.is_keyed() {
                continue;
            }
            let keyed_by_socket = field.key_type == Some("WebSocket")
                || field_calls(model, class.node, field.name, &["set", "add"]).any(|(id, call)| {
                    let Some(key) = argument(call, 0).and_then(identifier_name) else {
                        return false;
                    };
                    let Some(function) = model.nodes.enclosing_function(id) else {
                        return false;
                    };
                    let method = model.method_of(class_index, id);
                    let mut sockets =
                        socket_names(model, function, method.map(|method| method.role));
                    if let Some(method) = method {
                        sockets.extend(socket_names(model, method.function, Some(method.role)));
                    }
                    sockets.contains(key)
                });
            if !keyed_by_socket {
                continue;
            }
            // A memo of each socket's attachment (`set(ws, ws.deserializeAttachment())`)
            // refills itself after hibernation.
            let caches_attachment =
                field_calls(model, class.node, field.name, &["set"]).any(|(_, call)| {
                    argument(call, 1).is_some_and(|value| {
                        model
                            .text(oxc_span::GetSpan::span(value))
                            .contains("deserializeAttachment")
                    })
                });
            if caches_attachment {
                continue;
            }
            // Rebuilt from the runtime's list of sockets: survives hibernation.
            let rebuilt = method_calls_named(model, class.node, "getWebSockets")
                .any(|(id, _, _)| rebuilds_from(model, id, field.name))
                || assigned_from_sockets(model, class.node, field.name);
            if rebuilt {
                continue;
            }
            let class_name = class.display_name();
            let state = state_text(model, class_index);
            // The user's own name for the socket, where the map is filled.
            let socket = field_calls(model, class.node, field.name, &["set", "add"])
                .find_map(|(_, call)| argument(call, 0).and_then(identifier_name))
                .unwrap_or("ws");
            let fix = match field.kind {
                CollectionKind::Set | CollectionKind::WeakSet => format!(
                    "list the connected sockets with `{state}.getWebSockets()` (filter with tags: `{state}.acceptWebSocket({socket}, [tag])`, `{state}.getWebSockets(tag)`) instead of `this.{}`",
                    field.name
                ),
                _ => format!(
                    "keep each socket's values on the socket: `{socket}.serializeAttachment({{ … }})` where `this.{}.set({socket}, …)` is now, `ws.deserializeAttachment()` in the handlers, and `{state}.getWebSockets()` to list sockets; or rebuild `this.{}` in `{class_name}`'s constructor from `{state}.getWebSockets()`",
                    field.name, field.name
                ),
            };
            report.push(
                Violation::new(field.span, format!(
                    "`{class_name}.{}` keeps per-socket state in memory, keyed by `WebSocket`: it is empty again after `{class_name}` hibernates, while the sockets stay connected",
                    field.name
                ))
                .fix(fix)
                .effect("per-socket state survives hibernation, so the object can keep hibernating without losing track of its clients")
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
export class Chat extends DurableObject { sessions = new Map<WebSocket, { id: string }>();
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); this.sessions.set(server, { id: "a" });
    return new Response(null, { status: 101, webSocket: client }); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject { constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env); this.names = new Map(); }
  names: Map<unknown, string>;
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) { this.names.set(ws, message);
    for (const peer of this.ctx.getWebSockets()) peer.send(message); } }"#,
        ];
        let pass = [
            // Rebuilt in the constructor from getWebSockets().
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject { sessions = new Map<WebSocket, { id: string }>();
  constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env);
    for (const ws of this.ctx.getWebSockets()) this.sessions.set(ws, ws.deserializeAttachment()); }
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); this.sessions.set(server, { id: "a" });
    return new Response(null, { status: 101, webSocket: client }); } }"#,
            // No hibernation: accept() keeps the object in memory.
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject { sessions = new Set<WebSocket>();
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    server.accept(); this.sessions.add(server);
    return new Response(null, { status: 101, webSocket: client }); } }"#,
            // Keyed by user id, not by socket.
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject { lastSeen = new Map<string, number>();
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) { this.lastSeen.set(message, Date.now()); } }"#,
        ];
        assert_rule("DO304", &pass, &fail, None);
    }
}
