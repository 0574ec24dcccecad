//! One module per subcommand: each glues the pipelines to the command line.

pub mod completions;
pub mod new;
pub mod optimize;
