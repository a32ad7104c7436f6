//! An MQTT broker inside the process (rumqttd), so that `facmon demo` and
//! tests need no external services.
//!
//! rumqttd runs its own threads and runtimes and has no shutdown: once
//! started, the broker lives until the process exits.
//!
//! [`embedded_broker`] is a plain function that blocks for the few
//! milliseconds rumqttd needs to start listening, so it can be called from
//! `main` before anything else, or from async code at start-up.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};
use thiserror::Error;

/// How long the broker gets to start accepting connections.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// An embedded broker that could not be started.
#[derive(Debug, Error)]
pub enum BrokerError {
    /// The address is in use or not local.
    #[error("cannot listen for MQTT on {addr}: {error}; pick another address or port 0 for a free one")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The broker thread could not be spawned.
    #[error("cannot start the MQTT broker thread: {0}")]
    Thread(std::io::Error),
    /// The broker did not accept connections in time.
    #[error("the embedded MQTT broker did not accept connections on {addr} within {} s", START_TIMEOUT.as_secs())]
    NotAccepting {
        /// Where it should have listened.
        addr: SocketAddr,
    },
}

/// Starts an MQTT 3.1.1 broker on `addr` in a background thread and returns
/// the address it listens on once it accepts connections. With port 0 a free
/// port is picked first (and returned).
pub fn embedded_broker(addr: SocketAddr) -> Result<SocketAddr, BrokerError> {
    // Bind once ourselves: for port 0 this finds a free port, otherwise it
    // proves the port is free, so the probe below cannot be fooled by another
    // broker already listening there.
    let addr = std::net::TcpListener::bind(addr)
        .and_then(|l| l.local_addr())
        .map_err(|error| BrokerError::Bind { addr, error })?;
    let config = config(addr);
    std::thread::Builder::new()
        .name("mqtt-broker".to_owned())
        .spawn(move || {
            let mut broker = Broker::new(config);
            if let Err(e) = broker.start() {
                tracing::error!(error = %e, "embedded MQTT broker stopped");
            }
        })
        .map_err(BrokerError::Thread)?;

    // Polling is the only way to know: rumqttd reports nothing once bound.
    for _ in 0..START_TIMEOUT.as_millis() / 20 {
        if mqtt_handshake(addr).is_ok() {
            tracing::info!(%addr, "embedded MQTT broker listening");
            return Ok(addr);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(BrokerError::NotAccepting { addr })
}

/// Connects as an MQTT 3.1.1 client, waits for the CONNACK and disconnects:
/// proof that the broker answers MQTT (a bare TCP connect would also make
/// rumqttd log an error about a half-opened session).
fn mqtt_handshake(addr: SocketAddr) -> std::io::Result<()> {
    use std::io::{Read as _, Write as _};
    const CONNECT: &[u8] = &[
        0x10, 22, // CONNECT, remaining length
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, // protocol name, level 4 (3.1.1)
        0x02, 0x00, 0x05, // clean session, keep-alive 5 s
        0x00, 0x0A, b'f', b'a', b'c', b'm', b'o', b'n', b'-', b's', b'i', b'm', // client id
    ];
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    stream.write_all(CONNECT)?;
    let mut connack = [0u8; 4];
    stream.read_exact(&mut connack)?;
    if connack != [0x20, 0x02, 0x00, 0x00] {
        return Err(std::io::Error::other("the broker refused the probe connection"));
    }
    stream.write_all(&[0xE0, 0x00])
}

fn config(addr: SocketAddr) -> Config {
    let server = ServerSettings {
        name: "facmon-sim".to_owned(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 1,
        connections: ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: 20_480,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    Config {
        id: 0,
        router: RouterConfig {
            max_connections: 1_000,
            max_outgoing_packet_count: 200,
            max_segment_size: 1_048_576,
            max_segment_count: 10,
            ..RouterConfig::default()
        },
        v4: Some(HashMap::from([("v4-1".to_owned(), server)])),
        ..Config::default()
    }
}
