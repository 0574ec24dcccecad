//! DO305 unknown-lifecycle-handler.

use oxc_ast::AstKind;
use oxc_span::Span;

use crate::optimize::finding::{Applicability, Area, Severity};
use crate::optimize::model::{FileModel, MethodRole, StoragePath};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::text::Edit;

use crate::optimize::model::class_facts::{
    edit_distance, method_calls_named, method_in_hierarchy, runtime_dispatched, state_text,
    uses_hibernation,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a method of a Durable Object class whose name looks like a handler
    /// the runtime calls, but is not one: `webSocketOpen`, `onMessage`, `onClose`,
    /// `onAlarm`, `webSocketMessages`, `websocketMessage`… The runtime calls only
    /// `fetch`, `alarm`, `webSocketMessage`, `webSocketClose` and `webSocketError`.
    ///
    /// **Why is this bad?**
    ///
    /// Nothing ever calls the method: the code in it silently never runs. A
    /// `webSocketOpen` that registers the user means every later message finds no
    /// user; an `onAlarm` means the alarm fires into the default (no) handler.
    ///
    /// **Example**
    ///
    /// ```ts
    /// export class ChatRoom extends DurableObject {
    ///   async onMessage(ws: WebSocket, message: string) { … }
    ///   async webSocketOpen(ws: WebSocket) { … }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// export class ChatRoom extends DurableObject {
    ///   async webSocketMessage(ws: WebSocket, message: string) { … }
    ///   async fetch(request: Request) {
    ///     const [client, server] = Object.values(new WebSocketPair());
    ///     this.ctx.acceptWebSocket(server);
    ///     // what webSocketOpen meant to do: the socket is open here
    ///     return new Response(null, { status: 101, webSocket: client });
    ///   }
    /// }
    /// ```
    ///
    /// **Fix safety**
    ///
    /// The rename is offered as an unsafe fix: once renamed, the runtime starts
    /// calling the method, which changes what the object does.
    ///
    /// **Known problems**
    ///
    /// Framework hook names (`onMessage`, `onConnect`, `onClose`, `onError`,
    /// `onAlarm`, `onStart`, `onRequest`) are real handlers in subclasses of
    /// partyserver's `Server`, the Agents SDK's `Agent` / `AIChatAgent` and
    /// `@cloudflare/actors`' `Actor`, and in classes that install their own
    /// dispatcher (`Lifecycle.install(this)`): those are not reported, nor are
    /// classes whose base class lives in another file. A method whose name is used
    /// anywhere else in the file (called as a helper, passed as a listener, called
    /// on a stub) is not reported, nor is one whose real counterpart already
    /// exists. `on…` WebSocket names are checked only in classes that call
    /// `acceptWebSocket` or define a `webSocket…` handler, and `onAlarm` only where
    /// the code sets alarms.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/base/
    /// - https://developers.cloudflare.com/durable-objects/api/websockets/
    /// - https://developers.cloudflare.com/durable-objects/api/alarms/
    pub static RULE = Rule {
        name: "unknown-lifecycle-handler",
        area: Area::Websocket,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::Sometimes,
        summary: "A method named like a handler the runtime never calls (`webSocketOpen`, `onMessage`…)",
        check: Check::File(check),
    };
}

/// What a name is mistaken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meant {
    /// A real handler to rename to.
    Handler(&'static str),
    /// A connect event, which the hibernation API does not have.
    Open,
}

/// Which condition a misname needs before it is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    /// The class accepts hibernatable sockets.
    Hibernation,
    /// The code sets alarms.
    Alarms,
}

/// Known misnames, written as found in real code.
const MISNAMES: &[(&str, Meant, Needs)] = &[
    ("webSocketOpen", Meant::Open, Needs::Nothing),
    ("websocketOpen", Meant::Open, Needs::Nothing),
    ("webSocketConnect", Meant::Open, Needs::Nothing),
    ("webSocketConnected", Meant::Open, Needs::Nothing),
    ("onWebSocketOpen", Meant::Open, Needs::Nothing),
    (
        "onWebSocketMessage",
        Meant::Handler("webSocketMessage"),
        Needs::Nothing,
    ),
    (
        "onWebSocketClose",
        Meant::Handler("webSocketClose"),
        Needs::Nothing,
    ),
    (
        "onWebSocketError",
        Meant::Handler("webSocketError"),
        Needs::Nothing,
    ),
    ("onOpen", Meant::Open, Needs::Hibernation),
    ("onConnect", Meant::Open, Needs::Hibernation),
    (
        "onMessage",
        Meant::Handler("webSocketMessage"),
        Needs::Hibernation,
    ),
    (
        "onClose",
        Meant::Handler("webSocketClose"),
        Needs::Hibernation,
    ),
    (
        "onError",
        Meant::Handler("webSocketError"),
        Needs::Hibernation,
    ),
    ("onAlarm", Meant::Handler("alarm"), Needs::Alarms),
    ("onalarm", Meant::Handler("alarm"), Needs::Alarms),
    ("alarms", Meant::Handler("alarm"), Needs::Alarms),
];

const WEBSOCKET_HANDLERS: &[&str] = &["webSocketMessage", "webSocketClose", "webSocketError"];

