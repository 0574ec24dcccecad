//! The variables every template sees, built from the answers and the
//! recommendation. `templates/README.md` documents them for template authors.

use serde::Serialize;

use crate::flow::NewAnswers;
use std::collections::BTreeMap;

use crate::recommend::{Pattern, PatternId, Recommendation, Storage};

/// A fresh random `API_TOKEN` for the project's git-ignored `.dev.vars`:
/// 32 bytes from the operating system's generator, as 64 hex digits.
pub fn random_api_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A chosen pattern: its manifest's fields, and the storage it was given.
#[derive(Debug, Serialize)]
pub struct TemplatePattern {
    #[serde(flatten)]
    pub manifest: &'static Pattern,
    /// `"sqlite"` or `"kv"`: this class's storage API (replaces the
    /// manifest's list of supported ones).
    pub storage: &'static str,
    /// Whether the pattern ships a page (`manifest.page`), for templates
    /// that test `pattern.page` without a default.
    pub has_page: bool,
}

/// One entry of wrangler.jsonc's `vars`, its conditions already applied.
#[derive(Debug, Serialize)]
pub struct TemplateVar {
    pub name: &'static str,
    pub value: &'static str,
    /// A value to try locally (README), if the manifest gives one.
    #[serde(rename = "try")]
    pub try_value: Option<&'static str>,
    pub comment: Option<&'static str>,
    /// The pattern that declares it.
    pub pattern: &'static str,
}

/// What the chosen patterns' code and tests use.
#[derive(Debug, Serialize)]
pub struct Uses {
    pub alarms: bool,
    pub websockets: bool,
}

#[derive(Debug, Serialize)]
pub struct ShardingContext {
    pub enabled: bool,
    pub shards: u32,
}

/// The template context, serialized into tera's.
#[derive(Debug, Serialize)]
pub struct TemplateContext {
    pub project_name: String,
    pub compatibility_date: String,
    pub patterns: Vec<TemplatePattern>,
    /// Class names in the order `wrangler types` lists them (the order of
    /// the patterns: every class is SQLite-backed).
    pub durable_namespaces: Vec<&'static str>,
    /// `exports` (the declarative map) or `migrations` (a tagged array).
    pub config_style: &'static str,
    /// The random `API_TOKEN` written to `.dev.vars` (never to a committed file).
    pub api_token: String,
    /// Every known pattern's snake_case id → whether it is chosen.
    pub has: BTreeMap<&'static str, bool>,
    /// Every chosen pattern's id → `"sqlite"` or `"kv"`.
    pub pattern_storage: BTreeMap<&'static str, &'static str>,
    /// wrangler.jsonc's `vars`: the chosen patterns' `[[vars]]` in order,
    /// those whose `when`/`when_flag` holds.
    pub vars: Vec<TemplateVar>,
    /// vitest.config.ts's extra miniflare bindings, likewise.
    pub test_vars: Vec<TemplateVar>,
    /// Whether any chosen pattern ships a page under `public/`.
    pub any_page: bool,
    /// What the chosen patterns use (their manifests' `uses`).
    pub uses: Uses,
    pub storage: &'static str,
    pub sharding: ShardingContext,
    pub analytics_ttl: bool,
    pub package_manager: &'static str,
    pub pm_install: String,
    pub pm_run: &'static str,
    pub pm_exec: &'static str,
    pub reasons: Vec<String>,
    pub use_case: &'static str,
    pub scale: &'static str,
    pub persistence: &'static str,
    pub queries: &'static str,
}

impl TemplateContext {
    pub fn new(answers: &NewAnswers, recommendation: &Recommendation) -> Self {
        let chosen = recommendation.patterns();
        let patterns = chosen
            .iter()
            .map(|&pattern| {
                let info = pattern.info();
                TemplatePattern {
                    manifest: info,
                    storage: recommendation.storage_of(pattern).value(),
                    has_page: info.page.is_some(),
                }
            })
            .collect();
        let durable_namespaces = chosen
            .iter()
            .map(|pattern| pattern.info().class_name.as_str())
            .collect();
        let has = PatternId::all()
            .into_iter()
            .map(|pattern| (pattern.info().snake.as_str(), recommendation.has(pattern)))
            .collect();
        let pattern_storage = chosen
            .iter()
            .map(|&pattern| (pattern.slug(), recommendation.storage_of(pattern).value()))
            .collect();
        let flag = |name: &str| match name {
            "analytics_ttl" => recommendation.analytics_ttl,
            "sharding" => recommendation.sharding.is_some(),
            _ => false,
        };
        let holds = |when: &Option<String>, when_flag: &Option<String>| {
            when.as_deref()
                .is_none_or(|slug| recommendation.has_named(slug))
                && when_flag.as_deref().is_none_or(flag)
        };
        let mut vars = Vec::new();
        let mut test_vars = Vec::new();
        for pattern in &chosen {
            let info = pattern.info();
            for var in &info.vars {
                if holds(&var.when, &var.when_flag) {
                    vars.push(TemplateVar {
                        name: &var.name,
                        value: &var.default,
                        try_value: var.try_value.as_deref(),
                        comment: var.comment.as_deref(),
                        pattern: &info.id,
                    });
                }
            }
            for var in &info.test_vars {
                if holds(&var.when, &var.when_flag) {
                    test_vars.push(TemplateVar {
                        name: &var.name,
                        value: &var.value,
                        try_value: None,
                        comment: var.comment.as_deref(),
                        pattern: &info.id,
                    });
                }
            }
        }
        let any_page = chosen.iter().any(|pattern| pattern.info().page.is_some());
        let uses_any = |what: &str| {
            chosen
                .iter()
                .any(|pattern| pattern.info().uses.iter().any(|used| used == what))
        };
        let uses = Uses {
            // Temporary analytics counters expire by alarm.
            alarms: uses_any("alarms") || recommendation.analytics_ttl,
            websockets: uses_any("websockets"),
        };
        let package_manager = answers.package_manager;
        let requirements = &answers.requirements;
        TemplateContext {
            project_name: answers.project_name.clone(),
            compatibility_date: answers.compatibility_date.clone(),
            patterns,
            durable_namespaces,
            config_style: answers.config_style.value(),
            api_token: random_api_token(),
            has,
            pattern_storage,
            vars,
            test_vars,
            any_page,
            uses,
            storage: if recommendation
                .patterns()
                .iter()
                .any(|p| recommendation.storage_of(*p) == Storage::Kv)
            {
                Storage::Kv.value()
            } else {
                Storage::Sqlite.value()
            },
            sharding: ShardingContext {
                enabled: recommendation.sharding.is_some(),
                shards: recommendation
                    .sharding
                    .map_or(1, |sharding| sharding.shards),
            },
            analytics_ttl: recommendation.analytics_ttl,
            package_manager: package_manager.name(),
            pm_install: format!("{} install", package_manager.name()),
            pm_run: package_manager.run(),
            pm_exec: package_manager.exec(),
            reasons: recommendation
                .reasons
                .iter()
                .map(|reason| reason.text.clone())
                .collect(),
            use_case: requirements.use_case.value(),
            scale: requirements.scale.value(),
            persistence: requirements.persistence.value(),
            queries: requirements.queries.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::random_api_token;

    #[test]
    fn api_tokens_are_256_random_bits_in_hex_and_differ_per_project() {
        let first = random_api_token();
        let second = random_api_token();
        assert_eq!(first.len(), 64);
        assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }
}
