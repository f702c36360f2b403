//! Offers and the operator's product catalog: the model, validation of offer lines coming from
//! OF24 (JSON) and OF01 (CSV), and the OF21/OF22 JSON shape.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::clock::{iso, parse_date};
use super::wire::{Money, opt_money};

/// Product reference types the sandbox operator accepts in `product-id-type`.
pub(crate) const PRODUCT_ID_TYPES: &[&str] = &["EAN", "UPC", "ISBN", "MPN", "SKU", "SHOP_SKU"];

/// Offer conditions (OF61): code and label.
pub(crate) const OFFER_STATES: &[(&str, &str)] = &[
    ("11", "New"),
    ("1", "Used - Like New"),
    ("2", "Used - Very Good Condition"),
    ("3", "Used - Good Condition"),
    ("4", "Used - Acceptable Condition"),
    ("10", "Refurbished"),
];

/// Logistic classes (SH31): code and label.
pub(crate) const LOGISTIC_CLASSES: &[(&str, &str)] = &[
    ("S", "Small"),
    ("M", "Medium"),
    ("L", "Large"),
    ("XL", "Extra large"),
    ("FREE", "Free Shipping"),
];

/// Maximum number of decimals in an offer price (PC01 `offer_prices_decimals`).
pub(crate) const PRICE_DECIMALS: u32 = 2;

/// A product of the operator catalog.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub sku: String,
    pub title: String,
    pub category_code: String,
    pub category_label: String,
    pub brand: Option<String>,
    /// `(reference_type, reference)` pairs, e.g. `("EAN", "9312345678907")`.
    pub references: Vec<(String, String)>,
    /// Attribute values from a P41 import, by attribute code (empty otherwise).
    pub attributes: BTreeMap<String, String>,
    /// The P41 import that last integrated the product.
    pub import_id: Option<u64>,
}

/// The operator's product catalog.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    products: BTreeMap<String, Product>,
    by_reference: HashMap<(String, String), String>,
    next: u64,
}

impl Catalog {
    pub(crate) fn insert(&mut self, product: Product) {
        // A re-imported product drops the references it no longer carries.
        if let Some(old) = self.products.get(&product.sku) {
            for reference in &old.references {
                if self.by_reference.get(reference) == Some(&product.sku) {
                    self.by_reference.remove(reference);
                }
            }
        }
        for (kind, value) in &product.references {
            self.by_reference
                .insert((kind.clone(), value.clone()), product.sku.clone());
        }
        self.by_reference
            .insert(("SKU".into(), product.sku.clone()), product.sku.clone());
        self.products.insert(product.sku.clone(), product);
    }

    /// Every product, by operator SKU.
    pub(crate) fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.values()
    }

    pub(crate) fn next_sku(&mut self) -> String {
        self.next += 1;
        format!("MKP{:09}", 100_000 + self.next)
    }

    pub(crate) fn find(&self, kind: &str, value: &str) -> Option<&Product> {
        self.by_reference
            .get(&(kind.to_owned(), value.to_owned()))
            .and_then(|sku| self.products.get(sku))
    }
}

/// A discount on an offer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Discount {
    pub price: Decimal,
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
}

/// An offer of the sandbox shop.
#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub offer_id: u64,
    pub shop_sku: String,
    pub product: Product,
    pub price: Decimal,
    pub quantity: u32,
    pub state_code: String,
    pub description: String,
    pub internal_description: Option<String>,
    pub price_additional_info: Option<String>,
    pub leadtime_to_ship: Option<u32>,
    pub logistic_class: Option<String>,
    pub min_quantity_alert: Option<u32>,
    pub min_order_quantity: Option<u32>,
    pub max_order_quantity: Option<u32>,
    pub package_quantity: Option<u32>,
    pub discount: Option<Discount>,
    pub available_start: Option<OffsetDateTime>,
    pub available_end: Option<OffsetDateTime>,
    pub warehouses: BTreeMap<String, u32>,
    pub product_tax_code: Option<String>,
    pub additional_fields: Vec<(String, String)>,
    pub date_created: OffsetDateTime,
    pub last_updated: OffsetDateTime,
}

