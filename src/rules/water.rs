//! Water supply (给水): WAT-01 … WAT-06.
//!
//! The source is `docs/procedures.md` (and `seeds/000_*.txt` §2 给排水系统应急处理方案).
//!
//! | rule | equipment | condition |
//! | --- | --- | --- |
//! | WAT-01 | pump_set | a member pump's fault contact on, or commanded to run with no run feedback for `delay_s` (5 s) → major, naming the pump |
//! | WAT-02 | pump_set | WAT-01 and no member running for `delay_s` (10 s) → critical: start the standby by hand |
//! | WAT-03 | pump_set, tank | discharge pressure below `limits.pressure_low` while a member runs (10 s); or a tank's level falling faster than `limits.fall_rate_pct_per_min` over `window_s` (60 s) → critical |
//! | WAT-04 | tank | level below `limits.low` (30) major, below `limits.low_low` (15) critical |
//! | WAT-05 | pump_set, tank | a WAT-01 … WAT-04 incident on it open longer than `delay_s` (2 h) → escalation |
//! | WAT-06 | tank | a planned supply cut is scheduled and the level is below `target_pct` (90) → warning |
//!
//! WAT-01 reports any member's fault contact, the standby's too: a tripped standby is exactly
//! what turns the next duty trip into WAT-02. WAT-03's flow-above-limit branch waits for a
//! flow role (the kinds have none yet).
//!
//! **WAT-06 has no input yet.** Nothing in the config or the field tells facmon about a
//! planned municipal cut; until a schedule exists the rule is evaluated with "no cut
//! scheduled" and stays normal. [`RuleEngine::set_planned_supply_cut`](super::RuleEngine::set_planned_supply_cut)
//! is the hook the schedule will use.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use super::context::{join, num, push, span, text, Cx};
use super::input::{Needs, Tri};
use super::outcome::{Condition, Finding, RuleOutcome, Severity, Text};
use super::settings::Settings;
use super::timer::{Delay, Timed, TimerKey};
use crate::config::{Equipment, Plan};

pub const WAT_01: &str = "WAT-01";
pub const WAT_02: &str = "WAT-02";
pub const WAT_03: &str = "WAT-03";
pub const WAT_04: &str = "WAT-04";
pub const WAT_05: &str = "WAT-05";
pub const WAT_06: &str = "WAT-06";

const DEFAULT_LOW: f64 = 30.0;
const DEFAULT_LOW_LOW: f64 = 15.0;

pub(super) struct Water {
    sets: Vec<PumpSet>,
    tanks: Vec<Tank>,
}

struct PumpSet {
    eq: usize,
    members: Vec<usize>,
    /// WAT-01's feedback delay; WAT-02 needs the member verdicts even when WAT-01 is off.
    feedback: Timed,
    emit01: bool,
    wat02: Option<Timed>,
    /// Delay and `limits.pressure_low`.
    wat03: Option<(Timed, f64)>,
    wat05: Option<Duration>,
}

struct Tank {
    eq: usize,
    wat03: Option<FallRate>,
    /// `low`, `low_low`.
    wat04: Option<(f64, f64)>,
    wat05: Option<Duration>,
    /// Pre-fill target, %.
    wat06: Option<f64>,
}

/// WAT-03 on a tank: the level's fall over a sliding window of good readings.
struct FallRate {
    limit_pct_per_min: f64,
    window: Duration,
    samples: VecDeque<(Duration, f64)>,
}

/// Member pumps by id, in the listed order (duty first).
pub(super) fn members(plan: &Plan, owner: &Equipment) -> Vec<usize> {
    owner
        .pumps
        .iter()
        .filter_map(|id| plan.equipment.iter().position(|e| &e.id == id))
        .collect()
}

