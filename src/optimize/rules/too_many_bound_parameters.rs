//! DO212 too-many-bound-parameters.

use oxc_ast::AstKind;
use oxc_ast::ast::{Argument, ArrowFunctionBody, BinaryExpression, Expression, Statement};
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::{FileModel, SqlSource};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::NodeId;
use crate::optimize::semantic::{
    argument, binding_name, identifier_name, inner, method_call, static_member,
};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `sql.exec` statement that binds more than 100 parameters:
    /// more than 100 bindings written out, more than 100 `?` in the SQL text,
    /// or a `?` list built from an array (`ids.map(() => "?").join(", ")`,
    /// `"?, ".repeat(ids.length)`, `Array(ids.length).fill("?")`) when nothing
    /// bounds that array to 100 items first.
    ///
    /// An array counts as bounded when it is an array literal, a chunk taken
    /// with `slice`/`splice`, the variable of a `for…of` over chunks, or when
    /// the function compares its `length` with a number up to 100.
    ///
    /// **Why is this bad?**
    ///
    /// SQLite in Durable Objects accepts at most 100 bound parameters per
    /// statement. A query whose `IN (?, ?, …)` list grows with the data works in
    /// tests and throws ("too many SQL variables") once a user has more than 100
    /// items.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const marks = ids.map(() => "?").join(", ");
    /// this.ctx.storage.sql.exec(`SELECT * FROM items WHERE id IN (${marks})`, ...ids);
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// // one JSON parameter, whatever the count
    /// this.ctx.storage.sql.exec(
    ///   "SELECT * FROM items WHERE id IN (SELECT value FROM json_each(?))",
    ///   JSON.stringify(ids),
    /// );
    /// ```
    ///
    /// or chunk the array into groups of at most 100.
    ///
    /// **Known problems**
    ///
    /// An array bounded elsewhere (a caller that never passes more than 100
    /// items) is not seen; say so with `// do-wizard-ignore DO212: reason`.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/platform/limits/
    /// - https://www.sqlite.org/json1.html#jeach
    pub static RULE = Rule {
        name: "too-many-bound-parameters",
        area: Area::Queries,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A statement binds more than 100 parameters, or builds its `?` list from an array that nothing bounds to 100",
        check: Check::File(check),
    };
}

/// The most parameters one statement may bind in a Durable Object.
const MAX_PARAMETERS: usize = 100;

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        // A tagged template binds its `${}` values itself; only calls are read.
        let Some(call) = exec.call else {
            continue;
        };
        let class = exec.class.and_then(|index| model.classes[index].name);
        let written = call.arguments.len().saturating_sub(1);
        let spread = call
            .arguments
            .iter()
            .any(|argument| matches!(argument, Argument::SpreadElement(_)));
        if !spread && written > MAX_PARAMETERS {
            report.push(
                Violation::new(exec.span(), format!(
                    "this statement binds {written} parameters; SQLite in Durable Objects accepts at most {MAX_PARAMETERS} per statement and throws \"too many SQL variables\""
                ))
                .fix("split the statement into groups of at most 100 values, or pass the values as one JSON parameter and read them with `json_each(?)`")
                .effect("the statement runs instead of throwing")
                .class(class),
            );
            continue;
        }
        if exec.source == SqlSource::Literal {
            let marks = exec
                .text
                .as_deref()
                .map_or(0, |text| text.matches('?').count());
            if marks > MAX_PARAMETERS {
                report.push(
                    Violation::new(exec.query_span(), format!(
                        "this statement has {marks} `?` parameters; SQLite in Durable Objects accepts at most {MAX_PARAMETERS} per statement"
                    ))
                    .fix("split the statement into groups of at most 100 values, or pass the values as one JSON parameter and read them with `json_each(?)`")
                    .effect("the statement runs instead of throwing")
                    .class(class),
                );
                continue;
            }
        }
        let Some(query) = argument(call, 0) else {
            continue;
        };
        let Some((list, array)) = placeholder_list_in(model, query, 0) else {
            continue;
        };
        if bounded(model, exec.node, array) {
            continue;
        }
        let array_text = model.text(array.span());
        report.push(
            Violation::new(list.span(), format!(
                "the `?` list is built from `{array_text}`, which nothing bounds: once it holds more than {MAX_PARAMETERS} items the statement throws \"too many SQL variables\" (SQLite in Durable Objects binds at most {MAX_PARAMETERS} parameters)"
            ))
            .fix(format!(
                "chunk `{array_text}` into groups of at most 100 (one statement per chunk), or bind it once as JSON: `… IN (SELECT value FROM json_each(?))` with `JSON.stringify({array_text})`"
            ))
            .effect("the query keeps working however many items there are")
            .class(class),
        );
    }
}

