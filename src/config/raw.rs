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
    /// Site-wide rule settings by rule id: `[rules.PWR-02] delay_s = 20`. Checked against the
    /// rule catalogue in `rules/settings.rs`.
    #[serde(default)]
    pub rules: RawRules,
    /// Site-specific rules beyond the procedures: a threshold, a state or a rate of change on
    /// one point role (`rules/custom.rs`).
    #[serde(default)]
    pub custom_rules: Vec<RawCustomRule>,
    /// `[alarm_mqtt]`: publish every alarm's state (retained) and every lifecycle event on an
    /// MQTT broker for other systems to subscribe to. Absent = no MQTT publishing.
    #[serde(default)]
    pub alarm_mqtt: Option<RawAlarmMqtt>,
    /// `[[influx]]`: time-series databases that get every reading, device status and alarm
    /// event (`sinks::influx`). None = no time series.
    #[serde(default)]
    pub influx: Vec<RawInflux>,
    /// `[roster]`: who holds each role when (`roster`). Absent = nobody to notify.
    #[serde(default)]
    pub roster: Option<super::roster::RawRoster>,
    /// `[tickets]`: which alarms open a work order and the response-time commitments.
    #[serde(default)]
    pub tickets: Option<super::tickets::RawTickets>,
    /// `[notify]`: channels, routes from rules to roles, repeats.
    #[serde(default)]
    pub notify: Option<super::notify::RawNotify>,
    /// `[api]`: the HTTP API and console listener. Absent = on, loopback only.
    #[serde(default)]
    pub api: Option<super::api::RawApi>,
}

/// One `[[influx]]` target as written. See `config::influx` for the checks and defaults.
#[derive(Debug, Default, Deserialize)]
pub struct RawInflux {
    /// Names the target in logs, metrics and its queue file (`influx-<id>.queue.db`).
    pub id: String,
    /// Base URL: `http://127.0.0.1:8086` (https works too; a path prefix is kept).
    pub url: String,
    /// `v2` (InfluxDB 2.x: `/api/v2/write`, org, bucket, token) or `v1` (`/write?db=&rp=`:
    /// InfluxDB 1.x and 3, VictoriaMetrics). Default `v2`.
    #[serde(default)]
    pub api: Option<String>,
    /// v2: organisation and bucket.
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub bucket: Option<String>,
    /// v1: database and optional retention policy.
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub retention_policy: Option<String>,
    /// API token (v2; also accepted by v1 targets that take `Authorization: Token`), from an
    /// environment variable or the first line of a file; never written in the config.
    #[serde(default)]
    pub token_env: Option<String>,
    #[serde(default)]
    pub token_file: Option<String>,
    /// v1 user name and password (password from an environment variable or a file).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<String>,
    /// Unchanged points are written again this often so graphs do not gap. Default 60.
    #[serde(default)]
    pub heartbeat_s: Option<u64>,
    /// A batch is sent when it has this many lines… Default 5000.
    #[serde(default)]
    pub batch_max_lines: Option<usize>,
    /// …or when its oldest line is this old. Default 1000.
    #[serde(default)]
    pub batch_max_age_ms: Option<u64>,
    /// The store-and-forward queue on disk holds at most this many bytes of line protocol;
    /// beyond it the oldest readings are dropped (and counted), never alarm events. Default
    /// 256 MiB.
    #[serde(default)]
    pub queue_max_bytes: Option<u64>,
    /// Deadline of one write request. Default 10000.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// `[alarm_mqtt]` as written.
#[derive(Debug, Deserialize)]
pub struct RawAlarmMqtt {
    /// Id of the `[[mqtt_brokers]]` entry to publish to; its URL, TLS, credentials and
    /// keep-alive are used.
    pub broker: String,
    /// Topics start with this: `<prefix>/alarms/<equipment>/<rule>` and `<prefix>/events`.
    /// Default `facmon/<site id>`.
    #[serde(default)]
    pub topic_prefix: Option<String>,
    /// MQTT client id of the publisher. Default `<the broker's client_id>-alarms`; it must
    /// differ from the broker's own `client_id` (one id, one connection).
    #[serde(default)]
    pub client_id: Option<String>,
}

/// One configured rule. Exactly one condition key (`above`, `below`, `equals`,
/// `rises_faster_than_per_min`, `falls_faster_than_per_min`) is set; `rules::custom` checks
/// the rest.
#[derive(Debug, Default, Deserialize)]
pub struct RawCustomRule {
    /// Rule id for alarms and tickets (`GEN-VOLT-HIGH`); not a procedure id.
    pub id: String,
    /// The equipment and the role whose point is checked.
    pub equipment: String,
    pub role: String,
    /// Active while the measurement is above this.
    #[serde(default)]
    pub above: Option<f64>,
    /// Active while the measurement is below this.
    #[serde(default)]
    pub below: Option<f64>,
    /// Active while an on/off role equals `true`/`false` or a selector equals this label.
    #[serde(default)]
    pub equals: Option<RawSetting>,
    /// Active while the measurement rises faster than this per minute (over `window_s`).
    #[serde(default)]
    pub rises_faster_than_per_min: Option<f64>,
    /// Active while the measurement falls faster than this per minute (over `window_s`).
    #[serde(default)]
    pub falls_faster_than_per_min: Option<f64>,
    /// `above`/`below`: once active, clears only this far back past the limit. Default 0.
    #[serde(default)]
    pub deadband: Option<f64>,
    /// On-delay: how long the condition must hold. Default 0.
    #[serde(default)]
    pub delay_s: Option<f64>,
    /// Off-delay: how long the condition must be gone before the rule clears. Default 0.
    #[serde(default)]
    pub clear_delay_s: Option<f64>,
    /// Rate rules: span of readings the rate is measured over. Default 60.
    #[serde(default)]
    pub window_s: Option<f64>,
    /// How long the point may be stale without the delays starting over. Default 5.
    #[serde(default)]
    pub stale_tolerance_s: Option<f64>,
    /// `info`, `warning` (default), `major` or `critical`.
    #[serde(default)]
    pub severity: Option<String>,
    /// The alarm text; generated from the condition when not given. One language serves
    /// both when only one is given.
    #[serde(default)]
    pub message_zh: Option<String>,
    #[serde(default)]
    pub message_en: Option<String>,
    /// What must be done; "check <equipment> on site" when not given.
    #[serde(default)]
    pub action_zh: Option<String>,
    #[serde(default)]
    pub action_en: Option<String>,
}

/// Rule settings as written: rule id → key → value (`[rules.PWR-02] delay_s = 20`).
pub type RawRules = BTreeMap<String, BTreeMap<String, RawSetting>>;

/// One rule setting's value, whatever its type; `rules::settings` checks it against the key.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawSetting {
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
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
    /// This equipment's rule settings (`[equipment.rules.PWR-02] delay_s = 20`); they win over
    /// the site's `[rules.…]`.
    #[serde(default)]
    pub rules: RawRules,
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
