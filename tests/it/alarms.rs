//! Procedure scenarios end to end: simulator → Modbus/MQTT → daemon → rules → alarm book.

use std::time::Duration;

use facmon::alarm::AlarmState;
use facmon::point::Value;
use facmon::rules::Severity;

use crate::support::building::{set_rule, Building, Parts};
use crate::support::wait;

#[tokio::test]
async fn pwr_02_outage_with_generator_in_manual_is_one_incident_naming_the_manual_selector() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let alarms = &b.daemon.alarms;
    b.fail_mains_with_generator_in_manual().await;
    let pwr02 = wait::alarm(alarms, "PWR-02", "gen-1", "raised", |a| a.active).await;
    let f = pwr02.finding.expect("finding");
    let diagnosis = f.diagnosis.expect("PWR-02 carries a diagnosis");
    assert!(diagnosis.en.contains("MANUAL"), "{}", diagnosis.en);
    assert!(diagnosis.zh.contains("手动"), "{}", diagnosis.zh);
    assert!(b.daemon.alarms.book().get("PWR-01", "ats-1").is_some_and(|a| a.active));

    // (This building serves no MQTT broker and no RTU bus, so COM-01 has incidents of its own.)
    let incidents = alarms.book().incidents().to_vec();
    let power: Vec<_> = incidents
        .iter()
        .filter(|i| i.alarms.iter().any(|k| k.rule.starts_with("PWR-")))
        .collect();
    assert_eq!(power.len(), 1, "one outage incident: {incidents:#?}");
    assert!(power[0].is_open());
    let rules: Vec<&str> = power[0].alarms.iter().map(|k| k.rule.as_str()).collect();
    assert!(rules.contains(&"PWR-01") && rules.contains(&"PWR-02"), "{rules:?}");
    b.stop().await;
}

#[tokio::test]
async fn fire_01_latches_until_an_operator_resets_it() {
    let b = Building::start(Parts {
        mqtt: true,
        ..Default::default()
    })
    .await;
    let alarms = &b.daemon.alarms;
    wait::value(
        &b.daemon.store,
        "fire-panel-1",
        "alarm",
        facmon::point::Value::Bool(false),
    )
    .await;
    b.command("set fire-panel-1.alarm true");
    wait::alarm(alarms, "FIRE-01", "fire-panel-1", "raised", |a| a.active).await;
    b.command("set fire-panel-1.alarm false");
    wait::alarm(
        alarms,
        "FIRE-01",
        "fire-panel-1",
        "latched after the contact cleared",
        |a| a.active && a.latch_waiting_reset,
    )
    .await;
    alarms
        .operate(|book, now| book.reset_latch("FIRE-01", "fire-panel-1", "控制室值班员", now))
        .expect("reset accepted");
    assert_eq!(
        alarms.book().state("FIRE-01", "fire-panel-1"),
        Some(AlarmState::ReturnedUnacknowledged)
    );
    b.stop().await;
}

#[tokio::test]
async fn an_ats_offline_during_an_outage_makes_power_rules_unknown_and_raises_com_01_never_normal() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let alarms = &b.daemon.alarms;
    b.command("mains fail");
    wait::alarm(alarms, "PWR-01", "ats-1", "raised", |a| a.active).await;
    b.command("offline ats-1");
    let pwr01 = wait::alarm(alarms, "PWR-01", "ats-1", "unknown", |a| a.unknown.is_some()).await;
    assert!(pwr01.active, "an outage we can no longer see is not over");
    assert!(
        pwr01.unknown.as_ref().is_some_and(|r| r.en.contains("ats-1")),
        "{:?}",
        pwr01.unknown
    );
    wait::alarm(alarms, "COM-01", "ats-1-controller", "raised", |a| a.active).await;
    b.stop().await;
}

#[tokio::test]
async fn wat_01_then_wat_02_when_the_duty_pump_trips_and_the_standby_has_failed() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let alarms = &b.daemon.alarms;
    wait::value(&b.daemon.store, "pump-1", "running", facmon::point::Value::Bool(true)).await;
    b.command("set pump-2.fault true");
    b.command("set pump-1.fault true");
    let wat01 = wait::alarm(alarms, "WAT-01", "booster-set", "raised", |a| a.active).await;
    assert!(
        wat01.finding.is_some_and(|f| f.message.en.contains("pump-1")),
        "WAT-01 names the tripped pump"
    );
    let wat02 = wait::alarm(alarms, "WAT-02", "booster-set", "raised", |a| a.active).await;
    assert_eq!(wat02.severity, Some(facmon::rules::Severity::Critical));
    assert!(
        wat02
            .finding
            .is_some_and(|f| f.action.en.to_lowercase().contains("by hand")),
        "WAT-02 says to start the standby by hand"
    );
    b.stop().await;
}

#[tokio::test]
async fn drn_01_then_drn_02_as_a_sump_pit_floods_over_the_rtu_bus() {
    let b = Building::start(Parts {
        rtu: true,
        ..Default::default()
    })
    .await;
    let alarms = &b.daemon.alarms;
    wait::good(&b.daemon.store, "sump-b2", "level").await;
    b.command("set sump-pump-b2.blocked true");
    b.command("set sump-b2.level 1.3");
    let drn01 = wait::alarm(alarms, "DRN-01", "sump-b2", "raised", |a| a.active).await;
    assert_eq!(drn01.severity, Some(facmon::rules::Severity::Major));
    b.command("set sump-b2.level 1.7");
    let drn02 = wait::alarm(alarms, "DRN-02", "sump-b2", "raised", |a| a.active).await;
    assert_eq!(drn02.severity, Some(facmon::rules::Severity::Critical));
    b.stop().await;
}

