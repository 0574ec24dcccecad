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

/// The screen text held by a snapshot under `snapshots/tui/`, without the
/// quotes `TestBackend` puts around each row and without trailing spaces.
fn snapshot_screen(name: &str) -> String {
    let path = format!("{}/snapshots/tui/{name}.snap", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let (_, body) = text
        .split_once("\n---\n")
        .expect("an insta snapshot has a header");
    body.trim_matches('\n')
        .lines()
        .map(|line| {
            line.strip_prefix('"')
                .and_then(|line| line.strip_suffix('"'))
                .unwrap_or(line)
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each `<!-- capture: NAME -->` block of the document is the current
/// snapshot NAME. Run with `UPDATE_DOCS=1` to rewrite the blocks.
#[test]
fn the_terminal_document_shows_the_current_screens() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/terminal.md");
    let document = std::fs::read_to_string(path).unwrap();
    let marker = "<!-- capture: ";
    let mut rewritten = String::new();
    let mut stale = Vec::new();
    let mut rest = document.as_str();
    let mut captures = 0;
    while let Some(at) = rest.find(marker) {
        let (before, from_marker) = rest.split_at(at);
        rewritten.push_str(before);
        let (name, after_name) = from_marker[marker.len()..]
            .split_once(" -->\n```text\n")
            .expect("a capture is followed by a text block");
        let (shown, after_block) = after_name
            .split_once("\n```\n")
            .expect("the text block ends");
        let current = snapshot_screen(name);
        if shown != current {
            stale.push(name.to_string());
        }
        rewritten.push_str(&format!("{marker}{name} -->\n```text\n{current}\n```\n"));
        rest = after_block;
        captures += 1;
    }
    rewritten.push_str(rest);
    assert!(captures >= 10, "the document shows every screen");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, rewritten).unwrap();
    } else {
        assert!(
            stale.is_empty(),
            "docs/terminal.md shows old screens {stale:?}; run UPDATE_DOCS=1 cargo test --test tests terminal_docs"
        );
    }
}
