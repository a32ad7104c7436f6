//! The ticket record, its lifecycle and what the desk reports.

use std::time::SystemTime;

use serde::Serialize;

use crate::rules::outcome::{Severity, Text};

/// What a ticket is about, from the rule family; reports are broken down by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Power,
    Water,
    Drainage,
    Fire,
    Comms,
    /// Custom rules and tickets opened by hand for anything else.
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Power,
        Category::Water,
        Category::Drainage,
        Category::Fire,
        Category::Comms,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Power => "power",
            Category::Water => "water",
            Category::Drainage => "drainage",
            Category::Fire => "fire",
            Category::Comms => "comms",
            Category::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The category of a rule id's family (`PWR-…` → power).
    pub fn of_rule(rule: &str) -> Category {
        match rule.split('-').next().unwrap_or("") {
            "PWR" => Category::Power,
            "WAT" => Category::Water,
            "DRN" => Category::Drainage,
            "FIRE" => Category::Fire,
            "COM" => Category::Comms,
            _ => Category::Other,
        }
    }
}

/// How fast someone must be on site: each priority has its SLA (01, 02, 03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// SLA-03: other repairs.
    Normal,
    /// SLA-02: power or water, major.
    Urgent,
    /// SLA-01: a critical alarm.
    Critical,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Normal, Priority::Urgent, Priority::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Urgent => "urgent",
            Priority::Critical => "critical",
        }
    }

    pub fn from_name(name: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The on-site commitment this priority is measured against.
    pub fn sla(self) -> &'static str {
        match self {
            Priority::Critical => "SLA-01",
            Priority::Urgent => "SLA-02",
            Priority::Normal => "SLA-03",
        }
    }

    /// The priority of an alarm: critical alarms are critical, major power or water alarms
    /// urgent (the procedures' "urgent repair"), everything else normal.
    pub fn of_alarm(severity: Severity, category: Category) -> Priority {
        match severity {
            Severity::Critical | Severity::Escalation => Priority::Critical,
            Severity::Major if matches!(category, Category::Power | Category::Water) => Priority::Urgent,
            _ => Priority::Normal,
        }
    }
}

/// Where a ticket is in its lifecycle. The order of the variants is the lifecycle's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Open,
    Assigned,
    Acknowledged,
    OnSite,
    Resolved,
    /// Followed up with the affected party (回访): done.
    Closed,
    Cancelled,
}

impl TicketState {
    pub const ALL: [TicketState; 7] = [
        TicketState::Open,
        TicketState::Assigned,
        TicketState::Acknowledged,
        TicketState::OnSite,
        TicketState::Resolved,
        TicketState::Closed,
        TicketState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::Assigned => "assigned",
            TicketState::Acknowledged => "acknowledged",
            TicketState::OnSite => "on_site",
            TicketState::Resolved => "resolved",
            TicketState::Closed => "closed",
            TicketState::Cancelled => "cancelled",
        }
    }

    pub fn from_name(name: &str) -> Option<TicketState> {
        TicketState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Nothing more can happen to it.
    pub fn is_final(self) -> bool {
        matches!(self, TicketState::Closed | TicketState::Cancelled)
    }

    /// Someone still has to go and fix something: new alarms of its incident join it.
    pub fn is_active(self) -> bool {
        self < TicketState::Resolved
    }
}

/// A step a person takes on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Give it to someone. Allowed again later (reassignment) without moving the state back.
    Assign {
        to: String,
    },
    Acknowledge,
    OnSite,
    Resolve,
    /// The follow-up call is done (回访): closes the ticket.
    FollowUp,
    /// Allowed from any state that is not final; the reason is required.
    Cancel {
        reason: String,
    },
}

impl Step {
    /// The state the step leads to.
    pub fn target(&self) -> TicketState {
        match self {
            Step::Assign { .. } => TicketState::Assigned,
            Step::Acknowledge => TicketState::Acknowledged,
            Step::OnSite => TicketState::OnSite,
            Step::Resolve => TicketState::Resolved,
            Step::FollowUp => TicketState::Closed,
            Step::Cancel { .. } => TicketState::Cancelled,
        }
    }
}

