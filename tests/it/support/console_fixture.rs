//! `fixture_api`: a STAND-IN for facmon's HTTP API, only for the console's browser test until
//! the real API (docs/api.md) is merged. It serves the embedded console (`facmon::console`)
//! and just enough of the contract, with canned data from config/demo.toml's equipment: login
//! with a session cookie and a CSRF token, the reading endpoints, alarm and ticket actions,
//! and the SSE stream, which the test drives (`trip_mains`) so that "an alarm appears without
//! reload" and "acknowledge" are exercised.
//!
//! Not the daemon: nothing here evaluates rules or reads devices. Once the real API is in,
//! tests/it/console.rs starts a `Building` with the API instead (see there) and this file goes.
//!
//! Small on purpose: tokio and a minimal HTTP/1.1 parser, as `http_recorder`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

/// One live-stream event as sent: its SSE id, name and JSON data.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: u64,
    pub name: &'static str,
    pub data: Value,
}

/// What the browser did, for the test's assertions.
#[derive(Debug, Clone)]
pub struct Action {
    pub method: String,
    pub path: String,
    pub body: Value,
    /// The session's CSRF token came with the request.
    pub csrf_ok: bool,
    pub status: u16,
}

struct Session {
    user: String,
    csrf: String,
}

struct Model {
    user: String,
    password: String,
    sessions: HashMap<String, Session>,
    site: Value,
    equipment: Vec<Value>,
    devices: Vec<Value>,
    alarms: Vec<Value>,
    incidents: Vec<Value>,
    tickets: Vec<Value>,
    roster: Value,
    next_id: u64,
    actions: Vec<Action>,
}

/// The stand-in server on `127.0.0.1:0`; stops when dropped.
pub struct FixtureApi {
    port: u16,
    model: Arc<Mutex<Model>>,
    events: broadcast::Sender<SseEvent>,
    task: tokio::task::JoinHandle<()>,
}

