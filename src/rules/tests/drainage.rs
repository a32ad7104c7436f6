//! DRN-01 … DRN-05.

use super::{site, Bench, V};
use crate::rules::*;

/// A sump pit with level, both floats and one pump, low and quiet.
fn pit_with(extra: &str) -> Bench {
    let extra = format!("pumps = [\"sump-pump\"]\nlimits = {{ high = 1.2, high_high = 1.6 }}\n{extra}");
    let mut b = Bench::new(
        &site(&[
            ("sump-pump", "pump", &["running", "run_command", "fault"], ""),
            (
                "sump-b2",
                "sump_pit",
                &["level", "high_float", "high_high_float"],
                &extra,
            ),
            ("leak-1", "leak_sensor", &["wet"], ""),
        ])
        .replace(
            "[equipment.points.level]\ndevice = \"ctl\"",
            "[equipment.points.level]\nunit = \"m\"\ndevice = \"ctl\"",
        ),
    );
    b.set_all(&[
        ("sump-pump.running", V::B(false)),
        ("sump-pump.run_command", V::B(false)),
        ("sump-pump.fault", V::B(false)),
        ("sump-b2.level", V::N(0.5)),
        ("sump-b2.high_float", V::B(false)),
        ("sump-b2.high_high_float", V::B(false)),
        ("leak-1.wet", V::B(false)),
    ])
    .eval();
    b
}

fn pit() -> Bench {
    pit_with("")
}

/// The pump runs (commanded and running).
fn pump_runs(b: &mut Bench) {
    b.set("sump-pump.run_command", true).change("sump-pump.running", true);
}

// ---------------------------------------------------------------- DRN-01

#[test]
fn drn_01_raises_major_on_the_high_float() {
    let mut b = pit();
    assert!(b.normal(DRN_01, "sump-b2"));
    b.change("sump-b2.high_float", true);
    let f = b.finding(DRN_01, "sump-b2");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.message.en, "Sump pit sump-b2 level high");
    assert_eq!(f.diagnosis.as_ref().unwrap().en, "high_float on");
    assert!(f.action.zh.contains("潜水泵"));
}

#[test]
fn drn_01_raises_on_a_level_at_the_high_limit() {
    let mut b = pit();
    b.change("sump-b2.level", 1.2);
    assert_eq!(b.diagnosis(DRN_01, "sump-b2"), "level 1.2 m ≥ 1.2 m");
}

#[test]
fn drn_01_clears_when_the_pit_is_pumped_down() {
    let mut b = pit();
    b.set("sump-b2.high_float", true).change("sump-b2.level", 1.3);
    b.set("sump-b2.high_float", false).change("sump-b2.level", 0.6);
    assert!(b.normal(DRN_01, "sump-b2"));
}

#[test]
fn drn_01_is_unknown_when_the_level_is_stale_and_the_float_is_off() {
    let mut b = pit();
    b.stale("sump-b2.level").eval();
    assert!(b.unknown(DRN_01, "sump-b2").is_some());
    b.change("sump-b2.high_float", true);
    assert!(b.active(DRN_01, "sump-b2"), "the float proves it on its own");
}

#[test]
fn drn_01_is_not_instantiated_for_a_pit_that_cannot_tell() {
    let mut b = Bench::new(&site(&[("pit", "sump_pit", &["high_high_float"], "")]));
    b.eval();
    assert!(!b.has(DRN_01, "pit"));
    assert!(b.has(DRN_02, "pit"));
}

// ---------------------------------------------------------------- DRN-02

#[test]
fn drn_02_raises_critical_on_the_high_high_float_or_level() {
    let mut b = pit();
    b.change("sump-b2.high_high_float", true);
    let f = b.finding(DRN_02, "sump-b2");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.message.en, "Sump pit sump-b2 level high-high: flooding imminent");
    assert!(f.action.en.starts_with("Bring a portable submersible pump"));
    let mut b = pit();
    b.change("sump-b2.level", 1.7);
    assert!(b.active(DRN_02, "sump-b2"));
}

#[test]
fn drn_02_clears_and_is_unknown_when_its_inputs_are_stale() {
    let mut b = pit();
    b.change("sump-b2.high_high_float", true);
    b.change("sump-b2.high_high_float", false);
    assert!(b.normal(DRN_02, "sump-b2"));
    b.stale("sump-b2.high_high_float").eval();
    assert!(b.unknown(DRN_02, "sump-b2").is_some());
}

// ---------------------------------------------------------------- DRN-03

