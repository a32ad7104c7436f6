//! WAT-01 … WAT-06.

use super::{site, Bench, V};
use crate::rules::*;

const PUMP: &[&str] = &["running", "run_command", "fault"];

/// A booster set of two pumps (duty first) and a storage tank, the duty pump running.
fn booster_with(set_extra: &str, tank_extra: &str) -> Bench {
    let set_extra = format!("pumps = [\"pump-1\", \"pump-2\"]\nlimits = {{ pressure_low = 3.0 }}\n{set_extra}");
    let mut b = Bench::new(&site(&[
        ("pump-1", "pump", PUMP, ""),
        ("pump-2", "pump", PUMP, ""),
        ("booster-set", "pump_set", &["discharge_pressure"], &set_extra),
        ("tank-1", "tank", &["level"], tank_extra),
    ]));
    b.set_all(&[
        ("pump-1.running", V::B(true)),
        ("pump-1.run_command", V::B(true)),
        ("pump-1.fault", V::B(false)),
        ("pump-2.running", V::B(false)),
        ("pump-2.run_command", V::B(false)),
        ("pump-2.fault", V::B(false)),
        ("booster-set.discharge_pressure", V::N(4.5)),
        ("tank-1.level", V::N(80.0)),
    ])
    .eval();
    b
}

fn booster() -> Bench {
    booster_with("", "")
}

/// The duty pump trips: fault on, stops; the controller drops its command.
fn duty_trips(b: &mut Bench) {
    b.set_all(&[
        ("pump-1.fault", V::B(true)),
        ("pump-1.running", V::B(false)),
        ("pump-1.run_command", V::B(false)),
    ])
    .eval();
}

// ---------------------------------------------------------------- WAT-01

#[test]
fn wat_01_raises_major_on_the_set_naming_the_tripped_duty_pump() {
    let mut b = booster();
    assert!(b.normal(WAT_01, "booster-set"));
    duty_trips(&mut b);
    let f = b.finding(WAT_01, "booster-set");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.message.en, "Pump set booster-set: pump-1 tripped (fault contact on)");
    assert_eq!(
        f.message.zh,
        "加压泵组 booster-set 水泵故障：pump-1 故障停泵（故障信号）"
    );
    assert!(f.action.en.starts_with("The standby pump must take over"));
    assert!(f.action.zh.contains("挂指示牌"));
}

#[test]
fn wat_01_raises_when_a_pump_is_commanded_without_run_feedback_for_5s() {
    let mut b = booster();
    b.change("pump-1.running", false).run(4);
    assert!(
        b.normal(WAT_01, "booster-set"),
        "a pump takes a moment to report running"
    );
    b.run(1);
    assert_eq!(
        b.finding(WAT_01, "booster-set").message.en,
        "Pump set booster-set: pump-1 commanded to run but not running for 5 s"
    );
}

#[test]
fn wat_01_clears_when_the_fault_is_reset() {
    let mut b = booster();
    duty_trips(&mut b);
    b.change("pump-1.fault", false);
    assert!(b.normal(WAT_01, "booster-set"));
}

#[test]
fn wat_01_is_unknown_when_a_pump_cannot_be_seen() {
    let mut b = booster();
    b.stale("pump-2.fault").eval();
    assert_eq!(
        b.unknown(WAT_01, "booster-set").unwrap().0,
        "cannot evaluate WAT-01: pump-2.fault is stale"
    );
}

// ---------------------------------------------------------------- WAT-02

#[test]
fn wat_02_raises_critical_when_no_pump_runs_10s_after_the_duty_trips() {
    let mut b = booster();
    duty_trips(&mut b);
    b.run(9);
    assert!(b.normal(WAT_02, "booster-set"));
    b.run(1);
    let f = b.finding(WAT_02, "booster-set");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.message.en,
        "No water pressure: no pump of booster-set running 10 s after pump-1 failed"
    );
    assert!(f.action.en.starts_with("Start the standby pump by hand"));
    assert!(f.action.zh.starts_with("手动启动备用泵"));
}

