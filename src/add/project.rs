//! Reading the project `add` grows: its config (every environment), its
//! entry module and what that exports (following re-exports), how it
//! declares classes, the names already taken, TypeScript or JavaScript, and
//! its test setup. Every problem is one line naming the file or field.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_ast::ast::{Declaration, ModuleExportName, Statement};
use oxc_parser::Parser;
use oxc_span::SourceType;

use crate::config::WranglerConfig;
use crate::input_error;

/// The config files wrangler reads, in the order it prefers them.
pub const CONFIG_NAMES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// How the project declares its Durable Object classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Exports,
    Migrations,
}

impl Style {
    pub fn value(self) -> &'static str {
        match self {
            Style::Exports => "exports",
            Style::Migrations => "migrations",
        }
    }
}

/// A file as read: its path relative to the project and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Everything `add` reads before planning.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    /// The config's path relative to `root`.
    pub config_path: PathBuf,
    pub config: WranglerConfig,
    pub entry: SourceFile,
    /// Names the entry module exports (directly or through re-exports).
    pub exports: BTreeSet<String>,
    pub javascript: bool,
    pub style: Style,
    /// Every class name the config or the entry knows.
    pub classes: BTreeSet<String>,
    /// Every name on `env`: bindings (all environments) and vars.
    pub env_names: BTreeSet<String>,
    pub vars: BTreeSet<String>,
    /// Environments that declare Durable Object bindings of their own.
    pub binding_environments: Vec<String>,
    /// The vitest config that runs tests in workerd (`@cloudflare/vitest-plugin`).
    pub vitest: Option<SourceFile>,
    /// `worker-configuration.d.ts` (the `Env` type), when there is one.
    pub env_types: Option<SourceFile>,
    pub package_json: Option<SourceFile>,
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Read a file of the project as text; `None` when absent.
pub fn read_text(root: &Path, relative: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read(root.join(relative)) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| input_error!("{}: not UTF-8 text", shown(relative))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(input_error!("cannot read {}: {error}", shown(relative))),
    }
}

