//! Shifts, weekly rotas and overrides: when each is on, in the roster's wall-clock time.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Serialize, Serializer};

/// A recurring shift of one role, e.g. the night electrician 20:00–08:00.
#[derive(Debug, Clone, Serialize)]
pub struct Shift {
    pub role: String,
    /// Shown by `facmon roster` ("night"); defaults to "start-end".
    pub name: String,
    #[serde(serialize_with = "hh_mm")]
    pub start: Time,
    /// At or before `start`: the shift ends the next day; equal to `start`: it lasts 24 h.
    #[serde(serialize_with = "hh_mm")]
    pub end: Time,
    /// The days the shift starts on.
    pub days: Days,
    pub crew: Crew,
}

/// Who works a shift.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Crew {
    /// Always the same people.
    Fixed(Vec<String>),
    /// Week n since `start` (a Monday) is worked by `weeks[n % weeks.len()]`. The week is that
    /// of the day the shift starts, so Sunday's night shift belongs to the week it starts in.
    /// The rota repeats before `start` too.
    Rota {
        weeks: Vec<Vec<String>>,
        #[serde(serialize_with = "display")]
        start: Date,
    },
}

/// A set of weekdays (bit 0 = Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(u8);

/// Day names as written in config, Monday first.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Days {
    pub const ALL: Days = Days(0x7f);
    pub const NONE: Days = Days(0);

    /// `"mon"`…`"sun"`.
    pub fn from_name(name: &str) -> Option<Weekday> {
        let i = DAY_NAMES.iter().position(|d| *d == name)?;
        Weekday::from_monday_zero_offset(i as i8).ok()
    }

    pub fn with(self, day: Weekday) -> Days {
        Days(self.0 | 1 << day.to_monday_zero_offset())
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & 1 << day.to_monday_zero_offset() != 0
    }
}

impl Serialize for Days {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let names: Vec<&str> = (0..7).filter(|i| self.0 & 1 << i != 0).map(|i| DAY_NAMES[i]).collect();
        names.serialize(s)
    }
}

/// A one-off change: for `[from, to)` the role is held by `people` instead of whoever the
/// shifts or standing roles say. Leave is an override naming the stand-in.
#[derive(Debug, Clone, Serialize)]
pub struct Override {
    pub role: String,
    #[serde(serialize_with = "display")]
    pub from: Timestamp,
    #[serde(serialize_with = "display")]
    pub to: Timestamp,
    pub people: Vec<String>,
    /// Why, for the record and the roster printout; may be empty.
    pub reason: String,
}

/// One occurrence of a shift that holds an instant.
#[derive(Debug, Clone)]
pub struct ShiftOnDuty<'a> {
    pub shift: &'a Shift,
    /// The local date it started on.
    pub day: Date,
    pub start: Timestamp,
    pub end: Timestamp,
    /// For a rota: which week of it (0-based).
    pub rota_week: Option<usize>,
    pub crew: &'a [String],
}

impl Shift {
    /// The occurrence of this shift holding `at`, if one does.
    pub fn on_duty_at(&self, tz: &TimeZone, at: Timestamp) -> Option<ShiftOnDuty<'_>> {
        // A shift lasts at most a day of wall-clock time, which DST can stretch by an hour:
        // only occurrences starting on the local date of `at` or the two days before can hold it.
        let mut day = tz.to_datetime(at).date();
        for _ in 0..3 {
            if self.days.contains(day.weekday()) {
                let (start, end) = self.window(tz, day)?;
                if start <= at && at < end {
                    let (rota_week, crew) = self.crew_on(day);
                    return Some(ShiftOnDuty {
                        shift: self,
                        day,
                        start,
                        end,
                        rota_week,
                        crew,
                    });
                }
            }
            day = day.yesterday().ok()?;
        }
        None
    }

    /// The instants the occurrence starting on `day` begins and ends. A wall time that DST skips
    /// or repeats is taken the way a clock on the wall shows it (jiff's "compatible" rule: after
    /// a gap, the first of a repeat).
    pub fn window(&self, tz: &TimeZone, day: Date) -> Option<(Timestamp, Timestamp)> {
        let end_day = if self.end <= self.start {
            day.tomorrow().ok()?
        } else {
            day
        };
        let start = tz.to_timestamp(day.to_datetime(self.start)).ok()?;
        let end = tz.to_timestamp(end_day.to_datetime(self.end)).ok()?;
        Some((start, end))
    }

    /// Who works the occurrence starting on `day`, and which rota week that is.
    pub fn crew_on(&self, day: Date) -> (Option<usize>, &[String]) {
        match &self.crew {
            Crew::Fixed(people) => (None, people),
            Crew::Rota { weeks, start } => {
                let days = day.duration_since(*start).as_hours().div_euclid(24);
                let week = days.div_euclid(7).rem_euclid(weeks.len().max(1) as i64) as usize;
                (Some(week), weeks.get(week).map_or(&[], Vec::as_slice))
            }
        }
    }
}

fn hh_mm<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.strftime("%H:%M"))
}

fn display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}
