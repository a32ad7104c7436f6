//! One write request: gzip'd line protocol to the v2 or v1 write API, with a deadline.

use std::io::Write as _;

use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::StatusCode;

use crate::config::{InfluxApi, InfluxAuth, InfluxTarget};

/// Why a write failed, and whether sending the same batch again can help.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Network trouble, a timeout, the server busy or down, or not ready for us (missing
    /// database, refused credentials): the batch is kept and retried.
    #[error("{0}")]
    Retry(String),
    /// The server refused the data itself (HTTP 400, 413): sending it again cannot succeed.
    #[error("{0}")]
    Refused(String),
}

pub struct Client {
    http: reqwest::Client,
    url: reqwest::Url,
    auth: InfluxAuth,
}

impl Client {
    pub fn new(target: &InfluxTarget) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(target.timeout)
            .connect_timeout(target.timeout)
            .build()
            .map_err(|e| describe(&e))?;
        let (path, params): (&str, Vec<(&str, &str)>) = match &target.api {
            InfluxApi::V2 { org, bucket } => (
                "/api/v2/write",
                vec![("org", org.as_str()), ("bucket", bucket.as_str()), ("precision", "ms")],
            ),
            InfluxApi::V1 {
                database,
                retention_policy,
            } => {
                let mut p = vec![("db", database.as_str()), ("precision", "ms")];
                if let Some(rp) = retention_policy {
                    p.push(("rp", rp.as_str()));
                }
                ("/write", p)
            }
        };
        let url = reqwest::Url::parse_with_params(&format!("{}{path}", target.url), &params)
            .map_err(|e| format!("url {}: {e}", target.url))?;
        Ok(Client {
            http,
            url,
            auth: target.auth.clone(),
        })
    }

    /// Sends one batch of lines.
    pub async fn write(&self, body: &str) -> Result<(), WriteError> {
        let mut gz = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
        gz.write_all(body.as_bytes())
            .map_err(|e| WriteError::Retry(format!("gzip: {e}")))?;
        let gz = gz.finish().map_err(|e| WriteError::Retry(format!("gzip: {e}")))?;
        let mut req = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(gz);
        req = match &self.auth {
            InfluxAuth::None => req,
            InfluxAuth::Token(t) => req.header(reqwest::header::AUTHORIZATION, format!("Token {t}")),
            InfluxAuth::Basic { username, password } => req.basic_auth(username, Some(password)),
        };
        let resp = req.send().await.map_err(|e| WriteError::Retry(describe(&e)))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let text = resp.text().await.unwrap_or_default();
        let text: String = text.chars().take(300).collect();
        let msg = format!("HTTP {status}: {}", text.trim());
        match status {
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNPROCESSABLE_ENTITY => {
                Err(WriteError::Refused(msg))
            }
            _ => Err(WriteError::Retry(msg)),
        }
    }
}

/// A reqwest error in one line, with its cause (reqwest's own message omits it).
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}
