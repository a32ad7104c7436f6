//! Reading roles from a snapshot of the point store, and keeping track of what could not be
//! trusted.
//!
//! A rule asks for `generator.running`, never for a register. What it gets back says whether
//! the value can be used ([`Read::Good`]), cannot ([`Read::NotGood`], with the point and the
//! source's own words), or does not exist at this site ([`Read::Missing`]: an optional role
//! nobody bound). A rule collects the inputs it needs in [`Needs`]; if it cannot prove its
//! condition from the good ones and any of them is not good, its verdict is `Unknown` — never
//! `Normal` (COM-01: a device we cannot see is a device we cannot protect).
//!
//! Conditions are combined in three-valued logic ([`Tri`]), so a stale input can neither hide
//! an alarm the good inputs prove nor make a rule look normal.

use std::fmt;
use std::sync::Arc;

use crate::config::Equipment;
use crate::point::{PointState, Quality, Value};

use super::outcome::{Condition, Finding, Text};

/// Why a point cannot be used right now.
#[derive(Debug, Clone, PartialEq)]
pub struct NotGood {
    /// `ats-1.mains_available`.
    pub point: String,
    pub quality: Quality,
    /// The source's own words, e.g. "no answer within 500 ms".
    pub detail: Option<Arc<str>>,
}

impl NotGood {
    /// `ats-1.mains_available is stale`.
    pub fn en(&self) -> String {
        let what = match self.quality {
            Quality::Stale => "is stale",
            Quality::Bad => "is bad",
            Quality::Unknown | Quality::Good => "has no reading yet",
        };
        format!("{} {what}", self.point)
    }

    /// `ats-1.mains_available 数据失效`.
    pub fn zh(&self) -> String {
        let what = match self.quality {
            Quality::Stale => "数据失效",
            Quality::Bad => "数据错误",
            Quality::Unknown | Quality::Good => "尚无读数",
        };
        format!("{} {what}", self.point)
    }
}

/// `ats-1.mains_available is stale: no answer within 500 ms`.
impl fmt::Display for NotGood {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// One role's value as a rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Read<T> {
    Good(T),
    NotGood {
        reason: NotGood,
    },
    /// The role is not configured for this equipment (an optional role).
    Missing,
}

impl<T> Read<T> {
    pub fn good(self) -> Option<T> {
        match self {
            Read::Good(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Read::Missing)
    }

    /// An optional role that is not configured counts as `v` (e.g. a generator without an
    /// `output_ok` contact is taken as healthy once it runs).
    pub fn or_if_missing(self, v: T) -> Read<T> {
        match self {
            Read::Missing => Read::Good(v),
            other => other,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Read<U> {
        match self {
            Read::Good(v) => Read::Good(f(v)),
            Read::NotGood { reason } => Read::NotGood { reason },
            Read::Missing => Read::Missing,
        }
    }
}

/// The point store's snapshot (`PointStore::snapshot()`), read by role.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    states: &'a [PointState],
}

impl<'a> Snapshot<'a> {
    pub fn new(states: &'a [PointState]) -> Self {
        Snapshot { states }
    }

    fn value(&self, eq: &Equipment, role: &str) -> Read<&'a Value> {
        let Some(&index) = eq.points.get(role) else {
            return Read::Missing;
        };
        let not_good = |quality, detail: Option<Arc<str>>| Read::NotGood {
            reason: NotGood {
                point: format!("{}.{role}", eq.id),
                quality,
                detail,
            },
        };
        match self.states.get(index) {
            None => not_good(Quality::Unknown, Some("not in the snapshot".into())),
            Some(PointState {
                quality: Quality::Good,
                value: Some(v),
                ..
            }) => Read::Good(v),
            Some(st) if st.quality == Quality::Good => not_good(Quality::Unknown, None),
            Some(st) => not_good(st.quality, st.error.clone()),
        }
    }

    fn typed<T>(&self, eq: &Equipment, role: &str, want: &str, f: impl FnOnce(&'a Value) -> Option<T>) -> Read<T> {
        match self.value(eq, role) {
            Read::Good(v) => match f(v) {
                Some(t) => Read::Good(t),
                // The plan checks types at load time; this guards against a mis-built plan.
                None => Read::NotGood {
                    reason: NotGood {
                        point: format!("{}.{role}", eq.id),
                        quality: Quality::Bad,
                        detail: Some(format!("expected {want}, got {v}").into()),
                    },
                },
            },
            Read::NotGood { reason } => Read::NotGood { reason },
            Read::Missing => Read::Missing,
        }
    }

    /// A contact or flag.
    pub fn bool(&self, eq: &Equipment, role: &str) -> Read<bool> {
        self.typed(eq, role, "on/off", Value::as_bool)
    }

    /// A measurement.
    pub fn number(&self, eq: &Equipment, role: &str) -> Read<f64> {
        self.typed(eq, role, "a number", Value::as_f64)
    }

    /// A selector or position's label (`AUTO`).
    pub fn label(&self, eq: &Equipment, role: &str) -> Read<&'a str> {
        self.typed(eq, role, "a selector position", Value::label)
    }

    /// The raw state of a role's point, for rules that look at quality themselves (COM-01).
    pub fn state(&self, index: usize) -> Option<&'a PointState> {
        self.states.get(index)
    }
}

