//! Worker leases: many identical worker processes share the BigCommerce stores of one
//! database, each store (with all its marketplace shops, so one pacer owns its quota) leased to
//! exactly one worker at a time.
//!
//! * Stores are registered once ([`StoreLeases::register`]); a free or stale store is claimed
//!   with `SELECT … FOR UPDATE SKIP LOCKED`, so workers claiming at the same moment never wait
//!   for each other and never claim the same store.
//! * A worker renews what it holds well within the staleness bound
//!   ([`StoreLeases::renew`]); a store whose worker stopped renewing (killed, partitioned) is
//!   claimed by another worker once the bound has passed.
//! * Adding a worker spreads the load without configuration: [`StoreLeases::balance`] claims
//!   up to the worker's fair share (the stores divided by the live workers, rounded up) and
//!   releases what it holds beyond it, so the others can claim it.
//!
//! Times are the database's clock, so workers on hosts with skewed clocks agree.
//!
//! ```no_run
//! # async fn run() -> Result<(), sync_connector::state::StateError> {
//! use std::time::Duration;
//! use sync_state_postgres::PostgresStore;
//!
//! let store = PostgresStore::connect("postgres://sync@127.0.0.1/sync", "any").await?;
//! let leases = store.workers("worker-a")?;
//! leases.register(&["store-1", "store-2", "store-3"]).await?;
//! let mine = leases.balance(Duration::from_secs(60)).await?;
//! println!("serving {mine:?}");
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use deadpool_postgres::Pool;
use sync_connector::state::Result;

use crate::{db_error, micros, valid_connection_id};

/// Records that a worker is alive (for the fair share of the others).
const HEARTBEAT: &str = "INSERT INTO workers (worker, seen_at) VALUES ($1, clock_timestamp())
     ON CONFLICT (worker) DO UPDATE SET seen_at = excluded.seen_at";

/// One worker's view of the store leases.
#[derive(Clone)]
pub struct StoreLeases {
    pool: Pool,
    worker: String,
}

