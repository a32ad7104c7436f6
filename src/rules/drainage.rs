//! Drainage and flooding (排水 / 水浸): DRN-01 … DRN-05.
//!
//! The source is `docs/procedures.md` (and `seeds/000_*.txt` §2 排水部分突发事故).
//!
//! | rule | equipment | condition |
//! | --- | --- | --- |
//! | DRN-01 | sump_pit | `high_float` on, or `level` ≥ `limits.high` → major |
//! | DRN-02 | sump_pit | `high_high_float` on, or `level` ≥ `limits.high_high` → critical |
//! | DRN-03 | sump_pit | a member pump running for `delay_s` (10 min) and the level not falling → major |
//! | DRN-04 | sump_pit | a member pump's fault contact on, or commanded with no run feedback for `delay_s` (10 s) → major, naming the pump |
//! | DRN-05 | leak_sensor | `wet` → critical (latching until someone resets it is the alarm layer's job) |
//!
//! A pit gets only the rules its points can serve: DRN-01 needs the high float or a level
//! with `limits.high`, DRN-03 member pumps and a level or the high float.
//!
//! **"Not falling" (DRN-03).** The level is compared with the highest level seen since the
//! pumps started (remembered with the timer, so it survives a restart): it is falling once
//! it is more than `margin` (0.05, in the level's unit) below that peak. This is the
//! procedure's "level now vs. level when the run started" made robust to inflow that keeps
//! rising after the start, and it clears as soon as a freed pump draws the pit down. A pit
//! with floats only counts as not falling while its high float stays on.

use super::context::{join, num, push, span, Cx};
use super::input::{Needs, Tri};
use super::outcome::{Condition, Finding, RuleOutcome, Severity, Text};
use super::settings::Settings;
use super::timer::{Delay, Timed, TimerKey};
use super::water::{member, members};
use crate::config::{Equipment, Plan};

pub const DRN_01: &str = "DRN-01";
pub const DRN_02: &str = "DRN-02";
pub const DRN_03: &str = "DRN-03";
pub const DRN_04: &str = "DRN-04";
pub const DRN_05: &str = "DRN-05";

pub(super) struct Drainage {
    pits: Vec<Pit>,
    /// Leak sensors with DRN-05 enabled.
    leaks: Vec<usize>,
}

/// One level threshold: its float and/or its limit on the level.
#[derive(Clone, Copy)]
struct High {
    float: &'static str,
    /// The limit, when the pit has a level point and sets it.
    limit: Option<f64>,
}

struct Pit {
    eq: usize,
    members: Vec<usize>,
    drn01: Option<High>,
    drn02: Option<High>,
    /// Timer and margin.
    drn03: Option<(Timed, f64)>,
    drn04: Option<Timed>,
}

impl Drainage {
    pub fn new(plan: &Plan) -> Drainage {
        let pits = plan
            .equipment
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == "sump_pit")
            .map(|(i, e)| {
                let s = Settings::of(plan, e);
                let has = |r: &str| e.points.contains_key(r);
                let high = |float: &'static str, limit: &str| {
                    let limit = e.limits.get(limit).copied().filter(|_| has("level"));
                    (has(float) || limit.is_some()).then_some(High { float, limit })
                };
                let members = members(plan, e);
                Pit {
                    eq: i,
                    drn01: s.when_enabled(DRN_01, |_| high("high_float", "high")).flatten(),
                    drn02: s
                        .when_enabled(DRN_02, |_| high("high_high_float", "high_high"))
                        .flatten(),
                    drn03: s
                        .when_enabled(DRN_03, |s| (s.timed(DRN_03), s.value(DRN_03, "margin")))
                        .filter(|_| !members.is_empty() && (has("level") || has("high_float"))),
                    drn04: s
                        .when_enabled(DRN_04, |s| s.timed(DRN_04))
                        .filter(|_| !members.is_empty()),
                    members,
                }
            })
            .collect();
        let leaks = plan
            .equipment
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == "leak_sensor" && Settings::of(plan, e).enabled(DRN_05))
            .map(|(i, _)| i)
            .collect();
        Drainage { pits, leaks }
    }

    pub fn evaluate(&self, cx: &mut Cx<'_>, out: &mut Vec<RuleOutcome>) {
        for p in &self.pits {
            let pit = cx.eq(p.eq);
            let pumps: Vec<&Equipment> = p.members.iter().map(|&m| cx.eq(m)).collect();
            if let Some(h) = p.drn01 {
                push(out, DRN_01, &pit.id, drn_01(cx, pit, h));
            }
            if let Some(h) = p.drn02 {
                push(out, DRN_02, &pit.id, drn_02(cx, pit, h));
            }
            if let Some((t, margin)) = p.drn03 {
                push(out, DRN_03, &pit.id, drn_03(cx, pit, &pumps, t, margin));
            }
            if let Some(t) = p.drn04 {
                push(out, DRN_04, &pit.id, drn_04(cx, pit, &pumps, t));
            }
        }
        for &l in &self.leaks {
            let sensor = cx.eq(l);
            push(out, DRN_05, &sensor.id, drn_05(cx, sensor));
        }
    }
}

