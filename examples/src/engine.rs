//! The connector engine: reads both sides, asks `sync-core` what to do, does it, and keeps
//! the SQLite state so a restart never loses or repeats anything.
//!
//! * **Offers.** [`Engine::reconcile`] reads the whole BigCommerce catalog (paged), computes
//!   the desired offers, reads every Mirakl offer (OF21, paged), plans the difference and sends
//!   it as OF24 full offers (or STO01/PRI01 when the rules route stock-only and price-only
//!   changes there). Between full reconciliations, changed products (webhooks, or polling by
//!   `date_modified`) are marked dirty in the `sync-core` coalescer; [`Engine::process_dirty`]
//!   re-reads only those products, plans them against what was last sent, and the coalescer
//!   releases at most one batch per Mirakl call window ([`Engine::flush`]).
//! * **Orders.** [`Engine::poll_orders`] reads OR11 since the last update date minus an
//!   overlap, drops repeats, and runs `sync_core::lifecycle::step` on each order: OR21 accept or
//!   refuse, create once in BigCommerce when Mirakl releases the order (SHIPPING) — the record
//!   is saved with `create_started` *before* the create call, and after any uncertain failure
//!   the order is looked up by `external_order_id` instead of created again —, then shipments
//!   (OR23 tracking + OR24), cancellations and refunds both ways.
//! * **Products.** With [`EngineOptions::products`], [`Engine::sync_products`] sends new and
//!   changed BigCommerce products to the operator's catalog (P41) once per window, after
//!   validating them against H11/PM11/VL11, and maps the P44 report back to BigCommerce ids;
//!   on a closed operator catalog, offers wait until their product is integrated (see
//!   [`ProductSyncOptions`] and the `products` module).
//! * **Price lists and locations.** With [`EngineOptions::price_list_id`] offers are priced
//!   from that price list; with [`EngineOptions::location_inventory`] stock is summed over
//!   the enabled inventory locations.
//! * **Dry run.** With [`EngineOptions::dry_run`] every write is printed instead of sent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bigcommerce_api::Client as BcClient;
use bigcommerce_api::catalog::{Product, ProductId, VariantId};
use bigcommerce_api::orders::{OrderId, OrderStatus, RefundPayment, RefundQuoteRequest};
use mirakl_api::Client as MkClient;
use mirakl_api::imports::{PriceLine as MkPriceLine, StockLine as MkStockLine, WaitOptions};
use mirakl_api::orders::{Order as MkOrder, OrderState as MkState};
use mirakl_api::{MiraklOrderId, ShopSku as MkSku};
use serde::{Deserialize, Serialize};
use sync_core::ShopSku;
use sync_core::catalog::Catalog;
use sync_core::coalesce::{Coalescer, DirtyKey, DirtySet};
use sync_core::lifecycle::{self, Action, BigCommerceOrder, OrderRecord, StepContext};
use sync_core::offers::{self, CurrentOffer, DesiredOffer, OfferContent, OfferProblem};
use sync_core::orders::AcceptanceContext;
use sync_core::plan::{self, Batch, OfferWrite};
use sync_core::rules::SyncRules;
use time::OffsetDateTime;
use tokio::time::Instant;

mod products;

pub use products::{ProductReport, ProductStep, ProductSyncOptions, RejectedRow};

use crate::metrics::Latencies;
use crate::state::{OrderState as LocalState, SentOffer, StateError, StateStore, content_hash};

/// Errors of one engine step. The engine logs them and retries on the next cycle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A BigCommerce call failed (after the client's retries).
    #[error("BigCommerce: {0}")]
    BigCommerce(#[from] bigcommerce_api::Error),
    /// A Mirakl call failed (after the client's retries).
    #[error("Mirakl: {0}")]
    Mirakl(#[from] mirakl_api::Error),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// A stored or built JSON value could not be (de)serialized.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// An invariant the engine relies on did not hold.
    #[error("{0}")]
    Invariant(String),
}

/// Result alias.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Engine settings beyond the rules.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Print writes instead of sending them.
    pub dry_run: bool,
    /// Overlap subtracted from the OR11 `updated_since` cursor.
    pub order_overlap: Duration,
    /// How far back the first OR11 poll looks.
    pub first_order_lookback: Duration,
    /// Interval between import-status polls (keep it at or above the OF02/STO02 ceiling).
    pub import_poll: Duration,
    /// Maximum import-status polls before giving up (the batch is queued again).
    pub import_max_polls: u32,
    /// BigCommerce page size for catalog reads (max 250).
    pub bc_page_size: u32,
    /// Mirakl page size (OF21, OR11; max 100).
    pub mirakl_page_size: u32,
    /// How often an order waiting for its shipment is re-read from BigCommerce without a
    /// webhook about it (shipment webhooks trigger an immediate look).
    pub shipment_recheck: Duration,
    /// Product sync (P41) settings; `None`: product sync off (offers only).
    pub products: Option<ProductSyncOptions>,
    /// Price list whose records (in the store currency) price the offers instead of the
    /// catalog prices (`None`: catalog prices).
    pub price_list_id: Option<u64>,
    /// Read stock per inventory location (`/v3/inventory/items`, enabled locations summed)
    /// instead of the catalog's `inventory_level`.
    pub location_inventory: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            dry_run: false,
            order_overlap: Duration::from_secs(300),
            first_order_lookback: Duration::from_secs(30 * 86_400),
            import_poll: Duration::from_secs(60),
            import_max_polls: 30,
            bc_page_size: 250,
            mirakl_page_size: 100,
            shipment_recheck: Duration::from_secs(300),
            products: None,
            price_list_id: None,
            location_inventory: false,
        }
    }
}

/// What the engine counted.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// Orders whose OR21 accepted at least one line.
    pub accepted: BTreeSet<String>,
    /// Orders whose OR21 refused every line.
    pub refused: BTreeSet<String>,
    /// Orders created in BigCommerce by this engine.
    pub created: BTreeSet<String>,
    /// Orders found in BigCommerce by a look-up after an uncertain create.
    pub recovered: BTreeSet<String>,
    /// Orders whose shipment was confirmed (OR24).
    pub shipped: BTreeSet<String>,
    /// Orders cancelled on one side because of the other.
    pub cancelled: BTreeSet<String>,
    /// Refunds mirrored.
    pub refunds: u64,
    /// Offer lines sent (OF24/STO01/PRI01) and confirmed applied.
    pub offer_lines_applied: u64,
    /// Offer lines Mirakl rejected (error report).
    pub offer_lines_rejected: u64,
    /// Import calls made per operation.
    pub imports: BTreeMap<&'static str, u64>,
    /// Problems per SKU (or per catalog item when it has no SKU), latest reason.
    pub problems: BTreeMap<String, String>,
    /// Orders that need a human.
    pub manual_review: BTreeMap<String, String>,
    /// The largest quantity sent per SKU with the on-hand stock it was computed from.
    pub max_sent_vs_on_hand: BTreeMap<String, (u64, i64)>,
}

/// One line of the plan, for `--dry-run` output and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSummary {
    /// New offers.
    pub new: usize,
    /// Changed offers (by kind: stock only, price only, other).
    pub changed: usize,
    /// Unchanged offers.
    pub unchanged: usize,
    /// Offers to zero or delete.
    pub removed: usize,
    /// Problems (items that cannot be offered).
    pub problems: usize,
    /// Batches per operation.
    pub batches: BTreeMap<String, usize>,
    /// Offers held back until their product is on the marketplace (closed operator catalog
    /// with product sync; they go out once their P41 import completes).
    pub held: usize,
}

/// What is stored as the "last sent" payload of a SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SentPayload {
    write: OfferWrite,
    product_id: Option<u64>,
}

#[derive(Debug, Clone)]
struct SkuInfo {
    product_id: u64,
    on_hand: i64,
}

