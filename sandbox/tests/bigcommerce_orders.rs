//! Orders of the BigCommerce stand-in: creation with stock decrement, external ids, v2 paging
//! (204 when empty), shipments, status changes, refunds. Shapes from
//! `specs/bigcommerce/bigcommerce-docs/reference/orders.v2.oas2.yml` and `orders.v3.yml`.

mod bc_common;

use bc_common::Bc;
use bigcommerce_api::orders::{
    Order, OrderCount, OrderProduct, OrderStatus, Refund, RefundQuote, Shipment, ShippingAddress,
    Transaction,
};
use bigcommerce_api::page::Envelope;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sync_sandbox::demo::DemoCatalog;

fn billing() -> Value {
    json!({"first_name": "Jane", "last_name": "Doe", "street_1": "1 George St", "city": "Sydney",
           "state": "New South Wales", "zip": "2000", "country": "Australia", "country_iso2": "AU",
           "email": "jane@example.com"})
}

async fn seeded() -> (Bc, DemoCatalog) {
    let bc = Bc::start().await;
    let catalog = DemoCatalog::generate(4, 6, 2);
    bc.sandbox.load_demo(&catalog);
    for s in catalog.skus() {
        bc.sandbox.set_stock(&s.sku, 10);
    }
    (bc, catalog)
}

