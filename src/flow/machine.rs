//! The state machine of `do-wizard new`.
//!
//! It knows which question comes next given the answers so far (the storage
//! question only when the key-value backend is on offer; the companion
//! question after the recommendation), how to go back one question, and how
//! to turn the answers into typed [`NewAnswers`]. Front ends only show what
//! [`NewFlow::next_step`] returns and feed replies to [`NewFlow::answer`]; the
//! answers file and flags use [`NewFlow::preset`].

use std::path::PathBuf;

use super::answers::{Answer, Answers};
use super::new_questions::{self, NEW_QUESTIONS};
use super::question::{Choice, Question};
use crate::recommend::{
    self, ConfigStyle, Overrides, PatternId, Persistence, Queries, Recommendation, Requirements,
    Scale, Storage, UseCase,
};

/// A question as the flow asks it now: with the choices and default that fit
/// the answers so far, and its place among the questions to ask.
#[derive(Debug, Clone)]
pub struct Step {
    pub question: &'static Question,
    pub choices: Vec<Choice>,
    pub default: String,
    /// 1-based position and total, for `Step 2 of 5`.
    pub number: usize,
    pub total: usize,
    /// The total if a question that may still be asked is asked (the
    /// storage question, until the answers decide it); `total` otherwise.
    pub total_max: usize,
    /// The recommendation, once the questions it depends on are answered.
    pub recommendation: Option<Recommendation>,
}

impl Step {
    /// The total as shown: `6`, or `6–7` while a conditional question is
    /// undecided, so the count never contradicts an earlier step.
    pub fn of_total(&self) -> String {
        if self.total_max > self.total {
            format!("{}–{}", self.total, self.total_max)
        } else {
            self.total.to_string()
        }
    }
}

/// The package manager the generated README and next steps use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Npm,
    Pnpm,
    Yarn,
    Bun,
}

impl PackageManager {
    pub fn from_value(value: &str) -> Option<Self> {
        match value {
            "npm" => Some(Self::Npm),
            "pnpm" => Some(Self::Pnpm),
            "yarn" => Some(Self::Yarn),
            "bun" => Some(Self::Bun),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::Pnpm => "pnpm",
            Self::Yarn => "yarn",
            Self::Bun => "bun",
        }
    }

    /// How to run a package script, e.g. `npm run`.
    pub fn run(self) -> &'static str {
        match self {
            Self::Npm => "npm run",
            Self::Pnpm => "pnpm",
            Self::Yarn => "yarn",
            Self::Bun => "bun run",
        }
    }

    /// How to run a package's binary, e.g. `npx`.
    pub fn exec(self) -> &'static str {
        match self {
            Self::Npm => "npx",
            Self::Pnpm => "pnpm exec",
            Self::Yarn => "yarn",
            Self::Bun => "bunx",
        }
    }
}

/// Everything `new` needs, typed and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAnswers {
    pub requirements: Requirements,
    pub overrides: Overrides,
    pub project_name: String,
    pub dir: Option<PathBuf>,
    pub compatibility_date: String,
    pub config_style: ConfigStyle,
    pub git: bool,
    pub install: bool,
    pub package_manager: PackageManager,
}

/// The questions the interactive flow may ask, in order.
const ASKED: [&str; 7] = [
    "use_case",
    "scale",
    "persistence",
    "queries",
    "storage",
    "patterns",
    "project_name",
];

/// The flow of `new`: answers so far, and the order they were asked in.
#[derive(Debug, Clone, Default)]
pub struct NewFlow {
    answers: Answers,
    /// Ids answered through [`NewFlow::answer`], for going back.
    history: Vec<&'static str>,
    /// Ids answered before the flow started (file, flags): never asked.
    preset: Vec<&'static str>,
    /// The directory given on the command line, for the default project name.
    dir_hint: Option<String>,
    /// Answers forgotten by going back or reopening: asked again, a question
    /// starts from its previous answer (e.g. the companions ticked before).
    previous: Answers,
}

impl NewFlow {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remember the target directory named on the command line, so the
    /// project name defaults to its last component when that is a valid name.
    pub fn with_dir_hint(mut self, dir: Option<&std::path::Path>) -> Self {
        self.dir_hint = dir.and_then(super::worker_name::dir_name);
        self
    }

