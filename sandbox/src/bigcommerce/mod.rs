//! The BigCommerce store stand-in.
//!
//! [`BigCommerceSandbox::start`] serves a stateful store on `127.0.0.1` under the real path
//! shape `{base}stores/{store_hash}/v2/...` and `.../v3/...`, checking the `X-Auth-Token` header,
//! applying the per-store rate limit (`X-Rate-Limit-*` headers, `429` when the window's quota is
//! used) and the shared [`crate::faults`].
//!
//! Served endpoints: catalog v3 (products with filters and `include`, batch product update,
//! variants per product and store-wide with batch update, categories, brands), inventory v3
//! (locations, items, absolute and relative adjustments), price lists v3 (lists, records, upsert),
//! orders v2 (list with filters, count, get, create, update, products, shipping addresses,
//! shipments with create/update/delete, order statuses), orders v3 payment actions
//! (transactions, refund quotes, refunds), webhooks v3 (CRUD with callback delivery and
//! retries), `/v2/store` and `/v2/time`.
//!
//! Callbacks carry the hook's custom headers and a Standard Webhooks signature keyed with
//! [`BigCommerceConfig::client_secret`]; a hook whose deliveries keep failing is deactivated
//! after the configured retries, as on the real platform.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sync_sandbox::BigCommerceSandbox;
//! use sync_sandbox::bigcommerce::BigCommerceConfig;
//! use sync_sandbox::demo::DemoCatalog;
//! let bc = BigCommerceSandbox::start(BigCommerceConfig::default()).await?;
//! bc.load_demo(&DemoCatalog::generate(1, 100, 3));
//! println!("{} {} {}", bc.base_url(), bc.store_hash(), bc.access_token());
//! # Ok(()) }
//! ```

mod catalog;
mod channels;
mod hooks;
mod inventory;
mod model;
mod orders;
mod pricelists;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bc_mirakl_api_core::secret::Secret;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::contract::{self, Checker, ContractChecking, ContractLog, ContractViolation, Service};
use crate::demo::DemoCatalog;
use crate::faults::{self, FaultConfig, Faults, RequestLog};
use crate::{Server, serve_on};

pub use hooks::WebhookDelivery;
use model::{Brand, Category, ItemKey, Product, Store, Tracking, Variant};
pub(crate) use wire::ERROR_TYPE;
use wire::{ApiError, set_header};

/// Per-store request quota per time window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Requests allowed per window (`X-Rate-Limit-Requests-Quota`).
    pub quota: u32,
    /// Window length (`X-Rate-Limit-Time-Window-Ms`).
    pub window: Duration,
}

impl Default for RateLimitConfig {
    /// 150 requests per 30 s (Standard and Plus plans).
    fn default() -> Self {
        RateLimitConfig {
            quota: 150,
            window: Duration::from_secs(30),
        }
    }
}

impl RateLimitConfig {
    /// 150 requests per 30 s: the Standard and Plus plans (the default).
    pub fn standard() -> Self {
        RateLimitConfig::default()
    }

    /// 450 requests per 30 s: the Pro plan (`docs/api-docs/getting-started/api-rate-limits.mdx`
    /// under ../shared/specs/bigcommerce/bigcommerce-docs/).
    pub fn pro() -> Self {
        RateLimitConfig {
            quota: 450,
            window: Duration::from_secs(30),
        }
    }

    /// A quota that is never reached in practice.
    pub fn unlimited() -> Self {
        RateLimitConfig {
            quota: u32::MAX,
            window: Duration::from_secs(30),
        }
    }
}

/// Settings of a [`BigCommerceSandbox`]. `Debug` redacts the access token.
#[derive(Debug, Clone)]
pub struct BigCommerceConfig {
    /// Store hash used in paths.
    pub store_hash: String,
    /// Accepted `X-Auth-Token`.
    pub access_token: Secret,
    /// Client id reported on webhooks.
    pub client_id: String,
    /// Client secret: callbacks are signed with it the Standard Webhooks way
    /// (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
    /// "{id}.{timestamp}.{body}">`).
    pub client_secret: Secret,
    /// Numeric store id (webhook `store_id`).
    pub store_id: u64,
    /// Store name (`/v2/store`).
    pub store_name: String,
    /// Rate limit.
    pub rate_limit: RateLimitConfig,
    /// Initial fault configuration (switchable at runtime via [`BigCommerceSandbox::faults`]).
    pub faults: FaultConfig,
    /// Waits between webhook delivery attempts; after the last one fails the hook is
    /// deactivated, like on the real platform (whose schedule starts at 60 s).
    pub webhook_retry_delays: Vec<Duration>,
    /// Whether orders may take tracked stock below zero (default: refused with a 400).
    pub allow_oversell: bool,
    /// Address to bind (default `127.0.0.1:0`).
    pub bind: SocketAddr,
    /// Whether every request is checked against the contracts derived from the official
    /// documents (default: [`ContractChecking::Enforce`]; see [`crate::contract`]).
    pub contracts: ContractChecking,
}

