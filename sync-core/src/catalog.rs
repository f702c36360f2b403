//! The BigCommerce catalog as `offers::desired` reads it: plain input types, selection filters
//! and product identity.
//!
//! These types hold only what the sync decides on. Build them from the `bigcommerce-api` models
//! with the `From` impls in [`crate::convert`], or directly (tests, other sources).

use crate::rules::{IdSource, IdentityRules, SelectionRules};
use crate::types::{CatalogRef, ShopSku};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// BigCommerce `inventory_tracking`: the `bigcommerce-api` model's type (`none`, `product`,
/// `variant`, or an unknown value kept as sent), re-exported here beside [`CatalogProduct`].
pub use bigcommerce_api::catalog::InventoryTracking;

/// A BigCommerce variant (v3 `variants[]`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogVariant {
    /// Variant id.
    pub id: u64,
    /// Variant SKU.
    pub sku: Option<String>,
    /// Variant price (falls back to the product price).
    pub price: Option<Decimal>,
    /// Variant sale price (falls back to the product sale price).
    pub sale_price: Option<Decimal>,
    /// Weight (falls back to the product weight).
    pub weight: Option<Decimal>,
    /// GTIN / EAN.
    pub gtin: Option<String>,
    /// UPC.
    pub upc: Option<String>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Stock on hand (variant-level tracking).
    pub inventory_level: Option<i64>,
    /// Variant cannot be bought.
    pub purchasing_disabled: bool,
}

/// A BigCommerce product with its variants (v3 `catalog/products?include=variants,custom_fields`).
/// The default is an empty product with untracked inventory (`none`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogProduct {
    /// Product id.
    pub id: u64,
    /// Product name.
    pub name: String,
    /// Product SKU (used when the product has no variants).
    pub sku: Option<String>,
    /// Price.
    pub price: Option<Decimal>,
    /// Sale price (0 or none: no sale).
    pub sale_price: Option<Decimal>,
    /// Weight.
    pub weight: Option<Decimal>,
    /// GTIN / EAN.
    pub gtin: Option<String>,
    /// UPC.
    pub upc: Option<String>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Brand id (0 or none: no brand).
    pub brand_id: Option<u64>,
    /// Category ids.
    pub categories: Vec<u64>,
    /// Visible on the storefront.
    pub is_visible: bool,
    /// `available`, `disabled` or `preorder`.
    pub availability: String,
    /// Inventory tracking mode.
    pub inventory_tracking: InventoryTracking,
    /// Stock on hand (product-level tracking).
    pub inventory_level: Option<i64>,
    /// Custom fields (name, value).
    pub custom_fields: Vec<(String, String)>,
    /// Variants. Empty means the product is sold as one item.
    pub variants: Vec<CatalogVariant>,
    /// Bulk-pricing rules (v3 `bulk_pricing_rules`), for
    /// [`crate::rules::OfferRules::volume_prices_from_bulk_pricing`].
    pub bulk_pricing: Vec<BulkPricingTier>,
}

/// How a BigCommerce bulk-pricing rule adjusts the unit price (products_catalog.v3.yml
/// `bulkPricingRule_Full.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkPricingKind {
    /// `price`: this amount off each unit.
    Price,
    /// `percent`: this percentage off each unit (10 = 10 %).
    Percent,
    /// `fixed`: this unit price.
    Fixed,
}

/// One BigCommerce bulk-pricing rule: from `quantity_min` units, the unit price is adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BulkPricingTier {
    /// Smallest quantity the rule applies to.
    pub quantity_min: u64,
    /// The adjustment.
    pub kind: BulkPricingKind,
    /// Its amount (a currency amount, a percentage, or a unit price).
    pub amount: Decimal,
}

impl BulkPricingTier {
    /// The adjusted unit price of `price` (not below 0).
    pub fn apply(&self, price: Decimal) -> Decimal {
        let out = match self.kind {
            BulkPricingKind::Price => price.saturating_sub(self.amount),
            BulkPricingKind::Percent => {
                let keep = Decimal::ONE_HUNDRED.saturating_sub(self.amount);
                price.saturating_mul(keep) / Decimal::ONE_HUNDRED
            }
            BulkPricingKind::Fixed => self.amount,
        };
        out.max(Decimal::ZERO)
    }
}

impl Default for CatalogProduct {
    fn default() -> Self {
        CatalogProduct {
            id: 0,
            name: String::new(),
            sku: None,
            price: None,
            sale_price: None,
            weight: None,
            gtin: None,
            upc: None,
            mpn: None,
            brand_id: None,
            categories: Vec::new(),
            is_visible: false,
            availability: String::new(),
            inventory_tracking: InventoryTracking::None,
            inventory_level: None,
            custom_fields: Vec::new(),
            variants: Vec::new(),
            bulk_pricing: Vec::new(),
        }
    }
}

