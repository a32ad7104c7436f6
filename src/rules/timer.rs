//! Rule timers on a monotonic clock: on-delays ("mains lost for 2 s"), escalations ("outage
//! still open after 30 min") and holds ("power restored" stays up for 60 s).
//!
//! Time is a `Duration` since an arbitrary epoch, passed in by the caller on every call, so
//! the timers are plain data: no sleeps, no tasks, and a test moves time by adding seconds.
//!
//! **A brief blip does not reset an on-delay.** While a rule's inputs are not good its timer
//! is frozen: it neither counts nor resets. If the inputs come back within the rule's
//! tolerance (`stale_tolerance_s`, default 5 s) and the condition still holds, the timer
//! continues from where it was; after a longer gap it starts over, because nobody can say the
//! condition held all along. A timer that had already run out (the rule was active) is kept
//! until the condition is seen false: a device that drops off the bus during an outage must
//! not turn a raised PWR-02 back into a fresh 15 s wait when it returns.
//!
//! Every timer can be listed ([`Timers::records`]) and restored with the time it had run
//! ([`Timers::restore`]), so a restart of the daemon does not restart a 30 min escalation.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::input::Tri;

/// An on-delay's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timed {
    /// How long the condition must hold.
    pub delay: Duration,
    /// How long inputs may be not good without the timer starting over.
    pub tolerance: Duration,
}

impl Timed {
    pub fn secs(delay: u64) -> Timed {
        Timed {
            delay: Duration::from_secs(delay),
            tolerance: Duration::from_secs(5),
        }
    }
}

/// Which timer: the rule, the equipment it reports on and, when a rule times several members
/// separately (each pump of a set), the member.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimerKey {
    pub rule: String,
    pub equipment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

impl TimerKey {
    pub fn new(rule: &str, equipment: &str) -> TimerKey {
        TimerKey {
            rule: rule.into(),
            equipment: equipment.into(),
            member: None,
        }
    }

    pub fn member(rule: &str, equipment: &str, member: &str) -> TimerKey {
        TimerKey {
            member: Some(member.into()),
            ..TimerKey::new(rule, equipment)
        }
    }
}

/// A running timer, as listed for the live view and stored by the durability layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimerRecord {
    #[serde(flatten)]
    pub key: TimerKey,
    /// Time counted so far (for escalations: how long the incident has been open).
    #[serde(rename = "elapsed_ms", with = "millis")]
    pub elapsed: Duration,
    /// Time left before the rule reports; zero once it does.
    #[serde(rename = "remaining_ms", with = "millis")]
    pub remaining: Duration,
    /// Held because an input is not good.
    #[serde(default)]
    pub frozen: bool,
    /// A value remembered with the timer (DRN-03: the highest level since the pump started;
    /// PWR-09: how long the outage lasted, in seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<f64>,
}

/// What an on-delay says now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// The condition is false (or never started).
    Idle,
    /// Counting; not yet long enough.
    Running(Duration),
    /// Held for at least the delay.
    Elapsed(Duration),
    /// An input is not good; the count is held at this value.
    Frozen(Duration),
}

impl Delay {
    pub fn is_elapsed(self) -> bool {
        matches!(self, Delay::Elapsed(_))
    }
}

#[derive(Debug, Clone)]
struct Timer {
    delay: Duration,
    elapsed: Duration,
    /// Monotonic time of the last update; `None` right after a restore.
    last: Option<Duration>,
    frozen_since: Option<Duration>,
    mark: Option<f64>,
}

impl Timer {
    fn new(delay: Duration, now: Duration) -> Timer {
        Timer {
            delay,
            elapsed: Duration::ZERO,
            last: Some(now),
            frozen_since: None,
            mark: None,
        }
    }

    fn advance(&mut self, now: Duration) {
        if let Some(last) = self.last {
            self.elapsed += now.saturating_sub(last);
        }
        self.last = Some(now);
    }

    fn state(&self) -> Delay {
        if self.elapsed >= self.delay {
            Delay::Elapsed(self.elapsed)
        } else {
            Delay::Running(self.elapsed)
        }
    }
}

/// Every timer of the engine, by key.
///
/// Timers that no rule touched during an evaluation are dropped at its end
/// ([`sweep`](Self::sweep)), so a rule switched off, or a restored timer whose equipment is
/// gone, does not linger.
#[derive(Debug, Clone, Default)]
pub struct Timers {
    map: BTreeMap<TimerKey, Timer>,
    touched: BTreeSet<TimerKey>,
}

