//! The Mirakl operator stand-in: a stateful, in-process HTTP server that speaks the seller
//! (shop) API of Mirakl's MMP as `specs/mirakl/mirakl-mmp-seller-openapi.json` describes it.
//!
//! It keeps offers, asynchronous imports (OF01/OF24, STO01, PRI01, P41) with their statuses
//! and CSV error reports, asynchronous offer exports (OF52–OF54), an operator catalog
//! structure ([`OperatorCatalog`], served by H11/PM11/VL11, configurable with
//! [`MiraklConfig::catalog`] or [`MiraklSandbox::set_operator_catalog`]), the operator's
//! products, and orders moving through the real lifecycle:
//! `WAITING_ACCEPTANCE` → OR21 → `WAITING_DEBIT` → (automatic debit) `SHIPPING` → OR23 + OR24 →
//! `SHIPPED`, with auto-refusal after the acceptance deadline. Time runs on a scaled clock that
//! tests can also move forward ([`MiraklSandbox::advance_clock`]); whatever falls due (an
//! import finishing, a debit, an auto-refusal) is applied at its due time, as seen by the next
//! request or handle call.
//!
//! Every request goes through [`crate::faults`] (fault injection and the request log, see
//! [`MiraklSandbox::faults`]), then auth (the raw key in `Authorization`; wrong key → 401 with
//! `{"status":401,"message":"Unauthorized"}`), the optional `shop_id` check and the call
//! ceilings ([`MiraklConfig::ceilings`]; 429 with `Retry-After` in real seconds).
//!
//! P41 product files (`;`-separated, a header of attribute codes) are checked line by line
//! against the catalog structure when the import is processed: unknown or non-leaf
//! category, missing `REQUIRED` attribute, value outside its value list, wrong type
//! (`INTEGER`, `DECIMAL`, `BOOLEAN`, `DATE`), media that is not an absolute `http(s)` URL,
//! invalid GTIN, SKU repeated in the file, identifier owned by another product, two variants
//! of one group with the same variant values. P42 counts the lines (`transform_lines_*`,
//! `integration_details`); P44 returns the rejected lines with their original columns plus
//! `errors` and `warnings` (messages `code|text`, separated by `, `). Integrated products can
//! carry offers by `SHOP_SKU` or by identifier (`EAN`); with
//! [`open_catalog`](MiraklConfig::open_catalog) `false`, offers for any other product are
//! rejected ("The product does not exist").
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use sync_sandbox::mirakl::{MiraklConfig, MiraklSandbox};
//! let sandbox = MiraklSandbox::start(MiraklConfig::default()).await?;
//! println!("{} key={}", sandbox.base_url(), sandbox.api_key());
//! # Ok(()) }
//! ```

mod backoffice;
mod catalog;
mod clock;
mod imports;
mod limits;
mod messages;
mod offers;
mod operator;
mod orders;
mod reasons;
mod routes;
mod script;
mod shipments;
pub use reasons::{Reason, default_reasons};
mod state;
mod wire;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::contract::{Checker, ContractChecking, ContractLog, ContractViolation, Service};
use crate::faults::{FaultConfig, Faults, RequestLog};

pub use backoffice::{MiraklBackOffice, MoneyBack};
pub use limits::{Ceiling, OF52_FULL, published_ceilings};
pub use messages::{Sender, Thread, ThreadMessage};
pub use operator::{
    AttributeKind, AttributeRole, CatalogAttribute, Category, ListValue, OperatorCatalog,
    Requirement, ValueList,
};
pub use script::OrderScript;

use clock::Clock;
use limits::Limiter;
use state::State;

