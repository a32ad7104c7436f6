//! Wall-clock time, injected.
//!
//! Records (reading timestamps, alarm journal) use wall time from a [`Clock`]; durations
//! (poll intervals, deadlines, on-delays) use `tokio::time`, which is monotonic and can be
//! paused in tests. Nothing else in the crate calls `SystemTime::now()`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A source of wall-clock time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> SystemTime;
}

/// Shared handle used throughout the daemon.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place allowed to read the system clock
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock tests move by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn new(start: SystemTime) -> Self {
        ManualClock(Mutex::new(start))
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }

    pub fn set(&self, to: SystemTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The system clock as a shared handle.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// The real clock moved to start at a chosen time, then running at real speed: a test (or a
/// rehearsal) of a 3 a.m. outage at any hour, with real-time timers.
#[derive(Debug)]
pub struct ShiftedClock {
    ahead: Duration,
    behind: Duration,
}

impl Clock for ShiftedClock {
    fn now(&self) -> SystemTime {
        SystemClock.now() + self.ahead - self.behind
    }
}

/// A clock that reads `start` now and runs at real speed from there.
pub fn starting_at(start: SystemTime) -> SharedClock {
    let real = SystemClock.now();
    let (ahead, behind) = match start.duration_since(real) {
        Ok(d) => (d, Duration::ZERO),
        Err(e) => (Duration::ZERO, e.duration()),
    };
    Arc::new(ShiftedClock { ahead, behind })
}

/// Serde for wall times as JSON readers expect them: unix milliseconds (`"opened_at_ms":
/// 1795…`), not serde's default `{secs_since_epoch, nanos_since_epoch}`. Use with
/// `#[serde(rename = "…_ms", with = "crate::clock::ms")]`; [`opt_ms`] for `Option`.
pub mod ms {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        Ok(UNIX_EPOCH + Duration::from_millis(u64::deserialize(d)?))
    }
}

/// [`ms`] for `Option<SystemTime>` (`null` when absent).
pub mod opt_ms {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::ms::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)))
    }
}
