//! `facmon ticket …` and `facmon report sla`.
//!
//! Both open `facmon.db` in the plan's data directory; the daemon may be running (WAL, busy
//! timeout). Changes take an immediate transaction, so two writers queue rather than fail.

use std::fmt::Write as _;
use std::time::SystemTime;

use rusqlite::TransactionBehavior;

use super::model::{Category, Priority, Step, Ticket, TicketEvent};
use super::report::{self, local, Month};
use super::{sla, store, Desk, TicketError};
use crate::config::{Language, Plan};

/// The `facmon ticket` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TicketCommand {
    /// List open tickets (not closed or cancelled), newest first.
    List {
        /// Every ticket, closed and cancelled ones too.
        #[arg(long)]
        all: bool,
    },
    /// A ticket with its checklist and timeline.
    Show { id: i64 },
    /// Open a ticket by hand (a tenant's call, a patrol finding).
    Open {
        /// power, water, drainage, fire, comms or other.
        #[arg(long, value_parser = ["power", "water", "drainage", "fire", "comms", "other"])]
        category: String,
        /// critical (SLA-01), urgent (SLA-02) or normal (SLA-03).
        #[arg(long, default_value = "normal", value_parser = ["critical", "urgent", "normal"])]
        priority: String,
        #[arg(long)]
        title: String,
        /// Who opens it.
        #[arg(long)]
        by: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Give a ticket to someone (again, to reassign it).
    Assign {
        id: i64,
        #[arg(long)]
        to: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Acknowledge a ticket: stops its repeat notifications.
    Ack(StepArgs),
    /// Someone is on site (SLA-01/02/03 are measured to here).
    OnSite(StepArgs),
    /// The repair is done; the follow-up call (SLA-04) is due from now.
    Resolve(StepArgs),
    /// The follow-up call is done: closes the ticket.
    FollowUp(StepArgs),
    /// Cancel a ticket that needs no work (false alarm, duplicate).
    Cancel {
        id: i64,
        #[arg(long)]
        by: String,
        /// Why; required.
        #[arg(long)]
        reason: String,
    },
    /// Tick off a checklist item (its number in `ticket show`).
    Check {
        id: i64,
        item: i64,
        #[arg(long)]
        by: String,
    },
}

/// A lifecycle step's arguments.
#[derive(Debug, clap::Args)]
pub struct StepArgs {
    pub id: i64,
    /// Who takes the step.
    #[arg(long)]
    pub by: String,
    #[arg(long)]
    pub note: Option<String>,
}

/// `facmon report sla` arguments.
#[derive(Debug, clap::Args)]
pub struct SlaReportArgs {
    /// The month, e.g. 2026-11, in the site's time zone (site.timezone).
    #[arg(long)]
    pub month: String,
    /// table, csv or json.
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
    pub format: String,
}

/// Runs one ticket subcommand; returns the text to print.
pub fn run(plan: &Plan, cmd: &TicketCommand, now: SystemTime) -> Result<String, String> {
    let mut db = crate::db::open(&plan.data_dir).map_err(|e| e.to_string())?;
    let tz = &plan.site.timezone;
    let lang = plan.site.language;
    match cmd {
        TicketCommand::List { all } => {
            let tickets = store::list(&db.conn, !all).map_err(|e| e.to_string())?;
            Ok(listing(&tickets, tz, lang))
        }
        TicketCommand::Show { id } => {
            let t = store::get(&db.conn, *id)
                .and_then(|t| t.ok_or(TicketError::NotFound(*id)))
                .map_err(|e| e.to_string())?;
            let timeline = store::timeline(&db.conn, *id).map_err(|e| e.to_string())?;
            let mut out = detail(&t, tz, lang);
            out.push_str("timeline:\n");
            for e in timeline {
                let what = [e.rule, e.equipment, e.nth.map(|n| format!("#{n}")), e.note];
                let what: Vec<String> = what.into_iter().flatten().collect();
                let _ = writeln!(
                    out,
                    "  {}  {:<16} {:<10} {}",
                    local(e.at, tz),
                    e.kind.as_str(),
                    e.actor,
                    what.join(" ")
                );
            }
            Ok(out)
        }
        _ => {
            let desk = Desk::new(&plan.tickets);
            let tx = db
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| TicketError::from(e).to_string())?;
            let events = change(&desk, &tx, cmd, now).map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| TicketError::from(e).to_string())?;
            let mut out = String::new();
            for e in &events {
                let t = e.ticket();
                let _ = writeln!(out, "ticket #{} is {}: {}", t.id, t.state.as_str(), t.title.get(lang));
            }
            Ok(out)
        }
    }
}

