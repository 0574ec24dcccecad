//! `do-wizard add PATTERN`: read the project, settle the names (flags, then
//! the answers file, then prompts in a terminal or the pattern's own names
//! with `--yes`), plan, then print the diff (`--dry-run`) or write it all
//! or nothing.

use std::sync::OnceLock;

use crate::Outcome;
use crate::add::{self, AddPattern};
use crate::cli::AddArgs;
use crate::flow::answers::Answer;
use crate::flow::answers_file::{self, AnswersFile};
use crate::flow::question::{Choice, Kind, Question};
use crate::input_error;
use crate::terminal::{Environment, Interaction as Mode};

/// The questions of `add`, as the answers file names them.
pub fn questions() -> &'static [Question] {
    static QUESTIONS: OnceLock<Vec<Question>> = OnceLock::new();
    QUESTIONS.get_or_init(|| {
        let choices: Vec<Choice> = add::pattern::all()
            .into_iter()
            .map(|pattern| Choice {
                value: Box::leak(pattern.id.into_boxed_str()),
                label: Box::leak(pattern.title.into_boxed_str()),
                description: Box::leak(
                    format!("class {}, binding {}", pattern.class_name, pattern.binding)
                        .into_boxed_str(),
                ),
            })
            .collect();
        vec![
            Question {
                id: "pattern",
                header: "Pattern",
                prompt: "Which pattern should be added?",
                kind: Kind::Select,
                choices: Box::leak(choices.into_boxed_slice()),
                default: "",
                script_only: false,
            },
            Question {
                id: "class_name",
                header: "Class",
                prompt: "Durable Object class name?",
                kind: Kind::Text,
                choices: &[],
                default: "",
                script_only: false,
            },
            Question {
                id: "binding",
                header: "Binding",
                prompt: "Binding name on env?",
                kind: Kind::Text,
                choices: &[],
                default: "",
                script_only: false,
            },
        ]
    })
}

fn text_of(file: Option<&AnswersFile>, id: &str) -> Option<String> {
    match &file?.get(id)?.answer {
        Answer::One(value) | Answer::Text(value) => Some(value.clone()),
        _ => None,
    }
}

