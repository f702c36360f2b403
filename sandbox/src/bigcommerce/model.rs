//! The state of the BigCommerce stand-in and the operations that change it.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::wire::{ApiError, now};

/// Inventory tracking mode of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tracking {
    /// Not tracked.
    None,
    /// Tracked on the product.
    Product,
    /// Tracked per variant.
    Variant,
    /// Any other value, kept.
    Other(String),
}

impl Tracking {
    /// From the wire value.
    pub fn parse(s: &str) -> Self {
        match s {
            "none" => Tracking::None,
            "product" => Tracking::Product,
            "variant" => Tracking::Variant,
            other => Tracking::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Tracking::None => "none",
            Tracking::Product => "product",
            Tracking::Variant => "variant",
            Tracking::Other(s) => s,
        }
    }
}

/// A catalog product.
#[derive(Debug, Clone)]
pub struct Product {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `physical` / `digital`.
    pub product_type: String,
    /// Product SKU.
    pub sku: String,
    /// Description (HTML).
    pub description: String,
    /// Weight.
    pub weight: Decimal,
    /// Price.
    pub price: Decimal,
    /// Sale price (0 = none).
    pub sale_price: Decimal,
    /// Retail price.
    pub retail_price: Decimal,
    /// Cost price.
    pub cost_price: Decimal,
    /// Category ids.
    pub categories: Vec<u64>,
    /// Brand id (0 = none).
    pub brand_id: u64,
    /// Tracking mode.
    pub inventory_tracking: Tracking,
    /// Warning level.
    pub inventory_warning_level: i64,
    /// Visible on the storefront.
    pub is_visible: bool,
    /// UPC.
    pub upc: String,
    /// MPN.
    pub mpn: String,
    /// GTIN.
    pub gtin: String,
    /// Availability.
    pub availability: String,
    /// Custom fields (name, value).
    pub custom_fields: Vec<(u64, String, String)>,
    /// Image URLs (id, url).
    pub images: Vec<(u64, String)>,
    /// Created.
    pub date_created: OffsetDateTime,
    /// Last change of the product, a variant or its stock.
    pub date_modified: OffsetDateTime,
    /// Base variant (products without options).
    pub base_variant_id: Option<u64>,
    /// Units sold.
    pub total_sold: u64,
}

/// A variant (SKU).
#[derive(Debug, Clone)]
pub struct Variant {
    /// Id.
    pub id: u64,
    /// Product.
    pub product_id: u64,
    /// SKU.
    pub sku: String,
    /// SKU id (as in `store/sku/*` webhooks).
    pub sku_id: u64,
    /// Price (`None` = inherit the product's).
    pub price: Option<Decimal>,
    /// Sale price.
    pub sale_price: Option<Decimal>,
    /// Retail price.
    pub retail_price: Option<Decimal>,
    /// Cost price.
    pub cost_price: Option<Decimal>,
    /// Weight.
    pub weight: Option<Decimal>,
    /// UPC.
    pub upc: String,
    /// MPN.
    pub mpn: String,
    /// GTIN.
    pub gtin: String,
    /// Purchasing disabled.
    pub purchasing_disabled: bool,
    /// Option values (label, option display name).
    pub option_values: Vec<(String, String)>,
    /// Warning level.
    pub inventory_warning_level: i64,
}

/// A category.
#[derive(Debug, Clone)]
pub struct Category {
    /// Id.
    pub id: u64,
    /// Parent (0 = root).
    pub parent_id: u64,
    /// Name.
    pub name: String,
    /// Visible.
    pub is_visible: bool,
}

/// A brand.
#[derive(Debug, Clone)]
pub struct Brand {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
}

/// An inventory location.
#[derive(Debug, Clone)]
pub struct Location {
    /// Id.
    pub id: u64,
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Enabled.
    pub enabled: bool,
}

/// Where stock is held: on a product (product tracking) or a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKey {
    /// Product-level stock.
    Product(u64),
    /// Variant-level stock.
    Variant(u64),
}