/// A price-list record (v3 `pricelists/{id}/records`) overriding a variant's prices.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PriceRecord {
    /// Price override.
    pub price: Option<Decimal>,
    /// Sale price override.
    pub sale_price: Option<Decimal>,
    /// Start of the sale, where known (BigCommerce records carry none).
    #[serde(with = "time::serde::rfc3339::option")]
    pub sale_start: Option<OffsetDateTime>,
    /// End of the sale, where known.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sale_end: Option<OffsetDateTime>,
}

/// Everything `offers::desired` reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Catalog {
    /// Products with their variants.
    pub products: Vec<CatalogProduct>,
    /// Store currency (`default_currency_code`), checked against the rules' currency.
    pub currency: Option<String>,
    /// Inventory levels by variant id (e.g. summed over locations); override the variant's
    /// `inventory_level`.
    pub inventory: BTreeMap<u64, i64>,
    /// Price-list records by variant id; override the variant's prices.
    pub price_list: BTreeMap<u64, PriceRecord>,
    /// Units held by marketplace orders not yet created in BigCommerce, by SKU.
    pub held: BTreeMap<ShopSku, u64>,
    /// Whether the store enters prices with tax (`/v2/store` `is_price_entered_with_tax`);
    /// checked against the rules' `price.marketplace_tax_basis` (default none: not checked).
    pub prices_include_tax: Option<bool>,
}

fn blank_none(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Whether a product passes the product-level selection filters.
pub fn product_selected(p: &CatalogProduct, rules: &SelectionRules) -> bool {
    if rules.visible_only && !p.is_visible {
        return false;
    }
    if !rules.availability.is_empty()
        && !rules
            .availability
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&p.availability))
    {
        return false;
    }
    if !rules.include_categories.is_empty()
        && !p
            .categories
            .iter()
            .any(|c| rules.include_categories.contains(c))
    {
        return false;
    }
    if p.categories
        .iter()
        .any(|c| rules.exclude_categories.contains(c))
    {
        return false;
    }
    let brand = p.brand_id.filter(|b| *b != 0);
    if !rules.include_brands.is_empty() && !brand.is_some_and(|b| rules.include_brands.contains(&b))
    {
        return false;
    }
    if brand.is_some_and(|b| rules.exclude_brands.contains(&b)) {
        return false;
    }
    if let Some(cf) = &rules.custom_field {
        let hit = p.custom_fields.iter().any(|(n, v)| {
            n.trim().eq_ignore_ascii_case(cf.name.trim())
                && cf
                    .value
                    .as_ref()
                    .is_none_or(|want| v.trim().eq_ignore_ascii_case(want.trim()))
        });
        if !hit {
            return false;
        }
    }
    true
}

/// Whether a SKU passes the prefix filters.
pub fn sku_selected(sku: &str, rules: &SelectionRules) -> bool {
    (rules.include_sku_prefixes.is_empty()
        || rules
            .include_sku_prefixes
            .iter()
            .any(|p| sku.starts_with(p.as_str())))
        && !rules
            .exclude_sku_prefixes
            .iter()
            .any(|p| sku.starts_with(p.as_str()))
}

/// The shop SKU of one sellable item: the variant's SKU when it is not blank, else the
/// product's SKU when the product has at most one variant (BigCommerce's base variant of a
/// product without options). Offers ([`crate::offers::desired`]) and product rows
/// ([`crate::products::map_products`]) both key items this way, so an offer always names the
/// product row sent for it.
pub fn item_sku<'a>(
    variant_sku: Option<&'a str>,
    product_sku: Option<&'a str>,
    variant_count: usize,
) -> Option<&'a str> {
    let variant_sku = variant_sku.filter(|s| !s.trim().is_empty());
    if variant_count <= 1 {
        variant_sku.or(product_sku)
    } else {
        variant_sku
    }
}

/// What [`check_sku`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SkuCheck {
    /// No SKU, or a blank one.
    Missing,
    /// A SKU that cannot be a shop SKU.
    Invalid(crate::types::InvalidValue),
    /// A valid SKU the prefix filters leave out.
    Excluded,
    /// A valid, selected SKU.
    Selected(ShopSku),
}

/// Validates an item's SKU ([`crate::types::shop_sku`]) and applies the prefix filters.
pub(crate) fn check_sku(sku: Option<&str>, rules: &SelectionRules) -> SkuCheck {
    use crate::types::InvalidValue;
    match sku.map(crate::types::shop_sku) {
        None | Some(Err(InvalidValue::EmptySku)) => SkuCheck::Missing,
        Some(Err(e)) => SkuCheck::Invalid(e),
        Some(Ok(sku)) if sku_selected(sku.as_str(), rules) => SkuCheck::Selected(sku),
        Some(Ok(_)) => SkuCheck::Excluded,
    }
}

