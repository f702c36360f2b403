//! Decodes every request and response example of the covered operations, extracted from
//! `shared/specs/mirakl/mirakl-mmp-seller-openapi.json` by `scripts/extract_fixtures.py`
//! into `tests/fixtures/spec/`. `tests/fixtures/spec/INDEX.tsv` names the JSON pointer of
//! each example in the spec; every entry of the index is decoded here.

use mirakl_api::account::{AdditionalFieldList, PlatformConfiguration, Shop};
use mirakl_api::common::SeekPage;
use mirakl_api::imports::{
    ImportMode, ImportStatus, OfferImport, OfferImportCreated, PriceImport, PriceImportCreated,
    StockImport, StockImportCreated, parse_error_report,
};
use mirakl_api::offers::{
    ExportStarted, ExportState, ExportStatus, ExportedOffer, Offer, OfferExportRequest, OfferList,
    OfferUpsertRequest,
};
use mirakl_api::orders::{
    AcceptRequest, OrderDocumentList, OrderList, OrderState, OrderUpdateRequest,
    OrderUpdateResponse, RefundRequest, RefundResponse, Tracking,
};
use mirakl_api::products::{
    AttributeList, HierarchyList, ProductImport, ProductImportCreated, ProductImportList,
    ValueListList,
};
use mirakl_api::shipping::{CarrierList, LogisticClassList};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec")
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The `*-auto` examples are generated from the schema by the spec's publisher: every
/// string is the placeholder `"string"`, also where the field holds a date, and some maps
/// are the placeholder `"object"`. Those placeholders are replaced with a real date / an
/// empty map before decoding; everything else is decoded as published.
fn fill_placeholders(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                let is_date =
                    k.ends_with("_date") || k.ends_with("_started") || k.ends_with("_ended");
                if is_date && val.as_str() == Some("string") {
                    *val = serde_json::Value::String("2023-03-28T09:34:42Z".into());
                } else if val.as_str() == Some("object") {
                    *val = serde_json::json!({});
                } else {
                    fill_placeholders(val);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(fill_placeholders),
        _ => {}
    }
}

