//! The store-and-forward queue: every batch is on disk before it is sent, and leaves the
//! disk only when the database has taken it. A database outage, or a restart of facmon
//! during one, loses nothing; batches are replayed oldest first.
//!
//! One SQLite file per target (`influx-<id>.queue.db` in the data directory), separate from
//! `facmon.db` because it is a buffer, not a record: it churns, and it may be deleted
//! without losing history. Readings and alarm events are queued in separate batches, so
//! that when the queue is over its byte bound the oldest *reading* batches can be dropped
//! (and counted) while alarm events never are — even if that means going over the bound.
//! The queue also keeps the writer's cursor into the alarm journal, updated in the same
//! transaction as the batch holding those events: each event is queued exactly once.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{from_millis, millis, DbError};

/// One queued batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub seq: i64,
    pub created: SystemTime,
    pub lines: u64,
    pub events: bool,
    pub body: String,
}

/// How full the queue is.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Depth {
    pub batches: u64,
    pub lines: u64,
    pub bytes: u64,
    pub oldest: Option<SystemTime>,
}

pub struct Queue {
    conn: Connection,
    path: PathBuf,
    max_bytes: u64,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS batch (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        created_ms INTEGER NOT NULL,
        lines INTEGER NOT NULL,
        events INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS cursor (name TEXT PRIMARY KEY, value INTEGER NOT NULL);";

impl Queue {
    /// Opens (creating) the queue file for target `id` in `data_dir`.
    pub fn open(data_dir: &Path, id: &str, max_bytes: u64) -> Result<Queue, DbError> {
        std::fs::create_dir_all(data_dir).map_err(|e| DbError::DataDir(data_dir.to_path_buf(), e))?;
        let path = data_dir.join(format!("influx-{id}.queue.db"));
        let err = |e| DbError::Sqlite(path.clone(), e);
        let conn = Connection::open(&path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Queue { conn, path, max_bytes })
    }

    fn err(&self, e: rusqlite::Error) -> DbError {
        DbError::Sqlite(self.path.clone(), e)
    }

    /// Queues a batch; with `cursor`, also moves the journal cursor in the same transaction.
    /// Returns the number of reading lines dropped to stay within the byte bound.
    pub fn push(
        &mut self,
        body: &str,
        lines: usize,
        events: bool,
        cursor: Option<i64>,
        now: SystemTime,
    ) -> Result<u64, DbError> {
        let path = self.path.clone();
        let err = move |e| DbError::Sqlite(path.clone(), e);
        let max_bytes = self.max_bytes;
        let tx = self.conn.transaction().map_err(&err)?;
        let result = (|| {
            if !body.is_empty() {
                tx.execute(
                    "INSERT INTO batch (created_ms, lines, events, bytes, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![millis(now), lines as i64, events, body.len() as i64, body],
                )?;
            }
            if let Some(c) = cursor {
                tx.execute(
                    "INSERT INTO cursor (name, value) VALUES ('journal', ?1)
                     ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    params![c],
                )?;
            }
            let mut dropped = 0u64;
            loop {
                let bytes: i64 = tx.query_row("SELECT COALESCE(SUM(bytes), 0) FROM batch", [], |r| r.get(0))?;
                if (bytes as u64) <= max_bytes {
                    break;
                }
                let oldest: Option<(i64, i64)> = tx
                    .query_row(
                        "SELECT seq, lines FROM batch WHERE events = 0 ORDER BY seq LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                // Only alarm events left: they are kept, over the bound if need be.
                let Some((seq, n)) = oldest else { break };
                tx.execute("DELETE FROM batch WHERE seq = ?1", params![seq])?;
                dropped += n as u64;
            }
            Ok(dropped)
        })();
        let dropped = result.map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(dropped)
    }

    /// The oldest batch, without removing it.
    pub fn peek(&self) -> Result<Option<Batch>, DbError> {
        self.conn
            .query_row(
                "SELECT seq, created_ms, lines, events, body FROM batch ORDER BY seq LIMIT 1",
                [],
                |r| {
                    Ok(Batch {
                        seq: r.get(0)?,
                        created: from_millis(r.get(1)?),
                        lines: r.get::<_, i64>(2)? as u64,
                        events: r.get(3)?,
                        body: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Removes a batch the database has taken (or refused for good).
    pub fn remove(&mut self, seq: i64) -> Result<(), DbError> {
        self.conn
            .execute("DELETE FROM batch WHERE seq = ?1", params![seq])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The journal sequence number of the last alarm event queued, if any.
    pub fn cursor(&self) -> Result<Option<i64>, DbError> {
        self.conn
            .query_row("SELECT value FROM cursor WHERE name = 'journal'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn depth(&self) -> Result<Depth, DbError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(lines), 0), COALESCE(SUM(bytes), 0), MIN(created_ms) FROM batch",
                [],
                |r| {
                    Ok(Depth {
                        batches: r.get::<_, i64>(0)? as u64,
                        lines: r.get::<_, i64>(1)? as u64,
                        bytes: r.get::<_, i64>(2)? as u64,
                        oldest: r.get::<_, Option<i64>>(3)?.map(from_millis),
                    })
                },
            )
            .map_err(|e| self.err(e))
    }
}

impl Depth {
    /// How long the oldest batch has waited.
    pub fn oldest_age(&self, now: SystemTime) -> Duration {
        self.oldest.and_then(|o| now.duration_since(o).ok()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
    }

    #[test]
    fn batches_come_back_oldest_first_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut q = Queue::open(dir.path(), "main", 1 << 20).unwrap();
            q.push("a 1\n", 1, false, None, t(0)).unwrap();
            q.push("b 2\n", 1, true, Some(7), t(1)).unwrap();
        }
        let mut q = Queue::open(dir.path(), "main", 1 << 20).unwrap();
        assert_eq!(q.cursor().unwrap(), Some(7));
        let first = q.peek().unwrap().unwrap();
        assert_eq!(
            (first.body.as_str(), first.events, first.created),
            ("a 1\n", false, t(0))
        );
        q.remove(first.seq).unwrap();
        assert_eq!(q.peek().unwrap().unwrap().body, "b 2\n");
        let d = q.depth().unwrap();
        assert_eq!((d.batches, d.lines, d.bytes), (1, 1, 4));
        assert_eq!(d.oldest_age(t(11)), Duration::from_secs(10));
    }

    #[test]
    fn over_the_bound_the_oldest_readings_are_dropped_and_counted_but_never_alarm_events() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = Queue::open(dir.path(), "main", 20).unwrap();
        assert_eq!(q.push("event-000\n", 1, true, Some(1), t(0)).unwrap(), 0);
        assert_eq!(q.push("reading-1\n", 3, false, None, t(1)).unwrap(), 0);
        // 30 bytes > 20: the reading batch goes, the event stays.
        assert_eq!(q.push("reading-2\n", 2, false, None, t(2)).unwrap(), 3);
        assert_eq!(q.push("event-001\n", 1, true, Some(2), t(3)).unwrap(), 2);
        // Only events left: kept over the bound.
        assert_eq!(q.push("event-002\n", 1, true, Some(3), t(4)).unwrap(), 0);
        let d = q.depth().unwrap();
        assert_eq!((d.batches, d.bytes), (3, 30));
    }
}
