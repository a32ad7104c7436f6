//! Suppression by design: consequential alarms stay quiet while their root cause is active,
//! and say which cause holds them.
//!
//! The procedures make these dependencies plain: a pump that stopped because the mains
//! failed (and is not on backup supply) is not a pump fault; a sump pump that cannot run in
//! a blackout is not blocked. Listing them here keeps a mains failure from paging the
//! plumbing crew about every pump in the building.

/// (consequence rule, cause rule): the consequence is suppressed while the cause is active
/// anywhere on the site.
const BY_DESIGN: &[(&str, &str)] = &[
    ("WAT-01", "PWR-01"),
    ("WAT-02", "PWR-01"),
    ("WAT-03", "PWR-01"),
    ("DRN-03", "PWR-01"),
    ("DRN-04", "PWR-01"),
    ("FIRE-03", "PWR-01"),
    // While the outage runs, "not in AUTO" is part of PWR-02's diagnosis, not a readiness warning.
    ("PWR-04", "PWR-01"),
    // A device we cannot see makes the alarms it feeds unknown; COM-01 carries the news.
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
