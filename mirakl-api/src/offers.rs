//! Offers: OF21/OF22 reads, OF24 full-offer updates, OF52–OF54 asynchronous exports.

use crate::common::AdditionalFieldValue;
pub use crate::common::ShopSku;
use crate::common::open_enum;
pub use crate::orders::EcoContribution;
use crate::orders::u64_lenient_default;
use bc_mirakl_api_core::de::{null_as_default, opt_u64_lenient, u64_lenient};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Response of OF21: one offset page of offers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OfferList {
    /// The offers.
    #[serde(default, deserialize_with = "null_as_default")]
    pub offers: Vec<Offer>,
    /// Total number of offers.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub total_count: u64,
}

/// An offer as Mirakl returns it (OF21 `offers[]`, OF22).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Offer {
    /// Mirakl offer id.
    #[serde(deserialize_with = "u64_lenient")]
    pub offer_id: u64,
    /// The seller's SKU.
    pub shop_sku: ShopSku,
    /// Mirakl product SKU.
    #[serde(default)]
    pub product_sku: Option<String>,
    /// Product title.
    #[serde(default)]
    pub product_title: Option<String>,
    /// Product brand.
    #[serde(default)]
    pub product_brand: Option<String>,
    /// Product references (EAN, …).
    #[serde(default, deserialize_with = "null_as_default")]
    pub product_references: Vec<ProductReference>,
    /// Quantity in stock (number or string).
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub quantity: u64,
    /// Current price.
    #[serde(default)]
    pub price: Option<Decimal>,
    /// Price plus minimum shipping.
    #[serde(default)]
    pub total_price: Option<Decimal>,
    /// Price additional info.
    #[serde(default)]
    pub price_additional_info: Option<String>,
    /// Prices per channel / context.
    #[serde(default, deserialize_with = "null_as_default")]
    pub all_prices: Vec<OfferPrice>,
    /// The price applicable in the request's context.
    #[serde(default)]
    pub applicable_pricing: Option<OfferPrice>,
    /// Discount.
    #[serde(default)]
    pub discount: Option<OfferDiscount>,
    /// Whether the offer is active.
    #[serde(default, deserialize_with = "null_as_default")]
    pub active: bool,
    /// Why the offer is inactive (e.g. `ZERO_QUANTITY`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub inactivity_reasons: Vec<String>,
    /// Condition code (OF61), e.g. `11`.
    #[serde(default)]
    pub state_code: Option<String>,
    /// Logistic class.
    #[serde(default)]
    pub logistic_class: Option<LogisticClassRef>,
    /// Days to ship.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub leadtime_to_ship: Option<u64>,
    /// Channels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub channels: Vec<String>,
    /// Currency.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Internal description.
    #[serde(default)]
    pub internal_description: Option<String>,
    /// Quantity alert threshold.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub min_quantity_alert: Option<u64>,
    /// Minimum order quantity.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub min_order_quantity: Option<u64>,
    /// Maximum order quantity.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub max_order_quantity: Option<u64>,
    /// Package quantity.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub package_quantity: Option<u64>,
    /// Availability start.
    #[serde(default, with = "crate::datetime::optional")]
    pub available_start_date: Option<OffsetDateTime>,
    /// Availability end.
    #[serde(default, with = "crate::datetime::optional")]
    pub available_end_date: Option<OffsetDateTime>,
    /// Minimum shipping price.
    #[serde(default)]
    pub min_shipping_price: Option<Decimal>,
    /// Minimum additional shipping price.
    #[serde(default)]
    pub min_shipping_price_additional: Option<Decimal>,
    /// Shipping type of the minimum price.
    #[serde(default)]
    pub min_shipping_type: Option<String>,
    /// Shipping zone of the minimum price.
    #[serde(default)]
    pub min_shipping_zone: Option<String>,
    /// Shipping deadline.
    #[serde(default, with = "crate::datetime::optional")]
    pub shipping_deadline: Option<OffsetDateTime>,
    /// Per-warehouse quantities.
    #[serde(default, deserialize_with = "null_as_default")]
    pub warehouses: Vec<Warehouse>,
    /// Custom fields.
    #[serde(default, deserialize_with = "null_as_default")]
    pub offer_additional_fields: Vec<AdditionalFieldValue>,
    /// Category code.
    #[serde(default)]
    pub category_code: Option<String>,
    /// Category label.
    #[serde(default)]
    pub category_label: Option<String>,
    /// Product tax code.
    #[serde(default)]
    pub product_tax_code: Option<String>,
    /// Manufacturer's suggested retail price.
    #[serde(default)]
    pub msrp: Option<Decimal>,
    /// Whether quote requests are allowed.
    #[serde(default)]
    pub allow_quote_requests: Option<bool>,
    /// Favorite rank.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub favorite_rank: Option<u64>,
    /// Eco-contributions (carried over into OF24 by [`OfferUpdate::carry_over`]).
    #[serde(default, deserialize_with = "null_as_default")]
    pub eco_contributions: Vec<EcoContribution>,
    /// Pricing unit (price per measurement unit), when the operator uses it.
    #[serde(default)]
    pub pricing_unit: Option<String>,
    /// Fulfillment block, kept as JSON.
    #[serde(default)]
    pub fulfillment: Option<serde_json::Value>,
}

