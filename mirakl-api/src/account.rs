//! The shop account (A01), custom fields (AF01) and the platform configuration (PC01).

use crate::common::{AdditionalFieldValue, open_enum};
use crate::orders::TaxMode;
use bc_mirakl_api_core::de::{null_as_default, opt_u64_lenient, u64_lenient};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

open_enum! {
    /// State of the shop.
    pub enum ShopState {
        /// Open.
        Open => "OPEN",
        /// Closed.
        Close => "CLOSE",
        /// Suspended.
        Suspended => "SUSPENDED",
    }
}

/// The shop (A01).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Shop {
    /// Shop id.
    #[serde(deserialize_with = "u64_lenient")]
    pub shop_id: u64,
    /// Shop name.
    #[serde(default)]
    pub shop_name: Option<String>,
    /// State.
    #[serde(default)]
    pub shop_state: Option<ShopState>,
    /// Currency.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Channels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub channels: Vec<String>,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub date_created: Option<OffsetDateTime>,
    /// Last update.
    #[serde(default, with = "crate::datetime::optional")]
    pub last_updated_date: Option<OffsetDateTime>,
    /// Closed from.
    #[serde(default, with = "crate::datetime::optional")]
    pub closed_from: Option<OffsetDateTime>,
    /// Closed until.
    #[serde(default, with = "crate::datetime::optional")]
    pub closed_to: Option<OffsetDateTime>,
    /// Number of offers.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub offers_count: Option<u64>,
    /// Number of orders.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub orders_count: Option<u64>,
    /// Professional seller.
    #[serde(default)]
    pub is_professional: Option<bool>,
    /// Premium seller.
    #[serde(default)]
    pub premium: Option<bool>,
    /// Free shipping.
    #[serde(default)]
    pub free_shipping: Option<bool>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Grade.
    #[serde(default)]
    pub grade: Option<Decimal>,
    /// Average approval delay.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub approval_delay: Option<u64>,
    /// Approval rate.
    #[serde(default)]
    pub approval_rate: Option<Decimal>,
    /// Custom fields.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shop_additional_fields: Vec<AdditionalFieldValue>,
    /// Shipping settings per zone/type, kept as JSON.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shippings: Vec<serde_json::Value>,
}

/// Response of AF01.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AdditionalFieldList {
    /// The fields.
    #[serde(default, deserialize_with = "null_as_default")]
    pub additional_fields: Vec<AdditionalField>,
}

/// A custom field definition (AF01).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AdditionalField {
    /// Code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Entity: `OFFER`, `ORDER`, `ORDER_LINE`, `SHOP`.
    #[serde(default)]
    pub entity: Option<String>,
    /// Type, e.g. `STRING`, `NUMERIC`, `LIST`.
    #[serde(rename = "type", default)]
    pub field_type: Option<String>,
    /// Whether required (a required offer field missing makes OF24 lines fail).
    #[serde(default, deserialize_with = "null_as_default")]
    pub required: bool,
    /// Whether the seller can edit it.
    #[serde(default)]
    pub editable: Option<bool>,
    /// Accepted values for `LIST`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub accepted_values: Vec<String>,
}

/// The platform configuration (PC01).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PlatformConfiguration {
    /// Platform name.
    #[serde(default)]
    pub platform_name: Option<String>,
    /// Tenant name.
    #[serde(default)]
    pub tenant_name: Option<String>,
    /// Time zone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Features.
    #[serde(default)]
    pub features: Features,
    /// Modules, kept as JSON.
    #[serde(default)]
    pub modules: Option<serde_json::Value>,
    /// Other configuration, kept as JSON.
    #[serde(default)]
    pub platform_configuration: Option<serde_json::Value>,
}

impl PlatformConfiguration {
    /// The CSV delimiter the operator expects (`;` unless PC01 says `COMMA`).
    pub fn csv_delimiter(&self) -> u8 {
        match self.features.operator_csv_delimiter.as_deref() {
            Some("COMMA") => b',',
            _ => b';',
        }
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

impl Features {
    /// `offer_prices_decimals` as a number, when it is one.
    pub fn price_decimals(&self) -> Option<u32> {
        self.offer_prices_decimals.as_deref()?.trim().parse().ok()
    }
}

/// PC01 `features`: what the operator has switched on.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Features {
    /// Order workflow settings.
    #[serde(default)]
    pub order_workflows: Option<OrderWorkflows>,
    /// Shipment settings.
    #[serde(default)]
    pub shipment: Option<ShipmentFeatures>,
    /// Maximum number of price decimals, as sent (a numeric string such as `"2"`); see
    /// [`Features::price_decimals`].
    #[serde(default, deserialize_with = "string_or_number")]
    pub offer_prices_decimals: Option<String>,
    /// `SEMICOLON` or `COMMA`.
    #[serde(default)]
    pub operator_csv_delimiter: Option<String>,
    /// Default tax mode.
    #[serde(default)]
    pub order_tax_mode: Option<TaxMode>,
    /// Whether sellers may only use registered carriers.
    #[serde(default)]
    pub disable_seller_alternative_carrier: Option<bool>,
    /// Whether multi-currency is on.
    #[serde(default)]
    pub multi_currency: Option<bool>,
    /// Pricing features (channel pricing, volume pricing…), kept as JSON.
    #[serde(default)]
    pub pricing: Option<serde_json::Value>,
    /// Tax collection settings, kept as JSON.
    #[serde(default)]
    pub tax_collection: Option<serde_json::Value>,
    /// Whether sellers may override lead time to ship (`YES`/`NO`…).
    #[serde(default)]
    pub lead_time_to_ship_by_sellers_enabled: Option<String>,
}

/// PC01 `features.order_workflows`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct OrderWorkflows {
    /// `AUTOMATIC`, `NOT_AUTOMATIC` or `BOTH`.
    #[serde(default)]
    pub order_acceptance: Option<String>,
    /// Whether addresses are visible before acceptance.
    #[serde(default)]
    pub shipping_and_billing_details_before_acceptance: Option<bool>,
    /// Whether OR21 may accept some lines and refuse others. Not in the published PC01
    /// schema: `None` when the operator does not say (OR21 then answers
    /// `ORDER_PARTIAL_ACCEPTANCE_DISABLED` to a mixed decision where it is off).
    #[serde(default)]
    pub partial_acceptance: Option<bool>,
}

/// PC01 `features.shipment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ShipmentFeatures {
    /// Whether multi-shipment (ST01…) is on.
    #[serde(default)]
    pub multi_shipment: Option<bool>,
    /// Whether multi-part items are on.
    #[serde(default)]
    pub multi_part_item_shipment: Option<bool>,
}

// @generated operations begin (scripts/gen_ops.py)
/// A02 - Update shop information.
pub mod a02;
/// A21 - Get shop statistics.
pub mod a21;
/// RO02 - List shop roles.
pub mod ro02;
// @generated operations end
