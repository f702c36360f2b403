#![cfg(feature = "demo")]
//! Orders are created exactly once even when the local state is lost, and orders created by
//! a freshly started connector link every line to its catalog product and variant (issue 11,
//! defects 1 and 5). Embedded sandboxes on loopback, no faults: what is tested is the
//! connector's own logic, not the retries.

use std::time::Duration;

use bigcommerce_api::orders::OrderId;
use examples::demo::{Demo, DemoConfig};

fn temp_state(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-orders-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.sqlite")
}

fn config(seed: u64, state: std::path::PathBuf) -> DemoConfig {
    DemoConfig {
        seed,
        products: 12,
        variants: 2,
        faults: 0.0,
        orders: 4,
        price_changes: 0,
        stock_changes: 0,
        bc_quota: 1000,
        state_path: Some(state),
        timeout: Duration::from_secs(60),
        ..DemoConfig::default()
    }
}

/// One order step of the engine as `sync --once` runs it (a failed poll is the test's
/// failure: there are no faults).
async fn order_step(demo: &Demo) {
    demo.engine().poll_orders().await.unwrap();
}

/// Waits until Mirakl has released every accepted order to the shop (SHIPPING).
async fn wait_released(demo: &Demo) {
    demo.wait_for("accepted orders to reach SHIPPING", |d| {
        d.placed.iter().all(|(id, _)| {
            !matches!(
                d.mirakl_state(id).as_deref(),
                Some("WAITING_ACCEPTANCE") | Some("WAITING_DEBIT") | None
            )
        })
    })
    .await
    .unwrap();
}

/// The accepted orders (SHIPPING on Mirakl).
fn shipping(demo: &Demo) -> Vec<String> {
    demo.placed
        .iter()
        .filter(|(id, _)| demo.mirakl_state(id).as_deref() == Some("SHIPPING"))
        .map(|(id, _)| id.clone())
        .collect()
}

/// Two cycles on one state file, then cycles on a new, empty state file against the same
/// stores: BigCommerce holds exactly one order per Mirakl order throughout, and the new
/// state adopts the existing orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_state_file_never_duplicates_an_order() {
    let first = temp_state("fresh-a");
    let mut demo = Demo::start(config(21, first.clone())).await.unwrap();
    demo.reconcile(&|_, _| {}).await.unwrap();
    demo.place_orders(0).unwrap();
    // cycle 1: accept; Mirakl releases; create
    order_step(&demo).await;
    wait_released(&demo).await;
    order_step(&demo).await;
    let accepted = shipping(&demo);
    assert!(accepted.len() >= 3, "{accepted:?}");
    for id in &accepted {
        assert_eq!(demo.bc.count_orders_by_external_id(id), 1, "{id}");
    }
    let total = demo.bc.order_ids().len();
    assert_eq!(total, accepted.len());

    // cycle 2 on the same state: a new process
    demo.restart_engine().await.unwrap();
    order_step(&demo).await;
    assert_eq!(demo.bc.order_ids().len(), total);

    // a new, empty state file (redeploy with an empty volume, typo'd path): two cycles
    let second = temp_state("fresh-b");
    demo.config.state_path = Some(second.clone());
    demo.restart_engine().await.unwrap();
    order_step(&demo).await;
    order_step(&demo).await;
    assert_eq!(
        demo.bc.order_ids().len(),
        total,
        "a fresh state file created orders again"
    );
    for id in &accepted {
        assert_eq!(demo.bc.count_orders_by_external_id(id), 1, "{id}");
    }
    // the new state adopted the existing orders
    let state = sync_connector::state::SqliteStore::open(&second).unwrap();
    for id in &accepted {
        let rec = state
            .orders()
            .unwrap()
            .into_iter()
            .find(|r| r.mirakl_order_id == *id)
            .unwrap_or_else(|| panic!("{id} not recorded in the new state"));
        let bid = rec.bigcommerce_order_id().expect("adopted id recorded");
        assert_eq!(demo.bc.orders_by_external_id(id), vec![bid]);
    }
    drop(state);
    // shipping still flows for an adopted order (the state file's ids are the adopted ones)
    assert_eq!(demo.ship_created(), accepted.len());
    demo.start_loop_with(false);
    demo.wait_for("shipments to reach Mirakl", |d| d.shipments_settled())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e}: {:?}",
                accepted
                    .iter()
                    .map(|id| demo.mirakl_state(id))
                    .collect::<Vec<_>>()
            )
        });
    assert_eq!(demo.bc.order_ids().len(), total);
    demo.stop().await;
    for p in [first, second] {
        let _ = std::fs::remove_dir_all(p.parent().unwrap());
    }
}

/// A connector started fresh whose first step is the order step (no catalog read yet)
/// creates orders whose every line carries the product and variant of its SKU; only a SKU
/// the catalog truly lacks (its product deleted after acceptance) becomes a custom line,
/// reported as a problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_process_links_order_lines_to_the_catalog() {
    let path = temp_state("links");
    let mut demo = Demo::start(config(22, path.clone())).await.unwrap();
    demo.reconcile(&|_, _| {}).await.unwrap();
    demo.place_orders(0).unwrap();
    // the first process accepts, then stops before Mirakl releases the orders
    order_step(&demo).await;
    demo.restart_engine().await.unwrap();
    wait_released(&demo).await;
    // one ordered product leaves the catalog before the orders are created
    let bc = demo.engine().bigcommerce().clone();
    let first = shipping(&demo)[0].clone();
    let gone_sku = demo.mirakl.order(&first).unwrap().lines[0].shop_sku.clone();
    let gone_product = bc.variants().find_by_sku(&gone_sku).await.unwrap()[0].product_id;
    bc.products().delete(gone_product).await.unwrap();
    // the new process: its first step is the order step
    order_step(&demo).await;
    let accepted = shipping(&demo);
    assert!(accepted.len() >= 3, "{accepted:?}");
    let mut custom = 0;
    for id in &accepted {
        let ids = demo.bc.orders_by_external_id(id);
        assert_eq!(ids.len(), 1, "{id}");
        let lines = bc.orders().products(OrderId(ids[0])).all().await.unwrap();
        assert!(!lines.is_empty(), "{id}");
        for l in &lines {
            let sku = l.sku.clone().unwrap_or_default();
            let found = bc.variants().find_by_sku(&sku).await.unwrap();
            if found.is_empty() {
                // the deleted product's SKUs: custom lines, reported
                assert_eq!(l.product_id, 0, "{id}: {l:?}");
                let problem = demo
                    .engine()
                    .with_counters(|c| c.problems.get(&sku).cloned());
                assert!(
                    problem.is_some_and(|p| p.contains("not in the BigCommerce catalog")),
                    "{sku} not reported"
                );
                custom += 1;
                continue;
            }
            assert_ne!(l.product_id, 0, "{id}: custom line {l:?}");
            assert!(
                l.variant_id.is_some_and(|v| v != 0),
                "{id}: line without variant {l:?}"
            );
            // the product and variant are the catalog's for that SKU
            assert_eq!(found.len(), 1, "{sku}");
            assert_eq!(found[0].product_id.0, l.product_id, "{sku}");
            assert_eq!(Some(found[0].id.0), l.variant_id, "{sku}");
        }
    }
    assert!(custom >= 1, "the deleted product's line was not custom");
    assert!(
        demo.bc.order_ids().len() == accepted.len(),
        "one order per accepted Mirakl order"
    );
    demo.stop().await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
