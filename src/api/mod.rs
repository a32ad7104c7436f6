//! The HTTP API (`docs/api.md`) and the web console, served from one listener.
//!
//! Engineering staff watch the plant live and acknowledge alarms here; the API reads the
//! same live store, device board and alarm book the daemon runs on, and changes alarms only
//! through [`Alarms::operate`] and tickets only through [`crate::ticket::Desk`], so a change
//! made here is journaled, saved and published exactly like one made by the rules or the CLI.
//!
//! - `read`: the lists (site, equipment, devices, alarms, incidents, tickets, roster, KPIs,
//!   the SLA report); `view`: their JSON shapes.
//! - `write`: operator changes, each checked for role and written to the audit log.
//! - `events`: the live stream (SSE) with resumption from a bounded buffer.
//! - `health`: `/healthz`, `/readyz`, `/metrics`.
//! - `auth`: users, tokens, sessions, CSRF, the login rate limit, the audit log.
//! - `openapi`: the machine-readable description, checked in as `docs/openapi.json`.
//!
//! Bind outside, run inside: [`serve`] takes a bound listener, so tests use port 0.

pub mod auth;
mod error;
mod events;
mod health;
pub mod openapi;
mod read;
pub mod tls;
mod view;
mod write;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use error::ApiError;
pub use events::EventHub;

use crate::alarm::Alarms;
use crate::clock::SharedClock;
use crate::config::Plan;
use crate::point::PointStore;
use crate::shutdown::Shutdown;
use crate::sources::DeviceBoard;
use crate::telemetry::Metrics;

/// Everything a request handler may read or change. Cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    pub plan: Arc<Plan>,
    pub store: PointStore,
    pub devices: DeviceBoard,
    pub alarms: Alarms,
    pub metrics: Arc<Metrics>,
    pub clock: SharedClock,
    pub events: EventHub,
    limiter: Arc<auth::ratelimit::LoginLimiter>,
    requests: Arc<RequestCounters>,
    /// Ends the live streams, so that a graceful stop does not wait for them forever.
    shutdown: Shutdown,
}

impl ApiState {
    /// The state for a daemon's parts. Starts the task that feeds the live stream; it ends
    /// with `shutdown`.
    pub fn new(
        plan: Arc<Plan>,
        store: PointStore,
        devices: DeviceBoard,
        alarms: Alarms,
        metrics: Arc<Metrics>,
        clock: SharedClock,
        shutdown: Shutdown,
    ) -> ApiState {
        let events = EventHub::start(&plan, &store, &devices, &alarms, clock.now(), shutdown.clone());
        let limiter = Arc::new(auth::ratelimit::LoginLimiter::new(plan.api.login_failures_per_minute));
        ApiState {
            plan,
            store,
            devices,
            alarms,
            metrics,
            clock,
            events,
            limiter,
            requests: Arc::default(),
            shutdown,
        }
    }

    /// Runs `f` on a fresh connection to `facmon.db` off the async threads (SQLite may wait
    /// up to its busy timeout while the daemon writes; argon2 takes tens of milliseconds).
    pub(crate) async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::Db) -> Result<T, ApiError> + Send + 'static,
    {
        let dir = self.plan.data_dir.clone();
        tokio::task::spawn_blocking(move || {
            let mut db = crate::db::open(&dir).map_err(ApiError::internal)?;
            f(&mut db)
        })
        .await
        .map_err(ApiError::internal)?
    }

    pub(crate) fn now(&self) -> std::time::SystemTime {
        self.clock.now()
    }
}

/// Requests answered, by status class, for `/metrics`.
#[derive(Default)]
struct RequestCounters([AtomicU64; 5]);

impl RequestCounters {
    const CLASSES: [&'static str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    fn count(&self, status: StatusCode) {
        let i = (status.as_u16() / 100).clamp(1, 5) as usize - 1;
        self.0[i].fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "# HELP facmon_api_requests_total HTTP requests answered by the API, by status class\n\
             # TYPE facmon_api_requests_total counter\n",
        );
        for (class, n) in Self::CLASSES.iter().zip(&self.0) {
            out.push_str(&format!(
                "facmon_api_requests_total{{code=\"{class}\"}} {}\n",
                n.load(Ordering::Relaxed)
            ));
        }
        out
    }
}

/// Every route of `docs/api.md`, the console, and the security headers on every response.
pub fn router(state: ApiState) -> Router {
    let api = Router::new()
        .route("/site", get(read::site))
        .route("/equipment", get(read::equipment))
        .route("/devices", get(read::devices))
        .route("/alarms", get(read::alarms))
        .route("/incidents", get(read::incidents))
        .route("/incidents/{id}", get(read::incident))
        .route("/tickets", get(read::tickets).post(write::open_ticket))
        .route("/tickets/{id}", get(read::ticket))
        .route("/tickets/{id}/steps", post(write::ticket_step))
        .route("/tickets/{id}/checklist/{item}", post(write::check_item))
        .route("/roster/now", get(read::roster_now))
        .route("/kpi", get(read::kpi))
        .route("/reports/sla", get(read::sla_report))
        .route("/alarms/{rule}/{equipment}/acknowledge", post(write::acknowledge))
        .route("/alarms/{rule}/{equipment}/shelve", post(write::shelve))
        .route("/alarms/{rule}/{equipment}/unshelve", post(write::unshelve))
        .route("/alarms/{rule}/{equipment}/reset", post(write::reset))
        .route(
            "/equipment/{id}/out-of-service",
            post(write::out_of_service).delete(write::return_to_service),
        )
        .route("/events", get(events::stream))
        .route("/login", post(auth::routes::login))
        .route("/logout", post(auth::routes::logout))
        .route("/me", get(auth::routes::me))
        .route("/openapi.json", get(openapi::serve))
        .fallback(|| async { ApiError::NotFound("no such API path; see /api/v1/openapi.json".into()) });
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/", get(console))
        .route("/assets/{*path}", get(console))
        .layer(middleware::from_fn_with_state(state.clone(), headers_and_counts))
        .with_state(state)
}

/// The embedded console (`crate::console`): `/` is its index, `/assets/*` its files.
async fn console(req: Request) -> Response {
    let path = req.uri().path().trim_start_matches('/');
    match crate::console::asset(path) {
        Some((content_type, body)) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        None => ApiError::NotFound("no such console file".into()).into_response(),
    }
}

/// Security headers on every response (the console needs nothing from other origins and
/// must never be framed; API answers, which may name people, are never cached), and the
/// request counters.
async fn headers_and_counts(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    state.requests.count(res.status());
    let h = res.headers_mut();
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    res
}

/// Serves the API on `listener` until `shutdown`; open live streams end with it.
pub async fn serve(listener: tokio::net::TcpListener, state: ApiState, shutdown: Shutdown) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<tls::Peer>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

/// As [`serve`], over HTTPS only.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    state: ApiState,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    let listener = tls::TlsListener::new(listener, acceptor, shutdown.clone())?;
    let app = router(state).into_make_service_with_connect_info::<tls::Peer>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

/// Binds the configured address for the daemon. A failure is the caller's to log: the API
/// is never worth stopping the alarm path for.
pub fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let std = std::net::TcpListener::bind(addr)?;
    std.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(std)
}
