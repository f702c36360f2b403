//! The shared test suite every [`StateStore`] must pass (feature `conformance`).
//!
//! A store implementation calls [`run_all`] from its own tests with a factory that returns a
//! fresh, empty store for each check (the SQLite store runs it on an in-memory and on a file
//! database). Each check is also public, to run or debug one at a time. The checks panic with
//! a message naming the broken rule.
//!
//! ```no_run
//! # async fn t() {
//! use sync_connector::state::{SqliteStore, conformance};
//! conformance::run_all(|| async { SqliteStore::open_in_memory().unwrap() }).await;
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use sync_core::lifecycle::OrderRecord;
use time::OffsetDateTime;
use time::macros::datetime;

use super::{LeaseHolder, ProductRowRecord, SentOffer, StateError, StateStore};

/// Runs every check, each on a fresh store from `new_store`.
pub async fn run_all<F, Fut, S>(mut new_store: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
    S: StateStore,
{
    sent_offers_upsert_and_forget(&new_store().await).await;
    sent_offer_time_moves_only_with_new_content(&new_store().await).await;
    product_rows_upsert_and_remove(&new_store().await).await;
    order_records_round_trip(&new_store().await).await;
    bigcommerce_id_is_unique_and_immutable(&new_store().await).await;
    shipments_are_marked_once(&new_store().await).await;
    time_cursors_only_move_forward(&new_store().await).await;
    in_flight_calls_are_recorded_once_until_finished(&new_store().await).await;
    pruning_keeps_calls_in_flight(&new_store().await).await;
    lease_is_exclusive_until_released_or_stale(&new_store().await).await;
}

fn offer(sku: &str, hash: &str) -> SentOffer {
    SentOffer {
        sku: sku.into(),
        hash: hash.into(),
        payload: format!("{{\"shop_sku\":\"{sku}\",\"h\":\"{hash}\"}}"),
    }
}

/// Sent offers are upserted by SKU, listed sorted, and forgotten on request.
pub async fn sent_offers_upsert_and_forget(s: &dyn StateStore) {
    assert!(
        s.sent_offers().await.unwrap().is_empty(),
        "a new store is empty"
    );
    s.record_sent_offers(&[offer("B", "1"), offer("A", "0")])
        .await
        .unwrap();
    s.record_sent_offers(&[offer("B", "2"), offer("C", "3")])
        .await
        .unwrap();
    assert_eq!(s.sent_offer("B").await.unwrap(), Some(offer("B", "2")));
    assert_eq!(
        s.sent_offers().await.unwrap(),
        vec![offer("A", "0"), offer("B", "2"), offer("C", "3")],
        "sorted by SKU, last write wins"
    );
    s.forget_sent_offers(&["B".into(), "X".into()])
        .await
        .unwrap();
    assert!(s.sent_offer("B").await.unwrap().is_none());
    assert_eq!(s.sent_offers().await.unwrap().len(), 2);
}

/// The recorded time of a sent offer is kept while the same content is recorded again and
/// set anew when the content changes (`sync explain` says when it was last sent).
pub async fn sent_offer_time_moves_only_with_new_content(s: &dyn StateStore) {
    assert_eq!(s.sent_offer_recorded_at("A").await.unwrap(), None);
    let before = OffsetDateTime::now_utc() - Duration::from_secs(1);
    s.record_sent_offers(&[offer("A", "1")]).await.unwrap();
    let first = s
        .sent_offer_recorded_at("A")
        .await
        .unwrap()
        .expect("a recorded time");
    assert!(first >= before, "{first} is before the call");
    tokio::time::sleep(Duration::from_millis(20)).await;
    s.record_sent_offers(&[offer("A", "1")]).await.unwrap();
    assert_eq!(
        s.sent_offer_recorded_at("A").await.unwrap(),
        Some(first),
        "the same content recorded again keeps its time"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    s.record_sent_offers(&[offer("A", "2")]).await.unwrap();
    let second = s.sent_offer_recorded_at("A").await.unwrap().unwrap();
    assert!(second > first, "new content: {second} after {first}");
}

/// Product rows are upserted by SKU and removed SKUs forgotten, in one call.
pub async fn product_rows_upsert_and_remove(s: &dyn StateStore) {
    let row = |sku: &str, hash: &str, v: Option<u64>| ProductRowRecord {
        sku: sku.into(),
        hash: hash.into(),
        product_id: 7,
        variant_id: v,
    };
    s.record_product_rows(&[row("A", "01", Some(70)), row("B", "02", None)], &[])
        .await
        .unwrap();
    s.record_product_rows(&[row("A", "0a", Some(70))], &["B".into()])
        .await
        .unwrap();
    assert_eq!(
        s.product_rows().await.unwrap(),
        vec![row("A", "0a", Some(70))]
    );
}

/// The lifecycle record round-trips whole; a note is kept until replaced.
pub async fn order_records_round_trip(s: &dyn StateStore) {
    assert!(s.order("M-1").await.unwrap().is_none());
    let mut r = OrderRecord {
        acceptance_sent: true,
        create_started: true,
        ..OrderRecord::default()
    };
    s.save_order("M-1", &r, Some("first")).await.unwrap();
    r.bigcommerce_order_id = Some(7);
    r.tracking_sent.insert(70);
    r.ship_confirmed = true;
    r.mirakl_refunds_handled.insert("R-1".into());
    r.bigcommerce_refunds_handled.insert(3);
    s.save_order("M-1", &r, None).await.unwrap();
    s.save_order("M-0", &OrderRecord::default(), None)
        .await
        .unwrap();
    let e = s.order("M-1").await.unwrap().unwrap();
    assert_eq!(e.record, r, "the whole record round-trips");
    assert_eq!(
        e.note.as_deref(),
        Some("first"),
        "a note is kept until replaced"
    );
    assert_eq!(e.bigcommerce_order_id(), Some(7));
    let ids: Vec<String> = s
        .orders()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.mirakl_order_id)
        .collect();
    assert_eq!(ids, ["M-0", "M-1"], "sorted by Mirakl order id");
    // a look-up that found nothing clears `create_started`: the record may move back
    let cleared = OrderRecord {
        acceptance_sent: true,
        ..OrderRecord::default()
    };
    s.save_order("M-0", &cleared, Some("not found"))
        .await
        .unwrap();
    assert_eq!(s.order("M-0").await.unwrap().unwrap().record, cleared);
}

/// A BigCommerce id belongs to one Mirakl order, and never changes once set.
pub async fn bigcommerce_id_is_unique_and_immutable(s: &dyn StateStore) {
    let with = |id: u64| OrderRecord {
        bigcommerce_order_id: Some(id),
        ..OrderRecord::default()
    };
    s.save_order("M-1", &with(100), None).await.unwrap();
    assert!(
        matches!(
            s.save_order("M-2", &with(100), None).await,
            Err(StateError::Conflict { .. })
        ),
        "another Mirakl order cannot take the same BigCommerce order"
    );
    assert!(
        matches!(
            s.save_order("M-1", &with(101), None).await,
            Err(StateError::Conflict { .. })
        ),
        "the same order cannot be re-mapped"
    );
    // a record without the id (e.g. written from a stale copy) keeps it
    let shipped = OrderRecord {
        ship_confirmed: true,
        ..OrderRecord::default()
    };
    s.save_order("M-1", &shipped, None).await.unwrap();
    let e = s.order_by_bigcommerce_id(100).await.unwrap().unwrap();
    assert_eq!(e.mirakl_order_id, "M-1");
    assert!(e.record.ship_confirmed);
    assert_eq!(e.bigcommerce_order_id(), Some(100));
    assert!(s.order_by_bigcommerce_id(101).await.unwrap().is_none());
    assert!(s.order("M-2").await.unwrap().is_none(), "nothing written");
}

/// A shipment is marked forwarded once.
pub async fn shipments_are_marked_once(s: &dyn StateStore) {
    assert!(!s.shipment_sent(9).await.unwrap());
    assert!(s.mark_shipment_sent(9, "M-1").await.unwrap());
    assert!(!s.mark_shipment_sent(9, "M-1").await.unwrap());
    assert!(s.shipment_sent(9).await.unwrap());
}

/// Cursors are set and read; time cursors never move backwards; a corrupt one is an error.
pub async fn time_cursors_only_move_forward(s: &dyn StateStore) {
    assert!(s.time_cursor("x").await.unwrap().is_none());
    s.advance_time_cursor("x", datetime!(2026-01-02 00:00 UTC))
        .await
        .unwrap();
    s.advance_time_cursor("x", datetime!(2026-01-01 00:00 UTC))
        .await
        .unwrap();
    assert_eq!(
        s.time_cursor("x").await.unwrap(),
        Some(datetime!(2026-01-02 00:00 UTC))
    );
    s.set_cursor("y", "a").await.unwrap();
    s.set_cursor("y", "b").await.unwrap();
    assert_eq!(s.cursor("y").await.unwrap().as_deref(), Some("b"));
    s.set_cursor("bad", "yesterday").await.unwrap();
    assert!(matches!(
        s.time_cursor("bad").await,
        Err(StateError::Invalid { .. })
    ));
}

/// A call is recorded once per `(kind, key)` while in flight; finishing is reported once;
/// a later call with the same key is a new entry.
pub async fn in_flight_calls_are_recorded_once_until_finished(s: &dyn StateStore) {
    let a = s
        .begin_call("or21", "M-1", "{\"accept\":true}")
        .await
        .unwrap();
    let b = s
        .begin_call("or21", "M-1", "{\"accept\":false}")
        .await
        .unwrap();
    assert_eq!(a, b);
    s.begin_call("or24", "M-1", "{}").await.unwrap();
    s.count_attempt(a).await.unwrap();
    s.count_attempt(a).await.unwrap();
    let open = s.in_flight_calls().await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(
        (open[0].kind.as_str(), open[0].key.as_str()),
        ("or21", "M-1"),
        "oldest first"
    );
    assert_eq!(
        open[0].payload, "{\"accept\":true}",
        "the first payload is kept"
    );
    assert_eq!(open[0].attempts, 2);
    assert!(s.finish_call(a).await.unwrap());
    assert!(!s.finish_call(a).await.unwrap());
    assert_eq!(s.in_flight_calls().await.unwrap().len(), 1);
    let c = s.begin_call("or21", "M-1", "{}").await.unwrap();
    assert_ne!(a, c);
    assert_eq!(s.in_flight_calls().await.unwrap().len(), 2);
}

/// Pruning drops only finished calls older than the cut-off, never one in flight.
pub async fn pruning_keeps_calls_in_flight(s: &dyn StateStore) {
    let done = s.begin_call("or24", "M-1", "{}").await.unwrap();
    s.begin_call("or24", "M-2", "{}").await.unwrap();
    s.finish_call(done).await.unwrap();
    assert_eq!(
        s.prune_finished_calls(Duration::from_secs(86_400))
            .await
            .unwrap(),
        0,
        "finished less than a day ago: kept"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(s.prune_finished_calls(Duration::ZERO).await.unwrap(), 1);
    let open = s.in_flight_calls().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].key, "M-2");
}

