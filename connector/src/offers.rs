//! The offers flow: BigCommerce price and stock reach the Mirakl offers.
//!
//! * [`OffersFlow::reconcile`] reads the whole BigCommerce catalog (paged), computes the
//!   desired offers, reads every Mirakl offer (OF21, paged), plans the difference and sends it
//!   as OF24 full offers (or STO01/PRI01 when the rules route stock-only and price-only
//!   changes there).
//! * Between full reconciliations, changed products (webhooks, or polling by `date_modified`,
//!   [`OffersFlow::poll_bigcommerce`]) are marked dirty in the `sync-core` coalescer;
//!   [`OffersFlow::process_dirty`] re-reads only those products and plans them against what
//!   was last sent; the coalescer releases at most one batch per Mirakl call window
//!   ([`OffersFlow::flush`]).
//! * In the runner ([`OffersFlow::step`]) a batch's imports are created and tracked apart:
//!   the step does not wait for OF02/STO02/PRI02 to report them final, so a change that
//!   arrives while an earlier import is tracked goes out in the next call window. Writes in
//!   flight count as sent when later changes are planned; a batch whose import fails or
//!   never ends is queued again. (In memory, like the dirty set: after a crash the start-up
//!   reconciliation compares with what Mirakl holds.)
//!
//! Its own state (one small lock): the coalescer, when each dirty product was first seen (for
//! the latency figures), and Mirakl's offers as last read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bigcommerce_api::catalog::VariantId;
use mirakl_api::imports::{
    ErrorReport, ImportMode, ImportStatus, PriceLine as MkPriceLine, StockLine as MkStockLine,
};
use mirakl_api::orders::Order as MkOrder;
use serde::{Deserialize, Serialize};
use sync_core::ShopSku;
use sync_core::catalog::Catalog;
use sync_core::coalesce::{Coalescer, DirtyKey, DirtySet};
use sync_core::offers::{self, CurrentOffer, DesiredOffer, OfferContent, OfferProblem};
use sync_core::plan::{self, Batch, OfferWrite, PriceWrite, StockWrite};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::catalog::{CatalogReader, SkuInfo};
use crate::context::{Shared, lock, now_utc};
use crate::error::{Error, Result};
use crate::metrics::Latencies;
use crate::products::Listing;
use crate::state::{SentOffer, content_hash};

const CURSOR_PRODUCTS: &str = "bigcommerce.products.date_modified";

/// "Last sent" rows of unchanged offers written per store call in a reconciliation.
const UNCHANGED_CHUNK: usize = 1_000;

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

struct OfferState {
    coalescer: Coalescer,
    /// First time each product was seen dirty and not yet applied on Mirakl.
    dirty_since: BTreeMap<u64, Instant>,
    /// Mirakl's offers as last read (OF21), so an OF24 update keeps the fields the sync
    /// does not manage (description, order quantities, …) instead of resetting them.
    mirakl_offers: CarryOver,
    /// Batches sent whose imports Mirakl has not finished yet, oldest first.
    in_flight: Vec<InFlight>,
    /// When each status operation (`OF02`, `STO02`, `PRI02`) was last called by the tracker,
    /// so a poll never waits for that operation's call window inside a step.
    status_polled: HashMap<&'static str, Instant>,
    /// When an accepted order last took units of each SKU (see
    /// [`OffersFlow::note_units_taken`]): an import sent before that and finished after it
    /// may have been applied before or after the acceptance, so what it set is not known.
    taken_at: HashMap<ShopSku, Instant>,
}

/// The SKUs whose quantity `batch` sets (full offers and stock lines; price lines leave it).
fn quantity_skus(batch: &Batch) -> Box<dyn Iterator<Item = &ShopSku> + '_> {
    match batch {
        Batch::Offers(v) => Box::new(v.iter().map(|w| &w.shop_sku)),
        Batch::Stock(v) => Box::new(v.iter().map(|l| &l.shop_sku)),
        Batch::Prices(_) => Box::new(std::iter::empty()),
    }
}

/// One import Mirakl was asked to make.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ImportRef {
    /// OF01 or OF24 (status: OF02, report: OF03).
    Offers(u64),
    /// STO01 (status: STO02, report: STO03).
    Stock(String),
    /// PRI01 (status: PRI02, report: PRI03).
    Prices(String),
}

impl ImportRef {
    /// The operation that reads the import's status.
    fn status_op(&self) -> &'static str {
        match self {
            ImportRef::Offers(_) => "OF02",
            ImportRef::Stock(_) => "STO02",
            ImportRef::Prices(_) => "PRI02",
        }
    }
}

/// A batch sent to Mirakl whose imports are not all final yet (the batch is kept, not a
/// copy, to record what was applied or to queue it again).
#[derive(Debug)]
struct InFlight {
    batch: Batch,
    /// Imports whose final status has not been read yet.
    open: Vec<ImportRef>,
    /// The merged error reports of the imports already final.
    report: Option<ErrorReport>,
    /// `Complete`, or the first other final status seen.
    status: ImportStatus,
    /// Status polls made so far (all imports of the batch together).
    polls: u32,
    /// When the next status poll is due.
    next_poll: Instant,
    /// When the batch was sent.
    submitted: Instant,
}

/// The offers flow (see the [module docs](self)).
pub struct OffersFlow {
    shared: Arc<Shared>,
    catalog: Arc<CatalogReader>,
    listing: Arc<Listing>,
    state: Mutex<OfferState>,
    latencies: Latencies,
    /// Held while a stored quantity is read, lowered and written back (see
    /// [`OffersFlow::note_units_taken`]): acceptances sent together take units of the same
    /// SKU, and each must lower what the one before it wrote.
    taking: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for OffersFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OffersFlow").finish_non_exhaustive()
    }
}

/// The OF21 records kept for carry-over, compact: each offer keeps only the fields an
/// update's carry-over reads (prices, discount ranges, lead time, logistic class, additional
/// fields, descriptions, order quantities, availability dates, tax code, MSRP, quote
/// requests); an offer with eco-contributions keeps its whole record. A record is rebuilt on
/// demand from a template (the first offer read, emptied of those fields).
#[derive(Default)]
struct CarryOver {
    template: Option<Box<mirakl_api::offers::Offer>>,
    offers: HashMap<String, Kept>,
}

/// The carry-over fields of one offer (see [`CarryOver`]).
struct Plain {
    all_prices: Vec<mirakl_api::offers::OfferPrice>,
    discount: Option<mirakl_api::offers::OfferDiscount>,
    leadtime_to_ship: Option<u64>,
    logistic_class: Option<mirakl_api::offers::LogisticClassRef>,
    offer_additional_fields: Vec<mirakl_api::common::AdditionalFieldValue>,
    description: Option<Box<str>>,
    internal_description: Option<Box<str>>,
    price_additional_info: Option<Box<str>>,
    product_tax_code: Option<Box<str>>,
    quantities: [Option<u64>; 4],
    available: (Option<OffsetDateTime>, Option<OffsetDateTime>),
    msrp: Option<rust_decimal::Decimal>,
    allow_quote_requests: Option<bool>,
}

enum Kept {
    Plain(Box<Plain>),
    Whole(Box<mirakl_api::offers::Offer>),
}

impl CarryOver {
    fn contains_key(&self, sku: &str) -> bool {
        self.offers.contains_key(sku)
    }

