//! DO707 kv-backend-for-new-class.

use std::collections::HashSet;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::configs::{active_configs, key_value_classes};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Follows each class through the config's migrations and reports the
    /// `new_classes` entry that created a class still alive on the legacy
    /// key-value backend, and each live `exports` entry with `"storage":
    /// "legacy-kv"`. Classes a later migration deletes are skipped; a rename
    /// carries the backend along.
    ///
    /// **Why is this bad?**
    ///
    /// The deploy fails: since 2026-07-09 an account that has no key-value-backed
    /// namespace yet cannot create one, and the Workers Free plan never could.
    /// SQLite is the storage backend Cloudflare recommends for new Durable Object
    /// classes: it has the SQL API, point-in-time recovery and larger limits, and
    /// it also serves the key-value API. A class keeps the backend it was created
    /// with; it cannot be switched later.
    ///
    /// **Example**
    ///
    /// ```jsonc
    /// "migrations": [{ "tag": "v1", "new_classes": ["Counter"] }]
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```jsonc
    /// "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]
    /// ```
    ///
    /// **Known problems**
    ///
    /// A class that is already deployed on the key-value backend cannot change;
    /// when the backend was chosen on purpose, say so where the class is created:
    ///
    /// ```jsonc
    /// // do-wizard-ignore DO707: key-value backend chosen for small values
    /// { "tag": "v1", "new_classes": ["Counter"] }
    /// ```
    ///
    /// A live `"storage": "legacy-kv"` entry of the declarative `exports` map is
    /// reported the same way: for a class that already exists on the key-value
    /// backend it is the right declaration, and the suppression comment says so.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
    /// - https://developers.cloudflare.com/durable-objects/platform/pricing/
    pub static RULE = Rule {
        name: "kv-backend-for-new-class",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A class is created with `new_classes` or `\"storage\": \"legacy-kv\"` (legacy key-value backend) instead of SQLite: the deploy fails on new accounts",
        check: Check::Project(check),
    };
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    for loaded in active_configs(context.project) {
        let mut reported = HashSet::new();
        for (_, migrations) in loaded.config.migration_lists() {
            for class in key_value_classes(migrations) {
                if !reported.insert(class.created.range) {
                    continue;
                }
                let created = &class.created.value;
                let in_migration = class
                    .tag
                    .map(|tag| format!(" in migration `{tag}`"))
                    .unwrap_or_default();
                let renamed = if *created == class.name {
                    String::new()
                } else {
                    format!(" (now `{}`)", class.name)
                };
                report.push(
                    Violation::at(
                        class.created.range,
                        format!(
                            "`{created}`{renamed} is created with `new_classes`{in_migration}, the legacy key-value backend: SQLite is the recommended backend for new classes (SQL API, point-in-time recovery) and the only one on the Workers Free plan"
                        ),
                    )
                    .in_file(loaded.path.clone())
                    .fix(format!(
                        "create `{created}` with `new_sqlite_classes` if this migration has not been deployed yet; a deployed class keeps its backend (then suppress with `// do-wizard-ignore DO707: reason`)"
                    ))
                    .effect("the class gets the SQLite backend: SQL, recovery, and deploys on every plan"),
                );
            }
        }
        for (environment, entries) in loaded.config.export_lists() {
            for entry in entries.iter().filter(|entry| entry.is_key_value()) {
                if !reported.insert(entry.class_name.range) {
                    continue;
                }
                let place = environment
                    .map(|name| format!(" for `env.{name}`"))
                    .unwrap_or_default();
                let class = &entry.class_name.value;
                report.push(
                    Violation::at(
                        entry.class_name.range,
                        format!(
                            "`exports` declares `{class}`{place} with `\"storage\": \"legacy-kv\"`, the legacy key-value backend: an account without a key-value-backed namespace cannot create one (since 2026-07-09), and the Workers Free plan never could"
                        ),
                    )
                    .in_file(loaded.path.clone())
                    .fix(format!(
                        "declare `{class}` with `\"storage\": \"sqlite\"` if it has not been deployed yet; a deployed class keeps its backend (then suppress with `// do-wizard-ignore DO707: reason`)"
                    ))
                    .effect("the class gets the SQLite backend: SQL, recovery, and deploys on every plan"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    fn findings(name: &str, config: &str) -> Vec<String> {
        project_findings("DO707", &[(name, config)])
    }

    #[test]
    fn fires_on_the_creating_migration() {
        let config = "{\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"], \"new_classes\": [\"B\"] }\n  ]\n}";
        assert_eq!(
            findings("wrangler.jsonc", config),
            vec!["DO707:wrangler.jsonc:3"]
        );
        let config = "[[migrations]]\ntag = \"v1\"\nnew_classes = [\"B\"]\n";
        assert_eq!(
            findings("wrangler.toml", config),
            vec!["DO707:wrangler.toml:3"]
        );
    }

    #[test]
    fn quiet_for_sqlite_deleted_and_suppressed() {
        let sqlite = r#"{ "migrations": [{ "tag": "v1", "new_sqlite_classes": ["A"] }] }"#;
        assert!(findings("wrangler.jsonc", sqlite).is_empty());
        let deleted = r#"{ "migrations": [{ "tag": "v1", "new_classes": ["A"] }, { "tag": "v2", "renamed_classes": [{ "from": "A", "to": "B" }] }, { "tag": "v3", "deleted_classes": ["B"] }] }"#;
        assert!(findings("wrangler.jsonc", deleted).is_empty());
        let suppressed = "{\n  \"migrations\": [\n    // do-wizard-ignore DO707: chosen\n    { \"tag\": \"v1\", \"new_classes\": [\"B\"] }\n  ]\n}";
        assert!(findings("wrangler.jsonc", suppressed).is_empty());
        let toml = "[[migrations]]\ntag = \"v1\"\nnew_classes = [\"B\"] # do-wizard-ignore DO707: chosen\n";
        assert!(findings("wrangler.toml", toml).is_empty());
    }
}
