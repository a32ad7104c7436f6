//! Everything a test or an operator may turn on the demo building, as
//! `set <equipment>.<field> <value>`.
//!
//! Each knob carries its own parser bounds and setter, so a command is checked
//! once when it is parsed (a scenario file is rejected at load, not half-way
//! through a demo) and applying it can no longer fail.

use std::fmt;

use super::{AtsPosition, AtsSelector, Building, GenMode};

/// What kind of value a knob takes, and how it is applied.
#[derive(Debug, Clone, Copy)]
pub enum KnobKind {
    /// `true`/`false` (also `1`/`0`, `on`/`off`).
    Bool(fn(&mut Building, bool)),
    /// A number within `min..=max`, in `unit`.
    Number {
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
        /// Unit, for help and replies.
        unit: &'static str,
        /// Applies the value.
        set: fn(&mut Building, f64),
    },
    /// One of `options` (case-insensitive); the setter gets its index.
    Choice {
        /// Accepted names, upper case.
        options: &'static [&'static str],
        /// Applies the option at this index.
        set: fn(&mut Building, usize),
    },
}

/// One settable field of one equipment.
#[derive(Debug, Clone, Copy)]
pub struct Knob {
    /// Equipment id, e.g. `gen-1`.
    pub equipment: &'static str,
    /// Field name, e.g. `mode`.
    pub field: &'static str,
    /// What it means, for `help`.
    pub help: &'static str,
    /// Value kind and setter.
    pub kind: KnobKind,
}

/// Two knobs are the same knob when they name the same field.
impl PartialEq for Knob {
    fn eq(&self, other: &Self) -> bool {
        self.equipment == other.equipment && self.field == other.field
    }
}

/// A checked value for a knob.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KnobValue {
    /// For [`KnobKind::Bool`].
    Bool(bool),
    /// For [`KnobKind::Number`].
    Number(f64),
    /// Index into [`KnobKind::Choice`]'s options.
    Choice(usize),
}

impl Knob {
    /// Parses `text` for this knob; the error says what would be accepted.
    pub fn parse(&self, text: &str) -> Result<KnobValue, String> {
        let expected = || format!("{} takes {}", self.target(), self.expected());
        match self.kind {
            KnobKind::Bool(_) => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "on" | "yes" => Ok(KnobValue::Bool(true)),
                "false" | "0" | "off" | "no" => Ok(KnobValue::Bool(false)),
                _ => Err(expected()),
            },
            KnobKind::Number { min, max, .. } => match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= min && v <= max => Ok(KnobValue::Number(v)),
                _ => Err(expected()),
            },
            KnobKind::Choice { options, .. } => options
                .iter()
                .position(|o| o.eq_ignore_ascii_case(text))
                .map(KnobValue::Choice)
                .ok_or_else(expected),
        }
    }

    /// Applies a value produced by [`Knob::parse`]; returns false (and changes
    /// nothing) if the value is of another kind.
    pub fn apply(&self, building: &mut Building, value: KnobValue) -> bool {
        match (self.kind, value) {
            (KnobKind::Bool(set), KnobValue::Bool(v)) => set(building, v),
            (KnobKind::Number { set, .. }, KnobValue::Number(v)) => set(building, v),
            (KnobKind::Choice { set, options }, KnobValue::Choice(i)) if i < options.len() => set(building, i),
            _ => return false,
        }
        true
    }

    /// `equipment.field`.
    pub fn target(&self) -> String {
        format!("{}.{}", self.equipment, self.field)
    }

    /// The accepted values, as a phrase.
    pub fn expected(&self) -> String {
        match self.kind {
            KnobKind::Bool(_) => "true or false".to_owned(),
            KnobKind::Number { min, max, unit, .. } => {
                format!("a number from {min} to {max} {unit}").trim_end().to_owned()
            }
            KnobKind::Choice { options, .. } => format!("one of {}", options.join(", ")),
        }
    }

    /// Shows a value the way the user would type it.
    pub fn show(&self, value: KnobValue) -> String {
        match (self.kind, value) {
            (KnobKind::Number { unit, .. }, KnobValue::Number(v)) => format!("{v} {unit}").trim_end().to_owned(),
            (KnobKind::Choice { options, .. }, KnobValue::Choice(i)) => {
                options.get(i).copied().unwrap_or("?").to_owned()
            }
            (_, v) => v.to_string(),
        }
    }
}

