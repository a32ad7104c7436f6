//! The duty roster: who holds each role (the role keys of `docs/procedures.md`) at a given time.
//!
//! For one role at one instant, the first of these that applies decides:
//! 1. an [`Override`] whose window holds the instant (swaps, leave, cover). If several do, the
//!    last one in the file wins, so a one-night swap can sit inside a week of leave.
//! 2. the role's [`Shift`]s, if it has any: every shift running at the instant brings its crew.
//!    Shifts of one role may overlap (a handover hour has both crews on duty); a time that no
//!    shift covers has nobody on duty, which `facmon roster` shows loudly.
//! 3. for a role without shifts, every person listing it in `roles` (standing roles such as
//!    `supervisor` or `manager`).
//!
//! Shifts and overrides are wall-clock times in the roster's time zone; the arithmetic is done
//! with `jiff`, so a night shift across a daylight-saving change lasts 11 or 13 real hours, as
//! the people working it experience. The roster is plain data: every query takes the time.

pub mod cli;
mod shift;
#[cfg(test)]
mod tests;

use std::time::SystemTime;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use serde::{Serialize, Serializer};

pub use shift::{Crew, Days, Override, Shift, ShiftOnDuty};

/// A staff role named in the procedures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Role {
    /// The key used in config, rules and tickets.
    pub key: &'static str,
    /// The name the procedures use (the first where they use several).
    pub zh: &'static str,
    /// Who that is, in English.
    pub en: &'static str,
}

/// Every role, in the order of the table in `docs/procedures.md` (first responders first,
/// escalation targets last): the order `facmon roster` prints them in.
#[rustfmt::skip] // a table reads better on one line per role
pub const ROLES: &[Role] = &[
    Role { key: "duty_electrician", zh: "值班电工", en: "on-shift electrician" },
    Role { key: "mep_crew", zh: "机电运行维修组", en: "mechanical/plumbing shift" },
    Role { key: "control_room", zh: "监控中心值班员", en: "control-room operator" },
    Role { key: "lift_duty", zh: "电梯值班人员", en: "lift attendant" },
    Role { key: "security", zh: "保安", en: "security guards" },
    Role { key: "supervisor", zh: "主管领导", en: "engineering supervisor" },
    Role { key: "manager", zh: "管理处经理", en: "site manager" },
];

/// The role with this key.
pub fn role(key: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.key == key)
}

/// The valid role keys, for hints.
pub fn role_keys() -> String {
    ROLES.iter().map(|r| r.key).collect::<Vec<_>>().join(", ")
}

/// Someone who can be on duty and notified.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    /// For @-mentions in WeCom/DingTalk group messages and for calls.
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// Notification channel ids (`[notify]` checks them).
    pub channels: Vec<String>,
}

/// The checked roster. The default is an empty roster in Asia/Shanghai time.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Roster {
    pub(crate) time_zone: Zone,
    pub(crate) people: Vec<Person>,
    /// Roles held at all times, only for roles without shifts.
    pub(crate) standing: Vec<Standing>,
    pub(crate) shifts: Vec<Shift>,
    pub(crate) overrides: Vec<Override>,
}

/// A role someone holds at all times (`roles = [...]` of a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Standing {
    pub(crate) role: String,
    pub(crate) person: String,
}

/// Who holds a role at an instant, and why.
#[derive(Debug, Clone)]
pub struct Duty<'a> {
    /// In a stable order (override or shift crew order, then file order), no duplicates.
    pub people: Vec<&'a Person>,
    pub by: DutySource<'a>,
}

/// What decided a [`Duty`].
#[derive(Debug, Clone)]
pub enum DutySource<'a> {
    /// An override holds the instant.
    Override(&'a Override),
    /// The role has shifts; these are the ones running (none: a gap in the shift plan).
    Shifts(Vec<ShiftOnDuty<'a>>),
    /// The role has no shifts; the people listing it in `roles` hold it (maybe nobody does).
    Standing,
}

/// Why a time cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("\"{text}\" is not a local time: write it as 2026-11-24 03:00 (seconds and a T between date and time are also accepted)")]
    BadLocalTime { text: String },
    #[error(
        "{text} does not exist in {zone}: the clocks skip it (daylight saving begins); give a time outside the gap"
    )]
    SkippedLocalTime { text: String, zone: String },
    #[error("{text} happens twice in {zone}: the clocks go back (daylight saving ends); give a time an hour earlier or later")]
    RepeatedLocalTime { text: String, zone: String },
    #[error("{text} is too far in the past or future to look up: give a date between the years 1 and 9999")]
    OutOfRange { text: String },
}

impl Roster {
    /// The person with this id.
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// Everyone, in file order.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// The shifts, in file order.
    pub fn shifts(&self) -> &[Shift] {
        &self.shifts
    }

