//! DO103 schema-setup-every-request.

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::call_graph::{CallGraph, path_text};
use crate::optimize::model::{MethodRole, SqlExec};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::NodeId;
use crate::optimize::sql::StatementKind;

declare_rule! {
    /// **What it does**
    ///
    /// Reports `CREATE TABLE` / `CREATE INDEX` run through `sql.exec` inside a request
    /// handler (`fetch`), an RPC method or `webSocketMessage` instead of once in the
    /// constructor.
    ///
    /// **Why is this bad?**
    ///
    /// Every request pays for parsing and checking the schema statements again, and
    /// the schema is only guaranteed to exist once some request has run them.
    ///
    /// **Example**
    ///
    /// ```ts
    /// async fetch(request: Request) {
    ///   this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER)");
    ///   this.ctx.storage.sql.exec("INSERT INTO hits VALUES (?)", Date.now());
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// constructor(ctx: DurableObjectState, env: Env) {
    ///   super(ctx, env);
    ///   ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER)");
    /// }
    /// ```
    ///
    /// `sql.exec` is synchronous, so no `blockConcurrencyWhile` is needed for it.
    ///
    /// **Known problems**
    ///
    /// DDL behind a one-time guard (`if (!this.schemaReady) …`) runs once per wake-up
    /// and is not reported; neither is DDL in helper methods.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
    pub static RULE = Rule {
        name: "schema-setup-every-request",
        area: Area::ColdStart,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`CREATE TABLE/INDEX` in a request handler instead of the constructor",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let graph = CallGraph::new(model);
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        let Some(statements) = &exec.statements else {
            continue;
        };
        if !statements.iter().any(|statement| {
            matches!(
                statement.kind,
                StatementKind::CreateTable | StatementKind::CreateIndex
            )
        }) {
            continue;
        }
        let Some((class, method)) = model.method_at(exec.node) else {
            continue;
        };
        if !model.classes[class].is_do() {
            continue;
        }
        if method.role == MethodRole::Internal {
            report_through_helper(context, &graph, class, exec, method.function, report);
            continue;
        }
        if !method.role.is_handler() {
            continue;
        }
        if model.guarded_by_field(exec.node, method.function) {
            continue;
        }
        let class_name = model.classes[class].display_name();
        report.push(
            Violation::new(exec.query_span(), format!(
                "schema DDL runs on every call of `{class_name}.{}`",
                method.name
            ))
            .fix(format!(
                "move `{}` into `{class_name}`'s constructor (synchronous `sql.exec` needs no `blockConcurrencyWhile`)",
                model.text(exec.span).lines().next().unwrap_or_default()
            ))
            .effect("one schema check per object wake-up instead of one per request")
            .class(model.classes[class].name),
        );
    }
}

/// Schema DDL in a helper (`this.ensureSchema()`, `this.#migrate()`) that a
/// handler reaches through calls no one-time field guard protects.
fn report_through_helper(
    context: &FileContext<'_, '_>,
    graph: &CallGraph<'_, '_>,
    class: usize,
    exec: &SqlExec<'_>,
    helper: NodeId,
    report: &mut Report,
) {
    let model = context.model;
    if model.guarded_by_field(exec.node, helper) {
        return;
    }
    let class_model = &model.classes[class];
    let Some((entry, reach)) = graph.unguarded_handler_path(class, helper) else {
        return;
    };
    let class_name = class_model.display_name();
    report.push(
        Violation::new(exec.query_span(), format!(
            "schema DDL runs on every call of `{class_name}.{}`, through a helper ({})",
            entry.name,
            path_text(entry.name, &reach.path, "sql.exec")
        ))
        .fix(format!(
            "call `{}` once from `{class_name}`'s constructor (synchronous `sql.exec` needs no `blockConcurrencyWhile`) instead of from `{}`",
            reach.path.last().map_or(entry.name, |step| step.name),
            entry.name
        ))
        .effect("one schema check per object wake-up instead of one per request")
        .class(class_model.name),
    );
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { async fetch() { this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (a)"); return new Response(); } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env);
  ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (a)"); } }"#];
        assert_rule("DO103", &pass, &fail, None);
    }
}
