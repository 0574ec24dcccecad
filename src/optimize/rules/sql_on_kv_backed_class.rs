//! DO702 sql-on-kv-backed-class.

use std::collections::HashSet;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::configs::{
    Ownership, active_configs, framework_needs_sqlite, key_value_classes,
};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};
use crate::text::TextRange;

declare_rule! {
    /// **What it does**
    ///
    /// Follows each class through the config's migrations (`new_classes`,
    /// `new_sqlite_classes`, renames, deletions) and reports a class that ends up
    /// on the legacy key-value backend (created by `new_classes`, or a live
    /// `exports` entry with `"storage": "legacy-kv"`) while its code uses the SQL
    /// API (`ctx.storage.sql`, `sql.exec`), or extends an Agents SDK base, which
    /// keeps its own state in SQL.
    ///
    /// **Why is this bad?**
    ///
    /// The SQL API exists only on SQLite-backed objects. On a key-value backed
    /// class `ctx.storage.sql` throws (*SQL is not enabled for this Durable Object
    /// class*) on every call, so the code cannot work in production, although it
    /// may have seemed to in a local test.
    ///
    /// **Example**
    ///
    /// ```jsonc
    /// "migrations": [{ "tag": "v1", "new_classes": ["Room"] }]
    /// ```
    ///
    /// ```ts
    /// export class Room extends DurableObject {
    ///   list() {
    ///     return this.ctx.storage.sql.exec("SELECT * FROM messages").toArray();
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// A class created with `new_sqlite_classes`. If `v1` was never deployed,
    /// change it in place; otherwise a deployed key-value class cannot be converted:
    /// create a new class with SQLite and move the data.
    ///
    /// ```jsonc
    /// "migrations": [
    ///   { "tag": "v1", "new_classes": ["Room"] },
    ///   { "tag": "v2", "new_sqlite_classes": ["RoomV2"] }
    /// ]
    /// ```
    ///
    /// **Known problems**
    ///
    /// A class received with `transferred_classes` keeps the backend it had in the
    /// other Worker, which this config does not say: such classes are not checked.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    /// - https://developers.cloudflare.com/durable-objects/best-practices/access-durable-objects-storage/
    pub static RULE = Rule {
        name: "sql-on-kv-backed-class",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A class on the key-value backend (`new_classes`) uses the SQL API, which throws there",
        check: Check::Project(check),
    };
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    let ownership = Ownership::new(project);
    for loaded in active_configs(project) {
        let config = &loaded.config;
        // (class name, where the key-value backend was chosen, how).
        let mut candidates: Vec<(String, TextRange, String)> = Vec::new();
        for (_, migrations) in config.migration_lists() {
            for class in key_value_classes(migrations) {
                let mut how = match class.tag {
                    Some(tag) => format!("`new_classes` in migration `{tag}`"),
                    None => "`new_classes`".to_string(),
                };
                if class.created.value != class.name {
                    how.push_str(&format!(", as `{}`", class.created.value));
                }
                candidates.push((class.name, class.created.range, how));
            }
        }
        for (_, entries) in config.export_lists() {
            for entry in entries.iter().filter(|entry| entry.is_key_value()) {
                candidates.push((
                    entry.class_name.value.clone(),
                    entry.class_name.range,
                    "`\"storage\": \"legacy-kv\"` in `exports`".to_string(),
                ));
            }
        }
        let mut reported = HashSet::new();
        for (name, range, how) in candidates {
            if !reported.insert(range) {
                continue;
            }
            let Some((file, class)) = ownership
                .classes(loaded, &name)
                .find(|(_, class)| class.uses_sql || framework_needs_sqlite(&class.kind))
            else {
                continue;
            };
            let reason = if class.uses_sql {
                "uses the SQL API (`ctx.storage.sql`)".to_string()
            } else {
                "extends an Agents SDK base, which keeps its state in SQL".to_string()
            };
            let location = crate::text::slash_path(&file.path);
            let message = format!(
                "`{name}` is created on the legacy key-value backend ({how}), but class `{name}` in {location} {reason}: SQL calls throw \"SQL is not enabled for this Durable Object class\" on a key-value backed object"
            );
            report.push(
                Violation::at(range, message)
                    .in_file(loaded.path.clone())
                    .fix(format!(
                        "create `{name}` with `new_sqlite_classes` (if this migration was never deployed, change it in place; a deployed key-value class cannot be converted, so create a new SQLite class and move the data)"
                    ))
                    .effect("the SQL calls work instead of throwing on every request"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    const SQL_ROOM: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {\n  list() { return this.ctx.storage.sql.exec(\"SELECT 1\").toArray(); }\n}\n";
    const KV_ROOM: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {\n  async get() { return this.ctx.storage.get(\"k\"); }\n}\n";

    fn findings(config: &str, source: &str) -> Vec<String> {
        project_findings(
            "DO702",
            &[("wrangler.jsonc", config), ("src/index.ts", source)],
        )
    }

    #[test]
    fn fires_on_new_classes_with_sql() {
        let config =
            "{\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_classes\": [\"Room\"] }\n  ]\n}";
        assert_eq!(findings(config, SQL_ROOM), vec!["DO702:wrangler.jsonc:3"]);
        // Renamed, the class keeps its backend.
        let config = r#"{ "migrations": [{ "tag": "v1", "new_classes": ["Hall"] }, { "tag": "v2", "renamed_classes": [{ "from": "Hall", "to": "Room" }] }] }"#;
        assert_eq!(findings(config, SQL_ROOM).len(), 1);
        let config =
            r#"{ "exports": { "Room": { "type": "durable-object", "storage": "legacy-kv" } } }"#;
        assert_eq!(findings(config, SQL_ROOM).len(), 1);
    }

    #[test]
    fn quiet_for_sqlite_kv_code_deleted_or_transferred() {
        let sqlite = r#"{ "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }] }"#;
        assert!(findings(sqlite, SQL_ROOM).is_empty());
        let kv = r#"{ "migrations": [{ "tag": "v1", "new_classes": ["Room"] }] }"#;
        assert!(findings(kv, KV_ROOM).is_empty());
        let deleted = r#"{ "migrations": [{ "tag": "v1", "new_classes": ["Room"] }, { "tag": "v2", "deleted_classes": ["Room"] }, { "tag": "v3", "new_sqlite_classes": ["Room"] }] }"#;
        assert!(findings(deleted, SQL_ROOM).is_empty());
        let transferred = r#"{ "migrations": [{ "tag": "v1", "transferred_classes": [{ "from": "Room", "from_script": "old", "to": "Room" }] }] }"#;
        assert!(findings(transferred, SQL_ROOM).is_empty());
    }
}
