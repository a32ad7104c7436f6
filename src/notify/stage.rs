//! The ticket and notification stage: alarm journal in, tickets and pages out.
//!
//! Two tasks. The **desk** reads the alarm journal from its own cursor (like the time-series
//! writer, so nothing journaled while facmon was down is missed), lets the ticket desk open
//! and update tickets, checks the SLA timers, and plans the pages those changes call for —
//! first pages, repeats while nobody has acknowledged, escalations — into the outbox, all in
//! one SQLite transaction with the cursor. The **sender** sends what the outbox holds and
//! marks each row only when its channel confirmed it. A crash anywhere loses nothing, and a
//! replayed journal row plans nothing twice (idempotency keys).

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{broadcast, Notify};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::channel::{Channels, SendError};
use super::outbox;
use super::planner::Planner;
use crate::alarm::journal::Journal;
use crate::alarm::Alarms;
use crate::config::Plan;
use crate::db::{self, Db};
use crate::shutdown::Shutdown;
use crate::sources::Shared;
use crate::ticket::{store, Desk};

/// How often SLA timers and repeats are looked at without a new alarm transition.
const DESK_TICK: Duration = Duration::from_secs(1);
/// Journal rows taken per transaction.
const ROWS_PER_CYCLE: usize = 500;
/// The desk's position in the alarm journal (`stage_cursor` table).
const CURSOR: &str = "tickets";