    /// Why the directory named on the command line gives no Worker name
    /// (so the default is used), when it does not.
    pub fn dir_hint_problem(&self) -> Option<String> {
        let name = self.dir_hint.as_deref()?;
        let why = super::worker_name::from_dir_name(name).err()?;
        Some(format!(
            "note: no Worker name from the directory `{}`: {why}; using `{}` (set `project_name` in an answers file to choose one)",
            crate::error::quote(name),
            question("project_name").default
        ))
    }

    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// Record an answer that came from a file or a flag; it will not be asked.
    pub fn preset(&mut self, id: &'static str, answer: Answer) -> Result<(), String> {
        validate_text(id, &answer)?;
        self.answers.insert(id, answer);
        if !self.preset.contains(&id) {
            self.preset.push(id);
        }
        Ok(())
    }

    /// The four answers the recommendation needs, once they are all given.
    pub fn requirements(&self) -> Option<Requirements> {
        let get = |id: &str| self.answers.get(id).and_then(Answer::as_str);
        Some(Requirements {
            use_case: UseCase::from_value(get("use_case")?)?,
            scale: Scale::from_value(get("scale")?)?,
            persistence: Persistence::from_value(get("persistence")?)?,
            queries: Queries::from_value(get("queries")?)?,
        })
    }

    fn forced_pattern(&self) -> Option<PatternId> {
        self.answers
            .get("pattern")
            .and_then(Answer::as_str)
            .and_then(PatternId::from_slug)
    }

    /// The recommendation from the answers so far (companions and storage
    /// included once answered), if the four requirements are known.
    pub fn recommendation(&self) -> Option<Recommendation> {
        let requirements = self.requirements()?;
        recommend::recommend(&requirements, &self.overrides()).ok()
    }

