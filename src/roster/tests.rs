//! Who is on duty when: shifts, rotas, overrides, standing roles and time zones.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use jiff::Timestamp;

use super::*;
use crate::config::load_str;

const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");

/// Five people; `wang` and `zhou` are supervisors at all times.
pub(crate) const PEOPLE: &str = r#"
[[roster.people]]
id = "li"
name = "李明"
mobile = "13800000002"
[[roster.people]]
id = "zhao"
name = "赵强"
mobile = "13800000003"
[[roster.people]]
id = "sun"
name = "孙伟"
[[roster.people]]
id = "wang"
name = "王建国"
mobile = "13800000001"
email = "wang@example.com"
channels = ["duty-hook"]
roles = ["supervisor"]
[[roster.people]]
id = "zhou"
name = "周敏"
roles = ["supervisor"]
"#;

/// The roster of the minimal site config with `toml` appended (which must start with
/// `[roster]` unless it only adds tables under it).
pub(crate) fn roster(toml: &str) -> Roster {
    let text = std::fs::read_to_string(MINIMAL).unwrap();
    // The channel people name must exist.
    let channel = "[[notify.channels]]\nid = \"duty-hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\n";
    match load_str("site.toml", &format!("{text}\n{channel}\n{toml}"), Some(HashMap::new())) {
        Ok(plan) => plan.roster,
        Err(e) => panic!("{e}"),
    }
}

fn utc(text: &str) -> SystemTime {
    SystemTime::try_from(text.parse::<Timestamp>().unwrap()).unwrap()
}

fn at(r: &Roster, local: &str) -> SystemTime {
    r.parse_local(local).unwrap()
}

fn who<'a>(r: &'a Roster, role: &str, local: &str) -> Vec<&'a str> {
    r.on_duty(role, at(r, local)).iter().map(|p| p.id.as_str()).collect()
}

const ELECTRICIANS: &str = r#"
[[roster.shifts]]
role = "duty_electrician"
name = "day"
start = "08:00"
end = "20:00"
people = ["zhao"]
[[roster.shifts]]
role = "duty_electrician"
name = "night"
start = "20:00"
end = "08:00"
days = ["mon", "wed", "thu", "fri", "sat", "sun"]
people = ["li"]
"#;

#[test]
fn at_03_00_tuesday_the_monday_night_shift_is_on_duty() {
    let r = roster(&format!("[roster]\n{PEOPLE}{ELECTRICIANS}"));
    assert_eq!(who(&r, "duty_electrician", "2026-11-24 03:00"), ["li"]);
    let duty = r.duty("duty_electrician", at(&r, "2026-11-24 03:00"));
    let DutySource::Shifts(running) = duty.by else {
        panic!("{duty:?}")
    };
    assert_eq!(
        (running[0].shift.name.as_str(), running[0].day.to_string()),
        ("night", "2026-11-23".into())
    );
}

#[test]
fn a_night_shift_that_does_not_start_on_a_day_leaves_that_night_uncovered() {
    let r = roster(&format!("[roster]\n{PEOPLE}{ELECTRICIANS}"));
    // No night shift starts on Tuesday: Tuesday night and the small hours of Wednesday are open.
    assert!(who(&r, "duty_electrician", "2026-11-24 21:00").is_empty());
    assert!(who(&r, "duty_electrician", "2026-11-25 03:00").is_empty());
    let duty = r.duty("duty_electrician", at(&r, "2026-11-25 03:00"));
    assert!(matches!(duty.by, DutySource::Shifts(ref s) if s.is_empty()), "{duty:?}");
    // The shift ends at 08:00 sharp and the day shift begins then.
    assert_eq!(who(&r, "duty_electrician", "2026-11-24 07:59:59"), ["li"]);
    assert_eq!(who(&r, "duty_electrician", "2026-11-24 08:00"), ["zhao"]);
}

