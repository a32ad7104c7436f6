//! The register map of every simulated Modbus device, as data.
//!
//! Each [`Point`] says where a value lives (table, 0-based PDU address), how it
//! is encoded (type, word order, scale) and where it comes from in the
//! [`Building`]. The same table answers requests, writes the register-map
//! section of `docs/simulators.md` ([`markdown`]) and is checked against that
//! document by a test, so the documentation cannot drift from the simulator.
//!
//! Each table of a device is one contiguous block starting at address 0: a
//! poller that merges neighbouring reads never trips over a hole, and a read
//! past the end of the block is refused with `IllegalDataAddress`, as real
//! controllers do.
//!
//! The encodings deliberately cover what facmon must decode: `f32` in CDAB
//! (generator) and ABCD (booster set) word order, `u32` (run hours in 0.01 h),
//! `i16` with a scale (fire-main pressure, which reads -0.05 bar when drained),
//! scaled `u16`, enum codes, and a status word whose bits are flags.

use std::fmt::Write as _;

use crate::building::{Building, GenMode};
use crate::devices::{self, Device};

/// A Modbus data table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Coils (read with function 1).
    Coil,
    /// Discrete inputs (function 2).
    DiscreteInput,
    /// Holding registers (function 3).
    Holding,
    /// Input registers (function 4).
    Input,
}

impl Table {
    /// All tables, in function-code order.
    pub const ALL: [Table; 4] = [Self::Coil, Self::DiscreteInput, Self::Holding, Self::Input];

    /// The name facmon's config uses (`table = "..."`).
    pub fn config_name(self) -> &'static str {
        match self {
            Self::Coil => "coil",
            Self::DiscreteInput => "discrete_input",
            Self::Holding => "holding",
            Self::Input => "input",
        }
    }

    /// One bit per address (coils, discrete inputs) rather than 16.
    pub fn is_bits(self) -> bool {
        matches!(self, Self::Coil | Self::DiscreteInput)
    }

    /// mbpoll's `-t` data type for this table.
    pub fn mbpoll_type(self) -> &'static str {
        match self {
            Self::Coil => "0",
            Self::DiscreteInput => "1",
            Self::Holding => "4",
            Self::Input => "3",
        }
    }
}

/// Order of the two 16-bit words of a 32-bit value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordOrder {
    /// High word first (big-endian, Modbus convention).
    Abcd,
    /// Low word first ("word swapped").
    Cdab,
}

impl WordOrder {
    /// As written in facmon's config.
    pub fn name(self) -> &'static str {
        match self {
            Self::Abcd => "ABCD",
            Self::Cdab => "CDAB",
        }
    }
}

/// How a value is put into the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Encoding {
    /// One coil / discrete input.
    Bool,
    /// Unsigned 16-bit register: raw = round(value / scale).
    U16 {
        /// Engineering units per count.
        scale: f64,
    },
    /// Signed 16-bit register (two's complement): raw = round(value / scale).
    I16 {
        /// Engineering units per count.
        scale: f64,
    },
    /// Unsigned 32-bit over two registers.
    U32 {
        /// Word order.
        order: WordOrder,
        /// Engineering units per count.
        scale: f64,
    },
    /// IEEE-754 single over two registers.
    F32 {
        /// Word order.
        order: WordOrder,
    },
    /// A 16-bit code with named values.
    Enum(&'static [(u16, &'static str)]),
    /// A 16-bit status word; each listed bit is a flag.
    Flags(&'static [(u8, &'static str)]),
}

impl Encoding {
    /// Addresses (bits or registers) the value occupies.
    pub fn width(self) -> u16 {
        match self {
            Self::U32 { .. } | Self::F32 { .. } => 2,
            _ => 1,
        }
    }

    /// facmon config `type`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::U16 { .. } | Self::Enum(_) | Self::Flags(_) => "u16",
            Self::I16 { .. } => "i16",
            Self::U32 { .. } => "u32",
            Self::F32 { .. } => "f32",
        }
    }
}

/// Where a point's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// A contact.
    Bool(fn(&Building) -> bool),
    /// A measurement in engineering units.
    Number(fn(&Building) -> f64),
    /// An enum code or a status word.
    Code(fn(&Building) -> u16),
}

