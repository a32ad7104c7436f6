//! The running simulator: the physics tick (which also plays the scenario),
//! the Modbus TCP and RTU servers and the MQTT publisher, all sharing one
//! [`Building`] behind a std mutex that is never held across an await.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio::task::JoinSet;
use tokio_serial::SerialStream;
use tokio_util::sync::CancellationToken;

use crate::building::Building;
use crate::command::{Applied, Command, CommandError};
use crate::devices::Device;
use crate::mqtt::{self, MqttTarget};
use crate::scenario::{Scenario, Timeline};

/// The default physics step.
pub const DEFAULT_TICK: Duration = Duration::from_millis(100);

/// What to serve. Listeners and ports are opened by the caller ("bind
/// outside, run inside"), so tests can use `127.0.0.1:0` and a pty pair.
#[derive(Debug)]
pub struct SimConfig {
    /// Modbus TCP gateway for units 1–7, already bound.
    pub modbus_tcp: Option<TcpListener>,
    /// Serial port (or pty end) for the RTU units 10 and 11, already open.
    pub modbus_rtu: Option<SerialStream>,
    /// Broker to publish the MQTT devices to.
    pub mqtt: Option<MqttTarget>,
    /// Timeline to play from the start.
    pub scenario: Option<Scenario>,
    /// Physics step (simulated time advances by this much per step, in real
    /// time); 100 ms by default.
    pub tick: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            modbus_tcp: None,
            modbus_rtu: None,
            mqtt: None,
            scenario: None,
            tick: DEFAULT_TICK,
        }
    }
}

/// Something that happened in the simulator, for logs, the demo's event
/// feed and tests that wait for a step instead of sleeping.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SimEvent {
    /// A scenario step was applied.
    ScenarioStep {
        /// Scenario name.
        scenario: String,
        /// 0-based index of the step.
        index: usize,
        /// Its time in the timeline, s.
        at_s: f64,
        /// The command as written.
        command: String,
        /// The step's note.
        note: Option<String>,
        /// The command's reply.
        reply: String,
    },
    /// The last step of a non-repeating scenario was applied.
    ScenarioFinished {
        /// Scenario name.
        scenario: String,
    },
    /// A command from [`Sim::command`] (stdin, control port, caller).
    CommandApplied {
        /// The line as given.
        command: String,
        /// The reply.
        reply: String,
    },
    /// A device stopped answering / publishing.
    DeviceOffline {
        /// Device id.
        device: String,
    },
    /// A device answers / publishes again.
    DeviceOnline {
        /// Device id.
        device: String,
    },
    /// The MQTT client (re)connected.
    MqttConnected {
        /// `host:port`.
        broker: String,
    },
    /// The MQTT connection was lost or refused (reported once per outage).
    MqttDisconnected {
        /// `host:port`.
        broker: String,
        /// The client's error.
        reason: String,
    },
}

/// One line for a log or the demo's event feed.
impl fmt::Display for SimEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ScenarioStep {
                scenario,
                at_s,
                command,
                note,
                ..
            } => {
                write!(f, "{scenario} @{at_s}s: {command}")?;
                match note {
                    Some(note) => write!(f, " — {note}"),
                    None => Ok(()),
                }
            }
            Self::ScenarioFinished { scenario } => write!(f, "scenario {scenario} finished"),
            Self::CommandApplied { reply, .. } => write!(f, "{reply}"),
            Self::DeviceOffline { device } => write!(f, "{device} unplugged: stops answering"),
            Self::DeviceOnline { device } => write!(f, "{device} plugged back in"),
            Self::MqttConnected { broker } => write!(f, "MQTT connected to {broker}"),
            Self::MqttDisconnected { broker, reason } => {
                write!(f, "MQTT connection to {broker} lost: {reason}")
            }
        }
    }
}

/// The simulator could not start.
#[derive(Debug, Error)]
pub enum SimError {
    /// The Modbus TCP listener is unusable.
    #[error("the Modbus TCP listener has no local address: {0}")]
    ListenerAddress(std::io::Error),
    /// The tick is zero or absurd.
    #[error("the physics tick must be between 1 ms and 10 s, not {0:?}")]
    Tick(Duration),
}

/// A cloneable handle for sending commands and watching events, e.g. from a
/// control-port connection or a stdin thread.
#[derive(Debug, Clone)]
pub struct SimHandle {
    building: Arc<Mutex<Building>>,
    events: broadcast::Sender<SimEvent>,
}

impl SimHandle {
    /// Parses and applies one command line; returns its one-line reply.
    pub fn command(&self, line: &str) -> Result<String, CommandError> {
        let command = Command::parse(line)?;
        let applied = command.apply(&mut crate::lock(&self.building));
        let _ = self.events.send(SimEvent::CommandApplied {
            command: line.trim().to_owned(),
            reply: applied.reply.clone(),
        });
        self.link_event(&applied);
        Ok(applied.reply)
    }

    /// Subscribes to events from now on.
    pub fn events(&self) -> broadcast::Receiver<SimEvent> {
        self.events.subscribe()
    }

    /// Reads the building (for assertions and displays); keep `f` short.
    pub fn read<R>(&self, f: impl FnOnce(&Building) -> R) -> R {
        f(&crate::lock(&self.building))
    }

    fn link_event(&self, applied: &Applied) {
        if let Some((device, online)) = applied.link_change {
            let _ = self.events.send(link_event(device, online));
        }
    }
}

