//! Modbus polling of the simulated building over real sockets and a real (pty) serial line.

use facmon::point::{Quality, Value};

use crate::support::building::{Building, Parts};
use crate::support::wait;

fn label(s: &str) -> impl Fn(&facmon::point::PointState) -> bool + '_ {
    move |st| st.quality == Quality::Good && st.value.as_ref().and_then(|v| v.label()) == Some(s)
}

#[tokio::test]
async fn every_tcp_device_reads_good_with_the_documented_initial_state() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let store = &b.daemon.store;
    // Every point on the TCP gateway turns good.
    for e in b.daemon.plan.equipment.iter() {
        for (role, &idx) in &e.points {
            if let facmon::config::PointSource::Modbus(m) = &b.daemon.plan.points[idx].source {
                if b.daemon.plan.devices[m.device].connection == b.daemon.plan.connection("plant-gateway").unwrap() {
                    wait::good(store, &e.id, role).await;
                }
            }
        }
    }
    wait::point(store, "gen-1", "mode_selector", "AUTO", label("AUTO")).await;
    wait::point(store, "ats-1", "position", "MAINS", label("MAINS")).await;
    wait::value(store, "ats-1", "mains_available", Value::Bool(true)).await;
    wait::value(store, "gen-1", "running", Value::Bool(false)).await;
    b.stop().await;
}

#[tokio::test]
async fn mains_failure_starts_the_generator_in_auto_and_the_ats_transfers() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let store = &b.daemon.store;
    wait::value(store, "ats-1", "mains_available", Value::Bool(true)).await;
    b.command("mains fail");
    wait::value(store, "ats-1", "mains_available", Value::Bool(false)).await;
    wait::value(store, "gen-1", "running", Value::Bool(true)).await;
    wait::point(store, "ats-1", "position", "GENERATOR", label("GENERATOR")).await;
    // The f32 (CDAB) output voltage decodes to a plausible value once the set runs.
    wait::point(store, "gen-1", "output_voltage", "≈400 V", |s| {
        s.quality == Quality::Good
            && s.value
                .as_ref()
                .and_then(|v| v.as_f64())
                .is_some_and(|v| (380.0..420.0).contains(&v))
    })
    .await;
    b.stop().await;
}

#[tokio::test]
async fn a_selector_moved_on_the_controller_is_seen_by_the_daemon() {
    let b = Building::start(Parts {
        tcp: true,
        ..Default::default()
    })
    .await;
    let store = &b.daemon.store;
    wait::point(store, "gen-1", "mode_selector", "AUTO", label("AUTO")).await;
    b.command("set gen-1.mode MANUAL");
    wait::point(store, "gen-1", "mode_selector", "MANUAL", label("MANUAL")).await;
    b.stop().await;
}

#[tokio::test]
async fn sump_pits_read_good_over_a_socat_serial_line() {
    let b = Building::start(Parts {
        rtu: true,
        ..Default::default()
    })
    .await;
    let store = &b.daemon.store;
    for pit in ["sump-b2", "sump-b3"] {
        wait::good(store, pit, "level").await;
        wait::value(store, pit, "high_high_float", Value::Bool(false)).await;
    }
    b.stop().await;
}

/// Counts polls of `good` while `dead` stays offline, then brings `dead` back.
async fn dead_device_does_not_stall_its_neighbour(parts: Parts, dead: (&str, &str, &str), alive: (&str, &str, &str)) {
    let b = Building::start(parts).await;
    let (store, board) = (&b.daemon.store, &b.daemon.devices);
    let (dead_device, dead_equipment, dead_role) = dead;
    let (alive_device, alive_equipment, alive_role) = alive;
    wait::good(store, dead_equipment, dead_role).await;
    wait::good(store, alive_equipment, alive_role).await;

    b.command(&format!("offline {dead_equipment}"));
    let st = wait::quality(store, dead_equipment, dead_role, Quality::Stale).await;
    assert!(st.value.is_some(), "the last value is kept, marked stale");
    wait::devices(board, "dead device marked offline", |bd| {
        bd.get(dead_device).and_then(|d| d.online) == Some(false)
    })
    .await;
    // Stale within 3 poll intervals: the first failed poll already marks it.
    let failed = board.get(dead_device).expect("dead device").polls_failed;
    assert!((1..=3).contains(&failed), "stale after {failed} failed polls");

    // While it is dead, the neighbour keeps being polled every cycle and stays good.
    let base = board.get(alive_device).expect("alive device").polls_ok;
    wait::devices(board, "five more polls of the live device", |bd| {
        bd.get(alive_device).is_some_and(|d| d.polls_ok >= base + 5)
    })
    .await;
    assert_eq!(
        store
            .get(store.find(alive_equipment, alive_role).unwrap())
            .unwrap()
            .quality,
        Quality::Good
    );
    assert_eq!(
        board.get(dead_device).and_then(|d| d.online),
        Some(false),
        "still offline while unplugged"
    );
    assert!(board.get(alive_device).unwrap().online == Some(true));

    b.command(&format!("online {dead_equipment}"));
    wait::good(store, dead_equipment, dead_role).await;
    wait::devices(board, "dead device back online", |bd| {
        bd.get(dead_device).and_then(|d| d.online) == Some(true)
    })
    .await;
    b.stop().await;
}

#[tokio::test]
async fn a_dead_slave_on_an_rtu_bus_leaves_the_other_slave_polled_every_cycle() {
    dead_device_does_not_stall_its_neighbour(
        Parts {
            rtu: true,
            ..Default::default()
        },
        ("sump-b3-controller", "sump-b3", "level"),
        ("sump-b2-controller", "sump-b2", "level"),
    )
    .await;
}

#[tokio::test]
async fn a_dead_unit_behind_a_tcp_gateway_leaves_the_others_good_and_recovers() {
    dead_device_does_not_stall_its_neighbour(
        Parts {
            tcp: true,
            ..Default::default()
        },
        ("gen-1-controller", "gen-1", "running"),
        ("ats-1-controller", "ats-1", "mains_available"),
    )
    .await;
}

#[tokio::test]
async fn fire_panel_and_leak_sensors_arrive_over_mqtt_from_the_simulator() {
    let b = Building::start(Parts {
        mqtt: true,
        ..Default::default()
    })
    .await;
    let store = &b.daemon.store;
    wait::value(store, "fire-panel-1", "alarm", Value::Bool(false)).await;
    wait::value(store, "leak-gen-room", "wet", Value::Bool(false)).await;
    b.command("set fire-panel-1.alarm true");
    wait::value(store, "fire-panel-1", "alarm", Value::Bool(true)).await;
    b.command("set leak-gen-room.wet true");
    wait::value(store, "leak-gen-room", "wet", Value::Bool(true)).await;
    b.stop().await;
}
