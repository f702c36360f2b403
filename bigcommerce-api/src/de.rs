//! Serde helpers for BigCommerce wire quirks: money as strings or numbers, RFC 2822 and
//! RFC 3339 dates with `""` meaning none.
//!
//! Public so that other crates (the sandbox, connectors) can reuse the exact same rules with
//! `#[serde(with = "...")]` / `deserialize_with`.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

struct DecimalVisitor {
    lenient: bool,
}

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number, as a JSON number or a string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Go through the shortest round-trip text so that 7.95 stays 7.95.
        Decimal::from_str(&v.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
            .map(Some)
            .map_err(|_| E::custom(format!("number {v} does not fit a decimal")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        Decimal::from_str(t)
            .or_else(|_| Decimal::from_scientific(t))
            .map(Some)
            .map_err(|_| E::custom(format!("expected a decimal, got {v:?}")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if self.lenient {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        } else {
            Err(de::Error::invalid_type(de::Unexpected::Map, &self))
        }
    }
}

/// A decimal sent as a JSON number or a string (`7.95`, `"109.0000"`). `null`/`""` is an error.
///
/// # Errors
/// When the value is not a decimal.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor { lenient: false })?
        .ok_or_else(|| de::Error::custom("expected a decimal, got null or an empty string"))
}

/// An optional decimal: number, string, `null` or `""` (none).
///
/// # Errors
/// When the value is something else.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    d.deserialize_option(DecimalVisitor { lenient: false })
}

/// Like [`opt_decimal`], but an object (the spec's variant example sends `"map_price": {}`)
/// also means none.
///
/// # Errors
/// When the value is an unparsable string or an array.
pub fn opt_decimal_or_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    d.deserialize_option(DecimalVisitor { lenient: true })
}

/// A decimal defaulting to zero when `null` or `""`.
///
/// # Errors
/// When the value is not a decimal.
pub fn decimal_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    Ok(opt_decimal(d)?.unwrap_or_default())
}

/// Parses a date in RFC 3339 (v3, webhooks) or RFC 2822 (v2) form.
pub fn parse_datetime(text: &str) -> Option<OffsetDateTime> {
    let t = text.trim();
    OffsetDateTime::parse(t, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(t, &Rfc2822))
        .ok()
}

/// An optional date in RFC 3339 or RFC 2822 form; `null` and `""` mean none.
///
/// # Errors
/// When the text is neither format.
pub fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    let v: Option<String> = Option::deserialize(d)?;
    match v {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => parse_datetime(&s).map(Some).ok_or_else(|| {
            de::Error::custom(format!("expected an RFC 3339 or RFC 2822 date, got {s:?}"))
        }),
    }
}

/// Serialises an optional date as RFC 2822 (the v2 write format); use with
/// `skip_serializing_if = "Option::is_none"`.
///
/// # Errors
/// When the date cannot be formatted (year out of RFC 2822 range).
pub fn ser_opt_rfc2822<S: Serializer>(v: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(dt) => {
            let text = dt
                .format(&Rfc2822)
                .map_err(|e| serde::ser::Error::custom(e.to_string()))?;
            s.serialize_str(&text)
        }
        None => s.serialize_none(),
    }
}

/// Serialises a decimal as a JSON number with exactly its decimal digits (`19.99` stays
/// `19.99`, `10.00` is sent as `10.00`), never through `f64`: wherever a contract types a
/// money amount as `number` (v3 bodies, v2 order-line prices). The shared helper
/// [`bc_mirakl_api_core::decimal::number`]; [`ser_opt_decimal_number`] is its `Option` form.
pub use bc_mirakl_api_core::decimal::number as ser_decimal_number;

/// Serialises a decimal as a JSON string with its exact digits (`"109.0000"`), as v2 fields
/// typed `string` expect (order `shipping_cost_ex_tax`, ...). Explicit so that no `rust_decimal`
/// feature enabled elsewhere in a build can change the wire form.
///
/// # Errors
/// Never in practice; the signature is serde's.
pub fn ser_decimal_string<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// [`ser_decimal_string`] for optional values (`None` as `null`).
///
/// # Errors
/// Never in practice; the signature is serde's.
pub fn ser_opt_decimal_string<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => ser_decimal_string(d, s),
        None => s.serialize_none(),
    }
}

/// [`ser_decimal_number`] for optional values (`None` as `null`): the shared
/// [`bc_mirakl_api_core::decimal::option`].
pub use bc_mirakl_api_core::decimal::option as ser_opt_decimal_number;

/// Serialises an optional date as RFC 3339 (v3 format).
///
/// # Errors
/// When the date cannot be formatted.
pub fn ser_opt_rfc3339<S: Serializer>(v: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(dt) => {
            let text = dt
                .format(&Rfc3339)
                .map_err(|e| serde::ser::Error::custom(e.to_string()))?;
            s.serialize_str(&text)
        }
        None => s.serialize_none(),
    }
}

