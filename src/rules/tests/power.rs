//! PWR-01 … PWR-10.

use std::time::Duration;

use super::{site, site_with, Bench, V};
use crate::rules::*;

const GEN: &[&str] = &[
    "mode_selector",
    "running",
    "output_ok",
    "control_fuse_ok",
    "fault",
    "fuel_level_pct",
];
const ATS: &[&str] = &["mains_available", "position", "selector", "control_fuse_ok"];

const HEALTHY: &[(&str, V)] = &[
    ("gen-1.mode_selector", V::L("AUTO")),
    ("gen-1.running", V::B(false)),
    ("gen-1.output_ok", V::B(false)),
    ("gen-1.control_fuse_ok", V::B(true)),
    ("gen-1.fault", V::B(false)),
    ("gen-1.fuel_level_pct", V::N(80.0)),
    ("ats-1.mains_available", V::B(true)),
    ("ats-1.position", V::L("MAINS")),
    ("ats-1.selector", V::L("AUTO")),
    ("ats-1.control_fuse_ok", V::B(true)),
];

/// One generator and one ATS in one building, every point bound and healthy.
fn plant_with(gen_extra: &str, ats_extra: &str) -> Bench {
    let mut b = Bench::new(&site(&[
        ("gen-1", "generator", GEN, gen_extra),
        ("ats-1", "transfer_switch", ATS, ats_extra),
    ]));
    b.set_all(HEALTHY).eval();
    b
}

fn plant() -> Bench {
    plant_with("", "")
}

/// The mains fail and the generator stays off for PWR-02's 15 s.
fn generator_fails_to_start(b: &mut Bench) -> String {
    b.change("ats-1.mains_available", false).run(15);
    b.diagnosis(PWR_02, "gen-1")
}

// ---------------------------------------------------------------- PWR-01

#[test]
fn pwr_01_raises_major_when_mains_is_lost_for_2s() {
    let mut b = plant();
    assert!(b.normal(PWR_01, "ats-1"));
    b.change("ats-1.mains_available", false).run(1);
    assert!(b.normal(PWR_01, "ats-1"), "1 s is not yet an outage");
    b.run(1);
    let f = b.finding(PWR_01, "ats-1");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.message.en, "Mains lost at ats-1 (unavailable for 2 s)");
    assert_eq!(f.message.zh, "ats-1 市电停电（市电失压 2 秒）");
    assert!(f
        .action
        .en
        .contains("lift attendant (check the lifts for trapped passengers)"));
    assert!(f.action.zh.contains("电梯值班人员"));
}

#[test]
fn pwr_01_clears_when_mains_returns() {
    let mut b = plant();
    b.change("ats-1.mains_available", false).run(2);
    assert!(b.active(PWR_01, "ats-1"));
    b.change("ats-1.mains_available", true);
    assert!(b.normal(PWR_01, "ats-1"));
}

#[test]
fn pwr_01_is_unknown_when_mains_available_is_stale() {
    let mut b = plant();
    b.stale("ats-1.mains_available").eval();
    let (en, zh) = b.unknown(PWR_01, "ats-1").expect("unknown, never normal");
    assert_eq!(en, "cannot evaluate PWR-01: ats-1.mains_available is stale");
    assert_eq!(zh, "无法判断 PWR-01：ats-1.mains_available 数据失效");
}

#[test]
fn pwr_01_delay_is_set_per_transfer_switch() {
    let mut b = plant_with("", "[equipment.rules.PWR-01]\ndelay_s = 5");
    b.change("ats-1.mains_available", false).run(4);
    assert!(b.normal(PWR_01, "ats-1"));
    b.run(1);
    assert!(b.active(PWR_01, "ats-1"));
}

// ---------------------------------------------------------------- PWR-02

#[test]
fn pwr_02_raises_when_generator_not_running_15s_after_mains_loss() {
    let mut b = plant();
    b.change("ats-1.mains_available", false).run(14);
    assert!(b.normal(PWR_02, "gen-1"), "the generator has 15 s to start");
    b.run(1);
    let f = b.finding(PWR_02, "gen-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.message.en,
        "Generator gen-1 did not start: mains lost at ats-1 and not running after 15 s"
    );
    assert_eq!(f.message.zh, "发电机 gen-1 未启动：ats-1 市电停电 15 秒后仍未运行");
    assert!(f.action.en.starts_with("Find the cause and restore supply: (1)"));
    assert!(f.action.zh.contains("选择开关拧到“自动”"));
}

