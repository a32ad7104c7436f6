//! `[roster]`: people, their roles and contacts, shifts, rotas and overrides, checked.
//!
//! Every mistake is reported with its key; nothing is guessed. In particular a person who lists
//! a role that has shifts is an error (the shifts decide that role, so the entry would be
//! silently ignored), and a local time that daylight saving skips or repeats is refused.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::error::Issues;
use super::plan::Site;
use crate::roster::{
    local_to_timestamp, parse_civil, parse_date, parse_time, role, role_keys, Crew, Days, Override, Person, Roster,
    Shift, Standing, Zone,
};

/// `[roster]` as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawRoster {
    /// IANA time zone the shifts and overrides are written in. Default: `[site] timezone`.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub people: Vec<RawPerson>,
    #[serde(default)]
    pub shifts: Vec<RawShift>,
    #[serde(default)]
    pub overrides: Vec<RawOverride>,
}

/// `[[roster.people]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawPerson {
    /// Letters, digits, `-`, `_`; shifts and overrides name people by it.
    pub id: String,
    /// Shown in the roster and in notifications. Default: the id.
    #[serde(default)]
    pub name: Option<String>,
    /// Digits with an optional leading `+`; used for @-mentions in WeCom/DingTalk.
    #[serde(default)]
    pub mobile: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Notification channel ids, checked by `[notify]`.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Roles held at all times; only for roles that have no shifts.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `[[roster.shifts]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawShift {
    pub role: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `HH:MM` local time.
    pub start: String,
    /// `HH:MM`; at or before `start` means the next day (equal: a 24 h shift).
    pub end: String,
    /// Days the shift starts on, `mon`…`sun`. Default: every day.
    #[serde(default)]
    pub days: Option<Vec<String>>,
    /// A fixed crew (person ids). Give this or `rota`.
    #[serde(default)]
    pub people: Option<Vec<String>>,
    /// A weekly rota: one crew per week, repeating.
    #[serde(default)]
    pub rota: Option<Vec<Vec<String>>>,
    /// `YYYY-MM-DD`, a Monday: the first week of `rota`.
    #[serde(default)]
    pub rota_start: Option<String>,
}

/// `[[roster.overrides]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawOverride {
    pub role: String,
    /// `YYYY-MM-DD HH:MM` local time, inclusive.
    pub from: String,
    /// `YYYY-MM-DD HH:MM` local time, exclusive.
    pub to: String,
    /// Who holds the role instead (person ids).
    pub people: Vec<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

pub(super) fn resolve(raw: Option<&RawRoster>, site: &Site, issues: &mut Issues) -> Roster {
    let empty = RawRoster::default();
    let raw = raw.unwrap_or(&empty);
    let mut r = Roster {
        time_zone: time_zone(raw, site, issues),
        ..Roster::default()
    };
    let tz = r.time_zone.0.clone();
    people(raw, &mut r, issues);
    let known: Vec<String> = r.people.iter().map(|p| p.id.clone()).collect();
    let check_ids = |at: &str, ids: &[String], issues: &mut Issues| {
        if ids.is_empty() {
            issues.push(at, "names nobody", "name at least one person id from [[roster.people]]");
        }
        for id in ids.iter().filter(|id| !known.contains(id)) {
            issues.push(
                at,
                format!("unknown person \"{id}\""),
                format!(
                    "add a [[roster.people]] with id = \"{id}\", or use one of: {}",
                    known.join(", ")
                ),
            );
        }
    };
    for (i, s) in raw.shifts.iter().enumerate() {
        if let Some(shift) = shift(&format!("roster.shifts[{i}]"), s, &check_ids, issues) {
            r.shifts.push(shift);
        }
    }
    for (i, o) in raw.overrides.iter().enumerate() {
        let at = format!("roster.overrides[{i}]");
        check_role(&format!("{at}.role"), &o.role, issues);
        check_ids(&format!("{at}.people"), &o.people, issues);
        let from = local(&format!("{at}.from"), &o.from, &tz, issues);
        let to = local(&format!("{at}.to"), &o.to, &tz, issues);
        if let (Some(from), Some(to)) = (from, to) {
            if from >= to {
                issues.push(
                    format!("{at}.to"),
                    "the window is empty: `to` is not after `from`",
                    "give `to` a later time than `from`",
                );
            }
            r.overrides.push(Override {
                role: o.role.clone(),
                from,
                to,
                people: o.people.clone(),
                reason: o.reason.clone().unwrap_or_default(),
            });
        }
    }
    for (i, p) in raw.people.iter().enumerate() {
        for (j, key) in p.roles.iter().enumerate() {
            if raw.shifts.iter().any(|s| &s.role == key) {
                issues.push(
                    format!("roster.people[{i}].roles[{j}]"),
                    format!("{key} has shifts, so the shifts decide who holds it"),
                    format!("remove \"{key}\" here and put {} in a shift or an override", p.id),
                );
            }
        }
    }
    r
}

fn time_zone(raw: &RawRoster, site: &Site, issues: &mut Issues) -> Zone {
    let (key, name) = match &raw.time_zone {
        Some(name) => ("roster.time_zone", name.as_str()),
        None => ("site.timezone", site.timezone.as_str()),
    };
    match TimeZone::get(name) {
        Ok(tz) => Zone(tz),
        Err(_) => {
            issues.push(
                key,
                format!("unknown time zone \"{name}\""),
                "use an IANA time zone name such as Asia/Shanghai or Asia/Hong_Kong",
            );
            Zone::default()
        }
    }
}

fn people(raw: &RawRoster, r: &mut Roster, issues: &mut Issues) {
    for (i, p) in raw.people.iter().enumerate() {
        let at = format!("roster.people[{i}]");
        if p.id.is_empty() || !p.id.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            issues.push(
                format!("{at}.id"),
                format!("\"{}\" is not a usable id", p.id),
                "use letters, digits, - and _",
            );
        } else if r.people.iter().any(|q| q.id == p.id) {
            issues.push(
                format!("{at}.id"),
                format!("duplicate id \"{}\"", p.id),
                "give each person their own id",
            );
            continue;
        }
        let mobile = p.mobile.as_deref().map(str::trim).filter(|m| !m.is_empty());
        if let Some(m) = mobile {
            let digits = m.strip_prefix('+').unwrap_or(m);
            if !(5..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                issues.push(
                    format!("{at}.mobile"),
                    format!("\"{m}\" is not a mobile number"),
                    "write the digits only, e.g. \"13800000001\" or \"+85291234567\" (it must match the chat account)",
                );
            }
        }
        let email = p.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            let ok = e
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
            if !ok || e.contains(char::is_whitespace) {
                issues.push(
                    format!("{at}.email"),
                    format!("\"{e}\" is not an e-mail address"),
                    "write name@example.com",
                );
            }
        }
        for (j, key) in p.roles.iter().enumerate() {
            let standing = Standing {
                role: key.clone(),
                person: p.id.clone(),
            };
            if check_role(&format!("{at}.roles[{j}]"), key, issues) && !r.standing.contains(&standing) {
                r.standing.push(standing);
            }
        }
        r.people.push(Person {
            id: p.id.clone(),
            name: p
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| p.id.clone()),
            mobile: mobile.map(str::to_string),
            email: email.map(str::to_string),
            channels: p.channels.clone(),
        });
    }
}

