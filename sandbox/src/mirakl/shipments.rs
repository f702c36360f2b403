//! Shipments (multi-shipment platforms, PC01 `features.shipment.multi_shipment`): ST01 creates
//! them with order-line ids and quantities, ST11 lists them (seek paging), ST23 updates their
//! tracking and ST24 ships them. A shipped shipment ships its units on the order lines; a line
//! is `SHIPPED` once all its live units are shipped, the order once every live line is.
//!
//! Rules from the seller OpenAPI (`../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`,
//! ST01/ST11/ST23/ST24): at most 1000 shipments per call, per-shipment errors in
//! `shipment_errors` beside the `shipment_success` list (answered `201` by ST01, `200` by
//! ST23/ST24), `quantity` at least 1.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::OrderState;
use super::catalog;
use super::clock::iso;
use super::orders::Order;
use super::state::{ApiError, State};

/// Shipment status before it is shipped (ST11 `shipment_state_code`).
pub(crate) const SHIPMENT_SHIPPING: &str = "SHIPPING";
/// Shipment status once shipped (ST01 `shipped: true` or ST24).
pub(crate) const SHIPMENT_SHIPPED: &str = "SHIPPED";

/// One line of a shipment.
#[derive(Debug, Clone)]
pub(crate) struct ShipmentLine {
    pub order_line_id: String,
    pub quantity: u32,
    pub package_reference: Option<String>,
}

/// Carrier tracking of a shipment (ST01 / ST23 `tracking`).
#[derive(Debug, Clone, Default)]
pub(crate) struct ShipmentTracking {
    pub carrier_code: Option<String>,
    pub carrier_name: Option<String>,
    pub carrier_standard_code: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
}

/// One shipment.
#[derive(Debug, Clone)]
pub(crate) struct Shipment {
    pub id: String,
    pub order_id: String,
    pub lines: Vec<ShipmentLine>,
    pub tracking: ShipmentTracking,
    pub invoice_reference: Option<String>,
    pub status: &'static str,
    pub created: OffsetDateTime,
    pub last_updated: OffsetDateTime,
    pub shipped_date: Option<OffsetDateTime>,
    pub customer_debited: Option<OffsetDateTime>,
}

