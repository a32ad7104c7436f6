//! The rule engine: a snapshot and a time in, one verdict per (rule, equipment) out.
//!
//! It is a plain struct. The daemon calls [`RuleEngine::evaluate`] whenever points change and
//! at least once a second (timers only move when it is called), and hands the outcomes to the
//! alarm lifecycle, which diffs them. Every instantiated (rule, equipment) pair is reported on
//! every call, normal ones included, so a missing outcome never has to mean anything.
//!
//! The rule set is built once from the plan: a rule exists for a piece of equipment when the
//! site has that kind, the rule is enabled (`rules::settings`) and the equipment has the
//! points the rule reads (a sump pit without a high float or `limits.high` gets no DRN-01).
//! The site's `[[custom_rules]]` follow the procedure rules.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use super::comms::Comms;
use super::context::Cx;
use super::custom::Custom;
use super::drainage::Drainage;
use super::fire::Fire;
use super::history::RunHistory;
use super::input::Snapshot;
use super::outcome::RuleOutcome;
use super::power::Power;
use super::timer::{TimerRecord, Timers};
use super::water::Water;
use crate::config::Plan;
use crate::point::PointState;
use crate::sources::DeviceStatus;

pub struct RuleEngine {
    plan: Plan,
    power: Power,
    water: Water,
    drainage: Drainage,
    fire: Fire,
    comms: Comms,
    custom: Custom,
    timers: Timers,
    history: RunHistory,
    planned_cuts: BTreeSet<String>,
}

impl RuleEngine {
    /// Builds the rule set for a plan, with no timers running and no run history.
    pub fn new(plan: &Plan) -> RuleEngine {
        RuleEngine::restore(plan, Vec::new(), RunHistory::default())
    }

    /// Builds the rule set and takes back the timers and run history a previous run left
    /// ([`timers`](Self::timers), [`run_history`](Self::run_history)). Timers of rules or
    /// equipment no longer in the plan are dropped at the first evaluation.
    pub fn restore(plan: &Plan, timers: impl IntoIterator<Item = TimerRecord>, history: RunHistory) -> RuleEngine {
        RuleEngine {
            plan: plan.clone(),
            power: Power::new(plan),
            water: Water::new(plan),
            drainage: Drainage::new(plan),
            fire: Fire::new(plan),
            comms: Comms::new(plan),
            custom: Custom::new(plan),
            timers: Timers::restore(timers),
            history,
            planned_cuts: BTreeSet::new(),
        }
    }

    /// Evaluates every rule. `snapshot` is `PointStore::snapshot()` for this plan, `devices`
    /// is `DeviceBoard::snapshot()`; `mono_now` is a monotonic time since any fixed epoch
    /// (timers), `wall_now` the wall clock (run history for FIRE-04/05).
    pub fn evaluate(
        &mut self,
        snapshot: &[PointState],
        devices: &[DeviceStatus],
        mono_now: Duration,
        wall_now: SystemTime,
    ) -> Vec<RuleOutcome> {
        let read = Snapshot::new(snapshot);
        self.history.observe(&self.plan, read, wall_now);
        self.timers.begin();
        let mut out = Vec::new();
        let mut cx = Cx {
            plan: &self.plan,
            read,
            timers: &mut self.timers,
            history: &self.history,
            mono: mono_now,
            wall: wall_now,
        };
        self.power.evaluate(&mut cx, &mut out);
        self.water.evaluate(&mut cx, &self.planned_cuts, &mut out);
        self.drainage.evaluate(&mut cx, &mut out);
        self.fire.evaluate(&mut cx, &mut out);
        self.comms.evaluate(&cx, devices, &mut out);
        self.custom.evaluate(&mut cx, &mut out);
        self.timers.sweep();
        out
    }

    /// Every running timer: rule, equipment (and member), elapsed, remaining. Plain serde
    /// data for the live view and for persistence.
    pub fn timers(&self) -> Vec<TimerRecord> {
        self.timers.records()
    }

    /// When equipment was last seen exercised (FIRE-04/05); plain serde data.
    pub fn run_history(&self) -> &RunHistory {
        &self.history
    }

    /// WAT-06's input: a planned municipal supply cut is (or is no longer) scheduled for the
    /// supply of this tank. Nothing calls this yet; see `water.rs`.
    pub fn set_planned_supply_cut(&mut self, tank: &str, scheduled: bool) {
        if scheduled {
            self.planned_cuts.insert(tank.to_string());
        } else {
            self.planned_cuts.remove(tank);
        }
    }
}
