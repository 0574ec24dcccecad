//! The crate's layers, checked on its source: dependencies point one way
//! (text ← config ← optimize ← report ← tui ← commands), the analyzer is a
//! library (no clap, no terminal, no printing), and no rule imports
//! another. A `use` that breaks a layer fails here with the file and line.

use std::path::{Path, PathBuf};

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `directory` (a file counts as itself).
fn rust_files(directory: &Path) -> Vec<PathBuf> {
    if directory.is_file() {
        return vec![directory.to_path_buf()];
    }
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files
}

/// The code lines of a file (comments dropped), with their numbers.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim().to_string()))
        .filter(|(_, line)| !line.starts_with("//"))
        .collect()
}

/// Lines under `module` (a directory or file below src/) that contain any
/// of `forbidden`, as `file:line: text`.
fn offending(module: &str, forbidden: &[&str]) -> Vec<String> {
    let root = source_root();
    let mut found = Vec::new();
    let path = root.join(module);
    let path = if path.exists() {
        path
    } else {
        root.join(format!("{module}.rs"))
    };
    for file in rust_files(&path) {
        for (number, line) in code_lines(&file) {
            if forbidden.iter().any(|needle| line.contains(needle)) {
                let shown = file.strip_prefix(&root).unwrap().display();
                found.push(format!("src/{shown}:{number}: {line}"));
            }
        }
    }
    found
}

#[test]
fn dependencies_point_down_the_layers() {
    // Each module, and the modules above it that it must not use.
    let layers: &[(&str, &[&str])] = &[
        (
            "text",
            &[
                "crate::config",
                "crate::optimize",
                "crate::report",
                "crate::tui",
                "crate::flow",
                "crate::commands",
                "crate::terminal",
            ],
        ),
        (
            "config",
            &[
                "crate::optimize",
                "crate::report",
                "crate::tui",
                "crate::flow",
                "crate::commands",
            ],
        ),
        (
            "optimize",
            &[
                "crate::report",
                "crate::tui",
                "crate::flow",
                "crate::commands",
                "crate::cli",
                "crate::terminal",
            ],
        ),
        ("report", &["crate::tui", "crate::flow", "crate::commands"]),
        (
            "recommend",
            &["crate::flow", "crate::tui", "crate::commands"],
        ),
        ("flow", &["crate::tui", "crate::commands"]),
        (
            "terminal",
            &["crate::tui", "crate::commands", "crate::flow"],
        ),
        ("tui", &["crate::commands"]),
    ];
    let mut found = Vec::new();
    for (module, above) in layers {
        found.extend(offending(module, above));
    }
    assert!(
        found.is_empty(),
        "imports against the layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_analyzer_is_a_library_without_clap_terminal_or_printing() {
    let found = offending(
        "optimize",
        &[
            "clap",
            "ratatui",
            "crossterm",
            "inquire",
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "std::io::stdout",
            "std::io::stderr",
        ],
    );
    assert!(
        found.is_empty(),
        "the analyzer must not do this:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_cli_knows_clap() {
    let root = source_root();
    let mut found = Vec::new();
    for file in rust_files(&root) {
        let name = file.strip_prefix(&root).unwrap().to_path_buf();
        if name == Path::new("cli.rs") || name == Path::new("main.rs") {
            continue;
        }
        for (number, line) in code_lines(&file) {
            if line.contains("clap::") || line.starts_with("use clap") {
                found.push(format!("src/{}:{number}: {line}", name.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "clap outside cli.rs:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_rule_imports_another_rule() {
    let rules = source_root().join("optimize/rules");
    let names: Vec<String> = rust_files(&rules)
        .iter()
        .map(|path| path.file_stem().unwrap().to_string_lossy().to_string())
        .filter(|name| name != "mod")
        .collect();
    let mut found = Vec::new();
    for file in rust_files(&rules) {
        let own = file.file_stem().unwrap().to_string_lossy().to_string();
        for (number, line) in code_lines(&file) {
            for other in names.iter().filter(|other| **other != own) {
                if line.contains(&format!("rules::{other}::"))
                    || line.contains(&format!("super::{other}::"))
                    || line.contains(&format!("super::{other};"))
                {
                    found.push(format!("{own}.rs:{number}: {line}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "rules importing rules:\n{}",
        found.join("\n")
    );
}
