//! The simulated Modbus devices: the register map ([`map`]), the request
//! handling shared by both transports ([`service`]), the TCP gateway
//! (`tcp`) and the RTU serial bus ([`rtu`]).

pub mod map;
pub mod rtu;
pub mod service;
pub(crate) mod tcp;

pub use rtu::open_pty;
pub use service::ModbusService;
