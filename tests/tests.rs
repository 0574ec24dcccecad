//! The integration tests: one binary (after ripgrep's `tests/tests.rs`),
//! one module per area, and a shared support module ([`util`]).
//!
//! Run one area with a filter on its module path, e.g.
//! `cargo test --test tests optimize_rules::query_in_loop` for one rule's
//! fixtures.
//!
//! Two suites keep binaries of their own, because they time real processes
//! and must not share the CPU with everything else (cargo runs test
//! binaries one after another): `tui_pty` (the binary in a pseudo-terminal)
//! and `new_kill` (signals at random moments).

mod util;

mod add;
mod fix_safety;
mod layers;
mod new_bad_input;
mod new_render;
mod optimize_cli;
mod optimize_reports;
mod optimize_robustness;
mod optimize_rules;
mod report_hygiene;
mod rules_docs;
mod terminal_docs;
mod tui_screens;
