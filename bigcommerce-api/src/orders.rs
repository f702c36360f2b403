//! Orders: v2 orders, order products, shipping addresses, shipments, statuses; v3
//! transactions, refund quotes and refunds.
//!
//! v2 sends money as strings (`"109.0000"`) and dates as RFC 2822 with `""` for none; both
//! decode to [`Decimal`] and `Option<OffsetDateTime>`.

use crate::catalog::{ProductId, VariantId};
use crate::de;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

id_type!(
    /// An order id.
    OrderId
);
id_type!(
    /// A shipment id.
    ShipmentId
);

/// An order status (`status_id`). Stores can rename statuses, so use the id, not the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OrderStatus {
    /// 0: reached the payment page, did not complete.
    Incomplete,
    /// 1: started checkout, did not complete.
    Pending,
    /// 2: shipped.
    Shipped,
    /// 3: some items shipped.
    PartiallyShipped,
    /// 4: refunded.
    Refunded,
    /// 5: cancelled by the seller.
    Cancelled,
    /// 6: declined.
    Declined,
    /// 7: awaiting payment.
    AwaitingPayment,
    /// 8: awaiting pickup.
    AwaitingPickup,
    /// 9: awaiting shipment.
    AwaitingShipment,
    /// 10: completed.
    Completed,
    /// 11: awaiting fulfillment (paid).
    AwaitingFulfillment,
    /// 12: manual verification required.
    ManualVerificationRequired,
    /// 13: disputed.
    Disputed,
    /// 14: partially refunded.
    PartiallyRefunded,
    /// An id this crate does not know, kept as sent.
    Unknown(u32),
}

impl OrderStatus {
    const KNOWN: [(u32, OrderStatus, &'static str); 15] = [
        (0, OrderStatus::Incomplete, "Incomplete"),
        (1, OrderStatus::Pending, "Pending"),
        (2, OrderStatus::Shipped, "Shipped"),
        (3, OrderStatus::PartiallyShipped, "Partially Shipped"),
        (4, OrderStatus::Refunded, "Refunded"),
        (5, OrderStatus::Cancelled, "Cancelled"),
        (6, OrderStatus::Declined, "Declined"),
        (7, OrderStatus::AwaitingPayment, "Awaiting Payment"),
        (8, OrderStatus::AwaitingPickup, "Awaiting Pickup"),
        (9, OrderStatus::AwaitingShipment, "Awaiting Shipment"),
        (10, OrderStatus::Completed, "Completed"),
        (11, OrderStatus::AwaitingFulfillment, "Awaiting Fulfillment"),
        (
            12,
            OrderStatus::ManualVerificationRequired,
            "Manual Verification Required",
        ),
        (13, OrderStatus::Disputed, "Disputed"),
        (14, OrderStatus::PartiallyRefunded, "Partially Refunded"),
    ];

    /// The status with this id.
    pub fn from_id(id: u32) -> Self {
        OrderStatus::KNOWN
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, s, _)| *s)
            .unwrap_or(OrderStatus::Unknown(id))
    }

    /// The numeric id.
    pub fn id(self) -> u32 {
        match self {
            OrderStatus::Unknown(id) => id,
            known => OrderStatus::KNOWN
                .iter()
                .find(|(_, s, _)| *s == known)
                .map(|(i, _, _)| *i)
                .unwrap_or(u32::MAX),
        }
    }

    /// The system name (`Awaiting Fulfillment`); `None` for unknown ids.
    pub fn name(self) -> Option<&'static str> {
        OrderStatus::KNOWN
            .iter()
            .find(|(_, s, _)| *s == self)
            .map(|(_, _, n)| *n)
    }
}

impl Default for OrderStatus {
    /// `Pending`, what BigCommerce assigns when an order is created without a status.
    fn default() -> Self {
        OrderStatus::Pending
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "status {}", self.id()),
        }
    }
}

impl Serialize for OrderStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.id())
    }
}