#[test]
fn a_weekly_rota_turns_over_on_monday_and_a_sunday_night_belongs_to_its_own_week() {
    let r = roster(&format!(
        "[roster]\n{PEOPLE}[[roster.shifts]]\nrole = \"duty_electrician\"\nstart = \"20:00\"\nend = \"08:00\"\n\
         rota = [[\"li\"], [\"zhao\"], [\"sun\"]]\nrota_start = \"2026-11-02\"\n"
    ));
    assert_eq!(who(&r, "duty_electrician", "2026-11-02 21:00"), ["li"]);
    assert_eq!(who(&r, "duty_electrician", "2026-11-08 21:00"), ["li"]);
    assert_eq!(
        who(&r, "duty_electrician", "2026-11-09 03:00"),
        ["li"],
        "Sunday night is week 0's"
    );
    assert_eq!(who(&r, "duty_electrician", "2026-11-09 21:00"), ["zhao"]);
    assert_eq!(who(&r, "duty_electrician", "2026-11-16 21:00"), ["sun"]);
    assert_eq!(
        who(&r, "duty_electrician", "2026-11-23 21:00"),
        ["li"],
        "the rota repeats"
    );
    assert_eq!(
        who(&r, "duty_electrician", "2026-10-26 21:00"),
        ["sun"],
        "and runs backwards too"
    );
    assert_eq!(
        r.shifts()[0].name,
        "20:00-08:00",
        "an unnamed shift is called by its hours"
    );
}

const SWAP: &str = r#"
[[roster.overrides]]
role = "duty_electrician"
from = "2026-11-23 20:00"
to = "2026-11-24 08:00"
people = ["zhao"]
reason = "swap with li"
"#;

#[test]
fn a_swap_wins_over_the_shifts_only_inside_its_window() {
    let r = roster(&format!("[roster]\n{PEOPLE}{ELECTRICIANS}{SWAP}"));
    assert_eq!(
        who(&r, "duty_electrician", "2026-11-16 21:00"),
        ["li"],
        "the Monday before"
    );
    assert_eq!(who(&r, "duty_electrician", "2026-11-23 19:59"), ["zhao"]);
    assert!(matches!(
        r.duty("duty_electrician", at(&r, "2026-11-23 19:59")).by,
        DutySource::Shifts(_)
    ));
    assert_eq!(who(&r, "duty_electrician", "2026-11-23 20:00"), ["zhao"]);
    let duty = r.duty("duty_electrician", at(&r, "2026-11-24 03:00"));
    assert!(
        matches!(duty.by, DutySource::Override(o) if o.reason == "swap with li"),
        "{duty:?}"
    );
    assert_eq!(who(&r, "duty_electrician", "2026-11-24 07:59"), ["zhao"]);
    assert!(matches!(
        r.duty("duty_electrician", at(&r, "2026-11-24 08:00")).by,
        DutySource::Shifts(_)
    ));
    assert_eq!(
        who(&r, "duty_electrician", "2026-11-25 21:00"),
        ["li"],
        "Wednesday night is li's again"
    );
}

#[test]
fn leave_names_the_stand_in_and_a_later_override_wins_inside_it() {
    let r = roster(&format!(
        "[roster]\n{PEOPLE}\
         [[roster.overrides]]\nrole = \"supervisor\"\nfrom = \"2026-11-20 00:00\"\nto = \"2026-11-27 00:00\"\n\
         people = [\"zhou\"]\nreason = \"王建国 on leave\"\n\
         [[roster.overrides]]\nrole = \"supervisor\"\nfrom = \"2026-11-24 08:00\"\nto = \"2026-11-24 20:00\"\n\
         people = [\"sun\"]\n"
    ));
    assert_eq!(who(&r, "supervisor", "2026-11-19 23:59"), ["wang", "zhou"]);
    assert_eq!(who(&r, "supervisor", "2026-11-20 00:00"), ["zhou"]);
    assert_eq!(who(&r, "supervisor", "2026-11-24 12:00"), ["sun"]);
    assert_eq!(who(&r, "supervisor", "2026-11-24 20:00"), ["zhou"]);
    assert_eq!(who(&r, "supervisor", "2026-11-27 00:00"), ["wang", "zhou"]);
}