fn shift(
    at: &str,
    s: &RawShift,
    check_ids: &dyn Fn(&str, &[String], &mut Issues),
    issues: &mut Issues,
) -> Option<Shift> {
    check_role(&format!("{at}.role"), &s.role, issues);
    let time = |key: &str, text: &str, issues: &mut Issues| {
        let t = parse_time(text.trim(), false);
        if t.is_none() {
            issues.push(
                format!("{at}.{key}"),
                format!("\"{text}\" is not a time of day"),
                "write HH:MM, e.g. \"08:00\"",
            );
        }
        t
    };
    let start = time("start", &s.start, issues);
    let end = time("end", &s.end, issues);
    let mut days = Days::ALL;
    if let Some(names) = &s.days {
        days = Days::NONE;
        for (j, name) in names.iter().enumerate() {
            match Days::from_name(&name.trim().to_lowercase()) {
                Some(d) => days = days.with(d),
                None => issues.push(
                    format!("{at}.days[{j}]"),
                    format!("\"{name}\" is not a day"),
                    "use mon, tue, wed, thu, fri, sat, sun",
                ),
            }
        }
        if names.is_empty() {
            issues.push(
                format!("{at}.days"),
                "the shift never starts",
                "list the days it starts, or remove `days` for every day",
            );
        }
    }
    let crew = match (&s.people, &s.rota) {
        (Some(people), None) => {
            check_ids(&format!("{at}.people"), people, issues);
            if s.rota_start.is_some() {
                issues.push(
                    format!("{at}.rota_start"),
                    "rota_start without a rota",
                    "remove it, or replace `people` with `rota`",
                );
            }
            Some(Crew::Fixed(people.clone()))
        }
        (None, Some(weeks)) => {
            if weeks.is_empty() {
                issues.push(
                    format!("{at}.rota"),
                    "the rota has no weeks",
                    "give one list of person ids per week",
                );
            }
            for (w, crew) in weeks.iter().enumerate() {
                check_ids(&format!("{at}.rota[{w}]"), crew, issues);
            }
            rota_start(at, s.rota_start.as_deref(), issues).map(|start| Crew::Rota {
                weeks: weeks.clone(),
                start,
            })
        }
        (Some(_), Some(_)) => {
            issues.push(
                format!("{at}.rota"),
                "both `people` and `rota` are given",
                "keep one: a fixed crew or a weekly rota",
            );
            None
        }
        (None, None) => {
            issues.push(
                format!("{at}.people"),
                "the shift has nobody",
                "give `people = [...]` or `rota = [[...], [...]]`",
            );
            None
        }
    };
    let (start, end, crew) = (start?, end?, crew?);
    let name = s.name.clone().filter(|n| !n.trim().is_empty());
    Some(Shift {
        role: s.role.clone(),
        name: name.unwrap_or_else(|| format!("{}-{}", start.strftime("%H:%M"), end.strftime("%H:%M"))),
        start,
        end,
        days,
        crew,
    })
}

