//! Orders (v2 + v3 payments), shipments, webhooks, store and raw endpoints against wiremock.
//! Fixtures come from `../shared/specs/bigcommerce/bigcommerce-docs/reference/orders.v2.oas2.yml`,
//! `orders.v3.yml`, `webhooks.v3.yml` and `store_information.v2.yml`.

mod common;

use bigcommerce_api::catalog::{ProductId, VariantId};
use bigcommerce_api::error::ApiErrorDetails;
use bigcommerce_api::orders::{
    Address, NewOrder, NewOrderProduct, NewShipment, OrderId, OrderStatus, RefundItem,
    RefundPayment, RefundQuoteRequest, RefundRequest, ShipmentId, ShipmentItem, ShipmentUpdate,
};
use bigcommerce_api::webhooks::{WebhookId, WebhookRequest, WebhookScope};
use bigcommerce_api::{Error, Method};
use common::*;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn order(id: u64) -> serde_json::Value {
    let mut o = fixture("v2_order_get.json");
    o["id"] = json!(id);
    o
}

// orders.v2.oas2.yml GET /orders: filters as RFC 2822 / ids; page/limit; 204 ends the stream.
#[tokio::test]
async fn v2_orders_stream_stops_on_204() {
    let server = server().await;
    let since = time::macros::datetime!(2020-08-27 23:47:22 UTC);
    for (pg, ids) in [(1, vec![1, 2]), (2, vec![3, 4])] {
        Mock::given(method("GET"))
            .and(path(p("v2/orders")))
            .and(query_param(
                "min_date_modified",
                "Thu, 27 Aug 2020 23:47:22 +0000",
            ))
            .and(query_param("status_id", "11"))
            .and(query_param("page", pg.to_string()))
            .and(query_param("limit", "2"))
            .and(header("x-auth-token", TOKEN))
            .respond_with(json(
                200,
                json!(ids.iter().map(|i| order(*i)).collect::<Vec<_>>()),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    // v2 never tells the page count: the stream fetches a few pages ahead once pages come
    // back full (at most pages_in_flight - 1 = 3 past the end), and drops what it fetched
    // past the 204.
    for pg in 4..=6 {
        Mock::given(method("GET"))
            .and(path(p("v2/orders")))
            .and(query_param("page", pg.to_string()))
            .respond_with(ResponseTemplate::new(204))
            .expect(0..=1)
            .mount(&server)
            .await;
    }
    let ids: Vec<u64> = client(&server)
        .orders()
        .list()
        .min_date_modified(since)
        .status(OrderStatus::AwaitingFulfillment)
        .limit(2)
        .stream()
        .map_ok(|o| o.id.0)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [1, 2, 3, 4]);
}

#[tokio::test]
async fn v2_single_page_204_is_empty() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders/5/shipments")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .shipments(OrderId(5))
        .list()
        .send()
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert!(page.is_last());
}

// orders.v2.oas2.yml: create, get, 404 v2 body, update status, count, statuses.
#[tokio::test]
async fn orders_crud() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(p("v2/orders")))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "customer_id": 0,
            "status_id": 11,
            "billing_address": {"first_name":"Jane","last_name":"Doe","street_1":"1 George St","city":"Sydney","state":"New South Wales","zip":"2000","country":"Australia","country_iso2":"AU","email":"jane@example.com"},
            "products": [{"product_id":77,"variant_id":5,"quantity":2,"price_ex_tax":10.00,"price_inc_tax":11.00}],
            "external_source": "mirakl-sync",
            "external_order_id": "WF-1001-A"
        })))
        .respond_with(json(201, order(218)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders/218")))
        .respond_with(json(200, order(218)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders/999")))
        .respond_with(json(
            404,
            json!([{"status":404,"message":"The requested resource was not found."}]),
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v2/orders/218")))
        .and(body_json(json!({"status_id": 2})))
        .respond_with(json(200, order(218)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders/count")))
        .respond_with(json(200, fixture("v2_orders_count.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/order_statuses")))
        .respond_with(json(200, fixture("v2_order_statuses.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let mut new = NewOrder::new(
        Address {
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            street_1: "1 George St".into(),
            city: "Sydney".into(),
            state: "New South Wales".into(),
            zip: "2000".into(),
            country: "Australia".into(),
            country_iso2: "AU".into(),
            email: "jane@example.com".into(),
            ..Address::default()
        },
        vec![NewOrderProduct::variant(
            ProductId(77),
            VariantId(5),
            2,
            "10.00".parse().unwrap(),
            "11.00".parse().unwrap(),
        )],
    );
    new.status_id = Some(OrderStatus::AwaitingFulfillment);
    new.external_source = Some("mirakl-sync".into());
    new.external_order_id = Some("WF-1001-A".into());
    assert_eq!(c.orders().create(&new).await.unwrap().id, OrderId(218));
    assert_eq!(
        c.orders().get(OrderId(218)).await.unwrap().total_inc_tax,
        "69.84".parse::<Decimal>().unwrap()
    );
    assert!(c.orders().get_opt(OrderId(999)).await.unwrap().is_none());
    match c.orders().get(OrderId(999)).await.unwrap_err() {
        Error::Api {
            status,
            message,
            details,
            ..
        } => {
            assert_eq!(status, 404);
            assert_eq!(message, "The requested resource was not found.");
            assert!(matches!(*details, ApiErrorDetails::V2(ref v) if v[0].status == Some(404)));
        }
        other => panic!("{other:?}"),
    }
    c.orders()
        .set_status(OrderId(218), OrderStatus::Shipped)
        .await
        .unwrap();
    assert!(c.orders().count().await.unwrap().count > 0);
    assert_eq!(c.orders().statuses().await.unwrap().len(), 15);
}

// A POST that gets a 500 is not retried (the order may exist); a v2 400 body is kept.
#[tokio::test]
async fn order_create_is_not_retried_on_5xx() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(p("v2/orders")))
        .respond_with(json(
            500,
            json!([{"status":500,"message":"Internal error"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .orders()
        .create(&NewOrder::new(Address::default(), vec![]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn order_products_addresses_and_lookup() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders/149/products")))
        .respond_with(json(200, fixture("v2_order_products.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders/229/shipping_addresses")))
        .respond_with(json(200, fixture("v2_shipping_addresses.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param("external_order_id", "external-order-id"))
        .respond_with(json(200, json!([order(218)])))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let lines = c.orders().products(OrderId(149)).send().await.unwrap();
    assert_eq!(lines.items[0].id, 65);
    let addrs = c
        .orders()
        .shipping_addresses(OrderId(229))
        .send()
        .await
        .unwrap();
    assert_eq!(addrs.items[0].id, 132);
    let found = c
        .orders()
        .find_by_external_order_id("external-order-id")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

// orders.v2.oas2.yml shipments: create, update, get_opt, delete.
#[tokio::test]
async fn shipments_crud() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(p("v2/orders/228/shipments")))
        .and(body_json(json!({"order_address_id":131,"tracking_number":"EJ958083578US","shipping_provider":"auspost","items":[{"order_product_id":194,"quantity":1}]})))
        .respond_with(json(201, fixture("v2_shipment.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v2/orders/228/shipments/11")))
        .and(body_json(json!({"tracking_number":"NEW1"})))
        .respond_with(json(200, fixture("v2_shipment.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders/228/shipments/11")))
        .respond_with(json(200, fixture("v2_shipment.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p("v2/orders/228/shipments/11")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let sh = c.shipments(OrderId(228));
    let mut new = NewShipment::new(131, vec![ShipmentItem::new(194, 1)]);
    new.tracking_number = Some("EJ958083578US".into());
    new.shipping_provider = Some("auspost".into());
    assert_eq!(sh.create(&new).await.unwrap().id, ShipmentId(11));
    let upd = ShipmentUpdate {
        tracking_number: Some("NEW1".into()),
        ..ShipmentUpdate::default()
    };
    sh.update(ShipmentId(11), &upd).await.unwrap();
    assert!(sh.get_opt(ShipmentId(11)).await.unwrap().is_some());
    sh.delete(ShipmentId(11)).await.unwrap();
}

// orders.v3.yml: transactions, refund quote, refund.
#[tokio::test]
async fn v3_payments() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/orders/180/transactions")))
        .respond_with(json(200, json!({"data":[{"id":1,"order_id":"180","event":"purchase","method":"credit_card","amount":50,"currency":"AUD","gateway":"custom","status":"ok","test":false,"date_created":"2019-08-24T14:15:22Z"}],"meta":{"pagination":{"total":1,"count":1,"per_page":50,"current_page":1,"total_pages":1}}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("v3/orders/180/payment_actions/refund_quotes")))
        .and(body_json(json!({"items":[{"item_type":"PRODUCT","item_id":87,"quantity":1}]})))
        .respond_with(json(201, json!({"data":{"order_id":180,"total_refund_amount":50,"total_refund_tax_amount":5,"rounding":0,"adjustment":0,"tax_inclusive":false,"refund_methods":[[{"provider_id":"storecredit","provider_description":"Store Credit","amount":50,"offline":true}]]},"meta":{}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("v3/orders/180/payment_actions/refunds")))
        .and(body_json(json!({"items":[{"item_type":"PRODUCT","item_id":87,"quantity":1}],"payments":[{"provider_id":"storecredit","amount":50,"offline":true}]})))
        .respond_with(json(201, fixture("v3_refund.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let tx = c.orders().transactions(OrderId(180)).all().await.unwrap();
    assert_eq!(tx[0].order_id.as_deref(), Some("180"));
    assert_eq!(tx[0].amount, Some(Decimal::from(50)));
    let items = vec![RefundItem::product(87, 1)];
    let q = c
        .orders()
        .refund_quote(
            OrderId(180),
            &RefundQuoteRequest {
                items: items.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(q.total_refund_amount, Some(Decimal::from(50)));
    assert_eq!(
        q.refund_methods[0][0].provider_id.as_deref(),
        Some("storecredit")
    );
    let r = c
        .orders()
        .refund(
            OrderId(180),
            &RefundRequest {
                items,
                payments: vec![RefundPayment {
                    provider_id: "storecredit".into(),
                    amount: Decimal::from(50),
                    offline: true,
                }],
            },
        )
        .await
        .unwrap();
    assert_eq!(r.id, 12);
}

// webhooks.v3.yml: list, create, update, delete; 422 body kept.
#[tokio::test]
async fn webhooks_crud() {
    let server = server().await;
    let hook = fixture("v3_webhook.json");
    Mock::given(method("GET"))
        .and(path(p("v3/hooks")))
        .and(query_param("is_active", "true"))
        .respond_with(json(200, json!({"data":[hook["data"].clone()],"meta":{"pagination":{"total":1,"count":1,"per_page":50,"current_page":1,"total_pages":1}}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("v3/hooks")))
        .and(body_json(json!({"scope":"store/order/created","destination":"https://665b65a6.ngrok.io/webhooks","is_active":true,"headers":{"custom-key":"developer-defined value"}})))
        .respond_with(json(200, hook.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/hooks/18048287")))
        .respond_with(json(422, fixture("v3_webhook_422.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p("v3/hooks/18048287")))
        .respond_with(json(200, hook.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let hooks = c.webhooks().list().is_active(true).send().await.unwrap();
    assert_eq!(hooks.items[0].id, WebhookId(18048287));
    let req = WebhookRequest::new(
        WebhookScope::OrderCreated,
        "https://665b65a6.ngrok.io/webhooks",
    )
    .header("custom-key", "developer-defined value");
    assert_eq!(
        c.webhooks().create(&req).await.unwrap().scope,
        WebhookScope::OrderCreated
    );
    match c
        .webhooks()
        .update(WebhookId(18048287), &req)
        .await
        .unwrap_err()
    {
        Error::Api {
            status,
            message,
            details,
            ..
        } => {
            assert_eq!(status, 422);
            assert_eq!(message, "JSON data is missing or invalid");
            match *details {
                ApiErrorDetails::V3(v) => {
                    assert_eq!(v.errors["destination"], "error.path.missing.")
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    c.webhooks().delete(WebhookId(18048287)).await.unwrap();
}

// store_information.v2.yml: /v2/store, /v2/time, verify.
#[tokio::test]
async fn store_info_time_and_verify() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/store")))
        .and(header("x-auth-token", TOKEN))
        .respond_with(json(200, fixture("v2_store.json")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .respond_with(json(200, json!({"time": 1529512970})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.store().info().await.unwrap().name, "BigCommerce");
    assert_eq!(c.store().time().await.unwrap().time, 1_529_512_970);
    assert_eq!(c.verify().await.unwrap().id.as_deref(), Some("abc123"));
}

#[tokio::test]
async fn verify_turns_401_and_403_into_unauthorized() {
    for status in [401u16, 403] {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path(p("v2/store")))
            .respond_with(json(status, json!([{"status":status,"message":"You don't have a required scope to access the endpoint"}])))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server).verify().await.unwrap_err();
        assert!(
            matches!(err, Error::Unauthorized { status: s, .. } if s == status),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("access token") && text.contains("scopes"),
            "{text}"
        );
        assert!(!text.contains(TOKEN));
    }
}

// The raw escape hatch reuses auth headers and maps errors.
#[tokio::test]
async fn raw_request() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(p("v3/catalog/summary")))
        .and(query_param("x", "1"))
        .and(header("x-auth-token", TOKEN))
        .and(header("x-extra", "yes"))
        .and(body_json(json!({"a": 1})))
        .respond_with(json(200, json!({"data": {"inventory_count": 3}})))
        .expect(1)
        .mount(&server)
        .await;
    let v: serde_json::Value = client(&server)
        .raw(Method::POST, "/v3/catalog/summary")
        .query("x", 1)
        .header("x-extra", "yes")
        .json(&json!({"a": 1}))
        .decode()
        .await
        .unwrap();
    assert_eq!(v["data"]["inventory_count"], 3);
}

// The idempotency look-up before re-creating an order must search every page: a store (or
// proxy) ignoring `external_order_id` must not yield a false "not found" after page 1
// (orders.v2.oas2.yml GET /orders, fixture v2_order_get.json).
#[tokio::test]
async fn external_order_id_lookup_searches_every_page() {
    let server = server().await;
    let page1: Vec<serde_json::Value> = (1..=250)
        .map(|i| {
            let mut o = order(i);
            o["external_order_id"] = json!(format!("OTHER-{i}"));
            o
        })
        .collect();
    let mut hit = order(999);
    hit["external_order_id"] = json!("WF-7-A");
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param("external_order_id", "WF-7-A"))
        .and(query_param("limit", "250"))
        .and(query_param("page", "1"))
        .respond_with(json(200, json!(page1)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param("external_order_id", "WF-7-A"))
        .and(query_param("page", "2"))
        .respond_with(json(200, json!([hit])))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .orders()
        .find_by_external_order_id("WF-7-A")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, OrderId(999));
}

// A store that ignores both the filter and `limit` (50 per page): short pages of other
// orders must not end the look-up; only an empty page (204) does.
#[tokio::test]
async fn external_order_id_lookup_survives_an_ignored_limit() {
    let server = server().await;
    let other = |i: u64| {
        let mut o = order(i);
        o["external_order_id"] = json!(null);
        o
    };
    let page1: Vec<_> = (1..=50).map(other).collect();
    let mut page2: Vec<_> = (51..=60).map(other).collect();
    let mut hit = order(61);
    hit["external_order_id"] = json!("WF-8-A");
    page2.push(hit);
    for (n, body) in [(1, json!(page1)), (2, json!(page2))] {
        Mock::given(method("GET"))
            .and(path(p("v2/orders")))
            .and(query_param("page", n.to_string()))
            .respond_with(json(200, body))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .orders()
        .find_by_external_order_id("WF-8-A")
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|o| o.id).collect::<Vec<_>>(),
        [OrderId(61)]
    );
}
