//! Counters and latency figures the connector reports in its summary.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

/// What the flows counted, for the summary.
#[derive(Debug, Default)]
pub struct Counters {
    /// Orders whose OR21 accepted at least one line.
    pub accepted: BTreeSet<String>,
    /// Orders whose OR21 refused every line.
    pub refused: BTreeSet<String>,
    /// Orders created in BigCommerce by this connector.
    pub created: BTreeSet<String>,
    /// Orders found in BigCommerce by a look-up after an uncertain create.
    pub recovered: BTreeSet<String>,
    /// Orders whose shipment was confirmed (OR24).
    pub shipped: BTreeSet<String>,
    /// Orders cancelled on one side because of the other.
    pub cancelled: BTreeSet<String>,
    /// Refunds mirrored.
    pub refunds: u64,
    /// Offer lines sent (OF24/STO01/PRI01) and confirmed applied.
    pub offer_lines_applied: u64,
    /// Offer lines Mirakl rejected (error report).
    pub offer_lines_rejected: u64,
    /// Import calls made per operation.
    pub imports: BTreeMap<&'static str, u64>,
    /// Problems per SKU (or per catalog item when it has no SKU), latest reason.
    pub problems: BTreeMap<String, String>,
    /// Orders that need a human.
    pub manual_review: BTreeMap<String, String>,
    /// Order actions Mirakl or BigCommerce refused and that did not take effect, per order:
    /// the call and why (e.g. `OR24: … CANCELED`). Never recorded as sent; the order is
    /// stepped again on the next poll. Cleared when that call later goes through.
    pub order_failures: BTreeMap<String, String>,
    /// The largest quantity sent per SKU with the on-hand stock it was computed from.
    pub max_sent_vs_on_hand: BTreeMap<String, (u64, i64)>,
}

/// Latency samples (change seen in BigCommerce → confirmed applied on Mirakl).
#[derive(Debug, Default)]
pub struct Latencies {
    samples: Mutex<Vec<Duration>>,
}

impl Latencies {
    /// Records one sample.
    pub fn record(&self, d: Duration) {
        self.samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(d);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `p`-th percentile (0–100, nearest rank), `None` without samples.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        let mut v = self
            .samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        percentile(&mut v, p)
    }
}

/// Nearest-rank percentile of `samples` (sorted in place).
pub fn percentile(samples: &mut [Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let p = p.clamp(0.0, 100.0);
    let n = samples.len();
    // nearest rank: ceil(p/100 * n), 1-based
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    Some(samples[rank.clamp(1, n) - 1])
}

/// Per-endpoint call counts of one service, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallCounts {
    /// `METHOD /path/template` → count.
    pub per_endpoint: BTreeMap<String, u64>,
}

impl CallCounts {
    /// Total calls.
    pub fn total(&self) -> u64 {
        self.per_endpoint.values().sum()
    }

    /// Builds from any iterator of (endpoint, count).
    pub fn from_pairs<I: IntoIterator<Item = (K, u64)>, K: ToString>(it: I) -> Self {
        let mut per_endpoint = BTreeMap::new();
        for (k, v) in it {
            *per_endpoint.entry(k.to_string()).or_insert(0) += v;
        }
        CallCounts { per_endpoint }
    }
}

/// Formats a duration for humans (`850 ms`, `12.3 s`).
pub fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let l = Latencies::default();
        assert_eq!(l.percentile(50.0), None);
        for ms in (1..=100).rev() {
            l.record(Duration::from_millis(ms));
        }
        assert_eq!(l.len(), 100);
        assert_eq!(l.percentile(50.0), Some(Duration::from_millis(50)));
        assert_eq!(l.percentile(99.0), Some(Duration::from_millis(99)));
        assert_eq!(l.percentile(100.0), Some(Duration::from_millis(100)));
        assert_eq!(l.percentile(0.0), Some(Duration::from_millis(1)));
        let mut one = vec![Duration::from_secs(3)];
        assert_eq!(percentile(&mut one, 99.0), Some(Duration::from_secs(3)));
    }

    #[test]
    fn call_counts_sum_and_merge() {
        let c = CallCounts::from_pairs([("GET /a", 2), ("POST /b", 3), ("GET /a", 1)]);
        assert_eq!(c.total(), 6);
        assert_eq!(c.per_endpoint["GET /a"], 3);
        assert_eq!(human(Duration::from_millis(850)), "850 ms");
        assert_eq!(human(Duration::from_millis(12_340)), "12.3 s");
    }
}
