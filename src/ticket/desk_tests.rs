use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::db;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_793_000_000)
}

fn at(s: u64) -> SystemTime {
    t0() + Duration::from_secs(s)
}

fn row(s: u64, kind: &str, rule: &str, equipment: &str, severity: Option<&str>, incident: i64) -> JournalRow {
    JournalRow {
        seq: 0,
        at: at(s),
        rule: rule.into(),
        equipment: equipment.into(),
        kind: kind.into(),
        actor: SYSTEM.into(),
        severity: severity.map(Into::into),
        announce: kind == "raised",
        incident: Some(incident),
        state: None,
        active: None,
    }
}

fn raised(s: u64, rule: &str, severity: &str, incident: i64) -> JournalRow {
    row(s, "raised", rule, "ats-1", Some(severity), incident)
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: db::Db,
    plan: TicketPlan,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = db::open(dir.path()).unwrap();
        Fixture {
            _dir: dir,
            db,
            plan: TicketPlan::default(),
        }
    }

    fn apply(&mut self, rows: &[JournalRow]) -> Vec<TicketEvent> {
        let tx = self.db.conn.transaction().unwrap();
        let events = Desk::new(&self.plan).apply(&tx, rows, at(0)).unwrap();
        tx.commit().unwrap();
        events
    }

    fn step(&mut self, id: i64, step: Step, s: u64) -> Result<Vec<TicketEvent>, TicketError> {
        let tx = self.db.conn.transaction().unwrap();
        let r = Desk::new(&self.plan).step(&tx, id, step, "王工", None, at(s));
        tx.commit().unwrap();
        r
    }

    fn check_sla(&mut self, s: u64) -> Vec<(&'static str, u32)> {
        let tx = self.db.conn.transaction().unwrap();
        let events = Desk::new(&self.plan).check_sla(&tx, at(s)).unwrap();
        tx.commit().unwrap();
        events
            .into_iter()
            .map(|e| match e {
                TicketEvent::SlaBreached { sla, nth, .. } => (sla, nth),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn ticket(&self, id: i64) -> Ticket {
        store::get(&self.db.conn, id).unwrap().unwrap()
    }

    fn kinds(&self, id: i64) -> Vec<&'static str> {
        store::timeline(&self.db.conn, id)
            .unwrap()
            .iter()
            .map(|e| e.kind.as_str())
            .collect()
    }
}

fn opened(events: &[TicketEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, TicketEvent::Opened { .. }))
        .count()
}

#[test]
fn one_ticket_per_incident_through_a_flood_of_raises() {
    let mut f = Fixture::new();
    let mut rows: Vec<JournalRow> = (0..200).map(|i| raised(i, "PWR-01", "major", 1)).collect();
    rows.extend((200..300).map(|i| raised(i, "PWR-02", "critical", 1)));
    let events = f.apply(&rows);
    assert_eq!(opened(&events), 1);
    assert_eq!(store::list(&f.db.conn, false).unwrap().len(), 1);
    let t = f.ticket(1);
    assert_eq!(
        (t.category, t.incident, t.title.en.as_str()),
        (Category::Power, Some(1), "Mains lost at ats-1")
    );
    assert_eq!(t.title.zh, "ats-1 市电停电");
    assert_eq!(f.kinds(1), vec!["opened", "alarm_added", "priority_raised"]);
    assert!(t
        .checklist
        .iter()
        .any(|i| i.rule == "PWR-02" && i.text.en.starts_with("(1) Generator controller")));
    assert!(events.len() < 5, "{} events for one incident", events.len());
}

#[test]
fn a_worse_alarm_raises_the_priority_and_brings_the_on_site_time_forward_never_back() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "PWR-01", "major", 1)]);
    assert_eq!(
        (f.ticket(1).priority, f.ticket(1).on_site_due),
        (Priority::Urgent, at(15 * 60))
    );
    // Critical 60 s later: 60 s + 5 min is earlier than 15 min.
    f.apply(&[raised(60, "PWR-02", "critical", 1)]);
    assert_eq!(
        (f.ticket(1).priority, f.ticket(1).on_site_due),
        (Priority::Critical, at(6 * 60))
    );

    let mut g = Fixture::new();
    g.apply(&[raised(0, "PWR-01", "major", 1)]);
    // Critical 14 min later: the old 15-minute promise stands (never more time).
    g.apply(&[raised(14 * 60, "PWR-02", "critical", 1)]);
    assert_eq!(g.ticket(1).on_site_due, at(15 * 60));
}

