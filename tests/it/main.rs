//! Integration tests: one binary (one link step), real parts only — Modbus over TCP and over
//! socat pty pairs, a real mosquitto, Debian's mbpoll — see `support/`.

mod support;

mod alarm_mqtt;
mod alarms;
mod check_config;
mod demo;
mod kpi;
mod modbus;
mod mqtt;
mod restart;
