//! Awaiting conditions on the live store and the device board. The deadline only bounds a
//! failing test; passing tests proceed as soon as the event happens.

use std::time::Duration;

use facmon::point::{PointState, PointStore, Quality, Value};
use facmon::sources::DeviceBoard;

pub const DEADLINE: Duration = Duration::from_secs(20);

/// Waits until `cond` holds for the state of `equipment.role`, re-checking on every change.
pub async fn point(
    store: &PointStore,
    equipment: &str,
    role: &str,
    what: &str,
    cond: impl Fn(&PointState) -> bool,
) -> PointState {
    let index = store
        .find(equipment, role)
        .unwrap_or_else(|| panic!("no point {equipment}.{role}"));
    let mut rx = store.subscribe();
    let check = async {
        loop {
            let st = store.get(index).expect("point");
            if cond(&st) {
                return st;
            }
            // Any change (or a lag) is a reason to look again.
            let _ = rx.recv().await;
        }
    };
    match tokio::time::timeout(DEADLINE, check).await {
        Ok(st) => st,
        Err(_) => panic!(
            "{equipment}.{role}: {what} did not happen within {DEADLINE:?}; last state {:?}",
            store.get(index)
        ),
    }
}

pub async fn good(store: &PointStore, equipment: &str, role: &str) -> PointState {
    point(store, equipment, role, "quality good", |s| s.quality == Quality::Good).await
}

pub async fn value(store: &PointStore, equipment: &str, role: &str, v: Value) -> PointState {
    let what = format!("value {v} (good)");
    point(store, equipment, role, &what, move |s| {
        s.quality == Quality::Good && s.value.as_ref() == Some(&v)
    })
    .await
}

pub async fn quality(store: &PointStore, equipment: &str, role: &str, q: Quality) -> PointState {
    point(store, equipment, role, &format!("quality {q}"), move |s| s.quality == q).await
}

/// Waits until `cond` holds on the device board, re-checking after every recorded exchange.
pub async fn devices(board: &DeviceBoard, what: &str, cond: impl Fn(&DeviceBoard) -> bool) {
    let mut rx = board.updates();
    let check = async {
        while !cond(board) {
            if rx.changed().await.is_err() {
                return;
            }
        }
    };
    if tokio::time::timeout(DEADLINE, check).await.is_err() {
        panic!(
            "{what} did not happen within {DEADLINE:?}; board: {:#?}",
            board.snapshot()
        );
    }
}

/// Waits until the alarm `rule` on `equipment` satisfies `cond`, re-checking on every alarm
/// transition (and on a slow tick, since a condition may already hold).
pub async fn alarm(
    alarms: &facmon::alarm::Alarms,
    rule: &str,
    equipment: &str,
    what: &str,
    cond: impl Fn(&facmon::alarm::Alarm) -> bool,
) -> facmon::alarm::Alarm {
    let mut rx = alarms.subscribe();
    let check = async {
        loop {
            if let Some(a) = alarms.book().get(rule, equipment).filter(|a| cond(a)).cloned() {
                return a;
            }
            let _ = rx.recv().await;
        }
    };
    match tokio::time::timeout(Duration::from_secs(40), check).await {
        Ok(a) => a,
        Err(_) => panic!(
            "alarm {rule} {equipment}: {what} did not happen within 40 s; alarm now: {:#?}",
            alarms.book().get(rule, equipment)
        ),
    }
}

/// Polls `f` every 100 ms until it gives a value (deadline: [`DEADLINE`]): for state that
/// another process or a database holds, where there is no event to await.
pub async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
