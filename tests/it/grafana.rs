//! The Grafana dashboards (`grafana/dashboards`): they match Grafana's own schema, every
//! query in them is found and fully substituted, and every query runs on a real InfluxDB 1.x
//! holding facmon's series and returns rows.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::dashboards::{
    assert_every_dashboard_query_returns_rows, load_all, queries, substitute, unresolved, Scope, Selection,
    VariableRef, DASHBOARD_DIR,
};
use crate::support::require;
use crate::support::tsdb::InfluxDb1;

const CHECK_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/check-dashboards.sh");

fn run_check(args: &[&Path]) -> (bool, String) {
    require("node", "nodejs");
    require("npm", "npm");
    let out = Command::new(CHECK_SCRIPT)
        .args(args)
        .output()
        .expect("run scripts/check-dashboards.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn every_dashboard_type_checks_against_grafana_schema() {
    let (ok, output) = run_check(&[]);
    assert!(ok, "scripts/check-dashboards.sh failed:\n{output}");
}

#[test]
fn the_schema_check_rejects_a_panel_whose_grid_position_is_not_an_object() {
    let mut d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(DASHBOARD_DIR).join("water.json")).expect("read"))
            .expect("json");
    d["panels"][0]["gridPos"] = "x".into();
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("water-broken.json");
    std::fs::write(&bad, serde_json::to_string_pretty(&d).expect("json")).expect("write");
    let (ok, output) = run_check(&[&bad]);
    assert!(!ok, "a dashboard with \"gridPos\": \"x\" passed the check:\n{output}");
    let line = serde_json::to_string_pretty(&d)
        .expect("json")
        .lines()
        .position(|l| l.contains(r#""gridPos": "x""#))
        .expect("gridPos line")
        + 1;
    let at = format!("{}:{line}:", bad.display());
    assert!(output.contains(&at), "the error does not point at {at}:\n{output}");
}

/// 2025-11-21 08:00:00 UTC: the stand-in history's first minute.
const T0: i64 = 1_763_712_000_000;
const MINUTE: i64 = 60_000;
/// The stand-in history spans one hour.
const MINUTES: i64 = 60;

fn scope_with(values: &[(&str, Selection)]) -> Scope {
    Scope {
        from_ms: T0,
        to_ms: T0 + MINUTES * MINUTE,
        interval: Duration::from_secs(10),
        values: values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
    }
}

#[test]
fn every_query_of_every_dashboard_is_found_and_fully_substituted() {
    let dashboards = load_all(Path::new(DASHBOARD_DIR));
    let scope = scope_with(&[
        ("site", Selection::Values(vec!["harbour-mall".into()])),
        ("equipment", Selection::Values(vec!["gen-1".into(), "pump.2".into()])),
    ]);
    let qs = queries(&dashboards, &scope);

    // Query variables + InfluxQL annotations + panel targets (rows' nested panels included).
    let mut per_dashboard: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &qs {
        *per_dashboard.entry(q.dashboard.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        ("alarm-kpis", 4 + 8),
        ("drainage", 3 + 1 + 5),
        ("fire", 3 + 1 + 6),
        ("power", 3 + 1 + 11),
        ("site-overview", 3 + 1 + 10),
        ("water", 3 + 1 + 6),
    ]
    .into();
    assert_eq!(per_dashboard, expected);
    assert!(
        qs.iter().any(|q| q.source == "panel \"Devices: last status\" A"),
        "the panels of the collapsed Communication row are missing"
    );
    // A panel's minimum interval wins over a shorter one.
    let mains = qs
        .iter()
        .find(|q| q.source == "panel \"Time without mains\" A")
        .expect("power panel");
    assert!(
        mains.text.ends_with(r#"GROUP BY time(1m), "equipment""#),
        "{}",
        mains.text
    );

    let time_filter = format!("time >= {T0}ms and time <= {}ms", T0 + MINUTES * MINUTE);
    for q in &qs {
        let at = format!("{} / {}", q.dashboard, q.source);
        assert_eq!(unresolved(&q.text), Vec::<String>::new(), "{at}: {}", q.text);
        if q.source.starts_with("variable ") {
            assert!(q.text.starts_with("SHOW TAG VALUES FROM"), "{at}: {}", q.text);
            continue;
        }
        // Every data query is bounded by the dashboard's time range.
        assert!(
            q.template.contains("$timeFilter"),
            "{at} does not use $timeFilter: {}",
            q.template
        );
        assert!(q.text.contains(&time_filter), "{at}: {}", q.text);
        // Multi-value variables match as regexes, escaped; "All" matches everything.
        if q.template.contains("$equipment") {
            assert!(
                q.template.contains(r#""equipment" =~ /^$equipment$/"#),
                "{at}: {}",
                q.template
            );
            assert!(
                q.text.contains(r#""equipment" =~ /^(gen-1|pump\.2)$/"#),
                "{at}: {}",
                q.text
            );
        }
        if q.template.contains("$building") {
            assert!(q.text.contains(r#""building" =~ /^.*$/"#), "{at}: {}", q.text);
        }
        assert!(q.text.contains(r#""site" =~ /^harbour-mall$/"#), "{at}: {}", q.text);
    }
}

#[test]
fn substitution_follows_grafana_for_macros_single_multi_and_all_values() {
    let var = |name, regex_formatted, default| VariableRef {
        name,
        regex_formatted,
        all_value: Some(".*"),
        default,
        is_query: default.is_none(),
    };
    let vars = [
        var("site", true, None),
        var("equipment", true, None),
        var("limit", false, Some("30")),
    ];
    let scope = Scope {
        from_ms: 1000,
        to_ms: 61_000,
        interval: Duration::from_secs(60),
        values: [
            ("site".to_owned(), Selection::Values(vec!["a/b".into()])),
            ("equipment".to_owned(), Selection::All),
        ]
        .into(),
    };
    let s = |t: &str| substitute(t, &vars, &scope);
    assert_eq!(
        s("WHERE $timeFilter GROUP BY time($__interval)"),
        "WHERE time >= 1000ms and time <= 61000ms GROUP BY time(1m)"
    );
    assert_eq!(s("$__interval_ms $__from $__to $interval"), "60000 1000 61000 1m");
    // One value, regex-escaped (`/` would end the InfluxQL regex); "All" is the allValue.
    assert_eq!(
        s(r#""site" =~ /^$site$/ AND "equipment" =~ /^$equipment$/"#),
        r#""site" =~ /^a\/b$/ AND "equipment" =~ /^.*$/"#
    );
    assert_eq!(s("${site} [[site]] ${site:raw} ${site:regex}"), r"a\/b a\/b a/b a\/b");
    // A textbox keeps its default unless set.
    assert_eq!(s("> $limit"), "> 30");
    let multi = Scope {
        values: [("site".to_owned(), Selection::Values(vec!["x-1".into(), "y.2".into()]))].into(),
        ..scope.clone()
    };
    assert_eq!(
        substitute("/^$site$/ ${site:csv}", &vars, &multi),
        r"/^(x-1|y\.2)$/ x-1,y.2"
    );
    // What it does not know stays, and is reported.
    let left = s("$nope ${site:fancy} [[other]] /^.*$/ $ 5");
    assert_eq!(left, "$nope ${site:fancy} [[other]] /^.*$/ $ 5");
    assert_eq!(unresolved(&left), ["$nope", "${site:fancy}", "[[other]]"]);
}

#[test]
fn every_panel_target_and_annotation_uses_the_provisioned_data_source() {
    for d in load_all(Path::new(DASHBOARD_DIR)) {
        let mut ids = Vec::new();
        let mut stack: Vec<&serde_json::Value> = d.json["panels"].as_array().into_iter().flatten().collect();
        while let Some(p) = stack.pop() {
            ids.push(
                p["id"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("{}: a panel without an id", d.name)),
            );
            stack.extend(p["panels"].as_array().into_iter().flatten());
            for t in p["targets"].as_array().into_iter().flatten() {
                assert_eq!(
                    t["datasource"]["uid"], "facmon",
                    "{}: {} {}",
                    d.name, p["title"], t["refId"]
                );
            }
        }
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "{}: panel ids are not unique", d.name);
        for v in d.json["templating"]["list"].as_array().into_iter().flatten() {
            if v["type"] == "query" {
                assert_eq!(v["datasource"]["uid"], "facmon", "{}: variable {}", d.name, v["name"]);
            }
        }
        for a in d.json["annotations"]["list"].as_array().into_iter().flatten() {
            if a["builtIn"] != 1 {
                assert_eq!(a["datasource"]["uid"], "facmon", "{}: annotation {}", d.name, a["name"]);
            }
        }
    }
}

#[test]
fn no_dashboard_names_anything_of_the_demo_building() {
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml")).expect("demo.toml");
    // `id = "..."` keys (site, buildings, equipment, devices, buses), not `client_id`.
    let ids: Vec<&str> = demo
        .match_indices("id = \"")
        .filter(|(at, _)| !demo[..*at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        .map(|(at, m)| {
            let rest = &demo[at + m.len()..];
            &rest[..rest.find('"').expect("closing quote")]
        })
        .collect();
    assert!(ids.contains(&"demo-plaza") && ids.contains(&"sump-b2"), "{ids:?}");
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    for d in load_all(Path::new(DASHBOARD_DIR)) {
        let text = d.json.to_string();
        for id in &ids {
            for (at, _) in text.match_indices(id) {
                let before = text[..at].chars().next_back();
                let after = text[at + id.len()..].chars().next();
                assert!(
                    before.is_some_and(is_id_char) || after.is_some_and(is_id_char),
                    "{}.json names the demo's {id:?}: use the site / building / equipment variables",
                    d.name
                );
            }
        }
    }
}

/// STAND-IN for a facmon scenario's history, to be replaced by loading a real scenario run
/// through facmon's InfluxDB writer: one hour of one small building, written by hand after
/// docs/timeseries.md (every point with the 60 s heartbeat, the communication status, the run
/// history and a mains outage's alarm lifecycle). Its ids are deliberately not the demo's.
fn stand_in_history() -> String {
    type Curve = Box<dyn Fn(i64) -> Option<f64>>;
    /// (role, unit, value at minute m: `None` when the quality is not good).
    type Point<'a> = (&'a str, Option<&'a str>, Curve);
    // A contact on from minute `a` to `b` (exclusive), a constant, a straight line.
    let on = |a: i64, b: i64| -> Curve { Box::new(move |m| Some(if (a..b).contains(&m) { 1.0 } else { 0.0 })) };
    let k = |v: f64| -> Curve { Box::new(move |_| Some(v)) };
    let line = |start: f64, per_min: f64| -> Curve { Box::new(move |m| Some(start + per_min * m as f64)) };
    let f = |c: fn(i64) -> Option<f64>| -> Curve { Box::new(c) };
    let mains = |m: i64| Some(if (15..40).contains(&m) { 0.0 } else { 1.0 });
    let pit = |m: i64| {
        Some(if m < 40 {
            0.5 + 0.03 * m as f64
        } else {
            (1.7 - 0.06 * (m - 40) as f64).max(0.3)
        })
    };
    #[rustfmt::skip]
    let equipment: Vec<(&str, &str, Vec<Point>)> = vec![
        ("gen-a", "generator", vec![
            ("mode_selector", None, f(|m| Some(if (10..20).contains(&m) { 1.0 } else { 2.0 }))),
            ("running", None, on(20, 40)),
            ("output_ok", None, on(20, 40)),
            ("fault", None, k(0.0)),
            ("control_fuse_ok", None, k(1.0)),
            ("output_voltage", Some("V"), f(|m| Some(if (20..40).contains(&m) { 400.0 + (m % 3) as f64 } else { 0.0 }))),
            ("output_frequency", Some("Hz"), f(|m| Some(if (20..40).contains(&m) { 50.0 } else { 0.0 }))),
            ("fuel_level_pct", Some("%"), line(80.0, -0.5)),
            ("run_hours", Some("h"), line(120.0, 1.0 / 60.0)),
        ]),
        ("ats-a", "transfer_switch", vec![
            ("mains_available", None, f(mains)),
            ("position", None, f(|m| Some(match m { 15..22 => 0.0, 22..40 => 2.0, _ => 1.0 }))),
            ("selector", None, k(1.0)),
            ("control_fuse_ok", None, k(1.0)),
        ]),
        ("feed-a", "utility_feed", vec![
            ("available", None, f(mains)),
            ("in_service", None, k(1.0)),
        ]),
        ("room-a", "critical_room", vec![
            ("normal_supply_ok", None, f(mains)),
            ("backup_supply_ok", None, k(1.0)),
        ]),
        ("pump-a", "pump", vec![
            ("running", None, on(0, 30)),
            ("run_command", None, k(1.0)),
            ("fault", None, on(30, 61)),
            ("auto_mode", None, k(1.0)),
        ]),
        ("pump-b", "pump", vec![("running", None, on(35, 61)), ("fault", None, k(0.0)), ("auto_mode", None, on(35, 61))]),
        ("set-a", "pump_set", vec![
            ("discharge_pressure", Some("bar"), f(|m| Some(if (30..35).contains(&m) { 1.5 } else { 4.2 }))),
        ]),
        ("tank-a", "tank", vec![("level", Some("%"), line(60.0, -0.8))]),
        ("pit-a", "sump_pit", vec![
            ("level", Some("m"), f(pit)),
            ("high_float", None, on(24, 45)),
            ("high_high_float", None, on(37, 42)),
        ]),
        ("pit-pump-a", "pump", vec![("running", None, on(40, 61))]),
        ("leak-a", "leak_sensor", vec![("wet", None, on(45, 48))]),
        ("panel-a", "fire_panel", vec![("alarm", None, k(0.0)), ("fault", None, on(50, 52)), ("supervisory", None, k(0.0))]),
        // Unreadable for three minutes: the quality is bad and the value absent.
        ("main-a", "fire_main", vec![("pressure", Some("bar"), f(|m| (!(55..58).contains(&m)).then_some(6.1)))]),
        ("fpump-a", "fire_pump", vec![("running", None, on(5, 8)), ("run_command", None, on(5, 8)), ("fault", None, k(0.0))]),
        ("fan-a", "fan", vec![("running", None, k(0.0)), ("fault", None, k(0.0))]),
    ];
    let mut out = String::new();
    let tags = "site=stand-in,building=main";
    for m in 0..=MINUTES {
        let t = T0 + m * MINUTE;
        for (id, kind, points) in &equipment {
            for (role, unit, curve) in points {
                let unit = unit.map(|u| format!(",unit={u}")).unwrap_or_default();
                let fields = match curve(m) {
                    Some(v) => format!("value={v:?},quality=0i"),
                    None => "quality=2i".to_owned(),
                };
                writeln!(
                    out,
                    "facmon_point,{tags},equipment={id},kind={kind},role={role}{unit} {fields} {t}"
                )
                .unwrap();
            }
            if points.iter().any(|(r, ..)| *r == "running") || matches!(*kind, "transfer_switch" | "critical_room") {
                let changeover = if matches!(*kind, "transfer_switch" | "critical_room") {
                    format!(",days_since_changeover={:?}", if m < 22 { 40.0 } else { 0.0 })
                } else {
                    String::new()
                };
                let ran = match *id {
                    "fpump-a" if m >= 5 => 0.0,
                    "fan-a" => 35.0,
                    _ => 2.5,
                };
                writeln!(
                    out,
                    "facmon_run_history,{tags},equipment={id},kind={kind} days_since_run={ran:?}{changeover} {t}"
                )
                .unwrap();
            }
        }
        let online = if (55..58).contains(&m) {
            "online=0,consecutive_failures=3i"
        } else {
            "online=1,consecutive_failures=0i"
        };
        writeln!(
            out,
            "facmon_device,site=stand-in,device=fire-room-plc,protocol=modbus {online} {t}"
        )
        .unwrap();
        writeln!(out, "facmon_device,site=stand-in,device=mqtt:site-mqtt,protocol=mqtt_broker online=1,consecutive_failures=0i {t}").unwrap();
    }

    /// (minute, second, rule, equipment, event, severity, state, active, incident)
    type Event<'a> = (i64, i64, &'a str, &'a str, &'a str, &'a str, i64, u8, i64);
    let events: &[Event] = &[
        (15, 2, "PWR-01", "ats-a", "raised", "critical", 1, 1, 1),
        (15, 2, "PWR-01", "ats-a", "incident_opened", "critical", 1, 1, 1),
        (15, 17, "PWR-02", "gen-a", "raised", "critical", 1, 1, 1),
        (16, 0, "PWR-01", "ats-a", "acknowledged", "", 2, 1, 1),
        (20, 5, "PWR-02", "gen-a", "cleared", "", 3, 0, 1),
        (24, 0, "DRN-01", "pit-a", "raised", "major", 1, 1, 2),
        (24, 20, "DRN-01", "pit-a", "cleared", "", 3, 0, 2),
        (24, 30, "DRN-01", "pit-a", "raised", "major", 1, 1, 2),
        (24, 40, "DRN-01", "pit-a", "cleared", "", 3, 0, 2),
        (24, 50, "DRN-01", "pit-a", "raised", "major", 1, 1, 2),
        (24, 50, "DRN-01", "pit-a", "chatter_started", "", 1, 1, 2),
        (30, 5, "WAT-01", "set-a", "raised", "major", 1, 1, 3),
        (31, 0, "WAT-01", "set-a", "acknowledged", "", 2, 1, 3),
        (35, 10, "WAT-01", "set-a", "cleared", "", 0, 0, 3),
        (40, 3, "PWR-01", "ats-a", "cleared", "", 0, 0, 1),
        (40, 3, "PWR-01", "ats-a", "incident_closed", "", 0, 0, 1),
        (45, 0, "DRN-05", "leak-a", "raised", "critical", 1, 1, 0),
        (45, 30, "DRN-01", "pit-a", "cleared", "", 3, 0, 2),
        (48, 0, "DRN-05", "leak-a", "latch_held", "", 1, 1, 0),
        (50, 1, "FIRE-02", "panel-a", "raised", "major", 1, 1, 0),
        (52, 1, "FIRE-02", "panel-a", "cleared", "", 3, 0, 0),
        (55, 10, "COM-01", "fire-room-plc", "raised", "major", 1, 1, 0),
        (57, 40, "COM-01", "fire-room-plc", "cleared", "", 3, 0, 0),
    ];
    for &(m, s, rule, equipment, event, severity, state, active, incident) in events {
        let family = rule.split('-').next().expect("family").to_lowercase();
        let severity = if severity.is_empty() {
            String::new()
        } else {
            format!(",severity={severity}")
        };
        let t = T0 + m * MINUTE + s * 1000;
        writeln!(
            out,
            "facmon_alarm,site=stand-in,rule={rule},equipment={equipment},family={family},event={event}{severity} state={state}i,active={active},announce=1,incident={incident}i {t}"
        )
        .unwrap();
    }
    // An equipment-level event: rule `*`, no state.
    writeln!(
        out,
        "facmon_alarm,site=stand-in,rule=*,equipment=fan-a,family=fire,event=out_of_service active=0,announce=0,incident=0i {}",
        T0 + 58 * MINUTE
    )
    .unwrap();
    out
}

#[tokio::test]
async fn every_dashboard_query_parses_and_returns_rows() {
    let influx = InfluxDb1::start().await;
    influx.create_database("facmon").await;
    influx.write("facmon", &stand_in_history()).await;
    assert_every_dashboard_query_returns_rows(&influx.url(), "facmon", T0, T0 + MINUTES * MINUTE).await;
}
