//! Desired offers: what Mirakl should show for every selected BigCommerce item.

use crate::catalog::{self, Catalog, CatalogProduct, CatalogVariant, InventoryTracking, SkuCheck};
use crate::pricing::{self, Discount, PriceError, TaxBasisConversion, TaxBasisError, VolumeTier};
use crate::rules::{OfferRules, SyncRules};
use crate::stock;
use crate::types::{CatalogRef, InvalidValue, ShopSku};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The comparable content of an offer: everything the sync manages and Mirakl reports back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfferContent {
    /// Unit price.
    pub price: Decimal,
    /// Discount, if any.
    pub discount: Option<Discount>,
    /// Quantity for sale.
    pub quantity: u64,
    /// Offer condition code (OF61).
    pub state_code: String,
    /// Lead time to ship in days.
    pub leadtime_to_ship: Option<u32>,
    /// Logistic class code (SH31).
    pub logistic_class: Option<String>,
    /// `offer_additional_fields` code → value.
    pub additional_fields: BTreeMap<String, String>,
    /// Volume prices above 1 unit when the sync manages them
    /// ([`crate::rules::OfferRules::volume_prices_from_bulk_pricing`]); `None`: not managed,
    /// Mirakl's are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_prices: Option<Vec<VolumeTier>>,
}

/// One offer as it should be on Mirakl: the full content an OF24 update must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredOffer {
    /// The key.
    pub shop_sku: ShopSku,
    /// Mirakl `product_id` (needed when the offer is created).
    pub product_id: String,
    /// Mirakl `product_id_type`.
    pub product_id_type: String,
    /// Where it comes from in BigCommerce.
    pub source: CatalogRef,
    /// Offer content.
    pub content: OfferContent,
}

/// One offer as it is on Mirakl now (from OF21/OF52, or what the connector last sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentOffer {
    /// The key.
    pub shop_sku: ShopSku,
    /// Mirakl product reference of the offer (OF21 `product_sku`, or what was sent); OF24
    /// requires one, also to zero or delete an offer.
    pub product_id: String,
    /// Its type (`SKU` for a Mirakl product SKU).
    pub product_id_type: String,
    /// Offer content.
    pub content: OfferContent,
}

/// Why an item did not become an offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfferProblemReason {
    /// The item has no SKU.
    #[error("missing SKU")]
    MissingSku,
    /// The SKU is not usable.
    #[error("invalid SKU: {0}")]
    InvalidSku(InvalidValue),
    /// Another selected item has the same SKU; neither is offered.
    #[error("duplicate SKU, also used by {other}")]
    DuplicateSku {
        /// The other item.
        other: CatalogRef,
    },
    /// GTIN/UPC required by the rules but absent.
    #[error("missing GTIN/UPC")]
    MissingGtin,
    /// No identity source had a value.
    #[error("no product reference (GTIN/UPC/MPN/SKU) available")]
    MissingProductReference,
    /// The item has no price.
    #[error("missing price")]
    MissingPrice,
    /// The price rules rejected the price.
    #[error("price: {0}")]
    Price(PriceError),
    /// Stock is not tracked and the rules give no default quantity.
    #[error("inventory tracking is `{0}`")]
    InventoryNotTracked(String),
    /// The store's price tax basis differs from the marketplace's and no conversion is
    /// configured ([`crate::pricing::check_tax_basis`]).
    #[error("{0}")]
    TaxBasis(TaxBasisError),
    /// The catalog currency differs from the Mirakl shop currency.
    #[error("catalog currency {found:?} differs from shop currency {expected}")]
    CurrencyMismatch {
        /// Shop currency from the rules.
        expected: String,
        /// Catalog currency.
        found: Option<String>,
    },
}

/// An item that did not become an offer, with the reason. Never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferProblem {
    /// The SKU, when the item has a valid one.
    pub sku: Option<ShopSku>,
    /// The item.
    pub source: CatalogRef,
    /// Why.
    pub reason: OfferProblemReason,
}

/// The SKUs named by problems: [`crate::plan::plan`] never removes these from Mirakl (their state
/// is unknown, not gone).
pub fn problem_skus(problems: &[OfferProblem]) -> BTreeSet<ShopSku> {
    problems.iter().filter_map(|p| p.sku.clone()).collect()
}

