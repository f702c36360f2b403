//! Mirakl's published maximum call frequency per operation, as a table the client's
//! [`CallLimiter`](crate::client::CallLimiter) enforces.
//!
//! Source: the "Maximum usage" of each operation in Mirakl's seller OpenAPI
//! (`shared/specs/mirakl/mirakl-mmp-seller-openapi.json`). Operations documented as "at
//! each page display / event" have no ceiling.

use std::collections::BTreeMap;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// Minimum interval between two calls of an operation, keyed by operation code (`OF24`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCeilings {
    intervals: BTreeMap<String, Duration>,
}

impl CallCeilings {
    /// No ceilings at all.
    pub fn none() -> Self {
        CallCeilings {
            intervals: BTreeMap::new(),
        }
    }

    /// Every ceiling Mirakl publishes for the operations this crate covers, including the
    /// daily (A01, AF01, SH21, SH31) and hourly (H11, PM11, VL11) ones.
    pub fn published() -> Self {
        let table: [(&str, Duration); 22] = [
            ("OR11", MINUTE),
            ("OR04", MINUTE),
            ("OF24", MINUTE),
            ("OF01", MINUTE),
            ("OF02", MINUTE),
            ("OF03", MINUTE),
            ("OF04", MINUTE),
            ("OF52", MINUTE),
            ("OF53", Duration::from_secs(10)),
            ("STO01", MINUTE),
            ("STO02", Duration::from_secs(15)),
            ("STO03", MINUTE),
            ("PRI01", MINUTE),
            ("PRI02", MINUTE),
            ("PRI03", MINUTE),
            ("P41", Duration::from_secs(15 * 60)),
            ("P42", MINUTE),
            ("P51", MINUTE),
            ("H11", HOUR),
            ("PM11", HOUR),
            ("VL11", HOUR),
            ("A01", DAY),
        ];
        let mut c = CallCeilings::none();
        for (op, d) in table {
            c.intervals.insert(op.to_owned(), d);
        }
        for op in ["AF01", "SH21", "SH31"] {
            c.intervals.insert(op.to_owned(), DAY);
        }
        c
    }

    /// The ceilings the client enforces by default: the published ones of at most
    /// 15 minutes. The hourly and daily ceilings of configuration reads (A01, AF01, SH21,
    /// SH31, H11, PM11, VL11) are left out, since enforcing them would stall a second
    /// read for hours; cache those reads instead.
    pub fn enforced_default() -> Self {
        let mut c = Self::published();
        c.intervals
            .retain(|_, d| *d <= Duration::from_secs(15 * 60));
        c
    }

    /// The default, with OR11 limited to every 15 minutes as for "External Partner" keys.
    pub fn external_partner() -> Self {
        Self::enforced_default().with("OR11", Duration::from_secs(15 * 60))
    }

    /// Sets the minimum interval of `operation`.
    #[must_use]
    pub fn with(mut self, operation: &str, interval: Duration) -> Self {
        self.intervals.insert(operation.to_owned(), interval);
        self
    }

    /// Removes the ceiling of `operation`.
    #[must_use]
    pub fn without(mut self, operation: &str) -> Self {
        self.intervals.remove(operation);
        self
    }

    /// The minimum interval of `operation`, if it has one.
    pub fn get(&self, operation: &str) -> Option<Duration> {
        self.intervals.get(operation).copied()
    }

    /// Every `(operation, interval)`, sorted by operation.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Duration)> {
        self.intervals.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

impl Default for CallCeilings {
    /// [`CallCeilings::enforced_default`].
    fn default() -> Self {
        Self::enforced_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_spec() {
        let p = CallCeilings::published();
        assert_eq!(p.get("OF24"), Some(MINUTE));
        assert_eq!(p.get("STO02"), Some(Duration::from_secs(15)));
        assert_eq!(p.get("P41"), Some(Duration::from_secs(900)));
        assert_eq!(p.get("A01"), Some(DAY));
        assert_eq!(p.get("OR21"), None);
        let d = CallCeilings::default();
        assert_eq!(d.get("A01"), None);
        assert_eq!(d.get("OR11"), Some(MINUTE));
        assert_eq!(
            CallCeilings::external_partner().get("OR11"),
            Some(Duration::from_secs(900))
        );
        assert_eq!(d.clone().without("OF24").get("OF24"), None);
    }
}
