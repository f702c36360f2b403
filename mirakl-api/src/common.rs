//! Types shared by every resource: identifiers, pages, open enums, custom-field values.

use serde::{Deserialize, Serialize};

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

/// One page of a listing, whatever the paging style.
///
/// Offset-paged operations (OR11, OF21, P51) fill `total_count` and `offset`;
/// seek-paged ones (OF04, PRI02) fill the page tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Total number of items across all pages (offset paging).
    pub total_count: Option<u64>,
    /// Offset of the first item of this page (offset paging).
    pub offset: Option<u64>,
    /// Token of the next page (seek paging); `None` on the last page.
    pub next_page_token: Option<String>,
    /// Token of the previous page (seek paging).
    pub previous_page_token: Option<String>,
}

impl<T> Page<T> {
    /// An offset page.
    pub fn offset_page(items: Vec<T>, total_count: u64, offset: u64) -> Self {
        Page {
            items,
            total_count: Some(total_count),
            offset: Some(offset),
            next_page_token: None,
            previous_page_token: None,
        }
    }

    /// A seek page.
    pub fn seek_page(items: Vec<T>, next: Option<String>, previous: Option<String>) -> Self {
        Page {
            items,
            total_count: None,
            offset: None,
            next_page_token: next.filter(|t| !t.is_empty()),
            previous_page_token: previous.filter(|t| !t.is_empty()),
        }
    }

    /// The offset of the next page, for offset paging: `None` when this page is empty or
    /// the total is reached. A non-empty page with a total of 0 means the operator sent no
    /// (or a wrong) `total_count`: reading goes on until an empty page rather than stopping
    /// after the first one, which would silently drop orders.
    pub fn next_offset(&self) -> Option<u64> {
        let offset = self.offset?;
        let total = self.total_count?;
        if self.items.is_empty() {
            return None;
        }
        let next = offset + self.items.len() as u64;
        (total == 0 || next < total).then_some(next)
    }
}

/// The body of a seek-paged response: `{"data": [...], "next_page_token": ..}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct SeekPage<T> {
    /// The items.
    #[serde(
        default = "Vec::new",
        deserialize_with = "bc_mirakl_api_core::de::null_as_default"
    )]
    pub data: Vec<T>,
    /// Next page token; absent or null on the last page.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// Previous page token; absent or null on the first page.
    #[serde(default)]
    pub previous_page_token: Option<String>,
}

impl<T> From<SeekPage<T>> for Page<T> {
    fn from(p: SeekPage<T>) -> Self {
        Page::seek_page(p.data, p.next_page_token, p.previous_page_token)
    }
}

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
