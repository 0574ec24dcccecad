//! Planning `add`: the project as read + one pattern → one set of file
//! changes (new files and edits), checked before anything is written.

use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_ast::ast::{ArrayExpressionElement, Expression, Statement};
use oxc_ast_visit::Visit;
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType};

use super::pattern::{self, AddPattern};
use super::project::{Project, Style, check_parses};
use crate::config::edit::add::{
    AddObject, Declaration, NewVar, add_object, assets_of, existing_vars, requires_secret,
};
use crate::config::edit::next_migration_tag;
use crate::input_error;

/// One file of the plan: new (`before` is `None`) or edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    pub before: Option<String>,
    pub after: String,
}

/// Everything `add` will do, and what it tells the user.
#[derive(Debug, Clone)]
pub struct AddPlan {
    pub pattern: AddPattern,
    pub changes: Vec<FileChange>,
    /// Lines for the user: skipped steps, lines to add by hand, next steps.
    pub notes: Vec<String>,
}

impl AddPlan {
    /// The whole plan as one unified diff (new files as additions).
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            let path = change.path.to_string_lossy().replace('\\', "/");
            let before = change.before.as_deref().unwrap_or("");
            let old = if change.before.is_some() {
                format!("a/{path}")
            } else {
                "/dev/null".to_string()
            };
            out.push_str(
                &similar::TextDiff::from_lines(before, &change.after)
                    .unified_diff()
                    .context_radius(3)
                    .header(&old, &format!("b/{path}"))
                    .to_string(),
            );
        }
        out
    }

    /// Write every change through the write layer, all or nothing; each
    /// edited file only if it still holds what was read.
    pub fn write(&self, root: &Path) -> anyhow::Result<()> {
        use crate::write::{Change, Expect, write_all};
        let changes: Vec<Change> = self
            .changes
            .iter()
            .map(|change| {
                let expect = match &change.before {
                    Some(before) => Expect::Content(before.clone().into_bytes()),
                    None => Expect::Absent,
                };
                Change::new(change.path.clone(), change.after.clone(), expect)
            })
            .collect();
        write_all(root, &changes)
    }
}

/// Where the new modules go, and whether the entry's routing can be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// A project `new` made: modules beside the entry, routes wired into
    /// its routing table.
    Wizard { dir: PathBuf },
    /// Any other entry: the pattern's modules in a folder of their own
    /// beside the entry, the routes as a function the user calls.
    Foreign { dir: PathBuf },
}

impl Layout {
    fn dir(&self) -> &Path {
        match self {
            Layout::Wizard { dir } | Layout::Foreign { dir } => dir,
        }
    }
}

/// The folder `add` writes its modules into in a project it did not make.
pub const FOREIGN_DIR: &str = "do-wizard";

const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "as",
    "implements",
    "interface",
    "let",
    "package",
    "private",
    "protected",
    "public",
    "static",
    "yield",
    "any",
    "boolean",
    "number",
    "string",
    "symbol",
    "type",
    "await",
    "async",
    "undefined",
    "never",
    "object",
    "unknown",
];

/// A TypeScript identifier (ASCII letters, digits, `_`, `$`; not a
/// reserved word).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !RESERVED.contains(&name)
}

