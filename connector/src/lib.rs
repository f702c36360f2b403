//! The runtime that drives a whole BigCommerce ⇄ Mirakl connection: offers, orders and
//! products kept in step between a BigCommerce store and a Mirakl shop, crash-safe, over
//! the `bigcommerce-api` and `mirakl-api` clients and the pure decisions of `sync-core`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sync_connector::{Connector, ConnectorOptions, config::Config, state::SqliteStore, tools};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cfg = Config::load("connector.toml".as_ref())?;
//! let (bigcommerce, mirakl) = tools::clients(&cfg)?;
//! let store = Arc::new(SqliteStore::open(&cfg.state_path)?);
//! let connector =
//!     Connector::new(bigcommerce, mirakl, store, tools::rules(&cfg)?, ConnectorOptions::default());
//! connector.poll_orders().await?; // accept/refuse, create once, ship
//! let plan = connector.reconcile(&|read, total| eprintln!("{read}/{total}")).await?;
//! println!("{} offers created, {} updated", plan.new, plan.changed);
//! # Ok(())
//! # }
//! ```
//!
//! # Architecture
//!
//! * **Flows**, one module each, each owning its state behind its own small lock and exposing
//!   its step: [`offers`] (reconcile, coalesce, send: [`offers::OffersFlow`]), [`orders`]
//!   (poll, accept, create once, ship, refund: [`orders::OrdersFlow`]) and [`products`] (P41:
//!   [`products::ProductsFlow`]). What flows tell each other is narrow: orders publish the
//!   units their open orders hold ([`orders::OrderBook`]), orders and products mark products
//!   dirty for offers, products say which offers may go out ([`products::Listing`]).
//! * **A step** reads what it needs (both services and the store), asks `sync-core` what to do
//!   (a plan, a lifecycle action), does it, and records the outcome in the store *around*
//!   each call that is not idempotent (an in-flight call before, the record after), so a
//!   crash at any point is resumed by the next step, never repeated.
//! * **The runner** ([`runner`]) schedules the flows' steps (today in one sequence per tick;
//!   the flows hold the stock gate around the one section where orders and offers must not
//!   interleave, so a runner can run them side by side); webhooks ([`webhooks`]) feed it.
//! * **The state store** ([`state`]): the [`state::StateStore`] trait (object-safe, async) with
//!   [`state::SqliteStore`] as the embedded default and a shared conformance suite any store
//!   runs. [`Connector`] wires the flows over two clients and an `Arc<dyn StateStore>`.
//! * [`config`] loads `connector.toml`; [`metrics`] holds the counters and latency figures for
//!   the summary; [`tools`] what the small binaries do.
//!
//! # Features
//! * `conformance`: the shared [`StateStore`](state::StateStore) test suite
//!   (`state::conformance`), for store implementations.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audit;
mod catalog;
pub mod channel;
pub mod config;
mod connector;
mod context;
mod error;
pub mod explain;
pub mod fleet;
pub mod messages;
pub mod metrics;
pub mod observe;
pub mod offers;
pub mod orders;
pub mod products;
pub mod progress;
pub mod reasons;
pub mod runner;
pub mod state;
pub mod tools;
pub mod webhooks;

pub use connector::{Connector, ConnectorOptions};
pub use error::{Error, Result};
pub use offers::PlanSummary;