fn now_ms() -> u64 {
    facmon::clock::system()
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

/// A point's canned value: the demo building at rest (mains on, generator in AUTO, standing).
fn canned(equipment: &str, role: &str) -> Value {
    match (equipment, role) {
        (_, "mode_selector") => json!({"code": 2, "label": "AUTO"}),
        (_, "position") => json!({"code": 1, "label": "MAINS"}),
        (_, "selector") => json!({"code": 1, "label": "AUTO"}),
        (_, "output_voltage" | "output_frequency") => json!(0.0),
        (_, "fuel_level_pct") => json!(82.5),
        (_, "run_hours") => json!(1234.5),
        (_, "discharge_pressure") => json!(4.2),
        ("tank-1", "level") => json!(64.0),
        ("sump-b2", "level") => json!(0.45),
        ("sump-b3", "level") => json!(0.31),
        (_, "pressure") => json!(6.5),
        ("pump-1", "running" | "run_command") => json!(true),
        (
            _,
            "fault" | "alarm" | "supervisory" | "wet" | "high_float" | "high_high_float" | "running" | "run_command",
        ) => {
            json!(false)
        }
        _ => json!(true),
    }
}

/// The one point shown stale (its device stopped answering two minutes ago).
pub const STALE_POINT: (&str, &str) = ("sump-b3", "level");

impl FixtureApi {
    /// Serves the console and the stand-in API; `user`/`password` is the one operator.
    pub async fn start(user: &str, password: &str) -> FixtureApi {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml"));
        let plan = facmon::config::load_with_env(path, Some(HashMap::new())).expect("config/demo.toml is valid");
        let now = now_ms();
        let equipment = plan
            .equipment
            .iter()
            .map(|eq| {
                let points: Vec<Value> = eq
                    .points
                    .iter()
                    .map(|(role, &index)| {
                        let stale = (eq.id.as_str(), role.as_str()) == STALE_POINT;
                        let at = if stale { now - 120_000 } else { now - 60_000 };
                        json!({
                            "role": role,
                            "unit": plan.points[index].unit,
                            "value": canned(&eq.id, role),
                            "quality": if stale { "stale" } else { "good" },
                            "changed_at_ms": at,
                            "received_at_ms": at,
                            "error": if stale { json!("no answer from sump-b3-controller in 500 ms") } else { Value::Null },
                        })
                    })
                    .collect();
                json!({
                    "id": eq.id, "name": eq.name, "building": eq.building, "kind": eq.kind,
                    // Not in docs/api.md yet: the console uses them when present (see the report).
                    "pumps": eq.pumps, "limits": eq.limits,
                    "points": points,
                })
            })
            .collect();
        let devices = plan
            .devices
            .iter()
            .map(|d| {
                let down = d.id == "sump-b3-controller";
                json!({"id": d.id, "kind": "modbus", "online": !down, "since_ms": now - 120_000,
                       "last_ok_ms": now - 120_000, "last_error": if down { json!("timeout") } else { Value::Null },
                       "consecutive_failures": if down { 12 } else { 0 }})
            })
            .collect();
        let site = json!({
            "id": plan.site.id, "name": plan.site.name, "language": plan.site.language,
            "timezone": plan.site.timezone,
            "buildings": plan.buildings.iter().map(|b| json!({"id": b.id, "name": b.name})).collect::<Vec<_>>(),
        });
        let roster = json!([
            {"role": "duty_electrician", "zh": "值班电工", "en": "Duty electrician",
             "people": [{"id": "wang", "name": "王工 Wang", "mobile": "13800000001"}], "by": "day shift 08:00–20:00"},
            {"role": "control_room", "zh": "监控中心", "en": "Control room",
             "people": [{"id": "li", "name": "李明 Li", "mobile": "13800000002"}], "by": "rota week A"},
            {"role": "plumber", "zh": "值班水工", "en": "Duty plumber", "people": [], "by": "nobody on the rota"},
        ]);
        let tickets = vec![json!({
            "id": 7, "incident": null, "previous": null, "category": "water", "priority": "normal", "state": "assigned",
            "title": {"zh": "2号加压泵异响检查", "en": "Booster pump 2 noisy: inspect"},
            "rule": null, "equipment": "pump-2", "assignee": "王工 Wang",
            "opened_at_ms": now - 3_600_000, "opened_by": "li", "on_site_due_ms": now + 1_800_000,
            "checklist": [], "timeline": [],
        })];
        let model = Model {
            user: user.into(),
            password: password.into(),
            sessions: HashMap::new(),
            site,
            equipment,
            devices,
            alarms: Vec::new(),
            incidents: Vec::new(),
            tickets,
            roster,
            next_id: 1,
            actions: Vec::new(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let model = Arc::new(Mutex::new(model));
        let (events, _) = broadcast::channel(256);
        let (m, tx) = (model.clone(), events.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, m.clone(), tx.clone()));
            }
        });
        FixtureApi {
            port,
            model,
            events,
            task,
        }
    }

    /// The console's address, with a trailing `/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// What the browser posted.
    pub fn actions(&self) -> Vec<Action> {
        self.model.lock().unwrap().actions.clone()
    }

    /// A new value for a point: in the lists (a reload sees it) and on the live stream.
    fn set_point(&self, equipment: &str, role: &str, value: Value, now: u64) {
        {
            let mut m = self.model.lock().unwrap();
            let eq = m
                .equipment
                .iter_mut()
                .find(|e| e["id"] == equipment)
                .expect("equipment");
            let points = eq["points"].as_array_mut().expect("points");
            let p = points.iter_mut().find(|p| p["role"] == role).expect("role");
            p["value"] = value.clone();
            p["changed_at_ms"] = json!(now);
            p["received_at_ms"] = json!(now);
        }
        self.publish(
            "point",
            json!({"equipment": equipment, "role": role, "value": value, "quality": "good", "changed_at_ms": now}),
        );
    }

    fn publish(&self, name: &'static str, data: Value) {
        publish(&self.model, &self.events, name, data);
    }

    /// The mains fail: ATS-1 reports them unavailable and PWR-01 is raised (unacknowledged,
    /// major) in a new outage incident, with its ticket — each as a live-stream event.
    pub fn trip_mains(&self) {
        let now = now_ms();
        self.set_point("ats-1", "mains_available", json!(false), now);
        let alarm = json!({
            "rule": "PWR-01", "equipment": "ats-1", "state": "unacknowledged", "active": true, "acknowledged": false,
            "severity": "major",
            "message": {"zh": "ats-1 市电停电（市电失压 2 秒）", "en": "Mains lost at ats-1 (unavailable for 2 s)"},
            "diagnosis": null,
            "action": {
                "zh": "停电事故：通知值班电工、监控中心、电梯值班人员（检查电梯有无困人）和保安；确认发电机启动、应急灯正常",
                "en": "Outage incident: notify the duty electrician, the control room, the lift attendant (check the lifts for trapped passengers) and security; check that the generator starts and the emergency lighting works",
            },
            "unknown": null, "shelved_until_ms": null, "suppressed_by": null, "out_of_service": null,
            "chattering": false, "latch_waiting_reset": false, "incident": 1, "raised_at_ms": now,
            "cleared_at_ms": null, "acknowledged_at_ms": null, "acknowledged_by": null,
        });
        {
            let mut m = self.model.lock().unwrap();
            m.alarms.push(alarm.clone());
            m.incidents.push(json!({
                "id": 1, "class": {"family": "outage", "anchor": "site"}, "opened_at_ms": now, "closed_at_ms": null,
                "alarms": [{"rule": "PWR-01", "equipment": "ats-1"}],
                "timeline": [{"seq": 1, "at_ms": now, "rule": "PWR-01", "equipment": "ats-1", "kind": "raised",
                              "actor": "facmon", "severity": "major", "announce": true, "incident": 1,
                              "state": "unacknowledged", "active": true}],
            }));
            m.tickets.push(json!({
                "id": 8, "incident": 1, "previous": null, "category": "power", "priority": "urgent", "state": "open",
                "title": {"zh": "ats-1 市电停电", "en": "Mains lost at ats-1"}, "rule": "PWR-01", "equipment": "ats-1",
                "assignee": null, "opened_at_ms": now, "opened_by": "facmon", "on_site_due_ms": now + 900_000,
                "checklist": [{"pos": 1, "rule": "PWR-01", "text": alarm["action"].clone(), "done_at_ms": null, "done_by": null}],
                "timeline": [{"seq": 1, "ticket": 8, "at_ms": now, "kind": "opened", "actor": "facmon", "note": null,
                              "rule": "PWR-01", "equipment": "ats-1", "nth": null}],
            }));
        }
        self.publish(
            "alarm",
            json!({"rule": "PWR-01", "equipment": "ats-1", "kind": "raised", "actor": "facmon", "severity": "major",
                   "announce": true, "incident": 1, "at_ms": now, "alarm": alarm}),
        );
        let ticket = self.model.lock().unwrap().tickets.last().cloned().expect("ticket");
        self.publish(
            "ticket",
            json!({"ticket": ticket, "entry": ticket["timeline"][0].clone()}),
        );
    }
}

