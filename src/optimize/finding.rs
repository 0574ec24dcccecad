//! Findings and diagnostics: what the analyzer reports, independent of format.
//!
//! A finding carries byte ranges (kept from parsing) and the line/column they
//! map to, computed once from the file text when the finding is made (with
//! the file's line endings, [`crate::text::lines`]).

use std::path::PathBuf;

use serde::Serialize;

use crate::text::{Edit, Position, TextRange};

/// How serious a finding is; ordered `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    /// One level up (`Error` stays `Error`).
    pub fn raised(self) -> Self {
        match self {
            Severity::Info => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// The optimize area a rule answers (the first question's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    ColdStart,
    Queries,
    Memory,
    Websocket,
    Alarms,
    General,
}

impl Area {
    pub const ALL: [Area; 6] = [
        Area::ColdStart,
        Area::Queries,
        Area::Memory,
        Area::Websocket,
        Area::Alarms,
        Area::General,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::ColdStart => "cold-start",
            Area::Queries => "queries",
            Area::Memory => "memory",
            Area::Websocket => "websocket",
            Area::Alarms => "alarms",
            Area::General => "general",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Area::ALL.into_iter().find(|area| area.as_str() == text)
    }
}

/// Whether a machine-applicable fix may be applied without review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the program's meaning; `--fix` applies it.
    Safe,
    /// Probably right, but may change behaviour; shown, never applied.
    Unsafe,
    /// Only shown as a suggestion.
    DisplayOnly,
}

/// A machine-applicable fix: byte-range edits to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The file the edits apply to, relative to the scanned root.
    pub file: PathBuf,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// One problem found in the user's code or config.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub area: Area,
    /// Relative to the scanned root, `/`-separated.
    pub file: PathBuf,
    pub range: TextRange,
    pub start: Position,
    pub end: Position,
    /// What is wrong and why, naming the user's identifiers.
    pub message: String,
    /// The concrete change, written against the user's own code.
    pub fix: Option<String>,
    /// The expected effect, in words (and a figure with its assumption where
    /// the catalog has a basis).
    pub effect: String,
    #[serde(skip)]
    pub autofix: Option<Fix>,
}

/// What went wrong reading a file; the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// `error` for files that could not be analyzed, `note` for skipped ones.
    pub level: &'static str,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}