/// A product reference of an offer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductReference {
    /// The reference value.
    pub reference: String,
    /// Its type, e.g. `EAN`.
    #[serde(default)]
    pub reference_type: Option<String>,
}

/// A logistic class as embedded in an offer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LogisticClassRef {
    /// Code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
}

/// A warehouse quantity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Warehouse {
    /// Warehouse code.
    pub code: String,
    /// Quantity.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub quantity: u64,
}

/// A price of an offer in a channel or context (OF21 `all_prices[]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OfferPrice {
    /// Channel code; `None` is the default price.
    #[serde(default)]
    pub channel_code: Option<String>,
    /// Effective price.
    #[serde(default)]
    pub price: Option<Decimal>,
    /// Unit origin price.
    #[serde(default)]
    pub unit_origin_price: Option<Decimal>,
    /// Unit discount price.
    #[serde(default)]
    pub unit_discount_price: Option<Decimal>,
    /// Discount start.
    #[serde(default, with = "crate::datetime::optional")]
    pub discount_start_date: Option<OffsetDateTime>,
    /// Discount end.
    #[serde(default, with = "crate::datetime::optional")]
    pub discount_end_date: Option<OffsetDateTime>,
    /// Volume prices.
    #[serde(default, deserialize_with = "null_as_default")]
    pub volume_prices: Vec<VolumePrice>,
    /// Where the price applies (channels, customer groups, a scheduled period); `None` or
    /// an empty context is the default price.
    #[serde(default)]
    pub context: Option<PriceContext>,
}

/// The context of an offer price (OF21 `all_prices[].context`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PriceContext {
    /// Channels the price applies to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub channel_codes: Vec<String>,
    /// Customer groups the price applies to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_group_ids: Vec<String>,
    /// Customer organizations the price applies to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_organization_ids: Vec<String>,
    /// Start of a scheduled price.
    #[serde(default, with = "crate::datetime::optional")]
    pub start_date: Option<OffsetDateTime>,
    /// End of a scheduled price.
    #[serde(default, with = "crate::datetime::optional")]
    pub end_date: Option<OffsetDateTime>,
}

impl PriceContext {
    /// Whether the context restricts the price to customers or a period, which OF24's
    /// `all_prices` cannot express (only PRI01 can).
    pub fn is_beyond_of24(&self) -> bool {
        !self.customer_group_ids.is_empty()
            || !self.customer_organization_ids.is_empty()
            || self.start_date.is_some()
            || self.end_date.is_some()
    }
}

impl OfferPrice {
    /// Whether this is the default price: no channel and no restricting context.
    pub fn is_default(&self) -> bool {
        self.channel_code.is_none()
            && self
                .context
                .as_ref()
                .is_none_or(|c| c.channel_codes.is_empty() && !c.is_beyond_of24())
    }

    /// Whether OF24 can send this price back (PRI01 can send every price).
    pub fn fits_of24(&self) -> bool {
        self.context.as_ref().is_none_or(|c| !c.is_beyond_of24())
    }
}

impl Offer {
    /// Whether the offer has prices that only PRI01 can carry over (customer-group,
    /// organization or scheduled prices): an OF24 update would wipe them.
    pub fn has_prices_beyond_of24(&self) -> bool {
        self.all_prices.iter().any(|p| !p.fits_of24())
    }
}