/// One value of one device.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    /// Table.
    pub table: Table,
    /// 0-based PDU address of the first bit/register.
    pub address: u16,
    /// The equipment it belongs to.
    pub equipment: &'static str,
    /// The value's name; facmon's role name where the schema has one.
    pub name: &'static str,
    /// Encoding.
    pub encoding: Encoding,
    /// Engineering unit, if any.
    pub unit: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// Where it comes from.
    pub source: Source,
}

/// A point's value as it sits in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoded {
    /// A coil or discrete input.
    Bit(bool),
    /// Registers, in address order (`len` of `words` used).
    Words {
        /// The register values.
        words: [u16; 2],
        /// How many are used (1 or 2).
        len: usize,
    },
}

impl Point {
    fn number(&self, b: &Building) -> f64 {
        match self.source {
            Source::Number(f) => f(b),
            Source::Bool(f) => f64::from(u8::from(f(b))),
            Source::Code(f) => f64::from(f(b)),
        }
    }

    fn code(&self, b: &Building) -> u16 {
        match self.source {
            Source::Code(f) => f(b),
            Source::Bool(f) => u16::from(f(b)),
            Source::Number(f) => f(b).round().clamp(0.0, f64::from(u16::MAX)) as u16,
        }
    }

    /// The point's bits or registers for the building's current state.
    pub fn encode(&self, b: &Building) -> Encoded {
        let one = |w: u16| Encoded::Words { words: [w, 0], len: 1 };
        let two = |v: u32, order: WordOrder| {
            let (hi, lo) = ((v >> 16) as u16, (v & 0xFFFF) as u16);
            Encoded::Words {
                words: match order {
                    WordOrder::Abcd => [hi, lo],
                    WordOrder::Cdab => [lo, hi],
                },
                len: 2,
            }
        };
        match self.encoding {
            Encoding::Bool => Encoded::Bit(match self.source {
                Source::Bool(f) => f(b),
                _ => self.number(b) != 0.0,
            }),
            Encoding::U16 { scale } => one((self.number(b) / scale).round().clamp(0.0, f64::from(u16::MAX)) as u16),
            Encoding::I16 { scale } => one((self.number(b) / scale)
                .round()
                .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
                as u16),
            Encoding::U32 { order, scale } => two(
                (self.number(b) / scale).round().clamp(0.0, f64::from(u32::MAX)) as u32,
                order,
            ),
            Encoding::F32 { order } => two((self.number(b) as f32).to_bits(), order),
            Encoding::Enum(_) | Encoding::Flags(_) => one(self.code(b)),
        }
    }

    /// The value shown the way facmon should decode it.
    pub fn display_value(&self, b: &Building) -> String {
        let decimals = |scale: f64| {
            let mut d = 0;
            let mut s = scale;
            while s < 1.0 - 1e-9 && d < 6 {
                s *= 10.0;
                d += 1;
            }
            d
        };
        match (self.encoding, self.encode(b)) {
            (_, Encoded::Bit(v)) => v.to_string(),
            (Encoding::U16 { scale }, Encoded::Words { words, .. }) => {
                format!("{:.*}", decimals(scale), f64::from(words[0]) * scale)
            }
            (Encoding::I16 { scale }, Encoded::Words { words, .. }) => {
                format!("{:.*}", decimals(scale), f64::from(words[0] as i16) * scale)
            }
            (Encoding::U32 { scale, order }, Encoded::Words { words, .. }) => {
                let raw = match order {
                    WordOrder::Abcd => (u32::from(words[0]) << 16) | u32::from(words[1]),
                    WordOrder::Cdab => (u32::from(words[1]) << 16) | u32::from(words[0]),
                };
                format!("{:.*}", decimals(scale), f64::from(raw) * scale)
            }
            (Encoding::F32 { .. }, _) => format!("{}", self.number(b) as f32),
            (Encoding::Enum(names), Encoded::Words { words, .. }) => names
                .iter()
                .find(|(code, _)| *code == words[0])
                .map_or_else(|| words[0].to_string(), |(_, n)| (*n).to_owned()),
            (Encoding::Flags(bits), Encoded::Words { words, .. }) => {
                let set: Vec<&str> = bits
                    .iter()
                    .filter(|(bit, _)| words[0] & (1 << bit) != 0)
                    .map(|(_, n)| *n)
                    .collect();
                if set.is_empty() {
                    "no flag set".to_owned()
                } else {
                    set.join(" + ")
                }
            }
            (Encoding::Bool, Encoded::Words { words, .. }) => words[0].to_string(),
        }
    }
}

