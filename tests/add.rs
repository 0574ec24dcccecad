//! `do-wizard add PATTERN`: the diffs `--dry-run` prints for a project `new`
//! made, a create-cloudflare-shaped project, a wrangler.toml project and a
//! JavaScript entry (snapshots); the writes; `optimize` finding nothing new
//! afterwards; and every refusal, each leaving the project as it was.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/add")
        .join(name)
}

use crate::util::run_scripted as run;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of a fixture project in a fresh temporary directory.
fn project(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&fixture(name), &dir);
    (tmp, dir)
}

/// A project `new` made from an example answers file.
fn new_project(example: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let answers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{example}.json"));
    let output = run(
        &[
            "new",
            "--answers",
            answers.to_str().unwrap(),
            "--yes",
            "made",
        ],
        tmp.path(),
    );
    assert!(output.status.success(), "{output:?}");
    let dir = tmp.path().join("made");
    (tmp, dir)
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots/add");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// `add --dry-run` prints the diff and writes nothing.
fn dry_run(dir: &Path, args: &[&str]) -> String {
    let before = files(dir);
    let mut all = vec!["add"];
    all.extend(args);
    all.extend(["--dry-run", "--yes"]);
    let text = stdout(&run(&all, dir));
    assert_eq!(files(dir), before, "--dry-run wrote something");
    text
}

/// The findings of `optimize` as (code, file) pairs.
fn findings(dir: &Path) -> Vec<(String, String)> {
    let output = run(
        &[
            "optimize",
            ".",
            "--yes",
            "--format",
            "json",
            "--fail-on",
            "error",
        ],
        dir,
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("optimize printed JSON: {output:?}"));
    let mut out: Vec<(String, String)> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_string(),
                finding["file"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `add` (written for real), then `optimize` finds nothing it did not
/// find before.
fn add_and_check(dir: &Path, args: &[&str]) -> String {
    let before = findings(dir);
    let mut all = vec!["add"];
    all.extend(args);
    all.push("--yes");
    let text = stdout(&run(&all, dir));
    let after = findings(dir);
    let new: Vec<_> = after
        .iter()
        .filter(|finding| !before.contains(finding))
        .collect();
    assert!(
        new.is_empty(),
        "optimize found new problems after add: {new:?}"
    );
    text
}

#[test]
fn new_project_plus_session() {
    let (_tmp, dir) = new_project("rate-limiter");
    let diff = dry_run(&dir, &["session"]);
    assert!(
        diff.contains("+export { UserSession } from \"./session\";"),
        "{diff}"
    );
    settings().bind(|| insta::assert_snapshot!("new_project_plus_session", diff));
    add_and_check(&dir, &["session"]);
    let config = fs::read_to_string(dir.join("wrangler.jsonc")).unwrap();
    assert!(
        config
            .contains("\"UserSession\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }")
    );
}

#[test]
fn new_project_in_migrations_style_gets_the_next_migration() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = tmp.path().join("answers.json");
    let example =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/session.json"))
            .unwrap();
    fs::write(
        &answers,
        example.replacen('{', "{ \"config_style\": \"migrations\",", 1),
    )
    .unwrap();
    let output = run(
        &[
            "new",
            "--answers",
            answers.to_str().unwrap(),
            "--yes",
            "made",
        ],
        tmp.path(),
    );
    assert!(output.status.success(), "{output:?}");
    let dir = tmp.path().join("made");
    add_and_check(&dir, &["leader-election"]);
    let config = fs::read_to_string(dir.join("wrangler.jsonc")).unwrap();
    assert!(
        config.contains("{ \"tag\": \"v2\", \"new_sqlite_classes\": [\"LeaderElection\"] }"),
        "{config}"
    );
    assert!(!config.contains("\"exports\""), "{config}");
}

#[test]
fn create_cloudflare_project_plus_rate_limiter() {
    let (_tmp, dir) = project("c3-durable-objects");
    let original = fs::read_to_string(dir.join("wrangler.jsonc")).unwrap();
    let diff = dry_run(&dir, &["rate-limiter"]);
    settings().bind(|| insta::assert_snapshot!("c3_plus_rate_limiter", diff));
    add_and_check(&dir, &["rate-limiter"]);
    let config = fs::read_to_string(dir.join("wrangler.jsonc")).unwrap();
    assert!(config.contains("\"tag\": \"v2\""), "{config}");
    assert!(
        config.contains("\"new_sqlite_classes\": [\"RateLimiter\"]"),
        "{config}"
    );
    // Every comment line of the original is still there, unchanged.
    for line in original.lines().filter(|line| {
        let line = line.trim();
        line.starts_with("//") || line.starts_with("/*") || line.starts_with('*')
    }) {
        assert!(config.contains(line), "comment lost: {line}\n{config}");
    }
    let entry = fs::read_to_string(dir.join("src/index.ts")).unwrap();
    assert!(entry.contains("export { RateLimiter } from \"./do-wizard/rate-limiter\";"));
    assert!(dir.join("src/do-wizard/rate-limiter.ts").is_file());
}

#[test]
fn toml_project_plus_session() {
    let (_tmp, dir) = project("toml-worker");
    let diff = dry_run(&dir, &["session"]);
    settings().bind(|| insta::assert_snapshot!("toml_plus_session", diff));
    add_and_check(&dir, &["session"]);
    let config = fs::read_to_string(dir.join("wrangler.toml")).unwrap();
    assert!(
        config.contains("[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"UserSession\"]\n")
    );
    // wrangler does not inherit bindings: the staging environment gets its own.
    assert_eq!(
        config.matches("class_name = \"UserSession\"").count(),
        2,
        "{config}"
    );
}

#[test]
fn javascript_entry_plus_rate_limiter() {
    let (_tmp, dir) = project("js-worker");
    let diff = dry_run(&dir, &["rate-limiter"]);
    assert!(!diff.contains(".ts\n"), "only JavaScript files: {diff}");
    settings().bind(|| insta::assert_snapshot!("js_plus_rate_limiter", diff));
    add_and_check(&dir, &["rate-limiter"]);
    assert!(dir.join("src/do-wizard/rate-limiter.js").is_file());
    assert!(dir.join("src/do-wizard/http.js").is_file());
}

#[test]
fn a_second_add_reuses_the_helpers_of_the_first_also_in_javascript() {
    for (fixture, extension) in [("c3-durable-objects", "ts"), ("js-worker", "js")] {
        let (_tmp, dir) = project(fixture);
        add_and_check(&dir, &["rate-limiter"]);
        let helpers = fs::read(dir.join(format!("src/do-wizard/http.{extension}"))).unwrap();
        let text = add_and_check(&dir, &["session"]);
        assert!(!text.contains("http."), "{text}");
        assert_eq!(
            fs::read(dir.join(format!("src/do-wizard/http.{extension}"))).unwrap(),
            helpers
        );
        let entry = fs::read_to_string(dir.join(format!("src/index.{extension}"))).unwrap();
        assert!(entry.contains("export { RateLimiter } from \"./do-wizard/rate-limiter\";"));
        assert!(entry.contains("export { UserSession } from \"./do-wizard/session\";"));
    }
}

#[test]
fn a_new_made_entry_without_a_routes_table_gets_the_serve_function_and_no_test() {
    let (_tmp, dir) = new_project("rate-limiter");
    let entry = fs::read_to_string(dir.join("src/index.ts")).unwrap();
    let table = "const routes: readonly Route[] = [...rateLimiterRoutes];";
    assert!(entry.contains(table), "{entry}");
    fs::write(
        dir.join("src/index.ts"),
        entry.replace(table, "const routes: readonly Route[] = rateLimiterRoutes;"),
    )
    .unwrap();
    // As in a project made before routes were modules: no router.ts.
    fs::remove_file(dir.join("src/router.ts")).unwrap();
    let diff = dry_run(&dir, &["session"]);
    assert!(diff.contains("+++ b/src/router.ts"), "{diff}");
    assert!(diff.contains("+++ b/src/serve-session.ts"), "{diff}");
    assert!(!diff.contains("+++ b/test/session.test.ts"), "{diff}");
    assert!(
        diff.contains("Test skipped: test/session.test.ts"),
        "{diff}"
    );
    assert!(
        diff.contains("const routed = await serveSession(request, env);"),
        "{diff}"
    );
}

#[test]
fn names_from_flags_and_answers_file() {
    let (_tmp, dir) = project("c3-durable-objects");
    let diff = dry_run(
        &dir,
        &[
            "rate-limiter",
            "--class",
            "Throttle",
            "--binding",
            "THROTTLE",
        ],
    );
    assert!(
        diff.contains("+export class Throttle extends DurableObject<Env>"),
        "{diff}"
    );
    assert!(diff.contains("\"name\": \"THROTTLE\""), "{diff}");
    assert!(!diff.contains("RATE_LIMITER:"), "{diff}");
    fs::write(
        dir.join("answers.json"),
        "{ \"pattern\": \"session\", \"class_name\": \"Visit\" }",
    )
    .unwrap();
    let diff = dry_run(&dir, &["--answers", "answers.json"]);
    assert!(
        diff.contains("+export class Visit extends DurableObject<Env>"),
        "{diff}"
    );
    assert!(diff.contains("\"name\": \"USER_SESSION\""), "{diff}");
}

#[test]
fn dated_migration_tags_continue_the_scheme() {
    let (_tmp, dir) = project("c3-durable-objects");
    let config = fs::read_to_string(dir.join("wrangler.jsonc")).unwrap();
    fs::write(
        dir.join("wrangler.jsonc"),
        config.replace("\"tag\": \"v1\"", "\"tag\": \"2026-01-01-init\""),
    )
    .unwrap();
    let diff = dry_run(&dir, &["rate-limiter"]);
    let tag = regex::Regex::new(r#""tag": "(\d{4}-\d{2}-\d{2})-add-rate-limiter""#).unwrap();
    let found = tag.captures(&diff).unwrap_or_else(|| panic!("{diff}"));
    assert!(&found[1] >= "2026-01-01");
}

/// A Worker without any Durable Object yet, whose package.json asks for `wrangler`.
fn worker_without_objects(wrangler: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plain");
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("wrangler.jsonc"),
        "{\n  // A Worker with no object yet.\n  \"name\": \"plain\",\n  \"main\": \"src/index.ts\",\n  \"compatibility_date\": \"2026-11-01\"\n}\n",
    )
    .unwrap();
    fs::write(
        dir.join("src/index.ts"),
        "export default {\n  async fetch(): Promise<Response> {\n    return new Response(\"hello\");\n  },\n} satisfies ExportedHandler<Env>;\n",
    )
    .unwrap();
    fs::write(
        dir.join("package.json"),
        format!("{{ \"name\": \"plain\", \"private\": true, \"devDependencies\": {{ \"wrangler\": \"{wrangler}\" }} }}\n"),
    )
    .unwrap();
    (tmp, dir)
}

#[test]
fn a_project_without_classes_gets_exports_when_its_wrangler_reads_them() {
    let (_tmp, dir) = worker_without_objects("^4.156.2");
    let diff = dry_run(&dir, &["lock"]);
    assert!(diff.contains(r#""type": "durable-object""#), "{diff}");
    assert!(!diff.contains("new_sqlite_classes"), "{diff}");
}

#[test]
fn a_project_without_classes_gets_a_migration_when_its_wrangler_is_older() {
    let (_tmp, dir) = worker_without_objects("^4.50.0");
    let diff = dry_run(&dir, &["lock"]);
    assert!(diff.contains("new_sqlite_classes"), "{diff}");
    assert!(!diff.contains(r#""type": "durable-object""#), "{diff}");
}

// ---------------------------------------------------------------------------
// Refusals: one line, exit 2, nothing written.

fn refused(dir: &Path, args: &[&str]) -> String {
    let before = files(dir);
    let mut all = vec!["add"];
    all.extend(args);
    let output = run(&all, dir);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(output.stdout.is_empty(), "{output:?}");
    assert_eq!(files(dir), before, "a refused add wrote something");
    lines[0].to_string()
}

#[test]
fn refuses_a_pattern_already_present() {
    let (_tmp, dir) = new_project("rate-limiter");
    let line = refused(&dir, &["rate-limiter", "--yes"]);
    assert!(
        line.contains("pattern `rate-limiter` is already present"),
        "{line}"
    );
    assert!(line.starts_with("error: src/rate-limiter.ts: "), "{line}");
    // Under another class name too: its module and routes are there.
    let line = refused(
        &dir,
        &[
            "rate-limiter",
            "--class",
            "Throttle",
            "--binding",
            "THROTTLE",
            "--yes",
        ],
    );
    assert!(
        line.contains("pattern `rate-limiter` is already present"),
        "{line}"
    );
}

#[test]
fn refuses_a_class_that_a_re_export_already_exports() {
    let (_tmp, dir) = project("c3-durable-objects");
    fs::write(dir.join("src/limits.ts"), "export class Throttle {}\n").unwrap();
    let entry = fs::read_to_string(dir.join("src/index.ts")).unwrap();
    fs::write(
        dir.join("src/index.ts"),
        format!("export * from \"./limits\";\n{entry}"),
    )
    .unwrap();
    let line = refused(&dir, &["rate-limiter", "--class", "Throttle", "--yes"]);
    assert!(line.contains("class `Throttle` already exists"), "{line}");
    assert!(line.starts_with("error: src/index.ts: "), "{line}");
}

#[test]
fn refuses_a_class_name_collision() {
    let (_tmp, dir) = project("c3-durable-objects");
    let line = refused(
        &dir,
        &["rate-limiter", "--class", "MyDurableObject", "--yes"],
    );
    assert!(
        line.contains("class `MyDurableObject` already exists"),
        "{line}"
    );
}

#[test]
fn refuses_a_binding_collision() {
    let (_tmp, dir) = project("toml-worker");
    let line = refused(&dir, &["session", "--binding", "COUNTER", "--yes"]);
    assert!(
        line.contains("wrangler.toml: binding `COUNTER` already exists"),
        "{line}"
    );
    // A var is on env too.
    let line = refused(&dir, &["session", "--binding", "GREETING", "--yes"]);
    assert!(line.contains("binding `GREETING` already exists"), "{line}");
}

#[test]
fn refuses_names_that_are_not_identifiers() {
    let (_tmp, dir) = project("c3-durable-objects");
    let line = refused(&dir, &["rate-limiter", "--class", "9Lives", "--yes"]);
    assert!(
        line.contains("--class 9Lives: not a TypeScript identifier"),
        "{line}"
    );
    let line = refused(
        &dir,
        &["rate-limiter", "--binding", "RATE-LIMITER", "--yes"],
    );
    assert!(
        line.contains("--binding RATE-LIMITER: not a TypeScript identifier"),
        "{line}"
    );
}

#[test]
fn refuses_a_config_with_both_migrations_and_exports() {
    let (_tmp, dir) = project("c3-durable-objects");
    let config = fs::read_to_string(dir.join("wrangler.jsonc")).unwrap();
    fs::write(
        dir.join("wrangler.jsonc"),
        config.replace(
            "\"observability\": {",
            "\"exports\": { \"MyDurableObject\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" } },\n\t\"observability\": {",
        ),
    )
    .unwrap();
    let line = refused(&dir, &["rate-limiter", "--yes"]);
    assert!(
        line.contains("wrangler.jsonc: declares classes with both `migrations` and `exports`"),
        "{line}"
    );
}

#[test]
fn refuses_an_entry_that_does_not_parse() {
    let (_tmp, dir) = project("c3-durable-objects");
    fs::write(dir.join("src/index.ts"), "export default { fetch( };\n").unwrap();
    let line = refused(&dir, &["rate-limiter", "--yes"]);
    assert!(
        line.starts_with("error: src/index.ts:1: does not parse"),
        "{line}"
    );
}

#[test]
fn refuses_a_config_that_does_not_parse() {
    let (_tmp, dir) = project("toml-worker");
    fs::write(dir.join("wrangler.toml"), "name = \"x\"\nmain = \n").unwrap();
    let line = refused(&dir, &["session", "--yes"]);
    assert!(line.starts_with("error: wrangler.toml:"), "{line}");
    assert!(line.contains("does not parse"), "{line}");
}

#[test]
fn refuses_a_directory_without_a_config() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("index.ts"), "export default {};\n").unwrap();
    let line = refused(tmp.path(), &["session", "--yes"]);
    assert!(
        line.contains("no wrangler.jsonc, wrangler.json or wrangler.toml"),
        "{line}"
    );
}

#[test]
fn refuses_to_guess_without_a_terminal() {
    let (_tmp, dir) = project("c3-durable-objects");
    let line = refused(&dir, &["rate-limiter"]);
    assert!(
        line.contains("no terminal to ask the questions on; pass --yes"),
        "{line}"
    );
}

#[test]
fn refuses_an_unknown_pattern_and_a_missing_one() {
    let (_tmp, dir) = project("c3-durable-objects");
    let line = refused(&dir, &["rate-limitr", "--yes"]);
    assert!(
        line.contains("unknown pattern rate-limitr; the patterns are `chat`"),
        "{line}"
    );
    let line = refused(&dir, &["--yes"]);
    assert!(line.contains("no pattern given"), "{line}");
}
