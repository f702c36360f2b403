//! Product sync (P41): BigCommerce products become marketplace products before their offers.
//!
//! The products flow. One [`ProductsFlow::sync_products`] step does at most one of:
//!
//! * poll the running product import (P42, at the status-poll pace); once it is final, read
//!   its error report (P44), map the rejected lines back to BigCommerce product/variant ids
//!   (`sync_core::products::map_error_report`), remember the hashes of the accepted rows in
//!   SQLite (`record_sent`, only now: an import that never completes is sent again) and mark
//!   their products dirty so their offers go out;
//! * when a product changed (or never ran) and the P41 window is open (15 minutes on a real
//!   instance): read the operator's catalog (H11/PM11/VL11, cached for an hour), read the
//!   BigCommerce catalog, map and validate every row (`prepare`), and send the valid rows
//!   that are new or changed (`changed_rows`) as one P41 file.
//!
//! With [`ProductSyncOptions::hold_offers`] (a closed operator catalog) an offer is only sent
//! for a SKU whose product the operator already knows (integrated by a P41 import of this
//! connector, or already holding an offer); the others wait, and are sent as soon as their
//! product is integrated. Rejected rows, by validation or by the operator, are kept in
//! [`ProductReport::rejected`] with their reason and surfaced in the summary.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mirakl_api::client::ProductImportFile;
use sync_core::ShopSku;
use sync_core::coalesce::DirtyKey;
use sync_core::offers::DesiredOffer;
use sync_core::products::{
    self, OperatorCatalog, ProductBatch, ProductRow, ProductRules, ProductSource, RowHash,
};
use sync_core::types::CatalogRef;
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::context::{Shared, lock, now_utc};
use crate::error::{Error, Result};
use crate::offers::OffersFlow;
use crate::state::{ProductRowRecord, StateStore};

const CURSOR_LAST_P41: &str = "mirakl.products.last_import";
/// Prefix of the summary problem of a row kept out by validation.
const PROBLEM_INVALID: &str = "product not sent: ";
/// Prefix of the summary problem of a row in a P44 report.
const PROBLEM_REFUSED: &str = "product rejected by the operator (P44): ";

/// Product sync settings; `None` in [`crate::ConnectorOptions::products`] turns product sync off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSyncOptions {
    /// Minimum time between two P41 imports (Mirakl: 15 minutes).
    pub import_interval: Duration,
    /// How long the operator's H11/PM11/VL11 data is reused (Mirakl: those calls once an
    /// hour at most).
    pub operator_ttl: Duration,
    /// Pause between two P42 status polls of a running import (Mirakl: once a minute).
    pub status_poll: Duration,
    /// Status polls before an import is given up (its rows are sent again later).
    pub max_polls: u32,
    /// Closed operator catalog: send an offer only once its product is on the marketplace.
    pub hold_offers: bool,
}

impl Default for ProductSyncOptions {
    fn default() -> Self {
        ProductSyncOptions {
            import_interval: Duration::from_secs(15 * 60),
            operator_ttl: Duration::from_secs(3600),
            status_poll: Duration::from_secs(60),
            max_polls: 120,
            hold_offers: true,
        }
    }
}

/// What one [`ProductsFlow::sync_products`] step did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProductStep {
    /// Product sync is off, or nothing was due.
    #[default]
    Idle,
    /// The catalog was checked: no valid row is new or changed.
    UpToDate {
        /// Rows kept out by validation.
        invalid: usize,
    },
    /// A P41 import was sent.
    Sent {
        /// Import id.
        import_id: u64,
        /// Rows in the file.
        rows: usize,
        /// Rows kept out by validation.
        invalid: usize,
    },
    /// The running import is not final yet.
    Waiting {
        /// Import id.
        import_id: u64,
    },
    /// The running import finished.
    Completed {
        /// Import id.
        import_id: u64,
        /// Rows the operator integrated.
        accepted: usize,
        /// Rows in the P44 error report.
        rejected: usize,
    },
    /// The running import failed as a whole (or was given up); its rows will be sent again.
    Failed {
        /// Import id.
        import_id: u64,
        /// The final status, or why it was given up.
        reason: String,
    },
}

/// A row that did not reach the marketplace, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The BigCommerce product and variant, when known.
    pub source: Option<CatalogRef>,
    /// `validation` (found before upload) or `P44` (the operator's error report).
    pub stage: &'static str,
    /// The reason(s).
    pub reason: String,
}

