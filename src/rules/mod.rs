//! Rules: the site's emergency procedures (`docs/procedures.md`) evaluated against the live
//! points. Pure code: a snapshot and a time in, [`RuleOutcome`]s out; no I/O, no sleeps.
//!
//! * [`engine`] — [`RuleEngine`]: builds the rule set from the plan and evaluates it.
//! * [`input`] — reading roles from a snapshot; what "cannot be trusted" means.
//! * [`timer`] — on-delays, escalations and holds on an injected monotonic clock; they
//!   survive a brief stale blip and can be listed and restored.
//! * [`history`] — when fire pumps, fans and power changeovers were last exercised.
//! * [`settings`] — every rule's defaults and the `[rules.<id>]` /
//!   `[equipment.rules.<id>]` overrides, checked at config load.
//! * one module per procedure family: `power` (PWR-01 … PWR-10), `water` (WAT-01 … WAT-06),
//!   `drainage` (DRN-01 … DRN-05), `fire` (FIRE-01 … FIRE-05), `comms` (COM-01). Each
//!   starts with a table of its rules: which equipment each reports on and when.
//! * [`custom`] — the site's own `[[custom_rules]]`: threshold with on/off-delay and
//!   deadband, state equals value, rate of change.
//! * [`outcome`] — what a rule says: normal, active (message, diagnosis, action, in Chinese
//!   and English) or unknown (and why).
//!
//! Three principles hold for every rule:
//!
//! 1. A rule is **active** only when the good inputs prove its condition; a stale or bad
//!    input never hides an alarm the other inputs prove.
//! 2. Otherwise, if an input it needs is not good, it is **unknown**, never normal, with the
//!    point and the reason ("cannot evaluate PWR-02: ats-1.mains_available is stale").
//! 3. Optional roles a site did not bind simply do not contribute.

mod comms;
mod context;
pub mod custom;
mod drainage;
pub mod engine;
mod fire;
pub mod history;
pub mod input;
pub mod outcome;
mod power;
pub mod settings;
pub mod timer;
mod water;

#[cfg(test)]
mod tests;

pub use comms::COM_01;
pub use drainage::{DRN_01, DRN_02, DRN_03, DRN_04, DRN_05};
pub use engine::RuleEngine;
pub use fire::{FIRE_01, FIRE_02, FIRE_03, FIRE_04, FIRE_05};
pub use history::RunHistory;
pub use outcome::{Condition, Finding, RuleOutcome, Severity, Text};
pub use power::{PWR_01, PWR_02, PWR_03, PWR_04, PWR_05, PWR_06, PWR_07, PWR_08, PWR_09, PWR_10};
pub use timer::{TimerKey, TimerRecord};
pub use water::{WAT_01, WAT_02, WAT_03, WAT_04, WAT_05, WAT_06};
