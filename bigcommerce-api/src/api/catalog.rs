//! Catalog v3 handlers.

use crate::catalog::{
    Brand, BrandId, BulkPricingRule, BulkPricingRuleId, BulkPricingRuleWrite, Category, CategoryId,
    CategoryNode, CategoryTree, CategoryTreeId, CategoryTreeWrite, CustomField, CustomFieldId,
    IMAGE_MAX_BYTES, ImageFile, ImageId, NewProduct, OptionId, OptionValueId, OptionValueWrite,
    Product, ProductId, ProductImage, ProductImageWrite, ProductInclude, ProductOption,
    ProductOptionValue, ProductOptionWrite, ProductUpdate, TREES_BATCH, TreeCategory,
    TreeCategoryWrite, Variant, VariantId, VariantUpdate,
};
use crate::client::{Client, List, ProductScoped, Style, Written, csv, with_json};
use crate::de::format_rfc3339;
use crate::error::Result;
use bc_mirakl_api_core::transport::{Body, Method, Part, RequestSpec};
use time::OffsetDateTime;

/// Most products one batch update may carry (`products_catalog.v3.yml`).
pub const PRODUCTS_BATCH: usize = 10;
/// Most variants one batch update may carry (`product-variants_catalog.v3.yml`).
pub const VARIANTS_BATCH: usize = 50;

impl Client {
    /// Products (`/v3/catalog/products`).
    /// Scope of its calls: Products (`store_v2_products`; `store_v2_products_read_only` for reads).
    pub fn products(&self) -> Products {
        Products {
            client: self.clone(),
        }
    }

    /// Variants (`/v3/catalog/variants`, `/v3/catalog/products/{id}/variants`).
    /// Scope of its calls: Products (`store_v2_products`; `store_v2_products_read_only` for reads).
    pub fn variants(&self) -> Variants {
        Variants {
            client: self.clone(),
        }
    }

    /// Categories (`/v3/catalog/categories`).
    /// Scope of its calls: Products (`store_v2_products`; `store_v2_products_read_only` for reads).
    pub fn categories(&self) -> Categories {
        Categories {
            client: self.clone(),
        }
    }

    /// Brands (`/v3/catalog/brands`).
    /// Scope of its calls: Products (`store_v2_products`; `store_v2_products_read_only` for reads).
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
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    ///
    /// # Errors
    /// [`Error::Api`](crate::Error::Api) with status 404 when absent; otherwise as any call.
    pub async fn get(&self, id: ProductId, include: &[ProductInclude]) -> Result<Product> {
        let spec = Self::one(Method::GET, "/v3/catalog/products/{id}", id);
        let spec = with_include(spec, include);
        self.client.data(&spec).await
    }

    /// Reads a product; `None` when it does not exist.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call (409 for a duplicate name or SKU, 422 for invalid fields).
    pub async fn create(&self, product: &NewProduct) -> Result<Product> {
        self.create_reporting(product).await.map(|w| w.data)
    }

    /// Creates a product and reports a 207 partial success (product saved, inventory or URL
    /// not) in [`Written::failures`](crate::Written) instead of only logging it.
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As [`Products::create`].
    pub async fn create_reporting(&self, product: &NewProduct) -> Result<Written<Product>> {
        let spec = RequestSpec::new(Method::POST, "/v3/catalog/products", "v3/catalog/products");
        self.client.written(&with_json(spec, product)?, 0).await
    }

