//! Orders: OR11 listing, OR21 acceptance, OR23 tracking, OR28 refunds, OR04 updates,
//! OR72/OR73 documents.

use crate::common::{AdditionalFieldValue, ItemError, open_enum};
pub use crate::common::{MiraklOrderId, ShopSku};
use bc_mirakl_api_core::de::{
    null_as_default, opt_string_empty_none, opt_u64_lenient, u64_lenient,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

open_enum! {
    /// State of an order (OR11 `order_state`).
    pub enum OrderState {
        /// Created; operator-side validation or fraud check. Do not fulfil.
        Staging => "STAGING",
        /// The seller must accept or refuse each line (OR21).
        WaitingAcceptance => "WAITING_ACCEPTANCE",
        /// Accepted; the customer is being debited.
        WaitingDebit => "WAITING_DEBIT",
        /// Accepted; waiting for the payment confirmation.
        WaitingDebitPayment => "WAITING_DEBIT_PAYMENT",
        /// Paid: ship it (OR23 then OR24).
        Shipping => "SHIPPING",
        /// Shipped.
        Shipped => "SHIPPED",
        /// Ready for pick-up.
        ToCollect => "TO_COLLECT",
        /// Received by the customer.
        Received => "RECEIVED",
        /// Closed (terminal).
        Closed => "CLOSED",
        /// Refused (terminal).
        Refused => "REFUSED",
        /// Canceled (terminal).
        Canceled => "CANCELED",
        /// Line-level only: an incident is open.
        IncidentOpen => "INCIDENT_OPEN",
        /// Line-level only: fully refunded.
        Refunded => "REFUNDED",
        /// Deprecated: waiting for a refund.
        WaitingRefund => "WAITING_REFUND",
        /// Deprecated: waiting for a refund payment.
        WaitingRefundPayment => "WAITING_REFUND_PAYMENT",
    }
}

impl OrderState {
    /// Whether no further transition is expected (CLOSED, REFUSED, CANCELED).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            OrderState::Closed | OrderState::Refused | OrderState::Canceled
        )
    }
}

/// State of an order line (`order_line_state`): the order states plus `INCIDENT_OPEN` and
/// `REFUNDED`.
pub type OrderLineState = OrderState;

open_enum! {
    /// Whether prices include taxes (`order_tax_mode`).
    pub enum TaxMode {
        /// Prices include taxes.
        TaxIncluded => "TAX_INCLUDED",
        /// Prices exclude taxes.
        TaxExcluded => "TAX_EXCLUDED",
    }
}

open_enum! {
    /// State of a refund (`refund_state`).
    pub enum RefundState {
        /// Waiting for tax confirmation.
        WaitingRefundTaxConfirmation => "WAITING_REFUND_TAX_CONFIRMATION",
        /// Waiting for the refund.
        WaitingRefund => "WAITING_REFUND",
        /// Waiting for the refund payment.
        WaitingRefundPayment => "WAITING_REFUND_PAYMENT",
        /// Refunded.
        Refunded => "REFUNDED",
    }
}

/// Response of OR11: one offset page of orders.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderList {
    /// The orders.
    #[serde(default, deserialize_with = "null_as_default")]
    pub orders: Vec<Order>,
    /// Total number of orders matching the filters.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub total_count: u64,
}

pub(crate) fn u64_lenient_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(opt_u64_lenient(d)?.unwrap_or(0))
}

