//! Markdown for a terminal: what `do-wizard explain` shows when stdout is a
//! terminal (piped, it prints the markdown itself).
//!
//! Only what the rule documentation uses: `#` headings (bold), paragraphs
//! and `-`/`1.` list items (joined and wrapped at word boundaries to the
//! width), `**bold**`, `` `code` `` (cyan without the backticks when colour
//! is allowed, backticks kept otherwise), `[text](url)` links (as
//! `text <url>`), fenced code blocks (indented by four spaces, kept
//! verbatim), indented lines (kept verbatim) and `---` rules.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Code,
}

/// A word: the styled pieces between two spaces (e.g. `` `sql.exec`, ``
/// is a code piece then a plain comma).
type Word = Vec<(String, Style)>;

/// `markdown` rendered for a terminal `width` columns wide; `colour` allows
/// escape codes (bold, cyan), without it the text is plain.
pub fn render(markdown: &str, width: usize, colour: bool) -> String {
    let width = width.max(20);
    let mut out = String::new();
    // The open paragraph or list item: its first-line prefix, the prefix of
    // the lines after it, and its text so far.
    let mut block: Option<(String, String, String)> = None;
    let mut fence = false;
    let flush = |block: &mut Option<(String, String, String)>, out: &mut String| {
        if let Some((first, rest, text)) = block.take() {
            for line in wrap_styled(&words(&inline(&text, colour)), width, &first, &rest, colour) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    };
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if fence {
            if trimmed.starts_with("```") {
                fence = false;
            } else {
                out.push_str(format!("    {line}").trim_end());
                out.push('\n');
            }
            continue;
        }
        if trimmed.starts_with("```") {
            flush(&mut block, &mut out);
            fence = true;
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut block, &mut out);
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            continue;
        }
        if let Some(heading) = heading(line) {
            flush(&mut block, &mut out);
            let text = format!("**{}**", heading.replace("**", ""));
            for line in wrap_styled(&words(&inline(&text, colour)), width, "", "", colour) {
                out.push_str(&line);
                out.push('\n');
            }
            continue;
        }
        if matches!(line.trim_end(), "---" | "***" | "___") {
            flush(&mut block, &mut out);
            out.push_str(&"─".repeat(width.min(80)));
            out.push('\n');
            continue;
        }
        if let Some((marker, text)) = list_item(line) {
            flush(&mut block, &mut out);
            let hang = " ".repeat(marker.chars().count());
            block = Some((marker, hang, text.to_string()));
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match &mut block {
                // A list item's continuation line.
                Some((first, _, text)) if !first.is_empty() => {
                    text.push(' ');
                    text.push_str(trimmed);
                }
                _ => {
                    flush(&mut block, &mut out);
                    out.push_str(line.trim_end());
                    out.push('\n');
                }
            }
            continue;
        }
        match &mut block {
            Some((_, _, text)) => {
                text.push(' ');
                text.push_str(line.trim());
            }
            None => block = Some((String::new(), String::new(), line.trim().to_string())),
        }
    }
    flush(&mut block, &mut out);
    out
}

/// The text of an ATX heading (`# Title` … `###### Title`).
fn heading(line: &str) -> Option<&str> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
        Some(line[hashes..].trim())
    } else {
        None
    }
}

