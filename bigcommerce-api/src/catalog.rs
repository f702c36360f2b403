//! Catalog v3 models: products, variants, categories, brands.
//!
//! Response types (`Product`, `Variant`, ...) are separate from request types
//! (`NewProduct`, `ProductUpdate`, `VariantUpdate`), which never carry read-only fields.

use crate::de;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

id_type!(
    /// A product id.
    ProductId
);
id_type!(
    /// A variant id.
    VariantId
);
id_type!(
    /// A category id.
    CategoryId
);
id_type!(
    /// A brand id.
    BrandId
);

wire_enum!(
    /// How a product tracks stock (`inventory_tracking`).
    pub enum InventoryTracking {
        /// Not tracked.
        None = "none",
        /// Tracked on the product (`inventory_level`).
        Product = "product",
        /// Tracked per variant.
        Variant = "variant",
    }
);

wire_enum!(
    /// Purchase availability (`availability`).
    pub enum Availability {
        /// Can be purchased.
        Available = "available",
        /// Cannot be purchased.
        Disabled = "disabled",
        /// Pre-order.
        Preorder = "preorder",
    }
);

wire_enum!(
    /// Product type (`type`).
    pub enum ProductType {
        /// A physical good.
        Physical = "physical",
        /// A digital good.
        Digital = "digital",
    }
);

/// A catalog product (`GET /v3/catalog/products`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Physical or digital.
    #[serde(rename = "type", default)]
    pub product_type: Option<ProductType>,
    /// SKU; `""` decodes to none (products with variants often have none).
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub sku: Option<String>,
    /// HTML description.
    #[serde(default)]
    pub description: Option<String>,
    /// Weight.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub weight: Option<Decimal>,
    /// Width.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub width: Option<Decimal>,
    /// Depth.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub depth: Option<Decimal>,
    /// Height.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub height: Option<Decimal>,
    /// Price (the store's price entry, with or without tax per store settings).
    #[serde(
        default,
        deserialize_with = "de::decimal_or_zero",
        serialize_with = "de::ser_decimal_number"
    )]
    pub price: Decimal,
    /// Cost price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub cost_price: Option<Decimal>,
    /// Retail (list) price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub retail_price: Option<Decimal>,
    /// Sale price; `0` means no sale.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub sale_price: Option<Decimal>,
    /// Minimum advertised price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal_or_object",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub map_price: Option<Decimal>,
    /// Price shown to shoppers after sale price and rules.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub calculated_price: Option<Decimal>,
    /// Category ids.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub categories: Vec<u64>,
    /// Brand id (`0` or absent = none).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub brand_id: Option<u64>,
    /// Stock on hand when tracked by product.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub inventory_level: i64,
    /// Low-stock warning level.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub inventory_warning_level: i64,
    /// How stock is tracked.
    #[serde(default = "default_tracking")]
    pub inventory_tracking: InventoryTracking,
    /// Visible on the storefront.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_visible: bool,
    /// Purchase availability.
    #[serde(default)]
    pub availability: Option<Availability>,
    /// UPC.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub upc: Option<String>,
    /// GTIN.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub gtin: Option<String>,
    /// Manufacturer part number.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub mpn: Option<String>,
    /// Condition (`New`, `Used`, `Refurbished`).
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub condition: Option<String>,
    /// Id of the base variant.
    #[serde(default)]
    pub base_variant_id: Option<VariantId>,
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
    /// Variants (with `include=variants`).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub variants: Vec<Variant>,
    /// Images (with `include=images`).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub images: Vec<ProductImage>,
    /// Custom fields (with `include=custom_fields`).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub custom_fields: Vec<CustomField>,
    /// Storefront URL.
    #[serde(default)]
    pub custom_url: Option<CustomUrl>,
}

fn default_tracking() -> InventoryTracking {
    InventoryTracking::None
}

