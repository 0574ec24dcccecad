//! The integration tests: one binary (after ripgrep's `tests/tests.rs`),
//! one module per area, and a shared support module ([`util`]).
//!
//! Run one area with a filter on its module path, e.g.
//! `cargo test --test tests optimize_rules::query_in_loop` for one rule's
//! fixtures, or `cargo test --test tests tui_pty::`.

mod util;

mod layers;
mod new_bad_input;
mod new_render;
mod optimize_cli;
mod optimize_reports;
mod optimize_rules;
mod rules_docs;
mod terminal_docs;
mod tui_pty;
mod tui_screens;
