//! Real time-series databases for the InfluxDB writer's tests: Debian's InfluxDB 1.6
//! (`influxd`) and VictoriaMetrics (`victoria-metrics`), each on free loopback ports with its
//! data in a temp dir, stoppable and restartable on the same port and data, killed on drop.
//!
//! What the writer's tests must know about these two servers (both found by running them):
//!
//! * InfluxDB 1.6 has no `/api/v2/write` (404 "page not found"): test the v2 target against
//!   VictoriaMetrics. A field whose type changed is refused with 400 "partial write: field type
//!   conflict"; an unknown `rp` is a 500, an unknown `db` a 404. A float written as `value=1`
//!   comes back in JSON as `1`: compare with `as_f64()`. A write acknowledged with 204 is in the
//!   fsync'd WAL, so it survives `kill()`.
//! * VictoriaMetrics 1.79 names series `<measurement>_<field>` and adds a `db` label from the v1
//!   `?db=` (none for `/api/v2/write`: `org`, `bucket` and the token are ignored). It answers
//!   204 to lines it cannot parse (they are dropped, with a warning in its log) and keeps both
//!   samples when the same series and timestamp are written twice (InfluxDB keeps one). A
//!   sample is searchable about 1 s after the 204 (`flush()` makes it immediate); after a
//!   `kill()` the series created in the last few seconds are lost even after a flush (its
//!   index is not on disk yet), so an outage test that checks what survived uses `stop()`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{free_port, require, require_any};

/// How long a server may take to answer its ping after being launched. Both answer in about
/// 0.2 s on an idle machine; the margin is for a 2-core box busy compiling.
const READY_DEADLINE: Duration = Duration::from_secs(30);
/// How long a graceful stop (SIGTERM) may take before the server is killed and the test fails.
const STOP_DEADLINE: Duration = Duration::from_secs(30);
/// Every request a helper makes has a deadline.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Bounds `wait_rows` / `wait_export` when what a test awaits never arrives.
const WAIT_DEADLINE: Duration = super::wait::DEADLINE;

/// One row of an InfluxQL result: the columns (`time` in ms, tags, fields; an absent field is
/// `null`), the series' `GROUP BY` tags, and the measurement under `_measurement`.
pub type Row = BTreeMap<String, serde_json::Value>;

/// A server process with its log file, shared by both databases.
struct Proc {
    name: &'static str,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Where the current launch's output starts in the log (every launch appends to it).
    launch_offset: usize,
    http: reqwest::Client,
}

/// Why a launch did not come up.
struct LaunchError {
    /// Another process holds one of its ports: a first start retries on fresh ports.
    port_taken: bool,
    message: String,
}

impl Proc {
    fn new(name: &'static str) -> Proc {
        Proc {
            name,
            dir: tempfile::Builder::new()
                .prefix(&format!("facmon-{name}-"))
                .tempdir()
                .expect("tempdir"),
            child: None,
            launch_offset: 0,
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .no_proxy()
                .build()
                .expect("reqwest client"),
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("{}.log", self.name))
    }

