//! Alarms on MQTT, for building-management dashboards, paging gateways and anything else
//! that subscribes.
//!
//! Two kinds of message, both QoS 1, under a prefix (`[alarm_mqtt] topic_prefix`, default
//! `facmon/<site id>`):
//!
//! * `<prefix>/alarms/<equipment>/<rule>`, **retained**: the alarm's state now
//!   ([`StateMessage`]). A subscriber connecting at any time gets every alarm's current state
//!   from the broker; an alarm back to normal keeps its topic with `"state": "normal"`.
//!   Equipment first, so `<prefix>/alarms/gen-1/#` follows one machine.
//! * `<prefix>/events`, not retained: one [`EventMessage`] per lifecycle transition, in the
//!   order the journal recorded them. Equipment-level transitions (rule `*`: out of service,
//!   back in service, incidents) appear here only; they republish the states of that
//!   equipment's alarms, which they change.
//!
//! Times are unix milliseconds (UTC), as in the journal: integers sort and compare without
//! parsing and need no time-zone rules. Top-level keys carry the unit (`raised_at_ms`).
//!
//! **Retained state is never left stale.** A state message is rendered from the alarm book
//! when it is sent, not from the transition that made it due, so the last one sent is the
//! latest state. Every alarm is republished on every CONNACK (a broker restarted without
//! persistence has forgotten its retained messages) and whenever this task fell behind the
//! transition feed; and once a second the book is compared with what this connection has
//! published, so an alarm that appeared without a transition (a rule's first evaluation, a
//! book restored at start) gets its state, and one the book dropped has its topic removed.
//!
//! **Never slows the alarm stage.** Transitions arrive on a broadcast channel that never waits
//! for this task. Due states are a set of alarm keys: one entry per alarm however often it
//! changes, so bounded by the number of alarms and never dropped. Events wait in a bounded
//! queue whose oldest entry is dropped (and counted) when it is full.
//!
//! **Events survive a lost connection.** Nothing is handed to the MQTT client while the broker
//! is unreachable, and an event stays this task's until the broker's PUBACK: when the
//! connection drops, the events written but not acknowledged go back to the front of the
//! queue and are sent again after the reconnect (at least once, as QoS 1 promises). They do
//! not survive a restart of facmon: the journal, not this feed, is the durable record.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, QoS};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

use crate::alarm::{Alarm, AlarmBook, AlarmKey, AlarmState, Alarms, Transition};
use crate::config::{AlarmMqtt, Plan};
use crate::rules::outcome::{Severity, Text};
use crate::shutdown::Shutdown;
use crate::sources::mqtt::{options, reconnect_delay};
use crate::sources::Shared;
use crate::telemetry::Metrics;

/// Events kept while the broker is slow or unreachable; past this the oldest is dropped.
pub const EVENT_QUEUE: usize = 1024;
/// Messages handed to the MQTT client at a time; the rest wait in this task's own queue.
const CLIENT_QUEUE: usize = 64;
/// A payload larger than this is not sent: rumqttc would drop the connection over it.
const MAX_PAYLOAD: usize = 64 * 1024;
/// How long shutdown waits for queued messages and the DISCONNECT to go out.
const DISCONNECT_GRACE: Duration = Duration::from_secs(2);
/// The rule field of equipment-level transitions (out of service, incidents).
const EQUIPMENT_LEVEL: &str = "*";
/// How often the book is compared with what has been published.
const CENSUS_EVERY: Duration = Duration::from_secs(1);

/// Starts the publisher for `[alarm_mqtt]`.
pub fn spawn(
    plan: &Plan,
    cfg: &AlarmMqtt,
    alarms: &Alarms,
    shared: &Shared,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) {
    let broker = &plan.brokers[cfg.broker];
    let span = tracing::info_span!("mqtt_alarms", site = %plan.site.id, broker = %broker.id);
    let opts = match options(broker, &cfg.client_id) {
        Ok(mut o) => {
            // This task resends what the broker did not acknowledge (see `Outbox`); a clean
            // session keeps rumqttc from resending it a second time.
            o.set_clean_session(true);
            o.set_max_packet_size(10 * 1024, MAX_PAYLOAD + 1024);
            o
        }
        Err(e) => {
            span.in_scope(|| tracing::error!("alarms are not published on MQTT: {e}"));
            return;
        }
    };
    let publisher = Publisher {
        site: plan.site.id.clone(),
        topics: Topics::new(&cfg.topic_prefix),
        alarms: alarms.clone(),
        // Subscribed before the task starts; anything earlier is covered by the first
        // CONNACK's republish of every state.
        feed: alarms.subscribe(),
        metrics: shared.metrics.clone(),
        outbox: Outbox::new(EVENT_QUEUE),
    };
    tasks.spawn(publisher.run(opts, shutdown.clone()).instrument(span));
}

