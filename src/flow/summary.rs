//! Plain-text descriptions of a recommendation, shared by the prompts, the
//! `--dry-run` output and the messages after writing.

use crate::recommend::{Recommendation, Storage};

/// The recommendation as a few lines: pattern, companions, storage, reasons.
pub fn recommendation_text(recommendation: &Recommendation) -> String {
    let primary = recommendation.primary.info();
    let mut text = format!("Recommended: {} ({})\n", primary.title, primary.class_name);
    if !recommendation.companions.is_empty() {
        let names: Vec<&str> = recommendation
            .companions
            .iter()
            .map(|pattern| pattern.info().class_name.as_str())
            .collect();
        text.push_str(&format!("Companions: {}\n", names.join(", ")));
    }
    let storage = match recommendation.storage {
        Storage::Kv => {
            "SQLite-backed classes; the key-value API (ctx.storage.kv) for the key-value ones"
        }
        Storage::Sqlite => "SQLite-backed classes (SQL API)",
    };
    text.push_str(&format!("Storage: {storage}\n"));
    if let Some(sharding) = recommendation.metric_sharding() {
        text.push_str(&format!(
            "Sharding: {} shards per hot metric\n",
            sharding.shards
        ));
    }
    text.push_str("Why:\n");
    for reason in &recommendation.reasons {
        text.push_str(&format!("  - [{}] {}\n", reason.answer, reason.text));
    }
    text
}
