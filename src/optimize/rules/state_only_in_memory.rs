//! DO601 state-only-in-memory.

use std::collections::{BTreeMap, HashSet};

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::lifecycle::{Binding, reads_clock, resolve};
use crate::optimize::model::storage_api;
use crate::optimize::model::{ClassModel, DoKind, FileModel};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{
    NodeId, identifier_name, inner, is_this, member_path, method_call,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports an instance field of a Durable Object class that a handler changes
    /// (`this.count++`, `this.total += n`, `this.value = body.value`) and that is
    /// read back later, while nothing in the class ever writes it to storage
    /// (`storage.put`, SQL, the KV API, a WebSocket attachment, `setState`).
    ///
    /// **Why is this bad?**
    ///
    /// Instance fields live in memory only. The runtime evicts an idle object
    /// (after seconds without requests), hibernates one that only holds
    /// hibernatable WebSockets, and restarts objects on deploys and host moves;
    /// each time the constructor runs again and the field is back to its initial
    /// value. A counter silently restarts from zero, a value a client stored is
    /// gone, and two requests a minute apart disagree.
    ///
    /// **Example**
    ///
    /// ```ts
    /// export class Counter extends DurableObject {
    ///   private count = 0;
    ///
    ///   async increment() {
    ///     this.count++; // lost on eviction or hibernation
    ///     return this.count;
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// export class Counter extends DurableObject {
    ///   async increment() {
    ///     const count = ((await this.ctx.storage.get<number>("count")) ?? 0) + 1;
    ///     await this.ctx.storage.put("count", count);
    ///     return count;
    ///   }
    /// }
    /// ```
    ///
    /// or keep the field as a cache and write it back (`this.count++; await
    /// this.ctx.storage.put("count", this.count)`), loading it in the constructor
    /// inside `blockConcurrencyWhile`.
    ///
    /// **Known problems**
    ///
    /// Following the catalog's precise reading, only assignments to the field
    /// itself count; calls on a collection (`this.items.push(x)`) are DO401's.
    /// Not reported, because they are meant to live in memory: memoized promises
    /// (`this.ready ??= this.load()`), fields filled from storage or a network
    /// load (caches), socket, timer and controller handles and other values storage
    /// cannot hold (a function such as a promise's `resolve` kept for later, a
    /// promise, an object made only of those, an instance of a handle class such
    /// as a transport or a waiter, or a field declared with such a type), boolean flags set only
    /// to `true`/`false` (one-time guards such as `initialized`; a lock held only in
    /// a flag is missed), timestamps and deadlines computed from `Date.now()`
    /// (a last-seen time, a window start; a value updated from its own value and
    /// the clock, such as a token count or a next-allowed time pushed forward,
    /// is state and is reported), fields written back with
    /// `storage.put`, SQL, KV, `serializeAttachment`, `setState`, `stash` or a
    /// helper named like one of them (`this.safeStash(this.checkpoint)`), also
    /// when the same literal is written next to the assignment (`this.status =
    /// "done"` with `UPDATE meta SET status = 'done'`), and a status literal set
    /// inside a `blockConcurrencyWhile` callback (a lazy initializer's progress,
    /// which starts over after an eviction). Nor is an assignment of the literal
    /// the field starts with (its declaration's initializer or the constructor's
    /// literal: `status = "idle"`, later `this.status = "idle"` after the stored
    /// row is deleted): an eviction brings back that same value, so the reset
    /// loses nothing; the field's other changes are still checked. A field passed to
    /// `setAlarm(…)` is not persisted (the alarm keeps a time, not the field). A
    /// class whose WebSockets are not hibernatable (`ws.accept()`) is still
    /// evicted on deploys, restarts and inactivity, and is checked like any other.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/reference/in-memory-state/
    /// - https://developers.cloudflare.com/durable-objects/best-practices/websockets/#websocket-hibernation-api
    /// - https://developers.cloudflare.com/durable-objects/api/storage-api/
    pub static RULE = Rule {
        name: "state-only-in-memory",
        area: Area::General,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A field changed by handlers and read back, never written to storage",
        check: Check::File(check),
    };
}