impl Default for BigCommerceConfig {
    fn default() -> Self {
        BigCommerceConfig {
            store_hash: "sandbox1".into(),
            access_token: Secret::new("sandbox-bc-access-token"),
            client_id: "sandbox-client-id".into(),
            client_secret: Secret::new("sandbox-client-secret"),
            store_id: 1_000_001,
            store_name: "Sandbox Store".into(),
            rate_limit: RateLimitConfig::default(),
            faults: FaultConfig::default(),
            webhook_retry_delays: vec![
                Duration::from_millis(100),
                Duration::from_millis(400),
                Duration::from_millis(1600),
            ],
            allow_oversell: false,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            contracts: ContractChecking::Enforce,
        }
    }
}

#[derive(Debug)]
struct Window {
    start: Instant,
    used: u32,
}

struct Inner {
    store: Mutex<Store>,
    config: BigCommerceConfig,
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
    deliveries: Mutex<Vec<WebhookDelivery>>,
    delivery_seq: AtomicU64,
    in_flight: AtomicU64,
    api_root: OnceLock<String>,
    window: Mutex<Window>,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub(crate) struct App {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poison| poison.into_inner())
}

impl App {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }

    pub(crate) fn config(&self) -> &BigCommerceConfig {
        &self.inner.config
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn runtime(&self) -> &tokio::runtime::Handle {
        &self.inner.runtime
    }

    /// Numbers a new delivery and counts it as in flight.
    pub(crate) fn next_delivery(&self) -> u64 {
        self.inner.in_flight.fetch_add(1, Ordering::SeqCst);
        self.inner.delivery_seq.fetch_add(1, Ordering::SeqCst)
    }

    /// Records a finished delivery (no longer in flight).
    pub(crate) fn record_delivery(&self, delivery: WebhookDelivery) {
        lock(&self.inner.deliveries).push(delivery);
        self.inner.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// `http://HOST:PORT/stores/{hash}/`.
    pub(crate) fn api_root(&self) -> &str {
        self.inner.api_root.get().map(String::as_str).unwrap_or("")
    }
}

/// A running BigCommerce stand-in. Dropping it stops the server.
pub struct BigCommerceSandbox {
    app: App,
    faults: Faults,
    contracts: ContractLog,
    server: Server,
}

impl std::fmt::Debug for BigCommerceSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BigCommerceSandbox")
            .field("addr", &self.server.addr())
            .field("store_hash", &self.app.config().store_hash)
            .finish_non_exhaustive()
    }
}

/// What a loaded demo catalog created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLoad {
    /// Products created.
    pub products: usize,
    /// Variants (SKUs) created.
    pub variants: usize,
    /// Products skipped because a SKU already existed.
    pub skipped: usize,
}

/// One line of an order, as [`BigCommerceSandbox::order`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLineSummary {
    /// Order product id.
    pub id: u64,
    /// SKU.
    pub sku: String,
    /// Variant id (0 for custom products).
    pub variant_id: u64,
    /// Quantity.
    pub quantity: u64,
    /// Quantity shipped.
    pub quantity_shipped: u64,
    /// Unit price inc tax.
    pub price_inc_tax: Decimal,
}

/// One shipment of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentSummary {
    /// Id.
    pub id: u64,
    /// Tracking number.
    pub tracking_number: String,
    /// Provider (`auspost`, `usps`...).
    pub shipping_provider: String,
    /// Carrier slug.
    pub tracking_carrier: String,
}

/// An order as the store holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderSummary {
    /// Id.
    pub id: u64,
    /// Status id.
    pub status_id: u32,
    /// Status name.
    pub status: String,
    /// `external_source`.
    pub external_source: Option<String>,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `external_order_id`.
    pub external_order_id: Option<String>,
    /// Lines.
    pub lines: Vec<OrderLineSummary>,
    /// Total inc tax.
    pub total_inc_tax: Decimal,
    /// Shipments.
    pub shipments: Vec<ShipmentSummary>,
    /// Last modification.
    pub date_modified: OffsetDateTime,
}

fn path(p: &str) -> String {
    format!("/stores/{{store_hash}}{p}")
}