#[test]
fn pwr_02_diagnoses_generator_in_manual() {
    let mut b = plant();
    b.set("gen-1.mode_selector", "MANUAL");
    assert_eq!(
        generator_fails_to_start(&mut b),
        "(1) gen-1 controller selector is at MANUAL, not AUTO"
    );
    let zh = b.finding(PWR_02, "gen-1").diagnosis.clone().unwrap().zh;
    assert_eq!(zh, "（1）gen-1 主控制箱选择开关在“手动”位置，不在“自动”");
}

#[test]
fn pwr_02_diagnoses_generator_at_stop() {
    let mut b = plant();
    b.set("gen-1.mode_selector", "STOP");
    assert_eq!(
        generator_fails_to_start(&mut b),
        "(1) gen-1 controller selector is at STOP, not AUTO"
    );
    let zh = b.finding(PWR_02, "gen-1").diagnosis.clone().unwrap().zh;
    assert!(zh.contains("“停”位置"), "{zh}");
}

#[test]
fn pwr_02_diagnoses_ats_selector_in_manual() {
    let mut b = plant();
    b.set("ats-1.selector", "MANUAL");
    assert_eq!(
        generator_fails_to_start(&mut b),
        "(2) ats-1 selector is at MANUAL, not AUTO"
    );
    let zh = b.finding(PWR_02, "gen-1").diagnosis.clone().unwrap().zh;
    assert_eq!(zh, "（2）ats-1 切换柜择位开关在“手动”位置，不在“自动”");
}

#[test]
fn pwr_02_diagnoses_a_blown_control_fuse_in_the_generator_box_or_the_ats_circuit() {
    let mut b = plant();
    b.set("gen-1.control_fuse_ok", false);
    assert_eq!(
        generator_fails_to_start(&mut b),
        "(3) control fuse blown in gen-1's control box"
    );
    let mut b = plant();
    b.set("ats-1.control_fuse_ok", false);
    assert_eq!(
        generator_fails_to_start(&mut b),
        "(3) control fuse blown in ats-1's control circuit"
    );
    let zh = b.finding(PWR_02, "gen-1").diagnosis.clone().unwrap().zh;
    assert_eq!(zh, "（3）ats-1 切换柜控制回路熔断器烧毁");
}

#[test]
fn pwr_02_lists_every_cause_that_applies_in_the_procedures_order() {
    let mut b = plant();
    b.set_all(&[
        ("ats-1.control_fuse_ok", V::B(false)),
        ("gen-1.control_fuse_ok", V::B(false)),
        ("ats-1.selector", V::L("MANUAL")),
        ("gen-1.mode_selector", V::L("STOP")),
    ]);
    assert_eq!(
        generator_fails_to_start(&mut b),
        "(1) gen-1 controller selector is at STOP, not AUTO; (2) ats-1 selector is at MANUAL, not AUTO; \
         (3) control fuse blown in gen-1's control box; (3) control fuse blown in ats-1's control circuit"
    );
}

#[test]
fn pwr_02_says_cause_unknown_when_no_point_explains_it() {
    let mut b = plant();
    assert_eq!(generator_fails_to_start(&mut b), "cause unknown: check on site");
    let zh = b.finding(PWR_02, "gen-1").diagnosis.clone().unwrap().zh;
    assert_eq!(zh, "原因不明：请现场检查");
}

#[test]
fn pwr_02_skips_diagnosis_points_the_site_does_not_have() {
    let mut b = Bench::new(&site(&[
        ("gen-1", "generator", &["running"], ""),
        ("ats-1", "transfer_switch", &["mains_available", "position"], ""),
    ]));
    b.set_all(&[
        ("gen-1.running", V::B(false)),
        ("ats-1.mains_available", V::B(true)),
        ("ats-1.position", V::L("MAINS")),
    ]);
    assert_eq!(generator_fails_to_start(&mut b), "cause unknown: check on site");
}

