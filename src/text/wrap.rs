//! Word wrapping and truncation of plain text to a width in characters, for
//! the prompts, the plain review and the full-screen views alike. Pure
//! functions of their arguments; widths count characters.

/// Word-wrap `text` to `width` columns; words longer than a line are cut.
/// Leading spaces of the first line are kept (for indented text).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    let indent: String = text.chars().take_while(|c| *c == ' ').collect();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        let needed = if current.is_empty() {
            word.chars().count()
        } else {
            current.chars().count() + 1 + word.chars().count()
        };
        if needed > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        let mut word = word.to_string();
        while word.chars().count() > width {
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            lines.push(head);
        }
        if current.is_empty() {
            if lines.is_empty() {
                current.push_str(&indent);
            }
            current.push_str(&word);
        } else {
            current.push(' ');
            current.push_str(&word);
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Word-wrap `text` to `width`, indenting every line after the first by
/// `hanging` spaces (for bullets and `label: value` lists).
pub fn wrap_hanging(text: &str, width: usize, hanging: usize) -> Vec<String> {
    let first = wrap(text, width);
    let Some(head) = first.first() else {
        return first;
    };
    // The words the first line took, counted, so spacing in `text` does
    // not matter.
    let taken = head.split(' ').filter(|word| !word.is_empty()).count();
    let words: Vec<&str> = text.split(' ').filter(|word| !word.is_empty()).collect();
    let rest = words.get(taken..).unwrap_or_default().join(" ");
    let mut lines = vec![head.clone()];
    if !rest.is_empty() {
        let narrower = width.saturating_sub(hanging).max(1);
        lines.extend(
            wrap(&rest, narrower)
                .into_iter()
                .map(|line| format!("{}{line}", " ".repeat(hanging))),
        );
    }
    lines
}

/// Word-wrap each line of `text` to `width` (less one column, so a line
/// never touches the edge), continuing a wrapped line under its text: after
/// its indent and any `- ` bullet. For plain text printed line by line.
pub fn wrap_block(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let hanging = indent
            + if line.trim_start().starts_with("- ") {
                2
            } else {
                0
            };
        for piece in wrap_hanging(line, width.saturating_sub(1).max(20), hanging) {
            out.push_str(&piece);
            out.push('\n');
        }
    }
    out
}

/// `text` cut to `width` characters, with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_cuts_long_ones() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("  indented text", 20), ["  indented text"]);
    }

    #[test]
    fn wrap_hanging_indents_continuations() {
        assert_eq!(
            wrap_hanging("  - one two three four", 12, 4),
            ["  - one two", "    three", "    four"]
        );
        assert_eq!(wrap_hanging("a  b", 80, 2), ["a  b".replace("  ", " ")]);
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