impl<'d> Deserialize<'d> for OrderStatus {
    fn deserialize<D: serde::Deserializer<'d>>(d: D) -> Result<Self, D::Error> {
        let id = bc_mirakl_api_core::de::u64_lenient(d)?;
        let id = u32::try_from(id)
            .map_err(|_| serde::de::Error::custom(format!("status id {id} out of range")))?;
        Ok(OrderStatus::from_id(id))
    }
}

/// A link to a v2 sub-resource (`{"url": ..., "resource": "/orders/1/products"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ResourceLink {
    /// Absolute URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Resource path.
    #[serde(default)]
    pub resource: Option<String>,
}

/// A form field on an address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct FormField {
    /// Field name.
    #[serde(default)]
    pub name: String,
    /// Field value (any JSON).
    #[serde(default)]
    pub value: serde_json::Value,
}

/// An address as used in orders (billing address, shipment addresses); also the request
/// type for new orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Address {
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Company.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub company: String,
    /// Street, line 1.
    #[serde(default)]
    pub street_1: String,
    /// Street, line 2.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub street_2: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// State or region (full name).
    #[serde(default)]
    pub state: String,
    /// Postcode.
    #[serde(default)]
    pub zip: String,
    /// Country (full name, e.g. `Australia`).
    #[serde(default)]
    pub country: String,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country_iso2: String,
    /// Phone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// Email.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
}

/// A v2 order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// Customer id (`0` = guest).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub customer_id: u64,
    /// Created at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc2822"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Last modified at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc2822"
    )]
    pub date_modified: Option<OffsetDateTime>,
    /// Shipped at (`""` = not shipped).
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc2822"
    )]
    pub date_shipped: Option<OffsetDateTime>,
    /// Status id.
    pub status_id: OrderStatus,
    /// Status name as the store shows it.
    #[serde(default)]
    pub status: String,
    /// Custom status label.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub custom_status: Option<String>,
    /// Subtotal excluding tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub subtotal_ex_tax: Decimal,
    /// Subtotal including tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub subtotal_inc_tax: Decimal,
    /// Shipping excluding tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub shipping_cost_ex_tax: Decimal,
    /// Shipping including tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub shipping_cost_inc_tax: Decimal,
    /// Total excluding tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub total_ex_tax: Decimal,
    /// Total including tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub total_inc_tax: Decimal,
    /// Total tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub total_tax: Decimal,
    /// Discount amount.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub discount_amount: Decimal,
    /// Refunded amount.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub refunded_amount: Decimal,
    /// Number of items.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub items_total: u64,
    /// Number of items shipped.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub items_shipped: u64,
    /// Payment method display name.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub payment_method: Option<String>,
    /// Payment status, e.g. `authorized`, `captured`.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub payment_status: Option<String>,
    /// Transaction currency.
    #[serde(default)]
    pub currency_code: Option<String>,
    /// Billing address.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub billing_address: Address,
    /// Where the order came from (`external` for API orders, `www`, `manual`, ...).
    #[serde(default)]
    pub order_source: Option<String>,
    /// Channel id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub channel_id: Option<u64>,
    /// External source (the creating app's id, for API orders).
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub external_source: Option<String>,
    /// External id (read-only).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub external_id: Option<String>,
    /// The other system's order id (e.g. the Mirakl order id).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub external_order_id: Option<String>,
    /// External merchant id.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub external_merchant_id: Option<String>,
    /// Staff notes.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub staff_notes: Option<String>,
    /// Customer message.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub customer_message: Option<String>,
    /// Whether the order is archived.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_deleted: bool,
    /// Link to the order's products.
    #[serde(default)]
    pub products: Option<ResourceLink>,
    /// Link to the order's shipping addresses.
    #[serde(default)]
    pub shipping_addresses: Option<ResourceLink>,
    /// The order's consignments: a link, or the consignments themselves when the order was
    /// read or listed with them embedded (see `List<Order>::with_line_items`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignments: Option<OrderConsignmentsField>,
}

