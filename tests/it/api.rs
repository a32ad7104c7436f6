//! The HTTP API end to end: the simulated building, the daemon serving its API on port 0,
//! users and tokens from facmon's auth module, reqwest as the client.

use facmon::point::Value as PointValue;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::api::{Api, Auth, SseReader};
use crate::support::wait;

/// Every state-changing endpoint, with a body it would accept.
fn changes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (
            Method::POST,
            "/api/v1/alarms/PWR-01/ats-1/acknowledge",
            Some(json!({"note": "seen"})),
        ),
        (
            Method::POST,
            "/api/v1/alarms/PWR-01/ats-1/shelve",
            Some(json!({"minutes": 5, "reason": "test"})),
        ),
        (Method::POST, "/api/v1/alarms/PWR-01/ats-1/unshelve", None),
        (Method::POST, "/api/v1/alarms/FIRE-01/fire-panel-1/reset", None),
        (
            Method::POST,
            "/api/v1/equipment/gen-1/out-of-service",
            Some(json!({"why": "service"})),
        ),
        (Method::DELETE, "/api/v1/equipment/gen-1/out-of-service", None),
        (
            Method::POST,
            "/api/v1/tickets",
            Some(json!({"category": "power", "title": "t"})),
        ),
        (
            Method::POST,
            "/api/v1/tickets/1/steps",
            Some(json!({"step": "acknowledge"})),
        ),
        (Method::POST, "/api/v1/tickets/1/checklist/1", None),
    ]
}

