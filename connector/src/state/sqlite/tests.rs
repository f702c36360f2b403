use super::*;
use crate::state::conformance;

pub(crate) struct TempDir(std::path::PathBuf);
impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "sync-connector-state-{tag}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub(crate) fn file(&self) -> std::path::PathBuf {
        self.0.join("state.sqlite")
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn in_memory_store_passes_the_conformance_suite() {
    conformance::run_all(|| async { SqliteStore::open_in_memory().unwrap() }).await;
}

#[tokio::test]
async fn file_store_passes_the_conformance_suite() {
    let dir = TempDir::new("conformance");
    let mut n = 0;
    conformance::run_all(|| {
        n += 1;
        let path = dir.0.join(format!("state-{n}.sqlite"));
        async move { SqliteStore::open(path).unwrap() }
    })
    .await;
}

#[test]
fn file_store_uses_wal_and_survives_reopen() {
    let dir = TempDir::new("reopen");
    let offer = |sku: &str| SentOffer {
        sku: sku.into(),
        hash: "1".into(),
        payload: "{}".into(),
    };
    {
        let s = SqliteStore::open(dir.file()).unwrap();
        assert_eq!(s.journal_mode().unwrap(), "wal");
        s.record_sent_offers(&[offer("A"), offer("B")]).unwrap();
        let creating = OrderRecord {
            acceptance_sent: true,
            create_started: true,
            ..OrderRecord::default()
        };
        s.save_order("M-1", &creating, None).unwrap();
        s.set_cursor("bc.date_modified", "2026-01-01T00:00:00Z")
            .unwrap();
        let id = s.begin_call("bc_create_order", "M-1", "{}").unwrap();
        s.count_attempt(id).unwrap();
        // dropped without any explicit close: like a crash after the last commit
    }
    let s = SqliteStore::open(dir.file()).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.sent_offers().unwrap(), vec![offer("A"), offer("B")]);
    let o = s.order("M-1").unwrap().unwrap();
    assert!(o.record.create_started);
    assert_eq!(o.bigcommerce_order_id(), None);
    assert_eq!(
        s.cursor("bc.date_modified").unwrap().as_deref(),
        Some("2026-01-01T00:00:00Z")
    );
    let p = s.in_flight_calls().unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].kind.as_str(), p[0].key.as_str(), p[0].attempts),
        ("bc_create_order", "M-1", 1)
    );
}

#[test]
fn a_second_handle_on_the_file_is_refused_the_lease() {
    let dir = TempDir::new("lease");
    let a = SqliteStore::open(dir.file()).unwrap();
    let b = SqliteStore::open(dir.file()).unwrap();
    let first = LeaseHolder::this_process();
    let second = LeaseHolder {
        pid: first.pid.wrapping_add(1),
        ..first.clone()
    };
    a.acquire_lease(&first, Duration::from_secs(60)).unwrap();
    match b.acquire_lease(&second, Duration::from_secs(60)) {
        Err(StateError::LeaseHeld { holder }) => assert_eq!(holder, first),
        other => panic!("expected LeaseHeld, got {other:?}"),
    }
}