/// A product variant (`GET /v3/catalog/variants`, `.../products/{id}/variants`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Variant {
    /// Id.
    pub id: VariantId,
    /// Owning product.
    pub product_id: ProductId,
    /// SKU.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub sku: Option<String>,
    /// Internal SKU id (what `store/sku/*` webhooks call `id`).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub sku_id: Option<u64>,
    /// Price; `None` inherits the product price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub price: Option<Decimal>,
    /// Price after rules and sale price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub calculated_price: Option<Decimal>,
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
    /// Minimum advertised price (the spec example sends `{}`: decoded as none).
    #[serde(
        default,
        deserialize_with = "de::opt_decimal_or_object",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub map_price: Option<Decimal>,
    /// Cost price.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub cost_price: Option<Decimal>,
    /// Weight; `None` inherits.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub weight: Option<Decimal>,
    /// Effective weight.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub calculated_weight: Option<Decimal>,
    /// Width.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub width: Option<Decimal>,
    /// Height.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub height: Option<Decimal>,
    /// Depth.
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub depth: Option<Decimal>,
    /// UPC.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub upc: Option<String>,
    /// GTIN.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub gtin: Option<String>,
    /// Manufacturer part number.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub mpn: Option<String>,
    /// Stock when tracked by variant.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub inventory_level: i64,
    /// Low-stock warning level.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub inventory_warning_level: i64,
    /// Purchasing disabled.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub purchasing_disabled: bool,
    /// Image URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub image_url: Option<String>,
    /// Bin picking number.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub bin_picking_number: Option<String>,
    /// Option values that define the variant (e.g. Colour: Black).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub option_values: Vec<OptionValue>,
}

/// One option value of a variant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OptionValue {
    /// Option value id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub id: Option<u64>,
    /// Label, e.g. `Black`.
    #[serde(default)]
    pub label: String,
    /// Option id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub option_id: Option<u64>,
    /// Option display name, e.g. `Color`.
    #[serde(default)]
    pub option_display_name: String,
}

/// A product image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ProductImage {
    /// Id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub id: Option<u64>,
    /// Product id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub product_id: Option<u64>,
    /// Whether it is the thumbnail.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_thumbnail: bool,
    /// Sort order.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub sort_order: i64,
    /// Alt text.
    #[serde(default)]
    pub description: Option<String>,
    /// Zoom-size URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub url_zoom: Option<String>,
    /// Standard-size URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub url_standard: Option<String>,
    /// Thumbnail URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub url_thumbnail: Option<String>,
    /// Tiny URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub url_tiny: Option<String>,
    /// Source URL, when the image was added by URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub image_url: Option<String>,
    /// Stored file path.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub image_file: Option<String>,
    /// Last change.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_modified: Option<OffsetDateTime>,
}

/// A product custom field (name/value pair).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CustomField {
    /// Id (absent when creating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Name.
    pub name: String,
    /// Value.
    #[serde(default)]
    pub value: String,
}

impl CustomField {
    /// A new custom field to send.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        CustomField {
            id: None,
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Storefront URL of a product, category or brand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CustomUrl {
    /// Path, e.g. `/garden/`.
    #[serde(default)]
    pub url: String,
    /// Whether it was customised.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_customized: bool,
}

/// A category.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// Parent id (`0` = top level).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub parent_id: u64,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// HTML description.
    #[serde(default)]
    pub description: Option<String>,
    /// Visible on the storefront.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_visible: bool,
    /// Sort order.
    #[serde(default, deserialize_with = "de::i64_or_zero")]
    pub sort_order: i64,
    /// Image URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub image_url: Option<String>,
    /// Storefront URL.
    #[serde(default)]
    pub custom_url: Option<CustomUrl>,
}

/// A brand.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Brand {
    /// Id.
    pub id: BrandId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Page title.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub page_title: Option<String>,
    /// Image URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub image_url: Option<String>,
    /// Storefront URL.
    #[serde(default)]
    pub custom_url: Option<CustomUrl>,
}

