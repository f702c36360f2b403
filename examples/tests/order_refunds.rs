#![cfg(feature = "demo")]
//! Refunds and cancelations made on the Mirakl side (the operator's returns team, its
//! customer care) reach BigCommerce once each, end to end over the sandboxes' HTTP APIs
//! (issue 10 defect 10, issue 14 item 3): the items include the SHIPPING part when Mirakl
//! refunded shipping (a shipping-only refund is a SHIPPING item, never an empty list), the
//! amount is Mirakl's, and the payment is the offline `custom` method ("refunded externally"),
//! never store credit, even where BigCommerce offers store credit first (registered
//! customers; orders.v3.yml `RefundQuote_Full`, docs/store-operations/orders/refunds.mdx).

mod order_support;

use bigcommerce_api::Method;
use order_support::{
    accept_and_create, assert_no_violations, back_office, place, poll, skus, start,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sync_sandbox::mirakl::{MiraklConfig, MoneyBack};

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.to_string().parse().unwrap(),
        other => panic!("not an amount: {other}"),
    }
}

/// The refunds BigCommerce holds for an order, as its API lists them.
async fn bc_refunds(sides: &order_support::Sides, bid: u64) -> Vec<Value> {
    let r = sides
        .engine
        .bigcommerce()
        .raw(
            Method::GET,
            format!("v3/orders/{bid}/payment_actions/refunds"),
        )
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    body["data"].as_array().cloned().unwrap_or_default()
}

fn offline_custom(refund: &Value) {
    let payments = refund["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "{refund:#}");
    assert_eq!(payments[0]["provider_id"], "custom", "{refund:#}");
    assert_eq!(payments[0]["offline"], true, "{refund:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirakl_refunds_reach_bigcommerce_once_with_shipping_and_offline() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (a, b) = (&all[0], &all[1]);
    let shipping = Decimal::new(595, 2);
    let id = place(
        &sides,
        &[(a.0.clone(), a.1, 2), (b.0.clone(), b.1, 1)],
        shipping,
    );
    let bid = accept_and_create(&sides, &id).await;
    // the merchant links the order to a registered customer: BigCommerce now offers store
    // credit first
    sides
        .engine
        .bigcommerce()
        .raw(Method::PUT, format!("v2/orders/{bid}"))
        .json(&json!({"customer_id": 7}))
        .send()
        .await
        .unwrap();
    // shipped in BigCommerce, confirmed on Mirakl
    assert!(sides.bc.ship_order(bid, "AP0000042", "auspost").is_some());
    sides
        .engine
        .orders()
        .step_bigcommerce_order(bid, true)
        .await
        .unwrap();
    assert_eq!(order_support::state(&sides, &id), "SHIPPED");

    // the returns team refunds one unit of the first line with its shipping, and the
    // second line's shipping only
    let office = back_office(&sides);
    office
        .refund(&MoneyBack {
            order_line_id: format!("{id}-1"),
            quantity: 1,
            amount: a.1,
            shipping_amount: shipping,
            reason_code: "34".into(),
        })
        .unwrap();
    office
        .refund(&MoneyBack {
            order_line_id: format!("{id}-2"),
            quantity: 0,
            amount: Decimal::ZERO,
            shipping_amount: shipping,
            reason_code: "34".into(),
        })
        .unwrap();
    poll(&sides).await;
    poll(&sides).await;
    let refunds = bc_refunds(&sides, bid).await;
    let why = sides
        .engine
        .with_counters(|c| format!("{:?} {:?}", c.manual_review, c.order_failures));
    assert_eq!(refunds.len(), 2, "{refunds:#?} {why}");
    let mut totals: Vec<Decimal> = refunds.iter().map(|r| dec(&r["total_amount"])).collect();
    totals.sort();
    let mut expected = vec![a.1 + shipping, shipping];
    expected.sort();
    assert_eq!(totals, expected);
    for r in &refunds {
        offline_custom(r);
        let items = r["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{r:#}");
        let shipping_items: Vec<&Value> = items
            .iter()
            .filter(|i| i["item_type"] == "SHIPPING")
            .collect();
        assert_eq!(shipping_items.len(), 1, "{r:#}");
        assert_eq!(dec(&shipping_items[0]["requested_amount"]), shipping);
    }
    // the shipping-only refund is a SHIPPING item alone
    assert!(refunds.iter().any(|r| {
        let items = r["items"].as_array().unwrap();
        items.len() == 1 && items[0]["item_type"] == "SHIPPING"
    }));
    // BigCommerce's refunds are not sent back to Mirakl (OR28)
    assert_eq!(
        sides
            .mirakl
            .request_log()
            .count("PUT", "/api/orders/refund"),
        0
    );
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_cancelled_on_mirakl_after_creation_is_refunded_once_offline() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let a = &all[2];
    let id = place(&sides, &[(a.0.clone(), a.1, 2)], Decimal::new(595, 2));
    let bid = accept_and_create(&sides, &id).await;
    // a second passes so the cancelation is dated after the BigCommerce order (RFC 2822
    // dates have whole seconds)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    back_office(&sides)
        .cancel_units(&MoneyBack {
            order_line_id: format!("{id}-1"),
            quantity: 1,
            amount: a.1,
            shipping_amount: Decimal::ZERO,
            reason_code: "34".into(),
        })
        .unwrap();
    poll(&sides).await;
    poll(&sides).await;
    let refunds = bc_refunds(&sides, bid).await;
    assert_eq!(refunds.len(), 1, "{refunds:#?}");
    offline_custom(&refunds[0]);
    assert_eq!(dec(&refunds[0]["total_amount"]), a.1);
    let items = refunds[0]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["item_type"], "PRODUCT");
    assert_eq!(items[0]["quantity"], 1);
    assert_no_violations(&sides);
}
