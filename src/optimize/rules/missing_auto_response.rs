//! DO306 missing-auto-response.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{
    method_calls_named, parameter_names, state_text, uses_hibernation,
};
use crate::optimize::model::{FileModel, MethodRole};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{
    NodeId, argument, identifier_name, inner, member_path, method_call,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a hibernating Durable Object (one that calls `ctx.acceptWebSocket`)
    /// whose `webSocketMessage` answers a constant message with a constant reply,
    /// such as `if (message === "ping") ws.send("pong")`, and does nothing else for
    /// it.
    ///
    /// **Why is this bad?**
    ///
    /// Each such keep-alive message wakes the object from hibernation, runs the
    /// constructor and the handler, and is billed, only to send a fixed string. The
    /// runtime can answer it without waking the object.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async webSocketMessage(ws: WebSocket, message: string) {
    ///   if (message === "ping") {
    ///     ws.send("pong");
    ///     return;
    ///   }
    ///   // …
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// constructor(ctx: DurableObjectState, env: Env) {
    ///   super(ctx, env);
    ///   ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    /// }
    /// ```
    ///
    /// `ctx.getWebSocketAutoResponseTimestamp(ws)` tells when a socket last pinged.
    ///
    /// **Known problems**
    ///
    /// Only a branch that does nothing but send the constant reply (and return) is
    /// reported: a heartbeat that also records something, or a ping recognised
    /// inside JSON (`data.type === "ping"`, where the exact text can vary), is left
    /// alone. Classes that already call `setWebSocketAutoResponse` are not
    /// reported.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/state/#setwebsocketautoresponse
    /// - https://developers.cloudflare.com/durable-objects/best-practices/websockets/
    pub static RULE = Rule {
        name: "missing-auto-response",
        area: Area::Websocket,
        severity: Severity::Info,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A constant ping answered in `webSocketMessage` instead of `setWebSocketAutoResponse`",
        check: Check::File(check),
    };
}

/// A compile-time string reply: a literal, a constant, or
/// `JSON.stringify({ … })` of literals (kept as source text).
fn constant_reply(model: &FileModel<'_>, expr: &Expression<'_>) -> Option<String> {
    if let Some(text) = model.constant_string(expr, 0) {
        return Some(format!("{text:?}"));
    }
    let Expression::CallExpression(call) = inner(expr) else {
        return None;
    };
    if member_path(&call.callee).as_deref() != Some(&["JSON", "stringify"][..]) {
        return None;
    }
    let Expression::ObjectExpression(object) = inner(argument(call, 0)?) else {
        return None;
    };
    let literal = object.properties.iter().all(|property| match property {
        ObjectPropertyKind::ObjectProperty(property) => matches!(
            inner(&property.value),
            Expression::StringLiteral(_)
                | Expression::NumericLiteral(_)
                | Expression::BooleanLiteral(_)
                | Expression::NullLiteral(_)
        ),
        ObjectPropertyKind::SpreadProperty(_) => false,
    });
    literal.then(|| model.text(call.span).to_string())
}

/// Whether `expr` is the handler's message: `message`, `String(message)`,
/// `message.toString()`, `message.trim()`.
fn is_message(expr: &Expression<'_>, names: &[&str]) -> bool {
    match inner(expr) {
        Expression::Identifier(ident) => names.contains(&ident.name.as_str()),
        Expression::CallExpression(call) => {
            if identifier_name(&call.callee) == Some("String") {
                return argument(call, 0).is_some_and(|arg| is_message(arg, names));
            }
            method_call(call).is_some_and(|(receiver, method)| {
                matches!(method, "toString" | "trim") && is_message(receiver, names)
            })
        }
        _ => false,
    }
}

/// The constant a test compares the message to (`message === "ping"`, also
/// `"ping" == message`, and `||` of such comparisons: the first constant).
fn compared_constant(
    model: &FileModel<'_>,
    test: &Expression<'_>,
    names: &[&str],
) -> Option<String> {
    match inner(test) {
        Expression::BinaryExpression(binary)
            if matches!(
                binary.operator,
                BinaryOperator::StrictEquality | BinaryOperator::Equality
            ) =>
        {
            if is_message(&binary.left, names) {
                model.constant_string(&binary.right, 0)
            } else if is_message(&binary.right, names) {
                model.constant_string(&binary.left, 0)
            } else {
                None
            }
        }
        Expression::LogicalExpression(logical) if logical.operator == LogicalOperator::Or => {
            let left = compared_constant(model, &logical.left, names)?;
            compared_constant(model, &logical.right, names)?;
            Some(left)
        }
        _ => None,
    }
}

