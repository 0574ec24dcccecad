//! DO701 class-without-migration.

use std::collections::HashSet;

use crate::config::edit::{append_sqlite_migration, next_migration_tag};
use crate::config::{ConfigFormat, DurableObjectBinding, WranglerConfig};
use crate::optimize::finding::{Applicability, Area, Severity};
use crate::optimize::model::configs::{Ownership, active_configs, main_file};
use crate::optimize::model::project::{LoadedConfig, ProjectModel};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};
use crate::optimize::suppress::is_suppressed;
use crate::text::{LineEndings, LineIndex};

declare_rule! {
    /// **What it does**
    ///
    /// Checks every Durable Object binding of a wrangler config
    /// (`durable_objects.bindings`, top level and `env.<name>` sections) whose class
    /// lives in this Worker (no `script_name`), and reports the binding when no
    /// migration creates its class: the class is in no migration's
    /// `new_sqlite_classes`, `new_classes`, `renamed_classes[].to` or
    /// `transferred_classes[].to`, and no live `durable-object` entry of the
    /// declarative `exports` map names it.
    ///
    /// **Why is this bad?**
    ///
    /// A Durable Object class gets its namespace (and its storage backend) from a
    /// migration. Without one, `wrangler deploy` fails with *Cannot create binding
    /// for class 'Room' because it is not currently configured to implement Durable
    /// Objects*, and `wrangler dev` warns and runs the class without the storage it
    /// will have in production.
    ///
    /// **Example**
    ///
    /// ```jsonc
    /// {
    ///   "main": "src/index.ts",
    ///   "durable_objects": {
    ///     "bindings": [{ "name": "ROOM", "class_name": "Room" }]
    ///   }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```jsonc
    /// {
    ///   "main": "src/index.ts",
    ///   "durable_objects": {
    ///     "bindings": [{ "name": "ROOM", "class_name": "Room" }]
    ///   },
    ///   "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }]
    /// }
    /// ```
    ///
    /// With the declarative `exports` map instead of `migrations`:
    /// `"exports": { "Room": { "type": "durable-object", "storage": "sqlite" } }`.
    ///
    /// **Known problems**
    ///
    /// A class whose migrations were removed from the file after they were applied
    /// cannot be told apart from one that never had any; wrangler needs the full
    /// list anyway. Bindings with `script_name` (the class lives in another Worker)
    /// are never checked, nor are Pages projects (`pages_build_output_dir`) and
    /// deployments without a `main` (they define no classes). A class created only
    /// in another environment's own `migrations` counts as created.
    ///
    /// **Fix safety**
    ///
    /// The fix appends `{ "tag": "vN+1", "new_sqlite_classes": ["Room"] }` to the
    /// top-level `migrations` (creating the list when there is none) with a
    /// byte-range insertion that keeps comments and formatting; in `wrangler.toml`
    /// it adds a `[[migrations]]` table. The next tag is the next number when every
    /// tag is `v<number>`, otherwise `v<count + 1>` (moved on past any existing
    /// tag). It is safe only when unambiguous: the binding's deployment uses the
    /// top-level `migrations`, no `exports` map declares Durable Objects, no
    /// migration mentions the class at all (renamed away, deleted), the class is
    /// defined in the project's sources, and the edited file reads back as exactly
    /// one more migration. Every class the fix can create in that config goes into
    /// the one migration. SQLite is the backend Cloudflare recommends for new
    /// classes and it also serves the key-value API.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    /// - https://developers.cloudflare.com/workers/wrangler/configuration/#durable-objects
    /// - https://developers.cloudflare.com/durable-objects/get-started/
    pub static RULE = Rule {
        name: "class-without-migration",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::Sometimes,
        summary: "A Durable Object binding's class is created by no migration (deploy fails)",
        check: Check::Project(check),
    };
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    let ownership = Ownership::new(project);
    for loaded in active_configs(project) {
        let config = &loaded.config;
        // A Pages project cannot define Durable Objects.
        if config.pages_build_output_dir.is_some() {
            continue;
        }
        let created: HashSet<&str> = config.migrated_classes().collect();
        let mut seen = HashSet::new();
        let missing: Vec<&DurableObjectBinding> = config
            .bindings
            .iter()
            .filter(|binding| binding.script_name.is_none())
            // Without a `main` the Worker defines no class at all: the
            // binding's problem is elsewhere.
            .filter(|binding| {
                config
                    .effective_main(binding.environment.as_deref())
                    .is_some()
            })
            .filter(|binding| !created.contains(binding.class_name.value.as_str()))
            .filter(|binding| seen.insert(binding.class_name.value.as_str()))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let uses_exports = config
            .export_lists()
            .flat_map(|(_, entries)| entries)
            .any(|entry| entry.is_durable_object());
        // The classes one safe migration can create (not suppressed here).
        let code = context.code;
        let lines = LineIndex::new(&config.text, LineEndings::Config);
        let fixable: Vec<&str> = missing
            .iter()
            .filter(|binding| {
                !uses_exports
                    && fix_is_unambiguous(project, &ownership, loaded, binding)
                    && !is_suppressed(&config.text, &lines, binding.class_name.range.start, code)
            })
            .map(|binding| binding.class_name.value.as_str())
            .collect();
        let tag = next_migration_tag(&config.migrations);
        let edits = append_sqlite_migration(config, &tag, &fixable);
        for binding in missing {
            let class = &binding.class_name.value;
            let message = format!(
                "binding `{}` uses class `{class}`, but no migration creates `{class}`{}: `wrangler deploy` fails with \"Cannot create binding for class '{class}' because it is not currently configured to implement Durable Objects\"",
                binding.name.value,
                binding
                    .environment
                    .as_deref()
                    .map(|name| format!(" (in `env.{name}`)"))
                    .unwrap_or_default(),
            );
            let mut violation = Violation::at(binding.class_name.range, message)
                .in_file(loaded.path.clone())
                .effect(format!(
                    "the next deploy creates the `{class}` namespace, so the binding resolves"
                ));
            // The migration the fix writes holds every class it can create.
            let created = if edits.is_some() && fixable.contains(&class.as_str()) {
                fixable
                    .iter()
                    .map(|name| format!("\"{name}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                format!("\"{class}\"")
            };
            violation = if uses_exports {
                violation.fix(format!(
                    "add `\"{class}\": {{ \"type\": \"durable-object\", \"storage\": \"sqlite\" }}` to `exports`"
                ))
            } else if config.format == ConfigFormat::Toml {
                violation.fix(format!(
                    "add a migration: `[[migrations]]` with `tag = \"{tag}\"` and `new_sqlite_classes = [{created}]`"
                ))
            } else {
                violation.fix(format!(
                    "append a migration to `migrations`: `{{ \"tag\": \"{tag}\", \"new_sqlite_classes\": [{created}] }}`"
                ))
            };
            if let Some(edits) = &edits
                && fixable.contains(&class.as_str())
            {
                violation = violation.edits(edits.clone(), Applicability::Safe);
            }
            report.push(violation);
        }
    }
}

/// Whether appending a top-level SQLite migration for this binding's class
/// is the one right change.
fn fix_is_unambiguous(
    project: &ProjectModel,
    ownership: &Ownership<'_>,
    loaded: &LoadedConfig,
    binding: &DurableObjectBinding,
) -> bool {
    let config: &WranglerConfig = &loaded.config;
    let class = binding.class_name.value.as_str();
    let uses_top_level = binding
        .environment
        .as_deref()
        .and_then(|name| config.environment(name))
        .is_none_or(|environment| environment.migrations.is_none());
    let mentioned = config
        .migration_lists()
        .flat_map(|(_, migrations)| migrations)
        .flat_map(|migration| migration.mentioned_classes())
        .any(|name| name.value == class);
    let defined = ownership.classes(loaded, class).next().is_some()
        || main_file(project, loaded, binding.environment.as_deref())
            .and_then(|main| project.exported_names(&main))
            .is_some_and(|names| names.contains(class));
    uses_top_level && !mentioned && defined
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    const ROOM: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport default { fetch() { return new Response(); } };\n";

    fn findings(config_name: &str, config: &str) -> Vec<String> {
        project_findings("DO701", &[(config_name, config), ("src/index.ts", ROOM)])
    }

    #[test]
    fn fires_without_migration() {
        let config = r#"{ "main": "src/index.ts", "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] } }"#;
        assert_eq!(
            findings("wrangler.jsonc", config),
            vec!["DO701:wrangler.jsonc:1"]
        );
        let config = "main = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Other\"]\n";
        assert_eq!(
            findings("wrangler.toml", config),
            vec!["DO701:wrangler.toml:4"]
        );
    }

    #[test]
    fn quiet_when_created_renamed_transferred_or_exported() {
        for config in [
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "new_classes": ["Room"] }] }"#,
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Old"] }, { "tag": "v2", "renamed_classes": [{ "from": "Old", "to": "Room" }] }] }"#,
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "transferred_classes": [{ "from": "Room", "from_script": "old", "to": "Room" }] }] }"#,
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "exports": { "Room": { "type": "durable-object", "storage": "sqlite" } } }"#,
            r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room", "script_name": "rooms" }] } }"#,
        ] {
            assert!(findings("wrangler.jsonc", config).is_empty(), "{config}");
        }
    }

    #[test]
    fn a_dead_export_entry_does_not_count() {
        let config = r#"{ "main": "src/index.ts", "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "exports": { "Room": { "type": "durable-object", "state": "deleted" } } }"#;
        assert_eq!(findings("wrangler.jsonc", config).len(), 1);
    }

    /// Analyze, apply the safe fixes, analyze again: DO701 is gone, the
    /// config still reads, and its comments are where they were.
    fn fixed(config_name: &str, config: &str, classes: &str) -> String {
        use crate::optimize::tester::Tester;

        let tester = Tester::new("DO701")
            .file(config_name, config)
            .file("src/index.ts", classes);
        tester.assert_fires();
        let fixed = tester.fixed();
        assert_eq!(fixed.rounds, 1, "one round of fixes");
        let mut after = tester.clone();
        for (path, text) in &fixed.files {
            after = after.file(path.clone(), text.clone());
        }
        after.assert_quiet();
        fixed.text(config_name).unwrap().to_string()
    }

    #[test]
    fn the_fix_appends_one_migration_for_every_missing_class() {
        let classes = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport class Lobby extends DurableObject {}\nexport default {};\n";
        let config = "{\n  // chat\n  \"main\": \"src/index.ts\",\n  \"durable_objects\": {\n    \"bindings\": [\n      { \"name\": \"ROOM\", \"class_name\": \"Room\" }, // rooms\n      { \"name\": \"LOBBY\", \"class_name\": \"Lobby\" }\n    ]\n  },\n  /* history */\n  \"migrations\": [\n    { \"tag\": \"v3\", \"new_sqlite_classes\": [\"Old\"] }\n  ]\n}\n";
        let after = fixed("wrangler.jsonc", config, classes);
        assert!(
            after.contains("// chat")
                && after.contains("// rooms")
                && after.contains("/* history */")
        );
        assert!(
            after.contains("{ \"tag\": \"v4\", \"new_sqlite_classes\": [\"Room\", \"Lobby\"] }")
        );
        let toml = "main = \"src/index.ts\" # entry\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n";
        let after = fixed("wrangler.toml", toml, classes);
        assert_eq!(
            after,
            "main = \"src/index.ts\" # entry\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n"
        );
    }

    #[test]
    fn no_safe_fix_when_ambiguous() {
        use crate::optimize::fix;
        use crate::optimize::tester::Tester;

        // The environment keeps its own migrations; a class defined nowhere;
        // a class an (applied, then pruned) history deleted.
        let configs = [
            r#"{ "main": "src/index.ts", "env": { "staging": { "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Other"] }] } } }"#,
            r#"{ "main": "src/index.ts", "durable_objects": { "bindings": [{ "name": "G", "class_name": "Ghost" }] } }"#,
            r#"{ "main": "src/index.ts", "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v7", "deleted_classes": ["Room"] }] }"#,
        ];
        for config in configs {
            let analysis = Tester::new("DO701")
                .config(config)
                .file("src/index.ts", ROOM)
                .run();
            assert_eq!(analysis.findings.len(), 1, "{config}");
            assert!(fix::plan(&analysis).is_empty(), "{config}");
        }
    }

    #[test]
    fn shadowed_configs_are_not_read() {
        let files = [
            (
                "wrangler.json",
                r#"{ "durable_objects": { "bindings": [{ "name": "R", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }] }"#,
            ),
            (
                "wrangler.toml",
                "[[durable_objects.bindings]]\nname = \"R\"\nclass_name = \"Room\"\n",
            ),
            ("src/index.ts", ROOM),
        ];
        assert!(project_findings("DO701", &files).is_empty());
    }
}
