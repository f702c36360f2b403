//! Pure mapping, diff and decision logic for a BigCommerce ⇄ Mirakl sync.
//!
//! No I/O, no async, no clock (`now` is always a parameter), no randomness; outputs are sorted
//! (`BTreeMap`, sorted `Vec`s), so every decision is testable and replayable.
#![deny(missing_docs)]

pub mod catalog;
pub mod coalesce;
pub mod convert;
pub mod country;
pub mod lifecycle;
pub mod offers;
pub mod orders;
pub mod plan;
pub mod pricing;
pub mod rules;
pub mod shipments;
pub mod stock;
pub mod types;

pub use types::{CatalogRef, InvalidValue, ShopSku};

#[cfg(test)]
pub(crate) mod test_util {
    use rust_decimal::Decimal;
    use std::str::FromStr;

    pub(crate) fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
}
