//! What the operator's back office does to orders on its own, outside the shop API: customer
//! care cancels an order or some of its units, the returns team refunds lines (product and
//! shipping), and the platform settings PC01 reports change. The shop sees the effects through
//! OR11 (`refunds[]`, `cancelations[]`, states) and PC01, as it would on Mirakl. The test
//! handle is [`MiraklBackOffice`], from [`super::MiraklSandbox::back_office`].

use std::sync::Arc;

use rust_decimal::Decimal;
use time::OffsetDateTime;

use super::orders::{Cancelation, Refund};
use super::state::State;
use super::{OrderState, SandboxError, Shared};

/// Money given back on one order line by the back office (a refund or a cancelation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyBack {
    /// The order line (`{order id}-{n}`).
    pub order_line_id: String,
    /// Units given back (0: an amount only).
    pub quantity: u32,
    /// Product part, tax included (the sandbox's orders are `TAX_INCLUDED`).
    pub amount: Decimal,
    /// Shipping part, tax included.
    pub shipping_amount: Decimal,
    /// Mirakl reason code (e.g. `"34"`).
    pub reason_code: String,
}

/// The operator's back office over a running sandbox: cheap to clone, usable from request
/// hooks (every call takes the state lock briefly).
#[derive(Clone)]
pub struct MiraklBackOffice {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for MiraklBackOffice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiraklBackOffice").finish_non_exhaustive()
    }
}

impl MiraklBackOffice {
    /// Turns partial acceptance on or off (PC01 `features.order_workflows.partial_acceptance`;
    /// with it off, OR21 answers 400 `ORDER_PARTIAL_ACCEPTANCE_DISABLED` to a mixed decision).
    pub fn set_partial_acceptance(&self, on: bool) {
        let (mut state, _) = self.shared.lock();
        state.config.partial_acceptance = on;
    }

    /// Turns multi-shipment on or off (PC01 `features.shipment.multi_shipment`).
    pub fn set_multi_shipment(&self, on: bool) {
        let (mut state, _) = self.shared.lock();
        state.config.multi_shipment = on;
    }

    /// Replaces the operator's reason list (RE01).
    pub fn set_reasons(&self, reasons: Vec<super::Reason>) {
        let (mut state, _) = self.shared.lock();
        state.config.reasons = reasons;
    }

    /// Moves an order's shipping deadline to `at` (a test device for "the deadline passed
    /// while the seller did not ship"); the order counts as updated now, so the shop's next
    /// OR11 sees it.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`]; [`SandboxError::InvalidState`] when the order is not
    /// `SHIPPING`.
    pub fn set_shipping_deadline(
        &self,
        order_id: &str,
        at: OffsetDateTime,
    ) -> Result<(), SandboxError> {
        let (mut state, now) = self.shared.lock();
        let order = state
            .orders
            .get_mut(order_id)
            .ok_or_else(|| SandboxError::UnknownOrder(order_id.to_owned()))?;
        if order.state != OrderState::Shipping {
            return Err(SandboxError::InvalidState {
                order_id: order_id.to_owned(),
                state: order.state.as_str().to_owned(),
            });
        }
        order.shipping_deadline = Some(at);
        order.last_updated = now;
        Ok(())
    }

    /// Customer care cancels a whole order (`WAITING_DEBIT` or `SHIPPING`): every open line is
    /// cancelled, the units go back to the offers, the order is `CANCELED` with reason
    /// `OPERATOR_CANCELED`.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`], or [`SandboxError::InvalidState`] when the order cannot
    /// be cancelled.
    pub fn cancel_order(&self, order_id: &str) -> Result<(), SandboxError> {
        let (mut state, now) = self.shared.lock();
        let current = state
            .orders
            .get(order_id)
            .map(|o| o.state)
            .ok_or_else(|| SandboxError::UnknownOrder(order_id.to_owned()))?;
        state
            .cancel(order_id, now)
            .map_err(|_| SandboxError::InvalidState {
                order_id: order_id.to_owned(),
                state: current.as_str().to_owned(),
            })?;
        if let Some(o) = state.orders.get_mut(order_id) {
            o.reason = Some(("OPERATOR_CANCELED", "Canceled by the operator"));
        }
        Ok(())
    }

    /// Accepts (or refuses) every line of an order as the shop's own OR21 would, e.g. an
    /// earlier OR21 whose answer was lost.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`], or [`SandboxError::InvalidState`] when the order is
    /// not waiting for acceptance.
    pub fn decide_order(&self, order_id: &str, accept: bool) -> Result<(), SandboxError> {
        let (mut state, now) = self.shared.lock();
        let order = state
            .orders
            .get(order_id)
            .ok_or_else(|| SandboxError::UnknownOrder(order_id.to_owned()))?;
        let current = order.state;
        let decisions: Vec<(String, bool)> =
            order.lines.iter().map(|l| (l.id.clone(), accept)).collect();
        state
            .accept(order_id, &decisions, now)
            .map_err(|_| SandboxError::InvalidState {
                order_id: order_id.to_owned(),
                state: current.as_str().to_owned(),
            })
    }

