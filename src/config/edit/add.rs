//! The config edit of `do-wizard add`: one more Durable Object binding (at the
//! top level and in every environment that declares bindings of its own:
//! wrangler does not inherit bindings into environments), the class declared
//! the way the file already declares classes (a new `exports` entry, or a new
//! migration), and the pattern's vars (never overwriting a var that is set).
//!
//! Like the rest of [`super`], the text is edited in place: comments, key
//! order and layout stay. The result is checked by reading both texts as
//! plain data: the edited file must equal the original plus exactly the
//! intended change, or no edit is offered.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::{
    Container, Layout, append_item, append_sqlite_migration, line_indent, newline_of, quoted,
    range_of, toml_header,
};
use crate::config::{ConfigFormat, WranglerConfig};
use crate::text::apply;

/// How the new class is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declaration {
    /// `"exports": { "Class": { "type": "durable-object", "storage": "sqlite" } }`.
    Export,
    /// A new migration with this tag and `new_sqlite_classes: [Class]`.
    Migration { tag: String },
}

/// One var to add, with the comment written above it (JSONC and TOML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVar {
    pub name: String,
    pub value: String,
    pub comment: Option<String>,
}

/// Everything `add` changes in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddObject {
    pub binding: String,
    pub class_name: String,
    pub declaration: Declaration,
    /// The environments (by name) that get the binding too.
    pub environments: Vec<String>,
    /// Environments with a `migrations` or `exports` list of their own
    /// (wrangler uses it instead of the top-level one), and the entry each gets.
    pub environment_declarations: Vec<(String, Declaration)>,
    /// Vars to add at the top level; a var already set is left out by the
    /// caller ([`existing_vars`]).
    pub vars: Vec<NewVar>,
    /// Vars to add to environments (by name): wrangler does not inherit
    /// `vars` either.
    pub environment_vars: Vec<(String, Vec<NewVar>)>,
    /// Add `assets: { directory: "./public", binding: "ASSETS" }` (a pattern
    /// with a page, in a project that serves no assets yet).
    pub assets: bool,
    /// A secret to list in `secrets.required` (created when the config
    /// has no `secrets`): the API token that guards the service routes.
    pub required_secret: Option<String>,
}

/// The names of the vars set at the top level (`None`) or in one environment.
pub fn existing_vars(config: &WranglerConfig, environment: Option<&str>) -> Vec<String> {
    let Ok(data) = as_data(config, &config.text) else {
        return Vec::new();
    };
    let vars = match environment {
        None => data.get("vars"),
        Some(name) => data
            .get("env")
            .and_then(|env| env.get(name))
            .and_then(|env| env.get("vars")),
    };
    vars.and_then(|vars| vars.as_object())
        .map(|vars| vars.keys().cloned().collect())
        .unwrap_or_default()
}

/// Whether `secrets.required` lists `name`.
pub fn requires_secret(config: &WranglerConfig, name: &str) -> bool {
    as_data(config, &config.text).ok().is_some_and(|data| {
        data.get("secrets")
            .and_then(|secrets| secrets.get("required"))
            .and_then(|required| required.as_array())
            .is_some_and(|required| required.iter().any(|item| item.as_str() == Some(name)))
    })
}

/// The top-level `assets` (its `directory` and `binding`), when there is one.
pub fn assets_of(config: &WranglerConfig) -> Option<(Option<String>, Option<String>)> {
    let data = as_data(config, &config.text).ok()?;
    let assets = data.get("assets")?;
    let text = |key: &str| {
        assets
            .get(key)
            .and_then(|value| value.as_str())
            .map(str::to_string)
    };
    Some((text("directory"), text("binding")))
}

/// The edited text, or why the file cannot be edited safely.
pub fn add_object(config: &WranglerConfig, change: &AddObject) -> Result<String, String> {
    let text = match config.format {
        ConfigFormat::Json => json_add(config, change)?,
        ConfigFormat::Toml => toml_add(config, change)?,
    };
    verify(config, &text, change)?;
    Ok(text)
}