/// In the SQL argument (a template, a concatenation, or a `const` holding
/// one), the first part that builds a `?` list from an array: the part and
/// the array.
fn placeholder_list_in<'b, 'a>(
    model: &'b FileModel<'a>,
    query: &'b Expression<'a>,
    depth: u8,
) -> Option<(&'b Expression<'a>, &'b Expression<'a>)> {
    if depth > 3 {
        return None;
    }
    match inner(query) {
        Expression::Identifier(ident) => {
            let init = model.constants.get(ident.name.as_str())?;
            placeholder_list_in(model, init, depth + 1)
                .or_else(|| placeholder_array(init).map(|array| (query, array)))
        }
        Expression::TemplateLiteral(template) => template.expressions.iter().find_map(|part| {
            placeholder_array(part)
                .map(|array| (part, array))
                .or_else(|| {
                    identifier_name(part)
                        .and_then(|name| model.constants.get(name))
                        .and_then(|init| placeholder_array(init))
                        .map(|array| (part, array))
                })
        }),
        Expression::BinaryExpression(binary) => placeholder_list_in(model, &binary.left, depth)
            .or_else(|| placeholder_list_in(model, &binary.right, depth)),
        other => placeholder_array(other).map(|array| (query, array)),
    }
}

/// Whether a string literal is a run of placeholders (`"?"`, `"?, "`).
fn is_mark(expr: &Expression<'_>) -> bool {
    match inner(expr) {
        Expression::StringLiteral(literal) => {
            let value = literal.value.as_str();
            value.contains('?') && value.chars().all(|c| matches!(c, '?' | ',' | ' '))
        }
        // `?`, or a numbered `?${i + 1}`: every interpolation follows a `?`.
        Expression::TemplateLiteral(template) => {
            template
                .quasis
                .iter()
                .any(|quasi| quasi.value.raw.contains('?'))
                && template.quasis.iter().all(|quasi| {
                    quasi
                        .value
                        .raw
                        .chars()
                        .all(|c| matches!(c, '?' | ',' | ' ') || c.is_ascii_digit())
                })
                && (0..template.expressions.len())
                    .all(|index| template.quasis[index].value.raw.ends_with('?'))
        }
        _ => false,
    }
}

/// Whether a callback returns a placeholder literal (`() => "?"`).
fn returns_mark(expr: &Expression<'_>) -> bool {
    let Expression::ArrowFunctionExpression(arrow) = inner(expr) else {
        return false;
    };
    match &arrow.body {
        ArrowFunctionBody::FunctionBody(body) => match body.statements.first() {
            Some(Statement::ReturnStatement(statement)) => {
                statement.argument.as_ref().is_some_and(is_mark)
            }
            _ => false,
        },
        other => other.as_expression().is_some_and(is_mark),
    }
}

/// `X` of `X.length`.
fn length_of<'b, 'a>(expr: &'b Expression<'a>) -> Option<&'b Expression<'a>> {
    match static_member(expr) {
        Some((object, "length")) => Some(object),
        _ => None,
    }
}

/// The array a placeholder-building expression is sized by:
/// `A.map(() => "?")…`, `"?,".repeat(A.length)…`, `Array(A.length).fill("?")…`,
/// `Array.from({ length: A.length }, () => "?")…`.
fn placeholder_array<'b, 'a>(expr: &'b Expression<'a>) -> Option<&'b Expression<'a>> {
    let mut current = inner(expr);
    for _ in 0..6 {
        let Expression::CallExpression(call) = current else {
            return None;
        };
        let (receiver, method) = method_call(call)?;
        match method {
            "map" if argument(call, 0).is_some_and(returns_mark) => return Some(receiver),
            "repeat" if is_mark(receiver) => return argument(call, 0).and_then(length_of),
            "fill" if argument(call, 0).is_some_and(is_mark) => {
                let size = match inner(receiver) {
                    Expression::CallExpression(array) => argument(array, 0),
                    Expression::NewExpression(array) => {
                        array.arguments.first().and_then(|a| a.as_expression())
                    }
                    _ => None,
                };
                return size.and_then(length_of);
            }
            "from" if argument(call, 1).is_some_and(returns_mark) => {
                let Some(Expression::ObjectExpression(object)) = argument(call, 0).map(inner)
                else {
                    return None;
                };
                return object
                    .properties
                    .iter()
                    .find_map(|property| match property {
                        oxc_ast::ast::ObjectPropertyKind::ObjectProperty(property)
                            if property
                                .key
                                .static_name()
                                .is_some_and(|name| name == "length") =>
                        {
                            length_of(&property.value)
                        }
                        _ => None,
                    });
            }
            // `.join(", ")`, `.slice(0, -1)`, `.trim()`: look at the receiver.
            _ => current = inner(receiver),
        }
    }
    None
}

