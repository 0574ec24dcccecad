//! Helpers shared by the constructor rules (DO101–DO104).

use oxc_ast::AstKind;
use oxc_ast::ast::CallExpression;

use crate::optimize::model::{FileModel, StoragePath};
use crate::optimize::semantic::{NodeId, identifier_name, method_call};

/// `<state>.blockConcurrencyWhile(callback)` calls: (call node, call).
pub fn block_concurrency_calls<'m, 'a>(
    model: &'m FileModel<'a>,
) -> impl Iterator<Item = (NodeId, &'a CallExpression<'a>)> + 'm {
    model.calls.iter().filter_map(move |&id| {
        let AstKind::CallExpression(call) = model.nodes.kind(id) else {
            return None;
        };
        let (receiver, name) = method_call(call)?;
        (name == "blockConcurrencyWhile"
            && model.storage_path_at(receiver, id) == Some(StoragePath::State))
        .then_some((id, call))
    })
}

/// Whether a call is a network `fetch(...)` (the global, not a stub's).
pub fn is_network_fetch(call: &CallExpression<'_>) -> bool {
    identifier_name(&call.callee) == Some("fetch")
}

/// Async storage calls: `storage.get/put/list/delete/getAlarm/…`.
pub fn async_storage_method(
    model: &FileModel<'_>,
    id: NodeId,
    call: &CallExpression<'_>,
) -> Option<&'static str> {
    let (receiver, name) = method_call(call)?;
    if model.storage_path_at(receiver, id) != Some(StoragePath::Storage) {
        return None;
    }
    super::storage_api::ASYNC_METHODS
        .iter()
        .copied()
        .find(|candidate| *candidate == name)
}
