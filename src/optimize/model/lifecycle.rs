//! Helpers shared by the state, lifecycle and security rules (DO6xx, DO801):
//! where a local name is declared, where it is used, whether a piece of code
//! can leave a loop or a function, and which functions serve requests.
//!
//! Everything here is lexical and per function: a name is resolved to the
//! nearest declaration in an enclosing function, and a subtree is searched
//! without entering nested functions (their bodies run at another time).

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::optimize::model::{FileModel, collect_binding_names};
use crate::optimize::semantic::{NodeId, identifier_name, inner, member_path, method_call};

/// Whether `kind` starts a function (its body runs when called).
pub fn is_function(kind: AstKind<'_>) -> bool {
    matches!(
        kind,
        AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
    )
}

/// The descendants of `root` that are not inside a nested function.
pub fn own_descendants<'m, 'a>(
    model: &'m FileModel<'a>,
    root: NodeId,
) -> impl Iterator<Item = (NodeId, AstKind<'a>)> + 'm {
    let mut skip_until: NodeId = 0;
    model.nodes.descendants(root).filter_map(move |(id, node)| {
        if id < skip_until {
            return None;
        }
        if is_function(node.kind) {
            skip_until = node.subtree_end;
            return None;
        }
        Some((id, node.kind))
    })
}

/// Whether `node` is inside `root` without crossing a function boundary.
pub fn same_function(model: &FileModel<'_>, root: NodeId, node: NodeId) -> bool {
    if !model.nodes.contains(root, node) {
        return false;
    }
    let mut current = node;
    while current != root {
        if current != node && is_function(model.nodes.kind(current)) {
            return false;
        }
        match model.nodes.parent(current) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    true
}

/// Whether the subtree contains an `await` (or `for await`) of its own.
pub fn contains_await(model: &FileModel<'_>, root: NodeId) -> bool {
    own_descendants(model, root).any(|(_, kind)| match kind {
        AstKind::AwaitExpression(_) | AstKind::YieldExpression(_) => true,
        AstKind::ForOfStatement(statement) => statement.r#await,
        _ => false,
    })
}

/// Whether the subtree contains a `return` or `throw` of its own.
pub fn contains_exit(model: &FileModel<'_>, root: NodeId) -> bool {
    let root_kind = model.nodes.kind(root);
    matches!(
        root_kind,
        AstKind::ReturnStatement(_) | AstKind::ThrowStatement(_)
    ) || own_descendants(model, root).any(|(_, kind)| {
        matches!(
            kind,
            AstKind::ReturnStatement(_) | AstKind::ThrowStatement(_)
        )
    })
}

/// The function parameters' names of a function node.
pub fn parameter_names<'a>(model: &FileModel<'a>, function: NodeId) -> Vec<&'a str> {
    let params = match model.nodes.kind(function) {
        AstKind::Function(function) => &function.params,
        AstKind::ArrowFunctionExpression(arrow) => &arrow.params,
        _ => return Vec::new(),
    };
    let mut names = std::collections::HashSet::new();
    for param in &params.items {
        collect_binding_names(&param.pattern, &mut names);
    }
    names.into_iter().collect()
}

/// The formal parameters of a function node.
pub fn parameters<'a>(model: &FileModel<'a>, function: NodeId) -> Option<&'a FormalParameters<'a>> {
    match model.nodes.kind(function) {
        AstKind::Function(function) => Some(&function.params),
        AstKind::ArrowFunctionExpression(arrow) => Some(&arrow.params),
        _ => None,
    }
}

/// Where a local name comes from.
#[derive(Debug, Clone, Copy)]
pub enum Binding<'a> {
    /// A `const`/`let`/`var` declarator (also destructuring) in `function`.
    Local {
        declarator: &'a VariableDeclarator<'a>,
        node: NodeId,
    },
    /// A parameter of `function` (position `index`).
    Parameter {
        function: NodeId,
        index: usize,
        parameter: &'a FormalParameter<'a>,
    },
    /// A `for (const x of …)` / `for (const x in …)` loop variable.
    LoopVariable { node: NodeId },
    /// A function or class declared with that name.
    Declaration,
}

