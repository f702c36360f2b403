//! The orders flow: Mirakl orders are accepted or refused, created once in BigCommerce,
//! shipped, cancelled and refunded both ways.
//!
//! [`OrdersFlow::poll_orders`] reads OR11 since the last update date minus an overlap (and,
//! once after start, every open order and every order named by a call still in flight), drops
//! repeats, and steps each changed order: `sync_core::lifecycle::step` says what to do next
//! from the Mirakl order, the stored [`OrderRecord`] and the BigCommerce side, and
//! [`OrdersFlow::step_order`] does it — OR21 accept or refuse; create once in BigCommerce when
//! Mirakl releases the order (SHIPPING): before every create the order is looked up in
//! BigCommerce by `external_order_id` and one found is adopted (so a new, lost or restored
//! state file never duplicates an order; for a batch of releases one listing by creation
//! date answers for every look-up, see `OrdersFlow::look_up_together`); the record is saved
//! with `create_started` *before* the create call, and after any uncertain failure the order
//! is looked up instead of created again; then shipments (OR23 tracking + OR24), cancellations and refunds both ways. Order
//! lines link to their BigCommerce product and variant: from the desired offers in memory,
//! else resolved by SKU through BigCommerce (cached); a SKU the catalog lacks becomes a custom
//! line and a reported problem.
//!
//! Its own state ([`OrderBook`], one small lock): the latest version of each open order, the
//! version last stepped, and when each order's BigCommerce side was last read.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use bigcommerce_api::orders::{OrderId, OrderStatus, RefundQuoteRequest};
use mirakl_api::MiraklOrderId;
use mirakl_api::orders::RefundRequest as MiraklRefundRequest;
use mirakl_api::orders::{Order as MkOrder, OrderState as MiraklOrderState, Tracking};
use std::time::Duration;
use sync_core::ShopSku;
use sync_core::lifecycle::{
    self, Action, BigCommerceOrder, OrderRecord, SentShipment, StepContext,
};
use sync_core::orders::{AcceptanceContext, AcceptanceDecision, MappedOrder};
use sync_core::rules::SyncRules;
use sync_core::types::CatalogRef;
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::catalog::CatalogReader;
use crate::context::{Shared, lock, now_utc};
use crate::error::Result;
use crate::fleet::RecordMemo;
use crate::offers::OffersFlow;
use crate::state::StateStore;

const CURSOR_ORDERS: &str = "mirakl.orders.updated";

/// Kinds of in-flight calls the orders flow records (names kept from the first schema).
pub(crate) const CALL_ACCEPT: &str = "or21";
const CALL_CREATE: &str = "bc_create_order";
const CALL_SHIP: &str = "or24";

/// A BigCommerce order with its products, shipments and refunds.
#[derive(Clone)]
struct BigCommerceSide {
    order: bigcommerce_api::orders::Order,
    products: Vec<bigcommerce_api::orders::OrderProduct>,
    shipments: Vec<bigcommerce_api::orders::Shipment>,
    refunds: Vec<bigcommerce_api::orders::Refund>,
}

#[derive(Default)]
struct Book {
    /// Latest version of each Mirakl order seen (for shipments and held stock).
    orders: BTreeMap<String, MkOrder>,
    /// Last stepped `last_updated_date` per order (dedupe of overlapping polls).
    processed: HashMap<String, Version>,
    /// Whether the open orders were read since start.
    open_orders_loaded: bool,
    /// When each order's BigCommerce side was last read.
    bc_checked: HashMap<String, Instant>,
    /// Orders whose last step failed (a refused call, a 5xx, a timeout): when the step is due
    /// again and how many times in a row it failed. Stepped again at that time (see
    /// [`retry_backoff`]) even when their Mirakl version did not change, with a fresh
    /// decision.
    retry: BTreeMap<String, (Instant, u32)>,
    /// What each created order looked like in BigCommerce as last read or listed: the order
    /// listing by `min_date_modified` steps only orders whose BigCommerce side moved.
    bc_modified: HashMap<String, BcMark>,
    /// BigCommerce orders just listed, used by the next step of their Mirakl order instead of
    /// a read of the order itself (taken by that step).
    bc_listed: HashMap<String, bigcommerce_api::orders::Order>,
    /// Each created order's BigCommerce side as last read, reused by later steps of the
    /// order (e.g. when its Mirakl state moves after OR24) until something says it moved: a
    /// webhook naming the order, the order listing showing a new `date_modified`, the
    /// recheck interval, or a BigCommerce write of the connector's own.
    bc_side: HashMap<String, BigCommerceSide>,
    /// Each created order's products (`/v2/orders/{id}/products`) as first read, with its
    /// BigCommerce order id: the order product ids ↔ SKUs and quantities shipments are
    /// judged by do not change when the order ships, so a re-read of the order's side (a
    /// shipment webhook, the listing) reads its shipments and not its products again. Read
    /// again when the order is cancelled or refunded (the restock ledger needs the units
    /// shipped then).
    bc_products: HashMap<String, (u64, Vec<bigcommerce_api::orders::OrderProduct>)>,
    /// Orders whose BigCommerce create was refused (a 4xx: nothing was created): when, and
    /// how many times in a row. The next create waits for [`create_backoff`].
    create_refused: HashMap<String, (Instant, u32)>,
    /// Orders whose OR21 or OR24 Mirakl refused with a 400 while the order, as last polled,
    /// did not show the call's effect (an earlier call may have gone through and its answer
    /// been lost): the call and the number of order polls done then. The next order poll
    /// settles them instead of a read of the order of its own (OR11 allows one call a
    /// minute, and a step waiting for that read holds the stock gate): the effect shows →
    /// recorded as sent; no change → a refusal (see [`OrdersFlow::judge_refusal`]).
    awaiting_poll: HashMap<String, (u64, &'static str)>,
    /// SKUs whose stock was read for a batch of acceptances that holds the stock gate whole
    /// (see [`OrdersFlow::step_many`]): their acceptances use that read instead of one each.
    /// Empty outside such a batch.
    stock_fresh: BTreeSet<ShopSku>,
    /// When this process first read each open order: an acceptance waits for the offer
    /// imports sent before it (see [`OrdersFlow::accept_together`]).
    first_seen: HashMap<String, Instant>,
    /// The order records read for a batch of acceptance decisions (see
    /// [`OrdersFlow::accept_together`]); `None` outside one.
    memo: Option<Arc<RecordMemo>>,
    /// Order polls (OR11 reads of what changed) done since start.
    polls: u64,
    /// Each order as BigCommerce answered its create: a step a `store/shipment/created`
    /// webhook asked for uses it instead of a read of the order (the shipment's own reads
    /// follow), see [`OrdersFlow::step_for_webhook`].
    bc_created: HashMap<String, bigcommerce_api::orders::Order>,
    /// BigCommerce orders whose next step a `store/shipment/created` webhook asked for.
    shipment_webhook: std::collections::HashSet<u64>,
    /// One listing of the BigCommerce orders created since the oldest of a batch of orders
    /// about to be created, standing in for their look-ups by `external_order_id` (see
    /// [`OrdersFlow::look_up_together`]); only for the length of that batch's steps.
    looked_up: Option<LookedUp>,
}

/// What one round of an order's step read and decided (see [`OrdersFlow::plan_round`]).
struct Round {
    record: OrderRecord,
    bc: Option<BigCommerceSide>,
    actions: Vec<Action>,
}

/// What [`OrdersFlow::look_up_together`] found: the Mirakl orders the listing answers for,
/// and the BigCommerce orders it holds by `external_order_id`.
struct LookedUp {
    ids: BTreeSet<String>,
    by_external_id: HashMap<String, Vec<bigcommerce_api::orders::Order>>,
}

/// How much earlier than a Mirakl order's creation date the look-up listing starts: a
/// BigCommerce order for it cannot be older than the Mirakl order, give or take the two
/// services' clocks.
const LOOK_UP_MARGIN: time::Duration = time::Duration::minutes(10);

/// Creates in one batch from which one listing replaces their look-ups.
const LOOK_UP_TOGETHER_FROM: usize = 3;

/// What a call Mirakl refused with a 400 comes to (see [`OrdersFlow::judge_refusal`]).
enum Refusal {
    /// The order as last polled shows the call's effect: an earlier call went through.
    InEffect,
    /// Not known before the next order poll.
    AwaitPoll,
    /// A poll since the first refusal showed no effect: the call was refused.
    Refused,
}

/// How long a create BigCommerce refused (e.g. a line's stock ran out after the order was
/// accepted) waits before it is tried again: 30 s, doubling with each refusal, at most 15
/// minutes, so one order that cannot be created does not spend the store's quota on every poll.
fn create_backoff(refusals: u32) -> Duration {
    let secs = 30u64.saturating_mul(1u64 << refusals.saturating_sub(1).min(5));
    Duration::from_secs(secs.min(15 * 60))
}

/// How long a failed order step (a call that failed with a 5xx, a timeout, a refusal) waits
/// before it is tried again: 2 s, doubling with each failure in a row, at most a minute —
/// seconds, not the next poll.
fn retry_backoff(failures: u32) -> Duration {
    let secs = 2u64.saturating_mul(1u64 << failures.saturating_sub(1).min(5));
    Duration::from_secs(secs.min(60))
}

/// How many order steps run at once: creates and shipments of different orders overlap
/// their calls (BigCommerce's pacer still spaces the requests within the store's quota;
/// acceptances take the stock gate whole and so run one at a time).
const ORDER_STEP_CONCURRENCY: usize = 8;

/// Cursor of the BigCommerce order listing by `min_date_modified`.
const CURSOR_BC_ORDERS: &str = "bigcommerce.orders.modified";

/// Whether BigCommerce refused a request (a 4xx other than 408 and 429): it was not carried
/// out, so nothing was created.
fn refused_by_bigcommerce(e: &bigcommerce_api::Error) -> bool {
    matches!(e, bigcommerce_api::Error::Api { status, .. }
        if (400..500).contains(status) && *status != 408 && *status != 429)
}

/// What PC01 (platform configuration) says about the order workflow, read once at the first
/// poll; `None` fields: the operator does not say.
#[derive(Debug, Clone, Copy, Default)]
struct PlatformFlags {
    /// `features.order_workflows.partial_acceptance`: OR21 may mix accepted and refused lines.
    partial_acceptance: Option<bool>,
    /// `features.shipment.multi_shipment`: ST01 shipments instead of OR23/OR24.
    multi_shipment: Option<bool>,
}

/// The OR21 error code of a mixed decision on a platform without partial acceptance.
const PARTIAL_ACCEPTANCE_DISABLED: &str = "ORDER_PARTIAL_ACCEPTANCE_DISABLED";

/// The orders flow's own state: the open Mirakl orders as last read. The offers flow reads
/// the units they hold (not yet in BigCommerce) through [`OrderBook::held_units`].
#[derive(Default)]
pub struct OrderBook {
    book: Mutex<Book>,
}

impl std::fmt::Debug for OrderBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderBook").finish_non_exhaustive()
    }
}

impl OrderBook {
    fn order(&self, id: &str) -> Option<MkOrder> {
        lock(&self.book).orders.get(id).cloned()
    }

    /// The orders in the book (the latest version read of each).
    pub(crate) fn snapshot(&self) -> Vec<MkOrder> {
        lock(&self.book).orders.values().cloned().collect()
    }

    /// Units held per SKU by open Mirakl orders not yet created in BigCommerce (all orders,
    /// or all but `except`).
    ///
    /// # Errors
    /// A store error while reading the order map.
    pub async fn held_units_except(
        &self,
        store: &dyn StateStore,
        except: Option<&MiraklOrderId>,
    ) -> Result<BTreeMap<ShopSku, u64>> {
        let orders: Vec<MkOrder> = lock(&self.book)
            .orders
            .values()
            .filter(|o| except.is_none_or(|e| o.order_id != *e))
            .cloned()
            .collect();
        let mut created = BTreeSet::new();
        for o in &orders {
            if is_created(store, o.order_id.as_str()).await? {
                created.insert(o.order_id.as_str().to_owned());
            }
        }
        Ok(sync_core::orders::held_units(&orders, |o| {
            created.contains(o.order_id.as_str())
        }))
    }

    /// Units held per SKU by every open Mirakl order not yet created in BigCommerce.
    ///
    /// # Errors
    /// A store error while reading the order map.
    pub async fn held_units(&self, store: &dyn StateStore) -> Result<BTreeMap<ShopSku, u64>> {
        self.held_units_except(store, None).await
    }
}

async fn is_created(store: &dyn StateStore, id: &str) -> Result<bool> {
    Ok(store
        .order(id)
        .await?
        .is_some_and(|e| e.record.bigcommerce_order_id.is_some()))
}

/// The orders flow (see the [module docs](self)).
pub struct OrdersFlow {
    shared: Arc<Shared>,
    catalog: Arc<CatalogReader>,
    book: Arc<OrderBook>,
    offers: Arc<OffersFlow>,
    /// SKU → product/variant found in BigCommerce for SKUs the desired offers in memory do
    /// not name (e.g. right after a restart, before the catalog is read).
    resolved: Mutex<HashMap<ShopSku, CatalogRef>>,
    /// PC01's order flags, once read.
    platform: Mutex<Option<PlatformFlags>>,
}

impl std::fmt::Debug for OrdersFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrdersFlow").finish_non_exhaustive()
    }
}

impl OrdersFlow {
    pub(crate) fn new(
        shared: Arc<Shared>,
        catalog: Arc<CatalogReader>,
        book: Arc<OrderBook>,
        offers: Arc<OffersFlow>,
    ) -> OrdersFlow {
        OrdersFlow {
            shared,
            catalog,
            book,
            offers,
            resolved: Mutex::new(HashMap::new()),
            platform: Mutex::new(None),
        }
    }

    fn store(&self) -> &dyn StateStore {
        self.shared.store.as_ref()
    }

