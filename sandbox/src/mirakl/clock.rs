//! The operator's clock: wall time that can run faster than real time and be moved forward by
//! tests, so acceptance deadlines, debits, import processing and call windows can be exercised
//! in milliseconds.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// A scaled, advanceable clock. `now = origin + real_elapsed × scale + manual_offset`.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: OffsetDateTime,
    started: Instant,
    scale: u32,
    offset: Mutex<Duration>,
}

impl Clock {
    pub(crate) fn new(origin: OffsetDateTime, scale: u32) -> Self {
        Self {
            origin,
            started: Instant::now(),
            scale: scale.max(1),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        let elapsed = self.started.elapsed().saturating_mul(self.scale);
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        self.origin + elapsed + offset
    }

    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// Converts a span of sandbox time into real time (what a client has to wait).
    pub(crate) fn to_real(&self, sandbox: Duration) -> Duration {
        sandbox / self.scale
    }
}

/// Formats a date as Mirakl does in responses: ISO 8601, UTC, `Z`, whole seconds.
pub(crate) fn iso(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap_or_default()
}

/// Parses a date the way Mirakl accepts them in queries and files: RFC 3339 (`Z` or an offset,
/// optional fraction), an offset of hours only (`+01`), or a plain date.
pub(crate) fn parse_date(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    // `2017-02-20T10:45:53+01`: hours-only offset, as in Mirakl's own CSV examples.
    if text.len() > 3 {
        let (head, tail) = text.split_at(text.len() - 3);
        if (tail.starts_with('+') || tail.starts_with('-'))
            && tail[1..].bytes().all(|b| b.is_ascii_digit())
            && let Ok(t) = OffsetDateTime::parse(&format!("{head}{tail}:00"), &Rfc3339)
        {
            return Some(t);
        }
    }
    // A bare date or a date-time without zone is taken as UTC.
    let bare = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(text, &bare) {
        return Some(d.midnight().assume_utc());
    }
    let no_zone =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, &no_zone)
        .ok()
        .map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_whole_seconds() {
        let t = time::macros::datetime!(2024-05-01 12:00:05.123 +02:00);
        assert_eq!(iso(t), "2024-05-01T10:00:05Z");
    }

    #[test]
    fn parses_mirakl_date_forms() {
        let z = parse_date("2017-02-20T09:45:53Z").expect("z");
        assert_eq!(parse_date("2017-02-20T10:45:53+01"), Some(z));
        assert_eq!(parse_date("2017-02-20T10:45:53+01:00"), Some(z));
        assert_eq!(parse_date("2017-02-20T09:45:53.000Z"), Some(z));
        assert_eq!(parse_date("2017-02-20T09:45:53"), Some(z));
        assert!(parse_date("2017-02-20").is_some());
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn advances_and_scales() {
        let origin = time::macros::datetime!(2024-01-01 00:00 UTC);
        let clock = Clock::new(origin, 60);
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() >= origin + Duration::from_secs(3600));
        assert_eq!(
            clock.to_real(Duration::from_secs(60)),
            Duration::from_secs(1)
        );
    }
}
