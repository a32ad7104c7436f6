//! `facmon-sim`: runs the simulated demo building on the addresses that
//! `config/demo.toml` points facmon at.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Parser;
use facmon_sim::{control, embedded_broker, modbus, MqttTarget, Scenario, Sim, SimConfig};
use tokio::net::TcpListener;
use tokio_serial::SerialPortBuilderExt as _;
use tokio_util::sync::CancellationToken;

/// Simulated building plant for facmon: a generator, ATS, utility feeds,
/// booster pumps, water tank, sump pits, fire system and critical rooms of the
/// demo building "demo-plaza", served over Modbus TCP (units 1-7), Modbus RTU
/// (units 10, 11) and MQTT.
#[derive(Debug, Parser)]
#[command(
    name = "facmon-sim",
    version,
    after_help = "\
Commands (stdin, --control port): mains fail|restore; feed feed-1|feed-2 fail|restore; \
set <equipment>.<field> <value>; offline|online <device>; status; help [set|devices|<equipment>].

Examples:
  facmon-sim                                   # Modbus TCP on 127.0.0.1:5020, MQTT to 127.0.0.1:1883
  facmon-sim --embedded-broker --scenario demo # no external broker needed
  facmon-sim --modbus-rtu pty --pty-link /tmp/facmon-demo-rtu
  mbpoll -m tcp -p 5020 -a 1 -t 4 -r 1 -c 1 -1 127.0.0.1   # generator mode: 2 (AUTO)

Ctrl-C stops the simulator (exit status 0)."
)]
struct Cli {
    /// Modbus TCP address for units 1-7 (the `plant-gateway` of config/demo.toml).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5020")]
    modbus_tcp: SocketAddr,

    /// Do not serve Modbus TCP.
    #[arg(long)]
    no_modbus_tcp: bool,

    /// Serial port for the Modbus RTU units 10 and 11 (the `sump-bus`), or
    /// `pty` to create a pseudo-terminal and print the path to open.
    #[arg(long, value_name = "PATH|pty")]
    modbus_rtu: Option<String>,

    /// Baud rate of the RTU serial port (8 data bits, no parity, 1 stop bit).
    #[arg(long, value_name = "BAUD", default_value_t = 9600)]
    baud: u32,

    /// With `--modbus-rtu pty`: make this symlink point at the pty, e.g.
    /// /tmp/facmon-demo-rtu, the path config/demo.toml uses. Removed on exit.
    #[arg(long, value_name = "PATH", requires = "modbus_rtu")]
    pty_link: Option<PathBuf>,

    /// MQTT broker to publish to (`host:port` or `mqtt://host:port`).
    /// Default: the embedded broker if one is started, else 127.0.0.1:1883
    /// (the `site-broker` of config/demo.toml).
    #[arg(long, value_name = "HOST:PORT")]
    mqtt: Option<MqttTarget>,

    /// Do not publish MQTT.
    #[arg(long, conflicts_with = "mqtt")]
    no_mqtt: bool,

    /// MQTT client id.
    #[arg(long, value_name = "ID", default_value = "facmon-sim")]
    mqtt_client_id: String,