    /// Updates one product (only the fields set in `update`; its `id` is ignored).
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: ProductId, update: &ProductUpdate) -> Result<Product> {
        self.update_reporting(id, update).await.map(|w| w.data)
    }

    /// Updates one product and reports a 207 partial success in
    /// [`Written::failures`](crate::Written).
    /// Scope: Products (`store_v2_products`).
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
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when an update has no id (nothing
    /// is sent); otherwise the first failing chunk's error (earlier chunks were applied).
    pub async fn update_batch(&self, updates: &[ProductUpdate]) -> Result<Vec<Product>> {
        self.update_batch_reporting(updates).await.map(|w| w.data)
    }

    /// Like [`Products::update_batch`], and reports every chunk's 207 partial success in
    /// [`Written::failures`](crate::Written) (with the index of the chunk's first update).
    /// Scope: Products (`store_v2_products`).
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

    /// The metafields of a product (`/v3/catalog/products/{id}/metafields`). Scope:
    /// Products (`store_v2_products`; reads also `store_v2_products_read_only`).
    pub fn metafields(&self, id: ProductId) -> super::Metafields {
        super::Metafields::new(
            &self.client,
            "/v3/catalog/products/{id}/metafields",
            "/v3/catalog/products/{id}/metafields/{metafield_id}",
            format!("v3/catalog/products/{id}/metafields"),
        )
    }

    /// Deletes a product.
    /// Scope: Products (`store_v2_products`).
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
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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

    /// The metafields of a variant
    /// (`/v3/catalog/products/{id}/variants/{variant_id}/metafields`). Scope: Products
    /// (`store_v2_products`; reads also `store_v2_products_read_only`).
    pub fn metafields(&self, product: ProductId, id: VariantId) -> super::Metafields {
        super::Metafields::new(
            &self.client,
            "/v3/catalog/products/{id}/variants/{variant_id}/metafields",
            "/v3/catalog/products/{id}/variants/{variant_id}/metafields/{metafield_id}",
            format!("v3/catalog/products/{product}/variants/{id}/metafields"),
        )
    }

    /// Lists the variants of one product (`GET /v3/catalog/products/{id}/variants`; the path
    /// declares paging only, hence no filters on the returned list).
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    pub fn for_product(&self, product: ProductId) -> List<Variant, ProductScoped> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/products/{id}/variants",
            format!("v3/catalog/products/{product}/variants"),
        )
    }

    /// Reads one variant.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    ///
    /// # Errors
    /// As any call (404 when absent).
    pub async fn get(&self, product: ProductId, id: VariantId) -> Result<Variant> {
        self.client.data(&Self::one(product, id)).await
    }

    /// Reads one variant; `None` when it (or its product) does not exist.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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
    /// Scope: Products (`store_v2_products`).
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
    /// Scope: Products (`store_v2_products`).
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
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when an update has no id (nothing
    /// is sent); otherwise the first failing chunk's error (earlier chunks were applied).
    pub async fn update_batch(&self, updates: &[VariantUpdate]) -> Result<Vec<Variant>> {
        self.update_batch_reporting(updates).await.map(|w| w.data)
    }

    /// Like [`Variants::update_batch`], and reports every chunk's 207 partial success in
    /// [`Written::failures`](crate::Written) (with the index of the chunk's first update).
    /// Scope: Products (`store_v2_products`).
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
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    pub fn list(&self) -> List<Category> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/categories",
            "v3/catalog/categories".into(),
        )
    }

    /// Reads a category; `None` when absent.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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

    /// The metafields of a category (`/v3/catalog/categories/{id}/metafields`). Scope:
    /// Products (`store_v2_products`; reads also `store_v2_products_read_only`).
    pub fn metafields(&self, id: CategoryId) -> super::Metafields {
        super::Metafields::new(
            &self.client,
            "/v3/catalog/categories/{id}/metafields",
            "/v3/catalog/categories/{id}/metafields/{metafield_id}",
            format!("v3/catalog/categories/{id}/metafields"),
        )
    }
}

/// Brands handler.
#[derive(Debug, Clone)]
pub struct Brands {
    client: Client,
}

