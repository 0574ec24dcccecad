//! The validated answers to the three optimize questions, from flags, an
//! answers file (JSON or JSONC: `{"issue": "queries", "scale": "large",
//! "priority": "cost"}`), or the defaults (`--yes`).
//!
//! Precedence: a flag beats the answers file, which beats the default. Every
//! value is checked against the question's choices; a wrong one is an input
//! error (exit 2) naming the file, the field and the allowed values.

use std::path::Path;

use serde::Serialize;

use super::finding::Area;
use super::questions::{ISSUE, PRIORITY, SCALE};
use crate::flow::Question;
use crate::input_error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Dev,
    Small,
    Medium,
    Large,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Latency,
    Throughput,
    Cost,
    Memory,
}

/// The answers the analysis runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OptimizeAnswers {
    pub issue: Area,
    pub scale: Scale,
    pub priority: Priority,
}

impl Default for OptimizeAnswers {
    /// `general`, `small`, `latency`: the questions' defaults.
    fn default() -> Self {
        OptimizeAnswers {
            issue: Area::General,
            scale: Scale::Small,
            priority: Priority::Latency,
        }
    }
}

impl Scale {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "dev" => Some(Scale::Dev),
            "small" => Some(Scale::Small),
            "medium" => Some(Scale::Medium),
            "large" => Some(Scale::Large),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Dev => "dev",
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::Large => "large",
        }
    }
}

impl Priority {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "latency" => Some(Priority::Latency),
            "throughput" => Some(Priority::Throughput),
            "cost" => Some(Priority::Cost),
            "memory" => Some(Priority::Memory),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Latency => "latency",
            Priority::Throughput => "throughput",
            Priority::Cost => "cost",
            Priority::Memory => "memory",
        }
    }
}

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

    /// Read an answers file (JSON or JSONC object). Unknown keys are an error,
    /// so a typo is not silently ignored.
    pub fn from_file(path: &Path) -> anyhow::Result<PartialAnswers> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            input_error!("cannot read answers file {}: {error}", path.display())
        })?;
        let value: serde_json::Value =
            jsonc_parser::parse_to_serde_value(&text, &Default::default()).map_err(|error| {
                input_error!("answers file {} is not valid JSON: {error}", path.display())
            })?;
        let Some(object) = value.as_object() else {
            return Err(input_error!(
                "answers file {}: expected a JSON object like {{\"issue\": \"general\"}}",
                path.display()
            ));
        };
        let mut answers = PartialAnswers::default();
        for (key, value) in object {
            let slot = match key.as_str() {
                "issue" => &mut answers.issue,
                "scale" => &mut answers.scale,
                "priority" => &mut answers.priority,
                other => {
                    return Err(input_error!(
                        "answers file {}: unknown field `{other}`; expected `issue`, `scale` or `priority`",
                        path.display()
                    ));
                }
            };
            let Some(text) = value.as_str() else {
                return Err(input_error!(
                    "answers file {}: field `{key}` must be a string",
                    path.display()
                ));
            };
            *slot = Some(text.to_string());
        }
        Ok(answers)
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
            "{ // comment\n \"issue\": \"memory\", \"priority\": \"cost\" }",
        )
        .unwrap();
        let answers = PartialAnswers::from_file(&path).unwrap();
        assert_eq!(answers.issue.as_deref(), Some("memory"));
        std::fs::write(&path, "{ \"isue\": \"memory\" }").unwrap();
        assert!(
            PartialAnswers::from_file(&path)
                .unwrap_err()
                .to_string()
                .contains("`isue`")
        );
    }
}
