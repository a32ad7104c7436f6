//! Integration tests: one binary (one link step), real parts only — Modbus over TCP and over
//! socat pty pairs, a real mosquitto, Debian's mbpoll, InfluxDB 1.x and VictoriaMetrics, an
//! SMTP server, HTTP servers standing in for WeCom, DingTalk and webhooks —
//! see `support/`.

mod support;

mod alarm_mqtt;
mod alarms;
mod api;
mod check_config;
mod console;
mod demo;
mod grafana;
mod kpi;
mod modbus;
mod mqtt;
mod notify;
mod notify_channels;
mod restart;
mod roster;
mod tickets;
mod timeseries;
mod tsdb;
