//! Per-ticket SLA verdicts and the monthly tally (SLA-05), pure over tickets.
//!
//! Which month a ticket counts in: its on-site commitment (SLA-01/02/03) counts in the month
//! it was opened, its follow-up (SLA-04) in the month it was resolved — each where its clock
//! started, so a month's figure never changes because of what happens to other months.
//!
//! Cancelled tickets (false alarms, duplicates) are left out of the figures, except that a
//! cancellation cannot hide a miss: a ticket cancelled after its deadline passed with nobody
//! on site (or on site late) counts as late.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use super::model::{Category, Ticket};

/// How one ticket stands against one commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    OnTime,
    Late,
    /// The deadline has not passed yet.
    Pending,
    /// Cancelled in time: not counted.
    Cancelled,
}

/// The on-site commitment of the ticket's priority.
pub fn on_site(t: &Ticket, now: SystemTime) -> Verdict {
    judge(t.on_site_at, t.on_site_due, t.cancelled_at, now)
}

/// The follow-up commitment; `None` before the ticket is resolved.
pub fn follow_up(t: &Ticket, now: SystemTime) -> Option<Verdict> {
    let due = t.follow_up_due?;
    Some(judge(t.closed_at, due, t.cancelled_at, now))
}

fn judge(done: Option<SystemTime>, due: SystemTime, cancelled: Option<SystemTime>, now: SystemTime) -> Verdict {
    match (done, cancelled) {
        (Some(at), _) if at > due => Verdict::Late,
        (Some(_), None) => Verdict::OnTime,
        (Some(_), Some(_)) => Verdict::Cancelled,
        (None, Some(c)) if c > due => Verdict::Late,
        (None, Some(_)) => Verdict::Cancelled,
        (None, None) if now > due => Verdict::Late,
        (None, None) => Verdict::Pending,
    }
}

/// One line of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// On time + late + pending (cancelled ones are not counted).
    pub tickets: u32,
    pub on_time: u32,
    pub late: u32,
    pub pending: u32,
    pub cancelled: u32,
    /// On time out of those decided (on time + late); `None` when none is decided.
    pub pct: Option<f64>,
    /// `pct` reaches the target; `None` when there is no percentage.
    pub target_met: Option<bool>,
}

impl Tally {
    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::OnTime => self.on_time += 1,
            Verdict::Late => self.late += 1,
            Verdict::Pending => self.pending += 1,
            Verdict::Cancelled => self.cancelled += 1,
        }
    }

    fn finish(&mut self, target_pct: f64) {
        self.tickets = self.on_time + self.late + self.pending;
        let decided = self.on_time + self.late;
        self.pct = (decided > 0).then(|| f64::from(self.on_time) * 100.0 / f64::from(decided));
        // Compared at report precision (0.1 %), so 98.0 % printed is 98.0 % met.
        self.target_met = self.pct.map(|p| (p * 10.0).round() >= (target_pct * 10.0).round());
    }
}

/// A month's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthTally {
    /// On site in time, per category (every category listed, zeros included).
    pub categories: BTreeMap<Category, Tally>,
    pub overall: Tally,
    /// SLA-04: follow-up calls of tickets resolved this month.
    pub follow_up: Tally,
}

/// Counts the tickets of `[from, to)` (see the module doc for which month a ticket counts in).
pub fn tally(tickets: &[Ticket], from: SystemTime, to: SystemTime, now: SystemTime, target_pct: f64) -> MonthTally {
    let mut m = MonthTally {
        categories: Category::ALL.into_iter().map(|c| (c, Tally::default())).collect(),
        ..MonthTally::default()
    };
    let within = |t: SystemTime| from <= t && t < to;
    for t in tickets {
        if within(t.opened_at) {
            let v = on_site(t, now);
            m.categories.entry(t.category).or_default().add(v);
            m.overall.add(v);
        }
        if let (Some(resolved), Some(v)) = (t.resolved_at, follow_up(t, now)) {
            if within(resolved) {
                m.follow_up.add(v);
            }
        }
    }
    for t in m.categories.values_mut().chain([&mut m.overall, &mut m.follow_up]) {
        t.finish(target_pct);
    }
    m
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ticket::model::{Priority, TicketState};

    fn at(min: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_793_000_000 + min * 60)
    }

    fn ticket(category: Category, opened: u64, on_site: Option<u64>) -> Ticket {
        Ticket {
            id: 1,
            incident: None,
            previous: None,
            category,
            priority: Priority::Urgent,
            state: TicketState::Open,
            title: crate::rules::outcome::Text::new("t", "t"),
            rule: None,
            equipment: None,
            assignee: None,
            opened_at: at(opened),
            opened_by: "x".into(),
            assigned_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            on_site_at: on_site.map(at),
            resolved_at: None,
            closed_at: None,
            cancelled_at: None,
            cancel_reason: None,
            incident_cleared_at: None,
            on_site_due: at(opened + 15),
            follow_up_due: None,
            checklist: Vec::new(),
        }
    }

    #[test]
    fn fifty_tickets_with_forty_nine_on_time_are_98_percent_and_meet_the_target() {
        let mut ts: Vec<Ticket> = (0..49).map(|i| ticket(Category::Power, i, Some(i + 10))).collect();
        ts.push(ticket(Category::Water, 60, Some(80)));
        let m = tally(&ts, at(0), at(10_000), at(10_000), 98.0);
        assert_eq!((m.overall.tickets, m.overall.on_time, m.overall.late), (50, 49, 1));
        assert_eq!(m.overall.pct, Some(98.0));
        assert_eq!(m.overall.target_met, Some(true));
        assert_eq!(m.categories[&Category::Water].pct, Some(0.0));
        assert_eq!(m.categories[&Category::Drainage].pct, None);
    }

    #[test]
    fn open_tickets_are_pending_until_their_deadline_and_late_after() {
        let t = ticket(Category::Fire, 0, None);
        assert_eq!(on_site(&t, at(15)), Verdict::Pending);
        assert_eq!(on_site(&t, at(16)), Verdict::Late);
    }

    #[test]
    fn a_cancellation_is_not_counted_unless_it_came_after_a_missed_deadline() {
        let mut t = ticket(Category::Fire, 0, None);
        t.cancelled_at = Some(at(5));
        assert_eq!(on_site(&t, at(100)), Verdict::Cancelled);
        t.cancelled_at = Some(at(20));
        assert_eq!(on_site(&t, at(100)), Verdict::Late);
    }

    #[test]
    fn the_follow_up_counts_in_the_month_of_resolution() {
        let mut t = ticket(Category::Power, 0, Some(5));
        t.resolved_at = Some(at(20_000));
        t.follow_up_due = Some(at(20_000 + 48 * 60));
        t.closed_at = Some(at(20_100));
        let opened_month = tally(std::slice::from_ref(&t), at(0), at(10_000), at(30_000), 98.0);
        assert_eq!((opened_month.overall.on_time, opened_month.follow_up.tickets), (1, 0));
        let resolved_month = tally(&[t], at(10_000), at(30_000), at(30_000), 98.0);
        assert_eq!(
            (resolved_month.overall.tickets, resolved_month.follow_up.on_time),
            (0, 1)
        );
    }
}