#[tokio::test]
async fn pwr_05_escalates_an_outage_left_open_past_its_configured_time_in_the_same_incident() {
    const ESCALATE_AFTER_S: f64 = 6.0;
    let b = Building::start_with(
        Parts {
            tcp: true,
            ..Default::default()
        },
        |plan| {
            set_rule(plan, "gen-1", "PWR-02", "delay_s", 2.0);
            set_rule(plan, "ats-1", "PWR-05", "delay_s", ESCALATE_AFTER_S);
        },
    )
    .await;
    let alarms = &b.daemon.alarms;
    b.fail_mains_with_generator_in_manual().await;
    let pwr01 = wait::alarm(alarms, "PWR-01", "ats-1", "raised", |a| a.active).await;
    let pwr02 = wait::alarm(alarms, "PWR-02", "gen-1", "raised", |a| a.active).await;
    let pwr05 = wait::alarm(alarms, "PWR-05", "ats-1", "raised", |a| a.active).await;

    assert_eq!(pwr05.severity, Some(Severity::Escalation));
    let open_for = pwr05
        .raised_at
        .zip(pwr01.raised_at)
        .and_then(|(escalated, lost)| escalated.duration_since(lost).ok())
        .expect("PWR-05 raised after PWR-01");
    // One 500 ms evaluation tick of slack: the wall clock stamps what the monotonic timer decided.
    assert!(
        open_for >= Duration::from_secs_f64(ESCALATE_AFTER_S - 1.0),
        "escalated {open_for:?} into the outage, before its {ESCALATE_AFTER_S} s"
    );
    let f = pwr05.finding.expect("finding");
    assert!(f.message.en.contains("ats-1"), "{}", f.message.en);
    assert!(f.action.en.contains("supervisor"), "{}", f.action.en);

    let outage = pwr01.incident.expect("PWR-01 opens an incident");
    assert_eq!(pwr02.incident, Some(outage), "PWR-02 is part of the outage");
    assert_eq!(pwr05.incident, Some(outage), "PWR-05 joins the open outage");
    let incidents = alarms.book().incidents().to_vec();
    let power: Vec<_> = incidents
        .iter()
        .filter(|i| i.alarms.iter().any(|k| k.rule.starts_with("PWR-")))
        .collect();
    assert_eq!(power.len(), 1, "one outage incident: {incidents:#?}");
    assert_eq!(power[0].id, outage);
    assert!(power[0].is_open());
    let joined = |rule: &str| power[0].alarms.iter().position(|k| k.rule == rule);
    assert!(
        joined("PWR-05") > joined("PWR-01") && joined("PWR-05") > joined("PWR-02"),
        "PWR-05 joins after the alarms that opened the outage: {:?}",
        power[0].alarms
    );

    b.command("mains restore");
    wait::alarm(alarms, "PWR-05", "ats-1", "cleared with the outage", |a| !a.active).await;
    b.stop().await;
}

#[tokio::test]
async fn drn_03_reports_a_sump_pump_running_without_lowering_the_level_and_clears_once_it_falls() {
    let b = Building::start_with(
        Parts {
            rtu: true,
            ..Default::default()
        },
        |plan| set_rule(plan, "sump-b2", "DRN-03", "delay_s", 3.0),
    )
    .await;
    let alarms = &b.daemon.alarms;
    let store = &b.daemon.store;
    wait::good(store, "sump-b2", "level").await;
    b.command("set sump-pump-b2.blocked true");
    // Above the high float: the pit controller starts the pump, which moves nothing.
    b.command("set sump-b2.level 1.3");
    wait::value(store, "sump-pump-b2", "running", Value::Bool(true)).await;
    let drn03 = wait::alarm(alarms, "DRN-03", "sump-b2", "raised", |a| a.active).await;
    assert_eq!(drn03.severity, Some(Severity::Major));
    let f = drn03.finding.expect("finding");
    assert!(
        f.message.en.contains("sump-pump-b2"),
        "names the running pump: {}",
        f.message.en
    );
    assert!(
        f.diagnosis.is_some_and(|d| d.en.contains("blocked")),
        "DRN-03 suspects a blocked pump"
    );

    b.command("set sump-pump-b2.blocked false");
    wait::alarm(alarms, "DRN-03", "sump-b2", "cleared as the level falls", |a| !a.active).await;
    // Cleared because the level fell, not because the pump stopped: it runs on to 0.4 m.
    let read = |eq: &str, role: &str| store.find(eq, role).and_then(|i| store.get(i)).and_then(|s| s.value);
    assert_eq!(
        read("sump-pump-b2", "running"),
        Some(Value::Bool(true)),
        "the freed pump still runs"
    );
    let level = read("sump-b2", "level");
    assert!(
        matches!(level, Some(Value::Number(l)) if l < 1.25),
        "level {level:?} has fallen below its 1.3 m peak"
    );
    b.stop().await;
}
