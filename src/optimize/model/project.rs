//! The project model: every wrangler config and every file's owned facts,
//! merged once after the parallel parse and shared read-only by the project
//! rules (SQL schema across files, classes and their inheritance, exports
//! and re-exports, stub calls, configs).

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::{ClassFact, DoKind, ExportFact, FileFacts};
use crate::config::WranglerConfig;
use crate::optimize::sql::{IndexDef, StatementKind, TableDef};
use crate::text::TextRange;

/// A config file, read, with its path relative to the scanned root.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub config: WranglerConfig,
}

impl LoadedConfig {
    /// The directory whose sources this config owns.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

pub struct ProjectModel {
    pub configs: Vec<LoadedConfig>,
    pub files: Vec<FileFacts>,
    /// Tables created anywhere, by lower-case name (first definition wins),
    /// with the file and range of the `sql.exec` that creates them.
    tables: HashMap<String, (TableDef, PathBuf, TextRange)>,
    indexes: Vec<IndexDef>,
    /// Lower-case names of tables some statement inserts into.
    inserted: HashSet<String>,
    by_path: HashMap<PathBuf, usize>,
}

impl ProjectModel {
    pub fn new(configs: Vec<LoadedConfig>, mut files: Vec<FileFacts>) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut tables = HashMap::new();
        let mut indexes = Vec::new();
        let mut inserted = HashSet::new();
        for file in &files {
            for fact in &file.sql {
                for statement in &fact.statements {
                    if let Some(table) = &statement.created_table {
                        tables
                            .entry(table.name.to_ascii_lowercase())
                            .or_insert_with(|| (table.clone(), file.path.clone(), fact.range));
                    }
                    if let Some(index) = &statement.created_index {
                        indexes.push(index.clone());
                    }
                    if statement.kind == StatementKind::Insert
                        && let Some(table) = &statement.table
                    {
                        inserted.insert(table.to_ascii_lowercase());
                    }
                }
            }
        }
        let by_path = files
            .iter()
            .enumerate()
            .map(|(index, file)| (file.path.clone(), index))
            .collect();
        ProjectModel {
            configs,
            files,
            tables,
            indexes,
            inserted,
            by_path,
        }
    }

