//! What facmon writes, as documented in `docs/timeseries.md`: numeric fields only, tags
//! from the config and fixed vocabularies only. A test checks the document against this code.

use std::time::SystemTime;

use super::line::{Lines, Series};
use crate::alarm::journal::JournalRow;
use crate::alarm::AlarmState;
use crate::config::Plan;
use crate::db::millis;
use crate::point::{PointState, Quality, Value};
use crate::rules::history::RunHistory;
use crate::sources::DeviceStatus;

pub const POINT: &str = "facmon_point";
pub const DEVICE: &str = "facmon_device";
pub const ALARM: &str = "facmon_alarm";
pub const RUN_HISTORY: &str = "facmon_run_history";

const DAY_S: f64 = 86_400.0;

/// The integer code of a quality.
pub fn quality_code(q: Quality) -> i64 {
    match q {
        Quality::Good => 0,
        Quality::Stale => 1,
        Quality::Bad => 2,
        Quality::Unknown => 3,
    }
}

struct Run {
    id: String,
    series: Series,
    runs: bool,
    changes_over: bool,
}

/// Every series key of a plan, escaped once.
pub struct Schema {
    site: String,
    points: Vec<Series>,
    devices: Vec<(String, Series)>,
    /// Equipment with a run history: id, series, and whether it changes over to a backup
    /// supply (transfer switches, critical rooms).
    runs: Vec<Run>,
    /// Equipment id → its building, for alarm events.
    buildings: std::collections::HashMap<String, String>,
}

impl Schema {
    pub fn new(plan: &Plan, devices: &[DeviceStatus]) -> Schema {
        let site = plan.site.id.as_str();
        let points = plan
            .points
            .iter()
            .map(|p| {
                let eq = &plan.equipment[p.equipment];
                Series::new(
                    POINT,
                    &[
                        ("site", site),
                        ("building", &eq.building),
                        ("equipment", &eq.id),
                        ("kind", eq.kind),
                        ("role", &p.key.role),
                        ("unit", p.unit.as_deref().unwrap_or("")),
                    ],
                )
            })
            .collect();
        let devices = devices
            .iter()
            .map(|d| {
                let s = Series::new(DEVICE, &[("site", site), ("device", &d.id), ("protocol", d.kind)]);
                (d.id.clone(), s)
            })
            .collect();
        let runs = plan
            .equipment
            .iter()
            .filter(|e| e.points.contains_key("running") || matches!(e.kind, "transfer_switch" | "critical_room"))
            .map(|e| {
                let s = Series::new(
                    RUN_HISTORY,
                    &[
                        ("site", site),
                        ("building", &e.building),
                        ("equipment", &e.id),
                        ("kind", e.kind),
                    ],
                );
                Run {
                    id: e.id.clone(),
                    series: s,
                    runs: e.points.contains_key("running"),
                    changes_over: matches!(e.kind, "transfer_switch" | "critical_room"),
                }
            })
            .collect();
        Schema {
            site: site.to_string(),
            points,
            devices,
            runs,
            buildings: plan
                .equipment
                .iter()
                .map(|e| (e.id.clone(), e.building.clone()))
                .collect(),
        }
    }

    /// One point's state: `value` (when good and numeric) and `quality`.
    pub fn point(&self, out: &mut Lines, index: usize, state: &PointState, at: SystemTime) {
        let Some(series) = self.points.get(index) else { return };
        let mut line = out.line(series);
        if state.quality == Quality::Good {
            match &state.value {
                Some(Value::Bool(b)) => line = line.float("value", f64::from(u8::from(*b))),
                Some(Value::Number(n)) => line = line.float("value", *n),
                Some(Value::Enum { code, .. }) => line = line.float("value", *code as f64),
                Some(Value::Text(_)) | None => {}
            }
        }
        line.int("quality", quality_code(state.quality)).end(millis(at));
    }

    /// One device's communication status; nothing before its first attempt.
    pub fn device(&self, out: &mut Lines, d: &DeviceStatus, at: SystemTime) {
        let Some((_, series)) = self.devices.iter().find(|(id, _)| *id == d.id) else {
            return;
        };
        let Some(online) = d.online else { return };
        out.line(series)
            .float("online", f64::from(u8::from(online)))
            .int("consecutive_failures", i64::from(d.consecutive_failures))
            .end(millis(at));
    }

    /// One journaled alarm transition.
    pub fn alarm(&self, out: &mut Lines, row: &JournalRow) {
        let family = family(&row.rule);
        let series = Series::new(
            ALARM,
            &[
                ("site", &self.site),
                // None for a device (COM-01): the tag is left out.
                (
                    "building",
                    self.buildings.get(&row.equipment).map_or("", String::as_str),
                ),
                ("rule", &row.rule),
                ("equipment", &row.equipment),
                ("family", family),
                ("event", &row.kind),
                ("severity", row.severity.as_deref().unwrap_or("")),
            ],
        );
        let mut line = out.line(&series);
        if let Some(state) = row.state.as_deref().and_then(AlarmState::from_name) {
            line = line.int("state", state.code());
        }
        line.float("active", f64::from(u8::from(row.active.unwrap_or(false))))
            .float("announce", f64::from(u8::from(row.announce)))
            .int("incident", row.incident.unwrap_or(0))
            .end(millis(row.at));
    }

