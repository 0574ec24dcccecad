//! The first hour of a newcomer (issue 10): shell completions, `explain` and
//! `rules` in a terminal, the Worker name derived from DIR, the exit codes of
//! an abort, and the wizard and findings-browser screens. Terminal behaviour
//! is checked on the real binary in a pseudo-terminal.

mod util;

use std::path::Path;
use std::process::{Command, Output};

use util::pty::{CTRL_C, ENTER, ESC, Session};

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_do-wizard"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("run do-wizard")
}

/// The lines a program wrote to a pty, escape codes removed.
fn written_lines(raw: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
        .split('\n')
        .map(|line| line.trim_end_matches('\r').to_string())
        .collect()
}

#[test]
fn completions_are_printed_for_every_shell() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = run(&["completions", shell], tmp.path());
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(
            script.contains("do-wizard") && script.contains("optimize"),
            "{shell}: {script}"
        );
    }
    let output = run(&["completions", "tcsh"], tmp.path());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn explain_printed_raw_markdown_to_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["explain", "DO201"], tmp.path(), 60, 40, &[]);
    assert_eq!(session.wait_exit(), 0, "{}", session.screen());
    let raw = session.raw_text();
    assert!(
        raw.contains("\x1b[1mWhat\x1b[0m"),
        "no bold heading: {raw:?}"
    );
    let lines = written_lines(&raw);
    assert!(!lines.iter().any(|line| line.contains("**")), "{lines:#?}");
    assert!(
        !lines.iter().any(|line| line.starts_with("```")),
        "{lines:#?}"
    );
    // Code blocks are indented and kept whole; prose fits in 60 columns.
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("    this.ctx.storage.sql.exec(")),
        "{lines:#?}"
    );
    for line in &lines {
        let verbatim = line.starts_with("  ") || line.starts_with("- https://");
        assert!(verbatim || line.chars().count() <= 60, "too wide: {line:?}");
    }
}

#[test]
fn explain_piped_keeps_the_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let output = run(&["explain", "DO201"], tmp.path());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("# DO201 missing-index\n"), "{stdout}");
    assert!(stdout.contains("**What it does**\n") && stdout.contains("```ts\n"));
    assert!(!stdout.contains('\x1b'));
}

#[test]
fn rules_printed_a_table_163_columns_wide() {
    let tmp = tempfile::tempdir().unwrap();
    // Piped: 80 columns.
    let output = run(&["rules"], tmp.path());
    let stdout = String::from_utf8(output.stdout).unwrap();
    for line in stdout.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    assert_eq!(
        stdout.matches("\nDO").count(),
        do_wizard::optimize::registry::RULES.len(),
        "{stdout}"
    );
    // In a terminal: its width, the summary beside the row when it fits.
    for cols in [100u16, 140] {
        let mut session = Session::spawn(&["rules"], tmp.path(), cols, 50, &[]);
        assert_eq!(session.wait_exit(), 0);
        let lines = written_lines(&session.raw_text());
        for line in &lines {
            assert!(
                line.chars().count() <= usize::from(cols),
                "too wide: {line:?}"
            );
        }
        let row = lines
            .iter()
            .find(|line| line.starts_with("DO201  missing-index"))
            .expect("a DO201 row");
        assert!(row.contains("A query filters"), "{cols}: {row:?}");
        // Every summary word is there, wrapped at word boundaries.
        let text = lines.join(" ");
        assert!(text.contains("no index starts with"), "{text}");
    }
}

#[test]
fn new_yes_mychat_named_the_worker_my_durable_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let output = run(&["new", "--yes", "MyChat"], tmp.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let config = std::fs::read_to_string(tmp.path().join("MyChat/wrangler.jsonc")).unwrap();
    assert!(config.contains("\"name\": \"mychat\""), "{config}");
    assert!(
        String::from_utf8_lossy(&output.stderr).is_empty(),
        "{output:?}"
    );

    // A name that cannot be derived: one line saying why, then the default.
    let output = run(&["new", "--yes", "--dry-run", "2024"], tmp.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "note: no Worker name from the directory `2024`: `2024` would not start with a letter; using `my-durable-objects` (set `project_name` in an answers file to choose one)\n"
    );

    // An answered project_name wins, without a note.
    std::fs::write(
        tmp.path().join("answers.json"),
        r#"{"project_name": "chat"}"#,
    )
    .unwrap();
    let output = run(
        &[
            "new",
            "--yes",
            "--answers",
            "answers.json",
            "--dry-run",
            "2024",
        ],
        tmp.path(),
    );
    assert!(output.stderr.is_empty(), "{output:?}");
}

