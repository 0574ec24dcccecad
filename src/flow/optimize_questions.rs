//! The three optimize questions, as data shared by the terminal prompts and
//! `--answers FILE`: `issue` (which rules run), `scale` (severity) and
//! `priority` (order). Their values are the ones
//! [`crate::optimize::answers`] parses.

use super::{Choice, Kind, Question};

pub const ISSUE: Question = Question {
    id: "issue",
    header: "Issue Type",
    prompt: "What performance issue are you experiencing?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "cold-start",
            label: "Slow cold starts / initialization",
            description: "DO takes too long to start up or respond to first request",
        },
        Choice {
            value: "queries",
            label: "Slow query performance",
            description: "SQL queries are taking too long",
        },
        Choice {
            value: "memory",
            label: "High memory usage",
            description: "DO is using too much memory or hitting limits",
        },
        Choice {
            value: "websocket",
            label: "WebSocket latency",
            description: "WebSocket messages have high latency or dropped connections",
        },
        Choice {
            value: "alarms",
            label: "Alarm execution issues",
            description: "Alarms are slow, failing, or not executing",
        },
        Choice {
            value: "general",
            label: "General optimization",
            description: "Want to improve overall performance",
        },
    ],
    default: "general",
    script_only: false,
};

pub const SCALE: Question = Question {
    id: "scale",
    header: "Scale",
    prompt: "What is your current scale?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "dev",
            label: "Development / Testing",
            description: "Local testing, small dataset",
        },
        Choice {
            value: "small",
            label: "Small production (< 1K DOs)",
            description: "Early production, limited users",
        },
        Choice {
            value: "medium",
            label: "Medium production (1K–100K DOs)",
            description: "Growing user base",
        },
        Choice {
            value: "large",
            label: "Large production (> 100K DOs)",
            description: "High traffic, many active instances",
        },
    ],
    default: "small",
    script_only: false,
};

pub const PRIORITY: Question = Question {
    id: "priority",
    header: "Priority",
    prompt: "What is most important to optimize?",
    kind: Kind::Select,
    choices: &[
        Choice {
            value: "latency",
            label: "Latency (response time)",
            description: "Reduce time to first response",
        },
        Choice {
            value: "throughput",
            label: "Throughput (requests/second)",
            description: "Handle more concurrent requests",
        },
        Choice {
            value: "cost",
            label: "Cost (compute time)",
            description: "Reduce CPU time and costs",
        },
        Choice {
            value: "memory",
            label: "Memory efficiency",
            description: "Reduce memory usage",
        },
    ],
    default: "latency",
    script_only: false,
};

/// The optimize wizard's questions, in the order they are asked.
pub const QUESTIONS: [Question; 3] = [ISSUE, SCALE, PRIORITY];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_choices() {
        for question in QUESTIONS {
            assert!(
                question.choice(question.default).is_some(),
                "{}",
                question.id
            );
        }
    }
}
