//! Worker leases on a real, throwaway PostgreSQL cluster (see `cluster/mod.rs`): each store is
//! held by exactly one worker, concurrent claims never overlap (`FOR UPDATE SKIP LOCKED`), a
//! new worker gets its share without configuration, and a dead worker's stores are taken over.
//! Staleness is tested with a zero bound (no sleeping): a lease not renewed "now" is stale.

mod cluster;

use std::collections::BTreeSet;
use std::time::Duration;

use sync_state_postgres::PostgresStore;

const LIVE: Duration = Duration::from_secs(3600);

fn stores(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("store-{i:02}")).collect()
}

#[tokio::test]
async fn each_store_goes_to_one_worker_and_a_new_worker_gets_its_share() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let db = PostgresStore::connect(&url, "any").await.unwrap();
    let a = db.workers("worker-a").unwrap();
    let b = db.workers("worker-b").unwrap();
    let keys = stores(10);
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert_eq!(a.register(&refs).await.unwrap(), 10);
    assert_eq!(b.register(&refs).await.unwrap(), 0, "registered twice");

    // alone, a takes everything
    assert_eq!(a.balance(LIVE).await.unwrap(), keys);
    // b joins: its share is half, but nothing is free yet
    assert!(b.claim(5, LIVE).await.unwrap().is_empty());
    assert_eq!(b.fair_share(LIVE).await.unwrap(), 5);
    // a's next round gives back what is beyond its share; b claims it
    let a_holds = a.balance(LIVE).await.unwrap();
    let b_holds = b.balance(LIVE).await.unwrap();
    assert_eq!((a_holds.len(), b_holds.len()), (5, 5));
    let union: BTreeSet<&String> = a_holds.iter().chain(&b_holds).collect();
    assert_eq!(union.len(), 10, "a store is held twice or by no one");
    for (store, worker) in a.holders().await.unwrap() {
        let expected = if a_holds.contains(&store) {
            "worker-a"
        } else {
            "worker-b"
        };
        assert_eq!(worker.as_deref(), Some(expected), "{store}");
    }
}

#[tokio::test]
async fn concurrent_claims_never_take_the_same_store() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let db = PostgresStore::connect(&url, "any").await.unwrap();
    let keys = stores(40);
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    db.workers("registrar")
        .unwrap()
        .register(&refs)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let leases = db.workers(&format!("worker-{w}")).unwrap();
        tasks.push(tokio::spawn(async move {
            leases.claim(40, LIVE).await.unwrap()
        }));
    }
    let mut seen = BTreeSet::new();
    for t in tasks {
        for store in t.await.unwrap() {
            assert!(seen.insert(store.clone()), "{store} claimed twice");
        }
    }
    assert_eq!(seen.len(), 40, "every store claimed");
}

#[tokio::test]
async fn a_dead_workers_stores_are_taken_over_and_it_learns_it_lost_them() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let db = PostgresStore::connect(&url, "any").await.unwrap();
    let dead = db.workers("worker-dead").unwrap();
    let live = db.workers("worker-live").unwrap();
    let keys = stores(4);
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    dead.register(&refs).await.unwrap();
    assert_eq!(dead.claim(4, LIVE).await.unwrap(), keys);
    // still fresh under the live bound: nothing to take
    assert!(live.claim(4, LIVE).await.unwrap().is_empty());
    // the dead worker stops renewing; past the bound (zero here) its stores are taken over
    assert_eq!(live.claim(4, Duration::ZERO).await.unwrap(), keys);
    assert!(
        dead.renew().await.unwrap().is_empty(),
        "the lost stores still renew"
    );
    // a released store is free for the next claim
    live.release(&keys[..1]).await.unwrap();
    assert_eq!(dead.claim(1, LIVE).await.unwrap(), keys[..1].to_vec());
}