/// One required action of a procedure, as copied onto a ticket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckItem {
    /// 1-based position on the ticket; `facmon ticket check N ITEM` uses it.
    pub pos: i64,
    /// The procedure it comes from.
    pub rule: String,
    pub text: Text,
    #[serde(rename = "done_at_ms", with = "crate::clock::opt_ms")]
    pub done_at: Option<SystemTime>,
    pub done_by: Option<String>,
}

/// A work order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: i64,
    /// The alarm incident it was opened for; `None` when opened by hand.
    pub incident: Option<i64>,
    /// The ticket of the same incident that was resolved before this one was opened (a re-trip).
    pub previous: Option<i64>,
    pub category: Category,
    pub priority: Priority,
    pub state: TicketState,
    pub title: Text,
    /// The alarm that opened it (`None` when opened by hand).
    pub rule: Option<String>,
    pub equipment: Option<String>,
    pub assignee: Option<String>,
    #[serde(rename = "opened_at_ms", with = "crate::clock::ms")]
    pub opened_at: SystemTime,
    pub opened_by: String,
    #[serde(rename = "assigned_at_ms", with = "crate::clock::opt_ms")]
    pub assigned_at: Option<SystemTime>,
    #[serde(rename = "acknowledged_at_ms", with = "crate::clock::opt_ms")]
    pub acknowledged_at: Option<SystemTime>,
    pub acknowledged_by: Option<String>,
    #[serde(rename = "on_site_at_ms", with = "crate::clock::opt_ms")]
    pub on_site_at: Option<SystemTime>,
    #[serde(rename = "resolved_at_ms", with = "crate::clock::opt_ms")]
    pub resolved_at: Option<SystemTime>,
    #[serde(rename = "closed_at_ms", with = "crate::clock::opt_ms")]
    pub closed_at: Option<SystemTime>,
    #[serde(rename = "cancelled_at_ms", with = "crate::clock::opt_ms")]
    pub cancelled_at: Option<SystemTime>,
    pub cancel_reason: Option<String>,
    /// When the alarm incident closed (every alarm of it normal); the ticket stays open.
    #[serde(rename = "incident_cleared_at_ms", with = "crate::clock::opt_ms")]
    pub incident_cleared_at: Option<SystemTime>,
    /// Someone must be on site by then (SLA-01/02/03 from the priority).
    #[serde(rename = "on_site_due_ms", with = "crate::clock::ms")]
    pub on_site_due: SystemTime,
    /// The follow-up call must be done by then (SLA-04); set on resolution.
    #[serde(rename = "follow_up_due_ms", with = "crate::clock::opt_ms")]
    pub follow_up_due: Option<SystemTime>,
    pub checklist: Vec<CheckItem>,
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Opened,
    /// Another alarm joined the ticket's incident.
    AlarmAdded,
    /// A more severe alarm joined: the priority (and on-site due time) changed.
    PriorityRaised,
    /// PWR-05 / WAT-05: the incident went on too long.
    Escalated,
    /// A procedure's checklist was added (PWR-09's recovery checks, a joining alarm's actions).
    ChecklistAdded,
    ItemChecked,
    Assigned,
    Acknowledged,
    OnSite,
    Resolved,
    /// Followed up: the ticket is closed.
    Closed,
    Cancelled,
    /// The alarm incident closed; a person still confirms the repair.
    IncidentCleared,
    SlaBreached,
}

