//! DO203 sql-string-interpolation.

use oxc_ast::AstKind;
use oxc_ast::ast::{Expression, TemplateLiteral};
use oxc_span::GetSpan;

use crate::optimize::finding::{Applicability, Area, Severity};
use crate::optimize::model::lifecycle::{Binding, resolve};
use crate::optimize::model::{FileModel, SqlOrigin, SqlSource};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{NodeId, identifier_name, inner, method_call};
use crate::text::Edit;
use crate::text::TextRange;

declare_rule! {
    /// **What it does**
    ///
    /// Reports `sql.exec` whose SQL is a template literal with `${…}` or a string
    /// concatenation of a value that is not a compile-time constant.
    ///
    /// **Why is this bad?**
    ///
    /// The value becomes part of the SQL text: every distinct value is a new
    /// statement that SQLite must parse and plan again (no reuse of the prepared
    /// statement), and any value that comes from a request is an SQL injection.
    ///
    /// **Example**
    ///
    /// ```ts
    /// this.ctx.storage.sql.exec(`SELECT * FROM users WHERE id = ${id}`);
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// this.ctx.storage.sql.exec("SELECT * FROM users WHERE id = ?", id);
    /// ```
    ///
    /// **Known problems**
    ///
    /// Interpolations that only build `?` placeholders (`ids.map(() => "?").join(", ")`,
    /// `"?,".repeat(n)`, numbered `?${i + 1}`), interpolated `const` strings (`const
    /// TABLE = "events"`), clauses assembled only from such pieces (a `const`
    /// array of conditions that only receives constant text and placeholders,
    /// joined into a `WHERE`) and tagged templates that bind their values are not
    /// reported.
    ///
    /// **Fix safety**
    ///
    /// Safe for plain `${identifier}` in value positions (after `=`, `<`, `>`, `(`,
    /// `,`, `LIMIT`, `OFFSET`) when the query has no other bindings: each becomes
    /// `?` and the identifiers are passed as bindings in order. Quoted
    /// interpolations (`'${name}'`) are shown, not applied (the value's type may
    /// change how SQLite compares it).
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/#exec
    pub static RULE = Rule {
        name: "sql-string-interpolation",
        area: Area::Queries,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::Sometimes,
        summary: "SQL built with `${}` or `+` instead of `?` bindings (re-parse per call, injection)",
        check: Check::File(check),
    };
}

/// Whether an interpolated expression only builds `?` placeholders.
fn builds_placeholders(model: &FileModel<'_>, expr: &Expression<'_>) -> bool {
    let text = match identifier_name(expr).and_then(|name| model.constants.get(name)) {
        Some(init) => model.text(init.span()),
        None => model.text(expr.span()),
    };
    // A string literal made only of `?`, commas, parentheses and spaces.
    let mut rest = text;
    while let Some(open) = rest.find(['"', '\'', '`']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            break;
        };
        let content = &after[..close];
        // `?${i + 1}` inside the piece is a numbered placeholder (`?1`, `?2`).
        let content = without_interpolations(content);
        if content.contains('?')
            && content
                .chars()
                .all(|c| matches!(c, '?' | ',' | '(' | ')' | ' ') || c.is_ascii_digit())
        {
            return true;
        }
        rest = &after[close + 1..];
    }
    false
}