/// Body of `POST /v3/catalog/products`. Set fields with struct update syntax from
/// [`NewProduct::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewProduct {
    /// Name (unique in the store).
    pub name: String,
    /// Physical or digital.
    #[serde(rename = "type")]
    pub product_type: ProductType,
    /// Weight (required by BigCommerce).
    #[serde(
        serialize_with = "de::ser_decimal_number",
        deserialize_with = "de::decimal"
    )]
    pub weight: Decimal,
    /// Price.
    #[serde(
        serialize_with = "de::ser_decimal_number",
        deserialize_with = "de::decimal"
    )]
    pub price: Decimal,
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Category ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<u64>,
    /// Brand id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<u64>,
    /// Stock tracking mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_tracking: Option<InventoryTracking>,
    /// Stock (tracked by product).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_level: Option<i64>,
    /// Visible on the storefront.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_visible: Option<bool>,
    /// UPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upc: Option<String>,
    /// GTIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// MPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn: Option<String>,
    /// Variants created with the product.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantUpdate>,
    /// Custom fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomField>,
}

impl NewProduct {
    /// A physical product with a name, weight and price; other fields empty.
    pub fn new(name: impl Into<String>, weight: Decimal, price: Decimal) -> Self {
        NewProduct {
            name: name.into(),
            product_type: ProductType::Physical,
            weight,
            price,
            sku: None,
            description: None,
            categories: Vec::new(),
            brand_id: None,
            inventory_tracking: None,
            inventory_level: None,
            is_visible: None,
            upc: None,
            gtin: None,
            mpn: None,
            variants: Vec::new(),
            custom_fields: Vec::new(),
        }
    }
}

/// Body of `PUT /v3/catalog/products/{id}` and one element of the batch `PUT
/// /v3/catalog/products` (where `id` is required). Only set fields are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductUpdate {
    /// Product id (required in batch updates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ProductId>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
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
    /// Weight.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub weight: Option<Decimal>,
    /// Stock (tracked by product).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_level: Option<i64>,
    /// Stock tracking mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_tracking: Option<InventoryTracking>,
    /// Visibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_visible: Option<bool>,
    /// Availability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    /// Category ids (replaces the list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<u64>>,
    /// Brand id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_id: Option<u64>,
    /// UPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upc: Option<String>,
    /// GTIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// MPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ProductUpdate {
    /// An update of product `id` with no fields set yet.
    pub fn for_id(id: ProductId) -> Self {
        ProductUpdate {
            id: Some(id),
            ..ProductUpdate::default()
        }
    }
}

/// Body of `PUT /v3/catalog/products/{pid}/variants/{id}` and one element of the batch
/// `PUT /v3/catalog/variants` (where `id` is required). Only set fields are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VariantUpdate {
    /// Variant id (required in batch updates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<VariantId>,
    /// Product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<ProductId>,
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
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
    /// Weight.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub weight: Option<Decimal>,
    /// Stock (tracked by variant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_level: Option<i64>,
    /// Purchasing disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchasing_disabled: Option<bool>,
    /// UPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upc: Option<String>,
    /// GTIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// MPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn: Option<String>,
}

impl VariantUpdate {
    /// An update of variant `id` with no fields set yet.
    pub fn for_id(id: VariantId) -> Self {
        VariantUpdate {
            id: Some(id),
            ..VariantUpdate::default()
        }
    }
}

/// Which sub-resources to embed in product listings (`include=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProductInclude {
    /// `variants`
    Variants,
    /// `images`
    Images,
    /// `custom_fields`
    CustomFields,
    /// `bulk_pricing_rules`
    BulkPricingRules,
    /// `primary_image`
    PrimaryImage,
    /// `options` (limits pages to 10 items)
    Options,
    /// `modifiers` (limits pages to 10 items)
    Modifiers,
}

impl ProductInclude {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductInclude::Variants => "variants",
            ProductInclude::Images => "images",
            ProductInclude::CustomFields => "custom_fields",
            ProductInclude::BulkPricingRules => "bulk_pricing_rules",
            ProductInclude::PrimaryImage => "primary_image",
            ProductInclude::Options => "options",
            ProductInclude::Modifiers => "modifiers",
        }
    }
}

