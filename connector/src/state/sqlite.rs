//! [`SqliteStore`]: the embedded default store, one SQLite file per connection.
//!
//! The database runs in WAL mode with `synchronous=FULL`, and every multi-row change is one
//! transaction, so a reader never sees half an update and a crash loses nothing committed.
//! The schema carries its version in `PRAGMA user_version`; opening a file runs the forward
//! migrations it lacks (version 1 is the first released, unversioned schema).

use std::fmt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sync_core::lifecycle::OrderRecord;
use time::OffsetDateTime;

use super::{
    InFlightCall, LeaseHolder, OrderEntry, ProductRowRecord, Result, SentOffer, StateError,
    StateStore, truncate_ms,
};

/// The SQLite-backed state store. Cheap to share behind an `Arc`; every method is a short
/// synchronous transaction. The inherent methods are the same operations as the
/// [`StateStore`] trait, callable without a runtime (tools, tests).
///
/// ```
/// use sync_connector::state::SqliteStore;
/// use sync_core::lifecycle::OrderRecord;
/// let store = SqliteStore::open_in_memory()?;
/// let record = OrderRecord { acceptance_sent: true, ..OrderRecord::default() };
/// store.save_order("ABC-1-A", &record, None)?;
/// assert!(store.order("ABC-1-A")?.unwrap().record.acceptance_sent);
/// # Ok::<(), sync_connector::state::StateError>(())
/// ```
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

