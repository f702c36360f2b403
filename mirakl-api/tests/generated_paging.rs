//! Behaviour of the generated operations beyond one call: both paging styles as a stream
//! (seek: ST11; offset: M01), open enums, dates with and without milliseconds, unknown
//! fields kept, path segments encoded, and the dynamic-URL guard (OR15).
#![cfg(feature = "client")]

mod common;
use common::*;
use futures::TryStreamExt;
use mirakl_api::shipments::st11;
use serde_json::json;
use wiremock::matchers::{query_param, query_param_is_missing};

#[tokio::test]
async fn st11_seek_pages_stream_to_the_last_page() {
    let s = server().await;
    call("GET", "/api/shipments")
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("page_token"))
        .respond_with(json_value(
            200,
            json!({"data": [{"id": "S1"}, {"id": "S2"}], "next_page_token": "T2"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/shipments")
        .and(query_param("limit", "2"))
        .and(query_param("page_token", "T2"))
        .respond_with(json_value(
            200,
            json!({"data": [{"id": "S3"}], "previous_page_token": "T1"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let all: Vec<st11::Data> = client(&s)
        .shipments()
        .list()
        .unwrap()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|d| d.id.clone().unwrap()).collect();
    assert_eq!(ids, ["S1", "S2", "S3"]);
}

#[tokio::test]
async fn m01_offset_pages_stream_until_total_count() {
    let s = server().await;
    for (offset, body) in [
        (
            "0",
            json!({"messages": [{"id": 1}, {"id": 2}], "total_count": 3}),
        ),
        ("2", json!({"messages": [{"id": 3}], "total_count": 3})),
    ] {
        call("GET", "/api/messages")
            .and(query_param("offset", offset))
            .and(query_param("max", "2"))
            .respond_with(json_value(200, body))
            .expect(1)
            .mount(&s)
            .await;
    }
    let all: Vec<_> = client(&s)
        .messages()
        .list()
        .unwrap()
        .max(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[test]
fn generated_models_are_tolerant() {
    let d: st11::Data = serde_json::from_value(json!({
        "id": 42,
        "status": "TELEPORTED",
        "created_date": "2024-05-01T10:00:00.123Z",
        "last_updated_date": "2024-05-01T10:00:00Z",
        "shipment_lines": null,
        "brand_new_field": {"x": 1}
    }))
    .unwrap();
    assert_eq!(d.id.as_deref(), Some("42"));
    assert_eq!(d.status, Some(st11::Status::Other("TELEPORTED".into())));
    assert_eq!(d.created_date.unwrap().millisecond(), 123);
    assert_eq!(d.last_updated_date.unwrap().millisecond(), 0);
    assert!(d.shipment_lines.is_empty());
    assert_eq!(d.extra["brand_new_field"], json!({"x": 1}));
    let known: st11::Data = serde_json::from_value(json!({"status": "SHIPPED"})).unwrap();
    assert_eq!(known.status, Some(st11::Status::Shipped));
}

#[tokio::test]
async fn path_segments_are_encoded_and_empty_ones_refused() {
    let s = server().await;
    call("GET", "/api/orders/A%2FB%20C/evaluation")
        .respond_with(json_value(200, json!({"grade": 5})))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let e = c
        .orders()
        .evaluation("A/B C")
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(e.grade, Some(5));
    assert!(matches!(
        c.orders().evaluation(" "),
        Err(mirakl_api::Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn export_file_urls_must_stay_on_the_instance() {
    let s = server().await;
    let c = client(&s);
    let err = c
        .orders()
        .export_file("https://elsewhere.example/files/1.json")
        .unwrap_err();
    assert!(matches!(err, mirakl_api::Error::InvalidInput(_)), "{err}");
}
