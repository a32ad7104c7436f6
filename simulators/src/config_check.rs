//! Checks `config/demo.toml` (facmon's config for the demo building) against
//! the simulator: every device and unit, every Modbus point's table, address,
//! type, word order, scale and enum, every MQTT topic — and that every value
//! the simulator offers is read, except the few extras listed below.

use std::collections::BTreeSet;

use toml::Value;

use crate::devices::{self, Transport};
use crate::modbus::map::{self, Encoding, Table};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/demo.toml");

/// Registers the simulator offers that facmon has no role for.
const NOT_IN_CONFIG: &[(&str, &str)] = &[
    ("gen-1", "status_word"),
    ("ats-1", "generator_available"),
    ("ats-1", "start_signal"),
    ("ats-1", "mains_voltage"),
    ("ats-1", "generator_voltage"),
    ("feed-1", "voltage"),
    ("feed-2", "voltage"),
    ("booster-set", "setpoint"),
    ("tank-1", "level_m"),
    ("room-control", "supply_voltage"),
    ("room-lift", "supply_voltage"),
];

fn config() -> Value {
    let text = std::fs::read_to_string(CONFIG).expect("config/demo.toml is readable");
    toml::from_str(&text).expect("config/demo.toml is TOML")
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn table(name: &str) -> Table {
    Table::ALL
        .into_iter()
        .find(|t| t.config_name() == name)
        .unwrap_or_else(|| panic!("unknown table {name}"))
}

#[test]
fn the_demo_config_lists_every_modbus_device_with_its_unit() {
    let cfg = config();
    for (section, transport) in [
        ("modbus_tcp", Transport::ModbusTcp),
        ("modbus_rtu", Transport::ModbusRtu),
    ] {
        let conns = cfg[section].as_array().unwrap();
        assert_eq!(conns.len(), 1, "{section}");
        let listed: Vec<(String, i64)> = conns[0]["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (str_of(d, "id").unwrap().to_owned(), d["unit"].as_integer().unwrap()))
            .collect();
        let expected: Vec<(String, i64)> = devices::DEVICES
            .iter()
            .filter(|d| d.transport == transport)
            .map(|d| (d.id.to_owned(), i64::from(d.unit)))
            .collect();
        assert_eq!(listed, expected, "{section}");
    }
    assert_eq!(cfg["modbus_tcp"][0]["port"].as_integer(), Some(5020));
    assert_eq!(cfg["mqtt_brokers"][0]["url"].as_str(), Some("mqtt://127.0.0.1:1883"));
}

#[test]
fn every_point_in_the_demo_config_matches_the_simulator() {
    let cfg = config();
    let mut bound: BTreeSet<(String, String)> = BTreeSet::new();
    for eq in cfg["equipment"].as_array().unwrap() {
        let id = str_of(eq, "id").unwrap();
        assert_eq!(str_of(eq, "building"), Some("tower-a"));
        for (role, p) in eq["points"].as_table().unwrap() {
            let at = format!("{id}.{role}");
            if let Some(device) = str_of(p, "device") {
                let points = map::points(device);
                let t = table(str_of(p, "table").unwrap());
                let address = u16::try_from(p["address"].as_integer().unwrap()).unwrap();
                let sim = points
                    .iter()
                    .find(|s| s.table == t && s.address == address)
                    .unwrap_or_else(|| panic!("{at}: nothing at {device} {t:?} {address}"));
                let ty = str_of(p, "type").unwrap_or(if t.is_bits() { "bool" } else { "u16" });
                if ty == "bit" {
                    let Encoding::Flags(flags) = sim.encoding else {
                        panic!("{at}: {} is not a status word", sim.name);
                    };
                    let bit = u8::try_from(p["bit"].as_integer().unwrap()).unwrap();
                    let flag = flags.iter().find(|(b, _)| *b == bit).map(|(_, n)| *n);
                    assert_eq!(flag, Some(role.as_str()), "{at}: bit {bit}");
                    bound.insert((id.to_owned(), role.clone()));
                    continue;
                }
                assert_eq!(sim.equipment, id, "{at}");
                assert_eq!(sim.name, role, "{at}");
                assert_eq!(ty, sim.encoding.type_name(), "{at}: type");
                let order = str_of(p, "word_order").unwrap_or("ABCD");
                let scale = p.get("scale").and_then(Value::as_float).unwrap_or(1.0);
                match sim.encoding {
                    Encoding::U32 { order: o, scale: s } => {
                        assert_eq!(order, o.name(), "{at}: word order");
                        assert_eq!(scale, s, "{at}: scale");
                    }
                    Encoding::F32 { order: o } => assert_eq!(order, o.name(), "{at}: word order"),
                    Encoding::U16 { scale: s } | Encoding::I16 { scale: s } => {
                        assert_eq!(scale, s, "{at}: scale");
                    }
                    Encoding::Enum(codes) => {
                        let listed: Vec<(u16, String)> = p["enum"]
                            .as_table()
                            .unwrap()
                            .iter()
                            .map(|(k, v)| (k.parse().unwrap(), v.as_str().unwrap().to_owned()))
                            .collect();
                        let expected: Vec<(u16, String)> = codes.iter().map(|(c, n)| (*c, (*n).to_owned())).collect();
                        assert_eq!(listed, expected, "{at}: enum");
                    }
                    Encoding::Bool | Encoding::Flags(_) => {}
                }
                if !sim.unit.is_empty() {
                    assert_eq!(str_of(p, "unit"), Some(sim.unit), "{at}: unit");
                }
                bound.insert((id.to_owned(), role.clone()));
            } else {
                let topic = str_of(p, "topic").unwrap();
                assert_eq!(str_of(p, "broker"), Some("site-broker"), "{at}");
                assert_eq!(topic, crate::mqtt::topic(id), "{at}: topic");
                assert_eq!(p["stale_after_s"].as_integer(), Some(30), "{at}");
                if id == "fire-panel-1" {
                    assert_eq!(str_of(p, "json_pointer"), Some(format!("/{role}").as_str()), "{at}");
                }
            }
        }
    }
    for device in devices::DEVICES {
        for p in map::points(device.id) {
            let key = (p.equipment.to_owned(), p.name.to_owned());
            if !NOT_IN_CONFIG.contains(&(p.equipment, p.name)) {
                assert!(
                    bound.contains(&key),
                    "{}.{} is not read by config/demo.toml",
                    p.equipment,
                    p.name
                );
            }
        }
    }
}
