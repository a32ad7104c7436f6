//! The OpenAPI 3.1 description of `docs/api.md`, written by hand from one table of routes
//! (a generator crate would have cost more build time than this table), served at
//! `/api/v1/openapi.json` and checked in as `docs/openapi.json`. A test fails when the two
//! differ; `FACMON_WRITE_OPENAPI=1 cargo test --lib api::openapi` rewrites the file.

use axum::Json;
use serde_json::{json, Map, Value};

/// One route: method, path, who may call it, what it does, its JSON body's required and
/// optional fields (none for no body).
struct Route {
    method: &'static str,
    path: &'static str,
    role: &'static str,
    summary: &'static str,
    body: Option<(&'static [&'static str], &'static [&'static str])>,
}

const fn r(method: &'static str, path: &'static str, role: &'static str, summary: &'static str) -> Route {
    Route {
        method,
        path,
        role,
        summary,
        body: None,
    }
}

const fn with(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
) -> Route {
    Route {
        method,
        path,
        role: "operator",
        summary,
        body: Some((required, optional)),
    }
}

#[rustfmt::skip] // one line per route reads as the table in docs/api.md
const ROUTES: &[Route] = &[
    r("get", "/api/v1/site", "viewer", "The site and its buildings"),
    r("get", "/api/v1/equipment", "viewer", "Every piece of equipment with its points' values and quality"),
    r("get", "/api/v1/devices", "viewer", "Every device's communication status"),
    r("get", "/api/v1/alarms", "viewer", "Alarms, active first then by severity; filters: state, severity, equipment, active"),
    r("get", "/api/v1/incidents", "viewer", "Incidents, newest first"),
    r("get", "/api/v1/incidents/{id}", "viewer", "One incident with its timeline (alarm journal rows)"),
    r("get", "/api/v1/tickets", "viewer", "Open tickets (all with ?all=true)"),
    r("get", "/api/v1/tickets/{id}", "viewer", "One ticket with its timeline and checklist"),
    r("get", "/api/v1/roster/now", "viewer", "Who holds each role now, and why"),
    r("get", "/api/v1/kpi", "viewer", "Alarm KPIs since ?since=7d"),
    r("get", "/api/v1/reports/sla", "viewer", "The monthly SLA report for ?month=2026-11"),
    r("get", "/api/v1/events", "viewer", "Server-Sent Events: point, device, alarm, ticket, resync; resumes with Last-Event-ID"),
    r("get", "/api/v1/me", "viewer", "The caller's name, role and CSRF token"),
    with("post", "/api/v1/login", "Sign in: sets the facmon_session cookie, returns user, role and csrf", &["user", "password"], &[]),
    r("post", "/api/v1/logout", "viewer", "Sign out"),
    with("post", "/api/v1/alarms/{rule}/{equipment}/acknowledge", "Acknowledge an alarm (body optional)", &[], &["note"]),
    with("post", "/api/v1/alarms/{rule}/{equipment}/shelve", "Shelve an alarm for a while", &["minutes", "reason"], &[]),
    r("post", "/api/v1/alarms/{rule}/{equipment}/unshelve", "operator", "Return a shelved alarm"),
    r("post", "/api/v1/alarms/{rule}/{equipment}/reset", "operator", "Reset a latched alarm whose contact cleared"),
    with("post", "/api/v1/equipment/{id}/out-of-service", "Take equipment out of service", &["why"], &["until_ms"]),
    r("delete", "/api/v1/equipment/{id}/out-of-service", "operator", "Return equipment to service"),
    with("post", "/api/v1/tickets", "Open a ticket by hand", &["category", "title"], &["priority", "note"]),
    with("post", "/api/v1/tickets/{id}/steps", "Move a ticket: assign, acknowledge, on_site, resolve, follow_up, cancel", &["step"], &["to", "reason", "note"]),
    r("post", "/api/v1/tickets/{id}/checklist/{item}", "operator", "Tick a checklist item"),
    r("get", "/api/v1/openapi.json", "none", "This document"),
    r("get", "/healthz", "none", "200 while the process runs"),
    r("get", "/readyz", "none", "200 when sources run and the database is writable, else 503 with the reason"),
    r("get", "/metrics", "none", "Prometheus text exposition"),
];

fn operation(route: &Route) -> Value {
    let params: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let error = json!({"$ref": "#/components/responses/Error"});
    let mut responses = Map::new();
    responses.insert("200".into(), json!({"description": "done"}));
    let statuses: &[&str] = match route.role {
        "none" => &[],
        _ if route.method == "get" => &["400", "401", "403", "404"],
        _ => &["400", "401", "403", "404", "409"],
    };
    for s in statuses {
        responses.insert((*s).into(), error.clone());
    }
    if route.path == "/api/v1/login" {
        responses.insert("401".into(), error.clone());
        responses.insert("429".into(), error.clone());
    }
    let mut op = json!({
        "summary": route.summary,
        "x-facmon-role": route.role,
        "parameters": params,
        "responses": responses,
    });
    if route.role == "none" || route.path == "/api/v1/login" {
        op["security"] = json!([]);
    }
    if let Some((required, optional)) = route.body {
        let props: Map<String, Value> = required
            .iter()
            .chain(optional)
            .map(|f| ((*f).to_string(), json!({})))
            .collect();
        op["requestBody"] = json!({
            "required": !required.is_empty(),
            "content": {"application/json": {"schema": {"type": "object", "required": required, "properties": props}}}
        });
    }
    op
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths.entry(route.path).or_insert_with(|| json!({}));
        entry[route.method] = operation(route);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "facmon HTTP API",
            "version": "1",
            "description": "See docs/api.md. Times are unix milliseconds in keys ending _ms; texts are {zh, en}."
        },
        "paths": paths,
        "security": [{"session": []}, {"token": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "facmon_session",
                            "description": "Changes also need the X-CSRF-Token header"},
                "token": {"type": "http", "scheme": "bearer"}
            },
            "responses": {
                "Error": {
                    "description": "what went wrong and what to do",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}
                    }}}
                }
            }
        }
    })
}

/// The document as checked in: pretty JSON with a final newline.
pub fn pretty() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}

pub async fn serve() -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

    #[test]
    fn the_checked_in_openapi_document_is_the_one_served() {
        if std::env::var_os("FACMON_WRITE_OPENAPI").is_some() {
            std::fs::write(CHECKED_IN, pretty()).unwrap();
        }
        let file = std::fs::read_to_string(CHECKED_IN).unwrap_or_default();
        assert!(
            file == pretty(),
            "docs/openapi.json differs from the served document; regenerate it with \
             `FACMON_WRITE_OPENAPI=1 cargo test --lib api::openapi` and commit it"
        );
    }

    #[test]
    fn every_route_of_the_router_is_described() {
        let doc = document();
        for path in [
            "/api/v1/alarms/{rule}/{equipment}/acknowledge",
            "/api/v1/events",
            "/metrics",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing");
        }
    }
}
