//! `sync audit`: proves whether both sides agree, writing nothing.
//!
//! * **Offers**: the desired offer of every SKU (the BigCommerce catalog read as the sync reads
//!   it, through `sync-core`'s rules) against the live Mirakl offer (read by a full OF52
//!   export, once a day, else OF21 pages; see [`OfferSource`]): a
//!   desired offer missing on Mirakl, a price, discount price, quantity or state that differs,
//!   and a live offer with stock that no SKU of the catalog wants.
//! * **Orders**: every Mirakl order updated within the window (OR11) against the BigCommerce
//!   orders carrying its id as `external_order_id`: missing (an order Mirakl released for
//!   shipping, or shipped, with none), duplicated (more than one), totals that differ, and
//!   shipped on one side only.
//!
//! Nothing is sent and no state is kept: the audit runs over an in-memory state store, so it
//! never touches (nor waits for the lease of) a running connector's state file. Quantities
//! are therefore computed without the units of marketplace orders accepted but not yet in
//! BigCommerce, which a running connector subtracts; such an order shows as a quantity
//! difference until it is created.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use bigcommerce_api::orders::OrderStatus;
use mirakl_api::orders::{Order as MkOrder, OrderState};
use rust_decimal::Decimal;
use serde::Serialize;
use time::OffsetDateTime;

use crate::Connector;
use crate::error::Result;

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Mirakl orders updated within this window are checked (default 30 days).
    pub orders_since: Duration,
    /// Totals within this amount count as equal (default 0.01, rounding).
    pub total_tolerance: Decimal,
    /// How the live offers are read (default [`OfferSource::Auto`]).
    pub offers_from: OfferSource,
    /// Pause between two OF53 export status calls (Mirakl allows one every 10 s; `sync
    /// audit` uses the configured `[poll] import_status_secs` when shorter).
    pub export_poll: Duration,
}

/// How `sync audit` reads the live Mirakl offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OfferSource {
    /// A full asynchronous export (OF52–OF54, inactive offers included: one call and a few
    /// downloads for any catalog size) when Mirakl allows it (a full export is allowed once a
    /// day); OF21 pages when Mirakl refuses it with a 429.
    #[default]
    Auto,
    /// The full export only; its refusal ends the audit.
    Export,
    /// OF21 pages only (100 offers a call).
    List,
}

impl std::str::FromStr for OfferSource {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(OfferSource::Auto),
            "export" => Ok(OfferSource::Export),
            "list" => Ok(OfferSource::List),
            other => Err(format!(
                "unknown offer source `{other}` (expected auto, export or list)"
            )),
        }
    }
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            orders_since: Duration::from_secs(30 * 86_400),
            total_tolerance: Decimal::new(1, 2),
            offers_from: OfferSource::Auto,
            export_poll: Duration::from_secs(10),
        }
    }
}

/// One offer that is not as the catalog wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OfferDrift {
    /// The catalog wants an offer; Mirakl has none.
    Missing {
        /// Shop SKU.
        sku: String,
        /// Desired price.
        price: Decimal,
        /// Desired quantity.
        quantity: u64,
    },
    /// The live offer differs in one field.
    Differs {
        /// Shop SKU.
        sku: String,
        /// `price`, `discount_price`, `quantity` or `state`.
        field: &'static str,
        /// What the catalog wants.
        desired: String,
        /// What Mirakl has.
        live: String,
    },
    /// Mirakl offers stock for a SKU the catalog does not want offered.
    NotDesired {
        /// Shop SKU.
        sku: String,
        /// Live quantity.
        quantity: u64,
    },
}

