//! Money on the wire: [`Decimal`] written as a JSON **number** with its exact digits.
//!
//! `rust_decimal`'s own `Serialize` writes a string (`"19.99"`), while Mirakl's contract
//! types request amounts as `number` (OF24 `price`, `discount.price`, OR28 `amount`,
//! `taxes[].amount`, …). Going through `f64` would lose digits, so these helpers hand the
//! decimal's own text (`Decimal` never prints an exponent) to `serde_json` as a raw JSON
//! number. Decoding is unchanged: [`Decimal`] accepts numbers and strings.
//!
//! Use with `#[serde(serialize_with = "crate::money::number")]` (or
//! [`option`] / [`vec`] for `Option<Decimal>` / `Vec<Decimal>`). Outside `serde_json` (for
//! example `serde_json::to_value`) the value still comes out as a number.

use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::{Error as _, Serializer};
use serde_json::value::RawValue;

/// Writes `value` as a JSON number with exactly its decimal digits.
///
/// # Errors
/// Only when the serializer fails.
pub fn number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let raw = RawValue::from_string(value.to_string()).map_err(S::Error::custom)?;
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
            a: "19.99".parse().unwrap(),
            b: Some("1234567.8901".parse().unwrap()),
            c: None,
        };
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(text, r#"{"a":19.99,"b":1234567.8901,"c":null}"#);
        // 28 significant digits survive (an f64 keeps about 16).
        let big: Decimal = "1234567890123456.789012345678".parse().unwrap();
        let text = serde_json::to_string(&JsonNumber(big)).unwrap();
        assert_eq!(text, "1234567890123456.789012345678");
        let neg: Decimal = "-0.10".parse().unwrap();
        assert_eq!(serde_json::to_string(&JsonNumber(neg)).unwrap(), "-0.10");
        // Through `to_value` it is still a number.
        let v = serde_json::to_value(JsonNumber("19.99".parse().unwrap())).unwrap();
        assert!(v.is_number(), "{v}");
    }
}
