//! Lifecycle tests: outcomes in, transitions and states out, time passed by hand.

use std::time::{Duration, SystemTime};

use super::*;
use crate::rules::outcome::{Condition, Finding, RuleOutcome, Severity, Text};

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
}

fn active(rule: &str, eq: &str, sev: Severity) -> RuleOutcome {
    let finding = Finding {
        severity: sev,
        message: Text::new("告警", "alarm"),
        diagnosis: None,
        action: Text::new("处理", "act"),
    };
    RuleOutcome {
        rule: rule.into(),
        equipment: eq.into(),
        condition: Condition::Active(finding),
    }
}

fn normal(rule: &str, eq: &str) -> RuleOutcome {
    RuleOutcome {
        rule: rule.into(),
        equipment: eq.into(),
        condition: Condition::Normal,
    }
}

fn unknown(rule: &str, eq: &str) -> RuleOutcome {
    RuleOutcome {
        rule: rule.into(),
        equipment: eq.into(),
        condition: Condition::Unknown {
            reason: Text::new("无法判断", "cannot evaluate: ats-1 offline"),
        },
    }
}

fn kinds(ts: &[Transition]) -> Vec<&TransitionKind> {
    ts.iter().map(|t| &t.kind).collect()
}

#[test]
fn an_alarm_goes_unacknowledged_acknowledged_then_normal() {
    let mut b = AlarmBook::new();
    let ts = b.apply(&[active("PWR-01", "ats-1", Severity::Major)], t(0));
    assert!(matches!(ts[0].kind, TransitionKind::Raised) && ts[0].announce);
    assert_eq!(b.state("PWR-01", "ats-1"), Some(AlarmState::Unacknowledged));
    b.acknowledge("PWR-01", "ats-1", "王工", Some("on my way"), t(5))
        .unwrap();
    assert_eq!(b.state("PWR-01", "ats-1"), Some(AlarmState::Acknowledged));
    let ts = b.apply(&[normal("PWR-01", "ats-1")], t(60));
    assert!(kinds(&ts).contains(&&TransitionKind::Cleared));
    assert_eq!(b.state("PWR-01", "ats-1"), Some(AlarmState::Normal));
    assert_eq!(
        b.get("PWR-01", "ats-1").unwrap().acknowledged_by.as_deref(),
        Some("王工")
    );
}

#[test]
fn an_alarm_that_clears_unacknowledged_waits_for_acknowledgement() {
    let mut b = AlarmBook::new();
    b.apply(&[active("DRN-01", "sump-b2", Severity::Major)], t(0));
    b.apply(&[normal("DRN-01", "sump-b2")], t(30));
    assert_eq!(b.state("DRN-01", "sump-b2"), Some(AlarmState::ReturnedUnacknowledged));
    b.acknowledge("DRN-01", "sump-b2", "op", None, t(40)).unwrap();
    assert_eq!(b.state("DRN-01", "sump-b2"), Some(AlarmState::Normal));
    assert!(
        b.acknowledge("DRN-01", "sump-b2", "op", None, t(41)).is_err(),
        "nothing left to acknowledge"
    );
}

#[test]
fn fire_01_stays_latched_until_an_operator_resets_it_after_the_contact_clears() {
    let mut b = AlarmBook::new();
    b.apply(&[active("FIRE-01", "fire-panel-1", Severity::Critical)], t(0));
    assert_eq!(
        b.reset_latch("FIRE-01", "fire-panel-1", "op", t(1)),
        Err(OperationError::NotLatched(AlarmKey {
            rule: "FIRE-01".into(),
            equipment: "fire-panel-1".into()
        })),
        "no reset while the contact is active"
    );
    let ts = b.apply(&[normal("FIRE-01", "fire-panel-1")], t(60));
    assert_eq!(kinds(&ts), vec![&TransitionKind::LatchHeld]);
    assert!(b.get("FIRE-01", "fire-panel-1").unwrap().active, "held by the latch");
    b.apply(&[normal("FIRE-01", "fire-panel-1")], t(3600));
    assert!(
        b.get("FIRE-01", "fire-panel-1").unwrap().active,
        "still held an hour later"
    );
    b.reset_latch("FIRE-01", "fire-panel-1", "控制室", t(3700)).unwrap();
    assert!(!b.get("FIRE-01", "fire-panel-1").unwrap().active);
    assert_eq!(
        b.state("FIRE-01", "fire-panel-1"),
        Some(AlarmState::ReturnedUnacknowledged)
    );
}