fn logistic_class(weight: Option<Decimal>, rules: &OfferRules) -> Option<String> {
    let mut bands: Vec<_> = rules.logistic_classes.iter().collect();
    bands.sort_by_key(|b| b.max_weight);
    weight
        .and_then(|w| {
            bands
                .iter()
                .find(|b| w <= b.max_weight)
                .map(|b| b.code.clone())
        })
        .or_else(|| rules.default_logistic_class.clone())
}

struct Candidate<'a> {
    product: &'a CatalogProduct,
    variant: Option<&'a CatalogVariant>,
    source: CatalogRef,
    sku: ShopSku,
}

/// Computes the desired offer of every selected sellable item.
///
/// One offer per variant (or per product without variants), keyed by shop SKU. Items excluded by
/// the selection rules are simply absent. Items that are selected but cannot be offered yield a
/// [`OfferProblem`] (missing, invalid or duplicate SKU, missing GTIN when required, missing or
/// non-positive price, untracked inventory without a default, currency or tax-basis mismatch).
/// Store prices are converted to the marketplace's tax basis first when the rules say how
/// ([`crate::pricing::check_tax_basis`] with [`Catalog::prices_include_tax`]). Output order
/// is deterministic (`BTreeMap`; problems sorted by product, variant).
pub fn desired(
    catalog: &Catalog,
    rules: &SyncRules,
) -> (BTreeMap<ShopSku, DesiredOffer>, Vec<OfferProblem>) {
    let mut problems = Vec::new();
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    let mut products: Vec<&CatalogProduct> = catalog.products.iter().collect();
    products.sort_by_key(|p| p.id);
    for p in products {
        if !catalog::product_selected(p, &rules.selection) {
            continue;
        }
        let items: Vec<(Option<&CatalogVariant>, Option<&str>)> = if p.variants.is_empty() {
            vec![(None, p.sku.as_deref())]
        } else {
            catalog::sellable_variants(
                &p.variants,
                |v| v.id,
                |v| v.purchasing_disabled,
                &rules.selection,
            )
            .into_iter()
            .map(|v| {
                let sku = catalog::item_sku(v.sku.as_deref(), p.sku.as_deref(), p.variants.len());
                (Some(v), sku)
            })
            .collect()
        };
        for (variant, sku) in items {
            let source = CatalogRef {
                product_id: p.id,
                variant_id: variant.map(|v| v.id),
            };
            let reason = match catalog::check_sku(sku, &rules.selection) {
                SkuCheck::Missing => OfferProblemReason::MissingSku,
                SkuCheck::Invalid(e) => OfferProblemReason::InvalidSku(e),
                SkuCheck::Excluded => continue,
                SkuCheck::Selected(sku) => {
                    candidates.push(Candidate {
                        product: p,
                        variant,
                        source,
                        sku,
                    });
                    continue;
                }
            };
            problems.push(OfferProblem {
                sku: None,
                source,
                reason,
            });
        }
    }

    // Duplicates: every holder of a duplicated SKU gets a problem; none is offered.
    let duplicated = catalog::duplicated_skus(candidates.iter().map(|c| (&c.sku, c.source)));

    // Units held per product (product-level tracking shares one level among variants).
    let mut held_by_product: BTreeMap<u64, u64> = BTreeMap::new();
    for c in &candidates {
        let h = catalog.held.get(&c.sku).copied().unwrap_or(0);
        let e = held_by_product.entry(c.product.id).or_default();
        *e = e.saturating_add(h);
    }

    let currency_problem = rules.price.currency.as_ref().and_then(|want| {
        let ok = catalog
            .currency
            .as_ref()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case(want.trim()));
        (!ok).then(|| OfferProblemReason::CurrencyMismatch {
            expected: want.clone(),
            found: catalog.currency.clone(),
        })
    });

    let (tax, tax_problem) = match catalog
        .prices_include_tax
        .map(|with_tax| pricing::check_tax_basis(&rules.price, with_tax))
    {
        Some(Ok(conversion)) => (conversion, None),
        Some(Err(e)) => (None, Some(OfferProblemReason::TaxBasis(e))),
        None => (None, None),
    };

    let mut offers = BTreeMap::new();
    for c in candidates {
        let mut fail = |reason| {
            problems.push(OfferProblem {
                sku: Some(c.sku.clone()),
                source: c.source,
                reason,
            })
        };
        if let Some(holders) = duplicated.get(&c.sku) {
            let other = holders
                .iter()
                .find(|r| **r != c.source)
                .copied()
                .unwrap_or(c.source);
            fail(OfferProblemReason::DuplicateSku { other });
            continue;
        }
        if let Some(reason) = currency_problem.as_ref().or(tax_problem.as_ref()) {
            fail(reason.clone());
            continue;
        }
        match build(&c, catalog, rules, &held_by_product, tax.as_ref()) {
            Ok(offer) => {
                offers.insert(c.sku.clone(), offer);
            }
            Err(reason) => fail(reason),
        }
    }
    problems.sort_by(|a, b| a.source.cmp(&b.source).then_with(|| a.sku.cmp(&b.sku)));
    (offers, problems)
}