/// A price list.
#[derive(Debug, Clone)]
pub struct PriceList {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Active.
    pub active: bool,
    /// Created.
    pub date_created: OffsetDateTime,
    /// Modified.
    pub date_modified: OffsetDateTime,
}

/// A price-list record.
#[derive(Debug, Clone)]
pub struct PriceRecord {
    /// Variant.
    pub variant_id: u64,
    /// Currency (lower-case).
    pub currency: String,
    /// Price.
    pub price: Option<Decimal>,
    /// Sale price.
    pub sale_price: Option<Decimal>,
    /// Retail price.
    pub retail_price: Option<Decimal>,
    /// MAP.
    pub map_price: Option<Decimal>,
    /// Created.
    pub date_created: OffsetDateTime,
    /// Modified.
    pub date_modified: OffsetDateTime,
}

/// A postal address of an order.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Address {
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Company.
    #[serde(default)]
    pub company: String,
    /// Street line 1.
    #[serde(default)]
    pub street_1: String,
    /// Street line 2.
    #[serde(default)]
    pub street_2: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// State.
    #[serde(default)]
    pub state: String,
    /// Postcode.
    #[serde(default)]
    pub zip: String,
    /// Country name.
    #[serde(default)]
    pub country: String,
    /// ISO2 country.
    #[serde(default)]
    pub country_iso2: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// Email.
    #[serde(default)]
    pub email: String,
}

/// A line of an order.
#[derive(Debug, Clone)]
pub struct OrderProduct {
    /// Order product id.
    pub id: u64,
    /// Product (0 for custom products).
    pub product_id: u64,
    /// Variant (0 for custom products).
    pub variant_id: u64,
    /// Name.
    pub name: String,
    /// SKU.
    pub sku: String,
    /// Quantity.
    pub quantity: u64,
    /// Shipped quantity.
    pub quantity_shipped: u64,
    /// Unit price ex tax.
    pub price_ex_tax: Decimal,
    /// Unit price inc tax.
    pub price_inc_tax: Decimal,
    /// Shipping address id.
    pub order_address_id: u64,
}

/// A shipping address of an order.
#[derive(Debug, Clone)]
pub struct ShippingAddress {
    /// Id.
    pub id: u64,
    /// Address.
    pub address: Address,
    /// Shipping method.
    pub shipping_method: String,
}

/// A shipment.
#[derive(Debug, Clone)]
pub struct Shipment {
    /// Id.
    pub id: u64,
    /// Address.
    pub order_address_id: u64,
    /// Created.
    pub date_created: OffsetDateTime,
    /// Tracking number.
    pub tracking_number: String,
    /// Provider.
    pub shipping_provider: String,
    /// Carrier.
    pub tracking_carrier: String,
    /// Link.
    pub tracking_link: String,
    /// Method.
    pub shipping_method: String,
    /// Comments.
    pub comments: String,
    /// `(order_product_id, product_id, quantity)`.
    pub items: Vec<(u64, u64, u64)>,
}

/// A v2 order.
#[derive(Debug, Clone)]
pub struct Order {
    /// Id.
    pub id: u64,
    /// Customer (0 = guest).
    pub customer_id: u64,
    /// Status id.
    pub status_id: u32,
    /// Created.
    pub date_created: OffsetDateTime,
    /// Modified.
    pub date_modified: OffsetDateTime,
    /// Shipped.
    pub date_shipped: Option<OffsetDateTime>,
    /// Billing address.
    pub billing_address: Address,
    /// Lines.
    pub products: Vec<OrderProduct>,
    /// Shipping addresses.
    pub shipping_addresses: Vec<ShippingAddress>,
    /// Shipments.
    pub shipments: Vec<Shipment>,
    /// Shipping cost ex tax.
    pub shipping_cost_ex_tax: Decimal,
    /// Shipping cost inc tax.
    pub shipping_cost_inc_tax: Decimal,
    /// Currency.
    pub currency_code: String,
    /// Channel.
    pub channel_id: u64,
    /// `external_source`.
    pub external_source: Option<String>,
    /// `external_id` (read-only on the real API; the sandbox stores what was sent).
    pub external_id: Option<String>,
    /// `external_order_id`.
    pub external_order_id: Option<String>,
    /// Payment method.
    pub payment_method: String,
    /// Staff notes.
    pub staff_notes: String,
    /// Customer message.
    pub customer_message: String,
    /// Refunded amount.
    pub refunded_amount: Decimal,
    /// Archived.
    pub is_deleted: bool,
    /// Stock was returned after cancellation/refund.
    pub restocked: bool,
    /// Transactions recorded.
    pub transactions: Vec<Value>,
    /// Refunds recorded.
    pub refunds: Vec<Value>,
    /// Order-level discount (`discount_amount`), taken off the total.
    pub discount_amount: Decimal,
    /// Fees (`fees[]`), added to the total.
    pub fees: Vec<OrderFee>,
}

