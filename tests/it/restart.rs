//! Durability: the daemon killed with SIGKILL mid-incident and mid on-delay comes back with
//! every alarm as it was and fires the pending timer when its remaining time has run.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, SystemTime};

use facmon::alarm::journal::{Journal, JournalRow};
use facmon::alarm::{AlarmState, SavedBook};
use facmon::clock::Clock;
use facmon::rules::timer::TimerRecord;

use crate::support::building::{Building, Parts};
use crate::support::process::{plant_and_config, spawn_daemon};
use crate::support::wait;

/// What the daemon has committed to its database, read the way an operator's tool would.
struct Saved {
    book: SavedBook,
    timers: Vec<TimerRecord>,
    journal: Vec<JournalRow>,
}

fn read_saved(data: &Path) -> Option<Saved> {
    if !data.join(facmon::db::FILE_NAME).exists() {
        return None;
    }
    let j = Journal::open(data).ok()?;
    let doc = |name| j.load_state(name).ok().flatten();
    Some(Saved {
        book: doc("book")
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        timers: doc("timers")
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        journal: j.since(SystemTime::UNIX_EPOCH).ok()?,
    })
}

/// Polls the other process's database until `cond` holds (there is no event to await across
/// processes; the database is the interface under test).
async fn until_saved<T>(data: &Path, what: &str, child: &mut Child, cond: impl Fn(&Saved) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = read_saved(data).as_ref().and_then(&cond) {
            return v;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("facmon exited ({status}) while waiting for {what}");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after 60 s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn timer<'a>(s: &'a Saved, rule: &str, equipment: &str) -> Option<&'a TimerRecord> {
    s.timers
        .iter()
        .find(|t| t.key.rule == rule && t.key.equipment == equipment)
}

fn alarm<'a>(s: &'a Saved, rule: &str, equipment: &str) -> Option<&'a facmon::alarm::Alarm> {
    s.book
        .alarms
        .iter()
        .find(|a| a.key.rule == rule && a.key.equipment == equipment)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_mid_incident_keeps_its_alarms_and_fires_a_pending_on_delay_on_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (sim, config) = plant_and_config(dir.path(), "").await;
    let data = dir.path().join("data");

    let mut first = spawn_daemon(&config, &dir.path().join("first.log"));
    // The generator is left in MANUAL and the mains fail: PWR-01 after 2 s, PWR-02 after 15 s.
    sim.command("set gen-1.mode MANUAL").expect("command");
    sim.command("mains fail").expect("command");
    let incident = until_saved(&data, "PWR-01 active in the saved book", &mut first, |s| {
        alarm(s, "PWR-01", "ats-1")
            .filter(|a| a.active)
            .and_then(|a| a.incident)
    })
    .await;
    // Kill it 9 s into PWR-02's 15 s on-delay (the state is saved every 500 ms).
    let before = until_saved(&data, "PWR-02's on-delay 9 s along", &mut first, |s| {
        timer(s, "PWR-02", "gen-1")
            .filter(|t| t.elapsed >= Duration::from_secs(9))
            .map(|t| t.remaining)
    })
    .await;
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let saved = read_saved(&data).expect("saved state");
    let remaining = timer(&saved, "PWR-02", "gen-1").expect("PWR-02 timer saved").remaining;
    assert!(
        remaining <= before && remaining > Duration::from_secs(4),
        "{remaining:?}"
    );
    assert!(
        alarm(&saved, "PWR-02", "gen-1").is_none_or(|a| !a.active),
        "PWR-02 must not have fired before the kill"
    );
    let last_seq = saved.journal.last().map(|r| r.seq).unwrap_or(0);

    // Down for longer than the remaining delay: counting the downtime would fire PWR-02 at
    // once on restart; restarting the timer would take 15 s.
    tokio::time::sleep(remaining + Duration::from_secs(2)).await;
    let restarted_at = facmon::clock::SystemClock.now();
    let mut second = spawn_daemon(&config, &dir.path().join("second.log"));
    let raised = until_saved(&data, "PWR-02 raised after the restart", &mut second, |s| {
        s.journal
            .iter()
            .find(|r| r.seq > last_seq && r.rule == "PWR-02" && r.kind == "raised")
            .cloned()
    })
    .await;
    let after = raised.at.duration_since(restarted_at).unwrap_or_default();
    assert!(
        after + Duration::from_millis(500) >= remaining && after <= remaining + Duration::from_secs(4),
        "PWR-02 fired {after:?} after the restart; {remaining:?} of its on-delay were left"
    );
    assert_eq!(
        raised.incident,
        Some(incident as i64),
        "PWR-02 joins the outage incident"
    );

    let now = read_saved(&data).expect("saved state");
    let pwr01 = alarm(&now, "PWR-01", "ats-1").expect("PWR-01 kept");
    assert!(pwr01.active && !pwr01.acknowledged, "{pwr01:?}");
    assert_eq!(pwr01.incident, Some(incident));
    assert!(
        !now.journal
            .iter()
            .any(|r| r.seq > last_seq && r.rule == "PWR-01" && r.kind == "raised"),
        "PWR-01 was active all along: a restart must not raise (and page) it again"
    );
    let open: Vec<_> = now.book.incidents.iter().filter(|i| i.is_open()).collect();
    assert!(
        open.iter()
            .filter(|i| i.alarms.iter().any(|k| k.rule.starts_with("PWR-")))
            .count()
            == 1,
        "still one outage incident: {open:#?}"
    );

    second.kill().expect("SIGKILL");
    second.wait().expect("reaped");
    sim.shutdown().await;
}

#[tokio::test]
async fn acknowledgements_shelves_and_out_of_service_survive_a_restart() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let alarms = &b.daemon.alarms;
    b.fail_mains_with_generator_in_manual().await;
    wait::alarm(alarms, "PWR-01", "ats-1", "raised", |a| a.active).await;
    alarms
        .operate(|book, now| book.acknowledge("PWR-01", "ats-1", "王工", Some("已到场"), now))
        .expect("acknowledged");
    alarms
        .operate(|book, now| book.shelve("PWR-04", "gen-1", Duration::from_secs(3600), "月度试机", "王工", now))
        .expect("shelved");
    alarms
        .operate(|book, now| Ok(book.set_out_of_service("pump-2", "李工", "更换机封", None, now)))
        .expect("out of service");

    let plan = (*b.daemon.plan).clone();
    let Building { data, sim, daemon, .. } = b;
    // Dropping the daemon aborts its tasks where they stand, like a crash: no final save.
    drop(daemon);
    let daemon = facmon::daemon::Daemon::start(plan, facmon::clock::system(), facmon::shutdown::Shutdown::new());
    let book = daemon.alarms.book();
    let pwr01 = book.get("PWR-01", "ats-1").expect("PWR-01 restored");
    assert!(pwr01.active && pwr01.acknowledged, "{pwr01:?}");
    assert_eq!(pwr01.acknowledged_by.as_deref(), Some("王工"));
    assert_eq!(book.state("PWR-04", "gen-1"), Some(AlarmState::Shelved));
    assert_eq!(
        book.out_of_service().get("pump-2").map(|o| o.why.as_str()),
        Some("更换机封")
    );
    drop(book);
    daemon.stop(Duration::from_secs(3)).await;
    sim.shutdown().await;
    drop(data);
}
