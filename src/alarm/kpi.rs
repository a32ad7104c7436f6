//! Alarm-system KPIs (ISA-18.2 §16 / EEMUA 191), computed from the journal: alarms per
//! 10 minutes, flood periods, chattering and stale alarms, and the most frequent alarms.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::journal::JournalRow;

/// More than this many raises in a 10-minute window is a flood.
pub const FLOOD_THRESHOLD: usize = 10;
const WINDOW: Duration = Duration::from_secs(600);
const STALE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The computed figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpis {
    pub raised: usize,
    pub windows: usize,
    pub per_10_min_avg: f64,
    pub per_10_min_max: usize,
    /// Start of each 10-minute window with more than [`FLOOD_THRESHOLD`] raises.
    pub floods: Vec<SystemTime>,
    /// Alarms that started chattering, with how often.
    pub chattering: Vec<(String, usize)>,
    /// Alarms raised and not cleared for more than 24 h at `now`.
    pub stale: Vec<String>,
    /// The ten alarms raised most often.
    pub top: Vec<(String, usize)>,
}

/// Computes the KPIs over `[since, now]`.
pub fn compute(rows: &[JournalRow], since: SystemTime, now: SystemTime) -> Kpis {
    let span = now.duration_since(since).unwrap_or_default();
    let windows = (span.as_secs().div_ceil(WINDOW.as_secs())).max(1) as usize;
    let mut per_window: BTreeMap<u64, usize> = BTreeMap::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut chatter: HashMap<String, usize> = HashMap::new();
    let mut open: HashMap<String, SystemTime> = HashMap::new();
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    for r in rows {
        let name = format!("{} {}", r.rule, r.equipment);
        match r.kind.as_str() {
            "raised" => {
                *per_window.entry(secs(r.at) / WINDOW.as_secs()).or_default() += 1;
                *counts.entry(name.clone()).or_default() += 1;
                open.insert(name, r.at);
            }
            "cleared" | "latch_reset" => {
                open.remove(&name);
            }
            "chatter_started" => *chatter.entry(name).or_default() += 1,
            _ => {}
        }
    }
    let raised: usize = per_window.values().sum();
    let floods = per_window
        .iter()
        .filter(|(_, n)| **n > FLOOD_THRESHOLD)
        .map(|(w, _)| UNIX_EPOCH + Duration::from_secs(w * WINDOW.as_secs()))
        .collect();
    let mut stale: Vec<String> = open
        .into_iter()
        .filter(|(_, at)| now.duration_since(*at).is_ok_and(|d| d > STALE_AFTER))
        .map(|(k, _)| k)
        .collect();
    stale.sort();
    let sorted = |m: HashMap<String, usize>| {
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let mut top = sorted(counts);
    top.truncate(10);
    Kpis {
        raised,
        windows,
        per_10_min_avg: raised as f64 / windows as f64,
        per_10_min_max: per_window.values().copied().max().unwrap_or(0),
        floods,
        chattering: sorted(chatter),
        stale,
        top,
    }
}

/// The table `facmon kpi` prints.
pub fn render(k: &Kpis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<34} {}", "alarms raised", k.raised);
    let _ = writeln!(
        out,
        "{:<34} {:.2} (max {}) over {} windows",
        "alarms per 10 min", k.per_10_min_avg, k.per_10_min_max, k.windows
    );
    let _ = writeln!(
        out,
        "{:<34} {}",
        format!("flood periods (> {FLOOD_THRESHOLD} in 10 min)"),
        k.floods.len()
    );
    let _ = writeln!(out, "{:<34} {}", "chattering alarms", k.chattering.len());
    for (name, n) in &k.chattering {
        let _ = writeln!(out, "    {name} ({n}×)");
    }
    let _ = writeln!(out, "{:<34} {}", "stale alarms (active > 24 h)", k.stale.len());
    for name in &k.stale {
        let _ = writeln!(out, "    {name}");
    }
    let _ = writeln!(out, "top {} most frequent:", k.top.len());
    for (name, n) in &k.top {
        let _ = writeln!(out, "    {n:>5}  {name}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(s: u64, rule: &str, kind: &str) -> JournalRow {
        JournalRow {
            seq: 0,
            at: UNIX_EPOCH + Duration::from_secs(s),
            rule: rule.into(),
            equipment: "e".into(),
            kind: kind.into(),
            actor: "facmon".into(),
            severity: None,
            announce: true,
            incident: None,
            state: None,
            active: None,
        }
    }

    #[test]
    fn floods_chatter_stale_and_top_alarms_are_counted_from_the_journal() {
        let mut rows: Vec<_> = (0..12).map(|i| row(600 + i, "DRN-01", "raised")).collect();
        rows.push(row(700, "DRN-01", "chatter_started"));
        rows.push(row(1300, "PWR-01", "raised"));
        rows.push(row(1400, "PWR-01", "cleared"));
        rows.push(row(1500, "FIRE-02", "raised"));
        let since = UNIX_EPOCH + Duration::from_secs(600);
        let now = UNIX_EPOCH + Duration::from_secs(1500 + 25 * 3600);
        let k = compute(&rows, since, now);
        assert_eq!(k.raised, 14);
        assert_eq!(k.floods.len(), 1);
        assert_eq!(k.per_10_min_max, 12);
        assert_eq!(k.chattering, vec![("DRN-01 e".to_string(), 1)]);
        assert_eq!(k.stale, vec!["DRN-01 e".to_string(), "FIRE-02 e".to_string()]);
        assert_eq!(k.top[0], ("DRN-01 e".to_string(), 12));
        assert!(render(&k).contains("flood periods (> 10 in 10 min)"));
    }
}
