#![cfg(feature = "demo")]
//! Fewer BigCommerce calls per order over its life (issue 11): an order just created in
//! BigCommerce is not re-read on every poll (it used to cost an order, products and
//! shipments read per open order), and a shipment is found by one listing of the orders
//! modified since the last look (`min_date_modified`), which steps only the order that moved.
//! Both sandboxes on loopback, contract checking on; calls counted from the BigCommerce
//! stand-in's own request log.

mod order_support;

use order_support::{assert_no_violations, bc_order, place, poll, skus, start, state};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

const SHIPMENTS: &str = "/stores/{store_hash}/v2/orders/{order_id}/shipments";
const ORDER: &str = "/stores/{store_hash}/v2/orders/{order_id}";
const ORDERS: &str = "/stores/{store_hash}/v2/orders";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_orders_are_not_reread_each_poll_and_a_shipment_is_found_by_one_listing() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let ids: Vec<String> = (0..3)
        .map(|i| place(&sides, &[(all[i].0.clone(), all[i].1, 1)], Decimal::ZERO))
        .collect();
    poll(&sides).await;
    for id in &ids {
        assert_eq!(state(&sides, id), "WAITING_DEBIT");
        sides.mirakl.trigger_debit(id).unwrap();
    }
    poll(&sides).await;
    let bids: Vec<u64> = ids.iter().map(|id| bc_order(&sides, id)).collect();
    // the listing's cursor starts now (the start-up poll read every open order)
    let orders = sides.engine.orders();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);

    // three more polls with nothing new on either side read no order's BigCommerce side
    let log = sides.bc.requests();
    log.clear();
    for _ in 0..3 {
        poll(&sides).await;
    }
    assert_eq!(log.count("GET", SHIPMENTS), 0, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", ORDER), 0, "{:?}", log.snapshot());

    // a listing with nothing shipped steps nothing: the orders as created ask for nothing
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);
    assert_eq!(log.count("GET", SHIPMENTS), 0, "{:?}", log.snapshot());

    // the warehouse ships one: one listing call finds it and reads that order alone
    sides
        .bc
        .ship_order(bids[1], "AP00000777", "auspost")
        .unwrap();
    log.clear();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 1);
    assert_eq!(log.count("GET", ORDERS), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", SHIPMENTS), 1, "{:?}", log.snapshot());
    assert_eq!(
        log.count("GET", ORDER),
        0,
        "the listed order is used as read: {:?}",
        log.snapshot()
    );
    assert_eq!(state(&sides, &ids[1]), "SHIPPED");
    assert_eq!(state(&sides, &ids[0]), "SHIPPING");

    // and once confirmed, the Mirakl state change (SHIPPED) re-reads nothing in BigCommerce
    log.clear();
    poll(&sides).await;
    assert_eq!(log.count("GET", SHIPMENTS), 0, "{:?}", log.snapshot());
    assert_no_violations(&sides);
}