fn rota_start(at: &str, text: Option<&str>, issues: &mut Issues) -> Option<jiff::civil::Date> {
    let key = format!("{at}.rota_start");
    let Some(text) = text else {
        issues.push(
            key,
            "a rota needs rota_start",
            "set rota_start = \"YYYY-MM-DD\", the Monday of the rota's first week",
        );
        return None;
    };
    let Some(date) = parse_date(text.trim()) else {
        issues.push(
            key,
            format!("\"{text}\" is not a date"),
            "write YYYY-MM-DD, e.g. \"2026-11-02\"",
        );
        return None;
    };
    if date.weekday() != Weekday::Monday {
        issues.push(
            key,
            format!("{text} is a {:?}, not a Monday", date.weekday()),
            "give the Monday of the rota's first week (rota weeks run Monday to Sunday)",
        );
        return None;
    }
    Some(date)
}

fn local(key: &str, text: &str, tz: &TimeZone, issues: &mut Issues) -> Option<jiff::Timestamp> {
    let Some(dt) = parse_civil(text) else {
        issues.push(
            key,
            format!("\"{text}\" is not a local time"),
            "write YYYY-MM-DD HH:MM, e.g. \"2026-11-24 20:00\"",
        );
        return None;
    };
    match local_to_timestamp(tz, dt) {
        Ok(ts) => Some(ts),
        Err(e) => {
            issues.push(key, e.to_string(), "move it out of the daylight-saving change");
            None
        }
    }
}

