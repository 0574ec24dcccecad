//! DO307 close-not-reciprocated.

use oxc_ast::ast::*;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{calls_within, method_in_hierarchy, parameter_names};
use crate::optimize::model::{FileModel, MethodRole};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, identifier_name, member_path, method_call, this_member};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `webSocketClose(ws, code, reason)` handler that never calls
    /// `ws.close(…)`.
    ///
    /// **Why is this bad?**
    ///
    /// When a client closes a hibernatable socket, `webSocketClose` runs, but the
    /// close handshake is complete only once the server sends its own Close frame.
    /// Without `ws.close(code, reason)` the client waits in `CLOSING` until it times
    /// out and reports an abnormal closure (1006), and the socket lingers in
    /// `ctx.getWebSockets()` in the meantime.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async webSocketClose(ws: WebSocket, code: number, reason: string) {
    ///   this.broadcast(`${ws.deserializeAttachment().name} left`);
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async webSocketClose(ws: WebSocket, code: number, reason: string) {
    ///   this.broadcast(`${ws.deserializeAttachment().name} left`);
    ///   ws.close(code, reason);
    /// }
    /// ```
    ///
    /// (1005 and 1006 are reserved codes that `close()` rejects; answer those
    /// with 1000.)
    ///
    /// **Known problems**
    ///
    /// With a `compatibility_date` of 2026-04-07 or later (or the
    /// `web_socket_auto_reply_to_close` flag, and without
    /// `web_socket_manual_reply_to_close`) the runtime replies to Close frames
    /// itself, so the rule stays quiet for files of such a project; calling
    /// `ws.close()` there is still harmless (partyserver keeps doing it). When the
    /// project has no wrangler config the date is unknown and the rule reports. A
    /// handler that passes the socket to another function (which may close it) is
    /// not reported.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/base/#websocketclose
    /// - https://developers.cloudflare.com/durable-objects/examples/websocket-hibernation-server/
    /// - https://developers.cloudflare.com/changelog/post/2026-04-07-websocket-auto-reply-to-close/
    pub static RULE = Rule {
        name: "close-not-reciprocated",
        area: Area::Websocket,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`webSocketClose` does not call `ws.close(code, reason)`",
        check: Check::File(check),
    };
}

/// The compatibility flag, its opt-out and the date it became the default.
const AUTO_REPLY_FLAG: &str = "web_socket_auto_reply_to_close";
const MANUAL_REPLY_FLAG: &str = "web_socket_manual_reply_to_close";
const AUTO_REPLY_DATE: &str = "2026-04-07";

/// Calls that take a socket without closing it.
fn keeps_socket_open(call: &CallExpression<'_>) -> bool {
    if let Some((receiver, method)) = method_call(call) {
        if matches!(
            method,
            "delete"
                | "get"
                | "has"
                | "set"
                | "add"
                | "getTags"
                | "deserializeAttachment"
                | "serializeAttachment"
                | "indexOf"
                | "includes"
                | "filter"
                | "send"
        ) {
            return true;
        }
        let path = member_path(receiver).unwrap_or_default();
        if matches!(path.first(), Some(&"console" | &"JSON")) {
            return true;
        }
    }
    false
}