    /// Keeps `o` (already trimmed of what no update reads).
    fn insert(&mut self, mut o: mirakl_api::offers::Offer) {
        let sku = o.shop_sku.as_str().to_owned();
        if !o.eco_contributions.is_empty() {
            self.offers.insert(sku, Kept::Whole(Box::new(o)));
            return;
        }
        // a default price alone (no channel, no context, no tier above 1 unit) and a discount
        // without ranges above 1 unit give the same carry-over as none
        let plain_prices = o.all_prices.iter().all(|p| {
            p.channel_code.is_none()
                && p.context.is_none()
                && p.volume_prices.iter().all(|t| t.quantity_threshold <= 1)
        });
        let boxed = |s: Option<String>| s.map(String::into_boxed_str);
        let kept = Plain {
            all_prices: if plain_prices {
                Vec::new()
            } else {
                std::mem::take(&mut o.all_prices)
            },
            discount: o
                .discount
                .take()
                .filter(|d| d.ranges.iter().any(|r| r.quantity_threshold > 1)),
            leadtime_to_ship: o.leadtime_to_ship.take(),
            logistic_class: o.logistic_class.take(),
            offer_additional_fields: std::mem::take(&mut o.offer_additional_fields),
            description: boxed(o.description.take()),
            internal_description: boxed(o.internal_description.take()),
            price_additional_info: boxed(o.price_additional_info.take()),
            product_tax_code: boxed(o.product_tax_code.take()),
            quantities: [
                o.min_quantity_alert.take(),
                o.min_order_quantity.take(),
                o.max_order_quantity.take(),
                o.package_quantity.take(),
            ],
            available: (o.available_start_date.take(), o.available_end_date.take()),
            msrp: o.msrp.take(),
            allow_quote_requests: o.allow_quote_requests.take(),
        };
        if self.template.is_none() {
            self.template = Some(Box::new(o));
        }
        self.offers.insert(sku, Kept::Plain(Box::new(kept)));
    }

    /// The record of `sku` as far as carry-over reads it.
    fn get(&self, sku: &str) -> Option<mirakl_api::offers::Offer> {
        match self.offers.get(sku)? {
            Kept::Whole(o) => Some((**o).clone()),
            Kept::Plain(k) => {
                let mut o = (**self.template.as_ref()?).clone();
                let text = |s: &Option<Box<str>>| s.as_deref().map(str::to_owned);
                o.shop_sku = ShopSku::new(sku).ok()?;
                o.all_prices.clone_from(&k.all_prices);
                o.discount.clone_from(&k.discount);
                o.leadtime_to_ship = k.leadtime_to_ship;
                o.logistic_class.clone_from(&k.logistic_class);
                o.offer_additional_fields
                    .clone_from(&k.offer_additional_fields);
                o.description = text(&k.description);
                o.internal_description = text(&k.internal_description);
                o.price_additional_info = text(&k.price_additional_info);
                o.product_tax_code = text(&k.product_tax_code);
                [
                    o.min_quantity_alert,
                    o.min_order_quantity,
                    o.max_order_quantity,
                    o.package_quantity,
                ] = k.quantities;
                (o.available_start_date, o.available_end_date) = k.available;
                o.msrp = k.msrp;
                o.allow_quote_requests = k.allow_quote_requests;
                Some(o)
            }
        }
    }

    /// The records of `skus` (those kept), for the carry-over of one batch.
    fn subset<'a>(
        &self,
        skus: impl IntoIterator<Item = &'a ShopSku>,
    ) -> HashMap<String, mirakl_api::offers::Offer> {
        skus.into_iter()
            .filter_map(|s| self.get(s.as_str()).map(|o| (s.as_str().to_owned(), o)))
            .collect()
    }
}

/// The SKUs of a plan's price-only changes (the offers whose carry-over decides between OF24
/// and PRI01, [`batches_keeping_prices`]).
fn price_only_skus(plan: &plan::Plan) -> impl Iterator<Item = &ShopSku> {
    plan.changed
        .iter()
        .filter(|c| c.kind == plan::ChangeKind::PriceOnly)
        .map(|c| &c.offer.shop_sku)
}

/// A batch that could not be sent or applied, given back with the reason.
struct Failed {
    error: Error,
    batch: Batch,
}

/// The operation code of a batch: `OF01` for full offers the plan sends as one file
/// ([`plan::offer_call`]), `OF24` for the others.
fn offer_kind(batch: &Batch, rules: &sync_core::rules::PlanRules) -> &'static str {
    match batch {
        Batch::Offers(v) => plan::offer_call(v.len(), rules).code(),
        Batch::Stock(_) => "STO01",
        Batch::Prices(_) => "PRI01",
    }
}

impl OffersFlow {
    pub(crate) fn new(
        shared: Arc<Shared>,
        catalog: Arc<CatalogReader>,
        listing: Arc<Listing>,
    ) -> OffersFlow {
        let coalescer = Coalescer::new(&shared.rules);
        OffersFlow {
            shared,
            catalog,
            listing,
            state: Mutex::new(OfferState {
                coalescer,
                dirty_since: BTreeMap::new(),
                mirakl_offers: CarryOver::default(),
                in_flight: Vec::new(),
                status_polled: HashMap::new(),
                taken_at: HashMap::new(),
            }),
            latencies: Latencies::default(),
            taking: tokio::sync::Mutex::new(()),
        }
    }

    /// Change-to-marketplace latencies (dirty seen → Mirakl import complete).
    pub fn latencies(&self) -> &Latencies {
        &self.latencies
    }

    /// Whether nothing is waiting: no dirty key, no pending batch, no import in flight.
    pub fn is_idle(&self) -> bool {
        let s = lock(&self.state);
        s.coalescer.is_idle() && s.in_flight.is_empty()
    }

    /// Batches sent to Mirakl whose imports are not final yet (tracked by [`OffersFlow::step`]).
    pub fn in_flight(&self) -> usize {
        lock(&self.state).in_flight.len()
    }

    /// What is waiting, for metrics and the status page: offer lines queued for their call
    /// window per operation code (`OF24`, `STO01`, `PRI01`), and products changed in
    /// BigCommerce whose change Mirakl has not applied yet.
    pub fn pending(&self) -> (BTreeMap<&'static str, usize>, usize) {
        use sync_core::plan::Operation;
        let s = lock(&self.state);
        let lines = s
            .coalescer
            .pending_lines()
            .into_iter()
            .map(|(op, n)| {
                let code = match op {
                    Operation::Offers => "OF24",
                    Operation::Stock => "STO01",
                    Operation::Prices => "PRI01",
                };
                (code, n)
            })
            .collect();
        (lines, s.dirty_since.len())
    }

    /// When the flow next has work due (coalescer wake-up, or the next status poll of an
    /// import in flight), if any.
    pub fn next_wakeup(&self) -> Option<OffsetDateTime> {
        let now = now_utc();
        let s = lock(&self.state);
        let polls = s.in_flight.iter().map(|f| {
            let wait = f.next_poll.saturating_duration_since(Instant::now());
            now + wait
        });
        s.coalescer.next_wakeup(now).into_iter().chain(polls).min()
    }

    // ------------------------------------------------------------------ reads

    /// Reads every Mirakl offer (OF21, paged).
    ///
    /// # Errors
    /// [`Error::Mirakl`] when a page cannot be read.
    pub async fn current_offers(&self) -> Result<BTreeMap<ShopSku, CurrentOffer>> {
        use futures::TryStreamExt;
        let rules = &self.shared.rules;
        let mut stream = std::pin::pin!(
            self.shared
                .mirakl
                .offers()
                .list()
                .max(self.shared.opts.mirakl_page_size)
                .stream()
        );
        // one offer at a time: its comparable form, and its record without what no update
        // carries over (the full records of a large shop are never all in memory at once)
        let mut current = BTreeMap::new();
        let mut records = CarryOver::default();
        while let Some(mut o) = stream.try_next().await? {
            if let Some(mut c) = sync_core::convert::current_offer(&o, &rules.offer) {
                // Fields the rules do not manage are filled by the operator's defaults (e.g.
                // a lead time): they are not differences to correct, so compare them as
                // unmanaged.
                sync_core::convert::forget_unmanaged(&mut c, &rules.offer);
                current.insert(c.shop_sku.clone(), c);
            }
            trim_for_carry_over(&mut o);
            records.insert(o);
        }
        records.offers.shrink_to_fit();
        lock(&self.state).mirakl_offers = records;
        Ok(current)
    }

