//! Who is calling, and may they?
//!
//! People sign in with a name and password (argon2) and get a session cookie; machines send
//! an API token. Secrets are stored only as hashes (argon2 for passwords, SHA-256 for the
//! random tokens and session ids: they are 256-bit random, so a fast hash is enough) and are
//! never logged. A request with a session cookie that changes anything must also carry the
//! session's CSRF token, so another site cannot make a signed-in browser act.
//!
//! - `users`: users and tokens in `facmon.db` (`facmon user add`, `facmon token add`).
//! - `sessions`: sign-in sessions and their CSRF tokens.
//! - `ratelimit`: failed sign-ins per client address and user.
//! - `audit`: the audit log of every change.
//! - `routes`: `/login`, `/logout`, `/me`; `cli`: `facmon user add`, `facmon token add`.

pub mod audit;
pub mod cli;
pub mod ratelimit;
pub mod routes;
pub mod sessions;
pub mod users;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Method};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{ApiError, ApiState};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "facmon_session";
/// The header a cookie-authenticated change must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a caller may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read everything.
    Viewer,
    /// And change alarms, equipment service state and tickets.
    Operator,
    /// And manage users and tokens.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        [Role::Viewer, Role::Operator, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == name)
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Token,
    /// A session, with the SHA-256 of its id (for logout).
    Session {
        id_hash: String,
        csrf: String,
    },
}

/// An authenticated caller. As an extractor it answers 401 without credentials, and 403 for
/// a cookie-authenticated change without the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    pub via: Via,
    /// The client address, for the audit log and the rate limit.
    pub from: String,
}

impl Caller {
    /// Refuses (403) a caller whose role is below `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{} has the role {}; this needs {}: ask an admin for a stronger role",
                self.name,
                self.role.as_str(),
                needed.as_str()
            )))
        }
    }
}

/// The client address of a request (`unknown` when served without connection info).
pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<crate::api::tls::Peer>>()
        .map(|c| c.0 .0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Caller, ApiError> {
        let from = client_addr(parts);
        if let Some(token) = bearer(parts) {
            let hash = sha256_hex(token.as_bytes());
            let found = state.db(move |db| users::find_token(&db.conn, &hash)).await?;
            let (name, role) = found.ok_or(ApiError::Unauthenticated)?;
            return Ok(Caller {
                name,
                role,
                via: Via::Token,
                from,
            });
        }
        let Some(id) = cookie(parts, SESSION_COOKIE) else {
            return Err(ApiError::Unauthenticated);
        };
        let id_hash = sha256_hex(id.as_bytes());
        let now = state.now();
        let lookup = id_hash.clone();
        let session = state.db(move |db| sessions::find(&db.conn, &lookup, now)).await?;
        let s = session.ok_or(ApiError::Unauthenticated)?;
        if changes_state(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), s.csrf.as_bytes()) {
                return Err(ApiError::Forbidden(
                    "a change made with a session cookie needs the X-CSRF-Token header from /api/v1/login or /api/v1/me".into(),
                ));
            }
        }
        Ok(Caller {
            name: s.user,
            role: s.role,
            via: Via::Session { id_hash, csrf: s.csrf },
            from,
        })
    }
}

/// The client address of a request, as an extractor (never fails).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

/// Whether a request of this method may change something (and so needs the CSRF token).
fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn bearer(parts: &Parts) -> Option<String> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The value of cookie `name`.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// 32 random bytes from the thread's CSPRNG, as 64 hex digits.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a user or token could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("\"{0}\" is not a role: use viewer, operator or admin")]
    BadRole(String),
    #[error("\"{0}\" is not a usable name: use letters, digits, '.', '-' and '_' (at most 64)")]
    BadName(String),
    #[error("the password is too short: use at least 10 characters")]
    ShortPassword,
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("the database failed: {0}; check that the data directory is writable")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Open(#[from] crate::db::DbError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_weaker_ones() {
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
        assert_eq!(Role::from_name("operator"), Some(Role::Operator));
        assert_eq!(Role::from_name("root"), None);
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_secret().len(), 64);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq(b"same", b"same") && !constant_time_eq(b"same", b"diff"));
    }
}
