//! Marketplace orders: the model and the OR11 JSON shape.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::clock::iso;
use super::wire::Money;
use super::{Address, Customer, OrderState};

/// Tracking information set by OR23.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tracking {
    pub carrier_code: Option<String>,
    pub carrier_name: Option<String>,
    pub carrier_standard_code: Option<String>,
    pub carrier_url: Option<String>,
    pub tracking_number: Option<String>,
}

/// A refund recorded by OR28.
#[derive(Debug, Clone)]
pub(crate) struct Refund {
    pub id: String,
    pub amount: Decimal,
    pub shipping_amount: Decimal,
    pub quantity: u32,
    pub reason_code: String,
    pub created: OffsetDateTime,
}

/// A line cancelation made on the operator side (customer care), with the money given back.
#[derive(Debug, Clone)]
pub(crate) struct Cancelation {
    pub id: String,
    pub amount: Decimal,
    pub shipping_amount: Decimal,
    pub quantity: u32,
    pub reason_code: String,
    pub created: OffsetDateTime,
}

/// A document attached to an order (OR72 / OR73).
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub id: u64,
    pub file_name: String,
    pub kind: String,
    pub content: Vec<u8>,
    pub uploaded: OffsetDateTime,
}

/// One order line.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub id: String,
    pub index: u32,
    pub offer_id: u64,
    pub offer_sku: String,
    pub product_sku: String,
    pub product_title: String,
    pub category_code: String,
    pub category_label: String,
    pub quantity: u32,
    pub price_unit: Decimal,
    pub shipping_price: Decimal,
    pub state: OrderState,
    /// Units taken from the offer's quantity at acceptance (given back on cancelation).
    pub reserved: u32,
    pub refunds: Vec<Refund>,
    /// Units cancelled with the whole order (OR29 or the operator).
    pub canceled_quantity: u32,
    /// Line cancelations made on the operator side, each with its amounts.
    pub cancelations: Vec<Cancelation>,
    /// Amount an operator promotion takes off the line (`promotions[].deduced_amount`).
    pub promotion: Decimal,
    /// Operator fees charged on the line (`fees[]`, in `total_price`).
    pub fees: Decimal,
    pub shipped_date: Option<OffsetDateTime>,
    pub debited_date: Option<OffsetDateTime>,
    pub created: OffsetDateTime,
    pub last_updated: OffsetDateTime,
    /// An incident the customer opened on the line (reason code, label): the line reads
    /// `INCIDENT_OPEN` until it is resolved (see `messages.rs`).
    pub incident: Option<(String, String)>,
}

impl Line {
    /// What the customer pays for the units: unit price × quantity less the promotion.
    pub(crate) fn price(&self) -> Decimal {
        self.price_unit * Decimal::from(self.quantity) - self.promotion
    }

    pub(crate) fn refunded_quantity(&self) -> u32 {
        self.refunds.iter().map(|r| r.quantity).sum()
    }

    pub(crate) fn refunded_amount(&self) -> Decimal {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    /// Units cancelled line by line on the operator side.
    pub(crate) fn line_canceled_quantity(&self) -> u32 {
        self.cancelations.iter().map(|c| c.quantity).sum()
    }

    /// Amount cancelled line by line on the operator side.
    pub(crate) fn line_canceled_amount(&self) -> Decimal {
        self.cancelations.iter().map(|c| c.amount).sum()
    }
}

/// One marketplace order (Mirakl's "logistic order", one per shop).
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub id: String,
    pub commercial_id: String,
    pub state: OrderState,
    pub reason: Option<(&'static str, &'static str)>,
    pub created: OffsetDateTime,
    pub last_updated: OffsetDateTime,
    pub acceptance_deadline: OffsetDateTime,
    pub acceptance_decision_date: Option<OffsetDateTime>,
    pub debit_at: Option<OffsetDateTime>,
    pub customer_debited_date: Option<OffsetDateTime>,
    pub shipping_deadline: Option<OffsetDateTime>,
    pub customer: Customer,
    pub lines: Vec<Line>,
    pub currency: String,
    pub shipping_type_code: String,
    pub shipping_type_label: String,
    pub shipping_zone_code: String,
    pub shipping_zone_label: String,
    pub leadtime_to_ship: u32,
    pub tracking: Tracking,
    pub reference_for_seller: Option<String>,
    pub reference_for_customer: Option<String>,
    pub documents: Vec<Document>,
}

/// Order-level tax and commission settings.
pub(crate) struct OrderMoney {
    /// GST/VAT rate in percent; prices include it.
    pub tax_rate: Decimal,
    /// Operator commission in percent of the line price.
    pub commission_rate: Decimal,
}

