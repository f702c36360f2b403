//! The connector's durable state, behind the [`StateStore`] trait.
//!
//! What a store keeps, and why it must survive a crash or `kill -9`:
//!
//! * **Last sent offer per SKU** ([`SentOffer`]: content hash + full payload): what Mirakl was
//!   last told, so an unchanged offer is never re-sent and a full-replace OF24 can always be
//!   rebuilt.
//! * **The order map** ([`OrderEntry`]): per Mirakl order, the
//!   [`sync_core::lifecycle::OrderRecord`] — the one record of how far the order got
//!   (accepted, create started, BigCommerce id, tracking sent, shipped, refunds…). The
//!   BigCommerce id is unique across orders and can never change once set.
//! * **Cursors**: the last BigCommerce `date_modified` seen, the last Mirakl update date, …
//! * **In-flight calls** ([`InFlightCall`]): a call whose effect is not idempotent is recorded
//!   *before* it is made and finished *after* it is confirmed; the ones still open after a
//!   crash are re-read on start and their orders stepped again (the record says what to do).
//! * **Product row hashes** ([`ProductRowRecord`]): the P41 rows the operator integrated.
//! * **The instance lease** ([`LeaseHolder`]): one running connector per state; a second one is
//!   refused with the holder's host, PID and start time, and a lease not renewed for the
//!   staleness bound is taken over.
//!
//! # Design
//! The trait is **object-safe and async** (`Arc<dyn StateStore>`, via `async_trait`): the
//! flows only ever see `dyn StateStore`, so a PostgreSQL store (shared by many workers, with
//! an async driver) plugs in without touching them. Each method is one short transaction.
//! [`SqliteStore`] is the embedded default (one process, one file); its trait methods run
//! the (sub-millisecond, WAL) SQLite calls inline. Every store must pass the shared suite in
//! `state::conformance` (compiled with the `conformance` feature).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use sync_core::lifecycle::OrderRecord;
use time::OffsetDateTime;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod pause;
pub mod rebuild;
mod sqlite;

pub use sqlite::SqliteStore;

/// Errors from a state store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// SQLite refused an operation (I/O error, corrupt file, constraint, …).
    #[error("state database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Another database behind a [`StateStore`] (PostgreSQL, …) or its connection pool failed.
    #[error("state database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored value could not be understood (written by a newer version, or edited by hand).
    #[error("state database holds an invalid value in {column}: {value:?}")]
    Invalid {
        /// Table and column.
        column: &'static str,
        /// The stored text.
        value: String,
    },
    /// The order already maps to another BigCommerce order, or that BigCommerce order already
    /// belongs to another Mirakl order (saving would lose or repeat an order).
    #[error("order {order}: BigCommerce order {bigcommerce_order_id} conflicts with the order map")]
    Conflict {
        /// Mirakl order id.
        order: String,
        /// The BigCommerce id that was refused.
        bigcommerce_order_id: u64,
    },
    /// Another instance holds the lease on this state.
    #[error("another connector holds this state: {holder}")]
    LeaseHeld {
        /// Who holds it.
        holder: LeaseHolder,
    },
    /// This instance no longer holds the lease (it went stale and was taken over, or was
    /// released).
    #[error("the lease on this state was lost")]
    LeaseLost,
    /// The file was written by a newer version of the connector (its schema is unknown).
    #[error("state schema version {found} is newer than this connector knows ({known})")]
    NewerSchema {
        /// Version in the file.
        found: i64,
        /// Latest version this build knows.
        known: i64,
    },
}

impl StateError {
    /// Whether the store itself cannot be read: a file that is damaged, not a state file at
    /// all, or not readable or writable by this user (as opposed to a value or a lease). The
    /// way out is a good backup, or `sync --rebuild-state`.
    pub fn is_unreadable(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            StateError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                C::NotADatabase
                    | C::DatabaseCorrupt
                    | C::CannotOpen
                    | C::PermissionDenied
                    | C::ReadOnly
                    | C::SystemIoFailure
                    | C::NoLargeFileSupport
            ),
            StateError::Invalid { .. } => true,
            _ => false,
        }
    }
}

/// Result alias for the state store.
pub type Result<T, E = StateError> = std::result::Result<T, E>;

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

/// One row of the order map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEntry {
    /// Mirakl order id (the unique key).
    pub mirakl_order_id: String,
    /// How far the order got: the one source of truth for its progress.
    pub record: OrderRecord,
    /// Free-form detail (cancellation reason, …), kept until replaced.
    pub note: Option<String>,
}

impl OrderEntry {
    /// The BigCommerce order id, once known.
    pub fn bigcommerce_order_id(&self) -> Option<u64> {
        self.record.bigcommerce_order_id
    }
}

