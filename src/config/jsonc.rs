//! `wrangler.jsonc` / `wrangler.json`: JSON with comments and trailing commas,
//! read with `jsonc-parser`, keeping byte ranges.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::node::{Node, NodeValue, read_document};
use super::{ConfigError, Spanned, WranglerConfig};
use crate::text::TextRange;

pub(super) fn read(text: &str, config: &mut WranglerConfig) -> Result<(), ConfigError> {
    let parsed = parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()).map_err(
        |error| ConfigError {
            message: error.kind().to_string(),
            offset: Some(error.range().start),
        },
    )?;
    let Some(value) = parsed.value else {
        return Err(ConfigError {
            message: "the file holds no JSON value".into(),
            offset: Some(0),
        });
    };
    let root = convert(&value);
    if !matches!(root.value, NodeValue::Table(_)) {
        return Err(ConfigError {
            message: "expected a JSON object at the top level".into(),
            offset: Some(root.range.start),
        });
    }
    read_document(&root, config);
    Ok(())
}

fn range(range: jsonc_parser::common::Range) -> TextRange {
    TextRange::new(range.start, range.end)
}

fn convert(value: &Value<'_>) -> Node {
    match value {
        Value::StringLit(lit) => Node {
            value: NodeValue::String(lit.value.to_string()),
            range: range(lit.range),
        },
        Value::NumberLit(lit) => Node {
            value: NodeValue::Scalar(lit.value.to_string()),
            range: range(lit.range),
        },
        Value::BooleanLit(lit) => Node {
            value: NodeValue::Scalar(lit.value.to_string()),
            range: range(lit.range),
        },
        Value::NullKeyword(null) => Node {
            value: NodeValue::Scalar("null".into()),
            range: range(null.range),
        },
        Value::Array(array) => Node {
            value: NodeValue::Array(array.elements.iter().map(convert).collect()),
            range: range(array.range),
        },
        Value::Object(object) => Node {
            value: NodeValue::Table(
                object
                    .properties
                    .iter()
                    .map(|prop| {
                        let (name, name_range) = match &prop.name {
                            ObjectPropName::String(lit) => (lit.value.to_string(), lit.range),
                            ObjectPropName::Word(word) => (word.value.to_string(), word.range),
                        };
                        (Spanned::new(name, range(name_range)), convert(&prop.value))
                    })
                    .collect(),
            ),
            range: range(object.range),
        },
    }
}