impl Offer {
    /// Why the offer is not sellable, as OF21 `inactivity_reasons`.
    pub(crate) fn inactivity_reasons(&self, now: OffsetDateTime) -> Vec<&'static str> {
        let mut reasons = Vec::new();
        if self.quantity == 0 {
            reasons.push("ZERO_QUANTITY");
        }
        if self.available_start.is_some_and(|s| s > now)
            || self.available_end.is_some_and(|e| e < now)
        {
            reasons.push("NOT_AVAILABLE");
        }
        reasons
    }

    /// The price the customer pays now: the discount price inside its period, else the price.
    pub(crate) fn current_price(&self, now: OffsetDateTime) -> Decimal {
        match &self.discount {
            Some(d) if d.start.is_none_or(|s| s <= now) && d.end.is_none_or(|e| e >= now) => {
                d.price
            }
            _ => self.price,
        }
    }
}

/// One offer line from OF24 or OF01, parsed and checked on its own (catalog checks come later).
#[derive(Debug, Clone)]
pub(crate) struct OfferInput {
    pub shop_sku: String,
    pub product_id: Option<String>,
    pub product_id_type: Option<String>,
    pub delete: bool,
    pub price: Decimal,
    pub quantity: u32,
    pub state_code: String,
    pub description: Option<String>,
    pub internal_description: Option<String>,
    pub price_additional_info: Option<String>,
    pub leadtime_to_ship: Option<u32>,
    pub logistic_class: Option<String>,
    pub min_quantity_alert: Option<u32>,
    pub min_order_quantity: Option<u32>,
    pub max_order_quantity: Option<u32>,
    pub package_quantity: Option<u32>,
    pub discount: Option<Discount>,
    pub available_start: Option<OffsetDateTime>,
    pub available_end: Option<OffsetDateTime>,
    pub product_tax_code: Option<String>,
    pub additional_fields: Vec<(String, String)>,
}

/// Parses a price: a decimal, not negative, with at most [`PRICE_DECIMALS`] decimals.
pub(crate) fn parse_price(field: &str, text: &str) -> Result<Decimal, String> {
    let value = Decimal::from_str(text.trim())
        .map_err(|_| format!("The {field} '{text}' is not a valid number"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("The {field} must be positive or zero"));
    }
    if value.normalize().scale() > PRICE_DECIMALS {
        return Err(format!(
            "The {field} has more than {PRICE_DECIMALS} decimals"
        ));
    }
    Ok(value)
}

/// Parses a whole, non-negative quantity.
pub(crate) fn parse_quantity(field: &str, text: &str) -> Result<u32, String> {
    let text = text.trim();
    u32::from_str(text).map_err(|_| format!("The {field} '{text}' is not a valid quantity"))
}

fn opt_u32(field: &str, text: Option<String>) -> Result<Option<u32>, String> {
    text.map(|t| parse_quantity(field, &t)).transpose()
}

fn opt_date(field: &str, text: Option<String>) -> Result<Option<OffsetDateTime>, String> {
    text.map(|t| parse_date(&t).ok_or_else(|| format!("The {field} '{t}' is not a valid date")))
        .transpose()
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Reads offer fields from a source with named fields (a CSV row or a JSON object).
pub(crate) trait Fields {
    /// The value of `key` as text, `None` when absent, null or empty.
    fn text(&self, key: &str) -> Option<String>;
}

impl Fields for HashMap<String, String> {
    fn text(&self, key: &str) -> Option<String> {
        non_empty(self.get(key).cloned())
    }
}

impl Fields for serde_json::Map<String, Value> {
    fn text(&self, key: &str) -> Option<String> {
        let mut value = self;
        let mut parts = key.split('.').peekable();
        while let Some(part) = parts.next() {
            let v = value.get(part)?;
            if parts.peek().is_none() {
                return non_empty(match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    other => Some(other.to_string()),
                });
            }
            value = v.as_object()?;
        }
        None
    }
}

