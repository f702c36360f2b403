//! Issue 10 defects of this crate, each pinned by a test that failed before its fix:
//! (1) OR28 `shipping_amount` always sent, `shipping_taxes` carried; (8) money sent as exact
//! JSON numbers; (7) OF01/OF52 ceiling variants and P41 `operator_format`; (4) everything an
//! OF21 read holds that OF24/PRI01 would otherwise wipe is carried over.
//!
//! Contracts from `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`:
//! OR28 `refunds[].required` = `amount`, `order_line_id`, `reason_code`, `shipping_amount`;
//! OF24 `price`, `discount.price`, OR28 `amount`, `taxes[].amount` are `number`.
#![cfg(feature = "client")]

mod common;
use common::*;
use mirakl_api::ceilings::{CallCeilings, OF01_WITH_PRODUCTS, OF52_FULL};
use mirakl_api::client::{CallLimiter, OfferImportFile, ProductImportFile};
use mirakl_api::imports::{CsvOptions, ImportMode, PriceLine, write_prices_csv};
use mirakl_api::offers::{
    DiscountUpdate, Offer, OfferExportRequest, OfferList, OfferUpdate, OfferUpsertRequest,
};
use mirakl_api::orders::{RefundLine, RefundRequest, TaxInput, TaxMode};
use mirakl_api::{Client, ShopSku};
use rust_decimal::Decimal;
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_string, body_string_contains};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

// ---- (1) + (8): OR28 ----------------------------------------------------------------