#[test]
fn rows_that_are_not_announced_open_nothing() {
    let mut f = Fixture::new();
    let mut quiet = raised(0, "WAT-01", "major", 3);
    quiet.announce = false;
    let warning = raised(1, "PWR-04", "warning", 4);
    let out_of_service = JournalRow {
        incident: None,
        ..row(2, "out_of_service", "*", "pump-1", None, 0)
    };
    assert!(f.apply(&[quiet, warning, out_of_service]).is_empty());
    assert!(store::list(&f.db.conn, false).unwrap().is_empty());
}

#[test]
fn re_trip_after_resolve_opens_a_linked_ticket() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "DRN-01", "major", 7)]);
    f.step(1, Step::Resolve, 600).unwrap();
    let events = f.apply(&[raised(900, "DRN-01", "major", 7)]);
    assert_eq!(opened(&events), 1);
    let t = f.ticket(2);
    assert_eq!(
        (t.previous, t.incident, t.priority),
        (Some(1), Some(7), Priority::Normal)
    );
    assert_eq!(store::for_incident(&f.db.conn, 7).unwrap().len(), 2);
    assert_eq!(f.kinds(2), vec!["opened"]);
}

#[test]
fn alarm_ack_acknowledges_the_ticket() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "FIRE-01", "critical", 2)]);
    let mut ack = row(30, "acknowledged", "FIRE-01", "ats-1", Some("critical"), 2);
    ack.actor = "李明".into();
    let events = f.apply(&[ack.clone()]);
    assert_eq!(events.len(), 1);
    let t = f.ticket(1);
    assert_eq!(
        (t.state, t.acknowledged_by.as_deref()),
        (TicketState::Acknowledged, Some("李明"))
    );
    assert_eq!(t.acknowledged_at, Some(at(30)));
    // A second acknowledgement (another alarm of the incident) changes nothing.
    assert!(f.apply(&[ack]).is_empty());
}

#[test]
fn an_ack_after_the_incident_closed_still_acknowledges_the_ticket() {
    let mut f = Fixture::new();
    f.apply(&[
        raised(0, "DRN-02", "critical", 4),
        row(60, "incident_closed", "DRN-02", "ats-1", None, 4),
    ]);
    let mut ack = row(90, "acknowledged", "DRN-02", "ats-1", Some("critical"), 0);
    ack.incident = None;
    assert_eq!(f.apply(&[ack]).len(), 1);
    assert_eq!(f.ticket(1).state, TicketState::Acknowledged);
}

#[test]
fn incident_clear_is_recorded_and_does_not_close() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "WAT-01", "major", 5)]);
    let events = f.apply(&[row(300, "incident_closed", "WAT-01", "ats-1", None, 5)]);
    assert_eq!(events.len(), 1);
    let t = f.ticket(1);
    assert_eq!((t.state, t.incident_cleared_at), (TicketState::Open, Some(at(300))));
    assert_eq!(f.kinds(1), vec!["opened", "incident_cleared"]);
}

#[test]
fn escalation_is_recorded_once_and_reported() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "PWR-01", "major", 1)]);
    let events = f.apply(&[
        raised(1800, "PWR-05", "escalation", 1),
        raised(1801, "PWR-05", "escalation", 1),
    ]);
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], TicketEvent::Escalated { rule, .. } if rule == "PWR-05"));
    assert_eq!(f.kinds(1), vec!["opened", "escalated"]);
}

#[test]
fn power_restored_adds_the_recovery_checklist_to_the_outage_ticket() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "PWR-01", "major", 1)]);
    let mut restored = raised(600, "PWR-09", "info", 1);
    restored.announce = false;
    assert_eq!(f.apply(&[restored.clone(), restored]).len(), 1);
    let items: Vec<String> = f
        .ticket(1)
        .checklist
        .into_iter()
        .filter(|i| i.rule == "PWR-09")
        .map(|i| i.text.en)
        .collect();
    assert!(items.iter().any(|i| i.contains("every breaker")), "{items:?}");
    assert!(items.iter().any(|i| i.contains("generator run time")), "{items:?}");
}