/// Fields that are the runtime's own objects, not application state.
const RUNTIME_FIELDS: &[&str] = &["ctx", "state", "env", "storage", "sql", "kv"];

/// Name fragments of fields that hold handles or deliberately ephemeral data.
const EPHEMERAL_NAMES: &[&str] = &[
    "socket",
    "timer",
    "timeout",
    "interval",
    "connection",
    "controller",
    "abort",
    "subscription",
    "listener",
    "promise",
    "pending",
    "inflight",
    "cache",
    "memo",
];

/// Calls that write a value somewhere durable.
const WRITES: &[&str] = &[
    "put",
    "exec",
    "bind",
    "run",
    "serializeAttachment",
    "setState",
    "stash",
    "insert",
    "upsert",
    "update",
    "setItem",
];

/// Request body readers: awaiting these is not loading state.
const BODY_READERS: &[&str] = &[
    "json",
    "text",
    "formData",
    "arrayBuffer",
    "blob",
    "parseBody",
];

/// How a field is accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    /// `this.x++` / `this.x--`.
    Update,
    /// `this.x += …` and other arithmetic compound assignments.
    Compound,
    /// `this.x ??= …`, `||=`, `&&=`.
    Memo,
    /// `this.x = …`.
    Assign,
}

struct FieldAccess<'a> {
    node: NodeId,
    /// The whole assignment / update expression for writes.
    span: Span,
    access: Access,
    right: Option<&'a Expression<'a>>,
    right_node: Option<NodeId>,
    /// The nearest enclosing function.
    function: Option<NodeId>,
    in_constructor: bool,
}

fn field_name<'a>(kind: AstKind<'a>) -> Option<&'a str> {
    match kind {
        AstKind::StaticMemberExpression(member) if is_this(&member.object) => {
            Some(member.property.name.as_str())
        }
        AstKind::PrivateFieldExpression(member) if is_this(&member.object) => {
            Some(member.field.name.as_str())
        }
        _ => None,
    }
}

fn accesses<'a>(
    model: &FileModel<'a>,
    class_index: usize,
) -> BTreeMap<&'a str, Vec<FieldAccess<'a>>> {
    let class = &model.classes[class_index];
    let mut fields: BTreeMap<&'a str, Vec<FieldAccess<'a>>> = BTreeMap::new();
    for (id, node) in model.nodes.descendants(class.node) {
        let Some(name) = field_name(node.kind) else {
            continue;
        };
        if model.class_of(id) != Some(class_index) {
            continue;
        }
        let span = node.kind.span();
        let mut access = FieldAccess {
            node: id,
            span,
            access: Access::Read,
            right: None,
            right_node: None,
            function: model.nodes.enclosing_function(id),
            in_constructor: model
                .method_of(class_index, id)
                .is_some_and(|method| method.role.runs_at_start()),
        };
        // A field initializer (`count = 0`) runs at construction too.
        if model.method_of(class_index, id).is_none() {
            access.in_constructor = true;
        }
        if let Some(parent) = model.nodes.parent(id) {
            match model.nodes.kind(parent) {
                AstKind::AssignmentExpression(assignment) if assignment.left.span() == span => {
                    access.span = assignment.span;
                    access.right = Some(&assignment.right);
                    access.right_node = model
                        .nodes
                        .descendants(parent)
                        .find(|(_, node)| node.kind.span() == assignment.right.span())
                        .map(|(id, _)| id);
                    access.access = match assignment.operator {
                        AssignmentOperator::Assign => Access::Assign,
                        AssignmentOperator::LogicalNullish
                        | AssignmentOperator::LogicalOr
                        | AssignmentOperator::LogicalAnd => Access::Memo,
                        _ => Access::Compound,
                    };
                }
                AstKind::UpdateExpression(update) => {
                    access.span = update.span;
                    access.access = Access::Update;
                }
                _ => {}
            }
        }
        fields.entry(name).or_default().push(access);
    }
    fields
}

