//! Rule fixtures: every directory `tests/fixtures/optimize/<rule-name>/`
//! holds `fires_*` and `quiet_*` fixtures (a source file, or a directory that
//! is a whole mini project). File fixtures are analyzed together with the
//! directory's `wrangler.jsonc` / `wrangler.toml` when it has one.
//!
//! For each fixture: `fires_*` must yield at least one finding of the rule,
//! `quiet_*` none; the rendered human diagnostics (and the diff of the safe
//! fixes, which must converge and leave parsable code) are snapshotted under
//! `snapshots/optimize/`.

use std::path::{Path, PathBuf};

use do_wizard::optimize::answers::OptimizeAnswers;
use do_wizard::optimize::registry::{RULES, Selection};
use do_wizard::optimize::{Analysis, analyze_with, fix};
use do_wizard::report;

const CONFIG_NAMES: &[&str] = &["wrangler.jsonc", "wrangler.json", "wrangler.toml"];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/optimize")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Lay a fixture out in a fresh directory.
fn stage(rule_dir: &Path, fixture: &Path) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    if fixture.is_dir() {
        copy_tree(fixture, directory.path());
    } else {
        std::fs::copy(fixture, directory.path().join(fixture.file_name().unwrap())).unwrap();
        for name in CONFIG_NAMES {
            let config = rule_dir.join(name);
            if config.exists() {
                std::fs::copy(&config, directory.path().join(name)).unwrap();
            }
        }
    }
    directory
}

fn answers_for(name: &str) -> OptimizeAnswers {
    let mut answers = OptimizeAnswers::default();
    // `*_large*` fixtures run at scale large.
    if name.contains("_large") {
        answers.scale = do_wizard::optimize::answers::Scale::Large;
    }
    answers
}

fn only(analysis: &Analysis, code: &str) -> Analysis {
    let mut filtered = analysis.clone();
    filtered.findings.retain(|finding| finding.code == code);
    filtered
}

#[test]
fn every_fixture_fires_or_stays_quiet_and_matches_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/optimize");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();

    let mut checked = 0;
    let mut failures = Vec::new();
    let mut rule_dirs: Vec<_> = std::fs::read_dir(fixtures_root())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.is_dir() && !path.file_name().unwrap().to_string_lossy().starts_with('_')
        })
        .collect();
    rule_dirs.sort();
    for rule_dir in rule_dirs {
        let rule_name = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        let registered = RULES
            .iter()
            .find(|registered| registered.rule.name == rule_name)
            .unwrap_or_else(|| panic!("fixture directory {rule_name} names no rule"));
        let code = registered.code;
        let selection = Selection::parse(Some(code), None).unwrap();
        let mut fixtures: Vec<_> = std::fs::read_dir(&rule_dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                name.starts_with("fires_") || name.starts_with("quiet_")
            })
            .collect();
        fixtures.sort();
        let (mut fires, mut quiet) = (0, 0);
        for fixture in fixtures {
            let name = fixture.file_name().unwrap().to_string_lossy().to_string();
            let stem = name.split('.').next().unwrap().to_string();
            let staged = stage(&rule_dir, &fixture);
            let answers = answers_for(&name);
            let analysis = only(
                &analyze_with(staged.path(), &answers, &selection).unwrap(),
                code,
            );
            let count = analysis.findings.len();
            if name.starts_with("fires_") {
                fires += 1;
                if count == 0 {
                    failures.push(format!(
                        "{code} {rule_name}/{name}: expected a finding, got none"
                    ));
                }
            } else {
                quiet += 1;
                if count > 0 {
                    failures.push(format!(
                        "{code} {rule_name}/{name}: expected no finding, got {count}:\n{}",
                        report::human::render(&analysis, false)
                    ));
                }
            }
            let mut rendered = report::human::render(&analysis, false);
            // Fixes: show the diff, apply until nothing safe is left, and
            // check the result still parses.
            let planned = fix::plan(&analysis);
            if !planned.is_empty() {
                for file in &planned {
                    rendered.push_str(&fix::diff(file));
                }
                let mut current = analysis.clone();
                let mut rounds = 0;
                loop {
                    let planned = fix::plan(&current);
                    if planned.is_empty() {
                        break;
                    }
                    rounds += 1;
                    assert!(
                        rounds <= fix::MAX_ROUNDS,
                        "{code} {name}: fixes do not converge"
                    );
                    fix::write(staged.path(), &planned).unwrap();
                    let full =
                        analyze_with(staged.path(), &answers, &Selection::default()).unwrap();
                    assert!(
                        full.diagnostics
                            .iter()
                            .all(|diagnostic| diagnostic.level != "error"),
                        "{code} {name}: the fixed code no longer parses: {:?}",
                        full.diagnostics
                    );
                    current = only(
                        &analyze_with(staged.path(), &answers, &selection).unwrap(),
                        code,
                    );
                }
            }
            insta::assert_snapshot!(format!("{code}_{stem}"), rendered);
            checked += 1;
        }
        assert!(fires > 0, "{rule_name}: no fires_* fixture");
        assert!(quiet > 0, "{rule_name}: no quiet_* fixture");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 0);
}

#[test]
fn every_rule_has_a_fixture_directory() {
    for registered in RULES {
        let directory = fixtures_root().join(registered.rule.name);
        assert!(
            directory.is_dir(),
            "{} {} has no fixtures at {}",
            registered.code,
            registered.rule.name,
            directory.display()
        );
    }
}
