//! The answers an analysis runs with: the issue (which rules run), the scale
//! (severity) and the priority (order). Typed values only; where they come
//! from (flags, an answers file, prompts) is the command's business
//! (`flow::optimize_answers`).

use serde::Serialize;

use super::finding::Area;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Dev,
    Small,
    Medium,
    Large,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Latency,
    Throughput,
    Cost,
    Memory,
}

/// The answers the analysis runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OptimizeAnswers {
    pub issue: Area,
    pub scale: Scale,
    pub priority: Priority,
}

impl Default for OptimizeAnswers {
    /// `general`, `small`, `latency`: the questions' defaults.
    fn default() -> Self {
        OptimizeAnswers {
            issue: Area::General,
            scale: Scale::Small,
            priority: Priority::Latency,
        }
    }
}

impl Scale {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "dev" => Some(Scale::Dev),
            "small" => Some(Scale::Small),
            "medium" => Some(Scale::Medium),
            "large" => Some(Scale::Large),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Dev => "dev",
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::Large => "large",
        }
    }
}

impl Priority {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "latency" => Some(Priority::Latency),
            "throughput" => Some(Priority::Throughput),
            "cost" => Some(Priority::Cost),
            "memory" => Some(Priority::Memory),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Latency => "latency",
            Priority::Throughput => "throughput",
            Priority::Cost => "cost",
            Priority::Memory => "memory",
        }
    }
}
