//! Modbus polling: one task per TCP connection and per RTU bus.
//!
//! Requests on one link are serialised (with the configured gap on RTU lines). Every request
//! has a deadline — tokio-modbus's async client has none. A device exception ("refused")
//! makes its points `bad`; a transport failure or timeout makes them `stale` and backs that
//! device off with jittered exponential delays, so one dead slave never stalls its bus or any
//! other device.

mod blocks;
mod link;
mod poller;

pub use blocks::{plan_blocks, ReadBlock};
pub use poller::{spawn_all, DevicePlan};
