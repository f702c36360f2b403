//! Price lists v3 models.

use crate::catalog::{ProductId, VariantId};
use crate::de;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Most records one upsert (`PUT /v3/pricelists/{id}/records`) may carry.
pub const MAX_UPSERT_RECORDS: usize = 1_000;

id_type!(
    /// A price list id.
    PriceListId
);

/// A price list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct PriceList {
    /// Id.
    pub id: PriceListId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Whether it is active.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub active: bool,
    /// Created at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Last modified at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_modified: Option<OffsetDateTime>,
}

/// A price of one variant in one currency on a price list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct PriceListRecord {
    /// Price list.
    pub price_list_id: PriceListId,
    /// Variant.
    pub variant_id: VariantId,
    /// Product.
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// SKU, when returned.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub sku: Option<String>,
    /// Currency code as sent (often lower case, `"usd"`).
    #[serde(default)]
    pub currency: String,
    /// Price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub price: Option<Decimal>,
    /// Sale price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub sale_price: Option<Decimal>,
    /// Retail price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub retail_price: Option<Decimal>,
    /// Minimum advertised price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal_or_object",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub map_price: Option<Decimal>,
    /// Effective price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub calculated_price: Option<Decimal>,
    /// Created at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Last modified at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_modified: Option<OffsetDateTime>,
}

/// One element of `PUT /v3/pricelists/{id}/records` (identified by variant id or SKU).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceListRecordUpsert {
    /// Variant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<VariantId>,
    /// SKU (alternative to the variant id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Currency code, e.g. `AUD`.
    pub currency: String,
    /// Price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub price: Option<Decimal>,
    /// Sale price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub sale_price: Option<Decimal>,
    /// Retail price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub retail_price: Option<Decimal>,
    /// Minimum advertised price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub map_price: Option<Decimal>,
}

impl PriceListRecordUpsert {
    /// A record for `variant_id` in `currency` at `price`.
    pub fn new(variant_id: VariantId, currency: impl Into<String>, price: Decimal) -> Self {
        PriceListRecordUpsert {
            variant_id: Some(variant_id),
            sku: None,
            currency: currency.into(),
            price: Some(price),
            sale_price: None,
            retail_price: None,
            map_price: None,
        }
    }
}
