//! Answers Modbus read requests from the register map and the shared building.
//!
//! Behaviour a poller must cope with, on purpose:
//! - an unknown unit id, a broadcast (unit 0) or an `offline` device gets no
//!   response at all, like a slave that is not on the bus;
//! - a read outside a table's block gets exception 2 (IllegalDataAddress);
//! - a quantity of 0 or above the protocol limit gets exception 3
//!   (IllegalDataValue);
//! - anything but the four read functions gets exception 1
//!   (IllegalFunction): facmon is read-only, and so is the simulated plant.

use std::future::{ready, Ready};
use std::sync::{Arc, Mutex};

use tokio_modbus::{ExceptionCode, Request, Response, SlaveRequest};

use super::map::{self, Point, Table};
use crate::building::Building;
use crate::devices::{self, Device, Transport};

/// Most bits one read may ask for (Modbus application protocol, 6.1/6.2).
const MAX_BITS: u16 = 2000;
/// Most registers one read may ask for (6.3/6.4).
const MAX_REGISTERS: u16 = 125;

/// The answer to one request: `None` is silence.
pub fn respond(
    building: &Building,
    transport: Transport,
    unit: u8,
    request: &Request<'_>,
) -> Option<Result<Response, ExceptionCode>> {
    let device = answering(building, transport, unit)?;
    let points = map::points(device.id);
    Some(match *request {
        Request::ReadCoils(address, quantity) => {
            read_bits(points, Table::Coil, building, address, quantity).map(Response::ReadCoils)
        }
        Request::ReadDiscreteInputs(address, quantity) => {
            read_bits(points, Table::DiscreteInput, building, address, quantity).map(Response::ReadDiscreteInputs)
        }
        Request::ReadHoldingRegisters(address, quantity) => {
            read_words(points, Table::Holding, building, address, quantity).map(Response::ReadHoldingRegisters)
        }
        Request::ReadInputRegisters(address, quantity) => {
            read_words(points, Table::Input, building, address, quantity).map(Response::ReadInputRegisters)
        }
        _ => Err(ExceptionCode::IllegalFunction),
    })
}

/// The device that would answer `unit` on `transport` right now.
pub fn answering(building: &Building, transport: Transport, unit: u8) -> Option<&'static Device> {
    devices::by_unit(transport, unit).filter(|d| building.is_online(d.id))
}

fn range(
    points: &[Point],
    table: Table,
    address: u16,
    quantity: u16,
    max: u16,
) -> Result<std::ops::Range<usize>, ExceptionCode> {
    if quantity == 0 || quantity > max {
        return Err(ExceptionCode::IllegalDataValue);
    }
    let end = usize::from(address) + usize::from(quantity);
    if end > usize::from(map::table_len(points, table)) {
        return Err(ExceptionCode::IllegalDataAddress);
    }
    Ok(usize::from(address)..end)
}

fn read_bits(
    points: &[Point],
    table: Table,
    building: &Building,
    address: u16,
    quantity: u16,
) -> Result<Vec<bool>, ExceptionCode> {
    let range = range(points, table, address, quantity, MAX_BITS)?;
    map::bits(points, table, building)
        .get(range)
        .map(<[bool]>::to_vec)
        .ok_or(ExceptionCode::IllegalDataAddress)
}

fn read_words(
    points: &[Point],
    table: Table,
    building: &Building,
    address: u16,
    quantity: u16,
) -> Result<Vec<u16>, ExceptionCode> {
    let range = range(points, table, address, quantity, MAX_REGISTERS)?;
    map::words(points, table, building)
        .get(range)
        .map(<[u16]>::to_vec)
        .ok_or(ExceptionCode::IllegalDataAddress)
}

/// The tokio-modbus [`Service`](tokio_modbus::server::Service) for one
/// transport; the TCP server clones it per connection.
#[derive(Debug, Clone)]
pub struct ModbusService {
    building: Arc<Mutex<Building>>,
    transport: Transport,
}

impl ModbusService {
    /// A service answering for the devices on `transport`.
    pub fn new(building: Arc<Mutex<Building>>, transport: Transport) -> Self {
        Self { building, transport }
    }

    /// The answer to one request: `None` is silence.
    pub fn answer(&self, unit: u8, request: &Request<'_>) -> Option<Result<Response, ExceptionCode>> {
        let building = crate::lock(&self.building);
        respond(&building, self.transport, unit, request)
    }
}

impl tokio_modbus::server::Service for ModbusService {
    type Request = SlaveRequest<'static>;
    type Response = Option<Response>;
    type Exception = ExceptionCode;
    type Future = Ready<Result<Option<Response>, ExceptionCode>>;

