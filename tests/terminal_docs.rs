//! `docs/terminal.md` lists every key of every screen exactly as the key
//! bindings define them, so the document cannot drift from the code.

use do_wizard::tui::keys::markdown_table;
use do_wizard::tui::{findings, review};

#[test]
fn the_terminal_document_lists_every_binding() {
    let document =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/terminal.md")).unwrap();
    for (screen, table) in [
        ("review", markdown_table(review::BINDINGS)),
        ("change an answer", markdown_table(review::CHANGE_BINDINGS)),
        ("findings browser", markdown_table(findings::BINDINGS)),
        (
            "fix confirmation",
            markdown_table(findings::CONFIRM_BINDINGS),
        ),
    ] {
        assert!(
            document.contains(&table),
            "docs/terminal.md lacks the {screen} keys; paste this table:\n{table}"
        );
    }
}
