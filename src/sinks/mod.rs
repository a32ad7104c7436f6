//! Outputs: where alarms and readings leave facmon for other systems.
//!
//! Each sink runs in its own task with its own bounded queue, fed from a broadcast channel
//! that never waits for it: a slow or unreachable output never delays the alarm stage or
//! another output. What a sink must drop under pressure it counts.

pub mod influx;
pub mod mqtt_alarms;

use tokio::task::JoinSet;

use crate::alarm::Alarms;
use crate::config::Plan;
use crate::shutdown::Shutdown;
use crate::sources::Shared;

/// Starts every sink the plan configures.
pub fn spawn_all(plan: &Plan, alarms: &Alarms, shared: &Shared, shutdown: &Shutdown, tasks: &mut JoinSet<()>) {
    if let Some(cfg) = &plan.alarm_mqtt {
        mqtt_alarms::spawn(plan, cfg, alarms, shared, shutdown, tasks);
    }
    influx::spawn_all(plan, alarms, shared, shutdown, tasks);
}