// ---------------------------------------------------------------------------
// JSON / JSONC

/// What goes at the end of a path: an array element or an object property.
enum Leaf<'a> {
    /// An object element, `(key, JSON value)` pairs: on one line, or one
    /// pair per line when the element before it spans lines.
    Element(&'a [(&'a str, String)]),
    /// Any other element, as JSON text.
    Raw(&'a str),
    Property {
        key: &'a str,
        value: &'a str,
        comment: Option<&'a str>,
    },
}

/// Append `leaf` to the container at `path` (object keys from the root),
/// creating the missing objects and the final container on the way.
fn json_insert(
    text: &str,
    path: &[&str],
    leaf: &Leaf<'_>,
    comments: bool,
) -> Result<String, String> {
    let nl = newline_of(text);
    let parsed = parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
        .map_err(|error| error.to_string())?;
    let Some(Value::Object(root)) = parsed.value else {
        return Err("the file is not one JSON object".into());
    };
    let mut object = &root;
    for (depth, key) in path.iter().enumerate() {
        let found = object.properties.iter().find(|property| {
            let name = match &property.name {
                ObjectPropName::String(literal) => literal.value.as_ref(),
                ObjectPropName::Word(word) => word.value,
            };
            name == *key
        });
        let last = depth + 1 == path.len();
        match found {
            Some(property) => match (&property.value, last, leaf) {
                (Value::Object(inner), false, _) => object = inner,
                (Value::Array(array), true, Leaf::Raw(item)) => {
                    let range = range_of(array.range);
                    let container = Container {
                        open: range.start,
                        close: range.end - 1,
                        items: array.elements.iter().map(|e| range_of(e.range())).collect(),
                    };
                    return append_item(text, &container, &|_| (*item).to_string())
                        .map(|edits| apply(text, &edits))
                        .ok_or_else(|| {
                            format!("`{}` has a layout that cannot be extended", path.join("."))
                        });
                }
                (Value::Array(array), true, Leaf::Element(item)) => {
                    let range = range_of(array.range);
                    let container = Container {
                        open: range.start,
                        close: range.end - 1,
                        items: array.elements.iter().map(|e| range_of(e.range())).collect(),
                    };
                    let nl = newline_of(text);
                    return append_item(text, &container, &|layout| element(item, layout, nl))
                        .map(|edits| apply(text, &edits))
                        .ok_or_else(|| {
                            format!("`{}` has a layout that cannot be extended", path.join("."))
                        });
                }
                (Value::Object(inner), true, Leaf::Property { .. }) => {
                    return append_property(text, inner, &[], leaf, comments, nl).ok_or_else(
                        || format!("`{}` has a layout that cannot be extended", path.join(".")),
                    );
                }
                _ => {
                    return Err(format!(
                        "`{}` is not the expected kind of value",
                        path[..=depth].join(".")
                    ));
                }
            },
            None => {
                // Create `key` in `object`, holding the rest of the path.
                return append_property(text, object, &path[depth..], leaf, comments, nl)
                    .ok_or_else(|| {
                        format!(
                            "`{}` has a layout that cannot be extended",
                            path[..depth].join(".")
                        )
                    });
            }
        }
    }
    Err("empty path".into())
}

/// Append to `object` a property holding `rest` (the keys still to create,
/// none when the leaf itself is the property) and the leaf.
fn append_property(
    text: &str,
    object: &jsonc_parser::ast::Object<'_>,
    rest: &[&str],
    leaf: &Leaf<'_>,
    comments: bool,
    nl: &str,
) -> Option<String> {
    let range = range_of(object.range);
    let container = Container {
        open: range.start,
        close: range.end - 1,
        items: object
            .properties
            .iter()
            .map(|p| range_of(p.range))
            .collect(),
    };
    let render = |layout: Layout<'_>| nested(rest, leaf, layout, comments, nl);
    append_item(text, &container, &render).map(|edits| apply(text, &edits))
}

