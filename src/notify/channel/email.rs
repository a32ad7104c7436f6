//! E-mail over SMTP submission (lettre on tokio, rustls): one connection per message,
//! STARTTLS by default.
//!
//! The mail is `text/plain; charset=utf-8` (lettre picks quoted-printable or Base64, so
//! Chinese survives any relay), To the person's address with their name, Subject the
//! message's subject (RFC 2047-encoded), and `Message-ID: <key@sender's domain>` so that a
//! retried message can be recognised as the same one. A person without an e-mail address
//! is refused: no retry will give them one.

use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{with_link, ChannelKind, ChannelPlan, Message, Recipient, SendError};
use crate::notify::SmtpSecurity;

pub(super) struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl Email {
    pub(super) fn new(ch: &ChannelPlan) -> Result<Email, String> {
        let ChannelKind::Email {
            host,
            port,
            security,
            username,
            password,
            from,
            ca_file,
        } = &ch.kind
        else {
            return Err("not an email channel".into());
        };
        let from: Mailbox = from.parse().map_err(|e| format!("sender {from}: {e}"))?;
        let tls = match security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Starttls => Tls::Required(tls_parameters(host, ca_file.as_deref())?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(host, ca_file.as_deref())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(*port)
            .tls(tls)
            .timeout(Some(ch.timeout));
        if let Some(user) = username {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone().unwrap_or_default()));
        }
        Ok(Email {
            transport: builder.build(),
            from,
            timeout: ch.timeout,
        })
    }

    pub(super) async fn send(&self, to: &Recipient, msg: &Message, now: SystemTime) -> Result<(), SendError> {
        let mail = self.mail(to, msg, now)?;
        // lettre's timeout bounds each socket operation; this bounds the whole exchange.
        match tokio::time::timeout(self.timeout * 2, self.transport.send(mail)).await {
            Err(_) => Err(SendError::Retry("the SMTP server did not finish in time".into())),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Refused(format!("SMTP: {e}"))),
            Ok(Err(e)) => Err(SendError::Retry(format!("SMTP: {}", chain(&e)))),
        }
    }

    fn mail(&self, to: &Recipient, msg: &Message, now: SystemTime) -> Result<lettre::Message, SendError> {
        let Some(address) = &to.email else {
            return Err(SendError::Refused(format!(
                "{} ({}) has no e-mail address",
                to.name, to.id
            )));
        };
        let address = address
            .parse()
            .map_err(|e| SendError::Refused(format!("e-mail address of {} ({}): {e}", to.name, to.id)))?;
        let name = Some(to.name.clone()).filter(|n| !n.trim().is_empty());
        let key: String = msg
            .key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-._".contains(c) {
                    c
                } else {
                    '.'
                }
            })
            .collect();
        lettre::Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(&msg.subject)
            .date(now)
            .message_id(Some(format!("<{key}@{}>", self.from.email.domain())))
            .header(ContentType::TEXT_PLAIN)
            .body(with_link(&msg.text, msg.link.as_deref()))
            .map_err(|e| SendError::Refused(format!("cannot build the e-mail: {e}")))
    }
}

/// TLS for `host`: the web PKI roots, plus the site's own CA when `ca_file` is given.
fn tls_parameters(host: &str, ca_file: Option<&std::path::Path>) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(host.to_string());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| format!("CA file {}: {e}", path.display()))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| format!("TLS for {host}: {e}"))
}

/// An error with its causes, in one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(security: SmtpSecurity, ca_file: Option<std::path::PathBuf>) -> ChannelPlan {
        ChannelPlan {
            id: "mail".into(),
            kind: ChannelKind::Email {
                host: "smtp.example.cn".into(),
                port: 587,
                security,
                username: None,
                password: None,
                from: "设施监控 <facmon@example.cn>".into(),
                ca_file,
            },
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn a_missing_ca_file_makes_the_channel_unusable_with_a_reason() {
        let e = Email::new(&channel(SmtpSecurity::Starttls, Some("/nonexistent/ca.pem".into()))).err();
        assert!(e.unwrap().contains("/nonexistent/ca.pem"));
        assert!(Email::new(&channel(SmtpSecurity::Tls, None)).is_ok());
    }

    #[test]
    fn a_person_without_an_address_is_refused_and_the_message_id_carries_the_key() {
        let email = Email::new(&channel(SmtpSecurity::None, None)).unwrap();
        let msg = Message {
            key: "evt-7/p1/mail".into(),
            subject: "市电失电".into(),
            text: "正文".into(),
            markdown: String::new(),
            link: None,
            data: serde_json::Value::Null,
        };
        let mut p = Recipient {
            id: "p1".into(),
            name: "张三".into(),
            mobile: None,
            email: None,
        };
        assert!(matches!(
            email.mail(&p, &msg, SystemTime::UNIX_EPOCH),
            Err(SendError::Refused(_))
        ));
        p.email = Some("zhang@example.cn".into());
        let text = String::from_utf8(email.mail(&p, &msg, SystemTime::UNIX_EPOCH).unwrap().formatted()).unwrap();
        assert!(text.contains("Message-ID: <evt-7.p1.mail@example.cn>"), "{text}");
    }
}
