//! `/healthz`, `/readyz` and `/metrics`, open without credentials: load balancers and
//! Prometheus scrape them, and they say nothing about the plant beyond counters.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::read::blocking;
use super::{ApiError, ApiState};

/// 200 while the process runs and answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 once the config is loaded (it is, or the daemon would not run), every source has
/// tried its devices once, and the database takes writes; 503 with the reason otherwise.
pub async fn readyz(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let waiting: Vec<String> = s
        .devices
        .snapshot()
        .into_iter()
        .filter(|d| d.online.is_none())
        .map(|d| d.id)
        .collect();
    if !waiting.is_empty() {
        return Err(ApiError::Unavailable(format!(
            "the sources are starting: not yet tried {}",
            waiting.join(", ")
        )));
    }
    let dir = s.plan.data_dir.clone();
    blocking(move || {
        let db =
            crate::db::open(&dir).map_err(|e| ApiError::Unavailable(format!("the database cannot be opened: {e}")))?;
        db.conn
            .execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
            .map_err(|e| ApiError::Unavailable(format!("the database does not take writes: {e}")))
    })
    .await?;
    Ok(Json(json!({"status": "ready"})))
}

/// Prometheus text exposition: the daemon's counters, then the API's own.
pub async fn metrics(State(s): State<ApiState>) -> Response {
    let mut text = s.metrics.render();
    text.push_str(&s.requests.render());
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}
