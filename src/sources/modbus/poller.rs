//! The polling loop of one Modbus connection.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_modbus::client::{Client, Context, Reader};
use tokio_modbus::prelude::{Slave, SlaveContext};
use tracing::Instrument;

use super::blocks::{plan_blocks, ReadBlock};
use super::link;
use crate::config::{ModbusConnection, Plan, PointSource};
use crate::point::decode::{decode_bit, decode_registers, Table};
use crate::point::store::Reading;
use crate::point::PointIndex;
use crate::shutdown::Shutdown;
use crate::sources::Shared;

/// The requests of one slave, planned at load time.
#[derive(Debug, Clone)]
pub struct DevicePlan {
    pub id: String,
    pub unit: u8,
    /// Index on the device board.
    pub board: usize,
    pub blocks: Vec<ReadBlock>,
}

impl DevicePlan {
    fn points(&self) -> impl Iterator<Item = PointIndex> + '_ {
        self.blocks.iter().flat_map(|b| b.points.iter().map(|p| p.index))
    }
}

/// Starts one task per connection that has at least one point.
pub fn spawn_all(plan: &Plan, shared: &Shared, shutdown: &Shutdown, tasks: &mut tokio::task::JoinSet<()>) {
    let board = &shared.board;
    for conn in &plan.connections {
        let devices: Vec<DevicePlan> = conn
            .devices
            .iter()
            .filter_map(|&d| {
                let dev = &plan.devices[d];
                let pts: Vec<_> = plan
                    .points
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| match &p.source {
                        PointSource::Modbus(m) if m.device == d => Some((PointIndex(i), m)),
                        _ => None,
                    })
                    .collect();
                let board_index = board.position(&dev.id)?;
                (!pts.is_empty()).then(|| DevicePlan {
                    id: dev.id.clone(),
                    unit: dev.unit,
                    board: board_index,
                    blocks: plan_blocks(&pts, conn.max_gap),
                })
            })
            .collect();
        if devices.is_empty() {
            continue;
        }
        let span = tracing::info_span!("modbus", site = %plan.site.id, connection = %conn.id);
        tasks.spawn(poll_connection(conn.clone(), devices, shared.clone(), shutdown.clone()).instrument(span));
    }
}

/// Per-device retry state.
struct Backoff {
    failures: u32,
    next_try: Instant,
}

/// Polls every device of one connection until shutdown.
pub async fn poll_connection(conn: ModbusConnection, devices: Vec<DevicePlan>, shared: Shared, shutdown: Shutdown) {
    let mut ctx: Option<Context> = None;
    let mut backoff: Vec<Backoff> = devices
        .iter()
        .map(|_| Backoff {
            failures: 0,
            next_try: Instant::now(),
        })
        .collect();
    let mut tick = tokio::time::interval(conn.poll_interval);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        for (dev, retry) in devices.iter().zip(backoff.iter_mut()) {
            if shutdown.is_triggered() {
                break;
            }
            if Instant::now() < retry.next_try {
                continue;
            }
            let result = tokio::select! {
                _ = shutdown.cancelled() => break,
                r = poll_device(&conn, dev, &mut ctx, &shared) => r,
            };
            let now = shared.clock.now();
            match result {
                Ok(()) => {
                    retry.failures = 0;
                    shared.board.record_ok(dev.board, now);
                }
                Err(why) => {
                    // The link may hold half an answer: start clean next time.
                    ctx = None;
                    retry.failures += 1;
                    retry.next_try =
                        Instant::now() + backoff_delay(conn.poll_interval, conn.max_backoff, retry.failures);
                    let why: Arc<str> = why.into();
                    shared
                        .store
                        .apply(dev.points().map(|p| (p, Reading::Stale(why.clone()))), now);
                    shared.board.record_failure(dev.board, &why, now);
                }
            }
        }
    }
    if let Some(mut c) = ctx {
        let _ = tokio::time::timeout(Duration::from_millis(200), c.disconnect()).await;
    }
}

/// Jittered exponential backoff: the first retry is the next poll; later ones double up to
/// `max`. The jitter (±20 %) keeps many devices that failed together from retrying in step.
fn backoff_delay(poll: Duration, max: Duration, failures: u32) -> Duration {
    let exp = poll.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let base = exp.min(max.max(poll));
    let jitter = rand::rng().random_range(0.8..1.2);
    // Never sooner than the next regular poll.
    base.mul_f64(jitter).max(poll.mul_f64(0.9))
}

