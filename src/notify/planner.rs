//! Ticket changes → pages in the outbox: who (routes, then the roster at that moment), on
//! which channels (each person's), with which words, under which idempotency key.
//!
//! One page per person per step: a flood of alarms in one incident is one ticket, and a
//! ticket's first page, each repeat and each escalation is one message to each person, not
//! one per alarm.

use std::time::SystemTime;

use rusqlite::Connection;

use super::channel::{Message, Recipient};
use super::message::{compose, About, Step};
use super::outbox::{self, Envelope, Planned};
use super::routes::roles_for;
use super::stage::StageError;
use crate::config::Plan;
use crate::roster::Person;
use crate::rules::outcome::{Finding, Severity};
use crate::telemetry::Metrics;
use crate::ticket::{store, Priority, Ticket, TicketEvent, TicketState};

/// Plans pages for one transaction's ticket events.
pub struct Planner<'a> {
    plan: &'a Plan,
    finding: &'a dyn Fn(&str, &str) -> Option<Finding>,
    metrics: &'a Metrics,
}

impl<'a> Planner<'a> {
    /// `finding` gives an alarm's current finding (diagnosis, action) for the words.
    pub fn new(plan: &'a Plan, finding: &'a dyn Fn(&str, &str) -> Option<Finding>, metrics: &'a Metrics) -> Self {
        Planner { plan, finding, metrics }
    }

    /// Plans the pages and exports `events` call for; returns how many rows are new.
    pub fn plan(&self, conn: &Connection, events: &[TicketEvent], now: SystemTime) -> Result<usize, StageError> {
        let mut new = 0;
        for ev in events {
            new += match ev {
                TicketEvent::Opened { ticket } => {
                    let roles = first_roles(self.plan, ticket);
                    self.page(conn, ticket, &Step::Opened, &roles, Some(1), now)?
                }
                TicketEvent::SlaBreached { ticket, sla, nth } => {
                    // Up the roster: the supervisor at the first breach, the manager after.
                    let role = if *nth >= 2 { "manager" } else { "supervisor" };
                    let step = Step::SlaBreached {
                        sla: (*sla).to_owned(),
                        nth: *nth,
                    };
                    self.page(conn, ticket, &step, &[role.to_owned()], None, now)?
                }
                TicketEvent::Escalated { ticket, rule } => {
                    let roles = roles_for(&self.plan.notify.routes, rule, Severity::Escalation);
                    let step = Step::Escalated { rule: rule.clone() };
                    self.page(conn, ticket, &step, &roles, None, now)?
                }
                TicketEvent::Updated { .. } => 0,
            };
        }
        Ok(new)
    }

    /// Repeats the page of every ticket nobody has acknowledged, once per `repeat_every`.
    pub fn repeats(&self, conn: &Connection, now: SystemTime) -> Result<usize, StageError> {
        let every = self.plan.notify.repeat_every;
        let mut new = 0;
        for ticket in store::list(conn, true)? {
            if !matches!(ticket.state, TicketState::Open | TicketState::Assigned) || ticket.rule.is_none() {
                continue;
            }
            let Some((round, at)) = outbox::last_round(conn, ticket.id)? else {
                continue;
            };
            if now.duration_since(at).is_ok_and(|d| d >= every) {
                let roles = first_roles(self.plan, &ticket);
                new += self.page(conn, &ticket, &Step::Repeat(round + 1), &roles, Some(round + 1), now)?;
            }
        }
        Ok(new)
    }

    /// One message per person holding any of `roles` now, on each of their channels.
    fn page(
        &self,
        conn: &Connection,
        ticket: &Ticket,
        step: &Step,
        roles: &[String],
        round: Option<u32>,
        now: SystemTime,
    ) -> Result<usize, StageError> {
        let people = self.people(roles, ticket, now);
        let rule = ticket.rule.as_deref().unwrap_or("-");
        let equipment = ticket.equipment.as_deref().unwrap_or("-");
        let finding = ticket.rule.as_deref().and_then(|r| (self.finding)(r, equipment));
        let link = self.link(ticket.id);
        let about = About {
            ticket: ticket.id,
            rule,
            equipment,
            severity: ticket_severity(ticket),
            title: &ticket.title,
            finding: finding.as_ref(),
            on_site_due: ticket.on_site_due,
            sla: ticket.priority.sla(),
            site: &self.plan.site.name,
            link: link.as_deref(),
        };
        let due = local_text(self.plan, ticket.on_site_due);
        let words = compose(&about, step, &due, self.plan.notify.language);
        let tag = step.tag();
        let mut new = 0;
        for person in people {
            for channel in &person.channels {
                if !self.plan.notify.channels.iter().any(|c| &c.id == channel) {
                    continue;
                }
                let envelope = Envelope {
                    to: recipient(person),
                    message: Message {
                        key: format!("t{}:{tag}:{}:{channel}", ticket.id, person.id),
                        subject: words.subject.clone(),
                        text: words.text.clone(),
                        markdown: words.markdown.clone(),
                        link: link.clone(),
                        data: serde_json::json!({
                            "site": self.plan.site.id,
                            "ticket": ticket.id,
                            "rule": rule,
                            "equipment": equipment,
                            "step": tag,
                            "round": round,
                            "on_site_due_ms": crate::db::millis(ticket.on_site_due),
                        }),
                    },
                };
                let planned = Planned {
                    ticket: Some(ticket.id),
                    step: &tag,
                    round,
                    person: &person.id,
                    channel,
                    envelope: &envelope,
                };
                if outbox::enqueue(conn, &planned, now)? {
                    new += 1;
                }
            }
        }
        Ok(new)
    }

