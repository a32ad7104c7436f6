//! Resolving one point binding: source, address, decoder, conversion — and checking that
//! the result can serve the role it is bound to.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::error::Issues;
use super::kinds::{RoleSpec, RoleValue};
use super::plan::{Device, ModbusPoint, MqttPoint, Names, PayloadKind, PointDef, PointSource};
use super::raw::RawPoint;
use crate::point::decode::{Conversion, Decoder, Number, Table, WordOrder};
use crate::point::PointKey;

const TYPES: &str = "bool, u16, i16, u32, i32, u64, i64, f32, f64, bit, string";

pub(super) fn resolve(
    at: &str,
    key: PointKey,
    equipment: usize,
    role: &RoleSpec,
    p: &RawPoint,
    names: &Names,
    issues: &mut Issues,
) -> Option<PointDef> {
    let before = issues.0.len();
    let conversion = conversion(at, &key, p, issues);
    let source = match (&p.device, &p.broker) {
        (Some(_), Some(_)) => {
            issues.push(
                at,
                format!("{key}: both device and broker are set"),
                "a point is read either from a Modbus device or from an MQTT topic: keep one",
            );
            return None;
        }
        (None, None) => {
            issues.push(
                at,
                format!("{key}: no source"),
                "set device = \"...\" (Modbus) or broker = \"...\" + topic (MQTT)",
            );
            return None;
        }
        (Some(dev), None) => PointSource::Modbus(modbus(at, &key, dev, p, conversion, names, issues)?),
        (None, Some(broker)) => PointSource::Mqtt(mqtt(at, &key, broker, role, p, conversion, names, issues)?),
    };
    check_role(at, &key, role, &source, issues);
    (issues.0.len() == before).then(|| PointDef {
        key,
        equipment,
        unit: p.unit.clone(),
        source,
    })
}

fn conversion(at: &str, key: &PointKey, p: &RawPoint, issues: &mut Issues) -> Conversion {
    let enum_map = p.enum_map.as_ref().map(|m| {
        let mut out = BTreeMap::new();
        for (code, label) in m {
            match code.trim().parse::<i64>() {
                Ok(c) => {
                    out.insert(c, Arc::<str>::from(label.as_str()));
                }
                Err(_) => issues.push(
                    format!("{at}.enum.{code}"),
                    format!("{key}: enum code \"{code}\" is not an integer"),
                    "write codes as integers: enum = { 0 = \"STOP\", 2 = \"AUTO\" }",
                ),
            }
        }
        Arc::new(out)
    });
    if p.scale == Some(0.0) {
        issues.push(
            format!("{at}.scale"),
            format!("{key}: scale 0 makes every reading 0"),
            "remove scale or give the real factor, e.g. 0.1",
        );
    }
    Conversion {
        scale: p.scale,
        offset: p.offset,
        enum_map,
        invert: p.invert.unwrap_or(false),
    }
}

