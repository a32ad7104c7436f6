//! The checked plan: what the daemon runs. Built from [`RawConfig`](super::raw::RawConfig)
//! with every reference resolved to an index and every problem collected.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::error::{ConfigIssue, Issues};
use super::kinds::{self, KindSpec};
use super::raw::{RawConfig, RawDevice, RawMqttBroker};
use super::Secrets;
use crate::point::decode::{Conversion, Decoder, Table};
use crate::point::PointKey;
use crate::rules::custom::{self, CustomRule};
use crate::rules::settings::{self as rule_settings, RuleSettings};

/// Language of alarm and ticket text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Language {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub language: Language,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Building {
    pub id: String,
    pub name: String,
}

/// How a Modbus connection reaches its devices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Link {
    Tcp {
        host: String,
        port: u16,
    },
    Rtu {
        path: String,
        baud: u32,
        parity: Parity,
        data_bits: u8,
        stop_bits: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Parity {
    None,
    Even,
    Odd,
}

/// One Modbus TCP socket or RTU bus, polled by one task.
#[derive(Debug, Clone, Serialize)]
pub struct ModbusConnection {
    pub id: String,
    pub link: Link,
    pub timeout: Duration,
    pub poll_interval: Duration,
    /// Silence kept between two requests (RTU: 3.5 characters unless set; TCP: none).
    pub request_gap: Duration,
    pub max_gap: u16,
    pub max_backoff: Duration,
    pub devices: Vec<usize>,
}

/// One Modbus slave.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub id: String,
    pub connection: usize,
    pub unit: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct MqttBroker {
    pub id: String,
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub client_id: String,
    #[serde(skip)]
    pub username: Option<String>,
    #[serde(skip)]
    pub password: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub keep_alive: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct Equipment {
    pub id: String,
    pub building: String,
    pub kind: &'static str,
    pub name: String,
    pub pumps: Vec<String>,
    pub limits: BTreeMap<String, f64>,
    /// Role → point index.
    pub points: BTreeMap<String, usize>,
    /// `[equipment.rules.<id>]`: this equipment's rule settings, checked.
    pub rule_settings: RuleSettings,
}

/// Where a point's value comes from, resolved.
#[derive(Debug, Clone, Serialize)]
pub enum PointSource {
    Modbus(ModbusPoint),
    Mqtt(MqttPoint),
}

#[derive(Debug, Clone, Serialize)]
pub struct ModbusPoint {
    pub device: usize,
    pub table: Table,
    /// 0-based protocol address.
    pub address: u16,
    pub decoder: Decoder,
    pub conversion: Conversion,
}

/// How an MQTT payload becomes a raw value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum PayloadKind {
    Bool {
        true_values: Vec<String>,
        false_values: Vec<String>,
    },
    Number,
    Text,
}

#[derive(Debug, Clone, Serialize)]
pub struct MqttPoint {
    pub broker: usize,
    pub topic: String,
    pub json_pointer: Option<String>,
    pub kind: PayloadKind,
    pub conversion: Conversion,
    /// A topic silent longer than this makes the point stale; `None` = never.
    pub stale_after: Option<Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PointDef {
    pub key: PointKey,
    pub equipment: usize,
    pub unit: Option<String>,
    pub source: PointSource,
}

/// Everything the daemon needs, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub site: Site,
    pub buildings: Vec<Building>,
    pub connections: Vec<ModbusConnection>,
    pub devices: Vec<Device>,
    pub brokers: Vec<MqttBroker>,
    pub equipment: Vec<Equipment>,
    pub points: Vec<PointDef>,
    pub data_dir: PathBuf,
    /// `[rules.<id>]`: site-wide rule settings, checked.
    pub rule_settings: RuleSettings,
    /// `[[custom_rules]]`, checked.
    pub custom_rules: Vec<CustomRule>,
    /// `[alarm_mqtt]`, checked; `None` = alarms are not published on MQTT.
    pub alarm_mqtt: Option<AlarmMqtt>,
    /// `[[influx]]` targets, checked.
    pub influx: Vec<super::InfluxTarget>,
    /// `[roster]`, checked (empty when absent).
    pub roster: crate::roster::Roster,
    /// `[tickets]`, checked (defaults when absent).
    pub tickets: crate::ticket::TicketPlan,
    /// `[notify]`, checked (no channels when absent).
    pub notify: crate::notify::NotifyPlan,
    /// `[api]`, checked (on, loopback only, when absent).
    pub api: super::ApiPlan,
}

/// Where alarms are published on MQTT (`sinks::mqtt_alarms`).
#[derive(Debug, Clone, Serialize)]
pub struct AlarmMqtt {
    /// Index into [`Plan::brokers`].
    pub broker: usize,
    /// No trailing `/`, no wildcards.
    pub topic_prefix: String,
    pub client_id: String,
}

impl Plan {
    pub fn point_keys(&self) -> Vec<PointKey> {
        self.points.iter().map(|p| p.key.clone()).collect()
    }

    pub fn connection(&self, id: &str) -> Option<usize> {
        self.connections.iter().position(|c| c.id == id)
    }

    pub fn broker(&self, id: &str) -> Option<usize> {
        self.brokers.iter().position(|b| b.id == id)
    }

    /// Points a Modbus TCP connection at another address. The demo and the tests serve the
    /// simulators on free ports and retarget the shipped config this way. Returns false if
    /// there is no TCP connection `id`.
    pub fn set_tcp_address(&mut self, id: &str, host: &str, port: u16) -> bool {
        match self.connections.iter_mut().find(|c| c.id == id).map(|c| &mut c.link) {
            Some(Link::Tcp { host: h, port: p }) => {
                *h = host.to_string();
                *p = port;
                true
            }
            _ => false,
        }
    }

    /// Points a Modbus RTU bus at another serial device (e.g. one end of a pty pair).
    pub fn set_rtu_path(&mut self, id: &str, path: &str) -> bool {
        match self.connections.iter_mut().find(|c| c.id == id).map(|c| &mut c.link) {
            Some(Link::Rtu { path: p, .. }) => {
                *p = path.to_string();
                true
            }
            _ => false,
        }
    }

    /// Points an MQTT broker entry at another address.
    pub fn set_broker_address(&mut self, id: &str, host: &str, port: u16) -> bool {
        match self.brokers.iter_mut().find(|b| b.id == id) {
            Some(b) => {
                b.host = host.to_string();
                b.port = port;
                true
            }
            None => false,
        }
    }
}

const DEFAULT_TIMEOUT_MS: u64 = 1000;
const DEFAULT_POLL_MS: u64 = 1000;
const DEFAULT_MAX_GAP: u16 = 8;
const DEFAULT_BACKOFF_MS: u64 = 10_000;

/// Name lookup tables shared by the point resolver.
pub(super) struct Names {
    pub devices: HashMap<String, usize>,
    pub brokers: HashMap<String, usize>,
}

pub(super) fn build(raw: RawConfig, secrets: &Secrets, mut issues: Issues) -> Result<Plan, Vec<ConfigIssue>> {
    let site = site(&raw, &mut issues);
    let site_rules = rules_table("rules", None, &raw.rules, &mut issues);
    let mut seen = HashSet::new();
    let buildings: Vec<Building> = raw
        .buildings
        .iter()
        .enumerate()
        .map(|(i, b)| {
            check_id(&format!("buildings[{i}].id"), &b.id, &mut seen, &mut issues);
            Building {
                id: b.id.clone(),
                name: b.name.clone().unwrap_or_else(|| b.id.clone()),
            }
        })
        .collect();

    let (connections, devices) = connections(&raw, &mut issues);
    let brokers: Vec<MqttBroker> = raw
        .mqtt_brokers
        .iter()
        .enumerate()
        .map(|(i, b)| broker(i, b, secrets, &mut issues))
        .collect();
    let names = Names {
        devices: devices.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect(),
        brokers: brokers.iter().enumerate().map(|(i, b)| (b.id.clone(), i)).collect(),
    };

    let mut equipment = Vec::new();
    let mut points = Vec::new();
    let mut seen = HashSet::new();
    let building_ids: HashSet<&str> = buildings.iter().map(|b| b.id.as_str()).collect();
    for (i, e) in raw.equipment.iter().enumerate() {
        let at = format!("equipment[{i}]");
        check_id(&format!("{at}.id"), &e.id, &mut seen, &mut issues);
        if !building_ids.contains(e.building.as_str()) {
            issues.push(
                format!("{at}.building"),
                format!("{}: building \"{}\" is not defined", e.id, e.building),
                format!(
                    "add [[buildings]] id = \"{}\", or use one of: {}",
                    e.building,
                    join(building_ids.iter())
                ),
            );
        }
        let Some(kind) = kinds::kind(&e.kind) else {
            issues.push(
                format!("{at}.kind"),
                format!("{}: \"{}\" is not an equipment kind", e.id, e.kind),
                format!("use one of: {}", kinds::kind_names()),
            );
            continue;
        };
        let mut role_points = BTreeMap::new();
        for (role, rp) in &e.points {
            let key = format!("{at}.points.{role}");
            let Some(spec) = kind.role(role) else {
                issues.push(
                    key,
                    format!("{}: a {} has no role \"{role}\"", e.id, kind.name),
                    format!("roles of a {}: {}", kind.name, kind.role_names()),
                );
                continue;
            };
            let pkey = PointKey {
                equipment: Arc::from(e.id.as_str()),
                role: Arc::from(role.as_str()),
            };
            if let Some(def) = super::points::resolve(&key, pkey, equipment.len(), spec, rp, &names, &mut issues) {
                role_points.insert(role.clone(), points.len());
                points.push(def);
            }
        }
        check_kind_shape(&at, &e.id, kind, e, &mut issues);
        let rules = rules_table(&format!("{at}.rules"), Some(kind.name), &e.rules, &mut issues);
        equipment.push(Equipment {
            id: e.id.clone(),
            building: e.building.clone(),
            kind: kind.name,
            name: e.name.clone().unwrap_or_else(|| e.id.clone()),
            pumps: e.pumps.clone(),
            limits: e.limits.clone(),
            points: role_points,
            rule_settings: rules,
        });
    }
    check_pump_refs(&raw, &mut issues);
    let (custom_rules, problems) = custom::resolve(&raw.custom_rules, &equipment);
    for p in problems {
        issues.push(p.key, p.problem, p.hint);
    }
    super::points::check_overlaps(&points, &devices, &mut issues);
    let alarm_mqtt = raw
        .alarm_mqtt
        .as_ref()
        .and_then(|a| alarm_mqtt(a, &site, &brokers, &mut issues));
    let influx = super::influx::targets(&raw.influx, secrets, &mut issues);
    let roster = super::roster::resolve(raw.roster.as_ref(), &site, &mut issues);
    let tickets = super::tickets::resolve(raw.tickets.as_ref(), &mut issues);
    let notify = super::notify::resolve(raw.notify.as_ref(), &site, &brokers, &roster, secrets, &mut issues);
    let api = super::api::resolve(raw.api.as_ref(), &mut issues);

    if !issues.is_empty() {
        return Err(issues.0);
    }
    Ok(Plan {
        site,
        buildings,
        connections,
        devices,
        brokers,
        equipment,
        points,
        data_dir: PathBuf::from(raw.data_dir.clone().unwrap_or_else(|| "data".into())),
        rule_settings: site_rules,
        custom_rules,
        alarm_mqtt,
        influx,
        roster,
        tickets,
        notify,
        api,
    })
}

/// Checks `[alarm_mqtt]`: the broker must be defined, the prefix usable as a topic prefix,
/// and the client id its own (a broker drops the older of two connections with one id).
fn alarm_mqtt(
    a: &super::raw::RawAlarmMqtt,
    site: &Site,
    brokers: &[MqttBroker],
    issues: &mut Issues,
) -> Option<AlarmMqtt> {
    let Some(broker) = brokers.iter().position(|b| b.id == a.broker) else {
        let ids: Vec<&str> = brokers.iter().map(|b| b.id.as_str()).collect();
        issues.push(
            "alarm_mqtt.broker",
            format!("broker \"{}\" is not defined", a.broker),
            format!("name the id of an [[mqtt_brokers]] entry: {}", join(ids.iter())),
        );
        return None;
    };
    let topic_prefix = a.topic_prefix.clone().unwrap_or_else(|| format!("facmon/{}", site.id));
    if topic_prefix.is_empty() || topic_prefix.contains(['+', '#', '\0']) || topic_prefix.ends_with('/') {
        issues.push(
            "alarm_mqtt.topic_prefix",
            format!("\"{topic_prefix}\" cannot start a topic name"),
            "write a topic without wildcards (+ #) and without a trailing /, e.g. \"facmon/tower-a\"",
        );
    }
    let client_id = a
        .client_id
        .clone()
        .unwrap_or_else(|| format!("{}-alarms", brokers[broker].client_id));
    if client_id.is_empty() || client_id == brokers[broker].client_id {
        issues.push(
            "alarm_mqtt.client_id",
            format!(
                "\"{client_id}\" is not a client id of its own (the broker entry \"{}\" uses \"{}\")",
                a.broker, brokers[broker].client_id
            ),
            "leave client_id out (it defaults to the broker's client id + \"-alarms\") or give another",
        );
    }
    Some(AlarmMqtt {
        broker,
        topic_prefix,
        client_id,
    })
}

/// Checks a `rules` table against the rule catalogue (`rules::settings`) and files its
/// problems under `at`.
fn rules_table(at: &str, kind: Option<&str>, raw: &super::raw::RawRules, issues: &mut Issues) -> RuleSettings {
    let (settings, problems) = rule_settings::resolve(kind, raw);
    for p in problems {
        issues.push(format!("{at}.{}", p.key), p.problem, p.hint);
    }
    settings
}

fn site(raw: &RawConfig, issues: &mut Issues) -> Site {
    let s = &raw.site;
    if !is_id(&s.id) {
        issues.push("site.id", format!("\"{}\" is not a valid id", s.id), ID_HINT);
    }
    let language = match s.language.as_deref() {
        None | Some("zh-CN") => Language::ZhCn,
        Some("en") => Language::En,
        Some(other) => {
            issues.push(
                "site.language",
                format!("\"{other}\" is not a supported language"),
                "use \"zh-CN\" or \"en\"",
            );
            Language::ZhCn
        }
    };
    Site {
        id: s.id.clone(),
        name: s.name.clone(),
        language,
        timezone: s.timezone.clone().unwrap_or_else(|| "Asia/Shanghai".into()),
    }
}

const ID_HINT: &str = "ids use lowercase letters, digits, '-' and '_' (e.g. \"gen-1\")";

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn check_id(key: &str, id: &str, seen: &mut HashSet<String>, issues: &mut Issues) {
    if !is_id(id) {
        issues.push(key, format!("\"{id}\" is not a valid id"), ID_HINT);
    }
    if !seen.insert(id.to_string()) {
        issues.push(key, format!("duplicate id \"{id}\""), "give each one its own id");
    }
}

fn join<'a>(it: impl Iterator<Item = &'a &'a str>) -> String {
    let mut v: Vec<&str> = it.copied().collect();
    v.sort_unstable();
    if v.is_empty() {
        "(none defined)".into()
    } else {
        v.join(", ")
    }
}

