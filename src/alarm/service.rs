//! The alarm stage at run time: evaluates every rule on a short tick, applies the outcomes
//! to the alarm book, records and saves what changed, and publishes transitions for the
//! outputs.
//!
//! Evaluation runs on a fixed tick rather than on every point change: on-delays are seconds
//! long, a tick bounds the work under a flood of changes, and a point that stops changing
//! (a dead device) must still be re-evaluated.
//!
//! **Durable.** Each cycle's transitions go to the journal in the same transaction as the
//! state they led to (the book, the rule timers, the run history), and only then are they
//! published. At start the stage takes that state back: an alarm active before a `kill -9`
//! is active after it, with its acknowledgement and incident, and an on-delay that had run
//! 10 s of 15 s fires 5 s after the restart (the time facmon was down is not counted: nobody
//! watched the condition hold).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::broadcast;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::Instrument;

use super::journal::{Journal, Stamp};
use super::{AlarmBook, OperationError, SavedBook, Transition, TransitionKind};
use crate::config::Plan;
use crate::rules::engine::RuleEngine;
use crate::rules::history::RunHistory;
use crate::rules::timer::TimerRecord;
use crate::shutdown::Shutdown;
use crate::sources::Shared;

/// How often every rule is evaluated.
pub const EVALUATION_TICK: Duration = Duration::from_millis(500);

/// How long the first evaluation waits for every device to answer (or fail) once, so a
/// restart does not mark every rule "cannot evaluate" for the second before the first poll.
pub const STARTUP_GRACE: Duration = Duration::from_secs(5);

/// The run history changes on every cycle while anything runs; minute resolution is plenty
/// for a 31-day rule.
const HISTORY_SAVE_EVERY: Duration = Duration::from_secs(60);

const BOOK: &str = "book";
const TIMERS: &str = "timers";
const RUN_HISTORY: &str = "run_history";

/// Shared access to the alarm book and its transition feed.
///
/// Reading is [`book`](Self::book); changing goes through [`operate`](Self::operate), so an
/// operator's acknowledgement is journaled, saved and published exactly like a rule's raise.
#[derive(Clone)]
pub struct Alarms {
    stage: Arc<Mutex<Stage>>,
    transitions: broadcast::Sender<Transition>,
    shared: Shared,
}

/// The book and its journal under one lock, so a save can never overtake a newer one.
struct Stage {
    book: AlarmBook,
    journal: Option<Journal>,
}

/// Read access to the alarm book (see [`Alarms::book`]).
pub struct BookGuard<'a>(MutexGuard<'a, Stage>);

impl std::ops::Deref for BookGuard<'_> {
    type Target = AlarmBook;

    fn deref(&self) -> &AlarmBook {
        &self.0.book
    }
}

impl Alarms {
    /// The book, for reading. Hold it briefly: the evaluation waits for it.
    pub fn book(&self) -> BookGuard<'_> {
        BookGuard(self.lock())
    }

    /// Every lifecycle transition from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Transition> {
        self.transitions.subscribe()
    }

    /// Runs an operator operation (acknowledge, shelve, reset a latch, out of service) at
    /// the current time; its transition is journaled with the new book, then published.
    ///
    /// ```ignore
    /// alarms.operate(|book, now| book.acknowledge("PWR-02", "gen-1", "王工", None, now))?;
    /// ```
    pub fn operate<F>(&self, op: F) -> Result<Transition, OperationError>
    where
        F: FnOnce(&mut AlarmBook, SystemTime) -> Result<Transition, OperationError>,
    {
        let now = self.shared.clock.now();
        let mut stage = self.lock();
        let t = op(&mut stage.book, now)?;
        let saved = save_book(&stage.book);
        let stamps = stamps(&stage.book, std::slice::from_ref(&t));
        self.record(&mut stage, std::slice::from_ref(&t), &stamps, &[(BOOK, &saved)], now);
        drop(stage);
        self.publish(t.clone());
        Ok(t)
    }

    fn lock(&self) -> MutexGuard<'_, Stage> {
        self.stage.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, t: Transition) {
        log(&t);
        let _ = self.transitions.send(t);
    }

    /// Journals transitions and saves state; a failure is logged and counted, and the
    /// alarms still go out: losing history must not silence the plant.
    fn record(
        &self,
        stage: &mut Stage,
        transitions: &[Transition],
        stamps: &[Stamp],
        state: &[(&str, &str)],
        now: SystemTime,
    ) {
        let Some(journal) = stage.journal.as_mut() else { return };
        if transitions.is_empty() && state.is_empty() {
            return;
        }
        if let Err(e) = journal.record(transitions, stamps, state, now) {
            self.shared.metrics.journal_errors.inc();
            tracing::error!(
                "cannot record {} alarm transitions and the alarm state: {e}",
                transitions.len()
            );
        }
    }
}

