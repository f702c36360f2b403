//! Typed async client for the BigCommerce REST API: v3 catalog (with images, custom fields,
//! options, modifiers, bulk pricing rules, metafields, category trees), inventory, price
//! lists, channels and listings, webhooks, order payments, refunds and metafields, store
//! settings; v2 orders (with coupons, taxes, messages, consignments), shipments and store
//! information.
//!
//! ```no_run
//! use bigcommerce_api::{Client, Credentials};
//! use bigcommerce_api::orders::OrderStatus;
//! use futures::TryStreamExt;
//! use time::OffsetDateTime;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // From the `.txt` file the control panel downloads when an API account is created.
//! let text = std::fs::read_to_string("api-account.txt")?;
//! let client = Client::builder(Credentials::from_api_account_text(&text)?)
//!     .user_agent("my-sync/1.0")
//!     .build()?;
//! let store = client.verify().await?; // 401/403 -> Error::Unauthorized
//! println!("connected to {}", store.name);
//!
//! // Products changed in the last hour, with their variants, one page at a time...
//! let since = OffsetDateTime::now_utc() - time::Duration::hours(1);
//! let page = client.products().list().date_modified_min(since).include_variants().send().await?;
//! for product in &page.items {
//!     println!("{} {:?} {}", product.id, product.sku, product.inventory_level);
//! }
//! // ...or as a lazy stream over every page.
//! let paid: Vec<_> = client
//!     .orders()
//!     .list()
//!     .status(OrderStatus::AwaitingFulfillment)
//!     .stream()
//!     .try_collect()
//!     .await?;
//! println!("{} orders to ship; rate limit: {:?}", paid.len(), client.rate_limit());
//! # Ok(())
//! # }
//! ```
//!
//! # Shape
//!
//! * [`Credentials`]: store hash + access token ([`Credentials::new`],
//!   [`Credentials::from_api_path`], [`Credentials::from_env`],
//!   [`Credentials::from_api_account_text`]). `Debug` redacts the token and client secret.
//! * [`Client::builder`] → [`ClientBuilder`]: `base_url` (tests, the sandbox; https except
//!   on loopback), `timeout`, `connect_timeout`, `user_agent`, `retry_policy` (all kept in
//!   one [`ClientSettings`], shared with `mirakl-api`; `settings` sets them at once),
//!   `pacing` / `disable_pacing`, `pacer` (share one budget between clients of a store).
//!   Requests go to `{base}stores/{store_hash}/v2/...` or `.../v3/...` with `X-Auth-Token`
//!   and `Accept: application/json`.
//! * One handler per resource (see [`api`], whose table lists every endpoint covered):
//!   [`Client::products`], [`Client::variants`], [`Client::categories`],
//!   [`Client::brands`], [`Client::inventory`], [`Client::price_lists`],
//!   [`Client::channels`], [`Client::orders`], [`Client::shipments`], [`Client::webhooks`],
//!   [`Client::store`]; metafields of orders, products, variants, categories and brands
//!   ([`api::Metafields`]); and [`Client::raw`] for endpoints not typed yet (same auth,
//!   pacing and retries).
//! * Every handler method's documentation names the OAuth scope its call needs (from the
//!   `X-Auth-Token` security scheme of BigCommerce's OpenAPI files).
//! * Listings return a [`List`] builder: typed filters (only those the path declares in the
//!   spec: BigCommerce ignores the others), then [`List::send`] for one [`Page`] or
//!   [`List::stream`] for every item (v3 `meta.pagination`, cursor links or `after` ids;
//!   v2 `page`/`limit` where a 204 ends the listing).
//! * `get_opt` calls return `Ok(None)` on 404.
//! * Money is [`rust_decimal::Decimal`]: read from strings or numbers, written as the type
//!   the spec names, with its exact digits (numbers through [`de::ser_decimal_number`],
//!   never `f64`).
//! * Batch helpers chunk to the documented limits: products 10, variants 50, inventory
//!   adjustments 2,000, price-list records 1,000.
//! * Catalog writes can answer `207 Multi-Status` (saved, but inventory or URL not): the
//!   `*_reporting` methods ([`api::Products::update_reporting`],
//!   [`api::Variants::update_batch_reporting`], ...) return a [`Written`] carrying both the
//!   data and the failures; [`Written::into_complete`] turns a partial success into
//!   [`Error::PartialSuccess`]. The plain methods return the data only.
//! * Webhook callbacks: [`webhooks::WebhookEvent`] decodes them;
//!   [`webhooks::WebhookVerifier`] (from [`Credentials::webhook_verifier`]) checks
//!   BigCommerce's Standard-Webhooks signature, and
//!   [`webhooks::verify_shared_secret_header`] a custom shared-secret header.
//!
//! # Rate limits and retries
//!
//! A [`pacer::RateLimitPacer`] per client (shared by clones) reads
//! `X-Rate-Limit-Requests-Left` / `X-Rate-Limit-Time-Reset-Ms` and waits for the reset when
//! no requests are left; [`Client::rate_limit`] shows the last state. The transport retries
//! 429s after `X-Rate-Limit-Time-Reset-Ms` / `X-Retry-After`, and 5xx / transport errors on
//! idempotent calls, with exponential backoff and jitter. A POST (order, shipment, refund,
//! relative adjustment) is retried only when the server cannot have acted on it.
//!
//! # Errors
//!
//! [`Error`] keeps the v3 `{status,title,type,errors}` and v2 `[{status,message}]` bodies
//! ([`error::ApiErrorDetails`]), names the JSON path of a decode failure, and still gives
//! status and text for an HTML error page. Secrets never appear in errors or logs.
//!
//! # Features
//!
//! `client` (default) enables the HTTP client. With `default-features = false` the crate is
//! the models and [`Credentials`] only.
//!
//! # MSRV
//!
//! Rust 1.88 (edition 2024).
#![deny(missing_docs)]

/// The examples of the crate's README, compiled as doctests so that they cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[macro_use]
mod macros;

pub mod catalog;
pub mod channels;
pub mod credentials;
pub mod de;
pub mod inventory;
pub mod metafields;
pub mod orders;
pub mod page;
pub mod pricelists;
pub mod store;
pub mod webhooks;

#[cfg(feature = "client")]
pub mod api;
#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
pub mod error;
#[cfg(feature = "client")]
pub mod pacer;

pub use credentials::{Credentials, CredentialsError, StoreHash};
pub use page::Page;

#[cfg(feature = "client")]
pub use bc_mirakl_api_core::retry::RetryPolicy;
#[cfg(feature = "client")]
pub use bc_mirakl_api_core::settings::ClientSettings;
#[cfg(feature = "client")]
pub use bc_mirakl_api_core::transport::{Method, RawResponse, RequestSpec};
#[cfg(feature = "client")]
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, List, MAX_PAGE_SIZE, PartialFailure, ProductScoped,
    RawRequest, Written,
};
#[cfg(feature = "client")]
pub use error::{Error, Result};
#[cfg(feature = "client")]
pub use pacer::{PacingConfig, RateLimit};
