//! Facts about one class that the WebSocket, memory and alarm rules
//! (DO3xx–DO5xx) share: calls by method name inside a subtree, how the
//! user's code names the object's state and storage (so that fixes are
//! written in their words), the `this.method()` call graph between methods,
//! and `try`/`catch` coverage.
//!
//! Everything here reads the [`FileModel`]; nothing allocates per node beyond
//! the small vectors it returns.

use std::collections::HashMap;

use oxc_ast::AstKind;
use oxc_ast::ast::*;

use crate::optimize::model::{DoKind, FileModel, MethodModel, MethodRole, StoragePath};
use oxc_span::Span;

use crate::optimize::semantic::{
    NodeId, binding_name, identifier_name, inner, method_call, this_member,
};

/// Calls inside `node`'s subtree (not `node` itself), in source order.
pub fn calls_within<'m, 'a>(
    model: &'m FileModel<'a>,
    node: NodeId,
) -> impl Iterator<Item = (NodeId, &'a CallExpression<'a>)> + 'm {
    let end = model.nodes.get(node).subtree_end;
    let start = model.calls.partition_point(|&call| call <= node);
    model.calls[start..]
        .iter()
        .take_while(move |&&call| call < end)
        .filter_map(move |&call| match model.nodes.kind(call) {
            AstKind::CallExpression(expression) => Some((call, expression)),
            _ => None,
        })
}

/// Calls `<receiver>.<name>(…)` inside a subtree: (node, call, receiver).
pub fn method_calls_named<'m, 'a>(
    model: &'m FileModel<'a>,
    node: NodeId,
    name: &'m str,
) -> impl Iterator<Item = (NodeId, &'a CallExpression<'a>, &'a Expression<'a>)> + 'm {
    calls_within(model, node).filter_map(move |(id, call)| {
        let (receiver, method) = method_call(call)?;
        (method == name).then_some((id, call, receiver))
    })
}

/// Whether `node` runs in `function` itself, not in a function nested in it.
pub fn directly_in(model: &FileModel<'_>, node: NodeId, function: NodeId) -> bool {
    model.nodes.enclosing_function(node) == Some(function)
}

/// The names a function declares: its parameters and every local it binds
/// (nested functions' included), e.g. to tell a method's own values from
/// constants and fields.
pub fn declared_names<'a>(
    model: &FileModel<'a>,
    function: NodeId,
) -> std::collections::HashSet<&'a str> {
    let mut names: std::collections::HashSet<&'a str> = parameter_names(model, function)
        .into_iter()
        .flatten()
        .collect();
    for (_, inner) in model.nodes.descendants(function) {
        if let AstKind::VariableDeclarator(declarator) = inner.kind {
            crate::optimize::model::collect_binding_names(&declarator.id, &mut names);
        }
    }
    names
}

/// The parameter names of a function or arrow node (`None` for patterns).
pub fn parameter_names<'a>(model: &FileModel<'a>, function: NodeId) -> Vec<Option<&'a str>> {
    let params = match model.nodes.kind(function) {
        AstKind::Function(function) => &function.params,
        AstKind::ArrowFunctionExpression(arrow) => &arrow.params,
        _ => return Vec::new(),
    };
    params
        .items
        .iter()
        .map(|param| binding_name(&param.pattern))
        .collect()
}

/// Whether a function body has no statements (`async alarm() {}`).
pub fn has_empty_body(model: &FileModel<'_>, function: NodeId) -> bool {
    match model.nodes.kind(function) {
        AstKind::Function(function) => function
            .body
            .as_ref()
            .is_none_or(|body| body.statements.is_empty()),
        AstKind::ArrowFunctionExpression(arrow) => {
            matches!(&arrow.body, ArrowFunctionBody::FunctionBody(body) if body.statements.is_empty())
        }
        _ => false,
    }
}

