//! A pair of connected pseudo-terminals made by socat: one end for the simulator's RTU
//! server, the other for the daemon's RTU bus — a real serial line in software.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::require;

pub struct PtyPair {
    pub a: PathBuf,
    pub b: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl PtyPair {
    pub async fn new() -> PtyPair {
        let socat = require("socat", "socat");
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("sim");
        let b = dir.path().join("daemon");
        let child = Command::new(socat)
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn socat");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !(a.exists() && b.exists()) {
            assert!(tokio::time::Instant::now() < deadline, "socat made no pty pair in 10 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        PtyPair { a, b, child, _dir: dir }
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
