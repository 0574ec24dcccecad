//! DO402 load-everything.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::class_facts::{calls_within, storage_text};
use crate::optimize::model::{FileModel, StoragePath};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{
    NodeId, argument, binding_name, identifier_name, inner, key_name, member_path, method_call,
    this_member,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `storage.list()` without `limit` or `prefix` (or a `start` /
    /// `end` range), or a `SELECT *` with neither `WHERE` nor `LIMIT`, whose result
    /// is stored into an instance field, directly or through a local variable.
    ///
    /// **Why is this bad?**
    ///
    /// It copies every key (or row) the object has ever stored into memory, on
    /// every wake-up. The cost grows with the data: wake-ups get slower, and an
    /// object with a few hundred megabytes of storage runs out of its 128 MB.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   const all = await this.state.storage.list();
    ///   this.cache = all;
    ///   …
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   const value = await this.state.storage.get(key); // on demand
    ///   const page = await this.state.storage.list({ prefix: "event:", limit: 100 });
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// A `list()` whose options come from a variable is not reported (they may hold
    /// a limit), nor is a full read used only within the handler (not kept in a
    /// field), nor a `SELECT` of listed columns (often a small settings table).
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/storage-api/#list
    /// - https://developers.cloudflare.com/durable-objects/platform/limits/
    pub static RULE = Rule {
        name: "load-everything",
        area: Area::Memory,
        severity: Severity::Warning,
        scale_sensitive: true,
        fix: FixAvailability::None,
        summary: "A full `storage.list()` / `SELECT *` kept in an instance field",
        check: Check::File(check),
    };
}

/// Options that bound a `list()`.
const BOUNDING_OPTIONS: &[&str] = &["limit", "prefix", "start", "startAfter", "end"];

/// Methods that pass the rows on: `[…].toArray()`, `map.values()`.
const CARRIES: &[&str] = &["toArray", "values", "entries", "keys", "map", "filter"];

/// What an unbounded read is.
enum Read {
    List,
    Select(String),
}

/// Whether a `list(options)` call reads everything: no options, or an
/// options object without a bound. Options from a variable are unknown.
fn list_is_unbounded(call: &CallExpression<'_>) -> bool {
    match call.arguments.first() {
        None => true,
        Some(first) => match first.as_expression().map(inner) {
            Some(Expression::ObjectExpression(object)) => {
                !object.properties.iter().any(|property| match property {
                    ObjectPropertyKind::ObjectProperty(property) => {
                        key_name(&property.key).is_some_and(|key| BOUNDING_OPTIONS.contains(&key))
                    }
                    ObjectPropertyKind::SpreadProperty(_) => true,
                })
            }
            _ => false,
        },
    }
}

/// The field that receives the value of the expression at `node`: walking up
/// through `await`, `.toArray()`, `.values()`, `new Map(…)`, spreads and
/// `Array.from(…)` to `this.<field> = …`; or, when the value lands in a
/// local, to a `this.<field> = …` that uses the local, or a `this.<field>`
/// filled in a loop over it.
fn receiving_field<'a>(
    model: &FileModel<'a>,
    node: NodeId,
    follow_locals: bool,
) -> Option<(&'a str, Span)> {
    let mut current = node;
    for ancestor in model.nodes.ancestors(node) {
        match model.nodes.kind(ancestor) {
            AstKind::AwaitExpression(_)
            | AstKind::ParenthesizedExpression(_)
            | AstKind::TSAsExpression(_)
            | AstKind::TSNonNullExpression(_)
            | AstKind::TSSatisfiesExpression(_)
            | AstKind::SpreadElement(_)
            | AstKind::ArrayExpression(_) => {}
            // Only a method that passes the rows on (`.toArray()`), not
            // `.size` or `.get(key)`.
            AstKind::StaticMemberExpression(member) => {
                if !CARRIES.contains(&member.property.name.as_str()) {
                    return None;
                }
            }
            AstKind::NewExpression(new) => {
                if !matches!(identifier_name(&new.callee), Some("Map" | "Set" | "Array")) {
                    return None;
                }
            }
            AstKind::CallExpression(call) => {
                let callee_holds = call
                    .callee
                    .span()
                    .contains_inclusive(model.nodes.kind(current).span());
                let allowed = if callee_holds {
                    method_call(call).is_some_and(|(_, method)| CARRIES.contains(&method))
                } else {
                    matches!(
                        member_path(&call.callee).as_deref(),
                        Some(["Array", "from"] | ["Object", "fromEntries"])
                    )
                };
                if !allowed {
                    return None;
                }
            }
            AstKind::AssignmentExpression(assignment) => {
                return match &assignment.left {
                    AssignmentTarget::StaticMemberExpression(member)
                        if matches!(member.object, Expression::ThisExpression(_)) =>
                    {
                        Some((member.property.name.as_str(), assignment.span))
                    }
                    _ => None,
                };
            }
            AstKind::VariableDeclarator(declarator) if follow_locals => {
                let local = binding_name(&declarator.id)?;
                let function = model.nodes.enclosing_function(ancestor)?;
                return field_filled_from(model, function, local);
            }
            _ => return None,
        }
        current = ancestor;
    }
    None
}

