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
    /// Tables created anywhere, by lower-case name, with the file and range
    /// of the `sql.exec` that creates them: every file's first definition,
    /// in path order. Each Durable Object has a database of its own, so two
    /// classes may create different tables under one name (see
    /// `table_site`).
    tables: HashMap<String, Vec<(TableDef, PathBuf, TextRange)>>,
    /// (lower-case table name, file) → that file's definition in `tables`:
    /// a lookup per query, however many files create a table of that name.
    table_in_file: HashMap<(String, PathBuf), usize>,
    /// Indexes by the lower-case name of their table, and by table name and
    /// the file that creates them.
    indexes: HashMap<String, Vec<IndexDef>>,
    indexes_in_file: HashMap<(String, PathBuf), Vec<IndexDef>>,
    /// Lower-case names of tables some statement inserts into, with the
    /// files that insert.
    inserted: HashMap<String, HashSet<PathBuf>>,
    /// Lower-case names of tables inserted into by a file that creates no
    /// table of that name (a helper or schema module writing for others).
    inserted_elsewhere: HashSet<String>,
    by_path: HashMap<PathBuf, usize>,
    /// The project index, built once: which config owns each file (by
    /// index into `configs`), the files each config owns, configs by
    /// directory and by path, and classes by name. Rules query these
    /// instead of walking every config or file, so that a monorepo costs
    /// time linear in its files and configs.
    owner: Vec<Option<usize>>,
    owned: Vec<Vec<usize>>,
    config_by_dir: HashMap<PathBuf, usize>,
    config_by_path: HashMap<PathBuf, usize>,
    classes_by_name: HashMap<String, Vec<(usize, usize)>>,
    /// (file, class name) → the first class of that name in the file.
    class_in_file: HashMap<(usize, String), usize>,
}