/// The nearest declaration of `name` visible from `at`: locals and
/// parameters of the enclosing functions, innermost first, then module
/// level declarations.
pub fn resolve<'a>(model: &FileModel<'a>, at: NodeId, name: &str) -> Option<Binding<'a>> {
    let mut scope = model.nodes.enclosing_function(at);
    loop {
        let root = scope.unwrap_or(0);
        if let Some(function) = scope
            && let Some(params) = parameters(model, function)
        {
            for (index, parameter) in params.items.iter().enumerate() {
                let mut names = std::collections::HashSet::new();
                collect_binding_names(&parameter.pattern, &mut names);
                if names.contains(name) {
                    return Some(Binding::Parameter {
                        function,
                        index,
                        parameter,
                    });
                }
            }
        }
        let search: Box<dyn Iterator<Item = (NodeId, AstKind<'a>)>> = match scope {
            Some(function) => Box::new(own_descendants(model, function)),
            None => {
                Box::new(std::iter::once((0, model.nodes.kind(0))).chain(own_descendants(model, 0)))
            }
        };
        for (id, kind) in search {
            match kind {
                AstKind::VariableDeclarator(declarator) => {
                    let mut names = std::collections::HashSet::new();
                    collect_binding_names(&declarator.id, &mut names);
                    if names.contains(name) {
                        let loop_variable = model.nodes.ancestors(id).nth(1).is_some_and(|outer| {
                            matches!(
                                model.nodes.kind(outer),
                                AstKind::ForOfStatement(_) | AstKind::ForInStatement(_)
                            )
                        }) && declarator.init.is_none();
                        return Some(if loop_variable {
                            Binding::LoopVariable { node: id }
                        } else {
                            Binding::Local {
                                declarator,
                                node: id,
                            }
                        });
                    }
                }
                AstKind::Function(function)
                    if function.id.as_ref().is_some_and(|ident| ident.name == name) =>
                {
                    return Some(Binding::Declaration);
                }
                AstKind::Class(class)
                    if class.id.as_ref().is_some_and(|ident| ident.name == name) =>
                {
                    return Some(Binding::Declaration);
                }
                _ => {}
            }
        }
        let _ = root;
        match scope {
            Some(function) => scope = model.nodes.enclosing_function(function),
            None => return None,
        }
    }
}

/// The expression a destructured or plain local name is read from: for
/// `const { a } = x` and `const [, a] = x` that is `x`; for `const a = x`
/// also `x`.
pub fn initializer<'a>(binding: &Binding<'a>) -> Option<&'a Expression<'a>> {
    match binding {
        Binding::Local { declarator, .. } => declarator.init.as_ref(),
        _ => None,
    }
}

/// Identifier references named `name` in `function` (including nested
/// functions that do not redeclare it).
pub fn references<'a>(model: &FileModel<'a>, function: NodeId, name: &str) -> Vec<NodeId> {
    model
        .nodes
        .descendants(function)
        .filter(|(_, node)| {
            matches!(node.kind, AstKind::IdentifierReference(ident) if ident.name == name)
        })
        .map(|(id, _)| id)
        .collect()
}

/// Right-hand sides of plain assignments `name = …` inside `function`.
pub fn reassignments<'a>(
    model: &FileModel<'a>,
    function: NodeId,
    name: &str,
) -> Vec<&'a AssignmentExpression<'a>> {
    model
        .nodes
        .descendants(function)
        .filter_map(|(_, node)| match node.kind {
            AstKind::AssignmentExpression(assignment)
                if matches!(&assignment.left,
                    AssignmentTarget::AssignmentTargetIdentifier(ident) if ident.name == name) =>
            {
                Some(assignment)
            }
            _ => None,
        })
        .collect()
}

/// The parent of `node`, looking through parentheses and TypeScript casts.
pub fn logical_parent(model: &FileModel<'_>, node: NodeId) -> Option<NodeId> {
    let mut current = node;
    loop {
        let parent = model.nodes.parent(current)?;
        match model.nodes.kind(parent) {
            AstKind::ParenthesizedExpression(_)
            | AstKind::TSAsExpression(_)
            | AstKind::TSSatisfiesExpression(_)
            | AstKind::TSNonNullExpression(_)
            | AstKind::TSTypeAssertion(_) => current = parent,
            _ => return Some(parent),
        }
    }
}

/// The outermost node with the same value as `node` (through parentheses
/// and casts).
pub fn logical_self(model: &FileModel<'_>, node: NodeId) -> NodeId {
    let mut current = node;
    while let Some(parent) = model.nodes.parent(current) {
        match model.nodes.kind(parent) {
            AstKind::ParenthesizedExpression(_)
            | AstKind::TSAsExpression(_)
            | AstKind::TSSatisfiesExpression(_)
            | AstKind::TSNonNullExpression(_)
            | AstKind::TSTypeAssertion(_) => current = parent,
            _ => break,
        }
    }
    current
}

