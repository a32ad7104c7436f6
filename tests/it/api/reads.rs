//! Every read endpoint in the shapes of docs/api.md, the OpenAPI document, health, metrics.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::api::{Api, Auth};
use crate::support::wait;

#[tokio::test]
async fn every_read_endpoint_answers_a_viewer_in_the_shapes_of_the_contract() {
    let api = Api::start().await;
    let viewer = api.token("grafana", "viewer");
    wait::good(&api.b.daemon.store, "ats-1", "mains_available").await;

    let site = api.get(&viewer, "/api/v1/site").await;
    assert_eq!(site["id"], api.b.daemon.plan.site.id.as_str());
    assert!(site["buildings"].as_array().is_some_and(|b| !b.is_empty()), "{site}");

    let equipment = api.get(&viewer, "/api/v1/equipment").await;
    let ats = equipment
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "ats-1")
        .expect("ats-1 listed");
    let mains = ats["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "mains_available")
        .unwrap();
    assert_eq!(
        (&mains["value"], &mains["quality"]),
        (&json!(true), &json!("good")),
        "{mains}"
    );
    assert!(mains["received_at_ms"].is_i64(), "{mains}");

    let devices = api.get(&viewer, "/api/v1/devices").await;
    let ctl = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "ats-1-controller")
        .unwrap();
    assert_eq!(ctl["online"], true, "{ctl}");

    assert!(api.get(&viewer, "/api/v1/alarms").await.is_array());
    assert!(api
        .get(&viewer, "/api/v1/alarms?active=true&severity=critical")
        .await
        .is_array());
    assert!(api.get(&viewer, "/api/v1/incidents").await.is_array());
    assert!(api.get(&viewer, "/api/v1/tickets?all=true").await.is_array());
    let roster = api.get(&viewer, "/api/v1/roster/now").await;
    let roles: Vec<&str> = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"duty_electrician"), "{roster}");
    assert!(
        roster[0]["people"].is_array() && roster[0]["by"].is_string(),
        "{roster}"
    );
    let kpi = api.get(&viewer, "/api/v1/kpi?since=1d").await;
    assert!(kpi["raised"].is_u64(), "{kpi}");
    let sla = api.get(&viewer, "/api/v1/reports/sla?month=2026-11").await;
    assert!(sla.is_object(), "{sla}");
    let me = api.get(&viewer, "/api/v1/me").await;
    assert_eq!((&me["user"], &me["role"]), (&json!("grafana"), &json!("viewer")));

    let bad = api
        .send(&viewer, Method::GET, "/api/v1/alarms?state=panicking", None)
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("not an alarm state"));
    let missing = api.send(&viewer, Method::GET, "/api/v1/tickets/999", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Health: alive, then ready once every source has tried its devices.
    assert_eq!(api.get(&Auth::Anonymous, "/healthz").await["status"], "ok");
    wait::devices(&api.b.daemon.devices, "every device tried", |b| {
        b.snapshot().iter().all(|d| d.online.is_some())
    })
    .await;
    assert_eq!(api.get(&Auth::Anonymous, "/readyz").await["status"], "ready");

    // The console and the security headers on every response.
    let console = api.send(&Auth::Anonymous, Method::GET, "/", None).await;
    assert_eq!(console.status(), StatusCode::OK);
    let h = console.headers();
    assert_eq!(
        h["content-security-policy"].to_str().unwrap().split(';').next(),
        Some("default-src 'self'")
    );
    assert_eq!(
        (&h["x-content-type-options"], &h["x-frame-options"]),
        (&"nosniff".parse().unwrap(), &"DENY".parse().unwrap())
    );
    assert_eq!(h["referrer-policy"], "no-referrer");
    api.stop().await;
}

#[tokio::test]
async fn the_served_openapi_document_is_the_checked_in_one() {
    let api = Api::start().await;
    let viewer = api.token("docs", "viewer");
    let served = api.get(&viewer, "/api/v1/openapi.json").await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        served == file,
        "docs/openapi.json differs from the served document; regenerate it with \
         `FACMON_WRITE_OPENAPI=1 cargo test --lib api::openapi` and commit it"
    );
    api.stop().await;
}

#[tokio::test]
async fn without_credentials_or_with_a_wrong_token_the_api_answers_401() {
    let api = Api::start().await;
    for path in ["/api/v1/site", "/api/v1/alarms", "/api/v1/events", "/api/v1/me"] {
        let res = api.send(&Auth::Anonymous, Method::GET, path, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(res.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("sign in"));
    }
    let forged = Auth::Token("0".repeat(64));
    let res = api.send(&forged, Method::GET, "/api/v1/site", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    api.stop().await;
}

#[tokio::test]
async fn metrics_are_valid_prometheus_text_with_the_daemon_and_api_counters() {
    let api = Api::start().await;
    wait::good(&api.b.daemon.store, "ats-1", "mains_available").await;
    api.get(&Auth::Anonymous, "/healthz").await;
    let res = api.send(&Auth::Anonymous, Method::GET, "/metrics", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    // Strict: every sample line is `name{labels} number`, every name declared by # TYPE.
    let mut typed = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.insert(rest.split(' ').next().unwrap().to_string());
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        value.parse::<f64>().unwrap_or_else(|_| panic!("bad value: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(typed.contains(name), "{name} has no # TYPE line");
        assert!(name.starts_with("facmon_"), "{line}");
    }
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text parses");
    let names: std::collections::HashSet<&str> = scrape.samples.iter().map(|s| s.metric.as_str()).collect();
    for name in ["facmon_modbus_requests_total", "facmon_api_requests_total"] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
    let ok = scrape
        .samples
        .iter()
        .find(|s| s.metric == "facmon_api_requests_total" && s.labels.get("code") == Some("2xx"))
        .expect("2xx counter");
    assert!(
        matches!(ok.value, prometheus_parse::Value::Counter(v) if v >= 1.0),
        "{ok:?}"
    );
    api.stop().await;
}
