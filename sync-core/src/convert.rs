//! Conversions at the edges, between the client models (`bigcommerce-api`, `mirakl-api`) and
//! this crate's plain types.

use crate::catalog::{Catalog, CatalogProduct, CatalogVariant, PriceRecord};
use crate::offers::{CurrentOffer, DesiredOffer, OfferContent};
use crate::plan::OfferWrite;
use crate::plan::PriceWrite;
use crate::pricing::{Discount, VolumeTier};
use crate::rules::OfferRules;
use crate::types::ShopSku;
use bigcommerce_api::catalog::{Product, Variant};
use bigcommerce_api::inventory::InventoryItem;
use bigcommerce_api::pricelists::PriceListRecord;
use mirakl_api::offers::{
    AdditionalFieldInput, DiscountUpdate, ExportedOffer, Offer, OfferPrice, OfferPriceUpdate,
    OfferUpdate, PriceRange, UpdateDelete, VolumePrice,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::OffsetDateTime;

impl From<&Variant> for CatalogVariant {
    fn from(v: &Variant) -> Self {
        CatalogVariant {
            id: v.id.0,
            sku: v.sku.clone(),
            price: v.price,
            sale_price: v.sale_price,
            weight: v.weight.or(v.calculated_weight),
            gtin: v.gtin.clone(),
            upc: v.upc.clone(),
            mpn: v.mpn.clone(),
            inventory_level: Some(v.inventory_level),
            purchasing_disabled: v.purchasing_disabled,
        }
    }
}

impl From<&Product> for CatalogProduct {
    fn from(p: &Product) -> Self {
        CatalogProduct {
            id: p.id.0,
            name: p.name.clone(),
            sku: p.sku.clone(),
            price: Some(p.price),
            sale_price: p.sale_price,
            weight: p.weight,
            gtin: p.gtin.clone(),
            upc: p.upc.clone(),
            mpn: p.mpn.clone(),
            brand_id: p.brand_id,
            categories: p.categories.clone(),
            is_visible: p.is_visible,
            availability: p
                .availability
                .as_ref()
                .map_or_else(|| "available".to_owned(), |a| a.as_str().to_owned()),
            inventory_tracking: p.inventory_tracking.clone(),
            inventory_level: Some(p.inventory_level),
            custom_fields: p
                .custom_fields
                .iter()
                .map(|c| (c.name.clone(), c.value.clone()))
                .collect(),
            variants: p.variants.iter().map(CatalogVariant::from).collect(),
            // the client model does not carry `bulk_pricing_rules` yet
            bulk_pricing: Vec::new(),
        }
    }
}

impl Catalog {
    /// A catalog from BigCommerce products read with `include=variants,custom_fields`.
    pub fn from_products<'a>(
        products: impl IntoIterator<Item = &'a Product>,
        currency: Option<&str>,
    ) -> Self {
        Catalog {
            products: products.into_iter().map(CatalogProduct::from).collect(),
            currency: currency.map(str::to_owned),
            ..Catalog::default()
        }
    }

    /// Sets variant inventory from `GET /v3/inventory/items`: `available_to_sell` summed over
    /// enabled locations (BigCommerce already subtracts its safety stock there).
    pub fn add_inventory<'a>(&mut self, items: impl IntoIterator<Item = &'a InventoryItem>) {
        for it in items {
            let Some(v) = it.identity.variant_id else {
                continue;
            };
            let total: i64 = it
                .locations
                .iter()
                .filter(|l| l.location_enabled != Some(false))
                .map(|l| l.available_to_sell)
                .fold(0i64, i64::saturating_add);
            self.inventory.insert(v.0, total);
        }
    }

    /// Sets price-list records (one price list) for `currency` (case-insensitive); records in
    /// other currencies are ignored.
    pub fn add_price_records<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a PriceListRecord>,
        currency: &str,
    ) {
        for r in records
            .into_iter()
            .filter(|r| r.currency.trim().eq_ignore_ascii_case(currency.trim()))
        {
            self.price_list.insert(
                r.variant_id.0,
                PriceRecord {
                    price: r.price,
                    sale_price: r.sale_price,
                    ..PriceRecord::default()
                },
            );
        }
    }
}

fn default_pricing(o: &Offer) -> Option<&OfferPrice> {
    o.all_prices
        .iter()
        .find(|p| p.channel_code.is_none() && p.context.is_none())
        .or_else(|| o.all_prices.iter().find(|p| p.channel_code.is_none()))
        .or(o.applicable_pricing.as_ref())
}

/// The current state of a Mirakl offer (OF21/OF22) in this crate's terms; `None` when Mirakl
/// reports no price. Only the `offer_additional_fields` the rules manage are kept, so fields
/// the operator adds do not show as changes.
///
/// The origin price is read from the default-channel entry of `all_prices`
/// (`unit_origin_price`), else `discount.origin_price`, else `price` (which is the discounted
/// price while a discount runs); the discount from `unit_discount_price` when below it.
pub fn current_offer(o: &Offer, rules: &OfferRules) -> Option<CurrentOffer> {
    let pricing = default_pricing(o);
    let price = pricing
        .and_then(|p| p.unit_origin_price)
        .or_else(|| o.discount.as_ref().and_then(|d| d.origin_price))
        .or(o.price)?;
    let discount = match pricing {
        Some(p) => p
            .unit_discount_price
            .filter(|d| *d < price)
            .map(|d| Discount {
                price: d,
                start_date: p.discount_start_date,
                end_date: p.discount_end_date,
            }),
        None => o.discount.as_ref().and_then(|d| {
            d.discount_price
                .filter(|dp| *dp < price)
                .map(|dp| Discount {
                    price: dp,
                    start_date: d.start_date,
                    end_date: d.end_date,
                })
        }),
    };
    let discounted = discount.is_some();
    let additional_fields = managed_fields(&o.offer_additional_fields, rules);
    let (product_id, product_id_type) = match (&o.product_sku, o.product_references.first()) {
        (Some(s), _) => (s.clone(), "SKU".to_owned()),
        (None, Some(r)) => (
            r.reference.clone(),
            r.reference_type.clone().unwrap_or_default(),
        ),
        (None, None) => (o.shop_sku.to_string(), "SHOP_SKU".to_owned()),
    };
    Some(CurrentOffer {
        shop_sku: o.shop_sku.clone(),
        product_id,
        product_id_type,
        content: OfferContent {
            price,
            discount,
            quantity: o.quantity,
            state_code: o.state_code.clone().unwrap_or_default(),
            leadtime_to_ship: o.leadtime_to_ship.and_then(|l| u32::try_from(l).ok()),
            logistic_class: o.logistic_class.as_ref().map(|l| l.code.clone()),
            additional_fields,
            volume_prices: rules
                .volume_prices_from_bulk_pricing
                .then(|| volume_tiers_of(pricing, discounted)),
        },
    })
}

