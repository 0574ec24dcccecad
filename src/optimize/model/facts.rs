//! Per-file facts: the owned, AST-free summary a file contributes to the
//! project index ([`super::project::ProjectModel`]) once its AST is gone —
//! classes, SQL statements, stub calls, exports.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use oxc_ast::AstKind;
use oxc_ast::ast::*;

use super::*;
use crate::optimize::semantic::{argument, identifier_name, inner, member_path};
use crate::optimize::sql::SqlStatement;
use crate::text::TextRange;

/// Owned facts about a class, for the project model.
#[derive(Debug, Clone)]
pub struct ClassFact {
    pub name: String,
    pub range: TextRange,
    pub kind: DoKind,
    pub exported: bool,
    pub uses_sql: bool,
    /// The name after `extends`, when it is a plain identifier.
    pub extends: Option<String>,
    /// `abstract class` (TypeScript): never instantiated by the runtime.
    pub is_abstract: bool,
}

/// Owned facts about one `sql.exec` call whose SQL parsed.
#[derive(Debug, Clone)]
pub struct SqlFact {
    pub range: TextRange,
    pub query_range: TextRange,
    pub statements: Vec<SqlStatement>,
    pub consumption: Consumption,
    /// Written inside a Durable Object class.
    pub in_class: bool,
}

/// Owned facts about one stub call.
#[derive(Debug, Clone)]
pub struct StubFact {
    pub range: TextRange,
    pub binding: Option<String>,
    pub method: String,
    pub fetch_style: Option<FetchStyle>,
}

/// What one file contributes to the project model.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// Relative to the scanned root.
    pub path: PathBuf,
    pub classes: Vec<ClassFact>,
    pub sql: Vec<SqlFact>,
    pub stubs: Vec<StubFact>,
    pub exports: Vec<ExportFact>,
    /// Names read as `<ctx>.exports.Name`: classes reached without a binding.
    pub exports_used: Vec<String>,
    /// ORM table declarations: (binding, table), from `const emails =
    /// sqliteTable("emails", …)` (drizzle).
    pub orm_tables: Vec<(String, String)>,
    /// Bindings an ORM inserts into: `db.insert(emails)`,
    /// `db.insert(schema.emails)` (the last name).
    pub orm_inserts: Vec<String>,
}

