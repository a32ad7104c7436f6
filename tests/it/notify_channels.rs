//! Notification channels against real servers: a recording HTTP server standing in for
//! WeCom, DingTalk and webhook receivers (which cannot run here), aiosmtpd for e-mail (also
//! over STARTTLS with a certificate made here), and mosquitto for MQTT.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use facmon::clock::ManualClock;
use facmon::config::{self, Plan};
use facmon::notify::channel::{Channels, Message, Recipient, SendError};
use facmon::shutdown::Shutdown;
use hmac::{KeyInit, Mac};
use serde_json::json;
use tokio::task::JoinSet;

use crate::support::broker::Mosquitto;
use crate::support::free_port;
use crate::support::http_recorder::{HttpRecorder, Reply};
use crate::support::smtp::SmtpServer;

const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");
/// The manual clock's time: 2023-11-14 22:13:20 UTC.
const NOW_MS: u64 = 1_700_000_000_000;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

struct Rig {
    channels: Channels,
    shutdown: Shutdown,
    _tasks: JoinSet<()>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// The minimal site plus `notify`, with `env` as the only environment (secrets).
fn plan(notify: &str, env: &[(&str, &str)], mqtt_port: Option<u16>) -> Plan {
    let mut text = std::fs::read_to_string(MINIMAL).unwrap();
    if let Some(port) = mqtt_port {
        text = text.replace("mqtt://127.0.0.1:1883", &format!("mqtt://127.0.0.1:{port}"));
    }
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    config::load_str("notify.toml", &format!("{text}\n{notify}"), Some(env)).unwrap_or_else(|e| panic!("{e}"))
}

fn start(plan: &Plan) -> Rig {
    let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_millis(NOW_MS)));
    let shutdown = Shutdown::new();
    let mut tasks = JoinSet::new();
    let channels = Channels::start(plan, clock, &shutdown, &mut tasks);
    Rig {
        channels,
        shutdown,
        _tasks: tasks,
    }
}

fn zhang(mobile: Option<&str>) -> Recipient {
    Recipient {
        id: "zhang-san".into(),
        name: "张三".into(),
        mobile: mobile.map(str::to_string),
        email: Some("zhang.san@example.cn".into()),
    }
}

fn mains_failed() -> Message {
    Message {
        key: "evt-42/zhang-san/ch".into(),
        subject: "【紧急】市电失电 Mains power failed — 大厦 Tower".into(),
        text: "【紧急】1号楼市电失电，发电机未启动。\nMains power failed in building 1; the generator has not started."
            .into(),
        markdown: "### 市电失电 Mains power failed\n发电机未启动".into(),
        link: Some("https://facmon.example.cn/tickets/42".into()),
        data: json!({"rule": "PWR-02", "equipment": "gen-1", "severity": "critical"}),
    }
}

fn robot_ok() -> Reply {
    Reply::json(200, json!({"errcode": 0, "errmsg": "ok"}))
}

#[tokio::test]
async fn wecom_text_mentions_the_person_by_mobile_and_errcode_0_is_delivered() {
    let rec = HttpRecorder::start().await;
    rec.set_reply(robot_ok());
    let url = format!("{}/cgi-bin/webhook/send?key=robot-key-1", rec.url());
    let plan = plan(
        "[[notify.channels]]\nid = \"wx\"\nkind = \"wecom\"\nurl_env = \"WX\"\nmarkdown = true\n",
        &[("WX", &url)],
        None,
    );
    let rig = start(&plan);

    // With a mobile: the text form, which can @ the person, even on a markdown channel.
    rig.channels
        .send("wx", &zhang(Some("13800138000")), &mains_failed())
        .await
        .unwrap();
    // Without one: Markdown.
    rig.channels.send("wx", &zhang(None), &mains_failed()).await.unwrap();

    let reqs = rec.wait_for(2, "two WeCom messages").await;
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path(), "/cgi-bin/webhook/send");
    assert_eq!(reqs[0].query("key").as_deref(), Some("robot-key-1"));
    let text = reqs[0].json();
    assert_eq!(text["msgtype"], "text");
    assert_eq!(text["text"]["mentioned_mobile_list"], json!(["13800138000"]));
    let content = text["text"]["content"].as_str().unwrap();
    assert!(content.starts_with("【紧急】1号楼市电失电"), "{content}");
    assert!(content.ends_with("\nhttps://facmon.example.cn/tickets/42"), "{content}");
    let md = reqs[1].json();
    assert_eq!(md["msgtype"], "markdown");
    assert!(md["markdown"]["content"].as_str().unwrap().starts_with("### 市电失电"));
}

