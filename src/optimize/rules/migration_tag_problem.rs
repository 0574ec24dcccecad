//! DO704 migration-tag-problem.

use std::collections::{HashMap, HashSet};

use crate::config::{Migration, Spanned};
use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::configs::{active_configs, line_of};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reads each `migrations` list in order (the top level and every environment
    /// that sets its own) and reports:
    ///
    /// - a tag that an earlier migration of the same list already uses;
    /// - a class named by a migration (created, renamed, transferred or deleted
    ///   again) after an earlier migration deleted it.
    ///
    /// **Why is this bad?**
    ///
    /// Tags are how Cloudflare remembers which migrations a Worker has applied: a
    /// repeated tag makes the later migration ambiguous, and it is skipped or
    /// rejected depending on what was deployed. A deleted class is gone with all
    /// its objects and data; a later migration that renames, deletes or re-creates
    /// that name describes a history the platform does not have, and the deploy
    /// fails or silently starts a new, empty namespace.
    ///
    /// **Example**
    ///
    /// ```jsonc
    /// "migrations": [
    ///   { "tag": "v1", "new_sqlite_classes": ["Room", "Lobby"] },
    ///   { "tag": "v2", "deleted_classes": ["Lobby"] },
    ///   { "tag": "v2", "renamed_classes": [{ "from": "Lobby", "to": "Hall" }] }
    /// ]
    /// ```
    ///
    /// **Use instead**
    ///
    /// ```jsonc
    /// "migrations": [
    ///   { "tag": "v1", "new_sqlite_classes": ["Room", "Lobby"] },
    ///   { "tag": "v2", "deleted_classes": ["Lobby"] },
    ///   { "tag": "v3", "new_sqlite_classes": ["Hall"] }
    /// ]
    /// ```
    ///
    /// Unique tags, in the order they are applied; a new class gets a new name.
    ///
    /// **Known problems**
    ///
    /// Migrations already applied and then removed from the file are not seen: a
    /// class deleted by a removed migration is not known to be deleted.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    /// - https://developers.cloudflare.com/workers/wrangler/configuration/#migrations
    pub static RULE = Rule {
        name: "migration-tag-problem",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "Migration tags repeat, or a migration names a class an earlier one deleted",
        check: Check::Project(check),
    };
}

/// Every class a migration names, with how: (verb, after the class).
fn named_classes(migration: &Migration) -> Vec<(&Spanned<String>, (&'static str, &'static str))> {
    let mut out = Vec::new();
    for class in &migration.new_classes {
        out.push((class, ("re-creates", " with `new_classes`")));
    }
    for class in &migration.new_sqlite_classes {
        out.push((class, ("re-creates", " with `new_sqlite_classes`")));
    }
    for moved in &migration.renamed_classes {
        if let Some(from) = &moved.from {
            out.push((from, ("renames", "")));
        }
        if let Some(to) = &moved.to {
            out.push((to, ("renames a class to", "")));
        }
    }
    for moved in &migration.transferred_classes {
        if let Some(to) = &moved.to {
            out.push((to, ("transfers a class to", "")));
        }
    }
    for class in &migration.deleted_classes {
        out.push((class, ("deletes", " again")));
    }
    out
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    for loaded in active_configs(context.project) {
        let config = &loaded.config;
        let text = &config.text;
        let mut reported = HashSet::new();
        for (_, migrations) in config.migration_lists() {
            let mut tags: HashMap<&str, &Spanned<String>> = HashMap::new();
            // Deleted class -> the tag (or position) of the deleting migration.
            let mut deleted: HashMap<&str, String> = HashMap::new();
            for (index, migration) in migrations.iter().enumerate() {
                let label = migration
                    .tag
                    .as_ref()
                    .map(|tag| format!("`{}`", tag.value))
                    .unwrap_or_else(|| format!("#{}", index + 1));
                if let Some(tag) = &migration.tag {
                    match tags.get(tag.value.as_str()) {
                        Some(first) if reported.insert(tag.range) => {
                            report.push(
                                Violation::at(
                                    tag.range,
                                    format!(
                                        "migration tag `{}` is already used by the migration on line {}: Cloudflare records applied migrations by tag, so one of the two is skipped or the deploy is rejected",
                                        tag.value,
                                        line_of(text, first.range.start)
                                    ),
                                )
                                .in_file(loaded.path.clone())
                                .fix("give every migration its own tag, in the order they are applied (`v1`, `v2`, …)")
                                .effect("each migration applies exactly once, in order"),
                            );
                        }
                        Some(_) => {}
                        None => {
                            tags.insert(tag.value.as_str(), tag);
                        }
                    }
                }
                let mut named_here = HashSet::new();
                for (class, (verb, after)) in named_classes(migration) {
                    if let Some(deleted_by) = deleted.get(class.value.as_str())
                        && named_here.insert(class.value.as_str())
                        && reported.insert(class.range)
                    {
                        report.push(
                            Violation::at(
                                class.range,
                                format!(
                                    "migration {label} {verb} `{}`{after}, but migration {deleted_by} deleted that class: a deleted class and its data are gone, so this migration describes a class the platform no longer has",
                                    class.value
                                ),
                            )
                            .in_file(loaded.path.clone())
                            .fix(format!(
                                "drop `{}` from this migration; a new class needs a new name",
                                class.value
                            ))
                            .effect("the migration list matches what the platform has applied, and the deploy succeeds"),
                        );
                    }
                }
                for class in &migration.deleted_classes {
                    deleted
                        .entry(class.value.as_str())
                        .or_insert_with(|| label.clone());
                }
                // A deleted class named again has been reported once; do not
                // chase it through later migrations.
                for class in named_here {
                    deleted.remove(class);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    fn findings(name: &str, config: &str) -> Vec<String> {
        project_findings("DO704", &[(name, config)])
    }

    #[test]
    fn fires_on_repeated_tags_and_deleted_classes() {
        let config = "{\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] },\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"B\"] }\n  ]\n}";
        assert_eq!(
            findings("wrangler.jsonc", config),
            vec!["DO704:wrangler.jsonc:4"]
        );
        let config = "[[migrations]]\ntag = \"v1\"\nnew_classes = [\"A\"]\n\n[[migrations]]\ntag = \"v2\"\ndeleted_classes = [\"A\"]\n\n[[migrations]]\ntag = \"v3\"\nrenamed_classes = [{ from = \"A\", to = \"B\" }]\n";
        assert_eq!(
            findings("wrangler.toml", config),
            vec!["DO704:wrangler.toml:11"]
        );
    }

    #[test]
    fn quiet_for_ordered_unique_tags() {
        let config = r#"{ "migrations": [
            { "tag": "v1", "new_sqlite_classes": ["A", "B"] },
            { "tag": "v2", "renamed_classes": [{ "from": "A", "to": "C" }] },
            { "tag": "v3", "deleted_classes": ["B"] },
            { "tag": "v4", "new_sqlite_classes": ["D"] }
        ] }"#;
        assert!(findings("wrangler.jsonc", config).is_empty());
        // Environments keep their own lists: the same tags there are fine.
        let config = r#"{ "migrations": [{ "tag": "v1", "new_sqlite_classes": ["A"] }],
            "env": { "staging": { "migrations": [{ "tag": "v1", "new_sqlite_classes": ["A"] }] } } }"#;
        assert!(findings("wrangler.jsonc", config).is_empty());
    }
}