/// The points of a device (empty for MQTT devices).
pub fn points(device_id: &str) -> &'static [Point] {
    match device_id {
        "gen-1-controller" => GEN_1,
        "ats-1-controller" => ATS_1,
        "feeds-monitor" => FEEDS,
        "booster-set-controller" => BOOSTER,
        "tank-1-sensor" => TANK_1,
        "fire-pump-room-controller" => FIRE_ROOM,
        "room-power-monitor" => ROOMS,
        "sump-b2-controller" => SUMP_B2,
        "sump-b3-controller" => SUMP_B3,
        _ => &[],
    }
}

/// Number of bits or registers in `table` of a device.
pub fn table_len(points: &[Point], table: Table) -> u16 {
    points
        .iter()
        .filter(|p| p.table == table)
        .map(|p| p.address + p.encoding.width())
        .max()
        .unwrap_or(0)
}

/// The whole bit table of a device.
pub fn bits(points: &[Point], table: Table, b: &Building) -> Vec<bool> {
    let mut out = vec![false; usize::from(table_len(points, table))];
    for p in points.iter().filter(|p| p.table == table) {
        if let (Encoded::Bit(v), Some(slot)) = (p.encode(b), out.get_mut(usize::from(p.address))) {
            *slot = v;
        }
    }
    out
}

/// The whole register table of a device.
pub fn words(points: &[Point], table: Table, b: &Building) -> Vec<u16> {
    let mut out = vec![0; usize::from(table_len(points, table))];
    for p in points.iter().filter(|p| p.table == table) {
        if let Encoded::Words { words, len } = p.encode(b) {
            for (i, w) in words.iter().take(len).enumerate() {
                if let Some(slot) = out.get_mut(usize::from(p.address) + i) {
                    *slot = *w;
                }
            }
        }
    }
    out
}

// One argument per column of the map keeps the tables below readable.
#[allow(clippy::too_many_arguments)]
const fn point(
    table: Table,
    address: u16,
    equipment: &'static str,
    name: &'static str,
    encoding: Encoding,
    unit: &'static str,
    meaning: &'static str,
    source: Source,
) -> Point {
    Point {
        table,
        address,
        equipment,
        name,
        encoding,
        unit,
        meaning,
        source,
    }
}

const fn contact(
    table: Table,
    address: u16,
    equipment: &'static str,
    name: &'static str,
    meaning: &'static str,
    read: fn(&Building) -> bool,
) -> Point {
    point(
        table,
        address,
        equipment,
        name,
        Encoding::Bool,
        "",
        meaning,
        Source::Bool(read),
    )
}

use Table::{Coil, DiscreteInput as Di, Holding, Input};

const GEN_MODES: &[(u16, &str)] = &[(0, "STOP"), (1, "MANUAL"), (2, "AUTO")];
const GEN_STATUS_BITS: &[(u8, &str)] = &[
    (0, "running"),
    (1, "output_ok"),
    (2, "fault"),
    (3, "control_fuse_ok"),
    (4, "in_auto"),
    (5, "starting"),
    (6, "cooling_down"),
];

fn gen_status(b: &Building) -> u16 {
    let g = &b.power().generator;
    [
        g.running(),
        g.output_ok(),
        g.fault,
        g.control_fuse_ok,
        g.mode == GenMode::Auto,
        g.starting(),
        g.cooling_down(),
    ]
    .iter()
    .enumerate()
    .fold(0, |word, (bit, on)| if *on { word | (1 << bit) } else { word })
}

