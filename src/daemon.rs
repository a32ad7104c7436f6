//! The daemon: a checked plan in, running sources and a live point store out.
//!
//! Later stages (rules, alarms, sinks, API) attach here; each gets its own task and queue so
//! a slow output never delays another.
//!
//! Tasks are grouped by stage of the data flow, and [`Daemon::stop`] stops the stages in
//! that order: the sources first, so that nothing changes any more; then the alarm stage,
//! which journals its last state; then the outputs, which take in everything still on their
//! channels and put it on disk. A reading taken before the stop is therefore either written
//! or queued for the next start, never dropped between two stages. The API stops last, so
//! that people watching see the plant until the very end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::alarm::Alarms;
use crate::clock::SharedClock;
use crate::config::Plan;
use crate::point::PointStore;
use crate::shutdown::Shutdown;
use crate::sources::{self, DeviceBoard, Shared};
use crate::telemetry::Metrics;

/// How long a stage may take to stop once the overall grace period is spent.
const LAST_CHANCE: Duration = Duration::from_secs(1);

/// A running daemon.
pub struct Daemon {
    pub plan: Arc<Plan>,
    pub store: PointStore,
    pub devices: DeviceBoard,
    pub metrics: Arc<Metrics>,
    /// The alarm book and its transition feed.
    pub alarms: Alarms,
    /// Where the API listens (`None`: turned off, or its address could not be bound).
    pub api_addr: Option<SocketAddr>,
    shutdown: Shutdown,
    stages: Vec<Stage>,
}

/// The tasks of one stage, and the signal that stops only them.
struct Stage {
    name: &'static str,
    stop: Shutdown,
    tasks: JoinSet<()>,
}

impl Stage {
    fn new(name: &'static str, parent: &Shutdown) -> Stage {
        Stage {
            name,
            stop: parent.child(),
            tasks: JoinSet::new(),
        }
    }
}

/// Binds `[api] bind` and serves the API in the `api` stage. A failure is logged and the
/// daemon runs on without it: the alarm path never depends on the API.
fn start_api(plan: &Arc<Plan>, alarms: &Alarms, shared: &Shared, stage: &mut Stage) -> Option<SocketAddr> {
    if !plan.api.enabled {
        return None;
    }
    let listener = match crate::api::bind(plan.api.bind) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(
                "cannot listen on {} for the API ({e}); running without the API: free the port or change [api] bind",
                plan.api.bind
            );
            return None;
        }
    };
    let tls = match &plan.api.tls {
        Some((cert, key)) => match crate::api::tls::acceptor(cert, key) {
            Ok(a) => Some(a),
            Err(e) => {
                tracing::error!(
                    "cannot use the API's certificate ({e}); running without the API: fix [api] tls_cert_file and tls_key_file"
                );
                return None;
            }
        },
        None => None,
    };
    let addr = listener.local_addr().ok();
    let state = crate::api::ApiState::new(
        plan.clone(),
        shared.store.clone(),
        shared.board.clone(),
        alarms.clone(),
        shared.metrics.clone(),
        shared.clock.clone(),
        stage.stop.clone(),
    );
    let stop = stage.stop.clone();
    let https = tls.is_some();
    stage.tasks.spawn(async move {
        let served = match tls {
            Some(acceptor) => crate::api::serve_tls(listener, acceptor, state, stop).await,
            None => crate::api::serve(listener, state, stop).await,
        };
        if let Err(e) = served {
            tracing::error!("the API stopped: {e}");
        }
    });
    tracing::info!(addr = ?addr, https, "API listening");
    addr
}

impl Daemon {
    /// Starts every source of the plan. Must be called inside a tokio runtime.
    pub fn start(plan: Plan, clock: SharedClock, shutdown: Shutdown) -> Daemon {
        let plan = Arc::new(plan);
        let store = PointStore::new(plan.point_keys());
        let devices = DeviceBoard::new(
            plan.devices.iter().map(|d| (d.id.clone(), "modbus")).chain(
                plan.brokers
                    .iter()
                    .map(|b| (sources::mqtt::broker_device_id(&b.id), "mqtt_broker")),
            ),
        );
        let metrics = Arc::new(Metrics::default());
        let shared = Shared {
            store: store.clone(),
            board: devices.clone(),
            clock,
            metrics: metrics.clone(),
        };
        let mut sources = Stage::new("sources", &shutdown);
        sources::modbus::spawn_all(&plan, &shared, &sources.stop, &mut sources.tasks);
        sources::mqtt::spawn_all(&plan, &shared, &sources.stop, &mut sources.tasks);
        let mut alarm_stage = Stage::new("alarms", &shutdown);
        let alarms = crate::alarm::service::spawn(&plan, &shared, &alarm_stage.stop, &mut alarm_stage.tasks);
        let mut outputs = Stage::new("outputs", &shutdown);
        crate::sinks::spawn_all(&plan, &alarms, &shared, &outputs.stop, &mut outputs.tasks);
        crate::notify::stage::spawn(&plan, &alarms, &shared, &outputs.stop, &mut outputs.tasks);
        let mut api = Stage::new("api", &shutdown);
        let api_addr = start_api(&plan, &alarms, &shared, &mut api);
        tracing::info!(
            site = %plan.site.id,
            equipment = plan.equipment.len(),
            points = plan.points.len(),
            connections = plan.connections.len(),
            brokers = plan.brokers.len(),
            "facmon started"
        );
        Daemon {
            plan,
            store,
            devices,
            metrics,
            alarms,
            api_addr,
            shutdown,
            stages: vec![sources, alarm_stage, outputs, api],
        }
    }

    /// The signal that stops every task at once (the stages' signals are its children).
    pub fn shutdown_signal(&self) -> &Shutdown {
        &self.shutdown
    }

    /// Stops the stages in data-flow order, waiting about `grace` in all. A stage still
    /// running at the deadline is aborted; the stages after it still get [`LAST_CHANCE`]
    /// each, so that the outputs can put what they hold on disk.
    pub async fn stop(mut self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        for stage in &mut self.stages {
            stage.stop.trigger();
            let deadline = deadline.max(tokio::time::Instant::now() + LAST_CHANCE);
            let drain = async { while stage.tasks.join_next().await.is_some() {} };
            if tokio::time::timeout_at(deadline, drain).await.is_err() {
                tracing::warn!(stage = stage.name, "did not stop within {grace:?}; aborting its tasks");
                stage.tasks.abort_all();
            }
        }
        self.shutdown.trigger();
        tracing::info!("facmon stopped");
    }
}
