//! Work-order tickets: one per alarm incident, with a timed lifecycle and SLA timers.
//!
//! The procedures promise response times (SLA-01…05 in `docs/procedures.md`); they can only
//! be measured if every incident has exactly one repair ticket and every step on it is
//! time-stamped. The [`desk::Desk`] turns alarm-journal rows into ticket changes inside the
//! caller's SQLite transaction (so the notification outbox commits with them), people move
//! tickets with [`desk::Desk::step`] (`facmon ticket …`), [`desk::Desk::check_sla`] records
//! missed deadlines once, and [`report`] computes the monthly timeliness figure (SLA-05).
//!
//! - `model`: the ticket, its states and steps, timeline entries and events.
//! - `checklist`: each procedure's required actions and ticket title.
//! - `store`: the tables (migration 4 in [`crate::db`]) and read access.
//! - `desk`: journal rows and people's steps in, ticket changes and events out.
//! - `sla`: deadlines, breaches and the per-ticket verdicts the report counts.
//! - `report`: `facmon report sla`; `cli`: `facmon ticket …`.

use std::time::Duration;

use serde::Serialize;

use crate::rules::outcome::Severity;

pub mod checklist;
pub mod cli;
pub mod desk;
pub mod model;
pub mod report;
pub mod sla;
pub mod store;

pub use desk::Desk;
pub use model::{Category, CheckItem, EntryKind, Priority, Step, Ticket, TicketEvent, TicketState, TimelineEntry};

/// `[tickets]`, checked. The defaults are the procedures' commitments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketPlan {
    /// Announced alarms of these severities open a ticket.
    pub open_for: Vec<Severity>,
    /// SLA-01: on site after a critical alarm.
    pub critical_on_site: Duration,
    /// SLA-02: on site for an urgent (power or water, major) repair.
    pub urgent_on_site: Duration,
    /// SLA-03: on site for any other repair.
    pub normal_on_site: Duration,
    /// SLA-04: follow-up call after resolution.
    pub follow_up: Duration,
    /// SLA-05: share of tickets on time each month, in percent.
    pub target_pct: f64,
    /// The notify channel that receives ticket events for the CMMS (kept for the notify stage).
    pub export_channel: Option<String>,
}

impl Default for TicketPlan {
    fn default() -> Self {
        TicketPlan {
            open_for: vec![Severity::Major, Severity::Critical],
            critical_on_site: Duration::from_secs(5 * 60),
            urgent_on_site: Duration::from_secs(15 * 60),
            normal_on_site: Duration::from_secs(30 * 60),
            follow_up: Duration::from_secs(48 * 3600),
            target_pct: 98.0,
            export_channel: None,
        }
    }
}

impl TicketPlan {
    /// The on-site target of a priority.
    pub fn on_site_target(&self, p: Priority) -> Duration {
        match p {
            Priority::Critical => self.critical_on_site,
            Priority::Urgent => self.urgent_on_site,
            Priority::Normal => self.normal_on_site,
        }
    }
}

/// Why a ticket operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("the ticket database failed: {0}; check that the data directory is writable and retry")]
    Db(#[from] rusqlite::Error),
    #[error("there is no ticket #{0}; `facmon ticket list --all` shows every ticket")]
    NotFound(i64),
    #[error("ticket #{id} is {from} and cannot go to {to}: steps only go forward (open → assigned → acknowledged → on_site → resolved → closed)")]
    Backwards {
        id: i64,
        from: &'static str,
        to: &'static str,
    },
    #[error("ticket #{id} is already {state}; open a new ticket if more work is needed")]
    Final { id: i64, state: &'static str },
    #[error("a cancellation needs a reason: say why (--reason \"...\")")]
    ReasonRequired,
    #[error("{0} must not be empty: give it (e.g. --by NAME)")]
    Empty(&'static str),
    #[error("ticket #{id} has no checklist item {item}; `facmon ticket show {id}` lists them")]
    NoSuchItem { id: i64, item: i64 },
    #[error(
        "the database holds \"{0}\" where a ticket {1} was expected; it was written by a newer facmon: upgrade facmon"
    )]
    Unreadable(String, &'static str),
}
