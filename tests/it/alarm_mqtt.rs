//! Alarms on MQTT (`[alarm_mqtt]` in config/demo.toml) against a real mosquitto: retained
//! states, lifecycle events, and states republished to a restarted broker.

use std::time::Duration;

use facmon::point::Value;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::{mpsc, oneshot};

use crate::support::building::{Building, Parts};
use crate::support::wait;

const PREFIX: &str = "facmon/demo-plaza";
const PWR_04_GEN_1: &str = "facmon/demo-plaza/alarms/gen-1/PWR-04";
const EVENTS: &str = "facmon/demo-plaza/events";
const DEADLINE: Duration = Duration::from_secs(40);

/// One message as a subscriber received it.
#[derive(Debug)]
struct Msg {
    topic: String,
    retain: bool,
    json: serde_json::Value,
}

impl Msg {
    fn is_event(&self, rule: &str, equipment: &str, kind: &str) -> bool {
        self.topic == EVENTS
            && self.json["rule"] == rule
            && self.json["equipment"] == equipment
            && self.json["kind"] == kind
    }
}

type Want<'a> = (&'a str, Box<dyn Fn(&Msg) -> bool + 'a>);

/// A client subscribed to everything under the site's prefix; it re-subscribes after every
/// reconnect.
struct Subscriber {
    rx: mpsc::UnboundedReceiver<Msg>,
    task: tokio::task::JoinHandle<()>,
}

