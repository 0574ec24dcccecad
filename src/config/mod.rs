//! The wrangler configuration (`wrangler.jsonc`, `wrangler.json`,
//! `wrangler.toml`) as one typed model with byte spans.
//!
//! Both syntaxes are read into the same [`WranglerConfig`]; every value the
//! analyzer reports on keeps the byte range it came from, so a finding can point
//! at the exact `class_name` or migration tag. Only the fields Durable Objects
//! care about are modelled; everything else is ignored, never rejected. The
//! `env.<name>` sections are read too: their bindings and migrations belong to
//! the same Worker in another environment.

mod jsonc;
mod node;
mod toml;

use std::path::{Path, PathBuf};

/// A byte range into a file's text, half open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

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
    /// A live class (no state, or `created`).
    pub fn is_live(&self) -> bool {
        matches!(self.state.as_deref(), None | Some("created"))
    }
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
            bindings: Vec::new(),
            migrations: Vec::new(),
            migrations_range: None,
            exports: None,
            exports_range: None,
            vars: Vec::new(),
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

    /// Every class any migration or live `exports` entry creates.
    pub fn migrated_classes(&self) -> impl Iterator<Item = &str> {
        self.migrations
            .iter()
            .flat_map(|migration| migration.created_classes())
            .map(|name| name.value.as_str())
            .chain(
                self.exports
                    .iter()
                    .flatten()
                    .filter(|entry| entry.is_live())
                    .map(|entry| entry.class_name.value.as_str()),
            )
    }

    /// Whether any binding, migration or export names this class.
    pub fn mentions_class(&self, class: &str) -> bool {
        self.bindings
            .iter()
            .any(|binding| binding.class_name.value == class)
            || self
                .migrations
                .iter()
                .flat_map(|migration| migration.mentioned_classes())
                .any(|name| name.value == class)
            || self
                .exports
                .iter()
                .flatten()
                .any(|entry| entry.class_name.value == class)
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
