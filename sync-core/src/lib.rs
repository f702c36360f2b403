//! Pure mapping, diff and decision logic for a BigCommerce ⇄ Mirakl sync.
//!
//! No I/O, no async, no clock (`now` is always a parameter), no randomness; outputs are sorted
//! (`BTreeMap`, sorted `Vec`s), so every decision is testable and replayable. It depends on
//! `bigcommerce-api` and `mirakl-api` for their models only (no HTTP stack).
//!
//! # Entry points
//!
//! | step | function | in → out |
//! |---|---|---|
//! | configuration | [`rules::SyncRules`] | TOML/JSON with defaults |
//! | catalog input | [`catalog::Catalog::from_products`], [`catalog::Catalog::add_inventory`], [`catalog::Catalog::add_price_records`] | BigCommerce models → [`catalog::Catalog`] |
//! | desired offers | [`offers::desired`] | catalog + rules → offers by [`ShopSku`] + [`offers::OfferProblem`]s |
//! | current offers | [`convert::current_offers`] | Mirakl OF21/OF52 offers → [`offers::CurrentOffer`]s |
//! | diff | [`plan::plan`], then [`plan::Plan::batches`] | → OF24 / STO01 / PRI01 [`plan::Batch`]es; [`convert::offer_update_keeping`] gives the OF24 line and [`convert::price_rows_keeping`] the PRI01 rows, both keeping the fields and prices the sync does not manage |
//! | near real time | [`coalesce::Coalescer`] | webhooks → dirty keys; batches → at most one call per window |
//! | stock held | [`orders::held_units`] | open Mirakl orders not yet in BigCommerce → units per SKU |
//! | orders | [`lifecycle::step`] | Mirakl order + [`lifecycle::OrderRecord`] + BigCommerce order → [`lifecycle::Action`]s (OR21, create, OR23/OR24, cancel, refund) |
//! | products (P41) | [`products::prepare`], [`products::changed_rows`], [`products::to_csv_records`], [`products::map_error_report`] | BigCommerce products + H11/PM11/VL11 → valid P41 rows + [`products::ProductProblem`]s; P44 → BigCommerce ids |
//!
//! The building blocks of `step` are public too: [`orders::decide`] (OR21),
//! [`orders::to_bigcommerce`] (`POST /v2/orders` body), [`shipments::tracking`] (OR23).
//!
//! # Example
//!
//! ```
//! use std::collections::{BTreeMap, BTreeSet};
//! use sync_core::catalog::{Catalog, CatalogProduct, InventoryTracking};
//! use sync_core::rules::SyncRules;
//! use sync_core::{offers, plan};
//!
//! let rules: SyncRules = toml::from_str(r#"
//!     [price]
//!     markup_percent = "10"
//!     rounding = { ending = "0.95" }
//!     [stock]
//!     buffer_units = 1
//! "#)?;
//! let catalog = Catalog {
//!     products: vec![CatalogProduct {
//!         id: 1,
//!         sku: Some("TEE-1".into()),
//!         price: Some("20".parse()?),
//!         is_visible: true,
//!         availability: "available".into(),
//!         inventory_tracking: InventoryTracking::Product,
//!         inventory_level: Some(5),
//!         ..CatalogProduct::default()
//!     }],
//!     ..Catalog::default()
//! };
//! let (desired, problems) = offers::desired(&catalog, &rules);
//! assert!(problems.is_empty());
//! let current = BTreeMap::new(); // from convert::current_offers(&of21_offers, &rules.offer)
//! let plan = plan::plan(&desired, &current, &offers::problem_skus(&problems), &rules.plan);
//! let batches = plan.batches(&rules.plan);
//! let plan::Batch::Offers(lines) = &batches[0] else { unreachable!() };
//! assert_eq!(lines[0].content.price.to_string(), "22.95");
//! assert_eq!(lines[0].content.quantity, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
pub mod products;
pub mod rules;
pub mod shipments;
pub mod stock;
pub mod types;
pub mod units;

pub use types::{CatalogRef, InvalidValue, ShopSku};

#[cfg(test)]
pub(crate) mod test_util {
    use rust_decimal::Decimal;
    use std::str::FromStr;

    pub(crate) fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Offer content with state 11 and nothing else set.
    pub(crate) fn offer_content(price: Decimal, quantity: u64) -> crate::offers::OfferContent {
        crate::offers::OfferContent {
            price,
            discount: None,
            quantity,
            state_code: "11".into(),
            leadtime_to_ship: None,
            logistic_class: None,
            additional_fields: std::collections::BTreeMap::new(),
            volume_prices: None,
        }
    }
}