/// A fee of an order (`fees[]`, orders.v2.oas2.yml `orderFees_Post`).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderFee {
    /// Id.
    pub id: u64,
    /// `custom_fee`.
    pub fee_type: String,
    /// Name shown to the customer.
    pub display_name_customer: String,
    /// Name shown to the merchant.
    pub display_name_merchant: String,
    /// Cost excluding tax.
    pub cost_ex_tax: Decimal,
    /// Cost including tax.
    pub cost_inc_tax: Decimal,
}

impl Order {
    /// Sum of the fees, tax included.
    pub fn fees_inc_tax(&self) -> Decimal {
        self.fees.iter().map(|f| f.cost_inc_tax).sum()
    }

    /// Sum of the fees, tax excluded.
    pub fn fees_ex_tax(&self) -> Decimal {
        self.fees.iter().map(|f| f.cost_ex_tax).sum()
    }

    /// Sum of line totals ex tax.
    pub fn subtotal_ex_tax(&self) -> Decimal {
        self.products
            .iter()
            .map(|p| p.price_ex_tax * Decimal::from(p.quantity))
            .sum()
    }

    /// Sum of line totals inc tax.
    pub fn subtotal_inc_tax(&self) -> Decimal {
        self.products
            .iter()
            .map(|p| p.price_inc_tax * Decimal::from(p.quantity))
            .sum()
    }

    /// Total inc tax.
    pub fn total_inc_tax(&self) -> Decimal {
        self.subtotal_inc_tax() + self.shipping_cost_inc_tax + self.fees_inc_tax()
            - self.discount_amount
    }

    /// Total ex tax.
    pub fn total_ex_tax(&self) -> Decimal {
        self.subtotal_ex_tax() + self.shipping_cost_ex_tax + self.fees_ex_tax()
            - self.discount_amount
    }

    /// Items ordered.
    pub fn items_total(&self) -> u64 {
        self.products.iter().map(|p| p.quantity).sum()
    }

    /// Items shipped.
    pub fn items_shipped(&self) -> u64 {
        self.products.iter().map(|p| p.quantity_shipped).sum()
    }
}

/// A registered webhook.
#[derive(Debug, Clone)]
pub struct Hook {
    /// Id.
    pub id: u64,
    /// Scope (may end in `/*`).
    pub scope: String,
    /// Destination URL.
    pub destination: String,
    /// Active.
    pub is_active: bool,
    /// Custom headers sent with each callback.
    pub headers: BTreeMap<String, String>,
    /// Created (unix).
    pub created_at: i64,
    /// Updated (unix).
    pub updated_at: i64,
}

impl Hook {
    /// Whether an event scope matches this hook's scope (exact, or a `prefix/*` wildcard).
    pub fn matches(&self, scope: &str) -> bool {
        match self.scope.strip_suffix("/*") {
            Some(prefix) => scope.starts_with(prefix) && scope[prefix.len()..].starts_with('/'),
            None => self.scope == scope,
        }
    }
}

/// A state change worth a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Scope, e.g. `store/product/updated`.
    pub scope: String,
    /// The `data` object.
    pub data: Value,
}

impl Event {
    fn new(scope: &str, data: Value) -> Self {
        Event {
            scope: scope.to_owned(),
            data,
        }
    }
}