#[test]
fn drn_03_raises_when_the_pump_runs_10_min_and_the_level_does_not_fall() {
    let mut b = pit();
    b.set("sump-b2.level", 1.25);
    pump_runs(&mut b);
    b.run(300);
    b.change("sump-b2.level", 1.4).run(299);
    assert!(b.normal(DRN_03, "sump-b2"));
    b.run(1);
    let f = b.finding(DRN_03, "sump-b2");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(
        f.message.en,
        "Sump pit sump-b2: sump-pump has run for 10 min and the level is not falling (level 1.4 m, peak since start 1.4 m)"
    );
    assert_eq!(f.diagnosis.as_ref().unwrap().en, "pump blocked or failed");
}

#[test]
fn drn_03_stays_quiet_while_the_pump_draws_the_level_down() {
    let mut b = pit();
    b.set("sump-b2.level", 1.3);
    pump_runs(&mut b);
    b.run(300);
    b.change("sump-b2.level", 1.1).run(400);
    assert!(b.normal(DRN_03, "sump-b2"));
}

#[test]
fn drn_03_clears_once_a_freed_pump_lowers_the_level() {
    let mut b = pit();
    b.set("sump-b2.level", 1.6);
    pump_runs(&mut b);
    b.run(600);
    assert!(b.active(DRN_03, "sump-b2"));
    b.change("sump-b2.level", 1.5);
    assert!(b.normal(DRN_03, "sump-b2"));
}

#[test]
fn drn_03_is_unknown_when_the_level_cannot_be_read() {
    let mut b = pit();
    b.set("sump-b2.level", 1.3);
    pump_runs(&mut b);
    b.run(600);
    b.stale("sump-b2.level").eval();
    assert_eq!(
        b.unknown(DRN_03, "sump-b2").unwrap().0,
        "cannot evaluate DRN-03: sump-b2.level is stale"
    );
}

#[test]
fn drn_03_delay_is_configurable() {
    let mut b = pit_with("[equipment.rules.DRN-03]\ndelay_s = 60");
    b.set("sump-b2.level", 1.3);
    pump_runs(&mut b);
    b.run(60);
    assert!(b.active(DRN_03, "sump-b2"));
}

// ---------------------------------------------------------------- DRN-04

#[test]
fn drn_04_raises_major_on_a_sump_pump_fault() {
    let mut b = pit();
    b.change("sump-pump.fault", true);
    let f = b.finding(DRN_04, "sump-b2");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(
        f.message.en,
        "Sump pit sump-b2 pump failure: sump-pump tripped (fault contact on)"
    );
    assert!(f.action.en.contains("repair ticket"));
}

#[test]
fn drn_04_raises_when_commanded_with_no_run_feedback_for_10s() {
    let mut b = pit();
    b.change("sump-pump.run_command", true).run(9);
    assert!(b.normal(DRN_04, "sump-b2"));
    b.run(1);
    assert_eq!(
        b.finding(DRN_04, "sump-b2").message.en,
        "Sump pit sump-b2 pump failure: sump-pump commanded to run but not running for 10 s"
    );
    b.change("sump-pump.running", true);
    assert!(b.normal(DRN_04, "sump-b2"));
}

#[test]
fn drn_04_is_unknown_when_the_pump_cannot_be_seen() {
    let mut b = pit();
    b.stale("sump-pump.running").eval();
    assert!(b.unknown(DRN_04, "sump-b2").is_some());
}

// ---------------------------------------------------------------- DRN-05

#[test]
fn drn_05_raises_critical_when_a_leak_sensor_is_wet() {
    let mut b = pit();
    b.change("leak-1.wet", true);
    let f = b.finding(DRN_05, "leak-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.message.zh, "leak-1 检测到水浸");
    assert!(f.action.en.starts_with("Protect the equipment"));
}

#[test]
fn drn_05_reports_dry_as_normal_and_leaves_latching_to_the_alarm_layer() {
    let mut b = pit();
    b.change("leak-1.wet", true);
    b.change("leak-1.wet", false);
    assert!(b.normal(DRN_05, "leak-1"));
}

#[test]
fn drn_05_is_unknown_when_the_sensor_is_silent() {
    let mut b = pit();
    b.not_good(
        "leak-1.wet",
        crate::point::Quality::Stale,
        "no message on t/leak for 30 s",
    )
    .eval();
    assert_eq!(
        b.unknown(DRN_05, "leak-1").unwrap(),
        (
            "cannot evaluate DRN-05: leak-1.wet is stale".to_string(),
            "无法判断 DRN-05：leak-1.wet 数据失效".to_string()
        )
    );
}