/// One Mirakl order whose BigCommerce side is not as it should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderDrift {
    /// No BigCommerce order carries the Mirakl order id.
    Missing {
        /// Mirakl order id.
        order: String,
        /// Its Mirakl state.
        mirakl_state: String,
    },
    /// Several BigCommerce orders carry it.
    Duplicated {
        /// Mirakl order id.
        order: String,
        /// The BigCommerce order ids.
        bigcommerce_orders: Vec<u64>,
    },
    /// The totals differ.
    TotalsDiffer {
        /// Mirakl order id.
        order: String,
        /// BigCommerce order id.
        bigcommerce_order: u64,
        /// What the order created from the Mirakl order totals ([`expected_total`]).
        mirakl_total: Decimal,
        /// BigCommerce `total_inc_tax`.
        bigcommerce_total: Decimal,
    },
    /// Shipped on one side and not on the other.
    ShippedOnOneSide {
        /// Mirakl order id.
        order: String,
        /// BigCommerce order id.
        bigcommerce_order: u64,
        /// `mirakl` or `bigcommerce`: where it is shipped.
        shipped_in: &'static str,
        /// Its Mirakl state.
        mirakl_state: String,
        /// Its BigCommerce status.
        bigcommerce_status: String,
    },
}

/// What the audit found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditReport {
    /// SKUs the catalog wants offered.
    pub desired_offers: usize,
    /// Offers live on Mirakl.
    pub live_offers: usize,
    /// How the live offers were read ("OF52 full export", or OF21 and why).
    pub offers_read_by: String,
    /// Catalog items that cannot be offered (no SKU, duplicates, …), with why: reported for
    /// information, not drift.
    pub not_offerable: Vec<(String, String)>,
    /// Mirakl orders checked.
    pub orders_checked: usize,
    /// Offer differences.
    pub offers: Vec<OfferDrift>,
    /// Order differences.
    pub orders: Vec<OrderDrift>,
}

impl AuditReport {
    /// Whether both sides agree.
    pub fn agrees(&self) -> bool {
        self.offers.is_empty() && self.orders.is_empty()
    }

    /// The report for a person.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Offers: {} desired, {} live on Mirakl (read by {}), {} difference(s)",
            self.desired_offers,
            self.live_offers,
            self.offers_read_by,
            self.offers.len()
        );
        for d in &self.offers {
            let _ = match d {
                OfferDrift::Missing {
                    sku,
                    price,
                    quantity,
                } => writeln!(
                    out,
                    "  {sku}: missing on Mirakl (wanted price {price}, quantity {quantity})"
                ),
                OfferDrift::Differs {
                    sku,
                    field,
                    desired,
                    live,
                } => writeln!(
                    out,
                    "  {sku}: {field} is {live} on Mirakl, the catalog wants {desired}"
                ),
                OfferDrift::NotDesired { sku, quantity } => writeln!(
                    out,
                    "  {sku}: offered on Mirakl ({quantity} in stock) but not wanted by the catalog"
                ),
            };
        }
        let _ = writeln!(
            out,
            "Orders: {} Mirakl order(s) checked, {} difference(s)",
            self.orders_checked,
            self.orders.len()
        );
        for d in &self.orders {
            let _ = match d {
                OrderDrift::Missing {
                    order,
                    mirakl_state,
                } => writeln!(
                    out,
                    "  {order}: {mirakl_state} on Mirakl, missing in BigCommerce"
                ),
                OrderDrift::Duplicated {
                    order,
                    bigcommerce_orders,
                } => writeln!(
                    out,
                    "  {order}: {} BigCommerce orders carry it ({})",
                    bigcommerce_orders.len(),
                    bigcommerce_orders
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                OrderDrift::TotalsDiffer {
                    order,
                    bigcommerce_order,
                    mirakl_total,
                    bigcommerce_total,
                } => writeln!(
                    out,
                    "  {order}: total {mirakl_total} on Mirakl, {bigcommerce_total} in BigCommerce order {bigcommerce_order}"
                ),
                OrderDrift::ShippedOnOneSide {
                    order,
                    bigcommerce_order,
                    shipped_in,
                    mirakl_state,
                    bigcommerce_status,
                } => writeln!(
                    out,
                    "  {order}: shipped in {} only (Mirakl {mirakl_state}, BigCommerce order {bigcommerce_order} {bigcommerce_status})",
                    if *shipped_in == "mirakl" {
                        "Mirakl"
                    } else {
                        "BigCommerce"
                    }
                ),
            };
        }
        if !self.not_offerable.is_empty() {
            let _ = writeln!(
                out,
                "Not offerable ({}, not counted as drift):",
                self.not_offerable.len()
            );
            for (item, why) in self.not_offerable.iter().take(50) {
                let _ = writeln!(out, "  {item}: {why}");
            }
        }
        let _ = writeln!(
            out,
            "{}",
            if self.agrees() {
                "Both sides agree."
            } else {
                "The two sides drift."
            }
        );
        out
    }
}