impl Order {
    /// The order's products as embedded in its consignments, when the order was read or
    /// listed with `include=consignments.line_items&consignment_structure=object`: the same
    /// records `GET /v2/orders/{id}/products` returns, so that read can be skipped. `None`
    /// when they were not embedded or do not account for the whole order (an item left as a
    /// link, digital or gift-certificate consignments, or fewer units than `items_total`).
    pub fn included_products(&self) -> Option<Vec<OrderProduct>> {
        let Some(OrderConsignmentsField::Included(c)) = &self.consignments else {
            return None;
        };
        let gift_certificates = c
            .email
            .get("gift_certificates")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if !c.downloads.is_empty() || gift_certificates {
            return None;
        }
        let mut products: Vec<OrderProduct> = Vec::new();
        let items = c
            .shipping
            .iter()
            .flat_map(|s| &s.line_items)
            .chain(c.pickups.iter().flat_map(|p| &p.line_items));
        for item in items {
            match item {
                ConsignmentLineItem::Product(p) => {
                    if !products.iter().any(|k| k.id == p.id) {
                        products.push((**p).clone());
                    }
                }
                ConsignmentLineItem::Link { .. } => return None,
            }
        }
        let units: u64 = products.iter().map(|p| p.quantity).sum();
        (units == self.items_total).then_some(products)
    }
}

/// An order's `consignments` field (orders.v2.oas2.yml `order_Resp`): a link to
/// `/orders/{id}/consignments` by default, the consignments themselves when asked for with
/// `include=consignments` or `include=consignments.line_items` and
/// `consignment_structure=object`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(from = "ConsignmentsWire", untagged)]
#[non_exhaustive]
pub enum OrderConsignmentsField {
    /// The link (`{"url": ..., "resource": "/orders/1/consignments"}`).
    Link(ResourceLink),
    /// The consignments.
    Included(OrderConsignments),
}

/// How the field comes over the wire: an object of exactly `url` and `resource` is the link,
/// anything else the consignments.
#[derive(Deserialize)]
#[serde(untagged)]
enum ConsignmentsWire {
    Link(StrictLink),
    Included(OrderConsignments),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictLink {
    url: String,
    resource: String,
}

impl From<ConsignmentsWire> for OrderConsignmentsField {
    fn from(w: ConsignmentsWire) -> Self {
        match w {
            ConsignmentsWire::Link(l) => OrderConsignmentsField::Link(ResourceLink {
                url: Some(l.url),
                resource: Some(l.resource),
            }),
            ConsignmentsWire::Included(c) => OrderConsignmentsField::Included(c),
        }
    }
}

/// One line of an order (`GET /v2/orders/{id}/products`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct OrderProduct {
    /// Order product id (used in shipments).
    pub id: u64,
    /// Order id.
    pub order_id: OrderId,
    /// Catalog product id (`0` for custom products).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub product_id: u64,
    /// Variant id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub variant_id: Option<u64>,
    /// Shipping address this line ships to.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub order_address_id: Option<u64>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// SKU.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub sku: Option<String>,
    /// UPC.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub upc: Option<String>,
    /// Unit price excluding tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub price_ex_tax: Decimal,
    /// Unit price including tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub price_inc_tax: Decimal,
    /// Line total excluding tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub total_ex_tax: Decimal,
    /// Line total including tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub total_inc_tax: Decimal,
    /// Quantity ordered.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub quantity: u64,
    /// Quantity shipped.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub quantity_shipped: u64,
    /// Quantity refunded.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub quantity_refunded: u64,
    /// Whether the line was refunded.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_refunded: bool,
    /// External id.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub external_id: Option<String>,
    /// Chosen options.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub product_options: Vec<OrderProductOption>,
}

/// An option chosen on an order line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OrderProductOption {
    /// Id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub id: Option<u64>,
    /// Option id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub option_id: Option<u64>,
    /// Display name, e.g. `Size`.
    #[serde(default)]
    pub display_name: String,
    /// Display value, e.g. `S`.
    #[serde(default)]
    pub display_value: String,
    /// Raw value.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub value: Option<String>,
}

