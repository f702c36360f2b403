//! Typed async client for the Mirakl seller (shop) API (MMP), for marketplaces such as
//! Westfield online.
//!
//! ```no_run
//! use mirakl_api::imports::{StockLine, WaitOptions};
//! use mirakl_api::orders::{OrderLineAcceptance, OrderState};
//! use mirakl_api::{Client, ShopSku};
//! use futures::TryStreamExt;
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), mirakl_api::Error> {
//! let client = Client::builder("https://yourmarketplace.mirakl.net")
//!     .api_key(std::env::var("MIRAKL_API_KEY").unwrap_or_default())
//!     .shop_id(Some(2001))
//!     .build()?;
//!
//! // Accept every line of every order waiting for acceptance (OR11 + OR21).
//! let waiting: Vec<_> = client
//!     .orders()
//!     .list()
//!     .states([OrderState::WaitingAcceptance])
//!     .stream()
//!     .try_collect()
//!     .await?;
//! for order in &waiting {
//!     let lines = order
//!         .order_lines
//!         .iter()
//!         .map(|l| OrderLineAcceptance::accept(l.order_line_id.clone()))
//!         .collect();
//!     client.orders().accept(&order.order_id, lines).await?;
//! }
//!
//! // Push stock (STO01) and wait for the import to finish (STO02, STO03).
//! let import = client
//!     .stock()
//!     .import(&[StockLine::new(ShopSku::new("BC-SKU-1")?, 12)])
//!     .await?;
//! let outcome = client
//!     .stock()
//!     .wait_for_import(&import.import_id, WaitOptions::new(Duration::from_secs(15), 40))
//!     .await?;
//! if let Some(report) = outcome.error_report {
//!     for row in report.rows {
//!         eprintln!("line {:?}: {:?}", row.line, row.message);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # What is in here
//!
//! Every operation of Mirakl's seller OpenAPI, 122 of 122: see [`coverage`] for the table
//! operation code → method (checked against the spec by a test). 37 are written by hand
//! with helpers (import waiting, CSV writers, error reports, OR11 polling); 85 are
//! generated from the spec (`scripts/gen_ops.py`) into one module per operation
//! ([`shipments::st11`], [`returns::rt11`], [`orders::or30`], …) with the same conventions:
//! typed request bodies and query setters (enums where the spec declares one, open to
//! values this version does not know), tolerant responses, `send()` / `stream()`. A shape
//! the spec repeats across operations is generated once, in [`shared`], and each operation
//! module re-exports it under its own name.
//!
//! - [`Client`] (feature `client`, on by default): built from the operator's instance URL
//!   (https, or http on loopback), the shop API key (sent raw in `Authorization`, redacted
//!   in `Debug` and errors) and an optional `shop_id` added to every call. One handler per
//!   resource: [`Client::offers`], [`Client::stock`], [`Client::prices`],
//!   [`Client::orders`], [`Client::products`], [`Client::hierarchies`],
//!   [`Client::attributes`], [`Client::value_lists`], [`Client::account`],
//!   [`Client::platform_configuration`], [`Client::carriers`],
//!   [`Client::logistic_classes`], [`Client::shipments`], [`Client::returns`],
//!   [`Client::messages`], [`Client::accounting`], [`Client::documents`],
//!   [`Client::shipping`], [`Client::reasons`], [`Client::promotions`],
//!   [`Client::platform`], and [`Client::raw`] for anything else. The handlers live in
//!   [`api`], named as in `bigcommerce-api`; the shared builder settings (timeouts, user
//!   agent, retry policy, base-URL override) are one [`client::ClientSettings`].
//! - Listings come as a [`Page`] from `send()` or as a lazy stream from `stream()`, for
//!   both offset paging (`max`/`offset`/`total_count`: OR11, OF21, P51) and seek paging
//!   (`limit`/`page_token`/`next_page_token`: OF04, PRI02).
//! - Call ceilings: Mirakl publishes a maximum frequency per operation (OF24, STO01,
//!   PRI01, OR11 once a minute; P41 every 15 minutes …). [`ceilings::CallCeilings`] holds
//!   that table and [`client::CallLimiter`] enforces it per shop, on by default: a call
//!   that comes too early waits. Turn it off with
//!   [`ClientBuilder::without_limiter`] for tests and the sandbox. A 429 is retried after
//!   its `Retry-After` (within the retry policy) and otherwise returned as
//!   [`Error::RateLimited`].
//! - Money is [`rust_decimal::Decimal`], sent as exact JSON numbers ([`money`]) and
//!   accepted as numbers or strings.
//! - Models (always compiled; with `default-features = false` the crate is models only):
//!   [`orders`], [`offers`], [`imports`] (statuses, CSV writers for OF01/STO01/PRI01, error
//!   report parsing), [`products`], [`shipping`], [`account`]. They are tolerant as Mirakl
//!   asks: unknown enum values are kept (`Other(String)`), numbers may arrive as strings,
//!   dates with or without milliseconds, null countries, missing optional blocks.
//! - **OF24 replaces whole offers**: every field not sent is reset. See
//!   [`offers::OfferUpdate`].
//! - Per-item failures that Mirakl returns with a 200 (OR04 `errors`, the lines of an
//!   import's error report) are data: [`orders::OrderUpdateResponse::failures`],
//!   [`imports::ImportOutcome::error_report`].
//!
//! # Feature flags
//!
//! - `client` (default): the HTTP client, handlers, request builders and limiter. Without
//!   it the crate is the models only (no HTTP stack), as `sync-core` uses it.
//!
//! # Minimum supported Rust version
//!
//! Rust 1.88.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod account;
pub mod accounting;
#[cfg(feature = "client")]
pub mod api;
pub mod ceilings;
#[cfg(feature = "client")]
pub mod client;
pub mod common;
#[cfg(feature = "client")]
pub mod coverage;
pub mod datetime;
pub mod documents;
pub mod error;
pub mod imports;
mod lenient;
pub mod messages;
pub mod money;
pub mod offers;
pub mod orders;
pub mod page;
pub mod platform;
pub mod products;
pub mod promotions;
pub mod reasons;
pub mod returns;
pub mod shared;
pub mod shipments;
pub mod shipping;

#[cfg(feature = "client")]
pub use client::{Client, ClientBuilder};
pub use common::{MiraklOrderId, ShopSku};
pub use error::{Error, Result};
pub use page::Page;
