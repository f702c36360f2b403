//! The scripted demo on the embedded sandboxes, shared by the `sync` binary (no arguments),
//! the end-to-end tests and the bench.
//!
//! [`Demo::start`] starts a BigCommerce store and a Mirakl operator on loopback with demo data
//! (the operator's clock runs `clock_scale` times faster, so its one-call-a-minute windows
//! last a second), the webhook receiver, the state store and the [`Connector`]. The script then
//! reconciles every offer, changes prices and stock in BigCommerce while the connector runs,
//! places marketplace orders (one of them for a SKU that just sold out, to be refused), ships
//! the created orders in BigCommerce, and [`Demo::verify`] checks that both sides agree.
//!
//! With [`DemoConfig::closed_catalog`] (the default) the operator only takes offers for
//! products it knows: the connector sends the catalog's products first (P41, mapped with
//! [`demo_product_rules`]) and their offers once they are integrated; the script then
//! creates two products in BigCommerce through the API, one that fits the operator's catalog
//! (it ends as a live offer) and one deliberately missing a required attribute (reported by
//! SKU and reason, never offered, and counted as an expected problem by the verdict).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bc_mirakl_api_core::secret::Secret;
use bigcommerce_api::{Client as BcClient, Credentials};
use mirakl_api::Client as MkClient;
use mirakl_api::ceilings::CallCeilings;
use rust_decimal::Decimal;
use sync_core::rules::SyncRules;
use sync_sandbox::bigcommerce::BigCommerceConfig;
use sync_sandbox::demo::DemoCatalog;
use sync_sandbox::mirakl::{Address, Customer, MiraklConfig, NewOrder, NewOrderLine, OfferSeed};
use sync_sandbox::{BigCommerceSandbox, FaultConfig, MiraklSandbox};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use bigcommerce_api::webhooks::WebhookEvent;
use sync_connector::metrics::{CallCounts, human};
use sync_connector::products::ProductSyncOptions;
use sync_connector::runner::{self, RunOptions};
use sync_connector::state::SqliteStore;
use sync_connector::webhooks;
use sync_connector::{Connector, ConnectorOptions, PlanSummary};
use sync_core::products::{AttributeRule, CategoryRule, FieldSource, ProductRules};

mod after;
pub use after::{
    AfterAcceptance, DEMO_BACK_OFFICE_REASON, DEMO_SHORTFALL_REASON, GivenBack, ScenarioCheck,
};

/// Settings of a demo or test run.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Demo catalog seed.
    pub seed: u64,
    /// Products.
    pub products: usize,
    /// Variants per product (1 = products without options).
    pub variants: usize,
    /// Share of requests faulted on both services (0.0–1.0).
    pub faults: f64,
    /// Operator clock speed-up (60: a Mirakl minute lasts a second).
    pub clock_scale: u32,
    /// Marketplace orders placed by the script (plus one that must be refused).
    pub orders: usize,
    /// SKUs whose price the script changes live.
    pub price_changes: usize,
    /// SKUs whose stock the script changes live.
    pub stock_changes: usize,
    /// Seed the operator with stale offers for this share of SKUs (to show updates).
    pub stale_share: f64,
    /// SQLite file (`None`: in memory).
    pub state_path: Option<PathBuf>,
    /// BigCommerce requests per 30 s window.
    pub bc_quota: u32,
    /// Give up waiting after this long.
    pub timeout: Duration,
    /// Closed operator catalog with product sync: the operator only takes offers for
    /// products it knows, so the connector first sends the catalog's products (P41), and the
    /// script creates two products in BigCommerce while the connector runs (one that fits
    /// the operator's catalog, one deliberately missing a required attribute).
    pub closed_catalog: bool,
    /// Multi-shipment on the platform (PC01 `features.shipment.multi_shipment`): each
    /// BigCommerce shipment becomes one Mirakl shipment (ST01) instead of OR23/OR24. Off by
    /// default; [`DemoConfig::full`] (what `sync` runs) turns it on.
    pub multi_shipment: bool,
    /// Run the after-acceptance scenarios (issue 14) in [`Demo::run_script`], with the
    /// `shortfall = cancel` rule (reason [`DEMO_SHORTFALL_REASON`]): one order shipped in two
    /// parcels (with [`multi_shipment`](Self::multi_shipment)), an order the operator accepted
    /// itself with a sold-out line, and a cancelation and a refund made on the Mirakl side.
    /// The verdict then requires each of them. Off by default; [`DemoConfig::full`] (what
    /// `sync` runs) turns it on.
    pub after_acceptance: bool,
    /// Where the operator's clock starts (default: now). With a sped-up clock its dates run
    /// ahead of real time; a start far enough in the past keeps them behind it for a run.
    pub operator_clock_start: Option<time::OffsetDateTime>,
}

impl DemoConfig {
    /// The whole demo `sync` runs without a configuration: the defaults with multi-shipment
    /// on and the after-acceptance scenarios.
    pub fn full() -> Self {
        DemoConfig {
            multi_shipment: true,
            after_acceptance: true,
            ..DemoConfig::default()
        }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 42,
            products: 120,
            variants: 3,
            faults: 0.0,
            clock_scale: 60,
            orders: 12,
            price_changes: 8,
            stock_changes: 8,
            stale_share: 0.3,
            state_path: None,
            bc_quota: 150,
            timeout: Duration::from_secs(120),
            closed_catalog: true,
            multi_shipment: false,
            after_acceptance: false,
            operator_clock_start: None,
        }
    }
}

