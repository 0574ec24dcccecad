//! DO308 large-attachment.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::FileModel;
use crate::optimize::model::class_facts::{
    CollectionField, collection_fields, method_calls_named, storage_text,
};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{
    NodeId, argument, binding_name, identifier_name, inner, key_name, member_path, method_call,
    this_member,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports `ws.serializeAttachment(value)` where the value is, or holds, a
    /// collection that grows: an instance array / `Map` / `Set` field, a spread or
    /// copy of one (`[...history, message]`), a local array that is pushed to, or a
    /// value named like a history (`history`, `messages`, `log`, `backlog`,
    /// `transcript`).
    ///
    /// **Why is this bad?**
    ///
    /// A socket's attachment is limited to 16 KiB (16,384 bytes) once serialized. A value
    /// that grows with the conversation passes in tests and then throws in
    /// production the first time it crosses the limit; until then it is copied on
    /// every `serializeAttachment`.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const attachment = ws.deserializeAttachment();
    /// ws.serializeAttachment({ ...attachment, history: [...attachment.history, message] });
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// ws.serializeAttachment({ userId, roomId }); // small, fixed identity
    /// this.ctx.storage.sql.exec(
    ///   "INSERT INTO messages (user_id, body) VALUES (?, ?)", userId, message);
    /// ```
    ///
    /// **Known problems**
    ///
    /// Small fixed values are not reported: an object of scalars, a spread of the
    /// previous attachment (`{ ...ws.deserializeAttachment(), name }`), a tuple
    /// written out element by element, or a bounded slice (`messages.slice(-5)`).
    /// Growth through variables the rule cannot follow is missed.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/websockets/#serializeattachment
    /// - https://developers.cloudflare.com/durable-objects/platform/limits/
    pub static RULE = Rule {
        name: "large-attachment",
        area: Area::Websocket,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`serializeAttachment` given a growing collection (attachments are limited to 16 KiB)",
        check: Check::File(check),
    };
}

/// Words that name a growing record of things.
const HISTORY_WORDS: &[&str] = &[
    "history",
    "histories",
    "messages",
    "log",
    "logs",
    "backlog",
    "transcript",
    "transcripts",
];

/// Whether an identifier names a history: one of its camelCase / snake_case
/// words is in [`HISTORY_WORDS`] (`chatHistory`, `all_messages`).
fn names_history(name: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in name.chars() {
        if c == '_' || c == '$' {
            words.push(std::mem::take(&mut current));
        } else if c.is_ascii_uppercase() {
            words.push(std::mem::take(&mut current));
            current.push(c.to_ascii_lowercase());
        } else {
            current.push(c);
        }
    }
    words.push(current);
    words
        .iter()
        .any(|word| HISTORY_WORDS.contains(&word.as_str()))
}

struct Scope<'m, 'a> {
    model: &'m FileModel<'a>,
    fields: Vec<CollectionField<'a>>,
    /// The function the call is in.
    function: Option<NodeId>,
}

