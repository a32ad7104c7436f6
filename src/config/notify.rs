//! `[notify]`: notification channels, routes from rules to roles, repeats, checked.
//!
//! A channel is one flat table whose `kind` says which keys apply: one struct instead of a
//! tagged enum keeps `serde_ignored`'s unknown-key report working, and lets this file say
//! "`host` is required for an email channel" instead of serde's "missing field".

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::error::Issues;
use super::plan::{MqttBroker, Site};
use super::Secrets;
use crate::notify::{ChannelKind, ChannelPlan, MessageLanguage, NotifyPlan, Route, SmtpSecurity};
use crate::roster::Roster;
use crate::rules::outcome::Severity;

/// `[notify]` as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawNotify {
    /// An alarm nobody acknowledged is sent again this often, in minutes. Default 5.
    #[serde(default)]
    pub repeat_every_min: Option<u64>,
    /// `zh-CN`, `en` or `both` (Chinese first). Default `both`.
    #[serde(default)]
    pub language: Option<String>,
    /// Base URL of the web console; messages link to `<console_url>/tickets/<id>`. Default: no links.
    #[serde(default)]
    pub console_url: Option<String>,
    /// `[[notify.channels]]`: where messages go.
    #[serde(default)]
    pub channels: Vec<RawChannel>,
    /// `[[notify.routes]]`: which alarms go to which roles.
    #[serde(default)]
    pub routes: Vec<RawRoute>,
}

/// One `[[notify.channels]]` entry as written; `kind` decides which keys apply.
#[derive(Debug, Default, Deserialize)]
pub struct RawChannel {
    /// Names the channel in logs and in the outbox. Letters, digits, `-`, `_`.
    pub id: String,
    /// `webhook`, `wecom`, `dingtalk`, `email` or `mqtt`.
    pub kind: String,
    /// webhook: the URL to POST to. (WeCom/DingTalk URLs hold their key: use `url_env`/`url_file`.)
    #[serde(default)]
    pub url: Option<String>,
    /// webhook, wecom, dingtalk: the URL from an environment variable or a file's first line.
    #[serde(default)]
    pub url_env: Option<String>,
    #[serde(default)]
    pub url_file: Option<String>,
    /// webhook: HMAC key of `X-Facmon-Signature`; dingtalk: the robot's 加签 secret (SEC…).
    #[serde(default)]
    pub secret_env: Option<String>,
    #[serde(default)]
    pub secret_file: Option<String>,
    /// wecom, dingtalk: send the Markdown form of messages. Default false (plain text).
    #[serde(default)]
    pub markdown: Option<bool>,
    /// email: SMTP server.
    #[serde(default)]
    pub host: Option<String>,
    /// email: SMTP port. Default 587 (starttls), 465 (tls), 25 (none).
    #[serde(default)]
    pub port: Option<u16>,
    /// email: `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub security: Option<String>,
    /// email: SMTP user name; the password from `password_env` or `password_file`.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<String>,
    /// email: the sender, `facmon@example.com` or `设施监控 <facmon@example.com>`.
    #[serde(default)]
    pub from: Option<String>,
    /// email: PEM CA trusted besides the web PKI roots (a site's own mail server).
    #[serde(default)]
    pub ca_file: Option<String>,
    /// mqtt: id of the `[[mqtt_brokers]]` entry to publish to.
    #[serde(default)]
    pub broker: Option<String>,
    /// mqtt: messages go to `<topic>/<person id>`. Default `facmon/<site id>/notify`.
    #[serde(default)]
    pub topic: Option<String>,
    /// Deadline of one send. Default 10000.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// One `[[notify.routes]]` entry as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawRoute {
    /// Rule ids or families: `["PWR-02", "WAT-*"]`; `["*"]` = every rule.
    #[serde(default)]
    pub rules: Vec<String>,
    /// `info`, `warning`, `major`, `critical`, `escalation`. Empty = any.
    #[serde(default)]
    pub severities: Vec<String>,
    /// Role keys to notify: duty_electrician, mep_crew, control_room, lift_duty, security,
    /// supervisor, manager.
    #[serde(default)]
    pub roles: Vec<String>,
}

