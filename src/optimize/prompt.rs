//! Asking the optimize questions in a terminal (inquire select prompts over
//! the question data). Only open questions are asked.

use super::answers::PartialAnswers;
use super::questions::QUESTIONS;
use crate::flow::Question;
use crate::input_error;

/// Ask every open question; Ctrl-C or Esc is an input error (nothing ran).
pub fn ask_open(answers: PartialAnswers) -> anyhow::Result<PartialAnswers> {
    let mut answers = answers;
    for question in QUESTIONS {
        let slot = match question.id {
            "issue" => &mut answers.issue,
            "scale" => &mut answers.scale,
            _ => &mut answers.priority,
        };
        if slot.is_none() {
            *slot = Some(ask(&question)?);
        }
    }
    Ok(answers)
}

fn ask(question: &Question) -> anyhow::Result<String> {
    let labels: Vec<String> = question
        .choices
        .iter()
        .map(|choice| format!("{} — {}", choice.label, choice.description))
        .collect();
    let default = question
        .choices
        .iter()
        .position(|choice| choice.value == question.default)
        .unwrap_or(0);
    let picked = inquire::Select::new(question.prompt, labels.clone())
        .with_starting_cursor(default)
        .prompt()
        .map_err(|error| input_error!("{}: {error}", question.id))?;
    let index = labels
        .iter()
        .position(|label| *label == picked)
        .unwrap_or(default);
    Ok(question.choices[index].value.to_string())
}
