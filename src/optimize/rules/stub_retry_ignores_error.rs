//! DO607 stub-retry-ignores-error.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::{BlockStatement, Expression, Statement, UnaryOperator};
use oxc_span::{GetSpan, Span};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::{FileModel, StubCall};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, binding_name, method_call, this_member};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `try` around a Durable Object stub call whose `catch` retries
    /// (the `try` sits in a loop that the `catch` continues or does not leave
    /// with `throw`, `return` or `break`, or the `catch` makes the call again
    /// or calls the enclosing function again) when one of these holds:
    ///
    /// - the `catch` never reads the error's `retryable` flag;
    /// - it retries when `overloaded` is set (an `if` on `err.overloaded`, not
    ///   negated, whose branch retries);
    /// - it retries on the same stub object (a stub variable or field made
    ///   outside the loop, or not made again in the `catch`).
    ///
    /// A stub is followed into fields (`this.stub = env.NS.getByName(name)`)
    /// and through a stub factory handed to a class of the same file (`new
    /// Client(() => env.NS.get(id))`, kept as `this.makeStub = makeStub` and
    /// called as `this.stub = this.makeStub()`).
    ///
    /// **Why is this bad?**
    ///
    /// Exceptions from a stub say whether a retry can help: `err.retryable` is
    /// set for transient failures, and `err.overloaded` means the object is
    /// already over capacity, where a retry only adds load. After some errors a
    /// stub is broken for good, so a retry must make a fresh stub. Retrying
    /// every error also repeats calls that were not idempotent.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const stub = env.ROOMS.getByName(name);
    /// for (let attempt = 0; attempt < 3; attempt++) {
    ///   try {
    ///     return await stub.post(message);
    ///   } catch (err) {
    ///     await sleep(100 * 2 ** attempt);
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// for (let attempt = 0; ; attempt++) {
    ///   const stub = env.ROOMS.getByName(name); // a fresh stub per attempt
    ///   try {
    ///     return await stub.post(message);
    ///   } catch (err: any) {
    ///     if (!err.retryable || err.overloaded || attempt >= 3) throw err;
    ///     await sleep(100 * 2 ** attempt);
    ///   }
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// A helper that reads the flags for the `catch` (`shouldRetry(err)`) counts
    /// when its name says "retry"; other helpers are not followed.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/best-practices/error-handling/
    pub static RULE = Rule {
        name: "stub-retry-ignores-error",
        area: Area::General,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A `catch` around a stub call retries without reading `retryable`, on `overloaded`, or on the same stub",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let mut reported: HashSet<NodeId> = HashSet::new();
    for stub in &model.stub_calls {
        let function = model.nodes.enclosing_function(stub.node);
        let Some((try_node, catch)) = enclosing_try(model, stub.node, function) else {
            continue;
        };
        if reported.contains(&try_node) {
            continue;
        }
        let retry_loop = enclosing_loop(model, try_node, function);
        let continues = model.nodes.descendants(try_node).any(|(_, node)| {
            matches!(node.kind, AstKind::ContinueStatement(statement) if catch.span.contains_inclusive(statement.span))
        });
        let loops_back = retry_loop.is_some() && (continues || !exits(catch.body));
        let calls_again = calls_again(model, try_node, catch.span, stub, function);
        if !loops_back && !calls_again {
            continue;
        }
        let mut problems = Vec::new();
        let catch_text = model.text(catch.span);
        if !catch_text.to_ascii_lowercase().contains("retry") {
            problems.push("never reads the error's `retryable` flag".to_string());
        }
        if retries_when_overloaded(model, try_node, catch.span, stub, retry_loop.is_some()) {
            problems.push(
                "retries when `overloaded` is set (the object is over capacity: a retry adds load)"
                    .to_string(),
            );
        }
        let scope = match retry_loop {
            Some((_, body)) if loops_back => body,
            _ => catch.span,
        };
        if same_stub(model, try_node, stub, scope) {
            problems.push(format!(
                "retries on the same stub `{}` (a stub can be broken after an error: make a fresh one per attempt)",
                stub.stub_key
            ));
        }
        if problems.is_empty() {
            continue;
        }
        reported.insert(try_node);
        let how = if calls_again {
            "calls again"
        } else {
            "loops back"
        };
        report.push(
            Violation::new(
                stub.call.span,
                format!(
                    "the `catch` around `{}.{}(…)` {how} to retry, but {}",
                    stub.stub_key,
                    stub.method,
                    problems.join("; and ")
                ),
            )
            .fix("retry only when `err.retryable` and not `err.overloaded`, with backoff and a bounded number of attempts, on a fresh stub (`ns.getByName(name)`) each time, and only for idempotent calls")
            .effect("transient failures are retried, overload is not made worse, and a broken stub is not reused"),
        );
    }
}