impl Brands {
    /// Lists brands.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    pub fn list(&self) -> List<Brand> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/brands",
            "v3/catalog/brands".into(),
        )
    }

    /// Reads a brand; `None` when absent.
    /// Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
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

    /// The metafields of a brand (`/v3/catalog/brands/{id}/metafields`). Scope: Products
    /// (`store_v2_products`; reads also `store_v2_products_read_only`).
    pub fn metafields(&self, id: BrandId) -> super::Metafields {
        super::Metafields::new(
            &self.client,
            "/v3/catalog/brands/{id}/metafields",
            "/v3/catalog/brands/{id}/metafields/{metafield_id}",
            format!("v3/catalog/brands/{id}/metafields"),
        )
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

/// Product sub-resources: images, custom fields, bulk pricing rules, options (that make
/// variants) and their values, modifiers. Scope: Products (`store_v2_products`; reads also
/// `store_v2_products_read_only`).
impl Products {
    fn sub(template: &'static str, product: ProductId, rest: &str) -> (&'static str, String) {
        (template, format!("v3/catalog/products/{product}/{rest}"))
    }

    fn list_of<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        (template, path): (&'static str, String),
    ) -> List<T> {
        List::new(&self.client, Style::V3, template, path)
    }

    /// Lists a product's images (`GET .../images`). Scope: Products (`store_v2_products_read_only`
    /// or `store_v2_products`).
    pub fn images(&self, product: ProductId) -> List<ProductImage> {
        self.list_of(Self::sub(
            "/v3/catalog/products/{id}/images",
            product,
            "images",
        ))
    }

    /// Adds an image by URL (`POST .../images`; one image per call, at most 1,000 per
    /// product, 8 MB each). Not retried after a 5xx. Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) without an `image_url` (nothing
    /// is sent); otherwise as any call.
    pub async fn add_image(
        &self,
        product: ProductId,
        image: &ProductImageWrite,
    ) -> Result<ProductImage> {
        if image.image_url.is_none() {
            return Err(crate::Error::InvalidInput(
                "an image added by URL needs image_url".into(),
            ));
        }
        let (t, path) = Self::sub("/v3/catalog/products/{id}/images", product, "images");
        let spec = RequestSpec::new(Method::POST, t, path);
        self.client.data(&with_json(spec, image)?).await
    }

    /// Updates an image (`PUT .../images/{image_id}`). Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_image(
        &self,
        product: ProductId,
        id: ImageId,
        image: &ProductImageWrite,
    ) -> Result<ProductImage> {
        let spec = RequestSpec::new(
            Method::PUT,
            "/v3/catalog/products/{id}/images/{image_id}",
            format!("v3/catalog/products/{product}/images/{id}"),
        );
        self.client.data(&with_json(spec, image)?).await
    }

    /// Deletes an image. Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_image(&self, product: ProductId, id: ImageId) -> Result<()> {
        let spec = RequestSpec::new(
            Method::DELETE,
            "/v3/catalog/products/{id}/images/{image_id}",
            format!("v3/catalog/products/{product}/images/{id}"),
        );
        self.client.unit(&spec).await
    }

    /// Lists a product's custom fields (`GET .../custom-fields`). Scope: Products
    /// (`store_v2_products_read_only` or `store_v2_products`).
    pub fn custom_fields(&self, product: ProductId) -> List<CustomField> {
        self.list_of(Self::sub(
            "/v3/catalog/products/{id}/custom-fields",
            product,
            "custom-fields",
        ))
    }

    /// Creates a custom field (`POST .../custom-fields`; its `id` is not sent). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// As any call (409 for a duplicate name and value).
    pub async fn create_custom_field(
        &self,
        product: ProductId,
        field: &CustomField,
    ) -> Result<CustomField> {
        let body = CustomField::new(field.name.clone(), field.value.clone());
        let (t, path) = Self::sub(
            "/v3/catalog/products/{id}/custom-fields",
            product,
            "custom-fields",
        );
        let spec = RequestSpec::new(Method::POST, t, path);
        self.client.data(&with_json(spec, &body)?).await
    }

    fn custom_field(method: Method, product: ProductId, id: CustomFieldId) -> RequestSpec {
        RequestSpec::new(
            method,
            "/v3/catalog/products/{id}/custom-fields/{custom_field_id}",
            format!("v3/catalog/products/{product}/custom-fields/{id}"),
        )
    }

    /// Updates a custom field (`PUT .../custom-fields/{custom_field_id}`; its `id` is not
    /// sent). Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_custom_field(
        &self,
        product: ProductId,
        id: CustomFieldId,
        field: &CustomField,
    ) -> Result<CustomField> {
        let body = CustomField::new(field.name.clone(), field.value.clone());
        let spec = Self::custom_field(Method::PUT, product, id);
        self.client.data(&with_json(spec, &body)?).await
    }

    /// Deletes a custom field. Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_custom_field(&self, product: ProductId, id: CustomFieldId) -> Result<()> {
        self.client
            .unit(&Self::custom_field(Method::DELETE, product, id))
            .await
    }

    /// A product's bulk (volume) pricing rules (`GET .../bulk-pricing-rules`; one request:
    /// the path declares no paging). Scope: Products (`store_v2_products_read_only` or
    /// `store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn bulk_pricing_rules(&self, product: ProductId) -> Result<Vec<BulkPricingRule>> {
        let (t, path) = Self::sub(
            "/v3/catalog/products/{id}/bulk-pricing-rules",
            product,
            "bulk-pricing-rules",
        );
        let rules: OneOrMany<BulkPricingRule> = self
            .client
            .data(&RequestSpec::new(Method::GET, t, path))
            .await?;
        Ok(rules.0)
    }

    /// Creates a bulk pricing rule (`POST .../bulk-pricing-rules`). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// As any call (409 when its quantity range overlaps another rule's).
    pub async fn create_bulk_pricing_rule(
        &self,
        product: ProductId,
        rule: &BulkPricingRuleWrite,
    ) -> Result<BulkPricingRule> {
        let (t, path) = Self::sub(
            "/v3/catalog/products/{id}/bulk-pricing-rules",
            product,
            "bulk-pricing-rules",
        );
        let spec = RequestSpec::new(Method::POST, t, path);
        self.client.data(&with_json(spec, rule)?).await
    }

    fn bulk_rule(method: Method, product: ProductId, id: BulkPricingRuleId) -> RequestSpec {
        RequestSpec::new(
            method,
            "/v3/catalog/products/{id}/bulk-pricing-rules/{bulk_pricing_rule_id}",
            format!("v3/catalog/products/{product}/bulk-pricing-rules/{id}"),
        )
    }

    /// Updates a bulk pricing rule. Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_bulk_pricing_rule(
        &self,
        product: ProductId,
        id: BulkPricingRuleId,
        rule: &BulkPricingRuleWrite,
    ) -> Result<BulkPricingRule> {
        let spec = Self::bulk_rule(Method::PUT, product, id);
        self.client.data(&with_json(spec, rule)?).await
    }

    /// Deletes a bulk pricing rule. Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_bulk_pricing_rule(
        &self,
        product: ProductId,
        id: BulkPricingRuleId,
    ) -> Result<()> {
        self.client
            .unit(&Self::bulk_rule(Method::DELETE, product, id))
            .await
    }

    /// Lists a product's options, the ones that make variants (`GET .../options`,
    /// `product-variant-options_catalog.v3.yml`). Scope: Products (`store_v2_products_read_only`
    /// or `store_v2_products`).
    pub fn options(&self, product: ProductId) -> List<ProductOption> {
        self.list_of(Self::sub(
            "/v3/catalog/products/{id}/options",
            product,
            "options",
        ))
    }

    /// Lists the values of one option (`GET .../options/{option_id}/values`). Scope: Products
    /// (`store_v2_products_read_only` or `store_v2_products`).
    pub fn option_values(&self, product: ProductId, option: OptionId) -> List<ProductOptionValue> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/products/{id}/options/{option_id}/values",
            format!("v3/catalog/products/{product}/options/{option}/values"),
        )
    }

    /// Adds a value to an option (`POST .../options/{option_id}/values`). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn create_option_value(
        &self,
        product: ProductId,
        option: OptionId,
        value: &OptionValueWrite,
    ) -> Result<ProductOptionValue> {
        let spec = RequestSpec::new(
            Method::POST,
            "/v3/catalog/products/{id}/options/{option_id}/values",
            format!("v3/catalog/products/{product}/options/{option}/values"),
        );
        self.client.data(&with_json(spec, value)?).await
    }

    /// Lists a product's modifiers, the options that do not make variants (`GET
    /// .../modifiers`, `product-modifiers_catalog.v3.yml`). Scope: Products
    /// (`store_v2_products_read_only` or `store_v2_products`).
    pub fn modifiers(&self, product: ProductId) -> List<ProductOption> {
        self.list_of(Self::sub(
            "/v3/catalog/products/{id}/modifiers",
            product,
            "modifiers",
        ))
    }

    /// Uploads an image file (`POST .../images` as `multipart/form-data`, the file in the
    /// `image_file` part, `is_thumbnail`, `sort_order` and `description` from `image` as
    /// text parts; `products_catalog.v3.yml`). One image per call, at most 8 MB, BMP, GIF,
    /// JPEG, PNG, WBMP, XBM or WEBP; to add an image by URL use [`Products::add_image`]. Not
    /// retried after a 5xx. Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when the file is empty or over
    /// 8 MB, or `image` also names an `image_url` (the spec forbids both; nothing is sent);
    /// otherwise as any call.
    pub async fn upload_image(
        &self,
        product: ProductId,
        file: ImageFile,
        image: &ProductImageWrite,
    ) -> Result<ProductImage> {
        if image.image_url.is_some() {
            return Err(crate::Error::InvalidInput(
                "an uploaded image cannot also name an image_url".into(),
            ));
        }
        if file.bytes.is_empty() || file.bytes.len() > IMAGE_MAX_BYTES {
            return Err(crate::Error::InvalidInput(format!(
                "an image file must hold 1 to {IMAGE_MAX_BYTES} bytes, not {}",
                file.bytes.len()
            )));
        }
        let mut parts = vec![Part::file(
            "image_file",
            file.file_name,
            file.content_type,
            file.bytes,
        )];
        if let Some(v) = image.is_thumbnail {
            parts.push(Part::text("is_thumbnail", v.to_string()));
        }
        if let Some(v) = image.sort_order {
            parts.push(Part::text("sort_order", v.to_string()));
        }
        if let Some(v) = &image.description {
            parts.push(Part::text("description", v.clone()));
        }
        let (t, path) = Self::sub("/v3/catalog/products/{id}/images", product, "images");
        let spec = RequestSpec::new(Method::POST, t, path).body(Body::Multipart(parts));
        self.client.data(&spec).await
    }

    /// Creates an option that makes variants (`POST .../options`), with its values; the
    /// variants themselves are created separately. Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) without `display_name`, `type` or
    /// values (nothing is sent); otherwise as any call (409 for a duplicate name).
    pub async fn create_option(
        &self,
        product: ProductId,
        option: &ProductOptionWrite,
    ) -> Result<ProductOption> {
        if option.option_values.is_empty() {
            return Err(crate::Error::InvalidInput(
                "a new option needs option_values".into(),
            ));
        }
        OptionKind::Variant
            .create(&self.client, product, option)
            .await
    }

    /// Updates an option (`PUT .../options/{option_id}`). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_option(
        &self,
        product: ProductId,
        id: OptionId,
        option: &ProductOptionWrite,
    ) -> Result<ProductOption> {
        OptionKind::Variant
            .update(&self.client, product, id, option)
            .await
    }

    /// Deletes an option (`DELETE .../options/{option_id}`). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_option(&self, product: ProductId, id: OptionId) -> Result<()> {
        let spec = OptionKind::Variant.one(Method::DELETE, product, id);
        self.client.unit(&spec).await
    }

    /// Updates a value of an option (`PUT .../options/{option_id}/values/{value_id}`). Scope:
    /// Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_option_value(
        &self,
        product: ProductId,
        option: OptionId,
        id: OptionValueId,
        value: &OptionValueWrite,
    ) -> Result<ProductOptionValue> {
        let spec = OptionKind::Variant.value(Method::PUT, product, option, id);
        self.client.data(&with_json(spec, value)?).await
    }

    /// Deletes a value of an option (`DELETE .../options/{option_id}/values/{value_id}`).
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_option_value(
        &self,
        product: ProductId,
        option: OptionId,
        id: OptionValueId,
    ) -> Result<()> {
        let spec = OptionKind::Variant.value(Method::DELETE, product, option, id);
        self.client.unit(&spec).await
    }

    /// Creates a modifier (`POST .../modifiers`; a checkbox modifier's values take a second
    /// call). Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) without `display_name`, `type` or
    /// `required` (nothing is sent); otherwise as any call.
    pub async fn create_modifier(
        &self,
        product: ProductId,
        modifier: &ProductOptionWrite,
    ) -> Result<ProductOption> {
        if modifier.required.is_none() {
            return Err(crate::Error::InvalidInput(
                "a new modifier needs required".into(),
            ));
        }
        OptionKind::Modifier
            .create(&self.client, product, modifier)
            .await
    }

    /// Updates a modifier (`PUT .../modifiers/{modifier_id}`). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_modifier(
        &self,
        product: ProductId,
        id: OptionId,
        modifier: &ProductOptionWrite,
    ) -> Result<ProductOption> {
        OptionKind::Modifier
            .update(&self.client, product, id, modifier)
            .await
    }

    /// Deletes a modifier (`DELETE .../modifiers/{modifier_id}`). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_modifier(&self, product: ProductId, id: OptionId) -> Result<()> {
        let spec = OptionKind::Modifier.one(Method::DELETE, product, id);
        self.client.unit(&spec).await
    }

    /// Adds a value to a modifier (`POST .../modifiers/{modifier_id}/values`; `label` and
    /// `sort_order` required, `adjusters` optional). Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn create_modifier_value(
        &self,
        product: ProductId,
        modifier: OptionId,
        value: &OptionValueWrite,
    ) -> Result<ProductOptionValue> {
        let spec = RequestSpec::new(
            Method::POST,
            "/v3/catalog/products/{id}/modifiers/{modifier_id}/values",
            format!("v3/catalog/products/{product}/modifiers/{modifier}/values"),
        );
        self.client.data(&with_json(spec, value)?).await
    }

    /// Updates a value of a modifier (`PUT .../modifiers/{modifier_id}/values/{value_id}`).
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_modifier_value(
        &self,
        product: ProductId,
        modifier: OptionId,
        id: OptionValueId,
        value: &OptionValueWrite,
    ) -> Result<ProductOptionValue> {
        let spec = OptionKind::Modifier.value(Method::PUT, product, modifier, id);
        self.client.data(&with_json(spec, value)?).await
    }

    /// Deletes a value of a modifier (`DELETE .../modifiers/{modifier_id}/values/{value_id}`).
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_modifier_value(
        &self,
        product: ProductId,
        modifier: OptionId,
        id: OptionValueId,
    ) -> Result<()> {
        let spec = OptionKind::Modifier.value(Method::DELETE, product, modifier, id);
        self.client.unit(&spec).await
    }
}

