//! The daemon: a checked plan in, running sources and a live point store out.
//!
//! Later stages (rules, alarms, sinks, API) attach here; each gets its own task and queue so
//! a slow output never delays another.

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

/// A running daemon.
pub struct Daemon {
    pub plan: Arc<Plan>,
    pub store: PointStore,
    pub devices: DeviceBoard,
    pub metrics: Arc<Metrics>,
    /// The alarm book and its transition feed.
    pub alarms: Alarms,
    shutdown: Shutdown,
    tasks: JoinSet<()>,
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
        let mut tasks = JoinSet::new();
        sources::modbus::spawn_all(&plan, &shared, &shutdown, &mut tasks);
        sources::mqtt::spawn_all(&plan, &shared, &shutdown, &mut tasks);
        let alarms = crate::alarm::service::spawn(&plan, &shared, &shutdown, &mut tasks);
        crate::sinks::spawn_all(&plan, &alarms, &shared, &shutdown, &mut tasks);
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
            shutdown,
            tasks,
        }
    }

    /// The stop signal the daemon's tasks listen to.
    pub fn shutdown_signal(&self) -> &Shutdown {
        &self.shutdown
    }

    /// Stops every task, in order, waiting at most `grace` for them to finish.
    pub async fn stop(mut self, grace: Duration) {
        self.shutdown.trigger();
        let drain = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, drain).await.is_err() {
            tracing::warn!("some tasks did not stop within {grace:?}; aborting them");
            self.tasks.abort_all();
        }
        tracing::info!("facmon stopped");
    }
}
