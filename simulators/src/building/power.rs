//! Utility feeds, the generator, the automatic transfer switch and the
//! critical rooms: the equipment behind procedures PWR-01 … PWR-10.
//!
//! The start chain follows the procedure's diagnosis order for PWR-02: the ATS
//! controller senses the mains and sends the generator its start signal, so a
//! generator selector out of AUTO, an ATS selector out of AUTO, or a blown
//! control fuse in either box each keeps the generator from starting.

use rand::{rngs::StdRng, Rng};

/// Tolerance for timer comparisons, so that 50 steps of 0.1 s reach 5 s.
const EPS: f64 = 1e-9;

/// Seconds a running generator needs before its output is within limits.
const VOLTAGE_BUILD_S: f64 = 2.0;
/// Rated line-to-line output voltage of the generator, V.
const RATED_VOLTAGE_V: f64 = 400.0;
/// Rated output frequency, Hz.
const RATED_FREQUENCY_HZ: f64 = 50.0;

/// One utility (municipal) feed into the site substation.
#[derive(Debug, Clone, PartialEq)]
pub struct UtilityFeed {
    /// The utility delivers voltage on this feed.
    pub available: bool,
    /// The site is switched onto this feed (exactly one normally).
    pub in_service: bool,
    /// Nominal voltage, kV (medium voltage).
    pub nominal_kv: f64,
}

impl UtilityFeed {
    /// Voltage on the feed, kV: nominal when available, else 0.
    pub fn voltage_kv(&self) -> f64 {
        if self.available {
            self.nominal_kv
        } else {
            0.0
        }
    }
}

/// Generator controller mode selector (STOP 停 / MANUAL 手动 / AUTO 自动).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenMode {
    /// Will not run.
    Stop,
    /// Runs only when started by hand at the panel.
    Manual,
    /// Starts by itself on the ATS start signal.
    Auto,
}

impl GenMode {
    /// Names in register-code order, as accepted by `set gen-1.mode`.
    pub const NAMES: &'static [&'static str] = &["STOP", "MANUAL", "AUTO"];

    /// The selector code in the controller's holding register.
    pub fn code(self) -> u16 {
        match self {
            Self::Stop => 0,
            Self::Manual => 1,
            Self::Auto => 2,
        }
    }

    /// The mode at `index` of [`Self::NAMES`].
    pub fn from_index(index: usize) -> Option<Self> {
        [Self::Stop, Self::Manual, Self::Auto].get(index).copied()
    }

    /// The upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stop => "STOP",
            Self::Manual => "MANUAL",
            Self::Auto => "AUTO",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum GenState {
    Stopped,
    /// Waiting out the start delay (a short mains dip must not start it).
    Starting {
        waited_s: f64,
    },
    Running {
        run_s: f64,
    },
    /// Running unloaded after the load went back to mains.
    CoolingDown {
        run_s: f64,
        cool_s: f64,
    },
}

/// The standby diesel generator and its controller.
#[derive(Debug, Clone, PartialEq)]
pub struct Generator {
    /// Mode selector on the controller.
    pub mode: GenMode,
    /// Control-circuit fuse in the generator control box is intact.
    pub control_fuse_ok: bool,
    /// Common fault (shutdown alarm) is active.
    pub fault: bool,
    /// Day-tank fuel level, %.
    pub fuel_level_pct: f64,
    /// Fuel used per second of running, % of the tank.
    pub fuel_burn_pct_per_s: f64,
    /// Engine hour meter, h.
    pub run_hours: f64,
    /// Operator's run request at the panel; obeyed in MANUAL only.
    pub manual_run: bool,
    /// Delay between the start signal and the engine running, s.
    pub start_delay_s: f64,
    /// Unloaded run after the start signal drops, s.
    pub cooldown_s: f64,
    state: GenState,
    voltage_v: f64,
    frequency_hz: f64,
}

impl Generator {
    fn demo() -> Self {
        Self {
            mode: GenMode::Auto,
            control_fuse_ok: true,
            fault: false,
            fuel_level_pct: 82.0,
            fuel_burn_pct_per_s: 0.05,
            run_hours: 1234.56,
            manual_run: false,
            start_delay_s: 5.0,
            cooldown_s: 10.0,
            state: GenState::Stopped,
            voltage_v: 0.0,
            frequency_hz: 0.0,
        }
    }

