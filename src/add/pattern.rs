//! What `add` needs to know about a pattern, in one small type, so that the
//! rest of `add` never reads the pattern registry itself.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use include_dir::{Dir, DirEntry};
use serde_json::{Map, Value, json};

use crate::recommend::PatternId;
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
    /// A page under `public/` the pattern ships (served by the assets binding).
    pub page: Option<String>,
    /// Whether some of its routes are service routes (need the API token).
    pub service: bool,
}

/// Every pattern `add` offers, in canonical order (the registry's).
pub fn all() -> Vec<AddPattern> {
    PatternId::all()
        .into_iter()
        .map(|id| {
            let pattern = id.info();
            // Vars that hold for the pattern alone: no companion (`when`)
            // and no context flag (`when_flag`) that `add` never sets.
            let alone = |when: &Option<String>, when_flag: &Option<String>| {
                when.as_deref().is_none_or(|slug| slug == pattern.id) && when_flag.is_none()
            };
            AddPattern {
                id: pattern.id.clone(),
                title: pattern.title.clone(),
                class_name: pattern.class_name.clone(),
                binding: pattern.binding.clone(),
                module: pattern.module.clone(),
                ident: pattern.ident.clone(),
                vars: pattern
                    .vars
                    .iter()
                    .filter(|var| alone(&var.when, &var.when_flag))
                    .map(|var| PatternVar {
                        name: var.name.clone(),
                        default: var.default.clone(),
                        comment: var.comment.clone(),
                    })
                    .collect(),
                test_vars: pattern
                    .test_vars
                    .iter()
                    .filter(|var| alone(&var.when, &var.when_flag))
                    .map(|var| PatternVar {
                        name: var.name.clone(),
                        default: var.value.clone(),
                        comment: var.comment.clone(),
                    })
                    .collect(),
                page: pattern.page.clone(),
                service: !pattern.service_prefixes.is_empty(),
            }
        })
        .collect()
}

/// The pattern with this id.
pub fn find(id: &str) -> Option<AddPattern> {
    all().into_iter().find(|pattern| pattern.id == id)
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
    for id in PatternId::all() {
        let info = id.info();
        has.insert(info.snake.clone(), Value::Bool(info.id == pattern.id));
    }
    let mut pattern_storage = Map::new();
    pattern_storage.insert(pattern.id.clone(), json!("sqlite"));
    // The manifest's fields, as `new` gives them to templates.
    let mut entry = PatternId::from_slug(&pattern.id)
        .and_then(|id| serde_json::to_value(id.info()).ok())
        .unwrap_or_else(|| json!({}));
    if let Some(map) = entry.as_object_mut() {
        map.insert("storage".into(), json!("sqlite"));
        let page = map.get("page").is_some_and(|page| !page.is_null());
        map.insert("has_page".into(), json!(page));
    }
    let vars: Vec<Value> = pattern
        .vars
        .iter()
        .map(|var| json!({ "name": var.name, "value": var.default, "comment": var.comment, "pattern": pattern.id }))
        .collect();
    let test_vars: Vec<Value> = pattern
        .test_vars
        .iter()
        .map(|var| json!({ "name": var.name, "value": var.default, "comment": var.comment, "pattern": pattern.id }))
        .collect();
    json!({
        "project_name": project_name,
        "compatibility_date": compatibility_date,
        "config_style": config_style,
        "storage": "sqlite",
        "pattern_storage": pattern_storage,
        "has": has,
        "patterns": [entry],
        "vars": vars,
        "test_vars": test_vars,
        "any_page": pattern.page.is_some(),
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
