//! DO204 unbounded-select.

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::Consumption;
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};
use crate::optimize::sql::{FilterOp, StatementKind};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a `SELECT` without `LIMIT` whose rows are all materialized
    /// (`toArray()`, spread, `Array.from`, `Response.json`) from a table that grows
    /// (this code inserts into it: an SQL `INSERT`, or an ORM insert such as
    /// drizzle's `db.insert(notes)` where `notes = sqliteTable("notes", …)`).
    ///
    /// **Why is this bad?**
    ///
    /// The result grows with the table: response time, memory (128 MB per object)
    /// and rows read (billed) grow without bound, and one large room or user makes
    /// every request slow.
    ///
    /// **Example**
    ///
    /// ```ts
    /// return this.ctx.storage.sql.exec("SELECT * FROM messages WHERE room = ?", room).toArray();
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// return this.ctx.storage.sql
    ///   .exec("SELECT * FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?", room, before, 50)
    ///   .toArray();
    /// ```
    ///
    /// **Known problems**
    ///
    /// `.one()`, aggregates without `GROUP BY` (also inside an expression:
    /// `COALESCE(MAX(seq), -1) + 1`), and equality on a primary or unique key
    /// return at most one row and are not reported; nor is `IN` over a list of
    /// values written in the statement on such a key (`WHERE key IN (?, ?)`: at
    /// most one row per value). Tables that only this code
    /// fills but that stay small by design (a bounded set of keys) may be reported;
    /// suppress with a reason.
    ///
    /// Each Durable Object class has a database of its own: where several
    /// files create a table under one name (a scheduler's `events` and a
    /// webhook queue's `events`), a query is judged against the table its own
    /// file creates, with that file's indexes and inserts; a table created in
    /// one file only (a schema module) is the table of every file.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/platform/limits/
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
    pub static RULE = Rule {
        name: "unbounded-select",
        area: Area::Queries,
        severity: Severity::Info,
        scale_sensitive: true,
        fix: FixAvailability::None,
        summary: "All rows of a growing table are materialized with no LIMIT",
        check: Check::Project(check),
    };
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    for file in &project.files {
        for fact in &file.sql {
            if fact.consumption != Consumption::ToArray {
                continue;
            }
            let [statement] = fact.statements.as_slice() else {
                continue;
            };
            if statement.kind != StatementKind::Select || statement.has_limit {
                continue;
            }
            if statement.has_aggregate && !statement.has_group_by {
                continue;
            }
            let Some(table_name) = &statement.table else {
                continue;
            };
            if !project.is_inserted(table_name, &file.path) {
                continue;
            }
            let Some(table) = project.table(table_name, &file.path) else {
                continue;
            };
            // Equality, or `IN` over a list written in the statement, on a
            // unique key: at most one row per listed value, whatever the
            // table's size.
            let equal: Vec<&str> = statement
                .filters
                .iter()
                .filter(|filter| matches!(filter.op, FilterOp::Equal | FilterOp::In))
                .map(|filter| filter.column.as_str())
                .collect();
            if !equal.is_empty() && table.is_unique_key(&equal) {
                continue;
            }
            let order = statement
                .order_by
                .first()
                .map(|order| order.column.clone())
                .or_else(|| table.primary_key.first().cloned())
                .unwrap_or_else(|| "rowid".into());
            report.push(
                Violation::at(
                    fact.query_range,
                    format!(
                        "every matching row of `{}` is loaded at once, with no LIMIT, and this code keeps inserting into `{}`",
                        table.name, table.name
                    ),
                )
                .in_file(&file.path)
                .fix(format!(
                    "page through it: add `{}{order} < ? ORDER BY {order} DESC LIMIT ?` and pass the last `{order}` seen and a page size (e.g. 50)",
                    if statement.has_where { "AND " } else { "WHERE " }
                ))
                .effect("response time and memory stay flat as the table grows (a 100,000-row table read in pages of 50 is 50 rows per request instead of 100,000)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    const BASE: &str = r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) { super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, room TEXT)"); }
  add(room: string) { this.ctx.storage.sql.exec("INSERT INTO m (room) VALUES (?)", room); }
  list(room: string) { return QUERY; } }"#;

    #[test]
    fn pass_and_fail() {
        let fail = [BASE.replace(
            "QUERY",
            r#"this.ctx.storage.sql.exec("SELECT * FROM m WHERE room = ?", room).toArray()"#,
        )];
        let pass = [
            BASE.replace("QUERY", r#"this.ctx.storage.sql.exec("SELECT * FROM m WHERE room = ? LIMIT 50", room).toArray()"#),
            BASE.replace("QUERY", r#"this.ctx.storage.sql.exec("SELECT COUNT(*) AS n FROM m").toArray()"#),
            BASE.replace("QUERY", r#"this.ctx.storage.sql.exec("SELECT * FROM m WHERE id = ?", room).toArray()"#),
            BASE.replace("QUERY", r#"this.ctx.storage.sql.exec("SELECT * FROM m").one()"#),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO204", &pass, &fail, None);
    }
}
