//! The configuration file as written: serde structs, parsed before anything is checked.
//!
//! These structs accept what TOML can say; `plan.rs` then decides whether it makes sense.
//! Unknown keys are collected by `serde_ignored` in `mod.rs` (not `deny_unknown_fields`), so
//! that one run reports every unknown key instead of stopping at the first.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Deserialize)]
pub struct RawConfig {
    /// The site this daemon watches.
    pub site: RawSite,
    /// Buildings of the site; equipment names the building it stands in.
    #[serde(default)]
    pub buildings: Vec<RawBuilding>,
    /// Modbus TCP connections (one socket each; a gateway may carry many unit ids).
    #[serde(default)]
    pub modbus_tcp: Vec<RawModbusTcp>,
    /// Modbus RTU buses (one serial line each).
    #[serde(default)]
    pub modbus_rtu: Vec<RawModbusRtu>,
    /// MQTT brokers that sensors publish to.
    #[serde(default)]
    pub mqtt_brokers: Vec<RawMqttBroker>,
    /// The plant: every piece of equipment, its kind and its point roles.
    #[serde(default)]
    pub equipment: Vec<RawEquipment>,
    /// Where facmon keeps its state (journal, queues). Default `data`.
    #[serde(default)]
    pub data_dir: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawSite {
    pub id: String,
    pub name: String,
    /// `zh-CN` (default) or `en`: the language of alarm and ticket text.
    #[serde(default)]
    pub language: Option<String>,
    /// IANA time zone for shifts and reports. Default `Asia/Shanghai`.
    #[serde(default)]
    pub timezone: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawBuilding {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawModbusTcp {
    pub id: String,
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub poll_interval_ms: Option<u64>,
    /// Registers (or bits) of unused space bridged when merging two reads into one.
    #[serde(default)]
    pub max_gap: Option<u16>,
    #[serde(default)]
    pub max_backoff_ms: Option<u64>,
    #[serde(default)]
    pub devices: Vec<RawDevice>,
}

#[derive(Debug, Deserialize)]
pub struct RawModbusRtu {
    pub id: String,
    pub path: String,
    #[serde(default)]
    pub baud: Option<u32>,
    #[serde(default)]
    pub parity: Option<String>,
    #[serde(default)]
    pub data_bits: Option<u8>,
    #[serde(default)]
    pub stop_bits: Option<u8>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub poll_interval_ms: Option<u64>,
    /// Silence between two requests on the line; default 3.5 characters at the baud rate.
    #[serde(default)]
    pub gap_ms: Option<u64>,
    #[serde(default)]
    pub max_gap: Option<u16>,
    #[serde(default)]
    pub max_backoff_ms: Option<u64>,
    #[serde(default)]
    pub devices: Vec<RawDevice>,
}

/// One Modbus slave behind a connection.
#[derive(Debug, Deserialize)]
pub struct RawDevice {
    pub id: String,
    pub unit: u8,
}

#[derive(Debug, Deserialize)]
pub struct RawMqttBroker {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub client_id: Option<String>,
    /// Name of the environment variable that holds the user name.
    #[serde(default)]
    pub username_env: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// File holding the password (first line), for secrets mounted as files.
    #[serde(default)]
    pub password_file: Option<String>,
    /// PEM file of the CA that signed the broker's certificate (`mqtts://`).
    #[serde(default)]
    pub ca_file: Option<String>,
    #[serde(default)]
    pub keep_alive_s: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct RawEquipment {
    pub id: String,
    pub building: String,
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Member pumps of a pump set or sump pit, duty first.
    #[serde(default)]
    pub pumps: Vec<String>,
    /// Per-kind limits (tank `low`, `low_low`; sump pit `high`, `high_high`; ...).
    #[serde(default)]
    pub limits: BTreeMap<String, f64>,
    #[serde(default)]
    pub points: BTreeMap<String, RawPoint>,
}

/// A point role's binding: either Modbus (`device`) or MQTT (`broker`).
#[derive(Debug, Deserialize, Default)]
pub struct RawPoint {
    // --- Modbus
    #[serde(default)]
    pub device: Option<String>,
    #[serde(default)]
    pub table: Option<String>,
    #[serde(default)]
    pub address: Option<i64>,
    #[serde(default)]
    pub address_base: Option<u8>,
    #[serde(default)]
    pub word_order: Option<String>,
    #[serde(default)]
    pub bit: Option<u8>,
    #[serde(default)]
    pub length: Option<u16>,
    // --- MQTT
    #[serde(default)]
    pub broker: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub json_pointer: Option<String>,
    #[serde(default)]
    pub true_values: Option<Vec<String>>,
    #[serde(default)]
    pub false_values: Option<Vec<String>>,
    #[serde(default)]
    pub stale_after_s: Option<u64>,
    // --- both
    #[serde(default, rename = "type")]
    pub data_type: Option<String>,
    #[serde(default)]
    pub scale: Option<f64>,
    #[serde(default)]
    pub offset: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default, rename = "enum")]
    pub enum_map: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub invert: Option<bool>,
}
