//! Procedure scenarios end to end: simulator → Modbus/MQTT → daemon → rules → alarm book.

use facmon::alarm::AlarmState;

use crate::support::building::{Building, Parts};
use crate::support::wait;

#[tokio::test]
async fn pwr_02_outage_with_generator_in_manual_is_one_incident_naming_the_manual_selector() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let alarms = &b.daemon.alarms;
    wait::value(&b.daemon.store, "gen-1", "running", facmon::point::Value::Bool(false)).await;
    b.command("set gen-1.mode MANUAL");
    b.command("mains fail");
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
    let now = facmon::clock::Clock::now(&facmon::clock::SystemClock);
    let t = alarms
        .book()
        .reset_latch("FIRE-01", "fire-panel-1", "控制室值班员", now)
        .expect("reset accepted");
    alarms.publish(t);
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
