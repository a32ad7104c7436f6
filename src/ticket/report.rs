//! `facmon report sla`: the month's repair timeliness (SLA-05) as a table, CSV or JSON.
//!
//! Months are calendar months in the site's time zone: a ticket opened 2026-11-30 17:00 UTC
//! is 2026-12-01 01:00 in Shanghai and counts in December.

use std::fmt::Write as _;
use std::time::SystemTime;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use super::sla::{MonthTally, Tally};

/// A calendar month in a time zone, as `[start, end)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    pub name: String,
    pub timezone: String,
    pub start: SystemTime,
    pub end: SystemTime,
}

impl Month {
    /// Parses `YYYY-MM` in the time zone `tz` (an IANA name such as `Asia/Shanghai`).
    pub fn parse(month: &str, tz: &str) -> Result<Month, String> {
        let bad = || format!("--month \"{month}\" is not a month: write it as YYYY-MM, e.g. 2026-11");
        let (y, m) = month.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let (y, m): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        let first = Date::new(y, m, 1).map_err(|_| bad())?;
        let zone = TimeZone::get(tz)
            .map_err(|e| format!("site.timezone \"{tz}\" is not a known time zone ({e}); use an IANA name"))?;
        let next = first.checked_add(1.month()).map_err(|e| format!("{month}: {e}"))?;
        let at = |d: Date| -> Result<SystemTime, String> {
            let ts = d
                .to_zoned_datetime(zone.clone())
                .map_err(|e| format!("{month}: {e}"))?
                .timestamp();
            Ok(crate::db::from_millis(ts.as_millisecond()))
        };
        Ok(Month {
            name: format!("{y:04}-{m:02}"),
            timezone: tz.to_string(),
            start: at(first)?,
            end: at(next)?,
        })
    }
}

/// The local time of `t` in `tz`, `YYYY-MM-DD HH:MM` (for listings).
pub fn local(t: SystemTime, tz: &str) -> String {
    match (Timestamp::try_from(t), TimeZone::get(tz)) {
        (Ok(ts), Ok(zone)) => ts.to_zoned_datetime(zone).strftime("%Y-%m-%d %H:%M").to_string(),
        _ => format!("{}", crate::db::millis(t)),
    }
}

#[derive(Serialize)]
struct Json<'a> {
    month: &'a str,
    timezone: &'a str,
    target_pct: f64,
    #[serde(flatten)]
    tally: &'a MonthTally,
}

/// Renders the tally; `format` is `table`, `csv` or `json`.
pub fn render(month: &Month, m: &MonthTally, target_pct: f64, format: &str) -> Result<String, String> {
    let mut lines: Vec<(String, &Tally)> = m.categories.iter().map(|(c, t)| (c.as_str().to_string(), t)).collect();
    lines.push(("all".into(), &m.overall));
    lines.push(("follow-up".into(), &m.follow_up));
    let pct = |t: &Tally| t.pct.map(|p| format!("{p:.1}")).unwrap_or_default();
    let met = |t: &Tally| match t.target_met {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let mut out = String::new();
    match format {
        "json" => {
            let j = Json {
                month: &month.name,
                timezone: &month.timezone,
                target_pct,
                tally: m,
            };
            out = serde_json::to_string_pretty(&j).map_err(|e| e.to_string())? + "\n";
        }
        "csv" => {
            out.push_str("scope,tickets,on_time,late,pending,cancelled,pct,target_met\n");
            for (scope, t) in &lines {
                let _ = writeln!(
                    out,
                    "{scope},{},{},{},{},{},{},{}",
                    t.tickets,
                    t.on_time,
                    t.late,
                    t.pending,
                    t.cancelled,
                    pct(t),
                    met(t)
                );
            }
        }
        "table" => {
            let _ = writeln!(
                out,
                "Repair timeliness (SLA-05) {} ({}), target ≥ {target_pct} %",
                month.name, month.timezone
            );
            let _ = writeln!(
                out,
                "{:<10} {:>7} {:>7} {:>5} {:>7} {:>9} {:>9} {:>6}",
                "scope", "tickets", "on time", "late", "pending", "cancelled", "on time %", "met"
            );
            for (scope, t) in &lines {
                let _ = writeln!(
                    out,
                    "{:<10} {:>7} {:>7} {:>5} {:>7} {:>9} {:>9} {:>6}",
                    scope,
                    t.tickets,
                    t.on_time,
                    t.late,
                    t.pending,
                    t.cancelled,
                    pct(t),
                    met(t)
                );
            }
            out.push_str("on site within SLA-01/02/03 by priority, per month opened; follow-up = SLA-04 call within its time, per month resolved\n");
        }
        other => return Err(format!("unknown format \"{other}\": use table, csv or json")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_ticket_opened_on_november_30_at_17_utc_counts_in_december_in_shanghai() {
        let t = SystemTime::try_from("2026-11-30T17:00:00Z".parse::<Timestamp>().unwrap()).unwrap();
        let nov = Month::parse("2026-11", "Asia/Shanghai").unwrap();
        let dec = Month::parse("2026-12", "Asia/Shanghai").unwrap();
        assert!(t >= nov.end && dec.start <= t && t < dec.end);
        assert_eq!(nov.end, dec.start);
        assert_eq!(
            dec.start,
            SystemTime::try_from("2026-11-30T16:00:00Z".parse::<Timestamp>().unwrap()).unwrap()
        );
        assert_eq!(
            nov.end.duration_since(nov.start).unwrap(),
            Duration::from_secs(30 * 86_400)
        );
    }

    #[test]
    fn a_malformed_month_or_zone_says_what_to_write() {
        assert!(Month::parse("2026-13", "Asia/Shanghai")
            .unwrap_err()
            .contains("YYYY-MM"));
        assert!(Month::parse("Nov 2026", "Asia/Shanghai")
            .unwrap_err()
            .contains("YYYY-MM"));
        assert!(Month::parse("2026-11", "Mars/Base").unwrap_err().contains("IANA"));
    }
}
