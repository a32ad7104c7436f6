//! The ticket tables (migration 4 of [`crate::db`]): `ticket` (one row per ticket, its
//! current state), `ticket_timeline` (append-only, every step), `ticket_checklist` and
//! `stage_cursor` (an output stage's position in the alarm journal).
//!
//! Readers take any `&Connection`, so a `Transaction` works too (it derefs to one). Writers
//! are `pub(crate)`: every change goes through the [`super::Desk`], which keeps the ticket row
//! and its timeline consistent.

use std::time::SystemTime;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::checklist;
use super::model::{Category, CheckItem, EntryKind, Priority, Ticket, TicketState, TimelineEntry};
use super::TicketError;
use crate::db::{from_millis, millis};
use crate::rules::outcome::Text;

const COLUMNS: &str = "id, incident, previous, category, priority, state, title_zh, title_en, rule, equipment, \
    assignee, opened_at_ms, opened_by, assigned_at_ms, acknowledged_at_ms, acknowledged_by, on_site_at_ms, \
    resolved_at_ms, closed_at_ms, cancelled_at_ms, cancel_reason, incident_cleared_at_ms, on_site_due_ms, \
    follow_up_due_ms";

/// One ticket with its checklist.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Ticket>, TicketError> {
    let sql = format!("SELECT {COLUMNS} FROM ticket WHERE id = ?1");
    let row = conn.query_row(&sql, params![id], raw).optional()?;
    row.map(|r| finish(conn, r)).transpose()
}

/// Tickets newest first; with `open_only`, those not closed or cancelled (resolved tickets
/// awaiting their follow-up call included).
pub fn list(conn: &Connection, open_only: bool) -> Result<Vec<Ticket>, TicketError> {
    let filter = if open_only {
        "WHERE state NOT IN ('closed', 'cancelled')"
    } else {
        ""
    };
    select(conn, &format!("{filter} ORDER BY id DESC"), params![])
}

/// Every entry of a ticket's timeline, oldest first.
pub fn timeline(conn: &Connection, id: i64) -> Result<Vec<TimelineEntry>, TicketError> {
    entries(conn, "ticket = ?1 ORDER BY seq", id, i64::MAX)
}

/// Timeline entries of every ticket after `seq`, oldest first, at most `limit`: how the CMMS
/// export follows every change, whether the daemon or `facmon ticket` made it.
pub fn timeline_after(conn: &Connection, seq: i64, limit: usize) -> Result<Vec<TimelineEntry>, TicketError> {
    entries(conn, "seq > ?1 ORDER BY seq", seq, limit as i64)
}

fn entries(conn: &Connection, filter: &str, arg: i64, limit: i64) -> Result<Vec<TimelineEntry>, TicketError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT seq, ticket, at_ms, kind, actor, note, rule, equipment, nth FROM ticket_timeline
         WHERE {filter} LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![arg, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<u32>>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, ticket, at, kind, actor, note, rule, equipment, nth) = row?;
        out.push(TimelineEntry {
            seq,
            ticket,
            at: from_millis(at),
            kind: EntryKind::from_name(&kind).ok_or(TicketError::Unreadable(kind, "timeline kind"))?,
            actor,
            note,
            rule,
            equipment,
            nth,
        });
    }
    Ok(out)
}

/// The tickets of an alarm incident, oldest first (more than one after re-trips).
pub fn for_incident(conn: &Connection, incident: i64) -> Result<Vec<Ticket>, TicketError> {
    select(conn, "WHERE incident = ?1 ORDER BY id", params![incident])
}

/// The newest ticket not yet acknowledged that lists the alarm (opened by it or joined):
/// how an acknowledgement that no longer carries an incident (the alarm returned to normal
/// and its incident closed) still finds its ticket.
pub fn unacknowledged_for_alarm(conn: &Connection, rule: &str, equipment: &str) -> Result<Option<Ticket>, TicketError> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT t.id FROM ticket t JOIN ticket_timeline e ON e.ticket = t.id
             WHERE t.state IN ('open', 'assigned') AND e.kind IN ('opened', 'alarm_added')
               AND e.rule = ?1 AND e.equipment = ?2
             ORDER BY t.id DESC LIMIT 1",
            params![rule, equipment],
            |r| r.get(0),
        )
        .optional()?;
    id.map_or(Ok(None), |id| get(conn, id))
}