#[tokio::test]
async fn wecom_errcodes_are_refused_except_rate_limiting_which_is_retried() {
    let rec = HttpRecorder::start().await;
    let url = format!("{}/send?key=k", rec.url());
    let plan = plan(
        "[[notify.channels]]\nid = \"wx\"\nkind = \"wecom\"\nurl_env = \"WX\"\n",
        &[("WX", &url)],
        None,
    );
    let rig = start(&plan);
    let (to, msg) = (zhang(Some("13800138000")), mains_failed());

    rec.set_reply(Reply::json(
        200,
        json!({"errcode": 93000, "errmsg": "invalid webhook url"}),
    ));
    let e = rig.channels.send("wx", &to, &msg).await.unwrap_err();
    assert!(matches!(&e, SendError::Refused(m) if m.contains("93000")), "{e:?}");

    rec.set_reply(Reply::json(
        200,
        json!({"errcode": 45009, "errmsg": "api freq out of limit"}),
    ));
    let e = rig.channels.send("wx", &to, &msg).await.unwrap_err();
    assert!(matches!(&e, SendError::Retry(m) if m.contains("45009")), "{e:?}");

    rec.set_reply(Reply::text(502, "bad gateway"));
    assert!(matches!(
        rig.channels.send("wx", &to, &msg).await,
        Err(SendError::Retry(_))
    ));
}

/// DingTalk's recipe, written out independently of the channel: Base64 of HMAC-SHA256 keyed
/// with the secret over "<timestamp>\n<secret>", then URL-encoded.
fn dingtalk_sign(secret: &str, timestamp: &str) -> String {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    b64.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

#[tokio::test]
async fn dingtalk_signs_the_request_and_ats_the_person_in_the_text() {
    let rec = HttpRecorder::start().await;
    rec.set_reply(robot_ok());
    let url = format!("{}/robot/send?access_token=tok-1", rec.url());
    let secret = "SEC0123456789abcdef";
    let plan = plan(
        "[[notify.channels]]\nid = \"dd\"\nkind = \"dingtalk\"\nurl_env = \"DD\"\nsecret_env = \"DD_SECRET\"\n\
         [[notify.channels]]\nid = \"dd-md\"\nkind = \"dingtalk\"\nurl_env = \"DD\"\nmarkdown = true\n",
        &[("DD", &url), ("DD_SECRET", secret)],
        None,
    );
    let rig = start(&plan);
    rig.channels
        .send("dd", &zhang(Some("13800138000")), &mains_failed())
        .await
        .unwrap();
    rig.channels
        .send("dd-md", &zhang(Some("13800138000")), &mains_failed())
        .await
        .unwrap();

    let reqs = rec.wait_for(2, "two DingTalk messages").await;
    let signed = &reqs[0];
    assert_eq!(signed.query("access_token").as_deref(), Some("tok-1"));
    let timestamp = signed.raw_query("timestamp").expect("timestamp parameter");
    assert_eq!(timestamp, NOW_MS.to_string());
    assert_eq!(
        signed.raw_query("sign"),
        Some(dingtalk_sign(secret, timestamp).as_str())
    );
    let body = signed.json();
    assert_eq!(body["msgtype"], "text");
    assert_eq!(body["at"], json!({"atMobiles": ["13800138000"], "isAtAll": false}));
    let content = body["text"]["content"].as_str().unwrap();
    assert!(content.starts_with("【紧急】1号楼市电失电"), "{content}");
    assert!(
        content.contains("@13800138000"),
        "DingTalk only @s a mobile that is in the text: {content}"
    );

    let md = reqs[1].json();
    assert_eq!(reqs[1].raw_query("sign"), None, "no secret, no signature");
    assert_eq!(md["msgtype"], "markdown");
    assert_eq!(md["markdown"]["title"], mains_failed().subject);
    assert!(md["markdown"]["text"].as_str().unwrap().contains("@13800138000"));
    assert_eq!(md["at"]["atMobiles"], json!(["13800138000"]));

    rec.set_reply(Reply::json(200, json!({"errcode": 310000, "errmsg": "sign not match"})));
    let e = rig
        .channels
        .send("dd", &zhang(None), &mains_failed())
        .await
        .unwrap_err();
    assert!(matches!(&e, SendError::Refused(m) if m.contains("310000")), "{e:?}");
    rec.set_reply(Reply::json(200, json!({"errcode": 130101, "errmsg": "send too fast"})));
    let e = rig
        .channels
        .send("dd", &zhang(None), &mains_failed())
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Retry(_)), "{e:?}");
}

