//! The demo's after-acceptance scenarios (issue 14): one order shipped in two parcels on a
//! multi-shipment platform, a `SHIPPING` order the operator accepted itself with a line that
//! sold out in BigCommerce (the `shortfall = cancel` rule), and a cancelation and a refund
//! made on the Mirakl side (customer care, the returns team) that must reach BigCommerce once
//! with their units back in stock. The checks read both sandboxes directly (and BigCommerce's
//! refunds through its API), not the connector's own bookkeeping.

use std::collections::BTreeSet;
use std::time::Duration;

use bigcommerce_api::orders::{NewShipment, OrderId, ShipmentItem};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::{
    MiraklBackOffice, MoneyBack, NewOrder, NewOrderLine, OrderLineView, OrderState, SandboxError,
};

use super::{Demo, customer};

/// The Mirakl reason code the demo's `shortfall = cancel` rule sends with OR30.
pub const DEMO_SHORTFALL_REASON: &str = "42";

/// The Mirakl reason code of the back office's cancelation and refund in the demo.
pub const DEMO_BACK_OFFICE_REASON: &str = "34";

/// A unit given back on the Mirakl side: the order, its line, the SKU and the SKU's
/// BigCommerce stock just before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenBack {
    /// Mirakl order id.
    pub order_id: String,
    /// Mirakl order line id.
    pub order_line_id: String,
    /// Shop SKU.
    pub sku: String,
    /// Unit price given back.
    pub amount: Decimal,
    /// BigCommerce stock of the SKU just before the back office acted.
    pub stock_before: i64,
    /// The Mirakl refund or cancelation id, once made.
    pub mirakl_id: Option<String>,
}

/// The orders and SKUs of the after-acceptance scenarios.
#[derive(Debug, Clone, Default)]
pub struct AfterAcceptance {
    /// The order shipped in two parcels: id and its two SKUs (2 units of the first, 1 of the
    /// second).
    pub split: Option<(String, String, String)>,
    /// Trackings of the two parcels, once shipped in BigCommerce.
    pub parcels: Vec<String>,
    /// The auto-accepted order with a sold-out line: id, the SKU that can be filled (1 unit),
    /// the sold-out SKU (1 unit).
    pub shortfall: Option<(String, String, String)>,
    /// The order of the Mirakl-side cancelation (2 units ordered, 1 cancelled).
    pub cancel_order: Option<(String, String)>,
    /// The unit customer care cancelled.
    pub cancelation: Option<GivenBack>,
    /// The unit the returns team refunded after shipping (on the split order).
    pub refund: Option<GivenBack>,
    /// The order left unshipped past its shipping deadline (never shipped by the script).
    pub late: Option<String>,
}

/// One after-acceptance scenario as the verdict saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioCheck {
    /// Short name (`split shipment`, `shortfall`, `Mirakl-side cancelation`, `Mirakl-side
    /// refund`).
    pub name: &'static str,
    /// Whether it happened as it should.
    pub ok: bool,
    /// What was seen, with figures.
    pub detail: String,
}

impl Demo {
    /// SKUs whose stock the script's live changes set in rounds 0 and 1 (their stock moves
    /// on its own, so the stock checks use other SKUs).
    fn live_changed_skus(&self) -> BTreeSet<String> {
        let skus = self.catalog.skus();
        let n = skus.len().max(1);
        let mut out = BTreeSet::new();
        for round in 0..2 {
            for i in 0..self.config.stock_changes {
                out.insert(skus[(i * 11 + round * 17 + 5) % n].sku.clone());
            }
        }
        out
    }

