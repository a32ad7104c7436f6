//! The simulated demo building and the daemon reading it through `config/demo.toml`,
//! retargeted at free loopback ports and pty pairs.

use std::collections::HashMap;
use std::time::Duration;

use facmon::clock;
use facmon::config::raw::{RawRules, RawSetting};
use facmon::config::{self, Plan};
use facmon::daemon::Daemon;
use facmon::rules::settings;
use facmon::shutdown::Shutdown;
use facmon_sim::{MqttTarget, Sim, SimConfig};

use super::broker::Mosquitto;
use super::pty::PtyPair;

/// Which parts of the building to serve.
#[derive(Default, Clone, Copy)]
pub struct Parts {
    pub tcp: bool,
    pub rtu: bool,
    pub mqtt: bool,
    /// A simulator scenario to play from the start (`simulators/scenarios/<name>.toml`).
    pub scenario: Option<&'static str>,
}

pub struct Building {
    /// The daemon's wall clock.
    pub clock: clock::SharedClock,
    /// The daemon's data directory (alarm journal), removed with the building.
    pub data: tempfile::TempDir,
    pub sim: Sim,
    pub daemon: Daemon,
    pub broker: Option<Mosquitto>,
    pub pty: Option<PtyPair>,
}

impl Building {
    pub async fn start(parts: Parts) -> Building {
        Building::start_with(parts, |_| {}).await
    }

    /// As [`Building::start`], with `adjust` changing the loaded plan first: a test that
    /// cannot wait out a procedure's 30 min shortens it with [`set_rule`].
    /// Every part of the building, playing the `busy_hour` scenario (an incident of every
    /// family, a chattering contact, a silent device), written to one time-series `target`.
    pub async fn busy_hour_into(target: facmon::config::InfluxTarget) -> Building {
        let parts = Parts {
            tcp: true,
            rtu: true,
            mqtt: true,
            scenario: Some("busy_hour"),
        };
        Building::start_with(parts, |plan| plan.influx = vec![target]).await
    }

    pub async fn start_with(parts: Parts, adjust: impl FnOnce(&mut Plan)) -> Building {
        Building::start_at(parts, clock::system(), adjust).await
    }

    /// As [`Building::start_with`], with the daemon reading wall time from `clock` (e.g.
    /// [`clock::starting_at`] for a 3 a.m. outage whatever the hour).
    pub async fn start_at(parts: Parts, clock: clock::SharedClock, adjust: impl FnOnce(&mut Plan)) -> Building {
        super::init_logging();
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml"));
        let mut plan = config::load_with_env(path, Some(HashMap::new())).expect("config/demo.toml is valid");
        // Parallel tests must not fight over the API's fixed port; API tests turn it on at port 0.
        plan.api.enabled = false;
        adjust(&mut plan);
        let tcp = if parts.tcp {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let a = l.local_addr().expect("addr");
            assert!(plan.set_tcp_address("plant-gateway", "127.0.0.1", a.port()));
            Some(l)
        } else {
            None
        };
        let pty = if parts.rtu { Some(PtyPair::new().await) } else { None };
        let rtu = match &pty {
            Some(p) => {
                assert!(plan.set_rtu_path("sump-bus", &p.b.display().to_string()));
                let port = tokio_serial::SerialStream::open(&tokio_serial::new(p.a.display().to_string(), 9600))
                    .expect("open the simulator's pty end");
                Some(port)
            }
            None => None,
        };
        let broker = if parts.mqtt {
            Some(Mosquitto::start().await)
        } else {
            None
        };
        if broker.is_none() {
            // Nothing to publish alarms to: never reach a broker the machine may run.
            plan.alarm_mqtt = None;
        }
        let mqtt = broker.as_ref().map(|b| {
            assert!(plan.set_broker_address("site-broker", "127.0.0.1", b.port));
            MqttTarget::new("127.0.0.1".to_string(), b.port)
        });
        let sim = Sim::start(SimConfig {
            modbus_tcp: tcp,
            modbus_rtu: rtu,
            mqtt,
            scenario: parts.scenario.map(|name| {
                facmon_sim::Scenario::builtin(name).unwrap_or_else(|| panic!("no simulator scenario {name:?}"))
            }),
            tick: Duration::from_millis(50),
        })
        .await
        .expect("simulator starts");
        let data = tempfile::tempdir().expect("data dir");
        plan.data_dir = data.path().to_path_buf();
        let daemon = Daemon::start(plan, clock.clone(), Shutdown::new());
        Building {
            clock,
            data,
            sim,
            daemon,
            broker,
            pty,
        }
    }

    pub fn command(&self, line: &str) {
        if let Err(e) = self.sim.command(line) {
            panic!("simulator refused `{line}`: {e}");
        }
    }

    /// The procedures' worst outage: the generator is left in MANUAL (once the daemon has
    /// seen it stopped) and the mains fail, so PWR-01 follows in 2 s and PWR-02 in 15 s.
    pub async fn fail_mains_with_generator_in_manual(&self) {
        super::wait::value(
            &self.daemon.store,
            "gen-1",
            "running",
            facmon::point::Value::Bool(false),
        )
        .await;
        self.command("set gen-1.mode MANUAL");
        self.command("mains fail");
    }

    /// Stops the daemon as `facmon run` does on SIGTERM and starts it again on the same
    /// plan and data directory; the simulator plays on meanwhile.
    pub async fn restart(self) -> Building {
        let plan = (*self.daemon.plan).clone();
        self.daemon.stop(Duration::from_secs(3)).await;
        let daemon = Daemon::start(plan, self.clock.clone(), Shutdown::new());
        Building { daemon, ..self }
    }

    pub async fn stop(self) {
        self.daemon.stop(Duration::from_secs(3)).await;
        self.sim.shutdown().await;
    }
}

/// Sets `[equipment.rules.<rule>] <key> = <value>` for one equipment, checked as config load
/// checks that table: an unknown rule or key, a value out of range or a rule that does not
/// report on the equipment's kind fails the test instead of being ignored.
pub fn set_rule(plan: &mut Plan, equipment: &str, rule: &str, key: &str, value: f64) {
    let eq = plan
        .equipment
        .iter_mut()
        .find(|e| e.id == equipment)
        .unwrap_or_else(|| panic!("no equipment {equipment} in config/demo.toml"));
    let raw: RawRules = [(rule.to_string(), [(key.to_string(), RawSetting::Float(value))].into())].into();
    let (checked, issues) = settings::resolve(Some(eq.kind), &raw);
    assert!(
        issues.is_empty(),
        "[equipment.rules.{rule}] {key} = {value} on {equipment}: {issues:?}"
    );
    for (id, o) in checked.0 {
        eq.rule_settings.0.entry(id).or_default().values.extend(o.values);
    }
}
