//! Field I/O: Modbus TCP/RTU polling and MQTT ingestion into the point store.

pub mod modbus;
pub mod mqtt;
pub mod status;

use std::sync::Arc;

pub use status::{DeviceBoard, DeviceStatus};

use crate::clock::SharedClock;
use crate::point::PointStore;
use crate::telemetry::Metrics;

/// What every source task writes to: the live store, the device board, the clock for
/// timestamps, and the daemon's counters.
#[derive(Clone)]
pub struct Shared {
    pub store: PointStore,
    pub board: DeviceBoard,
    pub clock: SharedClock,
    pub metrics: Arc<Metrics>,
}
