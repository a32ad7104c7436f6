//! Encoding throughput of the time-series writer: line-protocol lines per second for the
//! demo building's points (pre-escaped series keys, a reused buffer), the way the writer
//! encodes a heartbeat. Run with `cargo bench --bench line_protocol`.
//!
//! Prints lines/s and MB/s; no assertions — the numbers go to the README.

#![allow(clippy::disallowed_methods)] // a benchmark measures wall time

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use facmon::point::{PointState, Quality, Value};
use facmon::sinks::influx::line::Lines;
use facmon::sinks::influx::schema::Schema;

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml");
    let plan =
        facmon::config::load_with_env(std::path::Path::new(path), Some(Default::default())).expect("config/demo.toml");
    let schema = Schema::new(&plan, &[]);
    let states: Vec<PointState> = (0..plan.points.len())
        .map(|i| PointState {
            value: Some(match i % 3 {
                0 => Value::Number(400.0 + i as f64 * 0.37),
                1 => Value::Bool(i % 2 == 0),
                _ => Value::Enum {
                    code: (i % 3) as i64,
                    label: Arc::from("AUTO"),
                },
            }),
            quality: Quality::Good,
            ..PointState::unknown()
        })
        .collect();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let mut out = Lines::default();
    // Warm up, then measure whole rounds for about two seconds.
    let mut rounds = 0u64;
    let mut bytes = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        for _ in 0..100 {
            out.clear();
            for (i, s) in states.iter().enumerate() {
                schema.point(&mut out, i, s, t0 + Duration::from_millis(rounds));
            }
            bytes += out.len_bytes() as u64;
            black_box(out.as_str());
            rounds += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let lines = rounds * states.len() as u64;
    println!(
        "line protocol: {:.2} M lines/s, {:.0} MB/s ({} points × {} rounds in {:.2} s, {:.0} bytes/line)",
        lines as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6,
        states.len(),
        rounds,
        secs,
        bytes as f64 / lines as f64
    );
}
