//! Rule tests: a small site written as TOML, point states set by hand, and a manual clock.
//! No sockets, no sleeps: a test moves time by adding seconds.

mod comms;
mod custom;
mod drainage;
mod engine;
mod fire;
mod power;
mod water;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::config::kinds::{self, RoleValue};
use crate::config::{load_str, Plan};
use crate::point::{PointState, Quality, Value};
use crate::rules::{Condition, Finding, RuleEngine, RuleOutcome};
use crate::sources::DeviceStatus;

/// One piece of equipment for [`site`]: id, kind, bound roles, and extra TOML placed right
/// after `kind` (plain keys first — `pumps`, `limits` — then any `[equipment.rules.…]`).
pub(super) type Eq<'a> = (&'a str, &'a str, &'a [&'a str], &'a str);

/// A site whose every point is read from one Modbus device `ctl`, addresses assigned in turn.
pub(super) fn site(equipment: &[Eq<'_>]) -> String {
    site_with(equipment, "")
}

/// [`site`] with extra top-level TOML (e.g. `[rules.PWR-02]`) before the equipment.
pub(super) fn site_with(equipment: &[Eq<'_>], top: &str) -> String {
    let mut t = String::from(
        "[site]\nid = \"t\"\nname = \"Test site\"\n\n[[buildings]]\nid = \"b\"\n\n\
         [[modbus_tcp]]\nid = \"gw\"\nhost = \"127.0.0.1\"\ndevices = [{ id = \"ctl\", unit = 1 }]\n\n",
    );
    t.push_str(top);
    t.push('\n');
    let (mut bit, mut input, mut holding) = (0, 0, 0);
    for (id, kind, roles, extra) in equipment {
        t.push_str(&format!(
            "[[equipment]]\nid = \"{id}\"\nbuilding = \"b\"\nkind = \"{kind}\"\n{extra}\n"
        ));
        let spec = kinds::kind(kind).unwrap_or_else(|| panic!("no kind {kind}"));
        for role in *roles {
            let value = spec
                .role(role)
                .unwrap_or_else(|| panic!("{kind} has no role {role}"))
                .value;
            t.push_str(&format!("[equipment.points.{role}]\ndevice = \"ctl\"\n"));
            match value {
                RoleValue::Bool => {
                    t.push_str(&format!("table = \"discrete_input\"\naddress = {bit}\n"));
                    bit += 1;
                }
                RoleValue::Number => {
                    t.push_str(&format!("table = \"input\"\naddress = {input}\ntype = \"f32\"\n"));
                    input += 2;
                }
                RoleValue::Enum(labels) => {
                    let map: Vec<String> = labels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| format!("{i} = \"{l}\""))
                        .collect();
                    t.push_str(&format!(
                        "table = \"holding\"\naddress = {holding}\nenum = {{ {} }}\n",
                        map.join(", ")
                    ));
                    holding += 1;
                }
            }
        }
        t.push('\n');
    }
    t
}

/// A value to set: `true`, `12.5`, `"AUTO"`.
#[derive(Debug, Clone, Copy)]
pub(super) enum V {
    B(bool),
    N(f64),
    L(&'static str),
}

impl From<bool> for V {
    fn from(b: bool) -> V {
        V::B(b)
    }
}

impl From<f64> for V {
    fn from(n: f64) -> V {
        V::N(n)
    }
}

impl From<&'static str> for V {
    fn from(l: &'static str) -> V {
        V::L(l)
    }
}

pub(super) const WALL_START: Duration = Duration::from_secs(1_780_000_000);

/// A site under test: plan, engine, point states, device statuses and the two clocks.
pub(super) struct Bench {
    pub plan: Plan,
    pub engine: RuleEngine,
    pub states: Vec<PointState>,
    pub devices: Vec<DeviceStatus>,
    /// Monotonic time.
    pub now: Duration,
    pub wall: SystemTime,
    pub last: Vec<RuleOutcome>,
}

impl Bench {
    pub fn new(toml: &str) -> Bench {
        let plan = load_str("test.toml", toml, Some(Default::default())).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        let engine = RuleEngine::new(&plan);
        let states = vec![PointState::unknown(); plan.points.len()];
        Bench {
            plan,
            engine,
            states,
            devices: Vec::new(),
            now: Duration::from_secs(1000),
            wall: SystemTime::UNIX_EPOCH + WALL_START,
            last: Vec::new(),
        }
    }

    fn index(&self, point: &str) -> usize {
        self.plan
            .points
            .iter()
            .position(|p| p.key.to_string() == point)
            .unwrap_or_else(|| panic!("no point {point}"))
    }

    /// Sets a good reading.
    pub fn set(&mut self, point: &str, v: impl Into<V>) -> &mut Self {
        let value = match v.into() {
            V::B(b) => Value::Bool(b),
            V::N(n) => Value::Number(n),
            V::L(l) => Value::Enum {
                code: 0,
                label: Arc::from(l),
            },
        };
        let i = self.index(point);
        let st = &mut self.states[i];
        st.value = Some(value);
        st.quality = Quality::Good;
        st.error = None;
        self
    }

    /// Sets several good readings.
    pub fn set_all(&mut self, points: &[(&str, V)]) -> &mut Self {
        for (p, v) in points {
            self.set(p, *v);
        }
        self
    }

    /// Sets a good reading and evaluates at once, as the daemon does on a change.
    pub fn change(&mut self, point: &str, v: impl Into<V>) -> &mut Self {
        self.set(point, v);
        self.eval()
    }

    /// The point's device stops answering: stale, last value kept.
    pub fn stale(&mut self, point: &str) -> &mut Self {
        self.not_good(point, Quality::Stale, "no answer within 500 ms")
    }

    pub fn not_good(&mut self, point: &str, quality: Quality, why: &str) -> &mut Self {
        let i = self.index(point);
        self.states[i].quality = quality;
        self.states[i].error = Some(why.into());
        self
    }

    /// Evaluates at the current time.
    pub fn eval(&mut self) -> &mut Self {
        self.last = self.engine.evaluate(&self.states, &self.devices, self.now, self.wall);
        self
    }

    /// Moves both clocks on by `secs`, evaluating once a second as the daemon does.
    pub fn run(&mut self, secs: u64) -> &mut Self {
        for _ in 0..secs {
            self.now += Duration::from_secs(1);
            self.wall += Duration::from_secs(1);
            self.eval();
        }
        self
    }

    /// The last verdict of `rule` on `equipment`.
    pub fn cond(&self, rule: &str, equipment: &str) -> &Condition {
        let found: Vec<&RuleOutcome> = self
            .last
            .iter()
            .filter(|o| o.rule == rule && o.equipment == equipment)
            .collect();
        match found.as_slice() {
            [one] => &one.condition,
            [] => panic!("no outcome for {rule} on {equipment}; have {:?}", self.pairs()),
            _ => panic!("{} outcomes for {rule} on {equipment}", found.len()),
        }
    }

    pub fn has(&self, rule: &str, equipment: &str) -> bool {
        self.last.iter().any(|o| o.rule == rule && o.equipment == equipment)
    }

    pub fn pairs(&self) -> Vec<(String, String)> {
        self.last
            .iter()
            .map(|o| (o.rule.clone(), o.equipment.clone()))
            .collect()
    }

    pub fn finding(&self, rule: &str, equipment: &str) -> &Finding {
        match self.cond(rule, equipment) {
            Condition::Active(f) => f,
            other => panic!("{rule} on {equipment} is not active: {other:?}"),
        }
    }

    pub fn active(&self, rule: &str, equipment: &str) -> bool {
        matches!(self.cond(rule, equipment), Condition::Active(_))
    }

    pub fn normal(&self, rule: &str, equipment: &str) -> bool {
        matches!(self.cond(rule, equipment), Condition::Normal)
    }

    /// The English and Chinese reasons, when the verdict is unknown.
    pub fn unknown(&self, rule: &str, equipment: &str) -> Option<(String, String)> {
        match self.cond(rule, equipment) {
            Condition::Unknown { reason } => Some((reason.en.clone(), reason.zh.clone())),
            _ => None,
        }
    }

    /// The diagnosis in English, when active.
    pub fn diagnosis(&self, rule: &str, equipment: &str) -> String {
        self.finding(rule, equipment)
            .diagnosis
            .as_ref()
            .map(|d| d.en.clone())
            .unwrap_or_default()
    }
}
