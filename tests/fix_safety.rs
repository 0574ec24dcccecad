//! `optimize --fix` never breaks code, never writes outside the project, and
//! never loses an edit (the safe-writes issue). Each test runs the real
//! binary on a project written for it and is named for the defect it pins.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CLASS_OPEN: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = tmp.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    tmp
}

fn fix(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_do-wizard"))
        .args(["optimize", "--yes", "--fix", "--fail-on", "error"])
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn method(body: &str) -> String {
    format!(
        "{CLASS_OPEN}  run(id: string, t: string, list: string, col: string) {{\n{body}\n  }}\n}}\n"
    )
}

/// The SQL fix is not applied where a parameter cannot stand.
#[test]
fn do203_fix_leaves_sql_where_a_parameter_cannot_stand() {
    for sql in [
        "`SELECT * FROM a JOIN ${t} ON t.id = ${t}.id`",
        "`SELECT * FROM items WHERE id IN ${list}`",
        "`CREATE INDEX idx ON items(${col})`",
        "`INSERT INTO items (k) VALUES (1) ON CONFLICT(${col}) DO NOTHING`",
        "`SELECT SUM(${col}) FROM items`",
    ] {
        let source = method(&format!("    this.ctx.storage.sql.exec({sql});"));
        let dir = project(&[("src/room.ts", &source)]);
        let output = fix(dir.path());
        // Still reported, with the advice; only the edit is withheld.
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("DO203"),
            "{sql}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("src/room.ts")).unwrap(),
            source,
            "{sql}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn do203_fix_binds_after_the_parentheses_not_in_a_comma_expression() {
    let source = method("    this.ctx.storage.sql.exec((`SELECT * FROM items WHERE id = ${id}`));");
    let dir = project(&[("src/room.ts", &source)]);
    fix(dir.path());
    let fixed = fs::read_to_string(dir.path().join("src/room.ts")).unwrap();
    assert!(
        fixed.contains("exec((`SELECT * FROM items WHERE id = ?`), id);"),
        "{fixed}"
    );
}

#[test]
fn do203_fix_keeps_a_comment_inside_the_interpolation() {
    let source = method(
        "    this.ctx.storage.sql.exec(`SELECT * FROM items WHERE id = ${/* the caller's */ id}`);",
    );
    let dir = project(&[("src/room.ts", &source)]);
    fix(dir.path());
    let fixed = fs::read_to_string(dir.path().join("src/room.ts")).unwrap();
    assert!(
        fixed.contains("WHERE id = ?`, /* the caller's */ id);"),
        "{fixed}"
    );
}

#[test]
fn do206_fix_does_not_rewrite_an_assignment_target() {
    let source = method(
        "    const c = this.ctx.storage.sql.exec(\"SELECT * FROM items\");\n    c.rows = [];",
    );
    let dir = project(&[("src/room.ts", &source)]);
    fix(dir.path());
    assert_eq!(
        fs::read_to_string(dir.path().join("src/room.ts")).unwrap(),
        source
    );
}

#[test]
fn do206_fix_does_not_consume_a_cursor_twice() {
    let source = method(
        "    const cur = this.ctx.storage.sql.exec(\"SELECT * FROM items\");\n    return [cur.rows.length, cur.rows[0]];",
    );
    let dir = project(&[("src/room.ts", &source)]);
    let output = fix(dir.path());
    assert_eq!(
        fs::read_to_string(dir.path().join("src/room.ts")).unwrap(),
        source
    );
    // Still reported, with the advice to read the rows once.
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("const rows = cur.toArray()"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn do206_fix_leaves_a_shadowing_parameter_alone() {
    let source = method(
        "    const result = this.ctx.storage.sql.exec(\"SELECT * FROM items\").toArray();\n    const pick = (result: { rows: number[] }) => result.rows[0];\n    return [result, pick];",
    );
    let dir = project(&[("src/room.ts", &source)]);
    let output = fix(dir.path());
    assert_eq!(
        fs::read_to_string(dir.path().join("src/room.ts")).unwrap(),
        source
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("DO206"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn fix_applies_a_safe_fix_and_a_second_run_changes_nothing() {
    let source = method(
        "    const c = this.ctx.storage.sql.exec(\"SELECT * FROM items\");\n    return c.rows;",
    );
    let dir = project(&[("src/room.ts", &source)]);
    fix(dir.path());
    let once = fs::read_to_string(dir.path().join("src/room.ts")).unwrap();
    assert!(once.contains("return c.toArray();"), "{once}");
    fix(dir.path());
    assert_eq!(
        fs::read_to_string(dir.path().join("src/room.ts")).unwrap(),
        once
    );
}

#[test]
fn fix_never_writes_through_a_symlink_planted_at_the_old_temporary_name() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    let source = method(
        "    const c = this.ctx.storage.sql.exec(\"SELECT * FROM items\");\n    return c.rows;",
    );
    let dir = project(&[("src/room.ts", &source)]);
    symlink(&victim, dir.path().join("src/.room.ts.do-wizard-fix")).unwrap();
    fix(dir.path());
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    let fixed = dir.path().join("src/room.ts");
    assert!(fs::symlink_metadata(&fixed).unwrap().is_file());
    assert!(fs::read_to_string(fixed).unwrap().contains("c.toArray()"));
}

#[test]
fn fix_refuses_a_read_only_file_naming_it_and_keeps_modes() {
    let source = method(
        "    const c = this.ctx.storage.sql.exec(\"SELECT * FROM items\");\n    return c.rows;",
    );
    let dir = project(&[("src/room.ts", &source)]);
    let path = dir.path().join("src/room.ts");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let output = fix(dir.path());
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("src/room.ts") && stderr.contains("read-only"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), source);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    fix(dir.path());
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(fs::read_to_string(&path).unwrap().contains("c.toArray()"));
}
