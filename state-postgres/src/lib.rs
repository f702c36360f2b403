//! A PostgreSQL [`StateStore`] for the BigCommerce ↔ Mirakl connector ([`sync_connector`]).
//!
//! SQLite ([`sync_connector::state::SqliteStore`]) stays the embedded default: one process, one
//! file. [`PostgresStore`] is for deployments that outgrow it: any number of connections (one
//! BigCommerce store with its Mirakl shops each) and worker processes share one database.
//!
//! ```no_run
//! # async fn run() -> Result<(), sync_connector::state::StateError> {
//! use std::time::Duration;
//! use sync_connector::state::{LeaseHolder, StateStore};
//! use sync_state_postgres::PostgresStore;
//!
//! let store = PostgresStore::connect("postgres://sync@127.0.0.1/sync", "westfield-shop-1").await?;
//! let me = LeaseHolder::this_process();
//! store.acquire_lease(&me, Duration::from_secs(60)).await?;
//! store.set_cursor("orders", "2026-01-01T00:00:00Z").await?;
//! // another connection served by the same process shares the pool
//! let other = store.for_connection("westfield-shop-2")?;
//! assert!(other.cursor("orders").await?.is_none());
//! # Ok(()) }
//! ```
//!
//! # Design
//! * **Driver:** `tokio-postgres` behind a `deadpool-postgres` pool; every trait method is one
//!   short transaction (or one statement).
//! * **Many connections per database:** every table carries a `connection_id` column in its
//!   key; a store handle is bound to one id ([`PostgresStore::for_connection`] makes another
//!   handle on the same pool). Nothing one connection writes is visible to another.
//! * **Migrations:** versioned and forward-only, recorded in a `schema_version` table, each in
//!   its own transaction under an advisory lock (workers may start together on a fresh
//!   database). A database migrated by a newer build is refused
//!   ([`StateError::NewerSchema`]).
//! * **The instance lease** is a row per connection (holder host, PID, start time and the last
//!   renewal). Taking it is a transaction that inserts the row or locks it
//!   (`SELECT … FOR UPDATE`) and replaces it only when it is the caller's own or was not renewed
//!   for the staleness bound. Every time is the **database's** clock, so workers on hosts with
//!   skewed clocks still agree on staleness.
//! * **Text** is stored as PostgreSQL `text`, which cannot hold a NUL character: such a value is
//!   refused with an error (the connector never writes one).
//!
//! # Errors
//! A PostgreSQL or pool error is a [`StateError::Backend`] whose message is PostgreSQL's and
//! whose source is the driver's error.
//!
//! # TLS
//! Connections are made without TLS (`NoTls`): run the database on the same host or a private
//! network, or through a TLS-terminating proxy.

#![deny(missing_docs)]

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use sync_connector::state::{
    InFlightCall, LeaseHolder, OrderEntry, ProductRowRecord, Result, SentOffer, StateError,
    StateStore,
};
use sync_core::lifecycle::OrderRecord;
use time::OffsetDateTime;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

mod schema;
pub mod workers;

pub use schema::SCHEMA_VERSION;

/// Pool size used by [`PostgresStore::connect`].
pub const DEFAULT_POOL_SIZE: usize = 8;

/// The longest accepted connection id.
pub const MAX_CONNECTION_ID_LEN: usize = 200;

/// A database or pool error as a [`StateError`].
pub(crate) fn db_error(e: impl std::error::Error + Send + Sync + 'static) -> StateError {
    StateError::Backend(Box::new(e))
}

/// Why a store could not be set up (wrapped in a [`StateError`]).
#[derive(Debug)]
struct SetupError(String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    v.max(0).unsigned_abs()
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Millisecond precision, as the lease holder's start time is compared (the SQLite store keeps
/// milliseconds too).
fn truncate_ms(t: OffsetDateTime) -> OffsetDateTime {
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).unwrap_or(t)
}

fn holder_pid(h: &LeaseHolder) -> i64 {
    i64::from(h.pid)
}