/// A call that writes a value somewhere durable (storage, SQL, KV, D1, R2,
/// an attachment, Agents' `setState`, or a helper named like a save).
fn is_write(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    WRITES.contains(&name)
        || [
            "save", "persist", "store", "flush", "sync", "write", "stash",
        ]
        .iter()
        .any(|word| lower.contains(word))
}

/// `this.config = config; await storage.put("cfg", config)`: the value
/// assigned is written in the same function, under another name.
fn written_alongside(model: &FileModel<'_>, write: &FieldAccess<'_>) -> bool {
    let (Some(right), Some(function)) = (write.right_node, write.function) else {
        return false;
    };
    // `this.status = "interrupted"` next to `UPDATE meta SET status =
    // 'interrupted'`: the same literal written to storage.
    if let Some(Expression::StringLiteral(literal)) = write.right.map(inner)
        && !literal.value.is_empty()
    {
        let quoted = [
            format!("'{}'", literal.value),
            format!("\"{}\"", literal.value),
        ];
        let stored = model.nodes.descendants(function).any(|(_, node)| {
            let AstKind::CallExpression(call) = node.kind else {
                return false;
            };
            let name = method_call(call)
                .map(|(_, name)| name)
                .or_else(|| identifier_name(&call.callee));
            name.is_some_and(is_write)
                && call.arguments.iter().any(|argument| {
                    let text = model.text(argument.span());
                    quoted.iter().any(|quoted| text.contains(quoted.as_str()))
                })
        });
        if stored {
            return true;
        }
    }
    let names: HashSet<&str> = std::iter::once(right)
        .chain(model.nodes.descendants(right).map(|(id, _)| id))
        .filter_map(|id| match model.nodes.kind(id) {
            AstKind::IdentifierReference(ident) => Some(ident.name.as_str()),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return false;
    }
    model.nodes.descendants(function).any(|(id, node)| {
        let AstKind::CallExpression(call) = node.kind else {
            return false;
        };
        let name = method_call(call)
            .map(|(_, name)| name)
            .or_else(|| identifier_name(&call.callee));
        if !name.is_some_and(is_write) {
            return false;
        }
        let callee = call.callee.span();
        model.nodes.descendants(id).any(|(_, argument)| {
            !callee.contains_inclusive(argument.kind.span())
                && matches!(argument.kind, AstKind::IdentifierReference(ident)
                    if names.contains(ident.name.as_str()))
        })
    })
}

/// Field names whose value reaches a durable write somewhere in the class,
/// and whether the whole object (`this`) is written.
fn persisted_fields<'a>(model: &FileModel<'a>, class: &ClassModel<'a>) -> (HashSet<&'a str>, bool) {
    let mut persisted = HashSet::new();
    let mut whole = false;
    let methods: Vec<(&str, NodeId)> = class
        .methods
        .iter()
        .map(|method| (method.name, method.function))
        .collect();
    for (id, node) in model.nodes.descendants(class.node) {
        let AstKind::CallExpression(call) = node.kind else {
            continue;
        };
        let name = match method_call(call) {
            Some((_, name)) => name,
            None => match identifier_name(&call.callee) {
                Some(name) => name,
                None => continue,
            },
        };
        if !is_write(name) {
            continue;
        }
        // A string key naming the field: `storage.put("count", …)`.
        if let Some(Expression::StringLiteral(key)) = call
            .arguments
            .first()
            .and_then(Argument::as_expression)
            .map(inner)
        {
            persisted.insert(key.value.as_str());
        }
        let callee_span = call.callee.span();
        for (argument_id, argument) in model.nodes.descendants(id) {
            if callee_span.contains_inclusive(argument.kind.span()) {
                continue;
            }
            collect_field_reads(
                model,
                argument_id,
                argument.kind,
                &methods,
                &mut persisted,
                &mut whole,
                0,
            );
        }
    }
    (persisted, whole)
}