/// A shipping address of an order (`GET /v2/orders/{id}/shipping_addresses`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ShippingAddress {
    /// Id (use as `order_address_id` in shipments).
    pub id: u64,
    /// Order id.
    pub order_id: OrderId,
    /// The address.
    #[serde(flatten)]
    pub address: Address,
    /// Items to ship here.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub items_total: u64,
    /// Items shipped here.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub items_shipped: u64,
    /// Shipping method name.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub shipping_method: Option<String>,
    /// Shipping cost excluding tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub cost_ex_tax: Decimal,
    /// Shipping cost including tax.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub cost_inc_tax: Decimal,
}

/// One item of a shipment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ShipmentItem {
    /// The order product (line) id.
    #[serde(deserialize_with = "bc_mirakl_api_core::de::u64_lenient")]
    pub order_product_id: u64,
    /// Catalog product id (responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// Quantity shipped.
    #[serde(deserialize_with = "bc_mirakl_api_core::de::u64_lenient")]
    pub quantity: u64,
}

impl ShipmentItem {
    /// An item to send in a new shipment.
    pub fn new(order_product_id: u64, quantity: u64) -> Self {
        ShipmentItem {
            order_product_id,
            product_id: None,
            quantity,
        }
    }
}

/// A shipment (`GET /v2/orders/{id}/shipments`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Shipment {
    /// Id.
    pub id: ShipmentId,
    /// Order id.
    pub order_id: OrderId,
    /// Customer id.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub customer_id: u64,
    /// Shipping address id.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub order_address_id: u64,
    /// Created at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc2822"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Tracking number.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub tracking_number: Option<String>,
    /// Shipping method.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub shipping_method: Option<String>,
    /// Provider code (`auspost`, `usps`, `carrier_{id}`, `""`).
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub shipping_provider: Option<String>,
    /// Provider display name.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub shipping_provider_display_name: Option<String>,
    /// Tracking carrier (AfterShip slug).
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub tracking_carrier: Option<String>,
    /// Custom tracking link.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub tracking_link: Option<String>,
    /// Tracking link BigCommerce generated.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub generated_tracking_link: Option<String>,
    /// Comments.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub comments: Option<String>,
    /// Items shipped.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub items: Vec<ShipmentItem>,
    /// Shipping address.
    #[serde(default)]
    pub shipping_address: Option<Address>,
}

/// Body of `POST /v2/orders/{id}/shipments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShipment {
    /// Shipping address id (from the order's shipping addresses).
    pub order_address_id: u64,
    /// Tracking number (at most 50 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Shipping method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_method: Option<String>,
    /// Provider code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_provider: Option<String>,
    /// Tracking carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_carrier: Option<String>,
    /// Custom tracking link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_link: Option<String>,
    /// Comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    /// Items.
    pub items: Vec<ShipmentItem>,
}

impl NewShipment {
    /// A shipment of `items` to address `order_address_id`.
    pub fn new(order_address_id: u64, items: Vec<ShipmentItem>) -> Self {
        NewShipment {
            order_address_id,
            tracking_number: None,
            shipping_method: None,
            shipping_provider: None,
            tracking_carrier: None,
            tracking_link: None,
            comments: None,
            items,
        }
    }
}

/// Body of `PUT /v2/orders/{id}/shipments/{shipment_id}`; only set fields are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentUpdate {
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Shipping method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_method: Option<String>,
    /// Provider code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_provider: Option<String>,
    /// Tracking carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_carrier: Option<String>,
    /// Custom tracking link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_link: Option<String>,
    /// Comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
}

/// A status as listed by `GET /v2/order_statuses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OrderStatusInfo {
    /// Status id.
    pub id: OrderStatus,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// System label.
    #[serde(default)]
    pub system_label: Option<String>,
    /// Store's custom label.
    #[serde(default)]
    pub custom_label: Option<String>,
    /// System description.
    #[serde(default)]
    pub system_description: Option<String>,
}

/// `GET /v2/orders/count`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OrderCount {
    /// Total orders.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub count: u64,
    /// Per-status counts.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub statuses: Vec<OrderStatusCount>,
}

/// The count of orders in one status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct OrderStatusCount {
    /// Status id.
    pub id: OrderStatus,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Orders in this status.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub count: u64,
}

