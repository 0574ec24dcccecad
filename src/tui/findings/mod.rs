//! The findings browser of `do-wizard optimize` (see `app.rs`).