/// The catch clause: its span and body.
struct Catch<'b, 'a> {
    span: Span,
    body: &'b BlockStatement<'a>,
}

/// The nearest `try` (in the same function) whose block holds `node` and
/// that has a `catch`.
fn enclosing_try<'b, 'a>(
    model: &'b FileModel<'a>,
    node: NodeId,
    function: Option<NodeId>,
) -> Option<(NodeId, Catch<'b, 'a>)> {
    let span = model.nodes.kind(node).span();
    for ancestor in model.nodes.ancestors(node) {
        if Some(ancestor) == function {
            return None;
        }
        if let AstKind::TryStatement(statement) = model.nodes.kind(ancestor)
            && statement.block.span.contains_inclusive(span)
        {
            let handler = statement.handler.as_ref()?;
            return Some((
                ancestor,
                Catch {
                    span: handler.body.span,
                    body: &handler.body,
                },
            ));
        }
    }
    None
}

/// The nearest loop around `node` in the same function, with its body span.
fn enclosing_loop(
    model: &FileModel<'_>,
    node: NodeId,
    function: Option<NodeId>,
) -> Option<(NodeId, Span)> {
    for ancestor in model.nodes.ancestors(node) {
        if Some(ancestor) == function {
            return None;
        }
        let body = match model.nodes.kind(ancestor) {
            AstKind::ForStatement(statement) => statement.body.span(),
            AstKind::ForOfStatement(statement) => statement.body.span(),
            AstKind::ForInStatement(statement) => statement.body.span(),
            AstKind::WhileStatement(statement) => statement.body.span(),
            AstKind::DoWhileStatement(statement) => statement.body.span(),
            _ => continue,
        };
        return Some((ancestor, body));
    }
    None
}

/// Whether a block always leaves: its last statement throws, returns or
/// breaks.
fn exits(block: &BlockStatement<'_>) -> bool {
    block.body.last().is_some_and(statement_exits)
}

fn statement_exits(statement: &Statement<'_>) -> bool {
    match statement {
        Statement::ThrowStatement(_)
        | Statement::ReturnStatement(_)
        | Statement::BreakStatement(_) => true,
        Statement::BlockStatement(block) => exits(block),
        Statement::IfStatement(statement) => {
            statement_exits(&statement.consequent)
                && statement.alternate.as_ref().is_some_and(statement_exits)
        }
        _ => false,
    }
}

/// Whether the catch makes the same stub call again, or calls the enclosing
/// function again (`return this.send(…)` from `send`).
fn calls_again(
    model: &FileModel<'_>,
    try_node: NodeId,
    catch: Span,
    stub: &StubCall<'_>,
    function: Option<NodeId>,
) -> bool {
    let own_name = function.and_then(|function| function_name(model, function));
    model.nodes.descendants(try_node).any(|(_, node)| {
        let AstKind::CallExpression(call) = node.kind else {
            return false;
        };
        if !catch.contains_inclusive(call.span) {
            return false;
        }
        if let Some((receiver, method)) = method_call(call)
            && method == stub.method
            && model.text(receiver.span()) == stub.stub_key
        {
            return true;
        }
        let called = match &call.callee {
            Expression::Identifier(ident) => Some(ident.name.as_str()),
            callee => this_member(callee),
        };
        called.is_some() && called == own_name
    })
}

/// The name of a function or method node.
fn function_name<'a>(model: &FileModel<'a>, function: NodeId) -> Option<&'a str> {
    if let AstKind::Function(function) = model.nodes.kind(function)
        && let Some(id) = &function.id
    {
        return Some(id.name.as_str());
    }
    let parent = model.nodes.parent(function)?;
    match model.nodes.kind(parent) {
        AstKind::MethodDefinition(method) => method.key.static_name().map(|name| match name {
            std::borrow::Cow::Borrowed(name) => name,
            std::borrow::Cow::Owned(_) => "",
        }),
        AstKind::VariableDeclarator(declarator) => binding_name(&declarator.id),
        _ => None,
    }
    .filter(|name| !name.is_empty())
}