/// [`current_offer`] for an offer of an asynchronous export (OF52–OF54), which names its
/// prices differently (`prices[]` with `origin_price` / `discount_price` and a `context`);
/// `None` without a SKU, for a deleted offer (differential exports), or without a default
/// price. Reads the same fields the same way, so an audit by export and one by OF21 agree.
pub fn current_offer_from_export(o: &ExportedOffer, rules: &OfferRules) -> Option<CurrentOffer> {
    if o.deleted == Some(true) {
        return None;
    }
    let shop_sku = o.shop_sku.clone()?;
    let pricing = o.default_price()?.to_offer_price();
    let price = pricing.unit_origin_price?;
    let discount = pricing
        .unit_discount_price
        .filter(|d| *d < price)
        .map(|d| Discount {
            price: d,
            start_date: pricing.discount_start_date,
            end_date: pricing.discount_end_date,
        });
    let discounted = discount.is_some();
    let additional_fields = managed_fields(&o.offer_additional_fields, rules);
    let (product_id, product_id_type) = match &o.product_sku {
        Some(s) => (s.clone(), "SKU".to_owned()),
        None => (shop_sku.to_string(), "SHOP_SKU".to_owned()),
    };
    Some(CurrentOffer {
        shop_sku,
        product_id,
        product_id_type,
        content: OfferContent {
            price,
            discount,
            quantity: o.quantity.unwrap_or(0),
            state_code: o.state_code.clone().unwrap_or_default(),
            leadtime_to_ship: o.leadtime_to_ship.and_then(|l| u32::try_from(l).ok()),
            logistic_class: o.logistic_class.as_ref().map(|l| l.code.clone()),
            additional_fields,
            volume_prices: rules
                .volume_prices_from_bulk_pricing
                .then(|| volume_tiers_of(Some(&pricing), discounted)),
        },
    })
}

/// Clears the fields of a live offer that the rules do not manage (a lead time, a logistic
/// class the operator fills by default), so they are not differences to correct.
pub fn forget_unmanaged(current: &mut CurrentOffer, rules: &OfferRules) {
    if rules.leadtime_to_ship.is_none() {
        current.content.leadtime_to_ship = None;
    }
    if rules.logistic_classes.is_empty() && rules.default_logistic_class.is_none() {
        current.content.logistic_class = None;
    }
}

/// The offer's additional fields the rules manage, as text (others are the operator's).
fn managed_fields(
    fields: &[mirakl_api::common::AdditionalFieldValue],
    rules: &OfferRules,
) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter(|f| rules.additional_fields.contains_key(&f.code))
        .map(|f| {
            let v = match &f.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (f.code.clone(), v)
        })
        .collect()
}

/// The default price's volume tiers above 1 unit as Mirakl holds them (tier discounts only
/// while the offer has a discount).
fn volume_tiers_of(pricing: Option<&OfferPrice>, discounted: bool) -> Vec<VolumeTier> {
    let mut out: Vec<VolumeTier> = pricing
        .map(|p| &p.volume_prices[..])
        .unwrap_or_default()
        .iter()
        .filter(|t| t.quantity_threshold > 1)
        .filter_map(|t| {
            let price = t.unit_origin_price.or(t.price)?;
            Some(VolumeTier {
                quantity_threshold: t.quantity_threshold,
                price,
                discount_price: t.unit_discount_price.filter(|d| discounted && *d < price),
            })
        })
        .collect();
    out.sort_by_key(|t| t.quantity_threshold);
    out
}

/// [`current_offer`] for a page or export of offers, keyed by SKU (offers without a price
/// are left out; they will be planned as new).
pub fn current_offers<'a>(
    offers: impl IntoIterator<Item = &'a Offer>,
    rules: &OfferRules,
) -> BTreeMap<ShopSku, CurrentOffer> {
    offers
        .into_iter()
        .filter_map(|o| current_offer(o, rules))
        .map(|c| (c.shop_sku.clone(), c))
        .collect()
}

impl From<&DesiredOffer> for OfferWrite {
    fn from(o: &DesiredOffer) -> Self {
        OfferWrite {
            shop_sku: o.shop_sku.clone(),
            product_id: o.product_id.clone(),
            product_id_type: o.product_id_type.clone(),
            content: o.content.clone(),
            delete: false,
        }
    }
}

/// The OF24 line for a write: the FULL offer (price, quantity, state, lead time, logistic
/// class, discount, additional fields, product reference), since OF24 resets fields not sent.
pub fn offer_update(w: &OfferWrite) -> OfferUpdate {
    let c = &w.content;
    let mut u = OfferUpdate::new(
        w.shop_sku.clone(),
        c.price,
        c.quantity,
        c.state_code.clone(),
    );
    u.product_id = Some(w.product_id.clone());
    u.product_id_type = Some(w.product_id_type.clone());
    u.update_delete = Some(if w.delete {
        UpdateDelete::Delete
    } else {
        UpdateDelete::Update
    });
    u.leadtime_to_ship = c.leadtime_to_ship.map(u64::from);
    u.logistic_class = c.logistic_class.clone();
    u.discount = c.discount.as_ref().map(|d| DiscountUpdate {
        price: Some(d.price),
        start_date: d.start_date,
        end_date: d.end_date,
        ranges: Vec::new(),
    });
    u.offer_additional_fields = c
        .additional_fields
        .iter()
        .map(|(k, v)| AdditionalFieldInput {
            code: k.clone(),
            value: v.clone(),
        })
        .collect();
    if let Some(tiers) = c.volume_prices.as_ref().filter(|t| !t.is_empty()) {
        u.all_prices = vec![default_price_update(c, as_volume_prices(tiers))];
    }
    u
}

