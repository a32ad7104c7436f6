//! The audit log: one row per change made through the API (and per sign-in), whether it
//! was done or refused: when, who, with which role, from where, what, on what, and how it
//! ended.

use std::time::SystemTime;

use rusqlite::{params, Connection};

use crate::db::millis;

/// One audit row.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub role: &'a str,
    pub from: &'a str,
    /// e.g. `alarm.acknowledge`, `ticket.step.resolve`, `login`.
    pub action: &'a str,
    /// e.g. `PWR-02/gen-1`, `ticket/12`.
    pub target: &'a str,
    /// `ok`, or why it was refused.
    pub outcome: &'a str,
}

pub fn record(conn: &Connection, e: &Entry<'_>, now: SystemTime) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (at_ms, actor, role, from_addr, action, target, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![millis(now), e.actor, e.role, e.from, e.action, e.target, e.outcome],
    )?;
    Ok(())
}
