//! The recommendation engine: validated answers in, a recommendation out.
//!
//! Pure and total: every combination of use case × scale × persistence ×
//! queries yields a recommendation (tested exhaustively below). Every reason
//! names the answer it follows from, so the review screen and the generated
//! README can say *why*.

pub mod patterns;

pub use patterns::{COMBINATIONS, Combination, Pattern, PatternId, registry};

/// The compatibility date generated projects get unless the answers say
/// otherwise: recent enough for RPC, `getByName` and SQLite-backed objects,
/// and supported by the workerd that the pinned wrangler bundles.
pub const DEFAULT_COMPATIBILITY_DATE: &str = "2026-11-01";

/// How many objects a hot metric's writes are spread over at scale `large`.
pub const SHARDS: u32 = 8;

macro_rules! answer_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $value:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The answers-file value.
            pub fn value(self) -> &'static str {
                match self { $($name::$variant => $value),* }
            }

            pub fn from_value(value: &str) -> Option<Self> {
                match value { $($value => Some($name::$variant),)* _ => None }
            }
        }
    };
}

/// Answer to `use_case`: the `[use_case]` of one pattern's manifest, so
/// each option points at exactly one pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UseCase(PatternId);

impl UseCase {
    /// Every option, in the patterns' canonical order.
    pub fn all() -> Vec<UseCase> {
        PatternId::all().into_iter().map(UseCase).collect()
    }

    /// The answers-file value.
    pub fn value(self) -> &'static str {
        &self.0.info().use_case.value
    }

    pub fn from_value(value: &str) -> Option<Self> {
        registry().by_use_case(value).map(UseCase)
    }

    /// The label the `use_case` question shows for this answer.
    pub fn label(self) -> &'static str {
        &self.0.info().use_case.label
    }

    /// The one-line description of the option.
    pub fn description(self) -> &'static str {
        &self.0.info().use_case.description
    }
}
answer_enum!(
    /// Answer to `scale`.
    Scale { Dev = "dev", Small = "small", Medium = "medium", Large = "large" }
);
answer_enum!(
    /// Answer to `persistence`.
    Persistence {
        Ephemeral = "ephemeral",
        Session = "session",
        Permanent = "permanent",
        Hybrid = "hybrid",
    }
);
answer_enum!(
    /// Answer to `queries`.
    Queries { KeyValue = "key-value", Filtering = "filtering", Complex = "complex" }
);
answer_enum!(
    /// The storage API of the classes that can choose one. Both are
    /// SQLite-backed classes: `sqlite` uses the SQL API, `kv` the synchronous
    /// key-value API (`ctx.storage.kv`). The legacy key-value backend is
    /// never generated.
    Storage { Sqlite = "sqlite", Kv = "kv" }
);
answer_enum!(
    /// How `wrangler.jsonc` declares the classes: the declarative `exports`
    /// map (wrangler 4.107+), or a tagged `migrations` array for older toolchains.
    ConfigStyle { Exports = "exports", Migrations = "migrations" }
);

/// The four answers the recommendation is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirements {
    pub use_case: UseCase,
    pub scale: Scale,
    pub persistence: Persistence,
    pub queries: Queries,
}

/// What the user chose on top of the recommendation (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `pattern`: a primary pattern other than the recommended one.
    pub pattern: Option<PatternId>,
    /// `storage`: the backend, when one is offered.
    pub storage: Option<Storage>,
    /// `patterns`: companion patterns.
    pub companions: Vec<PatternId>,
}

/// Sharding of object ids at scale `large`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharding {
    pub shards: u32,
}

/// Why something was chosen, and which answer it follows from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The question id the reason follows from.
    pub answer: &'static str,
    pub text: String,
}

/// The outcome: what will be generated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// The pattern the answers point at (or the one forced with `pattern`).
    pub primary: PatternId,
    /// The pattern the four answers recommend, before any `pattern` override.
    pub recommended: PatternId,
    /// Chosen companions, in canonical order, without the primary.
    pub companions: Vec<PatternId>,
    /// Backend of the classes that support a choice; the others use SQLite.
    pub storage: Storage,
    /// Whether the key-value backend is offered at all for these answers.
    pub kv_offered: bool,
    pub sharding: Option<Sharding>,
    /// Whether analytics points expire (temporary counters).
    pub analytics_ttl: bool,
    pub reasons: Vec<Reason>,
}