#[test]
fn each_sla_breach_is_recorded_once_with_nth() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "PWR-02", "critical", 1)]);
    assert!(f.check_sla(299).is_empty());
    assert_eq!(f.check_sla(301), vec![("SLA-01", 1)]);
    assert!(f.check_sla(302).is_empty());
    assert_eq!(f.check_sla(600), vec![("SLA-01", 2)]);
    assert!(f.check_sla(5000).is_empty());
    f.step(1, Step::Resolve, 6000).unwrap();
    let due = 6000 + 48 * 3600;
    assert!(f.check_sla(due - 1).is_empty());
    assert_eq!(f.check_sla(due + 2 * 48 * 3600), vec![("SLA-04", 1), ("SLA-04", 2)]);
    assert!(f.check_sla(due + 3 * 48 * 3600).is_empty());
    let breaches = store::timeline(&f.db.conn, 1)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EntryKind::SlaBreached);
    assert_eq!(breaches.count(), 4);
}

#[test]
fn steps_skip_forward_and_stamp_the_times_they_imply() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "DRN-04", "major", 9)]);
    f.step(1, Step::Assign { to: "张三".into() }, 10).unwrap();
    f.step(1, Step::OnSite, 100).unwrap();
    // Reassignment after arrival keeps the state.
    f.step(1, Step::Assign { to: "李四".into() }, 110).unwrap();
    assert_eq!(
        (f.ticket(1).state, f.ticket(1).assignee.as_deref()),
        (TicketState::OnSite, Some("李四"))
    );
    f.step(1, Step::FollowUp, 500).unwrap();
    let t = f.ticket(1);
    assert_eq!(
        (t.state, t.on_site_at, t.resolved_at, t.closed_at),
        (TicketState::Closed, Some(at(100)), Some(at(500)), Some(at(500)))
    );
}

#[test]
fn invalid_step_refused() {
    let mut f = Fixture::new();
    f.apply(&[raised(0, "DRN-04", "major", 9)]);
    f.step(1, Step::OnSite, 100).unwrap();
    let back = f.step(1, Step::Acknowledge, 110).unwrap_err();
    assert!(
        matches!(
            back,
            TicketError::Backwards {
                from: "on_site",
                to: "acknowledged",
                ..
            }
        ),
        "{back}"
    );
    assert!(back.to_string().contains("only go forward"));
    assert!(matches!(
        f.step(1, Step::OnSite, 120),
        Err(TicketError::Backwards { .. })
    ));
    let no_reason = f.step(1, Step::Cancel { reason: " ".into() }, 130).unwrap_err();
    assert!(no_reason.to_string().contains("--reason"), "{no_reason}");
    f.step(
        1,
        Step::Cancel {
            reason: "duplicate of #7".into(),
        },
        140,
    )
    .unwrap();
    assert!(matches!(
        f.step(1, Step::Resolve, 150),
        Err(TicketError::Final { state: "cancelled", .. })
    ));
    assert!(matches!(f.step(99, Step::Resolve, 150), Err(TicketError::NotFound(99))));
    assert_eq!(f.ticket(1).cancel_reason.as_deref(), Some("duplicate of #7"));
}

#[test]
fn a_ticket_opened_by_hand_has_its_priority_deadline_and_no_incident() {
    let mut f = Fixture::new();
    let tx = f.db.conn.transaction().unwrap();
    let desk = Desk::new(&f.plan);
    let events = desk
        .open_by_hand(
            &tx,
            Category::Water,
            Priority::Urgent,
            "3F 茶水间漏水",
            "前台",
            Some("tenant call"),
            at(0),
        )
        .unwrap();
    tx.commit().unwrap();
    let TicketEvent::Opened { ticket } = &events[0] else {
        panic!()
    };
    assert_eq!(
        (ticket.incident, ticket.on_site_due, ticket.opened_by.as_str()),
        (None, at(900), "前台")
    );
}

#[test]
fn the_stage_cursor_is_saved_and_read_back() {
    let f = Fixture::new();
    assert_eq!(store::cursor(&f.db.conn, "ticket").unwrap(), 0);
    store::set_cursor(&f.db.conn, "ticket", 42).unwrap();
    store::set_cursor(&f.db.conn, "ticket", 43).unwrap();
    assert_eq!(store::cursor(&f.db.conn, "ticket").unwrap(), 43);
}
