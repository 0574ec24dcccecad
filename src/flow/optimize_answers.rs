//! The optimize answers as far as flags, `--answers FILE` (JSON or JSONC:
//! `{"issue": "queries", "scale": "large", "priority": "cost"}`) and prompts
//! know them, and their validation into the library's
//! [`OptimizeAnswers`].
//!
//! Precedence: a flag beats the answers file, which beats the default. Every
//! value is checked against the question's choices; a wrong one is an input
//! error (exit 2). The file is read by the reader both wizards share, so its
//! errors name the file, the line, the key and the allowed values.

use std::path::Path;

use super::Question;
use super::answers_file;
use super::optimize_questions::{ISSUE, PRIORITY, QUESTIONS, SCALE};
use crate::input_error;
use crate::optimize::answers::{OptimizeAnswers, Priority, Scale};
use crate::optimize::finding::Area;

/// Answers as far as they are known: `None` is still open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartialAnswers {
    pub issue: Option<String>,
    pub scale: Option<String>,
    pub priority: Option<String>,
}

impl PartialAnswers {
    pub fn is_complete(&self) -> bool {
        self.issue.is_some() && self.scale.is_some() && self.priority.is_some()
    }

    /// Fill the open answers from `other` (flags first, then the file).
    pub fn or(self, other: PartialAnswers) -> PartialAnswers {
        PartialAnswers {
            issue: self.issue.or(other.issue),
            scale: self.scale.or(other.scale),
            priority: self.priority.or(other.priority),
        }
    }

    /// Validate; open answers take the question's default. `origin` names
    /// where the values came from, for error messages.
    pub fn resolve(&self, origin: &str) -> anyhow::Result<OptimizeAnswers> {
        let issue = pick(&ISSUE, self.issue.as_deref(), origin)?;
        let scale = pick(&SCALE, self.scale.as_deref(), origin)?;
        let priority = pick(&PRIORITY, self.priority.as_deref(), origin)?;
        Ok(OptimizeAnswers {
            issue: Area::parse(issue).expect("choices are areas"),
            scale: Scale::parse(scale).expect("choices are scales"),
            priority: Priority::parse(priority).expect("choices are priorities"),
        })
    }

    /// Read an answers file with the shared reader
    /// ([`crate::flow::answers_file`]) against the optimize question table,
    /// so both wizards report a bad file the same way: `FILE:LINE: \`key\`: …`
    /// for a value that is no option, an unknown question (a typo is not
    /// silently ignored), a repeated key, or malformed JSON.
    pub fn from_file(path: &Path) -> anyhow::Result<PartialAnswers> {
        let file = answers_file::read(path, &QUESTIONS)?;
        // Every question here is a select: the reader has already checked the
        // value against its choices.
        let value = |id: &str| {
            file.get(id)
                .and_then(|entry| entry.answer.as_str())
                .map(str::to_owned)
        };
        Ok(PartialAnswers {
            issue: value(ISSUE.id),
            scale: value(SCALE.id),
            priority: value(PRIORITY.id),
        })
    }
}

fn pick<'q>(question: &'q Question, value: Option<&str>, origin: &str) -> anyhow::Result<&'q str> {
    let value = value.unwrap_or(question.default);
    question
        .choices
        .iter()
        .find(|choice| choice.value == value)
        .map(|choice| choice.value)
        .ok_or_else(|| {
            input_error!(
                "{origin}: `{}` is not a valid `{}`; expected {}",
                value,
                question.id,
                question.allowed_values()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_with_defaults_and_rejects_unknown_values() {
        let answers = PartialAnswers {
            issue: Some("queries".into()),
            ..Default::default()
        };
        let resolved = answers.resolve("flags").unwrap();
        assert_eq!(resolved.issue, Area::Queries);
        assert_eq!(resolved.scale, Scale::Small);
        let bad = PartialAnswers {
            scale: Some("huge".into()),
            ..Default::default()
        };
        let error = bad.resolve("answers.json").unwrap_err().to_string();
        assert!(
            error.contains("`huge`") && error.contains("`large`"),
            "{error}"
        );
    }

    #[test]
    fn reads_answers_files() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("answers.jsonc");
        std::fs::write(
            &path,
            "{ // comment\n \"issue\": \"memory\", \"priority\": \"cost\", }",
        )
        .unwrap();
        let answers = PartialAnswers::from_file(&path).unwrap();
        assert_eq!(answers.issue.as_deref(), Some("memory"));
        assert_eq!(answers.scale, None);
        assert_eq!(answers.priority.as_deref(), Some("cost"));
    }

    /// The same `FILE:LINE: `key`: …` messages as `do-wizard new`.
    #[test]
    fn answers_file_errors_name_the_line_and_key() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("answers.json");
        let error = |text: &str| {
            std::fs::write(&path, text).unwrap();
            crate::error::render(&PartialAnswers::from_file(&path).unwrap_err())
        };
        let shown = path.display();
        assert_eq!(
            error("{\n  \"issue\": \"queries\",\n  \"scale\": \"huge\"\n}"),
            format!(
                "{shown}:3: `scale`: `huge` is not an option; expected `dev`, `small`, `medium` or `large`"
            )
        );
        assert_eq!(
            error("{\n  \"isue\": \"memory\"\n}"),
            format!(
                "{shown}:2: unknown question `isue`; the questions are `issue`, `scale`, `priority`"
            )
        );
        assert_eq!(
            error("{\"issue\": 3}"),
            format!(
                "{shown}:1: `issue`: expected one of `cold-start`, `queries`, `memory`, `websocket`, `alarms` or `general`, found the number 3"
            )
        );
        assert_eq!(
            error("{\"scale\": \"dev\",\n \"scale\": \"large\"}"),
            format!("{shown}:2: `scale` is answered twice")
        );
        assert!(error("{\n \"scale\" \"dev\"}").starts_with(&format!("{shown}:2:")));
    }
}