/// How the sandbox operator behaves. Start from [`MiraklConfig::default`] and change fields.
#[derive(Clone)]
pub struct MiraklConfig {
    /// The shop API key clients must send raw in `Authorization`.
    pub api_key: String,
    /// The shop's id (`shop_id` query parameter, A01).
    pub shop_id: u64,
    /// The shop's name (A01).
    pub shop_name: String,
    /// Currency of offers and orders (ISO 4217).
    pub currency: String,
    /// Sandbox time at start; `None` = the real current time.
    pub clock_start: Option<OffsetDateTime>,
    /// How many times faster than real time the sandbox clock runs (1 = real time).
    pub clock_scale: u32,
    /// How long an import stays `WAITING` (sandbox time).
    pub import_wait: Duration,
    /// How long an import stays `RUNNING` before it is `COMPLETE` (sandbox time).
    pub import_run: Duration,
    /// Time to accept an order before the operator refuses it automatically.
    pub acceptance_delay: Duration,
    /// Time between acceptance and the customer debit that moves the order to `SHIPPING`.
    pub debit_delay: Duration,
    /// Debit automatically after [`debit_delay`](Self::debit_delay); when `false` only
    /// [`MiraklSandbox::trigger_debit`] debits.
    pub auto_debit: bool,
    /// Whether OR21 may accept some lines and refuse others.
    pub partial_acceptance: bool,
    /// When `true`, an offer for an unknown product reference creates the product; when
    /// `false`, offers must match [`products`](Self::products) or a P41 import.
    pub open_catalog: bool,
    /// Products the operator catalog starts with.
    pub products: Vec<CatalogProduct>,
    /// The catalog structure (H11 categories, PM11 attributes, VL11 value lists) that P41
    /// product lines are checked against; changeable later with
    /// [`MiraklSandbox::set_operator_catalog`].
    pub catalog: OperatorCatalog,
    /// Whether STO01 stock imports are enabled (PC01 `features.offer_stock_import`).
    pub stock_import_enabled: bool,
    /// Whether PRI01 price imports are enabled (PC01 `features.offer_pricing_import`).
    pub price_import_enabled: bool,
    /// PC01 `disable_seller_alternative_carrier`: OR23 then needs a carrier code from SH21.
    pub disable_alternative_carrier: bool,
    /// PC01 `features.shipment.multi_shipment`: sellers may create several shipments per
    /// order (ST01).
    pub multi_shipment: bool,
    /// The operator's reason list (RE01); default [`default_reasons`].
    pub reasons: Vec<Reason>,
    /// Tax rate in percent included in order prices (GST: 10).
    pub tax_rate: Decimal,
    /// Operator commission in percent of the line price.
    pub commission_rate: Decimal,
    /// Shipping price shown on offers (`min_shipping_price`).
    pub shipping_price: Decimal,
    /// Default lead time to ship, in days.
    pub leadtime_to_ship: u32,
    /// Call ceilings per operation code (`"OF24"`, `"OR11"`, …). Empty = no ceilings.
    pub ceilings: BTreeMap<String, Ceiling>,
    /// Fault injection at start (changeable later through [`MiraklSandbox::faults`]).
    pub faults: FaultConfig,
    /// Whether every request is checked against the contracts derived from the official
    /// documents (default: [`ContractChecking::Enforce`]; see [`crate::contract`]).
    pub contracts: ContractChecking,
}

impl Default for MiraklConfig {
    fn default() -> Self {
        Self {
            api_key: "sandbox-mirakl-shop-key".into(),
            shop_id: 2001,
            shop_name: "Sandbox Shop".into(),
            currency: "AUD".into(),
            clock_start: None,
            clock_scale: 1,
            import_wait: Duration::from_millis(50),
            import_run: Duration::from_millis(50),
            acceptance_delay: Duration::from_secs(24 * 3600),
            debit_delay: Duration::from_millis(100),
            auto_debit: true,
            partial_acceptance: true,
            open_catalog: true,
            products: Vec::new(),
            catalog: OperatorCatalog::default(),
            stock_import_enabled: true,
            price_import_enabled: true,
            disable_alternative_carrier: false,
            multi_shipment: false,
            reasons: default_reasons(),
            tax_rate: Decimal::TEN,
            commission_rate: Decimal::TEN,
            shipping_price: Decimal::new(995, 2),
            leadtime_to_ship: 2,
            ceilings: BTreeMap::new(),
            faults: FaultConfig::default(),
            contracts: ContractChecking::Enforce,
        }
    }
}

impl MiraklConfig {
    /// Enables the call ceilings Mirakl publishes (see [`published_ceilings`]).
    pub fn with_published_ceilings(mut self) -> Self {
        self.ceilings = published_ceilings();
        self
    }

    /// Uses this catalog structure (H11/PM11/VL11 and P41 checks).
    pub fn with_catalog(mut self, catalog: OperatorCatalog) -> Self {
        self.catalog = catalog;
        self
    }