impl Water {
    pub fn new(plan: &Plan) -> Water {
        let sets = plan
            .equipment
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == "pump_set")
            .map(|(i, e)| {
                let s = Settings::of(plan, e);
                let pressure_low = e.limits.get("pressure_low").copied();
                PumpSet {
                    eq: i,
                    members: members(plan, e),
                    feedback: s.timed(WAT_01),
                    emit01: s.enabled(WAT_01),
                    wat02: s.when_enabled(WAT_02, |s| s.timed(WAT_02)),
                    wat03: s
                        .when_enabled(WAT_03, |s| s.timed(WAT_03))
                        .filter(|_| e.points.contains_key("discharge_pressure"))
                        .and_then(|t| pressure_low.map(|l| (t, l))),
                    wat05: s.when_enabled(WAT_05, |s| s.duration(WAT_05, "delay_s")),
                }
            })
            .collect();
        let tanks = plan
            .equipment
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == "tank")
            .map(|(i, e)| {
                let s = Settings::of(plan, e);
                let limit = |k: &str, d: f64| e.limits.get(k).copied().unwrap_or(d);
                Tank {
                    eq: i,
                    wat03: s
                        .when_enabled(WAT_03, |s| s.duration(WAT_03, "window_s"))
                        .and_then(|window| {
                            e.limits.get("fall_rate_pct_per_min").map(|&l| FallRate {
                                limit_pct_per_min: l,
                                window,
                                samples: VecDeque::new(),
                            })
                        }),
                    wat04: s.when_enabled(WAT_04, |_| {
                        (limit("low", DEFAULT_LOW), limit("low_low", DEFAULT_LOW_LOW))
                    }),
                    wat05: s.when_enabled(WAT_05, |s| s.duration(WAT_05, "delay_s")),
                    wat06: s.when_enabled(WAT_06, |s| s.value(WAT_06, "target_pct")),
                }
            })
            .collect();
        Water { sets, tanks }
    }

    pub fn evaluate(&mut self, cx: &mut Cx<'_>, planned_cuts: &BTreeSet<String>, out: &mut Vec<RuleOutcome>) {
        for set in &self.sets {
            let eq = cx.eq(set.eq);
            let start = out.len();
            let pumps: Vec<&Equipment> = set.members.iter().map(|&m| cx.eq(m)).collect();
            let mut need = Needs::default();
            let states: Vec<Member<'_>> = pumps
                .iter()
                .map(|p| member(cx, &mut need, WAT_01, eq, p, set.feedback))
                .collect();
            if set.emit01 {
                push(out, WAT_01, &eq.id, wat_01(eq, &states, &need));
            }
            if let Some(t) = set.wat02 {
                let c = wat_02(cx, eq, &states, &need, t);
                push(out, WAT_02, &eq.id, c);
            }
            if let Some((t, limit)) = set.wat03 {
                let c = wat_03_pressure(cx, eq, &pumps, t, limit);
                push(out, WAT_03, &eq.id, c);
            }
            if let Some(delay) = set.wat05 {
                let c = wat_05(cx, eq, delay, &out[start..]);
                push(out, WAT_05, &eq.id, c);
            }
        }
        for tank in &mut self.tanks {
            let eq = cx.eq(tank.eq);
            let start = out.len();
            if let Some(rate) = &mut tank.wat03 {
                push(out, WAT_03, &eq.id, wat_03_fall(cx, eq, rate));
            }
            if let Some(limits) = tank.wat04 {
                push(out, WAT_04, &eq.id, wat_04(cx, eq, limits));
            }
            if let Some(delay) = tank.wat05 {
                let c = wat_05(cx, eq, delay, &out[start..]);
                push(out, WAT_05, &eq.id, c);
            }
            if let Some(target) = tank.wat06 {
                let c = wat_06(cx, eq, target, planned_cuts.contains(&eq.id));
                push(out, WAT_06, &eq.id, c);
            }
        }
    }
}

/// One member pump as WAT-01/02 and DRN-04 see it.
pub(super) struct Member<'a> {
    pub pump: &'a Equipment,
    /// Fault contact on, or commanded without run feedback for the delay.
    pub failed: Tri,
    pub running: Tri,
    /// Why it failed, when it did.
    pub why: Option<Text>,
}

