//! A cheap guard against files nested too deep to parse safely.
//!
//! The parser, oxc's visitors and the model builder recurse once per level
//! of nesting, so a generated file with twenty thousand nested arrays (or a
//! member chain `x.b.b.b…` that long) would overflow any thread's stack and
//! abort the whole scan. Before parsing, [`measure`] scans the text once,
//! linearly, without allocating per character: it counts open brackets,
//! parentheses and braces outside strings, comments, template text and
//! regular expressions, and the operators and `.`s chained inside one
//! expression. A file over [`MAX_BRACKETS`] or [`MAX_CHAIN`] is skipped with
//! a diagnostic, and the scan goes on.
//!
//! The limits are far above what people write (real code stays under a few
//! hundred) and, with the analysis threads' stacks
//! ([`super::ANALYSIS_STACK`]), far below what overflows: the deepest
//! recursion per level is the parser's on nested arrays, about 1.5 KiB, so
//! 2,000 levels need about 3 MiB of a 64 MiB stack; a chain needs about
//! 200 bytes per operator, so 20,000 need about 4 MiB.

/// Most brackets, parentheses and braces open at once.
pub const MAX_BRACKETS: usize = 2_000;
/// Most operators and member accesses chained in one expression path.
pub const MAX_CHAIN: usize = 20_000;

/// What [`measure`] found: the deepest bracket nesting and the longest
/// operator chain (summed over the enclosing brackets). Under the limits
/// these may be upper bounds (counts over the whole file), not the depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Depth {
    pub brackets: usize,
    pub chain: usize,
}