/// Whether the array is bounded to at most 100 items where the statement runs.
fn bounded(model: &FileModel<'_>, at: NodeId, array: &Expression<'_>) -> bool {
    let array = inner(array);
    if let Expression::ArrayExpression(literal) = array {
        return literal.elements.len() <= MAX_PARAMETERS;
    }
    if chunk_call(array) {
        return true;
    }
    let Some(name) = identifier_name(array) else {
        return false;
    };
    let Some(function) = model.nodes.enclosing_function(at) else {
        return false;
    };
    model
        .nodes
        .descendants(function)
        .any(|(_, node)| match node.kind {
            // `const chunk = ids.slice(i, i + 100)`
            AstKind::VariableDeclarator(declarator) => {
                binding_name(&declarator.id) == Some(name)
                    && declarator.init.as_ref().is_some_and(chunk_call)
            }
            // `for (const chunk of chunks)`
            AstKind::ForOfStatement(statement) => match &statement.left {
                oxc_ast::ast::ForStatementLeft::VariableDeclaration(declaration) => declaration
                    .declarations
                    .iter()
                    .any(|declarator| binding_name(&declarator.id) == Some(name)),
                _ => false,
            },
            // `if (ids.length > 100) …`
            AstKind::BinaryExpression(binary) => compares_length(binary, name),
            _ => false,
        })
}

/// `x.slice(…)` and `x.splice(…)` take chunks.
fn chunk_call(expr: &Expression<'_>) -> bool {
    let Expression::CallExpression(call) = inner(expr) else {
        return false;
    };
    matches!(method_call(call), Some((_, "slice" | "splice")))
}

/// `name.length <op> N` (either side) with N ≤ 100.
fn compares_length(binary: &BinaryExpression<'_>, name: &str) -> bool {
    if !binary.operator.is_compare() && !binary.operator.is_equality() {
        return false;
    }
    let is_length_of_name =
        |expr: &Expression<'_>| length_of(expr).and_then(identifier_name) == Some(name);
    let small_number = |expr: &Expression<'_>| matches!(inner(expr), Expression::NumericLiteral(number) if number.value <= MAX_PARAMETERS as f64);
    (is_length_of_name(&binary.left) && small_number(&binary.right))
        || (is_length_of_name(&binary.right) && small_number(&binary.left))
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    const HEAD: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Items extends DurableObject {\n";

    fn class(body: &str) -> String {
        format!("{HEAD}{body}\n}}\n")
    }

    #[test]
    fn pass_and_fail() {
        let fail = [
            class(
                "  get(ids: string[]) {\n    const marks = ids.map(() => \"?\").join(\", \");\n    return this.ctx.storage.sql.exec(`SELECT * FROM items WHERE id IN (${marks})`, ...ids).toArray();\n  }",
            ),
            class(
                "  get(ids: string[]) {\n    return this.ctx.storage.sql.exec(`DELETE FROM items WHERE id IN (${\"?,\".repeat(ids.length).slice(0, -1)})`, ...ids);\n  }",
            ),
            class(
                "  get(ids: string[]) {\n    return this.ctx.storage.sql.exec(\"SELECT * FROM items WHERE id IN (\" + new Array(ids.length).fill(\"?\").join(\",\") + \")\", ...ids);\n  }",
            ),
        ];
        let pass = [
            class(
                "  get(ids: string[]) {\n    for (let i = 0; i < ids.length; i += 100) {\n      const chunk = ids.slice(i, i + 100);\n      this.ctx.storage.sql.exec(`DELETE FROM items WHERE id IN (${chunk.map(() => \"?\").join(\",\")})`, ...chunk);\n    }\n  }",
            ),
            class(
                "  get(ids: string[]) {\n    if (ids.length > 100) throw new Error(\"too many\");\n    return this.ctx.storage.sql.exec(`SELECT * FROM items WHERE id IN (${ids.map(() => \"?\").join(\",\")})`, ...ids).toArray();\n  }",
            ),
            class(
                "  get(ids: string[]) {\n    return this.ctx.storage.sql.exec(\"SELECT * FROM items WHERE id IN (SELECT value FROM json_each(?))\", JSON.stringify(ids)).toArray();\n  }",
            ),
            class(
                "  get(a: string, b: string) {\n    return this.ctx.storage.sql.exec(`SELECT * FROM items WHERE id IN (${[a, b].map(() => \"?\").join(\",\")})`, a, b).toArray();\n  }",
            ),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO212", &pass, &fail, None);
    }
}
