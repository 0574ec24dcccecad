//! The patterns `new` can generate, as one table.
//!
//! Everything that differs between patterns and is not code (names, the
//! binding, the module file, which backends it supports, what the seeds say
//! about it) lives here; the code lives in `templates/patterns/<id>/`.

/// A pattern's identity; the order is the canonical order of generated files,
/// bindings and routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatternId {
    Chat,
    RateLimiter,
    Session,
    Analytics,
    LeaderElection,
}

/// What the table knows about a pattern.
#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    pub id: PatternId,
    /// The answers-file value and template folder, e.g. `rate-limiter`.
    pub slug: &'static str,
    /// The Durable Object class, e.g. `RateLimiter`.
    pub class_name: &'static str,
    /// The binding on `env`, e.g. `RATE_LIMITER`.
    pub binding: &'static str,
    /// The file stem under `src/` and `test/`.
    pub module: &'static str,
    pub title: &'static str,
    /// Whether the class has a variant for the key-value storage backend.
    pub supports_kv: bool,
    /// The routes the Worker serves for it (for the README and the review).
    pub routes: &'static [&'static str],
    /// The seeds' "when / storage / queries" line for it.
    pub fits: &'static str,
}

pub const PATTERNS: [Pattern; 5] = [
    Pattern {
        id: PatternId::Chat,
        slug: "chat",
        class_name: "ChatRoom",
        binding: "CHAT_ROOM",
        module: "chat",
        title: "Chat room (WebSocket hibernation)",
        supports_kv: false,
        routes: &[
            "GET /chat/:room (WebSocket)",
            "GET /chat/:room/messages?limit=N",
        ],
        fits: "real-time communication at medium to large scale; connection state ephemeral, messages permanent; basic filtering",
    },
    Pattern {
        id: PatternId::RateLimiter,
        slug: "rate-limiter",
        class_name: "RateLimiter",
        binding: "RATE_LIMITER",
        module: "rate-limiter",
        title: "Rate limiter (sliding window)",
        supports_kv: true,
        routes: &["POST /limit/:key"],
        fits: "rate limiting at any scale; session-based records cleaned up by alarms; simple key-value",
    },
    Pattern {
        id: PatternId::Session,
        slug: "session",
        class_name: "UserSession",
        binding: "USER_SESSION",
        module: "session",
        title: "User session (TTL expiry)",
        supports_kv: false,
        routes: &[
            "POST /session",
            "PUT /session/:id",
            "GET /session/:id",
            "POST /session/:id/cart",
            "DELETE /session/:id",
        ],
        fits: "per-user state at any scale; session-based with TTL cleanup; basic filtering",
    },
    Pattern {
        id: PatternId::Analytics,
        slug: "analytics",
        class_name: "Analytics",
        binding: "ANALYTICS",
        module: "analytics",
        title: "Analytics (counters and time buckets)",
        supports_kv: false,
        routes: &[
            "POST /metrics/:name",
            "GET /metrics/:name",
            "GET /metrics/:name/series?from=&to=&bucket=",
        ],
        fits: "data aggregation at any scale; permanent; basic filtering with time buckets",
    },
    Pattern {
        id: PatternId::LeaderElection,
        slug: "leader-election",
        class_name: "LeaderElection",
        binding: "LEADER_ELECTION",
        module: "leader-election",
        title: "Leader election (expiring lease)",
        supports_kv: true,
        routes: &[
            "POST /leader/:group/elect",
            "POST /leader/:group/heartbeat",
            "GET /leader/:group",
            "POST /leader/:group/release",
        ],
        fits: "state coordination at small to medium scale; the lease kept in storage so it survives eviction; simple key-value",
    },
];

impl PatternId {
    pub const ALL: [PatternId; 5] = [
        PatternId::Chat,
        PatternId::RateLimiter,
        PatternId::Session,
        PatternId::Analytics,
        PatternId::LeaderElection,
    ];

    pub fn info(self) -> &'static Pattern {
        &PATTERNS[self as usize]
    }

    pub fn slug(self) -> &'static str {
        self.info().slug
    }

    pub fn from_slug(slug: &str) -> Option<PatternId> {
        PATTERNS
            .iter()
            .find(|pattern| pattern.slug == slug)
            .map(|pattern| pattern.id)
    }
}

/// A combination the seeds recommend, offered first among the companions.
#[derive(Debug, Clone, Copy)]
pub struct Combination {
    pub patterns: [PatternId; 2],
    pub name: &'static str,
    pub why: &'static str,
    /// How each member is labelled when offered as the other's companion.
    pub labels: [&'static str; 2],
}

impl Combination {
    /// The companion label of `member` (one of `patterns`).
    pub fn label_of(&self, member: PatternId) -> &'static str {
        if member == self.patterns[0] {
            self.labels[0]
        } else {
            self.labels[1]
        }
    }
}

pub const COMBINATIONS: [Combination; 3] = [
    Combination {
        patterns: [PatternId::Chat, PatternId::RateLimiter],
        name: "spam prevention",
        why: "limit how fast each sender may post into a room",
        labels: [
            "Chat room — spam prevention",
            "Rate limiter — spam prevention",
        ],
    },
    Combination {
        patterns: [PatternId::Session, PatternId::Analytics],
        name: "behaviour tracking",
        why: "count what users do while their session holds their state",
        labels: [
            "User session — behaviour tracking",
            "Analytics — behaviour tracking",
        ],
    },
    Combination {
        patterns: [PatternId::RateLimiter, PatternId::Analytics],
        name: "temporary counters",
        why: "counters that expire on their own (with session or ephemeral persistence), cleaned up by alarms",
        labels: [
            "Rate limiter — temporary counters",
            "Analytics — temporary counters",
        ],
    },
];

/// The seed combination that pairs `primary` with `companion`, if any.
pub fn combination(primary: PatternId, companion: PatternId) -> Option<&'static Combination> {
    COMBINATIONS.iter().find(|combination| {
        combination.patterns.contains(&primary) && combination.patterns.contains(&companion)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_id() {
        for id in PatternId::ALL {
            assert_eq!(id.info().id, id);
            assert_eq!(PatternId::from_slug(id.slug()), Some(id));
        }
    }
}
