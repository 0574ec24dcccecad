//! The command line, as clap definitions only (and the completion script
//! generated from them); no other logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

/// Pick a Cloudflare Durable Objects pattern and scaffold a working project,
/// or analyze an existing one.
#[derive(Debug, Parser)]
#[command(name = "do-wizard", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a few questions and generate a Durable Objects project.
    New(NewArgs),
    /// Add a Durable Objects pattern to an existing Workers project.
    Add(AddArgs),
    /// Analyze an existing Durable Objects project and propose fixes.
    Optimize(OptimizeArgs),
    /// Print the documentation of one optimize rule (e.g. `DO201`).
    Explain(ExplainArgs),
    /// Print the optimize rule catalog as a table.
    Rules,
    /// Print a shell completion script (e.g. `do-wizard completions bash`).
    Completions(CompletionsArgs),
}

/// The shells `completions` writes scripts for.
pub use clap_complete::Shell;

/// The completion script for `shell`, generated from these definitions, so
/// it knows every subcommand, flag and fixed value.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "do-wizard", &mut out);
    out
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Directory (or file) to analyze.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Which performance issue to look at (selects the rules; `general` runs all).
    #[arg(long, value_parser = ["cold-start", "queries", "memory", "websocket", "alarms", "general"])]
    pub issue: Option<String>,
    /// Current scale (raises some severities; DO603 only at `large`).
    #[arg(long, value_parser = ["dev", "small", "medium", "large"])]
    pub scale: Option<String>,
    /// What matters most (orders the findings).
    #[arg(long, value_parser = ["latency", "throughput", "cost", "memory"])]
    pub priority: Option<String>,
    /// Read the answers (`issue`, `scale`, `priority`) from this JSON or JSONC file.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Take the default (general, small, latency) for every open question.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_parser = ["info", "warning", "error"], default_value = "warning")]
    pub fail_on: String,
    /// Only these rule codes or prefixes, comma-separated (e.g. `DO2,DO701`).
    #[arg(long, value_name = "CODES")]
    pub select: Option<String>,
    /// Skip these rule codes or prefixes, comma-separated.
    #[arg(long, value_name = "CODES")]
    pub ignore: Option<String>,
    /// Apply the safe fixes (a diff is shown first).
    #[arg(long)]
    pub fix: bool,
    /// With --fix: show the diff and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No colours, no interactive prompts.
    #[arg(long)]
    pub plain: bool,
    /// Analyze test code too (`*.test.*`, `*.spec.*`, `test/`, `tests/`,
    /// `__tests__/`, vitest configs); left out by default.
    #[arg(long)]
    pub include_tests: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code, e.g. `DO201`.
    pub code: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The pattern to add (e.g. `rate-limiter`); asked in a terminal when omitted.
    pub pattern: Option<String>,
    /// The project's directory (where its wrangler config is).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Print the changes as a unified diff, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Read the answers (`pattern`, `class_name`, `binding`) from this JSON or JSONC file.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Take the pattern's own names for every question left open.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// The Durable Object class name (default: the pattern's, e.g. `RateLimiter`).
    #[arg(long = "class", value_name = "NAME")]
    pub class_name: Option<String>,
    /// The binding name on `env` (default: the pattern's, e.g. `RATE_LIMITER`).
    #[arg(long, value_name = "NAME")]
    pub binding: Option<String>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Directory to create (default: the project name).
    pub dir: Option<PathBuf>,
    /// Read answers from this JSON or JSONC file instead of asking.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Take the default for every question the answers file leaves open.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Write into a non-empty directory (files the wizard does not write are kept).
    #[arg(long)]
    pub force: bool,
    /// Print the files that would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Plain text: numbered questions and a text review instead of the
    /// full-screen one (also when NO_COLOR is set or output is not a terminal).
    #[arg(long)]
    pub plain: bool,
}

/// `--format`'s values, here rather than on [`Format`] so that only this
/// file knows clap.
impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Text, Format::Markdown, Format::Json, Format::Sarif]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Json => "json",
            Format::Sarif => "sarif",
        }))
    }
}
