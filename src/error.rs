//! Errors that reach the user.
//!
//! Every failure the user can cause (a malformed answers file, an unknown
//! option, a bad project name, a non-empty target) is an [`InputError`]: one
//! line that names the file, field or line and says what was expected. The
//! binary prints it and exits with code 2; nothing has been written by then,
//! because every command validates and plans before it writes.

use std::fmt;

/// A problem with what the user gave us, reported as one line, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    message: String,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// Shorthand for returning an [`InputError`] from a function that returns
/// `anyhow::Result`.
#[macro_export]
macro_rules! input_error {
    ($($arg:tt)*) => {
        ::anyhow::Error::new($crate::error::InputError::new(format!($($arg)*)))
    };
}

/// One line for the terminal: an input error as it is, anything else with its
/// chain of causes joined by `: `.
pub fn render(error: &anyhow::Error) -> String {
    if let Some(input) = error.downcast_ref::<InputError>() {
        return one_line(input.message());
    }
    one_line(
        &error
            .chain()
            .map(|cause| cause.to_string())
            .collect::<Vec<_>>()
            .join(": "),
    )
}

/// The longest piece of user input a message quotes, in characters.
pub const QUOTE_LIMIT: usize = 200;

/// User input made safe to show inside a one-line message: control
/// characters (newlines, ESC, NUL, …) and the Unicode line separators are
/// escaped, and anything past [`QUOTE_LIMIT`] characters is cut with `…`.
pub fn quote(input: &str) -> String {
    let mut out = String::new();
    for (count, character) in input.chars().enumerate() {
        if count == QUOTE_LIMIT {
            out.push('…');
            break;
        }
        push_escaped(&mut out, character);
    }
    out
}

fn push_escaped(out: &mut String, character: char) {
    match character {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        character
            if character.is_control()
                || matches!(character, '\u{2028}' | '\u{2029}' | '\u{85}') =>
        {
            out.push_str(&character.escape_unicode().to_string());
        }
        character => out.push(character),
    }
}

/// A message made one line: every control character escaped (the last
/// guard; each message quotes its input with [`quote`] first).
pub fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for character in message.chars() {
        push_escaped(&mut out, character);
    }
    out
}

/// Text from a scanned repository (a file name, a line of source, a message
/// quoting code) made safe for a report read in a terminal: control
/// characters other than newline and tab, and the Unicode line separators,
/// are escaped, so a file cannot move the cursor, retitle or clear the
/// terminal, or forge report lines.
pub fn printable(text: &str) -> String {
    if !text
        .chars()
        .any(|character| needs_escape(character) && !matches!(character, '\n' | '\t'))
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        match character {
            '\n' | '\t' => out.push(character),
            character => push_escaped(&mut out, character),
        }
    }
    out
}

fn needs_escape(character: char) -> bool {
    character.is_control() || matches!(character, '\u{2028}' | '\u{2029}')
}

/// A relative path as a URI reference (SARIF `artifactLocation.uri`): every
/// byte outside RFC 3986's unreserved set and `/` is percent-encoded.
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
