//! Operators acknowledge, shelve, reset and take equipment out of service; viewers cannot.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::audit_rows;
use crate::support::api::{Api, SseReader};
use crate::support::wait;

#[tokio::test]
async fn a_viewer_cannot_acknowledge_an_alarm_and_an_operator_can_with_an_audit_row() {
    let api = Api::start().await;
    let viewer = api.token("wall-screen", "viewer");
    let operator = api.token("wang", "operator");
    api.b.fail_mains_with_generator_in_manual().await;
    wait::alarm(&api.b.daemon.alarms, "PWR-01", "ats-1", "raised", |a| {
        a.active && !a.acknowledged
    })
    .await;

    let active = api.get(&viewer, "/api/v1/alarms?active=true").await;
    let pwr01 = active
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "PWR-01")
        .expect("PWR-01 listed");
    assert_eq!(pwr01["state"], "unacknowledged", "{pwr01}");
    assert!(
        pwr01["message"]["en"].is_string() && pwr01["message"]["zh"].is_string(),
        "{pwr01}"
    );

    let path = "/api/v1/alarms/PWR-01/ats-1/acknowledge";
    api.post(&viewer, path, Some(json!({"note": "seen"})), StatusCode::FORBIDDEN)
        .await;
    assert!(!api.b.daemon.alarms.book().get("PWR-01", "ats-1").unwrap().acknowledged);

    let stream = api.send(&viewer, Method::GET, "/api/v1/events", None).await;
    assert_eq!(stream.headers()["cache-control"], "no-store");
    let mut events = SseReader::new(stream);
    let acked = api
        .post(&operator, path, Some(json!({"note": "on my way"})), StatusCode::OK)
        .await;
    let seen = events
        .until("the acknowledgement on the event stream", |e| {
            e.event == "alarm" && e.data["rule"] == "PWR-01" && e.data["kind"] == "acknowledged"
        })
        .await;
    assert_eq!(
        (&seen.data["actor"], &seen.data["alarm"]["state"]),
        (&json!("wang"), &json!("acknowledged"))
    );
    assert_eq!(
        (&acked["state"], &acked["acknowledged_by"]),
        (&json!("acknowledged"), &json!("wang"))
    );
    assert!(api.b.daemon.alarms.book().get("PWR-01", "ats-1").unwrap().acknowledged);
    let again = api.post(&operator, path, None, StatusCode::CONFLICT).await;
    assert!(
        again["error"].as_str().unwrap().contains("nothing to acknowledge"),
        "{again}"
    );

    let rows = audit_rows(&api);
    let ok = (
        "wang".into(),
        "operator".into(),
        "alarm.acknowledge".into(),
        "PWR-01/ats-1".into(),
        "ok".into(),
    );
    assert!(rows.contains(&ok), "{rows:?}");

    // Shelve, unshelve, a reset that is not possible, and the incident's timeline.
    let shelved = api
        .post(
            &operator,
            "/api/v1/alarms/PWR-01/ats-1/shelve",
            Some(json!({"minutes": 30, "reason": "known outage"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(shelved["state"], "shelved");
    assert!(shelved["shelved_until_ms"].is_i64());
    let back = api
        .post(&operator, "/api/v1/alarms/PWR-01/ats-1/unshelve", None, StatusCode::OK)
        .await;
    assert_ne!(back["state"], "shelved");
    api.post(
        &operator,
        "/api/v1/alarms/PWR-01/ats-1/reset",
        None,
        StatusCode::CONFLICT,
    )
    .await;
    let incident = acked["incident"].as_u64().expect("PWR-01 belongs to an incident");
    let detail = api.get(&viewer, &format!("/api/v1/incidents/{incident}")).await;
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"raised") && kinds.contains(&"acknowledged"),
        "{kinds:?}"
    );

    // Out of service and back.
    let oos = "/api/v1/equipment/gen-1/out-of-service";
    api.post(&operator, oos, Some(json!({"why": "annual service"})), StatusCode::OK)
        .await;
    assert!(api.b.daemon.alarms.book().out_of_service().contains_key("gen-1"));
    let res = api.send(&operator, Method::DELETE, oos, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        api.send(&operator, Method::DELETE, oos, None).await.status(),
        StatusCode::NOT_FOUND
    );
    api.post(
        &operator,
        "/api/v1/equipment/no-such/out-of-service",
        Some(json!({"why": "x"})),
        StatusCode::NOT_FOUND,
    )
    .await;
    api.stop().await;
}
