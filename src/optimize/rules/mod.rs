//! The rules: one file per rule, named after it. Each file holds, in order,
//! the rule declared with `declare_rule!` (its documentation as doc
//! comments, printed by `do-wizard explain`, then its metadata), its check,
//! and small inline tests. Codes are assigned only in
//! [`crate::optimize::registry`]; a rule that needs its own code (to read
//! suppression comments itself) gets it from its context. This directory
//! holds rules and nothing else: no rule imports another, and helpers shared
//! by rules live in [`crate::optimize::model`].
//!
//! A rule checks either one file at a time ([`Check::File`], with the file's
//! AST and [`FileModel`]) or the whole project once ([`Check::Project`], with
//! the wrangler configs and every file's owned facts). It reports
//! [`Violation`]s into a [`Report`]; the runner stamps the code, severity and
//! position, applies suppression comments, and sorts.

use std::path::{Path, PathBuf};

use oxc_span::Span;

use super::answers::OptimizeAnswers;
use super::finding::{Applicability, Area, Fix, Severity};
use super::model::project::ProjectModel;
use super::model::{FileModel, ProjectHints};
use crate::text::{Edit, TextRange};

/// Declare a rule: its documentation as `///` comments (Markdown, with the
/// headings `**What it does**`, `**Why is this bad?**`, …), then its
/// metadata. The docs are captured as `#[doc]` attributes and joined into
/// [`Rule::doc_comment`], after oxlint's `declare_oxc_lint!` and ruff's
/// `ViolationMetadata`; the code is given only by the registry.
///
/// ```ignore
/// declare_rule! {
///     /// **What it does**
///     ///
///     /// Reports …
///     pub static RULE = Rule {
///         name: "query-in-loop",
///         area: Area::Queries,
///         severity: Severity::Warning,
///         scale_sensitive: true,
///         fix: FixAvailability::None,
///         summary: "…",
///         check: Check::File(check),
///     };
/// }
/// ```
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static RULE = Rule { $($field:ident : $value:expr),* $(,)? };
    ) => {
        pub static RULE: Rule = Rule {
            doc_comment: concat!($($doc, "\n"),*),
            $($field: $value),*
        };
    };
}

pub mod alarm_not_idempotent;
pub mod alarm_overwrite;
pub mod alarm_without_handler;
pub mod async_work_in_constructor;
pub mod awaited_sync_sql;
pub mod binding_class_not_exported;
pub mod block_concurrency_per_request;
pub mod blocking_loop;
pub mod class_without_migration;
pub mod close_not_reciprocated;
pub mod cursor_across_await;
pub mod cursor_rows_property;
pub mod deleted_class_still_bound;
pub mod exported_class_unbound;
pub mod fetch_instead_of_rpc;
pub mod floating_stub_call;
pub mod global_singleton_hotspot;
pub mod handler_never_scheduled;
pub mod heavy_block_concurrency;
pub mod kv_backend_for_new_class;
pub mod large_attachment;
pub mod load_everything;
pub mod manual_transaction_sql;
pub mod migration_tag_problem;
pub mod migrations_and_exports;
pub mod missing_auto_response;
pub mod missing_index;
pub mod pragma_user_version;
pub mod query_in_loop;
pub mod rpc_needs_compat_date;
pub mod schema_setup_every_request;
pub mod slow_websocket_handler;
pub mod socket_state_in_memory;
pub mod sql_on_kv_backed_class;
pub mod sql_string_interpolation;
pub mod state_only_in_memory;
pub mod stub_retry_ignores_error;
pub mod timer_in_durable_object;
pub mod too_many_bound_parameters;
pub mod unbounded_collection;
pub mod unbounded_select;
pub mod unique_id_per_request;
pub mod unknown_lifecycle_handler;
pub mod unsupported_sqlite_syntax;
pub mod untrusted_object_name;
pub mod websocket_without_hibernation;
pub mod writes_without_transaction;

/// Whether a rule can offer a machine-applicable fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    /// Sometimes (only for some shapes of the problem).
    Sometimes,
    Always,
}