#[tokio::test]
async fn order_creation_decrements_stock_and_keeps_external_ids() {
    let (bc, catalog) = seeded().await;
    let a = &catalog.products[0].variants[1];
    let b = &catalog.products[3].variants[0];
    let pa = bc.sandbox.product_id(&a.sku).unwrap();
    let va = bc.sandbox.variant_id(&a.sku).unwrap();
    let pb = bc.sandbox.product_id(&b.sku).unwrap();
    let vb = bc.sandbox.variant_id(&b.sku).unwrap();

    // No orders yet: the v2 list is a 204 without a body.
    let empty = bc.get("v2/orders").await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(empty.body.is_empty());

    let created = bc
        .post(
            "v2/orders",
            json!({
                "billing_address": billing(),
                "shipping_addresses": [billing()],
                "products": [
                    {"product_id": pa, "variant_id": va, "quantity": 2, "price_inc_tax": 12.5, "price_ex_tax": 12.5},
                    {"product_id": pb, "variant_id": vb, "quantity": 1}
                ],
                "status_id": 11,
                "external_source": "mirakl-sync",
                "external_order_id": "WF-1001-A",
                "shipping_cost_inc_tax": "9.95",
                "shipping_cost_ex_tax": "9.95"
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let raw = created.json();
    assert_eq!(
        raw["total_inc_tax"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .map(str::len),
        Some(4),
        "v2 money has 4 decimals"
    );
    assert!(
        raw["date_created"].as_str().unwrap().ends_with("+0000"),
        "v2 dates are RFC 2822"
    );
    assert_eq!(raw["date_shipped"], "");
    let order: Order = created.decode();
    assert_eq!(order.status_id, OrderStatus::AwaitingFulfillment);
    assert_eq!(order.external_order_id.as_deref(), Some("WF-1001-A"));
    assert_eq!(order.external_source.as_deref(), Some("mirakl-sync"));
    assert_eq!(order.items_total, 3);
    let b_price = b.sale_price.unwrap_or(b.price);
    assert_eq!(
        order.total_inc_tax,
        Decimal::new(25, 0) + b_price + Decimal::new(995, 2)
    );

    assert_eq!(bc.sandbox.stock(&a.sku), Some(8));
    assert_eq!(bc.sandbox.stock(&b.sku), Some(9));
    assert_eq!(bc.sandbox.count_orders_by_external_id("WF-1001-A"), 1);

    // Filter by external_order_id and count.
    let found: Vec<Order> = bc
        .get("v2/orders?external_order_id=WF-1001-A")
        .await
        .decode();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, order.id);
    assert_eq!(
        bc.get("v2/orders?external_order_id=nope").await.status,
        StatusCode::NO_CONTENT
    );
    let count: OrderCount = bc.get("v2/orders/count").await.decode();
    assert_eq!(count.count, 1);
    let by_status: Vec<Order> = bc
        .get("v2/orders?status_id=11&min_date_modified=2000-01-01T00:00:00Z")
        .await
        .decode();
    assert_eq!(by_status.len(), 1);

    let products: Vec<OrderProduct> = bc
        .get(&format!("v2/orders/{}/products", order.id))
        .await
        .decode();
    assert_eq!(products.len(), 2);
    assert_eq!(products[0].sku.as_deref(), Some(a.sku.as_str()));
    assert_eq!(products[0].price_inc_tax, Decimal::new(125, 1));

    // The listing and the read embed the consignments with these products when asked
    // (orders.v2.oas2.yml `order_includes` with `consignment_structure=object`), a link
    // otherwise.
    assert_eq!(
        raw["consignments"]["resource"],
        format!("/orders/{}/consignments", order.id)
    );
    let embedded: Vec<Order> = bc
        .get("v2/orders?min_id=1&max_id=1000&include=consignments.line_items&consignment_structure=object")
        .await
        .decode();
    assert_eq!(embedded[0].included_products(), Some(products.clone()));
    let one = bc
        .get(&format!(
            "v2/orders/{}?include=consignments.line_items&consignment_structure=object",
            order.id
        ))
        .await;
    assert_eq!(one.json()["consignments"]["shipping"][0]["items_total"], 3);
    assert_eq!(
        one.decode::<Order>().included_products(),
        Some(products.clone())
    );
    let links = bc
        .get(&format!(
            "v2/orders/{}?include=consignments&consignment_structure=object",
            order.id
        ))
        .await
        .json();
    assert_eq!(
        links["consignments"]["shipping"][0]["line_items"][0]["resource"],
        format!("/orders/{}/products/{}", order.id, products[0].id)
    );

    // Asking for more than is in stock is refused and changes nothing.
    let oversell = bc
        .post(
            "v2/orders",
            json!({"billing_address": billing(), "products": [{"product_id": pa, "variant_id": va, "quantity": 9}]}),
        )
        .await;
    assert_eq!(oversell.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        oversell.json()[0]["status"],
        400,
        "v2 error bodies are arrays"
    );
    assert_eq!(bc.sandbox.stock(&a.sku), Some(8));

    // Missing billing address.
    let invalid = bc
        .post(
            "v2/orders",
            json!({"products": [{"product_id": pa, "variant_id": va, "quantity": 1}]}),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn shipment_moves_the_order_to_shipped() {
    let (bc, catalog) = seeded().await;
    let v = &catalog.products[1].variants[0];
    let pid = bc.sandbox.product_id(&v.sku).unwrap();
    let vid = bc.sandbox.variant_id(&v.sku).unwrap();
    let order: Order = bc
        .post(
            "v2/orders",
            json!({"billing_address": billing(), "shipping_addresses": [billing()], "status_id": 11,
                   "products": [{"product_id": pid, "variant_id": vid, "quantity": 3}]}),
        )
        .await
        .decode();
    let id = order.id;
    assert_eq!(
        bc.get(&format!("v2/orders/{id}/shipments")).await.status,
        StatusCode::NO_CONTENT
    );

    let addresses: Vec<ShippingAddress> = bc
        .get(&format!("v2/orders/{id}/shipping_addresses"))
        .await
        .decode();
    let products: Vec<OrderProduct> = bc.get(&format!("v2/orders/{id}/products")).await.decode();
    let address = addresses[0].id;
    let line = products[0].id;

    // Partial shipment first.
    let partial = bc
        .post(
            &format!("v2/orders/{id}/shipments"),
            json!({"order_address_id": address, "tracking_number": "AP100", "shipping_provider": "auspost",
                   "items": [{"order_product_id": line, "quantity": 1}]}),
        )
        .await;
    assert_eq!(partial.status, StatusCode::CREATED, "{}", partial.body);
    let shipment: Shipment = partial.decode();
    assert_eq!(shipment.tracking_number.as_deref(), Some("AP100"));
    assert_eq!(
        shipment.shipping_provider_display_name.as_deref(),
        Some("Australia Post")
    );
    let now: Order = bc.get(&format!("v2/orders/{id}")).await.decode();
    assert_eq!(now.status_id, OrderStatus::PartiallyShipped);

    // Too many units.
    let too_many = bc
        .post(
            &format!("v2/orders/{id}/shipments"),
            json!({"order_address_id": address, "items": [{"order_product_id": line, "quantity": 5}]}),
        )
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);

    // The rest.
    let rest = bc
        .post(
            &format!("v2/orders/{id}/shipments"),
            json!({"order_address_id": address, "tracking_number": "AP101", "shipping_provider": "auspost",
                   "items": [{"order_product_id": line, "quantity": 2}]}),
        )
        .await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.body);
    let shipped: Order = bc.get(&format!("v2/orders/{id}")).await.decode();
    assert_eq!(shipped.status_id, OrderStatus::Shipped);
    assert_eq!(shipped.items_shipped, 3);
    assert!(shipped.date_shipped.is_some());
    let shipments: Vec<Shipment> = bc.get(&format!("v2/orders/{id}/shipments")).await.decode();
    assert_eq!(shipments.len(), 2);
    let summary = bc.sandbox.order(id.get()).unwrap();
    assert_eq!(summary.shipments.len(), 2);
    assert_eq!(summary.lines[0].quantity_shipped, 3);

    // Update and delete a shipment.
    let updated: Shipment = bc
        .put(
            &format!("v2/orders/{id}/shipments/{}", shipment.id.get()),
            json!({"tracking_number": "AP100X"}),
        )
        .await
        .decode();
    assert_eq!(updated.tracking_number.as_deref(), Some("AP100X"));
    let deleted = bc
        .call(
            Method::DELETE,
            &format!("v2/orders/{id}/shipments/{}", shipment.id.get()),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(bc.sandbox.order(id.get()).unwrap().shipments.len(), 1);
}

#[tokio::test]
async fn cancellation_restocks_and_refunds_are_recorded() {
    let (bc, catalog) = seeded().await;
    let v = &catalog.products[2].variants[1];
    let pid = bc.sandbox.product_id(&v.sku).unwrap();
    let vid = bc.sandbox.variant_id(&v.sku).unwrap();
    let order: Order = bc
        .post(
            "v2/orders",
            json!({"billing_address": billing(), "status_id": 11,
                   "products": [{"product_id": pid, "variant_id": vid, "quantity": 4, "price_inc_tax": 10, "price_ex_tax": 10}]}),
        )
        .await
        .decode();
    assert_eq!(bc.sandbox.stock(&v.sku), Some(6));
    let id = order.id;

    let transactions: Envelope<Vec<Transaction>> = bc
        .get(&format!("v3/orders/{id}/transactions"))
        .await
        .decode();
    assert_eq!(transactions.data.len(), 1);
    assert_eq!(transactions.data[0].amount, Some(Decimal::from(40)));

    let products: Vec<OrderProduct> = bc.get(&format!("v2/orders/{id}/products")).await.decode();
    let line = products[0].id;
    let quote: Envelope<RefundQuote> = bc
        .post(
            &format!("v3/orders/{id}/payment_actions/refund_quotes"),
            json!({"items": [{"item_type": "PRODUCT", "item_id": line, "quantity": 1}]}),
        )
        .await
        .decode();
    assert_eq!(quote.data.total_refund_amount, Some(Decimal::from(10)));
    let refund = bc
        .post(
            &format!("v3/orders/{id}/payment_actions/refunds"),
            json!({"items": [{"item_type": "PRODUCT", "item_id": line, "quantity": 1}],
                   "payments": [{"provider_id": "custom", "amount": 10, "offline": true}]}),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.body);
    let refund: Envelope<Refund> = refund.decode();
    assert_eq!(refund.data.order_id, Some(id.get()));
    let after: Order = bc.get(&format!("v2/orders/{id}")).await.decode();
    assert_eq!(after.status_id, OrderStatus::PartiallyRefunded);
    assert_eq!(after.refunded_amount, Decimal::from(10));

    let cancelled = bc
        .put(&format!("v2/orders/{id}"), json!({"status_id": 5}))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let cancelled: Order = cancelled.decode();
    assert_eq!(cancelled.status_id, OrderStatus::Cancelled);
    assert_eq!(
        bc.sandbox.stock(&v.sku),
        Some(10),
        "unshipped units return on cancellation"
    );

    // Read-only field.
    let read_only = bc
        .put(
            &format!("v2/orders/{id}"),
            json!({"external_merchant_id": "x"}),
        )
        .await;
    assert_eq!(read_only.status, StatusCode::BAD_REQUEST);
    assert!(
        read_only.json()[0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be written")
    );

    // Unknown order.
    let missing = bc.get("v2/orders/987654").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json()[0]["message"],
        "The requested resource was not found."
    );
}

#[tokio::test]
async fn v2_orders_page_with_page_and_limit() {
    let (bc, catalog) = seeded().await;
    let v = &catalog.products[0].variants[0];
    let pid = bc.sandbox.product_id(&v.sku).unwrap();
    let vid = bc.sandbox.variant_id(&v.sku).unwrap();
    for i in 0..5 {
        let r = bc
            .post(
                "v2/orders",
                json!({"billing_address": billing(), "external_order_id": format!("E{i}"),
                       "products": [{"product_id": pid, "variant_id": vid, "quantity": 1}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let p1: Vec<Order> = bc.get("v2/orders?limit=2&page=1").await.decode();
    let p3: Vec<Order> = bc.get("v2/orders?limit=2&page=3").await.decode();
    assert_eq!(p1.len(), 2);
    assert_eq!(p3.len(), 1);
    assert_eq!(
        bc.get("v2/orders?limit=2&page=4").await.status,
        StatusCode::NO_CONTENT
    );
    let desc: Vec<Order> = bc.get("v2/orders?sort=id:desc&limit=1").await.decode();
    assert_eq!(desc[0].external_order_id.as_deref(), Some("E4"));
    let too_big = bc.get("v2/orders?limit=251").await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_big.json().is_array());
    let statuses: Vec<bigcommerce_api::orders::OrderStatusInfo> =
        bc.get("v2/order_statuses").await.decode();
    assert_eq!(statuses.len(), 15);
}

#[tokio::test]
async fn incomplete_orders_take_stock_only_when_they_leave_incomplete() {
    let (bc, catalog) = seeded().await;
    let v = &catalog.products[4].variants[0];
    let pid = bc.sandbox.product_id(&v.sku).unwrap();
    let vid = bc.sandbox.variant_id(&v.sku).unwrap();
    let order: Order = bc
        .post(
            "v2/orders",
            json!({"billing_address": billing(), "status_id": 0,
                   "products": [{"product_id": pid, "variant_id": vid, "quantity": 2}]}),
        )
        .await
        .decode();
    assert_eq!(order.status_id, OrderStatus::Incomplete);
    assert_eq!(
        bc.sandbox.stock(&v.sku),
        Some(10),
        "incomplete orders hold no stock"
    );
    let moved = bc
        .put(&format!("v2/orders/{}", order.id), json!({"status_id": 11}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(bc.sandbox.stock(&v.sku), Some(8));
    let invalid = bc
        .put(&format!("v2/orders/{}", order.id), json!({"status_id": 99}))
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert!(!bc.sandbox.set_order_status(order.id.get(), 99));
    assert!(bc.sandbox.set_order_status(order.id.get(), 5));
    assert_eq!(bc.sandbox.stock(&v.sku), Some(10));
    assert_eq!(
        bc.sandbox.order(order.id.get()).unwrap().status,
        "Cancelled"
    );
}