    /// The desired offers of the whole catalog, with problems (no Mirakl call).
    ///
    /// # Errors
    /// [`Error::BigCommerce`] when the catalog cannot be read.
    pub async fn desired_offers(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(BTreeMap<ShopSku, DesiredOffer>, Vec<OfferProblem>, Catalog)> {
        self.catalog.desired_of(None, progress).await
    }

    /// With a closed catalog, keeps back the offers whose product the operator does not know.
    async fn hold_unlisted(&self, desired: &mut BTreeMap<ShopSku, DesiredOffer>) -> Result<usize> {
        let on_mirakl = |sku: &str| lock(&self.state).mirakl_offers.contains_key(sku);
        self.listing
            .hold_unlisted(desired, &on_mirakl, self.shared.store.as_ref())
            .await
    }

    // ------------------------------------------------------------------ full reconciliation

    /// Full reconciliation: the whole catalog against every Mirakl offer; sends the plan at
    /// once (each batch waits for its call window in the Mirakl client). Returns the plan
    /// summary.
    ///
    /// A merge that holds one page of the catalog at a time: Mirakl's offers are read first
    /// (OF21; their records stay for OF24's carry-over), then each page of BigCommerce
    /// products is turned into desired offers and compared with the Mirakl offers of the same
    /// SKUs, which leave the map; unchanged offers are recorded as "last sent" right away and
    /// only the differences are kept for the plan. The Mirakl offers left at the end are the
    /// removals. Memory is bounded by the Mirakl side and one page, not by the catalog.
    ///
    /// # Errors
    /// The first read that fails; batches that fail are queued for the next flush.
    pub async fn reconcile(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<PlanSummary> {
        let _gate = self.shared.stock_gate.write().await;
        let dry_run = self.shared.dry_run();
        if !dry_run {
            // writes still queued were computed from older data: send them first, so the
            // reconciliation below (fresh reads) has the last word
            self.drain_queued().await;
        }
        let read_started = now_utc();
        let mut current = self.current_offers().await?;
        let rules = &self.shared.rules;
        let store = self.shared.store.as_ref();
        let mut plan = plan::Plan::default();
        let mut problems: Vec<OfferProblem> = Vec::new();
        let mut unchanged = 0usize;
        let mut held = 0usize;
        // SKUs seen on earlier pages with the item holding them (a SKU on two pages is a
        // duplicate, as sync-core's `desired` finds it within one page)
        let mut seen: HashMap<ShopSku, sync_core::CatalogRef> = HashMap::new();
        let mut rows: Vec<SentOffer> = Vec::new();
        let mut pages = self.catalog.pages();
        while let Some((mut desired, page_problems)) = pages.next(progress).await? {
            let mut dup: Vec<(ShopSku, sync_core::CatalogRef)> = Vec::new();
            for (sku, d) in &desired {
                match seen.get(sku) {
                    Some(other) => dup.push((sku.clone(), *other)),
                    None => {
                        seen.insert(sku.clone(), d.source);
                    }
                }
            }
            for (sku, other) in dup {
                if let Some(d) = desired.remove(&sku) {
                    problems.push(OfferProblem {
                        sku: Some(sku.clone()),
                        source: d.source,
                        reason: offers::OfferProblemReason::DuplicateSku { other },
                    });
                    problems.push(OfferProblem {
                        sku: Some(sku.clone()),
                        source: other,
                        reason: offers::OfferProblemReason::DuplicateSku { other: d.source },
                    });
                }
                plan.new.retain(|o| o.shop_sku != sku);
                plan.changed.retain(|c| c.offer.shop_sku != sku);
            }
            held += self.hold_unlisted(&mut desired).await?;
            let page_current: BTreeMap<ShopSku, CurrentOffer> = desired
                .keys()
                .filter_map(|s| current.remove(s).map(|c| (s.clone(), c)))
                .collect();
            let keep = offers::problem_skus(&page_problems);
            problems.extend(page_problems);
            let p = plan::plan(&desired, &page_current, &keep, &rules.plan);
            plan.new.extend(p.new);
            plan.changed.extend(p.changed);
            unchanged += p.unchanged.len();
            if dry_run {
                continue;
            }
            // The SKUs already as desired on Mirakl are, in effect, "last sent"; written a
            // chunk at a time.
            for s in &p.unchanged {
                if let Some(d) = desired.get(s) {
                    rows.push(sent_offer(&OfferWrite::from(d), Some(d.source.product_id))?);
                }
                if rows.len() >= UNCHANGED_CHUNK {
                    store.record_sent_offers(&rows).await?;
                    rows.clear();
                }
            }
        }
        drop(seen);
        if !rows.is_empty() {
            store.record_sent_offers(&rows).await?;
        }
        drop(rows);
        if !dry_run {
            // changes after this point are found by the date_modified poll
            store
                .advance_time_cursor(CURSOR_PRODUCTS, read_started)
                .await?;
        }
        // the Mirakl offers no page claimed: removals (problem SKUs keep theirs)
        let keep = offers::problem_skus(&problems);
        plan.removed = plan::plan(&BTreeMap::new(), &current, &keep, &rules.plan).removed;
        drop(current);
        let batches = {
            let s = lock(&self.state);
            let priced = s.mirakl_offers.subset(price_only_skus(&plan));
            batches_keeping_prices(&plan, &rules.plan, &priced)
        };
        let summary = PlanSummary {
            held,
            unchanged,
            ..summarize(&plan, problems.len(), &batches, &rules.plan)
        };
        if dry_run {
            print_plan(&plan, unchanged, &batches, &rules.plan);
            return Ok(summary);
        }
        drop(plan);
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
            if let Err(f) = self.send(batch).await {
                self.give_back(*f, "batch failed; queued for the next window");
            }
        }
        Ok(summary)
    }

    // ------------------------------------------------------------------ incremental

    /// Marks a key dirty for offers (webhook, poll, integrated product).
    pub fn mark(&self, key: DirtyKey) {
        let now = now_utc();
        let mut s = lock(&self.state);
        match key {
            DirtyKey::Product(p)
            | DirtyKey::Variant {
                product_id: Some(p),
                ..
            } => {
                s.dirty_since.entry(p).or_insert_with(Instant::now);
            }
            _ => {}
        }
        s.coalescer.mark(key, now);
    }

    /// Marks the products of an order's SKUs dirty (an accepted, created or recovered order
    /// changes the stock to offer). No latency sample: the change is not a catalog edit.
    pub(crate) fn mark_order_products(&self, order: &MkOrder) {
        let ids: Vec<u64> = order
            .order_lines
            .iter()
            .filter_map(|l| self.catalog.sku(&l.offer_sku).map(|i| i.product_id))
            .collect();
        self.mark_stock_changed(&ids);
        // the same units are offered on the store's other marketplaces
        if let Some(ledger) = &self.shared.ledger {
            ledger.mark_stock_changed(&ids);
        }
    }

    /// Mirakl takes the units of the lines it accepts from its offers' quantities. The stored
    /// "last sent" quantity of those SKUs is lowered alike (never below 0), so the next plan
    /// compares with what Mirakl holds: a quantity sent while the order was still counted as
    /// held, then lowered by Mirakl at acceptance, would otherwise look sent and stay short
    /// once the order is created in BigCommerce. Where the operator took the units earlier
    /// (and the sent quantity already says so), this costs one write of the same quantity.
    pub(crate) async fn note_units_taken(&self, taken: &BTreeMap<ShopSku, u64>) -> Result<()> {
        if self.shared.dry_run() {
            return Ok(());
        }
        let _taking = self.taking.lock().await;
        {
            let mut s = lock(&self.state);
            let now = Instant::now();
            for sku in taken.keys() {
                s.taken_at.insert(sku.clone(), now);
            }
        }
        let mut records = Vec::new();
        for (sku, units) in taken {
            if let Some(mut p) = self.stored_payload(sku).await? {
                p.write.content.quantity = p.write.content.quantity.saturating_sub(*units);
                records.push(sent_payload(&p)?);
            }
        }
        if !records.is_empty() {
            self.shared.store.record_sent_offers(&records).await?;
        }
        Ok(())
    }

    /// Forgets what was last sent for `skus` because Mirakl changed their quantity itself (an
    /// order line accepted or cancelled, see `orders::units_moved_by_mirakl`): the next plan
    /// writes their offers again instead of taking the stale record for what Mirakl holds.
    pub(crate) async fn forget_mirakl_quantities(&self, skus: &BTreeSet<ShopSku>) -> Result<()> {
        if skus.is_empty() || self.shared.dry_run() {
            return Ok(());
        }
        let names: Vec<String> = skus.iter().map(|s| s.as_str().to_owned()).collect();
        self.shared.store.forget_sent_offers(&names).await?;
        let ids: Vec<u64> = skus
            .iter()
            .filter_map(|s| self.catalog.sku(s).map(|i| i.product_id))
            .collect();
        self.mark_stock_changed(&ids);
        Ok(())
    }

    /// Marks products dirty because the stock they may offer changed (no latency sample).
    pub(crate) fn mark_stock_changed(&self, ids: &[u64]) {
        let now = now_utc();
        let mut s = lock(&self.state);
        for p in ids {
            s.coalescer.mark(DirtyKey::Product(*p), now);
        }
    }

    /// Fallback for missed webhooks: marks products modified since the cursor (minus a
    /// minute of overlap) dirty, unless they were already read in that version. Returns the
    /// marked product ids.
    ///
    /// # Errors
    /// [`Error::BigCommerce`] when the list cannot be read.
    pub async fn poll_bigcommerce(&self) -> Result<Vec<u64>> {
        let store = self.shared.store.as_ref();
        let Some(since) = store.time_cursor(CURSOR_PRODUCTS).await? else {
            // no full reconciliation yet: it reads everything and sets the cursor
            return Ok(Vec::new());
        };
        let products = self
            .shared
            .bc
            .products()
            .list()
            .date_modified_min(since - time::Duration::minutes(1))
            .limit(self.shared.opts.bc_page_size)
            .all()
            .await?;
        let mut newest = since;
        let mut marked = Vec::new();
        for p in &products {
            let known = self.catalog.modified(p.id.0);
            if known.is_none() || known != p.date_modified {
                self.mark(DirtyKey::Product(p.id.0));
                marked.push(p.id.0);
            }
            if let Some(d) = p.date_modified {
                newest = newest.max(d);
            }
        }
        if !self.shared.dry_run() {
            store.advance_time_cursor(CURSOR_PRODUCTS, newest).await?;
        }
        Ok(marked)
    }

    /// Re-reads the dirty products once the coalescer releases them, plans them against what
    /// was last sent, and queues the batches. Returns how many products were re-read.
    ///
    /// # Errors
    /// A failed read; the dirty set is given back to the coalescer then.
    pub async fn process_dirty(&self) -> Result<usize> {
        let _gate = self.shared.stock_gate.write().await;
        self.process_dirty_now().await
    }

    /// The flow's step in the runner: re-reads the released dirty products, sends the
    /// batches whose window is open (the imports are created, not awaited), then reads the
    /// status of the imports in flight whose poll is due, with no order step in between.
    /// Tracking an earlier import never holds back the next window's send: a change that
    /// arrives while one is tracked goes out in the next call window. Returns the lines sent.
    ///
    /// # Errors
    /// As [`OffersFlow::process_dirty`] (the sends and the tracking run anyway).
    pub async fn step(&self) -> Result<usize> {
        let (read, sent) = {
            let _gate = self.shared.stock_gate.write().await;
            let read = self.process_dirty_now().await;
            (read, self.submit_ready().await)
        };
        self.track_imports().await;
        read.map(|_| sent)
    }

    async fn process_dirty_now(&self) -> Result<usize> {
        let now = now_utc();
        let dirty = {
            let mut s = lock(&self.state);
            // due, or a queued write is about to go: it is planned again first
            s.coalescer
                .take_dirty(now)
                .or_else(|| s.coalescer.take_dirty_before_send(now))
        };
        let Some(dirty) = dirty else {
            return Ok(0);
        };
        match self.process_dirty_set(&dirty).await {
            Ok(n) => Ok(n),
            Err(e) => {
                lock(&self.state).coalescer.restore_dirty(dirty, now_utc());
                Err(e)
            }
        }
    }

    /// The product ids a dirty set names (variants without a known product are looked up).
    async fn dirty_products(&self, dirty: &DirtySet) -> Result<BTreeSet<u64>> {
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
            let vs = self.shared.bc.variants().find_by_ids(&unknown).await?;
            ids.extend(vs.iter().map(|v| v.product_id.0));
        }
        Ok(ids)
    }

