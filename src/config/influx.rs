//! `[[influx]]` targets: where the time series go, checked.

use std::time::Duration;

use serde::Serialize;

use super::error::Issues;
use super::raw::RawInflux;
use super::Secrets;

/// One time-series database, checked.
#[derive(Debug, Clone, Serialize)]
pub struct InfluxTarget {
    pub id: String,
    /// Base URL without a trailing `/`.
    pub url: String,
    pub api: InfluxApi,
    #[serde(skip)]
    pub auth: InfluxAuth,
    pub heartbeat: Duration,
    pub batch_max_lines: usize,
    pub batch_max_age: Duration,
    pub queue_max_bytes: u64,
    pub timeout: Duration,
}

/// Which write API, with its addressing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum InfluxApi {
    /// `/api/v2/write?org=&bucket=`.
    V2 { org: String, bucket: String },
    /// `/write?db=&rp=`.
    V1 {
        database: String,
        retention_policy: Option<String>,
    },
}

/// Credentials, resolved from the environment or files at load time.
#[derive(Clone, Default, PartialEq)]
pub enum InfluxAuth {
    #[default]
    None,
    /// `Authorization: Token <token>`.
    Token(String),
    /// v1 basic authentication.
    Basic { username: String, password: String },
}

impl std::fmt::Debug for InfluxAuth {
    /// Never prints a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InfluxAuth::None => f.write_str("None"),
            InfluxAuth::Token(_) => f.write_str("Token(***)"),
            InfluxAuth::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
        }
    }
}

