//! Alarms: the ISA-18.2 / IEC 62682 lifecycle on top of rule outcomes.
//!
//! [`AlarmBook::apply`] takes every rule's verdict for one moment and returns the lifecycle
//! [`Transition`]s it caused; operator operations (acknowledge, shelve, reset a latch, out of
//! service) return theirs too. Nothing here does I/O or reads a clock: the caller passes the
//! time, so the whole lifecycle is tested without sockets or sleeps. The journal (durable,
//! append-only) and the outputs (time series, tickets, notifications) consume transitions.

mod book;
mod incident;
pub mod journal;
pub mod kpi;
mod model;
pub mod service;
mod suppression;

#[cfg(test)]
mod tests;

pub use book::{AlarmBook, OperationError, SavedBook};
pub use incident::{Incident, IncidentClass, IncidentFamily};
pub use model::{Alarm, AlarmKey, AlarmState, OutOfService, Shelve, Transition, TransitionKind};
pub use service::Alarms;
pub use suppression::suppressing_cause;