    fn overrides(&self) -> Overrides {
        Overrides {
            pattern: self.forced_pattern(),
            storage: self
                .answers
                .get("storage")
                .and_then(Answer::as_str)
                .and_then(Storage::from_value),
            companions: self
                .answers
                .get("patterns")
                .map(|answer| {
                    answer
                        .as_list()
                        .iter()
                        .filter_map(|slug| PatternId::from_slug(slug))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether `id` is a question this flow would ask given the answers so far.
    fn applies(&self, id: &str) -> bool {
        match id {
            "storage" => self.requirements().is_some_and(|requirements| {
                let primary = self
                    .forced_pattern()
                    .unwrap_or_else(|| recommend::pattern_for(requirements.use_case));
                recommend::kv_offered(&requirements, primary)
            }),
            _ => ASKED.contains(&id),
        }
    }

    /// The questions still to be asked or already asked in this session.
    fn to_ask(&self) -> Vec<&'static str> {
        ASKED
            .into_iter()
            .filter(|id| !self.preset.contains(id) && self.applies(id))
            .collect()
    }

    /// The next question to ask, or `None` when every asked question is answered.
    pub fn next_step(&self) -> Option<Step> {
        let to_ask = self.to_ask();
        let (index, id) = to_ask
            .iter()
            .enumerate()
            .find(|(_, id)| !self.answers.contains_key(*id))?;
        let question = question(id);
        let recommendation = match *id {
            "storage" | "patterns" | "project_name" => self.recommendation(),
            _ => None,
        };
        let choices = self.choices_for(question, recommendation.as_ref());
        Some(Step {
            question,
            default: self.default_for(question, &choices),
            choices,
            number: index + 1,
            total: to_ask.len(),
            total_max: to_ask.len() + usize::from(self.storage_undecided()),
            recommendation,
        })
    }

    /// Whether the storage question may still be asked but the answers so
    /// far do not decide it (it depends on the primary pattern and on the
    /// queries).
    fn storage_undecided(&self) -> bool {
        if self.preset.contains(&"storage") || self.requirements().is_some() {
            return false;
        }
        let primary = self.forced_pattern().or_else(|| {
            self.answers
                .get("use_case")
                .and_then(Answer::as_str)
                .and_then(UseCase::from_value)
                .map(recommend::pattern_for)
        });
        let queries = self.answers.get("queries").and_then(Answer::as_str);
        primary.is_none_or(|primary| primary.info().supports_kv())
            && queries.is_none_or(|queries| queries == Queries::KeyValue.value())
    }

    fn choices_for(
        &self,
        question: &Question,
        recommendation: Option<&Recommendation>,
    ) -> Vec<Choice> {
        match (question.id, recommendation) {
            ("patterns", Some(recommendation)) => {
                recommend::companion_order(recommendation.primary)
                    .into_iter()
                    .map(|companion| {
                        let base = *new_questions::patterns()
                            .choice(companion.slug())
                            .expect("every pattern is a choice");
                        match recommend::patterns::combination(recommendation.primary, companion) {
                            Some(combination) => Choice {
                                description: combination.why,
                                label: combination.label_of(companion),
                                ..base
                            },
                            None => base,
                        }
                    })
                    .collect()
            }
            _ => question.choices.to_vec(),
        }
    }

    fn default_for(&self, question: &Question, choices: &[Choice]) -> String {
        let offered = |value: &str| choices.iter().any(|choice| choice.value == value);
        match self.previous.get(question.id) {
            Some(Answer::One(value)) if offered(value) => return value.clone(),
            Some(Answer::Many(values)) => {
                let kept: Vec<&str> = values
                    .iter()
                    .map(String::as_str)
                    .filter(|value| offered(value))
                    .collect();
                return kept.join(",");
            }
            Some(Answer::Text(text)) => return text.clone(),
            _ => {}
        }
        match question.id {
            "project_name" => self
                .dir_hint
                .as_deref()
                .and_then(|name| super::worker_name::from_dir_name(name).ok())
                .unwrap_or_else(|| question.default.to_string()),
            _ => question.default.to_string(),
        }
    }

    /// Answer the current step's question.
    pub fn answer(&mut self, answer: Answer) -> Result<(), String> {
        let step = self.next_step().ok_or("every question is answered")?;
        let id = step.question.id;
        if let Some(value) = answer.as_str()
            && !step.choices.is_empty()
            && !step.choices.iter().any(|choice| choice.value == value)
        {
            return Err(format!("`{value}` is not an option for `{id}`"));
        }
        validate_text(id, &answer)?;
        self.answers.insert(id, answer);
        self.history.push(id);
        Ok(())
    }

    /// Go back one question: forget the last answer given in this flow.
    /// Returns false when there is nothing to go back to.
    pub fn back(&mut self) -> bool {
        match self.history.pop() {
            Some(id) => {
                self.forget(id);
                true
            }
            None => false,
        }
    }

    /// Remove the answer to `id`, remembering it as the starting point when
    /// `id` is asked again.
    fn forget(&mut self, id: &'static str) {
        if let Some(answer) = self.answers.remove(id) {
            self.previous.insert(id, answer);
        }
    }

    /// The questions answered in this session, in the order they were
    /// asked, with their answers: what a review offers to change.
    pub fn answered(&self) -> Vec<(&'static Question, &Answer)> {
        self.history
            .iter()
            .filter_map(|id| Some((question(id), self.answers.get(id)?)))
            .collect()
    }

    /// Ask `id` again: forget its answer and the answers that were offered
    /// because of it (`storage` and `patterns` depend on the pattern the use
    /// case points at; `storage` also on the queries). Returns false when `id`
    /// was not answered in this session.
    pub fn reopen(&mut self, id: &str) -> bool {
        let Some(position) = self.history.iter().position(|asked| *asked == id) else {
            return false;
        };
        let dependents: &[&str] = match id {
            "use_case" => &["storage", "patterns"],
            "queries" => &["storage"],
            _ => &[],
        };
        let id = self.history.remove(position);
        self.forget(id);
        for dependent in dependents {
            if let Some(index) = self.history.iter().position(|asked| asked == dependent) {
                let dependent = self.history.remove(index);
                self.forget(dependent);
            }
        }
        true
    }

    /// Answer every open question with its default (`--yes`, or no terminal).
    pub fn fill_defaults(&mut self) {
        while let Some(step) = self.next_step() {
            let answer = Answer::parse(step.question, &step.default)
                .expect("question defaults are valid answers");
            self.answers.insert(step.question.id, answer);
            self.preset.push(step.question.id);
        }
    }

    /// The typed answers, once every asked question is answered. Script-only
    /// questions that were not answered take their defaults. The error names
    /// the question at fault.
    pub fn finish(&self) -> Result<NewAnswers, (&'static str, String)> {
        if let Some(step) = self.next_step() {
            return Err((step.question.id, "no answer given".to_string()));
        }
        let requirements = self
            .requirements()
            .ok_or(("use_case", "no answer given".to_string()))?;
        let overrides = self.overrides();
        recommend::recommend(&requirements, &overrides)?;
        let text = |id: &'static str| -> String {
            match self.answers.get(id) {
                Some(answer) => answer.as_str().unwrap_or_default().to_string(),
                None => question(id).default.to_string(),
            }
        };
        let flag = |id: &'static str| -> bool {
            match self.answers.get(id).and_then(Answer::as_flag) {
                Some(flag) => flag,
                None => question(id).default == "true",
            }
        };
        let project_name = text("project_name");
        let dir = Some(text("dir"))
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        Ok(NewAnswers {
            requirements,
            overrides,
            project_name,
            dir,
            compatibility_date: text("compatibility_date"),
            config_style: ConfigStyle::from_value(&text("config_style"))
                .unwrap_or(ConfigStyle::Exports),
            git: flag("git"),
            install: flag("install"),
            package_manager: PackageManager::from_value(&text("package_manager"))
                .unwrap_or(PackageManager::Npm),
        })
    }
}

fn question(id: &str) -> &'static Question {
    let questions: &'static [Question] = &NEW_QUESTIONS;
    questions
        .iter()
        .find(|question| question.id == id)
        .expect("the flow only names known questions")
}

