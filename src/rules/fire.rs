//! Fire (消防): FIRE-01 … FIRE-05.
//!
//! facmon never controls the fire-alarm panel; it reads the panel's output contacts, the
//! fire pumps and the fire-main pressure. The source is `docs/procedures.md` (and
//! `seeds/000_*.txt` §5 消防系统应急措施, `seeds/002_*.txt` 火警火灾应急处理预案 and the monthly
//! checks 每月检查项目).
//!
//! | rule | equipment | condition |
//! | --- | --- | --- |
//! | FIRE-01 | fire_panel | `alarm` contact → critical |
//! | FIRE-02 | fire_panel | `fault` contact → major; `supervisory` contact → major, with its own message |
//! | FIRE-03 | fire_main | `pressure` below `limits.low` (3.0 bar) for `pressure_delay_s` (0 s) → critical |
//! | FIRE-03 | fire_pump | commanded (`run_command`) and not running for `delay_s` (10 s) → critical |
//! | FIRE-04 | fire_pump, fan | no run seen for `days` (31) → warning: monthly test overdue |
//! | FIRE-05 | transfer_switch, critical_room | no changeover to backup seen for `days` (31) → warning |
//!
//! FIRE-02 covers the supervisory contact too (a closed valve or a tamper switch impairs fire
//! protection just as a fault does); the message says which contact it is.
//!
//! FIRE-04 and FIRE-05 read the [`RunHistory`](super::RunHistory) the engine keeps: a fire
//! pump or fan counts as tested whenever it is seen running; the power changeover counts as
//! exercised whenever a transfer switch is seen on GENERATOR or a critical room runs on its
//! backup supply. Each switch and room has its own record. With no record, the count starts
//! when monitoring began (see `history.rs`).

use std::time::Duration;

use super::context::{days, num, push, span, text, Cx};
use super::input::{Needs, Tri};
use super::outcome::{Condition, Finding, RuleOutcome, Severity, Text};
use super::settings::Settings;
use super::timer::{Timed, TimerKey};
use crate::config::{Equipment, Plan};

pub const FIRE_01: &str = "FIRE-01";
pub const FIRE_02: &str = "FIRE-02";
pub const FIRE_03: &str = "FIRE-03";
pub const FIRE_04: &str = "FIRE-04";
pub const FIRE_05: &str = "FIRE-05";

const DEFAULT_MAIN_LOW_BAR: f64 = 3.0;
const DAY: u64 = 86_400;

pub(super) struct Fire {
    /// Panel, FIRE-01 on, FIRE-02 on.
    panels: Vec<(usize, bool, bool)>,
    /// Fire main, low limit, delay.
    mains: Vec<(usize, f64, Timed)>,
    /// Fire pumps with a run command: FIRE-03's feedback delay.
    pumps: Vec<(usize, Timed)>,
    /// FIRE-04: fire pumps and fans, overdue after.
    tested: Vec<(usize, Duration)>,
    /// FIRE-05: transfer switches and critical rooms, overdue after.
    changeovers: Vec<(usize, Duration)>,
}

impl Fire {
    pub fn new(plan: &Plan) -> Fire {
        let mut fire = Fire {
            panels: Vec::new(),
            mains: Vec::new(),
            pumps: Vec::new(),
            tested: Vec::new(),
            changeovers: Vec::new(),
        };
        for (i, e) in plan.equipment.iter().enumerate() {
            let s = Settings::of(plan, e);
            let overdue = |rule| Duration::from_secs_f64(s.value(rule, "days") * DAY as f64);
            match e.kind {
                "fire_panel" => {
                    let has_02 = e.points.contains_key("fault") || e.points.contains_key("supervisory");
                    fire.panels.push((i, s.enabled(FIRE_01), s.enabled(FIRE_02) && has_02));
                }
                "fire_main" if s.enabled(FIRE_03) => {
                    let low = e.limits.get("low").copied().unwrap_or(DEFAULT_MAIN_LOW_BAR);
                    let t = Timed {
                        delay: s.duration(FIRE_03, "pressure_delay_s"),
                        ..s.timed(FIRE_03)
                    };
                    fire.mains.push((i, low, t));
                }
                "fire_pump" | "fan" => {
                    if e.kind == "fire_pump" && s.enabled(FIRE_03) && e.points.contains_key("run_command") {
                        fire.pumps.push((i, s.timed(FIRE_03)));
                    }
                    if s.enabled(FIRE_04) {
                        fire.tested.push((i, overdue(FIRE_04)));
                    }
                }
                "transfer_switch" | "critical_room" if s.enabled(FIRE_05) => {
                    fire.changeovers.push((i, overdue(FIRE_05)));
                }
                _ => {}
            }
        }
        fire
    }