/// Options (that make variants) and modifiers share their write shapes; only the path
/// segment differs.
#[derive(Clone, Copy)]
enum OptionKind {
    Variant,
    Modifier,
}

impl OptionKind {
    fn segment(self) -> &'static str {
        match self {
            OptionKind::Variant => "options",
            OptionKind::Modifier => "modifiers",
        }
    }

    fn one(self, method: Method, product: ProductId, id: OptionId) -> RequestSpec {
        let template = match self {
            OptionKind::Variant => "/v3/catalog/products/{id}/options/{option_id}",
            OptionKind::Modifier => "/v3/catalog/products/{id}/modifiers/{modifier_id}",
        };
        let path = format!("v3/catalog/products/{product}/{}/{id}", self.segment());
        RequestSpec::new(method, template, path)
    }

    fn value(
        self,
        method: Method,
        product: ProductId,
        option: OptionId,
        id: OptionValueId,
    ) -> RequestSpec {
        let template = match self {
            OptionKind::Variant => {
                "/v3/catalog/products/{id}/options/{option_id}/values/{value_id}"
            }
            OptionKind::Modifier => {
                "/v3/catalog/products/{id}/modifiers/{modifier_id}/values/{value_id}"
            }
        };
        let path = format!(
            "v3/catalog/products/{product}/{}/{option}/values/{id}",
            self.segment()
        );
        RequestSpec::new(method, template, path)
    }

    async fn create(
        self,
        client: &Client,
        product: ProductId,
        body: &ProductOptionWrite,
    ) -> Result<ProductOption> {
        if body.display_name.as_deref().is_none_or(str::is_empty) || body.option_type.is_none() {
            return Err(crate::Error::InvalidInput(format!(
                "a new product {} entry needs display_name and type",
                self.segment()
            )));
        }
        let template = match self {
            OptionKind::Variant => "/v3/catalog/products/{id}/options",
            OptionKind::Modifier => "/v3/catalog/products/{id}/modifiers",
        };
        let path = format!("v3/catalog/products/{product}/{}", self.segment());
        let spec = RequestSpec::new(Method::POST, template, path);
        client.data(&with_json(spec, body)?).await
    }

    async fn update(
        self,
        client: &Client,
        product: ProductId,
        id: OptionId,
        body: &ProductOptionWrite,
    ) -> Result<ProductOption> {
        let spec = self.one(Method::PUT, product, id);
        client.data(&with_json(spec, body)?).await
    }
}

