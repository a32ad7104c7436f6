//! What every rule family gets during one evaluation, and small text helpers they share.

use std::time::{Duration, SystemTime};

use super::history::RunHistory;
use super::input::Snapshot;
use super::outcome::{Condition, RuleOutcome, Text};
use super::timer::Timers;
use crate::config::{Equipment, Plan};

/// One evaluation round: the plan, the snapshot, the engine's timers and history, and now.
pub(super) struct Cx<'a> {
    pub plan: &'a Plan,
    pub read: Snapshot<'a>,
    pub timers: &'a mut Timers,
    pub history: &'a RunHistory,
    /// Monotonic time for timers.
    pub mono: Duration,
    /// Wall time for the run history.
    pub wall: SystemTime,
}

impl<'a> Cx<'a> {
    pub fn eq(&self, index: usize) -> &'a Equipment {
        &self.plan.equipment[index]
    }

    /// A role's display unit with its leading space (` m`), or nothing.
    pub fn unit(&self, eq: &Equipment, role: &str) -> String {
        eq.points
            .get(role)
            .and_then(|&i| self.plan.points.get(i))
            .and_then(|p| p.unit.as_deref())
            .map(|u| format!(" {u}"))
            .unwrap_or_default()
    }
}

pub(super) fn push(out: &mut Vec<RuleOutcome>, rule: &str, equipment: &str, condition: Condition) {
    out.push(RuleOutcome {
        rule: rule.to_string(),
        equipment: equipment.to_string(),
        condition,
    });
}

/// A bilingual text from a `(zh, en)` pair of the procedure's words.
pub(super) fn text((zh, en): (&str, &str)) -> Text {
    Text::new(zh, en)
}

/// Lines joined as one text: `；` between Chinese clauses, `; ` between English ones.
pub(super) fn join(lines: &[Text]) -> Text {
    Text::new(
        lines.iter().map(|l| l.zh.as_str()).collect::<Vec<_>>().join("；"),
        lines.iter().map(|l| l.en.as_str()).collect::<Vec<_>>().join("; "),
    )
}

/// A duration as people say it: `15 s`, `30 min`, `2 h` / `15 秒`, `30 分钟`, `2 小时`.
pub(super) fn span(d: Duration) -> Text {
    let s = d.as_secs_f64();
    if s < 120.0 {
        Text::new(format!("{} 秒", num(s)), format!("{} s", num(s)))
    } else if s < 7200.0 {
        let m = num((s / 60.0 * 10.0).round() / 10.0);
        Text::new(format!("{m} 分钟"), format!("{m} min"))
    } else {
        let h = num((s / 3600.0 * 10.0).round() / 10.0);
        Text::new(format!("{h} 小时"), format!("{h} h"))
    }
}

/// Whole days, rounded down.
pub(super) fn days(d: Duration) -> u64 {
    d.as_secs() / 86_400
}

/// A number without trailing zeros: `3`, `2.5`, `1.25`.
pub(super) fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_numbers_read_the_way_people_say_them() {
        assert_eq!(span(Duration::from_secs(15)).en, "15 s");
        assert_eq!(span(Duration::from_millis(2500)).zh, "2.5 秒");
        assert_eq!(span(Duration::from_secs(1800)).en, "30 min");
        assert_eq!(span(Duration::from_secs(7200)).zh, "2 小时");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(1.25), "1.25");
        assert_eq!(num(-0.001), "0");
    }
}
