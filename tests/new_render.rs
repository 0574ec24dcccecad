//! The rendered projects: a snapshot of every example's file tree and
//! contents, and checks over every combination of patterns (each renders,
//! each TypeScript file parses, the config names every class).

use std::path::{Path, PathBuf};

use do_wizard::flow::answers_file;
use do_wizard::flow::new_questions::NEW_QUESTIONS;
use do_wizard::flow::{Answer, NewFlow};
use do_wizard::optimize::{
    self,
    answers::{OptimizeAnswers, Priority, Scale},
    finding::Area,
};
use do_wizard::recommend::{self, PatternId};
use do_wizard::render::{self, Plan};

fn examples() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
    paths.sort();
    paths
}

/// The strictest reading: every rule, scale `large`, the generated tests
/// held to the same standard as the code.
fn strictest() -> (OptimizeAnswers, optimize::registry::Selection) {
    let answers = OptimizeAnswers {
        issue: Area::General,
        scale: Scale::Large,
        priority: Priority::Latency,
    };
    (
        answers,
        optimize::registry::Selection::default().with_tests(true),
    )
}

/// A generated project's analysis: no finding, no diagnostic, and at least
/// one Durable Object seen.
fn assert_clean(analysis: &optimize::Analysis, label: &str) {
    let findings: Vec<String> = analysis
        .findings
        .iter()
        .map(|finding| {
            format!(
                "{} {} {}",
                finding.code,
                finding.file.display(),
                finding.message
            )
        })
        .collect();
    assert!(findings.is_empty(), "{label}: {findings:#?}");
    assert!(
        analysis.diagnostics.is_empty(),
        "{label}: {:?}",
        analysis.diagnostics
    );
    assert!(
        !analysis.do_classes.is_empty(),
        "{label}: the analyzer saw no Durable Object"
    );
}

/// [`assert_no_findings`] without the disk: the plan's files are analyzed
/// as texts (fast enough for every set of patterns).
fn assert_no_findings_in_memory(plan: &Plan, label: &str) {
    let (answers, everything) = strictest();
    let files: Vec<(PathBuf, String)> = plan
        .files
        .iter()
        .map(|file| (file.path.clone(), file.contents.clone()))
        .collect();
    let analysis = optimize::analyze_texts(&files, &answers, &everything).unwrap();
    assert_clean(&analysis, label);
}

/// Write `plan` into a fresh directory and analyze it with every rule at
/// scale `large` (the strictest): a generated project has no finding.
fn assert_no_findings(plan: &Plan, label: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("project");
    render::write::write_plan(plan, &root, false).unwrap();
    let (answers, everything) = strictest();
    let analysis = optimize::analyze_with(&root, &answers, &everything).unwrap();
    assert_clean(&analysis, label);
}

fn plan_for(flow: NewFlow) -> Plan {
    let mut flow = flow;
    flow.fill_defaults();
    let answers = flow.finish().unwrap();
    let recommendation = recommend::recommend(&answers.requirements, &answers.overrides).unwrap();
    render::plan(&answers, &recommendation).unwrap()
}

fn plan_for_file(path: &Path) -> Plan {
    let file = answers_file::read(path, &NEW_QUESTIONS).unwrap();
    let mut flow = NewFlow::new();
    for entry in &file.answers {
        flow.preset(entry.id, entry.answer.clone()).unwrap();
    }
    plan_for(flow)
}

fn snapshot_text(plan: &Plan) -> String {
    let mut text = plan.tree();
    for file in &plan.files {
        // `.dev.vars` holds a fresh random token on every run.
        let contents = if file.path == Path::new(".dev.vars") {
            redact_api_token(&file.contents)
        } else {
            file.contents.clone()
        };
        text.push_str(&format!(
            "\n===== {} =====\n{}",
            file.path.display(),
            contents
        ));
    }
    text
}

/// `API_TOKEN=<64 hex digits>` becomes `API_TOKEN=[random]`; anything else
/// (a missing or malformed token) is left for the snapshot to show.
fn redact_api_token(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("API_TOKEN=") {
            Some(token) if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) => {
                "API_TOKEN=[random]".to_string()
            }
            _ => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect()
}

#[test]
fn every_example_renders_as_snapshotted() {
    let examples = examples();
    for pattern in PatternId::all() {
        assert!(
            examples
                .iter()
                .any(|path| path.file_stem().is_some_and(|stem| stem == pattern.slug())),
            "every pattern has an example: examples/{}.json",
            pattern.slug()
        );
    }
    for path in examples {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let plan = plan_for_file(&path);
        assert_no_findings(&plan, &name);
        insta::with_settings!({
            snapshot_path => "../snapshots/new",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, snapshot_text(&plan));
        });
    }
}

fn parse_typescript(path: &Path, source: &str) {
    let allocator = oxc_allocator::Allocator::default();
    let source_type = oxc_span::SourceType::from_path(path).unwrap();
    let parsed = oxc_parser::Parser::new(&allocator, source, source_type).parse();
    assert!(
        parsed.diagnostics.is_empty() && !parsed.panicked,
        "{} does not parse: {:?}",
        path.display(),
        parsed.diagnostics
    );
}

/// The shapes a set of patterns is rendered in: scale, config style, storage.
const SHAPES: [(&str, &str, &str); 4] = [
    ("small", "exports", "sqlite"),
    ("large", "exports", "sqlite"),
    ("small", "migrations", "sqlite"),
    ("small", "exports", "kv"),
];