/// Whether an `if` on `err.overloaded` (not negated) leads to a retry.
fn retries_when_overloaded(
    model: &FileModel<'_>,
    try_node: NodeId,
    catch: Span,
    stub: &StubCall<'_>,
    in_loop: bool,
) -> bool {
    model.nodes.descendants(try_node).any(|(_, node)| {
        let AstKind::IfStatement(statement) = node.kind else {
            return false;
        };
        if !catch.contains_inclusive(statement.span) || !unnegated_overloaded(&statement.test) {
            return false;
        }
        let branch = model.text(statement.consequent.span());
        let recalls = branch.contains(&format!("{}.{}(", stub.stub_key, stub.method));
        branch.contains("continue")
            || recalls
            || (in_loop && !statement_exits(&statement.consequent))
    })
}

/// `err.overloaded`, `a || err.overloaded`: true when the condition holds
/// with `overloaded` set (not `!err.overloaded`).
fn unnegated_overloaded(test: &Expression<'_>) -> bool {
    match test.get_inner_expression() {
        Expression::StaticMemberExpression(member) => member.property.name == "overloaded",
        Expression::LogicalExpression(logical) => {
            unnegated_overloaded(&logical.left) || unnegated_overloaded(&logical.right)
        }
        Expression::UnaryExpression(unary) if unary.operator == UnaryOperator::LogicalNot => false,
        _ => false,
    }
}

/// Whether the retry reuses the stub: the stub is a variable or field that
/// `scope` (the loop body, or the catch) neither declares nor assigns. A
/// stub made in the call itself (`ns.getByName(n).m()`) is fresh.
fn same_stub(model: &FileModel<'_>, try_node: NodeId, stub: &StubCall<'_>, scope: Span) -> bool {
    let key = stub.stub_key.as_str();
    if key.contains('(') {
        return false;
    }
    // Walk the whole function: the loop body may start before the `try`.
    let root = model.nodes.enclosing_function(try_node).unwrap_or(0);
    !model
        .nodes
        .descendants(root)
        .any(|(_, node)| match node.kind {
            AstKind::VariableDeclarator(declarator) => {
                scope.contains_inclusive(declarator.span)
                    && binding_name(&declarator.id) == Some(key)
            }
            AstKind::AssignmentExpression(assignment) => {
                scope.contains_inclusive(assignment.span)
                    && model.text(assignment.left.span()) == key
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    const HEAD: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject { async post(m: string) { return m; } }\ninterface Env { ROOMS: DurableObjectNamespace<Room> }\n";

    fn worker(body: &str) -> String {
        format!(
            "{HEAD}export default {{\n  async fetch(request: Request, env: Env) {{\n{body}\n  }},\n}};\n"
        )
    }

    #[test]
    fn pass_and_fail() {
        let fail = [
            worker(
                "    const stub = env.ROOMS.getByName(\"a\");\n    for (let i = 0; i < 3; i++) {\n      try {\n        return new Response(await stub.post(\"x\"));\n      } catch (err) {\n        await new Promise((r) => setTimeout(r, 100));\n      }\n    }\n    return new Response(\"down\", { status: 503 });",
            ),
            worker(
                "    for (let i = 0; i < 3; i++) {\n      const stub = env.ROOMS.getByName(\"a\");\n      try {\n        return new Response(await stub.post(\"x\"));\n      } catch (err: any) {\n        if (err.retryable || err.overloaded) continue;\n        throw err;\n      }\n    }\n    return new Response(\"down\", { status: 503 });",
            ),
            worker(
                "    const stub = env.ROOMS.getByName(\"a\");\n    try {\n      return new Response(await stub.post(\"x\"));\n    } catch (err) {\n      return new Response(await stub.post(\"x\"));\n    }",
            ),
        ];
        let pass = [
            worker(
                "    for (let i = 0; i < 3; i++) {\n      const stub = env.ROOMS.getByName(\"a\");\n      try {\n        return new Response(await stub.post(\"x\"));\n      } catch (err: any) {\n        if (!err.retryable || err.overloaded) throw err;\n      }\n    }\n    return new Response(\"down\", { status: 503 });",
            ),
            worker(
                "    const stub = env.ROOMS.getByName(\"a\");\n    try {\n      return new Response(await stub.post(\"x\"));\n    } catch (err) {\n      return new Response(String(err), { status: 500 });\n    }",
            ),
            worker(
                "    const stub = env.ROOMS.getByName(\"a\");\n    for (const m of [\"x\", \"y\"]) {\n      try {\n        await stub.post(m);\n      } catch (err) {\n        console.log(err);\n        break;\n      }\n    }\n    return new Response(\"ok\");",
            ),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO607", &pass, &fail, None);
    }
}
