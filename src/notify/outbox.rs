//! The durable outbox: a notification is a row in `facmon.db` (`notify_outbox`, migration 5)
//! before anything is sent.
//!
//! Rows are written in the same transaction as the ticket change that calls for them, so a
//! crash can lose neither; each has an idempotency key (`UNIQUE`), so planning the same step
//! twice (after a restart, or a second look at the same ticket) inserts nothing. The sender
//! marks a row sent only after the channel confirmed it. The one window left — the channel
//! confirmed and facmon died before the row was marked — is covered by sending the key with
//! the message (`Idempotency-Key` on webhooks), so a receiver can drop the repeat.

use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::db::{from_millis, millis};

use super::channel::{Message, Recipient};

/// What is stored for one notification: to whom and what.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub to: Recipient,
    pub message: Message,
}

/// One notification to plan.
#[derive(Debug, Clone)]
pub struct Planned<'a> {
    pub ticket: Option<i64>,
    /// `opened`, `repeat-2`, `SLA-01-1`, `escalated-PWR-05`, `export`: for people reading the table.
    pub step: &'a str,
    /// The page round (1 = first page, 2 = first repeat, …); `None` for anything else.
    pub round: Option<u32>,
    pub person: &'a str,
    pub channel: &'a str,
    pub envelope: &'a Envelope,
}

/// A row waiting to be sent.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub channel: String,
    pub envelope: Envelope,
    pub attempts: u32,
}

/// Inserts a notification unless its key is already there; true if it is new.
pub fn enqueue(conn: &Connection, p: &Planned<'_>, now: SystemTime) -> rusqlite::Result<bool> {
    let envelope = serde_json::to_string(p.envelope).unwrap_or_default();
    let n = conn.execute(
        "INSERT OR IGNORE INTO notify_outbox (key, created_ms, ticket, step, round, person, channel, envelope, next_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?2)",
        params![
            p.envelope.message.key,
            millis(now),
            p.ticket,
            p.step,
            p.round,
            p.person,
            p.channel,
            envelope
        ],
    )?;
    Ok(n == 1)
}

/// Rows due at `now`, oldest first.
pub fn due(conn: &Connection, now: SystemTime, limit: usize) -> rusqlite::Result<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, channel, envelope, attempts FROM notify_outbox
         WHERE sent_ms IS NULL AND failed_ms IS NULL AND next_ms <= ?1 ORDER BY next_ms, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![millis(now), limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, u32>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, channel, envelope, attempts) = row?;
        match serde_json::from_str(&envelope) {
            Ok(envelope) => out.push(Pending {
                id,
                channel,
                envelope,
                attempts,
            }),
            // Written by this code; unreadable only if the file was edited by hand.
            Err(e) => failed(conn, id, now, &format!("unreadable outbox row: {e}"))?,
        }
    }
    Ok(out)
}

/// When the next pending row falls due.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<SystemTime>> {
    let ms: Option<i64> = conn.query_row(
        "SELECT MIN(next_ms) FROM notify_outbox WHERE sent_ms IS NULL AND failed_ms IS NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(ms.map(from_millis))
}

pub fn sent(conn: &Connection, id: i64, now: SystemTime) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE notify_outbox SET sent_ms = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
        params![id, millis(now)],
    )?;
    Ok(())
}

/// A failure worth retrying: tried again at `next`.
pub fn retry(conn: &Connection, id: i64, next: SystemTime, error: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE notify_outbox SET attempts = attempts + 1, next_ms = ?2, last_error = ?3 WHERE id = ?1",
        params![id, millis(next), error],
    )?;
    Ok(())
}

/// A permanent refusal: kept, with the reason, and never tried again.
pub fn failed(conn: &Connection, id: i64, now: SystemTime, error: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE notify_outbox SET attempts = attempts + 1, failed_ms = ?2, last_error = ?3 WHERE id = ?1",
        params![id, millis(now), error],
    )?;
    Ok(())
}

/// The ticket's latest page round and when it was planned.
pub fn last_round(conn: &Connection, ticket: i64) -> rusqlite::Result<Option<(u32, SystemTime)>> {
    conn.query_row(
        "SELECT round, created_ms FROM notify_outbox WHERE ticket = ?1 AND round IS NOT NULL
         ORDER BY round DESC, id DESC LIMIT 1",
        params![ticket],
        |r| Ok((r.get::<_, u32>(0)?, from_millis(r.get(1)?))),
    )
    .optional()
}

/// Counts for health and tests: pending, sent, failed.
pub fn counts(conn: &Connection) -> rusqlite::Result<(u64, u64, u64)> {
    conn.query_row(
        "SELECT COALESCE(SUM(sent_ms IS NULL AND failed_ms IS NULL), 0), COALESCE(SUM(sent_ms IS NOT NULL), 0),
                COALESCE(SUM(failed_ms IS NOT NULL), 0) FROM notify_outbox",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
            ))
        },
    )
}

/// Backoff before attempt `attempts + 1`: 5 s doubling to 5 min, jittered by the caller.
pub fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1 << attempts.min(6))).min(Duration::from_secs(300))
}
