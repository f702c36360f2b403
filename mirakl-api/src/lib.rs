//! Typed async client for the Mirakl seller (shop) API.
#![deny(missing_docs)]

pub mod account;
pub mod common;
pub mod datetime;
mod error;
pub mod imports;
pub mod offers;
pub mod orders;
pub mod products;
pub mod shipping;

pub use common::{MiraklOrderId, Page, ShopSku};
pub use error::{Error, Result};