struct Inner {
    coalescer: Coalescer,
    /// Latest version of each Mirakl order seen (for shipments and held stock).
    orders: BTreeMap<String, MkOrder>,
    /// Last processed `last_updated_date` per order (dedupe of overlapping polls).
    processed: HashMap<String, OffsetDateTime>,
    /// SKU → product and stock, from the last catalog read.
    skus: BTreeMap<ShopSku, SkuInfo>,
    /// Desired offers from the last reads (for links and expected prices).
    desired: BTreeMap<ShopSku, DesiredOffer>,
    /// First time each product was seen dirty and not yet applied on Mirakl.
    dirty_since: BTreeMap<u64, Instant>,
    /// Store currency.
    currency: Option<String>,
    /// Whether the open orders were read since start.
    open_orders_loaded: bool,
    /// Mirakl's offers as last read (OF21), so an OF24 update keeps the fields the sync
    /// does not manage (description, order quantities, …) instead of resetting them.
    mirakl_offers: HashMap<String, mirakl_api::offers::Offer>,
    /// When each order's BigCommerce side was last read.
    bc_checked: HashMap<String, Instant>,
    /// `date_modified` of each product as last read, so the fallback poll only marks
    /// products that changed since (not every product in its overlap window).
    modified: HashMap<u64, OffsetDateTime>,
}

/// The connector engine. Cheap to share (`Arc`); every method takes `&self`.
pub struct Engine {
    bc: BcClient,
    mirakl: MkClient,
    state: Arc<StateStore>,
    rules: SyncRules,
    opts: EngineOptions,
    inner: Mutex<Inner>,
    stats: Mutex<EngineStats>,
    latencies: Latencies,
    products: Mutex<products::ProductState>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("dry_run", &self.opts.dry_run)
            .finish_non_exhaustive()
    }
}

/// A BigCommerce order with its products, shipments and refunds.
type BcOrderData = (
    bigcommerce_api::orders::Order,
    Vec<bigcommerce_api::orders::OrderProduct>,
    Vec<bigcommerce_api::orders::Shipment>,
    Vec<bigcommerce_api::orders::Refund>,
);

const CURSOR_ORDERS: &str = "mirakl.orders.updated";
const CURSOR_PRODUCTS: &str = "bigcommerce.products.date_modified";

fn offer_kind(batch: &Batch) -> &'static str {
    match batch {
        Batch::Offers(_) => "OF24",
        Batch::Stock(_) => "STO01",
        Batch::Prices(_) => "PRI01",
    }
}

fn mk_sku(sku: &ShopSku) -> Result<MkSku> {
    MkSku::new(sku.as_str()).map_err(EngineError::Mirakl)
}

fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl Engine {
    /// An engine over two clients, a state store and the rules.
    pub fn new(
        bc: BcClient,
        mirakl: MkClient,
        state: Arc<StateStore>,
        rules: SyncRules,
        opts: EngineOptions,
    ) -> Engine {
        let coalescer = Coalescer::new(&rules);
        Engine {
            bc,
            mirakl,
            state,
            rules,
            opts,
            inner: Mutex::new(Inner {
                coalescer,
                orders: BTreeMap::new(),
                processed: HashMap::new(),
                skus: BTreeMap::new(),
                desired: BTreeMap::new(),
                dirty_since: BTreeMap::new(),
                currency: None,
                open_orders_loaded: false,
                bc_checked: HashMap::new(),
                mirakl_offers: HashMap::new(),
                modified: HashMap::new(),
            }),
            stats: Mutex::new(EngineStats::default()),
            latencies: Latencies::default(),
            products: Mutex::new(products::ProductState::default()),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stats_mut(&self) -> std::sync::MutexGuard<'_, EngineStats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The BigCommerce client.
    pub fn bigcommerce(&self) -> &BcClient {
        &self.bc
    }

    /// The Mirakl client.
    pub fn mirakl(&self) -> &MkClient {
        &self.mirakl
    }

    /// The state store.
    pub fn state(&self) -> &Arc<StateStore> {
        &self.state
    }

    /// The rules.
    pub fn rules(&self) -> &SyncRules {
        &self.rules
    }

    /// Runs `f` over the counters.
    pub fn with_stats<R>(&self, f: impl FnOnce(&EngineStats) -> R) -> R {
        f(&self.stats.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Change-to-marketplace latencies (dirty seen → Mirakl import complete).
    pub fn latencies(&self) -> &Latencies {
        &self.latencies
    }

    /// Whether nothing is waiting in the coalescer (no dirty key, no pending batch).
    pub fn is_idle(&self) -> bool {
        self.inner().coalescer.is_idle()
    }

    /// When the engine next has offer work due (coalescer wake-up), if any.
    pub fn next_offer_wakeup(&self) -> Option<OffsetDateTime> {
        self.inner().coalescer.next_wakeup(now_utc())
    }

    // ------------------------------------------------------------------ catalog

    async fn store_currency(&self) -> Result<Option<String>> {
        if let Some(c) = self.inner().currency.clone() {
            return Ok(Some(c));
        }
        let info = self.bc.store().info().await?;
        let cur = info.currency.clone();
        self.inner().currency = cur.clone();
        Ok(cur)
    }

    /// Reads products (all of them, or only `ids`) with their variants, page by page,
    /// calling `progress(read, total)` after each page.
    ///
    /// # Errors
    /// [`EngineError::BigCommerce`] when a page cannot be read.
    pub async fn read_products(
        &self,
        ids: Option<&BTreeSet<u64>>,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Vec<Product>> {
        let mut out = Vec::new();
        let chunks: Vec<Option<Vec<u64>>> = match ids {
            None => vec![None],
            Some(ids) => ids
                .iter()
                .copied()
                .collect::<Vec<_>>()
                .chunks(self.opts.bc_page_size.clamp(1, 250) as usize)
                .map(|c| Some(c.to_vec()))
                .collect(),
        };
        for chunk in chunks {
            let mut page = 1u32;
            loop {
                let mut list = self
                    .bc
                    .products()
                    .list()
                    .include_variants()
                    .include_custom_fields()
                    .limit(self.opts.bc_page_size)
                    .page(page);
                if let Some(ids) = &chunk {
                    list = list.ids(ids.iter().map(|i| ProductId(*i)));
                }
                let p = list.send().await?;
                {
                    let mut inner = self.inner();
                    for prod in &p.items {
                        if let Some(d) = prod.date_modified {
                            inner.modified.insert(prod.id.0, d);
                        }
                    }
                }
                let total = p.pagination.as_ref().map_or(0, |m| m.total);
                let empty = p.items.is_empty();
                out.extend(p.items);
                progress(out.len() as u64, total.max(out.len() as u64));
                match p.next_page {
                    Some(n) if !empty && n > page => page = n,
                    _ => break,
                }
            }
        }
        Ok(out)
    }

    /// Builds the `sync-core` catalog from products, with the units held by open Mirakl orders
    /// not yet created in BigCommerce.
    /// With [`EngineOptions::price_list_id`], the variants' prices come from that price list
    /// (records in the store currency); with [`EngineOptions::location_inventory`], their
    /// stock is `available_to_sell` summed over the enabled inventory locations.
    async fn catalog_of(&self, products: &[Product], currency: Option<&str>) -> Result<Catalog> {
        use bigcommerce_api::catalog::ProductId as BcProductId;
        use bigcommerce_api::pricelists::PriceListId;
        let mut catalog = Catalog::from_products(products, currency);
        catalog.held = self.held_units();
        const CHUNK: usize = 100;
        if let (Some(list), Some(cur)) = (self.opts.price_list_id, currency) {
            let variants: Vec<VariantId> = products
                .iter()
                .flat_map(|p| p.variants.iter().map(|v| v.id))
                .collect();
            let mut records = Vec::new();
            for chunk in variants.chunks(CHUNK) {
                records.extend(
                    self.bc
                        .price_lists()
                        .records(PriceListId(list))
                        .variant_ids(chunk.iter().copied())
                        .currency(cur)
                        .all()
                        .await?,
                );
            }
            catalog.add_price_records(&records, cur);
        }
        if self.opts.location_inventory {
            let ids: Vec<BcProductId> = products.iter().map(|p| p.id).collect();
            let mut items = Vec::new();
            for chunk in ids.chunks(CHUNK) {
                items.extend(
                    self.bc
                        .inventory()
                        .items()
                        .product_ids(chunk.iter().copied())
                        .all()
                        .await?,
                );
            }
            catalog.add_inventory(&items);
        }
        Ok(catalog)
    }

    /// Units held per SKU by open Mirakl orders not yet in BigCommerce.
    pub fn held_units(&self) -> BTreeMap<ShopSku, u64> {
        let orders: Vec<MkOrder> = self.inner().orders.values().cloned().collect();
        sync_core::orders::held_units(&orders, |o| {
            self.state
                .order(o.order_id.as_str())
                .ok()
                .flatten()
                .is_some_and(|r| r.bigcommerce_order_id.is_some())
        })
    }

    fn remember_catalog(
        &self,
        catalog: &Catalog,
        desired: &BTreeMap<ShopSku, DesiredOffer>,
        problems: &[OfferProblem],
    ) {
        let mut inner = self.inner();
        for p in &catalog.products {
            let items: Vec<(Option<&String>, Option<i64>)> = if p.variants.is_empty() {
                vec![(p.sku.as_ref(), p.inventory_level)]
            } else {
                p.variants
                    .iter()
                    .map(|v| {
                        (
                            v.sku.as_ref(),
                            catalog
                                .inventory
                                .get(&v.id)
                                .copied()
                                .or(v.inventory_level)
                                .or(p.inventory_level),
                        )
                    })
                    .collect()
            };
            for (sku, level) in items {
                if let Some(sku) = sku.and_then(|s| ShopSku::new(s).ok()) {
                    inner.skus.insert(
                        sku,
                        SkuInfo {
                            product_id: p.id,
                            on_hand: level.unwrap_or(0),
                        },
                    );
                }
            }
        }
        for (k, v) in desired {
            inner.desired.insert(k.clone(), v.clone());
        }
        drop(inner);
        let mut stats = self.stats_mut();
        for p in problems {
            let key = p.sku.as_ref().map_or_else(
                || {
                    format!(
                        "product {} variant {:?}",
                        p.source.product_id, p.source.variant_id
                    )
                },
                |s| s.as_str().to_owned(),
            );
            stats.problems.insert(key, p.reason.to_string());
        }
    }

    /// Reads every Mirakl offer (OF21, paged).
    ///
    /// # Errors
    /// [`EngineError::Mirakl`] when a page cannot be read.
    pub async fn current_offers(&self) -> Result<BTreeMap<ShopSku, CurrentOffer>> {
        use futures::TryStreamExt;
        let offers: Vec<mirakl_api::offers::Offer> = self
            .mirakl
            .offers()
            .list()
            .max(self.opts.mirakl_page_size)
            .stream()
            .try_collect()
            .await?;
        let mut current = sync_core::convert::current_offers(&offers, &self.rules.offer);
        {
            let mut inner = self.inner();
            inner.mirakl_offers = offers
                .into_iter()
                .map(|o| (o.shop_sku.as_str().to_owned(), o))
                .collect();
        }
        // Fields the rules do not manage are filled by the operator's defaults (e.g. a lead
        // time): they are not differences to correct, so compare them as unmanaged.
        let manages_leadtime = self.rules.offer.leadtime_to_ship.is_some();
        let manages_class = !self.rules.offer.logistic_classes.is_empty()
            || self.rules.offer.default_logistic_class.is_some();
        for c in current.values_mut() {
            if !manages_leadtime {
                c.content.leadtime_to_ship = None;
            }
            if !manages_class {
                c.content.logistic_class = None;
            }
        }
        Ok(current)
    }

    /// The desired offers of the whole catalog, with problems (no Mirakl call).
    ///
    /// # Errors
    /// [`EngineError::BigCommerce`] when the catalog cannot be read.
    pub async fn desired_offers(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(BTreeMap<ShopSku, DesiredOffer>, Vec<OfferProblem>, Catalog)> {
        let currency = self.store_currency().await?;
        let products = self.read_products(None, progress).await?;
        let catalog = self.catalog_of(&products, currency.as_deref()).await?;
        let (desired, problems) = offers::desired(&catalog, &self.rules);
        self.remember_catalog(&catalog, &desired, &problems);
        Ok((desired, problems, catalog))
    }

    /// Full reconciliation: whole catalog vs every Mirakl offer; sends the plan at once
    /// (each batch waits for its call window in the Mirakl client). Returns the plan summary.
    ///
    /// # Errors
    /// The first read that fails; batches that fail are queued for the next flush.
    pub async fn reconcile(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<PlanSummary> {
        if !self.opts.dry_run {
            // writes still queued were computed from older data: send them first, so the
            // reconciliation below (fresh reads) has the last word
            self.drain_pending_writes().await;
        }
        let read_started = now_utc();
        let (mut desired, problems, _) = self.desired_offers(progress).await?;
        let current = self.current_offers().await?;
        let held = self.hold_unlisted(&mut desired)?;
        if !self.opts.dry_run {
            // changes after this point are found by the date_modified poll
            self.state
                .advance_time_cursor(CURSOR_PRODUCTS, read_started)?;
        }
        let keep = offers::problem_skus(&problems);
        let plan = plan::plan(&desired, &current, &keep, &self.rules.plan);
        let batches = plan.batches(&self.rules.plan);
        let summary = PlanSummary {
            held,
            ..summarize(&plan, problems.len(), &batches)
        };
        // The SKUs already as desired on Mirakl are, in effect, "last sent".
        if !self.opts.dry_run {
            let unchanged: Vec<SentOffer> = plan
                .unchanged
                .iter()
                .filter_map(|s| desired.get(s))
                .map(|d| sent_offer(&OfferWrite::from(d), Some(d.source.product_id)))
                .collect::<Result<_>>()?;
            self.state.record_sent_offers(&unchanged)?;
        }
        if self.opts.dry_run {
            print_plan(&plan, &batches);
            return Ok(summary);
        }
        tracing::info!(
            new = summary.new,
            changed = summary.changed,
            unchanged = summary.unchanged,
            removed = summary.removed,
            problems = summary.problems,
            held = summary.held,
            "full reconciliation planned"
        );
        for batch in batches {
            if let Err(e) = self.send_batch(batch.clone()).await {
                tracing::warn!(error = %e, "batch failed; queued for the next window");
                self.inner().coalescer.requeue(batch);
            }
        }
        Ok(summary)
    }

    // ------------------------------------------------------------------ incremental offers

    /// Marks a BigCommerce change (webhook or poll) as dirty (offers, and for product
    /// changes the next product sync check).
    pub fn mark_dirty(&self, key: DirtyKey) {
        if matches!(key, DirtyKey::All | DirtyKey::Product(_)) {
            self.mark_products_dirty();
        }
        self.mark_offer_dirty(key);
    }

    /// Marks a key dirty for offers only.
    fn mark_offer_dirty(&self, key: DirtyKey) {
        let now = now_utc();
        let mut inner = self.inner();
        if let DirtyKey::Product(p) = key {
            inner.dirty_since.entry(p).or_insert_with(Instant::now);
        }
        if let DirtyKey::Variant {
            product_id: Some(p),
            ..
        } = key
        {
            inner.dirty_since.entry(p).or_insert_with(Instant::now);
        }
        inner.coalescer.mark(key, now);
    }

    /// Marks a webhook event dirty (offer-relevant scopes only). Returns how many keys.
    pub fn mark_event(&self, event: &bigcommerce_api::webhooks::WebhookEvent) -> usize {
        let keys = sync_core::coalesce::dirty_keys(event);
        for k in &keys {
            self.mark_dirty(*k);
        }
        keys.len()
    }

    /// Re-reads the dirty products once the coalescer releases them, plans them against what
    /// was last sent, and queues the batches. Returns how many products were re-read.
    ///
    /// # Errors
    /// A failed read; the dirty set is given back to the coalescer then.
    pub async fn process_dirty(&self) -> Result<usize> {
        let Some(dirty) = self.inner().coalescer.take_dirty(now_utc()) else {
            return Ok(0);
        };
        match self.process_dirty_set(&dirty).await {
            Ok(n) => Ok(n),
            Err(e) => {
                self.inner().coalescer.restore_dirty(dirty, now_utc());
                Err(e)
            }
        }
    }

    async fn process_dirty_set(&self, dirty: &DirtySet) -> Result<usize> {
        if dirty.all {
            let (mut desired, problems, _) = self.desired_offers(&|_, _| {}).await?;
            self.hold_unlisted(&mut desired)?;
            let current = self.last_sent(None)?;
            let plan = plan::plan(
                &desired,
                &current,
                &offers::problem_skus(&problems),
                &self.rules.plan,
            );
            let batches = plan.batches(&self.rules.plan);
            if self.opts.dry_run {
                print_plan(&plan, &batches);
            } else {
                self.inner().coalescer.push(batches);
            }
            return Ok(desired.len());
        }
        let mut ids: BTreeSet<u64> = dirty.products.clone();
        let unknown: Vec<u64> = dirty
            .variants
            .iter()
            .filter_map(|(v, p)| match p {
                Some(p) => {
                    ids.insert(*p);
                    None
                }
                None => Some(*v),
            })
            .collect();
        if !unknown.is_empty() {
            let unknown: Vec<VariantId> = unknown.iter().map(|v| VariantId(*v)).collect();
            let vs = self.bc.variants().find_by_ids(&unknown).await?;
            ids.extend(vs.iter().map(|v| v.product_id.0));
        }
        if ids.is_empty() {
            return Ok(0);
        }
        let currency = self.store_currency().await?;
        let products = self.read_products(Some(&ids), &|_, _| {}).await?;
        let catalog = self.catalog_of(&products, currency.as_deref()).await?;
        let (mut desired, problems) = offers::desired(&catalog, &self.rules);
        self.remember_catalog(&catalog, &desired, &problems);
        self.hold_unlisted(&mut desired)?;
        // deleted products come back empty: their last sent offers are planned as removals
        let current = self.last_sent(Some(&ids))?;
        let plan = plan::plan(
            &desired,
            &current,
            &offers::problem_skus(&problems),
            &self.rules.plan,
        );
        let batches = plan.batches(&self.rules.plan);
        if self.opts.dry_run {
            print_plan(&plan, &batches);
        } else if batches.is_empty() {
            // nothing to send: the change is already on Mirakl
            let mut inner = self.inner();
            for id in &ids {
                inner.dirty_since.remove(id);
            }
        } else {
            self.inner().coalescer.push(batches);
        }
        Ok(ids.len())
    }

    /// The last sent mirror, for all SKUs or those of `products`.
    fn last_sent(
        &self,
        products: Option<&BTreeSet<u64>>,
    ) -> Result<BTreeMap<ShopSku, CurrentOffer>> {
        let mut out = BTreeMap::new();
        for s in self.state.sent_offers()? {
            let p: SentPayload = serde_json::from_str(&s.payload)?;
            if let Some(ids) = products
                && !p.product_id.is_some_and(|id| ids.contains(&id))
            {
                continue;
            }
            if p.write.delete {
                continue;
            }
            out.insert(
                p.write.shop_sku.clone(),
                CurrentOffer {
                    shop_sku: p.write.shop_sku.clone(),
                    product_id: p.write.product_id.clone(),
                    product_id_type: p.write.product_id_type.clone(),
                    content: p.write.content.clone(),
                },
            );
        }
        Ok(out)
    }

    /// Sends every batch whose call window is open. Returns how many lines were sent.
    ///
    /// # Errors
    /// Never fails as a whole: a failed batch is queued again and logged.
    pub async fn flush(&self) -> usize {
        let ready = self.inner().coalescer.take_ready(now_utc());
        let mut sent = 0;
        for batch in ready {
            let n = batch.len();
            match self.send_batch(batch.clone()).await {
                Ok(()) => sent += n,
                Err(e) => {
                    tracing::warn!(error = %e, lines = n, op = offer_kind(&batch), "batch failed; queued again");
                    self.inner().coalescer.requeue(batch);
                }
            }
        }
        sent
    }

    /// Sends every queued write, waiting for the call windows (failed batches are queued
    /// again; gives up after a few rounds so a failing operator cannot stall the caller).
    pub async fn drain_pending_writes(&self) {
        for _ in 0..10 {
            let next = {
                let inner = self.inner();
                if inner.coalescer.pending_lines().is_empty() {
                    return;
                }
                inner.coalescer.next_send_at(now_utc())
            };
            if let Some(at) = next {
                let wait = (at - now_utc()).as_seconds_f64().max(0.0);
                tokio::time::sleep(Duration::from_secs_f64(wait)).await;
            }
            self.flush().await;
        }
    }

    fn wait_options(&self) -> WaitOptions {
        WaitOptions::new(self.opts.import_poll, self.opts.import_max_polls)
    }

    /// Sends one batch and waits for Mirakl to apply it; records what was applied.
    ///
    /// # Errors
    /// The failed call, or an import that ended `FAILED` (the batch should be queued again).
    pub async fn send_batch(&self, batch: Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let op = offer_kind(&batch);
        if self.opts.dry_run {
            println!("would send {op} with {} lines", batch.len());
            return Ok(());
        }
        *self.stats_mut().imports.entry(op).or_insert(0) += 1;
        let (rejected, status_ok): (BTreeSet<String>, bool) = match &batch {
            Batch::Offers(lines) => {
                let updates = {
                    let inner = self.inner();
                    lines
                        .iter()
                        .map(|w| {
                            sync_core::convert::offer_update_keeping(
                                w,
                                inner.mirakl_offers.get(w.shop_sku.as_str()),
                            )
                        })
                        .collect()
                };
                let created = self.mirakl.offers().upsert(updates).await?;
                let out = self
                    .mirakl
                    .offers()
                    .wait_for_import(created.import_id, self.wait_options())
                    .await?;
                (
                    rejected_skus(out.error_report.as_ref()),
                    out.status.status == mirakl_api::imports::ImportStatus::Complete,
                )
            }
            Batch::Stock(lines) => {
                let l: Vec<MkStockLine> = lines
                    .iter()
                    .map(|l| Ok(MkStockLine::new(mk_sku(&l.shop_sku)?, l.quantity)))
                    .collect::<Result<_>>()?;
                let created = self.mirakl.stock().import(&l).await?;
                let out = self
                    .mirakl
                    .stock()
                    .wait_for_import(&created.import_id, self.wait_options())
                    .await?;
                (
                    rejected_skus(out.error_report.as_ref()),
                    out.status.status == mirakl_api::imports::ImportStatus::Complete,
                )
            }
            Batch::Prices(lines) => {
                let l: Vec<MkPriceLine> = lines
                    .iter()
                    .map(|l| {
                        let mut p = MkPriceLine::new(mk_sku(&l.shop_sku)?, l.price);
                        if let Some(d) = &l.discount {
                            p.discount_price = Some(d.price);
                            p.discount_start_date = d.start_date;
                            p.discount_end_date = d.end_date;
                        }
                        Ok(p)
                    })
                    .collect::<Result<_>>()?;
                let created = self.mirakl.prices().import(&l).await?;
                let out = self
                    .mirakl
                    .prices()
                    .wait_for_import(&created.import_id, self.wait_options())
                    .await?;
                (
                    rejected_skus(out.error_report.as_ref()),
                    out.status.status == mirakl_api::imports::ImportStatus::Complete,
                )
            }
        };
        if !status_ok {
            return Err(EngineError::Invariant(format!(
                "{op} import did not complete"
            )));
        }
        self.record_applied(&batch, &rejected)?;
        Ok(())
    }

    fn record_applied(&self, batch: &Batch, rejected: &BTreeSet<String>) -> Result<()> {
        let skus_of = |b: &Batch| -> Vec<ShopSku> {
            match b {
                Batch::Offers(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
                Batch::Stock(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
                Batch::Prices(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
            }
        };
        let mut records = Vec::new();
        let info: BTreeMap<ShopSku, SkuInfo> = self.inner().skus.clone();
        match batch {
            Batch::Offers(v) => {
                for w in v.iter().filter(|w| !rejected.contains(w.shop_sku.as_str())) {
                    records.push(sent_offer(w, info.get(&w.shop_sku).map(|i| i.product_id))?);
                }
            }
            Batch::Stock(v) => {
                for l in v.iter().filter(|l| !rejected.contains(l.shop_sku.as_str())) {
                    if let Some(mut p) = self.stored_payload(&l.shop_sku)? {
                        p.write.content.quantity = l.quantity;
                        records.push(sent_payload(&p)?);
                    }
                }
            }
            Batch::Prices(v) => {
                for l in v.iter().filter(|l| !rejected.contains(l.shop_sku.as_str())) {
                    if let Some(mut p) = self.stored_payload(&l.shop_sku)? {
                        p.write.content.price = l.price;
                        p.write.content.discount = l.discount.clone();
                        records.push(sent_payload(&p)?);
                    }
                }
            }
        }
        self.state.record_sent_offers(&records)?;
        // quantity guard bookkeeping and latency
        let now = Instant::now();
        let mut stats = self.stats_mut();
        stats.offer_lines_applied += (batch.len() - rejected.len().min(batch.len())) as u64;
        stats.offer_lines_rejected += rejected.len() as u64;
        for sku in rejected {
            stats.problems.insert(
                sku.clone(),
                "rejected by Mirakl (import error report)".into(),
            );
        }
        let quantities: Vec<(ShopSku, u64)> = match batch {
            Batch::Offers(v) => v
                .iter()
                .filter(|w| !w.delete)
                .map(|w| (w.shop_sku.clone(), w.content.quantity))
                .collect(),
            Batch::Stock(v) => v.iter().map(|l| (l.shop_sku.clone(), l.quantity)).collect(),
            Batch::Prices(_) => Vec::new(),
        };
        for (sku, q) in quantities {
            let on_hand = info.get(&sku).map_or(0, |i| i.on_hand);
            let e = stats
                .max_sent_vs_on_hand
                .entry(sku.as_str().to_owned())
                .or_insert((0, on_hand));
            if q > e.0 || (q == e.0 && on_hand < e.1) {
                *e = (q, on_hand);
            }
        }
        drop(stats);
        let products: BTreeSet<u64> = skus_of(batch)
            .iter()
            .filter_map(|s| info.get(s).map(|i| i.product_id))
            .collect();
        let mut inner = self.inner();
        for p in products {
            if let Some(t) = inner.dirty_since.remove(&p) {
                self.latencies.record(now - t);
            }
        }
        Ok(())
    }

    fn stored_payload(&self, sku: &ShopSku) -> Result<Option<SentPayload>> {
        self.state
            .sent_offer(sku.as_str())?
            .map(|s| serde_json::from_str(&s.payload).map_err(EngineError::from))
            .transpose()
    }

    // ------------------------------------------------------------------ BigCommerce polling

    /// Fallback for missed webhooks: marks products modified since the cursor (minus a
    /// minute of overlap) dirty, unless they were already read in that version. Returns how
    /// many were marked.
    ///
    /// # Errors
    /// [`EngineError::BigCommerce`] when the list cannot be read.
    pub async fn poll_bigcommerce(&self) -> Result<usize> {
        let since = self.state.time_cursor(CURSOR_PRODUCTS)?;
        let Some(since) = since else {
            // no full reconciliation yet: it reads everything and sets the cursor
            return Ok(0);
        };
        let products = self
            .bc
            .products()
            .list()
            .date_modified_min(since - time::Duration::minutes(1))
            .limit(self.opts.bc_page_size)
            .all()
            .await?;
        let mut newest = since;
        let mut marked = 0;
        for p in &products {
            let known = self.inner().modified.get(&p.id.0).copied();
            if known.is_none() || known != p.date_modified {
                self.mark_dirty(DirtyKey::Product(p.id.0));
                marked += 1;
            }
            if let Some(d) = p.date_modified {
                newest = newest.max(d);
            }
        }
        if !self.opts.dry_run {
            self.state.advance_time_cursor(CURSOR_PRODUCTS, newest)?;
        }
        Ok(marked)
    }

    // ------------------------------------------------------------------ orders

    /// Reads Mirakl orders updated since the cursor minus the overlap (and, once after start,
    /// every open order), then runs the lifecycle step on each changed order and on every
    /// order still waiting for its shipment. Returns how many orders were processed.
    ///
    /// # Errors
    /// A failed OR11 read (the cursor is not moved then). Failures on single orders are
    /// logged and retried on the next poll.
    pub async fn poll_orders(&self) -> Result<usize> {
        use futures::TryStreamExt;
        let mut fetched: Vec<MkOrder> = Vec::new();
        let open_loaded = self.inner().open_orders_loaded;
        if !open_loaded {
            let open: Vec<MkOrder> = self
                .mirakl
                .orders()
                .list()
                .states([
                    MkState::Staging,
                    MkState::WaitingAcceptance,
                    MkState::WaitingDebit,
                    MkState::WaitingDebitPayment,
                    MkState::Shipping,
                ])
                .max(self.opts.mirakl_page_size)
                .stream()
                .try_collect()
                .await?;
            fetched.extend(open);
        }
        // orders named by unconfirmed calls of a previous run, even if no longer open
        let pending: BTreeSet<String> = if open_loaded {
            BTreeSet::new()
        } else {
            self.state.pending()?.into_iter().map(|e| e.key).collect()
        };
        let have: BTreeSet<String> = fetched
            .iter()
            .map(|o| o.order_id.as_str().to_owned())
            .collect();
        let missing: Vec<MiraklOrderId> = pending
            .iter()
            .filter(|id| !have.contains(*id))
            .filter_map(|id| MiraklOrderId::new(id.clone()).ok())
            .collect();
        for chunk in missing.chunks(100) {
            let found: Vec<MkOrder> = self
                .mirakl
                .orders()
                .list()
                .order_ids(chunk.iter().cloned())
                .max(self.opts.mirakl_page_size)
                .stream()
                .try_collect()
                .await?;
            fetched.extend(found);
        }
        let cursor = self.state.time_cursor(CURSOR_ORDERS)?;
        let since = match cursor {
            Some(c) => c - self.opts.order_overlap,
            None => now_utc() - self.opts.first_order_lookback,
        };
        let recent: Vec<MkOrder> = self
            .mirakl
            .orders()
            .list()
            .updated_since(since)
            .max(self.opts.mirakl_page_size)
            .stream()
            .try_collect()
            .await?;
        fetched.extend(recent);
        let newest = fetched.iter().map(|o| o.last_updated_date).max();
        // keep the latest version of each order
        let mut changed: BTreeSet<String> = BTreeSet::new();
        {
            let mut inner = self.inner();
            inner.open_orders_loaded = true;
            for o in fetched {
                let id = o.order_id.as_str().to_owned();
                let newer = inner
                    .orders
                    .get(&id)
                    .is_none_or(|old| old.last_updated_date <= o.last_updated_date);
                if newer {
                    let seen = inner.processed.get(&id).copied();
                    if seen != Some(o.last_updated_date) {
                        changed.insert(id.clone());
                    }
                    inner.orders.insert(id, o);
                }
            }
        }
        // orders whose BigCommerce side may have moved (shipments, cancellations) without a
        // webhook telling: re-read now and then; orders not created yet: at once
        let waiting: Vec<String> = {
            let inner = self.inner();
            let now = Instant::now();
            inner
                .orders
                .values()
                .filter(|o| matches!(o.order_state, MkState::Shipping))
                .map(|o| o.order_id.as_str().to_owned())
                .filter(|id| {
                    let created = self
                        .state
                        .order(id)
                        .ok()
                        .flatten()
                        .is_some_and(|r| r.bigcommerce_order_id.is_some());
                    !created
                        || inner
                            .bc_checked
                            .get(id)
                            .is_none_or(|t| now.duration_since(*t) >= self.opts.shipment_recheck)
                })
                .collect()
        };
        changed.extend(waiting);
        changed.extend(pending);
        let mut n = 0;
        for id in &changed {
            match self.process_order(id).await {
                Ok(()) => n += 1,
                Err(e) => {
                    tracing::warn!(order = %id, error = %e, "order step failed; retried next poll")
                }
            }
        }
        self.settle_outbox()?;
        if !self.opts.dry_run {
            // confirmed calls are kept a week for inspection, then dropped
            self.state.prune_outbox(7 * 86_400_000)?;
        }
        if let Some(newest) = newest
            && !self.opts.dry_run
        {
            self.state.advance_time_cursor(CURSOR_ORDERS, newest)?;
        }
        // orders past SHIPPING hold no stock and wait for nothing from BigCommerce; a later
        // change (refund, incident) updates them on Mirakl, so the date poll brings them back
        {
            let mut inner = self.inner();
            let done: Vec<String> = inner
                .orders
                .iter()
                .filter(|(id, o)| {
                    !is_open(&o.order_state)
                        && inner.processed.get(*id) == Some(&o.last_updated_date)
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in done {
                inner.orders.remove(&id);
                inner.bc_checked.remove(&id);
            }
            // versions older than the poll window cannot come back unchanged
            if let Some(newest) = newest {
                let horizon = newest - self.opts.order_overlap * 2;
                let open: BTreeSet<String> = inner.orders.keys().cloned().collect();
                inner
                    .processed
                    .retain(|id, d| *d >= horizon || open.contains(id));
            }
        }
        Ok(n)
    }

    /// Runs the lifecycle step for one BigCommerce order id (e.g. after a shipment webhook).
    /// An order that already left the poll cache (settled) is re-read from Mirakl only with
    /// `fetch_if_settled` (e.g. it was cancelled or refunded in BigCommerce): OR11 allows one
    /// call a minute.
    ///
    /// # Errors
    /// As [`Engine::process_order`].
    pub async fn process_bigcommerce_order(
        &self,
        bigcommerce_order_id: u64,
        fetch_if_settled: bool,
    ) -> Result<bool> {
        let Some(rec) = self.state.order_by_bigcommerce_id(bigcommerce_order_id)? else {
            return Ok(false);
        };
        let cached = self.inner().orders.contains_key(&rec.mirakl_order_id);
        if !cached && !fetch_if_settled {
            return Ok(false);
        }
        if !cached {
            // settled orders leave the cache; a later BigCommerce change (refund,
            // cancellation) needs the current Mirakl order: OR11 by id
            let mid = MiraklOrderId::new(rec.mirakl_order_id.clone())?;
            let Some(order) = self.mirakl.orders().get(&mid).await? else {
                return Ok(false);
            };
            self.inner()
                .orders
                .insert(rec.mirakl_order_id.clone(), order);
        }
        self.process_order(&rec.mirakl_order_id).await?;
        Ok(true)
    }

    fn load_record(&self, id: &str) -> Result<OrderRecord> {
        Ok(match self.state.order_record(id)? {
            Some(json) => serde_json::from_str(&json)?,
            None => OrderRecord::default(),
        })
    }

    fn save_record(
        &self,
        id: &str,
        record: &OrderRecord,
        local: LocalState,
        note: Option<&str>,
    ) -> Result<()> {
        if self.opts.dry_run {
            return Ok(());
        }
        let json = serde_json::to_string(record)?;
        self.state
            .save_order_record(id, &json, local, record.bigcommerce_order_id, note)?;
        Ok(())
    }

    /// Runs `sync_core::lifecycle::step` on one Mirakl order (from the last poll) until it
    /// asks for nothing more, performing each action and saving the record around it.
    ///
    /// # Errors
    /// The first failed call; the record keeps what was done, so the next poll resumes.
    pub async fn process_order(&self, id: &str) -> Result<()> {
        let Some(order) = self.inner().orders.get(id).cloned() else {
            return Ok(());
        };
        // a few rounds: e.g. look-up → record id → then shipments
        for _round in 0..4 {
            let mut record = self.load_record(id)?;
            let bc_id = record.bigcommerce_order_id;
            let bc_data = match bc_id {
                Some(bid) if needs_bigcommerce(&order) => {
                    let d = self.read_bc_order(bid).await?;
                    self.inner()
                        .bc_checked
                        .insert(id.to_owned(), Instant::now());
                    Some(d)
                }
                _ => None,
            };
            let acceptance =
                if order.order_state == MkState::WaitingAcceptance && !record.acceptance_sent {
                    self.acceptance_context(&order).await?
                } else {
                    AcceptanceContext::default()
                };
            let currency = self.store_currency().await?;
            let links = sync_core::orders::links(&self.inner().desired.clone());
            let now = now_utc();
            let ctx = StepContext {
                rules: &self.rules,
                acceptance: &acceptance,
                links: &links,
                store_currency: currency.as_deref(),
                now,
            };
            let bc_view = bc_data.as_ref().map(|d| BigCommerceOrder {
                order: &d.0,
                products: &d.1,
                shipments: &d.2,
                refunds: &d.3,
            });
            let actions = lifecycle::step(&order, &record, bc_view.as_ref(), &ctx);
            if actions.is_empty() {
                break;
            }
            if self.opts.dry_run {
                for a in &actions {
                    println!("order {id}: would {}", describe(a));
                }
                break;
            }
            // another round only when the BigCommerce side became known (then shipments,
            // cancellations and refunds can be judged); after a create there is nothing to ship
            let mut again = false;
            for action in actions {
                let learned = matches!(
                    action,
                    Action::LookUpInBigCommerce { .. } | Action::RecordBigCommerceId(_)
                );
                let moved = self
                    .perform(&order, &mut record, bc_data.as_ref(), action)
                    .await?;
                again |= moved && learned;
            }
            if !again {
                break;
            }
        }
        // bookkeeping of what this order no longer holds
        let record = self.load_record(id)?;
        let local = local_state(&order, &record);
        self.save_record(id, &record, local, None)?;
        self.inner()
            .processed
            .insert(id.to_owned(), order.last_updated_date);
        Ok(())
    }

    async fn read_bc_order(&self, id: u64) -> Result<BcOrderData> {
        let oid = OrderId(id);
        let order = self.bc.orders().get(oid).await?;
        let products = self.bc.orders().products(oid).all().await?;
        let shipments = self.bc.shipments(oid).list().all().await?;
        let refunds = if matches!(
            order.status_id,
            OrderStatus::Refunded | OrderStatus::PartiallyRefunded
        ) {
            self.bc.orders().refunds(oid).all().await?
        } else {
            Vec::new()
        };
        Ok((order, products, shipments, refunds))
    }

    /// Re-reads the BigCommerce products of `skus` (finding the products of SKUs not seen
    /// yet, e.g. right after a restart, by a variant look-up), so stock, prices and links of
    /// those SKUs are current.
    async fn refresh_skus(&self, skus: &BTreeSet<ShopSku>) -> Result<()> {
        let (mut products, unknown): (BTreeSet<u64>, Vec<ShopSku>) = {
            let inner = self.inner();
            let mut known = BTreeSet::new();
            let mut unknown = Vec::new();
            for s in skus {
                match inner.skus.get(s) {
                    Some(i) => {
                        known.insert(i.product_id);
                    }
                    None => unknown.push(s.clone()),
                }
            }
            (known, unknown)
        };
        for s in unknown {
            let found = self.bc.variants().list().sku(s.as_str()).all().await?;
            products.extend(found.iter().map(|v| v.product_id.0));
        }
        if products.is_empty() {
            return Ok(());
        }
        let currency = self.store_currency().await?;
        let ps = self.read_products(Some(&products), &|_, _| {}).await?;
        let catalog = self.catalog_of(&ps, currency.as_deref()).await?;
        let (desired, problems) = offers::desired(&catalog, &self.rules);
        self.remember_catalog(&catalog, &desired, &problems);
        Ok(())
    }

    fn order_skus(order: &MkOrder) -> BTreeSet<ShopSku> {
        order
            .order_lines
            .iter()
            .filter_map(|l| ShopSku::new(l.offer_sku.as_str()).ok())
            .collect()
    }

    /// Stock, holds (by other orders) and expected prices for the SKUs of `order`, re-read
    /// from BigCommerce so the decision sees current stock.
    async fn acceptance_context(&self, order: &MkOrder) -> Result<AcceptanceContext> {
        let skus = Self::order_skus(order);
        self.refresh_skus(&skus).await?;
        let others: Vec<MkOrder> = self
            .inner()
            .orders
            .values()
            .filter(|o| o.order_id != order.order_id)
            .cloned()
            .collect();
        let held = sync_core::orders::held_units(&others, |o| {
            self.state
                .order(o.order_id.as_str())
                .ok()
                .flatten()
                .is_some_and(|r| r.bigcommerce_order_id.is_some())
        });
        let inner = self.inner();
        let stock = skus
            .iter()
            .filter_map(|s| inner.skus.get(s).map(|i| (s.clone(), i.on_hand)))
            .collect();
        let prices = sync_core::orders::expected_prices(&inner.desired, order.created_date)
            .into_iter()
            .filter(|(k, _)| skus.contains(k))
            .collect();
        Ok(AcceptanceContext {
            stock,
            held,
            prices,
        })
    }

    fn mark_order_skus_dirty(&self, order: &MkOrder) {
        let ids: Vec<u64> = {
            let inner = self.inner();
            order
                .order_lines
                .iter()
                .filter_map(|l| ShopSku::new(l.offer_sku.as_str()).ok())
                .filter_map(|s| inner.skus.get(&s).map(|i| i.product_id))
                .collect()
        };
        let now = now_utc();
        let mut inner = self.inner();
        for p in ids {
            inner.coalescer.mark(DirtyKey::Product(p), now);
        }
    }

    /// Performs one action; returns whether the record moved.
    async fn perform(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        bc: Option<&BcOrderData>,
        action: Action,
    ) -> Result<bool> {
        let id = order.order_id.as_str().to_owned();
        let mid: &MiraklOrderId = &order.order_id;
        match action {
            Action::Accept(decision) => {
                let outbox = self.state.enqueue("or21", &id, "{}")?;
                let all_refused = decision.lines.iter().all(|l| !l.accept);
                match self
                    .mirakl
                    .orders()
                    .accept(mid, decision.request().order_lines)
                    .await
                {
                    Ok(()) => {}
                    // 400: the order is no longer waiting for acceptance (an earlier accept
                    // went through, or the operator decided): the next poll shows its state.
                    Err(e) if e.status() == Some(400) => {
                        tracing::info!(order = %id, "OR21 refused by Mirakl: order already decided");
                    }
                    Err(e) => return Err(e.into()),
                }
                record.acceptance_sent = true;
                let local = if all_refused {
                    LocalState::Refused
                } else {
                    LocalState::Accepted
                };
                self.save_record(&id, record, local, None)?;
                self.state.complete(outbox)?;
                let mut s = self.stats_mut();
                if all_refused {
                    s.refused.insert(id.clone());
                } else {
                    s.accepted.insert(id.clone());
                }
                drop(s);
                tracing::info!(order = %id, accepted = !all_refused, "OR21 sent");
                self.mark_order_skus_dirty(order);
                Ok(true)
            }
            Action::CreateInBigCommerce(mapped) => {
                record.create_started = true;
                self.save_record(&id, record, LocalState::Creating, None)?;
                let outbox = self.state.enqueue("bc_create_order", &id, "{}")?;
                let created = self.bc.orders().create(&mapped.order).await?;
                record.bigcommerce_order_id = Some(created.id.0);
                self.save_record(&id, record, LocalState::Created, None)?;
                self.state.complete(outbox)?;
                self.stats_mut().created.insert(id.clone());
                tracing::info!(order = %id, bigcommerce_order = created.id.0, "order created in BigCommerce");
                self.mark_order_skus_dirty(order);
                Ok(true)
            }
            Action::LookUpInBigCommerce { external_order_id } => {
                let found = self
                    .bc
                    .orders()
                    .find_by_external_order_id(&external_order_id)
                    .await?;
                let mut ids: Vec<u64> = found.iter().map(|o| o.id.0).collect();
                ids.sort_unstable();
                match ids.first() {
                    Some(first) => {
                        if ids.len() > 1 {
                            self.stats_mut().manual_review.insert(
                                id.clone(),
                                format!("{} BigCommerce orders carry this external id", ids.len()),
                            );
                        }
                        record.bigcommerce_order_id = Some(*first);
                        self.save_record(&id, record, LocalState::Created, None)?;
                        self.stats_mut().recovered.insert(id.clone());
                        tracing::info!(order = %id, bigcommerce_order = first, "found after an uncertain create");
                        self.mark_order_skus_dirty(order);
                    }
                    None => {
                        record.create_started = false;
                        self.save_record(&id, record, LocalState::Accepted, None)?;
                    }
                }
                for e in self.state.pending()? {
                    if e.kind == "bc_create_order" && e.key == id {
                        self.state.complete(e.id)?;
                    }
                }
                Ok(true)
            }
            Action::RecordBigCommerceId(bid) => {
                record.bigcommerce_order_id = Some(bid);
                self.save_record(&id, record, LocalState::Created, None)?;
                Ok(true)
            }
            Action::PushTracking {
                shipment_id,
                tracking,
            } => {
                self.mirakl.orders().tracking(mid, &tracking).await?;
                record.tracking_sent.insert(shipment_id);
                self.state.mark_shipment_sent(shipment_id, &id)?;
                self.save_record(&id, record, LocalState::TrackingSent, None)?;
                Ok(true)
            }
            Action::ConfirmShipment => {
                let outbox = self.state.enqueue("or24", &id, "{}")?;
                match self.mirakl.orders().ship(mid).await {
                    Ok(()) => {}
                    Err(e) if e.status() == Some(400) => {
                        // not SHIPPING any more: an earlier OR24 went through
                        tracing::info!(order = %id, "OR24 refused: order no longer SHIPPING");
                    }
                    Err(e) => return Err(e.into()),
                }
                record.ship_confirmed = true;
                self.save_record(&id, record, LocalState::Shipped, None)?;
                self.state.complete(outbox)?;
                self.stats_mut().shipped.insert(id.clone());
                tracing::info!(order = %id, "shipment confirmed on Mirakl");
                Ok(true)
            }
            Action::CancelInBigCommerce { reason } => {
                let Some(bid) = record.bigcommerce_order_id else {
                    return Ok(false);
                };
                self.bc
                    .orders()
                    .set_status(OrderId(bid), OrderStatus::Cancelled)
                    .await?;
                record.bigcommerce_cancelled = true;
                self.save_record(&id, record, LocalState::Canceled, Some(&reason))?;
                self.stats_mut().cancelled.insert(id.clone());
                Ok(true)
            }
            Action::CancelInMirakl => {
                self.mirakl.orders().cancel(mid).await?;
                record.mirakl_cancel_sent = true;
                self.save_record(&id, record, LocalState::Canceled, None)?;
                self.stats_mut().cancelled.insert(id.clone());
                Ok(true)
            }
            Action::RefundInMirakl {
                bigcommerce_refund_id,
                request,
            } => {
                let resp = self.mirakl.orders().refund(&request).await?;
                record
                    .bigcommerce_refunds_handled
                    .insert(bigcommerce_refund_id);
                for r in resp.refunds.iter().filter_map(|r| r.refund_id.clone()) {
                    record.mirakl_refunds_handled.insert(r);
                }
                self.save_record(&id, record, LocalState::Refunded, None)?;
                self.stats_mut().refunds += 1;
                Ok(true)
            }
            Action::RefundInBigCommerce {
                mirakl_refund_id,
                items,
                amount,
                reason,
            } => {
                let Some((bc_order, ..)) = bc else {
                    return Ok(false);
                };
                let oid = bc_order.id;
                let quote = self
                    .bc
                    .orders()
                    .refund_quote(
                        oid,
                        &RefundQuoteRequest {
                            items: items.clone(),
                        },
                    )
                    .await?;
                let Some(method) = quote.refund_methods.first().and_then(|m| m.first()) else {
                    self.stats_mut().manual_review.insert(
                        id.clone(),
                        "BigCommerce offers no refund method for the Mirakl refund".into(),
                    );
                    return Ok(false);
                };
                let req = bigcommerce_api::orders::RefundRequest {
                    items,
                    payments: vec![RefundPayment {
                        provider_id: method.provider_id.clone().unwrap_or_default(),
                        amount: method.amount.unwrap_or(amount),
                        offline: method.offline.unwrap_or(true),
                    }],
                };
                tracing::info!(order = %id, %reason, "mirroring a Mirakl refund in BigCommerce");
                let refund = self.bc.orders().refund(oid, &req).await?;
                record.mirakl_refunds_handled.insert(mirakl_refund_id);
                record.bigcommerce_refunds_handled.insert(refund.id);
                self.save_record(&id, record, LocalState::Refunded, None)?;
                self.stats_mut().refunds += 1;
                Ok(true)
            }
            Action::ManualReview { reason } => {
                tracing::warn!(order = %id, %reason, "order needs manual review");
                self.stats_mut().manual_review.insert(id.clone(), reason);
                Ok(false)
            }
            other => {
                tracing::warn!(order = %id, action = ?other, "action not handled by this connector version");
                Ok(false)
            }
        }
    }

    /// Marks outbox entries done whose outcome is now known: the record shows the call's
    /// effect, or the Mirakl order moved past the state where the call made sense.
    fn settle_outbox(&self) -> Result<()> {
        if self.opts.dry_run {
            return Ok(());
        }
        for e in self.state.pending()? {
            let state = self
                .inner()
                .orders
                .get(&e.key)
                .map(|o| o.order_state.clone());
            let r = self.load_record(&e.key)?;
            let moved_past = |from: MkState| state.as_ref().is_some_and(|s| *s != from);
            let done = match e.kind.as_str() {
                "or21" => r.acceptance_sent || moved_past(MkState::WaitingAcceptance),
                "bc_create_order" => {
                    r.bigcommerce_order_id.is_some() || state.as_ref().is_some_and(|s| !is_open(s))
                }
                "or24" => r.ship_confirmed || moved_past(MkState::Shipping),
                _ => false,
            };
            if done {
                self.state.complete(e.id)?;
            }
        }
        Ok(())
    }

    /// Replays outbox entries left by a crash: every pending entry names an order whose
    /// outcome is uncertain; its record already says what to do next (a look-up for a
    /// create, a re-send for OR21/OR24, whose second call Mirakl refuses harmlessly), so the
    /// replay just runs the order's step on the next poll. Returns the pending entries seen.
    ///
    /// # Errors
    /// [`EngineError::State`].
    pub fn pending_on_start(&self) -> Result<usize> {
        let pending = self.state.pending()?;
        for e in &pending {
            tracing::info!(kind = %e.kind, order = %e.key, "replaying an unconfirmed call");
        }
        Ok(pending.len())
    }

    /// Registers the connector's webhooks on `destination` (idempotent: existing hooks with
    /// the same scope and destination are kept).
    ///
    /// # Errors
    /// [`EngineError::BigCommerce`].
    pub async fn register_webhooks(
        &self,
        destination: &str,
        secret: &bc_mirakl_api_core::secret::Secret,
    ) -> Result<usize> {
        use bigcommerce_api::webhooks::{WebhookRequest, WebhookScope};
        let existing = self.bc.webhooks().list().all().await?;
        let mut created = 0;
        for scope in crate::webhooks::SCOPES {
            let have = existing
                .iter()
                .any(|h| h.scope.as_str() == scope && h.destination == destination);
            if have {
                continue;
            }
            if self.opts.dry_run {
                println!("would register webhook {scope} → {destination}");
                continue;
            }
            let req = WebhookRequest::new(WebhookScope::from(scope), destination)
                .header(crate::webhooks::SECRET_HEADER, secret.expose());
            self.bc.webhooks().create(&req).await?;
            created += 1;
        }
        Ok(created)
    }
}

fn is_open(state: &MkState) -> bool {
    matches!(
        state,
        MkState::Staging
            | MkState::WaitingAcceptance
            | MkState::WaitingDebit
            | MkState::WaitingDebitPayment
            | MkState::Shipping
    )
}

fn needs_bigcommerce(order: &MkOrder) -> bool {
    !matches!(
        order.order_state,
        MkState::WaitingAcceptance | MkState::Staging
    )
}

fn local_state(order: &MkOrder, r: &OrderRecord) -> LocalState {
    if r.bigcommerce_cancelled || r.mirakl_cancel_sent {
        return LocalState::Canceled;
    }
    if !r.mirakl_refunds_handled.is_empty() || !r.bigcommerce_refunds_handled.is_empty() {
        return LocalState::Refunded;
    }
    if r.ship_confirmed {
        return LocalState::Shipped;
    }
    if !r.tracking_sent.is_empty() {
        return LocalState::TrackingSent;
    }
    if r.bigcommerce_order_id.is_some() {
        return LocalState::Created;
    }
    if r.create_started {
        return LocalState::Creating;
    }
    match order.order_state {
        MkState::Refused => LocalState::Refused,
        MkState::Canceled => LocalState::Canceled,
        _ if r.acceptance_sent => LocalState::Accepted,
        _ => LocalState::Seen,
    }
}

fn describe(a: &Action) -> String {
    match a {
        Action::Accept(d) => {
            let acc = d.lines.iter().filter(|l| l.accept).count();
            format!("OR21: accept {acc} of {} lines", d.lines.len())
        }
        Action::CreateInBigCommerce(m) => format!(
            "create the BigCommerce order ({} lines)",
            m.order.products.len()
        ),
        Action::LookUpInBigCommerce { external_order_id } => {
            format!("look up BigCommerce orders with external id {external_order_id}")
        }
        Action::RecordBigCommerceId(id) => format!("record BigCommerce order {id}"),
        Action::PushTracking { shipment_id, .. } => {
            format!("OR23: send tracking of BigCommerce shipment {shipment_id}")
        }
        Action::ConfirmShipment => "OR24: confirm the shipment".into(),
        Action::CancelInBigCommerce { reason } => format!("cancel in BigCommerce ({reason})"),
        Action::CancelInMirakl => "OR29: cancel on Mirakl".into(),
        Action::RefundInMirakl { .. } => "OR28: refund on Mirakl".into(),
        Action::RefundInBigCommerce { amount, .. } => format!("refund {amount} in BigCommerce"),
        Action::ManualReview { reason } => format!("flag for manual review: {reason}"),
        other => format!("{other:?}"),
    }
}

fn rejected_skus(report: Option<&mirakl_api::imports::ErrorReport>) -> BTreeSet<String> {
    report
        .map(|r| r.rows.iter().filter_map(|row| row.sku.clone()).collect())
        .unwrap_or_default()
}

fn sent_payload(p: &SentPayload) -> Result<SentOffer> {
    let content = serde_json::to_string(&p.write.content)?;
    Ok(SentOffer {
        sku: p.write.shop_sku.as_str().to_owned(),
        hash: content_hash(format!("{}|{}", p.write.delete, content).as_bytes()),
        payload: serde_json::to_string(p)?,
    })
}

fn sent_offer(w: &OfferWrite, product_id: Option<u64>) -> Result<SentOffer> {
    sent_payload(&SentPayload {
        write: w.clone(),
        product_id,
    })
}

fn summarize(plan: &plan::Plan, problems: usize, batches: &[Batch]) -> PlanSummary {
    let mut b = BTreeMap::new();
    for x in batches {
        *b.entry(offer_kind(x).to_owned()).or_insert(0) += 1;
    }
    PlanSummary {
        new: plan.new.len(),
        changed: plan.changed.len(),
        unchanged: plan.unchanged.len(),
        removed: plan.removed.len(),
        problems,
        batches: b,
        held: 0,
    }
}

fn content_line(c: &OfferContent) -> String {
    let discount = c
        .discount
        .as_ref()
        .map(|d| format!(" discount {}", d.price))
        .unwrap_or_default();
    format!("price {}{discount} qty {}", c.price, c.quantity)
}

/// Prints a plan for `--dry-run`.
fn print_plan(plan: &plan::Plan, batches: &[Batch]) {
    println!(
        "plan: {} new, {} changed, {} unchanged, {} to remove",
        plan.new.len(),
        plan.changed.len(),
        plan.unchanged.len(),
        plan.removed.len()
    );
    for o in &plan.new {
        println!("  + {} {}", o.shop_sku.as_str(), content_line(&o.content));
    }
    for c in &plan.changed {
        println!(
            "  ~ {} {:?}: {} -> {}",
            c.offer.shop_sku.as_str(),
            c.kind,
            content_line(&c.before),
            content_line(&c.offer.content)
        );
    }
    for r in &plan.removed {
        println!("  - {} {:?}", r.current.shop_sku.as_str(), r.action);
    }
    for b in batches {
        println!("  would send {} with {} lines", offer_kind(b), b.len());
    }
}
