//! Generic webhook: the message as JSON, signed so that the receiver can tell it came from
//! facmon and was not replayed much later.
//!
//! `POST <url>` with the [`Envelope`](super::Envelope) as body and the headers
//! `Idempotency-Key: <key>`, `X-Facmon-Timestamp: <unix ms>` and, when a secret is set,
//! `X-Facmon-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. The
//! receiver recomputes the HMAC over the raw body bytes, compares in constant time, and
//! rejects a timestamp too far from its own clock (the timestamp is signed, so it cannot be
//! changed without the secret).

use std::time::Duration;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::{http, ChannelPlan, Envelope, Message, Recipient, SendError};

pub(super) struct Webhook {
    http: reqwest::Client,
    url: String,
    secret: Option<String>,
    timeout: Duration,
}

impl Webhook {
    pub(super) fn new(http: reqwest::Client, ch: &ChannelPlan, url: &str, secret: &Option<String>) -> Webhook {
        Webhook {
            http,
            url: url.to_string(),
            secret: secret.clone(),
            timeout: ch.timeout,
        }
    }

    pub(super) async fn send(&self, to: &Recipient, msg: &Message, now_ms: u64) -> Result<(), SendError> {
        let body = Envelope::new(to, msg, now_ms).to_vec();
        let mut req = self
            .http
            .post(&self.url)
            .header("Idempotency-Key", &msg.key)
            .header("X-Facmon-Timestamp", now_ms.to_string());
        if let Some(secret) = &self.secret {
            req = req.header("X-Facmon-Signature", signature(secret, now_ms, &body));
        }
        http::post_json(req, body, self.timeout).await.map(drop)
    }
}

/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp_ms: u64, body: &[u8]) -> String {
    let mut mac =
        <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp_ms.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() {
        // Known answer computed with Python: hmac.new(b"key", b"1700000000000.{}", sha256).hexdigest()
        assert_eq!(
            signature("key", 1_700_000_000_000, b"{}"),
            "sha256=36a72f4525d3323bd0f238fe82098164fb77b1e42288ff8e07b074c686178ad3"
        );
    }
}