    pub fn evaluate(&self, cx: &mut Cx<'_>, out: &mut Vec<RuleOutcome>) {
        for &(p, on_01, on_02) in &self.panels {
            let panel = cx.eq(p);
            if on_01 {
                push(out, FIRE_01, &panel.id, fire_01(cx, panel));
            }
            if on_02 {
                push(out, FIRE_02, &panel.id, fire_02(cx, panel));
            }
        }
        for &(m, low, t) in &self.mains {
            let main = cx.eq(m);
            push(out, FIRE_03, &main.id, fire_03_main(cx, main, low, t));
        }
        for &(p, t) in &self.pumps {
            let pump = cx.eq(p);
            push(out, FIRE_03, &pump.id, fire_03_pump(cx, pump, t));
        }
        for &(e, after) in &self.tested {
            let eq = cx.eq(e);
            push(out, FIRE_04, &eq.id, fire_04(cx, eq, after));
        }
        for &(e, after) in &self.changeovers {
            let eq = cx.eq(e);
            push(out, FIRE_05, &eq.id, fire_05(cx, eq, after));
        }
    }
}

/// FIRE-01: the fire panel's ALARM contact → critical.
fn fire_01(cx: &mut Cx<'_>, panel: &Equipment) -> Condition {
    let mut need = Needs::default();
    let alarm = need.tri(cx.read.bool(panel, "alarm"));
    need.decide(
        FIRE_01,
        alarm.is_true().then(|| Finding {
            severity: Severity::Critical,
            message: Text::new(format!("消防主机 {} 火警", panel.id), format!("Fire alarm on panel {}", panel.id)),
            diagnosis: None,
            action: Text::new(
                "中控室立即到达报警现场确认；通知保安、主管领导、配电管理人员（切断火场电源，做好备用电源转送准备）、\
                 给排水管理人员（启动消防水泵，保证消防水压）、电梯管理人员（客梯降至底层）。确认火情，或判定为误报：误报复位并记录",
                "Control room: confirm on site at once. Notify security, the supervisor, the duty electrician (cut the \
                 power in the fire zone, keep the backup supply ready), the plumbing crew (start the fire pumps, keep \
                 the pressure) and the lift attendant (lifts to the ground floor). Confirm the fire, or mark it a false \
                 alarm: a false alarm is reset and recorded",
            ),
        }),
    )
}

/// FIRE-02: the fire panel's FAULT/TROUBLE contact, or its SUPERVISORY contact → major:
/// fire protection impaired.
fn fire_02(cx: &mut Cx<'_>, panel: &Equipment) -> Condition {
    let mut need = Needs::default();
    let fault = need.tri(cx.read.bool(panel, "fault").or_if_missing(false));
    let supervisory = need.tri(cx.read.bool(panel, "supervisory").or_if_missing(false));
    let message = if fault.is_true() {
        Some(Text::new(
            format!("消防主机 {} 故障报警：消防保护能力受损", panel.id),
            format!(
                "Fire panel {} reports a fault/trouble: fire protection impaired",
                panel.id
            ),
        ))
    } else if supervisory.is_true() {
        Some(Text::new(
            format!("消防主机 {} 监视报警（如阀门关闭）：消防保护能力可能受损", panel.id),
            format!(
                "Fire panel {} reports a supervisory signal (e.g. a closed valve): fire protection may be impaired",
                panel.id
            ),
        ))
    } else {
        None
    };
    need.decide(
        FIRE_02,
        message.map(|message| Finding {
            severity: Severity::Major,
            message,
            diagnosis: None,
            action: Text::new(
                "查看消防主机显示的故障部位，报修并跟踪至修复",
                "Read the fault location on the panel; raise a repair ticket and follow it to the fix",
            ),
        }),
    )
}

/// FIRE-03's required action: keep water for fire-fighting.
const FIRE_03_ACTION: (&str, &str) = (
    "保证消防水压：给排水管理人员迅速启动（必要时手动启动）消防水泵，检查管网和阀门",
    "Keep water for fire-fighting: the plumbing crew starts the fire pumps (by hand if need be) and checks the main \
     and its valves",
);

/// FIRE-03 on a fire main: pressure below `limits.low` (3.0 bar) for `pressure_delay_s`
/// (0 s) → critical: no water for fire-fighting.
fn fire_03_main(cx: &mut Cx<'_>, main: &Equipment, low: f64, t: Timed) -> Condition {
    let mut need = Needs::default();
    let pressure = need.take(cx.read.number(main, "pressure"));
    let cond = Tri::from(pressure.map(|p| p < low));
    let delay = cx.timers.on_delay(TimerKey::new(FIRE_03, &main.id), t, cond, cx.mono);
    need.decide(
        FIRE_03,
        delay.is_elapsed().then(|| {
            let unit = cx.unit(main, "pressure");
            let (p, l) = (num(pressure.unwrap_or(f64::NAN)), num(low));
            Finding {
                severity: Severity::Critical,
                message: Text::new(
                    format!("消防管网 {} 压力 {p}{unit} 低于 {l}{unit}：灭火用水不足", main.id),
                    format!(
                        "Fire main {} pressure {p}{unit} below {l}{unit}: no water for fire-fighting",
                        main.id
                    ),
                ),
                diagnosis: None,
                action: text(FIRE_03_ACTION),
            }
        }),
    )
}

