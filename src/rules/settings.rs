//! Rule settings: every rule's defaults, and the overrides a site writes in config.
//!
//! The durations `docs/procedures.md` marks *configurable* are defaults here. A site changes
//! them for every piece of equipment (`[rules.PWR-02] delay_s = 20`) or for one
//! (`[equipment.rules.PWR-02] delay_s = 20` under that `[[equipment]]`); the equipment's value
//! wins. `enabled = false` switches a rule off. Thresholds that belong to the equipment (a
//! tank's `low`, a sump pit's `high`, a fire main's `low`) stay in its `limits`, so each number
//! has one home.
//!
//! Everything is checked when the config is loaded (`config::plan` calls [`resolve`]): an
//! unknown rule id, a rule that does not report on that kind of equipment, an unknown key or a
//! value out of range is a config error with its key path and a hint, like every other one.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::comms::COM_01;
use super::drainage::{DRN_01, DRN_02, DRN_03, DRN_04, DRN_05};
use super::fire::{FIRE_01, FIRE_02, FIRE_03, FIRE_04, FIRE_05};
use super::power::{PWR_01, PWR_02, PWR_03, PWR_04, PWR_05, PWR_06, PWR_07, PWR_08, PWR_09, PWR_10};
use super::timer::Timed;
use super::water::{WAT_01, WAT_02, WAT_03, WAT_04, WAT_05, WAT_06};
use crate::config::raw::{RawRules, RawSetting};
use crate::config::{Equipment, Plan};

/// One setting a rule accepts.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub name: &'static str,
    pub default: f64,
    /// Smallest value accepted.
    pub min: f64,
    /// Counts must be whole numbers.
    pub integer: bool,
    pub doc: &'static str,
}

/// One rule: its id, the kinds of equipment it reports on, and the settings it accepts
/// besides `enabled`.
#[derive(Debug)]
pub struct RuleSpec {
    pub id: &'static str,
    /// Kinds whose `[equipment.rules.<id>]` table is meaningful; empty for COM-01, which
    /// reports on devices and is set site-wide only.
    pub kinds: &'static [&'static str],
    pub keys: &'static [KeySpec],
}

pub const ENABLED: &str = "enabled";
pub const DELAY: &str = "delay_s";
pub const TOLERANCE: &str = "stale_tolerance_s";

const fn secs(name: &'static str, default: f64, doc: &'static str) -> KeySpec {
    KeySpec {
        name,
        default,
        min: 0.0,
        integer: false,
        doc,
    }
}

const fn delay(default: f64) -> KeySpec {
    secs(
        DELAY,
        default,
        "how long the condition must hold before the rule reports it",
    )
}

/// How long an input may be stale or bad without losing a running timer's progress.
const TOL: KeySpec = secs(
    TOLERANCE,
    5.0,
    "how long an input may be stale or bad before a running timer starts over",
);

const DAYS: KeySpec = KeySpec {
    name: "days",
    default: 31.0,
    min: 1.0,
    integer: false,
    doc: "days without an exercise before the rule reports it",
};

