//! The bottom layer: plain text and nothing else. Byte spans, edits and the
//! one way to apply them, line/column positions, the `/`-separated display
//! of paths, and word wrapping. Every other module may use this one; it uses
//! none of them.
//!
//! Invariants: spans are byte ranges into the text they were taken from,
//! half open, and stay bytes until a position is printed ([`lines`]); edits
//! never overlap when applied ([`apply`] takes them back to front).

pub mod lines;
pub mod wrap;

use std::path::Path;

pub use lines::{LineEndings, LineIndex, Position};

/// A byte range into a file's text, half open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// Replace `range` of a text with `replacement` (an empty range inserts).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edit {
    pub range: TextRange,
    pub replacement: String,
}

impl Edit {
    /// Insert `text` at byte `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit {
            range: TextRange::new(at, at),
            replacement: text.into(),
        }
    }
}

/// Apply edits that do not overlap, back to front so earlier ranges stay
/// valid. Callers that may hold overlapping edits choose which to keep
/// first (see the fix planner).
pub fn apply<'e>(text: &str, edits: impl IntoIterator<Item = &'e Edit>) -> String {
    let mut sorted: Vec<&Edit> = edits.into_iter().collect();
    sorted.sort_by_key(|edit| std::cmp::Reverse((edit.range.start, edit.range.end)));
    let mut out = text.to_string();
    for edit in sorted {
        out.replace_range(edit.range.start..edit.range.end, &edit.replacement);
    }
    out
}

/// The `/`-separated form of a relative path, for every report and message
/// (the same on Windows as elsewhere).
pub fn slash_path(path: &Path) -> String {
    path.components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The largest char boundary at or before `offset` (which must be at most
/// `text.len()`).
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_takes_edits_back_to_front_whatever_their_order() {
        let edits = [
            Edit::insert(0, "<"),
            Edit {
                range: TextRange::new(4, 7),
                replacement: "X".into(),
            },
            Edit::insert(7, ">"),
        ];
        assert_eq!(apply("abc def", &edits), "<abc X>");
        assert_eq!(apply("abc def", edits.iter().rev()), "<abc X>");
    }

    #[test]
    fn slash_path_joins_components_with_slashes() {
        assert_eq!(
            slash_path(Path::new("apps/chat/wrangler.jsonc")),
            "apps/chat/wrangler.jsonc"
        );
        assert_eq!(slash_path(Path::new("index.ts")), "index.ts");
    }
}
