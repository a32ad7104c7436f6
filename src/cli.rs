//! Command line: parses arguments, sets up logging, and maps errors to exit codes.
//! `anyhow` lives here and nowhere in the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use facmon::shutdown::{Shutdown, StopSignals};
use facmon::{clock, config, daemon::Daemon, demo};

/// facmon watches a building's critical plant (generators, transfer switches, pumps, tanks,
/// sump pits, fire panels) over Modbus and MQTT and acts on the site's emergency procedures.
#[derive(Parser, Debug)]
#[command(name = "facmon", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the daemon against real field devices, as described by a config file.
    Run {
        /// The site config (TOML). Keys may be overridden by FACMON__SECTION__KEY variables.
        #[arg(long, short, value_name = "FILE")]
        config: PathBuf,
        /// Log format: "text" for people, "json" for log collectors.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        log_format: String,
    },
    /// Validate a config file and print every problem found (exit code 1 if any).
    CheckConfig {
        /// The site config (TOML) to check.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Also print the resolved plan (devices, read requests, points) as JSON.
        #[arg(long)]
        print_plan: bool,
    },
    /// Print alarm-system KPIs from the alarm journal: alarms per 10 minutes, floods,
    /// chattering and stale alarms, the ten most frequent.
    Kpi {
        /// The site config (its data_dir holds the journal).
        #[arg(long, short, value_name = "FILE")]
        config: PathBuf,
        /// How far back: e.g. 30m, 24h, 7d.
        #[arg(long, default_value = "7d", value_parser = parse_span)]
        since: Duration,
    },
    /// Run the simulated demo building and the daemon wired to it, with a live view in the
    /// terminal. Needs no external services. Ctrl-C to stop.
    Demo {
        /// Scenario to play: a built-in name (demo, outage_generator_manual, outage_auto_start,
        /// duty_pump_trip_standby_failed, sump_pit_flooding, fire_alarm) or a scenario file.
        #[arg(long, default_value = "demo", value_name = "NAME|FILE")]
        scenario: String,
        /// Stop by itself after this many seconds (default: run until Ctrl-C).
        #[arg(long, value_name = "SECONDS")]
        duration_s: Option<u64>,
        /// Print change lines only, never redraw the table in place (default when the output
        /// is not a terminal).
        #[arg(long)]
        plain: bool,
    },
    /// Who holds each role (duty_electrician, mep_crew, control_room, …), from the roster.
    Roster {
        /// The site config (its [roster]).
        #[arg(long, short, value_name = "FILE", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: facmon::roster::cli::RosterCommand,
    },
    /// Work-order tickets: list, show, open by hand, and move through their lifecycle.
    Ticket {
        /// The site config (its data_dir holds the tickets).
        #[arg(long, short, value_name = "FILE", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: facmon::ticket::cli::TicketCommand,
    },
    /// People who may use the HTTP API and console (stored in the data directory).
    User {
        /// The site config (its data_dir holds the users).
        #[arg(long, short, value_name = "FILE", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: facmon::api::auth::cli::UserCommand,
    },
    /// API tokens for machines (a dashboard, a BMS gateway).
    Token {
        /// The site config (its data_dir holds the tokens).
        #[arg(long, short, value_name = "FILE", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: facmon::api::auth::cli::TokenCommand,
    },
    /// Reports from the database.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
}

