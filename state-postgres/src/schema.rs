//! Versioned, forward-only migrations kept in the `schema_version` table.
//!
//! Every migration runs in its own transaction under a transaction-scoped advisory lock, so
//! any number of workers may start at once against a fresh database: one applies each
//! version, the others wait and then find it applied.

use deadpool_postgres::Pool;
use sync_connector::state::{Result, StateError};

use crate::db_error;

/// `pg_advisory_xact_lock` key that serialises migrations (any fixed number, chosen once:
/// "bcmirakl" in ASCII).
const MIGRATION_LOCK: i64 = 0x6263_6d69_726b_6c00;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`. Never edit a released one;
/// append a new version instead.
///
/// Every table is keyed by `connection_id` (one BigCommerce store with its Mirakl shops), so
/// many connections share one database. Text keys use the `"C"` collation: listings are sorted
/// by byte order, as the SQLite store sorts them, whatever the database's locale.
const MIGRATIONS: &[&str] = &[
    // 1: the state of the connector's `StateStore` trait.
    r#"
    CREATE TABLE sent_offers (
        connection_id TEXT COLLATE "C" NOT NULL,
        sku           TEXT COLLATE "C" NOT NULL,
        hash          TEXT NOT NULL,
        payload       TEXT NOT NULL,
        sent_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (connection_id, sku)
    );
    CREATE TABLE product_rows (
        connection_id TEXT COLLATE "C" NOT NULL,
        sku           TEXT COLLATE "C" NOT NULL,
        hash          TEXT NOT NULL,
        product_id    BIGINT NOT NULL,
        variant_id    BIGINT,
        sent_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (connection_id, sku)
    );
    CREATE TABLE orders (
        connection_id        TEXT COLLATE "C" NOT NULL,
        mirakl_order_id      TEXT COLLATE "C" NOT NULL,
        bigcommerce_order_id BIGINT,
        record               JSONB NOT NULL,
        note                 TEXT,
        changed_at           TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (connection_id, mirakl_order_id),
        CONSTRAINT orders_bigcommerce_order_id_key UNIQUE (connection_id, bigcommerce_order_id)
    );
    CREATE TABLE shipments_sent (
        connection_id           TEXT COLLATE "C" NOT NULL,
        bigcommerce_shipment_id BIGINT NOT NULL,
        mirakl_order_id         TEXT NOT NULL,
        sent_at                 TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (connection_id, bigcommerce_shipment_id)
    );
    CREATE TABLE cursors (
        connection_id TEXT COLLATE "C" NOT NULL,
        name          TEXT COLLATE "C" NOT NULL,
        value         TEXT NOT NULL,
        PRIMARY KEY (connection_id, name)
    );
    CREATE TABLE in_flight_calls (
        id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        connection_id TEXT COLLATE "C" NOT NULL,
        kind          TEXT NOT NULL,
        key           TEXT NOT NULL,
        payload       TEXT NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        created_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        done_at       TIMESTAMPTZ
    );
    CREATE UNIQUE INDEX in_flight_calls_open_key
        ON in_flight_calls (connection_id, kind, key) WHERE done_at IS NULL;
    CREATE INDEX in_flight_calls_done ON in_flight_calls (connection_id, done_at)
        WHERE done_at IS NOT NULL;
    CREATE TABLE lease (
        connection_id TEXT COLLATE "C" PRIMARY KEY,
        host          TEXT NOT NULL,
        pid           BIGINT NOT NULL,
        since         TIMESTAMPTZ NOT NULL,
        renewed_at    TIMESTAMPTZ NOT NULL
    );
    "#,
    // 2: worker leases, one per BigCommerce store (with all its marketplace shops), claimed
    // with `FOR UPDATE SKIP LOCKED` (`crate::workers`).
    r#"
    CREATE TABLE store_leases (
        store_key   TEXT COLLATE "C" PRIMARY KEY,
        worker      TEXT,
        claimed_at  TIMESTAMPTZ,
        renewed_at  TIMESTAMPTZ
    );
    CREATE INDEX store_leases_worker ON store_leases (worker);
    CREATE TABLE workers (
        worker   TEXT COLLATE "C" PRIMARY KEY,
        seen_at  TIMESTAMPTZ NOT NULL
    );
    "#,
];

/// The latest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`], one version per transaction.
pub(crate) async fn migrate(pool: &Pool) -> Result<()> {
    let mut client = pool.get().await.map_err(db_error)?;
    loop {
        let tx = client.transaction().await.map_err(db_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db_error)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version    BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
             )",
        )
        .await
        .map_err(db_error)?;
        let current: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
            .await
            .map_err(db_error)?
            .get(0);
        if current > SCHEMA_VERSION {
            return Err(StateError::NewerSchema {
                found: current,
                known: SCHEMA_VERSION,
            });
        }
        if current == SCHEMA_VERSION {
            tx.commit().await.map_err(db_error)?;
            return Ok(());
        }
        let next = current + 1;
        let sql = MIGRATIONS[usize::try_from(current).unwrap_or(usize::MAX)];
        tx.batch_execute(sql).await.map_err(db_error)?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&next])
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        tracing::info!(version = next, "PostgreSQL state schema migrated");
    }
}

/// The version recorded in `schema_version`.
pub(crate) async fn current_version(pool: &Pool) -> Result<i64> {
    let client = pool.get().await.map_err(db_error)?;
    Ok(client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
        .await
        .map_err(db_error)?
        .get(0))
}
