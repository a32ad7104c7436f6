//! The alarm journal: every lifecycle transition, appended to SQLite before it is published,
//! and the alarm stage's saved state, written in the same transaction.
//!
//! Both live in `facmon.db` ([`crate::db`]). Journal rows are never updated or deleted. The
//! saved state is one JSON document per name (`book`, `timers`, `run_history`), replaced
//! whenever it changes; because a cycle's transitions and the state they led to commit
//! together, a crash can never leave a journal that says "raised" with a saved book that
//! does not know the alarm (or the other way round).

use std::path::Path;
use std::time::SystemTime;

use rusqlite::{params, OptionalExtension};

use super::{AlarmState, Transition, TransitionKind};
use crate::db::{self, Db, DbError};

/// Why the journal could not be used.
pub type JournalError = DbError;

/// One journal row as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalRow {
    pub seq: i64,
    pub at: SystemTime,
    pub rule: String,
    pub equipment: String,
    /// `raised`, `cleared`, `acknowledged`, … (the transition kind's tag).
    pub kind: String,
    pub actor: String,
    pub severity: Option<String>,
    pub announce: bool,
    pub incident: Option<i64>,
    /// The alarm's state right after the transition (`unacknowledged`, …); `None` for
    /// equipment-level (`*`) rows and rows written before facmon recorded it.
    pub state: Option<String>,
    pub active: Option<bool>,
}

/// The alarm's state right after a transition, journaled with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    pub state: Option<AlarmState>,
    pub active: bool,
}

/// The open journal.
pub struct Journal {
    db: Db,
}

impl Journal {
    /// Opens (creating if needed) `facmon.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Journal, JournalError> {
        Ok(Journal {
            db: db::open(data_dir)?,
        })
    }

    /// Appends transitions in one transaction (all or none).
    pub fn append(&mut self, transitions: &[Transition]) -> Result<(), JournalError> {
        self.record(transitions, &[], &[], SystemTime::UNIX_EPOCH)
    }

    /// Appends transitions (with `stamps[i]` the state after `transitions[i]`, when given) and
    /// replaces saved state documents (`(name, json)`), all in one transaction.
    pub fn record(
        &mut self,
        transitions: &[Transition],
        stamps: &[Stamp],
        state: &[(&str, &str)],
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let tx = self
            .db
            .conn
            .transaction()
            .map_err(|e| DbError::Sqlite(self.db.path.clone(), e))?;
        let result = (|| {
            let mut insert = tx.prepare_cached(
                "INSERT INTO alarm_journal (at_ms, rule, equipment, kind, actor, severity, announce, incident, detail, state, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for (i, t) in transitions.iter().enumerate() {
                let stamp = stamps.get(i);
                let detail = serde_json::to_string(&t.kind).unwrap_or_else(|_| "{}".into());
                insert.execute(params![
                    db::millis(t.at),
                    t.key.rule,
                    t.key.equipment,
                    kind_name(&t.kind),
                    t.actor,
                    t.severity.map(|s| s.as_str()),
                    t.announce,
                    t.incident.map(|i| i as i64),
                    detail,
                    stamp.and_then(|s| s.state).map(|s| s.as_str()),
                    stamp.map(|s| s.active),
                ])?;
            }
            let mut save = tx.prepare_cached(
                "INSERT INTO alarm_state (name, saved_at_ms, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET saved_at_ms = excluded.saved_at_ms, json = excluded.json",
            )?;
            for (name, json) in state {
                save.execute(params![name, db::millis(now), json])?;
            }
            Ok(())
        })();
        result.and_then(|()| tx.commit()).map_err(|e| self.db.err(e))
    }

    /// A saved state document, if one was ever saved under `name`.
    pub fn load_state(&self, name: &str) -> Result<Option<String>, JournalError> {
        self.db
            .conn
            .query_row("SELECT json FROM alarm_state WHERE name = ?1", params![name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.db.err(e))
    }

    /// Every row at or after `since`, oldest first.
    pub fn since(&self, since: SystemTime) -> Result<Vec<JournalRow>, JournalError> {
        self.rows("at_ms >= ?1 ORDER BY seq", db::millis(since), i64::MAX)
    }

    /// Up to `limit` rows after sequence number `seq`, oldest first: how an output replays
    /// the journal from its own cursor.
    pub fn after(&self, seq: i64, limit: usize) -> Result<Vec<JournalRow>, JournalError> {
        self.rows(
            "seq > ?1 ORDER BY seq LIMIT ?2",
            seq,
            limit.min(i64::MAX as usize) as i64,
        )
    }

    /// Every row of one incident, oldest first: the incident's timeline.
    pub fn for_incident(&self, incident: i64) -> Result<Vec<JournalRow>, JournalError> {
        self.rows("incident = ?1 ORDER BY seq", incident, i64::MAX)
    }

    /// The newest sequence number (0 when empty).
    pub fn last_seq(&self) -> Result<i64, JournalError> {
        self.db
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM alarm_journal", [], |r| r.get(0))
            .map_err(|e| self.db.err(e))
    }

    fn rows(&self, filter: &str, a: i64, limit: i64) -> Result<Vec<JournalRow>, JournalError> {
        let err = |e| self.db.err(e);
        let sql = format!(
            "SELECT seq, at_ms, rule, equipment, kind, actor, severity, announce, incident, state, active
             FROM alarm_journal WHERE {filter}"
        );
        let mut stmt = self.db.conn.prepare_cached(&sql).map_err(err)?;
        let map = |r: &rusqlite::Row<'_>| {
            Ok(JournalRow {
                seq: r.get(0)?,
                at: db::from_millis(r.get(1)?),
                rule: r.get(2)?,
                equipment: r.get(3)?,
                kind: r.get(4)?,
                actor: r.get(5)?,
                severity: r.get(6)?,
                announce: r.get(7)?,
                incident: r.get(8)?,
                state: r.get(9)?,
                active: r.get(10)?,
            })
        };
        let rows = if filter.contains("?2") {
            stmt.query_map(params![a, limit], map)
        } else {
            stmt.query_map(params![a], map)
        }
        .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}