#[test]
fn pwr_02_names_the_diagnosis_points_it_could_not_read() {
    let mut b = plant();
    b.stale("gen-1.mode_selector").set("ats-1.selector", "MANUAL");
    assert_eq!(
        generator_fails_to_start(&mut b),
        "(2) ats-1 selector is at MANUAL, not AUTO; could not check: gen-1.mode_selector is stale"
    );
}

#[test]
fn pwr_02_mentions_a_generator_fault_after_the_procedures_causes() {
    let mut b = plant();
    b.set("gen-1.fault", true);
    assert_eq!(generator_fails_to_start(&mut b), "also: gen-1 reports a fault");
}

#[test]
fn pwr_02_clears_when_the_generator_starts() {
    let mut b = plant();
    generator_fails_to_start(&mut b);
    b.change("gen-1.running", true);
    assert!(b.normal(PWR_02, "gen-1"));
}

#[test]
fn pwr_02_does_not_fire_when_the_generator_starts_in_time() {
    let mut b = plant();
    b.change("ats-1.mains_available", false).run(5);
    b.change("gen-1.running", true).run(60);
    assert!(b.normal(PWR_02, "gen-1"));
}

#[test]
fn pwr_02_is_unknown_when_the_generator_cannot_be_seen() {
    let mut b = plant();
    b.change("ats-1.mains_available", false);
    b.stale("gen-1.running").run(30);
    let (en, zh) = b.unknown(PWR_02, "gen-1").expect("unknown");
    assert_eq!(en, "cannot evaluate PWR-02: gen-1.running is stale");
    assert_eq!(zh, "无法判断 PWR-02：gen-1.running 数据失效");
}

#[test]
fn pwr_02_a_brief_stale_blip_does_not_reset_its_15s_timer() {
    let mut b = plant();
    b.change("ats-1.mains_available", false).run(10);
    // The generator controller drops off the bus for 3 s.
    b.stale("gen-1.running").run(3);
    assert!(b.unknown(PWR_02, "gen-1").is_some());
    let t = b.engine.timers();
    let t = t.iter().find(|t| t.key.rule == PWR_02).unwrap();
    // Seen not running at 10 s, stale from 11 s: 11 s counted, then held.
    assert_eq!((t.elapsed, t.remaining, t.frozen), (secs(11), secs(4), true));
    // Back at 14 s, still not running: the timer continues from 11 s (the blip does not count).
    b.set("gen-1.running", false).run(4);
    assert!(b.normal(PWR_02, "gen-1"));
    b.run(1);
    assert!(
        b.active(PWR_02, "gen-1"),
        "15 s of seen outage, not 15 s after the blip"
    );
}

#[test]
fn pwr_02_starts_over_after_a_stale_gap_longer_than_the_tolerance() {
    let mut b = plant();
    b.change("ats-1.mains_available", false).run(10);
    b.stale("gen-1.running").run(8);
    // The timer starts again at the first good reading and needs the full 15 s.
    b.set("gen-1.running", false).run(15);
    assert!(b.normal(PWR_02, "gen-1"), "an 8 s gap is longer than the 5 s tolerance");
    b.run(1);
    assert!(b.active(PWR_02, "gen-1"));
}

#[test]
fn pwr_02_tolerance_is_configurable() {
    let mut b = plant_with("[equipment.rules.PWR-02]\nstale_tolerance_s = 10", "");
    b.change("ats-1.mains_available", false).run(10);
    b.stale("gen-1.running").run(8);
    b.set("gen-1.running", false).run(5);
    assert!(b.active(PWR_02, "gen-1"));
}

#[test]
fn pwr_02_an_alarm_already_raised_returns_at_once_after_a_long_gap() {
    let mut b = plant();
    generator_fails_to_start(&mut b);
    b.stale("gen-1.running").run(60);
    assert!(b.unknown(PWR_02, "gen-1").is_some());
    b.set("gen-1.running", false).run(1);
    assert!(b.active(PWR_02, "gen-1"));
}