    /// The overrides, in file order.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    /// The zone shifts and overrides are written in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone.0
    }

    /// The zone's name for people: the IANA name, or the offset of a fixed zone.
    pub fn time_zone_name(&self) -> String {
        zone_name(&self.time_zone.0)
    }

    /// Who holds `role` at `at`, in a stable order, no duplicates.
    pub fn on_duty(&self, role: &str, at: SystemTime) -> Vec<&Person> {
        self.duty(role, at).people
    }

    /// Who holds `role` at `at`, and what decided it (for `facmon roster` and notification text).
    pub fn duty(&self, role: &str, at: SystemTime) -> Duty<'_> {
        let Ok(at) = Timestamp::try_from(at) else {
            return Duty {
                people: Vec::new(),
                by: DutySource::Standing,
            };
        };
        if let Some(o) = self
            .overrides
            .iter()
            .rev()
            .find(|o| o.role == role && o.from <= at && at < o.to)
        {
            return Duty {
                people: self.lookup(o.people.iter()),
                by: DutySource::Override(o),
            };
        }
        let mut shifts = self.shifts.iter().filter(|s| s.role == role).peekable();
        if shifts.peek().is_none() {
            let ids = self.standing.iter().filter(|s| s.role == role).map(|s| &s.person);
            return Duty {
                people: self.lookup(ids),
                by: DutySource::Standing,
            };
        }
        let running: Vec<ShiftOnDuty<'_>> = shifts.filter_map(|s| s.on_duty_at(&self.time_zone.0, at)).collect();
        let people = self.lookup(running.iter().flat_map(|r| r.crew.iter()));
        Duty {
            people,
            by: DutySource::Shifts(running),
        }
    }

    /// A local time of the roster's zone: "2026-11-24 03:00", also "2026-11-24T03:00" and with
    /// seconds. A time the clocks skip or repeat (daylight saving) is refused rather than guessed.
    pub fn parse_local(&self, text: &str) -> Result<SystemTime, RosterError> {
        let dt = parse_civil(text).ok_or_else(|| RosterError::BadLocalTime { text: text.into() })?;
        let ts = local_to_timestamp(&self.time_zone.0, dt)?;
        SystemTime::try_from(ts).map_err(|_| RosterError::OutOfRange { text: text.into() })
    }

    /// People by id, in the order given, each once; unknown ids (none after config checks) skipped.
    fn lookup<'a>(&'a self, ids: impl Iterator<Item = &'a String>) -> Vec<&'a Person> {
        let mut out: Vec<&Person> = Vec::new();
        for id in ids {
            if let Some(p) = self.person(id) {
                if !out.iter().any(|q| q.id == p.id) {
                    out.push(p);
                }
            }
        }
        out
    }
}

/// The roster's time zone: Asia/Shanghai unless told, shown by name when serialised.
#[derive(Debug, Clone)]
pub(crate) struct Zone(pub(crate) TimeZone);

impl Default for Zone {
    fn default() -> Self {
        // The bundled database always has it; the fixed offset is the same clock (no DST there).
        Zone(TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::fixed(jiff::tz::offset(8))))
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&zone_name(&self.0))
    }
}

fn zone_name(tz: &TimeZone) -> String {
    match tz.iana_name() {
        Some(name) => name.to_string(),
        None => tz.to_offset(Timestamp::UNIX_EPOCH).to_string(),
    }
}

/// `YYYY-MM-DD HH:MM[:SS]`, with a space or a `T`; nothing else (no offsets: the zone is the
/// roster's).
pub(crate) fn parse_civil(text: &str) -> Option<DateTime> {
    let text = text.trim();
    let (date, time) = text.split_once(' ').or_else(|| text.split_once('T'))?;
    Some(parse_date(date)?.to_datetime(parse_time(time.trim_start(), true)?))
}

/// `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// `H:MM` or `HH:MM`, and `HH:MM:SS` when `seconds` are allowed.
pub(crate) fn parse_time(text: &str, seconds: bool) -> Option<Time> {
    let digits =
        |s: &str, n: std::ops::RangeInclusive<usize>| n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split(':').collect();
    let ok = match parts.as_slice() {
        [h, m] => digits(h, 1..=2) && digits(m, 2..=2),
        [h, m, s] => seconds && digits(h, 1..=2) && digits(m, 2..=2) && digits(s, 2..=2),
        _ => false,
    };
    if !ok {
        return None;
    }
    let n = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<i8>().ok());
    Time::new(n(0)?, n(1)?, n(2)?, 0).ok()
}

/// The instant of a local time written by a person, refusing the ones DST makes ambiguous.
pub(crate) fn local_to_timestamp(tz: &TimeZone, dt: DateTime) -> Result<Timestamp, RosterError> {
    let text = dt.strftime("%Y-%m-%d %H:%M").to_string();
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    let zone = zone_name(tz);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } => {}
        AmbiguousOffset::Gap { .. } => return Err(RosterError::SkippedLocalTime { text, zone }),
        AmbiguousOffset::Fold { .. } => return Err(RosterError::RepeatedLocalTime { text, zone }),
    }
    ambiguous.unambiguous().map_err(|_| RosterError::OutOfRange { text })
}