/// A running demo: both sandboxes, the webhook receiver and the engine.
pub struct Demo {
    /// Settings.
    pub config: DemoConfig,
    /// The BigCommerce store.
    pub bc: BigCommerceSandbox,
    /// The Mirakl operator.
    pub mirakl: MiraklSandbox,
    /// The demo catalog loaded into the store.
    pub catalog: DemoCatalog,
    /// The state store.
    pub state: Arc<SqliteStore>,
    /// The rules used.
    pub rules: SyncRules,
    engine: Arc<Connector>,
    receiver: webhooks::Receiver,
    /// Where the receiver's events currently go (the running loop's channel).
    sink: Arc<std::sync::Mutex<Option<mpsc::UnboundedSender<WebhookEvent>>>>,
    forwarder: JoinHandle<()>,
    runner: Option<(JoinHandle<()>, watch::Sender<bool>)>,
    /// Live changes made by the script: SKU → when.
    pub changes: Vec<(String, Instant)>,
    /// Orders the script placed, with whether the script expects a refusal.
    pub placed: Vec<(String, bool)>,
    /// Products the script created in BigCommerce while the connector ran: SKU, and whether
    /// it fits the operator's catalog (`false`: deliberately broken, never offered).
    pub created_products: Vec<(String, bool)>,
    /// The orders and SKUs of the after-acceptance scenarios.
    pub after: AfterAcceptance,
    /// The configured reason codes, checked against the operator's list (RE01) at start.
    pub reason_codes: Vec<sync_connector::reasons::ConfiguredReason>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.forwarder.abort();
        if let Some((task, _)) = self.runner.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The product mapping of the demo onto the sandbox operator's default catalog: Kitchen →
/// `2010`, Bath → `2030`, Apparel → `1010` Womens Clothing (gender `UNISEX`, colour
/// `MULTI`, size from the `Size` option), everything else → `9010` General merchandise;
/// title, description (HTML stripped), brand, EAN, weight and main image. Each variant is
/// its own marketplace product (no variant group column), since most demo categories have
/// no variation axis.
pub fn demo_product_rules() -> ProductRules {
    let mut rules = ProductRules {
        default_category: Some("9010".into()),
        variant_group_column: String::new(),
        ..ProductRules::default()
    };
    for (path, code) in [("Kitchen", "2010"), ("Bath", "2030"), ("Apparel", "1010")] {
        rules.categories.push(CategoryRule {
            id: None,
            path: Some(path.into()),
            mirakl: code.into(),
        });
    }
    let mut description = AttributeRule::new("description", FieldSource::Description);
    description.strip_html = true;
    let mut weight = AttributeRule::new("weight-kg", FieldSource::Weight);
    weight.unit = Some(sync_core::products::Unit::Kg);
    rules.attributes = vec![
        AttributeRule::new("title", FieldSource::Name),
        description,
        AttributeRule::new("brand", FieldSource::Brand),
        AttributeRule::new("ean", FieldSource::Gtin),
        weight,
        AttributeRule::new("image-1", FieldSource::Image(1)),
        AttributeRule::new("gender", FieldSource::Constant("UNISEX".into())),
        AttributeRule::new("colour", FieldSource::Constant("MULTI".into())),
        AttributeRule::new("size", FieldSource::Option("Size".into())),
    ];
    rules
}

/// The sync rules of the demo: default rules, windows scaled to the operator clock, and the
/// product mapping of [`demo_product_rules`].
pub fn demo_rules(clock_scale: u32) -> SyncRules {
    let mut rules = SyncRules {
        products: demo_product_rules(),
        ..SyncRules::default()
    };
    let w = (60 / u64::from(clock_scale.max(1))).max(1);
    rules.windows.offers_secs = w;
    rules.windows.stock_secs = w;
    rules.windows.price_secs = w;
    rules.windows.quiet_secs = 0;
    rules.windows.max_wait_secs = 1;
    rules.stock.buffer_units = 1;
    rules.stock.max_quantity = Some(100);
    rules
}

/// Mirakl's enforced call ceilings, divided by `scale` (the sandbox clock's speed-up).
pub fn scaled_ceilings(scale: u32) -> CallCeilings {
    let mut c = CallCeilings::none();
    for (op, d) in CallCeilings::enforced_default().iter() {
        // 5% above the operator's window, so clock jitter does not hit its edge (a 429)
        c = c.with(op, d / scale.max(1) * 21 / 20);
    }
    c
}

/// Clients for the two sandboxes.
///
/// # Errors
/// The client builders' errors (as text).
pub fn sandbox_clients(
    bc: &BigCommerceSandbox,
    mirakl: &MiraklSandbox,
    clock_scale: u32,
) -> Result<(BcClient, MkClient), String> {
    let creds = Credentials::new(bc.store_hash(), bc.access_token()).map_err(|e| e.to_string())?;
    let bcc = BcClient::builder(creds)
        .base_url(bc.base_url().as_str())
        .map_err(|e| e.to_string())?
        .retry_policy(bc_mirakl_api_core::retry::RetryPolicy::fast(8))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let mkc = MkClient::builder(mirakl.base_url().as_str())
        .api_key(mirakl.api_key())
        .shop_id(Some(mirakl.shop_id()))
        .retry_policy(bc_mirakl_api_core::retry::RetryPolicy::fast(8))
        .timeout(Duration::from_secs(10))
        .ceilings(scaled_ceilings(clock_scale))
        .build()
        .map_err(|e| e.to_string())?;
    Ok((bcc, mkc))
}

/// The engine options for a sandbox whose clock runs `clock_scale` times faster.
pub fn sandbox_engine_options(clock_scale: u32) -> ConnectorOptions {
    let s = clock_scale.max(1);
    ConnectorOptions {
        dry_run: false,
        order_overlap: Duration::from_secs(300),
        first_order_lookback: Duration::from_secs(30 * 86_400),
        import_poll: Duration::from_secs(60) / s,
        import_max_polls: 120,
        bc_page_size: 250,
        mirakl_page_size: 100,
        shipment_recheck: Duration::from_secs(5),
        products: None,
        price_list_id: None,
        location_inventory: false,
        telemetry: None,
        order_channel: sync_connector::channel::OrderChannel::default(),
        messages: sync_connector::messages::MessageOptions {
            poll: Duration::from_secs(60) / s,
            ..sync_connector::messages::MessageOptions::default()
        },
    }
}

/// Product sync settings for a sandbox whose clock runs `clock_scale` times faster: P41
/// every 15 operator minutes (plus the 5% margin of [`scaled_ceilings`]), P42 once an operator
/// minute, H11/PM11/VL11 once an operator hour; offers wait for their products.
pub fn sandbox_product_options(clock_scale: u32) -> ProductSyncOptions {
    let s = clock_scale.max(1);
    ProductSyncOptions {
        import_interval: Duration::from_secs(15 * 60) / s * 21 / 20,
        operator_ttl: Duration::from_secs(3600) / s * 21 / 20,
        status_poll: Duration::from_secs(60) / s * 21 / 20,
        max_polls: 120,
        hold_offers: true,
    }
}

/// The engine options of a demo: [`sandbox_engine_options`], with product sync when the
/// operator catalog is closed.
pub fn demo_engine_options(config: &DemoConfig) -> ConnectorOptions {
    ConnectorOptions {
        products: config
            .closed_catalog
            .then(|| sandbox_product_options(config.clock_scale)),
        ..sandbox_engine_options(config.clock_scale)
    }
}

/// The loop intervals for a sandbox whose clock runs `clock_scale` times faster.
pub fn sandbox_run_options(clock_scale: u32) -> RunOptions {
    let s = clock_scale.max(1);
    RunOptions {
        order_poll: Duration::from_secs(60) / s,
        bigcommerce_poll: Some(Duration::from_secs(5)),
        full_reconcile: None,
        tick: Duration::from_millis(200),
        reconcile_on_start: true,
    }
}

fn customer(n: usize) -> Customer {
    let address = Address {
        firstname: "Ava".into(),
        lastname: format!("Nguyen{n}"),
        street_1: "1 George St".into(),
        city: "Sydney".into(),
        zip_code: "2000".into(),
        state: Some("NSW".into()),
        country: "Australia".into(),
        country_iso_code: "AUS".into(),
        phone: Some("0400000000".into()),
        ..Address::default()
    };
    Customer {
        customer_id: format!("demo-customer-{n}"),
        firstname: "Ava".into(),
        lastname: format!("Nguyen{n}"),
        civility: None,
        locale: Some("en_AU".into()),
        notification_email: format!("relay-{n}@marketplace.example"),
        shipping_address: address,
        billing_address: None,
    }
}

/// Final comparison of both sides.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Desired offers.
    pub desired: usize,
    /// Desired offers equal on Mirakl (price, discount, quantity).
    pub in_sync: usize,
    /// SKUs that differ, with what differs.
    pub mismatches: Vec<String>,
    /// Orders accepted (at least one line).
    pub accepted: Vec<String>,
    /// Orders refused.
    pub refused: Vec<String>,
    /// Accepted orders without exactly one BigCommerce order (id, count).
    pub order_count_errors: Vec<(String, usize)>,
    /// Orders with more than one BigCommerce order (duplicates).
    pub duplicates: Vec<String>,
    /// BigCommerce shipments not confirmed on Mirakl (order id).
    pub unconfirmed_shipments: Vec<String>,
    /// Quantities the operator applied (OF01/OF24/STO01, from its own history) above what the
    /// BigCommerce store could fill at that moment (SKU, applied, fillable), see
    /// [`oversold_quantities`]. Independent of the engine's own reads.
    pub oversold: Vec<(String, u64, i64)>,
    /// Orders whose OR23 tracking on Mirakl differs from the BigCommerce shipment (tracking
    /// number, carrier code or name as `sync_core::shipments::tracking` maps it), as text.
    pub tracking_mismatches: Vec<String>,
    /// Expected problems, left out of the comparison: SKUs whose product was rejected (by
    /// validation before upload, or by the operator's P44 report), with the reason. Their
    /// offers must not exist on the marketplace.
    pub expected_problems: Vec<String>,
    /// Rejected SKUs that nevertheless have an offer on the marketplace.
    pub offered_despite_rejection: Vec<String>,
    /// Requests that broke the official API contracts, as both sandboxes recorded them (one
    /// line each: service, operation, rule broken). Must be empty for "both sides agree".
    pub contract_violations: Vec<String>,
    /// The after-acceptance scenarios (split shipment, shortfall, Mirakl-side cancelation
    /// and refund), each required to have happened; empty when the demo ran without them.
    pub scenarios: Vec<ScenarioCheck>,
}

