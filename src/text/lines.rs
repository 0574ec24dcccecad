//! Line and column positions: the one line index.
//!
//! Which characters end a line depends on the language, and the positions
//! we print must agree with the editor and the parser:
//!
//! - JavaScript and TypeScript ([`LineEndings::JavaScript`]): LF, CRLF, a
//!   lone CR, U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR, the line
//!   terminators of ECMA-262 (§12.3), which oxc counts too;
//! - wrangler configs and answers files, JSON and TOML
//!   ([`LineEndings::Config`]): LF, CRLF and a lone CR. Neither format makes
//!   U+2028/U+2029 a line break (TOML allows them inside strings and
//!   comments), so counting them would move every later position.
//!
//! CRLF is one line break. Lines and columns are 1-based; a column counts
//! characters (Unicode scalar values), not bytes.

use std::path::Path;

use serde::Serialize;

use super::floor_char_boundary;

/// Which characters end a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEndings {
    /// LF, CRLF, CR, U+2028, U+2029.
    JavaScript,
    /// LF, CRLF, CR.
    Config,
}

impl LineEndings {
    /// The line endings of a file, by its name: `.json`, `.jsonc` and
    /// `.toml` are configs, everything else is source.
    pub fn for_path(path: &Path) -> Self {
        match path.extension().and_then(|extension| extension.to_str()) {
            Some("json" | "jsonc" | "toml") => LineEndings::Config,
            _ => LineEndings::JavaScript,
        }
    }
}

/// A line/column position, both 1-based (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (an offset past the end
    /// means the end). Scans up to `offset` once; for many positions in
    /// one text, build a [`LineIndex`].
    pub fn of(text: &str, offset: usize, endings: LineEndings) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let mut line = 1;
        let mut line_start = 0;
        for start in line_starts(text, endings) {
            if start > offset {
                break;
            }
            line += 1;
            line_start = start;
        }
        Position {
            line,
            column: text[line_start..offset].chars().count() + 1,
        }
    }
}

/// The byte offset where each line after the first starts.
fn line_starts(text: &str, endings: LineEndings) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    let mut index = 0;
    std::iter::from_fn(move || {
        while index < bytes.len() {
            let at = index;
            index += 1;
            match bytes[at] {
                b'\n' => return Some(index),
                b'\r' => {
                    if bytes.get(index) == Some(&b'\n') {
                        index += 1;
                    }
                    return Some(index);
                }
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                0xE2 if endings == LineEndings::JavaScript
                    && bytes.get(at + 1) == Some(&0x80)
                    && matches!(bytes.get(at + 2), Some(0xA8 | 0xA9)) =>
                {
                    index = at + 3;
                    return Some(index);
                }
                _ => {}
            }
        }
        None
    })
}

/// Where every line of a text starts, for positions and line text by number.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of each line's first character; `starts[0] == 0`.
    starts: Vec<usize>,
    /// Byte offset where each line's terminator begins (or the text ends).
    ends: Vec<usize>,
    /// Inside lines longer than [`ANCHOR_SPACING`] bytes (minified code):
    /// `(byte offset, characters from the line start)` about every
    /// [`ANCHOR_SPACING`] bytes, sorted, so a column is counted from the
    /// nearest anchor and a position costs at most that many bytes.
    anchors: Vec<(usize, usize)>,
}

/// Bytes between two column anchors in a long line.
const ANCHOR_SPACING: usize = 4096;

impl LineIndex {
    /// Index `text`; linear in its length.
    pub fn new(text: &str, endings: LineEndings) -> Self {
        let mut starts = vec![0];
        let mut ends = Vec::new();
        for start in line_starts(text, endings) {
            ends.push(terminator_start(text, start));
            starts.push(start);
        }
        ends.push(text.len());
        let mut anchors = Vec::new();
        for (&start, &end) in starts.iter().zip(&ends) {
            let (mut at, mut column) = (start, 0);
            while end - at > ANCHOR_SPACING {
                let next = floor_char_boundary(text, at + ANCHOR_SPACING);
                column += text[at..next].chars().count();
                anchors.push((next, column));
                at = next;
            }
        }
        LineIndex {
            starts,
            ends,
            anchors,
        }
    }

    /// How many lines the text has (an empty text has one).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The position of byte `offset` of `text` (the text this index was
    /// built from).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.starts[line];
        // The nearest anchor at or before `offset`, if it is on this line.
        let (from, counted) = self.anchors[..self
            .anchors
            .partition_point(|&(anchor, _)| anchor <= offset)]
            .last()
            .filter(|&&(anchor, _)| anchor >= line_start)
            .copied()
            .unwrap_or((line_start, 0));
        Position {
            line: line + 1,
            column: counted + text[from..offset].chars().count() + 1,
        }
    }

    /// The 1-based line that holds byte `offset` of `text`.
    pub fn line_number(&self, text: &str, offset: usize) -> usize {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        self.starts.partition_point(|&start| start <= offset)
    }

    /// Every line of `text`, without terminators. Unlike [`str::lines`], a
    /// lone CR (and in JavaScript U+2028/U+2029) ends a line, and a final
    /// terminator is followed by an empty last line.
    pub fn lines<'s, 't: 's>(&'s self, text: &'t str) -> impl Iterator<Item = &'t str> + 's {
        self.starts
            .iter()
            .zip(&self.ends)
            .map(move |(&start, &end)| &text[start..end])
    }

    /// Line `number` (1-based) of `text` without its terminator; `None`
    /// past the last line.
    pub fn line<'t>(&self, text: &'t str, number: usize) -> Option<&'t str> {
        let index = number.checked_sub(1)?;
        Some(&text[*self.starts.get(index)?..self.ends[index]])
    }
}

