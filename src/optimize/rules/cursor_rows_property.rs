//! DO206 cursor-rows-property.

use oxc_ast::AstKind;
use oxc_ast::ast::Expression;
use oxc_span::GetSpan;

use crate::optimize::finding::{Applicability, Area, Severity};
use crate::optimize::model::{FileModel, SqlExec};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, binding_name, inner};
use crate::text::Edit;
use crate::text::TextRange;

declare_rule! {
    /// **What it does**
    ///
    /// Reports `.rows` read on the cursor returned by `sql.exec(...)`, directly or
    /// through a variable holding it.
    ///
    /// **Why is this bad?**
    ///
    /// A Durable Object SQL cursor has no `rows` property: it is always `undefined`.
    /// Code written for other drivers (`pg`, D1's `.results`) silently gets nothing,
    /// or throws on `undefined[0]`.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const result = this.ctx.storage.sql.exec("SELECT * FROM messages WHERE id = ?", id);
    /// return result.rows[0];
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// const result = this.ctx.storage.sql.exec("SELECT * FROM messages WHERE id = ?", id);
    /// return result.toArray()[0];   // or .one() when exactly one row must exist
    /// ```
    ///
    /// **Fix safety**
    ///
    /// Safe: `.rows` is always `undefined`, so every use of it is already broken;
    /// `.toArray()` returns the array of row objects the code expects.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/#returns
    pub static RULE = Rule {
        name: "cursor-rows-property",
        area: Area::Queries,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::Always,
        summary: "`.rows` on a SQL cursor (always undefined)",
        check: Check::File(check),
    };
}

/// The variable a cursor is stored in (`const c = [await] sql.exec(…)`).
fn cursor_variable<'a>(model: &FileModel<'a>, exec: &SqlExec<'a>) -> Option<(&'a str, NodeId)> {
    for ancestor in model.nodes.ancestors(exec.node) {
        match model.nodes.kind(ancestor) {
            AstKind::AwaitExpression(_)
            | AstKind::ParenthesizedExpression(_)
            | AstKind::TSAsExpression(_) => {}
            AstKind::VariableDeclarator(declarator) => {
                return binding_name(&declarator.id).map(|name| (name, ancestor));
            }
            _ => return None,
        }
    }
    None
}

/// Whether the reference `id` to `name` sits in a function or block below
/// `scope` that declares its own `name` (a parameter or local that shadows
/// the cursor's variable).
fn shadowed(model: &FileModel<'_>, id: NodeId, scope: NodeId, name: &str) -> bool {
    for ancestor in model.nodes.ancestors(id) {
        if ancestor == scope {
            return false;
        }
        let declares_here = matches!(
            model.nodes.kind(ancestor),
            AstKind::Function(_)
                | AstKind::ArrowFunctionExpression(_)
                | AstKind::BlockStatement(_)
                | AstKind::CatchClause(_)
                | AstKind::ForStatement(_)
                | AstKind::ForOfStatement(_)
                | AstKind::ForInStatement(_)
        );
        if declares_here
            && model.nodes.descendants(ancestor).any(|(_, node)| {
                matches!(node.kind, AstKind::BindingIdentifier(binding) if binding.name == name)
            })
        {
            return true;
        }
    }
    false
}

/// Whether the member expression at `id` is written (`c.rows = …`,
/// `c.rows++`, `delete c.rows`, a destructuring or loop target), not read.
fn is_written(model: &FileModel<'_>, id: NodeId, span: oxc_span::Span) -> bool {
    let contains = |outer: oxc_span::Span| outer.start <= span.start && span.end <= outer.end;
    for ancestor in model.nodes.ancestors(id) {
        match model.nodes.kind(ancestor) {
            AstKind::AssignmentExpression(assignment) => return contains(assignment.left.span()),
            AstKind::UpdateExpression(_) => return true,
            AstKind::UnaryExpression(unary) => {
                return unary.operator == oxc_ast::ast::UnaryOperator::Delete;
            }
            AstKind::ForOfStatement(statement) => return contains(statement.left.span()),
            AstKind::ForInStatement(statement) => return contains(statement.left.span()),
            AstKind::ParenthesizedExpression(_)
            | AstKind::TSAsExpression(_)
            | AstKind::TSNonNullExpression(_)
            | AstKind::TSSatisfiesExpression(_) => {}
            kind if is_assignment_target(&kind) => {}
            _ => return false,
        }
    }
    false
}