fn link_event(device: &Device, online: bool) -> SimEvent {
    let device = device.id.to_owned();
    if online {
        tracing::info!(%device, "device back online");
        SimEvent::DeviceOnline { device }
    } else {
        tracing::info!(%device, "device offline");
        SimEvent::DeviceOffline { device }
    }
}

/// The running simulator. Dropping it aborts its tasks; [`Sim::shutdown`]
/// stops them cleanly (the MQTT client disconnects).
#[derive(Debug)]
pub struct Sim {
    handle: SimHandle,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    modbus_tcp_addr: Option<SocketAddr>,
}

impl Sim {
    /// Spawns the simulator's tasks on the current runtime and returns at once.
    pub async fn start(cfg: SimConfig) -> Result<Sim, SimError> {
        if cfg.tick < Duration::from_millis(1) || cfg.tick > Duration::from_secs(10) {
            return Err(SimError::Tick(cfg.tick));
        }
        let modbus_tcp_addr = cfg
            .modbus_tcp
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()
            .map_err(SimError::ListenerAddress)?;
        let building = Arc::new(Mutex::new(Building::demo()));
        let (events, _) = broadcast::channel(256);
        let handle = SimHandle {
            building: Arc::clone(&building),
            events: events.clone(),
        };
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();

        if let (Some(listener), Some(addr)) = (cfg.modbus_tcp, modbus_tcp_addr) {
            tracing::info!(%addr, "Modbus TCP units 1-7 listening");
            tasks.spawn(crate::modbus::tcp::serve(
                listener,
                Arc::clone(&building),
                cancel.clone(),
            ));
        }
        if let Some(port) = cfg.modbus_rtu {
            tracing::info!("Modbus RTU units 10, 11 on the serial port");
            tasks.spawn(crate::modbus::rtu::serve(port, Arc::clone(&building), cancel.clone()));
        }
        if let Some(target) = cfg.mqtt {
            mqtt::spawn(
                target,
                Arc::clone(&building),
                events.clone(),
                cancel.clone(),
                &mut tasks,
            );
        }
        tasks.spawn(physics(
            handle.clone(),
            cfg.scenario.map(Timeline::new),
            cfg.tick,
            cancel.clone(),
        ));

        Ok(Sim {
            handle,
            cancel,
            tasks,
            modbus_tcp_addr,
        })
    }

    /// Parses and applies one command line; returns its one-line reply.
    pub fn command(&self, line: &str) -> Result<String, CommandError> {
        self.handle.command(line)
    }

    /// Subscribes to events from now on.
    pub fn events(&self) -> broadcast::Receiver<SimEvent> {
        self.handle.events()
    }

    /// Where the Modbus TCP gateway listens.
    pub fn modbus_tcp_addr(&self) -> Option<SocketAddr> {
        self.modbus_tcp_addr
    }

    /// A cloneable handle for other tasks and threads.
    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    /// Reads the building (for assertions and displays); keep `f` short.
    pub fn read<R>(&self, f: impl FnOnce(&Building) -> R) -> R {
        self.handle.read(f)
    }

    /// Stops every task and waits for them; the listener and the serial
    /// port are closed when this returns.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        while let Some(result) = self.tasks.join_next().await {
            if let Err(e) = result {
                if e.is_panic() {
                    tracing::error!(error = %e, "a simulator task panicked");
                }
            }
        }
    }
}

/// One tick: applies the scenario steps due at `now_s`, then advances the
/// building by `dt`. Returns the events to announce.
fn step(building: &mut Building, timeline: Option<&mut Timeline>, now_s: f64, dt: Duration) -> Vec<SimEvent> {
    let mut events = Vec::new();
    if let Some(timeline) = timeline {
        let (due, finished) = timeline.due(now_s);
        let scenario = timeline.scenario();
        for (index, step) in due.iter().filter_map(|&i| scenario.steps.get(i).map(|s| (i, s))) {
            let applied = step.command.apply(building);
            tracing::info!(
                at_s = step.at_s,
                command = %step.text,
                note = step.note.as_deref().unwrap_or(""),
                "scenario step: {}",
                applied.reply
            );
            events.push(SimEvent::ScenarioStep {
                scenario: scenario.name.clone(),
                index,
                at_s: step.at_s,
                command: step.text.clone(),
                note: step.note.clone(),
                reply: applied.reply.clone(),
            });
            if let Some((device, online)) = applied.link_change {
                events.push(link_event(device, online));
            }
        }
        if finished {
            tracing::info!(scenario = %scenario.name, "scenario finished");
            events.push(SimEvent::ScenarioFinished {
                scenario: scenario.name.clone(),
            });
        }
    }
    building.step(dt);
    events
}

/// Steps the building every `tick` and applies scenario steps as they fall
/// due. Simulated time is the tick count times `tick`, so a paused tokio
/// clock drives it exactly.
async fn physics(handle: SimHandle, mut timeline: Option<Timeline>, tick: Duration, cancel: CancellationToken) {
    if let Some(t) = &timeline {
        tracing::info!(scenario = %t.scenario().name, steps = t.scenario().steps.len(), "playing scenario");
    }
    let mut interval = tokio::time::interval(tick);
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = interval.tick() => {}
        }
        let now_s = ticks as f64 * tick.as_secs_f64();
        let events = step(&mut crate::lock(&handle.building), timeline.as_mut(), now_s, tick);
        ticks += 1;
        for event in events {
            let _ = handle.events.send(event);
        }
    }
}

#[cfg(test)]
mod tests;