/// Run `add` with the arguments from the command line.
pub fn run(args: &AddArgs) -> anyhow::Result<Outcome> {
    let file = match &args.answers {
        Some(path) => Some(answers_file::read(path, questions())?),
        None => None,
    };
    let mode = if args.yes {
        Mode::Scripted
    } else {
        Environment::detect().interaction(true)
    };
    if mode == Mode::Scripted && !args.yes && file.is_none() {
        return Err(input_error!(
            "no terminal to ask the questions on; pass --yes to take the pattern's own names and values, or --answers FILE"
        ));
    }
    // The project first: a project that cannot be grown is refused before
    // any question.
    let project = add::read(&args.dir)?;

    let pattern_id = match args
        .pattern
        .clone()
        .or_else(|| text_of(file.as_ref(), "pattern"))
    {
        Some(id) => id,
        None if mode != Mode::Scripted => match ask_pattern()? {
            Some(id) => id,
            None => return Ok(super::quit("nothing was written")),
        },
        None => {
            return Err(input_error!(
                "no pattern given: name one (`do-wizard add rate-limiter`) or set `pattern` in --answers FILE; the patterns are {}",
                pattern_list()
            ));
        }
    };
    let Some(default) = add::pattern::find(&pattern_id) else {
        let message = format!(
            "unknown pattern {}; the patterns are {}",
            crate::error::quote(&pattern_id),
            pattern_list()
        );
        return Err(match &file {
            Some(file) if args.pattern.is_none() => file.error_at("pattern", message).into(),
            _ => input_error!("{message}"),
        });
    };
    let mut chosen: AddPattern = default.clone();
    let ask = mode != Mode::Scripted && file.is_none();
    // A name from its flag, the answers file, the terminal or the default;
    // None when the person quits at the prompt.
    let pick = |flag: &Option<String>, id: &str, prompt: &str, default: &str| match flag
        .clone()
        .or_else(|| text_of(file.as_ref(), id))
    {
        Some(name) => Ok(Some(name)),
        None if ask => ask_text(prompt, default),
        None => Ok(Some(default.to_string())),
    };
    let Some(class_name) = pick(
        &args.class_name,
        "class_name",
        "Durable Object class name?",
        &default.class_name,
    )?
    else {
        return Ok(super::quit("nothing was written"));
    };
    chosen.class_name = class_name;
    let Some(binding) = pick(
        &args.binding,
        "binding",
        "Binding name on env?",
        &default.binding,
    )?
    else {
        return Ok(super::quit("nothing was written"));
    };
    chosen.binding = binding;

    if ask {
        // The vars the project does not set yet, with the pattern's defaults.
        for var in chosen
            .vars
            .iter_mut()
            .filter(|var| !project.vars.contains(&var.name))
        {
            let prompt = match &var.comment {
                Some(comment) => format!("{} ({comment})", var.name),
                None => var.name.clone(),
            };
            match ask_value(&prompt, &var.default)? {
                Some(value) => var.default = value,
                None => return Ok(super::quit("nothing was written")),
            }
        }
    }
    let plan = add::plan(&project, &chosen)?;
    if args.dry_run {
        print!("{}", plan.diff());
        for note in &plan.notes {
            println!("\n{note}");
        }
        println!(
            "\n(dry run: {} files would change; nothing was written)",
            plan.changes.len()
        );
        return Ok(Outcome::Success);
    }
    crate::terminal::screen::handle_signals();
    plan.write(&args.dir)?;
    println!(
        "Added {} (class {}, binding {}):",
        chosen.id, chosen.class_name, chosen.binding
    );
    for change in &plan.changes {
        let verb = if change.before.is_some() {
            "edited"
        } else {
            "created"
        };
        println!("  {verb} {}", change.path.display());
    }
    for note in &plan.notes {
        println!("\n{note}");
    }
    Ok(Outcome::Success)
}

fn pattern_list() -> String {
    add::pattern::all()
        .iter()
        .map(|pattern| format!("`{}`", pattern.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ask which pattern; `None` when the user quits.
fn ask_pattern() -> anyhow::Result<Option<String>> {
    let patterns = add::pattern::all();
    let labels: Vec<String> = patterns
        .iter()
        .map(|pattern| format!("{} — {}", pattern.id, pattern.title))
        .collect();
    match inquire::Select::new("Which pattern should be added?", labels.clone()).prompt() {
        Ok(label) => {
            let index = labels.iter().position(|l| *l == label).unwrap_or(0);
            Ok(Some(patterns[index].id.clone()))
        }
        Err(
            inquire::InquireError::OperationCanceled | inquire::InquireError::OperationInterrupted,
        ) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Ask for a var's value (any text without a line break); `None` when the user quits.
fn ask_value(prompt: &str, default: &str) -> anyhow::Result<Option<String>> {
    match inquire::Text::new(prompt).with_default(default).prompt() {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(
            inquire::InquireError::OperationCanceled | inquire::InquireError::OperationInterrupted,
        ) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Ask for a name, with the pattern's as the default; `None` when the user quits.
fn ask_text(prompt: &str, default: &str) -> anyhow::Result<Option<String>> {
    let validator = |input: &str| {
        Ok(if add::plan::is_identifier(input) {
            inquire::validator::Validation::Valid
        } else {
            inquire::validator::Validation::Invalid(
                "not a TypeScript identifier (letters, digits, _ and $, not starting with a digit)"
                    .into(),
            )
        })
    };
    match inquire::Text::new(prompt)
        .with_default(default)
        .with_validator(validator)
        .prompt()
    {
        Ok(text) => Ok(Some(text)),
        Err(
            inquire::InquireError::OperationCanceled | inquire::InquireError::OperationInterrupted,
        ) => Ok(None),
        Err(error) => Err(error.into()),
    }
}