#[test]
fn roles_without_shifts_are_held_by_everyone_listing_them_in_file_order() {
    let r = roster(&format!("[roster]\n{PEOPLE}"));
    assert_eq!(who(&r, "supervisor", "2026-11-24 03:00"), ["wang", "zhou"]);
    let duty = r.duty("manager", at(&r, "2026-11-24 03:00"));
    assert!(duty.people.is_empty() && matches!(duty.by, DutySource::Standing));
    assert!(who(&r, "no_such_role", "2026-11-24 03:00").is_empty());
    let wang = r.person("wang").unwrap();
    assert_eq!(
        (wang.name.as_str(), wang.mobile.as_deref()),
        ("王建国", Some("13800000001"))
    );
    assert_eq!(wang.channels, ["duty-hook"]);
    assert_eq!(r.person("sun").unwrap().mobile, None);
    assert_eq!(r.people().len(), 5);
}

#[test]
fn overlapping_shifts_of_one_role_bring_both_crews_once_each() {
    let r = roster(&format!(
        "[roster]\n{PEOPLE}\
         [[roster.shifts]]\nrole = \"control_room\"\nstart = \"08:00\"\nend = \"20:00\"\npeople = [\"li\", \"zhao\"]\n\
         [[roster.shifts]]\nrole = \"control_room\"\nname = \"handover\"\nstart = \"19:00\"\nend = \"21:00\"\n\
         people = [\"zhao\", \"sun\"]\n"
    ));
    assert_eq!(who(&r, "control_room", "2026-11-24 18:00"), ["li", "zhao"]);
    assert_eq!(who(&r, "control_room", "2026-11-24 19:30"), ["li", "zhao", "sun"]);
    assert_eq!(who(&r, "control_room", "2026-11-24 20:30"), ["zhao", "sun"]);
}

#[test]
fn a_shift_ending_when_it_starts_lasts_24_hours() {
    let r = roster(&format!(
        "[roster]\n{PEOPLE}[[roster.shifts]]\nrole = \"control_room\"\nstart = \"08:00\"\nend = \"08:00\"\n\
         days = [\"tue\"]\npeople = [\"sun\"]\n"
    ));
    assert!(who(&r, "control_room", "2026-11-24 07:59").is_empty());
    assert_eq!(who(&r, "control_room", "2026-11-24 08:00"), ["sun"]);
    assert_eq!(who(&r, "control_room", "2026-11-25 07:59"), ["sun"]);
    assert!(who(&r, "control_room", "2026-11-25 08:00").is_empty());
}

#[test]
fn the_same_instant_is_a_different_local_hour_in_another_zone() {
    let day = "[[roster.shifts]]\nrole = \"security\"\nstart = \"08:00\"\nend = \"20:00\"\npeople = [\"sun\"]\n";
    let shanghai = roster(&format!("[roster]\n{PEOPLE}{day}"));
    let london = roster(&format!("[roster]\ntime_zone = \"Europe/London\"\n{PEOPLE}{day}"));
    let instant = utc("2026-11-24T01:00:00Z"); // 09:00 in Shanghai, 01:00 in London
    assert_eq!(shanghai.on_duty("security", instant).len(), 1);
    assert!(london.on_duty("security", instant).is_empty());
    assert_eq!(
        london
            .on_duty("security", instant + Duration::from_secs(8 * 3600))
            .len(),
        1
    );
    assert_eq!(shanghai.time_zone().iana_name(), Some("Asia/Shanghai"));
    assert_eq!(london.time_zone_name(), "Europe/London");
}

