//! The time-series writer: every reading, device status and alarm event into InfluxDB (or
//! anything that speaks its write API), with nothing lost through a database outage.
//!
//! Per `[[influx]]` target, two tasks:
//!
//! * **collect** turns point changes, device status changes and a heartbeat of every point
//!   into line protocol ([`schema`]), and replays the alarm journal from its own cursor —
//!   so every alarm event reaches the database exactly once, even those journaled while
//!   facmon's writer was down. Lines are batched by count and age into the disk queue.
//! * **send** takes the oldest queued batch, writes it, and removes it only once the
//!   database has taken it; on failure it retries with jittered backoff, and says so once
//!   ("unreachable", "back") rather than on every attempt.
//!
//! Decision record: `docs/decisions.md` ("Time series: our own line-protocol encoder").

mod client;
pub mod line;
pub mod queue;
pub mod schema;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::sync::{broadcast, Notify};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

use self::client::{Client, WriteError};
use self::line::Lines;
use self::queue::Queue;
use self::schema::Schema;
use crate::alarm::journal::Journal;
use crate::alarm::Alarms;
use crate::config::{InfluxTarget, Plan};
use crate::rules::history::RunHistory;
use crate::shutdown::Shutdown;
use crate::sources::Shared;

/// Alarm events read from the journal per batch.
const EVENTS_PER_BATCH: usize = 1000;
/// The longest pause between two attempts: the replay starts at most this long after the
/// database is back. A refused connection costs next to nothing, so this can be short.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Starts the writer of every configured target.
pub fn spawn_all(plan: &Plan, alarms: &Alarms, shared: &Shared, shutdown: &Shutdown, tasks: &mut JoinSet<()>) {
    for target in &plan.influx {
        let span = tracing::info_span!("influx", site = %plan.site.id, target = %target.id);
        let _enter = span.enter();
        let queue = match Queue::open(&plan.data_dir, &target.id, target.queue_max_bytes) {
            Ok(q) => Arc::new(Mutex::new(q)),
            Err(e) => {
                tracing::error!("time series disabled for this target: cannot open its queue: {e}");
                continue;
            }
        };
        let journal = match Journal::open(&plan.data_dir) {
            Ok(j) => j,
            Err(e) => {
                tracing::error!("time series disabled for this target: cannot read the alarm journal: {e}");
                continue;
            }
        };
        let client = match Client::new(target) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("time series disabled for this target: {e}");
                continue;
            }
        };
        let wake = Arc::new(Notify::new());
        let collect = Collect {
            target: target.clone(),
            schema: Schema::new(plan, &shared.board.snapshot()),
            shared: shared.clone(),
            alarms: alarms.clone(),
            journal,
            queue: queue.clone(),
            wake: wake.clone(),
            readings: Lines::default(),
            readings_since: None,
        };
        tasks.spawn(collect.run(shutdown.clone()).instrument(span.clone()));
        let send = Send {
            id: target.id.clone(),
            client,
            queue,
            wake,
            shared: shared.clone(),
        };
        tasks.spawn(send.run(shutdown.clone()).instrument(span.clone()));
    }
}

struct Collect {
    target: InfluxTarget,
    schema: Schema,
    shared: Shared,
    alarms: Alarms,
    journal: Journal,
    queue: Arc<Mutex<Queue>>,
    wake: Arc<Notify>,
    readings: Lines,
    /// When the oldest line in `readings` was added.
    readings_since: Option<Instant>,
}

