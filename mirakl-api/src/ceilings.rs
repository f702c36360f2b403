//! Mirakl's published maximum call frequency per operation, as a table the client's
//! [`CallLimiter`](crate::client::CallLimiter) enforces.
//!
//! Source: the "Maximum usage" of each operation in Mirakl's seller OpenAPI
//! (`shared/specs/mirakl/mirakl-mmp-seller-openapi.json`). Operations documented as "at
//! each page display / event" have no ceiling.

use std::collections::BTreeMap;
use std::time::Duration;

/// The ceiling key of an OF01 import that also creates products (`with_products=true`):
/// once every 15 minutes, on top of OF01's once a minute.
pub const OF01_WITH_PRODUCTS: &str = "OF01+products";

/// The ceiling key of a full OF52 export (no `last_request_date`): once a day, on top of
/// OF52's once a minute for differential exports.
pub const OF52_FULL: &str = "OF52+full";

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
        let table: [(&str, Duration); 24] = [
            ("OR11", MINUTE),
            ("OR04", MINUTE),
            ("OF24", MINUTE),
            ("OF01", MINUTE),
            (OF01_WITH_PRODUCTS, Duration::from_secs(15 * 60)),
            ("OF02", MINUTE),
            ("OF03", MINUTE),
            ("OF04", MINUTE),
            ("OF52", MINUTE),
            (OF52_FULL, DAY),
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
    /// 15 minutes. The hourly and daily ceilings (configuration reads such as A01, AF01,
    /// SH21, SH31, H11, PM11, VL11, and the full OF52 export, [`OF52_FULL`]) are left out,
    /// since enforcing them would stall a second call for hours; cache those reads and
    /// schedule full exports daily instead.
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

/// The separately limited variant of a call, if any: [`OF01_WITH_PRODUCTS`] for an OF01
/// whose multipart form has `with_products=true`, [`OF52_FULL`] for an OF52 whose body has
/// no `last_request_date`.
#[cfg(feature = "client")]
pub(crate) fn variant(spec: &bc_mirakl_api_core::transport::RequestSpec) -> Option<&'static str> {
    use bc_mirakl_api_core::transport::Body;
    match (spec.operation?, &spec.body) {
        ("OF01", Body::Multipart(parts)) => parts
            .iter()
            .any(|p| p.name == "with_products" && p.data.as_ref() == b"true")
            .then_some(OF01_WITH_PRODUCTS),
        ("OF52", Body::Json(bytes)) => {
            let differential = serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("last_request_date").map(|d| !d.is_null()))
                .unwrap_or(false);
            (!differential).then_some(OF52_FULL)
        }
        ("OF52", _) => Some(OF52_FULL),
        _ => None,
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
        assert_eq!(p.get("OF01"), Some(MINUTE));
        assert_eq!(p.get(OF01_WITH_PRODUCTS), Some(Duration::from_secs(900)));
        assert_eq!(p.get("OF52"), Some(MINUTE));
        assert_eq!(p.get(OF52_FULL), Some(DAY));
        let d = CallCeilings::default();
        assert_eq!(d.get("A01"), None);
        assert_eq!(d.get(OF52_FULL), None);
        assert_eq!(d.get(OF01_WITH_PRODUCTS), Some(Duration::from_secs(900)));
        assert_eq!(d.get("OR11"), Some(MINUTE));
        assert_eq!(
            CallCeilings::external_partner().get("OR11"),
            Some(Duration::from_secs(900))
        );
        assert_eq!(d.clone().without("OF24").get("OF24"), None);
    }
}
