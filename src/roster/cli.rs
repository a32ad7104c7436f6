//! `facmon roster now | at "<local time>"`: who holds each role, as a table.

use std::fmt::Write as _;
use std::time::SystemTime;

use jiff::Timestamp;

use super::{Crew, Duty, DutySource, Roster, ROLES};
use crate::config::Plan;

/// The `facmon roster` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RosterCommand {
    /// Who holds each role now.
    Now,
    /// Who holds each role at a local time of the roster's time zone, e.g. "2026-11-24 03:00".
    At {
        #[arg(value_name = "LOCAL_TIME")]
        time: String,
    },
}

/// Runs one subcommand; returns the text to print.
pub fn run(plan: &Plan, cmd: &RosterCommand, now: SystemTime) -> Result<String, String> {
    let at = match cmd {
        RosterCommand::Now => now,
        RosterCommand::At { time } => plan.roster.parse_local(time).map_err(|e| e.to_string())?,
    };
    Ok(table(&plan.roster, at))
}

/// The roster at `at`: the local time and zone, then one block per role in procedures order.
/// A role nobody holds is marked so that it cannot be missed, and listed again at the bottom.
pub fn table(roster: &Roster, at: SystemTime) -> String {
    let tz = roster.time_zone();
    let mut out = String::new();
    match Timestamp::try_from(at) {
        Ok(ts) => {
            let local = ts.to_zoned_datetime(tz.clone());
            let when = local.strftime("%Y-%m-%d %H:%M %a");
            let _ = writeln!(
                out,
                "Roster at {when}, {} (UTC{})",
                roster.time_zone_name(),
                local.offset()
            );
        }
        Err(_) => out.push_str("Roster at a time out of range\n"),
    }
    out.push('\n');
    let mut rows: Vec<[String; 4]> = vec![["ROLE".into(), "角色".into(), "ON DUTY".into(), "DECIDED BY".into()]];
    let mut vacant = Vec::new();
    for role in ROLES {
        let duty = roster.duty(role.key, at);
        let by = source(roster, &duty);
        if duty.people.is_empty() {
            vacant.push(role.key);
            rows.push([
                role.key.into(),
                role.zh.into(),
                "!! NOBODY ON DUTY 无人值班 !!".into(),
                by,
            ]);
            continue;
        }
        for (i, p) in duty.people.iter().enumerate() {
            let who = match &p.mobile {
                Some(m) => format!("{} {m}", p.name),
                None => p.name.clone(),
            };
            let (key, zh, by) = if i == 0 {
                (role.key, role.zh, by.clone())
            } else {
                ("", "", String::new())
            };
            rows.push([key.into(), zh.into(), who, by]);
        }
    }
    let widths: Vec<usize> = (0..3)
        .map(|c| rows.iter().map(|r| width(&r[c])).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c < 3 {
                line.push_str(&" ".repeat(widths[c] - width(cell) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !vacant.is_empty() {
        let _ = writeln!(
            out,
            "\n{} role(s) with nobody on duty: {}",
            vacant.len(),
            vacant.join(", ")
        );
    }
    out
}

/// What decided the duty, in a few words (also the API's `by`).
pub fn source(roster: &Roster, duty: &Duty<'_>) -> String {
    let tz = roster.time_zone();
    let local = |ts: Timestamp| tz.to_datetime(ts).strftime("%m-%d %H:%M").to_string();
    match &duty.by {
        DutySource::Override(o) => {
            let reason = if o.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", o.reason)
            };
            format!("override {} → {}{reason}", local(o.from), local(o.to))
        }
        DutySource::Shifts(running) if running.is_empty() => "no shift covers this time".into(),
        DutySource::Shifts(running) => running
            .iter()
            .map(|r| {
                let s = r.shift;
                let hours = format!("{}-{}", s.start.strftime("%H:%M"), s.end.strftime("%H:%M"));
                let mut text = match s.name == hours {
                    true => format!("shift {hours}"),
                    false => format!("shift {} {hours}", s.name),
                };
                if let (Some(w), Crew::Rota { weeks, .. }) = (r.rota_week, &s.crew) {
                    text.push_str(&format!(" (rota week {} of {})", w + 1, weeks.len()));
                }
                text
            })
            .collect::<Vec<_>>()
            .join("; "),
        DutySource::Standing if duty.people.is_empty() => "no shifts, and nobody lists this role".into(),
        DutySource::Standing => "standing role".into(),
    }
}

/// Columns a terminal gives the text: CJK and full-width characters take two.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F => 2,
            0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::tests::{roster, PEOPLE};

    #[test]
    fn the_table_shows_the_zone_who_is_on_and_why_and_marks_roles_nobody_holds() {
        let r = roster(&format!(
            "[roster]\n{PEOPLE}\
             [[roster.shifts]]\nrole = \"duty_electrician\"\nname = \"night\"\nstart = \"20:00\"\nend = \"08:00\"\n\
             rota = [[\"li\"], [\"zhao\"]]\nrota_start = \"2026-11-02\"\n\
             [[roster.shifts]]\nrole = \"mep_crew\"\nstart = \"08:00\"\nend = \"20:00\"\npeople = [\"sun\"]\n\
             [[roster.overrides]]\nrole = \"control_room\"\nfrom = \"2026-11-24 00:00\"\nto = \"2026-11-25 00:00\"\n\
             people = [\"sun\"]\nreason = \"cover for the training day\"\n"
        ));
        let text = table(&r, r.parse_local("2026-11-24 03:00").unwrap());
        assert!(
            text.starts_with("Roster at 2026-11-24 03:00 Tue, Asia/Shanghai (UTC+08"),
            "{text}"
        );
        let line = |key: &str| {
            text.lines()
                .find(|l| l.starts_with(key))
                .unwrap_or_else(|| panic!("{key}: {text}"))
        };
        let e = line("duty_electrician");
        assert!(e.contains("值班电工") && e.contains("赵强 13800000003"), "{text}");
        assert!(e.contains("shift night 20:00-08:00 (rota week 2 of 2)"), "{text}");
        assert!(
            line("mep_crew").contains("!! NOBODY ON DUTY 无人值班 !!  no shift covers this time"),
            "{text}"
        );
        assert!(
            line("control_room").contains("override 11-24 00:00 → 11-25 00:00: cover for the training day"),
            "{text}"
        );
        assert!(line("lift_duty").contains("nobody lists this role"), "{text}");
        assert!(line("supervisor").contains("王建国 13800000001") && line("supervisor").contains("standing role"));
        assert!(
            text.lines().any(|l| l.trim() == "周敏"),
            "the second supervisor has a line of their own: {text}"
        );
        assert!(
            text.ends_with("4 role(s) with nobody on duty: mep_crew, lift_duty, security, manager\n"),
            "{text}"
        );
        // The columns line up, counting a CJK character as two.
        let at = |l: &str, what: &str| width(&l[..l.find(what).unwrap()]);
        assert_eq!(at(line("ROLE"), "ON DUTY"), at(e, "赵强"));
        assert_eq!(at(line("ROLE"), "ON DUTY"), at(line("mep_crew"), "!!"));
        assert_eq!(at(line("ROLE"), "DECIDED BY"), at(e, "shift"));
    }

    #[test]
    fn roster_at_a_time_that_is_not_one_says_how_to_write_it() {
        let plan_text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml"));
        let plan = crate::config::load_str("site.toml", &plan_text.unwrap(), Some(Default::default())).unwrap();
        let e = run(
            &plan,
            &RosterCommand::At {
                time: "tomorrow 3am".into(),
            },
            SystemTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(e.contains("write it as 2026-11-24 03:00"), "{e}");
        let now = run(&plan, &RosterCommand::Now, SystemTime::UNIX_EPOCH).unwrap();
        assert!(
            now.starts_with("Roster at 1970-01-01 08:00 Thu, Asia/Shanghai"),
            "{now}"
        );
    }
}