#[tokio::test]
async fn a_webhook_posts_the_json_envelope_with_an_idempotency_key_and_a_verifiable_signature() {
    let rec = HttpRecorder::start().await;
    rec.set_reply(Reply::text(204, ""));
    let plan = plan(
        &format!(
            "[[notify.channels]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"{}/facmon\"\nsecret_env = \"HOOK\"\n",
            rec.url()
        ),
        &[("HOOK", "hook-secret")],
        None,
    );
    let rig = start(&plan);
    let msg = mains_failed();
    rig.channels
        .send("hook", &zhang(Some("13800138000")), &msg)
        .await
        .unwrap();

    let req = rec.wait_for(1, "the webhook").await.remove(0);
    assert_eq!((req.method.as_str(), req.path()), ("POST", "/facmon"));
    assert_eq!(req.header("idempotency-key"), Some(msg.key.as_str()));
    assert!(req.header("content-type").unwrap().starts_with("application/json"));
    assert_eq!(
        req.json(),
        json!({
            "key": msg.key, "subject": msg.subject, "text": msg.text, "link": msg.link,
            "recipient": {"id": "zhang-san", "name": "张三", "mobile": "13800138000", "email": "zhang.san@example.cn"},
            "data": msg.data, "sent_at_ms": NOW_MS,
        })
    );
    // What a receiver does: HMAC over "<timestamp>.<raw body>", compared in constant time.
    let timestamp = req.header("x-facmon-timestamp").unwrap();
    assert_eq!(timestamp, NOW_MS.to_string());
    let hex = req
        .header("x-facmon-signature")
        .unwrap()
        .strip_prefix("sha256=")
        .unwrap();
    let sig: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"hook-secret").unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&req.body);
    mac.verify_slice(&sig).expect("the signature verifies");
}

#[tokio::test]
async fn http_5xx_429_and_no_server_are_retried_4xx_and_unknown_channels_refused() {
    let rec = HttpRecorder::start().await;
    let dead = format!("http://127.0.0.1:{}/x", free_port());
    let plan = plan(
        &format!(
            "[[notify.channels]]\nid = \"hook\"\nkind = \"webhook\"\nurl = \"{}/h\"\n\
             [[notify.channels]]\nid = \"dead\"\nkind = \"webhook\"\nurl = \"{dead}\"\ntimeout_ms = 2000\n",
            rec.url()
        ),
        &[],
        None,
    );
    let rig = start(&plan);
    let (to, msg) = (zhang(None), mains_failed());
    for (status, retry) in [
        (503, true),
        (500, true),
        (429, true),
        (404, false),
        (400, false),
        (401, false),
    ] {
        rec.set_reply(Reply::text(status, "nope"));
        let e = rig.channels.send("hook", &to, &msg).await.unwrap_err();
        assert_eq!(matches!(e, SendError::Retry(_)), retry, "HTTP {status}: {e:?}");
    }
    rec.queue_reply(Reply::text(503, "busy"));
    rec.set_reply(Reply::text(200, "ok"));
    assert!(rig.channels.send("hook", &to, &msg).await.is_err());
    rig.channels
        .send("hook", &to, &msg)
        .await
        .expect("the retry is delivered");

    let e = rig.channels.send("dead", &to, &msg).await.unwrap_err();
    assert!(matches!(&e, SendError::Retry(m) if m.contains("connect")), "{e:?}");
    let e = rig.channels.send("nope", &to, &msg).await.unwrap_err();
    assert!(matches!(e, SendError::Refused(_)), "{e:?}");
}

fn email_channel(port: u16, security: &str, ca_file: Option<&std::path::Path>) -> String {
    let ca = ca_file
        .map(|p| format!("ca_file = \"{}\"\n", p.display()))
        .unwrap_or_default();
    format!(
        "[[notify.channels]]\nid = \"mail\"\nkind = \"email\"\nhost = \"127.0.0.1\"\nport = {port}\n\
         security = \"{security}\"\nfrom = \"设施监控 facmon <facmon@example.cn>\"\n{ca}"
    )
}