impl Collect {
    async fn run(mut self, shutdown: Shutdown) {
        let mut points = self.shared.store.subscribe();
        let mut devices = self.shared.board.subscribe();
        let mut transitions = self.alarms.subscribe();
        let mut heartbeat = tokio::time::interval(self.target.heartbeat);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut age = tokio::time::interval(self.target.batch_max_age.min(Duration::from_millis(500)));
        age.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                // The first tick is immediate: a full picture at start.
                _ = heartbeat.tick() => self.heartbeat(),
                change = points.recv() => match change {
                    Ok(c) => self.point_changed(&c),
                    // Fell behind a flood of changes: the current values say it all.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.points_now(),
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                status = devices.recv() => match status {
                    Ok(d) => self.device_changed(&d),
                    Err(broadcast::error::RecvError::Lagged(_)) => self.devices_now(),
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                // Transitions only wake us: the journal is the source, read from our cursor.
                t = transitions.recv() => {
                    if matches!(t, Err(broadcast::error::RecvError::Closed)) {
                        break;
                    }
                    self.events();
                }
                _ = age.tick() => {
                    self.events();
                    if self.readings_since.is_some_and(|s| s.elapsed() >= self.target.batch_max_age) {
                        self.flush();
                    }
                }
            }
        }
        // Stopping. The sources have stopped before us (see `Daemon::stop`): what is still on
        // the channels is the last of it. All of it goes to disk, to be sent after the restart.
        loop {
            match points.try_recv() {
                Ok(c) => self.point_changed(&c),
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.points_now(),
                Err(_) => break,
            }
        }
        loop {
            match devices.try_recv() {
                Ok(d) => self.device_changed(&d),
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.devices_now(),
                Err(_) => break,
            }
        }
        self.events();
        self.flush();
    }

    fn point_changed(&mut self, c: &crate::point::PointChange) {
        let at = c.state.changed_ts.unwrap_or_else(|| self.shared.clock.now());
        self.schema.point(&mut self.readings, c.index.0, &c.state, at);
        self.added();
    }

    fn device_changed(&mut self, d: &crate::sources::DeviceStatus) {
        self.schema.device(
            &mut self.readings,
            d,
            d.since.unwrap_or_else(|| self.shared.clock.now()),
        );
        self.added();
    }

    fn added(&mut self) {
        self.readings_since.get_or_insert_with(Instant::now);
        if self.readings.count() >= self.target.batch_max_lines {
            self.flush();
        }
    }

    fn points_now(&mut self) {
        let now = self.shared.clock.now();
        for (i, state) in self.shared.store.snapshot().iter().enumerate() {
            self.schema.point(&mut self.readings, i, state, now);
            self.added();
        }
    }

    fn devices_now(&mut self) {
        let now = self.shared.clock.now();
        for d in self.shared.board.snapshot() {
            self.schema.device(&mut self.readings, &d, now);
        }
        self.added();
    }

    fn heartbeat(&mut self) {
        self.points_now();
        self.devices_now();
        let history: Option<RunHistory> = self
            .journal
            .load_state("run_history")
            .ok()
            .flatten()
            .and_then(|j| serde_json::from_str(&j).ok());
        if let Some(h) = history {
            self.schema.run_history(&mut self.readings, &h, self.shared.clock.now());
            self.added();
        }
    }

    /// Queues the buffered readings.
    fn flush(&mut self) {
        if self.readings.is_empty() {
            return;
        }
        let now = self.shared.clock.now();
        let pushed = lock(&self.queue).push(self.readings.as_str(), self.readings.count(), false, None, now);
        match pushed {
            Ok(dropped) => self.dropped(dropped),
            Err(e) => {
                // The disk refused: these readings are lost, and said so.
                self.shared
                    .metrics
                    .sink_influx_lines_dropped
                    .add(self.readings.count() as u64);
                tracing::error!("cannot queue {} readings: {e}", self.readings.count());
            }
        }
        self.readings.clear();
        self.readings_since = None;
        self.wake.notify_one();
    }

    /// Queues every alarm event journaled since the cursor, in journal order.
    fn events(&mut self) {
        loop {
            let cursor = lock(&self.queue).cursor();
            let cursor = match cursor {
                Ok(c) => c.unwrap_or(0),
                Err(e) => {
                    tracing::error!("cannot read the alarm-event cursor: {e}");
                    return;
                }
            };
            let rows = match self.journal.after(cursor, EVENTS_PER_BATCH) {
                Ok(rows) if rows.is_empty() => return,
                Ok(rows) => rows,
                Err(e) => {
                    // Left in the journal: retried on the next tick.
                    tracing::error!("cannot read the alarm journal: {e}");
                    return;
                }
            };
            let mut lines = Lines::default();
            for row in &rows {
                self.schema.alarm(&mut lines, row);
            }
            let last = rows.last().map(|r| r.seq);
            let now = self.shared.clock.now();
            // The guard must be gone before `dropped` locks the queue again.
            let pushed = lock(&self.queue).push(lines.as_str(), lines.count(), true, last, now);
            match pushed {
                Ok(dropped) => self.dropped(dropped),
                Err(e) => {
                    tracing::error!("cannot queue {} alarm events (retried): {e}", rows.len());
                    return;
                }
            }
            self.wake.notify_one();
            if rows.len() < EVENTS_PER_BATCH {
                return;
            }
        }
    }