/// A member pump's state. Its feedback timer is keyed by `rule`, the owner and the pump, so
/// two pumps time separately.
pub(super) fn member<'a>(
    cx: &mut Cx<'_>,
    need: &mut Needs,
    rule: &str,
    owner: &Equipment,
    pump: &'a Equipment,
    t: Timed,
) -> Member<'a> {
    let running = need.tri(cx.read.bool(pump, "running"));
    let fault = need.tri(cx.read.bool(pump, "fault").or_if_missing(false));
    let commanded = need.tri(cx.read.bool(pump, "run_command").or_if_missing(false));
    let silent = commanded.and(running.not());
    let key = TimerKey::member(rule, &owner.id, &pump.id);
    let no_feedback = match cx.timers.on_delay(key, t, silent, cx.mono) {
        Delay::Elapsed(_) => Tri::True,
        _ if silent == Tri::Unknown => Tri::Unknown,
        _ => Tri::False,
    };
    let why = if fault.is_true() {
        Some(Text::new(
            format!("{} 故障停泵（故障信号）", pump.id),
            format!("{} tripped (fault contact on)", pump.id),
        ))
    } else if no_feedback.is_true() {
        let d = span(t.delay);
        Some(Text::new(
            format!("{} 已命令运行但 {} 无运行反馈", pump.id, d.zh),
            format!("{} commanded to run but not running for {}", pump.id, d.en),
        ))
    } else {
        None
    };
    Member {
        pump,
        failed: fault.or(no_feedback),
        running,
        why,
    }
}

/// WAT-01's required action (加压泵出现故障停止运转时 …).
const WAT_01_ACTION: (&str, &str) = (
    "及时将备用泵投入使用；将故障泵控制电源分闸并挂指示牌；即时通知相关负责人组织抢修（机电运行维修组 5 分钟内到场）",
    "The standby pump must take over; switch off the failed pump's control power and tag it; tell the person in \
     charge and raise a repair ticket (plumbing crew on site within 5 min)",
);

/// WAT-01: a member pump trips or stops while commanded to run → major on the pump set,
/// naming the pump(s).
fn wat_01(set: &Equipment, members: &[Member<'_>], need: &Needs) -> Condition {
    let failed: Vec<Text> = members
        .iter()
        .filter(|m| m.failed.is_true())
        .filter_map(|m| m.why.clone())
        .collect();
    need.decide(
        WAT_01,
        (!failed.is_empty()).then(|| {
            let why = join(&failed);
            Finding {
                severity: Severity::Major,
                message: Text::new(
                    format!("加压泵组 {} 水泵故障：{}", set.id, why.zh),
                    format!("Pump set {}: {}", set.id, why.en),
                ),
                diagnosis: None,
                action: text(WAT_01_ACTION),
            }
        }),
    )
}

/// WAT-02: WAT-01's condition and no member of the set running for `delay_s` (10 s) →
/// critical: no water pressure, start the standby pump by hand.
fn wat_02(cx: &mut Cx<'_>, set: &Equipment, members: &[Member<'_>], need: &Needs, t: Timed) -> Condition {
    let failed = Tri::any(members.iter().map(|m| m.failed));
    let none_running = Tri::any(members.iter().map(|m| m.running)).not();
    let delay = cx
        .timers
        .on_delay(TimerKey::new(WAT_02, &set.id), t, failed.and(none_running), cx.mono);
    need.decide(
        WAT_02,
        delay.is_elapsed().then(|| {
            let names: Vec<&str> = members
                .iter()
                .filter(|m| m.failed.is_true())
                .map(|m| m.pump.id.as_str())
                .collect();
            let names = names.join(", ");
            let d = span(t.delay);
            Finding {
                severity: Severity::Critical,
                message: Text::new(
                    format!("无供水压力：{names} 故障 {}后加压泵组 {} 仍无泵运行", d.zh, set.id),
                    format!(
                        "No water pressure: no pump of {} running {} after {names} failed",
                        set.id, d.en
                    ),
                ),
                diagnosis: None,
                action: Text::new(
                    "手动启动备用泵；将故障泵控制电源分闸并挂指示牌，即时通知相关负责人组织抢修",
                    "Start the standby pump by hand; switch off the failed pump's control power, tag it and call \
                     the person in charge for repair",
                ),
            }
        }),
    )
}