    /// Sets one operation's ceiling.
    pub fn with_ceiling(mut self, operation: &str, ceiling: Ceiling) -> Self {
        self.ceilings.insert(operation.to_owned(), ceiling);
        self
    }
}

impl fmt::Debug for MiraklConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiraklConfig")
            .field("api_key", &"<redacted>")
            .field("shop_id", &self.shop_id)
            .field("currency", &self.currency)
            .field("clock_scale", &self.clock_scale)
            .field("import_wait", &self.import_wait)
            .field("import_run", &self.import_run)
            .field("acceptance_delay", &self.acceptance_delay)
            .field("debit_delay", &self.debit_delay)
            .field("auto_debit", &self.auto_debit)
            .field("open_catalog", &self.open_catalog)
            .field("products", &self.products.len())
            .field("catalog_categories", &self.catalog.hierarchies.len())
            .field("catalog_attributes", &self.catalog.attributes.len())
            .field("ceilings", &self.ceilings)
            .finish_non_exhaustive()
    }
}

/// A product of the operator catalog, for [`MiraklConfig::products`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProduct {
    /// The shop's SKU for the product (reference type `SHOP_SKU`).
    pub shop_sku: String,
    /// GTIN/EAN, when known (reference type `EAN`).
    pub ean: Option<String>,
    /// Title.
    pub title: String,
    /// Brand.
    pub brand: Option<String>,
}

impl CatalogProduct {
    fn to_product(&self) -> offers::Product {
        let mut references = vec![("SHOP_SKU".to_owned(), self.shop_sku.clone())];
        if let Some(ean) = &self.ean {
            references.push(("EAN".into(), ean.clone()));
        }
        let (code, label) = catalog::DEFAULT_CATEGORY;
        offers::Product {
            sku: format!("MKP-{}", self.shop_sku),
            title: self.title.clone(),
            category_code: code.into(),
            category_label: label.into(),
            brand: self.brand.clone(),
            references,
            attributes: BTreeMap::new(),
            import_id: None,
        }
    }
}

/// Errors of the sandbox's own (non-HTTP) methods.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The server could not bind its socket.
    #[error("cannot start the Mirakl sandbox: {0}")]
    Bind(#[from] std::io::Error),
    /// No offer has this shop SKU.
    #[error("no offer with shop SKU {0}")]
    UnknownOffer(String),
    /// No order has this id.
    #[error("no order {0}")]
    UnknownOrder(String),
    /// The order request is not valid.
    #[error("invalid order: {0}")]
    InvalidOrder(String),
    /// The order is not in a state that allows the action.
    #[error("order {order_id} is in state {state}")]
    InvalidState {
        /// The order.
        order_id: String,
        /// Its current state.
        state: String,
    },
}

/// Order and order-line states, as Mirakl names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderState {
    /// Waiting for the shop to accept or refuse (OR21).
    WaitingAcceptance,
    /// Accepted, waiting for the customer debit.
    WaitingDebit,
    /// Debited: to ship (OR23 + OR24).
    Shipping,
    /// Shipped.
    Shipped,
    /// Received by the customer.
    Received,
    /// Closed.
    Closed,
    /// Refused by the shop or automatically after the acceptance deadline.
    Refused,
    /// Canceled.
    Canceled,
    /// Line state: fully refunded.
    Refunded,
}

