//! Support shared by the integration tests: driving the real binary in a
//! pseudo-terminal ([`pty`]), and a small project for the optimize tests
//! ([`optimize_project`]).

pub mod optimize_project;
pub mod pty;
