//! `sync explain`: the trail of one SKU or one order, read from both services and the
//! connector's state file, writing nothing.
//!
//! * **A SKU**: the BigCommerce values read now (product, variant, price, sale price,
//!   stock), the desired offer and the rules that shaped it (or why it cannot be offered),
//!   the live Mirakl offer (OF21), what the connector last sent (its state file), and the
//!   latest offer imports (OF04) whose error report (OF03) names the SKU, with the line and
//!   the message.
//! * **An order**: each step with its time and the call that made it: created and accepted
//!   on Mirakl (OR21), debited, created in BigCommerce (`POST /v2/orders`), shipped there,
//!   tracking and shipment confirmed on Mirakl (OR23/OR24), cancellations and refunds, and
//!   calls still unconfirmed in the state file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use mirakl_api::MiraklOrderId;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Connector;
use crate::error::Result;
use crate::state::StateStore;

/// How many of the latest offer imports are searched for the SKU's error lines.
pub const IMPORTS_SEARCHED: u32 = 20;

fn at(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "(time not recorded)".to_owned())
}

fn money(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.normalize().to_string())
}

/// The trail of one SKU, for a person. `None` when neither the catalog nor Mirakl knows it.
///
/// # Errors
/// A read that failed after the clients' retries.
pub async fn explain_sku(
    engine: &Connector,
    state: Option<&dyn StateStore>,
    sku: &str,
) -> Result<Option<String>> {
    let mut out = String::new();
    let key = sync_core::ShopSku::new(sku).ok();
    let (desired, problems, catalog) = engine.desired_offers(&|_, _| {}).await?;
    let _ = writeln!(out, "SKU {sku}");
    // BigCommerce values
    let mut known = false;
    let source = key
        .as_ref()
        .and_then(|k| desired.get(k))
        .map(|d| d.source)
        .or_else(|| {
            problems
                .iter()
                .find(|p| p.sku.as_ref().is_some_and(|s| s.as_str() == sku))
                .map(|p| p.source)
        });
    let found = catalog.products.iter().find_map(|p| {
        if let Some(src) = source
            && src.product_id == p.id
        {
            let v = src
                .variant_id
                .and_then(|id| p.variants.iter().find(|v| v.id == id));
            return Some((p, v));
        }
        if p.sku.as_deref() == Some(sku) {
            return Some((p, None));
        }
        p.variants
            .iter()
            .find(|v| v.sku.as_deref() == Some(sku))
            .map(|v| (p, Some(v)))
    });
    match found {
        Some((p, v)) => {
            known = true;
            let (price, sale, stock) = match v {
                Some(v) => (
                    v.price.or(p.price),
                    v.sale_price.or(p.sale_price),
                    v.inventory_level,
                ),
                None => (p.price, p.sale_price, p.inventory_level),
            };
            let _ = writeln!(
                out,
                "BigCommerce (read now): product {} \"{}\"{}, price {}, sale price {}, stock {}",
                p.id,
                p.name,
                v.map(|v| format!(", variant {}", v.id)).unwrap_or_default(),
                money(price),
                money(sale),
                stock.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            );
        }
        None => {
            let _ = writeln!(out, "BigCommerce: no product or variant has this SKU");
        }
    }
    // desired offer and the rules
    let rules = engine.rules();
    match key.as_ref().and_then(|k| desired.get(k)) {
        Some(d) => {
            let c = &d.content;
            let _ = writeln!(
                out,
                "Desired offer: price {}, discount price {}, quantity {}, state {}, product {} ({})",
                money(Some(c.price)),
                money(c.discount.as_ref().map(|x| x.price)),
                c.quantity,
                c.state_code,
                d.product_id,
                d.product_id_type
            );
            let held = catalog
                .held
                .get(key.as_ref().expect("a desired offer has a key"))
                .copied()
                .unwrap_or(0);
            let _ = writeln!(
                out,
                "  shaped by: stock buffer {} unit(s), maximum {}, {held} unit(s) held by marketplace orders not yet in BigCommerce; price rules {}; offer state {}",
                rules.stock.buffer_units,
                rules
                    .stock
                    .max_quantity
                    .map_or_else(|| "none".to_owned(), |m| m.to_string()),
                serde_json::to_string(&rules.price).unwrap_or_default(),
                rules.offer.state_code
            );
        }
        None => {
            for p in problems
                .iter()
                .filter(|p| p.sku.as_ref().is_some_and(|s| s.as_str() == sku))
            {
                let _ = writeln!(out, "Not offered: {}", p.reason);
            }
        }
    }
    // live offer
    let live = engine.offers().current_offers().await?;
    match key.as_ref().and_then(|k| live.get(k)) {
        Some(l) => {
            known = true;
            let _ = writeln!(
                out,
                "Live on Mirakl (OF21): price {}, discount price {}, quantity {}, state {}",
                money(Some(l.content.price)),
                money(l.content.discount.as_ref().map(|x| x.price)),
                l.content.quantity,
                l.content.state_code
            );
        }
        None => {
            let _ = writeln!(out, "Live on Mirakl (OF21): no offer");
        }
    }
    // last sent
    match state {
        Some(s) => match s.sent_offer(sku).await? {
            Some(sent) => {
                let v: serde_json::Value = serde_json::from_str(&sent.payload).unwrap_or_default();
                let c = &v["write"]["content"];
                let when = s.sent_offer_recorded_at(sku).await?;
                let _ = writeln!(
                    out,
                    "Last sent and applied (state file, {}): price {}, quantity {}, state {}{}",
                    when.map_or_else(
                        || "time unknown".to_owned(),
                        |t| format!("recorded {}", at(Some(t)))
                    ),
                    c["price"],
                    c["quantity"],
                    c["state_code"],
                    if v["write"]["delete"] == true {
                        ", as a deletion"
                    } else {
                        ""
                    }
                );
            }
            None => {
                let _ = writeln!(out, "Last sent (state file): nothing applied yet");
            }
        },
        None => {
            let _ = writeln!(out, "Last sent: no state file to read");
        }
    }
    // imports that rejected it
    let imports = engine
        .mirakl()
        .offers()
        .imports()
        .limit(IMPORTS_SEARCHED)
        .send()
        .await?;
    let mut lines = Vec::new();
    for i in imports
        .items
        .iter()
        .filter(|i| i.has_error_report || i.lines_in_error > 0)
    {
        let report = engine.mirakl().offers().error_report(i.import_id).await?;
        for row in report.rows.iter().filter(|r| r.sku.as_deref() == Some(sku)) {
            lines.push(format!(
                "  import {} ({}, created {}): line {}: {}",
                i.import_id,
                i.status,
                at(i.date_created),
                row.line.map_or_else(|| "?".to_owned(), |l| l.to_string()),
                row.message.as_deref().unwrap_or("(no message)")
            ));
        }
    }
    if lines.is_empty() {
        let _ = writeln!(
            out,
            "Offer imports (latest {IMPORTS_SEARCHED}, OF04/OF03): no error line for this SKU"
        );
    } else {
        known = true;
        let _ = writeln!(
            out,
            "Offer imports with an error line for this SKU (latest {IMPORTS_SEARCHED}, OF04/OF03):"
        );
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
    }
    Ok(known.then_some(out))
}

