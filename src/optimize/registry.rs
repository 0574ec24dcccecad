//! The one table that assigns codes to rules, and everything keyed by code:
//! selection (`--select DO2`, `--ignore DO707`), the scale adjustment of
//! severities, and the order findings are shown in for each priority.
//!
//! Adding a rule: write `rules/<rule_name>.rs`, add `pub mod <rule_name>;` to
//! `rules/mod.rs`, and one line below.

use super::answers::{Priority, Scale};
use super::finding::Severity;
use super::rules::{self, Rule};
use crate::input_error;

/// A rule with its code.
pub struct Registered {
    pub code: &'static str,
    pub rule: &'static Rule,
}

/// Every rule, by code. Codes never change meaning; retired codes stay out.
#[rustfmt::skip]
pub static RULES: &[Registered] = &[
    Registered { code: "DO101", rule: &rules::heavy_block_concurrency::RULE },
    Registered { code: "DO102", rule: &rules::async_work_in_constructor::RULE },
    Registered { code: "DO103", rule: &rules::schema_setup_every_request::RULE },
    Registered { code: "DO104", rule: &rules::block_concurrency_per_request::RULE },
    Registered { code: "DO201", rule: &rules::missing_index::RULE },
    Registered { code: "DO202", rule: &rules::query_in_loop::RULE },
    Registered { code: "DO203", rule: &rules::sql_string_interpolation::RULE },
    Registered { code: "DO204", rule: &rules::unbounded_select::RULE },
    Registered { code: "DO205", rule: &rules::awaited_sync_sql::RULE },
    Registered { code: "DO206", rule: &rules::cursor_rows_property::RULE },
    Registered { code: "DO207", rule: &rules::unsupported_sqlite_syntax::RULE },
    Registered { code: "DO208", rule: &rules::writes_without_transaction::RULE },
    Registered { code: "DO209", rule: &rules::cursor_across_await::RULE },
    Registered { code: "DO210", rule: &rules::manual_transaction_sql::RULE },
    Registered { code: "DO211", rule: &rules::pragma_user_version::RULE },
    Registered { code: "DO212", rule: &rules::too_many_bound_parameters::RULE },
    Registered { code: "DO301", rule: &rules::websocket_without_hibernation::RULE },
    Registered { code: "DO302", rule: &rules::timer_in_durable_object::RULE },
    Registered { code: "DO303", rule: &rules::slow_websocket_handler::RULE },
    Registered { code: "DO304", rule: &rules::socket_state_in_memory::RULE },
    Registered { code: "DO305", rule: &rules::unknown_lifecycle_handler::RULE },
    Registered { code: "DO306", rule: &rules::missing_auto_response::RULE },
    Registered { code: "DO307", rule: &rules::close_not_reciprocated::RULE },
    Registered { code: "DO308", rule: &rules::large_attachment::RULE },
    Registered { code: "DO401", rule: &rules::unbounded_collection::RULE },
    Registered { code: "DO402", rule: &rules::load_everything::RULE },
    Registered { code: "DO501", rule: &rules::alarm_without_handler::RULE },
    Registered { code: "DO502", rule: &rules::alarm_overwrite::RULE },
    Registered { code: "DO503", rule: &rules::alarm_not_idempotent::RULE },
    Registered { code: "DO504", rule: &rules::handler_never_scheduled::RULE },
    Registered { code: "DO601", rule: &rules::state_only_in_memory::RULE },
    Registered { code: "DO602", rule: &rules::unique_id_per_request::RULE },
    Registered { code: "DO603", rule: &rules::global_singleton_hotspot::RULE },
    Registered { code: "DO604", rule: &rules::blocking_loop::RULE },
    Registered { code: "DO605", rule: &rules::floating_stub_call::RULE },
    Registered { code: "DO606", rule: &rules::fetch_instead_of_rpc::RULE },
    Registered { code: "DO607", rule: &rules::stub_retry_ignores_error::RULE },
    Registered { code: "DO701", rule: &rules::class_without_migration::RULE },
    Registered { code: "DO702", rule: &rules::sql_on_kv_backed_class::RULE },
    Registered { code: "DO703", rule: &rules::binding_class_not_exported::RULE },
    Registered { code: "DO704", rule: &rules::migration_tag_problem::RULE },
    Registered { code: "DO705", rule: &rules::rpc_needs_compat_date::RULE },
    Registered { code: "DO706", rule: &rules::exported_class_unbound::RULE },
    Registered { code: "DO707", rule: &rules::kv_backend_for_new_class::RULE },
    Registered { code: "DO708", rule: &rules::migrations_and_exports::RULE },
    Registered { code: "DO709", rule: &rules::deleted_class_still_bound::RULE },
    Registered { code: "DO801", rule: &rules::untrusted_object_name::RULE },
];

/// The rule with this code (case-insensitive).
pub fn lookup(code: &str) -> Option<&'static Registered> {
    RULES
        .iter()
        .find(|registered| registered.code.eq_ignore_ascii_case(code))
}

/// Which codes run: `--select` prefixes (default all) minus `--ignore`
/// prefixes. `DO2` selects DO201…DO211; `DO201` selects one rule. It also
/// says whether test code is analyzed (`--include-tests`; off by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
    include_tests: bool,
}

impl Selection {
    /// Parse comma-separated code prefixes; an unknown prefix is an input
    /// error naming it.
    pub fn parse(select: Option<&str>, ignore: Option<&str>) -> anyhow::Result<Self> {
        Ok(Selection {
            select: split_codes(select, "--select")?,
            ignore: split_codes(ignore, "--ignore")?,
            include_tests: false,
        })
    }

