//! The front-end side of the flow: a [`Prompter`] answers one [`Step`] at a
//! time. The terminal implements it with inquire (`terminal.rs`), plain mode
//! with numbered lines (`plain.rs`); tests use [`ScriptedPrompter`]. [`drive`]
//! walks any [`QuestionFlow`] (`new`'s [`NewFlow`], optimize's
//! [`super::table::TableFlow`]) with any prompter.

use std::collections::VecDeque;

use super::answers::Answer;
use super::machine::{NewFlow, Step};

/// What a front end replies to a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Answer(Answer),
    /// Go back one question (Esc).
    Back,
    /// Stop without writing anything (Ctrl-C).
    Quit,
}

/// Something that can ask a question.
pub trait Prompter {
    fn ask(&mut self, step: &Step) -> anyhow::Result<Reply>;

    /// The flow refused the last answer to `step`; it is about to be asked
    /// again. Front ends say why.
    fn refused(&mut self, step: &Step, message: &str) {
        let _ = (step, message);
    }
}

/// A question flow a prompter can walk: the next step, an answer to it, and
/// one step back. [`NewFlow`] and [`super::table::TableFlow`] implement it.
pub trait QuestionFlow {
    /// The next question to ask, or `None` when every asked question is answered.
    fn next_step(&self) -> Option<Step>;
    /// Answer the current step; the error says why the answer is refused.
    fn answer(&mut self, answer: Answer) -> Result<(), String>;
    /// Forget the last answer given; false when there is nothing to go back to.
    fn back(&mut self) -> bool;
}

impl QuestionFlow for NewFlow {
    fn next_step(&self) -> Option<Step> {
        NewFlow::next_step(self)
    }
    fn answer(&mut self, answer: Answer) -> Result<(), String> {
        NewFlow::answer(self, answer)
    }
    fn back(&mut self) -> bool {
        NewFlow::back(self)
    }
}

/// How a drive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    Answered,
    Quit,
}

/// Ask every open question of `flow` through `prompter`. An answer the flow
/// rejects is asked again.
pub fn drive(
    flow: &mut dyn QuestionFlow,
    prompter: &mut dyn Prompter,
) -> anyhow::Result<Completion> {
    while let Some(step) = flow.next_step() {
        match prompter.ask(&step)? {
            Reply::Answer(answer) => {
                if let Err(message) = flow.answer(answer) {
                    prompter.refused(&step, &message);
                }
            }
            Reply::Back => {
                flow.back();
            }
            Reply::Quit => return Ok(Completion::Quit),
        }
    }
    Ok(Completion::Answered)
}

/// A prompter that replays prepared replies and records what it was asked.
#[derive(Debug, Default)]
pub struct ScriptedPrompter {
    replies: VecDeque<Reply>,
    /// One line per step asked: `Step n of t · id: choices`.
    pub trace: Vec<String>,
}

impl ScriptedPrompter {
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self {
            replies: replies.into_iter().collect(),
            trace: Vec::new(),
        }
    }
}

impl Prompter for ScriptedPrompter {
    fn ask(&mut self, step: &Step) -> anyhow::Result<Reply> {
        let choices: Vec<&str> = step.choices.iter().map(|choice| choice.value).collect();
        let mut line = format!(
            "Step {} of {} · {}: {}",
            step.number,
            step.of_total(),
            step.question.id,
            step.question.prompt
        );
        if !choices.is_empty() {
            line.push_str(&format!(" [{}]", choices.join(", ")));
        }
        if let Some(recommendation) = &step.recommendation {
            line.push_str(&format!(
                " (recommended: {})",
                recommendation.primary.info().class_name
            ));
        }
        self.trace.push(line);
        self.replies
            .pop_front()
            .ok_or_else(|| anyhow::anyhow!("the script has no reply for `{}`", step.question.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str) -> Reply {
        Reply::Answer(Answer::One(value.into()))
    }

    #[test]
    fn a_scripted_walk_with_one_step_back() {
        let mut flow = NewFlow::new();
        let mut prompter = ScriptedPrompter::new([
            one("realtime"),
            one("small"),
            Reply::Back,
            one("medium"),
            one("hybrid"),
            one("filtering"),
            Reply::Answer(Answer::Many(vec!["rate-limiter".into()])),
            Reply::Answer(Answer::Text("my-chat".into())),
        ]);
        assert_eq!(
            drive(&mut flow, &mut prompter).unwrap(),
            Completion::Answered
        );
        let answers = flow.finish().unwrap();
        assert_eq!(answers.requirements.scale, crate::recommend::Scale::Medium);
        assert_eq!(answers.project_name, "my-chat");
        insta::with_settings!({snapshot_path => "../../snapshots/flow", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("walk_with_back", prompter.trace.join("\n"));
        });
    }

    #[test]
    fn quit_stops_the_walk() {
        let mut flow = NewFlow::new();
        let mut prompter = ScriptedPrompter::new([one("realtime"), Reply::Quit]);
        assert_eq!(drive(&mut flow, &mut prompter).unwrap(), Completion::Quit);
        assert!(flow.finish().is_err());
    }
}
