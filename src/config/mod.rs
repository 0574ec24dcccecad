//! The wrangler configuration (`wrangler.jsonc`, `wrangler.json`,
//! `wrangler.toml`) as one typed model with byte spans.
//!
//! Both syntaxes are read into the same [`WranglerConfig`]; every value the
//! analyzer reports on keeps the byte range it came from, so a finding can point
//! at the exact `class_name` or migration tag. Only the fields Durable Objects
//! care about are modelled; everything else is ignored, never rejected. The
//! `env.<name>` sections are read too: their bindings and migrations belong to
//! the same Worker in another environment.

pub mod edit;
mod jsonc;
mod node;
mod toml;

use std::path::{Path, PathBuf};

use crate::text::TextRange;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub range: TextRange,
}

impl<T> Spanned<T> {
    pub fn new(value: T, range: TextRange) -> Self {
        Self { value, range }
    }
}

/// Which syntax a config file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// `wrangler.jsonc` or `wrangler.json` (both read as JSON with comments).
    Json,
    /// `wrangler.toml`.
    Toml,
}

/// `durable_objects.bindings[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurableObjectBinding {
    pub name: Spanned<String>,
    pub class_name: Spanned<String>,
    /// Set when the class lives in another Worker; such bindings need no
    /// migration here.
    pub script_name: Option<Spanned<String>>,
    /// `None` for the top level, `Some("staging")` for `env.staging`.
    pub environment: Option<String>,
    pub range: TextRange,
}

/// `renamed_classes[]` / `transferred_classes[]` entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMove {
    pub from: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub from_script: Option<Spanned<String>>,
}

/// One `migrations[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Migration {
    pub tag: Option<Spanned<String>>,
    pub new_classes: Vec<Spanned<String>>,
    pub new_sqlite_classes: Vec<Spanned<String>>,
    pub renamed_classes: Vec<ClassMove>,
    pub deleted_classes: Vec<Spanned<String>>,
    pub transferred_classes: Vec<ClassMove>,
    pub range: TextRange,
}

impl Migration {
    /// Every class this migration names, whatever it does with it.
    pub fn mentioned_classes(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.new_classes
            .iter()
            .chain(&self.new_sqlite_classes)
            .chain(&self.deleted_classes)
            .chain(
                self.renamed_classes
                    .iter()
                    .chain(&self.transferred_classes)
                    .flat_map(|moved| moved.from.iter().chain(moved.to.iter())),
            )
    }

    /// Classes this migration brings into existence (new, or the target of a
    /// rename or transfer).
    pub fn created_classes(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.new_classes
            .iter()
            .chain(&self.new_sqlite_classes)
            .chain(
                self.renamed_classes
                    .iter()
                    .chain(&self.transferred_classes)
                    .filter_map(|moved| moved.to.as_ref()),
            )
    }
}

/// One entry of the declarative `exports` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportEntry {
    pub class_name: Spanned<String>,
    /// `type`, e.g. `durable-object`.
    pub kind: Option<String>,
    /// `storage`, e.g. `sqlite`.
    pub storage: Option<String>,
    /// `state`; absent means `created` (a live class).
    pub state: Option<String>,
    pub renamed_to: Option<String>,
    pub range: TextRange,
}

impl ExportEntry {
    /// A live class: no state, `created`, or the receiving side of a
    /// transfer (`expecting-transfer`), as wrangler reads it.
    pub fn is_live(&self) -> bool {
        matches!(
            self.state.as_deref(),
            None | Some("created") | Some("expecting-transfer") | Some("expecting_transfer")
        )
    }

    /// A Durable Object entry (`type: "durable-object"`); `worker` and
    /// `workflow` entries are not. A missing `type` is read as a Durable
    /// Object (the key is required; such a file is being written).
    pub fn is_durable_object(&self) -> bool {
        matches!(
            self.kind.as_deref(),
            None | Some("durable-object") | Some("durable_object")
        )
    }

    /// A live Durable Object on the legacy key-value backend.
    pub fn is_key_value(&self) -> bool {
        self.is_durable_object()
            && self.is_live()
            && matches!(
                self.storage.as_deref(),
                Some("legacy-kv") | Some("legacy_kv")
            )
    }
}

/// One `env.<name>` section: the settings an environment may set for itself.
/// `None` means the environment inherits the top-level value (wrangler
/// treats `main`, `compatibility_date`, `compatibility_flags`, `migrations`
/// and `exports` as inheritable; `durable_objects` is not and lives in
/// [`WranglerConfig::bindings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: Spanned<String>,
    pub main: Option<Spanned<String>>,
    pub compatibility_date: Option<Spanned<String>>,
    pub compatibility_flags: Option<Vec<Spanned<String>>>,
    pub migrations: Option<Vec<Migration>>,
    pub migrations_range: Option<TextRange>,
    pub exports: Option<Vec<ExportEntry>>,
    pub exports_range: Option<TextRange>,
}