fn as_volume_prices(tiers: &[VolumeTier]) -> Vec<VolumePrice> {
    tiers
        .iter()
        .map(|t| VolumePrice {
            quantity_threshold: t.quantity_threshold,
            price: None,
            unit_origin_price: Some(t.price),
            unit_discount_price: t.discount_price,
        })
        .collect()
}

/// The default `all_prices` entry of an OF24 line: the content's price and discount, 1 unit,
/// then `upper` tiers.
fn default_price_update(
    content: &crate::offers::OfferContent,
    upper: Vec<VolumePrice>,
) -> OfferPriceUpdate {
    let discount = content.discount.as_ref();
    let mut tiers = vec![VolumePrice {
        quantity_threshold: 1,
        price: None,
        unit_origin_price: Some(content.price),
        unit_discount_price: discount.map(|d| d.price),
    }];
    tiers.extend(upper);
    OfferPriceUpdate {
        channel_code: None,
        unit_origin_price: Some(content.price),
        unit_discount_price: discount.map(|d| d.price),
        discount_start_date: discount.and_then(|d| d.start_date),
        discount_end_date: discount.and_then(|d| d.end_date),
        volume_prices: tiers,
    }
}

/// [`offer_update`], plus every field the sync does not manage copied from the offer as Mirakl
/// holds it now (OF21/OF52), so an OF24 update never wipes what the seller or operator set
/// elsewhere (notes/connectors.md A3, F4: "offer fields that are not sent are reset"):
/// description, internal description, price additional info, minimum quantity alert,
/// minimum/maximum order quantity, package quantity, availability dates, product tax code,
/// MSRP, quote requests, eco-contributions, and the `offer_additional_fields` the rules do not
/// set. A lead time or logistic class the write leaves unset is kept too.
///
/// Prices the sync does not manage are kept as well (PRI01 and OF24 delete what is not sent):
/// the volume tiers above 1 unit of the default price, the channel prices (`all_prices`
/// entries with a `channel_code`) and the discount `ranges` above 1 unit; see
/// [`kept_all_prices`] and [`kept_discount`]. Prices scoped to customer groups, organisations
/// or dates cannot be expressed in OF24 (its `all_prices` has only `channel_code`); PRI01
/// keeps them ([`price_rows_keeping`]; [`has_prices_only_pri01_can_keep`] tells such offers).
///
/// Nothing is copied into a delete, or when `current` is `None` (a new offer) or names
/// another SKU. `pricing_unit` cannot be carried: OF21 does not return it
/// (mirakl-mmp-seller-openapi.json, OF21 response `offers[]`).
pub fn offer_update_keeping(w: &OfferWrite, current: Option<&Offer>) -> OfferUpdate {
    let mut u = offer_update(w);
    let Some(o) = current.filter(|o| o.shop_sku == w.shop_sku && !w.delete) else {
        return u;
    };
    u.description.clone_from(&o.description);
    u.internal_description.clone_from(&o.internal_description);
    u.price_additional_info.clone_from(&o.price_additional_info);
    u.min_quantity_alert = o.min_quantity_alert;
    u.min_order_quantity = o.min_order_quantity;
    u.max_order_quantity = o.max_order_quantity;
    u.package_quantity = o.package_quantity;
    u.available_started = o.available_start_date;
    u.available_ended = o.available_end_date;
    u.product_tax_code.clone_from(&o.product_tax_code);
    u.msrp = o.msrp;
    u.allow_quote_requests = o.allow_quote_requests;
    if u.leadtime_to_ship.is_none() {
        u.leadtime_to_ship = o.leadtime_to_ship;
    }
    if u.logistic_class.is_none() {
        u.logistic_class = o.logistic_class.as_ref().map(|l| l.code.clone());
    }
    let managed = &w.content.additional_fields;
    let mut kept: Vec<AdditionalFieldInput> = o
        .offer_additional_fields
        .iter()
        .filter(|f| !managed.contains_key(&f.code))
        .filter_map(|f| {
            let value = match &f.value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                other => other.to_string(),
            };
            Some(AdditionalFieldInput {
                code: f.code.clone(),
                value,
            })
        })
        .collect();
    u.offer_additional_fields.append(&mut kept);
    u.offer_additional_fields
        .sort_by(|a, b| a.code.cmp(&b.code));
    u.eco_contributions.clone_from(&o.eco_contributions);
    u.all_prices = kept_all_prices(&w.content, o);
    u.discount = kept_discount(&w.content, o);
    u
}

/// Whether an OF21 `all_prices` entry is the plain default price (no channel, no customer
/// or date context).
fn is_default_price(p: &OfferPrice) -> bool {
    p.channel_code.is_none()
        && p.context
            .as_ref()
            .is_none_or(|c| c.channel_codes.is_empty() && !c.is_beyond_of24())
}

/// Whether an entry is scoped to customers or dates (beyond channels): OF24 cannot say so.
fn has_customer_or_date_context(p: &OfferPrice) -> bool {
    p.context.as_ref().is_some_and(|c| c.is_beyond_of24())
}

/// Whether the offer holds prices an OF24 update cannot carry (customer-group, organisation
/// or date-scoped entries of `all_prices`; OF24 `all_prices` has only `channel_code`), which
/// an OF24 update would therefore delete. Route price changes of such offers through PRI01
/// ([`price_rows_keeping`] keeps them), and prefer STO01 for their stock.
pub fn has_prices_only_pri01_can_keep(o: &Offer) -> bool {
    o.all_prices.iter().any(has_customer_or_date_context)
}

/// Volume tiers above 1 unit whose prices stay below the 1-unit price (a tier dearer than a
/// single unit would be rejected), sorted by threshold. A tier's discount price is kept only
/// while a 1-unit discount runs, below it.
fn upper_tiers(
    tiers: &[VolumePrice],
    unit: Decimal,
    unit_discount: Option<Decimal>,
) -> Vec<VolumePrice> {
    let mut out: Vec<VolumePrice> = tiers
        .iter()
        .filter(|t| t.quantity_threshold > 1)
        .filter(|t| t.unit_origin_price.is_none_or(|p| p < unit))
        .map(|t| VolumePrice {
            quantity_threshold: t.quantity_threshold,
            price: None,
            unit_origin_price: t.unit_origin_price,
            unit_discount_price: t
                .unit_discount_price
                .filter(|d| unit_discount.is_some_and(|u| *d < u)),
        })
        .collect();
    out.sort_by_key(|t| t.quantity_threshold);
    out
}