/// A copy of the optimize fixture repository (one warning, two infos).
fn optimize_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui/optimize-repo");
    let target = tmp.path().join("repo");
    std::fs::create_dir_all(target.join("src")).unwrap();
    for file in ["wrangler.jsonc", "src/history.ts", "src/index.ts"] {
        std::fs::copy(source.join(file), target.join(file)).unwrap();
    }
    tmp
}

#[test]
fn ctrl_c_and_q_in_the_wizard_exited_0() {
    // Ctrl-C in a full-screen question.
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["new"], tmp.path(), 80, 24, &[]);
    session.wait_for("Step 1 of");
    session.send(CTRL_C);
    assert_eq!(session.wait_exit(), 130, "{}", session.screen());
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());

    // `q` in the full-screen review.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("answers.json"),
        r#"{"use_case": "aggregation", "scale": "small", "persistence": "permanent",
            "queries": "complex", "patterns": [], "project_name": "metrics"}"#,
    )
    .unwrap();
    let mut session = Session::spawn(
        &["new", "--answers", "answers.json"],
        tmp.path(),
        80,
        24,
        &[],
    );
    session.wait_for("enter write");
    session.send("q");
    assert_eq!(session.wait_exit(), 130, "{}", session.screen());
    assert!(!tmp.path().join("metrics").exists());

    // `q` in plain mode.
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["new"], tmp.path(), 80, 24, &[("NO_COLOR", "1")]);
    session.wait_for("Step 1 of");
    session.send("q");
    session.send(ENTER);
    assert_eq!(session.wait_exit(), 130, "{}", session.screen());
}

#[test]
fn ctrl_c_in_the_optimize_browser_exited_like_q() {
    // `q` ends the browser normally: 1, a warning is at the default --fail-on.
    let tmp = optimize_repo();
    let mut session = Session::spawn(&["optimize", "repo", "--yes"], tmp.path(), 100, 30, &[]);
    session.wait_for("↑↓ finding");
    session.send("q");
    assert_eq!(session.wait_exit(), 1, "{}", session.screen());
    // Ctrl-C aborts: 130.
    let mut session = Session::spawn(&["optimize", "repo", "--yes"], tmp.path(), 100, 30, &[]);
    session.wait_for("↑↓ finding");
    session.send(CTRL_C);
    assert_eq!(session.wait_exit(), 130, "{}", session.screen());
    session.assert_terminal_restored();
    // Ctrl-C in the questions: nothing analyzed, 130.
    let mut session = Session::spawn(&["optimize", "repo"], tmp.path(), 100, 30, &[]);
    session.wait_for("Step 1 of 3");
    session.send(CTRL_C);
    assert_eq!(session.wait_exit(), 130, "{}", session.screen());
}

#[test]
fn esc_back_cleared_the_companion_checkboxes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["new"], tmp.path(), 100, 30, &[]);
    for step in 1..=4 {
        session.wait_for(&format!("Step {step} of"));
        session.send(ENTER);
    }
    session.wait_for("Add a companion pattern?");
    session.send(" "); // tick the first companion
    session.wait_for("[x]");
    session.send(ENTER);
    session.wait_for("Project name?");
    session.send(ESC);
    session.wait_for_count("Add a companion pattern?", 3);
    session.wait_for("[x]");
    session.send(CTRL_C);
    assert_eq!(session.wait_exit(), 130);
}

// ---- the findings browser ---------------------------------------------------

fn fixture_browser() -> do_wizard::tui::findings::Browser {
    let root = Path::new("tests/fixtures/tui/optimize-repo");
    let answers = do_wizard::optimize::answers::OptimizeAnswers::default();
    let analysis = do_wizard::optimize::analyze(root, &answers).unwrap();
    do_wizard::tui::findings::Browser::new(analysis, Path::new("do-wizard-report.md"))
}

