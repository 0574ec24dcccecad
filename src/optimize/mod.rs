//! `do-wizard optimize`: a static analyzer for Durable Objects code and
//! wrangler config.
//!
//! The pipeline: [`discover`] (walk, honouring `.gitignore`) → parse (configs
//! first, then every source file in parallel with oxc) → [`model`] (per-file
//! semantic facts; file rules run here while the AST is alive) →
//! [`model::project`] (facts of all files merged with the configs; project
//! rules) → findings, sorted by severity, then the answers' priority. Reporting lives in
//! `report`, above this module.
//!
//! [`analyze`] is the entry point the CLI and the interactive front end
//! share; [`analyze_texts`] runs the same pipeline on files given as text
//! (the in-memory rule [`tester`]).

pub mod answers;
pub mod discover;
pub mod finding;
pub mod fix;
pub mod model;
pub mod nesting;
pub mod placeholders;
pub mod registry;
pub mod rules;
pub mod semantic;
pub mod sql;
pub mod suppress;
pub mod tester;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;
use rayon::prelude::*;

use self::answers::OptimizeAnswers;
use self::finding::{Diagnostic, Finding};
use self::model::project::{LoadedConfig, ProjectModel};
use self::model::{FileFacts, FileModel, ProjectHints};
use self::registry::{RULES, Registered, Selection};
use self::rules::{Check, FileContext, ProjectContext, Report, Violation, fix_for};
use crate::config::WranglerConfig;
use crate::input_error;
use crate::text::{LineEndings, LineIndex, Position};

/// The result of one analysis.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The scanned root, as given.
    pub root: PathBuf,
    pub answers: OptimizeAnswers,
    /// Sorted by severity, then priority group, file, position.
    pub findings: Vec<Finding>,
    /// Files that could not be read or parsed, and skipped files.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file a finding points at (for code frames and
    /// fixes), by relative path.
    pub sources: HashMap<PathBuf, Arc<str>>,
    /// The Durable Object classes found (for the monitoring snippet).
    pub do_classes: Vec<String>,
    pub files_scanned: usize,
    /// Test files left out (`--include-tests` analyzes them).
    pub tests_skipped: usize,
}

/// Analyze a project with every rule of the chosen area.
pub fn analyze(root: &Path, answers: &OptimizeAnswers) -> anyhow::Result<Analysis> {
    analyze_with(root, answers, &Selection::default())
}

/// Analyze with an explicit `--select` / `--ignore` selection.
pub fn analyze_with(
    root: &Path,
    answers: &OptimizeAnswers,
    selection: &Selection,
) -> anyhow::Result<Analysis> {
    analyze_observed(root, answers, selection, &|_, _| {})
}

/// [`analyze_with`], calling `progress(parsed, total)` as source files are
/// parsed (from the parallel workers, so it must be cheap and thread-safe;
/// the interactive front end draws a progress line with it).
pub fn analyze_observed(
    root: &Path,
    answers: &OptimizeAnswers,
    selection: &Selection,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> anyhow::Result<Analysis> {
    analysis_pool()?.install(|| analyze_on_pool(root, answers, selection, progress))
}

/// Parsing, the model builder and oxc's visitors recurse once per level of
/// nesting: they run on threads with stacks sized for the deepest file
/// [`nesting`] lets through, with a wide margin.
fn analysis_pool() -> anyhow::Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .stack_size(ANALYSIS_STACK)
        .thread_name(|index| format!("optimize-{index}"))
        .build()?)
}

/// Analyze files given as text, without touching the disk: `(relative path,
/// text)` pairs, classified as [`discover::discover`] classifies files on
/// disk (wrangler configs by name, sources by extension; anything else is
/// ignored). The in-memory rule tester ([`tester`]) runs on this.
pub fn analyze_texts(
    files: &[(PathBuf, String)],
    answers: &OptimizeAnswers,
    selection: &Selection,
) -> anyhow::Result<Analysis> {
    let mut found = discover::Discovered::default();
    for (path, _) in files {
        if let Some(kind) = discover::classify(path) {
            if !selection.includes_tests() && discover::is_test_path(path) {
                found.tests_skipped += 1;
                continue;
            }
            found.push(kind, path.clone());
            found.candidates += 1;
        }
    }
    found.sort();
    let texts: HashMap<&Path, &str> = files
        .iter()
        .map(|(path, text)| (path.as_path(), text.as_str()))
        .collect();
    let read = |relative: &Path| {
        texts
            .get(relative)
            .map(|text| text.to_string())
            .ok_or_else(|| "cannot read: not given".to_string())
    };
    Ok(analysis_pool()?.install(|| {
        analyze_discovered(Path::new(""), found, &read, answers, selection, &|_, _| {})
    }))
}