/// `{ "k": v, ... }`, spread over lines like the element before it.
fn element(fields: &[(&str, String)], layout: Layout<'_>, nl: &str) -> String {
    let Layout { indent, unit, .. } = layout;
    if layout.spread {
        let body: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("{indent}{unit}{}: {value}", quoted(key)))
            .collect();
        format!("{{{nl}{}{nl}{indent}}}", body.join(&format!(",{nl}")))
    } else {
        let body: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("{}: {value}", quoted(key)))
            .collect();
        format!("{{ {} }}", body.join(", "))
    }
}

/// `"k1": { "k2": [ leaf ] }` for the keys `rest`, laid out like the
/// container it goes into.
fn nested(rest: &[&str], leaf: &Leaf<'_>, layout: Layout<'_>, comments: bool, nl: &str) -> String {
    let Layout {
        indent,
        unit,
        lines,
        ..
    } = layout;
    let leaf_text = |indent: &str| match leaf {
        Leaf::Element(item) => element(item, layout, nl),
        Leaf::Raw(item) => (*item).to_string(),
        Leaf::Property {
            key,
            value,
            comment,
        } => match comment {
            Some(comment) if comments && lines => {
                format!("// {comment}{nl}{indent}{}: {value}", quoted(key))
            }
            _ => format!("{}: {value}", quoted(key)),
        },
    };
    let Some((key, deeper)) = rest.split_first() else {
        return leaf_text(indent);
    };
    let inner_indent = format!("{indent}{unit}");
    let (open, close) = if deeper.is_empty() && matches!(leaf, Leaf::Element(_) | Leaf::Raw(_)) {
        ("[", "]")
    } else {
        ("{", "}")
    };
    let inner = nested(
        deeper,
        leaf,
        Layout {
            indent: &inner_indent,
            unit,
            lines,
            spread: false,
        },
        comments,
        nl,
    );
    if lines {
        format!(
            "{}: {open}{nl}{inner_indent}{inner}{nl}{indent}{close}",
            quoted(key)
        )
    } else {
        format!("{}: {open} {inner} {close}", quoted(key))
    }
}

fn json_add(config: &WranglerConfig, change: &AddObject) -> Result<String, String> {
    let comments = config.path.extension().is_some_and(|ext| ext == "jsonc");
    let fields = [
        ("name", quoted(&change.binding)),
        ("class_name", quoted(&change.class_name)),
    ];
    let binding: &[(&str, String)] = &fields;
    let mut text = config.text.clone();
    text = json_insert(
        &text,
        &["durable_objects", "bindings"],
        &Leaf::Element(binding),
        comments,
    )?;
    for environment in &change.environments {
        text = json_insert(
            &text,
            &["env", environment, "durable_objects", "bindings"],
            &Leaf::Element(binding),
            comments,
        )?;
    }
    match &change.declaration {
        Declaration::Export => {
            text = json_insert(
                &text,
                &["exports"],
                &Leaf::Property {
                    key: &change.class_name,
                    value: "{ \"type\": \"durable-object\", \"storage\": \"sqlite\" }",
                    comment: None,
                },
                comments,
            )?;
        }
        Declaration::Migration { tag } => {
            let reread = WranglerConfig::parse(&config.path, text.clone()).map_err(|error| {
                format!(
                    "the edited file would not parse ({}); nothing was changed",
                    error.message
                )
            })?;
            let edits = append_sqlite_migration(&reread, tag, &[&change.class_name])
                .ok_or("`migrations` has a layout that cannot be extended")?;
            text = apply(&text, &edits);
        }
    }
    for (environment, declaration) in &change.environment_declarations {
        match declaration {
            Declaration::Export => {
                text = json_insert(
                    &text,
                    &["env", environment, "exports"],
                    &Leaf::Property {
                        key: &change.class_name,
                        value: "{ \"type\": \"durable-object\", \"storage\": \"sqlite\" }",
                        comment: None,
                    },
                    comments,
                )?;
            }
            Declaration::Migration { tag } => {
                let fields = [
                    ("tag", quoted(tag)),
                    (
                        "new_sqlite_classes",
                        format!("[{}]", quoted(&change.class_name)),
                    ),
                ];
                text = json_insert(
                    &text,
                    &["env", environment, "migrations"],
                    &Leaf::Element(&fields),
                    comments,
                )?;
            }
        }
    }
    for var in &change.vars {
        let value = quoted(&var.value);
        let leaf = Leaf::Property {
            key: &var.name,
            value: &value,
            comment: var.comment.as_deref(),
        };
        text = json_insert(&text, &["vars"], &leaf, comments)?;
    }
    if let Some(secret) = &change.required_secret {
        let item = quoted(secret);
        text = json_insert(&text, &["secrets", "required"], &Leaf::Raw(&item), comments)?;
    }
    if change.assets {
        for (key, value) in [("directory", "\"./public\""), ("binding", "\"ASSETS\"")] {
            let leaf = Leaf::Property {
                key,
                value,
                comment: None,
            };
            text = json_insert(&text, &["assets"], &leaf, comments)?;
        }
    }
    for (environment, vars) in &change.environment_vars {
        for var in vars {
            let value = quoted(&var.value);
            let leaf = Leaf::Property {
                key: &var.name,
                value: &value,
                comment: var.comment.as_deref(),
            };
            text = json_insert(&text, &["env", environment, "vars"], &leaf, comments)?;
        }
    }
    Ok(text)
}

