//! DO201 missing-index.

use std::collections::BTreeMap;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};
use crate::optimize::sql::{FilterOp, SqlStatement, StatementKind, is_rowid, same_name};

declare_rule! {
    /// **What it does**
    ///
    /// Checks every `SELECT`, `UPDATE` and `DELETE` run through `sql.exec` against a
    /// table this code base creates, and reports the query when no index, `PRIMARY
    /// KEY` or `UNIQUE` constraint has its first column among the columns the query
    /// filters on (`WHERE col = ?`, ranges, `IN`, `BETWEEN`) or orders by. Each
    /// subquery (`IN (SELECT …)`, `EXISTS (…)`, `FROM (…)`) and each arm of a
    /// `UNION` is judged as a query of its own.
    ///
    /// **Why is this bad?**
    ///
    /// Without such an index SQLite reads every row of the table to answer the query
    /// (a full scan), and Durable Objects bill and wait for every row read. The cost
    /// grows with the table: a query that is instant in development becomes the slow
    /// path in production.
    ///
    /// **Example**
    ///
    /// ```ts
    /// this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
    ///   id INTEGER PRIMARY KEY, room TEXT, body TEXT, created_at INTEGER)`);
    /// // later, per request:
    /// this.ctx.storage.sql.exec(
    ///   "SELECT * FROM messages WHERE room = ? ORDER BY created_at DESC LIMIT 50", room);
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// this.ctx.storage.sql.exec(
    ///   "CREATE INDEX IF NOT EXISTS idx_messages_room_created_at ON messages(room, created_at DESC)");
    /// ```
    ///
    /// Equality columns come first, then one range column, then the `ORDER BY`
    /// column, so one index serves both the filter and the sort. When several queries
    /// of one table want indexes that start alike (`(sender)` for one, `(sender, at
    /// DESC)` for another), each is pointed to the wider one, which serves them all.
    /// A table whose one-column primary key a `CHECK` pins to a single value
    /// (`id INTEGER PRIMARY KEY CHECK (id = 1)`) holds at most one row and is never
    /// reported.
    ///
    /// **Known problems**
    ///
    /// An index created outside this code base (a migration file run by other
    /// tooling) is invisible; suppress with `// do-wizard-ignore DO201: reason`.
    /// Queries whose SQL is built at run time are not checked. Each index adds a
    /// write per insert; tiny tables may not need one.
    ///
    /// Each Durable Object class has a database of its own: where several
    /// files create a table under one name (a scheduler's `events` and a
    /// webhook queue's `events`), a query is judged against the table its own
    /// file creates, with that file's indexes and inserts; a table created in
    /// one file only (a schema module) is the table of every file.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
    /// - https://developers.cloudflare.com/durable-objects/best-practices/access-durable-objects-storage/
    /// - https://www.sqlite.org/queryplanner.html
    pub static RULE = Rule {
        name: "missing-index",
        area: Area::Queries,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A query filters or orders on a column no index starts with (full table scan)",
        check: Check::Project(check),
    };
}

/// One query that no index serves, and the index it would want.
struct Candidate<'a> {
    path: &'a std::path::Path,
    query_range: crate::text::TextRange,
    table: &'a crate::optimize::sql::TableDef,
    /// The query's columns on the table, deduplicated, in the order written.
    uses: Vec<String>,
    /// The index key: equality, IN, one range column, ORDER BY.
    key: Vec<(String, Option<bool>)>,
}