/// Every procedure rule and what may be set for it. Thresholds are in the equipment's
/// `limits`; see `config::kinds`.
pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        id: PWR_01,
        kinds: &["transfer_switch"],
        keys: &[delay(2.0), TOL],
    },
    RuleSpec {
        id: PWR_02,
        kinds: &["generator"],
        keys: &[delay(15.0), TOL],
    },
    RuleSpec {
        id: PWR_03,
        kinds: &["transfer_switch"],
        keys: &[delay(10.0), TOL],
    },
    RuleSpec {
        id: PWR_04,
        kinds: &["generator", "transfer_switch"],
        keys: &[delay(2.0), TOL],
    },
    RuleSpec {
        id: PWR_05,
        kinds: &["transfer_switch"],
        keys: &[delay(1800.0)],
    },
    RuleSpec {
        id: PWR_06,
        kinds: &["utility_feed"],
        keys: &[delay(2.0), TOL],
    },
    RuleSpec {
        id: PWR_07,
        kinds: &["utility_feed"],
        keys: &[delay(2.0), TOL],
    },
    RuleSpec {
        id: PWR_08,
        kinds: &["critical_room"],
        keys: &[delay(2.0), TOL],
    },
    RuleSpec {
        id: PWR_09,
        kinds: &["transfer_switch"],
        keys: &[secs(
            "hold_s",
            60.0,
            "how long the \"power restored\" notice stays active after the outage clears",
        )],
    },
    RuleSpec {
        id: PWR_10,
        kinds: &["generator"],
        keys: &[],
    },
    RuleSpec {
        id: WAT_01,
        kinds: &["pump_set"],
        keys: &[delay(5.0), TOL],
    },
    RuleSpec {
        id: WAT_02,
        kinds: &["pump_set"],
        keys: &[delay(10.0), TOL],
    },
    RuleSpec {
        id: WAT_03,
        kinds: &["pump_set", "tank"],
        keys: &[
            delay(10.0),
            TOL,
            KeySpec {
                name: "window_s",
                default: 60.0,
                min: 1.0,
                integer: false,
                doc: "span of tank readings the fall rate is measured over",
            },
        ],
    },
    RuleSpec {
        id: WAT_04,
        kinds: &["tank"],
        keys: &[],
    },
    RuleSpec {
        id: WAT_05,
        kinds: &["pump_set", "tank"],
        keys: &[delay(7200.0)],
    },
    RuleSpec {
        id: WAT_06,
        kinds: &["tank"],
        keys: &[KeySpec {
            name: "target_pct",
            default: 90.0,
            min: 0.0,
            integer: false,
            doc: "level the tank must reach before a planned supply cut",
        }],
    },
    RuleSpec {
        id: DRN_01,
        kinds: &["sump_pit"],
        keys: &[],
    },
    RuleSpec {
        id: DRN_02,
        kinds: &["sump_pit"],
        keys: &[],
    },
    RuleSpec {
        id: DRN_03,
        kinds: &["sump_pit"],
        keys: &[
            delay(600.0),
            TOL,
            KeySpec {
                name: "margin",
                default: 0.05,
                min: 0.0,
                integer: false,
                doc: "how far (in the level's unit) the level must drop below its peak to count as falling",
            },
        ],
    },
    RuleSpec {
        id: DRN_04,
        kinds: &["sump_pit"],
        keys: &[delay(10.0), TOL],
    },
    RuleSpec {
        id: DRN_05,
        kinds: &["leak_sensor"],
        keys: &[],
    },
    RuleSpec {
        id: FIRE_01,
        kinds: &["fire_panel"],
        keys: &[],
    },
    RuleSpec {
        id: FIRE_02,
        kinds: &["fire_panel"],
        keys: &[],
    },
    RuleSpec {
        id: FIRE_03,
        kinds: &["fire_main", "fire_pump"],
        keys: &[
            delay(10.0),
            TOL,
            secs(
                "pressure_delay_s",
                0.0,
                "how long the fire-main pressure must stay below its limit",
            ),
        ],
    },
    RuleSpec {
        id: FIRE_04,
        kinds: &["fire_pump", "fan"],
        keys: &[DAYS],
    },
    RuleSpec {
        id: FIRE_05,
        kinds: &["transfer_switch", "critical_room"],
        keys: &[DAYS],
    },
    RuleSpec {
        id: COM_01,
        kinds: &[],
        keys: &[KeySpec {
            name: "failures",
            default: 3.0,
            min: 1.0,
            integer: true,
            doc: "consecutive failed polls before a Modbus device (or connection attempts before a broker) counts as lost",
        }],
    },
];

/// Looks a rule up by id (`PWR-02`); case-insensitive, because environment overrides arrive
/// lowercased.
pub fn rule(id: &str) -> Option<&'static RuleSpec> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Comma-separated ids of the rules that report on a kind (all rules when `None`).
pub fn rule_ids(kind: Option<&str>) -> String {
    let ids: Vec<&str> = RULES
        .iter()
        .filter(|r| kind.is_none_or(|k| r.kinds.contains(&k)))
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        "(none)".into()
    } else {
        ids.join(", ")
    }
}