impl Recommendation {
    /// Every generated pattern, primary and companions, in canonical order.
    pub fn patterns(&self) -> Vec<PatternId> {
        let mut all = vec![self.primary];
        all.extend(self.companions.iter().copied());
        all.sort();
        all.dedup();
        all
    }

    /// The sharding the generated code applies: only analytics shards (a
    /// metric's writes); rooms, keys, sessions and groups are one object per
    /// name already.
    pub fn metric_sharding(&self) -> Option<Sharding> {
        self.sharding.filter(|_| self.has_named("analytics"))
    }

    pub fn has(&self, pattern: PatternId) -> bool {
        self.primary == pattern || self.companions.contains(&pattern)
    }

    /// Whether the pattern with this id is generated.
    pub fn has_named(&self, slug: &str) -> bool {
        self.patterns().into_iter().any(|pattern| pattern.is(slug))
    }

    /// The backend one class is created with.
    pub fn storage_of(&self, pattern: PatternId) -> Storage {
        if pattern.info().supports_kv() {
            self.storage
        } else {
            Storage::Sqlite
        }
    }
}

/// The pattern each use case points at.
pub fn pattern_for(use_case: UseCase) -> PatternId {
    use_case.0
}

/// Companions offered after the recommendation: the seeds' combinations for
/// this primary first, then the remaining patterns.
pub fn companion_order(primary: PatternId) -> Vec<PatternId> {
    let mut suggested: Vec<PatternId> = PatternId::all()
        .into_iter()
        .filter(|other| *other != primary && patterns::combination(primary, *other).is_some())
        .collect();
    let rest: Vec<PatternId> = PatternId::all()
        .into_iter()
        .filter(|other| *other != primary && !suggested.contains(other))
        .collect();
    suggested.extend(rest);
    suggested
}

/// Whether the key-value backend may be chosen: only for simple key-value
/// queries, and only when the primary pattern has a key-value variant.
pub fn kv_offered(requirements: &Requirements, primary: PatternId) -> bool {
    requirements.queries == Queries::KeyValue && primary.info().supports_kv()
}

/// Make the recommendation. Fails (with a message naming the answer) only when
/// an override asks for something that is not offered.
pub fn recommend(
    requirements: &Requirements,
    overrides: &Overrides,
) -> Result<Recommendation, (&'static str, String)> {
    let recommended = pattern_for(requirements.use_case);
    let primary = overrides.pattern.unwrap_or(recommended);
    let kv_offered = kv_offered(requirements, primary);
    let storage = match overrides.storage {
        Some(Storage::Kv) if !kv_offered => {
            let why = if requirements.queries != Queries::KeyValue {
                format!(
                    "`kv` is offered only when `queries` is `key-value` (it is `{}`); use `sqlite`",
                    requirements.queries.value()
                )
            } else {
                let with_kv: Vec<&str> = PatternId::all()
                    .into_iter()
                    .filter(|pattern| pattern.info().supports_kv())
                    .map(PatternId::slug)
                    .collect();
                format!(
                    "`kv` is offered only for the {} patterns, not {}; use `sqlite`",
                    join_and(&with_kv),
                    primary.slug()
                )
            };
            return Err(("storage", why));
        }
        Some(storage) => storage,
        None => Storage::Sqlite,
    };
    let mut companions: Vec<PatternId> = overrides
        .companions
        .iter()
        .copied()
        .filter(|companion| *companion != primary)
        .collect();
    companions.sort();
    companions.dedup();

    let mut recommendation = Recommendation {
        primary,
        recommended,
        companions,
        storage,
        kv_offered,
        sharding: (requirements.scale == Scale::Large).then_some(Sharding { shards: SHARDS }),
        analytics_ttl: false,
        reasons: Vec::new(),
    };
    recommendation.analytics_ttl = recommendation.has_named("analytics")
        && matches!(
            requirements.persistence,
            Persistence::Session | Persistence::Ephemeral
        );
    recommendation.reasons = reasons(requirements, overrides, &recommendation);
    Ok(recommendation)
}

