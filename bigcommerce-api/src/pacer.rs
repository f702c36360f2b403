//! Per-store rate-limit pacing.
//!
//! BigCommerce's quota is per store and shared by every app on it (150 requests / 30 s on
//! Standard and Plus). Every response carries `X-Rate-Limit-Requests-Left` and
//! `X-Rate-Limit-Time-Reset-Ms`; the [`RateLimitPacer`] records them and, when no requests
//! are left (or fewer than a reserve you choose), waits for the window to reset before
//! sending. 429s are retried by the transport after the wait the server asks for.

use bc_mirakl_api_core::transport::{HeaderMap, Pacer, RawResponse, RequestSpec};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the client paces itself against the store's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacingConfig {
    /// Whether to pace at all (429s are still retried when off).
    pub enabled: bool,
    /// Wait when the requests left in the window are at or below this (default 0: use the
    /// whole quota; raise it to leave room for other apps on the store).
    pub reserve: u64,
    /// The longest the pacer waits for one reset (default 30 s, one window).
    pub max_wait: Duration,
}

impl Default for PacingConfig {
    fn default() -> Self {
        PacingConfig {
            enabled: true,
            reserve: 0,
            max_wait: Duration::from_secs(30),
        }
    }
}

impl PacingConfig {
    /// No pacing.
    pub fn disabled() -> Self {
        PacingConfig {
            enabled: false,
            ..PacingConfig::default()
        }
    }
}

/// The rate-limit state last reported by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-Rate-Limit-Requests-Left`.
    pub requests_left: Option<u64>,
    /// `X-Rate-Limit-Requests-Quota`.
    pub requests_quota: Option<u64>,
    /// `X-Rate-Limit-Time-Window-Ms`.
    pub window: Option<Duration>,
    /// `X-Rate-Limit-Time-Reset-Ms`, as sent.
    pub reset_in: Option<Duration>,
    /// When the response carrying these headers arrived.
    pub observed_at: Instant,
}

impl RateLimit {
    /// Reads the rate-limit headers; `None` when the response had none.
    pub fn from_headers(headers: &HeaderMap, now: Instant) -> Option<Self> {
        let num = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<u64>().ok())
        };
        let left = num("x-rate-limit-requests-left");
        let quota = num("x-rate-limit-requests-quota");
        let window = num("x-rate-limit-time-window-ms").map(Duration::from_millis);
        let reset = num("x-rate-limit-time-reset-ms").map(Duration::from_millis);
        if left.is_none() && reset.is_none() && quota.is_none() {
            return None;
        }
        Some(RateLimit {
            requests_left: left,
            requests_quota: quota,
            window,
            reset_in: reset,
            observed_at: now,
        })
    }
}

#[derive(Debug, Default)]
struct State {
    last: Option<RateLimit>,
    /// Requests we believe are left, counting our own in-flight sends.
    left: Option<u64>,
    /// When the current window resets.
    reset_at: Option<Instant>,
}

/// Paces calls to one store. Clones share state, so every clone of a
/// [`Client`](crate::Client) (and any client given the same pacer via
/// [`ClientBuilder::pacer`](crate::ClientBuilder::pacer)) draws on one budget.
#[derive(Debug, Clone)]
pub struct RateLimitPacer {
    config: PacingConfig,
    state: Arc<Mutex<State>>,
}

