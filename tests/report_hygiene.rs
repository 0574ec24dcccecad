//! Control characters in file names and source text never reach a report
//! raw (the safe-writes issue): text and markdown escape them, SARIF
//! percent-encodes its URIs, JSON escapes as JSON does.

use std::fs;
use std::process::{Command, Stdio};

#[test]
fn control_characters_in_names_and_source_are_escaped_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "room\u{1b}]0;owned\u{7} x.ts";
    let source = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {\n  run() { const c = this.ctx.storage.sql.exec(\"SELECT 1 -- \u{1b}[2J\"); return c.rows; }\n}\n";
    fs::write(tmp.path().join(name), source).unwrap();
    for format in ["text", "markdown", "sarif", "json"] {
        let output = Command::new(env!("CARGO_BIN_EXE_do-wizard"))
            .args(["optimize", "--yes", "--format", format])
            .arg(tmp.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains("DO206"), "{format}: {stdout}");
        assert!(
            !stdout
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{format}: a raw control character: {stdout:?}"
        );
        if format == "sarif" {
            assert!(stdout.contains("room%1B%5D0%3Bowned%07%20x.ts"), "{stdout}");
        }
    }
}
