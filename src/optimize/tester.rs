//! The in-memory rule tester: sources in, findings out, nothing written to
//! disk (after oxc's `Tester`).
//!
//! A [`Tester`] holds one rule's code and a small project given as text:
//! any number of files by relative path, usually one `index.ts` and an
//! optional `wrangler.jsonc`. It runs the whole pipeline on them
//! ([`super::analyze_texts`]: parse, model, file and project rules,
//! suppressions) with only that rule selected, and keeps that rule's
//! findings. Assertions name what must fire and where (`file:line`), and a
//! fix is checked before → after: safe fixes are applied round after round
//! until none is left (at most [`fix::MAX_ROUNDS`]), and the fixed project
//! must still parse.
//!
//! Invariant: a test states its expectation; `assert_fires_at(&[])` is
//! refused, a quiet source is asserted with [`Tester::assert_quiet`].

use std::path::PathBuf;

use super::answers::{OptimizeAnswers, Scale};
use super::fix;
use super::registry::{self, Selection};
use super::{Analysis, analyze_texts};
use crate::text::slash_path;

/// One rule and the project it runs on.
#[derive(Debug, Clone)]
pub struct Tester {
    code: &'static str,
    files: Vec<(PathBuf, String)>,
    answers: OptimizeAnswers,
}

/// The file a bare source is analyzed as.
pub const SOURCE_FILE: &str = "index.ts";
/// The file a bare config is analyzed as.
pub const CONFIG_FILE: &str = "wrangler.jsonc";

impl Tester {
    /// A tester for the rule registered as `code` (exactly; not a prefix).
    pub fn new(code: &str) -> Self {
        let registered = registry::lookup(code)
            .unwrap_or_else(|| panic!("`{code}` is not a registered rule code"));
        Tester {
            code: registered.code,
            files: Vec::new(),
            answers: OptimizeAnswers::default(),
        }
    }

    /// Add (or replace) a file of the project.
    pub fn file(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let path = path.into();
        self.files.retain(|(existing, _)| *existing != path);
        self.files.push((path, text.into()));
        self
    }

    /// The project's only source, as `index.ts`.
    pub fn source(self, text: impl Into<String>) -> Self {
        self.file(SOURCE_FILE, text)
    }

    /// A `wrangler.jsonc` at the root.
    pub fn config(self, text: impl Into<String>) -> Self {
        self.file(CONFIG_FILE, text)
    }

    pub fn answers(mut self, answers: OptimizeAnswers) -> Self {
        self.answers = answers;
        self
    }

    pub fn scale(mut self, scale: Scale) -> Self {
        self.answers.scale = scale;
        self
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The project's files as they stand.
    pub fn files(&self) -> &[(PathBuf, String)] {
        &self.files
    }

    /// Analyze; the result holds this rule's findings only.
    pub fn run(&self) -> Analysis {
        let selection = Selection::parse(Some(self.code), None).expect("a registered code");
        let mut analysis = analyze_texts(&self.files, &self.answers, &selection).expect("analysis");
        analysis
            .findings
            .retain(|finding| finding.code == self.code);
        analysis
    }

    /// Where the rule fired, as sorted `file:line` strings.
    pub fn fired(&self) -> Vec<String> {
        let mut places: Vec<String> = self
            .run()
            .findings
            .iter()
            .map(|finding| format!("{}:{}", slash_path(&finding.file), finding.start.line))
            .collect();
        places.sort();
        places
    }

    /// The rule fires exactly at `expected` (`file:line`, any order, one
    /// entry per finding).
    #[track_caller]
    pub fn assert_fires_at(&self, expected: &[&str]) {
        assert!(
            !expected.is_empty(),
            "say where {} fires, or use assert_quiet",
            self.code
        );
        let mut expected: Vec<String> = expected.iter().map(|place| place.to_string()).collect();
        expected.sort();
        let fired = self.fired();
        assert_eq!(
            fired,
            expected,
            "{} fired at {fired:?}, expected {expected:?}, on:\n{}",
            self.code,
            self.describe()
        );
    }

    /// The rule fires at least once.
    #[track_caller]
    pub fn assert_fires(&self) {
        assert!(
            !self.fired().is_empty(),
            "{} should fire on:\n{}",
            self.code,
            self.describe()
        );
    }

    /// The rule does not fire.
    #[track_caller]
    pub fn assert_quiet(&self) {
        let fired = self.fired();
        assert!(
            fired.is_empty(),
            "{} should stay quiet, fired at {fired:?} on:\n{}",
            self.code,
            self.describe()
        );
    }

    /// Apply the rule's safe fixes in memory until none is left; panics
    /// when they do not converge within [`fix::MAX_ROUNDS`] rounds or the
    /// fixed project no longer parses.
    #[track_caller]
    pub fn fixed(&self) -> Fixed {
        let mut current = self.clone();
        let mut diffs = String::new();
        let mut rounds = 0;
        loop {
            let planned = fix::plan(&current.run());
            if planned.is_empty() {
                break;
            }
            rounds += 1;
            assert!(
                rounds <= fix::MAX_ROUNDS,
                "{}: fixes do not converge in {} rounds",
                self.code,
                fix::MAX_ROUNDS
            );
            for file in planned {
                if rounds == 1 {
                    diffs.push_str(&fix::diff(&file));
                }
                current = current.file(file.path, file.after);
            }
            let reparsed = analyze_texts(&current.files, &self.answers, &Selection::default())
                .expect("analysis");
            let errors: Vec<_> = reparsed
                .diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.level == "error")
                .collect();
            assert!(
                errors.is_empty(),
                "{}: the fixed code no longer parses: {errors:?}\n{}",
                self.code,
                current.describe()
            );
        }
        Fixed {
            files: current.files,
            rounds,
            first_diff: diffs,
        }
    }