/// A statement and, depth first, every subquery and `UNION` arm in it: each
/// is judged as a query of its own.
fn with_subqueries(statement: &SqlStatement) -> Vec<&SqlStatement> {
    let mut all = vec![statement];
    let mut index = 0;
    while index < all.len() {
        let current = all[index];
        all.extend(current.subqueries.iter());
        index += 1;
    }
    all
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for file in &project.files {
        for fact in &file.sql {
            for statement in fact.statements.iter().flat_map(with_subqueries) {
                if !matches!(
                    statement.kind,
                    StatementKind::Select | StatementKind::Update | StatementKind::Delete
                ) {
                    continue;
                }
                // Columns per table, in index order: equality, IN, range, ORDER BY.
                let mut per_table: BTreeMap<String, Vec<(String, Option<bool>, u8)>> =
                    BTreeMap::new();
                for filter in &statement.filters {
                    let weight = match filter.op {
                        FilterOp::Equal => 0,
                        FilterOp::In => 1,
                        FilterOp::Range => 2,
                    };
                    per_table.entry(filter.table.clone()).or_default().push((
                        filter.column.clone(),
                        None,
                        weight,
                    ));
                }
                for order in &statement.order_by {
                    per_table.entry(order.table.clone()).or_default().push((
                        order.column.clone(),
                        Some(order.descending),
                        3,
                    ));
                }
                for (table_name, mut columns) in per_table {
                    let Some(table) = project.table(&table_name, &file.path) else {
                        continue;
                    };
                    // A table pinned to one row (`id ... PRIMARY KEY CHECK (id = 1)`)
                    // is read in one step whatever the query: no index helps.
                    if table.single_row {
                        continue;
                    }
                    // Only real columns of the table (not aliases of aggregates).
                    columns.retain(|(column, _, _)| table.has_column(column));
                    if columns.is_empty() || columns.iter().any(|(column, _, _)| is_rowid(column)) {
                        continue;
                    }
                    let leading: Vec<String> = project
                        .indexes_on(&table_name, &file.path)
                        .filter_map(|index| index.columns.first().cloned())
                        .chain(table.key_leading_columns().map(str::to_owned))
                        .collect();
                    let served = columns
                        .iter()
                        .any(|(column, _, _)| leading.iter().any(|lead| same_name(lead, column)));
                    if served {
                        continue;
                    }
                    let mut uses: Vec<String> = Vec::new();
                    for (column, _, _) in &columns {
                        if !uses.iter().any(|known| same_name(known, column)) {
                            uses.push(column.clone());
                        }
                    }
                    columns.sort_by_key(|(_, _, weight)| *weight);
                    let mut key: Vec<(String, Option<bool>)> = Vec::new();
                    let mut seen_range = false;
                    for (column, descending, weight) in &columns {
                        if key.iter().any(|(existing, _)| same_name(existing, column)) {
                            continue;
                        }
                        // After one range column, further range columns cannot use the index.
                        if *weight == 2 {
                            if seen_range {
                                continue;
                            }
                            seen_range = true;
                        }
                        key.push((column.clone(), *descending));
                    }
                    candidates.push(Candidate {
                        path: &file.path,
                        query_range: fact.query_range,
                        table,
                        uses,
                        key,
                    });
                }
            }
        }
    }

    for candidate in &candidates {
        // Overlapping suggestions on one table become one: when another query
        // of the same table wants an index that starts with this key (say
        // `(sender, at DESC)` beside `(sender)`), suggest that wider index to
        // both, since it serves both queries.
        let key = candidates
            .iter()
            .filter(|other| same_name(&other.table.name, &candidate.table.name))
            .map(|other| &other.key)
            .filter(|wider| is_prefix(&candidate.key, wider))
            .max_by_key(|wider| wider.len())
            .unwrap_or(&candidate.key);
        report_candidate(project, candidate, key, report);
    }
}

/// Whether the columns of `key` start the columns of `wider` (sort
/// directions aside: a one-column prefix is read either way).
fn is_prefix(key: &[(String, Option<bool>)], wider: &[(String, Option<bool>)]) -> bool {
    key.len() <= wider.len()
        && key
            .iter()
            .zip(wider)
            .all(|((column, _), (other, _))| same_name(column, other))
}

