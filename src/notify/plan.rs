//! `[notify]`, checked: the channels messages go out on, the routes from rules to roles, and
//! how often an unacknowledged alarm is repeated. Built by `config::notify`.
//!
//! Secrets (robot keys inside WeCom/DingTalk URLs, signing secrets, SMTP passwords) come
//! from environment variables or files at load time; neither `Debug` nor `Serialize` (the
//! `check-config` dump) ever shows them.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::rules::outcome::Severity;

/// `[notify]`, checked. Default: no channels, no routes (nobody is notified).
#[derive(Debug, Clone, Serialize)]
pub struct NotifyPlan {
    pub channels: Vec<ChannelPlan>,
    pub routes: Vec<Route>,
    /// An alarm nobody acknowledged is sent again this often.
    pub repeat_every: Duration,
    pub language: MessageLanguage,
    /// Base URL of the web console, for links to tickets; `None` = messages carry no link.
    pub console_url: Option<String>,
}

impl Default for NotifyPlan {
    fn default() -> Self {
        NotifyPlan {
            channels: Vec::new(),
            routes: Vec::new(),
            repeat_every: Duration::from_secs(5 * 60),
            language: MessageLanguage::Both,
            console_url: None,
        }
    }
}

impl NotifyPlan {
    /// The channel with this id.
    pub fn channel(&self, id: &str) -> Option<&ChannelPlan> {
        self.channels.iter().find(|c| c.id == id)
    }
}

/// Language of the message texts. `Both` puts Chinese first, then English: a duty
/// electrician reads the first lines, a visiting engineer the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MessageLanguage {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "both")]
    Both,
}

/// One `[[notify.channels]]` entry, checked.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelPlan {
    /// Names the channel in routes, logs and idempotency keys.
    pub id: String,
    pub kind: ChannelKind,
    /// Deadline of one send (connect + request + reply, or MQTT PUBACK).
    pub timeout: Duration,
}

/// Where and how a channel sends.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Generic JSON POST, signed with HMAC-SHA256 when a secret is set.
    Webhook {
        #[serde(serialize_with = "redacted_url")]
        url: String,
        #[serde(skip)]
        secret: Option<String>,
    },
    /// 企业微信 group robot. The URL holds the robot key (a secret).
    #[serde(rename = "wecom")]
    WeCom {
        #[serde(serialize_with = "redacted_url")]
        url: String,
        markdown: bool,
    },
    /// 钉钉 custom robot. The URL holds the access token (a secret); `secret` signs requests.
    #[serde(rename = "dingtalk")]
    DingTalk {
        #[serde(serialize_with = "redacted_url")]
        url: String,
        #[serde(skip)]
        secret: Option<String>,
        markdown: bool,
    },
    /// SMTP submission.
    Email {
        host: String,
        port: u16,
        security: SmtpSecurity,
        username: Option<String>,
        #[serde(skip)]
        password: Option<String>,
        from: String,
        /// PEM CA added to the web PKI roots (a site's own mail server).
        ca_file: Option<PathBuf>,
    },
    /// JSON published QoS 1 on `<topic>/<person id>`.
    Mqtt {
        /// Index into `Plan.brokers`.
        broker: usize,
        topic: String,
    },
}

impl ChannelKind {
    /// The `kind` key's value.
    pub fn name(&self) -> &'static str {
        match self {
            ChannelKind::Webhook { .. } => "webhook",
            ChannelKind::WeCom { .. } => "wecom",
            ChannelKind::DingTalk { .. } => "dingtalk",
            ChannelKind::Email { .. } => "email",
            ChannelKind::Mqtt { .. } => "mqtt",
        }
    }
}

