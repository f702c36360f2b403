//! The reference BigCommerce ⇄ Mirakl connector, as a library so tests and the example
//! binaries share it.
//!
//! * [`config`]: `connector.toml` loading (credentials from file, API-account `.txt` or environment).
//! * [`demo`]: the scripted demo on the embedded sandboxes (used by `sync`, the tests, the bench).
//! * [`runner`]: the continuous loop (webhooks, polls, call windows).
//! * [`engine`]: the connector engine (offers, orders, shipments) over both clients.
//! * [`state`]: the SQLite state store (last sent offers, order map, cursors, outbox).
//! * [`tools`]: what the small binaries do (credential check, recent orders, OF01 export).
//! * [`webhooks`]: the BigCommerce webhook receiver.
//! * [`metrics`]: latency percentiles and call counts for the summary.
#![deny(missing_docs)]

pub mod config;
pub mod demo;
pub mod engine;
pub mod metrics;
pub mod runner;
pub mod state;
pub mod tools;
pub mod webhooks;
