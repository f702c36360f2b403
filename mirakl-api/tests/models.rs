//! Tolerance of the models: unknown enum values, numbers as strings, null countries, dates
//! with and without milliseconds, missing optional blocks, extra fields.

use mirakl_api::account::ShopState;
use mirakl_api::common::SortOrder;
use mirakl_api::imports::{ImportMode, ImportStatus};
use mirakl_api::offers::{ExportState, UpdateDelete};
use mirakl_api::orders::{Order, OrderList, OrderState, RefundState, TaxMode};
use mirakl_api::{MiraklOrderId, ShopSku};
use serde_json::json;

/// A minimal order in the OR11 shape; `line` and `order` patches are merged in.
fn order(order_patch: serde_json::Value, line_patch: serde_json::Value) -> serde_json::Value {
    let mut line = json!({
        "order_line_id": "X-A-1", "order_line_state": "SHIPPING", "offer_sku": "SKU-1",
        "quantity": 2, "price": 20.0, "total_price": 25.0
    });
    merge(&mut line, line_patch);
    let mut o = json!({
        "order_id": "X-A", "order_state": "SHIPPING",
        "created_date": "2024-05-01T10:00:00.123Z", "last_updated_date": "2024-05-01T10:00:05Z",
        "customer": {"shipping_address": {"lastname": "B", "city": "Sydney", "country": "Australia", "country_iso_code": "AUS"}},
        "order_lines": [line]
    });
    merge(&mut o, order_patch);
    o
}

fn merge(a: &mut serde_json::Value, b: serde_json::Value) {
    if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

fn decode(v: serde_json::Value) -> Order {
    bc_mirakl_api_core::decode::json(&serde_json::to_vec(&v).unwrap()).unwrap()
}

#[test]
fn unknown_order_state_is_kept() {
    let o = decode(order(
        json!({"order_state": "WAITING_SOMETHING_NEW"}),
        json!({"order_line_state": "BRAND_NEW"}),
    ));
    assert_eq!(
        o.order_state,
        OrderState::Other("WAITING_SOMETHING_NEW".into())
    );
    assert_eq!(o.order_state.as_str(), "WAITING_SOMETHING_NEW");
    assert_eq!(
        o.order_lines[0].order_line_state,
        OrderState::Other("BRAND_NEW".into())
    );
}

#[test]
fn quantity_as_string() {
    let o = decode(order(json!({}), json!({"quantity": "3", "price": "19.90"})));
    assert_eq!(o.order_lines[0].quantity, 3);
    assert_eq!(o.order_lines[0].price, Some("19.90".parse().unwrap()));
}

#[test]
fn null_country_iso_code() {
    let o = decode(order(
        json!({"customer": {"shipping_address": {"country": "somewhere far", "country_iso_code": null}}}),
        json!({}),
    ));
    let a = o.customer.unwrap().shipping_address.unwrap();
    assert_eq!(a.country_iso_code, None);
    assert_eq!(a.country.as_deref(), Some("somewhere far"));
}

#[test]
fn date_without_milliseconds() {
    let o = decode(order(
        json!({"created_date": "2024-05-01T10:00:00Z", "shipping_deadline": "2024-05-03T23:59:59+10:00"}),
        json!({}),
    ));
    assert_eq!(o.created_date.unix_timestamp(), 1_714_557_600);
    assert_eq!(o.created_date.millisecond(), 0);
    assert_eq!(o.shipping_deadline.unwrap().unix_timestamp(), 1_714_744_799);
    let with_ms = decode(order(json!({}), json!({})));
    assert_eq!(with_ms.created_date.millisecond(), 123);
}

#[test]
fn missing_optional_blocks_and_extra_fields() {
    let o = decode(json!({
        "order_id": "X-A", "order_state": "WAITING_ACCEPTANCE",
        "created_date": "2024-05-01T10:00:00Z", "last_updated_date": "2024-05-01T10:00:00Z",
        "a_field_added_next_year": {"x": 1}, "order_taxes": null
    }));
    assert!(o.customer.is_none());
    assert!(o.order_lines.is_empty());
    assert!(o.order_taxes.is_empty());
    assert!(!o.can_cancel);
}

#[test]
fn order_list_total_count_as_string() {
    let l: OrderList = serde_json::from_value(json!({"orders": [], "total_count": "7"})).unwrap();
    assert_eq!(l.total_count, 7);
}

#[test]
fn error_path_is_named() {
    let bad = order(json!({}), json!({"quantity": "three"}));
    let err =
        bc_mirakl_api_core::decode::json::<Order>(&serde_json::to_vec(&bad).unwrap()).unwrap_err();
    assert_eq!(err.path, "order_lines[0].quantity");
}

#[test]
fn ids_reject_empty() {
    assert!(MiraklOrderId::new(" ").is_err());
    assert_eq!(ShopSku::new("A-1").unwrap().as_str(), "A-1");
    assert_eq!(
        serde_json::to_string(&ShopSku::new("A-1").unwrap()).unwrap(),
        "\"A-1\""
    );
}

fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    known: T,
    wire: &str,
) {
    let v: T = serde_json::from_value(json!(wire)).unwrap();
    assert_eq!(v, known);
    assert_eq!(serde_json::to_value(&v).unwrap(), json!(wire));
}

#[test]
fn enum_order_state_unknown() {
    roundtrip(OrderState::WaitingAcceptance, "WAITING_ACCEPTANCE");
    roundtrip(OrderState::Other("NEW_STATE".into()), "NEW_STATE");
    assert!(OrderState::Canceled.is_terminal() && !OrderState::Shipping.is_terminal());
}

#[test]
fn enum_tax_mode_unknown() {
    roundtrip(TaxMode::TaxIncluded, "TAX_INCLUDED");
    roundtrip(TaxMode::Other("TAX_MIXED".into()), "TAX_MIXED");
}

#[test]
fn enum_refund_state_unknown() {
    roundtrip(RefundState::Refunded, "REFUNDED");
    roundtrip(RefundState::Other("X".into()), "X");
}

#[test]
fn enum_import_status_unknown() {
    roundtrip(ImportStatus::Complete, "COMPLETE");
    roundtrip(ImportStatus::Other("PAUSED".into()), "PAUSED");
    assert!(ImportStatus::Failed.is_final() && !ImportStatus::Running.is_final());
    assert!(!ImportStatus::Other("PAUSED".into()).is_final());
}

#[test]
fn enum_import_mode_unknown() {
    roundtrip(ImportMode::Replace, "REPLACE");
    roundtrip(ImportMode::Other("MERGE".into()), "MERGE");
}

#[test]
fn enum_update_delete_unknown() {
    roundtrip(UpdateDelete::Delete, "delete");
    roundtrip(UpdateDelete::Other("upsert".into()), "upsert");
}

#[test]
fn enum_export_state_unknown() {
    roundtrip(ExportState::Completed, "COMPLETED");
    roundtrip(ExportState::Other("QUEUED".into()), "QUEUED");
}

#[test]
fn enum_shop_state_unknown() {
    roundtrip(ShopState::Open, "OPEN");
    roundtrip(ShopState::Other("ARCHIVED".into()), "ARCHIVED");
}

#[test]
fn enum_sort_order_unknown() {
    roundtrip(SortOrder::Desc, "desc");
    roundtrip(SortOrder::Other("random".into()), "random");
}
