//! Pitfalls other Mirakl clients and connectors fall into (`notes/mirakl.md` §2, §7, §9;
//! `notes/connectors.md` §6), each proven handled here. Fixtures: spec examples listed in
//! `tests/fixtures/spec/INDEX.tsv` (JSON pointers into `mirakl-mmp-seller-openapi.json`).

mod common;

use common::*;
use futures::TryStreamExt;
use mirakl_api::MiraklOrderId;
use mirakl_api::imports::StockLine;
use mirakl_api::orders::RefundRequest;
use serde_json::json;
use time::macros::datetime;
use wiremock::ResponseTemplate;
use wiremock::matchers::{header, header_exists, query_param};

// Query dates go out as UTC with whole seconds and a `Z` (never a raw `+` offset, which a
// query string would turn into a space); OR11 always paginates, 100 per page (the PHP SDK
// default of 10 and "first page only" loops lost orders: connectors.md F2).
#[tokio::test]
async fn or11_watermark_is_utc_whole_seconds_and_pages_by_100() {
    let s = server().await;
    call("GET", "/api/orders")
        .and(query_param("start_update_date", "2024-05-01T10:00:00Z"))
        .and(query_param("paginate", "true"))
        .and(query_param("max", "100"))
        .and(query_param("offset", "0"))
        .respond_with(json_value(200, json!({"orders": [], "total_count": 0})))
        .expect(1)
        .mount(&s)
        .await;
    let since = datetime!(2024-05-01 12:00:00.987_654 +02:00);
    let orders: Vec<_> = client(&s)
        .orders()
        .list()
        .updated_since(since)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(orders.is_empty());
    let reqs = s.received_requests().await.unwrap();
    let raw = reqs[0].url.query().unwrap_or_default().to_owned();
    assert!(!raw.contains('+'), "{raw}");
    assert!(
        raw.contains("start_update_date=2024-05-01T10%3A00%3A00Z"),
        "{raw}"
    );
}

// A multipart upload must not disturb later JSON calls (a Python client popped the
// session's Content-Type/Accept on multipart and broke every call after it).
#[tokio::test]
async fn multipart_upload_leaves_json_calls_intact() {
    let s = server().await;
    call("POST", "/api/offers/stock/imports")
        .and(header_exists("content-type"))
        .respond_with(json_value(201, json!({"import_id": "st-1"})))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/account")
        .and(header("accept", "application/json"))
        .respond_with(json(200, fixture("A01-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let sku = mirakl_api::ShopSku::new("A").unwrap();
    c.stock().import(&[StockLine::new(sku, 3)]).await.unwrap();
    c.account().get().await.unwrap();
    let reqs = s.received_requests().await.unwrap();
    let ct = reqs[0]
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    assert!(reqs[1].headers.get("content-type").is_none());
}

// OR28 is a PUT that creates refunds: a 5xx must not be repeated (it could refund twice).
#[tokio::test]
async fn or28_refund_is_not_retried_after_a_5xx() {
    let s = server().await;
    let req: RefundRequest = serde_json::from_slice(&fixture("OR28-request-0.json")).unwrap();
    call("PUT", "/api/orders/refund")
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
        .expect(1)
        .mount(&s)
        .await;
    let err = client(&s).orders().refund(&req).await.unwrap_err();
    assert!(err.to_string().contains("502"), "{err}");
}

// A safe PUT such as OR23 (set tracking) is still retried after a 5xx.
#[tokio::test]
async fn or23_tracking_is_retried_after_a_5xx() {
    let s = server().await;
    call("PUT", "/api/orders/O-1/tracking")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&s)
        .await;
    call("PUT", "/api/orders/O-1/tracking")
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    let t: mirakl_api::orders::Tracking =
        serde_json::from_value(json!({"carrier_code": "AUP", "tracking_number": "X1"})).unwrap();
    client(&s)
        .orders()
        .tracking(&MiraklOrderId::new("O-1").unwrap(), &t)
        .await
        .unwrap();
}

// Order ids with characters that are special in a path are encoded as one segment.
#[tokio::test]
async fn order_ids_are_path_encoded() {
    let s = server().await;
    call("PUT", "/api/orders/A%2FB%20C/ship")
        .and(header("content-length", "2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    client(&s)
        .orders()
        .ship(&MiraklOrderId::new("A/B C").unwrap())
        .await
        .unwrap();
}

// OR11 without `total_count` (an operator omitting it) must not stop after the first page:
// missed orders are the top connector failure (connectors.md F2). Orders from the OR11
// example (OR11-response-200-0.json).
#[tokio::test]
async fn or11_without_total_count_reads_to_an_empty_page() {
    let s = server().await;
    let example: serde_json::Value =
        serde_json::from_slice(&fixture("OR11-response-200-0.json")).unwrap();
    let order = |id: &str| {
        let mut o = example["orders"][0].clone();
        o["order_id"] = json!(id);
        o
    };
    for (offset, orders) in [
        ("0", json!([order("O-1"), order("O-2")])),
        ("2", json!([order("O-3")])),
        ("3", json!([])),
    ] {
        call("GET", "/api/orders")
            .and(query_param("offset", offset))
            .and(query_param("max", "2"))
            .respond_with(json_value(200, json!({ "orders": orders })))
            .expect(1)
            .mount(&s)
            .await;
    }
    let ids: Vec<String> = client(&s)
        .orders()
        .list()
        .max(2)
        .stream()
        .map_ok(|o| o.order_id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["O-1", "O-2", "O-3"]);
}
