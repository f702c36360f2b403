//! Order extras (v2 coupons, taxes, messages, consignments; v3 metafields and store-wide
//! refunds) and the metafields of catalog owners, against wiremock (catch-all fails loudly),
//! with the spec's examples decoded. Fixtures, from
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/`:
//! * `orders/coupons.json`, `taxes.json`, `messages.json`, `consignments_pickup.json`:
//!   `orders.v2.oas2.yml`, the 200 examples of `GET /orders/{order_id}/coupons`, `/taxes`,
//!   `/messages`, `/consignments` ("Pickup Consignments").
//! * `orders/metafield_create_req.json`: `orders.v3.yml`, request example of
//!   `POST /orders/{order_id}/metafields`.
//! * `orders/refund_get.json`: `orders.v3.yml`, 200 example of
//!   `GET /orders/payment_actions/refunds/{refund_id}`.
//! * `metafields/product_metafields.json`, `product_metafield_post_resp.json`:
//!   `catalog/products_catalog.v3.yml`, 200 examples of `GET` and `POST
//!   /catalog/products/{product_id}/metafields`; `brand_metafields.json`,
//!   `category_metafields.json`: `catalog/brands_catalog.v3.yml` and
//!   `catalog/categories_catalog.v3.yml`, 200 examples of their metafields `GET`.

mod common;

use bigcommerce_api::catalog::{BrandId, CategoryId, ProductId, VariantId};
use bigcommerce_api::metafields::{Metafield, MetafieldId, MetafieldWrite, PermissionSet};
use bigcommerce_api::orders::{
    ConsignmentLineItem, Order, OrderConsignments, OrderConsignmentsField, OrderCoupon, OrderId,
    OrderMessage, OrderProduct, OrderTax, Refund,
};
use bigcommerce_api::page::Envelope;
use common::*;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::str::FromStr;
use time::macros::datetime;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn order_extra_examples_decode() {
    let c: Vec<OrderCoupon> = decode("orders/coupons.json");
    assert_eq!(c[0].code, "S2549JM0Y");
    assert_eq!(
        (c[0].amount, c[0].discount),
        (Some(dec("5")), Some(dec("5")))
    );
    assert_eq!(c[0].r#type, Some(2));

    let t: Vec<OrderTax> = decode("orders/taxes.json");
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].rate, Some(dec("8.0000")));
    assert_eq!(t[1].line_amount, Some(dec("4.4000")));
    assert_eq!(t[0].sales_tax_id.as_deref(), Some("TaxId123"));

    let m: Vec<OrderMessage> = decode("orders/messages.json");
    assert_eq!(m[0].message, "Thank you again!");
    assert_eq!(m[0].date_created.unwrap().unix_timestamp(), 1_537_977_123);
    assert!(!m[0].is_flagged);

    let k: OrderConsignments = decode("orders/consignments_pickup.json");
    assert!(k.shipping.is_empty());
    assert_eq!(k.pickups[0].pickup_method_id, Some(1));
    assert_eq!(k.pickups[0].location["code"], "LOCATION-1");
    assert!(matches!(
        &k.pickups[0].line_items[0],
        ConsignmentLineItem::Link { resource, .. } if resource == "/orders/129/products/12"
    ));

    let r: Envelope<Refund> = decode("orders/refund_get.json");
    assert_eq!(r.data.id, 12);
    assert_eq!(r.data.total_amount, Some(dec("50")));
}