#[test]
fn pwr_02_delay_comes_from_the_site_or_the_generator() {
    let text = site_with(
        &[("gen-1", "generator", GEN, ""), ("ats-1", "transfer_switch", ATS, "")],
        "[rules.PWR-02]\ndelay_s = 20",
    );
    let mut b = Bench::new(&text);
    b.set_all(HEALTHY);
    b.change("ats-1.mains_available", false).run(19);
    assert!(b.normal(PWR_02, "gen-1"));
    b.run(1);
    assert!(b.active(PWR_02, "gen-1"));
    assert!(b.finding(PWR_02, "gen-1").message.en.ends_with("after 20 s"));
}

// ---------------------------------------------------------------- PWR-03

fn generator_on_line(b: &mut Bench) {
    b.change("ats-1.mains_available", false);
    b.set_all(&[("gen-1.running", V::B(true)), ("gen-1.output_ok", V::B(true))])
        .eval();
}

#[test]
fn pwr_03_raises_when_the_generator_is_healthy_but_the_ats_stays_on_mains_10s() {
    let mut b = plant();
    generator_on_line(&mut b);
    b.run(9);
    assert!(b.normal(PWR_03, "ats-1"));
    b.run(1);
    let f = b.finding(PWR_03, "ats-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.message.en,
        "Load not on backup power: gen-1 is running and healthy but ats-1 is still at MAINS, not GENERATOR, after 10 s"
    );
    assert!(f.message.zh.contains("未切换到发电机"));
    assert!(b.normal(PWR_02, "gen-1"), "the generator did start");
}

#[test]
fn pwr_03_waits_for_a_healthy_generator_output() {
    let mut b = plant();
    b.change("ats-1.mains_available", false);
    b.change("gen-1.running", true).run(30);
    assert!(b.normal(PWR_03, "ats-1"), "output_ok is still false");
}

#[test]
fn pwr_03_names_a_manual_ats_selector() {
    let mut b = plant();
    b.set("ats-1.selector", "MANUAL");
    generator_on_line(&mut b);
    b.run(10);
    assert_eq!(b.diagnosis(PWR_03, "ats-1"), "ats-1 selector is at MANUAL, not AUTO");
}

#[test]
fn pwr_03_clears_when_the_ats_transfers() {
    let mut b = plant();
    generator_on_line(&mut b);
    b.run(10);
    b.change("ats-1.position", "GENERATOR");
    assert!(b.normal(PWR_03, "ats-1"));
}

#[test]
fn pwr_03_is_unknown_when_the_ats_position_is_stale() {
    let mut b = plant();
    generator_on_line(&mut b);
    b.stale("ats-1.position").run(20);
    assert_eq!(
        b.unknown(PWR_03, "ats-1").unwrap().0,
        "cannot evaluate PWR-03: ats-1.position is stale"
    );
}

// ---------------------------------------------------------------- PWR-04

#[test]
fn pwr_04_warns_that_a_generator_left_in_manual_will_not_start_on_the_next_outage() {
    let mut b = plant();
    b.change("gen-1.mode_selector", "MANUAL").run(1);
    assert!(b.normal(PWR_04, "gen-1"));
    b.run(1);
    let f = b.finding(PWR_04, "gen-1");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.message.en, "Generator gen-1 will not start on the next outage");
    assert_eq!(f.message.zh, "发电机 gen-1 下次停电时不会自动启动");
    assert_eq!(
        f.diagnosis.as_ref().unwrap().en,
        "gen-1 controller selector is at MANUAL, not AUTO"
    );
    assert!(f.action.en.contains("cheapest outage to prevent"));
}

#[test]
fn pwr_04_warns_about_an_ats_selector_or_control_fuse() {
    let mut b = plant();
    b.set("ats-1.control_fuse_ok", false)
        .set("ats-1.selector", "MANUAL")
        .eval()
        .run(2);
    assert_eq!(
        b.diagnosis(PWR_04, "ats-1"),
        "ats-1 selector is at MANUAL, not AUTO; control fuse blown in ats-1's control circuit"
    );
    assert_eq!(
        b.finding(PWR_04, "ats-1").message.en,
        "Transfer switch ats-1 will not transfer on the next outage"
    );
    assert!(b.normal(PWR_04, "gen-1"));
}

