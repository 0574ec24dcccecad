//! What `add` needs to know about a pattern, in one small type, so that the
//! rest of `add` never reads the pattern registry itself.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use include_dir::{Dir, DirEntry};
use serde_json::{Map, Value, json};

use crate::recommend::PATTERNS;
use crate::render::TEMPLATES;

/// One var of a pattern's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternVar {
    pub name: String,
    pub default: String,
    pub comment: Option<String>,
}

/// A pattern as `add` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddPattern {
    /// The answers-file value and template folder, e.g. `rate-limiter`.
    pub id: String,
    pub title: String,
    pub class_name: String,
    pub binding: String,
    /// The file stem: `src/<module>.ts`, `src/routes/<module>.ts`, `test/<module>.test.ts`.
    pub module: String,
    /// A camelCase identifier for imports (`rateLimiterRoutes`).
    pub ident: String,
    /// `wrangler` vars, in order.
    pub vars: Vec<PatternVar>,
    /// Test-only values for vitest's miniflare bindings.
    pub test_vars: Vec<PatternVar>,
}

/// Every pattern `add` offers, in canonical order.
pub fn all() -> Vec<AddPattern> {
    PATTERNS
        .iter()
        .map(|pattern| AddPattern {
            id: pattern.slug.to_string(),
            title: pattern.title.to_string(),
            class_name: pattern.class_name.to_string(),
            binding: pattern.binding.to_string(),
            module: pattern.module.to_string(),
            ident: camel(pattern.slug),
            vars: vars_of(pattern.slug),
            test_vars: test_vars_of(pattern.slug),
        })
        .collect()
}

/// The pattern with this id.
pub fn find(id: &str) -> Option<AddPattern> {
    all().into_iter().find(|pattern| pattern.id == id)
}

fn var(name: &str, default: &str, comment: &str) -> PatternVar {
    PatternVar {
        name: name.into(),
        default: default.into(),
        comment: (!comment.is_empty()).then(|| comment.to_string()),
    }
}

/// The vars each pattern reads (the same values `new` writes).
fn vars_of(id: &str) -> Vec<PatternVar> {
    match id {
        "rate-limiter" => vec![
            var(
                "RATE_LIMIT",
                "100",
                "Requests allowed per key within the sliding window.",
            ),
            var("RATE_WINDOW_SECONDS", "60", ""),
        ],
        "session" => vec![var(
            "SESSION_TTL_SECONDS",
            "86400",
            "Sessions expire this long after their last write.",
        )],
        "leader-election" => vec![var(
            "LEASE_SECONDS",
            "10",
            "A leader keeps its lease this long without a heartbeat.",
        )],
        _ => Vec::new(),
    }
}

fn test_vars_of(id: &str) -> Vec<PatternVar> {
    match id {
        "rate-limiter" => vec![var(
            "RATE_LIMIT",
            "5",
            "Small quotas keep the rate-limiter tests short; the tests read them from env.",
        )],
        _ => Vec::new(),
    }
}

