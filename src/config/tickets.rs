//! `[tickets]`: which alarms open a work order, and the response-time commitments (SLA-01…05).
//!
//! ```toml
//! [tickets]
//! open_for = ["major", "critical"]   # alarm severities that open a ticket
//! critical_on_site_min = 5           # SLA-01
//! urgent_on_site_min = 15            # SLA-02 (power or water, major)
//! normal_on_site_min = 30            # SLA-03
//! follow_up_h = 48                   # SLA-04, after resolution
//! target_pct = 98.0                  # SLA-05, per month
//! export_channel = "cmms"            # a [notify] channel that receives ticket events
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::error::Issues;
use crate::rules::outcome::Severity;
use crate::ticket::TicketPlan;

/// `[tickets]` as written. Every key is optional; absent keys take the procedures' values.
#[derive(Debug, Default, Deserialize)]
pub struct RawTickets {
    /// Alarm severities that open a ticket (`info`, `warning`, `major`, `critical`,
    /// `escalation`). Default `["major", "critical"]`; `[]` = no automatic tickets.
    pub open_for: Option<Vec<String>>,
    /// SLA-01: minutes to be on site after a critical alarm. Default 5.
    pub critical_on_site_min: Option<u64>,
    /// SLA-02: minutes to be on site for an urgent repair (power or water, major). Default 15.
    pub urgent_on_site_min: Option<u64>,
    /// SLA-03: minutes to be on site for any other repair. Default 30.
    pub normal_on_site_min: Option<u64>,
    /// SLA-04: hours after resolution to make the follow-up call (回访). Default 48.
    pub follow_up_h: Option<u64>,
    /// SLA-05: percentage of tickets on time each month. Default 98.
    pub target_pct: Option<f64>,
    /// A `[notify]` channel id that receives every ticket event (CMMS webhook). Default none.
    pub export_channel: Option<String>,
}

const SEVERITIES: [Severity; 5] = [
    Severity::Info,
    Severity::Warning,
    Severity::Major,
    Severity::Critical,
    Severity::Escalation,
];

pub(super) fn resolve(raw: Option<&RawTickets>, issues: &mut Issues) -> TicketPlan {
    let d = TicketPlan::default();
    let Some(r) = raw else { return d };
    let mut open_for = Vec::new();
    for (i, name) in r.open_for.iter().flatten().enumerate() {
        match SEVERITIES.iter().find(|s| s.as_str() == name) {
            Some(s) if !open_for.contains(s) => open_for.push(*s),
            Some(_) => {}
            None => issues.push(
                format!("tickets.open_for[{i}]"),
                format!("\"{name}\" is not a severity"),
                "use info, warning, major, critical or escalation",
            ),
        }
    }
    let mut minutes = |key: &str, v: Option<u64>, default: Duration, unit: u64| match v {
        Some(0) => {
            issues.push(
                format!("tickets.{key}"),
                "must be greater than 0",
                "remove it for the procedure's value",
            );
            default
        }
        Some(v) => Duration::from_secs(v.saturating_mul(unit)),
        None => default,
    };
    let critical = minutes("critical_on_site_min", r.critical_on_site_min, d.critical_on_site, 60);
    let urgent = minutes("urgent_on_site_min", r.urgent_on_site_min, d.urgent_on_site, 60);
    let normal = minutes("normal_on_site_min", r.normal_on_site_min, d.normal_on_site, 60);
    let follow_up = minutes("follow_up_h", r.follow_up_h, d.follow_up, 3600);
    if !(critical <= urgent && urgent <= normal) {
        issues.push(
            "tickets.urgent_on_site_min",
            format!(
                "the on-site times are not in order: critical {} min, urgent {} min, normal {} min",
                critical.as_secs() / 60,
                urgent.as_secs() / 60,
                normal.as_secs() / 60
            ),
            "a more urgent ticket must not get more time: critical ≤ urgent ≤ normal",
        );
    }
    let target_pct = match r.target_pct {
        Some(p) if !(p > 0.0 && p <= 100.0) => {
            issues.push(
                "tickets.target_pct",
                format!("{p} is not a percentage"),
                "use a value in (0, 100], e.g. 98",
            );
            d.target_pct
        }
        Some(p) => p,
        None => d.target_pct,
    };
    let export_channel = r.export_channel.clone();
    if let Some(c) = &export_channel {
        if c.is_empty() || !c.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            issues.push(
                "tickets.export_channel",
                format!("\"{c}\" is not a channel id"),
                "give the id of a [notify] channel (letters, digits, - and _)",
            );
        }
    }
    TicketPlan {
        open_for: if r.open_for.is_some() { open_for } else { d.open_for },
        critical_on_site: critical,
        urgent_on_site: urgent,
        normal_on_site: normal,
        follow_up,
        target_pct,
        export_channel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_str;

    const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");

    fn plan(extra: &str) -> Result<TicketPlan, Vec<(String, String)>> {
        let text = std::fs::read_to_string(MINIMAL).unwrap();
        load_str("site.toml", &format!("{text}\n{extra}"), Some(Default::default()))
            .map(|p| p.tickets)
            .map_err(|e| e.issues.into_iter().map(|i| (i.key, i.problem)).collect())
    }

    #[test]
    fn without_a_tickets_section_the_procedures_values_apply() {
        assert_eq!(plan("").unwrap(), TicketPlan::default());
        let d = TicketPlan::default();
        assert_eq!((d.critical_on_site.as_secs(), d.urgent_on_site.as_secs()), (300, 900));
        assert_eq!((d.normal_on_site.as_secs(), d.follow_up.as_secs()), (1800, 48 * 3600));
    }

    #[test]
    fn a_site_sets_its_own_times_and_severities() {
        let p = plan(
            "[tickets]\nopen_for = [\"critical\"]\ncritical_on_site_min = 3\nfollow_up_h = 24\ntarget_pct = 95\nexport_channel = \"cmms\"\n",
        )
        .unwrap();
        assert_eq!(p.open_for, vec![Severity::Critical]);
        assert_eq!((p.critical_on_site.as_secs(), p.follow_up.as_secs()), (180, 24 * 3600));
        assert_eq!((p.target_pct, p.export_channel.as_deref()), (95.0, Some("cmms")));
    }

    #[test]
    fn ticket_mistakes_are_all_reported_with_their_keys() {
        let issues = plan(
            "[tickets]\nopen_for = [\"severe\"]\nnormal_on_site_min = 0\ncritical_on_site_min = 20\ntarget_pct = 180\nexport_channel = \"a b\"\n",
        )
        .unwrap_err();
        let keys: Vec<&str> = issues.iter().map(|(k, _)| k.as_str()).collect();
        for key in [
            "tickets.open_for[0]",
            "tickets.normal_on_site_min",
            "tickets.urgent_on_site_min",
            "tickets.target_pct",
            "tickets.export_channel",
        ] {
            assert!(keys.contains(&key), "{key} missing from {issues:?}");
        }
    }
}