impl fmt::Display for KnobValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(v) => write!(f, "{v}"),
            Self::Number(v) => write!(f, "{v}"),
            Self::Choice(i) => write!(f, "#{i}"),
        }
    }
}

/// The knob for `equipment.field`.
pub fn find(equipment: &str, field: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.equipment == equipment && k.field == field)
}

/// Equipment ids that have knobs, in catalogue order.
pub fn equipment_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = Vec::new();
    for knob in KNOBS {
        if !ids.contains(&knob.equipment) {
            ids.push(knob.equipment);
        }
    }
    ids
}

/// The knobs of one equipment.
pub fn of(equipment: &str) -> impl Iterator<Item = &'static Knob> + '_ {
    KNOBS.iter().filter(move |k| k.equipment == equipment)
}

/// The `set` reference of `docs/simulators.md`, generated from the knobs.
pub fn markdown() -> String {
    let mut out = String::from("| `set` target | value | meaning |\n|---|---|---|\n");
    for knob in KNOBS {
        let value = match knob.kind {
            KnobKind::Bool(_) => "`true` / `false`".to_owned(),
            KnobKind::Number { min, max, unit, .. } => format!("{min} … {max} {unit}"),
            KnobKind::Choice { options, .. } => {
                options.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(" / ")
            }
        };
        out.push_str(&format!("| `{}` | {value} | {} |\n", knob.target(), knob.help));
    }
    out
}

const fn flag(equipment: &'static str, field: &'static str, help: &'static str, set: fn(&mut Building, bool)) -> Knob {
    Knob {
        equipment,
        field,
        help,
        kind: KnobKind::Bool(set),
    }
}

const fn number(
    equipment: &'static str,
    field: &'static str,
    help: &'static str,
    (min, max, unit): (f64, f64, &'static str),
    set: fn(&mut Building, f64),
) -> Knob {
    Knob {
        equipment,
        field,
        help,
        kind: KnobKind::Number { min, max, unit, set },
    }
}

const fn choice(
    equipment: &'static str,
    field: &'static str,
    help: &'static str,
    options: &'static [&'static str],
    set: fn(&mut Building, usize),
) -> Knob {
    Knob {
        equipment,
        field,
        help,
        kind: KnobKind::Choice { options, set },
    }
}