/// Product sync counters and rejections, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductReport {
    /// P41 imports sent.
    pub imports: u64,
    /// Rows sent in those imports.
    pub rows_sent: u64,
    /// Rows the operator integrated.
    pub rows_accepted: u64,
    /// Rows in P44 error reports.
    pub rows_rejected: u64,
    /// SKUs integrated on the marketplace by this connector (persisted).
    pub integrated: usize,
    /// Rejected rows by SKU (or `product N` when the item has no usable SKU).
    pub rejected: BTreeMap<String, RejectedRow>,
    /// Offers waiting for their marketplace product (closed catalog).
    pub held_offers: BTreeSet<String>,
}

struct PendingImport {
    import_id: u64,
    rows: Vec<ProductRow>,
    next_poll: Instant,
    polls: u32,
}

/// The products flow's own in-memory state (the integrated hashes live in the store and in
/// [`Listing`]).
struct ProductState {
    operator: Option<(OperatorCatalog, Instant)>,
    pending: Option<PendingImport>,
    /// A product changed since the last catalog check (or none ran yet).
    dirty: bool,
    invalid: BTreeMap<String, RejectedRow>,
    refused: BTreeMap<String, RejectedRow>,
    imports: u64,
    rows_sent: u64,
    rows_accepted: u64,
    rows_rejected: u64,
}

impl Default for ProductState {
    fn default() -> Self {
        ProductState {
            operator: None,
            pending: None,
            dirty: true,
            invalid: BTreeMap::new(),
            refused: BTreeMap::new(),
            imports: 0,
            rows_sent: 0,
            rows_accepted: 0,
            rows_rejected: 0,
        }
    }
}

/// The P41 upload of [`csv_bytes`]: its columns are the operator's attribute codes (PM11, the
/// rules' `code`s), so it goes as the operator's format (`operator_format=true`); without it
/// Mirakl reads the columns through the shop's own mapping.
fn import_file(bytes: Vec<u8>) -> ProductImportFile {
    ProductImportFile::operator_csv(bytes)
}

/// The P41 file: `;`-separated CSV (Mirakl's default), header first.
fn csv_bytes(rows: &[ProductRow], rules: &ProductRules) -> Result<Vec<u8>> {
    let (header, records) = products::to_csv_records(rows, rules);
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Invariant(format!("product file: {e}"));
    w.write_record(&header).map_err(fail)?;
    for r in &records {
        w.write_record(r).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::Invariant(format!("product file: {e}")))
}

/// The rules with the operator's role columns, keeping a variant group column configured
/// empty (no variant groups) as configured.
fn effective_rules(rules: &ProductRules, operator: &OperatorCatalog) -> ProductRules {
    let mut out = rules.with_role_columns(operator);
    if rules.variant_group_column.is_empty() {
        out.variant_group_column.clear();
    }
    out
}

fn rejection_key(sku: Option<&ShopSku>, source: Option<&CatalogRef>) -> String {
    match (sku, source) {
        (Some(s), _) => s.as_str().to_owned(),
        (None, Some(r)) => r.to_string(),
        (None, None) => "unknown line".to_owned(),
    }
}

/// Blocking validation problems, merged per SKU.
fn validation_rejections(batch: &ProductBatch) -> BTreeMap<String, RejectedRow> {
    let mut out: BTreeMap<String, RejectedRow> = BTreeMap::new();
    for p in batch.rejected() {
        let key = rejection_key(p.sku.as_ref(), Some(&p.source));
        let what = match &p.attribute {
            Some(a) => format!("attribute `{a}`: {}", p.reason),
            None => p.reason.to_string(),
        };
        out.entry(key)
            .and_modify(|r| {
                r.reason.push_str("; ");
                r.reason.push_str(&what);
            })
            .or_insert(RejectedRow {
                source: Some(p.source),
                stage: "validation",
                reason: what,
            });
    }
    out
}

/// What the marketplace already lists: the product rows the operator integrated (loaded from
/// the store on first use) and the offers held back until their product is integrated. The
/// products flow writes it; the offers flow asks it which offers may go out
/// ([`Listing::hold_unlisted`]). Its own small lock.
#[derive(Debug, Default)]
pub struct Listing {
    /// Hold offers of products the operator does not know (closed catalog with product sync).
    hold_offers: bool,
    state: Mutex<ListingState>,
}

#[derive(Debug, Default)]
struct ListingState {
    /// Integrated SKU → hash, loaded from the store on first use.
    hashes: Option<BTreeMap<ShopSku, RowHash>>,
    held: BTreeSet<String>,
}

