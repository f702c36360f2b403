//! Exact decimals on the wire: a [`Decimal`] written as a JSON **number** with every digit.
//!
//! `rust_decimal`'s own `Serialize` writes a string (`"19.99"`), while both APIs type many
//! amounts as JSON `number` (BigCommerce v3 prices, Mirakl OF24 `price`, OR28 `amount`, …).
//! Going through `f64` would lose digits (an `f64` keeps about 16 significant digits, a
//! `Decimal` 28), so these helpers hand the decimal's own text (`Decimal` never prints an
//! exponent) to `serde_json` as a raw JSON number (serde_json's `raw_value`). Decoding is
//! unchanged: `Decimal` accepts numbers and strings (a JSON number is read through `f64`,
//! exact for amounts of up to about 15 significant digits).
//!
//! Use with `#[serde(serialize_with = "bc_mirakl_api_core::decimal::number")]`, or
//! [`option`] for `Option<Decimal>`, or wrap a value in [`JsonNumber`] when building JSON by
//! hand. With a serializer other than `serde_json` the number is handed over as
//! serde_json's raw value (a JSON-only construct); `serde_json::to_value` still gives a
//! number.
//!
//! ```
//! use bc_mirakl_api_core::decimal::JsonNumber;
//! let price: rust_decimal::Decimal = "1234567.8901".parse().unwrap();
//! assert_eq!(serde_json::to_string(&JsonNumber(price)).unwrap(), "1234567.8901");
//! ```

use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::{Error as _, Serializer};
use serde_json::value::RawValue;

/// Writes `value` as a JSON number with exactly its decimal digits (`10.00` stays `10.00`).
///
/// # Errors
/// Only when the serializer fails: a decimal's text is always a valid JSON number.
pub fn number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let raw = RawValue::from_string(value.to_string())
        .map_err(|e| S::Error::custom(format!("decimal {value} as a JSON number: {e}")))?;
    raw.serialize(s)
}

/// [`number`] for `Option<Decimal>` (`None` is `null`; pair it with
/// `skip_serializing_if = "Option::is_none"` to leave the field out).
///
/// # Errors
/// Only when the serializer fails.
pub fn option<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => number(v, s),
        None => s.serialize_none(),
    }
}

/// A `Decimal` that serializes as an exact JSON number (for building JSON by hand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonNumber(pub Decimal);

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        number(&self.0, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[derive(Serialize)]
    struct Amounts {
        #[serde(serialize_with = "number")]
        a: Decimal,
        #[serde(serialize_with = "option")]
        b: Option<Decimal>,
        #[serde(serialize_with = "option")]
        c: Option<Decimal>,
    }

    #[test]
    fn exact_numbers_not_strings_nor_floats() {
        let v = Amounts {
            a: dec("19.99"),
            b: Some(dec("1234567.8901")),
            c: None,
        };
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(text, r#"{"a":19.99,"b":1234567.8901,"c":null}"#);
        // 28 significant digits survive (an f64 keeps about 16).
        let big = dec("1234567890123456.789012345678");
        let text = serde_json::to_string(&JsonNumber(big)).unwrap();
        assert_eq!(text, "1234567890123456.789012345678");
        // Trailing zeros and the sign are kept.
        assert_eq!(
            serde_json::to_string(&JsonNumber(dec("-0.10"))).unwrap(),
            "-0.10"
        );
        assert_eq!(
            serde_json::to_string(&JsonNumber(dec("10.00"))).unwrap(),
            "10.00"
        );
        // Through `to_value` it is still a number, and a money-sized amount reads back to the
        // same decimal (decoding a number goes through `f64`, exact up to ~15 digits).
        let v = serde_json::to_value(JsonNumber(dec("19.99"))).unwrap();
        assert!(v.is_number(), "{v}");
        let text = serde_json::to_string(&JsonNumber(dec("1234567.8901"))).unwrap();
        let back: Decimal = serde_json::from_str(&text).unwrap();
        assert_eq!(back, dec("1234567.8901"));
    }
}