/// A `data` that the spec shows as one object where a list is meant (bulk pricing rules).
struct OneOrMany<T>(Vec<T>);

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
                .collect::<std::result::Result<Vec<T>, _>>()
                .map(OneOrMany),
            serde_json::Value::Null => Ok(OneOrMany(Vec::new())),
            one => serde_json::from_value(one)
                .map(|t| OneOrMany(vec![t]))
                .map_err(D::Error::custom),
        }
    }
}

/// Category trees (`category-trees_catalog.v3.yml`). Scope: Products (`store_v2_products`;
/// reads also `store_v2_products_read_only`).
impl Categories {
    /// Lists the category trees (`GET /v3/catalog/trees`; one request: the path declares no
    /// paging). Scope: Products (`store_v2_products_read_only` or `store_v2_products`).
    pub fn trees(&self) -> List<CategoryTree> {
        List::new(
            &self.client,
            Style::V3Unpaged,
            "/v3/catalog/trees",
            "v3/catalog/trees".into(),
        )
    }

    /// The categories of one tree, nested (`GET /v3/catalog/trees/{tree_id}/categories`),
    /// down to `depth` levels when given. Scope: Products (`store_v2_products_read_only` or
    /// `store_v2_products`).
    ///
    /// # Errors
    /// As any call.
    pub async fn tree(
        &self,
        tree: CategoryTreeId,
        depth: Option<u32>,
    ) -> Result<Vec<CategoryNode>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/v3/catalog/trees/{tree_id}/categories",
            format!("v3/catalog/trees/{tree}/categories"),
        )
        .query_opt("depth", depth);
        self.client.data(&spec).await
    }

    /// Lists categories across trees, flat (`GET /v3/catalog/trees/categories`). Scope: Products
    /// (`store_v2_products_read_only` or `store_v2_products`).
    pub fn tree_categories(&self) -> List<TreeCategory> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/catalog/trees/categories",
            "v3/catalog/trees/categories".into(),
        )
    }

    /// Creates or updates category trees (`PUT /v3/catalog/trees`, upsert): items with an
    /// `id` update that tree, items without one create a tree. Sent in batches of
    /// [`TREES_BATCH`] (50, the documented limit), in order; returns the trees as saved.
    /// Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when an item breaks the usage notes
    /// (see [`CategoryTreeWrite::problem`]; nothing is sent); otherwise as any call, after the
    /// batches before the failing one were saved.
    pub async fn upsert_trees(&self, trees: &[CategoryTreeWrite]) -> Result<Vec<CategoryTree>> {
        if let Some((i, why)) = trees
            .iter()
            .enumerate()
            .find_map(|(i, t)| t.problem().map(|w| (i, w)))
        {
            return Err(crate::Error::InvalidInput(format!("tree {i}: {why}")));
        }
        super::in_chunks(trees, TREES_BATCH, |chunk| {
            let client = self.client.clone();
            let spec = with_json(
                RequestSpec::new(Method::PUT, "/v3/catalog/trees", "v3/catalog/trees"),
                chunk,
            );
            async move { client.data(&spec?).await }
        })
        .await
    }

    /// Deletes category trees (`DELETE /v3/catalog/trees?id:in=...`). Scope: Products
    /// (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an empty list (the endpoint
    /// needs a filter; nothing is sent); otherwise as any call.
    pub async fn delete_trees(&self, ids: &[CategoryTreeId]) -> Result<()> {
        if ids.is_empty() {
            return Err(crate::Error::InvalidInput(
                "deleting category trees needs at least one tree id".into(),
            ));
        }
        let spec = RequestSpec::new(Method::DELETE, "/v3/catalog/trees", "v3/catalog/trees")
            .query("id:in", csv(ids.iter().copied()));
        self.client.unit(&spec).await
    }

    /// Creates categories in trees (`POST /v3/catalog/trees/categories`), in one request (the
    /// spec documents no batch limit for it, only 16,000 categories per store). A `207`
    /// partial success comes back as [`Written::failures`](crate::client::Written). Scope:
    /// Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an empty list or an item that
    /// is no valid create (see [`TreeCategoryWrite::create_problem`]; nothing is sent);
    /// otherwise as any call.
    pub async fn create_tree_categories(
        &self,
        categories: &[TreeCategoryWrite],
    ) -> Result<Written<Vec<TreeCategory>>> {
        if categories.is_empty() {
            return Err(crate::Error::InvalidInput("no category to create".into()));
        }
        if let Some((i, why)) = categories
            .iter()
            .enumerate()
            .find_map(|(i, c)| c.create_problem().map(|w| (i, w)))
        {
            return Err(crate::Error::InvalidInput(format!("category {i}: {why}")));
        }
        let spec = Self::tree_categories_spec(Method::POST);
        self.client.written(&with_json(spec, categories)?, 0).await
    }

    /// Updates categories in trees (`PUT /v3/catalog/trees/categories`; each item names its
    /// `category_id`). The answer carries no data; a `207` partial success comes back as
    /// [`Written::failures`](crate::client::Written). Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an empty list or an item
    /// without `category_id` (nothing is sent); otherwise as any call.
    pub async fn update_tree_categories(
        &self,
        categories: &[TreeCategoryWrite],
    ) -> Result<Written<()>> {
        if categories.is_empty() {
            return Err(crate::Error::InvalidInput("no category to update".into()));
        }
        if let Some(i) = categories.iter().position(|c| c.category_id.is_none()) {
            return Err(crate::Error::InvalidInput(format!(
                "category {i}: an update needs a category_id"
            )));
        }
        let spec = Self::tree_categories_spec(Method::PUT);
        let w: Written<Option<serde_json::Value>> = self
            .client
            .written(&with_json(spec, categories)?, 0)
            .await?;
        Ok(Written {
            data: (),
            status: w.status,
            failures: w.failures,
        })
    }

    /// Deletes categories from their trees (`DELETE /v3/catalog/trees/categories?category_id:in=...`;
    /// answered `202 Accepted`). Scope: Products (`store_v2_products`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an empty list (nothing is
    /// sent); otherwise as any call.
    pub async fn delete_tree_categories(&self, ids: &[CategoryId]) -> Result<()> {
        if ids.is_empty() {
            return Err(crate::Error::InvalidInput(
                "deleting categories needs at least one category id".into(),
            ));
        }
        let spec = Self::tree_categories_spec(Method::DELETE)
            .query("category_id:in", csv(ids.iter().copied()));
        self.client.unit(&spec).await
    }

    fn tree_categories_spec(method: Method) -> RequestSpec {
        RequestSpec::new(
            method,
            "/v3/catalog/trees/categories",
            "v3/catalog/trees/categories",
        )
    }
}

impl List<CategoryTree> {
    /// `channel_id:in` — the trees of these channels.
    #[must_use]
    pub fn channel_ids(self, ids: impl IntoIterator<Item = crate::channels::ChannelId>) -> Self {
        self.set("channel_id:in", csv(ids))
    }
}

impl List<TreeCategory> {
    /// `tree_id:in`.
    #[must_use]
    pub fn tree_ids(self, ids: impl IntoIterator<Item = CategoryTreeId>) -> Self {
        self.set("tree_id:in", csv(ids))
    }

    /// `category_id:in`.
    #[must_use]
    pub fn category_ids(self, ids: impl IntoIterator<Item = CategoryId>) -> Self {
        self.set("category_id:in", csv(ids))
    }

    /// `parent_id:in`.
    #[must_use]
    pub fn parent_ids(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.set("parent_id:in", csv(ids))
    }

    /// `name`.
    #[must_use]
    pub fn name(self, name: &str) -> Self {
        self.set("name", name)
    }

    /// `is_visible`.
    #[must_use]
    pub fn is_visible(self, visible: bool) -> Self {
        self.set("is_visible", visible)
    }
}
