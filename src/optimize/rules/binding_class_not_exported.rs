//! DO703 binding-class-not-exported.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::configs::{active_configs, main_file};
use crate::optimize::model::{ExportFact, FileFacts};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};
use crate::text::slash_path;

declare_rule! {
    /// **What it does**
    ///
    /// Checks every Durable Object binding whose class lives in this Worker (no
    /// `script_name`) against the named exports of the Worker's `main` module,
    /// following re-exports (`export { Room } from "./room"`, `export * from
    /// "./objects"`, `export { Room as ChatRoom }`). It reports the binding when the
    /// class is defined in the project but the entry module does not export it
    /// under the bound name.
    ///
    /// **Why is this bad?**
    ///
    /// The runtime finds a Durable Object class by its named export from the
    /// Worker's entry module; a default export, an export from another module or a
    /// class that is only imported does not count. The deploy fails with *Cannot
    /// create binding for class Room that is not exported by the script*, and in
    /// `wrangler dev` every request to the object throws.
    ///
    /// **Example**
    ///
    /// ```ts
    /// // src/index.ts (main)
    /// import { Room } from "./room";
    /// export default {
    ///   fetch(request: Request, env: Env) {
    ///     return env.ROOM.getByName("lobby").fetch(request);
    ///   },
    /// };
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```ts
    /// // src/index.ts (main)
    /// export { Room } from "./room";
    /// export default {
    ///   fetch(request: Request, env: Env) {
    ///     return env.ROOM.getByName("lobby").fetch(request);
    ///   },
    /// };
    /// ```
    ///
    /// **Known problems**
    ///
    /// Stays quiet when the answer cannot be known from the sources: no `main`, a
    /// `main` outside the scanned sources (a built `dist/` file, a package), an
    /// `export *` from a package, or an entry module without ES module exports.
    /// A bound class that is defined nowhere in the project (renamed or deleted,
    /// or living in another Worker without `script_name`) is reported when the
    /// entry module's exports are fully known and do not hold it; a binding with
    /// `script_name` is never checked. Environments that set their own `main`
    /// are checked against it.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/get-started/
    /// - https://developers.cloudflare.com/workers/wrangler/configuration/#durable-objects
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    pub static RULE = Rule {
        name: "binding-class-not-exported",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "A binding's class is not a named export of the Worker's `main` module (deploy fails)",
        check: Check::Project(check),
    };
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    let project = context.project;
    // Class name -> the files defining it.
    let mut defined: HashMap<&str, Vec<&FileFacts>> = HashMap::new();
    for file in &project.files {
        for class in &file.classes {
            defined.entry(class.name.as_str()).or_default().push(file);
        }
    }
    for loaded in active_configs(project) {
        let mut seen = HashSet::new();
        for binding in &loaded.config.bindings {
            if binding.script_name.is_some() {
                continue;
            }
            let class = binding.class_name.value.as_str();
            let Some(main) = main_file(project, loaded, binding.environment.as_deref()) else {
                continue;
            };
            if !seen.insert((class, main.clone())) {
                continue;
            }
            let Some(names) = project.exported_names(&main) else {
                continue;
            };
            // A module without ES exports is a CommonJS or service-worker
            // script: its exports are not ours to read.
            if names.is_empty() || names.contains(class) {
                continue;
            }
            let main_name = slash_path(&main);
            // A class defined nowhere (renamed, deleted, or living in another
            // Worker without `script_name`): the entry's exports are fully
            // known and do not hold it, so the deploy fails all the same.
            let Some(defining) = defined.get(class).and_then(|files| {
                files
                    .iter()
                    .min_by_key(|file| (file.path != main, file.path.clone()))
            }) else {
                // A class the config deletes is DO709's finding.
                let environment = binding.environment.as_deref();
                let deleted =
                    loaded
                        .config
                        .effective_migrations(environment)
                        .iter()
                        .any(|migration| {
                            migration
                                .deleted_classes
                                .iter()
                                .any(|deleted| deleted.value == class)
                        })
                        || loaded
                            .config
                            .effective_exports(environment)
                            .unwrap_or_default()
                            .iter()
                            .any(|entry| {
                                entry.class_name.value == class
                                    && entry.state.as_deref() == Some("deleted")
                            });
                if deleted {
                    continue;
                }
                report.push(
                    Violation::at(
                        binding.class_name.range,
                        format!(
                            "binding `{}` uses class `{class}`, which no file of the project defines and the Worker's `main` module {main_name} does not export: `wrangler deploy` fails with \"Cannot create binding for class {class} that is not exported by the script\"",
                            binding.name.value
                        ),
                    )
                    .in_file(loaded.path.clone())
                    .fix(format!(
                        "if `{class}` was renamed, bind the new name (with a `renamed_classes` migration); if it lives in another Worker, add `script_name`; if it is gone, remove the binding (with a `deleted_classes` migration)"
                    ))
                    .effect(format!("the binding names a class the deploy can find, or goes away with `{class}`")),
                );
                continue;
            };
            let fix = if defining.path == main {
                format!(
                    "export the class from {main_name}: `export class {class} …` (or `export {{ {class} }};`)"
                )
            } else {
                // Follow the entry's own style: `./room.js` when its
                // re-exports spell the extension.
                let with_extension = project.file(&main).is_some_and(|facts| {
                    facts.exports.iter().any(|export| match export {
                        ExportFact::From { source, .. } | ExportFact::All(source) => {
                            source.ends_with(".js")
                        }
                        ExportFact::Name(_) => false,
                    })
                });
                let mut specifier = import_specifier(&main, &defining.path);
                if with_extension {
                    specifier.push_str(".js");
                }
                format!("add `export {{ {class} }} from \"{specifier}\";` to {main_name}")
            };
            report.push(
                Violation::at(
                    binding.class_name.range,
                    format!(
                        "binding `{}` uses class `{class}`, but the Worker's `main` module {main_name} does not export `{class}`: `wrangler deploy` fails with \"Cannot create binding for class {class} that is not exported by the script\"",
                        binding.name.value
                    ),
                )
                .in_file(loaded.path.clone())
                .fix(fix)
                .effect(format!("the runtime finds `{class}` and the binding works")),
            );
        }
    }
}