#[test]
fn drn_05_latches_like_fire_01() {
    let mut b = AlarmBook::new();
    b.apply(&[active("DRN-05", "leak-gen-room", Severity::Critical)], t(0));
    b.apply(&[normal("DRN-05", "leak-gen-room")], t(10));
    assert!(b.get("DRN-05", "leak-gen-room").unwrap().active);
}

#[test]
fn unknown_never_clears_an_active_alarm_and_is_visible() {
    let mut b = AlarmBook::new();
    b.apply(&[active("PWR-02", "ats-1", Severity::Critical)], t(0));
    let ts = b.apply(&[unknown("PWR-02", "ats-1")], t(20));
    assert!(matches!(ts[0].kind, TransitionKind::Unknown { .. }));
    let a = b.get("PWR-02", "ats-1").unwrap();
    assert!(a.active, "cannot evaluate is not normal");
    assert_eq!(
        a.unknown.as_ref().map(|r| r.en.as_str()),
        Some("cannot evaluate: ats-1 offline")
    );
    let ts = b.apply(&[active("PWR-02", "ats-1", Severity::Critical)], t(30));
    assert_eq!(
        kinds(&ts),
        vec![&TransitionKind::Known],
        "back to known, still the same activation"
    );
}

#[test]
fn a_shelved_alarm_is_not_announced_and_returns_by_itself() {
    let mut b = AlarmBook::new();
    b.apply(&[normal("WAT-04", "tank-1")], t(0));
    b.shelve(
        "WAT-04",
        "tank-1",
        Duration::from_secs(600),
        "tank cleaning",
        "op",
        t(0),
    )
    .unwrap();
    let ts = b.apply(&[active("WAT-04", "tank-1", Severity::Major)], t(10));
    assert!(!ts.iter().any(|t| t.announce), "shelved: recorded, not announced");
    assert_eq!(b.state("WAT-04", "tank-1"), Some(AlarmState::Shelved));
    let ts = b.apply(&[active("WAT-04", "tank-1", Severity::Major)], t(601));
    assert!(
        ts.iter()
            .any(|t| t.kind == TransitionKind::Unshelved { expired: true } && t.announce),
        "{ts:?}"
    );
    assert_eq!(b.state("WAT-04", "tank-1"), Some(AlarmState::Unacknowledged));
    assert_eq!(
        b.shelve("WAT-04", "tank-1", Duration::ZERO, "x", "op", t(602)),
        Err(OperationError::BadShelve)
    );
}

#[test]
fn equipment_out_of_service_keeps_its_alarms_quiet_until_it_returns() {
    let mut b = AlarmBook::new();
    b.set_out_of_service("gen-1", "李工", "monthly test run", Some(t(3600)), t(0));
    let ts = b.apply(&[active("PWR-10", "gen-1", Severity::Warning)], t(10));
    assert!(!ts.iter().any(|t| t.announce));
    assert_eq!(b.state("PWR-10", "gen-1"), Some(AlarmState::OutOfService));
    assert_eq!(b.out_of_service()["gen-1"].why, "monthly test run");
    let ts = b.apply(&[active("PWR-10", "gen-1", Severity::Warning)], t(3600));
    assert!(
        ts.iter().any(|t| t.kind == TransitionKind::BackInService),
        "returns by itself at its end time"
    );
    assert_eq!(b.state("PWR-10", "gen-1"), Some(AlarmState::Unacknowledged));
}