/// Formats a date as RFC 3339 for query filters such as `date_modified:min`: in UTC and
/// in whole seconds (`2025-01-15T00:03:17Z`, the shape of the spec's example), the fraction
/// dropped (so a `:min` watermark never skips a change).
pub fn format_rfc3339(dt: OffsetDateTime) -> String {
    let utc = whole_seconds_utc(dt);
    utc.format(&Rfc3339)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// Formats a date as RFC 2822 in UTC (`Thu, 27 Aug 2020 23:47:22 +0000`) for v2 query
/// filters such as `min_date_modified`.
pub fn format_rfc2822(dt: OffsetDateTime) -> String {
    let utc = whole_seconds_utc(dt);
    utc.format(&Rfc2822)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

fn whole_seconds_utc(dt: OffsetDateTime) -> OffsetDateTime {
    let utc = dt.to_offset(time::UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

/// An `i64` sent as a number or numeric string; `null`/`""` are zero.
///
/// # Errors
/// When the value is not an integer.
pub fn i64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(bc_mirakl_api_core::de::opt_i64_lenient(d)?.unwrap_or(0))
}

/// A `u64` sent as a number or numeric string; `null`/`""` are zero.
///
/// # Errors
/// When the value is not an unsigned integer.
pub fn u64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(bc_mirakl_api_core::de::opt_u64_lenient(d)?.unwrap_or(0))
}

/// A string that may arrive as a number, a string or `null` (ids such as
/// `payment_provider_id`, webhook `store_id`); `null` and `""` are none.
///
/// # Errors
/// When the value is an array or object.
pub fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
        serde_json::Value::String(s) => Ok(Some(s)),
        serde_json::Value::Number(n) => Ok(Some(n.to_string())),
        serde_json::Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(de::Error::custom(format!(
            "expected a string or number, got {other}"
        ))),
    }
}

/// A boolean that may arrive as `null` (false).
///
/// # Errors
/// When the value is not a boolean or null.
pub fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[derive(serde::Deserialize)]
    struct M {
        #[serde(deserialize_with = "decimal")]
        a: Decimal,
        #[serde(default, deserialize_with = "opt_decimal")]
        b: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_decimal_or_object")]
        c: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_datetime")]
        d: Option<OffsetDateTime>,
    }

    #[test]
    fn money_and_dates() {
        let m: M = serde_json::from_str(
            r#"{"a":"109.0000","b":7.95,"c":{},"d":"Tue, 05 Mar 2019 21:40:11 +0000"}"#,
        )
        .unwrap();
        assert_eq!(m.a, dec("109.0000"));
        assert_eq!(m.b, Some(dec("7.95")));
        assert_eq!(m.c, None);
        assert_eq!(m.d.unwrap().unix_timestamp(), 1_551_822_011);
        let m: M = serde_json::from_str(r#"{"a":3,"b":"","c":"1.5","d":""}"#).unwrap();
        assert_eq!(
            (m.a, m.b, m.c, m.d),
            (dec("3"), None, Some(dec("1.5")), None)
        );
        let m: M = serde_json::from_str(r#"{"a":0.1,"d":"2018-09-05T20:42:07+00:00"}"#).unwrap();
        assert_eq!(m.a, dec("0.1"));
        assert_eq!(m.d.unwrap().unix_timestamp(), 1_536_180_127);
        assert!(serde_json::from_str::<M>(r#"{"a":"abc"}"#).is_err());
        assert!(serde_json::from_str::<M>(r#"{"a":1,"b":{}}"#).is_err());
        assert!(serde_json::from_str::<M>(r#"{"a":1,"d":"yesterday"}"#).is_err());
    }

    #[derive(serde::Serialize)]
    struct N {
        #[serde(serialize_with = "ser_decimal_number")]
        n: Decimal,
        #[serde(serialize_with = "ser_opt_decimal_number")]
        o: Option<Decimal>,
        #[serde(serialize_with = "ser_opt_decimal_string")]
        s: Option<Decimal>,
    }

    fn ser(n: &str, o: Option<&str>, st: Option<&str>) -> String {
        serde_json::to_string(&N {
            n: dec(n),
            o: o.map(dec),
            s: st.map(dec),
        })
        .unwrap()
    }

    // Issue 10 defect 8: money typed `number` is written with its exact digits, not via f64.
    #[test]
    fn decimals_are_written_with_their_exact_digits() {
        assert_eq!(
            ser("19.99", Some("1234567.8901"), Some("109.0000")),
            r#"{"n":19.99,"o":1234567.8901,"s":"109.0000"}"#
        );
        // More significant digits than an f64 holds: still exact.
        assert_eq!(
            ser("12345678901234.5678", None, None),
            r#"{"n":12345678901234.5678,"o":null,"s":null}"#
        );
        assert_eq!(
            ser("-0.10", Some("0"), None),
            r#"{"n":-0.10,"o":0,"s":null}"#
        );
        // The output is a number, and reads back to the same decimal.
        let v: serde_json::Value = serde_json::from_str(&ser("1234567.8901", None, None)).unwrap();
        assert!(v["n"].is_number());
        let m: M = serde_json::from_str(r#"{"a":"1234567.8901","b":1234567.8901}"#).unwrap();
        assert_eq!((m.a, m.b), (dec("1234567.8901"), Some(dec("1234567.8901"))));
    }
}