    /// Applies an operator promotion and fees to a line not accepted yet (as the operator's
    /// checkout priced it): `promotions[].deduced_amount` comes off the line price, `fees[]`
    /// are added to the line's `total_price`.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`] for an unknown line; [`SandboxError::InvalidOrder`] when
    /// the promotion exceeds the line price.
    pub fn price_line(
        &self,
        order_line_id: &str,
        promotion: Decimal,
        fees: Decimal,
    ) -> Result<(), SandboxError> {
        let (mut state, now) = self.shared.lock();
        let (order, idx) = state.back_office_line(order_line_id)?;
        let line = &mut order.lines[idx];
        if promotion.is_sign_negative()
            || fees.is_sign_negative()
            || promotion > line.price_unit * Decimal::from(line.quantity)
        {
            return Err(SandboxError::InvalidOrder(format!(
                "promotion {promotion} / fees {fees} do not fit line {order_line_id}"
            )));
        }
        line.promotion = promotion;
        line.fees = fees;
        line.last_updated = now;
        order.last_updated = now;
        Ok(())
    }

    /// The returns team or customer care refunds part of a line (`SHIPPING`, `SHIPPED` or
    /// `RECEIVED`): recorded as a `REFUNDED` refund on the line, as OR28 records the shop's.
    /// Returns the refund id.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`] for an unknown line; [`SandboxError::InvalidOrder`] when
    /// the refund exceeds what the line has left.
    pub fn refund(&self, back: &MoneyBack) -> Result<String, SandboxError> {
        let (mut state, now) = self.shared.lock();
        state.back_office_refund(back, now)
    }

    /// Customer care cancels units of a line before they ship (`SHIPPING`): recorded in the
    /// line's `cancelations[]` with the amounts given back; the units go back to the offer.
    /// Returns the cancelation id.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`] for an unknown line; [`SandboxError::InvalidOrder`] when
    /// more is cancelled than the line has left; [`SandboxError::InvalidState`] when the line
    /// is not `SHIPPING`.
    pub fn cancel_units(&self, back: &MoneyBack) -> Result<String, SandboxError> {
        let (mut state, now) = self.shared.lock();
        state.back_office_cancel_units(back, now)
    }

    /// The operator accepts an order for the shop (automatic acceptance, as operators such
    /// as Westfield do when the published stock allows): every line accepted, the order goes
    /// to `WAITING_DEBIT` without the shop's OR21.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`], or [`SandboxError::InvalidOrder`] when the order is not
    /// waiting for acceptance.
    pub fn auto_accept(&self, order_id: &str) -> Result<(), SandboxError> {
        let (mut state, now) = self.shared.lock();
        let lines: Vec<(String, bool)> = state
            .orders
            .get(order_id)
            .ok_or_else(|| SandboxError::UnknownOrder(order_id.to_owned()))?
            .lines
            .iter()
            .map(|l| (l.id.clone(), true))
            .collect();
        state
            .accept(order_id, &lines, now)
            .map_err(|e| SandboxError::InvalidOrder(e.message))
    }
}

impl State {
    fn back_office_line(
        &mut self,
        line_id: &str,
    ) -> Result<(&mut super::orders::Order, usize), SandboxError> {
        let order_id = line_id
            .rsplit_once('-')
            .map(|(o, _)| o.to_owned())
            .ok_or_else(|| SandboxError::UnknownOrder(line_id.to_owned()))?;
        let order = self
            .orders
            .get_mut(&order_id)
            .ok_or_else(|| SandboxError::UnknownOrder(order_id.clone()))?;
        let idx = order
            .lines
            .iter()
            .position(|l| l.id == line_id)
            .ok_or_else(|| SandboxError::UnknownOrder(line_id.to_owned()))?;
        Ok((order, idx))
    }

    pub(crate) fn back_office_refund(
        &mut self,
        back: &MoneyBack,
        now: OffsetDateTime,
    ) -> Result<String, SandboxError> {
        self.refund_seq += 1;
        let id = self.refund_seq.to_string();
        let (order, idx) = self.back_office_line(&back.order_line_id)?;
        let line = &mut order.lines[idx];
        if !matches!(
            line.state,
            OrderState::Shipping | OrderState::Shipped | OrderState::Received
        ) {
            return Err(SandboxError::InvalidState {
                order_id: order.id.clone(),
                state: line.state.as_str().to_owned(),
            });
        }
        if line.refunded_quantity() + back.quantity > line.quantity
            || line.refunded_amount() + back.amount > line.price()
            || back.shipping_amount > line.shipping_price
        {
            return Err(SandboxError::InvalidOrder(format!(
                "the refund exceeds what line {} has left",
                line.id
            )));
        }
        line.refunds.push(Refund {
            id: id.clone(),
            amount: back.amount,
            shipping_amount: back.shipping_amount,
            quantity: back.quantity,
            reason_code: back.reason_code.clone(),
            created: now,
        });
        line.last_updated = now;
        if line.refunded_quantity() >= line.quantity || line.refunded_amount() >= line.price() {
            line.state = OrderState::Refunded;
        }
        order.last_updated = now;
        Ok(id)
    }