    fn call(&self, req: Self::Request) -> Self::Future {
        ready(match self.answer(req.slave, &req.request) {
            None => Ok(None),
            Some(Ok(response)) => Ok(Some(response)),
            Some(Err(exception)) => Err(exception),
        })
    }
}

#[cfg(test)]
mod tests {
    use tokio_modbus::server::Service as _;

    use super::*;

    fn service() -> (ModbusService, Arc<Mutex<Building>>) {
        let building = Arc::new(Mutex::new(Building::demo()));
        (
            ModbusService::new(Arc::clone(&building), Transport::ModbusTcp),
            building,
        )
    }

    async fn call(s: &ModbusService, unit: u8, request: Request<'static>) -> Result<Option<Response>, ExceptionCode> {
        s.call(SlaveRequest { slave: unit, request }).await
    }

    #[tokio::test]
    async fn the_generator_mode_reads_as_auto() {
        let (s, _) = service();
        assert_eq!(
            call(&s, 1, Request::ReadHoldingRegisters(0, 1)).await,
            Ok(Some(Response::ReadHoldingRegisters(vec![2])))
        );
    }

    #[tokio::test]
    async fn a_read_spanning_the_whole_input_block_returns_every_register() {
        let (s, _) = service();
        let Ok(Some(Response::ReadInputRegisters(words))) = call(&s, 1, Request::ReadInputRegisters(0, 9)).await else {
            panic!("no registers");
        };
        assert_eq!(words, vec![0, 0, 0, 0, 0, 0x42A4, 1, 0xE240, 24]);
    }

    #[tokio::test]
    async fn an_unknown_unit_gets_no_response() {
        let (s, _) = service();
        assert_eq!(call(&s, 42, Request::ReadHoldingRegisters(0, 1)).await, Ok(None));
        assert_eq!(call(&s, 0, Request::ReadHoldingRegisters(0, 1)).await, Ok(None));
    }

    #[tokio::test]
    async fn an_rtu_unit_is_silent_on_tcp() {
        let (s, _) = service();
        assert_eq!(call(&s, 10, Request::ReadInputRegisters(0, 1)).await, Ok(None));
    }

    #[tokio::test]
    async fn an_offline_device_gets_no_response_until_it_is_back() {
        let (s, building) = service();
        let device = devices::find("tank-1-sensor").unwrap();
        crate::lock(&building).set_online(device, false);
        assert_eq!(call(&s, 5, Request::ReadInputRegisters(0, 1)).await, Ok(None));
        crate::lock(&building).set_online(device, true);
        assert_eq!(
            call(&s, 5, Request::ReadInputRegisters(0, 2)).await,
            Ok(Some(Response::ReadInputRegisters(vec![800, 2400])))
        );
    }

    #[tokio::test]
    async fn a_read_past_the_block_is_an_illegal_data_address() {
        let (s, _) = service();
        assert_eq!(
            call(&s, 1, Request::ReadHoldingRegisters(0, 2)).await,
            Err(ExceptionCode::IllegalDataAddress)
        );
        assert_eq!(
            call(&s, 5, Request::ReadCoils(0, 1)).await,
            Err(ExceptionCode::IllegalDataAddress)
        );
    }

    #[tokio::test]
    async fn a_zero_or_oversized_quantity_is_an_illegal_data_value() {
        let (s, _) = service();
        assert_eq!(
            call(&s, 1, Request::ReadInputRegisters(0, 0)).await,
            Err(ExceptionCode::IllegalDataValue)
        );
        assert_eq!(
            call(&s, 1, Request::ReadInputRegisters(0, 126)).await,
            Err(ExceptionCode::IllegalDataValue)
        );
    }

    #[tokio::test]
    async fn writes_are_an_illegal_function() {
        let (s, _) = service();
        assert_eq!(
            call(&s, 1, Request::WriteSingleRegister(0, 1)).await,
            Err(ExceptionCode::IllegalFunction)
        );
        assert_eq!(
            call(&s, 4, Request::WriteSingleCoil(0, false)).await,
            Err(ExceptionCode::IllegalFunction)
        );
    }

    #[tokio::test]
    async fn coils_and_discrete_inputs_return_the_bits_asked_for() {
        let (s, _) = service();
        assert_eq!(
            call(&s, 4, Request::ReadCoils(0, 2)).await,
            Ok(Some(Response::ReadCoils(vec![true, false])))
        );
        assert_eq!(
            call(&s, 4, Request::ReadDiscreteInputs(1, 3)).await,
            Ok(Some(Response::ReadDiscreteInputs(vec![false, true, false])))
        );
    }
}
