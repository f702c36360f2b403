//! Inventory v3 handler.

use crate::catalog::{ProductId, VariantId};
use crate::client::{Client, List, Style, csv, with_json};
use crate::error::Result;
use crate::inventory::{
    Adjustment, AdjustmentRequest, InventoryItem, InventoryTransaction, Location, LocationId,
    LocationItem, MAX_ADJUSTMENT_ITEMS,
};
use bc_mirakl_api_core::transport::{Method, RequestSpec};

impl Client {
    /// Inventory (`/v3/inventory/...`).
    /// Scope of its calls: Store Inventory (`store_inventory`; `store_inventory_read_only` for
    /// reads), and Store Locations (`store_locations_read_only`) for the locations listing.
    pub fn inventory(&self) -> Inventory {
        Inventory {
            client: self.clone(),
        }
    }
}

/// Inventory handler.
#[derive(Debug, Clone)]
pub struct Inventory {
    client: Client,
}

impl Inventory {
    /// Lists inventory locations.
    /// Scope: Store Locations (`store_locations_read_only` or `store_locations`).
    pub fn locations(&self) -> List<Location> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/inventory/locations",
            "v3/inventory/locations".into(),
        )
    }

    /// Lists the items at one location.
    /// Scope: Store Inventory (`store_inventory_read_only` or `store_inventory`).
    pub fn location_items(&self, location: LocationId) -> List<LocationItem> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/inventory/locations/{id}/items",
            format!("v3/inventory/locations/{location}/items"),
        )
    }

    /// Lists items with their stock at every location.
    /// Scope: Store Inventory (`store_inventory_read_only` or `store_inventory`).
    pub fn items(&self) -> List<InventoryItem> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/inventory/items",
            "v3/inventory/items".into(),
        )
    }

    /// Sets stock levels (`PUT /v3/inventory/adjustments/absolute`), in chunks of
    /// [`MAX_ADJUSTMENT_ITEMS`]; returns one transaction per chunk. Avoid running absolute
    /// adjustments for the same items concurrently (last writer wins, in no set order).
    /// Scope: Store Inventory (`store_inventory`).
    ///
    /// # Errors
    /// The first failing chunk's error (earlier chunks were applied); 422 when an item is
    /// tracked at another level (e.g. by product, not variant).
    pub async fn adjust_absolute(
        &self,
        reason: Option<&str>,
        items: &[Adjustment],
    ) -> Result<Vec<InventoryTransaction>> {
        self.adjust(
            Method::PUT,
            "/v3/inventory/adjustments/absolute",
            "v3/inventory/adjustments/absolute",
            reason,
            items,
        )
        .await
    }

    /// Changes stock levels by deltas (`POST /v3/inventory/adjustments/relative`), in chunks
    /// of [`MAX_ADJUSTMENT_ITEMS`]. Not retried after a 5xx (the change may have applied).
    /// Scope: Store Inventory (`store_inventory`).
    ///
    /// # Errors
    /// The first failing chunk's error (earlier chunks were applied).
    pub async fn adjust_relative(
        &self,
        reason: Option<&str>,
        items: &[Adjustment],
    ) -> Result<Vec<InventoryTransaction>> {
        self.adjust(
            Method::POST,
            "/v3/inventory/adjustments/relative",
            "v3/inventory/adjustments/relative",
            reason,
            items,
        )
        .await
    }

    async fn adjust(
        &self,
        method: Method,
        template: &'static str,
        path: &'static str,
        reason: Option<&str>,
        items: &[Adjustment],
    ) -> Result<Vec<InventoryTransaction>> {
        super::in_chunks(items, MAX_ADJUSTMENT_ITEMS, |chunk| {
            let client = self.client.clone();
            let body = AdjustmentRequest {
                reason: reason.map(str::to_owned),
                items: chunk.to_vec(),
            };
            let spec = with_json(RequestSpec::new(method.clone(), template, path), &body);
            async move {
                let resp = client.send(&spec?).await?;
                if resp.body.iter().all(u8::is_ascii_whitespace) {
                    return Ok(vec![InventoryTransaction::default()]);
                }
                crate::client::decode::<InventoryTransaction>(&resp.body).map(|t| vec![t])
            }
        })
        .await
    }
}

impl List<InventoryItem> {
    /// `sku:in`.
    #[must_use]
    pub fn skus<S: AsRef<str>>(self, skus: impl IntoIterator<Item = S>) -> Self {
        self.set(
            "sku:in",
            skus.into_iter()
                .map(|s| s.as_ref().to_owned())
                .collect::<Vec<_>>()
                .join(","),
        )
    }

    /// `variant_id:in`.
    #[must_use]
    pub fn variant_ids(self, ids: impl IntoIterator<Item = VariantId>) -> Self {
        self.set("variant_id:in", csv(ids))
    }

    /// `product_id:in`.
    #[must_use]
    pub fn product_ids(self, ids: impl IntoIterator<Item = ProductId>) -> Self {
        self.set("product_id:in", csv(ids))
    }

    /// `location_id:in`.
    #[must_use]
    pub fn location_ids(self, ids: impl IntoIterator<Item = LocationId>) -> Self {
        self.set("location_id:in", csv(ids))
    }
}

impl List<LocationItem> {
    /// `sku:in`.
    #[must_use]
    pub fn skus<S: AsRef<str>>(self, skus: impl IntoIterator<Item = S>) -> Self {
        self.set(
            "sku:in",
            skus.into_iter()
                .map(|s| s.as_ref().to_owned())
                .collect::<Vec<_>>()
                .join(","),
        )
    }

    /// `variant_id:in`.
    #[must_use]
    pub fn variant_ids(self, ids: impl IntoIterator<Item = VariantId>) -> Self {
        self.set("variant_id:in", csv(ids))
    }
}
