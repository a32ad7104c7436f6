//! facmon watches a building's critical plant — generators, transfer switches, pumps, tanks,
//! sump pits, fire-alarm panels — and acts on the site's emergency procedures.
//!
//! # Layout
//!
//! Data flows one way; the modules follow it:
//!
//! * [`config`] — turns a TOML file (plus `FACMON__…` environment overrides) into a checked
//!   [`config::Plan`]: site → buildings → equipment with kinds and point roles, each role
//!   bound to a Modbus register or an MQTT topic. Every problem is reported at once.
//! * [`sources`] — field I/O. `modbus` polls TCP connections and RTU buses (one task each,
//!   coalesced reads, a deadline on every request, per-device backoff); `mqtt` subscribes
//!   to brokers; `status` keeps each device's communication state for COM-01.
//! * [`point`] — point ids, values and quality, the decoders chosen at load time, and the
//!   live [`point::PointStore`] with its change feed. Quality is never hidden: `stale`
//!   and `bad` travel with every value.
//! * [`rules`] — every procedure rule (PWR, WAT, DRN, FIRE, COM; one file per family) and
//!   the site's configured rules: a point snapshot and a time in, one verdict per rule and
//!   equipment out — normal, active (with the procedure's diagnosis and action in zh-CN and
//!   English) or unknown, never normal when an input cannot be trusted.
//! * [`alarm`] — the ISA-18.2 lifecycle on those verdicts (acknowledge, shelve, latch,
//!   suppression by design, out of service, chatter, incidents), its journal, its KPIs, and
//!   the stage that runs it and keeps it across restarts.
//! * [`sinks`] — outputs, each with its own bounded queue: `mqtt_alarms` publishes every
//!   alarm's state (retained) and every lifecycle event on MQTT; `influx` writes every
//!   reading and alarm event to a time-series database through a disk queue.
//! * [`ticket`] — work orders from the alarm journal: one per incident, a time-stamped
//!   lifecycle, SLA deadlines and breaches, the monthly SLA report.
//! * [`roster`] — who holds each procedure role (duty electrician, control room, …) when.
//! * [`notify`] — pages for ticket events: routes to roles, the roster's people, their
//!   channels (webhook, WeCom, DingTalk, e-mail, MQTT), through a durable outbox, repeated
//!   and escalated until someone answers.
//! * [`api`] — the HTTP API and web console ([`console`]): live state, alarm and ticket
//!   operations with users, tokens, sessions and an audit log, a live event stream, health
//!   and metrics (`docs/api.md`).
//! * [`daemon`] — starts the stages for a plan and stops them in order.
//! * [`demo`] — `facmon demo`: the simulated building (crate `facmon-sim`) plus the daemon,
//!   with a live terminal view.
//! * [`db`] — the one embedded SQLite file every durable table lives in, and its migrations.
//! * [`clock`], [`shutdown`], [`telemetry`] — shared plumbing: injected wall time, one stop
//!   signal, the daemon's own counters.

pub mod alarm;
pub mod api;
pub mod clock;
pub mod config;
pub mod console;
pub mod daemon;
pub mod db;
pub mod demo;
pub mod notify;
pub mod point;
pub mod roster;
pub mod rules;
pub mod shutdown;
pub mod sinks;
pub mod sources;
pub mod telemetry;
pub mod ticket;