fn decode<T: DeserializeOwned>(name: &str) -> T {
    let mut raw = bytes(name);
    if name.contains("-auto") {
        let mut v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        fill_placeholders(&mut v);
        raw = serde_json::to_vec(&v).unwrap();
    }
    bc_mirakl_api_core::decode::json(&raw).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Request types: decode, encode, decode again, and require the same value.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(name: &str) -> T {
    let first: T = decode(name);
    let json = serde_json::to_vec(&first).unwrap();
    let second: T =
        bc_mirakl_api_core::decode::json(&json).unwrap_or_else(|e| panic!("{name} re-decode: {e}"));
    assert_eq!(first, second, "{name} does not round-trip");
    first
}

fn index() -> Vec<(String, String)> {
    let text = String::from_utf8(bytes("INDEX.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (f, p) = l.split_once('\t').unwrap();
            (f.to_owned(), p.to_owned())
        })
        .collect()
}

/// The multipart examples list the form fields the client sends; the file is CSV.
fn multipart(name: &str, expected_fields: &[&str]) {
    let v: serde_json::Value = decode(name);
    let obj = v.as_object().unwrap();
    for f in expected_fields {
        assert!(obj.contains_key(*f), "{name} lacks {f}");
    }
    for k in obj.keys() {
        assert!(
            expected_fields.contains(&k.as_str()),
            "{name}: field {k} not sent by the client"
        );
    }
    if let Some(file) = obj
        .get("file")
        .and_then(|f| f.as_str())
        .filter(|f| *f != "string")
    {
        let parsed = parse_error_report(file.as_bytes()).unwrap();
        assert!(
            !parsed.headers.is_empty() && !parsed.rows.is_empty(),
            "{name}"
        );
    }
    if let Some(mode) = obj.get("import_mode").and_then(|m| m.as_str()) {
        assert_eq!(mode.parse::<ImportMode>().unwrap(), ImportMode::Normal);
    }
}

#[test]
fn every_indexed_example_decodes() {
    let entries = index();
    assert!(entries.len() >= 80, "index has {} entries", entries.len());
    for (file, pointer) in &entries {
        assert!(pointer.starts_with("/paths/"), "{pointer}");
        let op = file.split('-').next().unwrap();
        let is_req = file.contains("-request-");
        let csv = file.ends_with(".csv");
        match (op, is_req, csv) {
            (_, _, true) => {
                let r = parse_error_report(&bytes(file)).unwrap();
                assert!(!r.headers.is_empty(), "{file}");
                assert!(!r.rows.is_empty(), "{file}");
            }
            ("A01", false, _) => drop(decode::<Shop>(file)),
            ("AF01", false, _) => assert!(
                !decode::<AdditionalFieldList>(file)
                    .additional_fields
                    .is_empty()
            ),
            ("H11", false, _) => assert!(!decode::<HierarchyList>(file).hierarchies.is_empty()),
            ("OF01", true, _) => multipart(
                file,
                &["file", "import_mode", "operator_format", "with_products"],
            ),
            ("OF01" | "OF24", false, _) => drop(decode::<OfferImportCreated>(file)),
            ("OF02", false, _) => drop(decode::<OfferImport>(file)),
            ("OF04", false, _) => assert!(!decode::<SeekPage<OfferImport>>(file).data.is_empty()),
            ("OF21", false, _) => assert!(!decode::<OfferList>(file).offers.is_empty()),
            ("OF22", false, _) => drop(decode::<Offer>(file)),
            ("OF24", true, _) => assert!(!round_trip::<OfferUpsertRequest>(file).offers.is_empty()),
            ("OF52", true, _) => drop(round_trip::<OfferExportRequest>(file)),
            ("OF52", false, _) => drop(decode::<ExportStarted>(file)),
            ("OF53", false, _) => drop(decode::<ExportStatus>(file)),
            ("OF54", false, _) => assert!(!decode::<Vec<ExportedOffer>>(file).is_empty()),
            ("OR04", true, _) => assert!(!round_trip::<OrderUpdateRequest>(file).orders.is_empty()),
            ("OR04", false, _) => assert!(
                !decode::<OrderUpdateResponse>(file)
                    .updated_orders
                    .is_empty()
            ),
            ("OR11", false, _) => assert!(!decode::<OrderList>(file).orders.is_empty()),
            ("OR21", true, _) => assert!(!round_trip::<AcceptRequest>(file).order_lines.is_empty()),
            ("OR23", true, _) => assert!(round_trip::<Tracking>(file).tracking_number.is_some()),
            ("OR28", true, _) => assert!(!round_trip::<RefundRequest>(file).refunds.is_empty()),
            ("OR28", false, _) => assert!(!decode::<RefundResponse>(file).refunds.is_empty()),
            ("OR72", false, _) => {
                assert!(!decode::<OrderDocumentList>(file).order_documents.is_empty())
            }
            ("P41", true, _) => multipart(
                file,
                &[
                    "file",
                    "operator_format",
                    "conversion_type",
                    "conversion_options",
                ],
            ),
            ("P41", false, _) => drop(decode::<ProductImportCreated>(file)),
            ("P42", false, _) => drop(decode::<ProductImport>(file)),
            ("P51", false, _) => assert!(
                !decode::<ProductImportList>(file)
                    .product_import_trackings
                    .is_empty()
            ),
            ("PC01", false, _) => drop(decode::<PlatformConfiguration>(file)),
            ("PM11", false, _) => assert!(!decode::<AttributeList>(file).attributes.is_empty()),
            ("PRI01", true, _) => multipart(file, &["file"]),
            ("PRI01", false, _) => drop(decode::<PriceImportCreated>(file)),
            ("PRI02", false, _) => assert!(!decode::<SeekPage<PriceImport>>(file).data.is_empty()),
            ("SH21", false, _) => assert!(!decode::<CarrierList>(file).carriers.is_empty()),
            ("SH31", false, _) => assert!(
                !decode::<LogisticClassList>(file)
                    .logistic_classes
                    .is_empty()
            ),
            ("STO01", true, _) => multipart(file, &["file"]),
            ("STO01", false, _) => drop(decode::<StockImportCreated>(file)),
            ("STO02", false, _) => drop(decode::<StockImport>(file)),
            ("VL11", false, _) => assert!(!decode::<ValueListList>(file).values_lists.is_empty()),
            other => panic!("no decoder for {file} ({other:?})"),
        }
    }
}

// Spot checks of values, so a decode that silently drops data fails.

/// `/paths/~1api~1orders/get/responses/200/content/application~1json/examples/application~1json-0/value`
#[test]
fn or11_example_values() {
    let list: OrderList = decode("OR11-response-200-0.json");
    let o = &list.orders[0];
    assert_eq!(o.order_id.as_str(), "Order_00010-A");
    assert_eq!(o.order_state, OrderState::Received);
    assert_eq!(o.total_price, Some("173".parse().unwrap()));
    assert_eq!(o.order_taxes[0].rate, Some("17.5".parse().unwrap()));
    assert_eq!(o.order_taxes[1].rate, None);
    let addr = o
        .customer
        .as_ref()
        .unwrap()
        .shipping_address
        .as_ref()
        .unwrap();
    assert_eq!(addr.country_iso_code.as_deref(), Some("USA"));
    let line = &o.order_lines[0];
    assert_eq!(line.offer_sku.as_str(), "S2000");
    assert_eq!(line.order_line_state, OrderState::Received);
    assert!(line.quantity > 0);
    // `customer_debited_date` carries milliseconds, `created_date` does not.
    assert_eq!(o.customer_debited_date.unwrap().millisecond(), 460);
    assert_eq!(o.created_date.unix_timestamp(), 1_554_214_723);
    assert_eq!(
        o.references
            .as_ref()
            .unwrap()
            .order_reference_for_seller
            .as_deref(),
        Some("ref_seller")
    );
}

/// `/paths/~1api~1offers/post/requestBody/content/application~1json/examples/application~1json-0/value`:
/// quantity and package quantity are strings there.
#[test]
fn of24_example_values() {
    let req: OfferUpsertRequest = decode("OF24-request-0.json");
    let o = &req.offers[0];
    assert_eq!(o.quantity, Some(5000));
    assert_eq!(o.package_quantity, Some(2));
    assert_eq!(
        o.all_prices[0].unit_discount_price,
        Some("49".parse().unwrap())
    );
    assert_eq!(o.offer_additional_fields[0].value, "20");
}

/// OF02, OF04, OF53, PRI01, PC01 examples.
#[test]
fn import_and_config_values() {
    let s: OfferImport = decode("OF02-response-200-0.json");
    assert_eq!(
        (s.import_id, s.status.clone(), s.offer_inserted),
        (2035, ImportStatus::Complete, 1)
    );
    let s: OfferImport = decode("OF02-response-200-auto.json");
    assert_eq!(s.status, ImportStatus::WaitingSynchronizationProduct);
    let p: SeekPage<OfferImport> = decode("OF04-response-200-0.json");
    assert!(p.next_page_token.is_some() && p.previous_page_token.is_none());
    let e: ExportStatus = decode("OF53-response-200-1.json");
    assert_eq!(e.status, ExportState::Failed);
    assert_eq!(e.error.unwrap().detail.as_deref(), Some("Internal error"));
    let c: PriceImportCreated = decode("PRI01-response-201-0.json");
    assert_eq!(c.import_id, "7d98c3c0-81fe-407d-9721-d4b01951c8d8");
    let pc: PlatformConfiguration = decode("PC01-response-200-0.json");
    assert_eq!(pc.csv_delimiter(), b';');
    assert_eq!(pc.features.price_decimals(), Some(2));
    assert_eq!(
        pc.features
            .order_workflows
            .unwrap()
            .order_acceptance
            .as_deref(),
        Some("NOT_AUTOMATIC")
    );
}

/// `/paths/~1api~1offers~1imports~1{import}~1error_report/get/responses/200/content/application~1octet-stream/examples/application~1octet-stream-0/value`
#[test]
fn of03_error_report_rows() {
    let r = parse_error_report(&bytes("OF03-response-200-0.csv")).unwrap();
    assert_eq!(r.rows.len(), 1);
    let row = &r.rows[0];
    assert_eq!(row.line, Some(2));
    assert_eq!(row.message.as_deref(), Some("The product does not exist"));
    assert_eq!(row.sku.as_deref(), Some("OFFER_SKU_004"));
    assert_eq!(row.fields["price"], "110.52");
}