#[test]
fn an_alarm_toggling_three_times_a_minute_is_held_and_flagged_chattering() {
    let mut b = AlarmBook::new();
    let mut announced = 0;
    for i in 0..6 {
        announced += b
            .apply(&[active("DRN-01", "sump-b2", Severity::Major)], t(i * 10))
            .iter()
            .filter(|t| t.announce)
            .count();
        b.apply(&[normal("DRN-01", "sump-b2")], t(i * 10 + 5));
    }
    let a = b.get("DRN-01", "sump-b2").unwrap();
    assert!(a.chattering && a.active, "held active while chattering");
    assert_eq!(
        announced, 3,
        "two raises and the chatter flag are announced, then silence"
    );
    // Quiet for a whole window: it clears.
    b.apply(&[normal("DRN-01", "sump-b2")], t(70));
    let ts = b.apply(&[normal("DRN-01", "sump-b2")], t(140));
    assert!(
        kinds(&ts).contains(&&TransitionKind::ChatterEnded) && kinds(&ts).contains(&&TransitionKind::Cleared),
        "{ts:?}"
    );
}

#[test]
fn pwr_01_pwr_02_and_pwr_05_are_one_outage_incident() {
    let mut b = AlarmBook::new();
    b.apply(&[active("PWR-01", "ats-1", Severity::Major)], t(0));
    b.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            active("PWR-02", "ats-1", Severity::Critical),
        ],
        t(17),
    );
    b.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            active("PWR-02", "ats-1", Severity::Critical),
            active("PWR-05", "ats-1", Severity::Escalation),
        ],
        t(1800),
    );
    assert_eq!(b.incidents().len(), 1);
    let inc = &b.incidents()[0];
    assert_eq!(
        inc.alarms.iter().map(|k| k.rule.as_str()).collect::<Vec<_>>(),
        vec!["PWR-01", "PWR-02", "PWR-05"]
    );
    let ts = b.apply(
        &[
            normal("PWR-01", "ats-1"),
            normal("PWR-02", "ats-1"),
            normal("PWR-05", "ats-1"),
        ],
        t(2000),
    );
    assert!(ts
        .iter()
        .any(|t| t.kind == TransitionKind::IncidentClosed { incident: 1 }));
    // A new trip after the incident closed opens a new one.
    b.apply(&[active("PWR-01", "ats-1", Severity::Major)], t(5000));
    assert_eq!(b.incidents().len(), 2);
    assert!(b.incidents()[1].is_open());
}

#[test]
fn pump_alarms_are_suppressed_while_the_load_is_not_on_backup_and_say_so() {
    let mut b = AlarmBook::new();
    b.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            active("PWR-02", "gen-1", Severity::Critical),
        ],
        t(0),
    );
    let ts = b.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            active("PWR-02", "gen-1", Severity::Critical),
            active("WAT-01", "booster-set", Severity::Major),
        ],
        t(5),
    );
    assert!(!ts.iter().any(|t| t.key.rule == "WAT-01" && t.announce), "{ts:?}");
    assert_eq!(b.state("WAT-01", "booster-set"), Some(AlarmState::Suppressed));
    assert_eq!(
        b.get("WAT-01", "booster-set")
            .unwrap()
            .suppressed_by
            .as_ref()
            .map(|k| k.rule.as_str()),
        Some("PWR-02")
    );
    assert_eq!(b.incidents().len(), 1, "the consequence joins the outage incident");
    assert_eq!(b.incidents()[0].alarms.len(), 3);
    // The generator now carries the load (PWR-02 clear, mains still out): the pump is news.
    let ts = b.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            normal("PWR-02", "gen-1"),
            active("WAT-01", "booster-set", Severity::Major),
        ],
        t(60),
    );
    assert!(
        ts.iter()
            .any(|t| t.key.rule == "WAT-01" && t.kind == TransitionKind::Unsuppressed && t.announce),
        "{ts:?}"
    );
}

#[test]
fn a_pump_that_trips_on_generator_power_is_announced() {
    let mut b = AlarmBook::new();
    b.apply(&[active("PWR-01", "ats-1", Severity::Major)], t(0));
    let ts = b.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            active("WAT-01", "booster-set", Severity::Major),
        ],
        t(50),
    );
    assert!(
        ts.iter()
            .any(|t| t.key.rule == "WAT-01" && t.kind == TransitionKind::Raised && t.announce),
        "{ts:?}"
    );
}