#[test]
fn or28_line_always_carries_shipping_amount_as_number() {
    let mut line = RefundLine::new("L-1", d("19.99"), Decimal::ZERO, "15");
    line.taxes = vec![TaxInput {
        code: "GST".into(),
        amount: d("1234567.8901"),
    }];
    line.shipping_taxes = vec![TaxInput {
        code: "GST".into(),
        amount: d("0.50"),
    }];
    let text = serde_json::to_string(&line).unwrap();
    assert!(text.contains(r#""shipping_amount":0"#), "{text}");
    assert!(text.contains(r#""amount":19.99"#), "{text}");
    assert!(text.contains(r#""amount":1234567.8901"#), "{text}");
    assert!(
        text.contains(r#""shipping_taxes":[{"code":"GST","amount":0.50}]"#),
        "{text}"
    );
    // A line without shipping_amount is not an OR28 line.
    let err = serde_json::from_str::<RefundLine>(
        r#"{"order_line_id":"L-1","amount":1,"reason_code":"15"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("shipping_amount"), "{err}");
}

#[tokio::test]
async fn or28_wire_body_has_numbers_and_required_shipping_amount() {
    let s = server().await;
    call("PUT", "/api/orders/refund")
        .and(body_string(
            r#"{"order_tax_mode":"TAX_EXCLUDED","refunds":[{"order_line_id":"L-1","amount":10.00,"quantity":1,"reason_code":"15","shipping_amount":0,"taxes":[{"code":"GST","amount":1.00}]}]}"#,
        ))
        .respond_with(json(200, fixture("OR28-response-200-0.json")))
        .expect(1)
        .mount(&s)
        .await;
    let mut line = RefundLine::new("L-1", d("10.00"), Decimal::ZERO, "15");
    line.quantity = Some(1);
    line.taxes = vec![TaxInput {
        code: "GST".into(),
        amount: d("1.00"),
    }];
    client(&s)
        .orders()
        .refund(&RefundRequest {
            order_tax_mode: Some(TaxMode::TaxExcluded),
            refunds: vec![line],
        })
        .await
        .unwrap();
}

// ---- (8): OF24 -----------------------------------------------------------------------

#[test]
fn of24_money_is_exact_json_numbers_and_strings_still_decode() {
    let mut o = OfferUpdate::new(ShopSku::new("S").unwrap(), d("1234567.8901"), 3, "11");
    o.discount = Some(DiscountUpdate {
        price: Some(d("19.99")),
        start_date: None,
        end_date: None,
        ranges: Vec::new(),
    });
    o.msrp = Some(d("25.5"));
    let req = OfferUpsertRequest { offers: vec![o] };
    let v: serde_json::Value = serde_json::from_slice(&serde_json::to_vec(&req).unwrap()).unwrap();
    let offer = &v["offers"][0];
    assert!(offer["price"].is_number(), "{offer}");
    assert!(offer["discount"]["price"].is_number(), "{offer}");
    assert!(offer["msrp"].is_number(), "{offer}");
    let text = serde_json::to_string(&req).unwrap();
    assert!(text.contains(r#""price":1234567.8901"#), "{text}");
    assert!(text.contains(r#""price":19.99"#), "{text}");
    // Exact round trip through the wire text.
    let back: OfferUpsertRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(back, req);
    assert_eq!(back.offers[0].price.to_string(), "1234567.8901");
    // Strings are still accepted when decoding.
    let from_strings: OfferUpsertRequest = serde_json::from_value(json!({"offers": [{
        "shop_sku": "S", "price": "19.99", "state_code": "11", "discount": {"price": "9.90"}
    }]}))
    .unwrap();
    assert_eq!(from_strings.offers[0].price, d("19.99"));
    assert_eq!(
        from_strings.offers[0].discount.as_ref().unwrap().price,
        Some(d("9.90"))
    );
}

// ---- (7): ceilings -------------------------------------------------------------------

fn limited(s: &wiremock::MockServer, ceilings: CallCeilings) -> Client {
    Client::builder(s.uri())
        .api_key(KEY)
        .shop_id(Some(SHOP))
        .limiter(CallLimiter::new(ceilings))
        .build()
        .unwrap()
}

#[tokio::test]
async fn of01_with_products_has_its_own_longer_ceiling() {
    let s = server().await;
    call("POST", "/api/offers/imports")
        .respond_with(json_value(201, json!({"import_id": 7})))
        .expect(3)
        .mount(&s)
        .await;
    let window = Duration::from_millis(400);
    let c = limited(
        &s,
        CallCeilings::none()
            .with("OF01", Duration::from_millis(1))
            .with(OF01_WITH_PRODUCTS, window),
    );
    let with_products = || {
        let mut f = OfferImportFile::csv(b"sku\n".to_vec(), ImportMode::Normal);
        f.with_products = Some(true);
        f
    };
    let t0 = Instant::now();
    c.offers().import_file(with_products()).await.unwrap();
    // Offers only: not held by the products window.
    c.offers()
        .import_file(OfferImportFile::csv(b"sku\n".to_vec(), ImportMode::Normal))
        .await
        .unwrap();
    assert!(t0.elapsed() < window, "offers-only OF01 waited");
    c.offers().import_file(with_products()).await.unwrap();
    assert!(
        t0.elapsed() >= window,
        "second OF01 with products did not wait"
    );
}

#[tokio::test]
async fn of52_full_exports_are_limited_apart_from_differential_ones() {
    let s = server().await;
    call("POST", "/api/offers/export/async")
        .respond_with(json_value(200, json!({"tracking_id": "t"})))
        .expect(3)
        .mount(&s)
        .await;
    let window = Duration::from_millis(400);
    let c = limited(&s, CallCeilings::none().with(OF52_FULL, window));
    let differential = OfferExportRequest {
        last_request_date: Some(time::OffsetDateTime::now_utc()),
        ..OfferExportRequest::default()
    };
    let t0 = Instant::now();
    c.offers()
        .export_async(&OfferExportRequest::default())
        .await
        .unwrap();
    c.offers().export_async(&differential).await.unwrap();
    assert!(
        t0.elapsed() < window,
        "differential OF52 waited for the full one"
    );
    c.offers()
        .export_async(&OfferExportRequest::default())
        .await
        .unwrap();
    assert!(t0.elapsed() >= window, "second full OF52 did not wait");
    assert_eq!(
        CallCeilings::published().get(OF52_FULL),
        Some(Duration::from_secs(86_400))
    );
}

#[tokio::test]
async fn p41_operator_rows_send_operator_format() {
    let s = server().await;
    call("POST", "/api/products/imports")
        .and(body_string_contains("name=\"operator_format\"\r\n\r\ntrue"))
        .respond_with(json_value(201, json!({"import_id": 9})))
        .expect(1)
        .mount(&s)
        .await;
    let created = client(&s)
        .products()
        .import(ProductImportFile::operator_csv(
            b"category;title\n".to_vec(),
        ))
        .await
        .unwrap();
    assert_eq!(created.import_id, 9);
}

// ---- (4): carry-over from OF21 -------------------------------------------------------

/// `/paths/~1api~1offers/get/responses/200/content/application~1json/examples/application~1json-0/value`
fn of21_offer() -> Offer {
    let list: OfferList = serde_json::from_slice(&fixture("OF21-response-200-0.json")).unwrap();
    list.offers.into_iter().next().unwrap()
}

#[test]
fn of21_offer_keeps_what_of24_and_pri01_must_send_back() {
    let mut raw: serde_json::Value =
        serde_json::from_slice(&fixture("OF21-response-200-0.json")).unwrap();
    raw["offers"][0]["eco_contributions"] = json!([{"epr_category_code": "FR-DEEE", "producer_id": "P1", "eco_contribution_amount": 0.25}]);
    raw["offers"][0]["pricing_unit"] = json!("KG");
    let offer = serde_json::from_value::<OfferList>(raw)
        .unwrap()
        .offers
        .remove(0);
    assert_eq!(offer.all_prices.len(), 3);
    assert_eq!(offer.eco_contributions[0].epr_category_code, "FR-DEEE");
    assert_eq!(offer.pricing_unit.as_deref(), Some("KG"));
    let ctx = offer.all_prices[2].context.as_ref().unwrap();
    assert_eq!(ctx.customer_group_ids, ["Group2", "Group3"]);
    assert!(offer.has_prices_beyond_of24());

    // The sync changes only price and quantity; everything else goes back.
    let mut update = OfferUpdate::new(offer.shop_sku.clone(), d("55"), 4, "11");
    update.carry_over(&offer);
    let body = serde_json::to_value(&update).unwrap();
    let prices = body["all_prices"].as_array().unwrap();
    assert_eq!(
        prices.len(),
        2,
        "customer-group price is PRI01-only: {body}"
    );
    assert_eq!(prices[0]["unit_origin_price"], json!(55));
    assert_eq!(prices[0]["volume_prices"].as_array().unwrap().len(), 3);
    assert_eq!(prices[1]["channel_code"], "US");
    assert_eq!(prices[1]["unit_origin_price"], json!(60));
    assert_eq!(
        prices[1]["volume_prices"][1]["unit_discount_price"],
        json!(49)
    );
    assert_eq!(
        body["eco_contributions"][0]["eco_contribution_amount"],
        json!(0.25)
    );
    assert_eq!(body["pricing_unit"], "KG");
    assert_eq!(
        body["offer_additional_fields"].as_array().unwrap().len(),
        offer.offer_additional_fields.len()
    );
    assert!(!offer.offer_additional_fields.is_empty());

    // from_offer re-creates the whole offer, discount ranges included.
    let whole = OfferUpdate::from_offer(&offer);
    assert_eq!(whole.price, d("50"));
    assert_eq!(whole.quantity, Some(offer.quantity));
    assert_eq!(
        whole.discount.as_ref().map(|d| d.ranges.len()),
        offer.discount.as_ref().map(|d| d.ranges.len())
    );
}

#[test]
fn pri01_lines_carry_every_price_of_the_offer() {
    let offer = of21_offer();
    let lines = PriceLine::for_offer(&offer);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].price, d("50"));
    assert_eq!(lines[0].price_ranges.len(), 3);
    assert_eq!(lines[1].channels, ["US"]);
    assert_eq!(lines[2].customer_group_ids, ["Group2", "Group3"]);
    assert!(lines[2].start_date.is_some());
    let csv = String::from_utf8(write_prices_csv(&lines, &CsvOptions::default()).unwrap()).unwrap();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        r#""offer-sku";"price";"discount-price";"discount-start-date";"discount-end-date";"price-ranges";"discount-ranges";"channels";"start-date";"end-date";"customer-organization-ids";"customer-group-ids""#
    );
    let last = csv.lines().nth(3).unwrap();
    assert!(last.contains(r#""1|30,20|20,100|15""#), "{last}");
    assert!(last.contains(r#""Group2|Group3""#), "{last}");
    assert!(last.contains(r#""US""#), "{last}");
}
