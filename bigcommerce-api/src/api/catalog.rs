//! Catalog v3 handlers.

use crate::catalog::{
    Brand, BrandId, Category, CategoryId, NewProduct, Product, ProductId, ProductInclude,
    ProductUpdate, Variant, VariantId, VariantUpdate,
};
use crate::client::{Client, List, ProductScoped, Style, Written, csv, with_json};
use crate::de::format_rfc3339;
use crate::error::Result;
use bc_mirakl_api_core::transport::{Method, RequestSpec};
use time::OffsetDateTime;

/// Most products one batch update may carry (`products_catalog.v3.yml`).
pub const PRODUCTS_BATCH: usize = 10;
/// Most variants one batch update may carry (`product-variants_catalog.v3.yml`).
pub const VARIANTS_BATCH: usize = 50;

impl Client {
    /// Products (`/v3/catalog/products`).
    pub fn products(&self) -> Products {
        Products {
            client: self.clone(),
        }
    }

    /// Variants (`/v3/catalog/variants`, `/v3/catalog/products/{id}/variants`).
    pub fn variants(&self) -> Variants {
        Variants {
            client: self.clone(),
        }
    }

    /// Categories (`/v3/catalog/categories`).
    pub fn categories(&self) -> Categories {
        Categories {
            client: self.clone(),
        }
    }

    /// Brands (`/v3/catalog/brands`).
    pub fn brands(&self) -> Brands {
        Brands {
            client: self.clone(),
        }
    }
}

/// Products handler.
#[derive(Debug, Clone)]
pub struct Products {
    client: Client,
}

impl Products {
    /// Lists products; add filters, then `.send()` or `.stream()`.
    pub fn list(&self) -> List<Product> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/products",
            "v3/catalog/products".into(),
        )
    }

    fn one(method: Method, template: &'static str, id: ProductId) -> RequestSpec {
        RequestSpec::new(method, template, format!("v3/catalog/products/{id}"))
    }

    /// Reads a product, with optional `include`s.
    ///
    /// # Errors
    /// [`Error::Api`](crate::Error::Api) with status 404 when absent; otherwise as any call.
    pub async fn get(&self, id: ProductId, include: &[ProductInclude]) -> Result<Product> {
        let spec = Self::one(Method::GET, "/v3/catalog/products/{id}", id);
        let spec = with_include(spec, include);
        self.client.data(&spec).await
    }

    /// Reads a product; `None` when it does not exist.
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(
        &self,
        id: ProductId,
        include: &[ProductInclude],
    ) -> Result<Option<Product>> {
        let spec = Self::one(Method::GET, "/v3/catalog/products/{id}", id);
        self.client.data_opt(&with_include(spec, include)).await
    }

    /// Creates a product.
    ///
    /// # Errors
    /// As any call (409 for a duplicate name or SKU, 422 for invalid fields).
    pub async fn create(&self, product: &NewProduct) -> Result<Product> {
        self.create_reporting(product).await.map(|w| w.data)
    }

    /// Creates a product and reports a 207 partial success (product saved, inventory or URL
    /// not) in [`Written::failures`](crate::Written) instead of only logging it.
    ///
    /// # Errors
    /// As [`Products::create`].
    pub async fn create_reporting(&self, product: &NewProduct) -> Result<Written<Product>> {
        let spec = RequestSpec::new(Method::POST, "/v3/catalog/products", "v3/catalog/products");
        self.client.written(&with_json(spec, product)?, 0).await
    }

    /// Updates one product (only the fields set in `update`; its `id` is ignored).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: ProductId, update: &ProductUpdate) -> Result<Product> {
        self.update_reporting(id, update).await.map(|w| w.data)
    }

    /// Updates one product and reports a 207 partial success in
    /// [`Written::failures`](crate::Written).
    ///
    /// # Errors
    /// As [`Products::update`].
    pub async fn update_reporting(
        &self,
        id: ProductId,
        update: &ProductUpdate,
    ) -> Result<Written<Product>> {
        let mut body = update.clone();
        body.id = None;
        let spec = Self::one(Method::PUT, "/v3/catalog/products/{id}", id);
        self.client.written(&with_json(spec, &body)?, 0).await
    }

    /// Updates many products, [`PRODUCTS_BATCH`] per request, in order. Every update must
    /// carry its `id`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when an update has no id (nothing
    /// is sent); otherwise the first failing chunk's error (earlier chunks were applied).
    pub async fn update_batch(&self, updates: &[ProductUpdate]) -> Result<Vec<Product>> {
        self.update_batch_reporting(updates).await.map(|w| w.data)
    }

    /// Like [`Products::update_batch`], and reports every chunk's 207 partial success in
    /// [`Written::failures`](crate::Written) (with the index of the chunk's first update).
    ///
    /// # Errors
    /// As [`Products::update_batch`].
    pub async fn update_batch_reporting(
        &self,
        updates: &[ProductUpdate],
    ) -> Result<Written<Vec<Product>>> {
        if let Some(i) = updates.iter().position(|u| u.id.is_none()) {
            return Err(crate::Error::InvalidInput(format!(
                "product update #{i} has no id"
            )));
        }
        super::written_chunks(updates, PRODUCTS_BATCH, |chunk, first| {
            let client = self.client.clone();
            let spec = RequestSpec::new(Method::PUT, "/v3/catalog/products", "v3/catalog/products");
            let spec = with_json(spec, chunk);
            async move { client.written::<Vec<Product>>(&spec?, first).await }
        })
        .await
    }

    /// Deletes a product.
    ///
    /// # Errors
    /// As any call.
    pub async fn delete(&self, id: ProductId) -> Result<()> {
        let spec = Self::one(Method::DELETE, "/v3/catalog/products/{id}", id);
        self.client.unit(&spec).await
    }
}