#[test]
fn pwr_04_stays_quiet_during_an_outage_where_pwr_02_speaks() {
    let mut b = plant();
    b.change("gen-1.mode_selector", "MANUAL").run(3);
    assert!(b.active(PWR_04, "gen-1"));
    b.change("ats-1.mains_available", false);
    assert!(b.normal(PWR_04, "gen-1"));
}

#[test]
fn pwr_04_clears_when_the_selector_is_back_in_auto() {
    let mut b = plant();
    b.change("gen-1.mode_selector", "STOP").run(3);
    b.change("gen-1.mode_selector", "AUTO");
    assert!(b.normal(PWR_04, "gen-1"));
}

#[test]
fn pwr_04_is_unknown_when_the_selector_cannot_be_read() {
    let mut b = plant();
    b.not_good(
        "gen-1.mode_selector",
        crate::point::Quality::Bad,
        "code 7 is not in the enum",
    )
    .run(3);
    assert_eq!(
        b.unknown(PWR_04, "gen-1").unwrap().0,
        "cannot evaluate PWR-04: gen-1.mode_selector is bad"
    );
}

#[test]
fn pwr_04_a_proven_problem_is_reported_even_when_another_input_is_stale() {
    let mut b = plant();
    b.set("gen-1.mode_selector", "MANUAL")
        .stale("gen-1.control_fuse_ok")
        .eval()
        .run(2);
    assert!(b.active(PWR_04, "gen-1"));
}

// ---------------------------------------------------------------- PWR-05

fn outage_confirmed(b: &mut Bench) {
    b.change("ats-1.mains_available", false).run(2);
    assert!(b.active(PWR_01, "ats-1"));
}

#[test]
fn pwr_05_escalates_an_outage_not_cleared_in_30_min() {
    let mut b = plant();
    outage_confirmed(&mut b);
    b.run(1799);
    assert!(b.normal(PWR_05, "ats-1"));
    b.run(1);
    let f = b.finding(PWR_05, "ats-1");
    assert_eq!(f.severity, Severity::Escalation);
    assert_eq!(f.message.en, "Outage at ats-1 not cleared after 30 min");
    assert!(f.action.en.contains("supervisor"));
}

#[test]
fn pwr_05_keeps_counting_while_the_ats_cannot_be_seen() {
    let mut b = plant();
    outage_confirmed(&mut b);
    b.run(1000);
    b.stale("ats-1.mains_available").run(800);
    assert!(b.unknown(PWR_01, "ats-1").is_some());
    assert!(b.active(PWR_05, "ats-1"), "nobody has seen the outage end");
}

#[test]
fn pwr_05_is_unknown_when_mains_cannot_be_read_before_it_escalates() {
    let mut b = plant();
    b.stale("ats-1.mains_available").eval();
    assert!(b.unknown(PWR_05, "ats-1").is_some());
}

#[test]
fn pwr_05_clears_when_mains_returns() {
    let mut b = plant();
    outage_confirmed(&mut b);
    b.run(1800);
    assert!(b.active(PWR_05, "ats-1"));
    b.change("ats-1.mains_available", true);
    assert!(b.normal(PWR_05, "ats-1"));
}

// ---------------------------------------------------------------- PWR-06 / PWR-07

fn feeds() -> Bench {
    let mut b = Bench::new(&site(&[
        ("feed-1", "utility_feed", &["available", "in_service"], ""),
        ("feed-2", "utility_feed", &["available", "in_service"], ""),
    ]));
    b.set_all(&[
        ("feed-1.available", V::B(true)),
        ("feed-1.in_service", V::B(true)),
        ("feed-2.available", V::B(true)),
        ("feed-2.in_service", V::B(false)),
    ])
    .eval();
    b
}

#[test]
fn pwr_06_warns_when_the_standby_feed_is_lost() {
    let mut b = feeds();
    b.change("feed-2.available", false).run(2);
    let f = b.finding(PWR_06, "feed-2");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.message.en, "Standby utility feed feed-2 lost");
    assert!(f.action.en.contains("contact the utility"));
    assert!(b.normal(PWR_07, "feed-2"));
    assert!(b.normal(PWR_06, "feed-1"));
}

