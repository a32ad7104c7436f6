//! Turning raw register words, bits and payload text into values.
//!
//! Every point's decoder is resolved once at load time into a [`Decoder`] plus a
//! [`Conversion`]; polling then does no string matching (the way Telegraf's modbus plugin
//! picks its converter in `Init()`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::Value;

/// The Modbus table a point lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Coil,
    DiscreteInput,
    Holding,
    Input,
}

impl Table {
    pub fn parse(s: &str) -> Option<Table> {
        Some(match s {
            "coil" => Table::Coil,
            "discrete_input" => Table::DiscreteInput,
            "holding" => Table::Holding,
            "input" => Table::Input,
            _ => return None,
        })
    }

    /// Bit tables carry one bit per address; register tables 16.
    pub fn is_bits(self) -> bool {
        matches!(self, Table::Coil | Table::DiscreteInput)
    }

    /// Most addresses one request may read (Modbus application protocol, §6).
    pub fn max_per_request(self) -> u16 {
        if self.is_bits() {
            2000
        } else {
            125
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Coil => "coil",
            Table::DiscreteInput => "discrete_input",
            Table::Holding => "holding",
            Table::Input => "input",
        }
    }
}

/// Order of bytes and 16-bit words in multi-register values, named by where the bytes of
/// a big-endian `ABCD` value end up on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WordOrder {
    /// Big-endian words and bytes (the Modbus default).
    Abcd,
    /// Words swapped (low word first), bytes big-endian: common on PLCs.
    Cdab,
    /// Words in order, bytes swapped within each word.
    Badc,
    /// Fully little-endian.
    Dcba,
}

impl WordOrder {
    pub fn parse(s: &str) -> Option<WordOrder> {
        Some(match s {
            "ABCD" => WordOrder::Abcd,
            "CDAB" => WordOrder::Cdab,
            "BADC" => WordOrder::Badc,
            "DCBA" => WordOrder::Dcba,
            _ => return None,
        })
    }
}

/// A numeric register type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Number {
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
}

impl Number {
    pub fn words(self) -> u16 {
        match self {
            Number::U16 | Number::I16 => 1,
            Number::U32 | Number::I32 | Number::F32 => 2,
            Number::U64 | Number::I64 | Number::F64 => 4,
        }
    }

    fn is_integer(self) -> bool {
        !matches!(self, Number::F32 | Number::F64)
    }
}

/// How the raw words or bits of one point become a raw value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Decoder {
    /// One coil or discrete input.
    Bit,
    /// A whole register read as a flag: non-zero is true.
    RegisterBool,
    /// Bit N (0 = least significant) of one register.
    RegisterBit(u8),
    /// A number spanning 1, 2 or 4 registers.
    Number { ty: Number, order: WordOrder },
    /// ASCII text, two characters per register.
    Text { registers: u16, order: WordOrder },
}

impl Decoder {
    /// How many addresses (registers or bits) the point spans.
    pub fn width(&self) -> u16 {
        match self {
            Decoder::Bit | Decoder::RegisterBool | Decoder::RegisterBit(_) => 1,
            Decoder::Number { ty, .. } => ty.words(),
            Decoder::Text { registers, .. } => *registers,
        }
    }

    /// Whether the decoder yields a flag (so boolean roles may use it).
    pub fn is_bool(&self) -> bool {
        matches!(self, Decoder::Bit | Decoder::RegisterBool | Decoder::RegisterBit(_))
    }

    /// Whether the decoder yields an integer (so an enum map can apply).
    pub fn is_integer(&self) -> bool {
        matches!(self, Decoder::Number { ty, .. } if ty.is_integer())
    }
}

/// What happens to a raw value before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Conversion {
    /// `value = raw * scale + offset` for numbers.
    pub scale: Option<f64>,
    pub offset: Option<f64>,
    /// Integer code → label, for selectors and positions.
    pub enum_map: Option<Arc<BTreeMap<i64, Arc<str>>>>,
    /// For normally-closed contacts: true means "not set".
    pub invert: bool,
}

/// Why a raw reading could not become a value (the point goes `bad`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("expected {expected} registers/bits, got {got}")]
    Short { expected: usize, got: usize },
    #[error("code {0} is not in the point's enum mapping")]
    UnmappedCode(i64),
    #[error("value is not a finite number")]
    NotFinite,
}