impl std::fmt::Debug for ChannelKind {
    /// Never prints a secret: URLs lose their query (where robot keys live), secrets and
    /// passwords show as `***`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &Option<String>| s.as_ref().map(|_| "***");
        match self {
            ChannelKind::Webhook { url, secret } => f
                .debug_struct("Webhook")
                .field("url", &redact(url))
                .field("secret", &hidden(secret))
                .finish(),
            ChannelKind::WeCom { url, markdown } => f
                .debug_struct("WeCom")
                .field("url", &redact(url))
                .field("markdown", markdown)
                .finish(),
            ChannelKind::DingTalk { url, secret, markdown } => f
                .debug_struct("DingTalk")
                .field("url", &redact(url))
                .field("secret", &hidden(secret))
                .field("markdown", markdown)
                .finish(),
            ChannelKind::Email {
                host,
                port,
                security,
                username,
                password,
                from,
                ca_file,
            } => f
                .debug_struct("Email")
                .field("host", host)
                .field("port", port)
                .field("security", security)
                .field("username", username)
                .field("password", &hidden(password))
                .field("from", from)
                .field("ca_file", ca_file)
                .finish(),
            ChannelKind::Mqtt { broker, topic } => f
                .debug_struct("Mqtt")
                .field("broker", broker)
                .field("topic", topic)
                .finish(),
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a test server.
    None,
}

impl SmtpSecurity {
    /// The usual port for this security.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        }
    }
}

/// One `[[notify.routes]]` entry: alarms of these rules and severities go to these roles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// Rule ids (`PWR-02`) or family patterns ending in `*` (`PWR-*`; `*` alone = every rule).
    pub rules: Vec<String>,
    /// Empty = any severity.
    pub severities: Vec<Severity>,
    /// Role keys of the roster (`duty_electrician`, …).
    pub roles: Vec<String>,
}

impl Route {
    /// Whether an alarm of `rule` with `severity` takes this route.
    pub fn matches(&self, rule: &str, severity: Severity) -> bool {
        let rule_ok = self.rules.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => rule.starts_with(prefix),
            None => p == rule,
        });
        rule_ok && (self.severities.is_empty() || self.severities.contains(&severity))
    }
}

/// `scheme://host/path` of a URL without its user info and query, where secrets live.
pub(crate) fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let mut s = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
            if let Some(p) = u.port() {
                s.push_str(&format!(":{p}"));
            }
            s.push_str(u.path());
            if u.query().is_some() {
                s.push_str("?***");
            }
            s
        }
        Err(_) => "***".to_string(),
    }
}

fn redacted_url<S: Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_robot_keys_secrets_and_passwords() {
        let kinds = [
            ChannelKind::WeCom {
                url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY123".into(),
                markdown: false,
            },
            ChannelKind::DingTalk {
                url: "https://oapi.dingtalk.com/robot/send?access_token=TOK123".into(),
                secret: Some("SEC123".into()),
                markdown: true,
            },
            ChannelKind::Webhook {
                url: "https://user:PW123@hooks.example/x?token=TOK123".into(),
                secret: Some("SEC123".into()),
            },
            ChannelKind::Email {
                host: "smtp.example".into(),
                port: 587,
                security: SmtpSecurity::Starttls,
                username: Some("u".into()),
                password: Some("PW123".into()),
                from: "f@example".into(),
                ca_file: None,
            },
        ];
        for k in kinds {
            let shown = format!("{k:?} {}", serde_json::to_string(&k).unwrap());
            for secret in ["KEY123", "TOK123", "SEC123", "PW123"] {
                assert!(!shown.contains(secret), "{secret} shown in {shown}");
            }
        }
    }

    #[test]
    fn a_route_matches_ids_families_and_severities() {
        let r = Route {
            rules: vec!["PWR-*".into(), "WAT-02".into()],
            severities: vec![Severity::Critical],
            roles: vec!["duty_electrician".into()],
        };
        assert!(r.matches("PWR-02", Severity::Critical));
        assert!(r.matches("WAT-02", Severity::Critical));
        assert!(!r.matches("WAT-03", Severity::Critical));
        assert!(!r.matches("PWR-02", Severity::Warning));
        let any = Route {
            rules: vec!["*".into()],
            severities: vec![],
            roles: vec![],
        };
        assert!(any.matches("FIRE-01", Severity::Info));
    }
}