/// The topic names of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    prefix: String,
}

impl Topics {
    /// `prefix` is checked by the config: no wildcards, no trailing `/`.
    pub fn new(prefix: &str) -> Topics {
        Topics {
            prefix: prefix.to_string(),
        }
    }

    /// `<prefix>/alarms/<equipment>/<rule>`, retained.
    pub fn state(&self, key: &AlarmKey) -> String {
        format!("{}/alarms/{}/{}", self.prefix, key.equipment, key.rule)
    }

    /// `<prefix>/events`.
    pub fn events(&self) -> String {
        format!("{}/events", self.prefix)
    }
}

/// The retained payload of `<prefix>/alarms/<equipment>/<rule>`.
#[derive(Debug, Serialize)]
pub struct StateMessage<'a> {
    pub site: &'a str,
    pub rule: &'a str,
    pub equipment: &'a str,
    /// What an operator sees: `normal`, `unacknowledged`, `acknowledged`,
    /// `returned_unacknowledged`, `shelved`, `suppressed`, `out_of_service`.
    pub state: AlarmState,
    /// The condition is active (or held by a latch or chatter).
    pub active: bool,
    pub acknowledged: bool,
    /// `info`, `warning`, `major`, `critical`, `escalation`; null before the first raise.
    pub severity: Option<Severity>,
    /// What is wrong, why, and what to do, each `{"zh": …, "en": …}`; null without a finding.
    pub message: Option<&'a Text>,
    pub diagnosis: Option<&'a Text>,
    pub action: Option<&'a Text>,
    /// Why the rule cannot evaluate now (an input not good); the state is the last known one.
    pub unknown: Option<&'a Text>,
    /// Latching rules (FIRE-01, DRN-05): the contact cleared, an operator must reset.
    pub latch_waiting_reset: bool,
    pub chattering: bool,
    pub shelved: Option<ShelveMessage<'a>>,
    /// The active alarm suppressing this one by design, `{"rule": …, "equipment": …}`.
    pub suppressed_by: Option<&'a AlarmKey>,
    pub incident: Option<u64>,
    pub raised_at_ms: Option<u64>,
    pub cleared_at_ms: Option<u64>,
    pub acknowledged_at_ms: Option<u64>,
    pub acknowledged_by: Option<&'a str>,
}

/// An operator's shelve, as published.
#[derive(Debug, Serialize)]
pub struct ShelveMessage<'a> {
    pub until_ms: u64,
    pub by: &'a str,
    pub reason: &'a str,
}

impl<'a> StateMessage<'a> {
    pub fn new(site: &'a str, a: &'a Alarm, state: AlarmState) -> StateMessage<'a> {
        let finding = a.finding.as_ref();
        StateMessage {
            site,
            rule: &a.key.rule,
            equipment: &a.key.equipment,
            state,
            active: a.active,
            acknowledged: a.acknowledged,
            severity: a.severity.or(finding.map(|f| f.severity)),
            message: finding.map(|f| &f.message),
            diagnosis: finding.and_then(|f| f.diagnosis.as_ref()),
            action: finding.map(|f| &f.action),
            unknown: a.unknown.as_ref(),
            latch_waiting_reset: a.latch_waiting_reset,
            chattering: a.chattering,
            shelved: a.shelved.as_ref().map(|s| ShelveMessage {
                until_ms: unix_ms(s.until),
                by: &s.by,
                reason: &s.reason,
            }),
            suppressed_by: a.suppressed_by.as_ref(),
            incident: a.incident,
            raised_at_ms: a.raised_at.map(unix_ms),
            cleared_at_ms: a.cleared_at.map(unix_ms),
            acknowledged_at_ms: a.acknowledged_at.map(unix_ms),
            acknowledged_by: a.acknowledged_by.as_deref(),
        }
    }
}

