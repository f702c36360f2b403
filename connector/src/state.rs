//! The connector's durable state, in one SQLite file.
//!
//! What lives here, and why it must survive a crash or `kill -9`:
//!
//! * **Last sent offer per SKU** (content hash + full payload): what Mirakl was last told, so an
//!   unchanged offer is never re-sent and a full-replace OF24 can always be rebuilt.
//! * **The Mirakl order ⇄ BigCommerce order map**, keyed by the Mirakl order id (a `PRIMARY KEY`,
//!   so a second row for the same order cannot exist) and with a `UNIQUE` BigCommerce order id.
//!   Each order walks through [`OrderState`]s; the `Creating` state is written *before* the
//!   BigCommerce create call, so after a crash the connector knows the outcome is uncertain and
//!   looks the order up by `external_order_id` before creating it again.
//! * **Cursors**: the last BigCommerce `date_modified` seen, the last Mirakl update date, …
//! * **Outbox**: every call whose effect is not idempotent is enqueued *before* it is made and
//!   marked done *after* it is confirmed; pending entries are replayed on start.
//!
//! The database runs in WAL mode with `synchronous=FULL`, and every multi-row change is one
//! transaction, so a reader never sees half an update and a crash loses nothing committed.
//!
//! ```
//! use sync_connector::state::{OrderState, StateStore};
//! let store = StateStore::open_in_memory()?;
//! assert!(store.claim_order("ABC-1-A", OrderState::Seen)?);
//! assert!(!store.claim_order("ABC-1-A", OrderState::Seen)?); // already known
//! # Ok::<(), sync_connector::state::StateError>(())
//! ```

use std::fmt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// Errors from the state store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// SQLite refused an operation (I/O error, corrupt file, constraint, …).
    #[error("state database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be understood (written by a newer version, or edited by hand).
    #[error("state database holds an invalid value in {column}: {value:?}")]
    Invalid {
        /// Table and column.
        column: &'static str,
        /// The stored text.
        value: String,
    },
    /// A state transition the connector refuses (it would lose or repeat an order).
    #[error("order {order}: cannot move from {from} to {to}")]
    Transition {
        /// Mirakl order id.
        order: String,
        /// Current state.
        from: OrderState,
        /// Requested state.
        to: OrderState,
    },
    /// The row the operation refers to does not exist.
    #[error("order {0} is not in the state store")]
    UnknownOrder(String),
}

/// Result alias for the state store.
pub type Result<T, E = StateError> = std::result::Result<T, E>;

/// Where one Mirakl order is in the connector's pipeline.
///
/// The order is the natural progression; [`OrderState::rank`] makes "never go backwards"
/// checkable. Terminal side branches (`Refused`, `Canceled`) can be entered from any
/// non-terminal state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrderState {
    /// Seen in OR11, no decision made yet.
    Seen,
    /// OR21 accept sent and confirmed.
    Accepted,
    /// OR21 refuse sent and confirmed (terminal).
    Refused,
    /// About to create the BigCommerce order: the outcome of the create call is unknown until
    /// the state moves on. After a crash in this state, look the order up before creating.
    Creating,
    /// The BigCommerce order exists (its id is stored).
    Created,
    /// OR23 tracking sent for the BigCommerce shipment.
    TrackingSent,
    /// OR24 ship confirmation sent (terminal for the happy path).
    Shipped,
    /// Canceled on Mirakl (or by the operator); the BigCommerce order, if any, was cancelled.
    Canceled,
    /// Refunded on Mirakl; the refund was mirrored to BigCommerce.
    Refunded,
}

impl OrderState {
    /// All states, in pipeline order.
    pub const ALL: [OrderState; 9] = [
        OrderState::Seen,
        OrderState::Accepted,
        OrderState::Refused,
        OrderState::Creating,
        OrderState::Created,
        OrderState::TrackingSent,
        OrderState::Shipped,
        OrderState::Canceled,
        OrderState::Refunded,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Seen => "seen",
            OrderState::Accepted => "accepted",
            OrderState::Refused => "refused",
            OrderState::Creating => "creating",
            OrderState::Created => "created",
            OrderState::TrackingSent => "tracking_sent",
            OrderState::Shipped => "shipped",
            OrderState::Canceled => "canceled",
            OrderState::Refunded => "refunded",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Position along the happy path (`Refused` ranks with `Accepted`, `Canceled`/`Refunded`
    /// after everything else).
    pub fn rank(self) -> u8 {
        match self {
            OrderState::Seen => 0,
            OrderState::Accepted | OrderState::Refused => 1,
            OrderState::Creating => 2,
            OrderState::Created => 3,
            OrderState::TrackingSent => 4,
            OrderState::Shipped => 5,
            OrderState::Canceled => 6,
            OrderState::Refunded => 7,
        }
    }

    /// No further transition except refund (from `Shipped`/`Canceled`).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderState::Refused | OrderState::Shipped | OrderState::Canceled | OrderState::Refunded
        )
    }

