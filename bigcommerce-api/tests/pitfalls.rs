//! Pitfalls other BigCommerce clients fall into (`notes/bigcommerce.md` §3, §4, §10), each
//! proven handled here.

mod common;

use common::*;
use serde_json::json;
use time::macros::datetime;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

// v2 date filters must be URL-encoded (`bigcommerce/api#121`): the `+` of `+0000` must
// arrive as `%2B`, not as a space. Dates go out in UTC whatever the caller's offset.
#[tokio::test]
async fn v2_date_filters_are_utc_and_url_encoded() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param(
            "min_date_modified",
            "Wed, 15 Jan 2025 00:03:17 +0000",
        ))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let since = datetime!(2025-01-15 10:03:17.987_654 +10:00);
    let page = client(&server)
        .orders()
        .list()
        .min_date_modified(since)
        .send()
        .await
        .unwrap();
    assert!(page.items.is_empty());
    let reqs = server.received_requests().await.unwrap();
    let raw = reqs[0].url.query().unwrap_or_default().to_owned();
    assert!(raw.contains("%2B0000"), "{raw}");
    assert!(!raw.contains("+0000"), "{raw}");
}

// v3 `date_modified:min`: UTC, whole seconds, as the spec's example
// (`products_catalog.v3.yml`: `date_modified:min=2025-01-15T00:03:17Z`).
#[tokio::test]
async fn v3_date_filter_is_utc_whole_seconds() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products")))
        .and(query_param("date_modified:min", "2025-01-15T00:03:17Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [], "meta": {}})))
        .expect(1)
        .mount(&server)
        .await;
    let since = datetime!(2025-01-15 10:03:17.987_654 +10:00);
    let page = client(&server)
        .products()
        .list()
        .date_modified_min(since)
        .send()
        .await
        .unwrap();
    assert!(page.is_last());
}

// `limit` above 250 is a 413 (`bigcommerce-api-python#59`): the builder clamps it.
#[tokio::test]
async fn page_size_is_clamped_to_250() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/variants")))
        .and(query_param("limit", "250"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [], "meta": {}})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(bigcommerce_api::MAX_PAGE_SIZE, 250);
    let list = c.variants().list().limit(1_000);
    assert!(list.spec().query.contains(&("limit".into(), "250".into())));
    list.send().await.unwrap();
    let zero = c.variants().list().limit(0);
    assert!(zero.spec().query.contains(&("limit".into(), "1".into())));
}

// A 429 without any rate-limit header means platform load (`notes/bigcommerce.md` §3):
// still retried, with backoff, not surfaced on the first try.
#[tokio::test]
async fn a_429_without_headers_is_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"time": 1529512970})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let t = c.store().time().await.unwrap();
    assert_eq!(t.time, 1_529_512_970);
    assert_eq!(c.call_counts()["GET /v2/time"], 2);
}

// A v3 listing answered without paging metadata (`meta: null`, seen in real responses per
// notes/bigcommerce.md §4) must not be cut after a full first page.
#[tokio::test]
async fn v3_full_page_without_meta_is_followed() {
    let server = server().await;
    let b = |id: u64| json!({"id": id, "name": format!("B{id}")});
    for (page, body) in [
        ("1", json!({"data": [b(1), b(2)], "meta": null})),
        ("2", json!({"data": [b(3)], "meta": {}})),
    ] {
        Mock::given(method("GET"))
            .and(path(p("v3/catalog/brands")))
            .and(query_param("page", page))
            .and(query_param("limit", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    // Without `meta` the page count is unknown, so the stream may fetch one page ahead past
    // the end (its empty answer is dropped); at most once.
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/brands")))
        .and(query_param("page", "3"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [], "meta": {}})))
        .expect(0..=1)
        .mount(&server)
        .await;
    let brands = client(&server)
        .brands()
        .list()
        .limit(2)
        .all()
        .await
        .unwrap();
    assert_eq!(brands.len(), 3);
}