fn audit_rows(api: &Api) -> Vec<(String, String, String, String, String)> {
    let db = api.db();
    let mut stmt = db
        .conn
        .prepare("SELECT actor, role, action, target, outcome FROM audit ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

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
async fn every_state_changing_endpoint_refuses_anonymous_and_viewer_callers() {
    let api = Api::start().await;
    let viewer = api.token("wall-screen", "viewer");
    for (method, path, body) in changes() {
        let res = api.send(&Auth::Anonymous, method.clone(), path, body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "anonymous {method} {path}");
        let res = api.send(&viewer, method.clone(), path, body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "viewer {method} {path}");
    }
    // (The daemon may open tickets for its own alarms meanwhile; none is the viewer's.)
    let tickets = api.get(&viewer, "/api/v1/tickets?all=true").await;
    assert!(
        !tickets
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["opened_by"] == "wall-screen"),
        "{tickets}"
    );
    assert!(api.b.daemon.alarms.book().out_of_service().is_empty());
    let refused = audit_rows(&api);
    assert_eq!(
        refused.len(),
        changes().len(),
        "one audit row per viewer attempt: {refused:?}"
    );
    assert!(
        refused
            .iter()
            .all(|r| r.0 == "wall-screen" && r.4.starts_with("refused (403)")),
        "{refused:?}"
    );
    api.stop().await;
}

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

#[tokio::test]
async fn a_session_changes_things_only_with_its_csrf_token_and_ends_at_logout() {
    let api = Api::start().await;
    let password = api.user("li", "operator");
    let (cookie, csrf) = api.login("li", &password).await;
    let without = Auth::Session {
        cookie: cookie.clone(),
        csrf: None,
    };
    let with = Auth::Session {
        cookie: cookie.clone(),
        csrf: Some(csrf.clone()),
    };

    let me = api.get(&without, "/api/v1/me").await;
    assert_eq!(
        (&me["user"], &me["role"], &me["csrf"]),
        (&json!("li"), &json!("operator"), &json!(csrf))
    );
    let body = json!({"category": "power", "priority": "urgent", "title": "tenant reports flicker"});
    let refused = api
        .post(&without, "/api/v1/tickets", Some(body.clone()), StatusCode::FORBIDDEN)
        .await;
    assert!(refused["error"].as_str().unwrap().contains("X-CSRF-Token"), "{refused}");
    let wrong = Auth::Session {
        cookie: cookie.clone(),
        csrf: Some("0".repeat(64)),
    };
    api.post(&wrong, "/api/v1/tickets", Some(body.clone()), StatusCode::FORBIDDEN)
        .await;

    let events = api.send(&with, Method::GET, "/api/v1/events", None).await;
    let mut events = SseReader::new(events);
    let ticket = api.post(&with, "/api/v1/tickets", Some(body), StatusCode::OK).await;
    let id = ticket["id"].as_i64().expect("ticket id");
    let opened = events
        .until("the ticket's opening", |e| {
            e.event == "ticket" && e.data["ticket"]["id"] == id
        })
        .await;
    assert_eq!(
        (&opened.data["entry"]["kind"], &opened.data["entry"]["actor"]),
        (&json!("opened"), &json!("li"))
    );
    assert_eq!((&ticket["state"], &ticket["opened_by"]), (&json!("open"), &json!("li")));
    let steps = format!("/api/v1/tickets/{id}/steps");
    let assigned = api
        .post(
            &with,
            &steps,
            Some(json!({"step": "assign", "to": "zhao"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(assigned["assignee"], "zhao");
    let acked = api
        .post(&with, &steps, Some(json!({"step": "acknowledge"})), StatusCode::OK)
        .await;
    assert_eq!(acked["state"], "acknowledged");
    api.post(&with, &steps, Some(json!({"step": "assign"})), StatusCode::BAD_REQUEST)
        .await;
    api.post(&with, &steps, Some(json!({"step": "fly"})), StatusCode::BAD_REQUEST)
        .await;
    api.post(
        &with,
        &format!("/api/v1/tickets/{id}/checklist/1"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let cancelled = api
        .post(
            &with,
            &steps,
            Some(json!({"step": "cancel", "reason": "duplicate"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(cancelled["state"], "cancelled");
    api.post(&with, &steps, Some(json!({"step": "resolve"})), StatusCode::CONFLICT)
        .await;
    let detail = api.get(&without, &format!("/api/v1/tickets/{id}")).await;
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["opened", "assigned", "acknowledged", "cancelled"]);
    assert!(detail["checklist"].is_array());
    let open = api.get(&without, "/api/v1/tickets").await;
    assert!(
        !open.as_array().unwrap().iter().any(|t| t["id"] == id),
        "a cancelled ticket is not open: {open}"
    );

    api.post(&without, "/api/v1/logout", None, StatusCode::FORBIDDEN).await;
    api.post(&with, "/api/v1/logout", None, StatusCode::OK).await;
    assert_eq!(
        api.send(&without, Method::GET, "/api/v1/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let stored: i64 = api
        .db()
        .conn
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
    api.stop().await;
}

#[tokio::test]
async fn the_sixth_failed_login_within_a_minute_is_refused_with_429_and_retry_after() {
    let api = Api::start().await;
    let password = api.user("zhao", "viewer");
    let attempt = |pw: &str| {
        api.send(
            &Auth::Anonymous,
            Method::POST,
            "/api/v1/login",
            Some(json!({"user": "zhao", "password": pw})),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt("guess-guess-guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = attempt(&password).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another user from the same address is not locked out.
    let other = api.user("qian", "viewer");
    api.login("qian", &other).await;
    let rows = audit_rows(&api);
    assert_eq!(
        rows.iter()
            .filter(|r| r.2 == "login" && r.4.starts_with("refused"))
            .count(),
        5,
        "{rows:?}"
    );
    api.stop().await;
}

#[tokio::test]
async fn an_event_stream_client_sees_the_mains_fail_and_gets_it_again_when_it_resumes() {
    let api = Api::start().await;
    let viewer = api.token("console", "viewer");
    wait::value(&api.b.daemon.store, "ats-1", "mains_available", PointValue::Bool(true)).await;
    let res = api.send(&viewer, Method::GET, "/api/v1/events", None).await;
    let mut events = SseReader::new(res);
    api.b.command("mains fail");
    let is_mains_lost = |e: &crate::support::api::Sse| {
        e.event == "point"
            && e.data["equipment"] == "ats-1"
            && e.data["role"] == "mains_available"
            && e.data["value"] == false
    };
    let lost = events.until("ats-1 mains_available false", is_mains_lost).await;
    assert_eq!(lost.data["quality"], "good");
    let id = lost.id.expect("events carry ids");

    // A client that saw everything up to the event before it gets it again on resuming.
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/events", api.base));
    if let Auth::Token(t) = &viewer {
        req = req.bearer_auth(t);
    }
    let res = req.header("last-event-id", (id - 1).to_string()).send().await.unwrap();
    let mut resumed = SseReader::new(res);
    let first = resumed.next().await;
    assert_eq!(first.id, Some(id), "{first:?}");
    assert!(is_mains_lost(&first), "{first:?}");

    // One from long ago gets a resync.
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/events", api.base));
    if let Auth::Token(t) = &viewer {
        req = req.bearer_auth(t);
    }
    let res = req.header("last-event-id", "1").send().await.unwrap();
    assert_eq!(SseReader::new(res).next().await.event, "resync");
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

/// A config for the CLI: the minimal site with its data directory in `dir`.
fn cli_config(dir: &std::path::Path) -> std::path::PathBuf {
    let minimal = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml")).unwrap();
    let path = dir.join("site.toml");
    std::fs::write(&path, format!("data_dir = {:?}\n{minimal}", dir.join("data"))).unwrap();
    path
}

#[test]
fn facmon_user_add_reads_the_password_from_stdin_or_a_file_and_token_add_prints_a_working_token() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let config = cli_config(dir.path());
    let facmon = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_facmon"));
        c.args(args).arg("--config").arg(&config);
        c
    };
    let mut child = facmon(&["user", "add", "li", "--role", "operator"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"stdin pass phrase\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let file = dir.path().join("pw");
    std::fs::write(&file, "file pass phrase\n").unwrap();
    let out = facmon(&[
        "user",
        "add",
        "zhao",
        "--role",
        "viewer",
        "--password-file",
        file.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = facmon(&["token", "add", "bms", "--role", "viewer"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().next().unwrap();

    let db = facmon::db::open(&dir.path().join("data")).unwrap();
    use facmon::api::auth::{sha256_hex, users, Role};
    assert_eq!(
        users::check_password(&db.conn, "li", "stdin pass phrase").unwrap(),
        Some(("li".into(), Role::Operator))
    );
    assert_eq!(
        users::check_password(&db.conn, "zhao", "file pass phrase").unwrap(),
        Some(("zhao".into(), Role::Viewer))
    );
    assert_eq!(
        users::find_token(&db.conn, &sha256_hex(token.as_bytes())).unwrap(),
        Some(("bms".into(), Role::Viewer))
    );

    let out = facmon(&["user", "add", "qian", "--role", "viewer"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no password given"),
        "{out:?}"
    );
}

#[tokio::test]
async fn with_a_certificate_the_api_speaks_https_only_and_the_cookie_is_secure() {
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("api.crt"), dir.path().join("api.key"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let api = Api::start_with(Some((cert, key, ck.cert.pem().into_bytes()))).await;
    assert!(api.base.starts_with("https://"), "{}", api.base);
    assert_eq!(api.get(&Auth::Anonymous, "/healthz").await["status"], "ok");
    let password = api.user("sun", "viewer");
    let res = api
        .send(
            &Auth::Anonymous,
            Method::POST,
            "/api/v1/login",
            Some(json!({"user": "sun", "password": password})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let plain = reqwest::get(api.base.replace("https://", "http://") + "/healthz").await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP is not served"
    );
    api.stop().await;
}
