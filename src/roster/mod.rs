//! The duty roster: who holds each role (procedures.md role keys) at a given time.
//! (Stub: filled in by the roster work.)

use serde::Serialize;

/// The checked roster.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Roster {}
pub mod cli;