impl Default for InventoryTracking {
    /// `none`, BigCommerce's default for new products.
    fn default() -> Self {
        InventoryTracking::None
    }
}

id_type!(
    /// A product image id.
    ImageId
);
id_type!(
    /// A product custom field id.
    CustomFieldId
);
id_type!(
    /// A bulk pricing rule id.
    BulkPricingRuleId
);
id_type!(
    /// A product option (variant option) or modifier id.
    OptionId
);
id_type!(
    /// An option value or modifier value id.
    OptionValueId
);
id_type!(
    /// A category tree id.
    CategoryTreeId
);

/// Body of `POST /v3/catalog/products/{id}/images` (an image added by URL; one image per
/// call, at most 1,000 per product, 8 MB each) or of `PUT .../images/{image_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductImageWrite {
    /// Fully qualified URL BigCommerce downloads the image from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Make it the thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_thumbnail: Option<bool>,
    /// Display order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i64>,
    /// Alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ProductImageWrite {
    /// An image to download from `url`.
    pub fn from_url(url: impl Into<String>) -> Self {
        ProductImageWrite {
            image_url: Some(url.into()),
            ..ProductImageWrite::default()
        }
    }
}

wire_enum!(
    /// How a bulk pricing rule adjusts the price (`type`).
    pub enum BulkPricingType {
        /// Amount off per item.
        Price = "price",
        /// Percentage off.
        Percent = "percent",
        /// Fixed unit price.
        Fixed = "fixed",
    }
);

/// A bulk (volume) pricing rule of a product.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct BulkPricingRule {
    /// Id.
    #[serde(default)]
    pub id: Option<BulkPricingRuleId>,
    /// Minimum quantity (inclusive).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub quantity_min: u64,
    /// Maximum quantity (inclusive; 0 = no maximum).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub quantity_max: u64,
    /// Adjustment type.
    #[serde(default, rename = "type")]
    pub rule_type: Option<BulkPricingType>,
    /// Amount: per-item discount (`price`), unit price (`fixed`), or percent (`percent`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub amount: Option<Decimal>,
}

/// Body of `POST` / `PUT .../bulk-pricing-rules`: `price` and `fixed` amounts are sent as
/// JSON numbers, a `percent` as the fraction in a string (10 % is `".10"`), as
/// `products_catalog.v3.yml` asks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkPricingRuleWrite {
    /// Minimum quantity (inclusive; at least 2 for `fixed`).
    pub quantity_min: u64,
    /// Maximum quantity (inclusive; 0 = no maximum).
    pub quantity_max: u64,
    /// Adjustment type.
    pub rule_type: BulkPricingType,
    /// Amount off per item, unit price, or percent (10 for 10 %).
    pub amount: Decimal,
}

impl BulkPricingRuleWrite {
    /// A rule of `rule_type` for quantities `min..=max` (`max` 0 = unbounded).
    pub fn new(rule_type: BulkPricingType, min: u64, max: u64, amount: Decimal) -> Self {
        BulkPricingRuleWrite {
            quantity_min: min,
            quantity_max: max,
            rule_type,
            amount,
        }
    }
}

impl Serialize for BulkPricingRuleWrite {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Number<'a>(&'a Decimal);
        impl Serialize for Number<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                de::ser_decimal_number(self.0, s)
            }
        }
        let mut st = s.serialize_struct("BulkPricingRuleWrite", 4)?;
        st.serialize_field("quantity_min", &self.quantity_min)?;
        st.serialize_field("quantity_max", &self.quantity_max)?;
        st.serialize_field("type", &self.rule_type)?;
        if self.rule_type == BulkPricingType::Percent {
            let fraction = (self.amount / Decimal::ONE_HUNDRED).normalize();
            st.serialize_field("amount", &fraction.to_string())?;
        } else {
            st.serialize_field("amount", &Number(&self.amount))?;
        }
        st.end()
    }
}

