//! Store information (`/v2/store`, `/v2/time`) and the store profile settings
//! (`/v3/settings/store/profile`).

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
    /// Whether the merchant enters catalog prices including tax
    /// (`store_information.v2.yml`: "whether or not prices are entered with tax"); see
    /// [`StoreInfo::prices_entered_with_tax`].
    #[serde(default)]
    pub is_price_entered_with_tax: Option<bool>,
    /// Currency symbol, e.g. `$`.
    #[serde(default)]
    pub currency_symbol: Option<String>,
    /// Language, e.g. `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// Account UUID.
    #[serde(default)]
    pub account_uuid: Option<String>,
    /// Default site id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub default_site_id: Option<u64>,
    /// Whether the plan is a trial.
    #[serde(default)]
    pub plan_is_trial: Option<bool>,
    /// Store features (`features`), as sent: `stencil_enabled`,
    /// `multi_storefront_enabled`, `storefront_limits`, ...
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub features: serde_json::Value,
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

impl StoreInfo {
    /// Whether catalog prices are entered including tax: `Some(true)` when the store says
    /// so, `Some(false)` when it says not, `None` when `/v2/store` did not say (decide then,
    /// do not guess). A marketplace that prices with tax included (Westfield includes GST)
    /// needs a conversion when this is `Some(false)`.
    pub fn prices_entered_with_tax(&self) -> Option<bool> {
        self.is_price_entered_with_tax
    }
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

wire_enum!(
    /// Kind of business address (`AddressTypeEnumValues`, `settings.v3.yml`).
    pub enum StoreAddressType {
        /// Home office (the default).
        HomeOffice = "Home Office",
        /// Commercial office.
        CommercialOffice = "Commercial Office",
        /// Retail.
        Retail = "Retail",
        /// Warehouse.
        Warehouse = "Warehouse",
    }
);

/// Store profile settings (`GET`/`PUT /v3/settings/store/profile`): what shoppers see of
/// the business. On a channel-level read, `None` means "inherited from the global
/// settings"; on a channel-level write, `None` (sent as `null`) removes the override.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct StoreProfile {
    /// Store name.
    #[serde(default)]
    pub store_name: Option<String>,
    /// Address (free text).
    #[serde(default)]
    pub store_address: Option<String>,
    /// Address type (global level only).
    #[serde(default)]
    pub store_address_type: Option<StoreAddressType>,
    /// Contact email.
    #[serde(default)]
    pub store_email: Option<String>,
    /// Contact phone.
    #[serde(default)]
    pub store_phone: Option<String>,
}