/// WAT-03's required action (主管网漏水或爆管时 …).
const WAT_03_ACTION: (&str, &str) = (
    "主管网漏水或爆管时，应即时停泵，关闭进水阀门；分管网漏水或爆管时，应即时关闭分管网阀门，并及时进行抢修",
    "Main pipe leak or burst: stop the pumps and close the inlet valve; a branch leak: close the branch valve; \
     repair at once",
);

/// WAT-03 on a pump set: discharge pressure below `limits.pressure_low` while a member
/// runs, for `delay_s` (10 s) → critical (main leak or burst).
fn wat_03_pressure(cx: &mut Cx<'_>, set: &Equipment, pumps: &[&Equipment], t: Timed, limit: f64) -> Condition {
    let mut need = Needs::default();
    let pressure = need.take(cx.read.number(set, "discharge_pressure"));
    let running = Tri::any(
        pumps
            .iter()
            .map(|p| need.tri(cx.read.bool(p, "running")))
            .collect::<Vec<_>>(),
    );
    let low = Tri::from(pressure.map(|p| p < limit));
    let delay = cx
        .timers
        .on_delay(TimerKey::new(WAT_03, &set.id), t, low.and(running), cx.mono);
    need.decide(
        WAT_03,
        delay.is_elapsed().then(|| {
            let (p, l) = (num(pressure.unwrap_or(f64::NAN)), num(limit));
            Finding {
                severity: Severity::Critical,
                message: Text::new(
                    format!("疑似主管网漏水或爆管：水泵运行时 {} 出水压力 {p} 低于 {l}", set.id),
                    format!(
                        "Possible main leak or burst: {} discharge pressure {p} below {l} while pumps run",
                        set.id
                    ),
                ),
                diagnosis: None,
                action: text(WAT_03_ACTION),
            }
        }),
    )
}

/// WAT-03 on a tank: the level falling faster than `limits.fall_rate_pct_per_min`, measured
/// over `window_s` (60 s) of good readings → critical. Needs half a window of readings
/// before it can say anything; readings are not kept across restarts.
fn wat_03_fall(cx: &mut Cx<'_>, tank: &Equipment, rate: &mut FallRate) -> Condition {
    let mut need = Needs::default();
    if let Some(level) = need.take(cx.read.number(tank, "level")) {
        rate.samples.push_back((cx.mono, level));
    }
    while rate
        .samples
        .front()
        .is_some_and(|(t, _)| cx.mono.saturating_sub(*t) > rate.window)
    {
        rate.samples.pop_front();
    }
    let falling = match (rate.samples.front(), rate.samples.back()) {
        (Some(&(t0, l0)), Some(&(t1, l1))) if t1.saturating_sub(t0) >= rate.window / 2 => {
            let minutes = (t1 - t0).as_secs_f64() / 60.0;
            Some((l0 - l1) / minutes)
        }
        _ => None,
    };
    need.decide(
        WAT_03,
        falling.filter(|r| *r > rate.limit_pct_per_min).map(|r| {
            let (r, l) = (num(r), num(rate.limit_pct_per_min));
            Finding {
                severity: Severity::Critical,
                message: Text::new(
                    format!("疑似漏水或爆管：水池 {} 水位每分钟下降 {r} %（限值 {l} %）", tank.id),
                    format!(
                        "Possible leak or burst: tank {} level falling {r} %/min (limit {l} %/min)",
                        tank.id
                    ),
                ),
                diagnosis: None,
                action: text(WAT_03_ACTION),
            }
        }),
    )
}