/// The payload of `<prefix>/events`: one lifecycle transition.
#[derive(Debug, Serialize)]
pub struct EventMessage<'a> {
    pub site: &'a str,
    pub at_ms: u64,
    /// The rule, or `*` for an equipment-level event.
    pub rule: &'a str,
    pub equipment: &'a str,
    /// `raised`, `updated`, `cleared`, `acknowledged`, `shelved`, `out_of_service`, … (as in
    /// the journal).
    pub kind: String,
    /// The kind's own fields (`note`, `until`, `reason`, `by`, `why`, `incident`, …); times
    /// among them in unix ms. `{}` when the kind has none.
    pub detail: Map<String, Value>,
    /// An operator's name, or `facmon` for rule-driven changes.
    pub actor: &'a str,
    pub severity: Option<Severity>,
    /// Whether people should hear of it now (false while shelved, suppressed, out of service
    /// or chattering).
    pub announce: bool,
    pub incident: Option<u64>,
}

impl<'a> EventMessage<'a> {
    pub fn new(site: &'a str, t: &'a Transition) -> EventMessage<'a> {
        // The kind's serde form is `{"kind": "...", ...fields}`; taking it apart keeps this in
        // step with every kind the alarm model has, now and later.
        let mut detail = match serde_json::to_value(&t.kind) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let kind = match detail.remove("kind") {
            Some(Value::String(k)) => k,
            _ => String::new(),
        };
        for v in detail.values_mut() {
            times_to_ms(v);
        }
        EventMessage {
            site,
            at_ms: unix_ms(t.at),
            rule: &t.key.rule,
            equipment: &t.key.equipment,
            kind,
            detail,
            actor: &t.actor,
            severity: t.severity,
            announce: t.announce,
            incident: t.incident,
        }
    }
}

/// Milliseconds since the unix epoch; 0 for anything earlier.
fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis().min(u128::from(u64::MAX)) as u64)
        .unwrap_or(0)
}

/// Replaces serde's form of a `SystemTime` (`{"secs_since_epoch", "nanos_since_epoch"}`)
/// with unix milliseconds, wherever it is.
fn times_to_ms(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.len() == 2 {
                if let (Some(s), Some(n)) = (
                    m.get("secs_since_epoch").and_then(Value::as_u64),
                    m.get("nanos_since_epoch").and_then(Value::as_u64),
                ) {
                    *v = Value::from(s.saturating_mul(1000).saturating_add(n / 1_000_000));
                    return;
                }
            }
            m.values_mut().for_each(times_to_ms);
        }
        Value::Array(a) => a.iter_mut().for_each(times_to_ms),
        _ => {}
    }
}

/// The alarms whose state a transition changes: its own, or for an equipment-level one
/// (out of service, incidents) every alarm of that equipment.
fn states_touched(t: &Transition, book: Option<&AlarmBook>) -> Vec<AlarmKey> {
    if t.key.rule != EQUIPMENT_LEVEL {
        return vec![t.key.clone()];
    }
    book.map(|b| {
        b.alarms()
            .filter(|a| a.key.equipment == t.key.equipment)
            .map(|a| a.key.clone())
            .collect()
    })
    .unwrap_or_default()
}

/// A message handed to the MQTT client and not yet acknowledged by the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sent {
    /// A retained state: after a lost connection every state is republished anyway.
    State,
    /// An event: sent again after a lost connection.
    Event(Vec<u8>),
}

/// What waits to be published, and what the broker has not acknowledged yet.
///
/// rumqttc reports each publish it writes (`Outgoing::Publish(pkid)`) in the order it was
/// handed over, and the broker's PUBACK for it by the same packet id; that is how an
/// event is followed from the queue to the broker.
#[derive(Debug)]
struct Outbox {
    /// Alarms whose retained state is due; rendered from the book when sent.
    states: BTreeSet<AlarmKey>,
    /// Rendered event payloads, oldest first.
    events: VecDeque<Vec<u8>>,
    capacity: usize,
    /// Handed to the client, not yet written, in order.
    handed: VecDeque<Sent>,
    /// Written, waiting for the broker's PUBACK, in write order.
    unacked: VecDeque<(u16, Sent)>,
    /// Held back by rumqttc until its packet id is free (the broker acked out of order).
    collided: Option<(u16, Sent)>,
    /// Alarms whose state was handed over on this connection.
    published: BTreeSet<AlarmKey>,
}

