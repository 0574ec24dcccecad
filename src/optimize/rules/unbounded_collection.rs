//! DO401 unbounded-collection.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::Span;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::FileModel;
use crate::optimize::model::class_facts::{CollectionField, CollectionKind, collection_fields};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, argument, binding_name, identifier_name, this_member};

declare_rule! {
    /// **What it does**
    ///
    /// Reports an instance array, `Map` or `Set` field of a Durable Object class
    /// that grows (`push`, `unshift`, `set`, `add`, index assignment) outside the
    /// constructor while nothing in the class ever shrinks it (`delete`, `shift`,
    /// `pop`, `splice`, `clear()`, `length = …`, reassigning the field) or checks
    /// its size (`.length > …`, `.size >= …`). Reassigning counts wherever it
    /// happens, start-up included (a transcript reloaded from storage in the
    /// constructor, a list reset in `onStart`); only the assignment that
    /// creates the field is not one.
    ///
    /// **Why is this bad?**
    ///
    /// A Durable Object can stay in memory for a long time, and all objects of an
    /// isolate share its 128 MB. A collection that gains an entry per message or
    /// per user only grows until the object is evicted or runs out of memory, and
    /// the bigger it gets the slower every iteration over it becomes.
    ///
    /// **Example**
    ///
    /// ```ts
    /// class MyDO extends DurableObject {
    ///   private allMessages: any[] = [];
    ///   private userCache: Map<string, any> = new Map();
    ///
    ///   async addMessage(message: any) {
    ///     this.allMessages.push(message);
    ///     this.userCache.set(message.userId, message.user);
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// class MyDO extends DurableObject {
    ///   private recentMessages: any[] = [];
    ///   private readonly MAX_RECENT = 100;
    ///
    ///   async addMessage(message: any) {
    ///     this.recentMessages.push(message);
    ///     if (this.recentMessages.length > this.MAX_RECENT) this.recentMessages.shift();
    ///     this.ctx.storage.sql.exec("INSERT INTO messages (body) VALUES (?)", JSON.stringify(message));
    ///   }
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// Only built-in collections are considered: a field holding a custom class
    /// (an `LRUCache` with its own `set`) is not a `Map`. A field passed to another
    /// function or returned is not reported (it may be trimmed there), and neither
    /// is a `set`/`add` with a constant key (the key set is bounded). `WeakMap` /
    /// `WeakSet` entries go away with their keys and are not reported. A `Map` or
    /// `Set` that is stored whole as one storage value (`storage.put("steps",
    /// Object.fromEntries(this.steps))`) is object state kept small by the value
    /// size limit, and is not reported either.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/platform/limits/
    /// - https://developers.cloudflare.com/durable-objects/reference/in-memory-state/
    pub static RULE = Rule {
        name: "unbounded-collection",
        area: Area::Memory,
        severity: Severity::Warning,
        scale_sensitive: true,
        fix: FixAvailability::None,
        summary: "An instance array/`Map`/`Set` that only grows",
        check: Check::File(check),
    };
}

const SHRINKS: &[&str] = &["delete", "shift", "pop", "splice", "clear"];

/// Methods that read a collection passed to them without shrinking it
/// (`JSON.stringify(this.messages)`, `ws.send(…)`, `storage.put(k, …)`).
const READS_ONLY: &[&str] = &[
    "stringify",
    "log",
    "info",
    "warn",
    "error",
    "debug",
    "json",
    "from",
    "isArray",
    "keys",
    "values",
    "entries",
    "fromEntries",
    "send",
    "includes",
    "indexOf",
    "concat",
    "put",
    "exec",
];

/// How the class uses one field.
#[derive(Default)]
struct Uses {
    /// Where it grows outside the constructor: (span, method name, verb).
    growth: Vec<(Span, String, &'static str)>,
    /// It shrinks, is size-checked, reassigned, or escapes.
    bounded: bool,
}

/// Whether `expr` is the field: `this.<field>` or a local alias of it.
fn is_field(expr: &Expression<'_>, field: &str, aliases: &HashSet<&str>) -> bool {
    this_member(expr) == Some(field)
        || identifier_name(expr).is_some_and(|name| aliases.contains(name))
}

/// Locals declared as `const q = this.<field>` anywhere in the class.
fn aliases_of<'a>(model: &FileModel<'a>, class_node: NodeId, field: &str) -> HashSet<&'a str> {
    model
        .nodes
        .descendants(class_node)
        .filter_map(|(_, node)| match node.kind {
            AstKind::VariableDeclarator(declarator) => declarator
                .init
                .as_ref()
                .filter(|init| this_member(init) == Some(field))
                .and_then(|_| binding_name(&declarator.id)),
            _ => None,
        })
        .collect()
}

fn is_constant_key(model: &FileModel<'_>, expr: Option<&Expression<'_>>) -> bool {
    expr.is_some_and(|expr| model.constant_string(expr, 0).is_some())
}

