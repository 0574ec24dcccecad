//! Writing a plan to disk, atomically.
//!
//! The plan is first written to a staging directory beside the target, then
//! moved into place with one `rename` (a fresh or empty target) or one rename
//! per file (`--force` into a non-empty target, where files the wizard does
//! not write are kept and nothing is deleted). A failure before the move
//! leaves the target exactly as it was, and the staging directory is removed.

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

/// Removes the staging directory unless the write completed.
struct Staging {
    path: PathBuf,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Write `plan` into `target` (see the module docs for the guarantees).
pub fn write_plan(plan: &Plan, target: &Path, force: bool) -> anyhow::Result<()> {
    check_target(target, force)?;
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".to_string());
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let staging = Staging {
        path: parent.join(format!(".{name}.do-wizard-{}-{nanos}", std::process::id())),
    };
    fs::create_dir(&staging.path)
        .with_context(|| format!("creating {}", staging.path.display()))?;
    for file in &plan.files {
        let path = staging.path.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&path, &file.contents).with_context(|| format!("writing {}", path.display()))?;
    }

    if !target.exists() {
        return fs::rename(&staging.path, target)
            .with_context(|| format!("moving the project into {}", target.display()));
    }
    if is_empty_dir(target)? {
        fs::remove_dir(target).with_context(|| format!("replacing {}", target.display()))?;
        return fs::rename(&staging.path, target)
            .with_context(|| format!("moving the project into {}", target.display()));
    }
    // --force into a non-empty directory: move file by file; keep the rest.
    for file in &plan.files {
        let destination = target.join(&file.path);
        if let Some(dir) = destination.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::rename(staging.path.join(&file.path), &destination)
            .with_context(|| format!("writing {}", destination.display()))?;
    }
    Ok(())
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