#[test]
fn pwr_07_raises_major_when_the_feed_in_service_is_lost() {
    let mut b = feeds();
    b.change("feed-1.available", false).run(2);
    let f = b.finding(PWR_07, "feed-1");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.message.zh, "正在使用的市电回路 feed-1 停电");
    assert!(f.action.en.contains("switching order"));
    assert!(b.normal(PWR_06, "feed-1"));
}

#[test]
fn pwr_06_and_pwr_07_clear_when_the_feed_returns() {
    let mut b = feeds();
    b.change("feed-1.available", false)
        .change("feed-2.available", false)
        .run(2);
    assert!(b.active(PWR_07, "feed-1") && b.active(PWR_06, "feed-2"));
    b.set("feed-1.available", true).change("feed-2.available", true);
    assert!(b.normal(PWR_07, "feed-1") && b.normal(PWR_06, "feed-2"));
}

#[test]
fn pwr_06_and_pwr_07_are_unknown_when_the_feed_monitor_is_stale() {
    let mut b = feeds();
    b.stale("feed-2.available").eval();
    assert!(b.unknown(PWR_06, "feed-2").is_some());
    assert!(b.unknown(PWR_07, "feed-2").is_some());
}

#[test]
fn pwr_06_and_pwr_07_need_two_feeds() {
    let mut b = Bench::new(&site(&[("feed-1", "utility_feed", &["available"], "")]));
    b.change("feed-1.available", false).run(5);
    assert!(!b.has(PWR_06, "feed-1") && !b.has(PWR_07, "feed-1"));
}

#[test]
fn pwr_07_takes_a_feed_without_an_in_service_point_as_in_service() {
    let mut b = Bench::new(&site(&[
        ("feed-1", "utility_feed", &["available"], ""),
        ("feed-2", "utility_feed", &["available"], ""),
    ]));
    b.set("feed-2.available", true).change("feed-1.available", false).run(2);
    assert!(b.active(PWR_07, "feed-1"));
}

// ---------------------------------------------------------------- PWR-08

fn room() -> Bench {
    let mut b = Bench::new(&site(&[(
        "room-control",
        "critical_room",
        &["normal_supply_ok", "backup_supply_ok"],
        "",
    )]));
    b.set_all(&[
        ("room-control.normal_supply_ok", V::B(true)),
        ("room-control.backup_supply_ok", V::B(true)),
    ])
    .eval();
    b
}

#[test]
fn pwr_08_raises_critical_when_a_critical_room_has_neither_supply() {
    let mut b = room();
    b.change("room-control.normal_supply_ok", false).run(5);
    assert!(
        b.normal(PWR_08, "room-control"),
        "running on backup is what backup is for"
    );
    b.change("room-control.backup_supply_ok", false).run(2);
    let f = b.finding(PWR_08, "room-control");
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.action.en.starts_with("Check the backup power transfer"));
    assert!(f.action.zh.contains("检查备用电源切换是否正常"));
}

#[test]
fn pwr_08_clears_when_either_supply_returns() {
    let mut b = room();
    b.set("room-control.normal_supply_ok", false)
        .change("room-control.backup_supply_ok", false)
        .run(2);
    b.change("room-control.backup_supply_ok", true);
    assert!(b.normal(PWR_08, "room-control"));
}

#[test]
fn pwr_08_is_unknown_when_the_room_monitor_is_stale() {
    let mut b = room();
    b.stale("room-control.backup_supply_ok").eval();
    assert!(b.unknown(PWR_08, "room-control").is_some());
}

// ---------------------------------------------------------------- PWR-09

#[test]
fn pwr_09_posts_the_recovery_checklist_for_60s_after_power_returns() {
    let mut b = plant();
    assert!(b.normal(PWR_09, "ats-1"));
    outage_confirmed(&mut b);
    b.run(100);
    assert!(b.normal(PWR_09, "ats-1"));
    b.change("ats-1.mains_available", true);
    let f = b.finding(PWR_09, "ats-1");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.message.en, "Power restored at ats-1");
    assert_eq!(f.diagnosis.as_ref().unwrap().en, "the outage lasted 100 s");
    assert!(f.action.en.contains("check every breaker"));
    assert!(f
        .action
        .en
        .contains("incident report (outage duration, generator run time)"));
    assert!(f.action.zh.contains("消防、安防"));
    b.run(59);
    assert!(b.active(PWR_09, "ats-1"));
    b.run(1);
    assert!(b.normal(PWR_09, "ats-1"));
}