/// Every non-empty set of patterns (2^N − 1 of them, N the number of
/// manifests) renders; every `.ts` parses; the config binds and declares
/// every class (SQLite-backed only); the entry exports every class;
/// `do-wizard optimize` finds nothing in any of them (analyzed in memory).
/// Single patterns, pairs and the set of all patterns render in every
/// shape (both scales, both config styles, both storage APIs where offered);
/// every other set in one shape, taken in turn.
#[test]
fn every_combination_renders_and_parses() {
    use rayon::prelude::*;
    let all = PatternId::all();
    let sets = (1u64 << all.len()) - 1;
    // The sets are independent: check them on every core, on threads with
    // the analyzer's stack size (oxc and tera recurse per level of nesting,
    // and debug builds use much more stack per level).
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(optimize::ANALYSIS_STACK)
        .build()
        .unwrap();
    let counts: Vec<(usize, usize)> = pool.install(|| {
        (1..=sets)
            .into_par_iter()
            .map(|mask| check_set(&all, mask))
            .collect()
    });
    let expected: usize = counts.iter().map(|(expected, _)| expected).sum();
    let rendered: usize = counts.iter().map(|(_, rendered)| rendered).sum();
    assert!(expected as u64 > sets);
    assert_eq!(rendered, expected);
}

/// Render and check the set of patterns `mask` picks from `all`; returns how
/// many renders it should take and how many it made.
fn check_set(all: &[PatternId], mask: u64) -> (usize, usize) {
    let mut rendered = 0;
    let mut expected = 0;
    {
        let chosen: Vec<PatternId> = all
            .iter()
            .enumerate()
            .filter(|(index, _)| mask & (1 << index) != 0)
            .map(|(_, pattern)| *pattern)
            .collect();
        let primary = chosen[0];
        let use_case = recommend::UseCase::all()
            .into_iter()
            .find(|use_case| recommend::pattern_for(*use_case) == primary)
            .unwrap();
        let shapes: Vec<(&str, &str, &str)> = SHAPES
            .into_iter()
            .filter(|(_, _, storage)| *storage == "sqlite" || primary.info().supports_kv())
            .collect();
        let every_shape = chosen.len() <= 2 || chosen.len() == all.len();
        let shapes = if every_shape {
            shapes
        } else {
            vec![shapes[(mask as usize) % shapes.len()]]
        };
        expected += shapes.len();
        for (scale, style, storage) in shapes {
            let kv = storage == "kv";
            let mut flow = NewFlow::new();
            flow.preset("config_style", Answer::One(style.into()))
                .unwrap();
            flow.preset("use_case", Answer::One(use_case.value().into()))
                .unwrap();
            flow.preset("scale", Answer::One(scale.into())).unwrap();
            flow.preset(
                "queries",
                Answer::One(if kv { "key-value" } else { "filtering" }.into()),
            )
            .unwrap();
            flow.preset("storage", Answer::One(storage.into())).unwrap();
            flow.preset(
                "patterns",
                Answer::Many(chosen[1..].iter().map(|p| p.slug().to_string()).collect()),
            )
            .unwrap();
            let plan = plan_for(flow);
            let slugs: Vec<&str> = chosen.iter().map(|p| p.slug()).collect();
            assert_no_findings_in_memory(&plan, &format!("{slugs:?} {scale} {storage} {style}"));
            rendered += 1;
            let config = &plan
                .file("wrangler.jsonc")
                .expect("a wrangler.jsonc")
                .contents;
            let entry = &plan.file("src/index.ts").expect("an entry").contents;
            for pattern in &chosen {
                let info = pattern.info();
                assert!(plan.file(&format!("src/{}.ts", info.module)).is_some());
                assert!(
                    plan.file(&format!("test/{}.test.ts", info.module))
                        .is_some()
                );
                assert!(
                    config.contains(&format!("\"class_name\": \"{}\"", info.class_name)),
                    "{config}"
                );
                assert!(entry.contains(&info.class_name));
            }
            for file in &plan.files {
                // The analysis above reports any source it cannot parse;
                // oxc's own parse is checked again for the fully tested sets.
                if every_shape && file.path.extension().is_some_and(|ext| ext == "ts") {
                    parse_typescript(&file.path, &file.contents);
                }
                assert!(
                    !file.contents.contains("{{"),
                    "unrendered tera in {}",
                    file.path.display()
                );
            }
            let value: serde_json::Value =
                jsonc_parser::parse_to_serde_value(config, &Default::default()).unwrap();
            assert!(!config.contains("new_classes") && !config.contains("legacy-kv"));
            for pattern in &chosen {
                let class = pattern.info().class_name.as_str();
                if style == "exports" {
                    assert!(value.get("migrations").is_none(), "{config}");
                    assert_eq!(
                        value["exports"][class],
                        serde_json::json!({ "type": "durable-object", "storage": "sqlite" }),
                        "{config}"
                    );
                } else {
                    assert!(value.get("exports").is_none(), "{config}");
                    let created = &value["migrations"][0]["new_sqlite_classes"];
                    assert!(
                        created.as_array().unwrap().contains(&class.into()),
                        "{config}"
                    );
                }
            }
        }
    }
    (expected, rendered)
}