fn round(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Tax included in `amount` at `rate` percent.
pub(crate) fn included_tax(amount: Decimal, rate: Decimal) -> Decimal {
    if rate.is_zero() {
        return Decimal::ZERO;
    }
    round(amount * rate / (Decimal::ONE_HUNDRED + rate))
}

impl Order {
    pub(crate) fn price(&self) -> Decimal {
        self.lines.iter().map(Line::price).sum()
    }

    pub(crate) fn shipping_price(&self) -> Decimal {
        self.lines.iter().map(|l| l.shipping_price).sum()
    }

    /// Fees over every line.
    pub(crate) fn fees(&self) -> Decimal {
        self.lines.iter().map(|l| l.fees).sum()
    }

    /// Promotions over every line.
    pub(crate) fn promotion(&self) -> Decimal {
        self.lines.iter().map(|l| l.promotion).sum()
    }

    /// Whether the customer's addresses are visible: from SHIPPING on, as on Mirakl.
    pub(crate) fn details_released(&self) -> bool {
        self.customer_debited_date.is_some()
            && !matches!(
                self.state,
                OrderState::Refused | OrderState::WaitingAcceptance
            )
    }

    pub(crate) fn can_cancel(&self) -> bool {
        matches!(self.state, OrderState::WaitingDebit | OrderState::Shipping)
    }

    pub(crate) fn json(&self, settings: &OrderMoney, release_details: bool) -> OrderJson {
        let released = release_details || self.details_released();
        let tax = |amount: Decimal| {
            vec![TaxJson {
                amount: Money(included_tax(amount, settings.tax_rate)),
                code: "GST",
                rate: Money(settings.tax_rate),
            }]
        };
        let lines: Vec<LineJson> = self
            .lines
            .iter()
            .map(|line| {
                let price = line.price();
                let commission = round(price * settings.commission_rate / Decimal::ONE_HUNDRED);
                LineJson {
                    can_refund: matches!(
                        line.state,
                        OrderState::Shipping | OrderState::Shipped | OrderState::Received
                    ) && line.refunded_quantity() < line.quantity,
                    cancelations: line
                        .cancelations
                        .iter()
                        .map(|c| {
                            json!({
                                "amount": Money(c.amount), "created_date": iso(c.created),
                                "id": c.id, "quantity": c.quantity, "reason_code": c.reason_code,
                                "shipping_amount": Money(c.shipping_amount),
                                "shipping_taxes": tax(c.shipping_amount), "taxes": tax(c.amount),
                            })
                        })
                        .chain((line.canceled_quantity > 0).then(
                            || json!({ "quantity": line.canceled_quantity, "reason_code": "34" }),
                        ))
                        .collect(),
                    category_code: line.category_code.clone(),
                    category_label: line.category_label.clone(),
                    commission_fee: Money(commission),
                    commission_rate_vat: Money(Decimal::ZERO),
                    commission_taxes: Vec::new(),
                    commission_vat: Money(Decimal::ZERO),
                    created_date: iso(line.created),
                    debited_date: line.debited_date.map(iso),
                    description: line.product_title.clone(),
                    last_updated_date: iso(line.last_updated),
                    offer_id: line.offer_id,
                    offer_sku: line.offer_sku.clone(),
                    offer_state_code: "11",
                    order_line_additional_fields: Vec::new(),
                    order_line_id: line.id.clone(),
                    order_line_index: line.index,
                    order_line_state: if line.incident.is_some() {
                        "INCIDENT_OPEN".to_owned()
                    } else {
                        line.state.as_str().to_owned()
                    },
                    order_line_state_reason_code: line.incident.as_ref().map(|i| i.0.clone()),
                    order_line_state_reason_label: line.incident.as_ref().map(|i| i.1.clone()),
                    price: Money(price),
                    price_unit: Money(line.price_unit),
                    product_medias: Vec::new(),
                    product_shop_sku: line.offer_sku.clone(),
                    product_sku: line.product_sku.clone(),
                    product_title: line.product_title.clone(),
                    quantity: line.quantity,
                    received_date: None,
                    refunds: line
                        .refunds
                        .iter()
                        .map(|r| RefundJson {
                            amount: Money(r.amount),
                            commission_amount: Money(Decimal::ZERO),
                            commission_tax_amount: Money(Decimal::ZERO),
                            commission_taxes: Vec::new(),
                            commission_total_amount: Money(Decimal::ZERO),
                            created_date: iso(r.created),
                            id: r.id.clone(),
                            order_refund_id: r.id.clone(),
                            quantity: r.quantity,
                            reason_code: r.reason_code.clone(),
                            refund_state: "REFUNDED",
                            shipping_amount: Money(r.shipping_amount),
                            state: "REFUNDED",
                        })
                        .collect(),
                    shipped_date: line.shipped_date.map(iso),
                    shipping_price: Money(line.shipping_price),
                    shipping_taxes: tax(line.shipping_price),
                    taxes: tax(price),
                    total_commission: Money(commission),
                    total_price: Money(price + line.shipping_price + line.fees),
                    fees: if line.fees.is_zero() {
                        Vec::new()
                    } else {
                        vec![json!({ "amount": Money(line.fees), "code": "operator-fee" })]
                    },
                    origin_unit_price: Money(line.price_unit),
                    promotions: if line.promotion.is_zero() {
                        Vec::new()
                    } else {
                        vec![json!({
                            "configuration": { "id": "PROMO-1" },
                            "deduced_amount": Money(line.promotion),
                            "id": "PROMO-1", "quantity": line.quantity,
                        })]
                    },
                }
            })
            .collect();
        let total_commission: Decimal = self
            .lines
            .iter()
            .map(|l| round(l.price() * settings.commission_rate / Decimal::ONE_HUNDRED))
            .sum();
        let address = |a: &Address| a.json();
        OrderJson {
            acceptance_decision_date: self.acceptance_decision_date.map(iso),
            can_cancel: self.can_cancel(),
            can_shop_ship: self.state == OrderState::Shipping,
            channel: None,
            commercial_id: self.commercial_id.clone(),
            created_date: iso(self.created),
            currency_iso_code: self.currency.clone(),
            customer: CustomerJson {
                billing_address: released.then(|| {
                    address(
                        self.customer
                            .billing_address
                            .as_ref()
                            .unwrap_or(&self.customer.shipping_address),
                    )
                }),
                civility: self.customer.civility.clone(),
                customer_id: self.customer.customer_id.clone(),
                firstname: self.customer.firstname.clone(),
                lastname: self.customer.lastname.clone(),
                locale: self.customer.locale.clone(),
                shipping_address: released.then(|| address(&self.customer.shipping_address)),
            },
            customer_debited_date: self.customer_debited_date.map(iso),
            customer_directly_pays_seller: false,
            customer_notification_email: released.then(|| self.customer.notification_email.clone()),
            delivery_date: None,
            fulfillment: json!({ "center": { "code": "DEFAULT" } }),
            fully_refunded: self
                .lines
                .iter()
                .all(|l| l.quantity > 0 && l.refunded_quantity() >= l.quantity),
            has_customer_message: false,
            has_incident: self.lines.iter().any(|l| l.incident.is_some()),
            has_invoice: !self.documents.is_empty(),
            last_updated_date: iso(self.last_updated),
            leadtime_to_ship: self.leadtime_to_ship,
            order_additional_fields: Vec::new(),
            order_id: self.id.clone(),
            order_lines: lines,
            order_state: self.state.as_str().to_owned(),
            order_state_reason_code: self.reason.map(|r| r.0),
            order_state_reason_label: self.reason.map(|r| r.1),
            order_tax_mode: "TAX_INCLUDED",
            order_taxes: Vec::new(),
            payment_type: "CREDIT_CARD",
            payment_type_legacy: "CREDIT_CARD",
            payment_workflow: "PAY_ON_ACCEPTANCE",
            price: Money(self.price()),
            references: json!({
                "order_reference_for_customer": self.reference_for_customer,
                "order_reference_for_seller": self.reference_for_seller,
            }),
            shipping_carrier_code: self.tracking.carrier_code.clone(),
            shipping_carrier_standard_code: self.tracking.carrier_standard_code.clone(),
            shipping_company: self.tracking.carrier_name.clone(),
            shipping_deadline: self.shipping_deadline.map(iso),
            shipping_price: Money(self.shipping_price()),
            shipping_tracking: self.tracking.tracking_number.clone(),
            shipping_tracking_url: self.tracking.carrier_url.clone(),
            shipping_type_code: self.shipping_type_code.clone(),
            shipping_type_label: self.shipping_type_label.clone(),
            shipping_zone_code: self.shipping_zone_code.clone(),
            shipping_zone_label: self.shipping_zone_label.clone(),
            total_commission: Money(total_commission),
            total_price: Money(self.price() + self.shipping_price() + self.fees()),
            promotions: json!({
                "applied_promotions": if self.promotion().is_zero() { Vec::new() } else {
                    vec![json!({ "configuration": { "id": "PROMO-1" }, "deduced_amount": Money(self.promotion()), "id": "PROMO-1" })]
                },
                "total_deduced_amount": Money(self.promotion()),
            }),
        }
    }
}

impl Address {
    fn json(&self) -> Value {
        json!({
            "additional_info": self.additional_info,
            "city": self.city,
            "civility": null,
            "company": self.company,
            "country": self.country,
            "country_iso_code": self.country_iso_code,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "phone": self.phone,
            "state": self.state,
            "street_1": self.street_1,
            "street_2": self.street_2,
            "zip_code": self.zip_code,
        })
    }
}

#[derive(Serialize)]
struct TaxJson {
    amount: Money,
    code: &'static str,
    rate: Money,
}

#[derive(Serialize)]
struct RefundJson {
    amount: Money,
    commission_amount: Money,
    commission_tax_amount: Money,
    commission_taxes: Vec<Value>,
    commission_total_amount: Money,
    created_date: String,
    id: String,
    order_refund_id: String,
    quantity: u32,
    reason_code: String,
    refund_state: &'static str,
    shipping_amount: Money,
    state: &'static str,
}

#[derive(Serialize)]
struct LineJson {
    can_refund: bool,
    cancelations: Vec<Value>,
    category_code: String,
    category_label: String,
    commission_fee: Money,
    commission_rate_vat: Money,
    commission_taxes: Vec<Value>,
    commission_vat: Money,
    created_date: String,
    debited_date: Option<String>,
    description: String,
    last_updated_date: String,
    offer_id: u64,
    offer_sku: String,
    offer_state_code: &'static str,
    order_line_additional_fields: Vec<Value>,
    order_line_id: String,
    order_line_index: u32,
    order_line_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_line_state_reason_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_line_state_reason_label: Option<String>,
    price: Money,
    price_unit: Money,
    product_medias: Vec<Value>,
    product_shop_sku: String,
    product_sku: String,
    product_title: String,
    quantity: u32,
    received_date: Option<String>,
    refunds: Vec<RefundJson>,
    shipped_date: Option<String>,
    shipping_price: Money,
    shipping_taxes: Vec<TaxJson>,
    taxes: Vec<TaxJson>,
    total_commission: Money,
    total_price: Money,
    fees: Vec<Value>,
    origin_unit_price: Money,
    promotions: Vec<Value>,
}

#[derive(Serialize)]
struct CustomerJson {
    billing_address: Option<Value>,
    civility: Option<String>,
    customer_id: String,
    firstname: String,
    lastname: String,
    locale: Option<String>,
    shipping_address: Option<Value>,
}

/// The OR11 `orders[]` shape.
#[derive(Serialize)]
pub(crate) struct OrderJson {
    acceptance_decision_date: Option<String>,
    can_cancel: bool,
    can_shop_ship: bool,
    channel: Option<Value>,
    commercial_id: String,
    created_date: String,
    currency_iso_code: String,
    customer: CustomerJson,
    customer_debited_date: Option<String>,
    customer_directly_pays_seller: bool,
    customer_notification_email: Option<String>,
    delivery_date: Option<Value>,
    fulfillment: Value,
    fully_refunded: bool,
    has_customer_message: bool,
    has_incident: bool,
    has_invoice: bool,
    last_updated_date: String,
    leadtime_to_ship: u32,
    order_additional_fields: Vec<Value>,
    order_id: String,
    order_lines: Vec<LineJson>,
    order_state: String,
    order_state_reason_code: Option<&'static str>,
    order_state_reason_label: Option<&'static str>,
    order_tax_mode: &'static str,
    order_taxes: Vec<Value>,
    #[serde(rename = "paymentType")]
    payment_type_legacy: &'static str,
    payment_type: &'static str,
    payment_workflow: &'static str,
    price: Money,
    references: Value,
    shipping_carrier_code: Option<String>,
    shipping_carrier_standard_code: Option<String>,
    shipping_company: Option<String>,
    shipping_deadline: Option<String>,
    shipping_price: Money,
    shipping_tracking: Option<String>,
    shipping_tracking_url: Option<String>,
    shipping_type_code: String,
    shipping_type_label: String,
    shipping_zone_code: String,
    shipping_zone_label: String,
    total_commission: Money,
    total_price: Money,
    promotions: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_tax_is_rounded_to_cents() {
        // 110.00 including 10 % GST carries 10.00 of tax.
        assert_eq!(
            included_tax(Decimal::new(11000, 2), Decimal::TEN),
            Decimal::new(1000, 2)
        );
        assert_eq!(
            included_tax(Decimal::new(5990, 2), Decimal::TEN),
            Decimal::new(545, 2)
        );
        assert_eq!(
            included_tax(Decimal::new(5990, 2), Decimal::ZERO),
            Decimal::ZERO
        );
    }
}