/// The order statuses with their ids, names and descriptions.
pub const ORDER_STATUSES: [(u32, &str, &str); 15] = [
    (
        0,
        "Incomplete",
        "An incomplete order happens when a shopper reached the payment page, but did not complete the transaction.",
    ),
    (
        1,
        "Pending",
        "Customer started the checkout process, but did not complete it.",
    ),
    (
        2,
        "Shipped",
        "Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action.",
    ),
    (
        3,
        "Partially Shipped",
        "Only some items in the order have been shipped, due to some products being pre-order only or other reasons.",
    ),
    (4, "Refunded", "Seller has used the Refund action."),
    (
        5,
        "Cancelled",
        "Seller has cancelled an order, due to a stock inconsistency or other reasons.",
    ),
    (
        6,
        "Declined",
        "Seller has marked the order as declined for lack of manual payment, or other reasons.",
    ),
    (
        7,
        "Awaiting Payment",
        "Customer has completed checkout process, but payment has yet to be confirmed.",
    ),
    (
        8,
        "Awaiting Pickup",
        "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
    ),
    (
        9,
        "Awaiting Shipment",
        "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
    ),
    (
        10,
        "Completed",
        "Client has paid for their digital product and their file(s) are available for download.",
    ),
    (
        11,
        "Awaiting Fulfillment",
        "Customer has completed the checkout process and payment has been confirmed.",
    ),
    (
        12,
        "Manual Verification Required",
        "Order on hold while some aspect needs to be manually confirmed.",
    ),
    (
        13,
        "Disputed",
        "Customer has initiated a dispute resolution process for the PayPal transaction that paid for the order.",
    ),
    (
        14,
        "Partially Refunded",
        "Seller has partially refunded the order.",
    ),
];

/// The name of a status id.
pub fn status_name(id: u32) -> &'static str {
    ORDER_STATUSES
        .iter()
        .find(|(i, _, _)| *i == id)
        .map(|(_, n, _)| *n)
        .unwrap_or("Unknown")
}

/// The whole store.
#[derive(Debug)]
pub struct Store {
    /// Products by id.
    pub products: BTreeMap<u64, Product>,
    /// Variants by id (insert, remove and re-SKU through [`Store::add_variant`],
    /// [`Store::remove_variant`] and [`Store::set_sku`] so the indexes stay right).
    pub variants: BTreeMap<u64, Variant>,
    /// Variant ids per product.
    by_product: BTreeMap<u64, std::collections::BTreeSet<u64>>,
    /// Variant id per SKU.
    by_sku: std::collections::HashMap<String, u64>,
    /// Categories by id.
    pub categories: BTreeMap<u64, Category>,
    /// Brands by id.
    pub brands: BTreeMap<u64, Brand>,
    /// Locations by id.
    pub locations: BTreeMap<u64, Location>,
    /// On-hand stock per (location, item).
    pub stock: BTreeMap<(u64, ItemKey), i64>,
    /// Price lists.
    pub price_lists: BTreeMap<u64, PriceList>,
    /// Price records per (list, variant, currency).
    pub price_records: BTreeMap<(u64, u64, String), PriceRecord>,
    /// Orders by id.
    pub orders: BTreeMap<u64, Order>,
    /// Webhooks by id.
    pub hooks: BTreeMap<u64, Hook>,
    /// Channels by id (1: the default storefront).
    pub channels: BTreeMap<u64, super::channels::Channel>,
    /// Whether orders may take stock below zero.
    pub allow_oversell: bool,
    next_id: BTreeMap<&'static str, u64>,
}

/// Id counters start here, per kind.
fn first_id(kind: &str) -> u64 {
    match kind {
        "order" => 100,
        "product" => 111,
        "variant" | "sku" => 1,
        _ => 1,
    }
}

