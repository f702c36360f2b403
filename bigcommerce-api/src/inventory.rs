//! Inventory v3 models: locations, items, absolute and relative adjustments.
//!
//! The Inventory API is asynchronous: writes return a `transaction_id` and reads right after
//! may still show old values.

use crate::catalog::{ProductId, VariantId};
use crate::de;
use serde::{Deserialize, Serialize};

/// Most items one adjustment request may carry (`inventory.v3.yml`).
pub const MAX_ADJUSTMENT_ITEMS: usize = 2_000;

id_type!(
    /// An inventory location id (the default location is `1`).
    LocationId
);

/// An inventory location (`GET /v3/inventory/locations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Location {
    /// Id.
    pub id: LocationId,
    /// Merchant-facing code, e.g. `BC-LOCATION-1`.
    #[serde(default)]
    pub code: Option<String>,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Location type, e.g. `PHYSICAL`.
    #[serde(default)]
    pub type_id: Option<String>,
    /// Whether the location is enabled.
    #[serde(default = "yes", deserialize_with = "bool_or_true")]
    pub enabled: bool,
    /// Whether an external system manages it.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub managed_by_external_source: bool,
}

fn yes() -> bool {
    true
}

fn bool_or_true<'d, D: serde::Deserializer<'d>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

/// How an item is identified: by SKU, variant id or product id (for products without
/// variants / tracked by product).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ItemIdentity {
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Variant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<VariantId>,
    /// Product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<ProductId>,
    /// Internal SKU id (responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<u64>,
}

/// Per-location item settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSettings {
    /// Units held back from sale.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub safety_stock: i64,
    /// In stock flag (for untracked items).
    #[serde(default)]
    pub is_in_stock: Option<bool>,
    /// Low-stock warning level.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub warning_level: i64,
    /// Bin picking number.
    #[serde(default)]
    pub bin_picking_number: Option<String>,
}

/// An item at one location (`GET /v3/inventory/locations/{id}/items`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct LocationItem {
    /// Which item.
    pub identity: ItemIdentity,
    /// On hand minus safety stock.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub available_to_sell: i64,
    /// Units on hand.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub total_inventory_onhand: i64,
    /// Settings.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub settings: ItemSettings,
}

/// An item with its stock at every location (`GET /v3/inventory/items`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct InventoryItem {
    /// Which item.
    pub identity: ItemIdentity,
    /// Stock per location.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub locations: Vec<ItemLocationStock>,
}

/// Stock of an item at one location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ItemLocationStock {
    /// Location id.
    pub location_id: LocationId,
    /// Location code.
    #[serde(default)]
    pub location_code: Option<String>,
    /// Location name.
    #[serde(default)]
    pub location_name: Option<String>,
    /// On hand minus safety stock.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub available_to_sell: i64,
    /// Units on hand.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub total_inventory_onhand: i64,
    /// Whether the location is enabled.
    #[serde(default)]
    pub location_enabled: Option<bool>,
    /// Settings.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub settings: ItemSettings,
}

/// One line of an absolute (`quantity` = new level) or relative (`quantity` = delta)
/// adjustment. Build with [`Adjustment::by_sku`], [`Adjustment::by_variant`] or
/// [`Adjustment::by_product`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// Location.
    pub location_id: LocationId,
    /// SKU identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Variant identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<VariantId>,
    /// Product identity (products tracked by product).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<ProductId>,
    /// New level (absolute) or change (relative).
    pub quantity: i64,
}

impl Adjustment {
    /// An item identified by SKU.
    pub fn by_sku(location_id: LocationId, sku: impl Into<String>, quantity: i64) -> Self {
        Adjustment {
            location_id,
            sku: Some(sku.into()),
            variant_id: None,
            product_id: None,
            quantity,
        }
    }

    /// An item identified by variant id.
    pub fn by_variant(location_id: LocationId, variant_id: VariantId, quantity: i64) -> Self {
        Adjustment {
            location_id,
            sku: None,
            variant_id: Some(variant_id),
            product_id: None,
            quantity,
        }
    }

    /// An item identified by product id (tracked by product).
    pub fn by_product(location_id: LocationId, product_id: ProductId, quantity: i64) -> Self {
        Adjustment {
            location_id,
            sku: None,
            variant_id: None,
            product_id: Some(product_id),
            quantity,
        }
    }
}

/// Body of `PUT /v3/inventory/adjustments/absolute` and `POST .../relative`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentRequest {
    /// Reason shown in the inventory history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Items (at most [`MAX_ADJUSTMENT_ITEMS`]).
    pub items: Vec<Adjustment>,
}

/// The answer to an inventory write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct InventoryTransaction {
    /// Transaction id.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub transaction_id: Option<String>,
}
