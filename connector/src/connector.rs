//! [`Connector`]: one connection's flows wired together over two clients and a state store.

use std::sync::Arc;
use std::time::Duration;

use bigcommerce_api::Client as BcClient;
use bigcommerce_api::webhooks::WebhookEvent;
use mirakl_api::Client as MkClient;
use sync_core::ShopSku;
use sync_core::catalog::Catalog;
use sync_core::coalesce::DirtyKey;
use sync_core::offers::{DesiredOffer, OfferProblem};
use sync_core::rules::SyncRules;

use crate::catalog::CatalogReader;
use crate::context::Shared;
use crate::error::Result;
use crate::metrics::{Counters, Latencies};
use crate::offers::{OffersFlow, PlanSummary};
use crate::orders::{OrderBook, OrdersFlow};
use crate::products::{Listing, ProductReport, ProductStep, ProductSyncOptions, ProductsFlow};
use crate::state::StateStore;

/// Settings beyond the rules.
#[derive(Debug, Clone)]
pub struct ConnectorOptions {
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
    /// Call metrics and flow progress shared with the clients' observers (see
    /// [`crate::observe`]); `None`: the connector keeps its own.
    pub telemetry: Option<Arc<crate::observe::Telemetry>>,
    /// The BigCommerce channel marketplace orders are created in (default: the marketplace
    /// channel [`crate::channel::DEFAULT_CHANNEL_NAME`], found or created at set-up).
    pub order_channel: crate::channel::OrderChannel,
    /// Messages, incidents and deadlines (see [`crate::messages`]).
    pub messages: crate::messages::MessageOptions,
}

impl Default for ConnectorOptions {
    fn default() -> Self {
        ConnectorOptions {
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
            telemetry: None,
            order_channel: crate::channel::OrderChannel::default(),
            messages: crate::messages::MessageOptions::default(),
        }
    }
}

/// One connection: the [`OffersFlow`], [`OrdersFlow`] and [`ProductsFlow`] over two clients
/// and a [`StateStore`]. Cheap to share (`Arc`); every method takes `&self`. Each flow owns
/// its state behind its own lock, so steps of different flows run concurrently (see
/// [`crate::runner`]); the methods here are the flows' steps and what the runner, the tools
/// and the summary need.
pub struct Connector {
    shared: Arc<Shared>,
    offers: Arc<OffersFlow>,
    orders: OrdersFlow,
    products: ProductsFlow,
    messages: crate::messages::MessagesFlow,
    telemetry: Arc<crate::observe::Telemetry>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("dry_run", &self.shared.opts.dry_run)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// A connector over two clients, a state store and the rules.
    pub fn new(
        bc: BcClient,
        mirakl: MkClient,
        store: Arc<dyn StateStore>,
        rules: SyncRules,
        opts: ConnectorOptions,
    ) -> Connector {
        Connector::with_ledger(bc, mirakl, store, rules, opts, None)
    }

    /// A connector whose shop shares `ledger` (one stock pool, one stock gate) with the
    /// other shops of the same BigCommerce store on other marketplaces: units held by open
    /// orders of any of them are held back from every one's offers (see
    /// [`crate::fleet::StockLedger`]). `None`: the same as [`Connector::new`].
    pub fn with_ledger(
        bc: BcClient,
        mirakl: MkClient,
        store: Arc<dyn StateStore>,
        rules: SyncRules,
        opts: ConnectorOptions,
        ledger: Option<Arc<crate::fleet::StockLedger>>,
    ) -> Connector {
        let hold_offers = opts.products.as_ref().is_some_and(|p| p.hold_offers);
        let telemetry = opts.telemetry.clone().unwrap_or_default();
        let shared = Arc::new(Shared::new(bc, mirakl, store, rules, opts, ledger));
        let book = Arc::new(OrderBook::default());
        let catalog = Arc::new(CatalogReader::new(shared.clone(), book.clone()));
        let listing = Arc::new(Listing::new(hold_offers));
        let offers = Arc::new(OffersFlow::new(
            shared.clone(),
            catalog.clone(),
            listing.clone(),
        ));
        let orders = OrdersFlow::new(shared.clone(), catalog, book, offers.clone());
        let products = ProductsFlow::new(shared.clone(), listing, offers.clone());
        let messages = crate::messages::MessagesFlow::new(shared.clone());
        if let Some(l) = &shared.ledger {
            l.join(orders.book(), shared.store.clone(), &offers);
        }
        Connector {
            messages,
            shared,
            offers,
            orders,
            products,
            telemetry,
        }
    }