impl<'a> Scope<'_, 'a> {
    /// Why `expr` grows, in words, or `None` when it looks small and fixed.
    fn growing(&self, expr: &Expression<'a>, depth: u8) -> Option<String> {
        if depth > 4 {
            return None;
        }
        let model = self.model;
        match inner(expr) {
            Expression::Identifier(ident) => {
                let name = ident.name.as_str();
                if names_history(name) {
                    return Some(format!("`{name}`"));
                }
                self.local_grows(name, depth)
            }
            Expression::StaticMemberExpression(member) => {
                let property = member.property.name.as_str();
                if let Some(field) = this_member(expr)
                    && self.fields.iter().any(|candidate| candidate.name == field)
                {
                    return Some(format!("the whole `this.{field}` collection"));
                }
                // `attachment.history`, `this.state.messages`.
                names_history(property).then(|| format!("`{}`", model.text(member.span)))
            }
            Expression::ArrayExpression(array) => {
                array.elements.iter().find_map(|element| match element {
                    ArrayExpressionElement::SpreadElement(spread) => Some(
                        self.growing(&spread.argument, depth + 1)
                            .unwrap_or_else(|| {
                                format!("a copy of `{}`", model.text(spread.argument.span()))
                            }),
                    )
                    .map(|why| format!("an array spread from {why}")),
                    other => other
                        .as_expression()
                        .and_then(|element| self.growing(element, depth + 1)),
                })
            }
            Expression::ObjectExpression(object) => {
                object
                    .properties
                    .iter()
                    .find_map(|property| match property {
                        ObjectPropertyKind::ObjectProperty(property) => {
                            if let Some(key) = key_name(&property.key)
                                && names_history(key)
                                && !is_small_literal(&property.value)
                            {
                                return Some(format!("a `{key}` property"));
                            }
                            self.growing(&property.value, depth + 1)
                        }
                        // `{ ...ws.deserializeAttachment(), name }` merges the
                        // previous attachment; a spread of a field collection grows.
                        ObjectPropertyKind::SpreadProperty(spread) => this_member(&spread.argument)
                            .filter(|field| {
                                self.fields.iter().any(|candidate| candidate.name == *field)
                            })
                            .map(|field| format!("a spread of `this.{field}`")),
                    })
            }
            Expression::CallExpression(call) => {
                let path = member_path(&call.callee).unwrap_or_default();
                match path.as_slice() {
                    ["Array", "from"]
                    | ["Object", "fromEntries"]
                    | ["JSON", "stringify"]
                    | ["structuredClone"] => {
                        argument(call, 0).and_then(|value| self.growing(value, depth + 1))
                    }
                    _ => {
                        let (receiver, method) = method_call(call)?;
                        match method {
                            // A bounded window is fine.
                            "slice" | "at" | "find" | "get" | "size" => None,
                            "concat" | "map" | "filter" | "values" | "entries" | "keys"
                            | "toArray" => self.growing(receiver, depth + 1),
                            _ => None,
                        }
                    }
                }
            }
            _ => None,
        }
    }

    /// A local array in the same function that is pushed to, or whose
    /// initializer grows.
    fn local_grows(&self, name: &'a str, depth: u8) -> Option<String> {
        let function = self.function?;
        let model = self.model;
        let pushed = method_calls_named(model, function, "push")
            .chain(method_calls_named(model, function, "unshift"))
            .any(|(_, _, receiver)| identifier_name(receiver) == Some(name));
        if pushed {
            return Some(format!("`{name}`, an array that is pushed to"));
        }
        model
            .nodes
            .descendants(function)
            .find_map(|(_, node)| match node.kind {
                AstKind::VariableDeclarator(declarator)
                    if binding_name(&declarator.id) == Some(name) =>
                {
                    declarator
                        .init
                        .as_ref()
                        .and_then(|init| self.growing(init, depth + 1))
                }
                _ => None,
            })
    }
}

/// `[]`-free literals: strings, numbers, booleans, `null`.
fn is_small_literal(expr: &Expression<'_>) -> bool {
    matches!(
        inner(expr),
        Expression::StringLiteral(_)
            | Expression::NumericLiteral(_)
            | Expression::BooleanLiteral(_)
            | Expression::NullLiteral(_)
    )
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for &id in &model.calls {
        let AstKind::CallExpression(call) = model.nodes.kind(id) else {
            continue;
        };
        let Some((receiver, "serializeAttachment")) = method_call(call) else {
            continue;
        };
        let Some(value) = argument(call, 0) else {
            continue;
        };
        let class = model.class_of(id);
        let scope = Scope {
            model,
            fields: class
                .filter(|&index| model.classes[index].is_do())
                .map(|index| collection_fields(model, index))
                .unwrap_or_default(),
            function: model.nodes.enclosing_function(id),
        };
        let Some(why) = scope.growing(value, 0) else {
            continue;
        };
        let socket = model.text(receiver.span());
        let storage = class
            .filter(|&index| model.classes[index].is_do())
            .map(|index| storage_text(model, index))
            .unwrap_or_else(|| "this.ctx.storage".to_string());
        report.push(
            Violation::new(call.span, format!(
                "`{socket}.serializeAttachment(…)` is given {why}: it grows with use, and an attachment over 16 KiB (16,384 bytes) throws"
            ))
            .fix(format!(
                "keep only small, fixed values in `{socket}`'s attachment (ids, names, flags) and store the growing part with `{storage}` (a SQL table, or keys per socket), read back when needed"
            ))
            .effect("serializing stays small and cheap, and no socket fails once its history passes the 16 KiB limit")
            .class(class.and_then(|index| model.classes[index].name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::names_history;
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn history_names() {
        assert!(names_history("chatHistory"));
        assert!(names_history("all_messages"));
        assert!(names_history("messageLog"));
        assert!(!names_history("login"));
        assert!(!names_history("catalog"));
        assert!(!names_history("messageId"));
    }

    #[test]
    fn pass_and_fail() {
        let fail = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async webSocketMessage(ws: WebSocket, message: string) {
    const attachment = ws.deserializeAttachment();
    ws.serializeAttachment({ ...attachment, history: [...attachment.history, message] }); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject { messages: string[] = [];
  async webSocketMessage(ws: WebSocket, message: string) { this.messages.push(message);
    ws.serializeAttachment(this.messages); } }"#,
        ];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch() { const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ userId: "123", joinedAt: Date.now() });
    return new Response(null, { status: 101, webSocket: client }); }
  async webSocketMessage(ws: WebSocket, message: string) {
    ws.serializeAttachment({ ...ws.deserializeAttachment(), lastMessageAt: Date.now() }); } }"#];
        assert_rule("DO308", &pass, &fail, None);
    }
}
