//! 钉钉 (DingTalk) custom robot: `POST <webhook url with access_token=…>`, signed when the
//! robot has a 加签 secret.
//!
//! Signing appends `&timestamp=<unix ms>&sign=<s>` to the URL, where `s` is the URL-encoded
//! Base64 of HMAC-SHA256 with the secret as key over `"<timestamp>\n<secret>"`; DingTalk
//! refuses a timestamp more than an hour from its clock.
//!
//! Text: `{"msgtype":"text","text":{"content":…},"at":{"atMobiles":[…],"isAtAll":false}}`;
//! Markdown: `{"msgtype":"markdown","markdown":{"title":…,"text":…},"at":{…}}`. Both can @
//! a person, but only if `@<mobile>` also appears in the content, so it is appended.
//!
//! The robot answers `{"errcode":0,"errmsg":"ok"}`. errcode -1 (busy), 130101 and 410100
//! (sending too fast: 20 messages a minute per robot) are retried; any other code (bad
//! token, bad signature, keyword missing) is refused.

use std::time::Duration;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use super::{http, truncate, with_link, ChannelPlan, Message, Recipient, SendError};

/// Kept well under DingTalk's message size limit.
const CONTENT_MAX: usize = 15_000;
const RETRY_CODES: [i64; 3] = [-1, 130101, 410100];

pub(super) struct DingTalk {
    http: reqwest::Client,
    url: reqwest::Url,
    secret: Option<String>,
    markdown: bool,
    timeout: Duration,
}

impl DingTalk {
    pub(super) fn new(
        http: reqwest::Client,
        ch: &ChannelPlan,
        url: &str,
        secret: &Option<String>,
        markdown: bool,
    ) -> Result<DingTalk, String> {
        let url = reqwest::Url::parse(url).map_err(|e| format!("the DingTalk URL is not usable: {e}"))?;
        Ok(DingTalk {
            http,
            url,
            secret: secret.clone(),
            markdown,
            timeout: ch.timeout,
        })
    }

    pub(super) async fn send(&self, to: &Recipient, msg: &Message, now_ms: u64) -> Result<(), SendError> {
        let mut url = self.url.clone();
        if let Some(secret) = &self.secret {
            url.query_pairs_mut()
                .append_pair("timestamp", &now_ms.to_string())
                .append_pair("sign", &sign(secret, now_ms));
        }
        let body = body(to, msg, self.markdown).to_string().into_bytes();
        let reply = http::post_json(self.http.post(url), body, self.timeout).await?;
        http::robot_reply("DingTalk", &reply, &RETRY_CODES)
    }
}

/// Base64 of HMAC-SHA256(key = secret, "<timestamp>\n<secret>"), before URL encoding.
fn sign(secret: &str, timestamp_ms: u64) -> String {
    let mut mac =
        <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn body(to: &Recipient, msg: &Message, markdown: bool) -> serde_json::Value {
    let at_line = to.mobile.as_ref().map(|m| format!("@{m}"));
    let content = |s: &str| {
        let s = with_link(s, msg.link.as_deref());
        let s = truncate(&s, CONTENT_MAX);
        match &at_line {
            Some(at) if !s.contains(at.as_str()) => format!("{}\n{at}", s.trim_end()),
            _ => s,
        }
    };
    let at = json!({"atMobiles": to.mobile.iter().collect::<Vec<_>>(), "isAtAll": false});
    if markdown {
        json!({"msgtype": "markdown", "markdown": {"title": msg.subject, "text": content(&msg.markdown)}, "at": at})
    } else {
        json!({"msgtype": "text", "text": {"content": content(&msg.text)}, "at": at})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_dingtalk_s_recipe() {
        // Python: base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", sha256).digest())
        assert_eq!(
            sign("SECabc", 1_700_000_000_000),
            "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
        );
    }
}
