//! Field I/O: Modbus TCP/RTU polling and MQTT ingestion into the point store.

pub mod modbus;
pub mod mqtt;
pub mod status;

pub use modbus::Shared;
pub use status::{DeviceBoard, DeviceStatus};
