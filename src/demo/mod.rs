//! `facmon demo`: the simulated building and the daemon wired to it, on one command.
//!
//! Everything runs in this process on loopback, so a fresh machine needs no external service:
//! the Modbus TCP devices listen on a free port, the RTU bus is an in-process pty pair, and
//! the MQTT devices go through an embedded broker. The shipped `config/demo.toml` is loaded
//! and retargeted at those addresses, so the demo reads the simulators exactly as a site
//! config reads real plant.

mod view;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use facmon_sim::{MqttTarget, Scenario, Sim, SimConfig};
use tokio::time::Instant;

use crate::clock::{self, Clock};
use crate::config;
use crate::daemon::Daemon;
use crate::point::{PointState, Quality};
use crate::shutdown::{Shutdown, StopSignals};

/// The daemon config that reads every simulated device (also shipped as `config/demo.toml`).
pub const DEMO_CONFIG: &str = include_str!("../../config/demo.toml");
/// The demo site's duty roster (`config/demo-roster.toml`), appended to [`DEMO_CONFIG`].
pub const DEMO_ROSTER: &str = include_str!("../../config/demo-roster.toml");

/// What `facmon demo` was asked to do.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// A built-in scenario name or a scenario file.
    pub scenario: String,
    /// Stop by itself after this long.
    pub duration: Option<Duration>,
    /// Change lines only; no in-place table.
    pub plain: bool,
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("unknown scenario \"{0}\": give a scenario file or one of: {1}")]
    UnknownScenario(String, String),
    #[error("scenario: {0}")]
    Scenario(String),
    #[error("cannot start the simulated building: {0}")]
    Simulator(String),
    #[error("the built-in demo config is invalid (a bug): {0}")]
    Config(#[from] config::ConfigErrors),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Runs the demo until Ctrl-C or the optional duration.
pub async fn run(opts: DemoOptions) -> Result<(), DemoError> {
    // Listen before anything starts, so an early Ctrl-C is never lost.
    let mut signals = StopSignals::new()?;
    let scenario = load_scenario(&opts.scenario)?;
    let scenario_name = scenario.name.clone();

    let broker = facmon_sim::mqtt::embedded_broker(
        "127.0.0.1:0"
            .parse()
            .map_err(|e| DemoError::Simulator(format!("{e}")))?,
    )
    .map_err(|e| DemoError::Simulator(e.to_string()))?;
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let tcp_addr = tcp.local_addr()?;
    let (sim_end, daemon_end) =
        tokio_serial::SerialStream::pair().map_err(|e| DemoError::Simulator(format!("cannot make a pty pair: {e}")))?;
    let rtu_path = {
        use tokio_serial::SerialPort;
        daemon_end
            .name()
            .ok_or_else(|| DemoError::Simulator("the pty pair has no name".into()))?
    };
    let sim = Sim::start(SimConfig {
        modbus_tcp: Some(tcp),
        modbus_rtu: Some(sim_end),
        mqtt: Some(MqttTarget::new(broker.ip().to_string(), broker.port())),
        scenario: Some(scenario),
        tick: Duration::from_millis(100),
    })
    .await
    .map_err(|e| DemoError::Simulator(e.to_string()))?;

    let text = format!("{DEMO_CONFIG}\n{DEMO_ROSTER}");
    let mut plan = config::load_str("config/demo.toml", &text, Some(HashMap::new()))?;
    // A fresh state every run: a demo starts calm, not with the last run's alarms.
    let data = std::env::temp_dir().join(format!("facmon-demo-{}", std::process::id()));
    plan.data_dir = data.clone();
    plan.set_tcp_address("plant-gateway", &tcp_addr.ip().to_string(), tcp_addr.port());
    plan.set_rtu_path("sump-bus", &rtu_path);
    plan.set_broker_address("site-broker", &broker.ip().to_string(), broker.port());
    let clock = clock::system();
    let daemon = Daemon::start(plan, clock.clone(), Shutdown::new());

    let interactive = !opts.plain && std::io::stdout().is_terminal();
    println!("facmon demo: site {} ({})", daemon.plan.site.name, daemon.plan.site.id);
    println!("  simulators: Modbus TCP {tcp_addr}, Modbus RTU {rtu_path}, MQTT {broker} (embedded broker)");
    if let Some(addr) = daemon.api_addr {
        match demo_operator(&data, clock.now()) {
            Ok(password) => println!("  console: http://{addr}/  (sign in as demo / {password}, an operator)"),
            Err(e) => println!("  console: http://{addr}/  (no demo user: {e})"),
        }
    }
    println!("  scenario: {scenario_name}    Ctrl-C to stop");
    println!();

    let result = watch(&daemon, &sim, &*clock, &mut signals, interactive, opts.duration).await;
    daemon.stop(Duration::from_secs(3)).await;
    sim.shutdown().await;
    drop(daemon_end);
    let _ = std::fs::remove_dir_all(&data);
    println!("facmon demo stopped.");
    result
}

/// An operator for this demo run only, with a random password: the demo's data directory is
/// new every run, so nothing outlives it.
fn demo_operator(data: &Path, now: std::time::SystemTime) -> Result<String, String> {
    use rand::Rng;
    let password: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(12)
        .map(char::from)
        .collect();
    let db = crate::db::open(data).map_err(|e| e.to_string())?;
    crate::api::auth::users::add_user(&db.conn, "demo", "operator", &password, now).map_err(|e| e.to_string())?;
    Ok(password)
}

fn load_scenario(name: &str) -> Result<Scenario, DemoError> {
    if Path::new(name).exists() {
        return Scenario::from_file(Path::new(name)).map_err(|e| DemoError::Scenario(e.to_string()));
    }
    Scenario::builtin(name).ok_or_else(|| DemoError::UnknownScenario(name.into(), Scenario::builtin_names().join(", ")))
}

/// The view loop: change lines as they happen, the full table every few seconds (redrawn
/// in place on a terminal).
async fn watch(
    daemon: &Daemon,
    sim: &Sim,
    clock: &dyn Clock,
    signals: &mut StopSignals,
    interactive: bool,
    duration: Option<Duration>,
) -> Result<(), DemoError> {
    let started = Instant::now();
    let mut changes = daemon.store.subscribe();
    let mut sim_events = sim.events();
    let mut alarm_events = daemon.alarms.subscribe();
    let mut last: Vec<PointState> = daemon.store.snapshot();
    let mut log: Vec<String> = Vec::new();
    let mut redraw = tokio::time::interval(Duration::from_secs(1));
    let mut table_printed_at: Option<Instant> = None;
    // Tickets are read from the database, as `facmon ticket list` would.
    let tickets = crate::db::open(&daemon.plan.data_dir).ok();
    let mut ticket_cursor = 0;
    let end = duration.map(|d| started + d);
    let stop_at = async {
        match end {
            Some(t) => tokio::time::sleep_until(t).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop_at);
    let mut out = std::io::stdout();
    loop {
        let elapsed = started.elapsed().as_secs();
        let mut line = None;
        tokio::select! {
            _ = signals.recv() => break,
            _ = &mut stop_at => break,
            ev = sim_events.recv() => if let Ok(ev) = ev {
                line = Some(format!("[{elapsed:>4}s] ▶ simulator: {ev}"));
            },
            t = alarm_events.recv() => if let Ok(t) = t {
                let alarm = daemon.alarms.book().get(&t.key.rule, &t.key.equipment).cloned();
                // Before the first poll cycle completes every rule is "no reading yet": not news.
                let startup = matches!(t.kind, crate::alarm::TransitionKind::Unknown { .. }) && elapsed < 5;
                if !startup {
                    line = view::alarm_line(elapsed, &t, alarm.as_ref());
                }
            },
            ch = changes.recv() => match ch {
                Ok(ch) => {
                    let prev = last.get(ch.index.0).cloned();
                    if view::is_notable(&ch, prev.as_ref()) {
                        let unit = daemon.plan.points.get(ch.index.0).and_then(|p| p.unit.as_deref());
                        line = Some(view::change_line(elapsed, &ch, prev.as_ref(), unit));
                    }
                    if let Some(slot) = last.get_mut(ch.index.0) { *slot = ch.state; }
                }
                Err(_) => last = daemon.store.snapshot(),
            },
            _ = redraw.tick() => {
                if let Some(db) = &tickets {
                    let entries = crate::ticket::store::timeline_after(&db.conn, ticket_cursor, 50).unwrap_or_default();
                    for e in &entries {
                        ticket_cursor = e.seq;
                        let ticket = crate::ticket::store::get(&db.conn, e.ticket).ok().flatten();
                        if let Some(l) = ticket.and_then(|t| view::ticket_line(elapsed, &daemon.plan, &t, e)) {
                            if interactive { log.push(l) } else { println!("{l}") }
                        }
                    }
                }
                let snapshot = daemon.store.snapshot();
                let table = view::table(&daemon.plan, &snapshot, &daemon.devices.snapshot(), clock.now());
                if interactive {
                    let mut screen = String::from("\x1b[H\x1b[2J");
                    screen.push_str(&format!("facmon demo — {}s — Ctrl-C to stop\n\n{table}\n", elapsed));
                    for l in log.iter().rev().take(14).rev() { screen.push_str(l); screen.push('\n'); }
                    let _ = out.write_all(screen.as_bytes());
                    let _ = out.flush();
                } else {
                    let all_read = snapshot.iter().all(|s| s.quality != Quality::Unknown);
                    let due = match table_printed_at {
                        None => all_read || elapsed >= 8,
                        Some(t) => t.elapsed() >= Duration::from_secs(20),
                    };
                    if due {
                        println!("── plant at {elapsed}s ──\n{table}");
                        table_printed_at = Some(Instant::now());
                    }
                }
            }
        }
        if let Some(l) = line {
            if interactive {
                log.push(l);
                if log.len() > 100 {
                    log.drain(..50);
                }
            } else {
                println!("{l}");
            }
        }
    }
    Ok(())
}
