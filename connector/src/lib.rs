//! The runtime that drives a whole BigCommerce ⇄ Mirakl connection.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sync_connector::{config::Config, engine::{Engine, EngineOptions}, state::StateStore, tools};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cfg = Config::load("connector.toml".as_ref())?;
//! let (bigcommerce, mirakl) = tools::clients(&cfg)?;
//! let state = Arc::new(StateStore::open(&cfg.state_path)?);
//! let engine = Engine::new(bigcommerce, mirakl, state, tools::rules(&cfg)?, EngineOptions::default());
//! engine.poll_orders().await?; // accept/refuse, create once, ship
//! let plan = engine.reconcile(&|read, total| eprintln!("{read}/{total}")).await?;
//! println!("{} offers created, {} updated", plan.new, plan.changed);
//! # Ok(())
//! # }
//! ```
//!
//! * [`config`]: `connector.toml` loading (credentials from file, API-account `.txt` or environment).
//! * [`engine`]: the connector engine (offers, orders, shipments, product sync with P41)
//!   over both clients.
//! * [`runner`]: the continuous loop (webhooks, polls, call windows).
//! * [`state`]: the SQLite state store (last sent offers, order map, cursors, outbox).
//! * [`webhooks`]: the BigCommerce webhook receiver.
//! * [`tools`]: what the small binaries do (credential check, recent orders, OF01 export).
//! * [`metrics`]: latency percentiles and call counts for the summary.
#![deny(missing_docs)]

pub mod config;
pub mod engine;
pub mod metrics;
pub mod runner;
pub mod state;
pub mod tools;
pub mod webhooks;
