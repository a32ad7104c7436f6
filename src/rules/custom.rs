//! Configured rules: what a site wants watched beyond the procedures, on one point role.
//!
//! ```toml
//! [[custom_rules]]
//! id = "GEN-VOLT-HIGH"          # shown and journaled like a procedure id
//! equipment = "gen-1"
//! role = "output_voltage"
//! above = 250.0                 # or: below, equals, rises_faster_than_per_min, falls_faster_than_per_min
//! deadband = 5.0                # clears only below 245 (above/below only)
//! delay_s = 5                   # on-delay (default 0)
//! clear_delay_s = 10            # off-delay (default 0)
//! severity = "warning"          # info, warning (default), major, critical
//! message_en = "Generator output voltage high"   # optional, both languages
//! message_zh = "发电机输出电压高"
//! action_en = "Check the AVR"                    # optional
//! action_zh = "检查调压器"
//! ```
//!
//! * `above` / `below` — a measurement past a limit; with `deadband` the rule, once active,
//!   clears only when the value is back past the limit by the deadband (no chatter at the edge).
//! * `equals` — an on/off role equal to `true`/`false`, or a selector equal to one of its labels,
//!   held for `delay_s` ("state equals value for a duration").
//! * `rises_faster_than_per_min` / `falls_faster_than_per_min` — the change of a measurement
//!   over `window_s` (60 s) of good readings, in the value's unit per minute.
//!
//! They follow the procedure rules' principles: active only when the good readings prove it,
//! unknown (never normal) when the point is not good, timers frozen through a blip shorter
//! than `stale_tolerance_s` (5 s). Whether a rule is active is kept as a timer record
//! (member `active`), so it survives a restart like every other timer; rate windows do not.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use serde::Serialize;

use super::context::{num, push, Cx};
use super::input::{Needs, Tri};
use super::outcome::{Condition, Finding, RuleOutcome, Severity, Text};
use super::settings::{self, SettingIssue};
use super::timer::{Timed, TimerKey};
use crate::config::kinds::{self, RoleValue};
use crate::config::raw::{RawCustomRule, RawSetting};
use crate::config::{Equipment, Plan};

/// What a configured rule checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Check {
    Above {
        limit: f64,
        deadband: f64,
    },
    Below {
        limit: f64,
        deadband: f64,
    },
    Equals(Expected),
    /// Change per minute over `window`: faster than `per_min` upwards (`rising`) or downwards.
    Rate {
        rising: bool,
        per_min: f64,
        window: Duration,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expected {
    Bool(bool),
    Label(String),
}

/// A checked `[[custom_rules]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomRule {
    pub id: String,
    pub equipment: String,
    pub role: String,
    pub check: Check,
    pub severity: Severity,
    pub delay: Duration,
    pub clear_delay: Duration,
    pub tolerance: Duration,
    /// The configured message; a generated description otherwise.
    pub message: Option<Text>,
    pub action: Option<Text>,
}

const CONDITIONS: &str = "above, below, equals, rises_faster_than_per_min, falls_faster_than_per_min";

/// Checks `[[custom_rules]]` against the plan's equipment. Keys are full paths
/// (`custom_rules[0].above`).
pub fn resolve(raw: &[RawCustomRule], equipment: &[Equipment]) -> (Vec<CustomRule>, Vec<SettingIssue>) {
    let mut issues = Vec::new();
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for (i, r) in raw.iter().enumerate() {
        let mut p = Problems {
            at: format!("custom_rules[{i}]"),
            list: Vec::new(),
        };
        if let Some(rule) = resolve_one(r, equipment, &mut ids, &mut p) {
            if p.list.is_empty() {
                out.push(rule);
            }
        }
        issues.append(&mut p.list);
    }
    (out, issues)
}

/// The problems of one `[[custom_rules]]` entry.
struct Problems {
    at: String,
    list: Vec<SettingIssue>,
}

impl Problems {
    fn push(&mut self, key: &str, problem: impl Into<String>, hint: impl Into<String>) {
        self.list.push(SettingIssue {
            key: format!("{}{key}", self.at),
            problem: problem.into(),
            hint: hint.into(),
        });
    }

