//! The Modbus TCP side: one listener (the plant gateway) in front of units
//! 1–7, with tokio-modbus doing the framing.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_modbus::server::tcp::{accept_tcp_connection, Server};
use tokio_util::sync::CancellationToken;

use super::service::ModbusService;
use crate::building::Building;
use crate::devices::Transport;

/// Serves every TCP unit on `listener` until `cancel`; open connections are
/// closed when it returns.
pub(crate) async fn serve(listener: TcpListener, building: Arc<Mutex<Building>>, cancel: CancellationToken) {
    let server = Server::new(listener);
    let service = Arc::new(ModbusService::new(building, Transport::ModbusTcp));
    let on_connected = |stream: TcpStream, peer: SocketAddr| {
        let service = Arc::clone(&service);
        async move {
            tracing::debug!(%peer, "Modbus TCP client connected");
            accept_tcp_connection(stream, peer, |_| Ok(Some(Arc::clone(&service))))
        }
    };
    let on_process_error = |err: std::io::Error| {
        tracing::debug!(error = %err, "Modbus TCP connection ended");
    };
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            result = server.serve(&on_connected, on_process_error) => {
                // Only accept() failing (e.g. out of file descriptors) gets here.
                if let Err(e) = result {
                    tracing::warn!(error = %e, "Modbus TCP listener failed; accepting again shortly");
                }
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(200)) => {}
                }
            }
        }
    }
}
