//! A real HTTP/1.1 server on `127.0.0.1:0` that records every request and answers with a
//! reply the test sets: the stand-in for WeCom, DingTalk and webhook receivers, which
//! cannot run here.
//!
//! Small on purpose (tokio and a minimal parser, no server framework): request line,
//! headers, and a body by `Content-Length` or chunked; keep-alive as clients expect.
//!
//! ```ignore
//! let rec = HttpRecorder::start().await;
//! rec.set_reply(Reply::json(200, json!({"errcode": 0, "errmsg": "ok"})));
//! // … point a channel at rec.url() …
//! let reqs = rec.wait_for(1, "the WeCom message").await;
//! assert_eq!(reqs[0].json()["msgtype"], "text");
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long `wait_for` waits before failing the test.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// How long `wait_until` waits: long enough for a scenario's timers (on-delays, SLA).
pub const SCENARIO_DEADLINE: Duration = Duration::from_secs(40);

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as on the request line: `/robot/send?access_token=…`.
    pub target: String,
    /// Header names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The status the recorder answered with.
    pub status: u16,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter, percent-decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&format!("http://x{}", self.target)).ok()?;
        url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }

    /// A query parameter exactly as sent (still percent-encoded).
    pub fn raw_query(&self, name: &str) -> Option<&str> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    }

    /// A header's value (first of that name), case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics (failing the test) when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: "application/json".into(),
            body: body.to_string(),
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.into(),
        }
    }
}

struct State {
    requests: Mutex<Vec<Request>>,
    count: watch::Sender<usize>,
    /// Replies used once each, in order, before `reply`.
    queued: Mutex<VecDeque<Reply>>,
    reply: Mutex<Reply>,
}

/// The server; stops when dropped.
pub struct HttpRecorder {
    port: u16,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl HttpRecorder {
    /// Binds `127.0.0.1:0` and serves; the default reply is `200 {}`.
    pub async fn start() -> HttpRecorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let state = Arc::new(State {
            requests: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
            queued: Mutex::new(VecDeque::new()),
            reply: Mutex::new(Reply::json(200, serde_json::json!({}))),
        });
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, st.clone()));
            }
        });
        HttpRecorder { port, state, task }
    }

    /// `http://127.0.0.1:<port>`, without a trailing `/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The reply to every request from now on (after any queued ones).
    pub fn set_reply(&self, reply: Reply) {
        *self.state.reply.lock().unwrap() = reply;
    }

    /// A reply for one request only (e.g. a 503 before the default 200); queued ones are
    /// used in order.
    pub fn queue_reply(&self, reply: Reply) {
        self.state.queued.lock().unwrap().push_back(reply);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Awaits until at least `n` requests have arrived and returns all of them; fails the
    /// test naming `what` after [`DEADLINE`].
    pub async fn wait_for(&self, n: usize, what: &str) -> Vec<Request> {
        let mut rx = self.state.count.subscribe();
        if tokio::time::timeout(DEADLINE, rx.wait_for(|c| *c >= n)).await.is_err() {
            panic!(
                "waited {DEADLINE:?} for {n} request(s) ({what}); got {}: {:#?}",
                self.requests().len(),
                self.requests()
            );
        }
        self.requests()
    }

    /// Awaits until the requests so far satisfy `cond` and returns them; fails the test
    /// naming `what` after [`SCENARIO_DEADLINE`] (for pages that follow a plant scenario).
    pub async fn wait_until(&self, what: &str, cond: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let mut rx = self.state.count.subscribe();
        let check = async {
            loop {
                let reqs = self.requests();
                if cond(&reqs) {
                    return reqs;
                }
                if rx.changed().await.is_err() {
                    return reqs;
                }
            }
        };
        match tokio::time::timeout(SCENARIO_DEADLINE, check).await {
            Ok(reqs) => reqs,
            Err(_) => panic!(
                "waited {SCENARIO_DEADLINE:?} for {what}; got {} request(s): {:#?}",
                self.requests().len(),
                self.requests()
            ),
        }
    }
}

impl Drop for HttpRecorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One connection: requests in turn until the client closes it.
async fn serve(stream: TcpStream, state: Arc<State>) {
    let mut stream = BufReader::new(stream);
    while let Some((mut req, close)) = read_request(&mut stream).await {
        let reply = {
            let queued = state.queued.lock().unwrap().pop_front();
            queued.unwrap_or_else(|| state.reply.lock().unwrap().clone())
        };
        req.status = reply.status;
        state.requests.lock().unwrap().push(req);
        state.count.send_modify(|c| *c += 1);
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
            reply.status,
            reason(reply.status),
            reply.content_type,
            reply.body.len(),
            if close { "close" } else { "keep-alive" }
        );
        let out = stream.get_mut();
        if out.write_all(head.as_bytes()).await.is_err() || out.write_all(reply.body.as_bytes()).await.is_err() {
            return;
        }
        if close {
            return;
        }
    }
}

/// Reads one request; `None` at the end of the connection or on a malformed request. The
/// flag says whether the client asked to close the connection afterwards.
async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<(Request, bool)> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        stream.read_line(&mut h).await.ok()?;
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let body = if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(stream).await?
    } else {
        let len: usize = get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0; len];
        stream.read_exact(&mut body).await.ok()?;
        body
    };
    let close = get("connection").is_some_and(|v| v == "close");
    Some((
        Request {
            method,
            target,
            headers,
            body,
            status: 0,
        },
        close,
    ))
}

async fn read_chunked(stream: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        stream.read_line(&mut size).await.ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        let mut chunk = vec![0; size + 2]; // data and its CRLF
        stream.read_exact(&mut chunk).await.ok()?;
        if size == 0 {
            // The last chunk: chunk holds the final CRLF (no trailers are sent by our clients).
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