pub(super) fn resolve(
    raw: Option<&RawNotify>,
    site: &Site,
    brokers: &[MqttBroker],
    roster: &Roster,
    secrets: &Secrets,
    issues: &mut Issues,
) -> NotifyPlan {
    let plan = match raw {
        Some(raw) => notify_plan(raw, site, brokers, secrets, issues),
        None => NotifyPlan::default(),
    };
    // A person's channels must exist, or their pages would vanish without a word.
    for (i, person) in roster.people().iter().enumerate() {
        for channel in &person.channels {
            if plan.channel(channel).is_none() {
                issues.push(
                    format!("roster.people[{i}].channels"),
                    format!(
                        "{} ({}) lists channel \"{channel}\", which [notify] does not define",
                        person.name, person.id
                    ),
                    "add a [[notify.channels]] entry with that id, or remove it from the person",
                );
            }
        }
    }
    plan
}

fn notify_plan(
    raw: &RawNotify,
    site: &Site,
    brokers: &[MqttBroker],
    secrets: &Secrets,
    issues: &mut Issues,
) -> NotifyPlan {
    let mut plan = NotifyPlan::default();
    match raw.repeat_every_min {
        Some(0) => issues.push(
            "notify.repeat_every_min",
            "must be greater than 0",
            "remove it for the default (5)",
        ),
        Some(m) => plan.repeat_every = Duration::from_secs(m * 60),
        None => {}
    }
    match raw.language.as_deref() {
        None | Some("both") => {}
        Some("zh-CN") => plan.language = MessageLanguage::ZhCn,
        Some("en") => plan.language = MessageLanguage::En,
        Some(other) => issues.push(
            "notify.language",
            format!("unknown language \"{other}\""),
            "use \"zh-CN\", \"en\" or \"both\"",
        ),
    }
    if let Some(url) = &raw.console_url {
        if http_url(url).is_none() {
            issues.push(
                "notify.console_url",
                format!("\"{url}\" is not an http(s) URL"),
                "write the console's base URL, e.g. https://facmon.example.cn",
            );
        }
        plan.console_url = Some(url.trim_end_matches('/').to_string());
    }
    for (i, c) in raw.channels.iter().enumerate() {
        let at = format!("notify.channels[{i}]");
        if let Some(ch) = channel(&at, c, site, brokers, secrets, issues) {
            if plan.channels.iter().any(|p| p.id == ch.id) {
                issues.push(
                    format!("{at}.id"),
                    format!("duplicate channel id \"{}\"", ch.id),
                    "give each channel its own id",
                );
            }
            plan.channels.push(ch);
        }
    }
    for (i, r) in raw.routes.iter().enumerate() {
        plan.routes.push(route(&format!("notify.routes[{i}]"), r, issues));
    }
    plan
}

fn channel(
    at: &str,
    c: &RawChannel,
    site: &Site,
    brokers: &[MqttBroker],
    secrets: &Secrets,
    issues: &mut Issues,
) -> Option<ChannelPlan> {
    if c.id.is_empty()
        || !c
            .id
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        issues.push(
            format!("{at}.id"),
            format!("\"{}\" is not a usable id", c.id),
            "use letters, digits, - and _",
        );
    }
    // Keys that mean something for this kind; any other key that is set is reported.
    let (allowed, kind): (&[&str], Option<ChannelKind>) = match c.kind.as_str() {
        "webhook" => (
            &["url", "url_env", "url_file", "secret_env", "secret_file"],
            Some(ChannelKind::Webhook {
                url: url(at, c, None, secrets, issues),
                secret: secrets.resolve(at, "secret", &c.secret_env, &c.secret_file, issues),
            }),
        ),
        "wecom" => (
            &["url_env", "url_file", "markdown"],
            Some(ChannelKind::WeCom {
                url: url(at, c, Some("key"), secrets, issues),
                markdown: c.markdown.unwrap_or(false),
            }),
        ),
        "dingtalk" => (
            &["url_env", "url_file", "secret_env", "secret_file", "markdown"],
            Some(ChannelKind::DingTalk {
                url: url(at, c, Some("access_token"), secrets, issues),
                secret: secrets.resolve(at, "secret", &c.secret_env, &c.secret_file, issues),
                markdown: c.markdown.unwrap_or(false),
            }),
        ),
        "email" => (
            &[
                "host",
                "port",
                "security",
                "username",
                "password_env",
                "password_file",
                "from",
                "ca_file",
            ],
            Some(email(at, c, secrets, issues)),
        ),
        "mqtt" => (&["broker", "topic"], mqtt(at, c, site, brokers, issues)),
        other => {
            issues.push(
                format!("{at}.kind"),
                format!("unknown channel kind \"{other}\""),
                "use \"webhook\", \"wecom\", \"dingtalk\", \"email\" or \"mqtt\"",
            );
            return None;
        }
    };
    let robot = matches!(c.kind.as_str(), "wecom" | "dingtalk");
    for key in set_keys(c) {
        // A robot's `url` is reported by `url()`, which says why it is refused.
        let reported_elsewhere = robot && key == "url";
        if !allowed.contains(&key) && !reported_elsewhere {
            issues.push(
                format!("{at}.{key}"),
                format!("{key} does not apply to a {} channel", c.kind),
                format!("remove it; a {} channel takes {}", c.kind, allowed.join(", ")),
            );
        }
    }
    let timeout = match c.timeout_ms {
        Some(0) => {
            issues.push(
                format!("{at}.timeout_ms"),
                "must be greater than 0",
                "remove it for the default (10000)",
            );
            Duration::from_secs(10)
        }
        Some(ms) => Duration::from_millis(ms),
        None => Duration::from_secs(10),
    };
    Some(ChannelPlan {
        id: c.id.clone(),
        kind: kind?,
        timeout,
    })
}

