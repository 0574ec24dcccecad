//! `do-wizard new`: answers → recommendation → plan → review → atomic write.
//!
//! Everything the user can get wrong is checked before anything is written:
//! the answers file, the project name, the target directory.
//!
//! Three ways to run it:
//! - full screen (a terminal on every stream, colour allowed): inquire
//!   prompts, then the ratatui review ([`crate::tui::review`]);
//! - plain (`--plain`, `NO_COLOR`, `TERM=dumb`, or stdout that is not a
//!   terminal, with terminals on stdin and stderr): numbered questions and a
//!   text review on stderr, answers read a line at a time;
//! - scripted (`--answers FILE` without a terminal, or `--yes`): no
//!   questions, no review.
//!
//! The way is the one [`crate::terminal`] policy's
//! ([`Environment::interaction`]), with `--yes` forcing scripted.
//!
//! In both interactive ways the review can send the user back to the last
//! question, or to any answer; the loop below re-asks and reviews again.
//! Quitting anywhere writes nothing.

use std::io::{Stderr, StdinLock};
use std::path::{Path, PathBuf};

use crate::Outcome;
use crate::cli::NewArgs;
use crate::error::InputError;
use crate::flow::answers_file::{self, AnswersFile};
use crate::flow::inquire_prompter::TerminalPrompter;
use crate::flow::machine::PackageManager;
use crate::flow::new_questions::NEW_QUESTIONS;
use crate::flow::plain::PlainPrompter;
use crate::flow::summary::recommendation_text;
use crate::flow::{Completion, NewAnswers, NewFlow, Prompter, drive};
use crate::input_error;
use crate::recommend::{self, Recommendation};
use crate::render::{self, Plan, write};
use crate::terminal::screen::{self, FullScreen};
use crate::terminal::{Environment, Interaction as Mode};
use crate::tui::event::TerminalEvents;
use crate::tui::review::{AnsweredQuestion, Review, ReviewOutcome};

/// Run `new` with the arguments from the command line.
pub fn run(args: &NewArgs) -> anyhow::Result<Outcome> {
    if let Some(dir) = &args.dir {
        write::check_target(dir, args.force)?;
    }
    let file = match &args.answers {
        Some(path) => Some(answers_file::read(path, &NEW_QUESTIONS)?),
        None => None,
    };
    // Plain prompts go to stderr and answers come from stdin: both must be
    // a terminal for any questions at all.
    let mode = if args.yes {
        Mode::Scripted
    } else {
        Environment::detect().interaction(args.plain)
    };
    if mode == Mode::Scripted && !args.yes && file.is_none() {
        return Err(input_error!(
            "no terminal to ask the questions on; pass --answers FILE to answer them from a file, or --yes to take the defaults"
        ));
    }

    let mut flow = NewFlow::new().with_dir_hint(args.dir.as_deref());
    if let Some(file) = &file {
        for entry in &file.answers {
            flow.preset(entry.id, entry.answer.clone())
                .map_err(|message| file.error_at(entry.id, message))?;
        }
    }
    if mode == Mode::Scripted {
        // SIGINT/SIGTERM in a script: never half a project, no staging left.
        screen::handle_signals();
        if flow.answers().get("project_name").is_none()
            && let Some(note) = flow.dir_hint_problem()
        {
            eprintln!("{note}");
        }
        flow.fill_defaults();
        let decided = decide(args, file.as_ref(), &flow)?;
        return finish(args, decided);
    }

    if mode == Mode::FullScreen {
        screen::begin_interactive();
    }
    let mut front = match mode {
        Mode::FullScreen => Front::FullScreen(TerminalPrompter::new(false)),
        _ => Front::Plain(
            PlainPrompter::new(std::io::stdin().lock(), std::io::stderr())
                .with_width(crate::terminal::width()),
        ),
    };
    loop {
        if drive(&mut flow, front.prompter())? == Completion::Quit {
            return Ok(super::quit("nothing was written"));
        }
        let decided = match decide(args, file.as_ref(), &flow) {
            Ok(decided) => decided,
            // A name typed here whose directory is taken: say so, ask again.
            Err(error) if target_from_name(args, &flow) && flow.reopen("project_name") => {
                eprintln!("{}", crate::error::render(&error));
                continue;
            }
            Err(error) => return Err(error),
        };
        if args.dry_run {
            return finish(args, decided);
        }
        let answered = flow
            .answered()
            .into_iter()
            .map(|(question, answer)| AnsweredQuestion::new(question, answer))
            .collect();
        let review = Review::new(
            &decided.answers.project_name,
            &decided.target,
            decided.recommendation.clone(),
            answered,
            decided.plan.clone(),
        )
        .with_config_style(decided.answers.config_style);
        let outcome = front.review(review)?;
        match outcome {
            ReviewOutcome::Accept => return finish(args, decided),
            ReviewOutcome::Back => {
                flow.back();
            }
            ReviewOutcome::Change(id) => {
                flow.reopen(id);
            }
            ReviewOutcome::Quit => return Ok(super::quit("nothing was written")),
        }
    }
}

