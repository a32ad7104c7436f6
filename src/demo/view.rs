//! The demo's terminal view: a compact table of every equipment's points, and change lines.
//! Pure functions of the plan and a snapshot, so they are tested without a terminal.

use crate::notify::routes::roles_for;
use crate::rules::outcome::Severity;
use crate::ticket::{EntryKind, Priority, Ticket, TimelineEntry};
use std::fmt::Write as _;
use std::time::SystemTime;

use crate::alarm::{Alarm, Transition, TransitionKind};
use crate::config::Plan;
use crate::point::{PointChange, PointState, Quality, Value};
use crate::sources::DeviceStatus;

/// Renders one value with its quality the way an engineer reads it: stale and bad values are
/// marked, never shown as if current.
pub fn cell(state: &PointState, unit: Option<&str>) -> String {
    let v = match &state.value {
        None => "—".to_string(),
        Some(Value::Bool(b)) => if *b { "ON" } else { "off" }.to_string(),
        Some(v) => match unit {
            Some(u) => format!("{v} {u}"),
            None => v.to_string(),
        },
    };
    match state.quality {
        Quality::Good => v,
        Quality::Stale => format!("{v} (stale)"),
        Quality::Bad => format!("{v} (BAD)"),
        Quality::Unknown => "? (unknown)".to_string(),
    }
}

