//! Turning an MQTT payload into a value: plain text or a JSON pointer into a document,
//! then the point's bool/number/enum mapping. Pure, so malformed input is easy to test.

use crate::config::{MqttPoint, PayloadKind};
use crate::point::Value;

/// Why a payload could not be used (the point goes `bad`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    #[error("payload is not UTF-8 text")]
    NotText,
    #[error("payload is not JSON: {0}")]
    NotJson(String),
    #[error("JSON pointer {0} not found in payload")]
    Missing(String),
    #[error("{0:?} is not a recognised on/off value")]
    NotBool(String),
    #[error("{0:?} is not a number")]
    NotNumber(String),
    #[error("{0}")]
    Decode(#[from] crate::point::decode::DecodeError),
}

/// One scalar taken from the payload.
enum Scalar {
    Bool(bool),
    Number(f64),
    Text(String),
}

fn scalar(point: &MqttPoint, payload: &[u8]) -> Result<Scalar, PayloadError> {
    let text = std::str::from_utf8(payload).map_err(|_| PayloadError::NotText)?;
    let Some(ptr) = &point.json_pointer else {
        return Ok(Scalar::Text(text.trim().to_string()));
    };
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    match doc.pointer(ptr) {
        Some(serde_json::Value::Bool(b)) => Ok(Scalar::Bool(*b)),
        Some(serde_json::Value::Number(n)) => n
            .as_f64()
            .map(Scalar::Number)
            .ok_or_else(|| PayloadError::NotNumber(n.to_string())),
        Some(serde_json::Value::String(s)) => Ok(Scalar::Text(s.trim().to_string())),
        Some(other) => Err(PayloadError::NotNumber(other.to_string())),
        None => Err(PayloadError::Missing(ptr.clone())),
    }
}

/// Extracts and converts the point's value from a payload.
pub fn extract(point: &MqttPoint, payload: &[u8]) -> Result<Value, PayloadError> {
    let conv = &point.conversion;
    let s = scalar(point, payload)?;
    match &point.kind {
        PayloadKind::Bool {
            true_values,
            false_values,
        } => match s {
            Scalar::Bool(b) => Ok(conv.flag(b)),
            Scalar::Number(n) if n == 0.0 || n == 1.0 => Ok(conv.flag(n == 1.0)),
            Scalar::Number(n) => Err(PayloadError::NotBool(n.to_string())),
            Scalar::Text(t) => {
                let is = |list: &[String]| list.iter().any(|v| v.eq_ignore_ascii_case(&t));
                if is(true_values) {
                    Ok(conv.flag(true))
                } else if is(false_values) {
                    Ok(conv.flag(false))
                } else {
                    Err(PayloadError::NotBool(t))
                }
            }
        },
        PayloadKind::Number => {
            let n = match s {
                Scalar::Number(n) => n,
                Scalar::Bool(b) => f64::from(u8::from(b)),
                Scalar::Text(t) => {
                    // An enum point may publish its label instead of its code.
                    if let Some(map) = &conv.enum_map {
                        if let Some((code, label)) = map.iter().find(|(_, l)| l.eq_ignore_ascii_case(&t)) {
                            return Ok(Value::Enum {
                                code: *code,
                                label: label.clone(),
                            });
                        }
                    }
                    t.parse::<f64>().map_err(|_| PayloadError::NotNumber(t))?
                }
            };
            if conv.enum_map.is_some() {
                if n.fract() != 0.0 {
                    return Err(PayloadError::NotNumber(n.to_string()));
                }
                Ok(conv.integer(n as i128)?)
            } else {
                Ok(conv.number(n)?)
            }
        }
        PayloadKind::Text => Ok(Value::Text(match s {
            Scalar::Text(t) => t.into(),
            Scalar::Number(n) => n.to_string().into(),
            Scalar::Bool(b) => b.to_string().into(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::point::decode::Conversion;

    fn point(kind: PayloadKind, ptr: Option<&str>) -> MqttPoint {
        MqttPoint {
            broker: 0,
            topic: "t".into(),
            json_pointer: ptr.map(String::from),
            kind,
            conversion: Conversion::default(),
            stale_after: None,
        }
    }
    fn boolean() -> PayloadKind {
        PayloadKind::Bool {
            true_values: vec!["ALARM".into(), "1".into(), "true".into()],
            false_values: vec!["NORMAL".into(), "0".into(), "false".into()],
        }
    }

    #[test]
    fn json_pointer_reads_a_fire_panel_contact() {
        let p = point(boolean(), Some("/alarm"));
        assert_eq!(extract(&p, br#"{"alarm":true,"fault":false}"#), Ok(Value::Bool(true)));
        assert_eq!(extract(&p, br#"{"alarm":"NORMAL"}"#), Ok(Value::Bool(false)));
    }

    #[test]
    fn plain_payloads_map_to_flags_and_numbers() {
        assert_eq!(extract(&point(boolean(), None), b" 1\n"), Ok(Value::Bool(true)));
        let mut n = point(PayloadKind::Number, None);
        n.conversion.scale = Some(0.1);
        assert_eq!(extract(&n, b"455"), Ok(Value::Number(45.5)));
    }

    #[test]
    fn enum_points_accept_codes_and_labels() {
        let mut p = point(PayloadKind::Number, Some("/mode"));
        let map: BTreeMap<i64, Arc<str>> = [(0, "STOP".into()), (2, "AUTO".into())].into();
        p.conversion.enum_map = Some(Arc::new(map));
        assert_eq!(extract(&p, br#"{"mode":2}"#).unwrap().label(), Some("AUTO"));
        assert_eq!(extract(&p, br#"{"mode":"stop"}"#).unwrap().label(), Some("STOP"));
        assert!(extract(&p, br#"{"mode":5}"#).is_err());
    }

    #[test]
    fn garbage_payloads_are_errors_never_values() {
        let p = point(boolean(), Some("/alarm"));
        assert!(matches!(extract(&p, b"{not json"), Err(PayloadError::NotJson(_))));
        assert!(matches!(extract(&p, br#"{"other":1}"#), Err(PayloadError::Missing(_))));
        assert!(matches!(extract(&p, &[0xff, 0xfe]), Err(PayloadError::NotText)));
        assert!(matches!(
            extract(&p, br#"{"alarm":"maybe"}"#),
            Err(PayloadError::NotBool(_))
        ));
        assert!(matches!(
            extract(&point(PayloadKind::Number, None), b"NaN-ish"),
            Err(PayloadError::NotNumber(_))
        ));
        assert!(extract(&point(PayloadKind::Number, None), b"inf").is_err());
    }
}