/// What `name` is likely meant to be, and what it needs to be reported.
fn misname(name: &str) -> Option<(Meant, Needs)> {
    if let Some((_, meant, needs)) = MISNAMES.iter().find(|(known, _, _)| *known == name) {
        return Some((*meant, *needs));
    }
    let lower = name.to_ascii_lowercase();
    for handler in WEBSOCKET_HANDLERS {
        if name == *handler {
            return None;
        }
        let real = handler.to_ascii_lowercase();
        if lower == real || (lower.starts_with("websocket") && edit_distance(&lower, &real) <= 2) {
            return Some((Meant::Handler(handler), Needs::Nothing));
        }
    }
    for handler in ["fetch", "alarm"] {
        if name != handler && lower == handler {
            return Some((Meant::Handler(handler), Needs::Nothing));
        }
    }
    None
}

/// Whether `name` is used anywhere in the file besides the method's own key
/// (`this.name(…)`, `stub.name(…)`, a listener `this.name`, a string):
/// comments do not count.
fn referenced_elsewhere(model: &FileModel<'_>, name: &str, key: Span) -> bool {
    model.nodes.iter().any(|(_, node)| {
        let (text, span) = match node.kind {
            AstKind::IdentifierName(ident) => (ident.name.as_str(), ident.span),
            AstKind::IdentifierReference(ident) => (ident.name.as_str(), ident.span),
            AstKind::StringLiteral(literal) => (literal.value.as_str(), literal.span),
            _ => return false,
        };
        text == name && span != key && !key.contains_inclusive(span)
    })
}

fn sets_alarms(model: &FileModel<'_>) -> bool {
    model.calls.iter().any(|&id| {
        matches!(model.nodes.kind(id), AstKind::CallExpression(call)
        if crate::optimize::semantic::method_call(call).is_some_and(|(receiver, method)| {
            method == "setAlarm"
                && (model.storage_path_at(receiver, id) == Some(StoragePath::Storage)
                    || model.text(oxc_span::GetSpan::span(receiver)).ends_with("storage"))
        }))
    })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !runtime_dispatched(model, class_index) {
            continue;
        }
        for method in &class.methods {
            if method.role != MethodRole::Rpc {
                continue;
            }
            let Some((meant, needs)) = misname(method.name) else {
                continue;
            };
            if referenced_elsewhere(model, method.name, method.key_span) {
                continue;
            }
            let needed = match needs {
                Needs::Nothing => true,
                Needs::Hibernation => {
                    uses_hibernation(model, class_index)
                        || class.methods.iter().any(|other| {
                            matches!(
                                other.role,
                                MethodRole::WebSocketMessage
                                    | MethodRole::WebSocketClose
                                    | MethodRole::WebSocketError
                            )
                        })
                }
                Needs::Alarms => sets_alarms(model),
            };
            if !needed {
                continue;
            }
            let class_name = class.display_name();
            let name = method.name;
            let violation = match meant {
                Meant::Handler(handler) => {
                    if method_in_hierarchy(model, class_index, handler).is_some() {
                        continue;
                    }
                    let renamable = model.text(method.key_span) == name;
                    let violation = Violation::new(method.key_span, format!(
                        "the runtime never calls `{class_name}.{name}`: the handler it calls is `{handler}`"
                    ))
                    .fix(format!("rename `{name}` to `{handler}`"))
                    .effect(format!("the code in `{name}` runs when the runtime delivers the event, instead of never"));
                    if renamable {
                        violation.edits(
                            vec![Edit {
                                range: crate::optimize::model::range(method.key_span),
                                replacement: handler.to_string(),
                            }],
                            Applicability::Unsafe,
                        )
                    } else {
                        violation
                    }
                }
                Meant::Open => {
                    let state = state_text(model, class_index);
                    let accepts = method_calls_named(model, class.node, "acceptWebSocket")
                        .next()
                        .map(|(_, call, _)| model.text(call.span).to_string())
                        .unwrap_or_else(|| format!("{state}.acceptWebSocket(server)"));
                    Violation::new(method.key_span, format!(
                        "the runtime never calls `{class_name}.{name}`: the hibernation API has no open event"
                    ))
                    .fix(format!(
                        "do this work in `{class_name}.fetch`, right after `{accepts}` (the socket is open there), and keep per-socket values with `serializeAttachment`"
                    ))
                    .effect(format!("the set-up in `{name}` actually runs for each new connection"))
                }
            };
            report.push(violation.class(class.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Meant, misname};
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn names() {
        assert_eq!(
            misname("webSocketMessages").map(|m| m.0),
            Some(Meant::Handler("webSocketMessage"))
        );
        assert_eq!(
            misname("websocketClose").map(|m| m.0),
            Some(Meant::Handler("webSocketClose"))
        );
        assert_eq!(misname("webSocketOpen").map(|m| m.0), Some(Meant::Open));
        assert_eq!(misname("webSocketMessage"), None);
        assert_eq!(misname("handleMessage"), None);
        assert_eq!(misname("alarm"), None);
    }

    #[test]
    fn pass_and_fail() {
        let fail = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketOpen(ws: WebSocket) { ws.send("hello"); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async onMessage(ws: WebSocket, message: string) { ws.send(message); } }"#,
        ];
        let pass = [
            // A partyserver hook.
            r#"import { Server } from "partyserver";
export class Chat extends Server { onMessage(connection: unknown, message: string) {} onConnect() {} }"#,
            // A helper called from the real handler.
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) { this.onMessage(ws, message); }
  onMessage(ws: WebSocket, message: string) { ws.send(message); } }"#,
            // A class with its own dispatcher.
            r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env); Lifecycle.install(this); }
  async onAlarm() {} async alarmz() { await this.ctx.storage.setAlarm(1); } }"#,
        ];
        assert_rule("DO305", &pass, &fail, None);
    }
}