/// In `function`: `this.<field> = <uses local>`, or `this.<field>.set/push`
/// inside `for (… of local)` / `local.forEach(…)`.
fn field_filled_from<'a>(
    model: &FileModel<'a>,
    function: NodeId,
    local: &str,
) -> Option<(&'a str, Span)> {
    for (id, node) in model.nodes.descendants(function) {
        match node.kind {
            AstKind::IdentifierReference(ident) => {
                if ident.name == local
                    && let Some(field) = receiving_field(model, id, false)
                {
                    return Some(field);
                }
            }
            AstKind::ForOfStatement(statement) => {
                if identifier_name(&statement.right) == Some(local)
                    && let Some(field) = filled_in(model, id)
                {
                    return Some(field);
                }
            }
            AstKind::CallExpression(call) => {
                if let Some((receiver, "forEach")) = method_call(call)
                    && identifier_name(receiver) == Some(local)
                    && let Some(callback) = argument(call, 0)
                    && let Some(callback) = model.function_node(callback)
                    && let Some(field) = filled_in(model, callback)
                {
                    return Some(field);
                }
            }
            _ => {}
        }
    }
    None
}

/// A `this.<field>.set/push/add(…)` inside `node`.
fn filled_in<'a>(model: &FileModel<'a>, node: NodeId) -> Option<(&'a str, Span)> {
    calls_within(model, node).find_map(|(_, call)| {
        let (receiver, method) = method_call(call)?;
        if !matches!(method, "set" | "push" | "add") {
            return None;
        }
        this_member(receiver).map(|field| (field, call.span))
    })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let mut reads: Vec<(NodeId, Span, Read)> = Vec::new();
    for &id in &model.calls {
        let AstKind::CallExpression(call) = model.nodes.kind(id) else {
            continue;
        };
        if let Some((receiver, "list")) = method_call(call)
            && matches!(
                model.storage_path_at(receiver, id),
                Some(StoragePath::Storage | StoragePath::Kv)
            )
            && list_is_unbounded(call)
        {
            reads.push((id, call.span, Read::List));
        }
    }
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        let Some(statement) = exec.statement() else {
            continue;
        };
        if statement.kind == crate::optimize::sql::StatementKind::Select
            && statement.select_star
            && !statement.has_where
            && !statement.has_limit
            && !statement.has_aggregate
            && let Some(table) = &statement.table
        {
            reads.push((exec.node, exec.span, Read::Select(table.clone())));
        }
    }
    for (id, span, read) in reads {
        let Some(class_index) = model.class_of(id) else {
            continue;
        };
        let class = &model.classes[class_index];
        if !class.is_do() {
            continue;
        }
        let Some((field, _)) = receiving_field(model, id, true) else {
            continue;
        };
        let class_name = class.display_name();
        let storage = storage_text(model, class_index);
        let call_text = model.text(span);
        let call_text = if call_text.len() > 70 {
            format!(
                "{}…",
                &call_text[..call_text
                    .char_indices()
                    .take(60)
                    .last()
                    .map_or(0, |(i, c)| i + c.len_utf8())]
            )
        } else {
            call_text.to_string()
        };
        let (what, fix) = match read {
            Read::List => (
                "every key the object has stored".to_string(),
                format!(
                    "read what a request needs on demand (`{storage}.get(key)`), or page with `{storage}.list({{ prefix, limit: 100, startAfter }})`, instead of caching the whole store in `this.{field}`"
                ),
            ),
            Read::Select(table) => (
                format!("every row of `{table}`"),
                format!(
                    "query on demand with a `WHERE` and `LIMIT ?` (or page by key) instead of caching all of `{table}` in `this.{field}`"
                ),
            ),
        };
        report.push(
            Violation::new(span, format!(
                "`{call_text}` loads {what} into `{class_name}.{field}`: memory and wake-up time grow with the data"
            ))
            .fix(fix)
            .effect("memory stays proportional to what requests use, not to the size of the storage (128 MB limit per isolate)")
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
            r#"export class Counter { cache: Map<string, unknown> = new Map();
  constructor(private state: DurableObjectState, env: unknown) {}
  async fetch() { const all = await this.state.storage.list(); this.cache = all; return new Response(); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Board extends DurableObject { rows: unknown[] = [];
  async load() { this.rows = this.ctx.storage.sql.exec("SELECT * FROM cards").toArray(); } }"#,
        ];
        let pass = [
            r#"import { DurableObject } from "cloudflare:workers";
export class Events extends DurableObject { async alarm() {
  const events = await this.ctx.storage.list({ prefix: "event:" });
  for (const [key] of events) await this.ctx.storage.delete(key); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class Board extends DurableObject { async dump() {
  const all = await this.ctx.storage.list(); return Object.fromEntries(all); } }"#,
        ];
        assert_rule("DO402", &pass, &fail, None);
    }
}