fn positive_ms(key: String, v: Option<u64>, default: u64, issues: &mut Issues) -> Duration {
    let ms = v.unwrap_or(default);
    if ms == 0 {
        issues.push(
            key,
            "must be greater than 0".to_string(),
            format!("the default is {default}"),
        );
    }
    Duration::from_millis(ms.max(1))
}

/// Both connection tables share id space and the device list.
fn connections(raw: &RawConfig, issues: &mut Issues) -> (Vec<ModbusConnection>, Vec<Device>) {
    let mut conns = Vec::new();
    let mut devices: Vec<Device> = Vec::new();
    let mut conn_ids = HashSet::new();
    let mut device_ids = HashSet::new();
    let mut add_devices = |at: &str, conn: usize, raw_devices: &[RawDevice], issues: &mut Issues| {
        let mut units = HashSet::new();
        let mut idx = Vec::new();
        for (j, d) in raw_devices.iter().enumerate() {
            let key = format!("{at}.devices[{j}]");
            check_id(&format!("{key}.id"), &d.id, &mut device_ids, issues);
            if d.unit == 0 || d.unit > 247 {
                issues.push(
                    format!("{key}.unit"),
                    format!("unit {} is not a slave address", d.unit),
                    "use 1..=247 (0 is broadcast)",
                );
            }
            if !units.insert(d.unit) {
                issues.push(
                    format!("{key}.unit"),
                    format!("unit {} is used twice on this connection", d.unit),
                    "each slave on a connection needs its own unit id",
                );
            }
            idx.push(devices.len());
            devices.push(Device {
                id: d.id.clone(),
                connection: conn,
                unit: d.unit,
            });
        }
        idx
    };
    for (i, t) in raw.modbus_tcp.iter().enumerate() {
        let at = format!("modbus_tcp[{i}]");
        check_id(&format!("{at}.id"), &t.id, &mut conn_ids, issues);
        if t.host.trim().is_empty() {
            issues.push(
                format!("{at}.host"),
                "host is empty".to_string(),
                "give the device's IP address or host name",
            );
        }
        let devices = add_devices(&at, conns.len(), &t.devices, issues);
        let link = Link::Tcp {
            host: t.host.clone(),
            port: t.port.unwrap_or(502),
        };
        let timing = Timing {
            timeout_ms: t.timeout_ms,
            poll_interval_ms: t.poll_interval_ms,
            max_gap: t.max_gap,
            max_backoff_ms: t.max_backoff_ms,
        };
        conns.push(connection(&at, &t.id, link, Duration::ZERO, timing, devices, issues));
    }
    for (i, r) in raw.modbus_rtu.iter().enumerate() {
        let at = format!("modbus_rtu[{i}]");
        check_id(&format!("{at}.id"), &r.id, &mut conn_ids, issues);
        let baud = r.baud.unwrap_or(9600);
        if !(300..=1_000_000).contains(&baud) {
            issues.push(
                format!("{at}.baud"),
                format!("{baud} is not a usable baud rate"),
                "use the device's rate, e.g. 9600 or 19200",
            );
        }
        let parity = match r.parity.as_deref().unwrap_or("none") {
            "none" => Parity::None,
            "even" => Parity::Even,
            "odd" => Parity::Odd,
            other => {
                issues.push(
                    format!("{at}.parity"),
                    format!("\"{other}\" is not a parity"),
                    "use \"none\", \"even\" or \"odd\"",
                );
                Parity::None
            }
        };
        let data_bits = r.data_bits.unwrap_or(8);
        if !(data_bits == 7 || data_bits == 8) {
            issues.push(
                format!("{at}.data_bits"),
                format!("{data_bits} data bits"),
                "use 8 (Modbus RTU) or 7",
            );
        }
        let stop_bits = r.stop_bits.unwrap_or(1);
        if !(stop_bits == 1 || stop_bits == 2) {
            issues.push(
                format!("{at}.stop_bits"),
                format!("{stop_bits} stop bits"),
                "use 1 or 2",
            );
        }
        let devices = add_devices(&at, conns.len(), &r.devices, issues);
        let link = Link::Rtu {
            path: r.path.clone(),
            baud,
            parity,
            data_bits,
            stop_bits,
        };
        let gap = r
            .gap_ms
            .map(Duration::from_millis)
            .unwrap_or_else(|| rtu_gap(baud.max(1)));
        let timing = Timing {
            timeout_ms: r.timeout_ms,
            poll_interval_ms: r.poll_interval_ms,
            max_gap: r.max_gap,
            max_backoff_ms: r.max_backoff_ms,
        };
        conns.push(connection(&at, &r.id, link, gap, timing, devices, issues));
    }
    (conns, devices)
}