#[allow(clippy::too_many_arguments)]
fn modbus(
    at: &str,
    key: &PointKey,
    dev: &str,
    p: &RawPoint,
    conversion: Conversion,
    names: &Names,
    issues: &mut Issues,
) -> Option<ModbusPoint> {
    for (set, name) in [
        (p.topic.is_some(), "topic"),
        (p.json_pointer.is_some(), "json_pointer"),
        (p.stale_after_s.is_some(), "stale_after_s"),
        (p.true_values.is_some(), "true_values"),
        (p.false_values.is_some(), "false_values"),
    ] {
        if set {
            issues.push(
                format!("{at}.{name}"),
                format!("{key}: {name} is for MQTT points, this one reads Modbus device \"{dev}\""),
                format!("remove {name}"),
            );
        }
    }
    let device = names.devices.get(dev).copied();
    if device.is_none() {
        let mut known: Vec<&str> = names.devices.keys().map(String::as_str).collect();
        known.sort_unstable();
        issues.push(
            format!("{at}.device"),
            format!("{key}: device \"{dev}\" is not defined"),
            format!(
                "define it under a connection's devices, or use one of: {}",
                known.join(", ")
            ),
        );
    }
    let table = match p.table.as_deref() {
        None => {
            issues.push(
                format!("{at}.table"),
                format!("{key}: table is missing"),
                "set table = \"coil\", \"discrete_input\", \"holding\" or \"input\"",
            );
            None
        }
        Some(t) => Table::parse(t).or_else(|| {
            issues.push(
                format!("{at}.table"),
                format!("{key}: \"{t}\" is not a Modbus table"),
                "use coil, discrete_input, holding or input",
            );
            None
        }),
    };
    let base = p.address_base.unwrap_or(0);
    if base > 1 {
        issues.push(
            format!("{at}.address_base"),
            format!("{key}: address_base {base}"),
            "use 0 (protocol addresses, the default) or 1 (numbers counted from 1)",
        );
    }
    let address = match p.address {
        None => {
            issues.push(
                format!("{at}.address"),
                format!("{key}: address is missing"),
                "set the register or bit address (0-based unless address_base = 1)",
            );
            None
        }
        Some(a) => {
            let pdu = a - i64::from(base.min(1));
            if !(0..=65535).contains(&pdu) {
                issues.push(
                    format!("{at}.address"),
                    format!("{key}: address {a} is outside 0..=65535 (address_base {base})"),
                    "Modbus addresses are 16-bit; with address_base = 1 the first is 1",
                );
                None
            } else {
                Some(pdu as u16)
            }
        }
    };
    let table = table?;
    let decoder = decoder(at, key, table, p, issues)?;
    let address = address?;
    if u32::from(address) + u32::from(decoder.width()) > 65536 {
        issues.push(
            format!("{at}.address"),
            format!("{key}: {} addresses from {address} run past 65535", decoder.width()),
            "check the address and type",
        );
        return None;
    }
    if conversion.enum_map.is_some() && !decoder.is_integer() {
        issues.push(
            format!("{at}.enum"),
            format!("{key}: an enum mapping needs an integer type"),
            "use type = \"u16\" (or another integer type) with enum",
        );
    }
    Some(ModbusPoint {
        device: device?,
        table,
        address,
        decoder,
        conversion,
    })
}

