//! MQTT: the message's JSON (the webhook body) published QoS 1, not retained, on
//! `<topic>/<person id>`, by one client per channel with its own client id
//! (`<broker client_id>-notify-<channel id>`).
//!
//! A send is confirmed by the broker's PUBACK: the task owning the connection matches each
//! publish to its packet id (`Outgoing::Publish(pkid)` comes in the order publishes were
//! handed over) and the PUBACK to the waiting sender. A message sent while the broker is
//! away waits for the connection until the channel's deadline. When the connection drops,
//! publishes not yet acknowledged fail with `Retry`; with a clean session rumqttc does not
//! resend them itself, so the caller's retry is the only resend (the broker may still have
//! got the first one: consumers deduplicate on `key`).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, QoS};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::{ChannelPlan, Envelope, Message, Recipient, SendError};
use crate::config::Plan;
use crate::shutdown::Shutdown;
use crate::sources::mqtt::{options, reconnect_delay};

/// A payload larger than this is refused: rumqttc would drop the connection over it.
const MAX_PAYLOAD: usize = 64 * 1024;
/// Sends queued in this channel's task while the broker is away; more wait in `send`.
const QUEUE: usize = 256;
/// How long shutdown waits for the DISCONNECT to go out.
const DISCONNECT_GRACE: Duration = Duration::from_secs(1);

type Done = oneshot::Sender<Result<(), SendError>>;

struct Job {
    topic: String,
    payload: Vec<u8>,
    done: Done,
}

pub(super) struct Mqtt {
    jobs: mpsc::Sender<Job>,
    topic: String,
    timeout: Duration,
}

impl Mqtt {
    pub(super) fn start(
        plan: &Plan,
        ch: &ChannelPlan,
        broker: usize,
        topic: &str,
        shutdown: &Shutdown,
        tasks: &mut JoinSet<()>,
    ) -> Result<Mqtt, String> {
        let b = &plan.brokers[broker];
        let mut opts = options(b, &format!("{}-notify-{}", b.client_id, ch.id)).map_err(|e| e.to_string())?;
        opts.set_clean_session(true);
        opts.set_max_packet_size(10 * 1024, MAX_PAYLOAD + 1024);
        let (jobs, rx) = mpsc::channel(QUEUE);
        let span = tracing::info_span!("notify_mqtt", channel = %ch.id, broker = %b.id);
        tasks.spawn(run(opts, rx, shutdown.clone()).instrument(span));
        Ok(Mqtt {
            jobs,
            topic: topic.to_string(),
            timeout: ch.timeout,
        })
    }

    pub(super) async fn send(&self, to: &Recipient, msg: &Message, now_ms: u64) -> Result<(), SendError> {
        if to.id.is_empty() || to.id.contains(['/', '+', '#', '\0']) {
            return Err(SendError::Refused(format!(
                "person id \"{}\" cannot be a topic level",
                to.id
            )));
        }
        let payload = Envelope::new(to, msg, now_ms).to_vec();
        if payload.len() > MAX_PAYLOAD {
            return Err(SendError::Refused(format!(
                "message of {} bytes is too large for MQTT",
                payload.len()
            )));
        }
        let (done, confirmed) = oneshot::channel();
        let job = Job {
            topic: format!("{}/{}", self.topic, to.id),
            payload,
            done,
        };
        let wait = async {
            self.jobs
                .send(job)
                .await
                .map_err(|_| SendError::Retry("the MQTT channel has stopped".into()))?;
            confirmed
                .await
                .unwrap_or_else(|_| Err(SendError::Retry("the MQTT channel has stopped".into())))
        };
        tokio::time::timeout(self.timeout, wait)
            .await
            .unwrap_or_else(|_| Err(SendError::Retry("no PUBACK from the broker in time".into())))
    }
}

/// Owns the connection: publishes what senders hand over once connected, and answers each
/// sender when its PUBACK arrives or the connection drops.
async fn run(opts: MqttOptions, mut jobs: mpsc::Receiver<Job>, shutdown: Shutdown) {
    let (client, mut events) = AsyncClient::new(opts, QUEUE);
    let mut connected = false;
    let mut waiting: VecDeque<Job> = VecDeque::new();
    let mut written: VecDeque<Done> = VecDeque::new();
    let mut inflight: HashMap<u16, Done> = HashMap::new();
    let mut failures: u32 = 0;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            job = jobs.recv(), if waiting.len() < QUEUE => match job {
                Some(job) => waiting.push_back(job),
                None => break,
            },
            ev = events.poll() => match ev {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    if failures > 0 {
                        tracing::info!("connected to the broker again");
                    }
                    connected = true;
                    failures = 0;
                }
                Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                    if let Some(done) = written.pop_front() {
                        inflight.insert(pkid, done);
                    }
                }
                Ok(Event::Incoming(Packet::PubAck(ack))) => {
                    if let Some(done) = inflight.remove(&ack.pkid) {
                        let _ = done.send(Ok(()));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let why = format!("lost the connection to the MQTT broker: {e}");
                    if connected || failures == 0 {
                        tracing::warn!("{why}");
                    }
                    connected = false;
                    fail(written.drain(..).chain(inflight.drain().map(|(_, d)| d)), &why);
                    failures = failures.saturating_add(1);
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(reconnect_delay(failures)) => {}
                    }
                }
            },
        }
        if connected {
            hand_over(&client, &mut waiting, &mut written);
        }
    }
    let why = "facmon is shutting down";
    fail(written.drain(..).chain(inflight.drain().map(|(_, d)| d)), why);
    fail(waiting.drain(..).map(|j| j.done), why);
    disconnect(&client, &mut events, connected).await;
}

/// Hands waiting publishes to the client, skipping those whose sender gave up.
fn hand_over(client: &AsyncClient, waiting: &mut VecDeque<Job>, written: &mut VecDeque<Done>) {
    while let Some(job) = waiting.pop_front() {
        if job.done.is_closed() {
            continue;
        }
        match client.try_publish(job.topic, QoS::AtLeastOnce, false, job.payload) {
            Ok(()) => written.push_back(job.done),
            Err(e) => {
                let _ = job.done.send(Err(SendError::Retry(format!("MQTT client queue: {e}"))));
            }
        }
    }
}

fn fail(waiters: impl Iterator<Item = Done>, why: &str) {
    for done in waiters {
        let _ = done.send(Err(SendError::Retry(why.to_string())));
    }
}

async fn disconnect(client: &AsyncClient, events: &mut EventLoop, connected: bool) {
    if !connected || client.try_disconnect().is_err() {
        return;
    }
    let _ = tokio::time::timeout(DISCONNECT_GRACE, async {
        while let Ok(ev) = events.poll().await {
            if matches!(ev, Event::Outgoing(Outgoing::Disconnect)) {
                break;
            }
        }
    })
    .await;
}
