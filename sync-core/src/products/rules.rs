//! [`ProductRules`]: how BigCommerce products become Mirakl product rows (P41).

use super::units::Unit;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How BigCommerce products map onto the operator's catalog. Deserializable from TOML or JSON;
/// every field has a default (in its doc), so an empty document is valid (but maps no
/// categories or attributes).
///
/// ```
/// use sync_core::products::ProductRules;
/// let rules: ProductRules = toml::from_str(r#"
///     default_category = "9010"
///     [[categories]]
///     path = "Clothing/Women"
///     mirakl = "1010"
///     [[attributes]]
///     code = "title"
///     from = "name"
///     [[attributes]]
///     code = "size"
///     from = { option = "Size" }
///     values = { "Extra large" = "XL" }
///     [[attributes]]
///     code = "weight-kg"
///     from = "weight"
///     unit = "kg"
/// "#).unwrap();
/// assert_eq!(rules.sku_column, "shop-sku");
/// assert_eq!(rules.attributes.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductRules {
    /// Column (operator attribute code) holding the shop SKU (default `shop-sku`).
    pub sku_column: String,
    /// Column holding the Mirakl hierarchy (category) code (default `category`).
    pub category_column: String,
    /// Column holding the variant group code that ties the variants of one product together
    /// (default `variant-group-code`; empty: no such column).
    pub variant_group_column: String,
    /// What the variant group code is made of (default the product SKU).
    pub variant_group: VariantGroupSource,
    /// BigCommerce category → Mirakl hierarchy code, first matching rule wins (default none).
    pub categories: Vec<CategoryRule>,
    /// Hierarchy code used when no category rule matches (default none: the product is
    /// reported as unmapped).
    pub default_category: Option<String>,
    /// Products may only be filed on leaf categories (default true).
    pub require_leaf_category: bool,
    /// Mirakl attribute codes and where their values come from (default none).
    pub attributes: Vec<AttributeRule>,
    /// Match value-list entries ignoring case and surrounding spaces when no exact match exists
    /// (default true).
    pub case_insensitive_values: bool,
    /// Value tables shared by every attribute on a value list, by VL11 list code: BigCommerce
    /// value → value code, e.g. `[value_tables.colours] "Jet black" = "BLACK"`. An attribute's
    /// own [`AttributeRule::values`] comes first (default empty).
    pub value_tables: BTreeMap<String, BTreeMap<String, String>>,
    /// Unit of the store's weights (BigCommerce `weight_units`; default `kg`).
    pub weight_unit: Unit,
    /// Unit of the store's width/height/depth (BigCommerce `dimension_units`; default `cm`).
    pub dimension_unit: Unit,
    /// Decimal places kept after a unit conversion (default 3).
    pub unit_decimals: u32,
    /// Separator between the values of a multiple-value list attribute (default `|`).
    pub multi_value_separator: String,
}

impl Default for ProductRules {
    fn default() -> Self {
        ProductRules {
            sku_column: "shop-sku".into(),
            category_column: "category".into(),
            variant_group_column: "variant-group-code".into(),
            variant_group: VariantGroupSource::ProductSku,
            categories: Vec::new(),
            default_category: None,
            require_leaf_category: true,
            attributes: Vec::new(),
            case_insensitive_values: true,
            value_tables: BTreeMap::new(),
            weight_unit: Unit::Kg,
            dimension_unit: Unit::Cm,
            unit_decimals: 3,
            multi_value_separator: "|".into(),
        }
    }
}

impl ProductRules {
    /// A copy whose SKU, category and variant group columns are the operator's attributes with
    /// the roles `SHOP_SKU`, `CATEGORY` and `VARIANT_GROUP_CODE` (PM11 `roles`), where it
    /// declares them; other columns stay as configured.
    pub fn with_role_columns(&self, operator: &super::OperatorCatalog) -> ProductRules {
        use super::operator::{ROLE_CATEGORY, ROLE_SHOP_SKU, ROLE_VARIANT_GROUP_CODE};
        let mut out = self.clone();
        let set = |field: &mut String, role: &str| {
            if let Some(code) = operator.role_column(role) {
                *field = code.to_owned();
            }
        };
        set(&mut out.sku_column, ROLE_SHOP_SKU);
        set(&mut out.category_column, ROLE_CATEGORY);
        set(&mut out.variant_group_column, ROLE_VARIANT_GROUP_CODE);
        out
    }