/// The variants that can become items, by id: purchasing-disabled ones are left out when the
/// rules say so.
pub(crate) fn sellable_variants<'a, V>(
    variants: &'a [V],
    id: impl Fn(&V) -> u64,
    purchasing_disabled: impl Fn(&V) -> bool,
    rules: &SelectionRules,
) -> Vec<&'a V> {
    let mut vs: Vec<&V> = variants
        .iter()
        .filter(|v| !(rules.skip_purchasing_disabled && purchasing_disabled(v)))
        .collect();
    vs.sort_by_key(|v| id(v));
    vs
}

/// SKUs held by more than one item, with every holder (in input order).
pub(crate) fn duplicated_skus<'a>(
    items: impl IntoIterator<Item = (&'a ShopSku, CatalogRef)>,
) -> BTreeMap<ShopSku, Vec<CatalogRef>> {
    let mut by_sku: BTreeMap<&ShopSku, Vec<CatalogRef>> = BTreeMap::new();
    for (sku, source) in items {
        by_sku.entry(sku).or_default().push(source);
    }
    by_sku
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, v)| (k.clone(), v))
        .collect()
}

/// The Mirakl product reference chosen for an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `product_id`.
    pub product_id: String,
    /// `product_id_type`.
    pub product_id_type: String,
}

/// Picks `product_id` / `product_id_type`: the first configured source with a value (variant
/// value first, then the product's). `None` when no source has a value.
pub fn identity(
    p: &CatalogProduct,
    v: Option<&CatalogVariant>,
    sku: &ShopSku,
    rules: &IdentityRules,
) -> Option<Identity> {
    rules.sources.iter().find_map(|src| {
        let (value, ty) = match src {
            IdSource::Gtin => (
                pick(v.and_then(|v| blank_none(&v.gtin)), blank_none(&p.gtin)),
                &rules.gtin_type,
            ),
            IdSource::Upc => (
                pick(v.and_then(|v| blank_none(&v.upc)), blank_none(&p.upc)),
                &rules.upc_type,
            ),
            IdSource::Mpn => (
                pick(v.and_then(|v| blank_none(&v.mpn)), blank_none(&p.mpn)),
                &rules.mpn_type,
            ),
            IdSource::Sku => (Some(sku.as_str()), &rules.sku_type),
        };
        value.map(|value| Identity {
            product_id: value.to_owned(),
            product_id_type: ty.clone(),
        })
    })
}

/// Whether the item has a GTIN or UPC (variant or product).
pub fn has_gtin(p: &CatalogProduct, v: Option<&CatalogVariant>) -> bool {
    v.is_some_and(|v| blank_none(&v.gtin).is_some() || blank_none(&v.upc).is_some())
        || blank_none(&p.gtin).is_some()
        || blank_none(&p.upc).is_some()
}

