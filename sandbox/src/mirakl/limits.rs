//! Per-operation, per-shop call ceilings, counted on the sandbox clock.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use time::OffsetDateTime;

/// At most `max_calls` calls of one operation per shop within any `window` of sandbox time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ceiling {
    /// Calls allowed per window.
    pub max_calls: u32,
    /// Length of the sliding window, in sandbox time.
    pub window: Duration,
}

impl Ceiling {
    /// `max_calls` per `window`.
    pub fn new(max_calls: u32, window: Duration) -> Self {
        Self { max_calls, window }
    }
}

/// The ceilings Mirakl publishes in the seller OpenAPI ("Call Frequency" of each operation,
/// `specs/mirakl/ENDPOINTS.md`), for the asynchronous usage where there are two.
pub fn published_ceilings() -> BTreeMap<String, Ceiling> {
    const MINUTE: u64 = 60;
    let table: &[(&str, u64)] = &[
        ("A01", 86_400),
        ("AF01", 86_400),
        ("SH21", 86_400),
        ("SH31", 86_400),
        ("OF61", 86_400),
        ("OF01", MINUTE),
        ("OF02", MINUTE),
        ("OF03", MINUTE),
        ("OF04", MINUTE),
        ("OF24", MINUTE),
        ("OF52", MINUTE),
        (OF52_FULL, 86_400),
        ("OF53", 10),
        ("STO01", MINUTE),
        ("STO02", 15),
        ("STO03", MINUTE),
        ("PRI01", MINUTE),
        ("PRI02", MINUTE),
        ("PRI03", MINUTE),
        ("P41", 15 * MINUTE),
        ("P42", MINUTE),
        ("P51", MINUTE),
        ("H11", 3_600),
        ("PM11", 3_600),
        ("VL11", 3_600),
        ("OR11", MINUTE),
    ];
    table
        .iter()
        .map(|(op, secs)| {
            (
                (*op).to_owned(),
                Ceiling::new(1, Duration::from_secs(*secs)),
            )
        })
        .collect()
}

/// The ceiling key of a full OF52 export (no `last_request_date`): once a day, on top of
/// OF52's once a minute (seller OpenAPI, OF52 "Call Frequency").
pub const OF52_FULL: &str = "OF52+full";

/// Remembers recent calls per `(operation, shop)`.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    calls: HashMap<(String, u64), VecDeque<OffsetDateTime>>,
}

impl Limiter {
    /// Records a call, or returns how long (sandbox time) until one is allowed again.
    pub(crate) fn check(
        &mut self,
        op: &str,
        shop: u64,
        ceiling: Ceiling,
        now: OffsetDateTime,
    ) -> Result<(), Duration> {
        let calls = self.calls.entry((op.to_owned(), shop)).or_default();
        while calls.front().is_some_and(|t| *t + ceiling.window <= now) {
            calls.pop_front();
        }
        if calls.len() >= ceiling.max_calls as usize {
            let oldest = calls.front().copied().unwrap_or(now);
            let wait = (oldest + ceiling.window) - now;
            return Err(Duration::try_from(wait).unwrap_or(Duration::ZERO));
        }
        calls.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_counts_per_operation_and_shop() {
        let mut limiter = Limiter::default();
        let t0 = time::macros::datetime!(2024-01-01 00:00 UTC);
        let ceiling = Ceiling::new(2, Duration::from_secs(60));
        assert!(limiter.check("OF24", 1, ceiling, t0).is_ok());
        assert!(
            limiter
                .check("OF24", 1, ceiling, t0 + Duration::from_secs(10))
                .is_ok()
        );
        let wait = limiter
            .check("OF24", 1, ceiling, t0 + Duration::from_secs(20))
            .expect_err("third call refused");
        assert_eq!(wait, Duration::from_secs(40));
        assert!(
            limiter
                .check("OF24", 2, ceiling, t0 + Duration::from_secs(20))
                .is_ok()
        );
        assert!(
            limiter
                .check("OR11", 1, ceiling, t0 + Duration::from_secs(20))
                .is_ok()
        );
        assert!(
            limiter
                .check("OF24", 1, ceiling, t0 + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn published_table_has_the_main_write_ceilings() {
        let table = published_ceilings();
        assert_eq!(table["OF24"], Ceiling::new(1, Duration::from_secs(60)));
        assert_eq!(table["P41"].window, Duration::from_secs(900));
        assert!(!table.contains_key("OR21"));
    }
}
