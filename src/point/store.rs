//! The live point store: the latest value and quality of every point, and a change feed.
//!
//! Sources write into it; rules, the time-series writer and the live view read snapshots and
//! subscribe to changes. A change is published only when the value or the quality changes,
//! so a healthy plant polled every second does not flood downstream stages; the receive time
//! is refreshed on every reading so "fresh" can still be proven.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde::Serialize;
use tokio::sync::broadcast;

use super::{PointIndex, PointKey, Quality, Value};

/// What one point holds now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointState {
    /// Last decoded value; kept (greyed by the viewer) when quality drops.
    pub value: Option<Value>,
    pub quality: Quality,
    /// When the device says it measured (MQTT payload time) or, for polled points, when we read it.
    pub source_ts: Option<SystemTime>,
    /// When facmon last received anything for this point (good or not).
    pub received_ts: Option<SystemTime>,
    /// When value or quality last changed.
    pub changed_ts: Option<SystemTime>,
    /// Why the quality is not good, in words.
    pub error: Option<Arc<str>>,
}

impl PointState {
    /// A point never read since start.
    pub fn unknown() -> Self {
        PointState {
            value: None,
            quality: Quality::Unknown,
            source_ts: None,
            received_ts: None,
            changed_ts: None,
            error: None,
        }
    }
}

/// One new reading or a loss of one.
#[derive(Debug, Clone)]
pub enum Reading {
    Good {
        value: Value,
        source_ts: Option<SystemTime>,
    },
    /// The source answered but refused or sent something undecodable.
    Bad(Arc<str>),
    /// No fresh reading.
    Stale(Arc<str>),
}

/// A published change.
#[derive(Debug, Clone)]
pub struct PointChange {
    pub index: PointIndex,
    pub key: PointKey,
    pub state: PointState,
}

/// Shared, cheap to clone handle to the store.
#[derive(Clone)]
pub struct PointStore {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Vec<PointKey>,
    states: RwLock<Vec<PointState>>,
    changes: broadcast::Sender<PointChange>,
}

/// Changes buffered per subscriber; a subscriber that falls further behind gets `Lagged`
/// and must re-read a snapshot.
const CHANGE_BUFFER: usize = 16 * 1024;

impl PointStore {
    pub fn new(keys: Vec<PointKey>) -> Self {
        let states = vec![PointState::unknown(); keys.len()];
        let (changes, _) = broadcast::channel(CHANGE_BUFFER);
        PointStore {
            inner: Arc::new(Inner {
                keys,
                states: RwLock::new(states),
                changes,
            }),
        }
    }

    pub fn len(&self) -> usize {
        self.inner.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.keys.is_empty()
    }

    pub fn key(&self, index: PointIndex) -> Option<&PointKey> {
        self.inner.keys.get(index.0)
    }

    pub fn keys(&self) -> &[PointKey] {
        &self.inner.keys
    }

    /// Finds a point by `equipment` and `role`.
    pub fn find(&self, equipment: &str, role: &str) -> Option<PointIndex> {
        self.inner
            .keys
            .iter()
            .position(|k| &*k.equipment == equipment && &*k.role == role)
            .map(PointIndex)
    }

    /// Subscribes to changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PointChange> {
        self.inner.changes.subscribe()
    }

    /// The current state of every point, in index order.
    pub fn snapshot(&self) -> Vec<PointState> {
        self.read().clone()
    }

    pub fn get(&self, index: PointIndex) -> Option<PointState> {
        self.read().get(index.0).cloned()
    }

    /// Applies a batch of readings under one lock (a poll of one block), then publishes changes.
    pub fn apply<I>(&self, readings: I, now: SystemTime)
    where
        I: IntoIterator<Item = (PointIndex, Reading)>,
    {
        let mut changed = Vec::new();
        {
            let mut states = self.inner.states.write().unwrap_or_else(|e| e.into_inner());
            for (index, reading) in readings {
                let Some(state) = states.get_mut(index.0) else { continue };
                if apply_one(state, reading, now) {
                    changed.push((index, state.clone()));
                }
            }
        }
        for (index, state) in changed {
            let key = self.inner.keys[index.0].clone();
            // No subscriber is fine: nobody is listening yet.
            let _ = self.inner.changes.send(PointChange { index, key, state });
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<PointState>> {
        self.inner.states.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// Updates one state; returns whether value or quality changed.
fn apply_one(state: &mut PointState, reading: Reading, now: SystemTime) -> bool {
    state.received_ts = Some(now);
    let before = (state.value.clone(), state.quality);
    match reading {
        Reading::Good { value, source_ts } => {
            state.value = Some(value);
            state.quality = Quality::Good;
            state.source_ts = Some(source_ts.unwrap_or(now));
            state.error = None;
        }
        Reading::Bad(why) => {
            state.quality = Quality::Bad;
            state.error = Some(why);
        }
        Reading::Stale(why) => {
            // A point never read stays unknown: there is no old value to call stale.
            if state.quality != Quality::Unknown || state.value.is_some() {
                state.quality = Quality::Stale;
            }
            state.error = Some(why);
        }
    }
    let changed = before != (state.value.clone(), state.quality);
    if changed {
        state.changed_ts = Some(now);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> PointStore {
        PointStore::new(vec![
            PointKey {
                equipment: "gen-1".into(),
                role: "running".into(),
            },
            PointKey {
                equipment: "gen-1".into(),
                role: "fuel_level_pct".into(),
            },
        ])
    }

    #[test]
    fn points_start_unknown_and_become_good_on_first_reading() {
        let s = store();
        assert_eq!(s.get(PointIndex(0)).unwrap().quality, Quality::Unknown);
        s.apply(
            [(
                PointIndex(0),
                Reading::Good {
                    value: Value::Bool(true),
                    source_ts: None,
                },
            )],
            SystemTime::UNIX_EPOCH,
        );
        let st = s.get(PointIndex(0)).unwrap();
        assert_eq!((st.quality, st.value), (Quality::Good, Some(Value::Bool(true))));
    }

    #[test]
    fn only_changes_of_value_or_quality_are_published() {
        let s = store();
        let mut rx = s.subscribe();
        let good = || {
            (
                PointIndex(1),
                Reading::Good {
                    value: Value::Number(80.0),
                    source_ts: None,
                },
            )
        };
        s.apply([good()], SystemTime::UNIX_EPOCH);
        s.apply([good()], SystemTime::UNIX_EPOCH);
        s.apply(
            [(PointIndex(1), Reading::Stale("timeout".into()))],
            SystemTime::UNIX_EPOCH,
        );
        assert_eq!(rx.try_recv().unwrap().state.quality, Quality::Good);
        let stale = rx.try_recv().unwrap().state;
        assert_eq!(
            (stale.quality, stale.value),
            (Quality::Stale, Some(Value::Number(80.0)))
        );
        assert!(
            rx.try_recv().is_err(),
            "the repeated good reading must not be published"
        );
    }

    #[test]
    fn a_point_never_read_stays_unknown_when_its_device_is_lost() {
        let s = store();
        s.apply(
            [(PointIndex(0), Reading::Stale("connection refused".into()))],
            SystemTime::UNIX_EPOCH,
        );
        let st = s.get(PointIndex(0)).unwrap();
        assert_eq!(st.quality, Quality::Unknown);
        assert_eq!(st.error.as_deref(), Some("connection refused"));
    }
}
