//! Resource handlers (feature `client`): one per resource, each owning a cheap clone of the
//! [`Client`](crate::Client), named as in `bigcommerce-api` (`Offers`, `Orders`,
//! `Products`, …). The models they send and return live in the resource modules
//! ([`crate::offers`], [`crate::orders`], …).
//!
//! | handler | from | operations |
//! |---|---|---|
//! | [`Offers`] | [`Client::offers`](crate::Client::offers) | OF01–OF04, OF21, OF22, OF24, OF52–OF54 |
//! | [`Stock`] | [`Client::stock`](crate::Client::stock) | STO01–STO03 |
//! | [`Prices`] | [`Client::prices`](crate::Client::prices) | PRI01–PRI03 |
//! | [`Orders`] | [`Client::orders`](crate::Client::orders) | OR04, OR11, OR21, OR23, OR24, OR28, OR29, OR72, OR73 |
//! | [`Products`] | [`Client::products`](crate::Client::products) | P41, P42, P44, P51 |
//! | [`Hierarchies`] | [`Client::hierarchies`](crate::Client::hierarchies) | H11 |
//! | [`Attributes`] | [`Client::attributes`](crate::Client::attributes) | PM11 |
//! | [`ValueLists`] | [`Client::value_lists`](crate::Client::value_lists) | VL11 |
//! | [`Account`] | [`Client::account`](crate::Client::account) | A01, AF01 |
//! | [`Platform`] | [`Client::platform_configuration`](crate::Client::platform_configuration) | PC01 |
//! | [`Carriers`] | [`Client::carriers`](crate::Client::carriers) | SH21 |
//! | [`LogisticClasses`] | [`Client::logistic_classes`](crate::Client::logistic_classes) | SH31 |

mod account;
mod catalog;
mod imports;
mod offers;
mod orders;

pub use account::{Account, Carriers, LogisticClasses, Platform};
pub use catalog::{
    AttributeListRequest, Attributes, Hierarchies, HierarchyListRequest, ProductImportFile,
    ProductImportListRequest, Products, ValueLists,
};
pub use imports::{PriceImportListRequest, Prices, Stock};
pub use offers::{OfferImportFile, OfferImportListRequest, OfferListRequest, Offers};
pub use orders::{DocumentSelection, OrderListRequest, Orders};
