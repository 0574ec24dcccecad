//! `do-wizard new`: answers → recommendation → plan → atomic write.
//!
//! Everything the user can get wrong is checked before anything is written:
//! the answers file, the project name, the target directory.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::Outcome;
use crate::cli::NewArgs;
use crate::error::InputError;
use crate::flow::answers_file::{self, AnswersFile};
use crate::flow::machine::PackageManager;
use crate::flow::new_questions::NEW_QUESTIONS;
use crate::flow::summary::recommendation_text;
use crate::flow::terminal::TerminalPrompter;
use crate::flow::{Completion, NewAnswers, NewFlow, drive};
use crate::input_error;
use crate::recommend::{self, Recommendation};
use crate::render::{self, write};

/// Run `new` with the arguments from the command line.
pub fn run(args: &NewArgs) -> anyhow::Result<Outcome> {
    if let Some(dir) = &args.dir {
        write::check_target(dir, args.force)?;
    }
    let file = match &args.answers {
        Some(path) => Some(answers_file::read(path, NEW_QUESTIONS)?),
        None => None,
    };
    let interactive = !args.yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive && !args.yes && file.is_none() {
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
    if interactive {
        let plain = std::env::var_os("NO_COLOR").is_some();
        if drive(&mut flow, &mut TerminalPrompter::new(plain))? == Completion::Quit {
            eprintln!("Quit; nothing was written.");
            return Ok(Outcome::Success);
        }
    } else {
        flow.fill_defaults();
    }
    let answers = flow
        .finish()
        .map_err(|(id, message)| place(file.as_ref(), id, message))?;
    let recommendation = recommend::recommend(&answers.requirements, &answers.overrides)
        .map_err(|(id, message)| place(file.as_ref(), id, message))?;

    let target = target_dir(args, &answers);
    write::check_target(&target, args.force)?;
    let plan = render::plan(&answers, &recommendation)?;
    if args.dry_run {
        print!("{}", recommendation_text(&recommendation));
        println!("\nWould write {} files into {}:", plan.files.len(), target.display());
        for file in &plan.files {
            println!("  {}", file.path.display());
        }
        return Ok(Outcome::Success);
    }
    write::write_plan(&plan, &target, args.force)?;
    after_write(&answers, &target);
    print!("{}", next_steps(&answers, &recommendation, &target, plan.files.len()));
    Ok(Outcome::Success)
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
        .map(|pattern| pattern.info().class_name)
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
    if !answers.install {
        text.push_str(&format!("  {} install\n", pm.name()));
    }
    text.push_str(&format!(
        "  {run} test                       # Vitest inside the Workers runtime (workerd)\n  \
         {run} dev                        # local server on http://localhost:8787\n  \
         {exec} wrangler deploy --dry-run   # check the bundle and config\n  \
         {exec} wrangler deploy             # deploy; migrations apply automatically\n  \
         {exec} wrangler tail --format json # live logs: CPU time, duration, errors\n",
        run = pm.run(),
    ));
    text
}