impl Outbox {
    fn new(capacity: usize) -> Outbox {
        Outbox {
            states: BTreeSet::new(),
            events: VecDeque::new(),
            capacity: capacity.max(1),
            handed: VecDeque::new(),
            unacked: VecDeque::new(),
            collided: None,
            published: BTreeSet::new(),
        }
    }

    /// Queues an event; returns true when the queue was full and the oldest was dropped.
    fn push_event(&mut self, payload: Vec<u8>) -> bool {
        let dropped = self.events.len() >= self.capacity && self.events.pop_front().is_some();
        self.events.push_back(payload);
        dropped
    }

    /// rumqttc wrote a publish with this packet id.
    fn written(&mut self, pkid: u16) {
        let sent = match self.collided.take() {
            Some((id, sent)) if id == pkid => sent,
            other => {
                self.collided = other;
                match self.handed.pop_front() {
                    Some(sent) => sent,
                    None => return,
                }
            }
        };
        self.unacked.push_back((pkid, sent));
    }

    /// rumqttc holds the next publish back until `pkid` is acknowledged.
    fn collided(&mut self, pkid: u16) {
        if let Some(sent) = self.handed.pop_front() {
            self.collided = Some((pkid, sent));
        }
    }

    /// The broker acknowledged `pkid`; returns whether it was one of ours.
    fn acked(&mut self, pkid: u16) -> bool {
        match self.unacked.iter().position(|(id, _)| *id == pkid) {
            Some(i) => {
                self.unacked.remove(i);
                true
            }
            None => false,
        }
    }

    /// The connection is gone, and with a clean session rumqttc forgets what it had not
    /// delivered: those events go back to the front of the queue, in their order. Returns
    /// how many of the oldest were dropped to stay within capacity.
    fn connection_lost(&mut self) -> u64 {
        let undelivered: Vec<Vec<u8>> = self
            .unacked
            .drain(..)
            .map(|(_, s)| s)
            .chain(self.collided.take().map(|(_, s)| s))
            .chain(self.handed.drain(..))
            .filter_map(|s| match s {
                Sent::Event(p) => Some(p),
                Sent::State => None,
            })
            .collect();
        for p in undelivered.into_iter().rev() {
            self.events.push_front(p);
        }
        self.published.clear();
        let mut dropped = 0;
        while self.events.len() > self.capacity {
            self.events.pop_front();
            dropped += 1;
        }
        dropped
    }

    /// Events not yet acknowledged by the broker, queued or in flight.
    fn undelivered_events(&self) -> usize {
        let in_flight = self
            .unacked
            .iter()
            .map(|(_, s)| s)
            .chain(self.collided.iter().map(|(_, s)| s))
            .chain(self.handed.iter())
            .filter(|s| matches!(s, Sent::Event(_)))
            .count();
        self.events.len() + in_flight
    }

    /// Makes due the state of every alarm the book has and this connection has not
    /// published, and of every published alarm the book no longer has (to remove its topic).
    fn census(&mut self, book: &AlarmBook) {
        let new: Vec<AlarmKey> = book
            .alarms()
            .map(|a| &a.key)
            .filter(|k| !self.published.contains(*k))
            .cloned()
            .collect();
        let gone: Vec<AlarmKey> = self
            .published
            .iter()
            .filter(|k| book.get(&k.rule, &k.equipment).is_none())
            .cloned()
            .collect();
        self.states.extend(new);
        self.states.extend(gone);
    }

    fn nothing_to_send(&self) -> bool {
        self.states.is_empty() && self.events.is_empty()
    }
}

/// The publishing task's state.
struct Publisher {
    site: String,
    topics: Topics,
    alarms: Alarms,
    feed: broadcast::Receiver<Transition>,
    metrics: Arc<Metrics>,
    outbox: Outbox,
}

