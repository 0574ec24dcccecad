//! DO211 pragma-user-version.

use crate::optimize::finding::{Area, Severity};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports `PRAGMA user_version` run through `sql.exec`, usually to version a
    /// schema.
    ///
    /// **Why is this bad?**
    ///
    /// Durable Objects' SQLite does not support `PRAGMA user_version`: the schema
    /// version is never stored, so migrations keyed on it run again, or never.
    ///
    /// **Example**
    ///
    /// ```ts
    /// const { user_version } = sql.exec("PRAGMA user_version").one();
    /// if (user_version < 2) { /* migrate */ sql.exec("PRAGMA user_version = 2"); }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// sql.exec("CREATE TABLE IF NOT EXISTS _schema_version (version INTEGER NOT NULL)");
    /// const row = sql.exec("SELECT version FROM _schema_version").toArray()[0];
    /// const version = row ? Number(row.version) : 0;
    /// if (version < 2) {
    ///   this.ctx.storage.transactionSync(() => {
    ///     /* migrate */
    ///     sql.exec("DELETE FROM _schema_version");
    ///     sql.exec("INSERT INTO _schema_version (version) VALUES (?)", 2);
    ///   });
    /// }
    /// ```
    ///
    /// Run it in the constructor: SQL calls are synchronous there.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
    pub static RULE = Rule {
        name: "pragma-user-version",
        area: Area::Queries,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`PRAGMA user_version` for schema versioning (not supported)",
        check: Check::File(check),
    };
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        let pragma = match &exec.statements {
            Some(statements) => statements.iter().any(|statement| {
                statement
                    .pragma
                    .as_deref()
                    .is_some_and(|name| name.eq_ignore_ascii_case("user_version"))
            }),
            None => exec.text.as_deref().is_some_and(|text| {
                let words: Vec<String> = text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|word| !word.is_empty())
                    .take(2)
                    .map(str::to_ascii_lowercase)
                    .collect();
                words == ["pragma", "user_version"]
            }),
        };
        if !pragma {
            continue;
        }
        let span = exec.query_span();
        report.push(
            Violation::new(span, "`PRAGMA user_version` is not supported in Durable Objects: the schema version is never stored")
                .fix("keep the version in a one-row `_schema_version` table, read and migrated in the constructor inside `transactionSync`")
                .effect("migrations run exactly once per object, as intended")
                .class(exec.class.and_then(|index| model.classes[index].name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::rules::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        let fail = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { f() { return this.ctx.storage.sql.exec("PRAGMA user_version").one(); } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { f() { return this.ctx.storage.sql.exec("PRAGMA table_info(t)").toArray(); } }"#];
        assert_rule("DO211", &pass, &fail, None);
    }
}
