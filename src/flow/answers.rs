//! Answers: what a question was answered with, validated against the question.
//!
//! Whatever the source (a prompt, `--answers FILE`, a flag, a default), an
//! answer enters through [`Answer::parse`] or [`Answer::from_json`], so an
//! option that is not allowed is rejected the same way everywhere.

use std::collections::BTreeMap;

use super::question::{Kind, Question};

/// A validated answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The value of one choice (select questions).
    One(String),
    /// Values of choices, in the order of the question's choices (multi-select).
    Many(Vec<String>),
    /// Free text (text questions), already checked by the caller's validator.
    Text(String),
    /// Yes or no.
    Flag(bool),
}

impl Answer {
    /// The answer as a single string (choice value or text).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Answer::One(value) | Answer::Text(value) => Some(value),
            _ => None,
        }
    }

    pub fn as_list(&self) -> &[String] {
        match self {
            Answer::Many(values) => values,
            _ => &[],
        }
    }

    pub fn as_flag(&self) -> Option<bool> {
        match self {
            Answer::Flag(flag) => Some(*flag),
            _ => None,
        }
    }

    /// Parse the textual form used by defaults and flags: a choice value, a
    /// comma-separated list for multi-select, `true`/`false` for confirm.
    pub fn parse(question: &Question, text: &str) -> Result<Answer, String> {
        match question.kind {
            Kind::Select => one_of(question, text).map(Answer::One),
            Kind::MultiSelect => {
                let values: Vec<&str> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|value| !value.is_empty())
                    .collect();
                many_of(question, &values)
            }
            Kind::Text => Ok(Answer::Text(text.to_string())),
            Kind::Confirm => match text {
                "true" | "yes" => Ok(Answer::Flag(true)),
                "false" | "no" => Ok(Answer::Flag(false)),
                _ => Err(format!(
                    "expected true or false, found `{}`",
                    crate::error::quote(text)
                )),
            },
        }
    }

    /// Read an answer from an answers-file value; the error says what was
    /// expected, without naming the file (the caller adds the place).
    pub fn from_json(question: &Question, value: &serde_json::Value) -> Result<Answer, String> {
        use serde_json::Value;
        match (question.kind, value) {
            (Kind::Select, Value::String(text)) => one_of(question, text).map(Answer::One),
            (Kind::MultiSelect, Value::Array(items)) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(text) => values.push(text.as_str()),
                        other => {
                            return Err(format!(
                                "expected an array of strings, found {} in the array",
                                describe(other)
                            ));
                        }
                    }
                }
                many_of(question, &values)
            }
            (Kind::MultiSelect, Value::String(text)) => many_of(question, &[text.as_str()]),
            (Kind::Text, Value::String(text)) => Ok(Answer::Text(text.clone())),
            (Kind::Confirm, Value::Bool(flag)) => Ok(Answer::Flag(*flag)),
            (_, other) => Err(format!(
                "expected {}, found {}",
                Self::expectation(question),
                describe(other)
            )),
        }
    }

    /// What an answer to `question` must be, for messages.
    pub fn expectation(question: &Question) -> String {
        match question.kind {
            Kind::Select => format!("one of {}", question.allowed_values()),
            Kind::MultiSelect => format!("an array of {}", question.allowed_values()),
            Kind::Text => "a string".to_string(),
            Kind::Confirm => "true or false".to_string(),
        }
    }

    /// The answer as it would be written in an answers file.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Answer::One(value) | Answer::Text(value) => serde_json::Value::String(value.clone()),
            Answer::Many(values) => values.clone().into(),
            Answer::Flag(flag) => (*flag).into(),
        }
    }
}

fn one_of(question: &Question, text: &str) -> Result<String, String> {
    match question.choice(text) {
        Some(choice) => Ok(choice.value.to_string()),
        None => Err(format!(
            "`{}` is not an option; expected {}",
            crate::error::quote(text),
            question.allowed_values()
        )),
    }
}

fn many_of(question: &Question, values: &[&str]) -> Result<Answer, String> {
    for value in values {
        one_of(question, value)?;
    }
    // Keep the question's order and drop repeats, so equal answers compare equal.
    let ordered = question
        .choices
        .iter()
        .filter(|choice| values.contains(&choice.value))
        .map(|choice| choice.value.to_string())
        .collect();
    Ok(Answer::Many(ordered))
}

fn describe(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => format!("`{flag}`"),
        Value::Number(number) => format!("the number {}", crate::error::quote(&number.to_string())),
        Value::String(text) => format!("the string \"{}\"", crate::error::quote(text)),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Answers by question id.
pub type Answers = BTreeMap<&'static str, Answer>;
