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