impl Depth {
    /// Why the file is too deep to analyze, if it is.
    pub fn too_deep(&self) -> Option<String> {
        if self.brackets > MAX_BRACKETS {
            Some(format!(
                "skipped: nested {} deep (brackets, parentheses and braces; the limit is {MAX_BRACKETS})",
                self.brackets
            ))
        } else if self.chain > MAX_CHAIN {
            Some(format!(
                "skipped: nested {} deep (one chain of operators and member accesses; the limit is {MAX_CHAIN})",
                self.chain
            ))
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    /// `(`, `[` or `{` in code, with the chain length of the expression it
    /// encloses so far.
    Code(usize),
    /// `${` inside a template literal.
    Substitution(usize),
}

/// Scan `text` once and report its deepest nesting. Stops early once both
/// limits are exceeded. A file with fewer opening brackets and operator
/// characters in all than the limits cannot exceed them: for those (nearly
/// every file) a plain count, much cheaper than the scan, answers.
pub fn measure(text: &str) -> Depth {
    let bytes = text.as_bytes();
    // Files under the chain limit in size cannot hold a longer chain.
    let opening = count_bytes(bytes, |byte| {
        (byte == b'(') | (byte == b'[') | (byte == b'{') | (byte == b'`')
    });
    let operators = if bytes.len() <= MAX_CHAIN {
        bytes.len()
    } else {
        count_bytes(bytes, |byte| {
            (byte == b'.')
                | (byte == b'+')
                | (byte == b'-')
                | (byte == b'*')
                | (byte == b'%')
                | (byte == b'&')
                | (byte == b'|')
                | (byte == b'^')
                | (byte == b'<')
                | (byte == b'>')
                | (byte == b'=')
                | (byte == b'?')
                | (byte == b':')
                | (byte == b'!')
                | (byte == b'~')
                | (byte == b'/')
        })
    };
    if opening <= MAX_BRACKETS && operators <= MAX_CHAIN {
        return Depth {
            brackets: opening,
            chain: operators,
        };
    }
    scan(text)
}

/// How many bytes match: branch-free, in chunks a `u8` counter cannot
/// overflow, so that the compiler vectorizes it.
#[inline(always)]
fn count_bytes(bytes: &[u8], matches: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| {
            chunk
                .iter()
                .fold(0u8, |count, &byte| count + u8::from(matches(byte))) as usize
        })
        .sum()
}

/// The full scan behind [`measure`].
fn scan(text: &str) -> Depth {
    let bytes = text.as_bytes();
    let mut frames: Vec<Frame> = Vec::new();
    // Operators chained so far in the innermost expression, and the sum over
    // the enclosing frames.
    let mut chain = 0usize;
    let mut outer_chain = 0usize;
    let mut depth = Depth::default();
    // Whether a `/` here starts a regular expression (no value before it).
    let mut regex_allowed = true;
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        let byte = bytes[i];
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr_newline(bytes, i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(n, |end| i + 2 + end + 2);
                continue;
            }
            b'/' if regex_allowed => {
                i = skip_regex(bytes, i + 1);
                regex_allowed = false;
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(bytes, i + 1, byte);
                regex_allowed = false;
                continue;
            }
            b'`' => {
                match skip_template(bytes, i + 1) {
                    (end, true) => {
                        // `${`: code until the matching `}`.
                        outer_chain += chain;
                        frames.push(Frame::Substitution(chain));
                        chain = 0;
                        i = end;
                        regex_allowed = true;
                    }
                    (end, false) => {
                        i = end;
                        regex_allowed = false;
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                outer_chain += chain;
                frames.push(Frame::Code(chain));
                chain = 0;
                i += 1;
                regex_allowed = true;
            }
            b')' | b']' | b'}' => {
                match frames.pop() {
                    Some(Frame::Code(saved)) => {
                        outer_chain -= saved;
                        chain = saved;
                        i += 1;
                        regex_allowed = byte == b'}';
                    }
                    Some(Frame::Substitution(saved)) => {
                        // Back in the template's text.
                        outer_chain -= saved;
                        chain = saved;
                        match skip_template(bytes, i + 1) {
                            (end, true) => {
                                outer_chain += chain;
                                frames.push(Frame::Substitution(chain));
                                chain = 0;
                                i = end;
                                regex_allowed = true;
                            }
                            (end, false) => {
                                i = end;
                                regex_allowed = false;
                            }
                        }
                    }
                    None => {
                        // Unbalanced: the parser will say so.
                        i += 1;
                        regex_allowed = byte == b'}';
                    }
                }
            }
            b';' | b',' => {
                chain = 0;
                i += 1;
                regex_allowed = true;
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = skip_word(bytes, i + 1);
                regex_allowed = false;
            }
            b'.' if bytes.get(i + 1) == Some(&b'.') => {
                i += 3;
                regex_allowed = true;
            }
            b'.' => {
                chain += 1;
                i += 1;
                regex_allowed = false;
            }
            b'+' | b'-' | b'*' | b'%' | b'&' | b'|' | b'^' | b'<' | b'>' | b'=' | b'?' | b':'
            | b'!' | b'~' | b'/' => {
                // One operator, however many characters it is spelled with
                // (`===`, `>>>=`, `&&`, `??`, `?.`).
                let start = i;
                while i < n
                    && matches!(
                        bytes[i],
                        b'+' | b'-'
                            | b'*'
                            | b'%'
                            | b'&'
                            | b'|'
                            | b'^'
                            | b'<'
                            | b'>'
                            | b'='
                            | b'?'
                            | b'!'
                            | b'~'
                    )
                {
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                chain += 1;
                // `x++ / 2` is rare; after an operator a `/` is a regex.
                regex_allowed = true;
            }
            _ => {
                let start = i;
                i = skip_word(bytes, i);
                if i == start {
                    i += 1;
                }
                // After a keyword such as `return` a `/` starts a regex.
                regex_allowed = matches!(
                    &text.as_bytes()[start..i],
                    b"return"
                        | b"typeof"
                        | b"instanceof"
                        | b"in"
                        | b"of"
                        | b"new"
                        | b"delete"
                        | b"void"
                        | b"throw"
                        | b"case"
                        | b"do"
                        | b"else"
                        | b"yield"
                        | b"await"
                );
            }
        }
        depth.brackets = depth.brackets.max(frames.len());
        depth.chain = depth.chain.max(outer_chain + chain);
        if depth.brackets > MAX_BRACKETS && depth.chain > MAX_CHAIN {
            break;
        }
    }
    depth
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(bytes.len(), |index| from + index + 1)
}

fn skip_word(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric()
            || bytes[i] == b'_'
            || bytes[i] == b'$'
            || bytes[i] >= 0x80)
    {
        i += 1;
    }
    i
}

/// Past the closing quote; a string ends at a line break too (unterminated
/// strings are the parser's to report, and JSX text may hold apostrophes).
fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i + 1,
            byte if byte == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past a regular expression's closing `/` (a `/` inside `[…]` does not
/// close it) and its flags.
fn skip_regex(bytes: &[u8], mut i: usize) -> usize {
    let mut class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i + 1,
            b'[' => {
                class = true;
                i += 1;
            }
            b']' => {
                class = false;
                i += 1;
            }
            b'/' if !class => return skip_word(bytes, i + 1),
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Through template text: returns the position after the closing backtick
/// (`false`) or after a `${` (`true`).
fn skip_template(bytes: &[u8], mut i: usize) -> (usize, bool) {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => return (i + 1, false),
            b'$' if bytes.get(i + 1) == Some(&b'{') => return (i + 2, true),
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_strings_comments_and_regexes() {
        let measure = scan;
        assert_eq!(measure("f([{a: 1}])").brackets, 3);
        assert_eq!(
            measure("const s = '(((('; // ((((\n/* [[[[ */ x").brackets,
            0
        );
        assert_eq!(measure("const r = /[(]+/g; (a)").brackets, 1);
        assert_eq!(measure("const t = `(( ${ f((x)) } ((`;").brackets, 3);
        assert_eq!(measure("a / b / (c)").brackets, 1);
    }

    #[test]
    fn chains_sum_over_enclosing_brackets() {
        let measure = scan;
        assert_eq!(measure("x.a.b.c").chain, 3);
        assert_eq!(measure("a + b + c; d").chain, 2);
        assert_eq!(measure("f(a, b + c)").chain, 1);
        assert_eq!(measure("a === b").chain, 1);
        assert_eq!(measure("a + (b + (c + d))").chain, 3);
        assert_eq!(measure("[1.5, .5, ...rest]").chain, 0);
    }

    #[test]
    fn deep_shapes_are_too_deep() {
        let arrays = format!("x = {}{};", "[".repeat(20_000), "]".repeat(20_000));
        assert!(
            measure(&arrays)
                .too_deep()
                .unwrap()
                .contains("nested 20000 deep")
        );
        let member = format!("x{};", ".b".repeat(20_001));
        assert!(measure(&member).too_deep().is_some());
        let ordinary = "export class A { m() { if (a) { return [b, { c: (d + e) }]; } } }";
        assert_eq!(measure(ordinary).too_deep(), None);
        // Many brackets in all, none deep: the full scan clears the file.
        let wide = "f([1], {a: (2)});\n".repeat(2_000);
        assert_eq!(measure(&wide).too_deep(), None);
        assert_eq!(measure(&wide).brackets, 3);
    }
}
