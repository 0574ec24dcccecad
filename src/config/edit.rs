//! Comment-preserving edits to a wrangler config.
//!
//! Edits are byte-range insertions ([`crate::text::Edit`]) into the text as
//! written: nothing is
//! re-serialized, so comments, key order and formatting stay as they are. An
//! appended entry follows the layout around it (indentation, one entry per
//! line or all on one line, trailing commas, line endings). Every edit is
//! checked by reading the edited text back: if the result does not parse to
//! exactly the intended change, no edit is offered.

pub mod add;

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::{ConfigFormat, Migration, WranglerConfig};
use crate::text::{Edit, TextRange, apply};

/// The tag of a migration appended after `migrations`: when every tag is
/// `v<number>`, the next number; otherwise `v<count + 1>`, moved on until it
/// collides with no existing tag.
pub fn next_migration_tag(migrations: &[Migration]) -> String {
    let tags: Vec<&str> = migrations
        .iter()
        .filter_map(|migration| migration.tag.as_ref().map(|tag| tag.value.as_str()))
        .collect();
    let numbers: Option<Vec<u64>> = tags
        .iter()
        .map(|tag| {
            tag.strip_prefix('v')
                .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse().ok())
        })
        .collect();
    if let Some(numbers) = numbers
        && !numbers.is_empty()
        && tags.len() == migrations.len()
        && let Some(next) = numbers.iter().max().and_then(|max| max.checked_add(1))
    {
        return format!("v{next}");
    }
    let mut number = migrations.len() + 1;
    while tags.contains(&format!("v{number}").as_str()) {
        number += 1;
    }
    format!("v{number}")
}

/// Edits that append `{ "tag": tag, "new_sqlite_classes": classes }` to the
/// top-level `migrations` (creating the list when there is none). `None`
/// when the file's shape makes the edit ambiguous (an inline TOML array, a
/// `migrations` that is not a list) or the edited text would not read back
/// as exactly one more migration.
pub fn append_sqlite_migration(
    config: &WranglerConfig,
    tag: &str,
    classes: &[&str],
) -> Option<Vec<Edit>> {
    if classes.is_empty() {
        return None;
    }
    let edits = match config.format {
        ConfigFormat::Json => json_append(&config.text, tag, classes)?,
        ConfigFormat::Toml => toml_append(config, tag, classes)?,
    };
    verify(config, &edits, tag, classes).then_some(edits)
}

/// The edited text reads back as the same config plus one migration.
fn verify(config: &WranglerConfig, edits: &[Edit], tag: &str, classes: &[&str]) -> bool {
    let after = apply(&config.text, edits);
    let Ok(reread) = WranglerConfig::parse(&config.path, after) else {
        return false;
    };
    let names = |migration: &Migration| -> Vec<String> {
        migration
            .mentioned_classes()
            .map(|name| name.value.clone())
            .collect()
    };
    let tags = |migration: &Migration| migration.tag.as_ref().map(|tag| tag.value.clone());
    let count = config.migrations.len();
    reread.migrations.len() == count + 1
        && config
            .migrations
            .iter()
            .zip(&reread.migrations)
            .all(|(old, new)| tags(old) == tags(new) && names(old) == names(new))
        && reread.migrations.last().is_some_and(|added| {
            tags(added).as_deref() == Some(tag)
                && added
                    .new_sqlite_classes
                    .iter()
                    .map(|name| name.value.as_str())
                    .eq(classes.iter().copied())
                && names(added).len() == classes.len()
        })
        && summary(&reread) == summary(config)
}

/// What an edit must leave alone, without byte positions (they move).
fn summary(config: &WranglerConfig) -> Vec<String> {
    let mut out = vec![
        format!("{:?}", config.name.as_ref().map(|name| &name.value)),
        format!("{:?}", config.main.as_ref().map(|main| &main.value)),
        format!(
            "{:?}",
            config.compatibility_date.as_ref().map(|date| &date.value)
        ),
    ];
    out.extend(config.bindings.iter().map(|binding| {
        format!(
            "binding {} {} {:?} {:?}",
            binding.name.value,
            binding.class_name.value,
            binding.script_name.as_ref().map(|script| &script.value),
            binding.environment
        )
    }));
    out.extend(config.exports.iter().flatten().map(|entry| {
        format!(
            "export {} {:?} {:?}",
            entry.class_name.value, entry.kind, entry.state
        )
    }));
    out.extend(config.environments.iter().map(|environment| {
        format!(
            "env {} {}",
            environment.name.value,
            environment.migrations.as_ref().map_or(0, Vec::len)
        )
    }));
    out
}

fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
}

fn class_list(classes: &[&str]) -> String {
    classes
        .iter()
        .map(|class| quoted(class))
        .collect::<Vec<_>>()
        .join(", ")
}

fn newline_of(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn line_start(text: &str, position: usize) -> usize {
    text[..position].rfind('\n').map_or(0, |index| index + 1)
}

/// The indentation of the line holding `position`, when only whitespace
/// precedes `position` on that line.
fn indent_before(text: &str, position: usize) -> Option<&str> {
    let start = line_start(text, position);
    let prefix = &text[start..position];
    prefix
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(prefix)
}

/// The leading whitespace of the line holding `position`.
fn line_indent(text: &str, position: usize) -> &str {
    let start = line_start(text, position);
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The file's indentation unit: the leading whitespace of its first indented
/// line (two spaces when nothing is indented).
fn indent_unit(text: &str) -> String {
    text.lines()
        .find_map(|line| {
            let indent: String = line
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            (!indent.is_empty() && indent.len() < line.len()).then_some(indent)
        })
        .map(|indent| {
            if indent.starts_with('\t') {
                "\t".to_string()
            } else {
                indent
            }
        })
        .unwrap_or_else(|| "  ".to_string())
}

/// What lies between the last item and the closing bracket: `Some(true)`
/// when a (trailing) comma is there, `Some(false)` when only whitespace and
/// comments are, `None` for anything else.
fn gap_has_comma(gap: &str) -> Option<bool> {
    let bytes = gap.as_bytes();
    let mut index = 0;
    let mut comma = false;
    while index < bytes.len() {
        match bytes[index] {
            b' ' | b'\t' | b'\r' | b'\n' => index += 1,
            b',' if !comma => {
                comma = true;
                index += 1;
            }
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                index = gap[index..]
                    .find('\n')
                    .map_or(bytes.len(), |offset| index + offset);
            }
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                index = gap[index + 2..]
                    .find("*/")
                    .map(|offset| index + 2 + offset + 2)?;
            }
            _ => return None,
        }
    }
    Some(comma)
}

/// A JSON array or object to append one item to.
struct Container {
    /// Byte index of `[` / `{`.
    open: usize,
    /// Byte index of `]` / `}`.
    close: usize,
    /// The ranges of the items (elements, or whole properties).
    items: Vec<TextRange>,
}

/// How to lay an appended item out.
#[derive(Debug, Clone, Copy)]
struct Layout<'l> {
    /// The item's own indentation (for its continuation lines).
    indent: &'l str,
    /// One level of indentation more.
    unit: &'l str,
    /// The container holds one item per line.
    lines: bool,
    /// The item before it spans several lines.
    spread: bool,
}