/// The first released schema (unversioned files carry `user_version` 0).
const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS sent_offers (
    sku      TEXT PRIMARY KEY NOT NULL,
    hash     TEXT NOT NULL,
    payload  TEXT NOT NULL,
    sent_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    mirakl_order_id      TEXT PRIMARY KEY NOT NULL,
    state                TEXT NOT NULL,
    bigcommerce_order_id INTEGER UNIQUE,
    mirakl_updated       TEXT,
    note                 TEXT,
    record               TEXT,
    changed_at           INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shipments_sent (
    bigcommerce_shipment_id INTEGER PRIMARY KEY NOT NULL,
    mirakl_order_id         TEXT NOT NULL,
    sent_at                 INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (
    name   TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    payload   TEXT NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    done_at   INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_pending_key ON outbox(kind, key) WHERE done_at IS NULL;
CREATE TABLE IF NOT EXISTS product_rows (
    sku         TEXT PRIMARY KEY NOT NULL,
    hash        TEXT NOT NULL,
    product_id  INTEGER NOT NULL,
    variant_id  INTEGER,
    sent_at     INTEGER NOT NULL
);
";

/// Version 2: the outbox is named for what it holds (`in_flight_calls`); the order map keeps
/// only the lifecycle record (no derived summary state); the instance lease.
const MIGRATE_V1_TO_V2: &str = "
ALTER TABLE outbox RENAME TO in_flight_calls;
DROP INDEX IF EXISTS outbox_pending_key;
CREATE UNIQUE INDEX in_flight_calls_open_key ON in_flight_calls(kind, key) WHERE done_at IS NULL;
CREATE TABLE orders_v2 (
    mirakl_order_id      TEXT PRIMARY KEY NOT NULL,
    bigcommerce_order_id INTEGER UNIQUE,
    record               TEXT NOT NULL,
    note                 TEXT,
    changed_at           INTEGER NOT NULL
);
CREATE TABLE lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    since_ms    INTEGER NOT NULL,
    renewed_ms  INTEGER NOT NULL
);
";

/// The latest schema version.
pub(crate) const SCHEMA_VERSION: i64 = 2;

fn now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The record an order row of schema 1 without a stored record stands for (rows written by
/// the connector always carry one; this covers rows only claimed).
fn record_from_v1_state(state: &str, bc: Option<u64>, tracking: Vec<u64>) -> OrderRecord {
    let past_acceptance = !matches!(state, "seen");
    let create_started = matches!(state, "creating" | "created" | "tracking_sent" | "shipped");
    OrderRecord {
        acceptance_sent: past_acceptance,
        create_started,
        bigcommerce_order_id: bc,
        tracking_sent: tracking.into_iter().collect(),
        ship_confirmed: state == "shipped",
        ..OrderRecord::default()
    }
}

fn migrate_v1_to_v2(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    tx.execute_batch(MIGRATE_V1_TO_V2)?;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        i64,
    )> = {
        let mut stmt = tx.prepare(
            "SELECT mirakl_order_id, state, bigcommerce_order_id, note, record, changed_at
             FROM orders",
        )?;
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    for (id, state, bc, note, record, changed_at) in rows {
        let record = match record {
            Some(json) => json,
            None => {
                let tracking: Vec<u64> = {
                    let mut stmt = tx.prepare(
                        "SELECT bigcommerce_shipment_id FROM shipments_sent
                         WHERE mirakl_order_id = ?1 ORDER BY 1",
                    )?;
                    stmt.query_map([&id], |r| r.get::<_, i64>(0))?
                        .filter_map(|v| v.ok().and_then(|v| u64::try_from(v).ok()))
                        .collect()
                };
                let bc_id = bc.and_then(|v| u64::try_from(v).ok());
                serde_json::to_string(&record_from_v1_state(&state, bc_id, tracking)).map_err(
                    |_| StateError::Invalid {
                        column: "orders.state",
                        value: state.clone(),
                    },
                )?
            }
        };
        tx.execute(
            "INSERT INTO orders_v2 (mirakl_order_id, bigcommerce_order_id, record, note, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, bc, record, note, changed_at],
        )?;
    }
    tx.execute_batch("DROP TABLE orders; ALTER TABLE orders_v2 RENAME TO orders;")?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the state file at `path`, in WAL mode, migrating an older
    /// schema forward.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] when the file cannot be opened or migrated;
    /// [`StateError::NewerSchema`] for a file written by a newer connector.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::init(conn)
    }

    /// An in-memory store (tests, `--dry-run`).
    ///
    /// # Errors
    /// [`StateError::Sqlite`] when SQLite cannot create the schema.
    pub fn open_in_memory() -> Result<SqliteStore> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<SqliteStore> {
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Self::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// Brings the schema to [`SCHEMA_VERSION`], one version per transaction.
    fn migrate(conn: &mut Connection) -> Result<()> {
        loop {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
            let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            match version {
                0 => tx.execute_batch(SCHEMA_V1)?,
                1 => migrate_v1_to_v2(&tx)?,
                v if v == SCHEMA_VERSION => return Ok(()),
                found => {
                    return Err(StateError::NewerSchema {
                        found,
                        known: SCHEMA_VERSION,
                    });
                }
            }
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
        }
    }

    /// The schema version of the open file (`PRAGMA user_version`).
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .lock()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned mutex is safe to keep using.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The journal mode in effect (`"wal"` for a file store).
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .lock()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }

    // ---------------------------------------------------------------- offers

    /// See [`StateStore::sent_offer`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn sent_offer(&self, sku: &str) -> Result<Option<SentOffer>> {
        Ok(self
            .lock()
            .query_row(
                "SELECT sku, hash, payload FROM sent_offers WHERE sku = ?1",
                [sku],
                |r| {
                    Ok(SentOffer {
                        sku: r.get(0)?,
                        hash: r.get(1)?,
                        payload: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// See [`StateStore::sent_offer_recorded_at`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn sent_offer_recorded_at(&self, sku: &str) -> Result<Option<OffsetDateTime>> {
        Ok(self
            .lock()
            .query_row(
                "SELECT sent_at FROM sent_offers WHERE sku = ?1",
                [sku],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(from_ms))
    }

    /// See [`StateStore::sent_offers`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn sent_offers(&self) -> Result<Vec<SentOffer>> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT sku, hash, payload FROM sent_offers ORDER BY sku")?;
        let rows = stmt.query_map([], |r| {
            Ok(SentOffer {
                sku: r.get(0)?,
                hash: r.get(1)?,
                payload: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// See [`StateStore::record_sent_offers`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error; nothing is written then.
    pub fn record_sent_offers(&self, offers: &[SentOffer]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO sent_offers (sku, hash, payload, sent_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(sku) DO UPDATE SET hash = excluded.hash, payload = excluded.payload,
                 sent_at = CASE WHEN sent_offers.hash = excluded.hash THEN sent_offers.sent_at
                                ELSE excluded.sent_at END",
            )?;
            let now = now_ms();
            for o in offers {
                stmt.execute(params![o.sku, o.hash, o.payload, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// See [`StateStore::forget_sent_offers`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn forget_sent_offers(&self, skus: &[String]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for s in skus {
            tx.execute("DELETE FROM sent_offers WHERE sku = ?1", [s])?;
        }
        tx.commit()?;
        Ok(())
    }

    // ---------------------------------------------------------------- products (P41)

    /// See [`StateStore::product_rows`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn product_rows(&self) -> Result<Vec<ProductRowRecord>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT sku, hash, product_id, variant_id FROM product_rows ORDER BY sku")?;
        let rows = stmt.query_map([], |r| {
            Ok(ProductRowRecord {
                sku: r.get(0)?,
                hash: r.get(1)?,
                product_id: r.get::<_, i64>(2)?.max(0).unsigned_abs(),
                variant_id: r.get::<_, Option<i64>>(3)?.map(|v| v.max(0).unsigned_abs()),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// See [`StateStore::record_product_rows`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error; nothing is written then.
    pub fn record_product_rows(&self, rows: &[ProductRowRecord], removed: &[String]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO product_rows (sku, hash, product_id, variant_id, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(sku) DO UPDATE SET hash = excluded.hash,
                 product_id = excluded.product_id, variant_id = excluded.variant_id,
                 sent_at = excluded.sent_at",
            )?;
            let now = now_ms();
            for r in rows {
                let vid = r.variant_id.map(to_i64);
                stmt.execute(params![r.sku, r.hash, to_i64(r.product_id), vid, now])?;
            }
            for s in removed {
                tx.execute("DELETE FROM product_rows WHERE sku = ?1", [s])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    // ---------------------------------------------------------------- orders

    fn order_in(conn: &Connection, mirakl_order_id: &str) -> Result<Option<OrderEntry>> {
        let row = conn
            .query_row(
                "SELECT mirakl_order_id, record, note FROM orders WHERE mirakl_order_id = ?1",
                [mirakl_order_id],
                Self::raw_order,
            )
            .optional()?;
        row.map(Self::finish_order).transpose()
    }

    fn raw_order(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, Option<String>)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    }

    fn finish_order((id, json, note): (String, String, Option<String>)) -> Result<OrderEntry> {
        let record = serde_json::from_str(&json).map_err(|_| StateError::Invalid {
            column: "orders.record",
            value: json,
        })?;
        Ok(OrderEntry {
            mirakl_order_id: id,
            record,
            note,
        })
    }

    /// See [`StateStore::order`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] or [`StateError::Invalid`].
    pub fn order(&self, mirakl_order_id: &str) -> Result<Option<OrderEntry>> {
        let conn = self.lock();
        Self::order_in(&conn, mirakl_order_id)
    }

    /// See [`StateStore::orders`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] or [`StateError::Invalid`].
    pub fn orders(&self) -> Result<Vec<OrderEntry>> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT mirakl_order_id, record, note FROM orders ORDER BY mirakl_order_id")?;
        let rows = stmt.query_map([], Self::raw_order)?;
        rows.map(|r| Self::finish_order(r?)).collect()
    }

    /// See [`StateStore::order_by_bigcommerce_id`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] or [`StateError::Invalid`].
    pub fn order_by_bigcommerce_id(&self, bigcommerce_order_id: u64) -> Result<Option<OrderEntry>> {
        let conn = self.lock();
        let row = conn
            .query_row(
                "SELECT mirakl_order_id, record, note FROM orders WHERE bigcommerce_order_id = ?1",
                [to_i64(bigcommerce_order_id)],
                Self::raw_order,
            )
            .optional()?;
        row.map(Self::finish_order).transpose()
    }

    /// See [`StateStore::save_order`].
    ///
    /// # Errors
    /// [`StateError::Conflict`]; [`StateError::Sqlite`] on a database error.
    pub fn save_order(
        &self,
        mirakl_order_id: &str,
        record: &OrderRecord,
        note: Option<&str>,
    ) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut record = record.clone();
        let current = Self::order_in(&tx, mirakl_order_id)?;
        match (
            current.as_ref().and_then(|c| c.record.bigcommerce_order_id),
            record.bigcommerce_order_id,
        ) {
            (Some(old), Some(new)) if old != new => {
                return Err(StateError::Conflict {
                    order: mirakl_order_id.to_owned(),
                    bigcommerce_order_id: new,
                });
            }
            (Some(old), None) => record.bigcommerce_order_id = Some(old),
            _ => {}
        }
        if let Some(new) = record.bigcommerce_order_id {
            let owner: Option<String> = tx
                .query_row(
                    "SELECT mirakl_order_id FROM orders WHERE bigcommerce_order_id = ?1",
                    [to_i64(new)],
                    |r| r.get(0),
                )
                .optional()?;
            if owner.is_some_and(|o| o != mirakl_order_id) {
                return Err(StateError::Conflict {
                    order: mirakl_order_id.to_owned(),
                    bigcommerce_order_id: new,
                });
            }
        }
        let json = serde_json::to_string(&record).map_err(|e| StateError::Invalid {
            column: "orders.record",
            value: e.to_string(),
        })?;
        tx.execute(
            "INSERT INTO orders (mirakl_order_id, bigcommerce_order_id, record, note, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(mirakl_order_id) DO UPDATE SET
               bigcommerce_order_id = excluded.bigcommerce_order_id,
               record = excluded.record,
               note = COALESCE(excluded.note, orders.note),
               changed_at = excluded.changed_at",
            params![
                mirakl_order_id,
                record.bigcommerce_order_id.map(to_i64),
                json,
                note,
                now_ms()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    // ---------------------------------------------------------------- shipments

    /// See [`StateStore::shipment_sent`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn shipment_sent(&self, shipment_id: u64) -> Result<bool> {
        let n: i64 = self.lock().query_row(
            "SELECT COUNT(*) FROM shipments_sent WHERE bigcommerce_shipment_id = ?1",
            [to_i64(shipment_id)],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// See [`StateStore::mark_shipment_sent`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn mark_shipment_sent(&self, shipment_id: u64, mirakl_order_id: &str) -> Result<bool> {
        let n = self.lock().execute(
            "INSERT INTO shipments_sent (bigcommerce_shipment_id, mirakl_order_id, sent_at)
             VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![to_i64(shipment_id), mirakl_order_id, now_ms()],
        )?;
        Ok(n == 1)
    }

    // ---------------------------------------------------------------- cursors

    /// See [`StateStore::cursor`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn cursor(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .lock()
            .query_row("SELECT value FROM cursors WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// See [`StateStore::set_cursor`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn set_cursor(&self, name: &str, value: &str) -> Result<()> {
        self.lock().execute(
            "INSERT INTO cursors (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    // ---------------------------------------------------------------- in-flight calls

    /// See [`StateStore::begin_call`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn begin_call(&self, kind: &str, key: &str, payload: &str) -> Result<i64> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM in_flight_calls WHERE kind = ?1 AND key = ?2 AND done_at IS NULL",
                params![kind, key],
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO in_flight_calls (kind, key, payload, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![kind, key, payload, now_ms()],
                )?;
                tx.last_insert_rowid()
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// See [`StateStore::count_attempt`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn count_attempt(&self, id: i64) -> Result<()> {
        self.lock().execute(
            "UPDATE in_flight_calls SET attempts = attempts + 1 WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// See [`StateStore::finish_call`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn finish_call(&self, id: i64) -> Result<bool> {
        let n = self.lock().execute(
            "UPDATE in_flight_calls SET done_at = ?2 WHERE id = ?1 AND done_at IS NULL",
            params![id, now_ms()],
        )?;
        Ok(n == 1)
    }

    /// See [`StateStore::in_flight_calls`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn in_flight_calls(&self) -> Result<Vec<InFlightCall>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, kind, key, payload, attempts FROM in_flight_calls
             WHERE done_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(InFlightCall {
                id: r.get(0)?,
                kind: r.get(1)?,
                key: r.get(2)?,
                payload: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// See [`StateStore::prune_finished_calls`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn prune_finished_calls(&self, keep: Duration) -> Result<usize> {
        let keep_ms = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
        Ok(self.lock().execute(
            "DELETE FROM in_flight_calls WHERE done_at IS NOT NULL AND done_at < ?1",
            [now_ms().saturating_sub(keep_ms)],
        )?)
    }

    // ---------------------------------------------------------------- lease

    fn holder_in(conn: &Connection) -> Result<Option<(LeaseHolder, i64)>> {
        let row: Option<(String, i64, i64, i64)> = conn
            .query_row(
                "SELECT host, pid, since_ms, renewed_ms FROM lease WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.map(|(host, pid, since, renewed)| {
            (
                LeaseHolder {
                    host,
                    pid: u32::try_from(pid).unwrap_or(0),
                    since: from_ms(since),
                },
                renewed,
            )
        }))
    }

    fn same_holder(a: &LeaseHolder, b: &LeaseHolder) -> bool {
        a.host == b.host && a.pid == b.pid && truncate_ms(a.since) == truncate_ms(b.since)
    }

    /// See [`StateStore::acquire_lease`].
    ///
    /// # Errors
    /// [`StateError::LeaseHeld`]; [`StateError::Sqlite`] on a database error.
    pub fn acquire_lease(&self, holder: &LeaseHolder, stale_after: Duration) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = now_ms();
        if let Some((current, renewed)) = Self::holder_in(&tx)? {
            let stale_ms = i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX);
            let stale = now.saturating_sub(renewed) >= stale_ms;
            if !Self::same_holder(&current, holder) && !stale {
                return Err(StateError::LeaseHeld { holder: current });
            }
            if stale && !Self::same_holder(&current, holder) {
                tracing::warn!(previous = %current, "taking over a stale lease");
            }
        }
        tx.execute(
            "INSERT INTO lease (id, host, pid, since_ms, renewed_ms) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
               since_ms = excluded.since_ms, renewed_ms = excluded.renewed_ms",
            params![holder.host, i64::from(holder.pid), to_ms(holder.since), now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// See [`StateStore::renew_lease`].
    ///
    /// # Errors
    /// [`StateError::LeaseLost`]; [`StateError::Sqlite`] on a database error.
    pub fn renew_lease(&self, holder: &LeaseHolder) -> Result<()> {
        let n = self.lock().execute(
            "UPDATE lease SET renewed_ms = ?4 WHERE id = 1 AND host = ?1 AND pid = ?2
             AND since_ms = ?3",
            params![
                holder.host,
                i64::from(holder.pid),
                to_ms(holder.since),
                now_ms()
            ],
        )?;
        if n == 0 {
            return Err(StateError::LeaseLost);
        }
        Ok(())
    }

    /// See [`StateStore::release_lease`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn release_lease(&self, holder: &LeaseHolder) -> Result<()> {
        self.lock().execute(
            "DELETE FROM lease WHERE id = 1 AND host = ?1 AND pid = ?2 AND since_ms = ?3",
            params![holder.host, i64::from(holder.pid), to_ms(holder.since)],
        )?;
        Ok(())
    }

    /// See [`StateStore::lease_holder`].
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn lease_holder(&self) -> Result<Option<LeaseHolder>> {
        Ok(Self::holder_in(&self.lock())?.map(|(h, _)| h))
    }
}

#[async_trait]
impl StateStore for SqliteStore {
    async fn sent_offer(&self, sku: &str) -> Result<Option<SentOffer>> {
        SqliteStore::sent_offer(self, sku)
    }
    async fn sent_offer_recorded_at(&self, sku: &str) -> Result<Option<OffsetDateTime>> {
        SqliteStore::sent_offer_recorded_at(self, sku)
    }
    async fn sent_offers(&self) -> Result<Vec<SentOffer>> {
        SqliteStore::sent_offers(self)
    }
    async fn record_sent_offers(&self, offers: &[SentOffer]) -> Result<()> {
        SqliteStore::record_sent_offers(self, offers)
    }
    async fn forget_sent_offers(&self, skus: &[String]) -> Result<()> {
        SqliteStore::forget_sent_offers(self, skus)
    }
    async fn product_rows(&self) -> Result<Vec<ProductRowRecord>> {
        SqliteStore::product_rows(self)
    }
    async fn record_product_rows(
        &self,
        rows: &[ProductRowRecord],
        removed: &[String],
    ) -> Result<()> {
        SqliteStore::record_product_rows(self, rows, removed)
    }
    async fn order(&self, mirakl_order_id: &str) -> Result<Option<OrderEntry>> {
        SqliteStore::order(self, mirakl_order_id)
    }
    async fn orders(&self) -> Result<Vec<OrderEntry>> {
        SqliteStore::orders(self)
    }
    async fn order_by_bigcommerce_id(
        &self,
        bigcommerce_order_id: u64,
    ) -> Result<Option<OrderEntry>> {
        SqliteStore::order_by_bigcommerce_id(self, bigcommerce_order_id)
    }
    async fn save_order(
        &self,
        mirakl_order_id: &str,
        record: &OrderRecord,
        note: Option<&str>,
    ) -> Result<()> {
        // crash tests: the BigCommerce order exists, the state does not know it yet
        let new_id = super::pause::enabled()
            && record.bigcommerce_order_id.is_some()
            && SqliteStore::order(self, mirakl_order_id)?
                .and_then(|e| e.bigcommerce_order_id())
                .is_none();
        if new_id {
            super::pause::point(super::pause::CREATED_UNRECORDED);
        }
        SqliteStore::save_order(self, mirakl_order_id, record, note)?;
        if new_id {
            super::pause::point(super::pause::ID_RECORDED);
        }
        Ok(())
    }
    async fn shipment_sent(&self, shipment_id: u64) -> Result<bool> {
        SqliteStore::shipment_sent(self, shipment_id)
    }
    async fn mark_shipment_sent(&self, shipment_id: u64, mirakl_order_id: &str) -> Result<bool> {
        SqliteStore::mark_shipment_sent(self, shipment_id, mirakl_order_id)
    }
    async fn cursor(&self, name: &str) -> Result<Option<String>> {
        SqliteStore::cursor(self, name)
    }
    async fn set_cursor(&self, name: &str, value: &str) -> Result<()> {
        SqliteStore::set_cursor(self, name, value)
    }
    async fn begin_call(&self, kind: &str, key: &str, payload: &str) -> Result<i64> {
        let id = SqliteStore::begin_call(self, kind, key, payload)?;
        if super::pause::enabled() {
            super::pause::point(&format!("{}{kind}", super::pause::CALL_BEGUN_PREFIX));
        }
        Ok(id)
    }
    async fn count_attempt(&self, id: i64) -> Result<()> {
        SqliteStore::count_attempt(self, id)
    }
    async fn finish_call(&self, id: i64) -> Result<bool> {
        SqliteStore::finish_call(self, id)
    }
    async fn in_flight_calls(&self) -> Result<Vec<InFlightCall>> {
        SqliteStore::in_flight_calls(self)
    }
    async fn prune_finished_calls(&self, keep: Duration) -> Result<usize> {
        SqliteStore::prune_finished_calls(self, keep)
    }
    async fn acquire_lease(&self, holder: &LeaseHolder, stale_after: Duration) -> Result<()> {
        SqliteStore::acquire_lease(self, holder, stale_after)
    }
    async fn renew_lease(&self, holder: &LeaseHolder) -> Result<()> {
        SqliteStore::renew_lease(self, holder)
    }
    async fn release_lease(&self, holder: &LeaseHolder) -> Result<()> {
        SqliteStore::release_lease(self, holder)
    }
    async fn lease_holder(&self) -> Result<Option<LeaseHolder>> {
        SqliteStore::lease_holder(self)
    }
}

#[cfg(test)]
mod tests;