/// Starts the evaluation task, with the state a previous run saved.
pub fn spawn(plan: &Arc<Plan>, shared: &Shared, shutdown: &Shutdown, tasks: &mut tokio::task::JoinSet<()>) -> Alarms {
    let journal = match Journal::open(&plan.data_dir) {
        Ok(j) => Some(j),
        Err(e) => {
            shared.metrics.journal_errors.inc();
            tracing::error!(
                "alarm journal unavailable, transitions are not recorded and the alarm state is not kept: {e}"
            );
            None
        }
    };
    let (book, timers, history) = match &journal {
        Some(j) => restore(j, shared),
        None => (AlarmBook::new(), Vec::new(), RunHistory::default()),
    };
    let engine = RuleEngine::restore(plan, timers, history);
    let alarms = Alarms {
        stage: Arc::new(Mutex::new(Stage { book, journal })),
        transitions: broadcast::channel(4096).0,
        shared: shared.clone(),
    };
    let span = tracing::info_span!("alarms", site = %plan.site.id);
    tasks.spawn(run(engine, alarms.clone(), shutdown.clone()).instrument(span));
    alarms
}

/// Takes back what a previous run saved. A document that cannot be read is logged and
/// counted, and that part starts fresh: the rules rebuild it from the plant.
fn restore(journal: &Journal, shared: &Shared) -> (AlarmBook, Vec<TimerRecord>, RunHistory) {
    fn load<T: serde::de::DeserializeOwned + Default>(journal: &Journal, name: &str, shared: &Shared) -> T {
        let parsed = journal.load_state(name).map_err(|e| e.to_string()).and_then(|json| {
            json.map(|j| serde_json::from_str(&j).map_err(|e| e.to_string()))
                .transpose()
        });
        match parsed {
            Ok(v) => v.unwrap_or_default(),
            Err(e) => {
                shared.metrics.journal_errors.inc();
                tracing::error!("cannot restore the saved alarm state `{name}`, starting it fresh: {e}");
                T::default()
            }
        }
    }
    let saved: SavedBook = load(journal, BOOK, shared);
    let timers: Vec<TimerRecord> = load(journal, TIMERS, shared);
    let history: RunHistory = load(journal, RUN_HISTORY, shared);
    let active = saved.alarms.iter().filter(|a| a.active).count();
    if !saved.alarms.is_empty() || !timers.is_empty() {
        tracing::info!(
            alarms = saved.alarms.len(),
            active,
            incidents = saved.incidents.iter().filter(|i| i.is_open()).count(),
            timers = timers.len(),
            "alarm state restored"
        );
    }
    (AlarmBook::restore(saved), timers, history)
}

/// Each transition's alarm state after the cycle, for the journal.
fn stamps(book: &AlarmBook, transitions: &[Transition]) -> Vec<Stamp> {
    transitions
        .iter()
        .map(|t| Stamp {
            state: book.state(&t.key.rule, &t.key.equipment),
            active: book.get(&t.key.rule, &t.key.equipment).is_some_and(|a| a.active),
        })
        .collect()
}

fn save_book(book: &AlarmBook) -> String {
    serde_json::to_string(&book.saved()).unwrap_or_default()
}

/// What was last written, so unchanged state is not rewritten every tick.
#[derive(Default)]
struct LastSaved {
    timers: String,
    history: String,
    history_at: Option<Instant>,
}

async fn run(mut engine: RuleEngine, alarms: Alarms, shutdown: Shutdown) {
    let started = Instant::now();
    let shared = alarms.shared.clone();
    let mut devices_seen = shared.board.updates();
    let all_seen = |b: &crate::sources::DeviceBoard| b.snapshot().iter().all(|d| d.online.is_some());
    tokio::select! {
        _ = shutdown.cancelled() => return,
        _ = tokio::time::sleep(STARTUP_GRACE) => {}
        _ = async { while !all_seen(&shared.board) && devices_seen.changed().await.is_ok() {} } => {}
    }
    let mut last = LastSaved::default();
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
        cycle(&engine, &alarms, &outcomes, wall, &mut last, false);
    }
    let wall = shared.clock.now();
    cycle(&engine, &alarms, &[], wall, &mut last, true);
}

/// Applies one evaluation; journals and saves (state first, then publish).
fn cycle(
    engine: &RuleEngine,
    alarms: &Alarms,
    outcomes: &[crate::rules::outcome::RuleOutcome],
    wall: SystemTime,
    last: &mut LastSaved,
    final_save: bool,
) {
    let mut stage = alarms.lock();
    let transitions = if outcomes.is_empty() {
        Vec::new()
    } else {
        stage.book.apply(outcomes, wall)
    };
    let book = (!transitions.is_empty() || final_save).then(|| save_book(&stage.book));
    let timers = serde_json::to_string(&engine.timers()).unwrap_or_default();
    let timers = (timers != last.timers).then_some(timers);
    let history_due = final_save || last.history_at.is_none_or(|t| t.elapsed() >= HISTORY_SAVE_EVERY);
    if history_due {
        // Checked once per period, whether or not it changed: not serialised on every tick.
        last.history_at = Some(Instant::now());
    }
    let history = history_due
        .then(|| serde_json::to_string(engine.run_history()).unwrap_or_default())
        .filter(|h| *h != last.history);
    let mut state: Vec<(&str, &str)> = Vec::new();
    if let Some(b) = &book {
        state.push((BOOK, b));
    }
    if let Some(t) = &timers {
        state.push((TIMERS, t));
    }
    if let Some(h) = &history {
        state.push((RUN_HISTORY, h));
    }
    let stamps = stamps(&stage.book, &transitions);
    alarms.record(&mut stage, &transitions, &stamps, &state, wall);
    drop(stage);
    if let Some(t) = timers {
        last.timers = t;
    }
    if let Some(h) = history {
        last.history = h;
    }
    for t in transitions {
        alarms.publish(t);
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