/// Field names of one offer source: OF24 JSON keys or OF01 CSV headers.
pub(crate) struct Names {
    pub sku: &'static str,
    pub product_id: &'static str,
    pub product_id_type: &'static str,
    pub update_delete: &'static str,
    pub price: &'static str,
    pub quantity: &'static str,
    pub state: &'static str,
    pub description: &'static str,
    pub internal_description: &'static str,
    pub price_additional_info: &'static str,
    pub leadtime_to_ship: &'static str,
    pub logistic_class: &'static str,
    pub min_quantity_alert: &'static str,
    pub min_order_quantity: &'static str,
    pub max_order_quantity: &'static str,
    pub package_quantity: &'static str,
    pub discount_price: &'static str,
    pub discount_start: &'static str,
    pub discount_end: &'static str,
    pub available_start: &'static str,
    pub available_end: &'static str,
    pub product_tax_code: &'static str,
}

/// OF24 request field names.
pub(crate) const JSON_NAMES: Names = Names {
    sku: "shop_sku",
    product_id: "product_id",
    product_id_type: "product_id_type",
    update_delete: "update_delete",
    price: "price",
    quantity: "quantity",
    state: "state_code",
    description: "description",
    internal_description: "internal_description",
    price_additional_info: "price_additional_info",
    leadtime_to_ship: "leadtime_to_ship",
    logistic_class: "logistic_class",
    min_quantity_alert: "min_quantity_alert",
    min_order_quantity: "min_order_quantity",
    max_order_quantity: "max_order_quantity",
    package_quantity: "package_quantity",
    discount_price: "discount.price",
    discount_start: "discount.start_date",
    discount_end: "discount.end_date",
    available_start: "available_started",
    available_end: "available_ended",
    product_tax_code: "product_tax_code",
};

/// OF01 CSV header names.
pub(crate) const CSV_NAMES: Names = Names {
    sku: "sku",
    product_id: "product-id",
    product_id_type: "product-id-type",
    update_delete: "update-delete",
    price: "price",
    quantity: "quantity",
    state: "state",
    description: "description",
    internal_description: "internal-description",
    price_additional_info: "price-additional-info",
    leadtime_to_ship: "leadtime-to-ship",
    logistic_class: "logistic-class",
    min_quantity_alert: "min-quantity-alert",
    min_order_quantity: "min-order-quantity",
    max_order_quantity: "max-order-quantity",
    package_quantity: "package-quantity",
    discount_price: "discount-price",
    discount_start: "discount-start-date",
    discount_end: "discount-end-date",
    available_start: "available-start-date",
    available_end: "available-end-date",
    product_tax_code: "product-tax-code",
};

