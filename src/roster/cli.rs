//! `facmon roster now | at "<local time>"`. (Stub: filled in by the roster work.)

use std::time::SystemTime;

use crate::config::Plan;

/// The `facmon roster` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RosterCommand {
    /// Who holds each role now.
    Now,
    /// Who holds each role at a local time of the roster's time zone, e.g. "2026-11-24 03:00".
    At {
        #[arg(value_name = "LOCAL_TIME")]
        time: String,
    },
}

/// Runs one subcommand; returns the text to print.
pub fn run(plan: &Plan, cmd: &RosterCommand, now: SystemTime) -> Result<String, String> {
    let _ = (plan, cmd, now);
    Err("not built yet".into())
}
