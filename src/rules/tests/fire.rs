//! FIRE-01 … FIRE-05.

use std::time::Duration;

use super::{site, Bench, V};
use crate::rules::*;

const DAY: Duration = Duration::from_secs(86_400);

fn fire_with(main_extra: &str) -> Bench {
    let mut b = Bench::new(
        &site(&[
            ("fp-1", "fire_panel", &["alarm", "fault", "supervisory"], ""),
            ("fire-pump-1", "fire_pump", &["running", "run_command", "fault"], ""),
            ("fan-1", "fan", &["running"], ""),
            ("fire-main-1", "fire_main", &["pressure"], main_extra),
            ("ats-1", "transfer_switch", &["mains_available", "position"], ""),
            ("room-1", "critical_room", &["normal_supply_ok", "backup_supply_ok"], ""),
        ])
        .replace(
            "[equipment.points.pressure]\ndevice = \"ctl\"",
            "[equipment.points.pressure]\nunit = \"bar\"\ndevice = \"ctl\"",
        ),
    );
    b.set_all(&[
        ("fp-1.alarm", V::B(false)),
        ("fp-1.fault", V::B(false)),
        ("fp-1.supervisory", V::B(false)),
        ("fire-pump-1.running", V::B(false)),
        ("fire-pump-1.run_command", V::B(false)),
        ("fire-pump-1.fault", V::B(false)),
        ("fan-1.running", V::B(false)),
        ("fire-main-1.pressure", V::N(6.0)),
        ("ats-1.mains_available", V::B(true)),
        ("ats-1.position", V::L("MAINS")),
        ("room-1.normal_supply_ok", V::B(true)),
        ("room-1.backup_supply_ok", V::B(true)),
    ])
    .eval();
    b
}

fn fire() -> Bench {
    fire_with("")
}

/// Moves the wall clock on by whole days (one evaluation at the end).
fn days_pass(b: &mut Bench, days: u32) {
    b.wall += DAY * days;
    b.now += DAY * days;
    b.eval();
}

// ---------------------------------------------------------------- FIRE-01