/// A file written by the first released connector (schema 1, unversioned: an `outbox` table
/// and a summary `state` per order) opens with its data intact under the current schema.
#[test]
fn a_schema_1_file_is_migrated_forward() {
    let dir = TempDir::new("migrate");
    {
        let c = Connection::open(dir.file()).unwrap();
        c.execute_batch(SCHEMA_V1).unwrap();
        c.execute_batch(
            "INSERT INTO sent_offers VALUES ('SKU-1', 'h1', '{}', 1);
             INSERT INTO orders VALUES ('M-1', 'created', 5, NULL, 'n1',
                 '{\"acceptance_sent\":true,\"create_started\":true,\"bigcommerce_order_id\":5}', 1);
             INSERT INTO orders VALUES ('M-2', 'shipped', 6, NULL, NULL, NULL, 1);
             INSERT INTO orders VALUES ('M-3', 'seen', NULL, NULL, NULL, NULL, 1);
             INSERT INTO shipments_sent VALUES (60, 'M-2', 1);
             INSERT INTO cursors VALUES ('mirakl.orders.updated', '2026-01-01T00:00:00Z');
             INSERT INTO outbox (kind, key, payload, attempts, created_at, done_at)
                 VALUES ('or24', 'M-9', '{}', 0, 1, 2);
             INSERT INTO outbox (kind, key, payload, attempts, created_at)
                 VALUES ('bc_create_order', 'M-4', '{}', 1, 3);
             INSERT INTO product_rows VALUES ('SKU-1', '00ff', 7, 70, 1);",
        )
        .unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 0, "the first schema carried no version");
    }
    let s = SqliteStore::open(dir.file()).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let open = s.in_flight_calls().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (open[0].kind.as_str(), open[0].key.as_str()),
        ("bc_create_order", "M-4")
    );
    assert_eq!(open[0].attempts, 1);
    // the stored record is kept as is
    let m1 = s.order("M-1").unwrap().unwrap();
    assert_eq!(m1.bigcommerce_order_id(), Some(5));
    assert!(m1.record.create_started && m1.record.acceptance_sent);
    assert_eq!(m1.note.as_deref(), Some("n1"));
    // a row with only a summary state gets the record it stands for
    let m2 = s.order("M-2").unwrap().unwrap();
    assert_eq!(m2.bigcommerce_order_id(), Some(6));
    assert!(m2.record.ship_confirmed && m2.record.create_started);
    assert!(m2.record.tracking_sent.contains(&60));
    assert_eq!(
        s.order("M-3").unwrap().unwrap().record,
        OrderRecord::default()
    );
    assert_eq!(
        s.order_by_bigcommerce_id(6)
            .unwrap()
            .unwrap()
            .mirakl_order_id,
        "M-2"
    );
    assert_eq!(s.sent_offer("SKU-1").unwrap().unwrap().hash, "h1");
    assert_eq!(s.product_rows().unwrap()[0].variant_id, Some(70));
    assert_eq!(
        s.cursor("mirakl.orders.updated").unwrap().as_deref(),
        Some("2026-01-01T00:00:00Z")
    );
    // the BigCommerce id is still unique after the table was rebuilt
    let taken = OrderRecord {
        bigcommerce_order_id: Some(5),
        ..OrderRecord::default()
    };
    assert!(matches!(
        s.save_order("M-3", &taken, None),
        Err(StateError::Conflict { .. })
    ));
    // a new call with the key of a call in flight is still recorded once
    assert_eq!(
        s.begin_call("bc_create_order", "M-4", "{}").unwrap(),
        open[0].id
    );
    drop(s);
    // opening again is a no-op
    let s = SqliteStore::open(dir.file()).unwrap();
    assert_eq!(s.orders().unwrap().len(), 3);
}

#[test]
fn a_file_from_a_newer_connector_is_refused() {
    let dir = TempDir::new("newer");
    {
        let c = Connection::open(dir.file()).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    assert!(matches!(
        SqliteStore::open(dir.file()),
        Err(StateError::NewerSchema { .. })
    ));
}

/// Many writers "crash" (their handle is dropped mid-sequence) while a fresh handle on the
/// same file replays: the final state has each order exactly once and no call is left in
/// flight.
#[test]
fn crash_replay_loses_and_duplicates_nothing() {
    let dir = TempDir::new("crash");
    let orders: Vec<String> = (0..40).map(|i| format!("M-{i:03}")).collect();
    let mut next_bc = 1000u64;
    let created = |s: &SqliteStore, id: &str, bc: u64| {
        let mut r = s.order(id).unwrap().map(|e| e.record).unwrap_or_default();
        r.bigcommerce_order_id = Some(bc);
        s.save_order(id, &r, None).unwrap();
    };
    let has_bc = |s: &SqliteStore, id: &str| {
        s.order(id)
            .unwrap()
            .is_some_and(|e| e.bigcommerce_order_id().is_some())
    };
    for round in 0..25 {
        let s = SqliteStore::open(dir.file()).unwrap();
        // replay whatever an earlier "process" left in flight
        for e in s.in_flight_calls().unwrap() {
            if !has_bc(&s, &e.key) {
                next_bc += 1;
                created(&s, &e.key, next_bc);
            }
            s.finish_call(e.id).unwrap();
        }
        // process a few more orders, "crashing" after a random number of steps
        let stop_after = fastrand::usize(0..8);
        for (step, id) in orders.iter().skip(round).take(8).enumerate() {
            if has_bc(&s, id) {
                continue;
            }
            let started = OrderRecord {
                create_started: true,
                ..OrderRecord::default()
            };
            s.save_order(id, &started, None).unwrap();
            let e = s.begin_call("bc_create_order", id, "{}").unwrap();
            if step == stop_after {
                break; // crash between recording the call and finishing it
            }
            next_bc += 1;
            created(&s, id, next_bc);
            s.finish_call(e).unwrap();
        }
    }
    let s = SqliteStore::open(dir.file()).unwrap();
    for e in s.in_flight_calls().unwrap() {
        next_bc += 1;
        if !has_bc(&s, &e.key) {
            created(&s, &e.key, next_bc);
        }
        s.finish_call(e.id).unwrap();
    }
    let all = s.orders().unwrap();
    assert_eq!(all.len(), 25 + 7);
    let mut bc_ids: Vec<u64> = all
        .iter()
        .map(|o| o.bigcommerce_order_id().expect("every order created"))
        .collect();
    bc_ids.sort_unstable();
    bc_ids.dedup();
    assert_eq!(
        bc_ids.len(),
        all.len(),
        "each order has its own BigCommerce id"
    );
    assert!(s.in_flight_calls().unwrap().is_empty());
}