/// Three-valued truth: a condition proven true, proven false, or not decidable because an
/// input is not good. Kleene's rules: `False and Unknown` is `False`, `True or Unknown` is
/// `True`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }

    #[allow(clippy::should_implement_trait)] // `!` on a Tri would read as a bool
    pub fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// True if any is true; false if all are false (and when there are none).
    pub fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        items.into_iter().fold(Tri::False, Tri::or)
    }

    /// True if all are true (and when there are none); false if any is false.
    pub fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        items.into_iter().fold(Tri::True, Tri::and)
    }

    pub fn is_true(self) -> bool {
        self == Tri::True
    }
}

impl From<Option<bool>> for Tri {
    fn from(v: Option<bool>) -> Tri {
        match v {
            Some(true) => Tri::True,
            Some(false) => Tri::False,
            None => Tri::Unknown,
        }
    }
}

impl From<bool> for Tri {
    fn from(v: bool) -> Tri {
        if v {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// The inputs a rule needs that are not good, collected while it reads them.
#[derive(Debug, Clone, Default)]
pub struct Needs(Vec<NotGood>);

impl Needs {
    /// The value if good; records why not otherwise. A missing (optional) role is `None`
    /// and is not recorded: it simply does not contribute.
    pub fn take<T>(&mut self, read: Read<T>) -> Option<T> {
        match read {
            Read::Good(v) => Some(v),
            Read::NotGood { reason } => {
                if !self.0.iter().any(|r| r.point == reason.point) {
                    self.0.push(reason);
                }
                None
            }
            Read::Missing => None,
        }
    }

    /// [`take`](Self::take) as a [`Tri`].
    pub fn tri(&mut self, read: Read<bool>) -> Tri {
        Tri::from(self.take(read))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn not_good(&self) -> &[NotGood] {
        &self.0
    }

    /// `cannot evaluate PWR-02: ats-1.mains_available is stale` in both languages.
    pub fn reason(&self, rule: &str) -> Text {
        let en: Vec<String> = self.0.iter().map(NotGood::en).collect();
        let zh: Vec<String> = self.0.iter().map(NotGood::zh).collect();
        Text::new(
            format!("无法判断 {rule}：{}", zh.join("；")),
            format!("cannot evaluate {rule}: {}", en.join("; ")),
        )
    }

    /// The verdict of a rule whose condition is not proven: `Unknown` if an input it needs
    /// is not good, else `Normal`.
    pub fn verdict(&self, rule: &str) -> Condition {
        if self.0.is_empty() {
            Condition::Normal
        } else {
            Condition::Unknown {
                reason: self.reason(rule),
            }
        }
    }

    /// `Active(finding)` when proven, else [`verdict`](Self::verdict).
    pub fn decide(&self, rule: &str, active: Option<Finding>) -> Condition {
        match active {
            Some(f) => Condition::Active(f),
            None => self.verdict(rule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn equipment() -> Equipment {
        Equipment {
            id: "ats-1".into(),
            building: "b".into(),
            kind: "transfer_switch",
            name: "ATS".into(),
            pumps: vec![],
            limits: BTreeMap::new(),
            points: BTreeMap::from([("mains_available".to_string(), 0), ("position".to_string(), 1)]),
            rule_settings: Default::default(),
        }
    }

    fn state(value: Option<Value>, quality: Quality, error: Option<&str>) -> PointState {
        PointState {
            value,
            quality,
            error: error.map(Into::into),
            ..PointState::unknown()
        }
    }

    #[test]
    fn a_stale_point_reads_as_not_good_with_the_sources_words() {
        let states = [
            state(Some(Value::Bool(true)), Quality::Stale, Some("no answer within 500 ms")),
            state(Some(Value::Number(1.0)), Quality::Good, None),
        ];
        let snap = Snapshot::new(&states);
        let eq = equipment();
        let Read::NotGood { reason } = snap.bool(&eq, "mains_available") else {
            panic!()
        };
        assert_eq!(
            reason.to_string(),
            "ats-1.mains_available is stale: no answer within 500 ms"
        );
        assert_eq!(reason.zh(), "ats-1.mains_available 数据失效");
        assert!(
            matches!(snap.label(&eq, "position"), Read::NotGood { reason } if reason.quality == Quality::Bad),
            "a number where a label is expected is bad"
        );
        assert_eq!(snap.bool(&eq, "selector"), Read::Missing);
    }

    #[test]
    fn needs_make_an_unproven_rule_unknown_in_both_languages() {
        let states = [state(None, Quality::Unknown, None)];
        let snap = Snapshot::new(&states);
        let mut need = Needs::default();
        assert_eq!(need.tri(snap.bool(&equipment(), "mains_available")), Tri::Unknown);
        let Condition::Unknown { reason } = need.verdict("PWR-02") else {
            panic!()
        };
        assert_eq!(
            reason.en,
            "cannot evaluate PWR-02: ats-1.mains_available has no reading yet"
        );
        assert_eq!(reason.zh, "无法判断 PWR-02：ats-1.mains_available 尚无读数");
    }

    #[test]
    fn three_valued_logic_lets_a_proven_fact_win_over_an_unknown() {
        assert_eq!(Tri::True.or(Tri::Unknown), Tri::True);
        assert_eq!(Tri::False.and(Tri::Unknown), Tri::False);
        assert_eq!(Tri::True.and(Tri::Unknown), Tri::Unknown);
        assert_eq!(Tri::any([]), Tri::False);
        assert_eq!(Tri::all([Tri::True, Tri::True]), Tri::True);
    }
}