/// Read the project at `root`.
pub fn read(root: &Path) -> anyhow::Result<Project> {
    if !root.is_dir() {
        return Err(input_error!(
            "{}: not a directory (expected a Workers project)",
            shown(root)
        ));
    }
    let Some((config_path, text)) = CONFIG_NAMES.iter().find_map(|name| {
        read_text(root, Path::new(name))
            .transpose()
            .map(|text| (PathBuf::from(name), text))
    }) else {
        return Err(input_error!(
            "{}: no wrangler.jsonc, wrangler.json or wrangler.toml (add grows an existing Workers project; `do-wizard new` starts one)",
            shown(root)
        ));
    };
    let text = text?;
    let config = WranglerConfig::parse(&config_path, text.clone()).map_err(|error| {
        let at = error
            .offset
            .map(|offset| {
                let line = text[..offset.min(text.len())].matches('\n').count() + 1;
                format!(":{line}")
            })
            .unwrap_or_default();
        input_error!(
            "{}{at}: does not parse: {}",
            shown(&config_path),
            crate::error::one_line(&error.message)
        )
    })?;

    let has_migrations = config.migrations_range.is_some()
        || config
            .environments
            .iter()
            .any(|environment| environment.migrations_range.is_some());
    let has_exports = config.exports_range.is_some()
        || config
            .environments
            .iter()
            .any(|environment| environment.exports_range.is_some());
    let style = match (has_migrations, has_exports) {
        (true, true) => {
            return Err(input_error!(
                "{}: declares classes with both `migrations` and `exports`; keep one of them before adding a class",
                shown(&config_path)
            ));
        }
        (false, true) => Style::Exports,
        (false, false) if wrangler_declares_exports(root) => Style::Exports,
        _ => Style::Migrations,
    };

    let Some(main) = config.main.as_ref() else {
        return Err(input_error!(
            "{}: `main`: no entry module (expected e.g. \"src/index.ts\")",
            shown(&config_path)
        ));
    };
    let entry_path = normalize(Path::new(&main.value));
    let Some(entry_text) = read_text(root, &entry_path)? else {
        return Err(input_error!(
            "{}: `main`: {} does not exist",
            shown(&config_path),
            shown(&entry_path)
        ));
    };
    let javascript = matches!(
        entry_path.extension().and_then(|ext| ext.to_str()),
        Some("js" | "mjs")
    );
    let mut exports = BTreeSet::new();
    let mut visited = BTreeSet::new();
    collect_exports(
        root,
        &entry_path,
        &entry_text,
        &mut exports,
        &mut visited,
        true,
    )?;

    let mut classes: BTreeSet<String> = BTreeSet::new();
    let mut env_names: BTreeSet<String> = BTreeSet::new();
    for binding in &config.bindings {
        env_names.insert(binding.name.value.clone());
        if binding.script_name.is_none() {
            classes.insert(binding.class_name.value.clone());
        }
    }
    for (_, migrations) in config.migration_lists() {
        for migration in migrations {
            classes.extend(migration.mentioned_classes().map(|name| name.value.clone()));
        }
    }
    for (_, entries) in config.export_lists() {
        classes.extend(entries.iter().map(|entry| entry.class_name.value.clone()));
    }
    classes.extend(exports.iter().filter(|name| *name != "default").cloned());
    let vars: BTreeSet<String> = config
        .vars
        .iter()
        .map(|var| var.name.value.clone())
        .collect();
    env_names.extend(vars.iter().cloned());

    let binding_environments: Vec<String> = config
        .environments
        .iter()
        .map(|environment| environment.name.value.clone())
        .filter(|name| {
            config
                .bindings
                .iter()
                .any(|binding| binding.environment.as_deref() == Some(name))
        })
        .collect();

    let vitest = [
        "vitest.config.ts",
        "vitest.config.mts",
        "vitest.config.js",
        "vitest.config.mjs",
    ]
    .iter()
    .find_map(|name| {
        read_text(root, Path::new(name))
            .ok()
            .flatten()
            .map(|text| SourceFile {
                path: PathBuf::from(name),
                text,
            })
    })
    .filter(|file| file.text.contains("@cloudflare/vitest-plugin"));
    let env_types =
        read_text(root, Path::new("worker-configuration.d.ts"))?.map(|text| SourceFile {
            path: PathBuf::from("worker-configuration.d.ts"),
            text,
        });
    let package_json = read_text(root, Path::new("package.json"))?.map(|text| SourceFile {
        path: PathBuf::from("package.json"),
        text,
    });
    Ok(Project {
        root: root.to_path_buf(),
        config_path,
        config,
        entry: SourceFile {
            path: entry_path,
            text: entry_text,
        },
        exports,
        javascript,
        style,
        classes,
        env_names,
        vars,
        binding_environments,
        vitest,
        env_types,
        package_json,
    })
}

/// `./src/index.ts` → `src/index.ts`; `a/../b` → `b`.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Parse a module; the first syntax error as one line naming the file.
pub fn check_parses(path: &Path, text: &str) -> anyhow::Result<()> {
    let source_type = SourceType::from_path(path).unwrap_or_default();
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, source_type).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        let first = parsed.diagnostics.errors().next();
        let line = first
            .and_then(|error| error.labels.first().map(|label| label.offset()))
            .map(|offset| {
                format!(
                    ":{}",
                    text[..(offset as usize).min(text.len())]
                        .matches('\n')
                        .count()
                        + 1
                )
            })
            .unwrap_or_default();
        let message = first.map_or_else(
            || "unknown syntax error".to_string(),
            |error| error.message.to_string(),
        );
        return Err(input_error!(
            "{}{line}: does not parse: {message}",
            shown(path)
        ));
    }
    Ok(())
}

fn export_name(name: &ModuleExportName<'_>) -> String {
    match name {
        ModuleExportName::IdentifierName(ident) => ident.name.to_string(),
        ModuleExportName::IdentifierReference(ident) => ident.name.to_string(),
        ModuleExportName::StringLiteral(literal) => literal.value.to_string(),
    }
}

/// The module a relative specifier names, tried with the usual extensions
/// (`./x.js` also finds `./x.ts`, as TypeScript resolves it).
fn resolve(root: &Path, from: &Path, specifier: &str) -> Option<PathBuf> {
    if !specifier.starts_with('.') {
        return None;
    }
    let base = normalize(&from.parent().unwrap_or(Path::new("")).join(specifier));
    let stem = base.to_string_lossy().to_string();
    let trimmed = stem
        .strip_suffix(".js")
        .or_else(|| stem.strip_suffix(".mjs"))
        .unwrap_or(&stem)
        .to_string();
    let candidates = [
        stem.clone(),
        format!("{trimmed}.ts"),
        format!("{trimmed}.mts"),
        format!("{stem}.ts"),
        format!("{stem}.js"),
        format!("{stem}.mjs"),
        format!("{stem}/index.ts"),
        format!("{stem}/index.js"),
    ];
    candidates
        .into_iter()
        .map(PathBuf::from)
        .find(|candidate| root.join(candidate).is_file())
}

