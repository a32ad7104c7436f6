//! `facmon report sla` over a real `facmon.db` built through the ticket desk: the monthly
//! timeliness (SLA-05) of a hand-computed month, in table, CSV and JSON.
//!
//! November 2026 in Asia/Shanghai (UTC+8), by hand:
//! - power: 20 urgent tickets (15 min), 19 on site in 10 min, 1 after 20 min → 95.0 %, not met;
//! - water: 10 urgent tickets, all on time, the first opened 2026-10-31 16:30 UTC (already
//!   1 November in Shanghai) → 100.0 %;
//! - fire: 20 FIRE-01 alarms (critical, 5 min) through the desk, acknowledged and on site in
//!   3 min → 100.0 %;
//! - overall 50 tickets, 49 on time, 1 late → 98.0 %, target met;
//! - 1 drainage ticket cancelled before its deadline (not counted, 1 cancelled);
//! - 1 fire ticket opened 2026-11-30 17:00 UTC: December in Shanghai, not counted;
//! - follow-up (SLA-04): the 10 water tickets resolved in November, 9 called back within
//!   48 h and 1 after 49 h → 90.0 %, not met.

use std::process::Command;
use std::time::{Duration, SystemTime};

use facmon::alarm::journal::JournalRow;
use facmon::ticket::{Category, Desk, Priority, Step, TicketEvent, TicketPlan};

fn utc(s: &str) -> SystemTime {
    SystemTime::try_from(s.parse::<jiff::Timestamp>().expect("timestamp")).expect("in range")
}

const MIN: Duration = Duration::from_secs(60);

fn build_database(data: &std::path::Path) {
    let mut db = facmon::db::open(data).expect("db");
    let plan = TicketPlan::default();
    let desk = Desk::new(&plan);
    let tx = db.conn.transaction().expect("tx");
    let opened_id = |events: Vec<TicketEvent>| match &events[0] {
        TicketEvent::Opened { ticket } => ticket.id,
        other => panic!("{other:?}"),
    };
    let base = utc("2026-11-02T01:00:00Z");
    let hour = |i: u64| base + Duration::from_secs(3600 * i);
    for i in 0..20 {
        let at = hour(i);
        let id = opened_id(
            desk.open_by_hand(
                &tx,
                Category::Power,
                Priority::Urgent,
                "配电房巡检",
                "值班电工",
                None,
                at,
            )
            .expect("open"),
        );
        let arrive = if i == 0 { 20 * MIN } else { 10 * MIN };
        desk.step(&tx, id, Step::OnSite, "王工", None, at + arrive)
            .expect("on site");
    }
    for i in 0..10 {
        let at = if i == 0 {
            utc("2026-10-31T16:30:00Z")
        } else {
            hour(100 + i)
        };
        let id = opened_id(
            desk.open_by_hand(&tx, Category::Water, Priority::Urgent, "水泵维修", "前台", None, at)
                .expect("open"),
        );
        desk.step(&tx, id, Step::OnSite, "张工", None, at + 5 * MIN)
            .expect("on site");
        desk.step(&tx, id, Step::Resolve, "张工", None, at + 60 * MIN)
            .expect("resolve");
        let called = if i == 1 { 49 * 60 * MIN } else { 24 * 60 * MIN };
        desk.step(&tx, id, Step::FollowUp, "客服", Some("回访"), at + 60 * MIN + called)
            .expect("follow up");
    }
    for i in 0..21 {
        let at = if i == 20 {
            utc("2026-11-30T17:00:00Z")
        } else {
            hour(200 + i as u64)
        };
        let row = |kind: &str, actor: &str, secs: u64| JournalRow {
            seq: 0,
            at: at + Duration::from_secs(secs),
            rule: "FIRE-01".into(),
            equipment: "fire-panel".into(),
            kind: kind.into(),
            actor: actor.into(),
            severity: Some("critical".into()),
            announce: kind == "raised",
            incident: Some(1000 + i),
            state: None,
            active: None,
        };
        let events = desk
            .apply(
                &tx,
                &[row("raised", "facmon", 0), row("acknowledged", "中控室", 60)],
                at,
            )
            .expect("apply");
        let id = events[0].ticket().id;
        desk.step(&tx, id, Step::OnSite, "中控室", None, at + 3 * MIN)
            .expect("on site");
    }
    let at = hour(300);
    let id = opened_id(
        desk.open_by_hand(&tx, Category::Drainage, Priority::Normal, "集水坑", "保安", None, at)
            .expect("open"),
    );
    desk.step(
        &tx,
        id,
        Step::Cancel {
            reason: "误报".into()
        },
        "保安",
        None,
        at + MIN,
    )
    .expect("cancel");
    tx.commit().expect("commit");
}