/// A `vars` entry (only its name and where it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub name: Spanned<String>,
    pub value: Option<String>,
}

/// One wrangler config file, read.
#[derive(Debug, Clone)]
pub struct WranglerConfig {
    /// The file, as found (absolute or relative to the current directory).
    pub path: PathBuf,
    pub format: ConfigFormat,
    /// The full text, kept for code frames and comment-preserving edits.
    pub text: String,
    pub name: Option<Spanned<String>>,
    pub main: Option<Spanned<String>>,
    pub compatibility_date: Option<Spanned<String>>,
    /// `pages_build_output_dir`: set for a Pages project, whose Functions can
    /// bind Durable Objects of other Workers only.
    pub pages_build_output_dir: Option<Spanned<String>>,
    /// Top-level `compatibility_flags`.
    pub compatibility_flags: Vec<Spanned<String>>,
    /// Top-level bindings first, then each environment's.
    pub bindings: Vec<DurableObjectBinding>,
    /// Top-level `migrations`.
    pub migrations: Vec<Migration>,
    /// Where the top-level `migrations` key is written, when it is.
    pub migrations_range: Option<TextRange>,
    /// The declarative `exports` map (`None` when absent).
    pub exports: Option<Vec<ExportEntry>>,
    pub exports_range: Option<TextRange>,
    pub vars: Vec<Var>,
    /// The `env.<name>` sections, in written order.
    pub environments: Vec<Environment>,
}

impl WranglerConfig {
    /// Read a config from its text; the format follows the file name.
    pub fn parse(path: &Path, text: String) -> Result<Self, ConfigError> {
        let format = if path.extension().is_some_and(|ext| ext == "toml") {
            ConfigFormat::Toml
        } else {
            ConfigFormat::Json
        };
        let mut config = WranglerConfig {
            path: path.to_path_buf(),
            format,
            text: String::new(),
            name: None,
            main: None,
            compatibility_date: None,
            pages_build_output_dir: None,
            compatibility_flags: Vec::new(),
            bindings: Vec::new(),
            migrations: Vec::new(),
            migrations_range: None,
            exports: None,
            exports_range: None,
            vars: Vec::new(),
            environments: Vec::new(),
        };
        match format {
            ConfigFormat::Json => jsonc::read(&text, &mut config)?,
            ConfigFormat::Toml => toml::read(&text, &mut config)?,
        }
        config.text = text;
        Ok(config)
    }

    /// The directory the config sits in (its sources are under it).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// Every class any migration or live Durable Object `exports` entry
    /// creates, at the top level and in every environment.
    pub fn migrated_classes(&self) -> impl Iterator<Item = &str> {
        self.migration_lists()
            .flat_map(|(_, migrations)| migrations)
            .flat_map(|migration| migration.created_classes())
            .map(|name| name.value.as_str())
            .chain(
                self.export_lists()
                    .flat_map(|(_, entries)| entries)
                    .filter(|entry| entry.is_durable_object() && entry.is_live())
                    .map(|entry| entry.class_name.value.as_str()),
            )
    }

    /// Whether any binding, migration or export (top level or environment)
    /// names this class.
    pub fn mentions_class(&self, class: &str) -> bool {
        self.bindings
            .iter()
            .any(|binding| binding.class_name.value == class)
            || self
                .migration_lists()
                .flat_map(|(_, migrations)| migrations)
                .flat_map(|migration| migration.mentioned_classes())
                .any(|name| name.value == class)
            || self
                .export_lists()
                .flat_map(|(_, entries)| entries)
                .any(|entry| entry.class_name.value == class)
    }