#[test]
fn pwr_09_says_nothing_after_a_dip_too_short_to_be_an_outage() {
    let mut b = plant();
    b.change("ats-1.mains_available", false).run(1);
    b.change("ats-1.mains_available", true);
    assert!(b.normal(PWR_09, "ats-1"));
}

#[test]
fn pwr_09_is_unknown_when_mains_cannot_be_read() {
    let mut b = plant();
    outage_confirmed(&mut b);
    b.change("ats-1.mains_available", true)
        .stale("ats-1.mains_available")
        .eval();
    assert!(b.unknown(PWR_09, "ats-1").is_some());
}

#[test]
fn pwr_09_ends_when_mains_is_lost_again() {
    let mut b = plant();
    outage_confirmed(&mut b);
    b.change("ats-1.mains_available", true);
    assert!(b.active(PWR_09, "ats-1"));
    b.change("ats-1.mains_available", false);
    assert!(b.normal(PWR_09, "ats-1"));
}

#[test]
fn pwr_09_hold_is_configurable() {
    let mut b = plant_with("", "[equipment.rules.PWR-09]\nhold_s = 10");
    outage_confirmed(&mut b);
    b.change("ats-1.mains_available", true).run(10);
    assert!(b.normal(PWR_09, "ats-1"));
}

// ---------------------------------------------------------------- PWR-10

#[test]
fn pwr_10_warns_below_30_pct_and_is_critical_below_15() {
    let mut b = plant();
    b.change("gen-1.fuel_level_pct", 30.0);
    assert!(b.normal(PWR_10, "gen-1"));
    b.change("gen-1.fuel_level_pct", 25.0);
    let f = b.finding(PWR_10, "gen-1");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.message.en, "Generator gen-1 fuel low: 25 % (limit 30 %)");
    b.change("gen-1.fuel_level_pct", 12.5);
    let f = b.finding(PWR_10, "gen-1");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.message.zh, "发电机 gen-1 燃油（柴油）严重不足：12.5 %（限值 15 %）");
}

#[test]
fn pwr_10_limits_come_from_the_generators_limits() {
    let mut b = plant_with("limits = { fuel_low_pct = 50.0, fuel_critical_pct = 20.0 }", "");
    b.change("gen-1.fuel_level_pct", 40.0);
    assert_eq!(b.finding(PWR_10, "gen-1").severity, Severity::Warning);
    b.change("gen-1.fuel_level_pct", 19.0);
    assert_eq!(b.finding(PWR_10, "gen-1").severity, Severity::Critical);
}

#[test]
fn pwr_10_clears_when_refuelled_and_is_unknown_when_stale() {
    let mut b = plant();
    b.change("gen-1.fuel_level_pct", 10.0);
    b.change("gen-1.fuel_level_pct", 95.0);
    assert!(b.normal(PWR_10, "gen-1"));
    b.stale("gen-1.fuel_level_pct").eval();
    assert!(b.unknown(PWR_10, "gen-1").is_some());
}

// ---------------------------------------------------------------- pairing

#[test]
fn generators_and_switches_pair_within_a_building_only() {
    let text = site(&[
        ("gen-1", "generator", &["running"], ""),
        ("ats-1", "transfer_switch", &["mains_available", "position"], ""),
    ])
    .replace(
        "[[equipment]]\nid = \"ats-1\"\nbuilding = \"b\"",
        "[[equipment]]\nid = \"ats-1\"\nbuilding = \"c\"",
    )
    .replace(
        "[[buildings]]\nid = \"b\"",
        "[[buildings]]\nid = \"b\"\n[[buildings]]\nid = \"c\"",
    );
    let mut b = Bench::new(&text);
    b.set("gen-1.running", false)
        .change("ats-1.mains_available", false)
        .run(20);
    assert!(!b.has(PWR_02, "gen-1"), "no switch in gen-1's building");
    assert!(!b.has(PWR_03, "ats-1"), "no generator in ats-1's building");
    assert!(b.active(PWR_01, "ats-1"));
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