#[derive(Subcommand, Debug)]
enum ReportCommand {
    /// Monthly repair timeliness (SLA-05): tickets on site within their SLA, per category.
    Sla {
        /// The site config (its data_dir holds the tickets).
        #[arg(long, short, value_name = "FILE")]
        config: PathBuf,
        #[command(flatten)]
        args: facmon::ticket::cli::SlaReportArgs,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config, log_format } => {
            init_logging(&log_format, "info");
            runtime().and_then(|rt| rt.block_on(run(config)))
        }
        Command::CheckConfig { file, print_plan } => return check_config(&file, print_plan),
        Command::Kpi { config, since } => kpi(&config, since),
        Command::Demo {
            scenario,
            duration_s,
            plain,
        } => {
            // The embedded broker reports client disconnects as errors; they are not the user's.
            init_logging("text", "warn,rumqttd=off");
            let opts = demo::DemoOptions {
                scenario,
                duration: duration_s.map(Duration::from_secs),
                plain,
            };
            runtime().and_then(|rt| rt.block_on(demo::run(opts)).map_err(anyhow::Error::from))
        }
        Command::Roster { config, command } => {
            with_plan(config, |plan, now| facmon::roster::cli::run(plan, &command, now))
        }
        Command::Ticket { config, command } => {
            with_plan(config, |plan, now| facmon::ticket::cli::run(plan, &command, now))
        }
        Command::User { config, command } => with_plan(config, |plan, now| {
            facmon::api::auth::cli::user(plan, &command, now).map_err(|e| e.to_string())
        }),
        Command::Token { config, command } => with_plan(config, |plan, now| {
            facmon::api::auth::cli::token(plan, &command, now).map_err(|e| e.to_string())
        }),
        Command::Report {
            command: ReportCommand::Sla { config, args },
        } => with_plan(Some(config), |plan, now| {
            facmon::ticket::cli::sla_report(plan, &args, now)
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("facmon: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Loads the config, runs `f` at the current time and prints what it returns.
fn with_plan(
    config: Option<PathBuf>,
    f: impl FnOnce(&config::Plan, std::time::SystemTime) -> Result<String, String>,
) -> anyhow::Result<()> {
    use facmon::clock::Clock as _;
    let config = config.context("give the site config with --config FILE")?;
    let plan = config::load(&config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = f(&plan, clock::SystemClock.now()).map_err(|e| anyhow::anyhow!("{e}"))?;
    print!("{text}");
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn init_logging(format: &str, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FACMON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn check_config(file: &std::path::Path, print_plan: bool) -> ExitCode {
    match config::load(file) {
        Ok(plan) => {
            println!(
                "{}: OK: site {}, {} buildings, {} equipment, {} points, {} Modbus connections ({} devices), {} MQTT brokers",
                file.display(),
                plan.site.id,
                plan.buildings.len(),
                plan.equipment.len(),
                plan.points.len(),
                plan.connections.len(),
                plan.devices.len(),
                plan.brokers.len()
            );
            if print_plan {
                match serde_json::to_string_pretty(&plan) {
                    Ok(json) => println!("{json}"),
                    Err(e) => eprintln!("cannot print the plan: {e}"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{errors}");
            ExitCode::from(1)
        }
    }
}

async fn run(config_path: PathBuf) -> anyhow::Result<()> {
    let mut signals = StopSignals::new().context("cannot listen for SIGINT/SIGTERM")?;
    let plan = config::load(&config_path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let daemon = Daemon::start(plan, clock::system(), Shutdown::new());
    signals.recv().await;
    tracing::info!("stopping");
    daemon.stop(Duration::from_secs(5)).await;
    Ok(())
}

/// `30m`, `24h`, `7d` → a duration.
fn parse_span(s: &str) -> Result<Duration, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("\"{s}\" is not a span like 30m, 24h or 7d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("\"{s}\": use s, m, h or d (e.g. 7d)")),
    };
    Ok(Duration::from_secs(n * secs))
}

fn kpi(config_path: &std::path::Path, since: Duration) -> anyhow::Result<()> {
    use facmon::alarm::{journal::Journal, kpi};
    use facmon::clock::Clock as _;
    let plan = config::load(config_path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let journal = Journal::open(&plan.data_dir)?;
    let now = clock::SystemClock.now();
    let from = now - since;
    let rows = journal.since(from)?;
    println!(
        "alarm KPIs for site {} since {} ({} journal rows)",
        plan.site.id,
        humantime_ago(since),
        rows.len()
    );
    print!("{}", kpi::render(&kpi::compute(&rows, from, now)));
    Ok(())
}

fn humantime_ago(d: Duration) -> String {
    let s = d.as_secs();
    if s % 86_400 == 0 {
        format!("{} d ago", s / 86_400)
    } else if s % 3600 == 0 {
        format!("{} h ago", s / 3600)
    } else {
        format!("{} min ago", s / 60)
    }
}