/// The class itself and its bases declared in the same file, nearest first.
pub fn class_and_local_bases(model: &FileModel<'_>, class: usize) -> Vec<usize> {
    let mut chain = vec![class];
    let mut current = class;
    while chain.len() < 8 {
        let Some(base) = model.classes[current]
            .class
            .heritage
            .as_ref()
            .and_then(|heritage| identifier_name(&heritage.expression))
        else {
            break;
        };
        let Some(next) = model.class_named(base) else {
            break;
        };
        if chain.contains(&next) {
            break;
        }
        chain.push(next);
        current = next;
    }
    chain
}

/// The method with this name in the class or a base declared in this file.
pub fn method_in_hierarchy<'m, 'a>(
    model: &'m FileModel<'a>,
    class: usize,
    name: &str,
) -> Option<&'m MethodModel<'a>> {
    class_and_local_bases(model, class)
        .into_iter()
        .find_map(|index| model.classes[index].method(name))
}

/// Whether a class is a plain Durable Object class whose handlers the runtime
/// calls by name: not a framework subclass, not one that installs its own
/// dispatcher, not one whose base lives in another file (unknown hooks).
pub fn runtime_dispatched(model: &FileModel<'_>, class: usize) -> bool {
    let candidate = &model.classes[class];
    candidate.kind == DoKind::Native
        && !class_and_local_bases(model, class)
            .into_iter()
            .any(|index| model.classes[index].installs_dispatcher)
}

/// The most used `this.<field>` leading to `path` in the class, if any.
fn most_used_field<'a>(model: &FileModel<'a>, class: usize, path: StoragePath) -> Option<&'a str> {
    let class_model = &model.classes[class];
    let mut counts: HashMap<&'a str, usize> = HashMap::new();
    for (_, node) in model.nodes.descendants(class_model.node) {
        if let AstKind::StaticMemberExpression(member) = node.kind
            && matches!(member.object, Expression::ThisExpression(_))
        {
            let name = member.property.name.as_str();
            if class_model.field_aliases.get(name) == Some(&path) {
                *counts.entry(name).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(name, _)| name)
}

/// How the class reaches its `DurableObjectState`, as the user writes it:
/// `this.ctx`, `this.state`, or the field they keep it in.
pub fn state_text(model: &FileModel<'_>, class: usize) -> String {
    if let Some(field) = most_used_field(model, class, StoragePath::State) {
        return format!("this.{field}");
    }
    if model.classes[class].class.heritage.is_some() {
        return "this.ctx".to_string();
    }
    match constructor_state_parameter(model, class) {
        Some(parameter) => format!("this.{parameter}"),
        None => "this.ctx".to_string(),
    }
}

/// When the class never keeps its state in a field (`constructor(state, env)`
/// without `this.state = state`), the step to add first, in its words.
pub fn state_setup_note(model: &FileModel<'_>, class: usize) -> Option<String> {
    if most_used_field(model, class, StoragePath::State).is_some()
        || model.classes[class].class.heritage.is_some()
    {
        return None;
    }
    let parameter = constructor_state_parameter(model, class)?;
    Some(format!(
        "keep the constructor's `{parameter}` in a field first (`this.{parameter} = {parameter};`)"
    ))
}

fn constructor_state_parameter<'a>(model: &FileModel<'a>, class: usize) -> Option<&'a str> {
    let constructor = model.classes[class].constructor()?;
    parameter_names(model, constructor.function)
        .first()
        .copied()
        .flatten()
}

/// How the class reaches its storage, as the user writes it: a field such as
/// `this.storage`, else `<state>.storage`.
pub fn storage_text(model: &FileModel<'_>, class: usize) -> String {
    match most_used_field(model, class, StoragePath::Storage) {
        Some(field) => format!("this.{field}"),
        None => format!("{}.storage", state_text(model, class)),
    }
}

/// Whether the class accepts WebSockets with the hibernation API
/// (`<state>.acceptWebSocket(…)`).
pub fn uses_hibernation(model: &FileModel<'_>, class: usize) -> bool {
    method_calls_named(model, model.classes[class].node, "acceptWebSocket").any(
        |(id, _, receiver)| {
            model.storage_path_at(receiver, id) == Some(StoragePath::State)
                || identifier_name(receiver).is_some()
                || this_member(receiver).is_some()
        },
    )
}