#[test]
fn a_changed_diagnosis_is_an_update_not_a_new_alarm() {
    let mut b = AlarmBook::new();
    b.apply(&[active("PWR-02", "ats-1", Severity::Critical)], t(0));
    let mut o = active("PWR-02", "ats-1", Severity::Critical);
    if let Condition::Active(f) = &mut o.condition {
        f.diagnosis = Some(Text::new(
            "发电机控制器选择开关在手动位置",
            "generator selector in MANUAL",
        ));
    }
    let ts = b.apply(&[o], t(5));
    assert_eq!(kinds(&ts), vec![&TransitionKind::Updated]);
    assert_eq!(b.incidents().len(), 1);
}

#[test]
fn a_finding_whose_only_change_is_a_live_number_is_kept_without_a_transition() {
    let level = |m: &str| {
        let mut o = active("DRN-01", "sump-b2", Severity::Major);
        if let Condition::Active(f) = &mut o.condition {
            f.diagnosis = Some(Text::new(format!("液位 {m} m ≥ 1.2 m"), format!("level {m} m ≥ 1.2 m")));
        }
        o
    };
    let mut b = AlarmBook::new();
    b.apply(&[level("1.25")], t(0));
    assert!(
        b.apply(&[level("1.62")], t(1)).is_empty(),
        "one transition per reading floods the journal"
    );
    let kept = b
        .get("DRN-01", "sump-b2")
        .and_then(|a| a.finding.clone())
        .and_then(|f| f.diagnosis);
    assert_eq!(kept.map(|d| d.en), Some("level 1.62 m ≥ 1.2 m".to_string()));
}

#[test]
fn a_saved_book_restores_alarms_incidents_and_out_of_service_and_goes_on_numbering_incidents() {
    let mut b = AlarmBook::new();
    b.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            active("PWR-02", "gen-1", Severity::Critical),
        ],
        t(0),
    );
    b.acknowledge("PWR-01", "ats-1", "王工", None, t(5)).unwrap();
    b.set_out_of_service("pump-2", "李工", "更换机封", None, t(6));
    let json = serde_json::to_string(&b.saved()).unwrap();

    let mut r = AlarmBook::restore(serde_json::from_str(&json).unwrap());
    assert_eq!(r.saved(), b.saved());
    assert_eq!(r.state("PWR-01", "ats-1"), Some(AlarmState::Acknowledged));
    assert_eq!(r.state("PWR-02", "gen-1"), Some(AlarmState::Unacknowledged));
    // Still active: the next evaluation saying so again is not a new raise.
    let ts = r.apply(
        &[
            active("PWR-01", "ats-1", Severity::Major),
            active("PWR-02", "gen-1", Severity::Critical),
        ],
        t(10),
    );
    assert!(ts.is_empty(), "{ts:?}");
    let outage = r.incidents()[0].id;
    r.apply(&[normal("PWR-01", "ats-1"), normal("PWR-02", "gen-1")], t(20));
    r.apply(&[active("DRN-01", "sump-b2", Severity::Major)], t(30));
    assert!(r.incidents().iter().all(|i| i.id != outage || !i.is_open()));
    assert!(
        r.incidents().iter().any(|i| i.id > outage && i.is_open()),
        "a new incident gets a new number"
    );
}

#[test]
fn a_damaged_save_never_reuses_an_incident_number() {
    let mut b = AlarmBook::new();
    b.apply(&[active("DRN-01", "sump-b2", Severity::Major)], t(0));
    let mut saved = b.saved();
    saved.next_incident = 0;
    let mut r = AlarmBook::restore(saved);
    r.apply(&[active("WAT-04", "tank-1", Severity::Major)], t(1));
    let ids: Vec<u64> = r.incidents().iter().map(|i| i.id).collect();
    assert_eq!(ids, vec![1, 2]);
}
