//! Plain mode's front end: numbered options on plain lines, answers read a
//! line at a time. No escape codes, no raw mode, so it works on a dumb
//! terminal, under `NO_COLOR`, with `--plain`, and with a pipe on either side.
//!
//! On a select question: Enter takes the default, a number picks an option,
//! `<` (or `b`) goes back, `q` (or end of input) quits. On a text question
//! only `<` goes back and end of input quits, since `b` and `q` are names.

use std::io::{BufRead, Write};

use super::answers::Answer;
use super::machine::Step;
use super::prompter::{Prompter, Reply};
use super::question::Kind;
use super::summary::recommendation_text;
use crate::recommend::Recommendation;

/// Asks on plain lines: questions to `output`, answers from `input`.
pub struct PlainPrompter<R, W> {
    input: R,
    output: W,
    shown: Option<Recommendation>,
    /// The width the recommendation is wrapped to.
    width: usize,
}

impl<R: BufRead, W: Write> PlainPrompter<R, W> {
    pub fn new(input: R, output: W) -> Self {
        Self {
            input,
            output,
            shown: None,
            width: 80,
        }
    }

    /// Wrap the recommendation to `width` columns instead of 80.
    pub fn with_width(mut self, width: usize) -> Self {
        self.width = width;
        self
    }

    /// The input and output, for a later plain screen (the review) that
    /// must read from the same buffered input.
    pub fn streams(&mut self) -> (&mut R, &mut W) {
        (&mut self.input, &mut self.output)
    }

    /// One line of input without its line ending; `None` at end of input.
    fn read_line(&mut self) -> anyhow::Result<Option<String>> {
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim().to_string()))
    }

    fn show_step(&mut self, step: &Step) -> std::io::Result<()> {
        if let Some(recommendation) = &step.recommendation
            && self.shown.as_ref() != Some(recommendation)
        {
            if self.shown.as_ref().map(|shown| shown.primary) != Some(recommendation.primary) {
                let text =
                    crate::text::wrap::wrap_block(&recommendation_text(recommendation), self.width);
                writeln!(self.output, "\n{}", text.trim_end())?;
            }
            self.shown = Some(recommendation.clone());
        }
        writeln!(
            self.output,
            "\nStep {} of {} · {}\n{}",
            step.number,
            step.of_total(),
            step.question.header,
            step.question.prompt
        )?;
        for (index, choice) in step.choices.iter().enumerate() {
            let default = if choice.value == step.default {
                " (default)"
            } else {
                ""
            };
            writeln!(
                self.output,
                "  {}. {} — {}{default}",
                index + 1,
                choice.label,
                choice.description
            )?;
        }
        Ok(())
    }
}

/// What a line of input means for a select or multi-select question.
fn parse_numbers(line: &str, count: usize) -> Result<Vec<usize>, String> {
    let mut chosen = Vec::new();
    for part in line.split([',', ' ']).filter(|part| !part.is_empty()) {
        match part.parse::<usize>() {
            Ok(number) if (1..=count).contains(&number) => chosen.push(number - 1),
            _ => {
                return Err(format!(
                    "`{}` is not a number from 1 to {count}",
                    crate::error::quote(part)
                ));
            }
        }
    }
    Ok(chosen)
}

impl<R: BufRead, W: Write> Prompter for PlainPrompter<R, W> {
    fn ask(&mut self, step: &Step) -> anyhow::Result<Reply> {
        self.show_step(step)?;
        loop {
            let hint = match step.question.kind {
                Kind::Select => format!(
                    "Choose 1-{} (enter: default · <: back · q: quit): ",
                    step.choices.len()
                ),
                Kind::MultiSelect => format!(
                    "Choose any of 1-{}, separated by spaces (enter: none · <: back · q: quit): ",
                    step.choices.len()
                ),
                Kind::Text => format!(
                    "[{}] (enter: default · <: back · ctrl-d: quit): ",
                    step.default
                ),
                Kind::Confirm => format!(
                    "[{}] y/n (<: back · q: quit): ",
                    if step.default == "true" { "Y/n" } else { "y/N" }
                ),
            };
            write!(self.output, "{hint}")?;
            self.output.flush()?;
            let Some(line) = self.read_line()? else {
                writeln!(self.output)?;
                return Ok(Reply::Quit);
            };
            if line == "<" || (step.question.kind != Kind::Text && line == "b") {
                return Ok(Reply::Back);
            }
            if step.question.kind != Kind::Text && line == "q" {
                return Ok(Reply::Quit);
            }
            let answer = match step.question.kind {
                Kind::Select if line.is_empty() => Ok(Answer::One(step.default.clone())),
                Kind::Select => {
                    parse_numbers(&line, step.choices.len()).and_then(|chosen| match chosen[..] {
                        [one] => Ok(Answer::One(step.choices[one].value.to_string())),
                        _ => Err("choose exactly one number".to_string()),
                    })
                }
                Kind::MultiSelect => parse_numbers(&line, step.choices.len()).map(|chosen| {
                    // In the order the options are listed, without repeats.
                    Answer::Many(
                        step.choices
                            .iter()
                            .enumerate()
                            .filter(|(index, _)| chosen.contains(index))
                            .map(|(_, choice)| choice.value.to_string())
                            .collect(),
                    )
                }),
                Kind::Text if line.is_empty() => Ok(Answer::Text(step.default.clone())),
                Kind::Text => Ok(Answer::Text(line)),
                Kind::Confirm => match line.to_ascii_lowercase().as_str() {
                    "" => Ok(Answer::Flag(step.default == "true")),
                    "y" | "yes" => Ok(Answer::Flag(true)),
                    "n" | "no" => Ok(Answer::Flag(false)),
                    _ => Err("answer y or n".to_string()),
                },
            };
            match answer {
                Ok(answer) => return Ok(Reply::Answer(answer)),
                Err(message) => writeln!(self.output, "{message}")?,
            }
        }
    }

    fn refused(&mut self, _step: &Step, message: &str) {
        let _ = writeln!(self.output, "{message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Completion, NewFlow, drive};

    fn run(input: &str) -> (NewFlow, Completion, String) {
        let mut flow = NewFlow::new();
        let mut output = Vec::new();
        let completion = {
            let mut prompter = PlainPrompter::new(input.as_bytes(), &mut output);
            drive(&mut flow, &mut prompter).unwrap()
        };
        (flow, completion, String::from_utf8(output).unwrap())
    }

    #[test]
    fn numbers_defaults_back_and_a_refused_name() {
        let (flow, completion, transcript) = run("2\n\n<\n4\n3\n1\n\n1 1\nBad Name\nmy-limiter\n");
        assert_eq!(completion, Completion::Answered);
        let answers = flow.finish().unwrap();
        assert_eq!(answers.requirements.use_case.value(), "rate-limiting");
        assert_eq!(answers.requirements.scale.value(), "large");
        assert_eq!(answers.project_name, "my-limiter");
        assert!(
            !transcript.contains('\u{1b}'),
            "plain mode writes no escape codes"
        );
        insta::with_settings!({snapshot_path => "../../snapshots/flow", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("plain_transcript", transcript);
        });
    }

    #[test]
    fn end_of_input_quits_and_a_bad_number_is_asked_again() {
        // One past the last use case, whatever the number of patterns.
        let options = crate::recommend::UseCase::all().len();
        let (flow, completion, transcript) = run(&format!("{}\n", options + 1));
        assert_eq!(completion, Completion::Quit);
        assert!(
            transcript.contains(&format!(
                "`{}` is not a number from 1 to {options}",
                options + 1
            )),
            "{transcript}"
        );
        assert!(flow.finish().is_err());
    }
}