/// Where the audit is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditProgress {
    /// Catalog products read out of a total.
    Catalog {
        /// Read.
        read: u64,
        /// Total.
        total: u64,
    },
    /// Reading the live offers.
    Offers,
    /// Mirakl orders checked out of a total.
    Orders {
        /// Checked.
        checked: u64,
        /// Total.
        total: u64,
    },
}

fn shipped_on_mirakl(state: &OrderState) -> bool {
    matches!(
        state,
        OrderState::Shipped | OrderState::ToCollect | OrderState::Received | OrderState::Closed
    )
}

/// Mirakl states in which the connector has created the BigCommerce order.
fn needs_bigcommerce_order(state: &OrderState) -> bool {
    state == &OrderState::Shipping || shipped_on_mirakl(state)
}

fn shipped_in_bigcommerce(o: &bigcommerce_api::orders::Order) -> bool {
    matches!(o.status_id, OrderStatus::Shipped | OrderStatus::Completed)
        || (o.items_total > 0 && o.items_shipped >= o.items_total)
}

fn bigcommerce_closed(o: &bigcommerce_api::orders::Order) -> bool {
    matches!(
        o.status_id,
        OrderStatus::Cancelled
            | OrderStatus::Declined
            | OrderStatus::Refunded
            | OrderStatus::PartiallyRefunded
    )
}

/// What the BigCommerce order of a Mirakl order should total: the total of the order the
/// connector creates for it (`sync_core::orders::to_bigcommerce`, whose lines, shipping,
/// fees and discount BigCommerce adds up). `None` when the order cannot be mapped.
pub fn expected_total(order: &MkOrder, rules: &sync_core::rules::OrderRules) -> Option<Decimal> {
    // the mapping takes orders released for shipping; later states carry the same amounts
    let mut released = order.clone();
    released.order_state = OrderState::Shipping;
    sync_core::orders::to_bigcommerce(&released, &BTreeMap::new(), rules, None)
        .ok()
        .map(|m| m.bigcommerce_total())
}

/// Compares one Mirakl order with the BigCommerce orders that carry its id.
pub fn compare_order(
    order: &MkOrder,
    found: &[bigcommerce_api::orders::Order],
    rules: &sync_core::rules::OrderRules,
    tolerance: Decimal,
) -> Vec<OrderDrift> {
    let id = order.order_id.as_str().to_owned();
    let state = order.order_state.as_str().to_owned();
    let mut out = Vec::new();
    match found {
        [] => {
            if needs_bigcommerce_order(&order.order_state) {
                out.push(OrderDrift::Missing {
                    order: id,
                    mirakl_state: state,
                });
            }
        }
        [bc] => {
            let closed = bigcommerce_closed(bc)
                || matches!(
                    order.order_state,
                    OrderState::Canceled | OrderState::Refused
                );
            if !closed
                && let Some(total) = expected_total(order, rules)
                && (total - bc.total_inc_tax).abs() > tolerance
            {
                out.push(OrderDrift::TotalsDiffer {
                    order: id.clone(),
                    bigcommerce_order: bc.id.0,
                    mirakl_total: total,
                    bigcommerce_total: bc.total_inc_tax,
                });
            }
            let on_mirakl = shipped_on_mirakl(&order.order_state);
            let in_bc = shipped_in_bigcommerce(bc);
            if !closed && on_mirakl != in_bc {
                out.push(OrderDrift::ShippedOnOneSide {
                    order: id,
                    bigcommerce_order: bc.id.0,
                    shipped_in: if on_mirakl { "mirakl" } else { "bigcommerce" },
                    mirakl_state: state,
                    bigcommerce_status: bc.status.clone(),
                });
            }
        }
        many => {
            let mut ids: Vec<u64> = many.iter().map(|o| o.id.0).collect();
            ids.sort_unstable();
            out.push(OrderDrift::Duplicated {
                order: id,
                bigcommerce_orders: ids,
            });
        }
    }
    out
}