impl Timers {
    /// An on-delay: counts while `cond` is true, freezes while it is unknown, resets when
    /// it is false.
    pub fn on_delay(&mut self, key: TimerKey, t: Timed, cond: Tri, now: Duration) -> Delay {
        self.touched.insert(key.clone());
        match cond {
            Tri::False => {
                self.map.remove(&key);
                Delay::Idle
            }
            Tri::True => {
                let timer = self.map.entry(key).or_insert_with(|| Timer::new(t.delay, now));
                timer.delay = t.delay;
                match timer.frozen_since.take() {
                    Some(since) => {
                        if now.saturating_sub(since) > t.tolerance && timer.elapsed < timer.delay {
                            timer.elapsed = Duration::ZERO;
                        }
                        // The blip itself does not count.
                        timer.last = Some(now);
                    }
                    None => timer.advance(now),
                }
                timer.state()
            }
            Tri::Unknown => {
                let Some(timer) = self.map.get_mut(&key) else {
                    return Delay::Idle;
                };
                match timer.frozen_since {
                    // The condition held since the last evaluation; from now on nobody can tell.
                    None => {
                        timer.advance(now);
                        timer.frozen_since = Some(now);
                    }
                    Some(since) if now.saturating_sub(since) > t.tolerance && timer.elapsed < timer.delay => {
                        self.map.remove(&key);
                        return Delay::Idle;
                    }
                    Some(_) => {}
                }
                Delay::Frozen(timer.elapsed)
            }
        }
    }

    /// An escalation: counts while an incident is open. The incident opens when `incident`
    /// is true and closes only when it is seen false; while it is unknown an open incident
    /// keeps counting (nobody has seen it end) and a closed one stays closed.
    pub fn escalate(&mut self, key: TimerKey, delay: Duration, incident: Tri, now: Duration) -> Delay {
        self.touched.insert(key.clone());
        match incident {
            Tri::False => {
                self.map.remove(&key);
                Delay::Idle
            }
            Tri::Unknown if !self.map.contains_key(&key) => Delay::Idle,
            _ => {
                let timer = self.map.entry(key).or_insert_with(|| Timer::new(delay, now));
                timer.delay = delay;
                timer.frozen_since = None;
                timer.advance(now);
                timer.state()
            }
        }
    }

    /// Starts (or restarts) a hold of `delay`, remembering `mark`.
    pub fn start(&mut self, key: TimerKey, delay: Duration, mark: Option<f64>, now: Duration) {
        self.touched.insert(key.clone());
        let mut timer = Timer::new(delay, now);
        timer.mark = mark;
        self.map.insert(key, timer);
    }

    /// A hold started with [`start`](Self::start): its elapsed time and mark while it runs;
    /// `None` once it has run out (it is then dropped).
    pub fn hold(&mut self, key: &TimerKey, now: Duration) -> Option<(Duration, Option<f64>)> {
        let timer = self.map.get_mut(key)?;
        self.touched.insert(key.clone());
        timer.advance(now);
        if timer.elapsed >= timer.delay {
            self.map.remove(key);
            return None;
        }
        Some((timer.elapsed, timer.mark))
    }

    pub fn stop(&mut self, key: &TimerKey) {
        self.map.remove(key);
    }

    /// How long a timer has counted, if it runs.
    pub fn elapsed(&self, key: &TimerKey) -> Option<Duration> {
        self.map.get(key).map(|t| t.elapsed)
    }

    pub fn mark(&self, key: &TimerKey) -> Option<f64> {
        self.map.get(key).and_then(|t| t.mark)
    }

    /// Remembers a value with a running timer; does nothing if it does not run.
    pub fn set_mark(&mut self, key: &TimerKey, mark: f64) {
        if let Some(t) = self.map.get_mut(key) {
            t.mark = Some(mark);
        }
    }

    /// Every running timer, in key order.
    pub fn records(&self) -> Vec<TimerRecord> {
        self.map
            .iter()
            .map(|(key, t)| TimerRecord {
                key: key.clone(),
                elapsed: t.elapsed,
                remaining: t.delay.saturating_sub(t.elapsed),
                frozen: t.frozen_since.is_some(),
                mark: t.mark,
            })
            .collect()
    }

    /// Timers as a previous run left them. Each continues from its elapsed time at the first
    /// evaluation that touches it; the time the daemon was down does not count.
    pub fn restore(records: impl IntoIterator<Item = TimerRecord>) -> Timers {
        let map = records
            .into_iter()
            .map(|r| {
                let timer = Timer {
                    delay: r.elapsed + r.remaining,
                    elapsed: r.elapsed,
                    last: None,
                    frozen_since: None,
                    mark: r.mark,
                };
                (r.key, timer)
            })
            .collect();
        Timers {
            map,
            touched: BTreeSet::new(),
        }
    }

    /// Starts an evaluation round.
    pub fn begin(&mut self) {
        self.touched.clear();
    }

    /// Ends an evaluation round: drops the timers nobody touched.
    pub fn sweep(&mut self) {
        let touched = &self.touched;
        self.map.retain(|k, _| touched.contains(k));
    }
}

