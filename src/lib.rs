//! `do-wizard` scaffolds and reviews Cloudflare Durable Objects projects.
//!
//! Two pipelines make up the crate:
//!
//! - `new`: [`flow`] (questions → answers) → [`recommend`] (answers →
//!   recommendation) → [`render`] (recommendation → an in-memory plan of files)
//!   → an atomic write of that plan.
//! - `optimize`: discover → parse → project model → rules → findings → report.
//!
//! The binary in `main.rs` only parses the command line and calls [`run`].

pub mod add;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod flow;
pub mod optimize;
pub mod recommend;
pub mod render;
pub mod report;
pub mod terminal;
pub mod text;
pub mod tui;
pub mod write;

/// What a successful run asks the process to exit with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went as asked.
    Success,
    /// The run worked, and found problems at or above the failure threshold.
    Findings,
    /// A signal (SIGINT, SIGTERM, SIGHUP) or the user (Ctrl-C, `q` in the
    /// wizard) stopped an interactive run before its end; the terminal was
    /// restored and nothing was written.
    Interrupted,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Findings => 1,
            Outcome::Interrupted => 130,
        }
    }
}

/// Run one command line.
pub fn run(cli: cli::Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        cli::Command::New(args) => commands::new::run(&args),
        cli::Command::Add(args) => commands::add::run(&args),
        cli::Command::Optimize(args) => commands::optimize::run(&args),
        cli::Command::Explain(args) => commands::explain::explain(&args.code),
        cli::Command::Rules => commands::explain::rules(),
        cli::Command::Completions(args) => commands::completions::run(args.shell),
    }
}