/// The kind-specific keys that are set (`id`, `kind` and `timeout_ms` apply to every kind).
fn set_keys(c: &RawChannel) -> Vec<&'static str> {
    let opts: [(&'static str, bool); 16] = [
        ("url", c.url.is_some()),
        ("url_env", c.url_env.is_some()),
        ("url_file", c.url_file.is_some()),
        ("secret_env", c.secret_env.is_some()),
        ("secret_file", c.secret_file.is_some()),
        ("markdown", c.markdown.is_some()),
        ("host", c.host.is_some()),
        ("port", c.port.is_some()),
        ("security", c.security.is_some()),
        ("username", c.username.is_some()),
        ("password_env", c.password_env.is_some()),
        ("password_file", c.password_file.is_some()),
        ("from", c.from.is_some()),
        ("ca_file", c.ca_file.is_some()),
        ("broker", c.broker.is_some()),
        ("topic", c.topic.is_some()),
    ];
    opts.iter().filter(|(_, set)| *set).map(|(k, _)| *k).collect()
}

/// The channel's URL from `url` or `url_env`/`url_file`. `secret_param` names the query
/// parameter that holds a robot's key: such a URL must come from the environment or a file
/// (and must have the parameter, which catches a URL copied without it).
fn url(at: &str, c: &RawChannel, secret_param: Option<&str>, secrets: &Secrets, issues: &mut Issues) -> String {
    let kept_secret = c.url_env.is_some() || c.url_file.is_some();
    let from_secret = secrets.resolve(at, "url", &c.url_env, &c.url_file, issues);
    let url = match (&c.url, kept_secret) {
        (Some(_), true) => {
            issues.push(
                format!("{at}.url"),
                "both url and url_env/url_file are given",
                "keep one of them",
            );
            return String::new();
        }
        (Some(_), false) if secret_param.is_some() => {
            issues.push(
                format!("{at}.url"),
                format!(
                    "a {} robot's URL holds its key, a secret, which must not be in the file",
                    c.kind
                ),
                "put the URL in an environment variable (url_env) or a file (url_file)",
            );
            return String::new();
        }
        (Some(u), false) => u.clone(),
        (None, true) => match from_secret {
            Some(u) => u.trim().to_string(),
            None => return String::new(), // reported by resolve
        },
        (None, false) => {
            let keys = if secret_param.is_some() {
                "url_env or url_file"
            } else {
                "url, url_env or url_file"
            };
            issues.push(
                format!("{at}.url"),
                format!("a {} channel needs a URL", c.kind),
                format!("set {keys}"),
            );
            return String::new();
        }
    };
    let Some(parsed) = http_url(&url) else {
        // Not echoed: it may hold a key.
        issues.push(
            format!("{at}.url"),
            "the URL is not an http(s) URL",
            "give the full https://… address from the robot's or receiver's settings",
        );
        return url;
    };
    if let Some(param) = secret_param {
        if !parsed.query_pairs().any(|(k, v)| k == param && !v.is_empty()) {
            issues.push(
                format!("{at}.url"),
                format!("the URL has no {param}= parameter"),
                "copy the whole webhook address from the robot's settings in the group",
            );
        }
    }
    url
}

