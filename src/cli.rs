//! The command line, as clap definitions only; no logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