    /// Places the orders of the after-acceptance scenarios: the split order and the
    /// cancelation order (accepted by the connector as usual), and the shortfall order,
    /// accepted by the operator itself a moment after its second SKU sold out in BigCommerce.
    /// Uses SKUs whose stock no live change sets, preferring SKUs no other order holds.
    ///
    /// # Errors
    /// Not enough such SKUs with stock, or the sandbox refused an order (as text).
    pub fn place_after_acceptance_orders(&mut self) -> Result<(), String> {
        let changed = self.live_changed_skus();
        let mut ordered = BTreeSet::new();
        for (id, _) in &self.placed {
            if let Some(o) = self.mirakl.order(id) {
                ordered.extend(o.lines.into_iter().map(|l| l.shop_sku));
            }
        }
        let mut free: Vec<(String, Decimal)> = self
            .catalog
            .skus()
            .into_iter()
            .rev()
            .filter(|s| !changed.contains(&s.sku))
            .filter(|s| self.bc.stock(&s.sku).unwrap_or(0) > 5)
            .filter(|s| self.mirakl.offer(&s.sku).is_some_and(|o| o.quantity > 3))
            .map(|s| (s.sku, s.selling_price))
            .collect();
        // stable: SKUs of no other order first
        free.sort_by_key(|(sku, _)| ordered.contains(sku));
        free.truncate(5);
        if free.len() < 5 {
            return Err(format!(
                "only {} SKUs free for the after-acceptance scenarios",
                free.len()
            ));
        }
        let line = |(sku, price): &(String, Decimal), quantity: u32| NewOrderLine {
            shop_sku: sku.clone(),
            quantity,
            unit_price: *price,
            shipping_price: Decimal::new(595, 2),
        };
        let order = |lines: Vec<NewOrderLine>, reference: &str| NewOrder {
            customer: customer(90),
            lines,
            customer_reference: Some(reference.to_owned()),
        };
        let mut after = AfterAcceptance::default();
        if self.config.multi_shipment {
            let id = self
                .mirakl
                .create_order(order(
                    vec![line(&free[0], 2), line(&free[1], 1)],
                    "demo-two-parcels",
                ))
                .map_err(|e| e.to_string())?;
            after.split = Some((id.clone(), free[0].0.clone(), free[1].0.clone()));
            self.placed.push((id, false));
        }
        let id = self
            .mirakl
            .create_order(order(vec![line(&free[2], 2)], "demo-cancel-one"))
            .map_err(|e| e.to_string())?;
        after.cancel_order = Some((id.clone(), free[2].0.clone()));
        self.placed.push((id, false));
        // the second SKU sells out in the store; the operator, still showing stock, accepts
        // the order on its own (no OR21 of ours): the connector meets it in SHIPPING
        self.bc.set_stock(&free[4].0, 0);
        let id = self
            .mirakl
            .create_auto_accepted_order(order(
                vec![line(&free[3], 1), line(&free[4], 1)],
                "demo-sold-out-line",
            ))
            .map_err(|e| e.to_string())?;
        after.shortfall = Some((id.clone(), free[3].0.clone(), free[4].0.clone()));
        self.placed.push((id, false));
        self.after = after;
        Ok(())
    }