impl fmt::Debug for StoreLeases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreLeases")
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl StoreLeases {
    pub(crate) fn new(pool: Pool, worker: &str) -> Result<StoreLeases> {
        Ok(StoreLeases {
            pool,
            worker: valid_connection_id(worker)?,
        })
    }

    /// This worker's id.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(db_error)
    }

    /// Adds `stores` to the shared list (free until claimed); stores already listed are kept
    /// as they are. Returns how many were new.
    ///
    /// # Errors
    /// A database error.
    pub async fn register(&self, stores: &[&str]) -> Result<u64> {
        let client = self.client().await?;
        let keys: Vec<String> = stores.iter().map(|s| (*s).to_owned()).collect();
        client
            .execute(
                "INSERT INTO store_leases (store_key)
                 SELECT unnest($1::text[]) ON CONFLICT (store_key) DO NOTHING",
                &[&keys],
            )
            .await
            .map_err(db_error)
    }

    /// Claims free stores, and stores not renewed for `stale_after`, until this worker holds
    /// `max` (fewer if no more are claimable); renews those it already holds. Returns the
    /// stores it holds, sorted.
    ///
    /// # Errors
    /// A database error (nothing is claimed then).
    pub async fn claim(&self, max: usize, stale_after: Duration) -> Result<Vec<String>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        tx.execute(HEARTBEAT, &[&self.worker])
            .await
            .map_err(db_error)?;
        let held = tx
            .execute(
                "UPDATE store_leases SET renewed_at = clock_timestamp() WHERE worker = $1",
                &[&self.worker],
            )
            .await
            .map_err(db_error)?;
        let want = i64::try_from(max).unwrap_or(i64::MAX) - i64::try_from(held).unwrap_or(0);
        if want > 0 {
            tx.execute(
                "WITH free AS (
                     SELECT store_key FROM store_leases
                     WHERE worker IS NULL
                        OR renewed_at <= clock_timestamp() - $2::bigint * interval '1 microsecond'
                     ORDER BY store_key
                     LIMIT $3
                     FOR UPDATE SKIP LOCKED
                 )
                 UPDATE store_leases s
                 SET worker = $1, claimed_at = clock_timestamp(), renewed_at = clock_timestamp()
                 FROM free WHERE s.store_key = free.store_key",
                &[&self.worker, &micros(stale_after), &want],
            )
            .await
            .map_err(db_error)?;
        }
        let rows = tx
            .query(
                "SELECT store_key FROM store_leases WHERE worker = $1 ORDER BY store_key",
                &[&self.worker],
            )
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Renews every store this worker holds; returns them, sorted (a store taken over by
    /// another worker is no longer among them: stop serving it).
    ///
    /// # Errors
    /// A database error.
    pub async fn renew(&self) -> Result<Vec<String>> {
        let client = self.client().await?;
        client
            .execute(HEARTBEAT, &[&self.worker])
            .await
            .map_err(db_error)?;
        let rows = client
            .query(
                "UPDATE store_leases SET renewed_at = clock_timestamp() WHERE worker = $1
                 RETURNING store_key",
                &[&self.worker],
            )
            .await
            .map_err(db_error)?;
        let mut out: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        out.sort();
        Ok(out)
    }

    /// Releases `stores` if this worker holds them (another worker may claim them at once).
    ///
    /// # Errors
    /// A database error.
    pub async fn release(&self, stores: &[String]) -> Result<u64> {
        self.client()
            .await?
            .execute(
                "UPDATE store_leases SET worker = NULL, claimed_at = NULL, renewed_at = NULL
                 WHERE worker = $1 AND store_key = ANY($2)",
                &[&self.worker, &stores],
            )
            .await
            .map_err(db_error)
    }

    /// This worker's fair share: the registered stores divided by the live workers (those
    /// seen, by a claim or a renewal, within `stale_after`; this one included), rounded up.
    ///
    /// # Errors
    /// A database error.
    pub async fn fair_share(&self, stale_after: Duration) -> Result<usize> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT count(*) FROM store_leases),
                        (SELECT count(*) FROM workers
                         WHERE worker <> $1
                           AND seen_at > clock_timestamp() - $2::bigint * interval '1 microsecond')",
                &[&self.worker, &micros(stale_after)],
            )
            .await
            .map_err(db_error)?;
        let stores = usize::try_from(row.get::<_, i64>(0)).unwrap_or(0);
        let others = usize::try_from(row.get::<_, i64>(1)).unwrap_or(0);
        Ok(stores.div_ceil(others + 1))
    }

    /// One balancing round: marks this worker alive, releases what it holds beyond its
    /// [fair share](StoreLeases::fair_share) (the last stores by key), then claims up to it.
    /// Returns the stores it holds, sorted. Call it at every renewal.
    ///
    /// # Errors
    /// A database error.
    pub async fn balance(&self, stale_after: Duration) -> Result<Vec<String>> {
        let held = self.renew().await?;
        let share = self.fair_share(stale_after).await?;
        if held.len() > share {
            self.release(&held[share..]).await?;
        }
        self.claim(share, stale_after).await
    }

    /// Every registered store with its worker (`None` when free), sorted by store.
    ///
    /// # Errors
    /// A database error.
    pub async fn holders(&self) -> Result<Vec<(String, Option<String>)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT store_key, worker FROM store_leases ORDER BY store_key",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

#[async_trait::async_trait]
impl sync_connector::fleet::LeaseBoard for StoreLeases {
    fn worker(&self) -> &str {
        &self.worker
    }

    async fn announce(&self) -> Result<()> {
        self.renew().await.map(drop)
    }

    async fn register(&self, stores: &[String]) -> Result<()> {
        let keys: Vec<&str> = stores.iter().map(String::as_str).collect();
        StoreLeases::register(self, &keys).await.map(drop)
    }

    async fn balance(&self, stale_after: Duration) -> Result<Vec<String>> {
        StoreLeases::balance(self, stale_after).await
    }

    async fn release(&self, stores: &[String]) -> Result<()> {
        StoreLeases::release(self, stores).await.map(drop)
    }
}
