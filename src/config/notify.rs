//! `[notify]`: notification channels, routes from rules to roles, repeats.
//! (Stub: filled in by the notification work.)

use serde::Deserialize;

use super::error::Issues;
use super::plan::{MqttBroker, Site};
use super::Secrets;
use crate::notify::NotifyPlan;
use crate::roster::Roster;

/// `[notify]` as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawNotify {}

pub(super) fn resolve(
    raw: Option<&RawNotify>,
    site: &Site,
    brokers: &[MqttBroker],
    roster: &Roster,
    secrets: &Secrets,
    issues: &mut Issues,
) -> NotifyPlan {
    let _ = (raw, site, brokers, roster, secrets, issues);
    NotifyPlan::default()
}