/// A volume price tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumePrice {
    /// Quantity from which the tier applies.
    #[serde(deserialize_with = "u64_lenient")]
    pub quantity_threshold: u64,
    /// Effective price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub price: Option<Decimal>,
    /// Unit origin price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub unit_origin_price: Option<Decimal>,
    /// Unit discount price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub unit_discount_price: Option<Decimal>,
}

/// The discount of an offer as returned by OF21.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OfferDiscount {
    /// Discounted price.
    #[serde(default)]
    pub discount_price: Option<Decimal>,
    /// Price before discount.
    #[serde(default)]
    pub origin_price: Option<Decimal>,
    /// Start.
    #[serde(default, with = "crate::datetime::optional")]
    pub start_date: Option<OffsetDateTime>,
    /// End.
    #[serde(default, with = "crate::datetime::optional")]
    pub end_date: Option<OffsetDateTime>,
    /// Ranges.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ranges: Vec<PriceRange>,
}

/// A `{price, quantity_threshold}` range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRange {
    /// Price.
    #[serde(serialize_with = "crate::money::number")]
    pub price: Decimal,
    /// Quantity from which the price applies.
    #[serde(deserialize_with = "u64_lenient")]
    pub quantity_threshold: u64,
}

open_enum! {
    /// `update_delete` of an OF24 offer or a CSV line.
    pub enum UpdateDelete {
        /// Create or update.
        Update => "update",
        /// Delete.
        Delete => "delete",
    }
}

/// OF24 request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferUpsertRequest {
    /// The offers.
    pub offers: Vec<OfferUpdate>,
}

/// The **full** desired state of one offer, for OF24 (and a row of an OF01 CSV file).
///
/// OF24 replaces the whole offer: **every field not sent is reset to its default**
/// (`quantity` to 0, the discount removed, …). Always fill every field you care about,
/// from a local mirror of the offer, never just the field that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferUpdate {
    /// The seller's SKU.
    pub shop_sku: ShopSku,
    /// Product identifier (needed at creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Type of `product_id`, e.g. `EAN`, `SHOP_SKU` (needed at creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id_type: Option<String>,
    /// Price.
    #[serde(serialize_with = "crate::money::number")]
    pub price: Decimal,
    /// Quantity; not sent means 0.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub quantity: Option<u64>,
    /// Condition code (OF61), e.g. `11`.
    pub state_code: String,
    /// `update` (default) or `delete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_delete: Option<UpdateDelete>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Internal description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_description: Option<String>,
    /// Price additional info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_additional_info: Option<String>,
    /// Quantity alert threshold.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub min_quantity_alert: Option<u64>,
    /// Days to ship.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub leadtime_to_ship: Option<u64>,
    /// Logistic class code (SH31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logistic_class: Option<String>,
    /// Minimum order quantity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub min_order_quantity: Option<u64>,
    /// Maximum order quantity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub max_order_quantity: Option<u64>,
    /// Package quantity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub package_quantity: Option<u64>,
    /// Availability start (note the name: OF21 calls it `available_start_date`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::datetime::optional"
    )]
    pub available_started: Option<OffsetDateTime>,
    /// Availability end.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::datetime::optional"
    )]
    pub available_ended: Option<OffsetDateTime>,
    /// Discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountUpdate>,
    /// Channel and volume prices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all_prices: Vec<OfferPriceUpdate>,
    /// Custom field values (all values are strings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offer_additional_fields: Vec<AdditionalFieldInput>,
    /// Product tax code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_tax_code: Option<String>,
    /// Whether quote requests are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_quote_requests: Option<bool>,
    /// Eco-contributions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eco_contributions: Vec<EcoContribution>,
    /// Manufacturer's suggested retail price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub msrp: Option<Decimal>,
    /// Pricing unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_unit: Option<String>,
}