#[test]
fn shipping_consignment_with_products_decodes() {
    // A shipping consignment built from the schema (`orderConsignment_Get`), with line items
    // included as order products (`include=consignments.line_items`) and an unknown field.
    let products = fixture("v2_order_products.json");
    let v = json!({"shipping": [{"id": 5, "first_name": "Jane", "last_name": "Doe",
        "street_1": "1 George St", "city": "Sydney", "zip": "2000", "country": "Australia",
        "country_iso2": "AU", "state": "New South Wales", "email": "j@example.com",
        "line_items": [products[0].clone()], "items_total": 1, "items_shipped": 0,
        "shipping_method": "Standard", "cost_ex_tax": 9.09, "cost_inc_tax": "10.0000",
        "cost_tax": 0.91, "shipping_zone_name": "AU", "brand_new": true}]});
    let k: OrderConsignments = serde_json::from_value(v).unwrap();
    let s = &k.shipping[0];
    assert_eq!(s.address.country_iso2, "AU");
    assert_eq!(s.cost_inc_tax, Some(dec("10.0000")));
    match &s.line_items[0] {
        ConsignmentLineItem::Product(p) => assert_eq!(p.price_inc_tax, dec("65.2300")),
        other => panic!("{other:?}"),
    }
}

/// An order as `GET /v2/orders?include=consignments.line_items&consignment_structure=object`
/// answers: `v2_order_get.json` (orders.v2.oas2.yml, `getOrder` 200 example) with its
/// consignments embedded (`orderConsignment_Get`, one shipping consignment holding the two
/// order products of `v2_order_products.json`, the `getOrderProducts` 200 example).
fn order_with_line_items() -> serde_json::Value {
    let products = fixture("v2_order_products.json");
    let mut o = fixture("v2_order_get.json");
    o["items_total"] = json!(2);
    o["consignments"] = json!({"pickups": [], "downloads": [], "email": {"gift_certificates": []},
        "shipping": [{"id": 51, "first_name": "Jane", "last_name": "Doe", "street_1": "1 George St",
            "city": "Sydney", "zip": "2000", "country": "Australia", "country_iso2": "AU",
            "line_items": products, "items_total": 2, "items_shipped": 0}]});
    o
}

#[tokio::test]
async fn a_listing_with_line_items_asks_for_them_and_carries_the_order_products() {
    let server = server().await;
    let client = client(&server);
    let mut linked = fixture("v2_order_get.json");
    linked["id"] = json!(219);
    linked["consignments"] = json!({"url": "https://api.bigcommerce.com/stores/abc/v2/orders/219/consignments",
               "resource": "/orders/219/consignments"});
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param("min_id", "218"))
        .and(query_param("max_id", "219"))
        .and(query_param("include", "consignments.line_items"))
        .and(query_param("consignment_structure", "object"))
        .and(query_param("page", "1"))
        .respond_with(json(200, json!([order_with_line_items(), linked])))
        .expect(1)
        .mount(&server)
        .await;
    // past the end (v2 pages are fetched ahead while they come back full): 204
    for page in ["2", "3", "4"] {
        Mock::given(method("GET"))
            .and(path(p("v2/orders")))
            .and(query_param("page", page))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
    }
    let orders = client
        .orders()
        .list()
        .min_id(OrderId(218))
        .max_id(OrderId(219))
        .with_line_items()
        .limit(2)
        .all()
        .await
        .unwrap();
    let expected: Vec<OrderProduct> = decode("v2_order_products.json");
    assert_eq!(orders[0].included_products(), Some(expected));
    // the default link: nothing embedded, the products must be read
    assert!(matches!(
        orders[1].consignments,
        Some(OrderConsignmentsField::Link(_))
    ));
    assert_eq!(orders[1].included_products(), None);
}

#[test]
fn embedded_products_that_do_not_account_for_the_order_are_not_used() {
    // fewer units embedded than the order's items_total (e.g. a digital line elsewhere)
    let mut o = order_with_line_items();
    o["items_total"] = json!(3);
    let order: Order = serde_json::from_value(o).unwrap();
    assert!(matches!(
        order.consignments,
        Some(OrderConsignmentsField::Included(_))
    ));
    assert_eq!(order.included_products(), None);
    // an item left as a link
    let mut o = order_with_line_items();
    o["consignments"]["shipping"][0]["line_items"][1] = json!({"url": "https://x/v2/orders/218/products/66", "resource": "/orders/218/products/66"});
    let order: Order = serde_json::from_value(o).unwrap();
    assert_eq!(order.included_products(), None);
    // a download consignment
    let mut o = order_with_line_items();
    o["consignments"]["downloads"] =
        json!([{"recipient_email": "a@example.com", "line_items": []}]);
    let order: Order = serde_json::from_value(o).unwrap();
    assert_eq!(order.included_products(), None);
}