/// The polling keys TCP connections and RTU buses share.
struct Timing {
    timeout_ms: Option<u64>,
    poll_interval_ms: Option<u64>,
    max_gap: Option<u16>,
    max_backoff_ms: Option<u64>,
}

fn connection(
    at: &str,
    id: &str,
    link: Link,
    request_gap: Duration,
    t: Timing,
    devices: Vec<usize>,
    issues: &mut Issues,
) -> ModbusConnection {
    let max_gap = t.max_gap.unwrap_or(DEFAULT_MAX_GAP);
    if max_gap > 124 {
        issues.push(
            format!("{at}.max_gap"),
            format!("{max_gap} is larger than one request can carry"),
            "use 0..=124 registers",
        );
    }
    ModbusConnection {
        id: id.to_string(),
        link,
        timeout: positive_ms(format!("{at}.timeout_ms"), t.timeout_ms, DEFAULT_TIMEOUT_MS, issues),
        poll_interval: positive_ms(
            format!("{at}.poll_interval_ms"),
            t.poll_interval_ms,
            DEFAULT_POLL_MS,
            issues,
        ),
        request_gap,
        max_gap: max_gap.min(124),
        max_backoff: positive_ms(
            format!("{at}.max_backoff_ms"),
            t.max_backoff_ms,
            DEFAULT_BACKOFF_MS,
            issues,
        ),
        devices,
    }
}

