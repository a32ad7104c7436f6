//! Integration tests: one binary (one link step), real parts only — Modbus over TCP and over
//! socat pty pairs, a real mosquitto, Debian's mbpoll, InfluxDB 1.x and VictoriaMetrics —
//! see `support/`.

mod support;

mod alarm_mqtt;
mod alarms;
mod check_config;
mod demo;
mod grafana;
mod kpi;
mod modbus;
mod mqtt;
mod restart;
mod roster;
mod timeseries;
mod tsdb;
