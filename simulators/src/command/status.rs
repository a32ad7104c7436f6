//! The one-line `status` reply: enough to see at a glance what the building is
//! doing, in the order the procedures are written (power, water, drainage,
//! fire, devices).

use std::fmt::Write as _;

use crate::building::{Building, Pump, FEED_IDS};

/// The compact state of the whole building.
pub(super) fn line(b: &Building) -> String {
    let p = b.power();
    let g = &p.generator;
    let mut out = format!("t={:.1}s", b.elapsed_s());

    let feeds: Vec<String> = FEED_IDS
        .iter()
        .zip(&p.feeds)
        .map(|(id, f)| {
            format!(
                "{id} {}{}",
                if f.available { "up" } else { "DOWN" },
                if f.in_service { " in service" } else { "" }
            )
        })
        .collect();
    let gen_state = if g.running() {
        if g.cooling_down() {
            "cooling down"
        } else if g.output_ok() {
            "running"
        } else {
            "running up"
        }
    } else if g.starting() {
        "starting"
    } else {
        "stopped"
    };
    let _ = write!(
        out,
        " | mains {} ({}) | gen-1 {} {gen_state}{}{} {:.0} V fuel {:.1} % {:.2} h | ats-1 {} {}{}{}",
        if p.mains_available() { "up" } else { "DOWN" },
        feeds.join(", "),
        g.mode.name(),
        if g.control_fuse_ok { "" } else { " FUSE BLOWN" },
        if g.fault { " FAULT" } else { "" },
        g.output_voltage_v(),
        g.fuel_level_pct,
        g.run_hours,
        p.ats.selector.name(),
        p.ats.position.name(),
        if p.ats.control_fuse_ok { "" } else { " FUSE BLOWN" },
        if p.ats.stuck { " STUCK" } else { "" },
    );
    let rooms: Vec<String> = crate::building::ROOM_IDS
        .iter()
        .zip(&p.rooms)
        .map(|(id, r)| {
            let supply = match (r.normal_supply_ok(), r.backup_supply_ok()) {
                (true, _) => "normal",
                (false, true) => "ON BACKUP",
                (false, false) => "NO SUPPLY",
            };
            format!("{id} {supply}")
        })
        .collect();
    let _ = write!(out, " | {}", rooms.join(", "));

    let booster = b.booster();
    let _ = write!(
        out,
        " | pump-1 {} pump-2 {} {:.2} bar | tank-1 {:.1} %",
        pump(&booster.pumps[0]),
        pump(&booster.pumps[1]),
        booster.pressure_bar(),
        b.tank().level_pct,
    );
    for (id, pit) in crate::building::SUMP_IDS.iter().zip(b.sumps()) {
        let floats = match (pit.high_float(), pit.high_high_float()) {
            (_, true) => " HIGH-HIGH",
            (true, false) => " HIGH",
            _ => "",
        };
        let _ = write!(out, " | {id} {:.3} m{floats} pump {}", pit.level_m, pump(&pit.pump));
    }

    let f = b.fire();
    let mut panel: Vec<&str> = Vec::new();
    if f.panel.alarm {
        panel.push("ALARM");
    }
    if f.panel.fault {
        panel.push("FAULT");
    }
    if f.panel.supervisory {
        panel.push("SUPERVISORY");
    }
    let fans: Vec<String> = crate::building::FAN_IDS
        .iter()
        .zip(&f.fans)
        .map(|(id, fan)| format!("{id} {}", on_off(fan.run_command(), fan.running(), fan.fault)))
        .collect();
    let _ = write!(
        out,
        " | fire panel {} fire-pump-1 {} main {:.2} bar {}",
        if panel.is_empty() {
            "normal".to_owned()
        } else {
            panel.join("+")
        },
        on_off(f.pump.run_command, f.pump.running(), f.pump.fault),
        f.main.pressure_bar,
        fans.join(" "),
    );

    let wet: Vec<&str> = crate::building::LEAK_IDS
        .iter()
        .zip(b.leaks())
        .filter(|(_, l)| l.wet)
        .map(|(id, _)| *id)
        .collect();
    let _ = write!(
        out,
        " | leaks {}",
        if wet.is_empty() {
            "dry".to_owned()
        } else {
            format!("WET: {}", wet.join(", "))
        }
    );
    let offline: Vec<&str> = b.offline_devices().collect();
    let _ = write!(
        out,
        " | offline {}",
        if offline.is_empty() {
            "none".to_owned()
        } else {
            offline.join(", ")
        }
    );
    out
}

fn pump(p: &Pump) -> String {
    let mut s = on_off(p.run_command(), p.running(), p.fault).to_owned();
    if p.blocked && p.running() {
        s.push_str(" BLOCKED");
    }
    if !p.auto_mode {
        s.push_str(" HAND");
    }
    s
}

fn on_off(command: bool, running: bool, fault: bool) -> &'static str {
    match (command, running, fault) {
        (_, _, true) => "TRIPPED",
        (_, true, false) => "run",
        (true, false, false) => "NO RUN FEEDBACK",
        (false, false, false) => "off",
    }
}
