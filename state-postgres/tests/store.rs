//! `PostgresStore` against a real, throwaway PostgreSQL cluster (see `cluster/mod.rs`): the
//! shared state-store suite, connection isolation, migrations, and the lease raced by two
//! stores standing for two processes.

mod cluster;

use std::sync::Arc;
use std::time::Duration;

use sync_connector::state::{LeaseHolder, StateError, StateStore, conformance};
use sync_core::lifecycle::OrderRecord;
use sync_state_postgres::{PostgresStore, SCHEMA_VERSION};
use time::macros::datetime;

fn holder(host: &str, pid: u32) -> LeaseHolder {
    LeaseHolder {
        host: host.into(),
        pid,
        since: datetime!(2026-03-01 10:00:00.123 UTC),
    }
}

#[tokio::test]
async fn passes_the_shared_state_store_suite() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let base = PostgresStore::connect(&url, "c0").await.unwrap();
    // every check gets a fresh, empty store: a new connection id on the same database (which
    // also proves the checks never see another connection's rows)
    let mut n = 0;
    conformance::run_all(|| {
        n += 1;
        let store = base.for_connection(&format!("c{n}")).unwrap();
        async move { store }
    })
    .await;
    assert_eq!(n, 10, "every check ran");
}

#[tokio::test]
async fn the_suite_also_passes_on_separately_migrated_stores() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let mut n = 0;
    let url = &url;
    conformance::run_all(|| {
        n += 1;
        let id = format!("conn-{n}");
        async move { PostgresStore::connect(url, &id).await.unwrap() }
    })
    .await;
}

#[tokio::test]
async fn connections_on_one_database_are_isolated() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let a = PostgresStore::connect(&url, "store-a").await.unwrap();
    let b = a.for_connection("store-b").unwrap();
    let rec = OrderRecord {
        bigcommerce_order_id: Some(100),
        ..OrderRecord::default()
    };
    a.save_order("M-1", &rec, None).await.unwrap();
    // the same BigCommerce id in another store is another order: no conflict
    b.save_order("M-9", &rec, None).await.unwrap();
    assert_eq!(a.orders().await.unwrap().len(), 1);
    assert_eq!(
        b.order_by_bigcommerce_id(100)
            .await
            .unwrap()
            .unwrap()
            .mirakl_order_id,
        "M-9"
    );
    a.set_cursor("orders", "x").await.unwrap();
    assert!(b.cursor("orders").await.unwrap().is_none());
    let call = a.begin_call("or21", "M-1", "{}").await.unwrap();
    assert!(b.in_flight_calls().await.unwrap().is_empty());
    assert!(
        !b.finish_call(call).await.unwrap(),
        "a call id of another connection is not finished"
    );
    assert_eq!(a.in_flight_calls().await.unwrap().len(), 1);
    // one lease per connection
    a.acquire_lease(&holder("h1", 1), Duration::from_secs(60))
        .await
        .unwrap();
    b.acquire_lease(&holder("h2", 2), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(a.lease_holder().await.unwrap(), Some(holder("h1", 1)));
    assert_eq!(b.lease_holder().await.unwrap(), Some(holder("h2", 2)));
}

