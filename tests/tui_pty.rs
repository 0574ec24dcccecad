//! The real binary in a pseudo-terminal: questions with arrow keys and Esc,
//! the full-screen review, Ctrl-C, signals, panics, resizing, plain mode.
//! Every test that enters the full screen checks that the terminal is
//! restored (alternate screen left, cursor shown, raw mode off).

mod util;

use std::path::Path;

use util::pty::{CTRL_C, DOWN, ENTER, ESC, Session};

/// An answers file that answers every question, so the review comes first.
fn answers_file(dir: &Path) -> String {
    let path = dir.join("answers.json");
    std::fs::write(
        &path,
        r#"{"use_case": "aggregation", "scale": "large", "persistence": "permanent",
            "queries": "complex", "patterns": [], "project_name": "metrics"}"#,
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn new_with_arrows_one_step_back_and_the_review_writes_the_project() {
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["new"], tmp.path(), 80, 24, &[]);
    session.wait_for("Step 1 of 6");
    session.send(DOWN); // Rate limiting
    session.send(ENTER);
    session.wait_for("Step 2 of 6");
    session.send(ENTER); // Small production
    session.wait_for("Step 3 of 6");
    session.send(ESC); // back to the scale
    session.wait_for("← back");
    session.wait_for_count("Step 2 of 6", 3);
    session.send(DOWN); // Medium
    session.send(ENTER);
    session.wait_for_count("Step 3 of 6", 3);
    session.send(ENTER); // Permanent
    session.wait_for("Step 4 of 6");
    session.send(ENTER); // Basic filtering
    session.wait_for("Step 5 of 6");
    session.send(ENTER); // no companion
    session.wait_for("Step 6 of 6");
    session.send("my-limiter");
    session.send(ENTER);

    session.wait_for("do-wizard new · review · my-limiter");
    session.wait_for("enter write");
    let review = session.screen();
    assert!(review.contains("RateLimiter"), "{review}");
    assert!(review.contains("[use_case]"), "{review}");
    assert!(review.contains("rate-limiter.ts"), "{review}");
    session.send("j");
    session.send(ENTER);

    assert_eq!(session.wait_exit(), 0, "{}", session.screen());
    session.assert_terminal_restored();
    let after = session.screen();
    assert!(after.contains("Created my-limiter"), "{after}");
    assert!(after.contains("wrangler deploy"), "{after}");
    let wrangler = std::fs::read_to_string(tmp.path().join("my-limiter/wrangler.jsonc")).unwrap();
    assert!(wrangler.contains("RateLimiter"), "{wrangler}");
    assert!(tmp.path().join("my-limiter/src/rate-limiter.ts").exists());

    // The scale answered after going back is the one in the project.
    let raw = session.raw_text();
    assert!(raw.contains("Medium"), "the second scale answer was shown");
}

#[test]
fn ctrl_c_during_the_questions_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["new"], tmp.path(), 80, 24, &[]);
    session.wait_for("Step 1 of 6");
    session.send(ENTER);
    session.wait_for("Step 2 of 6");
    session.send(CTRL_C);
    assert_eq!(session.wait_exit(), 130, "{}", session.screen());
    session.wait_for("Quit; nothing was written.");
    assert!(entries(tmp.path()).is_empty(), "{:?}", entries(tmp.path()));
    assert!(session.terminal_is_cooked(), "raw mode is still on");
    assert!(
        session.raw_text().contains("\x1b[?25h"),
        "the cursor was not shown"
    );
}

#[test]
fn quitting_the_review_writes_nothing_and_restores_the_terminal() {
    for key in ["q", CTRL_C] {
        let tmp = tempfile::tempdir().unwrap();
        let answers = answers_file(tmp.path());
        let mut session = Session::spawn(&["new", "--answers", &answers], tmp.path(), 80, 24, &[]);
        session.wait_for("do-wizard new · review · metrics");
        session.wait_for("enter write");
        session.send(key);
        assert_eq!(session.wait_exit(), 130, "{}", session.screen());
        session.assert_terminal_restored();
        session.wait_for("Quit; nothing was written.");
        assert_eq!(entries(tmp.path()), ["answers.json"]);
    }
}

#[test]
fn back_from_the_review_asks_the_last_question_again() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = tmp.path().join("answers.json");
    // Everything but the name: the review's `b` goes back to the name.
    std::fs::write(
        &answers,
        r#"{"use_case": "coordination", "scale": "small", "persistence": "ephemeral", "queries": "filtering", "patterns": []}"#,
    )
    .unwrap();
    let answers = answers.to_string_lossy().into_owned();
    let mut session = Session::spawn(&["new", "--answers", &answers], tmp.path(), 80, 24, &[]);
    session.wait_for("Step 1 of 1");
    session.send("first-name");
    session.send(ENTER);
    session.wait_for("do-wizard new · review · first-name");
    session.send("b");
    session.wait_for_count("Step 1 of 1", 2);
    session.send(&"\x7f".repeat(20)); // erase the previous text if it is kept
    session.send("second-name");
    session.send(ENTER);
    session.wait_for("do-wizard new · review · second-name");
    session.wait_for("enter write");
    session.send(ENTER);
    assert_eq!(session.wait_exit(), 0, "{}", session.screen());
    session.assert_terminal_restored();
    assert!(tmp.path().join("second-name/wrangler.jsonc").exists());
    assert!(!tmp.path().join("first-name").exists());
}

