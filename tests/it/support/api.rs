//! The simulated building with the daemon serving its API on a free loopback port, users and
//! tokens made through facmon's own auth module, and a small SSE reader.

use std::time::Duration;

use facmon::api::auth::users;
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use super::building::{Building, Parts};

pub struct Api {
    pub b: Building,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub http: reqwest::Client,
}

/// How a request proves who it comes from.
#[derive(Clone, Debug)]
pub enum Auth {
    Anonymous,
    Token(String),
    /// The session cookie (`facmon_session=…`) and, when sent, the CSRF token.
    Session {
        cookie: String,
        csrf: Option<String>,
    },
}

impl Api {
    /// The building's Modbus TCP plant and the daemon with its API on `127.0.0.1:0`.
    pub async fn start() -> Api {
        Api::start_with(None).await
    }

    /// As [`Api::start`]; with `tls` (certificate and key files, and the PEM the client
    /// trusts) over HTTPS.
    pub async fn start_with(tls: Option<(std::path::PathBuf, std::path::PathBuf, Vec<u8>)>) -> Api {
        let files = tls.as_ref().map(|(c, k, _)| (c.clone(), k.clone()));
        let b = Building::start_with(
            Parts {
                tcp: true,
                ..Default::default()
            },
            |plan| {
                plan.api.enabled = true;
                plan.api.bind = "127.0.0.1:0".parse().unwrap();
                plan.api.tls = files;
            },
        )
        .await;
        let addr = b
            .daemon
            .api_addr
            .expect("the daemon serves its API on the port-0 address");
        let mut http = reqwest::Client::builder().timeout(Duration::from_secs(20));
        if let Some((_, _, pem)) = &tls {
            http = http.add_root_certificate(reqwest::Certificate::from_pem(pem).unwrap());
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        Api {
            b,
            base: format!("{scheme}://{addr}"),
            http: http.build().unwrap(),
        }
    }

    pub fn db(&self) -> facmon::db::Db {
        facmon::db::open(self.b.data.path()).expect("open the building's facmon.db")
    }

    /// Adds a user with `role`; returns their password.
    pub fn user(&self, name: &str, role: &str) -> String {
        let password = format!("{name}-pass-phrase-long");
        users::add_user(
            &self.db().conn,
            name,
            role,
            &password,
            std::time::SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        password
    }

    /// A new token with `role`.
    pub fn token(&self, name: &str, role: &str) -> Auth {
        Auth::Token(users::add_token(&self.db().conn, name, role, std::time::SystemTime::UNIX_EPOCH).unwrap())
    }

    pub async fn send(&self, auth: &Auth, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        match auth {
            Auth::Anonymous => {}
            Auth::Token(t) => req = req.bearer_auth(t),
            Auth::Session { cookie, csrf } => {
                req = req.header("cookie", cookie);
                if let Some(c) = csrf {
                    req = req.header("x-csrf-token", c);
                }
            }
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// GET `path`, expecting 200 and JSON.
    pub async fn get(&self, auth: &Auth, path: &str) -> Value {
        let res = self.send(auth, Method::GET, path, None).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path} is not JSON ({e}): {text}"))
    }

    /// POST `path`, expecting `status`; returns the JSON body.
    pub async fn post(&self, auth: &Auth, path: &str, body: Option<Value>, status: StatusCode) -> Value {
        let res = self.send(auth, Method::POST, path, body).await;
        let got = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(got, status, "POST {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Signs in; the session's cookie and CSRF token.
    pub async fn login(&self, user: &str, password: &str) -> (String, String) {
        let res = self
            .send(
                &Auth::Anonymous,
                Method::POST,
                "/api/v1/login",
                Some(serde_json::json!({"user": user, "password": password})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "login {user}");
        let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set_cookie.contains(attribute), "{attribute} missing: {set_cookie}");
        }
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let body: Value = res.json().await.unwrap();
        (cookie, body["csrf"].as_str().expect("csrf").to_string())
    }

    pub async fn stop(self) {
        self.b.stop().await;
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: Option<u64>,
    pub event: String,
    pub data: Value,
}

/// Reads events from an SSE response.
pub struct SseReader {
    res: Response,
    buf: String,
}

impl SseReader {
    pub fn new(res: Response) -> SseReader {
        assert_eq!(res.status(), StatusCode::OK);
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        SseReader {
            res,
            buf: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped).
    pub async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() && id.is_none() {
                    continue;
                }
                let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                return Sse { id, event, data };
            }
            let chunk = self
                .res
                .chunk()
                .await
                .expect("read the event stream")
                .expect("the stream ended");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The first event for which `cond` holds, within the wait deadline.
    pub async fn until(&mut self, what: &str, cond: impl Fn(&Sse) -> bool) -> Sse {
        let find = async {
            loop {
                let e = self.next().await;
                if cond(&e) {
                    return e;
                }
            }
        };
        tokio::time::timeout(super::wait::DEADLINE, find)
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{what} did not arrive on the event stream within {:?}",
                    super::wait::DEADLINE
                )
            })
    }
}
