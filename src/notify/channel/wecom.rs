//! 企业微信 (WeCom) group robot: `POST <webhook url with key=…>`.
//!
//! Text: `{"msgtype":"text","text":{"content":…,"mentioned_mobile_list":["138…"]}}`, which
//! @-mentions the person (their phone rings even in a muted group). Markdown:
//! `{"msgtype":"markdown","markdown":{"content":…}}`, which WeCom cannot @ by mobile. So a
//! `markdown = true` channel still sends the text form to a person with a mobile number:
//! waking the person matters more than formatting. Markdown goes only to people without one.
//!
//! The robot answers `{"errcode":0,"errmsg":"ok"}`. errcode -1 (busy) and 45009 (rate
//! limit: 20 messages a minute per robot) are retried; any other code is refused.

use std::time::Duration;

use serde_json::json;

use super::{http, truncate, with_link, ChannelPlan, Message, Recipient, SendError};

/// WeCom's limits on `content`, in bytes of UTF-8.
const TEXT_MAX: usize = 2048;
const MARKDOWN_MAX: usize = 4096;
/// Busy and rate limited: worth retrying.
const RETRY_CODES: [i64; 2] = [-1, 45009];

pub(super) struct WeCom {
    http: reqwest::Client,
    url: String,
    markdown: bool,
    timeout: Duration,
}

impl WeCom {
    pub(super) fn new(http: reqwest::Client, ch: &ChannelPlan, url: &str, markdown: bool) -> WeCom {
        WeCom {
            http,
            url: url.to_string(),
            markdown,
            timeout: ch.timeout,
        }
    }

    pub(super) async fn send(&self, to: &Recipient, msg: &Message) -> Result<(), SendError> {
        let body = body(to, msg, self.markdown).to_string().into_bytes();
        let reply = http::post_json(self.http.post(&self.url), body, self.timeout).await?;
        http::robot_reply("WeCom", &reply, &RETRY_CODES)
    }
}

fn body(to: &Recipient, msg: &Message, markdown: bool) -> serde_json::Value {
    match (&to.mobile, markdown) {
        (None, true) => {
            let content = truncate(&with_link(&msg.markdown, msg.link.as_deref()), MARKDOWN_MAX);
            json!({"msgtype": "markdown", "markdown": {"content": content}})
        }
        (mobile, _) => {
            let content = truncate(&with_link(&msg.text, msg.link.as_deref()), TEXT_MAX);
            let mentioned: Vec<&str> = mobile.iter().map(String::as_str).collect();
            json!({"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mentioned}})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        Message {
            key: "k".into(),
            subject: "s".into(),
            text: "市电失电".into(),
            markdown: "**市电失电**".into(),
            link: None,
            data: json!({}),
        }
    }

    fn person(mobile: Option<&str>) -> Recipient {
        Recipient {
            id: "p1".into(),
            name: "张三".into(),
            mobile: mobile.map(str::to_string),
            email: None,
        }
    }

    #[test]
    fn a_markdown_channel_sends_text_to_a_person_who_must_be_mentioned() {
        let b = body(&person(Some("13800000000")), &msg(), true);
        assert_eq!(b["msgtype"], "text");
        assert_eq!(b["text"]["mentioned_mobile_list"], json!(["13800000000"]));
        let b = body(&person(None), &msg(), true);
        assert_eq!(
            b,
            json!({"msgtype": "markdown", "markdown": {"content": "**市电失电**"}})
        );
    }
}