impl RuleSpec {
    pub fn key(&self, name: &str) -> Option<&'static KeySpec> {
        self.keys.iter().find(|k| k.name == name)
    }

    fn key_names(&self) -> String {
        std::iter::once(ENABLED)
            .chain(self.keys.iter().map(|k| k.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a config file sets for the rules of the site or of one piece of equipment, checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleSettings(pub BTreeMap<&'static str, RuleOverride>);

/// The settings written for one rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(flatten)]
    pub values: BTreeMap<&'static str, f64>,
}

/// A problem in a `rules` table; `key` is relative to the table (`PWR-02.delay_s`). Plain
/// data so that `config` can file it with its other issues.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingIssue {
    pub key: String,
    pub problem: String,
    pub hint: String,
}

/// Checks a `rules` table. `kind` is the equipment's kind, or `None` for the site-wide table.
pub fn resolve(kind: Option<&str>, raw: &RawRules) -> (RuleSettings, Vec<SettingIssue>) {
    let mut out = RuleSettings::default();
    let mut issues = Vec::new();
    let mut issue = |key: String, problem: String, hint: String| issues.push(SettingIssue { key, problem, hint });
    for (id, table) in raw {
        let Some(spec) = rule(id) else {
            issue(
                id.clone(),
                format!("\"{id}\" is not a rule id"),
                format!("rules: {}", rule_ids(kind)),
            );
            continue;
        };
        if let Some(k) = kind {
            if !spec.kinds.contains(&k) {
                let hint = if spec.kinds.is_empty() {
                    format!("{} is set for the whole site, under [rules.{}]", spec.id, spec.id)
                } else {
                    format!(
                        "{} reports on {}; rules of a {k}: {}",
                        spec.id,
                        spec.kinds.join(", "),
                        rule_ids(Some(k))
                    )
                };
                issue(id.clone(), format!("{} does not apply to a {k}", spec.id), hint);
                continue;
            }
        }
        // `PWR-02` from the file and `pwr-02` from the environment land in one entry.
        let o = out.0.entry(spec.id).or_default();
        for (name, value) in table {
            let at = format!("{id}.{name}");
            if name == ENABLED {
                match value {
                    RawSetting::Bool(b) => o.enabled = Some(*b),
                    other => issue(
                        at,
                        format!("enabled must be true or false, not {}", show(other)),
                        "write enabled = false to switch the rule off".into(),
                    ),
                }
                continue;
            }
            let Some(key) = spec.key(name) else {
                let hint = if name == "limit" || name.starts_with("limit") {
                    format!(
                        "{}'s thresholds are the equipment's limits (limits = {{ ... }}); keys of {}: {}",
                        spec.id,
                        spec.id,
                        spec.key_names()
                    )
                } else {
                    format!("keys of {}: {}", spec.id, spec.key_names())
                };
                issue(at, format!("{} has no setting \"{name}\"", spec.id), hint);
                continue;
            };
            let n = match value {
                RawSetting::Integer(i) => *i as f64,
                RawSetting::Float(f) => *f,
                other => {
                    issue(
                        at,
                        format!("{name} must be a number, not {}", show(other)),
                        format!("{}; the default is {}", key.doc, key.default),
                    );
                    continue;
                }
            };
            if !n.is_finite() || n < key.min || (key.integer && n.fract() != 0.0) {
                let what = if key.integer { "a whole number" } else { "a number" };
                issue(
                    at,
                    format!("{name} = {n} is out of range"),
                    format!(
                        "use {what} of at least {}; {} (default {})",
                        key.min, key.doc, key.default
                    ),
                );
                continue;
            }
            o.values.insert(key.name, n);
        }
    }
    (out, issues)
}

fn show(v: &RawSetting) -> String {
    match v {
        RawSetting::Bool(b) => b.to_string(),
        RawSetting::Integer(i) => i.to_string(),
        RawSetting::Float(f) => f.to_string(),
        RawSetting::Text(t) => format!("\"{t}\""),
    }
}

/// The settings in force for one piece of equipment (or, without one, for the site): its
/// own table first, then the site's, then the rule's default.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    site: &'a RuleSettings,
    equipment: Option<&'a RuleSettings>,
}

impl<'a> Settings<'a> {
    pub fn site(plan: &'a Plan) -> Self {
        Settings {
            site: &plan.rule_settings,
            equipment: None,
        }
    }

    pub fn of(plan: &'a Plan, equipment: &'a Equipment) -> Self {
        Settings {
            site: &plan.rule_settings,
            equipment: Some(&equipment.rule_settings),
        }
    }

    fn layers(&self, rule: &str) -> impl Iterator<Item = &'a RuleOverride> {
        let eq = self.equipment.and_then(|e| e.0.get(rule));
        eq.into_iter().chain(self.site.0.get(rule))
    }

    pub fn enabled(&self, rule: &str) -> bool {
        self.layers(rule).find_map(|o| o.enabled).unwrap_or(true)
    }

    /// A setting's value. `key` must be one the catalogue lists for `rule` (a programming
    /// error otherwise, caught by the tests).
    pub fn value(&self, rule: &str, key: &str) -> f64 {
        let default = rule_spec_key(rule, key).default;
        self.layers(rule)
            .find_map(|o| o.values.get(key).copied())
            .unwrap_or(default)
    }

    pub fn duration(&self, rule: &str, key: &str) -> Duration {
        Duration::from_secs_f64(self.value(rule, key))
    }

    /// `delay_s` and `stale_tolerance_s` of a timed rule.
    pub fn timed(&self, rule: &str) -> Timed {
        Timed {
            delay: self.duration(rule, DELAY),
            tolerance: self.duration(rule, TOLERANCE),
        }
    }

    /// `Some(settings)` when the rule is enabled.
    pub fn when_enabled<T>(&self, rule: &str, f: impl FnOnce(&Self) -> T) -> Option<T> {
        self.enabled(rule).then(|| f(self))
    }
}

