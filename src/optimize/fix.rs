//! Applying fixes: only [`Applicability::Safe`] edits, never to a file the
//! fix does not concern, shown as a unified diff first.
//!
//! Edits are byte ranges into the text the analysis read. Per file they are
//! applied back to front; an edit that overlaps one already taken is left for
//! the next round. After writing, the project is analyzed again and the
//! rounds repeat until no safe fix remains (at most [`MAX_ROUNDS`]), so fixes
//! converge.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::Analysis;
use super::finding::Applicability;
use crate::text::{Edit, slash_path};
use crate::write::{Change, Expect};

pub const MAX_ROUNDS: usize = 4;

/// A fixed file: its old and new text.
#[derive(Debug, Clone)]
pub struct FixedFile {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
    /// How many findings' fixes went in.
    pub fixes: usize,
}

/// The new text of every file that has safe fixes in this analysis.
pub fn plan(analysis: &Analysis) -> Vec<FixedFile> {
    let mut per_file: BTreeMap<PathBuf, Vec<Vec<Edit>>> = BTreeMap::new();
    for finding in &analysis.findings {
        if let Some(fix) = &finding.autofix
            && fix.applicability == Applicability::Safe
        {
            per_file
                .entry(fix.file.clone())
                .or_default()
                .push(fix.edits.clone());
        }
    }
    let mut fixed = Vec::new();
    for (path, groups) in per_file {
        let Some(text) = analysis.sources.get(&path) else {
            continue;
        };
        let (after, count) = verified(&path, text, groups);
        if count > 0 && after != **text {
            fixed.push(FixedFile {
                path,
                before: text.to_string(),
                after,
                fixes: count,
            });
        }
    }
    fixed
}

/// Apply the groups whose result still parses: all of them when the whole
/// set parses (the common case, one parse), else each group tried on its own
/// on top of the ones kept. A group that would break the file is left out,
/// and its finding stays a suggestion.
pub fn verified(path: &Path, text: &str, groups: Vec<Vec<Edit>>) -> (String, usize) {
    let (after, count) = apply(text, groups.clone());
    if count == 0 || still_parses(path, &after) {
        return (after, count);
    }
    let mut kept: Vec<Vec<Edit>> = Vec::new();
    let mut current = (text.to_string(), 0);
    for group in groups {
        let mut trial = kept.clone();
        trial.push(group.clone());
        let (after, count) = apply(text, trial.clone());
        if count > current.1 && still_parses(path, &after) {
            kept = trial;
            current = (after, count);
        }
    }
    current
}

/// Whether a fixed text still parses: oxc for sources, the config reader
/// for wrangler files.
pub fn still_parses(path: &Path, text: &str) -> bool {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    if name.starts_with("wrangler.") {
        return crate::config::WranglerConfig::parse(path, text.to_string()).is_ok();
    }
    let source_type = oxc_span::SourceType::from_path(path).unwrap_or_default();
    let allocator = oxc_allocator::Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, text, source_type).parse();
    !parsed.panicked && parsed.diagnostics.is_empty()
}

/// Apply groups of edits (one group per finding, all or nothing) that do
/// not overlap; returns the new text and how many groups went in.
pub fn apply(text: &str, mut groups: Vec<Vec<Edit>>) -> (String, usize) {
    groups.sort_by_key(|group| group.iter().map(|edit| edit.range.start).min().unwrap_or(0));
    let mut taken: Vec<Edit> = Vec::new();
    let mut count = 0;
    for group in groups {
        let overlaps = group.iter().any(|edit| {
            taken.iter().any(|other| {
                edit.range.start < other.range.end.max(other.range.start + 1)
                    && other.range.start < edit.range.end.max(edit.range.start + 1)
            }) || edit.range.end > text.len()
                || !text.is_char_boundary(edit.range.start)
                || !text.is_char_boundary(edit.range.end)
        });
        if overlaps {
            continue;
        }
        taken.extend(group);
        count += 1;
    }
    (crate::text::apply(text, &taken), count)
}

/// A unified diff of one fixed file, with `a/` and `b/` paths.
pub fn diff(file: &FixedFile) -> String {
    let path = slash_path(&file.path);
    TextDiff::from_lines(&file.before, &file.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Write fixed files through [`crate::write`]: all or nothing, each file
/// only if it still holds the text that was analyzed, never through a
/// symbolic link, modes kept.
pub fn write(root: &Path, files: &[FixedFile]) -> anyhow::Result<()> {
    let changes: Vec<Change> = files
        .iter()
        .map(|file| {
            Change::new(
                &file.path,
                file.after.clone().into_bytes(),
                Expect::Content(file.before.clone().into_bytes()),
            )
        })
        .collect();
    // A single scanned file: its directory is the root of the write.
    if root.is_file() {
        let directory = match root.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let changes = changes
            .into_iter()
            .map(|change| Change {
                path: root.file_name().map(PathBuf::from).unwrap_or(change.path),
                ..change
            })
            .collect::<Vec<_>>();
        return crate::write::write_all(directory, &changes);
    }
    crate::write::write_all(root, &changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::TextRange;

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit {
            range: TextRange::new(start, end),
            replacement: replacement.into(),
        }
    }

    #[test]
    fn applies_back_to_front_and_skips_overlaps() {
        let text = "await a; await b;";
        let (out, count) = apply(
            text,
            vec![
                vec![edit(0, 6, "")],
                vec![edit(9, 15, "")],
                vec![edit(2, 4, "x")],
            ],
        );
        assert_eq!(out, "a; b;");
        assert_eq!(count, 2);
    }
}
