//! The Modbus RTU side: the sump-pit controllers on one serial line.
//!
//! tokio-modbus ships an RTU server, but it ends for good on the first read
//! error, and a pseudo-terminal reports one (EIO) whenever no client has the
//! other end open — before facmon opens the port, and every time facmon
//! closes and reopens it after a timeout. A simulated bus has to survive
//! that, so this module frames RTU itself: it waits for the client to come
//! back instead of dying, resynchronises on garbage, and answers through the
//! same [`respond`](super::service::respond()) as the TCP side.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_modbus::{ExceptionCode, Request, Response};
use tokio_serial::{SerialPort as _, SerialStream};
use tokio_util::sync::CancellationToken;

use super::service::{answering, respond};
use crate::building::Building;
use crate::devices::Transport;

/// Silence that ends a frame. The standard's 3.5 characters are under 4 ms at
/// 9600 baud, but a pty or a USB adapter delivers bytes in bursts, so the
/// simulator is more patient; a master waits far longer than this for a reply.
const FRAME_GAP: Duration = Duration::from_millis(20);
/// How often to look for a client again while nobody has the port open.
const RECONNECT_POLL: Duration = Duration::from_millis(100);
/// The longest RTU frame.
const MAX_FRAME: usize = 256;

/// Opens a pseudo-terminal pair for the simulated bus: the returned stream is
/// the simulator's end, the path is the one the client (facmon) opens. The
/// client may open and close it as often as it likes.
pub fn open_pty() -> std::io::Result<(SerialStream, PathBuf)> {
    let (sim_end, client_end) = SerialStream::pair().map_err(std::io::Error::other)?;
    let path = client_end
        .name()
        .ok_or_else(|| std::io::Error::other("the pseudo-terminal has no name"))?;
    Ok((sim_end, PathBuf::from(path)))
}

/// Serves the RTU units on `port` until `cancel`.
pub(crate) async fn serve(mut port: SerialStream, building: Arc<Mutex<Building>>, cancel: CancellationToken) {
    let mut buf: Vec<u8> = Vec::with_capacity(MAX_FRAME);
    let mut chunk = [0u8; MAX_FRAME];
    let mut peer_present = true;
    loop {
        // With nothing buffered there is no frame to end: wait for bytes.
        let gap = if buf.is_empty() { Duration::MAX } else { FRAME_GAP };
        let read = tokio::select! {
            () = cancel.cancelled() => return,
            read = tokio::time::timeout(gap, port.read(&mut chunk)) => read,
        };
        match read {
            Err(_silence) => {
                for reply in after_silence(&buf, &building) {
                    write(&mut port, &reply).await;
                }
                buf.clear();
                continue;
            }
            Ok(Ok(n)) if n > 0 => {
                if !peer_present {
                    tracing::info!("Modbus RTU: a client has the serial port open again");
                    peer_present = true;
                }
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
            Ok(result) => {
                // EOF or EIO: nobody has the other end of a pty open.
                if peer_present {
                    match result {
                        Err(e) => {
                            tracing::info!(error = %e, "Modbus RTU: serial port not readable (no client?); waiting")
                        }
                        Ok(_) => tracing::info!("Modbus RTU: serial port closed by the client; waiting"),
                    }
                    peer_present = false;
                }
                buf.clear();
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(RECONNECT_POLL) => continue,
                }
            }
        }
        while let Some(parsed) = next_frame(&buf) {
            match parsed {
                Parsed::Garbage => {
                    buf.remove(0);
                }
                Parsed::Frame(len) => {
                    let reply = buf.get(..len).and_then(|frame| answer(frame, &building));
                    buf.drain(..len.min(buf.len()));
                    if let Some(reply) = reply {
                        write(&mut port, &reply).await;
                    }
                }
            }
        }
        if buf.len() > MAX_FRAME {
            buf.clear();
        }
    }
}

async fn write(port: &mut SerialStream, reply: &[u8]) {
    let result = async {
        port.write_all(reply).await?;
        port.flush().await
    }
    .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, "Modbus RTU: reply not sent");
    }
}

/// What the start of the buffer holds.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    /// A CRC-valid request of this many bytes.
    Frame(usize),
    /// The first byte cannot start a valid frame: drop it.
    Garbage,
}

