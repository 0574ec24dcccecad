//! Find the files to analyze: wrangler configs and JS/TS sources.
//!
//! The walk honours `.gitignore` (also outside a git repository), and always
//! skips `node_modules`, `dist`, `build`, `.wrangler` and `.git`. Declaration
//! files (`.d.ts`), files over 1 MiB and binary files are skipped with a note.
//! Test code ([`is_test_path`]) is skipped unless asked for, and counted.
//! The result is sorted, so that everything after it is deterministic.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use super::finding::Diagnostic;

/// Files larger than this are skipped (generated bundles, not source).
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

const SKIPPED_DIRECTORIES: &[&str] = &["node_modules", "dist", "build", ".wrangler", ".git"];
const SOURCE_EXTENSIONS: &[&str] = &["ts", "tsx", "js", "mjs", "mts", "cts", "cjs", "jsx"];
const CONFIG_NAMES: &[&str] = &["wrangler.jsonc", "wrangler.json", "wrangler.toml"];

/// What the walk found, paths relative to the root.
#[derive(Debug, Default)]
pub struct Discovered {
    pub configs: Vec<PathBuf>,
    pub sources: Vec<PathBuf>,
    pub notes: Vec<Diagnostic>,
    /// Sources and configs seen, counting the ones skipped for their size:
    /// zero means the root holds nothing to analyze.
    pub candidates: usize,
    /// Sources and configs left out as test code (not in `candidates`).
    pub tests_skipped: usize,
}

/// Directories whose files are test code.
const TEST_DIRECTORIES: &[&str] = &["test", "tests", "__tests__"];

/// Whether a path (relative to the scanned root) is test code: a file named
/// `*.test.*` or `*.spec.*`, a vitest config (`vitest.config.*`,
/// `vitest.workspace.*`), or any file under a `test/`, `tests/` or
/// `__tests__/` directory. Example projects (`fixtures/`, `examples/`) are
/// ordinary code.
pub fn is_test_path(relative: &Path) -> bool {
    let mut components: Vec<String> = relative
        .components()
        .filter_map(|component| match component {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().to_string()),
            _ => None,
        })
        .collect();
    let Some(name) = components.pop() else {
        return false;
    };
    if components
        .iter()
        .any(|directory| TEST_DIRECTORIES.contains(&directory.as_str()))
    {
        return true;
    }
    let parts: Vec<&str> = name.split('.').collect();
    // `a.test.ts`, `a.spec.tsx`, `a.test.d.ts`: a `test`/`spec` part between
    // the stem and the extension.
    if parts.len() >= 3
        && parts[1..parts.len() - 1]
            .iter()
            .any(|part| matches!(*part, "test" | "spec"))
    {
        return true;
    }
    parts.len() >= 2 && matches!(parts[0], "vitest") && matches!(parts[1], "config" | "workspace")
}

/// What the walk takes in besides sources and configs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    /// Analyze test code too (`--include-tests`).
    pub include_tests: bool,
}

/// What one walk entry is, for the collecting side.
enum Seen {
    File(PathBuf, u64),
    Skipped(PathBuf, String),
    Unreadable(Option<PathBuf>, String),
}

/// Walk `root` (a directory, or a single file), leaving test code out.
pub fn discover(root: &Path) -> Discovered {
    discover_in(root, Scope::default())
}

/// Walk `root` with an explicit [`Scope`]. A root that is itself a single
/// file is analyzed even when it is a test file (it was asked for by name).
pub fn discover_in(root: &Path, scope: Scope) -> Discovered {
    let skip_tests = !scope.include_tests && !root.is_file();
    let mut found = Discovered::default();
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .ignore(true)
        .parents(true)
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            !(entry.file_type().is_some_and(|kind| kind.is_dir())
                && SKIPPED_DIRECTORIES.contains(&name.as_ref()))
        })
        .build_parallel();
    let (sender, receiver) = std::sync::mpsc::channel();
    walker.run(|| {
        let sender = sender.clone();
        Box::new(move |entry| {
            let seen = match entry {
                Ok(entry) => match entry.file_type() {
                    Some(kind) if kind.is_file() => {
                        // Only sources and configs are worth a `stat`.
                        classify(entry.path()).is_some().then(|| {
                            let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
                            Seen::File(entry.into_path(), size)
                        })
                    }
                    // A link that could hold or be an input (to a
                    // directory, or named like a source or config).
                    Some(kind) if kind.is_symlink() => {
                        let to_directory =
                            std::fs::metadata(entry.path()).is_ok_and(|meta| meta.is_dir());
                        (classify(entry.path()).is_some() || to_directory).then(|| {
                            Seen::Skipped(
                                entry.into_path(),
                                "skipped: symbolic link (links are not followed)".to_string(),
                            )
                        })
                    }
                    Some(kind) if !kind.is_dir() => {
                        let what = special_kind(&kind);
                        Some(Seen::Skipped(
                            entry.into_path(),
                            format!("skipped: {what}, not a regular file"),
                        ))
                    }
                    _ => None,
                },
                Err(error) => Some(Seen::Unreadable(error_path(&error), error_message(&error))),
            };
            if let Some(seen) = seen {
                let _ = sender.send(seen);
            }
            ignore::WalkState::Continue
        })
    });
    drop(sender);
    for seen in receiver {
        let (path, size) = match seen {
            Seen::File(path, size) => (path, size),
            Seen::Skipped(path, message) => {
                found.notes.push(Diagnostic {
                    level: "note",
                    file: relative_to(root, &path),
                    line: None,
                    column: None,
                    message,
                });
                continue;
            }
            Seen::Unreadable(path, message) => {
                found.notes.push(Diagnostic {
                    level: "error",
                    file: path.map_or_else(|| root.to_path_buf(), |path| relative_to(root, &path)),
                    line: None,
                    column: None,
                    message: format!("cannot read: {message}"),
                });
                continue;
            }
        };
        let relative = relative_to(root, &path);
        let Some(kind) = classify(&path) else {
            continue;
        };
        if skip_tests && is_test_path(&relative) {
            found.tests_skipped += 1;
            continue;
        }
        found.candidates += 1;
        if size > MAX_FILE_SIZE {
            found.notes.push(Diagnostic {
                level: "note",
                file: relative,
                line: None,
                column: None,
                message: format!("skipped: {size} bytes is over the 1 MiB limit"),
            });
            continue;
        }
        found.push(kind, relative);
    }
    found.sort();
    found
}

