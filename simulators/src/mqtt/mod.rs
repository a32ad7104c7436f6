//! The simulated MQTT devices: the fire panel's contacts and the two leak
//! sensors, published to a broker with rumqttc.
//!
//! | device | topic | payload |
//! |---|---|---|
//! | `fire-panel-1` | `demo-plaza/fire-panel/fire-panel-1/state` | `{"alarm":false,"fault":false,"supervisory":false}` |
//! | `leak-gen-room` | `demo-plaza/leak/leak-gen-room` | `0` dry, `1` wet |
//! | `leak-pump-room` | `demo-plaza/leak/leak-pump-room` | `0` dry, `1` wet |
//!
//! Retained, QoS 1, on every change (within 200 ms) and again every 10 s as a
//! heartbeat, so a subscriber can treat 30 s of silence as a dead device. An
//! `offline` device stops publishing (its last retained message stays on the
//! broker, as it would for a sensor whose cable was cut). The connection is
//! retried with backoff; after every (re)connect everything is published again.

mod broker;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use serde::Serialize;
use thiserror::Error;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use broker::{embedded_broker, BrokerError};

use crate::building::{Building, LEAK_IDS, SITE_ID};
use crate::SimEvent;

/// How often an unchanged value is published again.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How quickly a change is published.
const SCAN: Duration = Duration::from_millis(200);
/// Longest wait between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Where to publish: a broker's host and port, and the client id to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttTarget {
    /// Broker host name or address.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// MQTT client id.
    pub client_id: String,
}

impl MqttTarget {
    /// A target with the client id `facmon-sim`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            client_id: "facmon-sim".to_owned(),
        }
    }
}

/// A broker address that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cannot use \"{0}\" as an MQTT broker address; write host:port or mqtt://host:port (TLS is not supported by the simulator)")]
pub struct MqttTargetError(pub String);

impl FromStr for MqttTarget {
    type Err = MqttTargetError;

    /// `host:port`, `mqtt://host:port` or `host` (port 1883).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || MqttTargetError(s.to_owned());
        let rest = match s.split_once("://") {
            Some(("mqtt" | "tcp", rest)) => rest,
            Some(_) => return Err(err()),
            None => s,
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| err())?),
            None => (rest, 1883),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains('/') {
            return Err(err());
        }
        Ok(Self::new(host, port))
    }
}

/// One retained message of one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The publishing device.
    pub device: &'static str,
    /// Topic.
    pub topic: String,
    /// Payload.
    pub payload: String,
}

#[derive(Serialize)]
struct PanelState {
    alarm: bool,
    fault: bool,
    supervisory: bool,
}

/// The topic of an MQTT device.
pub fn topic(device: &str) -> String {
    if device == "fire-panel-1" {
        format!("{SITE_ID}/fire-panel/{device}/state")
    } else {
        format!("{SITE_ID}/leak/{device}")
    }
}

/// What every online MQTT device would publish now.
pub fn messages(b: &Building) -> Vec<Message> {
    let panel = &b.fire().panel;
    let state = PanelState {
        alarm: panel.alarm,
        fault: panel.fault,
        supervisory: panel.supervisory,
    };
    let mut out = vec![Message {
        device: "fire-panel-1",
        topic: topic("fire-panel-1"),
        payload: serde_json::to_string(&state).unwrap_or_default(),
    }];
    for (id, sensor) in LEAK_IDS.iter().zip(b.leaks()) {
        out.push(Message {
            device: id,
            topic: topic(id),
            payload: if sensor.wet { "1" } else { "0" }.to_owned(),
        });
    }
    out.retain(|m| b.is_online(m.device));
    out
}

/// Decides what to publish: changes at once, the rest every [`HEARTBEAT`].
#[derive(Debug, Default)]
pub(crate) struct Publisher {
    last: HashMap<String, (String, Instant)>,
}

impl Publisher {
    /// The messages of `current` due at `now`. Devices missing from
    /// `current` (offline) are forgotten, so they publish as soon as they
    /// are back.
    pub(crate) fn due(&mut self, now: Instant, current: Vec<Message>) -> Vec<Message> {
        self.last.retain(|topic, _| current.iter().any(|m| &m.topic == topic));
        current
            .into_iter()
            .filter(|m| match self.last.get(&m.topic) {
                Some((payload, at)) => *payload != m.payload || now.duration_since(*at) >= HEARTBEAT,
                None => true,
            })
            .collect()
    }

    /// Records a message as handed to the client.
    pub(crate) fn sent(&mut self, message: &Message, now: Instant) {
        self.last.insert(message.topic.clone(), (message.payload.clone(), now));
    }

    /// Forgets everything, so the next round publishes every device.
    pub(crate) fn forget(&mut self) {
        self.last.clear();
    }
}

/// Starts the MQTT client tasks on `tasks`.
pub(crate) fn spawn(
    target: MqttTarget,
    building: Arc<Mutex<Building>>,
    events: broadcast::Sender<SimEvent>,
    cancel: CancellationToken,
    tasks: &mut JoinSet<()>,
) {
    let mut options = MqttOptions::new(target.client_id.clone(), target.host.clone(), target.port);
    options.set_keep_alive(Duration::from_secs(5));
    options.set_clean_session(true);
    let (client, eventloop) = AsyncClient::new(options, 64);
    let (connected_tx, connected_rx) = watch::channel(false);
    let broker = format!("{}:{}", target.host, target.port);
    tasks.spawn(drive(
        eventloop,
        client.clone(),
        broker,
        connected_tx,
        events,
        cancel.clone(),
    ));
    tasks.spawn(publish(client, building, connected_rx, cancel));
}

