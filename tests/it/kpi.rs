//! `facmon kpi` over a real journal file.

use std::process::Command;
use std::time::Duration;

use facmon::alarm::journal::Journal;
use facmon::alarm::{AlarmKey, Transition, TransitionKind};
use facmon::clock::{Clock, SystemClock};

#[test]
fn kpi_prints_the_table_from_the_sites_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let now = SystemClock.now();
    let raise = |rule: &str, s: u64| Transition {
        at: now - Duration::from_secs(3600) + Duration::from_secs(s),
        key: AlarmKey {
            rule: rule.into(),
            equipment: "sump-b2".into(),
        },
        kind: TransitionKind::Raised,
        actor: "facmon".into(),
        severity: None,
        announce: true,
        incident: None,
    };
    let mut j = Journal::open(&data).expect("journal");
    let mut rows: Vec<Transition> = (0..12).map(|i| raise("DRN-01", i)).collect();
    rows.push(raise("DRN-02", 30));
    j.append(&rows).expect("append");
    drop(j);
    let config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml")).expect("config");
    let site = dir.path().join("site.toml");
    std::fs::write(&site, format!("data_dir = \"{}\"\n{config}", data.display())).expect("write");

    let out = Command::new(env!("CARGO_BIN_EXE_facmon"))
        .args(["kpi", "--config"])
        .arg(&site)
        .args(["--since", "1d"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("alarms raised                      13"), "{stdout}");
    assert!(stdout.contains("flood periods (> 10 in 10 min)     1"), "{stdout}");
    assert!(stdout.contains("   12  DRN-01 sump-b2"), "{stdout}");
}
