//! Tickets, roster and pages end to end: the procedures' worst outage at 03:00 wakes the
//! night-shift electrician, repeats until someone acknowledges, escalates to the supervisor
//! and the manager as the SLA runs out, and ends up in the monthly SLA report; and a daemon
//! killed with pages in its outbox delivers each exactly once after its restart.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use facmon::clock;
use facmon::config::Plan;
use facmon::ticket::{store, Desk, Step, TicketState};

use crate::support::building::{set_rule, Building, Parts};
use crate::support::http_recorder::{HttpRecorder, Reply, Request};
use crate::support::process::{plant_and_config, spawn_daemon};
use crate::support::wait;

/// The people of the test site: two electricians on day and night shifts, and one person
/// for each other role the outage procedure names (plus the escalation roles).
fn roster_and_channels(hooks: &str, with_wecom: bool) -> String {
    let wecom = if with_wecom { r#""wecom", "# } else { "" };
    let wecom_channel = if with_wecom {
        "[[notify.channels]]\nid = \"wecom\"\nkind = \"wecom\"\nurl_env = \"FACMON_TEST_WECOM_URL\"\n"
    } else {
        ""
    };
    format!(
        r#"
[roster]
time_zone = "Asia/Shanghai"

[[roster.people]]
id = "li"
name = "李师傅"
mobile = "13800000001"
channels = [{wecom}"hook"]

[[roster.people]]
id = "wang"
name = "王师傅"
mobile = "13800000002"
channels = [{wecom}"hook"]

[[roster.people]]
id = "zhou"
name = "周值班"
roles = ["control_room"]
channels = ["hook"]

[[roster.people]]
id = "sun"
name = "孙电梯"
roles = ["lift_duty"]
channels = ["hook"]

[[roster.people]]
id = "zhao"
name = "赵保安"
roles = ["security"]
channels = ["hook"]

[[roster.people]]
id = "chen"
name = "陈主管"
mobile = "13800000006"
roles = ["supervisor"]
channels = [{wecom}"hook"]

[[roster.people]]
id = "liu"
name = "刘经理"
roles = ["manager"]
channels = ["hook"]

[[roster.shifts]]
role = "duty_electrician"
name = "day"
start = "08:00"
end = "20:00"
people = ["wang"]

[[roster.shifts]]
role = "duty_electrician"
name = "night"
start = "20:00"
end = "08:00"
people = ["li"]

[tickets]
export_channel = "cmms"

[notify]
console_url = "http://console.example"

[[notify.channels]]
id = "cmms"
kind = "webhook"
url = "{hooks}/cmms"

[[notify.channels]]
id = "hook"
kind = "webhook"
url = "{hooks}/hook"

{wecom_channel}"#
    )
}

/// The `[roster]`, `[notify]` and `[tickets]` of `extra`, checked as facmon checks them.
fn plan_with(extra: &str, hooks: &str) -> Plan {
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml")).expect("demo");
    let env = [(
        "FACMON_TEST_WECOM_URL".to_owned(),
        format!("{hooks}/wecom?key=test-robot"),
    )];
    facmon::config::load_str("notify-test.toml", &format!("{demo}\n{extra}"), Some(env.into()))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Webhook pages, by idempotency key.
fn pages(requests: &[Request]) -> Vec<(String, serde_json::Value)> {
    requests
        .iter()
        .filter(|r| r.path() == "/hook")
        .map(|r| (r.header("idempotency-key").unwrap_or_default().to_owned(), r.json()))
        .collect()
}

/// (step, person) → webhook pages received.
fn by_step(requests: &[Request]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for (_, body) in pages(requests) {
        let step = body["data"]["step"].as_str().unwrap_or_default().to_owned();
        let person = body["recipient"]["id"].as_str().unwrap_or_default().to_owned();
        *out.entry((step, person)).or_default() += 1;
    }
    out
}

fn people_paged(requests: &[Request], step: &str) -> Vec<String> {
    by_step(requests)
        .into_keys()
        .filter(|(s, _)| s == step)
        .map(|(_, p)| p)
        .collect()
}

/// 2026-11-24 03:00 in Shanghai.
fn three_am() -> std::time::SystemTime {
    let ts: jiff::Timestamp = "2026-11-24T03:00:00+08:00".parse().expect("time");
    std::time::UNIX_EPOCH + Duration::from_secs(ts.as_second() as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3am_outage_pages_the_night_electrician_repeats_escalates_and_lands_in_the_sla_report() {
    let hooks = HttpRecorder::start().await;
    hooks.set_reply(Reply::json(200, serde_json::json!({"errcode": 0, "errmsg": "ok"})));
    let extra = roster_and_channels(&hooks.url(), true);
    let configured = plan_with(&extra, &hooks.url());
    // Every device served, so the outage is the only incident.
    let b = Building::start_at(
        Parts {
            tcp: true,
            rtu: true,
            mqtt: true,
            scenario: None,
        },
        clock::starting_at(three_am()),
        |plan| {
            plan.roster = configured.roster.clone();
            plan.notify = configured.notify.clone();
            plan.tickets = configured.tickets.clone();
            // The procedure's minutes, as seconds: repeat every 3 s; on site within 6 s.
            plan.notify.repeat_every = Duration::from_secs(3);
            plan.tickets.critical_on_site = Duration::from_secs(6);
            plan.tickets.urgent_on_site = Duration::from_secs(6);
            plan.tickets.normal_on_site = Duration::from_secs(6);
            // The recovery checklist's 60 s hold would keep the incident open past the test.
            set_rule(plan, "ats-1", "PWR-09", "hold_s", 2.0);
        },
    )
    .await;
    b.fail_mains_with_generator_in_manual().await;

    // The first page: the night electrician (not the day one), the control room, lift duty
    // and security, each once per channel; the WeCom message @-mentions the electrician.
    let reqs = hooks
        .wait_until("the first page to four people", |r| {
            people_paged(r, "opened").len() >= 4
        })
        .await;
    assert_eq!(people_paged(&reqs, "opened"), ["li", "sun", "zhao", "zhou"]);
    let wecom: Vec<_> = reqs.iter().filter(|r| r.path() == "/wecom").collect();
    assert!(
        wecom
            .iter()
            .any(|r| r.json()["text"]["mentioned_mobile_list"] == serde_json::json!(["13800000001"])),
        "{wecom:#?}"
    );
    let first = &pages(&reqs)[0].1;
    let db = facmon::db::open(b.data.path()).expect("db");
    let opened = store::get(&db.conn, 1).expect("read").expect("ticket 1").opened_at;
    let paged_after = first["sent_at_ms"].as_i64().unwrap_or_default() - facmon::db::millis(opened);
    println!("first page {paged_after} ms after the alarm opened ticket #1");
    let text = first["text"].as_str().unwrap_or_default();
    assert!(text.contains("停电") && text.to_lowercase().contains("lost"), "{text}");
    assert!(text.contains("http://console.example/tickets/1"), "{text}");

    // Nobody answers: the page is repeated to the same people, then the supervisor is
    // paged when the on-site commitment is missed.
    hooks
        .wait_until("the first repeat", |r| people_paged(r, "repeat-2").len() >= 4)
        .await;
    let reqs = hooks
        .wait_until("the supervisor paged on the SLA breach", |r| {
            by_step(r).keys().any(|(s, p)| s == "on-site-late-1" && p == "chen")
        })
        .await;
    assert!(
        !people_paged(&reqs, "opened").contains(&"wang".to_owned()),
        "the day shift was woken"
    );

    // The electrician acknowledges the alarm: the ticket is acknowledged, repeats stop.
    b.daemon
        .alarms
        .operate(|book, now| book.acknowledge("PWR-01", "ats-1", "李师傅", Some("在路上"), now))
        .expect("acknowledged");
    let acked_at = wait::until("the ticket acknowledged", || {
        store::get(&db.conn, 1)
            .ok()
            .flatten()
            .filter(|t| t.state == TicketState::Acknowledged)
            .and_then(|t| t.acknowledged_at)
    })
    .await;
    // Twice the on-site time passes with nobody on site: the manager is paged. By then a
    // repeat would have come twice over, had the acknowledgement not stopped them.
    let reqs = hooks
        .wait_until("the manager paged on the second breach", |r| {
            by_step(r).keys().any(|(s, p)| s == "on-site-late-2" && p == "liu")
        })
        .await;
    let repeats_after_ack: Vec<_> = pages(&reqs)
        .into_iter()
        .filter(|(_, body)| body["data"]["step"].as_str().is_some_and(|s| s.starts_with("repeat-")))
        .filter(|(_, body)| {
            body["sent_at_ms"]
                .as_i64()
                .is_some_and(|t| t > facmon::db::millis(acked_at) + 1000)
        })
        .collect();
    assert_eq!(repeats_after_ack, Vec::new(), "repeats after the acknowledgement");

    // The mains return: the incident clears, and the ticket says so but stays open.
    b.command("mains restore");
    let ticket = wait::until("the ticket to show the incident cleared", || {
        store::get(&db.conn, 1)
            .ok()
            .flatten()
            .filter(|t| t.incident_cleared_at.is_some())
    })
    .await;
    assert_eq!(ticket.state, TicketState::Acknowledged);
    let all = store::list(&db.conn, false).expect("tickets");
    assert_eq!(all.len(), 1, "one incident, one ticket: {all:#?}");
    println!("tickets: {}", all.len());

    // Exactly one message per person per step.
    let reqs = hooks.requests();
    let counts = by_step(&reqs);
    println!("pages per (step, person): {counts:?}");
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    let keys: Vec<_> = pages(&reqs).into_iter().map(|(k, _)| k).collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "a page was sent twice");

    // Repaired and followed up: the monthly report counts it (late: nobody was on site in time).
    let desk_plan = b.daemon.plan.tickets.clone();
    let mut db = db;
    let tx = db.conn.transaction().expect("tx");
    let now = b.clock.now();
    let desk = Desk::new(&desk_plan);
    desk.step(&tx, 1, Step::Resolve, "李师傅", Some("selector to AUTO"), now)
        .expect("resolve");
    desk.step(&tx, 1, Step::FollowUp, "周值班", Some("回访完成"), now)
        .expect("follow up");
    tx.commit().expect("commit");
    // The site's CMMS mirrors the ticket: every change, the person's steps included.
    let reqs = hooks
        .wait_until("the follow-up exported", |r| exported(r).contains(&"closed".to_owned()))
        .await;
    let kinds = exported(&reqs);
    println!("exported to the CMMS: {kinds:?}");
    for kind in [
        "opened",
        "alarm_added",
        "acknowledged",
        "sla_breached",
        "incident_cleared",
        "resolved",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} not exported: {kinds:?}");
    }
    let report = sla_report(b.data.path(), &extra, &hooks.url());
    println!("{report}");
    let power = &report["categories"]["power"];
    assert_eq!(
        (power["tickets"].as_u64(), power["late"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    b.stop().await;
}

/// The timeline entry kinds the CMMS webhook received, in order.
fn exported(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.path() == "/cmms")
        .filter_map(|r| r.json()["data"]["entry"]["kind"].as_str().map(str::to_owned))
        .collect()
}

/// `facmon report sla --month 2026-11 --format json` over `data`.
fn sla_report(data: &Path, extra: &str, hooks: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("dir");
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml")).expect("demo");
    let config = dir.path().join("site.toml");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n{demo}\n{extra}", data.display().to_string()),
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_facmon"))
        .args(["report", "sla", "--month", "2026-11", "--format", "json", "--config"])
        .arg(&config)
        .env("FACMON_TEST_WECOM_URL", format!("{hooks}/wecom?key=test-robot"))
        .output()
        .expect("run facmon report sla");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_waiting_in_the_outbox_are_delivered_exactly_once_after_a_kill_9() {
    let hooks = HttpRecorder::start().await;
    // The receiver is down: every page stays in the outbox, retried.
    hooks.set_reply(Reply::text(503, "unavailable"));
    let dir = tempfile::tempdir().expect("temp dir");
    // Day or night, four people hold the outage's roles: an electrician, the control room,
    // lift duty and security.
    let extra = roster_and_channels(&hooks.url(), false);
    let (sim, config) = plant_and_config(dir.path(), &extra).await;
    let mut first = spawn_daemon(&config, &dir.path().join("first.log"));
    sim.command("mains fail").expect("command");
    // (The serial bus and the broker are not served here: their COM-01 tickets page too.)
    let tried = hooks
        .wait_until("the outage's four pages tried once", |r| outage_keys(r).len() >= 4)
        .await;
    first.kill().expect("kill -9");
    let tried = keys(&tried);
    first.wait().expect("reaped");

    hooks.set_reply(Reply::text(200, "ok"));
    let mut second = spawn_daemon(&config, &dir.path().join("second.log"));
    let data = dir.path().join("data");
    wait::until("the outbox empty after the restart", || {
        let db = facmon::db::open(&data).ok()?;
        let (pending, sent, _) = facmon::notify::outbox::counts(&db.conn).ok()?;
        (pending == 0 && sent as usize >= tried.len()).then_some(())
    })
    .await;
    let reqs = hooks.requests();
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    for r in reqs.iter().filter(|r| r.status == 200) {
        *accepted
            .entry(r.header("idempotency-key").unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let lost: Vec<_> = tried.iter().filter(|k| !accepted.contains_key(*k)).collect();
    let duplicated: Vec<_> = accepted.iter().filter(|(_, n)| **n > 1).collect();
    println!(
        "pages: {} tried before the kill (refused by the receiver), {} delivered after the restart \
         ({} attempts in all); lost {}, duplicated {}",
        tried.len(),
        accepted.len(),
        reqs.len(),
        lost.len(),
        duplicated.len()
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(duplicated.is_empty(), "duplicated: {duplicated:?}");
    second.kill().expect("kill");
    let _ = second.wait();
    sim.shutdown().await;
}

/// Distinct idempotency keys of the requests.
fn keys(requests: &[Request]) -> Vec<String> {
    let mut keys: Vec<_> = requests
        .iter()
        .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Distinct keys of the pages about the outage (its ticket's cause is PWR-01 or PWR-07,
/// whichever of the two raised in the same cycle came first).
fn outage_keys(requests: &[Request]) -> Vec<String> {
    let outage: Vec<Request> = requests
        .iter()
        .filter(|r| {
            r.json()["data"]["rule"]
                .as_str()
                .is_some_and(|rule| rule.starts_with("PWR-"))
        })
        .cloned()
        .collect();
    keys(&outage)
}