/// The trail of one Mirakl order, for a person. `None` when neither Mirakl nor the state
/// file knows it.
///
/// # Errors
/// A read that failed after the clients' retries, or the state file.
pub async fn explain_order(
    engine: &Connector,
    state: Option<&dyn StateStore>,
    order_id: &str,
) -> Result<Option<String>> {
    let entry = match state {
        Some(s) => s.order(order_id).await?,
        None => None,
    };
    let mirakl = match MiraklOrderId::new(order_id) {
        Ok(id) => engine.mirakl().orders().get(&id).await?,
        Err(_) => None,
    };
    if entry.is_none() && mirakl.is_none() {
        return Ok(None);
    }
    let bc = engine
        .bigcommerce()
        .orders()
        .find_by_external_order_id(order_id)
        .await?;
    let mut steps: Vec<(Option<OffsetDateTime>, String)> = Vec::new();
    let mut out = String::new();
    let _ = writeln!(out, "Order {order_id}");
    if let Some(o) = &mirakl {
        let _ = writeln!(
            out,
            "Mirakl (OR11): state {}, total {} {}, {} line(s)",
            o.order_state,
            money(o.total_price),
            o.currency_iso_code.as_deref().unwrap_or(""),
            o.order_lines.len()
        );
        steps.push((Some(o.created_date), "created on Mirakl".into()));
        if let Some(t) = o.acceptance_decision_date {
            let accepted = o
                .order_lines
                .iter()
                .filter(|l| !matches!(l.order_line_state, mirakl_api::orders::OrderState::Refused))
                .count();
            steps.push((
                Some(t),
                format!(
                    "acceptance decided: {accepted} of {} line(s) accepted (OR21 PUT /api/orders/{{order_id}}/accept)",
                    o.order_lines.len()
                ),
            ));
        }
        if let Some(t) = o.customer_debited_date {
            steps.push((
                Some(t),
                format!(
                    "customer debited, released for shipping (deadline {})",
                    at(o.shipping_deadline)
                ),
            ));
        }
        if let Some(t) = o.order_lines.iter().filter_map(|l| l.shipped_date).max() {
            steps.push((Some(t), "shipped on Mirakl".into()));
        }
        for l in &o.order_lines {
            for c in &l.cancelations {
                steps.push((
                    c.created_date,
                    format!(
                        "line {} cancelled on Mirakl ({})",
                        l.order_line_id,
                        c.reason_code.as_deref().unwrap_or("no reason code")
                    ),
                ));
            }
            for r in &l.refunds {
                steps.push((
                    r.created_date,
                    format!("line {} refunded on Mirakl", l.order_line_id),
                ));
            }
        }
    } else {
        let _ = writeln!(out, "Mirakl (OR11): not found");
    }
    match bc.as_slice() {
        [] => {
            let _ = writeln!(out, "BigCommerce: no order carries this external_order_id");
        }
        orders => {
            for b in orders {
                let _ = writeln!(
                    out,
                    "BigCommerce order {}: {}, total {}",
                    b.id.0,
                    b.status,
                    money(Some(b.total_inc_tax))
                );
                steps.push((
                    b.date_created,
                    format!(
                        "created in BigCommerce as order {} (POST /v2/orders)",
                        b.id.0
                    ),
                ));
                if let Some(t) = b.date_shipped {
                    steps.push((
                        Some(t),
                        format!("shipped in BigCommerce (order {})", b.id.0),
                    ));
                }
            }
            if orders.len() > 1 {
                let _ = writeln!(out, "  (more than one BigCommerce order carries it)");
            }
        }
    }
    steps.sort_by_key(|(t, _)| t.unwrap_or(OffsetDateTime::UNIX_EPOCH));
    let _ = writeln!(out, "Steps:");
    for (t, what) in &steps {
        let _ = writeln!(out, "  {}  {what}", at(*t));
    }
    match &entry {
        Some(e) => {
            let r = &e.record;
            let mut done = Vec::new();
            if r.acceptance_sent {
                done.push("OR21 sent".to_owned());
            }
            if let Some(id) = r.bigcommerce_order_id {
                done.push(format!("BigCommerce order {id} recorded"));
            } else if r.create_started {
                done.push("BigCommerce create started, outcome not yet known".to_owned());
            }
            if !r.tracking_sent.is_empty() {
                done.push(format!(
                    "tracking sent (OR23) for shipment(s) {}",
                    r.tracking_sent
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if r.ship_confirmed {
                done.push("shipment confirmed (OR24)".to_owned());
            }
            if r.mirakl_cancel_sent {
                done.push("cancelled on Mirakl (OR29)".to_owned());
            }
            if r.bigcommerce_cancelled {
                done.push("cancelled in BigCommerce".to_owned());
            }
            if !r.mirakl_refunds_handled.is_empty() || !r.bigcommerce_refunds_handled.is_empty() {
                done.push(format!(
                    "{} refund(s) mirrored",
                    r.mirakl_refunds_handled.len() + r.bigcommerce_refunds_handled.len()
                ));
            }
            let _ = writeln!(
                out,
                "Connector (state file): {}",
                if done.is_empty() {
                    "nothing done yet".to_owned()
                } else {
                    done.join("; ")
                }
            );
            if let Some(n) = &e.note {
                let _ = writeln!(out, "  note: {n}");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "Connector (state file): {}",
                if state.is_some() {
                    "not seen yet"
                } else {
                    "no state file to read"
                }
            );
        }
    }
    if let Some(s) = state {
        let calls: BTreeMap<String, u32> = s
            .in_flight_calls()
            .await?
            .into_iter()
            .filter(|c| c.key == order_id)
            .map(|c| (c.kind, c.attempts))
            .collect();
        for (kind, attempts) in calls {
            let _ = writeln!(
                out,
                "  unconfirmed call: {kind} ({attempts} attempt(s)); the next order step resumes it"
            );
        }
    }
    Ok(Some(out))
}

/// `sync explain --config FILE SKU|ORDER`: prints the trail of the order the state file
/// knows by that id, else of the SKU, else of the order Mirakl knows by that id. Returns the exit code: 0 explained, 1
/// unknown, 2 could not finish.
pub async fn run_cli(config: &std::path::Path, target: &str) -> u8 {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        eprintln!("error: {what}: {e}");
        2
    };
    let cfg = match crate::config::Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail("configuration", &e),
    };
    let rules = match crate::tools::rules(&cfg) {
        Ok(r) => r,
        Err(e) => return fail("rules", &e),
    };
    let (bc, mirakl) = match crate::tools::clients(&cfg) {
        Ok(c) => c,
        Err(e) => return fail("clients", &e),
    };
    // the connector's state file is read when it exists; an in-memory one computes the offer
    let file = if cfg.state_path.exists() {
        match crate::state::SqliteStore::open(&cfg.state_path) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => return fail(&cfg.state_path.display().to_string(), &e),
        }
    } else {
        None
    };
    let scratch = match crate::state::SqliteStore::open_in_memory() {
        Ok(s) => Arc::new(s),
        Err(e) => return fail("in-memory state", &e),
    };
    let engine = Connector::new(
        bc,
        mirakl,
        scratch,
        rules,
        crate::ConnectorOptions {
            dry_run: true,
            price_list_id: cfg.bigcommerce.price_list_id,
            location_inventory: cfg.bigcommerce.location_inventory,
            ..crate::ConnectorOptions::default()
        },
    );
    let state = file.as_deref().map(|s| s as &dyn StateStore);
    // an order the state file knows; else a SKU; else an order only Mirakl knows (OR11 has
    // the tightest call ceiling, so it is asked last)
    let known_order = match state {
        Some(s) => match s.order(target).await {
            Ok(e) => e.is_some(),
            Err(e) => return fail(&cfg.state_path.display().to_string(), &e),
        },
        None => false,
    };
    let text = if known_order {
        explain_order(&engine, state, target).await
    } else {
        match explain_sku(&engine, state, target).await {
            Ok(None) => explain_order(&engine, state, target).await,
            other => other,
        }
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => return fail("the explanation could not finish", &e),
    };
    match text {
        Some(t) => {
            print!("{t}");
            0
        }
        None => {
            eprintln!("{target}: no order and no SKU by this name, on either side");
            1
        }
    }
}