fn assert_mains_failed_mail(m: &serde_json::Value) {
    let msg = mains_failed();
    assert_eq!(m["mail_from"], "facmon@example.cn");
    assert_eq!(m["rcpt_tos"], json!(["zhang.san@example.cn"]));
    assert_eq!(m["to"], "张三 <zhang.san@example.cn>");
    assert_eq!(m["from"], "设施监控 facmon <facmon@example.cn>");
    assert_eq!(m["subject"], msg.subject);
    assert_eq!(m["message_id"], "<evt-42.zhang-san.ch@example.cn>");
    assert_eq!(
        (m["content_type"].as_str(), m["charset"].as_str()),
        (Some("text/plain"), Some("utf-8"))
    );
    let body = m["body"].as_str().unwrap().replace("\r\n", "\n");
    assert_eq!(body.trim_end(), format!("{}\n{}", msg.text, msg.link.unwrap()));
}

#[tokio::test]
async fn an_email_arrives_with_subject_recipient_and_chinese_body_intact() {
    let smtp = SmtpServer::start().await;
    let plan = plan(&email_channel(smtp.port, "none", None), &[], None);
    let rig = start(&plan);
    rig.channels.send("mail", &zhang(None), &mains_failed()).await.unwrap();
    let m = smtp.wait_for_messages(1).await.remove(0);
    assert_mains_failed_mail(&m);
    assert_eq!(m["tls"], false);

    let mut nobody = zhang(None);
    nobody.email = None;
    let e = rig.channels.send("mail", &nobody, &mains_failed()).await.unwrap_err();
    assert!(matches!(e, SendError::Refused(_)), "{e:?}");
}

#[tokio::test]
async fn an_email_goes_over_starttls_to_a_server_whose_ca_is_in_ca_file() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &*ca)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let smtp = SmtpServer::start_tls(&cert.pem(), &key.serialize_pem()).await;
    let trusting = plan(&email_channel(smtp.port, "starttls", Some(&ca_file)), &[], None);
    let rig = start(&trusting);
    rig.channels.send("mail", &zhang(None), &mains_failed()).await.unwrap();
    let m = smtp.wait_for_messages(1).await.remove(0);
    assert_eq!(m["tls"], true, "the message went over STARTTLS");
    assert_mains_failed_mail(&m);

    // Without the site's CA the server's certificate is not trusted: nothing is sent.
    let untrusting = plan(&email_channel(smtp.port, "starttls", None), &[], None);
    let rig = start(&untrusting);
    assert!(rig.channels.send("mail", &zhang(None), &mains_failed()).await.is_err());
    assert_eq!(smtp.messages().len(), 1);
}

/// Subscribes to `filter` and forwards every publish (topic, payload).
async fn subscribe(port: u16, filter: &str) -> tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)> {
    let opts = rumqttc::MqttOptions::new(format!("notify-test-sub-{port}"), "127.0.0.1", port);
    let (client, mut events) = rumqttc::AsyncClient::new(opts, 16);
    client.subscribe(filter, rumqttc::QoS::AtLeastOnce).await.unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (subscribed, ready) = tokio::sync::oneshot::channel();
    let mut subscribed = Some(subscribed);
    tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_))) => {
                    if let Some(s) = subscribed.take() {
                        let _ = s.send(());
                    }
                }
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) => {
                    if tx.send((p.topic.clone(), p.payload.to_vec())).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(10), ready)
        .await
        .unwrap()
        .unwrap();
    rx
}

#[tokio::test]
async fn an_mqtt_message_is_confirmed_by_puback_and_retried_while_the_broker_is_down() {
    let mut broker = Mosquitto::start().await;
    let mut rx = subscribe(broker.port, "facmon/tower/notify/#").await;
    let plan = plan(
        "[[notify.channels]]\nid = \"bus\"\nkind = \"mqtt\"\nbroker = \"broker\"\ntimeout_ms = 3000\n",
        &[],
        Some(broker.port),
    );
    let rig = start(&plan);
    let msg = mains_failed();
    // The first send waits for the connection (up to the channel's deadline).
    rig.channels.send("bus", &zhang(None), &msg).await.unwrap();
    let (topic, payload) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(topic, "facmon/tower/notify/zhang-san");
    let body: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(body["key"], msg.key);
    assert_eq!(body["data"], msg.data);
    assert_eq!(body["recipient"]["id"], "zhang-san");

    broker.kill();
    let e = rig.channels.send("bus", &zhang(None), &msg).await.unwrap_err();
    assert!(matches!(e, SendError::Retry(_)), "{e:?}");
    let mut bad = zhang(None);
    bad.id = "a/b".into();
    assert!(matches!(
        rig.channels.send("bus", &bad, &msg).await,
        Err(SendError::Refused(_))
    ));
}