/// `text` with every `${…}` taken out (one level of braces is enough for
/// the placeholder lists this reads).
fn without_interpolations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => rest = &rest[open + close + 1..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `?${i + 1}`, `?${params.length + 1}`: a number right after `?` makes a
/// numbered placeholder (`?1`, `?2`, …), not SQL text.
fn numbered_placeholder(previous_quasi: &str, expression: &Expression<'_>) -> bool {
    previous_quasi.ends_with('?')
        && match inner(expression) {
            Expression::NumericLiteral(_) | Expression::Identifier(_) => true,
            Expression::BinaryExpression(binary) => {
                matches!(
                    binary.operator,
                    oxc_ast::ast::BinaryOperator::Addition
                        | oxc_ast::ast::BinaryOperator::Subtraction
                        | oxc_ast::ast::BinaryOperator::Multiplication
                ) && [&binary.left, &binary.right].iter().all(|side| {
                    matches!(
                        inner(side),
                        Expression::NumericLiteral(_) | Expression::Identifier(_)
                    ) || matches!(inner(side), Expression::StaticMemberExpression(member)
                        if member.property.name == "length")
                })
            }
            _ => false,
        }
}

/// Whether an interpolated value is SQL text the code assembles only from
/// constant pieces and placeholders: a `const` local whose value is such a
/// template, a `?:` of two such values, or `parts.join(" AND ")` over a
/// local array that only ever receives such pieces (`conditions.push(\`id
/// = ?${n}\`)`), as query builders with optional filters write it.
fn assembled_from_constants(
    model: &FileModel<'_>,
    at: NodeId,
    expr: &Expression<'_>,
    depth: u8,
) -> bool {
    if depth > 8 {
        return false;
    }
    if model.constant_string(expr, 0).is_some() || builds_placeholders(model, expr) {
        return true;
    }
    match inner(expr) {
        Expression::StringLiteral(_) => true,
        Expression::TemplateLiteral(template) => {
            template
                .expressions
                .iter()
                .enumerate()
                .all(|(index, expression)| {
                    numbered_placeholder(template.quasis[index].value.raw.as_str(), expression)
                        || assembled_from_constants(model, at, expression, depth + 1)
                })
        }
        Expression::ConditionalExpression(conditional) => {
            assembled_from_constants(model, at, &conditional.consequent, depth + 1)
                && assembled_from_constants(model, at, &conditional.alternate, depth + 1)
        }
        Expression::BinaryExpression(binary)
            if binary.operator == oxc_ast::ast::BinaryOperator::Addition =>
        {
            assembled_from_constants(model, at, &binary.left, depth + 1)
                && assembled_from_constants(model, at, &binary.right, depth + 1)
        }
        Expression::CallExpression(call) => match method_call(call) {
            Some((receiver, "join"))
                if call.arguments.iter().all(|argument| {
                    argument
                        .as_expression()
                        .is_some_and(|separator| model.constant_string(separator, 0).is_some())
                }) =>
            {
                pieces_of_array(model, at, receiver, depth + 1)
            }
            _ => false,
        },
        // A `const` local (or a constant of the file).
        Expression::Identifier(ident) => match resolve(model, at, ident.name.as_str()) {
            Some(Binding::Local { declarator, node }) => {
                model.nodes.parent(node).is_some_and(|parent| {
                    matches!(model.nodes.kind(parent), AstKind::VariableDeclaration(declaration)
                        if declaration.kind == oxc_ast::ast::VariableDeclarationKind::Const)
                }) && declarator
                    .init
                    .as_ref()
                    .is_some_and(|init| assembled_from_constants(model, node, init, depth + 1))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether a `const` array (`const conditions: string[] = []`) only ever
/// holds pieces assembled from constants: its initial elements and every
/// `push` / `unshift` in the function that declares it; a `splice` or
/// anything else that adds is not followed.
fn pieces_of_array(model: &FileModel<'_>, at: NodeId, array: &Expression<'_>, depth: u8) -> bool {
    let Some(name) = identifier_name(array) else {
        return false;
    };
    let Some(Binding::Local { declarator, node }) = resolve(model, at, name) else {
        return false;
    };
    let Some(Expression::ArrayExpression(initial)) =
        declarator.init.as_ref().map(|init| inner(init))
    else {
        return false;
    };
    if !initial.elements.iter().all(|element| {
        element
            .as_expression()
            .is_some_and(|element| assembled_from_constants(model, node, element, depth + 1))
    }) {
        return false;
    }
    // Its pieces are added in the function that declares it.
    let Some(function) = model.nodes.enclosing_function(node) else {
        return false;
    };
    model.nodes.descendants(function).all(|(id, entry)| {
        let AstKind::CallExpression(call) = entry.kind else {
            return true;
        };
        match method_call(call) {
            Some((receiver, method)) if identifier_name(receiver) == Some(name) => match method {
                "push" | "unshift" => call.arguments.iter().all(|argument| {
                    argument
                        .as_expression()
                        .is_some_and(|piece| assembled_from_constants(model, id, piece, depth + 1))
                }),
                "splice" | "fill" | "concat" => false,
                _ => true,
            },
            _ => true,
        }
    })
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        if exec.source != SqlSource::Built {
            continue;
        }
        let (Some(call), Some(query)) = (exec.call, exec.query()) else {
            continue;
        };
        let query_expr = match inner(query) {
            Expression::Identifier(ident) => match model.constants.get(ident.name.as_str()) {
                Some(init) => inner(init),
                None => continue,
            },
            other => other,
        };
        let mut offending = Vec::new();
        let mut template_for_fix: Option<&TemplateLiteral<'_>> = None;
        match query_expr {
            Expression::TemplateLiteral(template) => {
                for (index, expression) in template.expressions.iter().enumerate() {
                    if model.constant_string(expression, 0).is_some()
                        || builds_placeholders(model, expression)
                        || numbered_placeholder(
                            template.quasis[index].value.raw.as_str(),
                            expression,
                        )
                        || assembled_from_constants(model, exec.node, expression, 0)
                    {
                        continue;
                    }
                    offending.push(model.text(expression.span()));
                }
                if std::ptr::eq(query_expr, inner(query)) {
                    template_for_fix = Some(template);
                }
            }
            Expression::BinaryExpression(_) => {
                let mut parts = Vec::new();
                collect_concatenation(query_expr, &mut parts);
                for part in parts {
                    if model.constant_string(part, 0).is_none()
                        && !builds_placeholders(model, part)
                        && !assembled_from_constants(model, exec.node, part, 0)
                    {
                        offending.push(model.text(part.span()));
                    }
                }
            }
            _ => continue,
        }
        if offending.is_empty() {
            continue;
        }
        let names = offending
            .iter()
            .map(|text| format!("`{text}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut violation = Violation::new(query.span(), format!(
            "the SQL text includes {names}: each value makes a new statement to parse, and a value from a request is an SQL injection"
        ))
        .effect("the prepared statement is reused across calls (seed measurement: ~30% less query time) and values can no longer change the SQL")
        .class(exec.class.and_then(|index| model.classes[index].name));
        let argument_end = query.span().end as usize;
        // A wrapper may not forward extra bindings: only `exec` is rewritten.
        match template_for_fix
            .filter(|_| exec.origin == SqlOrigin::Exec)
            .and_then(|template| autofix(model, call, template, argument_end))
        {
            Some((edits, rewritten, applicability)) => {
                violation = violation.fix(format!("bind the values: `{}`", rewritten));
                if applicability == Applicability::Safe {
                    violation = violation.edits(edits, applicability);
                }
            }
            None => {
                violation = violation.fix(format!(
                    "use `?` placeholders and pass {names} as bindings: `sql.exec(\"… = ?\", value)`"
                ));
            }
        }
        report.push(violation);
    }
}

fn collect_concatenation<'b, 'a>(expr: &'b Expression<'a>, parts: &mut Vec<&'b Expression<'a>>) {
    match inner(expr) {
        Expression::BinaryExpression(binary)
            if binary.operator == oxc_ast::ast::BinaryOperator::Addition =>
        {
            collect_concatenation(&binary.left, parts);
            collect_concatenation(&binary.right, parts);
        }
        Expression::StringLiteral(_) => {}
        Expression::TemplateLiteral(template) => {
            for expression in &template.expressions {
                parts.push(expression);
            }
        }
        other => parts.push(other),
    }
}

/// Rewrite `${x}` to `?` and append the bindings after the SQL argument
/// (after its parentheses, if any: never a comma expression inside them).
/// The rewritten statement must parse with every `?` in a value position
/// ([`crate::optimize::placeholders::values_only`]); else no fix, only the
/// advice. A comment inside `${…}` moves with its value into the bindings.
fn autofix(
    model: &FileModel<'_>,
    call: &oxc_ast::ast::CallExpression<'_>,
    template: &TemplateLiteral<'_>,
    argument_end: usize,
) -> Option<(Vec<Edit>, String, Applicability)> {
    if call.arguments.len() != 1 {
        return None;
    }
    let raw_text: String = template
        .quasis
        .iter()
        .map(|quasi| quasi.value.raw.as_str())
        .collect();
    if raw_text.contains('?') {
        return None;
    }
    let mut edits = Vec::new();
    let mut bindings = Vec::new();
    let mut applicability = Applicability::Safe;
    let mut rewritten = String::new();
    // The SQL as SQLite will see it after the fix: constants in, `?` for values.
    let mut statement = String::new();
    let mut skip_quote = false;
    for (index, quasi) in template.quasis.iter().enumerate() {
        let raw = quasi.value.raw.as_str();
        let kept = if skip_quote {
            raw.strip_prefix('\'').unwrap_or(raw)
        } else {
            raw
        };
        rewritten.push_str(kept);
        let cooked = quasi
            .value
            .cooked
            .as_ref()
            .map_or(kept, |cooked| cooked.as_str());
        statement.push_str(if skip_quote {
            cooked.strip_prefix('\'').unwrap_or(cooked)
        } else {
            cooked
        });
        skip_quote = false;
        let Some(expression) = template.expressions.get(index) else {
            continue;
        };
        if let Some(constant) = model.constant_string(expression, 0) {
            rewritten.push_str(&format!("${{{}}}", model.text(expression.span())));
            statement.push_str(&constant);
            continue;
        }
        identifier_name(expression)?;
        let before = quasi.value.raw.trim_end().to_ascii_uppercase();
        let after = template
            .quasis
            .get(index + 1)
            .map(|next| next.value.raw.as_str())
            .unwrap_or("");
        let quoted = before.ends_with('\'') && after.starts_with('\'');
        // `${` … `}` sits between the quasis; the binding keeps what is
        // inside, comments included.
        let mut start = quasi.span.end as usize;
        let mut end = template.quasis[index + 1].span.start as usize;
        let inside = model.text(oxc_span::Span::new(start as u32 + 2, end as u32 - 1));
        let binding = inside.trim().to_string();
        if quoted {
            start -= 1;
            end += 1;
            applicability = Applicability::Unsafe;
            rewritten.pop();
            statement.pop();
        }
        edits.push(Edit {
            range: TextRange::new(start, end),
            replacement: "?".into(),
        });
        rewritten.push('?');
        statement.push('?');
        skip_quote = quoted;
        bindings.push(binding);
    }
    if bindings.is_empty() || !crate::optimize::placeholders::values_only(&statement) {
        return None;
    }
    let end = argument_end;
    edits.push(Edit {
        range: TextRange::new(end, end),
        replacement: format!(", {}", bindings.join(", ")),
    });
    let shown = format!("sql.exec(`{}`, {})", rewritten, bindings.join(", "));
    Some((edits, shown, applicability))
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [
            r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { f(id: string) { this.ctx.storage.sql.exec(`SELECT * FROM t WHERE id = ${id}`); } }"#,
            r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { f(id: string) { this.ctx.storage.sql.exec("SELECT * FROM t WHERE id = '" + id + "'"); } }"#,
        ];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
const TABLE = "events";
export class A extends DurableObject { f(ids: string[]) {
  const placeholders = ids.map(() => "?").join(", ");
  this.ctx.storage.sql.exec(`SELECT * FROM ${TABLE} WHERE id IN (${placeholders})`, ...ids); } }"#];
        assert_rule("DO203", &pass, &fail, None);
    }
}
