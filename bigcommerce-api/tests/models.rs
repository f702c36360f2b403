//! Model decoding against fixtures taken from the BigCommerce specs in
//! `../shared/specs/bigcommerce/bigcommerce-docs/` (each test names its source file), plus
//! real-world quirks and unknown enum values.

use bigcommerce_api::catalog::{
    Availability, Brand, Category, InventoryTracking, Product, ProductId, ProductType,
    ProductUpdate, Variant, VariantId,
};
use bigcommerce_api::inventory::{Adjustment, AdjustmentRequest, LocationId, LocationItem};
use bigcommerce_api::orders::{
    Address, NewOrder, NewOrderProduct, NewShipment, Order, OrderCount, OrderProduct, OrderStatus,
    OrderStatusInfo, Refund, RefundItemType, Shipment, ShipmentItem, ShippingAddress,
};
use bigcommerce_api::page::Envelope;
use bigcommerce_api::pricelists::{PriceList, PriceListRecord, PriceListRecordUpsert};
use bigcommerce_api::store::StoreInfo;
use bigcommerce_api::webhooks::{EventData, Webhook, WebhookEvent, WebhookRequest, WebhookScope};
use rust_decimal::Decimal;
use std::str::FromStr;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn decode<T: serde::de::DeserializeOwned>(name: &str) -> T {
    bc_mirakl_api_core::decode::json(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// reference/catalog/products_catalog.v3.yml, GET /catalog/products/{product_id} 200 example
#[test]
fn product_from_spec() {
    let e: Envelope<Product> = decode("v3_product_get.json");
    let p = e.data;
    assert_eq!(p.id, ProductId(174));
    assert_eq!(p.name, "1L Le Parfait Jar");
    assert_eq!(p.product_type, Some(ProductType::Physical));
    assert_eq!(p.sku, None, "empty sku decodes to none");
    assert_eq!(p.price, dec("7.95"));
    assert_eq!(p.retail_price, Some(dec("10")));
    assert_eq!(p.categories, vec![23, 21]);
    assert_eq!(p.brand_id, Some(36));
    assert_eq!(p.inventory_tracking, InventoryTracking::None);
    assert_eq!(p.availability, Some(Availability::Available));
    assert!(p.is_visible);
    assert_eq!(p.base_variant_id, Some(VariantId(345)));
    assert_eq!(p.date_modified.unwrap().unix_timestamp(), 1_536_180_127);
}

// reference/catalog/products_catalog.v3.yml, PUT /catalog/products 200 example. The spec
// shows a bare product object here (no envelope); it must still decode as a product.
#[test]
fn products_batch_example_from_spec() {
    let p: Product = decode("v3_products_batch_put.json");
    assert_eq!(p.name, "Smith Journal 13");
    assert_eq!(p.sku.as_deref(), Some("SM-13"));
    assert!(
        bc_mirakl_api_core::decode::json::<Envelope<Vec<Product>>>(&fixture(
            "v3_products_batch_put.json"
        ))
        .is_err()
    );
}

// reference/catalog/product-variants_catalog.v3.yml: list and single-variant examples.
// The spec's variant example has `"map_price": {}`: decoded as none.
#[test]
fn variants_from_spec() {
    let e: Envelope<Variant> = decode("v3_variant_get.json");
    let v = e.data;
    assert_eq!((v.id, v.product_id), (VariantId(384), ProductId(192)));
    assert_eq!(v.sku.as_deref(), Some("SMIT-2"));
    assert_eq!(v.sku_id, Some(350));
    assert_eq!(v.price, Some(dec("25")));
    assert_eq!(v.sale_price, Some(dec("20")));
    assert_eq!(v.map_price, None);
    assert_eq!(v.option_values[0].label, "Black");
    assert_eq!(v.option_values[0].option_display_name, "Color");
    let list: Envelope<Vec<Variant>> = decode("v3_variants_list.json");
    assert!(!list.data.is_empty());
    assert!(list.meta.pagination.is_some());
}

// reference/catalog/categories_catalog.v3.yml and brands_catalog.v3.yml list examples
#[test]
fn categories_and_brands_from_spec() {
    let c: Envelope<Vec<Category>> = decode("v3_categories_list.json");
    assert_eq!(c.data[0].name, "Garden");
    assert_eq!(c.data[0].custom_url.as_ref().unwrap().url, "/garden/");
    let p = c.meta.pagination.unwrap();
    assert_eq!((p.total, p.total_pages), (6, 1));
    assert_eq!(p.links.current.as_deref(), Some("?page=1&limit=50"));
    let b: Envelope<Vec<Brand>> = decode("v3_brands_list.json");
    assert_eq!(b.data[0].name, "Sagaform");
    assert_eq!(b.data.len(), 15);
}

// reference/price_lists.v3.yml: GET /pricelists and GET /pricelists/{id}/records examples
#[test]
fn price_lists_from_spec() {
    let l: Envelope<Vec<PriceList>> = decode("v3_pricelists_list.json");
    assert_eq!(l.data.len(), 3);
    assert_eq!(l.data[2].name, "Wholesale");
    assert_eq!(
        l.meta.cursor_pagination.unwrap().end_cursor.as_deref(),
        Some("MTQ=")
    );
    let r: Envelope<Vec<PriceListRecord>> = decode("v3_pricelist_records.json");
    let first = &r.data[0];
    assert_eq!(first.variant_id, VariantId(358));
    assert_eq!(first.price, Some(dec("25.48")));
    assert_eq!(first.currency, "usd");
}

// reference/webhooks.v3.yml: webhook_Resp example
#[test]
fn webhook_subscription_from_spec() {
    let w: Envelope<Webhook> = decode("v3_webhook.json");
    assert_eq!(w.data.scope, WebhookScope::OrderCreated);
    assert_eq!(w.data.headers["custom-key"], "developer-defined value");
    assert_eq!(w.data.created_at, Some(1_561_488_106));
}

// reference/store_information.v2.yml: GET /store example
#[test]
fn store_info_from_spec() {
    let s: StoreInfo = decode("v2_store.json");
    assert_eq!(s.id.as_deref(), Some("abc123"));
    assert_eq!(s.store_id.as_deref(), Some("4884484848484"));
    assert_eq!(s.currency.as_deref(), Some("USD"));
    assert_eq!(s.timezone.unwrap().raw_offset, Some(-21600));
}

// reference/orders.v2.oas2.yml: order_Resp "Response" example (money strings, RFC 2822,
// empty date_shipped)
#[test]
fn order_from_spec() {
    let o: Order = decode("v2_order_get.json");
    assert_eq!(o.id.0, 218);
    assert_eq!(o.status_id, OrderStatus::AwaitingPayment);
    assert_eq!(o.total_inc_tax, dec("69.8400"));
    assert_eq!(o.subtotal_ex_tax, dec("62.6793"));
    assert_eq!(o.date_shipped, None);
    assert_eq!(o.date_created.unwrap().unix_timestamp(), 1_551_822_011);
    assert_eq!(o.external_order_id.as_deref(), Some("external-order-id"));
    assert_eq!(o.external_id, None);
    assert_eq!(o.billing_address.country_iso2, "US");
    assert_eq!(o.order_source.as_deref(), Some("external"));
    let list: Vec<Order> = decode("v2_orders_list.json");
    assert!(!list.is_empty());
}

// reference/orders.v2.oas2.yml: products, shipping addresses, shipments, statuses, count
#[test]
fn order_subresources_from_spec() {
    let p: Vec<OrderProduct> = decode("v2_order_products.json");
    assert_eq!(p[0].id, 65);
    assert_eq!(p[0].price_inc_tax, dec("65.2300"));
    assert_eq!(p[0].sku.as_deref(), Some("S-ORAN"));
    assert_eq!(p[0].product_options[0].display_name, "Size");
    let a: Vec<ShippingAddress> = decode("v2_shipping_addresses.json");
    assert_eq!(a[0].id, 132);
    assert_eq!(a[0].address.city, "San Antonio");
    assert_eq!(a[0].cost_inc_tax, dec("12.9900"));
    let s: Shipment = decode("v2_shipment.json");
    assert_eq!(s.tracking_number.as_deref(), Some("EJ958083578US"));
    assert_eq!(s.shipping_provider.as_deref(), Some("usps"));
    assert_eq!(s.tracking_carrier, None);
    assert_eq!(s.items[1].order_product_id, 195);
    let all: Vec<Shipment> = decode("v2_shipments.json");
    assert!(!all.is_empty());
    let st: Vec<OrderStatusInfo> = decode("v2_order_statuses.json");
    assert_eq!(st[0].id, OrderStatus::Incomplete);
    assert_eq!(st[0].custom_label.as_deref(), Some("Incomplete - Testing"));
    let c: OrderCount = decode("v2_orders_count.json");
    assert!(c.count > 0);
    assert_eq!(c.statuses[1].id, OrderStatus::Pending);
}

// reference/orders.v3.yml: RefundID_Response example
#[test]
fn refund_from_spec() {
    let r: Envelope<Refund> = decode("v3_refund.json");
    assert_eq!(r.data.id, 12);
    assert_eq!(r.data.total_amount, Some(dec("50")));
    assert_eq!(r.data.items[0].item_type, RefundItemType::Product);
}

#[test]
fn v2_quirks_string_ids_and_numbers() {
    let o: Order = serde_json::from_str(
        r#"{"id":"7","status_id":"11","customer_id":"0","total_inc_tax":12.5,
            "date_created":"Thu, 27 Aug 2020 23:47:22 +0000","date_shipped":"",
            "billing_address":null,"__warning__":{"message":"x"}}"#,
    )
    .unwrap();
    assert_eq!(o.id.0, 7);
    assert_eq!(o.status_id, OrderStatus::AwaitingFulfillment);
    assert_eq!(o.total_inc_tax, dec("12.5"));
    assert_eq!(o.billing_address, Address::default());
}

#[test]
fn extra_and_missing_fields_are_tolerated() {
    let p: Product =
        serde_json::from_str(r#"{"id":1,"name":"x","price":"3.10","brand_new_field":[1,2]}"#)
            .unwrap();
    assert_eq!(p.price, dec("3.10"));
    assert_eq!(p.inventory_tracking, InventoryTracking::None);
    assert!(p.variants.is_empty());
}

// One test per wire enum: unknown values are kept, known ones round-trip.
#[test]
fn inventory_tracking_unknown_kept() {
    let t: InventoryTracking = serde_json::from_str(r#""warehouse""#).unwrap();
    assert_eq!(t, InventoryTracking::Other("warehouse".into()));
    assert_eq!(serde_json::to_string(&t).unwrap(), r#""warehouse""#);
    assert_eq!(
        serde_json::from_str::<InventoryTracking>(r#""variant""#).unwrap(),
        InventoryTracking::Variant
    );
}

#[test]
fn availability_unknown_kept() {
    let a: Availability = serde_json::from_str(r#""backorder""#).unwrap();
    assert_eq!(a, Availability::Other("backorder".into()));
    assert_eq!(a.as_str(), "backorder");
}

#[test]
fn product_type_unknown_kept() {
    let t: ProductType = serde_json::from_str(r#""gift_card""#).unwrap();
    assert_eq!(t, ProductType::Other("gift_card".into()));
}

#[test]
fn order_status_unknown_kept() {
    let s: OrderStatus = serde_json::from_str("42").unwrap();
    assert_eq!(s, OrderStatus::Unknown(42));
    assert_eq!(s.id(), 42);
    assert_eq!(s.name(), None);
    assert_eq!(serde_json::to_string(&s).unwrap(), "42");
    for id in 0..=14 {
        let s = OrderStatus::from_id(id);
        assert_eq!(s.id(), id);
        assert!(s.name().is_some(), "{id}");
    }
    assert_eq!(
        OrderStatus::from_id(11).name(),
        Some("Awaiting Fulfillment")
    );
}

#[test]
fn refund_item_type_unknown_kept() {
    let t: RefundItemType = serde_json::from_str(r#""STORE_CREDIT""#).unwrap();
    assert_eq!(t, RefundItemType::Other("STORE_CREDIT".into()));
}

#[test]
fn webhook_scope_unknown_kept() {
    let s: WebhookScope = serde_json::from_str(r#""store/widget/exploded""#).unwrap();
    assert_eq!(s, WebhookScope::Other("store/widget/exploded".into()));
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        r#""store/widget/exploded""#
    );
}

// models/webhooks/callbacks/data/*.json: every callback example in the spec decodes.
// (store_app_uninstalled.json is empty and store_metafield_created.json is a single
// newline in the spec, so they are not copied.)
#[test]
fn every_webhook_callback_example_decodes() {
    let dir = format!("{}/tests/fixtures/webhooks", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        let ev =
            WebhookEvent::from_json(&body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let raw: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(ev.scope.as_str(), raw["scope"].as_str().unwrap());
        assert!(ev.hash.is_some() && ev.created_at.is_some());
        assert!(matches!(ev.data, EventData::One(_)), "{}", path.display());
        n += 1;
    }
    assert!(n >= 40, "only {n} callback examples found");
}

// models/webhooks/callbacks/data: sku, order status and shipment payload specifics.
#[test]
fn webhook_helpers_pick_the_right_ids() {
    let dir = format!("{}/tests/fixtures/webhooks/", env!("CARGO_MANIFEST_DIR"));
    let load =
        |n: &str| WebhookEvent::from_json(&std::fs::read(format!("{dir}{n}")).unwrap()).unwrap();
    let ev = load("store_sku_inventory_updated.json");
    assert_eq!(ev.variant_id(), Some(509));
    assert_eq!(ev.product_id(), Some(206));
    assert_eq!(ev.object().unwrap().id.as_deref(), Some("461"));
    let ev = load("store_order_statusUpdated.json");
    assert_eq!(ev.order_id(), Some(250));
    let st = ev.object().unwrap().status.clone().unwrap();
    assert_eq!(st.new_status_id, Some(OrderStatus::AwaitingFulfillment));
    let ev = load("store_shipment_created.json");
    assert_eq!(ev.order_id(), Some(251));
    let ev = load("store_product_updated.json");
    assert_eq!(ev.product_id(), Some(205));
    assert_eq!(ev.store_hash(), Some("{store_hash}"));
    let ev = load("store_cart_lineItem_updated.json");
    assert_eq!(
        ev.object().unwrap().extra["cartId"],
        "b0386708-fef3-45de-9d8b-fbe3031450a4"
    );
}

#[test]
fn webhook_batch_price_list_data_is_an_array() {
    let ev = WebhookEvent::from_json(
        br#"{"scope":"store/priceList/records/updated","store_id":1,"data":[{"price_list_id":1,"variant_id":2,"currency":"aud"}],"hash":"h","created_at":1,"producer":"stores/x"}"#,
    )
    .unwrap();
    assert_eq!(
        ev.scope,
        WebhookScope::Other("store/priceList/records/updated".into())
    );
    match ev.data {
        EventData::Many(v) => assert_eq!(v[0].extra["variant_id"], 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn shared_secret_header_check() {
    use bc_mirakl_api_core::secret::Secret;
    use bigcommerce_api::webhooks::verify_shared_secret_header;
    let s = Secret::new("s3cret-value");
    assert!(verify_shared_secret_header(Some("s3cret-value"), &s));
    assert!(verify_shared_secret_header(Some(" s3cret-value "), &s));
    assert!(!verify_shared_secret_header(Some("s3cret-valuE"), &s));
    assert!(!verify_shared_secret_header(None, &s));
    assert!(!verify_shared_secret_header(Some(""), &Secret::new("")));
}

// Request types: round-trip and wire shape.
#[test]
fn request_types_serialise_as_documented() {
    let mut o = NewOrder::new(
        Address {
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            street_1: "1 Main St".into(),
            city: "Sydney".into(),
            state: "New South Wales".into(),
            zip: "2000".into(),
            country: "Australia".into(),
            country_iso2: "AU".into(),
            email: "j@example.com".into(),
            ..Address::default()
        },
        vec![NewOrderProduct::variant(
            ProductId(1),
            VariantId(2),
            3,
            dec("10.00"),
            dec("11.00"),
        )],
    );
    o.status_id = Some(OrderStatus::AwaitingFulfillment);
    o.external_source = Some("mirakl-sync".into());
    o.external_order_id = Some("WF-123-A".into());
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["customer_id"], 0);
    assert_eq!(v["status_id"], 11);
    assert_eq!(v["external_order_id"], "WF-123-A");
    assert_eq!(v["products"][0]["variant_id"], 2);
    assert_eq!(v["products"][0]["price_inc_tax"], serde_json::json!(11.0));
    assert!(v.get("external_id").is_none());
    assert!(v["billing_address"].get("company").is_none());
    let back: NewOrder = serde_json::from_value(v).unwrap();
    assert_eq!(back, o);

    let mut u = ProductUpdate::for_id(ProductId(5));
    u.price = Some(dec("19.95"));
    u.inventory_level = Some(4);
    let v = serde_json::to_value(&u).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"id":5,"price":19.95,"inventory_level":4})
    );

    let s = NewShipment::new(131, vec![ShipmentItem::new(194, 1)]);
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"order_address_id":131,"items":[{"order_product_id":194,"quantity":1}]})
    );

    let r = PriceListRecordUpsert::new(VariantId(9), "AUD", dec("12.5"));
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::json!({"variant_id":9,"currency":"AUD","price":12.5})
    );

    let a = AdjustmentRequest {
        reason: None,
        items: vec![Adjustment::by_sku(LocationId(1), "SKU-1", 7)],
    };
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::json!({"items":[{"location_id":1,"sku":"SKU-1","quantity":7}]})
    );

    let w = WebhookRequest::new(WebhookScope::SkuInventoryUpdated, "https://x.example/h")
        .header("X-Sync-Secret", "abc");
    assert_eq!(
        serde_json::to_value(&w).unwrap(),
        serde_json::json!({"scope":"store/sku/inventory/updated","destination":"https://x.example/h","is_active":true,"headers":{"X-Sync-Secret":"abc"}})
    );
}

// reference/inventory.v3.yml: location items response schema example values
#[test]
fn location_item_decodes() {
    let i: LocationItem = serde_json::from_str(
        r#"{"identity":{"sku":"RE-130","variant_id":78,"product_id":130},"available_to_sell":10,"total_inventory_onhand":12,"settings":{"safety_stock":2,"is_in_stock":true,"warning_level":2,"bin_picking_number":"1"}}"#,
    )
    .unwrap();
    assert_eq!(i.identity.variant_id, Some(VariantId(78)));
    assert_eq!(i.available_to_sell, 10);
    assert_eq!(i.settings.safety_stock, 2);
}

// Variants of spec fixtures: an extra field, a missing optional field, unknown enum values.
// Sources: products_catalog.v3.yml GET /catalog/products/{product_id} and orders.v2.oas2.yml
// order_Resp.
#[test]
fn fixture_variants_extra_missing_unknown() {
    let mut v: serde_json::Value = serde_json::from_slice(&fixture("v3_product_get.json")).unwrap();
    let d = v["data"].as_object_mut().unwrap();
    d.insert(
        "brand_new_field".into(),
        serde_json::json!({"nested": [1, 2]}),
    );
    d.remove("sale_price");
    d.remove("availability");
    d.insert("inventory_tracking".into(), "warehouse".into());
    let p: Envelope<Product> = serde_json::from_value(v).unwrap();
    assert_eq!(p.data.sale_price, None);
    assert_eq!(p.data.availability, None);
    assert_eq!(
        p.data.inventory_tracking,
        InventoryTracking::Other("warehouse".into())
    );

    let mut o: serde_json::Value = serde_json::from_slice(&fixture("v2_order_get.json")).unwrap();
    let m = o.as_object_mut().unwrap();
    m.insert("status_id".into(), 99.into());
    m.insert(
        "__warning__".into(),
        serde_json::json!({"message": "only 50 items"}),
    );
    m.remove("external_order_id");
    m.insert("date_modified".into(), "".into());
    let order: Order = serde_json::from_value(o).unwrap();
    assert_eq!(order.status_id, OrderStatus::Unknown(99));
    assert_eq!(order.external_order_id, None);
    assert_eq!(order.date_modified, None);
}

// Responses re-encode and decode to the same value (the sandbox serves these types).
#[test]
fn responses_round_trip() {
    let p: Envelope<Product> = decode("v3_product_get.json");
    let back: Product = serde_json::from_value(serde_json::to_value(&p.data).unwrap()).unwrap();
    assert_eq!(back, p.data);
    let o: Order = decode("v2_order_get.json");
    let json = serde_json::to_value(&o).unwrap();
    assert_eq!(json["total_inc_tax"], "69.8400");
    assert_eq!(json["date_created"], "Tue, 05 Mar 2019 21:40:11 +0000");
    let back: Order = serde_json::from_value(json).unwrap();
    assert_eq!(back, o);
    let s: Shipment = decode("v2_shipment.json");
    let back: Shipment = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

// The shared secret in a subscription's custom headers never shows in `Debug`
// (fixture from webhooks.v3.yml, headers added).
#[test]
fn webhook_debug_redacts_header_values() {
    use bigcommerce_api::webhooks::{Webhook, WebhookRequest, WebhookScope};
    let mut v: serde_json::Value = serde_json::from_slice(&fixture("v3_webhook.json")).unwrap();
    let mut v = v["data"].take();
    v["headers"] = serde_json::json!({"X-Shared-Secret": "hook-s3cret-value"});
    let hook: Webhook = serde_json::from_value(v).unwrap();
    assert_eq!(hook.headers["X-Shared-Secret"], "hook-s3cret-value");
    let shown = format!("{hook:?}");
    assert!(!shown.contains("hook-s3cret-value"), "{shown}");
    assert!(shown.contains("X-Shared-Secret"), "{shown}");
    let req = WebhookRequest::new(WebhookScope::OrderCreated, "https://example.com/hook")
        .header("X-Shared-Secret", "hook-s3cret-value");
    let shown = format!("{req:?}");
    assert!(!shown.contains("hook-s3cret-value"), "{shown}");
    assert!(shown.contains("https://example.com/hook"), "{shown}");
}

// Issue 10 defect 8. `orders.v2.oas2.yml`, `POST /orders` request body: the order-product
// `price_inc_tax` / `price_ex_tax` are `type: number`, while the order's
// `shipping_cost_ex_tax` / `shipping_cost_inc_tax` are `type: string`. Numbers carry the
// exact decimal digits (no f64 rounding); strings are still accepted when decoding.
#[test]
fn new_order_money_follows_the_spec_types_exactly() {
    let line = NewOrderProduct::custom("Gift card", None, 1, dec("19.99"), dec("1234567.8901"));
    let text = serde_json::to_string(&line).unwrap();
    assert_eq!(
        text,
        r#"{"name":"Gift card","quantity":1,"price_ex_tax":19.99,"price_inc_tax":1234567.8901}"#
    );
    let mut o = NewOrder::new(Address::default(), vec![line.clone()]);
    o.shipping_cost_ex_tax = Some(dec("10.9100"));
    o.shipping_cost_inc_tax = Some(dec("12.00"));
    let text = serde_json::to_string(&o).unwrap();
    assert!(
        text.contains(r#""shipping_cost_ex_tax":"10.9100","shipping_cost_inc_tax":"12.00""#),
        "{text}"
    );
    assert!(text.contains(r#""price_inc_tax":1234567.8901"#), "{text}");
    // Decoding keeps accepting strings (and numbers).
    let back: NewOrderProduct = serde_json::from_str(
        r#"{"name":"Gift card","quantity":1,"price_ex_tax":"19.99","price_inc_tax":1234567.8901}"#,
    )
    .unwrap();
    assert_eq!(back, line);
}

// reference/store_information.v2.yml: the GET /store example says
// `is_price_entered_with_tax: false` (issue 10 defect 5 needs this setting).
#[test]
fn store_says_whether_prices_are_entered_with_tax() {
    let s: StoreInfo = decode("v2_store.json");
    assert_eq!(s.is_price_entered_with_tax, Some(false));
    assert_eq!(s.prices_entered_with_tax(), Some(false));
    assert_eq!(s.features["stencil_enabled"], true);
    let mut v: serde_json::Value = serde_json::from_slice(&fixture("v2_store.json")).unwrap();
    v["is_price_entered_with_tax"] = serde_json::json!(true);
    let s: StoreInfo = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(s.prices_entered_with_tax(), Some(true));
    v.as_object_mut()
        .unwrap()
        .remove("is_price_entered_with_tax");
    let s: StoreInfo = serde_json::from_value(v).unwrap();
    assert_eq!(s.prices_entered_with_tax(), None);
}

// orders.v3.yml (`RefundRequest_Post`: items[].amount, payments[].amount are `number`) and
// price_lists.v3.yml (records `price` is `number`): v3 money is written with its exact
// digits, even past what an f64 holds.
#[test]
fn v3_money_keeps_its_exact_digits() {
    use bigcommerce_api::orders::{RefundItem, RefundPayment, RefundRequest};
    let r = RefundRequest {
        items: vec![RefundItem::shipping(7, dec("19.99"))],
        payments: vec![RefundPayment {
            provider_id: "custom".into(),
            amount: dec("1234567.8901"),
            offline: true,
        }],
    };
    let text = serde_json::to_string(&r).unwrap();
    assert!(text.contains(r#""amount":19.99"#), "{text}");
    assert!(text.contains(r#""amount":1234567.8901"#), "{text}");
    let rec = PriceListRecordUpsert::new(VariantId(9), "AUD", dec("12345678901234.5678"));
    let text = serde_json::to_string(&rec).unwrap();
    assert!(text.contains(r#""price":12345678901234.5678"#), "{text}");
}
