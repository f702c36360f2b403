#![cfg(feature = "demo")]
//! Many connections in one process (issue 16): one worker serves two BigCommerce stores, each
//! with its own Mirakl shop, its own state file, lease and pacer; each store's stock reaches
//! its own shop only, and each shop's orders are created once in its own store.

#[path = "fleet_support/mod.rs"]
mod fleet_support;

use std::sync::Arc;
use std::time::Duration;

use fleet_support::{Store, accepted, created, fleet_header, place, temp_dir, wait_for};
use sync_connector::fleet::{self, FleetConfig, SoleWorker, SqliteFiles};
use sync_connector::state::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_serves_two_stores() {
    // different stock per store: a cross-wired connection would show the other's quantity
    let a = Store::start("store-a", 31, 4, 7, 1).await;
    let b = Store::start("store-b", 32, 4, 11, 1).await;
    let dir = temp_dir("two-stores");
    let text = format!(
        "{}{}{}",
        fleet_header("path = \"fleet.sqlite\"", 5),
        a.toml(&[]),
        b.toml(&[])
    );
    let cfg = FleetConfig::from_toml(&text, &dir, &|_: &str| None).unwrap();
    assert_eq!(cfg.connection_ids(), ["store-a", "store-b"]);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let cfg = cfg.clone();
        async move {
            fleet::run_worker(
                &cfg,
                Arc::new(SoleWorker::new(&cfg)),
                Arc::new(SqliteFiles::new(&cfg.state_path)),
                cfg.worker,
                stop,
            )
            .await
        }
    });

    let timeout = Duration::from_secs(60);
    wait_for("store A's stock on its shop", timeout, || {
        a.offers_are(|_| 7)
    })
    .await;
    wait_for("store B's stock on its shop", timeout, || {
        b.offers_are(|_| 11)
    })
    .await;

    // one order on each marketplace: the sandboxes number orders alike (SBX000001-A twice)
    let (sku_a, price_a) = a.skus()[0].clone();
    let (sku_b, price_b) = b.skus()[1].clone();
    let order_a = place(&a.shops[0], &sku_a, price_a, 2);
    let order_b = place(&b.shops[0], &sku_b, price_b, 3);
    wait_for("both orders created", timeout, || {
        created(&a, 0, &order_a) == 1 && created(&b, 0, &order_b) == 1
    })
    .await;
    assert!(accepted(&a.shops[0], &order_a) && accepted(&b.shops[0], &order_b));
    // each order went to its own store only
    assert_eq!(a.bc.order_ids().len(), 1, "{:?}", a.bc.order_ids());
    assert_eq!(b.bc.order_ids().len(), 1, "{:?}", b.bc.order_ids());
    assert_eq!(a.bc.stock(&sku_a), Some(5));
    assert_eq!(b.bc.stock(&sku_b), Some(8));
    wait_for("the sold units off each shop", timeout, || {
        a.shops[0].offer(&sku_a).is_some_and(|o| o.quantity == 5)
            && b.shops[0].offer(&sku_b).is_some_and(|o| o.quantity == 8)
    })
    .await;

    let _ = stop_tx.send(true);
    let report = worker.await.unwrap();
    assert_eq!(report.started, 2, "{report:?}");
    assert_eq!(report.peak, 2, "{report:?}");
    assert_eq!(report.failed_starts, 0, "{report:?}");
    // one state file per shop, each holding its own order, its lease given back
    for (store, order) in [(&a, &order_a), (&b, &order_b)] {
        let path = SqliteFiles::new(&cfg.state_path).path(&format!("{}/m0", store.id));
        let state = SqliteStore::open(&path).unwrap();
        let orders = state.orders().unwrap();
        assert_eq!(orders.len(), 1, "{}: {orders:?}", path.display());
        assert_eq!(&orders[0].mirakl_order_id, order);
        assert!(state.lease_holder().unwrap().is_none());
    }
    for s in [&a, &b] {
        assert!(s.bc.contract_violations().is_empty());
        assert!(s.shops[0].contract_violations().is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
