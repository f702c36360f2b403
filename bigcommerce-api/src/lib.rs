//! Typed async client for the BigCommerce REST API (v2 orders and store, v3 catalog,
//! inventory, price lists, webhooks, order payments).
#![deny(missing_docs)]

#[macro_use]
mod macros;

pub mod catalog;
pub mod credentials;
pub mod de;
pub mod inventory;
pub mod orders;
pub mod page;
pub mod pricelists;
pub mod store;
pub mod webhooks;

#[cfg(feature = "client")]
pub mod error;

pub use credentials::{Credentials, CredentialsError, StoreHash};
pub use page::Page;

#[cfg(feature = "client")]
pub use error::{Error, Result};
