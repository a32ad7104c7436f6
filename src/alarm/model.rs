//! The alarm record and its lifecycle events.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::rules::outcome::{Finding, Severity, Text};

/// One alarm: a rule on one piece of equipment (or device, for COM-01).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AlarmKey {
    pub rule: String,
    pub equipment: String,
}

impl std::fmt::Display for AlarmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.rule, self.equipment)
    }
}

/// The ISA-18.2 states an operator sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    /// Not active, nothing to acknowledge.
    Normal,
    /// Active, not yet acknowledged.
    Unacknowledged,
    /// Active and acknowledged.
    Acknowledged,
    /// Returned to normal before anybody acknowledged it.
    ReturnedUnacknowledged,
    /// Held from the operator by a shelve with an expiry.
    Shelved,
    /// Suppressed by design: its root cause is active (e.g. pumps stopped by the outage).
    Suppressed,
    /// The equipment is out of service (maintenance, test run).
    OutOfService,
}

impl AlarmState {
    /// Every state, in code order.
    pub const ALL: [AlarmState; 7] = [
        AlarmState::Normal,
        AlarmState::Unacknowledged,
        AlarmState::Acknowledged,
        AlarmState::ReturnedUnacknowledged,
        AlarmState::Shelved,
        AlarmState::Suppressed,
        AlarmState::OutOfService,
    ];

    /// The name used in the journal, on MQTT and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Normal => "normal",
            AlarmState::Unacknowledged => "unacknowledged",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::ReturnedUnacknowledged => "returned_unacknowledged",
            AlarmState::Shelved => "shelved",
            AlarmState::Suppressed => "suppressed",
            AlarmState::OutOfService => "out_of_service",
        }
    }

    pub fn from_name(name: &str) -> Option<AlarmState> {
        AlarmState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The integer code written to the time series (docs/timeseries.md).
    pub fn code(self) -> i64 {
        AlarmState::ALL.iter().position(|s| *s == self).unwrap_or(0) as i64
    }
}

/// An operator's shelve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shelve {
    pub until: SystemTime,
    pub by: String,
    pub reason: String,
}

/// Equipment taken out of service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfService {
    pub by: String,
    pub why: String,
    pub until: Option<SystemTime>,
    pub since: SystemTime,
}

/// Everything known about one alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub key: AlarmKey,
    /// The process condition is active (or held: latched, chattering).
    pub active: bool,
    pub acknowledged: bool,
    /// The latest finding while active (message, diagnosis, action).
    pub finding: Option<Finding>,
    pub severity: Option<Severity>,
    /// Set while the rule cannot evaluate: "cannot evaluate PWR-02: ...". The alarm keeps
    /// its last known state; it is never taken for normal.
    pub unknown: Option<Text>,
    /// Latching rules (FIRE-01, DRN-05) stay active after the contact clears until reset.
    pub latching: bool,
    /// The condition has cleared but the latch holds it.
    pub latch_waiting_reset: bool,
    pub shelved: Option<Shelve>,
    /// The active cause suppressing it by design, if any.
    pub suppressed_by: Option<AlarmKey>,
    /// Toggled too often: held active, flagged, and not re-announced.
    pub chattering: bool,
    /// Raise times within the chatter window.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_raises: Vec<SystemTime>,
    /// When the condition last went normal while chattering held it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_since: Option<SystemTime>,
    pub raised_at: Option<SystemTime>,
    pub cleared_at: Option<SystemTime>,
    pub acknowledged_at: Option<SystemTime>,
    pub acknowledged_by: Option<String>,
    pub incident: Option<u64>,
}

impl Alarm {
    pub fn new(key: AlarmKey, latching: bool) -> Alarm {
        Alarm {
            key,
            active: false,
            acknowledged: true,
            finding: None,
            severity: None,
            unknown: None,
            latching,
            latch_waiting_reset: false,
            shelved: None,
            suppressed_by: None,
            chattering: false,
            recent_raises: Vec::new(),
            normal_since: None,
            raised_at: None,
            cleared_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            incident: None,
        }
    }

    /// The state an operator sees, given whether its equipment is out of service.
    pub fn state(&self, out_of_service: bool) -> AlarmState {
        if out_of_service {
            AlarmState::OutOfService
        } else if self.shelved.is_some() {
            AlarmState::Shelved
        } else if self.suppressed_by.is_some() {
            AlarmState::Suppressed
        } else {
            match (self.active, self.acknowledged) {
                (true, false) => AlarmState::Unacknowledged,
                (true, true) => AlarmState::Acknowledged,
                (false, false) => AlarmState::ReturnedUnacknowledged,
                (false, true) => AlarmState::Normal,
            }
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransitionKind {
    Raised,
    /// The finding changed while active (e.g. PWR-02's diagnosis after a selector moved).
    Updated,
    Cleared,
    /// The contact cleared; the latch holds the alarm until an operator resets it.
    LatchHeld,
    LatchReset,
    Acknowledged {
        note: Option<String>,
    },
    Shelved {
        until: SystemTime,
        reason: String,
    },
    Unshelved {
        expired: bool,
    },
    Suppressed {
        by: AlarmKey,
    },
    Unsuppressed,
    OutOfService {
        why: String,
        until: Option<SystemTime>,
    },
    BackInService,
    Unknown {
        reason: Text,
    },
    Known,
    ChatterStarted,
    ChatterEnded,
    IncidentOpened {
        incident: u64,
    },
    IncidentClosed {
        incident: u64,
    },
}

/// One lifecycle event, as journaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub at: SystemTime,
    pub key: AlarmKey,
    pub kind: TransitionKind,
    /// Who did it: an operator's name, or `facmon` for rule-driven changes.
    pub actor: String,
    pub severity: Option<Severity>,
    /// Whether people should hear of it now (false while shelved, suppressed, out of
    /// service or chattering).
    pub announce: bool,
    pub incident: Option<u64>,
}
