//! The file tree of a plan, as rows to draw: directories first, then files,
//! each sorted by name, with `├─` / `└─` guides.

use std::collections::BTreeMap;
use std::path::Path;

/// One row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// The guides before the name, e.g. `│  ├─ `.
    pub guide: String,
    /// The file or directory name (directories end with `/`).
    pub name: String,
    /// The index of the file in the plan; `None` for a directory.
    pub file: Option<usize>,
}

#[derive(Default)]
struct Node {
    directories: BTreeMap<String, Node>,
    files: BTreeMap<String, usize>,
}

/// Rows for `paths` (the plan's files in order; indices refer to it), under
/// a first row naming the project directory.
pub fn rows<'a>(root: &str, paths: impl IntoIterator<Item = &'a Path>) -> Vec<TreeRow> {
    let mut top = Node::default();
    for (index, path) in paths.into_iter().enumerate() {
        let parts: Vec<String> = path
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        let Some((file, directories)) = parts.split_last() else {
            continue;
        };
        let mut node = &mut top;
        for directory in directories {
            node = node.directories.entry(directory.clone()).or_default();
        }
        node.files.insert(file.clone(), index);
    }
    let mut out = vec![TreeRow {
        guide: String::new(),
        name: format!("{}/", root.trim_end_matches('/')),
        file: None,
    }];
    walk(&top, "", &mut out);
    out
}

fn walk(node: &Node, prefix: &str, out: &mut Vec<TreeRow>) {
    let total = node.directories.len() + node.files.len();
    let mut position = 0;
    for (name, child) in &node.directories {
        position += 1;
        let last = position == total;
        out.push(TreeRow {
            guide: format!("{prefix}{}", if last { "└─ " } else { "├─ " }),
            name: format!("{name}/"),
            file: None,
        });
        walk(
            child,
            &format!("{prefix}{}", if last { "   " } else { "│  " }),
            out,
        );
    }
    for (name, index) in &node.files {
        position += 1;
        let last = position == total;
        out.push(TreeRow {
            guide: format!("{prefix}{}", if last { "└─ " } else { "├─ " }),
            name: name.clone(),
            file: Some(*index),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_first_with_guides() {
        let paths = [
            "README.md",
            "src/chat.ts",
            "src/index.ts",
            "test/chat.test.ts",
            "wrangler.jsonc",
        ];
        let rows = rows("my-chat", paths.iter().map(Path::new));
        let text: Vec<String> = rows
            .iter()
            .map(|row| {
                format!(
                    "{}{}{}",
                    row.guide,
                    row.name,
                    row.file.map(|i| format!(" #{i}")).unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            text,
            [
                "my-chat/",
                "├─ src/",
                "│  ├─ chat.ts #1",
                "│  └─ index.ts #2",
                "├─ test/",
                "│  └─ chat.test.ts #3",
                "├─ README.md #0",
                "└─ wrangler.jsonc #4",
            ]
        );
    }
}
