#![cfg(feature = "demo")]
//! Restock (issue 14 item 3): units Mirakl refunds or cancels after the order was created in
//! BigCommerce come back to BigCommerce stock exactly once, through a relative inventory
//! adjustment (`POST /v3/inventory/adjustments/relative`,
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/inventory.v3.yml`), and never on
//! top of the units BigCommerce itself returns when an order becomes `Refunded`. Both
//! sandboxes on loopback, contract checking on.

mod order_support;

use order_support::{
    accept_and_create, assert_no_violations, back_office, place, poll, skus, start, state,
};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::{MiraklConfig, MoneyBack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_cancelled_on_mirakl_comes_back_to_stock_once() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let a = &all[2];
    let id = place(&sides, &[(a.0.clone(), a.1, 2)], Decimal::ZERO);
    accept_and_create(&sides, &id).await;
    assert_eq!(sides.bc.stock(&a.0), Some(18));
    // RFC 2822 dates have whole seconds: the cancelation must come after the creation
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
    for _ in 0..3 {
        poll(&sides).await;
    }
    assert_eq!(sides.bc.stock(&a.0), Some(19), "one unit back, once");
    assert_eq!(sides.engine.with_counters(|c| c.restocked_units), 1);
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_shipped_order_refunded_in_full_is_restocked_once() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let a = &all[3];
    let id = place(&sides, &[(a.0.clone(), a.1, 2)], Decimal::ZERO);
    let bid = accept_and_create(&sides, &id).await;
    assert!(sides.bc.ship_order(bid, "AP0000777", "auspost").is_some());
    sides
        .engine
        .orders()
        .step_bigcommerce_order(bid, true)
        .await
        .unwrap();
    assert_eq!(state(&sides, &id), "SHIPPED");
    assert_eq!(sides.bc.stock(&a.0), Some(18));
    // the returns team refunds both units: BigCommerce's order becomes Refunded, which
    // returns no stock by itself (every unit was shipped)
    back_office(&sides)
        .refund(&MoneyBack {
            order_line_id: format!("{id}-1"),
            quantity: 2,
            amount: a.1 * Decimal::from(2),
            shipping_amount: Decimal::ZERO,
            reason_code: "34".into(),
        })
        .unwrap();
    for _ in 0..3 {
        poll(&sides).await;
    }
    assert_eq!(sides.bc.stock(&a.0), Some(20), "both units back, once");
    assert_eq!(sides.engine.with_counters(|c| c.restocked_units), 2);
    assert_no_violations(&sides);
}
