//! `[tickets]`: which alarms open a work order, and the response-time commitments (SLA-01…05).
//! (Stub: filled in by the ticket work.)

use serde::Deserialize;

use super::error::Issues;
use crate::ticket::TicketPlan;

/// `[tickets]` as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawTickets {}

pub(super) fn resolve(raw: Option<&RawTickets>, issues: &mut Issues) -> TicketPlan {
    let _ = (raw, issues);
    TicketPlan::default()
}