fn change(
    desk: &Desk,
    tx: &rusqlite::Transaction,
    cmd: &TicketCommand,
    now: SystemTime,
) -> Result<Vec<TicketEvent>, TicketError> {
    let step = |a: &StepArgs, s: Step| desk.step(tx, a.id, s, &a.by, a.note.as_deref(), now);
    match cmd {
        TicketCommand::Open {
            category,
            priority,
            title,
            by,
            note,
        } => {
            let c = Category::from_name(category).unwrap_or(Category::Other);
            let p = Priority::from_name(priority).unwrap_or(Priority::Normal);
            desk.open_by_hand(tx, c, p, title, by, note.as_deref(), now)
        }
        TicketCommand::Assign { id, to, by, note } => {
            desk.step(tx, *id, Step::Assign { to: to.clone() }, by, note.as_deref(), now)
        }
        TicketCommand::Ack(a) => step(a, Step::Acknowledge),
        TicketCommand::OnSite(a) => step(a, Step::OnSite),
        TicketCommand::Resolve(a) => step(a, Step::Resolve),
        TicketCommand::FollowUp(a) => step(a, Step::FollowUp),
        TicketCommand::Cancel { id, by, reason } => {
            desk.step(tx, *id, Step::Cancel { reason: reason.clone() }, by, None, now)
        }
        TicketCommand::Check { id, item, by } => desk.check(tx, *id, *item, by, now),
        TicketCommand::List { .. } | TicketCommand::Show { .. } => Ok(Vec::new()),
    }
}

fn listing(tickets: &[Ticket], tz: &str, lang: Language) -> String {
    if tickets.is_empty() {
        return "no tickets\n".into();
    }
    let mut out = format!(
        "{:>5}  {:<12} {:<8} {:<8} {:<16} {:<16} {}\n",
        "#", "state", "priority", "category", "opened", "on site due", "title"
    );
    for t in tickets {
        let _ = writeln!(
            out,
            "{:>5}  {:<12} {:<8} {:<8} {:<16} {:<16} {}",
            t.id,
            t.state.as_str(),
            t.priority.as_str(),
            t.category.as_str(),
            local(t.opened_at, tz),
            local(t.on_site_due, tz),
            t.title.get(lang)
        );
    }
    out
}

fn detail(t: &Ticket, tz: &str, lang: Language) -> String {
    let mut out = format!("ticket #{}: {}\n", t.id, t.title.get(lang));
    let mut field = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            let _ = writeln!(out, "  {k:<18} {v}");
        }
    };
    let at = |v: Option<SystemTime>| v.map(|v| local(v, tz));
    field("state", Some(t.state.as_str().into()));
    field(
        "priority",
        Some(format!("{} ({})", t.priority.as_str(), t.priority.sla())),
    );
    field("category", Some(t.category.as_str().into()));
    field(
        "alarm",
        t.rule
            .as_ref()
            .map(|r| format!("{r} {}", t.equipment.as_deref().unwrap_or(""))),
    );
    field("incident", t.incident.map(|i| i.to_string()));
    field("re-trip of", t.previous.map(|p| format!("#{p}")));
    field("opened", Some(format!("{} by {}", local(t.opened_at, tz), t.opened_by)));
    field("assignee", t.assignee.clone());
    field(
        "acknowledged",
        at(t.acknowledged_at).map(|a| format!("{a} by {}", t.acknowledged_by.as_deref().unwrap_or("?"))),
    );
    field("on site due", Some(local(t.on_site_due, tz)));
    field("on site", at(t.on_site_at));
    field("incident cleared", at(t.incident_cleared_at));
    field("resolved", at(t.resolved_at));
    field("follow-up due", at(t.follow_up_due));
    field("closed", at(t.closed_at));
    field(
        "cancelled",
        at(t.cancelled_at).map(|a| format!("{a}: {}", t.cancel_reason.as_deref().unwrap_or(""))),
    );
    if !t.checklist.is_empty() {
        out.push_str("checklist:\n");
        for i in &t.checklist {
            let done = match (&i.done_at, &i.done_by) {
                (Some(at), by) => format!("[x] ({} {})", local(*at, tz), by.as_deref().unwrap_or("")),
                _ => "[ ]".into(),
            };
            let _ = writeln!(out, "  {:>2}. {done} {} ({})", i.pos, i.text.get(lang), i.rule);
        }
    }
    out
}

/// `facmon report sla`; returns the text to print.
pub fn sla_report(plan: &Plan, args: &SlaReportArgs, now: SystemTime) -> Result<String, String> {
    let month = Month::parse(&args.month, &plan.site.timezone)?;
    let db = crate::db::open(&plan.data_dir).map_err(|e| e.to_string())?;
    let tickets = store::opened_or_resolved_between(&db.conn, month.start, month.end).map_err(|e| e.to_string())?;
    let tally = sla::tally(&tickets, month.start, month.end, now, plan.tickets.target_pct);
    report::render(&month, &tally, plan.tickets.target_pct, &args.format)
}