pub(super) fn targets(raw: &[RawInflux], secrets: &Secrets, issues: &mut Issues) -> Vec<InfluxTarget> {
    let mut out: Vec<InfluxTarget> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let at = format!("influx[{i}]");
        if r.id.is_empty() || !r.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            issues.push(
                format!("{at}.id"),
                format!("\"{}\" is not a usable id", r.id),
                "use letters, digits, - and _ (it names the queue file)",
            );
        } else if out.iter().any(|t| t.id == r.id) {
            issues.push(
                format!("{at}.id"),
                format!("duplicate id \"{}\"", r.id),
                "give each target its own id",
            );
        }
        let url = r.url.trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() <= "https://".len() {
            issues.push(
                format!("{at}.url"),
                format!("\"{}\" is not an http(s) URL", r.url),
                "write http://host:8086",
            );
        }
        let required = |key: &str, v: &Option<String>, issues: &mut Issues| -> String {
            match v.as_deref().map(str::trim) {
                Some(v) if !v.is_empty() => v.to_string(),
                _ => {
                    issues.push(
                        format!("{at}.{key}"),
                        format!("{key} is required for this api"),
                        format!("set {key} = \"...\""),
                    );
                    String::new()
                }
            }
        };
        let api = match r.api.as_deref().unwrap_or("v2") {
            "v2" => InfluxApi::V2 {
                org: required("org", &r.org, issues),
                bucket: required("bucket", &r.bucket, issues),
            },
            "v1" => InfluxApi::V1 {
                database: required("database", &r.database, issues),
                retention_policy: r.retention_policy.clone().filter(|p| !p.is_empty()),
            },
            other => {
                issues.push(
                    format!("{at}.api"),
                    format!("unknown api \"{other}\""),
                    "use \"v2\" (InfluxDB 2.x) or \"v1\" (InfluxDB 1.x/3, VictoriaMetrics)",
                );
                InfluxApi::V2 {
                    org: String::new(),
                    bucket: String::new(),
                }
            }
        };
        let token = secrets.resolve(&at, "token", &r.token_env, &r.token_file, issues);
        let password = secrets.resolve(&at, "password", &r.password_env, &r.password_file, issues);
        let auth = match (token, &r.username, password) {
            (Some(t), None, None) => InfluxAuth::Token(t),
            (None, Some(u), Some(p)) => InfluxAuth::Basic {
                username: u.clone(),
                password: p,
            },
            (None, None, None) => InfluxAuth::None,
            (Some(_), _, _) => {
                issues.push(
                    format!("{at}.token_env"),
                    "both a token and a user name/password are given".to_string(),
                    "use one way of authenticating",
                );
                InfluxAuth::None
            }
            (None, _, _) => {
                issues.push(
                    format!("{at}.username"),
                    "a user name needs a password and a password a user name".to_string(),
                    "set username together with password_env or password_file",
                );
                InfluxAuth::None
            }
        };
        let positive = |key: &str, v: Option<u64>, default: u64, issues: &mut Issues| -> u64 {
            match v {
                Some(0) => {
                    issues.push(
                        format!("{at}.{key}"),
                        "must be greater than 0".to_string(),
                        "remove it for the default",
                    );
                    default
                }
                Some(v) => v,
                None => default,
            }
        };
        let batch_max_lines = positive("batch_max_lines", r.batch_max_lines.map(|v| v as u64), 5000, issues) as usize;
        let queue_max_bytes = positive("queue_max_bytes", r.queue_max_bytes, 256 << 20, issues);
        out.push(InfluxTarget {
            id: r.id.clone(),
            url,
            api,
            auth,
            heartbeat: Duration::from_secs(positive("heartbeat_s", r.heartbeat_s, 60, issues)),
            batch_max_lines,
            batch_max_age: Duration::from_millis(positive("batch_max_age_ms", r.batch_max_age_ms, 1000, issues)),
            queue_max_bytes,
            timeout: Duration::from_millis(positive("timeout_ms", r.timeout_ms, 10_000, issues)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::load_str;

    const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");

    fn plan(extra: &str, env: &[(&str, &str)]) -> Result<Vec<InfluxTarget>, Vec<(String, String)>> {
        let text = std::fs::read_to_string(MINIMAL).unwrap();
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        load_str("site.toml", &format!("{text}\n{extra}"), Some(env))
            .map(|p| p.influx)
            .map_err(|e| e.issues.into_iter().map(|i| (i.key, i.problem)).collect())
    }

    #[test]
    fn a_v2_target_takes_its_token_from_the_environment_and_defaults_the_rest() {
        let t = plan(
            "[[influx]]\nid = \"history\"\nurl = \"http://db:8086/\"\norg = \"o\"\nbucket = \"b\"\ntoken_env = \"TOK\"\n",
            &[("TOK", "s3cret")],
        )
        .unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].url, "http://db:8086");
        assert_eq!(
            t[0].api,
            InfluxApi::V2 {
                org: "o".into(),
                bucket: "b".into()
            }
        );
        assert_eq!(t[0].auth, InfluxAuth::Token("s3cret".into()));
        assert_eq!(format!("{:?}", t[0].auth), "Token(***)");
        assert_eq!(
            (t[0].heartbeat, t[0].batch_max_lines, t[0].queue_max_bytes),
            (Duration::from_secs(60), 5000, 256 << 20)
        );
    }

    #[test]
    fn a_v1_target_takes_a_user_and_a_password_file() {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "hunter2\n").unwrap();
        let t = plan(
            &format!(
                "[[influx]]\nid = \"vm\"\nurl = \"http://vm:8428\"\napi = \"v1\"\ndatabase = \"facmon\"\nretention_policy = \"autogen\"\nusername = \"u\"\npassword_file = \"{}\"\n",
                pw.display()
            ),
            &[],
        )
        .unwrap();
        assert_eq!(
            t[0].api,
            InfluxApi::V1 {
                database: "facmon".into(),
                retention_policy: Some("autogen".into())
            }
        );
        assert_eq!(
            t[0].auth,
            InfluxAuth::Basic {
                username: "u".into(),
                password: "hunter2".into()
            }
        );
    }

    #[test]
    fn influx_mistakes_are_all_reported_with_their_keys() {
        let issues = plan(
            "[[influx]]\nid = \"a b\"\nurl = \"db:8086\"\napi = \"v3\"\ntoken_env = \"NOPE\"\nbatch_max_lines = 0\n\
             [[influx]]\nid = \"x\"\nurl = \"http://db\"\napi = \"v1\"\nusername = \"u\"\n",
            &[],
        )
        .unwrap_err();
        let keys: Vec<&str> = issues.iter().map(|(k, _)| k.as_str()).collect();
        for key in [
            "influx[0].id",
            "influx[0].url",
            "influx[0].api",
            "influx[0].token_env",
            "influx[0].batch_max_lines",
            "influx[1].database",
            "influx[1].username",
        ] {
            assert!(keys.contains(&key), "{key} missing from {issues:?}");
        }
    }
}