/// The OF24 `all_prices` keeping what the sync does not manage: the default entry carries
/// the write's price and discount plus its volume tiers when the sync manages them
/// ([`crate::offers::OfferContent::volume_prices`]), else the current ones above 1 unit; every channel
/// entry (`channel_code` set, no customer or date context) is copied as Mirakl holds it.
/// Empty when the offer has nothing beyond a plain default price (then `price` and
/// `discount` say it all).
pub fn kept_all_prices(content: &crate::offers::OfferContent, o: &Offer) -> Vec<OfferPriceUpdate> {
    let discount = content.discount.as_ref();
    let default_tiers = match &content.volume_prices {
        Some(managed) => as_volume_prices(managed),
        None => o
            .all_prices
            .iter()
            .find(|p| is_default_price(p))
            .map(|p| upper_tiers(&p.volume_prices, content.price, discount.map(|d| d.price)))
            .unwrap_or_default(),
    };
    let channels: Vec<OfferPriceUpdate> = o
        .all_prices
        .iter()
        .filter(|p| p.channel_code.is_some() && !has_customer_or_date_context(p))
        .filter_map(|p| {
            let unit = p.unit_origin_price.or(p.price)?;
            let mut tiers = vec![VolumePrice {
                quantity_threshold: 1,
                price: None,
                unit_origin_price: Some(unit),
                unit_discount_price: p.unit_discount_price,
            }];
            tiers.extend(upper_tiers(&p.volume_prices, unit, p.unit_discount_price));
            Some(OfferPriceUpdate {
                channel_code: p.channel_code.clone(),
                unit_origin_price: Some(unit),
                unit_discount_price: p.unit_discount_price,
                discount_start_date: p.discount_start_date,
                discount_end_date: p.discount_end_date,
                volume_prices: tiers,
            })
        })
        .collect();
    if default_tiers.is_empty() && channels.is_empty() {
        return Vec::new();
    }
    let mut out = vec![default_price_update(content, default_tiers)];
    out.extend(channels);
    out
}

