//! The write layer's guarantees, one test each; named for the defect they pin.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use super::*;

fn rendered(error: anyhow::Error) -> String {
    crate::error::render(&error)
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".do-wizard-"))
        .collect()
}

#[test]
fn fix_never_writes_through_a_planted_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    fs::create_dir(&repo).unwrap();
    let victim = tmp.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    fs::write(repo.join("a.ts"), "old").unwrap();
    // The old fixed temporary name, planted as a link to a file outside.
    symlink(&victim, repo.join(".a.ts.do-wizard-fix")).unwrap();
    write_all(
        &repo,
        &[Change::new("a.ts", "new", Expect::Content(b"old".to_vec()))],
    )
    .unwrap();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(fs::read_to_string(repo.join("a.ts")).unwrap(), "new");
    assert!(fs::symlink_metadata(repo.join("a.ts")).unwrap().is_file());
}

#[test]
fn a_symlinked_target_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let repo = tmp.path().join("repo");
    fs::create_dir(&repo).unwrap();
    symlink(&victim, repo.join("a.ts")).unwrap();
    let error =
        rendered(write_all(&repo, &[Change::new("a.ts", "x", Expect::Anything)]).unwrap_err());
    assert!(
        error.contains("a.ts") && error.contains("symbolic link"),
        "{error}"
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn a_symlinked_directory_on_the_way_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let repo = tmp.path().join("repo");
    fs::create_dir(&repo).unwrap();
    symlink(&outside, repo.join("src")).unwrap();
    let error =
        rendered(write_all(&repo, &[Change::new("src/a.ts", "x", Expect::Absent)]).unwrap_err());
    assert!(
        error.contains("src/a.ts") && error.contains("symbolic link"),
        "{error}"
    );
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn a_path_that_leaves_the_root_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for path in ["../escape.ts", "/etc/passwd", "a/../../b"] {
        let error = rendered(
            write_all(tmp.path(), &[Change::new(path, "x", Expect::Anything)]).unwrap_err(),
        );
        assert!(error.contains("leaves the project"), "{path}: {error}");
    }
}

#[test]
fn fix_keeps_the_file_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wrangler.jsonc");
    fs::write(&path, "{}").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    write_all(
        tmp.path(),
        &[Change::new(
            "wrangler.jsonc",
            "{ }",
            Expect::Content(b"{}".to_vec()),
        )],
    )
    .unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn fix_refuses_a_read_only_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a.ts");
    fs::write(&path, "old").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let error = rendered(
        write_all(
            tmp.path(),
            &[Change::new("a.ts", "new", Expect::Content(b"old".to_vec()))],
        )
        .unwrap_err(),
    );
    assert!(
        error.contains("a.ts") && error.contains("read-only"),
        "{error}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), "old");
}

#[test]
fn fix_does_not_overwrite_an_edit_made_during_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a.ts"), "edited by the user").unwrap();
    let error = rendered(
        write_all(
            tmp.path(),
            &[Change::new(
                "a.ts",
                "fixed",
                Expect::Content(b"as analyzed".to_vec()),
            )],
        )
        .unwrap_err(),
    );
    assert!(error.contains("changed since it was read"), "{error}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("a.ts")).unwrap(),
        "edited by the user"
    );
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn a_fix_set_spanning_files_is_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a.ts"), "a").unwrap();
    fs::write(tmp.path().join("b.ts"), "edited").unwrap();
    let error = write_all(
        tmp.path(),
        &[
            Change::new("a.ts", "A", Expect::Content(b"a".to_vec())),
            Change::new("b.ts", "B", Expect::Content(b"b".to_vec())),
        ],
    )
    .unwrap_err();
    assert!(rendered(error).contains("b.ts"));
    assert_eq!(fs::read_to_string(tmp.path().join("a.ts")).unwrap(), "a");
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn a_file_that_cannot_be_staged_stops_the_set_before_any_write_and_names_its_path() {
    // Was: `Permission denied (os error 13)`, no path, half the fixes applied.
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("a.ts"), "a").unwrap();
    fs::write(
        tmp.path().join("blocked"),
        "a file where a directory should be",
    )
    .unwrap();
    let error = rendered(
        write_all(
            tmp.path(),
            &[
                Change::new("a.ts", "A", Expect::Content(b"a".to_vec())),
                Change::new("blocked/b.ts", "B", Expect::Absent),
            ],
        )
        .unwrap_err(),
    );
    assert!(error.contains("blocked/b.ts"), "{error}");
    assert_eq!(fs::read_to_string(tmp.path().join("a.ts")).unwrap(), "a");
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn new_files_and_directories_are_created() {
    let tmp = tempfile::tempdir().unwrap();
    write_all(
        tmp.path(),
        &[Change::new("src/deep/x.ts", "x", Expect::Absent)],
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(tmp.path().join("src/deep/x.ts")).unwrap(),
        "x"
    );
}

