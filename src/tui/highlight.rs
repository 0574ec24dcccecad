//! A small, honest syntax highlighter for the files the wizard writes and
//! reads: TypeScript / JavaScript, JSON and JSONC, Markdown, and `#`-comment
//! files (`.gitignore`, TOML).
//!
//! It knows keywords, strings (template literals across lines included),
//! comments (block comments across lines included), numbers, and capitalised
//! names as types; Markdown headings, code, emphasis, links and list markers.
//! It does not parse: a regular-expression literal is plain text and a
//! `${…}` inside a template literal stays string-coloured. That is enough to
//! read a preview, and it costs no dependency.
//!
//! [`tokenize`] is pure (tested on token kinds); [`lines`] adds the styles.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::text::{LineEndings, LineIndex};

/// How a file is coloured, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    TypeScript,
    Json,
    Markdown,
    /// Lines starting with `#` are comments (`.gitignore`, TOML, shell).
    HashComments,
    Plain,
}

impl Language {
    pub fn for_path(path: &Path) -> Self {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or("");
        match extension {
            "ts" | "tsx" | "mts" | "cts" | "js" | "jsx" | "mjs" | "cjs" => Self::TypeScript,
            "json" | "jsonc" => Self::Json,
            "md" | "markdown" => Self::Markdown,
            "toml" | "sh" | "yaml" | "yml" => Self::HashComments,
            _ if name.starts_with('.') && name.ends_with("ignore") => Self::HashComments,
            _ => Self::Plain,
        }
    }
}

/// What a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Plain,
    Keyword,
    /// A capitalised name: a class, an interface, a type.
    Type,
    String,
    /// A key of a JSON object.
    Key,
    Comment,
    Number,
    Heading,
    Code,
    Emphasis,
    Link,
    /// A Markdown list or quote marker.
    Marker,
}

impl Token {
    pub fn style(self) -> Style {
        match self {
            Token::Plain => Style::new(),
            Token::Keyword => Style::new().fg(Color::Magenta),
            Token::Type => Style::new().fg(Color::Cyan),
            Token::String => Style::new().fg(Color::Green),
            Token::Key => Style::new().fg(Color::Blue),
            Token::Comment => Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::ITALIC),
            Token::Number => Style::new().fg(Color::Yellow),
            Token::Heading => Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            Token::Code => Style::new().fg(Color::Yellow),
            Token::Emphasis => Style::new().add_modifier(Modifier::BOLD),
            Token::Link => Style::new()
                .fg(Color::Cyan)
                .add_modifier(Modifier::UNDERLINED),
            Token::Marker => Style::new().fg(Color::Magenta),
        }
    }
}

const TS_KEYWORDS: &[&str] = &[
    "abstract",
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "constructor",
    "continue",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "of",
    "private",
    "protected",
    "public",
    "readonly",
    "return",
    "satisfies",
    "set",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "yield",
];

/// A highlighted line: pieces of text with their kind.
pub type TokenLine = Vec<(Token, String)>;

/// Split `text` into lines of tokens. Tabs become two spaces.
pub fn tokenize(language: Language, text: &str) -> Vec<TokenLine> {
    let mut state = State::default();
    // Source lines end where the analyzer's positions say they do.
    let endings = match language {
        Language::TypeScript => LineEndings::JavaScript,
        _ => LineEndings::Config,
    };
    let index = LineIndex::new(text, endings);
    let mut lines: Vec<&str> = index.lines(text).collect();
    // Like `str::lines`: no empty line after a final terminator.
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|line| {
            let line = line.replace('\t', "  ");
            let mut out = Output::default();
            match language {
                Language::TypeScript => code_line(&line, &mut state, &mut out, false),
                Language::Json => code_line(&line, &mut state, &mut out, true),
                Language::Markdown => markdown_line(&line, &mut state, &mut out),
                Language::HashComments if line.trim_start().starts_with('#') => {
                    out.push(Token::Comment, &line)
                }
                Language::HashComments | Language::Plain => out.push(Token::Plain, &line),
            }
            out.tokens
        })
        .collect()
}

