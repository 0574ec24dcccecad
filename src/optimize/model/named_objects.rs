//! Calls that name a Durable Object: `idFromName(name)`, `getByName(name)`
//! and the framework helpers that take `(namespace, name)` and return a stub
//! (the Agents SDK's `getAgentByName`, partyserver's `getServerByName`).
//! Shared by the rules about constant names (DO603) and untrusted names
//! (DO801).

use oxc_ast::AstKind;
use oxc_ast::ast::CallExpression;

use super::{FileModel, IdKind};
use crate::optimize::semantic::{NodeId, argument, identifier_name};

/// Helpers that take `(namespace, name)` and return a stub.
pub const NAMED_STUB_HELPERS: &[(&str, &str)] = &[
    ("agents", "getAgentByName"),
    ("partyserver", "getServerByName"),
];

/// `getAgentByName(ns, name)` / `getServerByName(ns, name)` imported from
/// their package: the name argument.
pub fn named_stub_helper<'b, 'a>(
    model: &FileModel<'a>,
    call: &'b CallExpression<'a>,
) -> Option<&'b oxc_ast::ast::Expression<'a>> {
    let callee = identifier_name(&call.callee)?;
    let import = model.imports.get(callee)?;
    NAMED_STUB_HELPERS
        .iter()
        .any(|(package, name)| {
            (import.source == *package || import.source.starts_with(&format!("{package}/")))
                && import.imported == *name
        })
        .then(|| argument(call, 1))
        .flatten()
}

/// Every call that names an object: (call node, call, name argument).
pub fn named_object_calls<'a>(
    model: &FileModel<'a>,
) -> Vec<(
    NodeId,
    &'a CallExpression<'a>,
    &'a oxc_ast::ast::Expression<'a>,
)> {
    let mut calls = Vec::new();
    for id_call in &model.id_calls {
        if matches!(id_call.kind, IdKind::FromName | IdKind::GetByName)
            && let Some(name) = argument(id_call.call, 0)
        {
            calls.push((id_call.node, id_call.call, name));
        }
    }
    for &node in &model.calls {
        if let AstKind::CallExpression(call) = model.nodes.kind(node)
            && let Some(name) = named_stub_helper(model, call)
        {
            calls.push((node, call, name));
        }
    }
    calls
}
