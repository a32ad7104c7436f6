//! The simulator over real sockets, a real pty and a real broker.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use facmon_sim::{control, embedded_broker, modbus, MqttTarget, Scenario, Sim, SimConfig, SimEvent};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_modbus::prelude::*;
use tokio_serial::SerialPortBuilderExt as _;

/// Generous bound for things that happen in milliseconds.
const PATIENCE: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

async fn wait_event(
    events: &mut broadcast::Receiver<SimEvent>,
    what: &str,
    want: impl Fn(&SimEvent) -> bool,
) -> SimEvent {
    within(what, async {
        loop {
            match events.recv().await {
                Ok(ev) if want(&ev) => return ev,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("event channel closed"),
            }
        }
    })
    .await
}

async fn tcp_sim() -> (Sim, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = Sim::start(SimConfig {
        modbus_tcp: Some(listener),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let addr = sim.modbus_tcp_addr().unwrap();
    (sim, addr)
}

#[tokio::test]
async fn modbus_tcp_round_trip_decodes_the_documented_values() {
    let (sim, addr) = tcp_sim().await;
    let mut ctx = tcp::connect_slave(addr, Slave(1)).await.unwrap();
    assert_eq!(ctx.read_holding_registers(0, 1).await.unwrap(), Ok(vec![2]));
    let input = ctx.read_input_registers(0, 9).await.unwrap().unwrap();
    let cdab = f32::from_bits((u32::from(input[5]) << 16) | u32::from(input[4]));
    assert_eq!(cdab, 82.0);
    let hours = (u32::from(input[6]) << 16) | u32::from(input[7]);
    assert_eq!(hours, 123_456);
    assert_eq!(input[8] & (1 << 4), 1 << 4, "in AUTO");
    assert_eq!(
        ctx.read_discrete_inputs(0, 4).await.unwrap(),
        Ok(vec![false, false, false, true])
    );

    ctx.set_slave(Slave(4));
    let p = ctx.read_input_registers(0, 2).await.unwrap().unwrap();
    assert_eq!(f32::from_bits((u32::from(p[0]) << 16) | u32::from(p[1])), 4.5);

    ctx.set_slave(Slave(6));
    assert_eq!(ctx.read_input_registers(0, 1).await.unwrap(), Ok(vec![600]));
    // A drained main with a tripped pump stays at the transmitter's -0.05 bar.
    sim.command("set fire-pump-1.fault true").unwrap();
    sim.command("set fire-main-1.demand true").unwrap();
    sim.command("set fire-main-1.pressure -0.05").unwrap();
    assert_eq!(ctx.read_input_registers(0, 1).await.unwrap(), Ok(vec![(-5_i16) as u16]));

    assert_eq!(
        ctx.read_holding_registers(0, 1).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    assert_eq!(
        ctx.write_single_coil(0, true).await.unwrap(),
        Err(ExceptionCode::IllegalFunction)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn commands_show_up_in_the_registers() {
    let (sim, addr) = tcp_sim().await;
    let mut ctx = tcp::connect_slave(addr, Slave(1)).await.unwrap();
    assert_eq!(sim.command("set gen-1.mode MANUAL").unwrap(), "gen-1.mode = MANUAL");
    assert_eq!(ctx.read_holding_registers(0, 1).await.unwrap(), Ok(vec![1]));
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_unit_and_an_offline_device_get_no_answer() {
    let (sim, addr) = tcp_sim().await;
    let silent = |unit: u8| async move {
        let mut ctx = tcp::connect_slave(addr, Slave(unit)).await.unwrap();
        tokio::time::timeout(Duration::from_millis(300), ctx.read_holding_registers(0, 1))
            .await
            .is_err()
    };
    assert!(silent(9).await, "unit 9 answered");
    assert!(silent(10).await, "an RTU unit answered over TCP");

    let mut events = sim.events();
    sim.command("offline gen-1").unwrap();
    let ev = wait_event(&mut events, "DeviceOffline", |e| {
        matches!(e, SimEvent::DeviceOffline { .. })
    })
    .await;
    assert_eq!(
        ev,
        SimEvent::DeviceOffline {
            device: "gen-1-controller".into()
        }
    );
    assert!(silent(1).await, "an offline device answered");

    sim.command("online gen-1-controller").unwrap();
    let mut ctx = tcp::connect_slave(addr, Slave(1)).await.unwrap();
    assert_eq!(
        within("unit 1", ctx.read_holding_registers(0, 1)).await.unwrap(),
        Ok(vec![2])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn modbus_rtu_round_trip_over_a_pty_survives_the_client_reopening_the_port() {
    let (port, path) = modbus::open_pty().unwrap();
    let sim = Sim::start(SimConfig {
        modbus_rtu: Some(port),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for round in 0..2 {
        let serial = tokio_serial::new(path.to_string_lossy(), 9600)
            .open_native_async()
            .unwrap();
        let mut ctx = rtu::attach_slave(serial, Slave(10));
        assert_eq!(
            within("unit 10", ctx.read_input_registers(0, 1)).await.unwrap(),
            Ok(vec![500]),
            "round {round}"
        );
        ctx.set_slave(Slave(11));
        assert_eq!(
            within("unit 11", ctx.read_discrete_inputs(0, 5)).await.unwrap(),
            Ok(vec![false, false, false, false, true])
        );
        assert_eq!(
            within("unit 11", ctx.read_input_registers(1, 1)).await.unwrap(),
            Err(ExceptionCode::IllegalDataAddress)
        );
        let _ = ctx.disconnect().await;
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_scenario_step_is_applied_and_announced() {
    let text = r#"
        name = "short"
        description = "mains fail after a moment"
        [[steps]]
        at_s = 0.3
        command = "mains fail"
        note = "PWR-01"
    "#;
    let scenario = Scenario::from_toml_str("short.toml", text).unwrap();
    let sim = Sim::start(SimConfig {
        scenario: Some(scenario),
        tick: Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut events = sim.events();
    let step = wait_event(&mut events, "the step", |e| matches!(e, SimEvent::ScenarioStep { .. })).await;
    let SimEvent::ScenarioStep {
        command, note, index, ..
    } = &step
    else {
        unreachable!()
    };
    assert_eq!(
        (command.as_str(), note.as_deref(), *index),
        ("mains fail", Some("PWR-01"), 0)
    );
    assert_eq!(step.to_string(), "short @0.3s: mains fail — PWR-01");
    assert!(!sim.read(|b| b.power().mains_available()));
    wait_event(&mut events, "the end", |e| {
        matches!(e, SimEvent::ScenarioFinished { .. })
    })
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn the_builtin_demo_starts_with_the_generator_in_auto() {
    let demo = Scenario::builtin("demo").expect("the demo is shipped");
    assert!(Scenario::builtin_names().contains(&"demo"));
    let sim = Sim::start(SimConfig {
        scenario: Some(demo),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert!(sim.read(|b| b.power().mains_available()));
    sim.shutdown().await;
}

#[tokio::test]
async fn mqtt_devices_publish_retained_state_changes_and_stop_when_offline() {
    let broker = tokio::task::spawn_blocking(|| embedded_broker("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(broker.port(), 0);
    let sim = Sim::start(SimConfig {
        mqtt: Some(MqttTarget::new(broker.ip().to_string(), broker.port())),
        ..SimConfig::default()
    })
    .await
    .unwrap();

    let mut options = rumqttc::MqttOptions::new("test-subscriber", broker.ip().to_string(), broker.port());
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 16);
    client
        .subscribe("demo-plaza/#", rumqttc::QoS::AtLeastOnce)
        .await
        .unwrap();
    let mut seen = std::collections::BTreeMap::new();
    while seen.len() < 3 {
        let (topic, payload, _) = within("the three devices", next_publish(&mut eventloop)).await;
        seen.insert(topic, payload);
    }
    assert_eq!(
        seen["demo-plaza/fire-panel/fire-panel-1/state"],
        r#"{"alarm":false,"fault":false,"supervisory":false}"#
    );
    assert_eq!(seen["demo-plaza/leak/leak-gen-room"], "0");
    assert_eq!(seen["demo-plaza/leak/leak-pump-room"], "0");

    sim.command("set leak-gen-room.wet true").unwrap();
    within("the wet sensor", async {
        loop {
            let (topic, payload, _) = next_publish(&mut eventloop).await;
            if topic == "demo-plaza/leak/leak-gen-room" && payload == "1" {
                return;
            }
        }
    })
    .await;

    // A late subscriber gets the retained state.
    let mut options = rumqttc::MqttOptions::new("late-subscriber", broker.ip().to_string(), broker.port());
    options.set_keep_alive(Duration::from_secs(5));
    let (late, mut late_loop) = rumqttc::AsyncClient::new(options, 16);
    late.subscribe("demo-plaza/leak/leak-gen-room", rumqttc::QoS::AtLeastOnce)
        .await
        .unwrap();
    let (_, payload, retain) = within("the retained message", next_publish(&mut late_loop)).await;
    assert_eq!((payload.as_str(), retain), ("1", true));

    let mut events = sim.events();
    sim.command("offline fire-panel-1").unwrap();
    wait_event(&mut events, "DeviceOffline", |e| {
        *e == SimEvent::DeviceOffline {
            device: "fire-panel-1".into(),
        }
    })
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn the_mqtt_client_keeps_retrying_until_the_broker_is_there() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sim = Sim::start(SimConfig {
        mqtt: Some(MqttTarget::new("127.0.0.1", port)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut events = sim.events();
    wait_event(&mut events, "the refused connection", |e| {
        matches!(e, SimEvent::MqttDisconnected { .. })
    })
    .await;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    tokio::task::spawn_blocking(move || embedded_broker(addr))
        .await
        .unwrap()
        .unwrap();
    wait_event(&mut events, "the connection", |e| {
        matches!(e, SimEvent::MqttConnected { .. })
    })
    .await;

    let mut options = rumqttc::MqttOptions::new("subscriber", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 16);
    client
        .subscribe("demo-plaza/leak/leak-pump-room", rumqttc::QoS::AtLeastOnce)
        .await
        .unwrap();
    let (_, payload, _) = within("the leak sensor", next_publish(&mut eventloop)).await;
    assert_eq!(payload, "0");
    sim.shutdown().await;
}

/// The next message a subscriber receives: topic, payload, retain flag.
async fn next_publish(eventloop: &mut rumqttc::EventLoop) -> (String, String, bool) {
    loop {
        if let rumqttc::Event::Incoming(rumqttc::Packet::Publish(p)) =
            eventloop.poll().await.expect("subscriber connected")
        {
            return (
                p.topic.clone(),
                String::from_utf8_lossy(&p.payload).into_owned(),
                p.retain,
            );
        }
    }
}

#[tokio::test]
async fn the_control_port_answers_each_line_with_one_line() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cancel = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(control::serve_tcp(listener, sim.handle(), cancel.clone()));

    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write
        .write_all(b"set gen-1.mode MANUAL\n\nreboot\nstatus\nquit\n")
        .await
        .unwrap();
    let mut replies = Vec::new();
    while let Some(line) = within("a reply", lines.next_line()).await.unwrap() {
        replies.push(line);
    }
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert_eq!(replies[0], "ok gen-1.mode = MANUAL");
    assert!(
        replies[1].starts_with("error: unknown command \"reboot\"; valid commands are: "),
        "{}",
        replies[1]
    );
    assert!(replies[2].starts_with("ok t="), "{}", replies[2]);
    assert!(replies[2].contains("gen-1 MANUAL stopped"), "{}", replies[2]);
    assert_eq!(replies[3], "ok bye");

    cancel.cancel();
    within("the control port", server).await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_the_modbus_listener() {
    let (sim, addr) = tcp_sim().await;
    let ctx = tcp::connect_slave(addr, Slave(1)).await.unwrap();
    within("shutdown", sim.shutdown()).await;
    assert!(TcpStream::connect(addr).await.is_err(), "still listening");
    drop(ctx);
}

/// Runs every `$ mbpoll` command of the mbpoll section of docs/simulators.md
/// against the simulator (on a free port and a pty instead of 5020 and
/// /tmp/facmon-demo-rtu) and compares what it prints.
#[tokio::test]
async fn the_documented_mbpoll_commands_print_the_documented_values() {
    // A missing tool is a failure with an install hint, never a silent skip.
    assert!(
        std::process::Command::new("mbpoll").arg("-V").output().is_ok(),
        "mbpoll is not installed: run scripts/test.sh (it installs it) or `apt-get install mbpoll`"
    );
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/simulators.md")).unwrap();
    let section = doc.split("## Reading values with mbpoll").nth(1).unwrap();
    let block = section
        .split("```console\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let mut cases: Vec<(String, Vec<String>)> = Vec::new();
    for line in block.lines() {
        match line.strip_prefix("$ ") {
            Some(cmd) => cases.push((cmd.to_owned(), Vec::new())),
            None => cases.last_mut().unwrap().1.push(normalise(line)),
        }
    }
    assert!(cases.len() >= 20, "only {} commands found", cases.len());

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (rtu, path) = modbus::open_pty().unwrap();
    let sim = Sim::start(SimConfig {
        modbus_tcp: Some(listener),
        modbus_rtu: Some(rtu),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let path = path.to_string_lossy().into_owned();
    for (cmd, expected) in cases {
        let local = cmd
            .replace("-p 5020", &format!("-p {port}"))
            .replace("/tmp/facmon-demo-rtu", &path);
        let args: Vec<String> = local.split_whitespace().skip(1).map(str::to_owned).collect();
        let output =
            tokio::task::spawn_blocking(move || std::process::Command::new("mbpoll").args(&args).output().unwrap())
                .await
                .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let got: Vec<String> = stdout
            .lines()
            .filter(|l| l.starts_with('['))
            .chain(stderr.lines().filter(|l| l.contains("failed:")))
            .map(normalise)
            .collect();
        assert_eq!(got, expected, "`{cmd}`");
        assert_eq!(
            output.status.success(),
            !expected.iter().any(|l| l.contains("failed:")),
            "`{cmd}` exit status"
        );
    }
    sim.shutdown().await;
}

fn normalise(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_binary_explains_itself() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_facmon-sim"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--modbus-tcp",
        "--modbus-rtu",
        "--baud",
        "--mqtt",
        "--scenario",
        "--control",
        "--embedded-broker",
        "--stdin",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    assert!(help.contains("127.0.0.1:5020"));

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_facmon-sim"))
        .arg("--list-scenarios")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("outage_generator_manual"));
}

#[test]
fn the_binary_exits_0_on_ctrl_c() {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_facmon-sim"))
        .args(["--modbus-tcp", "127.0.0.1:0", "--no-mqtt", "--scenario", "demo"])
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    // Block until the simulator says it is serving (the line is logged once).
    let ready = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("Modbus TCP units 1-7 listening"));
    assert!(ready, "no start-up line");
    // The shell's built-in kill: no procps needed.
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}