/// Styled lines, ready for a paragraph.
pub fn lines(language: Language, text: &str) -> Vec<Line<'static>> {
    tokenize(language, text)
        .into_iter()
        .map(|tokens| {
            Line::from(
                tokens
                    .into_iter()
                    .map(|(token, text)| Span::styled(text, token.style()))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// What carries over from one line to the next.
#[derive(Debug, Default)]
struct State {
    in_block_comment: bool,
    in_template: bool,
    in_fence: bool,
}

/// Collects tokens, merging neighbours of the same kind.
#[derive(Debug, Default)]
struct Output {
    tokens: TokenLine,
}

impl Output {
    fn push(&mut self, token: Token, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.tokens.last_mut() {
            Some((last, piece)) if *last == token => piece.push_str(text),
            _ => self.tokens.push((token, text.to_string())),
        }
    }
}

/// The byte index just past a closing `quote` (skipping escapes), if the
/// line has one from `from` on.
fn closing_quote(line: &str, from: usize, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (index, c) in line[from..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == quote => return Some(from + index + c.len_utf8()),
            _ => {}
        }
    }
    None
}

fn is_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_identifier_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// TypeScript, or JSON(C) when `json` is set (keys, and only `true`,
/// `false`, `null` as keywords).
fn code_line(line: &str, state: &mut State, out: &mut Output, json: bool) {
    let mut at = 0;
    if state.in_block_comment {
        match line.find("*/") {
            Some(end) => {
                out.push(Token::Comment, &line[..end + 2]);
                state.in_block_comment = false;
                at = end + 2;
            }
            None => return out.push(Token::Comment, line),
        }
    }
    if state.in_template {
        match closing_quote(line, 0, '`') {
            Some(end) => {
                out.push(Token::String, &line[..end]);
                state.in_template = false;
                at = end;
            }
            None => return out.push(Token::String, line),
        }
    }
    while at < line.len() {
        let rest = &line[at..];
        let c = rest.chars().next().expect("at is inside the line");
        if rest.starts_with("//") {
            out.push(Token::Comment, rest);
            return;
        }
        if let Some(body) = rest.strip_prefix("/*") {
            match body.find("*/") {
                Some(end) => {
                    out.push(Token::Comment, &rest[..end + 4]);
                    at += end + 4;
                }
                None => {
                    out.push(Token::Comment, rest);
                    state.in_block_comment = true;
                    return;
                }
            }
            continue;
        }
        if c == '"' || c == '\'' || c == '`' {
            match closing_quote(line, at + 1, c) {
                Some(end) => {
                    let is_key = json && line[end..].trim_start().starts_with(':');
                    out.push(
                        if is_key { Token::Key } else { Token::String },
                        &line[at..end],
                    );
                    at = end;
                }
                None => {
                    out.push(Token::String, rest);
                    state.in_template = c == '`';
                    return;
                }
            }
            continue;
        }
        let previous_is_word = line[..at]
            .chars()
            .next_back()
            .is_some_and(is_identifier_part);
        if c.is_ascii_digit() && !previous_is_word {
            let length = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            out.push(Token::Number, &rest[..length]);
            at += length;
            continue;
        }
        if c == '-' && json && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
            out.push(Token::Number, "-");
            at += 1;
            continue;
        }
        if is_identifier_start(c) {
            let length = rest
                .find(|c: char| !is_identifier_part(c))
                .unwrap_or(rest.len());
            let word = &rest[..length];
            let token = if json {
                match word {
                    "true" | "false" | "null" => Token::Keyword,
                    _ => Token::Plain,
                }
            } else if TS_KEYWORDS.contains(&word) {
                Token::Keyword
            } else if word.starts_with(|c: char| c.is_uppercase()) {
                Token::Type
            } else {
                Token::Plain
            };
            out.push(token, word);
            at += length;
            continue;
        }
        out.push(Token::Plain, &rest[..c.len_utf8()]);
        at += c.len_utf8();
    }
}

fn markdown_line(line: &str, state: &mut State, out: &mut Output) {
    let trimmed = line.trim_start();
    if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
        state.in_fence = !state.in_fence;
        return out.push(Token::Code, line);
    }
    if state.in_fence {
        return out.push(Token::Code, line);
    }
    if trimmed.starts_with('#') {
        return out.push(Token::Heading, line);
    }
    let indent = &line[..line.len() - trimmed.len()];
    out.push(Token::Plain, indent);
    let marker_length =
        if trimmed.starts_with("- ") || trimmed.starts_with("* ") || trimmed.starts_with("> ") {
            2
        } else {
            let digits = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
            if digits > 0 && trimmed[digits..].starts_with(". ") {
                digits + 2
            } else {
                0
            }
        };
    out.push(Token::Marker, &trimmed[..marker_length]);
    markdown_inline(&trimmed[marker_length..], out);
}