impl OfferUpdate {
    /// A minimal offer update (`update_delete = update`); set the other fields before
    /// sending, remembering that unsent fields are reset.
    pub fn new(
        shop_sku: ShopSku,
        price: Decimal,
        quantity: u64,
        state_code: impl Into<String>,
    ) -> Self {
        OfferUpdate {
            shop_sku,
            product_id: None,
            product_id_type: None,
            price,
            quantity: Some(quantity),
            state_code: state_code.into(),
            update_delete: Some(UpdateDelete::Update),
            description: None,
            internal_description: None,
            price_additional_info: None,
            min_quantity_alert: None,
            leadtime_to_ship: None,
            logistic_class: None,
            min_order_quantity: None,
            max_order_quantity: None,
            package_quantity: None,
            available_started: None,
            available_ended: None,
            discount: None,
            all_prices: Vec::new(),
            offer_additional_fields: Vec::new(),
            product_tax_code: None,
            allow_quote_requests: None,
            eco_contributions: Vec::new(),
            msrp: None,
            pricing_unit: None,
        }
    }
}

/// The discount of an offer in OF24.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscountUpdate {
    /// Discounted price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub price: Option<Decimal>,
    /// Start.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::datetime::optional"
    )]
    pub start_date: Option<OffsetDateTime>,
    /// End.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::datetime::optional"
    )]
    pub end_date: Option<OffsetDateTime>,
    /// Ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<PriceRange>,
}

/// A channel or volume price in OF24 `all_prices[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferPriceUpdate {
    /// Channel code; `None` is the default price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_code: Option<String>,
    /// Unit origin price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub unit_origin_price: Option<Decimal>,
    /// Unit discount price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub unit_discount_price: Option<Decimal>,
    /// Discount start.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::datetime::optional"
    )]
    pub discount_start_date: Option<OffsetDateTime>,
    /// Discount end.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::datetime::optional"
    )]
    pub discount_end_date: Option<OffsetDateTime>,
    /// Volume prices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_prices: Vec<VolumePrice>,
}

/// A custom field value in a request (`{code, value}`; values are strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdditionalFieldInput {
    /// Field code (AF01).
    pub code: String,
    /// Value as text.
    #[serde(default)]
    pub value: String,
}

impl From<&AdditionalFieldValue> for AdditionalFieldInput {
    /// The value as OF24 takes it: text as is, numbers and booleans as text, lists joined
    /// with `,`.
    fn from(v: &AdditionalFieldValue) -> Self {
        fn text(v: &serde_json::Value) -> String {
            match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(","),
                other => other.to_string(),
            }
        }
        AdditionalFieldInput {
            code: v.code.clone(),
            value: text(&v.value),
        }
    }
}

impl From<&OfferDiscount> for DiscountUpdate {
    fn from(d: &OfferDiscount) -> Self {
        DiscountUpdate {
            price: d.discount_price,
            start_date: d.start_date,
            end_date: d.end_date,
            ranges: d.ranges.clone(),
        }
    }
}

impl From<&OfferPrice> for OfferPriceUpdate {
    /// The price as OF24 takes it back. The context's customer groups and dates are not
    /// part of OF24 (check [`OfferPrice::fits_of24`]); a single context channel becomes the
    /// channel code.
    fn from(p: &OfferPrice) -> Self {
        let channel_code = p.channel_code.clone().or_else(|| {
            p.context
                .as_ref()
                .filter(|c| c.channel_codes.len() == 1)
                .map(|c| c.channel_codes[0].clone())
        });
        OfferPriceUpdate {
            channel_code,
            unit_origin_price: p.unit_origin_price.or(p.price),
            unit_discount_price: p.unit_discount_price,
            discount_start_date: p.discount_start_date,
            discount_end_date: p.discount_end_date,
            volume_prices: p
                .volume_prices
                .iter()
                .map(|v| VolumePrice {
                    quantity_threshold: v.quantity_threshold,
                    price: None,
                    unit_origin_price: v.unit_origin_price.or(v.price),
                    unit_discount_price: v.unit_discount_price,
                })
                .collect(),
        }
    }
}

