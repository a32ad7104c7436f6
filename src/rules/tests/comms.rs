//! COM-01.

use super::{site, Bench};
use crate::point::Quality;
use crate::rules::*;
use crate::sources::DeviceStatus;

fn status(id: &str, kind: &'static str, online: Option<bool>, failures: u32) -> DeviceStatus {
    DeviceStatus {
        id: id.into(),
        kind,
        online,
        since: None,
        last_ok: None,
        last_error: (failures > 0).then(|| "no answer within 500 ms".to_string()),
        consecutive_failures: failures,
        polls_ok: 0,
        polls_failed: failures as u64,
    }
}

/// A generator on Modbus device `ctl` and a leak sensor on an MQTT broker.
fn mixed() -> Bench {
    let mut text = site(&[("gen-1", "generator", &["running", "fuel_level_pct"], "")]);
    text.push_str(
        "[[mqtt_brokers]]\nid = \"site-broker\"\nurl = \"mqtt://127.0.0.1:1883\"\n\n\
         [[equipment]]\nid = \"leak-1\"\nbuilding = \"b\"\nkind = \"leak_sensor\"\n\
         [equipment.points.wet]\nbroker = \"site-broker\"\ntopic = \"site/leak/1\"\nstale_after_s = 30\n",
    );
    let mut b = Bench::new(&text);
    b.set("gen-1.running", false)
        .set("gen-1.fuel_level_pct", 80.0)
        .set("leak-1.wet", false);
    b.devices = vec![
        status("ctl", "modbus", Some(true), 0),
        status("mqtt:site-broker", "mqtt_broker", Some(true), 0),
    ];
    b.eval();
    b
}

#[test]
fn com_01_raises_major_after_3_failed_polls_and_names_the_dependent_equipment() {
    let mut b = mixed();
    assert!(b.normal(COM_01, "ctl"));
    b.devices[0] = status("ctl", "modbus", Some(false), 2);
    b.eval();
    assert!(b.normal(COM_01, "ctl"), "two misses are not yet a lost device");
    b.devices[0] = status("ctl", "modbus", Some(false), 3);
    b.eval();
    let f = b.finding(COM_01, "ctl");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.message.en, "Device ctl not answering: 3 polls failed in a row");
    assert_eq!(f.message.zh, "设备 ctl 无响应：连续 3 次轮询失败");
    assert_eq!(
        f.diagnosis.as_ref().unwrap().en,
        "last error: no answer within 500 ms; equipment depending on it: gen-1"
    );
    assert!(f
        .action
        .en
        .starts_with("A device we cannot see is a device we cannot protect"));
}

#[test]
fn com_01_clears_when_the_device_answers_again() {
    let mut b = mixed();
    b.devices[0] = status("ctl", "modbus", Some(false), 5);
    b.eval();
    b.devices[0] = status("ctl", "modbus", Some(true), 0);
    b.eval();
    assert!(b.normal(COM_01, "ctl"));
}

#[test]
fn com_01_is_unknown_before_a_device_has_been_contacted() {
    let mut b = mixed();
    b.devices[0] = status("ctl", "modbus", None, 0);
    b.eval();
    assert_eq!(
        b.unknown(COM_01, "ctl").unwrap().0,
        "cannot evaluate COM-01: ctl not contacted yet"
    );
    b.devices.clear();
    b.eval();
    assert!(b.unknown(COM_01, "mqtt:site-broker").is_some());
}

#[test]
fn com_01_raises_for_a_broker_whose_topic_fell_silent() {
    let mut b = mixed();
    b.not_good("leak-1.wet", Quality::Stale, "no message on site/leak/1 for 30 s")
        .eval();
    let f = b.finding(COM_01, "mqtt:site-broker");
    assert_eq!(
        f.message.en,
        "mqtt:site-broker: 1 topic(s) silent: site/leak/1 (leak-1.wet)"
    );
    assert_eq!(
        f.diagnosis.as_ref().unwrap().en,
        "no message on site/leak/1 for 30 s; equipment depending on it: leak-1"
    );
    assert!(b.unknown(DRN_05, "leak-1").is_some(), "and the leak rule cannot tell");
    b.change("leak-1.wet", false);
    assert!(b.normal(COM_01, "mqtt:site-broker"));
}

#[test]
fn com_01_raises_for_an_unreachable_broker() {
    let mut b = mixed();
    b.devices[1] = status("mqtt:site-broker", "mqtt_broker", Some(false), 3);
    b.eval();
    assert_eq!(
        b.finding(COM_01, "mqtt:site-broker").message.en,
        "Broker mqtt:site-broker unreachable: 3 connection attempts failed in a row"
    );
}

#[test]
fn com_01_failures_threshold_is_set_site_wide() {
    let mut text = site(&[("gen-1", "generator", &["running"], "")]);
    text = text.replace("[[modbus_tcp]]", "[rules.COM-01]\nfailures = 5\n\n[[modbus_tcp]]");
    let mut b = Bench::new(&text);
    b.devices = vec![status("ctl", "modbus", Some(false), 4)];
    b.eval();
    assert!(b.normal(COM_01, "ctl"));
    b.devices = vec![status("ctl", "modbus", Some(false), 5)];
    b.eval();
    assert!(b.active(COM_01, "ctl"));
}