impl ProjectModel {
    pub fn new(configs: Vec<LoadedConfig>, mut files: Vec<FileFacts>) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut tables: HashMap<String, Vec<(TableDef, PathBuf, TextRange)>> = HashMap::new();
        let mut table_in_file: HashMap<(String, PathBuf), usize> = HashMap::new();
        let mut indexes: HashMap<String, Vec<IndexDef>> = HashMap::new();
        let mut indexes_in_file: HashMap<(String, PathBuf), Vec<IndexDef>> = HashMap::new();
        let mut inserted: HashMap<String, HashSet<PathBuf>> = HashMap::new();
        for file in &files {
            for fact in &file.sql {
                for statement in &fact.statements {
                    if let Some(table) = &statement.created_table {
                        let name = table.name.to_ascii_lowercase();
                        let sites = tables.entry(name.clone()).or_default();
                        if let std::collections::hash_map::Entry::Vacant(entry) =
                            table_in_file.entry((name, file.path.clone()))
                        {
                            entry.insert(sites.len());
                            sites.push((table.clone(), file.path.clone(), fact.range));
                        }
                    }
                    if let Some(index) = &statement.created_index {
                        let name = index.table.to_ascii_lowercase();
                        indexes.entry(name.clone()).or_default().push(index.clone());
                        indexes_in_file
                            .entry((name, file.path.clone()))
                            .or_default()
                            .push(index.clone());
                    }
                    if statement.kind == StatementKind::Insert
                        && let Some(table) = &statement.table
                    {
                        inserted
                            .entry(table.to_ascii_lowercase())
                            .or_default()
                            .insert(file.path.clone());
                    }
                }
            }
        }
        // Tables an ORM inserts into (drizzle: `db.insert(emails)` with
        // `const emails = sqliteTable("emails", …)` in some file).
        let orm_inserted: HashSet<&str> = files
            .iter()
            .flat_map(|file| file.orm_inserts.iter().map(String::as_str))
            .collect();
        for file in &files {
            for (binding, table) in &file.orm_tables {
                if orm_inserted.contains(binding.as_str()) {
                    inserted
                        .entry(table.to_ascii_lowercase())
                        .or_default()
                        .insert(file.path.clone());
                }
            }
        }
        let inserted_elsewhere: HashSet<String> = inserted
            .iter()
            .filter(|(name, writers)| {
                writers
                    .iter()
                    .any(|writer| !table_in_file.contains_key(&((*name).clone(), writer.clone())))
            })
            .map(|(name, _)| name.clone())
            .collect();
        let by_path = files
            .iter()
            .enumerate()
            .map(|(index, file)| (file.path.clone(), index))
            .collect();
        // Same-directory configs: the last one owns the sources (as the
        // nearest-config search always did).
        let config_by_dir: HashMap<PathBuf, usize> = configs
            .iter()
            .enumerate()
            .map(|(index, config)| (config.dir().to_path_buf(), index))
            .collect();
        let config_by_path = configs
            .iter()
            .enumerate()
            .map(|(index, config)| (config.path.clone(), index))
            .collect();
        let owner: Vec<Option<usize>> = files
            .iter()
            .map(|file| nearest_config(&config_by_dir, &file.path))
            .collect();
        let mut owned = vec![Vec::new(); configs.len()];
        for (index, owner) in owner.iter().enumerate() {
            if let Some(config) = owner {
                owned[*config].push(index);
            }
        }
        let mut classes_by_name: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut class_in_file = HashMap::new();
        for (file_index, file) in files.iter().enumerate() {
            for (class_index, class) in file.classes.iter().enumerate() {
                class_in_file
                    .entry((file_index, class.name.clone()))
                    .or_insert(class_index);
                classes_by_name
                    .entry(class.name.clone())
                    .or_default()
                    .push((file_index, class_index));
            }
        }
        ProjectModel {
            configs,
            files,
            tables,
            table_in_file,
            indexes,
            indexes_in_file,
            inserted,
            inserted_elsewhere,
            by_path,
            owner,
            owned,
            config_by_dir,
            config_by_path,
            classes_by_name,
            class_in_file,
        }
    }

    /// The definition of table `name` that a statement in file `from`
    /// sees: the one `from` creates itself when it creates one, else the
    /// first in path order. Each Durable Object class has a database of its
    /// own, so a scheduler's `events` and a webhook queue's `events` are two
    /// tables; where only one file creates the table, every file sees it
    /// (schema modules, helpers).
    fn table_site(&self, name: &str, from: &Path) -> Option<&(TableDef, PathBuf, TextRange)> {
        let key = name.to_ascii_lowercase();
        let sites = self.tables.get(&key)?;
        self.table_in_file
            .get(&(key, from.to_path_buf()))
            .and_then(|&index| sites.get(index))
            .or_else(|| sites.first())
    }

    /// Whether files other than the defining one create a table of this name.
    fn is_ambiguous(&self, name: &str) -> bool {
        self.tables
            .get(&name.to_ascii_lowercase())
            .is_some_and(|sites| sites.len() > 1)
    }

    /// The table with this name as file `from` sees it (see `table_site`).
    pub fn table(&self, name: &str, from: &Path) -> Option<&TableDef> {
        self.table_site(name, from).map(|(table, _, _)| table)
    }

    /// Where that table's `CREATE TABLE` runs: file and range of the call.
    pub fn table_location(&self, name: &str, from: &Path) -> Option<(&Path, TextRange)> {
        self.table_site(name, from)
            .map(|(_, file, range)| (file.as_path(), *range))
    }

    /// Every index created on that table: where several files create a
    /// table of this name, only the indexes of the file whose definition
    /// `from` sees.
    pub fn indexes_on<'s>(
        &'s self,
        table: &'s str,
        from: &Path,
    ) -> impl Iterator<Item = &'s IndexDef> + 's {
        let key = table.to_ascii_lowercase();
        let indexes = if self.is_ambiguous(table) {
            self.table_site(table, from)
                .and_then(|(_, path, _)| self.indexes_in_file.get(&(key, path.clone())))
        } else {
            self.indexes.get(&key)
        };
        indexes.into_iter().flatten()
    }

    /// Whether some code inserts into that table (it grows). Where several
    /// files create a table of this name, an insert counts for `from`'s
    /// table when it is in the file that defines it, or in a file that
    /// creates no table of that name.
    pub fn is_inserted(&self, table: &str, from: &Path) -> bool {
        let key = table.to_ascii_lowercase();
        let Some(writers) = self.inserted.get(&key) else {
            return false;
        };
        if !self.is_ambiguous(table) || self.inserted_elsewhere.contains(&key) {
            return true;
        }
        self.table_site(table, from)
            .is_none_or(|(_, site, _)| writers.contains(site))
    }

    pub fn file(&self, path: &Path) -> Option<&FileFacts> {
        self.by_path.get(path).map(|&index| &self.files[index])
    }

    /// The first class named `name` in `file`.
    pub fn class_in(&self, file: &Path, name: &str) -> Option<&ClassFact> {
        let &index = self.by_path.get(file)?;
        let &class = self.class_in_file.get(&(index, name.to_string()))?;
        Some(&self.files[index].classes[class])
    }

    /// The config that owns a source file: the nearest one in an enclosing
    /// directory.
    pub fn config_for(&self, file: &Path) -> Option<&LoadedConfig> {
        let index = match self.by_path.get(file) {
            Some(&known) => self.owner[known],
            None => nearest_config(&self.config_by_dir, file),
        };
        index.map(|index| &self.configs[index])
    }

    /// Source files owned by a config.
    pub fn files_of<'s>(
        &'s self,
        config: &'s LoadedConfig,
    ) -> impl Iterator<Item = &'s FileFacts> + 's {
        self.config_by_path
            .get(&config.path)
            .map(|&index| self.owned[index].as_slice())
            .unwrap_or(&[])
            .iter()
            .map(|&index| &self.files[index])
    }

    /// Classes with this name in the files a config owns (in every file
    /// when `config` is `None`).
    pub fn classes_named<'s>(
        &'s self,
        config: Option<&'s LoadedConfig>,
        name: &'s str,
    ) -> impl Iterator<Item = (&'s FileFacts, &'s ClassFact)> + 's {
        let wanted = config.map(|config| self.config_by_path.get(&config.path).copied());
        self.classes_by_name
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter(move |(file, _)| {
                wanted.is_none_or(|wanted| wanted.is_some() && self.owner[*file] == wanted)
            })
            .map(|&(file, class)| (&self.files[file], &self.files[file].classes[class]))
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
        let found = self.class_in(file, class)?;
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
        if self.class_in(file, name).is_some() {
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

/// The config in the nearest directory enclosing `file` (the file's own
/// directory first).
fn nearest_config(by_dir: &HashMap<PathBuf, usize>, file: &Path) -> Option<usize> {
    file.ancestors().find_map(|dir| by_dir.get(dir).copied())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(path: &str) -> LoadedConfig {
        let path = PathBuf::from(path);
        let text = if path.extension().is_some_and(|ext| ext == "toml") {
            "name = \"x\"\n"
        } else {
            "{ \"name\": \"x\" }"
        };
        let config = WranglerConfig::parse(&path, text.to_string()).unwrap();
        LoadedConfig { path, config }
    }

    fn file(path: &str, classes: &[&str]) -> FileFacts {
        FileFacts {
            path: PathBuf::from(path),
            classes: classes
                .iter()
                .map(|name| ClassFact {
                    name: name.to_string(),
                    range: TextRange { start: 0, end: 1 },
                    kind: DoKind::Native,
                    exported: true,
                    uses_sql: false,
                    extends: None,
                    is_abstract: false,
                })
                .collect(),
            ..FileFacts::default()
        }
    }

    #[test]
    fn project_index_owns_files_by_the_nearest_config() {
        let project = ProjectModel::new(
            vec![
                config("wrangler.jsonc"),
                config("apps/a/wrangler.toml"),
                // Same directory: the last one owns the sources.
                config("apps/a/wrangler.jsonc"),
                config("apps/b/wrangler.jsonc"),
            ],
            vec![
                file("apps/a/src/room.ts", &["Room"]),
                file("apps/b/src/room.ts", &["Room"]),
                file("apps/b/deep/er/x.ts", &["X"]),
                file("tools/script.ts", &["Room"]),
            ],
        );
        let owner = |path: &str| {
            project
                .config_for(Path::new(path))
                .map(|config| config.path.to_string_lossy().to_string())
        };
        assert_eq!(
            owner("apps/a/src/room.ts").as_deref(),
            Some("apps/a/wrangler.jsonc")
        );
        assert_eq!(
            owner("apps/b/deep/er/x.ts").as_deref(),
            Some("apps/b/wrangler.jsonc")
        );
        assert_eq!(owner("tools/script.ts").as_deref(), Some("wrangler.jsonc"));
        // A path that is not a project file is answered too.
        assert_eq!(
            owner("apps/b/new.ts").as_deref(),
            Some("apps/b/wrangler.jsonc")
        );

        let files = |config: usize| -> Vec<String> {
            project
                .files_of(&project.configs[config])
                .map(|file| file.path.to_string_lossy().to_string())
                .collect()
        };
        assert_eq!(files(0), ["tools/script.ts"]);
        assert!(files(1).is_empty());
        assert_eq!(files(2), ["apps/a/src/room.ts"]);
        assert_eq!(files(3), ["apps/b/deep/er/x.ts", "apps/b/src/room.ts"]);

        let rooms = |config: Option<&LoadedConfig>| -> Vec<String> {
            project
                .classes_named(config, "Room")
                .map(|(file, _)| file.path.to_string_lossy().to_string())
                .collect()
        };
        assert_eq!(rooms(None).len(), 3);
        assert_eq!(rooms(Some(&project.configs[3])), ["apps/b/src/room.ts"]);
        assert!(rooms(Some(&project.configs[1])).is_empty());
        assert!(
            project
                .class_in(Path::new("apps/b/deep/er/x.ts"), "X")
                .is_some()
        );
        assert!(
            project
                .class_in(Path::new("apps/b/deep/er/x.ts"), "Room")
                .is_none()
        );
    }
}
