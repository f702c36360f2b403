//! Typed async client for the Mirakl seller (shop) API.
#![deny(missing_docs)]

pub mod account;
pub mod ceilings;
#[cfg(feature = "client")]
pub mod client;
pub mod common;
pub mod datetime;
mod error;
pub mod imports;
pub mod offers;
pub mod orders;
pub mod products;
pub mod shipping;

#[cfg(feature = "client")]
pub use client::{Client, ClientBuilder};
pub use common::{MiraklOrderId, Page, ShopSku};
pub use error::{Error, Result};
