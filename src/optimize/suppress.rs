//! Suppression comments.
//!
//! `// do-wizard-ignore DO707: reason` (or `# do-wizard-ignore …` in TOML, or
//! inside `/* … */`) silences the listed codes for a finding that starts on
//! the same line (trailing comment) or on the line directly below. Several
//! codes may be listed, separated by commas or spaces; the reason after `:`
//! is for people.

const MARKER: &str = "do-wizard-ignore";

/// Whether `code` is suppressed for a finding starting at byte `offset`.
pub fn is_suppressed(text: &str, offset: usize, code: &str) -> bool {
    let offset = crate::text::floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |index| index + 1);
    let line_end = text[offset..]
        .find('\n')
        .map_or(text.len(), |index| offset + index);
    if line_mentions(&text[line_start..line_end], code) {
        return true;
    }
    if line_start == 0 {
        return false;
    }
    let previous_end = line_start - 1;
    let previous_start = text[..previous_end]
        .rfind('\n')
        .map_or(0, |index| index + 1);
    let previous = &text[previous_start..previous_end];
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
