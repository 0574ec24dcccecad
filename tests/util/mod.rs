//! Support shared by the integration tests: driving the real binary in a
//! pseudo-terminal ([`pty`]).

pub mod pty;