    /// The open orders as last read.
    pub fn book(&self) -> &Arc<OrderBook> {
        &self.book
    }

    // ------------------------------------------------------------------ poll

    /// One poll (the flow's step): reads what changed, steps every changed order and every
    /// order still waiting for BigCommerce, settles the in-flight calls whose outcome is now
    /// known, moves the cursor and forgets settled orders. Returns how many orders were
    /// stepped.
    ///
    /// # Errors
    /// A failed OR11 read (the cursor is not moved then). Failures on single orders are
    /// logged and retried on the next poll.
    pub async fn poll_orders(&self) -> Result<usize> {
        self.platform().await?;
        let first = !lock(&self.book.book).open_orders_loaded;
        let (mut fetched, in_flight) = if first {
            self.fetch_open_and_in_flight().await?
        } else {
            (Vec::new(), BTreeSet::new())
        };
        fetched.extend(self.fetch_recent().await?);
        let newest = fetched.iter().map(|o| o.last_updated_date).max();
        let (mut changed, moved) = self.remember_versions(fetched);
        self.offers.forget_mirakl_quantities(&moved).await?;
        changed.extend(self.polled());
        changed.extend(self.waiting_for_bigcommerce().await?);
        changed.extend(in_flight);
        changed.extend(self.due_retries(Instant::now()));
        let n = self.step_many(changed).await;
        self.settle_in_flight_calls().await?;
        if !self.shared.dry_run() {
            // finished calls are kept a week for inspection, then dropped
            self.store()
                .prune_finished_calls(std::time::Duration::from_secs(7 * 86_400))
                .await?;
            if let Some(newest) = newest {
                self.store()
                    .advance_time_cursor(CURSOR_ORDERS, newest)
                    .await?;
            }
        }
        self.forget_settled(newest);
        Ok(n)
    }

    /// Steps `ids`: first the orders awaiting acceptance, one after the other under one
    /// hold of the stock gate with one stock read for the SKUs of them all (rather than a
    /// read each: no create or offer step runs in between, so that read is as current as
    /// one read per order would be), then the rest, up to [`ORDER_STEP_CONCURRENCY`] at
    /// once (two steps of one order never overlap: each id is stepped once). Each outcome
    /// goes through [`OrdersFlow::note_step`]. Returns how many steps went through.
    async fn step_many(&self, ids: BTreeSet<String>) -> usize {
        use futures::StreamExt;
        let (accepting, rest): (Vec<(String, Option<MkOrder>)>, Vec<_>) = ids
            .into_iter()
            .map(|id| {
                let order = self.book.order(&id);
                (id, order)
            })
            .partition(|(_, o)| {
                o.as_ref()
                    .is_some_and(|o| o.order_state == MiraklOrderState::WaitingAcceptance)
            });
        let mut n = 0;
        if !accepting.is_empty() {
            let _gate = self.shared.stock_gate.write().await;
            let skus: BTreeSet<ShopSku> = accepting
                .iter()
                .filter_map(|(_, o)| o.as_ref())
                .flat_map(|o| o.order_lines.iter().map(|l| l.offer_sku.clone()))
                .collect();
            match self.catalog.refresh_skus(&skus).await {
                Ok(()) => lock(&self.book.book).stock_fresh = skus,
                Err(e) => {
                    tracing::warn!(error = %e, "stock read for the acceptances failed; each reads its own");
                }
            }
            n += self.accept_together(accepting).await;
            lock(&self.book.book).stock_fresh.clear();
        }
        let creating = self.about_to_create(&rest).await;
        if creating.len() >= LOOK_UP_TOGETHER_FROM
            && let Err(e) = self.look_up_together(&creating).await
        {
            tracing::warn!(error = %e, "look-up listing failed; each order is looked up alone");
        }
        let n = n + futures::stream::iter(rest)
            .map(|(id, _)| async move {
                let r = self.step_order(&id).await;
                (id, r)
            })
            .buffer_unordered(ORDER_STEP_CONCURRENCY)
            .fold(0usize, |n, (id, r)| async move {
                n + usize::from(self.note_step(id, r))
            })
            .await;
        lock(&self.book.book).looked_up = None;
        n
    }

    /// Steps a batch of orders awaiting acceptance, the stock gate held whole: decides them
    /// one after the other in the order Mirakl created them (each decision weighs the units
    /// held by the orders decided before it, which the book shows at once, see
    /// [`OrdersFlow::show_decision`]), then sends their OR21 calls up to
    /// [`ORDER_STEP_CONCURRENCY`] at once rather than one after another. An OR21 that does
    /// not go through takes its decision out of the book again: the order holds all its units
    /// until its retry decides it anew. An order whose step asks for anything but one OR21
    /// is stepped whole at its turn. Returns how many steps went through.
    async fn accept_together(&self, mut accepting: Vec<(String, Option<MkOrder>)>) -> usize {
        use futures::StreamExt;
        accepting.sort_by(|(a_id, a), (b_id, b)| {
            let a_at = a.as_ref().map(|o| o.created_date);
            let b_at = b.as_ref().map(|o| o.created_date);
            (a_at, a_id).cmp(&(b_at, b_id))
        });
        let mut n = 0;
        let mut sends = Vec::new();
        let memo = Arc::new(RecordMemo::default());
        lock(&self.book.book).memo = Some(memo.clone());
        for (id, order) in accepting {
            let Some(order) = order else {
                continue;
            };
            if let Some(wait) = self.import_to_wait_for(&order) {
                // decided once Mirakl has applied it, so the units it takes stay taken
                tracing::info!(order = %id, "acceptance waits for an offer import sent before the order was read");
                let mut book = lock(&self.book.book);
                let failures = book.retry.get(&id).map_or(0, |r| r.1);
                book.retry.insert(id, (Instant::now() + wait, failures));
                continue;
            }
            let planned = self.plan_round(&order).await;
            // reading the order's side may have settled calls of its own
            memo.forget(&id);
            let round = match planned {
                Ok(Some(round)) => round,
                Ok(None) => {
                    let r = self.finish_step(&order).await;
                    n += usize::from(self.note_step(id, r));
                    continue;
                }
                Err(e) => {
                    n += usize::from(self.note_step(id, Err(e)));
                    continue;
                }
            };
            if let [Action::Accept(decision)] = round.actions.as_slice() {
                let before = self.show_decision(&id, decision);
                sends.push((order, round, before));
                continue;
            }
            let r = match self.do_round(&order, round).await {
                Ok(again) => self.step_rounds(&order, if again { 1 } else { 4 }).await,
                Err(e) => Err(e),
            };
            memo.forget(&id);
            n += usize::from(self.note_step(id, r));
        }
        lock(&self.book.book).memo = None;
        n + futures::stream::iter(sends)
            .map(|(order, round, before)| async move {
                let id = order.order_id.as_str();
                let r = self.do_round(&order, round).await;
                // not sent: failed, or waiting for the next poll to say whether an earlier
                // OR21 went through
                let sent = r.is_ok()
                    && matches!(self.load_record(id).await, Ok(record) if record.acceptance_sent);
                if !sent && let Some(before) = before {
                    self.unshow_decision(before);
                }
                let r = match r {
                    Ok(_) => self.finish_step(&order).await,
                    Err(e) => Err(e),
                };
                (id.to_owned(), r)
            })
            .buffer_unordered(ORDER_STEP_CONCURRENCY)
            .fold(0usize, |n, (id, r)| async move {
                n + usize::from(self.note_step(id, r))
            })
            .await
    }

    /// How long to wait before deciding `order` when an offer import that sets the quantity
    /// of one of its SKUs is in flight and was sent before this process first read the
    /// order: Mirakl applies that import's quantity as it stands, over the units an OR21 sent
    /// meanwhile takes from the offer, and the import (planned without this order) would
    /// offer them again. An import sent later was planned with the order held (see
    /// [`OffersFlow::replan_queued_for`]). `None`: decide now.
    fn import_to_wait_for(&self, order: &MkOrder) -> Option<Duration> {
        let skus: BTreeSet<ShopSku> = order
            .order_lines
            .iter()
            .map(|l| l.offer_sku.clone())
            .collect();
        let sent = self.offers.quantity_in_flight_since(&skus)?;
        let seen = lock(&self.book.book)
            .first_seen
            .get(order.order_id.as_str())
            .copied()?;
        (sent < seen).then_some(self.shared.opts.import_poll.max(Duration::from_millis(100)))
    }

    /// The orders among `orders` whose step will look them up in BigCommerce before
    /// creating them: released (SHIPPING), no BigCommerce id (a create not started, or one
    /// whose outcome is uncertain), not waiting after a refusal.
    async fn about_to_create(&self, orders: &[(String, Option<MkOrder>)]) -> Vec<MkOrder> {
        let mut out = Vec::new();
        for (id, order) in orders {
            let Some(order) = order.as_ref() else {
                continue;
            };
            if order.order_state != MiraklOrderState::Shipping
                || lock(&self.book.book).create_refused.contains_key(id)
            {
                continue;
            }
            match self.store().order(id).await {
                Ok(Some(e)) if e.record.bigcommerce_order_id.is_some() => {}
                Ok(_) => out.push(order.clone()),
                Err(_) => {}
            }
        }
        out
    }

    /// One listing instead of a look-up per order before a batch of creates: the
    /// BigCommerce orders created since the oldest Mirakl order of the batch (less
    /// [`LOOK_UP_MARGIN`]), `GET /v2/orders?min_date_created=`, read to the end. Any
    /// BigCommerce order made for one of them is in it (none can be older than its Mirakl
    /// order), so it answers, as a look-up by `external_order_id` would, whether each exists
    /// ([`OrdersFlow::adopt_existing`]). Read at most half as many pages as orders (else the
    /// orders are looked up one by one, which costs no more); a listing whose filter shows
    /// as ignored (an order created earlier comes back) is not used, nor is one taken when a
    /// creation date lies more than a minute ahead of this machine's clock (the clocks
    /// disagree, so the dates bound nothing).
    async fn look_up_together(&self, orders: &[MkOrder]) -> Result<()> {
        let now = now_utc();
        if orders
            .iter()
            .any(|o| o.created_date > now + time::Duration::minutes(1))
        {
            // Mirakl's clock reads ahead of ours: its creation dates cannot bound the
            // BigCommerce orders' (the operator sandbox's clock can run faster, for one)
            tracing::debug!(
                "Mirakl creation dates ahead of this clock; orders looked up one by one"
            );
            return Ok(());
        }
        let Some(oldest) = orders.iter().map(|o| o.created_date).min() else {
            return Ok(());
        };
        let since = oldest - LOOK_UP_MARGIN;
        let max_pages = orders.len() / 2;
        let mut by_external_id: HashMap<String, Vec<bigcommerce_api::orders::Order>> =
            HashMap::new();
        let mut page = 1;
        loop {
            if page > max_pages {
                tracing::debug!(
                    orders = orders.len(),
                    "look-up listing too long; orders looked up one by one"
                );
                return Ok(());
            }
            let p = self
                .shared
                .bc
                .orders()
                .list()
                .min_date_created(since)
                .limit(250)
                .page(page as u32)
                .send()
                .await?;
            let n = p.items.len();
            for o in p.items {
                if o.date_created
                    .is_some_and(|d| d < since - time::Duration::seconds(1))
                {
                    tracing::warn!(
                        "the order listing ignored min_date_created; orders looked up one by one"
                    );
                    return Ok(());
                }
                if let Some(ext) = o.external_order_id.clone() {
                    by_external_id.entry(ext).or_default().push(o);
                }
            }
            if n == 0 || p.next_page.is_none() {
                break;
            }
            page += 1;
        }
        lock(&self.book.book).looked_up = Some(LookedUp {
            ids: orders
                .iter()
                .map(|o| o.order_id.as_str().to_owned())
                .collect(),
            by_external_id,
        });
        Ok(())
    }

    /// Keeps the outcome of a step of order `id`: a failed step is logged and scheduled
    /// again after [`retry_backoff`]; one that went through clears its retry. Returns
    /// whether it went through.
    fn note_step(&self, id: String, r: Result<()>) -> bool {
        let mut book = lock(&self.book.book);
        match r {
            Ok(()) => {
                book.retry.remove(&id);
                true
            }
            Err(e) => {
                let failures = book.retry.get(&id).map_or(0, |r| r.1) + 1;
                let wait = retry_backoff(failures);
                tracing::warn!(order = %id, error = %e, retry_in_secs = wait.as_secs(), "order step failed; tried again after a short backoff");
                book.retry.insert(id, (Instant::now() + wait, failures));
                false
            }
        }
    }