fn with_include(spec: RequestSpec, include: &[ProductInclude]) -> RequestSpec {
    if include.is_empty() {
        spec
    } else {
        spec.query("include", csv(include.iter().map(|i| i.as_str())))
    }
}

impl List<Product> {
    /// `date_modified:min` — products changed at or after `since` (delta sync).
    #[must_use]
    pub fn date_modified_min(self, since: OffsetDateTime) -> Self {
        self.set("date_modified:min", format_rfc3339(since))
    }

    /// `date_modified:max`.
    #[must_use]
    pub fn date_modified_max(self, until: OffsetDateTime) -> Self {
        self.set("date_modified:max", format_rfc3339(until))
    }

    /// `id:in` — only these products.
    #[must_use]
    pub fn ids(self, ids: impl IntoIterator<Item = ProductId>) -> Self {
        self.set("id:in", csv(ids))
    }

    /// `sku` — the product with this SKU.
    #[must_use]
    pub fn sku(self, sku: &str) -> Self {
        self.set("sku", sku)
    }

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

    /// `is_visible`.
    #[must_use]
    pub fn is_visible(self, visible: bool) -> Self {
        self.set("is_visible", visible)
    }

    /// `categories:in`.
    #[must_use]
    pub fn category(self, category: CategoryId) -> Self {
        self.set("categories:in", category)
    }

    /// Adds an `include` (sub-resources embedded in each product).
    #[must_use]
    pub fn include(self, include: ProductInclude) -> Self {
        let mut current: Vec<String> = self
            .spec()
            .query
            .iter()
            .filter(|(k, _)| k == "include")
            .flat_map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>())
            .collect();
        if !current.iter().any(|c| c == include.as_str()) {
            current.push(include.as_str().to_owned());
        }
        self.set("include", current.join(","))
    }

    /// `include=variants`.
    #[must_use]
    pub fn include_variants(self) -> Self {
        self.include(ProductInclude::Variants)
    }

    /// `include=images`.
    #[must_use]
    pub fn include_images(self) -> Self {
        self.include(ProductInclude::Images)
    }

    /// `include=custom_fields`.
    #[must_use]
    pub fn include_custom_fields(self) -> Self {
        self.include(ProductInclude::CustomFields)
    }
}

/// Variants handler.
#[derive(Debug, Clone)]
pub struct Variants {
    client: Client,
}

