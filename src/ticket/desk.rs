//! The ticket desk: alarm-journal rows and people's steps in, ticket changes and events out.
//!
//! Everything runs inside the caller's `rusqlite::Transaction` and does no other I/O, so the
//! notification stage can commit the ticket changes, its outbox and its journal cursor
//! together: a crash replays the same rows against the same tickets, never half of them.
//! Times on tickets are the journal rows' own times, so a replay after downtime dates every
//! step when it happened, not when it was read.

use std::time::SystemTime;

use rusqlite::Transaction;

use super::model::{Category, EntryKind, Priority, Step, Ticket, TicketEvent, TicketState, TimelineEntry};
use super::{checklist, store, TicketError, TicketPlan};
use crate::alarm::journal::JournalRow;
use crate::rules::outcome::{Severity, Text};

/// Who the desk names as the actor of what it does by itself.
pub const SYSTEM: &str = "facmon";

/// Applies the ticket rules with one plan.
pub struct Desk<'a> {
    plan: &'a TicketPlan,
}

impl<'a> Desk<'a> {
    pub fn new(plan: &'a TicketPlan) -> Desk<'a> {
        Desk { plan }
    }

    /// Turns alarm-journal rows (oldest first) into ticket changes.
    ///
    /// - an announced `raised` (or `unshelved`/`unsuppressed`: the alarm is now announced) with
    ///   a severity in `open_for` opens the incident's ticket, or joins its active one; after a
    ///   resolved or closed ticket it opens a new one linked by `previous`;
    /// - `escalation` (PWR-05, WAT-05) is recorded on the active ticket and reported as
    ///   [`TicketEvent::Escalated`];
    /// - `info` (PWR-09 power restored) adds its recovery checklist to the incident's ticket;
    /// - `acknowledged` acknowledges an open or assigned ticket of the incident;
    /// - `incident_closed` records the clearing; only a person closes the ticket.
    ///
    /// Rows that are not announced (shelved, suppressed, out of service, chattering) open
    /// nothing. `now` is not needed (rows carry their time); it is kept so the desk's calls
    /// share one shape.
    pub fn apply(
        &self,
        tx: &Transaction,
        rows: &[JournalRow],
        _now: SystemTime,
    ) -> Result<Vec<TicketEvent>, TicketError> {
        let mut events = Vec::new();
        for row in rows {
            self.apply_row(tx, row, &mut events)?;
        }
        Ok(events)
    }

    fn apply_row(&self, tx: &Transaction, row: &JournalRow, events: &mut Vec<TicketEvent>) -> Result<(), TicketError> {
        if row.rule == "*" {
            return Ok(());
        }
        let Some(incident) = row.incident else {
            if row.kind == "acknowledged" {
                let t = store::unacknowledged_for_alarm(tx, &row.rule, &row.equipment)?;
                self.acknowledge(tx, t, row, events)?;
            }
            return Ok(());
        };
        let severity = row.severity.as_deref().and_then(severity_named);
        let latest = store::for_incident(tx, incident)?
            .into_iter()
            .rev()
            .find(|t| t.state != TicketState::Cancelled);
        let active = latest.clone().filter(|t| t.state.is_active());
        match (row.kind.as_str(), severity) {
            ("raised", Some(Severity::Info)) => {
                if let Some(t) = latest {
                    self.add_checklist(tx, t, row, events)?;
                }
            }
            ("raised" | "unshelved" | "unsuppressed", Some(sev)) if row.announce => match active {
                Some(t) if sev == Severity::Escalation => self.escalate(tx, t, row, events)?,
                Some(t) => self.join(tx, t, row, sev, events)?,
                None if self.plan.open_for.contains(&sev) => {
                    let previous = latest
                        .filter(|t| matches!(t.state, TicketState::Resolved | TicketState::Closed))
                        .map(|t| t.id);
                    self.open_for_alarm(tx, row, incident, sev, previous, events)?;
                }
                None => {}
            },
            ("updated", Some(sev)) => {
                if let Some(t) = active {
                    self.raise_priority(tx, t, row, sev, events)?;
                }
            }
            ("acknowledged", _) => self.acknowledge(tx, active, row, events)?,
            ("incident_closed", _) => {
                if let Some(mut t) = latest.filter(|t| t.incident_cleared_at.is_none()) {
                    t.incident_cleared_at = Some(row.at);
                    store::save(tx, &t)?;
                    let note = "every alarm of the incident is back to normal; confirm the repair".to_string();
                    let e = entry(tx, &t, row.at, EntryKind::IncidentCleared, SYSTEM, Some(note), None)?;
                    events.push(updated(tx, e)?);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// An alarm acknowledgement acknowledges an open or assigned ticket: whoever acknowledged
    /// the alarm has taken it on, so the ticket's repeat notifications stop too.
    fn acknowledge(
        &self,
        tx: &Transaction,
        t: Option<Ticket>,
        row: &JournalRow,
        events: &mut Vec<TicketEvent>,
    ) -> Result<(), TicketError> {
        let Some(mut t) = t.filter(|t| t.state < TicketState::Acknowledged) else {
            return Ok(());
        };
        t.state = TicketState::Acknowledged;
        t.acknowledged_at = Some(row.at);
        t.acknowledged_by = Some(row.actor.clone());
        store::save(tx, &t)?;
        let note = format!("alarm {} {} acknowledged", row.rule, row.equipment);
        let e = entry(
            tx,
            &t,
            row.at,
            EntryKind::Acknowledged,
            &row.actor,
            Some(note),
            Some(row),
        )?;
        events.push(updated(tx, e)?);
        Ok(())
    }

    fn open_for_alarm(
        &self,
        tx: &Transaction,
        row: &JournalRow,
        incident: i64,
        severity: Severity,
        previous: Option<i64>,
        events: &mut Vec<TicketEvent>,
    ) -> Result<(), TicketError> {
        let category = Category::of_rule(&row.rule);
        let priority = Priority::of_alarm(severity, category);
        let mut t = blank(
            category,
            priority,
            checklist::title(&row.rule, &row.equipment),
            row.at,
            SYSTEM,
        );
        t.on_site_due = row.at + self.plan.on_site_target(priority);
        t.incident = Some(incident);
        t.previous = previous;
        t.rule = Some(row.rule.clone());
        t.equipment = Some(row.equipment.clone());
        t.id = store::insert(tx, &t)?;
        store::add_checklist(tx, t.id, &row.rule)?;
        let note = previous.map(|p| format!("re-trip after ticket #{p}"));
        entry(tx, &t, row.at, EntryKind::Opened, SYSTEM, note, Some(row))?;
        events.push(TicketEvent::Opened {
            ticket: reload(tx, t.id)?,
        });
        Ok(())
    }

    /// PWR-05 / WAT-05: recorded once per rule, with its checklist (who to tell).
    fn escalate(
        &self,
        tx: &Transaction,
        t: Ticket,
        row: &JournalRow,
        events: &mut Vec<TicketEvent>,
    ) -> Result<(), TicketError> {
        if store::has_entry(tx, t.id, &[EntryKind::Escalated], &row.rule, None, None)? {
            return Ok(());
        }
        entry(tx, &t, row.at, EntryKind::Escalated, SYSTEM, None, Some(row))?;
        store::add_checklist(tx, t.id, &row.rule)?;
        events.push(TicketEvent::Escalated {
            ticket: reload(tx, t.id)?,
            rule: row.rule.clone(),
        });
        Ok(())
    }

    /// Another announced alarm of the ticket's incident: recorded once per alarm (a flood of
    /// re-raises adds nothing), with its checklist, and the priority raised if it is worse.
    fn join(
        &self,
        tx: &Transaction,
        t: Ticket,
        row: &JournalRow,
        severity: Severity,
        events: &mut Vec<TicketEvent>,
    ) -> Result<(), TicketError> {
        let known = store::has_entry(
            tx,
            t.id,
            &[EntryKind::Opened, EntryKind::AlarmAdded],
            &row.rule,
            Some(&row.equipment),
            None,
        )?;
        let id = t.id;
        if !known {
            store::add_checklist(tx, id, &row.rule)?;
            let note = Some(format!("{severity}"));
            let e = entry(tx, &t, row.at, EntryKind::AlarmAdded, SYSTEM, note, Some(row))?;
            events.push(updated(tx, e)?);
        }
        self.raise_priority(tx, reload(tx, id)?, row, severity, events)
    }

    /// A worse alarm raises the priority. While nobody is on site the on-site due time becomes
    /// the earlier of the old one and the alarm's time plus the new, shorter target: the
    /// stricter clock starts when the worse alarm is known, and never gives more time.
    fn raise_priority(
        &self,
        tx: &Transaction,
        mut t: Ticket,
        row: &JournalRow,
        severity: Severity,
        events: &mut Vec<TicketEvent>,
    ) -> Result<(), TicketError> {
        let p = Priority::of_alarm(severity, Category::of_rule(&row.rule));
        if p <= t.priority {
            return Ok(());
        }
        let note = format!("{} → {} ({} {})", t.priority.as_str(), p.as_str(), row.rule, severity);
        t.priority = p;
        if t.on_site_at.is_none() {
            t.on_site_due = t.on_site_due.min(row.at + self.plan.on_site_target(p));
        }
        store::save(tx, &t)?;
        let e = entry(tx, &t, row.at, EntryKind::PriorityRaised, SYSTEM, Some(note), Some(row))?;
        events.push(updated(tx, e)?);
        Ok(())
    }

    fn add_checklist(
        &self,
        tx: &Transaction,
        t: Ticket,
        row: &JournalRow,
        events: &mut Vec<TicketEvent>,
    ) -> Result<(), TicketError> {
        if store::add_checklist(tx, t.id, &row.rule)? {
            let e = entry(tx, &t, row.at, EntryKind::ChecklistAdded, SYSTEM, None, Some(row))?;
            events.push(updated(tx, e)?);
        }
        Ok(())
    }

    /// A person's lifecycle step. Steps go forward only; skipping forward is allowed, and a
    /// resolve or follow-up that skips "on site" (or a follow-up that skips "resolved") stamps
    /// those times with the step's, since the work cannot be done without them.
    pub fn step(
        &self,
        tx: &Transaction,
        id: i64,
        step: Step,
        actor: &str,
        note: Option<&str>,
        now: SystemTime,
    ) -> Result<Vec<TicketEvent>, TicketError> {
        if actor.trim().is_empty() {
            return Err(TicketError::Empty("the name of who takes the step"));
        }
        let mut t = store::get(tx, id)?.ok_or(TicketError::NotFound(id))?;
        if t.state.is_final() {
            return Err(TicketError::Final {
                id,
                state: t.state.as_str(),
            });
        }
        let target = step.target();
        let backwards = TicketError::Backwards {
            id,
            from: t.state.as_str(),
            to: target.as_str(),
        };
        let mut note = note.map(str::to_string).filter(|n| !n.trim().is_empty());
        match &step {
            Step::Cancel { reason } => {
                if reason.trim().is_empty() {
                    return Err(TicketError::ReasonRequired);
                }
                t.cancelled_at = Some(now);
                t.cancel_reason = Some(reason.clone());
                note = Some(match note {
                    Some(n) => format!("{reason} ({n})"),
                    None => reason.clone(),
                });
            }
            Step::Assign { to } => {
                if to.trim().is_empty() {
                    return Err(TicketError::Empty("the assignee"));
                }
                if t.state >= TicketState::Resolved {
                    return Err(backwards);
                }
                t.assignee = Some(to.clone());
                t.assigned_at = Some(now);
                note = Some(match note {
                    Some(n) => format!("to {to}: {n}"),
                    None => format!("to {to}"),
                });
            }
            _ if target <= t.state => return Err(backwards),
            Step::Acknowledge => {
                t.acknowledged_at = Some(now);
                t.acknowledged_by = Some(actor.to_string());
            }
            Step::OnSite => t.on_site_at = Some(now),
            Step::Resolve | Step::FollowUp => {
                t.on_site_at.get_or_insert(now);
                if t.resolved_at.is_none() {
                    t.resolved_at = Some(now);
                    t.follow_up_due = Some(now + self.plan.follow_up);
                }
                if step == Step::FollowUp {
                    t.closed_at = Some(now);
                }
            }
        }
        // Reassigning keeps the state: it never moves a ticket back.
        t.state = t.state.max(target);
        store::save(tx, &t)?;
        let e = entry(tx, &t, now, EntryKind::of_step(&step), actor, note, None)?;
        Ok(vec![updated(tx, e)?])
    }

    /// A ticket for something no alarm reported (a tenant's call, a patrol finding).
    #[allow(clippy::too_many_arguments)] // the notification stage's API: each is a field of the ticket
    pub fn open_by_hand(
        &self,
        tx: &Transaction,
        category: Category,
        priority: Priority,
        title: &str,
        actor: &str,
        note: Option<&str>,
        now: SystemTime,
    ) -> Result<Vec<TicketEvent>, TicketError> {
        if title.trim().is_empty() {
            return Err(TicketError::Empty("the title"));
        }
        if actor.trim().is_empty() {
            return Err(TicketError::Empty("the name of who opens it"));
        }
        let mut t = blank(category, priority, Text::new(title, title), now, actor);
        t.on_site_due = now + self.plan.on_site_target(priority);
        t.id = store::insert(tx, &t)?;
        let note = note.map(str::to_string).filter(|n| !n.trim().is_empty());
        entry(tx, &t, now, EntryKind::Opened, actor, note, None)?;
        Ok(vec![TicketEvent::Opened {
            ticket: reload(tx, t.id)?,
        }])
    }

    /// Ticks off a checklist item (1-based, as `ticket show` numbers them).
    pub fn check(
        &self,
        tx: &Transaction,
        id: i64,
        item: i64,
        actor: &str,
        now: SystemTime,
    ) -> Result<Vec<TicketEvent>, TicketError> {
        if actor.trim().is_empty() {
            return Err(TicketError::Empty("the name of who did it"));
        }
        let t = store::get(tx, id)?.ok_or(TicketError::NotFound(id))?;
        let Some(i) = t.checklist.iter().find(|i| i.pos == item) else {
            return Err(TicketError::NoSuchItem { id, item });
        };
        let note = format!("{item}. {} / {}", i.text.zh, i.text.en);
        store::check_item(tx, id, item, actor, now)?;
        let e = entry(tx, &t, now, EntryKind::ItemChecked, actor, Some(note), None)?;
        Ok(vec![updated(tx, e)?])
    }

    /// Records every missed deadline once: on site (SLA-01/02/03 by priority) and the
    /// follow-up call (SLA-04); `nth` 2 when twice the target has passed. The entry is dated
    /// at the deadline it missed. Cheap enough to call every second (one indexed query).
    pub fn check_sla(&self, tx: &Transaction, now: SystemTime) -> Result<Vec<TicketEvent>, TicketError> {
        let mut events = Vec::new();
        for t in store::overdue(tx, now)? {
            let (sla, due, target) = if t.state.is_active() {
                (t.priority.sla(), t.on_site_due, self.plan.on_site_target(t.priority))
            } else {
                let Some(due) = t.follow_up_due else { continue };
                ("SLA-04", due, self.plan.follow_up)
            };
            for (nth, at) in [(1u32, due), (2, due + target)] {
                if now < at || store::has_entry(tx, t.id, &[EntryKind::SlaBreached], sla, None, Some(nth))? {
                    continue;
                }
                let what = if sla == "SLA-04" {
                    "follow-up call"
                } else {
                    "nobody on site"
                };
                let note = format!(
                    "{what} within {} min ({nth}× the target)",
                    target.as_secs() * nth as u64 / 60
                );
                store::append(
                    tx,
                    TimelineEntry {
                        seq: 0,
                        ticket: t.id,
                        at,
                        kind: EntryKind::SlaBreached,
                        actor: SYSTEM.into(),
                        note: Some(note),
                        rule: Some(sla.into()),
                        equipment: None,
                        nth: Some(nth),
                    },
                )?;
                events.push(TicketEvent::SlaBreached {
                    ticket: reload(tx, t.id)?,
                    sla,
                    nth,
                });
            }
        }
        Ok(events)
    }
}

fn severity_named(name: &str) -> Option<Severity> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

fn blank(category: Category, priority: Priority, title: Text, at: SystemTime, by: &str) -> Ticket {
    Ticket {
        id: 0,
        incident: None,
        previous: None,
        category,
        priority,
        state: TicketState::Open,
        title,
        rule: None,
        equipment: None,
        assignee: None,
        opened_at: at,
        opened_by: by.to_string(),
        assigned_at: None,
        acknowledged_at: None,
        acknowledged_by: None,
        on_site_at: None,
        resolved_at: None,
        closed_at: None,
        cancelled_at: None,
        cancel_reason: None,
        incident_cleared_at: None,
        on_site_due: at,
        follow_up_due: None,
        checklist: Vec::new(),
    }
}

fn entry(
    tx: &Transaction,
    t: &Ticket,
    at: SystemTime,
    kind: EntryKind,
    actor: &str,
    note: Option<String>,
    alarm: Option<&JournalRow>,
) -> Result<TimelineEntry, TicketError> {
    store::append(
        tx,
        TimelineEntry {
            seq: 0,
            ticket: t.id,
            at,
            kind,
            actor: actor.to_string(),
            note,
            rule: alarm.map(|r| r.rule.clone()),
            equipment: alarm.map(|r| r.equipment.clone()),
            nth: None,
        },
    )
}

fn reload(tx: &Transaction, id: i64) -> Result<Ticket, TicketError> {
    store::get(tx, id)?.ok_or(TicketError::NotFound(id))
}

fn updated(tx: &Transaction, entry: TimelineEntry) -> Result<TicketEvent, TicketError> {
    Ok(TicketEvent::Updated {
        ticket: reload(tx, entry.ticket)?,
        entry,
    })
}

#[cfg(test)]
#[path = "desk_tests.rs"]
mod tests;