/// The Modbus RTU inter-frame silence: 3.5 characters of 11 bits, and at least 1.75 ms
/// above 19200 baud as the specification fixes it.
pub fn rtu_gap(baud: u32) -> Duration {
    if baud > 19_200 {
        Duration::from_micros(1750)
    } else {
        Duration::from_micros(3_500_000 * 11 / u64::from(baud))
    }
}

fn broker(i: usize, b: &RawMqttBroker, secrets: &Secrets, issues: &mut Issues) -> MqttBroker {
    let at = format!("mqtt_brokers[{i}]");
    let (tls, rest) = if let Some(r) = b.url.strip_prefix("mqtts://") {
        (true, r)
    } else if let Some(r) = b.url.strip_prefix("mqtt://") {
        (false, r)
    } else {
        issues.push(
            format!("{at}.url"),
            format!("\"{}\" is not an MQTT URL", b.url),
            "write mqtt://host:1883 or mqtts://host:8883",
        );
        (false, "")
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h.to_string(), p),
            Err(_) => {
                issues.push(
                    format!("{at}.url"),
                    format!("port \"{p}\" is not a number"),
                    "write mqtt://host:1883",
                );
                (h.to_string(), 0)
            }
        },
        None => (rest.to_string(), if tls { 8883 } else { 1883 }),
    };
    let username = secrets.resolve(&at, "username", &b.username_env, &None, issues);
    let password = secrets.resolve(&at, "password", &b.password_env, &b.password_file, issues);
    if !tls && b.ca_file.is_some() {
        issues.push(
            format!("{at}.ca_file"),
            "ca_file given for a plain mqtt:// broker".to_string(),
            "use an mqtts:// URL, or remove ca_file",
        );
    }
    MqttBroker {
        id: b.id.clone(),
        host,
        port,
        tls,
        client_id: b.client_id.clone().unwrap_or_else(|| format!("facmon-{}", b.id)),
        username,
        password,
        ca_file: b.ca_file.as_ref().map(PathBuf::from),
        keep_alive: Duration::from_secs(b.keep_alive_s.unwrap_or(30).max(5)),
    }
}