impl Shipment {
    /// The ST01/ST11 JSON shape.
    pub(crate) fn json(&self) -> Value {
        let t = &self.tracking;
        json!({
            "created_date": iso(self.created),
            "id": self.id,
            "invoice_reference": self.invoice_reference,
            "last_updated_date": iso(self.last_updated),
            "order_id": self.order_id,
            "payment_details": self.customer_debited.map(|d| json!({
                "customer_debited_date": iso(d),
                "transaction_date": iso(d),
            })),
            "shipment_lines": self.lines.iter().map(|l| json!({
                "order_line_id": l.order_line_id,
                "package_reference": l.package_reference,
                "quantity": l.quantity,
            })).collect::<Vec<_>>(),
            "shipped_date": self.shipped_date.map(iso),
            "status": self.status,
            "status_customer_debit": "NO_DEBIT",
            "tracking": {
                "carrier_code": t.carrier_code,
                "carrier_name": t.carrier_name,
                "carrier_standard_code": t.carrier_standard_code,
                "tracking_number": t.tracking_number,
                "tracking_url": t.tracking_url,
            },
        })
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A `tracking` object as sent: a `carrier_code` must be one of SH21's carriers (its label,
/// standard code and URL template fill the rest); otherwise a `carrier_name` is needed,
/// unless the platform disables alternative carriers.
fn parse_tracking(v: &Value, disable_alternative: bool) -> Result<ShipmentTracking, String> {
    let number = text(v, "tracking_number");
    if let Some(code) = text(v, "carrier_code") {
        let (code, label, standard, url) = catalog::CARRIERS
            .iter()
            .find(|c| c.0 == code)
            .ok_or_else(|| format!("The carrier with code {code} does not exist"))?;
        return Ok(ShipmentTracking {
            carrier_code: Some((*code).to_owned()),
            carrier_name: Some((*label).to_owned()),
            carrier_standard_code: Some((*standard).to_owned()),
            tracking_url: number.as_ref().map(|n| url.replace("{trackingId}", n)),
            tracking_number: number,
        });
    }
    if disable_alternative {
        return Err("Alternative carriers are disabled: send a carrier_code from SH21".into());
    }
    let name = text(v, "carrier_name").ok_or("carrier_code or carrier_name is required")?;
    Ok(ShipmentTracking {
        carrier_code: None,
        carrier_name: Some(name),
        carrier_standard_code: text(v, "carrier_standard_code"),
        tracking_number: number,
        tracking_url: text(v, "tracking_url"),
    })
}

/// Units of a line not cancelled or refused (what may be shipped).
fn live_quantity(order: &Order, line_id: &str) -> Option<u32> {
    order.lines.iter().find(|l| l.id == line_id).map(|l| {
        if matches!(l.state, OrderState::Refused | OrderState::Canceled) {
            0
        } else {
            l.quantity
                .saturating_sub(l.canceled_quantity)
                .saturating_sub(l.line_canceled_quantity())
        }
    })
}

impl State {
    fn multi_shipment_check(&self) -> Result<(), ApiError> {
        if self.config.multi_shipment {
            Ok(())
        } else {
            Err(ApiError::bad_request(
                "Multi-shipment is not enabled on this platform: use OR23 and OR24",
            ))
        }
    }

    /// Units of an order line already in a shipment (shipped or not).
    fn in_shipments(&self, order_id: &str, line_id: &str) -> u32 {
        self.shipments
            .values()
            .filter(|s| s.order_id == order_id)
            .flat_map(|s| &s.lines)
            .filter(|l| l.order_line_id == line_id)
            .map(|l| l.quantity)
            .sum()
    }

    /// Units of an order line in shipped shipments.
    pub(crate) fn shipped_units(&self, order_id: &str, line_id: &str) -> u32 {
        self.shipments
            .values()
            .filter(|s| s.order_id == order_id && s.status == SHIPMENT_SHIPPED)
            .flat_map(|s| &s.lines)
            .filter(|l| l.order_line_id == line_id)
            .map(|l| l.quantity)
            .sum()
    }

    /// Lines whose live units are all shipped become `SHIPPED`; the order too once every live
    /// line is.
    fn settle_shipped(&mut self, order_id: &str, now: OffsetDateTime) {
        let shipped: Vec<(String, u32)> = match self.orders.get(order_id) {
            Some(o) => o
                .lines
                .iter()
                .map(|l| (l.id.clone(), self.shipped_units(order_id, &l.id)))
                .collect(),
            None => return,
        };
        let Some(order) = self.orders.get_mut(order_id) else {
            return;
        };
        for line in &mut order.lines {
            let live = line
                .quantity
                .saturating_sub(line.canceled_quantity)
                .saturating_sub(line.line_canceled_quantity());
            let units = shipped
                .iter()
                .find(|(id, _)| *id == line.id)
                .map_or(0, |(_, q)| *q);
            if line.state == OrderState::Shipping && live > 0 && units >= live {
                line.state = OrderState::Shipped;
                line.shipped_date = Some(now);
                line.last_updated = now;
            }
        }
        let open = order.lines.iter().any(|l| l.state == OrderState::Shipping);
        let any_shipped = order.lines.iter().any(|l| l.state == OrderState::Shipped);
        if order.state == OrderState::Shipping && !open && any_shipped {
            order.state = OrderState::Shipped;
        }
        order.last_updated = now;
    }

    /// Validates one ST01 shipment; returns it ready to store (without id).
    fn check_new_shipment(
        &self,
        v: &Value,
        planned: &[Shipment],
        now: OffsetDateTime,
    ) -> Result<Shipment, String> {
        let order_id = text(v, "order_id").ok_or("The order_id is required")?;
        let order = self
            .orders
            .get(&order_id)
            .ok_or_else(|| format!("The order with identifier {order_id} was not found"))?;
        if order.state != OrderState::Shipping {
            return Err(format!(
                "The order {order_id} is in state {}: shipments can only be created for SHIPPING orders",
                order.state.as_str()
            ));
        }
        let lines = v
            .get("shipment_lines")
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
            .ok_or("At least one shipment line is required")?;
        let mut parsed: Vec<ShipmentLine> = Vec::new();
        for l in lines {
            let line_id = text(l, "order_line_id").ok_or("The order_line_id is required")?;
            let quantity = l
                .get("quantity")
                .and_then(Value::as_u64)
                .and_then(|q| u32::try_from(q).ok())
                .filter(|q| *q >= 1)
                .ok_or("The quantity must be at least 1")?;
            let live = live_quantity(order, &line_id).ok_or_else(|| {
                format!("The order line {line_id} does not belong to the order {order_id}")
            })?;
            let earlier: u32 = planned
                .iter()
                .filter(|s| s.order_id == order_id)
                .flat_map(|s| &s.lines)
                .chain(parsed.iter())
                .filter(|p| p.order_line_id == line_id)
                .map(|p| p.quantity)
                .sum();
            if self.in_shipments(&order_id, &line_id) + earlier + quantity > live {
                return Err(format!(
                    "The quantity to ship exceeds the quantity left to ship on the order line {line_id}"
                ));
            }
            parsed.push(ShipmentLine {
                order_line_id: line_id,
                quantity,
                package_reference: text(l, "package_reference"),
            });
        }
        let tracking = match v.get("tracking") {
            Some(t) if t.is_object() => parse_tracking(t, self.config.disable_alternative_carrier)?,
            _ => ShipmentTracking::default(),
        };
        let shipped = v.get("shipped").and_then(Value::as_bool).unwrap_or(false);
        Ok(Shipment {
            id: String::new(),
            order_id,
            lines: parsed,
            tracking,
            invoice_reference: text(v, "invoice_reference"),
            status: if shipped {
                SHIPMENT_SHIPPED
            } else {
                SHIPMENT_SHIPPING
            },
            created: now,
            last_updated: now,
            shipped_date: shipped.then_some(now),
            customer_debited: order.customer_debited_date,
        })
    }

    /// ST01: each shipment is checked on its own; the valid ones are created.
    pub(crate) fn create_shipments(
        &mut self,
        shipments: &[Value],
        now: OffsetDateTime,
    ) -> Result<Value, ApiError> {
        self.multi_shipment_check()?;
        if shipments.is_empty() || shipments.len() > 1000 {
            return Err(ApiError::bad_request(
                "Between 1 and 1000 shipments can be created per call",
            ));
        }
        let mut planned = Vec::new();
        let mut errors = Vec::new();
        for v in shipments {
            match self.check_new_shipment(v, &planned, now) {
                Ok(s) => planned.push(s),
                Err(message) => errors.push(json!({
                    "message": message,
                    "order_id": text(v, "order_id"),
                })),
            }
        }
        let mut success = Vec::new();
        for mut s in planned {
            self.shipment_seq += 1;
            s.id = format!("SHP-{:06}", self.shipment_seq);
            let order_id = s.order_id.clone();
            success.push(s.json());
            self.shipments.insert(s.id.clone(), s);
            self.settle_shipped(&order_id, now);
        }
        Ok(json!({ "shipment_errors": errors, "shipment_success": success }))
    }

    /// ST11: filters, oldest first (`sort=dateCreated`), seek paging with `limit` and
    /// `page_token`.
    pub(crate) fn list_shipments(
        &self,
        order_ids: Option<&[String]>,
        states: Option<&[String]>,
        updated_from: Option<OffsetDateTime>,
        updated_to: Option<OffsetDateTime>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Value, ApiError> {
        self.multi_shipment_check()?;
        let matching: Vec<&Shipment> = self
            .shipments
            .values()
            .filter(|s| after.is_none_or(|a| s.id.as_str() > a))
            .filter(|s| order_ids.is_none_or(|ids| ids.contains(&s.order_id)))
            .filter(|s| states.is_none_or(|st| st.iter().any(|x| x == s.status)))
            .filter(|s| updated_from.is_none_or(|f| s.last_updated >= f))
            .filter(|s| updated_to.is_none_or(|t| s.last_updated <= t))
            .take(limit + 1)
            .collect();
        let more = matching.len() > limit;
        let page: Vec<&Shipment> = matching.into_iter().take(limit).collect();
        let next = if more {
            page.last().map(|s| format!("after-{}", s.id))
        } else {
            None
        };
        let data: Vec<Value> = page.iter().map(|s| s.json()).collect();
        Ok(json!({ "data": data, "next_page_token": next }))
    }

    fn shipment_ids(list: &[Value]) -> Result<(), ApiError> {
        if list.is_empty() || list.len() > 1000 {
            return Err(ApiError::bad_request(
                "Between 1 and 1000 shipments can be sent per call",
            ));
        }
        Ok(())
    }

    /// ST23: new tracking for shipments; per-shipment errors.
    pub(crate) fn update_shipment_tracking(
        &mut self,
        list: &[Value],
        now: OffsetDateTime,
    ) -> Result<Value, ApiError> {
        self.multi_shipment_check()?;
        Self::shipment_ids(list)?;
        let disable_alternative = self.config.disable_alternative_carrier;
        let mut errors = Vec::new();
        let mut success = Vec::new();
        for v in list {
            let id = text(v, "id").unwrap_or_default();
            let outcome = match self.shipments.get_mut(&id) {
                None => Err(format!("The shipment {id} does not exist")),
                Some(s) => v
                    .get("tracking")
                    .ok_or_else(|| "The tracking is required".to_owned())
                    .and_then(|t| parse_tracking(t, disable_alternative))
                    .map(|t| {
                        s.tracking = t;
                        s.last_updated = now;
                    }),
            };
            match outcome {
                Ok(()) => success.push(json!({ "id": id })),
                Err(message) => errors.push(json!({ "id": id, "message": message })),
            }
        }
        Ok(json!({ "shipment_errors": errors, "shipment_success": success }))
    }

    /// ST24: ships shipments not shipped yet; per-shipment errors.
    pub(crate) fn ship_shipments(
        &mut self,
        list: &[Value],
        now: OffsetDateTime,
    ) -> Result<Value, ApiError> {
        self.multi_shipment_check()?;
        Self::shipment_ids(list)?;
        let mut errors = Vec::new();
        let mut success = Vec::new();
        for v in list {
            let id = text(v, "id").unwrap_or_default();
            let order_state = self
                .shipments
                .get(&id)
                .and_then(|s| self.orders.get(&s.order_id))
                .map(|o| o.state);
            let outcome = match self.shipments.get_mut(&id) {
                None => Err(format!("The shipment {id} does not exist")),
                Some(s) if s.status != SHIPMENT_SHIPPING => Err(format!(
                    "The shipment {id} is in status {} and cannot be shipped",
                    s.status
                )),
                Some(_) if order_state != Some(OrderState::Shipping) => {
                    Err(format!("The order of the shipment {id} is not SHIPPING"))
                }
                Some(s) => {
                    s.status = SHIPMENT_SHIPPED;
                    s.shipped_date = Some(now);
                    s.last_updated = now;
                    Ok(s.order_id.clone())
                }
            };
            match outcome {
                Ok(order_id) => {
                    self.settle_shipped(&order_id, now);
                    success.push(json!({ "id": id }));
                }
                Err(message) => errors.push(json!({ "id": id, "message": message })),
            }
        }
        Ok(json!({ "shipment_errors": errors, "shipment_success": success }))
    }
}