/// A call that was about to be made and is not yet confirmed (re-read and its order stepped
/// again after a crash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlightCall {
    /// Row id.
    pub id: i64,
    /// Kind of call (e.g. `"or21"`, `"bc_create_order"`, `"or24"`).
    pub kind: String,
    /// Idempotency key within the kind (e.g. the Mirakl order id).
    pub key: String,
    /// Everything needed to replay the call (JSON).
    pub payload: String,
    /// How many times it was attempted.
    pub attempts: u32,
}

/// Who holds the instance lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// When the holder started (millisecond precision is kept).
    pub since: OffsetDateTime,
}

impl LeaseHolder {
    /// This process: the host name (`HOSTNAME`, `/etc/hostname`, else `unknown`), its PID and
    /// now.
    pub fn this_process() -> LeaseHolder {
        let host = std::env::var("HOSTNAME")
            .ok()
            .filter(|h| !h.trim().is_empty())
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_owned())
                    .filter(|h| !h.is_empty())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        LeaseHolder {
            host,
            pid: std::process::id(),
            since: truncate_ms(OffsetDateTime::now_utc()),
        }
    }
}

impl fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use time::format_description::well_known::Rfc3339;
        let since = self
            .since
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.since.to_string());
        write!(f, "host {}, PID {}, since {since}", self.host, self.pid)
    }
}

pub(crate) fn truncate_ms(t: OffsetDateTime) -> OffsetDateTime {
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).unwrap_or(t)
}

/// What the flows need from durable state. See the [module docs](self) for what each part is
/// for and why the trait is async and object-safe.
///
/// Every method is one transaction: a crash never leaves half of a call's writes.
#[async_trait]
pub trait StateStore: Send + Sync + fmt::Debug {
    // ------------------------------------------------------------ sent offers

    /// What was last sent for `sku`.
    ///
    /// # Errors
    /// A store error.
    async fn sent_offer(&self, sku: &str) -> Result<Option<SentOffer>>;

    /// When the current content of `sku`'s last sent offer was first recorded (recording the
    /// same content again keeps the time; new content sets it): the "when" of `sync explain`.
    ///
    /// # Errors
    /// A store error.
    async fn sent_offer_recorded_at(&self, sku: &str) -> Result<Option<OffsetDateTime>>;

    /// Every SKU's last sent offer, sorted by SKU.
    ///
    /// # Errors
    /// A store error.
    async fn sent_offers(&self) -> Result<Vec<SentOffer>>;

    /// Records a batch of offers as sent (upsert by SKU), all or nothing. Call it after
    /// Mirakl confirmed the import, so a crash before that simply re-sends the batch.
    ///
    /// # Errors
    /// A store error; nothing is written then.
    async fn record_sent_offers(&self, offers: &[SentOffer]) -> Result<()>;

    /// Forgets what was sent for `skus` (forces a re-send on the next cycle).
    ///
    /// # Errors
    /// A store error.
    async fn forget_sent_offers(&self, skus: &[String]) -> Result<()>;

    // ------------------------------------------------------------ product rows (P41)

    /// Every integrated product row, sorted by SKU.
    ///
    /// # Errors
    /// A store error.
    async fn product_rows(&self) -> Result<Vec<ProductRowRecord>>;

    /// Records integrated rows (upsert by SKU) and forgets `removed` SKUs, all or nothing.
    ///
    /// # Errors
    /// A store error; nothing is written then.
    async fn record_product_rows(
        &self,
        rows: &[ProductRowRecord],
        removed: &[String],
    ) -> Result<()>;

    // ------------------------------------------------------------ order map

    /// The order's entry, if known.
    ///
    /// # Errors
    /// A store error, or [`StateError::Invalid`] for an unreadable record.
    async fn order(&self, mirakl_order_id: &str) -> Result<Option<OrderEntry>>;

    /// Every order, sorted by Mirakl order id.
    ///
    /// # Errors
    /// As [`StateStore::order`].
    async fn orders(&self) -> Result<Vec<OrderEntry>>;

    /// The order mapped to BigCommerce order `bigcommerce_order_id`.
    ///
    /// # Errors
    /// As [`StateStore::order`].
    async fn order_by_bigcommerce_id(
        &self,
        bigcommerce_order_id: u64,
    ) -> Result<Option<OrderEntry>>;

    /// Saves the order's record (insert or replace) with an optional note (`None` keeps the
    /// stored note). The record is the authority on what was done, so any field may change,
    /// except the BigCommerce id: once set it is kept (a record without it does not clear it)
    /// and a different one is refused, as is an id already mapped to another order.
    ///
    /// # Errors
    /// [`StateError::Conflict`] for a different or already mapped BigCommerce id; a store
    /// error.
    async fn save_order(
        &self,
        mirakl_order_id: &str,
        record: &OrderRecord,
        note: Option<&str>,
    ) -> Result<()>;