    /// The safe fixes turn `path` into exactly `after`.
    #[track_caller]
    pub fn assert_fix(&self, path: &str, after: &str) {
        let fixed = self.fixed();
        assert!(fixed.rounds > 0, "{}: no safe fix was offered", self.code);
        assert_eq!(fixed.text(path), Some(after), "{}: fixed {path}", self.code);
    }

    fn describe(&self) -> String {
        self.files
            .iter()
            .map(|(path, text)| format!("--- {}\n{text}\n", slash_path(path)))
            .collect()
    }
}

/// Analyze a small project given as (path, text) pairs with rule `code`
/// and return `CODE:file:line` for each of its findings, in report order.
pub fn project_findings(code: &str, files: &[(&str, &str)]) -> Vec<String> {
    let tester = files
        .iter()
        .fold(Tester::new(code), |tester, (path, text)| {
            tester.file(*path, *text)
        });
    tester
        .run()
        .findings
        .iter()
        .map(|finding| {
            format!(
                "{}:{}:{}",
                finding.code,
                slash_path(&finding.file),
                finding.start.line
            )
        })
        .collect()
}

/// The project after its safe fixes.
#[derive(Debug, Clone)]
pub struct Fixed {
    pub files: Vec<(PathBuf, String)>,
    /// How many rounds of fixes it took (0: none was offered).
    pub rounds: usize,
    /// The unified diff of the first round, as `--fix` shows it.
    pub first_diff: String,
}

impl Fixed {
    /// The text of `path` after the fixes.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(candidate, _)| slash_path(candidate) == path)
            .map(|(_, text)| text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASS: &str = "import { DurableObject } from \"cloudflare:workers\";\n\
        export class Room extends DurableObject {\n\
        \x20 async list() {\n\
        \x20   return (await this.ctx.storage.sql.exec(\"SELECT * FROM items\")).toArray();\n\
        \x20 }\n\
        }\n";

    #[test]
    fn reports_the_lines_that_fire_and_checks_the_fix() {
        let tester = Tester::new("DO205").source(CLASS);
        tester.assert_fires_at(&["index.ts:4"]);
        tester.assert_fix(
            "index.ts",
            &CLASS.replace(
                "(await this.ctx.storage.sql.exec(",
                "(this.ctx.storage.sql.exec(",
            ),
        );
        Tester::new("DO205")
            .source(CLASS.replace("await ", ""))
            .assert_quiet();
    }

    /// Regression: CR-only line endings put every finding on line 1.
    #[test]
    fn cr_only_line_endings_report_the_right_line() {
        Tester::new("DO205")
            .source(CLASS.replace('\n', "\r"))
            .assert_fires_at(&["index.ts:4"]);
    }

    /// Regression: U+2028 (a JavaScript line terminator) was not counted,
    /// so findings after it were reported lines too early.
    #[test]
    fn u2028_line_endings_report_the_right_line() {
        Tester::new("DO205")
            .source(CLASS.replace('\n', "\u{2028}"))
            .assert_fires_at(&["index.ts:4"]);
    }

    #[test]
    fn a_project_of_several_files_is_analyzed_together() {
        let tester = Tester::new("DO703")
            .config(
                r#"{ "main": "src/index.ts", "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] }, "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }] }"#,
            )
            .file("src/index.ts", "export default { fetch() { return new Response(); } };\n")
            .file("src/room.ts", CLASS);
        assert!(!tester.fired().is_empty());
        tester
            .clone()
            .file(
                "src/index.ts",
                "export { Room } from \"./room\";\nexport default { fetch() { return new Response(); } };\n",
            )
            .assert_quiet();
    }

    #[test]
    #[should_panic(expected = "not a registered rule code")]
    fn an_unknown_code_is_refused() {
        Tester::new("DO999");
    }
}
