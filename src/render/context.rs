//! The variables every template sees, built from the answers and the
//! recommendation. `templates/README.md` documents them for template authors.

use serde::Serialize;

use crate::flow::NewAnswers;
use crate::recommend::{PatternId, Recommendation, Storage};

/// A fresh random `API_TOKEN` for the project's git-ignored `.dev.vars`:
/// 32 bytes from the operating system's generator, as 64 hex digits.
pub fn random_api_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[derive(Debug, Serialize)]
pub struct TemplatePattern {
    pub id: &'static str,
    pub class_name: &'static str,
    pub binding: &'static str,
    pub module: &'static str,
    pub storage: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Has {
    pub chat: bool,
    pub rate_limiter: bool,
    pub session: bool,
    pub analytics: bool,
    pub leader_election: bool,
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
    pub has: Has,
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
        let patterns = recommendation
            .patterns()
            .into_iter()
            .map(|pattern| {
                let info = pattern.info();
                TemplatePattern {
                    id: info.slug,
                    class_name: info.class_name,
                    binding: info.binding,
                    module: info.module,
                    storage: recommendation.storage_of(pattern).value(),
                }
            })
            .collect();
        let durable_namespaces = recommendation
            .patterns()
            .into_iter()
            .map(|pattern| pattern.info().class_name)
            .collect();
        let package_manager = answers.package_manager;
        let requirements = &answers.requirements;
        TemplateContext {
            project_name: answers.project_name.clone(),
            compatibility_date: answers.compatibility_date.clone(),
            patterns,
            durable_namespaces,
            config_style: answers.config_style.value(),
            api_token: random_api_token(),
            has: Has {
                chat: recommendation.has(PatternId::Chat),
                rate_limiter: recommendation.has(PatternId::RateLimiter),
                session: recommendation.has(PatternId::Session),
                analytics: recommendation.has(PatternId::Analytics),
                leader_election: recommendation.has(PatternId::LeaderElection),
            },
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
