//! Power (停电): PWR-01 … PWR-10.
//!
//! The source is the outage procedure in `docs/procedures.md` (and `seeds/000_*.txt` §1,
//! `seeds/002_*.txt` 停电事故突发事件处理预案). Where each rule reports:
//!
//! | rule | equipment | condition |
//! | --- | --- | --- |
//! | PWR-01 | transfer_switch | `mains_available` false for `delay_s` (2 s) |
//! | PWR-02 | generator | mains lost at a paired switch and this generator not running for 15 s |
//! | PWR-03 | transfer_switch | mains lost, a paired generator running (and `output_ok`), position not GENERATOR for 10 s |
//! | PWR-04 | generator, transfer_switch | mains healthy and its selector not AUTO or its control fuse blown |
//! | PWR-05 | transfer_switch | PWR-01's outage still open after 30 min |
//! | PWR-06/07 | utility_feed | (≥ 2 feeds) the standby / in-service feed loses `available` |
//! | PWR-08 | critical_room | normal and backup supply both off |
//! | PWR-09 | transfer_switch | for `hold_s` (60 s) after PWR-01's outage closes: the recovery checklist |
//! | PWR-10 | generator | fuel below `limits.fuel_low_pct` (30) warning, `fuel_critical_pct` (15) critical |
//!
//! **Which generator backs which transfer switch.** The config does not say yet, so every
//! transfer switch is paired with the generators of the same building. With one of each (the
//! usual case) that is exact; a building with several should get an explicit pairing in the
//! config before these rules are trusted there. A generator with no paired switch gets no
//! PWR-02 (nothing tells it mains are lost) and its PWR-04 does not wait for healthy mains.
//!
//! PWR-02 reports on each paired generator that is not running, so one alarm names one
//! machine and its own diagnosis. Only the ATS's `mains_available` contact is read for mains
//! loss: the kinds have no mains-voltage role yet.

use std::time::Duration;

use super::context::{join, num, push, span, text, Cx};
use super::input::{Needs, Snapshot, Tri};
use super::outcome::{Condition, Finding, RuleOutcome, Severity, Text};
use super::settings::Settings;
use super::timer::{Timed, TimerKey};
use crate::config::{Equipment, Plan};

pub const PWR_01: &str = "PWR-01";
pub const PWR_02: &str = "PWR-02";
pub const PWR_03: &str = "PWR-03";
pub const PWR_04: &str = "PWR-04";
pub const PWR_05: &str = "PWR-05";
pub const PWR_06: &str = "PWR-06";
pub const PWR_07: &str = "PWR-07";
pub const PWR_08: &str = "PWR-08";
pub const PWR_09: &str = "PWR-09";
pub const PWR_10: &str = "PWR-10";

const DEFAULT_FUEL_LOW_PCT: f64 = 30.0;
const DEFAULT_FUEL_CRITICAL_PCT: f64 = 15.0;

/// The power rules of a site, built once from the plan.
pub(super) struct Power {
    switches: Vec<Switch>,
    generators: Vec<Generator>,
    feeds: Vec<Feed>,
    rooms: Vec<Room>,
}

struct Switch {
    eq: usize,
    generators: Vec<usize>,
    pwr01: Option<Timed>,
    pwr03: Option<Timed>,
    pwr04: Option<Timed>,
    /// PWR-05's delay; the outage is tracked whenever PWR-01 runs (PWR-09 needs it too).
    pwr05: Duration,
    emit05: bool,
    pwr09: Option<Duration>,
}

struct Generator {
    eq: usize,
    switches: Vec<usize>,
    pwr02: Option<Timed>,
    pwr04: Option<Timed>,
    /// Low and critical fuel limits, %.
    pwr10: Option<(f64, f64)>,
}

struct Feed {
    eq: usize,
    pwr06: Option<Timed>,
    pwr07: Option<Timed>,
}

struct Room {
    eq: usize,
    pwr08: Option<Timed>,
}