fn http_url(url: &str) -> Option<reqwest::Url> {
    reqwest::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
}

fn email(at: &str, c: &RawChannel, secrets: &Secrets, issues: &mut Issues) -> ChannelKind {
    let security = match c.security.as_deref() {
        None | Some("starttls") => SmtpSecurity::Starttls,
        Some("tls") => SmtpSecurity::Tls,
        Some("none") => SmtpSecurity::None,
        Some(other) => {
            issues.push(
                format!("{at}.security"),
                format!("unknown security \"{other}\""),
                "use \"starttls\" (port 587), \"tls\" (port 465) or \"none\" (a local relay only)",
            );
            SmtpSecurity::Starttls
        }
    };
    let host = c.host.clone().unwrap_or_default();
    if host.trim().is_empty() {
        issues.push(
            format!("{at}.host"),
            "an email channel needs host",
            "set host = \"smtp.example.cn\"",
        );
    }
    let from = c.from.clone().unwrap_or_default();
    if from.parse::<lettre::message::Mailbox>().is_err() {
        issues.push(
            format!("{at}.from"),
            format!("\"{from}\" is not a sender address"),
            "set from = \"facmon@example.cn\" or \"设施监控 <facmon@example.cn>\"",
        );
    }
    let password = secrets.resolve(at, "password", &c.password_env, &c.password_file, issues);
    if c.username.is_some() != (c.password_env.is_some() || c.password_file.is_some()) {
        issues.push(
            format!("{at}.username"),
            "a user name needs a password and a password a user name",
            "set username together with password_env or password_file",
        );
    }
    let ca_file = c.ca_file.as_ref().map(PathBuf::from);
    if let Some(path) = &ca_file {
        if let Err(e) = std::fs::read(path) {
            issues.push(
                format!("{at}.ca_file"),
                format!("cannot read {}: {e}", path.display()),
                "point it at the PEM file of the CA that signed the mail server's certificate",
            );
        }
    }
    ChannelKind::Email {
        host,
        port: c.port.unwrap_or(security.default_port()),
        security,
        username: c.username.clone(),
        password,
        from,
        ca_file,
    }
}

fn mqtt(at: &str, c: &RawChannel, site: &Site, brokers: &[MqttBroker], issues: &mut Issues) -> Option<ChannelKind> {
    let topic = c.topic.clone().unwrap_or_else(|| format!("facmon/{}/notify", site.id));
    if topic.is_empty() || topic.contains(['+', '#', '\0']) || topic.ends_with('/') {
        issues.push(
            format!("{at}.topic"),
            format!("\"{topic}\" cannot start a topic name"),
            "write a topic without wildcards (+ #) and without a trailing /, e.g. \"facmon/tower/notify\"",
        );
    }
    let Some(id) = &c.broker else {
        issues.push(
            format!("{at}.broker"),
            "an mqtt channel needs broker",
            "name an [[mqtt_brokers]] id",
        );
        return None;
    };
    let Some(broker) = brokers.iter().position(|b| &b.id == id) else {
        let ids: Vec<&str> = brokers.iter().map(|b| b.id.as_str()).collect();
        issues.push(
            format!("{at}.broker"),
            format!("broker \"{id}\" is not defined"),
            format!("name the id of an [[mqtt_brokers]] entry: {}", ids.join(", ")),
        );
        return None;
    };
    Some(ChannelKind::Mqtt { broker, topic })
}