impl Drop for FixtureApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn publish(model: &Mutex<Model>, events: &broadcast::Sender<SseEvent>, name: &'static str, data: Value) {
    let id = {
        let mut m = model.lock().unwrap();
        m.next_id += 1;
        m.next_id
    };
    // No subscriber yet is fine: the console loads the lists when it connects.
    let _ = events.send(SseEvent { id, name, data });
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.header("cookie")?
            .split(';')
            .find_map(|c| c.trim().strip_prefix(name)?.strip_prefix('='))
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

struct Reply {
    status: u16,
    content_type: &'static str,
    headers: Vec<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    fn error(status: u16, sentence: &str) -> Reply {
        Reply::json(status, json!({ "error": sentence }))
    }
}

async fn serve(stream: TcpStream, model: Arc<Mutex<Model>>, events: broadcast::Sender<SseEvent>) {
    let mut stream = BufReader::new(stream);
    while let Some(req) = read_request(&mut stream).await {
        if req.method == "GET" && req.path == "/api/v1/events" {
            let session = session_user(&model, &req);
            let out = stream.get_mut();
            if session.is_none() {
                let _ = write_reply(out, Reply::error(401, "sign in first")).await;
                return;
            }
            stream_events(out, &req, events.subscribe()).await;
            return;
        }
        let reply = route(&model, &events, &req);
        if write_reply(stream.get_mut(), reply).await.is_err() {
            return;
        }
    }
}

/// The live stream until the browser goes: a client that reconnects with `Last-Event-ID` is
/// told to reload (this stand-in keeps no buffer).
async fn stream_events(out: &mut TcpStream, req: &Request, mut rx: broadcast::Receiver<SseEvent>) {
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    if out.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let mut first = String::from("retry: 1000\n\n");
    if req.header("last-event-id").is_some() {
        first.push_str("event: resync\ndata: {}\n\n");
    }
    if out.write_all(first.as_bytes()).await.is_err() {
        return;
    }
    loop {
        let next = tokio::time::timeout(Duration::from_secs(15), rx.recv()).await;
        let text = match next {
            Ok(Ok(ev)) => format!("id: {}\nevent: {}\ndata: {}\n\n", ev.id, ev.name, ev.data),
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => "event: resync\ndata: {}\n\n".to_string(),
            Ok(Err(broadcast::error::RecvError::Closed)) => return,
            Err(_) => ": keep-alive\n\n".to_string(),
        };
        if out.write_all(text.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn session_user(model: &Mutex<Model>, req: &Request) -> Option<(String, String)> {
    let token = req.cookie("facmon_session")?;
    let m = model.lock().unwrap();
    m.sessions.get(token).map(|s| (s.user.clone(), s.csrf.clone()))
}

fn route(model: &Mutex<Model>, events: &broadcast::Sender<SseEvent>, req: &Request) -> Reply {
    let path = req.path.split('?').next().unwrap_or("");
    if req.method == "GET" && (path == "/" || path == "/index.html" || path.starts_with("/assets/")) {
        return match facmon::console::asset(path) {
            Some((content_type, bytes)) => Reply {
                status: 200,
                content_type,
                headers: vec!["Content-Security-Policy: default-src 'self'".into()],
                body: bytes.to_vec(),
            },
            None => Reply::error(404, "no such file"),
        };
    }
    if req.method == "POST" && path == "/api/v1/login" {
        let body = req.json();
        let mut m = model.lock().unwrap();
        if body["user"] != m.user.as_str() || body["password"] != m.password.as_str() {
            return Reply::error(401, "wrong user name or password");
        }
        let n = m.sessions.len() + 1;
        let (token, csrf) = (format!("session-{n}-{}", now_ms()), format!("csrf-{n}-{}", now_ms()));
        let user = m.user.clone();
        m.sessions.insert(
            token.clone(),
            Session {
                user: user.clone(),
                csrf: csrf.clone(),
            },
        );
        let mut reply = Reply::json(200, json!({"user": user, "role": "operator", "csrf": csrf}));
        reply.headers.push(format!(
            "Set-Cookie: facmon_session={token}; HttpOnly; SameSite=Strict; Path=/"
        ));
        return reply;
    }
    let Some((user, csrf)) = session_user(model, req) else {
        return Reply::error(401, "sign in first");
    };
    let segments: Vec<&str> = path.trim_start_matches("/api/v1/").split('/').collect();
    if req.method == "GET" {
        let m = model.lock().unwrap();
        return match segments.as_slice() {
            ["me"] => Reply::json(200, json!({"user": user, "role": "operator", "csrf": csrf})),
            ["site"] => Reply::json(200, m.site.clone()),
            ["equipment"] => Reply::json(200, json!(m.equipment)),
            ["devices"] => Reply::json(200, json!(m.devices)),
            ["alarms"] => Reply::json(200, json!(m.alarms)),
            ["incidents"] => Reply::json(200, json!(m.incidents)),
            ["incidents", id] => find(&m.incidents, id),
            ["tickets"] => Reply::json(200, json!(m.tickets)),
            ["tickets", id] => find(&m.tickets, id),
            ["roster", "now"] => Reply::json(200, m.roster.clone()),
            _ => Reply::error(404, "no such endpoint"),
        };
    }
    if req.method != "POST" {
        return Reply::error(404, "no such endpoint");
    }
    let csrf_ok = req.header("x-csrf-token") == Some(csrf.as_str());
    let body = req.json();
    let (reply, event) = if !csrf_ok {
        (Reply::error(403, "send the X-CSRF-Token from the login reply"), None)
    } else {
        let mut m = model.lock().unwrap();
        match segments.as_slice() {
            ["logout"] => {
                m.sessions.retain(|_, s| s.csrf != csrf);
                (Reply::json(200, json!({})), None)
            }
            ["alarms", rule, equipment, action] => alarm_action(&mut m, rule, equipment, action, &user, &body),
            ["tickets", id, "steps"] => ticket_step(&mut m, id, &user, &body),
            _ => (Reply::error(404, "no such endpoint"), None),
        }
    };
    {
        let mut m = model.lock().unwrap();
        m.actions.push(Action {
            method: req.method.clone(),
            path: path.to_string(),
            body,
            csrf_ok,
            status: reply.status,
        });
    }
    if let Some((name, data)) = event {
        publish(model, events, name, data);
    }
    reply
}

/// A record's numeric `id` against a path segment.
fn same_id(record: &Value, id: &str) -> bool {
    id.parse::<i64>().is_ok_and(|id| record["id"].as_i64() == Some(id))
}

fn find(list: &[Value], id: &str) -> Reply {
    match list.iter().find(|v| same_id(v, id)) {
        Some(v) => Reply::json(200, v.clone()),
        None => Reply::error(404, "no such id"),
    }
}

type Outcome = (Reply, Option<(&'static str, Value)>);

fn alarm_action(m: &mut Model, rule: &str, equipment: &str, action: &str, user: &str, body: &Value) -> Outcome {
    let now = now_ms();
    let Some(alarm) = m
        .alarms
        .iter_mut()
        .find(|a| a["rule"] == rule && a["equipment"] == equipment)
    else {
        return (Reply::error(404, "no such alarm"), None);
    };
    match action {
        "acknowledge" => {
            if alarm["acknowledged"] == true {
                return (Reply::error(409, "the alarm is acknowledged already"), None);
            }
            alarm["acknowledged"] = json!(true);
            alarm["acknowledged_by"] = json!(user);
            alarm["acknowledged_at_ms"] = json!(now);
            alarm["state"] = json!(if alarm["active"] == true {
                "acknowledged"
            } else {
                "normal"
            });
        }
        "shelve" => {
            let minutes = body["minutes"].as_u64().unwrap_or(0);
            if minutes == 0 || body["reason"].as_str().unwrap_or("").is_empty() {
                return (Reply::error(400, "give the minutes and a reason"), None);
            }
            alarm["state"] = json!("shelved");
            alarm["shelved_until_ms"] = json!(now + minutes * 60_000);
        }
        "unshelve" => {
            alarm["shelved_until_ms"] = Value::Null;
            alarm["state"] = json!(if alarm["acknowledged"] == true {
                "acknowledged"
            } else {
                "unacknowledged"
            });
        }
        _ => return (Reply::error(404, "no such action"), None),
    }
    let kind = match action {
        "acknowledge" => "acknowledged",
        "shelve" => "shelved",
        _ => "unshelved",
    };
    let event = json!({"rule": rule, "equipment": equipment, "kind": kind, "actor": user,
                       "severity": alarm["severity"], "announce": false, "incident": alarm["incident"],
                       "at_ms": now, "alarm": alarm.clone()});
    (Reply::json(200, alarm.clone()), Some(("alarm", event)))
}

fn ticket_step(m: &mut Model, id: &str, user: &str, body: &Value) -> Outcome {
    let now = now_ms();
    let Some(ticket) = m.tickets.iter_mut().find(|t| same_id(t, id)) else {
        return (Reply::error(404, "no such ticket"), None);
    };
    let step = body["step"].as_str().unwrap_or("");
    let state = match step {
        "assign" => "assigned",
        "acknowledge" => "acknowledged",
        "on_site" => "on_site",
        "resolve" => "resolved",
        "follow_up" => "closed",
        "cancel" => "cancelled",
        _ => return (Reply::error(400, "no such step"), None),
    };
    if step == "assign" {
        ticket["assignee"] = body["to"].clone();
    }
    ticket["state"] = json!(state);
    let entry = json!({"seq": now, "ticket": ticket["id"], "at_ms": now, "kind": state, "actor": user,
                       "note": body["note"], "rule": null, "equipment": null, "nth": null});
    if let Some(timeline) = ticket["timeline"].as_array_mut() {
        timeline.push(entry.clone());
    }
    let event = json!({"ticket": ticket.clone(), "entry": entry});
    (Reply::json(200, ticket.clone()), Some(("ticket", event)))
}

async fn write_reply(out: &mut TcpStream, reply: Reply) -> std::io::Result<()> {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    for h in &reply.headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes()).await?;
    out.write_all(&reply.body).await
}

/// One request (request line, headers, a `Content-Length` body); `None` at the end of the
/// connection or on anything this stand-in does not understand.
async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
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
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    stream.read_exact(&mut body).await.ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}