    /// Days since each piece of equipment last ran (and changed over).
    pub fn run_history(&self, out: &mut Lines, h: &RunHistory, at: SystemTime) {
        for r in &self.runs {
            let mut line = out.line(&r.series);
            if r.runs {
                line = line.float("days_since_run", h.since_run(&r.id, at).as_secs_f64() / DAY_S);
            }
            if r.changes_over {
                line = line.float(
                    "days_since_changeover",
                    h.since_changeover(&r.id, at).as_secs_f64() / DAY_S,
                );
            }
            line.end(millis(at));
        }
    }

    pub fn point_count(&self) -> usize {
        self.points.len()
    }
}

/// The rule family tag: the procedure prefix, or `custom`.
fn family(rule: &str) -> &'static str {
    match rule.split_once('-').map(|(p, _)| p) {
        Some("PWR") => "pwr",
        Some("WAT") => "wat",
        Some("DRN") => "drn",
        Some("FIRE") => "fire",
        Some("COM") => "com",
        _ if rule == "*" => "equipment",
        _ => "custom",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    fn demo() -> Plan {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml");
        crate::config::load_with_env(std::path::Path::new(path), Some(Default::default())).unwrap()
    }

    fn at() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_000_000_000)
    }

    fn state(value: Option<Value>, quality: Quality) -> PointState {
        PointState {
            value,
            quality,
            ..PointState::unknown()
        }
    }

    fn point_line(plan: &Plan, eq: &str, role: &str, s: PointState) -> String {
        let schema = Schema::new(plan, &[]);
        let i = plan
            .points
            .iter()
            .position(|p| &*p.key.equipment == eq && &*p.key.role == role)
            .unwrap();
        let mut out = Lines::default();
        schema.point(&mut out, i, &s, at());
        out.as_str().to_string()
    }

    #[test]
    fn every_value_type_is_a_float_value_field_with_an_integer_quality() {
        let plan = demo();
        assert_eq!(
            point_line(&plan, "gen-1", "output_voltage", state(Some(Value::Number(400.2)), Quality::Good)),
            "facmon_point,site=demo-plaza,building=tower-a,equipment=gen-1,kind=generator,role=output_voltage,unit=V value=400.2,quality=0i 1795000000000\n"
        );
        let mode = Value::Enum {
            code: 1,
            label: Arc::from("MANUAL"),
        };
        assert!(
            point_line(&plan, "gen-1", "mode_selector", state(Some(mode), Quality::Good))
                .ends_with(",role=mode_selector value=1,quality=0i 1795000000000\n")
        );
        assert!(
            point_line(&plan, "gen-1", "running", state(Some(Value::Bool(true)), Quality::Good))
                .ends_with(",role=running value=1,quality=0i 1795000000000\n")
        );
    }

    #[test]
    fn a_value_that_is_not_good_is_not_written_only_its_quality() {
        let plan = demo();
        let line = point_line(
            &plan,
            "gen-1",
            "running",
            state(Some(Value::Bool(true)), Quality::Stale),
        );
        assert!(line.ends_with(",role=running quality=1i 1795000000000\n"), "{line}");
        let line = point_line(&plan, "gen-1", "running", state(None, Quality::Unknown));
        assert!(line.ends_with(" quality=3i 1795000000000\n"), "{line}");
    }

    #[test]
    fn an_alarm_event_carries_its_state_code_and_incident() {
        let plan = demo();
        let schema = Schema::new(&plan, &[]);
        let row = JournalRow {
            seq: 9,
            at: at(),
            rule: "PWR-02".into(),
            equipment: "gen-1".into(),
            kind: "raised".into(),
            actor: "facmon".into(),
            severity: Some("critical".into()),
            announce: true,
            incident: Some(4),
            state: Some("unacknowledged".into()),
            active: Some(true),
        };
        let mut out = Lines::default();
        schema.alarm(&mut out, &row);
        assert_eq!(
            out.as_str(),
            "facmon_alarm,site=demo-plaza,building=tower-a,rule=PWR-02,equipment=gen-1,family=pwr,event=raised,severity=critical state=1i,active=1,announce=1,incident=4i 1795000000000\n"
        );
    }

    #[test]
    fn the_documented_schema_matches_the_code() {
        let doc = include_str!("../../../docs/timeseries.md");
        for m in [POINT, DEVICE, ALARM, RUN_HISTORY] {
            assert!(doc.contains(&format!("`{m}`")), "docs/timeseries.md lacks {m}");
        }
        let states: Vec<String> = AlarmState::ALL
            .iter()
            .map(|s| format!("{} {}", s.code(), s.as_str().replace('_', " ")))
            .collect();
        assert!(
            doc.contains(&states.join(", ")),
            "state codes differ from: {}",
            states.join(", ")
        );
        let qualities: Vec<String> = [Quality::Good, Quality::Stale, Quality::Bad, Quality::Unknown]
            .iter()
            .map(|q| format!("{} {}", quality_code(*q), q.as_str()))
            .collect();
        assert!(doc.contains(&qualities.join(", ")), "quality codes differ");
        for kind in crate::alarm::journal::KIND_NAMES {
            assert!(doc.contains(&format!("`{kind}`")), "event {kind} undocumented");
        }
    }
}