/// Reports an unknown role key; true when the key is known.
fn check_role(key: &str, value: &str, issues: &mut Issues) -> bool {
    if role(value).is_some() {
        return true;
    }
    issues.push(
        key,
        format!("unknown role \"{value}\""),
        format!("use one of: {}", role_keys()),
    );
    false
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::load_str;

    const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");

    /// The issues of the minimal config with `extra` appended, as (key, problem, hint).
    fn issues(extra: &str) -> Vec<(String, String, String)> {
        let text = std::fs::read_to_string(MINIMAL).unwrap();
        match load_str("site.toml", &format!("{text}\n{extra}"), Some(HashMap::new())) {
            Ok(_) => Vec::new(),
            Err(e) => e.issues.into_iter().map(|i| (i.key, i.problem, i.hint)).collect(),
        }
    }

    const MISTAKES: &str = r#"
[roster]
time_zone = "Asia/Beijing"
[[roster.people]]
id = "li"
mobile = "138-0000"
email = "li at example"
roles = ["boss"]
[[roster.people]]
id = "li"
[[roster.people]]
id = "wang"
roles = ["duty_electrician"]
[[roster.shifts]]
role = "electrician"
start = "8am"
end = "25:00"
days = ["monday"]
people = ["nobody"]
[[roster.shifts]]
role = "duty_electrician"
start = "20:00"
end = "08:00"
rota = [["li"], []]
rota_start = "2026-11-03"
[[roster.shifts]]
role = "mep_crew"
start = "08:00"
end = "20:00"
people = ["li"]
rota = [["li"]]
[[roster.shifts]]
role = "lift_duty"
start = "08:00"
end = "20:00"
[[roster.shifts]]
role = "security"
start = "08:00"
end = "20:00"
rota = [["li"]]
[[roster.shifts]]
role = "security"
start = "08:00"
end = "20:00"
days = []
people = ["li"]
rota_start = "2026-11-02"
[[roster.overrides]]
role = "supervisor"
from = "2026-11-25 08:00"
to = "2026-11-24 08:00"
people = []
[[roster.overrides]]
role = "managr"
from = "tomorrow"
to = "2026-11-24"
people = ["ghost"]
"#;

    #[test]
    fn every_roster_mistake_is_reported_with_its_key() {
        let found = issues(MISTAKES);
        let keys: Vec<&str> = found.iter().map(|(k, _, _)| k.as_str()).collect();
        let expected = [
            "roster.time_zone",
            "roster.people[0].mobile",
            "roster.people[0].email",
            "roster.people[0].roles[0]",
            "roster.people[1].id",
            "roster.shifts[0].role",
            "roster.shifts[0].start",
            "roster.shifts[0].end",
            "roster.shifts[0].days[0]",
            "roster.shifts[0].people",
            "roster.shifts[1].rota[1]",
            "roster.shifts[1].rota_start",
            "roster.shifts[2].rota",
            "roster.shifts[3].people",
            "roster.shifts[4].rota_start",
            "roster.shifts[5].days",
            "roster.shifts[5].rota_start",
            "roster.overrides[0].people",
            "roster.overrides[0].to",
            "roster.overrides[1].role",
            "roster.overrides[1].people",
            "roster.overrides[1].from",
            "roster.overrides[1].to",
            "roster.people[2].roles[0]",
        ];
        for key in expected {
            assert!(keys.contains(&key), "{key} missing from {found:#?}");
        }
        assert_eq!(keys.len(), expected.len(), "{found:#?}");
    }

    #[test]
    fn roster_issues_say_what_to_write_instead() {
        let found = issues(MISTAKES);
        let get = |key: &str| found.iter().find(|(k, _, _)| k == key).unwrap();
        let (_, problem, hint) = get("roster.shifts[0].role");
        assert_eq!(problem, "unknown role \"electrician\"");
        assert!(hint.contains("duty_electrician, mep_crew, control_room, lift_duty, security, supervisor, manager"));
        let (_, problem, hint) = get("roster.shifts[0].people");
        assert_eq!(
            (problem.as_str(), hint.contains("li, wang")),
            ("unknown person \"nobody\"", true),
            "{hint}"
        );
        assert!(get("roster.shifts[1].rota_start").1.contains("not a Monday"));
        assert!(get("roster.people[2].roles[0]")
            .2
            .contains("put wang in a shift or an override"));
        assert!(get("roster.time_zone").2.contains("Asia/Shanghai"));
        assert!(get("roster.shifts[0].start").2.contains("HH:MM"));
    }

    #[test]
    fn a_roster_without_a_time_zone_takes_the_site_one_and_a_bad_site_zone_is_reported_there() {
        let text = std::fs::read_to_string(MINIMAL).unwrap();
        let with_zone = text.replace("[site]\n", "[site]\ntimezone = \"Asia/Hong_Kong\"\n");
        let plan = load_str("site.toml", &with_zone, Some(HashMap::new())).unwrap();
        assert_eq!(plan.roster.time_zone_name(), "Asia/Hong_Kong");
        let bad = text.replace("[site]\n", "[site]\ntimezone = \"Beijing\"\n");
        let e = load_str("site.toml", &bad, Some(HashMap::new())).unwrap_err();
        assert_eq!(e.issues[0].key, "site.timezone", "{e}");
        assert_eq!(e.issues[0].problem, "unknown time zone \"Beijing\"");
    }

    #[test]
    fn an_override_in_a_daylight_saving_gap_is_refused() {
        let found = issues(
            "[roster]\ntime_zone = \"America/New_York\"\n[[roster.people]]\nid = \"li\"\n\
             [[roster.overrides]]\nrole = \"manager\"\nfrom = \"2026-03-08 02:30\"\nto = \"2026-03-09 08:00\"\npeople = [\"li\"]\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "roster.overrides[0].from");
        assert!(found[0].1.contains("does not exist in America/New_York"), "{found:?}");
    }
}