/// Every knob, grouped by equipment.
pub static KNOBS: &[Knob] = &[
    // Power.
    flag("feed-1", "available", "the utility delivers on feed 1", |b, v| {
        b.power.feeds[0].available = v
    }),
    flag(
        "feed-1",
        "in_service",
        "switch the site onto feed 1 (true) or open its breaker (false)",
        |b, v| b.power.set_in_service(0, v),
    ),
    flag("feed-2", "available", "the utility delivers on feed 2", |b, v| {
        b.power.feeds[1].available = v
    }),
    flag(
        "feed-2",
        "in_service",
        "switch the site onto feed 2 (true) or open its breaker (false)",
        |b, v| b.power.set_in_service(1, v),
    ),
    choice("gen-1", "mode", "controller mode selector", GenMode::NAMES, |b, i| {
        if let Some(m) = GenMode::from_index(i) {
            b.power.generator.mode = m;
        }
    }),
    flag(
        "gen-1",
        "control_fuse_ok",
        "control fuse in the generator control box intact",
        |b, v| b.power.generator.control_fuse_ok = v,
    ),
    flag(
        "gen-1",
        "fault",
        "common shutdown fault (stops a running set)",
        |b, v| b.power.generator.fault = v,
    ),
    flag(
        "gen-1",
        "manual_run",
        "hand start (true) / stop (false) at the panel; obeyed in MANUAL",
        |b, v| b.power.generator.manual_run = v,
    ),
    number(
        "gen-1",
        "fuel_level",
        "day-tank fuel level",
        (0.0, 100.0, "%"),
        |b, v| b.power.generator.fuel_level_pct = v,
    ),
    number(
        "gen-1",
        "fuel_burn",
        "fuel used per second of running",
        (0.0, 10.0, "%/s"),
        |b, v| b.power.generator.fuel_burn_pct_per_s = v,
    ),
    number(
        "gen-1",
        "run_hours",
        "engine hour meter",
        (0.0, 400_000.0, "h"),
        |b, v| b.power.generator.run_hours = v,
    ),
    number(
        "gen-1",
        "start_delay",
        "delay from start signal to engine running",
        (0.0, 600.0, "s"),
        |b, v| b.power.generator.start_delay_s = v,
    ),
    number(
        "gen-1",
        "cooldown",
        "unloaded run before stopping",
        (0.0, 3600.0, "s"),
        |b, v| b.power.generator.cooldown_s = v,
    ),
    choice(
        "ats-1",
        "selector",
        "ATS controller selector",
        AtsSelector::NAMES,
        |b, i| {
            if let Some(s) = AtsSelector::from_index(i) {
                b.power.ats.selector = s;
            }
        },
    ),
    flag(
        "ats-1",
        "control_fuse_ok",
        "control fuse of the ATS control circuit intact",
        |b, v| b.power.ats.control_fuse_ok = v,
    ),
    flag(
        "ats-1",
        "stuck",
        "transfer mechanism jammed: the ATS stays where it is",
        |b, v| b.power.ats.stuck = v,
    ),
    choice(
        "ats-1",
        "position",
        "switch by hand to this position",
        AtsPosition::NAMES,
        |b, i| {
            if let Some(p) = AtsPosition::from_index(i) {
                b.power.ats.position = p;
            }
        },
    ),
    number(
        "ats-1",
        "transfer_delay",
        "generator healthy this long before transfer",
        (0.0, 600.0, "s"),
        |b, v| b.power.ats.transfer_delay_s = v,
    ),
    number(
        "ats-1",
        "retransfer_delay",
        "mains healthy this long before retransfer",
        (0.0, 3600.0, "s"),
        |b, v| b.power.ats.retransfer_delay_s = v,
    ),
    flag("room-control", "backup_ok", "control-room UPS healthy", |b, v| {
        b.power.rooms[0].backup_ok = v
    }),
    flag(
        "room-lift",
        "backup_ok",
        "lift machine room backup supply healthy",
        |b, v| b.power.rooms[1].backup_ok = v,
    ),
    // Water.
    flag("pump-1", "fault", "duty booster pump tripped", |b, v| {
        b.booster.pumps[0].fault = v
    }),
    flag("pump-1", "auto_mode", "duty booster pump selector in AUTO", |b, v| {
        b.booster.pumps[0].auto_mode = v
    }),
    flag(
        "pump-1",
        "blocked",
        "duty booster pump runs but moves no water",
        |b, v| b.booster.pumps[0].blocked = v,
    ),
    flag("pump-2", "fault", "standby booster pump tripped", |b, v| {
        b.booster.pumps[1].fault = v
    }),
    flag(
        "pump-2",
        "auto_mode",
        "standby booster pump selector in AUTO",
        |b, v| b.booster.pumps[1].auto_mode = v,
    ),
    flag(
        "pump-2",
        "blocked",
        "standby booster pump runs but moves no water",
        |b, v| b.booster.pumps[1].blocked = v,
    ),
    number(
        "booster-set",
        "setpoint",
        "discharge pressure a running pump holds",
        (0.0, 16.0, "bar"),
        |b, v| b.booster.setpoint_bar = v,
    ),
    number(
        "booster-set",
        "standby_delay",
        "duty failed this long before the standby starts",
        (0.0, 600.0, "s"),
        |b, v| b.booster.standby_delay_s = v,
    ),
    number(
        "tank-1",
        "level",
        "tank level (the model carries on from it)",
        (0.0, 100.0, "%"),
        |b, v| b.tank.level_pct = v,
    ),
    number(
        "tank-1",
        "outflow",
        "draw while a booster pump runs (a burst main: 1.0)",
        (0.0, 10.0, "%/s"),
        |b, v| b.tank.outflow_pct_per_s = v,
    ),
    flag("tank-1", "refill", "municipal supply to the float valve on", |b, v| {
        b.tank.refill_on = v
    }),
    // Drainage.
    number(
        "sump-b2",
        "level",
        "pit level (the model carries on from it)",
        (0.0, 2.0, "m"),
        |b, v| b.sumps[0].level_m = v,
    ),
    number(
        "sump-b2",
        "inflow",
        "water running into the pit",
        (0.0, 1.0, "m/s"),
        |b, v| b.sumps[0].inflow_m_per_s = v,
    ),
    number(
        "sump-b3",
        "level",
        "pit level (the model carries on from it)",
        (0.0, 2.0, "m"),
        |b, v| b.sumps[1].level_m = v,
    ),
    number(
        "sump-b3",
        "inflow",
        "water running into the pit",
        (0.0, 1.0, "m/s"),
        |b, v| b.sumps[1].inflow_m_per_s = v,
    ),
    flag("sump-pump-b2", "fault", "pit B2 pump tripped", |b, v| {
        b.sumps[0].pump.fault = v
    }),
    flag(
        "sump-pump-b2",
        "blocked",
        "pit B2 pump runs but moves no water",
        |b, v| b.sumps[0].pump.blocked = v,
    ),
    flag("sump-pump-b2", "auto_mode", "pit B2 pump selector in AUTO", |b, v| {
        b.sumps[0].pump.auto_mode = v
    }),
    flag("sump-pump-b3", "fault", "pit B3 pump tripped", |b, v| {
        b.sumps[1].pump.fault = v
    }),
    flag(
        "sump-pump-b3",
        "blocked",
        "pit B3 pump runs but moves no water",
        |b, v| b.sumps[1].pump.blocked = v,
    ),
    flag("sump-pump-b3", "auto_mode", "pit B3 pump selector in AUTO", |b, v| {
        b.sumps[1].pump.auto_mode = v
    }),
    flag("leak-gen-room", "wet", "water on the generator-room floor", |b, v| {
        b.leaks[0].wet = v
    }),
    flag("leak-pump-room", "wet", "water on the pump-room floor", |b, v| {
        b.leaks[1].wet = v
    }),
    // Fire.
    flag("fire-panel-1", "alarm", "fire alarm contact", |b, v| {
        b.fire.panel.alarm = v
    }),
    flag("fire-panel-1", "fault", "fault/trouble contact", |b, v| {
        b.fire.panel.fault = v
    }),
    flag("fire-panel-1", "supervisory", "supervisory contact", |b, v| {
        b.fire.panel.supervisory = v
    }),
    flag("fire-pump-1", "fault", "fire pump tripped", |b, v| {
        b.fire.pump.fault = v
    }),
    flag(
        "fire-pump-1",
        "run_command",
        "start (true) / stop (false) the fire pump at its panel",
        |b, v| b.fire.pump.run_command = v,
    ),
    flag("fire-main-1", "demand", "water flowing out of the fire main", |b, v| {
        b.fire.main.demand = v
    }),
    number(
        "fire-main-1",
        "pressure",
        "fire-main pressure (the model carries on from it)",
        (-1.0, 25.0, "bar"),
        |b, v| b.fire.main.pressure_bar = v,
    ),
    flag("fan-press-1", "fault", "pressurisation fan tripped", |b, v| {
        b.fire.fans[0].fault = v
    }),
    flag(
        "fan-press-1",
        "run_command",
        "start (true) / stop (false) by hand, e.g. the monthly test",
        |b, v| b.fire.fans[0].manual_command = v,
    ),
    flag("fan-smoke-1", "fault", "smoke exhaust fan tripped", |b, v| {
        b.fire.fans[1].fault = v
    }),
    flag(
        "fan-smoke-1",
        "run_command",
        "start (true) / stop (false) by hand, e.g. the monthly test",
        |b, v| b.fire.fans[1].manual_command = v,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_knob_applies_a_value_it_parses() {
        for knob in KNOBS {
            let text = match knob.kind {
                KnobKind::Bool(_) => "true".to_owned(),
                KnobKind::Number { max, .. } => max.to_string(),
                KnobKind::Choice { options, .. } => options[0].to_lowercase(),
            };
            let value = knob.parse(&text).unwrap();
            let mut b = Building::demo();
            assert!(knob.apply(&mut b, value), "{}", knob.target());
        }
    }

    #[test]
    fn knobs_are_unique() {
        for (i, a) in KNOBS.iter().enumerate() {
            assert!(!KNOBS[i + 1..].contains(a), "duplicate {}", a.target());
        }
    }

    #[test]
    fn numbers_outside_their_range_are_refused_with_the_range() {
        let knob = find("tank-1", "level").unwrap();
        let err = knob.parse("120").unwrap_err();
        assert_eq!(err, "tank-1.level takes a number from 0 to 100 %");
        assert!(knob.parse("NaN").is_err());
    }

    #[test]
    fn choices_are_case_insensitive() {
        let knob = find("gen-1", "mode").unwrap();
        assert_eq!(knob.parse("manual"), Ok(KnobValue::Choice(1)));
        assert_eq!(knob.show(KnobValue::Choice(1)), "MANUAL");
    }

    #[test]
    fn a_value_of_the_wrong_kind_changes_nothing() {
        let knob = find("gen-1", "fault").unwrap();
        let mut b = Building::demo();
        assert!(!knob.apply(&mut b, KnobValue::Number(1.0)));
        assert!(!b.power().generator.fault);
    }
}