/// The interactive front end: questions and review, full screen or plain.
enum Front {
    FullScreen(TerminalPrompter),
    Plain(PlainPrompter<StdinLock<'static>, Stderr>),
}

impl Front {
    fn prompter(&mut self) -> &mut dyn Prompter {
        match self {
            Front::FullScreen(prompter) => prompter,
            Front::Plain(prompter) => prompter,
        }
    }

    /// Show the review. Full screen: on the alternate screen, and the
    /// terminal is back to normal when this returns (or unwinds). Plain:
    /// text on stderr, the answer read from the prompts' own input.
    fn review(&mut self, mut review: Review) -> anyhow::Result<ReviewOutcome> {
        match self {
            Front::FullScreen(_) => {
                let mut screen = FullScreen::enter()?;
                crate::tui::run(
                    screen.terminal(),
                    &mut review,
                    &mut TerminalEvents::default(),
                )
            }
            Front::Plain(prompter) => {
                let (input, output) = prompter.streams();
                let width = crate::terminal::width();
                crate::tui::plain::review(width, &review, input, output)
            }
        }
    }
}

/// Everything decided before writing.
struct Decided {
    answers: NewAnswers,
    recommendation: Recommendation,
    target: PathBuf,
    plan: Plan,
}

/// Typed answers, recommendation, a target that may be written, the plan.
fn decide(args: &NewArgs, file: Option<&AnswersFile>, flow: &NewFlow) -> anyhow::Result<Decided> {
    let answers = flow
        .finish()
        .map_err(|(id, message)| place(file, id, message))?;
    let recommendation = recommend::recommend(&answers.requirements, &answers.overrides)
        .map_err(|(id, message)| place(file, id, message))?;
    let target = target_dir(args, &answers);
    // A `dir` from the answers file is named with its file and line.
    write::check_target(&target, args.force).map_err(|error| match file {
        Some(file) if args.dir.is_none() && file.get("dir").is_some() => {
            file.error_at("dir", crate::error::render(&error)).into()
        }
        _ => error,
    })?;
    let plan = render::plan(&answers, &recommendation)?;
    Ok(Decided {
        answers,
        recommendation,
        target,
        plan,
    })
}

/// Write the plan (or print it with `--dry-run`) and say what comes next.
fn finish(args: &NewArgs, decided: Decided) -> anyhow::Result<Outcome> {
    let Decided {
        answers,
        recommendation,
        target,
        plan,
    } = decided;
    if args.dry_run {
        print!("{}", recommendation_text(&recommendation));
        println!(
            "\nWould write {} files into {}:",
            plan.files.len(),
            target.display()
        );
        for file in &plan.files {
            println!("  {}", file.path.display());
        }
        return Ok(Outcome::Success);
    }
    // A signal waits for the moves into place (the write layer holds the
    // critical section), and removes an uncommitted staging directory.
    write::write_plan(&plan, &target, args.force)?;
    after_write(&answers, &target);
    print!(
        "{}",
        next_steps(&answers, &recommendation, &target, plan.files.len())
    );
    Ok(Outcome::Success)
}

/// Whether the target directory comes from the project name asked in this
/// session (so asking the name again can fix a taken directory).
fn target_from_name(args: &NewArgs, flow: &NewFlow) -> bool {
    args.dir.is_none()
        && flow.answers().get("dir").is_none()
        && flow
            .answered()
            .iter()
            .any(|(question, _)| question.id == "project_name")
}

/// An input error at the answer `id`: at its line when it came from a file.
fn place(file: Option<&AnswersFile>, id: &str, message: String) -> anyhow::Error {
    match file {
        Some(file) if file.get(id).is_some() => file.error_at(id, message).into(),
        _ => InputError::new(format!("`{id}`: {message}")).into(),
    }
}

/// The directory to write: the command line's, else the answers', else the
/// project name.
fn target_dir(args: &NewArgs, answers: &NewAnswers) -> PathBuf {
    args.dir
        .clone()
        .or_else(|| answers.dir.clone())
        .unwrap_or_else(|| PathBuf::from(&answers.project_name))
}

/// `git init` and the dependency install, when asked for. Their failure is
/// reported but does not undo the project.
fn after_write(answers: &NewAnswers, target: &Path) {
    let mut commands: Vec<Vec<&str>> = Vec::new();
    if answers.git {
        commands.push(vec!["git", "init", "--quiet"]);
    }
    if answers.install {
        commands.push(vec![answers.package_manager.name(), "install"]);
    }
    for command in commands {
        let status = std::process::Command::new(command[0])
            .args(&command[1..])
            .current_dir(target)
            .status();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => eprintln!("warning: `{}` exited with {status}", command.join(" ")),
            Err(error) => eprintln!("warning: could not run `{}`: {error}", command.join(" ")),
        }
    }
}