    async fn process_dirty_set(&self, dirty: &DirtySet) -> Result<usize> {
        let ids = if dirty.all {
            None
        } else {
            let ids = self.dirty_products(dirty).await?;
            if ids.is_empty() {
                return Ok(0);
            }
            Some(ids)
        };
        let (mut desired, problems, _) = self.catalog.desired_of(ids.as_ref(), &|_, _| {}).await?;
        self.hold_unlisted(&mut desired).await?;
        // deleted products come back empty: their last sent offers are planned as removals
        // planned against what Mirakl will hold once the writes in flight and the queued
        // ones are applied (a queued change that was undone is replaced, not sent stale)
        let mut current = self.last_sent(ids.as_ref()).await?;
        self.overlay_in_flight(&mut current, &desired);
        lock(&self.state)
            .coalescer
            .overlay_queued(&mut current, &desired);
        let rules = &self.shared.rules;
        let plan = plan::plan(
            &desired,
            &current,
            &offers::problem_skus(&problems),
            &rules.plan,
        );
        let batches = {
            let s = lock(&self.state);
            let priced = s.mirakl_offers.subset(price_only_skus(&plan));
            batches_keeping_prices(&plan, &rules.plan, &priced)
        };
        if self.shared.dry_run() {
            print_plan(&plan, plan.unchanged.len(), &batches, &rules.plan);
        } else if batches.is_empty() {
            // nothing to send: the change is already on Mirakl
            let mut s = lock(&self.state);
            for id in ids.iter().flatten() {
                s.dirty_since.remove(id);
            }
        } else {
            lock(&self.state).coalescer.push(batches);
        }
        Ok(ids.map_or(desired.len(), |i| i.len()))
    }

    /// Counts the writes of batches still in flight as sent (oldest first), for the SKUs of
    /// `current` and `desired`: a change planned while an earlier import is tracked is
    /// planned against what that import applies, not against the older record (else a
    /// value changed and changed back during the import would never be corrected).
    fn overlay_in_flight(
        &self,
        current: &mut BTreeMap<ShopSku, CurrentOffer>,
        desired: &BTreeMap<ShopSku, DesiredOffer>,
    ) {
        let s = lock(&self.state);
        for f in &s.in_flight {
            sync_core::coalesce::overlay_batch(current, desired, &f.batch);
        }
    }