impl OfferUpdate {
    /// The offer as OF24 would re-create it: every field OF21 returns that OF24 takes,
    /// including channel and volume prices, the discount with its ranges,
    /// eco-contributions, the pricing unit and the custom fields. Change what you manage
    /// (price, quantity, …) on the result and send it: nothing else is reset.
    ///
    /// Prices restricted to customer groups, organizations or a period
    /// ([`Offer::has_prices_beyond_of24`]) cannot go through OF24; send those offers'
    /// prices with PRI01 ([`crate::imports::PriceLine::for_offer`]).
    pub fn from_offer(offer: &Offer) -> Self {
        let mut u = OfferUpdate::new(
            offer.shop_sku.clone(),
            offer
                .all_prices
                .iter()
                .find(|p| p.is_default())
                .and_then(|p| p.unit_origin_price)
                .or(offer.discount.as_ref().and_then(|d| d.origin_price))
                .or(offer.price)
                .unwrap_or_default(),
            offer.quantity,
            offer.state_code.clone().unwrap_or_default(),
        );
        u.description = offer.description.clone();
        u.internal_description = offer.internal_description.clone();
        u.price_additional_info = offer.price_additional_info.clone();
        u.min_quantity_alert = offer.min_quantity_alert;
        u.leadtime_to_ship = offer.leadtime_to_ship;
        u.logistic_class = offer.logistic_class.as_ref().map(|l| l.code.clone());
        u.min_order_quantity = offer.min_order_quantity;
        u.max_order_quantity = offer.max_order_quantity;
        u.package_quantity = offer.package_quantity;
        u.available_started = offer.available_start_date;
        u.available_ended = offer.available_end_date;
        u.product_tax_code = offer.product_tax_code.clone();
        u.allow_quote_requests = offer.allow_quote_requests;
        u.msrp = offer.msrp;
        u.discount = offer.discount.as_ref().map(DiscountUpdate::from);
        if let Some(sku) = &offer.product_sku {
            u.product_id = Some(sku.clone());
            u.product_id_type = Some("SKU".to_owned());
        }
        u.carry_over(offer);
        u
    }

    /// Copies from `offer` (the last OF21/OF22 read) what a sync that manages only price,
    /// quantity and the default discount must send back so OF24 does not reset it:
    /// channel and volume prices (`all_prices`, the default entry's volume prices with this
    /// update's price and discount), the discount ranges (when this update has a discount),
    /// eco-contributions, the pricing unit and the custom fields this update does not set
    /// itself. Fields this update already sets win; the default discount stays this
    /// update's to decide.
    pub fn carry_over(&mut self, offer: &Offer) {
        if self.all_prices.is_empty() {
            self.all_prices = offer
                .all_prices
                .iter()
                .filter(|p| p.fits_of24())
                .map(|p| {
                    let mut u = OfferPriceUpdate::from(p);
                    if p.is_default() {
                        u.unit_origin_price = Some(self.price);
                        if let Some(d) = &self.discount {
                            u.unit_discount_price = d.price;
                            u.discount_start_date = d.start_date;
                            u.discount_end_date = d.end_date;
                        }
                    }
                    u
                })
                .collect();
        }
        if let (Some(mine), Some(d)) = (&mut self.discount, &offer.discount)
            && mine.ranges.is_empty()
        {
            mine.ranges = d.ranges.clone();
        }
        if self.eco_contributions.is_empty() {
            self.eco_contributions = offer.eco_contributions.clone();
        }
        if self.pricing_unit.is_none() {
            self.pricing_unit = offer.pricing_unit.clone();
        }
        for f in &offer.offer_additional_fields {
            if !self
                .offer_additional_fields
                .iter()
                .any(|m| m.code == f.code)
            {
                self.offer_additional_fields
                    .push(AdditionalFieldInput::from(f));
            }
        }
    }
}

/// OF52 request body: start an asynchronous export of the shop's offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OfferExportRequest {
    /// `text/csv` or `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_type: Option<String>,
    /// Differential export: offers changed or deleted since this date.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::datetime::optional"
    )]
    pub last_request_date: Option<OffsetDateTime>,
    /// Include inactive offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_inactive_offers: Option<bool>,
    /// Items per chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_chunk: Option<u64>,
    /// Megabytes per chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub megabytes_per_chunk: Option<u64>,
    /// Fields to include.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_fields: Vec<String>,
    /// Channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_codes: Vec<String>,
    /// Shipping zones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_zones: Vec<String>,
    /// Field renames.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rename_fields: BTreeMap<String, String>,
    /// Discount campaigns to include.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ongoing_discount_campaign_identifiers: Vec<String>,
}

/// OF52 response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExportStarted {
    /// Tracking id to poll with OF53.
    pub tracking_id: String,
}

open_enum! {
    /// Status of an asynchronous export (OF53).
    pub enum ExportState {
        /// Running.
        Pending => "PENDING",
        /// Done; `urls` are ready.
        Completed => "COMPLETED",
        /// Failed; see `error`.
        Failed => "FAILED",
    }
}