static GEN_1: &[Point] = &[
    contact(Di, 0, "gen-1", "running", "engine running (incl. cool-down)", |b| {
        b.power().generator.running()
    }),
    contact(
        Di,
        1,
        "gen-1",
        "output_ok",
        "output voltage and frequency within limits",
        |b| b.power().generator.output_ok(),
    ),
    contact(Di, 2, "gen-1", "fault", "common shutdown fault", |b| {
        b.power().generator.fault
    }),
    contact(Di, 3, "gen-1", "control_fuse_ok", "control fuse intact", |b| {
        b.power().generator.control_fuse_ok
    }),
    point(
        Holding,
        0,
        "gen-1",
        "mode_selector",
        Encoding::Enum(GEN_MODES),
        "",
        "mode selector",
        Source::Code(|b| b.power().generator.mode.code()),
    ),
    point(
        Input,
        0,
        "gen-1",
        "output_voltage",
        Encoding::F32 { order: WordOrder::Cdab },
        "V",
        "output voltage L-L (400 ± 1.5 when running)",
        Source::Number(|b| b.power().generator.output_voltage_v()),
    ),
    point(
        Input,
        2,
        "gen-1",
        "output_frequency",
        Encoding::F32 { order: WordOrder::Cdab },
        "Hz",
        "output frequency (50 ± 0.05 when running)",
        Source::Number(|b| b.power().generator.frequency_hz()),
    ),
    point(
        Input,
        4,
        "gen-1",
        "fuel_level_pct",
        Encoding::F32 { order: WordOrder::Cdab },
        "%",
        "day-tank fuel level (falls 0.05 %/s while running)",
        Source::Number(|b| b.power().generator.fuel_level_pct),
    ),
    point(
        Input,
        6,
        "gen-1",
        "run_hours",
        Encoding::U32 {
            order: WordOrder::Abcd,
            scale: 0.01,
        },
        "h",
        "engine hour meter",
        Source::Number(|b| b.power().generator.run_hours),
    ),
    point(
        Input,
        8,
        "gen-1",
        "status_word",
        Encoding::Flags(GEN_STATUS_BITS),
        "",
        "status flags",
        Source::Code(gen_status),
    ),
];

const ATS_SELECTORS: &[(u16, &str)] = &[(0, "MANUAL"), (1, "AUTO")];
const ATS_POSITIONS: &[(u16, &str)] = &[(0, "OPEN"), (1, "MAINS"), (2, "GENERATOR")];

static ATS_1: &[Point] = &[
    contact(Di, 0, "ats-1", "mains_available", "mains voltage healthy", |b| {
        b.power().ats.mains_available()
    }),
    contact(
        Di,
        1,
        "ats-1",
        "generator_available",
        "generator voltage healthy",
        |b| b.power().generator.output_ok(),
    ),
    contact(Di, 2, "ats-1", "control_fuse_ok", "ATS control fuse intact", |b| {
        b.power().ats.control_fuse_ok
    }),
    contact(Di, 3, "ats-1", "start_signal", "start signal to the generator", |b| {
        b.power().ats.start_signal()
    }),
    point(
        Holding,
        0,
        "ats-1",
        "selector",
        Encoding::Enum(ATS_SELECTORS),
        "",
        "ATS selector",
        Source::Code(|b| b.power().ats.selector.code()),
    ),
    point(
        Input,
        0,
        "ats-1",
        "position",
        Encoding::Enum(ATS_POSITIONS),
        "",
        "switch position",
        Source::Code(|b| b.power().ats.position.code()),
    ),
    point(
        Input,
        1,
        "ats-1",
        "mains_voltage",
        Encoding::U16 { scale: 1.0 },
        "V",
        "mains-side voltage L-L",
        Source::Number(|b| b.power().mains_voltage_v()),
    ),
    point(
        Input,
        2,
        "ats-1",
        "generator_voltage",
        Encoding::U16 { scale: 1.0 },
        "V",
        "generator-side voltage L-L",
        Source::Number(|b| b.power().generator.output_voltage_v()),
    ),
];

static FEEDS: &[Point] = &[
    contact(Di, 0, "feed-1", "available", "utility voltage on feed 1", |b| {
        b.power().feeds[0].available
    }),
    contact(Di, 1, "feed-1", "in_service", "site switched onto feed 1", |b| {
        b.power().feeds[0].in_service
    }),
    contact(Di, 2, "feed-2", "available", "utility voltage on feed 2", |b| {
        b.power().feeds[1].available
    }),
    contact(Di, 3, "feed-2", "in_service", "site switched onto feed 2", |b| {
        b.power().feeds[1].in_service
    }),
    point(
        Input,
        0,
        "feed-1",
        "voltage",
        Encoding::U16 { scale: 0.01 },
        "kV",
        "feed 1 voltage",
        Source::Number(|b| b.power().feeds[0].voltage_kv()),
    ),
    point(
        Input,
        1,
        "feed-2",
        "voltage",
        Encoding::U16 { scale: 0.01 },
        "kV",
        "feed 2 voltage",
        Source::Number(|b| b.power().feeds[1].voltage_kv()),
    ),
];