impl Subscriber {
    /// Returns once the broker has confirmed the subscription.
    async fn connect(port: u16, name: &str) -> Subscriber {
        let mut opts = MqttOptions::new(format!("it-alarms-{name}-{port}"), "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        opts.set_max_packet_size(256 * 1024, 10 * 1024);
        let (client, mut events) = AsyncClient::new(opts, 16);
        let (tx, rx) = mpsc::unbounded_channel();
        let (subscribed, confirmed) = oneshot::channel();
        let mut subscribed = Some(subscribed);
        let task = tokio::spawn(async move {
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = client.try_subscribe(format!("{PREFIX}/#"), QoS::AtLeastOnce);
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        if let Some(s) = subscribed.take() {
                            let _ = s.send(());
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let msg = Msg {
                            topic: p.topic.clone(),
                            retain: p.retain,
                            json: serde_json::from_slice(&p.payload).unwrap_or(serde_json::Value::Null),
                        };
                        if tx.send(msg).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    // Paces reconnection while the broker is down; nothing waits on it.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(10), confirmed)
            .await
            .expect("subscribed within 10 s")
            .expect("subscriber task alive");
        Subscriber { rx, task }
    }

    /// Waits until every wanted message has arrived (in any order), skipping others.
    async fn expect_each(&mut self, wants: Vec<Want<'_>>) -> Vec<Msg> {
        let mut found: Vec<Option<Msg>> = wants.iter().map(|_| None).collect();
        let mut skipped = Vec::new();
        let look = async {
            while found.iter().any(Option::is_none) {
                let Some(m) = self.rx.recv().await else { return };
                match wants
                    .iter()
                    .enumerate()
                    .position(|(i, (_, w))| found[i].is_none() && w(&m))
                {
                    Some(i) => found[i] = Some(m),
                    None => skipped.push(format!("{} {}", m.topic, m.json)),
                }
            }
        };
        let _ = tokio::time::timeout(DEADLINE, look).await;
        let missing: Vec<&str> = wants
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|((what, _), _)| *what)
            .collect();
        assert!(
            missing.is_empty(),
            "not received within {DEADLINE:?}: {missing:?}; received instead:\n{}",
            skipped.join("\n")
        );
        found.into_iter().flatten().collect()
    }

    async fn expect<'a>(&mut self, what: &'a str, want: impl Fn(&Msg) -> bool + 'a) -> Msg {
        let mut got = self.expect_each(vec![(what, Box::new(want))]).await;
        got.remove(0)
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn alarm_states_are_retained_and_every_lifecycle_event_is_published_on_mqtt() {
    let b = Building::start(Parts {
        tcp: true,
        mqtt: true,
        ..Default::default()
    })
    .await;
    let port = b.broker.as_ref().expect("broker").port;
    let mut live = Subscriber::connect(port, "live").await;
    wait::value(&b.daemon.store, "gen-1", "running", Value::Bool(false)).await;

    // PWR-04: the generator's selector is not in AUTO while mains are healthy (2 s).
    b.command("set gen-1.mode MANUAL");
    let got = live
        .expect_each(vec![
            (
                "PWR-04 gen-1 state unacknowledged",
                Box::new(|m: &Msg| m.topic == PWR_04_GEN_1 && m.json["state"] == "unacknowledged"),
            ),
            (
                "PWR-04 gen-1 raised event",
                Box::new(|m: &Msg| m.is_event("PWR-04", "gen-1", "raised")),
            ),
        ])
        .await;
    let (state, event) = (&got[0].json, &got[1].json);
    assert_eq!(state["site"], "demo-plaza");
    assert_eq!(
        (state["active"].as_bool(), state["acknowledged"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(state["severity"], "warning", "{state}");
    assert!(
        state["message"]["zh"].as_str().is_some_and(|s| !s.is_empty()),
        "{state}"
    );
    assert!(
        state["message"]["en"].as_str().is_some_and(|s| !s.is_empty()),
        "{state}"
    );
    assert!(state["action"]["en"].as_str().is_some_and(|s| !s.is_empty()), "{state}");
    assert!(state["raised_at_ms"].as_u64().is_some(), "{state}");
    assert_eq!(event["actor"], "facmon");
    assert!(event["at_ms"].as_u64().is_some(), "{event}");

    b.daemon
        .alarms
        .operate(|book, now| book.acknowledge("PWR-04", "gen-1", "王工", Some("已到场"), now))
        .expect("acknowledged");
    let got = live
        .expect_each(vec![
            (
                "PWR-04 gen-1 state acknowledged",
                Box::new(|m: &Msg| m.topic == PWR_04_GEN_1 && m.json["state"] == "acknowledged"),
            ),
            (
                "PWR-04 gen-1 acknowledged event",
                Box::new(|m: &Msg| m.is_event("PWR-04", "gen-1", "acknowledged")),
            ),
        ])
        .await;
    assert_eq!(got[0].json["acknowledged_by"], "王工");
    assert_eq!(got[1].json["actor"], "王工");
    assert_eq!(got[1].json["detail"]["note"], "已到场");

    // A client connecting now gets the state from the broker: it is retained.
    let mut late = Subscriber::connect(port, "late").await;
    let m = late
        .expect("retained PWR-04 gen-1 state", |m| m.topic == PWR_04_GEN_1)
        .await;
    assert!(m.retain, "{m:?}");
    assert_eq!(m.json["state"], "acknowledged");

    // Out of service is an equipment-level event; it changes the state of gen-1's alarms.
    b.daemon
        .alarms
        .operate(|book, now| Ok(book.set_out_of_service("gen-1", "李工", "月度试机", None, now)))
        .expect("out of service");
    live.expect_each(vec![
        (
            "gen-1 out_of_service event",
            Box::new(|m: &Msg| m.is_event("*", "gen-1", "out_of_service") && m.json["detail"]["why"] == "月度试机"),
        ),
        (
            "PWR-04 gen-1 state out_of_service",
            Box::new(|m: &Msg| m.topic == PWR_04_GEN_1 && m.json["state"] == "out_of_service"),
        ),
    ])
    .await;
    assert!(b.daemon.metrics.sink_mqtt_published.get() >= 6);
    assert_eq!(b.daemon.metrics.sink_mqtt_dropped.get(), 0);
    b.stop().await;
}

#[tokio::test]
async fn a_restarted_broker_gets_every_alarm_state_back_including_one_raised_while_it_was_down() {
    let mut b = Building::start(Parts {
        tcp: true,
        mqtt: true,
        ..Default::default()
    })
    .await;
    let port = b.broker.as_ref().expect("broker").port;
    let mut live = Subscriber::connect(port, "live").await;
    live.expect("PWR-04 gen-1 normal", |m| {
        m.topic == PWR_04_GEN_1 && m.json["state"] == "normal"
    })
    .await;

    // Killed without persistence: the broker forgets every retained message.
    b.broker.as_mut().expect("broker").kill();
    b.command("set gen-1.mode MANUAL");
    wait::alarm(
        &b.daemon.alarms,
        "PWR-04",
        "gen-1",
        "raised while the broker is down",
        |a| a.active,
    )
    .await;
    b.broker.as_mut().expect("broker").restart().await;

    live.expect("PWR-04 gen-1 unacknowledged on the restarted broker", |m| {
        m.topic == PWR_04_GEN_1 && m.json["state"] == "unacknowledged"
    })
    .await;
    let mut late = Subscriber::connect(port, "late").await;
    let m = late
        .expect("retained PWR-04 gen-1 state", |m| m.topic == PWR_04_GEN_1)
        .await;
    assert!(m.retain, "{m:?}");
    assert_eq!(m.json["state"], "unacknowledged");
    assert!(b.daemon.metrics.sink_mqtt_connection_errors.get() > 0);
    b.stop().await;
}
