//! The engine as a whole: coverage of the demo site, unknown-at-start, restore, switches.

use std::collections::BTreeSet;

use super::{site, Bench, V};
use crate::rules::settings::RULES;
use crate::rules::*;

fn demo() -> Bench {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml");
    Bench::new(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn the_demo_site_gets_every_procedure_rule_once_per_equipment() {
    let mut b = demo();
    b.eval();
    let rules: BTreeSet<&str> = b.last.iter().map(|o| o.rule.as_str()).collect();
    let all: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(rules, all);
    let pairs = b.pairs();
    let unique: BTreeSet<_> = pairs.iter().collect();
    assert_eq!(unique.len(), pairs.len(), "one outcome per (rule, equipment)");
    assert!(b.has(PWR_02, "gen-1") && b.has(PWR_03, "ats-1") && b.has(WAT_01, "booster-set"));
    assert!(b.has(COM_01, "gen-1-controller") && b.has(COM_01, "mqtt:site-broker"));
    assert!(b.has(DRN_03, "sump-b3") && b.has(FIRE_04, "fan-smoke-1"));
}

#[test]
fn before_the_first_reading_nothing_that_reads_points_says_normal() {
    let mut b = demo();
    b.eval();
    // FIRE-04/05 answer from the run history, WAT-06 from the (absent) cut schedule.
    let history_or_schedule = [FIRE_04, FIRE_05, WAT_06];
    for o in &b.last {
        if matches!(o.condition, Condition::Normal) {
            assert!(
                history_or_schedule.contains(&o.rule.as_str()),
                "{} on {} is normal with no reading",
                o.rule,
                o.equipment
            );
        }
    }
}

#[test]
fn a_rule_switched_off_in_config_is_not_evaluated() {
    let mut b = Bench::new(&site(&[(
        "gen-1",
        "generator",
        &["running", "fuel_level_pct"],
        "[equipment.rules.PWR-10]\nenabled = false",
    )]));
    b.set("gen-1.fuel_level_pct", 1.0).eval();
    assert!(!b.has(PWR_10, "gen-1"));
}

fn outage_site() -> Bench {
    let mut b = Bench::new(&site(&[
        ("gen-1", "generator", &["running", "mode_selector"], ""),
        ("ats-1", "transfer_switch", &["mains_available", "position"], ""),
        ("fire-pump-1", "fire_pump", &["running"], ""),
    ]));
    b.set_all(&[
        ("gen-1.running", V::B(false)),
        ("gen-1.mode_selector", V::L("MANUAL")),
        ("ats-1.mains_available", V::B(true)),
        ("ats-1.position", V::L("MAINS")),
        ("fire-pump-1.running", V::B(false)),
    ])
    .eval();
    b
}

#[test]
fn timers_and_run_history_survive_a_restart() {
    let mut b = outage_site();
    b.change("fire-pump-1.running", true);
    b.change("fire-pump-1.running", false);
    b.change("ats-1.mains_available", false).run(10);
    // The durability layer stores these as JSON ...
    let timers = serde_json::to_string(&b.engine.timers()).unwrap();
    let history = serde_json::to_string(b.engine.run_history()).unwrap();
    let listed = b.engine.timers();
    let pwr02 = listed.iter().find(|t| t.key.rule == PWR_02).unwrap();
    assert_eq!(pwr02.elapsed.as_secs(), 10);
    assert!(
        listed.iter().any(|t| t.key.rule == PWR_05),
        "the open outage is a timer too"
    );

    // ... and a new process restores them on a fresh monotonic clock.
    let timers: Vec<TimerRecord> = serde_json::from_str(&timers).unwrap();
    let history: RunHistory = serde_json::from_str(&history).unwrap();
    assert!(history.last_run.contains_key("fire-pump-1"));
    b.engine = RuleEngine::restore(&b.plan, timers, history.clone());
    b.now = std::time::Duration::from_secs(5);
    // The first evaluation after the restart only takes up the count; the downtime is not counted.
    b.run(5);
    assert!(b.normal(PWR_02, "gen-1"), "14 s counted so far");
    b.run(1);
    assert!(b.active(PWR_02, "gen-1"));
    assert_eq!(
        b.diagnosis(PWR_02, "gen-1"),
        "(1) gen-1 controller selector is at MANUAL, not AUTO"
    );
    assert_eq!(b.engine.run_history().monitoring_since, history.monitoring_since);
}

#[test]
fn restored_timers_of_equipment_no_longer_in_the_plan_are_dropped() {
    let mut b = outage_site();
    let stray = TimerRecord {
        key: TimerKey::new(PWR_02, "gen-9"),
        elapsed: std::time::Duration::from_secs(3),
        remaining: std::time::Duration::from_secs(12),
        frozen: false,
        mark: None,
    };
    b.engine = RuleEngine::restore(&b.plan, vec![stray], RunHistory::default());
    b.eval();
    assert!(b.engine.timers().iter().all(|t| t.key.equipment != "gen-9"));
}

#[test]
fn pwr_02_is_found_by_grep_in_code_diagnosis_and_text() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules/power.rs");
    let text = std::fs::read_to_string(src).unwrap();
    assert!(text.contains("pub const PWR_02: &str = \"PWR-02\";"));
    assert!(text.contains("/// PWR-02: mains lost"));
    assert!(text.contains("/// PWR-02's diagnosis"));
}