#[test]
fn metafield_examples_decode_and_round_trip() {
    for name in [
        "metafields/product_metafields.json",
        "metafields/brand_metafields.json",
        "metafields/category_metafields.json",
    ] {
        let e: Envelope<Vec<Metafield>> = decode(name);
        assert!(!e.data.is_empty(), "{name}");
        assert_eq!(
            e.data[0].permission_set,
            Some(PermissionSet::AppOnly),
            "{name}"
        );
    }
    let e: Envelope<Metafield> = decode("metafields/product_metafield_post_resp.json");
    assert_eq!(e.data.id, MetafieldId(8));
    assert_eq!(e.data.permission_set, Some(PermissionSet::Read));
    assert_eq!(e.data.date_created.unwrap().unix_timestamp(), 1_536_856_957);

    let w: MetafieldWrite = decode("orders/metafield_create_req.json");
    assert_eq!(w.permission_set, PermissionSet::AppOnly);
    assert_eq!(
        serde_json::to_value(&w).unwrap(),
        fixture("orders/metafield_create_req.json")
    );
    let ours = MetafieldWrite::new(
        PermissionSet::AppOnly,
        "Sales Department",
        "Staff Name",
        "Sam",
    )
    .description("Name of staff member");
    assert_eq!(ours, w);

    let mut v = fixture("metafields/product_metafield_post_resp.json")["data"].clone();
    v["permission_set"] = json!("secret_new_level");
    v.as_object_mut().unwrap().remove("description");
    let m: Metafield = serde_json::from_value(v).unwrap();
    assert_eq!(
        m.permission_set,
        Some(PermissionSet::Other("secret_new_level".into()))
    );
    assert_eq!(m.description, None);
}

#[tokio::test]
async fn order_sub_resources() {
    let server = server().await;
    let get = |p_: &str| {
        Mock::given(method("GET"))
            .and(path(p(p_)))
            .and(header("x-auth-token", TOKEN))
            .and(header("accept", "application/json"))
    };
    get("v2/orders/120/coupons")
        .and(query_param("page", "1"))
        .respond_with(json(200, fixture("orders/coupons.json")))
        .expect(1)
        .mount(&server)
        .await;
    get("v2/orders/138/taxes")
        .and(query_param("details", "true"))
        .respond_with(json(200, fixture("orders/taxes.json")))
        .expect(1)
        .mount(&server)
        .await;
    get("v2/orders/181/messages")
        .and(query_param("is_flagged", "false"))
        .and(query_param("status", "unread"))
        .and(query_param(
            "min_date_created",
            "Fri, 02 Jan 2026 03:04:05 +0000",
        ))
        .respond_with(json(200, fixture("orders/messages.json")))
        .expect(1)
        .mount(&server)
        .await;
    get("v2/orders/182/messages")
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    get("v2/orders/129/consignments")
        .and(query_param("include", "consignments.line_items"))
        .respond_with(json(200, fixture("orders/consignments_pickup.json")))
        .expect(1)
        .mount(&server)
        .await;
    get("v2/orders/130/consignments")
        .and(query_param_is_missing("include"))
        .respond_with(json(200, fixture("orders/consignments_pickup.json")))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server).orders();
    let coupons = o.coupons(OrderId(120)).page(1).send().await.unwrap();
    assert_eq!(coupons.items[0].coupon_id, Some(1));
    let taxes = o.taxes(OrderId(138)).details().all().await.unwrap();
    assert_eq!(taxes.len(), 2);
    let msgs = o
        .messages(OrderId(181))
        .is_flagged(false)
        .status("unread")
        .min_date_created(datetime!(2026-01-02 03:04:05 UTC))
        .all()
        .await
        .unwrap();
    assert_eq!(msgs[0].id, 2);
    assert!(o.messages(OrderId(182)).all().await.unwrap().is_empty());
    let k = o.consignments(OrderId(129), true).await.unwrap();
    assert_eq!(k.pickups.len(), 1);
    o.consignments(OrderId(130), false).await.unwrap();
}