/// Every transition kind's tag, in lifecycle order (documented in docs/timeseries.md).
pub const KIND_NAMES: [&str; 18] = [
    "raised",
    "updated",
    "cleared",
    "latch_held",
    "latch_reset",
    "acknowledged",
    "shelved",
    "unshelved",
    "suppressed",
    "unsuppressed",
    "out_of_service",
    "back_in_service",
    "unknown",
    "known",
    "chatter_started",
    "chatter_ended",
    "incident_opened",
    "incident_closed",
];

/// The transition kind's tag, as stored and counted.
pub fn kind_name(k: &TransitionKind) -> &'static str {
    match k {
        TransitionKind::Raised => "raised",
        TransitionKind::Updated => "updated",
        TransitionKind::Cleared => "cleared",
        TransitionKind::LatchHeld => "latch_held",
        TransitionKind::LatchReset => "latch_reset",
        TransitionKind::Acknowledged { .. } => "acknowledged",
        TransitionKind::Shelved { .. } => "shelved",
        TransitionKind::Unshelved { .. } => "unshelved",
        TransitionKind::Suppressed { .. } => "suppressed",
        TransitionKind::Unsuppressed => "unsuppressed",
        TransitionKind::OutOfService { .. } => "out_of_service",
        TransitionKind::BackInService => "back_in_service",
        TransitionKind::Unknown { .. } => "unknown",
        TransitionKind::Known => "known",
        TransitionKind::ChatterStarted => "chatter_started",
        TransitionKind::ChatterEnded => "chatter_ended",
        TransitionKind::IncidentOpened { .. } => "incident_opened",
        TransitionKind::IncidentClosed { .. } => "incident_closed",
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::alarm::AlarmKey;

    #[test]
    fn transitions_are_appended_and_read_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let t = |kind, s| Transition {
            at: at + Duration::from_secs(s),
            key: AlarmKey {
                rule: "PWR-02".into(),
                equipment: "ats-1".into(),
            },
            kind,
            actor: "facmon".into(),
            severity: Some(crate::rules::outcome::Severity::Critical),
            announce: true,
            incident: Some(1),
        };
        {
            let mut j = Journal::open(dir.path()).unwrap();
            j.append(&[
                t(TransitionKind::Raised, 0),
                t(
                    TransitionKind::Acknowledged {
                        note: Some("王工到场".into()),
                    },
                    30,
                ),
            ])
            .unwrap();
        }
        let j = Journal::open(dir.path()).unwrap();
        let rows = j.since(at).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
            vec!["raised", "acknowledged"]
        );
        assert_eq!(
            (rows[0].rule.as_str(), rows[0].severity.as_deref(), rows[0].incident),
            ("PWR-02", Some("critical"), Some(1))
        );
        assert!(j.since(at + Duration::from_secs(31)).unwrap().is_empty());
    }

    #[test]
    fn saved_state_is_replaced_in_place_and_read_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        {
            let mut j = Journal::open(dir.path()).unwrap();
            assert_eq!(j.load_state("timers").unwrap(), None);
            j.record(&[], &[], &[("timers", "[1]"), ("book", "{}")], at).unwrap();
            j.record(&[], &[], &[("timers", "[2]")], at).unwrap();
        }
        let j = Journal::open(dir.path()).unwrap();
        assert_eq!(j.load_state("timers").unwrap().as_deref(), Some("[2]"));
        assert_eq!(j.load_state("book").unwrap().as_deref(), Some("{}"));
    }
}