    /// Everyone holding one of `roles` at `now`, each once, in role order.
    fn people(&self, roles: &[String], ticket: &Ticket, now: SystemTime) -> Vec<&'a Person> {
        let mut out: Vec<&Person> = Vec::new();
        for role in roles {
            let holders = self.plan.roster.on_duty(role, now);
            if holders.is_empty() {
                self.metrics.notify_unstaffed.inc();
                tracing::warn!(ticket = ticket.id, role = %role, "nobody on the roster holds this role now");
            }
            for p in holders {
                if !out.iter().any(|q| q.id == p.id) {
                    out.push(p);
                }
            }
        }
        out
    }

    fn link(&self, ticket: i64) -> Option<String> {
        self.plan
            .notify
            .console_url
            .as_ref()
            .map(|base| format!("{}/tickets/{ticket}", base.trim_end_matches('/')))
    }

    /// The CMMS export: every ticket timeline entry after the export cursor, with the ticket
    /// as it is now, as JSON to `[tickets] export_channel`. Following the timeline rather than
    /// this process's events exports the changes `facmon ticket` makes too.
    pub fn export(&self, conn: &Connection, now: SystemTime) -> Result<usize, StageError> {
        let Some(channel) = &self.plan.tickets.export_channel else {
            return Ok(0);
        };
        let mut new = 0;
        let cursor = store::cursor(conn, EXPORT_CURSOR)?;
        let entries = store::timeline_after(conn, cursor, 200)?;
        for entry in &entries {
            let Some(ticket) = store::get(conn, entry.ticket)? else {
                continue;
            };
            let envelope = Envelope {
                to: Recipient {
                    id: "export".into(),
                    name: channel.clone(),
                    mobile: None,
                    email: None,
                },
                message: Message {
                    key: format!("export:{}", entry.seq),
                    subject: format!("ticket #{} {}", ticket.id, entry.kind.as_str()),
                    text: format!("{} / {}", ticket.title.zh, ticket.title.en),
                    markdown: String::new(),
                    link: self.link(ticket.id),
                    data: serde_json::json!({ "site": self.plan.site.id, "entry": entry, "ticket": ticket }),
                },
            };
            let planned = Planned {
                ticket: Some(ticket.id),
                step: "export",
                round: None,
                person: "",
                channel,
                envelope: &envelope,
            };
            new += usize::from(outbox::enqueue(conn, &planned, now)?);
        }
        if let Some(last) = entries.last() {
            store::set_cursor(conn, EXPORT_CURSOR, last.seq)?;
        }
        Ok(new)
    }
}

/// The export's position in the ticket timeline (`stage_cursor`).
const EXPORT_CURSOR: &str = "ticket_export";

/// The roles of a ticket's first page: its cause's route.
fn first_roles(plan: &Plan, ticket: &Ticket) -> Vec<String> {
    roles_for(
        &plan.notify.routes,
        ticket.rule.as_deref().unwrap_or("*"),
        ticket_severity(ticket),
    )
}

/// The severity a ticket's pages are routed by: its priority's.
fn ticket_severity(ticket: &Ticket) -> Severity {
    match ticket.priority {
        Priority::Critical => Severity::Critical,
        Priority::Urgent | Priority::Normal => Severity::Major,
    }
}

fn recipient(p: &Person) -> Recipient {
    Recipient {
        id: p.id.clone(),
        name: p.name.clone(),
        mobile: p.mobile.clone(),
        email: p.email.clone(),
    }
}

/// A deadline as the people read it: local time of the roster's zone, `11-24 03:05`.
fn local_text(plan: &Plan, t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|ts| {
            plan.roster
                .time_zone()
                .to_datetime(ts)
                .strftime("%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
