//! Types shared by every resource: identifiers, open enums, custom-field values.

use serde::{Deserialize, Serialize};

/// Pages moved to [`crate::page`]; kept here for existing callers.
pub use crate::page::{Page, SeekPage};

/// String enums from the wire that keep unknown values in `Other`: the one definition in
/// `api-core`, shared with `bigcommerce-api`.
pub(crate) use bc_mirakl_api_core::open_enum;

/// Declares a string newtype id with `#[serde(transparent)]`.
macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a non-empty id.
            ///
            /// # Errors
            /// [`crate::Error::InvalidInput`] when `value` is empty or only whitespace.
            pub fn new(value: impl Into<String>) -> Result<Self, crate::Error> {
                let value = value.into();
                if value.trim().is_empty() {
                    return Err(crate::Error::InvalidInput(concat!(stringify!($name), " must not be empty").to_owned()));
                }
                Ok($name(value))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A Mirakl order id such as `ABC123-A` (one seller's part of a customer basket).
    MiraklOrderId
);
string_id!(
    /// The seller's own SKU of an offer (`shop_sku` / `offer_sku` / `offer-sku`).
    ShopSku
);

/// The value of a custom (additional) field on an offer, order, order line or shop.
///
/// Values are strings for most types and arrays for `MULTIPLE_VALUES_LIST`, so the value is
/// kept as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdditionalFieldValue {
    /// Field code (see AF01).
    pub code: String,
    /// Field type, e.g. `STRING`, `NUMERIC`, `LIST`, `MULTIPLE_VALUES_LIST`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    /// The value.
    #[serde(default)]
    pub value: serde_json::Value,
}

/// A per-item error returned inside a 200 answer (for example OR04 `updated_orders[].errors`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ItemError {
    /// Symbolic error code.
    #[serde(default)]
    pub code: Option<String>,
    /// Field concerned, if any.
    #[serde(default)]
    pub field: Option<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: Option<String>,
}

/// A translated label.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Translation {
    /// Locale such as `en` or `fr_FR`.
    pub locale: String,
    /// The translated text.
    #[serde(default)]
    pub value: Option<String>,
}

open_enum! {
    /// Sort direction for offset-paged listings (`order=asc|desc`).
    pub enum SortOrder {
        /// Ascending.
        Asc => "asc",
        /// Descending.
        Desc => "desc",
    }
}