static BOOSTER: &[Point] = &[
    contact(Coil, 0, "pump-1", "run_command", "controller run command", |b| {
        b.booster().pumps[0].run_command()
    }),
    contact(Coil, 1, "pump-2", "run_command", "controller run command", |b| {
        b.booster().pumps[1].run_command()
    }),
    contact(Di, 0, "pump-1", "running", "run feedback", |b| {
        b.booster().pumps[0].running()
    }),
    contact(Di, 1, "pump-1", "fault", "trip", |b| b.booster().pumps[0].fault),
    contact(Di, 2, "pump-1", "auto_mode", "selector in AUTO", |b| {
        b.booster().pumps[0].auto_mode
    }),
    contact(Di, 3, "pump-2", "running", "run feedback", |b| {
        b.booster().pumps[1].running()
    }),
    contact(Di, 4, "pump-2", "fault", "trip", |b| b.booster().pumps[1].fault),
    contact(Di, 5, "pump-2", "auto_mode", "selector in AUTO", |b| {
        b.booster().pumps[1].auto_mode
    }),
    point(
        Holding,
        0,
        "booster-set",
        "setpoint",
        Encoding::U16 { scale: 0.01 },
        "bar",
        "discharge pressure setpoint",
        Source::Number(|b| b.booster().setpoint_bar),
    ),
    point(
        Input,
        0,
        "booster-set",
        "discharge_pressure",
        Encoding::F32 { order: WordOrder::Abcd },
        "bar",
        "discharge header pressure",
        Source::Number(|b| b.booster().pressure_bar()),
    ),
];

static TANK_1: &[Point] = &[
    point(
        Input,
        0,
        "tank-1",
        "level",
        Encoding::U16 { scale: 0.1 },
        "%",
        "level, % of height",
        Source::Number(|b| b.tank().level_pct),
    ),
    point(
        Input,
        1,
        "tank-1",
        "level_m",
        Encoding::U16 { scale: 0.001 },
        "m",
        "level above the floor (tank 3.0 m high)",
        Source::Number(|b| b.tank().level_m()),
    ),
];

static FIRE_ROOM: &[Point] = &[
    contact(Coil, 0, "fire-pump-1", "run_command", "run command (latched)", |b| {
        b.fire().pump.run_command
    }),
    contact(
        Coil,
        1,
        "fan-press-1",
        "run_command",
        "run command (linkage or manual)",
        |b| b.fire().fans[0].run_command(),
    ),
    contact(
        Coil,
        2,
        "fan-smoke-1",
        "run_command",
        "run command (linkage or manual)",
        |b| b.fire().fans[1].run_command(),
    ),
    contact(Di, 0, "fire-pump-1", "running", "run feedback", |b| {
        b.fire().pump.running()
    }),
    contact(Di, 1, "fire-pump-1", "fault", "trip", |b| b.fire().pump.fault),
    contact(Di, 2, "fan-press-1", "running", "airflow switch", |b| {
        b.fire().fans[0].running()
    }),
    contact(Di, 3, "fan-press-1", "fault", "trip", |b| b.fire().fans[0].fault),
    contact(Di, 4, "fan-smoke-1", "running", "airflow switch", |b| {
        b.fire().fans[1].running()
    }),
    contact(Di, 5, "fan-smoke-1", "fault", "trip", |b| b.fire().fans[1].fault),
    point(
        Input,
        0,
        "fire-main-1",
        "pressure",
        Encoding::I16 { scale: 0.01 },
        "bar",
        "fire-main pressure (-0.05 when drained)",
        Source::Number(|b| b.fire().main.pressure_bar),
    ),
];