    /// The environment section with this name.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments
            .iter()
            .find(|environment| environment.name.value == name)
    }

    /// Every written migration list: the top level (`None`) when present,
    /// then each environment that sets its own.
    pub fn migration_lists(&self) -> impl Iterator<Item = (Option<&str>, &[Migration])> {
        self.migrations_range
            .map(|_| (None, self.migrations.as_slice()))
            .into_iter()
            .chain(self.environments.iter().filter_map(|environment| {
                environment
                    .migrations
                    .as_deref()
                    .map(|migrations| (Some(environment.name.value.as_str()), migrations))
            }))
    }

    /// Every written `exports` map: the top level (`None`), then each
    /// environment that sets its own.
    pub fn export_lists(&self) -> impl Iterator<Item = (Option<&str>, &[ExportEntry])> {
        self.exports
            .as_deref()
            .map(|entries| (None, entries))
            .into_iter()
            .chain(self.environments.iter().filter_map(|environment| {
                environment
                    .exports
                    .as_deref()
                    .map(|entries| (Some(environment.name.value.as_str()), entries))
            }))
    }

    /// The migrations a deployment uses: the environment's own list when it
    /// sets one, else the top-level list (inherited).
    pub fn effective_migrations(&self, environment: Option<&str>) -> &[Migration] {
        environment
            .and_then(|name| self.environment(name))
            .and_then(|environment| environment.migrations.as_deref())
            .unwrap_or(&self.migrations)
    }

    /// The `exports` map a deployment uses (the environment's, else the
    /// top level's).
    pub fn effective_exports(&self, environment: Option<&str>) -> Option<&[ExportEntry]> {
        environment
            .and_then(|name| self.environment(name))
            .and_then(|environment| environment.exports.as_deref())
            .or(self.exports.as_deref())
    }

    /// The `main` a deployment uses.
    pub fn effective_main(&self, environment: Option<&str>) -> Option<&Spanned<String>> {
        environment
            .and_then(|name| self.environment(name))
            .and_then(|environment| environment.main.as_ref())
            .or(self.main.as_ref())
    }

    /// The `compatibility_date` a deployment uses.
    pub fn effective_compatibility_date(
        &self,
        environment: Option<&str>,
    ) -> Option<&Spanned<String>> {
        environment
            .and_then(|name| self.environment(name))
            .and_then(|environment| environment.compatibility_date.as_ref())
            .or(self.compatibility_date.as_ref())
    }

    /// The `compatibility_flags` a deployment uses.
    pub fn effective_compatibility_flags(&self, environment: Option<&str>) -> &[Spanned<String>] {
        environment
            .and_then(|name| self.environment(name))
            .and_then(|environment| environment.compatibility_flags.as_deref())
            .unwrap_or(&self.compatibility_flags)
    }
}

/// A config file that could not be read as JSONC or TOML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
    /// Where the parser stopped, when it says.
    pub offset: Option<usize>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    const JSONC: &str = r#"{
  // comment
  "name": "app",
  "main": "src/index.ts",
  "compatibility_date": "2024-01-01",
  "durable_objects": { "bindings": [ { "name": "ROOM", "class_name": "Room" } ] },
  "migrations": [ { "tag": "v1", "new_sqlite_classes": ["Room"] },
                  { "tag": "v2", "renamed_classes": [{ "from": "Room", "to": "Hall" }] } ],
  "vars": { "LIMIT": "10" },
  "env": { "staging": { "durable_objects": { "bindings": [ { "name": "ROOM", "class_name": "Room" } ] } } },
}"#;

    const TOML: &str = r#"
name = "app"
main = "src/index.ts"
compatibility_date = "2024-01-01"

[[durable_objects.bindings]]
name = "ROOM"
class_name = "Room"

[[migrations]]
tag = "v1"
new_classes = ["Room"]
"#;

    #[test]
    fn reads_jsonc_with_spans() {
        let config = WranglerConfig::parse(Path::new("wrangler.jsonc"), JSONC.into()).unwrap();
        assert_eq!(config.name.as_ref().unwrap().value, "app");
        let main = config.main.as_ref().unwrap();
        assert_eq!(&JSONC[main.range.start..main.range.end], "\"src/index.ts\"");
        assert_eq!(config.bindings.len(), 2);
        assert_eq!(config.bindings[1].environment.as_deref(), Some("staging"));
        assert_eq!(config.migrations.len(), 2);
        assert_eq!(
            config.migrated_classes().collect::<Vec<_>>(),
            vec!["Room", "Hall"]
        );
        assert_eq!(config.vars[0].name.value, "LIMIT");
    }

    #[test]
    fn reads_toml_with_spans() {
        let config = WranglerConfig::parse(Path::new("wrangler.toml"), TOML.into()).unwrap();
        assert_eq!(config.format, ConfigFormat::Toml);
        let class = &config.bindings[0].class_name;
        assert_eq!(class.value, "Room");
        assert_eq!(&TOML[class.range.start..class.range.end], "\"Room\"");
        assert_eq!(config.migrations[0].new_classes[0].value, "Room");
        assert!(config.migrations_range.is_some());
    }

    #[test]
    fn reports_broken_files() {
        let error =
            WranglerConfig::parse(Path::new("wrangler.jsonc"), "{ \"name\": ".into()).unwrap_err();
        assert!(error.offset.is_some());
        let error =
            WranglerConfig::parse(Path::new("wrangler.toml"), "name = ".into()).unwrap_err();
        assert!(!error.message.is_empty());
    }
}
