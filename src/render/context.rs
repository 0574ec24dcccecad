//! The variables every template sees, built from the answers and the
//! recommendation. `templates/README.md` documents them for template authors.

use serde::Serialize;

use crate::flow::NewAnswers;
use crate::recommend::{PatternId, Recommendation, Storage};

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
    /// Class names in the order `wrangler types` lists them: the classes of
    /// `new_classes` (key-value) first, then those of `new_sqlite_classes`.
    pub durable_namespaces: Vec<&'static str>,
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
        let by_backend = |storage: Storage| {
            recommendation
                .patterns()
                .into_iter()
                .filter(move |pattern| recommendation.storage_of(*pattern) == storage)
                .map(|pattern| pattern.info().class_name)
        };
        let durable_namespaces = by_backend(Storage::Kv)
            .chain(by_backend(Storage::Sqlite))
            .collect();
        let package_manager = answers.package_manager;
        let requirements = &answers.requirements;
        TemplateContext {
            project_name: answers.project_name.clone(),
            compatibility_date: answers.compatibility_date.clone(),
            patterns,
            durable_namespaces,
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