    /// The engine turns (including the cool-down run).
    pub fn running(&self) -> bool {
        matches!(self.state, GenState::Running { .. } | GenState::CoolingDown { .. })
    }

    /// Output voltage and frequency are within limits, so the ATS may transfer.
    pub fn output_ok(&self) -> bool {
        self.run_s() + EPS >= VOLTAGE_BUILD_S
    }

    /// Waiting out the start delay.
    pub fn starting(&self) -> bool {
        matches!(self.state, GenState::Starting { .. })
    }

    /// Running unloaded before stopping.
    pub fn cooling_down(&self) -> bool {
        matches!(self.state, GenState::CoolingDown { .. })
    }

    /// Output voltage, V (line to line).
    pub fn output_voltage_v(&self) -> f64 {
        self.voltage_v
    }

    /// Output frequency, Hz.
    pub fn frequency_hz(&self) -> f64 {
        self.frequency_hz
    }

    fn run_s(&self) -> f64 {
        match self.state {
            GenState::Running { run_s } | GenState::CoolingDown { run_s, .. } => run_s,
            _ => 0.0,
        }
    }

    fn can_run(&self) -> bool {
        self.control_fuse_ok && !self.fault && self.fuel_level_pct > 0.0
    }

    /// Hand stop or emergency stop at the panel, or a trip.
    fn must_stop(&self) -> bool {
        !self.can_run() || self.mode == GenMode::Stop || (self.mode == GenMode::Manual && !self.manual_run)
    }

    /// Advances the controller by `dt_s`; `ats_start` is the ATS start signal.
    pub(super) fn step(&mut self, ats_start: bool, dt_s: f64, rng: &mut StdRng) {
        // Fuel and hours count for steps the engine turned through from their
        // start, so a start at t = 5 s has burnt exactly 1 s of fuel at t = 6 s.
        let was_running = self.running();
        let request = match self.mode {
            GenMode::Auto => ats_start,
            GenMode::Manual => self.manual_run,
            GenMode::Stop => false,
        };
        self.state = match self.state {
            GenState::Stopped if request && self.can_run() => self.started_after(0.0, dt_s),
            GenState::Stopped => GenState::Stopped,
            GenState::Starting { waited_s } if request && self.can_run() => self.started_after(waited_s, dt_s),
            GenState::Starting { .. } => GenState::Stopped,
            GenState::Running { .. } | GenState::CoolingDown { .. } if self.must_stop() => GenState::Stopped,
            GenState::Running { run_s } | GenState::CoolingDown { run_s, .. } if request => {
                GenState::Running { run_s: run_s + dt_s }
            }
            GenState::Running { run_s } => GenState::CoolingDown {
                run_s: run_s + dt_s,
                cool_s: dt_s,
            },
            GenState::CoolingDown { run_s, cool_s } => {
                if cool_s + dt_s + EPS >= self.cooldown_s {
                    GenState::Stopped
                } else {
                    GenState::CoolingDown {
                        run_s: run_s + dt_s,
                        cool_s: cool_s + dt_s,
                    }
                }
            }
        };

        if was_running {
            self.fuel_level_pct = (self.fuel_level_pct - self.fuel_burn_pct_per_s * dt_s).max(0.0);
            self.run_hours += dt_s / 3600.0;
        }
        if self.running() {
            let build = (self.run_s() / VOLTAGE_BUILD_S).min(1.0);
            self.voltage_v = build * (RATED_VOLTAGE_V + rng.random_range(-1.5..=1.5));
            self.frequency_hz = build * (RATED_FREQUENCY_HZ + rng.random_range(-0.05..=0.05));
        } else {
            self.voltage_v = 0.0;
            self.frequency_hz = 0.0;
        }
    }

    fn started_after(&self, waited_s: f64, dt_s: f64) -> GenState {
        let waited_s = waited_s + dt_s;
        if waited_s + EPS >= self.start_delay_s {
            GenState::Running { run_s: 0.0 }
        } else {
            GenState::Starting { waited_s }
        }
    }
}