    fn log_text(&self) -> String {
        std::fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The last `lines` lines the server printed, over all its launches.
    fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_text(), lines)
    }

    /// What the current launch printed.
    fn launch_log(&self) -> String {
        self.log_text().get(self.launch_offset..).unwrap_or_default().to_owned()
    }

    fn spawn(&mut self, mut cmd: Command) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open server log");
        self.launch_offset = log.metadata().map(|m| m.len() as usize).unwrap_or(0);
        let err = log.try_clone().expect("clone log handle");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.name));
        self.child = Some(child);
    }

    /// Waits until `GET ping` answers `status` and `GET whoami` shows this server's temp dir
    /// (so an answer from another test's server, which took the port first, is not taken for
    /// ours). Panics (with the log tail) at the deadline.
    async fn wait_ready(&mut self, ping: &str, status: u16, whoami: &str) -> Result<Duration, LaunchError> {
        let started = tokio::time::Instant::now();
        let deadline = started + READY_DEADLINE;
        let me = self.dir.path().display().to_string();
        loop {
            if let Ok(resp) = self.http.get(ping).timeout(Duration::from_secs(1)).send().await {
                if resp.status().as_u16() == status {
                    let body = match self.http.get(whoami).send().await {
                        Ok(r) => r.text().await.unwrap_or_default(),
                        Err(_) => String::new(),
                    };
                    if body.contains(&me) {
                        return Ok(started.elapsed());
                    }
                    self.kill();
                    return Err(LaunchError {
                        port_taken: true,
                        message: format!("{}: another server answers on {ping}", self.name),
                    });
                }
            }
            let child = self.child.as_mut().expect("server launched");
            if let Ok(Some(exit)) = child.try_wait() {
                self.child = None;
                let log = self.launch_log();
                return Err(LaunchError {
                    port_taken: log.contains("address already in use"),
                    message: format!(
                        "{} exited ({exit}) before it was ready; its log ({}) ends:\n{}",
                        self.name,
                        self.log_path().display(),
                        tail(&log, 30)
                    ),
                });
            }
            if tokio::time::Instant::now() >= deadline {
                self.kill();
                panic!(
                    "{}: {ping} did not answer {status} within {READY_DEADLINE:?}; its log ({}) ends:\n{}",
                    self.name,
                    self.log_path().display(),
                    tail(&self.launch_log(), 30)
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        sigterm(child.id());
        let started = tokio::time::Instant::now();
        let deadline = started + STOP_DEADLINE;
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                eprintln!("{} stopped in {} ms", self.name, started.elapsed().as_millis());
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} did not stop within {STOP_DEADLINE:?} of SIGTERM (killed); its log ends:\n{}",
                    self.name,
                    self.log_tail(30)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Asks a process to shut down cleanly. std's `Child` only sends SIGKILL; libc is linked
/// anyway, so this declares `kill(2)` rather than adding a dependency for one call.
fn sigterm(pid: u32) {
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    const SIGTERM: i32 = 15;
    let pid = i32::try_from(pid).expect("pid fits in pid_t");
    // SAFETY: kill(2) takes two integers and touches no memory of ours; `pid` is our own
    // child, not yet reaped, so it cannot name another process.
    let _ = unsafe { kill(pid, SIGTERM) };
}

/// A first launch retries on fresh ports when another test took one between `free_port()`
/// and the server binding it. A restart keeps its ports, so it never retries.
const PORT_RETRIES: usize = 5;

/// A writer target with the defaults a test wants: batches sent within 200 ms, a 60 s
/// heartbeat, a 64 MiB queue.
pub fn target(id: &str, url: String, api: facmon::config::InfluxApi) -> facmon::config::InfluxTarget {
    facmon::config::InfluxTarget {
        id: id.into(),
        url,
        api,
        auth: facmon::config::InfluxAuth::None,
        heartbeat: Duration::from_secs(60),
        batch_max_lines: 5000,
        batch_max_age: Duration::from_millis(200),
        queue_max_bytes: 64 << 20,
        timeout: Duration::from_secs(5),
    }
}

/// [`target`] writing to database `facmon` of `influx` through the v1 API.
pub fn influx1_target(influx: &InfluxDb1) -> facmon::config::InfluxTarget {
    target(
        "influx1",
        influx.url(),
        facmon::config::InfluxApi::V1 {
            database: "facmon".into(),
            retention_policy: None,
        },
    )
}

// ---------------------------------------------------------------------------------------------

/// A real InfluxDB 1.x (`influxd run`) with its meta, data and WAL dirs in a temp dir.
pub struct InfluxDb1 {
    /// The HTTP API's port on 127.0.0.1.
    pub port: u16,
    /// The RPC (backup/restore) listener's port: influxd 1.6 cannot disable it, so it gets
    /// a free port too.
    rpc_port: u16,
    proc: Proc,
}

impl InfluxDb1 {
    /// Starts `influxd` and waits until `GET /ping` answers 204.
    pub async fn start() -> InfluxDb1 {
        let mut db = InfluxDb1 {
            port: free_port(),
            rpc_port: free_port(),
            proc: Proc::new("influxd"),
        };
        for attempt in 1..=PORT_RETRIES {
            match db.launch().await {
                Ok(()) => return db,
                Err(e) if e.port_taken && attempt < PORT_RETRIES => {
                    db.port = free_port();
                    db.rpc_port = free_port();
                }
                Err(e) => panic!("{}", e.message),
            }
        }
        unreachable!()
    }

    fn write_config(&self) -> PathBuf {
        let dir = self.proc.dir.path();
        let path = dir.join("influxdb.conf");
        // Every listener is on loopback and a port of its own; the optional ones are off.
        // `reporting-disabled` is upstream's key; Debian patched reporting to opt-in
        // (`reporting-enabled`). influxd ignores keys it does not know, so both are set.
        let text = format!(
            r#"reporting-disabled = true
reporting-enabled = false
bind-address = "127.0.0.1:{rpc}"

[meta]
  dir = {meta:?}
  logging-enabled = false

[data]
  dir = {data:?}
  wal-dir = {wal:?}
  wal-fsync-delay = "0s"
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  auth-enabled = false
  max-row-limit = 0
  log-enabled = true
  unix-socket-enabled = false

[ifql]
  enabled = false

[logging]
  suppress-logo = true

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false
"#,
            rpc = self.rpc_port,
            http = self.port,
            meta = dir.join("meta").display().to_string(),
            data = dir.join("data").display().to_string(),
            wal = dir.join("wal").display().to_string(),
        );
        std::fs::write(&path, text).expect("write influxdb.conf");
        path
    }

    async fn launch(&mut self) -> Result<(), LaunchError> {
        let bin = require("influxd", "influxdb");
        let mut cmd = Command::new(bin);
        cmd.arg("run").arg("-config").arg(self.write_config());
        // influxd applies INFLUXDB_* environment variables over the config file.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("INFLUXDB_") {
                cmd.env_remove(key);
            }
        }
        self.proc.spawn(cmd);
        // `/debug/vars` shows the command line, which names our config file.
        let (ping, whoami) = (format!("{}/ping", self.url()), format!("{}/debug/vars", self.url()));
        let took = self.proc.wait_ready(&ping, 204, &whoami).await?;
        eprintln!("influxd ready on {} in {} ms", self.url(), took.as_millis());
        Ok(())
    }

    /// `http://127.0.0.1:<port>`, the base URL of the HTTP API.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The temp dir holding `meta/`, `data/`, `wal/`, the config and `influxd.log`.
    pub fn dir(&self) -> &Path {
        self.proc.dir.path()
    }

    /// The last lines of the server's log (its HTTP access log shows every write and status).
    pub fn log_tail(&self, lines: usize) -> String {
        self.proc.log_tail(lines)
    }

    pub async fn create_database(&self, name: &str) {
        let q = format!(
            "CREATE DATABASE \"{}\"",
            name.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let v = self.query("", &q).await;
        assert!(statement_errors(&v).is_empty(), "{q}: {v}");
    }

    /// Runs InfluxQL (POST /query, `epoch=ms`, so `time` is an integer in ms) and returns the
    /// JSON as is, statement errors included. Panics if the HTTP request itself fails.
    pub async fn query(&self, db: &str, influxql: &str) -> serde_json::Value {
        let resp = self
            .proc
            .http
            .post(format!("{}/query", self.url()))
            .form(&[("db", db), ("q", influxql), ("epoch", "ms")])
            .send()
            .await
            .unwrap_or_else(|e| panic!("influxd query {influxql:?}: {e}"));
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "influxd query {influxql:?}: HTTP {status}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("influxd query {influxql:?}: {e}: {body}"))
    }

    /// Runs InfluxQL and flattens every series of every statement into rows. Panics on a
    /// statement error (e.g. "database not found").
    pub async fn rows(&self, db: &str, influxql: &str) -> Vec<Row> {
        let v = self.query(db, influxql).await;
        let errors = statement_errors(&v);
        assert!(errors.is_empty(), "influxd query {influxql:?}: {errors:?}");
        flatten(&v)
    }

    /// Polls `rows(db, influxql)` until `cond` holds (deadline: `wait::DEADLINE`).
    pub async fn wait_rows(&self, db: &str, influxql: &str, what: &str, cond: impl Fn(&[Row]) -> bool) -> Vec<Row> {
        let deadline = tokio::time::Instant::now() + WAIT_DEADLINE;
        loop {
            let v = self.query(db, influxql).await;
            let rows = flatten(&v);
            if statement_errors(&v).is_empty() && cond(&rows) {
                return rows;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "influxd: {what} did not happen within {WAIT_DEADLINE:?}; {influxql:?} last gave {v}\nserver log ends:\n{}",
                    self.log_tail(20)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Writes line protocol with ms timestamps (POST /write?db=&precision=ms) and asserts 204.
    pub async fn write(&self, db: &str, lines: &str) {
        let (status, body) = self.write_raw(db, lines).await;
        assert_eq!(status, 204, "influxd refused the write to {db}: {body}");
    }

    /// The same write, returning the status and body (to see a refusal).
    pub async fn write_raw(&self, db: &str, lines: &str) -> (u16, String) {
        let resp = self
            .proc
            .http
            .post(format!("{}/write", self.url()))
            .query(&[("db", db), ("precision", "ms")])
            .body(lines.to_owned())
            .send()
            .await
            .unwrap_or_else(|e| panic!("influxd write: {e}"));
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap_or_default())
    }

    pub fn is_running(&mut self) -> bool {
        self.proc.is_running()
    }

    /// Kills the server (SIGKILL, as a crash would): requests in flight see a reset and new
    /// connections are refused. Writes it acknowledged are in its WAL and survive.
    pub fn kill(&mut self) {
        self.proc.kill();
    }

    /// Stops the server cleanly (SIGTERM, then waits for it to exit: tens of ms to about 1 s).
    pub async fn stop(&mut self) {
        self.proc.stop().await;
    }

    /// Starts it again on the same port and data (stopping it cleanly first if it runs).
    pub async fn restart(&mut self) {
        self.proc.stop().await;
        if let Err(e) = self.launch().await {
            panic!("influxd did not restart on port {}: {}", self.port, e.message);
        }
    }
}

fn statement_errors(v: &serde_json::Value) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
        errors.push(e.to_owned());
    }
    for r in v["results"].as_array().into_iter().flatten() {
        if let Some(e) = r.get("error").and_then(|e| e.as_str()) {
            errors.push(e.to_owned());
        }
    }
    errors
}

fn flatten(v: &serde_json::Value) -> Vec<Row> {
    let mut rows = Vec::new();
    for result in v["results"].as_array().into_iter().flatten() {
        for series in result["series"].as_array().into_iter().flatten() {
            let columns: Vec<&str> = series["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c.as_str().unwrap_or_default())
                .collect();
            for values in series["values"].as_array().into_iter().flatten() {
                let mut row = Row::new();
                row.insert("_measurement".into(), series["name"].clone());
                if let Some(tags) = series["tags"].as_object() {
                    row.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                for (c, x) in columns.iter().zip(values.as_array().into_iter().flatten()) {
                    row.insert((*c).to_owned(), x.clone());
                }
                rows.push(row);
            }
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------------

/// One series from `/api/v1/export`: its labels (`__name__` included), and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub values: Vec<f64>,
    /// Unix ms, one per value.
    pub timestamps: Vec<i64>,
}

impl Series {
    /// `<measurement>_<field>`, e.g. `facmon_point_value`.
    pub fn name(&self) -> &str {
        self.labels.get("__name__").map(String::as_str).unwrap_or_default()
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// A real single-node VictoriaMetrics with its storage in a temp dir.
pub struct VictoriaMetrics {
    /// The HTTP port on 127.0.0.1 (writes, queries, export); VictoriaMetrics opens no other
    /// listener unless told to.
    pub port: u16,
    proc: Proc,
}

impl VictoriaMetrics {
    /// Starts `victoria-metrics` and waits until `GET /health` answers 200.
    pub async fn start() -> VictoriaMetrics {
        let mut vm = VictoriaMetrics {
            port: free_port(),
            proc: Proc::new("victoria-metrics"),
        };
        for attempt in 1..=PORT_RETRIES {
            match vm.launch().await {
                Ok(()) => return vm,
                Err(e) if e.port_taken && attempt < PORT_RETRIES => vm.port = free_port(),
                Err(e) => panic!("{}", e.message),
            }
        }
        unreachable!()
    }

    async fn launch(&mut self) -> Result<(), LaunchError> {
        // Debian names it `victoria-metrics`; the upstream release binary is `-prod`.
        let bin = require_any(&["victoria-metrics", "victoria-metrics-prod"], "victoria-metrics");
        let mut cmd = Command::new(bin);
        cmd.arg(format!("-httpListenAddr=127.0.0.1:{}", self.port))
            .arg(format!(
                "-storageDataPath={}",
                self.proc.dir.path().join("data").display()
            ))
            // The default retention is 1 month and older samples are dropped without an
            // error: tests may write at fixed or injected times far in the past.
            .arg("-retentionPeriod=100y")
            // Queries see samples 1 s old (default 30 s) and never a cached answer.
            .arg("-search.latencyOffset=1s")
            .arg("-search.disableCache");
        self.proc.spawn(cmd);
        // `/flags` shows the flags, `-storageDataPath` among them.
        let (ping, whoami) = (format!("{}/health", self.url()), format!("{}/flags", self.url()));
        let took = self.proc.wait_ready(&ping, 200, &whoami).await?;
        eprintln!("victoria-metrics ready on {} in {} ms", self.url(), took.as_millis());
        Ok(())
    }

    /// `http://127.0.0.1:<port>`; the v1 write is `/write`, the v2 write `/api/v2/write`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The temp dir holding `data/` and `victoria-metrics.log`.
    pub fn dir(&self) -> &Path {
        self.proc.dir.path()
    }

    pub fn log_tail(&self, lines: usize) -> String {
        self.proc.log_tail(lines)
    }

    /// Makes every sample acknowledged so far searchable (`/internal/force_flush`); without
    /// it a sample shows up about 1 s after its write. Not a durability point: see `kill()`.
    pub async fn flush(&self) {
        let resp = self
            .proc
            .http
            .get(format!("{}/internal/force_flush", self.url()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("victoria-metrics force_flush: {e}"));
        assert!(
            resp.status().is_success(),
            "victoria-metrics force_flush: HTTP {}",
            resp.status()
        );
    }

    /// Writes line protocol with ms timestamps to the v1 endpoint (no `db`, so no `db` label)
    /// and asserts 204. VictoriaMetrics also answers 204 to lines it drops as unparseable.
    pub async fn write(&self, lines: &str) {
        let resp = self
            .proc
            .http
            .post(format!("{}/write", self.url()))
            .query(&[("precision", "ms")])
            .body(lines.to_owned())
            .send()
            .await
            .unwrap_or_else(|e| panic!("victoria-metrics write: {e}"));
        let status = resp.status();
        assert_eq!(
            status.as_u16(),
            204,
            "victoria-metrics refused the write: {}",
            resp.text().await.unwrap_or_default()
        );
    }

    /// Every series matching the selector (e.g. `{__name__=~"facmon_.*"}`), all of its samples
    /// at any time (start 0, end 2100), sorted by labels. Flushes first, so a sample
    /// acknowledged before the call is in the answer.
    pub async fn export(&self, selector: &str) -> Vec<Series> {
        self.flush().await;
        let resp = self
            .proc
            .http
            .get(format!("{}/api/v1/export", self.url()))
            .query(&[("match[]", selector), ("start", "0"), ("end", "4102444800")])
            .send()
            .await
            .unwrap_or_else(|e| panic!("victoria-metrics export {selector}: {e}"));
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "victoria-metrics export {selector}: HTTP {status}: {body}"
        );
        let mut out: Vec<Series> = body
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| parse_export_line(l).unwrap_or_else(|| panic!("victoria-metrics export: unexpected line {l}")))
            .collect();
        out.sort_by(|a, b| a.labels.cmp(&b.labels));
        out
    }

    /// Polls `export(selector)` until `cond` holds (deadline: `wait::DEADLINE`).
    pub async fn wait_export(&self, selector: &str, what: &str, cond: impl Fn(&[Series]) -> bool) -> Vec<Series> {
        let deadline = tokio::time::Instant::now() + WAIT_DEADLINE;
        loop {
            let series = self.export(selector).await;
            if cond(&series) {
                return series;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "victoria-metrics: {what} did not happen within {WAIT_DEADLINE:?}; {selector} last gave {series:#?}\nserver log ends:\n{}",
                    self.log_tail(20)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.proc.is_running()
    }

    /// Kills the server (SIGKILL, as a crash would). VictoriaMetrics 1.79 then loses the
    /// series created in the last few seconds, acknowledged and flushed or not: a test that
    /// checks what survived an outage uses `stop()`.
    pub fn kill(&mut self) {
        self.proc.kill();
    }

    /// Stops the server cleanly (SIGTERM; it writes everything to disk first: tens of ms to about 2 s).
    pub async fn stop(&mut self) {
        self.proc.stop().await;
    }

    /// Starts it again on the same port and data (stopping it cleanly first if it runs).
    pub async fn restart(&mut self) {
        self.proc.stop().await;
        if let Err(e) = self.launch().await {
            panic!("victoria-metrics did not restart on port {}: {}", self.port, e.message);
        }
    }
}

fn parse_export_line(line: &str) -> Option<Series> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let labels = v["metric"]
        .as_object()?
        .iter()
        .map(|(k, x)| Some((k.clone(), x.as_str()?.to_owned())))
        .collect::<Option<BTreeMap<_, _>>>()?;
    // NaN and ±Inf are not JSON numbers; anything that is not a number reads as NaN.
    let values = v["values"]
        .as_array()?
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect();
    let timestamps = v["timestamps"]
        .as_array()?
        .iter()
        .map(|x| x.as_i64())
        .collect::<Option<Vec<_>>>()?;
    Some(Series {
        labels,
        values,
        timestamps,
    })
}
