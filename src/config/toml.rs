//! `wrangler.toml`, read with `toml`'s spanned document parser.

use toml::Spanned as TomlSpanned;
use toml::de::{DeTable, DeValue};

use super::node::{Node, NodeValue, read_document};
use super::{ConfigError, Spanned, WranglerConfig};
use crate::text::TextRange;

pub(super) fn read(text: &str, config: &mut WranglerConfig) -> Result<(), ConfigError> {
    let document = DeTable::parse(text).map_err(|error| ConfigError {
        message: error.message().to_string(),
        offset: error.span().map(|span| span.start),
    })?;
    let span = document.span();
    let root = Node {
        value: table(document.get_ref()),
        range: TextRange::new(span.start, span.end),
    };
    read_document(&root, config);
    Ok(())
}

fn table(table: &DeTable<'_>) -> NodeValue {
    NodeValue::Table(
        table
            .iter()
            .map(|(key, value)| {
                let key_span = key.span();
                (
                    Spanned::new(
                        key.get_ref().to_string(),
                        TextRange::new(key_span.start, key_span.end),
                    ),
                    convert(value),
                )
            })
            .collect(),
    )
}

fn convert(value: &TomlSpanned<DeValue<'_>>) -> Node {
    let span = value.span();
    let value = match value.get_ref() {
        DeValue::String(text) => NodeValue::String(text.to_string()),
        DeValue::Integer(number) => NodeValue::Scalar(number.to_string()),
        DeValue::Float(number) => NodeValue::Scalar(number.to_string()),
        DeValue::Boolean(flag) => NodeValue::Scalar(flag.to_string()),
        DeValue::Datetime(date) => NodeValue::Scalar(date.to_string()),
        DeValue::Array(items) => NodeValue::Array(items.iter().map(convert).collect()),
        DeValue::Table(inner) => table(inner),
    };
    Node {
        value,
        range: TextRange::new(span.start, span.end),
    }
}
