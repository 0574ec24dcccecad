//! DO207 unsupported-sqlite-syntax.

use crate::optimize::finding::{Area, Severity};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports DDL that SQLite rejects although other databases accept it: today the
    /// covering-index form `CREATE INDEX … INCLUDE (…)` of Postgres and SQL Server.
    ///
    /// **Why is this bad?**
    ///
    /// `sql.exec` throws at run time. In a constructor that means the object never
    /// starts; in `blockConcurrencyWhile` the object is reset on every request.
    ///
    /// **Example**
    ///
    /// ```ts
    /// this.ctx.storage.sql.exec(`CREATE INDEX IF NOT EXISTS idx_user_messages_cover
    ///   ON messages(user_id, created_at DESC) INCLUDE (content, metadata)`);
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// this.ctx.storage.sql.exec(`CREATE INDEX IF NOT EXISTS idx_user_messages_cover
    ///   ON messages(user_id, created_at DESC, content, metadata)`);
    /// ```
    ///
    /// SQLite uses an index as covering when every column the query needs is in the
    /// index key.
    ///
    /// **References**
    ///
    /// - https://www.sqlite.org/lang_createindex.html
    /// - https://www.sqlite.org/queryplanner.html#covidx
    pub static RULE = Rule {
        name: "unsupported-sqlite-syntax",
        area: Area::Queries,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "SQL that SQLite rejects (e.g. `CREATE INDEX … INCLUDE (…)`)",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in &model.sql_execs {
        let Some(statements) = &exec.statements else {
            continue;
        };
        for statement in statements {
            let Some(index) = &statement.created_index else {
                continue;
            };
            if index.include.is_empty() {
                continue;
            }
            let mut columns = index.columns.clone();
            columns.extend(index.include.iter().cloned());
            let span = exec.query_span();
            report.push(
                Violation::new(span, format!(
                    "SQLite has no `INCLUDE (…)` clause: `CREATE INDEX {}` throws at run time",
                    index.name.as_deref().unwrap_or("")
                ))
                .fix(format!(
                    "put the extra columns into the key: `CREATE INDEX IF NOT EXISTS {} ON {}({})`",
                    index.name.as_deref().unwrap_or("idx"),
                    index.table,
                    columns.join(", ")
                ))
                .effect("the schema is created instead of throwing; the index covers the query as intended")
                .class(exec.class.and_then(|index| model.classes[index].name)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { f() { this.ctx.storage.sql.exec("CREATE INDEX i ON m(a) INCLUDE (b)"); } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { f() { this.ctx.storage.sql.exec("CREATE INDEX i ON m(a, b)"); } }"#];
        assert_rule("DO207", &pass, &fail, None);
    }
}
