//! The optimize command end to end: exit codes, answers, formats, bad input,
//! unparsable files, `explain` and `rules`.

use crate::util::optimize_project::{CHAT, CONFIG, run, write};

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/index.ts", CHAT);
    write(dir.path(), "wrangler.jsonc", CONFIG);
    dir
}

#[test]
fn findings_exit_one_and_clean_projects_exit_zero() {
    let dir = project();
    let output = run(&["optimize", "--yes"], dir.path());
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("warning[DO201] missing-index"), "{stdout}");
    assert!(stdout.contains("src/index.ts:8:38"), "{stdout}");

    // Below the threshold: exit 0.
    let output = run(&["optimize", "--yes", "--fail-on", "error"], dir.path());
    assert_eq!(output.status.code(), Some(0));

    write(
        dir.path(),
        "src/index.ts",
        &CHAT.replace(
            "room TEXT)\");",
            "room TEXT)\");\n    ctx.storage.sql.exec(\"CREATE INDEX IF NOT EXISTS idx_messages_room ON messages(room)\");",
        ),
    );
    let output = run(&["optimize", "--yes"], dir.path());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn no_terminal_and_no_answers_is_an_input_error() {
    let dir = project();
    let output = run(&["optimize", "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--answers") && stderr.contains("--yes"),
        "{stderr}"
    );
    // All three flags are enough.
    let output = run(
        &[
            "optimize",
            "--issue",
            "queries",
            "--scale",
            "dev",
            "--priority",
            "cost",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn partial_answers_file_without_terminal_takes_defaults() {
    let dir = project();
    write(dir.path(), "partial.json", r#"{"issue": "queries"}"#);
    let output = run(
        &["optimize", "--answers", "partial.json", "--format", "json"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    // DO201 fires: the analysis ran, exit 1, not the input error (2).
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("pass --answers"), "{stderr}");
    assert!(
        stderr.contains("leaves scale, priority open")
            && stderr.contains("scale: small, priority: latency"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["answers"]["issue"], "queries");
    assert_eq!(json["answers"]["scale"], "small");
}

#[test]
fn test_code_is_skipped_unless_include_tests() {
    let dir = project();
    // A test file with a finding of its own (an unindexed filter).
    write(
        dir.path(),
        "test/chat.test.ts",
        &CHAT.replace("Chat", "TestChat"),
    );
    let output = run(&["optimize", "--yes", "--format", "json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().all(|file| !file.starts_with("test/")),
        "{files:?}"
    );
    let text = run(&["optimize", "--yes"], dir.path());
    let stdout = String::from_utf8_lossy(&text.stdout);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        format!("{stdout}{stderr}").contains("skipped: 1 test file"),
        "{stdout}{stderr}"
    );

    let output = run(
        &["optimize", "--yes", "--include-tests", "--format", "json"],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["file"].as_str().unwrap().starts_with("test/")),
        "{json}"
    );

    // A root holding only test code has nothing to analyze by default.
    let only_tests = tempfile::tempdir().unwrap();
    write(only_tests.path(), "src/room.spec.ts", CHAT);
    let output = run(&["optimize", "--yes"], only_tests.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--include-tests"), "{stderr}");
}

#[test]
fn root_whose_every_file_is_skipped_does_not_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/bundle.js", &"x".repeat(1024 * 1024 + 10));
    let output = run(&["optimize", "--yes"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("nothing left to analyze") && stderr.contains("bundle.js"),
        "{stderr}"
    );
}

#[test]
fn answers_file_is_validated() {
    let dir = project();
    write(
        dir.path(),
        "answers.json",
        r#"{"issue": "queries", "scale": "huge", "priority": "cost"}"#,
    );
    let output = run(&["optimize", "--answers", "answers.json"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The shared reader's format, the same as `do-wizard new`.
    assert!(
        stderr.contains("answers.json:1: `scale`: `huge` is not an option; expected `dev`, `small`, `medium` or `large`"),
        "{stderr}"
    );

    write(
        dir.path(),
        "answers.json",
        "{\n  \"issue\": \"queries\",\n  \"sclae\": \"large\"\n}\n",
    );
    let output = run(&["optimize", "--answers", "answers.json"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("answers.json:3: unknown question `sclae`"),
        "{stderr}"
    );

    write(
        dir.path(),
        "answers.json",
        r#"{"issue": "memory", "scale": "small", "priority": "cost"}"#,
    );
    let output = run(
        &["optimize", "--answers", "answers.json", "--format", "json"],
        dir.path(),
    );
    // The memory area does not include DO201.
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["answers"]["issue"], "memory");
}

#[test]
fn unparsable_source_and_config_are_diagnostics_and_the_scan_goes_on() {
    let dir = project();
    write(dir.path(), "src/broken.ts", "export class {\n  oops(\n");
    write(
        dir.path(),
        "apps/other/wrangler.toml",
        "name = \"other\"\nmain = \n",
    );
    let output = run(&["optimize", "--yes", "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let broken = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["file"] == "src/broken.ts")
        .expect("source diagnostic");
    assert_eq!(broken["level"], "error");
    assert!(broken["line"].as_u64().is_some() && broken["column"].as_u64().is_some());
    let config = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["file"] == "apps/other/wrangler.toml")
        .expect("config diagnostic");
    assert_eq!(config["line"], 2);
    // The rest of the scan still found the missing index.
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "DO201")
    );

    let output = run(&["optimize", "--yes"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("error: src/broken.ts:"), "{stdout}");
}

#[test]
fn select_and_ignore_by_prefix() {
    let dir = project();
    let output = run(
        &["optimize", "--yes", "--ignore", "DO2", "--format", "json"],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|finding| !finding["rule"].as_str().unwrap().starts_with("DO2"))
    );
    let output = run(&["optimize", "--yes", "--select", "DO9"], dir.path());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn explain_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["explain", "DO201"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("**What it does**") && stdout.contains("do-wizard-ignore"),
        "{stdout}"
    );
    let output = run(&["explain", "DO999"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown rule code `DO999`"));
    let output = run(&["rules"], dir.path());
    assert!(String::from_utf8_lossy(&output.stdout).contains("DO201  missing-index"));
}

#[test]
fn fix_dry_run_shows_a_diff_and_changes_nothing() {
    let dir = project();
    let source = CHAT
        .replace(
            "return this.ctx.storage.sql.exec(\"SELECT * FROM messages WHERE room = ?\", room).toArray();",
            "const rows = await this.ctx.storage.sql.exec(\"SELECT * FROM messages WHERE room = ?\", room);\n    return rows.toArray();",
        )
        .replace("  list(", "  async list(");
    write(dir.path(), "src/index.ts", &source);
    let output = run(
        &[
            "optimize",
            "--yes",
            "--fix",
            "--dry-run",
            "--select",
            "DO205",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("-    const rows = await this.ctx")
            && stdout.contains("+    const rows = this.ctx"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("src/index.ts")).unwrap(),
        source
    );

    let output = run(
        &["optimize", "--yes", "--fix", "--select", "DO205"],
        dir.path(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let fixed = std::fs::read_to_string(dir.path().join("src/index.ts")).unwrap();
    assert!(fixed.contains("const rows = this.ctx.storage.sql.exec"));
    // The config was not touched.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("wrangler.jsonc")).unwrap(),
        CONFIG
    );
}
