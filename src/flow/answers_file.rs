//! `--answers FILE`: a JSON (or JSONC, with comments and trailing commas)
//! object whose keys are question ids.
//!
//! Every problem is reported with the file and the line of the offending key
//! or value: malformed JSON, a key that is no question, a value that is not an
//! option (the message lists the allowed values), a repeated key.

use std::path::{Path, PathBuf};

use jsonc_parser::ast::{ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::answers::Answer;
use super::question::Question;
use crate::error::InputError;
use crate::input_error;
use crate::text::{LineEndings, Position};

/// One answer read from a file, with the line it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAnswer {
    pub id: &'static str,
    pub answer: Answer,
    pub line: usize,
}

/// The answers of one file, in the order they appear.
#[derive(Debug, Clone)]
pub struct AnswersFile {
    pub path: PathBuf,
    pub answers: Vec<FileAnswer>,
}

impl AnswersFile {
    /// The answer to `id`, if the file gives one.
    pub fn get(&self, id: &str) -> Option<&FileAnswer> {
        self.answers.iter().find(|entry| entry.id == id)
    }

    /// An input error that points at the line of `id`'s answer.
    pub fn error_at(&self, id: &str, message: impl std::fmt::Display) -> InputError {
        match self.get(id) {
            Some(entry) => InputError::new(format!(
                "{}:{}: `{id}`: {message}",
                shown(&self.path),
                entry.line
            )),
            None => InputError::new(format!("{}: `{id}`: {message}", shown(&self.path))),
        }
    }
}

/// The largest answers file read: a real one is a few hundred bytes.
pub const MAX_ANSWERS_BYTES: u64 = 1024 * 1024;

/// Read and validate an answers file against `questions`. At most
/// [`MAX_ANSWERS_BYTES`] are read (`/dev/zero` is refused, not read until
/// memory runs out); a UTF-8 byte-order mark is accepted.
pub fn read(path: &Path, questions: &[Question]) -> anyhow::Result<AnswersFile> {
    use std::io::Read as _;
    let cannot = |error: &dyn std::fmt::Display| {
        input_error!("cannot read answers file {}: {error}", shown(path))
    };
    let file = std::fs::File::open(path).map_err(|error| cannot(&error))?;
    let mut bytes = Vec::new();
    file.take(MAX_ANSWERS_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| cannot(&error))?;
    if bytes.len() as u64 > MAX_ANSWERS_BYTES {
        return Err(input_error!(
            "{}: the answers file is over 1 MiB; an answers file holds a few answers",
            shown(path)
        ));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        input_error!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            shown(path),
            error.utf8_error().valid_up_to()
        )
    })?;
    parse(path, &text, questions)
}

/// A path as messages show it: control characters escaped, long ones cut.
pub fn shown(path: &Path) -> String {
    crate::error::quote(&path.to_string_lossy())
}

/// Validate the text of an answers file; `path` is only used in messages.
pub fn parse(path: &Path, text: &str, questions: &[Question]) -> anyhow::Result<AnswersFile> {
    let shown = shown(path);
    // A byte-order mark (as some Windows editors write) is not an error; the
    // offsets below are in the text after it, lines are unchanged.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()).map_err(
        |error| {
            input_error!(
                "{shown}:{}:{}: malformed JSON: {}",
                error.line_display(),
                error.column_display(),
                error.kind()
            )
        },
    )?;
    let object = match parsed.value {
        Some(Value::Object(object)) => object,
        Some(other) => {
            let line = line_of(text, other.range().start);
            return Err(input_error!(
                "{shown}:{line}: expected an object of answers keyed by question id"
            ));
        }
        None => {
            return Err(input_error!(
                "{shown}: the file is empty; expected an object of answers keyed by question id"
            ));
        }
    };

    let mut answers: Vec<FileAnswer> = Vec::new();
    for property in object.properties {
        let line = line_of(text, property.range.start);
        let key = crate::error::quote(property.name.as_str());
        let question = questions
            .iter()
            .find(|question| question.id == key)
            .ok_or_else(|| {
                input_error!(
                    "{shown}:{line}: unknown question `{key}`; the questions are {}",
                    known_ids(questions)
                )
            })?;
        if answers.iter().any(|entry| entry.id == question.id) {
            return Err(input_error!("{shown}:{line}: `{key}` is answered twice"));
        }
        let answer = answer_of(question, property)
            .map_err(|message| input_error!("{shown}:{line}: `{key}`: {message}"))?;
        answers.push(FileAnswer {
            id: question.id,
            answer,
            line,
        });
    }
    Ok(AnswersFile {
        path: path.to_path_buf(),
        answers,
    })
}

