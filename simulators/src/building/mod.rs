//! A physical model of the one fixed demo building, "demo-plaza" (演示广场),
//! building "tower-a".
//!
//! Pure state and arithmetic: no I/O, no clock. The caller injects time by
//! calling [`Building::step`], so tests can run an hour of plant in
//! microseconds and every run with the same steps gives the same numbers
//! (the little measurement noise comes from a seeded generator).
//!
//! The demo state is an equilibrium: until something is changed, every value
//! stays exactly where [`Building::demo`] puts it, so the documented initial
//! register values can be checked at any time after start.

mod drainage;
mod fire;
pub mod knobs;
mod power;
mod water;

use std::collections::BTreeSet;
use std::time::Duration;

use rand::{rngs::StdRng, SeedableRng};

pub use drainage::{LeakSensor, SumpPit};
pub use fire::{Fan, Fire, FireMain, FirePanel, FirePump};
pub use power::{AtsPosition, AtsSelector, CriticalRoom, GenMode, Generator, Power, TransferSwitch, UtilityFeed};
pub use water::{BoosterSet, Pump, Tank};

use crate::devices::Device;

/// Site id (config `[site] id`).
pub const SITE_ID: &str = "demo-plaza";
/// Site display name.
pub const SITE_NAME: &str = "Demo Plaza 演示广场";
/// The one building of the site.
pub const BUILDING_ID: &str = "tower-a";

/// Ids of the utility feeds, index-aligned with [`Power::feeds`].
pub const FEED_IDS: [&str; 2] = ["feed-1", "feed-2"];
/// Ids of the booster pumps, index-aligned with [`BoosterSet::pumps`].
pub const BOOSTER_PUMP_IDS: [&str; 2] = ["pump-1", "pump-2"];
/// Ids of the sump pits, index-aligned with [`Building::sumps`].
pub const SUMP_IDS: [&str; 2] = ["sump-b2", "sump-b3"];
/// Ids of the sump pumps, index-aligned with [`Building::sumps`].
pub const SUMP_PUMP_IDS: [&str; 2] = ["sump-pump-b2", "sump-pump-b3"];
/// Ids of the fire fans, index-aligned with [`Fire::fans`].
pub const FAN_IDS: [&str; 2] = ["fan-press-1", "fan-smoke-1"];
/// Ids of the leak sensors, index-aligned with [`Building::leaks`].
pub const LEAK_IDS: [&str; 2] = ["leak-gen-room", "leak-pump-room"];
/// Ids of the critical rooms, index-aligned with [`Power::rooms`].
pub const ROOM_IDS: [&str; 2] = ["room-control", "room-lift"];

/// Seed of the measurement noise in the demo building.
const DEMO_SEED: u64 = 20_240_601;

/// The whole plant of the demo building, plus which of its communicating
/// devices are unplugged (a pulled cable is as physical as a tripped pump).
#[derive(Debug, Clone)]
pub struct Building {
    elapsed_s: f64,
    power: Power,
    booster: BoosterSet,
    tank: Tank,
    sumps: [SumpPit; 2],
    fire: Fire,
    leaks: [LeakSensor; 2],
    offline: BTreeSet<&'static str>,
    rng: StdRng,
}

impl Building {
    /// The demo building in its normal, quiet state: mains on feed-1, the
    /// generator stopped in AUTO, the duty booster pump running, the tank at
    /// 80 %, the sump pits low and dry weather, no alarms, every device online.
    pub fn demo() -> Self {
        Self {
            elapsed_s: 0.0,
            power: Power::demo(),
            booster: BoosterSet::demo(),
            tank: Tank::demo(),
            sumps: [SumpPit::demo(0.5), SumpPit::demo(0.35)],
            fire: Fire::demo(),
            leaks: [LeakSensor { wet: false }, LeakSensor { wet: false }],
            offline: BTreeSet::new(),
            rng: StdRng::seed_from_u64(DEMO_SEED),
        }
    }

    /// Advances the plant by `dt`.
    pub fn step(&mut self, dt: Duration) {
        let dt_s = dt.as_secs_f64();
        self.elapsed_s += dt_s;
        self.power.step(dt_s, &mut self.rng);
        let bus_live = self.power.bus_live();
        self.booster.step(bus_live, self.tank.has_water(), dt_s);
        self.tank.step(self.booster.drawing(), dt_s);
        for sump in &mut self.sumps {
            sump.step(bus_live, dt_s);
        }
        self.fire.step(bus_live, dt_s);
    }

    /// Simulated seconds since [`Building::demo`].
    pub fn elapsed_s(&self) -> f64 {
        self.elapsed_s
    }

    /// Feeds, generator, ATS and critical rooms.
    pub fn power(&self) -> &Power {
        &self.power
    }

    /// The booster pump set.
    pub fn booster(&self) -> &BoosterSet {
        &self.booster
    }

    /// The storage tank.
    pub fn tank(&self) -> &Tank {
        &self.tank
    }

    /// `sump-b2` and `sump-b3`.
    pub fn sumps(&self) -> &[SumpPit; 2] {
        &self.sumps
    }

    /// Fire panel, fire pump, fire main and fans.
    pub fn fire(&self) -> &Fire {
        &self.fire
    }

    /// `leak-gen-room` and `leak-pump-room`.
    pub fn leaks(&self) -> &[LeakSensor; 2] {
        &self.leaks
    }

    /// Utility blackout (`available = false`) or its end: both feeds at once.
    pub fn set_mains(&mut self, available: bool) {
        for feed in &mut self.power.feeds {
            feed.available = available;
        }
    }

    /// The utility loses or restores one feed.
    pub fn set_feed_available(&mut self, index: usize, available: bool) {
        if let Some(feed) = self.power.feeds.get_mut(index) {
            feed.available = available;
        }
    }

    /// Plugs a device in or out. Returns whether anything changed.
    pub fn set_online(&mut self, device: &'static Device, online: bool) -> bool {
        if online {
            self.offline.remove(device.id)
        } else {
            self.offline.insert(device.id)
        }
    }

    /// The device answers / publishes.
    pub fn is_online(&self, device_id: &str) -> bool {
        !self.offline.contains(device_id)
    }

    /// Ids of the unplugged devices, sorted.
    pub fn offline_devices(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.offline.iter().copied()
    }
}

/// First-order approach of `value` toward `target` with time constant `tau_s`;
/// stable for any step length and exact once `value == target`.
fn approach(value: f64, target: f64, tau_s: f64, dt_s: f64) -> f64 {
    if value == target {
        return target;
    }
    value + (target - value) * (1.0 - (-dt_s / tau_s).exp())
}

#[cfg(test)]
mod tests;