fn uses_of(model: &FileModel<'_>, class: usize, field: &CollectionField<'_>) -> Uses {
    let class_model = &model.classes[class];
    let aliases = aliases_of(model, class_model.node, field.name);
    let mut uses = Uses::default();
    let in_constructor = |id: NodeId| {
        model
            .method_of(class, id)
            .is_none_or(|method| method.role.runs_at_start())
    };
    for (id, node) in model.nodes.descendants(class_model.node) {
        match node.kind {
            AstKind::CallExpression(call) => {
                let Some((receiver, method)) = crate::optimize::semantic::method_call(call) else {
                    // `trim(this.queue)`: the field escapes.
                    if identifier_name(&call.callee) != Some("structuredClone")
                        && call.arguments.iter().any(|argument| {
                            argument
                                .as_expression()
                                .is_some_and(|argument| is_field(argument, field.name, &aliases))
                        })
                    {
                        uses.bounded = true;
                    }
                    continue;
                };
                if is_field(receiver, field.name, &aliases) {
                    if SHRINKS.contains(&method) {
                        uses.bounded = true;
                    }
                    let grows = match (field.kind, method) {
                        (CollectionKind::Array, "push" | "unshift") => true,
                        (CollectionKind::Map, "set") => !is_constant_key(model, argument(call, 0)),
                        (CollectionKind::Set, "add") => !is_constant_key(model, argument(call, 0)),
                        _ => false,
                    };
                    if grows && !in_constructor(id) {
                        let method_name = model
                            .method_of(class, id)
                            .map(|method| method.name.to_string())
                            .unwrap_or_default();
                        uses.growth
                            .push((call.span, method_name, method_verb(method)));
                    }
                } else if method == "put"
                    && field.kind.is_keyed()
                    && model.storage_path_at(receiver, id).is_some()
                    && persists_whole(model, id, call, field.name)
                {
                    // A map stored whole as one value is kept small by the
                    // value size limit: it is state, not a cache.
                    uses.bounded = true;
                } else if !READS_ONLY.contains(&method)
                    && call.arguments.iter().any(|argument| {
                        argument
                            .as_expression()
                            .is_some_and(|argument| is_field(argument, field.name, &aliases))
                    })
                {
                    // `this.trim(this.queue)`: it may be shrunk there.
                    uses.bounded = true;
                }
            }
            AstKind::AssignmentExpression(assignment) => match &assignment.left {
                AssignmentTarget::StaticMemberExpression(member) => {
                    let property = member.property.name.as_str();
                    // `this.queue = this.queue.filter(…)` outside the constructor;
                    // at start-up, any assignment other than the one that
                    // declares the field (`transcript = []` reloaded from
                    // storage in the constructor, reset in `onStart`).
                    if property == field.name
                        && matches!(member.object, Expression::ThisExpression(_))
                        && (!in_constructor(id) || !field.span.contains_inclusive(assignment.span))
                    {
                        uses.bounded = true;
                    }
                    // `this.queue.length = 0`.
                    if property == "length" && is_field(&member.object, field.name, &aliases) {
                        uses.bounded = true;
                    }
                }
                AssignmentTarget::ComputedMemberExpression(member)
                    if field.kind == CollectionKind::Array
                        && is_field(&member.object, field.name, &aliases)
                        && !in_constructor(id) =>
                {
                    let method_name = model
                        .method_of(class, id)
                        .map(|method| method.name.to_string())
                        .unwrap_or_default();
                    uses.growth
                        .push((assignment.span, method_name, "index assignment"));
                }
                _ => {}
            },
            AstKind::UnaryExpression(unary) if unary.operator == UnaryOperator::Delete => {
                if let Expression::ComputedMemberExpression(member) = &unary.argument
                    && is_field(&member.object, field.name, &aliases)
                {
                    uses.bounded = true;
                }
            }
            AstKind::BinaryExpression(binary)
                if matches!(
                    binary.operator,
                    BinaryOperator::LessThan
                        | BinaryOperator::LessEqualThan
                        | BinaryOperator::GreaterThan
                        | BinaryOperator::GreaterEqualThan
                ) =>
            {
                let measures = |expr: &Expression<'_>| {
                    crate::optimize::semantic::static_member(expr).is_some_and(
                        |(object, property)| {
                            matches!(property, "length" | "size")
                                && is_field(object, field.name, &aliases)
                        },
                    )
                };
                if measures(&binary.left) || measures(&binary.right) {
                    uses.bounded = true;
                }
            }
            AstKind::ReturnStatement(statement)
                if statement
                    .argument
                    .as_ref()
                    .is_some_and(|argument| is_field(argument, field.name, &aliases)) =>
            {
                uses.bounded = true;
            }
            _ => {}
        }
    }
    uses
}