impl OrderState {
    /// The Mirakl code, e.g. `WAITING_ACCEPTANCE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WaitingAcceptance => "WAITING_ACCEPTANCE",
            Self::WaitingDebit => "WAITING_DEBIT",
            Self::Shipping => "SHIPPING",
            Self::Shipped => "SHIPPED",
            Self::Received => "RECEIVED",
            Self::Closed => "CLOSED",
            Self::Refused => "REFUSED",
            Self::Canceled => "CANCELED",
            Self::Refunded => "REFUNDED",
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A postal address. `country_iso_code` is ISO 3166-1 alpha-3 (`AUS`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Company.
    pub company: Option<String>,
    /// Street, first line.
    pub street_1: String,
    /// Street, second line.
    pub street_2: Option<String>,
    /// City.
    pub city: String,
    /// Postcode.
    pub zip_code: String,
    /// State or region.
    pub state: Option<String>,
    /// Country name.
    pub country: String,
    /// ISO 3166-1 alpha-3 country code.
    pub country_iso_code: String,
    /// Phone.
    pub phone: Option<String>,
    /// Delivery instructions.
    pub additional_info: Option<String>,
}

/// The customer of a marketplace order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Customer {
    /// Operator's customer id.
    pub customer_id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Civility (`MR`, `MRS`, …).
    pub civility: Option<String>,
    /// Locale (`en_AU`).
    pub locale: Option<String>,
    /// The relay address Mirakl shows as `customer_notification_email`.
    pub notification_email: String,
    /// Shipping address (released to the shop from `SHIPPING` on).
    pub shipping_address: Address,
    /// Billing address; the shipping address when `None`.
    pub billing_address: Option<Address>,
}

/// One line of a [`NewOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderLine {
    /// The offer's shop SKU.
    pub shop_sku: String,
    /// Units ordered.
    pub quantity: u32,
    /// Unit price paid, tax included.
    pub unit_price: Decimal,
    /// Shipping price of the line.
    pub shipping_price: Decimal,
}

/// A marketplace order placed by a customer, for [`MiraklSandbox::create_order`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The customer.
    pub customer: Customer,
    /// The lines (at least one).
    pub lines: Vec<NewOrderLine>,
    /// The customer's own reference (`order_reference_for_customer`).
    pub customer_reference: Option<String>,
}

/// A snapshot of an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OfferView {
    /// Operator's offer id.
    pub offer_id: u64,
    /// Shop SKU.
    pub shop_sku: String,
    /// Operator's product SKU.
    pub product_sku: String,
    /// Price (before discount).
    pub price: Decimal,
    /// Discount price, if any.
    pub discount_price: Option<Decimal>,
    /// Quantity available.
    pub quantity: u32,
    /// Offer condition code.
    pub state_code: String,
    /// Description.
    pub description: String,
    /// Lead time to ship, in days.
    pub leadtime_to_ship: Option<u32>,
    /// Logistic class code.
    pub logistic_class: Option<String>,
    /// Last change.
    pub last_updated: OffsetDateTime,
}

/// One offer quantity the operator applied from a shop import (OF01, OF24 or STO01), with
/// what the shop's store could fill at that moment when a [`FillableProbe`] is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QuantityApplied {
    /// Shop SKU.
    pub shop_sku: String,
    /// The offer's quantity once the line was applied.
    pub quantity: u32,
    /// `OF01`, `OF24` or `STO01`.
    pub operation: &'static str,
    /// The import that carried it.
    pub import_id: u64,
    /// Sandbox time of the application.
    pub at: OffsetDateTime,
    /// `(order id, units)` of accepted, not yet shipped lines of this SKU (`WAITING_DEBIT` or
    /// `SHIPPING`) at that moment.
    pub open_orders: Vec<(String, u32)>,
    /// What the probe answered (units the store could fill), `None` without a probe or for a
    /// SKU the probe does not know.
    pub fillable: Option<i64>,
}

/// A snapshot taken by the operator each time it applies an offer quantity: given the shop
/// SKU and the open accepted orders of that SKU (`(order id, units)`), returns how many units
/// the shop's store can fill right now. Called under the operator's lock: it must not call back
/// into this sandbox.
#[derive(Clone)]
pub struct FillableProbe(pub Arc<FillableFn>);

/// The function behind a [`FillableProbe`]: `(shop SKU, open orders) -> fillable units`.
pub type FillableFn = dyn Fn(&str, &[(String, u32)]) -> Option<i64> + Send + Sync;

impl fmt::Debug for FillableProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FillableProbe")
    }
}

/// A snapshot of an order line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderLineView {
    /// Line id.
    pub order_line_id: String,
    /// Offer shop SKU.
    pub shop_sku: String,
    /// Units.
    pub quantity: u32,
    /// Unit price.
    pub unit_price: Decimal,
    /// Line state.
    pub state: OrderState,
    /// Units refunded so far.
    pub refunded_quantity: u32,
}

