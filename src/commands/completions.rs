//! `do-wizard completions SHELL`: print a completion script for the shell.
//!
//! The script is generated from the clap definitions in [`crate::cli`], so
//! it always knows every subcommand, flag and fixed value.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::Outcome;
use crate::cli::Cli;

/// The completion script for `shell`, for a binary named `do-wizard`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "do-wizard", &mut out);
    out
}

pub fn run(shell: Shell) -> anyhow::Result<Outcome> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script(shell))?;
    stdout.flush()?;
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_completes_the_subcommands_and_flags() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            let text = String::from_utf8(script(shell)).unwrap();
            for word in ["optimize", "explain", "completions", "answers", "fail-on"] {
                assert!(text.contains(word), "{shell}: no `{word}` in the script");
            }
        }
    }
}