/// Compares the desired offers with the live ones.
pub fn compare_offers(
    desired: &BTreeMap<sync_core::ShopSku, sync_core::offers::DesiredOffer>,
    live: &BTreeMap<sync_core::ShopSku, sync_core::offers::CurrentOffer>,
) -> Vec<OfferDrift> {
    let mut out = Vec::new();
    for (sku, d) in desired {
        let Some(l) = live.get(sku) else {
            out.push(OfferDrift::Missing {
                sku: sku.as_str().to_owned(),
                price: d.content.price,
                quantity: d.content.quantity,
            });
            continue;
        };
        let mut differs = |field: &'static str, desired: String, live: String| {
            if desired != live {
                out.push(OfferDrift::Differs {
                    sku: sku.as_str().to_owned(),
                    field,
                    desired,
                    live,
                });
            }
        };
        differs(
            "price",
            d.content.price.normalize().to_string(),
            l.content.price.normalize().to_string(),
        );
        let discount = |c: &sync_core::offers::OfferContent| {
            c.discount
                .as_ref()
                .map_or_else(|| "none".to_owned(), |x| x.price.normalize().to_string())
        };
        differs("discount_price", discount(&d.content), discount(&l.content));
        differs(
            "quantity",
            d.content.quantity.to_string(),
            l.content.quantity.to_string(),
        );
        differs(
            "state",
            d.content.state_code.clone(),
            l.content.state_code.clone(),
        );
    }
    for (sku, l) in live {
        if !desired.contains_key(sku) && l.content.quantity > 0 {
            out.push(OfferDrift::NotDesired {
                sku: sku.as_str().to_owned(),
                quantity: l.content.quantity,
            });
        }
    }
    out
}

