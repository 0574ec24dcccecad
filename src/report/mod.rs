//! Reports: one file per format, each a pure function of an [`Analysis`].
//!
//! - [`human`]: `file:line:col`, a code frame with a caret, the fix and the
//!   effect, like rustc and ruff; ANSI colours only when asked.
//! - [`markdown`]: findings in priority order, how to measure, monitoring,
//!   next steps.
//! - [`json`]: a stable, versioned schema (see `docs/json-schema.md`).
//! - [`sarif`]: SARIF 2.1.0 for GitHub code scanning.

pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use crate::optimize::Analysis;

/// The output formats of `do-wizard optimize --format` (the command-line
/// names are given in `cli.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Sarif,
}

/// Render an analysis in a format.
pub fn render(analysis: &Analysis, format: Format, colour: bool) -> String {
    match format {
        Format::Text => human::render(analysis, colour),
        Format::Markdown => markdown::render(analysis),
        Format::Json => json::render(analysis),
        Format::Sarif => sarif::render(analysis),
    }
}
