//! The daemon's embedded database: one SQLite file, `facmon.db`, in the data directory.
//!
//! Every durable table of facmon (the alarm journal, the alarm stage's saved state, and the
//! stages that come after it) lives in this one file, so a backup is one copy and a restore
//! is one file. WAL mode lets readers (`facmon kpi`, the API) run while the daemon writes;
//! `synchronous = NORMAL` keeps every commit through a crash of the process (`kill -9`) and
//! loses at most the last commits on a power cut, which the daemon re-derives from the plant.
//!
//! The schema version is `PRAGMA user_version`; [`open`] applies the migrations the file
//! lacks, each in its own transaction, so an old file is upgraded in place and a new one is
//! created complete. Migrations are only ever appended.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

/// The database file's name inside the data directory.
pub const FILE_NAME: &str = "facmon.db";

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error("database {0}: {1}")]
    Sqlite(PathBuf, rusqlite::Error),
    #[error("database {0} has schema version {1}, newer than this facmon knows ({2}); upgrade facmon")]
    TooNew(PathBuf, i64, usize),
}

/// The schema, one step per version.
const MIGRATIONS: &[&str] = &[
    // 1: every alarm lifecycle transition, append-only.
    "CREATE TABLE alarm_journal (
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
    CREATE INDEX alarm_journal_at ON alarm_journal(at_ms);",
    // 2: what the alarm stage needs after a restart (alarm book, rule timers, run history),
    // one JSON document per name, replaced as it changes.
    "CREATE TABLE alarm_state (
        name TEXT PRIMARY KEY,
        saved_at_ms INTEGER NOT NULL,
        json TEXT NOT NULL
    );",
    // 3: the alarm's state right after each journaled transition, for the outputs that
    // replay the journal (time series).
    "ALTER TABLE alarm_journal ADD COLUMN state TEXT;
    ALTER TABLE alarm_journal ADD COLUMN active INTEGER;",
    // 4: work-order tickets (`ticket`): the ticket row holds its current state, the timeline
    // every step (append-only), the checklist the procedure's required actions;
    // `stage_cursor` holds an output stage's position in the alarm journal.
    "CREATE TABLE ticket (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident INTEGER,
        previous INTEGER REFERENCES ticket(id),
        category TEXT NOT NULL,
        priority TEXT NOT NULL,
        state TEXT NOT NULL,
        title_zh TEXT NOT NULL,
        title_en TEXT NOT NULL,
        rule TEXT,
        equipment TEXT,
        assignee TEXT,
        opened_at_ms INTEGER NOT NULL,
        opened_by TEXT NOT NULL,
        assigned_at_ms INTEGER,
        acknowledged_at_ms INTEGER,
        acknowledged_by TEXT,
        on_site_at_ms INTEGER,
        resolved_at_ms INTEGER,
        closed_at_ms INTEGER,
        cancelled_at_ms INTEGER,
        cancel_reason TEXT,
        incident_cleared_at_ms INTEGER,
        on_site_due_ms INTEGER NOT NULL,
        follow_up_due_ms INTEGER
    );
    CREATE INDEX ticket_incident ON ticket(incident);
    CREATE INDEX ticket_state ON ticket(state);
    CREATE INDEX ticket_opened ON ticket(opened_at_ms);
    CREATE TABLE ticket_timeline (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket INTEGER NOT NULL REFERENCES ticket(id),
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT,
        rule TEXT,
        equipment TEXT,
        nth INTEGER
    );
    CREATE INDEX ticket_timeline_ticket ON ticket_timeline(ticket, seq);
    CREATE TABLE ticket_checklist (
        ticket INTEGER NOT NULL REFERENCES ticket(id),
        pos INTEGER NOT NULL,
        rule TEXT NOT NULL,
        zh TEXT NOT NULL,
        en TEXT NOT NULL,
        done_at_ms INTEGER,
        done_by TEXT,
        PRIMARY KEY (ticket, pos)
    );
    CREATE TABLE stage_cursor (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );",
    // 5: the notification outbox: every page is a row before it is sent, with an
    // idempotency key, attempts and the time it is due again.
    "CREATE TABLE notify_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        created_ms INTEGER NOT NULL,
        ticket INTEGER,
        step TEXT NOT NULL,
        round INTEGER,
        person TEXT NOT NULL,
        channel TEXT NOT NULL,
        envelope TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_ms INTEGER NOT NULL,
        sent_ms INTEGER,
        failed_ms INTEGER,
        last_error TEXT
    );
    CREATE INDEX notify_outbox_pending ON notify_outbox(next_ms) WHERE sent_ms IS NULL AND failed_ms IS NULL;
    CREATE INDEX notify_outbox_ticket ON notify_outbox(ticket, round);",
    // 6: the HTTP API's people and machines (passwords as argon2 PHC strings, tokens and
    // session ids as SHA-256 hex: a stolen file gives no way in), and the audit log of every
    // change made through it (append-only).
    "CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE TABLE api_tokens (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        role TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL
    );
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        from_addr TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL
    );
    CREATE INDEX audit_at ON audit(at_ms);",
];

/// An open database and its path (for error messages).
pub struct Db {
    pub conn: Connection,
    pub path: PathBuf,
}

impl Db {
    /// Wraps a SQLite error with this database's path.
    pub fn err(&self, e: rusqlite::Error) -> DbError {
        DbError::Sqlite(self.path.clone(), e)
    }
}

/// Opens (creating if needed) `facmon.db` in `data_dir` and brings its schema up to date.
pub fn open(data_dir: &Path) -> Result<Db, DbError> {
    std::fs::create_dir_all(data_dir).map_err(|e| DbError::DataDir(data_dir.to_path_buf(), e))?;
    let path = data_dir.join(FILE_NAME);
    let err = |e| DbError::Sqlite(path.clone(), e);
    let mut conn = Connection::open(&path).map_err(err)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    if version > MIGRATIONS.len() as i64 {
        return Err(DbError::TooNew(path, version, MIGRATIONS.len()));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(Db { conn, path })
}

/// Wall time as stored: milliseconds since the Unix epoch (0 before it).
pub fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The inverse of [`millis`].
pub fn from_millis(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_gets_every_migration_and_reopening_applies_none_twice() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        let db = open(dir.path()).unwrap();
        let version: i64 = db.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = db.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_file_from_a_newer_facmon_is_refused_rather_than_misread() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path()).unwrap();
        db.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(db);
        match open(dir.path()) {
            Err(e @ DbError::TooNew(..)) => assert!(e.to_string().contains("upgrade facmon"), "{e}"),
            Err(e) => panic!("wrong error {e}"),
            Ok(_) => panic!("a newer schema must be refused"),
        }
    }
}