    /// Whether the BigCommerce order exists (or may exist, for `Creating`).
    pub fn has_bigcommerce_order(self) -> bool {
        matches!(
            self,
            OrderState::Created | OrderState::TrackingSent | OrderState::Shipped
        )
    }

    fn may_move_to(self, to: OrderState) -> bool {
        if self == to {
            return true;
        }
        match to {
            OrderState::Canceled => !matches!(self, OrderState::Refused | OrderState::Refunded),
            OrderState::Refunded => !matches!(self, OrderState::Refused),
            OrderState::Refused => matches!(self, OrderState::Seen),
            _ => !self.is_terminal() && to.rank() > self.rank(),
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the order map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// Mirakl order id (the unique key).
    pub mirakl_order_id: String,
    /// Where the order is.
    pub state: OrderState,
    /// BigCommerce order id, once created.
    pub bigcommerce_order_id: Option<u64>,
    /// The Mirakl `last_updated_date` last processed (RFC 3339), for dedupe of OR11 repeats.
    pub mirakl_updated: Option<String>,
    /// Free-form detail (refusal reason, last error).
    pub note: Option<String>,
}

/// What was last sent to Mirakl for one offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentOffer {
    /// Shop SKU.
    pub sku: String,
    /// Content hash of the payload (caller-defined, stable across runs).
    pub hash: String,
    /// The payload sent (JSON of the full offer).
    pub payload: String,
}

/// A product row the operator integrated (P41), as remembered for change detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRowRecord {
    /// Shop SKU.
    pub sku: String,
    /// The row's content hash (`sync_core::products::RowHash` as 16 hex digits).
    pub hash: String,
    /// BigCommerce product id.
    pub product_id: u64,
    /// BigCommerce variant id (`None` for a product without variants).
    pub variant_id: Option<u64>,
}

/// One outbox entry: a call that was about to be made and is not yet confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Row id.
    pub id: i64,
    /// Kind of call (e.g. `"or21"`, `"bc_create_order"`, `"or23"`).
    pub kind: String,
    /// Idempotency key within the kind (e.g. the Mirakl order id).
    pub key: String,
    /// Everything needed to replay the call (JSON).
    pub payload: String,
    /// How many times it was attempted.
    pub attempts: u32,
}

/// The SQLite-backed state store. Cheap to share behind an `Arc`; every method is a short
/// synchronous transaction (the connector calls it between network calls).
pub struct StateStore {
    conn: Mutex<Connection>,
}

impl fmt::Debug for StateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateStore").finish_non_exhaustive()
    }
}

