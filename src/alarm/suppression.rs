//! Suppression by design: consequential alarms stay quiet while their root cause is active,
//! and say which cause holds them.
//!
//! The procedures make these dependencies plain: a pump that stopped because the mains
//! failed (and is not on backup supply) is not a pump fault; a sump pump that cannot run in
//! a blackout is not blocked. Listing them here keeps a mains failure from paging the
//! plumbing crew about every pump in the building.

/// (consequence rule, cause rule): the consequence is suppressed while the cause is active
/// anywhere on the site.
///
/// Pump alarms are suppressed by PWR-02 / PWR-03 ("the load is not on backup power"), not by
/// PWR-01 alone: once the generator carries the load, a pump that trips is a real fault and
/// must be heard (a duty pump lost on generator power is exactly WAT-02's emergency).
const BY_DESIGN: &[(&str, &str)] = &[
    ("WAT-01", "PWR-02"),
    ("WAT-01", "PWR-03"),
    ("WAT-02", "PWR-02"),
    ("WAT-02", "PWR-03"),
    ("WAT-03", "PWR-02"),
    ("WAT-03", "PWR-03"),
    ("DRN-03", "PWR-02"),
    ("DRN-03", "PWR-03"),
    ("DRN-04", "PWR-02"),
    ("DRN-04", "PWR-03"),
    ("FIRE-03", "PWR-02"),
    ("FIRE-03", "PWR-03"),
    // During an outage, "not in AUTO" is part of PWR-02's diagnosis, not a readiness warning.
    ("PWR-04", "PWR-01"),
    // The in-service feed lost (PWR-07) explains the standby one being down too.
    ("PWR-06", "PWR-07"),
];

/// The rule that suppresses `rule` when `active_rules` are active, if any.
pub fn suppressing_cause<'a>(
    rule: &str,
    active_rules: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'static str> {
    BY_DESIGN
        .iter()
        .find(|(consequence, cause)| *consequence == rule && active_rules.clone().into_iter().any(|r| r == *cause))
        .map(|(_, cause)| *cause)
}