/// One line of a new order: a catalog product (`product_id` + `variant_id` or options) or a
/// custom product (`name` + both prices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrderProduct {
    /// Catalog product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<ProductId>,
    /// Variant id (catalog products with variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<VariantId>,
    /// Name (custom products; overrides the catalog name otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// SKU (custom products).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Quantity.
    pub quantity: u64,
    /// Unit price excluding tax (set both prices or neither). Sent as a JSON number with its
    /// exact digits (`orders.v2.oas2.yml` types it `number`); strings are accepted on input.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number",
        deserialize_with = "de::opt_decimal"
    )]
    pub price_ex_tax: Option<Decimal>,
    /// Unit price including tax, sent as a JSON number like
    /// [`price_ex_tax`](Self::price_ex_tax).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number",
        deserialize_with = "de::opt_decimal"
    )]
    pub price_inc_tax: Option<Decimal>,
}

impl NewOrderProduct {
    /// A catalog variant line at a fixed unit price (tax-inclusive and exclusive).
    pub fn variant(
        product_id: ProductId,
        variant_id: VariantId,
        quantity: u64,
        price_ex_tax: Decimal,
        price_inc_tax: Decimal,
    ) -> Self {
        NewOrderProduct {
            product_id: Some(product_id),
            variant_id: Some(variant_id),
            name: None,
            sku: None,
            quantity,
            price_ex_tax: Some(price_ex_tax),
            price_inc_tax: Some(price_inc_tax),
        }
    }

    /// A custom (non-catalog) line.
    pub fn custom(
        name: impl Into<String>,
        sku: Option<String>,
        quantity: u64,
        price_ex_tax: Decimal,
        price_inc_tax: Decimal,
    ) -> Self {
        NewOrderProduct {
            product_id: None,
            variant_id: None,
            name: Some(name.into()),
            sku,
            quantity,
            price_ex_tax: Some(price_ex_tax),
            price_inc_tax: Some(price_inc_tax),
        }
    }
}

/// A shipping address of a new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShippingAddress {
    /// The address.
    #[serde(flatten)]
    pub address: Address,
    /// Shipping method name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_method: Option<String>,
}

/// Body of `POST /v2/orders`.
///
/// For marketplace orders set `external_source` (the app's id) and `external_order_id`
/// (the marketplace order id); `customer_id: 0` is a guest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrder {
    /// Customer id (`0` = guest).
    pub customer_id: u64,
    /// Initial status (BigCommerce defaults to `Pending` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_id: Option<OrderStatus>,
    /// Billing address (required).
    pub billing_address: Address,
    /// Shipping addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_addresses: Vec<NewShippingAddress>,
    /// Lines (required).
    pub products: Vec<NewOrderProduct>,
    /// Channel id (must be a valid, enabled channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<u64>,
    /// External source (the creating app's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_source: Option<String>,
    /// External id (BigCommerce documents it as read-only; kept for stores that accept it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The other system's order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_order_id: Option<String>,
    /// Shipping cost excluding tax, sent as a string with its exact digits
    /// (`orders.v2.oas2.yml` types the order's money fields `string`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_string",
        deserialize_with = "de::opt_decimal"
    )]
    pub shipping_cost_ex_tax: Option<Decimal>,
    /// Shipping cost including tax, sent as a string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_string",
        deserialize_with = "de::opt_decimal"
    )]
    pub shipping_cost_inc_tax: Option<Decimal>,
    /// Payment method name shown on the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Staff notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_notes: Option<String>,
    /// Customer message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_message: Option<String>,
    /// Creation date (sent as RFC 2822), for imports.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_rfc2822",
        deserialize_with = "de::opt_datetime"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Transactional currency (ISO 4217, e.g. `AUD`), for stores with multi-currency
    /// enabled; unset means the store's default currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_currency_code: Option<String>,
    /// Order-level discount, never negative; BigCommerce takes it off the total. Sent as a
    /// string with its exact digits (orders.v2.oas2.yml `order_Post.discount_amount`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_string",
        deserialize_with = "de::opt_decimal"
    )]
    pub discount_amount: Option<Decimal>,
    /// Fees added to the order's total (orders.v2.oas2.yml `orderFees_Post`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<NewOrderFee>,
}