const SCHEMA: &str = "
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

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl StateStore {
    /// Opens (creating if needed) the state file at `path`, in WAL mode.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] when the file cannot be opened or the schema cannot be created.
    pub fn open(path: impl AsRef<Path>) -> Result<StateStore> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::init(conn)
    }

    /// An in-memory store (tests, `--dry-run`).
    ///
    /// # Errors
    /// [`StateError::Sqlite`] when SQLite cannot create the schema.
    pub fn open_in_memory() -> Result<StateStore> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<StateStore> {
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(StateStore {
            conn: Mutex::new(conn),
        })
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

    /// What was last sent for `sku`.
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

    /// Every SKU's last sent offer, sorted by SKU.
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

    /// Records a batch of offers as sent, in one transaction (call it after Mirakl confirmed
    /// the import, so a crash before that simply re-sends the batch).
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
                 sent_at = excluded.sent_at",
            )?;
            let now = now_ms();
            for o in offers {
                stmt.execute(params![o.sku, o.hash, o.payload, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets what was sent for `skus` (forces a re-send on the next cycle).
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

    /// The content hash of every product row the operator integrated (P41 import complete,
    /// line not in the P44 error report), by SKU.
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

    /// Records integrated product rows and forgets `removed` SKUs (rejected by the operator,
    /// so they are sent again once fixed), in one transaction.
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
                let pid = i64::try_from(r.product_id).unwrap_or(i64::MAX);
                let vid = r.variant_id.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
                stmt.execute(params![r.sku, r.hash, pid, vid, now])?;
            }
            for s in removed {
                tx.execute("DELETE FROM product_rows WHERE sku = ?1", [s])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    // ---------------------------------------------------------------- orders

    /// Inserts the order in `state` if it is not known yet. Returns `true` when this call
    /// inserted it, `false` when it already existed (its row is left untouched).
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn claim_order(&self, mirakl_order_id: &str, state: OrderState) -> Result<bool> {
        let n = self.lock().execute(
            "INSERT INTO orders (mirakl_order_id, state, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(mirakl_order_id) DO NOTHING",
            params![mirakl_order_id, state.as_str(), now_ms()],
        )?;
        Ok(n == 1)
    }

    /// The order's row, if known.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error, [`StateError::Invalid`] for an unknown
    /// stored state.
    pub fn order(&self, mirakl_order_id: &str) -> Result<Option<OrderRecord>> {
        let conn = self.lock();
        Self::order_in(&conn, mirakl_order_id)
    }

    fn order_in(conn: &Connection, mirakl_order_id: &str) -> Result<Option<OrderRecord>> {
        let row = conn
            .query_row(
                "SELECT mirakl_order_id, state, bigcommerce_order_id, mirakl_updated, note
                 FROM orders WHERE mirakl_order_id = ?1",
                [mirakl_order_id],
                Self::raw_order,
            )
            .optional()?;
        row.map(Self::finish_order).transpose()
    }

    #[allow(clippy::type_complexity)]
    fn raw_order(
        r: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<(String, String, Option<i64>, Option<String>, Option<String>)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    }

    fn finish_order(
        (id, state, bc, upd, note): (String, String, Option<i64>, Option<String>, Option<String>),
    ) -> Result<OrderRecord> {
        let state = OrderState::parse(&state).ok_or(StateError::Invalid {
            column: "orders.state",
            value: state,
        })?;
        let bigcommerce_order_id = bc
            .map(|v| {
                u64::try_from(v).map_err(|_| StateError::Invalid {
                    column: "orders.bigcommerce_order_id",
                    value: v.to_string(),
                })
            })
            .transpose()?;
        Ok(OrderRecord {
            mirakl_order_id: id,
            state,
            bigcommerce_order_id,
            mirakl_updated: upd,
            note,
        })
    }

    /// All orders, sorted by Mirakl order id.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] or [`StateError::Invalid`].
    pub fn orders(&self) -> Result<Vec<OrderRecord>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT mirakl_order_id, state, bigcommerce_order_id, mirakl_updated, note
             FROM orders ORDER BY mirakl_order_id",
        )?;
        let rows = stmt.query_map([], Self::raw_order)?;
        rows.map(|r| Self::finish_order(r?)).collect()
    }

    /// Orders currently in `state`, sorted by Mirakl order id.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] or [`StateError::Invalid`].
    pub fn orders_in_state(&self, state: OrderState) -> Result<Vec<OrderRecord>> {
        Ok(self
            .orders()?
            .into_iter()
            .filter(|o| o.state == state)
            .collect())
    }

    /// The Mirakl order mapped to BigCommerce order `bigcommerce_order_id`.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] or [`StateError::Invalid`].
    pub fn order_by_bigcommerce_id(
        &self,
        bigcommerce_order_id: u64,
    ) -> Result<Option<OrderRecord>> {
        let conn = self.lock();
        let id: Option<String> = conn
            .query_row(
                "SELECT mirakl_order_id FROM orders WHERE bigcommerce_order_id = ?1",
                [to_i64(bigcommerce_order_id)],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => Self::order_in(&conn, &id),
            None => Ok(None),
        }
    }

    /// Moves an order to `to` (insert if unknown), refusing backwards moves. Sets the
    /// BigCommerce id when given (it can never change once set: the column is `UNIQUE`
    /// and a different id for the same order is refused), the Mirakl update date and a note.
    /// Returns the previous state (`None` if the order was new).
    ///
    /// # Errors
    /// [`StateError::Transition`] for a backwards move or a different BigCommerce id;
    /// [`StateError::Sqlite`] on a database error (e.g. the BigCommerce id is already mapped
    /// to another Mirakl order).
    pub fn advance_order(
        &self,
        mirakl_order_id: &str,
        to: OrderState,
        bigcommerce_order_id: Option<u64>,
        note: Option<&str>,
    ) -> Result<Option<OrderState>> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = Self::order_in(&tx, mirakl_order_id)?;
        if let Some(cur) = &current {
            if !cur.state.may_move_to(to) {
                return Err(StateError::Transition {
                    order: mirakl_order_id.to_owned(),
                    from: cur.state,
                    to,
                });
            }
            if let (Some(old), Some(new)) = (cur.bigcommerce_order_id, bigcommerce_order_id)
                && old != new
            {
                return Err(StateError::Transition {
                    order: mirakl_order_id.to_owned(),
                    from: cur.state,
                    to,
                });
            }
        }
        let bc = bigcommerce_order_id.map(to_i64);
        tx.execute(
            "INSERT INTO orders (mirakl_order_id, state, bigcommerce_order_id, note, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(mirakl_order_id) DO UPDATE SET state = excluded.state,
               bigcommerce_order_id = COALESCE(orders.bigcommerce_order_id, excluded.bigcommerce_order_id),
               note = COALESCE(excluded.note, orders.note),
               changed_at = excluded.changed_at",
            params![mirakl_order_id, to.as_str(), bc, note, now_ms()],
        )?;
        tx.commit()?;
        Ok(current.map(|c| c.state))
    }

    /// The order's lifecycle record (JSON written by [`StateStore::save_order_record`]).
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn order_record(&self, mirakl_order_id: &str) -> Result<Option<String>> {
        Ok(self
            .lock()
            .query_row(
                "SELECT record FROM orders WHERE mirakl_order_id = ?1",
                [mirakl_order_id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Saves the order's lifecycle record (JSON), its summary state and BigCommerce id in one
    /// transaction. The record is the authority on what was done, so the summary state may
    /// move in any direction (e.g. `creating` back to `accepted` after a look-up found
    /// nothing); the BigCommerce id, once set, can never change.
    ///
    /// # Errors
    /// [`StateError::Transition`] for a different BigCommerce id; [`StateError::Sqlite`]
    /// (e.g. the BigCommerce id is already mapped to another Mirakl order).
    pub fn save_order_record(
        &self,
        mirakl_order_id: &str,
        record_json: &str,
        state: OrderState,
        bigcommerce_order_id: Option<u64>,
        note: Option<&str>,
    ) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(cur) = Self::order_in(&tx, mirakl_order_id)?
            && let (Some(old), Some(new)) = (cur.bigcommerce_order_id, bigcommerce_order_id)
            && old != new
        {
            return Err(StateError::Transition {
                order: mirakl_order_id.to_owned(),
                from: cur.state,
                to: state,
            });
        }
        tx.execute(
            "INSERT INTO orders (mirakl_order_id, state, bigcommerce_order_id, note, record, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(mirakl_order_id) DO UPDATE SET state = excluded.state,
               bigcommerce_order_id = COALESCE(orders.bigcommerce_order_id, excluded.bigcommerce_order_id),
               note = COALESCE(excluded.note, orders.note),
               record = excluded.record,
               changed_at = excluded.changed_at",
            params![
                mirakl_order_id,
                state.as_str(),
                bigcommerce_order_id.map(to_i64),
                note,
                record_json,
                now_ms()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the Mirakl `last_updated_date` processed for an order (dedupe of OR11 repeats).
    ///
    /// # Errors
    /// [`StateError::UnknownOrder`] if the order is not in the store; [`StateError::Sqlite`].
    pub fn set_order_mirakl_updated(&self, mirakl_order_id: &str, updated: &str) -> Result<()> {
        let n = self.lock().execute(
            "UPDATE orders SET mirakl_updated = ?2 WHERE mirakl_order_id = ?1",
            params![mirakl_order_id, updated],
        )?;
        if n == 0 {
            return Err(StateError::UnknownOrder(mirakl_order_id.to_owned()));
        }
        Ok(())
    }

    /// Count of orders per state.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] or [`StateError::Invalid`].
    pub fn order_counts(&self) -> Result<std::collections::BTreeMap<OrderState, usize>> {
        let mut out = std::collections::BTreeMap::new();
        for o in self.orders()? {
            *out.entry(o.state).or_insert(0) += 1;
        }
        Ok(out)
    }

    // ---------------------------------------------------------------- shipments

    /// Whether BigCommerce shipment `shipment_id` was already forwarded to Mirakl.
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

    /// Marks BigCommerce shipment `shipment_id` as forwarded for `mirakl_order_id`.
    /// Returns `false` when it was already marked.
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

    /// The cursor `name`, if set.
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

    /// Sets the cursor `name`.
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

    /// A cursor holding an RFC 3339 timestamp.
    ///
    /// # Errors
    /// [`StateError::Invalid`] when the stored text is not RFC 3339; [`StateError::Sqlite`].
    pub fn time_cursor(&self, name: &str) -> Result<Option<time::OffsetDateTime>> {
        use time::format_description::well_known::Rfc3339;
        self.cursor(name)?
            .map(|v| {
                time::OffsetDateTime::parse(&v, &Rfc3339).map_err(|_| StateError::Invalid {
                    column: "cursors.value",
                    value: v,
                })
            })
            .transpose()
    }

    /// Sets a timestamp cursor (stored as RFC 3339 UTC). Never moves it backwards: a value
    /// older than the stored one is ignored.
    ///
    /// # Errors
    /// [`StateError::Sqlite`], or [`StateError::Invalid`] if the stored value is corrupt.
    pub fn advance_time_cursor(&self, name: &str, value: time::OffsetDateTime) -> Result<()> {
        use time::format_description::well_known::Rfc3339;
        if let Some(old) = self.time_cursor(name)?
            && old >= value
        {
            return Ok(());
        }
        let text = value
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .map_err(|_| StateError::Invalid {
                column: "cursors.value",
                value: format!("{value:?}"),
            })?;
        self.set_cursor(name, &text)
    }

    // ---------------------------------------------------------------- outbox

    /// Enqueues a call before making it. If an entry with the same `(kind, key)` is already
    /// pending, it is returned instead (its payload kept), so a retry never queues twice.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn enqueue(&self, kind: &str, key: &str, payload: &str) -> Result<i64> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM outbox WHERE kind = ?1 AND key = ?2 AND done_at IS NULL",
                params![kind, key],
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO outbox (kind, key, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![kind, key, payload, now_ms()],
                )?;
                tx.last_insert_rowid()
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// Counts one more attempt of entry `id`.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn outbox_attempt(&self, id: i64) -> Result<()> {
        self.lock().execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// Marks entry `id` done (the call is confirmed). Returns `false` if it was already done
    /// or does not exist.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn complete(&self, id: i64) -> Result<bool> {
        let n = self.lock().execute(
            "UPDATE outbox SET done_at = ?2 WHERE id = ?1 AND done_at IS NULL",
            params![id, now_ms()],
        )?;
        Ok(n == 1)
    }

    /// Pending entries (not confirmed), oldest first: replay these on start.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn pending(&self) -> Result<Vec<OutboxEntry>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, kind, key, payload, attempts FROM outbox WHERE done_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OutboxEntry {
                id: r.get(0)?,
                kind: r.get(1)?,
                key: r.get(2)?,
                payload: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Deletes confirmed outbox entries older than `keep_ms` milliseconds.
    ///
    /// # Errors
    /// [`StateError::Sqlite`] on a database error.
    pub fn prune_outbox(&self, keep_ms: i64) -> Result<usize> {
        Ok(self.lock().execute(
            "DELETE FROM outbox WHERE done_at IS NOT NULL AND done_at < ?1",
            [now_ms().saturating_sub(keep_ms)],
        )?)
    }
}

/// A stable 64-bit FNV-1a hash, hex encoded (stable across runs and Rust versions, unlike
/// `DefaultHasher`), for the "last sent" content hash.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) struct TempDir(std::path::PathBuf);
    impl TempDir {
        pub(crate) fn new(tag: &str) -> TempDir {
            let p = std::env::temp_dir().join(format!(
                "examples-state-{tag}-{}-{}",
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

    fn offer(sku: &str, hash: &str) -> SentOffer {
        SentOffer {
            sku: sku.into(),
            hash: hash.into(),
            payload: format!("{{\"shop_sku\":\"{sku}\",\"h\":\"{hash}\"}}"),
        }
    }

    #[test]
    fn file_store_uses_wal_and_survives_reopen() {
        let dir = TempDir::new("reopen");
        {
            let s = StateStore::open(dir.file()).unwrap();
            assert_eq!(s.journal_mode().unwrap(), "wal");
            s.record_sent_offers(&[offer("A", "1"), offer("B", "2")])
                .unwrap();
            assert!(s.claim_order("M-1", OrderState::Seen).unwrap());
            s.advance_order("M-1", OrderState::Accepted, None, None)
                .unwrap();
            s.advance_order("M-1", OrderState::Creating, None, None)
                .unwrap();
            s.set_cursor("bc.date_modified", "2026-01-01T00:00:00Z")
                .unwrap();
            let id = s.enqueue("or23", "M-1", "{}").unwrap();
            s.outbox_attempt(id).unwrap();
            // dropped without any explicit close: like a crash after the last commit
        }
        let s = StateStore::open(dir.file()).unwrap();
        assert_eq!(
            s.sent_offers().unwrap(),
            vec![offer("A", "1"), offer("B", "2")]
        );
        let o = s.order("M-1").unwrap().unwrap();
        assert_eq!(o.state, OrderState::Creating);
        assert_eq!(o.bigcommerce_order_id, None);
        assert_eq!(
            s.cursor("bc.date_modified").unwrap().as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        let p = s.pending().unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].kind.as_str(), p[0].key.as_str(), p[0].attempts),
            ("or23", "M-1", 1)
        );
    }

    #[test]
    fn product_rows_are_upserted_removed_and_survive_reopen() {
        let dir = TempDir::new("products");
        let row = |sku: &str, hash: &str, v: Option<u64>| ProductRowRecord {
            sku: sku.into(),
            hash: hash.into(),
            product_id: 7,
            variant_id: v,
        };
        {
            let s = StateStore::open(dir.file()).unwrap();
            s.record_product_rows(&[row("A", "01", Some(70)), row("B", "02", None)], &[])
                .unwrap();
            s.record_product_rows(&[row("A", "0a", Some(70))], &["B".into()])
                .unwrap();
        }
        let s = StateStore::open(dir.file()).unwrap();
        assert_eq!(s.product_rows().unwrap(), vec![row("A", "0a", Some(70))]);
    }

    #[test]
    fn claim_is_exactly_once_across_handles() {
        let dir = TempDir::new("claim");
        let a = StateStore::open(dir.file()).unwrap();
        let b = StateStore::open(dir.file()).unwrap();
        assert!(a.claim_order("M-7", OrderState::Seen).unwrap());
        assert!(!b.claim_order("M-7", OrderState::Seen).unwrap());
        assert_eq!(a.orders().unwrap().len(), 1);
    }

    #[test]
    fn bigcommerce_id_is_unique_and_immutable() {
        let s = StateStore::open_in_memory().unwrap();
        s.advance_order("M-1", OrderState::Created, Some(100), None)
            .unwrap();
        // another Mirakl order cannot take the same BigCommerce order
        assert!(matches!(
            s.advance_order("M-2", OrderState::Created, Some(100), None),
            Err(StateError::Sqlite(_))
        ));
        // the same order cannot be re-mapped
        assert!(matches!(
            s.advance_order("M-1", OrderState::TrackingSent, Some(101), None),
            Err(StateError::Transition { .. })
        ));
        // moving on without an id keeps the id
        s.advance_order("M-1", OrderState::TrackingSent, None, None)
            .unwrap();
        let o = s.order_by_bigcommerce_id(100).unwrap().unwrap();
        assert_eq!(o.mirakl_order_id, "M-1");
        assert_eq!(o.state, OrderState::TrackingSent);
        assert!(s.order_by_bigcommerce_id(101).unwrap().is_none());
    }

    #[test]
    fn states_never_go_backwards() {
        let s = StateStore::open_in_memory().unwrap();
        s.advance_order("M-1", OrderState::Created, Some(5), None)
            .unwrap();
        for back in [OrderState::Seen, OrderState::Accepted, OrderState::Creating] {
            assert!(matches!(
                s.advance_order("M-1", back, None, None),
                Err(StateError::Transition { .. })
            ));
        }
        assert!(matches!(
            s.advance_order("M-1", OrderState::Refused, None, None),
            Err(StateError::Transition { .. })
        ));
        // same state is a no-op, cancellation is always allowed before refund
        assert_eq!(
            s.advance_order("M-1", OrderState::Created, None, None)
                .unwrap(),
            Some(OrderState::Created)
        );
        s.advance_order("M-1", OrderState::Canceled, None, Some("operator"))
            .unwrap();
        assert_eq!(
            s.order("M-1").unwrap().unwrap().note.as_deref(),
            Some("operator")
        );
        // refused is terminal
        s.advance_order("M-2", OrderState::Refused, None, None)
            .unwrap();
        assert!(
            s.advance_order("M-2", OrderState::Accepted, None, None)
                .is_err()
        );
    }

    #[test]
    fn order_record_round_trips_and_keeps_the_bigcommerce_id() {
        let dir = TempDir::new("record");
        {
            let s = StateStore::open(dir.file()).unwrap();
            assert!(s.order_record("M-1").unwrap().is_none());
            s.save_order_record(
                "M-1",
                "{\"create_started\":true}",
                OrderState::Creating,
                None,
                None,
            )
            .unwrap();
            s.save_order_record("M-1", "{}", OrderState::Accepted, None, Some("not found"))
                .unwrap();
            s.save_order_record("M-1", "{\"id\":7}", OrderState::Created, Some(7), None)
                .unwrap();
        }
        let s = StateStore::open(dir.file()).unwrap();
        assert_eq!(
            s.order_record("M-1").unwrap().as_deref(),
            Some("{\"id\":7}")
        );
        let o = s.order("M-1").unwrap().unwrap();
        assert_eq!(
            (o.state, o.bigcommerce_order_id),
            (OrderState::Created, Some(7))
        );
        assert_eq!(o.note.as_deref(), Some("not found"));
        assert!(matches!(
            s.save_order_record("M-1", "{}", OrderState::Created, Some(8), None),
            Err(StateError::Transition { .. })
        ));
        assert!(
            s.save_order_record("M-2", "{}", OrderState::Created, Some(7), None)
                .is_err()
        );
    }

    #[test]
    fn hash_is_stable_and_sensitive() {
        // FNV-1a 64 reference values
        assert_eq!(content_hash(b""), "cbf29ce484222325");
        assert_eq!(content_hash(b"a"), "af63dc4c8601ec8c");
        assert_ne!(content_hash(b"{\"q\":1}"), content_hash(b"{\"q\":2}"));
    }

    #[test]
    fn state_names_round_trip() {
        for s in OrderState::ALL {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderState::parse("bogus"), None);
    }

    #[test]
    fn outbox_enqueue_is_idempotent_until_done() {
        let s = StateStore::open_in_memory().unwrap();
        let a = s.enqueue("or21", "M-1", "{\"accept\":true}").unwrap();
        let b = s.enqueue("or21", "M-1", "{\"accept\":false}").unwrap();
        assert_eq!(a, b);
        assert_eq!(s.pending().unwrap()[0].payload, "{\"accept\":true}");
        assert!(s.complete(a).unwrap());
        assert!(!s.complete(a).unwrap());
        assert!(s.pending().unwrap().is_empty());
        // once done, the same key can be queued again (a later, different call)
        let c = s.enqueue("or21", "M-1", "{}").unwrap();
        assert_ne!(a, c);
        assert_eq!(s.pending().unwrap().len(), 1);
    }

    #[test]
    fn prune_drops_only_old_confirmed_entries() {
        let s = StateStore::open_in_memory().unwrap();
        let done = s.enqueue("or24", "M-1", "{}").unwrap();
        s.enqueue("or24", "M-2", "{}").unwrap();
        s.complete(done).unwrap();
        // kept: confirmed less than a day ago
        assert_eq!(s.prune_outbox(86_400_000).unwrap(), 0);
        // a cut-off in the future drops the confirmed one, never the pending one
        assert_eq!(s.prune_outbox(-60_000).unwrap(), 1);
        let p = s.pending().unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].key, "M-2");
    }

    #[test]
    fn sent_offers_upsert_and_forget() {
        let s = StateStore::open_in_memory().unwrap();
        s.record_sent_offers(&[offer("A", "1")]).unwrap();
        s.record_sent_offers(&[offer("A", "2"), offer("C", "3")])
            .unwrap();
        assert_eq!(s.sent_offer("A").unwrap().unwrap().hash, "2");
        s.forget_sent_offers(&["A".into()]).unwrap();
        assert!(s.sent_offer("A").unwrap().is_none());
        assert_eq!(s.sent_offers().unwrap(), vec![offer("C", "3")]);
    }

    #[test]
    fn time_cursor_only_moves_forward() {
        use time::macros::datetime;
        let s = StateStore::open_in_memory().unwrap();
        assert!(s.time_cursor("x").unwrap().is_none());
        s.advance_time_cursor("x", datetime!(2026-01-02 00:00 UTC))
            .unwrap();
        s.advance_time_cursor("x", datetime!(2026-01-01 00:00 UTC))
            .unwrap();
        assert_eq!(
            s.time_cursor("x").unwrap(),
            Some(datetime!(2026-01-02 00:00 UTC))
        );
        s.set_cursor("bad", "yesterday").unwrap();
        assert!(matches!(
            s.time_cursor("bad"),
            Err(StateError::Invalid { .. })
        ));
    }

    #[test]
    fn shipments_marked_once() {
        let s = StateStore::open_in_memory().unwrap();
        assert!(!s.shipment_sent(9).unwrap());
        assert!(s.mark_shipment_sent(9, "M-1").unwrap());
        assert!(!s.mark_shipment_sent(9, "M-1").unwrap());
        assert!(s.shipment_sent(9).unwrap());
    }

    /// Many writers "crash" (their handle is dropped mid-sequence) while a fresh handle on the
    /// same file replays: the final state has each order exactly once and no pending entry is
    /// lost.
    #[test]
    fn crash_replay_loses_and_duplicates_nothing() {
        let dir = TempDir::new("crash");
        let orders: Vec<String> = (0..40).map(|i| format!("M-{i:03}")).collect();
        let mut next_bc = 1000u64;
        for round in 0..25 {
            let s = StateStore::open(dir.file()).unwrap();
            // replay whatever an earlier "process" left pending
            for e in s.pending().unwrap() {
                let rec = s.order(&e.key).unwrap();
                if rec.is_none_or(|r| !r.state.has_bigcommerce_order()) {
                    next_bc += 1;
                    s.advance_order(&e.key, OrderState::Created, Some(next_bc), None)
                        .unwrap();
                }
                s.complete(e.id).unwrap();
            }
            // process a few more orders, "crashing" after a random number of steps
            let stop_after = fastrand::usize(0..8);
            for (step, id) in orders.iter().skip(round).take(8).enumerate() {
                s.claim_order(id, OrderState::Seen).unwrap();
                let rec = s.order(id).unwrap().unwrap();
                if rec.state.has_bigcommerce_order() {
                    continue;
                }
                if rec.state < OrderState::Creating {
                    s.advance_order(id, OrderState::Creating, None, None)
                        .unwrap();
                }
                let e = s.enqueue("bc_create_order", id, "{}").unwrap();
                if step == stop_after {
                    break; // crash between enqueue and completion
                }
                next_bc += 1;
                s.advance_order(id, OrderState::Created, Some(next_bc), None)
                    .unwrap();
                s.complete(e).unwrap();
            }
        }
        let s = StateStore::open(dir.file()).unwrap();
        for e in s.pending().unwrap() {
            next_bc += 1;
            if !s
                .order(&e.key)
                .unwrap()
                .unwrap()
                .state
                .has_bigcommerce_order()
            {
                s.advance_order(&e.key, OrderState::Created, Some(next_bc), None)
                    .unwrap();
            }
            s.complete(e.id).unwrap();
        }
        let all = s.orders().unwrap();
        let touched: Vec<&String> = orders.iter().take(25 + 7).collect();
        assert_eq!(all.len(), touched.len());
        let mut bc_ids: Vec<u64> = Vec::new();
        for o in &all {
            assert_eq!(o.state, OrderState::Created, "{o:?}");
            bc_ids.push(o.bigcommerce_order_id.unwrap());
        }
        bc_ids.sort_unstable();
        bc_ids.dedup();
        assert_eq!(
            bc_ids.len(),
            all.len(),
            "each order has its own BigCommerce id"
        );
        assert!(s.pending().unwrap().is_empty());
    }
}