// ---------------------------------------------------------------------------
// TOML

/// The byte range of every table whose header is exactly `name` (`[name]`
/// or `[[name]]`), each running to the end of its last key line.
fn toml_tables(text: &str, name: &str) -> Vec<(usize, usize)> {
    let mut tables = Vec::new();
    let mut position = 0;
    let mut current: Option<(usize, usize)> = None;
    while position < text.len() {
        let end = text[position..]
            .find('\n')
            .map_or(text.len(), |offset| position + offset + 1);
        let line = &text[position..end];
        let trimmed = line.trim();
        if let Some(header) = toml_header(trimmed) {
            // Sub-tables (`[[migrations.renamed_classes]]`) stay in their parent.
            let sub = current.is_some() && header.starts_with(&format!("{name}."));
            if !sub {
                if let Some(table) = current.take() {
                    tables.push(table);
                }
                if header == name {
                    current = Some((position, end));
                }
            } else if let Some(table) = current.as_mut() {
                table.1 = end;
            }
        } else if !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && let Some(table) = current.as_mut()
        {
            table.1 = end;
        }
        position = end;
    }
    if let Some(table) = current {
        tables.push(table);
    }
    tables
}

/// Text to append at the end of the file: a blank line, then `block`.
fn at_end(text: &str, block: &str) -> String {
    let nl = newline_of(text);
    let mut out = text.to_string();
    if !out.is_empty() {
        if !out.ends_with('\n') {
            out.push_str(nl);
        }
        out.push_str(nl);
    }
    out.push_str(block);
    out
}

/// Insert `block` (whole lines) after the last table named `name`, or at the
/// end of the file when there is none.
fn toml_after_tables(text: &str, name: &str, block: &str) -> String {
    let end = toml_tables(text, name).last().map(|&(_, end)| end);
    after_or_at_end(text, end, block)
}

/// Insert `block` (whole lines) after offset `end`, one blank line between,
/// or at the end of the file when there is no such offset.
fn after_or_at_end(text: &str, end: Option<usize>, block: &str) -> String {
    let Some(end) = end else {
        return at_end(text, block);
    };
    let nl = newline_of(text);
    let mut out = text.to_string();
    let mut insertion = String::new();
    if !text[..end].ends_with('\n') {
        insertion.push_str(nl);
    }
    insertion.push_str(nl);
    insertion.push_str(block);
    out.insert_str(end, &insertion);
    out
}

