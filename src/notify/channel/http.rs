//! What the HTTP channels share: one client, one POST with a deadline, one reading of the
//! reply.

use std::time::Duration;

use reqwest::StatusCode;

use super::SendError;

/// The client every HTTP channel uses (each request carries its channel's deadline).
/// Redirects are not followed: a POST redirected becomes a GET that delivers nothing, so a
/// moved endpoint is reported as refused (fix the URL) instead.
pub(super) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot create the HTTP client: {}", describe(e)))
}

/// POSTs a JSON body and returns the reply's body when the status is 2xx.
pub(super) async fn post_json(
    req: reqwest::RequestBuilder,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<String, SendError> {
    let resp = req
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .map_err(|e| SendError::Retry(describe(e)))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| SendError::Retry(describe(e)))?;
    if status.is_success() {
        return Ok(text);
    }
    let shown: String = text.chars().take(300).collect();
    let msg = format!("HTTP {status}: {}", shown.trim());
    Err(classify(status, msg))
}

/// 5xx, 408 (timeout), 425 and 429 (rate limit) are worth retrying; other statuses mean the
/// request itself is wrong (bad URL, refused credentials) and need a person.
fn classify(status: StatusCode, msg: String) -> SendError {
    if status.is_server_error()
        || matches!(
            status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY | StatusCode::TOO_MANY_REQUESTS
        )
    {
        SendError::Retry(msg)
    } else {
        SendError::Refused(msg)
    }
}

/// A reqwest error in one line, with its cause (reqwest's own message omits it), and
/// without the URL, which may hold a robot's key.
pub(super) fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

/// The `errcode`/`errmsg` reply of WeCom and DingTalk robots.
#[derive(Debug, serde::Deserialize)]
pub(super) struct RobotReply {
    pub errcode: i64,
    #[serde(default)]
    pub errmsg: String,
}

/// Reads a robot's reply: errcode 0 is delivered; `retry_codes` (busy, rate limited) are
/// worth retrying; any other code is refused (bad key, bad signature, bad content).
pub(super) fn robot_reply(vendor: &str, body: &str, retry_codes: &[i64]) -> Result<(), SendError> {
    let reply: RobotReply = serde_json::from_str(body).map_err(|e| {
        let shown: String = body.chars().take(200).collect();
        SendError::Retry(format!(
            "{vendor} answered something that is not its JSON reply ({e}): {shown}"
        ))
    })?;
    match reply.errcode {
        0 => Ok(()),
        code if retry_codes.contains(&code) => {
            Err(SendError::Retry(format!("{vendor} errcode {code}: {}", reply.errmsg)))
        }
        code => Err(SendError::Refused(format!("{vendor} errcode {code}: {}", reply.errmsg))),
    }
}