/// FIRE-03 on a fire pump: commanded and not running for `delay_s` (10 s) → critical.
fn fire_03_pump(cx: &mut Cx<'_>, pump: &Equipment, t: Timed) -> Condition {
    let mut need = Needs::default();
    let commanded = need.tri(cx.read.bool(pump, "run_command"));
    let running = need.tri(cx.read.bool(pump, "running"));
    let cond = commanded.and(running.not());
    let delay = cx.timers.on_delay(TimerKey::new(FIRE_03, &pump.id), t, cond, cx.mono);
    need.decide(
        FIRE_03,
        delay.is_elapsed().then(|| {
            let d = span(t.delay);
            Finding {
                severity: Severity::Critical,
                message: Text::new(
                    format!("消防泵 {} 已命令启动，{}后仍未运行", pump.id, d.zh),
                    format!("Fire pump {} commanded but not running after {}", pump.id, d.en),
                ),
                diagnosis: (cx.read.bool(pump, "fault").good() == Some(true)).then(|| {
                    Text::new(
                        format!("{} 故障信号动作", pump.id),
                        format!("{} fault contact on", pump.id),
                    )
                }),
                action: text(FIRE_03_ACTION),
            }
        }),
    )
}

/// How long ago, and whether that is from the equipment's own record or from when
/// monitoring began.
fn since_words(d: Duration, own_record: bool) -> (String, String) {
    let n = days(d);
    if own_record {
        (format!("{n} 天"), format!("{n} days"))
    } else {
        (
            format!("{n} 天（自开始监控起未见）"),
            format!("{n} days (none seen since monitoring began)"),
        )
    }
}

/// FIRE-04: a fire pump, pressurisation fan or smoke-exhaust fan with no run seen in `days`
/// (31) → warning: the monthly test run is overdue.
fn fire_04(cx: &mut Cx<'_>, eq: &Equipment, after: Duration) -> Condition {
    let since = cx.history.since_run(&eq.id, cx.wall);
    if since < after {
        return Condition::Normal;
    }
    let mut need = Needs::default();
    let running = need.take(cx.read.bool(eq, "running"));
    let (zh, en) = since_words(since, cx.history.has_run(&eq.id));
    need.decide(
        FIRE_04,
        (running == Some(false)).then(|| Finding {
            severity: Severity::Warning,
            message: Text::new(
                format!("{} 已 {zh} 无试运行记录：每月试启动已逾期", eq.id),
                format!("{}: no test run for {en}; the monthly test is overdue", eq.id),
            ),
            diagnosis: None,
            action: Text::new(
                "按每月检查项目试启动一次（消防加压水泵、正压送风机、排烟风机）",
                "Run the monthly test start (fire pumps, pressurisation and smoke-exhaust fans once a month)",
            ),
        }),
    )
}

/// FIRE-05: the fire-service power changeover at a transfer switch or critical room not
/// exercised in `days` (31) → warning: the monthly changeover check is overdue.
fn fire_05(cx: &mut Cx<'_>, eq: &Equipment, after: Duration) -> Condition {
    let since = cx.history.since_changeover(&eq.id, cx.wall);
    if since < after {
        return Condition::Normal;
    }
    let mut need = Needs::default();
    // The current state must be readable: a changeover happening now would reset the count.
    match eq.kind {
        "transfer_switch" => {
            need.take(cx.read.label(eq, "position"));
        }
        _ => {
            need.take(cx.read.bool(eq, "normal_supply_ok"));
            need.take(cx.read.bool(eq, "backup_supply_ok"));
        }
    }
    let (zh, en) = since_words(since, cx.history.has_changed_over(&eq.id));
    need.decide(
        FIRE_05,
        need.is_empty().then(|| Finding {
            severity: Severity::Warning,
            message: Text::new(
                format!("{} 消防电源切换已 {zh} 未试验：每月切换检查已逾期", eq.id),
                format!(
                    "{}: fire-service power changeover not exercised for {en}; the monthly check is overdue",
                    eq.id
                ),
            ),
            diagnosis: None,
            action: Text::new(
                "按每月检查项目检查消防电源是否正常，能否及时切换",
                "Monthly check: confirm the fire-service power supply is normal and changes over in time",
            ),
        }),
    )
}