#[test]
fn wat_02_stays_quiet_when_the_standby_takes_over_in_time() {
    let mut b = booster();
    duty_trips(&mut b);
    b.run(2);
    b.set("pump-2.run_command", true).change("pump-2.running", true).run(30);
    assert!(b.normal(WAT_02, "booster-set"));
    assert!(b.active(WAT_01, "booster-set"), "the duty pump still needs repair");
}

#[test]
fn wat_02_clears_when_the_standby_is_started_by_hand() {
    let mut b = booster();
    duty_trips(&mut b);
    b.run(10);
    b.change("pump-2.running", true);
    assert!(b.normal(WAT_02, "booster-set"));
}

#[test]
fn wat_02_is_unknown_when_the_standby_cannot_be_seen() {
    let mut b = booster();
    duty_trips(&mut b);
    b.stale("pump-2.running").run(20);
    assert!(b.unknown(WAT_02, "booster-set").is_some());
}

// ---------------------------------------------------------------- WAT-03

#[test]
fn wat_03_raises_critical_when_pressure_stays_low_while_a_pump_runs() {
    let mut b = booster();
    b.change("booster-set.discharge_pressure", 1.2).run(9);
    assert!(b.normal(WAT_03, "booster-set"));
    b.run(1);
    let f = b.finding(WAT_03, "booster-set");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.message.en,
        "Possible main leak or burst: booster-set discharge pressure 1.2 below 3 while pumps run"
    );
    assert!(f
        .action
        .en
        .starts_with("Main pipe leak or burst: stop the pumps and close the inlet valve"));
    assert!(f.action.zh.contains("关闭进水阀门"));
}

#[test]
fn wat_03_ignores_low_pressure_when_no_pump_runs() {
    let mut b = booster();
    b.set("pump-1.running", false).set("pump-1.run_command", false);
    b.change("booster-set.discharge_pressure", 0.0).run(30);
    assert!(b.normal(WAT_03, "booster-set"));
}

#[test]
fn wat_03_clears_when_pressure_recovers_and_is_unknown_when_it_cannot_be_read() {
    let mut b = booster();
    b.change("booster-set.discharge_pressure", 1.2).run(10);
    b.change("booster-set.discharge_pressure", 4.0);
    assert!(b.normal(WAT_03, "booster-set"));
    b.stale("booster-set.discharge_pressure").eval();
    assert!(b.unknown(WAT_03, "booster-set").is_some());
}

#[test]
fn wat_03_raises_when_a_tank_level_falls_faster_than_its_limit() {
    let mut b = booster_with("", "limits = { fall_rate_pct_per_min = 20.0 }");
    for _ in 0..40 {
        let level = b.states_level("tank-1.level") - 1.0;
        b.set("tank-1.level", level).run(1);
    }
    let f = b.finding(WAT_03, "tank-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.message.en,
        "Possible leak or burst: tank tank-1 level falling 60 %/min (limit 20 %/min)"
    );
}

#[test]
fn wat_03_tank_rate_clears_when_the_level_steadies_and_is_unknown_when_stale() {
    let mut b = booster_with("", "limits = { fall_rate_pct_per_min = 20.0 }");
    for _ in 0..40 {
        let level = b.states_level("tank-1.level") - 1.0;
        b.set("tank-1.level", level).run(1);
    }
    b.run(61);
    assert!(b.normal(WAT_03, "tank-1"));
    b.stale("tank-1.level").eval();
    assert!(b.unknown(WAT_03, "tank-1").is_some());
}

#[test]
fn wat_03_tank_rate_is_off_unless_the_tank_sets_a_limit() {
    let mut b = booster();
    b.change("tank-1.level", 10.0).run(60);
    assert!(!b.has(WAT_03, "tank-1"));
}

// ---------------------------------------------------------------- WAT-04