/// Whether `function` closes the socket named `socket`: `socket.close(…)`
/// directly, or through a method of the class it passes the socket to, or by
/// passing it to a function we cannot see (benefit of the doubt).
fn closes(model: &FileModel<'_>, class: usize, function: NodeId, socket: &str, depth: u8) -> bool {
    for (_, call) in calls_within(model, function) {
        if let Some((receiver, method)) = method_call(call)
            && method == "close"
            && identifier_name(receiver) == Some(socket)
        {
            return true;
        }
        let position = call.arguments.iter().position(|argument| {
            argument.as_expression().and_then(identifier_name) == Some(socket)
        });
        let Some(position) = position else {
            continue;
        };
        if keeps_socket_open(call) {
            continue;
        }
        match this_member(&call.callee).and_then(|name| method_in_hierarchy(model, class, name)) {
            Some(helper) if depth < 3 => {
                let parameters = parameter_names(model, helper.function);
                match parameters.get(position).copied().flatten() {
                    Some(parameter)
                        if closes(model, class, helper.function, parameter, depth + 1) =>
                    {
                        return true;
                    }
                    Some(_) => {}
                    None => return true,
                }
            }
            // A function outside the class (or too deep): it may close it.
            _ => return true,
        }
    }
    false
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    if context
        .hints
        .compatibility_for(context.path)
        .is_some_and(|hint| hint.enables(AUTO_REPLY_FLAG, MANUAL_REPLY_FLAG, AUTO_REPLY_DATE))
    {
        return;
    }
    for (class_index, class) in model.classes.iter().enumerate() {
        // Framework bases implement webSocketClose themselves.
        if !class.is_do() || class.is_framework() {
            continue;
        }
        for method in class
            .methods
            .iter()
            .filter(|method| method.role == MethodRole::WebSocketClose)
        {
            let parameters = parameter_names(model, method.function);
            let socket = parameters.first().copied().flatten();
            if let Some(socket) = socket
                && closes(model, class_index, method.function, socket, 0)
            {
                continue;
            }
            let class_name = class.display_name();
            let socket = socket.filter(|name| !name.starts_with('_')).unwrap_or("ws");
            let code = parameters
                .get(1)
                .copied()
                .flatten()
                .filter(|name| !name.starts_with('_'));
            let reason = parameters
                .get(2)
                .copied()
                .flatten()
                .filter(|name| !name.starts_with('_'));
            let fix = match (code, reason) {
                (Some(code), Some(reason)) => format!(
                    "end `{class_name}.{}` with `{socket}.close({code}, {reason});` (answer the reserved codes 1005/1006 with 1000)",
                    method.name
                ),
                _ => format!(
                    "take the close code and reason (`webSocketClose({socket}: WebSocket, code: number, reason: string)`) and end the handler with `{socket}.close(code, reason);`"
                ),
            };
            report.push(
                Violation::new(method.key_span, format!(
                    "`{class_name}.{}` never closes its side of the socket: the client waits in CLOSING and sees an abnormal closure (1006)",
                    method.name
                ))
                .fix(fix)
                .effect("clients see a clean close, and closed sockets leave `getWebSockets()` at once")
                .class(class.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::{assert_rule, findings};

    const NO_CLOSE: &str = r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketClose(ws: WebSocket, code: number, reason: string) { console.log(code, reason); } }"#;

    #[test]
    fn pass_and_fail() {
        let pass = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketClose(ws: WebSocket, code: number, reason: string) { ws.close(code, "bye"); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketClose(ws: WebSocket, code: number) { this.leave(ws, code); }
  private leave(socket: WebSocket, code: number) { socket.close(code === 1005 ? 1000 : code); } }"#,
        ];
        assert_rule("DO307", &pass, &[NO_CLOSE], None);
    }

    #[test]
    fn compatibility_date_decides() {
        let old = r#"{ "name": "x", "compatibility_date": "2025-01-01" }"#;
        let new = r#"{ "name": "x", "compatibility_date": "2026-04-07" }"#;
        let opted_out = r#"{ "name": "x", "compatibility_date": "2026-05-01", "compatibility_flags": ["web_socket_manual_reply_to_close"] }"#;
        let opted_in = r#"{ "name": "x", "compatibility_date": "2025-01-01", "compatibility_flags": ["nodejs_compat", "web_socket_auto_reply_to_close"] }"#;
        assert!(!findings("DO307", NO_CLOSE, Some(old)).is_empty());
        assert!(findings("DO307", NO_CLOSE, Some(new)).is_empty());
        assert!(!findings("DO307", NO_CLOSE, Some(opted_out)).is_empty());
        assert!(findings("DO307", NO_CLOSE, Some(opted_in)).is_empty());
    }
}
