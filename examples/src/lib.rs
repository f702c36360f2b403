//! The reference BigCommerce ⇄ Mirakl connector, as a library so tests and the example
//! binaries share it.
//!
//! * [`config`]: `connector.toml` loading (credentials from file, API-account `.txt` or environment).
//! * [`state`]: the SQLite state store (last sent offers, order map, cursors, outbox).
#![deny(missing_docs)]

pub mod config;
pub mod state;
