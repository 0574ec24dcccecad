//! The `do-wizard` binary: parse the command line, run, map the outcome to an
//! exit code (0 clean, 1 findings, 2 usage or input error).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = <do_wizard::cli::Cli as clap::Parser>::parse();
    match do_wizard::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) => {
            // Not `eprintln!`: when the terminal has gone away (a closed
            // window), the message cannot be shown, and that must not panic.
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                do_wizard::error::render(&error)
            );
            ExitCode::from(2)
        }
    }
}
