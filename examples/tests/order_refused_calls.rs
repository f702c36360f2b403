#![cfg(feature = "demo")]
//! An OR24 Mirakl refuses (400) because an earlier OR24 went through and its answer was lost
//! (issue 11: in the 1,000-order soak one order sat about 10 minutes with its OR24 in
//! flight). The step no longer re-reads the order by id (OR11 allows one call a minute, so
//! such reads queue behind the order polls and each other, and the waiting step holds the
//! stock gate): the next order poll, which reads what changed anyway, settles the call.
//! OR24 answers 400 unless the order is in SHIPPING (../shared/specs/mirakl, OR24; noted in
//! the shared Mirakl notes, sdk-php-shop #56). Both sandboxes on loopback, calls counted
//! from the Mirakl stand-in's own request log.

mod order_support;

use examples::demo::sandbox_clients;
use mirakl_api::MiraklOrderId;
use order_support::{
    accept_and_create, assert_no_violations, place, poll, record, skus, start, state,
};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

const OR11: &str = "/api/orders";
const OR24: &str = "/api/orders/{order_id}/ship";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_or24_whose_earlier_call_went_through_is_settled_by_the_next_poll() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let id = place(&sides, &[(all[0].0.clone(), all[0].1, 1)], Decimal::ZERO);
    let bid = accept_and_create(&sides, &id).await;
    assert_eq!(state(&sides, &id), "SHIPPING");

    // the earlier OR24 whose answer was lost: the order is SHIPPED on Mirakl, the connector
    // still knows it in SHIPPING
    let (_, mirakl) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    mirakl
        .orders()
        .ship(&MiraklOrderId::new(id.clone()).unwrap())
        .await
        .unwrap();
    assert_eq!(state(&sides, &id), "SHIPPED");

    // the warehouse ships in BigCommerce; the shipment webhook steps the order: OR23, then
    // OR24, which Mirakl refuses
    sides.bc.ship_order(bid, "AP00000777", "auspost").unwrap();
    let log = sides.mirakl.request_log();
    log.clear();
    let orders = sides.engine.orders();
    assert!(orders.step_bigcommerce_order(bid, false).await.unwrap());
    assert_eq!(log.count("PUT", OR24), 1, "{:?}", log.snapshot());
    assert_eq!(
        log.count("GET", OR11),
        0,
        "the refused OR24 waits for the order poll, no read of its own: {:?}",
        log.snapshot()
    );
    let calls = sides.store.in_flight_calls().unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].key, id);
    assert!(!record(&sides, &id).unwrap().ship_confirmed);

    // the next poll reads what changed (one OR11), finds the order shipped and settles the
    // call, without sending OR24 again
    log.clear();
    poll(&sides).await;
    assert_eq!(log.count("GET", OR11), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("PUT", OR24), 0, "{:?}", log.snapshot());
    assert!(record(&sides, &id).unwrap().ship_confirmed);
    assert!(sides.store.in_flight_calls().unwrap().is_empty());
    assert!(sides.engine.with_counters(|c| c.shipped.contains(&id)));
    assert_no_violations(&sides);
}