    /// A duration key: 0 or more seconds.
    fn secs(&mut self, key: &str, v: Option<f64>, default: f64) -> Duration {
        let v = v.unwrap_or(default);
        if !v.is_finite() || v < 0.0 {
            self.push(
                &format!(".{key}"),
                format!("{key} = {v} is out of range"),
                "use a number of seconds, 0 or more",
            );
            return Duration::ZERO;
        }
        Duration::from_secs_f64(v)
    }
}

fn resolve_one(
    r: &RawCustomRule,
    equipment: &[Equipment],
    ids: &mut HashSet<String>,
    p: &mut Problems,
) -> Option<CustomRule> {
    check_id(&r.id, ids, p);
    let Some(eq) = equipment.iter().find(|e| e.id == r.equipment) else {
        p.push(
            ".equipment",
            format!("equipment \"{}\" is not defined", r.equipment),
            "use the id of an [[equipment]]",
        );
        return None;
    };
    let kind = kinds::kind(eq.kind)?;
    let Some(role) = kind.role(&r.role) else {
        p.push(
            ".role",
            format!("a {} has no role \"{}\"", eq.kind, r.role),
            format!("roles of a {}: {}", eq.kind, kind.role_names()),
        );
        return None;
    };
    if !eq.points.contains_key(&r.role) {
        p.push(
            ".role",
            format!("{} does not bind {}", eq.id, r.role),
            format!("add [equipment.points.{}] to {}", r.role, eq.id),
        );
    }
    let check = check(r, role.value, p);
    let delay = p.secs("delay_s", r.delay_s, 0.0);
    let clear_delay = p.secs("clear_delay_s", r.clear_delay_s, 0.0);
    let tolerance = p.secs("stale_tolerance_s", r.stale_tolerance_s, 5.0);
    let severity = match r.severity.as_deref() {
        None | Some("warning") => Severity::Warning,
        Some("info") => Severity::Info,
        Some("major") => Severity::Major,
        Some("critical") => Severity::Critical,
        Some(other) => {
            p.push(
                ".severity",
                format!("\"{other}\" is not a severity"),
                "use info, warning, major or critical",
            );
            Severity::Warning
        }
    };
    Some(CustomRule {
        id: r.id.clone(),
        equipment: r.equipment.clone(),
        role: r.role.clone(),
        check: check?,
        severity,
        delay,
        clear_delay,
        tolerance,
        message: text(&r.message_zh, &r.message_en),
        action: text(&r.action_zh, &r.action_en),
    })
}

fn check_id(id: &str, ids: &mut HashSet<String>, p: &mut Problems) {
    let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        p.push(
            ".id",
            format!("\"{id}\" is not a valid rule id"),
            "use letters, digits, '-' and '_' (e.g. \"GEN-VOLT-HIGH\")",
        );
    } else if settings::rule(id).is_some() {
        p.push(
            ".id",
            format!("{id} is a procedure rule"),
            format!("give the configured rule its own id; to tune {id}, use [rules.{id}]"),
        );
    } else if !ids.insert(id.to_ascii_uppercase()) {
        p.push(
            ".id",
            format!("duplicate rule id \"{id}\""),
            "give each configured rule its own id",
        );
    }
}