fn router(app: App, checker: Checker) -> Router {
    use axum::routing::{post, put};
    let r = Router::new()
        // catalog
        .route(
            &path("/v3/catalog/products"),
            get(catalog::list_products)
                .post(catalog::create_product_handler)
                .put(catalog::batch_update_products),
        )
        .route(
            &path("/v3/catalog/products/{product_id}"),
            get(catalog::get_product)
                .put(catalog::update_product_handler)
                .delete(catalog::delete_product),
        )
        .route(
            &path("/v3/catalog/products/{product_id}/variants"),
            get(catalog::list_product_variants).post(catalog::create_variant),
        )
        .route(
            &path("/v3/catalog/products/{product_id}/variants/{variant_id}"),
            get(catalog::get_variant).put(catalog::update_variant_handler),
        )
        .route(
            &path("/v3/catalog/variants"),
            get(catalog::list_all_variants).put(catalog::batch_update_variants),
        )
        .route(
            &path("/v3/catalog/categories"),
            get(catalog::list_categories).post(catalog::create_category),
        )
        .route(
            &path("/v3/catalog/brands"),
            get(catalog::list_brands).post(catalog::create_brand),
        )
        .route(
            &path("/v3/catalog/categories/{category_id}"),
            get(catalog::get_category),
        )
        .route(
            &path("/v3/catalog/brands/{brand_id}"),
            get(catalog::get_brand),
        )
        // inventory
        .route(
            &path("/v3/inventory/locations"),
            get(inventory::list_locations).post(inventory::create_locations),
        )
        .route(
            &path("/v3/inventory/locations/{location_id}/items"),
            get(inventory::list_location_items),
        )
        .route(&path("/v3/inventory/items"), get(inventory::list_items))
        .route(
            &path("/v3/inventory/adjustments/absolute"),
            put(inventory::absolute),
        )
        .route(
            &path("/v3/inventory/adjustments/relative"),
            post(inventory::relative),
        )
        // price lists
        .route(
            &path("/v3/pricelists"),
            get(pricelists::list).post(pricelists::create),
        )
        .route(
            &path("/v3/pricelists/{price_list_id}"),
            get(pricelists::get),
        )
        .route(
            &path("/v3/pricelists/{price_list_id}/records"),
            get(pricelists::records).put(pricelists::upsert),
        )
        // webhooks
        .route(
            &path("/v3/channels"),
            get(channels::list).post(channels::create),
        )
        .route(
            &path("/v3/channels/{channel_id}"),
            get(channels::get).put(channels::update),
        )
        .route(&path("/v3/hooks"), get(hooks::list).post(hooks::create))
        .route(
            &path("/v3/hooks/{webhook_id}"),
            get(hooks::get).put(hooks::update).delete(hooks::delete),
        )
        // orders v3
        .route(
            &path("/v3/orders/{order_id}/transactions"),
            get(orders::transactions),
        )
        .route(
            &path("/v3/orders/{order_id}/payment_actions/refund_quotes"),
            post(orders::refund_quote),
        )
        .route(
            &path("/v3/orders/{order_id}/payment_actions/refunds"),
            post(orders::refund).get(orders::refunds),
        )
        // orders v2
        .route(&path("/v2/orders"), get(orders::list).post(orders::create))
        .route(&path("/v2/orders/count"), get(orders::count))
        .route(
            &path("/v2/orders/{order_id}"),
            get(orders::get).put(orders::update),
        )
        .route(
            &path("/v2/orders/{order_id}/products"),
            get(orders::products),
        )
        .route(
            &path("/v2/orders/{order_id}/products/{order_product_id}"),
            get(orders::product),
        )
        .route(
            &path("/v2/orders/{order_id}/shipping_addresses"),
            get(orders::shipping_addresses),
        )
        .route(
            &path("/v2/orders/{order_id}/shipping_addresses/{address_id}"),
            get(orders::shipping_address),
        )
        .route(
            &path("/v2/orders/{order_id}/shipments"),
            get(orders::shipments).post(orders::create_shipment_handler),
        )
        .route(
            &path("/v2/orders/{order_id}/shipments/count"),
            get(orders::shipments_count),
        )
        .route(
            &path("/v2/orders/{order_id}/shipments/{shipment_id}"),
            get(orders::shipment)
                .put(orders::update_shipment)
                .delete(orders::delete_shipment),
        )
        .route(&path("/v2/order_statuses"), get(orders::statuses))
        .route(&path("/v2/order_statuses/{status_id}"), get(orders::status))
        // store
        .route(&path("/v2/store"), get(store_info))
        .route(&path("/v2/time"), get(store_time))
        .fallback(not_found);
    let r = contract::layer(r, checker)
        .layer(middleware::from_fn_with_state(app.clone(), auth))
        .layer(middleware::from_fn_with_state(app.clone(), rate_limit));
    r.with_state(app)
}

async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    if path.ends_with('/') && path.contains("/v3/") {
        // The real API answers a trailing slash on a v3 path like this (bigcommerce/api#95).
        return ApiError::v3(StatusCode::FORBIDDEN, "Authentication Required").into_response();
    }
    if path.contains("/v2/") {
        ApiError::v2_not_found().into_response()
    } else {
        ApiError::v3_not_found().into_response()
    }
}