impl Store {
    /// An empty store with one default location (id 1).
    pub fn new(allow_oversell: bool) -> Self {
        let mut store = Store {
            products: BTreeMap::new(),
            variants: BTreeMap::new(),
            by_product: BTreeMap::new(),
            by_sku: std::collections::HashMap::new(),
            categories: BTreeMap::new(),
            brands: BTreeMap::new(),
            locations: BTreeMap::new(),
            stock: BTreeMap::new(),
            price_lists: BTreeMap::new(),
            price_records: BTreeMap::new(),
            orders: BTreeMap::new(),
            hooks: BTreeMap::new(),
            channels: BTreeMap::new(),
            allow_oversell,
            next_id: BTreeMap::new(),
        };
        let id = store.next("location");
        store.locations.insert(
            id,
            Location {
                id,
                code: "BC-LOCATION-1".into(),
                label: "Default location".into(),
                enabled: true,
            },
        );
        let channel = store.next("channel");
        store.channels.insert(
            channel,
            super::channels::Channel::default_storefront(super::wire::now()),
        );
        store
    }

    /// The next id of a kind.
    pub fn next(&mut self, kind: &'static str) -> u64 {
        let slot = self.next_id.entry(kind).or_insert_with(|| first_id(kind));
        let id = *slot;
        *slot += 1;
        id
    }

    /// The default location id.
    pub fn default_location(&self) -> u64 {
        self.locations.keys().next().copied().unwrap_or(1)
    }

    /// Variants of a product, by id.
    pub fn variants_of(&self, product_id: u64) -> impl Iterator<Item = &Variant> {
        self.by_product
            .get(&product_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.variants.get(id))
    }

    /// Adds (or replaces) a variant, keeping the indexes.
    pub fn add_variant(&mut self, variant: Variant) {
        if let Some(old) = self.variants.get(&variant.id)
            && self.by_sku.get(&old.sku) == Some(&old.id)
        {
            self.by_sku.remove(&old.sku);
        }
        self.by_product
            .entry(variant.product_id)
            .or_default()
            .insert(variant.id);
        if !variant.sku.is_empty() {
            self.by_sku.insert(variant.sku.clone(), variant.id);
        }
        self.variants.insert(variant.id, variant);
    }

    /// Removes a variant, keeping the indexes.
    pub fn remove_variant(&mut self, id: u64) -> Option<Variant> {
        let v = self.variants.remove(&id)?;
        if let Some(set) = self.by_product.get_mut(&v.product_id) {
            set.remove(&id);
        }
        if self.by_sku.get(&v.sku) == Some(&id) {
            self.by_sku.remove(&v.sku);
        }
        Some(v)
    }

    /// Changes a variant's SKU, keeping the index.
    pub fn set_sku(&mut self, id: u64, sku: &str) {
        if let Some(v) = self.variants.get_mut(&id) {
            if self.by_sku.get(&v.sku) == Some(&id) {
                self.by_sku.remove(&v.sku);
            }
            v.sku = sku.to_owned();
            if !sku.is_empty() {
                self.by_sku.insert(sku.to_owned(), id);
            }
        }
    }

    /// Whether the product has option variants (not only a base variant).
    pub fn has_options(&self, product: &Product) -> bool {
        product.base_variant_id.is_none()
    }

    /// The stock key of a variant given its product's tracking.
    pub fn item_key(&self, product: &Product, variant_id: Option<u64>) -> ItemKey {
        match (variant_id, self.has_options(product)) {
            (Some(v), true) if product.inventory_tracking != Tracking::Product => {
                ItemKey::Variant(v)
            }
            _ => ItemKey::Product(product.id),
        }
    }

    /// On-hand units of an item across locations.
    pub fn on_hand(&self, key: ItemKey) -> i64 {
        self.locations
            .keys()
            .filter_map(|l| self.stock.get(&(*l, key)))
            .sum()
    }

    /// On-hand units of an item at one location (`None` if never set).
    pub fn on_hand_at(&self, location: u64, key: ItemKey) -> Option<i64> {
        self.stock.get(&(location, key)).copied()
    }

    /// A variant's `inventory_level`.
    pub fn variant_level(&self, variant: &Variant) -> i64 {
        match self.products.get(&variant.product_id) {
            Some(p) => match self.item_key(p, Some(variant.id)) {
                ItemKey::Variant(v) => self.on_hand(ItemKey::Variant(v)),
                ItemKey::Product(_) if self.has_options(p) => 0,
                ItemKey::Product(pid) => self.on_hand(ItemKey::Product(pid)),
            },
            None => 0,
        }
    }

