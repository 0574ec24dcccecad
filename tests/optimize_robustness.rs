//! No input can stop a scan: files nested deeper than any stack allows, huge
//! SQL strings, special files and links, and roots with nothing to analyze.
//! Each deep shape here aborted the whole process (stack overflow) before
//! the nesting guard and the analysis threads' large stacks.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::optimize_project::{CHAT, CONFIG, run, write};

/// A small project with a finding in `src/index.ts`, a few more files (so
/// that parsing runs on several worker threads) and `extra` at `path`.
fn project_with(path: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/index.ts", CHAT);
    write(dir.path(), "wrangler.jsonc", CONFIG);
    for i in 0..6 {
        write(
            dir.path(),
            &format!("src/util{i}.ts"),
            &format!("export const n{i} = [{i}, {{ a: ({i} + 1) }}];\n"),
        );
    }
    write(dir.path(), path, extra);
    dir
}

/// Run with JSON output; the exit code must say "ran" (0 or 1).
fn scan(dir: &Path) -> Value {
    let output = run(&["optimize", ".", "--yes", "--format", "json"], dir);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}, stderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

fn diagnostics_for<'v>(report: &'v Value, file: &str) -> Vec<&'v str> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["file"] == file)
        .map(|diagnostic| diagnostic["message"].as_str().unwrap())
        .collect()
}

fn has_finding_in(report: &Value, file: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|finding| finding["file"] == file)
}

/// The file is skipped with "nested N deep", and the rest is reported.
fn assert_skipped_as_deep(path: &str, text: &str) {
    let dir = project_with(path, text);
    let report = scan(dir.path());
    assert!(
        has_finding_in(&report, "src/index.ts"),
        "the other files are still reported: {report}"
    );
    let messages = diagnostics_for(&report, path);
    assert!(
        messages
            .iter()
            .any(|message| message.contains("deep") && message.contains("skipped")),
        "a diagnostic names {path}: {messages:?}"
    );
}

const DEPTH: usize = 20_000;

#[test]
fn deep_nesting_arrays_does_not_abort_the_scan() {
    let text = format!(
        "export const data = {}{};\n",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    assert_skipped_as_deep("src/data.ts", &text);
}

#[test]
fn deep_nesting_objects_does_not_abort_the_scan() {
    let text = format!(
        "export const data = {}1{};\n",
        "{ a: ".repeat(DEPTH),
        " }".repeat(DEPTH)
    );
    assert_skipped_as_deep("src/data.js", &text);
}

#[test]
fn deep_nesting_parentheses_does_not_abort_the_scan() {
    let text = format!(
        "export const data = {}1{};\n",
        "(".repeat(DEPTH),
        ")".repeat(DEPTH)
    );
    assert_skipped_as_deep("src/data.ts", &text);
}

#[test]
fn deep_member_chain_does_not_abort_the_scan() {
    let text = format!("export const data = x{};\n", ".b".repeat(DEPTH * 2));
    assert_skipped_as_deep("src/chain.ts", &text);
}

#[test]
fn deep_binary_chain_does_not_abort_the_scan() {
    let text = format!("export const data = x{};\n", " + x".repeat(DEPTH * 2));
    assert_skipped_as_deep("src/sum.ts", &text);
}

#[test]
fn deep_sql_nesting_does_not_abort_the_scan() {
    // Inside a string the JavaScript guard sees nothing: sqlparser's own
    // recursion limit must hold.
    let sql = format!("SELECT {}1{}", "(".repeat(DEPTH), ")".repeat(DEPTH));
    let text = format!(
        "import {{ DurableObject }} from \"cloudflare:workers\";\nexport class Deep extends DurableObject {{\n  run() {{ return this.ctx.storage.sql.exec(\"{sql}\"); }}\n}}\n"
    );
    let dir = project_with("src/deep.ts", &text);
    let report = scan(dir.path());
    assert!(has_finding_in(&report, "src/index.ts"), "{report}");
}

#[test]
fn nesting_under_the_limit_is_analyzed_on_the_large_stacks() {
    // Deep enough to overflow the default 2 MiB worker stack, within the
    // guard's limits: analyzed, not skipped.
    let arrays = format!(
        "export const data = {}{};\n",
        "[".repeat(1_900),
        "]".repeat(1_900)
    );
    let dir = project_with("src/data.ts", &arrays);
    write(
        dir.path(),
        "src/sum.ts",
        &format!("export const data = x{};\n", " + x".repeat(19_000)),
    );
    write(
        dir.path(),
        "src/chain.ts",
        &format!("export const data = x{};\n", ".b".repeat(19_000)),
    );
    let report = scan(dir.path());
    assert!(has_finding_in(&report, "src/index.ts"), "{report}");
    for file in ["src/data.ts", "src/sum.ts", "src/chain.ts"] {
        assert_eq!(diagnostics_for(&report, file), Vec::<&str>::new(), "{file}");
    }
}

#[test]
fn huge_sql_string_is_not_analyzed_and_says_so() {
    // 55,000 terms, just under the 1 MiB file limit.
    let sql = format!("SELECT 1 AS a{}", " UNION ALL SELECT 1".repeat(55_000));
    let text = format!(
        "import {{ DurableObject }} from \"cloudflare:workers\";\nexport class Big extends DurableObject {{\n  run() {{ return this.ctx.storage.sql.exec(\"{sql}\"); }}\n}}\n"
    );
    let dir = project_with("src/big.ts", &text);
    let report = scan(dir.path());
    assert!(has_finding_in(&report, "src/index.ts"), "{report}");
    let messages = diagnostics_for(&report, "src/big.ts");
    assert!(
        messages
            .iter()
            .any(|message| message.contains("SQL not analyzed")),
        "{messages:?}"
    );
}

/// One line on stderr naming the path, exit 2.
fn assert_input_error(dir: &Path, root: &str, expected: &str) {
    let output = run(&["optimize", root, "--yes"], dir);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(root) && stderr.contains(expected),
        "{stderr}"
    );
}

