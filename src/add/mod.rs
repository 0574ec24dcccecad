//! `do-wizard add PATTERN`: grow an existing Workers project by one Durable
//! Object pattern — the class and its test, the export in the entry, the
//! routes, and the config edit (binding, `exports` entry or next migration,
//! vars) — planned as one set of edits, shown as a diff or written all or
//! nothing.

pub mod pattern;
pub mod plan;
pub mod project;
pub mod strip;

pub use pattern::AddPattern;
pub use plan::{AddPlan, FileChange, plan};
pub use project::{Project, read};