    /// A product's `inventory_level` (sum of its variants when tracked per variant).
    pub fn product_level(&self, product: &Product) -> i64 {
        if self.has_options(product) && product.inventory_tracking != Tracking::Product {
            self.variants_of(product.id)
                .map(|v| self.on_hand(ItemKey::Variant(v.id)))
                .sum()
        } else {
            self.on_hand(ItemKey::Product(product.id))
        }
    }

    /// Whether stock of this product is tracked.
    pub fn is_tracked(&self, product: &Product) -> bool {
        matches!(
            product.inventory_tracking,
            Tracking::Product | Tracking::Variant
        )
    }

    /// Finds a variant by SKU.
    pub fn variant_by_sku(&self, sku: &str) -> Option<&Variant> {
        self.by_sku.get(sku).and_then(|id| self.variants.get(id))
    }

    /// Whether a SKU is used by another variant.
    pub fn sku_taken(&self, sku: &str, except_variant: Option<u64>) -> bool {
        !sku.is_empty()
            && self
                .by_sku
                .get(sku)
                .is_some_and(|id| Some(*id) != except_variant)
    }

    /// Marks a product modified now.
    pub fn touch(&mut self, product_id: u64) {
        if let Some(p) = self.products.get_mut(&product_id) {
            p.date_modified = now();
        }
    }

    /// Sets absolute stock of an item at a location and returns the events.
    pub fn set_stock(
        &mut self,
        location: u64,
        key: ItemKey,
        quantity: i64,
        order: bool,
    ) -> Vec<Event> {
        self.stock.insert((location, key), quantity);
        self.stock_events(key, "absolute", quantity, order)
    }

    /// Adds `delta` to the stock of an item at a location and returns the events.
    pub fn add_stock(
        &mut self,
        location: u64,
        key: ItemKey,
        delta: i64,
        order: bool,
    ) -> Vec<Event> {
        *self.stock.entry((location, key)).or_insert(0) += delta;
        self.stock_events(key, "relative", delta, order)
    }

    fn stock_events(&mut self, key: ItemKey, method: &str, value: i64, order: bool) -> Vec<Event> {
        match key {
            ItemKey::Product(pid) => {
                self.touch(pid);
                let scope = if order {
                    "store/product/inventory/order/updated"
                } else {
                    "store/product/inventory/updated"
                };
                vec![Event::new(
                    scope,
                    json!({"type": "product", "id": pid, "inventory": {"product_id": pid, "method": method, "value": value}}),
                )]
            }
            ItemKey::Variant(vid) => {
                let Some(v) = self.variants.get(&vid) else {
                    return Vec::new();
                };
                let (pid, sku_id) = (v.product_id, v.sku_id);
                self.touch(pid);
                let scope = if order {
                    "store/sku/inventory/order/updated"
                } else {
                    "store/sku/inventory/updated"
                };
                vec![Event::new(
                    scope,
                    json!({"type": "sku", "id": sku_id, "inventory": {"product_id": pid, "method": method, "value": value, "variant_id": vid}}),
                )]
            }
        }
    }

