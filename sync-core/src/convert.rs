//! Conversions at the edges, between the client models (`bigcommerce-api`, `mirakl-api`) and
//! this crate's plain types.

use crate::catalog::{Catalog, CatalogProduct, CatalogVariant, InventoryTracking, PriceRecord};
use crate::offers::{CurrentOffer, DesiredOffer, OfferContent};
use crate::plan::OfferWrite;
use crate::pricing::Discount;
use crate::rules::OfferRules;
use crate::types::ShopSku;
use bigcommerce_api::catalog::{Product, Variant};
use bigcommerce_api::inventory::InventoryItem;
use bigcommerce_api::pricelists::PriceListRecord;
use mirakl_api::offers::{
    AdditionalFieldInput, DiscountUpdate, Offer, OfferPrice, OfferUpdate, UpdateDelete,
};
use std::collections::BTreeMap;

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
            inventory_tracking: InventoryTracking::from(p.inventory_tracking.as_str().to_owned()),
            inventory_level: Some(p.inventory_level),
            custom_fields: p
                .custom_fields
                .iter()
                .map(|c| (c.name.clone(), c.value.clone()))
                .collect(),
            variants: p.variants.iter().map(CatalogVariant::from).collect(),
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
    let additional_fields = o
        .offer_additional_fields
        .iter()
        .filter(|f| rules.additional_fields.contains_key(&f.code))
        .map(|f| {
            let v = match &f.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (f.code.clone(), v)
        })
        .collect();
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
        },
    })
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
    u
}

/// [`offer_update`], plus every field the sync does not manage copied from the offer as Mirakl
/// holds it now (OF21/OF52), so an OF24 update never wipes what the seller or operator set
/// elsewhere (notes/connectors.md A3, F4: "offer fields that are not sent are reset"):
/// description, internal description, price additional info, minimum quantity alert,
/// minimum/maximum order quantity, package quantity, availability dates, product tax code,
/// MSRP, quote requests, and the `offer_additional_fields` the rules do not set. A lead time
/// or logistic class the write leaves unset is kept too. Nothing is copied into a delete, or
/// when `current` is `None` (a new offer) or names another SKU.
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
    u
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