/// A value of a product option or modifier.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ProductOptionValue {
    /// Id.
    #[serde(default)]
    pub id: Option<OptionValueId>,
    /// The option or modifier (modifier values).
    #[serde(default)]
    pub option_id: Option<OptionId>,
    /// Label, e.g. `Beige`.
    #[serde(default)]
    pub label: String,
    /// Display order.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub sort_order: Option<i64>,
    /// Whether it is preselected.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_default: bool,
    /// Type-specific data (swatch `colors`, `checked_value`, ...), as sent.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub value_data: serde_json::Value,
    /// Price, weight, image and purchasability adjusters (modifier values), as sent.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub adjusters: serde_json::Value,
}

/// Body of `POST .../options/{option_id}/values` (and `PUT .../values/{value_id}`), and of
/// the modifier values (`.../modifiers/{modifier_id}/values`), which may carry `adjusters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OptionValueWrite {
    /// Label.
    pub label: String,
    /// Display order.
    pub sort_order: i64,
    /// Preselected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Type-specific data (e.g. `{"colors": ["#FAFAEB"]}` for a swatch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_data: Option<serde_json::Value>,
    /// Modifier values only: price, weight, image and purchasability adjusters, e.g.
    /// `{"price": {"adjuster": "relative", "adjuster_value": 5}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusters: Option<serde_json::Value>,
}

impl OptionValueWrite {
    /// A value with a label and position.
    pub fn new(label: impl Into<String>, sort_order: i64) -> Self {
        OptionValueWrite {
            label: label.into(),
            sort_order,
            is_default: None,
            value_data: None,
            adjusters: None,
        }
    }

    /// With type-specific data (`value_data`).
    #[must_use]
    pub fn value_data(mut self, data: serde_json::Value) -> Self {
        self.value_data = Some(data);
        self
    }

    /// With modifier adjusters (`adjusters`).
    #[must_use]
    pub fn adjusters(mut self, adjusters: serde_json::Value) -> Self {
        self.adjusters = Some(adjusters);
        self
    }
}

/// Body of `POST` / `PUT /v3/catalog/products/{id}/options` (an option that makes variants;
/// `product-variant-options_catalog.v3.yml`) and of `.../modifiers`
/// (`product-modifiers_catalog.v3.yml`). A create needs `display_name` and `type`; an option
/// also its `option_values`, a modifier `required`. Only one option or modifier per call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductOptionWrite {
    /// Name shown to shoppers (at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Type: `radio_buttons`, `rectangles`, `dropdown`, `product_list`,
    /// `product_list_with_images`, `swatch`; modifiers also `date`, `checkbox`, `file`,
    /// `text`, `multi_line_text`, `numbers_only_text`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub option_type: Option<String>,
    /// Modifiers: whether the shopper must fill it in (required on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Display order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i64>,
    /// Type-specific configuration (`config`), as the spec describes it per type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
    /// Values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub option_values: Vec<OptionValueWrite>,
}

impl ProductOptionWrite {
    /// A new option that makes variants: its display name, type and values.
    pub fn option(
        display_name: impl Into<String>,
        option_type: impl Into<String>,
        values: Vec<OptionValueWrite>,
    ) -> Self {
        ProductOptionWrite {
            display_name: Some(display_name.into()),
            option_type: Some(option_type.into()),
            option_values: values,
            ..ProductOptionWrite::default()
        }
    }

    /// A new modifier (no variants): its display name, type and whether it is required.
    pub fn modifier(
        display_name: impl Into<String>,
        option_type: impl Into<String>,
        required: bool,
    ) -> Self {
        ProductOptionWrite {
            display_name: Some(display_name.into()),
            option_type: Some(option_type.into()),
            required: Some(required),
            ..ProductOptionWrite::default()
        }
    }

    /// An update that changes only what is set afterwards.
    pub fn change() -> Self {
        ProductOptionWrite::default()
    }

    /// With these values.
    #[must_use]
    pub fn values(mut self, values: Vec<OptionValueWrite>) -> Self {
        self.option_values = values;
        self
    }

    /// With this display order.
    #[must_use]
    pub fn sort_order(mut self, sort_order: i64) -> Self {
        self.sort_order = Some(sort_order);
        self
    }