/// The constant reply of a branch that does nothing else:
/// `ws.send("pong")`, optionally followed by `return`.
fn only_constant_send(
    model: &FileModel<'_>,
    statements: &[&Statement<'_>],
    socket: &str,
) -> Option<String> {
    let mut reply = None;
    for statement in statements {
        match statement {
            Statement::ExpressionStatement(expression) => {
                let Expression::CallExpression(call) = inner(&expression.expression) else {
                    return None;
                };
                let (receiver, method) = method_call(call)?;
                if method != "send" || identifier_name(receiver) != Some(socket) || reply.is_some()
                {
                    return None;
                }
                reply = Some(constant_reply(model, argument(call, 0)?)?);
            }
            Statement::ReturnStatement(statement) if statement.argument.is_none() => {}
            _ => return None,
        }
    }
    reply
}

fn branch_statements<'b, 'a>(statement: &'b Statement<'a>) -> Vec<&'b Statement<'a>> {
    match statement {
        Statement::BlockStatement(block) => block.body.iter().collect(),
        other => vec![other],
    }
}

/// Names bound to the message in the handler: its parameter, and simple
/// aliases (`const text = message.toString()`).
fn message_names<'a>(model: &FileModel<'a>, function: NodeId, parameter: &'a str) -> Vec<&'a str> {
    let mut names = vec![parameter];
    for (_, node) in model.nodes.descendants(function) {
        if let AstKind::VariableDeclarator(declarator) = node.kind
            && let (Some(name), Some(init)) = (
                crate::optimize::semantic::binding_name(&declarator.id),
                &declarator.init,
            )
            && is_message(init, &names)
        {
            names.push(name);
        }
    }
    names
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !class.is_do() || !uses_hibernation(model, class_index) {
            continue;
        }
        if method_calls_named(model, class.node, "setWebSocketAutoResponse")
            .next()
            .is_some()
        {
            continue;
        }
        for method in class
            .methods
            .iter()
            .filter(|method| method.role == MethodRole::WebSocketMessage)
        {
            let parameters = parameter_names(model, method.function);
            let (Some(Some(socket)), Some(Some(message))) = (parameters.first(), parameters.get(1))
            else {
                continue;
            };
            let names = message_names(model, method.function, message);
            let mut found: Option<(Span, String, String)> = None;
            for (id, node) in model.nodes.descendants(method.function) {
                if model.nodes.enclosing_function(id) != Some(method.function) {
                    continue;
                }
                match node.kind {
                    AstKind::IfStatement(statement) => {
                        let Some(request) = compared_constant(model, &statement.test, &names)
                        else {
                            continue;
                        };
                        if let Some(reply) = only_constant_send(
                            model,
                            &branch_statements(&statement.consequent),
                            socket,
                        ) {
                            found = Some((statement.test.span(), request, reply));
                            break;
                        }
                    }
                    AstKind::SwitchStatement(statement)
                        if is_message(&statement.discriminant, &names) =>
                    {
                        for case in &statement.cases {
                            let Some(request) = case
                                .test
                                .as_ref()
                                .and_then(|test| model.constant_string(test, 0))
                            else {
                                continue;
                            };
                            let body: Vec<&Statement<'_>> = case
                                .consequent
                                .iter()
                                .flat_map(|statement| branch_statements(statement))
                                .filter(|statement| {
                                    !matches!(statement, Statement::BreakStatement(_))
                                })
                                .collect();
                            if let Some(reply) = only_constant_send(model, &body, socket) {
                                found = Some((case.span, request, reply));
                                break;
                            }
                        }
                        if found.is_some() {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some((span, request, reply)) = found else {
                continue;
            };
            let class_name = class.display_name();
            let state = state_text(model, class_index);
            report.push(
                Violation::new(span, format!(
                    "`{class_name}.{}` answers the constant {request:?} with {reply}: every such message wakes the hibernating object just to reply",
                    method.name
                ))
                .fix(format!(
                    "in `{class_name}`'s constructor: `{state}.setWebSocketAutoResponse(new WebSocketRequestResponsePair({request:?}, {reply}))`, and drop this branch"
                ))
                .effect("keep-alive messages are answered by the runtime without waking the object or billing duration")
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
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) {
    if (message === "ping") { ws.send("pong"); return; }
    for (const peer of this.ctx.getWebSockets()) peer.send(message); } }"#];
        let pass = [
            // Already auto-responding.
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong")); }
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) { if (message === "ping") { ws.send("pong"); return; } } }"#,
            // A JSON ping: the text varies.
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) { const data = JSON.parse(message);
    if (data.type === "ping") { ws.send(JSON.stringify({ type: "pong" })); } } }"#,
            // The heartbeat also records something.
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server); return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) {
    if (message === "ping") { ws.serializeAttachment({ lastPing: Date.now() }); ws.send("pong"); } } }"#,
        ];
        assert_rule("DO306", &pass, &fail, None);
    }
}
