//! Sign-in sessions: the cookie holds a random id; the table holds its SHA-256, so a copy of
//! the database does not let anyone in. Each session has its own CSRF token.

use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection, OptionalExtension};

use super::{random_secret, sha256_hex, Role};
use crate::api::ApiError;
use crate::db::millis;

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub csrf: String,
}

/// Starts a session; returns the id for the cookie (not stored) and the CSRF token.
pub fn create(
    conn: &Connection,
    user: &str,
    role: Role,
    lasts: Duration,
    now: SystemTime,
) -> Result<(String, String), ApiError> {
    let id = random_secret();
    let csrf = random_secret();
    conn.execute("DELETE FROM sessions WHERE expires_ms <= ?1", params![millis(now)])
        .map_err(ApiError::internal)?;
    conn.execute(
        "INSERT INTO sessions (id_hash, user, role, csrf, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            sha256_hex(id.as_bytes()),
            user,
            role.as_str(),
            csrf,
            millis(now),
            millis(now + lasts)
        ],
    )
    .map_err(ApiError::internal)?;
    Ok((id, csrf))
}

/// The session whose id hashes to `id_hash`, if it has not expired.
pub fn find(conn: &Connection, id_hash: &str, now: SystemTime) -> Result<Option<Session>, ApiError> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT user, role, csrf FROM sessions WHERE id_hash = ?1 AND expires_ms > ?2",
            params![id_hash, millis(now)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(ApiError::internal)?;
    Ok(row.and_then(|(user, role, csrf)| Role::from_name(&role).map(|role| Session { user, role, csrf })))
}

pub fn delete(conn: &Connection, id_hash: &str) -> Result<(), ApiError> {
    conn.execute("DELETE FROM sessions WHERE id_hash = ?1", params![id_hash])
        .map_err(ApiError::internal)?;
    Ok(())
}
