#![cfg(feature = "demo")]
//! A BigCommerce create that is refused (here: a line's stock ran out between the
//! acceptance on Mirakl and the create, so `POST /v2/orders` answers 400, as the store does
//! when `inventory_level` is short) is a failure the summary names, not an order left
//! uncreated in silence: the call is closed (nothing was created, so no look-up is owed), and
//! the create waits for a backoff instead of spending three BigCommerce calls on every poll.
//! Found by the `soak` bench (1,000 orders at 20 % faults: 4 orders "lost", 21.5 calls per order).

mod order_support;

use order_support::{assert_no_violations, place, poll, record, skus, start, state};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_is_reported_and_backed_off() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    poll(&sides).await;
    assert_eq!(state(&sides, &id), "WAITING_DEBIT");
    // the last unit sells elsewhere after the acceptance
    assert!(sides.bc.set_stock(sku, 0));
    sides.mirakl.trigger_debit(&id).unwrap();

    let creates = || {
        sides
            .bc
            .requests()
            .count("POST", "/stores/{store_hash}/v2/orders")
    };
    let before = creates();
    let _ = sides.engine.orders().poll_orders().await;
    assert_eq!(creates() - before, 1, "one create tried");
    assert!(sides.bc.orders_by_external_id(&id).is_empty());
    let failure = sides
        .engine
        .with_counters(|c| c.order_failures.get(&id).cloned())
        .expect("the refused create is in the summary");
    assert!(failure.starts_with("BigCommerce create:"), "{failure}");
    let r = record(&sides, &id).expect("the order is recorded");
    assert!(!r.create_started, "nothing was created: no look-up owed");
    assert!(r.bigcommerce_order_id.is_none());
    assert!(
        sides
            .store
            .in_flight_calls()
            .unwrap()
            .iter()
            .all(|c| c.key != id),
        "the refused create is not left in flight"
    );

    // the next polls, within the backoff, neither look the order up nor create it again
    let lookups_before = sides
        .bc
        .requests()
        .count("GET", "/stores/{store_hash}/v2/orders");
    for _ in 0..3 {
        let _ = sides.engine.orders().poll_orders().await;
    }
    assert_eq!(creates() - before, 1, "no create during the backoff");
    assert_eq!(
        sides
            .bc
            .requests()
            .count("GET", "/stores/{store_hash}/v2/orders"),
        lookups_before,
        "no look-up during the backoff"
    );
    assert_no_violations(&sides);
}