/// Reads every block of one device. `Err` = transport failure (the device is unreachable).
async fn poll_device(
    conn: &ModbusConnection,
    dev: &DevicePlan,
    ctx: &mut Option<Context>,
    shared: &Shared,
) -> Result<(), String> {
    for block in &dev.blocks {
        let c = match ctx {
            Some(c) => c,
            None => {
                shared.metrics.modbus_connects.inc();
                let opened = link::open(&conn.link, conn.timeout).await.map_err(|e| {
                    shared.metrics.modbus_transport_errors.inc();
                    format!("cannot connect: {e}")
                })?;
                ctx.insert(opened)
            }
        };
        c.set_slave(Slave(dev.unit));
        shared.metrics.modbus_requests.inc();
        let answer = tokio::time::timeout(conn.timeout, read(c, block)).await;
        let now = shared.clock.now();
        match answer {
            Err(_) => {
                shared.metrics.modbus_timeouts.inc();
                return Err(format!("no answer within {} ms", conn.timeout.as_millis()));
            }
            Ok(Err(e)) => {
                shared.metrics.modbus_transport_errors.inc();
                return Err(format!("link error: {e}"));
            }
            Ok(Ok(Err(exception))) => {
                shared.metrics.modbus_exceptions.inc();
                let why: Arc<str> = format!("device refused: {exception}").into();
                tracing::debug!(device = %dev.id, table = block.table.as_str(), start = block.start, "exception: {exception}");
                shared
                    .store
                    .apply(block.points.iter().map(|p| (p.index, Reading::Bad(why.clone()))), now);
            }
            Ok(Ok(Ok(data))) => {
                let readings = decode_block(block, &data, shared);
                shared.store.apply(readings, now);
            }
        }
        if !conn.request_gap.is_zero() {
            tokio::time::sleep(conn.request_gap).await;
        }
    }
    Ok(())
}

/// Raw answer of one request.
enum Data {
    Bits(Vec<bool>),
    Words(Vec<u16>),
}

async fn read(c: &mut Context, b: &ReadBlock) -> tokio_modbus::Result<Data> {
    Ok(match b.table {
        Table::Coil => c.read_coils(b.start, b.count).await?.map(Data::Bits),
        Table::DiscreteInput => c.read_discrete_inputs(b.start, b.count).await?.map(Data::Bits),
        Table::Holding => c.read_holding_registers(b.start, b.count).await?.map(Data::Words),
        Table::Input => c.read_input_registers(b.start, b.count).await?.map(Data::Words),
    })
}

/// Decodes each point of a block; a point whose bytes do not decode goes `bad` alone.
fn decode_block(block: &ReadBlock, data: &Data, shared: &Shared) -> Vec<(PointIndex, Reading)> {
    block
        .points
        .iter()
        .map(|p| {
            let off = usize::from(p.offset);
            let decoded = match data {
                Data::Bits(bits) => bits
                    .get(off)
                    .map(|b| decode_bit(&p.conversion, *b))
                    .ok_or_else(|| format!("short answer: {} bits", bits.len())),
                Data::Words(words) => match words.get(off..) {
                    Some(w) => decode_registers(&p.decoder, &p.conversion, w).map_err(|e| e.to_string()),
                    None => Err(format!("short answer: {} registers", words.len())),
                },
            };
            let reading = match decoded {
                Ok(value) => Reading::Good { value, source_ts: None },
                Err(why) => {
                    shared.metrics.decode_errors.inc();
                    let key = shared.store.key(p.index).map(|k| k.to_string()).unwrap_or_default();
                    tracing::debug!(point = %key, "cannot decode: {why}");
                    Reading::Bad(why.into())
                }
            };
            (p.index, reading)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_ceiling_and_never_undercuts_the_poll() {
        let poll = Duration::from_secs(1);
        let max = Duration::from_secs(10);
        for failures in 1..40 {
            let d = backoff_delay(poll, max, failures);
            assert!(d >= Duration::from_millis(900), "{failures}: {d:?}");
            assert!(d <= Duration::from_secs(12), "{failures}: {d:?}");
        }
        assert!(backoff_delay(poll, max, 5) > Duration::from_secs(7));
    }
}
