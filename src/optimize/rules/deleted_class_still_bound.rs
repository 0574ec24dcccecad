//! DO709 deleted-class-still-bound.

use std::collections::{HashMap, HashSet};

use crate::config::{ExportEntry, Migration};
use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::configs::{active_configs, deployments};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a Durable Object binding whose `class_name` (with no
    /// `script_name`, so the class lives in this Worker) names a class that the
    /// same deployment deletes: a migration lists it in `deleted_classes` (and
    /// no later migration creates it again), or its entry in the declarative
    /// `exports` map has `"state": "deleted"`. Each environment is read with
    /// the migrations and `exports` it uses (its own, else the top level's) and
    /// its own bindings.
    ///
    /// **Why is this bad?**
    ///
    /// Wrangler refuses to deploy a Worker that deletes a class while a binding
    /// still points at it: the deploy fails. Deleting a class also deletes all of
    /// its objects' data, so the binding cannot be kept "just in case".
    ///
    /// **Example**
    ///
    /// ```jsonc
    /// "durable_objects": { "bindings": [{ "name": "ROOMS", "class_name": "Room" }] },
    /// "migrations": [
    ///   { "tag": "v1", "new_sqlite_classes": ["Room"] },
    ///   { "tag": "v2", "deleted_classes": ["Room"] }
    /// ]
    /// ```
    ///
    /// **Use instead**
    ///
    /// Remove the `ROOMS` binding (and the code that uses it) in the same change
    /// that adds the `deleted_classes` migration, or keep the class and drop the
    /// migration.
    ///
    /// **Known problems**
    ///
    /// A binding with `script_name` points at a class in another Worker and is
    /// not checked against this config's migrations.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    pub static RULE = Rule {
        name: "deleted-class-still-bound",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A binding still names a class that a migration or `exports` entry deletes: the deploy fails",
        check: Check::Project(check),
    };
}

/// Where a class is deleted: the migration tag, or `exports`.
enum Deletion<'c> {
    Migration(Option<&'c str>),
    Exports,
}

/// The classes a deployment leaves deleted, with where.
fn deleted_classes<'c>(
    migrations: &'c [Migration],
    exports: Option<&'c [ExportEntry]>,
) -> HashMap<&'c str, Deletion<'c>> {
    let mut deleted = HashMap::new();
    for migration in migrations {
        // A class created again (or renamed into) after its deletion is alive.
        for created in migration.created_classes() {
            deleted.remove(created.value.as_str());
        }
        let tag = migration.tag.as_ref().map(|tag| tag.value.as_str());
        for class in &migration.deleted_classes {
            deleted.insert(class.value.as_str(), Deletion::Migration(tag));
        }
    }
    for entry in exports.unwrap_or_default() {
        if entry.is_durable_object() && entry.state.as_deref() == Some("deleted") {
            deleted.insert(entry.class_name.value.as_str(), Deletion::Exports);
        }
    }
    deleted
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    for loaded in active_configs(context.project) {
        let config = &loaded.config;
        let mut reported = HashSet::new();
        for deployment in deployments(config) {
            let deleted = deleted_classes(
                config.effective_migrations(deployment),
                config.effective_exports(deployment),
            );
            if deleted.is_empty() {
                continue;
            }
            for binding in config
                .bindings
                .iter()
                .filter(|binding| binding.environment.as_deref() == deployment)
                .filter(|binding| binding.script_name.is_none())
            {
                let class = binding.class_name.value.as_str();
                let Some(deletion) = deleted.get(class) else {
                    continue;
                };
                if !reported.insert(binding.class_name.range) {
                    continue;
                }
                let place = deployment
                    .map(|name| format!(" in `env.{name}`"))
                    .unwrap_or_default();
                let by = match deletion {
                    Deletion::Migration(Some(tag)) => {
                        format!("migration `{tag}` deletes it (`deleted_classes`)")
                    }
                    Deletion::Migration(None) => {
                        "a migration deletes it (`deleted_classes`)".to_string()
                    }
                    Deletion::Exports => {
                        "its `exports` entry has `\"state\": \"deleted\"`".to_string()
                    }
                };
                report.push(
                    Violation::at(
                        binding.class_name.range,
                        format!(
                            "binding `{}`{place} names `{class}`, but {by}: wrangler rejects a deploy that deletes a class still bound",
                            binding.name.value
                        ),
                    )
                    .in_file(loaded.path.clone())
                    .fix(format!(
                        "remove the `{}` binding (and the code that uses it) in the same change, or keep `{class}` and drop its deletion",
                        binding.name.value
                    ))
                    .effect("the deploy goes through"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    fn findings(name: &str, config: &str) -> Vec<String> {
        project_findings("DO709", &[(name, config)])
    }

    #[test]
    fn fires_on_a_binding_to_a_deleted_class() {
        let config = "{\n  \"durable_objects\": { \"bindings\": [\n    { \"name\": \"R\", \"class_name\": \"Room\" }\n  ] },\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"Room\"] },\n    { \"tag\": \"v2\", \"deleted_classes\": [\"Room\"] }\n  ]\n}";
        assert_eq!(
            findings("wrangler.jsonc", config),
            vec!["DO709:wrangler.jsonc:3"]
        );
        let config = "[[durable_objects.bindings]]\nname = \"R\"\nclass_name = \"Room\"\n\n[exports.Room]\ntype = \"durable-object\"\nstate = \"deleted\"\n";
        assert_eq!(findings("wrangler.toml", config).len(), 1);
    }

    #[test]
    fn quiet_when_recreated_or_remote() {
        for config in [
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }, { "tag": "v2", "deleted_classes": ["Room"] }, { "tag": "v3", "new_sqlite_classes": ["Room"] }] }"#,
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room", "script_name": "other" }] }, "migrations": [{ "tag": "v1", "deleted_classes": ["Room"] }] }"#,
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room", "Old"] }, { "tag": "v2", "deleted_classes": ["Old"] }] }"#,
        ] {
            assert!(findings("wrangler.jsonc", config).is_empty(), "{config}");
        }
    }
}
