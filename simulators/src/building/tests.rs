use std::time::Duration;

use super::*;

const TICK: Duration = Duration::from_millis(100);

fn run(b: &mut Building, seconds: f64) {
    let steps = (seconds / TICK.as_secs_f64()).round() as u64;
    for _ in 0..steps {
        b.step(TICK);
    }
}

fn knob(b: &mut Building, equipment: &str, field: &str, value: &str) {
    let k = knobs::find(equipment, field).unwrap();
    let v = k.parse(value).unwrap();
    assert!(k.apply(b, v));
}

#[test]
fn the_demo_state_does_not_drift() {
    let mut b = Building::demo();
    let before = format!("{:?}", (b.power(), b.booster(), b.tank(), b.sumps(), b.fire()));
    run(&mut b, 3600.0);
    let after = format!("{:?}", (b.power(), b.booster(), b.tank(), b.sumps(), b.fire()));
    assert_eq!(before, after);
    assert_eq!(b.tank().level_pct, 80.0);
    assert_eq!(b.booster().pressure_bar(), 4.5);
}

#[test]
fn generator_in_auto_starts_and_ats_transfers_on_mains_failure() {
    let mut b = Building::demo();
    b.set_mains(false);
    run(&mut b, 4.9);
    assert!(b.power().generator.starting());
    assert!(!b.power().generator.running());
    run(&mut b, 0.2);
    assert!(b.power().generator.running());
    assert!(!b.power().generator.output_ok());
    run(&mut b, 2.0);
    assert!(b.power().generator.output_ok());
    let v = b.power().generator.output_voltage_v();
    assert!((398.0..=402.0).contains(&v), "{v}");
    assert_eq!(b.power().ats.position, AtsPosition::Mains);
    run(&mut b, 3.0);
    assert_eq!(b.power().ats.position, AtsPosition::Generator);
    assert!(b.power().bus_live());
    assert!(b.power().rooms[0].normal_supply_ok());
}

#[test]
fn generator_in_manual_does_not_start_on_mains_failure() {
    let mut b = Building::demo();
    knob(&mut b, "gen-1", "mode", "MANUAL");
    b.set_mains(false);
    run(&mut b, 60.0);
    assert!(!b.power().generator.running());
    assert!(!b.power().bus_live());
    assert!(!b.power().rooms[1].normal_supply_ok());
    assert!(b.power().rooms[1].backup_supply_ok());
}

#[test]
fn generator_with_a_blown_control_fuse_does_not_start() {
    let mut b = Building::demo();
    knob(&mut b, "gen-1", "control_fuse_ok", "false");
    b.set_mains(false);
    run(&mut b, 60.0);
    assert!(!b.power().generator.running());
}

#[test]
fn ats_selector_in_manual_sends_no_start_signal() {
    let mut b = Building::demo();
    knob(&mut b, "ats-1", "selector", "MANUAL");
    b.set_mains(false);
    run(&mut b, 60.0);
    assert!(!b.power().generator.running());
}

#[test]
fn a_hand_started_generator_is_not_transferred_to_by_an_ats_in_manual() {
    let mut b = Building::demo();
    knob(&mut b, "ats-1", "selector", "MANUAL");
    knob(&mut b, "gen-1", "mode", "MANUAL");
    knob(&mut b, "gen-1", "manual_run", "true");
    b.set_mains(false);
    run(&mut b, 30.0);
    assert!(b.power().generator.output_ok());
    assert_eq!(b.power().ats.position, AtsPosition::Mains);
}

#[test]
fn mains_return_retransfers_then_the_generator_cools_down_and_stops() {
    let mut b = Building::demo();
    b.set_mains(false);
    run(&mut b, 20.0);
    assert_eq!(b.power().ats.position, AtsPosition::Generator);
    b.set_mains(true);
    run(&mut b, 4.9);
    assert_eq!(b.power().ats.position, AtsPosition::Generator);
    run(&mut b, 0.2);
    assert_eq!(b.power().ats.position, AtsPosition::Mains);
    assert!(b.power().generator.cooling_down());
    run(&mut b, 9.7);
    assert!(b.power().generator.running());
    run(&mut b, 0.2);
    assert!(!b.power().generator.running());
    assert_eq!(b.power().generator.output_voltage_v(), 0.0);
}

#[test]
fn a_running_generator_burns_fuel_and_counts_hours() {
    let mut b = Building::demo();
    b.set_mains(false);
    run(&mut b, 105.0);
    let g = &b.power().generator;
    assert!(
        (g.fuel_level_pct - (82.0 - 0.05 * 100.0)).abs() < 1e-6,
        "{}",
        g.fuel_level_pct
    );
    assert!((g.run_hours - (1234.56 + 100.0 / 3600.0)).abs() < 1e-6);
}

#[test]
fn a_generator_out_of_fuel_stops() {
    let mut b = Building::demo();
    knob(&mut b, "gen-1", "fuel_level", "0.2");
    b.set_mains(false);
    run(&mut b, 20.0);
    assert!(!b.power().generator.running());
    assert_eq!(b.power().generator.fuel_level_pct, 0.0);
}

