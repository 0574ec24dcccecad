//! Questions as data.
//!
//! A [`Question`] says everything a front end needs to ask it (prompt, options
//! with labels and descriptions, default) and everything the answers-file
//! reader needs to validate it (id, kind, allowed values). Both wizards (`new`
//! and `optimize`) describe their questions with these types, so the terminal
//! prompts, the full-screen review and `--answers FILE` can never disagree.

/// One option of a select or multi-select question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The value written in an answers file, e.g. `rate-limiting`.
    pub value: &'static str,
    /// The short label shown in the terminal, e.g. `Rate limiting`.
    pub label: &'static str,
    /// One line that says what the option means.
    pub description: &'static str,
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Exactly one of `choices`.
    Select,
    /// Any subset of `choices` (an array in the answers file).
    MultiSelect,
    /// Free text, checked by the question's validator.
    Text,
    /// Yes or no (a boolean in the answers file).
    Confirm,
}

/// A question: its id (the key in an answers file), what is asked, and how.
#[derive(Debug, Clone, Copy)]
pub struct Question {
    pub id: &'static str,
    /// A short header for the step, e.g. `Use case`.
    pub header: &'static str,
    pub prompt: &'static str,
    pub kind: Kind,
    pub choices: &'static [Choice],
    /// The answer taken with `--yes` (a choice value, text, `true`/`false`,
    /// or a comma-separated list for multi-select; empty means none).
    pub default: &'static str,
    /// A question only scripts answer; the interactive flow never asks it.
    pub script_only: bool,
}

impl Question {
    /// The choice with this answers-file value.
    pub fn choice(&self, value: &str) -> Option<&'static Choice> {
        self.choices.iter().find(|choice| choice.value == value)
    }

    /// The allowed values, as `a`, `b` or `c`, for error messages.
    pub fn allowed_values(&self) -> String {
        let values: Vec<String> = self
            .choices
            .iter()
            .map(|choice| format!("`{}`", choice.value))
            .collect();
        match values.as_slice() {
            [] => String::new(),
            [only] => only.clone(),
            [rest @ .., last] => format!("{} or {}", rest.join(", "), last),
        }
    }
}
