//! `List::stream` fetches pages ahead (issue 13): page order is kept, the first error ends
//! the stream, 429s and the pacer are honoured, and never more than the configured pages
//! are in flight. Page shapes follow `products_catalog.v3.yml` (`meta.pagination`) and
//! `orders.v2.oas2.yml` (bare arrays, 204 past the end) under
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/`.
//!
//! In-flight counting is sound without timing assertions: every answer is delayed by at
//! least `DELAY`, so requests the server received less than `DELAY` apart were all
//! unanswered, hence in flight, at the same moment.

mod common;

use bigcommerce_api::{Client, Error, RetryPolicy};
use common::*;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DELAY: Duration = Duration::from_millis(150);

fn product(id: u64) -> serde_json::Value {
    let mut p = fixture("v3_product_get.json")["data"].clone();
    p["id"] = json!(id);
    p["sku"] = json!(format!("S{id}"));
    p
}

fn page_of(req: &Request) -> u64 {
    req.url
        .query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
}

/// What the fake store saw: when each request arrived, and which page it asked for.
#[derive(Default)]
struct Seen {
    arrivals: Vec<(Instant, u64)>,
    too_many: u64,
}

impl Seen {
    /// The most requests that arrived within `DELAY` of each other: a lower bound of the
    /// requests in flight at once, and exactly it when they arrive together.
    fn max_in_flight(&self) -> usize {
        let t: Vec<Instant> = self.arrivals.iter().map(|(t, _)| *t).collect();
        (0..t.len())
            .map(|i| t[i..].iter().take_while(|u| **u - t[i] < DELAY).count())
            .max()
            .unwrap_or(0)
    }

    fn pages(&self) -> Vec<u64> {
        let mut p: Vec<u64> = self.arrivals.iter().map(|(_, n)| *n).collect();
        p.sort_unstable();
        p
    }
}

/// A v3 product listing of `pages` pages of 2 products. Later pages answer sooner (so they
/// arrive out of order); `fail` answers that page with 400; `quota` enforces a fixed window
/// of that many requests per `window` with the `X-Rate-Limit-*` headers and 429s.
struct V3Store {
    pages: u64,
    fail: Option<u64>,
    quota: Option<(u64, Duration)>,
    window: Mutex<(Instant, u64)>,
    seen: Arc<Mutex<Seen>>,
}

impl Respond for V3Store {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = page_of(req);
        let now = Instant::now();
        self.seen.lock().unwrap().arrivals.push((now, n));
        let mut rate_headers = None;
        if let Some((quota, length)) = self.quota {
            let mut w = self.window.lock().unwrap();
            if now - w.0 >= length {
                *w = (now, 0);
            }
            let reset = length.saturating_sub(now - w.0).as_millis().max(1) as u64;
            if w.1 >= quota {
                self.seen.lock().unwrap().too_many += 1;
                return ResponseTemplate::new(429)
                    .insert_header("x-rate-limit-requests-left", "0")
                    .insert_header("x-rate-limit-requests-quota", quota.to_string())
                    .insert_header("x-rate-limit-time-reset-ms", reset.to_string())
                    .insert_header(
                        "x-rate-limit-time-window-ms",
                        length.as_millis().to_string(),
                    );
            }
            w.1 += 1;
            rate_headers = Some((quota - w.1, quota, reset, length));
        }
        if Some(n) == self.fail {
            return json(
                400,
                json!({"status": 400, "title": "Bad page", "errors": {}}),
            );
        }
        let items: Vec<_> = if n <= self.pages {
            vec![product(n * 10), product(n * 10 + 1)]
        } else {
            vec![]
        };
        let body = json!({"data": items, "meta": {"pagination": {
            "total": self.pages * 2, "count": items.len(), "per_page": 2,
            "current_page": n, "total_pages": self.pages, "links": {}}}});
        let mut r = json(200, body).set_delay(DELAY + Duration::from_millis(5 * (20 - n % 20)));
        if let Some((left, quota, reset, length)) = rate_headers {
            r = r
                .insert_header("x-rate-limit-requests-left", left.to_string())
                .insert_header("x-rate-limit-requests-quota", quota.to_string())
                .insert_header("x-rate-limit-time-reset-ms", reset.to_string())
                .insert_header(
                    "x-rate-limit-time-window-ms",
                    length.as_millis().to_string(),
                );
        }
        r
    }
}

async fn v3_store(
    server: &MockServer,
    pages: u64,
    fail: Option<u64>,
    quota: Option<(u64, Duration)>,
) -> Arc<Mutex<Seen>> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products")))
        .respond_with(V3Store {
            pages,
            fail,
            quota,
            window: Mutex::new((Instant::now(), 0)),
            seen: seen.clone(),
        })
        .mount(server)
        .await;
    seen
}

fn client_with(server: &MockServer, pages_in_flight: usize) -> Client {
    Client::builder(credentials())
        .base_url(&server.uri())
        .unwrap()
        .retry_policy(RetryPolicy::fast(3))
        .pages_in_flight(pages_in_flight)
        .build()
        .unwrap()
}

fn ids(pages: std::ops::RangeInclusive<u64>) -> Vec<u64> {
    pages.flat_map(|n| [n * 10, n * 10 + 1]).collect()
}

#[tokio::test]
async fn v3_pages_come_in_order_with_at_most_the_configured_pages_in_flight() {
    let server = server().await;
    let seen = v3_store(&server, 12, None, None).await;
    let got: Vec<u64> = client_with(&server, 3)
        .products()
        .list()
        .limit(2)
        .stream()
        .map_ok(|p| p.id.0)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, ids(1..=12));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.pages(), (1..=12).collect::<Vec<_>>(), "each page once");
    let max = seen.max_in_flight();
    assert!(max <= 3, "{max} pages in flight, 3 allowed");
    assert!(max >= 2, "pages were fetched one after another");
}

#[tokio::test]
async fn one_page_in_flight_is_the_sequential_walk() {
    let server = server().await;
    let seen = v3_store(&server, 4, None, None).await;
    let got = client_with(&server, 1)
        .products()
        .list()
        .limit(2)
        .all()
        .await
        .unwrap();
    assert_eq!(got.len(), 8);
    assert_eq!(seen.lock().unwrap().max_in_flight(), 1);
}

#[tokio::test]
async fn the_first_error_ends_the_stream_after_the_pages_before_it() {
    let server = server().await;
    v3_store(&server, 12, Some(5), None).await;
    let out: Vec<Result<u64, Error>> = client_with(&server, 4)
        .products()
        .list()
        .limit(2)
        .stream()
        .map_ok(|p| p.id.0)
        .collect()
        .await;
    let (ok, err): (Vec<_>, Vec<_>) = out.into_iter().partition(Result::is_ok);
    let ok: Vec<u64> = ok.into_iter().map(Result::unwrap).collect();
    assert_eq!(ok, ids(1..=4));
    assert_eq!(err.len(), 1, "one error, then the end");
    assert!(
        matches!(err[0], Err(Error::Api { status: 400, .. })),
        "{:?}",
        err[0]
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_the_order_kept() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products")))
        .and(wiremock::matchers::query_param("page", "3"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"status": 429, "title": "Too many requests"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let seen = v3_store(&server, 6, None, None).await;
    let got: Vec<u64> = client_with(&server, 4)
        .products()
        .list()
        .limit(2)
        .stream()
        .map_ok(|p| p.id.0)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, ids(1..=6));
    // Page 3 answered by the store only after the retry.
    assert_eq!(seen.lock().unwrap().pages(), (1..=6).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_pacer_keeps_a_concurrent_stream_within_the_quota() {
    let server = server().await;
    // 5 requests per 1.2 s window, 16 pages: the stream must wait for windows to reset
    // instead of running into 429s, whatever the pages in flight.
    let seen = v3_store(&server, 16, None, Some((5, Duration::from_millis(1_200)))).await;
    let got: Vec<u64> = client_with(&server, 4)
        .products()
        .list()
        .limit(2)
        .stream()
        .map_ok(|p| p.id.0)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, ids(1..=16));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.too_many, 0, "the pacer let a request run into a 429");
    assert_eq!(seen.pages(), (1..=16).collect::<Vec<_>>());
}

/// v2 orders (no page count): full pages of 2 up to `full`, then 204s.
struct V2Orders {
    full: u64,
    seen: Arc<Mutex<Seen>>,
}

impl Respond for V2Orders {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = page_of(req);
        self.seen.lock().unwrap().arrivals.push((Instant::now(), n));
        if n > self.full {
            return ResponseTemplate::new(204).set_delay(DELAY);
        }
        let mut orders = Vec::new();
        for id in [n * 10, n * 10 + 1] {
            let mut o = fixture("v2_order_get.json");
            o["id"] = json!(id);
            orders.push(o);
        }
        json(200, json!(orders)).set_delay(DELAY + Duration::from_millis(5 * (20 - n % 20)))
    }
}

#[tokio::test]
async fn v2_pages_are_fetched_ahead_in_order_and_a_204_ends_them() {
    let server = server().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .respond_with(V2Orders {
            full: 9,
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    let got: Vec<u64> = client_with(&server, 4)
        .orders()
        .list()
        .limit(2)
        .stream()
        .map_ok(|o| o.id.0)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, ids(1..=9));
    let seen = seen.lock().unwrap();
    let pages = seen.pages();
    assert_eq!(&pages[..10], (1..=10).collect::<Vec<_>>(), "each page once");
    assert!(
        pages.len() <= 9 + 4,
        "at most 4 pages past the end: {pages:?}"
    );
    let max = seen.max_in_flight();
    assert!((2..=4).contains(&max), "{max} pages in flight, 4 allowed");
}
