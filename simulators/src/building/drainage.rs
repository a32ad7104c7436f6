//! Sump pits with their pumps, and the leak sensors: the equipment behind
//! DRN-01 … DRN-05.

use super::water::Pump;

/// Float switches open again this far below their trip level, m.
const FLOAT_HYSTERESIS_M: f64 = 0.05;

/// A sump pit (集水坑) with a high and a high-high float switch and one
/// submersible pump. The pit controller starts the pump on the high float and
/// stops it at `stop_level_m`.
#[derive(Debug, Clone, PartialEq)]
pub struct SumpPit {
    /// Water level above the pit floor, m.
    pub level_m: f64,
    /// Water running in, m/s of level.
    pub inflow_m_per_s: f64,
    /// Level change a free-running pump achieves, m/s.
    pub pump_capacity_m_per_s: f64,
    /// The pit's pump.
    pub pump: Pump,
    /// High float trips at this level, m.
    pub high_m: f64,
    /// High-high float trips at this level, m.
    pub high_high_m: f64,
    /// The controller stops the pump at this level, m.
    pub stop_level_m: f64,
    /// Pit depth; the level cannot exceed it (it floods the floor), m.
    pub depth_m: f64,
    high_float: bool,
    high_high_float: bool,
}

impl SumpPit {
    pub(super) fn demo(level_m: f64) -> Self {
        Self {
            level_m,
            inflow_m_per_s: 0.0,
            pump_capacity_m_per_s: 0.03,
            pump: Pump::demo(),
            high_m: 1.2,
            high_high_m: 1.6,
            stop_level_m: 0.4,
            depth_m: 2.0,
            high_float: false,
            high_high_float: false,
        }
    }

    /// High float switch closed.
    pub fn high_float(&self) -> bool {
        self.high_float
    }

    /// High-high float switch closed.
    pub fn high_high_float(&self) -> bool {
        self.high_high_float
    }

    pub(super) fn step(&mut self, powered: bool, dt_s: f64) {
        let command = if !powered || !self.pump.auto_mode {
            false
        } else if self.high_float {
            true
        } else if self.level_m <= self.stop_level_m {
            false
        } else {
            self.pump.run_command()
        };
        self.pump.drive(command, powered);
        let pumped = if self.pump.pumping() {
            self.pump_capacity_m_per_s
        } else {
            0.0
        };
        self.level_m = (self.level_m + (self.inflow_m_per_s - pumped) * dt_s).clamp(0.0, self.depth_m);
        self.high_float = float(self.high_float, self.level_m, self.high_m);
        self.high_high_float = float(self.high_high_float, self.level_m, self.high_high_m);
    }
}

/// A float switch with hysteresis.
fn float(closed: bool, level_m: f64, trip_m: f64) -> bool {
    if closed {
        level_m > trip_m - FLOAT_HYSTERESIS_M
    } else {
        level_m >= trip_m
    }
}

/// A water-ingress (水浸) sensor on a plant-room floor.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakSensor {
    /// Water on the sensor.
    pub wet: bool,
}