    /// Whether BigCommerce shipment `shipment_id` was already forwarded to Mirakl.
    ///
    /// # Errors
    /// A store error.
    async fn shipment_sent(&self, shipment_id: u64) -> Result<bool>;

    /// Marks BigCommerce shipment `shipment_id` as forwarded for `mirakl_order_id`. Returns
    /// `false` when it was already marked.
    ///
    /// # Errors
    /// A store error.
    async fn mark_shipment_sent(&self, shipment_id: u64, mirakl_order_id: &str) -> Result<bool>;

    // ------------------------------------------------------------ cursors

    /// The cursor `name`, if set.
    ///
    /// # Errors
    /// A store error.
    async fn cursor(&self, name: &str) -> Result<Option<String>>;

    /// Sets the cursor `name`.
    ///
    /// # Errors
    /// A store error.
    async fn set_cursor(&self, name: &str, value: &str) -> Result<()>;

    /// A cursor holding an RFC 3339 timestamp.
    ///
    /// # Errors
    /// [`StateError::Invalid`] when the stored text is not RFC 3339; a store error.
    async fn time_cursor(&self, name: &str) -> Result<Option<OffsetDateTime>> {
        use time::format_description::well_known::Rfc3339;
        self.cursor(name)
            .await?
            .map(|v| {
                OffsetDateTime::parse(&v, &Rfc3339).map_err(|_| StateError::Invalid {
                    column: "cursors.value",
                    value: v,
                })
            })
            .transpose()
    }

    /// Sets a timestamp cursor (RFC 3339 UTC). Never moves it backwards: a value older than
    /// the stored one is ignored.
    ///
    /// # Errors
    /// A store error, or [`StateError::Invalid`] if the stored value is corrupt.
    async fn advance_time_cursor(&self, name: &str, value: OffsetDateTime) -> Result<()> {
        use time::format_description::well_known::Rfc3339;
        if let Some(old) = self.time_cursor(name).await?
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
        self.set_cursor(name, &text).await
    }

    // ------------------------------------------------------------ in-flight calls

    /// Records a call before making it. If a call with the same `(kind, key)` is still in
    /// flight, its id is returned instead (its payload kept), so a retry never records twice.
    ///
    /// # Errors
    /// A store error.
    async fn begin_call(&self, kind: &str, key: &str, payload: &str) -> Result<i64>;

    /// Counts one more attempt of call `id`.
    ///
    /// # Errors
    /// A store error.
    async fn count_attempt(&self, id: i64) -> Result<()>;

    /// Marks call `id` finished (confirmed, or its outcome known). Returns `false` if it was
    /// already finished or does not exist.
    ///
    /// # Errors
    /// A store error.
    async fn finish_call(&self, id: i64) -> Result<bool>;

    /// Calls still in flight, oldest first: their orders are stepped again on start.
    ///
    /// # Errors
    /// A store error.
    async fn in_flight_calls(&self) -> Result<Vec<InFlightCall>>;

    /// Deletes finished calls older than `keep`. Returns how many.
    ///
    /// # Errors
    /// A store error.
    async fn prune_finished_calls(&self, keep: Duration) -> Result<usize>;

    // ------------------------------------------------------------ instance lease

    /// Takes the lease for `holder`: free, already `holder`'s, or not renewed for
    /// `stale_after` (its holder is presumed dead and is replaced).
    ///
    /// # Errors
    /// [`StateError::LeaseHeld`] naming the live holder; a store error.
    async fn acquire_lease(&self, holder: &LeaseHolder, stale_after: Duration) -> Result<()>;

    /// Renews `holder`'s lease (call it well within the staleness bound).
    ///
    /// # Errors
    /// [`StateError::LeaseLost`] when `holder` no longer holds it; a store error.
    async fn renew_lease(&self, holder: &LeaseHolder) -> Result<()>;

    /// Releases `holder`'s lease (nothing happens if another holds it).
    ///
    /// # Errors
    /// A store error.
    async fn release_lease(&self, holder: &LeaseHolder) -> Result<()>;

    /// The current holder, if any (stale or not).
    ///
    /// # Errors
    /// A store error.
    async fn lease_holder(&self) -> Result<Option<LeaseHolder>>;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_sensitive() {
        // FNV-1a 64 reference values
        assert_eq!(content_hash(b""), "cbf29ce484222325");
        assert_eq!(content_hash(b"a"), "af63dc4c8601ec8c");
        assert_ne!(content_hash(b"{\"q\":1}"), content_hash(b"{\"q\":2}"));
    }

    #[test]
    fn holder_names_host_pid_and_start() {
        let h = LeaseHolder {
            host: "box".into(),
            pid: 42,
            since: time::macros::datetime!(2026-01-02 03:04:05 UTC),
        };
        assert_eq!(
            h.to_string(),
            "host box, PID 42, since 2026-01-02T03:04:05Z"
        );
    }
}
