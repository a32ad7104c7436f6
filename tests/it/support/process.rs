//! `facmon run` as a separate process, for tests that kill it (`kill -9`) and start it again.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::free_port;

/// `config/demo.toml` with the plant gateway on `port`, the RTU bus and the broker pointed
/// at nothing (they are not part of these tests), the data directory in `dir`, and `extra`
/// TOML appended (e.g. a `[roster]`).
pub fn write_config(dir: &Path, port: u16, extra: &str) -> PathBuf {
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml")).expect("demo config");
    let nowhere = dir.join("no-such-serial-port");
    let text = demo
        .replace("port = 5020", &format!("port = {port}"))
        .replace("/tmp/facmon-demo-rtu", &nowhere.display().to_string())
        .replace("mqtt://127.0.0.1:1883", &format!("mqtt://127.0.0.1:{}", free_port()));
    assert_ne!(text, demo, "the demo config's addresses moved; update this test");
    let text = format!("data_dir = \"{}\"\n{text}\n{extra}", dir.join("data").display());
    let path = dir.join("facmon.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

pub fn spawn_daemon(config: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(env!("CARGO_BIN_EXE_facmon"))
        .args(["run", "--config"])
        .arg(config)
        .env("RUST_LOG", "info")
        // Parallel daemons must not fight over the API's fixed port.
        .env("FACMON__API__ENABLED", "false")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start facmon run")
}

/// The simulated plant gateway (Modbus TCP only) on a free port, and a config for `facmon run`
/// in `dir` that reads it, with `extra` TOML appended.
pub async fn plant_and_config(dir: &Path, extra: &str) -> (facmon_sim::Sim, PathBuf) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let config = write_config(dir, listener.local_addr().expect("addr").port(), extra);
    let sim = facmon_sim::Sim::start(facmon_sim::SimConfig {
        modbus_tcp: Some(listener),
        modbus_rtu: None,
        mqtt: None,
        scenario: None,
        tick: std::time::Duration::from_millis(50),
    })
    .await
    .expect("simulator starts");
    (sim, config)
}