/// Calls `this.<method>(…)` of methods of `class` made directly in the
/// subtree of `function` (nested callbacks included): (call node, method).
pub fn this_method_calls<'m, 'a>(
    model: &'m FileModel<'a>,
    class: usize,
    function: NodeId,
) -> Vec<(NodeId, &'m MethodModel<'a>)> {
    calls_within(model, function)
        .filter_map(|(id, call)| {
            let name = this_member(&call.callee)?;
            let method = method_in_hierarchy(model, class, name)?;
            (method.role != MethodRole::Constructor).then_some((id, method))
        })
        .collect()
}

/// The methods a runtime event or an RPC call can start from: handlers,
/// public methods and the constructor (it runs on every wake-up).
pub fn is_entry(method: &MethodModel<'_>) -> bool {
    method.role != MethodRole::Internal
}

/// Whether `node` sits in the `try` block of a `try … catch` whose handler
/// does not rethrow, searching up to `limit`.
pub fn caught(model: &FileModel<'_>, node: NodeId, limit: NodeId) -> bool {
    let span = model.nodes.kind(node);
    let start = oxc_span::GetSpan::span(&span).start;
    for ancestor in model.nodes.ancestors(node) {
        if ancestor == limit {
            return false;
        }
        let AstKind::TryStatement(statement) = model.nodes.kind(ancestor) else {
            continue;
        };
        let Some(handler) = &statement.handler else {
            continue;
        };
        if !(statement.block.span.start <= start && start < statement.block.span.end) {
            continue;
        }
        let handler_text = model.text(handler.body.span);
        if !handler_text.contains("throw") {
            return true;
        }
    }
    false
}

/// Levenshtein distance between two short ASCII names (case-sensitive).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, left) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, right) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(left != right);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// `setAlarm(…)` calls in a class whose receiver is certainly the object's
/// storage: `this.ctx.storage`, `this.state.storage`, a field or local alias
/// of it, or an expression ending in `.storage` / named `storage`.
pub fn set_alarm_calls<'a>(
    model: &FileModel<'a>,
    class: usize,
) -> Vec<(NodeId, &'a CallExpression<'a>)> {
    method_calls_named(model, model.classes[class].node, "setAlarm")
        .filter(|(id, _, receiver)| {
            model.class_of(*id) == Some(class)
                && (model.storage_path_at(receiver, *id) == Some(StoragePath::Storage)
                    || crate::optimize::semantic::member_path(receiver)
                        .is_some_and(|path| path.last() == Some(&"storage")))
        })
        .map(|(id, call, _)| (id, call))
        .collect()
}

/// A built-in collection an instance field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    Array,
    Map,
    Set,
    WeakMap,
    WeakSet,
}

impl CollectionKind {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "Array" | "ReadonlyArray" => Some(CollectionKind::Array),
            "Map" => Some(CollectionKind::Map),
            "Set" => Some(CollectionKind::Set),
            "WeakMap" => Some(CollectionKind::WeakMap),
            "WeakSet" => Some(CollectionKind::WeakSet),
            _ => None,
        }
    }

    pub fn is_keyed(self) -> bool {
        !matches!(self, CollectionKind::Array)
    }
}

/// An instance field known to hold an array, `Map` or `Set` (not a custom
/// class with a `set` method, such as an LRU cache).
#[derive(Debug, Clone)]
pub struct CollectionField<'a> {
    pub name: &'a str,
    pub kind: CollectionKind,
    /// The key (or element) type when written: `WebSocket` in
    /// `Map<WebSocket, Session>`.
    pub key_type: Option<&'a str>,
    /// The declaration: the class property, or the constructor's assignment.
    pub span: Span,
}

fn type_reference_name<'a>(ty: &TSType<'a>) -> Option<&'a str> {
    match ty {
        TSType::TSTypeReference(reference) => match &reference.type_name {
            TSTypeName::IdentifierReference(ident) => Some(ident.name.as_str()),
            TSTypeName::QualifiedName(name) => Some(name.right.name.as_str()),
            TSTypeName::ThisExpression(_) => None,
        },
        _ => None,
    }
}

