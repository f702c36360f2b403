//! The reference BigCommerce ⇄ Mirakl connector, as a library so tests and the example
//! binaries share it.
//!
//! * [`config`]: `connector.toml` loading (credentials from file, API-account `.txt` or environment).
//! * [`state`]: the SQLite state store (last sent offers, order map, cursors, outbox).
//! * [`webhooks`]: the BigCommerce webhook receiver.
//! * [`metrics`]: latency percentiles and call counts for the summary.
//! * [`window`]: Mirakl call windows (one OF24/STO01/PRI01/OR11 per window).
#![deny(missing_docs)]

pub mod config;
pub mod metrics;
pub mod state;
pub mod webhooks;
pub mod window;