/// `Date.now()`, `performance.now()`, `new Date()`: reads the clock.
pub fn is_clock(expr: &Expression<'_>) -> bool {
    match inner(expr) {
        Expression::CallExpression(call) => {
            matches!(
                member_path(&call.callee).as_deref(),
                Some(["Date", "now"]) | Some(["performance", "now"])
            ) || method_call(call)
                .is_some_and(|(receiver, method)| method == "getTime" && is_clock(receiver))
        }
        Expression::NewExpression(new) => identifier_name(&new.callee) == Some("Date"),
        _ => false,
    }
}

/// Whether the subtree at `node` reads the clock, directly or through a
/// local initialized from it (`const now = Date.now()`).
pub fn reads_clock(model: &FileModel<'_>, node: NodeId) -> bool {
    std::iter::once(node)
        .chain(model.nodes.descendants(node).map(|(id, _)| id))
        .any(|id| match model.nodes.kind(id) {
            AstKind::CallExpression(call) => is_clock_call(call),
            AstKind::NewExpression(new) => identifier_name(&new.callee) == Some("Date"),
            AstKind::IdentifierReference(ident) => {
                matches!(resolve(model, id, ident.name.as_str()),
                Some(Binding::Local { declarator, .. })
                    if declarator.init.as_ref().is_some_and(|init| {
                        let init = match inner(init) {
                            Expression::BinaryExpression(binary) => &binary.left,
                            other => other,
                        };
                        is_clock(init)
                    }))
            }
            _ => false,
        })
}

fn is_clock_call(call: &CallExpression<'_>) -> bool {
    matches!(
        member_path(&call.callee).as_deref(),
        Some(["Date", "now"]) | Some(["performance", "now"])
    )
}

/// Whether the class with this index extends `WorkerEntrypoint` (its
/// methods serve requests like a Worker's `fetch`).
pub fn is_worker_entrypoint(model: &FileModel<'_>, class: usize) -> bool {
    let class = &model.classes[class];
    class
        .class
        .heritage
        .as_ref()
        .and_then(|heritage| identifier_name(&heritage.expression))
        .is_some_and(|base| {
            model.imports.get(base).is_some_and(|import| {
                import.source == "cloudflare:workers" && import.imported == "WorkerEntrypoint"
            })
        })
}

/// Function nodes that run once per Worker request: the model's request
/// paths, the public methods of `WorkerEntrypoint` classes, and Pages
/// Functions (`export function onRequestGet(context)`,
/// `export const onRequest: PagesFunction = …`).
pub fn worker_request_functions(model: &FileModel<'_>) -> Vec<NodeId> {
    let mut functions = model.request_paths.clone();
    let pages_name = |name: &str| {
        name.strip_prefix("onRequest").is_some_and(|method| {
            matches!(
                method,
                "" | "Get" | "Post" | "Put" | "Patch" | "Delete" | "Head" | "Options"
            )
        })
    };
    for (id, node) in model.nodes.iter() {
        match node.kind {
            AstKind::Function(function)
                if function
                    .id
                    .as_ref()
                    .is_some_and(|ident| pages_name(&ident.name))
                    && model.class_of(id).is_none() =>
            {
                functions.push(id);
            }
            AstKind::VariableDeclarator(declarator)
                if crate::optimize::semantic::binding_name(&declarator.id)
                    .is_some_and(pages_name)
                    && model.class_of(id).is_none() =>
            {
                if let Some(function) = declarator
                    .init
                    .as_ref()
                    .and_then(|init| model.function_node(init))
                {
                    functions.push(function);
                }
            }
            _ => {}
        }
    }
    for (index, class) in model.classes.iter().enumerate() {
        if is_worker_entrypoint(model, index) {
            for method in &class.methods {
                if method.role != crate::optimize::model::MethodRole::Constructor {
                    functions.push(method.function);
                }
            }
        }
    }
    functions
}

/// Whether `node` runs in a Worker request (see [`worker_request_functions`]).
pub fn on_worker_request(model: &FileModel<'_>, functions: &[NodeId], node: NodeId) -> bool {
    functions
        .iter()
        .any(|&function| model.nodes.contains(function, node))
        && !model
            .background_paths
            .iter()
            .any(|&function| model.nodes.contains(function, node))
}

/// The node of an expression that is a direct child of `parent` (by span).
pub fn child_with_span(model: &FileModel<'_>, parent: NodeId, span: Span) -> Option<NodeId> {
    model
        .nodes
        .descendants(parent)
        .find(|(_, node)| node.kind.span() == span)
        .map(|(id, _)| id)
}