/// A Mirakl order (OR11 `orders[]`). Only the order id, state and dates are required;
/// everything else is optional because operators omit or null fields the docs call required.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Order {
    /// The seller's order id, e.g. `ABC123-A`.
    pub order_id: MiraklOrderId,
    /// The customer's basket id, shared across sellers.
    #[serde(default)]
    pub commercial_id: Option<String>,
    /// Order state.
    pub order_state: OrderState,
    /// Reason code of the state, if any.
    #[serde(default)]
    pub order_state_reason_code: Option<String>,
    /// Reason label of the state, if any.
    #[serde(default)]
    pub order_state_reason_label: Option<String>,
    /// Creation date.
    #[serde(with = "crate::datetime::required")]
    pub created_date: OffsetDateTime,
    /// Last update date (use it as the polling watermark).
    #[serde(with = "crate::datetime::required")]
    pub last_updated_date: OffsetDateTime,
    /// When the seller (or the platform) accepted or refused; null when automatic.
    #[serde(default, with = "crate::datetime::optional")]
    pub acceptance_decision_date: Option<OffsetDateTime>,
    /// When the customer was debited.
    #[serde(default, with = "crate::datetime::optional")]
    pub customer_debited_date: Option<OffsetDateTime>,
    /// Shipping deadline.
    #[serde(default, with = "crate::datetime::optional")]
    pub shipping_deadline: Option<OffsetDateTime>,
    /// Transaction date.
    #[serde(default, with = "crate::datetime::optional")]
    pub transaction_date: Option<OffsetDateTime>,
    /// Transaction number.
    #[serde(default)]
    pub transaction_number: Option<String>,
    /// ISO 4217 currency.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Price of the lines, without shipping.
    #[serde(default)]
    pub price: Option<Decimal>,
    /// Shipping price.
    #[serde(default)]
    pub shipping_price: Option<Decimal>,
    /// Total price (lines + shipping).
    #[serde(default)]
    pub total_price: Option<Decimal>,
    /// Total commission.
    #[serde(default)]
    pub total_commission: Option<Decimal>,
    /// Order-level taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub order_taxes: Vec<OrderTax>,
    /// Tax mode.
    #[serde(default)]
    pub order_tax_mode: Option<TaxMode>,
    /// The customer (details may be hidden before acceptance).
    #[serde(default)]
    pub customer: Option<Customer>,
    /// Anonymised notification e-mail of the customer.
    #[serde(default)]
    pub customer_notification_email: Option<String>,
    /// The lines.
    #[serde(default, deserialize_with = "null_as_default")]
    pub order_lines: Vec<OrderLine>,
    /// Shipping type code.
    #[serde(default)]
    pub shipping_type_code: Option<String>,
    /// Shipping type label.
    #[serde(default)]
    pub shipping_type_label: Option<String>,
    /// Shipping zone code.
    #[serde(default)]
    pub shipping_zone_code: Option<String>,
    /// Shipping zone label.
    #[serde(default)]
    pub shipping_zone_label: Option<String>,
    /// Carrier code (SH21), once tracking is set.
    #[serde(default)]
    pub shipping_carrier_code: Option<String>,
    /// Carrier standard code.
    #[serde(default)]
    pub shipping_carrier_standard_code: Option<String>,
    /// Carrier name.
    #[serde(default)]
    pub shipping_company: Option<String>,
    /// Tracking number.
    #[serde(default)]
    pub shipping_tracking: Option<String>,
    /// Tracking URL.
    #[serde(default)]
    pub shipping_tracking_url: Option<String>,
    /// Pick-up point id.
    #[serde(default)]
    pub shipping_pudo_id: Option<String>,
    /// Days the seller has to ship.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub leadtime_to_ship: Option<u64>,
    /// Expected delivery window.
    #[serde(default)]
    pub delivery_date: Option<DeliveryDate>,
    /// Payment type.
    #[serde(default)]
    pub payment_type: Option<String>,
    /// Payment workflow, e.g. `PAY_ON_ACCEPTANCE`.
    #[serde(default)]
    pub payment_workflow: Option<String>,
    /// Whether the seller can cancel (OR29).
    #[serde(default, deserialize_with = "null_as_default")]
    pub can_cancel: bool,
    /// Whether the seller can ship (OR24).
    #[serde(default, deserialize_with = "null_as_default")]
    pub can_shop_ship: bool,
    /// Whether an incident is open.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_incident: bool,
    /// Whether the order is fully refunded.
    #[serde(default, deserialize_with = "null_as_default")]
    pub fully_refunded: bool,
    /// Whether the customer sent a message.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_customer_message: bool,
    /// Whether an invoice is attached.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_invoice: bool,
    /// References set by the customer and the seller (OR04).
    #[serde(default)]
    pub references: Option<OrderReferences>,
    /// Sales channel.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Custom fields of the order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub order_additional_fields: Vec<AdditionalFieldValue>,
    /// Fulfillment block, kept as JSON.
    #[serde(default)]
    pub fulfillment: Option<serde_json::Value>,
    /// Promotions block, kept as JSON.
    #[serde(default)]
    pub promotions: Option<serde_json::Value>,
}

