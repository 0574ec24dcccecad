//! Helpers shared by the configuration rules (DO701–DO708).
//!
//! Which configs count: wrangler reads one config per directory, preferring
//! `wrangler.json`, then `wrangler.jsonc`, then `wrangler.toml`; a config
//! shadowed by another in the same directory is never deployed and is not
//! checked. A deployment is the top level (`None`) or one `env.<name>`
//! section, which inherits `main`, the compatibility settings, `migrations`
//! and `exports` unless it sets its own.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::{Migration, Spanned, WranglerConfig};
use crate::optimize::model::project::{LoadedConfig, ProjectModel};
use crate::optimize::model::{ClassFact, DoKind, FileFacts};

/// Config file names in the order wrangler prefers them.
const PREFERENCE: &[&str] = &["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

fn preference(path: &Path) -> usize {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    PREFERENCE
        .iter()
        .position(|candidate| *candidate == name)
        .unwrap_or(PREFERENCE.len())
}

/// The configs wrangler would read: one per directory.
pub fn active_configs(project: &ProjectModel) -> Vec<&LoadedConfig> {
    // The preferred config of each directory, found in one pass.
    let mut best: HashMap<&Path, usize> = HashMap::new();
    for loaded in &project.configs {
        let rank = preference(&loaded.path);
        best.entry(loaded.dir())
            .and_modify(|current| *current = (*current).min(rank))
            .or_insert(rank);
    }
    project
        .configs
        .iter()
        .filter(|loaded| best.get(loaded.dir()) == Some(&preference(&loaded.path)))
        .collect()
}

/// Every deployment a config describes: the top level, then each
/// environment.
pub fn deployments(config: &WranglerConfig) -> Vec<Option<&str>> {
    std::iter::once(None)
        .chain(
            config
                .environments
                .iter()
                .map(|environment| Some(environment.name.value.as_str())),
        )
        .collect()
}

/// The project file a deployment's `main` points at; `None` when there is no
/// `main` or it points outside the scanned sources (a built `dist/` file, a
/// package, a Python or Rust entry).
pub fn main_file(
    project: &ProjectModel,
    loaded: &LoadedConfig,
    environment: Option<&str>,
) -> Option<PathBuf> {
    let main = loaded.config.effective_main(environment)?;
    project.module_at(loaded, &main.value)
}

/// Which config directory owns each source file: the nearest one above it
/// (same-directory configs are one Worker). Built once per check, so that
/// rules stay linear in the number of files however many configs a
/// monorepo has.
pub struct Ownership<'p> {
    by_dir: HashMap<&'p Path, Vec<&'p FileFacts>>,
}

impl<'p> Ownership<'p> {
    pub fn new(project: &'p ProjectModel) -> Self {
        let dirs: HashSet<&Path> = project.configs.iter().map(LoadedConfig::dir).collect();
        let mut by_dir: HashMap<&Path, Vec<&FileFacts>> = HashMap::new();
        for file in &project.files {
            if let Some(owner) = file
                .path
                .ancestors()
                .skip(1)
                .find(|ancestor| dirs.contains(ancestor))
            {
                by_dir.entry(owner).or_default().push(file);
            }
        }
        Ownership { by_dir }
    }

    /// The source files a config owns.
    pub fn files(&self, loaded: &LoadedConfig) -> &[&'p FileFacts] {
        self.by_dir
            .get(loaded.dir())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Classes named `name` in the sources a config owns.
    pub fn classes<'s>(
        &'s self,
        loaded: &LoadedConfig,
        name: &'s str,
    ) -> impl Iterator<Item = (&'p FileFacts, &'p ClassFact)> + 's {
        self.files(loaded)
            .iter()
            .flat_map(|file| file.classes.iter().map(move |class| (*file, class)))
            .filter(move |(_, class)| class.name == name)
    }
}

/// Framework bases that need the SQLite backend whatever the subclass does
/// (the Agents SDK keeps its own state in SQL).
pub fn framework_needs_sqlite(kind: &DoKind) -> bool {
    matches!(kind, DoKind::Framework(label) if label.starts_with("Agents SDK"))
}

/// The 1-based line of a byte offset in a config, for messages.
pub fn line_of(text: &str, offset: usize) -> usize {
    crate::text::Position::of(text, offset, crate::text::LineEndings::Config).line
}

/// The config's name for messages (`apps/chat/wrangler.jsonc`).
pub fn config_name(loaded: &LoadedConfig) -> String {
    crate::text::slash_path(&loaded.path)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Backend {
    KeyValue,
    Sqlite,
    /// Received from another Worker: not known here.
    Unknown,
}

/// A live key-value class: its name now, and where it was created.
pub struct KeyValueClass<'c> {
    pub name: String,
    pub created: &'c Spanned<String>,
    pub tag: Option<&'c str>,
}

/// Where a key-value class was created: the class-name string and the tag.
type Origin<'c> = (&'c Spanned<String>, Option<&'c str>);

/// The classes a migration list leaves alive on the key-value backend.
pub fn key_value_classes(migrations: &[Migration]) -> Vec<KeyValueClass<'_>> {
    let mut live: HashMap<String, (Backend, Option<Origin<'_>>)> = HashMap::new();
    for migration in migrations {
        let tag = migration.tag.as_ref().map(|tag| tag.value.as_str());
        for class in &migration.new_classes {
            live.insert(class.value.clone(), (Backend::KeyValue, Some((class, tag))));
        }
        for class in &migration.new_sqlite_classes {
            live.insert(class.value.clone(), (Backend::Sqlite, None));
        }
        for moved in &migration.renamed_classes {
            if let (Some(from), Some(to)) = (&moved.from, &moved.to) {
                let state = live.remove(&from.value).unwrap_or((Backend::Unknown, None));
                live.insert(to.value.clone(), state);
            }
        }
        for moved in &migration.transferred_classes {
            if let Some(to) = &moved.to {
                live.insert(to.value.clone(), (Backend::Unknown, None));
            }
        }
        for class in &migration.deleted_classes {
            live.remove(&class.value);
        }
    }
    let mut classes: Vec<KeyValueClass<'_>> = live
        .into_iter()
        .filter_map(|(name, (backend, origin))| {
            let (created, tag) = origin?;
            (backend == Backend::KeyValue).then_some(KeyValueClass { name, created, tag })
        })
        .collect();
    classes.sort_by_key(|class| class.created.range.start);
    classes
}