/// The live offers as the offers flow compares them, and how they were read.
async fn live_offers(
    engine: &Connector,
    opts: &AuditOptions,
) -> Result<(
    BTreeMap<sync_core::ShopSku, sync_core::offers::CurrentOffer>,
    String,
)> {
    if opts.offers_from != OfferSource::List {
        let request = mirakl_api::offers::OfferExportRequest {
            include_inactive_offers: Some(true),
            ..Default::default()
        };
        // an hour of polls at most
        let polls = (3600 / opts.export_poll.as_secs().max(1)).max(1) as u32;
        let wait = mirakl_api::imports::WaitOptions::new(opts.export_poll, polls);
        match engine.mirakl().offers().export_json(&request, wait).await {
            Ok(exported) => {
                let rules = &engine.rules().offer;
                let mut live: BTreeMap<_, _> = exported
                    .iter()
                    .filter_map(|o| sync_core::convert::current_offer_from_export(o, rules))
                    .map(|c| (c.shop_sku.clone(), c))
                    .collect();
                for c in live.values_mut() {
                    sync_core::convert::forget_unmanaged(c, rules);
                }
                return Ok((live, "OF52 full export".to_owned()));
            }
            Err(e) if opts.offers_from == OfferSource::Auto && e.status() == Some(429) => {
                let live = engine.offers().current_offers().await?;
                return Ok((
                    live,
                    format!("OF21 pages: Mirakl refused the full export ({e})"),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((
        engine.offers().current_offers().await?,
        "OF21 pages".to_owned(),
    ))
}

/// Reads both sides and compares them (see the module docs). Sends no write.
///
/// # Errors
/// A read that failed after the clients' retries: the audit could not finish.
pub async fn audit(
    engine: &Connector,
    opts: &AuditOptions,
    progress: &(dyn Fn(AuditProgress) + Send + Sync),
) -> Result<AuditReport> {
    use futures::TryStreamExt;
    let (desired, problems, _) = engine
        .desired_offers(&|read, total| progress(AuditProgress::Catalog { read, total }))
        .await?;
    progress(AuditProgress::Offers);
    let (live, offers_read_by) = live_offers(engine, opts).await?;
    let mut report = AuditReport {
        desired_offers: desired.len(),
        live_offers: live.len(),
        offers_read_by,
        not_offerable: problems
            .iter()
            .map(|p| {
                let what = p.sku.as_ref().map_or_else(
                    || format!("product {}", p.source.product_id),
                    |s| s.as_str().to_owned(),
                );
                (what, p.reason.to_string())
            })
            .collect(),
        offers: compare_offers(&desired, &live),
        ..AuditReport::default()
    };
    let since = OffsetDateTime::now_utc() - opts.orders_since;
    let orders: Vec<MkOrder> = engine
        .mirakl()
        .orders()
        .list()
        .updated_since(since)
        .max(100)
        .stream()
        .try_collect()
        .await?;
    let total = orders.len() as u64;
    report.orders_checked = orders.len();
    for (i, order) in orders.iter().enumerate() {
        let found = engine
            .bigcommerce()
            .orders()
            .find_by_external_order_id(order.order_id.as_str())
            .await?;
        report.orders.extend(compare_order(
            order,
            &found,
            &engine.rules().orders,
            opts.total_tolerance,
        ));
        progress(AuditProgress::Orders {
            checked: i as u64 + 1,
            total,
        });
    }
    Ok(report)
}

/// `sync audit --config FILE [--json]`: prints the report (or its JSON) on stdout and
/// progress lines on stderr; returns the exit code: 0 when both sides agree, 1 when they
/// drift, 2 when the audit could not finish.
pub async fn run_cli(config: &std::path::Path, json: bool, opts: &AuditOptions) -> u8 {
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
    let store = match crate::state::SqliteStore::open_in_memory() {
        Ok(s) => Arc::new(s),
        Err(e) => return fail("in-memory state", &e),
    };
    let engine = Connector::new(
        bc,
        mirakl,
        store,
        rules,
        crate::ConnectorOptions {
            dry_run: true,
            price_list_id: cfg.bigcommerce.price_list_id,
            location_inventory: cfg.bigcommerce.location_inventory,
            ..crate::ConnectorOptions::default()
        },
    );
    // the export is polled no slower than the configured import-status interval
    let opts = &AuditOptions {
        export_poll: opts.export_poll.min(cfg.poll.import_status),
        ..opts.clone()
    };
    // a bar on a terminal, plain periodic lines otherwise
    let display =
        crate::progress::Progress::stderr("audit: reading the BigCommerce catalog", "products");
    let stage = std::sync::Mutex::new(0u8);
    let progress = |p: AuditProgress| {
        let mut current = stage.lock().unwrap_or_else(|e| e.into_inner());
        match p {
            AuditProgress::Catalog { read, total } => display.set(read, total),
            AuditProgress::Offers => {
                *current = 2;
                display.stage(match opts.offers_from {
                    OfferSource::List => "audit: reading the Mirakl offers (OF21)",
                    _ => "audit: reading the Mirakl offers (full export, OF52)",
                });
            }
            AuditProgress::Orders { checked, total } => {
                if *current != 3 {
                    *current = 3;
                    display.stage("audit: checking Mirakl orders against BigCommerce");
                }
                display.set(checked, total);
            }
        }
    };
    let result = audit(&engine, opts, &progress).await;
    display.finish(if result.is_ok() { "done" } else { "stopped" });
    match result {
        Ok(report) => {
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(j) => println!("{j}"),
                    Err(e) => return fail("report", &e),
                }
            } else {
                print!("{}", report.render());
            }
            if report.agrees() { 0 } else { 1 }
        }
        Err(e) => fail("the audit could not finish", &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::offers::{CurrentOffer, DesiredOffer, OfferContent};
    use sync_core::{CatalogRef, ShopSku};

    fn content(price: i64, quantity: u64) -> OfferContent {
        OfferContent {
            price: Decimal::new(price, 0),
            discount: None,
            quantity,
            state_code: "11".into(),
            leadtime_to_ship: None,
            logistic_class: None,
            additional_fields: BTreeMap::new(),
            volume_prices: None,
        }
    }

    fn sku(s: &str) -> ShopSku {
        ShopSku::new(s).unwrap()
    }

    #[test]
    fn offers_missing_differing_and_unwanted_are_reported() {
        let desired: BTreeMap<_, _> = [("A", content(10, 5)), ("B", content(7, 1))]
            .into_iter()
            .map(|(k, c)| {
                (
                    sku(k),
                    DesiredOffer {
                        shop_sku: sku(k),
                        product_id: "1".into(),
                        product_id_type: "EAN".into(),
                        source: CatalogRef {
                            product_id: 1,
                            variant_id: None,
                        },
                        content: c,
                    },
                )
            })
            .collect();
        let mut used = content(10, 4);
        used.state_code = "1".into();
        let live: BTreeMap<_, _> = [("A", used), ("C", content(3, 0)), ("D", content(3, 3))]
            .into_iter()
            .map(|(k, c)| {
                (
                    sku(k),
                    CurrentOffer {
                        shop_sku: sku(k),
                        product_id: "1".into(),
                        product_id_type: "EAN".into(),
                        content: c,
                    },
                )
            })
            .collect();
        let drift = compare_offers(&desired, &live);
        assert_eq!(
            drift,
            vec![
                OfferDrift::Differs {
                    sku: "A".into(),
                    field: "quantity",
                    desired: "5".into(),
                    live: "4".into()
                },
                OfferDrift::Differs {
                    sku: "A".into(),
                    field: "state",
                    desired: "11".into(),
                    live: "1".into()
                },
                OfferDrift::Missing {
                    sku: "B".into(),
                    price: Decimal::new(7, 0),
                    quantity: 1
                },
                // C has no stock: nothing is offered, nothing to correct
                OfferDrift::NotDesired {
                    sku: "D".into(),
                    quantity: 3
                },
            ]
        );
    }

    /// An OR11 order from the spec's example (../shared/specs/mirakl, via sync-core's
    /// fixture): RECEIVED, so shipped on Mirakl.
    fn received_order() -> MkOrder {
        #[derive(serde::Deserialize)]
        struct Page {
            orders: Vec<MkOrder>,
        }
        let p: Page = serde_json::from_str(include_str!(
            "../../sync-core/tests/fixtures/or11_orders.json"
        ))
        .unwrap();
        p.orders.into_iter().next().unwrap()
    }

    fn bc_order(id: u64, total: Decimal, shipped: bool) -> bigcommerce_api::orders::Order {
        bigcommerce_api::orders::Order {
            id: bigcommerce_api::orders::OrderId(id),
            total_inc_tax: total,
            status_id: if shipped {
                OrderStatus::Shipped
            } else {
                OrderStatus::AwaitingFulfillment
            },
            status: if shipped {
                "Shipped".into()
            } else {
                "Awaiting Fulfillment".into()
            },
            items_total: 1,
            items_shipped: u64::from(shipped),
            ..Default::default()
        }
    }

    #[test]
    fn orders_missing_duplicated_with_other_totals_or_shipped_on_one_side() {
        let rules = sync_core::rules::OrderRules::default();
        let tol = Decimal::new(1, 2);
        let o = received_order();
        let id = o.order_id.as_str().to_owned();
        let total = expected_total(&o, &rules).expect("the fixture maps");
        assert!(total > Decimal::ZERO);
        assert_eq!(
            compare_order(&o, &[], &rules, tol),
            vec![OrderDrift::Missing {
                order: id.clone(),
                mirakl_state: "RECEIVED".into()
            }]
        );
        assert!(compare_order(&o, &[bc_order(1, total, true)], &rules, tol).is_empty());
        assert_eq!(
            compare_order(
                &o,
                &[bc_order(2, total, true), bc_order(1, total, true)],
                &rules,
                tol
            ),
            vec![OrderDrift::Duplicated {
                order: id.clone(),
                bigcommerce_orders: vec![1, 2]
            }]
        );
        let off = total + Decimal::ONE;
        assert_eq!(
            compare_order(&o, &[bc_order(1, off, false)], &rules, tol),
            vec![
                OrderDrift::TotalsDiffer {
                    order: id.clone(),
                    bigcommerce_order: 1,
                    mirakl_total: total,
                    bigcommerce_total: off
                },
                OrderDrift::ShippedOnOneSide {
                    order: id,
                    bigcommerce_order: 1,
                    shipped_in: "mirakl",
                    mirakl_state: "RECEIVED".into(),
                    bigcommerce_status: "Awaiting Fulfillment".into()
                }
            ]
        );
        // an order not yet released needs no BigCommerce order
        let mut waiting = received_order();
        waiting.order_state = OrderState::WaitingAcceptance;
        assert!(compare_order(&waiting, &[], &rules, tol).is_empty());
    }
}