    /// The BigCommerce order created for a Mirakl order, when exactly one exists.
    fn bc_order_of(&self, id: &str) -> Option<u64> {
        match self.bc.orders_by_external_id(id).as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Gives one unit of `line` back on the Mirakl side with `how` (the back office's
    /// cancelation or refund, the demo's reason, no shipping), noting the SKU's stock in
    /// BigCommerce before it.
    fn give_back_one_unit(
        &self,
        id: &str,
        sku: &str,
        line: OrderLineView,
        how: fn(&MiraklBackOffice, &MoneyBack) -> Result<String, SandboxError>,
    ) -> Result<GivenBack, String> {
        let stock_before = self.bc.stock(sku).unwrap_or(0);
        let back = MoneyBack {
            order_line_id: line.order_line_id.clone(),
            quantity: 1,
            amount: line.unit_price,
            shipping_amount: Decimal::ZERO,
            reason_code: DEMO_BACK_OFFICE_REASON.into(),
        };
        let mirakl_id = how(&self.mirakl.back_office(), &back).map_err(|e| e.to_string())?;
        Ok(GivenBack {
            order_id: id.to_owned(),
            order_line_id: line.order_line_id,
            sku: sku.to_owned(),
            amount: line.unit_price,
            stock_before,
            mirakl_id: Some(mirakl_id),
        })
    }

    /// Customer care cancels one unit of the cancelation order (still `SHIPPING`), and the
    /// script waits for BigCommerce's refund and the unit back in stock.
    ///
    /// # Errors
    /// The order is not in BigCommerce, the back office refused, or the wait timed out.
    pub async fn mirakl_side_cancelation(&mut self) -> Result<(), String> {
        let Some((id, sku)) = self.after.cancel_order.clone() else {
            return Ok(());
        };
        let line = self
            .mirakl
            .order(&id)
            .and_then(|o| o.lines.into_iter().find(|l| l.shop_sku == sku))
            .ok_or_else(|| format!("{id}: no line for {sku}"))?;
        if self.bc_order_of(&id).is_none() {
            return Err(format!("{id} is not in BigCommerce"));
        }
        // Mirakl dates have whole seconds: the cancelation must be dated after the creation
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let given = self.give_back_one_unit(&id, &sku, line, MiraklBackOffice::cancel_units)?;
        let want = given.stock_before + 1;
        self.after.cancelation = Some(given);
        self.wait_for("the Mirakl cancelation to reach BigCommerce", |d| {
            d.bc.stock(&sku) == Some(want)
        })
        .await
    }

    /// The seller misses a shipping deadline: one created order of the script is left
    /// unshipped and its deadline moved a day into the operator's past; the script waits for
    /// the connector to list it as past its shipping deadline.
    ///
    /// # Errors
    /// No order to leave unshipped, the back office refused, or the wait timed out.
    pub async fn shipping_deadline_passes(&mut self) -> Result<(), String> {
        let mine: BTreeSet<&str> = [&self.after.split, &self.after.shortfall]
            .into_iter()
            .flatten()
            .map(|(id, _, _)| id.as_str())
            .chain(self.after.cancel_order.iter().map(|(id, _)| id.as_str()))
            .collect();
        let late = self
            .placed
            .iter()
            .filter(|(id, refuse)| !refuse && !mine.contains(id.as_str()))
            .map(|(id, _)| id.clone())
            .find(|id| {
                self.mirakl_state(id).as_deref() == Some("SHIPPING")
                    && self
                        .bc_order_of(id)
                        .and_then(|b| self.bc.order(b))
                        .is_some_and(|o| o.shipments.is_empty())
            })
            .ok_or("no created, unshipped order to leave past its deadline")?;
        self.after.late = Some(late.clone());
        let due = self.mirakl.now() - time::Duration::days(1);
        self.mirakl
            .back_office()
            .set_shipping_deadline(&late, due)
            .map_err(|e| e.to_string())?;
        self.wait_for("the late order to be listed past its deadline", |d| {
            d.engine
                .messages()
                .attention()
                .deadlines
                .iter()
                .any(|x| x.order_id == late && x.past)
        })
        .await
    }

    /// Ships, in BigCommerce through its API, the split order in two parcels (one unit of the
    /// first SKU with the second SKU, then the other unit) and the one unit left of the
    /// cancelation order. Retries on (injected) faults without creating a parcel twice.
    ///
    /// # Errors
    /// A parcel could not be created (as text).
    pub async fn ship_parcels(&mut self) -> Result<(), String> {
        if let Some((id, a, b)) = self.after.split.clone()
            && let Some(bid) = self.bc_order_of(&id)
        {
            let t1 = format!("AP{bid:08}A");
            let t2 = format!("AP{bid:08}B");
            self.ship_units(bid, &[(a.as_str(), 1), (b.as_str(), 1)], &t1, 0)
                .await?;
            self.ship_units(bid, &[(a.as_str(), 1)], &t2, 1).await?;
            self.after.parcels = vec![t1, t2];
        }
        if let Some((id, sku)) = self.after.cancel_order.clone()
            && let Some(bid) = self.bc_order_of(&id)
        {
            self.ship_units(bid, &[(sku.as_str(), 1)], &format!("AP{bid:08}"), 0)
                .await?;
        }
        Ok(())
    }

    /// Creates one parcel of `units` (SKU, quantity) on BigCommerce order `bid` unless it
    /// already has more than `existing` shipments (a create whose answer was lost).
    async fn ship_units(
        &self,
        bid: u64,
        units: &[(&str, u64)],
        tracking: &str,
        existing: usize,
    ) -> Result<(), String> {
        let bc = self.engine.bigcommerce();
        let mut last = String::new();
        for _ in 0..20 {
            if self
                .bc
                .order(bid)
                .is_some_and(|o| o.shipments.len() > existing)
            {
                return Ok(());
            }
            let products = match bc.orders().products(OrderId(bid)).all().await {
                Ok(p) => p,
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            };
            let mut items = Vec::new();
            let mut address = None;
            for (sku, quantity) in units {
                let p = products
                    .iter()
                    .find(|p| p.sku.as_deref() == Some(*sku))
                    .ok_or_else(|| format!("order {bid} has no line for {sku}"))?;
                address = address.or(p.order_address_id);
                items.push(ShipmentItem::new(p.id, *quantity));
            }
            let address = address.ok_or_else(|| format!("order {bid} has no address"))?;
            let mut parcel = NewShipment::new(address, items);
            parcel.tracking_number = Some(tracking.to_owned());
            parcel.shipping_provider = Some("auspost".into());
            match bc.shipments(OrderId(bid)).create(&parcel).await {
                Ok(_) => return Ok(()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(format!("parcel {tracking} of order {bid}: {last}"))
    }

    /// The returns team refunds one unit of the split order's first SKU after it shipped,
    /// and the script waits for BigCommerce's refund and the unit back in stock.
    ///
    /// # Errors
    /// The back office refused, or the wait timed out.
    pub async fn mirakl_side_refund(&mut self) -> Result<(), String> {
        let Some((id, sku)) = self
            .after
            .split
            .clone()
            .map(|(id, a, _)| (id, a))
            .or_else(|| self.after.cancel_order.clone())
        else {
            return Ok(());
        };
        let line = self
            .mirakl
            .order(&id)
            .and_then(|o| o.lines.into_iter().find(|l| l.shop_sku == sku))
            .ok_or_else(|| format!("{id}: no line for {sku}"))?;
        let given = self.give_back_one_unit(&id, &sku, line, MiraklBackOffice::refund)?;
        let want = given.stock_before + 1;
        self.after.refund = Some(given);
        self.wait_for("the Mirakl refund to reach BigCommerce", |d| {
            d.bc.stock(&sku) == Some(want)
        })
        .await
    }

    /// Checks each after-acceptance scenario on both sandboxes (none when the demo ran
    /// without them).
    pub(super) async fn check_after_acceptance(&self) -> Vec<ScenarioCheck> {
        if !self.config.after_acceptance {
            return Vec::new();
        }
        let mut out = Vec::new();
        if self.config.multi_shipment {
            out.push(self.check_split());
        }
        out.push(self.check_shortfall().await);
        out.push(self.check_late());
        for (name, given) in [
            ("Mirakl-side cancelation", &self.after.cancelation),
            ("Mirakl-side refund", &self.after.refund),
        ] {
            out.push(match given {
                Some(g) => self.check_given_back(name, g).await,
                None => ScenarioCheck {
                    name,
                    ok: false,
                    detail: "not made (the script stopped before)".into(),
                },
            });
        }
        out
    }

    fn check_split(&self) -> ScenarioCheck {
        let name = "split shipment";
        let Some((id, a, b)) = &self.after.split else {
            return ScenarioCheck {
                name,
                ok: false,
                detail: "no order placed".into(),
            };
        };
        let shipments: Vec<mirakl_api::shipments::st11::Data> = self
            .mirakl
            .shipments_json(id)
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let mut on_mirakl: Vec<String> = shipments
            .iter()
            .filter_map(|s| s.tracking.as_ref()?.tracking_number.clone())
            .collect();
        on_mirakl.sort();
        let mut parcels = self.after.parcels.clone();
        parcels.sort();
        let units: i64 = shipments
            .iter()
            .flat_map(|s| &s.shipment_lines)
            .filter_map(|l| l.quantity)
            .sum();
        let state = self.mirakl_state(id).unwrap_or_default();
        let ok = parcels.len() == 2 && on_mirakl == parcels && units == 3 && state == "SHIPPED";
        ScenarioCheck {
            name,
            ok,
            detail: format!(
                "order {id} ({a} x2, {b} x1) shipped in {} BigCommerce parcels -> {} Mirakl shipments (ST01, {units} units) with trackings [{}], order {state}",
                parcels.len(),
                shipments.len(),
                on_mirakl.join(", ")
            ),
        }
    }

    fn check_late(&self) -> ScenarioCheck {
        let name = "deadline";
        let Some(id) = &self.after.late else {
            return ScenarioCheck {
                name,
                ok: false,
                detail: "no order left unshipped".into(),
            };
        };
        let listed = self
            .engine
            .messages()
            .attention()
            .deadlines
            .into_iter()
            .find(|d| &d.order_id == id);
        let state = self.mirakl_state(id).unwrap_or_default();
        let ok = listed
            .as_ref()
            .is_some_and(|d| d.past && d.kind == sync_connector::messages::DeadlineKind::Shipping)
            && state == "SHIPPING";
        ScenarioCheck {
            name,
            ok,
            detail: match listed {
                Some(d) => format!(
                    "order {id} left unshipped ({state}): listed as {} its {} deadline {}",
                    if d.past { "past" } else { "near" },
                    d.kind,
                    d.due
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                ),
                None => format!("order {id} ({state}) is not listed"),
            },
        }
    }

    async fn check_shortfall(&self) -> ScenarioCheck {
        let name = "shortfall";
        let Some((id, kept, short)) = &self.after.shortfall else {
            return ScenarioCheck {
                name,
                ok: false,
                detail: "no order placed".into(),
            };
        };
        let Some(o) = self.mirakl.order(id) else {
            return ScenarioCheck {
                name,
                ok: false,
                detail: format!("{id} unknown to Mirakl"),
            };
        };
        let line_state = |sku: &str| {
            o.lines
                .iter()
                .find(|l| l.shop_sku == sku)
                .map(|l| l.state.as_str().to_owned())
                .unwrap_or_default()
        };
        let short_cancelled = o
            .lines
            .iter()
            .any(|l| &l.shop_sku == short && l.state == OrderState::Canceled);
        let bc_lines: Vec<(String, u64)> = self
            .bc_order_of(id)
            .and_then(|b| self.bc.order(b))
            .map(|b| b.lines.into_iter().map(|l| (l.sku, l.quantity)).collect())
            .unwrap_or_default();
        let note = self
            .engine
            .with_counters(|c| c.shortfalls.get(id).cloned())
            .unwrap_or_default();
        let reason = &self.rules.orders.shortfall_reason;
        let ok = short_cancelled
            && bc_lines == [(kept.clone(), 1)]
            && self.bc.stock(short) == Some(0)
            && note.contains("cancelled");
        ScenarioCheck {
            name,
            ok,
            detail: format!(
                "order {id} accepted by the operator with {short} sold out in BigCommerce: line {short} {} on Mirakl (OR30, reason {reason}), line {kept} {}; BigCommerce order holds {:?}; {short} stock {}",
                line_state(short),
                line_state(kept),
                bc_lines,
                self.bc.stock(short).unwrap_or(-1)
            ),
        }
    }

    async fn check_given_back(&self, name: &'static str, g: &GivenBack) -> ScenarioCheck {
        let Some(bid) = self.bc_order_of(&g.order_id) else {
            return ScenarioCheck {
                name,
                ok: false,
                detail: format!("{} has no single BigCommerce order", g.order_id),
            };
        };
        let mut refunds = None;
        for _ in 0..10 {
            if let Ok(r) = self
                .engine
                .bigcommerce()
                .orders()
                .refunds(OrderId(bid))
                .all()
                .await
            {
                refunds = Some(r);
                break;
            }
        }
        let refunds = refunds.unwrap_or_default();
        // the order has no other refund: exactly one, for exactly Mirakl's amount
        let mirakl_id = g.mirakl_id.clone().unwrap_or_default();
        let mine: Vec<&bigcommerce_api::orders::Refund> = refunds.iter().collect();
        let stock = self.bc.stock(&g.sku).unwrap_or(-1);
        let amount = mine.first().and_then(|r| r.total_amount);
        let ok = mine.len() == 1 && amount == Some(g.amount) && stock == g.stock_before + 1;
        ScenarioCheck {
            name,
            ok,
            detail: format!(
                "order {} line {}: 1 unit of {} given back on Mirakl ({mirakl_id}) -> {} BigCommerce refund(s) for it on order {bid} ({}), stock {} -> {stock}",
                g.order_id,
                g.order_line_id,
                g.sku,
                mine.len(),
                amount.map_or_else(|| "no amount".to_owned(), |a| format!("{a} offline")),
                g.stock_before
            ),
        }
    }
}
