//! Who may change what: no credentials, a viewer, a session without its CSRF token, and
//! too many failed sign-ins are all refused.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{audit_rows, changes};
use crate::support::api::{Api, Auth, SseReader};

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
    let refused = |prefix: &str| {
        rows.iter()
            .filter(|r| r.2 == "login" && r.4.starts_with(prefix))
            .count()
    };
    assert_eq!(
        (refused("refused: wrong"), refused("refused (429)")),
        (5, 1),
        "{rows:?}"
    );
    api.stop().await;
}
