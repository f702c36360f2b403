//! Stock/price imports (STO01–03, PRI01–03), product imports (P41/P42/P44/P51), the
//! catalog (H11, PM11, VL11) and account/platform calls (A01, AF01, PC01, SH21, SH31)
//! against wiremock. Bodies come from the spec examples in `tests/fixtures/spec/`.
#![cfg(feature = "client")]

mod common;
use common::*;
use futures::TryStreamExt;
use mirakl_api::client::ProductImportFile;
use mirakl_api::imports::{ImportStatus, PriceLine, StockLine, WaitOptions};
use mirakl_api::{Error, ShopSku};
use serde_json::json;
use std::time::Duration;
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_string_contains, query_param};

fn sku(s: &str) -> ShopSku {
    ShopSku::new(s).unwrap()
}

fn csv(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/csv")
}

#[tokio::test]
async fn sto01_sto02_sto03() {
    let s = server().await;
    call("POST", "/api/offers/stock/imports")
        .and(body_string_contains("name=\"file\""))
        .and(body_string_contains(
            "\"offer-sku\";\"quantity\"\n\"A\";\"5\"\n\"B\";\"0\"\n",
        ))
        .respond_with(json_value(201, json!({"import_id": "st-1"})))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/offers/stock/imports/st-1/status")
        .respond_with(json_value(200, json!({"import_id": "st-1", "status": "COMPLETE", "has_error_report": true, "lines_in_error": 1, "lines_in_success": 1, "shop_id": 2001, "date_created": "2024-05-01T10:00:00Z"})))
        .expect(2)
        .mount(&s)
        .await;
    call("GET", "/api/offers/stock/imports/st-1/error_report")
        .respond_with(csv("\"offer-sku\";\"quantity\";\"error-line\";\"error-message\"\n\"B\";\"0\";\"3\";\"Unknown offer\"\n"))
        .expect(2)
        .mount(&s)
        .await;
    let c = client(&s);
    let created = c
        .stock()
        .import(&[StockLine::new(sku("A"), 5), StockLine::new(sku("B"), 0)])
        .await
        .unwrap();
    assert_eq!(created.import_id, "st-1");
    assert_eq!(c.stock().status("st-1").await.unwrap().lines_in_error, 1);
    let report = c.stock().error_report("st-1").await.unwrap();
    assert_eq!(
        (report.rows[0].line, report.rows[0].sku.as_deref()),
        (Some(3), Some("B"))
    );
    let out = c
        .stock()
        .wait_for_import("st-1", WaitOptions::new(Duration::from_millis(5), 2))
        .await
        .unwrap();
    assert_eq!(
        out.error_report.unwrap().rows[0].message.as_deref(),
        Some("Unknown offer")
    );
    assert!(matches!(
        c.stock().import(&[]).await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn pri01_pri02_pri03() {
    let s = server().await;
    call("POST", "/api/offers/pricing/imports")
        .and(body_string_contains("\"offer-sku\";\"price\";\"discount-price\";\"discount-start-date\";\"discount-end-date\"\n\"A\";\"19.95\";\"\";\"\";\"\"\n"))
        .respond_with(json(201, fixture("PRI01-response-201-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let id = "7d98c3c0-81fe-407d-9721-d4b01951c8d8";
    call("GET", "/api/offers/pricing/imports")
        .and(query_param("import_id", id))
        .respond_with(json_value(200, json!({"data": [{"import_id": id, "status": "COMPLETE", "has_error_report": false, "offers_updated": 1}], "next_page_token": null})))
        .expect(2)
        .mount(&s)
        .await;
    call(
        "GET",
        &format!("/api/offers/pricing/imports/{id}/error_report"),
    )
    .respond_with(csv("offer-sku;price;error-message\nA;-1;Invalid price\n"))
    .expect(1)
    .mount(&s)
    .await;
    let c = client(&s);
    let created = c
        .prices()
        .import(&[PriceLine::new(sku("A"), "19.95".parse().unwrap())])
        .await
        .unwrap();
    assert_eq!(created.import_id, id);
    let st = c.prices().status(id).await.unwrap().unwrap();
    assert_eq!((st.status, st.offers_updated), (ImportStatus::Complete, 1));
    let out = c
        .prices()
        .wait_for_import(id, WaitOptions::new(Duration::from_millis(5), 2))
        .await
        .unwrap();
    assert!(out.error_report.is_none());
    let r = c.prices().error_report(id).await.unwrap();
    assert_eq!(r.rows[0].message.as_deref(), Some("Invalid price"));
}

#[tokio::test]
async fn pri02_stream_follows_tokens() {
    let s = server().await;
    call("GET", "/api/offers/pricing/imports")
        .and(query_param("status", "FAILED"))
        .respond_with(json_value(
            200,
            json!({"data": [{"import_id": "a", "status": "FAILED"}], "next_page_token": "t2"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/offers/pricing/imports")
        .and(query_param("page_token", "t2"))
        .respond_with(json_value(
            200,
            json!({"data": [{"import_id": "b", "status": "FAILED"}], "next_page_token": "t2"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let all: Vec<_> = client(&s)
        .prices()
        .imports()
        .status(ImportStatus::Failed)
        .stream()
        .try_collect()
        .await
        .unwrap();
    // The repeated token ends the stream instead of looping.
    assert_eq!(
        all.iter().map(|i| i.import_id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[tokio::test]
async fn p41_p42_p44_p51() {
    let s = server().await;
    call("POST", "/api/products/imports")
        .and(body_string_contains("name=\"file\""))
        .and(body_string_contains("filename=\"products.csv\""))
        .and(body_string_contains("sku;title"))
        .and(body_string_contains("name=\"operator_format\""))
        .respond_with(json(201, fixture("P41-response-201-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/products/imports/2008")
        .respond_with(json_value(200, json!({"import_id": 2008, "import_status": "COMPLETE", "has_error_report": true, "date_created": "2019-04-05T13:13:06Z"})))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/products/imports/2008/error_report")
        .respond_with(csv("sku;title;errors\nP1;Mug;1001 | Category unknown\n"))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/products/imports")
        .and(query_param("status", "COMPLETE"))
        .and(query_param("max", "100"))
        .and(query_param("offset", "0"))
        .respond_with(json(200, fixture("P51-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let mut file = ProductImportFile::csv(b"sku;title\nP1;Mug\n".to_vec());
    file.operator_format = Some(true);
    let created = c.products().import(file).await.unwrap();
    assert!(created.import_id > 0);
    let out = c
        .products()
        .wait_for_import(2008, WaitOptions::new(Duration::from_millis(5), 2))
        .await
        .unwrap();
    assert_eq!(
        out.error_report.unwrap().rows[0].message.as_deref(),
        Some("1001 | Category unknown")
    );
    let page = c
        .products()
        .imports()
        .status(ImportStatus::Complete)
        .send()
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.items[1].import_status, ImportStatus::Sent);
}

#[tokio::test]
async fn h11_pm11_vl11() {
    let s = server().await;
    call("GET", "/api/hierarchies")
        .and(query_param("hierarchy", "59"))
        .and(query_param("max_level", "2"))
        .respond_with(json(200, fixture("H11-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/products/attributes")
        .and(query_param("hierarchy", "3012"))
        .respond_with(json(200, fixture("PM11-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/values_lists")
        .and(query_param("code", "Jewellery"))
        .respond_with(json(200, fixture("VL11-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let h = c
        .hierarchies()
        .list()
        .hierarchy("59")
        .max_level(2)
        .send()
        .await
        .unwrap();
    assert_eq!(h[0].parent_code.as_deref(), Some("59"));
    let a = c
        .attributes()
        .list()
        .hierarchy("3012")
        .send()
        .await
        .unwrap();
    assert_eq!(a[0].code, "washingInstructions3");
    let v = c.value_lists().list(Some("Jewellery")).await.unwrap();
    assert_eq!(v[0].values.len(), 4);
}

#[tokio::test]
async fn a01_af01_pc01_sh21_sh31() {
    let s = server().await;
    call("GET", "/api/account")
        .respond_with(json(200, fixture("A01-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/additional_fields")
        .and(query_param("entities", "OFFER,ORDER_LINE"))
        .respond_with(json(200, fixture("AF01-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/platform/configuration")
        .respond_with(json(200, fixture("PC01-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/shipping/carriers")
        .respond_with(json(200, fixture("SH21-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/shipping/logistic_classes")
        .respond_with(json(200, fixture("SH31-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let shop = c.account().get().await.unwrap();
    assert_eq!(shop.currency_iso_code.as_deref(), Some("USD"));
    let fields = c
        .account()
        .additional_fields(&["OFFER", "ORDER_LINE"])
        .await
        .unwrap();
    assert_eq!(fields[0].code, "ecotax");
    let pc = c.platform_configuration().get().await.unwrap();
    assert_eq!(pc.csv_delimiter(), b';');
    let carriers = c.carriers().list().await.unwrap();
    assert_eq!(
        carriers[1].tracking_url_for("1Z9").unwrap(),
        "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z9"
    );
    let classes = c.logistic_classes().list().await.unwrap();
    assert_eq!(
        classes.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(),
        ["S", "M", "L", "OV1", "OV2", "FREE"]
    );
    let counts = c.call_counts();
    for op in ["A01", "AF01", "PC01", "SH21", "SH31"] {
        assert_eq!(counts.get(op), Some(&1), "{op}");
    }
}
