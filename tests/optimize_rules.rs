//! Rule fixtures, one test per directory `tests/fixtures/optimize/<rule-name>/`
//! (so `cargo test --test tests optimize_rules::query_in_loop` runs one rule's
//! fixtures). Each directory holds `fires_*` and `quiet_*` fixtures (a
//! source file, or a directory that is a whole mini project); file fixtures
//! are analyzed together with the directory's `wrangler.jsonc` /
//! `wrangler.json` / `wrangler.toml` when it has one.
//!
//! Fixtures are read into memory and run through the in-memory rule tester
//! ([`Tester`]); nothing is staged on disk. A `fires_*` fixture must yield
//! at least one finding of the rule, and its rendered diagnostics (plus the
//! diff of the safe fixes, which must converge and leave parsable code) are
//! snapshotted under `snapshots/optimize/`. A `quiet_*` fixture must yield
//! none, and has no snapshot: the assertion says it all.

use std::path::{Path, PathBuf};

use do_wizard::optimize::answers::Scale;
use do_wizard::optimize::registry::RULES;
use do_wizard::optimize::tester::Tester;
use do_wizard::report;

const CONFIG_NAMES: &[&str] = &["wrangler.jsonc", "wrangler.json", "wrangler.toml"];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/optimize")
}

/// Every file under `directory`, as (path relative to `base`, text).
fn read_tree(base: &Path, directory: &Path, files: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(base, &path, files);
        } else {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            files.push((path.strip_prefix(base).unwrap().to_path_buf(), text));
        }
    }
}

/// The project a fixture stands for: its files, by relative path.
fn project(rule_dir: &Path, fixture: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    if fixture.is_dir() {
        read_tree(fixture, fixture, &mut files);
    } else {
        let name = PathBuf::from(fixture.file_name().unwrap());
        files.push((name, std::fs::read_to_string(fixture).unwrap()));
        for name in CONFIG_NAMES {
            let config = rule_dir.join(name);
            if config.exists() {
                files.push((name.into(), std::fs::read_to_string(config).unwrap()));
            }
        }
    }
    files
}

/// Check every fixture of one rule directory; all failures are listed.
fn check_rule_directory(rule_name: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/optimize");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();

    let rule_dir = fixtures_root().join(rule_name);
    let registered = RULES
        .iter()
        .find(|registered| registered.rule.name == rule_name)
        .unwrap_or_else(|| panic!("fixture directory {rule_name} names no rule"));
    let code = registered.code;
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
    let mut failures = Vec::new();
    for fixture in fixtures {
        let name = fixture.file_name().unwrap().to_string_lossy().to_string();
        let stem = name.split('.').next().unwrap().to_string();
        let mut tester = project(&rule_dir, &fixture)
            .into_iter()
            .fold(Tester::new(code), |tester, (path, text)| {
                tester.file(path, text)
            });
        // `*_large*` fixtures run at scale large.
        if name.contains("_large") {
            tester = tester.scale(Scale::Large);
        }
        let analysis = tester.run();
        let count = analysis.findings.len();
        if name.starts_with("quiet_") {
            quiet += 1;
            if count > 0 {
                failures.push(format!(
                    "{code} {rule_name}/{name}: expected no finding, got {count}:\n{}",
                    report::human::render(&analysis, false)
                ));
            }
            continue;
        }
        fires += 1;
        if count == 0 {
            failures.push(format!(
                "{code} {rule_name}/{name}: expected a finding, got none"
            ));
        }
        // Fixes: show the diff, apply until nothing safe is left (the tester
        // checks convergence and that the result still parses).
        let mut rendered = report::human::render(&analysis, false);
        rendered.push_str(&tester.fixed().first_diff);
        insta::assert_snapshot!(format!("{code}_{stem}"), rendered);
    }
    assert!(fires > 0, "{rule_name}: no fires_* fixture");
    assert!(quiet > 0, "{rule_name}: no quiet_* fixture");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One test per fixture directory, named after the rule.
macro_rules! fixture_tests {
    ($($test:ident => $directory:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_rule_directory($directory);
            }
        )*

        /// The directories the tests above cover.
        const LISTED: &[&str] = &[$($directory),*];
    };
}

fixture_tests! {
    alarm_not_idempotent => "alarm-not-idempotent",
    alarm_overwrite => "alarm-overwrite",
    alarm_without_handler => "alarm-without-handler",
    async_work_in_constructor => "async-work-in-constructor",
    awaited_sync_sql => "awaited-sync-sql",
    binding_class_not_exported => "binding-class-not-exported",
    block_concurrency_per_request => "block-concurrency-per-request",
    blocking_loop => "blocking-loop",
    class_without_migration => "class-without-migration",
    close_not_reciprocated => "close-not-reciprocated",
    cursor_across_await => "cursor-across-await",
    cursor_rows_property => "cursor-rows-property",
    deleted_class_still_bound => "deleted-class-still-bound",
    exported_class_unbound => "exported-class-unbound",
    fetch_instead_of_rpc => "fetch-instead-of-rpc",
    floating_stub_call => "floating-stub-call",
    global_singleton_hotspot => "global-singleton-hotspot",
    handler_never_scheduled => "handler-never-scheduled",
    heavy_block_concurrency => "heavy-block-concurrency",
    kv_backend_for_new_class => "kv-backend-for-new-class",
    large_attachment => "large-attachment",
    load_everything => "load-everything",
    manual_transaction_sql => "manual-transaction-sql",
    migration_tag_problem => "migration-tag-problem",
    migrations_and_exports => "migrations-and-exports",
    missing_auto_response => "missing-auto-response",
    missing_index => "missing-index",
    pragma_user_version => "pragma-user-version",
    query_in_loop => "query-in-loop",
    rpc_needs_compat_date => "rpc-needs-compat-date",
    schema_setup_every_request => "schema-setup-every-request",
    slow_websocket_handler => "slow-websocket-handler",
    socket_state_in_memory => "socket-state-in-memory",
    sql_on_kv_backed_class => "sql-on-kv-backed-class",
    sql_string_interpolation => "sql-string-interpolation",
    state_only_in_memory => "state-only-in-memory",
    stub_retry_ignores_error => "stub-retry-ignores-error",
    timer_in_durable_object => "timer-in-durable-object",
    too_many_bound_parameters => "too-many-bound-parameters",
    unbounded_collection => "unbounded-collection",
    unbounded_select => "unbounded-select",
    unique_id_per_request => "unique-id-per-request",
    unknown_lifecycle_handler => "unknown-lifecycle-handler",
    unsupported_sqlite_syntax => "unsupported-sqlite-syntax",
    untrusted_object_name => "untrusted-object-name",
    websocket_without_hibernation => "websocket-without-hibernation",
    writes_without_transaction => "writes-without-transaction",
}

#[test]
fn every_fixture_directory_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures_root())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap().to_string_lossy().to_string())
        .filter(|name| !name.starts_with('_'))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = LISTED.iter().map(|name| name.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "add the new fixture directory to fixture_tests! in tests/optimize_rules.rs"
    );
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
