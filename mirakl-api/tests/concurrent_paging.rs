//! OF21 streams fetch offset pages ahead, OR11 streams one page at a time (issue 13): page
//! order is kept, the first error ends the stream, 429s and the call limiter are honoured,
//! and never more than the configured pages are in flight. Bodies are built from the spec examples
//! `OF21-response-200-0.json` and `OR11-response-200-0.json` (tests/fixtures/spec/, from
//! ../shared/specs/mirakl/mirakl-mmp-seller-openapi.json).
//!
//! In-flight counting is sound without timing assertions: every answer is delayed by at
//! least `DELAY`, so requests received less than `DELAY` apart were in flight together.
#![cfg(feature = "client")]

mod common;
use bc_mirakl_api_core::retry::RetryPolicy;
use common::*;
use futures::{StreamExt, TryStreamExt};
use mirakl_api::{Client, Error};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::{Request, Respond, ResponseTemplate};

const DELAY: Duration = Duration::from_millis(150);

#[derive(Default)]
struct Seen {
    arrivals: Vec<(Instant, u64)>,
}

impl Seen {
    fn max_in_flight(&self) -> usize {
        let t: Vec<Instant> = self.arrivals.iter().map(|(t, _)| *t).collect();
        (0..t.len())
            .map(|i| t[i..].iter().take_while(|u| **u - t[i] < DELAY).count())
            .max()
            .unwrap_or(0)
    }

    fn offsets(&self) -> Vec<u64> {
        let mut o: Vec<u64> = self.arrivals.iter().map(|(_, n)| *n).collect();
        o.sort_unstable();
        o
    }
}

/// A listing of `total` items, `max` a page, as `{total_count, <key>: [...]}`; later pages
/// answer sooner. `fail_at` answers that offset with 400, `throttle_at` with one 429 first.
struct Listing {
    key: &'static str,
    item: serde_json::Value,
    id_field: &'static str,
    total: u64,
    fail_at: Option<u64>,
    throttle_at: Mutex<Option<u64>>,
    seen: Arc<Mutex<Seen>>,
}

impl Respond for Listing {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q = |k: &str| {
            req.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let (offset, max) = (q("offset"), q("max"));
        self.seen
            .lock()
            .unwrap()
            .arrivals
            .push((Instant::now(), offset));
        let mut throttle = self.throttle_at.lock().unwrap();
        if *throttle == Some(offset) {
            *throttle = None;
            return ResponseTemplate::new(429).insert_header("retry-after", "1");
        }
        if Some(offset) == self.fail_at {
            return json_value(400, json!({"status": 400, "message": "bad offset"}));
        }
        let items: Vec<serde_json::Value> = (offset..(offset + max).min(self.total))
            .map(|i| {
                let mut it = self.item.clone();
                it[self.id_field] = if self.id_field == "order_id" {
                    json!(format!("O-{i}"))
                } else {
                    json!(i)
                };
                it
            })
            .collect();
        let page = offset / max.max(1);
        json_value(200, json!({"total_count": self.total, self.key: items}))
            .set_delay(DELAY + Duration::from_millis(5 * (20 - page % 20)))
    }
}

fn example(name: &str, key: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
    v[key][0].clone()
}

async fn offers(
    s: &wiremock::MockServer,
    total: u64,
    fail_at: Option<u64>,
    throttle_at: Option<u64>,
) -> Arc<Mutex<Seen>> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    call("GET", "/api/offers")
        .respond_with(Listing {
            key: "offers",
            item: example("OF21-response-200-0.json", "offers"),
            id_field: "offer_id",
            total,
            fail_at,
            throttle_at: Mutex::new(throttle_at),
            seen: seen.clone(),
        })
        .mount(s)
        .await;
    seen
}

fn client_with(s: &wiremock::MockServer, pages: usize, limiter: bool) -> Client {
    let b = Client::builder(s.uri())
        .api_key(KEY)
        .shop_id(Some(SHOP))
        .retry_policy(RetryPolicy::fast(3))
        .pages_in_flight(pages);
    if limiter { b } else { b.without_limiter() }
        .build()
        .unwrap()
}

