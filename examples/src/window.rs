//! Call windows: Mirakl allows OF24, STO01, PRI01 and OR11 at most once per window (a
//! minute on real instances). The gate remembers when each operation last went out and tells
//! the caller how long to wait; the engine sleeps rather than be refused.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Per-operation minimum spacing of calls.
#[derive(Debug, Default)]
pub struct WindowGate {
    windows: BTreeMap<&'static str, Duration>,
    last: Mutex<BTreeMap<&'static str, Instant>>,
}

impl WindowGate {
    /// A gate with no window configured (every call allowed at once).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the window of `operation` (e.g. `"OF24"`).
    pub fn with(mut self, operation: &'static str, window: Duration) -> Self {
        self.windows.insert(operation, window);
        self
    }

    /// The window of `operation` (zero when none is configured).
    pub fn window(&self, operation: &str) -> Duration {
        self.windows
            .iter()
            .find(|(k, _)| **k == operation)
            .map(|(_, v)| *v)
            .unwrap_or(Duration::ZERO)
    }

    /// How long until `operation` may be called at `now`.
    pub fn wait_time(&self, operation: &str, now: Instant) -> Duration {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match last.iter().find(|(k, _)| **k == operation) {
            Some((_, at)) => (*at + self.window(operation)).saturating_duration_since(now),
            None => Duration::ZERO,
        }
    }

    /// Waits until `operation` is allowed, then records the call as made now.
    pub async fn acquire(&self, operation: &'static str) {
        loop {
            let wait = self.wait_time(operation, Instant::now());
            if wait.is_zero() {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(operation, Instant::now());
    }
}

/// A stable 64-bit FNV-1a hash, hex encoded (stable across runs and Rust versions, unlike
/// `DefaultHasher`), for "what was last sent" comparisons.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn second_call_waits_for_the_window() {
        let gate = WindowGate::new().with("OF24", Duration::from_secs(60));
        let t0 = Instant::now();
        gate.acquire("OF24").await;
        assert_eq!(Instant::now() - t0, Duration::ZERO);
        assert_eq!(
            gate.wait_time("OF24", Instant::now()),
            Duration::from_secs(60)
        );
        gate.acquire("OF24").await;
        assert!(Instant::now() - t0 >= Duration::from_secs(60));
        // other operations are independent; unknown ones are unlimited
        assert_eq!(gate.wait_time("STO01", Instant::now()), Duration::ZERO);
        gate.acquire("X").await;
        gate.acquire("X").await;
        assert!(Instant::now() - t0 < Duration::from_secs(61));
    }

    #[test]
    fn hash_is_stable_and_sensitive() {
        // FNV-1a 64 reference values
        assert_eq!(content_hash(b""), "cbf29ce484222325");
        assert_eq!(content_hash(b"a"), "af63dc4c8601ec8c");
        assert_ne!(content_hash(b"{\"q\":1}"), content_hash(b"{\"q\":2}"));
    }
}