fn route(at: &str, r: &RawRoute, issues: &mut Issues) -> Route {
    if r.rules.is_empty() {
        issues.push(
            format!("{at}.rules"),
            "a route needs at least one rule",
            "name rule ids or families: rules = [\"PWR-*\"] (\"*\" = every rule)",
        );
    }
    for p in &r.rules {
        let body = p.strip_suffix('*').unwrap_or(p);
        if (p.is_empty() || body.contains('*') || body.contains(char::is_whitespace)) && p != "*" {
            issues.push(
                format!("{at}.rules"),
                format!("\"{p}\" is not a rule id or family"),
                "write an id (\"PWR-02\") or a prefix ending in * (\"PWR-*\")",
            );
        }
    }
    let mut severities = Vec::new();
    for s in &r.severities {
        match serde_json::from_value::<Severity>(serde_json::Value::String(s.clone())) {
            Ok(s) => severities.push(s),
            Err(_) => issues.push(
                format!("{at}.severities"),
                format!("unknown severity \"{s}\""),
                "use info, warning, major, critical or escalation",
            ),
        }
    }
    if r.roles.is_empty() {
        issues.push(
            format!("{at}.roles"),
            "a route needs at least one role",
            format!("name role keys: {}", crate::roster::role_keys()),
        );
    }
    for role in &r.roles {
        if crate::roster::role(role).is_none() {
            issues.push(
                format!("{at}.roles"),
                format!("unknown role \"{role}\""),
                format!("use one of {}", crate::roster::role_keys()),
            );
        }
    }
    Route {
        rules: r.rules.clone(),
        severities,
        roles: r.roles.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::load_str;

    const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");

    fn plan(extra: &str, env: &[(&str, &str)]) -> Result<NotifyPlan, Vec<(String, String)>> {
        let text = std::fs::read_to_string(MINIMAL).unwrap();
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        load_str("site.toml", &format!("{text}\n{extra}"), Some(env))
            .map(|p| p.notify)
            .map_err(|e| e.issues.into_iter().map(|i| (i.key, i.problem)).collect())
    }

    fn keys(issues: &[(String, String)]) -> Vec<&str> {
        issues.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn a_person_paged_on_a_channel_that_does_not_exist_is_reported_at_the_person() {
        let roster = "[[roster.people]]\nid = \"li\"\nchannels = [\"hook\", \"pager\"]\n";
        let hook = "[[notify.channels]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/h\"\n";
        let issues = plan(&format!("{roster}\n{hook}"), &[]).unwrap_err();
        assert_eq!(keys(&issues), ["roster.people[0].channels"]);
        assert!(issues[0].1.contains("\"pager\""), "{issues:?}");
        // Without any [notify], every channel a person names is missing.
        let issues = plan(roster, &[]).unwrap_err();
        assert_eq!(issues.len(), 2, "{issues:?}");
    }

    #[test]
    fn no_notify_section_means_no_channels_and_the_defaults() {
        let n = plan("", &[]).unwrap();
        assert!(n.channels.is_empty() && n.routes.is_empty());
        assert_eq!(n.repeat_every, Duration::from_secs(300));
        assert_eq!(n.language, MessageLanguage::Both);
    }

    #[test]
    fn every_kind_of_channel_parses_with_its_secrets_from_the_environment() {
        let n = plan(
            r#"
[notify]
repeat_every_min = 3
language = "zh-CN"
console_url = "https://facmon.example.cn/"

[[notify.channels]]
id = "hook"
kind = "webhook"
url = "https://hooks.example.cn/facmon"
secret_env = "HOOK_SECRET"

[[notify.channels]]
id = "wx"
kind = "wecom"
url_env = "WX_URL"
markdown = true

[[notify.channels]]
id = "dd"
kind = "dingtalk"
url_env = "DD_URL"
secret_env = "DD_SECRET"
timeout_ms = 3000

[[notify.channels]]
id = "mail"
kind = "email"
host = "smtp.example.cn"
username = "facmon"
password_env = "SMTP_PW"
from = "设施监控 <facmon@example.cn>"

[[notify.channels]]
id = "bus"
kind = "mqtt"
broker = "broker"

[[notify.routes]]
rules = ["PWR-*", "WAT-02"]
severities = ["critical", "escalation"]
roles = ["duty_electrician", "supervisor"]
"#,
            &[
                ("HOOK_SECRET", "hs"),
                ("WX_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
                ("DD_URL", "https://oapi.dingtalk.com/robot/send?access_token=tok"),
                ("DD_SECRET", "SECx"),
                ("SMTP_PW", "pw"),
            ],
        )
        .unwrap();
        assert_eq!(n.repeat_every, Duration::from_secs(180));
        assert_eq!(n.language, MessageLanguage::ZhCn);
        assert_eq!(n.console_url.as_deref(), Some("https://facmon.example.cn"));
        let kinds: Vec<&ChannelKind> = n.channels.iter().map(|c| &c.kind).collect();
        assert_eq!(
            kinds[0],
            &ChannelKind::Webhook {
                url: "https://hooks.example.cn/facmon".into(),
                secret: Some("hs".into())
            }
        );
        assert!(matches!(kinds[1], ChannelKind::WeCom { markdown: true, url } if url.ends_with("key=abc")));
        assert!(matches!(kinds[2], ChannelKind::DingTalk { secret: Some(s), markdown: false, .. } if s == "SECx"));
        assert_eq!(n.channels[2].timeout, Duration::from_millis(3000));
        assert_eq!(
            kinds[3],
            &ChannelKind::Email {
                host: "smtp.example.cn".into(),
                port: 587,
                security: SmtpSecurity::Starttls,
                username: Some("facmon".into()),
                password: Some("pw".into()),
                from: "设施监控 <facmon@example.cn>".into(),
                ca_file: None,
            }
        );
        assert_eq!(
            kinds[4],
            &ChannelKind::Mqtt {
                broker: 0,
                topic: "facmon/tower/notify".into()
            }
        );
        assert_eq!(
            n.routes[0],
            Route {
                rules: vec!["PWR-*".into(), "WAT-02".into()],
                severities: vec![Severity::Critical, Severity::Escalation],
                roles: vec!["duty_electrician".into(), "supervisor".into()],
            }
        );
        let shown = format!("{n:?}");
        for secret in ["hs\"", "key=abc", "access_token=tok", "SECx", "\"pw\""] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn notify_mistakes_are_all_reported_with_their_keys() {
        let issues = plan(
            r#"
[notify]
repeat_every_min = 0
language = "fr"
console_url = "facmon.local"

[[notify.channels]]
id = "a"
kind = "pager"

[[notify.channels]]
id = "wx"
kind = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"

[[notify.channels]]
id = "wx"
kind = "webhook"
url = "ftp://x"
host = "h"

[[notify.channels]]
id = "dd"
kind = "dingtalk"
url_env = "DD_URL"
secret_env = "NOT_SET"

[[notify.channels]]
id = "mail"
kind = "email"
security = "ssl"
username = "u"
ca_file = "/nonexistent/ca.pem"

[[notify.channels]]
id = "bus"
kind = "mqtt"
broker = "nope"

[[notify.routes]]
rules = ["P*W"]
severities = ["fatal"]
roles = ["janitor"]

[[notify.routes]]
"#,
            &[("DD_URL", "https://oapi.dingtalk.com/robot/send")],
        )
        .unwrap_err();
        let keys = keys(&issues);
        for key in [
            "notify.repeat_every_min",
            "notify.language",
            "notify.console_url",
            "notify.channels[0].kind",
            "notify.channels[1].url",
            "notify.channels[2].id",
            "notify.channels[2].url",
            "notify.channels[2].host",
            "notify.channels[3].url",
            "notify.channels[3].secret_env",
            "notify.channels[4].security",
            "notify.channels[4].host",
            "notify.channels[4].from",
            "notify.channels[4].username",
            "notify.channels[4].ca_file",
            "notify.channels[5].broker",
            "notify.routes[0].rules",
            "notify.routes[0].severities",
            "notify.routes[0].roles",
            "notify.routes[1].rules",
            "notify.routes[1].roles",
        ] {
            assert!(keys.contains(&key), "{key} missing from {issues:#?}");
        }
        let shown = format!("{issues:?}");
        assert!(!shown.contains("key=abc"), "a robot key is echoed: {shown}");
    }

    #[test]
    fn an_unknown_key_in_a_channel_is_reported() {
        let issues = plan(
            "[[notify.channels]]\nid = \"h\"\nkind = \"webhook\"\nurl = \"http://x\"\nsecret = \"plain\"\n",
            &[],
        )
        .unwrap_err();
        assert!(keys(&issues).contains(&"notify.channels[0].secret"), "{issues:?}");
    }
}