    /// The offers flow.
    pub fn offers(&self) -> &OffersFlow {
        &self.offers
    }

    /// The orders flow.
    pub fn orders(&self) -> &OrdersFlow {
        &self.orders
    }

    /// The products flow.
    pub fn products(&self) -> &ProductsFlow {
        &self.products
    }

    /// The messages, incidents and deadlines step.
    pub fn messages(&self) -> &crate::messages::MessagesFlow {
        &self.messages
    }

    /// The BigCommerce client.
    pub fn bigcommerce(&self) -> &BcClient {
        &self.shared.bc
    }

    /// The Mirakl client.
    pub fn mirakl(&self) -> &MkClient {
        &self.shared.mirakl
    }

    /// The state store.
    pub fn store(&self) -> &Arc<dyn StateStore> {
        &self.shared.store
    }

    /// The rules.
    pub fn rules(&self) -> &SyncRules {
        &self.shared.rules
    }

    /// Call metrics and flow progress (see [`crate::observe`]).
    pub fn telemetry(&self) -> &Arc<crate::observe::Telemetry> {
        &self.telemetry
    }

    /// Runs `f` over the counters.
    pub fn with_counters<R>(&self, f: impl FnOnce(&Counters) -> R) -> R {
        f(&self.shared.counters())
    }

    /// Change-to-marketplace latencies (dirty seen → Mirakl import complete).
    pub fn latencies(&self) -> &Latencies {
        self.offers.latencies()
    }

    // ------------------------------------------------------------------ changes in

    /// Marks a BigCommerce change (webhook or poll) as dirty: offers, and for product
    /// changes the next product sync check.
    pub fn mark_dirty(&self, key: DirtyKey) {
        if matches!(key, DirtyKey::All | DirtyKey::Product(_)) {
            self.products.mark_dirty();
        }
        self.offers.mark(key);
    }

    /// Marks a webhook event dirty (offer-relevant scopes only). Returns how many keys.
    pub fn mark_event(&self, event: &WebhookEvent) -> usize {
        let keys = sync_core::coalesce::dirty_keys(event);
        for k in &keys {
            self.mark_dirty(*k);
        }
        keys.len()
    }

    /// Fallback for missed webhooks (see [`OffersFlow::poll_bigcommerce`]); changed products
    /// are also due a product sync check. Returns how many products were marked.
    ///
    /// # Errors
    /// [`crate::Error::BigCommerce`] when the list cannot be read.
    pub async fn poll_bigcommerce(&self) -> Result<usize> {
        let marked = self.offers.poll_bigcommerce().await?;
        if !marked.is_empty() {
            self.products.mark_dirty();
        }
        Ok(marked.len())
    }

    // ------------------------------------------------------------------ offers