fn decoder(at: &str, key: &PointKey, table: Table, p: &RawPoint, issues: &mut Issues) -> Option<Decoder> {
    let ty = p
        .data_type
        .as_deref()
        .unwrap_or(if table.is_bits() { "bool" } else { "u16" });
    let order = match p.word_order.as_deref() {
        None => WordOrder::Abcd,
        Some(o) => WordOrder::parse(o).or_else(|| {
            issues.push(
                format!("{at}.word_order"),
                format!("{key}: \"{o}\" is not a word order"),
                "use ABCD, CDAB, BADC or DCBA",
            );
            None
        })?,
    };
    if table.is_bits() && ty != "bool" {
        issues.push(
            format!("{at}.type"),
            format!(
                "{key}: type \"{ty}\" cannot be read from a {} (one bit per address)",
                table.as_str()
            ),
            "use type = \"bool\", or read the value from a holding/input register",
        );
        return None;
    }
    if p.bit.is_some() && ty != "bit" {
        issues.push(
            format!("{at}.bit"),
            format!("{key}: bit is set but type is \"{ty}\""),
            "use type = \"bit\" with bit = N",
        );
    }
    if p.length.is_some() && ty != "string" {
        issues.push(
            format!("{at}.length"),
            format!("{key}: length is set but type is \"{ty}\""),
            "length is for type = \"string\"",
        );
    }
    let number = |ty| Some(Decoder::Number { ty, order });
    match ty {
        "bool" if table.is_bits() => Some(Decoder::Bit),
        "bool" => Some(Decoder::RegisterBool),
        "bit" => match p.bit {
            Some(b) if b < 16 => Some(Decoder::RegisterBit(b)),
            Some(b) => {
                issues.push(
                    format!("{at}.bit"),
                    format!("{key}: bit {b} does not exist in a 16-bit register"),
                    "use bit = 0..15 (0 = least significant)",
                );
                None
            }
            None => {
                issues.push(
                    format!("{at}.bit"),
                    format!("{key}: type \"bit\" needs bit = N"),
                    "set bit = 0..15 (0 = least significant)",
                );
                None
            }
        },
        "string" => match p.length {
            Some(n) if (1..=125).contains(&n) => Some(Decoder::Text { registers: n, order }),
            _ => {
                issues.push(
                    format!("{at}.length"),
                    format!("{key}: type \"string\" needs length = 1..=125 registers"),
                    "set length to the number of registers (2 characters each)",
                );
                None
            }
        },
        "u16" => number(Number::U16),
        "i16" => number(Number::I16),
        "u32" => number(Number::U32),
        "i32" => number(Number::I32),
        "u64" => number(Number::U64),
        "i64" => number(Number::I64),
        "f32" => number(Number::F32),
        "f64" => number(Number::F64),
        other => {
            issues.push(
                format!("{at}.type"),
                format!("{key}: \"{other}\" is not a Modbus data type"),
                format!("use one of: {TYPES}"),
            );
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn mqtt(
    at: &str,
    key: &PointKey,
    broker: &str,
    role: &RoleSpec,
    p: &RawPoint,
    conversion: Conversion,
    names: &Names,
    issues: &mut Issues,
) -> Option<MqttPoint> {
    for (set, name) in [
        (p.table.is_some(), "table"),
        (p.address.is_some(), "address"),
        (p.address_base.is_some(), "address_base"),
        (p.word_order.is_some(), "word_order"),
        (p.bit.is_some(), "bit"),
        (p.length.is_some(), "length"),
    ] {
        if set {
            issues.push(
                format!("{at}.{name}"),
                format!("{key}: {name} is for Modbus points, this one reads MQTT broker \"{broker}\""),
                format!("remove {name}"),
            );
        }
    }
    let b = names.brokers.get(broker).copied();
    if b.is_none() {
        issues.push(
            format!("{at}.broker"),
            format!("{key}: broker \"{broker}\" is not defined"),
            "define it under [[mqtt_brokers]]",
        );
    }
    let topic = match p.topic.as_deref() {
        Some(t) if valid_filter(t) => Some(t.to_string()),
        Some(t) => {
            issues.push(
                format!("{at}.topic"),
                format!("{key}: \"{t}\" is not a valid topic filter"),
                "'+' and '#' must fill a whole level, '#' only at the end",
            );
            None
        }
        None => {
            issues.push(
                format!("{at}.topic"),
                format!("{key}: topic is missing"),
                "set the topic the sensor publishes to",
            );
            None
        }
    };
    if let Some(ptr) = &p.json_pointer {
        if !ptr.is_empty() && !ptr.starts_with('/') {
            issues.push(
                format!("{at}.json_pointer"),
                format!("{key}: \"{ptr}\" is not a JSON pointer"),
                "JSON pointers start with '/', e.g. \"/alarm\" or \"/data/0/value\"",
            );
        }
    }
    let default = match role.value {
        RoleValue::Bool => "bool",
        _ => "number",
    };
    let kind = match p.data_type.as_deref().unwrap_or(default) {
        "bool" => PayloadKind::Bool {
            true_values: p
                .true_values
                .clone()
                .unwrap_or_else(|| ["true", "1", "on", "ON", "ALARM", "alarm"].map(String::from).to_vec()),
            false_values: p.false_values.clone().unwrap_or_else(|| {
                ["false", "0", "off", "OFF", "NORMAL", "normal"]
                    .map(String::from)
                    .to_vec()
            }),
        },
        "number" => PayloadKind::Number,
        "string" => PayloadKind::Text,
        other => {
            issues.push(
                format!("{at}.type"),
                format!("{key}: \"{other}\" is not an MQTT payload type"),
                "use bool, number or string",
            );
            return None;
        }
    };
    let stale_after = match p.stale_after_s {
        Some(0) => {
            issues.push(
                format!("{at}.stale_after_s"),
                format!("{key}: stale_after_s = 0 makes the point stale at once"),
                "set the sensor's publish interval with margin, e.g. 3× its heartbeat",
            );
            None
        }
        s => s.map(Duration::from_secs),
    };
    Some(MqttPoint {
        broker: b?,
        topic: topic?,
        json_pointer: p.json_pointer.clone(),
        kind,
        conversion,
        stale_after,
    })
}

/// MQTT filter rules: `+` fills a level, `#` is a last level.
fn valid_filter(t: &str) -> bool {
    if t.is_empty() {
        return false;
    }
    let levels: Vec<&str> = t.split('/').collect();
    levels.iter().enumerate().all(|(i, l)| match *l {
        "#" => i == levels.len() - 1,
        "+" => true,
        l => !l.contains(['+', '#']),
    })
}

/// The role must be served by a value of the right shape, or rules cannot trust it.
fn check_role(at: &str, key: &PointKey, role: &RoleSpec, source: &PointSource, issues: &mut Issues) {
    let (is_bool, enum_labels, is_text) = match source {
        PointSource::Modbus(m) => (
            m.decoder.is_bool(),
            m.conversion.enum_map.clone(),
            matches!(m.decoder, Decoder::Text { .. }),
        ),
        PointSource::Mqtt(m) => (
            matches!(m.kind, PayloadKind::Bool { .. }),
            m.conversion.enum_map.clone(),
            m.kind == PayloadKind::Text,
        ),
    };
    match role.value {
        RoleValue::Bool if !is_bool => issues.push(
            format!("{at}.type"),
            format!(
                "{key}: role {} is an on/off signal but the point does not give one",
                role.name
            ),
            "use a coil/discrete input, type = \"bool\", or type = \"bit\" with bit = N",
        ),
        RoleValue::Number if is_bool || enum_labels.is_some() || is_text => issues.push(
            format!("{at}.type"),
            format!(
                "{key}: role {} is a measurement but the point gives a flag, text or enum",
                role.name
            ),
            "use a numeric type (u16, i16, f32, ...) without enum",
        ),
        RoleValue::Enum(allowed) => match enum_labels {
            None => issues.push(
                format!("{at}.enum"),
                format!(
                    "{key}: role {} is a selector/position and needs an enum mapping",
                    role.name
                ),
                format!(
                    "map the device's codes to {}, e.g. enum = {{ 0 = \"{}\" }}",
                    allowed.join(" / "),
                    allowed[0]
                ),
            ),
            Some(map) => {
                for label in map.values().filter(|l| !allowed.contains(&&***l)) {
                    issues.push(
                        format!("{at}.enum"),
                        format!("{key}: \"{label}\" is not a value of {}", role.name),
                        format!("use only {}", allowed.join(", ")),
                    );
                }
            }
        },
        _ => {}
    }
}

/// Two points on one device and table whose address ranges overlap without being the same
/// range are almost always a typo (a u32 at 10 and a u16 at 11).
pub(super) fn check_overlaps(points: &[PointDef], devices: &[Device], issues: &mut Issues) {
    /// (address, width, point) of every point of one device and table.
    type Ranges<'a> = Vec<(u16, u16, &'a PointKey)>;
    let mut by_table: BTreeMap<(usize, Table), Ranges> = BTreeMap::new();
    for p in points {
        if let PointSource::Modbus(m) = &p.source {
            by_table
                .entry((m.device, m.table))
                .or_default()
                .push((m.address, m.decoder.width(), &p.key));
        }
    }
    for ((device, table), mut ranges) in by_table {
        ranges.sort();
        for w in ranges.windows(2) {
            let ((a0, aw, ak), (b0, bw, bk)) = (w[0], w[1]);
            let a_end = u32::from(a0) + u32::from(aw);
            if u32::from(b0) < a_end && (a0, aw) != (b0, bw) {
                let dev = devices.get(device).map(|d| d.id.as_str()).unwrap_or("?");
                issues.push(
                    format!("points {ak} and {bk}"),
                    format!(
                        "{ak} ({} {a0}..{}) overlaps {bk} ({} {b0}..{}) on device {dev}",
                        table.as_str(),
                        a_end - 1,
                        table.as_str(),
                        u32::from(b0) + u32::from(bw) - 1
                    ),
                    "check both addresses and types against the device's register map",
                );
            }
        }
    }
}