impl Listing {
    pub(crate) fn new(hold_offers: bool) -> Listing {
        Listing {
            hold_offers,
            state: Mutex::new(ListingState::default()),
        }
    }

    async fn hashes(&self, store: &dyn StateStore) -> Result<BTreeMap<ShopSku, RowHash>> {
        if let Some(h) = lock(&self.state).hashes.clone() {
            return Ok(h);
        }
        let mut out = BTreeMap::new();
        for r in store.product_rows().await? {
            let (Ok(sku), Ok(hash)) = (ShopSku::new(&r.sku), r.hash.parse::<RowHash>()) else {
                continue;
            };
            out.insert(sku, hash);
        }
        lock(&self.state).hashes = Some(out.clone());
        Ok(out)
    }

    fn set_hashes(&self, hashes: BTreeMap<ShopSku, RowHash>) {
        lock(&self.state).hashes = Some(hashes);
    }

    /// With a closed catalog, removes from `desired` the SKUs whose product the operator does
    /// not know yet: not integrated, not on Mirakl (`on_mirakl`), never offered (kept as held
    /// offers, sent once the product is integrated). Returns how many were held.
    ///
    /// # Errors
    /// A store error.
    pub async fn hold_unlisted(
        &self,
        desired: &mut BTreeMap<ShopSku, DesiredOffer>,
        on_mirakl: &(dyn Fn(&str) -> bool + Send + Sync),
        store: &dyn StateStore,
    ) -> Result<usize> {
        if !self.hold_offers {
            return Ok(0);
        }
        let hashes = self.hashes(store).await?;
        let candidates: Vec<ShopSku> = desired
            .keys()
            .filter(|s| !hashes.contains_key(*s))
            .filter(|s| !on_mirakl(s.as_str()))
            .cloned()
            .collect();
        let mut held = Vec::new();
        for sku in candidates {
            // an offer already sent means the product exists on the marketplace
            if store.sent_offer(sku.as_str()).await?.is_none() {
                desired.remove(&sku);
                held.push(sku.as_str().to_owned());
            }
        }
        let mut s = lock(&self.state);
        for k in desired.keys() {
            s.held.remove(k.as_str());
        }
        let count = held.len();
        s.held.extend(held);
        Ok(count)
    }
}

/// The products flow (see the [module docs](self)).
pub struct ProductsFlow {
    shared: Arc<Shared>,
    listing: Arc<Listing>,
    offers: Arc<OffersFlow>,
    state: Mutex<ProductState>,
}

impl std::fmt::Debug for ProductsFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductsFlow").finish_non_exhaustive()
    }
}

impl ProductsFlow {
    pub(crate) fn new(
        shared: Arc<Shared>,
        listing: Arc<Listing>,
        offers: Arc<OffersFlow>,
    ) -> ProductsFlow {
        ProductsFlow {
            shared,
            listing,
            offers,
            state: Mutex::new(ProductState::default()),
        }
    }

    /// Whether product sync is on.
    pub fn enabled(&self) -> bool {
        self.shared.opts.products.is_some()
    }

    /// Tells product sync that a product changed (webhook, poll): the next P41 window
    /// re-checks the catalog.
    pub fn mark_dirty(&self) {
        if self.enabled() {
            lock(&self.state).dirty = true;
        }
    }

    /// Whether product sync has nothing running or due: no import running and no product
    /// change waiting to be checked.
    pub fn is_idle(&self) -> bool {
        let s = lock(&self.state);
        !self.enabled() || (s.pending.is_none() && !s.dirty)
    }