/// Tickets opened or resolved in `[from, to)`: what a monthly report counts.
pub fn opened_or_resolved_between(
    conn: &Connection,
    from: SystemTime,
    to: SystemTime,
) -> Result<Vec<Ticket>, TicketError> {
    select(
        conn,
        "WHERE (opened_at_ms >= ?1 AND opened_at_ms < ?2) OR (resolved_at_ms >= ?1 AND resolved_at_ms < ?2) ORDER BY id",
        params![millis(from), millis(to)],
    )
}

/// Tickets whose on-site or follow-up deadline is at or before `now` and not yet met.
pub(crate) fn overdue(conn: &Connection, now: SystemTime) -> Result<Vec<Ticket>, TicketError> {
    select(
        conn,
        "WHERE (state IN ('open', 'assigned', 'acknowledged') AND on_site_due_ms <= ?1)
            OR (state = 'resolved' AND follow_up_due_ms <= ?1) ORDER BY id",
        params![millis(now)],
    )
}

/// An output stage's saved position in the alarm journal (0 when never saved).
pub fn cursor(conn: &Connection, name: &str) -> Result<i64, TicketError> {
    Ok(conn
        .query_row("SELECT value FROM stage_cursor WHERE name = ?1", params![name], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0))
}

/// Saves an output stage's position; commit it with the changes it led to.
pub fn set_cursor(conn: &Connection, name: &str, value: i64) -> Result<(), TicketError> {
    conn.execute(
        "INSERT INTO stage_cursor (name, value) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

/// Inserts a new ticket (its `id` and `checklist` are ignored) and returns its id.
pub(crate) fn insert(conn: &Connection, t: &Ticket) -> Result<i64, TicketError> {
    conn.execute(
        "INSERT INTO ticket (incident, previous, category, priority, state, title_zh, title_en, rule, equipment,
            opened_at_ms, opened_by, on_site_due_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            t.incident,
            t.previous,
            t.category.as_str(),
            t.priority.as_str(),
            t.state.as_str(),
            t.title.zh,
            t.title.en,
            t.rule,
            t.equipment,
            millis(t.opened_at),
            t.opened_by,
            millis(t.on_site_due),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Writes the mutable fields of a ticket back.
pub(crate) fn save(conn: &Connection, t: &Ticket) -> Result<(), TicketError> {
    let ms = |t: Option<SystemTime>| t.map(millis);
    conn.execute(
        "UPDATE ticket SET priority = ?2, state = ?3, assignee = ?4, assigned_at_ms = ?5, acknowledged_at_ms = ?6,
            acknowledged_by = ?7, on_site_at_ms = ?8, resolved_at_ms = ?9, closed_at_ms = ?10, cancelled_at_ms = ?11,
            cancel_reason = ?12, incident_cleared_at_ms = ?13, on_site_due_ms = ?14, follow_up_due_ms = ?15
         WHERE id = ?1",
        params![
            t.id,
            t.priority.as_str(),
            t.state.as_str(),
            t.assignee,
            ms(t.assigned_at),
            ms(t.acknowledged_at),
            t.acknowledged_by,
            ms(t.on_site_at),
            ms(t.resolved_at),
            ms(t.closed_at),
            ms(t.cancelled_at),
            t.cancel_reason,
            ms(t.incident_cleared_at),
            millis(t.on_site_due),
            ms(t.follow_up_due),
        ],
    )?;
    Ok(())
}

/// Appends a timeline entry (its `seq` is ignored) and returns it as stored.
pub(crate) fn append(conn: &Connection, e: TimelineEntry) -> Result<TimelineEntry, TicketError> {
    conn.execute(
        "INSERT INTO ticket_timeline (ticket, at_ms, kind, actor, note, rule, equipment, nth)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.ticket,
            millis(e.at),
            e.kind.as_str(),
            e.actor,
            e.note,
            e.rule,
            e.equipment,
            e.nth
        ],
    )?;
    Ok(TimelineEntry {
        seq: conn.last_insert_rowid(),
        ..e
    })
}

/// Whether the ticket's timeline has an entry of `kind` for `rule` (and `equipment`, `nth`
/// when given): how the desk records things once.
pub(crate) fn has_entry(
    conn: &Connection,
    ticket: i64,
    kinds: &[EntryKind],
    rule: &str,
    equipment: Option<&str>,
    nth: Option<u32>,
) -> Result<bool, TicketError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind FROM ticket_timeline WHERE ticket = ?1 AND rule = ?2
           AND (?3 IS NULL OR equipment = ?3) AND (?4 IS NULL OR nth = ?4)",
    )?;
    let found: Vec<String> = stmt
        .query_map(params![ticket, rule, equipment, nth], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(found.iter().any(|k| kinds.iter().any(|want| want.as_str() == k)))
}

/// Copies a rule's checklist onto the ticket unless it is there already; returns whether it did.
pub(crate) fn add_checklist(conn: &Connection, ticket: i64, rule: &str) -> Result<bool, TicketError> {
    let present: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM ticket_checklist WHERE ticket = ?1 AND rule = ?2)",
        params![ticket, rule],
        |r| r.get(0),
    )?;
    if present {
        return Ok(false);
    }
    let next: i64 = conn.query_row(
        "SELECT COALESCE(MAX(pos), 0) FROM ticket_checklist WHERE ticket = ?1",
        params![ticket],
        |r| r.get(0),
    )?;
    for (i, (zh, en)) in checklist::items(rule).iter().enumerate() {
        conn.execute(
            "INSERT INTO ticket_checklist (ticket, pos, rule, zh, en) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ticket, next + 1 + i as i64, rule, zh, en],
        )?;
    }
    Ok(true)
}

