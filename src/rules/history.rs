//! When equipment was last seen exercised, for the monthly-test rules FIRE-04 and FIRE-05.
//!
//! The engine updates this itself on every evaluation: whatever has a `running` role and
//! reads running, a transfer switch seen on `GENERATOR`, a critical room seen running on its
//! backup supply. Times are wall-clock (`SystemTime`) because "31 days" must survive
//! restarts; the record is plain serde data that the durability layer stores.
//!
//! **First start.** With no record, a piece of equipment counts as last exercised when
//! monitoring began ([`RunHistory::monitoring_since`], set on the first evaluation and kept in
//! the record). A new installation therefore reports an overdue test 31 days after facmon was
//! switched on, not at once — facmon cannot know about tests it did not see.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::input::Snapshot;
use crate::config::Plan;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunHistory {
    /// When facmon first evaluated rules for this site.
    #[serde(default)]
    pub monitoring_since: Option<SystemTime>,
    /// Equipment id → last time seen running (`running` true).
    #[serde(default)]
    pub last_run: BTreeMap<String, SystemTime>,
    /// Transfer switch or critical room id → last time seen on its backup supply.
    #[serde(default)]
    pub last_changeover: BTreeMap<String, SystemTime>,
}

impl RunHistory {
    /// Records what the snapshot shows at `now`.
    pub fn observe(&mut self, plan: &Plan, read: Snapshot<'_>, now: SystemTime) {
        self.monitoring_since.get_or_insert(now);
        for eq in &plan.equipment {
            if read.bool(eq, "running").good() == Some(true) {
                self.last_run.insert(eq.id.clone(), now);
            }
            let changed_over = match eq.kind {
                "transfer_switch" => read.label(eq, "position").good() == Some("GENERATOR"),
                "critical_room" => {
                    read.bool(eq, "normal_supply_ok").good() == Some(false)
                        && read.bool(eq, "backup_supply_ok").good() == Some(true)
                }
                _ => false,
            };
            if changed_over {
                self.last_changeover.insert(eq.id.clone(), now);
            }
        }
    }

    /// How long since `id` last ran, counted from when monitoring began if never seen.
    /// Zero if the wall clock has gone back past the record.
    pub fn since_run(&self, id: &str, now: SystemTime) -> Duration {
        self.since(self.last_run.get(id), now)
    }

    /// How long since `id` last changed over to its backup supply (see [`since_run`](Self::since_run)).
    pub fn since_changeover(&self, id: &str, now: SystemTime) -> Duration {
        self.since(self.last_changeover.get(id), now)
    }

    /// Whether `id` has a record of its own (rather than counting from monitoring start).
    pub fn has_run(&self, id: &str) -> bool {
        self.last_run.contains_key(id)
    }

    pub fn has_changed_over(&self, id: &str) -> bool {
        self.last_changeover.contains_key(id)
    }

    fn since(&self, at: Option<&SystemTime>, now: SystemTime) -> Duration {
        at.or(self.monitoring_since.as_ref())
            .and_then(|t| now.duration_since(*t).ok())
            .unwrap_or_default()
    }
}