fn shown(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The refusals that need only the project and the names; `present` is the
/// pattern's module when the project has it already.
pub fn check_names(
    project: &Project,
    chosen: &AddPattern,
    present: Option<&Path>,
) -> anyhow::Result<()> {
    for (what, flag, name) in [
        ("class name", "--class", &chosen.class_name),
        ("binding", "--binding", &chosen.binding),
    ] {
        if !is_identifier(name) {
            return Err(input_error!(
                "{flag} {}: not a TypeScript identifier (letters, digits, _ and $, not starting with a digit, not a reserved word); the {what} must be one",
                crate::error::quote(name)
            ));
        }
    }
    if let Some(module) = present {
        return Err(input_error!(
            "{}: pattern `{}` is already present (its module is there)",
            shown(module),
            chosen.id
        ));
    }
    let config = shown(&project.config_path);
    if project.classes.contains(&chosen.class_name) {
        let place = where_named(project, &chosen.class_name);
        return Err(input_error!(
            "{place}: class `{}` already exists; choose another name with --class",
            chosen.class_name
        ));
    }
    if project.env_names.contains(&chosen.binding) {
        return Err(input_error!(
            "{config}: binding `{}` already exists on env; choose another name with --binding",
            chosen.binding
        ));
    }
    Ok(())
}

/// The file that names `class` (the config, else the entry).
fn where_named(project: &Project, class: &str) -> String {
    if project.config.text.contains(&format!("\"{class}\"")) {
        shown(&project.config_path)
    } else {
        shown(&project.entry.path)
    }
}

/// Replace whole-word `from` with `to` (a class or binding renamed).
fn rename_word(text: &str, from: &str, to: &str) -> String {
    if from == to {
        return text.to_string();
    }
    let pattern =
        regex::Regex::new(&format!(r"\b{}\b", regex::escape(from))).expect("a valid regex");
    pattern.replace_all(text, regex::NoExpand(to)).into_owned()
}

/// Plan adding `chosen` (the pattern with the names to use) to `project`.
pub fn plan(project: &Project, chosen: &AddPattern) -> anyhow::Result<AddPlan> {
    let default = pattern::find(&chosen.id).unwrap_or_else(|| chosen.clone());
    let entry_dir = project
        .entry
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let wizard = ["http.ts", "auth.ts"]
        .iter()
        .all(|name| project.root.join(&entry_dir).join(name).is_file())
        && project.entry.text.contains("from \"./auth\"");
    let layout = if wizard {
        Layout::Wizard {
            dir: entry_dir.clone(),
        }
    } else {
        Layout::Foreign {
            dir: entry_dir.join(FOREIGN_DIR),
        }
    };
    let present = ["ts", "js"]
        .iter()
        .map(|ext| layout.dir().join(format!("{}.{ext}", chosen.module)))
        .find(|path| project.root.join(path).is_file());
    check_names(project, chosen, present.as_deref())?;
    let project_name = project
        .config
        .name
        .as_ref()
        .map(|name| name.value.clone())
        .unwrap_or_else(|| "worker".into());
    let date = project
        .config
        .compatibility_date
        .as_ref()
        .map(|date| date.value.clone())
        .unwrap_or_default();
    let context = pattern::context(&default, &project_name, &date, project.style.value());
    let rendered = pattern::render_root(&format!("patterns/{}", chosen.id), &context)?;
    let rename = |text: &str| {
        let text = rename_word(text, &default.class_name, &chosen.class_name);
        rename_word(&text, &default.binding, &chosen.binding)
    };

    let mut changes: Vec<FileChange> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let lib = layout.dir().to_path_buf();
    let module = &chosen.module;
    // Whether the project has `path` (a new module's `.js` twin in a
    // JavaScript project).
    let exists = |path: &Path| {
        project.root.join(path).exists()
            || (project.javascript
                && path.extension().is_some_and(|ext| ext == "ts")
                && project.root.join(path.with_extension("js")).exists())
    };
    let new_file = |changes: &mut Vec<FileChange>,
                    path: PathBuf,
                    text: String|
     -> anyhow::Result<()> {
        if exists(&path) {
            return Err(input_error!(
                "{}: already exists; pattern `{}` would write it (is the pattern already there?)",
                shown(&path),
                chosen.id
            ));
        }
        changes.push(FileChange {
            path,
            before: None,
            after: text,
        });
        Ok(())
    };

    // The class and its own extra modules.
    let routes_rel = format!("src/routes/{module}.ts");
    let has_routes = pattern::file(&rendered, &routes_rel).is_some();
    for file in &rendered {
        let Some(relative) = file.path.to_str() else {
            continue;
        };
        if let Some(name) = relative.strip_prefix("src/")
            && !name.starts_with("routes/")
        {
            new_file(&mut changes, lib.join(name), rename(&file.contents))?;
        }
    }
    // The pattern's page, served by the assets binding.
    let mut page_added = false;
    let mut add_assets = false;
    if let Some(page) = &chosen.page {
        let source = Path::new("public").join(page);
        let assets = assets_of(&project.config);
        let directory = match &assets {
            None => {
                add_assets = true;
                Some(PathBuf::from("public"))
            }
            Some((Some(directory), Some(binding))) if binding == "ASSETS" => {
                Some(super::project::normalize(Path::new(directory)))
            }
            Some(_) => None,
        };
        match (directory, pattern::file(&rendered, &source.to_string_lossy())) {
            (Some(directory), Some(file)) => {
                new_file(&mut changes, directory.join(page), file.contents.clone())?;
                let index_path = directory.join("index.html");
                let link = format!("      <li><a href=\"/{page}\">{}</a></li>", chosen.title);
                match super::project::read_text(&project.root, &index_path)? {
                    None => {
                        let base = pattern::render_base(&["public/index.html".to_string()], &context)?;
                        if let Some(index) = base.into_iter().next() {
                            changes.push(FileChange {
                                path: index_path,
                                before: None,
                                after: index.contents,
                            });
                        }
                    }
                    Some(text) if !text.contains(&format!("href=\"/{page}\"")) => {
                        match text.find("    </ul>") {
                            Some(at) => {
                                let mut after = text.clone();
                                after.insert_str(at, &format!("{link}\n"));
                                changes.push(FileChange {
                                    path: index_path,
                                    before: Some(text),
                                    after,
                                });
                            }
                            None => notes.push(format!(
                                "{} has no list of pages: link /{page} from it yourself.",
                                shown(&index_path)
                            )),
                        }
                    }
                    Some(_) => {}
                }
                page_added = true;
            }
            _ => notes.push(format!(
                "Not added: the pattern's page {page} (the project's `assets` use another binding than ASSETS)."
            )),
        }
    }

    // Support modules the class and routes import, in a project without them.
    // (A project `new` made before routes were modules has no router.ts.)
    {
        let dir = layout.dir();
        let mut wanted = vec!["src/http.ts".to_string()];
        if has_routes {
            wanted.push("src/auth.ts".into());
            wanted.push("src/router.ts".into());
        }
        let base = pattern::render_base(&wanted, &context)?;
        for file in base {
            let name = file.path.strip_prefix("src").unwrap_or(&file.path);
            let path = dir.join(name);
            if !exists(&path) {
                changes.push(FileChange {
                    path,
                    before: None,
                    after: file.contents,
                });
            }
        }
    }

    // Routes.
    let mut wired = false;
    let class_import = relative_import(&entry_dir, &lib.join(module));
    let mut entry_after = add_class_export(&project.entry.text, &chosen.class_name, &class_import)
        .ok_or_else(|| {
            input_error!(
                "{}: cannot find where to add `export {{ {} }}`",
                shown(&project.entry.path),
                chosen.class_name
            )
        })?;
    if let Some(routes) = pattern::file(&rendered, &routes_rel) {
        let routes_path = lib.join("routes").join(format!("{module}.ts"));
        new_file(&mut changes, routes_path.clone(), rename(&routes.contents))?;
        let import = relative_import(&entry_dir, &lib.join("routes").join(module));
        let table = match &layout {
            Layout::Wizard { .. } => wire_routes(&entry_after, &chosen.ident, &import),
            Layout::Foreign { .. } => None,
        };
        match table {
            Some(text) => {
                entry_after = text;
                wired = true;
            }
            None => {
                let function = format!("serve{}", upper_first(&chosen.ident));
                let serve_path = lib.join(format!("serve-{module}.ts"));
                new_file(
                    &mut changes,
                    serve_path.clone(),
                    serve_module(&function, &format!("./routes/{module}"), &chosen.title),
                )?;
                let import = relative_import(&entry_dir, &lib.join(format!("serve-{module}")));
                notes.push(format!(
                    "The routes are in {}; to serve them, add these two lines to {}:\n  import {{ {function} }} from \"{import}\";\n  // first thing in fetch(request, env):\n  const routed = await {function}(request, env); if (routed !== null) return routed;",
                    shown(&serve_path),
                    shown(&project.entry.path)
                ));
                if chosen.service {
                    notes.push(
                        "The service routes need `Authorization: Bearer <API_TOKEN>`: the config lists API_TOKEN as a required secret; set it with `wrangler secret put API_TOKEN` (locally in .dev.vars)."
                            .into(),
                    );
                }
            }
        }
    } else {
        notes.push(format!(
            "Pattern `{}` has no routes module to wire; call the class through env.{} from your fetch.",
            chosen.id, chosen.binding
        ));
    }
    check_parses(&project.entry.path, &entry_after)?;
    changes.push(FileChange {
        path: project.entry.path.clone(),
        before: Some(project.entry.text.clone()),
        after: entry_after,
    });

    // The test.
    let test_rel = format!("test/{module}.test.ts");
    let helpers = project.root.join("test/helpers.ts").is_file();
    match (pattern::file(&rendered, &test_rel), &project.vitest, &layout) {
        (Some(_), _, _) if project.javascript => notes.push(format!(
            "Test skipped: the pattern's test ({test_rel}) is TypeScript and this project's entry is JavaScript."
        )),
        (Some(_), _, _) if chosen.page.is_some() && !page_added => notes.push(format!(
            "Test skipped: {test_rel} checks the pattern's page, which was not added."
        )),
        (Some(test), Some(vitest), Layout::Wizard { .. }) if helpers && wired => {
            new_file(&mut changes, PathBuf::from(&test_rel), rename(&test.contents))?;
            if let Some(after) = add_test_bindings(&vitest.text, &chosen.test_vars) {
                changes.push(FileChange {
                    path: vitest.path.clone(),
                    before: Some(vitest.text.clone()),
                    after,
                });
            }
        }
        (Some(_), None, _) => notes.push(format!(
            "Test skipped: the project has no vitest setup that runs in workerd (@cloudflare/vitest-plugin), so {test_rel} was not written."
        )),
        (Some(_), Some(_), _) if !wired => notes.push(format!(
            "Test skipped: {test_rel} drives the routes through the Worker's fetch, which does not serve them until the two lines above are added."
        )),
        (Some(_), Some(_), _) => notes.push(format!(
            "Test skipped: {test_rel} needs the test helpers (test/helpers.ts) of a project `do-wizard new` made."
        )),
        (None, _, _) => {}
    }

    // The config.
    let missing = |set: &[String]| -> Vec<NewVar> {
        chosen
            .vars
            .iter()
            .filter(|var| !set.contains(&var.name))
            .map(|var| NewVar {
                name: var.name.clone(),
                value: var.default.clone(),
                comment: var.comment.clone(),
            })
            .collect()
    };
    let vars = missing(&existing_vars(&project.config, None));
    // Environments with bindings of their own get the vars too (wrangler
    // inherits neither), each without overwriting what it sets.
    let environment_vars: Vec<(String, Vec<NewVar>)> = project
        .binding_environments
        .iter()
        .map(|environment| {
            let set = existing_vars(&project.config, Some(environment));
            (environment.clone(), missing(&set))
        })
        .collect();
    let declaration = match project.style {
        Style::Exports => Declaration::Export,
        Style::Migrations => Declaration::Migration {
            tag: next_tag(project, &chosen.class_name),
        },
    };
    let object = AddObject {
        binding: chosen.binding.clone(),
        class_name: chosen.class_name.clone(),
        declaration,
        environments: project.binding_environments.clone(),
        // An environment's own list replaces the top-level one for it.
        environment_declarations: project
            .config
            .environments
            .iter()
            .filter_map(|environment| {
                let name = environment.name.value.clone();
                if let Some(migrations) = &environment.migrations {
                    Some((
                        name,
                        Declaration::Migration {
                            tag: next_migration_tag(migrations),
                        },
                    ))
                } else {
                    environment
                        .exports
                        .as_ref()
                        .map(|_| (name, Declaration::Export))
                }
            })
            .collect(),
        vars: vars.clone(),
        environment_vars,
        assets: add_assets,
        // A deployed Worker must have the token its service routes check.
        required_secret: (has_routes
            && chosen.service
            && !requires_secret(&project.config, "API_TOKEN"))
        .then(|| "API_TOKEN".to_string()),
    };
    let config_after = add_object(&project.config, &object).map_err(|reason| {
        input_error!(
            "{}: cannot add the binding: {reason}",
            shown(&project.config_path)
        )
    })?;
    changes.push(FileChange {
        path: project.config_path.clone(),
        before: Some(project.config.text.clone()),
        after: config_after,
    });

    // The Env type.
    match &project.env_types {
        _ if project.javascript => {}
        Some(types) => {
            let needs_token = has_routes;
            let new_vars: Vec<&str> = vars.iter().map(|var| var.name.as_str()).collect();
            let existing = existing_vars(&project.config, None);
            let module = entry_module(&project.entry.path);
            let edit = EnvTypes {
                binding: &chosen.binding,
                class: &chosen.class_name,
                entry_module: &module,
                vars: &new_vars,
                existing_vars: &existing,
                token: needs_token,
                assets: page_added,
            };
            match add_env_types(&types.text, &edit) {
                Some(after) => changes.push(FileChange {
                    path: types.path.clone(),
                    before: Some(types.text.clone()),
                    after,
                }),
                None => notes.push(format!(
                    "{} has no `interface Env {{ ... }}` to extend: run `wrangler types` to regenerate it.",
                    shown(&types.path)
                )),
            }
        }
        None => notes.push(
            "No worker-configuration.d.ts: run `wrangler types` so that `Env` knows the new binding."
                .into(),
        ),
    }

    if project.javascript {
        changes = to_javascript(changes)?;
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(AddPlan {
        pattern: chosen.clone(),
        changes,
        notes,
    })
}

/// The new TypeScript modules as JavaScript (`.js`, types stripped); a
/// module of types only is left out.
fn to_javascript(changes: Vec<FileChange>) -> anyhow::Result<Vec<FileChange>> {
    let mut out = Vec::new();
    for change in changes {
        let is_new_ts = change.before.is_none()
            && change.path.extension().is_some_and(|ext| ext == "ts")
            && !change.path.to_string_lossy().ends_with(".d.ts");
        if !is_new_ts {
            out.push(change);
            continue;
        }
        let (text, has_code) = super::strip::strip_types(&change.path, &change.after)
            .map_err(|reason| anyhow::anyhow!("making JavaScript of a pattern module: {reason}"))?;
        if has_code {
            out.push(FileChange {
                path: change.path.with_extension("js"),
                before: None,
                after: text,
            });
        }
    }
    Ok(out)
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The next migration tag, following the project's scheme: `v<N+1>` for
/// `v1`, `v2`...; a date-prefixed scheme (`2024-01-01-add-rooms`) gets
/// today's date with `-add-<class>`; anything else the fallback `v<N+1>`.
fn next_tag(project: &Project, class: &str) -> String {
    let migrations = &project.config.migrations;
    let tags: Vec<&str> = migrations
        .iter()
        .filter_map(|migration| migration.tag.as_ref().map(|tag| tag.value.as_str()))
        .collect();
    let dated = regex::Regex::new(r"^(\d{4}-\d{2}-\d{2})(-.*)?$").expect("a valid regex");
    if !tags.is_empty() && tags.iter().all(|tag| dated.is_match(tag)) {
        let today = today();
        let latest = tags
            .iter()
            .filter_map(|tag| tag.get(..10))
            .max()
            .unwrap_or("");
        let date = if today.as_str() > latest {
            today
        } else {
            latest.to_string()
        };
        let base = format!("{date}-add-{}", kebab(class));
        let mut tag = base.clone();
        let mut counter = 2;
        while tags.contains(&tag.as_str()) {
            tag = format!("{base}-{counter}");
            counter += 1;
        }
        return tag;
    }
    next_migration_tag(migrations)
}

/// `RateLimiter` → `rate-limiter`.
fn kebab(class: &str) -> String {
    let mut out = String::new();
    for (index, c) in class.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() / 86_400) as i64;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `src/index.ts` → `./src/index` (for `import("...")` in the Env type).
fn entry_module(entry: &Path) -> String {
    let text = shown(&entry.with_extension(""));
    format!("./{text}")
}

/// The specifier that imports `target` (a path without extension) from a
/// module in `from_dir`.
fn relative_import(from_dir: &Path, target: &Path) -> String {
    let from: Vec<_> = from_dir.components().collect();
    let to: Vec<_> = target.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..from.len() {
        parts.push("..".into());
    }
    for component in &to[common..] {
        parts.push(component.as_os_str().to_string_lossy().into_owned());
    }
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    }
}

/// The end of the line holding byte `position` (after its newline).
fn after_line(text: &str, position: usize) -> usize {
    text[position..]
        .find('\n')
        .map_or(text.len(), |offset| position + offset + 1)
}

/// Insert `line` as a line of its own after byte `position`'s line.
fn insert_line(text: &str, position: usize, line: &str) -> String {
    let at = after_line(text, position);
    let mut out = text.to_string();
    if at == text.len() && !text.ends_with('\n') && !text.is_empty() {
        out.push('\n');
        out.push_str(line);
        out.push('\n');
    } else {
        out.insert_str(at, &format!("{line}\n"));
    }
    out
}

/// Add `export { Class } from "<import>";` after the entry's last
/// re-export (else its last import; else at the top).
fn add_class_export(text: &str, class: &str, import: &str) -> Option<String> {
    let line = format!("export {{ {class} }} from \"{import}\";");
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, SourceType::ts()).parse();
    if parsed.panicked {
        return None;
    }
    let mut last_export = None;
    let mut last_import = None;
    for statement in &parsed.program.body {
        match statement {
            Statement::ExportFromDeclaration(_) | Statement::ExportAllDeclaration(_) => {
                last_export = Some(statement.span().end as usize)
            }
            Statement::ImportDeclaration(_) => last_import = Some(statement.span().end as usize),
            _ => {}
        }
    }
    match last_export.or(last_import) {
        Some(end) => Some(insert_line(text, end, &line)),
        None => Some(format!("{line}\n{text}")),
    }
}

/// In a `new`-made entry: import the pattern's routes table and append it to
/// the routing table (an array of `...xRoutes` spreads). `None` when the
/// entry has no such table.
fn wire_routes(text: &str, ident: &str, import: &str) -> Option<String> {
    struct Finder {
        spread_end: Option<u32>,
    }
    impl<'a> Visit<'a> for Finder {
        fn visit_array_expression(&mut self, array: &oxc_ast::ast::ArrayExpression<'a>) {
            let spreads: Vec<_> = array
                .elements
                .iter()
                .filter_map(|element| match element {
                    ArrayExpressionElement::SpreadElement(spread) => match &spread.argument {
                        Expression::Identifier(id) if id.name.ends_with("Routes") => {
                            Some(spread.span.end)
                        }
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if !spreads.is_empty() && spreads.len() == array.elements.len() {
                self.spread_end = spreads.last().copied();
            }
            oxc_ast_visit::walk::walk_array_expression(self, array);
        }
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, SourceType::ts()).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return None;
    }
    let mut finder = Finder { spread_end: None };
    finder.visit_program(&parsed.program);
    let spread_end = finder.spread_end? as usize;
    let last_routes_import =
        parsed
            .program
            .body
            .iter()
            .rev()
            .find_map(|statement| match statement {
                Statement::ImportDeclaration(import)
                    if import.source.value.contains("/routes/") =>
                {
                    Some(import.span.end as usize)
                }
                _ => None,
            })?;
    let name = format!("{ident}Routes");
    // The table entry first (it is later in the file), then the import.
    let mut out = text.to_string();
    // Follow the table's layout: one spread per line, or all on one line.
    let before = &text[..spread_end];
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let indent: String = before[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let rest = &text[spread_end..];
    let one_per_line = rest
        .trim_start_matches([' ', '\t', ','])
        .starts_with(['\n', '\r'])
        && before[line_start..].trim_start().starts_with("...");
    if one_per_line {
        let comma = rest.starts_with(',');
        let insertion = if comma {
            format!("\n{indent}...{name},")
        } else {
            format!(",\n{indent}...{name}")
        };
        let at = if comma { spread_end + 1 } else { spread_end };
        out.insert_str(at, &insertion);
    } else {
        out.insert_str(spread_end, &format!(", ...{name}"));
    }
    Some(insert_line(
        &out,
        last_routes_import,
        &format!("import {{ routes as {name} }} from \"{import}\";"),
    ))
}

/// A module with one function that serves the pattern's routes, for an
/// entry `add` cannot edit safely.
fn serve_module(function: &str, routes_import: &str, title: &str) -> String {
    format!(
        r#"/**
 * The routes of the {title}, for a Worker whose `fetch` does its own
 * routing: call {function}(request, env) first; it answers the pattern's
 * paths and returns null for every other one. Service routes need
 * `Authorization: Bearer <API_TOKEN>` once the API_TOKEN secret is set.
 */
import {{ authorize }} from "./auth";
import {{ HttpError, errorResponse, methodNotAllowed }} from "./http";
import {{ accessOf, firstParam, matchPath }} from "./router";
import {{ routes }} from "{routes_import}";

export async function {function}(request: Request, env: Env): Promise<Response | null> {{
  const url = new URL(request.url);
  const segments = url.pathname.split("/").slice(1);
  for (const route of routes) {{
    const params = matchPath(route.path, segments);
    if (params === null) continue;
    const denied = await authorize(request, env, accessOf(route, request.method));
    if (denied !== null) return denied;
    const handler = route.methods[request.method];
    if (handler === undefined) return methodNotAllowed(Object.keys(route.methods));
    try {{
      return await handler({{ request, env, url, name: firstParam(route.path, params), params }});
    }} catch (error) {{
      if (error instanceof HttpError) return errorResponse(error.status, error.message);
      console.error(JSON.stringify({{ event: "request_failed", method: request.method, path: url.pathname, error: String(error) }}));
      return errorResponse(500, "internal error");
    }}
  }}
  return null;
}}
"#
    )
}

/// Add the pattern's test-only values to vitest's miniflare `bindings`.
fn add_test_bindings(text: &str, vars: &[pattern::PatternVar]) -> Option<String> {
    let missing: Vec<_> = vars
        .iter()
        .filter(|var| !text.contains(&format!("{}:", var.name)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let open = text.find("bindings: {")? + "bindings: {".len();
    let indent = text[open..]
        .lines()
        .nth(1)
        .map(|line| {
            line.chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect::<String>()
        })
        .filter(|indent| !indent.is_empty())?;
    let mut block = String::new();
    for var in missing {
        if let Some(comment) = &var.comment {
            block.push_str(&format!("{indent}// {comment}\n"));
        }
        block.push_str(&format!("{indent}{}: \"{}\",\n", var.name, var.default));
    }
    let at = after_line(text, open);
    let mut out = text.to_string();
    out.insert_str(at, &block);
    Some(out)
}

/// Extend the `Env` type of worker-configuration.d.ts: the binding, the new
/// vars, `API_TOKEN` when the routes need it, and `durableNamespaces`.
/// What [`add_env_types`] adds.
struct EnvTypes<'a> {
    binding: &'a str,
    class: &'a str,
    /// `./src/index`, for `import("...")`.
    entry_module: &'a str,
    /// New vars, and the vars the project sets already.
    vars: &'a [&'a str],
    existing_vars: &'a [String],
    /// `API_TOKEN: string` (routes that check it).
    token: bool,
    /// `ASSETS: Fetcher` (a page).
    assets: bool,
}

fn add_env_types(text: &str, types: &EnvTypes<'_>) -> Option<String> {
    let EnvTypes {
        binding,
        class,
        entry_module,
        vars,
        existing_vars,
        token,
        assets,
    } = *types;
    let head = regex::Regex::new(r"interface (__BaseEnv_Env|Env) \{").expect("a valid regex");
    let found = head
        .find_iter(text)
        .find(|found| !text[found.end()..].trim_start().starts_with('}'))?;
    // The closing brace of the interface body.
    let mut depth = 0usize;
    let mut close = None;
    for (offset, c) in text[found.end() - 1..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(found.end() - 1 + offset);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let body = &text[found.end()..close];
    let indent = body
        .lines()
        .find(|line| !line.trim().is_empty())
        .map(|line| {
            line.chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect::<String>()
        })
        .unwrap_or_else(|| "\t".into());
    let has = |name: &str| {
        regex::Regex::new(&format!(r"(?m)^\s*{}\??:", regex::escape(name)))
            .expect("a valid regex")
            .is_match(body)
    };
    let name_of = |line: &str| -> String {
        line.trim()
            .split([':', '?'])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    // wrangler types' order: assets, vars (in config order), secrets, then
    // the Durable Object namespaces.
    let new_vars: Vec<String> = vars
        .iter()
        .filter(|var| !has(var))
        .map(|var| format!("{indent}{var}: string;"))
        .collect();
    let token_line = (token && !has("API_TOKEN")).then(|| format!("{indent}API_TOKEN: string;"));
    let assets_line = (assets && !has("ASSETS")).then(|| format!("{indent}ASSETS: Fetcher;"));
    let binding_line =
        format!("{indent}{binding}: DurableObjectNamespace<import(\"{entry_module}\").{class}>;");
    let parts: Vec<&str> = body.split('\n').collect();
    let mut out = text.to_string();
    if parts.len() >= 2 {
        // parts[0] ends the `{` line; the last part is what precedes `}`.
        let mut members: Vec<String> = parts[1..parts.len() - 1]
            .iter()
            .map(|l| l.to_string())
            .collect();
        let last_var = members
            .iter()
            .rposition(|line| existing_vars.contains(&name_of(line)));
        let leading_assets = members
            .first()
            .is_some_and(|line| name_of(line) == "ASSETS");
        let at = match last_var {
            Some(index) => index + 1,
            None => usize::from(leading_assets),
        };
        members.splice(at..at, new_vars.into_iter().chain(token_line));
        if let Some(line) = assets_line {
            members.insert(0, line);
        }
        let after_namespaces = members
            .iter()
            .rposition(|line| line.contains("DurableObjectNamespace<"))
            .map_or(members.len(), |index| index + 1);
        members.insert(after_namespaces, binding_line);
        let rebuilt = format!(
            "{}\n{}\n{}",
            parts[0],
            members.join("\n"),
            parts[parts.len() - 1]
        );
        out.replace_range(found.end()..close, &rebuilt);
    } else {
        let lines: Vec<String> = assets_line
            .into_iter()
            .chain(new_vars)
            .chain(token_line)
            .chain([binding_line])
            .collect();
        out.insert_str(close, &format!("\n{}\n", lines.join("\n")));
    }
    // `durableNamespaces: "A" | "B";`
    let namespaces = regex::Regex::new(r"durableNamespaces: ([^;]*);").expect("a valid regex");
    if let Some(captures) = namespaces.captures(&out.clone()) {
        let list = captures.get(1).expect("group 1");
        let current = list.as_str().trim();
        let replacement = if current == "never" || current.is_empty() {
            format!("\"{class}\"")
        } else {
            format!("{current} | \"{class}\"")
        };
        out.replace_range(list.range(), &replacement);
    }
    // `Pick<Cloudflare.Env, "A" | "B">` of the string vars.
    let pick = regex::Regex::new(r"Pick<Cloudflare\.Env, ([^>]*)>").expect("a valid regex");
    let added: Vec<String> = vars.iter().map(|var| format!("\"{var}\"")).collect();
    let adds_token = token && !has("API_TOKEN");
    if (!added.is_empty() || adds_token)
        && let Some(captures) = pick.captures(&out.clone())
    {
        let list = captures.get(1).expect("group 1");
        let mut names: Vec<String> = list
            .as_str()
            .split('|')
            .map(|name| name.trim().to_string())
            .collect();
        // The vars after the project's vars, before its secrets.
        let mut at = names
            .iter()
            .rposition(|name| existing_vars.contains(&name.trim_matches('"').to_string()))
            .map_or(0, |index| index + 1);
        for name in added {
            if !names.contains(&name) {
                names.insert(at, name);
                at += 1;
            }
        }
        if adds_token {
            names.push("\"API_TOKEN\"".into());
        }
        out.replace_range(list.range(), &names.join(" | "));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("RateLimiter"));
        assert!(is_identifier("_x$1"));
        assert!(!is_identifier("1abc"));
        assert!(!is_identifier("rate-limiter"));
        assert!(!is_identifier("class"));
        assert!(!is_identifier(""));
    }

    #[test]
    fn relative_imports() {
        assert_eq!(
            relative_import(Path::new("src"), Path::new("src/lock")),
            "./lock"
        );
        assert_eq!(
            relative_import(Path::new("src"), Path::new("src/do-wizard/lock")),
            "./do-wizard/lock"
        );
        assert_eq!(
            relative_import(Path::new(""), Path::new("src/lock")),
            "./src/lock"
        );
        assert_eq!(
            relative_import(Path::new("src/a"), Path::new("src/lock")),
            "../lock"
        );
    }

    #[test]
    fn class_export_goes_after_the_last_re_export() {
        let text = "import { x } from \"./x\";\nexport { A } from \"./a\";\n\nexport default {};\n";
        assert_eq!(
            add_class_export(text, "B", "./b").unwrap(),
            "import { x } from \"./x\";\nexport { A } from \"./a\";\nexport { B } from \"./b\";\n\nexport default {};\n"
        );
    }

    #[test]
    fn routes_tables_one_per_line_and_inline() {
        let text = "import { routes as aRoutes } from \"./routes/a\";\nconst routes = [\n  ...aRoutes,\n];\n";
        assert_eq!(
            wire_routes(text, "b", "./routes/b").unwrap(),
            "import { routes as aRoutes } from \"./routes/a\";\nimport { routes as bRoutes } from \"./routes/b\";\nconst routes = [\n  ...aRoutes,\n  ...bRoutes,\n];\n"
        );
        let text =
            "import { routes as aRoutes } from \"./routes/a\";\nconst routes = [...aRoutes];\n";
        assert_eq!(
            wire_routes(text, "b", "./routes/b").unwrap(),
            "import { routes as aRoutes } from \"./routes/a\";\nimport { routes as bRoutes } from \"./routes/b\";\nconst routes = [...aRoutes, ...bRoutes];\n"
        );
    }

    #[test]
    fn env_types_get_the_binding_vars_and_namespace() {
        let text = "declare namespace Cloudflare {\n\tinterface GlobalProps {\n\t\tmainModule: typeof import(\"./src/index\");\n\t\tdurableNamespaces: \"A\";\n\t}\n\tinterface Env {\n\t\tA: DurableObjectNamespace<import(\"./src/index\").A>;\n\t}\n}\ninterface Env extends Cloudflare.Env {}\n";
        let after = add_env_types(
            text,
            &EnvTypes {
                binding: "B_NS",
                class: "B",
                entry_module: "./src/index",
                vars: &["B_TTL"],
                existing_vars: &[],
                token: false,
                assets: false,
            },
        )
        .unwrap();
        assert_eq!(
            after,
            "declare namespace Cloudflare {\n\tinterface GlobalProps {\n\t\tmainModule: typeof import(\"./src/index\");\n\t\tdurableNamespaces: \"A\" | \"B\";\n\t}\n\tinterface Env {\n\t\tB_TTL: string;\n\t\tA: DurableObjectNamespace<import(\"./src/index\").A>;\n\t\tB_NS: DurableObjectNamespace<import(\"./src/index\").B>;\n\t}\n}\ninterface Env extends Cloudflare.Env {}\n"
        );
    }
}