/// Runs the client's event loop: connects, reconnects with backoff, reports
/// connection changes, and disconnects cleanly on `cancel`.
async fn drive(
    mut eventloop: rumqttc::EventLoop,
    client: AsyncClient,
    broker: String,
    connected: watch::Sender<bool>,
    events: broadcast::Sender<SimEvent>,
    cancel: CancellationToken,
) {
    let mut backoff = Duration::from_millis(250);
    let mut reported_down = false;
    loop {
        let event = tokio::select! {
            () = cancel.cancelled() => break,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!(%broker, "MQTT connected");
                backoff = Duration::from_millis(250);
                reported_down = false;
                connected.send_replace(true);
                let _ = events.send(SimEvent::MqttConnected { broker: broker.clone() });
            }
            Ok(_) => {}
            Err(e) => {
                connected.send_replace(false);
                if !reported_down {
                    tracing::warn!(%broker, error = %e, "MQTT connection lost or refused; retrying");
                    let _ = events.send(SimEvent::MqttDisconnected {
                        broker: broker.clone(),
                        reason: e.to_string(),
                    });
                    reported_down = true;
                }
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    if *connected.borrow() {
        let _ = client.try_disconnect();
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
    }
}

/// Publishes changes and heartbeats while connected.
async fn publish(
    client: AsyncClient,
    building: Arc<Mutex<Building>>,
    mut connected: watch::Receiver<bool>,
    cancel: CancellationToken,
) {
    let mut publisher = Publisher::default();
    let mut scan = tokio::time::interval(SCAN);
    scan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = scan.tick() => {}
            changed = connected.changed() => if changed.is_err() { return },
        }
        if !*connected.borrow_and_update() {
            publisher.forget();
            continue;
        }
        let current = messages(&crate::lock(&building));
        let now = Instant::now();
        for message in publisher.due(now, current) {
            match client.try_publish(message.topic.clone(), QoS::AtLeastOnce, true, message.payload.clone()) {
                Ok(()) => publisher.sent(&message, now),
                Err(e) => {
                    tracing::debug!(error = %e, "MQTT publish queue full; will retry");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_state_publishes_a_quiet_panel_and_dry_sensors() {
        let m = messages(&Building::demo());
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].topic, "demo-plaza/fire-panel/fire-panel-1/state");
        assert_eq!(m[0].payload, r#"{"alarm":false,"fault":false,"supervisory":false}"#);
        assert_eq!(m[1].topic, "demo-plaza/leak/leak-gen-room");
        assert_eq!(m[1].payload, "0");
        assert_eq!(m[2].topic, "demo-plaza/leak/leak-pump-room");
    }

    #[test]
    fn an_offline_device_has_nothing_to_publish() {
        let mut b = Building::demo();
        b.set_online(crate::devices::find("leak-gen-room").unwrap(), false);
        let m = messages(&b);
        assert!(m.iter().all(|m| m.device != "leak-gen-room"));
    }

    #[test]
    fn unchanged_values_are_published_again_only_after_the_heartbeat() {
        let b = Building::demo();
        let mut p = Publisher::default();
        let t0 = Instant::now();
        let first = p.due(t0, messages(&b));
        assert_eq!(first.len(), 3);
        for m in &first {
            p.sent(m, t0);
        }
        assert!(p.due(t0 + Duration::from_secs(9), messages(&b)).is_empty());
        assert_eq!(p.due(t0 + HEARTBEAT, messages(&b)).len(), 3);
    }

    #[test]
    fn a_change_is_published_at_once() {
        let mut b = Building::demo();
        let mut p = Publisher::default();
        let t0 = Instant::now();
        for m in p.due(t0, messages(&b)) {
            p.sent(&m, t0);
        }
        crate::command::Command::parse("set leak-pump-room.wet true")
            .unwrap()
            .apply(&mut b);
        let due = p.due(t0 + Duration::from_millis(200), messages(&b));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].payload, "1");
    }

    #[test]
    fn a_device_back_online_publishes_at_once() {
        let mut b = Building::demo();
        let mut p = Publisher::default();
        let t0 = Instant::now();
        for m in p.due(t0, messages(&b)) {
            p.sent(&m, t0);
        }
        let device = crate::devices::find("fire-panel-1").unwrap();
        b.set_online(device, false);
        assert!(p.due(t0 + Duration::from_secs(1), messages(&b)).is_empty());
        b.set_online(device, true);
        let due = p.due(t0 + Duration::from_secs(2), messages(&b));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].device, "fire-panel-1");
    }

    #[test]
    fn broker_addresses_parse_with_or_without_scheme() {
        assert_eq!("127.0.0.1:1883".parse(), Ok(MqttTarget::new("127.0.0.1", 1883)));
        assert_eq!(
            "mqtt://broker.local:1884".parse(),
            Ok(MqttTarget::new("broker.local", 1884))
        );
        assert_eq!("localhost".parse(), Ok(MqttTarget::new("localhost", 1883)));
        assert!("mqtts://x:8883".parse::<MqttTarget>().is_err());
        assert!("x:notaport".parse::<MqttTarget>().is_err());
    }
}