/// Finds a complete request at the start of `buf`; `None` while incomplete or
/// when its length cannot be known (an unknown function: wait for silence).
fn next_frame(buf: &[u8]) -> Option<Parsed> {
    let len = request_len(buf)?;
    let frame = buf.get(..len)?;
    Some(if crc_ok(frame) {
        Parsed::Frame(len)
    } else {
        Parsed::Garbage
    })
}

/// Length of the request at the start of `buf`, from its function code.
fn request_len(buf: &[u8]) -> Option<usize> {
    let function = *buf.get(1)?;
    match function {
        0x01..=0x06 => Some(8),
        0x07 | 0x0B | 0x0C | 0x11 => Some(4),
        0x0F | 0x10 => buf.get(6).map(|&count| 9 + usize::from(count)),
        0x16 => Some(10),
        0x17 => buf.get(10).map(|&count| 13 + usize::from(count)),
        0x18 => Some(6),
        _ => None,
    }
}

/// After silence, the leftover bytes are complete: answer every frame in
/// them, skipping garbage, including a CRC-valid frame of a function whose
/// length could not be known in advance (it gets IllegalFunction).
fn after_silence(buf: &[u8], building: &Mutex<Building>) -> Vec<Vec<u8>> {
    let mut replies = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        match next_frame(rest) {
            Some(Parsed::Frame(len)) => {
                replies.extend(rest.get(..len).and_then(|frame| answer(frame, building)));
                rest = rest.get(len..).unwrap_or_default();
            }
            None if rest.len() >= 4 && request_len(rest).is_none() && crc_ok(rest) => {
                replies.extend(answer(rest, building));
                break;
            }
            Some(Parsed::Garbage) | None => rest = rest.get(1..).unwrap_or_default(),
        }
    }
    replies
}

/// The reply to one CRC-checked frame, or `None` for silence.
fn answer(frame: &[u8], building: &Mutex<Building>) -> Option<Vec<u8>> {
    let (&unit, rest) = frame.split_first()?;
    let (&function, _) = rest.split_first()?;
    let request = decode_read(frame);
    let result = {
        let building = crate::lock(building);
        match &request {
            Some(request) => respond(&building, Transport::ModbusRtu, unit, request)?,
            // Any other function: silence from an absent unit, else refused.
            None => {
                answering(&building, Transport::ModbusRtu, unit)?;
                Err(ExceptionCode::IllegalFunction)
            }
        }
    };
    Some(encode(unit, function, result))
}

/// A read request (functions 1–4) from an 8-byte frame.
fn decode_read(frame: &[u8]) -> Option<Request<'static>> {
    let &[_, function, a_hi, a_lo, q_hi, q_lo, _, _] = frame else {
        return None;
    };
    let address = u16::from_be_bytes([a_hi, a_lo]);
    let quantity = u16::from_be_bytes([q_hi, q_lo]);
    match function {
        0x01 => Some(Request::ReadCoils(address, quantity)),
        0x02 => Some(Request::ReadDiscreteInputs(address, quantity)),
        0x03 => Some(Request::ReadHoldingRegisters(address, quantity)),
        0x04 => Some(Request::ReadInputRegisters(address, quantity)),
        _ => None,
    }
}

/// An RTU reply frame: unit, function, data, CRC.
fn encode(unit: u8, function: u8, result: Result<Response, ExceptionCode>) -> Vec<u8> {
    let mut out = vec![unit];
    match result {
        Ok(Response::ReadCoils(bits) | Response::ReadDiscreteInputs(bits)) => {
            let packed: Vec<u8> = bits
                .chunks(8)
                .map(|byte| {
                    byte.iter()
                        .enumerate()
                        .fold(0u8, |acc, (i, on)| if *on { acc | (1 << i) } else { acc })
                })
                .collect();
            out.push(function);
            out.push(u8::try_from(packed.len()).unwrap_or(u8::MAX));
            out.extend(packed);
        }
        Ok(Response::ReadHoldingRegisters(words) | Response::ReadInputRegisters(words)) => {
            out.push(function);
            out.push(u8::try_from(words.len() * 2).unwrap_or(u8::MAX));
            for w in words {
                out.extend(w.to_be_bytes());
            }
        }
        Ok(_) => {
            out.push(function | 0x80);
            out.push(u8::from(ExceptionCode::IllegalFunction));
        }
        Err(exception) => {
            out.push(function | 0x80);
            out.push(u8::from(exception));
        }
    }
    let crc = crc16(&out);
    out.extend(crc.to_le_bytes());
    out
}

/// Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF).
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xA001 } else { crc >> 1 };
        }
    }
    crc
}

/// The last two bytes are the CRC of the rest, low byte first.
fn crc_ok(frame: &[u8]) -> bool {
    match frame.len().checked_sub(2).map(|n| frame.split_at(n)) {
        Some((body, &[lo, hi])) if !body.is_empty() => crc16(body) == u16::from_le_bytes([lo, hi]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut f = body.to_vec();
        f.extend(crc16(body).to_le_bytes());
        f
    }

    fn building() -> Mutex<Building> {
        Mutex::new(Building::demo())
    }

    #[test]
    fn crc_matches_the_specification_example() {
        // Modbus over serial line, appendix B: 02 07 -> CRC 0x1241 (sent 41 12).
        assert_eq!(crc16(&[0x02, 0x07]), 0x1241);
    }

    #[test]
    fn a_level_read_on_unit_10_is_answered() {
        let reply = answer(&frame(&[10, 0x04, 0, 0, 0, 1]), &building()).unwrap();
        // 0.500 m = 500 mm = 0x01F4
        assert_eq!(reply, frame(&[10, 0x04, 2, 0x01, 0xF4]));
    }

    #[test]
    fn a_tcp_unit_is_silent_on_the_rtu_bus() {
        assert_eq!(answer(&frame(&[1, 0x03, 0, 0, 0, 1]), &building()), None);
    }

    #[test]
    fn a_write_to_a_sump_controller_is_an_illegal_function() {
        let reply = answer(&frame(&[11, 0x06, 0, 0, 0, 1]), &building()).unwrap();
        assert_eq!(reply, frame(&[11, 0x86, 0x01]));
    }

    #[test]
    fn a_read_past_the_block_is_an_exception_2() {
        let reply = answer(&frame(&[11, 0x02, 0, 0, 0, 6]), &building()).unwrap();
        assert_eq!(reply, frame(&[11, 0x82, 0x02]));
    }

    #[test]
    fn discrete_inputs_are_packed_lsb_first() {
        // high, high-high, running, fault, auto = 0, 0, 0, 0, 1
        let reply = answer(&frame(&[10, 0x02, 0, 0, 0, 5]), &building()).unwrap();
        assert_eq!(reply, frame(&[10, 0x02, 1, 0b1_0000]));
    }

    #[test]
    fn a_frame_with_a_bad_crc_is_garbage() {
        let mut buf = frame(&[10, 0x04, 0, 0, 0, 1]);
        buf[7] ^= 0xFF;
        assert_eq!(next_frame(&buf), Some(Parsed::Garbage));
    }

    #[test]
    fn garbage_before_a_frame_is_skipped_after_silence() {
        let mut buf = vec![0x55, 0x04, 0x00];
        buf.extend(frame(&[10, 0x04, 0, 0, 0, 1]));
        let replies = after_silence(&buf, &building());
        assert_eq!(replies, vec![frame(&[10, 0x04, 2, 0x01, 0xF4])]);
    }

    #[test]
    fn two_frames_in_one_burst_are_both_answered() {
        let mut buf = frame(&[10, 0x04, 0, 0, 0, 1]);
        buf.extend(frame(&[11, 0x04, 0, 0, 0, 1]));
        assert_eq!(next_frame(&buf), Some(Parsed::Frame(8)));
        assert_eq!(after_silence(&buf, &building()).len(), 2);
    }

    #[test]
    fn an_incomplete_frame_waits_for_more_bytes() {
        assert_eq!(next_frame(&[10, 0x04, 0, 0]), None);
        assert_eq!(next_frame(&[10]), None);
    }

    #[test]
    fn an_unknown_function_is_answered_after_silence() {
        let buf = frame(&[10, 0x41, 1, 2]);
        assert_eq!(next_frame(&buf), None);
        assert_eq!(after_silence(&buf, &building()), vec![frame(&[10, 0xC1, 0x01])]);
    }
}
