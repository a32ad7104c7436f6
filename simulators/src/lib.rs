//! Hardware stand-ins for facmon: one simulated building ("demo-plaza",
//! building "tower-a") whose generator, transfer switch, utility feeds,
//! pumps, tank, sump pits, fire system and critical rooms are served over
//! Modbus TCP, Modbus RTU and MQTT exactly as facmon's `config/demo.toml`
//! expects them. Used by the integration tests and by `facmon demo`.
//!
//! # Layout
//!
//! - [`building`]: the physical model. No I/O, time injected; its demo state
//!   is an equilibrium, so documented initial values hold until something is
//!   changed. [`building::knobs`] lists what can be changed.
//! - [`devices`]: which controller or sensor answers on which unit id or
//!   topic, and for which equipment.
//! - [`command`]: the one-line control language (`mains fail`,
//!   `set gen-1.mode MANUAL`, `offline gen-1-controller`, `status`, `help`).
//! - [`scenario`]: timelines of commands in TOML; the shipped ones are
//!   embedded ([`Scenario::builtin`]).
//! - [`modbus`]: the register map, the request handling, the TCP gateway and
//!   the RTU bus.
//! - [`mqtt`]: the MQTT devices, and an embedded broker for demos.
//! - [`control`]: stdin and TCP control ports.
//! - [`Sim`]: starts all of the above over one shared building.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use facmon_sim::{Scenario, Sim, SimConfig};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let sim = Sim::start(SimConfig {
//!     modbus_tcp: Some(listener),
//!     scenario: Scenario::builtin("demo"),
//!     ..SimConfig::default()
//! })
//! .await?;
//! println!("Modbus TCP on {:?}", sim.modbus_tcp_addr());
//! sim.command("set gen-1.mode MANUAL")?;
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod building;
pub mod command;
pub mod control;
pub mod devices;
pub mod modbus;
pub mod mqtt;
pub mod scenario;
mod sim;

use std::sync::{Mutex, MutexGuard, PoisonError};

pub use building::Building;
pub use command::{Command, CommandError};
pub use mqtt::{embedded_broker, BrokerError, MqttTarget};
pub use scenario::{Scenario, ScenarioError};
pub use sim::{Sim, SimConfig, SimError, SimEvent, SimHandle, DEFAULT_TICK};

/// Locks the building. A panic while it was locked cannot leave it
/// half-updated in a way that matters for a simulator, so a poisoned lock is
/// used as is rather than taking every task down with it.
pub(crate) fn lock(building: &Mutex<Building>) -> MutexGuard<'_, Building> {
    building.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod config_check;
#[cfg(test)]
mod docs_check;
