//! DO209 cursor-across-await.

use oxc_ast::AstKind;
use oxc_ast::ast::Expression;
use oxc_span::{GetSpan, Span};

use crate::optimize::model::{FileModel, SqlExec, SqlOrigin};
use crate::optimize::semantic::NodeId;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{binding_name, inner};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a cursor returned by `sql.exec` that is stored in a variable and then
    /// iterated or consumed (`toArray()`, `one()`, `for…of`, spread, `next()`,
    /// `raw()`) after an intervening `await`, and a cursor iterated by a `for…of`
    /// (directly, or through the variable that holds it) whose body awaits: the
    /// rows after the first are read across that `await`.
    ///
    /// **Why is this bad?**
    ///
    /// A cursor reads rows lazily. At the `await` other requests may run and write
    /// to the same tables, so the rows the cursor yields afterwards can mix states,
    /// and a write in between can invalidate the cursor.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const cursor = sql.exec("SELECT * FROM jobs WHERE state = 'ready'");
    /// await this.notify();
    /// for (const job of cursor) { … }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// const jobs = sql.exec("SELECT * FROM jobs WHERE state = 'ready'").toArray();
    /// await this.notify();
    /// for (const job of jobs) { … }
    /// ```
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/#exec
    pub static RULE = Rule {
        name: "cursor-across-await",
        area: Area::Queries,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A SQL cursor consumed after an intervening `await`",
        check: Check::File(check),
    };
}

/// The first `await` in the body of the `for…of` at `loop_node` that runs
/// in the loop's own function (not in a nested callback).
fn await_in_body(model: &FileModel<'_>, loop_node: NodeId) -> Option<NodeId> {
    let AstKind::ForOfStatement(statement) = model.nodes.kind(loop_node) else {
        return None;
    };
    if statement.r#await {
        return None;
    }
    let body = statement.body.span();
    let function = model.nodes.enclosing_function(loop_node);
    model
        .nodes
        .descendants(loop_node)
        .find(|(id, node)| {
            matches!(node.kind, AstKind::AwaitExpression(awaited) if body.contains_inclusive(awaited.span))
                && model.nodes.enclosing_function(*id) == function
        })
        .map(|(id, _)| id)
}

/// Report a cursor iterated by a `for…of` whose body awaits.
fn report_iterated_across_await(
    model: &FileModel<'_>,
    exec: &SqlExec<'_>,
    what: &str,
    at: Span,
    awaited: NodeId,
    report: &mut Report,
) {
    let awaited_span = model.nodes.kind(awaited).span();
    let awaited_line = crate::text::Position::of(
        model.source_text,
        awaited_span.start as usize,
        crate::text::LineEndings::JavaScript,
    )
    .line;
    let awaited_text = model.text(awaited_span);
    report.push(
        Violation::new(at, format!(
            "{what} is iterated by a `for…of` whose body awaits (`{}` on line {awaited_line}): the cursor reads its rows lazily, so rows after the first are read across the `await` while other requests may write",
            awaited_text.lines().next().unwrap_or(awaited_text)
        ))
        .fix("read the rows first (`const rows = sql.exec(…).toArray();`), then loop over `rows` and await inside")
        .effect("the rows come from one consistent state of the database")
        .class(exec.class.and_then(|index| model.classes[index].name)),
    );
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    // A framework's tagged template (`this.sql\`…\``) returns an array of
    // rows, read at once: there is no lazy cursor to hold across an await.
    for exec in model
        .sql_execs
        .iter()
        .filter(|exec| exec.confident && exec.origin != SqlOrigin::TaggedTemplate)
    {
        let Some(parent) = model.nodes.ancestors(exec.node).find(|&ancestor| {
            !matches!(
                model.nodes.kind(ancestor),
                AstKind::AwaitExpression(_) | AstKind::ParenthesizedExpression(_)
            )
        }) else {
            continue;
        };
        // `for (const row of sql.exec(…)) { await … }`
        if let AstKind::ForOfStatement(statement) = model.nodes.kind(parent)
            && statement.right.span().contains_inclusive(exec.span)
        {
            if let Some(awaited) = await_in_body(model, parent) {
                report_iterated_across_await(
                    model,
                    exec,
                    "the cursor of this `sql.exec`",
                    exec.span,
                    awaited,
                    report,
                );
            }
            continue;
        }
        let AstKind::VariableDeclarator(declarator) = model.nodes.kind(parent) else {
            continue;
        };
        let Some(name) = binding_name(&declarator.id) else {
            continue;
        };
        let Some(function) = model.nodes.enclosing_function(parent) else {
            continue;
        };
        let end = model.nodes.get(function).subtree_end;
        let mut seen_await = None;
        for id in (model.nodes.get(parent).subtree_end)..end {
            match model.nodes.kind(id) {
                AstKind::AwaitExpression(_)
                    if model.nodes.enclosing_function(id) == Some(function) =>
                {
                    seen_await.get_or_insert(id);
                }
                AstKind::IdentifierReference(ident) if ident.name == name => {
                    let Some(awaited) = seen_await else {
                        // Iterated by a `for…of` whose body awaits: read across it.
                        if let Some(loop_node) = model.nodes.parent(id)
                            && let AstKind::ForOfStatement(statement) = model.nodes.kind(loop_node)
                            && statement.right.span() == ident.span
                            && let Some(awaited) = await_in_body(model, loop_node)
                        {
                            report_iterated_across_await(
                                model,
                                exec,
                                &format!("the cursor `{name}`"),
                                ident.span,
                                awaited,
                                report,
                            );
                        }
                        // Consumed before any await: fine, and later uses are of the same rows.
                        break;
                    };
                    let Some(use_parent) = model.nodes.parent(id) else {
                        continue;
                    };
                    let consumed = match model.nodes.kind(use_parent) {
                        AstKind::StaticMemberExpression(member) => {
                            matches!(
                                member.property.name.as_str(),
                                "toArray" | "one" | "next" | "raw"
                            ) && matches!(inner(&member.object), Expression::Identifier(_))
                        }
                        AstKind::ForOfStatement(_) | AstKind::SpreadElement(_) => true,
                        _ => false,
                    };
                    if !consumed {
                        continue;
                    }
                    let awaited_line = crate::text::Position::of(
                        model.source_text,
                        model.nodes.kind(awaited).span().start as usize,
                        crate::text::LineEndings::JavaScript,
                    )
                    .line;
                    report.push(
                        Violation::new(ident.span, format!(
                            "the cursor `{name}` is read after the `await` on line {awaited_line}: other requests may write in between"
                        ))
                        .fix(format!("consume it before awaiting: `const {name} = sql.exec(…).toArray();` (or `.one()`)"))
                        .effect("the rows come from one consistent state of the database")
                        .class(exec.class.and_then(|index| model.classes[index].name)),
                    );
                    break;
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f() {
  const cursor = this.ctx.storage.sql.exec("SELECT * FROM jobs");
  await fetch("https://example.com");
  for (const job of cursor) { console.log(job); } } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f() {
  const jobs = this.ctx.storage.sql.exec("SELECT * FROM jobs").toArray();
  await fetch("https://example.com");
  for (const job of jobs) { console.log(job); } } }"#];
        assert_rule("DO209", &pass, &fail, None);
    }
}