#[tokio::test]
async fn of21_pages_come_in_order_with_at_most_the_configured_pages_in_flight() {
    let s = server().await;
    let seen = offers(&s, 95, None, None).await;
    let ids: Vec<u64> = client_with(&s, 3, false)
        .offers()
        .list()
        .max(10)
        .stream()
        .map_ok(|o| o.offer_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..95).collect::<Vec<_>>());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.offsets(), (0..10).map(|p| p * 10).collect::<Vec<_>>());
    let max = seen.max_in_flight();
    assert!((2..=3).contains(&max), "{max} pages in flight, 3 allowed");
}

#[tokio::test]
async fn of21_stops_at_the_first_error() {
    let s = server().await;
    offers(&s, 95, Some(40), None).await;
    let out: Vec<Result<u64, Error>> = client_with(&s, 4, false)
        .offers()
        .list()
        .max(10)
        .stream()
        .map_ok(|o| o.offer_id)
        .collect()
        .await;
    let ok: Vec<u64> = out
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(ok, (0..40).collect::<Vec<_>>());
    assert_eq!(out.len(), 41, "one error, then the end");
    assert!(
        matches!(out[40], Err(Error::Api { status: 400, .. })),
        "{:?}",
        out[40]
    );
}

#[tokio::test]
async fn of21_waits_out_a_429_and_keeps_the_order() {
    let s = server().await;
    let seen = offers(&s, 60, None, Some(20)).await;
    let ids: Vec<u64> = client_with(&s, 4, false)
        .offers()
        .list()
        .max(10)
        .stream()
        .map_ok(|o| o.offer_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..60).collect::<Vec<_>>());
    let offsets = seen.lock().unwrap().offsets();
    assert_eq!(
        offsets,
        [0, 10, 20, 20, 30, 40, 50],
        "offset 20 retried once"
    );
}

// OR11 is limited to one call a minute: the limiter spaces passes, not the pages of one
// pass, so a pass with the limiter on reads its pages without waiting a minute per page;
// since Mirakl may count each page as a call, they are read one after another (pages read
// ahead all met 429s from the operator sandbox, which counts every page).
#[tokio::test]
async fn or11_pages_pass_the_limiter_and_come_in_order() {
    let s = server().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    call("GET", "/api/orders")
        .respond_with(Listing {
            key: "orders",
            item: example("OR11-response-200-0.json", "orders"),
            id_field: "order_id",
            total: 250,
            fail_at: None,
            throttle_at: Mutex::new(None),
            seen: seen.clone(),
        })
        .mount(&s)
        .await;
    let ids: Vec<String> = client_with(&s, 4, true)
        .orders()
        .list()
        .max(100)
        .stream()
        .map_ok(|o| o.order_id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..250).map(|i| format!("O-{i}")).collect::<Vec<_>>());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.offsets(), [0, 100, 200]);
    assert_eq!(seen.max_in_flight(), 1);
}

// A first page shorter than `max` although the total says more (an operator capping the
// page size): the offsets follow the items read, so nothing is skipped.
#[tokio::test]
async fn of21_short_first_page_reads_on_from_the_items_read() {
    let s = server().await;
    let item = example("OF21-response-200-0.json", "offers");
    let with_id = |i: u64| {
        let mut o = item.clone();
        o["offer_id"] = json!(i);
        o
    };
    for (offset, ids) in [(0u64, 0..5u64), (5, 5..8)] {
        call("GET", "/api/offers")
            .and(wiremock::matchers::query_param(
                "offset",
                offset.to_string(),
            ))
            .respond_with(json_value(
                200,
                json!({"total_count": 8, "offers": ids.map(with_id).collect::<Vec<_>>()}),
            ))
            .expect(1)
            .mount(&s)
            .await;
    }
    let ids: Vec<u64> = client_with(&s, 4, false)
        .offers()
        .list()
        .max(10)
        .stream()
        .map_ok(|o| o.offer_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..8).collect::<Vec<_>>());
}