fn check(r: &RawCustomRule, value: RoleValue, p: &mut Problems) -> Option<Check> {
    let set: Vec<&str> = [
        ("above", r.above.is_some()),
        ("below", r.below.is_some()),
        ("equals", r.equals.is_some()),
        ("rises_faster_than_per_min", r.rises_faster_than_per_min.is_some()),
        ("falls_faster_than_per_min", r.falls_faster_than_per_min.is_some()),
    ]
    .into_iter()
    .filter(|(_, s)| *s)
    .map(|(n, _)| n)
    .collect();
    let [name] = set.as_slice() else {
        p.push(
            "",
            format!("a configured rule needs exactly one condition, found {}", set.len()),
            format!("set one of: {CONDITIONS}"),
        );
        return None;
    };
    let name = *name;
    if r.deadband.is_some() && !matches!(name, "above" | "below") {
        p.push(".deadband", "deadband is for above and below", "remove deadband");
    }
    if r.window_s.is_some() && !name.ends_with("_per_min") {
        p.push(".window_s", "window_s is for rate rules", "remove window_s");
    }
    let deadband = r.deadband.unwrap_or(0.0);
    if !deadband.is_finite() || deadband < 0.0 {
        p.push(
            ".deadband",
            format!("deadband = {deadband} is out of range"),
            "use 0 or more, in the value's unit",
        );
    }
    if name != "equals" && value != RoleValue::Number {
        p.push(
            &format!(".{name}"),
            format!("{} is not a measurement", r.role),
            "on/off and selector roles take equals = true/false or equals = \"LABEL\"",
        );
        return None;
    }
    match name {
        "above" => Some(Check::Above {
            limit: r.above?,
            deadband,
        }),
        "below" => Some(Check::Below {
            limit: r.below?,
            deadband,
        }),
        "equals" => match (value, r.equals.as_ref()?) {
            (RoleValue::Bool, RawSetting::Bool(b)) => Some(Check::Equals(Expected::Bool(*b))),
            (RoleValue::Enum(labels), RawSetting::Text(t)) if labels.contains(&t.as_str()) => {
                Some(Check::Equals(Expected::Label(t.clone())))
            }
            (RoleValue::Enum(labels), _) => {
                p.push(
                    ".equals",
                    format!("{} takes one of its labels", r.role),
                    format!("use one of: {}", labels.join(", ")),
                );
                None
            }
            (RoleValue::Bool, _) => {
                p.push(
                    ".equals",
                    format!("{} is on/off", r.role),
                    "use equals = true or equals = false",
                );
                None
            }
            (RoleValue::Number, _) => {
                p.push(
                    ".equals",
                    format!("{} is a measurement", r.role),
                    "use above or below (with a deadband) for measurements",
                );
                None
            }
        },
        _ => {
            let rising = name == "rises_faster_than_per_min";
            let per_min = r.rises_faster_than_per_min.or(r.falls_faster_than_per_min)?;
            let window = r.window_s.unwrap_or(60.0);
            if !per_min.is_finite() || per_min <= 0.0 || !window.is_finite() || window <= 0.0 {
                p.push(
                    &format!(".{name}"),
                    "the rate and window_s must be greater than 0",
                    "e.g. falls_faster_than_per_min = 5.0 with window_s = 60",
                );
                return None;
            }
            Some(Check::Rate {
                rising,
                per_min,
                window: Duration::from_secs_f64(window),
            })
        }
    }
}

fn text(zh: &Option<String>, en: &Option<String>) -> Option<Text> {
    match (zh, en) {
        (None, None) => None,
        (zh, en) => {
            let zh = zh.as_ref().or(en.as_ref()).cloned().unwrap_or_default();
            let en = en.as_ref().or(Some(&zh)).cloned().unwrap_or_default();
            Some(Text::new(zh, en))
        }
    }
}

/// The configured rules of a plan with their running state.
pub(super) struct Custom {
    rules: Vec<Running>,
}

struct Running {
    rule: CustomRule,
    eq: usize,
    samples: VecDeque<(Duration, f64)>,
}

impl Custom {
    pub fn new(plan: &Plan) -> Custom {
        let rules = plan
            .custom_rules
            .iter()
            .filter_map(|r| {
                let eq = plan.equipment.iter().position(|e| e.id == r.equipment)?;
                Some(Running {
                    rule: r.clone(),
                    eq,
                    samples: VecDeque::new(),
                })
            })
            .collect();
        Custom { rules }
    }

    pub fn evaluate(&mut self, cx: &mut Cx<'_>, out: &mut Vec<RuleOutcome>) {
        for r in &mut self.rules {
            let eq = cx.eq(r.eq);
            let c = evaluate(cx, eq, &r.rule, &mut r.samples);
            push(out, &r.rule.id, &eq.id, c);
        }
    }
}