fn report(site: &std::path::Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_facmon"))
        .args(["report", "sla", "--month", "2026-11", "--format", format, "--config"])
        .arg(site)
        .output()
        .expect("run facmon");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn report_sla_gives_the_hand_computed_percentages_for_november() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    build_database(&data);
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml")).expect("demo.toml");
    let site = dir.path().join("site.toml");
    std::fs::write(&site, format!("data_dir = \"{}\"\n{demo}", data.display())).expect("write config");

    let table = report(&site, "table");
    println!("{table}");
    let line = |scope: &str| -> Vec<String> {
        let l = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(scope))
            .unwrap_or_else(|| panic!("no {scope} line in\n{table}"));
        l.split_whitespace().skip(1).map(str::to_string).collect()
    };
    assert!(table.contains("2026-11 (Asia/Shanghai)"), "{table}");
    assert_eq!(line("all"), ["50", "49", "1", "0", "1", "98.0", "yes"]);
    assert_eq!(line("power"), ["20", "19", "1", "0", "0", "95.0", "no"]);
    assert_eq!(line("water"), ["10", "10", "0", "0", "0", "100.0", "yes"]);
    assert_eq!(line("fire"), ["20", "20", "0", "0", "0", "100.0", "yes"]);
    assert_eq!(line("drainage"), ["0", "0", "0", "0", "1"]);
    assert_eq!(line("follow-up"), ["10", "9", "1", "0", "0", "90.0", "no"]);

    let csv = report(&site, "csv");
    assert!(
        csv.starts_with("scope,tickets,on_time,late,pending,cancelled,pct,target_met\n"),
        "{csv}"
    );
    assert!(csv.contains("\nall,50,49,1,0,1,98.0,yes\n"), "{csv}");
    assert!(csv.contains("\npower,20,19,1,0,0,95.0,no\n"), "{csv}");
    assert!(csv.contains("\nfollow-up,10,9,1,0,0,90.0,no\n"), "{csv}");

    let json: serde_json::Value = serde_json::from_str(&report(&site, "json")).expect("json");
    assert_eq!(json["month"], "2026-11");
    assert_eq!(json["overall"]["tickets"], 50);
    assert_eq!(json["overall"]["on_time"], 49);
    assert_eq!(json["overall"]["pct"], 98.0);
    assert_eq!(json["overall"]["target_met"], true);
    assert_eq!(json["categories"]["power"]["pct"], 95.0);
    assert_eq!(json["follow_up"]["late"], 1);
}

#[test]
fn ticket_commands_move_a_ticket_through_its_lifecycle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml")).expect("demo.toml");
    let site = dir.path().join("site.toml");
    std::fs::write(&site, format!("data_dir = \"{}\"\n{demo}", data.display())).expect("write config");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_facmon"))
            .arg("ticket")
            .arg("--config")
            .arg(&site)
            .args(args)
            .output()
            .expect("run facmon");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let open = run(&[
        "open",
        "--category",
        "water",
        "--priority",
        "urgent",
        "--title",
        "3F 漏水",
        "--by",
        "前台",
    ]);
    assert!(open.0 && open.1.contains("ticket #1 is open"), "{}", open.1);
    for args in [
        vec!["assign", "1", "--to", "张工", "--by", "值班主管"],
        vec!["on-site", "1", "--by", "张工"],
    ] {
        let (ok, out) = run(&args);
        assert!(ok, "{args:?}: {out}");
    }
    let (ok, out) = run(&["check", "1", "1", "--by", "张工"]);
    assert!(!ok && out.contains("no checklist item 1"), "{out}");
    let (ok, out) = run(&["ack", "1", "--by", "张工"]);
    assert!(!ok && out.contains("only go forward"), "{out}");
    let (ok, out) = run(&["resolve", "1", "--by", "张工", "--note", "换阀门"]);
    assert!(ok && out.contains("resolved"), "{out}");
    let (ok, out) = run(&["list"]);
    assert!(ok && out.contains("3F 漏水"), "{out}");
    let (ok, out) = run(&["show", "1"]);
    assert!(ok && out.contains("换阀门") && out.contains("on_site"), "{out}");
    let (ok, out) = run(&["cancel", "1", "--by", "x", "--reason", "dup"]);
    assert!(ok && out.contains("cancelled"), "{out}");
    let (ok, out) = run(&["list"]);
    assert!(ok && out.contains("no tickets"), "{out}");
}