/// Whether the value given to `put` (its second argument) holds the whole
/// `this.<field>` (`Object.fromEntries(this.steps)`, `[...this.seen]`), not
/// one entry read from it.
fn persists_whole(
    model: &FileModel<'_>,
    id: NodeId,
    call: &CallExpression<'_>,
    field: &str,
) -> bool {
    let Some(value) = argument(call, 1) else {
        return false;
    };
    let Some(value_node) = model.node_with_span(id, oxc_span::GetSpan::span(value)) else {
        return false;
    };
    std::iter::once(value_node)
        .chain(model.nodes.descendants(value_node).map(|(child, _)| child))
        .any(|child| {
            let AstKind::StaticMemberExpression(member) = model.nodes.kind(child) else {
                return false;
            };
            matches!(member.object, Expression::ThisExpression(_))
                && member.property.name == field
                && !model.nodes.parent(child).is_some_and(|parent| {
                    matches!(model.nodes.kind(parent), AstKind::StaticMemberExpression(_))
                })
        })
}

fn method_verb(method: &str) -> &'static str {
    match method {
        "push" => "push",
        "unshift" => "unshift",
        "set" => "set",
        _ => "add",
    }
}

/// `recentMessages` → `MAX_RECENT_MESSAGES`.
fn limit_name(field: &str) -> String {
    let mut name = String::from("MAX_");
    for (index, c) in field.trim_start_matches(['_', '#']).chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        if !class.is_do() {
            continue;
        }
        for field in collection_fields(model, class_index) {
            if matches!(
                field.kind,
                CollectionKind::WeakMap | CollectionKind::WeakSet
            ) {
                continue;
            }
            let uses = uses_of(model, class_index, &field);
            if uses.bounded {
                continue;
            }
            let Some((span, method, verb)) = uses.growth.first() else {
                continue;
            };
            let class_name = class.display_name();
            let name = field.name;
            let limit = limit_name(name);
            let where_ = if method.is_empty() {
                String::new()
            } else {
                format!(" in `{method}`")
            };
            let fix = match field.kind {
                CollectionKind::Array => format!(
                    "bound it where it grows, e.g. `if (this.{name}.length > {limit}) this.{name}.shift();` (keep the last {limit} entries), and keep the full history in storage"
                ),
                CollectionKind::Map => format!(
                    "evict when full, e.g. `if (this.{name}.size > {limit}) this.{name}.delete(this.{name}.keys().next().value!);` (a Map iterates oldest first: delete and re-set on access for an LRU), or keep the entries in storage"
                ),
                _ => format!(
                    "remove entries when they are no longer needed (`this.{name}.delete(…)`), or cap it: `if (this.{name}.size > {limit}) this.{name}.delete(this.{name}.values().next().value!);`"
                ),
            };
            report.push(
                Violation::new(*span, format!(
                    "`{class_name}.{name}` only grows ({verb}{where_}): nothing in `{class_name}` removes entries or checks its size"
                ))
                .fix(fix)
                .effect("memory stays bounded however long the object lives (128 MB is shared by the objects of an isolate)")
                .class(class.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::limit_name;
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn limit_names() {
        assert_eq!(limit_name("recentMessages"), "MAX_RECENT_MESSAGES");
        assert_eq!(limit_name("cache"), "MAX_CACHE");
    }

    #[test]
    fn pass_and_fail() {
        let fail = [
            r#"import { DurableObject } from "cloudflare:workers";
class MyDO extends DurableObject {
  private allMessages: any[] = [];
  private userCache: Map<string, any> = new Map();
  async addMessage(message: any) {
    this.allMessages.push(message);
    this.userCache.set(message.userId, message.user); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
class Log extends DurableObject { private lines: string[] = [];
  async add(line: string) { this.lines.push(line); return Response.json(JSON.stringify(this.lines)); } }"#,
        ];
        let pass = [
            r#"import { DurableObject } from "cloudflare:workers";
class MyDO extends DurableObject {
  private recentMessages: any[] = [];
  private readonly MAX_RECENT = 100;
  async addMessage(message: any) {
    this.recentMessages.push(message);
    if (this.recentMessages.length > this.MAX_RECENT) { this.recentMessages.shift(); } } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
class LRUCache<K, V> { private cache: Map<K, V> = new Map(); set(key: K, value: V) { this.cache.set(key, value); } }
class MyDO extends DurableObject { private userCache = new LRUCache<string, unknown>();
  async addMessage(message: any) { this.userCache.set(message.userId, message.user); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
class Steps extends DurableObject { private steps = new Map<string, string>();
  async update(step: string, status: string) { this.steps.set(step, status);
    await this.ctx.storage.put("steps", Object.fromEntries(this.steps)); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
class Dedup extends DurableObject { private pending = new Map<string, Promise<Response>>();
  async get(url: string) { const promise = fetch(url).finally(() => { this.pending.delete(url); });
    this.pending.set(url, promise); return promise; } }"#,
        ];
        assert_rule("DO401", &pass, &fail, None);
    }
}