fn of_kind<'p>(plan: &'p Plan, kind: &'p str) -> impl Iterator<Item = (usize, &'p Equipment)> + 'p {
    plan.equipment.iter().enumerate().filter(move |(_, e)| e.kind == kind)
}

fn has(e: &Equipment, role: &str) -> bool {
    e.points.contains_key(role)
}

impl Power {
    pub fn new(plan: &Plan) -> Power {
        let paired = |e: &Equipment, kind| -> Vec<usize> {
            of_kind(plan, kind)
                .filter(|(_, o)| o.building == e.building)
                .map(|(i, _)| i)
                .collect()
        };
        let switches = of_kind(plan, "transfer_switch")
            .map(|(i, e)| {
                let s = Settings::of(plan, e);
                let generators = paired(e, "generator");
                let pwr01 = s.when_enabled(PWR_01, |s| s.timed(PWR_01));
                Switch {
                    eq: i,
                    pwr03: s
                        .when_enabled(PWR_03, |s| s.timed(PWR_03))
                        .filter(|_| !generators.is_empty()),
                    generators,
                    pwr01,
                    pwr04: s
                        .when_enabled(PWR_04, |s| s.timed(PWR_04))
                        .filter(|_| has(e, "selector") || has(e, "control_fuse_ok")),
                    pwr05: s.duration(PWR_05, "delay_s"),
                    emit05: pwr01.is_some() && s.enabled(PWR_05),
                    pwr09: s
                        .when_enabled(PWR_09, |s| s.duration(PWR_09, "hold_s"))
                        .filter(|_| pwr01.is_some()),
                }
            })
            .collect();
        let generators = of_kind(plan, "generator")
            .map(|(i, e)| {
                let s = Settings::of(plan, e);
                let switches = paired(e, "transfer_switch");
                Generator {
                    eq: i,
                    pwr02: s
                        .when_enabled(PWR_02, |s| s.timed(PWR_02))
                        .filter(|_| !switches.is_empty()),
                    switches,
                    pwr04: s
                        .when_enabled(PWR_04, |s| s.timed(PWR_04))
                        .filter(|_| has(e, "mode_selector") || has(e, "control_fuse_ok")),
                    pwr10: s
                        .when_enabled(PWR_10, |_| {
                            let limit = |k, d| e.limits.get(k).copied().unwrap_or(d);
                            (
                                limit("fuel_low_pct", DEFAULT_FUEL_LOW_PCT),
                                limit("fuel_critical_pct", DEFAULT_FUEL_CRITICAL_PCT),
                            )
                        })
                        .filter(|_| has(e, "fuel_level_pct")),
                }
            })
            .collect();
        // PWR-06/07 are about dual feeds: one feed alone is the mains, watched by PWR-01.
        let feeds = if of_kind(plan, "utility_feed").count() >= 2 {
            of_kind(plan, "utility_feed")
                .map(|(i, e)| {
                    let s = Settings::of(plan, e);
                    Feed {
                        eq: i,
                        pwr06: s.when_enabled(PWR_06, |s| s.timed(PWR_06)),
                        pwr07: s.when_enabled(PWR_07, |s| s.timed(PWR_07)),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let rooms = of_kind(plan, "critical_room")
            .map(|(i, e)| Room {
                eq: i,
                pwr08: Settings::of(plan, e).when_enabled(PWR_08, |s| s.timed(PWR_08)),
            })
            .collect();
        Power {
            switches,
            generators,
            feeds,
            rooms,
        }
    }

    pub fn evaluate(&self, cx: &mut Cx<'_>, out: &mut Vec<RuleOutcome>) {
        for sw in &self.switches {
            let ats = cx.eq(sw.eq);
            let gens: Vec<&Equipment> = sw.generators.iter().map(|&g| cx.eq(g)).collect();
            if let Some(t) = sw.pwr01 {
                let c01 = pwr_01(cx, ats, t);
                let closed_after = track_outage(cx, ats, sw.pwr05, &c01);
                push(out, PWR_01, &ats.id, c01);
                if sw.emit05 {
                    let c05 = pwr_05(cx, ats, sw.pwr05);
                    push(out, PWR_05, &ats.id, c05);
                }
                if let Some(hold) = sw.pwr09 {
                    let c09 = pwr_09(cx, ats, hold, closed_after);
                    push(out, PWR_09, &ats.id, c09);
                }
            }
            if let Some(t) = sw.pwr03 {
                push(out, PWR_03, &ats.id, pwr_03(cx, ats, &gens, t));
            }
            if let Some(t) = sw.pwr04 {
                push(out, PWR_04, &ats.id, pwr_04_switch(cx, ats, t));
            }
        }
        for g in &self.generators {
            let gen = cx.eq(g.eq);
            let switches: Vec<&Equipment> = g.switches.iter().map(|&s| cx.eq(s)).collect();
            if let Some(t) = g.pwr02 {
                push(out, PWR_02, &gen.id, pwr_02(cx, gen, &switches, t));
            }
            if let Some(t) = g.pwr04 {
                push(out, PWR_04, &gen.id, pwr_04_generator(cx, gen, &switches, t));
            }
            if let Some(limits) = g.pwr10 {
                push(out, PWR_10, &gen.id, pwr_10(cx, gen, limits));
            }
        }
        for f in &self.feeds {
            let eq = cx.eq(f.eq);
            feed(cx, eq, f.pwr06, f.pwr07, out);
        }
        for r in &self.rooms {
            if let Some(t) = r.pwr08 {
                let room = cx.eq(r.eq);
                push(out, PWR_08, &room.id, pwr_08(cx, room, t));
            }
        }
    }
}

/// PWR-01's required action (outage plan 5.1: who is told, what is checked).
const PWR_01_ACTION: (&str, &str) = (
    "停电事故：通知值班电工、监控中心、电梯值班人员（检查电梯有无困人）和保安（到场疏导、加强防守）；确认发电机启动、应急灯正常",
    "Outage incident: notify the duty electrician, the control room, the lift attendant (check the lifts for trapped \
     passengers) and security (crowd control, guard the dark area); check that the generator starts and the \
     emergency lighting works",
);

/// PWR-01: the transfer switch reports mains unavailable for `delay_s` (2 s) → major.
fn pwr_01(cx: &mut Cx<'_>, ats: &Equipment, t: Timed) -> Condition {
    let mut need = Needs::default();
    let lost = need.tri(cx.read.bool(ats, "mains_available")).not();
    let delay = cx.timers.on_delay(TimerKey::new(PWR_01, &ats.id), t, lost, cx.mono);
    need.decide(
        PWR_01,
        delay.is_elapsed().then(|| Finding {
            severity: Severity::Major,
            message: Text::new(
                format!("{} 市电停电（市电失压 {}）", ats.id, span(t.delay).zh),
                format!("Mains lost at {} (unavailable for {})", ats.id, span(t.delay).en),
            ),
            diagnosis: None,
            action: text(PWR_01_ACTION),
        }),
    )
}

/// The outage behind PWR-05 and PWR-09: open from PWR-01 active until PWR-01 is seen normal
/// (an unknown PWR-01 does not close it). Returns how long it was open when it closes now.
fn track_outage(cx: &mut Cx<'_>, ats: &Equipment, escalate_after: Duration, c01: &Condition) -> Option<Duration> {
    let key = TimerKey::new(PWR_05, &ats.id);
    let open_for = cx.timers.elapsed(&key);
    let incident = match c01 {
        Condition::Active(_) => Tri::True,
        Condition::Unknown { .. } => Tri::Unknown,
        Condition::Normal => Tri::False,
    };
    cx.timers.escalate(key, escalate_after, incident, cx.mono);
    match c01 {
        Condition::Normal => open_for,
        _ => None,
    }
}

/// PWR-05: the outage (PWR-01) not cleared within `delay_s` (30 min) → escalation.
fn pwr_05(cx: &mut Cx<'_>, ats: &Equipment, delay: Duration) -> Condition {
    let key = TimerKey::new(PWR_05, &ats.id);
    let mut need = Needs::default();
    need.take(cx.read.bool(ats, "mains_available"));
    match cx.timers.elapsed(&key) {
        Some(open) if open >= delay => Condition::Active(Finding {
            severity: Severity::Escalation,
            message: Text::new(
                format!("{} 停电 {} 仍未恢复", ats.id, span(open).zh),
                format!("Outage at {} not cleared after {}", ats.id, span(open).en),
            ),
            diagnosis: None,
            action: Text::new(
                "上报主管领导（工程部经理）；管理处经理通知业主做好应急准备",
                "Escalate to the engineering supervisor; the site manager warns the tenants",
            ),
        }),
        _ => need.verdict(PWR_05),
    }
}

/// PWR-09: power restored after an outage → info for `hold_s` (60 s), with the recovery
/// checklist. Starts when the outage closes; a new loss of mains ends it.
fn pwr_09(cx: &mut Cx<'_>, ats: &Equipment, hold: Duration, closed_after: Option<Duration>) -> Condition {
    let key = TimerKey::new(PWR_09, &ats.id);
    if let Some(open) = closed_after {
        cx.timers.start(key.clone(), hold, Some(open.as_secs_f64()), cx.mono);
    }
    let mut need = Needs::default();
    match need.take(cx.read.bool(ats, "mains_available")) {
        Some(true) => match cx.timers.hold(&key, cx.mono) {
            Some((_, lasted)) => Condition::Active(Finding {
                severity: Severity::Info,
                message: Text::new(format!("{} 恢复供电", ats.id), format!("Power restored at {}", ats.id)),
                diagnosis: lasted.map(|s| {
                    let d = span(Duration::from_secs_f64(s));
                    Text::new(format!("停电持续 {}", d.zh), format!("the outage lasted {}", d.en))
                }),
                action: Text::new(
                    "恢复供电检查：工程部逐一检查开关（大厦检查到竖井内每个开关）；保卫部全面检查消防、安防（门禁）系统是否恢复正常；\
                     工程部填写事故报告（停电时长、发电机运行时间）；中控室通知项目总经理",
                    "Recovery checklist: check every breaker (in a tower, every switch in the risers); check that the fire \
                     and security/access systems are back to normal; write the incident report (outage duration, \
                     generator run time); the control room informs the site manager",
                ),
            }),
            None => Condition::Normal,
        },
        Some(false) => {
            cx.timers.stop(&key);
            Condition::Normal
        }
        None => {
            cx.timers.hold(&key, cx.mono);
            need.verdict(PWR_09)
        }
    }
}

/// The generator controller's selector position in the procedure's words.
fn generator_position_zh(pos: &str) -> &str {
    match pos {
        "STOP" => "停",
        "MANUAL" => "手动",
        "AUTO" => "自动",
        other => other,
    }
}

fn ats_position_zh(pos: &str) -> &str {
    match pos {
        "MAINS" => "市电",
        "GENERATOR" => "发电机",
        "OPEN" => "分闸",
        "MANUAL" => "手动",
        "AUTO" => "自动",
        other => other,
    }
}

fn generator_selector_wrong(gen: &Equipment, pos: &str) -> Text {
    Text::new(
        format!(
            "{} 主控制箱选择开关在“{}”位置，不在“自动”",
            gen.id,
            generator_position_zh(pos)
        ),
        format!("{} controller selector is at {pos}, not AUTO", gen.id),
    )
}

fn ats_selector_wrong(ats: &Equipment, pos: &str) -> Text {
    Text::new(
        format!("{} 切换柜择位开关在“{}”位置，不在“自动”", ats.id, ats_position_zh(pos)),
        format!("{} selector is at {pos}, not AUTO", ats.id),
    )
}

fn generator_fuse_blown(gen: &Equipment) -> Text {
    Text::new(
        format!("{} 主控制箱控制回路熔断器烧毁", gen.id),
        format!("control fuse blown in {}'s control box", gen.id),
    )
}

fn ats_fuse_blown(ats: &Equipment) -> Text {
    Text::new(
        format!("{} 切换柜控制回路熔断器烧毁", ats.id),
        format!("control fuse blown in {}'s control circuit", ats.id),
    )
}

fn numbered(n: u8, t: Text) -> Text {
    Text::new(format!("（{n}）{}", t.zh), format!("({n}) {}", t.en))
}

/// PWR-02's required action: the procedure's "generator does not start" steps, in order
/// (seeds/000 §1 停电应急处理措施).
const PWR_02_ACTION: (&str, &str) = (
    "查明原因、恢复供电：（1）按日常检查程序检查后将发电机主控制箱选择开关拧到“自动”；（2）将切换柜择位开关打到“自动”；\
     （3）主控制箱或切换柜控制回路熔断器烧毁时，先断开主回路开关、分回路断路器，更换后恢复合闸。处理前先断开“市电、备用”电源切换柜，\
     并通知监控中心、电梯值班员做好应急准备；短时间内无法排除时向主管领导汇报，并通知业主做好应急准备",
    "Find the cause and restore supply: (1) after the routine check, turn the generator controller selector to AUTO; \
     (2) set the ATS selector to AUTO; (3) if a control fuse in the main control box or the ATS control circuit is \
     blown, open the main and branch breakers, replace it and close them again. Before working, open the mains/backup \
     changeover cabinet and tell the control room and the lift attendant to stand by; if it cannot be cleared \
     quickly, report to the supervisor and warn the tenants",
);

/// PWR-02: mains lost at a paired transfer switch and this generator not running within
/// `delay_s` (15 s) → critical "generator did not start", with [`pwr_02_diagnosis`].
fn pwr_02(cx: &mut Cx<'_>, gen: &Equipment, switches: &[&Equipment], t: Timed) -> Condition {
    let mut need = Needs::default();
    let lost: Vec<Tri> = switches
        .iter()
        .map(|s| need.tri(cx.read.bool(s, "mains_available")).not())
        .collect();
    let running = need.tri(cx.read.bool(gen, "running"));
    let cond = Tri::any(lost.iter().copied()).and(running.not());
    let delay = cx.timers.on_delay(TimerKey::new(PWR_02, &gen.id), t, cond, cx.mono);
    if !delay.is_elapsed() {
        return need.verdict(PWR_02);
    }
    let lost_at: Vec<&Equipment> = switches
        .iter()
        .zip(&lost)
        .filter(|(_, l)| l.is_true())
        .map(|(s, _)| *s)
        .collect();
    let at = lost_at.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ");
    let d = span(t.delay);
    Condition::Active(Finding {
        severity: Severity::Critical,
        message: Text::new(
            format!("发电机 {} 未启动：{at} 市电停电 {}后仍未运行", gen.id, d.zh),
            format!(
                "Generator {} did not start: mains lost at {at} and not running after {}",
                gen.id, d.en
            ),
        ),
        diagnosis: Some(pwr_02_diagnosis(cx.read, gen, &lost_at)),
        action: text(PWR_02_ACTION),
    })
}

/// PWR-02's diagnosis, in the procedure's order: (1) the generator controller's selector not
/// in AUTO (which position), (2) the ATS selector not in AUTO, (3) a control fuse blown in the
/// generator control box or the ATS control circuit. Every cause that applies is listed, in
/// that order. Points that do not exist are skipped; points that cannot be read are named
/// ("could not check"). With no cause found: "cause unknown: check on site".
pub(super) fn pwr_02_diagnosis(read: Snapshot<'_>, gen: &Equipment, switches: &[&Equipment]) -> Text {
    let mut lines = Vec::new();
    let mut unchecked = Needs::default();
    if let Some(pos) = unchecked.take(read.label(gen, "mode_selector")) {
        if pos != "AUTO" {
            lines.push(numbered(1, generator_selector_wrong(gen, pos)));
        }
    }
    for ats in switches {
        if let Some(pos) = unchecked.take(read.label(ats, "selector")) {
            if pos != "AUTO" {
                lines.push(numbered(2, ats_selector_wrong(ats, pos)));
            }
        }
    }
    if unchecked.take(read.bool(gen, "control_fuse_ok")) == Some(false) {
        lines.push(numbered(3, generator_fuse_blown(gen)));
    }
    for ats in switches {
        if unchecked.take(read.bool(ats, "control_fuse_ok")) == Some(false) {
            lines.push(numbered(3, ats_fuse_blown(ats)));
        }
    }
    // Not in the procedure's list, but it explains a failed start just as well.
    if unchecked.take(read.bool(gen, "fault")) == Some(true) {
        lines.push(Text::new(
            format!("另：{} 报故障", gen.id),
            format!("also: {} reports a fault", gen.id),
        ));
    }
    if lines.is_empty() {
        lines.push(Text::new("原因不明：请现场检查", "cause unknown: check on site"));
    }
    if !unchecked.is_empty() {
        let zh: Vec<String> = unchecked.not_good().iter().map(|n| n.zh()).collect();
        let en: Vec<String> = unchecked.not_good().iter().map(|n| n.en()).collect();
        lines.push(Text::new(
            format!("无法检查：{}", zh.join("，")),
            format!("could not check: {}", en.join(", ")),
        ));
    }
    join(&lines)
}

/// PWR-03: mains lost, a paired generator running and healthy (`output_ok`, when present),
/// and the ATS not on GENERATOR within `delay_s` (10 s) → critical: load not on backup power.
fn pwr_03(cx: &mut Cx<'_>, ats: &Equipment, gens: &[&Equipment], t: Timed) -> Condition {
    let mut need = Needs::default();
    let lost = need.tri(cx.read.bool(ats, "mains_available")).not();
    let mut healthy = Vec::new();
    for g in gens {
        let running = need.tri(cx.read.bool(g, "running"));
        let ok = need.tri(cx.read.bool(g, "output_ok").or_if_missing(true));
        healthy.push(running.and(ok));
    }
    let position = need.take(cx.read.label(ats, "position"));
    let not_transferred = Tri::from(position.map(|p| p != "GENERATOR"));
    let cond = lost.and(Tri::any(healthy.iter().copied())).and(not_transferred);
    let delay = cx.timers.on_delay(TimerKey::new(PWR_03, &ats.id), t, cond, cx.mono);
    if !delay.is_elapsed() {
        return need.verdict(PWR_03);
    }
    let running = gens
        .iter()
        .zip(&healthy)
        .filter(|(_, h)| h.is_true())
        .map(|(g, _)| g.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let pos = position.unwrap_or("?");
    let mut why = Vec::new();
    if let Some(sel) = cx.read.label(ats, "selector").good() {
        if sel != "AUTO" {
            why.push(ats_selector_wrong(ats, sel));
        }
    }
    if cx.read.bool(ats, "control_fuse_ok").good() == Some(false) {
        why.push(ats_fuse_blown(ats));
    }
    let d = span(t.delay);
    Condition::Active(Finding {
        severity: Severity::Critical,
        message: Text::new(
            format!(
                "负载未转到备用电源：{running} 已运行正常，{} {}后仍在“{}”位置，未切换到发电机",
                ats.id,
                d.zh,
                ats_position_zh(pos)
            ),
            format!(
                "Load not on backup power: {running} is running and healthy but {} is still at {pos}, not GENERATOR, after {}",
                ats.id, d.en
            ),
        ),
        diagnosis: (!why.is_empty()).then(|| join(&why)),
        action: Text::new(
            "按倒闸操作票手动将负载切换到发电机；检查切换柜机构、择位开关和控制回路；通知工程部",
            "Transfer the load to the generator by hand per the switching order; check the ATS mechanism, its \
             selector and its control circuit; call engineering",
        ),
    })
}

/// PWR-04's required action: put the plant back in readiness.
const PWR_04_ACTION: (&str, &str) = (
    "备用电源准备状态：按日常检查程序检查后将选择开关置于“自动”，更换烧毁的控制熔断器。这是最容易避免的停电",
    "Readiness: after the routine check, put the selector back to AUTO and replace a blown control fuse. This is the \
     cheapest outage to prevent",
);

/// PWR-04 for a generator: mains healthy at its paired switches (or no switch to ask) and
/// its selector not in AUTO or its control fuse blown, for `delay_s` (2 s) → warning.
fn pwr_04_generator(cx: &mut Cx<'_>, gen: &Equipment, switches: &[&Equipment], t: Timed) -> Condition {
    let mut need = Needs::default();
    let healthy = Tri::all(
        switches
            .iter()
            .map(|s| need.tri(cx.read.bool(s, "mains_available")))
            .collect::<Vec<_>>(),
    );
    let pos = need.take(cx.read.label(gen, "mode_selector").or_if_missing("AUTO"));
    let fuse_ok = need.take(cx.read.bool(gen, "control_fuse_ok").or_if_missing(true));
    let mut why = Vec::new();
    if let Some(p) = pos.filter(|p| *p != "AUTO") {
        why.push(generator_selector_wrong(gen, p));
    }
    if fuse_ok == Some(false) {
        why.push(generator_fuse_blown(gen));
    }
    let wrong = Tri::from(pos.map(|p| p != "AUTO")).or(Tri::from(fuse_ok.map(|ok| !ok)));
    let message = Text::new(
        format!("发电机 {} 下次停电时不会自动启动", gen.id),
        format!("Generator {} will not start on the next outage", gen.id),
    );
    readiness(cx, gen, healthy.and(wrong), why, t, &need, message)
}

/// PWR-04 for a transfer switch: mains healthy and its selector not in AUTO or its control
/// fuse blown, for `delay_s` (2 s) → warning.
fn pwr_04_switch(cx: &mut Cx<'_>, ats: &Equipment, t: Timed) -> Condition {
    let mut need = Needs::default();
    let healthy = need.tri(cx.read.bool(ats, "mains_available"));
    let pos = need.take(cx.read.label(ats, "selector").or_if_missing("AUTO"));
    let fuse_ok = need.take(cx.read.bool(ats, "control_fuse_ok").or_if_missing(true));
    let mut why = Vec::new();
    if let Some(p) = pos.filter(|p| *p != "AUTO") {
        why.push(ats_selector_wrong(ats, p));
    }
    if fuse_ok == Some(false) {
        why.push(ats_fuse_blown(ats));
    }
    let wrong = Tri::from(pos.map(|p| p != "AUTO")).or(Tri::from(fuse_ok.map(|ok| !ok)));
    let message = Text::new(
        format!("切换柜 {} 下次停电时不会自动切换", ats.id),
        format!("Transfer switch {} will not transfer on the next outage", ats.id),
    );
    readiness(cx, ats, healthy.and(wrong), why, t, &need, message)
}

/// PWR-04's verdict once its condition is known: a warning after `delay_s` (2 s).
fn readiness(
    cx: &mut Cx<'_>,
    eq: &Equipment,
    cond: Tri,
    why: Vec<Text>,
    t: Timed,
    need: &Needs,
    message: Text,
) -> Condition {
    let delay = cx.timers.on_delay(TimerKey::new(PWR_04, &eq.id), t, cond, cx.mono);
    need.decide(
        PWR_04,
        delay.is_elapsed().then(|| Finding {
            severity: Severity::Warning,
            message,
            diagnosis: Some(join(&why)),
            action: text(PWR_04_ACTION),
        }),
    )
}

/// PWR-06 (standby feed lost → warning) and PWR-07 (feed in service lost → major), each
/// after `delay_s` (2 s). A feed without an `in_service` point is taken as in service: the
/// worse reading.
fn feed(cx: &mut Cx<'_>, feed: &Equipment, pwr06: Option<Timed>, pwr07: Option<Timed>, out: &mut Vec<RuleOutcome>) {
    let mut need = Needs::default();
    let lost = need.tri(cx.read.bool(feed, "available")).not();
    let in_service = need.tri(cx.read.bool(feed, "in_service").or_if_missing(true));
    if let Some(t) = pwr06 {
        let delay = cx
            .timers
            .on_delay(TimerKey::new(PWR_06, &feed.id), t, lost.and(in_service.not()), cx.mono);
        let c = need.decide(
            PWR_06,
            delay.is_elapsed().then(|| Finding {
                severity: Severity::Warning,
                message: Text::new(
                    format!("备用市电回路 {} 停电", feed.id),
                    format!("Standby utility feed {} lost", feed.id),
                ),
                diagnosis: None,
                action: Text::new(
                    "密切监视，并与供电公司取得联系，同时上报工程部经理",
                    "Watch closely, contact the utility and inform the engineering supervisor",
                ),
            }),
        );
        push(out, PWR_06, &feed.id, c);
    }
    if let Some(t) = pwr07 {
        let delay = cx
            .timers
            .on_delay(TimerKey::new(PWR_07, &feed.id), t, lost.and(in_service), cx.mono);
        let c = need.decide(
            PWR_07,
            delay.is_elapsed().then(|| Finding {
                severity: Severity::Major,
                message: Text::new(
                    format!("正在使用的市电回路 {} 停电", feed.id),
                    format!("Utility feed in service {} lost", feed.id),
                ),
                diagnosis: None,
                action: Text::new(
                    "立即与供电公司取得联系，同时上报工程部经理；在供电回路设计允许的条件下，征得同意后按配电室倒闸操作票进行倒闸",
                    "Contact the utility at once and inform the engineering supervisor; where the supply design allows \
                     and with approval, switch over per the switching order (倒闸操作票)",
                ),
            }),
        );
        push(out, PWR_07, &feed.id, c);
    }
}

/// PWR-08: a critical room has lost its normal supply and its backup supply is not on, for
/// `delay_s` (2 s) → critical.
fn pwr_08(cx: &mut Cx<'_>, room: &Equipment, t: Timed) -> Condition {
    let mut need = Needs::default();
    let normal = need.tri(cx.read.bool(room, "normal_supply_ok"));
    let backup = need.tri(cx.read.bool(room, "backup_supply_ok"));
    let cond = normal.not().and(backup.not());
    let delay = cx.timers.on_delay(TimerKey::new(PWR_08, &room.id), t, cond, cx.mono);
    need.decide(
        PWR_08,
        delay.is_elapsed().then(|| Finding {
            severity: Severity::Critical,
            message: Text::new(
                format!("重要机房 {} 停电，备用电源未投入", room.id),
                format!(
                    "Critical room {} has lost normal supply and its backup supply is not on",
                    room.id
                ),
            ),
            diagnosis: None,
            action: Text::new(
                "检查备用电源切换是否正常，否则立即通知工程部进行维修",
                "Check the backup power transfer; if it failed, call engineering for repair at once",
            ),
        }),
    )
}

/// PWR-10: generator fuel below `limits.fuel_low_pct` (30 %) → warning, below
/// `limits.fuel_critical_pct` (15 %) → critical.
fn pwr_10(cx: &mut Cx<'_>, gen: &Equipment, (low, critical): (f64, f64)) -> Condition {
    let mut need = Needs::default();
    let level = need.take(cx.read.number(gen, "fuel_level_pct"));
    let finding = level.filter(|l| *l < low).map(|l| {
        let (severity, limit, zh, en) = if l < critical {
            (
                Severity::Critical,
                critical,
                "燃油（柴油）严重不足",
                "fuel critically low",
            )
        } else {
            (Severity::Warning, low, "燃油（柴油）液位低", "fuel low")
        };
        let (l, limit) = (num(l), num(limit));
        Finding {
            severity,
            message: Text::new(
                format!("发电机 {} {zh}：{l} %（限值 {limit} %）", gen.id),
                format!("Generator {} {en}: {l} % (limit {limit} %)", gen.id),
            ),
            diagnosis: None,
            action: Text::new("在备用电源耗尽前补充柴油", "Refuel before the backup runs dry"),
        }
    });
    need.decide(PWR_10, finding)
}
