//! The daemon's own counters, in one place, so the log line and the metric never disagree.
//!
//! Names follow `facmon_<stage>_<noun>_<unit>_total`; the metrics endpoint (API issue)
//! renders [`Metrics::render`].

use std::sync::atomic::{AtomicU64, Ordering};

/// A monotonically increasing counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Every counter the daemon keeps.
#[derive(Debug, Default)]
pub struct Metrics {
    pub modbus_requests: Counter,
    pub modbus_timeouts: Counter,
    pub modbus_exceptions: Counter,
    pub modbus_transport_errors: Counter,
    pub modbus_connects: Counter,
    pub decode_errors: Counter,
    pub mqtt_messages: Counter,
    pub mqtt_payload_errors: Counter,
    pub mqtt_connection_errors: Counter,
    pub journal_errors: Counter,
    /// Alarm states and events the broker acknowledged (`[alarm_mqtt]`).
    pub sink_mqtt_published: Counter,
    /// Alarm events never published: the queue was full, the transition feed lagged, or a
    /// payload was too large. Dropped states are not counted: they are always republished.
    pub sink_mqtt_dropped: Counter,
    pub sink_mqtt_connection_errors: Counter,
    /// Lines the time-series databases took (all `[[influx]]` targets together).
    pub sink_influx_lines_written: Counter,
    /// Reading lines dropped because a queue was over `queue_max_bytes`.
    pub sink_influx_lines_dropped: Counter,
    /// Lines a database refused as malformed (HTTP 400): not retried.
    pub sink_influx_lines_refused: Counter,
    pub sink_influx_write_errors: Counter,
    /// Notifications a channel confirmed.
    pub notify_sent: Counter,
    /// Send attempts that failed and will be retried.
    pub notify_retries: Counter,
    /// Notifications a channel refused for good (bad address, bad config): kept in the outbox.
    pub notify_failed: Counter,
    /// Page rounds for a role that nobody on the roster holds at that time.
    pub notify_unstaffed: Counter,
    /// Notifications waiting in the outbox.
    pub notify_outbox_pending: Gauge,
    /// Store-and-forward queues: batches, bytes, and the age of the oldest batch.
    pub sink_influx_queue_batches: Gauge,
    pub sink_influx_queue_bytes: Gauge,
    pub sink_influx_queue_oldest_seconds: Gauge,
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Metrics {
    /// Prometheus text format.
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &Counter); 21] = [
            (
                "facmon_modbus_requests_total",
                "Modbus read requests sent",
                &self.modbus_requests,
            ),
            (
                "facmon_modbus_timeouts_total",
                "Modbus requests without an answer in time",
                &self.modbus_timeouts,
            ),
            (
                "facmon_modbus_exceptions_total",
                "Modbus exception answers (device refused)",
                &self.modbus_exceptions,
            ),
            (
                "facmon_modbus_transport_errors_total",
                "Modbus link failures",
                &self.modbus_transport_errors,
            ),
            (
                "facmon_modbus_connects_total",
                "Modbus connection attempts",
                &self.modbus_connects,
            ),
            (
                "facmon_point_decode_errors_total",
                "Readings that could not be decoded",
                &self.decode_errors,
            ),
            (
                "facmon_mqtt_messages_total",
                "MQTT messages received",
                &self.mqtt_messages,
            ),
            (
                "facmon_mqtt_payload_errors_total",
                "MQTT payloads that could not be decoded",
                &self.mqtt_payload_errors,
            ),
            (
                "facmon_mqtt_connection_errors_total",
                "MQTT broker connection failures",
                &self.mqtt_connection_errors,
            ),
            (
                "facmon_alarm_journal_errors_total",
                "Alarm transitions that could not be journaled",
                &self.journal_errors,
            ),
            (
                "facmon_sink_mqtt_published_total",
                "Alarm states and events published on MQTT and acknowledged by the broker",
                &self.sink_mqtt_published,
            ),
            (
                "facmon_sink_mqtt_dropped_total",
                "Alarm events not published on MQTT (queue full, feed lagged, too large)",
                &self.sink_mqtt_dropped,
            ),
            (
                "facmon_sink_mqtt_connection_errors_total",
                "Alarm MQTT publisher connection failures",
                &self.sink_mqtt_connection_errors,
            ),
            (
                "facmon_sink_influx_lines_written_total",
                "Lines the time-series databases took",
                &self.sink_influx_lines_written,
            ),
            (
                "facmon_sink_influx_lines_dropped_total",
                "Reading lines dropped because a time-series queue was full",
                &self.sink_influx_lines_dropped,
            ),
            (
                "facmon_sink_influx_lines_refused_total",
                "Lines a time-series database refused as malformed",
                &self.sink_influx_lines_refused,
            ),
            (
                "facmon_sink_influx_write_errors_total",
                "Failed time-series write requests (retried)",
                &self.sink_influx_write_errors,
            ),
            (
                "facmon_notify_sent_total",
                "Notifications a channel confirmed",
                &self.notify_sent,
            ),
            (
                "facmon_notify_retries_total",
                "Notification send attempts that failed and are retried",
                &self.notify_retries,
            ),
            (
                "facmon_notify_failed_total",
                "Notifications a channel refused for good",
                &self.notify_failed,
            ),
            (
                "facmon_notify_unstaffed_total",
                "Pages for a role that nobody on the roster held",
                &self.notify_unstaffed,
            ),
        ];
        let mut out = String::new();
        for (name, help, c) in rows {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                c.get()
            ));
        }
        let gauges: [(&str, &str, &Gauge); 4] = [
            (
                "facmon_notify_outbox_pending",
                "Notifications waiting in the outbox",
                &self.notify_outbox_pending,
            ),
            (
                "facmon_sink_influx_queue_batches",
                "Batches waiting in the time-series queues",
                &self.sink_influx_queue_batches,
            ),
            (
                "facmon_sink_influx_queue_bytes",
                "Bytes waiting in the time-series queues",
                &self.sink_influx_queue_bytes,
            ),
            (
                "facmon_sink_influx_queue_oldest_seconds",
                "Age of the oldest batch waiting in a time-series queue",
                &self.sink_influx_queue_oldest_seconds,
            ),
        ];
        for (name, help, g) in gauges {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}\n",
                g.get()
            ));
        }
        out
    }
}