/// One configured rule: the condition (with the deadband while active), then the on-delay
/// to raise it or the off-delay to clear it.
fn evaluate(cx: &mut Cx<'_>, eq: &Equipment, r: &CustomRule, samples: &mut VecDeque<(Duration, f64)>) -> Condition {
    let active_key = TimerKey::member(&r.id, &eq.id, "active");
    let mut active = cx.timers.elapsed(&active_key).is_some();
    let mut need = Needs::default();
    let point = format!("{}.{}", eq.id, r.role);
    let unit = cx.unit(eq, &r.role);
    let (cond, zh, en) = match &r.check {
        Check::Above { limit, deadband } | Check::Below { limit, deadband } => {
            let above = matches!(r.check, Check::Above { .. });
            let v = need.take(cx.read.number(eq, &r.role));
            let edge = match (active, above) {
                (false, _) => *limit,
                (true, true) => limit - deadband,
                (true, false) => limit + deadband,
            };
            let cond = Tri::from(v.map(|v| if above { v > edge } else { v < edge }));
            let (v, l) = (num(v.unwrap_or(f64::NAN)), num(*limit));
            let (zh_word, en_word) = if above {
                ("高于", "above")
            } else {
                ("低于", "below")
            };
            (
                cond,
                format!("{point} {v}{unit} {zh_word} {l}{unit}"),
                format!("{point} {v}{unit} {en_word} {l}{unit}"),
            )
        }
        Check::Equals(Expected::Bool(b)) => {
            let v = need.take(cx.read.bool(eq, &r.role));
            (
                Tri::from(v.map(|v| v == *b)),
                format!("{point} 为 {b}"),
                format!("{point} is {b}"),
            )
        }
        Check::Equals(Expected::Label(l)) => {
            let v = need.take(cx.read.label(eq, &r.role));
            (
                Tri::from(v.map(|v| v == l)),
                format!("{point} 为 {l}"),
                format!("{point} is {l}"),
            )
        }
        Check::Rate {
            rising,
            per_min,
            window,
        } => {
            let v = need.take(cx.read.number(eq, &r.role));
            if let Some(v) = v {
                samples.push_back((cx.mono, v));
            }
            while samples
                .front()
                .is_some_and(|(t, _)| cx.mono.saturating_sub(*t) > *window)
            {
                samples.pop_front();
            }
            let rate = match (samples.front(), samples.back()) {
                (Some(&(t0, v0)), Some(&(t1, v1))) if t1.saturating_sub(t0) >= *window / 2 => {
                    Some((v1 - v0) / ((t1 - t0).as_secs_f64() / 60.0))
                }
                _ => None,
            };
            let fast = rate.is_some_and(|x| if *rising { x > *per_min } else { x < -per_min });
            let cond = if v.is_some() { Tri::from(fast) } else { Tri::Unknown };
            let (x, l) = (num(rate.unwrap_or(0.0).abs()), num(*per_min));
            let (zh_word, en_word) = if *rising {
                ("上升", "rising")
            } else {
                ("下降", "falling")
            };
            (
                cond,
                format!("{point} 每分钟{zh_word} {x}{unit}（限值 {l}{unit}）"),
                format!("{point} {en_word} {x}{unit}/min (limit {l}{unit}/min)"),
            )
        }
    };
    let (on_key, off_key) = (TimerKey::new(&r.id, &eq.id), TimerKey::member(&r.id, &eq.id, "clear"));
    if active {
        let t = Timed {
            delay: r.clear_delay,
            tolerance: r.tolerance,
        };
        if cx.timers.on_delay(off_key.clone(), t, cond.not(), cx.mono).is_elapsed() {
            cx.timers.stop(&off_key);
            cx.timers.stop(&active_key);
            active = false;
        } else {
            cx.timers.escalate(active_key, Duration::ZERO, Tri::True, cx.mono);
        }
    } else {
        let t = Timed {
            delay: r.delay,
            tolerance: r.tolerance,
        };
        if cx.timers.on_delay(on_key.clone(), t, cond, cx.mono).is_elapsed() {
            cx.timers.stop(&on_key);
            cx.timers.escalate(active_key, Duration::ZERO, Tri::True, cx.mono);
            active = true;
        }
    }
    if !need.is_empty() || !active {
        return need.verdict(&r.id);
    }
    let generated = Text::new(zh, en);
    Condition::Active(Finding {
        severity: r.severity,
        message: r.message.clone().unwrap_or_else(|| generated.clone()),
        diagnosis: r.message.is_some().then_some(generated),
        action: r
            .action
            .clone()
            .unwrap_or_else(|| Text::new(format!("现场检查 {}", eq.id), format!("Check {} on site", eq.id))),
    })
}