type Render<'r> = &'r dyn Fn(Layout<'_>) -> String;

/// Edits appending an item to a container, following its layout.
fn append_item(text: &str, container: &Container, render: Render<'_>) -> Option<Vec<Edit>> {
    let nl = newline_of(text);
    let close = container.close;
    let unit = indent_unit(text);
    let close_indent = indent_before(text, close).filter(|_| {
        // `]` on a line of its own, below the opening bracket.
        line_start(text, close) > container.open
    });
    let Some(last) = container.items.last() else {
        let inside = &text[container.open + 1..close];
        if let Some(close_indent) = close_indent {
            let indent = format!("{close_indent}{unit}");
            let item = render(Layout {
                indent: &indent,
                unit: &unit,
                lines: true,
                spread: false,
            });
            return Some(vec![Edit::insert(
                line_start(text, close),
                format!("{indent}{item}{nl}"),
            )]);
        }
        if !inside.trim().is_empty() {
            // Comments inside an empty one-line container: keep them, add inline.
            let item = render(Layout {
                indent: "",
                unit: &unit,
                lines: false,
                spread: false,
            });
            return Some(vec![Edit::insert(close, format!(" {item} "))]);
        }
        let outer = line_indent(text, container.open);
        let indent = format!("{outer}{unit}");
        let item = render(Layout {
            indent: &indent,
            unit: &unit,
            lines: true,
            spread: false,
        });
        return Some(vec![Edit {
            range: TextRange::new(container.open + 1, close),
            replacement: format!("{nl}{indent}{item}{nl}{outer}"),
        }]);
    };
    let has_comma = gap_has_comma(&text[last.end..close])?;
    if let Some(close_indent) = close_indent {
        let indent = indent_before(text, last.start)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{close_indent}{unit}"));
        let step = indent
            .strip_prefix(close_indent)
            .filter(|step| !step.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| unit.clone());
        let item = render(Layout {
            indent: &indent,
            unit: &step,
            lines: true,
            spread: text[last.start..last.end].contains('\n'),
        });
        let mut edits = Vec::new();
        if !has_comma {
            edits.push(Edit::insert(last.end, ","));
        }
        let trailing = if has_comma { "," } else { "" };
        edits.push(Edit::insert(
            line_start(text, close),
            format!("{indent}{item}{trailing}{nl}"),
        ));
        return Some(edits);
    }
    let item = render(Layout {
        indent: "",
        unit: &unit,
        lines: false,
        spread: false,
    });
    if has_comma {
        let spaced = text[..close].ends_with([' ', '\t']);
        let insertion = if spaced {
            format!("{item} ")
        } else {
            format!(" {item}")
        };
        Some(vec![Edit::insert(close, insertion)])
    } else {
        Some(vec![Edit::insert(last.end, format!(", {item}"))])
    }
}

fn range_of(range: jsonc_parser::common::Range) -> TextRange {
    TextRange::new(range.start, range.end)
}

fn json_append(text: &str, tag: &str, classes: &[&str]) -> Option<Vec<Edit>> {
    let parsed = parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()).ok()?;
    let Some(Value::Object(root)) = parsed.value else {
        return None;
    };
    let nl = newline_of(text);
    let list = class_list(classes);
    let one_line = format!(
        "{{ \"tag\": {}, \"new_sqlite_classes\": [{list}] }}",
        quoted(tag)
    );
    let migration = |layout: Layout<'_>| -> String {
        let Layout { indent, unit, .. } = layout;
        if layout.spread {
            format!(
                "{{{nl}{indent}{unit}\"tag\": {},{nl}{indent}{unit}\"new_sqlite_classes\": [{list}]{nl}{indent}}}",
                quoted(tag)
            )
        } else {
            one_line.clone()
        }
    };
    let existing = root.properties.iter().find(|property| {
        let name = match &property.name {
            ObjectPropName::String(literal) => literal.value.as_ref(),
            ObjectPropName::Word(word) => word.value,
        };
        name == "migrations"
    });
    match existing {
        Some(property) => {
            let Value::Array(array) = &property.value else {
                return None;
            };
            let range = range_of(array.range);
            let container = Container {
                open: range.start,
                close: range.end.checked_sub(1)?,
                items: array
                    .elements
                    .iter()
                    .map(|element| range_of(element.range()))
                    .collect(),
            };
            if text.as_bytes().get(container.close) != Some(&b']') {
                return None;
            }
            // One migration per line, unless the last one spans lines.
            append_item(text, &container, &migration)
        }
        None => {
            let range = range_of(root.range);
            let container = Container {
                open: range.start,
                close: range.end.checked_sub(1)?,
                items: root
                    .properties
                    .iter()
                    .map(|property| range_of(property.range))
                    .collect(),
            };
            if text.as_bytes().get(container.close) != Some(&b'}') {
                return None;
            }
            append_item(text, &container, &|layout| {
                let Layout { indent, unit, .. } = layout;
                if layout.lines {
                    format!("\"migrations\": [{nl}{indent}{unit}{one_line}{nl}{indent}]")
                } else {
                    format!("\"migrations\": [{one_line}]")
                }
            })
        }
    }
}

/// The name of a TOML table header line (`[name]`, `[[name]]`, with an
/// optional comment); `None` for any other line.
fn toml_header(line: &str) -> Option<&str> {
    let line = line.trim();
    let body = match line.find('#') {
        Some(index) if !line[..index].contains(['"', '\'']) => line[..index].trim_end(),
        _ => line,
    };
    if !(body.starts_with('[') && body.ends_with(']')) || body.contains(',') || body.len() < 3 {
        return None;
    }
    let name = body[1..body.len() - 1].trim_matches(['[', ']']).trim();
    (!name.is_empty()).then_some(name)
}

