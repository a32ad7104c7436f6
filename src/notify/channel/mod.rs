//! Notification channels: one message to one person on one channel, confirmed or not.
//!
//! [`Channels::send`] returns `Ok` only when the other side confirmed the message (HTTP 2xx,
//! and for WeCom/DingTalk `errcode` 0; SMTP accepted it; the MQTT broker sent PUBACK).
//! Failures say whether trying again can help ([`SendError::Retry`]) or not
//! ([`SendError::Refused`]), so the notification stage can retry the first and escalate
//! past the second. This module keeps nothing: the durable outbox, repeats and escalation
//! belong to the notification stage that calls it.
//!
//! Every send has a deadline (the channel's `timeout_ms`).

mod dingtalk;
mod email;
mod http;
mod mqtt;
mod webhook;
mod wecom;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use super::{ChannelKind, ChannelPlan};
use crate::clock::SharedClock;
use crate::config::Plan;
use crate::shutdown::Shutdown;

/// Who a message is for. The roster supplies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// Roster id of the person: part of MQTT topics and idempotency keys.
    pub id: String,
    pub name: String,
    /// Mainland mobile number, used to @ the person in WeCom and DingTalk groups.
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// One message, rendered by the notification stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Idempotency key, unique per (event, person, channel): the same key on a retry lets a
    /// receiver drop the duplicate.
    pub key: String,
    /// One line: e-mail subject, Markdown title.
    pub subject: String,
    /// Plain text, possibly multi-line Chinese + English.
    pub text: String,
    /// The same in Markdown, for WeCom/DingTalk channels with `markdown = true`.
    pub markdown: String,
    /// Link to the ticket in the console; appended to texts that do not contain it.
    pub link: Option<String>,
    /// The structured event, for webhook and MQTT consumers.
    pub data: serde_json::Value,
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later: network trouble, a timeout, HTTP 5xx, rate limiting, broker away.
    #[error("{0}")]
    Retry(String),
    /// Sending it again cannot succeed: HTTP 4xx, a refused robot key, a channel that is not
    /// configured, a person without the address this channel needs.
    #[error("{0}")]
    Refused(String),
}

/// Every configured channel, ready to send. Long-lived and cheap to clone.
#[derive(Clone)]
pub struct Channels {
    inner: Arc<Inner>,
}

struct Inner {
    clock: SharedClock,
    senders: HashMap<String, Sender>,
}

enum Sender {
    Webhook(webhook::Webhook),
    WeCom(wecom::WeCom),
    DingTalk(dingtalk::DingTalk),
    Email(email::Email),
    Mqtt(mqtt::Mqtt),
    /// A channel that could not be set up (unreadable CA file, …): every send is refused
    /// with this reason, which was also logged at start.
    Broken(String),
}

impl Channels {
    /// Starts what needs a task (MQTT connections) under `shutdown`.
    pub fn start(plan: &Plan, clock: SharedClock, shutdown: &Shutdown, tasks: &mut JoinSet<()>) -> Channels {
        let http = http::client();
        let mut senders = HashMap::new();
        for ch in &plan.notify.channels {
            let sender = make(plan, ch, &http, shutdown, tasks).unwrap_or_else(|e| {
                tracing::error!(channel = %ch.id, "notification channel unusable: {e}");
                Sender::Broken(e)
            });
            senders.insert(ch.id.clone(), sender);
        }
        Channels {
            inner: Arc::new(Inner { clock, senders }),
        }
    }

    /// Sends one message to one person on one channel; `Ok` only when the channel
    /// confirmed it.
    pub async fn send(&self, channel_id: &str, to: &Recipient, msg: &Message) -> Result<(), SendError> {
        let Some(sender) = self.inner.senders.get(channel_id) else {
            return Err(SendError::Refused(format!("no notification channel \"{channel_id}\"")));
        };
        let now_ms = self.now_ms();
        match sender {
            Sender::Webhook(s) => s.send(to, msg, now_ms).await,
            Sender::WeCom(s) => s.send(to, msg).await,
            Sender::DingTalk(s) => s.send(to, msg, now_ms).await,
            Sender::Email(s) => s.send(to, msg, self.inner.clock.now()).await,
            Sender::Mqtt(s) => s.send(to, msg, now_ms).await,
            Sender::Broken(e) => Err(SendError::Refused(e.clone())),
        }
    }

    fn now_ms(&self) -> u64 {
        let since = self.inner.clock.now().duration_since(UNIX_EPOCH).unwrap_or_default();
        since.as_millis() as u64
    }
}

fn make(
    plan: &Plan,
    ch: &ChannelPlan,
    http: &Result<reqwest::Client, String>,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<Sender, String> {
    let http = || http.clone();
    Ok(match &ch.kind {
        ChannelKind::Webhook { url, secret } => Sender::Webhook(webhook::Webhook::new(http()?, ch, url, secret)),
        ChannelKind::WeCom { url, markdown } => Sender::WeCom(wecom::WeCom::new(http()?, ch, url, *markdown)),
        ChannelKind::DingTalk { url, secret, markdown } => {
            Sender::DingTalk(dingtalk::DingTalk::new(http()?, ch, url, secret, *markdown)?)
        }
        ChannelKind::Email { .. } => Sender::Email(email::Email::new(ch)?),
        ChannelKind::Mqtt { broker, topic } => {
            Sender::Mqtt(mqtt::Mqtt::start(plan, ch, *broker, topic, shutdown, tasks)?)
        }
    })
}

/// The JSON document webhook and MQTT consumers get.
#[derive(Serialize)]
struct Envelope<'a> {
    key: &'a str,
    subject: &'a str,
    text: &'a str,
    link: Option<&'a str>,
    recipient: &'a Recipient,
    data: &'a serde_json::Value,
    /// Unix milliseconds (UTC), as everywhere in facmon's JSON.
    sent_at_ms: u64,
}

impl<'a> Envelope<'a> {
    fn new(to: &'a Recipient, msg: &'a Message, now_ms: u64) -> Self {
        Envelope {
            key: &msg.key,
            subject: &msg.subject,
            text: &msg.text,
            link: msg.link.as_deref(),
            recipient: to,
            data: &msg.data,
            sent_at_ms: now_ms,
        }
    }

    fn to_vec(&self) -> Vec<u8> {
        // Serialising strings, numbers and a Value cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// `text` with the message's link on a last line, unless the text already has it.
fn with_link(text: &str, link: Option<&str>) -> String {
    match link {
        Some(l) if !text.contains(l) => format!("{}\n{l}", text.trim_end()),
        _ => text.to_string(),
    }
}

/// `s` cut to at most `max` bytes at a character boundary, with `…` when cut: a robot
/// refuses an over-long message outright, and a cut page is better than none.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_chinese_characters_whole() {
        let s = "市电失电".repeat(10);
        let t = truncate(&s, 20);
        assert!(t.len() <= 20, "{t}");
        assert!(t.ends_with('…'));
        assert!(t.starts_with("市电失电"));
        assert_eq!(truncate("short", 20), "short");
    }

    #[test]
    fn a_link_is_appended_once() {
        assert_eq!(with_link("a\n", Some("http://x/t/1")), "a\nhttp://x/t/1");
        assert_eq!(with_link("see http://x/t/1", Some("http://x/t/1")), "see http://x/t/1");
        assert_eq!(with_link("a", None), "a");
    }
}
