//! The HTTP API end to end: the simulated building, the daemon serving its API on port 0,
//! users and tokens from facmon's auth module, reqwest as the client.
//!
//! - `reads`: every read endpoint, the OpenAPI document, health and metrics.
//! - `access`: who may change what (401, 403, CSRF, sessions, the login rate limit).
//! - `operate`: alarm and equipment operations with their audit rows.
//! - `live`: the event stream and its resumption.
//! - `setup`: `facmon user add`, `facmon token add`, HTTPS.

mod access;
mod live;
mod operate;
mod reads;
mod setup;

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::api::Api;

/// Every state-changing endpoint, with a body it would accept.
pub fn changes() -> Vec<(Method, &'static str, Option<Value>)> {
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

pub fn audit_rows(api: &Api) -> Vec<(String, String, String, String, String)> {
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
