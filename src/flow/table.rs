//! A linear flow over a table of select questions, for wizards whose
//! questions do not depend on each other (`optimize`'s three questions).
//!
//! It keeps the same promises as [`super::NewFlow`]: preset answers (from a
//! file or flags) are never asked and shrink the step count, an answer must be
//! one of the question's choices, and going back forgets only the last answer
//! given in this session.

use super::answers::{Answer, Answers};
use super::machine::Step;
use super::prompter::QuestionFlow;
use super::question::Question;

/// Walks `questions` in order.
#[derive(Debug, Clone)]
pub struct TableFlow {
    questions: &'static [Question],
    answers: Answers,
    history: Vec<&'static str>,
    preset: Vec<&'static str>,
}

impl TableFlow {
    pub fn new(questions: &'static [Question]) -> Self {
        Self {
            questions,
            answers: Answers::new(),
            history: Vec::new(),
            preset: Vec::new(),
        }
    }

    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// Record an answer that came from a file or a flag; it will not be asked.
    pub fn preset(&mut self, id: &'static str, answer: Answer) {
        self.answers.insert(id, answer);
        if !self.preset.contains(&id) {
            self.preset.push(id);
        }
    }

    /// Answer every open question with its default.
    pub fn fill_defaults(&mut self) {
        while let Some(step) = QuestionFlow::next_step(self) {
            let answer = Answer::parse(step.question, &step.default)
                .expect("question defaults are valid answers");
            self.preset(step.question.id, answer);
        }
    }

    fn to_ask(&self) -> Vec<&'static Question> {
        self.questions
            .iter()
            .filter(|question| !question.script_only && !self.preset.contains(&question.id))
            .collect()
    }
}

impl QuestionFlow for TableFlow {
    fn next_step(&self) -> Option<Step> {
        let to_ask = self.to_ask();
        let (index, question) = to_ask
            .iter()
            .enumerate()
            .find(|(_, question)| !self.answers.contains_key(question.id))?;
        Some(Step {
            question,
            choices: question.choices.to_vec(),
            default: question.default.to_string(),
            number: index + 1,
            total: to_ask.len(),
            total_max: to_ask.len(),
            recommendation: None,
        })
    }

    fn answer(&mut self, answer: Answer) -> Result<(), String> {
        let step = QuestionFlow::next_step(self).ok_or("every question is answered")?;
        let question = step.question;
        if let Some(value) = answer.as_str()
            && !question.choices.is_empty()
            && question.choice(value).is_none()
        {
            return Err(format!(
                "`{}` is not an option for `{}`; expected {}",
                crate::error::quote(value),
                question.id,
                question.allowed_values()
            ));
        }
        self.answers.insert(question.id, answer);
        self.history.push(question.id);
        Ok(())
    }

    fn back(&mut self) -> bool {
        match self.history.pop() {
            Some(id) => {
                self.answers.remove(id);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::question::{Choice, Kind};
    use crate::flow::{Completion, Reply, ScriptedPrompter, drive};

    const CHOICES: &[Choice] = &[
        Choice {
            value: "a",
            label: "A",
            description: "first",
        },
        Choice {
            value: "b",
            label: "B",
            description: "second",
        },
    ];
    const fn select(id: &'static str) -> Question {
        Question {
            id,
            header: id,
            prompt: "Which?",
            kind: Kind::Select,
            choices: CHOICES,
            default: "a",
            script_only: false,
        }
    }
    const TABLE: &[Question] = &[select("one"), select("two"), select("three")];

    fn one(value: &str) -> Reply {
        Reply::Answer(Answer::One(value.into()))
    }

    #[test]
    fn walks_in_order_with_back_and_presets() {
        let mut flow = TableFlow::new(TABLE);
        flow.preset("two", Answer::One("b".into()));
        let mut prompter = ScriptedPrompter::new([one("a"), Reply::Back, one("b"), one("a")]);
        assert_eq!(
            drive(&mut flow, &mut prompter).unwrap(),
            Completion::Answered
        );
        assert_eq!(
            prompter.trace,
            [
                "Step 1 of 2 · one: Which? [a, b]",
                "Step 2 of 2 · three: Which? [a, b]",
                "Step 1 of 2 · one: Which? [a, b]",
                "Step 2 of 2 · three: Which? [a, b]",
            ]
        );
        let answers: Vec<_> = flow
            .answers()
            .iter()
            .map(|(id, a)| (*id, a.as_str().unwrap()))
            .collect();
        assert_eq!(answers, [("one", "b"), ("three", "a"), ("two", "b")]);
    }

    #[test]
    fn a_refused_answer_is_asked_again() {
        let mut flow = TableFlow::new(TABLE);
        let mut prompter = ScriptedPrompter::new([one("zzz"), one("a"), one("a"), one("b")]);
        assert_eq!(
            drive(&mut flow, &mut prompter).unwrap(),
            Completion::Answered
        );
        assert_eq!(prompter.trace.len(), 4);
        assert_eq!(flow.answers().get("three"), Some(&Answer::One("b".into())));
    }

    #[test]
    fn defaults_fill_what_is_open() {
        let mut flow = TableFlow::new(TABLE);
        flow.fill_defaults();
        assert!(QuestionFlow::next_step(&flow).is_none());
        assert_eq!(flow.answers().len(), 3);
    }
}