fn toml_append(config: &WranglerConfig, tag: &str, classes: &[&str]) -> Option<Vec<Edit>> {
    let text = &config.text;
    let nl = newline_of(text);
    let list = class_list(classes);
    let table = |header_indent: &str, key_indent: &str| {
        format!(
            "{header_indent}[[migrations]]{nl}{key_indent}tag = {}{nl}{key_indent}new_sqlite_classes = [{list}]{nl}",
            quoted(tag)
        )
    };
    let Some(range) = config.migrations_range else {
        // No list yet: a new array-of-tables entry at the end of the file
        // (a `[[migrations]]` header always means the top-level key).
        let prefix = if text.is_empty() {
            ""
        } else if text.ends_with('\n') {
            nl
        } else if nl == "\r\n" {
            "\r\n\r\n"
        } else {
            "\n\n"
        };
        return Some(vec![Edit::insert(
            text.len(),
            format!("{prefix}{}", table("", "")),
        )]);
    };
    // Only the `[[migrations]]` form: an inline `migrations = [...]` is left
    // to the person (tables cannot extend it).
    if !text[range.start..].starts_with("[[") {
        return None;
    }
    let header = config.migrations.last()?.range;
    let header_indent = line_indent(text, header.start).to_string();
    // The table's body runs to the next header; the new table goes after its
    // last key (comments and blank lines before the next header stay with it).
    let mut position = text[header.end..]
        .find('\n')
        .map_or(text.len(), |offset| header.end + offset + 1);
    let mut insert_at = position;
    let mut key_indent: Option<String> = None;
    while position < text.len() {
        let end = text[position..]
            .find('\n')
            .map_or(text.len(), |offset| position + offset + 1);
        let line = &text[position..end];
        let trimmed = line.trim();
        // Sub-tables of the migration (`[[migrations.renamed_classes]]`)
        // are part of its body.
        if toml_header(trimmed).is_some_and(|name| !name.starts_with("migrations.")) {
            break;
        }
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            key_indent.get_or_insert_with(|| line_indent(text, position).to_string());
            insert_at = end;
        }
        position = end;
    }
    let key_indent = key_indent.unwrap_or_default();
    let needs_newline = insert_at == text.len() && !text.ends_with('\n');
    let prefix = if needs_newline {
        format!("{nl}{nl}")
    } else {
        nl.to_string()
    };
    Some(vec![Edit::insert(
        insert_at,
        format!("{prefix}{}", table(&header_indent, &key_indent)),
    )])
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn append(name: &str, text: &str, classes: &[&str]) -> Option<String> {
        let config = WranglerConfig::parse(Path::new(name), text.into()).unwrap();
        let tag = next_migration_tag(&config.migrations);
        append_sqlite_migration(&config, &tag, classes).map(|edits| apply(text, &edits))
    }

    #[test]
    fn next_tags() {
        let parse = |text: &str| {
            WranglerConfig::parse(Path::new("wrangler.jsonc"), text.into())
                .unwrap()
                .migrations
        };
        assert_eq!(next_migration_tag(&[]), "v1");
        assert_eq!(
            next_migration_tag(&parse(r#"{"migrations":[{"tag":"v1"},{"tag":"v7"}]}"#)),
            "v8"
        );
        assert_eq!(
            next_migration_tag(&parse(r#"{"migrations":[{"tag":"init"},{"tag":"v3"}]}"#)),
            "v4"
        );
        assert_eq!(
            next_migration_tag(&parse(
                r#"{"migrations":[{"tag":"init"},{"tag":"second"}]}"#
            )),
            "v3"
        );
        assert_eq!(
            next_migration_tag(&parse(
                r#"{"migrations":[{"tag":"v1-init"},{"tag":"v2-rooms"}]}"#
            )),
            "v3"
        );
    }

    #[test]
    fn jsonc_multi_line_keeps_comments_and_commas() {
        let text = r#"{
  // The chat worker.
  "name": "chat",
  "migrations": [
    // First deploy.
    { "tag": "v1", "new_sqlite_classes": ["Room"] } // rooms
  ]
}
"#;
        let after = append("wrangler.jsonc", text, &["Lobby"]).unwrap();
        assert_eq!(
            after,
            r#"{
  // The chat worker.
  "name": "chat",
  "migrations": [
    // First deploy.
    { "tag": "v1", "new_sqlite_classes": ["Room"] }, // rooms
    { "tag": "v2", "new_sqlite_classes": ["Lobby"] }
  ]
}
"#
        );
    }

    #[test]
    fn jsonc_trailing_comma_and_multi_line_entries() {
        let text = "{\n\t\"migrations\": [\n\t\t{\n\t\t\t\"tag\": \"v1\",\n\t\t\t\"new_classes\": [\"Room\"],\n\t\t},\n\t],\n}\n";
        let after = append("wrangler.jsonc", text, &["Lobby"]).unwrap();
        assert_eq!(
            after,
            "{\n\t\"migrations\": [\n\t\t{\n\t\t\t\"tag\": \"v1\",\n\t\t\t\"new_classes\": [\"Room\"],\n\t\t},\n\t\t{\n\t\t\t\"tag\": \"v2\",\n\t\t\t\"new_sqlite_classes\": [\"Lobby\"]\n\t\t},\n\t],\n}\n"
        );
    }

    #[test]
    fn json_one_line_and_empty_lists() {
        let after = append(
            "wrangler.json",
            r#"{"name": "a", "migrations": [{"tag": "v1", "new_sqlite_classes": ["A"]}]}"#,
            &["B"],
        )
        .unwrap();
        assert_eq!(
            after,
            r#"{"name": "a", "migrations": [{"tag": "v1", "new_sqlite_classes": ["A"]}, { "tag": "v2", "new_sqlite_classes": ["B"] }]}"#
        );
        let after = append("wrangler.json", "{\n  \"migrations\": []\n}\n", &["B"]).unwrap();
        assert_eq!(
            after,
            "{\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"B\"] }\n  ]\n}\n"
        );
    }

    #[test]
    fn jsonc_creates_the_list() {
        let text = "{\n  \"name\": \"a\",\n  \"durable_objects\": {\n    \"bindings\": [{ \"name\": \"A\", \"class_name\": \"A\" }]\n  } // bindings\n}\n";
        let after = append("wrangler.jsonc", text, &["A"]).unwrap();
        assert_eq!(
            after,
            "{\n  \"name\": \"a\",\n  \"durable_objects\": {\n    \"bindings\": [{ \"name\": \"A\", \"class_name\": \"A\" }]\n  }, // bindings\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\n  ]\n}\n"
        );
        let after = append("wrangler.json", "{}", &["A"]).unwrap();
        assert_eq!(
            after,
            "{\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\n  ]\n}"
        );
    }

    #[test]
    fn toml_appends_a_table_after_the_last_one() {
        let text = "name = \"a\"\n\n[[migrations]]\ntag = \"v1\" # first\nnew_classes = [\"A\"]\n\n# production\n[env.production]\nname = \"p\"\n";
        let after = append("wrangler.toml", text, &["B"]).unwrap();
        assert_eq!(
            after,
            "name = \"a\"\n\n[[migrations]]\ntag = \"v1\" # first\nnew_classes = [\"A\"]\n\n[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"B\"]\n\n# production\n[env.production]\nname = \"p\"\n"
        );
    }

    #[test]
    fn toml_sub_tables_belong_to_the_migration() {
        let text = "[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n\n[[migrations]]\ntag = \"v2\"\n[[migrations.renamed_classes]]\nfrom = \"A\"\nto = \"B\"\n\n[vars]\nX = \"1\"\n";
        let after = append("wrangler.toml", text, &["C"]).unwrap();
        assert_eq!(
            after,
            "[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n\n[[migrations]]\ntag = \"v2\"\n[[migrations.renamed_classes]]\nfrom = \"A\"\nto = \"B\"\n\n[[migrations]]\ntag = \"v3\"\nnew_sqlite_classes = [\"C\"]\n\n[vars]\nX = \"1\"\n"
        );
    }

    #[test]
    fn toml_creates_the_list_and_leaves_inline_arrays() {
        let after = append("wrangler.toml", "name = \"a\"", &["B"]).unwrap();
        assert_eq!(
            after,
            "name = \"a\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"B\"]\n"
        );
        assert!(
            append(
                "wrangler.toml",
                "migrations = [{ tag = \"v1\", new_classes = [\"A\"] }]\n",
                &["B"]
            )
            .is_none()
        );
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let text = "{\r\n  \"migrations\": [\r\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\r\n  ]\r\n}\r\n";
        let after = append("wrangler.jsonc", text, &["B"]).unwrap();
        assert!(!after.replace("\r\n", "").contains('\n'));
        assert!(after.contains("\"v2\""));
    }
}