/// Whether the pit is at or above a threshold, and in which words.
fn above(cx: &Cx<'_>, need: &mut Needs, pit: &Equipment, h: High) -> (Tri, Vec<Text>) {
    let float = need.tri(cx.read.bool(pit, h.float).or_if_missing(false));
    let mut why = Vec::new();
    if float.is_true() {
        why.push(Text::new(
            format!("{} 浮球开关动作", h.float),
            format!("{} on", h.float),
        ));
    }
    let level = match h.limit {
        Some(limit) => {
            let level = need.take(cx.read.number(pit, "level"));
            if let Some(l) = level.filter(|l| *l >= limit) {
                let unit = cx.unit(pit, "level");
                why.push(Text::new(
                    format!("水位 {}{unit} ≥ {}{unit}", num(l), num(limit)),
                    format!("level {}{unit} ≥ {}{unit}", num(l), num(limit)),
                ));
            }
            Tri::from(level.map(|l| l >= limit))
        }
        None => Tri::False,
    };
    (float.or(level), why)
}

/// DRN-01: sump pit level high (high float, or level ≥ `limits.high`) → major.
fn drn_01(cx: &mut Cx<'_>, pit: &Equipment, h: High) -> Condition {
    let mut need = Needs::default();
    let (high, why) = above(cx, &mut need, pit, h);
    need.decide(
        DRN_01,
        high.is_true().then(|| Finding {
            severity: Severity::Major,
            message: Text::new(
                format!("集水坑 {} 水位高", pit.id),
                format!("Sump pit {} level high", pit.id),
            ),
            diagnosis: Some(join(&why)),
            action: Text::new(
                "即时用潜水泵/排污泵将水排除，并对排污泵、管网作检查、抢修",
                "Run the submersible/sewage pump to clear the water; check and repair the pump and the pipes",
            ),
        }),
    )
}

/// DRN-02: sump pit level high-high (high-high float, or level ≥ `limits.high_high`) →
/// critical: flooding imminent.
fn drn_02(cx: &mut Cx<'_>, pit: &Equipment, h: High) -> Condition {
    let mut need = Needs::default();
    let (high, why) = above(cx, &mut need, pit, h);
    need.decide(
        DRN_02,
        high.is_true().then(|| Finding {
            severity: Severity::Critical,
            message: Text::new(
                format!("集水坑 {} 水位超高：即将水浸", pit.id),
                format!("Sump pit {} level high-high: flooding imminent", pit.id),
            ),
            diagnosis: Some(join(&why)),
            action: Text::new(
                "即时调用移动潜水泵排水；对可能受水浸影响的设备、物资采取保护措施，并通知相关人员到现场抢修",
                "Bring a portable submersible pump; protect the equipment and stock at risk and call the people \
                 concerned to the site",
            ),
        }),
    )
}

