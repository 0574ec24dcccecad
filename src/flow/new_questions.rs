//! The questions of `do-wizard new`, as the `/do-patterns` wizard asks them.
//!
//! The order of [`NEW_QUESTIONS`] is the order of the interactive flow; which
//! of them are actually asked is decided by [`super::machine`].

use std::sync::LazyLock;

use super::question::{Choice, Kind, Question};
use crate::recommend::{PatternId, UseCase};

/// The `use_case` options: one per pattern, from its manifest's
/// `[use_case]`, in the patterns' canonical order.
static USE_CASE_CHOICES: LazyLock<Vec<Choice>> = LazyLock::new(|| {
    UseCase::all()
        .into_iter()
        .map(|use_case| Choice {
            value: use_case.value(),
            label: use_case.label(),
            description: use_case.description(),
        })
        .collect()
});

/// Every pattern as an option, as the answers file may name them.
static PATTERN_CHOICES: LazyLock<Vec<Choice>> = LazyLock::new(|| {
    PatternId::all()
        .into_iter()
        .map(|pattern| {
            let info = pattern.info();
            Choice {
                value: &info.id,
                label: info.label(),
                description: info.description(),
            }
        })
        .collect()
});

pub fn use_case() -> Question {
    Question {
        id: "use_case",
        header: "Use case",
        prompt: "What is your primary use case for Durable Objects?",
        kind: Kind::Select,
        choices: &USE_CASE_CHOICES,
        default: USE_CASE_CHOICES[0].value,
        script_only: false,
    }
}

pub const SCALE: Question = Question {
    id: "scale",
    header: "Scale",
    prompt: "What scale do you expect?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "dev",
            label: "Development / testing",
            description: "Local testing, small data",
        },
        Choice {
            value: "small",
            label: "Small production",
            description: "Fewer than 1K objects",
        },
        Choice {
            value: "medium",
            label: "Medium",
            description: "1K to 100K objects",
        },
        Choice {
            value: "large",
            label: "Large",
            description: "More than 100K objects, or hot keys above ~1,000 req/s",
        },
    ],
    default: "small",
    script_only: false,
};

pub const PERSISTENCE: Question = Question {
    id: "persistence",
    header: "Persistence",
    prompt: "What are your data persistence requirements?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "ephemeral",
            label: "Ephemeral",
            description: "Lost on eviction is fine",
        },
        Choice {
            value: "session",
            label: "Session-based",
            description: "Expires after a TTL, cleaned up by alarms",
        },
        Choice {
            value: "permanent",
            label: "Permanent",
            description: "Kept until deleted",
        },
        Choice {
            value: "hybrid",
            label: "Hybrid",
            description: "Connection state ephemeral, messages permanent",
        },
    ],
    default: "permanent",
    script_only: false,
};

pub const QUERIES: Question = Question {
    id: "queries",
    header: "Queries",
    prompt: "What type of data queries do you need?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "key-value",
            label: "Simple key-value lookups",
            description: "Get and put by key",
        },
        Choice {
            value: "filtering",
            label: "Basic filtering and ordering",
            description: "WHERE and ORDER BY over indexed columns",
        },
        Choice {
            value: "complex",
            label: "Complex queries",
            description: "Joins, aggregations, time buckets",
        },
    ],
    default: "filtering",
    script_only: false,
};

pub const STORAGE: Question = Question {
    id: "storage",
    header: "Storage",
    prompt: "Which storage API?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "sqlite",
            label: "SQL (recommended)",
            description: "ctx.storage.sql: tables, indexes, transactions",
        },
        Choice {
            value: "kv",
            label: "Key-value",
            description: "ctx.storage.kv: synchronous get/put on the same SQLite-backed class",
        },
    ],
    default: "sqlite",
    script_only: false,
};

pub fn patterns() -> Question {
    Question {
        id: "patterns",
        header: "Companions",
        prompt: "Add a companion pattern?",
        kind: Kind::MultiSelect,
        // The choices are filled in per recommendation (see `machine`): the
        // other patterns, the seeds' combinations first. This list is the
        // full set the answers file may name.
        choices: &PATTERN_CHOICES,
        default: "",
        script_only: false,
    }
}