/// `rate-limiter` → `rateLimiter`.
fn camel(id: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in id.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `rate-limiter` → `rate_limiter` (the key of `has`).
pub fn snake(id: &str) -> String {
    id.replace('-', "_")
}

/// One rendered file of a pattern, by its path inside the pattern folder
/// (`src/rate-limiter.ts`, `test/rate-limiter.test.ts`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// What the pattern's templates are rendered with: the pattern alone (the
/// project's other classes were not written by these templates, so no
/// companion behaviour is switched on), SQLite storage.
pub fn context(
    pattern: &AddPattern,
    project_name: &str,
    compatibility_date: &str,
    config_style: &str,
) -> Value {
    let mut has = Map::new();
    for other in all() {
        has.insert(snake(&other.id), Value::Bool(other.id == pattern.id));
    }
    let mut pattern_storage = Map::new();
    pattern_storage.insert(pattern.id.clone(), json!("sqlite"));
    json!({
        "project_name": project_name,
        "compatibility_date": compatibility_date,
        "config_style": config_style,
        "storage": "sqlite",
        "pattern_storage": pattern_storage,
        "has": has,
        "patterns": [{
            "id": pattern.id,
            "class_name": pattern.class_name,
            "binding": pattern.binding,
            "module": pattern.module,
            "ident": pattern.ident,
            "title": pattern.title,
            "storage": "sqlite",
        }],
        "durable_namespaces": [pattern.class_name],
        "sharding": { "enabled": false, "shards": 1 },
        "analytics_ttl": false,
        "package_manager": "npm",
        "pm_install": "npm install",
        "pm_run": "npm run",
        "pm_exec": "npx",
        "api_token": "",
        "reasons": [],
        "use_case": "",
        "scale": "small",
        "persistence": "",
        "queries": "",
    })
}

/// Render the templates under `root` (e.g. `patterns/rate-limiter`) with `context`.
pub fn render_root(root: &str, context: &Value) -> anyhow::Result<Vec<RenderedFile>> {
    render_from(&TEMPLATES, root, context)
}

fn render_from(
    templates: &Dir<'_>,
    root: &str,
    context: &Value,
) -> anyhow::Result<Vec<RenderedFile>> {
    let tera_context =
        tera::Context::from_serialize(context).context("building the template context")?;
    let dir = templates
        .get_dir(root)
        .with_context(|| format!("the templates have no `{root}` folder"))?;
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in dir.entries() {
            match entry {
                DirEntry::Dir(child) => stack.push(child),
                DirEntry::File(file) => {
                    let relative = file
                        .path()
                        .strip_prefix(root)
                        .expect("files lie under their root");
                    let text = file.contents_utf8().with_context(|| {
                        format!("template {} is not UTF-8", file.path().display())
                    })?;
                    let (path, contents) = match relative
                        .to_str()
                        .and_then(|s| s.strip_suffix(".tera"))
                    {
                        Some(stripped) => (
                            PathBuf::from(stripped),
                            tera::Tera::one_off(text, &tera_context, false).map_err(|error| {
                                anyhow::anyhow!(
                                    "rendering template {}: {error:?}",
                                    file.path().display()
                                )
                            })?,
                        ),
                        None => (relative.to_path_buf(), text.to_string()),
                    };
                    files.push(RenderedFile { path, contents });
                }
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The base templates at `wanted` (e.g. `src/http.ts`), rendered.
pub fn render_base(wanted: &[String], context: &Value) -> anyhow::Result<Vec<RenderedFile>> {
    let tera_context =
        tera::Context::from_serialize(context).context("building the template context")?;
    let mut files = Vec::new();
    for path in wanted {
        let source = format!("base/{path}.tera");
        let Some(file) = TEMPLATES.get_file(&source) else {
            continue;
        };
        let text = file
            .contents_utf8()
            .with_context(|| format!("template {source} is not UTF-8"))?;
        let contents = tera::Tera::one_off(text, &tera_context, false)
            .map_err(|error| anyhow::anyhow!("rendering template {source}: {error:?}"))?;
        files.push(RenderedFile {
            path: PathBuf::from(path),
            contents,
        });
    }
    Ok(files)
}

/// The file of `files` at `path`.
pub fn file<'f>(files: &'f [RenderedFile], path: &str) -> Option<&'f RenderedFile> {
    files.iter().find(|file| file.path == Path::new(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_renders_its_class_and_test() {
        for pattern in all() {
            let context = context(&pattern, "demo", "2026-01-01", "exports");
            let files = render_root(&format!("patterns/{}", pattern.id), &context).unwrap();
            let class = file(&files, &format!("src/{}.ts", pattern.module)).unwrap();
            assert!(
                class
                    .contents
                    .contains(&format!("export class {}", pattern.class_name)),
                "{}",
                pattern.id
            );
            assert!(file(&files, &format!("test/{}.test.ts", pattern.module)).is_some());
        }
    }
}