    /// Analyze test code too (`--include-tests`).
    pub fn with_tests(mut self, include: bool) -> Self {
        self.include_tests = include;
        self
    }

    /// Whether test code is analyzed.
    pub fn includes_tests(&self) -> bool {
        self.include_tests
    }

    pub fn includes(&self, code: &str) -> bool {
        let matches = |prefix: &String| code.starts_with(prefix.as_str());
        (self.select.is_empty() || self.select.iter().any(matches))
            && !self.ignore.iter().any(matches)
    }
}

fn split_codes(list: Option<&str>, flag: &str) -> anyhow::Result<Vec<String>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let mut codes = Vec::new();
    for code in list
        .split(',')
        .map(str::trim)
        .filter(|code| !code.is_empty())
    {
        let code = code.to_ascii_uppercase();
        if code == "ALL" {
            codes.push("DO".to_string());
            continue;
        }
        if !RULES
            .iter()
            .any(|registered| registered.code.starts_with(&code))
        {
            return Err(input_error!(
                "{flag}: `{code}` matches no rule; codes look like `DO201` or a prefix like `DO2` (see `do-wizard rules`)"
            ));
        }
        codes.push(code);
    }
    Ok(codes)
}

/// The severity a rule reports at this scale: scale-sensitive rules rise one
/// level at `medium` and `large`.
pub fn severity_at(rule: &Rule, scale: Scale) -> Severity {
    if rule.scale_sensitive && matches!(scale, Scale::Medium | Scale::Large) {
        rule.severity.raised()
    } else {
        rule.severity
    }
}

/// The group a code is ranked in, lower first. The default order (latency)
/// follows the catalog: constructor (1xx) > indexes (DO201) > hibernation
/// (3xx) > memory (4xx) > batching (DO202) > the rest. The other priorities
/// move the groups that serve them to the front:
///
/// - `throughput`: what serializes an object first — blocking loops (DO604),
///   per-request `blockConcurrencyWhile` (DO104) and hot singletons (DO603) —
///   then indexes, batching, constructor, hibernation, memory, the rest;
/// - `cost`: hibernation (3xx, billed duration) first, then batching (DO202),
///   indexes, constructor, memory, the rest;
/// - `memory`: memory (4xx) first, then hibernation, constructor, indexes,
///   batching, the rest.
pub fn rank(code: &str, priority: Priority) -> u8 {
    #[derive(Clone, Copy, PartialEq)]
    enum Group {
        Constructor,
        Index,
        Hibernation,
        Memory,
        Batching,
        Serialization,
        Rest,
    }
    let group = match code {
        "DO604" | "DO104" | "DO603" if priority == Priority::Throughput => Group::Serialization,
        "DO201" => Group::Index,
        "DO202" => Group::Batching,
        _ if code.starts_with("DO1") => Group::Constructor,
        _ if code.starts_with("DO3") => Group::Hibernation,
        _ if code.starts_with("DO4") => Group::Memory,
        _ => Group::Rest,
    };
    let order: &[Group] = match priority {
        Priority::Latency => &[
            Group::Constructor,
            Group::Index,
            Group::Hibernation,
            Group::Memory,
            Group::Batching,
        ],
        Priority::Throughput => &[
            Group::Serialization,
            Group::Index,
            Group::Batching,
            Group::Constructor,
            Group::Hibernation,
            Group::Memory,
        ],
        Priority::Cost => &[
            Group::Hibernation,
            Group::Batching,
            Group::Index,
            Group::Constructor,
            Group::Memory,
        ],
        Priority::Memory => &[
            Group::Memory,
            Group::Hibernation,
            Group::Constructor,
            Group::Index,
            Group::Batching,
        ],
    };
    order
        .iter()
        .position(|candidate| *candidate == group)
        .unwrap_or(order.len()) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut codes: Vec<_> = RULES.iter().map(|registered| registered.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len());
        for registered in RULES {
            assert!(registered.code.len() == 5 && registered.code.starts_with("DO"));
            assert!(
                registered
                    .rule
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                registered.rule.name
            );
        }
    }

    #[test]
    fn every_rule_documents_what_and_why() {
        for registered in RULES {
            let docs = registered.rule.docs();
            assert!(
                docs.contains("**What it does**"),
                "{} lacks What it does",
                registered.code
            );
            assert!(
                docs.contains("**Why is this bad?**"),
                "{} lacks Why is this bad?",
                registered.code
            );
        }
    }

    #[test]
    fn selection_by_prefix() {
        let selection = Selection::parse(Some("DO2"), Some("DO205")).unwrap();
        assert!(selection.includes("DO201"));
        assert!(!selection.includes("DO205"));
        assert!(Selection::parse(Some("DO9"), None).is_err());
    }

    #[test]
    fn default_rank_follows_the_catalog() {
        let latency = |code| rank(code, Priority::Latency);
        assert!(latency("DO101") < latency("DO201"));
        assert!(latency("DO201") < latency("DO301"));
        assert!(latency("DO301") < latency("DO401"));
        assert!(latency("DO401") < latency("DO202"));
        assert!(latency("DO202") < latency("DO701"));
        assert!(rank("DO401", Priority::Memory) < rank("DO101", Priority::Memory));
        assert!(rank("DO604", Priority::Throughput) < rank("DO201", Priority::Throughput));
    }
}
