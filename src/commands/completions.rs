//! `do-wizard completions SHELL`: print a completion script for the shell.
//! The script comes from the command-line definitions ([`crate::cli`]).

use std::io::Write;

use crate::Outcome;
use crate::cli::{Shell, completion_script};

pub fn run(shell: Shell) -> anyhow::Result<Outcome> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&completion_script(shell))?;
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
            let text = String::from_utf8(completion_script(shell)).unwrap();
            for word in ["optimize", "explain", "completions", "answers", "fail-on"] {
                assert!(text.contains(word), "{shell}: no `{word}` in the script");
            }
        }
    }
}