/// Parses one offer line. Fields that are not sent take their default value (OF24 semantics:
/// "Offer fields that are not sent are reset to their default value"; quantity defaults to 0).
pub(crate) fn parse_offer(fields: &impl Fields, names: &Names) -> Result<OfferInput, String> {
    let shop_sku = fields.text(names.sku).ok_or("The offer sku is missing")?;
    let delete = match fields
        .text(names.update_delete)
        .map(|v| v.to_ascii_lowercase())
    {
        None => false,
        Some(v) if v == "update" => false,
        Some(v) if v == "delete" => true,
        Some(v) => return Err(format!("The update-delete value '{v}' is unknown")),
    };
    if delete {
        return Ok(OfferInput {
            shop_sku,
            product_id: None,
            product_id_type: None,
            delete,
            price: Decimal::ZERO,
            quantity: 0,
            state_code: String::new(),
            description: None,
            internal_description: None,
            price_additional_info: None,
            leadtime_to_ship: None,
            logistic_class: None,
            min_quantity_alert: None,
            min_order_quantity: None,
            max_order_quantity: None,
            package_quantity: None,
            discount: None,
            available_start: None,
            available_end: None,
            product_tax_code: None,
            additional_fields: Vec::new(),
        });
    }
    let price = parse_price(
        "price",
        &fields.text(names.price).ok_or("The price is missing")?,
    )?;
    let quantity = opt_u32("quantity", fields.text(names.quantity))?.unwrap_or(0);
    let state_code = fields
        .text(names.state)
        .ok_or("The offer state is missing")?;
    if !OFFER_STATES.iter().any(|(code, _)| *code == state_code) {
        return Err(format!("The offer state '{state_code}' is unknown"));
    }
    let product_id_type = fields
        .text(names.product_id_type)
        .map(|t| t.to_ascii_uppercase());
    if let Some(kind) = &product_id_type
        && !PRODUCT_ID_TYPES.contains(&kind.as_str())
    {
        return Err(format!("The product id type '{kind}' is unknown"));
    }
    let logistic_class = fields.text(names.logistic_class);
    if let Some(code) = &logistic_class
        && !LOGISTIC_CLASSES.iter().any(|(c, _)| c == code)
    {
        return Err(format!("The logistic class '{code}' is unknown"));
    }
    let discount = match fields.text(names.discount_price) {
        None => None,
        Some(text) => {
            let discount_price = parse_price("discount price", &text)?;
            if discount_price > price {
                return Err("The discount price must be lower than the price".into());
            }
            Some(Discount {
                price: discount_price,
                start: opt_date("discount start date", fields.text(names.discount_start))?,
                end: opt_date("discount end date", fields.text(names.discount_end))?,
            })
        }
    };
    let min_order_quantity = opt_u32("min order quantity", fields.text(names.min_order_quantity))?;
    let max_order_quantity = opt_u32("max order quantity", fields.text(names.max_order_quantity))?;
    if let (Some(min), Some(max)) = (min_order_quantity, max_order_quantity)
        && min > max
    {
        return Err("The min order quantity is greater than the max order quantity".into());
    }
    Ok(OfferInput {
        shop_sku,
        product_id: fields.text(names.product_id),
        product_id_type,
        delete,
        price,
        quantity,
        state_code,
        description: fields.text(names.description),
        internal_description: fields.text(names.internal_description),
        price_additional_info: fields.text(names.price_additional_info),
        leadtime_to_ship: opt_u32("leadtime to ship", fields.text(names.leadtime_to_ship))?,
        logistic_class,
        min_quantity_alert: opt_u32("min quantity alert", fields.text(names.min_quantity_alert))?,
        min_order_quantity,
        max_order_quantity,
        package_quantity: opt_u32("package quantity", fields.text(names.package_quantity))?,
        discount,
        available_start: opt_date("available start date", fields.text(names.available_start))?,
        available_end: opt_date("available end date", fields.text(names.available_end))?,
        product_tax_code: fields.text(names.product_tax_code),
        additional_fields: Vec::new(),
    })
}

/// Reads `offer_additional_fields [{code, value}]` of an OF24 offer.
/// The OF01 columns that are offer fields (the spec's CSV format, `POST
/// /api/offers/imports` in `mirakl-mmp-seller-openapi.json`); channel-, EPR- and
/// warehouse-scoped columns carry a `[…]` suffix. Any other column is an offer additional
/// field named by its code.
const OF01_COLUMNS: [&str; 30] = [
    "sku",
    "product-id",
    "product-id-type",
    "description",
    "internal-description",
    "price",
    "price-additional-info",
    "quantity",
    "min-quantity-alert",
    "state",
    "available-start-date",
    "available-end-date",
    "discount-price",
    "discount-start-date",
    "discount-end-date",
    "discount-ranges",
    "allow-quote-requests",
    "leadtime-to-ship",
    "min-order-quantity",
    "max-order-quantity",
    "package-quantity",
    "update-delete",
    "price-ranges",
    "ecotax",
    "gift-wrap",
    "min-quantity-ordered",
    "logistic-class",
    "product-tax-code",
    "msrp",
    "pricing-unit",
];