/// Where the ATS connects the building's essential bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtsPosition {
    /// Neither source (load dead).
    Open,
    /// Utility mains.
    Mains,
    /// The generator.
    Generator,
}

impl AtsPosition {
    /// Names in register-code order, as accepted by `set ats-1.position`.
    pub const NAMES: &'static [&'static str] = &["OPEN", "MAINS", "GENERATOR"];

    /// The position code in the controller's input register.
    pub fn code(self) -> u16 {
        match self {
            Self::Open => 0,
            Self::Mains => 1,
            Self::Generator => 2,
        }
    }

    /// The position at `index` of [`Self::NAMES`].
    pub fn from_index(index: usize) -> Option<Self> {
        [Self::Open, Self::Mains, Self::Generator].get(index).copied()
    }

    /// The upper-case name.
    pub fn name(self) -> &'static str {
        Self::NAMES.get(usize::from(self.code())).copied().unwrap_or("?")
    }
}

/// ATS controller selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtsSelector {
    /// Transfers only by hand; sends no generator start signal.
    Manual,
    /// Transfers by itself.
    Auto,
}

impl AtsSelector {
    /// Names in register-code order, as accepted by `set ats-1.selector`.
    pub const NAMES: &'static [&'static str] = &["MANUAL", "AUTO"];

    /// The selector code in the controller's holding register.
    pub fn code(self) -> u16 {
        match self {
            Self::Manual => 0,
            Self::Auto => 1,
        }
    }

    /// The selector at `index` of [`Self::NAMES`].
    pub fn from_index(index: usize) -> Option<Self> {
        [Self::Manual, Self::Auto].get(index).copied()
    }

    /// The upper-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Manual => "MANUAL",
            Self::Auto => "AUTO",
        }
    }
}

/// The automatic transfer switch (切换柜) between mains and generator.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferSwitch {
    /// Selector on the ATS controller.
    pub selector: AtsSelector,
    /// Control-circuit fuse of the ATS is intact.
    pub control_fuse_ok: bool,
    /// The transfer mechanism is jammed: it stays where it is.
    pub stuck: bool,
    /// Current position.
    pub position: AtsPosition,
    /// Generator output healthy for this long before transferring to it, s.
    pub transfer_delay_s: f64,
    /// Mains healthy for this long before transferring back, s.
    pub retransfer_delay_s: f64,
    mains_available: bool,
    transfer_wait_s: f64,
    retransfer_wait_s: f64,
}

impl TransferSwitch {
    fn demo() -> Self {
        Self {
            selector: AtsSelector::Auto,
            control_fuse_ok: true,
            stuck: false,
            position: AtsPosition::Mains,
            transfer_delay_s: 3.0,
            retransfer_delay_s: 5.0,
            mains_available: true,
            transfer_wait_s: 0.0,
            retransfer_wait_s: 0.0,
        }
    }

    /// The ATS senses healthy mains voltage.
    pub fn mains_available(&self) -> bool {
        self.mains_available
    }

    fn automatic(&self) -> bool {
        self.selector == AtsSelector::Auto && self.control_fuse_ok
    }

    /// The start signal the ATS sends the generator controller: mains lost,
    /// or the load still on the generator.
    pub fn start_signal(&self) -> bool {
        self.automatic() && (!self.mains_available || self.position == AtsPosition::Generator)
    }

    pub(super) fn sense(&mut self, mains_ok: bool) {
        self.mains_available = mains_ok;
    }

    pub(super) fn step(&mut self, generator_ok: bool, dt_s: f64) {
        if !self.automatic() || self.stuck {
            self.transfer_wait_s = 0.0;
            self.retransfer_wait_s = 0.0;
            return;
        }
        if !self.mains_available && generator_ok && self.position != AtsPosition::Generator {
            self.transfer_wait_s += dt_s;
            if self.transfer_wait_s + EPS >= self.transfer_delay_s {
                self.position = AtsPosition::Generator;
                self.transfer_wait_s = 0.0;
            }
        } else {
            self.transfer_wait_s = 0.0;
        }
        if self.mains_available && self.position != AtsPosition::Mains {
            self.retransfer_wait_s += dt_s;
            if self.retransfer_wait_s + EPS >= self.retransfer_delay_s {
                self.position = AtsPosition::Mains;
                self.retransfer_wait_s = 0.0;
            }
        } else {
            self.retransfer_wait_s = 0.0;
        }
    }
}

