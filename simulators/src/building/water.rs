//! The booster pump set and the storage tank: the equipment behind WAT-01 …
//! WAT-04. The pumps draw from the tank; a float valve on the municipal
//! supply refills it.

use super::approach;

/// Tolerance for timer comparisons.
const EPS: f64 = 1e-9;

/// An electric pump with a controller run command, a run feedback contact, a
/// fault (trip) contact and a HAND/AUTO selector. Used by the booster set and
/// by the sump pits.
#[derive(Debug, Clone, PartialEq)]
pub struct Pump {
    /// Overload / motor-protection trip is active.
    pub fault: bool,
    /// Selector in AUTO: the controller may command it.
    pub auto_mode: bool,
    /// Impeller or discharge blocked: it runs but moves no water.
    pub blocked: bool,
    run_command: bool,
    running: bool,
}

impl Pump {
    pub(super) fn demo() -> Self {
        Self {
            fault: false,
            auto_mode: true,
            blocked: false,
            run_command: false,
            running: false,
        }
    }

    /// The controller commands the pump to run.
    pub fn run_command(&self) -> bool {
        self.run_command
    }

    /// Run feedback (contactor closed, motor turning).
    pub fn running(&self) -> bool {
        self.running
    }

    /// Running and actually moving water.
    pub fn pumping(&self) -> bool {
        self.running && !self.blocked
    }

    /// Sets the command and derives the feedback: a pump runs when commanded,
    /// powered and not tripped.
    pub(super) fn drive(&mut self, command: bool, powered: bool) {
        self.run_command = command;
        self.running = command && powered && !self.fault;
    }
}

/// The duty/standby booster pump set (加压泵组) and its controller.
///
/// The controller runs the duty pump continuously; when the duty pump is
/// commanded but not running for `standby_delay_s`, it commands the standby
/// pump, unless the standby pump has tripped too. The controller is fed from
/// the essential bus: in a blackout its outputs drop and nothing runs.
#[derive(Debug, Clone, PartialEq)]
pub struct BoosterSet {
    /// `pump-1` (duty) and `pump-2` (standby).
    pub pumps: [Pump; 2],
    /// Discharge pressure a running pump holds, bar.
    pub setpoint_bar: f64,
    /// Duty failed this long before the standby is commanded, s.
    pub standby_delay_s: f64,
    pressure_bar: f64,
    duty_failed_s: f64,
}

impl BoosterSet {
    pub(super) fn demo() -> Self {
        let mut pumps = [Pump::demo(), Pump::demo()];
        pumps[0].drive(true, true);
        Self {
            pumps,
            setpoint_bar: 4.5,
            standby_delay_s: 2.0,
            pressure_bar: 4.5,
            duty_failed_s: 0.0,
        }
    }

    /// Discharge header pressure, bar.
    pub fn pressure_bar(&self) -> f64 {
        self.pressure_bar
    }

    /// Some pump of the set is drawing water.
    pub fn drawing(&self) -> bool {
        self.pumps.iter().any(Pump::pumping)
    }

    pub(super) fn step(&mut self, powered: bool, water_available: bool, dt_s: f64) {
        let [duty, standby] = &mut self.pumps;
        duty.drive(powered && duty.auto_mode, powered);
        if duty.run_command && !duty.running {
            self.duty_failed_s += dt_s;
        } else {
            self.duty_failed_s = 0.0;
        }
        let take_over = self.duty_failed_s + EPS >= self.standby_delay_s && self.duty_failed_s > 0.0;
        standby.drive(powered && standby.auto_mode && !standby.fault && take_over, powered);

        let target = if self.drawing() && water_available {
            self.setpoint_bar
        } else {
            0.0
        };
        let tau_s = if target > self.pressure_bar { 1.0 } else { 4.0 };
        self.pressure_bar = approach(self.pressure_bar, target, tau_s, dt_s);
    }
}

/// The domestic water storage tank (水池/水箱), also the fire reserve.
#[derive(Debug, Clone, PartialEq)]
pub struct Tank {
    /// Level, % of height.
    pub level_pct: f64,
    /// Draw while a booster pump runs, %/s.
    pub outflow_pct_per_s: f64,
    /// The municipal supply to the float valve is on.
    pub refill_on: bool,
    /// Tank height, m (the level transmitter also reports millimetres).
    pub height_m: f64,
    /// Level the float valve closes at, %.
    valve_closed_pct: f64,
    /// Float valve opening per % below `valve_closed_pct`, (%/s)/%.
    valve_gain_per_s: f64,
    /// Largest refill rate, %/s.
    max_refill_pct_per_s: f64,
}

impl Tank {
    pub(super) fn demo() -> Self {
        // The float valve balances the pumps' draw exactly at 80 %:
        // 0.01/s × (82 % − 80 %) = 0.02 %/s.
        Self {
            level_pct: 80.0,
            outflow_pct_per_s: 0.02,
            refill_on: true,
            height_m: 3.0,
            valve_closed_pct: 82.0,
            valve_gain_per_s: 0.01,
            max_refill_pct_per_s: 0.3,
        }
    }

    /// Level, m above the tank floor.
    pub fn level_m(&self) -> f64 {
        self.level_pct / 100.0 * self.height_m
    }

    /// Water left to pump.
    pub fn has_water(&self) -> bool {
        self.level_pct > 0.5
    }

    pub(super) fn step(&mut self, drawing: bool, dt_s: f64) {
        let refill = if self.refill_on {
            (self.valve_gain_per_s * (self.valve_closed_pct - self.level_pct)).clamp(0.0, self.max_refill_pct_per_s)
        } else {
            0.0
        };
        let draw = if drawing && self.level_pct > 0.0 {
            self.outflow_pct_per_s
        } else {
            0.0
        };
        self.level_pct = (self.level_pct + (refill - draw) * dt_s).clamp(0.0, 100.0);
    }
}
