//! Enforces [`CallCeilings`] per shop and operation, as an `bc_mirakl_api_core` [`Pacer`].

use crate::ceilings::CallCeilings;
use bc_mirakl_api_core::transport::{Pacer, RawResponse, RequestSpec, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// Spaces calls of each operation by its ceiling, separately per shop (`shop_id`).
///
/// A call that comes too early waits (it is never refused). Later pages of one listing
/// pass (`offset` > 0, or a `page_token`) do not wait: the ceiling spaces the passes. Cloning shares the state, so
/// one limiter can serve several clients of the same shop. A 429 answer frees the slot it
/// used, since Mirakl did not act on the call.
#[derive(Debug, Clone)]
pub struct CallLimiter {
    inner: Arc<LimiterInner>,
}

#[derive(Debug)]
struct LimiterInner {
    ceilings: CallCeilings,
    next_free: Mutex<HashMap<(String, String), Instant>>,
}

impl CallLimiter {
    /// A limiter enforcing `ceilings`.
    pub fn new(ceilings: CallCeilings) -> Self {
        CallLimiter {
            inner: Arc::new(LimiterInner {
                ceilings,
                next_free: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The ceilings enforced.
    pub fn ceilings(&self) -> &CallCeilings {
        &self.inner.ceilings
    }

    /// Whether `spec` reads a later page of a listing (`offset` > 0 or a `page_token`).
    ///
    /// Mirakl's ceilings say how often a listing may be polled; the pages of one pass are
    /// read one after the other without waiting (a real 429 is still honoured through
    /// `Retry-After` by the transport).
    fn is_continuation_page(spec: &RequestSpec) -> bool {
        spec.query.iter().any(|(k, v)| {
            (k == "offset" && v.trim() != "0" && !v.trim().is_empty()) || k == "page_token"
        })
    }

    /// The ceiling keys a call counts against, per shop: its operation code, plus the
    /// variant Mirakl limits separately ([`crate::ceilings::OF01_WITH_PRODUCTS`] for an
    /// OF01 with `with_products=true`, [`crate::ceilings::OF52_FULL`] for an OF52 without
    /// `last_request_date`).
    fn keys(spec: &RequestSpec) -> Vec<(String, String)> {
        if Self::is_continuation_page(spec) {
            return Vec::new();
        }
        let Some(op) = spec.operation else {
            return Vec::new();
        };
        let shop = spec
            .query
            .iter()
            .find(|(k, _)| k == "shop_id")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let mut keys = vec![(shop.clone(), op.to_owned())];
        if let Some(variant) = crate::ceilings::variant(spec) {
            keys.push((shop, variant.to_owned()));
        }
        keys
    }
}

impl Default for CallLimiter {
    fn default() -> Self {
        CallLimiter::new(CallCeilings::default())
    }
}

#[async_trait::async_trait]
impl Pacer for CallLimiter {
    async fn before_send(&self, spec: &RequestSpec) {
        let keys: Vec<_> = Self::keys(spec)
            .into_iter()
            .filter_map(|k| self.inner.ceilings.get(&k.1).map(|d| (k, d)))
            .collect();
        if keys.is_empty() {
            return;
        }
        // The call waits for the latest of its keys, then occupies every one of them.
        let start = {
            let Ok(mut map) = self.inner.next_free.lock() else {
                return;
            };
            let now = Instant::now();
            let start = keys
                .iter()
                .filter_map(|(k, _)| map.get(k).copied())
                .filter(|t| *t > now)
                .max()
                .unwrap_or(now);
            for (k, interval) in &keys {
                map.insert(k.clone(), start + *interval);
            }
            start
        };
        if start > Instant::now() {
            tracing::debug!(operation = %keys[0].0.1, wait_ms = (start - Instant::now()).as_millis() as u64, "waiting for Mirakl call ceiling");
            tokio::time::sleep_until(start).await;
        }
    }

    fn after_response(&self, spec: &RequestSpec, response: &RawResponse) {
        if response.status != StatusCode::TOO_MANY_REQUESTS {
            return;
        }
        let keys = Self::keys(spec);
        if let Ok(mut map) = self.inner.next_free.lock() {
            for key in &keys {
                map.remove(key);
            }
        }
    }
}
