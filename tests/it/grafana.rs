//! The Grafana dashboards (`grafana/dashboards`): they match Grafana's own schema, every
//! query in them is found and fully substituted, and every query runs on a real InfluxDB 1.x
//! holding a scenario written by facmon and returns rows.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use facmon::alarm::journal::Journal;
use facmon::db;

use crate::support::building::Building;
use crate::support::dashboards::{
    assert_every_dashboard_query_returns_rows, load_all, queries, substitute, unresolved, Scope, Selection,
    VariableRef, DASHBOARD_DIR,
};
use crate::support::tsdb::{influx1_target, InfluxDb1};
use crate::support::{require, wait};

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

/// 2025-11-21 08:00:00 UTC, and an hour from it: the time range substituted below.
const T0: i64 = 1_763_712_000_000;
const MINUTE: i64 = 60_000;
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

/// The simulated building plays the `busy_hour` scenario (an incident of every family, a
/// chattering contact, a silent device) into a real InfluxDB 1.x through facmon's own writer,
/// with an operator acknowledging and resetting alarms; then every query of every dashboard
/// runs over that history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_returns_rows_from_a_scenario_run() {
    let influx = InfluxDb1::start().await;
    influx.create_database("facmon").await;
    let mut target = influx1_target(&influx);
    // The run history (days since each test run) is written with the heartbeat.
    target.heartbeat = Duration::from_secs(10);
    let b = Building::busy_hour_into(target).await;
    let from_ms = db::millis(facmon::clock::system().now()) - 1000;
    let alarms = &b.daemon.alarms;
    wait::alarm(alarms, "PWR-01", "ats-1", "raised", |a| a.active).await;
    // (Acknowledging before the fire-panel contact has chattered coincided with missed FIRE-02
    // raises in this test; under investigation. The KPI panels need the chatter.)
    wait::alarm(alarms, "FIRE-02", "fire-panel-1", "chattering", |a| a.chattering).await;
    alarms
        .operate(|book, now| book.acknowledge("PWR-01", "ats-1", "王工", Some("已到场"), now))
        .expect("acknowledged");
    wait::alarm(alarms, "FIRE-01", "fire-panel-1", "raised", |a| a.active).await;
    // The scenario's last incident.
    wait::alarm(alarms, "COM-01", "tank-1-sensor", "cleared", |a| {
        !a.active && a.raised_at.is_some()
    })
    .await;
    alarms
        .operate(|book, now| Ok(book.set_out_of_service("pump-2", "李工", "更换机封", None, now)))
        .expect("out of service");
    let journal = Journal::open(b.data.path()).expect("journal");
    let journaled = journal.since(std::time::SystemTime::UNIX_EPOCH).expect("rows").len() as u64;
    influx
        .wait_rows(
            "facmon",
            "SELECT count(active) FROM facmon_alarm",
            "every journaled alarm event written",
            |r| r.first().and_then(|r| r["count"].as_u64()) >= Some(journaled),
        )
        .await;
    influx
        .wait_rows(
            "facmon",
            "SELECT count(days_since_run) FROM facmon_run_history",
            "the run history written",
            |r| !r.is_empty(),
        )
        .await;
    let to_ms = db::millis(facmon::clock::system().now()) + 1000;
    assert_every_dashboard_query_returns_rows(&influx.url(), "facmon", from_ms, to_ms).await;
    drop(journal);
    b.stop().await;
}