/// Checks the store hash in the path and the `X-Auth-Token` header.
async fn auth(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let v2 = path.contains("/v2/");
    let hash_ok = path
        .strip_prefix("/stores/")
        .and_then(|rest| rest.split('/').next())
        .is_some_and(|hash| hash == app.config().store_hash);
    if !hash_ok {
        let e = ApiError::v3(StatusCode::NOT_FOUND, "Store not found");
        return if v2 { e.into_v2() } else { e }.into_response();
    }
    let token_ok = request
        .headers()
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| app.config().access_token.constant_time_eq(t));
    if !token_ok {
        let e = ApiError::v3(
            StatusCode::UNAUTHORIZED,
            "No valid credentials were found in this request",
        );
        return if v2 { e.into_v2() } else { e }.into_response();
    }
    next.run(request).await
}

/// Per-store fixed-window quota with the `X-Rate-Limit-*` headers on every answer.
async fn rate_limit(State(app): State<App>, request: Request, next: Next) -> Response {
    let limit = &app.config().rate_limit;
    let window_ms = limit.window.as_millis() as u64;
    let (allowed, left, reset_ms) = {
        let mut w = lock(&app.inner.window);
        let mut elapsed = w.start.elapsed();
        if elapsed >= limit.window {
            w.start = Instant::now();
            w.used = 0;
            elapsed = Duration::ZERO;
        }
        let reset = window_ms.saturating_sub(elapsed.as_millis() as u64).max(1);
        if w.used >= limit.quota {
            (false, 0, reset)
        } else {
            w.used += 1;
            (true, limit.quota - w.used, reset)
        }
    };
    let mut response = if allowed {
        next.run(request).await
    } else {
        let body = json!({"status": 429, "title": "Too many requests", "type": "/api-docs/getting-started/api-status-codes", "errors": {}});
        let mut r = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
        set_header(&mut r, "x-retry-after", reset_ms.div_ceil(1000).to_string());
        r
    };
    set_header(
        &mut response,
        "x-rate-limit-requests-left",
        left.to_string(),
    );
    set_header(
        &mut response,
        "x-rate-limit-requests-quota",
        limit.quota.to_string(),
    );
    set_header(
        &mut response,
        "x-rate-limit-time-window-ms",
        window_ms.to_string(),
    );
    set_header(
        &mut response,
        "x-rate-limit-time-reset-ms",
        reset_ms.to_string(),
    );
    response
}

async fn store_info(State(app): State<App>) -> Response {
    let c = app.config();
    let root = app.api_root().trim_end_matches('/').to_owned();
    let base = root.split("/stores/").next().unwrap_or_default().to_owned();
    axum::Json(json!({
        "id": c.store_hash,
        "account_uuid": format!("00000000-0000-4000-8000-{:012}", c.store_id),
        "domain": "sandbox.example.com",
        "secure_url": base,
        "control_panel_base_url": base,
        "status": "live",
        "name": c.store_name,
        "first_name": "Sandbox",
        "last_name": "Owner",
        "address": "1 Sandbox Street\nSydney NSW 2000\nAustralia",
        "country": "Australia",
        "country_code": "AU",
        "phone": "",
        "admin_email": "owner@sandbox.example.com",
        "order_email": "orders@sandbox.example.com",
        "favicon_url": "",
        "timezone": {"name": "Australia/Sydney", "raw_offset": 36000, "dst_offset": 39600, "dst_correction": true,
                     "date_format": {"display": "jS M Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"}},
        "language": "en",
        "currency": "AUD",
        "currency_symbol": "$",
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimal_places": 2,
        "currency_symbol_location": "left",
        "weight_units": "KGS",
        "dimension_units": "Centimeters",
        "dimension_decimal_places": "2",
        "dimension_decimal_token": ".",
        "dimension_thousands_token": ",",
        "plan_name": "Sandbox",
        "plan_level": "Sandbox",
        "plan_is_trial": false,
        "industry": "",
        "logo": [],
        "is_price_entered_with_tax": false,
        "store_id": c.store_id,
        "default_site_id": 1000,
        "default_channel_id": 1,
        "active_comparison_modules": [],
        "features": {"stencil_enabled": true, "sitewidehttps_enabled": true, "facebook_catalog_id": "",
                     "checkout_type": "optimized", "wishlists_enabled": false,
                     "graphql_storefront_api_enabled": true, "shopper_consent_tracking_enabled": false,
                     "multi_storefront_enabled": false,
                     "storefront_limits": {"active": 1, "total_including_inactive": 1}},
    }))
    .into_response()
}

async fn store_time() -> Response {
    axum::Json(json!({"time": OffsetDateTime::now_utc().unix_timestamp()})).into_response()
}

