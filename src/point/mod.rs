//! Points: what one role of one piece of equipment reads right now, and how sure we are.
//!
//! A point's value is never shown without its quality: a value we could not refresh is
//! `stale`, one the device or payload refused is `bad`, one never read is `unknown`. Later
//! stages (rules, live view) must treat anything but `good` as "cannot tell".

pub mod decode;
pub mod store;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

pub use store::{PointChange, PointState, PointStore};

/// Dense index of a point in the plan and the store; assigned once at load time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PointIndex(pub usize);

/// The name a building engineer uses: `gen-1.mode_selector`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PointKey {
    pub equipment: Arc<str>,
    pub role: Arc<str>,
}

impl fmt::Display for PointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.equipment, self.role)
    }
}

/// How far a value can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// Read just now from a device that answered sensibly.
    Good,
    /// The device answered but refused (Modbus exception) or the payload could not be
    /// decoded: the source is there but this value is wrong.
    Bad,
    /// No fresh reading: the device did not answer in time, the link is down, or an MQTT
    /// topic has been silent past its `stale_after_s`. The value shown is the last good one.
    Stale,
    /// Never read since start.
    Unknown,
}

impl Quality {
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Good => "good",
            Quality::Bad => "bad",
            Quality::Stale => "stale",
            Quality::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Number(f64),
    /// A selector or position: the raw code and the label from the enum mapping.
    Enum {
        code: i64,
        label: Arc<str>,
    },
    Text(Arc<str>),
}

impl Value {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The enum label (`AUTO`), if this is an enum.
    pub fn label(&self) -> Option<&str> {
        match self {
            Value::Enum { label, .. } => Some(label),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    write!(f, "{n:.0}")
                } else {
                    write!(f, "{:.2}", n)
                }
            }
            Value::Enum { label, .. } => f.write_str(label),
            Value::Text(t) => f.write_str(t),
        }
    }
}