/// The PostgreSQL-backed state store, bound to one connection id. Cheap to clone (the pool is
/// shared).
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    connection_id: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // the pool's config holds the password: never print it
        f.debug_struct("PostgresStore")
            .field("connection_id", &self.connection_id)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db?…`, or the
    /// `key=value` form) with a pool of [`DEFAULT_POOL_SIZE`] connections, runs the
    /// migrations it lacks, and returns a store for `connection_id`.
    ///
    /// # Errors
    /// [`StateError::Backend`] wrapping the cause for an invalid URL or connection id, an
    /// unreachable database or a failed migration; [`StateError::NewerSchema`] for a database
    /// migrated by a newer build.
    pub async fn connect(url: &str, connection_id: &str) -> Result<PostgresStore> {
        Self::from_pool(Self::pool(url, DEFAULT_POOL_SIZE)?, connection_id).await
    }

    /// A pool of at most `max_size` connections to `url`, for [`PostgresStore::from_pool`]
    /// (no connection is made yet).
    ///
    /// # Errors
    /// [`StateError::Backend`] wrapping the cause for an invalid URL.
    pub fn pool(url: &str, max_size: usize) -> Result<Pool> {
        let config = tokio_postgres::Config::from_str(url).map_err(db_error)?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(max_size.max(1))
            .build()
            .map_err(|e| db_error(SetupError(format!("PostgreSQL pool: {e}"))))
    }

    /// A store for `connection_id` on `pool`, after running the migrations the database lacks.
    ///
    /// # Errors
    /// As [`PostgresStore::connect`].
    pub async fn from_pool(pool: Pool, connection_id: &str) -> Result<PostgresStore> {
        let store = PostgresStore {
            pool,
            connection_id: valid_connection_id(connection_id)?,
        };
        schema::migrate(&store.pool).await?;
        Ok(store)
    }

    /// Another store on the same pool (and database) for `connection_id`.
    ///
    /// # Errors
    /// [`StateError::Backend`] wrapping the cause for an empty or over-long id.
    pub fn for_connection(&self, connection_id: &str) -> Result<PostgresStore> {
        Ok(PostgresStore {
            pool: self.pool.clone(),
            connection_id: valid_connection_id(connection_id)?,
        })
    }

    /// The connection id this store reads and writes.
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// The schema version of the database (`schema_version`).
    ///
    /// # Errors
    /// A database error.
    pub async fn schema_version(&self) -> Result<i64> {
        schema::current_version(&self.pool).await
    }

    /// The worker leases on this store's database, for worker `worker` (see [`workers`]).
    ///
    /// # Errors
    /// [`StateError::Backend`] for an empty or over-long worker id.
    pub fn workers(&self, worker: &str) -> Result<workers::StoreLeases> {
        workers::StoreLeases::new(self.pool.clone(), worker)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(db_error)
    }

    fn finish_order(id: String, json: String, note: Option<String>) -> Result<OrderEntry> {
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

    fn order_row(row: &tokio_postgres::Row) -> Result<OrderEntry> {
        Self::finish_order(row.get(0), row.get(1), row.get(2))
    }

    fn holder_row(row: &tokio_postgres::Row) -> LeaseHolder {
        LeaseHolder {
            host: row.get(0),
            pid: u32::try_from(row.get::<_, i64>(1)).unwrap_or(0),
            since: row.get(2),
        }
    }
}

fn valid_connection_id(id: &str) -> Result<String> {
    if id.trim().is_empty() || id.len() > MAX_CONNECTION_ID_LEN || id.contains('\0') {
        return Err(db_error(SetupError(format!(
            "invalid connection id {id:?}: 1 to {MAX_CONNECTION_ID_LEN} bytes, not blank"
        ))));
    }
    Ok(id.to_owned())
}

fn is_bigcommerce_id_conflict(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|d| {
        *d.code() == SqlState::UNIQUE_VIOLATION
            && d.constraint() == Some("orders_bigcommerce_order_id_key")
    })
}

#[async_trait]
impl StateStore for PostgresStore {
    async fn sent_offer(&self, sku: &str) -> Result<Option<SentOffer>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT sku, hash, payload FROM sent_offers WHERE connection_id = $1 AND sku = $2",
                &[&self.connection_id, &sku],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| SentOffer {
            sku: r.get(0),
            hash: r.get(1),
            payload: r.get(2),
        }))
    }

    async fn sent_offer_recorded_at(&self, sku: &str) -> Result<Option<OffsetDateTime>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT sent_at FROM sent_offers WHERE connection_id = $1 AND sku = $2",
                &[&self.connection_id, &sku],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| r.get::<_, OffsetDateTime>(0)))
    }

    async fn sent_offers(&self) -> Result<Vec<SentOffer>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT sku, hash, payload FROM sent_offers WHERE connection_id = $1 ORDER BY sku",
                &[&self.connection_id],
            )
            .await
            .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| SentOffer {
                sku: r.get(0),
                hash: r.get(1),
                payload: r.get(2),
            })
            .collect())
    }

    async fn record_sent_offers(&self, offers: &[SentOffer]) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let stmt = tx
            .prepare_cached(
                "INSERT INTO sent_offers (connection_id, sku, hash, payload, sent_at)
                 VALUES ($1, $2, $3, $4, clock_timestamp())
                 ON CONFLICT (connection_id, sku) DO UPDATE SET hash = excluded.hash,
                   payload = excluded.payload,
                   sent_at = CASE WHEN sent_offers.hash = excluded.hash THEN sent_offers.sent_at
                                  ELSE excluded.sent_at END",
            )
            .await
            .map_err(db_error)?;
        for o in offers {
            tx.execute(&stmt, &[&self.connection_id, &o.sku, &o.hash, &o.payload])
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn forget_sent_offers(&self, skus: &[String]) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM sent_offers WHERE connection_id = $1 AND sku = ANY($2)",
                &[&self.connection_id, &skus],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn product_rows(&self) -> Result<Vec<ProductRowRecord>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT sku, hash, product_id, variant_id FROM product_rows
                 WHERE connection_id = $1 ORDER BY sku",
                &[&self.connection_id],
            )
            .await
            .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| ProductRowRecord {
                sku: r.get(0),
                hash: r.get(1),
                product_id: to_u64(r.get(2)),
                variant_id: r.get::<_, Option<i64>>(3).map(to_u64),
            })
            .collect())
    }

    async fn record_product_rows(
        &self,
        rows: &[ProductRowRecord],
        removed: &[String],
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let stmt = tx
            .prepare_cached(
                "INSERT INTO product_rows (connection_id, sku, hash, product_id, variant_id, sent_at)
                 VALUES ($1, $2, $3, $4, $5, clock_timestamp())
                 ON CONFLICT (connection_id, sku) DO UPDATE SET hash = excluded.hash,
                   product_id = excluded.product_id, variant_id = excluded.variant_id,
                   sent_at = excluded.sent_at",
            )
            .await
            .map_err(db_error)?;
        for r in rows {
            let variant = r.variant_id.map(to_i64);
            tx.execute(
                &stmt,
                &[
                    &self.connection_id,
                    &r.sku,
                    &r.hash,
                    &to_i64(r.product_id),
                    &variant,
                ],
            )
            .await
            .map_err(db_error)?;
        }
        tx.execute(
            "DELETE FROM product_rows WHERE connection_id = $1 AND sku = ANY($2)",
            &[&self.connection_id, &removed],
        )
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn order(&self, mirakl_order_id: &str) -> Result<Option<OrderEntry>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT mirakl_order_id, record::text, note FROM orders
                 WHERE connection_id = $1 AND mirakl_order_id = $2",
                &[&self.connection_id, &mirakl_order_id],
            )
            .await
            .map_err(db_error)?;
        row.as_ref().map(Self::order_row).transpose()
    }

    async fn orders(&self) -> Result<Vec<OrderEntry>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT mirakl_order_id, record::text, note FROM orders
                 WHERE connection_id = $1 ORDER BY mirakl_order_id",
                &[&self.connection_id],
            )
            .await
            .map_err(db_error)?;
        rows.iter().map(Self::order_row).collect()
    }

    async fn order_by_bigcommerce_id(
        &self,
        bigcommerce_order_id: u64,
    ) -> Result<Option<OrderEntry>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT mirakl_order_id, record::text, note FROM orders
                 WHERE connection_id = $1 AND bigcommerce_order_id = $2",
                &[&self.connection_id, &to_i64(bigcommerce_order_id)],
            )
            .await
            .map_err(db_error)?;
        row.as_ref().map(Self::order_row).transpose()
    }

    async fn save_order(
        &self,
        mirakl_order_id: &str,
        record: &OrderRecord,
        note: Option<&str>,
    ) -> Result<()> {
        let conflict = |id: u64| StateError::Conflict {
            order: mirakl_order_id.to_owned(),
            bigcommerce_order_id: id,
        };
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        // lock the order's row (if any) so two writers of one order serialise
        let current: Option<Option<i64>> = tx
            .query_opt(
                "SELECT bigcommerce_order_id FROM orders
                 WHERE connection_id = $1 AND mirakl_order_id = $2 FOR UPDATE",
                &[&self.connection_id, &mirakl_order_id],
            )
            .await
            .map_err(db_error)?
            .map(|r| r.get(0));
        let mut record = record.clone();
        match (current.flatten().map(to_u64), record.bigcommerce_order_id) {
            (Some(old), Some(new)) if old != new => return Err(conflict(new)),
            (Some(old), None) => record.bigcommerce_order_id = Some(old),
            _ => {}
        }
        if let Some(new) = record.bigcommerce_order_id {
            let owner: Option<String> = tx
                .query_opt(
                    "SELECT mirakl_order_id FROM orders
                     WHERE connection_id = $1 AND bigcommerce_order_id = $2",
                    &[&self.connection_id, &to_i64(new)],
                )
                .await
                .map_err(db_error)?
                .map(|r| r.get(0));
            if owner.is_some_and(|o| o != mirakl_order_id) {
                return Err(conflict(new));
            }
        }
        let json = serde_json::to_string(&record).map_err(|e| StateError::Invalid {
            column: "orders.record",
            value: e.to_string(),
        })?;
        let bc = record.bigcommerce_order_id.map(to_i64);
        let written = tx
            .execute(
                "INSERT INTO orders (connection_id, mirakl_order_id, bigcommerce_order_id, record,
                                     note, changed_at)
                 VALUES ($1, $2, $3, $4::text::jsonb, $5, clock_timestamp())
                 ON CONFLICT (connection_id, mirakl_order_id) DO UPDATE SET
                   bigcommerce_order_id = excluded.bigcommerce_order_id,
                   record = excluded.record,
                   note = COALESCE(excluded.note, orders.note),
                   changed_at = excluded.changed_at",
                &[&self.connection_id, &mirakl_order_id, &bc, &json, &note],
            )
            .await;
        match written {
            Ok(_) => tx.commit().await.map_err(db_error),
            // another writer mapped the same BigCommerce order between the check and the write
            Err(e) if is_bigcommerce_id_conflict(&e) => {
                Err(conflict(record.bigcommerce_order_id.unwrap_or_default()))
            }
            Err(e) => Err(db_error(e)),
        }
    }

    async fn shipment_sent(&self, shipment_id: u64) -> Result<bool> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT 1 FROM shipments_sent
                 WHERE connection_id = $1 AND bigcommerce_shipment_id = $2",
                &[&self.connection_id, &to_i64(shipment_id)],
            )
            .await
            .map_err(db_error)?;
        Ok(row.is_some())
    }

    async fn mark_shipment_sent(&self, shipment_id: u64, mirakl_order_id: &str) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "INSERT INTO shipments_sent (connection_id, bigcommerce_shipment_id,
                                             mirakl_order_id)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&self.connection_id, &to_i64(shipment_id), &mirakl_order_id],
            )
            .await
            .map_err(db_error)?;
        Ok(n == 1)
    }

    async fn cursor(&self, name: &str) -> Result<Option<String>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT value FROM cursors WHERE connection_id = $1 AND name = $2",
                &[&self.connection_id, &name],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn set_cursor(&self, name: &str, value: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO cursors (connection_id, name, value) VALUES ($1, $2, $3)
                 ON CONFLICT (connection_id, name) DO UPDATE SET value = excluded.value",
                &[&self.connection_id, &name, &value],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn begin_call(&self, kind: &str, key: &str, payload: &str) -> Result<i64> {
        let client = self.client().await?;
        // Insert, or find the open call with the same key. If that call is finished between
        // the two statements, the insert is simply tried again.
        for _ in 0..5 {
            let inserted = client
                .query_opt(
                    "INSERT INTO in_flight_calls (connection_id, kind, key, payload)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (connection_id, kind, key) WHERE done_at IS NULL DO NOTHING
                     RETURNING id",
                    &[&self.connection_id, &kind, &key, &payload],
                )
                .await
                .map_err(db_error)?;
            if let Some(row) = inserted {
                return Ok(row.get(0));
            }
            let open = client
                .query_opt(
                    "SELECT id FROM in_flight_calls
                     WHERE connection_id = $1 AND kind = $2 AND key = $3 AND done_at IS NULL",
                    &[&self.connection_id, &kind, &key],
                )
                .await
                .map_err(db_error)?;
            if let Some(row) = open {
                return Ok(row.get(0));
            }
        }
        Err(db_error(SetupError(format!(
            "in-flight call {kind}/{key}: the open entry kept changing under concurrent writers"
        ))))
    }

    async fn count_attempt(&self, id: i64) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE in_flight_calls SET attempts = attempts + 1
                 WHERE connection_id = $1 AND id = $2",
                &[&self.connection_id, &id],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn finish_call(&self, id: i64) -> Result<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE in_flight_calls SET done_at = clock_timestamp()
                 WHERE connection_id = $1 AND id = $2 AND done_at IS NULL",
                &[&self.connection_id, &id],
            )
            .await
            .map_err(db_error)?;
        Ok(n == 1)
    }

    async fn in_flight_calls(&self) -> Result<Vec<InFlightCall>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, kind, key, payload, attempts FROM in_flight_calls
                 WHERE connection_id = $1 AND done_at IS NULL ORDER BY id",
                &[&self.connection_id],
            )
            .await
            .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| InFlightCall {
                id: r.get(0),
                kind: r.get(1),
                key: r.get(2),
                payload: r.get(3),
                attempts: u32::try_from(r.get::<_, i32>(4)).unwrap_or(0),
            })
            .collect())
    }

    async fn prune_finished_calls(&self, keep: Duration) -> Result<usize> {
        let n = self
            .client()
            .await?
            .execute(
                "DELETE FROM in_flight_calls WHERE connection_id = $1 AND done_at IS NOT NULL
                 AND done_at < clock_timestamp() - $2::bigint * interval '1 microsecond'",
                &[&self.connection_id, &micros(keep)],
            )
            .await
            .map_err(db_error)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn acquire_lease(&self, holder: &LeaseHolder, stale_after: Duration) -> Result<()> {
        let since = truncate_ms(holder.since);
        let mut client = self.client().await?;
        // A free lease is inserted; a taken one is locked and replaced only when it is the
        // caller's or stale. A lease released between the two steps is simply tried again.
        for _ in 0..5 {
            let tx = client.transaction().await.map_err(db_error)?;
            let inserted = tx
                .execute(
                    "INSERT INTO lease (connection_id, host, pid, since, renewed_at)
                     VALUES ($1, $2, $3, $4, clock_timestamp())
                     ON CONFLICT (connection_id) DO NOTHING",
                    &[
                        &self.connection_id,
                        &holder.host,
                        &holder_pid(holder),
                        &since,
                    ],
                )
                .await
                .map_err(db_error)?;
            if inserted == 1 {
                return tx.commit().await.map_err(db_error);
            }
            let Some(row) = tx
                .query_opt(
                    "SELECT host, pid, since,
                            renewed_at <= clock_timestamp() - $2::bigint * interval '1 microsecond'
                     FROM lease WHERE connection_id = $1 FOR UPDATE",
                    &[&self.connection_id, &micros(stale_after)],
                )
                .await
                .map_err(db_error)?
            else {
                continue;
            };
            let current = Self::holder_row(&row);
            let stale: bool = row.get(3);
            let mine =
                current.host == holder.host && current.pid == holder.pid && current.since == since;
            if !mine && !stale {
                return Err(StateError::LeaseHeld { holder: current });
            }
            if !mine {
                tracing::warn!(previous = %current, connection = %self.connection_id,
                    "taking over a stale lease");
            }
            tx.execute(
                "UPDATE lease SET host = $2, pid = $3, since = $4, renewed_at = clock_timestamp()
                 WHERE connection_id = $1",
                &[
                    &self.connection_id,
                    &holder.host,
                    &holder_pid(holder),
                    &since,
                ],
            )
            .await
            .map_err(db_error)?;
            return tx.commit().await.map_err(db_error);
        }
        Err(db_error(SetupError(
            "the lease kept changing under concurrent writers".to_owned(),
        )))
    }

    async fn renew_lease(&self, holder: &LeaseHolder) -> Result<()> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE lease SET renewed_at = clock_timestamp()
                 WHERE connection_id = $1 AND host = $2 AND pid = $3 AND since = $4",
                &[
                    &self.connection_id,
                    &holder.host,
                    &holder_pid(holder),
                    &truncate_ms(holder.since),
                ],
            )
            .await
            .map_err(db_error)?;
        if n == 0 {
            return Err(StateError::LeaseLost);
        }
        Ok(())
    }

    async fn release_lease(&self, holder: &LeaseHolder) -> Result<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM lease
                 WHERE connection_id = $1 AND host = $2 AND pid = $3 AND since = $4",
                &[
                    &self.connection_id,
                    &holder.host,
                    &holder_pid(holder),
                    &truncate_ms(holder.since),
                ],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn lease_holder(&self) -> Result<Option<LeaseHolder>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT host, pid, since FROM lease WHERE connection_id = $1",
                &[&self.connection_id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.as_ref().map(Self::holder_row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_are_checked() {
        assert!(valid_connection_id("shop-1").is_ok());
        assert!(valid_connection_id("  ").is_err());
        assert!(valid_connection_id(&"x".repeat(MAX_CONNECTION_ID_LEN + 1)).is_err());
    }

    #[test]
    fn durations_become_microseconds() {
        assert_eq!(micros(Duration::from_millis(10)), 10_000);
        assert_eq!(micros(Duration::MAX), i64::MAX);
    }

    #[tokio::test]
    async fn an_invalid_url_is_an_error_naming_the_cause() {
        let err = PostgresStore::connect("postgres://[::1", "c")
            .await
            .unwrap_err();
        assert!(matches!(err, StateError::Backend(_)), "{err:?}");
    }
}

/// Opens each shop's state on one shared pool (`sync_connector::fleet::StateSource`): the
/// store of `<connection>/<shop>` is [`PostgresStore::for_connection`] of that id. The
/// migrations run once, in [`PostgresStates::connect`].
#[derive(Clone)]
pub struct PostgresStates {
    base: PostgresStore,
}

impl fmt::Debug for PostgresStates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStates").finish_non_exhaustive()
    }
}

impl PostgresStates {
    /// A pool of at most `max_size` connections to `url`, migrated.
    ///
    /// # Errors
    /// As [`PostgresStore::connect`].
    pub async fn connect(url: &str, max_size: usize) -> Result<PostgresStates> {
        let base = PostgresStore::from_pool(PostgresStore::pool(url, max_size)?, "fleet").await?;
        Ok(PostgresStates { base })
    }

    /// `worker`'s view of the store leases on the same pool (see [`workers`]).
    ///
    /// # Errors
    /// An empty or over-long worker id.
    pub fn workers(&self, worker: &str) -> Result<workers::StoreLeases> {
        self.base.workers(worker)
    }
}

#[async_trait]
impl sync_connector::fleet::StateSource for PostgresStates {
    async fn open(&self, id: &str) -> Result<std::sync::Arc<dyn StateStore>> {
        Ok(std::sync::Arc::new(self.base.for_connection(id)?))
    }
}