#[test]
fn losing_the_standby_feed_keeps_mains_and_losing_the_feed_in_service_loses_it() {
    let mut b = Building::demo();
    b.set_feed_available(1, false);
    run(&mut b, 1.0);
    assert!(b.power().mains_available());
    b.set_feed_available(0, false);
    run(&mut b, 1.0);
    assert!(!b.power().mains_available());
    knob(&mut b, "feed-2", "in_service", "true");
    b.set_feed_available(1, true);
    run(&mut b, 1.0);
    assert!(b.power().mains_available());
    assert!(!b.power().feeds[0].in_service);
}

#[test]
fn duty_pump_trip_starts_the_standby_after_its_delay() {
    let mut b = Building::demo();
    knob(&mut b, "pump-1", "fault", "true");
    run(&mut b, 1.9);
    assert!(!b.booster().pumps[1].running());
    assert!(b.booster().pumps[0].run_command());
    run(&mut b, 0.2);
    assert!(b.booster().pumps[1].running());
    run(&mut b, 10.0);
    assert!((b.booster().pressure_bar() - 4.5).abs() < 0.01);
}

#[test]
fn duty_pump_trip_with_the_standby_failed_loses_pressure() {
    let mut b = Building::demo();
    knob(&mut b, "pump-2", "fault", "true");
    knob(&mut b, "pump-1", "fault", "true");
    run(&mut b, 30.0);
    assert!(!b.booster().pumps[1].running());
    assert!(!b.booster().pumps[1].run_command());
    assert!(b.booster().pressure_bar() < 0.05);
}

#[test]
fn a_blackout_stops_the_pumps_and_drops_their_commands() {
    let mut b = Building::demo();
    knob(&mut b, "gen-1", "mode", "STOP");
    b.set_mains(false);
    run(&mut b, 10.0);
    assert!(!b.booster().pumps[0].running());
    assert!(!b.booster().pumps[0].run_command());
    assert!(!b.booster().pumps[1].run_command());
}

#[test]
fn the_tank_falls_when_the_refill_is_cut_and_refills_when_it_returns() {
    let mut b = Building::demo();
    knob(&mut b, "tank-1", "refill", "false");
    knob(&mut b, "tank-1", "outflow", "1.0");
    run(&mut b, 10.0);
    assert!((b.tank().level_pct - 70.0).abs() < 1e-6);
    knob(&mut b, "tank-1", "refill", "true");
    knob(&mut b, "tank-1", "outflow", "0.02");
    run(&mut b, 60.0);
    assert!(b.tank().level_pct > 72.0);
}

#[test]
fn sump_pump_starts_on_the_high_float_and_stops_at_the_low_level() {
    let mut b = Building::demo();
    knob(&mut b, "sump-b2", "inflow", "0.01");
    run(&mut b, 69.0);
    assert!(!b.sumps()[0].high_float());
    run(&mut b, 1.1);
    assert!(b.sumps()[0].high_float());
    run(&mut b, 0.1);
    assert!(b.sumps()[0].pump.running());
    knob(&mut b, "sump-b2", "inflow", "0");
    run(&mut b, 40.0);
    assert!(!b.sumps()[0].pump.running());
    assert!(b.sumps()[0].level_m <= 0.4);
}

#[test]
fn a_blocked_sump_pump_runs_while_the_level_keeps_rising() {
    let mut b = Building::demo();
    knob(&mut b, "sump-pump-b2", "blocked", "true");
    knob(&mut b, "sump-b2", "inflow", "0.02");
    run(&mut b, 60.0);
    let pit = &b.sumps()[0];
    assert!(pit.pump.running());
    assert!(pit.high_float());
    assert!(pit.high_high_float());
    assert!((pit.level_m - 1.7).abs() < 1e-6);
}

#[test]
fn fire_alarm_starts_the_fans_through_the_linkage() {
    let mut b = Building::demo();
    knob(&mut b, "fire-panel-1", "alarm", "true");
    knob(&mut b, "fan-smoke-1", "fault", "true");
    run(&mut b, 0.1);
    assert!(b.fire().fans[0].running());
    assert!(b.fire().fans[1].run_command());
    assert!(!b.fire().fans[1].running());
}

#[test]
fn fire_main_demand_starts_the_fire_pump_which_holds_pressure() {
    let mut b = Building::demo();
    knob(&mut b, "fire-main-1", "demand", "true");
    run(&mut b, 30.0);
    assert!(b.fire().pump.running());
    assert!((b.fire().main.pressure_bar - 6.5).abs() < 0.01);
}

#[test]
fn fire_main_drains_below_zero_when_the_fire_pump_has_tripped() {
    let mut b = Building::demo();
    knob(&mut b, "fire-pump-1", "fault", "true");
    knob(&mut b, "fire-main-1", "demand", "true");
    run(&mut b, 60.0);
    assert!(b.fire().pump.run_command);
    assert!(!b.fire().pump.running());
    assert!((b.fire().main.pressure_bar + 0.05).abs() < 0.01);
}

#[test]
fn generator_noise_is_the_same_for_the_same_steps() {
    let mut a = Building::demo();
    let mut b = Building::demo();
    a.set_mains(false);
    b.set_mains(false);
    run(&mut a, 30.0);
    run(&mut b, 30.0);
    assert_eq!(
        a.power().generator.output_voltage_v(),
        b.power().generator.output_voltage_v()
    );
}