/// Why one pass of the desk failed (its rows stay after the cursor and are taken again).
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error(transparent)]
    Ticket(#[from] crate::ticket::TicketError),
    #[error("notification outbox: {0}")]
    Outbox(#[from] rusqlite::Error),
    #[error(transparent)]
    Journal(#[from] crate::alarm::journal::JournalError),
}

/// Starts the desk and the sender.
pub fn spawn(plan: &Arc<Plan>, alarms: &Alarms, shared: &Shared, shutdown: &Shutdown, tasks: &mut JoinSet<()>) {
    let span = tracing::info_span!("tickets", site = %plan.site.id);
    let _enter = span.enter();
    let opened = db::open(&plan.data_dir).and_then(|d| Ok((d, db::open(&plan.data_dir)?)));
    let journal = Journal::open(&plan.data_dir);
    let ((desk_db, sender_db), journal) = match (opened, journal) {
        (Ok(dbs), Ok(j)) => (dbs, j),
        (Err(e), _) => {
            tracing::error!("tickets and notifications disabled: {e}");
            return;
        }
        (_, Err(e)) => {
            tracing::error!("tickets and notifications disabled: cannot read the alarm journal: {e}");
            return;
        }
    };
    let wake = Arc::new(Notify::new());
    let channels = Channels::start(plan, shared.clock.clone(), shutdown, tasks);
    let desk = DeskTask {
        plan: plan.clone(),
        db: desk_db,
        journal,
        alarms: alarms.clone(),
        shared: shared.clone(),
        wake: wake.clone(),
    };
    tasks.spawn(desk.run(shutdown.clone()).instrument(span.clone()));
    let sender = Sender {
        db: sender_db,
        channels,
        shared: shared.clone(),
        wake,
    };
    tasks.spawn(sender.run(shutdown.clone()).instrument(span.clone()));
}

struct DeskTask {
    plan: Arc<Plan>,
    db: Db,
    journal: Journal,
    alarms: Alarms,
    shared: Shared,
    wake: Arc<Notify>,
}

impl DeskTask {
    async fn run(mut self, shutdown: Shutdown) {
        let mut transitions = self.alarms.subscribe();
        let mut tick = tokio::time::interval(DESK_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {}
                t = transitions.recv() => if matches!(t, Err(broadcast::error::RecvError::Closed)) { break },
            }
            self.cycle();
        }
        // The alarm stage stopped before us: what it journaled last is handled now.
        self.cycle();
    }

    /// Takes every journal row after the cursor, then the timers; logs what fails (the rows
    /// stay after the cursor and are taken again next time).
    fn cycle(&mut self) {
        loop {
            match self.one_transaction() {
                Ok(more) if more => continue,
                Ok(_) => return,
                Err(e) => {
                    tracing::error!("ticket stage: {e}");
                    return;
                }
            }
        }
    }

    /// One transaction; true if more journal rows are waiting.
    fn one_transaction(&mut self) -> Result<bool, StageError> {
        let now = self.shared.clock.now();
        let cursor = store::cursor(&self.db.conn, CURSOR)?;
        let rows = self.journal.after(cursor, ROWS_PER_CYCLE)?;
        let tx = self.db.conn.transaction()?;
        let desk = Desk::new(&self.plan.tickets);
        let mut events = desk.apply(&tx, &rows, now)?;
        events.extend(desk.check_sla(&tx, now)?);
        // The alarm's current words (diagnosis, action) for the page; the book is locked only
        // for the copy.
        let alarms = &self.alarms;
        let finding = |rule: &str, equipment: &str| alarms.book().get(rule, equipment).and_then(|a| a.finding.clone());
        let planner = Planner::new(&self.plan, &finding, &self.shared.metrics);
        let mut planned = planner.plan(&tx, &events, now)?;
        planned += planner.repeats(&tx, now)?;
        planned += planner.export(&tx, now)?;
        if let Some(last) = rows.last() {
            store::set_cursor(&tx, CURSOR, last.seq)?;
        }
        tx.commit()?;
        if planned > 0 {
            self.wake.notify_one();
        }
        Ok(rows.len() == ROWS_PER_CYCLE)
    }
}

struct Sender {
    db: Db,
    channels: Channels,
    shared: Shared,
    wake: Arc<Notify>,
}

impl Sender {
    async fn run(self, shutdown: Shutdown) {
        loop {
            let now = self.shared.clock.now();
            let due = match outbox::due(&self.db.conn, now, 20) {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!("cannot read the notification outbox: {e}");
                    Vec::new()
                }
            };
            for p in &due {
                let result = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    r = self.channels.send(&p.channel, &p.envelope.to, &p.envelope.message) => r,
                };
                self.record(p, result);
            }
            self.publish_depth();
            if !due.is_empty() {
                continue;
            }
            // Nothing due: sleep until the next retry falls due, or new rows arrive.
            let wait = outbox::next_due(&self.db.conn)
                .ok()
                .flatten()
                .map(|t| t.duration_since(self.shared.clock.now()).unwrap_or_default())
                .unwrap_or(Duration::from_secs(60))
                .clamp(Duration::from_millis(50), Duration::from_secs(60));
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn record(&self, p: &outbox::Pending, result: Result<(), SendError>) {
        let now = self.shared.clock.now();
        let m = &self.shared.metrics;
        let to = &p.envelope.to.name;
        let written = match result {
            Ok(()) => {
                m.notify_sent.inc();
                tracing::info!(channel = %p.channel, to = %to, key = %p.envelope.message.key, "notified");
                outbox::sent(&self.db.conn, p.id, now)
            }
            Err(SendError::Retry(e)) => {
                m.notify_retries.inc();
                let wait = outbox::backoff(p.attempts).mul_f64(rand::rng().random_range(0.5..1.0));
                if p.attempts == 0 {
                    tracing::warn!(channel = %p.channel, to = %to, "cannot notify yet, retrying: {e}");
                }
                outbox::retry(&self.db.conn, p.id, now + wait, &e)
            }
            Err(SendError::Refused(e)) => {
                m.notify_failed.inc();
                tracing::error!(channel = %p.channel, to = %to, "notification refused, not retried: {e}");
                outbox::failed(&self.db.conn, p.id, now, &e)
            }
        };
        if let Err(e) = written {
            // The send happened; if the mark is lost the row is sent again with the same key.
            tracing::error!("cannot update the notification outbox: {e}");
        }
    }

    fn publish_depth(&self) {
        if let Ok((pending, _, _)) = outbox::counts(&self.db.conn) {
            self.shared.metrics.notify_outbox_pending.set(pending);
        }
    }
}