fn collect_field_reads<'a>(
    model: &FileModel<'a>,
    id: NodeId,
    kind: AstKind<'a>,
    methods: &[(&str, NodeId)],
    persisted: &mut HashSet<&'a str>,
    whole: &mut bool,
    depth: u8,
) {
    if let Some(name) = field_name(kind) {
        persisted.insert(name);
        // `this.snapshot()` / `this.toJSON()`: the fields that method reads.
        if depth < 2
            && let Some(&(_, function)) = methods.iter().find(|(method, _)| *method == name)
        {
            for (inner_id, node) in model.nodes.descendants(function) {
                collect_field_reads(
                    model,
                    inner_id,
                    node.kind,
                    methods,
                    persisted,
                    whole,
                    depth + 1,
                );
            }
        }
        return;
    }
    match kind {
        AstKind::ThisExpression(_) => {
            let parent = model
                .nodes
                .parent(id)
                .map(|parent| model.nodes.kind(parent));
            if !matches!(
                parent,
                Some(AstKind::StaticMemberExpression(_))
                    | Some(AstKind::ComputedMemberExpression(_))
                    | Some(AstKind::PrivateFieldExpression(_))
            ) {
                *whole = true;
            }
        }
        // `const snapshot = { count: this.count }; storage.put("s", snapshot)`.
        AstKind::IdentifierReference(ident) if depth < 2 => {
            if let Some(Binding::Local { node, .. }) = resolve(model, id, ident.name.as_str()) {
                for (inner_id, inner_node) in model.nodes.descendants(node) {
                    collect_field_reads(
                        model,
                        inner_id,
                        inner_node.kind,
                        methods,
                        persisted,
                        whole,
                        depth + 1,
                    );
                }
            }
        }
        _ => {}
    }
}

/// Type and class names of objects that are handles to something running
/// (a transport, a waiter, a stream), not data: storage cannot hold them.
const HANDLE_TYPES: &[&str] = &[
    "Transport",
    "Waiter",
    "Controller",
    "Client",
    "Connection",
    "Socket",
    "Stream",
    "Reader",
    "Writer",
    "Deferred",
    "Resolver",
    "Signal",
    "Lock",
    "Mutex",
    "Timer",
    "Timeout",
    "Subscription",
    "Promise",
];

/// Whether a type annotation's text names a handle: a promise, a function
/// type (`() => void`), a socket, or a type named like [`HANDLE_TYPES`].
fn is_handle_type(text: &str) -> bool {
    text.contains("=>")
        || text
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|word| HANDLE_TYPES.iter().any(|handle| word.ends_with(handle)))
}

/// The written type annotation of the class property `name`, if any.
fn declared_type<'a>(model: &FileModel<'a>, class: &ClassModel<'a>, name: &str) -> Option<&'a str> {
    class.class.body.body.iter().find_map(|element| {
        let ClassElement::PropertyDefinition(property) = element else {
            return None;
        };
        let key = match &property.key {
            PropertyKey::PrivateIdentifier(private) => Some(private.name.as_str()),
            key => crate::optimize::semantic::key_name(key),
        };
        if key != Some(name) {
            return None;
        }
        property
            .type_annotation
            .as_ref()
            .map(|annotation| model.text(annotation.type_annotation.span()))
    })
}