#[tokio::test]
async fn order_metafields_crud() {
    let server = server().await;
    let base = p("v3/orders/180/metafields");
    let listed = json!({"data": [fixture("metafields/product_metafield_post_resp.json")["data"]],
        "meta": {"cursor_pagination": {"count": 1, "per_page": 50, "links": {}}}});
    Mock::given(method("GET"))
        .and(path(base.clone()))
        .and(query_param("namespace", "Sales Department"))
        .and(query_param("key", "Staff Name"))
        .respond_with(json(200, listed))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(base.clone()))
        .and(header("content-type", "application/json"))
        .and(body_json(fixture("orders/metafield_create_req.json")))
        .respond_with(json(
            200,
            fixture("metafields/product_metafield_post_resp.json"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{base}/8")))
        .and(body_json(fixture("orders/metafield_create_req.json")))
        .respond_with(json(
            200,
            fixture("metafields/product_metafield_post_resp.json"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/8")))
        .respond_with(json(
            200,
            fixture("metafields/product_metafield_post_resp.json"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/9")))
        .respond_with(json(404, json!({"status": 404, "title": "Not found"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{base}/8")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let m = client(&server).orders().metafields(OrderId(180));
    let all = m
        .list()
        .namespace("Sales Department")
        .key("Staff Name")
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    let w: MetafieldWrite = decode("orders/metafield_create_req.json");
    assert_eq!(m.create(&w).await.unwrap().id, MetafieldId(8));
    m.update(MetafieldId(8), &w).await.unwrap();
    assert!(m.get_opt(MetafieldId(8)).await.unwrap().is_some());
    assert!(m.get_opt(MetafieldId(9)).await.unwrap().is_none());
    m.delete(MetafieldId(8)).await.unwrap();
}

#[tokio::test]
async fn catalog_owners_metafield_paths() {
    let server = server().await;
    for (rest, fx) in [
        (
            "v3/catalog/products/111/metafields",
            "metafields/product_metafields.json",
        ),
        (
            "v3/catalog/products/111/variants/7/metafields",
            "metafields/product_metafields.json",
        ),
        (
            "v3/catalog/categories/3/metafields",
            "metafields/category_metafields.json",
        ),
        (
            "v3/catalog/brands/4/metafields",
            "metafields/brand_metafields.json",
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(p(rest)))
            .and(query_param("page", "1"))
            .respond_with(json(200, fixture(fx)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    for m in [
        c.products().metafields(ProductId(111)),
        c.variants().metafields(ProductId(111), VariantId(7)),
        c.categories().metafields(CategoryId(3)),
        c.brands().metafields(BrandId(4)),
    ] {
        assert!(!m.list().all().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn store_wide_refunds() {
    let server = server().await;
    let one = fixture("orders/refund_get.json");
    let listed = json!({"data": [one["data"].clone()], "meta": {"pagination": {"total": 1,
        "count": 1, "per_page": 50, "current_page": 1, "total_pages": 1}}});
    Mock::given(method("GET"))
        .and(path(p("v3/orders/payment_actions/refunds")))
        .and(query_param("order_id:in", "180,181"))
        .and(query_param("created:min", "2026-01-02T03:04:05Z"))
        .respond_with(json(200, listed))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/orders/payment_actions/refunds/12")))
        .respond_with(json(200, one))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server).orders();
    let all = o
        .all_refunds()
        .order_ids([OrderId(180), OrderId(181)])
        .created_min(datetime!(2026-01-02 03:04:05 UTC))
        .all()
        .await
        .unwrap();
    assert_eq!(all[0].order_id, Some(180));
    assert_eq!(o.refund_opt(12).await.unwrap().unwrap().id, 12);
}