impl Variants {
    /// Lists variants of every product (`GET /v3/catalog/variants`).
    pub fn list(&self) -> List<Variant> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/variants",
            "v3/catalog/variants".into(),
        )
    }

    /// Finds the variants whose SKU is exactly `sku` (`GET /v3/catalog/variants?sku=`),
    /// reading every page and keeping exact matches only (a filter the server ignored cannot
    /// make a wrong variant look found).
    ///
    /// # Errors
    /// As any call.
    pub async fn find_by_sku(&self, sku: &str) -> Result<Vec<Variant>> {
        let all = self
            .list()
            .sku(sku)
            .limit(crate::MAX_PAGE_SIZE)
            .all()
            .await?;
        Ok(all
            .into_iter()
            .filter(|v| v.sku.as_deref() == Some(sku))
            .collect())
    }

    /// Finds variants by id, one `GET /v3/catalog/variants?id=` per id (the path declares
    /// `id` but no `id:in`: `product-variants_catalog.v3.yml`), in the order given; ids that
    /// do not exist are left out. For many variants of known products prefer
    /// [`List::product_ids`](crate::List) on [`Variants::list`].
    ///
    /// # Errors
    /// The first failing call's error.
    pub async fn find_by_ids(&self, ids: &[VariantId]) -> Result<Vec<Variant>> {
        let mut out = Vec::new();
        for id in ids {
            let page = self.list().id(*id).send().await?;
            out.extend(page.items.into_iter().filter(|v| v.id == *id));
        }
        Ok(out)
    }

    /// Lists the variants of one product (`GET /v3/catalog/products/{id}/variants`; the path
    /// declares paging only, hence no filters on the returned list).
    pub fn for_product(&self, product: ProductId) -> List<Variant, ProductScoped> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/products/{id}/variants",
            format!("v3/catalog/products/{product}/variants"),
        )
    }

    /// Reads one variant.
    ///
    /// # Errors
    /// As any call (404 when absent).
    pub async fn get(&self, product: ProductId, id: VariantId) -> Result<Variant> {
        self.client.data(&Self::one(product, id)).await
    }

    /// Reads one variant; `None` when it (or its product) does not exist.
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, product: ProductId, id: VariantId) -> Result<Option<Variant>> {
        self.client.data_opt(&Self::one(product, id)).await
    }

    fn one(product: ProductId, id: VariantId) -> RequestSpec {
        RequestSpec::new(
            Method::GET,
            "/v3/catalog/products/{id}/variants/{variant_id}",
            format!("v3/catalog/products/{product}/variants/{id}"),
        )
    }

    /// Updates one variant (its `id` in `update` is ignored).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(
        &self,
        product: ProductId,
        id: VariantId,
        update: &VariantUpdate,
    ) -> Result<Variant> {
        self.update_reporting(product, id, update)
            .await
            .map(|w| w.data)
    }

    /// Updates one variant and reports a 207 partial success in
    /// [`Written::failures`](crate::Written).
    ///
    /// # Errors
    /// As [`Variants::update`].
    pub async fn update_reporting(
        &self,
        product: ProductId,
        id: VariantId,
        update: &VariantUpdate,
    ) -> Result<Written<Variant>> {
        let mut body = update.clone();
        body.id = None;
        body.product_id = None;
        let spec = RequestSpec::new(
            Method::PUT,
            "/v3/catalog/products/{id}/variants/{variant_id}",
            format!("v3/catalog/products/{product}/variants/{id}"),
        );
        self.client.written(&with_json(spec, &body)?, 0).await
    }

    /// Updates many variants across products, [`VARIANTS_BATCH`] per request, in order.
    /// Every update must carry its `id`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when an update has no id (nothing
    /// is sent); otherwise the first failing chunk's error (earlier chunks were applied).
    pub async fn update_batch(&self, updates: &[VariantUpdate]) -> Result<Vec<Variant>> {
        self.update_batch_reporting(updates).await.map(|w| w.data)
    }

    /// Like [`Variants::update_batch`], and reports every chunk's 207 partial success in
    /// [`Written::failures`](crate::Written) (with the index of the chunk's first update).
    ///
    /// # Errors
    /// As [`Variants::update_batch`].
    pub async fn update_batch_reporting(
        &self,
        updates: &[VariantUpdate],
    ) -> Result<Written<Vec<Variant>>> {
        if let Some(i) = updates.iter().position(|u| u.id.is_none()) {
            return Err(crate::Error::InvalidInput(format!(
                "variant update #{i} has no id"
            )));
        }
        super::written_chunks(updates, VARIANTS_BATCH, |chunk, first| {
            let client = self.client.clone();
            let spec = RequestSpec::new(Method::PUT, "/v3/catalog/variants", "v3/catalog/variants");
            let spec = with_json(spec, chunk);
            async move { client.written::<Vec<Variant>>(&spec?, first).await }
        })
        .await
    }
}

impl List<Variant> {
    /// `sku` — the variant with this SKU.
    #[must_use]
    pub fn sku(self, sku: &str) -> Self {
        self.set("sku", sku)
    }

    /// `id` — the variant with this id. The path declares no `id:in` (BigCommerce ignores
    /// undeclared filters, so a list of ids would return every variant); for several ids
    /// see [`Variants::find_by_ids`].
    #[must_use]
    pub fn id(self, id: VariantId) -> Self {
        self.set("id", id)
    }

    /// `product_id:in` — the variants of these products.
    #[must_use]
    pub fn product_ids(self, ids: impl IntoIterator<Item = ProductId>) -> Self {
        self.set("product_id:in", csv(ids))
    }

    /// `upc`.
    #[must_use]
    pub fn upc(self, upc: &str) -> Self {
        self.set("upc", upc)
    }
}

/// Categories handler.
#[derive(Debug, Clone)]
pub struct Categories {
    client: Client,
}

impl Categories {
    /// Lists categories.
    pub fn list(&self) -> List<Category> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/categories",
            "v3/catalog/categories".into(),
        )
    }

    /// Reads a category; `None` when absent.
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: CategoryId) -> Result<Option<Category>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/v3/catalog/categories/{id}",
            format!("v3/catalog/categories/{id}"),
        );
        self.client.data_opt(&spec).await
    }
}

/// Brands handler.
#[derive(Debug, Clone)]
pub struct Brands {
    client: Client,
}

impl Brands {
    /// Lists brands.
    pub fn list(&self) -> List<Brand> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/brands",
            "v3/catalog/brands".into(),
        )
    }

    /// Reads a brand; `None` when absent.
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: BrandId) -> Result<Option<Brand>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/v3/catalog/brands/{id}",
            format!("v3/catalog/brands/{id}"),
        );
        self.client.data_opt(&spec).await
    }
}

impl List<Brand> {
    /// `name` — the brand with this name.
    #[must_use]
    pub fn name(self, name: &str) -> Self {
        self.set("name", name)
    }
}

impl List<Category> {
    /// `parent_id`.
    #[must_use]
    pub fn parent_id(self, parent: u64) -> Self {
        self.set("parent_id", parent)
    }
}
