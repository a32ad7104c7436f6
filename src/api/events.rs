//! The live stream, `GET /api/v1/events` (Server-Sent Events).
//!
//! One hub task turns the daemon's feeds (point store, device board, alarm transitions, and
//! the ticket timeline, which it follows in `facmon.db` because the CLI writes there too)
//! into numbered events kept in a bounded ring. A client that reconnects with
//! `Last-Event-ID` gets what it missed from the ring; if that has been overwritten, or the
//! id is from an earlier run, it gets `event: resync` and reloads the lists. Ids start at
//! the start time in milliseconds × 1000, so they keep increasing across restarts.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

use super::auth::{Caller, Role};
use super::{view, ApiError, ApiState};
use crate::alarm::Alarms;
use crate::config::Plan;
use crate::point::PointStore;
use crate::shutdown::Shutdown;
use crate::sources::DeviceBoard;

/// Events kept for clients that reconnect.
pub const RING: usize = 4096;
/// How often the ticket timeline is looked at.
const TICKET_POLL: Duration = Duration::from_secs(1);

/// One event of the stream.
#[derive(Debug)]
pub struct Event {
    pub id: u64,
    pub name: &'static str,
    pub data: String,
}

/// The ring of recent events and the feed of new ones. Cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    ring: Arc<Mutex<Ring>>,
    live: broadcast::Sender<Arc<Event>>,
}

struct Ring {
    next_id: u64,
    events: VecDeque<Arc<Event>>,
}

/// What a (re)connecting client gets first.
enum Start {
    Backlog(Vec<Arc<Event>>),
    Resync,
}

impl EventHub {
    /// Starts the hub task for a daemon's feeds; it ends with `shutdown`.
    pub fn start(
        plan: &Arc<Plan>,
        store: &PointStore,
        devices: &DeviceBoard,
        alarms: &Alarms,
        now: std::time::SystemTime,
        shutdown: Shutdown,
    ) -> EventHub {
        let hub = EventHub::new(crate::db::millis(now) as u64 * 1000);
        let feeds = Feeds {
            points: store.subscribe(),
            devices: devices.subscribe(),
            alarms: alarms.subscribe(),
        };
        tokio::spawn(run(hub.clone(), feeds, alarms.clone(), plan.data_dir.clone(), shutdown));
        hub
    }

    fn new(first_id: u64) -> EventHub {
        EventHub {
            ring: Arc::new(Mutex::new(Ring {
                next_id: first_id.max(1),
                events: VecDeque::with_capacity(RING),
            })),
            live: broadcast::channel(RING).0,
        }
    }

    /// Numbers an event, keeps it in the ring and sends it to every client.
    pub fn publish(&self, name: &'static str, data: &Value) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let e = Arc::new(Event {
            id: ring.next_id,
            name,
            data: data.to_string(),
        });
        ring.next_id += 1;
        if ring.events.len() == RING {
            ring.events.pop_front();
        }
        ring.events.push_back(e.clone());
        // Sent under the lock, so a client attaching meanwhile sees it once: in its backlog
        // or on its receiver, never both or neither.
        let _ = self.live.send(e);
    }

    fn attach(&self, last_id: Option<u64>) -> (Start, broadcast::Receiver<Arc<Event>>) {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let rx = self.live.subscribe();
        let Some(last) = last_id else {
            return (Start::Backlog(Vec::new()), rx);
        };
        let oldest = ring.events.front().map_or(ring.next_id, |e| e.id);
        if last + 1 < oldest || last >= ring.next_id {
            return (Start::Resync, rx);
        }
        let missed = ring.events.iter().filter(|e| e.id > last).cloned().collect();
        (Start::Backlog(missed), rx)
    }
}

struct Feeds {
    points: broadcast::Receiver<crate::point::PointChange>,
    devices: broadcast::Receiver<crate::sources::DeviceStatus>,
    alarms: broadcast::Receiver<crate::alarm::Transition>,
}

fn resync(hub: &EventHub, what: &str) {
    tracing::warn!("the live stream fell behind the {what} feed; clients are told to reload");
    hub.publish("resync", &json!({"reason": format!("the {what} feed overflowed")}));
}