#[test]
fn fire_01_raises_critical_on_the_panels_alarm_contact() {
    let mut b = fire();
    assert!(b.normal(FIRE_01, "fp-1"));
    b.change("fp-1.alarm", true);
    let f = b.finding(FIRE_01, "fp-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.message.en, "Fire alarm on panel fp-1");
    assert!(f.action.en.starts_with("Control room: confirm on site at once"));
    assert!(f.action.en.contains("lifts to the ground floor"));
    assert!(f.action.en.contains("a false alarm is reset and recorded"));
    assert!(f.action.zh.contains("误报复位并记录"));
}

#[test]
fn fire_01_clears_when_the_panel_is_reset_and_is_unknown_when_silent() {
    let mut b = fire();
    b.change("fp-1.alarm", true);
    b.change("fp-1.alarm", false);
    assert!(b.normal(FIRE_01, "fp-1"));
    b.stale("fp-1.alarm").eval();
    assert!(b.unknown(FIRE_01, "fp-1").is_some());
}

// ---------------------------------------------------------------- FIRE-02

#[test]
fn fire_02_raises_major_on_the_fault_contact() {
    let mut b = fire();
    b.change("fp-1.fault", true);
    let f = b.finding(FIRE_02, "fp-1");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(
        f.message.en,
        "Fire panel fp-1 reports a fault/trouble: fire protection impaired"
    );
    assert!(f.action.en.contains("repair ticket"));
}

#[test]
fn fire_02_reports_the_supervisory_contact_with_its_own_message() {
    let mut b = fire();
    b.change("fp-1.supervisory", true);
    assert!(b.finding(FIRE_02, "fp-1").message.en.contains("supervisory signal"));
}

#[test]
fn fire_02_clears_and_is_unknown_when_the_contact_is_stale() {
    let mut b = fire();
    b.change("fp-1.fault", true);
    b.change("fp-1.fault", false);
    assert!(b.normal(FIRE_02, "fp-1"));
    b.stale("fp-1.fault").eval();
    assert!(b.unknown(FIRE_02, "fp-1").is_some());
}

// ---------------------------------------------------------------- FIRE-03

#[test]
fn fire_03_raises_critical_when_the_fire_main_pressure_is_below_3_bar() {
    let mut b = fire();
    b.change("fire-main-1.pressure", 3.0);
    assert!(b.normal(FIRE_03, "fire-main-1"));
    b.change("fire-main-1.pressure", -0.05);
    let f = b.finding(FIRE_03, "fire-main-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.message.en,
        "Fire main fire-main-1 pressure -0.05 bar below 3 bar: no water for fire-fighting"
    );
}

#[test]
fn fire_03_pressure_limit_comes_from_the_mains_limits() {
    let mut b = fire_with("limits = { low = 4.0 }");
    b.change("fire-main-1.pressure", 3.5);
    assert!(b.active(FIRE_03, "fire-main-1"));
    b.change("fire-main-1.pressure", 6.5);
    assert!(b.normal(FIRE_03, "fire-main-1"));
}

#[test]
fn fire_03_raises_when_a_fire_pump_is_commanded_and_not_running_for_10s() {
    let mut b = fire();
    b.set("fire-pump-1.fault", true)
        .change("fire-pump-1.run_command", true)
        .run(9);
    assert!(b.normal(FIRE_03, "fire-pump-1"));
    b.run(1);
    let f = b.finding(FIRE_03, "fire-pump-1");
    assert_eq!(
        f.message.en,
        "Fire pump fire-pump-1 commanded but not running after 10 s"
    );
    assert_eq!(f.diagnosis.as_ref().unwrap().en, "fire-pump-1 fault contact on");
    b.change("fire-pump-1.running", true);
    assert!(b.normal(FIRE_03, "fire-pump-1"));
}

#[test]
fn fire_03_is_unknown_when_the_pressure_or_the_pump_cannot_be_read() {
    let mut b = fire();
    b.stale("fire-main-1.pressure").stale("fire-pump-1.running").eval();
    assert!(b.unknown(FIRE_03, "fire-main-1").is_some());
    assert!(b.unknown(FIRE_03, "fire-pump-1").is_some());
}

// ---------------------------------------------------------------- FIRE-04

#[test]
fn fire_04_warns_when_a_fire_pump_or_fan_has_not_run_for_31_days() {
    let mut b = fire();
    days_pass(&mut b, 30);
    assert!(b.normal(FIRE_04, "fire-pump-1"));
    days_pass(&mut b, 1);
    let f = b.finding(FIRE_04, "fire-pump-1");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(
        f.message.en,
        "fire-pump-1: no test run for 31 days (none seen since monitoring began); the monthly test is overdue"
    );
    assert!(f.action.zh.contains("每月检查项目试启动一次"));
    assert!(b.active(FIRE_04, "fan-1"));
}

#[test]
fn fire_04_a_test_run_restarts_the_month() {
    let mut b = fire();
    days_pass(&mut b, 20);
    b.change("fan-1.running", true).run(60);
    b.change("fan-1.running", false);
    days_pass(&mut b, 30);
    assert!(b.normal(FIRE_04, "fan-1"));
    assert!(b.active(FIRE_04, "fire-pump-1"));
    days_pass(&mut b, 1);
    assert_eq!(
        b.finding(FIRE_04, "fan-1").message.en,
        "fan-1: no test run for 31 days; the monthly test is overdue"
    );
    b.change("fan-1.running", true);
    assert!(b.normal(FIRE_04, "fan-1"));
}

#[test]
fn fire_04_is_unknown_when_overdue_and_the_pump_cannot_be_seen() {
    let mut b = fire();
    b.stale("fire-pump-1.running");
    days_pass(&mut b, 40);
    assert!(b.unknown(FIRE_04, "fire-pump-1").is_some());
}

#[test]
fn fire_04_counts_from_the_start_of_monitoring_in_the_run_history() {
    let mut b = fire();
    let started = b.engine.run_history().monitoring_since.unwrap();
    assert_eq!(started, b.wall);
    days_pass(&mut b, 5);
    assert_eq!(b.engine.run_history().monitoring_since, Some(started), "set once");
}

// ---------------------------------------------------------------- FIRE-05

#[test]
fn fire_05_warns_when_the_power_changeover_has_not_been_exercised_for_31_days() {
    let mut b = fire();
    days_pass(&mut b, 31);
    let f = b.finding(FIRE_05, "ats-1");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f
        .message
        .en
        .contains("fire-service power changeover not exercised for 31 days"));
    assert!(f.action.zh.contains("能否及时切换"));
    assert!(b.active(FIRE_05, "room-1"));
}

#[test]
fn fire_05_an_ats_on_generator_or_a_room_on_backup_counts_as_exercised() {
    let mut b = fire();
    days_pass(&mut b, 31);
    b.change("ats-1.position", "GENERATOR");
    assert!(b.normal(FIRE_05, "ats-1"));
    b.change("room-1.normal_supply_ok", false);
    assert!(b.normal(FIRE_05, "room-1"));
    b.set("ats-1.position", "MAINS").change("room-1.normal_supply_ok", true);
    days_pass(&mut b, 30);
    assert!(b.normal(FIRE_05, "ats-1") && b.normal(FIRE_05, "room-1"));
}

#[test]
fn fire_05_is_unknown_when_overdue_and_the_position_cannot_be_read() {
    let mut b = fire();
    b.stale("ats-1.position");
    days_pass(&mut b, 31);
    assert!(b.unknown(FIRE_05, "ats-1").is_some());
}