/// Marks a checklist item done; returns false when the item does not exist.
pub(crate) fn check_item(
    conn: &Connection,
    ticket: i64,
    pos: i64,
    by: &str,
    at: SystemTime,
) -> Result<bool, TicketError> {
    let n = conn.execute(
        "UPDATE ticket_checklist SET done_at_ms = ?3, done_by = ?4 WHERE ticket = ?1 AND pos = ?2",
        params![ticket, pos, millis(at), by],
    )?;
    Ok(n == 1)
}

fn select(conn: &Connection, tail: &str, p: impl rusqlite::Params) -> Result<Vec<Ticket>, TicketError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM ticket {tail}"))?;
    let raws: Vec<RawTicket> = stmt.query_map(p, raw)?.collect::<Result<_, _>>()?;
    raws.into_iter().map(|r| finish(conn, r)).collect()
}

/// A ticket row before its names are parsed and its checklist is loaded.
struct RawTicket {
    t: Ticket,
    category: String,
    priority: String,
    state: String,
}

fn raw(r: &Row<'_>) -> rusqlite::Result<RawTicket> {
    let at = |i: usize| -> rusqlite::Result<Option<SystemTime>> { Ok(r.get::<_, Option<i64>>(i)?.map(from_millis)) };
    Ok(RawTicket {
        category: r.get(3)?,
        priority: r.get(4)?,
        state: r.get(5)?,
        t: Ticket {
            id: r.get(0)?,
            incident: r.get(1)?,
            previous: r.get(2)?,
            category: Category::Other,
            priority: Priority::Normal,
            state: TicketState::Open,
            title: Text::new(r.get::<_, String>(6)?, r.get::<_, String>(7)?),
            rule: r.get(8)?,
            equipment: r.get(9)?,
            assignee: r.get(10)?,
            opened_at: from_millis(r.get(11)?),
            opened_by: r.get(12)?,
            assigned_at: at(13)?,
            acknowledged_at: at(14)?,
            acknowledged_by: r.get(15)?,
            on_site_at: at(16)?,
            resolved_at: at(17)?,
            closed_at: at(18)?,
            cancelled_at: at(19)?,
            cancel_reason: r.get(20)?,
            incident_cleared_at: at(21)?,
            on_site_due: from_millis(r.get(22)?),
            follow_up_due: at(23)?,
            checklist: Vec::new(),
        },
    })
}

fn finish(conn: &Connection, r: RawTicket) -> Result<Ticket, TicketError> {
    let mut t = r.t;
    t.category = Category::from_name(&r.category).ok_or(TicketError::Unreadable(r.category, "category"))?;
    t.priority = Priority::from_name(&r.priority).ok_or(TicketError::Unreadable(r.priority, "priority"))?;
    t.state = TicketState::from_name(&r.state).ok_or(TicketError::Unreadable(r.state, "state"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT pos, rule, zh, en, done_at_ms, done_by FROM ticket_checklist WHERE ticket = ?1 ORDER BY pos",
    )?;
    t.checklist = stmt
        .query_map(params![t.id], |r| {
            Ok(CheckItem {
                pos: r.get(0)?,
                rule: r.get(1)?,
                text: Text::new(r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                done_at: r.get::<_, Option<i64>>(4)?.map(from_millis),
                done_by: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(t)
}