impl EntryKind {
    pub const ALL: [EntryKind; 14] = [
        EntryKind::Opened,
        EntryKind::AlarmAdded,
        EntryKind::PriorityRaised,
        EntryKind::Escalated,
        EntryKind::ChecklistAdded,
        EntryKind::ItemChecked,
        EntryKind::Assigned,
        EntryKind::Acknowledged,
        EntryKind::OnSite,
        EntryKind::Resolved,
        EntryKind::Closed,
        EntryKind::Cancelled,
        EntryKind::IncidentCleared,
        EntryKind::SlaBreached,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Opened => "opened",
            EntryKind::AlarmAdded => "alarm_added",
            EntryKind::PriorityRaised => "priority_raised",
            EntryKind::Escalated => "escalated",
            EntryKind::ChecklistAdded => "checklist_added",
            EntryKind::ItemChecked => "item_checked",
            EntryKind::Assigned => "assigned",
            EntryKind::Acknowledged => "acknowledged",
            EntryKind::OnSite => "on_site",
            EntryKind::Resolved => "resolved",
            EntryKind::Closed => "closed",
            EntryKind::Cancelled => "cancelled",
            EntryKind::IncidentCleared => "incident_cleared",
            EntryKind::SlaBreached => "sla_breached",
        }
    }

    pub fn from_name(name: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The entry a lifecycle step writes.
    pub fn of_step(step: &Step) -> EntryKind {
        match step {
            Step::Assign { .. } => EntryKind::Assigned,
            Step::Acknowledge => EntryKind::Acknowledged,
            Step::OnSite => EntryKind::OnSite,
            Step::Resolve => EntryKind::Resolved,
            Step::FollowUp => EntryKind::Closed,
            Step::Cancel { .. } => EntryKind::Cancelled,
        }
    }
}

/// One step of a ticket's history; the timeline is append-only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub seq: i64,
    pub ticket: i64,
    #[serde(rename = "at_ms", with = "crate::clock::ms")]
    pub at: SystemTime,
    pub kind: EntryKind,
    pub actor: String,
    pub note: Option<String>,
    /// The alarm's rule (alarm added, escalated, checklist) or the SLA id (breach).
    pub rule: Option<String>,
    pub equipment: Option<String>,
    /// For SLA breaches: 1 = first breach, 2 = still not met after twice the target.
    pub nth: Option<u32>,
}

/// What happened to tickets, for notifications and the export webhook.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TicketEvent {
    Opened {
        ticket: Ticket,
    },
    /// Any timeline entry after opening: alarm added, a step, incident cleared, checklist.
    Updated {
        ticket: Ticket,
        entry: TimelineEntry,
    },
    SlaBreached {
        ticket: Ticket,
        /// `SLA-01` … `SLA-04`.
        sla: &'static str,
        /// 1 = first breach, 2 = still not met after twice the target.
        nth: u32,
    },
    Escalated {
        ticket: Ticket,
        /// PWR-05 / WAT-05, raised in this ticket's incident.
        rule: String,
    },
}

impl TicketEvent {
    pub fn ticket(&self) -> &Ticket {
        match self {
            TicketEvent::Opened { ticket }
            | TicketEvent::Updated { ticket, .. }
            | TicketEvent::SlaBreached { ticket, .. }
            | TicketEvent::Escalated { ticket, .. } => ticket,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_name(c.as_str()), Some(c));
        }
        for s in TicketState::ALL {
            assert_eq!(TicketState::from_name(s.as_str()), Some(s));
        }
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::from_name(k.as_str()), Some(k));
        }
    }

    #[test]
    fn major_power_and_water_alarms_are_urgent_and_others_normal() {
        assert_eq!(
            Priority::of_alarm(Severity::Major, Category::of_rule("PWR-01")),
            Priority::Urgent
        );
        assert_eq!(
            Priority::of_alarm(Severity::Major, Category::of_rule("WAT-01")),
            Priority::Urgent
        );
        assert_eq!(
            Priority::of_alarm(Severity::Major, Category::of_rule("DRN-01")),
            Priority::Normal
        );
        assert_eq!(
            Priority::of_alarm(Severity::Critical, Category::of_rule("FIRE-01")),
            Priority::Critical
        );
        assert_eq!(Category::of_rule("GEN-VOLT-HIGH"), Category::Other);
    }
}