fn report_candidate(
    project: &crate::optimize::model::project::ProjectModel,
    candidate: &Candidate<'_>,
    key: &[(String, Option<bool>)],
    report: &mut Report,
) {
    let table = candidate.table;
    let name = format!(
        "idx_{}_{}",
        table.name.to_ascii_lowercase(),
        key.iter()
            .map(|(column, _)| column.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("_")
    );
    let key_text = key
        .iter()
        .map(|(column, descending)| {
            if *descending == Some(true) {
                format!("{column} DESC")
            } else {
                column.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let statement_text = format!(
        "CREATE INDEX IF NOT EXISTS {name} ON {}({key_text})",
        table.name
    );
    let placement = match project.table_location(&table.name, candidate.path) {
        Some((file, _)) => format!(
            "run it right after the `CREATE TABLE {}` in {}",
            table.name,
            file.display()
        ),
        None => "run it once with the schema setup".to_string(),
    };
    let uses: Vec<String> = candidate
        .uses
        .iter()
        .map(|column| format!("`{column}`"))
        .collect();
    report.push(
        Violation::at(
            candidate.query_range,
            format!(
                "this query filters or orders `{}` on {} but no index, PRIMARY KEY or UNIQUE constraint starts with {}: SQLite scans every row of `{}`",
                table.name,
                uses.join(", "),
                if uses.len() == 1 { "it" } else { "any of them" },
                table.name
            ),
        )
        .in_file(candidate.path)
        .fix(format!(
            "add the index, and {placement}:\n  this.ctx.storage.sql.exec(\"{statement_text}\");"
        ))
        .effect(format!(
            "rows read per query drop from every row of `{}` to the matching rows plus a B-tree descent (with 100,000 rows: ~100,000 rows read become ~17 + matches; rows read are billed and timed)",
            table.name
        )),
    );
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    const SCHEMA: &str = r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, room TEXT, body TEXT, at INTEGER)");
    INDEX
  }
  list(room: string) {
    return this.ctx.storage.sql.exec("QUERY", room).toArray();
  }
}"#;

    fn source(index: &str, query: &str) -> String {
        SCHEMA.replace("INDEX", index).replace("QUERY", query)
    }

    #[test]
    fn pass_and_fail() {
        let fail = [
            source("", "SELECT * FROM messages WHERE room = ?"),
            source("", "SELECT * FROM messages WHERE at > ? ORDER BY at"),
            source(
                r#"ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS i ON messages(at)");"#,
                "SELECT * FROM messages WHERE room = ?",
            ),
        ];
        let pass = [
            source(
                r#"ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS by_room ON messages(room, at)");"#,
                "SELECT * FROM messages WHERE room = ?",
            ),
            source("", "SELECT * FROM messages WHERE id = ?"),
            source(
                "",
                "SELECT room, COUNT(*) AS total FROM messages GROUP BY room ORDER BY total",
            ),
            source("", "SELECT * FROM other_table WHERE room = ?"),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO201", &pass, &fail, None);
    }

    const LEASE: &str = r#"import { DurableObject } from "cloudflare:workers";
export class Leader extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS lease (COLUMNS)`);
  }
  expire(now: number) {
    this.ctx.storage.sql.exec("DELETE FROM lease WHERE expires_at <= ?", now);
  }
}"#;

    fn lease(columns: &str) -> String {
        LEASE.replace("COLUMNS", columns)
    }

    /// DO201 fired on tables constrained to one row, so the session and leader
    /// templates carried indexes that serve nothing.
    #[test]
    fn one_row_tables_need_no_index() {
        let pass = [
            lease("id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT, expires_at INTEGER"),
            lease("id INTEGER PRIMARY KEY CHECK(1 = id), holder TEXT, expires_at INTEGER"),
            lease(
                "id INTEGER NOT NULL, holder TEXT, expires_at INTEGER, PRIMARY KEY (id), CHECK (id = 1)",
            ),
            lease("id INTEGER PRIMARY KEY CHECK (id IN (1)), holder TEXT, expires_at INTEGER"),
            lease(
                "id INTEGER PRIMARY KEY CHECK (id = 1 AND holder IS NOT NULL), holder TEXT, expires_at INTEGER",
            ),
        ];
        // Near misses: more than one row is possible.
        let fail = [
            lease("id INTEGER PRIMARY KEY, holder TEXT, expires_at INTEGER"),
            lease("id INTEGER PRIMARY KEY CHECK (id >= 1), holder TEXT, expires_at INTEGER"),
            lease(
                "id INTEGER PRIMARY KEY CHECK (id = 1 OR id = 2), holder TEXT, expires_at INTEGER",
            ),
            lease("id INTEGER PRIMARY KEY CHECK (id IN (1, 2)), holder TEXT, expires_at INTEGER"),
            lease("id INTEGER PRIMARY KEY, kind INTEGER CHECK (kind = 1), expires_at INTEGER"),
            lease(
                "id INTEGER, shard INTEGER, expires_at INTEGER, PRIMARY KEY (id, shard), CHECK (id = 1)",
            ),
        ];
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert_rule("DO201", &pass, &fail, None);
    }

    /// The fixes DO201 proposes for `source`, one per finding.
    fn fixes(source: &str) -> Vec<String> {
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join("index.ts"), source).unwrap();
        let selection = crate::optimize::registry::Selection::parse(Some("DO201"), None).unwrap();
        let analysis = crate::optimize::analyze_with(
            directory.path(),
            &crate::optimize::answers::OptimizeAnswers::default(),
            &selection,
        )
        .unwrap();
        analysis
            .findings
            .iter()
            .map(|finding| finding.fix.clone().unwrap_or_default())
            .collect()
    }

    const TWO_QUERIES: &str = r#"import { DurableObject } from "cloudflare:workers";
export class Chat extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, sender TEXT, at INTEGER)");
  }
  count(sender: string) {
    return this.ctx.storage.sql.exec("SELECT COUNT(*) AS n FROM messages WHERE sender = ?", sender).one();
  }
  recent(sender: string) {
    return this.ctx.storage.sql.exec("SELECT * FROM messages WHERE sender = ? ORDER BY at DESC LIMIT 10", sender).toArray();
  }
  since(at: number) {
    return this.ctx.storage.sql.exec("SELECT * FROM messages WHERE at > ? LIMIT 10", at).toArray();
  }
}"#;

    /// DO201 suggested `(sender)` for one query and `(sender, at DESC)` for
    /// another of the same table: one wider index serves both.
    #[test]
    fn overlapping_suggestions_become_the_wider_index() {
        let fixes = fixes(TWO_QUERIES);
        assert_eq!(fixes.len(), 3, "{fixes:#?}");
        let wider =
            "CREATE INDEX IF NOT EXISTS idx_messages_sender_at ON messages(sender, at DESC)";
        assert!(fixes[0].contains(wider), "{fixes:#?}");
        assert!(fixes[1].contains(wider), "{fixes:#?}");
        // A key that is no prefix of the other keeps its own index.
        assert!(
            fixes[2].contains("CREATE INDEX IF NOT EXISTS idx_messages_at ON messages(at)"),
            "{fixes:#?}"
        );
        assert!(
            !fixes.iter().any(|fix| fix.contains("messages(sender)")),
            "{fixes:#?}"
        );
    }

    /// An existing index that starts with a column the query uses already
    /// serves it: nothing to suggest, not even a wider one.
    #[test]
    fn an_existing_index_on_the_leading_column_serves_the_query() {
        let source = TWO_QUERIES.replace(
            "sender TEXT, at INTEGER)\");",
            "sender TEXT, at INTEGER)\");\n    ctx.storage.sql.exec(\"CREATE INDEX IF NOT EXISTS by_sender ON messages(sender)\");",
        );
        assert!(source.contains("by_sender"));
        let fixes = fixes(&source);
        assert_eq!(fixes.len(), 1, "{fixes:#?}");
        assert!(fixes[0].contains("messages(at)"), "{fixes:#?}");
    }
}
