//! Driving the simulator by hand: a stdin command loop and a line-based TCP
//! control port (`facmon-sim --control 127.0.0.1:7070`, then
//! `nc 127.0.0.1 7070`). Each line is a command; each reply is one line,
//! `ok <reply>` or `error: <what is wrong and what is valid>`.

use std::io::BufRead as _;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::SimHandle;

/// Longest accepted command line, bytes.
const MAX_LINE: u64 = 4096;

/// The reply line for one command line, or `None` for a blank line.
pub fn reply(sim: &SimHandle, line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    Some(match sim.command(line) {
        Ok(reply) => format!("ok {reply}"),
        Err(e) => format!("error: {e}"),
    })
}

/// Reads commands from stdin until end of input, printing one reply line per
/// command. Blocking: run it on its own thread (a thread blocked in a read
/// does not keep the process from exiting on Ctrl-C).
pub fn stdin_loop(sim: &SimHandle) {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else {
            break;
        };
        if let Some(reply) = reply(sim, &line) {
            println!("{reply}");
        }
    }
    tracing::debug!("stdin closed; no more commands from it");
}

/// Serves the control port until `cancel`; connections are closed when it
/// returns. `quit` or `exit` closes one connection.
pub async fn serve_tcp(listener: TcpListener, sim: SimHandle, cancel: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, sim.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "control port accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(stream: TcpStream, peer: SocketAddr, sim: SimHandle) {
    tracing::debug!(%peer, "control connection");
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = match (&mut reader).take(MAX_LINE + 1).read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let reply = if n as u64 > MAX_LINE && buf.last() != Some(&b'\n') {
            let _ = write
                .write_all(format!("error: line longer than {MAX_LINE} bytes; closing\n").as_bytes())
                .await;
            return;
        } else {
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim();
            if line.eq_ignore_ascii_case("quit") || line.eq_ignore_ascii_case("exit") {
                let _ = write.write_all(b"ok bye\n").await;
                return;
            }
            match reply(&sim, line) {
                Some(reply) => reply.replace('\n', " "),
                None => continue,
            }
        };
        if write.write_all(format!("{reply}\n").as_bytes()).await.is_err() {
            return;
        }
    }
}
