//! DO708 migrations-and-exports.

use std::collections::HashSet;

use crate::optimize::finding::{Area, Severity};
use crate::optimize::model::configs::{active_configs, deployments};
use crate::optimize::rules::{Check, FixAvailability, ProjectContext, Report, Rule, Violation};

declare_rule! {
    /// **What it does**
    ///
    /// Reports a deployment (the top level, or an `env.<name>` section with what it
    /// inherits) that has both a non-empty `migrations` list and a declarative
    /// `exports` map with Durable Object entries (`"type": "durable-object"`).
    /// `exports` entries of other kinds (`worker`, `workflow`) do not count.
    ///
    /// **Why is this bad?**
    ///
    /// Both describe the lifecycle of the Worker's Durable Object classes, in two
    /// incompatible ways: an ordered history (`migrations`) or the desired state
    /// (`exports`). Wrangler rejects the config (*`migrations` and `exports` are
    /// mutually exclusive*), so nothing deploys.
    ///
    /// **Example**
    ///
    /// ```jsonc
    /// {
    ///   "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }],
    ///   "exports": { "Room": { "type": "durable-object", "storage": "sqlite" } }
    /// }
    /// ```
    ///
    /// **Use instead**
    ///
    /// Keep one. The `exports` map alone:
    ///
    /// ```jsonc
    /// {
    ///   "exports": { "Room": { "type": "durable-object", "storage": "sqlite" } }
    /// }
    /// ```
    ///
    /// **Known problems**
    ///
    /// An environment inherits whichever of the two it does not set itself; the
    /// finding points at the first Durable Object entry of the `exports` map that
    /// takes part in the conflict.
    ///
    /// **References**
    ///
    /// - https://developers.cloudflare.com/durable-objects/reference/durable-objects-migrations/
    /// - https://developers.cloudflare.com/workers/wrangler/configuration/
    pub static RULE = Rule {
        name: "migrations-and-exports",
        area: Area::General,
        severity: Severity::Error,
        scale_sensitive: false,
        fix: FixAvailability::None,
        summary: "The config sets both `migrations` and Durable Object entries in `exports`, which wrangler rejects",
        check: Check::Project(check),
    };
}

fn check(context: &ProjectContext<'_>, report: &mut Report) {
    for loaded in active_configs(context.project) {
        let config = &loaded.config;
        let mut reported = HashSet::new();
        for deployment in deployments(config) {
            let migrations = config.effective_migrations(deployment);
            let Some(exports) = config.effective_exports(deployment) else {
                continue;
            };
            if migrations.is_empty() {
                continue;
            }
            let Some(entry) = exports.iter().find(|entry| entry.is_durable_object()) else {
                continue;
            };
            let range = entry.class_name.range;
            if !reported.insert(range) {
                continue;
            }
            let place = deployment
                .map(|name| format!(" for `env.{name}`"))
                .unwrap_or_default();
            report.push(
                Violation::at(
                    range,
                    format!(
                        "`exports` declares Durable Object `{}`{place} while `migrations` ({} migration(s)) is set too: wrangler rejects the config (\"`migrations` and `exports` are mutually exclusive\")",
                        entry.class_name.value,
                        migrations.len()
                    ),
                )
                .in_file(loaded.path.clone())
                .fix("keep one: the `exports` map (the declarative form) or the `migrations` list")
                .effect("wrangler accepts the config and the deploy goes through"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::optimize::tester::project_findings;

    fn findings(name: &str, config: &str) -> Vec<String> {
        project_findings("DO708", &[(name, config)])
    }

    #[test]
    fn fires_on_both() {
        let config = "{\n  \"migrations\": [{ \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }],\n  \"exports\": { \"A\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" } }\n}";
        assert_eq!(
            findings("wrangler.jsonc", config),
            vec!["DO708:wrangler.jsonc:3"]
        );
        let config = "[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n\n[exports.A]\ntype = \"durable-object\"\nstorage = \"sqlite\"\n";
        assert_eq!(findings("wrangler.toml", config).len(), 1);
    }

    #[test]
    fn quiet_for_one_or_other_kinds() {
        for config in [
            r#"{ "exports": { "A": { "type": "durable-object", "storage": "sqlite" } } }"#,
            r#"{ "migrations": [{ "tag": "v1", "new_sqlite_classes": ["A"] }] }"#,
            r#"{ "migrations": [{ "tag": "v1", "new_sqlite_classes": ["A"] }], "exports": { "default": { "type": "worker" } } }"#,
            r#"{ "migrations": [], "exports": { "A": { "type": "durable-object", "storage": "sqlite" } } }"#,
        ] {
            assert!(findings("wrangler.jsonc", config).is_empty(), "{config}");
        }
    }
}