/// A tax total on an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderTax {
    /// Tax code.
    pub code: String,
    /// Rate in percent.
    #[serde(default)]
    pub rate: Option<Decimal>,
    /// Total amount.
    #[serde(default)]
    pub total_amount: Option<Decimal>,
}

/// A tax amount on a line, a refund or a cancelation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaxAmount {
    /// Tax code.
    pub code: String,
    /// Amount.
    #[serde(default)]
    pub amount: Option<Decimal>,
    /// Rate in percent.
    #[serde(default)]
    pub rate: Option<Decimal>,
}

/// Expected delivery window.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeliveryDate {
    /// Earliest date.
    #[serde(default, with = "crate::datetime::optional")]
    pub earliest: Option<OffsetDateTime>,
    /// Latest date.
    #[serde(default, with = "crate::datetime::optional")]
    pub latest: Option<OffsetDateTime>,
}

/// References of an order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderReferences {
    /// The customer's reference.
    #[serde(default)]
    pub order_reference_for_customer: Option<String>,
    /// The seller's reference (e.g. the BigCommerce order id).
    #[serde(default)]
    pub order_reference_for_seller: Option<String>,
}

/// A sales channel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Channel {
    /// Channel code.
    pub code: String,
    /// Channel label.
    #[serde(default)]
    pub label: Option<String>,
}

/// The customer of an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Customer {
    /// Customer id.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// First name.
    #[serde(default)]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default)]
    pub lastname: Option<String>,
    /// Civility.
    #[serde(default)]
    pub civility: Option<String>,
    /// Locale, e.g. `en_US`.
    #[serde(default)]
    pub locale: Option<String>,
    /// Billing address (may be hidden before acceptance).
    #[serde(default)]
    pub billing_address: Option<Address>,
    /// Shipping address (may be hidden before acceptance).
    #[serde(default)]
    pub shipping_address: Option<Address>,
    /// Organization block (B2B), kept as JSON.
    #[serde(default)]
    pub organization: Option<serde_json::Value>,
}

