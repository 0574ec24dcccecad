//! Suppression comments.
//!
//! `// do-wizard-ignore DO707: reason` (or `# do-wizard-ignore …` in TOML, or
//! inside `/* … */`) silences the listed codes for a finding that starts on
//! the same line (trailing comment) or on the line directly below. Several
//! codes may be listed, separated by commas or spaces; the reason after `:`
//! is for people.
//!
//! Lines are the file's lines as [`LineIndex`] counts them (a lone CR, and
//! in JavaScript U+2028/U+2029, end a line too), so "the line above" is the
//! line the report shows above.

use crate::text::LineIndex;

pub const MARKER: &str = "do-wizard-ignore";

/// Whether `code` is suppressed for a finding starting at byte `offset` of
/// `text`, whose lines `lines` indexes.
pub fn is_suppressed(text: &str, lines: &LineIndex, offset: usize, code: &str) -> bool {
    let line = lines.line_number(text, offset);
    if lines
        .line(text, line)
        .is_some_and(|current| line_mentions(current, code))
    {
        return true;
    }
    let Some(previous) = line
        .checked_sub(1)
        .and_then(|above| lines.line(text, above))
    else {
        return false;
    };
    // The line above must be only a comment.
    let trimmed = previous.trim_start();
    (trimmed.starts_with("//") || trimmed.starts_with('#') || trimmed.starts_with("/*"))
        && line_mentions(previous, code)
}

fn line_mentions(line: &str, code: &str) -> bool {
    let Some(index) = line.find(MARKER) else {
        return false;
    };
    let before = &line[..index];
    if !(before.contains("//") || before.contains('#') || before.contains("/*")) {
        return false;
    }
    let rest = &line[index + MARKER.len()..];
    let codes = rest.split(':').next().unwrap_or("");
    codes
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|token| token.trim_end_matches("*/"))
        .any(|token| token.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::LineEndings;

    fn is_suppressed(text: &str, offset: usize, code: &str) -> bool {
        let lines = LineIndex::new(text, LineEndings::JavaScript);
        super::is_suppressed(text, &lines, offset, code)
    }

    /// Regression: with CR-only line endings the whole file was one line,
    /// so one suppression comment silenced that code everywhere in it.
    #[test]
    fn cr_only_line_endings_suppress_only_the_line_below() {
        let text = "// do-wizard-ignore DO205: fine here\rfirst();\rsecond();\r";
        let offset = |needle: &str| text.find(needle).unwrap();
        assert!(is_suppressed(text, offset("first"), "DO205"));
        assert!(!is_suppressed(text, offset("second"), "DO205"));
    }

    #[test]
    fn line_above_and_trailing_comments() {
        let text = "a\n// do-wizard-ignore DO707: legacy backend chosen\nnew_classes\nx // do-wizard-ignore DO201, DO202\n# do-wizard-ignore DO701\ny";
        let offset = |needle: &str| text.find(needle).unwrap();
        assert!(is_suppressed(text, offset("new_classes"), "DO707"));
        assert!(!is_suppressed(text, offset("new_classes"), "DO701"));
        assert!(is_suppressed(text, offset("x //"), "DO202"));
        assert!(is_suppressed(text, offset("\ny") + 1, "DO701"));
        assert!(!is_suppressed(text, 0, "DO707"));
    }

    #[test]
    fn marker_outside_a_comment_does_not_count() {
        let text = "const s = \"do-wizard-ignore DO201\";";
        assert!(!is_suppressed(text, 0, "DO201"));
    }
}
