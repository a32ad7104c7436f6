//! `facmon ticket …` and `facmon report sla`. (Stub: filled in by the ticket work.)

use std::time::SystemTime;

use crate::config::Plan;

/// The `facmon ticket` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TicketCommand {
    /// List open tickets.
    List,
}

/// `facmon report sla` arguments.
#[derive(Debug, clap::Args)]
pub struct SlaReportArgs {
    /// The month, e.g. 2026-11 (in the roster's time zone).
    #[arg(long)]
    pub month: String,
    /// table, csv or json.
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
    pub format: String,
}

/// Runs one ticket subcommand; returns the text to print.
pub fn run(plan: &Plan, cmd: &TicketCommand, now: SystemTime) -> Result<String, String> {
    let _ = (plan, cmd, now);
    Err("not built yet".into())
}

/// `facmon report sla`; returns the text to print.
pub fn sla_report(plan: &Plan, args: &SlaReportArgs, now: SystemTime) -> Result<String, String> {
    let _ = (plan, args, now);
    Err("not built yet".into())
}