/// The screen's rows, without the quotes `TestBackend` puts around them.
fn drawn(browser: &do_wizard::tui::findings::Browser, width: u16, height: u16) -> Vec<String> {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    do_wizard::tui::draw(&mut terminal, browser).unwrap();
    terminal
        .backend()
        .to_string()
        .lines()
        .map(|line| line.trim_matches('"').to_string())
        .collect()
}

#[test]
fn status_lines_were_cut_at_100_columns() {
    let mut browser = fixture_browser();
    let status = "Applied the fix at src/deeply/nested/directory/with/a/long/name/history.ts:19, but the new analysis failed: reading wrangler.jsonc: permission denied";
    browser.set_status(status, true);
    for (width, height) in [(100, 30), (80, 24)] {
        let rows = drawn(&browser, width, height);
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let screen = words(&rows.join(" "));
        assert!(screen.contains(status), "{width}: {rows:#?}");
        assert!(!screen.contains('…'), "{width}: {rows:#?}");
    }
}

#[test]
fn fixable_findings_were_not_marked_in_the_list() {
    let rows = drawn(&fixture_browser(), 80, 24);
    let row = |code: &str| {
        rows.iter()
            .find(|row| row.contains(code))
            .unwrap_or_else(|| panic!("no {code} row: {rows:#?}"))
            .clone()
    };
    // DO205 has a safe fix (`f` applies it); DO201 has none.
    assert!(row("DO205").contains("src/history.ts:19 fix"), "{rows:#?}");
    assert!(!row("DO201").contains(" fix"), "{rows:#?}");
}

#[test]
fn quitting_after_w_still_suggested_writing_a_report() {
    let tmp = optimize_repo();
    let mut session = Session::spawn(&["optimize", "repo", "--yes"], tmp.path(), 100, 30, &[]);
    session.wait_for("↑↓ finding");
    session.send("w");
    session.wait_for("Wrote the markdown report");
    session.send("q");
    assert_eq!(session.wait_exit(), 1, "{}", session.screen());
    session.wait_for("The report is in ./do-wizard-report.md.");
    assert!(!session.raw_text().contains("For a report:"));
    assert!(tmp.path().join("do-wizard-report.md").exists());
}

#[test]
fn option_text_wrapped_mid_word_at_100_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["new"], tmp.path(), 100, 40, &[]);
    session.wait_for("Step 1 of");
    session.send(util::pty::DOWN); // Rate limiting
    session.send(ENTER);
    for step in 2..=4 {
        session.wait_for(&format!("Step {step} of"));
        session.send(ENTER);
    }
    session.wait_for("Add a companion pattern?");
    session.wait_for("Analytics — temporary counters");
    // Every line written fits in 100 columns, so the terminal never breaks
    // a word; long options go on indented continuation lines.
    let lines = written_lines(&session.raw_text());
    for line in lines.iter().filter(|line| line.contains(" — ")) {
        assert!(line.chars().count() < 100, "{line:?}");
    }
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("  [ ] Analytics — temporary counters")),
        "{lines:#?}"
    );
    session.send(CTRL_C);
    assert_eq!(session.wait_exit(), 130);
}

#[test]
fn ctrl_u_and_ctrl_w_inserted_letters_in_the_name_prompt() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("answers.json"),
        r#"{"use_case": "aggregation", "scale": "small", "persistence": "permanent",
            "queries": "complex", "patterns": []}"#,
    )
    .unwrap();
    let mut session = Session::spawn(
        &["new", "--answers", "answers.json"],
        tmp.path(),
        100,
        30,
        &[],
    );
    session.wait_for("Project name?");
    session.send("old-stuff");
    session.send("\x15"); // Ctrl-U: to the line start
    session.send("my-chat-room");
    session.send("\x17"); // Ctrl-W: the previous word
    session.send("metrics");
    session.send(ENTER);
    session.wait_for("do-wizard new · review · my-chat-metrics");
    session.send(ENTER);
    assert_eq!(session.wait_exit(), 0, "{}", session.screen());
    assert!(tmp.path().join("my-chat-metrics/wrangler.jsonc").exists());
}