    /// With this display name.
    #[must_use]
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }
}

/// A product option that makes variants (`GET /v3/catalog/products/{id}/options`) or a
/// modifier (`.../modifiers`: options that do not make variants, such as a gift message).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ProductOption {
    /// Id.
    pub id: OptionId,
    /// Product.
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// Unique name.
    #[serde(default)]
    pub name: Option<String>,
    /// Name shown to shoppers, e.g. `Color`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Type: `radio_buttons`, `rectangles`, `dropdown`, `product_list`, `swatch`, and for
    /// modifiers also `checkbox`, `text`, `date`, `file`, ... (kept as sent).
    #[serde(default, rename = "type")]
    pub option_type: Option<String>,
    /// Required (modifiers).
    #[serde(default)]
    pub required: Option<bool>,
    /// Display order.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub sort_order: Option<i64>,
    /// Type-specific configuration, as sent.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub config: serde_json::Value,
    /// Values.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub option_values: Vec<ProductOptionValue>,
}

/// A category tree: the categories of one or more channels (`GET /v3/catalog/trees`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CategoryTree {
    /// Id.
    pub id: CategoryTreeId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Channels using it.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub channels: Vec<u64>,
}

/// A node of a category tree (`GET /v3/catalog/trees/{tree_id}/categories`), with its
/// children.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CategoryNode {
    /// Category id.
    pub id: CategoryId,
    /// Parent (0 at the root).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub parent_id: u64,
    /// Depth (1 at the root).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub depth: u64,
    /// Ids from the root to this node.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub path: Vec<u64>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Visible on the storefront.
    #[serde(default)]
    pub is_visible: Option<bool>,
    /// Storefront path, e.g. `/bath/`.
    #[serde(default)]
    pub url: Option<String>,
    /// Child nodes (entries that are not category objects, as in the spec's example, are
    /// skipped).
    #[serde(default, deserialize_with = "child_nodes")]
    pub children: Vec<CategoryNode>,
}

fn child_nodes<'d, D: serde::Deserializer<'d>>(d: D) -> Result<Vec<CategoryNode>, D::Error> {
    use serde::de::Error as _;
    let v: Option<Vec<serde_json::Value>> = Option::deserialize(d)?;
    v.unwrap_or_default()
        .into_iter()
        .filter(serde_json::Value::is_object)
        .map(|c| serde_json::from_value(c).map_err(D::Error::custom))
        .collect()
}

/// A category as listed across trees (`GET /v3/catalog/trees/categories`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TreeCategory {
    /// Category id.
    pub category_id: CategoryId,
    /// Category UUID.
    #[serde(default)]
    pub category_uuid: Option<String>,
    /// Tree.
    #[serde(default)]
    pub tree_id: Option<CategoryTreeId>,
    /// Parent (0 at the root).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub parent_id: u64,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// Display order.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub sort_order: Option<i64>,
    /// Visible on the storefront.
    #[serde(default)]
    pub is_visible: Option<bool>,
    /// Image URL.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub image_url: Option<String>,
    /// Storefront URL (`path`, `is_customized`), as sent.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub url: serde_json::Value,
}

/// Most category trees one `PUT /v3/catalog/trees` may carry ("Batches are limited to 50
/// trees", `category-trees_catalog.v3.yml`).
pub const TREES_BATCH: usize = 50;

/// One item of `PUT /v3/catalog/trees` (upsert): with an `id` it updates that tree (and must
/// not name `channels`), without one it creates a tree (a `name` and exactly one channel).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryTreeWrite {
    /// The tree to update; `None` creates one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CategoryTreeId>,
    /// Name (required to create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The channel of a new tree (exactly one; absent on updates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<crate::channels::ChannelId>,
}

impl CategoryTreeWrite {
    /// A new tree for `channel`.
    pub fn create(name: impl Into<String>, channel: crate::channels::ChannelId) -> Self {
        CategoryTreeWrite {
            id: None,
            name: Some(name.into()),
            channels: vec![channel],
        }
    }

