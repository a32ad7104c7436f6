//! Work-order tickets: one per incident, with a timed lifecycle and SLA timers.
//! (Stub: filled in by the ticket work.)

use serde::Serialize;

/// `[tickets]`, checked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TicketPlan {}
pub mod cli;