/// A snapshot of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrderView {
    /// Order id.
    pub order_id: String,
    /// Commercial id.
    pub commercial_id: String,
    /// Order state.
    pub state: OrderState,
    /// Lines.
    pub lines: Vec<OrderLineView>,
    /// When the operator refuses the order if it is still not accepted.
    pub acceptance_deadline: OffsetDateTime,
    /// When the customer was debited.
    pub customer_debited_date: Option<OffsetDateTime>,
    /// Carrier code set by OR23.
    pub carrier_code: Option<String>,
    /// Tracking number set by OR23.
    pub tracking_number: Option<String>,
    /// Carrier name set by OR23 (the carrier's label when a code was sent).
    pub carrier_name: Option<String>,
    /// Carrier tracking URL set by OR23 (built from the carrier's template for a code).
    pub carrier_url: Option<String>,
    /// Seller reference set by OR04.
    pub reference_for_seller: Option<String>,
    /// Last change.
    pub last_updated: OffsetDateTime,
}

/// A snapshot of a product of the operator catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProductView {
    /// The operator's product SKU (what offers show as `product_sku`).
    pub product_sku: String,
    /// The shop's SKU for the product (reference `SHOP_SKU`), when known.
    pub shop_sku: Option<String>,
    /// Title.
    pub title: String,
    /// Category code.
    pub category_code: String,
    /// Category label.
    pub category_label: String,
    /// Brand.
    pub brand: Option<String>,
    /// `(reference type, reference)` pairs an offer can name it by (`SHOP_SKU`, `EAN`, …).
    pub references: Vec<(String, String)>,
    /// Attribute values from its P41 import, by attribute code in lower case.
    pub attributes: BTreeMap<String, String>,
    /// The P41 import that last integrated it; `None` for products from the configuration,
    /// seeded offers or the open catalog.
    pub import_id: Option<u64>,
}

fn product_view(p: &offers::Product) -> ProductView {
    ProductView {
        product_sku: p.sku.clone(),
        shop_sku: p
            .references
            .iter()
            .find(|(kind, _)| kind == "SHOP_SKU")
            .map(|(_, v)| v.clone()),
        title: p.title.clone(),
        category_code: p.category_code.clone(),
        category_label: p.category_label.clone(),
        brand: p.brand.clone(),
        references: p.references.clone(),
        attributes: p.attributes.clone(),
        import_id: p.import_id,
    }
}

/// One offer to put straight into the sandbox (tests, demo), without going through an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferSeed {
    /// Shop SKU.
    pub shop_sku: String,
    /// Product reference (`EAN`), when known.
    pub ean: Option<String>,
    /// Product title.
    pub title: String,
    /// Price.
    pub price: Decimal,
    /// Quantity.
    pub quantity: u32,
}

impl OfferSeed {
    /// The offer for one SKU of the demo catalog: its GTIN, selling price (sale price when
    /// there is one) and stock (negative stock counts as 0).
    pub fn from_demo(sku: &crate::demo::DemoSku) -> Self {
        OfferSeed {
            shop_sku: sku.sku.clone(),
            ean: Some(sku.gtin.clone()),
            title: sku.product_name.clone(),
            price: sku.selling_price,
            quantity: u32::try_from(sku.stock.max(0)).unwrap_or(u32::MAX),
        }
    }
}

/// `(shop SKU, selling price)` of every SKU of a demo catalog, the input of
/// [`OrderScript`] and [`MiraklSandbox::create_scripted_orders`].
pub fn order_catalog(catalog: &crate::demo::DemoCatalog) -> Vec<(String, Decimal)> {
    catalog
        .skus()
        .into_iter()
        .map(|s| (s.sku, s.selling_price))
        .collect()
}

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) clock: Clock,
    pub(crate) limiter: Mutex<Limiter>,
}

impl Shared {
    /// Locks the state after catching up with the clock.
    pub(crate) fn lock(&self) -> (MutexGuard<'_, State>, OffsetDateTime) {
        let now = self.clock.now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.tick(now);
        (state, now)
    }
}

/// A running Mirakl operator stand-in. Dropping it stops the server.
pub struct MiraklSandbox {
    server: crate::Server,
    shared: Arc<Shared>,
    faults: Faults,
    contracts: ContractLog,
    api_key: String,
    shop_id: u64,
}