/// A list item's marker (with its space) and text: `- x`, `* x`, `1. x`.
fn list_item(line: &str) -> Option<(String, &str)> {
    for bullet in ["- ", "* "] {
        if let Some(text) = line.strip_prefix(bullet) {
            return Some((bullet.to_string(), text.trim()));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(". ") {
        return Some((line[..digits + 2].to_string(), line[digits + 2..].trim()));
    }
    None
}

/// Inline markup as styled segments.
fn inline(text: &str, colour: bool) -> Vec<(String, Style)> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let push = |out: &mut Vec<(String, Style)>, plain: &mut String, segment, style| {
        if !plain.is_empty() {
            out.push((std::mem::take(plain), Style::Plain));
        }
        out.push((segment, style));
    };
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
            && end > 0
        {
            push(&mut out, &mut plain, after[..end].to_string(), Style::Bold);
            rest = &after[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
        {
            let code = if colour {
                after[..end].to_string()
            } else {
                format!("`{}`", &after[..end])
            };
            push(&mut out, &mut plain, code, Style::Code);
            rest = &after[end + 1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('[')
            && let Some(close) = after.find("](")
            && let Some(end) = after[close + 2..].find(')')
        {
            let label = &after[..close];
            let url = &after[close + 2..close + 2 + end];
            plain.push_str(label);
            if url != label {
                plain.push_str(&format!(" <{url}>"));
            }
            rest = &after[close + 2 + end + 1..];
            continue;
        }
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !plain.is_empty() {
        out.push((plain, Style::Plain));
    }
    out
}

/// Styled segments split at white space into words.
fn words(segments: &[(String, Style)]) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current: Word = Vec::new();
    for (text, style) in segments {
        let mut piece = String::new();
        for c in text.chars() {
            if c.is_whitespace() {
                if !piece.is_empty() {
                    current.push((std::mem::take(&mut piece), *style));
                }
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            } else {
                piece.push(c);
            }
        }
        if !piece.is_empty() {
            current.push((piece, *style));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn word_width(word: &Word) -> usize {
    word.iter().map(|(text, _)| text.chars().count()).sum()
}

/// Words filled greedily into lines of at most `width` columns (a word
/// longer than a line gets a line of its own), `first` before the first
/// line and `rest` before the others.
fn wrap_styled(words: &[Word], width: usize, first: &str, rest: &str, colour: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut used = first.chars().count();
    let mut empty = true;
    for word in words {
        let needed = word_width(word) + usize::from(!empty);
        if !empty && used + needed > width {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            used = rest.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            used += 1;
        }
        for (text, style) in word {
            match (style, colour) {
                (Style::Bold, true) => line.push_str(&format!("\x1b[1m{text}\x1b[0m")),
                (Style::Code, true) => line.push_str(&format!("\x1b[36m{text}\x1b[0m")),
                _ => line.push_str(text),
            }
        }
        used += word_width(word);
        empty = false;
    }
    if !empty {
        lines.push(line);
    }
    lines
}

/// Plain `text` wrapped at word boundaries to lines of at most `width`
/// columns (a longer word is cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let words: Vec<Word> = words(&[(text.to_string(), Style::Plain)])
        .into_iter()
        .flat_map(|word| {
            // For a table cell: a word wider than the cell is cut into
            // pieces that fit.
            let chars: Vec<char> = word.iter().flat_map(|(text, _)| text.chars()).collect();
            chars
                .chunks(width)
                .map(|chunk| vec![(chunk.iter().collect::<String>(), Style::Plain)])
                .collect::<Vec<Word>>()
        })
        .collect();
    wrap_styled(&words, width, "", "", false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# DO999 sample-rule\n\nArea: queries · Fix: none\n\n**What it does**\n\nChecks every `SELECT` run through\n`sql.exec` against a table, and reports the query when no index serves it; see [the docs](https://example.com/docs).\n\n```ts\nthis.ctx.storage.sql.exec(\"SELECT * FROM messages WHERE room = ? ORDER BY created_at DESC LIMIT 50\", room);\n```\n\n- https://example.com/a-very-long-reference-that-is-longer-than-the-width-of-the-terminal\n- a list item that is long enough\n  to wrap onto a second line\n\n---\nSilence it:\n  // do-wizard-ignore CODE: why\n";

    #[test]
    fn explain_in_a_terminal_renders_the_markdown_to_the_width() {
        let text = render(DOC, 40, false);
        assert!(!text.contains("**") && !text.contains("# DO999"), "{text}");
        assert!(text.starts_with("DO999 sample-rule\n"), "{text}");
        assert!(text.contains("`SELECT`"), "{text}");
        assert!(
            text.contains("the docs <https://example.com/docs>"),
            "{text}"
        );
        // Code is indented and kept whole, however wide.
        assert!(
            text.contains("\n    this.ctx.storage.sql.exec(\"SELECT * FROM messages WHERE room = ? ORDER BY created_at DESC LIMIT 50\", room);\n"),
            "{text}"
        );
        assert!(!text.contains("```"), "{text}");
        assert!(
            text.contains("\n  // do-wizard-ignore CODE: why\n"),
            "{text}"
        );
        assert!(
            text.contains("- a list item that is long enough to\n  wrap onto"),
            "{text}"
        );
        for line in text.lines() {
            let verbatim = line.starts_with("    this") || line.starts_with("- https");
            assert!(verbatim || line.chars().count() <= 40, "too wide: {line:?}");
        }
    }

    #[test]
    fn explain_in_a_colour_terminal_makes_headings_and_bold_bold() {
        let text = render(DOC, 80, true);
        assert!(
            text.starts_with("\x1b[1mDO999\x1b[0m \x1b[1msample-rule\x1b[0m\n"),
            "{text}"
        );
        assert!(
            text.contains("\x1b[1mWhat\x1b[0m \x1b[1mit\x1b[0m"),
            "{text}"
        );
        assert!(text.contains("\x1b[36mSELECT\x1b[0m"), "{text}");
        assert!(!text.contains('`'), "{text}");
    }

    #[test]
    fn wrap_breaks_at_word_boundaries_only() {
        assert_eq!(
            wrap("Durable Objects bill for every row read", 16),
            ["Durable Objects", "bill for every", "row read"]
        );
        assert_eq!(wrap("unbreakable here", 5), ["unbre", "akabl", "e", "here"]);
    }
}