impl Verdict {
    /// Whether both sides agree and every guarantee holds.
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty()
            && self.order_count_errors.is_empty()
            && self.duplicates.is_empty()
            && self.unconfirmed_shipments.is_empty()
            && self.oversold.is_empty()
            && self.tracking_mismatches.is_empty()
            && self.offered_despite_rejection.is_empty()
            && self.contract_violations.is_empty()
            && self.scenarios.iter().all(|s| s.ok)
    }
}

/// The applied quantities above what the store could fill: `(SKU, applied, fillable)` for
/// every `(shop SKU, quantity the operator applied, units the store could fill then)` whose
/// quantity exceeds the fillable units (a negative fillable counts as 0; an unknown one,
/// `None`, means the store could fill nothing).
pub fn oversold_quantities<'a>(
    applied: impl IntoIterator<Item = (&'a str, u32, Option<i64>)>,
) -> Vec<(String, u64, i64)> {
    applied
        .into_iter()
        .filter_map(|(sku, quantity, fillable)| {
            let can = fillable.unwrap_or(0);
            (i64::from(quantity) > can.max(0)).then(|| (sku.to_owned(), u64::from(quantity), can))
        })
        .collect()
}

/// Whether the OR23 tracking Mirakl holds (`actual`) matches one of the `expected` trackings
/// (from the BigCommerce shipments): same tracking number, and the same carrier code when the
/// mapping gives one, else the same carrier name.
pub fn tracking_matches(
    expected: &[mirakl_api::orders::Tracking],
    actual: &mirakl_api::orders::Tracking,
) -> bool {
    expected.iter().any(|e| {
        e.tracking_number.is_some()
            && e.tracking_number == actual.tracking_number
            && match &e.carrier_code {
                Some(code) => actual.carrier_code.as_ref() == Some(code),
                None => e.carrier_name.is_some() && e.carrier_name == actual.carrier_name,
            }
    })
}