fn rule_spec_key(rule: &str, key: &str) -> &'static KeySpec {
    match self::rule(rule).and_then(|r| r.key(key)) {
        Some(k) => k,
        None => panic!("rule {rule} has no setting {key} in the catalogue"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_str;

    const SITE: &str = r#"
[site]
id = "s"
name = "S"

[[buildings]]
id = "b"

[[modbus_tcp]]
id = "gw"
host = "127.0.0.1"
devices = [{ id = "ctl", unit = 1 }]

[rules.PWR-02]
delay_s = 20

[[equipment]]
id = "gen-1"
building = "b"
kind = "generator"

[equipment.points.running]
device = "ctl"
table = "discrete_input"
address = 0
"#;

    fn issues(text: &str) -> Vec<(String, String, String)> {
        let e = load_str("site.toml", text, Some(Default::default())).unwrap_err();
        e.issues.into_iter().map(|i| (i.key, i.problem, i.hint)).collect()
    }

    #[test]
    fn site_settings_apply_unless_the_equipment_sets_its_own() {
        let plan = load_str("site.toml", SITE, Some(Default::default())).unwrap();
        let gen = &plan.equipment[0];
        assert_eq!(
            Settings::of(&plan, gen).duration(PWR_02, DELAY),
            Duration::from_secs(20)
        );
        let text = format!("{SITE}\n[equipment.rules.PWR-02]\ndelay_s = 25.5\nenabled = false\n");
        let plan = load_str("site.toml", &text, Some(Default::default())).unwrap();
        let s = Settings::of(&plan, &plan.equipment[0]);
        assert_eq!(s.duration(PWR_02, DELAY), Duration::from_millis(25_500));
        assert!(!s.enabled(PWR_02));
        assert_eq!(
            s.duration(PWR_02, TOLERANCE),
            Duration::from_secs(5),
            "unset keys keep their default"
        );
    }

    #[test]
    fn unknown_rule_ids_keys_and_misplaced_rules_are_config_errors_with_hints() {
        let text = format!(
            "{SITE}\n[equipment.rules.PWR-99]\ndelay_s = 1\n[equipment.rules.WAT-04]\nenabled = false\n\
             [equipment.rules.PWR-10]\nlimit = 20\n[equipment.rules.PWR-02]\ndelay = 3\nenabled = \"no\"\n"
        );
        let found = issues(&text);
        let keys: Vec<&str> = found.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "equipment[0].rules.PWR-02.delay",
                "equipment[0].rules.PWR-02.enabled",
                "equipment[0].rules.PWR-10.limit",
                "equipment[0].rules.PWR-99",
                "equipment[0].rules.WAT-04",
            ],
            "{found:#?}"
        );
        assert!(found[0]
            .2
            .contains("keys of PWR-02: enabled, delay_s, stale_tolerance_s"));
        assert!(found[2].2.contains("limits"), "{}", found[2].2);
        assert!(found[3].2.contains("PWR-02, PWR-04, PWR-10"), "{}", found[3].2);
        assert_eq!(found[4].1, "WAT-04 does not apply to a generator");
    }

    #[test]
    fn environment_overrides_reach_rule_settings() {
        let env = [("FACMON__RULES__PWR-02__DELAY_S".to_string(), "30".to_string())];
        let plan = load_str("site.toml", SITE, Some(env.into_iter().collect())).unwrap();
        assert_eq!(Settings::site(&plan).duration(PWR_02, DELAY), Duration::from_secs(30));
    }

    #[test]
    fn out_of_range_values_and_site_wide_only_rules_are_refused() {
        let text = SITE.replace("delay_s = 20", "delay_s = -1\n[rules.COM-01]\nfailures = 2.5");
        let text = format!("{text}\n[equipment.rules.COM-01]\nfailures = 4\n");
        let found = issues(&text);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(found[0].0, "rules.COM-01.failures");
        assert!(found[0].2.contains("whole number"));
        assert_eq!(found[1].0, "rules.PWR-02.delay_s");
        assert_eq!(found[2].0, "equipment[0].rules.COM-01");
        assert!(found[2].2.contains("[rules.COM-01]"), "{}", found[2].2);
    }

    #[test]
    fn every_rule_in_the_catalogue_has_a_unique_id_and_known_kinds() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "{} twice", r.id);
            for k in r.kinds {
                assert!(crate::config::kinds::kind(k).is_some(), "{}: kind {k}", r.id);
            }
        }
        assert_eq!(RULES.len(), 27);
    }
}
