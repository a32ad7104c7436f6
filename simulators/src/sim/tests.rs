//! The shipped scenarios play out as `docs/simulators.md` says, tick by tick
//! and without a clock.

use super::*;
use crate::building::AtsPosition;

const TICK: Duration = Duration::from_millis(100);

/// At this time, this should hold: `(time s, what, condition)`.
type Check<'a> = (f64, &'a str, fn(&Building) -> bool);

/// Plays a built-in scenario and checks each condition at its time.
fn play(name: &str, checks: &[Check<'_>]) {
    let mut timeline = Timeline::new(Scenario::builtin(name).unwrap());
    let mut building = Building::demo();
    let mut ticks: u64 = 0;
    for (at_s, what, check) in checks {
        while (ticks as f64) * TICK.as_secs_f64() < *at_s - 1e-9 {
            step(
                &mut building,
                Some(&mut timeline),
                ticks as f64 * TICK.as_secs_f64(),
                TICK,
            );
            ticks += 1;
        }
        assert!(check(&building), "{name} at {at_s} s: {what}");
    }
}

#[test]
fn the_demo_plays_out_as_documented() {
    play(
        "demo",
        &[
            (6.5, "standby left in HAND", |b| !b.booster().pumps[1].auto_mode),
            (8.5, "generator left in MANUAL", |b| {
                b.power().generator.mode == crate::building::GenMode::Manual
            }),
            (12.5, "mains lost", |b| !b.power().mains_available()),
            (30.0, "generator not started, plant unpowered", |b| {
                !b.power().generator.running() && !b.booster().pumps[0].running()
            }),
            (30.0, "control room on backup", |b| {
                !b.power().rooms[0].normal_supply_ok() && b.power().rooms[0].backup_supply_ok()
            }),
            (30.0, "pit B2 filling, below high, its pump dead", |b| {
                let pit = &b.sumps()[0];
                !pit.high_float() && pit.level_m > 1.1 && !pit.pump.running()
            }),
            (31.5, "pit B2 high float", |b| b.sumps()[0].high_float()),
            (39.9, "generator still starting, pit B2 below high-high", |b| {
                b.power().generator.starting() && !b.sumps()[0].high_high_float()
            }),
            (40.1, "generator running", |b| b.power().generator.running()),
            (41.5, "pit B2 high-high float", |b| b.sumps()[0].high_high_float()),
            (45.1, "ATS on generator", |b| {
                b.power().ats.position == AtsPosition::Generator
            }),
            (45.2, "duty pump and sump pump running again", |b| {
                b.booster().pumps[0].running() && b.sumps()[0].pump.running()
            }),
            (47.0, "the storm outruns the sump pump", |b| b.sumps()[0].level_m > 1.78),
            (52.1, "standby in HAND: nothing runs", |b| {
                b.booster().pumps.iter().all(|p| !p.running())
            }),
            (54.5, "pit B2 still high-high", |b| b.sumps()[0].high_high_float()),
            (56.1, "pit B2 below high-high, pump room wet", |b| {
                !b.sumps()[0].high_high_float() && b.leaks()[1].wet
            }),
            (68.0, "pit B2 still high", |b| b.sumps()[0].high_float()),
            (69.5, "pit B2 below high", |b| !b.sumps()[0].high_float()),
            (69.9, "nothing runs yet, no pressure", |b| {
                b.booster().pumps.iter().all(|p| !p.running()) && b.booster().pressure_bar() < 0.5
            }),
            (70.2, "standby in AUTO runs", |b| b.booster().pumps[1].running()),
            (80.1, "back on mains", |b| b.power().ats.position == AtsPosition::Mains),
            (89.9, "cooling down", |b| b.power().generator.cooling_down()),
            (90.1, "generator stopped", |b| !b.power().generator.running()),
            (93.0, "sump pump still drawing down", |b| b.sumps()[0].pump.running()),
            (95.2, "duty back, standby stopped, floor dry, pit B2 drained", |b| {
                b.booster().pumps[0].running()
                    && !b.booster().pumps[1].running()
                    && !b.leaks()[1].wet
                    && !b.sumps()[0].pump.running()
                    && b.sumps()[0].level_m <= 0.4
            }),
        ],
    );
}

#[test]
fn outage_auto_start_transfers_and_returns_on_time() {
    play(
        "outage_auto_start",
        &[
            (9.9, "not yet running", |b| !b.power().generator.running()),
            (10.1, "running", |b| b.power().generator.running()),
            (12.1, "output healthy", |b| b.power().generator.output_ok()),
            (14.9, "still on mains side", |b| {
                b.power().ats.position == AtsPosition::Mains
            }),
            (15.1, "on generator", |b| {
                b.power().ats.position == AtsPosition::Generator
            }),
            (65.1, "back on mains", |b| b.power().ats.position == AtsPosition::Mains),
            (75.1, "stopped", |b| !b.power().generator.running()),
        ],
    );
}

#[test]
fn outage_generator_manual_never_starts_until_auto() {
    play(
        "outage_generator_manual",
        &[
            (59.9, "not running", |b| {
                !b.power().generator.running() && !b.power().mains_available()
            }),
            (70.1, "on generator", |b| {
                b.power().ats.position == AtsPosition::Generator
            }),
            (135.1, "stopped after mains return", |b| {
                !b.power().generator.running() && b.power().ats.position == AtsPosition::Mains
            }),
        ],
    );
}

#[test]
fn ats_not_transferring_leaves_a_healthy_generator_unused() {
    play(
        "ats_not_transferring",
        &[
            (30.0, "generator healthy, ATS on dead mains", |b| {
                b.power().generator.output_ok() && b.power().ats.position == AtsPosition::Mains
            }),
            (43.1, "transferred once freed", |b| {
                b.power().ats.position == AtsPosition::Generator
            }),
        ],
    );
}

#[test]
fn utility_feed_loss_switches_feeds_as_documented() {
    play(
        "utility_feed_loss",
        &[
            (10.0, "standby lost, mains kept", |b| {
                !b.power().feeds[1].available && b.power().mains_available()
            }),
            (45.0, "feed in service lost", |b| {
                !b.power().mains_available() && b.power().generator.running()
            }),
            (50.1, "on generator", |b| {
                b.power().ats.position == AtsPosition::Generator
            }),
            (75.1, "on feed-2", |b| {
                b.power().feeds[1].in_service && b.power().ats.position == AtsPosition::Mains
            }),
            (130.1, "back on feed-1", |b| {
                b.power().feeds[0].in_service && b.power().mains_available()
            }),
        ],
    );
}

#[test]
fn duty_pump_trip_with_the_standby_failed_runs_dry_until_reset() {
    play(
        "duty_pump_trip_standby_failed",
        &[
            (20.0, "nothing runs", |b| b.booster().pumps.iter().all(|p| !p.running())),
            (20.0, "pressure gone", |b| b.booster().pressure_bar() < 0.5),
            (60.1, "standby runs after reset", |b| b.booster().pumps[1].running()),
            (90.1, "duty back, standby stops", |b| {
                b.booster().pumps[0].running() && !b.booster().pumps[1].running()
            }),
        ],
    );
}

#[test]
fn tank_low_crosses_its_limits_when_documented() {
    play(
        "tank_low",
        &[
            (55.9, "above 30 %", |b| b.tank().level_pct > 30.0),
            (56.1, "below 30 %", |b| b.tank().level_pct < 30.0),
            (70.9, "above 15 %", |b| b.tank().level_pct > 15.0),
            (71.1, "below 15 %", |b| b.tank().level_pct < 15.0),
            (160.0, "refilled above 30 %", |b| b.tank().level_pct > 30.0),
        ],
    );
}

#[test]
fn sump_pit_flooding_trips_the_floats_when_documented() {
    play(
        "sump_pit_flooding",
        &[
            (37.9, "below high", |b| !b.sumps()[0].high_float()),
            (38.1, "high float", |b| b.sumps()[0].high_float()),
            (38.3, "pump runs, blocked", |b| b.sumps()[0].pump.running()),
            (58.1, "high-high float", |b| b.sumps()[0].high_high_float()),
            (78.1, "pit full", |b| b.sumps()[0].level_m >= 2.0),
            (650.0, "still running, still full", |b| {
                b.sumps()[0].pump.running() && b.sumps()[0].level_m >= 2.0
            }),
            (800.0, "drained and stopped", |b| {
                !b.sumps()[0].pump.running() && b.sumps()[0].level_m <= 0.4
            }),
        ],
    );
}

#[test]
fn fire_alarm_starts_fans_and_the_fire_pump_holds_pressure() {
    play(
        "fire_alarm",
        &[
            (5.2, "fans run", |b| b.fire().fans.iter().all(|f| f.running())),
            (20.0, "fire pump holds the main", |b| {
                b.fire().pump.running() && b.fire().main.pressure_bar > 6.0
            }),
            (70.2, "fans stop on reset", |b| {
                b.fire().fans.iter().all(|f| !f.running())
            }),
            (90.0, "pump stopped, main at static pressure", |b| {
                !b.fire().pump.running() && (b.fire().main.pressure_bar - 6.0).abs() < 0.01
            }),
        ],
    );
}

#[test]
fn fire_pump_failure_drains_the_main() {
    play(
        "fire_pump_failure",
        &[
            (40.0, "commanded, not running, drained", |b| {
                b.fire().pump.run_command && !b.fire().pump.running() && b.fire().main.pressure_bar < 0.0
            }),
            (75.0, "runs after reset", |b| b.fire().pump.running()),
            (80.2, "stopped by hand", |b| !b.fire().pump.running()),
        ],
    );
}

#[test]
fn device_offline_unplugs_and_replugs_one_device_per_transport() {
    play(
        "device_offline",
        &[
            (15.1, "three offline", |b| b.offline_devices().count() == 3),
            (100.1, "all back", |b| b.offline_devices().count() == 0),
        ],
    );
}

#[test]
fn a_tick_announces_steps_and_the_end() {
    let mut timeline = Timeline::new(Scenario::builtin("outage_auto_start").unwrap());
    let mut b = Building::demo();
    assert!(step(&mut b, Some(&mut timeline), 0.0, TICK).is_empty());
    let events = step(&mut b, Some(&mut timeline), 5.0, TICK);
    assert!(matches!(&events[..], [SimEvent::ScenarioStep { index: 0, .. }]));
    let events = step(&mut b, Some(&mut timeline), 60.0, TICK);
    assert!(matches!(
        &events[..],
        [
            SimEvent::ScenarioStep { index: 1, .. },
            SimEvent::ScenarioFinished { .. }
        ]
    ));
}
