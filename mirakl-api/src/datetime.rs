//! Lenient date-time handling: Mirakl sends ISO 8601 with or without milliseconds, with `Z`
//! or an offset (sometimes without minutes, `+01`). Dates are sent back as RFC 3339 UTC.

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses an ISO 8601 date-time leniently: `Z` or `±hh:mm` / `±hhmm` / `±hh` offsets,
/// optional fraction; a value without any offset is taken as UTC.
///
/// # Errors
/// A message when the text is not such a date-time.
pub fn parse(text: &str) -> Result<OffsetDateTime, String> {
    let t = text.trim();
    if let Ok(v) = OffsetDateTime::parse(t, &Rfc3339) {
        return Ok(v);
    }
    let normalised = normalise_offset(t);
    OffsetDateTime::parse(&normalised, &Rfc3339)
        .map_err(|e| format!("invalid date-time {text:?}: {e}"))
}

fn normalise_offset(t: &str) -> String {
    let Some(tpos) = t.find(['T', 't', ' ']) else {
        return format!("{t}T00:00:00Z");
    };
    let (date, time_part) = t.split_at(tpos);
    let time_part = &time_part[1..];
    if time_part.ends_with(['Z', 'z']) {
        return format!("{date}T{time_part}");
    }
    match time_part.rfind(['+', '-']) {
        Some(i) => {
            let (clock, off) = time_part.split_at(i);
            let digits: String = off[1..].chars().filter(char::is_ascii_digit).collect();
            let sign = &off[..1];
            let off = match digits.len() {
                2 => format!("{sign}{digits}:00"),
                4 => format!("{sign}{}:{}", &digits[..2], &digits[2..]),
                _ => off.to_owned(),
            };
            format!("{date}T{clock}{off}")
        }
        None => format!("{date}T{time_part}Z"),
    }
}

/// Formats as RFC 3339 in UTC (`2024-05-01T10:00:00Z`, fraction only when non-zero).
pub fn format(value: OffsetDateTime) -> String {
    value
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| value.unix_timestamp().to_string())
}

/// Formats a query filter date (`start_update_date`, `start_date`, ...): RFC 3339 in UTC
/// with whole seconds (`2024-05-01T10:00:00Z`), as the PHP SDK sends them; the fraction is
/// dropped, so a "since" watermark never skips a change (Mirakl's overlap makes repeats
/// harmless).
pub fn format_query(value: OffsetDateTime) -> String {
    let utc = value.to_offset(time::UtcOffset::UTC);
    format(utc.replace_nanosecond(0).unwrap_or(utc))
}

/// Serde adapter for a required date-time: `#[serde(with = "crate::datetime::required")]`.
pub mod required {
    use super::*;

    /// Serialises as RFC 3339 UTC.
    ///
    /// # Errors
    /// Never, beyond the serializer's own errors.
    pub fn serialize<S: Serializer>(v: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*v))
    }

    /// Deserialises leniently (see [`super::parse`]).
    ///
    /// # Errors
    /// When the value is not a date-time string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde adapter for an optional date-time (`null`, `""` and absent mean none):
/// `#[serde(default, with = "crate::datetime::optional")]`.
pub mod optional {
    use super::*;

    /// Serialises as RFC 3339 UTC, or null.
    ///
    /// # Errors
    /// Never, beyond the serializer's own errors.
    pub fn serialize<S: Serializer>(v: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&format(*v)),
            None => s.serialize_none(),
        }
    }

    /// Deserialises leniently (see [`super::parse`]).
    ///
    /// # Errors
    /// When the value is neither null nor a date-time string.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            Some(s) if !s.trim().is_empty() => {
                parse(&s).map(Some).map_err(serde::de::Error::custom)
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_all_shapes() {
        let a = parse("2019-04-02T14:58:22.460Z").unwrap();
        let b = parse("2019-04-02T14:58:22Z").unwrap();
        assert_eq!(a.unix_timestamp(), b.unix_timestamp());
        let c = parse("2017-02-20T10:45:53+01").unwrap();
        assert_eq!(format(c), "2017-02-20T09:45:53Z");
        let d = parse("2017-02-20T10:45:53+0100").unwrap();
        assert_eq!(c, d);
        let e = parse("2024-01-01T00:00:00").unwrap();
        assert_eq!(format(e), "2024-01-01T00:00:00Z");
        assert!(parse("yesterday").is_err());
    }

    #[test]
    fn query_dates_are_utc_whole_seconds() {
        let d = parse("2024-05-01T12:00:00.987654+02:00").unwrap();
        assert_eq!(format_query(d), "2024-05-01T10:00:00Z");
        // The serde format keeps the fraction (round trips).
        assert_eq!(format(d), "2024-05-01T10:00:00.987654Z");
    }
}
