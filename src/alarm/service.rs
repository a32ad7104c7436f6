//! The alarm stage at run time: evaluates every rule on a short tick, applies the outcomes
//! to the alarm book, logs what changed, and publishes transitions for the outputs.
//!
//! Evaluation runs on a fixed tick rather than on every point change: on-delays are seconds
//! long, a tick bounds the work under a flood of changes, and a point that stops changing
//! (a dead device) must still be re-evaluated.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

use super::journal::Journal;
use super::{AlarmBook, Transition, TransitionKind};
use crate::config::Plan;
use crate::rules::engine::RuleEngine;
use crate::shutdown::Shutdown;
use crate::sources::Shared;

/// How often every rule is evaluated.
pub const EVALUATION_TICK: Duration = Duration::from_millis(500);

/// Shared access to the alarm book and its transition feed.
#[derive(Clone)]
pub struct Alarms {
    book: Arc<Mutex<AlarmBook>>,
    transitions: broadcast::Sender<Transition>,
}

impl Alarms {
    fn new() -> Alarms {
        Alarms {
            book: Arc::new(Mutex::new(AlarmBook::new())),
            transitions: broadcast::channel(4096).0,
        }
    }

    /// The book, for reading or for operator operations. Hold it briefly.
    pub fn book(&self) -> MutexGuard<'_, AlarmBook> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every lifecycle transition from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Transition> {
        self.transitions.subscribe()
    }

    /// Publishes transitions made by operator operations, like the ones the rules make.
    pub fn publish(&self, t: Transition) {
        log(&t);
        let _ = self.transitions.send(t);
    }
}

/// Starts the evaluation task.
pub fn spawn(plan: &Arc<Plan>, shared: &Shared, shutdown: &Shutdown, tasks: &mut tokio::task::JoinSet<()>) -> Alarms {
    let alarms = Alarms::new();
    let engine = RuleEngine::new(plan);
    // Without a journal the alarms still run and are announced; the loss of history is
    // logged loudly rather than silencing the plant.
    let journal = match Journal::open(&plan.data_dir) {
        Ok(j) => Some(j),
        Err(e) => {
            tracing::error!("alarm journal unavailable, transitions are not recorded: {e}");
            None
        }
    };
    let span = tracing::info_span!("alarms", site = %plan.site.id);
    tasks.spawn(run(engine, journal, alarms.clone(), shared.clone(), shutdown.clone()).instrument(span));
    alarms
}

async fn run(mut engine: RuleEngine, mut journal: Option<Journal>, alarms: Alarms, shared: Shared, shutdown: Shutdown) {
    let started = Instant::now();
    let mut tick = tokio::time::interval(EVALUATION_TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        let snapshot = shared.store.snapshot();
        let devices = shared.board.snapshot();
        let wall = shared.clock.now();
        let outcomes = engine.evaluate(&snapshot, &devices, started.elapsed(), wall);
        let transitions = alarms.book().apply(&outcomes, wall);
        // Journal first, then publish: an output never sees a transition the journal lacks.
        if let (Some(j), false) = (journal.as_mut(), transitions.is_empty()) {
            if let Err(e) = j.append(&transitions) {
                shared.metrics.journal_errors.inc();
                tracing::error!("cannot record {} alarm transitions: {e}", transitions.len());
            }
        }
        for t in transitions {
            alarms.publish(t);
        }
    }
}

/// One log line per transition; raises people must hear of are warnings.
fn log(t: &Transition) {
    let severity = t.severity.map(|s| s.as_str()).unwrap_or("");
    match &t.kind {
        TransitionKind::Raised if t.announce => {
            tracing::warn!(rule = %t.key.rule, equipment = %t.key.equipment, severity, incident = ?t.incident, "alarm raised")
        }
        kind => {
            tracing::info!(rule = %t.key.rule, equipment = %t.key.equipment, severity, actor = %t.actor, "alarm {kind:?}")
        }
    }
}
