//! Who is told about what: a rule and its severity → the roles the procedure names.
//!
//! The defaults restate procedures.md; `[[notify.routes]]` entries are tried first, in order,
//! so a site can send DRN alarms of its car park to security as well, or keep warnings quiet.

use crate::rules::outcome::Severity;

use super::Route;

/// The roles to notify for `rule` at `severity`: the first configured route that matches,
/// else the procedure's default. Never empty for a procedure rule: `control_room` is always
/// there as the 24 h watch.
pub fn roles_for(routes: &[Route], rule: &str, severity: Severity) -> Vec<String> {
    if let Some(r) = routes.iter().find(|r| r.matches(rule, severity)) {
        return r.roles.clone();
    }
    default_roles(rule).iter().map(|r| (*r).to_owned()).collect()
}

/// The procedure's notification list per rule (procedures.md).
pub fn default_roles(rule: &str) -> &'static [&'static str] {
    match rule {
        // Fire alarm: everyone with a task in the fire plan.
        "FIRE-01" => &[
            "control_room",
            "security",
            "supervisor",
            "duty_electrician",
            "mep_crew",
            "lift_duty",
        ],
        // Escalations go up the roster.
        "PWR-05" => &["supervisor", "manager", "control_room"],
        "WAT-05" => &["manager", "supervisor", "control_room"],
        _ => match rule.split('-').next().unwrap_or_default() {
            // Outage: lifts checked for trapped passengers, guards for site security.
            "PWR" => &["duty_electrician", "control_room", "lift_duty", "security"],
            "WAT" | "DRN" => &["mep_crew", "control_room"],
            "FIRE" => &["mep_crew", "control_room"],
            "COM" => &["duty_electrician", "control_room"],
            _ => &["control_room"],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_wakes_the_duty_electrician_the_control_room_lift_duty_and_security() {
        assert_eq!(
            roles_for(&[], "PWR-01", Severity::Major),
            ["duty_electrician", "control_room", "lift_duty", "security"]
        );
    }

    #[test]
    fn a_fire_alarm_reaches_every_role_of_the_fire_plan_but_a_panel_fault_only_the_crew() {
        assert_eq!(roles_for(&[], "FIRE-01", Severity::Critical).len(), 6);
        assert_eq!(roles_for(&[], "FIRE-02", Severity::Major), ["mep_crew", "control_room"]);
    }

    #[test]
    fn a_configured_route_wins_over_the_default_when_rule_and_severity_match() {
        let routes = vec![Route {
            rules: vec!["DRN-*".into()],
            severities: vec![Severity::Critical],
            roles: vec!["security".into()],
        }];
        assert_eq!(roles_for(&routes, "DRN-02", Severity::Critical), ["security"]);
        assert_eq!(
            roles_for(&routes, "DRN-01", Severity::Major),
            ["mep_crew", "control_room"]
        );
        assert_eq!(
            roles_for(&routes, "WAT-01", Severity::Critical),
            ["mep_crew", "control_room"]
        );
    }
}