fn pick<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    a.or(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::CustomFieldRule;

    fn product() -> CatalogProduct {
        CatalogProduct {
            id: 1,
            name: "Tee".into(),
            is_visible: true,
            availability: "available".into(),
            categories: vec![10, 20],
            brand_id: Some(5),
            custom_fields: vec![("Marketplace".into(), "TRUE".into())],
            ..CatalogProduct::default()
        }
    }

    #[test]
    fn inventory_tracking_keeps_unknown_values() {
        let t: InventoryTracking = serde_json::from_str("\"variant\"").unwrap();
        assert_eq!(t, InventoryTracking::Variant);
        let t: InventoryTracking = serde_json::from_str("\"warehouse\"").unwrap();
        assert_eq!(t, InventoryTracking::Other("warehouse".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"warehouse\"");
    }

    #[test]
    fn product_filters() {
        let all = SelectionRules::default();
        assert!(product_selected(&product(), &all));
        assert!(!product_selected(
            &CatalogProduct {
                is_visible: false,
                ..product()
            },
            &all
        ));
        assert!(product_selected(
            &CatalogProduct {
                is_visible: false,
                ..product()
            },
            &SelectionRules {
                visible_only: false,
                ..all.clone()
            }
        ));
        assert!(!product_selected(
            &CatalogProduct {
                availability: "disabled".into(),
                ..product()
            },
            &all
        ));
        let cat = SelectionRules {
            include_categories: vec![20],
            ..all.clone()
        };
        assert!(product_selected(&product(), &cat));
        assert!(!product_selected(
            &product(),
            &SelectionRules {
                include_categories: vec![99],
                ..all.clone()
            }
        ));
        assert!(!product_selected(
            &product(),
            &SelectionRules {
                exclude_categories: vec![10],
                ..all.clone()
            }
        ));
        assert!(product_selected(
            &product(),
            &SelectionRules {
                include_brands: vec![5],
                ..all.clone()
            }
        ));
        assert!(!product_selected(
            &CatalogProduct {
                brand_id: Some(0),
                ..product()
            },
            &SelectionRules {
                include_brands: vec![5],
                ..all.clone()
            }
        ));
        assert!(!product_selected(
            &product(),
            &SelectionRules {
                exclude_brands: vec![5],
                ..all.clone()
            }
        ));
        let cf = |value: Option<&str>| SelectionRules {
            custom_field: Some(CustomFieldRule {
                name: "marketplace".into(),
                value: value.map(Into::into),
            }),
            ..SelectionRules::default()
        };
        assert!(product_selected(&product(), &cf(Some("true"))));
        assert!(product_selected(&product(), &cf(None)));
        assert!(!product_selected(&product(), &cf(Some("false"))));
        assert!(!product_selected(
            &CatalogProduct {
                custom_fields: vec![],
                ..product()
            },
            &cf(None)
        ));
    }

    #[test]
    fn item_sku_falls_back_to_the_product_only_for_a_single_variant() {
        assert_eq!(item_sku(Some("V"), Some("P"), 3), Some("V"));
        assert_eq!(item_sku(Some(" "), Some("P"), 1), Some("P"));
        assert_eq!(item_sku(None, Some("P"), 0), Some("P"));
        assert_eq!(item_sku(None, Some("P"), 2), None);
        assert_eq!(item_sku(Some(""), None, 1), None);
        let r = SelectionRules {
            exclude_sku_prefixes: vec!["X".into()],
            ..SelectionRules::default()
        };
        assert_eq!(check_sku(None, &r), SkuCheck::Missing);
        assert_eq!(check_sku(Some("  "), &r), SkuCheck::Missing);
        assert!(matches!(check_sku(Some("a\tb"), &r), SkuCheck::Invalid(_)));
        assert_eq!(check_sku(Some("X1"), &r), SkuCheck::Excluded);
        assert_eq!(
            check_sku(Some(" A1 "), &r),
            SkuCheck::Selected(ShopSku::new("A1").unwrap())
        );
        let a = ShopSku::new("A").unwrap();
        let b = ShopSku::new("B").unwrap();
        let at = |p| CatalogRef {
            product_id: p,
            variant_id: None,
        };
        let d = duplicated_skus([(&a, at(1)), (&b, at(2)), (&a, at(3))]);
        assert_eq!(d, [(a.clone(), vec![at(1), at(3)])].into());
    }

    #[test]
    fn sku_prefix_filters() {
        let r = SelectionRules {
            include_sku_prefixes: vec!["WF-".into()],
            exclude_sku_prefixes: vec!["WF-X".into()],
            ..SelectionRules::default()
        };
        assert!(sku_selected("WF-1", &r));
        assert!(!sku_selected("AB-1", &r));
        assert!(!sku_selected("WF-X1", &r));
        assert!(sku_selected("anything", &SelectionRules::default()));
    }

    #[test]
    fn identity_prefers_variant_then_product_then_next_source() {
        let sku = ShopSku::new("S1").unwrap();
        let rules = IdentityRules::default();
        let p = CatalogProduct {
            gtin: Some("9300000000001".into()),
            upc: Some("012345678905".into()),
            ..product()
        };
        let v = CatalogVariant {
            gtin: Some("9300000000002".into()),
            ..CatalogVariant::default()
        };
        assert_eq!(
            identity(&p, Some(&v), &sku, &rules).unwrap(),
            Identity {
                product_id: "9300000000002".into(),
                product_id_type: "EAN".into()
            }
        );
        assert_eq!(
            identity(&p, None, &sku, &rules).unwrap().product_id,
            "9300000000001"
        );
        let p2 = CatalogProduct {
            gtin: Some("  ".into()),
            mpn: Some("M-1".into()),
            ..product()
        };
        assert_eq!(
            identity(&p2, None, &sku, &rules).unwrap(),
            Identity {
                product_id: "M-1".into(),
                product_id_type: "MPN".into()
            }
        );
        assert_eq!(
            identity(&product(), None, &sku, &rules).unwrap(),
            Identity {
                product_id: "S1".into(),
                product_id_type: "SHOP_SKU".into()
            }
        );
        let upc_only = IdentityRules {
            sources: vec![IdSource::Upc],
            ..IdentityRules::default()
        };
        assert_eq!(
            identity(&p, None, &sku, &upc_only).unwrap().product_id_type,
            "UPC"
        );
        assert_eq!(identity(&product(), None, &sku, &upc_only), None);
        assert!(has_gtin(&p, None));
        assert!(!has_gtin(&p2, None));
    }
}