/// The relative module specifier from `from` (a file) to `to` (a file),
/// without the extension: `./room`, `../objects/room`.
fn import_specifier(from: &Path, to: &Path) -> String {
    let from_dir: Vec<Component> = from
        .parent()
        .map(|parent| parent.components().collect())
        .unwrap_or_default();
    let target = to.with_extension("");
    let to_parts: Vec<Component> = target.components().collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut path = PathBuf::new();
    for _ in common..from_dir.len() {
        path.push("..");
    }
    for part in &to_parts[common..] {
        path.push(part.as_os_str());
    }
    let text = slash_path(&path);
    if text.starts_with("..") {
        text
    } else {
        format!("./{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::import_specifier;
    use crate::optimize::tester::project_findings;
    use std::path::Path;

    const CONFIG: &str = r#"{
  "main": "src/index.ts",
  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }]
}"#;
    const ROOM: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\n";

    fn findings(index: &str) -> Vec<String> {
        project_findings(
            "DO703",
            &[
                ("wrangler.jsonc", CONFIG),
                ("src/room.ts", ROOM),
                ("src/objects.ts", "export * from \"./room\";\n"),
                ("src/index.ts", index),
            ],
        )
    }

    #[test]
    fn fires_when_main_does_not_export_the_class() {
        let index = "import { Room } from \"./room\";\nexport default { fetch() { return new Response(String(Room)); } };\n";
        assert_eq!(findings(index), vec!["DO703:wrangler.jsonc:3"]);
        let renamed = "export { Room as ChatRoom } from \"./room\";\nexport default {};\n";
        assert_eq!(findings(renamed).len(), 1);
    }

    #[test]
    fn quiet_for_re_exports() {
        for index in [
            "export { Room } from \"./room\";\nexport default {};\n",
            "export * from \"./objects\";\nexport default {};\n",
            "import { Room } from \"./room\";\nexport { Room };\nexport default {};\n",
            "export * from \"some-package\";\nexport default {};\n",
            "module.exports = {};\n",
        ] {
            assert!(findings(index).is_empty(), "{index}");
        }
    }

    #[test]
    fn specifiers() {
        assert_eq!(
            import_specifier(Path::new("src/index.ts"), Path::new("src/room.ts")),
            "./room"
        );
        assert_eq!(
            import_specifier(Path::new("src/index.ts"), Path::new("lib/objects/room.ts")),
            "../lib/objects/room"
        );
    }
}
