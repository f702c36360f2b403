//! Lenient serde helpers for quirks both APIs share.
//!
//! Use them with `#[serde(deserialize_with = "...")]` (and `#[serde(default)]` for optional
//! fields).

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

struct U64Lenient;

impl<'de> Visitor<'de> for U64Lenient {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an unsigned integer, as a number or a string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom(format!("expected a non-negative integer, got {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v >= 0.0 && v <= u64::MAX as f64 {
            Ok(Some(v as u64))
        } else {
            Err(E::custom(format!("expected a whole number, got {v}")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u64>()
            .map(Some)
            .map_err(|_| E::custom(format!("expected an integer, got {v:?}")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(U64Lenient)
    }
}

struct I64Lenient;

impl<'de> Visitor<'de> for I64Lenient {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, as a number or a string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom(format!("integer {v} out of range")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v >= i64::MIN as f64 && v <= i64::MAX as f64 {
            Ok(Some(v as i64))
        } else {
            Err(E::custom(format!("expected a whole number, got {v}")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<i64>()
            .map(Some)
            .map_err(|_| E::custom(format!("expected an integer, got {v:?}")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(I64Lenient)
    }
}

/// `u64` sent as a number or a numeric string (`42`, `"42"`). `null` or `""` is an error.
///
/// # Errors
/// When the value is neither, or is empty.
pub fn u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(U64Lenient)?
        .ok_or_else(|| de::Error::custom("expected an integer, got null or an empty string"))
}

/// `Option<u64>` sent as a number, a numeric string, `null`, or `""` (none).
///
/// # Errors
/// When the value is something else.
pub fn opt_u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_option(U64Lenient)
}

/// `i64` sent as a number or a numeric string. `null` or `""` is an error.
///
/// # Errors
/// When the value is neither, or is empty.
pub fn i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(I64Lenient)?
        .ok_or_else(|| de::Error::custom("expected an integer, got null or an empty string"))
}

/// `Option<i64>` sent as a number, a numeric string, `null`, or `""` (none).
///
/// # Errors
/// When the value is something else.
pub fn opt_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(I64Lenient)
}

/// `Option<String>` where `null`, a missing field (with `#[serde(default)]`) and `""` all
/// mean none; surrounding whitespace-only strings also count as none.
///
/// # Errors
/// When the value is not a string or null.
pub fn opt_string_empty_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(v.filter(|s| !s.trim().is_empty()))
}

/// A value that may arrive as `null`: `null` becomes `T::default()`.
///
/// # Errors
/// When the value is present and does not decode as `T`.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    let v: Option<T> = serde::Deserialize::deserialize(d)?;
    Ok(v.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(deserialize_with = "u64_lenient")]
        a: u64,
        #[serde(default, deserialize_with = "opt_u64_lenient")]
        b: Option<u64>,
        #[serde(default, deserialize_with = "opt_i64_lenient")]
        c: Option<i64>,
        #[serde(default, deserialize_with = "opt_string_empty_none")]
        s: Option<String>,
        #[serde(default, deserialize_with = "null_as_default")]
        v: Vec<u32>,
        #[serde(deserialize_with = "i64_lenient")]
        i: i64,
    }

    #[test]
    fn numbers_and_strings() {
        let t: T =
            serde_json::from_str(r#"{"a":"12","b":7,"c":"-3","s":"","v":null,"i":-2}"#).unwrap();
        assert_eq!(
            (t.a, t.b, t.c, t.s, t.v, t.i),
            (12, Some(7), Some(-3), None, vec![], -2)
        );
        let t: T = serde_json::from_str(r#"{"a":12,"b":"","c":null,"s":"x","i":"5"}"#).unwrap();
        assert_eq!(
            (t.a, t.b, t.c, t.s.as_deref(), t.i),
            (12, None, None, Some("x"), 5)
        );
        let t: T = serde_json::from_str(r#"{"a":3.0,"b":null,"i":1}"#).unwrap();
        assert_eq!((t.a, t.b), (3, None));
    }

    #[test]
    fn rejects_garbage() {
        assert!(serde_json::from_str::<T>(r#"{"a":"x","i":1}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a":-1,"i":1}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a":null,"i":1}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"a":1.5,"i":1}"#).is_err());
    }
}