impl fmt::Debug for MiraklSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiraklSandbox")
            .field("addr", &self.server.addr())
            .field("shop_id", &self.shop_id)
            .finish_non_exhaustive()
    }
}

impl MiraklSandbox {
    /// Starts the operator on `127.0.0.1` with a free port, in the current tokio runtime.
    ///
    /// # Errors
    /// [`SandboxError::Bind`] if the socket cannot be bound.
    pub async fn start(config: MiraklConfig) -> Result<Self, SandboxError> {
        Self::start_on(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts the operator on `addr` (port 0 = a free port), in the current tokio runtime.
    ///
    /// # Errors
    /// [`SandboxError::Bind`] if the socket cannot be bound.
    pub async fn start_on(
        addr: std::net::SocketAddr,
        config: MiraklConfig,
    ) -> Result<Self, SandboxError> {
        let start = config.clock_start.unwrap_or_else(OffsetDateTime::now_utc);
        let clock = Clock::new(start, config.clock_scale);
        let faults = Faults::new(config.faults.clone());
        let api_key = config.api_key.clone();
        let shop_id = config.shop_id;
        let contracts = ContractLog::default();
        let checker = Checker::new(Service::Mirakl, contracts.clone(), config.contracts);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(config)),
            clock,
            limiter: Mutex::new(Limiter::default()),
        });
        let router = crate::contract::admin_router(contracts.clone()).merge(crate::faults::apply(
            routes::router(shared.clone(), checker),
            faults.clone(),
        ));
        let server = crate::serve_on(addr, router).await?;
        shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .base_url = server.base_url().to_string();
        Ok(Self {
            server,
            shared,
            faults,
            contracts,
            api_key,
            shop_id,
        })
    }

    /// Every request so far that broke the contract derived from the official documents
    /// (see [`crate::contract`]); empty when all requests conformed.
    pub fn contract_violations(&self) -> Vec<ContractViolation> {
        self.contracts.violations()
    }

    /// The live contract-violation log (count, clear).
    pub fn contract_log(&self) -> &ContractLog {
        &self.contracts
    }

    /// `http://127.0.0.1:PORT/`; clients append `api/...`.
    pub fn base_url(&self) -> url::Url {
        self.server.base_url()
    }

    /// The shop API key to send in `Authorization`.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The shop id.
    pub fn shop_id(&self) -> u64 {
        self.shop_id
    }

    /// Fault injection switches (shared with the running server).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every request received, countable per endpoint.
    pub fn request_log(&self) -> &RequestLog {
        self.faults.log()
    }

    /// The sandbox clock's current time.
    pub fn now(&self) -> OffsetDateTime {
        self.shared.clock.now()
    }

    /// Moves the sandbox clock forward and applies whatever became due (imports, debits,
    /// auto-refusals).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
        drop(self.shared.lock());
    }

    /// Moves the clock past the processing time of imports and exports submitted so far, so
    /// they are all `COMPLETE`.
    pub fn finish_imports(&self) {
        let (wait, run) = {
            let (state, _) = self.shared.lock();
            (state.config.import_wait, state.config.import_run)
        };
        self.advance_clock(wait + run);
    }

    /// Puts offers straight into the shop (no import), creating their products.
    pub fn seed_offers(&self, seeds: impl IntoIterator<Item = OfferSeed>) {
        let (mut state, now) = self.shared.lock();
        for seed in seeds {
            state.seed_offer(seed, now);
        }
    }

    /// Puts one offer per SKU of a demo catalog into the shop (see [`OfferSeed::from_demo`]);
    /// returns how many.
    pub fn seed_demo(&self, catalog: &crate::demo::DemoCatalog) -> usize {
        let seeds: Vec<OfferSeed> = catalog.skus().iter().map(OfferSeed::from_demo).collect();
        let count = seeds.len();
        self.seed_offers(seeds);
        count
    }

    /// All offers, by shop SKU.
    pub fn offers(&self) -> Vec<OfferView> {
        let (state, _) = self.shared.lock();
        state.offers.values().map(offer_view).collect()
    }

    /// One offer by shop SKU.
    pub fn offer(&self, shop_sku: &str) -> Option<OfferView> {
        let (state, _) = self.shared.lock();
        state.offers.get(shop_sku).map(offer_view)
    }

    /// Every offer quantity applied from shop imports so far, oldest first.
    pub fn quantity_history(&self) -> Vec<QuantityApplied> {
        let (state, _) = self.shared.lock();
        state.quantity_history.clone()
    }

    /// Installs the probe that snapshots, at each applied quantity, what the shop's store can
    /// fill (see [`QuantityApplied::fillable`]).
    pub fn set_fillable_probe(&self, probe: FillableProbe) {
        let (mut state, _) = self.shared.lock();
        state.fillable_probe = Some(probe);
    }

    /// Places a marketplace order (state `WAITING_ACCEPTANCE`) and returns its id.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOffer`] when a line names no offer; [`SandboxError::InvalidOrder`]
    /// for an order without lines or a line with quantity 0.
    pub fn create_order(&self, order: NewOrder) -> Result<String, SandboxError> {
        let (mut state, now) = self.shared.lock();
        state.create_order(order, now)
    }

    /// Places a marketplace order that the operator accepts for the shop at once (automatic
    /// acceptance, as Westfield does when the published stock allows): the order goes to
    /// `WAITING_DEBIT` without the shop's OR21, in one step, so no OR11 read sees it waiting
    /// for acceptance. Returns its id.
    ///
    /// # Errors
    /// As [`create_order`](Self::create_order); [`SandboxError::InvalidOrder`] when the
    /// acceptance fails.
    pub fn create_auto_accepted_order(&self, order: NewOrder) -> Result<String, SandboxError> {
        let (mut state, now) = self.shared.lock();
        let id = state.create_order(order, now)?;
        let lines: Vec<(String, bool)> = state
            .orders
            .get(&id)
            .map(|o| o.lines.iter().map(|l| (l.id.clone(), true)).collect())
            .unwrap_or_default();
        state
            .accept(&id, &lines, now)
            .map_err(|e| SandboxError::InvalidOrder(e.message))?;
        Ok(id)
    }

    /// The ST01 shipments of an order, in the ST11 JSON shape (oldest first).
    pub fn shipments_json(&self, order_id: &str) -> Vec<serde_json::Value> {
        let (state, _) = self.shared.lock();
        let mut list: Vec<&shipments::Shipment> = state
            .shipments
            .values()
            .filter(|s| s.order_id == order_id)
            .collect();
        list.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        list.into_iter().map(shipments::Shipment::json).collect()
    }

    /// Places `count` orders from a deterministic script over `catalog` (`(shop SKU, unit
    /// price)` pairs) seeded with `seed`; returns their ids.
    ///
    /// # Errors
    /// As [`create_order`](Self::create_order); also [`SandboxError::InvalidOrder`] for an
    /// empty catalog.
    pub fn create_scripted_orders(
        &self,
        seed: u64,
        catalog: &[(String, Decimal)],
        count: usize,
    ) -> Result<Vec<String>, SandboxError> {
        let mut script = OrderScript::new(seed, catalog.to_vec())?;
        (0..count)
            .map(|_| self.create_order(script.next_order()))
            .collect()
    }

    /// A snapshot of one order.
    pub fn order(&self, order_id: &str) -> Option<OrderView> {
        let (state, _) = self.shared.lock();
        state.orders.get(order_id).map(order_view)
    }

    /// All orders, oldest first.
    pub fn orders(&self) -> Vec<OrderView> {
        let (state, _) = self.shared.lock();
        let mut list: Vec<&orders::Order> = state.orders.values().collect();
        list.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        list.into_iter().map(order_view).collect()
    }

    /// The operator's back office: order cancelations and refunds made on the marketplace
    /// side, and the PC01 flags.
    pub fn back_office(&self) -> MiraklBackOffice {
        MiraklBackOffice {
            shared: self.shared.clone(),
        }
    }

    /// Debits an accepted order now (`WAITING_DEBIT` → `SHIPPING`), whatever the debit delay.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`], or [`SandboxError::InvalidState`] when the order is not
    /// `WAITING_DEBIT`.
    pub fn trigger_debit(&self, order_id: &str) -> Result<(), SandboxError> {
        let (mut state, now) = self.shared.lock();
        state.debit_now(order_id, now)
    }

    /// The catalog structure served by H11/PM11/VL11 and used to check P41 imports.
    pub fn operator_catalog(&self) -> OperatorCatalog {
        let (state, _) = self.shared.lock();
        state.config.catalog.clone()
    }

    /// Replaces the catalog structure. Imports processed from now on are checked against it;
    /// products already in the catalog stay.
    pub fn set_operator_catalog(&self, catalog: OperatorCatalog) {
        let (mut state, _) = self.shared.lock();
        state.config.catalog = catalog;
    }

    /// Every product of the operator catalog (configured, imported with P41, or created by
    /// offers in an open catalog), by operator SKU.
    pub fn catalog_products(&self) -> Vec<ProductView> {
        let (state, _) = self.shared.lock();
        state.catalog.products().map(product_view).collect()
    }

    /// The products integrated by P41 imports, by operator SKU.
    pub fn integrated_products(&self) -> Vec<ProductView> {
        let (state, _) = self.shared.lock();
        state
            .catalog
            .products()
            .filter(|p| p.import_id.is_some())
            .map(product_view)
            .collect()
    }

    /// The catalog product an offer can name with `(reference type, reference)`, e.g.
    /// `("SHOP_SKU", "TEE-1")` or `("EAN", "9300000000019")`.
    pub fn catalog_product(&self, reference_type: &str, reference: &str) -> Option<ProductView> {
        let (state, _) = self.shared.lock();
        state
            .catalog
            .find(reference_type, reference)
            .map(product_view)
    }

    /// Stops the server and waits for it to end.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

