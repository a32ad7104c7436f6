//! Communication status per device (Modbus slave or MQTT broker), kept for COM-01 and the
//! live view. State changes are logged once ("device lost", "device back"), not every poll.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde::Serialize;
use tokio::sync::{broadcast, watch};

/// What we know about one device's link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceStatus {
    pub id: String,
    /// `modbus` or `mqtt_broker`.
    pub kind: &'static str,
    /// `None` until the first attempt.
    pub online: Option<bool>,
    /// Since when `online` has held.
    pub since: Option<SystemTime>,
    pub last_ok: Option<SystemTime>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub polls_ok: u64,
    pub polls_failed: u64,
}

/// Shared board of every device's status.
#[derive(Clone)]
pub struct DeviceBoard {
    inner: Arc<RwLock<Vec<DeviceStatus>>>,
    changes: broadcast::Sender<DeviceStatus>,
    /// Bumped on every recorded exchange, so waiters can await progress without sleeping.
    generation: watch::Sender<u64>,
}

impl DeviceBoard {
    pub fn new(devices: impl IntoIterator<Item = (String, &'static str)>) -> Self {
        let list = devices
            .into_iter()
            .map(|(id, kind)| DeviceStatus {
                id,
                kind,
                online: None,
                since: None,
                last_ok: None,
                last_error: None,
                consecutive_failures: 0,
                polls_ok: 0,
                polls_failed: 0,
            })
            .collect();
        DeviceBoard {
            inner: Arc::new(RwLock::new(list)),
            changes: broadcast::channel(1024).0,
            generation: watch::channel(0).0,
        }
    }

    pub fn snapshot(&self) -> Vec<DeviceStatus> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn get(&self, id: &str) -> Option<DeviceStatus> {
        self.snapshot().into_iter().find(|d| d.id == id)
    }

    /// Online/offline transitions.
    pub fn subscribe(&self) -> broadcast::Receiver<DeviceStatus> {
        self.changes.subscribe()
    }

    /// Changes after every recorded exchange (ok or failed).
    pub fn updates(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .position(|d| d.id == id)
    }

    /// A successful exchange (the device answered, even with an exception).
    pub fn record_ok(&self, index: usize, now: SystemTime) {
        self.update(index, now, |d| {
            d.polls_ok += 1;
            d.consecutive_failures = 0;
            d.last_ok = Some(now);
            true
        });
    }

    /// A failed exchange: timeout, refused connection, broken link.
    pub fn record_failure(&self, index: usize, error: &str, now: SystemTime) {
        self.update(index, now, |d| {
            d.polls_failed += 1;
            d.consecutive_failures += 1;
            d.last_error = Some(error.to_string());
            false
        });
    }

    fn update(&self, index: usize, now: SystemTime, f: impl FnOnce(&mut DeviceStatus) -> bool) {
        let changed = {
            let mut list = self.inner.write().unwrap_or_else(|e| e.into_inner());
            let Some(d) = list.get_mut(index) else { return };
            let online = f(d);
            if d.online == Some(online) {
                None
            } else {
                d.online = Some(online);
                d.since = Some(now);
                Some(d.clone())
            }
        };
        self.generation.send_modify(|g| *g += 1);
        if let Some(d) = changed {
            if d.online == Some(true) {
                tracing::info!(device = %d.id, kind = d.kind, "device online");
            } else {
                tracing::warn!(device = %d.id, kind = d.kind, error = d.last_error.as_deref().unwrap_or(""), "device lost");
            }
            let _ = self.changes.send(d);
        }
    }
}