static ROOMS: &[Point] = &[
    contact(Di, 0, "room-control", "normal_supply_ok", "normal supply live", |b| {
        b.power().rooms[0].normal_supply_ok()
    }),
    contact(Di, 1, "room-control", "backup_supply_ok", "UPS available", |b| {
        b.power().rooms[0].backup_supply_ok()
    }),
    contact(Di, 2, "room-lift", "normal_supply_ok", "normal supply live", |b| {
        b.power().rooms[1].normal_supply_ok()
    }),
    contact(Di, 3, "room-lift", "backup_supply_ok", "backup supply available", |b| {
        b.power().rooms[1].backup_supply_ok()
    }),
    point(
        Input,
        0,
        "room-control",
        "supply_voltage",
        Encoding::U16 { scale: 1.0 },
        "V",
        "board voltage (normal or backup)",
        Source::Number(|b| b.power().rooms[0].supply_voltage_v()),
    ),
    point(
        Input,
        1,
        "room-lift",
        "supply_voltage",
        Encoding::U16 { scale: 1.0 },
        "V",
        "board voltage (normal or backup)",
        Source::Number(|b| b.power().rooms[1].supply_voltage_v()),
    ),
];

fn sump_level<const I: usize>(b: &Building) -> f64 {
    b.sumps()[I].level_m
}
fn sump_high<const I: usize>(b: &Building) -> bool {
    b.sumps()[I].high_float()
}
fn sump_high_high<const I: usize>(b: &Building) -> bool {
    b.sumps()[I].high_high_float()
}
fn sump_command<const I: usize>(b: &Building) -> bool {
    b.sumps()[I].pump.run_command()
}
fn sump_running<const I: usize>(b: &Building) -> bool {
    b.sumps()[I].pump.running()
}
fn sump_fault<const I: usize>(b: &Building) -> bool {
    b.sumps()[I].pump.fault
}
fn sump_auto<const I: usize>(b: &Building) -> bool {
    b.sumps()[I].pump.auto_mode
}

macro_rules! sump_points {
    ($i:literal, $pit:literal, $pump:literal) => {
        &[
            contact(
                Coil,
                0,
                $pump,
                "run_command",
                "controller run command",
                sump_command::<$i>,
            ),
            contact(Di, 0, $pit, "high_float", "high float (1.20 m)", sump_high::<$i>),
            contact(
                Di,
                1,
                $pit,
                "high_high_float",
                "high-high float (1.60 m)",
                sump_high_high::<$i>,
            ),
            contact(Di, 2, $pump, "running", "run feedback", sump_running::<$i>),
            contact(Di, 3, $pump, "fault", "trip", sump_fault::<$i>),
            contact(Di, 4, $pump, "auto_mode", "selector in AUTO", sump_auto::<$i>),
            point(
                Input,
                0,
                $pit,
                "level",
                Encoding::U16 { scale: 0.001 },
                "m",
                "pit level (2.0 m deep)",
                Source::Number(sump_level::<$i>),
            ),
        ]
    };
}

static SUMP_B2: &[Point] = sump_points!(0, "sump-b2", "sump-pump-b2");
static SUMP_B3: &[Point] = sump_points!(1, "sump-b3", "sump-pump-b3");

/// The register-map section of `docs/simulators.md`, generated from the map
/// and the demo building's initial state.
pub fn markdown() -> String {
    let b = Building::demo();
    let mut out = String::new();
    for device in devices::DEVICES.iter().filter(|d| !points(d.id).is_empty()) {
        device_markdown(&mut out, device, &b);
    }
    out
}

