//! The interactive front end: inquire prompts on the terminal.
//!
//! The only file that imports inquire. Esc goes back one question, Ctrl-C
//! quits without writing. The recommendation is shown once, before the first
//! question that depends on it.

use inquire::error::InquireError;
use inquire::list_option::ListOption;
use inquire::ui::{RenderConfig, Styled};
use inquire::{Confirm, MultiSelect, Select, Text};

use super::answers::Answer;
use super::machine::{Step, valid_project_name};
use super::prompter::{Prompter, Reply};
use super::question::{Choice, Kind};
use crate::recommend::Recommendation;

/// Asks on the terminal with inquire.
#[derive(Debug, Default)]
pub struct TerminalPrompter {
    shown: Option<Recommendation>,
    plain: bool,
}

impl TerminalPrompter {
    pub fn new(plain: bool) -> Self {
        Self { shown: None, plain }
    }
}

struct Option_<'a>(&'a Choice);

impl std::fmt::Display for Option_<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} — {}", self.0.label, self.0.description)
    }
}

const HELP: &str = "↑↓ move · enter select · esc back · ctrl-c quit";

impl Prompter for TerminalPrompter {
    fn ask(&mut self, step: &Step) -> anyhow::Result<Reply> {
        if let Some(recommendation) = &step.recommendation
            && self.shown.as_ref() != Some(recommendation)
        {
            if self.shown.as_ref().map(|shown| shown.primary) != Some(recommendation.primary) {
                let text = super::summary::recommendation_text(recommendation);
                let width = crate::terminal::width();
                eprintln!("\n{}", crate::text::wrap::wrap_block(&text, width));
            }
            self.shown = Some(recommendation.clone());
        }
        // The prompt already names the topic; the header would make the
        // answered line wrap at 80 columns.
        let title = format!(
            "Step {} of {} · {}",
            step.number, step.total, step.question.prompt
        );
        let config = if self.plain {
            RenderConfig::empty()
        } else {
            RenderConfig::default_colored()
        }
        // Esc goes back: say so on the abandoned prompt, not "<canceled>".
        .with_canceled_prompt_indicator(Styled::new("← back"));
        // Once answered, a question shows the chosen label only.
        let label = |option: ListOption<&Option_<'_>>| option.value.0.label.to_string();
        let labels = |options: &[ListOption<&Option_<'_>>]| {
            if options.is_empty() {
                "none".to_string()
            } else {
                options
                    .iter()
                    .map(|option| option.value.0.label)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let result = match step.question.kind {
            Kind::Select => {
                let options: Vec<Option_<'_>> = step.choices.iter().map(Option_).collect();
                let start = step
                    .choices
                    .iter()
                    .position(|choice| choice.value == step.default)
                    .unwrap_or(0);
                Select::new(&title, options)
                    .with_starting_cursor(start)
                    .with_formatter(&label)
                    .with_help_message(HELP)
                    .with_render_config(config)
                    .prompt()
                    .map(|chosen| Answer::One(chosen.0.value.to_string()))
            }
            Kind::MultiSelect => {
                let options: Vec<Option_<'_>> = step.choices.iter().map(Option_).collect();
                MultiSelect::new(&title, options)
                    .with_formatter(&labels)
                    .with_help_message("↑↓ move · space toggle · enter confirm (none is fine) · esc back · ctrl-c quit")
                    .with_render_config(config)
                    .prompt()
                    .map(|chosen| {
                        Answer::Many(chosen.iter().map(|option| option.0.value.to_string()).collect())
                    })
            }
            Kind::Text => {
                let validator = |input: &str| {
                    Ok(match valid_project_name(input) {
                        Ok(()) => inquire::validator::Validation::Valid,
                        Err(message) => inquire::validator::Validation::Invalid(message.into()),
                    })
                };
                let mut prompt = Text::new(&title)
                    .with_default(&step.default)
                    .with_help_message("enter accept · esc back · ctrl-c quit")
                    .with_render_config(config);
                if step.question.id == "project_name" {
                    prompt = prompt.with_validator(validator);
                }
                prompt.prompt().map(Answer::Text)
            }
            Kind::Confirm => Confirm::new(&title)
                .with_default(step.default == "true")
                .with_render_config(config)
                .prompt()
                .map(Answer::Flag),
        };
        match result {
            Ok(answer) => Ok(Reply::Answer(answer)),
            Err(InquireError::OperationCanceled) => Ok(Reply::Back),
            Err(InquireError::OperationInterrupted) => Ok(Reply::Quit),
            Err(error) => Err(error.into()),
        }
    }
}