fn build(
    c: &Candidate<'_>,
    catalog: &Catalog,
    rules: &SyncRules,
    held_by_product: &BTreeMap<u64, u64>,
    tax: Option<&TaxBasisConversion>,
) -> Result<DesiredOffer, OfferProblemReason> {
    let (p, v) = (c.product, c.variant);
    if rules.identity.require_gtin && !catalog::has_gtin(p, v) {
        return Err(OfferProblemReason::MissingGtin);
    }
    let ident = catalog::identity(p, v, &c.sku, &rules.identity)
        .ok_or(OfferProblemReason::MissingProductReference)?;
    let record = v.and_then(|v| catalog.price_list.get(&v.id));
    let price = record
        .and_then(|r| r.price)
        .or_else(|| v.and_then(|v| v.price))
        .or(p.price)
        .ok_or(OfferProblemReason::MissingPrice)?;
    let sale = match record {
        Some(r) if r.price.is_some() || r.sale_price.is_some() => r.sale_price,
        _ => v.and_then(|v| v.sale_price).or(p.sale_price),
    };
    let (start, end) = record
        .map(|r| (r.sale_start, r.sale_end))
        .unwrap_or((None, None));
    let (base, sale) = match tax {
        Some(t) => (t.apply(price), sale.map(|s| t.apply(s))),
        None => (price, sale),
    };
    let (price, discount) = pricing::offer_price_and_discount(base, sale, start, end, &rules.price)
        .map_err(OfferProblemReason::Price)?;
    let bulk = |b: &crate::catalog::BulkPricingTier| match tax {
        Some(t) if b.kind == crate::catalog::BulkPricingKind::Fixed => {
            crate::catalog::BulkPricingTier {
                amount: t.apply(b.amount),
                ..*b
            }
        }
        _ => *b,
    };
    let volume_prices = rules.offer.volume_prices_from_bulk_pricing.then(|| {
        let tiers: Vec<_> = p.bulk_pricing.iter().map(bulk).collect();
        pricing::volume_tiers(
            base,
            sale,
            &tiers,
            price,
            discount.as_ref().map(|d| d.price),
            &rules.price,
        )
    });

    let held_sku = catalog.held.get(&c.sku).copied().unwrap_or(0);
    let quantity = match &p.inventory_tracking {
        InventoryTracking::Variant => {
            let level = v
                .and_then(|v| catalog.inventory.get(&v.id).copied().or(v.inventory_level))
                .or(p.inventory_level)
                .unwrap_or(0);
            stock::available(level, held_sku, &rules.stock)
        }
        InventoryTracking::Product => {
            let held = held_by_product.get(&p.id).copied().unwrap_or(held_sku);
            stock::available(p.inventory_level.unwrap_or(0), held, &rules.stock)
        }
        other => match rules.stock.untracked_quantity {
            Some(q) => {
                stock::available(i64::try_from(q).unwrap_or(i64::MAX), held_sku, &rules.stock)
            }
            None => {
                return Err(OfferProblemReason::InventoryNotTracked(
                    other.as_str().to_owned(),
                ));
            }
        },
    };
    let weight = v.and_then(|v| v.weight).or(p.weight);
    Ok(DesiredOffer {
        shop_sku: c.sku.clone(),
        product_id: ident.product_id,
        product_id_type: ident.product_id_type,
        source: c.source,
        content: OfferContent {
            price,
            discount,
            quantity,
            state_code: rules.offer.state_code.clone(),
            leadtime_to_ship: rules.offer.leadtime_to_ship,
            logistic_class: logistic_class(weight, &rules.offer),
            additional_fields: rules.offer.additional_fields.clone(),
            volume_prices,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PriceRecord;
    use crate::rules::WeightBand;
    use crate::test_util::d;
    use proptest::prelude::any;

    fn sku(s: &str) -> ShopSku {
        ShopSku::new(s).unwrap()
    }

    fn variant(id: u64, s: &str, level: i64) -> CatalogVariant {
        CatalogVariant {
            id,
            sku: Some(s.into()),
            inventory_level: Some(level),
            ..CatalogVariant::default()
        }
    }

    fn product(id: u64, variants: Vec<CatalogVariant>) -> CatalogProduct {
        CatalogProduct {
            id,
            name: format!("P{id}"),
            sku: Some(format!("P{id}")),
            price: Some(d("20")),
            is_visible: true,
            availability: "available".into(),
            inventory_tracking: InventoryTracking::Variant,
            inventory_level: Some(4),
            variants,
            ..CatalogProduct::default()
        }
    }

    #[test]
    fn one_offer_per_variant_with_fallbacks() {
        let mut v2 = variant(12, "TEE-M", 7);
        v2.price = Some(d("25"));
        v2.sale_price = Some(d("19"));
        let cat = Catalog {
            products: vec![product(1, vec![v2, variant(11, "TEE-S", 3)])],
            ..Catalog::default()
        };
        let (offers, problems) = desired(&cat, &SyncRules::default());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            offers.keys().map(ShopSku::as_str).collect::<Vec<_>>(),
            ["TEE-M", "TEE-S"]
        );
        let s = &offers[&sku("TEE-S")];
        assert_eq!((s.content.price, s.content.quantity), (d("20"), 3));
        assert_eq!(
            s.source,
            CatalogRef {
                product_id: 1,
                variant_id: Some(11)
            }
        );
        assert_eq!(s.product_id_type, "SHOP_SKU");
        let m = &offers[&sku("TEE-M")];
        assert_eq!(m.content.price, d("25"));
        assert_eq!(m.content.discount.as_ref().unwrap().price, d("19"));
        assert_eq!(m.content.state_code, "11");
    }

    #[test]
    fn product_without_variants_and_product_level_tracking() {
        let mut p = product(2, vec![]);
        p.inventory_tracking = InventoryTracking::Product;
        p.inventory_level = Some(10);
        let mut q = product(3, vec![variant(31, "A", 0), variant(32, "B", 0)]);
        q.inventory_tracking = InventoryTracking::Product;
        q.inventory_level = Some(10);
        let mut held = BTreeMap::new();
        held.insert(sku("P2"), 4);
        held.insert(sku("A"), 3);
        let cat = Catalog {
            products: vec![p, q],
            held,
            ..Catalog::default()
        };
        let (offers, problems) = desired(&cat, &SyncRules::default());
        assert!(problems.is_empty());
        assert_eq!(offers[&sku("P2")].content.quantity, 6);
        assert_eq!(offers[&sku("P2")].source.variant_id, None);
        // A product-level level is shared: units held on any variant reduce all.
        assert_eq!(offers[&sku("A")].content.quantity, 7);
        assert_eq!(offers[&sku("B")].content.quantity, 7);
    }

    /// Variants without a SKU are reported, not skipped silently (notes/connectors.md §3.1: SLP
    /// skips them, SSN drops unknown SKUs); duplicates and zero prices likewise.
    #[test]
    fn problems_are_reported_never_dropped() {
        let mut no_sku = variant(41, "", 1);
        no_sku.sku = None;
        let mut zero = variant(42, "ZERO", 1);
        zero.price = Some(d("0"));
        let mut untracked = product(5, vec![]);
        untracked.inventory_tracking = InventoryTracking::None;
        let mut noprice = product(6, vec![]);
        noprice.price = None;
        let cat = Catalog {
            products: vec![
                product(
                    4,
                    vec![
                        no_sku,
                        zero,
                        variant(43, "DUP", 1),
                        variant(44, "bad\tsku", 1),
                    ],
                ),
                untracked,
                noprice,
                product(7, vec![variant(71, "DUP", 1)]),
            ],
            ..Catalog::default()
        };
        let (offers, problems) = desired(&cat, &SyncRules::default());
        assert!(offers.is_empty(), "{offers:?}");
        let reasons: Vec<_> = problems
            .iter()
            .map(|p| (p.source.product_id, p.source.variant_id, p.reason.clone()))
            .collect();
        assert_eq!(reasons[0], (4, Some(41), OfferProblemReason::MissingSku));
        assert_eq!(
            reasons[1],
            (
                4,
                Some(42),
                OfferProblemReason::Price(PriceError::NotPositive(d("0")))
            )
        );
        assert_eq!(
            reasons[2],
            (
                4,
                Some(43),
                OfferProblemReason::DuplicateSku {
                    other: CatalogRef {
                        product_id: 7,
                        variant_id: Some(71)
                    }
                }
            )
        );
        assert!(matches!(
            reasons[3].2,
            OfferProblemReason::InvalidSku(InvalidValue::SkuControlChar(_))
        ));
        assert_eq!(
            reasons[4],
            (
                5,
                None,
                OfferProblemReason::InventoryNotTracked("none".into())
            )
        );
        assert_eq!(reasons[5], (6, None, OfferProblemReason::MissingPrice));
        assert_eq!(
            problems[2].reason.to_string(),
            "duplicate SKU, also used by product 7 variant 71"
        );
        assert_eq!(reasons[6].0, 7);
        assert_eq!(problems.len(), 7);
        assert_eq!(
            problem_skus(&problems)
                .into_iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            ["DUP", "P5", "P6", "ZERO"]
        );
    }

    /// Untracked stock is neither exported as 0 nor silently as a fixed number: it needs an
    /// explicit `untracked_quantity` (notes/connectors.md F3: M2#13 exported 0, later 999), and a
    /// catalog in another currency than the shop is refused (multi-currency).
    #[test]
    fn untracked_default_gtin_requirement_and_currency() {
        let mut p = product(8, vec![]);
        p.inventory_tracking = InventoryTracking::None;
        let cat = Catalog {
            products: vec![p.clone()],
            currency: Some("AUD".into()),
            ..Catalog::default()
        };
        let mut rules = SyncRules::default();
        rules.stock.untracked_quantity = Some(999);
        rules.stock.max_quantity = Some(100);
        let (offers, _) = desired(&cat, &rules);
        assert_eq!(offers[&sku("P8")].content.quantity, 100);

        rules.identity.require_gtin = true;
        let (offers, problems) = desired(&cat, &rules);
        assert!(offers.is_empty());
        assert_eq!(problems[0].reason, OfferProblemReason::MissingGtin);

        rules.identity.require_gtin = false;
        rules.price.currency = Some("NZD".into());
        let (offers, problems) = desired(&cat, &rules);
        assert!(offers.is_empty());
        assert_eq!(
            problems[0].reason,
            OfferProblemReason::CurrencyMismatch {
                expected: "NZD".into(),
                found: Some("AUD".into())
            }
        );
        rules.price.currency = Some("aud".into());
        assert_eq!(desired(&cat, &rules).0.len(), 1);
    }

    /// Issue 10 defect 5: a store entering prices ex GST publishes GST-inclusive prices on a
    /// tax-included marketplace when the rate is configured, and every SKU is a problem naming
    /// the setting when it is not (never ~10% too cheap in silence).
    #[test]
    fn store_prices_follow_the_marketplace_tax_basis() {
        let mut p = product(20, vec![]);
        p.inventory_tracking = InventoryTracking::Product;
        p.sale_price = Some(d("10"));
        let mut cat = Catalog {
            products: vec![p],
            prices_include_tax: Some(false),
            ..Catalog::default()
        };
        let mut rules = SyncRules::default();
        rules.price.marketplace_tax_basis = Some(crate::rules::TaxBasis::TaxIncluded);
        let (offers, problems) = desired(&cat, &rules);
        assert!(offers.is_empty());
        assert!(
            matches!(&problems[0].reason, OfferProblemReason::TaxBasis(e) if e.to_string().contains("store_tax_rate_percent")),
            "{problems:?}"
        );
        rules.price.store_tax_rate_percent = Some(d("10"));
        let (offers, problems) = desired(&cat, &rules);
        assert!(problems.is_empty(), "{problems:?}");
        let o = &offers[&sku("P20")];
        assert_eq!(o.content.price, d("22"));
        assert_eq!(o.content.discount.as_ref().map(|d| d.price), Some(d("11")));
        // a store already entering prices with tax is published as is
        cat.prices_include_tax = Some(true);
        assert_eq!(desired(&cat, &rules).0[&sku("P20")].content.price, d("20"));
    }

    #[test]
    fn selection_excludes_silently_and_purchasing_disabled() {
        let mut off = variant(92, "OFF", 5);
        off.purchasing_disabled = true;
        let mut hidden = product(10, vec![]);
        hidden.is_visible = false;
        let cat = Catalog {
            products: vec![product(9, vec![variant(91, "ON", 5), off]), hidden],
            ..Catalog::default()
        };
        let (offers, problems) = desired(&cat, &SyncRules::default());
        assert_eq!(
            offers.keys().map(ShopSku::as_str).collect::<Vec<_>>(),
            ["ON"]
        );
        assert!(problems.is_empty());
    }

    #[test]
    fn price_list_inventory_overrides_and_logistic_bands() {
        let mut v = variant(101, "PL", 5);
        v.weight = Some(d("2.5"));
        let mut p = product(100, vec![v]);
        p.gtin = Some("9300000000011".into());
        let mut cat = Catalog {
            products: vec![p],
            ..Catalog::default()
        };
        cat.inventory.insert(101, 9);
        cat.price_list.insert(
            101,
            PriceRecord {
                price: Some(d("30")),
                sale_price: Some(d("27")),
                ..PriceRecord::default()
            },
        );
        let mut rules = SyncRules::default();
        rules.offer.logistic_classes = vec![
            WeightBand {
                max_weight: d("10"),
                code: "M".into(),
            },
            WeightBand {
                max_weight: d("1"),
                code: "S".into(),
            },
        ];
        rules.offer.default_logistic_class = Some("XL".into());
        rules.offer.leadtime_to_ship = Some(3);
        let (offers, _) = desired(&cat, &rules);
        let o = &offers[&sku("PL")];
        assert_eq!(
            (
                o.content.price,
                o.content.discount.as_ref().map(|d| d.price)
            ),
            (d("30"), Some(d("27")))
        );
        assert_eq!(o.content.quantity, 9);
        assert_eq!(o.content.logistic_class.as_deref(), Some("M"));
        assert_eq!(o.content.leadtime_to_ship, Some(3));
        assert_eq!(
            (o.product_id.as_str(), o.product_id_type.as_str()),
            ("9300000000011", "EAN")
        );
        assert_eq!(
            logistic_class(Some(d("50")), &rules.offer).as_deref(),
            Some("XL")
        );
        assert_eq!(
            logistic_class(Some(d("0.5")), &rules.offer).as_deref(),
            Some("S")
        );
        assert_eq!(logistic_class(None, &rules.offer).as_deref(), Some("XL"));
    }

    proptest::proptest! {
        /// Every selected sellable item ends up as exactly one offer or one problem: no panic,
        /// no silent drop, deterministic.
        #[test]
        fn every_item_is_an_offer_or_a_problem(
            items in proptest::collection::vec(
                (0u8..6, proptest::option::of(-5i64..50), 0u8..3, proptest::collection::vec((0u8..8, any::<bool>()), 0..4), any::<bool>()),
                0..12,
            )
        ) {
            use proptest::prelude::*;
            let mut products = Vec::new();
            let mut expected = 0usize;
            for (i, (sku_n, price, tracking, variants, visible)) in items.into_iter().enumerate() {
                let id = i as u64 + 1;
                let sku = |n: u8| if n == 0 { None } else { Some(format!("K{n}")) };
                let mut p = product(id, vec![]);
                p.sku = sku(sku_n);
                p.price = price.map(Decimal::from);
                p.is_visible = visible;
                p.inventory_tracking = [InventoryTracking::None, InventoryTracking::Product, InventoryTracking::Variant][tracking as usize].clone();
                p.variants = variants.iter().enumerate().map(|(j, (n, disabled))| CatalogVariant {
                    id: id * 100 + j as u64,
                    sku: sku(*n),
                    purchasing_disabled: *disabled,
                    inventory_level: Some(3),
                    ..CatalogVariant::default()
                }).collect();
                if visible {
                    expected += if p.variants.is_empty() { 1 } else { p.variants.iter().filter(|v| !v.purchasing_disabled).count() };
                }
                products.push(p);
            }
            let cat = Catalog { products, ..Catalog::default() };
            let rules = SyncRules::default();
            let (offers, problems) = desired(&cat, &rules);
            prop_assert_eq!(offers.len() + problems.len(), expected);
            for o in offers.values() {
                prop_assert!(o.content.price > Decimal::ZERO);
                prop_assert!(!problems.iter().any(|p| p.sku.as_ref() == Some(&o.shop_sku)));
            }
            let again = desired(&cat, &rules);
            prop_assert_eq!(&again.0, &offers);
            prop_assert_eq!(&again.1, &problems);
            // the order products arrive in does not matter
            let mut reversed = cat.clone();
            reversed.products.reverse();
            for p in &mut reversed.products { p.variants.reverse(); }
            let rev = desired(&reversed, &rules);
            prop_assert_eq!(&rev.0, &offers);
            prop_assert_eq!(&rev.1, &problems);
        }
    }
}
