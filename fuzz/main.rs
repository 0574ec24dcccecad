//! Fuzz targets (see fuzz/README.md): proptest properties over mutated seed
//! inputs. `FUZZ_CASES` sets the cases per target (default 48).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

use do_wizard::config::WranglerConfig;
use do_wizard::flow::answers_file;
use do_wizard::flow::new_questions::NEW_QUESTIONS;
use do_wizard::optimize::answers::OptimizeAnswers;
use do_wizard::optimize::fix;
use do_wizard::optimize::registry::Selection;

fn config() -> Config {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(48);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "fuzz/regressions/cases.txt",
        ))),
        ..Config::default()
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` whose name ends with one of `extensions`.
fn seeds(dir: &Path, extensions: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if extensions
                .iter()
                .any(|extension| path.to_string_lossy().ends_with(extension))
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, text));
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no seeds under {}", dir.display());
    out
}

/// Tokens that matter to the readers and the analyzer.
const TOKENS: &[&str] = &[
    "${",
    "}",
    "`",
    "'",
    "\"",
    "(",
    ")",
    "[",
    "]",
    "{",
    ",",
    ";",
    ":",
    ".rows",
    "sql.exec(",
    "this.ctx.storage.",
    "await ",
    "new ",
    "=>",
    "/*",
    "*/",
    "//",
    "\n",
    "\r",
    "\r\n",
    "\u{2028}",
    "\u{feff}",
    "\0",
    "\u{1b}[2J",
    "é",
    "𝄞",
    " SELECT * FROM t WHERE id = ",
    " JOIN ",
    " IN ",
    "?",
    "--",
    "#",
    "[[",
    "]]",
    "=",
    "\"\"\"",
    "1e999999",
    "-0",
    "null",
    "true",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert(at, token)),
        2 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete(at, len)),
        1 => (any::<usize>(), 1usize..80).prop_map(|(at, len)| Mutation::Duplicate(at, len)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut at = if text.is_empty() {
        0
    } else {
        at % (text.len() + 1)
    };
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(seed: &str, mutations: &[Mutation]) -> String {
    let mut text = seed.to_string();
    for mutation in mutations {
        match *mutation {
            Mutation::Insert(at, token) => {
                let at = boundary(&text, at);
                text.insert_str(at, TOKENS[token]);
            }
            Mutation::Delete(at, len) => {
                let start = boundary(&text, at);
                let end = boundary(&text, start + len.min(text.len() - start));
                text.replace_range(start..end.max(start), "");
            }
            Mutation::Duplicate(at, len) => {
                let start = boundary(&text, at);
                let end = boundary(&text, start + len.min(text.len() - start));
                let copy = text[start..end.max(start)].to_string();
                text.insert_str(end.max(start), &copy);
            }
            Mutation::Truncate(at) => {
                let at = boundary(&text, at);
                if at > 0 {
                    text.truncate(at);
                }
            }
        }
    }
    text
}

fn mutated(seeds: Vec<(String, String)>) -> impl Strategy<Value = (String, String)> {
    let count = seeds.len();
    (0..count, prop::collection::vec(mutation(), 0..8)).prop_map(move |(index, mutations)| {
        (seeds[index].0.clone(), mutate(&seeds[index].1, &mutations))
    })
}

#[test]
fn answers_file_reader() {
    let seeds = seeds(&root().join("examples"), &[".json"]);
    let strategy = prop_oneof![
        3 => mutated(seeds).prop_map(|(_, text)| text),
        1 => ".{0,400}",
    ];
    proptest!(config(), |(text in strategy)| {
        let path = Path::new("fuzz-answers.json");
        if let Err(error) = answers_file::parse(path, &text, &NEW_QUESTIONS) {
            let line = do_wizard::error::render(&error);
            prop_assert!(!line.contains('\n'), "more than one line: {line:?}");
            prop_assert!(
                !line.chars().any(char::is_control),
                "a raw control character: {line:?}"
            );
            prop_assert!(line.chars().count() <= 600, "{} characters", line.chars().count());
            prop_assert!(line.contains("fuzz-answers.json"), "no file named: {line}");
        }
    });
}

#[test]
fn wrangler_config_reader() {
    let seeds = seeds(
        &root().join("tests/fixtures"),
        &["wrangler.jsonc", "wrangler.json", "wrangler.toml"],
    );
    proptest!(config(), |((name, text) in mutated(seeds))| {
        // Never panics: Ok or a positioned error.
        let _ = WranglerConfig::parse(Path::new(&name), text);
    });
}

/// Write one source file (and nothing else) into a fresh directory.
fn one_file_project(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let name = if name.ends_with(".js") {
        "index.js"
    } else {
        "index.ts"
    };
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

fn source_seeds() -> Vec<(String, String)> {
    seeds(&root().join("tests/fixtures/optimize"), &[".ts", ".js"])
}

#[test]
fn analysis_of_one_file() {
    proptest!(config(), |((name, text) in mutated(source_seeds()))| {
        let dir = one_file_project(&name, &text);
        let analysis = do_wizard::optimize::analyze_with(
            dir.path(),
            &OptimizeAnswers::default(),
            &Selection::default(),
        );
        prop_assert!(analysis.is_ok(), "{:?}", analysis.err());
        let analysis = analysis.unwrap();
        let lines = text.lines().count().max(1) + text.matches('\u{2028}').count() + text.matches('\r').count();
        for finding in &analysis.findings {
            prop_assert!(finding.range.end <= text.len(), "{finding:?}");
            prop_assert!(finding.start.line >= 1 && finding.start.line <= lines, "{finding:?}");
        }
    });
}

#[test]
fn fix_application() {
    proptest!(config(), |((name, text) in mutated(source_seeds()))| {
        let dir = one_file_project(&name, &text);
        let answers = OptimizeAnswers::default();
        let selection = Selection::default();
        for _ in 0..fix::MAX_ROUNDS {
            let analysis = do_wizard::optimize::analyze_with(dir.path(), &answers, &selection).unwrap();
            let planned = fix::plan(&analysis);
            if planned.is_empty() {
                break;
            }
            for file in &planned {
                prop_assert!(
                    fix::still_parses(&file.path, &file.after),
                    "a fix breaks {}:\n{}",
                    file.path.display(),
                    fix::diff(file)
                );
            }
            fix::write(dir.path(), &planned).unwrap();
        }
        // A second `--fix` run changes nothing.
        let analysis = do_wizard::optimize::analyze_with(dir.path(), &answers, &selection).unwrap();
        let again = fix::plan(&analysis);
        prop_assert!(again.is_empty(), "a second run would fix more: {:?}", again.iter().map(fix::diff).collect::<Vec<_>>());
    });
}
