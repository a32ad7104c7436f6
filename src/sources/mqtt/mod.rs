//! MQTT ingestion: one rumqttc client per broker.
//!
//! Subscriptions are (re)made on every CONNACK, so a broker restart resumes them and the
//! broker's retained messages re-deliver the current state. A malformed payload makes the
//! point `bad`, is counted, and is logged once per distinct error — never a panic. A topic
//! silent past its `stale_after_s`, or a broker we cannot reach, makes the points `stale`.

pub mod payload;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS, TlsConfiguration, Transport};
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::{MqttBroker, MqttPoint, Plan, PointSource};
use crate::point::store::Reading;
use crate::point::PointIndex;
use crate::shutdown::Shutdown;
use crate::sources::Shared;

/// Starts one task per broker that has at least one point.
pub fn spawn_all(plan: &Plan, shared: &Shared, shutdown: &Shutdown, tasks: &mut tokio::task::JoinSet<()>) {
    for (b, broker) in plan.brokers.iter().enumerate() {
        let points: Vec<(PointIndex, MqttPoint)> = plan
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match &p.source {
                PointSource::Mqtt(m) if m.broker == b => Some((PointIndex(i), m.clone())),
                _ => None,
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let Some(board) = shared.board.position(&broker_device_id(&broker.id)) else {
            continue;
        };
        let span = tracing::info_span!("mqtt", site = %plan.site.id, broker = %broker.id);
        tasks.spawn(run_broker(broker.clone(), board, points, shared.clone(), shutdown.clone()).instrument(span));
    }
}

/// The id of a broker on the device board.
pub fn broker_device_id(broker: &str) -> String {
    format!("mqtt:{broker}")
}

/// Per-point bookkeeping inside the task.
struct Tracked {
    index: PointIndex,
    point: MqttPoint,
    last_seen: Option<Instant>,
    last_error: Option<String>,
    stale: bool,
}

/// Why a broker's connection options could not be made.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("cannot read CA file {0}: {1}")]
    CaFile(std::path::PathBuf, std::io::Error),
    #[error("mqtts:// needs ca_file (the CA that signed the broker's certificate)")]
    NoCaFile,
}

/// Connection options for a configured broker: address, keep-alive, credentials and TLS.
///
/// Shared by every client facmon opens (ingestion here, the alarm publisher in
/// `sinks::mqtt_alarms`); each caller sets its own client id and session semantics.
pub fn options(b: &MqttBroker, client_id: &str) -> Result<MqttOptions, OptionsError> {
    let mut o = MqttOptions::new(client_id, &b.host, b.port);
    o.set_keep_alive(b.keep_alive);
    if let (Some(u), Some(p)) = (&b.username, &b.password) {
        o.set_credentials(u, p);
    } else if let Some(u) = &b.username {
        o.set_credentials(u, "");
    }
    if b.tls {
        let ca = match &b.ca_file {
            Some(path) => std::fs::read(path).map_err(|e| OptionsError::CaFile(path.clone(), e))?,
            None => return Err(OptionsError::NoCaFile),
        };
        o.set_transport(Transport::Tls(TlsConfiguration::Simple {
            ca,
            alpn: None,
            client_auth: None,
        }));
    }
    Ok(o)
}

/// How long to wait before reconnecting after `failures` consecutive failures: rumqttc
/// reconnects on the next poll, so without a wait a dead broker would be hammered.
pub fn reconnect_delay(failures: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << failures.min(5))).min(Duration::from_secs(5))
}

async fn run_broker(
    b: MqttBroker,
    board: usize,
    points: Vec<(PointIndex, MqttPoint)>,
    shared: Shared,
    shutdown: Shutdown,
) {
    let opts = match options(&b, &b.client_id) {
        Ok(mut o) => {
            o.set_clean_session(true);
            o
        }
        Err(e) => {
            let e = e.to_string();
            tracing::error!("{e}");
            shared.board.record_failure(board, &e, shared.clock.now());
            return;
        }
    };
    let (client, mut events) = AsyncClient::new(opts, 64);
    let filters: BTreeSet<String> = points.iter().map(|(_, p)| p.topic.clone()).collect();
    let mut tracked: Vec<Tracked> = points
        .into_iter()
        .map(|(index, point)| Tracked {
            index,
            point,
            last_seen: None,
            last_error: None,
            stale: false,
        })
        .collect();
    let started = Instant::now();
    let mut check = tokio::time::interval(Duration::from_secs(1));
    let mut failures: u32 = 0;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = check.tick() => mark_silent_topics(&mut tracked, started, &shared),
            ev = events.poll() => match ev {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    failures = 0;
                    shared.board.record_ok(board, shared.clock.now());
                    for f in &filters {
                        if let Err(e) = client.try_subscribe(f.clone(), QoS::AtLeastOnce) {
                            tracing::warn!(topic = %f, "cannot subscribe: {e}");
                        }
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    shared.metrics.mqtt_messages.inc();
                    on_publish(&p.topic, &p.payload, &mut tracked, &shared);
                }
                Ok(_) => {}
                Err(e) => {
                    failures += 1;
                    shared.metrics.mqtt_connection_errors.inc();
                    let why = format!("broker unreachable: {e}");
                    let now = shared.clock.now();
                    shared.board.record_failure(board, &why, now);
                    let why: Arc<str> = why.into();
                    shared.store.apply(tracked.iter_mut().map(|t| { t.stale = true; (t.index, Reading::Stale(why.clone())) }), now);
                    let delay = reconnect_delay(failures);
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }
    let _ = client.try_disconnect();
}

fn on_publish(topic: &str, payload: &[u8], tracked: &mut [Tracked], shared: &Shared) {
    let now = shared.clock.now();
    let mut readings = Vec::new();
    for t in tracked.iter_mut().filter(|t| rumqttc::matches(topic, &t.point.topic)) {
        t.last_seen = Some(Instant::now());
        t.stale = false;
        match payload::extract(&t.point, payload) {
            Ok(value) => {
                t.last_error = None;
                readings.push((t.index, Reading::Good { value, source_ts: None }));
            }
            Err(e) => {
                shared.metrics.mqtt_payload_errors.inc();
                let msg = e.to_string();
                if t.last_error.as_deref() != Some(&msg) {
                    let key = shared.store.key(t.index).map(|k| k.to_string()).unwrap_or_default();
                    tracing::warn!(point = %key, topic, "malformed payload: {msg}");
                    t.last_error = Some(msg.clone());
                }
                readings.push((
                    t.index,
                    Reading::Bad(format!("malformed payload on {topic}: {msg}").into()),
                ));
            }
        }
    }
    shared.store.apply(readings, now);
}

/// A topic that has been silent past its `stale_after_s` (counted from start when it never spoke).
fn mark_silent_topics(tracked: &mut [Tracked], started: Instant, shared: &Shared) {
    let now = Instant::now();
    let mut readings = Vec::new();
    for t in tracked.iter_mut().filter(|t| !t.stale) {
        let Some(limit) = t.point.stale_after else { continue };
        let since = t.last_seen.unwrap_or(started);
        if now.duration_since(since) > limit {
            t.stale = true;
            readings.push((
                t.index,
                Reading::Stale(format!("no message on {} for {} s", t.point.topic, limit.as_secs()).into()),
            ));
        }
    }
    if !readings.is_empty() {
        shared.store.apply(readings, shared.clock.now());
    }
}