/// A fee of a new order (`fees[]` of `POST /v2/orders`, orders.v2.oas2.yml
/// `orderFees_Post`): a `custom_fee` with a display name and two of its three costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrderFee {
    /// The fee type (`custom_fee`, the one value the spec declares).
    #[serde(rename = "type")]
    pub fee_type: String,
    /// Name shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name_customer: Option<String>,
    /// Name shown to the merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name_merchant: Option<String>,
    /// Cost excluding tax, sent as a string with its exact digits.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_string",
        deserialize_with = "de::opt_decimal"
    )]
    pub cost_ex_tax: Option<Decimal>,
    /// Cost including tax, sent as a string.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_string",
        deserialize_with = "de::opt_decimal"
    )]
    pub cost_inc_tax: Option<Decimal>,
    /// Tax class (`None`: the store's default fee tax class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_class_id: Option<u64>,
}

impl NewOrderFee {
    /// A `custom_fee` shown under `name` to both customer and merchant, with both costs.
    pub fn custom(name: impl Into<String>, cost_ex_tax: Decimal, cost_inc_tax: Decimal) -> Self {
        let name = name.into();
        NewOrderFee {
            fee_type: "custom_fee".to_owned(),
            display_name_customer: Some(name.clone()),
            display_name_merchant: Some(name),
            cost_ex_tax: Some(cost_ex_tax),
            cost_inc_tax: Some(cost_inc_tax),
            tax_class_id: None,
        }
    }
}

impl NewOrder {
    /// A guest order with a billing address and lines; other fields empty.
    pub fn new(billing_address: Address, products: Vec<NewOrderProduct>) -> Self {
        NewOrder {
            customer_id: 0,
            status_id: None,
            billing_address,
            shipping_addresses: Vec::new(),
            products,
            channel_id: None,
            external_source: None,
            external_id: None,
            external_order_id: None,
            shipping_cost_ex_tax: None,
            shipping_cost_inc_tax: None,
            payment_method: None,
            staff_notes: None,
            customer_message: None,
            date_created: None,
            default_currency_code: None,
            discount_amount: None,
            fees: Vec::new(),
        }
    }
}

/// Body of `PUT /v2/orders/{id}`; only set fields are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderUpdate {
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_id: Option<OrderStatus>,
    /// The other system's order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_order_id: Option<String>,
    /// Staff notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_notes: Option<String>,
    /// Customer message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_message: Option<String>,
    /// `true` archives the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
}

impl OrderUpdate {
    /// An update that only changes the status.
    pub fn status(status: OrderStatus) -> Self {
        OrderUpdate {
            status_id: Some(status),
            ..OrderUpdate::default()
        }
    }
}

/// A payment transaction (`GET /v3/orders/{id}/transactions`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Transaction {
    /// Id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub id: Option<u64>,
    /// Order id (sent as a string).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub order_id: Option<String>,
    /// Event, e.g. `purchase`, `refund`.
    #[serde(default)]
    pub event: Option<String>,
    /// Method, e.g. `credit_card`.
    #[serde(default)]
    pub method: Option<String>,
    /// Amount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub amount: Option<Decimal>,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Gateway.
    #[serde(default)]
    pub gateway: Option<String>,
    /// Gateway transaction id.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub gateway_transaction_id: Option<String>,
    /// Status, e.g. `ok`.
    #[serde(default)]
    pub status: Option<String>,
    /// Test transaction.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub test: bool,
    /// Created at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_created: Option<OffsetDateTime>,
}

wire_enum!(
    /// What a refund item refers to (`item_type`).
    pub enum RefundItemType {
        /// An order product.
        Product = "PRODUCT",
        /// Gift wrapping.
        GiftWrapping = "GIFT_WRAPPING",
        /// Shipping.
        Shipping = "SHIPPING",
        /// Handling.
        Handling = "HANDLING",
        /// The whole order (an amount).
        Order = "ORDER",
        /// A fee.
        Fee = "FEE",
    }
);