/// Reads a discovered file's text by its relative path; an `Err` is the
/// diagnostic's message (`skipped: …` makes it a note).
pub type ReadText<'r> = dyn Fn(&Path) -> Result<String, String> + Sync + 'r;

/// The stack of every analysis thread: 64 MiB (reserved, not used: the
/// pages are touched only by deep files).
pub const ANALYSIS_STACK: usize = 64 << 20;

fn analyze_on_pool(
    root: &Path,
    answers: &OptimizeAnswers,
    selection: &Selection,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> anyhow::Result<Analysis> {
    if !root.exists() {
        return Err(input_error!(
            "{}: no such file or directory",
            root.display()
        ));
    }
    let metadata = std::fs::metadata(root)
        .map_err(|error| input_error!("{}: cannot read: {error}", root.display()))?;
    if !metadata.is_dir() && !metadata.is_file() {
        return Err(input_error!(
            "{}: not a directory or a regular file (a FIFO, socket or device cannot be analyzed)",
            root.display()
        ));
    }
    let found = discover::discover_in(
        root,
        discover::Scope {
            include_tests: selection.includes_tests(),
        },
    );
    if found.candidates == 0 {
        if let Some(unreadable) = found.notes.iter().find(|note| note.level == "error") {
            return Err(input_error!(
                "{}: {}",
                root.join(&unreadable.file).display(),
                unreadable.message
            ));
        }
        if found.tests_skipped > 0 {
            return Err(input_error!(
                "{}: only test code to analyze ({} test file{} skipped; --include-tests analyzes them)",
                root.display(),
                found.tests_skipped,
                if found.tests_skipped == 1 { "" } else { "s" }
            ));
        }
        return Err(input_error!(
            "{}: no JavaScript or TypeScript source and no wrangler config to analyze",
            root.display()
        ));
    }
    // Every candidate was skipped (too large): nothing was analyzed, and a
    // clean report would pass for a project that was never read.
    if found.sources.is_empty() && found.configs.is_empty() {
        let skipped = found.notes.len();
        let first = found
            .notes
            .first()
            .map(|note| format!(": {}: {}", note.file.display(), note.message))
            .unwrap_or_default();
        return Err(input_error!(
            "{}: nothing left to analyze ({skipped} file{} skipped{first})",
            root.display(),
            if skipped == 1 { "" } else { "s" }
        ));
    }
    let read = |relative: &Path| read_text(&discover::absolute(root, relative));
    Ok(analyze_discovered(
        root, found, &read, answers, selection, progress,
    ))
}

/// The analysis proper, once the files are known: parse, model, rules,
/// findings. `read` gives each file's text.
fn analyze_discovered(
    root: &Path,
    found: discover::Discovered,
    read: &ReadText<'_>,
    answers: &OptimizeAnswers,
    selection: &Selection,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Analysis {
    let rules: Vec<&Registered> = RULES
        .iter()
        .filter(|registered| selection.includes(registered.code))
        .filter(|registered| {
            answers.issue == finding::Area::General || registered.rule.area == answers.issue
        })
        .collect();
    let mut diagnostics = found.notes;
    if found.tests_skipped > 0 {
        diagnostics.push(Diagnostic {
            level: "note",
            file: PathBuf::from("."),
            line: None,
            column: None,
            message: format!(
                "skipped: {} test file{} (`*.test.*`, `*.spec.*`, `test/`, `tests/`, `__tests__/`, vitest configs); --include-tests analyzes them",
                found.tests_skipped,
                if found.tests_skipped == 1 { "" } else { "s" }
            ),
        });
    }

    let mut configs = Vec::new();
    let mut sources: HashMap<PathBuf, Arc<str>> = HashMap::new();
    // Configs parse in parallel; the results are taken in the walk's order.
    let parsed_configs: Vec<Result<(String, WranglerConfig), Diagnostic>> = found
        .configs
        .par_iter()
        .map(|relative| {
            let text =
                read(relative).map_err(|message| error_diagnostic(relative, None, message))?;
            match WranglerConfig::parse(relative, text.clone()) {
                Ok(config) => Ok((text, config)),
                Err(error) => {
                    let position = error
                        .offset
                        .map(|offset| Position::of(&text, offset, LineEndings::Config));
                    Err(error_diagnostic(
                        relative,
                        position,
                        format!("cannot parse wrangler config: {}", error.message),
                    ))
                }
            }
        })
        .collect();
    for (relative, parsed) in found.configs.iter().zip(parsed_configs) {
        match parsed {
            Ok((text, config)) => {
                sources.insert(relative.clone(), Arc::from(text.as_str()));
                configs.push(LoadedConfig {
                    path: relative.clone(),
                    config,
                });
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    let hints = ProjectHints {
        bound_classes: configs
            .iter()
            .flat_map(|loaded| loaded.config.bindings.iter())
            .filter(|binding| binding.script_name.is_none())
            .map(|binding| binding.class_name.value.clone())
            .collect(),
        compatibility: configs
            .iter()
            .map(|loaded| model::CompatibilityHint::of(&loaded.path, &loaded.config))
            .collect(),
        ..ProjectHints::default()
    };

    let file_rules: Vec<&Registered> = rules
        .iter()
        .copied()
        .filter(|registered| matches!(registered.rule.check, Check::File(_)))
        .collect();
    let total = found.sources.len();
    let parsed = std::sync::atomic::AtomicUsize::new(0);
    progress(0, total);
    let outputs: Vec<FileOutput> = found
        .sources
        .par_iter()
        .map(|relative| {
            let output = analyze_file(read, relative, answers, &hints, &file_rules);
            let done = parsed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(done, total);
            output
        })
        .collect();

    let mut findings = Vec::new();
    let mut facts = Vec::new();
    let mut gated = Vec::new();
    let mut do_classes = Vec::new();
    for output in outputs {
        diagnostics.extend(output.diagnostics);
        if let Some(text) = output.text {
            sources.insert(output.path.clone(), text);
        }
        if let Some(file_facts) = output.facts {
            for class in &file_facts.classes {
                if !matches!(class.kind, model::DoKind::NotDo) {
                    do_classes.push((file_facts.path.clone(), class.name.clone()));
                }
            }
            facts.push(file_facts);
        }
        gated.extend(output.findings);
    }
    let project = ProjectModel::new(configs, facts);
    // Findings about classes whose base lives in another file stand only if
    // that base turns out to be a Durable Object.
    for (finding, class) in gated {
        match class {
            Some(class) if !project.is_do_class(&finding.file, &class) => {}
            _ => findings.push(finding),
        }
    }
    do_classes.retain(|(file, class)| project.is_do_class(file, class));
    // Project rules read the shared model only: run them in parallel.
    let reports: Vec<(&Registered, Report)> = rules
        .par_iter()
        .filter_map(|registered| {
            let Check::Project(check) = registered.rule.check else {
                return None;
            };
            let context = ProjectContext {
                project: &project,
                answers,
                code: registered.code,
            };
            let mut report = Report::default();
            check(&context, &mut report);
            Some((*registered, report))
        })
        .collect();
    let mut indexes: HashMap<PathBuf, SourceIndex> = HashMap::new();
    for (registered, report) in reports {
        for violation in report.violations {
            let Some(file) = violation.file.clone() else {
                continue;
            };
            let Some(text) = sources.get(&file) else {
                continue;
            };
            let index = indexes
                .entry(file.clone())
                .or_insert_with(|| SourceIndex::new(text.clone(), LineEndings::for_path(&file)));
            if let Some(finding) = make_finding(registered, violation, &file, index, answers) {
                findings.push(finding);
            }
        }
    }
    drop(indexes);
    // Severity first (errors, then warnings, then infos), then the
    // priority's grouping, file and position.
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(
                registry::rank(a.code, answers.priority)
                    .cmp(&registry::rank(b.code, answers.priority)),
            )
            .then(a.file.cmp(&b.file))
            .then(a.range.start.cmp(&b.range.start))
            .then(a.code.cmp(b.code))
    });
    findings.dedup_by(|a, b| a.code == b.code && a.file == b.file && a.range == b.range);
    diagnostics.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
    let referenced: HashSet<&PathBuf> = findings
        .iter()
        .map(|finding| &finding.file)
        .chain(
            findings
                .iter()
                .filter_map(|finding| finding.autofix.as_ref().map(|fix| &fix.file)),
        )
        .collect();
    sources.retain(|path, _| referenced.contains(path));
    let mut class_names: Vec<String> = do_classes.into_iter().map(|(_, class)| class).collect();
    class_names.sort();
    class_names.dedup();
    Analysis {
        root: root.to_path_buf(),
        answers: *answers,
        findings,
        diagnostics,
        sources,
        do_classes: class_names,
        files_scanned: found.sources.len() + found.configs.len(),
        tests_skipped: found.tests_skipped,
    }
}

struct FileOutput {
    path: PathBuf,
    /// Kept for files that may carry findings (relevant files only).
    text: Option<Arc<str>>,
    facts: Option<FileFacts>,
    /// With the class a finding depends on.
    findings: Vec<(Finding, Option<String>)>,
    diagnostics: Vec<Diagnostic>,
}

fn analyze_file(
    read: &ReadText<'_>,
    relative: &Path,
    answers: &OptimizeAnswers,
    hints: &ProjectHints,
    rules: &[&Registered],
) -> FileOutput {
    let mut output = FileOutput {
        path: relative.to_path_buf(),
        text: None,
        facts: None,
        findings: Vec::new(),
        diagnostics: Vec::new(),
    };
    let text = match read(relative) {
        Ok(text) => text,
        Err(message) => {
            output.diagnostics.push(Diagnostic {
                level: if message.starts_with("skipped") {
                    "note"
                } else {
                    "error"
                },
                file: relative.to_path_buf(),
                line: None,
                column: None,
                message,
            });
            return output;
        }
    };
    if let Some(message) = nesting::measure(&text).too_deep() {
        output.diagnostics.push(Diagnostic {
            level: "note",
            file: relative.to_path_buf(),
            line: None,
            column: None,
            message,
        });
        return output;
    }
    let source_type = SourceType::from_path(relative).unwrap_or_default();
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, &text, source_type).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        let first = parsed.diagnostics.errors().next();
        let position = first
            .and_then(|error| error.labels.first().map(|label| label.offset()))
            .map(|offset| Position::of(&text, offset as usize, LineEndings::JavaScript));
        let message = first.map_or_else(
            || "unknown syntax error".to_string(),
            |error| error.message.to_string(),
        );
        output.diagnostics.push(error_diagnostic(
            relative,
            position,
            format!("cannot parse: {message}"),
        ));
        return output;
    }
    let program = allocator.alloc(parsed.program);
    let model = FileModel::build(program, hints);
    for exec in &model.sql_execs {
        if let Some(sql) = exec
            .text
            .as_ref()
            .filter(|sql| sql.len() > sql::MAX_SQL_TEXT)
        {
            let position = Position::of(&text, exec.span().start as usize, LineEndings::JavaScript);
            output.diagnostics.push(Diagnostic {
                level: "note",
                file: relative.to_path_buf(),
                line: Some(position.line),
                column: Some(position.column),
                message: format!(
                    "SQL not analyzed: this query is {} bytes, over the {} KiB limit",
                    sql.len(),
                    sql::MAX_SQL_TEXT / 1024
                ),
            });
        }
    }
    if !model.is_relevant() {
        // A module without Durable Object code may still be a Worker's entry
        // or a barrel that re-exports classes: keep what it exports.
        // An ORM schema module (`sqliteTable("notes", …)`) or a module that
        // inserts through the ORM tells which tables grow.
        let facts = model.facts(relative);
        if !model.exports.is_empty()
            || !facts.orm_tables.is_empty()
            || !facts.orm_inserts.is_empty()
        {
            output.facts = Some(FileFacts {
                path: relative.to_path_buf(),
                exports: model.exports.clone(),
                orm_tables: facts.orm_tables,
                orm_inserts: facts.orm_inserts,
                ..FileFacts::default()
            });
        }
        return output;
    }
    output.facts = Some(model.facts(relative));
    let shared: Arc<str> = Arc::from(text.as_str());
    let index = SourceIndex::new(shared.clone(), LineEndings::for_path(relative));
    for registered in rules {
        let Check::File(check) = registered.rule.check else {
            continue;
        };
        let context = FileContext {
            path: relative,
            model: &model,
            answers,
            hints,
            code: registered.code,
        };
        let mut report = Report::default();
        check(&context, &mut report);
        for violation in report.violations {
            let class = violation.class.clone();
            let file = violation
                .file
                .clone()
                .unwrap_or_else(|| relative.to_path_buf());
            if let Some(finding) = make_finding(registered, violation, &file, &index, answers) {
                // Only classes inherited across files need the project's word.
                let gate = class.filter(|name| {
                    model.classes.iter().any(|candidate| {
                        candidate.name == Some(name.as_str())
                            && matches!(candidate.kind, model::DoKind::Inherited { .. })
                    })
                });
                output.findings.push((finding, gate));
            }
        }
    }
    output.text = Some(shared);
    output
}

/// Stamp a violation with its rule, severity and position; `None` when a
/// suppression comment silences it.
fn make_finding(
    registered: &Registered,
    violation: Violation,
    file: &Path,
    text: &SourceIndex,
    answers: &OptimizeAnswers,
) -> Option<Finding> {
    if text.may_suppress
        && suppress::is_suppressed(
            &text.text,
            text.lines(),
            violation.range.start,
            registered.code,
        )
    {
        return None;
    }
    let autofix = violation
        .edits
        .map(|(edits, applicability)| fix_for(file, edits, applicability));
    Some(Finding {
        code: registered.code,
        name: registered.rule.name,
        severity: registry::severity_at(registered.rule, answers.scale),
        area: registered.rule.area,
        file: file.to_path_buf(),
        range: violation.range,
        start: text.position(violation.range.start),
        end: text.position(violation.range.end),
        // Messages quote the repository's code: no raw control characters.
        message: crate::error::printable(&violation.message),
        fix: violation.fix.map(|fix| crate::error::printable(&fix)),
        effect: crate::error::printable(&violation.effect),
        autofix,
    })
}

/// What [`make_finding`] needs of a file's text, computed once per file so
/// that a file with thousands of findings (or one long minified line) costs
/// time linear in its size: whether it holds a suppression comment at all,
/// and its [`LineIndex`], built on the first position asked for.
struct SourceIndex {
    text: Arc<str>,
    endings: LineEndings,
    may_suppress: bool,
    lines: std::sync::OnceLock<LineIndex>,
}

impl SourceIndex {
    fn new(text: Arc<str>, endings: LineEndings) -> Self {
        SourceIndex {
            may_suppress: text.contains(suppress::MARKER),
            text,
            endings,
            lines: std::sync::OnceLock::new(),
        }
    }

    fn lines(&self) -> &LineIndex {
        self.lines
            .get_or_init(|| LineIndex::new(&self.text, self.endings))
    }

    /// The same position as `Position::of(text, offset, endings)`.
    fn position(&self, offset: usize) -> Position {
        self.lines().position(&self.text, offset)
    }
}

fn error_diagnostic(file: &Path, position: Option<Position>, message: String) -> Diagnostic {
    Diagnostic {
        level: "error",
        file: file.to_path_buf(),
        line: position.map(|position| position.line),
        column: position.map(|position| position.column),
        message,
    }
}

/// Read a file as UTF-8 text; binary files are reported as skipped.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read: {error}"))?;
    if bytes.iter().take(8192).any(|&byte| byte == 0) {
        return Err("skipped: binary file".to_string());
    }
    String::from_utf8(bytes).map_err(|_| "skipped: not UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_index_positions_match_position_of() {
        let line = "é".repeat(3000) + "x\r\n";
        let texts = [
            String::new(),
            "a\nb\n".to_string(),
            line.repeat(7),
            format!("{}\n{}", "y".repeat(20_000), "ü\n".repeat(5000)),
        ];
        for text in texts {
            for endings in [LineEndings::JavaScript, LineEndings::Config] {
                let index = SourceIndex::new(Arc::from(text.as_str()), endings);
                for offset in (0..=text.len() + 2).step_by(7) {
                    assert_eq!(
                        index.position(offset),
                        Position::of(&text, offset, endings),
                        "offset {offset}"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod ranking_tests {
    use super::*;
    use crate::optimize::finding::Severity;

    /// Issue 8: a SQL injection came 6th and a deploy-breaking migration 9th,
    /// after warnings of earlier groups. Errors come first, whatever the
    /// priority group.
    #[test]
    fn errors_are_listed_before_warnings_whatever_the_group() {
        let source = r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, room TEXT)");
  }
  list(room: string) {
    return this.ctx.storage.sql.exec("SELECT id FROM m WHERE room = ? LIMIT 10", room).toArray();
  }
}
"#;
        let config = r#"{
  "main": "index.ts",
  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
  "migrations": [{ "tag": "v1", "new_classes": ["Room"] }]
}"#;
        let files = vec![
            (PathBuf::from("index.ts"), source.to_string()),
            (PathBuf::from("wrangler.jsonc"), config.to_string()),
        ];
        for priority in [
            answers::Priority::Latency,
            answers::Priority::Throughput,
            answers::Priority::Cost,
            answers::Priority::Memory,
        ] {
            let answers = OptimizeAnswers {
                priority,
                ..OptimizeAnswers::default()
            };
            let selection = Selection::parse(Some("DO201,DO707"), None).unwrap();
            let analysis = analyze_texts(&files, &answers, &selection).unwrap();
            let codes: Vec<(&str, Severity)> = analysis
                .findings
                .iter()
                .map(|finding| (finding.code, finding.severity))
                .collect();
            assert_eq!(
                codes,
                vec![("DO707", Severity::Error), ("DO201", Severity::Warning)],
                "{priority:?}"
            );
        }
    }
}
