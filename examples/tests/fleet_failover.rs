#![cfg(feature = "demo")]
//! Workers with leases (issue 16): three real `sync worker` processes share four stores (two
//! Mirakl marketplaces each) through the store leases of one PostgreSQL database. One worker
//! is killed with SIGKILL while orders arrive: its stores are taken over within a bounded
//! time, and every order is created in BigCommerce exactly once (0 lost, 0 duplicated). The
//! others stop on SIGTERM and give their stores back. Uses the throwaway cluster of
//! `sync-state-postgres`'s tests: skipped (with a message) when PostgreSQL is not installed,
//! unless `SYNC_REQUIRE_POSTGRES=1`.

#[path = "../../state-postgres/tests/cluster/mod.rs"]
mod cluster;
#[path = "fleet_support/mod.rs"]
mod fleet_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use examples::procs::SyncProcess;
use fleet_support::{Store, accepted, created, fleet_header, place, temp_dir, wait_for};
use sync_state_postgres::PostgresStore;

const STALE_SECS: u64 = 4;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_sync"))
}

fn spawn(config: &Path, id: &str) -> SyncProcess {
    let config = config.to_str().unwrap();
    SyncProcess::spawn(
        bin(),
        Path::new(config),
        &["worker", "--config", config, "--worker-id", id],
        &[("RUST_LOG", "info,bc_mirakl_api_core=warn")],
    )
    .unwrap()
}

/// Store → worker, for every registered store.
async fn holders(db: &PostgresStore) -> BTreeMap<String, Option<String>> {
    db.workers("observer")
        .unwrap()
        .holders()
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_stores_are_taken_over_without_losing_an_order() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let mut stores = Vec::new();
    for n in 0..4 {
        stores.push(Store::start(&format!("s{n}"), 60 + n, 2, 20, 2).await);
    }
    let dir = temp_dir("failover");
    let mut text = fleet_header(&format!("url = {url:?}"), STALE_SECS);
    for s in &stores {
        text.push_str(&s.toml(&[]));
    }
    let config = dir.join("fleet.toml");
    std::fs::write(&config, text).unwrap();
    let db = PostgresStore::connect(&url, "observer").await.unwrap();

    let mut workers: Vec<(String, SyncProcess)> = (0..3)
        .map(|n| {
            let id = format!("w{n}");
            let p = spawn(&config, &id);
            (id, p)
        })
        .collect();
    let timeout = Duration::from_secs(120);
    let deadline = Instant::now() + timeout;
    loop {
        let h = holders(&db).await;
        if h.len() == 4 && h.values().all(Option::is_some) {
            break;
        }
        for (id, w) in &mut workers {
            assert!(w.running(), "worker {id} exited: {}", w.stderr());
        }
        assert!(Instant::now() < deadline, "stores never all held: {h:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for("every store's stock on its marketplaces", timeout, || {
        stores.iter().all(|s| s.offers_are(|_| 20))
    })
    .await;

    // round 1: one order on every marketplace, served by the three workers
    let mut placed: Vec<(usize, usize, String)> = Vec::new();
    for (i, s) in stores.iter().enumerate() {
        for n in 0..2 {
            let (sku, price) = s.skus()[n].clone();
            placed.push((i, n, place(&s.shops[n], &sku, price, 1)));
        }
    }
    wait_for("round 1 created", timeout, || {
        placed
            .iter()
            .all(|(i, n, id)| created(&stores[*i], *n, id) == 1)
    })
    .await;

    // kill the worker holding the most stores, then round 2 arrives at once
    let h = holders(&db).await;
    let victim = (0..workers.len())
        .max_by_key(|w| {
            h.values()
                .filter(|v| v.as_deref() == Some(workers[*w].0.as_str()))
                .count()
        })
        .unwrap();
    let (victim_id, mut victim_proc) = workers.remove(victim);
    let orphaned: Vec<String> = h
        .iter()
        .filter(|(_, v)| v.as_deref() == Some(victim_id.as_str()))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(!orphaned.is_empty(), "{h:?}");
    victim_proc.kill9();
    let killed_at = Instant::now();
    for (i, s) in stores.iter().enumerate() {
        for n in 0..2 {
            let (sku, price) = s.skus()[1 - n].clone();
            placed.push((i, n, place(&s.shops[n], &sku, price, 2)));
        }
    }
    let deadline = Instant::now() + timeout;
    let taken_over = loop {
        let h = holders(&db).await;
        let live = |w: &Option<String>| {
            w.as_deref()
                .is_some_and(|w| workers.iter().any(|(id, _)| id == w))
        };
        if h.values().all(live) {
            break killed_at.elapsed();
        }
        assert!(Instant::now() < deadline, "not taken over: {h:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // bounded: the staleness bound plus two lease rounds (1 s each) and some slack
    assert!(
        taken_over < Duration::from_secs(STALE_SECS + 8),
        "taken over after {taken_over:?}"
    );
    wait_for("round 2 created", timeout, || {
        placed
            .iter()
            .all(|(i, n, id)| created(&stores[*i], *n, id) == 1)
    })
    .await;
    // 0 lost, 0 duplicated: every order accepted and in its store once, nothing else there
    for (i, n, id) in &placed {
        assert!(
            accepted(&stores[*i].shops[*n], id),
            "store {i} shop {n}: {id}"
        );
        assert_eq!(created(&stores[*i], *n, id), 1, "store {i} shop {n}: {id}");
    }
    for (i, s) in stores.iter().enumerate() {
        assert_eq!(
            s.bc.order_ids().len(),
            4,
            "store {i}: {:?}",
            s.bc.order_ids()
        );
        assert!(s.bc.contract_violations().is_empty());
        for m in &s.shops {
            assert!(m.contract_violations().is_empty());
        }
    }
    eprintln!(
        "stores of {victim_id} ({orphaned:?}) taken over {:.1} s after SIGKILL",
        taken_over.as_secs_f64()
    );

    // SIGTERM: the others stop after their current step and give their stores back
    for (_, w) in &workers {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &w.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while workers.iter_mut().any(|(_, w)| w.running()) {
        assert!(Instant::now() < deadline, "workers did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (id, w) in &workers {
        assert!(
            w.stderr().contains("worker stopped"),
            "{id}: {}",
            w.stderr()
        );
    }
    let h = holders(&db).await;
    assert!(
        h.values().all(Option::is_none),
        "stores kept after SIGTERM: {h:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