/// The offer additional fields of an OF01 row: every non-empty cell of a column that is not
/// an offer field (see [`OF01_COLUMNS`]), sorted by code.
pub(crate) fn csv_additional_fields(row: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = row
        .iter()
        .filter(|(k, v)| !v.is_empty() && !k.contains('[') && !OF01_COLUMNS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.sort();
    out
}

/// Whether an OF01 header names the offer SKU column (without it no line can be read: the
/// spec's CSV format starts with `"sku"`).
pub(crate) fn of01_header_ok(header: &[String]) -> Result<(), String> {
    if header.iter().any(|h| h == "sku") {
        Ok(())
    } else {
        Err("The column 'sku' is missing from the offer file".into())
    }
}

pub(crate) fn json_additional_fields(
    object: &serde_json::Map<String, Value>,
) -> Vec<(String, String)> {
    object
        .get("offer_additional_fields")
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| {
                    let code = f.get("code")?.as_str()?.to_owned();
                    let value = match f.get("value")? {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    Some((code, value))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Serialize)]
struct VolumePrice {
    price: Money,
    quantity_threshold: u32,
    unit_discount_price: Option<Money>,
    unit_origin_price: Money,
}

#[derive(Serialize)]
struct AllPrice {
    channel_code: Option<String>,
    discount_end_date: Option<String>,
    discount_start_date: Option<String>,
    price: Money,
    unit_discount_price: Option<Money>,
    unit_origin_price: Money,
    volume_prices: Vec<VolumePrice>,
}

#[derive(Serialize)]
struct DiscountJson {
    discount_price: Option<Money>,
    end_date: Option<String>,
    origin_price: Money,
    ranges: Vec<Value>,
    start_date: Option<String>,
}

/// The OF21 `offers[]` / OF22 shape.
#[derive(Serialize)]
pub(crate) struct OfferJson {
    active: bool,
    all_prices: Vec<AllPrice>,
    allow_quote_requests: bool,
    applicable_pricing: AllPrice,
    available_end_date: Option<String>,
    available_start_date: Option<String>,
    category_code: String,
    category_label: String,
    channels: Vec<String>,
    currency_iso_code: String,
    description: String,
    discount: Option<DiscountJson>,
    fulfillment: Value,
    inactivity_reasons: Vec<&'static str>,
    internal_description: Option<String>,
    leadtime_to_ship: u32,
    logistic_class: Value,
    max_order_quantity: Option<u32>,
    min_order_quantity: Option<u32>,
    min_quantity_alert: Option<u32>,
    min_shipping_price: Money,
    min_shipping_price_additional: Money,
    min_shipping_type: String,
    min_shipping_zone: String,
    offer_additional_fields: Vec<Value>,
    offer_id: u64,
    package_quantity: u32,
    price: Money,
    price_additional_info: Option<String>,
    product_brand: Option<String>,
    product_references: Vec<Value>,
    product_sku: String,
    product_tax_code: Option<String>,
    product_title: String,
    quantity: u32,
    shipping_deadline: String,
    shop_sku: String,
    state_code: String,
    total_price: Money,
    warehouses: Vec<Value>,
}

/// Shipping terms every offer shows (the sandbox has one zone and one shipping type).
pub(crate) struct ShippingTerms {
    pub currency: String,
    pub zone: String,
    pub shipping_type: String,
    pub shipping_price: Decimal,
    pub default_leadtime: u32,
}

impl OfferJson {
    pub(crate) fn new(offer: &Offer, now: OffsetDateTime, terms: &ShippingTerms) -> Self {
        let current = offer.current_price(now);
        let discount_active = current != offer.price;
        let pricing = || AllPrice {
            channel_code: None,
            discount_end_date: offer.discount.as_ref().and_then(|d| d.end).map(iso),
            discount_start_date: offer.discount.as_ref().and_then(|d| d.start).map(iso),
            price: Money(current),
            unit_discount_price: opt_money(discount_active.then_some(current)),
            unit_origin_price: Money(offer.price),
            volume_prices: vec![VolumePrice {
                price: Money(current),
                quantity_threshold: 1,
                unit_discount_price: opt_money(discount_active.then_some(current)),
                unit_origin_price: Money(offer.price),
            }],
        };
        let leadtime = offer.leadtime_to_ship.unwrap_or(terms.default_leadtime);
        let reasons = offer.inactivity_reasons(now);
        OfferJson {
            active: reasons.is_empty(),
            all_prices: vec![pricing()],
            allow_quote_requests: false,
            applicable_pricing: pricing(),
            available_end_date: offer.available_end.map(iso),
            available_start_date: offer.available_start.map(iso),
            category_code: offer.product.category_code.clone(),
            category_label: offer.product.category_label.clone(),
            channels: Vec::new(),
            currency_iso_code: terms.currency.clone(),
            description: offer.description.clone(),
            discount: offer.discount.as_ref().map(|d| DiscountJson {
                discount_price: Some(Money(d.price)),
                end_date: d.end.map(iso),
                origin_price: Money(offer.price),
                ranges: Vec::new(),
                start_date: d.start.map(iso),
            }),
            fulfillment: serde_json::json!({ "center": { "code": "DEFAULT" } }),
            inactivity_reasons: reasons,
            internal_description: offer.internal_description.clone(),
            leadtime_to_ship: leadtime,
            logistic_class: match &offer.logistic_class {
                Some(code) => {
                    let label = LOGISTIC_CLASSES
                        .iter()
                        .find(|(c, _)| c == code)
                        .map_or(code.as_str(), |(_, l)| l);
                    serde_json::json!({ "code": code, "label": label })
                }
                None => Value::Null,
            },
            max_order_quantity: offer.max_order_quantity,
            min_order_quantity: offer.min_order_quantity,
            min_quantity_alert: offer.min_quantity_alert,
            min_shipping_price: Money(terms.shipping_price),
            min_shipping_price_additional: Money(Decimal::ZERO),
            min_shipping_type: terms.shipping_type.clone(),
            min_shipping_zone: terms.zone.clone(),
            offer_additional_fields: offer
                .additional_fields
                .iter()
                .map(|(code, value)| serde_json::json!({ "code": code, "type": "STRING", "value": value }))
                .collect(),
            offer_id: offer.offer_id,
            package_quantity: offer.package_quantity.unwrap_or(1),
            price: Money(current),
            price_additional_info: offer.price_additional_info.clone(),
            product_brand: offer.product.brand.clone(),
            product_references: offer
                .product
                .references
                .iter()
                .map(|(kind, value)| serde_json::json!({ "reference": value, "reference_type": kind }))
                .collect(),
            product_sku: offer.product.sku.clone(),
            product_tax_code: offer.product_tax_code.clone(),
            product_title: offer.product.title.clone(),
            quantity: offer.quantity,
            shipping_deadline: iso(now + time::Duration::days(i64::from(leadtime))),
            shop_sku: offer.shop_sku.clone(),
            state_code: offer.state_code.clone(),
            total_price: Money(current + terms.shipping_price),
            warehouses: offer
                .warehouses
                .iter()
                .map(|(code, quantity)| serde_json::json!({ "code": code, "quantity": quantity }))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn csv_row_parses_and_defaults_quantity_to_zero() {
        let input = parse_offer(
            &row(&[
                ("sku", "A-1"),
                ("product-id", "9312345678907"),
                ("product-id-type", "ean"),
                ("price", "59.90"),
                ("state", "11"),
            ]),
            &CSV_NAMES,
        )
        .expect("valid row");
        assert_eq!(input.shop_sku, "A-1");
        assert_eq!(input.quantity, 0);
        assert_eq!(input.product_id_type.as_deref(), Some("EAN"));
        assert_eq!(input.price, Decimal::new(5990, 2));
    }

    #[test]
    fn rejects_negative_price_bad_quantity_and_unknown_state() {
        let base = [
            ("sku", "A-1"),
            ("price", "10"),
            ("state", "11"),
            ("quantity", "3"),
        ];
        let with = |k: &str, v: &str| {
            let mut r = row(&base);
            r.insert(k.to_owned(), v.to_owned());
            parse_offer(&r, &CSV_NAMES)
        };
        assert!(
            with("price", "-1")
                .expect_err("negative")
                .contains("positive")
        );
        assert!(
            with("price", "1.234")
                .expect_err("decimals")
                .contains("decimals")
        );
        assert!(
            with("quantity", "-2")
                .expect_err("qty")
                .contains("quantity")
        );
        assert!(
            with("quantity", "many")
                .expect_err("qty")
                .contains("quantity")
        );
        assert!(with("state", "99").expect_err("state").contains("state"));
        assert!(
            with("discount-price", "20")
                .expect_err("discount")
                .contains("discount")
        );
        assert!(with("price", "10").is_ok());
    }

    #[test]
    fn json_fields_accept_numbers_as_strings() {
        let object: serde_json::Map<String, Value> = serde_json::from_str(
            r#"{"shop_sku":"A","price":"49","quantity":"5000","state_code":"11","discount":{"price":45}}"#,
        )
        .expect("json");
        let input = parse_offer(&object, &JSON_NAMES).expect("valid");
        assert_eq!(input.quantity, 5000);
        assert_eq!(input.discount.expect("discount").price, Decimal::from(45));
    }
}
