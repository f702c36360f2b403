//! Counters and latency figures the connector reports in its summary, on `/metrics` and on
//! the status page.
//!
//! Everything here is bounded, so a process that runs for months does not grow: order ids
//! are remembered in a window of the most recent [`RecentIds::CAPACITY`] (with an exact
//! count of everything seen), orders needing review in a [`CappedMap`], and latencies as a
//! fixed-bucket histogram plus a window of the latest [`Latencies::WINDOW`] samples for
//! percentiles. Problems are kept per SKU (bounded by the catalog) and dropped when solved.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Distinct ids seen, counted exactly, with the most recent ones kept for look-ups and
/// de-duplication. An id seen again after it left the window counts again.
#[derive(Debug, Clone, Default)]
pub struct RecentIds {
    recent: VecDeque<String>,
    members: HashSet<String>,
    total: u64,
}

impl RecentIds {
    /// How many ids the window keeps.
    pub const CAPACITY: usize = 10_000;

    /// Records `id`; `false` when it is already in the window.
    pub fn insert(&mut self, id: String) -> bool {
        if self.members.contains(&id) {
            return false;
        }
        if self.recent.len() == Self::CAPACITY
            && let Some(old) = self.recent.pop_front()
        {
            self.members.remove(&old);
        }
        self.members.insert(id.clone());
        self.recent.push_back(id);
        self.total += 1;
        true
    }

    /// Whether `id` is in the window.
    pub fn contains(&self, id: &str) -> bool {
        self.members.contains(id)
    }

    /// Distinct ids recorded since the start.
    pub fn len(&self) -> usize {
        usize::try_from(self.total).unwrap_or(usize::MAX)
    }

    /// Whether none was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The ids in the window, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.recent.iter()
    }
}

/// A map that keeps at most [`CappedMap::CAPACITY`] entries, dropping the oldest inserted
/// key first; re-inserting a key replaces its value and makes it the newest.
#[derive(Clone, Default)]
pub struct CappedMap {
    map: BTreeMap<String, String>,
    order: VecDeque<String>,
}

impl std::fmt::Debug for CappedMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.map.iter()).finish()
    }
}

impl CappedMap {
    /// How many entries are kept.
    pub const CAPACITY: usize = 1_000;

    /// Sets `key` to `value`; returns the previous value.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        let old = self.map.insert(key.clone(), value);
        if old.is_some() {
            self.order.retain(|k| k != &key);
        }
        self.order.push_back(key);
        while self.order.len() > Self::CAPACITY {
            if let Some(k) = self.order.pop_front() {
                self.map.remove(&k);
            }
        }
        old
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let old = self.map.remove(key);
        if old.is_some() {
            self.order.retain(|k| k != key);
        }
        old
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.map.get(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The entries, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.map.iter()
    }
}

/// What the flows counted, for the summary, `/metrics` and the status page.
#[derive(Debug, Default)]
pub struct Counters {
    /// Orders whose OR21 accepted at least one line.
    pub accepted: RecentIds,
    /// Orders whose OR21 refused every line.
    pub refused: RecentIds,
    /// Orders created in BigCommerce by this connector.
    pub created: RecentIds,
    /// Orders found in BigCommerce by a look-up after an uncertain create.
    pub recovered: RecentIds,
    /// Orders whose shipment was confirmed (OR24).
    pub shipped: RecentIds,
    /// Orders cancelled on one side because of the other.
    pub cancelled: RecentIds,
    /// Refunds mirrored.
    pub refunds: u64,
    /// BigCommerce shipments sent as Mirakl shipments (ST01, multi-shipment platforms), or
    /// found there already (ST11).
    pub mirakl_shipments: u64,
    /// Orders with lines BigCommerce cannot fill, and what the `shortfall` rule did (cancel,
    /// refund or hold), the latest [`CappedMap::CAPACITY`].
    pub shortfalls: CappedMap,
    /// Units put back in BigCommerce stock for Mirakl refunds and cancelations.
    pub restocked_units: u64,
    /// Offer lines sent (OF24/STO01/PRI01) and confirmed applied.
    pub offer_lines_applied: u64,
    /// Offer lines Mirakl rejected (error report).
    pub offer_lines_rejected: u64,
    /// Import calls made per operation.
    pub imports: BTreeMap<&'static str, u64>,
    /// Problems per SKU (or per catalog item when it has no SKU), latest reason; a SKU
    /// leaves when its problem is solved, so this is bounded by the catalog.
    pub problems: BTreeMap<String, String>,
    /// Orders that need a human (the latest [`CappedMap::CAPACITY`]).
    pub manual_review: CappedMap,
    /// Order actions Mirakl or BigCommerce refused and that did not take effect, per order:
    /// the call and why (e.g. `OR24: … CANCELED`). Never recorded as sent; the order is
    /// stepped again on the next poll. Cleared when that call later goes through, so this is
    /// bounded by the open orders.
    pub order_failures: BTreeMap<String, String>,
    /// The largest quantity sent per SKU with the on-hand stock it was computed from.
    pub max_sent_vs_on_hand: BTreeMap<String, (u64, i64)>,
}

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