/// The whole table: one line per equipment, its points as `role=value`.
pub fn table(plan: &Plan, snapshot: &[PointState], devices: &[DeviceStatus], now: SystemTime) -> String {
    let mut out = String::new();
    let width = plan.equipment.iter().map(|e| e.id.len()).max().unwrap_or(8);
    for e in &plan.equipment {
        let mut line = format!("{:<width$}  {:<15} ", e.id, e.kind);
        for (role, &idx) in &e.points {
            let Some(st) = snapshot.get(idx) else { continue };
            let unit = plan.points.get(idx).and_then(|p| p.unit.as_deref());
            let _ = write!(line, " {role}={}", cell(st, unit));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let offline: Vec<String> = devices
        .iter()
        .filter(|d| d.online == Some(false))
        .map(|d| {
            let secs = d
                .since
                .and_then(|s| now.duration_since(s).ok())
                .map(|d| d.as_secs())
                .unwrap_or(0);
            format!("{} offline {secs}s ({})", d.id, d.last_error.as_deref().unwrap_or("?"))
        })
        .collect();
    if offline.is_empty() {
        let online = devices.iter().filter(|d| d.online == Some(true)).count();
        let _ = writeln!(out, "devices: {online}/{} online", devices.len());
    } else {
        let _ = writeln!(out, "devices OFFLINE: {}", offline.join("; "));
    }
    out
}

/// Whether a change deserves its own line: flags, selectors and quality changes do; the
/// continuous drift of a level or a fuel gauge does not (the table shows it).
pub fn is_notable(change: &PointChange, previous: Option<&PointState>) -> bool {
    // The first reading of a point is not news; the table shows it.
    let Some(previous) = previous.filter(|p| p.quality != Quality::Unknown && p.value.is_some()) else {
        return false;
    };
    let discrete = matches!(
        change.state.value,
        Some(Value::Bool(_)) | Some(Value::Enum { .. }) | Some(Value::Text(_))
    );
    previous.quality != change.state.quality || (discrete && previous.value != change.state.value)
}

/// One change line: `12:03:04  gen-1.running  off → ON`.
pub fn change_line(elapsed_s: u64, change: &PointChange, previous: Option<&PointState>, unit: Option<&str>) -> String {
    let before = previous.map(|p| cell(p, unit)).unwrap_or_else(|| "—".into());
    format!(
        "[{:>4}s] {:<34} {before} → {}",
        elapsed_s,
        change.key.to_string(),
        cell(&change.state, unit)
    )
}

/// One alarm line, or `None` for transitions that are bookkeeping. Message and diagnosis are
/// shown in both languages: the site reads zh-CN, visitors and vendors English.
pub fn alarm_line(elapsed_s: u64, t: &Transition, alarm: Option<&Alarm>) -> Option<String> {
    let head = format!("[{elapsed_s:>4}s]");
    let key = format!("{} {}", t.key.rule, t.key.equipment);
    let finding = alarm.and_then(|a| a.finding.as_ref());
    let quiet = if t.announce { "" } else { " (quiet)" };
    Some(match &t.kind {
        TransitionKind::Raised | TransitionKind::Updated => {
            let sev = t.severity.map(|s| s.as_str().to_uppercase()).unwrap_or_default();
            let verb = if t.kind == TransitionKind::Raised {
                "ALARM"
            } else {
                "UPDATE"
            };
            let mut line = format!("{head} ⚠ {verb} {sev} {key}{quiet}");
            if let Some(f) = finding {
                let _ = write!(line, ": {} / {}", f.message.zh, f.message.en);
                if let Some(d) = &f.diagnosis {
                    let _ = write!(line, "\n{:>8} 诊断: {}\n{:>8} diagnosis: {}", "", d.zh, "", d.en);
                }
            }
            line
        }
        TransitionKind::Cleared => format!("{head} ✓ cleared {key}"),
        TransitionKind::LatchHeld => format!("{head} ■ {key} contact cleared; latched until an operator resets it"),
        TransitionKind::Unknown { reason } => format!("{head} ? {key}: {} / {}", reason.zh, reason.en),
        TransitionKind::Suppressed { by } => format!("{head} · {key} suppressed by {by}"),
        TransitionKind::ChatterStarted => format!("{head} ~ {key} is chattering: held active"),
        TransitionKind::IncidentOpened { incident } => format!("{head} ▣ incident #{incident} opened by {key}"),
        TransitionKind::IncidentClosed { incident } => format!("{head} ▣ incident #{incident} closed"),
        _ => return None,
    })
}

/// A ticket's timeline entry as a demo line; who the procedure would page when it opens.
pub fn ticket_line(elapsed_s: u64, plan: &crate::config::Plan, t: &Ticket, e: &TimelineEntry) -> Option<String> {
    let head = format!("[{elapsed_s:>4}s] ▤ ticket #{}", t.id);
    let what = match e.kind {
        EntryKind::Opened => {
            let due = plan
                .roster
                .time_zone()
                .to_datetime(jiff::Timestamp::try_from(t.on_site_due).ok()?)
                .strftime("%H:%M")
                .to_string();
            let rule = t.rule.as_deref().unwrap_or("*");
            let severity = match t.priority {
                Priority::Critical => Severity::Critical,
                _ => Severity::Major,
            };
            // Each person once, with every role they are paged for.
            let mut paged: Vec<(String, Vec<String>)> = Vec::new();
            for role in roles_for(&plan.notify.routes, rule, severity) {
                for p in plan.roster.on_duty(&role, e.at) {
                    match paged.iter_mut().find(|(name, _)| *name == p.name) {
                        Some((_, roles)) => roles.push(role.clone()),
                        None => paged.push((p.name.clone(), vec![role.clone()])),
                    }
                }
            }
            let paged = if paged.is_empty() {
                "nobody on the roster".to_owned()
            } else {
                let people: Vec<String> = paged.iter().map(|(n, r)| format!("{n} ({})", r.join(", "))).collect();
                people.join(", ")
            };
            format!(
                "opened: {} / {} — {}, on site by {due} ({}); on duty: {paged}",
                t.title.zh,
                t.title.en,
                t.priority.as_str(),
                t.priority.sla()
            )
        }
        EntryKind::AlarmAdded | EntryKind::Escalated | EntryKind::ChecklistAdded => format!(
            "{}: {} {}",
            e.kind.as_str(),
            e.rule.as_deref().unwrap_or_default(),
            e.equipment.as_deref().unwrap_or_default()
        ),
        EntryKind::SlaBreached => format!(
            "{} missed{}: the supervisor would be paged",
            e.rule.as_deref().unwrap_or("SLA"),
            if e.nth == Some(2) { " twice over" } else { "" }
        ),
        _ => e.kind.as_str().replace('_', " "),
    };
    Some(format!("{head} {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::point::PointKey;

    fn state(value: Option<Value>, quality: Quality) -> PointState {
        PointState {
            value,
            quality,
            ..PointState::unknown()
        }
    }

    #[test]
    fn stale_and_bad_values_are_marked_never_shown_as_current() {
        assert_eq!(
            cell(&state(Some(Value::Number(398.5)), Quality::Good), Some("V")),
            "398.50 V"
        );
        assert_eq!(
            cell(&state(Some(Value::Bool(true)), Quality::Stale), None),
            "ON (stale)"
        );
        assert_eq!(cell(&state(Some(Value::Number(3.0)), Quality::Bad), None), "3 (BAD)");
        assert_eq!(cell(&state(None, Quality::Unknown), None), "? (unknown)");
    }

    #[test]
    fn flag_flips_and_quality_losses_get_a_line_but_drifting_levels_do_not() {
        let key = PointKey {
            equipment: "gen-1".into(),
            role: "running".into(),
        };
        let change = |v, q| PointChange {
            index: crate::point::PointIndex(0),
            key: key.clone(),
            state: state(Some(v), q),
        };
        let was_off = state(Some(Value::Bool(false)), Quality::Good);
        assert!(is_notable(&change(Value::Bool(true), Quality::Good), Some(&was_off)));
        assert!(is_notable(&change(Value::Bool(false), Quality::Stale), Some(&was_off)));
        let level = state(Some(Value::Number(50.0)), Quality::Good);
        assert!(!is_notable(&change(Value::Number(50.5), Quality::Good), Some(&level)));
        let never_read = state(None, Quality::Unknown);
        assert!(
            !is_notable(&change(Value::Bool(true), Quality::Good), Some(&never_read)),
            "a first reading is not a change"
        );
    }
}