/// The collection a type annotation names.
fn collection_of_type<'a>(ty: &TSType<'a>) -> Option<(CollectionKind, Option<&'a str>)> {
    match ty {
        TSType::TSArrayType(array) => Some((
            CollectionKind::Array,
            type_reference_name(&array.element_type),
        )),
        TSType::TSTypeReference(reference) => {
            let kind = CollectionKind::from_name(type_reference_name(ty)?)?;
            let key = reference
                .type_arguments
                .as_ref()
                .and_then(|arguments| arguments.params.first())
                .and_then(type_reference_name);
            Some((kind, key))
        }
        _ => None,
    }
}

/// What an initializer makes: `Some(Some(…))` a known collection,
/// `Some(None)` something else (a custom class), `None` no initializer facts.
fn collection_of_value<'a>(
    value: &Expression<'a>,
) -> Option<Option<(CollectionKind, Option<&'a str>)>> {
    match inner(value) {
        Expression::ArrayExpression(_) => Some(Some((CollectionKind::Array, None))),
        Expression::NewExpression(new) => {
            let Some(kind) = identifier_name(&new.callee).and_then(CollectionKind::from_name)
            else {
                return Some(None);
            };
            let key = new
                .type_arguments
                .as_ref()
                .and_then(|arguments| arguments.params.first())
                .and_then(type_reference_name);
            Some(Some((kind, key)))
        }
        _ => Some(None),
    }
}

/// The instance fields of a class that hold arrays, `Map`s or `Set`s:
/// declared in the class body (by initializer, else by type annotation) or
/// assigned in the constructor (`this.sessions = new Map()`).
pub fn collection_fields<'a>(model: &FileModel<'a>, class: usize) -> Vec<CollectionField<'a>> {
    let class_model = &model.classes[class];
    let mut fields: Vec<CollectionField<'a>> = Vec::new();
    let mut declared_types: HashMap<&'a str, (CollectionKind, Option<&'a str>)> = HashMap::new();
    let mut custom: Vec<&'a str> = Vec::new();
    for element in &class_model.class.body.body {
        let ClassElement::PropertyDefinition(property) = element else {
            continue;
        };
        if property.r#static {
            continue;
        }
        let Some(name) = crate::optimize::semantic::key_name(&property.key) else {
            continue;
        };
        let annotated = property
            .type_annotation
            .as_ref()
            .and_then(|annotation| collection_of_type(&annotation.type_annotation));
        let found = match property.value.as_ref().and_then(collection_of_value) {
            Some(Some((kind, key))) => Some((kind, key.or(annotated.and_then(|(_, key)| key)))),
            Some(None) => {
                custom.push(name);
                None
            }
            None => {
                if let Some(annotated) = annotated {
                    declared_types.insert(name, annotated);
                }
                None
            }
        };
        if let Some((kind, key_type)) = found {
            fields.push(CollectionField {
                name,
                kind,
                key_type,
                span: property.span,
            });
        }
    }
    if let Some(constructor) = class_model.constructor() {
        for (id, node) in model.nodes.descendants(constructor.function) {
            let AstKind::AssignmentExpression(assignment) = node.kind else {
                continue;
            };
            if assignment.operator != AssignmentOperator::Assign
                || !directly_in(model, id, constructor.function)
            {
                continue;
            }
            let AssignmentTarget::StaticMemberExpression(member) = &assignment.left else {
                continue;
            };
            if !matches!(member.object, Expression::ThisExpression(_)) {
                continue;
            }
            let name = member.property.name.as_str();
            if fields.iter().any(|field| field.name == name) || custom.contains(&name) {
                continue;
            }
            match collection_of_value(&assignment.right) {
                Some(Some((kind, key))) => fields.push(CollectionField {
                    name,
                    kind,
                    key_type: key.or(declared_types.get(name).and_then(|(_, key)| *key)),
                    span: assignment.span,
                }),
                _ => custom.push(name),
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("webSocketMessage", "webSocketMessages"), 1);
        assert_eq!(edit_distance("alarm", "alarm"), 0);
        assert_eq!(edit_distance("webSocketClose", "webSocketClosed"), 1);
    }
}