/// The OF24 `discount` keeping the current discount `ranges` above 1 unit. Without such
/// ranges it is the write's discount. With them, the discount is sent as ranges only (OF24:
/// `price` is "not to be used when ranges are specified"): 1 unit at the write's discount
/// price (or at the price when the write has no discount), then the kept ranges below it.
pub fn kept_discount(content: &crate::offers::OfferContent, o: &Offer) -> Option<DiscountUpdate> {
    let write = content.discount.as_ref();
    let first = write.map_or(content.price, |d| d.price);
    let mut ranges: Vec<PriceRange> = o
        .discount
        .as_ref()
        .map(|d| {
            d.ranges
                .iter()
                .filter(|r| r.quantity_threshold > 1 && r.price < first)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if ranges.is_empty() {
        return write.map(|d| DiscountUpdate {
            price: Some(d.price),
            start_date: d.start_date,
            end_date: d.end_date,
            ranges: Vec::new(),
        });
    }
    ranges.sort_by_key(|r| r.quantity_threshold);
    ranges.insert(
        0,
        PriceRange {
            price: first,
            quantity_threshold: 1,
        },
    );
    let current = o.discount.as_ref();
    Some(DiscountUpdate {
        price: None,
        start_date: write.map_or(current.and_then(|d| d.start_date), |d| d.start_date),
        end_date: write.map_or(current.and_then(|d| d.end_date), |d| d.end_date),
        ranges,
    })
}

/// One row of a PRI01 price file with every column of the format
/// (mirakl-mmp-seller-openapi.json, PRI01 request examples: `offer-sku;price;price-ranges;
/// discount-price;discount-ranges;channels;customer-organization-ids;customer-group-ids;
/// start-date;end-date;discount-start-date;discount-end-date`). Ranges are
/// `(quantity_threshold, price)` pairs, written `1|20,10|15`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceFileRow {
    /// `offer-sku`.
    pub offer_sku: ShopSku,
    /// `price` (1 unit, before discount).
    pub price: Decimal,
    /// `price-ranges` (empty: none).
    pub price_ranges: Vec<(u64, Decimal)>,
    /// `discount-price`.
    pub discount_price: Option<Decimal>,
    /// `discount-ranges` (empty: none).
    pub discount_ranges: Vec<(u64, Decimal)>,
    /// `channels` (empty: every channel).
    pub channels: Vec<String>,
    /// `customer-organization-ids`.
    pub customer_organization_ids: Vec<String>,
    /// `customer-group-ids`.
    pub customer_group_ids: Vec<String>,
    /// `start-date` of a scheduled price.
    pub start_date: Option<OffsetDateTime>,
    /// `end-date` of a scheduled price.
    pub end_date: Option<OffsetDateTime>,
    /// `discount-start-date`.
    pub discount_start_date: Option<OffsetDateTime>,
    /// `discount-end-date`.
    pub discount_end_date: Option<OffsetDateTime>,
}

fn ranges(
    first: Decimal,
    tiers: &[VolumePrice],
    pick: fn(&VolumePrice) -> Option<Decimal>,
) -> Vec<(u64, Decimal)> {
    let upper: Vec<(u64, Decimal)> = tiers
        .iter()
        .filter(|t| t.quantity_threshold > 1)
        .filter_map(|t| pick(t).map(|p| (t.quantity_threshold, p)))
        .filter(|(_, p)| *p < first)
        .collect();
    if upper.is_empty() {
        return Vec::new();
    }
    let mut out = vec![(1, first)];
    out.extend(upper);
    out.sort_by_key(|(q, _)| *q);
    out
}

/// The PRI01 rows for one price change, keeping every price of the offer the sync does not
/// manage (PRI01 is delete-and-replace: "any existing price that is not submitted will be
/// deleted", mirakl-mmp-seller-openapi.json PRI01 description). The first row is the default
/// price from `line`, with its volume prices (when managed) or the current default volume
/// tiers above 1 unit as ranges; then one
/// row per other OF21 `all_prices` entry (channel, customer and scheduled prices) as Mirakl
/// holds it. Without `current` (or for another SKU) it is the one default row.
pub fn price_rows_keeping(line: &PriceWrite, current: Option<&Offer>) -> Vec<PriceFileRow> {
    let discount = line.discount.as_ref();
    let current = current.filter(|o| o.shop_sku == line.shop_sku);
    let managed = line.volume_prices.as_deref().map(as_volume_prices);
    let default_tiers: &[VolumePrice] = match &managed {
        Some(t) => t,
        None => current
            .and_then(|o| o.all_prices.iter().find(|p| is_default_price(p)))
            .map_or(&[], |p| &p.volume_prices),
    };
    let mut rows = vec![PriceFileRow {
        offer_sku: line.shop_sku.clone(),
        price: line.price,
        price_ranges: ranges(line.price, default_tiers, |t| t.unit_origin_price),
        discount_price: discount.map(|d| d.price),
        discount_ranges: discount.map_or_else(Vec::new, |d| {
            ranges(d.price, default_tiers, |t| t.unit_discount_price)
        }),
        channels: Vec::new(),
        customer_organization_ids: Vec::new(),
        customer_group_ids: Vec::new(),
        start_date: None,
        end_date: None,
        discount_start_date: discount.and_then(|d| d.start_date),
        discount_end_date: discount.and_then(|d| d.end_date),
    }];
    for p in current
        .map_or(&[][..], |o| &o.all_prices[..])
        .iter()
        .filter(|p| !is_default_price(p))
    {
        let Some(price) = p.unit_origin_price.or(p.price) else {
            continue;
        };
        let ctx = p.context.as_ref();
        let mut channels = ctx.map_or_else(Vec::new, |c| c.channel_codes.clone());
        if channels.is_empty() {
            channels.extend(p.channel_code.clone());
        }
        let discount_price = p.unit_discount_price.filter(|d| *d < price);
        rows.push(PriceFileRow {
            offer_sku: line.shop_sku.clone(),
            price,
            price_ranges: ranges(price, &p.volume_prices, |t| t.unit_origin_price),
            discount_price,
            discount_ranges: discount_price.map_or_else(Vec::new, |d| {
                ranges(d, &p.volume_prices, |t| t.unit_discount_price)
            }),
            channels,
            customer_organization_ids: ctx
                .map_or_else(Vec::new, |c| c.customer_organization_ids.clone()),
            customer_group_ids: ctx.map_or_else(Vec::new, |c| c.customer_group_ids.clone()),
            start_date: ctx.and_then(|c| c.start_date),
            end_date: ctx.and_then(|c| c.end_date),
            discount_start_date: discount_price.and(p.discount_start_date),
            discount_end_date: discount_price.and(p.discount_end_date),
        });
    }
    rows
}

impl From<&OfferWrite> for OfferUpdate {
    fn from(w: &OfferWrite) -> Self {
        offer_update(w)
    }
}

impl From<&DesiredOffer> for OfferUpdate {
    /// The full OF24 line creating or updating this offer.
    fn from(o: &DesiredOffer) -> Self {
        offer_update(&OfferWrite::from(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::InventoryTracking;
    use crate::offers::desired;
    use crate::plan::plan;
    use crate::rules::SyncRules;
    use crate::test_util::d;
    use std::collections::BTreeSet;

    /// OF21 example of shared/specs/mirakl/mirakl-mmp-seller-openapi.json
    /// (`GET /api/offers`, `application/json-0`).
    fn spec_offers() -> Vec<Offer> {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/of21_offers.json")).unwrap();
        serde_json::from_value(v["offers"].clone()).unwrap()
    }

    #[test]
    fn spec_offer_to_current_state() {
        let offers = spec_offers();
        let c = current_offer(&offers[0], &OfferRules::default()).unwrap();
        // default channel: unit_origin_price 50, unit_discount_price 49 with dates
        assert_eq!(c.content.price, d("50"));
        let disc = c.content.discount.unwrap();
        assert_eq!(disc.price, d("49"));
        assert_eq!(
            disc.start_date,
            Some(time::macros::datetime!(2019-03-31 22:00 UTC))
        );
        assert_eq!(c.shop_sku, offers[0].shop_sku);
        assert_eq!(c.content.quantity, offers[0].quantity);
        assert!(c.content.additional_fields.is_empty());
        assert_eq!(
            current_offers(&offers, &OfferRules::default()).len(),
            offers.len()
        );
    }

    /// OF54 JSON example of shared/specs/mirakl/mirakl-mmp-seller-openapi.json
    /// (`GET /dynamic-url/…/OF54`, `application/json-0`).
    fn spec_export() -> Vec<ExportedOffer> {
        serde_json::from_str(include_str!("../tests/fixtures/of54_export.json")).unwrap()
    }

    #[test]
    fn spec_export_to_current_state() {
        let exported = spec_export();
        let rules = OfferRules {
            volume_prices_from_bulk_pricing: true,
            ..OfferRules::default()
        };
        let c = current_offer_from_export(&exported[0], &rules).unwrap();
        // the default price is the entry without a context: origin_price 69.99, no discount
        // (the 59 discount belongs to channels FR and CA)
        assert_eq!(c.content.price, d("69.99"));
        assert_eq!(c.content.discount, None);
        assert_eq!(c.shop_sku.as_str(), "sku-2003");
        assert_eq!(
            (c.product_id.as_str(), c.product_id_type.as_str()),
            ("MKP100000000193522", "SKU")
        );
        assert_eq!(c.content.quantity, 56);
        assert_eq!(c.content.state_code, "4");
        assert_eq!(c.content.leadtime_to_ship, Some(10));
        assert_eq!(c.content.logistic_class.as_deref(), Some("M"));
        assert_eq!(
            c.content.volume_prices,
            Some(Vec::new()),
            "only the 1-unit tier"
        );

        // a deleted offer of a differential export is no current offer
        let mut deleted = exported[0].clone();
        deleted.deleted = Some(true);
        assert!(current_offer_from_export(&deleted, &rules).is_none());
    }

    #[test]
    fn an_offer_reads_the_same_by_export_and_by_of21() {
        // the OF21 spec offer's default price (50, discount 49 with dates) as an export
        // names it
        let offers = spec_offers();
        let o = &offers[0];
        let p = default_pricing(o).unwrap();
        let exported: ExportedOffer = serde_json::from_value(serde_json::json!({
            "shop_sku": o.shop_sku,
            "product_sku": o.product_sku,
            "quantity": o.quantity,
            "state_code": o.state_code,
            "leadtime_to_ship": o.leadtime_to_ship,
            "logistic_class": o.logistic_class.as_ref().map(|l| serde_json::json!({"code": l.code})),
            "prices": [{
                "origin_price": p.unit_origin_price,
                "discount_price": p.unit_discount_price,
                "discount_start_date": p.discount_start_date.map(|t| t.format(&time::format_description::well_known::Rfc3339).unwrap()),
                "discount_end_date": p.discount_end_date.map(|t| t.format(&time::format_description::well_known::Rfc3339).unwrap()),
            }, {
                "context": {"channel_codes": ["FR"]},
                "origin_price": 1,
            }],
        }))
        .unwrap();
        let rules = OfferRules::default();
        let by_list = current_offer(o, &rules).unwrap();
        let by_export = current_offer_from_export(&exported, &rules).unwrap();
        assert_eq!(by_export.content, by_list.content);
        assert_eq!(by_export.shop_sku, by_list.shop_sku);
    }

    #[test]
    fn offer_update_carries_the_full_offer() {
        let mut rules = SyncRules::default();
        rules.offer.leadtime_to_ship = Some(2);
        rules.offer.default_logistic_class = Some("M".into());
        rules
            .offer
            .additional_fields
            .insert("warranty".into(), "12".into());
        let cat = Catalog {
            products: vec![CatalogProduct {
                id: 1,
                sku: Some("S1".into()),
                price: Some(d("20")),
                sale_price: Some(d("15")),
                gtin: Some("9300000000001".into()),
                is_visible: true,
                availability: "available".into(),
                inventory_tracking: InventoryTracking::Product,
                inventory_level: Some(3),
                ..CatalogProduct::default()
            }],
            ..Catalog::default()
        };
        let (want, _) = desired(&cat, &rules);
        let p = plan(&want, &BTreeMap::new(), &BTreeSet::new(), &rules.plan);
        let crate::plan::Batch::Offers(lines) = &p.batches(&rules.plan)[0] else {
            panic!()
        };
        let u = offer_update(&lines[0]);
        let json = serde_json::to_value(&u).unwrap();
        assert_eq!(json["shop_sku"], "S1");
        assert_eq!(json["product_id"], "9300000000001");
        assert_eq!(json["product_id_type"], "EAN");
        assert_eq!(json["state_code"], "11");
        assert_eq!(json["update_delete"], "update");
        assert_eq!(json["leadtime_to_ship"], 2);
        assert_eq!(json["logistic_class"], "M");
        assert_eq!(json["offer_additional_fields"][0]["code"], "warranty");
        assert!(json["discount"]["price"].to_string().contains("15"));
        assert!(json["quantity"].to_string().contains('3'));
        // and Mirakl's view of that offer round-trips to no change
        let w = OfferWrite {
            delete: true,
            ..lines[0].clone()
        };
        assert_eq!(
            serde_json::to_value(offer_update(&w)).unwrap()["update_delete"],
            "delete"
        );
    }

    /// OF24 resets every field not sent (notes/connectors.md A3, F4): an update of the OF21
    /// spec offer keeps its description, quantities, dates, tax code and the additional fields
    /// the rules do not manage, while the managed fields come from the write.
    #[test]
    fn offer_update_keeping_does_not_wipe_unmanaged_fields() {
        let offers = spec_offers();
        let o = &offers[0];
        let mut rules = OfferRules::default();
        rules.additional_fields.insert("ecotax".into(), "25".into());
        let cur = current_offer(o, &rules).unwrap();
        let mut content = cur.content.clone();
        content.quantity = 7;
        content.leadtime_to_ship = None;
        content.logistic_class = None;
        content.additional_fields = rules.additional_fields.clone();
        let w = OfferWrite {
            shop_sku: cur.shop_sku.clone(),
            product_id: cur.product_id.clone(),
            product_id_type: cur.product_id_type.clone(),
            content,
            delete: false,
        };
        let u = offer_update_keeping(&w, Some(o));
        assert_eq!(u.quantity, Some(7));
        assert_eq!(u.price, d("50"));
        assert_eq!(u.description.as_deref(), Some("Offer description"));
        assert_eq!(
            u.price_additional_info.as_deref(),
            Some("Apply Discount prices")
        );
        assert_eq!(
            (u.min_order_quantity, u.package_quantity),
            (Some(1), Some(1))
        );
        assert_eq!(u.available_started, o.available_start_date);
        assert!(u.available_ended.is_some());
        assert_eq!(u.allow_quote_requests, Some(false));
        assert_eq!(u.leadtime_to_ship, Some(10));
        assert_eq!(u.logistic_class.as_deref(), Some("M"));
        let fields: Vec<(&str, &str)> = u
            .offer_additional_fields
            .iter()
            .map(|f| (f.code.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("ecotax", "25"),
                ("gift-wrap", "true"),
                ("min-quantity-ordered", "5")
            ]
        );
        // without the current offer it is the plain update; a delete copies nothing
        assert_eq!(offer_update_keeping(&w, None), offer_update(&w));
        let del = OfferWrite {
            delete: true,
            ..w.clone()
        };
        assert_eq!(offer_update_keeping(&del, Some(o)), offer_update(&del));
        let other = Offer {
            shop_sku: ShopSku::new("OTHER").unwrap(),
            ..o.clone()
        };
        assert_eq!(offer_update_keeping(&w, Some(&other)), offer_update(&w));
    }

    /// Issue 10 defect 4: OF24 resets what is not sent, so an update of the OF21 spec offer
    /// (../shared/specs/mirakl/mirakl-mmp-seller-openapi.json, `GET /api/offers`
    /// `application/json-0`) keeps its volume tiers, its US channel price, its discount ranges
    /// and its eco-contributions (OF24 `eco_contributions`: "if not provided, existing data
    /// will be deleted"), while price and discount come from the write.
    #[test]
    fn offer_update_keeping_carries_unmanaged_prices_and_eco_contributions() {
        let offers = spec_offers();
        let o = &offers[0];
        let cur = current_offer(o, &OfferRules::default()).unwrap();
        let w = OfferWrite {
            shop_sku: cur.shop_sku.clone(),
            product_id: cur.product_id.clone(),
            product_id_type: cur.product_id_type.clone(),
            content: cur.content.clone(),
            delete: false,
        };
        let u = offer_update_keeping(&w, Some(o));
        let tiers = |p: &OfferPriceUpdate| -> Vec<(u64, Option<Decimal>, Option<Decimal>)> {
            p.volume_prices
                .iter()
                .map(|t| {
                    (
                        t.quantity_threshold,
                        t.unit_origin_price,
                        t.unit_discount_price,
                    )
                })
                .collect()
        };
        assert_eq!(u.all_prices.len(), 2, "{:?}", u.all_prices);
        // the third entry (customer groups, dates) only PRI01 can keep: said so
        assert!(has_prices_only_pri01_can_keep(o));
        let plain = Offer {
            all_prices: o.all_prices[..2].to_vec(),
            ..o.clone()
        };
        assert!(!has_prices_only_pri01_can_keep(&plain));
        let default = &u.all_prices[0];
        assert_eq!(default.channel_code, None);
        assert_eq!(
            (default.unit_origin_price, default.unit_discount_price),
            (Some(d("50")), Some(d("49")))
        );
        assert_eq!(
            tiers(default),
            [
                (1, Some(d("50")), Some(d("49"))),
                (50, Some(d("45")), Some(d("44"))),
                (100, Some(d("40")), Some(d("39")))
            ]
        );
        let us = &u.all_prices[1];
        assert_eq!(us.channel_code.as_deref(), Some("US"));
        assert_eq!(tiers(us)[1], (50, Some(d("50")), Some(d("49"))));
        let discount = u.discount.as_ref().unwrap();
        assert_eq!(discount.price, None, "OF24: no price when ranges are sent");
        let ranges: Vec<(u64, Decimal)> = discount
            .ranges
            .iter()
            .map(|r| (r.quantity_threshold, r.price))
            .collect();
        assert_eq!(ranges, [(1, d("49")), (50, d("44")), (100, d("39"))]);
        assert_eq!(
            discount.start_date,
            cur.content.discount.unwrap().start_date
        );
        let eco: Vec<(&str, Option<Decimal>)> = u
            .eco_contributions
            .iter()
            .map(|e| (e.epr_category_code.as_str(), e.eco_contribution_amount))
            .collect();
        assert_eq!(
            eco,
            [("FR-DEA", Some(d("3.59"))), ("DE-WEEE", Some(d("0.99")))]
        );
        // a price cut below a tier drops that tier rather than selling dearer in bulk
        let mut cheaper = w.clone();
        cheaper.content.price = d("42");
        cheaper.content.discount = None;
        let u = offer_update_keeping(&cheaper, Some(o));
        assert_eq!(
            tiers(&u.all_prices[0]),
            [(1, Some(d("42")), None), (100, Some(d("40")), None)]
        );
    }

    /// Issue 10 defect 4: PRI01 is delete-and-replace ("any existing price that is not
    /// submitted will be deleted", mirakl-mmp-seller-openapi.json PRI01), so a price change of
    /// the OF21 spec offer carries its volume ranges, its channel price and its customer /
    /// scheduled price as rows of their own.
    #[test]
    fn price_rows_carry_every_price_of_the_offer() {
        let offers = spec_offers();
        let o = &offers[0];
        let start = time::macros::datetime!(2026-01-01 00:00 UTC);
        let line = PriceWrite {
            volume_prices: None,
            shop_sku: o.shop_sku.clone(),
            price: d("48"),
            discount: Some(Discount {
                price: d("45"),
                start_date: Some(start),
                end_date: None,
            }),
        };
        let rows = price_rows_keeping(&line, Some(o));
        assert_eq!(rows.len(), 3, "{rows:?}");
        let r = &rows[0];
        assert_eq!(
            (r.price, r.discount_price, r.discount_start_date),
            (d("48"), Some(d("45")), Some(start))
        );
        assert_eq!(
            r.price_ranges,
            [(1, d("48")), (50, d("45")), (100, d("40"))]
        );
        assert_eq!(
            r.discount_ranges,
            [(1, d("45")), (50, d("44")), (100, d("39"))]
        );
        assert!(r.channels.is_empty() && r.customer_group_ids.is_empty());
        let us = &rows[1];
        assert_eq!(
            (us.channels.clone(), us.price),
            (vec!["US".to_owned()], d("60"))
        );
        assert_eq!(us.price_ranges[1], (50, d("50")));
        let scoped = &rows[2];
        assert_eq!(scoped.customer_organization_ids, ["Org1"]);
        assert_eq!(scoped.customer_group_ids, ["Group2", "Group3"]);
        assert_eq!(
            (scoped.start_date, scoped.end_date),
            (
                Some(time::macros::datetime!(2023-01-01 00:00 UTC)),
                Some(time::macros::datetime!(2023-12-31 23:59:59 UTC))
            )
        );
        assert_eq!(scoped.price, d("30"));
        // a new offer (nothing read yet) is the one default row
        assert_eq!(price_rows_keeping(&line, None).len(), 1);
    }

    /// Issue 10 defect 4, optional rule (`offer.volume_prices_from_bulk_pricing`, off by
    /// default): BigCommerce bulk-pricing rules (products_catalog.v3.yml
    /// `bulkPricingRule_Full`: `price` = amount off, `percent`, `fixed` = unit price) become
    /// volume prices through the price rules; OF24 and PRI01 carry them, and Mirakl's view of
    /// them reads back as no change.
    #[test]
    fn bulk_pricing_rules_become_volume_prices_when_enabled() {
        use crate::catalog::{BulkPricingKind, BulkPricingTier};
        let tier = |quantity_min, kind, amount: &str| BulkPricingTier {
            quantity_min,
            kind,
            amount: d(amount),
        };
        let cat = Catalog {
            products: vec![CatalogProduct {
                id: 1,
                sku: Some("B1".into()),
                price: Some(d("20")),
                sale_price: Some(d("18")),
                is_visible: true,
                availability: "available".into(),
                inventory_tracking: InventoryTracking::Product,
                inventory_level: Some(3),
                bulk_pricing: vec![
                    tier(10, BulkPricingKind::Price, "2"),
                    tier(50, BulkPricingKind::Percent, "25"),
                    tier(100, BulkPricingKind::Fixed, "19"), // dearer than 50+: dropped
                    tier(1, BulkPricingKind::Fixed, "5"),    // not a volume price
                ],
                ..CatalogProduct::default()
            }],
            ..Catalog::default()
        };
        let mut rules = SyncRules::default();
        rules.price.markup_percent = d("10");
        let sku = ShopSku::new("B1").unwrap();
        assert_eq!(desired(&cat, &rules).0[&sku].content.volume_prices, None);
        rules.offer.volume_prices_from_bulk_pricing = true;
        let want = desired(&cat, &rules).0;
        let c = &want[&sku].content;
        let tiers: Vec<(u64, Decimal, Option<Decimal>)> = c
            .volume_prices
            .as_ref()
            .unwrap()
            .iter()
            .map(|t| (t.quantity_threshold, t.price, t.discount_price))
            .collect();
        assert_eq!(
            tiers,
            [
                (10, d("19.8"), Some(d("17.6"))),
                (50, d("16.5"), Some(d("14.85")))
            ]
        );
        let u = OfferUpdate::from(&want[&sku]);
        let sent: Vec<(u64, Option<Decimal>, Option<Decimal>)> = u.all_prices[0]
            .volume_prices
            .iter()
            .map(|t| {
                (
                    t.quantity_threshold,
                    t.unit_origin_price,
                    t.unit_discount_price,
                )
            })
            .collect();
        assert_eq!(
            sent,
            [
                (1, Some(d("22")), Some(d("19.8"))),
                (10, Some(d("19.8")), Some(d("17.6"))),
                (50, Some(d("16.5")), Some(d("14.85")))
            ]
        );
        // Mirakl's view of that offer (OF21 shape) reads back as no change
        let of21: Offer = serde_json::from_value(serde_json::json!({
            "offer_id": 1, "shop_sku": "B1", "quantity": 3, "price": 19.8, "state_code": "11",
            "all_prices": [{"channel_code": null, "price": 19.8, "unit_origin_price": 22, "unit_discount_price": 19.8,
                "volume_prices": [
                    {"quantity_threshold": 1, "price": 19.8, "unit_origin_price": 22, "unit_discount_price": 19.8},
                    {"quantity_threshold": 10, "price": 17.6, "unit_origin_price": 19.8, "unit_discount_price": 17.6},
                    {"quantity_threshold": 50, "price": 14.85, "unit_origin_price": 16.5, "unit_discount_price": 14.85}]}]
        }))
        .unwrap();
        let current = current_offers([&of21], &rules.offer);
        let p = plan(&want, &current, &BTreeSet::new(), &rules.plan);
        assert!(p.changed.is_empty(), "{:?}", p.changed);
        // a changed bulk rule is a price change; PRI01 carries the tiers as ranges
        let mut cat2 = cat.clone();
        cat2.products[0].bulk_pricing[0].amount = d("3");
        let want2 = desired(&cat2, &rules).0;
        let p = plan(&want2, &current, &BTreeSet::new(), &rules.plan);
        assert_eq!(p.changed[0].kind, crate::plan::ChangeKind::PriceOnly);
        let line = PriceWrite {
            shop_sku: sku.clone(),
            price: d("22"),
            discount: want2[&sku].content.discount.clone(),
            volume_prices: want2[&sku].content.volume_prices.clone(),
        };
        let rows = price_rows_keeping(&line, Some(&of21));
        assert_eq!(
            rows[0].price_ranges,
            [(1, d("22")), (10, d("18.7")), (50, d("16.5"))]
        );
    }

    #[test]
    fn bigcommerce_models_to_catalog() {
        // shared/specs/bigcommerce product shape with variants (v3 catalog/products?include=variants)
        let p: Product = serde_json::from_value(serde_json::json!({
            "id": 111, "name": "Tee", "type": "physical", "sku": "TEE", "price": 20, "sale_price": 0,
            "weight": 1.5, "categories": [23], "brand_id": 0, "inventory_level": 0, "inventory_warning_level": 0,
            "inventory_tracking": "variant", "is_visible": true, "availability": "available",
            "gtin": "", "upc": "", "mpn": "",
            "custom_fields": [{"id": 1, "name": "marketplace", "value": "true"}],
            "variants": [{"id": 201, "product_id": 111, "sku": "TEE-S", "price": 22, "sale_price": null,
                          "inventory_level": 5, "purchasing_disabled": false, "option_values": [], "gtin": "9300000000002"}]
        }))
        .unwrap();
        let mut cat = Catalog::from_products([&p], Some("AUD"));
        let item: InventoryItem = serde_json::from_value(serde_json::json!({
            "identity": {"sku": "TEE-S", "variant_id": 201, "product_id": 111},
            "locations": [{"location_id": 1, "available_to_sell": 4, "total_inventory_onhand": 5, "location_enabled": true},
                          {"location_id": 2, "available_to_sell": 3, "total_inventory_onhand": 3, "location_enabled": false}]
        }))
        .unwrap();
        cat.add_inventory([&item]);
        let rec: PriceListRecord = serde_json::from_value(serde_json::json!({
            "price_list_id": 1, "variant_id": 201, "currency": "aud", "price": 30, "sale_price": 25
        }))
        .unwrap();
        cat.add_price_records([&rec], "AUD");
        let (offers, problems) = desired(&cat, &SyncRules::default());
        assert!(problems.is_empty(), "{problems:?}");
        let o = &offers[&ShopSku::new("TEE-S").unwrap()];
        assert_eq!((o.content.price, o.content.quantity), (d("30"), 4));
        assert_eq!(o.content.discount.as_ref().map(|d| d.price), Some(d("25")));
        assert_eq!(o.product_id, "9300000000002");
        assert_eq!(
            cat.products[0].custom_fields,
            [("marketplace".to_owned(), "true".to_owned())]
        );
    }
}