    /// Resolves an inventory item from `variant_id` / `sku` / `product_id`, checking the tracking
    /// mode like the Inventory API does. A product that was not tracked becomes tracked.
    ///
    /// # Errors
    /// 422 with the real titles for unknown items and tracking-mode mismatches.
    pub fn resolve_item(
        &mut self,
        variant_id: Option<u64>,
        sku: Option<&str>,
        product_id: Option<u64>,
    ) -> Result<ItemKey, ApiError> {
        let unknown = |what: String| {
            ApiError::v3(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("[Item with {what} does not exist]"),
            )
        };
        let (product_id, variant_id, label) = if let Some(vid) = variant_id {
            let v = self
                .variants
                .get(&vid)
                .ok_or_else(|| unknown(format!("variant_id {vid}")))?;
            (v.product_id, Some(vid), format!("variant_id {vid}"))
        } else if let Some(sku) = sku {
            let v = self
                .variant_by_sku(sku)
                .ok_or_else(|| unknown(format!("sku {sku}")))?;
            (v.product_id, Some(v.id), format!("sku {sku}"))
        } else if let Some(pid) = product_id {
            if !self.products.contains_key(&pid) {
                return Err(unknown(format!("product_id {pid}")));
            }
            (pid, None, format!("product_id {pid}"))
        } else {
            return Err(ApiError::v3(
                StatusCode::UNPROCESSABLE_ENTITY,
                "An item needs one of variant_id, sku or product_id",
            ));
        };
        let product = self
            .products
            .get(&product_id)
            .cloned()
            .ok_or_else(|| unknown(label.clone()))?;
        let has_options = self.has_options(&product);
        let key = match (has_options, variant_id, &product.inventory_tracking) {
            (false, _, _) => ItemKey::Product(product_id),
            (true, Some(_), Tracking::Product) => {
                return Err(ApiError::v3(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!(
                        "[Item with {label} is tracked by product, please update stock by product id]"
                    ),
                ));
            }
            (true, Some(vid), _) => ItemKey::Variant(vid),
            (true, None, Tracking::Variant) => {
                return Err(ApiError::v3(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!(
                        "[Item with {label} is tracked by variant, please update stock by variant id]"
                    ),
                ));
            }
            (true, None, _) => ItemKey::Product(product_id),
        };
        if let Some(p) = self.products.get_mut(&product_id)
            && !matches!(p.inventory_tracking, Tracking::Product | Tracking::Variant)
        {
            p.inventory_tracking = match key {
                ItemKey::Product(_) => Tracking::Product,
                ItemKey::Variant(_) => Tracking::Variant,
            };
        }
        Ok(key)
    }

    /// The effective selling price of a variant: sale price if set and positive, else price,
    /// inheriting from the product.
    pub fn variant_prices(&self, variant: &Variant) -> (Decimal, Option<Decimal>) {
        let product = self.products.get(&variant.product_id);
        let price = variant
            .price
            .or(product.map(|p| p.price))
            .unwrap_or_default();
        let sale = variant
            .sale_price
            .or(product.map(|p| p.sale_price))
            .filter(|s| *s > Decimal::ZERO);
        (price, sale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_keeps_unknown_values() {
        assert_eq!(Tracking::parse("variant"), Tracking::Variant);
        assert_eq!(Tracking::parse("product").as_str(), "product");
        let other = Tracking::parse("by_location");
        assert_eq!(other, Tracking::Other("by_location".into()));
        assert_eq!(other.as_str(), "by_location");
    }

    #[test]
    fn wildcard_hook_scopes_match_their_family_only() {
        let hook = Hook {
            id: 1,
            scope: "store/order/*".into(),
            destination: "https://example.com".into(),
            is_active: true,
            headers: BTreeMap::new(),
            created_at: 0,
            updated_at: 0,
        };
        assert!(hook.matches("store/order/created"));
        assert!(hook.matches("store/order/refund/created"));
        assert!(!hook.matches("store/orders/created"));
        assert!(!hook.matches("store/product/updated"));
        let exact = Hook {
            scope: "store/sku/updated".into(),
            ..hook
        };
        assert!(exact.matches("store/sku/updated"));
        assert!(!exact.matches("store/sku/created"));
    }

    #[test]
    fn on_hand_sums_locations_and_orders_decrement() {
        let mut store = Store::new(false);
        store.locations.insert(
            2,
            Location {
                id: 2,
                code: "WH2".into(),
                label: "Second".into(),
                enabled: true,
            },
        );
        let key = ItemKey::Variant(7);
        store.stock.insert((1, key), 4);
        store.stock.insert((2, key), 6);
        assert_eq!(store.on_hand(key), 10);
        let _ = store.add_stock(1, key, -3, true);
        assert_eq!(store.on_hand(key), 7);
        assert_eq!(store.on_hand_at(1, key), Some(1));
    }
}