/// OF53 response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExportStatus {
    /// Status.
    pub status: ExportState,
    /// File URLs (OF54), when completed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub urls: Vec<String>,
    /// Error, when failed.
    #[serde(default)]
    pub error: Option<ExportError>,
    /// Last update.
    #[serde(default, with = "crate::datetime::optional")]
    pub last_updated: Option<OffsetDateTime>,
}

/// An export error (OF53 `error`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExportError {
    /// Code.
    #[serde(default)]
    pub code: Option<String>,
    /// Detail.
    #[serde(default)]
    pub detail: Option<String>,
}

/// One offer in a JSON export chunk (OF54).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExportedOffer {
    /// Mirakl offer id.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub offer_id: Option<u64>,
    /// The seller's SKU.
    #[serde(default)]
    pub shop_sku: Option<ShopSku>,
    /// Mirakl product SKU.
    #[serde(default)]
    pub product_sku: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub quantity: Option<u64>,
    /// Whether active.
    #[serde(default)]
    pub active: Option<bool>,
    /// Whether deleted (differential exports).
    #[serde(default)]
    pub deleted: Option<bool>,
    /// Condition code.
    #[serde(default)]
    pub state_code: Option<String>,
    /// Currency.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Days to ship.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub leadtime_to_ship: Option<u64>,
    /// Logistic class.
    #[serde(default)]
    pub logistic_class: Option<LogisticClassRef>,
    /// Prices: the default one (no context) and those of channels, customers or periods.
    #[serde(default, deserialize_with = "null_as_default")]
    pub prices: Vec<ExportedPrice>,
    /// Last update (text as sent).
    #[serde(default)]
    pub last_updated: Option<String>,
    /// Custom fields.
    #[serde(default, deserialize_with = "null_as_default")]
    pub offer_additional_fields: Vec<AdditionalFieldValue>,
}

impl ExportedOffer {
    /// The default price: the entry without a channel or a restricting context.
    pub fn default_price(&self) -> Option<&ExportedPrice> {
        self.prices.iter().find(|p| p.is_default())
    }
}

/// One price of an exported offer (OF54 `prices[]`). Unlike OF21's `all_prices`, an export
/// names the prices `origin_price` / `discount_price` and puts every channel in `context`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExportedPrice {
    /// Where the price applies; `None` (or an empty context) is the default price.
    #[serde(default)]
    pub context: Option<PriceContext>,
    /// Price without discount.
    #[serde(default)]
    pub origin_price: Option<Decimal>,
    /// Discounted price (not returned when a volume price carries the discount).
    #[serde(default)]
    pub discount_price: Option<Decimal>,
    /// Discount start.
    #[serde(default, with = "crate::datetime::optional")]
    pub discount_start_date: Option<OffsetDateTime>,
    /// Discount end.
    #[serde(default, with = "crate::datetime::optional")]
    pub discount_end_date: Option<OffsetDateTime>,
    /// Volume prices (at least the tier of one unit).
    #[serde(default, deserialize_with = "null_as_default")]
    pub volume_prices: Vec<VolumePrice>,
}

impl ExportedPrice {
    /// Whether this is the default price: no channel and no restricting context.
    pub fn is_default(&self) -> bool {
        self.context
            .as_ref()
            .is_none_or(|c| c.channel_codes.is_empty() && !c.is_beyond_of24())
    }

    /// The same price in OF21's terms (`unit_origin_price`, `unit_discount_price`), for code
    /// that reads offers either way.
    pub fn to_offer_price(&self) -> OfferPrice {
        OfferPrice {
            channel_code: None,
            price: None,
            unit_origin_price: self.origin_price,
            unit_discount_price: self.discount_price,
            discount_start_date: self.discount_start_date,
            discount_end_date: self.discount_end_date,
            volume_prices: self.volume_prices.clone(),
            context: self.context.clone(),
        }
    }
}

// @generated operations begin (scripts/gen_ops.py)
/// OF26 - Get the quantity of stock available for an offer..
pub mod of26;
/// OF51 - Get offers CSV file.
pub mod of51;
/// OF61 - List offer conditions.
pub mod of61;
// @generated operations end
