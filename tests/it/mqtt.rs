//! MQTT ingestion against a real mosquitto: values, garbage payloads, silence, broker loss.

use std::time::Duration;

use facmon::clock;
use facmon::config;
use facmon::daemon::Daemon;
use facmon::point::{Quality, Value};
use facmon::shutdown::Shutdown;

use crate::support::broker::{Mosquitto, Publisher};
use crate::support::{init_logging, wait};

const SITE: &str = r#"
[site]
id = "mqtt-test"
name = "MQTT test"

[[buildings]]
id = "main"

[[mqtt_brokers]]
id = "broker"
url = "mqtt://127.0.0.1:1"
client_id = "facmon-it"

[[equipment]]
id = "fp-1"
building = "main"
kind = "fire_panel"

[equipment.points.alarm]
broker = "broker"
topic = "t/fire-panel/fp-1/state"
json_pointer = "/alarm"

[equipment.points.fault]
broker = "broker"
topic = "t/fire-panel/+/state"
json_pointer = "/fault"

[[equipment]]
id = "leak-1"
building = "main"
kind = "leak_sensor"

[equipment.points.wet]
broker = "broker"
topic = "t/leak/leak-1"
stale_after_s = 1

[[equipment]]
id = "tank-1"
building = "main"
kind = "tank"

[equipment.points.level]
broker = "broker"
topic = "t/tank/tank-1"
json_pointer = "/level_pct"
type = "number"
"#;

fn start(port: u16) -> Daemon {
    init_logging();
    let mut plan = config::load_str("mqtt-test.toml", SITE, Some(Default::default())).expect("valid test config");
    assert!(plan.set_broker_address("broker", "127.0.0.1", port));
    Daemon::start(plan, clock::system(), Shutdown::new())
}

#[tokio::test]
async fn json_and_plain_payloads_become_good_values() {
    let broker = Mosquitto::start().await;
    let daemon = start(broker.port);
    let publisher = Publisher::connect(broker.port).await;
    publisher
        .publish("t/fire-panel/fp-1/state", br#"{"alarm":true,"fault":false}"#, true)
        .await;
    publisher
        .publish("t/tank/tank-1", br#"{"level_pct": 72.5}"#, true)
        .await;
    wait::value(&daemon.store, "fp-1", "alarm", Value::Bool(true)).await;
    wait::value(&daemon.store, "fp-1", "fault", Value::Bool(false)).await;
    wait::value(&daemon.store, "tank-1", "level", Value::Number(72.5)).await;
    daemon.stop(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_garbage_payload_makes_the_point_bad_and_a_good_one_recovers_it() {
    let broker = Mosquitto::start().await;
    let daemon = start(broker.port);
    let publisher = Publisher::connect(broker.port).await;
    publisher.publish("t/tank/tank-1", br#"{"level_pct": 40}"#, true).await;
    wait::value(&daemon.store, "tank-1", "level", Value::Number(40.0)).await;

    for garbage in [
        &b"{not json"[..],
        br#"{"level_pct":"full"}"#,
        &[0xff, 0x00, 0xfe],
        br#"{"other":1}"#,
    ] {
        publisher.publish("t/tank/tank-1", br#"{"level_pct": 40}"#, false).await;
        wait::value(&daemon.store, "tank-1", "level", Value::Number(40.0)).await;
        publisher.publish("t/tank/tank-1", garbage, false).await;
        let st = wait::quality(&daemon.store, "tank-1", "level", Quality::Bad).await;
        assert_eq!(
            st.value,
            Some(Value::Number(40.0)),
            "the last good value is kept, marked bad"
        );
        assert!(
            st.error.as_deref().unwrap_or("").contains("malformed payload"),
            "{st:?}"
        );
    }
    assert!(daemon.metrics.mqtt_payload_errors.get() >= 4);
    publisher.publish("t/tank/tank-1", br#"{"level_pct": 41}"#, false).await;
    wait::value(&daemon.store, "tank-1", "level", Value::Number(41.0)).await;
    daemon.stop(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_topic_silent_past_stale_after_goes_stale_and_recovers_on_the_next_message() {
    let broker = Mosquitto::start().await;
    let daemon = start(broker.port);
    let publisher = Publisher::connect(broker.port).await;
    publisher.publish("t/leak/leak-1", b"0", false).await;
    // The first message may race the daemon's subscription; retained ones do not.
    publisher.publish("t/leak/leak-1", b"0", true).await;
    wait::value(&daemon.store, "leak-1", "wet", Value::Bool(false)).await;
    let st = wait::quality(&daemon.store, "leak-1", "wet", Quality::Stale).await;
    assert!(st.error.as_deref().unwrap_or("").contains("no message"), "{st:?}");
    publisher.publish("t/leak/leak-1", b"1", false).await;
    wait::value(&daemon.store, "leak-1", "wet", Value::Bool(true)).await;
    daemon.stop(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn subscriptions_resume_after_the_broker_is_killed_and_restarted() {
    let mut broker = Mosquitto::start().await;
    let daemon = start(broker.port);
    {
        let publisher = Publisher::connect(broker.port).await;
        publisher
            .publish("t/fire-panel/fp-1/state", br#"{"alarm":false,"fault":false}"#, true)
            .await;
        wait::value(&daemon.store, "fp-1", "alarm", Value::Bool(false)).await;
    }
    broker.kill();
    let st = wait::quality(&daemon.store, "fp-1", "alarm", Quality::Stale).await;
    assert!(
        st.error.as_deref().unwrap_or("").contains("broker unreachable"),
        "{st:?}"
    );
    let id = facmon::sources::mqtt::broker_device_id("broker");
    assert_eq!(daemon.devices.get(&id).and_then(|d| d.online), Some(false));

    broker.restart().await;
    // The restarted broker lost its retained messages: a new alarm must still get through.
    let publisher = Publisher::connect(broker.port).await;
    publisher
        .publish("t/fire-panel/fp-1/state", br#"{"alarm":true,"fault":false}"#, true)
        .await;
    wait::value(&daemon.store, "fp-1", "alarm", Value::Bool(true)).await;
    assert_eq!(daemon.devices.get(&id).and_then(|d| d.online), Some(true));
    daemon.stop(Duration::from_secs(2)).await;
}
