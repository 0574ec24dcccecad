//! The one safe way to write files: `optimize --fix`, the findings browser's
//! fix and report, `new` and `add` all go through here.
//!
//! Invariants, for every file written:
//! - it stays inside its root: the path is relative, has no `..`, and no
//!   existing component below the root is a symbolic link (a link planted in
//!   a repository is refused, never followed);
//! - the new text goes to a temporary file created exclusively (`O_EXCL`,
//!   `O_NOFOLLOW`, a unique name) in the target's own directory, is synced,
//!   and is renamed over the target: a reader sees the old file or the new
//!   one, never half;
//! - an existing file keeps its permission bits; a read-only file is refused;
//! - just before the renames, every target is checked to still hold what
//!   the caller read ([`Expect`]); an edit made meanwhile is never lost;
//! - a set of files is all-or-nothing: every file is checked and staged
//!   first, then renamed; if a rename fails, the ones already renamed are
//!   put back.
//!
//! Every refusal is an input error naming the path (one line, exit 2).
//!
//! [`Transaction`] adds the whole-project case (`new`): the files are staged
//! in a directory beside the target (never inside it), a journal marks the
//! commit point, and a later run finishes a committed move or removes an
//! uncommitted one ([`recover_stale`]).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write as _};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use anyhow::Context as _;

use crate::input_error;

/// What the caller believes is at a path before writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Nothing: the file is new.
    Absent,
    /// Exactly these bytes (what was read and analyzed).
    Content(Vec<u8>),
    /// Whatever is there (`new --force` overwrites the files it renders).
    Anything,
}

/// One file to write, by its path relative to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    pub expect: Expect,
}

impl Change {
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>, expect: Expect) -> Self {
        Self {
            path: path.into(),
            contents: contents.into(),
            expect,
        }
    }
}

static CRITICAL: Mutex<()> = Mutex::new(());

/// Hold this while renaming into place: the signal handler takes it before
/// it exits, so a SIGINT or SIGTERM never lands between two renames.
pub fn critical_section() -> MutexGuard<'static, ()> {
    CRITICAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Staging directories of this process, removed by [`abandon_staging`] when
