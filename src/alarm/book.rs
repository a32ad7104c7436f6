//! The alarm book: every alarm's lifecycle, equipment out of service, and incidents.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::incident::{Incident, IncidentClass};
use super::model::{Alarm, AlarmKey, AlarmState, OutOfService, Shelve, Transition, TransitionKind};
use super::suppression::suppressing_cause;
use crate::rules::outcome::{Condition, Finding, RuleOutcome, Text};

/// Rules whose alarms stay active until an operator resets them after the contact clears.
const LATCHING: &[&str] = &["FIRE-01", "DRN-05"];

/// Who the daemon is when it changes an alarm itself.
const SYSTEM: &str = "facmon";

/// Why an operator's request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperationError {
    #[error("no alarm {0}")]
    NoSuchAlarm(AlarmKey),
    #[error("{0} has nothing to acknowledge")]
    NothingToAcknowledge(AlarmKey),
    #[error("{0} is not latched waiting for a reset (its contact may still be active)")]
    NotLatched(AlarmKey),
    #[error("{0} is not shelved")]
    NotShelved(AlarmKey),
    #[error("a shelve needs a duration greater than zero and a reason")]
    BadShelve,
    #[error("{0} is not out of service")]
    NotOutOfService(String),
}

/// Closed incidents kept in the book (the journal keeps them all).
const CLOSED_INCIDENTS_KEPT: usize = 100;

/// What the book keeps across a restart: plain serde data the alarm stage stores after
/// every change and hands back to [`AlarmBook::restore`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedBook {
    pub alarms: Vec<Alarm>,
    #[serde(default)]
    pub out_of_service: BTreeMap<String, OutOfService>,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    #[serde(default)]
    pub next_incident: u64,
}

/// All alarms of a site.
#[derive(Debug, Clone)]
pub struct AlarmBook {
    alarms: BTreeMap<AlarmKey, Alarm>,
    out_of_service: BTreeMap<String, OutOfService>,
    incidents: Vec<Incident>,
    next_incident: u64,
    /// Three raises within this window make an alarm chatter; it must then stay normal for
    /// a whole window before it clears.
    pub chatter_window: Duration,
    pub chatter_raises: usize,
}

impl Default for AlarmBook {
    fn default() -> Self {
        AlarmBook {
            alarms: BTreeMap::new(),
            out_of_service: BTreeMap::new(),
            incidents: Vec::new(),
            next_incident: 1,
            chatter_window: Duration::from_secs(60),
            chatter_raises: 3,
        }
    }
}

impl AlarmBook {
    pub fn new() -> AlarmBook {
        AlarmBook::default()
    }

    /// The book as a previous run saved it ([`saved`](Self::saved)): alarms keep their
    /// activity, acknowledgement, shelves and incidents; rules re-evaluate them from the
    /// plant at the next cycle, so an alarm that cleared while facmon was down clears then.
    pub fn restore(saved: SavedBook) -> AlarmBook {
        let max_id = saved.incidents.iter().map(|i| i.id).max().unwrap_or(0);
        AlarmBook {
            alarms: saved.alarms.into_iter().map(|a| (a.key.clone(), a)).collect(),
            out_of_service: saved.out_of_service,
            incidents: saved.incidents,
            // Never reuse an incident number, even from a damaged save.
            next_incident: saved.next_incident.max(max_id + 1),
            ..AlarmBook::default()
        }
    }

    /// Everything [`restore`](Self::restore) needs.
    pub fn saved(&self) -> SavedBook {
        SavedBook {
            alarms: self.alarms.values().cloned().collect(),
            out_of_service: self.out_of_service.clone(),
            incidents: self.incidents.clone(),
            next_incident: self.next_incident,
        }
    }

    pub fn alarms(&self) -> impl Iterator<Item = &Alarm> {
        self.alarms.values()
    }

