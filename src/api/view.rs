//! The JSON shapes of `docs/api.md`: times as unix milliseconds in keys ending `_ms`,
//! texts as `{"zh","en"}`. Built by hand rather than by deriving `Serialize` on the domain
//! types, so that a change inside the daemon cannot silently change the contract.

use std::time::SystemTime;

use serde_json::{json, Value};

use crate::alarm::journal::JournalRow;
use crate::alarm::{Alarm, AlarmBook, Incident, Transition};
use crate::db::millis;
use crate::point::{PointKey, PointState};
use crate::sources::status::DeviceStatus;
use crate::ticket::{Ticket, TimelineEntry};

pub fn ms(t: Option<SystemTime>) -> Value {
    t.map(|t| json!(millis(t))).unwrap_or(Value::Null)
}

pub fn point(role: &str, unit: Option<&str>, s: &PointState) -> Value {
    json!({
        "role": role,
        "unit": unit,
        "value": s.value,
        "quality": s.quality.as_str(),
        "changed_at_ms": ms(s.changed_ts),
        "received_at_ms": ms(s.received_ts),
        "error": s.error.as_deref(),
    })
}

/// A point change for the live stream.
pub fn point_change(key: &PointKey, s: &PointState) -> Value {
    json!({
        "equipment": &*key.equipment,
        "role": &*key.role,
        "value": s.value,
        "quality": s.quality.as_str(),
        "changed_at_ms": ms(s.changed_ts),
    })
}

pub fn device(d: &DeviceStatus) -> Value {
    json!({
        "id": d.id,
        "kind": d.kind,
        "online": d.online,
        "since_ms": ms(d.since),
        "last_ok_ms": ms(d.last_ok),
        "last_error": d.last_error,
        "consecutive_failures": d.consecutive_failures,
    })
}

pub fn alarm(book: &AlarmBook, a: &Alarm) -> Value {
    let out_of_service = book.out_of_service().contains_key(&a.key.equipment);
    let f = a.finding.as_ref();
    json!({
        "rule": a.key.rule,
        "equipment": a.key.equipment,
        "state": a.state(out_of_service).as_str(),
        "active": a.active,
        "acknowledged": a.acknowledged,
        "severity": a.severity.map(|s| s.as_str()),
        "message": f.map(|f| &f.message),
        "diagnosis": f.and_then(|f| f.diagnosis.as_ref()),
        "action": f.map(|f| &f.action),
        "unknown": a.unknown,
        "shelved_until_ms": ms(a.shelved.as_ref().map(|s| s.until)),
        "suppressed_by": a.suppressed_by.as_ref().map(|k| json!({"rule": k.rule, "equipment": k.equipment})),
        "out_of_service": out_of_service,
        "chattering": a.chattering,
        "latch_waiting_reset": a.latch_waiting_reset,
        "incident": a.incident,
        "raised_at_ms": ms(a.raised_at),
        "cleared_at_ms": ms(a.cleared_at),
        "acknowledged_at_ms": ms(a.acknowledged_at),
        "acknowledged_by": a.acknowledged_by,
    })
}

/// An alarm transition for the live stream, with the alarm as it is now.
pub fn transition(book: &AlarmBook, t: &Transition) -> Value {
    let kind = crate::alarm::journal::kind_name(&t.kind);
    json!({
        "rule": t.key.rule,
        "equipment": t.key.equipment,
        "kind": kind,
        "actor": t.actor,
        "severity": t.severity.map(|s| s.as_str()),
        "announce": t.announce,
        "incident": t.incident,
        "at_ms": millis(t.at),
        "alarm": book.get(&t.key.rule, &t.key.equipment).map(|a| alarm(book, a)),
    })
}

pub fn incident(i: &Incident) -> Value {
    json!({
        "id": i.id,
        "family": i.class.family,
        "anchor": i.class.anchor,
        "open": i.is_open(),
        "opened_at_ms": millis(i.opened_at),
        "closed_at_ms": ms(i.closed_at),
        "alarms": i.alarms.iter().map(|k| json!({"rule": k.rule, "equipment": k.equipment})).collect::<Vec<_>>(),
    })
}

pub fn journal_row(r: &JournalRow) -> Value {
    json!({
        "seq": r.seq,
        "at_ms": millis(r.at),
        "rule": r.rule,
        "equipment": r.equipment,
        "kind": r.kind,
        "actor": r.actor,
        "severity": r.severity,
        "announce": r.announce,
        "state": r.state,
        "active": r.active,
    })
}

pub fn ticket(t: &Ticket) -> Value {
    json!({
        "id": t.id,
        "incident": t.incident,
        "previous": t.previous,
        "category": t.category.as_str(),
        "priority": t.priority.as_str(),
        "state": t.state.as_str(),
        "title": t.title,
        "rule": t.rule,
        "equipment": t.equipment,
        "assignee": t.assignee,
        "opened_at_ms": millis(t.opened_at),
        "opened_by": t.opened_by,
        "assigned_at_ms": ms(t.assigned_at),
        "acknowledged_at_ms": ms(t.acknowledged_at),
        "acknowledged_by": t.acknowledged_by,
        "on_site_at_ms": ms(t.on_site_at),
        "resolved_at_ms": ms(t.resolved_at),
        "closed_at_ms": ms(t.closed_at),
        "cancelled_at_ms": ms(t.cancelled_at),
        "cancel_reason": t.cancel_reason,
        "incident_cleared_at_ms": ms(t.incident_cleared_at),
        "on_site_due_ms": millis(t.on_site_due),
        "follow_up_due_ms": ms(t.follow_up_due),
    })
}

pub fn checklist(t: &Ticket) -> Value {
    t.checklist
        .iter()
        .map(|i| {
            json!({
                "item": i.pos,
                "rule": i.rule,
                "text": i.text,
                "done_at_ms": ms(i.done_at),
                "done_by": i.done_by,
            })
        })
        .collect()
}

pub fn entry(e: &TimelineEntry) -> Value {
    json!({
        "seq": e.seq,
        "ticket": e.ticket,
        "at_ms": millis(e.at),
        "kind": e.kind.as_str(),
        "actor": e.actor,
        "note": e.note,
        "rule": e.rule,
        "equipment": e.equipment,
        "nth": e.nth,
    })
}

/// A ticket with its checklist and timeline (`GET /tickets/{id}`).
pub fn ticket_detail(t: &Ticket, timeline: &[TimelineEntry]) -> Value {
    let mut v = ticket(t);
    v["checklist"] = checklist(t);
    v["timeline"] = timeline.iter().map(entry).collect();
    v
}
