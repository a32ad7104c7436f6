//! Notifications: who is told about a ticket, on which channel, with which words — and again,
//! and higher up, until somebody answers.
//!
//! * [`routes`] — rule and severity → roles (procedures.md), overridable in config.
//! * [`message`] — the words, zh-CN first, then English.
//! * [`planner`] — ticket events → one page per person and step, into the outbox.
//! * [`outbox`] — the durable outbox in `facmon.db`, with idempotency keys.
//! * [`channel`] — webhook, WeCom, DingTalk, e-mail, MQTT.
//! * [`stage`] — the daemon tasks: the ticket desk with the planner, and the sender.

pub mod channel;
pub mod message;
pub mod outbox;
mod plan;
pub mod planner;
pub mod routes;
pub mod stage;

pub use plan::*;