/// WAT-04: tank level below `limits.low` (30) → major; below `limits.low_low` (15) →
/// critical. The tank is also the fire-fighting reserve.
fn wat_04(cx: &mut Cx<'_>, tank: &Equipment, (low, low_low): (f64, f64)) -> Condition {
    let mut need = Needs::default();
    let level = need.take(cx.read.number(tank, "level"));
    need.decide(
        WAT_04,
        level.filter(|l| *l < low).map(|l| {
            let (severity, limit, zh, en) = if l < low_low {
                (Severity::Critical, low_low, "水位超低", "level low-low")
            } else {
                (Severity::Major, low, "水位低", "level low")
            };
            let (l, limit) = (num(l), num(limit));
            Finding {
                severity,
                message: Text::new(
                    format!("水池 {} {zh}：{l} %（限值 {limit} %）", tank.id),
                    format!("Tank {} {en}: {l} % (limit {limit} %)", tank.id),
                ),
                diagnosis: None,
                action: Text::new(
                    "查明水池不进水原因（进水阀、浮球阀、市政供水）并恢复供水；水池同时是消防储备水",
                    "Find why the tank is not filling (inlet valve, float valve, municipal supply) and restore it; \
                     the tank is also the fire-fighting reserve",
                ),
            }
        }),
    )
}

/// WAT-05: a water-supply incident (WAT-01 … WAT-04 on this equipment) open longer than
/// `delay_s` (2 h) → escalation. The incident closes only when all of them are seen normal.
fn wat_05(cx: &mut Cx<'_>, eq: &Equipment, delay: Duration, own: &[RuleOutcome]) -> Condition {
    let watched = || {
        own.iter()
            .filter(|o| [WAT_01, WAT_02, WAT_03, WAT_04].contains(&o.rule.as_str()))
    };
    let active: Vec<&str> = watched()
        .filter(|o| matches!(o.condition, Condition::Active(_)))
        .map(|o| o.rule.as_str())
        .collect();
    let unknown: Vec<&str> = watched()
        .filter(|o| matches!(o.condition, Condition::Unknown { .. }))
        .map(|o| o.rule.as_str())
        .collect();
    let incident = if !active.is_empty() {
        Tri::True
    } else if !unknown.is_empty() {
        Tri::Unknown
    } else {
        Tri::False
    };
    match cx
        .timers
        .escalate(TimerKey::new(WAT_05, &eq.id), delay, incident, cx.mono)
    {
        Delay::Elapsed(open) => {
            let rules = if active.is_empty() {
                unknown.join(", ")
            } else {
                active.join(", ")
            };
            let d = span(open);
            Condition::Active(Finding {
                severity: Severity::Escalation,
                message: Text::new(
                    format!("{} 供水事故 {} 未处理完毕（{rules}）", eq.id, d.zh),
                    format!(
                        "Water-supply incident at {} not resolved after {} ({rules})",
                        eq.id, d.en
                    ),
                ),
                diagnosis: None,
                action: Text::new(
                    "管理处经理签发停水通知单，并附上处理方案告知业主",
                    "The site manager issues the water-outage notice to the tenants, with the repair plan",
                ),
            })
        }
        _ if incident == Tri::Unknown => Condition::Unknown {
            reason: Text::new(
                format!("无法判断 {WAT_05}：{} 状态未知", unknown.join("、")),
                format!("cannot evaluate {WAT_05}: {} unknown", unknown.join(", ")),
            ),
        },
        _ => Condition::Normal,
    }
}

/// WAT-06: a planned municipal supply cut is scheduled and the tank is below its pre-fill
/// target `target_pct` (90 %) → warning. With no cut scheduled it does not read the level.
pub(super) fn wat_06(cx: &mut Cx<'_>, tank: &Equipment, target: f64, cut_scheduled: bool) -> Condition {
    if !cut_scheduled {
        return Condition::Normal;
    }
    let mut need = Needs::default();
    let level = need.take(cx.read.number(tank, "level"));
    need.decide(
        WAT_06,
        level.filter(|l| *l < target).map(|l| {
            let (l, t) = (num(l), num(target));
            Finding {
                severity: Severity::Warning,
                message: Text::new(
                    format!("计划停水：水池 {} 水位 {l} %，低于蓄水目标 {t} %", tank.id),
                    format!(
                        "Planned supply cut: tank {} at {l} %, below the pre-fill target {t} %",
                        tank.id
                    ),
                ),
                diagnosis: None,
                action: Text::new(
                    "停水前做好水池蓄水工作；提前通知业主停水原因和时限",
                    "Fill the tanks before the cut (水池蓄水); tell the tenants the reason and duration of the cut in \
                     advance",
                ),
            }
        }),
    )
}
