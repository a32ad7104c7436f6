//! `facmon demo` as a newcomer runs it: a real process, read line by line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Reads the demo's stdout on a thread and hands lines over a channel.
fn spawn_demo() -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facmon"))
        .args(["demo", "--plain"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start facmon demo");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Waits for a line matching `pred`; the budget is the acceptance bound, not a sleep.
#[allow(clippy::disallowed_methods)] // bounds a subprocess's output, not a measurement
fn expect_line(
    rx: &mpsc::Receiver<String>,
    within: Duration,
    what: &str,
    seen: &mut Vec<String>,
    pred: impl Fn(&str) -> bool,
) {
    let deadline = std::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = pred(&line);
                seen.push(line);
                if hit {
                    return;
                }
            }
            Err(_) => panic!(
                "{what}: not seen within {within:?}. Output so far:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// A line the demo must print: what it is (for the failure message) and how to recognise it.
type Wanted<'a> = (&'a str, fn(&str) -> bool);

/// Waits until each of `wanted` has matched a line, in whatever order they come; the budget
/// bounds the whole wait and the failure names what was never seen.
#[allow(clippy::disallowed_methods)] // bounds a subprocess's output, not a measurement
fn expect_all(rx: &mpsc::Receiver<String>, within: Duration, seen: &mut Vec<String>, wanted: &[Wanted<'_>]) {
    let deadline = std::time::Instant::now() + within;
    let mut missing: Vec<&Wanted<'_>> = wanted.iter().collect();
    while !missing.is_empty() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let Ok(line) = rx.recv_timeout(left) else {
            let names: Vec<&str> = missing.iter().map(|(what, _)| *what).collect();
            panic!(
                "not seen within {within:?}: {}. Output so far:\n{}",
                names.join("; "),
                seen.join("\n")
            );
        };
        missing.retain(|(_, pred)| !pred(&line));
        seen.push(line);
    }
}

/// An alarm line announcing `key` (`"WAT-02 booster-set"`), not an update of it.
fn raised(line: &str, key: &str) -> bool {
    line.contains("⚠ ALARM ") && line.contains(&format!(" {key}"))
}

fn cleared(line: &str, key: &str) -> bool {
    line.contains(&format!("✓ cleared {key}"))
}

#[test]
fn the_demo_shows_every_equipment_trips_and_clears_its_alarms_and_exits_cleanly_on_ctrl_c() {
    let (mut child, rx) = spawn_demo();
    let mut seen = Vec::new();
    expect_line(&rx, Duration::from_secs(10), "the plant table", &mut seen, |l| {
        l.starts_with("── plant at")
    });
    // The table lists every equipment of the demo config, each with a value.
    let plan = facmon::config::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/demo.toml"
    )))
    .expect("demo config");
    let mut table = Vec::new();
    expect_line(&rx, Duration::from_secs(5), "the end of the table", &mut table, |l| {
        l.starts_with("devices:")
    });
    for e in &plan.equipment {
        let row = table
            .iter()
            .find(|l| l.starts_with(&format!("{} ", e.id)))
            .unwrap_or_else(|| panic!("no row for {} in:\n{}", e.id, table.join("\n")));
        assert!(!row.contains("unknown"), "{} not read within 10 s: {row}", e.id);
    }
    assert!(table.last().is_some_and(|l| l.contains("online")), "{table:?}");
    // The demo scenario cuts the mains within the first minute.
    expect_line(&rx, Duration::from_secs(60), "mains lost", &mut seen, |l| {
        l.contains("ats-1.mains_available") && l.contains("ON → off")
    });
    // Then the outage, the flooding sump pit and the booster set without a pump trip their
    // alarms, and all but the outage clear by about 70 s (see simulators/scenarios/demo.toml).
    expect_all(
        &rx,
        Duration::from_secs(120),
        &mut seen,
        &[
            ("PWR-01 raised", |l| raised(l, "PWR-01 ats-1")),
            ("PWR-02 raised", |l| raised(l, "PWR-02 gen-1")),
            ("PWR-02 cleared", |l| cleared(l, "PWR-02 gen-1")),
            ("DRN-01 raised", |l| raised(l, "DRN-01 sump-b2")),
            ("DRN-02 raised", |l| raised(l, "DRN-02 sump-b2")),
            ("DRN-02 cleared", |l| cleared(l, "DRN-02 sump-b2")),
            ("DRN-01 cleared", |l| cleared(l, "DRN-01 sump-b2")),
            ("WAT-01 raised", |l| raised(l, "WAT-01 booster-set")),
            ("WAT-02 raised", |l| raised(l, "WAT-02 booster-set")),
            ("WAT-02 cleared", |l| cleared(l, "WAT-02 booster-set")),
            // One ticket for the outage (PWR-02 joins it), naming who is on duty.
            ("the outage's ticket", |l| {
                l.contains("▤ ticket #1 opened: ats-1 市电停电 / Mains lost at ats-1")
                    && l.contains("(duty_electrician)")
                    && l.contains("周敏 (control_room)")
            }),
            ("PWR-02 on the outage's ticket", |l| {
                l.contains("▤ ticket #1 alarm_added: PWR-02 gen-1")
            }),
        ],
    );
    // PWR-02's alarm line is followed by its diagnosis, in both languages.
    let at = seen.iter().position(|l| raised(l, "PWR-02 gen-1")).expect("seen above");
    let diagnosis = seen[at + 1..].iter().take(2).cloned().collect::<Vec<_>>().join("\n");
    assert!(
        diagnosis.contains("诊断")
            && diagnosis.contains("手动")
            && diagnosis.contains("diagnosis: ")
            && diagnosis.contains("MANUAL"),
        "PWR-02 names the selector at MANUAL:\n{}\n{diagnosis}",
        seen[at]
    );

    // Ctrl-C while the demo is busy printing changes (the moment a lost signal once hung it):
    // the standby pump has just started and the mains return a few seconds later.
    assert_eq!(stop(&mut child, "-INT"), Some(0), "Ctrl-C must exit 0");
}

/// Sends a signal and waits (bounded) for the process to exit; a process that ignores the
/// signal is killed and reported as a failure rather than hanging the suite.
#[allow(clippy::disallowed_methods)] // bounds a subprocess, not a measurement
pub fn stop(child: &mut std::process::Child, signal: &str) -> Option<i32> {
    let pid = child.id().to_string();
    let status = Command::new("kill").args([signal, &pid]).status().expect("send signal");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(code) = child.try_wait().expect("wait") {
            return code.code();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("process {pid} ignored {signal} for 15 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_daemon_stops_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facmon"))
        .args(["run", "--config", "tests/configs/minimal.toml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FACMON_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start facmon run");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    expect_line(&rx, Duration::from_secs(10), "facmon started", &mut seen, |l| {
        l.contains("facmon started")
    });
    assert_eq!(stop(&mut child, "-TERM"), Some(0), "SIGTERM must exit 0");
    // The process has exited, so its stderr is at EOF and this ends.
    let rest: Vec<String> = rx.iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("facmon stopped")),
        "an orderly stop is logged: {rest:?}"
    );
}
