//! Price lists v3 handler.

use crate::catalog::VariantId;
use crate::client::{Client, List, Style, csv, with_json};
use crate::error::Result;
use crate::pricelists::{
    MAX_UPSERT_RECORDS, PriceList, PriceListId, PriceListRecord, PriceListRecordUpsert,
};
use bc_mirakl_api_core::transport::{Method, RequestSpec};

impl Client {
    /// Price lists (`/v3/pricelists`).
    /// Scope of its calls: Products (`store_v2_products`; `store_v2_products_read_only` for reads).
    pub fn price_lists(&self) -> PriceLists {
        PriceLists {
            client: self.clone(),
        }
    }
}

/// Price lists handler.
#[derive(Debug, Clone)]
pub struct PriceLists {
    client: Client,
}

impl PriceLists {
    /// Lists price lists.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    pub fn list(&self) -> List<PriceList> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/pricelists",
            "v3/pricelists".into(),
        )
    }

    /// Reads a price list; `None` when absent.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: PriceListId) -> Result<Option<PriceList>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/v3/pricelists/{id}",
            format!("v3/pricelists/{id}"),
        );
        self.client.data_opt(&spec).await
    }

    /// Lists the records of a price list.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    pub fn records(&self, id: PriceListId) -> List<PriceListRecord> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/pricelists/{id}/records",
            format!("v3/pricelists/{id}/records"),
        )
    }

    /// Creates or updates records (`PUT /v3/pricelists/{id}/records`), in chunks of
    /// [`MAX_UPSERT_RECORDS`], one chunk at a time (the endpoint allows 2 concurrent calls).
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// The first failing chunk's error (earlier chunks were applied).
    pub async fn upsert_records(
        &self,
        id: PriceListId,
        records: &[PriceListRecordUpsert],
    ) -> Result<()> {
        super::in_chunks(records, MAX_UPSERT_RECORDS, |chunk| {
            let client = self.client.clone();
            let spec = with_json(
                RequestSpec::new(
                    Method::PUT,
                    "/v3/pricelists/{id}/records",
                    format!("v3/pricelists/{id}/records"),
                ),
                chunk,
            );
            async move { client.unit(&spec?).await.map(|()| Vec::<()>::new()) }
        })
        .await
        .map(|_| ())
    }
}

impl List<PriceListRecord> {
    /// `variant_id:in`.
    #[must_use]
    pub fn variant_ids(self, ids: impl IntoIterator<Item = VariantId>) -> Self {
        self.set("variant_id:in", csv(ids))
    }

    /// `currency`.
    #[must_use]
    pub fn currency(self, currency: &str) -> Self {
        self.set("currency", currency)
    }
}
