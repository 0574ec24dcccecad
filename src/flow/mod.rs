//! The question flow: the questions (data), the answers they produce, and the
//! state machine that walks them, shared by the terminal and `--answers FILE`.

pub mod question;

pub use question::{Choice, Kind, Question};