impl<'a> FileModel<'a> {
    /// The owned facts this file contributes to the project model.
    pub fn facts(&self, path: &Path) -> FileFacts {
        let classes = self
            .classes
            .iter()
            .filter_map(|class| {
                Some(ClassFact {
                    name: class.name?.to_string(),
                    range: range(class.name_span),
                    kind: class.kind.clone(),
                    exported: class.exported,
                    uses_sql: self
                        .sql_execs
                        .iter()
                        .any(|exec| exec.class.is_some_and(|index| self.classes[index].node == class.node))
                        || self.nodes.descendants(class.node).any(|(_, node)| {
                            matches!(node.kind, AstKind::StaticMemberExpression(member)
                                if member.property.name == "sql"
                                    && self.storage_path(&member.object, self.class_of(class.node + 1)) == Some(StoragePath::Storage))
                        }),
                    extends: class
                        .class
                        .heritage
                        .as_ref()
                        .and_then(|heritage| identifier_name(&heritage.expression))
                        .map(str::to_owned),
                    is_abstract: class.class.r#abstract,
                })
            })
            .collect();
        let sql = self
            .sql_execs
            .iter()
            .filter_map(|exec| {
                Some(SqlFact {
                    range: range(exec.span()),
                    query_range: range(exec.query_span()),
                    statements: exec.statements.clone()?,
                    consumption: self.sql_consumption(exec),
                    in_class: exec.class.is_some_and(|index| self.classes[index].is_do()),
                })
            })
            .collect();
        let stubs = self
            .stub_calls
            .iter()
            .map(|stub| StubFact {
                range: range(stub.call.span),
                binding: stub.binding.map(str::to_owned),
                method: stub.method.to_string(),
                fetch_style: stub
                    .is_fetch()
                    .then(|| fetch_style(stub.call, self.source_text, &self.constants)),
            })
            .collect();
        // `ctx.exports.Name` / `this.ctx.exports.Name`: a class reached
        // without a binding (facets, loopback stubs).
        let mut exports_used: Vec<String> = self
            .nodes
            .iter()
            .filter_map(|(_, node)| match node.kind {
                AstKind::StaticMemberExpression(member) => match inner(&member.object) {
                    Expression::StaticMemberExpression(object)
                        if object.property.name == "exports" =>
                    {
                        Some(member.property.name.to_string())
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect();
        exports_used.sort();
        exports_used.dedup();
        let mut orm_tables = Vec::new();
        let mut orm_inserts = Vec::new();
        for (_, node) in self.nodes.iter() {
            match node.kind {
                AstKind::VariableDeclarator(declarator) => {
                    if let (Some(binding), Some(Expression::CallExpression(call))) = (
                        crate::optimize::semantic::binding_name(&declarator.id),
                        declarator.init.as_ref().map(inner),
                    ) && identifier_name(&call.callee) == Some("sqliteTable")
                        && let Some(Expression::StringLiteral(table)) = call
                            .arguments
                            .first()
                            .and_then(|argument| argument.as_expression())
                            .map(inner)
                    {
                        orm_tables.push((binding.to_string(), table.value.to_string()));
                    }
                }
                AstKind::CallExpression(call) => {
                    if let Some((_, "insert")) = crate::optimize::semantic::method_call(call)
                        && let Some(target) = call
                            .arguments
                            .first()
                            .and_then(|argument| argument.as_expression())
                    {
                        let name = match inner(target) {
                            Expression::Identifier(ident) => Some(ident.name.as_str()),
                            Expression::StaticMemberExpression(member) => {
                                Some(member.property.name.as_str())
                            }
                            _ => None,
                        };
                        if let Some(name) = name {
                            orm_inserts.push(name.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        orm_inserts.sort();
        orm_inserts.dedup();
        FileFacts {
            orm_tables,
            orm_inserts,
            path: path.to_path_buf(),
            classes,
            sql,
            stubs,
            exports: self.exports.clone(),
            exports_used,
        }
    }
}

fn fetch_style<'a>(
    call: &CallExpression<'a>,
    source_text: &str,
    constants: &HashMap<&'a str, &'a Expression<'a>>,
) -> FetchStyle {
    let Some(first) = argument(call, 0) else {
        return FetchStyle::Forwarded;
    };
    // `const request = new Request("https://do/x", …); stub.fetch(request)`.
    let first = match inner(first) {
        Expression::Identifier(ident) => match constants.get(ident.name.as_str()) {
            Some(init) if matches!(inner(init), Expression::NewExpression(_)) => *init,
            _ => first,
        },
        _ => first,
    };
    // A second argument that is not an object literal is the incoming
    // request used as the init (`new Request(url, request)`,
    // `stub.fetch(url, request)`), and an init that copies its parts
    // (`{ method: request.method, body: request.body }`): that forwards it.
    let forwards_init = |init: Option<&Argument<'_>>| {
        init.and_then(Argument::as_expression)
            .is_some_and(|init| match inner(init) {
                Expression::ObjectExpression(object) => {
                    object.properties.iter().any(|property| match property {
                        ObjectPropertyKind::ObjectProperty(property) => {
                            member_path(&property.value).is_some_and(|path| {
                                path.len() >= 2
                                    && path[..path.len() - 1]
                                        .iter()
                                        .any(|part| matches!(*part, "request" | "req" | "raw"))
                            })
                        }
                        ObjectPropertyKind::SpreadProperty(_) => true,
                    })
                }
                _ => true,
            })
    };
    let is_url_text = |expr: &Expression<'_>| {
        matches!(
            inner(expr),
            Expression::StringLiteral(_)
                | Expression::TemplateLiteral(_)
                | Expression::BinaryExpression(_)
        )
    };
    let constructed = match inner(first) {
        Expression::NewExpression(new) if identifier_name(&new.callee) == Some("Request") => {
            !forwards_init(new.arguments.get(1))
                // `new Request(request)`: a copy of the incoming request.
                && new.arguments.first().and_then(Argument::as_expression).is_some_and(|url| {
                    is_url_text(url)
                        || !member_path(url).is_some_and(|path| {
                            path.last().is_some_and(|last| {
                                matches!(*last, "request" | "req" | "raw")
                            })
                        })
                })
        }
        expr if is_url_text(expr) => !forwards_init(call.arguments.get(1)),
        _ => false,
    };
    if !constructed {
        return FetchStyle::Forwarded;
    }
    // A constructed upgrade request names the header value in the call.
    let call_text = &source_text[call.span.start as usize..call.span.end as usize];
    if call_text.to_ascii_lowercase().contains("websocket") {
        FetchStyle::WebSocket
    } else {
        FetchStyle::Constructed
    }
}
