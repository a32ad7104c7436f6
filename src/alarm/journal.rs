//! The alarm journal: every lifecycle transition, appended to SQLite before it is published.
//!
//! One file in the data directory (`facmon.db`), WAL mode so readers (the KPI report, the API
//! later) never block the writer. Rows are never updated or deleted; the schema version lives
//! in `PRAGMA user_version` and migrations run at open.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};

use super::{Transition, TransitionKind};

/// Why the journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error("alarm journal {0}: {1}")]
    Sqlite(PathBuf, rusqlite::Error),
}

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
}

/// The open journal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

const MIGRATIONS: &[&str] = &["CREATE TABLE alarm_journal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        rule TEXT NOT NULL,
        equipment TEXT NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        severity TEXT,
        announce INTEGER NOT NULL,
        incident INTEGER,
        detail TEXT NOT NULL
    );
    CREATE INDEX alarm_journal_at ON alarm_journal(at_ms);"];

impl Journal {
    /// Opens (creating if needed) `facmon.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Journal, JournalError> {
        std::fs::create_dir_all(data_dir).map_err(|e| JournalError::DataDir(data_dir.to_path_buf(), e))?;
        let path = data_dir.join("facmon.db");
        let err = |e| JournalError::Sqlite(path.clone(), e);
        let mut conn = Connection::open(&path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = conn.transaction().map_err(err)?;
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(Journal { conn, path })
    }

    /// Appends transitions in one transaction (all or none).
    pub fn append(&mut self, transitions: &[Transition]) -> Result<(), JournalError> {
        let path = self.path.clone();
        let err = |e| JournalError::Sqlite(path.clone(), e);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO alarm_journal (at_ms, rule, equipment, kind, actor, severity, announce, incident, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err)?;
            for t in transitions {
                let detail = serde_json::to_string(&t.kind).unwrap_or_else(|_| "{}".into());
                stmt.execute(params![
                    millis(t.at),
                    t.key.rule,
                    t.key.equipment,
                    kind_name(&t.kind),
                    t.actor,
                    t.severity.map(|s| s.as_str()),
                    t.announce,
                    t.incident.map(|i| i as i64),
                    detail
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Every row at or after `since`, oldest first.
    pub fn since(&self, since: SystemTime) -> Result<Vec<JournalRow>, JournalError> {
        let err = |e| JournalError::Sqlite(self.path.clone(), e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at_ms, rule, equipment, kind, actor, severity, announce, incident
                 FROM alarm_journal WHERE at_ms >= ?1 ORDER BY seq",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![millis(since)], |r| {
                Ok(JournalRow {
                    seq: r.get(0)?,
                    at: UNIX_EPOCH + Duration::from_millis(r.get::<_, i64>(1)?.max(0) as u64),
                    rule: r.get(2)?,
                    equipment: r.get(3)?,
                    kind: r.get(4)?,
                    actor: r.get(5)?,
                    severity: r.get(6)?,
                    announce: r.get(7)?,
                    incident: r.get(8)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

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
}
