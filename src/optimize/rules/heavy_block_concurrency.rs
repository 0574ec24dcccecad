//! DO101 heavy-block-concurrency.

use oxc_ast::AstKind;
use oxc_span::GetSpan;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::MethodRole;
use crate::optimize::model::call_graph::{CallGraph, path_text, runs_during};
use crate::optimize::model::class_facts::calls_within;
use crate::optimize::model::cold_start::{
    async_storage_method, block_concurrency_calls, is_network_fetch,
};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::semantic::{argument, method_call};
use crate::optimize::sql::StatementKind;

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `blockConcurrencyWhile` callback in a Durable Object constructor that
    /// does more than schema setup: a network `fetch`, a full `storage.list()`, an
    /// unbounded `SELECT`, or two or more awaited calls that are not SQL DDL.
    ///
    /// **Why is this bad?**
    ///
    /// Every request to the object waits until the callback finishes, and the
    /// constructor runs on every wake-up (after eviction and hibernation too). Slow
    /// work here is paid as cold-start latency by the first requests every time.
    ///
    /// **Example**
    ///
    /// ```ts
    /// constructor(ctx: DurableObjectState, env: Env) {
    ///   super(ctx, env);
    ///   ctx.blockConcurrencyWhile(async () => {
    ///     this.config = await this.loadConfigFromAPI();
    ///     this.cache = await this.buildLargeCache();
    ///     this.data = await this.loadAllData();
    ///   });
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// constructor(ctx: DurableObjectState, env: Env) {
    ///   super(ctx, env);
    ///   ctx.blockConcurrencyWhile(async () => { await this.initializeSchema(); });
    /// }
    ///
    /// private configPromise?: Promise<Config>;
    /// private getConfig() {
    ///   return (this.configPromise ??= this.loadConfig());
    /// }
    /// ```
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/state/#blockconcurrencywhile
    /// - https://developers.cloudflare.com/durable-objects/best-practices/rules-of-durable-objects/
    pub static RULE = Rule {
        name: "heavy-block-concurrency",
        area: Area::ColdStart,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "Constructor `blockConcurrencyWhile` does more than schema setup",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    let graph = CallGraph::new(model);
    for (id, call) in block_concurrency_calls(model) {
        let Some((class, method)) = model.method_at(id) else {
            continue;
        };
        // In the constructor, or in a helper it calls (`this.#initialize()`).
        let start_path = if method.role == MethodRole::Constructor {
            Some(Vec::new())
        } else if method.role == MethodRole::Internal && runs_during(model, id, method.function) {
            model.classes[class].constructor().and_then(|constructor| {
                graph
                    .reachable(Some(class), constructor.function, |_, _| true)
                    .into_iter()
                    .find(|reach| reach.function == method.function)
                    .map(|reach| reach.path)
            })
        } else {
            None
        };
        let Some(start_path) = start_path else {
            continue;
        };
        let Some(callback) = argument(call, 0).and_then(|arg| model.function_node(arg)) else {
            continue;
        };
        let mut reasons = Vec::new();
        // Work in helpers the callback calls (`blockConcurrencyWhile(() => this.load())`).
        for reach in graph
            .reachable(Some(class), callback, |_, _| true)
            .iter()
            .filter(|reach| !reach.path.is_empty())
        {
            let through = reach
                .path
                .iter()
                .map(|step| step.name)
                .collect::<Vec<_>>()
                .join(" → ");
            for (inner_id, inner_call) in calls_within(model, reach.function) {
                if !runs_during(model, inner_id, reach.function) {
                    continue;
                }
                if is_network_fetch(inner_call) {
                    reasons.push(format!("a network `fetch` (in {through})"));
                } else if async_storage_method(model, inner_id, inner_call) == Some("list")
                    && inner_call.arguments.is_empty()
                {
                    reasons.push(format!("a full `storage.list()` (in {through})"));
                }
            }
            for exec in model.sql_execs.iter().filter(|exec| {
                model.nodes.contains(reach.function, exec.node)
                    && runs_during(model, exec.node, reach.function)
            }) {
                if let Some(statement) = exec.statement()
                    && statement.kind == StatementKind::Select
                    && !statement.has_where
                    && !statement.has_limit
                    && !statement.has_aggregate
                {
                    reasons.push(format!("an unbounded `SELECT` (in {through})"));
                }
            }
        }
        let mut awaited_other = 0;
        for (inner_id, node) in model.nodes.descendants(callback) {
            match node.kind {
                AstKind::CallExpression(inner_call) => {
                    if is_network_fetch(inner_call) {
                        reasons.push("a network `fetch`".to_string());
                    } else if async_storage_method(model, inner_id, inner_call) == Some("list")
                        && inner_call.arguments.is_empty()
                    {
                        reasons.push("a full `storage.list()`".to_string());
                    }
                }
                AstKind::AwaitExpression(awaited) => {
                    let is_ddl = model.sql_execs.iter().any(|exec| {
                        model.nodes.contains(inner_id, exec.node)
                            && exec
                                .statement()
                                .is_some_and(|statement| statement.kind.is_ddl())
                    });
                    let is_schema_helper = matches!(
                        awaited.argument.get_inner_expression(),
                        oxc_ast::ast::Expression::CallExpression(helper)
                            if method_call(helper).is_some_and(|(_, name)| name.to_ascii_lowercase().contains("schema") || name.to_ascii_lowercase().contains("migrat"))
                    );
                    if !is_ddl && !is_schema_helper {
                        awaited_other += 1;
                    }
                }
                _ => {}
            }
        }
        for exec in model
            .sql_execs
            .iter()
            .filter(|exec| model.nodes.contains(callback, exec.node))
        {
            if let Some(statement) = exec.statement()
                && statement.kind == StatementKind::Select
                && !statement.has_where
                && !statement.has_limit
                && !statement.has_aggregate
            {
                reasons.push("an unbounded `SELECT`".to_string());
            }
        }
        if awaited_other >= 2 {
            reasons.push(format!(
                "{awaited_other} awaited calls that are not schema setup"
            ));
        }
        if reasons.is_empty() {
            continue;
        }
        reasons.dedup();
        let class_name = model.classes[class].display_name();
        report.push(
            Violation::new(call.callee.span(), format!(
                "`{class_name}`'s constructor blocks every request while it runs {}{}",
                reasons.join(", "),
                if start_path.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", path_text("constructor", &start_path, "blockConcurrencyWhile"))
                }
            ))
            .fix("keep only schema creation (`sql.exec` DDL) inside; load the rest on first use with a memoized promise: `this.configPromise ??= this.loadConfig()`")
            .effect("cold starts no longer wait for the deferred work (seed measurement: 800 ms → 150 ms, −80%)")
            .class(model.classes[class].name),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env);
  ctx.blockConcurrencyWhile(async () => { await this.a(); await this.b(); }); } a() {} b() {} }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env);
  ctx.blockConcurrencyWhile(async () => { await this.initializeSchema(); }); } initializeSchema() {} }"#];
        assert_rule("DO101", &pass, &fail, None);
    }
}
