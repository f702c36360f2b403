//! Store information (`/v2/store`, `/v2/time`).

use crate::de;
use serde::{Deserialize, Serialize};

/// `GET /v2/store`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct StoreInfo {
    /// Store hash (called `id` here).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub id: Option<String>,
    /// Numeric store id (what webhooks call `store_id`).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub store_id: Option<String>,
    /// Store name.
    #[serde(default)]
    pub name: String,
    /// Primary domain.
    #[serde(default)]
    pub domain: Option<String>,
    /// Secure storefront URL.
    #[serde(default)]
    pub secure_url: Option<String>,
    /// Status, e.g. `live`.
    #[serde(default)]
    pub status: Option<String>,
    /// Country name.
    #[serde(default)]
    pub country: Option<String>,
    /// ISO alpha-2 country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Default currency code.
    #[serde(default)]
    pub currency: Option<String>,
    /// Decimal places of prices.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub decimal_places: Option<u64>,
    /// Weight unit, e.g. `Ounces`, `KGS`.
    #[serde(default)]
    pub weight_units: Option<String>,
    /// Dimension unit, e.g. `Inches`, `Centimeters`.
    #[serde(default)]
    pub dimension_units: Option<String>,
    /// Whether prices are entered including tax.
    #[serde(default)]
    pub is_price_entered_with_tax: Option<bool>,
    /// Plan name.
    #[serde(default)]
    pub plan_name: Option<String>,
    /// Plan level.
    #[serde(default)]
    pub plan_level: Option<String>,
    /// Default channel id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub default_channel_id: Option<u64>,
    /// Administrator email.
    #[serde(default)]
    pub admin_email: Option<String>,
    /// Order notification email.
    #[serde(default)]
    pub order_email: Option<String>,
    /// Time zone.
    #[serde(default)]
    pub timezone: Option<StoreTimezone>,
}

/// Time zone of a store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct StoreTimezone {
    /// IANA name.
    #[serde(default)]
    pub name: Option<String>,
    /// Offset in seconds without DST.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub raw_offset: Option<i64>,
    /// Offset in seconds with DST.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub dst_offset: Option<i64>,
}

/// `GET /v2/time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub struct StoreTime {
    /// Unix seconds.
    #[serde(deserialize_with = "bc_mirakl_api_core::de::i64_lenient")]
    pub time: i64,
}