/// The nodes oxc puts around a member expression used as a target.
fn is_assignment_target(kind: &AstKind<'_>) -> bool {
    matches!(
        kind,
        AstKind::ArrayAssignmentTarget(_)
            | AstKind::ObjectAssignmentTarget(_)
            | AstKind::AssignmentTargetRest(_)
            | AstKind::AssignmentTargetWithDefault(_)
            | AstKind::AssignmentTargetPropertyIdentifier(_)
            | AstKind::AssignmentTargetPropertyProperty(_)
    )
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        let mut reads: Vec<NodeId> = Vec::new();
        // Direct: `sql.exec(...).rows` or `(await sql.exec(...)).rows`.
        let direct = model.nodes.ancestors(exec.node).find(|&ancestor| {
            !matches!(
                model.nodes.kind(ancestor),
                AstKind::AwaitExpression(_) | AstKind::ParenthesizedExpression(_)
            )
        });
        if let Some(parent) = direct
            && let AstKind::StaticMemberExpression(member) = model.nodes.kind(parent)
            && member.property.name == "rows"
        {
            reads.push(parent);
        }
        // Uses of the variable that holds the cursor (not of a shadowing
        // parameter or local of the same name).
        let mut uses = 0usize;
        if let Some((name, declarator)) = cursor_variable(model, exec)
            && let Some(scope) = model.nodes.enclosing_function(declarator)
        {
            for (id, node) in model.nodes.descendants(scope) {
                let AstKind::IdentifierReference(ident) = node.kind else {
                    continue;
                };
                if ident.name != name || id < declarator || shadowed(model, id, scope, name) {
                    continue;
                }
                uses += 1;
                if let Some(parent) = model.nodes.parent(id)
                    && let AstKind::StaticMemberExpression(member) = model.nodes.kind(parent)
                    && member.property.name == "rows"
                    && matches!(inner(&member.object), Expression::Identifier(object) if object.span == ident.span)
                {
                    reads.push(parent);
                }
            }
        }
        // A second `.toArray()` on a consumed cursor returns nothing: the fix
        // is safe only where the cursor is used once.
        let consumed_once = uses <= 1 && reads.len() == 1;
        for read in reads {
            let AstKind::StaticMemberExpression(member) = model.nodes.kind(read) else {
                continue;
            };
            if is_written(model, read, member.span) {
                continue;
            }
            let property = member.property.span;
            let object = context.text(member.object.span());
            let mut violation = Violation::new(
                property,
                format!(
                    "`{}` is always undefined: the cursor from `sql.exec` has no `rows` property",
                    context.text(member.span)
                ),
            )
            .effect("the query's rows are actually returned instead of `undefined`")
            .class(exec.class.and_then(|index| model.classes[index].name));
            if consumed_once {
                violation = violation
                    .fix(format!(
                        "`{object}.toArray()` (or `.one()` for exactly one row)"
                    ))
                    .edits(
                        vec![Edit {
                            range: TextRange::new(property.start as usize, property.end as usize),
                            replacement: "toArray()".into(),
                        }],
                        Applicability::Safe,
                    );
            } else {
                violation = violation.fix(format!(
                    "read the rows once, `const rows = {object}.toArray();`, and use `rows` where `.rows` was read: a cursor can be consumed only once"
                ));
            }
            report.push(violation);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f(id: string) {
  const result = await this.ctx.storage.sql.exec("SELECT * FROM t WHERE id = ?", id);
  return result.rows[0]; } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async f(id: string) {
  const result = this.ctx.storage.sql.exec("SELECT * FROM t WHERE id = ?", id);
  const other = { rows: [] };
  return [result.toArray()[0], other.rows]; } }"#];
        assert_rule("DO206", &pass, &fail, None);
    }
}