    /// Renames tree `id`.
    pub fn rename(id: CategoryTreeId, name: impl Into<String>) -> Self {
        CategoryTreeWrite {
            id: Some(id),
            name: Some(name.into()),
            channels: Vec::new(),
        }
    }

    /// What the spec's usage notes forbid, as a message (`None` when the item is valid).
    pub fn problem(&self) -> Option<&'static str> {
        match self.id {
            None if self.name.as_deref().is_none_or(str::is_empty) => {
                Some("a new category tree needs a name")
            }
            None if self.channels.len() != 1 => {
                Some("a new category tree needs exactly one channel")
            }
            Some(_) if !self.channels.is_empty() => {
                Some("channels must be absent when updating a category tree")
            }
            _ => None,
        }
    }
}

/// A category's storefront URL in a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryUrlWrite {
    /// Path, e.g. `/bath/`.
    pub path: String,
    /// Whether the path was set by hand.
    pub is_customized: bool,
}

impl CategoryUrlWrite {
    /// A path set by hand.
    pub fn custom(path: impl Into<String>) -> Self {
        CategoryUrlWrite {
            path: path.into(),
            is_customized: true,
        }
    }
}

/// One item of `POST /v3/catalog/trees/categories` (create: a `name` and a `tree_id` or a
/// `parent_id`) or `PUT /v3/catalog/trees/categories` (update: a `category_id`);
/// `category-trees_catalog.v3.yml`. Documented limits: 50-character names, 8 levels of
/// depth, 16,000 categories per store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TreeCategoryWrite {
    /// The category to update; `None` in a create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<CategoryId>,
    /// Name (required to create; at most 50 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tree (a create needs this or `parent_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree_id: Option<CategoryTreeId>,
    /// Parent category (0 at the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
    /// Description (HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Display order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i64>,
    /// Visible on the storefront.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_visible: Option<bool>,
    /// Page title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Storefront URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<CategoryUrlWrite>,
    /// Other documented fields (`meta_keywords`, `meta_description`, `search_keywords`,
    /// `layout_file`, `default_product_sort`, ...), sent as given.
    #[serde(flatten)]
    pub extra: std::collections::BTreeMap<String, serde_json::Value>,
}

impl TreeCategoryWrite {
    /// A new top-level category of `tree`.
    pub fn in_tree(name: impl Into<String>, tree: CategoryTreeId) -> Self {
        TreeCategoryWrite {
            name: Some(name.into()),
            tree_id: Some(tree),
            ..TreeCategoryWrite::default()
        }
    }

    /// A new child of category `parent`.
    pub fn under(name: impl Into<String>, parent: CategoryId) -> Self {
        TreeCategoryWrite {
            name: Some(name.into()),
            parent_id: Some(parent.0),
            ..TreeCategoryWrite::default()
        }
    }

    /// An update of category `id` that changes only what is set afterwards.
    pub fn update(id: CategoryId) -> Self {
        TreeCategoryWrite {
            category_id: Some(id),
            ..TreeCategoryWrite::default()
        }
    }

    /// What keeps this item from being a valid create (`None` when it is one).
    pub fn create_problem(&self) -> Option<&'static str> {
        if self.category_id.is_some() {
            Some("a category to create has no category_id (use update_tree_categories)")
        } else if self.name.as_deref().is_none_or(str::is_empty) {
            Some("a new category needs a name")
        } else if self.tree_id.is_none() && self.parent_id.is_none() {
            Some("a new category needs a tree_id or a parent_id")
        } else {
            None
        }
    }
}

/// Largest image file BigCommerce takes (8 MB, `products_catalog.v3.yml`).
pub const IMAGE_MAX_BYTES: usize = 8 * 1024 * 1024;

/// An image file to upload with `Products::upload_image`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// File name sent with the part, e.g. `mug.jpg`.
    pub file_name: String,
    /// MIME type, e.g. `image/jpeg`.
    pub content_type: String,
    /// The image.
    pub bytes: Vec<u8>,
}

impl ImageFile {
    /// A file from its name, MIME type and bytes.
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        ImageFile {
            file_name: file_name.into(),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}