    pub(crate) fn back_office_cancel_units(
        &mut self,
        back: &MoneyBack,
        now: OffsetDateTime,
    ) -> Result<String, SandboxError> {
        self.refund_seq += 1;
        let id = format!("C{}", self.refund_seq);
        let (order, idx) = self.back_office_line(&back.order_line_id)?;
        let line = &mut order.lines[idx];
        if line.state != OrderState::Shipping {
            return Err(SandboxError::InvalidState {
                order_id: order.id.clone(),
                state: line.state.as_str().to_owned(),
            });
        }
        if line.line_canceled_quantity() + back.quantity > line.quantity
            || line.line_canceled_amount() + back.amount > line.price()
        {
            return Err(SandboxError::InvalidOrder(format!(
                "the cancelation exceeds what line {} has left",
                line.id
            )));
        }
        line.cancelations.push(Cancelation {
            id: id.clone(),
            amount: back.amount,
            shipping_amount: back.shipping_amount,
            quantity: back.quantity,
            reason_code: back.reason_code.clone(),
            created: now,
        });
        line.last_updated = now;
        let give_back = back.quantity.min(line.reserved);
        line.reserved -= give_back;
        if line.line_canceled_quantity() >= line.quantity {
            line.state = OrderState::Canceled;
        }
        let sku = line.offer_sku.clone();
        order.last_updated = now;
        if let Some(offer) = self.offers.get_mut(&sku) {
            offer.quantity = offer.quantity.saturating_add(give_back);
            offer.last_updated = now;
        }
        Ok(id)
    }
}

impl State {
    /// OR30 (`PUT /api/orders/cancel`): the shop cancels units of order lines, each with the
    /// amounts given back (required: `amount`, `order_line_id`, `quantity`, `reason_code`,
    /// `shipping_amount`, per the seller OpenAPI). Every cancelation is checked before any is
    /// applied; the lines must be `SHIPPING` (or `WAITING_DEBIT`) and have the units left.
    pub(crate) fn cancel_lines(
        &mut self,
        cancelations: &[serde_json::Value],
        now: OffsetDateTime,
    ) -> Result<Vec<serde_json::Value>, super::state::ApiError> {
        use super::state::ApiError;
        use serde_json::Value;
        let mut planned: Vec<MoneyBack> = Vec::new();
        for c in cancelations {
            let field = |key: &str| {
                ApiError::bad_request(format!("Error with field {key}. The field is required."))
            };
            let line_id = c
                .get("order_line_id")
                .and_then(Value::as_str)
                .ok_or_else(|| field("order_line_id"))?;
            let decimal = |key: &str| -> Result<Decimal, ApiError> {
                match c.get(key) {
                    Some(Value::Number(n)) => n.to_string().parse().ok(),
                    Some(Value::String(s)) => s.parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| field(key))
            };
            let amount = decimal("amount")?;
            let shipping_amount = decimal("shipping_amount")?;
            let quantity = c
                .get("quantity")
                .and_then(Value::as_u64)
                .and_then(|q| u32::try_from(q).ok())
                .ok_or_else(|| field("quantity"))?;
            let reason_code = c
                .get("reason_code")
                .and_then(Value::as_str)
                .filter(|r| !r.is_empty())
                .ok_or_else(|| field("reason_code"))?;
            let order_id = line_id.rsplit_once('-').map(|(o, _)| o).unwrap_or_default();
            let line = self
                .orders
                .get(order_id)
                .and_then(|o| o.lines.iter().find(|l| l.id == line_id))
                .ok_or_else(|| {
                    ApiError::not_found(format!("The order line {line_id} does not exist"))
                })?;
            if !matches!(line.state, OrderState::Shipping | OrderState::WaitingDebit) {
                return Err(ApiError::bad_request(format!(
                    "The order line {line_id} is in state {} and cannot be canceled",
                    line.state.as_str()
                )));
            }
            let earlier: u32 = planned
                .iter()
                .filter(|p| p.order_line_id == line_id)
                .map(|p| p.quantity)
                .sum();
            if quantity == 0
                || line.line_canceled_quantity() + earlier + quantity > line.quantity
                || amount.is_sign_negative()
                || line.line_canceled_amount() + amount > line.price()
            {
                return Err(ApiError::bad_request(format!(
                    "The cancelation exceeds what the order line {line_id} has left"
                )));
            }
            planned.push(MoneyBack {
                order_line_id: line_id.to_owned(),
                quantity,
                amount,
                shipping_amount,
                reason_code: reason_code.to_owned(),
            });
        }
        let mut answered = Vec::new();
        for back in planned {
            let id = self
                .back_office_cancel_units(&back, now)
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
            answered.push(serde_json::json!({
                "amount": back.amount.to_string(),
                "cancelation_id": id,
                "order_line_id": back.order_line_id,
                "quantity": back.quantity,
                "reason_code": back.reason_code,
                "shipping_amount": back.shipping_amount.to_string(),
            }));
        }
        Ok(answered)
    }
}