fn device_markdown(out: &mut String, device: &Device, b: &Building) {
    let _ = writeln!(
        out,
        "### Unit {} — `{}` ({})\n\n{}. Equipment: {}.\n",
        device.unit,
        device.id,
        device.transport.label(),
        device.name,
        device
            .equipment
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str("| table | address | point | type | order | scale | unit | meaning | initial raw | initial value |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    let points = points(device.id);
    for table in Table::ALL {
        let mut in_table: Vec<&Point> = points.iter().filter(|p| p.table == table).collect();
        in_table.sort_by_key(|p| p.address);
        for p in in_table {
            let address = if p.encoding.width() == 2 {
                format!("{}–{}", p.address, p.address + 1)
            } else {
                p.address.to_string()
            };
            let (order, scale) = match p.encoding {
                Encoding::U32 { order, scale } => (order.name(), scale.to_string()),
                Encoding::F32 { order } => (order.name(), String::new()),
                Encoding::U16 { scale } | Encoding::I16 { scale } => ("", scale.to_string()),
                _ => ("", String::new()),
            };
            let meaning = match p.encoding {
                Encoding::Enum(codes) => format!(
                    "{}: {}",
                    p.meaning,
                    codes
                        .iter()
                        .map(|(c, n)| format!("{c} = {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Encoding::Flags(bits) => format!(
                    "{}: {}",
                    p.meaning,
                    bits.iter()
                        .map(|(bit, n)| format!("bit {bit} = {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => p.meaning.to_owned(),
            };
            let raw = match p.encode(b) {
                Encoded::Bit(v) => u8::from(v).to_string(),
                Encoded::Words { words, len } => words
                    .iter()
                    .take(len)
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let _ = writeln!(
                out,
                "| {} | {address} | `{}.{}` | {} | {order} | {scale} | {} | {meaning} | {raw} | {} |",
                table.config_name(),
                p.equipment,
                p.name,
                p.encoding.type_name(),
                p.unit,
                p.display_value(b),
            );
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::building::AtsPosition;

    #[test]
    fn every_modbus_device_has_points_and_every_table_is_contiguous() {
        for device in devices::DEVICES {
            let points = points(device.id);
            if device.transport == devices::Transport::Mqtt {
                assert!(points.is_empty());
                continue;
            }
            assert!(!points.is_empty(), "{} has no points", device.id);
            for table in Table::ALL {
                let len = usize::from(table_len(points, table));
                let mut used = vec![0u8; len];
                for p in points.iter().filter(|p| p.table == table) {
                    assert_eq!(
                        table.is_bits(),
                        p.encoding == Encoding::Bool,
                        "{}.{}",
                        p.equipment,
                        p.name
                    );
                    for i in 0..usize::from(p.encoding.width()) {
                        used[usize::from(p.address) + i] += 1;
                    }
                }
                assert!(
                    used.iter().all(|n| *n == 1),
                    "{} {table:?} has a hole or an overlap",
                    device.id
                );
            }
            for p in points {
                assert!(
                    device.equipment.contains(&p.equipment),
                    "{} does not serve {}",
                    device.id,
                    p.equipment
                );
            }
        }
    }

    #[test]
    fn f32_cdab_puts_the_low_word_first() {
        let b = Building::demo();
        let fuel = GEN_1.iter().find(|p| p.name == "fuel_level_pct").unwrap();
        // 82.0_f32 = 0x42A4_0000
        assert_eq!(
            fuel.encode(&b),
            Encoded::Words {
                words: [0x0000, 0x42A4],
                len: 2
            }
        );
    }

    #[test]
    fn f32_abcd_puts_the_high_word_first() {
        let b = Building::demo();
        // 4.5_f32 = 0x4090_0000
        assert_eq!(words(BOOSTER, Table::Input, &b), vec![0x4090, 0x0000]);
    }

    #[test]
    fn u32_run_hours_are_hundredths_of_an_hour_high_word_first() {
        let b = Building::demo();
        let hours = GEN_1.iter().find(|p| p.name == "run_hours").unwrap();
        // 1234.56 h = 123456 = 0x0001_E240
        assert_eq!(
            hours.encode(&b),
            Encoded::Words {
                words: [0x0001, 0xE240],
                len: 2
            }
        );
        assert_eq!(hours.display_value(&b), "1234.56");
    }

    #[test]
    fn i16_pressure_goes_negative_in_twos_complement() {
        let mut b = Building::demo();
        let set = |b: &mut Building, line: &str| {
            crate::command::Command::parse(line).unwrap().apply(b);
        };
        set(&mut b, "set fire-main-1.pressure -0.05");
        assert_eq!(words(FIRE_ROOM, Table::Input, &b), vec![(-5_i16) as u16]);
    }

    #[test]
    fn the_generator_status_word_sets_one_bit_per_flag() {
        let mut b = Building::demo();
        // control_fuse_ok (bit 3) + in_auto (bit 4)
        assert_eq!(gen_status(&b), 0b1_1000);
        b.set_mains(false);
        for _ in 0..80 {
            b.step(std::time::Duration::from_millis(100));
        }
        // + running (bit 0) + output_ok (bit 1)
        assert_eq!(gen_status(&b), 0b1_1011);
    }

    #[test]
    fn the_ats_position_code_follows_the_enum() {
        for (i, name) in AtsPosition::NAMES.iter().enumerate() {
            assert_eq!(ATS_POSITIONS[i].1, *name);
        }
        for (i, name) in GenMode::NAMES.iter().enumerate() {
            assert_eq!(GEN_MODES[i].1, *name);
        }
    }
}