#[test]
fn parse_local_round_trips_and_accepts_a_t_and_seconds() {
    let r = Roster::default();
    assert_eq!(r.time_zone_name(), "Asia/Shanghai");
    let t = r.parse_local("2026-11-24 03:00").unwrap();
    assert_eq!(t, utc("2026-11-23T19:00:00Z"));
    let back = r.time_zone().to_datetime(Timestamp::try_from(t).unwrap());
    assert_eq!(back.strftime("%Y-%m-%d %H:%M").to_string(), "2026-11-24 03:00");
    assert_eq!(r.parse_local("2026-11-24T03:00").unwrap(), t);
    assert_eq!(
        r.parse_local(" 2026-11-24 03:00:30 ").unwrap(),
        t + Duration::from_secs(30)
    );
    assert_eq!(r.parse_local("2026-11-24 3:00").unwrap(), t);
    for bad in [
        "24/11/2026 03:00",
        "2026-11-24",
        "2026-11-24 03:00+08:00",
        "2026-11-31 03:00",
        "2026-11-24 24:00",
        "",
    ] {
        let e = r.parse_local(bad).unwrap_err();
        assert_eq!(e, RosterError::BadLocalTime { text: bad.into() });
        assert!(e.to_string().contains("write it as 2026-11-24 03:00"), "{e}");
    }
}

#[test]
fn a_night_shift_across_the_end_of_daylight_saving_lasts_thirteen_hours() {
    let r = roster(&format!(
        "[roster]\ntime_zone = \"America/New_York\"\n{PEOPLE}\
         [[roster.shifts]]\nrole = \"duty_electrician\"\nstart = \"20:00\"\nend = \"08:00\"\npeople = [\"li\"]\n"
    ));
    // Saturday 2026-10-31 20:00 EDT (UTC-4) to Sunday 08:00 EST (UTC-5): 13 real hours.
    let (start, end) = r.shifts()[0]
        .window(r.time_zone(), jiff::civil::date(2026, 10, 31))
        .unwrap();
    assert_eq!(end.duration_since(start).as_hours(), 13);
    assert_eq!(start.to_string(), "2026-11-01T00:00:00Z");
    assert_eq!(r.on_duty("duty_electrician", utc("2026-11-01T12:59:59Z")).len(), 1);
    assert!(r.on_duty("duty_electrician", utc("2026-11-01T13:00:00Z")).is_empty());
    // In spring the same shift lasts 11 hours.
    let (start, end) = r.shifts()[0]
        .window(r.time_zone(), jiff::civil::date(2026, 3, 7))
        .unwrap();
    assert_eq!(end.duration_since(start).as_hours(), 11);
    // Wall times the clocks skip or repeat are refused, not guessed.
    assert!(matches!(
        r.parse_local("2026-03-08 02:30"),
        Err(RosterError::SkippedLocalTime { .. })
    ));
    let e = r.parse_local("2026-11-01 01:30").unwrap_err();
    assert!(matches!(e, RosterError::RepeatedLocalTime { .. }));
    assert!(e.to_string().contains("America/New_York"), "{e}");
}

#[test]
fn an_empty_roster_is_in_shanghai_time_and_has_nobody_on_duty() {
    let r = roster("");
    assert_eq!(r.time_zone_name(), "Asia/Shanghai");
    for role in ROLES {
        assert!(r.on_duty(role.key, utc("2026-11-24T01:00:00Z")).is_empty());
    }
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["time_zone"], "Asia/Shanghai");
}

#[test]
fn the_roles_are_the_procedures_table_in_order() {
    let keys: Vec<&str> = ROLES.iter().map(|r| r.key).collect();
    assert_eq!(
        keys,
        [
            "duty_electrician",
            "mep_crew",
            "control_room",
            "lift_duty",
            "security",
            "supervisor",
            "manager"
        ]
    );
    assert_eq!(role("lift_duty").map(|r| r.zh), Some("电梯值班人员"));
}