/// a signal ends the run before the commit point.
static STAGING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove this process's uncommitted staging directories (called by the
/// signal handler, holding [`critical_section`], just before it exits).
pub fn abandon_staging() {
    let staged = std::mem::take(
        &mut *STAGING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    for path in staged {
        if !path.join(COMMIT_MARKER).exists() {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Write every change under `root`, all or nothing (see the module docs).
pub fn write_all(root: &Path, changes: &[Change]) -> anyhow::Result<()> {
    let mut staged = Vec::with_capacity(changes.len());
    for change in changes {
        staged.push(stage(root, change)?);
    }
    let _committing = critical_section();
    for (change, file) in changes.iter().zip(&staged) {
        check_expectation(&file.target, &change.path, &change.expect)?;
    }
    let mut done: Vec<(&Change, &Staged)> = Vec::new();
    for (change, file) in changes.iter().zip(&staged) {
        if let Err(error) = fs::rename(&file.temporary, &file.target) {
            let failure = input_error!("cannot write {}: {error}", display(&change.path));
            for (change, file) in done.into_iter().rev() {
                undo(change, file);
            }
            return Err(failure);
        }
        file.renamed.set(true);
        done.push((change, file));
    }
    Ok(())
}

/// Write one file the user named (a report's `-o PATH`): atomically, never
/// through a symbolic link, its mode kept.
pub fn write_file(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name() else {
        return Err(input_error!("cannot write {}: no file name", display(path)));
    };
    let target = directory.join(name);
    let staged = stage_at(
        &target,
        &Change::new(path, contents.to_vec(), Expect::Anything),
    )?;
    let _committing = critical_section();
    fs::rename(&staged.temporary, &target)
        .map_err(|error| input_error!("cannot write {}: {error}", display(path)))?;
    staged.renamed.set(true);
    Ok(())
}

/// Put back what one rename replaced.
fn undo(change: &Change, file: &Staged) {
    match &change.expect {
        Expect::Content(original) => {
            let restore = Change::new(&change.path, original.clone(), Expect::Anything);
            if let Ok(back) = stage_at(&file.target, &restore) {
                let _ = fs::rename(&back.temporary, &file.target);
                back.renamed.set(true);
            }
        }
        Expect::Absent => {
            let _ = fs::remove_file(&file.target);
        }
        Expect::Anything => {}
    }
}

/// A temporary file holding a change's new text, beside its target.
struct Staged {
    temporary: PathBuf,
    target: PathBuf,
    renamed: std::cell::Cell<bool>,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.renamed.get() {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

/// Check the path, create the missing directories, and write the temporary.
fn stage(root: &Path, change: &Change) -> anyhow::Result<Staged> {
    let target = confined(root, &change.path)?;
    stage_at(&target, change)
}

fn stage_at(target: &Path, change: &Change) -> anyhow::Result<Staged> {
    let shown = display(&change.path);
    let mode = match fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(input_error!(
                "refusing to write {shown}: it is a symbolic link"
            ));
        }
        Ok(meta) if !meta.is_file() => {
            return Err(input_error!(
                "refusing to write {shown}: it is not a regular file"
            ));
        }
        Ok(meta) if meta.permissions().mode() & 0o200 == 0 => {
            return Err(input_error!("refusing to write {shown}: it is read-only"));
        }
        Ok(meta) => Some(meta.permissions().mode() & 0o7777),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(input_error!("cannot write {shown}: {error}")),
    };
    check_expectation(target, &change.path, &change.expect)?;
    let directory = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (mut file, temporary) = create_exclusive(directory, &name)
        .map_err(|error| input_error!("cannot write {shown}: {error}"))?;
    let staged = Staged {
        temporary,
        target: target.to_path_buf(),
        renamed: std::cell::Cell::new(false),
    };
    let written = (|| -> io::Result<()> {
        if let Some(mode) = mode {
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        file.write_all(&change.contents)?;
        file.sync_all()
    })();
    written.map_err(|error| input_error!("cannot write {shown}: {error}"))?;
    Ok(staged)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other run uses: `.NAME.do-wizard-PID-N-NANOS.tmp`.
fn unique_name(name: &str, kind: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        ".{name}.do-wizard-{kind}-{}-{count}-{nanos}",
        std::process::id()
    )
}

/// Create a new file exclusively (never following or reusing a name).
fn create_exclusive(directory: &Path, name: &str) -> io::Result<(File, PathBuf)> {
    loop {
        let path = directory.join(unique_name(name, "tmp"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
        {
            Ok(file) => return Ok((file, path)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
}

/// The target still holds what the caller read.
fn check_expectation(target: &Path, relative: &Path, expect: &Expect) -> anyhow::Result<()> {
    let shown = display(relative);
    match expect {
        Expect::Anything => Ok(()),
        Expect::Absent => match fs::symlink_metadata(target) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            _ => Err(input_error!(
                "refusing to write {shown}: it appeared while do-wizard was running"
            )),
        },
        Expect::Content(expected) => {
            let current = read_no_follow(target, expected.len())
                .map_err(|error| input_error!("cannot read {shown}: {error}"))?;
            if current.as_deref() == Some(expected.as_slice()) {
                Ok(())
            } else {
                Err(input_error!(
                    "refusing to write {shown}: it changed since it was read; run again"
                ))
            }
        }
    }
}

/// Read a regular file without following a symlink; `None` when the file is
/// longer than `limit` bytes (then it cannot equal what we expect).
fn read_no_follow(path: &Path, limit: usize) -> io::Result<Option<Vec<u8>>> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    let mut bytes = Vec::with_capacity(limit);
    file.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// `root/relative`, after checking that `relative` stays inside `root` and
/// that no existing directory on the way is a symbolic link; the missing
/// directories are created (each one exclusively).
pub fn confined(root: &Path, relative: &Path) -> anyhow::Result<PathBuf> {
    let shown = display(relative);
    let mut names: Vec<&std::ffi::OsStr> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => names.push(name),
            Component::CurDir => {}
            _ => {
                return Err(input_error!(
                    "refusing to write {shown}: the path leaves the project"
                ));
            }
        }
    }
    let Some((_, directories)) = names.split_last() else {
        return Err(input_error!("refusing to write {shown}: no file name"));
    };
    let mut path = root.to_path_buf();
    for name in directories {
        path.push(name);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(input_error!(
                    "refusing to write {shown}: {} is a symbolic link",
                    display(path.strip_prefix(root).unwrap_or(&path))
                ));
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(input_error!(
                    "refusing to write {shown}: {} is not a directory",
                    display(path.strip_prefix(root).unwrap_or(&path))
                ));
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&path).map_err(|error| {
                    input_error!(
                        "cannot create {}: {error}",
                        display(path.strip_prefix(root).unwrap_or(&path))
                    )
                })?;
            }
            Err(error) => return Err(input_error!("cannot write {shown}: {error}")),
        }
    }
    Ok(root.join(relative))
}

fn display(path: &Path) -> String {
    crate::error::quote(&path.to_string_lossy().replace('\\', "/"))
}

// ---------------------------------------------------------------------------
// Whole projects: a staged tree, a journal, and recovery by the next run.

const COMMIT_MARKER: &str = "COMMITTED";
const FILES: &str = "files";
const STAGE_KIND: &str = "stage";

/// A project staged beside its target and moved in as one unit.
///
/// - An absent target (or an empty directory that is not the current one)
///   receives the staged tree with one `rename`: atomic.
/// - Otherwise (`--force` into a non-empty directory, or the current
///   directory) the files are moved one by one after a journal marks the
///   commit point: a run killed before the marker leaves the target as it
///   was, and the next run removes the staging directory; a run killed after
///   it is finished by the next run ([`recover_stale`]). SIGINT and SIGTERM
///   wait for the moves ([`critical_section`]), so only SIGKILL or a crash
///   can leave that window open.
pub struct Transaction {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl Transaction {
    /// Stage `files` (relative paths, new contents) for `target`.
    pub fn stage(target: &Path, files: &[(PathBuf, Vec<u8>)]) -> anyhow::Result<Self> {
        let target = absolute(target)?;
        let parent = target
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| input_error!("cannot write a project at {}", display(&target)))?;
        let name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        fs::create_dir_all(&parent)
            .map_err(|error| input_error!("cannot create {}: {error}", display(&parent)))?;
        recover_stale(&parent);
        // A signal waits until the staging directory is whole and registered,
        // then removes it: never a half-removed tree still being written.
        let _staging = critical_section();
        let staging = loop {
            let candidate = parent.join(unique_name(&name, STAGE_KIND));
            match fs::create_dir(&candidate) {
                Ok(()) => break candidate,
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) => {
                    return Err(input_error!(
                        "cannot write beside {}: {error}",
                        display(&target)
                    ));
                }
            }
        };
        STAGING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(staging.clone());
        let transaction = Self {
            target,
            staging,
            committed: false,
        };
        let tree = transaction.staging.join(FILES);
        fs::create_dir(&tree).with_context(|| format!("creating {}", tree.display()))?;
        for (path, contents) in files {
            let full = confined(&tree, path)?;
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o666)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&full)
                .with_context(|| format!("writing {}", full.display()))?;
            file.write_all(contents)?;
            file.sync_all()?;
        }
        Ok(transaction)
    }

    /// Move the staged project into the target (see the type's docs).
    pub fn commit(mut self) -> anyhow::Result<()> {
        let _committing = critical_section();
        let tree = self.staging.join(FILES);
        let current = std::env::current_dir()
            .ok()
            .and_then(|dir| dir.canonicalize().ok());
        let is_current = |path: &Path| current.is_some() && path.canonicalize().ok() == current;
        let whole = match fs::symlink_metadata(&self.target) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => true,
            Ok(meta) if meta.is_dir() && !meta.file_type().is_symlink() => {
                is_empty_dir(&self.target) && !is_current(&self.target)
            }
            Ok(_) => {
                return Err(input_error!(
                    "{} exists and is not a directory",
                    display(&self.target)
                ));
            }
            Err(error) => {
                return Err(input_error!(
                    "cannot use {}: {error}",
                    display(&self.target)
                ));
            }
        };
        if whole {
            // rename(2) replaces an empty directory, or fails if one appeared
            // with files meanwhile: then nothing moved.
            fs::rename(&tree, &self.target).map_err(|error| {
                input_error!(
                    "cannot move the project into {}: {error}",
                    display(&self.target)
                )
            })?;
            self.committed = true;
            let _ = fs::remove_dir_all(&self.staging);
            return Ok(());
        }
        // Check every destination before the commit point.
        let files = staged_files(&tree)?;
        for relative in &files {
            refuse_links(&self.target, relative)?;
        }
        write_marker(&self.staging, &self.target)?;
        self.committed = true;
        finish(&self.staging, &self.target)
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
        STAGING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|path| path != &self.staging);
    }
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .context("reading the current directory")?
            .join(path)
    };
    // Lexically: `.` and `a/..` must not put the staging directory inside
    // the target.
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    // The parent's real path, so that a target reached through a symlinked
    // parent still gets its staging directory beside it.
    if let (Some(parent), Some(name)) = (out.parent(), out.file_name())
        && let Ok(real) = parent.canonicalize()
    {
        return Ok(real.join(name));
    }
    Ok(out)
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Every file under the staged tree, relative to it, sorted.
fn staged_files(tree: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in fs::read_dir(tree.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// No existing component of `target/relative` is a symbolic link, and the
/// destination itself is a regular file or absent.
fn refuse_links(target: &Path, relative: &Path) -> anyhow::Result<()> {
    let mut path = target.to_path_buf();
    let count = relative.components().count();
    for (index, component) in relative.components().enumerate() {
        path.push(component);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(input_error!(
                    "refusing to write {}: {} is a symbolic link",
                    display(&target.join(relative)),
                    display(&path)
                ));
            }
            Ok(meta) if index + 1 < count && !meta.is_dir() => {
                return Err(input_error!(
                    "refusing to write {}: {} is not a directory",
                    display(&target.join(relative)),
                    display(&path)
                ));
            }
            Ok(meta) if index + 1 == count && meta.is_dir() => {
                return Err(input_error!(
                    "refusing to write {}: it is a directory",
                    display(&target.join(relative))
                ));
            }
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(input_error!("cannot use {}: {error}", display(&path))),
        }
    }
    Ok(())
}