    /// Start an MQTT broker in this process on ADDR (default 127.0.0.1:1883;
    /// port 0 picks a free port) and publish to it unless --mqtt is given.
    #[arg(
        long,
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = "127.0.0.1:1883"
    )]
    embedded_broker: Option<SocketAddr>,

    /// Scenario to play from the start: a TOML file or the name of a
    /// built-in one (see --list-scenarios).
    #[arg(long, value_name = "FILE|NAME")]
    scenario: Option<String>,

    /// Serve a line-based control port on ADDR: each line is a command, each
    /// reply one line (`ok ...` or `error: ...`).
    #[arg(long, value_name = "ADDR")]
    control: Option<SocketAddr>,

    /// Read commands from stdin even when it is not a terminal (it is read
    /// by default when it is one).
    #[arg(long)]
    stdin: bool,

    /// Physics step in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    tick_ms: u64,

    /// List the built-in scenarios and exit.
    #[arg(long)]
    list_scenarios: bool,

    /// Print the Modbus register map (Markdown) and exit.
    #[arg(long)]
    print_register_map: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // rumqttd logs ordinary disconnects as errors; its own log is off unless
    // RUST_LOG asks for it.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,rumqttd=off,rumqttc=warn".into()),
        )
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("facmon-sim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.list_scenarios {
        for name in Scenario::builtin_names() {
            let scenario = Scenario::load(name)?;
            let summary = scenario.description.split(". ").next().unwrap_or_default();
            println!("{name:36} {summary}");
        }
        return Ok(());
    }
    if cli.print_register_map {
        print!("{}", modbus::map::markdown());
        return Ok(());
    }
    // Listen for Ctrl-C and SIGTERM before anything is started, so that a
    // signal arriving during start-up still ends in a clean exit 0.
    let signals = Signals::listen()?;
    let tick = Duration::from_millis(cli.tick_ms);
    let scenario = cli.scenario.as_deref().map(Scenario::load).transpose()?;

    let broker = cli.embedded_broker.map(embedded_broker).transpose()?;
    let mqtt = if cli.no_mqtt {
        None
    } else {
        let mut target = match (cli.mqtt, broker) {
            (Some(target), _) => target,
            (None, Some(broker)) => MqttTarget::new(broker.ip().to_string(), broker.port()),
            (None, None) => MqttTarget::new("127.0.0.1", 1883),
        };
        target.client_id = cli.mqtt_client_id;
        Some(target)
    };

    let modbus_tcp = if cli.no_modbus_tcp {
        None
    } else {
        Some(
            TcpListener::bind(cli.modbus_tcp)
                .await
                .with_context(|| format!("cannot listen for Modbus TCP on {}", cli.modbus_tcp))?,
        )
    };

    let mut link = None;
    let modbus_rtu = match cli.modbus_rtu.as_deref() {
        None => None,
        Some("pty") => {
            let (port, path) = modbus::open_pty().context("cannot create a pseudo-terminal")?;
            println!("Modbus RTU (units 10, 11) on {}", path.display());
            if let Some(at) = cli.pty_link {
                link = Some(Symlink::create(&path, at)?);
            }
            Some(port)
        }
        Some(path) => {
            if cli.pty_link.is_some() {
                bail!("--pty-link only works with --modbus-rtu pty");
            }
            Some(
                tokio_serial::new(path, cli.baud)
                    .open_native_async()
                    .with_context(|| format!("cannot open the serial port {path}"))?,
            )
        }
    };

    let sim = Sim::start(SimConfig {
        modbus_tcp,
        modbus_rtu,
        mqtt,
        scenario,
        tick,
    })
    .await?;

    let cancel = CancellationToken::new();
    let control_task = match cli.control {
        Some(addr) => {
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen for the control port on {addr}"))?;
            tracing::info!(addr = %listener.local_addr().unwrap_or(addr), "control port listening");
            Some(tokio::spawn(control::serve_tcp(listener, sim.handle(), cancel.clone())))
        }
        None => None,
    };
    if cli.stdin || std::io::stdin().is_terminal() {
        let handle = sim.handle();
        if std::io::stdin().is_terminal() {
            eprintln!("facmon-sim: type commands here; `help` lists them, Ctrl-C quits");
        }
        std::thread::Builder::new()
            .name("stdin".to_owned())
            .spawn(move || control::stdin_loop(&handle))
            .context("cannot start the stdin reader")?;
    }

    signals.wait().await;
    tracing::info!("stopping");
    cancel.cancel();
    if let Some(task) = control_task {
        let _ = task.await;
    }
    sim.shutdown().await;
    drop(link);
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A symlink to the pty, removed again on exit.
struct Symlink {
    at: PathBuf,
}

impl Symlink {
    fn create(target: &Path, at: PathBuf) -> anyhow::Result<Self> {
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                std::fs::remove_file(&at).with_context(|| format!("cannot replace the old link {}", at.display()))?
            }
            Ok(_) => bail!("{} exists and is not a symlink; refusing to replace it", at.display()),
            Err(_) => {}
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, &at).with_context(|| format!("cannot create the link {}", at.display()))?;
        #[cfg(not(unix))]
        bail!("--pty-link needs a Unix system (target {})", target.display());
        println!("Modbus RTU link {} -> {}", at.display(), target.display());
        Ok(Self { at })
    }
}

impl Drop for Symlink {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.at);
    }
}
