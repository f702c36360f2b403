//! Offer endpoints against wiremock: OF21, OF22, OF24, OF01, OF02, OF03, OF04, OF52–OF54.
//! Response bodies are the spec examples in `tests/fixtures/spec/` (pointers in INDEX.tsv).
#![cfg(feature = "client")]

mod common;
use common::*;
use futures::TryStreamExt;
use mirakl_api::imports::{ImportMode, ImportStatus, WaitOptions};
use mirakl_api::offers::{DiscountUpdate, OfferExportRequest, OfferUpdate, UpdateDelete};
use mirakl_api::{Error, ShopSku};
use rust_decimal::Decimal;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{body_json, body_string_contains, header_exists, query_param};

#[tokio::test]
async fn of21_list_sends_filters_and_decodes() {
    let s = server().await;
    call("GET", "/api/offers")
        .and(query_param("max", "10"))
        .and(query_param("offset", "0"))
        .and(query_param("paginate", "true"))
        .and(query_param("sku", "Offer_SKU_001"))
        .and(query_param("offer_state_codes", "11,12"))
        .and(header_exists("user-agent"))
        .respond_with(json(200, fixture("OF21-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let page = client(&s)
        .offers()
        .list()
        .max(10)
        .sku("Offer_SKU_001")
        .offer_state_codes(["11", "12"])
        .send()
        .await
        .unwrap();
    assert!(!page.items.is_empty());
    assert_eq!(page.offset, Some(0));
    assert!(page.items[0].offer_id > 0);
}

#[tokio::test]
async fn of21_stream_walks_offset_pages() {
    let s = server().await;
    let offer = |id: u64| json!({"offer_id": id, "shop_sku": format!("S{id}"), "quantity": "4", "price": 10});
    call("GET", "/api/offers")
        .and(query_param("offset", "0"))
        .and(query_param("max", "2"))
        .respond_with(json_value(
            200,
            json!({"total_count": 3, "offers": [offer(1), offer(2)]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/offers")
        .and(query_param("offset", "2"))
        .and(query_param("max", "2"))
        .respond_with(json_value(
            200,
            json!({"total_count": 3, "offers": [offer(3)]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let all: Vec<_> = client(&s)
        .offers()
        .list()
        .max(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|o| o.offer_id).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(all[0].quantity, 4);
}

#[tokio::test]
async fn of21_rejects_max_over_100() {
    let s = server().await;
    let err = client(&s)
        .offers()
        .list()
        .max(101)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
}

#[tokio::test]
async fn of22_get_and_get_opt() {
    let s = server().await;
    call("GET", "/api/offers/2130")
        .respond_with(json(200, fixture("OF22-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/offers/9")
        .respond_with(json_value(
            404,
            json!({"status": 404, "message": "Offer not found"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let o = c.offers().get(2130).await.unwrap();
    assert!(!o.shop_sku.as_str().is_empty());
    assert!(c.offers().get_opt(9).await.unwrap().is_none());
}

#[tokio::test]
async fn of24_upsert_sends_full_offers() {
    let s = server().await;
    let mut o = OfferUpdate::new(
        ShopSku::new("BC-SKU-1").unwrap(),
        "59.90".parse().unwrap(),
        12,
        "11",
    );
    o.product_id = Some("9312345678907".into());
    o.product_id_type = Some("EAN".into());
    o.leadtime_to_ship = Some(2);
    o.logistic_class = Some("M".into());
    o.discount = Some(DiscountUpdate {
        price: Some("49.90".parse().unwrap()),
        start_date: Some(mirakl_api::datetime::parse("2024-05-01T00:00:00Z").unwrap()),
        end_date: None,
        ranges: vec![],
    });
    call("POST", "/api/offers")
        .and(body_json(json!({"offers": [{
            "shop_sku": "BC-SKU-1", "product_id": "9312345678907", "product_id_type": "EAN",
            "price": 59.90, "quantity": 12, "state_code": "11", "update_delete": "update",
            "leadtime_to_ship": 2, "logistic_class": "M",
            "discount": {"price": 49.90, "start_date": "2024-05-01T00:00:00Z"}
        }]})))
        .and(body_string_contains(r#""price":59.90"#))
        .respond_with(json(201, fixture("OF24-response-201-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let created = c.offers().upsert(vec![o]).await.unwrap();
    assert!(created.import_id > 0);
    assert_eq!(c.call_counts().get("OF24"), Some(&1));
    assert!(matches!(
        c.offers().upsert(vec![]).await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn of01_import_file_is_multipart() {
    let s = server().await;
    let mut o = OfferUpdate::new(
        ShopSku::new("SKU;1").unwrap(),
        "10.5".parse().unwrap(),
        3,
        "11",
    );
    o.update_delete = Some(UpdateDelete::Delete);
    call("POST", "/api/offers/imports")
        .and(body_string_contains("name=\"file\""))
        .and(body_string_contains("filename=\"offers.csv\""))
        .and(body_string_contains("\"sku\";\"product-id\""))
        .and(body_string_contains("\"SKU;1\""))
        .and(body_string_contains("\"delete\""))
        .and(body_string_contains("name=\"import_mode\""))
        .and(body_string_contains("REPLACE"))
        .respond_with(json(201, fixture("OF01-response-201-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let created = client(&s)
        .offers()
        .import_offers(&[o], ImportMode::Replace)
        .await
        .unwrap();
    assert_eq!(
        (created.import_id, created.product_import_id),
        (2035, Some(2036))
    );
}

#[tokio::test]
async fn of02_of03_and_wait_for_import() {
    let s = server().await;
    call("GET", "/api/offers/imports/2035")
        .respond_with(json_value(200, json!({"import_id": 2035, "status": "RUNNING", "has_error_report": false, "mode": "NORMAL"})))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&s)
        .await;
    call("GET", "/api/offers/imports/2035")
        .respond_with(json_value(200, json!({"import_id": 2035, "status": "COMPLETE", "has_error_report": true, "lines_in_error": 1, "lines_read": 2})))
        .with_priority(2)
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/offers/imports/2035/error_report")
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(
            fixture("OF03-response-200-0.csv"),
            "application/octet-stream",
        ))
        .expect(1)
        .mount(&s)
        .await;
    let out = client(&s)
        .offers()
        .wait_for_import(2035, WaitOptions::new(Duration::from_millis(10), 5))
        .await
        .unwrap();
    assert_eq!(out.polls, 3);
    assert_eq!(out.status.status, ImportStatus::Complete);
    let report = out.error_report.unwrap();
    assert_eq!(
        report.rows[0].message.as_deref(),
        Some("The product does not exist")
    );
}

#[tokio::test]
async fn wait_for_import_is_bounded() {
    let s = server().await;
    call("GET", "/api/offers/imports/7")
        .respond_with(json_value(
            200,
            json!({"import_id": 7, "status": "WAITING"}),
        ))
        .expect(3)
        .mount(&s)
        .await;
    let err = client(&s)
        .offers()
        .wait_for_import(7, WaitOptions::new(Duration::from_millis(5), 3))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ImportTimeout { polls: 3, ref last_status, .. } if last_status == "WAITING")
    );
}

#[tokio::test]
async fn of04_seek_pages_and_stream() {
    let s = server().await;
    call("GET", "/api/offers/imports")
        .and(query_param("status", "COMPLETE"))
        .and(query_param("limit", "2"))
        .respond_with(json(200, fixture("OF04-response-200-0.json")))
        .expect(2)
        .mount(&s)
        .await;
    let token =
        "bGltaXQ9MiZhZnRlcj0yMDIxLTA1LTExJTIwMTY6NTA6MjUuNDczJnNvcnQ9ZGF0ZUNyZWF0ZWQsREVTQw==";
    call("GET", "/api/offers/imports")
        .and(query_param("page_token", token))
        .respond_with(json_value(
            200,
            json!({"data": [{"import_id": 1, "status": "FAILED"}], "next_page_token": null}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let page = c
        .offers()
        .imports()
        .status(ImportStatus::Complete)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_page_token.as_deref(), Some(token));
    let all: Vec<_> = c
        .offers()
        .imports()
        .status(ImportStatus::Complete)
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|i| i.import_id).collect::<Vec<_>>(),
        vec![2029, 2028, 1]
    );
}

#[tokio::test]
async fn export_json_waits_for_the_export_and_reads_every_chunk() {
    let s = server().await;
    call("POST", "/api/offers/export/async")
        .and(body_json(json!({"export_type": "application/json"})))
        .respond_with(json(200, fixture("OF52-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let tracking = "760a9a3a-1a3a-4f0d-93a5-cef772c7c3e5";
    let status = format!("/api/offers/export/async/status/{tracking}");
    call("GET", &status)
        .respond_with(json_value(200, json!({"status": "PENDING"})))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s)
        .await;
    let file = |n: u32| {
        format!(
            "{}/api/offers/export/async/file/{tracking}?file={n}.json",
            s.uri()
        )
    };
    call("GET", &status)
        .respond_with(json_value(
            200,
            json!({"status": "COMPLETED", "urls": [file(0), file(1)]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    for (n, sku) in [(0, "a"), (1, "b")] {
        call("GET", &format!("/api/offers/export/async/file/{tracking}"))
            .and(query_param("file", format!("{n}.json")))
            .respond_with(json_value(
                200,
                json!([{"shop_sku": sku, "quantity": 1, "prices": [{"origin_price": 2.5}]}]),
            ))
            .expect(1)
            .mount(&s)
            .await;
    }
    let c = client(&s);
    let offers = c
        .offers()
        .export_json(
            &OfferExportRequest::default(),
            WaitOptions::new(Duration::from_millis(10), 3),
        )
        .await
        .unwrap();
    let skus: Vec<_> = offers
        .iter()
        .map(|o| o.shop_sku.as_ref().unwrap().as_str().to_owned())
        .collect();
    assert_eq!(skus, ["a", "b"], "chunks in order");

    // a failed export names its tracking id and Mirakl's reason
    let s = server().await;
    call("POST", "/api/offers/export/async")
        .respond_with(json(200, fixture("OF52-response-200-0.json")))
        .mount(&s)
        .await;
    call("GET", &status)
        .respond_with(json_value(
            200,
            json!({"status": "FAILED", "error": {"code": "E1", "detail": "too big"}}),
        ))
        .mount(&s)
        .await;
    let err = client(&s)
        .offers()
        .export_json(
            &OfferExportRequest::default(),
            WaitOptions::new(Duration::from_millis(10), 3),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ExportFailed { ref tracking_id, .. } if tracking_id == tracking));
    assert_eq!(
        err.to_string(),
        format!("export {tracking} failed [E1]: too big")
    );
}

#[tokio::test]
async fn of52_of53_of54_export() {
    let s = server().await;
    call("POST", "/api/offers/export/async")
        .and(body_json(
            json!({"export_type": "application/json", "last_request_date": "2021-11-12T02:34:00Z"}),
        ))
        .respond_with(json(200, fixture("OF52-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let tracking = "760a9a3a-1a3a-4f0d-93a5-cef772c7c3e5";
    call("GET", &format!("/api/offers/export/async/status/{tracking}"))
        .respond_with(json_value(200, json!({"status": "COMPLETED", "urls": [format!("{}/api/offers/export/async/file/{tracking}?file=0.json", s.uri())]})))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", &format!("/api/offers/export/async/file/{tracking}"))
        .and(query_param("file", "0.json"))
        .respond_with(json(200, fixture("OF54-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let req = OfferExportRequest {
        export_type: Some("application/json".into()),
        last_request_date: Some(mirakl_api::datetime::parse("2021-11-12T02:34:00Z").unwrap()),
        ..Default::default()
    };
    let started = c.offers().export_async(&req).await.unwrap();
    assert_eq!(started.tracking_id, tracking);
    let status = c.offers().export_status(tracking).await.unwrap();
    let offers = c.offers().export_file_json(&status.urls[0]).await.unwrap();
    assert_eq!(offers[0].offer_id, Some(2003));
    // prices as the spec's OF54 example names them (origin_price, discount_price, context):
    // specs/mirakl/mirakl-mmp-seller-openapi.json, OF54 response example 0
    let default = offers[0].default_price().expect("a default price");
    assert_eq!(default.origin_price, Some(Decimal::new(6999, 2)));
    assert_eq!(default.discount_price, None);
    let fr_ca = &offers[0].prices[1];
    assert!(!fr_ca.is_default());
    assert_eq!(
        fr_ca.context.as_ref().unwrap().channel_codes,
        vec!["FR".to_owned(), "CA".to_owned()]
    );
    assert_eq!(fr_ca.discount_price, Some(Decimal::new(59, 0)));
    assert_eq!(
        fr_ca.to_offer_price().unit_origin_price,
        Some(Decimal::new(6499, 2))
    );
    let foreign = c
        .offers()
        .export_file("https://elsewhere.example/api/offers/export/async/file/x")
        .await;
    assert!(matches!(foreign, Err(Error::InvalidInput(_))));
}