fn answer_of(question: &Question, property: ObjectProp<'_>) -> Result<Answer, String> {
    // No question takes a number; say "number" even for one that does not
    // fit a float (`1e999999`), which the conversion below would turn into
    // a string.
    if let Value::NumberLit(number) = &property.value {
        return Err(format!(
            "expected {}, found the number {}",
            Answer::expectation(question),
            crate::error::quote(number.value)
        ));
    }
    let value: serde_json::Value = property.value.into();
    Answer::from_json(question, &value)
}

fn known_ids(questions: &[Question]) -> String {
    questions
        .iter()
        .map(|question| format!("`{}`", question.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The 1-based line of a byte offset (JSON: LF, CRLF and CR end lines).
fn line_of(text: &str, offset: usize) -> usize {
    Position::of(text, offset, LineEndings::Config).line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::new_questions::NEW_QUESTIONS;

    fn message(text: &str) -> String {
        let error = parse(Path::new("answers.json"), text, &NEW_QUESTIONS).unwrap_err();
        crate::error::render(&error)
    }

    #[test]
    fn reads_jsonc_with_comments_and_trailing_commas() {
        let file = parse(
            Path::new("a.jsonc"),
            "{\n  // the use case\n  \"use_case\": \"realtime\",\n  \"patterns\": [\"rate-limiter\"],\n}\n",
            &NEW_QUESTIONS,
        )
        .unwrap();
        assert_eq!(
            file.get("use_case").unwrap().answer,
            Answer::One("realtime".into())
        );
        assert_eq!(file.get("use_case").unwrap().line, 3);
        assert_eq!(
            file.get("patterns").unwrap().answer,
            Answer::Many(vec!["rate-limiter".into()])
        );
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        assert_eq!(
            message("{\n  \"scale\" \"dev\"\n}"),
            "answers.json:2:11: malformed JSON: Expected colon after the string or word in object property"
        );
    }

    #[test]
    fn unknown_question_names_the_key_and_line() {
        let text = message("{\n\"use_case\": \"realtime\",\n\"colour\": \"blue\"\n}");
        assert!(
            text.starts_with(
                "answers.json:3: unknown question `colour`; the questions are `use_case`, `scale`"
            ),
            "{text}"
        );
    }

    #[test]
    fn unknown_option_lists_the_allowed_values() {
        assert_eq!(
            message("{\"scale\": \"huge\"}"),
            "answers.json:1: `scale`: `huge` is not an option; expected `dev`, `small`, `medium` or `large`"
        );
    }

    #[test]
    fn wrong_type_says_what_was_expected() {
        assert_eq!(
            message("{\"git\": \"yes\"}"),
            "answers.json:1: `git`: expected true or false, found the string \"yes\""
        );
        assert_eq!(
            message("{\"patterns\": [1]}"),
            "answers.json:1: `patterns`: expected an array of strings, found the number 1 in the array"
        );
    }

    #[test]
    fn repeated_key_is_an_error() {
        assert_eq!(
            message("{\"scale\": \"dev\",\n \"scale\": \"small\"}"),
            "answers.json:2: `scale` is answered twice"
        );
    }

    #[test]
    fn a_non_object_is_an_error() {
        assert_eq!(
            message("[1, 2]"),
            "answers.json:1: expected an object of answers keyed by question id"
        );
        assert_eq!(
            message(""),
            "answers.json: the file is empty; expected an object of answers keyed by question id"
        );
    }
}