/// Collect the names `path` exports; `export * from` is followed.
fn collect_exports(
    root: &Path,
    path: &Path,
    text: &str,
    out: &mut BTreeSet<String>,
    visited: &mut BTreeSet<PathBuf>,
    is_entry: bool,
) -> anyhow::Result<()> {
    if !visited.insert(path.to_path_buf()) || visited.len() > 64 {
        return Ok(());
    }
    if is_entry {
        check_parses(path, text)?;
    }
    let source_type = SourceType::from_path(path).unwrap_or_default();
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, source_type).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        // A re-exported module that does not parse: what it exports is unknown.
        return Ok(());
    }
    let mut follow = Vec::new();
    for statement in &parsed.program.body {
        match statement {
            Statement::ExportDeclaration(export) => match &export.declaration {
                Declaration::ClassDeclaration(class) => {
                    out.extend(class.id.iter().map(|id| id.name.to_string()))
                }
                Declaration::FunctionDeclaration(function) => {
                    out.extend(function.id.iter().map(|id| id.name.to_string()))
                }
                Declaration::VariableDeclaration(variables) => {
                    for declarator in &variables.declarations {
                        if let Some(name) = declarator.id.get_identifier_name() {
                            out.insert(name.to_string());
                        }
                    }
                }
                _ => {}
            },
            Statement::ExportNamedDeclaration(export) => {
                out.extend(export.specifiers.iter().map(|s| export_name(&s.exported)));
            }
            Statement::ExportFromDeclaration(export) => {
                out.extend(export.specifiers.iter().map(|s| export_name(&s.exported)));
            }
            Statement::ExportAllDeclaration(export) => match &export.exported {
                Some(name) => {
                    out.insert(export_name(name));
                }
                None => follow.push(export.source.value.to_string()),
            },
            _ => {}
        }
    }
    for specifier in follow {
        if let Some(target) = resolve(root, path, &specifier)
            && let Some(text) = read_text(root, &target)?
        {
            collect_exports(root, &target, &text, out, visited, false)?;
        }
    }
    Ok(())
}

/// The first wrangler release that reads the declarative `exports` map.
const EXPORTS_SINCE: (u64, u64) = (4, 107);

/// Whether a project that declares no class yet should get `exports`: only
/// when its package.json asks for a wrangler that reads them (a range whose
/// lowest version is 4.107 or later). Anything else (an older or unpinned
/// wrangler, none at all) gets `migrations`, which every wrangler 4 reads.
fn wrangler_declares_exports(root: &Path) -> bool {
    let Ok(Some(text)) = read_text(root, Path::new("package.json")) else {
        return false;
    };
    let Ok(package) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    ["devDependencies", "dependencies"]
        .iter()
        .filter_map(|field| package.get(field)?.get("wrangler")?.as_str())
        .next()
        .and_then(lowest_version)
        .is_some_and(|version| version >= EXPORTS_SINCE)
}

/// The major and minor version a dependency range starts at (`^4.156.2`,
/// `~4.120`, `>=4.107.0`, `4.110.1`), or None for anything else.
fn lowest_version(range: &str) -> Option<(u64, u64)> {
    let version = range
        .trim()
        .trim_start_matches(['^', '~', '>', '=', 'v', ' ']);
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |minor| minor.parse().ok())?;
    Some((major, minor))
}

#[cfg(test)]
mod declaration_tests {
    use super::lowest_version;

    #[test]
    fn lowest_version_of_the_ranges_package_json_holds() {
        assert_eq!(lowest_version("^4.156.2"), Some((4, 156)));
        assert_eq!(lowest_version("~4.107"), Some((4, 107)));
        assert_eq!(lowest_version(">=4.107.0"), Some((4, 107)));
        assert_eq!(lowest_version("3.99.0"), Some((3, 99)));
        assert_eq!(lowest_version("4"), Some((4, 0)));
        assert_eq!(lowest_version("latest"), None);
        assert_eq!(lowest_version("workspace:*"), None);
    }
}