#[test]
fn a_signal_in_the_review_restores_the_terminal_and_exits_130() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = answers_file(tmp.path());
    let mut session = Session::spawn(&["new", "--answers", &answers], tmp.path(), 80, 24, &[]);
    session.wait_for("enter write");
    session.signal(libc::SIGINT);
    assert_eq!(session.wait_exit(), 130, "{}", session.screen());
    session.assert_terminal_restored();
    assert_eq!(entries(tmp.path()), ["answers.json"]);
}

#[test]
fn a_signal_during_a_question_restores_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["new"], tmp.path(), 80, 24, &[]);
    session.wait_for("Step 1 of 6");
    session.signal(libc::SIGTERM);
    assert_eq!(
        session.wait_exit(),
        128 + libc::SIGTERM as u32,
        "{}",
        session.screen()
    );
    assert!(session.terminal_is_cooked(), "raw mode is still on");
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn a_panic_in_the_review_restores_the_terminal_before_the_message() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = answers_file(tmp.path());
    let mut session = Session::spawn(
        &["new", "--answers", &answers],
        tmp.path(),
        80,
        24,
        &[("DO_WIZARD_TEST_PANIC", "1")],
    );
    assert_eq!(session.wait_exit(), 101, "{}", session.screen());
    session.assert_terminal_restored();
    let raw = session.raw_text();
    let left = raw.rfind("\x1b[?1049l").unwrap();
    let message = raw
        .find("deliberate panic")
        .expect("the panic message is printed");
    assert!(
        left < message,
        "the panic message was printed inside the alternate screen"
    );
    assert!(
        session.screen().contains("deliberate panic"),
        "{}",
        session.screen()
    );
    assert_eq!(entries(tmp.path()), ["answers.json"]);
}

#[test]
fn a_small_terminal_says_so_until_it_is_resized() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = answers_file(tmp.path());
    let mut session = Session::spawn(&["new", "--answers", &answers], tmp.path(), 70, 20, &[]);
    session.wait_for("Terminal too small");
    session.send(ENTER); // ignored below the minimum size: nothing is written
    // The key must reach the screen before the resize does (under load the
    // two could swap, and the Enter would then write the project).
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(!tmp.path().join("metrics").exists());
    session.resize(120, 40);
    session.wait_for("enter write");
    let screen = session.screen();
    assert!(screen.contains("Recommendation"), "{screen}");
    assert!(!tmp.path().join("metrics").exists());
    session.send(ENTER);
    assert_eq!(session.wait_exit(), 0, "{}", session.screen());
    session.assert_terminal_restored();
    assert!(tmp.path().join("metrics/wrangler.jsonc").exists());
}

#[test]
fn plain_mode_writes_no_escape_codes() {
    for env in [&[("NO_COLOR", "1")][..], &[("TERM", "dumb")][..]] {
        let tmp = tempfile::tempdir().unwrap();
        let mut session = Session::spawn(&["new"], tmp.path(), 80, 24, env);
        session.wait_for("Step 1 of 6");
        for answer in ["4", "", "", "", ""] {
            session.send(answer);
            session.send(ENTER);
        }
        session.wait_for("Step 6 of 6");
        session.send("plain-metrics");
        session.send(ENTER);
        session.wait_for("Write ");
        session.send("y");
        session.send(ENTER);
        assert_eq!(session.wait_exit(), 0, "{}", session.screen());
        let raw = session.raw_text();
        assert!(
            !raw.contains('\x1b'),
            "{env:?}: escape codes in plain mode: {raw:?}"
        );
        assert!(raw.contains("Files to write into plain-metrics"), "{raw}");
        assert!(raw.contains("Created plain-metrics"), "{raw}");
        assert!(tmp.path().join("plain-metrics/src/analytics.ts").exists());
    }
}

// ---- optimize: the questions, the progress line, the findings browser ------