    /// Counters, rejections and held offers of product sync.
    pub fn report(&self) -> ProductReport {
        let s = lock(&self.state);
        let mut rejected = s.invalid.clone();
        for (k, v) in &s.refused {
            rejected.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let listing = lock(&self.listing.state);
        ProductReport {
            imports: s.imports,
            rows_sent: s.rows_sent,
            rows_accepted: s.rows_accepted,
            rows_rejected: s.rows_rejected,
            integrated: listing.hashes.as_ref().map_or(0, BTreeMap::len),
            rejected,
            held_offers: listing.held.clone(),
        }
    }

    async fn load_hashes(&self) -> Result<BTreeMap<ShopSku, RowHash>> {
        self.listing.hashes(self.shared.store.as_ref()).await
    }

    async fn operator_catalog(&self, ttl: Duration) -> Result<OperatorCatalog> {
        if let Some((c, at)) = &lock(&self.state).operator
            && at.elapsed() < ttl
        {
            return Ok(c.clone());
        }
        let h = self.shared.mirakl.hierarchies().list().send().await?;
        let a = self.shared.mirakl.attributes().list().send().await?;
        let v = self.shared.mirakl.value_lists().list(None).await?;
        let catalog = OperatorCatalog::new(&h, &a, &v);
        lock(&self.state).operator = Some((catalog.clone(), Instant::now()));
        Ok(catalog)
    }

    async fn product_source(&self) -> Result<ProductSource> {
        let products = self
            .shared
            .bc
            .products()
            .list()
            .include_variants()
            .include_images()
            .include_custom_fields()
            .limit(self.shared.opts.bc_page_size)
            .all()
            .await?;
        let categories = self.shared.bc.categories().list().all().await?;
        let brands = self.shared.bc.brands().list().all().await?;
        Ok(ProductSource {
            products,
            categories,
            brands,
        })
    }

    /// When the next P41 may be sent (the last one plus the import interval).
    async fn p41_window_open(&self, interval: Duration) -> Result<bool> {
        let Some(last) = self.shared.store.time_cursor(CURSOR_LAST_P41).await? else {
            return Ok(true);
        };
        Ok(now_utc() - last >= interval)
    }

    /// One product sync step (see the module docs): poll the running import, or check the
    /// catalog and send the new and changed valid rows when a product changed and the P41
    /// window is open.
    ///
    /// # Errors
    /// A failed read or call; the step is simply tried again on the next cycle (an import
    /// whose outcome is unknown is sent again once the window opens).
    pub async fn sync_products(&self) -> Result<ProductStep> {
        let Some(opts) = self.shared.opts.products.clone() else {
            return Ok(ProductStep::Idle);
        };
        if self.shared.opts.dry_run {
            return self.plan_products(&opts).await;
        }
        let pending = {
            let s = lock(&self.state);
            s.pending.as_ref().map(|p| (p.import_id, p.next_poll))
        };
        if let Some((import_id, next_poll)) = pending {
            if Instant::now() < next_poll {
                return Ok(ProductStep::Waiting { import_id });
            }
            return self.poll_import(import_id, &opts).await;
        }
        if !lock(&self.state).dirty || !self.p41_window_open(opts.import_interval).await? {
            return Ok(ProductStep::Idle);
        }
        let (rules, batch) = self.prepare_batch(&opts).await?;
        let invalid = batch.rejected().count();
        let hashes = self.load_hashes().await?;
        let to_send: Vec<ProductRow> = products::changed_rows(&batch.rows, &hashes)
            .into_iter()
            .cloned()
            .collect();
        if to_send.is_empty() {
            lock(&self.state).dirty = false;
            return Ok(ProductStep::UpToDate { invalid });
        }
        let bytes = csv_bytes(&to_send, &rules)?;
        // the window is taken as soon as the call is attempted
        self.shared
            .store
            .advance_time_cursor(CURSOR_LAST_P41, now_utc())
            .await?;
        *self.shared.counters().imports.entry("P41").or_insert(0) += 1;
        let created = self
            .shared
            .mirakl
            .products()
            .import(import_file(bytes))
            .await?;
        let rows = to_send.len();
        tracing::info!(
            import_id = created.import_id,
            rows,
            invalid,
            "product import (P41) sent"
        );
        let mut s = lock(&self.state);
        s.dirty = false;
        s.imports += 1;
        s.rows_sent += rows as u64;
        s.pending = Some(PendingImport {
            import_id: created.import_id,
            rows: to_send,
            next_poll: Instant::now() + opts.status_poll,
            polls: 0,
        });
        Ok(ProductStep::Sent {
            import_id: created.import_id,
            rows,
            invalid,
        })
    }

    /// Reads both catalogs, maps and validates; records the validation rejections.
    async fn prepare_batch(
        &self,
        opts: &ProductSyncOptions,
    ) -> Result<(ProductRules, ProductBatch)> {
        let operator = self.operator_catalog(opts.operator_ttl).await?;
        let source = self.product_source().await?;
        let rules = effective_rules(&self.shared.rules.products, &operator);
        let batch = products::prepare(&source, &operator, &rules, &self.shared.rules.selection);
        let invalid = validation_rejections(&batch);
        let fixed: Vec<String> = lock(&self.state)
            .invalid
            .keys()
            .filter(|k| !invalid.contains_key(*k))
            .cloned()
            .collect();
        {
            let mut stats = self.shared.counters();
            for k in fixed {
                if stats
                    .problems
                    .get(&k)
                    .is_some_and(|p| p.starts_with(PROBLEM_INVALID))
                {
                    stats.problems.remove(&k);
                }
            }
            for (k, r) in &invalid {
                stats
                    .problems
                    .insert(k.clone(), format!("{PROBLEM_INVALID}{}", r.reason));
            }
        }
        lock(&self.state).invalid = invalid;
        Ok((rules, batch))
    }

    /// Dry run: what the next import would carry.
    async fn plan_products(&self, opts: &ProductSyncOptions) -> Result<ProductStep> {
        let (_, batch) = self.prepare_batch(opts).await?;
        let invalid = batch.rejected().count();
        let hashes = self.load_hashes().await?;
        let to_send = products::changed_rows(&batch.rows, &hashes);
        println!(
            "would send P41 with {} product rows ({} kept out by validation)",
            to_send.len(),
            invalid
        );
        for (sku, r) in lock(&self.state).invalid.iter() {
            println!("  not sent: {sku}: {}", r.reason);
        }
        Ok(ProductStep::Idle)
    }

    async fn poll_import(&self, import_id: u64, opts: &ProductSyncOptions) -> Result<ProductStep> {
        let status = match self.shared.mirakl.products().import_status(import_id).await {
            Ok(s) => s,
            Err(e) => {
                self.bump_poll(opts);
                return Err(e.into());
            }
        };
        if !status.import_status.is_final() {
            if self.bump_poll(opts) {
                return Ok(ProductStep::Waiting { import_id });
            }
            return Ok(self.give_up(import_id, "no final status after the last poll".into()));
        }
        if status.import_status != mirakl_api::imports::ImportStatus::Complete {
            let reason = format!(
                "{}{}",
                status.import_status.as_str(),
                status
                    .reason_status
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            );
            return Ok(self.give_up(import_id, reason));
        }
        let report = if status.has_error_report {
            Some(
                self.shared
                    .mirakl
                    .products()
                    .error_report(import_id)
                    .await?,
            )
        } else {
            None
        };
        let Some(pending) = lock(&self.state).pending.take() else {
            return Ok(ProductStep::Idle);
        };
        let rules = match &lock(&self.state).operator {
            Some((op, _)) => effective_rules(&self.shared.rules.products, op),
            None => self.shared.rules.products.clone(),
        };
        let rejected = report
            .as_ref()
            .map(|r| products::map_error_report(r, &pending.rows, &rules))
            .unwrap_or_default();
        let mut hashes = self.load_hashes().await?;
        products::record_sent(&mut hashes, &pending.rows, &rejected);
        let bad: BTreeSet<&ShopSku> = rejected.iter().filter_map(|r| r.sku.as_ref()).collect();
        let accepted: Vec<&ProductRow> = pending
            .rows
            .iter()
            .filter(|r| !bad.contains(&r.sku))
            .collect();
        let records: Vec<ProductRowRecord> = accepted
            .iter()
            .map(|r| ProductRowRecord {
                sku: r.sku.as_str().to_owned(),
                hash: r.content_hash().to_string(),
                product_id: r.source.product_id,
                variant_id: r.source.variant_id,
            })
            .collect();
        let removed: Vec<String> = bad.iter().map(|s| s.as_str().to_owned()).collect();
        self.shared
            .store
            .record_product_rows(&records, &removed)
            .await?;
        let products: BTreeSet<u64> = accepted.iter().map(|r| r.source.product_id).collect();
        self.listing.set_hashes(hashes);
        {
            let mut s = lock(&self.state);
            s.rows_accepted += accepted.len() as u64;
            s.rows_rejected += rejected.len() as u64;
            for r in &accepted {
                s.refused.remove(r.sku.as_str());
            }
            for r in &rejected {
                s.refused.insert(
                    rejection_key(r.sku.as_ref(), r.source.as_ref()),
                    RejectedRow {
                        source: r.source,
                        stage: "P44",
                        reason: r.reason.clone(),
                    },
                );
            }
        }
        {
            let mut stats = self.shared.counters();
            for r in &accepted {
                if stats
                    .problems
                    .get(r.sku.as_str())
                    .is_some_and(|p| p.starts_with(PROBLEM_REFUSED))
                {
                    stats.problems.remove(r.sku.as_str());
                }
            }
            for r in &rejected {
                stats.problems.insert(
                    rejection_key(r.sku.as_ref(), r.source.as_ref()),
                    format!("{PROBLEM_REFUSED}{}", r.reason),
                );
            }
        }
        // their offers can go out now
        for p in &products {
            self.offers.mark(DirtyKey::Product(*p));
        }
        tracing::info!(
            import_id,
            accepted = accepted.len(),
            rejected = rejected.len(),
            "product import complete"
        );
        Ok(ProductStep::Completed {
            import_id,
            accepted: accepted.len(),
            rejected: rejected.len(),
        })
    }

    /// Counts a poll; `false` when the import has used up its polls.
    fn bump_poll(&self, opts: &ProductSyncOptions) -> bool {
        let mut s = lock(&self.state);
        let Some(p) = s.pending.as_mut() else {
            return false;
        };
        p.polls += 1;
        p.next_poll = Instant::now() + opts.status_poll;
        p.polls < opts.max_polls
    }

    fn give_up(&self, import_id: u64, reason: String) -> ProductStep {
        tracing::warn!(import_id, %reason, "product import did not complete; rows sent again later");
        let mut s = lock(&self.state);
        s.pending = None;
        s.dirty = true;
        ProductStep::Failed { import_id, reason }
    }

    /// Runs product steps until nothing is running or due (a catalog check, an import and
    /// its completion), or `max` passes. Returns the last step that did something.
    ///
    /// # Errors
    /// The first failing step.
    pub async fn sync_products_until_idle(&self, max: Duration) -> Result<ProductStep> {
        let deadline = Instant::now() + max;
        let mut last = ProductStep::Idle;
        loop {
            let step = self.sync_products().await?;
            if !matches!(step, ProductStep::Idle | ProductStep::Waiting { .. }) {
                last = step.clone();
            }
            let waiting =
                matches!(step, ProductStep::Waiting { .. }) || lock(&self.state).pending.is_some();
            if (!waiting && matches!(step, ProductStep::Idle | ProductStep::UpToDate { .. }))
                || matches!(
                    step,
                    ProductStep::Completed { .. } | ProductStep::Failed { .. }
                )
                || self.shared.opts.dry_run
                || Instant::now() > deadline
            {
                return Ok(last);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// When the last P41 was sent (persisted), if ever.
    ///
    /// # Errors
    /// [`Error::State`] on a database error.
    pub async fn last_product_import(&self) -> Result<Option<OffsetDateTime>> {
        Ok(self.shared.store.time_cursor(CURSOR_LAST_P41).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn p41_file_is_sent_in_the_operator_format() {
        let file = import_file(b"shop-sku;category\nA;9010\n".to_vec());
        assert_eq!(file.operator_format, Some(true));
        assert_eq!(file.file_name, "products.csv");
        assert_eq!(file.bytes, b"shop-sku;category\nA;9010\n");
    }

    fn row(sku: &str, title: &str) -> ProductRow {
        let mut values = BTreeMap::new();
        values.insert("shop-sku".to_owned(), sku.to_owned());
        values.insert("category".to_owned(), "9010".to_owned());
        values.insert("title".to_owned(), title.to_owned());
        ProductRow {
            sku: ShopSku::new(sku).unwrap(),
            source: CatalogRef {
                product_id: 1,
                variant_id: None,
            },
            category: "9010".into(),
            variant_group: None,
            values,
        }
    }

    #[test]
    fn product_file_is_semicolon_csv_with_quoted_cells() {
        let rules = ProductRules::default();
        let bytes = csv_bytes(&[row("A-1", "Mug; large"), row("B-2", "Tote")], &rules).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "shop-sku;category;title\nA-1;9010;\"Mug; large\"\nB-2;9010;Tote\n"
        );
    }

    #[test]
    fn an_empty_variant_group_column_stays_empty_with_role_columns() {
        let op = OperatorCatalog::new(
            &[],
            &serde_json::from_str::<mirakl_api::products::AttributeList>(
                r#"{"attributes":[{"code":"vgc","type":"TEXT","roles":[{"type":"VARIANT_GROUP_CODE"}]}]}"#,
            )
            .unwrap()
            .attributes,
            &[],
        );
        let configured = ProductRules {
            variant_group_column: String::new(),
            ..ProductRules::default()
        };
        assert_eq!(effective_rules(&configured, &op).variant_group_column, "");
        assert_eq!(
            effective_rules(&ProductRules::default(), &op).variant_group_column,
            "vgc"
        );
    }
}