    /// The table created with this name anywhere in the code base.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables
            .get(&name.to_ascii_lowercase())
            .map(|(table, _, _)| table)
    }

    /// Where the table's `CREATE TABLE` runs: file and range of the call.
    pub fn table_location(&self, name: &str) -> Option<(&Path, TextRange)> {
        self.tables
            .get(&name.to_ascii_lowercase())
            .map(|(_, file, range)| (file.as_path(), *range))
    }

    /// Every index created on this table anywhere in the code base.
    pub fn indexes_on<'s>(&'s self, table: &'s str) -> impl Iterator<Item = &'s IndexDef> + 's {
        self.indexes
            .iter()
            .filter(move |index| index.table.eq_ignore_ascii_case(table))
    }

    /// Whether some code inserts into this table (it grows).
    pub fn is_inserted(&self, table: &str) -> bool {
        self.inserted.contains(&table.to_ascii_lowercase())
    }

    pub fn file(&self, path: &Path) -> Option<&FileFacts> {
        self.by_path.get(path).map(|&index| &self.files[index])
    }

    /// The config that owns a source file: the nearest one in an enclosing
    /// directory.
    pub fn config_for(&self, file: &Path) -> Option<&LoadedConfig> {
        self.configs
            .iter()
            .filter(|config| file.starts_with(config.dir()))
            .max_by_key(|config| config.dir().components().count())
    }

    /// Source files owned by a config.
    pub fn files_of<'s>(
        &'s self,
        config: &'s LoadedConfig,
    ) -> impl Iterator<Item = &'s FileFacts> + 's {
        self.files.iter().filter(move |file| {
            self.config_for(&file.path)
                .is_some_and(|owner| owner.path == config.path)
        })
    }

    /// Classes with this name in the files a config owns.
    pub fn classes_named<'s>(
        &'s self,
        config: Option<&'s LoadedConfig>,
        name: &'s str,
    ) -> impl Iterator<Item = (&'s FileFacts, &'s ClassFact)> + 's {
        self.files
            .iter()
            .filter(move |file| {
                config.is_none_or(|config| {
                    self.config_for(&file.path)
                        .is_some_and(|owner| owner.path == config.path)
                })
            })
            .flat_map(|file| file.classes.iter().map(move |class| (file, class)))
            .filter(move |(_, class)| class.name == name)
    }

    /// Whether `class` in `file` is a Durable Object class, following
    /// `extends` across files (a few levels).
    pub fn is_do_class(&self, file: &Path, class: &str) -> bool {
        self.class_kind(file, class, 0)
            .is_some_and(|kind| !matches!(kind, DoKind::NotDo))
    }

    /// The kind of `class` in `file`, with `extends` across files resolved
    /// (a framework subclass of a local base is a framework class).
    pub fn resolved_kind(&self, file: &Path, class: &str) -> Option<DoKind> {
        self.class_kind(file, class, 0)
    }

    fn class_kind(&self, file: &Path, class: &str, depth: u8) -> Option<DoKind> {
        let facts = self.file(file)?;
        let found = facts.classes.iter().find(|fact| fact.name == class)?;
        match &found.kind {
            DoKind::Inherited { base, source } if depth < 6 => {
                let target = self.resolve_module(file, source)?;
                let target_path = self.files[target].path.clone();
                // The base may itself be re-exported from an index module.
                let (defining, name) = self.find_export_origin(&target_path, base, 0)?;
                self.class_kind(&defining, &name, depth + 1)
            }
            DoKind::Inherited { .. } => None,
            kind => Some(kind.clone()),
        }
    }

    /// The file and local name of the class a module exports as `name`,
    /// following `export { X } from` and `export *`.
    pub fn export_origin(&self, file: &Path, name: &str) -> Option<(PathBuf, String)> {
        self.find_export_origin(file, name, 0)
    }

    /// Follow `export { X } from` / `export *` to the file that defines `name`.
    fn find_export_origin(&self, file: &Path, name: &str, depth: u8) -> Option<(PathBuf, String)> {
        let facts = self.file(file)?;
        if facts.classes.iter().any(|class| class.name == name) {
            return Some((file.to_path_buf(), name.to_string()));
        }
        if depth > 6 {
            return None;
        }
        for export in &facts.exports {
            match export {
                ExportFact::From {
                    exported,
                    imported,
                    source,
                } if exported == name => {
                    let target = self.resolve_module(file, source)?;
                    let path = self.files[target].path.clone();
                    return self.find_export_origin(&path, imported, depth + 1);
                }
                ExportFact::All(source) => {
                    if let Some(target) = self.resolve_module(file, source) {
                        let path = self.files[target].path.clone();
                        if let Some(found) = self.find_export_origin(&path, name, depth + 1) {
                            return Some(found);
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The names a module exports, following re-exports; `None` when some
    /// `export *` leads outside the project (the answer is unknown).
    pub fn exported_names(&self, file: &Path) -> Option<HashSet<String>> {
        let mut names = HashSet::new();
        let mut seen = HashSet::new();
        self.collect_exports(file, &mut names, &mut seen, 0)
            .then_some(names)
    }

    fn collect_exports(
        &self,
        file: &Path,
        names: &mut HashSet<String>,
        seen: &mut HashSet<PathBuf>,
        depth: u8,
    ) -> bool {
        if depth > 8 || !seen.insert(file.to_path_buf()) {
            return true;
        }
        let Some(facts) = self.file(file) else {
            return false;
        };
        let mut known = true;
        for export in &facts.exports {
            match export {
                ExportFact::Name(name) => {
                    names.insert(name.clone());
                }
                ExportFact::From { exported, .. } => {
                    names.insert(exported.clone());
                }
                ExportFact::All(source) => match self.resolve_module(file, source) {
                    Some(target) => {
                        let path = self.files[target].path.clone();
                        known &= self.collect_exports(&path, names, seen, depth + 1);
                    }
                    None => known = false,
                },
            }
        }
        known
    }

    /// Resolve a relative import from `from` to a project file.
    pub fn resolve_module(&self, from: &Path, specifier: &str) -> Option<usize> {
        if !specifier.starts_with('.') {
            return None;
        }
        let base = normalize(&from.parent().unwrap_or(Path::new("")).join(specifier));
        let text = base.to_string_lossy().to_string();
        // `./room.js` written for a `room.ts` file (TypeScript's ESM habit).
        let stem = [".js", ".mjs", ".cjs", ".jsx"]
            .iter()
            .find_map(|ext| text.strip_suffix(ext))
            .map(str::to_owned);
        let mut candidates = vec![base.clone()];
        for stem in [Some(text.clone()), stem].into_iter().flatten() {
            for ext in ["ts", "tsx", "mts", "js", "mjs", "jsx", "cts", "cjs"] {
                candidates.push(PathBuf::from(format!("{stem}.{ext}")));
                candidates.push(PathBuf::from(format!("{stem}/index.{ext}")));
            }
        }
        candidates
            .iter()
            .find_map(|candidate| self.by_path.get(candidate).copied())
    }

    /// The project file a config's `main` points at.
    pub fn main_module(&self, config: &LoadedConfig) -> Option<PathBuf> {
        let main = config.config.main.as_ref()?;
        self.module_at(config, &main.value)
    }

    /// The project file a `main` path (relative to the config) points at.
    pub fn module_at(&self, config: &LoadedConfig, main: &str) -> Option<PathBuf> {
        let path = normalize(&config.dir().join(main));
        if self.by_path.contains_key(&path) {
            return Some(path);
        }
        let spec = format!("./{}", path.file_name()?.to_string_lossy());
        self.resolve_module(&path, &spec)
            .map(|index| self.files[index].path.clone())
    }
}

/// Resolve `.` and `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(parts.last(), Some(Component::Normal(_))) {
                    parts.pop();
                } else {
                    parts.push(component);
                }
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}