fn reasons(
    requirements: &Requirements,
    overrides: &Overrides,
    recommendation: &Recommendation,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let mut add = |answer: &'static str, text: String| reasons.push(Reason { answer, text });
    let primary = recommendation.primary;
    let info = primary.info();

    // use_case (or the override).
    let use_case_label = requirements.use_case.label();
    if overrides
        .pattern
        .is_some_and(|pattern| pattern != recommendation.recommended)
    {
        add(
            "pattern",
            format!(
                "You chose {} ({}) instead of the recommended {} for {}.",
                info.title,
                info.class_name,
                recommendation.recommended.info().title,
                use_case_label.to_lowercase()
            ),
        );
    } else {
        add(
            "use_case",
            format!(
                "{use_case_label} points to {} ({}): it fits {}.",
                info.title, info.class_name, info.fits
            ),
        );
    }

    // scale.
    let scale = requirements.scale;
    let text = match (scale, primary.slug()) {
        (Scale::Large, _) if recommendation.has_named("analytics") => format!(
            "Large scale: one object serves about 1,000 requests/s, so the Worker spreads each metric's writes over {SHARDS} objects (idFromName(`${{name}}:${{shard}}`)) and sums reads across them; rooms, keys, sessions and groups are already one object each."
        ),
        (Scale::Large, "leader-election") => "Large scale: leader election fits small to medium scale; keep each group's traffic (elections and heartbeats) well under ~1,000 requests/s, and prefer many small groups over one big one.".to_string(),
        (Scale::Dev | Scale::Small, "chat") => "Chat fits medium to large scale best, and works the same at small scale: hibernation keeps idle rooms free of duration charges.".to_string(),
        (Scale::Large, "sharded-counter") => "Large scale: one object serves about 1,000 requests/s, so each counter is spread over COUNTER_SHARDS objects (default 8, idFromName(`${name}:${shard}`)): an increment goes to one of them at random, a read adds them all up in parallel.".to_string(),
        (Scale::Dev | Scale::Small | Scale::Medium, "sharded-counter") => format!(
            "{} scale: a counter below ~1,000 writes/s fits in one object, so the analytics pattern's plain counter (one object per metric) would do as well; the sharded counter works the same with fewer shards (set COUNTER_SHARDS to 1 for one object per counter) and takes hot counters later by raising it.",
            capitalize(scale.value())
        ),
        // A scale outside the manifest's `[recommend] scales` (dev always
        // fits: it is for testing).
        (Scale::Small | Scale::Medium | Scale::Large, _)
            if !info.recommend.scales.iter().any(|fits| fits == scale.value()) =>
        {
            let scales: Vec<&str> = info.recommend.scales.iter().map(String::as_str).collect();
            format!(
                "{} scale: {} fits {} scale best; {}",
                capitalize(scale.value()),
                info.title,
                join_and(&scales).replace(" and ", " or "),
                if scale == Scale::Large {
                    "one object serves about 1,000 requests/s, so keep any single name well under that rate."
                } else {
                    "it works the same here, one object per name."
                }
            )
        }
        (Scale::Large, _) => format!(
            "Large scale: one object serves about 1,000 requests/s; {} is already one object per name, so load spreads across objects — keep any single name under that rate.",
            info.class_name
        ),
        (Scale::Medium, "leader-election") | (Scale::Dev | Scale::Small | Scale::Medium, _) => format!(
            "{} scale: one object per name is plenty; no sharding needed.",
            capitalize(scale.value())
        ),
    };
    add("scale", text);

    // persistence.
    let text = match primary.slug() {
        "chat" => match requirements.persistence {
            Persistence::Hybrid => "Hybrid persistence: who is connected lives in WebSocket attachments (ephemeral, survives hibernation); messages live in SQLite (permanent).".to_string(),
            other => format!(
                "{} persistence: messages are still stored in SQLite so history can be paged; who is connected lives in WebSocket attachments.",
                capitalize(other.value())
            ),
        },
        "rate-limiter" => "Request records only matter for one window: an alarm deletes records older than the window, so storage stays small.".to_string(),
        "session" => "Sessions expire after SESSION_TTL_SECONDS; every write renews the TTL and an alarm deletes expired sessions.".to_string(),
        "analytics" if recommendation.analytics_ttl => format!(
            "{} persistence: metric points expire after METRICS_TTL_SECONDS and an alarm deletes them (temporary counters).",
            capitalize(requirements.persistence.value())
        ),
        "analytics" => "Metric points are kept until deleted (permanent), indexed by metric and time.".to_string(),
        "leader-election" => "The lease is kept in storage, not only in memory, so it survives eviction and restarts; it expires after LEASE_SECONDS without a heartbeat.".to_string(),
        // A pattern without a row of its own: its manifest's reason.
        _ => format!(
            "{} persistence: {}",
            capitalize(requirements.persistence.value()),
            info.recommend.why
        ),
    };
    add("persistence", text);
    if !primary.is("analytics") && recommendation.analytics_ttl {
        add(
            "persistence",
            format!(
                "{} persistence: analytics points expire after METRICS_TTL_SECONDS and an alarm deletes them (temporary counters).",
                capitalize(requirements.persistence.value())
            ),
        );
    }

    // queries → storage.
    let text = match (requirements.queries, recommendation.storage) {
        (_, Storage::Kv) => format!(
            "Simple key-value queries: the key-value API (ctx.storage.kv, synchronous get/put) for {}, still a SQLite-backed class with SQL at hand.",
            recommendation
                .patterns()
                .into_iter()
                .filter(|pattern| pattern.info().supports_kv())
                .map(|pattern| pattern.info().class_name.as_str())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        (Queries::KeyValue, Storage::Sqlite) if recommendation.kv_offered => "Simple key-value queries: the SQL API of a SQLite-backed class is recommended; the synchronous key-value API (storage: kv) is offered too.".to_string(),
        (Queries::KeyValue, Storage::Sqlite) => format!(
            "Simple key-value queries: {} still needs SQL, so it uses the SQL API of a SQLite-backed class.",
            info.class_name
        ),
        (Queries::Filtering, _) => "Basic filtering and ordering: a SQLite-backed class and its SQL API, with an index for every query.".to_string(),
        (Queries::Complex, _) => "Complex queries: a SQLite-backed class; aggregations and time buckets run in SQL over indexed columns.".to_string(),
    };
    add("queries", text);

    // companions.
    for companion in &recommendation.companions {
        let text = match patterns::combination(primary, *companion) {
            Some(combination)
                if combination.name == "temporary counters" && !recommendation.analytics_ttl =>
            {
                format!(
                    "{} + {}: counts are kept, because persistence is {}; answer session or ephemeral persistence for temporary counters that expire by alarm.",
                    primary.info().class_name,
                    companion.info().class_name,
                    requirements.persistence.value()
                )
            }
            Some(combination) => format!(
                "{} + {}: {} — {}.",
                primary.info().class_name,
                companion.info().class_name,
                combination.name,
                combination.why
            ),
            None => format!(
                "{} added as a companion; the Worker serves its routes beside {}.",
                companion.info().class_name,
                primary.info().class_name
            ),
        };
        add("patterns", text);
    }
    reasons
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    /// Every use case × scale × persistence × queries, with and without each
    /// companion, gives a valid recommendation whose reasons cover every
    /// answer that shaped it.
    #[test]
    fn the_whole_answer_space_is_covered() {
        let mut count = 0;
        for use_case in UseCase::all() {
            for &scale in Scale::ALL {
                for &persistence in Persistence::ALL {
                    for &queries in Queries::ALL {
                        let requirements = Requirements {
                            use_case,
                            scale,
                            persistence,
                            queries,
                        };
                        for companion in
                            std::iter::once(None).chain(PatternId::all().into_iter().map(Some))
                        {
                            let overrides = Overrides {
                                companions: companion.into_iter().collect(),
                                ..Overrides::default()
                            };
                            let recommendation = recommend(&requirements, &overrides).unwrap();
                            count += 1;
                            assert_eq!(recommendation.primary, pattern_for(use_case));
                            assert!(!recommendation.companions.contains(&recommendation.primary));
                            for answer in ["use_case", "scale", "persistence", "queries"] {
                                assert!(
                                    recommendation
                                        .reasons
                                        .iter()
                                        .any(|reason| reason.answer == answer),
                                    "no reason for {answer} in {requirements:?}"
                                );
                            }
                            if companion.is_some_and(|c| c != recommendation.primary) {
                                assert!(
                                    recommendation
                                        .reasons
                                        .iter()
                                        .any(|r| r.answer == "patterns")
                                );
                            }
                            assert_eq!(recommendation.sharding.is_some(), scale == Scale::Large);
                            assert_eq!(recommendation.storage, Storage::Sqlite);
                            assert_eq!(
                                recommendation.kv_offered,
                                queries == Queries::KeyValue
                                    && pattern_for(use_case).info().supports_kv()
                            );
                            // Choosing kv works exactly when it is offered.
                            let with_kv = Overrides {
                                storage: Some(Storage::Kv),
                                ..overrides.clone()
                            };
                            assert_eq!(
                                recommend(&requirements, &with_kv).is_ok(),
                                recommendation.kv_offered
                            );
                        }
                    }
                }
            }
        }
        let patterns = PatternId::all().len();
        assert_eq!(
            count,
            patterns
                * Scale::ALL.len()
                * Persistence::ALL.len()
                * Queries::ALL.len()
                * (patterns + 1)
        );
    }

    #[test]
    fn seed_combinations_are_offered_first() {
        let id = PatternId::named;
        assert_eq!(companion_order(id("chat"))[0], id("rate-limiter"));
        assert_eq!(companion_order(id("session"))[0], id("analytics"));
        assert_eq!(
            companion_order(id("rate-limiter"))[..2],
            [id("chat"), id("analytics")]
        );
        assert_eq!(
            companion_order(id("leader-election")).len(),
            PatternId::all().len() - 1
        );
    }

    /// A scale a pattern's manifest does not list (dev aside) is never met
    /// with the plain "one object per name is plenty": the reason says the
    /// pattern fits other scales.
    #[test]
    fn a_scale_outside_the_manifest_is_explained() {
        for use_case in UseCase::all() {
            let info = pattern_for(use_case).info();
            for &scale in Scale::ALL {
                if scale == Scale::Dev || info.recommend.scales.iter().any(|s| s == scale.value()) {
                    continue;
                }
                let requirements = Requirements {
                    use_case,
                    scale,
                    persistence: Persistence::Permanent,
                    queries: Queries::Filtering,
                };
                let recommendation = recommend(&requirements, &Overrides::default()).unwrap();
                let reason = recommendation
                    .reasons
                    .iter()
                    .find(|reason| reason.answer == "scale")
                    .unwrap();
                assert!(
                    reason.text.contains(" fits ") && !reason.text.contains("is plenty"),
                    "{}, {}: {}",
                    info.id,
                    scale.value(),
                    reason.text
                );
            }
        }
    }

    #[test]
    fn kv_refused_with_the_reason() {
        let requirements = Requirements {
            use_case: UseCase::from_value("realtime").unwrap(),
            scale: Scale::Small,
            persistence: Persistence::Hybrid,
            queries: Queries::KeyValue,
        };
        let overrides = Overrides {
            storage: Some(Storage::Kv),
            ..Overrides::default()
        };
        let (answer, message) = recommend(&requirements, &overrides).unwrap_err();
        assert_eq!(answer, "storage");
        assert!(message.contains("not chat"), "{message}");
    }

    #[test]
    fn kv_applies_only_to_classes_that_support_it() {
        let requirements = Requirements {
            use_case: UseCase::from_value("rate-limiting").unwrap(),
            scale: Scale::Small,
            persistence: Persistence::Session,
            queries: Queries::KeyValue,
        };
        let overrides = Overrides {
            storage: Some(Storage::Kv),
            companions: vec![PatternId::named("analytics")],
            ..Overrides::default()
        };
        let recommendation = recommend(&requirements, &overrides).unwrap();
        assert_eq!(
            recommendation.storage_of(PatternId::named("rate-limiter")),
            Storage::Kv
        );
        assert_eq!(
            recommendation.storage_of(PatternId::named("analytics")),
            Storage::Sqlite
        );
        assert!(recommendation.analytics_ttl);
    }
}
