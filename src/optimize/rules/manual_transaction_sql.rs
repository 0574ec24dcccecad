//! DO210 manual-transaction-sql.

use crate::optimize::finding::{Area, Severity};
use crate::optimize::rules::{Check, FileContext, FixAvailability, Report, Rule, Violation};
use crate::optimize::sql::StatementKind;

declare_rule! {
    /// **What it does**
    ///
    /// Reports `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT` or `RELEASE` run through
    /// `sql.exec`.
    ///
    /// **Why is this bad?**
    ///
    /// The Durable Objects runtime manages transactions itself and rejects these
    /// statements in `sql.exec`: the call throws, and the writes meant to be atomic
    /// are not.
    ///
    /// **Example**
    ///
    /// ```ts
    /// sql.exec("BEGIN TRANSACTION");
    /// sql.exec("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from);
    /// sql.exec("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to);
    /// sql.exec("COMMIT");
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// this.ctx.storage.transactionSync(() => {
    ///   sql.exec("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from);
    ///   sql.exec("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to);
    /// });
    /// ```
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/#transactionsync
    pub static RULE = Rule {
        name: "manual-transaction-sql",
        area: Area::Queries,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "`BEGIN`/`COMMIT`/`ROLLBACK`/`SAVEPOINT` in `sql.exec` (rejected by the runtime)",
        check: Check::File(check),
    };
}

/// The transaction keyword a statement starts with, for SQL sqlparser
/// could not read (`BEGIN IMMEDIATE` and friends).
fn leading_keyword(text: &str) -> Option<&'static str> {
    let first = text
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?;
    ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END"]
        .into_iter()
        .find(|keyword| keyword.eq_ignore_ascii_case(first))
}

fn check(context: &FileContext<'_, '_>, report: &mut Report) {
    let model = context.model;
    for exec in model.sql_execs.iter().filter(|exec| exec.confident) {
        let keyword = match &exec.statements {
            Some(statements) => statements
                .iter()
                .find(|statement| statement.kind == StatementKind::Transaction)
                .and_then(|statement| statement.transaction),
            None => exec.text.as_deref().and_then(leading_keyword),
        };
        let Some(keyword) = keyword else { continue };
        let span = exec.query_span();
        report.push(
            Violation::new(span, format!(
                "`{keyword}` in `sql.exec` is rejected by the Durable Objects runtime; the writes around it are not made atomic"
            ))
            .fix("remove the transaction statements and wrap the writes in `this.ctx.storage.transactionSync(() => { … })`")
            .effect("the call stops throwing, and the writes commit or roll back together")
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
export class A extends DurableObject { f() { this.ctx.storage.sql.exec("BEGIN TRANSACTION"); this.ctx.storage.sql.exec("COMMIT"); } }"#];
        let pass = [r#"import { DurableObject } from "cloudflare:workers";
export class A extends DurableObject { f() { this.ctx.storage.transactionSync(() => { this.ctx.storage.sql.exec("DELETE FROM t"); }); } }"#];
        assert_rule("DO210", &pass, &fail, None);
    }
}
