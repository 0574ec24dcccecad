//! Writing a plan to disk, all or nothing, through [`crate::write::Transaction`].
//!
//! The plan is first written to a staging directory beside the target (never
//! inside it, `.` included), then moved into place with one `rename` (a
//! fresh or empty target) or, with `--force` into a non-empty target, file by
//! file after a journal marks the commit point: files the wizard does not
//! write are kept and nothing is deleted, and a run killed during the moves
//! is finished by the next run. A failure before the commit point leaves the
//! target exactly as it was, and the staging directory is removed. Nothing
//! is written through a symbolic link inside the target.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::Plan;
use crate::input_error;

/// Check that `target` may receive a project, before anything is rendered or
/// asked: it is absent, an empty directory, or `force` is set.
pub fn check_target(target: &Path, force: bool) -> anyhow::Result<()> {
    match fs::metadata(target) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(input_error!("cannot use {}: {error}", target.display())),
        Ok(meta) if !meta.is_dir() => Err(input_error!(
            "{} exists and is not a directory",
            target.display()
        )),
        Ok(_) if force || is_empty_dir(target)? => Ok(()),
        Ok(_) => Err(input_error!(
            "{} is not empty; choose another directory, or pass --force to write into it (files the wizard does not write are kept)",
            target.display()
        )),
    }
}

fn is_empty_dir(dir: &Path) -> anyhow::Result<bool> {
    Ok(fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .next()
        .is_none())
}

/// Write `plan` into `target` (see the module docs for the guarantees).
pub fn write_plan(plan: &Plan, target: &Path, force: bool) -> anyhow::Result<()> {
    check_target(target, force)?;
    let files: Vec<(PathBuf, Vec<u8>)> = plan
        .files
        .iter()
        .map(|file| (file.path.clone(), file.contents.clone().into_bytes()))
        .collect();
    crate::write::Transaction::stage(target, &files)?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::PlannedFile;

    fn plan() -> Plan {
        Plan {
            files: vec![
                PlannedFile {
                    path: "a.txt".into(),
                    contents: "a".into(),
                },
                PlannedFile {
                    path: "src/b.ts".into(),
                    contents: "b".into(),
                },
            ],
        }
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".do-wizard-"))
            .collect()
    }

    #[test]
    fn writes_a_fresh_directory_and_leaves_no_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("nested/project");
        write_plan(&plan(), &target, false).unwrap();
        assert_eq!(fs::read_to_string(target.join("src/b.ts")).unwrap(), "b");
        assert!(leftovers(&tmp.path().join("nested")).is_empty());
    }

    #[test]
    fn refuses_a_non_empty_directory_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
        let error = write_plan(&plan(), tmp.path(), false).unwrap_err();
        assert!(crate::error::render(&error).contains("is not empty"));
        assert!(!tmp.path().join("a.txt").exists());
        assert!(leftovers(tmp.path().parent().unwrap()).is_empty());
    }

    #[test]
    fn force_keeps_the_files_it_does_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("p");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep.txt"), "mine").unwrap();
        fs::write(target.join("a.txt"), "old").unwrap();
        write_plan(&plan(), &target, true).unwrap();
        assert_eq!(fs::read_to_string(target.join("keep.txt")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(target.join("a.txt")).unwrap(), "a");
        assert!(leftovers(tmp.path()).is_empty());
    }

    #[test]
    fn an_empty_directory_is_fine() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("empty");
        fs::create_dir(&target).unwrap();
        write_plan(&plan(), &target, false).unwrap();
        assert!(target.join("a.txt").exists());
    }

    #[test]
    fn a_file_in_the_way_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("file");
        fs::write(&target, "x").unwrap();
        let error = write_plan(&plan(), &target, true).unwrap_err();
        assert!(crate::error::render(&error).contains("is not a directory"));
    }
}