async fn run(hub: EventHub, mut f: Feeds, alarms: Alarms, data_dir: std::path::PathBuf, shutdown: Shutdown) {
    use broadcast::error::RecvError::{Closed, Lagged};
    let dir = data_dir.clone();
    let mut cursor = tokio::task::spawn_blocking(move || last_timeline_seq(&dir))
        .await
        .unwrap_or(0);
    let mut poll = tokio::time::interval(TICKET_POLL);
    let mut db: Option<crate::db::Db> = None;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            r = f.points.recv() => match r {
                Ok(c) => hub.publish("point", &view::point_change(&c.key, &c.state)),
                Err(Lagged(_)) => resync(&hub, "point"),
                Err(Closed) => return,
            },
            r = f.devices.recv() => match r {
                Ok(d) => hub.publish("device", &view::device(&d)),
                Err(Lagged(_)) => resync(&hub, "device"),
                Err(Closed) => return,
            },
            r = f.alarms.recv() => match r {
                Ok(t) => {
                    let v = view::transition(&alarms.book(), &t);
                    hub.publish("alarm", &v);
                }
                Err(Lagged(_)) => resync(&hub, "alarm"),
                Err(Closed) => return,
            },
            _ = poll.tick() => {
                let (dir, from, mut held) = (data_dir.clone(), cursor, db.take());
                let found = tokio::task::spawn_blocking(move || {
                    let changes = ticket_changes(&mut held, &dir, from);
                    (held, changes)
                })
                .await;
                match found {
                    Ok((held, Ok(changes))) => {
                        db = held;
                        for (seq, v) in changes {
                            cursor = seq;
                            hub.publish("ticket", &v);
                        }
                    }
                    // The connection is dropped and opened afresh on the next tick.
                    Ok((_, Err(e))) => tracing::debug!("cannot read the ticket timeline for the live stream: {e}"),
                    Err(e) => tracing::debug!("ticket timeline reader failed: {e}"),
                }
            }
        }
    }
}

fn last_timeline_seq(dir: &std::path::Path) -> i64 {
    crate::db::open(dir)
        .and_then(|db| {
            db.conn
                .query_row("SELECT COALESCE(MAX(seq), 0) FROM ticket_timeline", [], |r| r.get(0))
                .map_err(|e| db.err(e))
        })
        .unwrap_or(0)
}

/// Timeline entries after `seq`, each with its ticket as it is now, on the connection `held`
/// (opened if there is none, so the poll does not open the file every second).
fn ticket_changes(
    held: &mut Option<crate::db::Db>,
    dir: &std::path::Path,
    seq: i64,
) -> Result<Vec<(i64, Value)>, String> {
    use crate::ticket::store;
    if held.is_none() {
        *held = Some(crate::db::open(dir).map_err(|e| e.to_string())?);
    }
    let Some(db) = held.as_ref() else { return Ok(Vec::new()) };
    let entries = store::timeline_after(&db.conn, seq, 200).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let ticket = store::get(&db.conn, e.ticket).map_err(|e| e.to_string())?;
        let v = json!({"ticket": ticket.as_ref().map(view::ticket), "entry": view::entry(&e)});
        out.push((e.seq, v));
    }
    Ok(out)
}

fn sse(e: &Event) -> SseEvent {
    SseEvent::default().id(e.id.to_string()).event(e.name).data(&e.data)
}

fn resync_event() -> SseEvent {
    SseEvent::default()
        .event("resync")
        .data(json!({"reason": "events were missed; reload the lists"}).to_string())
}

/// `GET /api/v1/events`.
pub async fn stream(
    State(s): State<ApiState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    caller.require(Role::Viewer)?;
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (start, mut live) = s.events.attach(last_id);
    let (tx, rx) = mpsc::channel::<SseEvent>(256);
    let shutdown = s.shutdown.clone();
    tokio::spawn(async move {
        let first = match start {
            Start::Backlog(events) => events.iter().map(|e| sse(e)).collect(),
            Start::Resync => vec![resync_event()],
        };
        for e in first {
            if tx.send(e).await.is_err() {
                return;
            }
        }
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tx.closed() => return,
                r = live.recv() => r,
            };
            let e = match next {
                Ok(e) => sse(&e),
                // This client read too slowly: it reloads rather than miss changes silently.
                Err(broadcast::error::RecvError::Lagged(_)) => resync_event(),
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if tx.send(e).await.is_err() {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(start: Start) -> Option<Vec<u64>> {
        match start {
            Start::Backlog(v) => Some(v.iter().map(|e| e.id).collect()),
            Start::Resync => None,
        }
    }

    #[test]
    fn a_client_resuming_within_the_ring_gets_exactly_what_it_missed() {
        let hub = EventHub::new(100);
        for i in 0..5 {
            hub.publish("point", &json!({ "i": i }));
        }
        assert_eq!(ids(hub.attach(Some(102)).0), Some(vec![103, 104]));
        assert_eq!(ids(hub.attach(Some(104)).0), Some(vec![]));
        assert_eq!(ids(hub.attach(None).0), Some(vec![]));
    }

    #[test]
    fn a_client_resuming_from_beyond_the_ring_or_another_run_is_told_to_resync() {
        let hub = EventHub::new(1);
        for i in 0..RING + 10 {
            hub.publish("point", &json!({ "i": i }));
        }
        assert_eq!(ids(hub.attach(Some(3)).0), None, "overwritten");
        assert_eq!(ids(hub.attach(Some(1_000_000)).0), None, "an id this run never gave");
        assert!(ids(hub.attach(Some(20)).0).is_some());
    }
}