/// Add `key = value` lines to the table `name` (after its last key), or
/// create the table at the end of the file.
fn toml_table_keys(text: &str, name: &str, lines: &str) -> String {
    let nl = newline_of(text);
    match toml_tables(text, name).last() {
        Some(&(start, end)) => {
            let indent = text[start..end]
                .lines()
                .skip(1)
                .find(|line| !line.trim().is_empty())
                .map(|line| line_indent(line, 0).to_string())
                .unwrap_or_default();
            let indented: String = lines
                .split_inclusive('\n')
                .map(|line| format!("{indent}{line}"))
                .collect();
            let mut out = text.to_string();
            let prefix = if text[..end].ends_with('\n') { "" } else { nl };
            out.insert_str(end, &format!("{prefix}{indented}"));
            out
        }
        None => at_end(text, &format!("[{name}]{nl}{lines}")),
    }
}

fn toml_add(config: &WranglerConfig, change: &AddObject) -> Result<String, String> {
    let nl = newline_of(&config.text);
    let binding_table = |prefix: &str| {
        format!(
            "[[{prefix}durable_objects.bindings]]{nl}name = {}{nl}class_name = {}{nl}",
            quoted(&change.binding),
            quoted(&change.class_name)
        )
    };
    let mut text = config.text.clone();
    text = toml_after_tables(&text, "durable_objects.bindings", &binding_table(""));
    for environment in &change.environments {
        let name = format!("env.{environment}.durable_objects.bindings");
        text = toml_after_tables(&text, &name, &binding_table(&format!("env.{environment}.")));
    }
    match &change.declaration {
        Declaration::Export => {
            let table = format!(
                "[exports.{}]{nl}type = \"durable-object\"{nl}storage = \"sqlite\"{nl}",
                change.class_name
            );
            // After the last `[exports.X]` table, else after `[exports]`.
            let existing = toml_tables(&text, "exports")
                .into_iter()
                .map(|table| table.1)
                .max();
            let last_entry = existing.max(text_tables_with_prefix(&text, "exports."));
            text = after_or_at_end(&text, last_entry, &table);
        }
        Declaration::Migration { tag } => {
            let reread = WranglerConfig::parse(&config.path, text.clone()).map_err(|error| {
                format!(
                    "the edited file would not parse ({}); nothing was changed",
                    error.message
                )
            })?;
            let edits = append_sqlite_migration(&reread, tag, &[&change.class_name]).ok_or(
                "`migrations` is an inline array; add the migration as a [[migrations]] table",
            )?;
            text = apply(&text, &edits);
        }
    }
    for (environment, declaration) in &change.environment_declarations {
        let prefix = format!("env.{environment}.");
        match declaration {
            Declaration::Export => {
                let table = format!(
                    "[{prefix}exports.{}]{nl}type = \"durable-object\"{nl}storage = \"sqlite\"{nl}",
                    change.class_name
                );
                let last_entry = text_tables_with_prefix(&text, &format!("{prefix}exports"));
                text = after_or_at_end(&text, last_entry, &table);
            }
            Declaration::Migration { tag } => {
                let table = format!(
                    "[[{prefix}migrations]]{nl}tag = {}{nl}new_sqlite_classes = [{}]{nl}",
                    quoted(tag),
                    quoted(&change.class_name)
                );
                text = toml_after_tables(&text, &format!("{prefix}migrations"), &table);
            }
        }
    }
    let lines = |vars: &[NewVar]| -> String {
        vars.iter()
            .map(|var| {
                let comment = var
                    .comment
                    .as_ref()
                    .map(|comment| format!("# {comment}{nl}"))
                    .unwrap_or_default();
                format!("{comment}{} = {}{nl}", var.name, quoted(&var.value))
            })
            .collect()
    };
    if let Some(secret) = &change.required_secret {
        if toml_tables(&text, "secrets").is_empty() {
            text = at_end(
                &text,
                &format!("[secrets]{nl}required = [{}]{nl}", quoted(secret)),
            );
        } else {
            return Err(format!(
                "`[secrets]` does not list {secret}; add it to `required` by hand"
            ));
        }
    }
    if change.assets {
        text = toml_table_keys(
            &text,
            "assets",
            &format!("directory = \"./public\"{nl}binding = \"ASSETS\"{nl}"),
        );
    }
    if !change.vars.is_empty() {
        text = toml_table_keys(&text, "vars", &lines(&change.vars));
    }
    for (environment, vars) in &change.environment_vars {
        if !vars.is_empty() {
            text = toml_table_keys(&text, &format!("env.{environment}.vars"), &lines(vars));
        }
    }
    Ok(text)
}

