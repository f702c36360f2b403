//! Money on the wire: [`rust_decimal::Decimal`] written as a JSON **number** with its exact
//! digits, as Mirakl's contract types request amounts (OF24 `price`, `discount.price`, OR28
//! `amount`, `taxes[].amount`, …).
//!
//! The helpers live in [`bc_mirakl_api_core::decimal`] (shared with `bigcommerce-api`); this
//! module re-exports them under the names the models use:
//! `#[serde(serialize_with = "crate::money::number")]`, [`option`] for `Option<Decimal>`,
//! [`JsonNumber`] for JSON built by hand.

pub use bc_mirakl_api_core::decimal::{JsonNumber, number, option};