    /// The last sent mirror, for all SKUs or those of `products`.
    async fn last_sent(
        &self,
        products: Option<&BTreeSet<u64>>,
    ) -> Result<BTreeMap<ShopSku, CurrentOffer>> {
        let mut out = BTreeMap::new();
        for s in self.shared.store.sent_offers().await? {
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

    // ------------------------------------------------------------------ sending

    /// Sends every batch whose call window is open. Returns how many lines were sent; a
    /// failed batch is queued again and logged.
    pub async fn flush(&self) -> usize {
        let _gate = self.shared.stock_gate.write().await;
        self.flush_now().await
    }

    async fn flush_now(&self) -> usize {
        let ready = lock(&self.state).coalescer.take_ready(now_utc());
        let mut sent = 0;
        for batch in ready {
            let n = batch.len();
            match self.send(batch).await {
                Ok(()) => sent += n,
                Err(f) => self.give_back(*f, "batch failed; queued again"),
            }
        }
        sent
    }

    /// Sends the batches whose window is open without waiting for their imports: each goes
    /// in flight ([`OffersFlow::track_imports`]). Returns how many lines were sent.
    async fn submit_ready(&self) -> usize {
        let ready = lock(&self.state).coalescer.take_ready(now_utc());
        let mut sent = 0;
        for batch in ready {
            let n = batch.len();
            match self.submit(&batch).await {
                Ok(Some(open)) => {
                    sent += n;
                    let f = self.in_flight_of(
                        batch,
                        open,
                        Instant::now() + self.shared.opts.import_poll,
                    );
                    lock(&self.state).in_flight.push(f);
                }
                Ok(None) => sent += n,
                Err(error) => self.give_back(Failed { error, batch }, "batch failed; queued again"),
            }
        }
        sent
    }

    /// Queues a failed batch again (the coalescer merges it with newer pending data).
    fn give_back(&self, f: Failed, what: &str) {
        let op = offer_kind(&f.batch, &self.shared.rules.plan);
        tracing::warn!(error = %f.error, lines = f.batch.len(), op, "{what}");
        lock(&self.state).coalescer.requeue(f.batch);
    }

    fn in_flight_of(&self, batch: Batch, open: Vec<ImportRef>, next_poll: Instant) -> InFlight {
        InFlight {
            batch,
            open,
            report: None,
            status: ImportStatus::Complete,
            polls: 0,
            next_poll,
            submitted: Instant::now(),
        }
    }

    /// Marks the products of `order` dirty when a queued write sets the quantity of one of
    /// its SKUs: an order first seen after that write was planned holds units the write does
    /// not leave out, so it is planned again before it goes (see
    /// `Coalescer::take_dirty_before_send`).
    pub(crate) fn replan_queued_for(&self, order: &MkOrder) {
        let queued = {
            let s = lock(&self.state);
            order
                .order_lines
                .iter()
                .any(|l| s.coalescer.queues_quantity(&l.offer_sku))
        };
        if queued {
            self.mark_order_products(order);
        }
    }

    /// When the earliest import still in flight that sets the quantity of one of `skus` was
    /// sent (`None`: none is). Mirakl applies such an import's quantity as it stands, over
    /// the units an acceptance took from the offer meanwhile (see
    /// `OrdersFlow::accept_together`).
    pub(crate) fn quantity_in_flight_since(&self, skus: &BTreeSet<ShopSku>) -> Option<Instant> {
        let s = lock(&self.state);
        s.in_flight
            .iter()
            .filter(|f| quantity_skus(&f.batch).any(|k| skus.contains(k)))
            .map(|f| f.submitted)
            .min()
    }

    /// Reads the status of the imports in flight whose poll is due: one status call per
    /// import, and none of an operation (OF02, STO02, PRI02) polled less than
    /// `import_poll` ago, so the step never waits for a status call window. A batch whose
    /// imports are all final is recorded as applied; one that failed or was polled
    /// `import_max_polls` times is queued again. Returns how many batches were finished.
    pub async fn track_imports(&self) -> usize {
        let now = Instant::now();
        let due: Vec<InFlight> = {
            let mut s = lock(&self.state);
            let (due, rest) = std::mem::take(&mut s.in_flight)
                .into_iter()
                .partition(|f| f.next_poll <= now);
            s.in_flight = rest;
            due
        };
        let mut finished = 0;
        for mut f in due {
            if let Err(e) = self.poll_in_flight(&mut f, true).await {
                tracing::warn!(error = %e, "import status could not be read; polled again later");
            }
            if f.open.is_empty() {
                match self.finish(f).await {
                    Ok(()) => finished += 1,
                    Err(x) => self.give_back(*x, "import did not apply; queued again"),
                }
                continue;
            }
            if f.polls >= self.shared.opts.import_max_polls {
                let error = Error::Invariant(format!(
                    "{} import still not final after {} polls",
                    offer_kind(&f.batch, &self.shared.rules.plan),
                    f.polls
                ));
                self.give_back(
                    Failed {
                        error,
                        batch: f.batch,
                    },
                    "import not final; queued again",
                );
                continue;
            }
            let mut s = lock(&self.state);
            let poll = self.shared.opts.import_poll;
            let now = Instant::now();
            f.next_poll = f
                .open
                .iter()
                .map(|r| {
                    s.status_polled
                        .get(r.status_op())
                        .map_or(now, |t| *t + poll)
                })
                .min()
                .unwrap_or(now)
                .max(now);
            s.in_flight.push(f);
            s.in_flight.sort_by_key(|f| f.next_poll);
        }
        finished
    }

    /// Polls each open import of `f` once (when `spare` is set, only those whose status
    /// operation was not called within `import_poll`); final ones leave `open` with their
    /// error report merged.
    async fn poll_in_flight(&self, f: &mut InFlight, spare: bool) -> Result<()> {
        let poll = self.shared.opts.import_poll;
        let mut polled = false;
        for r in f.open.clone() {
            let op = r.status_op();
            if spare
                && lock(&self.state)
                    .status_polled
                    .get(op)
                    .is_some_and(|t| t.elapsed() < poll)
            {
                continue;
            }
            lock(&self.state).status_polled.insert(op, Instant::now());
            polled = true;
            let (status, report) = self.import_state(&r).await?;
            if !status.is_final() {
                continue;
            }
            f.open.retain(|x| *x != r);
            if status != ImportStatus::Complete && f.status == ImportStatus::Complete {
                f.status = status;
            }
            if let Some(rep) = report {
                match &mut f.report {
                    Some(all) => all.rows.extend(rep.rows),
                    None => f.report = Some(rep),
                }
            }
        }
        if polled {
            f.polls += 1;
        }
        Ok(())
    }

    /// One status call for an import; the error report too once it is final and has one.
    async fn import_state(&self, r: &ImportRef) -> Result<(ImportStatus, Option<ErrorReport>)> {
        let mk = &self.shared.mirakl;
        Ok(match r {
            ImportRef::Offers(id) => {
                let s = mk.offers().import_status(*id).await?;
                let report = if s.status.is_final() && s.has_error_report {
                    Some(mk.offers().error_report(*id).await?)
                } else {
                    None
                };
                (s.status, report)
            }
            ImportRef::Stock(id) => {
                let s = mk.stock().status(id).await?;
                let report = if s.status.is_final() && s.has_error_report {
                    Some(mk.stock().error_report(id).await?)
                } else {
                    None
                };
                (s.status, report)
            }
            ImportRef::Prices(id) => match mk.prices().status(id).await? {
                // not listed yet: still waiting
                None => (ImportStatus::Waiting, None),
                Some(s) => {
                    let report = if s.status.is_final() && s.has_error_report {
                        Some(mk.prices().error_report(id).await?)
                    } else {
                        None
                    };
                    (s.status, report)
                }
            },
        })
    }

    /// Records a batch whose imports are all final as applied (minus the rejected lines), or
    /// gives it back when an import did not complete.
    async fn finish(&self, f: InFlight) -> std::result::Result<(), Box<Failed>> {
        if f.status != ImportStatus::Complete {
            let op = offer_kind(&f.batch, &self.shared.rules.plan);
            return Err(Box::new(Failed {
                error: Error::Invariant(format!("{op} import did not complete ({})", f.status)),
                batch: f.batch,
            }));
        }
        match self
            .record_applied(&f.batch, &rejected_skus(f.report.as_ref()))
            .await
        {
            Ok(()) => {
                // an order accepted while the import was in flight took units Mirakl may
                // have taken before the import set the quantity (then the quantity is short
                // by them) or after (then it stands): not known, so written again
                let unsure: BTreeSet<ShopSku> = {
                    let s = lock(&self.state);
                    quantity_skus(&f.batch)
                        .filter(|k| s.taken_at.get(*k).is_some_and(|t| *t >= f.submitted))
                        .cloned()
                        .collect()
                };
                if let Err(error) = self.forget_mirakl_quantities(&unsure).await {
                    tracing::warn!(%error, "could not forget the quantities an acceptance made uncertain");
                }
                Ok(())
            }
            Err(error) => Err(Box::new(Failed {
                error,
                batch: f.batch,
            })),
        }
    }

    /// Waits until every import of `f` is final (polling every `import_poll`, at most
    /// `import_max_polls` times), then [`finish`](Self::finish)es it.
    async fn wait_in_flight(&self, mut f: InFlight) -> std::result::Result<(), Box<Failed>> {
        loop {
            if let Err(error) = self.poll_in_flight(&mut f, false).await {
                return Err(Box::new(Failed {
                    error,
                    batch: f.batch,
                }));
            }
            if f.open.is_empty() {
                return self.finish(f).await;
            }
            if f.polls >= self.shared.opts.import_max_polls {
                let op = offer_kind(&f.batch, &self.shared.rules.plan);
                return Err(Box::new(Failed {
                    error: Error::Invariant(format!("{op} import did not complete")),
                    batch: f.batch,
                }));
            }
            tokio::time::sleep(self.shared.opts.import_poll).await;
        }
    }

    /// Sends every queued write, waiting for the call windows and for the imports in flight
    /// (failed batches are queued again; gives up after a few rounds so a failing operator
    /// cannot stall the caller).
    pub async fn drain_pending_writes(&self) {
        let _gate = self.shared.stock_gate.write().await;
        self.drain_queued().await;
    }

    async fn drain_queued(&self) {
        let in_flight = std::mem::take(&mut lock(&self.state).in_flight);
        for f in in_flight {
            if let Err(x) = self.wait_in_flight(f).await {
                self.give_back(*x, "import did not apply; queued again");
            }
        }
        for _ in 0..10 {
            let next = {
                let s = lock(&self.state);
                if s.coalescer.pending_lines().is_empty() {
                    return;
                }
                s.coalescer.next_send_at(now_utc())
            };
            if let Some(at) = next {
                let wait = (at - now_utc()).as_seconds_f64().max(0.0);
                tokio::time::sleep(Duration::from_secs_f64(wait)).await;
            }
            self.flush_now().await;
        }
    }

    /// Sends one batch and waits for Mirakl to apply it; records what was applied.
    ///
    /// # Errors
    /// The failed call, or an import that did not complete (queue the batch again).
    pub async fn send_batch(&self, batch: Batch) -> Result<()> {
        let _gate = self.shared.stock_gate.write().await;
        self.send(batch).await.map_err(|f| f.error)
    }

    /// Sends one batch and waits for its imports; a failure gives the batch back.
    async fn send(&self, batch: Batch) -> std::result::Result<(), Box<Failed>> {
        match self.submit(&batch).await {
            Ok(None) => Ok(()),
            Ok(Some(open)) => {
                let f = self.in_flight_of(batch, open, Instant::now());
                self.wait_in_flight(f).await
            }
            Err(error) => Err(Box::new(Failed { error, batch })),
        }
    }

    /// Creates the imports of one batch (nothing for an empty batch or a dry run).
    async fn submit(&self, batch: &Batch) -> Result<Option<Vec<ImportRef>>> {
        if batch.is_empty() {
            return Ok(None);
        }
        let op = offer_kind(batch, &self.shared.rules.plan);
        if self.shared.dry_run() {
            println!("would send {op} with {} lines", batch.len());
            return Ok(None);
        }
        let open = match batch {
            Batch::Offers(lines) => self.send_offers(lines).await?,
            Batch::Stock(lines) => {
                self.count_import(op);
                self.send_stock(lines).await?
            }
            Batch::Prices(lines) => {
                self.count_import(op);
                self.send_prices(lines).await?
            }
        };
        Ok(Some(open))
    }

    fn count_import(&self, op: &'static str) {
        *self.shared.counters().imports.entry(op).or_insert(0) += 1;
    }

    /// The full offers (fields the sync does not manage kept from OF21): one OF01 CSV file
    /// when the plan says so ([`plan::offer_call`]), with the lines the file format cannot
    /// carry ([`fits_offer_file`]) in an OF24 call beside it (OF01 and OF24 have a call
    /// window each); else one OF24 call. Returns the imports created.
    async fn send_offers(&self, lines: &[OfferWrite]) -> Result<Vec<ImportRef>> {
        let updates: Vec<mirakl_api::offers::OfferUpdate> = {
            let s = lock(&self.state);
            lines
                .iter()
                .map(|w| {
                    sync_core::convert::offer_update_keeping(
                        w,
                        s.mirakl_offers.get(w.shop_sku.as_str()).as_ref(),
                    )
                })
                .collect()
        };
        let offers = self.shared.mirakl.offers();
        let (file, json): (Vec<_>, Vec<_>) =
            if plan::offer_call(updates.len(), &self.shared.rules.plan) == plan::OfferCall::File {
                updates.into_iter().partition(fits_offer_file)
            } else {
                (Vec::new(), updates)
            };
        let mut created = Vec::new();
        if !file.is_empty() {
            self.count_import("OF01");
            let c = offers.import_offers(&file, ImportMode::Normal).await?;
            created.push(ImportRef::Offers(c.import_id));
        }
        drop(file);
        if !json.is_empty() {
            self.count_import("OF24");
            created.push(ImportRef::Offers(offers.upsert(json).await?.import_id));
        }
        Ok(created)
    }

    /// STO01 quantities. Returns the import created.
    async fn send_stock(&self, lines: &[StockWrite]) -> Result<Vec<ImportRef>> {
        let l: Vec<MkStockLine> = lines
            .iter()
            .map(|l| MkStockLine::new(l.shop_sku.clone(), l.quantity))
            .collect();
        let created = self.shared.mirakl.stock().import(&l).await?;
        Ok(vec![ImportRef::Stock(created.import_id)])
    }

    /// PRI01 prices (with their discount), each offer's full price set kept from OF21.
    /// Returns the import created.
    async fn send_prices(&self, lines: &[PriceWrite]) -> Result<Vec<ImportRef>> {
        let l = {
            let s = lock(&self.state);
            price_lines(
                lines,
                &s.mirakl_offers.subset(lines.iter().map(|l| &l.shop_sku)),
            )
        };
        let created = self.shared.mirakl.prices().import(&l).await?;
        Ok(vec![ImportRef::Prices(created.import_id)])
    }

    /// Records what Mirakl applied as "last sent", counts it, and takes the latency samples.
    async fn record_applied(&self, batch: &Batch, rejected: &BTreeSet<String>) -> Result<()> {
        // only the batch's SKUs: the catalog's index is not copied
        let info: BTreeMap<ShopSku, SkuInfo> = batch_skus(batch)
            .into_iter()
            .filter_map(|s| self.catalog.sku(&s).map(|i| (s, i)))
            .collect();
        let records = self.applied_records(batch, rejected, &info).await?;
        self.shared.store.record_sent_offers(&records).await?;
        self.count_applied(batch, rejected, &info);
        let now = Instant::now();
        let products: BTreeSet<u64> = batch_skus(batch)
            .iter()
            .filter_map(|s| info.get(s).map(|i| i.product_id))
            .collect();
        let mut s = lock(&self.state);
        for p in products {
            if let Some(t) = s.dirty_since.remove(&p) {
                self.latencies.record(now - t);
            }
        }
        Ok(())
    }

    /// The new "last sent" rows of a batch's applied lines (a stock or price line updates the
    /// stored full offer).
    async fn applied_records(
        &self,
        batch: &Batch,
        rejected: &BTreeSet<String>,
        info: &BTreeMap<ShopSku, SkuInfo>,
    ) -> Result<Vec<SentOffer>> {
        let mut records = Vec::new();
        match batch {
            Batch::Offers(v) => {
                for w in v.iter().filter(|w| !rejected.contains(w.shop_sku.as_str())) {
                    records.push(sent_offer(w, info.get(&w.shop_sku).map(|i| i.product_id))?);
                }
            }
            Batch::Stock(v) => {
                for l in v.iter().filter(|l| !rejected.contains(l.shop_sku.as_str())) {
                    if let Some(mut p) = self.stored_payload(&l.shop_sku).await? {
                        p.write.content.quantity = l.quantity;
                        records.push(sent_payload(&p)?);
                    }
                }
            }
            Batch::Prices(v) => {
                for l in v.iter().filter(|l| !rejected.contains(l.shop_sku.as_str())) {
                    if let Some(mut p) = self.stored_payload(&l.shop_sku).await? {
                        p.write.content.price = l.price;
                        p.write.content.discount = l.discount.clone();
                        p.write.content.volume_prices = l.volume_prices.clone();
                        records.push(sent_payload(&p)?);
                    }
                }
            }
        }
        Ok(records)
    }

    /// Counters: lines applied and rejected, and the quantity guard (largest quantity sent
    /// per SKU with the on-hand stock it came from).
    fn count_applied(
        &self,
        batch: &Batch,
        rejected: &BTreeSet<String>,
        info: &BTreeMap<ShopSku, SkuInfo>,
    ) {
        let mut counters = self.shared.counters();
        counters.offer_lines_applied += (batch.len() - rejected.len().min(batch.len())) as u64;
        counters.offer_lines_rejected += rejected.len() as u64;
        for sku in rejected {
            counters.problems.insert(
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
            let e = counters
                .max_sent_vs_on_hand
                .entry(sku.as_str().to_owned())
                .or_insert((0, on_hand));
            if q > e.0 || (q == e.0 && on_hand < e.1) {
                *e = (q, on_hand);
            }
        }
    }

    async fn stored_payload(&self, sku: &ShopSku) -> Result<Option<SentPayload>> {
        self.shared
            .store
            .sent_offer(sku.as_str())
            .await?
            .map(|s| serde_json::from_str(&s.payload).map_err(Error::from))
            .transpose()
    }
}

/// Drops from an OF21 record what neither the comparison (done before) nor an update's
/// carry-over (`sync_core::convert::offer_update_keeping`, `price_rows_keeping`,
/// `has_prices_only_pri01_can_keep`) reads: titles, shipping figures, warehouses, category,
/// fulfilment, …, so the records kept for carry-over stay small.
fn trim_for_carry_over(o: &mut mirakl_api::offers::Offer) {
    o.product_title = None;
    o.product_brand = None;
    o.product_references = Vec::new();
    o.total_price = None;
    o.applicable_pricing = None;
    o.inactivity_reasons = Vec::new();
    o.channels = Vec::new();
    o.currency_iso_code = None;
    o.min_shipping_price = None;
    o.min_shipping_price_additional = None;
    o.min_shipping_type = None;
    o.min_shipping_zone = None;
    o.shipping_deadline = None;
    o.warehouses = Vec::new();
    o.category_code = None;
    o.category_label = None;
    o.favorite_rank = None;
    o.fulfillment = None;
    o.all_prices.shrink_to_fit();
    o.offer_additional_fields.shrink_to_fit();
}

/// Whether an offer update can go as an OF01 CSV line: the file (mirakl-api
/// `write_offers_csv`) has no column for channel or volume prices (`all_prices`),
/// eco-contributions, MSRP or pricing unit, which OF24 carries.
fn fits_offer_file(u: &mirakl_api::offers::OfferUpdate) -> bool {
    u.all_prices.is_empty()
        && u.eco_contributions.is_empty()
        && u.msrp.is_none()
        && u.pricing_unit.is_none()
}

fn batch_skus(b: &Batch) -> Vec<ShopSku> {
    match b {
        Batch::Offers(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
        Batch::Stock(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
        Batch::Prices(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
    }
}

fn rejected_skus(report: Option<&ErrorReport>) -> BTreeSet<String> {
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

/// The "last sent" record of an offer as Mirakl holds it now (OF21 read), for rebuilding the
/// state from the services (`state::rebuild`): what Mirakl has is, in effect, what was sent.
pub(crate) fn sent_record_of_current(c: &CurrentOffer) -> Result<SentOffer> {
    sent_offer(
        &OfferWrite {
            shop_sku: c.shop_sku.clone(),
            product_id: c.product_id.clone(),
            product_id_type: c.product_id_type.clone(),
            content: c.content.clone(),
            delete: false,
        },
        None,
    )
}

fn summarize(
    plan: &plan::Plan,
    problems: usize,
    batches: &[Batch],
    rules: &sync_core::rules::PlanRules,
) -> PlanSummary {
    let mut b = BTreeMap::new();
    for x in batches {
        *b.entry(offer_kind(x, rules).to_owned()).or_insert(0) += 1;
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
fn print_plan(
    plan: &plan::Plan,
    unchanged: usize,
    batches: &[Batch],
    rules: &sync_core::rules::PlanRules,
) {
    println!(
        "plan: {} new, {} changed, {unchanged} unchanged, {} to remove",
        plan.new.len(),
        plan.changed.len(),
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
        println!(
            "  would send {} with {} lines",
            offer_kind(b, rules),
            b.len()
        );
    }
}

/// The plan's batches, except that price-only changes of offers holding prices an OF24 update
/// would delete ([`sync_core::convert::has_prices_only_pri01_can_keep`]: customer-group,
/// organisation or date-scoped prices) go through PRI01 even when the rules send price
/// changes by OF24 (`plan.price_import = false`); PRI01 then carries their full price set
/// ([`price_lines`]).
fn batches_keeping_prices(
    plan: &plan::Plan,
    rules: &sync_core::rules::PlanRules,
    current: &HashMap<String, mirakl_api::offers::Offer>,
) -> Vec<Batch> {
    if rules.price_import {
        return plan.batches(rules);
    }
    let (pri01, rest): (Vec<_>, Vec<_>) = plan.changed.iter().cloned().partition(|c| {
        c.kind == plan::ChangeKind::PriceOnly
            && current
                .get(c.offer.shop_sku.as_str())
                .is_some_and(sync_core::convert::has_prices_only_pri01_can_keep)
    });
    if pri01.is_empty() {
        return plan.batches(rules);
    }
    let mut batches = plan::Plan {
        changed: rest,
        ..plan.clone()
    }
    .batches(rules);
    let prices_rules = sync_core::rules::PlanRules {
        price_import: true,
        ..rules.clone()
    };
    batches.extend(
        plan::Plan {
            changed: pri01,
            ..plan::Plan::default()
        }
        .batches(&prices_rules),
    );
    batches
}

/// The PRI01 lines of a price batch. PRI01 is delete-and-replace ("any existing price that is
/// not submitted will be deleted"), so each offer's line set is its full price set as last read
/// from OF21 (`current`: channel, customer-group, organisation and scheduled prices, volume
/// and discount ranges), with the default price replaced by what the sync manages
/// ([`sync_core::convert::price_rows_keeping`]). An offer not read yet gets its one default line.
fn price_lines(
    lines: &[PriceWrite],
    current: &HashMap<String, mirakl_api::offers::Offer>,
) -> Vec<MkPriceLine> {
    let range = |(quantity_threshold, price): (u64, rust_decimal::Decimal)| {
        mirakl_api::offers::PriceRange {
            price,
            quantity_threshold,
        }
    };
    lines
        .iter()
        .flat_map(|l| sync_core::convert::price_rows_keeping(l, current.get(l.shop_sku.as_str())))
        .map(|r| {
            let mut p = MkPriceLine::new(r.offer_sku, r.price);
            p.discount_price = r.discount_price;
            p.discount_start_date = r.discount_start_date;
            p.discount_end_date = r.discount_end_date;
            p.price_ranges = r.price_ranges.into_iter().map(range).collect();
            p.discount_ranges = r.discount_ranges.into_iter().map(range).collect();
            p.channels = r.channels;
            p.start_date = r.start_date;
            p.end_date = r.end_date;
            p.customer_organization_ids = r.customer_organization_ids;
            p.customer_group_ids = r.customer_group_ids;
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn price_changes_of_offers_with_customer_prices_go_through_pri01() {
        let of21 = |sku: &str, context: serde_json::Value| -> mirakl_api::offers::Offer {
            serde_json::from_value(serde_json::json!({
                "offer_id": 1, "shop_sku": sku, "quantity": 3, "price": 20, "state_code": "11",
                "all_prices": [
                    {"channel_code": null, "price": 20, "unit_origin_price": 20},
                    {"channel_code": null, "price": 15, "unit_origin_price": 15, "context": context}
                ]
            }))
            .unwrap()
        };
        let current: HashMap<String, mirakl_api::offers::Offer> = [
            (
                "VIP".to_owned(),
                of21("VIP", serde_json::json!({"customer_group_ids": ["G1"]})),
            ),
            (
                "CHAN".to_owned(),
                of21("CHAN", serde_json::json!({"channel_codes": ["WEB"]})),
            ),
        ]
        .into_iter()
        .collect();
        let content = |price: &str| OfferContent {
            price: d(price),
            discount: None,
            quantity: 3,
            state_code: "11".into(),
            leadtime_to_ship: None,
            logistic_class: None,
            additional_fields: BTreeMap::new(),
            volume_prices: None,
        };
        let change = |sku: &str| plan::OfferChange {
            offer: DesiredOffer {
                shop_sku: ShopSku::new(sku).unwrap(),
                product_id: sku.into(),
                product_id_type: "SHOP_SKU".into(),
                source: sync_core::CatalogRef {
                    product_id: 1,
                    variant_id: None,
                },
                content: content("25"),
            },
            before: content("20"),
            kind: plan::ChangeKind::PriceOnly,
        };
        let p = plan::Plan {
            changed: vec![change("CHAN"), change("VIP")],
            ..plan::Plan::default()
        };
        let rules = sync_core::rules::PlanRules::default();
        assert!(!rules.price_import);
        let batches = batches_keeping_prices(&p, &rules, &current);
        let skus = |want: &str| -> Vec<String> {
            batches
                .iter()
                .filter(|b| offer_kind(b, &rules) == want)
                .flat_map(batch_skus)
                .map(|s| s.as_str().to_owned())
                .collect()
        };
        assert_eq!(skus("OF24"), ["CHAN"], "{batches:?}");
        assert_eq!(skus("PRI01"), ["VIP"], "{batches:?}");
    }

    /// The compact carry-over records give every update the same carry-over as the OF21
    /// records they come from: a plain offer, one with a channel price and volume tiers, one
    /// with a description and order quantities (kept whole).
    #[test]
    fn compact_carry_over_records_carry_over_what_the_full_records_do() {
        let of21 = |v: serde_json::Value| -> mirakl_api::offers::Offer {
            serde_json::from_value(v).unwrap()
        };
        let offers = [
            of21(serde_json::json!({
                "offer_id": 1, "shop_sku": "PLAIN", "quantity": 3, "price": 20, "state_code": "11",
                "leadtime_to_ship": 2, "logistic_class": {"code": "M", "label": "Medium"},
                "all_prices": [{"channel_code": null, "price": 20, "unit_origin_price": 20,
                                "volume_prices": [{"quantity_threshold": 1, "price": 20}]}],
                "product_title": "A title", "category_code": "C1"
            })),
            of21(serde_json::json!({
                "offer_id": 2, "shop_sku": "TIERS", "quantity": 3, "price": 20, "state_code": "11",
                "all_prices": [
                    {"channel_code": null, "price": 20, "unit_origin_price": 20,
                     "volume_prices": [{"quantity_threshold": 1, "unit_origin_price": 20},
                                       {"quantity_threshold": 5, "unit_origin_price": 18}]},
                    {"channel_code": "WEB", "price": 19, "unit_origin_price": 19}
                ],
                "discount": {"discount_price": 17, "origin_price": 20,
                             "ranges": [{"quantity_threshold": 1, "price": 17},
                                        {"quantity_threshold": 10, "price": 15}]}
            })),
            of21(serde_json::json!({
                "offer_id": 3, "shop_sku": "WHOLE", "quantity": 3, "price": 20, "state_code": "11",
                "description": "kept", "min_order_quantity": 2, "max_order_quantity": 9,
                "all_prices": [{"channel_code": null, "price": 20, "unit_origin_price": 20}]
            })),
        ];
        let mut carry = CarryOver::default();
        for o in &offers {
            let mut t = o.clone();
            trim_for_carry_over(&mut t);
            carry.insert(t);
        }
        assert!(matches!(carry.offers["PLAIN"], Kept::Plain(_)));
        assert!(matches!(carry.offers["WHOLE"], Kept::Plain(_)));
        for o in &offers {
            let sku = o.shop_sku.clone();
            let kept = carry.get(sku.as_str()).unwrap();
            for price in ["25", "19.5"] {
                let content = OfferContent {
                    price: d(price),
                    discount: None,
                    quantity: 4,
                    state_code: "11".into(),
                    leadtime_to_ship: None,
                    logistic_class: None,
                    additional_fields: BTreeMap::new(),
                    volume_prices: None,
                };
                let w = OfferWrite {
                    shop_sku: sku.clone(),
                    product_id: sku.as_str().into(),
                    product_id_type: "SHOP_SKU".into(),
                    content,
                    delete: false,
                };
                assert_eq!(
                    sync_core::convert::offer_update_keeping(&w, Some(&kept)),
                    sync_core::convert::offer_update_keeping(&w, Some(o)),
                    "{sku:?} at {price}"
                );
                let line = PriceWrite {
                    shop_sku: sku.clone(),
                    price: d(price),
                    discount: None,
                    volume_prices: None,
                };
                assert_eq!(
                    sync_core::convert::price_rows_keeping(&line, Some(&kept)),
                    sync_core::convert::price_rows_keeping(&line, Some(o)),
                    "{sku:?} at {price}"
                );
            }
            assert_eq!(
                sync_core::convert::has_prices_only_pri01_can_keep(&kept),
                sync_core::convert::has_prices_only_pri01_can_keep(o)
            );
        }
    }

    #[test]
    fn pri01_lines_carry_the_full_price_set_of_each_offer() {
        // Mirakl holds a default price, a channel price and a customer-group price for A1
        let of21: mirakl_api::offers::Offer = serde_json::from_value(serde_json::json!({
            "offer_id": 1, "shop_sku": "A1", "quantity": 3, "price": 20, "state_code": "11",
            "all_prices": [
                {"channel_code": null, "price": 20, "unit_origin_price": 20},
                {"channel_code": "WEB", "price": 18, "unit_origin_price": 18},
                {"channel_code": null, "price": 15, "unit_origin_price": 15,
                 "context": {"customer_group_ids": ["VIP"]}}
            ]
        }))
        .unwrap();
        let current: HashMap<String, mirakl_api::offers::Offer> =
            [("A1".to_owned(), of21)].into_iter().collect();
        let write = |sku: &str| PriceWrite {
            shop_sku: ShopSku::new(sku).unwrap(),
            price: d("25"),
            discount: None,
            volume_prices: None,
        };
        let lines = price_lines(&[write("A1"), write("NEW")], &current);
        let a1: Vec<&MkPriceLine> = lines
            .iter()
            .filter(|l| l.offer_sku.as_str() == "A1")
            .collect();
        assert_eq!(a1.len(), 3, "{lines:?}");
        assert_eq!(a1[0].price, d("25"));
        assert!(a1[0].channels.is_empty());
        assert!(
            a1.iter()
                .any(|l| l.channels == ["WEB"] && l.price == d("18")),
            "{a1:?}"
        );
        assert!(
            a1.iter()
                .any(|l| l.customer_group_ids == ["VIP"] && l.price == d("15")),
            "{a1:?}"
        );
        // an offer not read from OF21 yet: its one default line
        let new: Vec<&MkPriceLine> = lines
            .iter()
            .filter(|l| l.offer_sku.as_str() == "NEW")
            .collect();
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].price, d("25"));
    }
}
