//! Equipment kinds and the point roles each kind has.
//!
//! Rules bind to roles (`generator.mode_selector`), never to addresses, so that one rule
//! serves every site. This table is the contract between config and rules.

use serde::Serialize;

/// What a role's value must look like, so a rule can trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RoleValue {
    /// A contact or flag.
    Bool,
    /// A measurement.
    Number,
    /// A selector or position: the enum labels it may take.
    Enum(&'static [&'static str]),
}

/// One role of a kind.
#[derive(Debug, Clone, Copy)]
pub struct RoleSpec {
    pub name: &'static str,
    pub value: RoleValue,
    pub required: bool,
}

/// One kind of equipment.
#[derive(Debug)]
pub struct KindSpec {
    pub name: &'static str,
    pub roles: &'static [RoleSpec],
    /// Limit keys allowed under `limits`.
    pub limits: &'static [&'static str],
    /// At least one of these roles must be bound (e.g. a sump pit's level or its floats).
    pub one_of: &'static [&'static str],
    /// Whether `pumps = [...]` is meaningful for the kind.
    pub has_pumps: bool,
}

const fn req(name: &'static str, value: RoleValue) -> RoleSpec {
    RoleSpec {
        name,
        value,
        required: true,
    }
}
const fn opt(name: &'static str, value: RoleValue) -> RoleSpec {
    RoleSpec {
        name,
        value,
        required: false,
    }
}

use RoleValue::{Bool, Number};

pub const GENERATOR_MODES: &[&str] = &["STOP", "MANUAL", "AUTO"];
pub const ATS_POSITIONS: &[&str] = &["MAINS", "GENERATOR", "OPEN"];
pub const ATS_SELECTOR: &[&str] = &["AUTO", "MANUAL"];

/// Every kind facmon knows.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        name: "generator",
        roles: &[
            opt("mode_selector", RoleValue::Enum(GENERATOR_MODES)),
            req("running", Bool),
            opt("output_ok", Bool),
            opt("output_voltage", Number),
            opt("output_frequency", Number),
            opt("fuel_level_pct", Number),
            opt("control_fuse_ok", Bool),
            opt("fault", Bool),
            opt("run_hours", Number),
        ],
        limits: &["fuel_low_pct", "fuel_critical_pct"],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "transfer_switch",
        roles: &[
            req("mains_available", Bool),
            req("position", RoleValue::Enum(ATS_POSITIONS)),
            opt("selector", RoleValue::Enum(ATS_SELECTOR)),
            opt("control_fuse_ok", Bool),
        ],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "utility_feed",
        roles: &[req("available", Bool), opt("in_service", Bool)],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "pump",
        roles: &[
            req("running", Bool),
            opt("run_command", Bool),
            opt("fault", Bool),
            opt("auto_mode", Bool),
        ],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "pump_set",
        roles: &[opt("discharge_pressure", Number)],
        limits: &["pressure_low"],
        one_of: &[],
        has_pumps: true,
    },
    KindSpec {
        name: "tank",
        roles: &[req("level", Number)],
        // `fall_rate_pct_per_min`: WAT-03 (leak or burst) when the level falls faster; off unless set.
        limits: &["low", "low_low", "fall_rate_pct_per_min"],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "sump_pit",
        roles: &[
            opt("level", Number),
            opt("high_float", Bool),
            opt("high_high_float", Bool),
        ],
        limits: &["high", "high_high"],
        one_of: &["level", "high_float", "high_high_float"],
        has_pumps: true,
    },
    KindSpec {
        name: "leak_sensor",
        roles: &[req("wet", Bool)],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "fire_panel",
        roles: &[req("alarm", Bool), opt("fault", Bool), opt("supervisory", Bool)],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "fire_pump",
        roles: &[req("running", Bool), opt("run_command", Bool), opt("fault", Bool)],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "fan",
        roles: &[req("running", Bool), opt("run_command", Bool), opt("fault", Bool)],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "fire_main",
        roles: &[req("pressure", Number)],
        limits: &["low"],
        one_of: &[],
        has_pumps: false,
    },
    KindSpec {
        name: "critical_room",
        roles: &[req("normal_supply_ok", Bool), req("backup_supply_ok", Bool)],
        limits: &[],
        one_of: &[],
        has_pumps: false,
    },
];

/// Looks a kind up by its config name.
pub fn kind(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.name == name)
}

impl KindSpec {
    pub fn role(&self, name: &str) -> Option<&'static RoleSpec> {
        self.roles.iter().find(|r| r.name == name)
    }

    pub fn role_names(&self) -> String {
        self.roles.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
    }
}

/// Comma-separated kind names, for hints.
pub fn kind_names() -> String {
    KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}