    /// The orders whose failed step is due again at `now`.
    fn due_retries(&self, now: Instant) -> Vec<String> {
        lock(&self.book.book)
            .retry
            .iter()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// When the next failed order step is due again (`None`: no step failed).
    pub fn next_retry(&self) -> Option<Instant> {
        lock(&self.book.book).retry.values().map(|r| r.0).min()
    }

    /// Steps again the orders whose failed step is due (between polls, so a call that failed
    /// on a 5xx or a timeout is retried within seconds). Returns how many went through.
    pub async fn step_retries(&self) -> usize {
        let due: BTreeSet<String> = self.due_retries(Instant::now()).into_iter().collect();
        if due.is_empty() {
            return 0;
        }
        self.step_many(due).await
    }

    /// The BigCommerce side's fallback for missed webhooks: one listing of the orders
    /// modified since the last look (`min_date_modified`, paged: one call for all orders
    /// rather than reads per order), stepping only the created orders whose BigCommerce side
    /// moved since it was last read (a shipment, a cancellation, a refund). An order seen for
    /// the first time is stepped only in a state that asks for something (shipped,
    /// cancelled, refunded…); one still waiting for fulfilment, as created, is only
    /// remembered. Returns how many orders were stepped.
    ///
    /// # Errors
    /// A failed listing or store read (the cursor is not moved then).
    pub async fn poll_bigcommerce_orders(&self) -> Result<usize> {
        let store = self.store();
        let Some(since) = store.time_cursor(CURSOR_BC_ORDERS).await? else {
            // first run: the start-up poll steps every open order; look from now on
            if !self.shared.dry_run() {
                store
                    .advance_time_cursor(CURSOR_BC_ORDERS, now_utc())
                    .await?;
            }
            return Ok(0);
        };
        let listed = self
            .shared
            .bc
            .orders()
            .list()
            .min_date_modified(since - time::Duration::minutes(1))
            .sort("date_modified:asc")
            .with_line_items()
            .limit(self.shared.opts.bc_page_size.clamp(1, 250))
            .all()
            .await?;
        let mut newest = since;
        let mut due = BTreeSet::new();
        for o in listed {
            if let Some(d) = o.date_modified {
                newest = newest.max(d);
            }
            if o.external_order_id.is_none() {
                continue;
            }
            let Some(entry) = store.order_by_bigcommerce_id(o.id.0).await? else {
                continue;
            };
            let id = entry.mirakl_order_id;
            let mut book = lock(&self.book.book);
            if !book.orders.contains_key(&id) {
                continue;
            }
            let mark = BcMark::of(&o);
            let moved = match book.bc_modified.get(&id) {
                Some(seen) => *seen != mark,
                None => !awaiting_fulfilment(&o.status_id),
            };
            book.bc_modified.insert(id.clone(), mark);
            if moved && let Some(side) = book.bc_side.get_mut(&id).filter(|s| shows_all(s, &o)) {
                // the shipments read already are all the order has, and nothing changed
                // since the last of them was made: keep the listed order, read nothing
                side.order = o;
                continue;
            }
            if moved {
                book.bc_side.remove(&id);
                book.bc_listed.insert(id.clone(), o);
                due.insert(id);
            }
        }
        let n = self.step_many(due).await;
        if !self.shared.dry_run() && newest > since {
            store.advance_time_cursor(CURSOR_BC_ORDERS, newest).await?;
        }
        Ok(n)
    }

    /// Once after start: every open order, and the orders named by calls still in flight
    /// from a previous run (even if no longer open). Returns them with those order ids.
    async fn fetch_open_and_in_flight(&self) -> Result<(Vec<MkOrder>, BTreeSet<String>)> {
        use futures::TryStreamExt;
        let page = self.shared.opts.mirakl_page_size;
        let mut fetched: Vec<MkOrder> = self
            .shared
            .mirakl
            .orders()
            .list()
            .states([
                MiraklOrderState::Staging,
                MiraklOrderState::WaitingAcceptance,
                MiraklOrderState::WaitingDebit,
                MiraklOrderState::WaitingDebitPayment,
                MiraklOrderState::Shipping,
            ])
            .max(page)
            .stream()
            .try_collect()
            .await?;
        let in_flight: BTreeSet<String> = self
            .store()
            .in_flight_calls()
            .await?
            .into_iter()
            .map(|e| e.key)
            .collect();
        let have: BTreeSet<String> = fetched
            .iter()
            .map(|o| o.order_id.as_str().to_owned())
            .collect();
        let missing: Vec<MiraklOrderId> = in_flight
            .iter()
            .filter(|id| !have.contains(*id))
            .filter_map(|id| MiraklOrderId::new(id.clone()).ok())
            .collect();
        for chunk in missing.chunks(100) {
            let found: Vec<MkOrder> = self
                .shared
                .mirakl
                .orders()
                .list()
                .order_ids(chunk.iter().cloned())
                .max(page)
                .stream()
                .try_collect()
                .await?;
            fetched.extend(found);
        }
        Ok((fetched, in_flight))
    }

    /// OR11 since the cursor minus the overlap (or the first look-back).
    async fn fetch_recent(&self) -> Result<Vec<MkOrder>> {
        use futures::TryStreamExt;
        let opts = &self.shared.opts;
        let since = match self.store().time_cursor(CURSOR_ORDERS).await? {
            Some(c) => c - opts.order_overlap,
            None => now_utc() - opts.first_order_lookback,
        };
        Ok(self
            .shared
            .mirakl
            .orders()
            .list()
            .updated_since(since)
            .max(opts.mirakl_page_size)
            .stream()
            .try_collect()
            .await?)
    }

    /// Keeps the latest version of each order; returns the orders whose version was not
    /// stepped yet, and the SKUs whose offer quantity Mirakl changed itself.
    fn remember_versions(&self, fetched: Vec<MkOrder>) -> (BTreeSet<String>, BTreeSet<ShopSku>) {
        let mut changed = BTreeSet::new();
        // orders that stopped holding stock (refused, canceled): their units may be offered
        let mut released = Vec::new();
        // SKUs whose offer quantity Mirakl itself changed (see `units_moved_by_mirakl`)
        let mut moved: BTreeSet<ShopSku> = BTreeSet::new();
        // orders read for the first time
        let mut seen = Vec::new();
        {
            let mut book = lock(&self.book.book);
            book.open_orders_loaded = true;
            for o in fetched {
                self.shared.watch_order(&o);
                let id = o.order_id.as_str().to_owned();
                let newer = book
                    .orders
                    .get(&id)
                    .is_none_or(|old| old.last_updated_date <= o.last_updated_date);
                if newer {
                    if book.processed.get(&id).copied() != Some(Version::of(&o)) {
                        changed.insert(id.clone());
                    }
                    let holds = |o: &MkOrder| {
                        !sync_core::orders::held_units(std::slice::from_ref(o), |_| false)
                            .is_empty()
                    };
                    if book.orders.get(&id).is_some_and(holds) && !holds(&o) {
                        released.push(o.clone());
                    }
                    moved.extend(units_moved_by_mirakl(book.orders.get(&id), &o));
                    if !book.orders.contains_key(&id) {
                        book.first_seen.insert(id.clone(), Instant::now());
                        seen.push(o.clone());
                    }
                    book.orders.insert(id, o);
                }
            }
        }
        for o in &released {
            self.offers.mark_order_products(o);
        }
        for o in &seen {
            self.offers.replan_queued_for(o);
        }
        (changed, moved)
    }

    /// Orders in SHIPPING not created in BigCommerce yet (stepped at once), and, as the last
    /// safety net behind webhooks and [`OrdersFlow::poll_bigcommerce_orders`], created ones
    /// whose BigCommerce side was not read for the recheck interval
    /// ([`crate::ConnectorOptions::shipment_recheck`]). An order never read since start is
    /// not due: the start-up poll reads each open order once.
    async fn waiting_for_bigcommerce(&self) -> Result<Vec<String>> {
        let shipping: Vec<(String, Option<Instant>)> = {
            let book = lock(&self.book.book);
            book.orders
                .values()
                .filter(|o| matches!(o.order_state, MiraklOrderState::Shipping))
                .map(|o| {
                    let id = o.order_id.as_str().to_owned();
                    let checked = book.bc_checked.get(&id).copied();
                    (id, checked)
                })
                .collect()
        };
        let now = Instant::now();
        let recheck = self.shared.opts.shipment_recheck;
        let mut out = Vec::new();
        for (id, checked) in shipping {
            let due = checked.is_some_and(|t| now.duration_since(t) >= recheck);
            if due {
                lock(&self.book.book).bc_side.remove(&id);
            }
            if due || !is_created(self.store(), &id).await? {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Orders past SHIPPING hold no stock and wait for nothing from BigCommerce; a later
    /// change (refund, incident) updates them on Mirakl, so the date poll brings them back.
    /// Versions older than the poll window cannot come back unchanged.
    fn forget_settled(&self, newest: Option<OffsetDateTime>) {
        let mut book = lock(&self.book.book);
        let done: Vec<String> = book
            .orders
            .iter()
            .filter(|(id, o)| {
                !is_open(&o.order_state) && book.processed.get(*id) == Some(&Version::of(o))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in done {
            book.orders.remove(&id);
            book.bc_checked.remove(&id);
            book.bc_modified.remove(&id);
            book.bc_listed.remove(&id);
            book.bc_side.remove(&id);
            book.bc_products.remove(&id);
            book.bc_created.remove(&id);
            book.awaiting_poll.remove(&id);
            book.first_seen.remove(&id);
        }
        if let Some(newest) = newest {
            let horizon = newest - self.shared.opts.order_overlap * 2;
            let open: BTreeSet<String> = book.orders.keys().cloned().collect();
            book.processed
                .retain(|id, v| v.updated >= horizon || open.contains(id));
        }
    }

    /// Finishes in-flight calls whose outcome is now known: the record shows the call's
    /// effect, or the Mirakl order moved past the state where the call made sense.
    async fn settle_in_flight_calls(&self) -> Result<()> {
        if self.shared.dry_run() {
            return Ok(());
        }
        for call in self.store().in_flight_calls().await? {
            let state = self.book.order(&call.key).map(|o| o.order_state);
            let r = self.load_record(&call.key).await?;
            let moved_past = |from: MiraklOrderState| state.as_ref().is_some_and(|s| *s != from);
            let done = match call.kind.as_str() {
                CALL_ACCEPT => r.acceptance_sent || moved_past(MiraklOrderState::WaitingAcceptance),
                CALL_CREATE => {
                    r.bigcommerce_order_id.is_some() || state.as_ref().is_some_and(|s| !is_open(s))
                }
                CALL_SHIP => r.ship_confirmed || moved_past(MiraklOrderState::Shipping),
                _ => false,
            };
            if done {
                self.store().finish_call(call.id).await?;
            }
        }
        Ok(())
    }

    /// Logs the calls left in flight by the last run: each names an order whose outcome is
    /// uncertain; its record already says what to do next (a look-up for a create, a re-send
    /// for OR21/OR24, whose second call Mirakl refuses harmlessly), so the first poll steps
    /// those orders. Returns how many.
    ///
    /// # Errors
    /// A store error.
    pub async fn in_flight_on_start(&self) -> Result<usize> {
        let calls = self.store().in_flight_calls().await?;
        for c in &calls {
            tracing::info!(kind = %c.kind, order = %c.key, "resuming a call left in flight");
        }
        Ok(calls.len())
    }

    // ------------------------------------------------------------------ platform

    /// PC01's order flags, read once (at the first poll) and kept.
    ///
    /// # Errors
    /// A failed PC01 read (retried on the next poll).
    async fn platform(&self) -> Result<PlatformFlags> {
        if let Some(p) = *lock(&self.platform) {
            return Ok(p);
        }
        let conf = self.shared.mirakl.platform_configuration().get().await?;
        let flags = PlatformFlags {
            partial_acceptance: conf
                .features
                .order_workflows
                .as_ref()
                .and_then(|w| w.partial_acceptance),
            multi_shipment: conf
                .features
                .shipment
                .as_ref()
                .and_then(|s| s.multi_shipment),
        };
        tracing::info!(
            partial_acceptance = ?flags.partial_acceptance,
            multi_shipment = ?flags.multi_shipment,
            "platform order workflow (PC01)"
        );
        *lock(&self.platform) = Some(flags);
        Ok(flags)
    }

    /// Whether the platform has multi-shipment on (PC01): BigCommerce shipments then go as
    /// Mirakl shipments (ST01/ST23/ST24).
    fn multi_shipment(&self) -> bool {
        lock(&self.platform).is_some_and(|p| p.multi_shipment == Some(true))
    }

    /// Whether the platform allows mixed OR21 decisions: `false` once PC01 (or an OR21
    /// answer) said partial acceptance is off.
    fn partial_acceptance_allowed(&self) -> bool {
        lock(&self.platform).is_none_or(|p| p.partial_acceptance != Some(false))
    }

    /// The rules the order decisions use: the configured ones, with partial acceptance off
    /// when the platform has it off (an order is then accepted or refused whole).
    fn order_rules(&self) -> Cow<'_, SyncRules> {
        let rules = &self.shared.rules;
        if rules.orders.partial_acceptance && !self.partial_acceptance_allowed() {
            let mut r = rules.clone();
            r.orders.partial_acceptance = false;
            Cow::Owned(r)
        } else {
            Cow::Borrowed(rules)
        }
    }

    // ------------------------------------------------------------------ refused calls

    /// Counts an order poll done (its OR11 read kept in the book) and returns the orders
    /// whose refused call waited for it (see [`Book::awaiting_poll`]): stepped with the
    /// version the poll brought, or the one known if the order did not change.
    fn polled(&self) -> Vec<String> {
        let mut book = lock(&self.book.book);
        book.polls += 1;
        let polls = book.polls;
        book.awaiting_poll
            .iter()
            .filter(|(_, (at, _))| *at < polls)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// What a call (`call`: [`CALL_ACCEPT`] or [`CALL_SHIP`]) Mirakl refused with a 400
    /// comes to, judged from the order as the order poll last read it rather than a read of
    /// its own (`polled`: the step's copy of it, not the book's, which may already show a
    /// decision about to be sent, see [`OrdersFlow::show_decision`]): its effect shows
    /// (`in_effect`) → the call went through earlier; else, the first time, wait for the
    /// next poll (an order the call changed comes back in it); once a poll since showed no
    /// effect, a refusal.
    fn judge_refusal(
        &self,
        polled: &MkOrder,
        call: &'static str,
        in_effect: impl Fn(&MkOrder) -> bool,
    ) -> Refusal {
        let id = polled.order_id.as_str();
        let mut book = lock(&self.book.book);
        if in_effect(polled) {
            book.awaiting_poll.remove(id);
            return Refusal::InEffect;
        }
        let polls = book.polls;
        match book.awaiting_poll.get(id) {
            Some((at, _)) if *at < polls => {
                book.awaiting_poll.remove(id);
                Refusal::Refused
            }
            Some(_) => Refusal::AwaitPoll,
            None => {
                book.awaiting_poll.insert(id.to_owned(), (polls, call));
                Refusal::AwaitPoll
            }
        }
    }

    /// Records a refused OR21 or OR24 that waited for the order poll (see
    /// [`Book::awaiting_poll`]) as sent when `order`, as polled, shows its effect (the
    /// order left WAITING_ACCEPTANCE, or is shipped), or as a failure when it moved
    /// elsewhere (an OR24 on an order now cancelled). Returns whether the record moved.
    async fn settle_awaited(&self, order: &MkOrder, record: &mut OrderRecord) -> Result<bool> {
        let id = order.order_id.as_str();
        let call = lock(&self.book.book).awaiting_poll.get(id).map(|e| e.1);
        match call {
            Some(CALL_SHIP) if lifecycle::shipment_in_effect(order) => {
                self.succeeded(id, "OR24");
                record.ship_confirmed = true;
                self.save_record(id, record, None).await?;
                self.shared.counters().shipped.insert(id.to_owned());
                tracing::info!(order = %id, "OR24 refused by Mirakl, but the order as polled is shipped: an earlier OR24 went through");
            }
            Some(CALL_SHIP) if order.order_state != MiraklOrderState::Shipping => {
                // e.g. the operator cancelled the order: the refusal stands
                let why = format!(
                    "OR24: refused by Mirakl; the order is {}, not shipped",
                    order.order_state.as_str()
                );
                tracing::warn!(order = %id, %why, "not recorded as sent");
                self.shared
                    .counters()
                    .order_failures
                    .insert(id.to_owned(), why);
                lock(&self.book.book).awaiting_poll.remove(id);
                return Ok(false);
            }
            Some(CALL_ACCEPT)
                if !matches!(
                    order.order_state,
                    MiraklOrderState::WaitingAcceptance | MiraklOrderState::Staging
                ) =>
            {
                self.succeeded(id, "OR21");
                record.acceptance_sent = true;
                self.save_record(id, record, None).await?;
                {
                    let mut c = self.shared.counters();
                    if order.order_state == MiraklOrderState::Refused {
                        c.refused.insert(id.to_owned());
                    } else {
                        c.accepted.insert(id.to_owned());
                    }
                }
                self.offers.mark_order_products(order);
                tracing::info!(order = %id, "OR21 refused by Mirakl, but the order as polled shows a decision: an earlier OR21 went through");
            }
            _ => return Ok(false),
        }
        lock(&self.book.book).awaiting_poll.remove(id);
        Ok(true)
    }

    /// Re-reads one order (OR11 by order id) after Mirakl refused a call on it, and keeps the
    /// version read in the book.
    async fn reread(&self, order: &MkOrder) -> Result<Option<MkOrder>> {
        let fresh = self.shared.mirakl.orders().get(&order.order_id).await?;
        if let Some(o) = &fresh {
            let mut book = lock(&self.book.book);
            let newer = book
                .orders
                .get(o.order_id.as_str())
                .is_none_or(|old| old.last_updated_date <= o.last_updated_date);
            if newer {
                book.orders
                    .insert(o.order_id.as_str().to_owned(), o.clone());
            }
        }
        Ok(fresh)
    }

    /// A call the other side refused and whose effect the re-read order does not show: a
    /// failure, in the logs and the summary, never recorded as sent. Returns the error to
    /// fail the step with (the order is stepped again on the next poll).
    fn refused(&self, id: &str, call: &str, error: mirakl_api::Error) -> crate::error::Error {
        tracing::warn!(order = %id, call, error = %error, "Mirakl refused the call and the order does not show its effect: not recorded as sent");
        self.shared
            .counters()
            .order_failures
            .insert(id.to_owned(), format!("{call}: {error}"));
        error.into()
    }

    /// A call went through (or was found in effect): clears an earlier failure of it.
    fn succeeded(&self, id: &str, call: &str) {
        let mut c = self.shared.counters();
        if c.order_failures
            .get(id)
            .is_some_and(|f| f.starts_with(&format!("{call}:")))
        {
            c.order_failures.remove(id);
        }
    }

    // ------------------------------------------------------------------ one order

    /// Steps the Mirakl order mapped to a BigCommerce order (e.g. after a shipment webhook).
    /// An order that already left the book (settled) is re-read from Mirakl only with
    /// `fetch_if_settled` (e.g. it was cancelled or refunded in BigCommerce): OR11 allows one
    /// call a minute. Returns whether the order was stepped.
    ///
    /// # Errors
    /// As [`OrdersFlow::step_order`].
    pub async fn step_bigcommerce_order(
        &self,
        bigcommerce_order_id: u64,
        fetch_if_settled: bool,
    ) -> Result<bool> {
        let Some(entry) = self
            .store()
            .order_by_bigcommerce_id(bigcommerce_order_id)
            .await?
        else {
            return Ok(false);
        };
        let id = entry.mirakl_order_id;
        let cached = self.book.order(&id).is_some();
        if !cached && !fetch_if_settled {
            return Ok(false);
        }
        if !cached {
            let mid = MiraklOrderId::new(id.clone())?;
            let Some(order) = self.shared.mirakl.orders().get(&mid).await? else {
                return Ok(false);
            };
            lock(&self.book.book).orders.insert(id.clone(), order);
        }
        // the webhook says the BigCommerce side moved
        lock(&self.book.book).bc_side.remove(&id);
        if let Err(e) = self.step_order(&id).await {
            // tried again within seconds (see `step_retries`), not at the next poll
            let mut book = lock(&self.book.book);
            let failures = book.retry.get(&id).map_or(0, |r| r.1) + 1;
            book.retry
                .insert(id, (Instant::now() + retry_backoff(failures), failures));
            return Err(e);
        }
        lock(&self.book.book).retry.remove(&id);
        Ok(true)
    }

    /// Before the steps of orders webhooks named together: the created orders among them
    /// whose products are not known yet are listed with their products embedded
    /// (`GET /v2/orders?min_id=&max_id=&include=consignments.line_items`), one call for
    /// every run of ids at most a page apart, so each step reads only the order's shipments
    /// instead of its products and shipments. An order alone in its run is left to its
    /// step (one read either way). Returns how many orders the listings delivered.
    ///
    /// # Errors
    /// A failed listing or store read; the steps then read what they need themselves.
    pub async fn prefetch_named(&self, bigcommerce_order_ids: &[u64]) -> Result<usize> {
        let mut wanted: Vec<(u64, String)> = Vec::new();
        for &bid in bigcommerce_order_ids {
            let Some(entry) = self.store().order_by_bigcommerce_id(bid).await? else {
                continue;
            };
            let book = lock(&self.book.book);
            let known = book
                .bc_products
                .get(&entry.mirakl_order_id)
                .is_some_and(|(b, _)| *b == bid)
                || book.bc_listed.contains_key(&entry.mirakl_order_id);
            if !known && book.orders.contains_key(&entry.mirakl_order_id) {
                wanted.push((bid, entry.mirakl_order_id));
            }
        }
        wanted.sort_unstable();
        let page = self.shared.opts.bc_page_size.clamp(1, 250) as u64;
        let mut delivered = 0;
        for run in id_runs(&wanted, page) {
            let (Some(first), Some(last)) = (run.first(), run.last()) else {
                continue;
            };
            if run.len() < 2 {
                continue;
            }
            let listed = self
                .shared
                .bc
                .orders()
                .list()
                .min_id(OrderId(first.0))
                .max_id(OrderId(last.0))
                .with_line_items()
                .limit(page as u32)
                .all()
                .await?;
            let mut book = lock(&self.book.book);
            for o in listed {
                let Some((_, id)) = run.iter().find(|(b, _)| *b == o.id.0) else {
                    continue;
                };
                if o.included_products().is_some() {
                    book.bc_side.remove(id);
                    book.bc_listed.insert(id.clone(), o);
                    delivered += 1;
                }
            }
        }
        Ok(delivered)
    }

    /// Steps the Mirakl order mapped to a BigCommerce order a webhook named, as
    /// [`OrdersFlow::step_bigcommerce_order`] (`closing`: it was cancelled or refunded),
    /// unless the webhook only says shipments were `created` that the order's side, as last
    /// read (e.g. by the order listing that ran before the webhook came in), already holds:
    /// a shipment seen by one source is not read again for the other. For new shipments the
    /// order as BigCommerce answered its create stands in for a read of the order (its
    /// products and shipments are read). Returns whether the order was stepped.
    ///
    /// # Errors
    /// As [`OrdersFlow::step_order`].
    pub async fn step_for_webhook(
        &self,
        bigcommerce_order_id: u64,
        closing: bool,
        created: Option<&BTreeSet<u64>>,
    ) -> Result<bool> {
        if !closing && let Some(created) = created.filter(|c| !c.is_empty()) {
            let known = {
                let book = lock(&self.book.book);
                book.bc_side.values().any(|side| {
                    side.order.id.0 == bigcommerce_order_id
                        && created
                            .iter()
                            .all(|s| side.shipments.iter().any(|k| k.id.0 == *s))
                })
            };
            if known {
                tracing::debug!(
                    bigcommerce_order = bigcommerce_order_id,
                    "shipment webhook for shipments already read"
                );
                return Ok(false);
            }
            lock(&self.book.book)
                .shipment_webhook
                .insert(bigcommerce_order_id);
        }
        let stepped = self
            .step_bigcommerce_order(bigcommerce_order_id, closing)
            .await;
        // taken by the step, if any ran
        lock(&self.book.book)
            .shipment_webhook
            .remove(&bigcommerce_order_id);
        stepped
    }

    async fn load_record(&self, id: &str) -> Result<OrderRecord> {
        Ok(self
            .store()
            .order(id)
            .await?
            .map(|e| e.record)
            .unwrap_or_default())
    }

    async fn save_record(&self, id: &str, record: &OrderRecord, note: Option<&str>) -> Result<()> {
        if self.shared.dry_run() {
            return Ok(());
        }
        self.store().save_order(id, record, note).await?;
        Ok(())
    }

    /// Runs `sync_core::lifecycle::step` on one Mirakl order (from the book) until it asks
    /// for nothing more, doing each action and saving the record around it.
    ///
    /// # Errors
    /// The first failed call; the record keeps what was done, so the next poll resumes.
    pub async fn step_order(&self, id: &str) -> Result<()> {
        let Some(order) = self.book.order(id) else {
            return Ok(());
        };
        // no offer quantity is computed or sent while this order moves (see `stock_gate`);
        // an acceptance also waits for every other order step (it weighs the units other
        // orders hold), while creates, shipments and refunds of different orders overlap
        let _gate = if order.order_state == MiraklOrderState::WaitingAcceptance {
            GateGuard::Whole(self.shared.stock_gate.write().await)
        } else {
            GateGuard::Shared(self.shared.stock_gate.read().await)
        };
        self.step_order_in_gate(id).await
    }

    /// [`OrdersFlow::step_order`] with the stock gate already held as the order's state
    /// needs it.
    async fn step_order_in_gate(&self, id: &str) -> Result<()> {
        let Some(order) = self.book.order(id) else {
            return Ok(());
        };
        self.step_rounds(&order, 0).await
    }

    /// Rounds of `order`'s step after `done` rounds already went (a few in all: e.g.
    /// look-up → record id → then shipments), then [`OrdersFlow::finish_step`].
    async fn step_rounds(&self, order: &MkOrder, done: usize) -> Result<()> {
        for _round in done..4 {
            if !self.step_round(order).await? {
                break;
            }
        }
        self.finish_step(order).await
    }

    /// The end of an order's step: an order seen and not acted on is still known from now on,
    /// and this version of it counts as stepped.
    async fn finish_step(&self, order: &MkOrder) -> Result<()> {
        let id = order.order_id.as_str();
        if !self.shared.dry_run() && self.store().order(id).await?.is_none() {
            self.save_record(id, &OrderRecord::default(), None).await?;
        }
        lock(&self.book.book)
            .processed
            .insert(id.to_owned(), Version::of(order));
        Ok(())
    }

    /// One round: reads what the decision needs, asks the lifecycle, does the actions.
    /// Returns whether another round is needed (the BigCommerce side just became known, so
    /// shipments, cancellations and refunds can be judged).
    async fn step_round(&self, order: &MkOrder) -> Result<bool> {
        match self.plan_round(order).await? {
            Some(round) => self.do_round(order, round).await,
            None => Ok(false),
        }
    }

    /// The reading half of a round: the record (in-flight calls settled), the BigCommerce
    /// side and what the lifecycle asks for. `None` when it asks for nothing (or, in a dry
    /// run, once what it would do is printed).
    async fn plan_round(&self, order: &MkOrder) -> Result<Option<Round>> {
        let id = order.order_id.as_str();
        let mut record = self.load_record(id).await?;
        if !self.shared.dry_run() {
            self.settle_awaited(order, &mut record).await?;
        }
        let bc = match record.bigcommerce_order_id {
            Some(bid) if needs_bigcommerce(order) => {
                let (listed, cached) = {
                    let mut book = lock(&self.book.book);
                    let by_webhook = book.shipment_webhook.remove(&bid);
                    let listed = book.bc_listed.remove(id).filter(|o| o.id.0 == bid);
                    // a shipment webhook: the order as created stands in for a read of it
                    // (its status and shipments come with the shipments read)
                    let listed = listed.or_else(|| {
                        by_webhook
                            .then(|| book.bc_created.get(id).filter(|o| o.id.0 == bid).cloned())
                            .flatten()
                    });
                    let cached = match listed {
                        Some(_) => None,
                        None => book
                            .bc_side
                            .get(id)
                            .filter(|s| s.order.id.0 == bid)
                            .cloned(),
                    };
                    (listed, cached)
                };
                match cached {
                    Some(side) => Some(side),
                    None => {
                        let products = lock(&self.book.book)
                            .bc_products
                            .get(id)
                            .filter(|(b, _)| *b == bid)
                            .map(|(_, p)| p.clone());
                        let side = self.read_bigcommerce_side(bid, listed, products).await?;
                        let mut book = lock(&self.book.book);
                        book.bc_products
                            .insert(id.to_owned(), (bid, side.products.clone()));
                        book.bc_checked.insert(id.to_owned(), Instant::now());
                        book.bc_modified
                            .insert(id.to_owned(), BcMark::of(&side.order));
                        book.bc_side.insert(id.to_owned(), side.clone());
                        Some(side)
                    }
                }
            }
            _ => None,
        };
        let short_check = order.order_state == MiraklOrderState::Shipping
            && record.bigcommerce_order_id.is_none()
            && !record.create_started
            && !record.shortfall_handled
            && self.shared.rules.orders.shortfall.is_some();
        let acceptance = if (order.order_state == MiraklOrderState::WaitingAcceptance
            && !record.acceptance_sent)
            || short_check
        {
            self.acceptance_context(order).await?
        } else {
            AcceptanceContext::default()
        };
        let currency = self.catalog.store_currency().await?;
        let mut links = sync_core::orders::links(&self.catalog.desired());
        if order.order_state == MiraklOrderState::Shipping
            && record.bigcommerce_order_id.is_none()
            && !record.create_started
        {
            // a create may follow: every line needs its product and variant
            self.complete_links(order, &mut links).await?;
        }
        let rules = self.order_rules();
        let ctx = StepContext {
            rules: &rules,
            acceptance: &acceptance,
            links: &links,
            store_currency: currency.as_deref(),
            now: now_utc(),
            multi_shipment: self.multi_shipment(),
        };
        let view = bc.as_ref().map(|d| BigCommerceOrder {
            order: &d.order,
            products: &d.products,
            shipments: &d.shipments,
            refunds: &d.refunds,
        });
        let actions = lifecycle::step(order, &record, view.as_ref(), &ctx);
        if actions.is_empty() {
            return Ok(None);
        }
        if self.shared.dry_run() {
            for a in &actions {
                println!("order {id}: would {}", describe(a));
            }
            return Ok(None);
        }
        Ok(Some(Round {
            record,
            bc,
            actions,
        }))
    }

    /// The acting half of a round: does the actions of `round` in turn. Returns whether
    /// another round is needed.
    async fn do_round(&self, order: &MkOrder, round: Round) -> Result<bool> {
        let id = order.order_id.as_str();
        let Round {
            mut record,
            bc,
            actions,
        } = round;
        // after a create there is nothing to ship: another round only when the BigCommerce
        // side became known
        let mut again = false;
        for action in actions {
            let learned = matches!(
                action,
                Action::LookUpInBigCommerce { .. } | Action::RecordBigCommerceId(_)
            );
            let is_create = matches!(action, Action::CreateInBigCommerce(_));
            if !leaves_bigcommerce_alone(&action) {
                // the BigCommerce side read before is stale once this runs (even if it fails)
                lock(&self.book.book).bc_side.remove(id);
            }
            let moved = self
                .perform(order, &mut record, bc.as_ref(), action)
                .await?;
            // a create that found the order already in BigCommerce adopted it (no create
            // was started): its side is known now, so shipments and refunds can be judged
            let adopted =
                is_create && !record.create_started && record.bigcommerce_order_id.is_some();
            again |= moved && (learned || adopted);
        }
        Ok(again)
    }

    /// Reads a created order's BigCommerce side: the order (unless `listed` just came from
    /// the order listing), its products (unless `known` from an earlier read and the order
    /// is neither cancelled nor refunded, see [`Book::bc_products`]), shipments and, when
    /// refunded, refunds.
    async fn read_bigcommerce_side(
        &self,
        id: u64,
        listed: Option<bigcommerce_api::orders::Order>,
        known: Option<Vec<bigcommerce_api::orders::OrderProduct>>,
    ) -> Result<BigCommerceSide> {
        let bc = &self.shared.bc;
        let oid = OrderId(id);
        let order = match listed {
            Some(o) => o,
            None => bc.orders().get(oid).await?,
        };
        let closed = matches!(
            order.status_id,
            OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::PartiallyRefunded
        ) || !order.refunded_amount.is_zero();
        // products embedded in a listing are as fresh as a read of them
        let products = match (order.included_products(), known) {
            (Some(p), _) => p,
            (None, Some(p)) if !closed => p,
            _ => bc.orders().products(oid).all().await?,
        };
        let shipments = bc.shipments(oid).list().all().await?;
        let refunds = if matches!(
            order.status_id,
            OrderStatus::Refunded | OrderStatus::PartiallyRefunded
        ) {
            bc.orders().refunds(oid).all().await?
        } else {
            Vec::new()
        };
        Ok(BigCommerceSide {
            order,
            products,
            shipments,
            refunds,
        })
    }

    /// Stock, holds (by other orders) and expected prices for the SKUs of `order`, re-read
    /// from BigCommerce so the decision sees current stock.
    async fn acceptance_context(&self, order: &MkOrder) -> Result<AcceptanceContext> {
        let skus: BTreeSet<ShopSku> = order
            .order_lines
            .iter()
            .map(|l| l.offer_sku.clone())
            .collect();
        let fresh = {
            let book = lock(&self.book.book);
            skus.iter().all(|s| book.stock_fresh.contains(s))
        };
        if !fresh {
            self.catalog.refresh_skus(&skus).await?;
        }
        let memo = lock(&self.book.book).memo.clone();
        let held = crate::fleet::held_units(
            &self.shared,
            &self.book,
            Some(&order.order_id),
            memo.as_deref(),
        )
        .await?;
        let stock = skus
            .iter()
            .filter_map(|s| self.catalog.sku(s).map(|i| (s.clone(), i.on_hand)))
            .collect();
        let prices =
            sync_core::orders::expected_prices(&self.catalog.desired(), order.created_date)
                .into_iter()
                .filter(|(k, _)| skus.contains(k))
                .collect();
        Ok(AcceptanceContext {
            stock,
            held,
            prices,
        })
    }

    /// Adds to `links` the SKUs of `order` they lack, resolved through BigCommerce: a
    /// variant with that SKU (`/v3/catalog/variants?sku=`), else a product with that SKU
    /// (`/v3/catalog/products?sku=`, a product sold without variants). Found links are
    /// cached; a SKU the catalog truly lacks stays unlinked (the order gets a custom line for
    /// it) and is reported as a problem.
    async fn complete_links(
        &self,
        order: &MkOrder,
        links: &mut BTreeMap<ShopSku, CatalogRef>,
    ) -> Result<()> {
        let missing: BTreeSet<ShopSku> = order
            .order_lines
            .iter()
            .map(|l| l.offer_sku.clone())
            .filter(|s| !links.contains_key(s))
            .collect();
        for sku in missing {
            let cached = lock(&self.resolved).get(&sku).copied();
            let found = match cached {
                Some(r) => Some(r),
                None => self.resolve_sku(&sku).await?,
            };
            match found {
                Some(r) => {
                    lock(&self.resolved).insert(sku.clone(), r);
                    links.insert(sku, r);
                }
                None => {
                    let id = order.order_id.as_str();
                    tracing::warn!(order = %id, sku = %sku, "SKU not in the BigCommerce catalog: the order line is created as a custom product");
                    self.shared.counters().problems.insert(
                        sku.as_str().to_owned(),
                        format!(
                            "ordered on Mirakl (order {id}) but not in the BigCommerce catalog: \
                             created as a custom line, not taken out of stock"
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// The BigCommerce product/variant of `sku` (exact matches only; the lowest ids when
    /// several share it), or `None` when the catalog has none.
    async fn resolve_sku(&self, sku: &ShopSku) -> Result<Option<CatalogRef>> {
        let bc = &self.shared.bc;
        let mut variants = bc.variants().find_by_sku(sku.as_str()).await?;
        variants.sort_by_key(|v| (v.product_id.0, v.id.0));
        if let Some(v) = variants.first() {
            return Ok(Some(CatalogRef {
                product_id: v.product_id.0,
                variant_id: Some(v.id.0),
            }));
        }
        let mut products: Vec<u64> = bc
            .products()
            .list()
            .sku(sku.as_str())
            .all()
            .await?
            .into_iter()
            .filter(|p| p.sku.as_deref() == Some(sku.as_str()))
            .map(|p| p.id.0)
            .collect();
        products.sort_unstable();
        Ok(products.first().map(|p| CatalogRef {
            product_id: *p,
            variant_id: None,
        }))
    }

    // ------------------------------------------------------------------ actions

    /// Does one action; returns whether the record moved.
    async fn perform(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        bc: Option<&BigCommerceSide>,
        action: Action,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        match action {
            Action::Accept(decision) => self.accept(order, record, decision).await,
            Action::CreateInBigCommerce(mapped) => self.create(order, record, &mapped).await,
            Action::LookUpInBigCommerce { external_order_id } => {
                self.look_up(order, record, &external_order_id).await
            }
            Action::RecordBigCommerceId(bid) => {
                record.bigcommerce_order_id = Some(bid);
                self.save_record(id, record, None).await?;
                Ok(true)
            }
            Action::PushTracking {
                shipment_id,
                tracking,
            } => {
                if let Some(side) = bc {
                    self.note_untracked_parcels(id, side, shipment_id);
                }
                self.push_tracking(order, record, shipment_id, &tracking)
                    .await
            }
            Action::ConfirmShipment => self.confirm_shipment(order, record).await,
            Action::CreateShipment {
                shipment_id,
                shipment,
            } => {
                self.create_shipment(order, record, bc, shipment_id, *shipment)
                    .await
            }
            Action::UpdateShipmentTracking {
                shipment_id,
                mirakl_shipment_id,
                tracking,
            } => {
                self.update_shipment_tracking(
                    order,
                    record,
                    shipment_id,
                    mirakl_shipment_id,
                    tracking,
                )
                .await
            }
            Action::ShipShipment {
                shipment_id,
                mirakl_shipment_id,
            } => {
                self.ship_shipment(order, record, bc, shipment_id, mirakl_shipment_id)
                    .await
            }
            Action::CancelInBigCommerce { reason } => {
                self.cancel_in_bigcommerce(id, record, &reason).await
            }
            Action::CancelInMirakl => self.cancel_in_mirakl(order, record).await,
            Action::RefundInMirakl {
                bigcommerce_refund_id,
                request,
            } => {
                self.refund_in_mirakl(order, record, bigcommerce_refund_id, &request)
                    .await
            }
            Action::RefundInBigCommerce {
                mirakl_refund_id,
                items,
                amount,
                reason,
            } => {
                let Some(side) = bc else {
                    return Ok(false);
                };
                let refund = MiraklRefund {
                    mirakl_refund_id,
                    items,
                    amount,
                    reason,
                };
                let moved = self.refund_in_bigcommerce(id, record, side, refund).await?;
                // stock may have come back: the offers flow recomputes these products
                self.offers.mark_order_products(order);
                Ok(moved)
            }
            Action::CancelShortLines {
                lines,
                whole_order,
                request,
            } => {
                self.cancel_short_lines(order, record, &lines, whole_order, *request)
                    .await
            }
            Action::RefundShortLines { lines, request } => {
                self.refund_short_lines(order, record, &lines, &request)
                    .await
            }
            Action::HoldShortfall { lines } => {
                let what = describe_short(&lines);
                tracing::warn!(order = %id, short = %what, "shortfall: order held for a person, nothing created in BigCommerce");
                self.shared
                    .counters()
                    .shortfalls
                    .insert(id.to_owned(), format!("held: {what}"));
                Ok(false)
            }
            Action::ManualReview { reason } => {
                tracing::warn!(order = %id, %reason, "order needs manual review");
                self.shared
                    .counters()
                    .manual_review
                    .insert(id.to_owned(), reason);
                Ok(false)
            }
            other => {
                tracing::warn!(order = %id, action = ?other, "action not handled by this connector version");
                Ok(false)
            }
        }
    }

    /// OR21: accept or refuse the lines. A mixed decision is never sent where the platform
    /// has partial acceptance off. A 400 settles the call only when the order, as polled,
    /// already shows this decision (an earlier OR21 went through); any other 400 is a
    /// failure, not recorded as sent (`ORDER_PARTIAL_ACCEPTANCE_DISABLED` also turns partial
    /// acceptance off, so the retry decides the order whole).
    async fn accept(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        decision: AcceptanceDecision,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        let all_refused = decision.lines.iter().all(|l| !l.accept);
        if !all_refused && !decision.accepts_all() && !self.partial_acceptance_allowed() {
            return Err(crate::error::Error::Invariant(format!(
                "order {id}: a mixed OR21 decision on a platform without partial acceptance"
            )));
        }
        let call = self.store().begin_call(CALL_ACCEPT, id, "{}").await?;
        match self
            .shared
            .mirakl
            .orders()
            .accept(&order.order_id, decision.request().order_lines)
            .await
        {
            Ok(()) => {}
            Err(e) if e.status() == Some(400) => {
                let partial_off = match &e {
                    mirakl_api::Error::Api { code, message, .. } => {
                        code.as_deref() == Some(PARTIAL_ACCEPTANCE_DISABLED)
                            || message
                                .as_deref()
                                .is_some_and(|m| m.contains(PARTIAL_ACCEPTANCE_DISABLED))
                    }
                    _ => false,
                };
                if partial_off {
                    lock(&self.platform)
                        .get_or_insert_with(PlatformFlags::default)
                        .partial_acceptance = Some(false);
                    self.store().finish_call(call).await?;
                    return Err(self.refused(id, "OR21", e));
                }
                match self.judge_refusal(order, CALL_ACCEPT, |o| {
                    lifecycle::acceptance_in_effect(o, &decision)
                }) {
                    Refusal::InEffect => {
                        tracing::info!(order = %id, "OR21 refused by Mirakl, but the order already shows this decision");
                    }
                    Refusal::AwaitPoll => {
                        // the call stays in flight: the poll settles it
                        tracing::info!(order = %id, "OR21 refused by Mirakl: the next order poll tells whether an earlier OR21 went through");
                        return Ok(false);
                    }
                    Refusal::Refused => {
                        self.store().finish_call(call).await?;
                        return Err(self.refused(id, "OR21", e));
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.succeeded(id, "OR21");
        record.acceptance_sent = true;
        self.save_record(id, record, None).await?;
        self.store().finish_call(call).await?;
        {
            let mut c = self.shared.counters();
            if all_refused {
                c.refused.insert(id.to_owned());
            } else {
                c.accepted.insert(id.to_owned());
            }
        }
        tracing::info!(order = %id, accepted = !all_refused, "OR21 sent");
        // the book shows the decision at once: until the next poll, an order refused here
        // must not count as holding units (the store's other marketplaces would refuse
        // their orders for the same units, see `crate::fleet::StockLedger`)
        self.show_decision(id, &decision);
        // Mirakl took the accepted units from the offers
        let mut taken: BTreeMap<ShopSku, u64> = BTreeMap::new();
        for d in decision.lines.iter().filter(|d| d.accept) {
            if let Some(l) = order
                .order_lines
                .iter()
                .find(|l| l.order_line_id == d.order_line_id)
            {
                *taken.entry(l.offer_sku.clone()).or_default() += l.quantity;
            }
        }
        self.offers.note_units_taken(&taken).await?;
        self.offers.mark_order_products(order);
        Ok(true)
    }

    /// Shows an acceptance decision in the book, as Mirakl will once OR21 goes through:
    /// accepted lines and the order `WAITING_DEBIT`, refused lines (and a wholly refused
    /// order) `REFUSED`. Returns the order as the book showed it before.
    fn show_decision(&self, id: &str, decision: &AcceptanceDecision) -> Option<MkOrder> {
        let mut book = lock(&self.book.book);
        let o = book.orders.get_mut(id)?;
        let before = o.clone();
        for line in &mut o.order_lines {
            if let Some(d) = decision
                .lines
                .iter()
                .find(|d| d.order_line_id == line.order_line_id)
            {
                line.order_line_state = if d.accept {
                    MiraklOrderState::WaitingDebit
                } else {
                    MiraklOrderState::Refused
                };
            }
        }
        o.order_state = if decision.lines.iter().all(|l| !l.accept) {
            MiraklOrderState::Refused
        } else {
            MiraklOrderState::WaitingDebit
        };
        Some(before)
    }

    /// Undoes [`OrdersFlow::show_decision`] for an OR21 that did not go through: the book
    /// shows `before` again (unless a poll replaced the order in between).
    fn unshow_decision(&self, before: MkOrder) {
        let mut book = lock(&self.book.book);
        let id = before.order_id.as_str().to_owned();
        if book
            .orders
            .get(&id)
            .is_some_and(|o| o.last_updated_date == before.last_updated_date)
        {
            book.orders.insert(id, before);
        }
    }

    /// Creates the BigCommerce order, `create_started` saved first. The local record is not
    /// trusted to say the order does not exist yet (a new, lost or restored state file): the
    /// order is first looked up by `external_order_id`, and one found is adopted (its id is
    /// recorded, `create_started` stays unset) instead of created again.
    async fn create(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        mapped: &MappedOrder,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        let waiting = lock(&self.book.book)
            .create_refused
            .get(id)
            .is_some_and(|(at, n)| at.elapsed() < create_backoff(*n));
        if waiting && !record.create_started {
            // refused a moment ago: no look-up, no create until the backoff has passed
            return Ok(false);
        }
        if self
            .adopt_existing(order, record, order.order_id.as_str())
            .await?
        {
            return Ok(true);
        }
        let mut new_order = mapped.order.clone();
        new_order.channel_id = Some(self.shared.order_channel().await?.channel_id);
        record.create_started = true;
        self.save_record(id, record, None).await?;
        let call = self.store().begin_call(CALL_CREATE, id, "{}").await?;
        let created = match self.shared.bc.orders().create(&new_order).await {
            Ok(created) => created,
            Err(e) if refused_by_bigcommerce(&e) => {
                // not created: no look-up is needed next time, the call is over
                record.create_started = false;
                self.save_record(id, record, None).await?;
                self.store().finish_call(call).await?;
                let n = {
                    let mut book = lock(&self.book.book);
                    let entry = book
                        .create_refused
                        .entry(id.to_owned())
                        .or_insert((Instant::now(), 0));
                    *entry = (Instant::now(), entry.1.saturating_add(1));
                    entry.1
                };
                tracing::warn!(order = %id, error = %e, retry_in_secs = create_backoff(n).as_secs(), "BigCommerce refused to create the order: nothing created, tried again after a backoff");
                self.shared
                    .counters()
                    .order_failures
                    .insert(id.to_owned(), format!("BigCommerce create: {e}"));
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        {
            let mut book = lock(&self.book.book);
            book.create_refused.remove(id);
            book.bc_created.insert(id.to_owned(), created.clone());
        }
        self.succeeded(id, "BigCommerce create");
        record.bigcommerce_order_id = Some(created.id.0);
        self.save_record(id, record, None).await?;
        self.store().finish_call(call).await?;
        self.shared.counters().created.insert(id.to_owned());
        tracing::info!(order = %id, bigcommerce_order = created.id.0, "order created in BigCommerce");
        self.offers.mark_order_products(order);
        Ok(true)
    }

    /// Looks the order up in BigCommerce by `external_order_id` (the Mirakl order id:
    /// `GET /v2/orders?external_order_id=`, a filter the v2 orders listing declares); one
    /// found is adopted: the lowest id is recorded (more than one goes to manual review).
    /// Returns whether one was found.
    async fn adopt_existing(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        external_order_id: &str,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        // the batch's look-up listing answers for the orders it was read for: it was read
        // after any create of theirs tried before, and within the batch an order's step
        // never looks it up after trying its create (a failed create ends the step)
        let listed = lock(&self.book.book)
            .looked_up
            .as_ref()
            .filter(|l| l.ids.contains(id))
            .map(|l| {
                l.by_external_id
                    .get(external_order_id)
                    .cloned()
                    .unwrap_or_default()
            });
        let found = match listed {
            Some(found) => found,
            None => {
                self.shared
                    .bc
                    .orders()
                    .find_by_external_order_id(external_order_id)
                    .await?
            }
        };
        // Mirakl order ids are unique per operator only: a store selling on several
        // marketplaces tells their orders apart by `external_source` (see `crate::fleet`)
        let source = &self.shared.rules.orders.external_source;
        let mut ids: Vec<u64> = found
            .iter()
            .filter(|o| o.external_source.as_ref().is_none_or(|s| s == source))
            .map(|o| o.id.0)
            .collect();
        ids.sort_unstable();
        let Some(first) = ids.first().copied() else {
            return Ok(false);
        };
        if ids.len() > 1 {
            self.shared.counters().manual_review.insert(
                id.to_owned(),
                format!("{} BigCommerce orders carry this external id", ids.len()),
            );
        }
        record.bigcommerce_order_id = Some(first);
        self.save_record(id, record, None).await?;
        self.shared.counters().recovered.insert(id.to_owned());
        tracing::info!(order = %id, bigcommerce_order = first, "order found in BigCommerce by its external id; adopted");
        self.offers.mark_order_products(order);
        Ok(true)
    }

    /// After an uncertain create: the order is looked up by `external_order_id`; found, its
    /// id is recorded; not found, the create may run again.
    async fn look_up(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        external_order_id: &str,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        if !self
            .adopt_existing(order, record, external_order_id)
            .await?
        {
            record.create_started = false;
            self.save_record(id, record, None).await?;
        }
        for c in self.store().in_flight_calls().await? {
            if c.kind == CALL_CREATE && c.key == id {
                self.store().finish_call(c.id).await?;
            }
        }
        Ok(true)
    }

    /// Without multi-shipment on the platform (PC01), a Mirakl order carries one tracking
    /// (OR23): when BigCommerce shipped the order in several tracked parcels, only the sent
    /// one reaches Mirakl. Said in the logs and the summary (manual review), never silently.
    fn note_untracked_parcels(&self, id: &str, side: &BigCommerceSide, sent: u64) {
        let multi = lock(&self.platform).is_some_and(|p| p.multi_shipment == Some(true));
        let others: Vec<String> = side
            .shipments
            .iter()
            .filter(|s| s.id.0 != sent)
            .filter_map(|s| s.tracking_number.clone().filter(|t| !t.trim().is_empty()))
            .collect();
        if multi || others.is_empty() {
            return;
        }
        let reason = format!(
            "shipped in {} parcels; Mirakl keeps one tracking (OR23, multi-shipment off): \
             BigCommerce shipment {sent} sent, tracking {} not on Mirakl",
            others.len() + 1,
            others.join(", ")
        );
        tracing::warn!(order = %id, %reason, "parcel trackings not on Mirakl");
        self.shared
            .counters()
            .manual_review
            .insert(id.to_owned(), reason);
    }

    /// OR23 with a BigCommerce shipment's tracking.
    async fn push_tracking(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        shipment_id: u64,
        tracking: &Tracking,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        match self
            .shared
            .mirakl
            .orders()
            .tracking(&order.order_id, tracking)
            .await
        {
            Ok(()) => {}
            Err(e) if e.status() == Some(400) => {
                let fresh = self.reread(order).await?;
                if !fresh
                    .as_ref()
                    .is_some_and(|o| lifecycle::tracking_in_effect(o, tracking))
                {
                    return Err(self.refused(id, "OR23", e));
                }
                tracing::info!(order = %id, "OR23 refused by Mirakl, but the order already carries this tracking");
            }
            Err(e) => return Err(e.into()),
        }
        self.succeeded(id, "OR23");
        record.tracking_sent.insert(shipment_id);
        self.store().mark_shipment_sent(shipment_id, id).await?;
        self.save_record(id, record, None).await?;
        Ok(true)
    }

    /// OR24. A 400 settles the call only when the order, as polled, is already shipped (an
    /// earlier OR24 went through; the next order poll is waited for, not a read of the order
    /// of its own, see [`Book::awaiting_poll`]); any other 400 (e.g. the operator cancelled
    /// the order meanwhile) is a failure, not recorded as sent.
    async fn confirm_shipment(&self, order: &MkOrder, record: &mut OrderRecord) -> Result<bool> {
        let id = order.order_id.as_str();
        let call = self.store().begin_call(CALL_SHIP, id, "{}").await?;
        match self.shared.mirakl.orders().ship(&order.order_id).await {
            Ok(()) => {}
            Err(e) if e.status() == Some(400) => {
                match self.judge_refusal(order, CALL_SHIP, lifecycle::shipment_in_effect) {
                    Refusal::InEffect => {
                        tracing::info!(order = %id, "OR24 refused by Mirakl, but the order is already shipped");
                    }
                    Refusal::AwaitPoll => {
                        // the call stays in flight: the poll settles it
                        tracing::info!(order = %id, "OR24 refused by Mirakl: the next order poll tells whether an earlier OR24 went through");
                        return Ok(false);
                    }
                    Refusal::Refused => {
                        self.store().finish_call(call).await?;
                        return Err(self.refused(id, "OR24", e));
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.succeeded(id, "OR24");
        record.ship_confirmed = true;
        self.save_record(id, record, None).await?;
        self.store().finish_call(call).await?;
        self.shared.counters().shipped.insert(id.to_owned());
        tracing::info!(order = %id, "shipment confirmed on Mirakl");
        Ok(true)
    }

    /// Multi-shipment: the Mirakl shipment made from a BigCommerce shipment, if one exists
    /// (ST11 for the order; its lines carry `sync_core::shipments::package_reference`).
    async fn find_shipment(
        &self,
        order: &MkOrder,
        shipment_id: u64,
    ) -> Result<Option<mirakl_api::shipments::st11::Data>> {
        use futures::TryStreamExt;
        let all: Vec<mirakl_api::shipments::st11::Data> = self
            .shared
            .mirakl
            .shipments()
            .list()?
            .order_id([order.order_id.as_str()])
            .limit(100)
            .stream()
            .try_collect()
            .await?;
        Ok(all.into_iter().find(|s| {
            sync_core::shipments::bigcommerce_shipment_of(
                s.shipment_lines
                    .iter()
                    .map(|l| l.package_reference.as_deref()),
            ) == Some(shipment_id)
        }))
    }

    /// Multi-shipment: after a shipment was sent or shipped, the order counts as shipped once
    /// every BigCommerce shipment is shipped on Mirakl and they cover the whole order.
    fn note_shipped(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        bc: Option<&BigCommerceSide>,
    ) {
        let Some(side) = bc else { return };
        let all_sent = side.shipments.iter().all(|s| {
            record
                .shipments
                .get(&s.id.0)
                .is_some_and(|sent| sent.shipped)
        });
        if all_sent
            && sync_core::shipments::progress(order, &side.products, &side.shipments).complete()
        {
            record.ship_confirmed = true;
            self.shared
                .counters()
                .shipped
                .insert(order.order_id.as_str().to_owned());
        }
    }

    /// Multi-shipment: one BigCommerce shipment becomes one Mirakl shipment (ST01). Never
    /// twice: the order's Mirakl shipments are read first (ST11) and one made from this
    /// BigCommerce shipment (before a crash lost the record) is adopted instead.
    async fn create_shipment(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        bc: Option<&BigCommerceSide>,
        shipment_id: u64,
        shipment: mirakl_api::shipments::st01::Shipments,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        let found = self
            .find_shipment(order, shipment_id)
            .await?
            .and_then(|f| f.id.clone().map(|mid| (mid, f)));
        let sent = if let Some((mirakl_shipment_id, found)) = found {
            tracing::info!(order = %id, bigcommerce_shipment = shipment_id, mirakl_shipment = %mirakl_shipment_id, "Mirakl shipment already made from this BigCommerce shipment; adopted");
            SentShipment {
                mirakl_shipment_id,
                tracking_number: found.tracking.and_then(|t| t.tracking_number),
                shipped: found.status == Some(mirakl_api::shipments::st01::Status::Shipped),
            }
        } else {
            let tracking_number = shipment
                .tracking
                .as_ref()
                .and_then(|t| t.tracking_number.clone());
            let shipped = shipment.shipped == Some(true);
            let resp = self
                .shared
                .mirakl
                .shipments()
                .create(mirakl_api::shipments::st01::Body {
                    shipments: vec![shipment],
                    ..Default::default()
                })?
                .send()
                .await?;
            let Some(created) = resp.shipment_success.first().and_then(|c| c.id.clone()) else {
                let why = resp
                    .shipment_errors
                    .iter()
                    .filter_map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                tracing::warn!(order = %id, bigcommerce_shipment = shipment_id, error = %why, "Mirakl refused the shipment (ST01)");
                self.shared
                    .counters()
                    .order_failures
                    .insert(id.to_owned(), format!("ST01: {why}"));
                return Err(crate::error::Error::Invariant(format!(
                    "order {id}: ST01 refused: {why}"
                )));
            };
            tracing::info!(order = %id, bigcommerce_shipment = shipment_id, mirakl_shipment = %created, shipped, "Mirakl shipment created (ST01)");
            SentShipment {
                mirakl_shipment_id: created,
                tracking_number,
                shipped,
            }
        };
        self.succeeded(id, "ST01");
        record.shipments.insert(shipment_id, sent);
        self.store().mark_shipment_sent(shipment_id, id).await?;
        self.note_shipped(order, record, bc);
        self.save_record(id, record, None).await?;
        self.shared.counters().mirakl_shipments += 1;
        Ok(true)
    }

    /// Multi-shipment: ST23 with a BigCommerce shipment's changed tracking.
    async fn update_shipment_tracking(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        shipment_id: u64,
        mirakl_shipment_id: String,
        tracking: mirakl_api::shipments::st23::Tracking,
    ) -> Result<bool> {
        use mirakl_api::shipments::st23;
        let id = order.order_id.as_str();
        let number = tracking.tracking_number.clone();
        let resp = self
            .shared
            .mirakl
            .shipments()
            .tracking(st23::Body {
                shipments: vec![st23::Shipments {
                    id: mirakl_shipment_id.clone(),
                    tracking,
                    ..Default::default()
                }],
                ..Default::default()
            })?
            .send()
            .await?;
        if let Some(e) = resp.shipment_errors.first() {
            let why = e.message.clone().unwrap_or_default();
            self.shared
                .counters()
                .order_failures
                .insert(id.to_owned(), format!("ST23: {why}"));
            return Err(crate::error::Error::Invariant(format!(
                "order {id}: ST23 refused for {mirakl_shipment_id}: {why}"
            )));
        }
        self.succeeded(id, "ST23");
        if let Some(sent) = record.shipments.get_mut(&shipment_id) {
            sent.tracking_number = number;
        }
        self.save_record(id, record, None).await?;
        tracing::info!(order = %id, mirakl_shipment = %mirakl_shipment_id, "shipment tracking updated (ST23)");
        Ok(true)
    }

    /// Multi-shipment: ST24 for a shipment created unshipped (its tracking came later).
    async fn ship_shipment(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        bc: Option<&BigCommerceSide>,
        shipment_id: u64,
        mirakl_shipment_id: String,
    ) -> Result<bool> {
        use mirakl_api::shipments::st24;
        let id = order.order_id.as_str();
        let resp = self
            .shared
            .mirakl
            .shipments()
            .ship(st24::Body {
                shipments: vec![st24::Shipments {
                    id: mirakl_shipment_id.clone(),
                    ..Default::default()
                }],
                ..Default::default()
            })?
            .send()
            .await?;
        if let Some(e) = resp.shipment_errors.first() {
            let why = e.message.clone().unwrap_or_default();
            self.shared
                .counters()
                .order_failures
                .insert(id.to_owned(), format!("ST24: {why}"));
            return Err(crate::error::Error::Invariant(format!(
                "order {id}: ST24 refused for {mirakl_shipment_id}: {why}"
            )));
        }
        self.succeeded(id, "ST24");
        if let Some(sent) = record.shipments.get_mut(&shipment_id) {
            sent.shipped = true;
        }
        self.note_shipped(order, record, bc);
        self.save_record(id, record, None).await?;
        tracing::info!(order = %id, mirakl_shipment = %mirakl_shipment_id, "shipment shipped (ST24)");
        Ok(true)
    }

    /// Shortfall, `cancel`: the short units are cancelled on Mirakl (OR30; OR29 when every
    /// live unit is short), then recorded so the BigCommerce order is created without them.
    async fn cancel_short_lines(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        lines: &[sync_core::lifecycle::ShortLine],
        whole_order: bool,
        request: mirakl_api::orders::or30::Body,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        let what = describe_short(lines);
        let call = if whole_order { "OR29" } else { "OR30" };
        let sent = if whole_order {
            self.shared.mirakl.orders().cancel(&order.order_id).await
        } else {
            match self.shared.mirakl.orders().cancel_lines(request) {
                Ok(r) => r.send().await.map(|resp| {
                    // the cancelations happened before the BigCommerce order: never mirrored
                    for c in resp.cancelations {
                        if let Some(cid) = c.cancelation_id {
                            record
                                .mirakl_refunds_handled
                                .insert(format!("{}{cid}", lifecycle::CANCELATION_KEY_PREFIX));
                        }
                    }
                }),
                Err(e) => Err(e),
            }
        };
        if let Err(e) = sent {
            if e.status() == Some(400) {
                return Err(self.refused(id, call, e));
            }
            return Err(e.into());
        }
        self.succeeded(id, call);
        for l in lines {
            record.shortfall.insert(l.order_line_id.clone(), l.units);
        }
        record.shortfall_handled = true;
        if whole_order {
            record.mirakl_cancel_sent = true;
        }
        self.save_record(
            id,
            record,
            Some(&format!("shortfall cancelled ({call}): {what}")),
        )
        .await?;
        tracing::warn!(order = %id, call, short = %what, "shortfall: short lines cancelled on Mirakl");
        let mut c = self.shared.counters();
        c.shortfalls
            .insert(id.to_owned(), format!("cancelled ({call}): {what}"));
        if whole_order {
            c.cancelled.insert(id.to_owned());
        }
        Ok(true)
    }

    /// Shortfall, `refund`: the short units are refunded on Mirakl (OR28), then recorded so
    /// the BigCommerce order is created without them.
    async fn refund_short_lines(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        lines: &[sync_core::lifecycle::ShortLine],
        request: &MiraklRefundRequest,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        let what = describe_short(lines);
        let created: Vec<String> = match self.shared.mirakl.orders().refund(request).await {
            Ok(resp) => resp
                .refunds
                .iter()
                .filter_map(|r| r.refund_id.clone())
                .collect(),
            Err(e) if e.status() == Some(400) => return Err(self.refused(id, "OR28", e)),
            Err(e) => return Err(e.into()),
        };
        self.succeeded(id, "OR28");
        for l in lines {
            record.shortfall.insert(l.order_line_id.clone(), l.units);
        }
        // Mirakl refunds made here are not mirrored back to BigCommerce (nothing was created)
        record.mirakl_refunds_handled.extend(created);
        record.shortfall_handled = true;
        self.save_record(
            id,
            record,
            Some(&format!("shortfall refunded (OR28): {what}")),
        )
        .await?;
        tracing::warn!(order = %id, short = %what, "shortfall: short lines refunded on Mirakl");
        self.shared
            .counters()
            .shortfalls
            .insert(id.to_owned(), format!("refunded (OR28): {what}"));
        Ok(true)
    }

    /// Cancels the BigCommerce order (Mirakl cancelled or refused it).
    async fn cancel_in_bigcommerce(
        &self,
        id: &str,
        record: &mut OrderRecord,
        reason: &str,
    ) -> Result<bool> {
        let Some(bid) = record.bigcommerce_order_id else {
            return Ok(false);
        };
        self.shared
            .bc
            .orders()
            .set_status(OrderId(bid), OrderStatus::Cancelled)
            .await?;
        record.bigcommerce_cancelled = true;
        self.save_record(id, record, Some(reason)).await?;
        self.shared.counters().cancelled.insert(id.to_owned());
        Ok(true)
    }

    /// OR29 (the order was cancelled in BigCommerce). A 400 settles the call only when the
    /// order, re-read, is already cancelled.
    async fn cancel_in_mirakl(&self, order: &MkOrder, record: &mut OrderRecord) -> Result<bool> {
        let id = order.order_id.as_str();
        match self.shared.mirakl.orders().cancel(&order.order_id).await {
            Ok(()) => {}
            Err(e) if e.status() == Some(400) => {
                let fresh = self.reread(order).await?;
                if !fresh.as_ref().is_some_and(lifecycle::cancel_in_effect) {
                    return Err(self.refused(id, "OR29", e));
                }
                tracing::info!(order = %id, "OR29 refused by Mirakl, but the order is already cancelled");
            }
            Err(e) => return Err(e.into()),
        }
        self.succeeded(id, "OR29");
        record.mirakl_cancel_sent = true;
        self.save_record(id, record, None).await?;
        self.shared.counters().cancelled.insert(id.to_owned());
        Ok(true)
    }

    /// OR28 for a BigCommerce refund. A 400 settles the call only when the order, re-read,
    /// already carries a refund matching each line (not one handled before).
    async fn refund_in_mirakl(
        &self,
        order: &MkOrder,
        record: &mut OrderRecord,
        bigcommerce_refund_id: u64,
        request: &MiraklRefundRequest,
    ) -> Result<bool> {
        let id = order.order_id.as_str();
        let created: Vec<String> = match self.shared.mirakl.orders().refund(request).await {
            Ok(resp) => resp
                .refunds
                .iter()
                .filter_map(|r| r.refund_id.clone())
                .collect(),
            Err(e) if e.status() == Some(400) => {
                let fresh = self.reread(order).await?;
                let Some(found) = fresh.as_ref().and_then(|o| {
                    lifecycle::refund_in_effect(o, request, &record.mirakl_refunds_handled)
                }) else {
                    return Err(self.refused(id, "OR28", e));
                };
                tracing::info!(order = %id, "OR28 refused by Mirakl, but the order already carries this refund");
                found
            }
            Err(e) => return Err(e.into()),
        };
        self.succeeded(id, "OR28");
        record
            .bigcommerce_refunds_handled
            .insert(bigcommerce_refund_id);
        for r in created {
            record.mirakl_refunds_handled.insert(r);
        }
        self.save_record(id, record, None).await?;
        self.shared.counters().refunds += 1;
        Ok(true)
    }

    /// Mirrors a Mirakl refund (or line cancelation) in BigCommerce: a refund quote for the
    /// items (products, shipping, order-level amounts), then the refund for exactly Mirakl's
    /// amount through the offline method `sync_core::lifecycle::offline_refund_payment`
    /// picks (never store credit or a card: the marketplace already paid the customer).
    /// Exactly once: the refund's reason names the Mirakl refund, and a BigCommerce refund
    /// already naming it (made before a crash lost the record) is adopted, not repeated. No
    /// offline method, or a quote that differs from Mirakl's amount, goes to manual review.
    async fn refund_in_bigcommerce(
        &self,
        id: &str,
        record: &mut OrderRecord,
        side: &BigCommerceSide,
        refund: MiraklRefund,
    ) -> Result<bool> {
        let oid = side.order.id;
        let orders = self.shared.bc.orders();
        let tag = refund_tag(&refund.mirakl_refund_id);
        let existing = if side.refunds.is_empty() {
            // the side reads refunds only for (partially) refunded orders
            Vec::new()
        } else {
            orders.refunds(oid).all().await?
        };
        if let Some(found) = existing
            .iter()
            .find(|r| r.reason.as_deref().is_some_and(|t| t.contains(&tag)))
        {
            tracing::info!(order = %id, refund = found.id, "Mirakl refund already mirrored in BigCommerce; adopted");
            if record
                .mirakl_refunds_handled
                .insert(refund.mirakl_refund_id)
            {
                count_refunded_units(record, &refund.items);
            }
            record.bigcommerce_refunds_handled.insert(found.id);
            self.save_record(id, record, None).await?;
            self.restock(id, record, side).await?;
            return Ok(true);
        }
        let quote = orders
            .refund_quote(
                oid,
                &RefundQuoteRequest {
                    items: refund.items.clone(),
                },
            )
            .await?;
        let payment = match lifecycle::offline_refund_payment(&quote, refund.amount) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(order = %id, error = %e, "Mirakl refund not mirrored in BigCommerce");
                self.shared.counters().manual_review.insert(
                    id.to_owned(),
                    format!(
                        "Mirakl refund {} not mirrored in BigCommerce: {e}",
                        refund.mirakl_refund_id
                    ),
                );
                return Ok(false);
            }
        };
        let reason = format!("{tag}: {}", refund.reason);
        let req = bigcommerce_api::orders::RefundRequest {
            items: refund
                .items
                .into_iter()
                .map(|mut i| {
                    i.reason.get_or_insert_with(|| reason.clone());
                    i
                })
                .collect(),
            payments: vec![payment],
        };
        tracing::info!(order = %id, reason = %refund.reason, amount = %refund.amount, "mirroring a Mirakl refund in BigCommerce (offline)");
        let created = orders.refund(oid, &req).await?;
        if record
            .mirakl_refunds_handled
            .insert(refund.mirakl_refund_id)
        {
            count_refunded_units(record, &req.items);
        }
        record.bigcommerce_refunds_handled.insert(created.id);
        self.save_record(id, record, None).await?;
        self.shared.counters().refunds += 1;
        self.restock(id, record, side).await?;
        Ok(true)
    }

    /// Puts the units of mirrored Mirakl refunds back in BigCommerce stock, exactly once
    /// (`POST /v3/inventory/adjustments/relative` at the default location, inventory.v3.yml):
    /// the order is read first, because a `Refunded` or `Cancelled` BigCommerce order had its
    /// unshipped units returned by BigCommerce itself (`sync_core::lifecycle::restock_due`).
    /// The ledger is saved before the adjustment: a crash in between restocks at most once.
    async fn restock(
        &self,
        id: &str,
        record: &mut OrderRecord,
        side: &BigCommerceSide,
    ) -> Result<()> {
        use bigcommerce_api::catalog::{ProductId, VariantId};
        use bigcommerce_api::inventory::{Adjustment, LocationId};
        if record.restock_refunded.is_empty() {
            return Ok(());
        }
        let status = self.shared.bc.orders().get(side.order.id).await?.status_id;
        let auto = matches!(status, OrderStatus::Refunded | OrderStatus::Cancelled);
        let due = lifecycle::restock_due(record, &side.products, auto);
        if due.is_empty() {
            return Ok(());
        }
        let mut items = Vec::new();
        for (pid, delta) in &due {
            let Some(p) = side.products.iter().find(|p| p.id == *pid) else {
                continue;
            };
            let location = LocationId(1);
            items.push(match p.variant_id {
                Some(v) => Adjustment::by_variant(location, VariantId(v), *delta),
                None => Adjustment::by_product(location, ProductId(p.product_id), *delta),
            });
            *record.restocked.entry(*pid).or_default() += delta;
        }
        self.save_record(id, record, None).await?;
        if items.is_empty() {
            return Ok(());
        }
        let reason = format!("Mirakl order {id}: refunded units back in stock");
        self.shared
            .bc
            .inventory()
            .adjust_relative(Some(&reason), &items)
            .await?;
        let units: i64 = due.iter().map(|(_, d)| *d).sum();
        {
            let mut c = self.shared.counters();
            c.restocked_units = c.restocked_units.saturating_add_signed(units);
        }
        tracing::info!(order = %id, units, "refunded units back in BigCommerce stock");
        Ok(())
    }
}

/// The text a mirrored refund's reason starts with: names the Mirakl refund, so a refund
/// made before a crash is found again.
fn refund_tag(mirakl_refund_id: &str) -> String {
    format!("Mirakl refund {mirakl_refund_id}")
}

/// One version of a Mirakl order, to drop repeats of overlapping polls: its
/// `last_updated_date` and a digest of what the steps act on (states, refunds, cancelations,
/// tracking). Dates have whole seconds on the wire, so two changes within one second share a
/// date; the digest still tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    updated: OffsetDateTime,
    digest: u64,
}

impl Version {
    fn of(o: &MkOrder) -> Version {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        o.order_state.as_str().hash(&mut h);
        o.shipping_tracking.hash(&mut h);
        for l in &o.order_lines {
            l.order_line_id.hash(&mut h);
            l.order_line_state.as_str().hash(&mut h);
            for r in &l.refunds {
                (r.id.as_deref(), r.refund_state.as_ref().map(|s| s.as_str())).hash(&mut h);
            }
            for c in &l.cancelations {
                (c.id.as_deref(), c.quantity).hash(&mut h);
            }
        }
        Version {
            updated: o.last_updated_date,
            digest: h.finish(),
        }
    }
}

/// A Mirakl refund to mirror in BigCommerce (the fields of
/// [`Action::RefundInBigCommerce`]).
struct MiraklRefund {
    mirakl_refund_id: String,
    items: Vec<bigcommerce_api::orders::RefundItem>,
    amount: rust_decimal::Decimal,
    reason: String,
}

/// What tells a BigCommerce order moved: `date_modified` has whole seconds only, so a
/// shipment in the same second as the last read also shows in the status, the units shipped
/// or the ship date (and a refund in the refunded amount).
#[derive(Debug, Clone, PartialEq, Eq)]
struct BcMark {
    modified: Option<OffsetDateTime>,
    status: u32,
    items_shipped: u64,
    shipped: Option<OffsetDateTime>,
    refunded: rust_decimal::Decimal,
}

impl BcMark {
    fn of(o: &bigcommerce_api::orders::Order) -> BcMark {
        BcMark {
            modified: o.date_modified,
            status: o.status_id.id(),
            items_shipped: o.items_shipped,
            shipped: o.date_shipped,
            refunded: o.refunded_amount,
        }
    }
}

/// Whether the shipments of `side` account for every unit the listed order `o` says was
/// shipped, and `o` was last modified no later than the second its newest shipment was made
/// (a later change, e.g. a tracking edit, or a cancellation or refund, is read): the
/// listing then tells nothing the side does not hold.
fn shows_all(side: &BigCommerceSide, o: &bigcommerce_api::orders::Order) -> bool {
    let shipped: u64 = side
        .shipments
        .iter()
        .flat_map(|s| s.items.iter().map(|i| i.quantity))
        .sum();
    let newest = side.shipments.iter().filter_map(|s| s.date_created).max();
    side.order.id == o.id
        && !side.shipments.is_empty()
        && shipped == o.items_shipped
        && o.refunded_amount.is_zero()
        && !matches!(
            o.status_id,
            OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::PartiallyRefunded
        )
        && matches!((o.date_modified, newest), (Some(m), Some(n)) if m <= n + time::Duration::seconds(1))
}

/// The stock gate as an order step holds it (held for its drop only).
enum GateGuard<'a> {
    Whole(
        #[expect(dead_code, reason = "held until dropped")] tokio::sync::RwLockWriteGuard<'a, ()>,
    ),
    Shared(
        #[expect(dead_code, reason = "held until dropped")] tokio::sync::RwLockReadGuard<'a, ()>,
    ),
}

/// A BigCommerce order status in which nothing happened to the order yet that the
/// connector must pass on (as created, before any shipment, cancellation or refund).
fn awaiting_fulfilment(status: &OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Pending
            | OrderStatus::AwaitingPayment
            | OrderStatus::AwaitingFulfillment
            | OrderStatus::AwaitingShipment
            | OrderStatus::AwaitingPickup
    )
}

/// Splits ids sorted ascending into runs whose first and last ids are less than `span`
/// apart (one listing page by id range each).
fn id_runs<T>(sorted: &[(u64, T)], span: u64) -> Vec<&[(u64, T)]> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i].0 - sorted[start].0 >= span {
            if i > start {
                runs.push(&sorted[start..i]);
            }
            start = i;
        }
    }
    runs
}

fn is_open(state: &MiraklOrderState) -> bool {
    matches!(
        state,
        MiraklOrderState::Staging
            | MiraklOrderState::WaitingAcceptance
            | MiraklOrderState::WaitingDebit
            | MiraklOrderState::WaitingDebitPayment
            | MiraklOrderState::Shipping
    )
}

/// Whether an action changes nothing in BigCommerce nor which BigCommerce order the record
/// names (Mirakl calls, a review), so the BigCommerce side read before it stays current.
fn leaves_bigcommerce_alone(action: &Action) -> bool {
    matches!(
        action,
        Action::Accept(_)
            | Action::PushTracking { .. }
            | Action::ConfirmShipment
            | Action::CancelInMirakl
            | Action::RefundInMirakl { .. }
            | Action::ManualReview { .. }
    )
}

fn needs_bigcommerce(order: &MkOrder) -> bool {
    !matches!(
        order.order_state,
        MiraklOrderState::WaitingAcceptance | MiraklOrderState::Staging
    )
}

/// Adds a mirrored refund's product units to the restock ledger.
fn count_refunded_units(record: &mut OrderRecord, items: &[bigcommerce_api::orders::RefundItem]) {
    for i in items {
        if i.item_type == bigcommerce_api::orders::RefundItemType::Product
            && let Some(q) = i.quantity.filter(|q| *q > 0)
        {
            *record.restock_refunded.entry(i.item_id).or_default() += q;
        }
    }
}

/// `2 × SKU-1 (stock short: 0 of 2 on hand), …` for the summary and logs.
fn describe_short(lines: &[sync_core::lifecycle::ShortLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} × {} ({})", l.units, l.sku, l.why))
        .collect::<Vec<_>>()
        .join(", ")
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

/// The SKUs of `new`'s lines whose units Mirakl moved on its offers since `old` (the previous
/// version of the order, if any): Mirakl takes the units of a line from the offer when the
/// line is accepted (by this connector's OR21 or by the operator itself) and gives them back
/// when it is cancelled. What was last sent for those SKUs is then no longer what Mirakl
/// holds.
fn units_moved_by_mirakl(old: Option<&MkOrder>, new: &MkOrder) -> Vec<ShopSku> {
    let signal = |l: &mirakl_api::orders::OrderLine| {
        let taken = !matches!(
            l.order_line_state,
            MiraklOrderState::WaitingAcceptance | MiraklOrderState::Refused
        );
        let canceled = l.order_line_state == MiraklOrderState::Canceled;
        (taken, canceled, l.cancelations.len())
    };
    new.order_lines
        .iter()
        .filter(|l| {
            let now = signal(l);
            let before = old
                .and_then(|o| {
                    o.order_lines
                        .iter()
                        .find(|x| x.order_line_id == l.order_line_id)
                })
                .map(signal);
            (now.0 || now.1 || now.2 > 0) && before != Some(now)
        })
        .map(|l| l.offer_sku.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's OR11 example order (specs/mirakl/mirakl-mmp-seller-openapi.json, as saved in
    /// mirakl-api's fixtures), its one line set to `state` with `cancelations` cancelations.
    fn order(state: &str, cancelations: usize) -> MkOrder {
        let text = include_str!("../../mirakl-api/tests/fixtures/spec/OR11-response-200-0.json");
        let mut page: serde_json::Value = serde_json::from_str(text).unwrap();
        let o = &mut page["orders"][0];
        let line = &mut o["order_lines"][0];
        line["order_line_state"] = state.into();
        let one = line["cancelations"][0].clone();
        line["cancelations"] = vec![one; cancelations].into();
        serde_json::from_value(o.clone()).unwrap()
    }

    /// The first waiting order claims the units: deciding it does not count a later order
    /// still undecided, but does count one whose OR21 is in flight (its answer lost, or
    /// refused while an earlier OR21 may have gone through: Mirakl may have taken its units),
    /// and one accepted already. Offers count every open order.
    #[tokio::test]
    async fn a_later_order_counts_against_an_earlier_decision_once_its_or21_may_have_gone() {
        use crate::state::SqliteStore;
        let book = Arc::new(OrderBook::default());
        let store: Arc<dyn StateStore> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let mut first = order("WAITING_ACCEPTANCE", 0);
        first.order_state = MiraklOrderState::WaitingAcceptance;
        let mut later = first.clone();
        later.order_id = MiraklOrderId::new(format!("{}-B", first.order_id.as_str())).unwrap();
        later.created_date += time::Duration::minutes(1);
        let units = sync_core::orders::held_units(std::slice::from_ref(&first), |_| false);
        assert!(!units.is_empty());
        for o in [&first, &later] {
            lock(&book.book)
                .orders
                .insert(o.order_id.as_str().to_owned(), o.clone());
        }
        let members = [(book.clone(), store.clone())];
        let held = |except: Option<MiraklOrderId>| {
            let (members, book) = (&members, &book);
            async move {
                crate::fleet::held_among(members, book, except.as_ref(), None)
                    .await
                    .unwrap()
            }
        };
        // deciding the first: the later one, undecided, holds nothing yet
        assert!(held(Some(first.order_id.clone())).await.is_empty());
        // deciding the later one: the first holds its units
        assert_eq!(held(Some(later.order_id.clone())).await, units);
        // offers: both
        let both: BTreeMap<ShopSku, u64> = units.iter().map(|(k, v)| (k.clone(), v * 2)).collect();
        assert_eq!(held(None).await, both);
        // the later order's OR21 is in flight: it counts against the first
        let call = store
            .begin_call(CALL_ACCEPT, later.order_id.as_str(), "{}")
            .await
            .unwrap();
        assert_eq!(held(Some(first.order_id.clone())).await, units);
        // settled as sent: it still counts
        store.finish_call(call).await.unwrap();
        let record = OrderRecord {
            acceptance_sent: true,
            ..OrderRecord::default()
        };
        store
            .save_order(later.order_id.as_str(), &record, None)
            .await
            .unwrap();
        assert_eq!(held(Some(first.order_id.clone())).await, units);
    }

    #[test]
    fn mirakl_moves_units_when_a_line_is_accepted_or_cancelled() {
        let waiting = order("WAITING_ACCEPTANCE", 0);
        let accepted = order("WAITING_DEBIT", 0);
        let shipping = order("SHIPPING", 0);
        let sku = vec![ShopSku::new("S2000").unwrap()];
        // nothing taken while waiting, nor on a refusal
        assert!(units_moved_by_mirakl(None, &waiting).is_empty());
        assert!(units_moved_by_mirakl(Some(&waiting), &order("REFUSED", 0)).is_empty());
        // accepted, by this connector or by the operator (first seen accepted)
        assert_eq!(units_moved_by_mirakl(Some(&waiting), &accepted), sku);
        assert_eq!(units_moved_by_mirakl(None, &shipping), sku);
        // no move between accepted states
        assert!(units_moved_by_mirakl(Some(&accepted), &shipping).is_empty());
        assert!(units_moved_by_mirakl(Some(&shipping), &shipping).is_empty());
        // a cancelation gives units back, a whole-line cancel too
        assert_eq!(
            units_moved_by_mirakl(Some(&shipping), &order("SHIPPING", 1)),
            sku
        );
        assert_eq!(
            units_moved_by_mirakl(Some(&shipping), &order("CANCELED", 0)),
            sku
        );
    }
}