/// The end of the last table whose header starts with `prefix`.
fn text_tables_with_prefix(text: &str, prefix: &str) -> Option<usize> {
    let mut position = 0;
    let mut last = None;
    let mut inside = false;
    while position < text.len() {
        let end = text[position..]
            .find('\n')
            .map_or(text.len(), |offset| position + offset + 1);
        let trimmed = text[position..end].trim();
        if let Some(header) = toml_header(trimmed) {
            inside = header.starts_with(prefix);
            if inside {
                last = Some(end);
            }
        } else if inside && !trimmed.is_empty() && !trimmed.starts_with('#') {
            last = Some(end);
        }
        position = end;
    }
    last
}

// ---------------------------------------------------------------------------
// Verification: the edited file is the original plus exactly the change.

fn as_data(config: &WranglerConfig, text: &str) -> Result<serde_json::Value, String> {
    match config.format {
        ConfigFormat::Json => jsonc_parser::parse_to_serde_value(text, &ParseOptions::default())
            .map_err(|error| error.to_string()),
        ConfigFormat::Toml => toml::from_str(text).map_err(|error| error.to_string()),
    }
}

fn verify(config: &WranglerConfig, after: &str, change: &AddObject) -> Result<(), String> {
    use serde_json::{Value as J, json};
    let mut expected = as_data(config, &config.text)?;
    let actual = as_data(config, after).map_err(|error| {
        format!("the edited file would not parse ({error}); nothing was changed")
    })?;
    fn at<'v>(value: &'v mut J, path: &[&str], leaf: J) -> &'v mut J {
        let mut node = value;
        for (index, key) in path.iter().enumerate() {
            if !node.is_object() {
                *node = json!({});
            }
            let last = index + 1 == path.len();
            node = node
                .as_object_mut()
                .expect("made an object above")
                .entry(key.to_string())
                .or_insert_with(|| if last { leaf.clone() } else { json!({}) });
        }
        node
    }
    let binding = json!({ "name": change.binding, "class_name": change.class_name });
    let push = |value: &mut J, path: &[&str], item: J| {
        if let Some(list) = at(value, path, json!([])).as_array_mut() {
            list.push(item);
        }
    };
    push(
        &mut expected,
        &["durable_objects", "bindings"],
        binding.clone(),
    );
    for environment in &change.environments {
        push(
            &mut expected,
            &["env", environment, "durable_objects", "bindings"],
            binding.clone(),
        );
    }
    match &change.declaration {
        Declaration::Export => {
            let entry = json!({ "type": "durable-object", "storage": "sqlite" });
            if let Some(map) = at(&mut expected, &["exports"], json!({})).as_object_mut() {
                map.insert(change.class_name.clone(), entry);
            }
        }
        Declaration::Migration { tag } => push(
            &mut expected,
            &["migrations"],
            json!({ "tag": tag, "new_sqlite_classes": [change.class_name] }),
        ),
    }
    for (environment, declaration) in &change.environment_declarations {
        match declaration {
            Declaration::Export => {
                let entry = json!({ "type": "durable-object", "storage": "sqlite" });
                if let Some(map) =
                    at(&mut expected, &["env", environment, "exports"], json!({})).as_object_mut()
                {
                    map.insert(change.class_name.clone(), entry);
                }
            }
            Declaration::Migration { tag } => push(
                &mut expected,
                &["env", environment, "migrations"],
                json!({ "tag": tag, "new_sqlite_classes": [change.class_name] }),
            ),
        }
    }
    if let Some(secret) = &change.required_secret
        && let Some(list) = at(&mut expected, &["secrets", "required"], json!([])).as_array_mut()
    {
        list.push(J::String(secret.clone()));
    }
    if change.assets
        && let Some(map) = expected.as_object_mut()
    {
        map.insert(
            "assets".into(),
            json!({ "directory": "./public", "binding": "ASSETS" }),
        );
    }
    let mut targets: Vec<(Vec<&str>, &[NewVar])> = Vec::new();
    if !change.vars.is_empty() {
        targets.push((vec!["vars"], &change.vars));
    }
    for (environment, vars) in &change.environment_vars {
        if !vars.is_empty() {
            targets.push((vec!["env", environment, "vars"], vars));
        }
    }
    for (path, vars) in targets {
        if let Some(map) = at(&mut expected, &path, json!({})).as_object_mut() {
            for var in vars {
                map.insert(var.name.clone(), J::String(var.value.clone()));
            }
        }
    }
    if expected == actual {
        Ok(())
    } else {
        Err(
            "the edit would change more than the new binding, class and vars; nothing was changed"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn change(declaration: Declaration, environments: &[&str]) -> AddObject {
        AddObject {
            binding: "RATE_LIMITER".into(),
            class_name: "RateLimiter".into(),
            declaration,
            environments: environments.iter().map(|e| e.to_string()).collect(),
            environment_declarations: Vec::new(),
            vars: vec![
                NewVar {
                    name: "RATE_LIMIT".into(),
                    value: "100".into(),
                    comment: Some("Requests per window.".into()),
                },
                NewVar {
                    name: "RATE_WINDOW_SECONDS".into(),
                    value: "60".into(),
                    comment: None,
                },
            ],
            environment_vars: Vec::new(),
            assets: false,
            required_secret: None,
        }
    }

    fn edit(name: &str, text: &str, change: &AddObject) -> Result<String, String> {
        let config = WranglerConfig::parse(Path::new(name), text.into()).unwrap();
        add_object(&config, change)
    }

    #[test]
    fn jsonc_exports_binding_and_new_vars_keep_comments() {
        let text = r#"{
  // My worker.
  "name": "w",
  "durable_objects": {
    "bindings": [
      { "name": "ROOM", "class_name": "Room" } // the rooms
    ]
  },
  "exports": {
    "Room": { "type": "durable-object", "storage": "sqlite" }
  }
}
"#;
        let after = edit("wrangler.jsonc", text, &change(Declaration::Export, &[])).unwrap();
        assert_eq!(
            after,
            r#"{
  // My worker.
  "name": "w",
  "durable_objects": {
    "bindings": [
      { "name": "ROOM", "class_name": "Room" }, // the rooms
      { "name": "RATE_LIMITER", "class_name": "RateLimiter" }
    ]
  },
  "exports": {
    "Room": { "type": "durable-object", "storage": "sqlite" },
    "RateLimiter": { "type": "durable-object", "storage": "sqlite" }
  },
  "vars": {
    // Requests per window.
    "RATE_LIMIT": "100",
    "RATE_WINDOW_SECONDS": "60"
  }
}
"#
        );
    }

    #[test]
    fn jsonc_environments_get_the_binding_and_a_migration_is_appended() {
        let text = r#"{
  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }],
  "vars": { "X": "1" },
  "env": {
    "staging": {
      "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] }
    }
  }
}
"#;
        let after = edit(
            "wrangler.jsonc",
            text,
            &change(Declaration::Migration { tag: "v2".into() }, &["staging"]),
        )
        .unwrap();
        assert_eq!(
            after
                .matches(r#"{ "name": "ROOM", "class_name": "Room" }, { "name": "RATE_LIMITER", "class_name": "RateLimiter" }"#)
                .count(),
            2,
            "{after}"
        );
        assert!(after.contains(r#"{ "tag": "v2", "new_sqlite_classes": ["RateLimiter"] }"#));
        assert!(
            after.contains(
                r#""vars": { "X": "1", "RATE_LIMIT": "100", "RATE_WINDOW_SECONDS": "60" }"#
            ),
            "{after}"
        );
    }

    #[test]
    fn toml_tables_for_bindings_migrations_and_vars() {
        let text = "name = \"w\" # the worker\nmain = \"src/index.ts\"\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n# History.\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n\n[vars]\nX = \"1\"\n\n[env.staging]\nname = \"w-staging\"\n\n[[env.staging.durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n";
        let after = edit(
            "wrangler.toml",
            text,
            &change(Declaration::Migration { tag: "v2".into() }, &["staging"]),
        )
        .unwrap();
        assert_eq!(
            after,
            "name = \"w\" # the worker\nmain = \"src/index.ts\"\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n[[durable_objects.bindings]]\nname = \"RATE_LIMITER\"\nclass_name = \"RateLimiter\"\n\n# History.\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n\n[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"RateLimiter\"]\n\n[vars]\nX = \"1\"\n# Requests per window.\nRATE_LIMIT = \"100\"\nRATE_WINDOW_SECONDS = \"60\"\n\n[env.staging]\nname = \"w-staging\"\n\n[[env.staging.durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n[[env.staging.durable_objects.bindings]]\nname = \"RATE_LIMITER\"\nclass_name = \"RateLimiter\"\n"
        );
    }

    #[test]
    fn environments_with_their_own_declarations_get_the_class_too() {
        let text = r#"{
  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }],
  "env": {
    "staging": {
      "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
      "migrations": [{ "tag": "s1", "new_sqlite_classes": ["Room"] }]
    }
  }
}
"#;
        let mut change = change(Declaration::Migration { tag: "v2".into() }, &["staging"]);
        change.environment_declarations = vec![(
            "staging".into(),
            Declaration::Migration { tag: "v2".into() },
        )];
        let after = edit("wrangler.jsonc", text, &change).unwrap();
        assert!(
            after.contains(r#"[{ "tag": "s1", "new_sqlite_classes": ["Room"] }, { "tag": "v2", "new_sqlite_classes": ["RateLimiter"] }]"#),
            "{after}"
        );
        let toml = "[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n[exports.Room]\ntype = \"durable-object\"\n\n[env.staging.exports.Room]\ntype = \"durable-object\"\n";
        let mut change = self::change(Declaration::Export, &[]);
        change.vars.clear();
        change.environment_declarations = vec![("staging".into(), Declaration::Export)];
        let after = edit("wrangler.toml", toml, &change).unwrap();
        assert!(
            after.ends_with("[env.staging.exports.Room]\ntype = \"durable-object\"\n\n[env.staging.exports.RateLimiter]\ntype = \"durable-object\"\nstorage = \"sqlite\"\n"),
            "{after}"
        );
        assert!(
            after.contains("[exports.Room]\ntype = \"durable-object\"\n\n[exports.RateLimiter]\n"),
            "{after}"
        );
    }

    #[test]
    fn plain_json_gets_no_comments() {
        let text = "{\n  \"name\": \"w\",\n  \"exports\": {}\n}\n";
        let after = edit("wrangler.json", text, &change(Declaration::Export, &[])).unwrap();
        assert!(!after.contains("//"), "{after}");
        let data: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(data["vars"]["RATE_LIMIT"], "100");
        assert_eq!(data["exports"]["RateLimiter"]["storage"], "sqlite");
    }

    #[test]
    fn toml_inline_bindings_are_not_extended_blindly() {
        let text = "durable_objects = { bindings = [{ name = \"ROOM\", class_name = \"Room\" }] }\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n";
        let error = edit(
            "wrangler.toml",
            text,
            &change(Declaration::Migration { tag: "v2".into() }, &[]),
        )
        .unwrap_err();
        assert!(error.contains("would not parse"), "{error}");
    }
}