fn offer_view(o: &offers::Offer) -> OfferView {
    OfferView {
        offer_id: o.offer_id,
        shop_sku: o.shop_sku.clone(),
        product_sku: o.product.sku.clone(),
        price: o.price,
        discount_price: o.discount.as_ref().map(|d| d.price),
        quantity: o.quantity,
        state_code: o.state_code.clone(),
        description: o.description.clone(),
        leadtime_to_ship: o.leadtime_to_ship,
        logistic_class: o.logistic_class.clone(),
        last_updated: o.last_updated,
    }
}

fn order_view(o: &orders::Order) -> OrderView {
    OrderView {
        order_id: o.id.clone(),
        commercial_id: o.commercial_id.clone(),
        state: o.state,
        lines: o
            .lines
            .iter()
            .map(|l| OrderLineView {
                order_line_id: l.id.clone(),
                shop_sku: l.offer_sku.clone(),
                quantity: l.quantity,
                unit_price: l.price_unit,
                state: l.state,
                refunded_quantity: l.refunded_quantity(),
            })
            .collect(),
        acceptance_deadline: o.acceptance_deadline,
        customer_debited_date: o.customer_debited_date,
        carrier_code: o.tracking.carrier_code.clone(),
        tracking_number: o.tracking.tracking_number.clone(),
        carrier_name: o.tracking.carrier_name.clone(),
        carrier_url: o.tracking.carrier_url.clone(),
        reference_for_seller: o.reference_for_seller.clone(),
        last_updated: o.last_updated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_debug_redacts_the_key() {
        let config = MiraklConfig {
            api_key: "super-secret-key".into(),
            ..MiraklConfig::default()
        };
        let text = format!("{config:?}");
        assert!(!text.contains("super-secret-key"), "{text}");
        assert!(text.contains("redacted"));
    }

    #[test]
    fn order_state_codes_are_mirakl_names() {
        assert_eq!(OrderState::WaitingAcceptance.as_str(), "WAITING_ACCEPTANCE");
        assert_eq!(OrderState::Shipping.to_string(), "SHIPPING");
        assert_eq!(OrderState::Canceled.as_str(), "CANCELED");
    }

    #[test]
    fn demo_skus_become_offers_and_script_input() {
        let catalog = crate::demo::DemoCatalog::generate(3, 2, 2);
        let skus = catalog.skus();
        let seed = OfferSeed::from_demo(&skus[0]);
        assert_eq!(seed.shop_sku, skus[0].sku);
        assert_eq!(seed.price, skus[0].selling_price);
        assert_eq!(seed.ean.as_deref(), Some(skus[0].gtin.as_str()));
        assert_eq!(order_catalog(&catalog).len(), catalog.sku_count());
    }
}