/// What was written, and what to do next: install, test, dev, deploy, tail.
pub fn next_steps(
    answers: &NewAnswers,
    recommendation: &Recommendation,
    target: &Path,
    file_count: usize,
) -> String {
    let classes: Vec<&str> = recommendation
        .patterns()
        .iter()
        .map(|pattern| pattern.info().class_name.as_str())
        .collect();
    let pm: PackageManager = answers.package_manager;
    let exec = pm.exec();
    let mut text = format!(
        "Created {} ({} files): {}\n\nNext steps:\n  cd {}\n",
        answers.project_name,
        file_count,
        classes.join(", "),
        target.display()
    );
    let run = pm.run();
    let mut steps: Vec<(String, &str)> = Vec::new();
    if !answers.install {
        steps.push((format!("{} install", pm.name()), ""));
    }
    steps.extend([
        (
            format!("{run} test"),
            "Vitest inside the Workers runtime (workerd)",
        ),
        (
            format!("{run} dev"),
            "local server on http://localhost:8787",
        ),
        (
            format!("{exec} wrangler deploy --dry-run"),
            "check the bundle and config",
        ),
        (
            format!("{exec} wrangler deploy"),
            "deploy (the first one with --secrets-file: see README.md)",
        ),
        (
            format!("{exec} wrangler tail --format json"),
            "live logs: CPU time, duration, errors",
        ),
    ]);
    let width = steps
        .iter()
        .map(|(command, _)| command.len())
        .max()
        .unwrap_or(0);
    for (command, comment) in steps {
        let line = if comment.is_empty() {
            format!("  {command}")
        } else {
            format!("  {command:<width$}  # {comment}")
        };
        text.push_str(line.trim_end());
        text.push('\n');
    }
    // Wrangler needs Node.js 22.12+; a machine with an older node and npm
    // gets Node 22 from the npm registry for one command.
    text.push_str(&format!(
        "\nNeeds Node.js 22.12 or newer (.node-version). With an older node, run a step under Node 22 from npm:\n  npx -y -p node@22 -- {run} dev\n"
    ));
    text
}