    /// The structural columns every row carries (SKU, category, and the variant group when
    /// configured), in file order.
    pub fn key_columns(&self) -> Vec<&str> {
        let mut cols = vec![self.sku_column.as_str(), self.category_column.as_str()];
        if !self.variant_group_column.is_empty() {
            cols.push(self.variant_group_column.as_str());
        }
        cols
    }
}

/// What the variant group code of a product with several variants is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantGroupSource {
    /// The product's SKU, or `bc-<product id>` when it has none (default).
    #[default]
    ProductSku,
    /// `bc-<product id>`.
    ProductId,
}

/// One category mapping: a BigCommerce category (by id or by name path) → a Mirakl hierarchy
/// code. A rule also matches the sub-categories of its category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    /// BigCommerce category id.
    #[serde(default)]
    pub id: Option<u64>,
    /// BigCommerce category path of names joined by `/`, e.g. `Clothing/Women` (compared
    /// case-insensitively, spaces around segments ignored).
    #[serde(default)]
    pub path: Option<String>,
    /// Mirakl hierarchy code (H11 `code`).
    pub mirakl: String,
}

/// One Mirakl attribute and where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeRule {
    /// Mirakl attribute code (PM11 `code`), the column name in the P41 file.
    pub code: String,
    /// Source of the value.
    pub from: FieldSource,
    /// Explicit value table applied first: BigCommerce value → Mirakl value (for list
    /// attributes, a value code; each of several values is looked up on its own). Keys are compared case-insensitively when
    /// [`ProductRules::case_insensitive_values`] is set (default empty).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Unit the attribute expects; numeric weights and dimensions are converted to it.
    #[serde(default)]
    pub unit: Option<Unit>,
    /// Unit of the source value when it is not the store's unit (e.g. a custom field in
    /// inches). Default: the store's weight or dimension unit by the target's kind.
    #[serde(default)]
    pub from_unit: Option<Unit>,
    /// Value used when the source is empty (default none).
    #[serde(default)]
    pub default: Option<String>,
    /// Remove HTML tags and collapse whitespace (for descriptions; default false).
    #[serde(default)]
    pub strip_html: bool,
}

impl AttributeRule {
    /// A rule with no table, unit or default.
    pub fn new(code: impl Into<String>, from: FieldSource) -> Self {
        AttributeRule {
            code: code.into(),
            from,
            values: BTreeMap::new(),
            unit: None,
            from_unit: None,
            default: None,
            strip_html: false,
        }
    }
}

/// Where an attribute value is read from. For fields that exist on both, the variant's value
/// comes first, then the product's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldSource {
    /// Product name.
    Name,
    /// Product description (HTML).
    Description,
    /// Brand name (from the brand list, by `brand_id`).
    Brand,
    /// The row's shop SKU.
    Sku,
    /// BigCommerce product id.
    ProductId,
    /// BigCommerce variant id (empty for a product without variants).
    VariantId,
    /// Weight (variant, then product), in the store's weight unit.
    Weight,
    /// Width (variant, then product), in the store's dimension unit.
    Width,
    /// Height (variant, then product).
    Height,
    /// Depth (variant, then product).
    Depth,
    /// UPC (variant, then product).
    Upc,
    /// GTIN / EAN (variant, then product).
    Gtin,
    /// Manufacturer part number (variant, then product).
    Mpn,
    /// Condition (`New`, `Used`, `Refurbished`).
    Condition,
    /// The storefront path of the product (`custom_url.url`).
    Url,
    /// The n-th image URL (1-based): the variant's own image first, then the product's images
    /// (thumbnail first, then by sort order).
    Image(usize),
    /// A product custom field by name (case-insensitive).
    CustomField(String),
    /// A variant option value by option display name (case-insensitive), e.g. `Size`.
    Option(String),
    /// A fixed value.
    Constant(String),
}
