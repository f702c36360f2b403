#![cfg(feature = "demo")]
//! A change queued for the next call window and then undone must not reach Mirakl.
//!
//! Found as the flaky `fleet_oversell` round (issue 16): an offer quantity planned while an
//! order was still counted as held (0) was queued behind a closed call window; when the order
//! was created the quantity was planned again, came out equal to the last *applied* one, and
//! nothing was queued, so the stale 0 went out when the window opened and stayed on Mirakl
//! with units in stock. A plan must be made against what Mirakl will hold once the queue is
//! sent, not against the last applied write alone.

use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use sync_core::coalesce::DirtyKey;

fn config() -> DemoConfig {
    DemoConfig {
        seed: 31,
        products: 4,
        variants: 1,
        orders: 0,
        price_changes: 0,
        stock_changes: 0,
        stale_share: 0.0,
        closed_catalog: false,
        timeout: Duration::from_secs(120),
        ..DemoConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_change_undone_before_its_window_is_not_sent() {
    let mut demo = Demo::start(config()).await.unwrap();
    // changes are released at once; OF24 calls (the stock-only changes here) 3 s apart
    demo.rules.windows.quiet_secs = 0;
    demo.rules.windows.max_wait_secs = 0;
    demo.rules.windows.offers_secs = 3;
    demo.rules.windows.stock_secs = 3;
    demo.restart_engine().await.unwrap();
    let plan = demo.reconcile(&|_, _| {}).await.unwrap();
    assert!(plan.new > 0, "{plan:?}");
    let offered = demo
        .catalog
        .products
        .iter()
        .find(|p| demo.mirakl.offer(&p.variants[0].sku).is_some())
        .expect("an offered product");
    let sku = offered.variants[0].sku.clone();
    let product = demo.bc.product_id(&offered.sku).unwrap();
    let offers = demo.engine().offers();
    let change = async |stock: i64| {
        assert!(demo.bc.set_stock(&sku, stock));
        offers.mark(DirtyKey::Product(product));
        offers.process_dirty().await.unwrap();
    };
    let on_mirakl = || demo.mirakl.offer(&sku).unwrap().quantity;

    // 1. a change sent and applied: its quantity is the last applied one
    change(5).await;
    offers.drain_pending_writes().await;
    let applied = on_mirakl();
    assert!(offers.pending().1 == 0, "{:?}", offers.pending());

    // 2. another change, queued: the window of the call that carries it has just closed
    change(7).await;
    assert_eq!(offers.pending().1, 1, "the change waits for the window");
    assert_ne!(on_mirakl(), 7);

    // 3. the change undone before the window opens
    change(5).await;
    offers.drain_pending_writes().await;
    assert_eq!(offers.pending().1, 0, "{:?}", offers.pending());
    assert_eq!(
        on_mirakl(),
        applied,
        "Mirakl holds the quantity of the undone change"
    );
    assert!(demo.mirakl.contract_violations().is_empty());
}