#[tokio::test]
async fn migrations_are_versioned_and_refuse_a_newer_schema() {
    let Some(url) = cluster::database().await else {
        return;
    };
    // workers starting together on a fresh database all succeed, and each version is applied
    // once
    let starts = (0..4).map(|i| {
        let url = url.clone();
        tokio::spawn(async move { PostgresStore::connect(&url, &format!("w{i}")).await })
    });
    for s in starts {
        s.await.unwrap().unwrap();
    }
    let store = PostgresStore::connect(&url, "w0").await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let applied: i64 = client
        .query_one("SELECT COUNT(*) FROM schema_version", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, SCHEMA_VERSION, "one row per version, none twice");
    client
        .execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(SCHEMA_VERSION + 1)],
        )
        .await
        .unwrap();
    match PostgresStore::connect(&url, "w0").await {
        Err(StateError::NewerSchema { found, known }) => {
            assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("a newer schema must be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn two_processes_race_for_the_lease_and_a_stale_one_is_taken_over() {
    let Some(url) = cluster::database().await else {
        return;
    };
    // two stores with their own pools: what two worker processes see
    let p1 = Arc::new(PostgresStore::connect(&url, "shop").await.unwrap());
    let p2 = Arc::new(PostgresStore::connect(&url, "shop").await.unwrap());
    let hour = Duration::from_secs(3600);
    for round in 0..20u32 {
        let (h1, h2) = (holder("w1", round), holder("w2", round));
        let (r1, r2) = tokio::join!(
            {
                let (p, h) = (p1.clone(), h1.clone());
                tokio::spawn(async move { p.acquire_lease(&h, hour).await })
            },
            {
                let (p, h) = (p2.clone(), h2.clone());
                tokio::spawn(async move { p.acquire_lease(&h, hour).await })
            },
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        let winner = match (&r1, &r2) {
            (Ok(()), Err(StateError::LeaseHeld { holder })) => {
                assert_eq!(holder, &h1, "the refusal names the holder");
                &h1
            }
            (Err(StateError::LeaseHeld { holder }), Ok(())) => {
                assert_eq!(holder, &h2, "the refusal names the holder");
                &h2
            }
            other => panic!("round {round}: exactly one must win, got {other:?}"),
        };
        assert_eq!(p1.lease_holder().await.unwrap().as_ref(), Some(winner));
        assert_eq!(p2.lease_holder().await.unwrap().as_ref(), Some(winner));
        p1.release_lease(winner).await.unwrap();
        assert!(p2.lease_holder().await.unwrap().is_none());
    }
    // worker 1 holds it and stops renewing; worker 2 is refused until the bound passes
    let (h1, h2) = (holder("w1", 100), holder("w2", 200));
    let bound = Duration::from_millis(300);
    p1.acquire_lease(&h1, bound).await.unwrap();
    p1.renew_lease(&h1).await.unwrap();
    assert!(matches!(
        p2.acquire_lease(&h2, bound).await,
        Err(StateError::LeaseHeld { .. })
    ));
    tokio::time::sleep(bound + Duration::from_millis(100)).await;
    p2.acquire_lease(&h2, bound)
        .await
        .expect("a lease not renewed for the bound is taken over");
    assert_eq!(p1.lease_holder().await.unwrap(), Some(h2.clone()));
    assert!(
        matches!(p1.renew_lease(&h1).await, Err(StateError::LeaseLost)),
        "the old holder learns it lost the lease"
    );
    p2.renew_lease(&h2).await.unwrap();
}

#[tokio::test]
async fn concurrent_writers_never_map_one_bigcommerce_order_twice() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let p1 = Arc::new(PostgresStore::connect(&url, "shop").await.unwrap());
    let p2 = Arc::new(PostgresStore::connect(&url, "shop").await.unwrap());
    for bc in 1..=20u64 {
        let rec = OrderRecord {
            bigcommerce_order_id: Some(bc),
            ..OrderRecord::default()
        };
        let (a, b) = tokio::join!(
            {
                let (p, r) = (p1.clone(), rec.clone());
                tokio::spawn(async move { p.save_order(&format!("A-{bc}"), &r, None).await })
            },
            {
                let (p, r) = (p2.clone(), rec.clone());
                tokio::spawn(async move { p.save_order(&format!("B-{bc}"), &r, None).await })
            },
        );
        let oks = [a.unwrap(), b.unwrap()]
            .into_iter()
            .filter(|r| match r {
                Ok(()) => true,
                Err(StateError::Conflict {
                    bigcommerce_order_id,
                    ..
                }) => {
                    assert_eq!(*bigcommerce_order_id, bc);
                    false
                }
                Err(e) => panic!("unexpected error {e}"),
            })
            .count();
        assert_eq!(oks, 1, "BigCommerce order {bc} is mapped exactly once");
    }
    assert_eq!(p1.orders().await.unwrap().len(), 20);
}

#[tokio::test]
async fn an_unreachable_database_is_an_error() {
    if cluster::cluster().is_none() {
        return;
    }
    // a port nothing listens on
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/x?connect_timeout=5");
    let err = PostgresStore::connect(&url, "c").await.unwrap_err();
    assert!(matches!(err, StateError::Backend(_)), "{err:?}");
}
