//! Users (people, with argon2 passwords) and API tokens (machines) in `facmon.db`.

use std::sync::OnceLock;
use std::time::SystemTime;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};

use super::{random_secret, sha256_hex, AuthError, Role};
use crate::api::ApiError;
use crate::db::millis;

fn check_name(name: &str) -> Result<(), AuthError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    ok.then_some(()).ok_or_else(|| AuthError::BadName(name.to_string()))
}

fn role(name: &str) -> Result<Role, AuthError> {
    Role::from_name(name).ok_or_else(|| AuthError::BadRole(name.to_string()))
}

/// An argon2id PHC string for `password`, with a random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Adds a user or replaces their password and role (`facmon user add`).
pub fn add_user(
    conn: &Connection,
    name: &str,
    role_name: &str,
    password: &str,
    now: SystemTime,
) -> Result<(), AuthError> {
    check_name(name)?;
    role(role_name)?;
    if password.chars().count() < 10 {
        return Err(AuthError::ShortPassword);
    }
    let hash = hash_password(password)?;
    conn.execute(
        "INSERT INTO users (name, role, password_hash, created) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
        params![name, role_name, hash, millis(now)],
    )?;
    Ok(())
}

/// Creates (or replaces) the token `name`; returns the token, which is stored only hashed
/// and so can never be shown again.
pub fn add_token(conn: &Connection, name: &str, role_name: &str, now: SystemTime) -> Result<String, AuthError> {
    check_name(name)?;
    role(role_name)?;
    let token = random_secret();
    conn.execute(
        "INSERT INTO api_tokens (name, role, token_hash, created) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash",
        params![name, role_name, sha256_hex(token.as_bytes()), millis(now)],
    )?;
    Ok(token)
}

/// The user's name and role if `password` is theirs. An unknown user costs as much time as
/// a wrong password, so the answer time does not tell which names exist.
pub fn check_password(conn: &Connection, name: &str, password: &str) -> Result<Option<(String, Role)>, ApiError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT role, password_hash FROM users WHERE name = ?1",
            params![name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(ApiError::internal)?;
    let Some((role_name, phc)) = row else {
        static DUMMY: OnceLock<String> = OnceLock::new();
        let dummy = DUMMY.get_or_init(|| hash_password("not a password of anybody").unwrap_or_default());
        verify(password, dummy);
        return Ok(None);
    };
    Ok((verify(password, &phc))
        .then(|| Role::from_name(&role_name).map(|r| (name.to_string(), r)))
        .flatten())
}

/// The token's name and role, by the SHA-256 of the token.
pub fn find_token(conn: &Connection, token_hash: &str) -> Result<Option<(String, Role)>, ApiError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT name, role FROM api_tokens WHERE token_hash = ?1",
            params![token_hash],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(ApiError::internal)?;
    Ok(row.and_then(|(n, r)| Role::from_name(&r).map(|r| (n, r))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_signs_in_with_their_password_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(dir.path()).unwrap();
        add_user(
            &db.conn,
            "wang",
            "operator",
            "correct horse battery",
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let ok = check_password(&db.conn, "wang", "correct horse battery").unwrap();
        assert_eq!(ok, Some(("wang".into(), Role::Operator)));
        assert_eq!(check_password(&db.conn, "wang", "wrong horse battery").unwrap(), None);
        assert_eq!(check_password(&db.conn, "li", "correct horse battery").unwrap(), None);
        let stored: String = db
            .conn
            .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
            .unwrap();
        assert!(
            stored.starts_with("$argon2id$") && !stored.contains("correct"),
            "{stored}"
        );
    }

    #[test]
    fn bad_users_and_tokens_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(dir.path()).unwrap();
        let t = SystemTime::UNIX_EPOCH;
        assert!(matches!(
            add_user(&db.conn, "wang", "root", "long enough pw", t),
            Err(AuthError::BadRole(_))
        ));
        assert!(matches!(
            add_user(&db.conn, "a b", "viewer", "long enough pw", t),
            Err(AuthError::BadName(_))
        ));
        assert!(matches!(
            add_user(&db.conn, "wang", "viewer", "short", t),
            Err(AuthError::ShortPassword)
        ));
        let token = add_token(&db.conn, "grafana", "viewer", t).unwrap();
        let found = find_token(&db.conn, &sha256_hex(token.as_bytes())).unwrap();
        assert_eq!(found, Some(("grafana".into(), Role::Viewer)));
    }
}
