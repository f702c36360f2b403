//! Metafields of one owner (an order, product, variant, category or brand).

use crate::client::{Client, List, Style, with_json};
use crate::error::Result;
use crate::metafields::{Metafield, MetafieldId, MetafieldWrite};
use bc_mirakl_api_core::transport::{Method, RequestSpec};

/// The metafields of one owner, from [`Orders::metafields`](crate::api::Orders::metafields),
/// [`Products::metafields`](crate::api::Products::metafields),
/// [`Variants::metafields`](crate::api::Variants::metafields),
/// [`Categories::metafields`](crate::api::Categories::metafields) or
/// [`Brands::metafields`](crate::api::Brands::metafields). The OAuth scope is the owner's:
/// Orders (`store_v2_orders`, reads also `store_v2_orders_read_only`) for orders, Products
/// (`store_v2_products`, reads also `store_v2_products_read_only`) for the catalog.
#[derive(Debug, Clone)]
pub struct Metafields {
    client: Client,
    /// `/v3/.../metafields` template.
    list_template: &'static str,
    /// `/v3/.../metafields/{metafield_id}` template.
    one_template: &'static str,
    /// `v3/.../metafields` path of this owner.
    path: String,
}

impl Metafields {
    pub(crate) fn new(
        client: &Client,
        list_template: &'static str,
        one_template: &'static str,
        path: String,
    ) -> Self {
        Metafields {
            client: client.clone(),
            list_template,
            one_template,
            path,
        }
    }

    fn one(&self, method: Method, id: MetafieldId) -> RequestSpec {
        RequestSpec::new(method, self.one_template, format!("{}/{id}", self.path))
    }

    /// Lists the owner's metafields (filters: `key`, `namespace`).
    /// Scope: the owner's (see [`Metafields`]), read-only or modify.
    pub fn list(&self) -> List<Metafield> {
        List::new(
            &self.client,
            Style::V3,
            self.list_template,
            self.path.clone(),
        )
    }

    /// Reads one metafield; `None` when absent.
    /// Scope: the owner's (see [`Metafields`]), read-only or modify.
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: MetafieldId) -> Result<Option<Metafield>> {
        self.client.data_opt(&self.one(Method::GET, id)).await
    }

    /// Creates a metafield (`POST`). Not retried after a 5xx or a timeout.
    /// Scope: the owner's (see [`Metafields`]), modify.
    ///
    /// # Errors
    /// As any call (409 when the namespace and key already exist on this owner, 422 for
    /// invalid fields).
    pub async fn create(&self, metafield: &MetafieldWrite) -> Result<Metafield> {
        let spec = RequestSpec::new(Method::POST, self.list_template, self.path.clone());
        self.client.data(&with_json(spec, metafield)?).await
    }

    /// Replaces a metafield (`PUT`).
    /// Scope: the owner's (see [`Metafields`]), modify.
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: MetafieldId, metafield: &MetafieldWrite) -> Result<Metafield> {
        let spec = self.one(Method::PUT, id);
        self.client.data(&with_json(spec, metafield)?).await
    }

    /// Deletes a metafield.
    /// Scope: the owner's (see [`Metafields`]), modify.
    ///
    /// # Errors
    /// As any call.
    pub async fn delete(&self, id: MetafieldId) -> Result<()> {
        self.client.unit(&self.one(Method::DELETE, id)).await
    }
}

impl List<Metafield> {
    /// `key`.
    #[must_use]
    pub fn key(self, key: &str) -> Self {
        self.set("key", key)
    }

    /// `namespace`.
    #[must_use]
    pub fn namespace(self, namespace: &str) -> Self {
        self.set("namespace", namespace)
    }
}