fn check_kind_shape(at: &str, id: &str, kind: &KindSpec, e: &super::raw::RawEquipment, issues: &mut Issues) {
    for r in kind.roles.iter().filter(|r| r.required) {
        if !e.points.contains_key(r.name) {
            issues.push(
                format!("{at}.points"),
                format!("{id}: a {} needs the role \"{}\"", kind.name, r.name),
                format!(
                    "add [equipment.points.{}] bound to the device or topic that reports it",
                    r.name
                ),
            );
        }
    }
    if !kind.one_of.is_empty() && !kind.one_of.iter().any(|r| e.points.contains_key(*r)) {
        issues.push(
            format!("{at}.points"),
            format!(
                "{id}: a {} needs at least one of: {}",
                kind.name,
                kind.one_of.join(", ")
            ),
            "bind the level sensor or the float switches",
        );
    }
    for k in e.limits.keys() {
        if !kind.limits.contains(&k.as_str()) {
            let allowed = if kind.limits.is_empty() {
                "(none)".to_string()
            } else {
                kind.limits.join(", ")
            };
            issues.push(
                format!("{at}.limits.{k}"),
                format!("{id}: a {} has no limit \"{k}\"", kind.name),
                format!("limits of a {}: {allowed}", kind.name),
            );
        }
    }
    if !e.pumps.is_empty() && !kind.has_pumps {
        issues.push(
            format!("{at}.pumps"),
            format!("{id}: a {} has no member pumps", kind.name),
            "only pump_set and sump_pit list pumps",
        );
    }
}

fn check_pump_refs(raw: &RawConfig, issues: &mut Issues) {
    let kinds: HashMap<&str, &str> = raw.equipment.iter().map(|e| (e.id.as_str(), e.kind.as_str())).collect();
    for (i, e) in raw.equipment.iter().enumerate() {
        for (j, p) in e.pumps.iter().enumerate() {
            match kinds.get(p.as_str()) {
                Some(&"pump") | Some(&"fire_pump") => {}
                Some(k) => issues.push(
                    format!("equipment[{i}].pumps[{j}]"),
                    format!("{}: \"{p}\" is a {k}, not a pump", e.id),
                    "list equipment of kind pump",
                ),
                None => issues.push(
                    format!("equipment[{i}].pumps[{j}]"),
                    format!("{}: pump \"{p}\" is not defined", e.id),
                    "add it as [[equipment]] kind = \"pump\"",
                ),
            }
        }
    }
}