/// A postal address. `country_iso_code` (ISO 3166-1 alpha-3) may be null and `country` is
/// free text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Address {
    /// Civility.
    #[serde(default)]
    pub civility: Option<String>,
    /// First name.
    #[serde(default)]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default)]
    pub lastname: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Second company line.
    #[serde(default)]
    pub company_2: Option<String>,
    /// Street, line 1.
    #[serde(default)]
    pub street_1: Option<String>,
    /// Street, line 2.
    #[serde(default)]
    pub street_2: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub zip_code: Option<String>,
    /// State or region.
    #[serde(default)]
    pub state: Option<String>,
    /// Country as free text.
    #[serde(default)]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-3 country code (null or empty becomes `None`).
    #[serde(default, deserialize_with = "opt_string_empty_none")]
    pub country_iso_code: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Second phone.
    #[serde(default)]
    pub phone_secondary: Option<String>,
    /// Delivery instructions.
    #[serde(default)]
    pub additional_info: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderLine {
    /// Line id, e.g. `ABC123-A-1`.
    pub order_line_id: String,
    /// Position of the line.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub order_line_index: Option<u64>,
    /// Line state.
    pub order_line_state: OrderLineState,
    /// Reason code of the line state.
    #[serde(default)]
    pub order_line_state_reason_code: Option<String>,
    /// Reason label of the line state.
    #[serde(default)]
    pub order_line_state_reason_label: Option<String>,
    /// Mirakl offer id.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub offer_id: Option<u64>,
    /// The seller's SKU of the offer: match lines on this, not on `product_sku`.
    pub offer_sku: ShopSku,
    /// Offer condition code.
    #[serde(default)]
    pub offer_state_code: Option<String>,
    /// Mirakl product SKU.
    #[serde(default)]
    pub product_sku: Option<String>,
    /// The seller's product SKU.
    #[serde(default)]
    pub product_shop_sku: Option<String>,
    /// Product title.
    #[serde(default)]
    pub product_title: Option<String>,
    /// Category code.
    #[serde(default)]
    pub category_code: Option<String>,
    /// Category label.
    #[serde(default)]
    pub category_label: Option<String>,
    /// Quantity ordered (accepted as a number or a string).
    #[serde(deserialize_with = "u64_lenient")]
    pub quantity: u64,
    /// Unit price.
    #[serde(default)]
    pub price_unit: Option<Decimal>,
    /// Unit price before discount.
    #[serde(default)]
    pub origin_unit_price: Option<Decimal>,
    /// Line price (unit price × quantity).
    #[serde(default)]
    pub price: Option<Decimal>,
    /// Shipping price of the line.
    #[serde(default)]
    pub shipping_price: Option<Decimal>,
    /// Total price of the line.
    #[serde(default)]
    pub total_price: Option<Decimal>,
    /// Commission fee.
    #[serde(default)]
    pub commission_fee: Option<Decimal>,
    /// Total commission.
    #[serde(default)]
    pub total_commission: Option<Decimal>,
    /// Taxes on the price.
    #[serde(default, deserialize_with = "null_as_default")]
    pub taxes: Vec<TaxAmount>,
    /// Taxes on shipping.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shipping_taxes: Vec<TaxAmount>,
    /// Refunds of the line.
    #[serde(default, deserialize_with = "null_as_default")]
    pub refunds: Vec<Refund>,
    /// Cancelations of the line.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cancelations: Vec<Cancelation>,
    /// Whether a refund is possible.
    #[serde(default)]
    pub can_refund: Option<bool>,
    /// Custom fields of the line.
    #[serde(default, deserialize_with = "null_as_default")]
    pub order_line_additional_fields: Vec<AdditionalFieldValue>,
    /// Product images.
    #[serde(default, deserialize_with = "null_as_default")]
    pub product_medias: Vec<ProductMedia>,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub created_date: Option<OffsetDateTime>,
    /// Last update date.
    #[serde(default, with = "crate::datetime::optional")]
    pub last_updated_date: Option<OffsetDateTime>,
    /// Debit date.
    #[serde(default, with = "crate::datetime::optional")]
    pub debited_date: Option<OffsetDateTime>,
    /// Ship date.
    #[serde(default, with = "crate::datetime::optional")]
    pub shipped_date: Option<OffsetDateTime>,
    /// Receipt date.
    #[serde(default, with = "crate::datetime::optional")]
    pub received_date: Option<OffsetDateTime>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A product image of an order line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductMedia {
    /// URL (often relative to the instance).
    #[serde(default)]
    pub media_url: Option<String>,
    /// MIME type label.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Size class, e.g. `MEDIUM`.
    #[serde(rename = "type", default)]
    pub media_type: Option<String>,
}

/// A refund of an order line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Refund {
    /// Refund id.
    #[serde(default)]
    pub id: Option<String>,
    /// Order refund id.
    #[serde(default)]
    pub order_refund_id: Option<String>,
    /// Amount.
    #[serde(default)]
    pub amount: Option<Decimal>,
    /// Shipping amount.
    #[serde(default)]
    pub shipping_amount: Option<Decimal>,
    /// Quantity refunded.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub quantity: Option<u64>,
    /// Reason code (RE01).
    #[serde(default)]
    pub reason_code: Option<String>,
    /// Refund state.
    #[serde(default)]
    pub refund_state: Option<RefundState>,
    /// Deprecated state field.
    #[serde(default)]
    pub state: Option<String>,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub created_date: Option<OffsetDateTime>,
    /// Taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub taxes: Vec<TaxAmount>,
    /// Shipping taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shipping_taxes: Vec<TaxAmount>,
}