/// One item of a refund quote or refund request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundItem {
    /// What is refunded.
    pub item_type: RefundItemType,
    /// Its id (order product id, order address id, order id).
    pub item_id: u64,
    /// Quantity (products).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// Amount (shipping, handling, order).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_decimal_number"
    )]
    pub amount: Option<Decimal>,
    /// Reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl RefundItem {
    /// A quantity of an order product.
    pub fn product(order_product_id: u64, quantity: u64) -> Self {
        RefundItem {
            item_type: RefundItemType::Product,
            item_id: order_product_id,
            quantity: Some(quantity),
            amount: None,
            reason: None,
        }
    }

    /// An amount of shipping of one order address.
    pub fn shipping(order_address_id: u64, amount: Decimal) -> Self {
        RefundItem {
            item_type: RefundItemType::Shipping,
            item_id: order_address_id,
            quantity: None,
            amount: Some(amount),
            reason: None,
        }
    }
}

/// Body of `POST /v3/orders/{id}/payment_actions/refund_quotes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundQuoteRequest {
    /// Items to refund.
    pub items: Vec<RefundItem>,
}

/// One way to pay back part of a refund.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RefundMethodOption {
    /// Payment provider id, e.g. `storecredit`, `custom`.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub provider_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub provider_description: Option<String>,
    /// Amount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub amount: Option<Decimal>,
    /// Offline provider.
    #[serde(default)]
    pub offline: Option<bool>,
}

/// A refund quote.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RefundQuote {
    /// Order id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub order_id: Option<u64>,
    /// Total refund amount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total_refund_amount: Option<Decimal>,
    /// Total refund tax.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total_refund_tax_amount: Option<Decimal>,
    /// Rounding.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub rounding: Option<Decimal>,
    /// Whether amounts include tax.
    #[serde(default)]
    pub tax_inclusive: Option<bool>,
    /// Alternative ways to pay the refund; each inner list is one complete option.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub refund_methods: Vec<Vec<RefundMethodOption>>,
}

/// One payment of a refund request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundPayment {
    /// Provider id (from the quote's refund methods).
    pub provider_id: String,
    /// Amount.
    #[serde(
        serialize_with = "de::ser_decimal_number",
        deserialize_with = "de::decimal"
    )]
    pub amount: Decimal,
    /// Offline provider.
    #[serde(default)]
    pub offline: bool,
}

/// Body of `POST /v3/orders/{id}/payment_actions/refunds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Items refunded.
    pub items: Vec<RefundItem>,
    /// How the money goes back.
    pub payments: Vec<RefundPayment>,
}

/// A refund that was made.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Refund {
    /// Refund id.
    pub id: u64,
    /// Order id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub order_id: Option<u64>,
    /// Created at.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub created: Option<OffsetDateTime>,
    /// Reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// Total amount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total_amount: Option<Decimal>,
    /// Total tax.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total_tax: Option<Decimal>,
    /// Items refunded.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub items: Vec<RefundedItem>,
}

/// An item of a refund that was made.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RefundedItem {
    /// Type.
    pub item_type: RefundItemType,
    /// Id.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub item_id: u64,
    /// Quantity.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub quantity: Option<u64>,
    /// Requested amount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub requested_amount: Option<Decimal>,
}

/// A coupon applied to an order (`GET /v2/orders/{id}/coupons`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderCoupon {
    /// Id of this application of the coupon.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub id: u64,
    /// The coupon.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub coupon_id: Option<u64>,
    /// The order.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub order_id: Option<u64>,
    /// Code the customer entered.
    #[serde(default)]
    pub code: String,
    /// Coupon value (a number or a string).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub amount: Option<Decimal>,
    /// Coupon type: 0 per item, 1 percent off each item, 2 per total, 3 percent off the
    /// total, 4 free shipping, 5 free shipping for a method, 6 BOGO (as documented).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub r#type: Option<u64>,
    /// Discount the coupon gave on this order.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub discount: Option<Decimal>,
}

