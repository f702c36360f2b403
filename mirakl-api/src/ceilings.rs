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

/// The ceiling key of a full OF51 export (no `last_request_date`): once a day.
pub const OF51_FULL: &str = "OF51+full";

/// The ceiling key of a full OR13 export (no `last_updated_from`-style differential
/// date): every 24 hours, on top of OR13's every 5 minutes.
pub const OR13_FULL: &str = "OR13+full";

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
        // The other operations with a published maximum ("Maximum usage" in the spec);
        // "n per hour" becomes one call every 3600/n seconds.
        let more: [(&str, Duration); 27] = [
            ("A02", DAY),
            ("A21", DAY),
            ("CH11", DAY),
            ("CUR01", DAY),
            ("DO01", DAY),
            ("IV01", DAY),
            ("L01", DAY),
            ("OF51", MINUTE),
            (OF51_FULL, DAY),
            ("OF61", DAY),
            ("OR07", MINUTE),
            ("OR13", Duration::from_secs(5 * 60)),
            (OR13_FULL, DAY),
            ("OR14", Duration::from_secs(2)),
            ("OR31", Duration::from_millis(200)),
            ("OR32", MINUTE),
            ("OR75", DAY),
            ("PL11", Duration::from_secs(5 * 60)),
            ("PR03", MINUTE),
            ("PR04", MINUTE),
            ("RT11", Duration::from_secs(5 * 60)),
            ("SBC11", DAY),
            ("SH11", DAY),
            ("SH12", DAY),
            ("SH42", HOUR),
            ("SH52", HOUR),
            ("ST12", Duration::from_secs(5 * 60)),
        ];
        let mut c = CallCeilings::none();
        for (op, d) in table.into_iter().chain(more) {
            c.intervals.insert(op.to_owned(), d);
        }
        for op in ["AF01", "SH21", "SH31"] {
            c.intervals.insert(op.to_owned(), DAY);
        }
        // TL02: 20 a minute and 60 an hour, so one a minute; TL03 once a day; TL04 every 10 s.
        c.intervals.insert("TL02".to_owned(), MINUTE);
        c.intervals.insert("TL03".to_owned(), DAY);
        c.intervals
            .insert("TL04".to_owned(), Duration::from_secs(10));
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

#[cfg(feature = "client")]
fn json_has(body: &bc_mirakl_api_core::transport::Body, key: &str) -> bool {
    match body {
        bc_mirakl_api_core::transport::Body::Json(bytes) => {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get(key).map(|d| !d.is_null()))
                .unwrap_or(false)
        }
        _ => false,
    }
}

/// The separately limited variant of a call, if any: [`OF01_WITH_PRODUCTS`] for an OF01
/// whose multipart form has `with_products=true`, [`OF52_FULL`] for an OF52 whose body has
/// no `last_request_date` (likewise [`OF51_FULL`] for OF51's query and [`OR13_FULL`] for an
/// OR13 without `start_update_date`).
#[cfg(feature = "client")]
pub(crate) fn variant(spec: &bc_mirakl_api_core::transport::RequestSpec) -> Option<&'static str> {
    use bc_mirakl_api_core::transport::Body;
    match (spec.operation?, &spec.body) {
        ("OF01", Body::Multipart(parts)) => parts
            .iter()
            .any(|p| p.name == "with_products" && p.data.as_ref() == b"true")
            .then_some(OF01_WITH_PRODUCTS),
        ("OF52", body) => (!json_has(body, "last_request_date")).then_some(OF52_FULL),
        ("OR13", body) => (!json_has(body, "start_update_date")).then_some(OR13_FULL),
        ("OF51", _) => {
            (!spec.query.iter().any(|(k, _)| k == "last_request_date")).then_some(OF51_FULL)
        }
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
        assert_eq!(p.get(OR13_FULL), Some(DAY));
        assert_eq!(p.get("OR13"), Some(Duration::from_secs(300)));
        assert_eq!(p.get("OR31"), Some(Duration::from_millis(200)));
        assert_eq!(p.get("TL02"), Some(MINUTE));
        assert_eq!(p.get("ST01"), None);
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