impl Demo {
    /// Starts both sandboxes with the demo catalog (the operator partly seeded with stale
    /// offers), the webhook receiver (registered with the store) and the engine.
    ///
    /// # Errors
    /// A sandbox, the receiver or a client could not start (as text).
    pub async fn start(config: DemoConfig) -> Result<Demo, String> {
        let faults = if config.faults > 0.0 {
            FaultConfig::uniform(config.seed, config.faults)
        } else {
            FaultConfig::none()
        };
        let bc = BigCommerceSandbox::start(BigCommerceConfig {
            faults: faults.clone(),
            rate_limit: sync_sandbox::bigcommerce::RateLimitConfig {
                quota: config.bc_quota,
                window: Duration::from_secs(30),
            },
            ..BigCommerceConfig::default()
        })
        .await
        .map_err(|e| format!("BigCommerce sandbox: {e}"))?;
        let catalog = DemoCatalog::generate(config.seed, config.products, config.variants);
        bc.load_demo(&catalog);
        let mirakl = MiraklSandbox::start(
            MiraklConfig {
                clock_scale: config.clock_scale,
                clock_start: config.operator_clock_start,
                faults: faults.with_seed(config.seed.wrapping_add(1)),
                open_catalog: !config.closed_catalog,
                multi_shipment: config.multi_shipment,
                ..MiraklConfig::default()
            }
            .with_published_ceilings(),
        )
        .await
        .map_err(|e| format!("Mirakl sandbox: {e}"))?;
        // part of the operator already holds offers, with stale prices and stock
        let skus = catalog.skus();
        let stale = (skus.len() as f64 * config.stale_share) as usize;
        let seeds: Vec<OfferSeed> = skus
            .iter()
            .take(stale)
            .map(|s| {
                let mut o = OfferSeed::from_demo(s);
                o.price += Decimal::ONE;
                o.quantity = o.quantity.saturating_add(3);
                o
            })
            .collect();
        mirakl.seed_offers(seeds);
        // every quantity the operator applies is checked against what the store can fill
        mirakl.set_fillable_probe(bc.fillable_probe());

        let state = Arc::new(
            match &config.state_path {
                Some(p) => SqliteStore::open(p),
                None => SqliteStore::open_in_memory(),
            }
            .map_err(|e| e.to_string())?,
        );
        let mut rules = demo_rules(config.clock_scale);
        if config.after_acceptance {
            rules.orders.shortfall = Some(sync_core::rules::ShortfallRule::Cancel);
            rules.orders.shortfall_reason = DEMO_SHORTFALL_REASON.into();
        }
        let (bcc, mkc) = sandbox_clients(&bc, &mirakl, config.clock_scale)?;
        let engine = Arc::new(Connector::new(
            bcc,
            mkc,
            state.clone(),
            rules.clone(),
            demo_engine_options(&config),
        ));
        // set-up: every reason code the rules may send is one the operator lists (RE01)
        let mut reason_codes = None;
        let mut last = String::new();
        for _ in 0..20 {
            match sync_connector::reasons::check_reason_codes(engine.mirakl(), &rules).await {
                Ok(codes) => {
                    reason_codes = Some(codes);
                    break;
                }
                Err(e @ sync_connector::reasons::ReasonCheckError::Unknown(_)) => {
                    return Err(format!("reason codes: {e}"));
                }
                Err(e) => last = e.to_string(),
            }
        }
        let reason_codes = reason_codes.ok_or(last)?;
        let secret = Secret::new(format!("demo-secret-{}", config.seed));
        let (tx, mut rx) = mpsc::unbounded_channel::<WebhookEvent>();
        let sink: Arc<std::sync::Mutex<Option<mpsc::UnboundedSender<WebhookEvent>>>> =
            Arc::new(std::sync::Mutex::new(None));
        let fwd = sink.clone();
        // the receiver outlives engine restarts: forward to whichever loop runs now
        let forwarder = tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                let target = fwd.lock().unwrap_or_else(|p| p.into_inner()).clone();
                if let Some(t) = target {
                    let _ = t.send(ev);
                }
            }
        });
        let receiver = webhooks::serve(
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            secret.clone(),
            tx,
        )
        .await
        .map_err(|e| format!("webhook receiver: {e}"))?;
        let destination = format!("http://{}{}", receiver.addr, webhooks::WEBHOOK_PATH);
        // registration goes through the faulty API too: retry until it is done
        let mut registered = false;
        for _ in 0..20 {
            if engine
                .register_webhooks(&destination, &secret)
                .await
                .is_ok()
            {
                registered = true;
                break;
            }
        }
        if !registered {
            tracing::warn!("webhooks not registered; relying on polling");
        }
        Ok(Demo {
            config,
            bc,
            mirakl,
            catalog,
            state,
            rules,
            engine,
            receiver,
            sink,
            forwarder,
            runner: None,
            changes: Vec::new(),
            placed: Vec::new(),
            created_products: Vec::new(),
            after: AfterAcceptance::default(),
            reason_codes,
        })
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Connector> {
        &self.engine
    }

    /// Replaces the engine by a fresh one on the same state file (what a process restart
    /// does: every in-memory cache is lost, only SQLite remains). Stops the loop first.
    ///
    /// # Errors
    /// A client could not be built, or the state file could not be opened.
    pub async fn restart_engine(&mut self) -> Result<(), String> {
        self.stop().await;
        if let Some(p) = &self.config.state_path {
            self.state = Arc::new(SqliteStore::open(p).map_err(|e| e.to_string())?);
        }
        let (bcc, mkc) = sandbox_clients(&self.bc, &self.mirakl, self.config.clock_scale)?;
        self.engine = Arc::new(Connector::new(
            bcc,
            mkc,
            self.state.clone(),
            self.rules.clone(),
            demo_engine_options(&self.config),
        ));
        Ok(())
    }

    /// Kills the running loop at once (like `kill -9`: no clean-up, whatever call is in
    /// flight is abandoned).
    pub fn kill(&mut self) {
        if let Some((task, _)) = self.runner.take() {
            task.abort();
        }
    }

    /// Full reconciliation (progress as `(read, total)` BigCommerce products).
    ///
    /// # Errors
    /// The engine's error, as text.
    pub async fn reconcile(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<PlanSummary, String> {
        // reads are retried by the clients; a whole-read failure is retried here
        let mut last = String::new();
        for _ in 0..10 {
            match self.engine.reconcile(progress).await {
                Ok(s) => return Ok(s),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    /// Starts the continuous loop in a task (with a start-up reconciliation, as after a
    /// restart).
    pub fn start_loop(&mut self) {
        self.start_loop_with(true);
    }

    /// Starts the continuous loop, with or without the start-up reconciliation.
    pub fn start_loop_with(&mut self, reconcile_on_start: bool) {
        if self.runner.is_some() {
            return;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        *self.sink.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(runner::run(
            self.engine.clone(),
            RunOptions {
                reconcile_on_start,
                ..sandbox_run_options(self.config.clock_scale)
            },
            rx,
            stop_rx,
        ));
        self.runner = Some((task, stop_tx));
    }

    /// Stops the loop gracefully.
    pub async fn stop(&mut self) {
        if let Some((task, stop)) = self.runner.take() {
            let _ = stop.send(true);
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }

    /// Changes prices and stock of a few SKUs in BigCommerce (webhooks fire).
    pub fn live_changes(&mut self, round: usize) {
        let skus = self.catalog.skus();
        let n = skus.len().max(1);
        for i in 0..self.config.price_changes {
            let s = &skus[(i * 7 + round * 13 + 1) % n];
            let (price, _) = self.bc.price(&s.sku).unwrap_or((s.price, None));
            let new = price + Decimal::new(150 + (i as i64) * 10, 2);
            if self.bc.set_price(&s.sku, new, None) {
                self.changes.push((s.sku.clone(), Instant::now()));
            }
        }
        for i in 0..self.config.stock_changes {
            let s = &skus[(i * 11 + round * 17 + 5) % n];
            let q = ((i * 3 + round) % 9) as i64 + 1;
            if self.bc.set_stock(&s.sku, q) {
                self.changes.push((s.sku.clone(), Instant::now()));
            }
        }
    }

    /// Places the scripted marketplace orders, plus one for a SKU that sold out in
    /// BigCommerce a moment earlier (the connector must refuse it).
    ///
    /// # Errors
    /// The sandbox refused an order (as text).
    pub fn place_orders(&mut self, round: usize) -> Result<(), String> {
        // in-stock SKUs only, so the orders can be accepted
        let catalog: Vec<(String, Decimal)> = self
            .catalog
            .skus()
            .into_iter()
            .filter(|s| self.bc.stock(&s.sku).unwrap_or(0) > 5)
            .filter(|s| self.mirakl.offer(&s.sku).is_some_and(|o| o.quantity > 3))
            .map(|s| (s.sku, s.selling_price))
            .collect();
        if catalog.is_empty() {
            return Err("no SKU with stock on both sides".into());
        }
        let ids = self
            .mirakl
            .create_scripted_orders(
                self.config.seed + round as u64,
                &catalog,
                self.config.orders,
            )
            .map_err(|e| e.to_string())?;
        self.placed.extend(ids.into_iter().map(|id| (id, false)));
        // a SKU that just sold out in the store; Mirakl still shows the old quantity
        let (sku, price) = catalog[(round * 5 + 3) % catalog.len()].clone();
        self.bc.set_stock(&sku, 0);
        let id = self
            .mirakl
            .create_order(NewOrder {
                customer: customer(round),
                lines: vec![NewOrderLine {
                    shop_sku: sku,
                    quantity: 2,
                    unit_price: price,
                    shipping_price: Decimal::new(995, 2),
                }],
                customer_reference: Some(format!("demo-sold-out-{round}")),
            })
            .map_err(|e| e.to_string())?;
        self.placed.push((id, true));
        Ok(())
    }

    /// Ships, in BigCommerce, every order the connector created there and that is not
    /// shipped yet, but the one [`AfterAcceptance::late`] leaves past its deadline. Returns
    /// how many were shipped.
    pub fn ship_created(&self) -> usize {
        let mut n = 0;
        for rec in self.state.orders().unwrap_or_default() {
            let Some(bid) = rec.bigcommerce_order_id() else {
                continue;
            };
            // the order the after-acceptance script leaves past its shipping deadline
            if self.after.late.as_deref() == Some(rec.mirakl_order_id.as_str()) {
                continue;
            }
            let Some(o) = self.bc.order(bid) else {
                continue;
            };
            if o.shipments.is_empty() && o.status_id != 5 {
                let tracking = format!("AP{bid:08}");
                if self.bc.ship_order(bid, &tracking, "auspost").is_some() {
                    n += 1;
                }
            }
        }
        n
    }

    /// After-sale traffic on the created orders: a customer writes on the first (the message
    /// must reach its BigCommerce order's staff notes, and the seller's reply Mirakl), and
    /// opens an incident on the first line of the last (noted on its BigCommerce order).
    ///
    /// # Errors
    /// The message or incident never reached BigCommerce, or the reply kept failing.
    pub async fn customer_care(&self) -> Result<(), String> {
        let created: Vec<String> = self
            .placed
            .iter()
            .filter(|(id, _)| self.bc.count_orders_by_external_id(id) >= 1)
            .map(|(id, _)| id.clone())
            .collect();
        let (Some(first), Some(last)) = (created.first(), created.last()) else {
            return Ok(());
        };
        let office = self.mirakl.back_office();
        office
            .customer_opens_thread(first, "Delivery", "Could this arrive before the weekend?")
            .map_err(|e| e.to_string())?;
        office
            .open_incident(&format!("{last}-1"), "14", "Item damaged on arrival")
            .map_err(|e| e.to_string())?;
        self.wait_for(
            "the customer message and the incident to reach BigCommerce",
            |d| {
                let a = d.engine.messages().attention();
                a.messages_copied >= 1 && a.incidents_noted >= 1
            },
        )
        .await?;
        let mut last_error = String::new();
        for _ in 0..20 {
            match self
                .engine
                .messages()
                .reply(first, "Yes, it ships today by express post.")
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("the reply to the customer failed: {last_error}"))
    }

    /// Mirakl state of an order.
    pub fn mirakl_state(&self, id: &str) -> Option<String> {
        self.mirakl.order(id).map(|o| o.state.as_str().to_owned())
    }

    /// Waits until `cond` holds (checked every 100 ms) or the configured timeout passes.
    ///
    /// # Errors
    /// The timeout passed first (the message names `what`).
    pub async fn wait_for(&self, what: &str, cond: impl Fn(&Demo) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + self.config.timeout;
        while !cond(self) {
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for {what}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Whether every placed order has left WAITING_ACCEPTANCE/WAITING_DEBIT and every order
    /// released to the shop exists in BigCommerce.
    pub fn orders_settled(&self) -> bool {
        self.placed
            .iter()
            .all(|(id, _)| match self.mirakl_state(id).as_deref() {
                Some("WAITING_ACCEPTANCE") | Some("WAITING_DEBIT") | None => false,
                Some("SHIPPING") => self.bc.count_orders_by_external_id(id) >= 1,
                _ => true,
            })
    }

    /// Whether every order created in BigCommerce and shipped there is SHIPPED on Mirakl.
    pub fn shipments_settled(&self) -> bool {
        self.placed.iter().all(|(id, _)| {
            let bc_ids = self.bc.orders_by_external_id(id);
            let shipped_in_bc = bc_ids
                .iter()
                .any(|b| self.bc.order(*b).is_some_and(|o| !o.shipments.is_empty()));
            !shipped_in_bc || self.mirakl_state(id).as_deref() == Some("SHIPPED")
        })
    }

    /// Compares both sides: desired offers (recomputed from BigCommerce now) against the
    /// operator's offers, orders against BigCommerce orders, shipments against Mirakl states and
    /// OR23 tracking, and every quantity the operator applied against what the store could fill
    /// at that moment (the sandboxes' own records, not the engine's reads).
    ///
    /// # Errors
    /// The catalog could not be read (as text).
    pub async fn verify(&self) -> Result<Verdict, String> {
        let mut v = Verdict {
            contract_violations: self
                .bc
                .contract_violations()
                .into_iter()
                .chain(self.mirakl.contract_violations())
                .map(|c| c.to_string())
                .collect(),
            ..Verdict::default()
        };
        let mut last = String::new();
        let mut desired = None;
        for _ in 0..10 {
            match self.engine.desired_offers(&|_, _| {}).await {
                Ok((d, _, _)) => {
                    desired = Some(d);
                    break;
                }
                Err(e) => last = e.to_string(),
            }
        }
        let desired = desired.ok_or(last)?;
        let rejected = self.engine.product_report().rejected;
        v.desired = desired.len();
        for (sku, d) in &desired {
            if let Some(r) = rejected.get(sku.as_str()) {
                v.desired -= 1;
                v.expected_problems
                    .push(format!("{}: {} ({})", sku.as_str(), r.reason, r.stage));
                if self.mirakl.offer(sku.as_str()).is_some() {
                    v.offered_despite_rejection.push(sku.as_str().to_owned());
                }
                continue;
            }
            let Some(o) = self.mirakl.offer(sku.as_str()) else {
                v.mismatches
                    .push(format!("{}: missing on Mirakl", sku.as_str()));
                continue;
            };
            let want_discount = d.content.discount.as_ref().map(|x| x.price);
            let mut diffs = Vec::new();
            if o.price != d.content.price {
                diffs.push(format!("price {} != {}", o.price, d.content.price));
            }
            if o.discount_price != want_discount {
                diffs.push(format!(
                    "discount {:?} != {:?}",
                    o.discount_price, want_discount
                ));
            }
            if u64::from(o.quantity) != d.content.quantity {
                diffs.push(format!("quantity {} != {}", o.quantity, d.content.quantity));
            }
            if diffs.is_empty() {
                v.in_sync += 1;
            } else {
                v.mismatches
                    .push(format!("{}: {}", sku.as_str(), diffs.join(", ")));
            }
        }
        let mut seen = BTreeSet::new();
        for (id, _) in &self.placed {
            if !seen.insert(id.clone()) {
                continue;
            }
            let count = self.bc.count_orders_by_external_id(id);
            if count > 1 {
                v.duplicates.push(id.clone());
            }
            let Some(o) = self.mirakl.order(id) else {
                continue;
            };
            let accepted = o
                .lines
                .iter()
                .any(|l| !matches!(l.state.as_str(), "REFUSED" | "WAITING_ACCEPTANCE"));
            if accepted {
                v.accepted.push(id.clone());
                let released = !matches!(o.state.as_str(), "WAITING_DEBIT" | "CANCELED");
                if released && count != 1 {
                    v.order_count_errors.push((id.clone(), count));
                }
            } else if o.state.as_str() == "REFUSED" {
                v.refused.push(id.clone());
                if count != 0 {
                    v.order_count_errors.push((id.clone(), count));
                }
            }
            let shipped_in_bc = self
                .bc
                .orders_by_external_id(id)
                .iter()
                .any(|b| self.bc.order(*b).is_some_and(|x| !x.shipments.is_empty()));
            if shipped_in_bc && o.state.as_str() != "SHIPPED" {
                v.unconfirmed_shipments.push(id.clone());
            }
            if shipped_in_bc && let Some(problem) = self.tracking_mismatch(id, &o) {
                v.tracking_mismatches.push(problem);
            }
        }
        v.scenarios = self.check_after_acceptance().await;
        let history = self.mirakl.quantity_history();
        v.oversold = oversold_quantities(
            history
                .iter()
                .map(|h| (h.shop_sku.as_str(), h.quantity, h.fillable)),
        );
        Ok(v)
    }

    /// Compares the OR23 tracking of Mirakl order `id` with the shipments of its BigCommerce
    /// order(s), mapped by `sync_core::shipments::tracking` under the demo's rules. `None` when
    /// one shipment matches (tracking number, and carrier code or else carrier name). When
    /// Mirakl holds shipments of the order (ST01, multi-shipment), every BigCommerce shipment
    /// must match one of them instead.
    fn tracking_mismatch(&self, id: &str, o: &sync_sandbox::mirakl::OrderView) -> Option<String> {
        let mut expected = Vec::new();
        for bid in self.bc.orders_by_external_id(id) {
            for value in self.bc.shipments_json(bid).unwrap_or_default() {
                match serde_json::from_value::<bigcommerce_api::orders::Shipment>(value) {
                    Ok(shipment) => expected.extend(sync_core::shipments::tracking(
                        &shipment,
                        &self.rules.shipments,
                    )),
                    Err(e) => return Some(format!("{id}: shipment of {bid} unreadable: {e}")),
                }
            }
        }
        let parcels: Vec<mirakl_api::orders::Tracking> = self
            .mirakl
            .shipments_json(id)
            .into_iter()
            .filter_map(|v| serde_json::from_value::<mirakl_api::shipments::st11::Data>(v).ok())
            .filter_map(|s| s.tracking)
            .map(|t| mirakl_api::orders::Tracking {
                carrier_code: t.carrier_code,
                carrier_name: t.carrier_name,
                tracking_number: t.tracking_number,
                ..Default::default()
            })
            .collect();
        if !parcels.is_empty() {
            let unmatched: Vec<_> = expected
                .iter()
                .filter(|e| {
                    !parcels
                        .iter()
                        .any(|p| tracking_matches(std::slice::from_ref(*e), p))
                })
                .map(|e| (&e.tracking_number, &e.carrier_code, &e.carrier_name))
                .collect();
            return (!unmatched.is_empty()).then(|| {
                format!(
                    "{id}: BigCommerce shipments {unmatched:?} have no Mirakl shipment (ST11 has {:?})",
                    parcels
                        .iter()
                        .map(|t| (&t.tracking_number, &t.carrier_code, &t.carrier_name))
                        .collect::<Vec<_>>()
                )
            });
        }
        let actual = mirakl_api::orders::Tracking {
            carrier_code: o.carrier_code.clone(),
            carrier_name: o.carrier_name.clone(),
            tracking_number: o.tracking_number.clone(),
            ..Default::default()
        };
        if tracking_matches(&expected, &actual) {
            None
        } else {
            Some(format!(
                "{id}: Mirakl has number {:?} code {:?} name {:?}, BigCommerce shipments map to {:?}",
                actual.tracking_number,
                actual.carrier_code,
                actual.carrier_name,
                expected
                    .iter()
                    .map(|t| (&t.tracking_number, &t.carrier_code, &t.carrier_name))
                    .collect::<Vec<_>>()
            ))
        }
    }

    /// Latency from each live change to the moment the operator shows the new value
    /// (checked from the operator side, independent of the engine's own bookkeeping).
    pub fn observed_latencies(&self, applied: &BTreeMap<String, Instant>) -> Vec<Duration> {
        self.changes
            .iter()
            .filter_map(|(sku, at)| applied.get(sku).map(|t| t.saturating_duration_since(*at)))
            .collect()
    }

    /// A readable summary.
    pub fn summary(&self, verdict: &Verdict, plan: Option<&PlanSummary>, wall: Duration) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "\n=== sync demo summary ({} wall) ===", human(wall));
        if let Some(p) = plan {
            let _ = writeln!(
                out,
                "full reconciliation: {} new, {} changed, {} unchanged, {} removed, {} problems, {} held until their product is on the marketplace; batches {:?}",
                p.new, p.changed, p.unchanged, p.removed, p.problems, p.held, p.batches
            );
        }
        let _ = writeln!(
            out,
            "offers in sync: {}/{}{}",
            verdict.in_sync,
            verdict.desired,
            if verdict.mismatches.is_empty() {
                String::new()
            } else {
                format!(" — mismatches: {}", verdict.mismatches.join("; "))
            }
        );
        if self.engine.products_enabled() {
            let r = self.engine.product_report();
            let _ = writeln!(
                out,
                "products (P41): {} imports, {} rows sent, {} integrated, {} rejected by the operator; {} marketplace products from this shop",
                r.imports,
                r.rows_sent,
                r.rows_accepted,
                r.rows_rejected,
                self.mirakl.integrated_products().len()
            );
            for (sku, ok) in &self.created_products {
                let offer = self.mirakl.offer(sku);
                let _ = writeln!(
                    out,
                    "  created in BigCommerce during the demo: {sku} ({}) -> {}",
                    if *ok {
                        "fits the catalog"
                    } else {
                        "deliberately broken"
                    },
                    match (&offer, r.rejected.get(sku)) {
                        (Some(o), _) => format!("live offer at {} x{}", o.price, o.quantity),
                        (None, Some(why)) => format!("not offered: {}", why.reason),
                        (None, None) => "not offered yet".to_owned(),
                    }
                );
            }
            if !r.held_offers.is_empty() {
                let some: Vec<&str> = r.held_offers.iter().take(5).map(String::as_str).collect();
                let _ = writeln!(
                    out,
                    "  offers held until their product is on the marketplace: {} ({}{})",
                    r.held_offers.len(),
                    some.join(", "),
                    if r.held_offers.len() > 5 { ", …" } else { "" }
                );
            }
            if !verdict.expected_problems.is_empty() {
                let _ = writeln!(
                    out,
                    "expected problems (rejected products, excluded from the comparison):"
                );
                for p in &verdict.expected_problems {
                    let _ = writeln!(out, "  {p}");
                }
            }
        }
        self.engine.with_counters(|s| {
            if s.problems.is_empty() {
                let _ = writeln!(out, "problems per SKU: none");
            } else {
                let _ = writeln!(out, "problems per SKU ({}):", s.problems.len());
                for (sku, why) in s.problems.iter().take(20) {
                    let _ = writeln!(out, "  {sku}: {why}");
                }
            }
            let _ = writeln!(
                out,
                "orders: {} accepted, {} refused, {} created in BigCommerce ({} recovered by look-up), {} shipped",
                s.accepted.len(),
                s.refused.len(),
                s.created.len(),
                s.recovered.len(),
                s.shipped.len()
            );
            if s.mirakl_shipments > 0 {
                let _ = writeln!(
                    out,
                    "parcels sent as Mirakl shipments (ST01, multi-shipment): {}",
                    s.mirakl_shipments
                );
            }
            if !s.shortfalls.is_empty() {
                let _ = writeln!(out, "shortfalls (lines BigCommerce cannot fill): {:?}", s.shortfalls);
            }
            if s.restocked_units > 0 {
                let _ = writeln!(
                    out,
                    "units restocked in BigCommerce for Mirakl refunds/cancelations: {}",
                    s.restocked_units
                );
            }
            if !s.manual_review.is_empty() {
                let _ = writeln!(out, "manual review: {:?}", s.manual_review);
            }
            if !s.order_failures.is_empty() {
                let _ = writeln!(out, "order actions refused: {:?}", s.order_failures);
            }
            let _ = writeln!(
                out,
                "offer lines applied: {} ({} rejected); imports {:?}",
                s.offer_lines_applied, s.offer_lines_rejected, s.imports
            );
        });
        let _ = writeln!(
            out,
            "marketplace channel: {}",
            match self.engine.order_channel_id() {
                Some(id) => format!("orders created in BigCommerce channel {id}"),
                None => "not set up (no order created)".to_owned(),
            }
        );
        let a = self.engine.messages().attention();
        let _ = writeln!(
            out,
            "messages: {} copied to BigCommerce staff notes, {} replies sent, {} orders' messages waiting for their BigCommerce order",
            a.messages_copied,
            a.replies,
            a.messages_waiting.len()
        );
        let _ = writeln!(
            out,
            "incidents open: {} ({} noted on BigCommerce orders){}",
            a.incidents.len(),
            a.incidents_noted,
            a.incidents
                .iter()
                .take(5)
                .map(|i| format!(
                    "; {} {}: {}",
                    i.order_line_id,
                    i.sku,
                    i.reason_label.as_deref().unwrap_or("no reason")
                ))
                .collect::<String>()
        );
        let past = a.deadlines.iter().filter(|d| d.past).count();
        let _ = writeln!(
            out,
            "deadlines: {} near, {} past{}",
            a.deadlines.len() - past,
            past,
            a.deadlines
                .iter()
                .take(5)
                .map(|d| format!(
                    "; {} {} {} {}",
                    d.order_id,
                    d.kind,
                    if d.past { "was due" } else { "due" },
                    d.due
                ))
                .collect::<String>()
        );
        let _ = writeln!(
            out,
            "reason codes checked against the operator's list (RE01): {}",
            self.reason_codes
                .iter()
                .map(|c| format!(
                    "{} ({} for {})",
                    c.code,
                    c.used_for.reason_type(),
                    c.setting
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !verdict.scenarios.is_empty() {
            let _ = writeln!(out, "after acceptance (each required):");
            for c in &verdict.scenarios {
                let _ = writeln!(
                    out,
                    "  {}: {} — {}",
                    c.name,
                    if c.ok { "ok" } else { "NOT DONE" },
                    c.detail
                );
            }
        }
        let bc = CallCounts::from_pairs(self.engine.bigcommerce().call_counts());
        let mk = CallCounts::from_pairs(self.engine.mirakl().call_counts());
        let _ = writeln!(
            out,
            "API calls: BigCommerce {}, Mirakl {}",
            bc.total(),
            mk.total()
        );
        for (name, c) in [("BigCommerce", &bc), ("Mirakl", &mk)] {
            for (ep, n) in &c.per_endpoint {
                let _ = writeln!(out, "  {name:11} {n:6}  {ep}");
            }
        }
        let l = self.engine.latencies();
        match (l.percentile(50.0), l.percentile(99.0)) {
            (Some(p50), Some(p99)) => {
                let _ = writeln!(
                    out,
                    "change-to-marketplace latency ({} changes): p50 {}, p99 {}",
                    l.len(),
                    human(p50),
                    human(p99)
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "change-to-marketplace latency: no live change measured"
                );
            }
        }
        let _ = writeln!(
            out,
            "guarantees: duplicates {:?}, order count errors {:?}, unconfirmed shipments {:?}, tracking mismatches {:?}, oversold {:?}, rejected products offered {:?}",
            verdict.duplicates,
            verdict.order_count_errors,
            verdict.unconfirmed_shipments,
            verdict.tracking_mismatches,
            verdict.oversold,
            verdict.offered_despite_rejection
        );
        let _ = writeln!(
            out,
            "contract violations (requests the official API documents reject, both sandboxes): {}",
            verdict.contract_violations.len()
        );
        for c in verdict.contract_violations.iter().take(10) {
            let _ = writeln!(out, "  {c}");
        }
        let _ = writeln!(
            out,
            "result: {}",
            if verdict.ok() {
                "both sides agree"
            } else {
                "MISMATCH"
            }
        );
        out
    }

    /// Creates a product in BigCommerce through the API (webhooks fire), retrying while the
    /// store answers with (injected) faults. Returns its product id.
    ///
    /// # Errors
    /// Every attempt failed (as text).
    pub async fn create_product(
        &self,
        product: &bigcommerce_api::catalog::NewProduct,
    ) -> Result<u64, String> {
        let mut last = String::new();
        for _ in 0..20 {
            match self.engine.bigcommerce().products().create(product).await {
                Ok(p) => return Ok(p.id.0),
                Err(e) => last = e.to_string(),
            }
            // a create that was applied but whose answer was lost must not be repeated
            if let Some(id) = product.sku.as_deref().and_then(|s| self.bc.product_id(s)) {
                return Ok(id);
            }
        }
        Err(last)
    }

    /// A category or brand id by name, read through the API.
    async fn category_id(&self, name: &str) -> Result<Option<u64>, String> {
        let mut last = String::new();
        for _ in 0..20 {
            match self.engine.bigcommerce().categories().list().all().await {
                Ok(c) => return Ok(c.iter().find(|c| c.name == name).map(|c| c.id.0)),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    /// Creates, while the connector runs, one product that fits the operator's catalog
    /// (`NEW-00001`, General merchandise) and one deliberately broken one (`NEW-BROKEN-1`,
    /// Apparel without the `Size` option the operator requires for clothing).
    ///
    /// # Errors
    /// The store refused a product (as text).
    pub async fn create_products(&mut self) -> Result<(), String> {
        use bigcommerce_api::catalog::{InventoryTracking, NewProduct};
        let outdoor = self.category_id("Outdoor").await?;
        let apparel = match self.category_id("Apparel").await? {
            Some(id) => Some(id),
            // a small demo catalog may have no clothing: create the category
            None => {
                let body = serde_json::json!({"name": "Apparel", "parent_id": 0});
                let created = self
                    .engine
                    .bigcommerce()
                    .raw(bigcommerce_api::Method::POST, "v3/catalog/categories")
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                serde_json::from_slice::<serde_json::Value>(&created.body)
                    .ok()
                    .and_then(|v| v["data"]["id"].as_u64())
            }
        };
        if apparel.is_none() {
            return Err("no Apparel category for the broken product".into());
        }
        let base = |name: &str, sku: &str, gtin: &str, category: Option<u64>| NewProduct {
            sku: Some(sku.into()),
            description: Some(format!("<p>{name}, new this season.</p>")),
            categories: category.into_iter().collect(),
            inventory_tracking: Some(InventoryTracking::Product),
            inventory_level: Some(40),
            is_visible: Some(true),
            gtin: Some(sync_sandbox::demo::with_check_digit(gtin)),
            ..NewProduct::new(name, Decimal::new(850, 3), Decimal::new(4995, 2))
        };
        let good = base(
            "Tasman Trail Picnic Rug (new)",
            "NEW-00001",
            "939900000001",
            outdoor,
        );
        let broken = base(
            "Coral Lane Rain Jacket (new, no size)",
            "NEW-BROKEN-1",
            "939900000002",
            apparel,
        );
        for (p, ok) in [(good, true), (broken, false)] {
            self.create_product(&p).await?;
            if let Some(sku) = p.sku {
                self.created_products.push((sku, ok));
            }
        }
        Ok(())
    }

    /// Whether every SKU of the demo catalog whose product was not rejected has an offer on
    /// the marketplace.
    pub fn catalog_offered(&self) -> bool {
        let rejected = self.engine.product_report().rejected;
        self.catalog
            .skus()
            .iter()
            .filter(|s| !rejected.contains_key(&s.sku))
            .all(|s| self.mirakl.offer(&s.sku).is_some())
    }

    /// Whether every product created during the demo is either offered (when it fits the
    /// catalog) or reported as rejected (when broken).
    pub fn created_products_settled(&self) -> bool {
        let rejected = self.engine.product_report().rejected;
        self.created_products.iter().all(|(sku, ok)| {
            if *ok {
                self.mirakl.offer(sku).is_some()
            } else {
                rejected.contains_key(sku)
            }
        })
    }

    /// The webhook receiver's address.
    pub fn receiver_addr(&self) -> std::net::SocketAddr {
        self.receiver.addr
    }

    /// Runs the whole script: reconcile, loop, live changes, orders, shipments, settle,
    /// verify. `progress` receives `(read, total)` during the full reconciliation.
    ///
    /// # Errors
    /// A step timed out or a sandbox refused an order (as text).
    pub async fn run_script(
        &mut self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(PlanSummary, Verdict), String> {
        let plan = self.reconcile(progress).await?;
        self.start_loop_with(false);
        if self.config.closed_catalog {
            self.wait_for(
                "the catalog's products to reach the marketplace and get offers",
                Demo::catalog_offered,
            )
            .await?;
            // new products while the connector runs: they wait for the next P41 window
            self.create_products().await?;
        }
        self.live_changes(0);
        self.place_orders(0)?;
        let after = self.config.after_acceptance;
        if after {
            self.place_after_acceptance_orders()?;
        }
        self.wait_for("orders to be decided and created", Demo::orders_settled)
            .await?;
        self.customer_care().await?;
        if after {
            self.mirakl_side_cancelation().await?;
            self.shipping_deadline_passes().await?;
        }
        self.live_changes(1);
        if after {
            self.ship_parcels().await?;
        }
        self.ship_created();
        self.wait_for("shipments to reach Mirakl", |d| {
            d.ship_created();
            d.shipments_settled()
        })
        .await?;
        if after {
            self.mirakl_side_refund().await?;
        }
        if self.config.closed_catalog {
            self.wait_for(
                "the products created during the demo to be offered or reported",
                Demo::created_products_settled,
            )
            .await?;
        }
        self.settle().await?;
        self.stop().await;
        let verdict = self.verify().await?;
        Ok((plan, verdict))
    }

    /// Waits until the engine has nothing left to send and the operator matches the
    /// desired offers (or the timeout passes, leaving the verdict to tell).
    ///
    /// # Errors
    /// Never in practice; kept for symmetry with the other waits.
    pub async fn settle(&self) -> Result<(), String> {
        let deadline = Instant::now() + self.config.timeout;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if self.engine.is_idle() && self.engine.products_idle() {
                if let Ok(v) = self.verify().await
                    && v.mismatches.is_empty()
                {
                    return Ok(());
                }
                // something still differs: ask for another look at everything
                self.engine.mark_dirty(sync_core::coalesce::DirtyKey::All);
            }
            if Instant::now() > deadline {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirakl_api::orders::Tracking;

    #[test]
    fn oversold_quantities_flags_what_the_store_could_not_fill() {
        let history = [
            ("A", 5, Some(5)),
            ("B", 6, Some(5)),
            ("C", 0, Some(-2)),
            ("D", 1, Some(-2)),
            ("E", 1, None),
            ("F", 0, None),
        ];
        assert_eq!(
            oversold_quantities(history),
            vec![
                ("B".to_owned(), 6, 5),
                ("D".to_owned(), 1, -2),
                ("E".to_owned(), 1, 0)
            ]
        );
        assert!(oversold_quantities([("A", 3, Some(3))]).is_empty());
    }

    #[test]
    fn tracking_matches_by_number_and_code_else_name() {
        let by_name = Tracking {
            carrier_name: Some("Australia Post".into()),
            tracking_number: Some("AP1".into()),
            ..Default::default()
        };
        let by_code = Tracking {
            carrier_code: Some("AUSPOST".into()),
            tracking_number: Some("AP2".into()),
            ..Default::default()
        };
        let expected = [by_name.clone(), by_code.clone()];
        assert!(tracking_matches(&expected, &by_name));
        let coded_on_mirakl = Tracking {
            carrier_name: Some("Australia Post (label)".into()),
            ..by_code.clone()
        };
        assert!(tracking_matches(&expected, &coded_on_mirakl));
        let wrong_number = Tracking {
            tracking_number: Some("AP9".into()),
            ..by_name.clone()
        };
        assert!(!tracking_matches(&expected, &wrong_number));
        let wrong_name = Tracking {
            carrier_name: Some("DHL".into()),
            ..by_name.clone()
        };
        assert!(!tracking_matches(&expected, &wrong_name));
        let wrong_code = Tracking {
            carrier_code: Some("DHL".into()),
            ..by_code
        };
        assert!(!tracking_matches(&expected, &wrong_code));
        assert!(!tracking_matches(&[], &by_name));
    }
}