/// A critical room (control room, lift machine room) with a normal supply from
/// the essential bus and a backup supply (UPS).
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalRoom {
    /// The UPS / backup supply is healthy and would carry the room.
    pub backup_ok: bool,
    /// Nominal supply voltage, V.
    pub nominal_v: f64,
    normal_supply_ok: bool,
}

impl CriticalRoom {
    fn demo(nominal_v: f64) -> Self {
        Self {
            backup_ok: true,
            nominal_v,
            normal_supply_ok: true,
        }
    }

    /// The normal supply (from the ATS) is live.
    pub fn normal_supply_ok(&self) -> bool {
        self.normal_supply_ok
    }

    /// The backup supply is available.
    pub fn backup_supply_ok(&self) -> bool {
        self.backup_ok
    }

    /// Voltage at the room's distribution board, V.
    pub fn supply_voltage_v(&self) -> f64 {
        if self.normal_supply_ok || self.backup_ok {
            self.nominal_v
        } else {
            0.0
        }
    }

    pub(super) fn step(&mut self, bus_live: bool) {
        self.normal_supply_ok = bus_live;
    }
}

/// The power side of the building.
#[derive(Debug, Clone, PartialEq)]
pub struct Power {
    /// `feed-1` (in service) and `feed-2` (standby).
    pub feeds: [UtilityFeed; 2],
    /// `gen-1`.
    pub generator: Generator,
    /// `ats-1`.
    pub ats: TransferSwitch,
    /// `room-control` and `room-lift`.
    pub rooms: [CriticalRoom; 2],
}

impl Power {
    pub(super) fn demo() -> Self {
        Self {
            feeds: [
                UtilityFeed {
                    available: true,
                    in_service: true,
                    nominal_kv: 10.0,
                },
                UtilityFeed {
                    available: true,
                    in_service: false,
                    nominal_kv: 10.0,
                },
            ],
            generator: Generator::demo(),
            ats: TransferSwitch::demo(),
            rooms: [CriticalRoom::demo(230.0), CriticalRoom::demo(400.0)],
        }
    }

    /// The site has utility supply: the feed in service is live.
    pub fn mains_available(&self) -> bool {
        self.feeds.iter().any(|f| f.in_service && f.available)
    }

    /// The essential bus behind the ATS is live.
    pub fn bus_live(&self) -> bool {
        match self.ats.position {
            AtsPosition::Mains => self.mains_available(),
            AtsPosition::Generator => self.generator.output_ok(),
            AtsPosition::Open => false,
        }
    }

    /// Voltage on the mains side of the ATS, V.
    pub fn mains_voltage_v(&self) -> f64 {
        if self.mains_available() {
            RATED_VOLTAGE_V
        } else {
            0.0
        }
    }

    /// Switches the site onto `index`'s feed (the other goes to standby), or
    /// opens its breaker.
    pub(super) fn set_in_service(&mut self, index: usize, in_service: bool) {
        for (i, feed) in self.feeds.iter_mut().enumerate() {
            if i == index {
                feed.in_service = in_service;
            } else if in_service {
                feed.in_service = false;
            }
        }
    }

    pub(super) fn step(&mut self, dt_s: f64, rng: &mut StdRng) {
        let mains_ok = self.mains_available();
        self.ats.sense(mains_ok);
        // Each controller acts on what it saw at the start of the step, so a
        // delay counts from the moment its condition became true.
        let generator_ok = self.generator.output_ok();
        self.generator.step(self.ats.start_signal(), dt_s, rng);
        self.ats.step(generator_ok, dt_s);
        let bus_live = self.bus_live();
        for room in &mut self.rooms {
            room.step(bus_live);
        }
    }
}