/// One holder at a time: a second one is refused with the holder's name until the lease is
/// released or goes stale; a holder that lost it cannot renew.
pub async fn lease_is_exclusive_until_released_or_stale(s: &dyn StateStore) {
    let hour = Duration::from_secs(3600);
    let a = LeaseHolder {
        host: "host-a".into(),
        pid: 11,
        since: datetime!(2026-03-01 10:00:00.123 UTC),
    };
    let b = LeaseHolder {
        host: "host-b".into(),
        pid: 22,
        since: datetime!(2026-03-01 11:00 UTC),
    };
    assert!(s.lease_holder().await.unwrap().is_none());
    s.acquire_lease(&a, hour).await.unwrap();
    s.acquire_lease(&a, hour)
        .await
        .expect("the holder may take it again");
    match s.acquire_lease(&b, hour).await {
        Err(StateError::LeaseHeld { holder }) => assert_eq!(holder, a, "names the holder"),
        other => panic!("a second holder must be refused, got {other:?}"),
    }
    s.renew_lease(&a).await.unwrap();
    assert!(matches!(
        s.renew_lease(&b).await,
        Err(StateError::LeaseLost)
    ));
    // releasing someone else's lease does nothing
    s.release_lease(&b).await.unwrap();
    assert_eq!(s.lease_holder().await.unwrap(), Some(a.clone()));
    s.release_lease(&a).await.unwrap();
    assert!(s.lease_holder().await.unwrap().is_none());
    s.acquire_lease(&b, hour).await.unwrap();
    // b stops renewing: after the staleness bound, a takes over and b has lost it
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(matches!(
        s.acquire_lease(&a, hour).await,
        Err(StateError::LeaseHeld { .. })
    ));
    s.acquire_lease(&a, Duration::from_millis(10))
        .await
        .expect("a stale lease is taken over");
    assert_eq!(s.lease_holder().await.unwrap(), Some(a.clone()));
    assert!(matches!(
        s.renew_lease(&b).await,
        Err(StateError::LeaseLost)
    ));
    s.renew_lease(&a).await.unwrap();
}
