//! The interactive front end: inquire prompts on the terminal.
//!
//! The only file that imports inquire (free text, the project name, goes
//! through [`super::line_editor`]). Esc goes back one question, Ctrl-C
//! quits without writing. The recommendation is shown once, before the first
//! question that depends on it.

use inquire::error::InquireError;
use inquire::list_option::ListOption;
use inquire::ui::{RenderConfig, Styled};
use inquire::{Confirm, MultiSelect, Select};

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

/// An option as listed: `label — description`, wrapped at word boundaries
/// to the terminal's width (the terminal would cut words), continuation
/// lines indented under the text after the prompt's `> ` or `> [ ] ` prefix.
struct Option_<'a> {
    choice: &'a Choice,
    /// The columns before the option text on its first line.
    prefix: usize,
    /// The terminal's width.
    width: usize,
}

impl<'a> Option_<'a> {
    fn list(choices: &'a [Choice], prefix: usize) -> Vec<Self> {
        let width = crate::terminal::width();
        choices
            .iter()
            .map(|choice| Option_ {
                choice,
                prefix,
                width,
            })
            .collect()
    }
}

impl std::fmt::Display for Option_<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = format!("{} — {}", self.choice.label, self.choice.description);
        // One column spare: a line that reaches the last column makes some
        // terminals wrap early.
        let width = self.width.saturating_sub(self.prefix + 1).max(20);
        let lines = crate::text::wrap::wrap_hanging(&text, width, 2);
        let indent = " ".repeat(self.prefix);
        write!(f, "{}", lines.join(&format!("\n{indent}")))
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
            step.number,
            step.of_total(),
            step.question.prompt
        );
        let config = if self.plain {
            RenderConfig::empty()
        } else {
            RenderConfig::default_colored()
        }
        // Esc goes back: say so on the abandoned prompt, not "<canceled>".
        .with_canceled_prompt_indicator(Styled::new("← back"));
        // Once answered, a question shows the chosen label only.
        // The answered line: `> title answer`, the answer on a line of its
        // own when both would not fit (the terminal would cut a word).
        let width = crate::terminal::width();
        let place = |answer: String| {
            if title.chars().count() + answer.chars().count() + 4 > width {
                format!("\n  {answer}")
            } else {
                answer
            }
        };
        let label = |option: ListOption<&Option_<'_>>| place(option.value.choice.label.to_string());
        let labels = |options: &[ListOption<&Option_<'_>>]| {
            if options.is_empty() {
                "none".to_string()
            } else {
                place(
                    options
                        .iter()
                        .map(|option| option.value.choice.label)
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
        };
        let result = match step.question.kind {
            Kind::Select => {
                let options = Option_::list(&step.choices, 2);
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
                    .map(|chosen| Answer::One(chosen.choice.value.to_string()))
            }
            Kind::MultiSelect => {
                let options = Option_::list(&step.choices, 6);
                // Back here after Esc: the previous selection stays ticked.
                let ticked: Vec<usize> = step
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(_, choice)| {
                        step.default.split(',').any(|value| value == choice.value)
                    })
                    .map(|(index, _)| index)
                    .collect();
                MultiSelect::new(&title, options)
                    .with_default(&ticked)
                    .with_formatter(&labels)
                    .with_help_message("↑↓ move · space toggle · enter confirm (none is fine) · esc back · ctrl-c quit")
                    .with_render_config(config)
                    .prompt()
                    .map(|chosen| {
                        Answer::Many(chosen.iter().map(|option| option.choice.value.to_string()).collect())
                    })
            }
            Kind::Text => {
                // Not inquire's text prompt: it types `u` and `w` for Ctrl-U
                // and Ctrl-W.
                let validator = |input: &str| valid_project_name(input);
                let validate: Option<super::line_editor::Validate<'_>> =
                    if step.question.id == "project_name" {
                        Some(&validator)
                    } else {
                        None
                    };
                return Ok(
                    match super::line_editor::prompt(
                        &title,
                        &step.default,
                        "enter accept · esc back · ctrl-u/ctrl-w delete · ctrl-c quit",
                        validate,
                    )? {
                        super::line_editor::Outcome::Answer(text) => {
                            Reply::Answer(Answer::Text(text))
                        }
                        super::line_editor::Outcome::Back => Reply::Back,
                        super::line_editor::Outcome::Quit => Reply::Quit,
                    },
                );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_text_wrapped_mid_word_at_100_columns() {
        let choice = Choice {
            value: "analytics",
            label: "Temporary counters (rate limiter + analytics, TTL expiry)",
            description: "counters that expire on their own, cleaned up by alarms, one object per key",
        };
        let option = Option_ {
            choice: &choice,
            prefix: 6,
            width: 100,
        };
        let text = option.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 1, "{text}");
        assert!(
            lines[1].starts_with("        "),
            "indented under the text: {text:?}"
        );
        for (index, line) in lines.iter().enumerate() {
            let columns = line.chars().count() + if index == 0 { 6 } else { 0 };
            assert!(columns < 100, "{line:?}");
        }
        // Every word whole: joining the lines gives the text back.
        let joined = lines
            .iter()
            .map(|line| line.trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, format!("{} — {}", choice.label, choice.description));
    }
}