#[test]
fn fifo_or_device_as_root_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    assert_input_error(dir.path(), "pipe", "not a directory or a regular file");
    assert_input_error(dir.path(), "/dev/zero", "not a directory or a regular file");
}

#[test]
fn root_without_sources_or_config_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "docs/README.md", "# nothing to analyze\n");
    write(dir.path(), "types/env.d.ts", "declare const x: number;\n");
    assert_input_error(dir.path(), "docs", "no JavaScript or TypeScript source");
    assert_input_error(dir.path(), "types", "no JavaScript or TypeScript source");
    assert_input_error(
        dir.path(),
        "docs/README.md",
        "no JavaScript or TypeScript source",
    );
}

#[cfg(unix)]
#[test]
fn skipped_inputs_are_reported_and_links_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret/index.ts",
        "import { DurableObject } from \"cloudflare:workers\";\nexport class Outside extends DurableObject { run() { return this.ctx.storage.sql.exec(\"SELECT * FROM t\").toArray(); } }\n",
    );
    let dir = project_with("src/plain.ts", "export const x = 1;\n");
    let root = dir.path();
    std::os::unix::fs::symlink(
        outside.path().join("secret/index.ts"),
        root.join("src/linked.ts"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), root.join("linked_dir")).unwrap();
    // A link that is no input (a document) is not worth a note.
    std::os::unix::fs::symlink(root.join("wrangler.jsonc"), root.join("notes.md")).unwrap();
    let status = Command::new("mkfifo")
        .arg(root.join("src/pipe.ts"))
        .status()
        .unwrap();
    assert!(status.success());
    let report = scan(root);
    assert!(has_finding_in(&report, "src/index.ts"), "{report}");
    assert_eq!(diagnostics_for(&report, "notes.md"), Vec::<&str>::new());
    let text = report.to_string();
    assert!(
        !text.contains("Outside"),
        "a link out of the root was followed: {text}"
    );
    for (file, why) in [
        ("src/linked.ts", "symbolic link"),
        ("linked_dir", "symbolic link"),
        ("src/pipe.ts", "FIFO"),
    ] {
        let messages = diagnostics_for(&report, file);
        assert!(
            messages.iter().any(|message| message.contains(why)),
            "{file}: {messages:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = project_with("locked/inner.ts", "export const x = 1;\n");
    let locked = dir.path().join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads every directory anyway (CI runs as root): then scan as an
    // unprivileged user, for whom the rest of the tree is readable.
    let as_root = unsafe { libc::geteuid() } == 0;
    let output = if as_root {
        for path in [dir.path().to_path_buf(), dir.path().join("src")] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // The build directory may sit where that user cannot reach (under
        // /root): run a copy from a directory everyone can read.
        let bin_dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let binary = bin_dir.path().join("do-wizard");
        std::fs::copy(env!("CARGO_BIN_EXE_do-wizard"), &binary).unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        Command::new(&binary)
            .args(["optimize", ".", "--yes", "--format", "json"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .uid(65534)
            .gid(65534)
            .output()
            .expect("binary runs")
    } else {
        run(&["optimize", ".", "--yes", "--format", "json"], dir.path())
    };
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}, stderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert!(has_finding_in(&report, "src/index.ts"), "{report}");
    let messages = diagnostics_for(&report, "locked");
    assert!(
        messages
            .iter()
            .any(|message| message.contains("cannot read")),
        "{report}"
    );
}