/// DRN-03: a member pump running for `delay_s` (10 min) and the level not falling → major:
/// pump blocked or failed.
fn drn_03(cx: &mut Cx<'_>, pit: &Equipment, pumps: &[&Equipment], t: Timed, margin: f64) -> Condition {
    let mut need = Needs::default();
    let running: Vec<Tri> = pumps.iter().map(|p| need.tri(cx.read.bool(p, "running"))).collect();
    let key = TimerKey::new(DRN_03, &pit.id);
    let delay = cx.timers.on_delay(key.clone(), t, Tri::any(running), cx.mono);
    let has_level = pit.points.contains_key("level");
    let not_falling = if has_level {
        let level = need.take(cx.read.number(pit, "level"));
        let peak = match (level, cx.timers.mark(&key)) {
            (Some(l), Some(m)) => Some(l.max(m)),
            (l, m) => l.or(m),
        };
        if let Some(p) = peak {
            cx.timers.set_mark(&key, p);
        }
        match (level, peak) {
            (Some(l), Some(p)) => Tri::from(l >= p - margin),
            _ => Tri::Unknown,
        }
    } else {
        need.tri(cx.read.bool(pit, "high_float"))
    };
    let Delay::Elapsed(ran) = delay else {
        return need.verdict(DRN_03);
    };
    need.decide(
        DRN_03,
        not_falling.is_true().then(|| {
            let on: Vec<&str> = pumps
                .iter()
                .filter(|p| cx.read.bool(p, "running").good() == Some(true))
                .map(|p| p.id.as_str())
                .collect();
            let on = on.join(", ");
            let d = span(ran);
            let (zh, en) = match (cx.read.number(pit, "level").good(), cx.timers.mark(&key)) {
                (Some(l), Some(p)) if has_level => {
                    let unit = cx.unit(pit, "level");
                    (
                        format!("水位 {}{unit}，运行以来最高 {}{unit}", num(l), num(p)),
                        format!("level {}{unit}, peak since start {}{unit}", num(l), num(p)),
                    )
                }
                _ => ("高水位浮球仍动作".to_string(), "high float still on".to_string()),
            };
            Finding {
                severity: Severity::Major,
                message: Text::new(
                    format!("集水坑 {}：{on} 已运行 {}，水位未下降（{zh}）", pit.id, d.zh),
                    format!(
                        "Sump pit {}: {on} has run for {} and the level is not falling ({en})",
                        pit.id, d.en
                    ),
                ),
                diagnosis: Some(Text::new("排污泵堵塞或损坏", "pump blocked or failed")),
                action: Text::new(
                    "检查排污泵和管网并抢修；同时用潜水泵将水排除",
                    "Check and repair the pump and the pipe; meanwhile clear the water with a submersible pump",
                ),
            }
        }),
    )
}

/// DRN-04: a member pump's fault contact on, or commanded with no run feedback for
/// `delay_s` (10 s) → major: repair ticket.
fn drn_04(cx: &mut Cx<'_>, pit: &Equipment, pumps: &[&Equipment], t: Timed) -> Condition {
    let mut need = Needs::default();
    let failed: Vec<Text> = pumps
        .iter()
        .map(|p| member(cx, &mut need, DRN_04, pit, p, t))
        .filter(|m| m.failed.is_true())
        .filter_map(|m| m.why)
        .collect();
    need.decide(
        DRN_04,
        (!failed.is_empty()).then(|| {
            let why = join(&failed);
            Finding {
                severity: Severity::Major,
                message: Text::new(
                    format!("集水坑 {} 排污泵故障：{}", pit.id, why.zh),
                    format!("Sump pit {} pump failure: {}", pit.id, why.en),
                ),
                diagnosis: None,
                action: Text::new(
                    "报修排污泵，并检查集水坑水位",
                    "Raise a repair ticket for the pump; watch the pit level",
                ),
            }
        }),
    )
}

/// DRN-05: a leak / water-ingress sensor is wet → critical.
fn drn_05(cx: &mut Cx<'_>, sensor: &Equipment) -> Condition {
    let mut need = Needs::default();
    let wet = need.tri(cx.read.bool(sensor, "wet"));
    need.decide(
        DRN_05,
        wet.is_true().then(|| Finding {
            severity: Severity::Critical,
            message: Text::new(
                format!("{} 检测到水浸", sensor.id),
                format!("Water detected by leak sensor {}", sensor.id),
            ),
            diagnosis: None,
            action: Text::new(
                "保护设备，查找水源并止漏；通知相关人员到现场",
                "Protect the equipment, find and stop the source of the water; call the people concerned to the site",
            ),
        }),
    )
}