fn project() -> Vec<(PathBuf, Vec<u8>)> {
    vec![
        ("package.json".into(), b"{}".to_vec()),
        ("src/index.ts".into(), b"export {}".to_vec()),
    ]
}

#[test]
fn new_into_an_absent_directory_is_one_rename() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("app");
    Transaction::stage(&target, &project())
        .unwrap()
        .commit()
        .unwrap();
    assert!(target.join("src/index.ts").is_file());
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn new_force_keeps_other_files_and_leaves_no_staging() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("app");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("mine.txt"), "mine").unwrap();
    fs::write(target.join("package.json"), "old").unwrap();
    Transaction::stage(&target, &project())
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(fs::read_to_string(target.join("mine.txt")).unwrap(), "mine");
    assert_eq!(
        fs::read_to_string(target.join("package.json")).unwrap(),
        "{}"
    );
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn new_force_never_writes_through_a_directory_symlink_in_the_target() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let target = tmp.path().join("app");
    fs::create_dir(&target).unwrap();
    symlink(&outside, target.join("src")).unwrap();
    let error = rendered(
        Transaction::stage(&target, &project())
            .unwrap()
            .commit()
            .unwrap_err(),
    );
    assert!(error.contains("symbolic link"), "{error}");
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
    assert!(!target.join("package.json").exists());
    assert!(leftovers(tmp.path()).is_empty());
}

#[test]
fn staging_for_the_current_directory_sits_beside_it_not_inside() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("here");
    fs::create_dir(&target).unwrap();
    let transaction = Transaction::stage(&target.join("."), &project()).unwrap();
    assert!(leftovers(&target).is_empty());
    assert_eq!(leftovers(tmp.path()).len(), 1);
    transaction.commit().unwrap();
    assert!(target.join("src/index.ts").is_file());
}

#[test]
fn an_uncommitted_stale_staging_is_removed_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("app");
    // A run that died (pid 0x7fffffff is never alive) before the marker.
    let stale = tmp.path().join(".app.do-wizard-stage-2147483646-0-1");
    fs::create_dir_all(stale.join("files/src")).unwrap();
    fs::write(stale.join("files/src/index.ts"), "half").unwrap();
    recover_stale(tmp.path());
    assert!(!stale.exists());
    assert!(!target.exists());
}

#[test]
fn a_committed_stale_staging_is_finished_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("app");
    fs::create_dir_all(target.join("src")).unwrap();
    fs::write(target.join("package.json"), "{}").unwrap();
    let stale = tmp.path().join(".app.do-wizard-stage-2147483646-0-1");
    fs::create_dir_all(stale.join("files/src")).unwrap();
    fs::write(stale.join("files/src/index.ts"), "rest").unwrap();
    fs::write(stale.join(COMMIT_MARKER), "app").unwrap();
    recover_stale(tmp.path());
    assert!(!stale.exists());
    assert_eq!(
        fs::read_to_string(target.join("src/index.ts")).unwrap(),
        "rest"
    );
}

#[test]
fn a_marker_naming_another_place_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let stale = tmp.path().join(".app.do-wizard-stage-2147483646-0-1");
    fs::create_dir_all(stale.join("files")).unwrap();
    fs::write(stale.join("files/x"), "x").unwrap();
    fs::write(stale.join(COMMIT_MARKER), "../elsewhere").unwrap();
    recover_stale(tmp.path());
    assert!(!stale.exists());
    assert!(!tmp.path().parent().unwrap().join("elsewhere").exists());
}

#[test]
fn staging_of_a_live_process_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join(format!(
        ".app.do-wizard-stage-{}-9-1",
        std::os::unix::process::parent_id()
    ));
    fs::create_dir_all(&live).unwrap();
    recover_stale(tmp.path());
    assert!(live.exists());
}