/// Inline code, `**strong**` text and `[links](…)`.
fn markdown_inline(text: &str, out: &mut Output) {
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let span = if let Some(body) = rest.strip_prefix('`') {
            body.find('`').map(|end| (Token::Code, end + 2))
        } else if let Some(body) = rest.strip_prefix("**") {
            body.find("**").map(|end| (Token::Emphasis, end + 4))
        } else if rest.starts_with('[') {
            rest.find("](")
                .and_then(|middle| rest[middle..].find(')').map(|end| middle + end + 1))
                .map(|end| (Token::Link, end))
        } else {
            None
        };
        match span {
            Some((token, length)) => {
                out.push(token, &rest[..length]);
                at += length;
            }
            None => {
                let length = rest.chars().next().map_or(1, char::len_utf8);
                out.push(Token::Plain, &rest[..length]);
                at += length;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of one line, as `kind:text` pairs, plain text left out.
    fn kinds(language: Language, text: &str) -> Vec<Vec<String>> {
        tokenize(language, text)
            .into_iter()
            .map(|line| {
                line.into_iter()
                    .filter(|(token, text)| *token != Token::Plain || !text.trim().is_empty())
                    .filter(|(token, _)| *token != Token::Plain)
                    .map(|(token, text)| format!("{token:?}:{text}"))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn typescript_keywords_strings_numbers_types_and_comments() {
        let source = "export class ChatRoom extends DurableObject<Env> {\n  const limit = 200; // max\n  const q = `SELECT *\n    FROM messages`;\n  /* a\n  b */ return 'ok';\n}";
        let lines = kinds(Language::TypeScript, source);
        assert_eq!(
            lines[0],
            [
                "Keyword:export",
                "Keyword:class",
                "Type:ChatRoom",
                "Keyword:extends",
                "Type:DurableObject",
                "Type:Env"
            ]
        );
        assert_eq!(lines[1], ["Keyword:const", "Number:200", "Comment:// max"]);
        assert_eq!(lines[2], ["Keyword:const", "String:`SELECT *"]);
        assert_eq!(lines[3], ["String:    FROM messages`"]);
        assert_eq!(lines[4], ["Comment:/* a"]);
        assert_eq!(
            lines[5],
            ["Comment:  b */", "Keyword:return", "String:'ok'"]
        );
    }

    #[test]
    fn identifiers_with_digits_are_not_numbers() {
        assert_eq!(
            kinds(Language::TypeScript, "let v2 = x1;")[0],
            ["Keyword:let"]
        );
    }

    #[test]
    fn jsonc_keys_values_and_comments() {
        let source =
            "{\n  // the worker\n  \"name\": \"chat\", \"n\": -1.5, \"on\": true /* x */\n}";
        let lines = kinds(Language::Json, source);
        assert_eq!(lines[1], ["Comment:// the worker"]);
        assert_eq!(
            lines[2],
            [
                "Key:\"name\"",
                "String:\"chat\"",
                "Key:\"n\"",
                "Number:-1.5",
                "Key:\"on\"",
                "Keyword:true",
                "Comment:/* x */"
            ]
        );
    }

    #[test]
    fn markdown_headings_fences_lists_and_inline() {
        let source = "# Chat\n- run `npm test` **now**, see [docs](https://x)\n```sh\n# not a heading\n```\n1. one";
        let lines = kinds(Language::Markdown, source);
        assert_eq!(lines[0], ["Heading:# Chat"]);
        assert_eq!(
            lines[1],
            [
                "Marker:- ",
                "Code:`npm test`",
                "Emphasis:**now**",
                "Link:[docs](https://x)"
            ]
        );
        assert_eq!(lines[2], ["Code:```sh"]);
        assert_eq!(lines[3], ["Code:# not a heading"]);
        assert_eq!(lines[5], ["Marker:1. "]);
    }

    #[test]
    fn languages_by_name_and_tabs() {
        assert_eq!(
            Language::for_path(Path::new("src/index.ts")),
            Language::TypeScript
        );
        assert_eq!(
            Language::for_path(Path::new("wrangler.jsonc")),
            Language::Json
        );
        assert_eq!(
            Language::for_path(Path::new("README.md")),
            Language::Markdown
        );
        assert_eq!(
            Language::for_path(Path::new(".gitignore")),
            Language::HashComments
        );
        assert_eq!(Language::for_path(Path::new("LICENSE")), Language::Plain);
        assert_eq!(
            tokenize(Language::Plain, "\tx")[0],
            [(Token::Plain, "  x".to_string())]
        );
    }
}