impl RateLimitPacer {
    /// A pacer with `config`.
    pub fn new(config: PacingConfig) -> Self {
        RateLimitPacer {
            config,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PacingConfig {
        &self.config
    }

    /// The state last reported by the store, if any response carried rate-limit headers.
    pub fn last(&self) -> Option<RateLimit> {
        self.state.lock().ok().and_then(|s| s.last.clone())
    }

    /// How long a send at `now` must wait, reserving one request when it may go.
    fn reserve_or_wait(&self, now: Instant) -> Option<Duration> {
        let Ok(mut s) = self.state.lock() else {
            return None;
        };
        let left = s.left?;
        if left > self.config.reserve {
            s.left = Some(left - 1);
            return None;
        }
        match s.reset_at {
            Some(at) if at > now => Some((at - now).min(self.config.max_wait)),
            _ => {
                // The window has reset (or we never knew when): assume a fresh quota.
                let quota = s.last.as_ref().and_then(|l| l.requests_quota);
                s.left = quota.map(|q| q.saturating_sub(1));
                s.reset_at = s.last.as_ref().and_then(|l| l.window).map(|w| now + w);
                None
            }
        }
    }
}

#[async_trait::async_trait]
impl Pacer for RateLimitPacer {
    async fn before_send(&self, _spec: &RequestSpec) {
        if !self.config.enabled {
            return;
        }
        // Loop: after one wait, another caller may have taken the fresh budget.
        for _ in 0..4 {
            match self.reserve_or_wait(Instant::now()) {
                None => return,
                Some(wait) => {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "rate limit: no requests left, waiting for the window to reset"
                    );
                    tokio::time::sleep(wait).await;
                    if let Ok(mut s) = self.state.lock()
                        && s.reset_at.is_some_and(|at| at <= Instant::now())
                    {
                        s.reset_at = None;
                    }
                }
            }
        }
    }

    fn after_response(&self, _spec: &RequestSpec, response: &RawResponse) {
        let now = Instant::now();
        if let Some(rl) = RateLimit::from_headers(&response.headers, now) {
            self.observe(rl, now);
        }
    }
}

impl RateLimitPacer {
    /// Learns from one response's headers.
    ///
    /// With several requests in flight (a listing fetching pages ahead), answers arrive
    /// out of order and each reports the count at the moment the store received it, so a
    /// report can be older than requests already sent. Within one window the pacer keeps
    /// the lower of the reported count and its own count-down (which includes its sends
    /// in flight); a report from a later window (its reset further away by more than half
    /// a window) starts afresh, and one from an earlier window is ignored.
    fn observe(&self, rl: RateLimit, now: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let reset_at = rl.reset_in.map(|r| now + r);
        let tolerance = rl.window.map_or(Duration::from_secs(1), |w| w / 2);
        match (s.reset_at, reset_at) {
            // An answer from an earlier window, arriving late: nothing to learn.
            (Some(known), Some(new)) if new + tolerance < known => return,
            (Some(known), Some(new)) if new <= known + tolerance => {
                // The same window: the lower count is the safe one.
                s.left = match (s.left, rl.requests_left) {
                    (Some(ours), Some(theirs)) => Some(ours.min(theirs)),
                    (ours, theirs) => theirs.or(ours),
                };
                s.reset_at = Some(new);
            }
            _ => {
                if rl.requests_left.is_some() {
                    s.left = rl.requests_left;
                }
                if reset_at.is_some() {
                    s.reset_at = reset_at;
                }
            }
        }
        s.last = Some(rl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bc_mirakl_api_core::transport::HeaderValue;

    fn headers(left: u64, reset_ms: u64) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-requests-left", HeaderValue::from(left));
        h.insert("x-rate-limit-time-reset-ms", HeaderValue::from(reset_ms));
        h.insert("x-rate-limit-requests-quota", HeaderValue::from(150u64));
        h.insert("x-rate-limit-time-window-ms", HeaderValue::from(30_000u64));
        h
    }

    fn observe(p: &RateLimitPacer, h: HeaderMap, now: Instant) {
        let rl = RateLimit::from_headers(&h, now).unwrap();
        let mut s = p.state.lock().unwrap();
        s.left = rl.requests_left;
        s.reset_at = rl.reset_in.map(|r| now + r);
        s.last = Some(rl);
    }

    #[test]
    fn counts_down_then_waits_until_reset() {
        let p = RateLimitPacer::new(PacingConfig::default());
        let t0 = Instant::now();
        assert_eq!(p.reserve_or_wait(t0), None, "nothing known: no wait");
        observe(&p, headers(2, 1_000), t0);
        assert_eq!(p.reserve_or_wait(t0), None);
        assert_eq!(p.reserve_or_wait(t0), None);
        let w = p.reserve_or_wait(t0 + Duration::from_millis(400)).unwrap();
        assert_eq!(w, Duration::from_millis(600));
        // After the reset: a fresh quota (150) minus this request.
        assert_eq!(p.reserve_or_wait(t0 + Duration::from_millis(1_001)), None);
        assert_eq!(p.state.lock().unwrap().left, Some(149));
    }

    #[test]
    fn reserve_and_max_wait() {
        let p = RateLimitPacer::new(PacingConfig {
            enabled: true,
            reserve: 5,
            max_wait: Duration::from_millis(100),
        });
        let t0 = Instant::now();
        observe(&p, headers(5, 20_000), t0);
        assert_eq!(p.reserve_or_wait(t0), Some(Duration::from_millis(100)));
        assert_eq!(p.last().unwrap().requests_left, Some(5));
    }

    #[test]
    fn answers_out_of_order_never_raise_the_count_within_a_window() {
        let p = RateLimitPacer::new(PacingConfig::default());
        let t0 = Instant::now();
        p.observe(
            RateLimit::from_headers(&headers(10, 20_000), t0).unwrap(),
            t0,
        );
        // Four pages sent at once: the pacer counts them down.
        for _ in 0..4 {
            assert_eq!(p.reserve_or_wait(t0), None);
        }
        assert_eq!(p.state.lock().unwrap().left, Some(6));
        // The first answer reports the count when the store received it, before the other
        // three arrived: it must not give them back.
        let t1 = t0 + Duration::from_millis(50);
        p.observe(
            RateLimit::from_headers(&headers(9, 19_950), t1).unwrap(),
            t1,
        );
        assert_eq!(p.state.lock().unwrap().left, Some(6));
        // A lower report (another app on the store) wins.
        p.observe(
            RateLimit::from_headers(&headers(2, 19_940), t1).unwrap(),
            t1,
        );
        assert_eq!(p.state.lock().unwrap().left, Some(2));
        // A new window starts afresh; a late answer of the old one changes nothing.
        let t2 = t0 + Duration::from_secs(21);
        p.observe(
            RateLimit::from_headers(&headers(149, 30_000), t2).unwrap(),
            t2,
        );
        p.observe(RateLimit::from_headers(&headers(1, 10), t2).unwrap(), t2);
        assert_eq!(p.state.lock().unwrap().left, Some(149));
        assert_eq!(p.last().unwrap().requests_left, Some(149));
    }

    #[test]
    fn headers_absent_means_no_state() {
        assert!(RateLimit::from_headers(&HeaderMap::new(), Instant::now()).is_none());
    }
}