    pub fn get(&self, rule: &str, equipment: &str) -> Option<&Alarm> {
        self.alarms.get(&key(rule, equipment))
    }

    /// The operator-facing state of an alarm.
    pub fn state(&self, rule: &str, equipment: &str) -> Option<AlarmState> {
        self.get(rule, equipment)
            .map(|a| a.state(self.out_of_service.contains_key(equipment)))
    }

    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    pub fn out_of_service(&self) -> &BTreeMap<String, OutOfService> {
        &self.out_of_service
    }

    /// Applies one evaluation of every rule; returns what changed, in order.
    pub fn apply(&mut self, outcomes: &[RuleOutcome], now: SystemTime) -> Vec<Transition> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        for o in outcomes {
            self.apply_one(o, now, &mut out);
        }
        self.update_suppression(now, &mut out);
        self.update_incidents(now, &mut out);
        // Decide what people hear from each alarm's state at the end of the cycle: a raise
        // that this same evaluation found suppressed (or shelved, out of service) stays quiet.
        for t in out.iter_mut() {
            if let Some(a) = self.alarms.get(&t.key) {
                t.announce &= !self.quiet(a);
                if t.incident.is_none() {
                    t.incident = a.incident;
                }
            }
        }
        out
    }

    fn quiet(&self, a: &Alarm) -> bool {
        a.shelved.is_some() || a.suppressed_by.is_some() || self.out_of_service.contains_key(&a.key.equipment)
    }

    fn push(&self, out: &mut Vec<Transition>, a: &Alarm, kind: TransitionKind, now: SystemTime, announce: bool) {
        out.push(Transition {
            at: now,
            key: a.key.clone(),
            kind,
            actor: SYSTEM.to_string(),
            severity: a.severity,
            announce: announce && !self.quiet(a),
            incident: a.incident,
        });
    }

    fn apply_one(&mut self, o: &RuleOutcome, now: SystemTime, out: &mut Vec<Transition>) {
        let k = key(&o.rule, &o.equipment);
        let mut a = self
            .alarms
            .remove(&k)
            .unwrap_or_else(|| Alarm::new(k.clone(), LATCHING.contains(&o.rule.as_str())));
        match &o.condition {
            Condition::Unknown { reason } => {
                if a.unknown.as_ref() != Some(reason) {
                    a.unknown = Some(reason.clone());
                    // Visible, not paged: COM-01 carries the news of the lost device.
                    self.push(out, &a, TransitionKind::Unknown { reason: reason.clone() }, now, false);
                }
            }
            Condition::Active(f) => {
                self.known(&mut a, now, out);
                self.active(&mut a, f, now, out);
            }
            Condition::Normal => {
                self.known(&mut a, now, out);
                self.normal(&mut a, now, out);
            }
        }
        self.alarms.insert(k, a);
    }

    fn known(&self, a: &mut Alarm, now: SystemTime, out: &mut Vec<Transition>) {
        if a.unknown.take().is_some() {
            self.push(out, a, TransitionKind::Known, now, false);
        }
    }

    fn active(&self, a: &mut Alarm, f: &Finding, now: SystemTime, out: &mut Vec<Transition>) {
        a.normal_since = None;
        if a.active {
            a.latch_waiting_reset = false;
            // A new cause or severity is news; the live numbers in the text ("level 1.62 m")
            // are not: they are kept in the finding without a transition per reading.
            let changed = a.finding.as_ref().is_none_or(|old| {
                old.severity != f.severity || !same_words(&old.message, &f.message) || {
                    match (&old.diagnosis, &f.diagnosis) {
                        (Some(o), Some(n)) => !same_words(o, n),
                        (o, n) => o.is_some() != n.is_some(),
                    }
                }
            });
            let worse = a.severity.is_some_and(|s| f.severity > s);
            a.finding = Some(f.clone());
            a.severity = Some(f.severity);
            if changed {
                self.push(out, a, TransitionKind::Updated, now, worse);
            }
            return;
        }
        a.active = true;
        a.acknowledged = false;
        a.acknowledged_at = None;
        a.acknowledged_by = None;
        a.raised_at = Some(now);
        a.cleared_at = None;
        a.finding = Some(f.clone());
        a.severity = Some(f.severity);
        let window = self.chatter_window;
        a.recent_raises
            .retain(|t| now.duration_since(*t).is_ok_and(|d| d < window));
        a.recent_raises.push(now);
        let starts_chatter = !a.chattering && a.recent_raises.len() >= self.chatter_raises;
        self.push(out, a, TransitionKind::Raised, now, !a.chattering && !starts_chatter);
        if starts_chatter {
            a.chattering = true;
            self.push(out, a, TransitionKind::ChatterStarted, now, true);
        }
    }

    fn normal(&self, a: &mut Alarm, now: SystemTime, out: &mut Vec<Transition>) {
        if !a.active {
            return;
        }
        if a.latching {
            if !a.latch_waiting_reset {
                a.latch_waiting_reset = true;
                self.push(out, a, TransitionKind::LatchHeld, now, false);
            }
            return;
        }
        if a.chattering {
            let since = *a.normal_since.get_or_insert(now);
            if now.duration_since(since).unwrap_or_default() < self.chatter_window {
                return;
            }
            a.chattering = false;
            a.recent_raises.clear();
            self.push(out, a, TransitionKind::ChatterEnded, now, false);
        }
        a.active = false;
        a.normal_since = None;
        a.cleared_at = Some(now);
        self.push(out, a, TransitionKind::Cleared, now, false);
    }

    /// Shelves and out-of-service periods end by themselves.
    fn expire(&mut self, now: SystemTime, out: &mut Vec<Transition>) {
        let keys: Vec<AlarmKey> = self
            .alarms
            .values()
            .filter(|a| a.shelved.as_ref().is_some_and(|s| s.until <= now))
            .map(|a| a.key.clone())
            .collect();
        for k in keys {
            if let Some(mut a) = self.alarms.remove(&k) {
                a.shelved = None;
                let announce = a.active && !a.acknowledged;
                self.push(out, &a, TransitionKind::Unshelved { expired: true }, now, announce);
                self.alarms.insert(k, a);
            }
        }
        let ended: Vec<String> = self
            .out_of_service
            .iter()
            .filter(|(_, o)| o.until.is_some_and(|u| u <= now))
            .map(|(e, _)| e.clone())
            .collect();
        for e in ended {
            self.out_of_service.remove(&e);
            out.push(system_transition(now, &e, TransitionKind::BackInService, SYSTEM));
        }
    }

    fn update_suppression(&mut self, now: SystemTime, out: &mut Vec<Transition>) {
        let active: Vec<AlarmKey> = self
            .alarms
            .values()
            .filter(|a| a.active)
            .map(|a| a.key.clone())
            .collect();
        let keys: Vec<AlarmKey> = self.alarms.keys().cloned().collect();
        for k in keys {
            let cause = suppressing_cause(&k.rule, active.iter().map(|a| a.rule.as_str()))
                .and_then(|rule| active.iter().find(|a| a.rule == rule).cloned());
            let Some(mut a) = self.alarms.remove(&k) else { continue };
            if a.suppressed_by != cause {
                let kind = match &cause {
                    Some(by) => TransitionKind::Suppressed { by: by.clone() },
                    None => TransitionKind::Unsuppressed,
                };
                a.suppressed_by = cause;
                let announce = a.suppressed_by.is_none() && a.active && !a.acknowledged;
                self.push(out, &a, kind, now, announce);
            }
            self.alarms.insert(k, a);
        }
    }

    fn update_incidents(&mut self, now: SystemTime, out: &mut Vec<Transition>) {
        let joining: Vec<AlarmKey> = self
            .alarms
            .values()
            .filter(|a| a.active && a.incident.is_none())
            .map(|a| a.key.clone())
            .collect();
        for k in joining {
            // A consequence shares its cause's root: it joins the cause's incident.
            let cause_incident = self
                .alarms
                .get(&k)
                .and_then(|a| a.suppressed_by.as_ref())
                .and_then(|c| self.alarms.get(c))
                .and_then(|c| c.incident);
            let class = IncidentClass::of(&k);
            let id = match self.incidents.iter_mut().find(|i| {
                i.is_open() && (Some(i.id) == cause_incident || (cause_incident.is_none() && i.class == class))
            }) {
                Some(i) => {
                    i.alarms.push(k.clone());
                    i.id
                }
                None => {
                    let id = self.next_incident;
                    self.next_incident += 1;
                    self.incidents.push(Incident {
                        id,
                        class,
                        opened_at: now,
                        closed_at: None,
                        alarms: vec![k.clone()],
                    });
                    let mut t = system_transition(
                        now,
                        &k.equipment,
                        TransitionKind::IncidentOpened { incident: id },
                        SYSTEM,
                    );
                    t.key = k.clone();
                    t.incident = Some(id);
                    out.push(t);
                    id
                }
            };
            if let Some(a) = self.alarms.get_mut(&k) {
                a.incident = Some(id);
            }
        }
        for i in self.incidents.iter_mut().filter(|i| i.is_open()) {
            let any_active = i.alarms.iter().any(|k| self.alarms.get(k).is_some_and(|a| a.active));
            if !any_active {
                i.closed_at = Some(now);
                let first = i.alarms.first().cloned().unwrap_or_else(|| key("", "site"));
                let mut t = system_transition(
                    now,
                    &first.equipment,
                    TransitionKind::IncidentClosed { incident: i.id },
                    SYSTEM,
                );
                t.key = first;
                t.incident = Some(i.id);
                out.push(t);
                for k in &i.alarms {
                    if let Some(a) = self.alarms.get_mut(k) {
                        a.incident = None;
                    }
                }
            }
        }
        let closed = self.incidents.iter().filter(|i| !i.is_open()).count();
        if closed > CLOSED_INCIDENTS_KEPT {
            let mut drop = closed - CLOSED_INCIDENTS_KEPT;
            self.incidents.retain(|i| {
                let gone = drop > 0 && !i.is_open();
                drop -= gone as usize;
                !gone
            });
        }
    }

    /// The alarm an operator names, or why there is none.
    fn alarm_mut(&mut self, rule: &str, equipment: &str) -> Result<(AlarmKey, &mut Alarm), OperationError> {
        let k = key(rule, equipment);
        match self.alarms.get_mut(&k) {
            Some(a) => Ok((k, a)),
            None => Err(OperationError::NoSuchAlarm(k)),
        }
    }

    // ---- operator operations ---------------------------------------------------------

    /// Acknowledges an unacknowledged alarm (active, or returned to normal).
    pub fn acknowledge(
        &mut self,
        rule: &str,
        equipment: &str,
        by: &str,
        note: Option<&str>,
        now: SystemTime,
    ) -> Result<Transition, OperationError> {
        let (k, a) = self.alarm_mut(rule, equipment)?;
        if a.acknowledged {
            return Err(OperationError::NothingToAcknowledge(k));
        }
        a.acknowledged = true;
        a.acknowledged_at = Some(now);
        a.acknowledged_by = Some(by.to_string());
        Ok(operator(
            now,
            a,
            TransitionKind::Acknowledged {
                note: note.map(String::from),
            },
            by,
        ))
    }

    /// Shelves an alarm for `duration`; it returns by itself when the shelve expires.
    pub fn shelve(
        &mut self,
        rule: &str,
        equipment: &str,
        duration: Duration,
        reason: &str,
        by: &str,
        now: SystemTime,
    ) -> Result<Transition, OperationError> {
        if duration.is_zero() || reason.trim().is_empty() {
            return Err(OperationError::BadShelve);
        }
        let (_, a) = self.alarm_mut(rule, equipment)?;
        let until = now + duration;
        a.shelved = Some(Shelve {
            until,
            by: by.to_string(),
            reason: reason.to_string(),
        });
        Ok(operator(
            now,
            a,
            TransitionKind::Shelved {
                until,
                reason: reason.to_string(),
            },
            by,
        ))
    }

    pub fn unshelve(
        &mut self,
        rule: &str,
        equipment: &str,
        by: &str,
        now: SystemTime,
    ) -> Result<Transition, OperationError> {
        let (k, a) = self.alarm_mut(rule, equipment)?;
        if a.shelved.take().is_none() {
            return Err(OperationError::NotShelved(k));
        }
        let mut t = operator(now, a, TransitionKind::Unshelved { expired: false }, by);
        t.announce = a.active && !a.acknowledged;
        Ok(t)
    }

    /// Resets a latched alarm whose contact has cleared (FIRE-01 after a confirmed or false
    /// alarm, DRN-05 after the leak is found).
    pub fn reset_latch(
        &mut self,
        rule: &str,
        equipment: &str,
        by: &str,
        now: SystemTime,
    ) -> Result<Transition, OperationError> {
        let (k, a) = self.alarm_mut(rule, equipment)?;
        if !a.latch_waiting_reset {
            return Err(OperationError::NotLatched(k));
        }
        a.latch_waiting_reset = false;
        a.active = false;
        a.cleared_at = Some(now);
        Ok(operator(now, a, TransitionKind::LatchReset, by))
    }

    /// Takes equipment out of service (maintenance, a test run): its alarms are kept but not
    /// announced, and the state says who, why and until when.
    pub fn set_out_of_service(
        &mut self,
        equipment: &str,
        by: &str,
        why: &str,
        until: Option<SystemTime>,
        now: SystemTime,
    ) -> Transition {
        self.out_of_service.insert(
            equipment.to_string(),
            OutOfService {
                by: by.to_string(),
                why: why.to_string(),
                until,
                since: now,
            },
        );
        system_transition(
            now,
            equipment,
            TransitionKind::OutOfService {
                why: why.to_string(),
                until,
            },
            by,
        )
    }

    pub fn return_to_service(
        &mut self,
        equipment: &str,
        by: &str,
        now: SystemTime,
    ) -> Result<Transition, OperationError> {
        self.out_of_service
            .remove(equipment)
            .ok_or_else(|| OperationError::NotOutOfService(equipment.to_string()))?;
        Ok(system_transition(now, equipment, TransitionKind::BackInService, by))
    }
}

/// Whether two texts say the same thing apart from the numbers in them.
fn same_words(a: &Text, b: &Text) -> bool {
    let words = |s: &str| {
        s.chars()
            .filter(|c| !c.is_ascii_digit() && *c != '.')
            .collect::<String>()
    };
    words(&a.en) == words(&b.en) && words(&a.zh) == words(&b.zh)
}

fn key(rule: &str, equipment: &str) -> AlarmKey {
    AlarmKey {
        rule: rule.to_string(),
        equipment: equipment.to_string(),
    }
}

fn operator(now: SystemTime, a: &Alarm, kind: TransitionKind, by: &str) -> Transition {
    Transition {
        at: now,
        key: a.key.clone(),
        kind,
        actor: by.to_string(),
        severity: a.severity,
        announce: false,
        incident: a.incident,
    }
}

/// An equipment-level event (out of service, incidents): the rule field is `*`.
fn system_transition(now: SystemTime, equipment: &str, kind: TransitionKind, by: &str) -> Transition {
    Transition {
        at: now,
        key: key("*", equipment),
        kind,
        actor: by.to_string(),
        severity: None,
        announce: false,
        incident: None,
    }
}