#[test]
fn wat_04_raises_major_below_30_pct_and_critical_below_15() {
    let mut b = booster();
    b.change("tank-1.level", 30.0);
    assert!(b.normal(WAT_04, "tank-1"));
    b.change("tank-1.level", 29.5);
    let f = b.finding(WAT_04, "tank-1");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.message.en, "Tank tank-1 level low: 29.5 % (limit 30 %)");
    assert!(f.action.en.contains("fire-fighting reserve"));
    b.change("tank-1.level", 14.0);
    let f = b.finding(WAT_04, "tank-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.message.zh, "水池 tank-1 水位超低：14 %（限值 15 %）");
}

#[test]
fn wat_04_limits_come_from_the_tanks_limits() {
    let mut b = booster_with("", "limits = { low = 50.0, low_low = 20.0 }");
    b.change("tank-1.level", 45.0);
    assert_eq!(b.finding(WAT_04, "tank-1").severity, Severity::Major);
}

#[test]
fn wat_04_clears_when_refilled_and_is_unknown_when_stale() {
    let mut b = booster();
    b.change("tank-1.level", 10.0);
    b.change("tank-1.level", 60.0);
    assert!(b.normal(WAT_04, "tank-1"));
    b.stale("tank-1.level").eval();
    assert!(b.unknown(WAT_04, "tank-1").is_some());
}

// ---------------------------------------------------------------- WAT-05

#[test]
fn wat_05_escalates_a_water_incident_open_for_2h() {
    let mut b = booster();
    b.change("tank-1.level", 20.0).run(7199);
    assert!(b.normal(WAT_05, "tank-1"));
    b.run(1);
    let f = b.finding(WAT_05, "tank-1");
    assert_eq!(f.severity, Severity::Escalation);
    assert_eq!(
        f.message.en,
        "Water-supply incident at tank-1 not resolved after 2 h (WAT-04)"
    );
    assert!(f.action.en.contains("water-outage notice"));
    assert!(f.action.zh.contains("停水通知单"));
}

#[test]
fn wat_05_clears_when_the_incident_is_resolved() {
    let mut b = booster();
    duty_trips(&mut b);
    b.run(7200);
    assert!(b.active(WAT_05, "booster-set"));
    b.change("pump-1.fault", false);
    assert!(b.normal(WAT_05, "booster-set"));
}

#[test]
fn wat_05_is_unknown_when_the_incidents_rules_are() {
    let mut b = booster();
    b.stale("tank-1.level").eval();
    assert_eq!(
        b.unknown(WAT_05, "tank-1").unwrap().0,
        "cannot evaluate WAT-05: WAT-04 unknown"
    );
}

// ---------------------------------------------------------------- WAT-06

#[test]
fn wat_06_stays_normal_while_no_supply_cut_is_scheduled() {
    let mut b = booster();
    b.change("tank-1.level", 40.0);
    assert!(b.normal(WAT_06, "tank-1"));
    b.stale("tank-1.level").eval();
    assert!(b.normal(WAT_06, "tank-1"), "without a cut the level is not needed");
}

#[test]
fn wat_06_warns_to_pre_fill_before_a_scheduled_cut() {
    let mut b = booster();
    b.engine.set_planned_supply_cut("tank-1", true);
    b.change("tank-1.level", 60.0);
    let f = b.finding(WAT_06, "tank-1");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(
        f.message.en,
        "Planned supply cut: tank tank-1 at 60 %, below the pre-fill target 90 %"
    );
    assert!(f.action.zh.contains("水池蓄水"));
    b.change("tank-1.level", 95.0);
    assert!(b.normal(WAT_06, "tank-1"));
    b.stale("tank-1.level").eval();
    assert!(b.unknown(WAT_06, "tank-1").is_some());
    b.engine.set_planned_supply_cut("tank-1", false);
    b.eval();
    assert!(b.normal(WAT_06, "tank-1"));
}

impl Bench {
    fn states_level(&self, point: &str) -> f64 {
        let i = self
            .plan
            .points
            .iter()
            .position(|p| p.key.to_string() == point)
            .unwrap();
        self.states[i].value.as_ref().and_then(|v| v.as_f64()).unwrap()
    }
}
