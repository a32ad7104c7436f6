//! The fire-alarm panel's output contacts, the fire pump, the fire main and the
//! two fire fans: the equipment behind FIRE-01 … FIRE-04.
//!
//! facmon never controls any of it; the model only has to produce what the
//! contacts and the pressure transmitter would show.

use super::approach;

/// The fire pump controller starts the pump below this fire-main pressure, bar.
const PUMP_START_BAR: f64 = 4.5;
/// Static fire-main pressure held by the jockey pump, bar.
const STATIC_BAR: f64 = 6.0;
/// Pressure with the fire pump running and no flow, bar.
const PUMP_CHURN_BAR: f64 = 7.2;
/// Pressure with the fire pump running against a flowing demand, bar.
const PUMP_FLOWING_BAR: f64 = 6.5;
/// What the transmitter reads on a drained main (its zero offset), bar.
const DRAINED_BAR: f64 = -0.05;

/// The fire-alarm control panel's (消防主机) output contacts.
#[derive(Debug, Clone, PartialEq)]
pub struct FirePanel {
    /// Fire alarm.
    pub alarm: bool,
    /// Fault / trouble.
    pub fault: bool,
    /// Supervisory (a valve closed, a pump off-normal).
    pub supervisory: bool,
}

/// The fire pump (消防泵). Its controller starts it when the fire-main
/// pressure falls below 4.5 bar and, as fire pumps must, keeps it running
/// until someone stops it at the panel (`set fire-pump-1.run_command false`).
#[derive(Debug, Clone, PartialEq)]
pub struct FirePump {
    /// Trip / fault contact.
    pub fault: bool,
    /// Latched run command (auto start on low pressure, or by hand).
    pub run_command: bool,
    running: bool,
}

impl FirePump {
    /// Run feedback.
    pub fn running(&self) -> bool {
        self.running
    }
}

/// The fire main (消防管网) and its pressure transmitter.
#[derive(Debug, Clone, PartialEq)]
pub struct FireMain {
    /// Water is flowing out (sprinklers, hydrants, a test valve).
    pub demand: bool,
    /// Pressure, bar (gauge).
    pub pressure_bar: f64,
}

/// A fire fan: the stair pressurisation fan (正压送风机) or the smoke
/// exhaust fan (排烟风机). The fire panel's linkage commands it while the
/// alarm is active; a manual command is the monthly test run.
#[derive(Debug, Clone, PartialEq)]
pub struct Fan {
    /// Trip / fault contact.
    pub fault: bool,
    /// Started by hand (test run).
    pub manual_command: bool,
    run_command: bool,
    running: bool,
}

impl Fan {
    /// The fan's run command (linkage or manual).
    pub fn run_command(&self) -> bool {
        self.run_command
    }

    /// Run feedback (airflow switch).
    pub fn running(&self) -> bool {
        self.running
    }
}

/// The fire side of the building.
#[derive(Debug, Clone, PartialEq)]
pub struct Fire {
    /// `fire-panel-1`.
    pub panel: FirePanel,
    /// `fire-pump-1`.
    pub pump: FirePump,
    /// `fire-main-1`.
    pub main: FireMain,
    /// `fan-press-1` and `fan-smoke-1`.
    pub fans: [Fan; 2],
}

impl Fire {
    pub(super) fn demo() -> Self {
        let fan = Fan {
            fault: false,
            manual_command: false,
            run_command: false,
            running: false,
        };
        Self {
            panel: FirePanel {
                alarm: false,
                fault: false,
                supervisory: false,
            },
            pump: FirePump {
                fault: false,
                run_command: false,
                running: false,
            },
            main: FireMain {
                demand: false,
                pressure_bar: STATIC_BAR,
            },
            fans: [fan.clone(), fan],
        }
    }

    /// `powered`: the fire-service supply (the essential bus) is live.
    pub(super) fn step(&mut self, powered: bool, dt_s: f64) {
        for fan in &mut self.fans {
            fan.run_command = powered && (fan.manual_command || self.panel.alarm);
            fan.running = fan.run_command && !fan.fault;
        }

        if powered && self.main.pressure_bar < PUMP_START_BAR {
            self.pump.run_command = true;
        }
        self.pump.running = self.pump.run_command && powered && !self.pump.fault;

        let target = match (self.pump.running, self.main.demand) {
            (true, true) => PUMP_FLOWING_BAR,
            (true, false) => PUMP_CHURN_BAR,
            (false, true) => DRAINED_BAR,
            (false, false) => STATIC_BAR,
        };
        self.main.pressure_bar = approach(self.main.pressure_bar, target, 2.0, dt_s);
    }
}