/// A value storage cannot hold because it is a handle: a function (a
/// promise's `resolve` kept for later), a promise, an object made only of
/// such values (`{ promise, resolve }`), an instance of a handle class
/// (`new LogWaiter()`), or a local or parameter bound to one of these.
fn is_handle_value(model: &FileModel<'_>, at: NodeId, value: &Expression<'_>, depth: u8) -> bool {
    match inner(value) {
        Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => true,
        Expression::NewExpression(new) => identifier_name(&new.callee)
            .is_some_and(|name| HANDLE_TYPES.iter().any(|handle| name.ends_with(handle))),
        Expression::ObjectExpression(object) if depth < 3 => {
            !object.properties.is_empty()
                && object.properties.iter().all(|property| match property {
                    ObjectPropertyKind::ObjectProperty(property) => {
                        is_handle_value(model, at, &property.value, depth + 1)
                    }
                    ObjectPropertyKind::SpreadProperty(_) => false,
                })
        }
        Expression::Identifier(ident) if depth < 3 => {
            match resolve(model, at, ident.name.as_str()) {
                // `new Promise((resolve) => { this.resolve = resolve; })`.
                Some(Binding::Parameter { function, .. }) => {
                    model.nodes.parent(function).is_some_and(|parent| {
                        matches!(model.nodes.kind(parent), AstKind::NewExpression(new)
                            if identifier_name(&new.callee) == Some("Promise"))
                    })
                }
                Some(Binding::Local { declarator, node }) => {
                    // `let resolve!: () => void;` assigned in an executor.
                    declarator
                        .type_annotation
                        .as_ref()
                        .is_some_and(|annotation| {
                            is_handle_type(model.text(annotation.type_annotation.span()))
                        })
                        || declarator
                            .init
                            .as_ref()
                            .is_some_and(|init| is_handle_value(model, node, init, depth + 1))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// A value that is a handle or a promise kept for later (never state).
fn is_handle(class: &ClassModel<'_>, value: &Expression<'_>) -> bool {
    match inner(value) {
        Expression::CallExpression(call) => {
            if let Some(name) = identifier_name(&call.callee) {
                return matches!(
                    name,
                    "setTimeout" | "setInterval" | "fetch" | "queueMicrotask"
                );
            }
            match method_call(call) {
                Some((receiver, method)) => {
                    matches!(method, "then" | "catch" | "finally" | "accept")
                        || identifier_name(receiver) == Some("Promise")
                        || (is_this(receiver)
                            && class.method(method).is_some_and(|method| method.is_async))
                        || member_path(receiver).is_some_and(|path| {
                            path.last() == Some(&"ctx") && method == "acceptWebSocket"
                        })
                }
                None => false,
            }
        }
        Expression::NewExpression(new) => identifier_name(&new.callee).is_some_and(|name| {
            matches!(
                name,
                "WebSocket"
                    | "WebSocketPair"
                    | "AbortController"
                    | "Promise"
                    | "EventSource"
                    | "TextDecoder"
                    | "TextEncoder"
            )
        }),
        Expression::Identifier(ident) => {
            let lower = ident.name.to_ascii_lowercase();
            lower == "ws" || lower.contains("socket") || lower == "server" || lower == "client"
        }
        _ => false,
    }
}

/// A status literal set inside a `blockConcurrencyWhile` callback
/// (`this.#status = "starting"` … `"started"` in a lazy initializer): the
/// progress of start-up behind the input gate, which runs again after every
/// eviction, not state to persist.
fn start_up_status(model: &FileModel<'_>, node: NodeId, value: &Expression<'_>) -> bool {
    matches!(inner(value), Expression::StringLiteral(_))
        && model.nodes.ancestors(node).any(|ancestor| {
            matches!(model.nodes.kind(ancestor), AstKind::CallExpression(call)
                if method_call(call).is_some_and(|(_, name)| name == "blockConcurrencyWhile"))
        })
}

/// An "empty" or initial value: a reset or a flag, not accumulated state.
fn is_reset_value(value: &Expression<'_>) -> bool {
    match inner(value) {
        Expression::NullLiteral(_)
        | Expression::BooleanLiteral(_)
        | Expression::NumericLiteral(_) => true,
        Expression::StringLiteral(literal) => literal.value.is_empty(),
        Expression::Identifier(ident) => ident.name == "undefined",
        Expression::ArrayExpression(array) => array.elements.is_empty(),
        Expression::ObjectExpression(object) => object.properties.is_empty(),
        Expression::NewExpression(new) => {
            new.arguments.is_empty()
                && identifier_name(&new.callee)
                    .is_some_and(|name| matches!(name, "Map" | "Set" | "Array" | "Object"))
        }
        Expression::UnaryExpression(unary) => {
            matches!(inner(&unary.argument), Expression::NumericLiteral(_))
        }
        _ => false,
    }
}

/// The same literal (string, number, boolean) as the field starts with:
/// its declaration's initializer or a literal the constructor assigns
/// (`status = "idle"` then `this.status = "idle"`). Putting the field back
/// to where every new instance starts is a reset: an eviction restores that
/// very value, so nothing is lost.
fn is_initial_value(
    class: &ClassModel<'_>,
    accesses: &[FieldAccess<'_>],
    name: &str,
    value: &Expression<'_>,
) -> bool {
    fn literal(expression: &Expression<'_>) -> Option<String> {
        match inner(expression) {
            Expression::StringLiteral(literal) => Some(format!("s:{}", literal.value)),
            Expression::NumericLiteral(literal) => Some(format!("n:{}", literal.value)),
            Expression::BooleanLiteral(literal) => Some(format!("b:{}", literal.value)),
            _ => None,
        }
    }
    let Some(value) = literal(value) else {
        return false;
    };
    let declared = class
        .fields
        .iter()
        .filter(|field| field.name == name)
        .filter_map(|field| field.value)
        .filter_map(literal);
    let constructed = accesses
        .iter()
        .filter(|access| access.in_constructor && access.access == Access::Assign)
        .filter_map(|access| access.right)
        .filter_map(literal);
    declared.chain(constructed).any(|initial| initial == value)
}

/// The value comes from storage, the network or another load (a cache
/// fill), not from the request or a computation on the field.
fn is_load(model: &FileModel<'_>, node: NodeId, depth: u8) -> bool {
    std::iter::once((node, model.nodes.kind(node)))
        .chain(
            model
                .nodes
                .descendants(node)
                .map(|(id, node)| (id, node.kind)),
        )
        .any(|(id, kind)| match kind {
            AstKind::AwaitExpression(await_expression) => {
                !matches!(inner(&await_expression.argument), Expression::CallExpression(call)
                    if method_call(call).is_some_and(|(_, method)| BODY_READERS.contains(&method)))
            }
            AstKind::CallExpression(call) => member_path(&call.callee).is_some_and(|path| {
                path.iter()
                    .any(|part| matches!(*part, "storage" | "sql" | "kv"))
                    && path
                        .last()
                        .is_some_and(|method| storage_api::is_read_or_query(method))
            }),
            AstKind::IdentifierReference(ident) if depth < 2 => {
                matches!(resolve(model, id, ident.name.as_str()),
                    Some(Binding::Local { node, declarator }) if declarator.init.is_some()
                        && is_load(model, node, depth + 1))
            }
            _ => false,
        })
}

/// State a framework base persists itself: a field decorated `@Persist`
/// (actors) and the chat history of `AIChatAgent` (`this.messages`).
fn persisted_by_base(class: &ClassModel<'_>, name: &str) -> bool {
    let decorated = class.class.body.body.iter().any(|element| {
        let ClassElement::PropertyDefinition(property) = element else {
            return false;
        };
        crate::optimize::semantic::key_name(&property.key) == Some(name)
            && property.decorators.iter().any(|decorator| {
                let expression = match inner(&decorator.expression) {
                    Expression::CallExpression(call) => &call.callee,
                    other => other,
                };
                identifier_name(expression) == Some("Persist")
            })
    });
    if decorated {
        return true;
    }
    matches!(class.kind, DoKind::Framework(label) if label.contains("AIChatAgent"))
        && name == "messages"
}

/// Whether the class hands its whole state to the base: `this.stash()`.
fn stashes_everything(model: &FileModel<'_>, class: &ClassModel<'_>) -> bool {
    model.nodes.descendants(class.node).any(|(_, node)| {
        matches!(node.kind, AstKind::CallExpression(call)
        if call.arguments.is_empty()
            && method_call(call).is_some_and(|(receiver, method)| {
                method == "stash" && matches!(inner(receiver), Expression::ThisExpression(_))
            }))
    })
}

fn is_ephemeral_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "ws"
        || name.ends_with("Ws")
        || EPHEMERAL_NAMES
            .iter()
            .any(|fragment| lower.contains(fragment))
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for (class_index, class) in model.classes.iter().enumerate() {
        // A class holding standard (non-hibernating) sockets is still evicted
        // on deploys, restarts and inactivity: its fields are lost too.
        if !class.is_do() {
            continue;
        }
        let (persisted, whole) = persisted_fields(model, class);
        if whole || stashes_everything(model, class) {
            continue;
        }
        let typed: Vec<(&str, Option<&str>)> = class
            .fields
            .iter()
            .map(|field| (field.name, field.type_name))
            .collect();
        for (name, accesses) in accesses(model, class_index) {
            if RUNTIME_FIELDS.contains(&name)
                || persisted_by_base(class, name)
                || class.field_aliases.contains_key(name)
                || class.method(name).is_some()
                || is_ephemeral_name(name)
                || persisted.contains(name)
            {
                continue;
            }
            // Declared as a handle: a promise, a function, a transport.
            if declared_type(model, class, name).is_some_and(is_handle_type) {
                continue;
            }
            if typed.iter().any(|(field, type_name)| {
                *field == name
                    && type_name.is_some_and(|type_name| {
                        type_name.contains("WebSocket")
                            || type_name.contains("Promise")
                            || type_name.contains("Timeout")
                            || type_name.contains("Controller")
                    })
            }) {
                continue;
            }
            let writes: Vec<&FieldAccess> = accesses
                .iter()
                .filter(|access| access.access != Access::Read)
                .collect();
            let self_read_in = |write: &FieldAccess| {
                write.right_node.is_some_and(|right| {
                    std::iter::once(right)
                        .chain(model.nodes.descendants(right).map(|(id, _)| id))
                        .any(|id| field_name(model.nodes.kind(id)) == Some(name))
                })
            };
            // Handles, memoized promises and clock-derived timestamps are
            // ephemeral by design. A value updated from its own value (a
            // token count refilled by elapsed time, a next-allowed time
            // pushed forward from itself) is state carried from one request
            // to the next.
            if writes.iter().any(|write| {
                write.access == Access::Memo
                    || write.right.is_some_and(|right| is_handle(class, right))
                    || (write
                        .right_node
                        .is_some_and(|right| reads_clock(model, right))
                        && !self_read_in(write))
                    || write
                        .right
                        .zip(write.right_node)
                        .is_some_and(|(right, node)| is_handle_value(model, node, right, 0))
            }) {
                continue;
            }
            // A read sees a value from an earlier request unless the write
            // certainly ran before it in the same request: same function,
            // later in the block that holds the write.
            let read_later = |write: &FieldAccess| {
                let block = model.nodes.ancestors(write.node).find(|&ancestor| {
                    matches!(
                        model.nodes.kind(ancestor),
                        AstKind::BlockStatement(_) | AstKind::FunctionBody(_)
                    )
                });
                accesses.iter().any(|read| {
                    let dominated = read.function == write.function
                        && read.node > write.node
                        && block.is_some_and(|block| model.nodes.contains(block, read.node));
                    read.access == Access::Read
                        && !read.in_constructor
                        && !write
                            .span
                            .contains_inclusive(model.nodes.kind(read.node).span())
                        && !dominated
                })
            };
            let candidate = writes.iter().find(|write| {
                if write.in_constructor {
                    return false;
                }
                match write.access {
                    Access::Update | Access::Compound => true,
                    Access::Assign => {
                        let (Some(right), Some(right_node)) = (write.right, write.right_node)
                        else {
                            return false;
                        };
                        if is_reset_value(right)
                            || is_initial_value(class, &accesses, name, right)
                            || start_up_status(model, write.node, right)
                            || is_load(model, right_node, 0)
                            || written_alongside(model, write)
                        {
                            return false;
                        }
                        self_read_in(write) || read_later(write)
                    }
                    _ => false,
                }
            });
            let Some(write) = candidate else {
                continue;
            };
            let class_name = class.display_name();
            let changed = model.text(write.span);
            let changed = if changed.len() > 60 {
                format!(
                    "{}…",
                    &changed[..changed
                        .char_indices()
                        .take_while(|(index, _)| *index < 57)
                        .last()
                        .map_or(0, |(index, c)| index + c.len_utf8())]
                )
            } else {
                changed.to_string()
            };
            report.push(
                Violation::new(write.span, format!(
                    "`{class_name}.{name}` is changed here (`{changed}`) and read back later, but only kept in memory: it resets when the object is evicted, hibernates or restarts"
                ))
                .fix(format!(
                    "persist it: `await this.ctx.storage.put(\"{name}\", this.{name})` after the change (or keep it in SQL), and load it with `this.{name} = (await this.ctx.storage.get(\"{name}\")) ?? …` in the constructor's `blockConcurrencyWhile`"
                ))
                .effect("the value survives eviction, hibernation and deploys; every request sees the same state")
                .class(class.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    const HEAD: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class A extends DurableObject {\n";

    #[test]
    fn pass_and_fail() {
        let fail = [
            format!(
                "{HEAD} count = 0; async increment() {{ this.count++; return this.count; }} }}"
            ),
            format!("{HEAD} total = 0; add(n: number) {{ this.total += n; }} }}"),
            format!(
                "{HEAD} value: string | null = null; async fetch(request: Request) {{ if (request.method === \"POST\") {{ this.value = await request.text(); return new Response(\"ok\"); }} return new Response(this.value); }} }}"
            ),
            format!(
                "{HEAD} items: string[] = []; add(x: string) {{ this.items = [...this.items, x]; }} }}"
            ),
            // Updated from its own value and the clock: an amount, not a time.
            format!(
                "{HEAD} tokens = 10; stamp = 0; take() {{ const now = Date.now(); this.tokens = Math.min(10, this.tokens + (now - this.stamp) / 1000); this.stamp = now; return this.tokens >= 1; }} }}"
            ),
            // A next-allowed time pushed forward from its own value: state
            // carried from one request to the next.
            format!(
                "{HEAD} nextAllowedTime = 0; g() {{ const now = Date.now(); this.nextAllowedTime = Math.max(now, this.nextAllowedTime); this.nextAllowedTime += 5; return this.nextAllowedTime - now; }} }}"
            ),
            // Non-hibernatable sockets do not keep the object from eviction.
            format!(
                "{HEAD} visits = 0; async fetch() {{ const [client, server] = Object.values(new WebSocketPair()); server.accept(); this.visits++; server.addEventListener(\"message\", () => {{ server.send(String(this.visits)); }}); return new Response(null, {{ status: 101, webSocket: client }}); }} }}"
            ),
        ];
        let pass = [
            // Written back.
            format!(
                "{HEAD} count = 0; async increment() {{ this.count++; await this.ctx.storage.put(\"count\", this.count); return this.count; }} }}"
            ),
            // A memoized promise, a cache filled from storage, a flag.
            format!(
                "{HEAD} ready?: Promise<void>; config: unknown; initialized = false;
  async load() {{ }}
  async f() {{ this.ready ??= this.load(); await this.ready; }}
  async g() {{ if (!this.initialized) {{ this.config = await this.ctx.storage.get(\"config\"); this.initialized = true; }} return this.config; }} }}"
            ),
            // Timer handles and a timestamp taken from the clock.
            format!(
                "{HEAD} timer: ReturnType<typeof setTimeout> | undefined; lastSeen = 0;
  f() {{ this.timer = setTimeout(() => {{}}, 10); }}
  g() {{ const now = Date.now(); const idle = now - this.lastSeen; this.lastSeen = now; return idle; }} }}"
            ),
            // A per-request value set and read in the same handler.
            format!(
                "{HEAD} name = \"\"; async fetch(request: Request) {{ this.name = new URL(request.url).pathname; return new Response(this.name); }} }}"
            ),
            // Not a Durable Object.
            "export class Tally { count = 0; increment() { this.count++; } }".to_string(),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO601", &pass, &fail, None);
    }
}