/// A cancelation of an order line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cancelation {
    /// Cancelation id.
    #[serde(default)]
    pub id: Option<String>,
    /// Amount.
    #[serde(default)]
    pub amount: Option<Decimal>,
    /// Shipping amount.
    #[serde(default)]
    pub shipping_amount: Option<Decimal>,
    /// Quantity canceled.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub quantity: Option<u64>,
    /// Reason code.
    #[serde(default)]
    pub reason_code: Option<String>,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub created_date: Option<OffsetDateTime>,
    /// Taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub taxes: Vec<TaxAmount>,
    /// Shipping taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shipping_taxes: Vec<TaxAmount>,
}

/// OR21 request body: the decision for every line of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptRequest {
    /// One decision per line; every line of the order must be listed.
    pub order_lines: Vec<OrderLineAcceptance>,
}

/// Accept or refuse one order line (OR21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineAcceptance {
    /// The order line id.
    pub id: String,
    /// `true` to accept, `false` to refuse.
    pub accepted: bool,
}

impl OrderLineAcceptance {
    /// Accepts line `id`.
    pub fn accept(id: impl Into<String>) -> Self {
        OrderLineAcceptance {
            id: id.into(),
            accepted: true,
        }
    }
    /// Refuses line `id`.
    pub fn refuse(id: impl Into<String>) -> Self {
        OrderLineAcceptance {
            id: id.into(),
            accepted: false,
        }
    }
}

/// OR23 request body: carrier and tracking. Send `carrier_code` for a carrier registered on
/// the operator (SH21), else `carrier_name` and `carrier_url`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// Carrier code from SH21.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_code: Option<String>,
    /// Carrier name (unregistered carrier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_name: Option<String>,
    /// Carrier standard code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_standard_code: Option<String>,
    /// Tracking URL (unregistered carrier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_url: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
}

/// OR28 request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Tax mode of the amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_tax_mode: Option<TaxMode>,
    /// The refunds.
    pub refunds: Vec<RefundLine>,
}

/// One refund to create (OR28). Send `taxes` and `shipping_taxes` when the order has taxes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundLine {
    /// Order line to refund.
    pub order_line_id: String,
    /// Amount to refund (of the product part; `0` for a shipping-only refund). Follows the
    /// order's tax mode: without tax on `TAX_EXCLUDED` orders, with `taxes` beside it.
    #[serde(serialize_with = "crate::money::number")]
    pub amount: Decimal,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_iso_code: Option<String>,
    /// Quantity to refund.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub quantity: Option<u64>,
    /// Reason code (RE01).
    pub reason_code: String,
    /// Shipping amount to refund: required by OR28 on every line, `0` when no shipping is
    /// refunded. Send `shipping_taxes` with it when the order has shipping taxes.
    #[serde(serialize_with = "crate::money::number")]
    pub shipping_amount: Decimal,
    /// Tax amounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxes: Vec<TaxInput>,
    /// Shipping tax amounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_taxes: Vec<TaxInput>,
    /// Fees.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<TaxInput>,
    /// Whether the refund is excluded from the shipment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_from_shipment: Option<bool>,
    /// Tax legal notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_legal_notice: Option<String>,
}

impl RefundLine {
    /// A refund of `amount` (product part) and `shipping_amount` on one line, with no
    /// taxes, fees or currency; add those before sending when the order has them.
    pub fn new(
        order_line_id: impl Into<String>,
        amount: Decimal,
        shipping_amount: Decimal,
        reason_code: impl Into<String>,
    ) -> Self {
        RefundLine {
            order_line_id: order_line_id.into(),
            amount,
            currency_iso_code: None,
            quantity: None,
            reason_code: reason_code.into(),
            shipping_amount,
            taxes: Vec::new(),
            shipping_taxes: Vec::new(),
            fees: Vec::new(),
            excluded_from_shipment: None,
            tax_legal_notice: None,
        }
    }
}

/// A `{code, amount}` pair in a request (taxes, fees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxInput {
    /// Code.
    pub code: String,
    /// Amount.
    #[serde(serialize_with = "crate::money::number")]
    pub amount: Decimal,
}

