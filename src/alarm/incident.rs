//! Incidents: alarms that share a root cause are one incident, so tickets and notifications
//! follow incidents, not alarm toggles. PWR-01 + PWR-02 + PWR-05 (+ PWR-03, PWR-08 and the
//! PWR-09 recovery checklist) are one outage.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::AlarmKey;

/// What kind of incident an alarm belongs to, and its anchor: the site for an outage, the
/// equipment otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IncidentClass {
    pub family: IncidentFamily,
    pub anchor: String,
}

/// What an incident is about; tickets take their category from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentFamily {
    /// Loss of the utility supply and everything that follows from it, site-wide.
    Outage,
    /// Other power faults of one piece of equipment (PWR-04, PWR-10).
    Power,
    /// Loss of domestic water supply, site-wide.
    WaterSupply,
    Water,
    Drainage,
    /// A fire alarm or fire-pump event, site-wide.
    Fire,
    /// Overdue fire-system tests of one piece of equipment.
    FireMaintenance,
    Comms,
    Other,
}

impl IncidentClass {
    /// The class of a rule's alarm on a piece of equipment.
    pub fn of(key: &AlarmKey) -> IncidentClass {
        let rule = key.rule.as_str();
        use IncidentFamily::*;
        let (family, site_wide) = match rule {
            // Losing the utility feeds is how an outage starts: one incident.
            "PWR-01" | "PWR-02" | "PWR-03" | "PWR-05" | "PWR-06" | "PWR-07" | "PWR-08" | "PWR-09" => (Outage, true),
            r if r.starts_with("PWR-") => (Power, false),
            "WAT-01" | "WAT-02" | "WAT-03" | "WAT-05" => (WaterSupply, true),
            r if r.starts_with("WAT-") => (Water, false),
            r if r.starts_with("DRN-") => (Drainage, false),
            "FIRE-01" | "FIRE-02" | "FIRE-03" => (Fire, true),
            r if r.starts_with("FIRE-") => (FireMaintenance, false),
            r if r.starts_with("COM-") => (Comms, false),
            _ => (Other, false),
        };
        let anchor = if site_wide {
            "site".to_string()
        } else {
            key.equipment.clone()
        };
        IncidentClass { family, anchor }
    }
}

/// One incident and the alarms in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: u64,
    pub class: IncidentClass,
    pub opened_at: SystemTime,
    pub closed_at: Option<SystemTime>,
    /// Every alarm that was part of it, in the order they joined.
    pub alarms: Vec<AlarmKey>,
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}