    fn dropped(&self, lines: u64) {
        if lines > 0 {
            self.shared.metrics.sink_influx_lines_dropped.add(lines);
            tracing::warn!(
                "queue over {} bytes: dropped the {lines} oldest readings",
                self.target.queue_max_bytes
            );
        }
        publish_depth(&self.queue, &self.shared);
    }
}

struct Send {
    id: String,
    client: Client,
    queue: Arc<Mutex<Queue>>,
    wake: Arc<Notify>,
    shared: Shared,
}

impl Send {
    async fn run(self, shutdown: Shutdown) {
        let mut backoff = Duration::ZERO;
        let mut failing_since: Option<Instant> = None;
        loop {
            let next = lock(&self.queue).peek();
            let batch = match next {
                Ok(Some(b)) => b,
                Ok(None) => {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = self.wake.notified() => continue,
                    }
                }
                Err(e) => {
                    tracing::error!("cannot read the queue: {e}");
                    if !pause(&shutdown, Duration::from_secs(1)).await {
                        return;
                    }
                    continue;
                }
            };
            let result = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = self.client.write(&batch.body) => r,
            };
            match result {
                Ok(()) => {
                    self.shared.metrics.sink_influx_lines_written.add(batch.lines);
                    if let Some(since) = failing_since.take() {
                        let depth = lock(&self.queue).depth().unwrap_or_default();
                        tracing::info!(
                            target_id = %self.id,
                            "time-series database back after {:.0} s; replaying {} queued batches",
                            since.elapsed().as_secs_f64(),
                            depth.batches
                        );
                    }
                    backoff = Duration::ZERO;
                    self.done(batch.seq);
                }
                Err(WriteError::Refused(e)) => {
                    self.shared.metrics.sink_influx_lines_refused.add(batch.lines);
                    tracing::error!(
                        "the database refused a batch of {} lines{}, dropping it: {e}",
                        batch.lines,
                        if batch.events { " (alarm events)" } else { "" }
                    );
                    self.done(batch.seq);
                }
                Err(WriteError::Retry(e)) => {
                    self.shared.metrics.sink_influx_write_errors.inc();
                    if failing_since.is_none() {
                        failing_since = Some(Instant::now());
                        tracing::warn!("time-series database unreachable, queueing on disk: {e}");
                    } else {
                        tracing::debug!("write failed again: {e}");
                    }
                    backoff = (backoff * 2).clamp(Duration::from_millis(500), MAX_BACKOFF);
                    let jittered = backoff.mul_f64(rand::rng().random_range(0.5..1.0));
                    if !pause(&shutdown, jittered).await {
                        return;
                    }
                }
            }
        }
    }

    fn done(&self, seq: i64) {
        if let Err(e) = lock(&self.queue).remove(seq) {
            tracing::error!("cannot remove a sent batch from the queue (it will be sent again): {e}");
        }
        publish_depth(&self.queue, &self.shared);
    }
}

/// Waits `d`; false if facmon is stopping.
async fn pause(shutdown: &Shutdown, d: Duration) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

fn lock(q: &Mutex<Queue>) -> std::sync::MutexGuard<'_, Queue> {
    q.lock().unwrap_or_else(|e| e.into_inner())
}

fn publish_depth(queue: &Mutex<Queue>, shared: &Shared) {
    if let Ok(d) = lock(queue).depth() {
        let m = &shared.metrics;
        m.sink_influx_queue_batches.set(d.batches);
        m.sink_influx_queue_bytes.set(d.bytes);
        m.sink_influx_queue_oldest_seconds
            .set(d.oldest_age(shared.clock.now()).as_secs());
    }
}
