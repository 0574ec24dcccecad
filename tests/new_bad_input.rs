//! `do-wizard new` refuses bad input with one clear line, exit code 2, and
//! nothing written. Each test runs the real binary without a terminal.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::util::run_scripted as run;

/// Assert exit code 2, a single `error:` line, and return that line.
fn refused(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout: {output:?}");
    lines[0].to_string()
}

/// The directory holds nothing but what the test put there.
fn only(dir: &Path, expected: &[&str]) {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected, "the command wrote something");
}

fn answers(dir: &Path, text: &str) {
    fs::write(dir.join("answers.json"), text).unwrap();
}

#[test]
fn malformed_json() {
    let tmp = tempfile::tempdir().unwrap();
    answers(
        tmp.path(),
        "{\n  \"use_case\": \"realtime\"\n  \"scale\": }",
    );
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(line.starts_with("error: answers.json:3:"), "{line}");
    assert!(line.contains("malformed JSON"), "{line}");
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn unknown_question_id() {
    let tmp = tempfile::tempdir().unwrap();
    answers(
        tmp.path(),
        "{\"use_case\": \"realtime\",\n\"colour\": \"blue\"}",
    );
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(
        line.starts_with("error: answers.json:2: unknown question `colour`"),
        "{line}"
    );
    assert!(
        line.contains("`use_case`, `scale`, `persistence`, `queries`"),
        "{line}"
    );
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn unknown_option_lists_allowed_values() {
    let tmp = tempfile::tempdir().unwrap();
    answers(tmp.path(), "{\n\"use_case\": \"gaming\"\n}");
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    // Every use case, in the question's order, whatever the number of patterns.
    let values: Vec<String> = do_wizard::recommend::UseCase::all()
        .into_iter()
        .map(|use_case| format!("`{}`", use_case.value()))
        .collect();
    let (last, rest) = values.split_last().unwrap();
    assert_eq!(
        line,
        format!(
            "error: answers.json:2: `use_case`: `gaming` is not an option; expected {} or {last}",
            rest.join(", ")
        )
    );
    assert!(line.contains("`realtime`, `rate-limiting`"), "{line}");
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn unknown_companion_pattern() {
    let tmp = tempfile::tempdir().unwrap();
    answers(tmp.path(), "{\"patterns\": [\"queue\"]}");
    let line = refused(&run(
        &["new", "--answers", "answers.json", "--yes"],
        tmp.path(),
    ));
    assert!(
        line.contains("`patterns`: `queue` is not an option; expected `chat`"),
        "{line}"
    );
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn invalid_project_name() {
    let tmp = tempfile::tempdir().unwrap();
    answers(
        tmp.path(),
        "{\"use_case\": \"realtime\",\n \"project_name\": \"My_Chat\"}",
    );
    let line = refused(&run(&["new", "--answers", "answers.json"], tmp.path()));
    assert_eq!(
        line,
        "error: answers.json:2: `project_name`: `My_Chat` is not a valid Worker name; expected lowercase letters, digits and dashes, 1–63 characters, starting with a letter"
    );
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn kv_storage_where_it_is_not_offered() {
    let tmp = tempfile::tempdir().unwrap();
    answers(
        tmp.path(),
        "{\"use_case\": \"realtime\", \"queries\": \"filtering\",\n\"storage\": \"kv\"}",
    );
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(
        line.starts_with(
            "error: answers.json:2: `storage`: `kv` is offered only when `queries` is `key-value`"
        ),
        "{line}"
    );
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn non_empty_target() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("out")).unwrap();
    fs::write(tmp.path().join("out/notes.txt"), "mine").unwrap();
    let line = refused(&run(&["new", "--yes", "out"], tmp.path()));
    assert!(line.starts_with("error: out is not empty;"), "{line}");
    assert!(line.contains("--force"), "{line}");
    only(&tmp.path().join("out"), &["notes.txt"]);
}

#[test]
fn no_terminal_and_no_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let line = refused(&run(&["new", "out"], tmp.path()));
    assert_eq!(
        line,
        "error: no terminal to ask the questions on; pass --answers FILE to answer them from a file, or --yes to take the defaults"
    );
    only(tmp.path(), &[]);
}

#[test]
fn missing_answers_file() {
    let tmp = tempfile::tempdir().unwrap();
    let line = refused(&run(&["new", "--answers", "nope.json", "out"], tmp.path()));
    assert!(
        line.starts_with("error: cannot read answers file nope.json:"),
        "{line}"
    );
    only(tmp.path(), &[]);
}

#[test]
fn bad_compatibility_date() {
    let tmp = tempfile::tempdir().unwrap();
    answers(tmp.path(), "{\"compatibility_date\": \"2024-02-30\"}");
    let line = refused(&run(
        &["new", "--yes", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(
        line.starts_with(
            "error: answers.json:1: `compatibility_date`: `2024-02-30` is not a compatibility date"
        ),
        "{line}"
    );
    only(tmp.path(), &["answers.json"]);
}

// Input hygiene (the safe-writes issue): every message is one line, names the
// file and the field, quotes at most about 200 characters of input, and
// escapes control characters.

#[test]
fn a_value_holding_newlines_gives_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    answers(tmp.path(), "{\"use_case\": \"real\\ntime\\r\\n\"}");
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(
        line.contains("`real\\ntime\\r\\n` is not an option"),
        "{line}"
    );
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn escape_and_nul_in_a_value_are_not_echoed_raw() {
    let tmp = tempfile::tempdir().unwrap();
    answers(
        tmp.path(),
        "{\"project_name\": \"x\\u001b]0;pwned\\u0007\\u0000\"}",
    );
    let output = run(
        &["new", "--answers", "answers.json", "--yes", "out"],
        tmp.path(),
    );
    let line = refused(&output);
    assert!(
        !output
            .stderr
            .iter()
            .any(|byte| *byte < 0x20 && *byte != b'\n'),
        "{line}"
    );
    assert!(line.contains("\\u{1b}]0;pwned\\u{7}\\u{0}"), "{line}");
    assert!(line.contains("answers.json:1: `project_name`"), "{line}");
}

#[test]
fn a_huge_value_is_quoted_short() {
    let tmp = tempfile::tempdir().unwrap();
    let value = "z".repeat(500_000);
    answers(tmp.path(), &format!("{{\"use_case\": \"{value}\"}}"));
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(line.len() < 600, "{} characters", line.len());
    assert!(line.contains("…` is not an option"), "{line}");
}

#[test]
fn an_answers_file_over_one_mebibyte_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let padding = " ".repeat(1024 * 1024);
    answers(
        tmp.path(),
        &format!("{{\"use_case\": \"realtime\"{padding}}}"),
    );
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(
        line.contains("answers.json") && line.contains("over 1 MiB"),
        "{line}"
    );
    only(tmp.path(), &["answers.json"]);
}

#[test]
fn dev_zero_as_answers_is_refused_not_read_forever() {
    let tmp = tempfile::tempdir().unwrap();
    let line = refused(&run(&["new", "--answers", "/dev/zero", "out"], tmp.path()));
    assert!(line.contains("/dev/zero"), "{line}");
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    answers(
        tmp.path(),
        "\u{feff}{\"use_case\": \"realtime\", \"project_name\": \"bom-chat\"}",
    );
    let output = run(
        &["new", "--answers", "answers.json", "--yes", "--dry-run"],
        tmp.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn a_huge_number_is_called_a_number() {
    let tmp = tempfile::tempdir().unwrap();
    answers(tmp.path(), "{\"scale\": 1e999999}");
    let line = refused(&run(
        &["new", "--answers", "answers.json", "out"],
        tmp.path(),
    ));
    assert!(line.contains("`scale`: expected one of"), "{line}");
    assert!(line.contains("found the number 1e999999"), "{line}");
}

#[test]
fn a_dir_error_names_the_file_and_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("taken")).unwrap();
    fs::write(tmp.path().join("taken/x"), "x").unwrap();
    answers(
        tmp.path(),
        "{\"use_case\": \"realtime\",\n\"dir\": \"taken\"}",
    );
    let line = refused(&run(
        &["new", "--answers", "answers.json", "--yes"],
        tmp.path(),
    ));
    assert!(line.starts_with("error: answers.json:2: `dir`: "), "{line}");
    assert!(line.contains("is not empty"), "{line}");
}

#[test]
fn new_force_refuses_a_directory_symlink_in_the_target_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let target = tmp.path().join("app");
    fs::create_dir(&target).unwrap();
    std::os::unix::fs::symlink(&outside, target.join("src")).unwrap();
    answers(tmp.path(), "{\"use_case\": \"realtime\"}");
    let line = refused(&run(
        &["new", "--answers", "answers.json", "--force", "app"],
        tmp.path(),
    ));
    assert!(line.contains("symbolic link"), "{line}");
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
    only(&target, &["src"]);
    only(tmp.path(), &["answers.json", "app", "outside"]);
}
