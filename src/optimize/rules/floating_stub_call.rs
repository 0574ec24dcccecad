//! DO605 floating-stub-call.

use oxc_ast::AstKind;
use oxc_ast::ast::*;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::FileModel;
use crate::optimize::model::lifecycle::{Binding, logical_parent, references, resolve};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, binding_name, method_call};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a call on a Durable Object stub (an RPC method or `fetch`) whose
    /// promise is neither awaited, returned, stored, nor handed to something that
    /// waits for it (`ctx.waitUntil(…)`, `Promise.all(…)`): a floating promise.
    ///
    /// **Why is this bad?**
    ///
    /// A stub call is a network round trip to another object. Nobody waits for the
    /// floating promise, so:
    ///
    /// - when the Worker's response is sent, the runtime may cancel work the
    ///   request started and did not register with `waitUntil`, so the call can
    ///   silently never reach the object;
    /// - a failure (the object threw, was overloaded, or the network broke) becomes
    ///   an unhandled rejection that nobody sees;
    /// - the caller carries on as if the call had taken effect.
    ///
    /// **Example**
    ///
    /// ```ts
    /// export default {
    ///   async fetch(request, env, ctx) {
    ///     const stub = env.COUNTERS.getByName("visits");
    ///     stub.increment(); // floating
    ///     return new Response("ok");
    ///   },
    /// };
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// await stub.increment();
    /// // or, to answer first and finish in the background:
    /// ctx.waitUntil(stub.increment());
    /// ```
    ///
    /// **Known problems**
    ///
    /// `void stub.call()` is read as a deliberate fire-and-forget and is not
    /// reported (the convention of typescript-eslint's `no-floating-promises`);
    /// prefer `ctx.waitUntil(…)` there too, which keeps the call alive after the
    /// response. A promise stored in a variable that is used later, or passed to
    /// any function, is assumed to be awaited there. Only stubs the analyzer can
    /// trace to `env.X.get(…)`, `env.X.getByName(…)` in the same file are checked.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/best-practices/create-durable-object-stubs-and-send-requests/
    /// - https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
    pub static RULE = Rule {
        name: "floating-stub-call",
        area: Area::General,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A Durable Object stub call whose promise nobody awaits",
        check: Check::File(check),
    };
}

/// What happens to the value of an expression.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    /// Awaited, returned, stored, passed on: someone waits for it.
    Handled,
    /// `void promise`: deliberately ignored.
    Voided,
    /// Dropped on the floor.
    Floating,
}

/// Follow the promise of the call at `node` upwards until something takes
/// it (or drops it).
fn fate(model: &FileModel<'_>, node: NodeId) -> Fate {
    let mut current = node;
    loop {
        let Some(parent) = logical_parent(model, current) else {
            return Fate::Floating;
        };
        let current_span = model.nodes.kind(current).span();
        match model.nodes.kind(parent) {
            AstKind::AwaitExpression(_)
            | AstKind::ReturnStatement(_)
            | AstKind::ArrayExpression(_)
            | AstKind::ObjectProperty(_)
            | AstKind::SpreadElement(_)
            | AstKind::YieldExpression(_)
            | AstKind::TemplateLiteral(_)
            | AstKind::NewExpression(_)
            | AstKind::AssignmentExpression(_)
            | AstKind::AssignmentPattern(_)
            | AstKind::PropertyDefinition(_) => return Fate::Handled,
            AstKind::UnaryExpression(unary) => {
                return if unary.operator == UnaryOperator::Void {
                    Fate::Voided
                } else {
                    Fate::Handled
                };
            }
            AstKind::CallExpression(call) => {
                // `p.then(…)`, `p.catch(…)`, `p.finally(…)`: the chain's
                // fate is the promise's fate.
                if call.callee.span().contains_inclusive(current_span) {
                    if method_call(call)
                        .is_some_and(|(_, method)| matches!(method, "then" | "catch" | "finally"))
                    {
                        current = parent;
                        continue;
                    }
                    return Fate::Handled;
                }
                // An argument: `ctx.waitUntil(p)`, `Promise.all([p])`, `f(p)`.
                return Fate::Handled;
            }
            AstKind::StaticMemberExpression(_) | AstKind::ComputedMemberExpression(_) => {
                current = parent;
                continue;
            }
            AstKind::ChainExpression(_)
            | AstKind::SequenceExpression(_)
            | AstKind::LogicalExpression(_)
            | AstKind::ConditionalExpression(_) => {
                current = parent;
                continue;
            }
            // The expression body of an arrow function is its return value.
            AstKind::ArrowFunctionExpression(_) => return Fate::Handled,
            AstKind::ExpressionStatement(_) => return Fate::Floating,
            AstKind::VariableDeclarator(declarator) => {
                return match binding_name(&declarator.id) {
                    Some(name) => {
                        let scope = model.nodes.enclosing_function(parent).unwrap_or(0);
                        let used = references(model, scope, name).into_iter().any(|reference| {
                            matches!(resolve(model, reference, name), Some(Binding::Local { node, .. }) if node == parent)
                        });
                        if used { Fate::Handled } else { Fate::Floating }
                    }
                    None => Fate::Handled,
                };
            }
            _ => return Fate::Handled,
        }
    }
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for stub in &model.stub_calls {
        if fate(model, stub.node) != Fate::Floating {
            continue;
        }
        let callee = context.text(stub.call.callee.span());
        report.push(
            Violation::new(stub.call.span, format!(
                "the promise of `{callee}(…)` floats: it is neither awaited, returned, nor passed to `waitUntil`, so the call to the Durable Object may be cancelled when the request ends and its errors go unseen"
            ))
            .fix(format!(
                "`await {callee}(…)`, or to finish after the response: `ctx.waitUntil({callee}(…))`"
            ))
            .effect("the call is guaranteed to reach the object, and its failures surface"),
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
  const stub = env.COUNTER.getByName("a"); stub.increment(); return new Response("ok"); } };"#,
            r#"export default { async fetch(request: Request, env: Env) {
  env.ROOMS.get(env.ROOMS.idFromName("a")).fetch(request).then((r) => console.log(r.status)); return new Response("ok"); } };"#,
            r#"export default { async fetch(request: Request, env: Env) {
  const stub = env.COUNTER.getByName("a"); const pending = stub.increment(); return new Response("ok"); } };"#,
        ];
        let pass = [
            r#"export default { async fetch(request: Request, env: Env, ctx: ExecutionContext) {
  const stub = env.COUNTER.getByName("a");
  await stub.increment();
  ctx.waitUntil(stub.increment());
  const p = stub.increment(); await p;
  await Promise.all([stub.increment(), stub.increment()]);
  void stub.increment();
  return stub.fetch(request); } };"#,
            r#"export default { async fetch(request: Request, env: Env) {
  const ids = ["a", "b"];
  await Promise.all(ids.map((name) => env.COUNTER.getByName(name).increment()));
  return new Response("ok"); } };"#,
        ];
        assert_rule("DO605", &pass, &fail, None);
    }
}