/// The commit point: the marker names the target (by its file name only: a
/// staging directory always sits beside its target).
fn write_marker(staging: &Path, target: &Path) -> anyhow::Result<()> {
    let name = target.file_name().unwrap_or_default();
    let temporary = staging.join("marker.tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(name.as_encoded_bytes())?;
    file.sync_all()?;
    fs::rename(&temporary, staging.join(COMMIT_MARKER))?;
    if let Ok(directory) = File::open(staging) {
        let _ = directory.sync_all();
    }
    Ok(())
}

/// Move every staged file into the target (idempotent: a file already
/// moved is no longer in the staged tree), then remove the staging directory.
fn finish(staging: &Path, target: &Path) -> anyhow::Result<()> {
    let tree = staging.join(FILES);
    if tree.exists() {
        for relative in staged_files(&tree)? {
            let destination = target.join(&relative);
            let mut directory = target.to_path_buf();
            let parents: Vec<_> = relative
                .parent()
                .map(|parent| parent.components().collect())
                .unwrap_or_default();
            for component in parents {
                directory.push(component);
                match fs::symlink_metadata(&directory) {
                    Ok(meta) if meta.is_dir() && !meta.file_type().is_symlink() => {}
                    Ok(_) => {
                        return Err(input_error!(
                            "refusing to write {}: {} is not a plain directory",
                            display(&destination),
                            display(&directory)
                        ));
                    }
                    Err(_) => fs::create_dir(&directory).map_err(|error| {
                        input_error!("cannot create {}: {error}", display(&directory))
                    })?,
                }
            }
            fs::rename(tree.join(&relative), &destination)
                .map_err(|error| input_error!("cannot write {}: {error}", display(&destination)))?;
        }
    }
    fs::remove_dir_all(staging).with_context(|| format!("removing {}", staging.display()))?;
    Ok(())
}

/// Clean up after runs that were killed: in `parent`, every staging
/// directory of this tool whose process is gone is either finished (its
/// journal reached the commit point) or removed.
pub fn recover_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = stage_owner(&name) else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let staging = entry.path();
        if !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        match fs::read(staging.join(COMMIT_MARKER)) {
            Ok(target_name) => {
                let target_name = OsString::from(String::from_utf8_lossy(&target_name).as_ref());
                let target = parent.join(&target_name);
                let plain = Path::new(&target_name).components().count() == 1
                    && matches!(
                        Path::new(&target_name).components().next(),
                        Some(Component::Normal(_))
                    );
                if plain && finish(&staging, &target).is_ok() {
                    continue;
                }
                let _ = fs::remove_dir_all(&staging);
            }
            Err(_) => {
                let _ = fs::remove_dir_all(&staging);
            }
        }
    }
}

/// The pid in `.NAME.do-wizard-stage-PID-N-NANOS`.
fn stage_owner(name: &std::ffi::OsStr) -> Option<u32> {
    let name = name.to_str()?;
    if !name.starts_with('.') {
        return None;
    }
    let (_, rest) = name.rsplit_once(&format!(".do-wizard-{STAGE_KIND}-"))?;
    rest.split('-').next()?.parse().ok()
}

fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 checks for existence; EPERM means it exists as another user.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests;