/// Check the free-text answers that have a format.
fn validate_text(id: &str, answer: &Answer) -> Result<(), String> {
    match (id, answer.as_str()) {
        ("project_name", Some(name)) => valid_project_name(name),
        ("compatibility_date", Some(date)) => valid_date(date),
        ("dir", Some("")) => Err("expected a directory path, found an empty string".to_string()),
        _ => Ok(()),
    }
}

/// A Worker name: lowercase letters, digits and dashes, 1–63 characters,
/// starting with a letter.
pub fn valid_project_name(name: &str) -> Result<(), String> {
    let well_formed = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid Worker name; expected lowercase letters, digits and dashes, 1–63 characters, starting with a letter",
            crate::error::quote(name)
        ))
    }
}

/// A `YYYY-MM-DD` date that exists.
pub fn valid_date(date: &str) -> Result<(), String> {
    let parts: Vec<&str> = date.split('-').collect();
    let number = |text: &str, width: usize| {
        (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    let ok = match parts.as_slice() {
        [year, month, day] => match (number(year, 4), number(month, 2), number(day, 2)) {
            (Some(year), Some(month @ 1..=12), Some(day)) => {
                let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
                let days = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                (1..=days).contains(&day) && year >= 2021
            }
            _ => false,
        },
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a compatibility date; expected YYYY-MM-DD, 2021-01-01 or later",
            crate::error::quote(date)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str) -> Answer {
        Answer::One(value.to_string())
    }

    #[test]
    fn storage_is_asked_only_when_kv_is_offered() {
        let mut flow = NewFlow::new();
        for value in ["rate-limiting", "small", "session", "key-value"] {
            flow.answer(one(value)).unwrap();
        }
        let step = flow.next_step().unwrap();
        assert_eq!(step.question.id, "storage");
        assert_eq!((step.number, step.total), (5, 7));
        assert!(step.recommendation.is_some());

        let mut flow = NewFlow::new();
        for value in ["realtime", "small", "hybrid", "key-value"] {
            flow.answer(one(value)).unwrap();
        }
        let step = flow.next_step().unwrap();
        assert_eq!(step.question.id, "patterns");
        assert_eq!((step.number, step.total), (5, 6));
    }

    #[test]
    fn esc_back_cleared_the_companion_checkboxes() {
        let mut flow = NewFlow::new();
        for value in ["realtime", "medium", "hybrid", "filtering"] {
            flow.answer(one(value)).unwrap();
        }
        flow.answer(Answer::Many(vec![
            "rate-limiter".into(),
            "analytics".into(),
        ]))
        .unwrap();
        assert_eq!(flow.next_step().unwrap().question.id, "project_name");
        assert!(flow.back());
        let step = flow.next_step().unwrap();
        assert_eq!(step.question.id, "patterns");
        assert_eq!(step.default, "rate-limiter,analytics");
        // Back again past the scale: the scale starts from its answer too.
        for _ in 0..3 {
            flow.back();
        }
        assert_eq!(flow.next_step().unwrap().default, "medium");
        // A companion no longer offered (it became the primary) is dropped.
        let mut flow = NewFlow::new();
        for value in ["realtime", "medium", "hybrid", "filtering"] {
            flow.answer(one(value)).unwrap();
        }
        flow.answer(Answer::Many(vec!["analytics".into()])).unwrap();
        flow.reopen("use_case");
        flow.answer(one("aggregation")).unwrap();
        assert_eq!(flow.next_step().unwrap().default, "");
    }

    #[test]
    fn step_4_of_6_was_followed_by_step_5_of_7() {
        // Every shown total (a range while storage is undecided) holds the
        // number of questions finally asked.
        for (use_case, queries, asked) in [
            ("rate-limiting", "key-value", 7),
            ("rate-limiting", "filtering", 6),
            ("realtime", "key-value", 6),
        ] {
            let mut flow = NewFlow::new();
            let mut shown = Vec::new();
            for value in [use_case, "small", "session", queries] {
                let step = flow.next_step().unwrap();
                shown.push((step.total, step.total_max, step.of_total()));
                flow.answer(one(value)).unwrap();
            }
            while let Some(step) = flow.next_step() {
                shown.push((step.total, step.total_max, step.of_total()));
                let answer = Answer::parse(step.question, &step.default).unwrap();
                flow.answer(answer).unwrap();
            }
            assert_eq!(shown.len(), asked);
            for (total, total_max, _) in &shown {
                assert!(
                    (*total..=*total_max).contains(&asked),
                    "{use_case}: {shown:?}"
                );
            }
            assert_eq!(shown.last().unwrap().2, asked.to_string());
        }
        // Nothing answered: the use case decides whether storage can come.
        assert_eq!(NewFlow::new().next_step().unwrap().of_total(), "6–7");
        let mut flow = NewFlow::new();
        flow.answer(one("realtime")).unwrap();
        assert_eq!(flow.next_step().unwrap().of_total(), "6");
    }

    #[test]
    fn companions_offer_the_seed_combination_first() {
        let mut flow = NewFlow::new();
        for value in ["realtime", "medium", "hybrid", "filtering"] {
            flow.answer(one(value)).unwrap();
        }
        let step = flow.next_step().unwrap();
        assert_eq!(step.choices[0].value, "rate-limiter");
        assert_eq!(step.choices[0].label, "Rate limiter — spam prevention");
        assert!(step.choices.iter().all(|choice| choice.value != "chat"));
    }

    #[test]
    fn back_forgets_the_last_answer_only() {
        let mut flow = NewFlow::new();
        flow.answer(one("aggregation")).unwrap();
        flow.answer(one("large")).unwrap();
        assert!(flow.back());
        assert_eq!(flow.next_step().unwrap().question.id, "scale");
        assert_eq!(flow.answers().get("use_case"), Some(&one("aggregation")));
        assert!(flow.back());
        assert!(!flow.back());
    }

    #[test]
    fn reopen_asks_one_answer_again_with_its_dependents() {
        let mut flow = NewFlow::new();
        for value in ["rate-limiting", "small", "session", "key-value", "kv"] {
            flow.answer(one(value)).unwrap();
        }
        flow.answer(Answer::Many(vec!["analytics".into()])).unwrap();
        flow.answer(Answer::Text("limits".into())).unwrap();
        assert!(flow.next_step().is_none());

        assert!(flow.reopen("scale"));
        assert_eq!(flow.next_step().unwrap().question.id, "scale");
        flow.answer(one("large")).unwrap();
        assert!(flow.next_step().is_none(), "nothing depends on the scale");

        assert!(flow.reopen("use_case"));
        flow.answer(one("aggregation")).unwrap();
        // Analytics has no key-value variant: storage is no longer asked, and
        // the companions are offered again for the new primary.
        let step = flow.next_step().unwrap();
        assert_eq!(step.question.id, "patterns");
        assert!(
            step.choices
                .iter()
                .all(|choice| choice.value != "analytics")
        );
        let asked: Vec<&str> = flow
            .answered()
            .iter()
            .map(|(question, _)| question.id)
            .collect();
        assert_eq!(
            asked,
            [
                "persistence",
                "queries",
                "project_name",
                "scale",
                "use_case"
            ]
        );
        assert!(!flow.reopen("storage"));
    }

    #[test]
    fn presets_are_not_asked_and_shrink_the_count() {
        let mut flow = NewFlow::new();
        flow.preset("use_case", one("realtime")).unwrap();
        flow.preset("project_name", Answer::Text("chat".into()))
            .unwrap();
        let step = flow.next_step().unwrap();
        assert_eq!(step.question.id, "scale");
        assert_eq!((step.number, step.total), (1, 4));
    }

    #[test]
    fn defaults_complete_the_flow() {
        let mut flow = NewFlow::new().with_dir_hint(Some(std::path::Path::new("out/my-app")));
        flow.fill_defaults();
        let answers = flow.finish().unwrap();
        assert_eq!(answers.project_name, "my-app");
        assert_eq!(
            answers.requirements.use_case,
            UseCase::from_value("realtime").unwrap()
        );
        assert_eq!(
            answers.compatibility_date,
            recommend::DEFAULT_COMPATIBILITY_DATE
        );
        assert_eq!(answers.package_manager, PackageManager::Npm);
        assert!(!answers.git);
    }

    #[test]
    fn names_and_dates_are_checked() {
        assert!(valid_project_name("my-chat-2").is_ok());
        for bad in ["", "My-Chat", "2chat", "chat_room", &"a".repeat(64)] {
            assert!(valid_project_name(bad).is_err(), "{bad}");
        }
        assert!(valid_date("2024-02-29").is_ok());
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024-1-01",
            "2020-01-01",
        ] {
            assert!(valid_date(bad).is_err(), "{bad}");
        }
    }
}
