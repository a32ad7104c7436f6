//! `[api]`: the HTTP API and web console listener (`api`).
//!
//! ```toml
//! [api]
//! enabled = true                 # false = no listener at all
//! bind = "127.0.0.1:8080"        # loopback unless you mean otherwise
//! session_hours = 12             # how long a console sign-in lasts
//! tls_cert_file = "/etc/facmon/api.crt"  # PEM chain; with tls_key_file: HTTPS
//! tls_key_file = "/etc/facmon/api.key"   # PEM private key
//! secure_cookie = false          # true when a TLS reverse proxy fronts facmon
//! login_failures_per_minute = 5  # per client address and user name, then 429
//! ```
//!
//! Safe by default: without the section the API listens on loopback only. To reach it from
//! other machines, give it a certificate (or put a TLS reverse proxy in front of it and set
//! `secure_cookie = true`) rather than binding a public address in the clear.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::Issues;

/// `[api]` as written. Every key is optional.
#[derive(Debug, Default, Deserialize)]
pub struct RawApi {
    /// `false` turns the listener off. Default `true`.
    pub enabled: Option<bool>,
    /// Address and port to listen on. Default `127.0.0.1:8080` (this machine only).
    pub bind: Option<String>,
    /// Hours a console session lasts after sign-in. Default 12 (one shift).
    pub session_hours: Option<u64>,
    /// Marks the session cookie `Secure` (only sent over HTTPS): set it when a TLS reverse
    /// proxy fronts facmon. Default `false`.
    pub secure_cookie: Option<bool>,
    /// Failed sign-ins allowed per minute for one client address and user name before
    /// further attempts get 429. Default 5.
    pub login_failures_per_minute: Option<u32>,
    /// PEM certificate chain: with `tls_key_file`, the API speaks HTTPS only. Default none.
    pub tls_cert_file: Option<String>,
    /// PEM private key of the certificate.
    pub tls_key_file: Option<String>,
}

/// `[api]`, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiPlan {
    pub enabled: bool,
    pub bind: SocketAddr,
    pub session: Duration,
    pub secure_cookie: bool,
    pub login_failures_per_minute: u32,
    /// Certificate chain and key files: HTTPS (and a `Secure` cookie) when set.
    pub tls: Option<(PathBuf, PathBuf)>,
}

impl Default for ApiPlan {
    fn default() -> Self {
        ApiPlan {
            enabled: true,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            session: Duration::from_secs(12 * 3600),
            secure_cookie: false,
            login_failures_per_minute: 5,
            tls: None,
        }
    }
}

pub(super) fn resolve(raw: Option<&RawApi>, issues: &mut Issues) -> ApiPlan {
    let d = ApiPlan::default();
    let Some(r) = raw else { return d };
    let bind = match &r.bind {
        Some(b) => b.parse::<SocketAddr>().unwrap_or_else(|_| {
            issues.push(
                "api.bind",
                format!("\"{b}\" is not an address and port"),
                "use e.g. \"127.0.0.1:8080\" (or \"0.0.0.0:8080\" behind a firewall and a TLS proxy)",
            );
            d.bind
        }),
        None => d.bind,
    };
    let session = match r.session_hours {
        Some(0) => {
            issues.push("api.session_hours", "must be greater than 0", "remove it for 12 hours");
            d.session
        }
        Some(h) if h > 24 * 31 => {
            issues.push(
                "api.session_hours",
                format!("{h} hours is longer than a month"),
                "a session should end with a shift; use at most 744",
            );
            d.session
        }
        Some(h) => Duration::from_secs(h * 3600),
        None => d.session,
    };
    let login_failures_per_minute = match r.login_failures_per_minute {
        Some(0) => {
            issues.push(
                "api.login_failures_per_minute",
                "must be greater than 0",
                "remove it for 5 (0 would lock everybody out)",
            );
            d.login_failures_per_minute
        }
        Some(n) => n,
        None => d.login_failures_per_minute,
    };
    let tls = match (&r.tls_cert_file, &r.tls_key_file) {
        (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            let missing = if r.tls_cert_file.is_none() {
                "tls_cert_file"
            } else {
                "tls_key_file"
            };
            issues.push(
                format!("api.{missing}"),
                "HTTPS needs both a certificate and its key",
                "give both tls_cert_file and tls_key_file, or neither for plain HTTP",
            );
            None
        }
    };
    ApiPlan {
        enabled: r.enabled.unwrap_or(d.enabled),
        bind,
        session,
        secure_cookie: r.secure_cookie.unwrap_or(d.secure_cookie),
        login_failures_per_minute,
        tls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_str;

    const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");

    fn plan(extra: &str) -> Result<ApiPlan, Vec<(String, String)>> {
        let text = std::fs::read_to_string(MINIMAL).unwrap();
        load_str("site.toml", &format!("{text}\n{extra}"), Some(Default::default()))
            .map(|p| p.api)
            .map_err(|e| e.issues.into_iter().map(|i| (i.key, i.problem)).collect())
    }

    #[test]
    fn without_an_api_section_the_api_listens_on_loopback_only() {
        let p = plan("").unwrap();
        assert_eq!(p, ApiPlan::default());
        assert!(p.enabled && p.bind.ip().is_loopback());
    }

    #[test]
    fn a_site_can_move_or_turn_off_the_api() {
        let p =
            plan("[api]\nenabled = false\nbind = \"0.0.0.0:9000\"\nsession_hours = 8\nsecure_cookie = true\n").unwrap();
        assert!(!p.enabled && p.secure_cookie);
        assert_eq!((p.bind.port(), p.session.as_secs()), (9000, 8 * 3600));
    }

    #[test]
    fn api_mistakes_are_all_reported_with_their_keys() {
        let issues = plan(
            "[api]\nbind = \"localhost\"\nsession_hours = 0\nlogin_failures_per_minute = 0\ntls_cert_file = \"a.crt\"\n",
        )
        .unwrap_err();
        let keys: Vec<&str> = issues.iter().map(|(k, _)| k.as_str()).collect();
        for key in [
            "api.bind",
            "api.session_hours",
            "api.login_failures_per_minute",
            "api.tls_key_file",
        ] {
            assert!(keys.contains(&key), "{key} missing from {issues:?}");
        }
    }
}
