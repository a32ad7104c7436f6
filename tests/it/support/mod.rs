//! Real parts for integration tests: a mosquitto broker on a free port, InfluxDB 1.x and
//! VictoriaMetrics on free ports (`tsdb`), socat pty pairs, the daemon on a plan, and waits
//! that await events (with a deadline that fails the test) instead of sleeping.

#![allow(dead_code)]

pub mod api;
pub mod broker;
pub mod building;
pub mod dashboards;
pub mod http_recorder;
pub mod process;
pub mod pty;
pub mod smtp;
pub mod tsdb;
pub mod wait;

use std::net::TcpListener;

/// A free loopback port. Only for servers we cannot hand a bound socket to (mosquitto).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// Finds an external program or fails with an install hint (a missing server is a failure,
/// never a silent skip).
pub fn require(program: &str, package: &str) -> std::path::PathBuf {
    require_any(&[program], package)
}

/// The first of `programs` that is installed (a package may name its binary differently
/// from upstream's release), or a failure with an install hint.
pub fn require_any(programs: &[&str], package: &str) -> std::path::PathBuf {
    for program in programs {
        if let Some(p) = find_program(program) {
            return p;
        }
    }
    panic!(
        "{} is not installed: run scripts/test.sh (it installs it) or `apt-get install {package}`",
        programs.join(" or ")
    );
}

fn find_program(program: &str) -> Option<std::path::PathBuf> {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"] {
        let p = std::path::Path::new(dir).join(program);
        if p.exists() {
            return Some(p);
        }
    }
    if let Ok(path) = std::env::var("PATH") {
        for dir in path.split(':') {
            let p = std::path::Path::new(dir).join(program);
            if p.exists() {
                return Some(p);
            }
        }
    }
    None
}

/// Plain-text logs for a failing test, once per process.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("FACMON_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
}