/// A latency histogram at one moment: cumulative counts per [`LATENCY_BUCKETS`] bound.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyHistogram {
    /// `(upper bound in seconds, samples at or below it)`, cumulative, ascending.
    pub buckets: Vec<(f64, u64)>,
    /// All samples.
    pub count: u64,
    /// Sum of all samples, in seconds.
    pub sum: f64,
}

#[derive(Debug, Default)]
struct LatencyState {
    window: VecDeque<Duration>,
    per_bucket: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Latency samples (change seen in BigCommerce → confirmed applied on Mirakl): a histogram
/// of every sample, and the latest [`Latencies::WINDOW`] samples for percentiles.
#[derive(Debug, Default)]
pub struct Latencies {
    state: Mutex<LatencyState>,
}

impl Latencies {
    /// How many of the latest samples the percentiles are computed from.
    pub const WINDOW: usize = 4_096;

    fn lock(&self) -> std::sync::MutexGuard<'_, LatencyState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one sample.
    pub fn record(&self, d: Duration) {
        let mut s = self.lock();
        if s.window.len() == Self::WINDOW {
            s.window.pop_front();
        }
        s.window.push_back(d);
        let secs = d.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|b| secs <= *b) {
            s.per_bucket[i] += 1;
        }
        s.count += 1;
        s.sum += secs;
    }

    /// Number of samples recorded since the start.
    pub fn len(&self) -> usize {
        usize::try_from(self.lock().count).unwrap_or(usize::MAX)
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `p`-th percentile (0–100, nearest rank) of the latest [`Latencies::WINDOW`]
    /// samples, `None` without samples.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        let mut v: Vec<Duration> = self.lock().window.iter().copied().collect();
        percentile(&mut v, p)
    }

    /// The histogram of every sample so far.
    pub fn histogram(&self) -> LatencyHistogram {
        let s = self.lock();
        let mut acc = 0;
        let buckets = LATENCY_BUCKETS
            .iter()
            .zip(s.per_bucket.iter())
            .map(|(b, n)| {
                acc += n;
                (*b, acc)
            })
            .collect();
        LatencyHistogram {
            buckets,
            count: s.count,
            sum: s.sum,
        }
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

    #[test]
    fn order_ids_stay_bounded_and_are_counted_exactly() {
        let mut ids = RecentIds::default();
        assert!(ids.insert("A".into()));
        assert!(
            !ids.insert("A".into()),
            "a repeat in the window is not counted"
        );
        for i in 0..(RecentIds::CAPACITY + 500) {
            ids.insert(format!("o{i}"));
        }
        assert_eq!(ids.len(), RecentIds::CAPACITY + 501);
        assert_eq!(ids.iter().count(), RecentIds::CAPACITY);
        assert!(!ids.contains("A"), "the oldest id left the window");
        assert!(ids.contains(&format!("o{}", RecentIds::CAPACITY + 499)));
        assert_eq!(ids.members.len(), RecentIds::CAPACITY);
    }

    #[test]
    fn capped_map_drops_the_oldest_entries() {
        let mut m = CappedMap::default();
        for i in 0..(CappedMap::CAPACITY + 10) {
            m.insert(format!("k{i}"), "why".into());
        }
        assert_eq!(m.len(), CappedMap::CAPACITY);
        assert!(m.get("k0").is_none());
        assert!(m.get(&format!("k{}", CappedMap::CAPACITY + 9)).is_some());
        // a replaced key becomes the newest and survives the next eviction
        m.insert("k10".into(), "again".into());
        m.insert("new".into(), "x".into());
        assert_eq!(m.get("k10").map(String::as_str), Some("again"));
        assert!(m.get("k11").is_none());
        assert_eq!(m.order.len(), m.len());
        assert_eq!(m.remove("new").as_deref(), Some("x"));
        assert_eq!(format!("{m:?}").matches("\"k10\"").count(), 1);
    }

    #[test]
    fn latencies_keep_a_window_and_a_histogram_of_everything() {
        let l = Latencies::default();
        for _ in 0..Latencies::WINDOW {
            l.record(Duration::from_secs(100));
        }
        for _ in 0..Latencies::WINDOW {
            l.record(Duration::from_millis(300));
        }
        assert_eq!(l.len(), 2 * Latencies::WINDOW);
        assert_eq!(l.lock().window.len(), Latencies::WINDOW);
        // the percentiles see only the latest window
        assert_eq!(l.percentile(100.0), Some(Duration::from_millis(300)));
        let h = l.histogram();
        assert_eq!(h.count, 2 * Latencies::WINDOW as u64);
        assert_eq!(h.buckets[0], (0.5, Latencies::WINDOW as u64));
        assert_eq!(h.buckets[6], (60.0, Latencies::WINDOW as u64));
        assert_eq!(h.buckets[7], (120.0, 2 * Latencies::WINDOW as u64));
        assert!((h.sum - (100.0 + 0.3) * Latencies::WINDOW as f64).abs() < 1e-6);
    }
}