/// A tax line of an order (`GET /v2/orders/{id}/taxes`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderTax {
    /// Id.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub id: u64,
    /// The order.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub order_id: Option<u64>,
    /// The shipping address the tax applies to.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub order_address_id: Option<u64>,
    /// Tax rate id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub tax_rate_id: Option<u64>,
    /// Tax class id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub tax_class_id: Option<u64>,
    /// Id from a tax provider.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub sales_tax_id: Option<String>,
    /// Tax name, e.g. `GST`.
    #[serde(default)]
    pub name: String,
    /// Tax class name.
    #[serde(default)]
    pub class: Option<String>,
    /// Rate in percent (`"10.0000"`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub rate: Option<Decimal>,
    /// Priority.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub priority: Option<Decimal>,
    /// Tax amount at this priority.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub priority_amount: Option<Decimal>,
    /// Tax amount of the line.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub line_amount: Option<Decimal>,
    /// Order product the tax belongs to (with `details=true`).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub order_product_id: Option<String>,
    /// What the line taxes (`item`, `shipping`, `handling`, `gift-wrapping`, with
    /// `details=true`).
    #[serde(default)]
    pub line_item_type: Option<String>,
}

/// A message on an order (`GET /v2/orders/{id}/messages`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderMessage {
    /// Id.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub id: u64,
    /// The order.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub order_id: Option<u64>,
    /// Staff member who wrote it (0 when the customer did).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub staff_id: Option<u64>,
    /// Customer.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub customer_id: Option<u64>,
    /// `admin` or `customer`.
    #[serde(default)]
    pub r#type: Option<String>,
    /// Subject.
    #[serde(default)]
    pub subject: String,
    /// Text.
    #[serde(default)]
    pub message: String,
    /// `read` or `unread`.
    #[serde(default)]
    pub status: Option<String>,
    /// Flagged by staff.
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_flagged: bool,
    /// Creation time (RFC 2822).
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc2822"
    )]
    pub date_created: Option<OffsetDateTime>,
}

/// An item of a consignment: a link to the order product, or the product itself when the
/// consignments were read with `include=consignments.line_items`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ConsignmentLineItem {
    /// `{"url": ..., "resource": "/orders/129/products/12"}`.
    Link {
        /// Absolute URL.
        url: String,
        /// Resource path.
        resource: String,
    },
    /// The order product.
    Product(Box<OrderProduct>),
}

/// The consignments of an order (`GET /v2/orders/{id}/consignments`): how its items are
/// fulfilled.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderConsignments {
    /// Shipping consignments (one per shipping address).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub shipping: Vec<ShippingConsignment>,
    /// Pickup consignments.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub pickups: Vec<PickupConsignment>,
    /// Digital downloads (as sent).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub downloads: Vec<serde_json::Value>,
    /// Gift certificates sent by email (as sent).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub email: serde_json::Value,
}

/// A shipping consignment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ShippingConsignment {
    /// Id (the order address id).
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub id: u64,
    /// The address.
    #[serde(flatten)]
    pub address: Address,
    /// Items.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub line_items: Vec<ConsignmentLineItem>,
    /// Items to ship.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub items_total: u64,
    /// Items shipped.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub items_shipped: u64,
    /// Shipping method name.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub shipping_method: Option<String>,
    /// Shipping cost excluding tax.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cost_ex_tax: Option<Decimal>,
    /// Shipping cost including tax.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cost_inc_tax: Option<Decimal>,
    /// Tax on shipping.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cost_tax: Option<Decimal>,
}

/// A pickup consignment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct PickupConsignment {
    /// Id.
    #[serde(default, deserialize_with = "de::u64_or_zero")]
    pub id: u64,
    /// Pickup method id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub pickup_method_id: Option<u64>,
    /// Pickup method name.
    #[serde(default)]
    pub pickup_method_display_name: Option<String>,
    /// Instructions for the customer.
    #[serde(default)]
    pub collection_instructions: Option<String>,
    /// When to collect.
    #[serde(default)]
    pub collection_time_description: Option<String>,
    /// Where to collect (as sent: id, name, code, address lines, city, state, postal code,
    /// country, email, phone).
    #[serde(default)]
    pub location: serde_json::Value,
    /// Items.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub line_items: Vec<ConsignmentLineItem>,
}