/// What a file is to the analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Source,
}

/// A wrangler config, a JS/TS source (not a declaration file), or neither.
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default();
    if CONFIG_NAMES.contains(&name.as_str()) {
        return Some(FileKind::Config);
    }
    let is_source = !name.ends_with(".d.ts")
        && !name.ends_with(".d.mts")
        && !name.ends_with(".d.cts")
        && path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| SOURCE_EXTENSIONS.contains(&ext));
    is_source.then_some(FileKind::Source)
}

impl Discovered {
    pub fn push(&mut self, kind: FileKind, relative: PathBuf) {
        match kind {
            FileKind::Config => self.configs.push(relative),
            FileKind::Source => self.sources.push(relative),
        }
    }

    /// Sort everything, so that what follows is deterministic.
    pub fn sort(&mut self) {
        self.configs.sort();
        self.sources.sort();
        self.notes.sort_by(|a, b| a.file.cmp(&b.file));
    }
}

/// The name of a file type that is neither a file, a directory nor a link.
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "FIFO";
        }
        if kind.is_socket() {
            return "socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "device";
        }
    }
    let _ = kind;
    "special file"
}

/// The path a walk error is about, when it names one.
fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errors) => errors.first().and_then(error_path),
        _ => None,
    }
}

/// A walk error without the path it names (the diagnostic names the file).
fn error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        ignore::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// `path` relative to `root` (`root` itself when it is the file).
pub fn relative_to(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(root) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.to_path_buf(),
        _ => PathBuf::from(path.file_name().unwrap_or(path.as_os_str())),
    }
}

/// The absolute path of a relative one (`root` may be the single file).
pub fn absolute(root: &Path, relative: &Path) -> PathBuf {
    if root.is_file() {
        root.to_path_buf()
    } else {
        root.join(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_gitignore_without_git_and_skips_known_directories() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        for (path, text) in [
            ("src/index.ts", "export {}"),
            ("src/types.d.ts", "declare const x: number;"),
            ("node_modules/pkg/index.js", "x"),
            ("dist/out.js", "x"),
            ("generated/skip.ts", "x"),
            ("wrangler.jsonc", "{}"),
            ("apps/a/wrangler.toml", "name = 'a'"),
            ("README.md", "x"),
            (".gitignore", "generated/\n"),
        ] {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        std::fs::write(
            root.join("big.js"),
            vec![b'a'; (MAX_FILE_SIZE + 1) as usize],
        )
        .unwrap();
        let found = discover(root);
        assert_eq!(found.sources, vec![PathBuf::from("src/index.ts")]);
        assert_eq!(
            found.configs,
            vec![
                PathBuf::from("apps/a/wrangler.toml"),
                PathBuf::from("wrangler.jsonc")
            ]
        );
        assert_eq!(found.notes.len(), 1);
        assert_eq!(found.notes[0].file, PathBuf::from("big.js"));
    }

    #[test]
    fn test_code_is_recognised_by_name_and_directory() {
        for test in [
            "src/room.test.ts",
            "src/room.spec.js",
            "test/index.ts",
            "packages/a/tests/helpers/env.ts",
            "src/__tests__/room.ts",
            "vitest.config.ts",
            "vitest.workspace.mts",
            "test/wrangler.jsonc",
        ] {
            assert!(is_test_path(Path::new(test)), "{test}");
        }
        for code in [
            "src/index.ts",
            "src/testing.ts",
            "src/contest/room.ts",
            "src/latest.spec-helpers/x.ts",
            "fixtures/chat/src/index.ts",
            "examples/counter/src/index.ts",
            "src/test.ts",
            "src/spec.ts",
        ] {
            assert!(!is_test_path(Path::new(code)), "{code}");
        }
    }

    #[test]
    fn test_code_is_skipped_and_counted_unless_included() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        for path in ["src/index.ts", "src/index.test.ts", "test/env.ts"] {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "export {}").unwrap();
        }
        let found = discover(root);
        assert_eq!(found.sources, vec![PathBuf::from("src/index.ts")]);
        assert_eq!(found.tests_skipped, 2);
        let found = discover_in(
            root,
            Scope {
                include_tests: true,
            },
        );
        assert_eq!(found.sources.len(), 3);
        assert_eq!(found.tests_skipped, 0);
        // A test file given as the root is analyzed.
        let found = discover(&root.join("src/index.test.ts"));
        assert_eq!(found.sources.len(), 1);
    }
}
