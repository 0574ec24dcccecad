//! DO706 exported-class-unbound.

use std::collections::{BTreeSet, HashSet};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::DoKind;
use crate::optimize::model::configs::{active_configs, deployments, main_file};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};
use crate::text::slash_path;

declare_rule! {
    /// **What it does**
    ///
    /// Lists the Durable Object classes the Worker's `main` module exports (following
    /// re-exports) and reports a class that no binding of any config names and that
    /// no migration or `exports` entry mentions.
    ///
    /// **Why is this bad?**
    ///
    /// Such a class is either dead code shipped with every deploy, or a Durable
    /// Object someone meant to use and never wired up: without a migration it has no
    /// namespace and no storage, and without a binding (or `ctx.exports`) nothing
    /// can reach it.
    ///
    /// **Example**
    ///
    /// ```ts
    /// // src/index.ts (main)
    /// export { Room } from "./room";
    /// export { Presence } from "./presence"; // in no binding, no migration
    /// ```
    ///
    /// **Use instead**
    ///
    /// Add the binding and the migration:
    ///
    /// ```jsonc
    /// "durable_objects": { "bindings": [{ "name": "PRESENCE", "class_name": "Presence" }] },
    /// "migrations": [{ "tag": "v2", "new_sqlite_classes": ["Presence"] }]
    /// ```
    ///
    /// or stop exporting the class (and delete it).
    ///
    /// **Known problems**
    ///
    /// A class counts as wired when any binding in any scanned config (also another
    /// Worker's, through `script_name`), any migration, or any `exports` entry names
    /// it, or when code reaches it as `ctx.exports.Name` (facets). Abstract classes
    /// and classes other classes extend are bases, not objects, and are skipped.
    /// Framework classes (Agents SDK, partyserver, `@cloudflare/actors`) are
    /// skipped too: sub-agents are reached through the framework's routing as facets
    /// of a bound parent, with no binding or migration of their own. Stays quiet
    /// when `main` is missing or outside the sources.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    /// - https://developers.cloudflare.com/workers/wrangler/configuration/#durable-objects
    pub static RULE = Rule {
        name: "exported-class-unbound",
        area: Area::General,
        severity: Severity::Warning,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A Durable Object class is exported by `main` but bound nowhere and in no migration",
        check: Check::Project(check),
    };
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    let configs = active_configs(project);
    let bound: HashSet<&str> = configs
        .iter()
        .flat_map(|loaded| loaded.config.bindings.iter())
        .map(|binding| binding.class_name.value.as_str())
        .collect();
    // Bases: extended by some class of the project.
    let bases: HashSet<&str> = project
        .files
        .iter()
        .flat_map(|file| file.classes.iter())
        .filter_map(|class| class.extends.as_deref())
        .collect();
    // Reached through `ctx.exports.Name` (facets, loopback), no binding needed.
    let used: HashSet<&str> = project
        .files
        .iter()
        .flat_map(|file| file.exports_used.iter())
        .map(String::as_str)
        .collect();
    let mut reported = HashSet::new();
    for loaded in &configs {
        let config = &loaded.config;
        let mains: BTreeSet<_> = deployments(config)
            .into_iter()
            .filter_map(|deployment| main_file(project, loaded, deployment))
            .collect();
        for main in mains {
            let Some(names) = project.exported_names(&main) else {
                continue;
            };
            let mut names: Vec<&String> = names.iter().collect();
            names.sort();
            for name in names {
                if bound.contains(name.as_str())
                    || used.contains(name.as_str())
                    || config.mentions_class(name)
                {
                    continue;
                }
                let Some((file, local)) = project.export_origin(&main, name) else {
                    continue;
                };
                let Some(class) = project.class_in(&file, &local) else {
                    continue;
                };
                // Framework classes (Agents SDK sub-agents, …) are reached
                // through the framework's own routing, often as facets of a
                // bound parent: only native Durable Objects are judged.
                if class.is_abstract
                    || bases.contains(local.as_str())
                    || !matches!(project.resolved_kind(&file, &local), Some(DoKind::Native))
                    || !reported.insert((file.clone(), class.range))
                {
                    continue;
                }
                let alias = if *name == local {
                    String::new()
                } else {
                    format!(" (as `{name}`)")
                };
                report.push(
                    Violation::at(
                        class.range,
                        format!(
                            "Durable Object class `{local}` is exported by {}{alias} but no binding names it and no migration creates it in {}: it has no namespace, so nothing can reach it",
                            slash_path(&main),
                            slash_path(&loaded.path)
                        ),
                    )
                    .in_file(file.clone())
                    .fix(format!(
                        "bind it (`{{ \"name\": \"{}\", \"class_name\": \"{name}\" }}` in `durable_objects.bindings`) and create it with a migration (`\"new_sqlite_classes\": [\"{name}\"]`), or stop exporting it",
                        name.to_ascii_uppercase()
                    ))
                    .effect("every exported Durable Object is reachable, or gone from the bundle"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    const CONFIG: &str = r#"{
  "name": "app",
  "main": "src/index.ts",
  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }]
}"#;
    const OBJECTS: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport class Presence extends DurableObject {}\nexport abstract class Base extends DurableObject {}\nexport class Helper {}\n";

    fn findings(config: &str, index: &str) -> Vec<String> {
        project_findings(
            "DO706",
            &[
                ("wrangler.jsonc", config),
                ("src/objects.ts", OBJECTS),
                ("src/index.ts", index),
            ],
        )
    }

    #[test]
    fn fires_on_an_exported_unbound_class() {
        let index = "export { Room, Presence } from \"./objects\";\nexport default {};\n";
        assert_eq!(findings(CONFIG, index), vec!["DO706:src/objects.ts:3"]);
        let star = "export * from \"./objects\";\nexport default {};\n";
        assert_eq!(findings(CONFIG, star), vec!["DO706:src/objects.ts:3"]);
    }

    #[test]
    fn quiet_when_migrated_bound_or_not_exported() {
        let index = "export { Room, Presence } from \"./objects\";\nexport default {};\n";
        let migrated = CONFIG.replace("[\"Room\"]", "[\"Room\", \"Presence\"]");
        assert!(findings(&migrated, index).is_empty());
        let exported = CONFIG.replace(
            "\"migrations\"",
            "\"exports\": { \"Presence\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" } },\n  \"migrations\"",
        );
        assert!(findings(&exported, index).is_empty());
        assert!(
            findings(
                CONFIG,
                "export { Room } from \"./objects\";\nexport default {};\n"
            )
            .is_empty()
        );
        let no_main = CONFIG.replace("\"main\": \"src/index.ts\",", "");
        assert!(findings(&no_main, index).is_empty());
    }
}