/// Reorders the words of a multi-register value into big-endian bytes.
fn be_bytes(words: &[u16], order: WordOrder) -> Vec<u8> {
    let mut out = Vec::with_capacity(words.len() * 2);
    let push = |out: &mut Vec<u8>, w: u16, swap: bool| {
        let [hi, lo] = w.to_be_bytes();
        if swap {
            out.extend([lo, hi]);
        } else {
            out.extend([hi, lo]);
        }
    };
    match order {
        WordOrder::Abcd => words.iter().for_each(|w| push(&mut out, *w, false)),
        WordOrder::Badc => words.iter().for_each(|w| push(&mut out, *w, true)),
        WordOrder::Cdab => words.iter().rev().for_each(|w| push(&mut out, *w, false)),
        WordOrder::Dcba => words.iter().rev().for_each(|w| push(&mut out, *w, true)),
    }
    out
}

/// A raw number before conversion: integers stay exact until scaled.
enum Raw {
    Int(i128),
    Float(f64),
}

fn decode_number(words: &[u16], ty: Number, order: WordOrder) -> Raw {
    let b = be_bytes(words, order);
    let arr2 = |b: &[u8]| [b[0], b[1]];
    let arr4 = |b: &[u8]| [b[0], b[1], b[2], b[3]];
    let arr8 = |b: &[u8]| [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
    match ty {
        Number::U16 => Raw::Int(u16::from_be_bytes(arr2(&b)).into()),
        Number::I16 => Raw::Int(i16::from_be_bytes(arr2(&b)).into()),
        Number::U32 => Raw::Int(u32::from_be_bytes(arr4(&b)).into()),
        Number::I32 => Raw::Int(i32::from_be_bytes(arr4(&b)).into()),
        Number::U64 => Raw::Int(u64::from_be_bytes(arr8(&b)).into()),
        Number::I64 => Raw::Int(i64::from_be_bytes(arr8(&b)).into()),
        Number::F32 => Raw::Float(f32::from_be_bytes(arr4(&b)).into()),
        Number::F64 => Raw::Float(f64::from_be_bytes(arr8(&b))),
    }
}

impl Conversion {
    /// Applies the conversion to a flag.
    pub fn flag(&self, raw: bool) -> Value {
        Value::Bool(raw != self.invert)
    }

    /// Applies the enum map or scale/offset to an integer code.
    pub fn integer(&self, code: i128) -> Result<Value, DecodeError> {
        if let Some(map) = &self.enum_map {
            let code = i64::try_from(code).map_err(|_| DecodeError::UnmappedCode(i64::MAX))?;
            return map
                .get(&code)
                .map(|label| Value::Enum {
                    code,
                    label: label.clone(),
                })
                .ok_or(DecodeError::UnmappedCode(code));
        }
        self.number(code as f64)
    }

    /// Applies scale and offset to a measurement.
    pub fn number(&self, raw: f64) -> Result<Value, DecodeError> {
        let v = raw * self.scale.unwrap_or(1.0) + self.offset.unwrap_or(0.0);
        if v.is_finite() {
            Ok(Value::Number(v))
        } else {
            Err(DecodeError::NotFinite)
        }
    }
}

/// Decodes register words (`words.len()` must equal the decoder's width).
pub fn decode_registers(dec: &Decoder, conv: &Conversion, words: &[u16]) -> Result<Value, DecodeError> {
    let need = usize::from(dec.width());
    if words.len() < need {
        return Err(DecodeError::Short {
            expected: need,
            got: words.len(),
        });
    }
    let words = &words[..need];
    match dec {
        Decoder::Bit | Decoder::RegisterBool => Ok(conv.flag(words[0] != 0)),
        Decoder::RegisterBit(n) => Ok(conv.flag(words[0] & (1u16 << n) != 0)),
        Decoder::Number { ty, order } => match decode_number(words, *ty, *order) {
            Raw::Int(i) => conv.integer(i),
            Raw::Float(f) => conv.number(f),
        },
        Decoder::Text { order, .. } => {
            let bytes = be_bytes(
                words,
                match order {
                    // Text is read register by register; only the byte order inside a word matters.
                    WordOrder::Badc | WordOrder::Dcba => WordOrder::Badc,
                    _ => WordOrder::Abcd,
                },
            );
            let text = String::from_utf8_lossy(&bytes);
            Ok(Value::Text(text.trim_end_matches(['\0', ' ']).into()))
        }
    }
}

/// Decodes one coil or discrete input.
pub fn decode_bit(conv: &Conversion, bit: bool) -> Value {
    conv.flag(bit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(ty: Number, order: WordOrder, words: &[u16]) -> Value {
        decode_registers(&Decoder::Number { ty, order }, &Conversion::default(), words).unwrap()
    }

    #[test]
    fn f32_decodes_in_all_four_word_orders() {
        // 123.456f32 = 0x42F6E979: A=42 B=F6 C=E9 D=79
        let expect = Value::Number(f64::from(123.456f32));
        assert_eq!(num(Number::F32, WordOrder::Abcd, &[0x42F6, 0xE979]), expect);
        assert_eq!(num(Number::F32, WordOrder::Cdab, &[0xE979, 0x42F6]), expect);
        assert_eq!(num(Number::F32, WordOrder::Badc, &[0xF642, 0x79E9]), expect);
        assert_eq!(num(Number::F32, WordOrder::Dcba, &[0x79E9, 0xF642]), expect);
    }

    #[test]
    fn integers_of_every_width_and_sign_decode() {
        let table: &[(Number, WordOrder, &[u16], f64)] = &[
            (Number::U16, WordOrder::Abcd, &[0xFFFF], 65535.0),
            (Number::I16, WordOrder::Abcd, &[0xFFFF], -1.0),
            (Number::I16, WordOrder::Badc, &[0x00FF], -256.0),
            (Number::U32, WordOrder::Abcd, &[0x0001, 0x0000], 65536.0),
            (Number::U32, WordOrder::Cdab, &[0x0000, 0x0001], 65536.0),
            (Number::I32, WordOrder::Abcd, &[0xFFFF, 0xFFFE], -2.0),
            (Number::I32, WordOrder::Dcba, &[0xFEFF, 0xFFFF], -2.0),
            (Number::U64, WordOrder::Abcd, &[0, 0, 1, 0], 65536.0),
            (Number::U64, WordOrder::Cdab, &[0, 1, 0, 0], 65536.0),
            (Number::I64, WordOrder::Abcd, &[0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], -1.0),
            (Number::F64, WordOrder::Abcd, &[0x4059, 0, 0, 0], 100.0),
            (Number::F64, WordOrder::Dcba, &[0, 0, 0, 0x5940], 100.0),
        ];
        for (ty, order, words, expect) in table {
            assert_eq!(
                num(*ty, *order, words),
                Value::Number(*expect),
                "{ty:?} {order:?} {words:?}"
            );
        }
    }

    #[test]
    fn scale_and_offset_apply_after_decoding() {
        let conv = Conversion {
            scale: Some(0.01),
            offset: Some(-1.0),
            ..Default::default()
        };
        let v = decode_registers(
            &Decoder::Number {
                ty: Number::I16,
                order: WordOrder::Abcd,
            },
            &conv,
            &[450],
        )
        .unwrap();
        assert!(matches!(v, Value::Number(n) if (n - 3.5).abs() < 1e-9));
    }

    #[test]
    fn register_bit_and_invert_give_flags() {
        let plain = Conversion::default();
        let inverted = Conversion {
            invert: true,
            ..Default::default()
        };
        assert_eq!(
            decode_registers(&Decoder::RegisterBit(3), &plain, &[0b1000]).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            decode_registers(&Decoder::RegisterBit(2), &plain, &[0b1000]).unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            decode_registers(&Decoder::RegisterBit(15), &inverted, &[0x8000]).unwrap(),
            Value::Bool(false)
        );
        assert_eq!(decode_bit(&inverted, false), Value::Bool(true));
    }

    #[test]
    fn enum_codes_map_to_labels_and_unknown_codes_are_errors() {
        let map: BTreeMap<i64, Arc<str>> = [(0, "STOP".into()), (1, "MANUAL".into()), (2, "AUTO".into())].into();
        let conv = Conversion {
            enum_map: Some(Arc::new(map)),
            ..Default::default()
        };
        let dec = Decoder::Number {
            ty: Number::U16,
            order: WordOrder::Abcd,
        };
        assert_eq!(decode_registers(&dec, &conv, &[2]).unwrap().label(), Some("AUTO"));
        assert_eq!(decode_registers(&dec, &conv, &[7]), Err(DecodeError::UnmappedCode(7)));
    }

    #[test]
    fn text_reads_two_characters_per_register_and_trims_padding() {
        let dec = Decoder::Text {
            registers: 3,
            order: WordOrder::Abcd,
        };
        let v = decode_registers(&dec, &Conversion::default(), &[0x4745, 0x4E31, 0x0000]).unwrap();
        assert_eq!(v, Value::Text("GEN1".into()));
        let swapped = Decoder::Text {
            registers: 2,
            order: WordOrder::Badc,
        };
        let v = decode_registers(&swapped, &Conversion::default(), &[0x4547, 0x314E]).unwrap();
        assert_eq!(v, Value::Text("GEN1".into()));
    }

    #[test]
    fn short_reads_and_nan_are_errors_not_values() {
        let dec = Decoder::Number {
            ty: Number::F32,
            order: WordOrder::Abcd,
        };
        assert!(matches!(
            decode_registers(&dec, &Conversion::default(), &[1]),
            Err(DecodeError::Short { .. })
        ));
        assert_eq!(
            decode_registers(&dec, &Conversion::default(), &[0x7FC0, 0]),
            Err(DecodeError::NotFinite)
        );
    }
}