impl BigCommerceSandbox {
    /// Starts the stand-in on `config.bind` (default `127.0.0.1:0`) in the current tokio runtime.
    ///
    /// # Errors
    /// The I/O error if the socket cannot be bound or the webhook HTTP client cannot be built.
    pub async fn start(config: BigCommerceConfig) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        let faults = Faults::new(config.faults.clone());
        let bind = config.bind;
        let contracts = ContractLog::default();
        let checker = Checker::new(Service::BigCommerce, contracts.clone(), config.contracts);
        let app = App {
            inner: Arc::new(Inner {
                store: Mutex::new(Store::new(config.allow_oversell)),
                config,
                http,
                runtime: tokio::runtime::Handle::current(),
                deliveries: Mutex::new(Vec::new()),
                delivery_seq: AtomicU64::new(0),
                in_flight: AtomicU64::new(0),
                api_root: OnceLock::new(),
                window: Mutex::new(Window {
                    start: Instant::now(),
                    used: 0,
                }),
            }),
        };
        let router = contract::admin_router(contracts.clone())
            .merge(faults::apply(router(app.clone(), checker), faults.clone()));
        let server = serve_on(bind, router).await?;
        let root = format!("{}stores/{}/", server.base_url(), app.config().store_hash);
        let _ = app.inner.api_root.set(root);
        Ok(BigCommerceSandbox {
            app,
            faults,
            contracts,
            server,
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

    /// `http://127.0.0.1:PORT/` — the base URL for the client's builder.
    pub fn base_url(&self) -> url::Url {
        self.server.base_url()
    }

    /// `http://127.0.0.1:PORT/stores/{store_hash}/`.
    pub fn api_url(&self) -> url::Url {
        url::Url::parse(self.app.api_root()).unwrap_or_else(|_| self.base_url())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Store hash.
    pub fn store_hash(&self) -> &str {
        &self.app.config().store_hash
    }

    /// The access token the store accepts.
    pub fn access_token(&self) -> &str {
        self.app.config().access_token.expose()
    }

    /// Client id.
    pub fn client_id(&self) -> &str {
        &self.app.config().client_id
    }

    /// Client secret (the key of the callbacks' `webhook-signature`).
    pub fn client_secret(&self) -> &str {
        self.app.config().client_secret.expose()
    }

    /// The runtime-switchable fault injection.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Requests received (count per `METHOD /path-template`, inspection hook).
    pub fn requests(&self) -> &RequestLog {
        self.faults.log()
    }

    /// Starts a fresh rate-limit window (full quota).
    pub fn reset_rate_limit(&self) {
        let mut w = lock(&self.app.inner.window);
        w.start = Instant::now();
        w.used = 0;
    }

    /// Loads a demo catalog straight into the store (no HTTP, no webhooks): brands and
    /// categories by name, products, variants (tracked per variant, or per product when they have
    /// no options) and their stock at the default location. Products with an already used SKU
    /// are skipped.
    pub fn load_demo(&self, catalog: &DemoCatalog) -> DemoLoad {
        let mut store = self.app.store();
        let mut brands: HashMap<String, u64> = store
            .brands
            .values()
            .map(|b| (b.name.clone(), b.id))
            .collect();
        let mut categories: HashMap<String, u64> = store
            .categories
            .values()
            .filter(|c| c.parent_id == 0)
            .map(|c| (c.name.clone(), c.id))
            .collect();
        let location = store.default_location();
        let at = wire::now();
        let mut load = DemoLoad {
            products: 0,
            variants: 0,
            skipped: 0,
        };
        for p in &catalog.products {
            let with_options = p.variants.iter().any(|v| v.option.is_some());
            if p.variants.iter().any(|v| store.sku_taken(&v.sku, None))
                || (!with_options && store.sku_taken(&p.sku, None))
            {
                load.skipped += 1;
                continue;
            }
            let brand_id = match brands.get(&p.brand) {
                Some(id) => *id,
                None => {
                    let id = store.next("brand");
                    store.brands.insert(
                        id,
                        Brand {
                            id,
                            name: p.brand.clone(),
                        },
                    );
                    brands.insert(p.brand.clone(), id);
                    id
                }
            };
            let category_id = match categories.get(&p.category) {
                Some(id) => *id,
                None => {
                    let id = store.next("category");
                    store.categories.insert(
                        id,
                        Category {
                            id,
                            parent_id: 0,
                            name: p.category.clone(),
                            is_visible: true,
                        },
                    );
                    categories.insert(p.category.clone(), id);
                    id
                }
            };
            let id = store.next("product");
            let first = &p.variants[0];
            let mut product = Product {
                id,
                name: p.name.clone(),
                product_type: "physical".into(),
                sku: if with_options {
                    String::new()
                } else {
                    p.sku.clone()
                },
                description: p.description.clone(),
                weight: p.weight,
                price: first.price,
                sale_price: if with_options {
                    Decimal::ZERO
                } else {
                    first.sale_price.unwrap_or_default()
                },
                retail_price: Decimal::ZERO,
                cost_price: Decimal::ZERO,
                categories: vec![category_id],
                brand_id,
                inventory_tracking: if with_options {
                    Tracking::Variant
                } else {
                    Tracking::Product
                },
                inventory_warning_level: 0,
                is_visible: true,
                upc: if with_options {
                    String::new()
                } else {
                    first.upc.clone()
                },
                mpn: String::new(),
                gtin: if with_options {
                    String::new()
                } else {
                    first.gtin.clone()
                },
                availability: "available".into(),
                custom_fields: Vec::new(),
                images: Vec::new(),
                date_created: at,
                date_modified: at,
                base_variant_id: None,
                total_sold: 0,
            };
            for v in &p.variants {
                let vid = store.next("variant");
                let sku_id = store.next("sku");
                let (price, sale) = if with_options {
                    (Some(v.price), v.sale_price)
                } else {
                    product.base_variant_id = Some(vid);
                    (None, None)
                };
                store.add_variant(Variant {
                    id: vid,
                    product_id: id,
                    sku: v.sku.clone(),
                    sku_id,
                    price,
                    sale_price: sale,
                    retail_price: None,
                    cost_price: None,
                    weight: None,
                    upc: v.upc.clone(),
                    mpn: String::new(),
                    gtin: v.gtin.clone(),
                    purchasing_disabled: false,
                    option_values: v
                        .option
                        .iter()
                        .map(|(n, l)| (l.clone(), n.clone()))
                        .collect(),
                    inventory_warning_level: 0,
                });
                let key = if with_options {
                    ItemKey::Variant(vid)
                } else {
                    ItemKey::Product(id)
                };
                store.stock.insert((location, key), v.stock);
                load.variants += 1;
            }
            store.products.insert(id, product);
            load.products += 1;
        }
        load
    }

    fn with_variant<T>(&self, sku: &str, f: impl FnOnce(&mut Store, Variant) -> T) -> Option<T> {
        let mut store = self.app.store();
        let v = store.variant_by_sku(sku).cloned()?;
        Some(f(&mut store, v))
    }

    /// Variant id of a SKU.
    pub fn variant_id(&self, sku: &str) -> Option<u64> {
        self.app.store().variant_by_sku(sku).map(|v| v.id)
    }

    /// Product id of a SKU.
    pub fn product_id(&self, sku: &str) -> Option<u64> {
        self.app.store().variant_by_sku(sku).map(|v| v.product_id)
    }

    /// Sets a SKU's list and sale price as a merchant would in the control panel (webhooks fire).
    /// Returns `false` for an unknown SKU.
    pub fn set_price(&self, sku: &str, price: Decimal, sale_price: Option<Decimal>) -> bool {
        let events = self.with_variant(sku, |store, v| {
            let input = catalog::VariantInput {
                price: Some(price),
                sale_price: Some(sale_price.unwrap_or(Decimal::ZERO)),
                ..Default::default()
            };
            catalog::update_variant(store, v.id, input).unwrap_or_default()
        });
        match events {
            Some(events) => {
                self.app.emit(events);
                true
            }
            None => false,
        }
    }

    /// Sets a SKU's on-hand stock at the default location (webhooks fire). Returns `false` for an
    /// unknown SKU.
    pub fn set_stock(&self, sku: &str, quantity: i64) -> bool {
        let events = self.with_variant(sku, |store, v| {
            let product = store.products.get(&v.product_id).cloned()?;
            let key = store.item_key(&product, Some(v.id));
            if let Some(p) = store.products.get_mut(&v.product_id)
                && p.inventory_tracking == Tracking::None
            {
                p.inventory_tracking = match key {
                    ItemKey::Product(_) => Tracking::Product,
                    ItemKey::Variant(_) => Tracking::Variant,
                };
            }
            let location = store.default_location();
            Some(store.set_stock(location, key, quantity, false))
        });
        match events.flatten() {
            Some(events) => {
                self.app.emit(events);
                true
            }
            None => false,
        }
    }

    /// A SKU's on-hand stock across locations (`inventory_level`).
    pub fn stock(&self, sku: &str) -> Option<i64> {
        let store = self.app.store();
        let v = store.variant_by_sku(sku)?;
        Some(store.variant_level(v))
    }

    /// A SKU's price and sale price as the store sells it (inherited from the product when the
    /// variant has none).
    pub fn price(&self, sku: &str) -> Option<(Decimal, Option<Decimal>)> {
        let store = self.app.store();
        let v = store.variant_by_sku(sku)?;
        Some(store.variant_prices(v))
    }

    /// Number of products.
    pub fn product_count(&self) -> usize {
        self.app.store().products.len()
    }

    /// Number of variants (SKUs).
    pub fn variant_count(&self) -> usize {
        self.app.store().variants.len()
    }

    /// An order.
    pub fn order(&self, id: u64) -> Option<OrderSummary> {
        let store = self.app.store();
        let o = store.orders.get(&id)?;
        Some(OrderSummary {
            id: o.id,
            status_id: o.status_id,
            status: model::status_name(o.status_id).to_owned(),
            external_source: o.external_source.clone(),
            external_id: o.external_id.clone(),
            external_order_id: o.external_order_id.clone(),
            lines: o
                .products
                .iter()
                .map(|p| OrderLineSummary {
                    id: p.id,
                    sku: p.sku.clone(),
                    variant_id: p.variant_id,
                    quantity: p.quantity,
                    quantity_shipped: p.quantity_shipped,
                    price_inc_tax: p.price_inc_tax,
                })
                .collect(),
            total_inc_tax: o.total_inc_tax(),
            shipments: o
                .shipments
                .iter()
                .map(|s| ShipmentSummary {
                    id: s.id,
                    tracking_number: s.tracking_number.clone(),
                    shipping_provider: s.shipping_provider.clone(),
                    tracking_carrier: s.tracking_carrier.clone(),
                })
                .collect(),
            date_modified: o.date_modified,
        })
    }

    /// Ids of all orders, ascending.
    pub fn order_ids(&self) -> Vec<u64> {
        self.app.store().orders.keys().copied().collect()
    }

    /// Ids of the orders whose `external_order_id` (or `external_id`) is `external`.
    pub fn orders_by_external_id(&self, external: &str) -> Vec<u64> {
        self.app
            .store()
            .orders
            .values()
            .filter(|o| {
                o.external_order_id.as_deref() == Some(external)
                    || o.external_id.as_deref() == Some(external)
            })
            .map(|o| o.id)
            .collect()
    }

    /// A probe for [`crate::mirakl::MiraklSandbox::set_fillable_probe`]: what this store can
    /// fill for a SKU at the moment of the call, i.e. its on-hand stock minus the units of the
    /// given marketplace orders (`(external id, units)`) that have no order here yet (once
    /// created, an order has already taken its units from the stock). One store lock, so the
    /// stock and the orders are read at the same instant. `None` for an unknown SKU.
    pub fn fillable_probe(&self) -> crate::mirakl::FillableProbe {
        let app = self.app.clone();
        crate::mirakl::FillableProbe(std::sync::Arc::new(
            move |sku: &str, open: &[(String, u32)]| {
                let store = app.store();
                let v = store.variant_by_sku(sku)?;
                let mut fillable = store.variant_level(v);
                for (external, units) in open {
                    let created = store.orders.values().any(|o| {
                        o.external_order_id.as_deref() == Some(external.as_str())
                            || o.external_id.as_deref() == Some(external.as_str())
                    });
                    if !created {
                        fillable -= i64::from(*units);
                    }
                }
                Some(fillable)
            },
        ))
    }

    /// How many orders carry `external` as `external_order_id` or `external_id` (an
    /// idempotency check: should never exceed 1).
    pub fn count_orders_by_external_id(&self, external: &str) -> usize {
        self.orders_by_external_id(external).len()
    }

    /// Moves an order to a status as a merchant would (webhooks fire; cancellation and refund
    /// return unshipped stock). Returns `false` for an unknown order or status id.
    pub fn set_order_status(&self, id: u64, status_id: u32) -> bool {
        let events = {
            let mut store = self.app.store();
            let known = model::ORDER_STATUSES
                .iter()
                .any(|(i, _, _)| *i == status_id);
            if !known || !store.orders.contains_key(&id) {
                return false;
            }
            orders::set_status(&mut store, id, status_id)
        };
        self.app.emit(events);
        true
    }

    /// Ships every remaining item of an order in one shipment to its first address, as a
    /// merchant would; returns the shipment id (`None` for an unknown or fully shipped order).
    pub fn ship_order(&self, id: u64, tracking_number: &str, provider: &str) -> Option<u64> {
        let (sid, events) = {
            let mut store = self.app.store();
            let o = store.orders.get(&id)?;
            let address = o.shipping_addresses.first()?.id;
            let items: Vec<orders::ShipmentItemInput> = o
                .products
                .iter()
                .filter(|p| p.quantity > p.quantity_shipped)
                .map(|p| orders::ShipmentItemInput {
                    order_product_id: p.id,
                    quantity: p.quantity - p.quantity_shipped,
                })
                .collect();
            if items.is_empty() {
                return None;
            }
            let input = orders::ShipmentInput {
                order_address_id: Some(address),
                tracking_number: Some(tracking_number.to_owned()),
                shipping_provider: Some(provider.to_owned()),
                tracking_carrier: None,
                tracking_link: None,
                shipping_method: None,
                comments: None,
                items: Some(items),
            };
            orders::create_shipment(&mut store, id, input).ok()?
        };
        self.app.emit(events);
        Some(sid)
    }

    /// The v2 JSON of an order, as `GET /v2/orders/{id}` returns it.
    pub fn order_json(&self, id: u64) -> Option<Value> {
        let store = self.app.store();
        store
            .orders
            .get(&id)
            .map(|o| orders::order_json(&self.app, o))
    }

    /// An order's shipments as `GET /v2/orders/{id}/shipments` returns them (what a client
    /// decodes), `None` for an unknown order.
    pub fn shipments_json(&self, id: u64) -> Option<Vec<Value>> {
        let store = self.app.store();
        store.orders.get(&id).map(|o| {
            o.shipments
                .iter()
                .map(|s| orders::shipment_json(o, s))
                .collect()
        })
    }

    /// Webhook deliveries finished so far (delivered, or given up after the retries).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.app.inner.deliveries).clone()
    }

    /// Webhook deliveries started but not finished (including those waiting for a retry).
    pub fn webhooks_in_flight(&self) -> u64 {
        self.app.inner.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until no webhook delivery is in flight, or `timeout` passes; returns whether all
    /// deliveries finished.
    pub async fn settle_webhooks(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.webhooks_in_flight() == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Registered webhooks as `(id, scope, destination, is_active)`.
    pub fn webhooks(&self) -> Vec<(u64, String, String, bool)> {
        self.app
            .store()
            .hooks
            .values()
            .map(|h| (h.id, h.scope.clone(), h.destination.clone(), h.is_active))
            .collect()
    }

    /// Registers a webhook directly (no HTTP). Returns its id.
    pub fn add_webhook(
        &self,
        scope: &str,
        destination: &str,
        headers: BTreeMap<String, String>,
    ) -> u64 {
        let mut store = self.app.store();
        let id = store.next("hook");
        let at = OffsetDateTime::now_utc().unix_timestamp();
        store.hooks.insert(
            id,
            model::Hook {
                id,
                scope: scope.to_owned(),
                destination: destination.to_owned(),
                is_active: true,
                headers,
                created_at: at,
                updated_at: at,
            },
        );
        id
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_never_shows_the_access_token() {
        let config = BigCommerceConfig {
            access_token: Secret::new("tok-very-secret"),
            ..BigCommerceConfig::default()
        };
        assert!(!format!("{config:?}").contains("tok-very-secret"));
        let bc = BigCommerceSandbox::start(config).await.unwrap();
        assert_eq!(bc.access_token(), "tok-very-secret");
        assert!(!format!("{bc:?}").contains("tok-very-secret"));
        assert_eq!(
            bc.api_url().as_str(),
            format!("{}stores/sandbox1/", bc.base_url())
        );
    }

    #[tokio::test]
    async fn demo_load_skips_existing_skus_and_counts() {
        let bc = BigCommerceSandbox::start(BigCommerceConfig::default())
            .await
            .unwrap();
        let catalog = DemoCatalog::generate(1, 10, 3);
        let first = bc.load_demo(&catalog);
        assert_eq!((first.products, first.variants, first.skipped), (10, 30, 0));
        let again = bc.load_demo(&catalog);
        assert_eq!((again.products, again.skipped), (0, 10));
        assert_eq!(bc.product_count(), 10);
        assert_eq!(bc.variant_count(), 30);
        let s = &catalog.skus()[4];
        assert_eq!(bc.stock(&s.sku), Some(s.stock));
        assert_eq!(bc.price(&s.sku), Some((s.price, s.sale_price)));
        assert!(!bc.set_stock("NO-SUCH-SKU", 1));
        assert!(!bc.set_price("NO-SUCH-SKU", Decimal::ONE, None));
    }

    #[tokio::test]
    async fn fillable_probe_takes_open_marketplace_orders_without_a_store_order_off_the_stock() {
        let bc = BigCommerceSandbox::start(BigCommerceConfig::default())
            .await
            .unwrap();
        let catalog = DemoCatalog::generate(2, 3, 2);
        bc.load_demo(&catalog);
        let sku = catalog.skus()[1].sku.clone();
        assert!(bc.set_stock(&sku, 7));
        let probe = bc.fillable_probe();
        assert_eq!((probe.0)(&sku, &[]), Some(7));
        let open = [("M-1".to_owned(), 2), ("M-2".to_owned(), 3)];
        assert_eq!((probe.0)(&sku, &open), Some(2));
        assert!(bc.set_stock(&sku, 1));
        assert_eq!(
            (probe.0)(&sku, &open),
            Some(-4),
            "the probe reads the store live"
        );
        assert_eq!((probe.0)("NO-SUCH-SKU", &[]), None);
    }
}
