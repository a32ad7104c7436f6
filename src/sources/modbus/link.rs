//! Opening a Modbus link: a TCP socket or a serial line, each under a deadline.

use std::io;
use std::time::Duration;

use tokio_modbus::client::{rtu, tcp, Context};
use tokio_serial::{DataBits, Parity as SerialParity, SerialStream, StopBits};

use crate::config::{Link, Parity};

/// Connects within `deadline`.
pub async fn open(link: &Link, deadline: Duration) -> io::Result<Context> {
    match link {
        Link::Tcp { host, port } => {
            let connect = async {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                Ok::<_, io::Error>(tcp::attach(stream))
            };
            tokio::time::timeout(deadline, connect)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, format!("connect to {host}:{port} timed out")))?
        }
        Link::Rtu {
            path,
            baud,
            parity,
            data_bits,
            stop_bits,
        } => {
            let builder = tokio_serial::new(path, *baud)
                .parity(match parity {
                    Parity::None => SerialParity::None,
                    Parity::Even => SerialParity::Even,
                    Parity::Odd => SerialParity::Odd,
                })
                .data_bits(if *data_bits == 7 {
                    DataBits::Seven
                } else {
                    DataBits::Eight
                })
                .stop_bits(if *stop_bits == 2 { StopBits::Two } else { StopBits::One });
            let mut port = SerialStream::open(&builder)
                .map_err(|e| io::Error::other(format!("cannot open serial line {path}: {e}")))?;
            // serialport opens lines exclusively (TIOCEXCL); that would make our own re-open
            // after a timeout fail while another holder (a USB adapter's udev helper, the
            // demo's pty) keeps the line open.
            let _ = port.set_exclusive(false);
            // Drop whatever a previous, timed-out exchange left in the buffers, so a late
            // answer is never taken for the next request's.
            use tokio_serial::SerialPort;
            let _ = port.clear(tokio_serial::ClearBuffer::All);
            Ok(rtu::attach(port))
        }
    }
}
