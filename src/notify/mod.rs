//! Notifications: routes from alarms to roles, a durable outbox, channels, repeats and
//! escalation. (Being built.)

pub mod channel;
mod plan;

pub use plan::*;