/// A rule's check.
#[derive(Clone, Copy)]
pub enum Check {
    File(fn(&FileContext<'_, '_>, &mut Report)),
    Project(fn(&ProjectContext<'_>, &mut Report)),
}

/// A rule: metadata, documentation and check. The code lives in the registry.
pub struct Rule {
    /// Kebab-case, describing the pattern (`query-in-loop`).
    pub name: &'static str,
    pub area: Area,
    pub severity: Severity,
    /// Rises one level at scale `medium` and `large`.
    pub scale_sensitive: bool,
    pub fix: FixAvailability,
    /// One line for `do-wizard rules` and SARIF `shortDescription`.
    pub summary: &'static str,
    /// The rule's `///` comments as `declare_rule!` captured them: one
    /// line each, still led by the space after `///`. Read through
    /// [`Rule::docs`].
    pub doc_comment: &'static str,
    pub check: Check,
}

impl Rule {
    /// The documentation, Markdown: `**What it does**`, `**Why is this
    /// bad?**`, … (the doc comments without the space after `///`).
    pub fn docs(&self) -> String {
        self.doc_comment
            .split_inclusive('\n')
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect()
    }
}

/// What a file rule sees.
pub struct FileContext<'m, 'a> {
    /// Relative to the scanned root.
    pub path: &'m Path,
    pub model: &'m FileModel<'a>,
    pub answers: &'m OptimizeAnswers,
    pub hints: &'m ProjectHints,
    /// The code the registry gave the rule being run (for rules that check
    /// suppression comments themselves).
    pub code: &'static str,
}

impl<'a> FileContext<'_, 'a> {
    /// The source text of a span.
    pub fn text(&self, span: Span) -> &'a str {
        self.model.text(span)
    }

    /// Whether this file is JavaScript (no type annotations may be written).
    pub fn is_javascript(&self) -> bool {
        self.path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| matches!(ext, "js" | "mjs" | "cjs" | "jsx"))
    }
}

/// What a project rule sees.
pub struct ProjectContext<'m> {
    pub project: &'m ProjectModel,
    pub answers: &'m OptimizeAnswers,
    /// The code the registry gave the rule being run (for rules that check
    /// suppression comments themselves, e.g. to leave a suppressed class out
    /// of a shared fix). Rules never look their code up in the registry.
    pub code: &'static str,
}

/// A problem a rule found, before the runner turns it into a finding.
#[derive(Debug, Clone)]
pub struct Violation {
    /// `None`: the file being checked (file rules). Project rules name it.
    pub file: Option<PathBuf>,
    pub range: TextRange,
    pub message: String,
    pub fix: Option<String>,
    pub effect: String,
    pub edits: Option<(Vec<Edit>, Applicability)>,
    /// The class the finding is about: dropped if the project model finds it
    /// is not a Durable Object class after all (inherited across files).
    pub class: Option<String>,
}

impl Violation {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Self::at(
            TextRange::new(span.start as usize, span.end as usize),
            message,
        )
    }

    pub fn at(range: TextRange, message: impl Into<String>) -> Self {
        Violation {
            file: None,
            range,
            message: message.into(),
            fix: None,
            effect: String::new(),
            edits: None,
            class: None,
        }
    }

    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn effect(mut self, effect: impl Into<String>) -> Self {
        self.effect = effect.into();
        self
    }

    pub fn edits(mut self, edits: Vec<Edit>, applicability: Applicability) -> Self {
        self.edits = Some((edits, applicability));
        self
    }

    pub fn class(mut self, class: Option<&str>) -> Self {
        self.class = class.map(str::to_owned);
        self
    }
}

/// Where rules put their violations.
#[derive(Debug, Default)]
pub struct Report {
    pub violations: Vec<Violation>,
}

impl Report {
    pub fn push(&mut self, violation: Violation) {
        self.violations.push(violation);
    }
}

/// Build a [`Fix`] for a file.
pub fn fix_for(file: &Path, edits: Vec<Edit>, applicability: Applicability) -> Fix {
    Fix {
        file: file.to_path_buf(),
        edits,
        applicability,
    }
}

/// Test helpers shared by the rules' inline tests, on the in-memory
/// [`crate::optimize::tester`] (nothing is written to disk).
#[cfg(test)]
pub(crate) mod testing {
    use crate::optimize::tester::Tester;

    /// Analyze one in-memory TypeScript file (`index.ts`, plus an optional
    /// `wrangler.jsonc`) and return `CODE:line` for each finding of `code`.
    pub fn findings(code: &str, source: &str, config: Option<&str>) -> Vec<String> {
        let mut tester = Tester::new(code).source(source);
        if let Some(config) = config {
            tester = tester.config(config);
        }
        tester
            .run()
            .findings
            .iter()
            .map(|finding| format!("{}:{}", finding.code, finding.start.line))
            .collect()
    }

    /// Assert every `fail` source fires `code` and every `pass` source does not.
    pub fn assert_rule(code: &str, pass: &[&str], fail: &[&str], config: Option<&str>) {
        for source in fail {
            assert!(
                !findings(code, source, config).is_empty(),
                "{code} should fire on:\n{source}"
            );
        }
        for source in pass {
            let found = findings(code, source, config);
            assert!(
                found.is_empty(),
                "{code} should stay quiet ({found:?}) on:\n{source}"
            );
        }
    }
}