impl Publisher {
    async fn run(mut self, opts: MqttOptions, shutdown: Shutdown) {
        let (client, mut eventloop) = AsyncClient::new(opts, CLIENT_QUEUE);
        let mut connected = false;
        let mut failures: u32 = 0;
        let mut retry_at: Option<Instant> = None;
        let mut feed_open = true;
        let mut census = tokio::time::interval(CENSUS_EVERY);
        census.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                r = self.feed.recv(), if feed_open => match r {
                    Ok(t) => self.on_transition(&t),
                    Err(RecvError::Lagged(n)) => {
                        self.metrics.sink_mqtt_dropped.add(n);
                        tracing::warn!("fell {n} alarm transitions behind; their events are lost, every alarm's state is republished");
                        self.all_states_due();
                    }
                    Err(RecvError::Closed) => feed_open = false,
                },
                ev = eventloop.poll(), if retry_at.is_none() => match ev {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        if failures > 0 {
                            tracing::info!("broker reachable again; republishing every alarm's state");
                        } else {
                            tracing::info!("connected; publishing every alarm's state");
                        }
                        connected = true;
                        failures = 0;
                        self.all_states_due();
                    }
                    Ok(ev) => self.track(&ev),
                    Err(e) => {
                        let dropped = self.outbox.connection_lost();
                        self.metrics.sink_mqtt_dropped.add(dropped);
                        if failures == 0 {
                            tracing::warn!("broker unreachable, alarm messages wait in the queue: {e}");
                        }
                        connected = false;
                        failures = failures.saturating_add(1);
                        self.metrics.sink_mqtt_connection_errors.inc();
                        retry_at = Some(Instant::now() + reconnect_delay(failures));
                    }
                },
                _ = tokio::time::sleep_until(retry_at.unwrap_or_else(Instant::now)), if retry_at.is_some() => {
                    retry_at = None;
                }
                _ = census.tick(), if connected => self.outbox.census(&self.alarms.book()),
            }
            if connected {
                self.flush(&client);
            }
        }
        if connected {
            self.disconnect(&client, &mut eventloop).await;
        }
        let left = self.outbox.undelivered_events();
        if left > 0 {
            tracing::warn!("{left} alarm events were not delivered before shutdown (they are in the journal)");
        }
    }

    /// Follows our publishes from the client to the broker's acknowledgement.
    fn track(&mut self, ev: &Event) {
        match ev {
            Event::Outgoing(Outgoing::Publish(pkid)) => self.outbox.written(*pkid),
            Event::Outgoing(Outgoing::AwaitAck(pkid)) => self.outbox.collided(*pkid),
            Event::Incoming(Packet::PubAck(ack)) => {
                let ours = self.outbox.acked(ack.pkid);
                if ours {
                    self.metrics.sink_mqtt_published.inc();
                }
            }
            _ => {}
        }
    }

    fn on_transition(&mut self, t: &Transition) {
        match serde_json::to_vec(&EventMessage::new(&self.site, t)) {
            Ok(p) => {
                if self.outbox.push_event(p) {
                    self.metrics.sink_mqtt_dropped.inc();
                }
            }
            Err(e) => {
                tracing::error!(rule = %t.key.rule, equipment = %t.key.equipment, "cannot encode an alarm event: {e}")
            }
        }
        let touched = if t.key.rule == EQUIPMENT_LEVEL {
            states_touched(t, Some(&*self.alarms.book()))
        } else {
            states_touched(t, None)
        };
        self.outbox.states.extend(touched);
    }

    fn all_states_due(&mut self) {
        let keys: Vec<AlarmKey> = self.alarms.book().alarms().map(|a| a.key.clone()).collect();
        self.outbox.states.extend(keys);
    }

    /// Hands due messages to the client until its queue is full. States go first: they are
    /// what a subscriber connecting now will see.
    fn flush(&mut self, client: &AsyncClient) {
        while !self.outbox.states.is_empty() {
            // A batch at a time, so the book is locked briefly and a state rendered only when
            // it can be sent.
            let batch: Vec<AlarmKey> = std::iter::from_fn(|| self.outbox.states.pop_first())
                .take(CLIENT_QUEUE)
                .collect();
            type Rendered = Option<Result<Vec<u8>, serde_json::Error>>;
            let rendered: Vec<(AlarmKey, Rendered)> = {
                let book = self.alarms.book();
                batch
                    .into_iter()
                    .map(|k| {
                        let payload = book.get(&k.rule, &k.equipment).map(|a| {
                            let state = book.state(&k.rule, &k.equipment).unwrap_or(a.state(false));
                            serde_json::to_vec(&StateMessage::new(&self.site, a, state))
                        });
                        (k, payload)
                    })
                    .collect()
            };
            let mut rest = rendered.into_iter();
            while let Some((key, payload)) = rest.next() {
                // An alarm the book no longer holds: an empty retained message removes its topic.
                let removed = payload.is_none();
                let payload = match payload {
                    None => Vec::new(),
                    Some(Ok(p)) => p,
                    Some(Err(e)) => {
                        tracing::error!(alarm = %key, "cannot encode the alarm state: {e}");
                        continue;
                    }
                };
                if payload.len() > MAX_PAYLOAD {
                    self.metrics.sink_mqtt_dropped.inc();
                    tracing::error!(alarm = %key, "alarm state of {} bytes is too large to publish", payload.len());
                    continue;
                }
                let topic = self.topics.state(&key);
                if client.try_publish(topic, QoS::AtLeastOnce, true, payload).is_err() {
                    // The client's queue is full: these wait for the next round, rendered afresh.
                    self.outbox.states.insert(key);
                    self.outbox.states.extend(rest.map(|(k, _)| k));
                    return;
                }
                self.outbox.handed.push_back(Sent::State);
                if removed {
                    self.outbox.published.remove(&key);
                } else {
                    self.outbox.published.insert(key);
                }
            }
        }
        while let Some(p) = self.outbox.events.pop_front() {
            if client
                .try_publish(self.topics.events(), QoS::AtLeastOnce, false, p.clone())
                .is_err()
            {
                self.outbox.events.push_front(p);
                return;
            }
            self.outbox.handed.push_back(Sent::Event(p));
        }
    }

    /// Sends what is due, then a DISCONNECT, within [`DISCONNECT_GRACE`].
    async fn disconnect(&mut self, client: &AsyncClient, eventloop: &mut EventLoop) {
        let mut asked = false;
        let drain = async {
            loop {
                if !asked {
                    self.flush(client);
                    asked = self.outbox.nothing_to_send() && client.try_disconnect().is_ok();
                }
                match eventloop.poll().await {
                    Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(_) => return,
                    Ok(ev) => self.track(&ev),
                }
            }
        };
        if tokio::time::timeout(DISCONNECT_GRACE, drain).await.is_err() {
            tracing::warn!("the broker did not take the last alarm messages within {DISCONNECT_GRACE:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::alarm::TransitionKind;
    use crate::rules::outcome::{Condition, Finding, RuleOutcome};

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
    }

    fn key(rule: &str, equipment: &str) -> AlarmKey {
        AlarmKey {
            rule: rule.into(),
            equipment: equipment.into(),
        }
    }

    fn active(rule: &str, eq: &str) -> RuleOutcome {
        RuleOutcome {
            rule: rule.into(),
            equipment: eq.into(),
            condition: Condition::Active(Finding {
                severity: Severity::Warning,
                message: Text::new("1号发电机不在自动", "Generator 1 not in AUTO"),
                diagnosis: Some(Text::new("选择开关在手动", "selector at MANUAL")),
                action: Text::new("置于自动", "put it back to AUTO"),
            }),
        }
    }

    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn state_topics_name_equipment_then_rule_under_the_prefix() {
        let topics = Topics::new("facmon/demo-plaza");
        assert_eq!(
            topics.state(&key("PWR-04", "gen-1")),
            "facmon/demo-plaza/alarms/gen-1/PWR-04"
        );
        assert_eq!(topics.events(), "facmon/demo-plaza/events");
    }

    #[test]
    fn a_raised_alarm_is_published_unacknowledged_with_its_text_in_both_languages_and_ms_times() {
        let mut book = AlarmBook::new();
        book.apply(&[active("PWR-04", "gen-1")], t(0));
        let a = book.get("PWR-04", "gen-1").unwrap();
        let state = book.state("PWR-04", "gen-1").unwrap();
        let v = json(&serde_json::to_vec(&StateMessage::new("demo-plaza", a, state)).unwrap());
        assert_eq!(v["site"], "demo-plaza");
        assert_eq!(v["rule"], "PWR-04");
        assert_eq!(v["equipment"], "gen-1");
        assert_eq!(v["state"], "unacknowledged");
        assert_eq!(v["active"], true);
        assert_eq!(v["acknowledged"], false);
        assert_eq!(v["severity"], "warning");
        assert_eq!(v["message"]["en"], "Generator 1 not in AUTO");
        assert_eq!(v["message"]["zh"], "1号发电机不在自动");
        assert_eq!(v["diagnosis"]["en"], "selector at MANUAL");
        assert_eq!(v["action"]["zh"], "置于自动");
        assert_eq!(v["raised_at_ms"], 1_800_000_000_000u64);
        assert_eq!(v["cleared_at_ms"], Value::Null);
        assert_eq!(v["shelved"], Value::Null);
        assert_eq!(v["unknown"], Value::Null);
    }

    #[test]
    fn a_shelved_alarm_says_until_when_and_by_whom() {
        let mut book = AlarmBook::new();
        book.apply(&[active("PWR-04", "gen-1")], t(0));
        book.shelve("PWR-04", "gen-1", Duration::from_secs(600), "test run", "王工", t(10))
            .unwrap();
        let a = book.get("PWR-04", "gen-1").unwrap();
        let v = json(&serde_json::to_vec(&StateMessage::new("s", a, book.state("PWR-04", "gen-1").unwrap())).unwrap());
        assert_eq!(v["state"], "shelved");
        assert_eq!(v["shelved"]["until_ms"], 1_800_000_610_000u64);
        assert_eq!(v["shelved"]["by"], "王工");
        assert_eq!(v["shelved"]["reason"], "test run");
    }

    #[test]
    fn an_event_carries_its_kind_and_the_kind_fields_with_times_in_ms() {
        let tr = Transition {
            at: t(5),
            key: key("PWR-04", "gen-1"),
            kind: TransitionKind::Shelved {
                until: t(605),
                reason: "test run".into(),
            },
            actor: "王工".into(),
            severity: Some(Severity::Warning),
            announce: false,
            incident: Some(3),
        };
        let v = json(&serde_json::to_vec(&EventMessage::new("demo-plaza", &tr)).unwrap());
        assert_eq!(v["site"], "demo-plaza");
        assert_eq!(v["kind"], "shelved");
        assert_eq!(v["at_ms"], 1_800_000_005_000u64);
        assert_eq!(v["detail"]["until"], 1_800_000_605_000u64);
        assert_eq!(v["detail"]["reason"], "test run");
        assert_eq!(v["actor"], "王工");
        assert_eq!(v["severity"], "warning");
        assert_eq!(v["announce"], false);
        assert_eq!(v["incident"], 3);

        let raised = Transition {
            kind: TransitionKind::Raised,
            ..tr
        };
        let v = json(&serde_json::to_vec(&EventMessage::new("demo-plaza", &raised)).unwrap());
        assert_eq!(v["kind"], "raised");
        assert_eq!(v["detail"], serde_json::json!({}));
    }

    #[test]
    fn an_equipment_level_transition_republishes_that_equipments_alarms_and_has_no_state_of_its_own() {
        let mut book = AlarmBook::new();
        book.apply(
            &[
                active("PWR-04", "gen-1"),
                active("PWR-10", "gen-1"),
                active("PWR-04", "gen-2"),
            ],
            t(0),
        );
        let tr = book.set_out_of_service("gen-1", "李工", "monthly test run", None, t(1));
        assert_eq!(tr.key.rule, EQUIPMENT_LEVEL);
        let mut touched = states_touched(&tr, Some(&book));
        touched.sort();
        assert_eq!(touched, vec![key("PWR-04", "gen-1"), key("PWR-10", "gen-1")]);

        let own = Transition {
            key: key("PWR-04", "gen-2"),
            ..tr
        };
        assert_eq!(states_touched(&own, None), vec![key("PWR-04", "gen-2")]);
    }

    #[test]
    fn a_full_event_queue_drops_the_oldest_and_says_so() {
        let mut o = Outbox::new(2);
        assert!(!o.push_event(b"1".to_vec()));
        assert!(!o.push_event(b"2".to_vec()));
        assert!(o.push_event(b"3".to_vec()));
        assert_eq!(o.events, [b"2".to_vec(), b"3".to_vec()]);
        o.states.insert(key("PWR-04", "gen-1"));
        o.states.insert(key("PWR-04", "gen-1"));
        assert_eq!(o.states.len(), 1, "one due state per alarm, however often it changed");
    }

    #[test]
    fn events_the_broker_did_not_acknowledge_are_sent_again_in_order_after_a_lost_connection() {
        let mut o = Outbox::new(10);
        for p in ["e1", "e2", "e3", "e4"] {
            o.push_event(p.as_bytes().to_vec());
        }
        // Handed over: a state, then e1..e3; e4 still queued.
        o.handed.push_back(Sent::State);
        for _ in 0..3 {
            let p = o.events.pop_front().unwrap();
            o.handed.push_back(Sent::Event(p));
        }
        o.written(1); // the state
        o.written(2); // e1
        o.written(3); // e2; e3 not yet written
        assert!(o.acked(1) && o.acked(2), "state and e1 delivered");
        assert!(!o.acked(99), "not ours");
        assert_eq!(o.undelivered_events(), 3);
        assert_eq!(o.connection_lost(), 0);
        assert_eq!(o.events, [b"e2".to_vec(), b"e3".to_vec(), b"e4".to_vec()]);
        assert!(o.handed.is_empty() && o.unacked.is_empty());
    }

    #[test]
    fn a_publish_held_back_on_a_packet_id_collision_is_followed_to_its_ack() {
        let mut o = Outbox::new(10);
        o.handed.push_back(Sent::Event(b"e1".to_vec()));
        o.handed.push_back(Sent::Event(b"e2".to_vec()));
        o.written(1);
        o.collided(1); // e2 waits for id 1
        assert!(o.acked(1));
        o.written(1); // e2 goes out with id 1
        assert_eq!(o.unacked, [(1, Sent::Event(b"e2".to_vec()))]);
        assert!(o.acked(1));
        assert_eq!(o.undelivered_events(), 0);
    }

    #[test]
    fn requeued_events_beyond_capacity_drop_the_oldest_and_count_them() {
        let mut o = Outbox::new(2);
        o.handed.push_back(Sent::Event(b"e1".to_vec()));
        o.handed.push_back(Sent::Event(b"e2".to_vec()));
        o.push_event(b"e3".to_vec());
        assert_eq!(o.connection_lost(), 1);
        assert_eq!(o.events, [b"e2".to_vec(), b"e3".to_vec()]);
    }

    #[test]
    fn the_census_finds_alarms_never_published_on_this_connection_and_ones_the_book_dropped() {
        let mut book = AlarmBook::new();
        book.apply(&[active("PWR-04", "gen-1"), active("PWR-10", "gen-1")], t(0));
        let mut o = Outbox::new(10);
        o.published.insert(key("PWR-04", "gen-1"));
        o.published.insert(key("PWR-04", "gen-9"));
        o.census(&book);
        assert_eq!(
            o.states.iter().cloned().collect::<Vec<_>>(),
            vec![key("PWR-04", "gen-9"), key("PWR-10", "gen-1")]
        );
        o.handed.push_back(Sent::State);
        o.connection_lost();
        assert!(o.published.is_empty(), "a new connection publishes everything again");
    }

    #[test]
    fn serde_times_anywhere_in_a_detail_become_unix_ms() {
        let mut v = serde_json::json!({
            "until": t(1),
            "list": [t(2)],
            "other": {"secs_since_epoch": 1}
        });
        times_to_ms(&mut v);
        assert_eq!(v["until"], 1_800_000_001_000u64);
        assert_eq!(v["list"][0], 1_800_000_002_000u64);
        assert_eq!(v["other"]["secs_since_epoch"], 1);
    }
}