/// OR28 response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RefundResponse {
    /// Tax mode.
    #[serde(default)]
    pub order_tax_mode: Option<TaxMode>,
    /// The created refunds.
    #[serde(default, deserialize_with = "null_as_default")]
    pub refunds: Vec<RefundCreated>,
}

/// A refund created by OR28.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RefundCreated {
    /// The order line.
    pub order_line_id: String,
    /// Refund id.
    #[serde(default)]
    pub refund_id: Option<String>,
    /// Order refund id.
    #[serde(default)]
    pub order_refund_id: Option<String>,
    /// Amount.
    #[serde(default)]
    pub amount: Option<Decimal>,
    /// Shipping amount.
    #[serde(default)]
    pub shipping_amount: Option<Decimal>,
    /// Quantity.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub quantity: Option<u64>,
    /// Reason code.
    #[serde(default)]
    pub reason_code: Option<String>,
    /// Currency.
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    /// Taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub taxes: Vec<TaxAmount>,
    /// Shipping taxes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shipping_taxes: Vec<TaxAmount>,
}

/// OR04 request body: up to 100 order updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderUpdateRequest {
    /// The updates.
    pub orders: Vec<OrderUpdate>,
}

/// One order update (OR04).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderUpdate {
    /// The order.
    pub order_id: MiraklOrderId,
    /// New references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<ReferencesUpdate>,
    /// Line updates (eco-contributions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_lines: Vec<OrderLineUpdate>,
}

/// New references of an order (OR04).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferencesUpdate {
    /// The seller's reference.
    pub order_reference_for_seller: String,
}

/// Line update in OR04.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLineUpdate {
    /// The order line.
    pub order_line_id: String,
    /// Eco-contributions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eco_contributions: Vec<EcoContribution>,
}

/// An eco-contribution (EPR) of a line or an offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EcoContribution {
    /// EPR category code.
    pub epr_category_code: String,
    /// Producer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer_id: Option<String>,
    /// Unit amount (OR04).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub unit_amount: Option<Decimal>,
    /// Amount (OF24).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::money::option"
    )]
    pub eco_contribution_amount: Option<Decimal>,
}

/// OR04 response: one entry per order, with its per-item errors.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderUpdateResponse {
    /// The orders.
    #[serde(default, deserialize_with = "null_as_default")]
    pub updated_orders: Vec<UpdatedOrder>,
}

/// Result of one OR04 update. A non-empty `errors` means this order was not (fully)
/// updated although the call answered 200.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpdatedOrder {
    /// The order.
    pub order_id: MiraklOrderId,
    /// Per-item errors.
    #[serde(default, deserialize_with = "null_as_default")]
    pub errors: Vec<ItemError>,
    /// What was updated, kept as JSON.
    #[serde(default)]
    pub updated: Option<serde_json::Value>,
}

impl OrderUpdateResponse {
    /// The orders that came back with errors.
    pub fn failures(&self) -> impl Iterator<Item = &UpdatedOrder> {
        self.updated_orders.iter().filter(|o| !o.errors.is_empty())
    }
}

/// OR72 response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderDocumentList {
    /// The documents.
    #[serde(default, deserialize_with = "null_as_default")]
    pub order_documents: Vec<OrderDocument>,
    /// Count.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub total_count: Option<u64>,
}

/// A document attached to an order (OR72).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderDocument {
    /// Document id.
    #[serde(deserialize_with = "u64_lenient")]
    pub id: u64,
    /// The order.
    pub order_id: MiraklOrderId,
    /// File name.
    #[serde(default)]
    pub file_name: Option<String>,
    /// Size in bytes.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub file_size: Option<u64>,
    /// Document type code, e.g. `CUSTOMER_INVOICE`.
    #[serde(rename = "type", default)]
    pub document_type: Option<String>,
    /// Upload date.
    #[serde(default, with = "crate::datetime::optional")]
    pub date_uploaded: Option<OffsetDateTime>,
}
