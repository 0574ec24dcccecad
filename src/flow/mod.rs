//! The question flow: the questions (data), the answers they produce, and the
//! state machine that walks them, shared by the terminal and `--answers FILE`.

pub mod answers;
pub mod answers_file;
pub mod inquire_prompter;
pub mod line_editor;
pub mod machine;
pub mod new_questions;
pub mod optimize_answers;
pub mod optimize_questions;
pub mod plain;
pub mod prompter;
pub mod question;
pub mod summary;
pub mod table;
pub mod worker_name;

pub use answers::{Answer, Answers};
pub use machine::{NewAnswers, NewFlow, Step};
pub use prompter::{Completion, Prompter, QuestionFlow, Reply, ScriptedPrompter, drive};
pub use question::{Choice, Kind, Question};
pub use table::TableFlow;
