//! The read endpoints (role `viewer`). Live state comes from memory (point store, device
//! board, alarm book); history and tickets from `facmon.db`.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Caller, Role};
use super::{view, ApiError, ApiState};
use crate::alarm::journal::Journal;
use crate::db::millis;
use crate::ticket::store;

type Reply = Result<Json<Value>, ApiError>;

pub async fn site(State(s): State<ApiState>, caller: Caller) -> Reply {
    caller.require(Role::Viewer)?;
    let site = &s.plan.site;
    Ok(Json(json!({
        "id": site.id,
        "name": site.name,
        "language": site.language,
        "timezone": site.timezone,
        "buildings": s.plan.buildings.iter().map(|b| json!({"id": b.id, "name": b.name})).collect::<Vec<_>>(),
    })))
}

pub async fn equipment(State(s): State<ApiState>, caller: Caller) -> Reply {
    caller.require(Role::Viewer)?;
    let states = s.store.snapshot();
    let list: Vec<Value> = s
        .plan
        .equipment
        .iter()
        .map(|e| {
            let points: Vec<Value> = e
                .points
                .iter()
                .filter_map(|(role, &i)| {
                    let def = s.plan.points.get(i)?;
                    Some(view::point(role, def.unit.as_deref(), states.get(i)?))
                })
                .collect();
            json!({"id": e.id, "name": e.name, "building": e.building, "kind": e.kind, "points": points})
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

pub async fn devices(State(s): State<ApiState>, caller: Caller) -> Reply {
    caller.require(Role::Viewer)?;
    Ok(Json(s.devices.snapshot().iter().map(view::device).collect()))
}

#[derive(Deserialize)]
pub struct AlarmFilter {
    state: Option<String>,
    severity: Option<String>,
    equipment: Option<String>,
    active: Option<bool>,
}

pub async fn alarms(State(s): State<ApiState>, caller: Caller, Query(f): Query<AlarmFilter>) -> Reply {
    caller.require(Role::Viewer)?;
    if let Some(st) = &f.state {
        if crate::alarm::AlarmState::from_name(st).is_none() {
            return Err(ApiError::BadRequest(format!(
                "\"{st}\" is not an alarm state: use normal, unacknowledged, acknowledged, returned_unacknowledged, shelved, suppressed or out_of_service"
            )));
        }
    }
    let book = s.alarms.book();
    let mut list: Vec<&crate::alarm::Alarm> = book
        .alarms()
        .filter(|a| {
            let oos = book.out_of_service().contains_key(&a.key.equipment);
            f.state.as_deref().is_none_or(|st| a.state(oos).as_str() == st)
                && f.severity
                    .as_deref()
                    .is_none_or(|sev| a.severity.is_some_and(|x| x.as_str() == sev))
                && f.equipment.as_deref().is_none_or(|e| a.key.equipment == e)
                && f.active.is_none_or(|act| a.active == act)
        })
        .collect();
    // Active first, then the most severe, then by rule and equipment.
    list.sort_by(|a, b| {
        (b.active, b.severity)
            .cmp(&(a.active, a.severity))
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(Json(list.into_iter().map(|a| view::alarm(&book, a)).collect()))
}

pub async fn incidents(State(s): State<ApiState>, caller: Caller) -> Reply {
    caller.require(Role::Viewer)?;
    let book = s.alarms.book();
    let mut list: Vec<Value> = book.incidents().iter().map(view::incident).collect();
    list.reverse();
    Ok(Json(Value::Array(list)))
}

pub async fn incident(State(s): State<ApiState>, caller: Caller, Path(id): Path<u64>) -> Reply {
    caller.require(Role::Viewer)?;
    let found = s
        .alarms
        .book()
        .incidents()
        .iter()
        .find(|i| i.id == id)
        .map(view::incident);
    let dir = s.plan.data_dir.clone();
    let rows = blocking(move || {
        let journal = Journal::open(&dir).map_err(ApiError::internal)?;
        journal.for_incident(id as i64).map_err(ApiError::internal)
    })
    .await?;
    // The book keeps the last closed incidents; the journal keeps them all.
    let mut v = match found {
        Some(v) => v,
        None if !rows.is_empty() => json!({"id": id}),
        None => {
            return Err(ApiError::NotFound(format!(
                "there is no incident {id}; GET /api/v1/incidents lists them"
            )))
        }
    };
    v["timeline"] = rows.iter().map(view::journal_row).collect();
    Ok(Json(v))
}

#[derive(Deserialize)]
pub struct TicketFilter {
    #[serde(default)]
    all: bool,
}

pub async fn tickets(State(s): State<ApiState>, caller: Caller, Query(f): Query<TicketFilter>) -> Reply {
    caller.require(Role::Viewer)?;
    let list = s.db(move |db| Ok(store::list(&db.conn, !f.all)?)).await?;
    Ok(Json(list.iter().map(view::ticket).collect()))
}

pub async fn ticket(State(s): State<ApiState>, caller: Caller, Path(id): Path<i64>) -> Reply {
    caller.require(Role::Viewer)?;
    let (t, timeline) = s
        .db(move |db| {
            let t = store::get(&db.conn, id)?.ok_or(crate::ticket::TicketError::NotFound(id))?;
            Ok((t, store::timeline(&db.conn, id)?))
        })
        .await?;
    Ok(Json(view::ticket_detail(&t, &timeline)))
}

pub async fn roster_now(State(s): State<ApiState>, caller: Caller) -> Reply {
    caller.require(Role::Viewer)?;
    let roster = &s.plan.roster;
    let now = s.now();
    let list: Vec<Value> = crate::roster::ROLES
        .iter()
        .map(|role| {
            let duty = roster.duty(role.key, now);
            let people: Vec<Value> = duty
                .people
                .iter()
                .map(|p| json!({"id": p.id, "name": p.name, "mobile": p.mobile}))
                .collect();
            let by = crate::roster::cli::source(roster, &duty);
            json!({"role": role.key, "zh": role.zh, "en": role.en, "people": people, "by": by})
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

pub async fn kpi(State(s): State<ApiState>, caller: Caller, Query(q): Query<HashMap<String, String>>) -> Reply {
    caller.require(Role::Viewer)?;
    let since = q.get("since").map(String::as_str).unwrap_or("7d");
    let span = parse_span(since)?;
    let now = s.now();
    let from = now.checked_sub(span).unwrap_or(std::time::UNIX_EPOCH);
    let dir = s.plan.data_dir.clone();
    let rows = blocking(move || {
        let journal = Journal::open(&dir).map_err(ApiError::internal)?;
        journal.since(from).map_err(ApiError::internal)
    })
    .await?;
    let k = crate::alarm::kpi::compute(&rows, from, now);
    let pairs = |v: &[(String, usize)]| {
        v.iter()
            .map(|(a, n)| json!({"alarm": a, "count": n}))
            .collect::<Vec<_>>()
    };
    Ok(Json(json!({
        "since_ms": millis(from),
        "until_ms": millis(now),
        "raised": k.raised,
        "windows": k.windows,
        "per_10_min_avg": k.per_10_min_avg,
        "per_10_min_max": k.per_10_min_max,
        "floods_ms": k.floods.iter().map(|t| millis(*t)).collect::<Vec<_>>(),
        "chattering": pairs(&k.chattering),
        "stale": k.stale,
        "top": pairs(&k.top),
    })))
}

pub async fn sla_report(
    State(s): State<ApiState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer)?;
    let month = q
        .get("month")
        .ok_or_else(|| ApiError::BadRequest("give the month, e.g. ?month=2026-11".into()))?;
    let month = crate::ticket::report::Month::parse(month, &s.plan.site.timezone).map_err(ApiError::BadRequest)?;
    let now = s.now();
    let target = s.plan.tickets.target_pct;
    let text = s
        .db(move |db| {
            let tickets = store::opened_or_resolved_between(&db.conn, month.start, month.end)?;
            let tally = crate::ticket::sla::tally(&tickets, month.start, month.end, now, target);
            crate::ticket::report::render(&month, &tally, target, "json").map_err(ApiError::Internal)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// `30m`, `24h`, `7d` → a duration.
fn parse_span(s: &str) -> Result<Duration, ApiError> {
    let bad = || ApiError::BadRequest(format!("\"{s}\" is not a span: use e.g. 30m, 24h or 7d"));
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

/// Runs blocking work (SQLite) off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)?
}