pub const PROJECT_NAME: Question = Question {
    id: "project_name",
    header: "Name",
    prompt: "Project name?",
    kind: Kind::Text,
    choices: &[],
    default: "my-durable-objects",
    script_only: false,
};

pub fn pattern() -> Question {
    Question {
        id: "pattern",
        header: "Pattern",
        prompt: "Primary pattern (instead of the recommended one)?",
        kind: Kind::Select,
        choices: &PATTERN_CHOICES,
        default: "",
        script_only: true,
    }
}

pub const DIR: Question = Question {
    id: "dir",
    header: "Directory",
    prompt: "Directory to create?",
    kind: Kind::Text,
    choices: &[],
    default: "",
    script_only: true,
};

pub const COMPATIBILITY_DATE: Question = Question {
    id: "compatibility_date",
    header: "Compatibility date",
    prompt: "Workers compatibility date (YYYY-MM-DD)?",
    kind: Kind::Text,
    choices: &[],
    default: crate::recommend::DEFAULT_COMPATIBILITY_DATE,
    script_only: true,
};

pub const CONFIG_STYLE: Question = Question {
    id: "config_style",
    header: "Config style",
    prompt: "How should wrangler.jsonc declare the classes?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "exports",
            label: "exports (recommended)",
            description: "The declarative exports map of wrangler 4.107+",
        },
        Choice {
            value: "migrations",
            label: "migrations",
            description: "A tagged migrations array with new_sqlite_classes, for older toolchains",
        },
    ],
    default: "exports",
    script_only: true,
};

pub const GIT: Question = Question {
    id: "git",
    header: "Git",
    prompt: "Initialize a git repository?",
    kind: Kind::Confirm,
    choices: &[],
    default: "false",
    script_only: true,
};

pub const INSTALL: Question = Question {
    id: "install",
    header: "Install",
    prompt: "Install dependencies after writing?",
    kind: Kind::Confirm,
    choices: &[],
    default: "false",
    script_only: true,
};

pub const PACKAGE_MANAGER: Question = Question {
    id: "package_manager",
    header: "Package manager",
    prompt: "Which package manager?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "npm",
            label: "npm",
            description: "Node's own",
        },
        Choice {
            value: "pnpm",
            label: "pnpm",
            description: "Content-addressed store",
        },
        Choice {
            value: "yarn",
            label: "yarn",
            description: "Yarn",
        },
        Choice {
            value: "bun",
            label: "bun",
            description: "Bun",
        },
    ],
    default: "npm",
    script_only: true,
};

/// Every question `new` knows, in the order the interactive flow asks them.
pub static NEW_QUESTIONS: LazyLock<Vec<Question>> = LazyLock::new(|| {
    vec![
        use_case(),
        SCALE,
        PERSISTENCE,
        QUERIES,
        STORAGE,
        patterns(),
        PROJECT_NAME,
        pattern(),
        DIR,
        COMPATIBILITY_DATE,
        CONFIG_STYLE,
        GIT,
        INSTALL,
        PACKAGE_MANAGER,
    ]
});

#[cfg(test)]
mod answer_enum_tests {
    use super::*;
    use crate::recommend::{Persistence, Queries, Scale, Storage};

    fn values(question: &Question) -> Vec<&'static str> {
        question.choices.iter().map(|choice| choice.value).collect()
    }

    #[test]
    fn enums_match_the_question_table() {
        let of = |all: Vec<&'static str>| all;
        assert_eq!(
            values(&use_case()),
            of(UseCase::all().iter().map(|v| v.value()).collect())
        );
        assert_eq!(
            values(&SCALE),
            of(Scale::ALL.iter().map(|v| v.value()).collect())
        );
        assert_eq!(
            values(&PERSISTENCE),
            of(Persistence::ALL.iter().map(|v| v.value()).collect())
        );
        assert_eq!(
            values(&QUERIES),
            of(Queries::ALL.iter().map(|v| v.value()).collect())
        );
        assert_eq!(
            values(&STORAGE),
            of(Storage::ALL.iter().map(|v| v.value()).collect())
        );
    }
}