/// Where the terminator that ends just before `next_start` begins.
fn terminator_start(text: &str, next_start: usize) -> usize {
    let before = &text.as_bytes()[..next_start];
    if before.ends_with(b"\r\n") {
        next_start - 2
    } else if before.ends_with("\u{2028}".as_bytes()) || before.ends_with("\u{2029}".as_bytes()) {
        next_start - 3
    } else {
        next_start - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str, offset: usize, endings: LineEndings) -> Position {
        let scanned = Position::of(text, offset, endings);
        let indexed = LineIndex::new(text, endings).position(text, offset);
        assert_eq!(scanned, indexed, "offset {offset} of {text:?}");
        scanned
    }

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\ncdé\nf";
        assert_eq!(both(text, 0, LineEndings::JavaScript), at(1, 1));
        assert_eq!(both(text, 3, LineEndings::JavaScript), at(2, 1));
        assert_eq!(both(text, 7, LineEndings::JavaScript), at(2, 4));
        assert_eq!(both(text, 100, LineEndings::JavaScript), at(3, 2));
    }

    #[test]
    fn crlf_is_one_line_break() {
        let text = "a\r\nbc\r\nd";
        assert_eq!(both(text, 3, LineEndings::Config), at(2, 1));
        assert_eq!(both(text, 4, LineEndings::Config), at(2, 2));
        assert_eq!(both(text, 7, LineEndings::Config), at(3, 1));
        let index = LineIndex::new(text, LineEndings::Config);
        assert_eq!(index.line_count(), 3);
        assert_eq!(index.line(text, 2), Some("bc"));
    }

    /// Regression: a file with CR-only line endings (classic Mac) was
    /// reported as one long line, every finding on line 1.
    #[test]
    fn cr_only_line_endings_give_the_right_line() {
        let text = "const a = 1;\rconst b = 2;\r\rfetch(x);";
        let offset = text.find("fetch").unwrap();
        for endings in [LineEndings::JavaScript, LineEndings::Config] {
            assert_eq!(both(text, offset, endings), at(4, 1));
        }
        let index = LineIndex::new(text, LineEndings::JavaScript);
        assert_eq!(index.line(text, 2), Some("const b = 2;"));
        assert_eq!(index.line(text, 3), Some(""));
        assert_eq!(index.line(text, 4), Some("fetch(x);"));
        assert_eq!(index.line(text, 5), None);
    }

    /// Regression: U+2028/U+2029 end a line in JavaScript (ECMA-262 line
    /// terminators; oxc and editors count them), but were not counted, so
    /// every later finding was reported lines too early.
    #[test]
    fn u2028_and_u2029_line_endings_give_the_right_line_in_javascript() {
        let text = "let a = 1;\u{2028}let b = 2;\u{2029}  fetch(x);";
        let offset = text.find("fetch").unwrap();
        assert_eq!(both(text, offset, LineEndings::JavaScript), at(3, 3));
        let index = LineIndex::new(text, LineEndings::JavaScript);
        assert_eq!(index.line(text, 2), Some("let b = 2;"));
        assert_eq!(index.line(text, 3), Some("  fetch(x);"));
        // In a config they are ordinary characters.
        assert_eq!(both(text, offset, LineEndings::Config).line, 1);
    }

    /// A minified line of megabytes: the index counts columns from an
    /// anchor near the offset, and gets the same answer as a full scan.
    #[test]
    fn long_lines_give_the_same_columns_as_a_scan() {
        let line = "é".repeat(3000) + "x;" + &"ü".repeat(5000);
        let text = format!("{line}\r\n{line}\n\n{}", "y".repeat(9000));
        for endings in [LineEndings::JavaScript, LineEndings::Config] {
            let index = LineIndex::new(&text, endings);
            for offset in (0..=text.len() + 2).step_by(97) {
                assert_eq!(
                    index.position(&text, offset),
                    Position::of(&text, offset, endings),
                    "offset {offset}"
                );
            }
        }
    }

    #[test]
    fn an_offset_inside_a_character_counts_from_its_start() {
        let text = "é";
        assert_eq!(both(text, 1, LineEndings::JavaScript), at(1, 1));
    }

    #[test]
    fn configs_and_sources_are_told_apart_by_extension() {
        assert_eq!(
            LineEndings::for_path(Path::new("wrangler.toml")),
            LineEndings::Config
        );
        assert_eq!(
            LineEndings::for_path(Path::new("a/wrangler.jsonc")),
            LineEndings::Config
        );
        assert_eq!(
            LineEndings::for_path(Path::new("src/index.ts")),
            LineEndings::JavaScript
        );
        assert_eq!(
            LineEndings::for_path(Path::new("worker.mjs")),
            LineEndings::JavaScript
        );
    }
}