/// Durations as whole milliseconds in stored records.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().min(u64::MAX as u128) as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn key() -> TimerKey {
        TimerKey::new("PWR-02", "gen-1")
    }

    #[test]
    fn an_on_delay_elapses_after_its_delay_and_resets_when_false() {
        let mut t = Timers::default();
        let d = Timed::secs(15);
        assert_eq!(t.on_delay(key(), d, Tri::True, s(100)), Delay::Running(s(0)));
        assert_eq!(t.on_delay(key(), d, Tri::True, s(114)), Delay::Running(s(14)));
        assert_eq!(t.on_delay(key(), d, Tri::True, s(115)), Delay::Elapsed(s(15)));
        assert_eq!(t.on_delay(key(), d, Tri::False, s(116)), Delay::Idle);
        assert_eq!(t.on_delay(key(), d, Tri::True, s(117)), Delay::Running(s(0)));
    }

    #[test]
    fn a_blip_shorter_than_the_tolerance_freezes_the_timer_without_resetting_it() {
        let mut t = Timers::default();
        let d = Timed::secs(15);
        t.on_delay(key(), d, Tri::True, s(0));
        t.on_delay(key(), d, Tri::True, s(10));
        // Seen true at 10 s, not good from 11 s to 14 s: counted up to 11 s, then held.
        assert_eq!(t.on_delay(key(), d, Tri::Unknown, s(11)), Delay::Frozen(s(11)));
        assert_eq!(t.on_delay(key(), d, Tri::Unknown, s(14)), Delay::Frozen(s(11)));
        assert!(t.records()[0].frozen);
        assert_eq!(t.on_delay(key(), d, Tri::True, s(15)), Delay::Running(s(11)));
        assert_eq!(t.on_delay(key(), d, Tri::True, s(18)), Delay::Running(s(14)));
        assert_eq!(t.on_delay(key(), d, Tri::True, s(19)), Delay::Elapsed(s(15)));
    }

    #[test]
    fn a_gap_longer_than_the_tolerance_starts_the_timer_over() {
        let mut t = Timers::default();
        let d = Timed::secs(15);
        t.on_delay(key(), d, Tri::True, s(0));
        t.on_delay(key(), d, Tri::Unknown, s(10));
        assert_eq!(t.on_delay(key(), d, Tri::True, s(20)), Delay::Running(s(0)));
        t.on_delay(key(), d, Tri::Unknown, s(21));
        assert_eq!(t.on_delay(key(), d, Tri::Unknown, s(30)), Delay::Idle);
        assert!(t.records().is_empty());
    }

    #[test]
    fn an_elapsed_timer_survives_any_gap_until_its_condition_is_seen_false() {
        let mut t = Timers::default();
        let d = Timed::secs(2);
        t.on_delay(key(), d, Tri::True, s(0));
        t.on_delay(key(), d, Tri::True, s(3));
        t.on_delay(key(), d, Tri::Unknown, s(4));
        assert_eq!(t.on_delay(key(), d, Tri::Unknown, s(60)), Delay::Frozen(s(4)));
        assert!(t.on_delay(key(), d, Tri::True, s(61)).is_elapsed());
    }

    #[test]
    fn an_escalation_keeps_counting_while_unknown_and_stops_when_seen_false() {
        let mut t = Timers::default();
        let d = s(1800);
        assert_eq!(t.escalate(key(), d, Tri::Unknown, s(0)), Delay::Idle);
        t.escalate(key(), d, Tri::True, s(0));
        assert_eq!(t.escalate(key(), d, Tri::Unknown, s(1000)), Delay::Running(s(1000)));
        assert!(t.escalate(key(), d, Tri::Unknown, s(1800)).is_elapsed());
        assert_eq!(t.escalate(key(), d, Tri::False, s(1801)), Delay::Idle);
    }

    #[test]
    fn timers_are_listed_and_restored_with_their_elapsed_time() {
        let mut t = Timers::default();
        t.on_delay(key(), Timed::secs(15), Tri::True, s(0));
        t.on_delay(key(), Timed::secs(15), Tri::True, s(6));
        let records = t.records();
        assert_eq!(records[0].elapsed, s(6));
        assert_eq!(records[0].remaining, s(9));
        let json = serde_json::to_string(&records).unwrap();
        assert_eq!(
            json,
            r#"[{"rule":"PWR-02","equipment":"gen-1","elapsed_ms":6000,"remaining_ms":9000,"frozen":false}]"#
        );
        let back: Vec<TimerRecord> = serde_json::from_str(&json).unwrap();
        // A fresh monotonic epoch after the restart: only time counted from here adds up.
        let mut t = Timers::restore(back);
        assert_eq!(
            t.on_delay(key(), Timed::secs(15), Tri::True, s(500)),
            Delay::Running(s(6))
        );
        assert!(t.on_delay(key(), Timed::secs(15), Tri::True, s(509)).is_elapsed());
    }

    #[test]
    fn timers_no_rule_touched_in_a_round_are_swept() {
        let mut t = Timers::default();
        t.begin();
        t.on_delay(key(), Timed::secs(15), Tri::True, s(0));
        t.sweep();
        assert_eq!(t.records().len(), 1);
        t.begin();
        t.sweep();
        assert!(t.records().is_empty());
    }

    #[test]
    fn a_hold_runs_for_its_delay_and_keeps_its_mark() {
        let mut t = Timers::default();
        let k = TimerKey::new("PWR-09", "ats-1");
        t.start(k.clone(), s(60), Some(300.0), s(0));
        assert_eq!(t.hold(&k, s(59)), Some((s(59), Some(300.0))));
        assert_eq!(t.hold(&k, s(60)), None);
        assert!(t.records().is_empty());
    }
}
