//! The time-series writer against real servers: InfluxDB 1.x through the v1 write API and
//! VictoriaMetrics through the v2 write API, fed by the simulated building.

use std::time::Duration;

use facmon::alarm::journal::Journal;
use facmon::config::{InfluxApi, InfluxAuth, InfluxTarget};
use facmon::point::{Quality, Value};

use crate::support::building::{Building, Parts};
use crate::support::tsdb::{InfluxDb1, VictoriaMetrics};
use crate::support::wait;

fn target(id: &str, url: String, api: InfluxApi) -> InfluxTarget {
    InfluxTarget {
        id: id.into(),
        url,
        api,
        auth: InfluxAuth::None,
        heartbeat: Duration::from_secs(60),
        batch_max_lines: 5000,
        batch_max_age: Duration::from_millis(200),
        queue_max_bytes: 64 << 20,
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_and_alarm_events_arrive_in_influxdb_1_and_victoria_metrics_exactly() {
    let influx = InfluxDb1::start().await;
    influx.create_database("facmon").await;
    let vm = VictoriaMetrics::start().await;
    let targets = vec![
        target(
            "influx1",
            influx.url(),
            InfluxApi::V1 {
                database: "facmon".into(),
                retention_policy: None,
            },
        ),
        target(
            "vm",
            vm.url(),
            InfluxApi::V2 {
                org: "facilities".into(),
                bucket: "facmon".into(),
            },
        ),
    ];
    let b = Building::start_with(
        Parts {
            tcp: true,
            ..Default::default()
        },
        |plan| plan.influx = targets,
    )
    .await;
    b.fail_mains_with_generator_in_manual().await;
    wait::alarm(&b.daemon.alarms, "PWR-01", "ats-1", "raised", |a| a.active).await;

    // Every journaled alarm event arrives, once, in both databases.
    let journal = Journal::open(b.data.path()).expect("journal");
    let journaled = journal.since(std::time::SystemTime::UNIX_EPOCH).expect("rows").len();
    assert!(journaled > 0);
    let rows = influx
        .wait_rows(
            "facmon",
            "SELECT count(active) FROM facmon_alarm",
            "every journaled alarm event",
            |r| r.first().and_then(|r| r.get("count")).and_then(|c| c.as_u64()) >= Some(journaled as u64),
        )
        .await;
    let in_influx = rows[0]["count"].as_u64().unwrap_or(0);
    let pwr01 = influx
        .rows(
            "facmon",
            "SELECT state, active, incident FROM facmon_alarm WHERE rule = 'PWR-01' AND event = 'raised'",
        )
        .await;
    assert_eq!(pwr01.len(), 1, "{pwr01:?}");
    assert_eq!(pwr01[0]["state"].as_i64(), Some(1), "raised PWR-01 is unacknowledged");
    assert_eq!(pwr01[0]["active"].as_f64(), Some(1.0));
    let series = vm
        .wait_export("{__name__=\"facmon_alarm_active\"}", "every alarm event", |s| {
            s.iter().map(|s| s.timestamps.len()).sum::<usize>() >= journaled
        })
        .await;
    let in_vm: usize = series.iter().map(|s| s.timestamps.len()).sum();
    println!("alarm events: journaled {journaled}, InfluxDB 1.x {in_influx}, VictoriaMetrics {in_vm}");

    // The last value of every good numeric point is the daemon's current value (polled:
    // the newest change may still be in the batch being written).
    let deadline = tokio::time::Instant::now() + wait::DEADLINE;
    loop {
        let snapshot = b.daemon.store.snapshot();
        let keys = b.daemon.store.keys().to_vec();
        let last = influx
            .rows(
                "facmon",
                "SELECT last(value) FROM facmon_point GROUP BY equipment, role",
            )
            .await;
        let mut differ = Vec::new();
        let mut compared = 0;
        for (key, state) in keys.iter().zip(&snapshot) {
            let expected = match (&state.value, state.quality) {
                (Some(Value::Number(n)), Quality::Good) => *n,
                (Some(Value::Bool(v)), Quality::Good) => f64::from(u8::from(*v)),
                (Some(Value::Enum { code, .. }), Quality::Good) => *code as f64,
                _ => continue,
            };
            compared += 1;
            let written = last
                .iter()
                .find(|r| {
                    r.get("equipment").and_then(|v| v.as_str()) == Some(&*key.equipment)
                        && r.get("role").and_then(|v| v.as_str()) == Some(&*key.role)
                })
                .and_then(|r| r["last"].as_f64());
            if written != Some(expected) {
                differ.push(format!("{key}: written {written:?}, current {expected}"));
            }
        }
        if differ.is_empty() && compared > 20 {
            println!("points: {compared} good points, each with its current value last in InfluxDB");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {compared} points differ: {differ:#?}",
            differ.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Not fewer than were journaled before, not more than are journaled now: none lost, none twice.
    let journaled_now = journal.since(std::time::SystemTime::UNIX_EPOCH).expect("rows").len();
    assert!(
        (journaled..=journaled_now).contains(&(in_influx as usize)),
        "{in_influx} not in {journaled}..={journaled_now}"
    );
    assert!(in_vm >= journaled);
    drop(journal);
    b.stop().await;
}