/// A copy of the fixture repository (one DO201, two DO205) to work on.
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
fn optimize_browser_moves_through_findings_and_restores_the_terminal() {
    let tmp = optimize_repo();
    let mut session = Session::spawn(&["optimize", "repo"], tmp.path(), 80, 24, &[]);
    session.wait_for("Step 1 of 3");
    session.send(ENTER); // General optimization
    session.wait_for("Step 2 of 3");
    session.send(ENTER); // Small production
    session.wait_for("Step 3 of 3");
    session.send(ESC); // back to the scale
    session.wait_for_count("Step 2 of 3", 3);
    session.send(ENTER);
    session.wait_for_count("Step 3 of 3", 3);
    session.send(ENTER); // Latency

    session.wait_for("do-wizard optimize · repo");
    session.wait_for("↑↓ finding");
    let list = session.screen();
    assert!(
        list.contains("▸W DO201 missing-index src/history.ts:20"),
        "{list}"
    );
    session.send("j");
    session.wait_for("▸I DO205 awaited-sync-sql src/history.ts:19");
    session.send("j");
    session.wait_for("▸I DO205 awaited-sync-sql src/history.ts:28");
    session.send("k");
    session.wait_for("▸I DO205 awaited-sync-sql src/history.ts:19");
    session.send("\t");
    session.send("\x1b[6~"); // page down in the detail
    session.wait_for("Proposed change");
    session.send("q");

    assert_eq!(
        session.wait_exit(),
        1,
        "a warning is a finding at the default --fail-on"
    );
    session.assert_terminal_restored();
    session.wait_for("3 findings (0 error, 1 warning, 2 info) in 3 files.");
    assert!(
        session.raw_text().contains("Scanning: "),
        "the progress line was drawn"
    );
    let text = std::fs::read_to_string(tmp.path().join("repo/src/history.ts")).unwrap();
    assert_eq!(
        text.matches("await ").count(),
        2,
        "browsing changed nothing"
    );
}

#[test]
fn optimize_browser_writes_the_report_and_applies_a_confirmed_fix() {
    let tmp = optimize_repo();
    let args = [
        "optimize",
        "repo",
        "--issue",
        "general",
        "--scale",
        "small",
        "--priority",
        "latency",
    ];
    let mut session = Session::spawn(&args, tmp.path(), 120, 40, &[]);
    session.wait_for("↑↓ finding");
    session.send("w");
    session.wait_for("Wrote the markdown report to ./do-wizard-report.md");
    let report = std::fs::read_to_string(tmp.path().join("do-wizard-report.md")).unwrap();
    assert!(report.contains("DO201"), "{report}");

    session.send("j");
    session.send("f");
    session.wait_for("Apply the safe fix for DO205");
    session.send("n"); // cancelled: nothing changes
    session.wait_for("Fix not applied.");
    session.send("f");
    session.wait_for("Apply the safe fix for DO205");
    session.send("y");
    session.wait_for("2 findings left");
    session.send("q"); // Ctrl-C would abort: 130
    assert_eq!(session.wait_exit(), 1, "{}", session.screen());
    session.assert_terminal_restored();
    let text = std::fs::read_to_string(tmp.path().join("repo/src/history.ts")).unwrap();
    assert!(
        text.contains("const messages = this.ctx.storage.sql.exec("),
        "{text}"
    );
    assert!(
        text.contains("await sql.exec(\"DELETE FROM messages\")"),
        "only the confirmed fix: {text}"
    );
}

#[test]
fn optimize_without_colour_prints_the_plain_report() {
    let tmp = optimize_repo();
    let args = ["optimize", "repo", "--yes"];
    let mut session = Session::spawn(&args, tmp.path(), 80, 24, &[("NO_COLOR", "1")]);
    assert_eq!(session.wait_exit(), 1, "{}", session.screen());
    let raw = session.raw_text();
    assert!(!raw.contains('\x1b'), "escape codes in plain mode: {raw:?}");
    assert!(raw.contains("warning[DO201] missing-index"), "{raw}");
}

#[test]
fn add_asks_for_the_pattern_and_the_names_in_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/add/c3-durable-objects");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&fixture)
        .arg(tmp.path().join("project"))
        .status()
        .unwrap();
    assert!(status.success());
    let dir = tmp.path().join("project");
    let mut session = Session::spawn(&["add", "--dry-run"], &dir, 100, 30, &[]);
    session.wait_for("Which pattern should be added?");
    session.send(DOWN); // rate-limiter
    session.send(ENTER);
    session.wait_for("Durable Object class name?");
    session.send("Throttle");
    session.send(ENTER);
    session.wait_for("Binding name on env?");
    session.send(ENTER); // the pattern's own: RATE_LIMITER
    session.wait_for("RATE_LIMIT (");
    session.send("20");
    session.send(ENTER);
    session.wait_for("RATE_WINDOW_SECONDS");
    session.send(ENTER); // the default, 60
    session.wait_for("dry run:");
    assert_eq!(session.wait_exit(), 0);
    let output = session.raw_text();
    assert!(
        output.contains("export class Throttle extends DurableObject<Env>"),
        "{output}"
    );
    assert!(output.contains("\"name\": \"RATE_LIMITER\""), "{output}");
    assert!(output.contains("\"RATE_LIMIT\": \"20\""), "{output}");
    assert!(
        output.contains("\"RATE_WINDOW_SECONDS\": \"60\""),
        "{output}"
    );
}