    /// See [`OffersFlow::reconcile`].
    ///
    /// # Errors
    /// As [`OffersFlow::reconcile`].
    pub async fn reconcile(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<PlanSummary> {
        self.offers.reconcile(progress).await
    }

    /// Checks, before anything is sent, that the store's prices can be published on the
    /// marketplace's tax basis: reads `/v2/store` (`is_price_entered_with_tax`) and applies
    /// [`sync_core::pricing::check_tax_basis`] with the rules `price.marketplace_tax_basis` and
    /// `price.store_tax_rate_percent`. The inner `Ok` is the conversion to apply (`None`: none
    /// needed, or the store does not say and the rules name no basis); the inner `Err` is why
    /// the connector must not start, naming the settings.
    ///
    /// # Errors
    /// [`crate::Error::BigCommerce`] when `/v2/store` cannot be read.
    pub async fn check_tax_basis(
        &self,
    ) -> Result<
        std::result::Result<
            Option<sync_core::pricing::TaxBasisConversion>,
            sync_core::pricing::TaxBasisError,
        >,
    > {
        let price = &self.shared.rules.price;
        if price.marketplace_tax_basis.is_none() {
            return Ok(Ok(None));
        }
        let info = self.shared.bc.store().info().await?;
        match info.prices_entered_with_tax() {
            Some(with_tax) => Ok(sync_core::pricing::check_tax_basis(price, with_tax)),
            None => {
                tracing::warn!(
                    "/v2/store does not say whether prices are entered with tax; the rules' price.marketplace_tax_basis is not checked"
                );
                Ok(Ok(None))
            }
        }
    }

    /// See [`OffersFlow::desired_offers`].
    ///
    /// # Errors
    /// As [`OffersFlow::desired_offers`].
    pub async fn desired_offers(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(
        std::collections::BTreeMap<ShopSku, DesiredOffer>,
        Vec<OfferProblem>,
        Catalog,
    )> {
        self.offers.desired_offers(progress).await
    }

    /// See [`OffersFlow::process_dirty`].
    ///
    /// # Errors
    /// As [`OffersFlow::process_dirty`].
    pub async fn process_dirty(&self) -> Result<usize> {
        self.offers.process_dirty().await
    }

    /// See [`OffersFlow::flush`].
    pub async fn flush(&self) -> usize {
        self.offers.flush().await
    }

    /// Whether the offers flow has nothing waiting.
    pub fn is_idle(&self) -> bool {
        self.offers.is_idle()
    }

    // ------------------------------------------------------------------ orders

    /// See [`OrdersFlow::poll_orders`].
    ///
    /// # Errors
    /// As [`OrdersFlow::poll_orders`].
    pub async fn poll_orders(&self) -> Result<usize> {
        self.orders.poll_orders().await
    }

    /// See [`OrdersFlow::step_bigcommerce_order`].
    ///
    /// # Errors
    /// As [`OrdersFlow::step_order`].
    pub async fn step_bigcommerce_order(&self, id: u64, fetch_if_settled: bool) -> Result<bool> {
        self.orders
            .step_bigcommerce_order(id, fetch_if_settled)
            .await
    }

    /// See [`OrdersFlow::in_flight_on_start`].
    ///
    /// # Errors
    /// A store error.
    pub async fn in_flight_on_start(&self) -> Result<usize> {
        self.orders.in_flight_on_start().await
    }

    // ------------------------------------------------------------------ products

    /// Whether product sync is on.
    pub fn products_enabled(&self) -> bool {
        self.products.enabled()
    }

    /// Whether product sync has nothing running or due.
    pub fn products_idle(&self) -> bool {
        self.products.is_idle()
    }

    /// See [`ProductsFlow::report`].
    pub fn product_report(&self) -> ProductReport {
        self.products.report()
    }

    /// See [`ProductsFlow::sync_products`].
    ///
    /// # Errors
    /// As [`ProductsFlow::sync_products`].
    pub async fn sync_products(&self) -> Result<ProductStep> {
        self.products.sync_products().await
    }

    /// See [`ProductsFlow::sync_products_until_idle`].
    ///
    /// # Errors
    /// As [`ProductsFlow::sync_products_until_idle`].
    pub async fn sync_products_until_idle(&self, max: Duration) -> Result<ProductStep> {
        self.products.sync_products_until_idle(max).await
    }

    // ------------------------------------------------------------------ set-up

    /// Settles the BigCommerce channel marketplace orders are created in (see
    /// [`crate::channel`]): the configured id, or the marketplace channel found by type,
    /// platform and name, created only when none exists. Done once per process; order creation
    /// does it on first use when set-up has not.
    ///
    /// # Errors
    /// [`crate::Error::BigCommerce`] when the channels cannot be read or the create fails.
    pub async fn setup_order_channel(&self) -> Result<crate::channel::ChannelSetup> {
        self.shared.order_channel().await
    }

    /// The channel marketplace orders go to, once settled (`None` before the first set-up or
    /// order creation).
    pub fn order_channel_id(&self) -> Option<u64> {
        self.shared.order_channel.get().map(|c| c.channel_id)
    }

    /// Registers the connector's webhooks on `destination` (idempotent: existing hooks with
    /// the same scope and destination are kept).
    ///
    /// # Errors
    /// [`crate::Error::BigCommerce`].
    pub async fn register_webhooks(
        &self,
        destination: &str,
        secret: &bc_mirakl_api_core::secret::Secret,
    ) -> Result<usize> {
        use bigcommerce_api::webhooks::{WebhookRequest, WebhookScope};
        let bc = &self.shared.bc;
        let existing = bc.webhooks().list().all().await?;
        let mut created = 0;
        for scope in crate::webhooks::SCOPES {
            let have = existing
                .iter()
                .any(|h| h.scope.as_str() == scope && h.destination == destination);
            if have {
                continue;
            }
            if self.shared.dry_run() {
                println!("would register webhook {scope} → {destination}");
                continue;
            }
            let req = WebhookRequest::new(WebhookScope::from(scope), destination)
                .header(crate::webhooks::SECRET_HEADER, secret.expose());
            bc.webhooks().create(&req).await?;
            created += 1;
        }
        Ok(created)
    }
}
