//! DO602 unique-id-per-request.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::lifecycle::{
    Binding, logical_parent, logical_self, on_worker_request, references, resolve,
    worker_request_functions,
};
use crate::optimize::model::{FileModel, IdKind, MethodRole};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, binding_name, method_call};

declare_rule! {
    /// **What it does**
    ///
    /// Reports `newUniqueId()` called while serving a request (a Worker's `fetch`,
    /// a route handler, a `WorkerEntrypoint` method, or a Durable Object's handler)
    /// when the id is only used to get a stub and call it: it is never stored,
    /// returned, or turned into a string.
    ///
    /// **Why is this bad?**
    ///
    /// Every request creates a brand new Durable Object that nobody can ever reach
    /// again: its state is written once and orphaned, each call pays a cold start
    /// in a new object instead of reusing a warm one, and nothing coordinates
    /// because no two requests share an object. Orphaned objects with storage are
    /// also billed for that storage.
    ///
    /// **Example**
    ///
    /// ```ts
    /// export default {
    ///   async fetch(request, env) {
    ///     const id = env.COUNTER.newUniqueId();
    ///     const stub = env.COUNTER.get(id);
    ///     return stub.fetch(request);
    ///   },
    /// };
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// // One object per stable key:
    /// const stub = env.COUNTER.getByName(userId);
    /// // or create once and keep the id:
    /// const id = env.GAMES.newUniqueId();
    /// await env.GAMES_KV.put(gameCode, id.toString());
    /// return Response.json({ game: id.toString() });
    /// ```
    ///
    /// **Known problems**
    ///
    /// An id that escapes in any other way (passed to a function, put in a
    /// response, stored in a variable that is read elsewhere, `stub.id` read) is
    /// assumed to be kept. An object that records its own `ctx.id` somewhere is not
    /// seen from the call site and is still reported.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/namespace/#newuniqueid
    /// - https://developers.cloudflare.com/durable-objects/best-practices/create-durable-object-stubs-and-send-requests/
    pub static RULE = Rule {
        name: "unique-id-per-request",
        area: Area::General,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`newUniqueId()` per request, never stored or returned: a new orphaned object each time",
        check: Check::File(check),
    };
}

/// Whether a value at `node` (an id or a stub) is only used as the
/// receiver of method calls, or (for an id) only passed to `NS.get(id)`
/// whose stub is used that way too.
fn only_used_for_calls(model: &FileModel<'_>, node: NodeId, is_id: bool, depth: u8) -> bool {
    if depth > 3 {
        return false;
    }
    let node = logical_self(model, node);
    let Some(parent) = logical_parent(model, node) else {
        return false;
    };
    let span = model.nodes.kind(node).span();
    match model.nodes.kind(parent) {
        AstKind::CallExpression(call) if is_id => {
            // `NS.get(id)`: the id becomes a stub.
            let is_get = method_call(call).is_some_and(|(_, method)| method == "get")
                && call
                    .arguments
                    .first()
                    .is_some_and(|first| first.span() == span);
            is_get && only_used_for_calls(model, parent, false, depth + 1)
        }
        AstKind::StaticMemberExpression(member) if !is_id => {
            // `stub.method(…)`, but not `stub.id` / `stub.name`.
            if matches!(member.property.name.as_str(), "id" | "name") {
                return false;
            }
            logical_parent(model, parent).is_some_and(|call| {
                matches!(model.nodes.kind(call), AstKind::CallExpression(call)
                    if call.callee.span() == member.span)
            })
        }
        AstKind::VariableDeclarator(declarator) => {
            let Some(name) = binding_name(&declarator.id) else {
                return false;
            };
            let scope = model.nodes.enclosing_function(parent).unwrap_or(0);
            let uses: Vec<NodeId> = references(model, scope, name)
                .into_iter()
                .filter(|&reference| {
                    matches!(resolve(model, reference, name),
                        Some(Binding::Local { node, .. }) if node == parent)
                })
                .collect();
            !uses.is_empty()
                && uses
                    .iter()
                    .all(|&reference| only_used_for_calls(model, reference, is_id, depth + 1))
        }
        _ => false,
    }
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let worker = worker_request_functions(model);
    for id_call in model
        .id_calls
        .iter()
        .filter(|call| call.kind == IdKind::NewUnique)
    {
        let in_durable_object = model.method_at(id_call.node).and_then(|(class, method)| {
            (model.classes[class].is_do() && method.role != MethodRole::Constructor)
                .then_some(model.classes[class].name)
        });
        let per_request =
            on_worker_request(model, &worker, id_call.node) || in_durable_object.is_some();
        if !per_request {
            continue;
        }
        if !only_used_for_calls(model, id_call.node, true, 0) {
            continue;
        }
        let namespace = id_call
            .binding
            .map(|binding| format!("`{binding}`"))
            .unwrap_or_else(|| "this namespace".to_string());
        report.push(
            Violation::new(id_call.call.span, format!(
                "`{}` makes a new Durable Object of {namespace} for every request, and the id is never stored or returned: each object is used once and orphaned",
                context.text(id_call.call.span)
            ))
            .fix("address a stable object with `getByName(key)` / `idFromName(key)`, or create the object once and keep `id.toString()` (in KV, D1 or a response) to reach it again with `idFromString`")
            .effect("requests share warm objects instead of paying a cold start in a new one each time, and no orphaned storage accumulates")
            .class(in_durable_object.flatten()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [
            r#"export default { async fetch(request: Request, env: Env) {
  const id = env.COUNTER.newUniqueId(); const stub = env.COUNTER.get(id); return stub.fetch(request); } };"#,
            r#"export default { async fetch(request: Request, env: Env) {
  return env.COUNTER.get(env.COUNTER.newUniqueId()).fetch(request); } };"#,
        ];
        let pass = [
            r#"export default { async fetch(request: Request, env: Env) {
  const id = env.GAMES.newUniqueId(); await env.KV.put("game", id.toString());
  return env.GAMES.get(id).fetch(request); } };"#,
            r#"export default { async fetch(request: Request, env: Env) {
  const id = env.GAMES.newUniqueId(); return Response.json({ id: id.toString() }); } };"#,
            r#"export default { async fetch(request: Request, env: Env) {
  const stub = env.GAMES.get(env.GAMES.newUniqueId()); await stub.init(); return Response.json({ id: stub.id.toString() }); } };"#,
            // Module level: not per request.
            r#"declare const env: Env; const id = env.X.newUniqueId(); export const stub = env.X.get(id);"#,
        ];
        assert_rule("DO602", &pass, &fail, None);
    }
}
