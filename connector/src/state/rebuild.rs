//! Rebuilding the state from both services (`sync --rebuild-state`), for a state file that was
//! lost, damaged or restored from an old backup.
//!
//! Only reads: Mirakl orders (OR11: every open order, and every order updated within the
//! look-back), each looked up in BigCommerce by `external_order_id` (the v2 orders listing)
//! with its shipments and refunds, and Mirakl's offers (OF21). Nothing is written to either
//! service; the store receives:
//!
//! * **the order map**: per Mirakl order, what the services show was done: accepted (past
//!   `WAITING_ACCEPTANCE`), its BigCommerce order (created), shipment confirmed (past
//!   `SHIPPING`, with every BigCommerce shipment counted as forwarded), cancellations mirrored
//!   (cancelled on both sides). Refunds are the one thing the services cannot pair: every
//!   refund present on either side is counted as handled, so nothing refunded before the
//!   rebuild is ever refunded again, and each order with refunds is listed for a look;
//! * **the sent-offer records**: each offer as Mirakl holds it, as if sent (an offer that
//!   already matches the catalog is not sent again).
//!
//! A record already in the store is merged with the rebuilt one (each flag set if either
//! says so), so a rebuild over a readable file only adds what the file lacked.

use std::collections::BTreeMap;
use std::time::Duration;

use bigcommerce_api::orders::{OrderId, OrderStatus};
use mirakl_api::orders::{Order as MkOrder, OrderState as MiraklOrderState};
use sync_core::lifecycle::{CANCELATION_KEY_PREFIX, OrderRecord};

use crate::connector::Connector;
use crate::error::Result;
use crate::state::{SentOffer, StateError};

/// What a rebuild found and recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RebuildReport {
    /// Mirakl orders read (and recorded).
    pub orders: usize,
    /// Of those, the ones found in BigCommerce by `external_order_id`.
    pub linked: usize,
    /// Offers read from Mirakl and recorded as sent.
    pub offers: usize,
    /// Orders to look at, with why (refunds counted as handled, several BigCommerce orders
    /// for one Mirakl order, a conflict with the stored map).
    pub review: Vec<(String, String)>,
}

/// The BigCommerce side of one order as the rebuild reads it.
struct Found {
    id: u64,
    status: OrderStatus,
    shipments: Vec<u64>,
    refunds: Vec<u64>,
}

/// Rebuilds the order map and the sent-offer records of `engine`'s store from both services
/// (see the [module docs](self)); Mirakl orders updated within `lookback` are read besides
/// every open one.
///
/// # Errors
/// The first read or store write that fails (what was recorded until then stays: a rebuild
/// can simply be run again).
pub async fn rebuild(engine: &Connector, lookback: Duration) -> Result<RebuildReport> {
    let mut report = RebuildReport::default();
    let store = engine.store().as_ref();
    for order in mirakl_orders(engine, lookback).await? {
        let id = order.order_id.as_str().to_owned();
        let found = bigcommerce_side(engine, &id, &mut report).await?;
        report.linked += usize::from(found.is_some());
        let rebuilt = record_from_services(&order, found.as_ref());
        if !rebuilt.mirakl_refunds_handled.is_empty()
            || !rebuilt.bigcommerce_refunds_handled.is_empty()
        {
            report.review.push((
                id.clone(),
                format!(
                    "refunds counted as handled ({} on Mirakl, {} in BigCommerce): check both sides agree",
                    rebuilt.mirakl_refunds_handled.len(),
                    rebuilt.bigcommerce_refunds_handled.len()
                ),
            ));
        }
        let record = match store.order(&id).await? {
            Some(old) => merged(&old.record, &rebuilt),
            None => rebuilt,
        };
        match store.save_order(&id, &record, None).await {
            Ok(()) => {}
            Err(StateError::Conflict {
                bigcommerce_order_id,
                ..
            }) => report.review.push((
                id.clone(),
                format!(
                    "BigCommerce order {bigcommerce_order_id} conflicts with the stored order map; kept as stored"
                ),
            )),
            Err(e) => return Err(e.into()),
        }
        report.orders += 1;
    }
    let offers: Vec<SentOffer> = engine
        .offers()
        .current_offers()
        .await?
        .values()
        .map(crate::offers::sent_record_of_current)
        .collect::<Result<_>>()?;
    store.record_sent_offers(&offers).await?;
    report.offers = offers.len();
    Ok(report)
}

/// Every open Mirakl order and every order updated within `lookback`, by id.
async fn mirakl_orders(engine: &Connector, lookback: Duration) -> Result<Vec<MkOrder>> {
    use futures::TryStreamExt;
    let orders = engine.mirakl().orders();
    let open: Vec<MkOrder> = orders
        .list()
        .states([
            MiraklOrderState::Staging,
            MiraklOrderState::WaitingAcceptance,
            MiraklOrderState::WaitingDebit,
            MiraklOrderState::WaitingDebitPayment,
            MiraklOrderState::Shipping,
        ])
        .max(100)
        .stream()
        .try_collect()
        .await?;
    let since = time::OffsetDateTime::now_utc() - lookback;
    let recent: Vec<MkOrder> = orders
        .list()
        .updated_since(since)
        .max(100)
        .stream()
        .try_collect()
        .await?;
    let mut by_id = BTreeMap::new();
    for o in open.into_iter().chain(recent) {
        by_id.insert(o.order_id.as_str().to_owned(), o);
    }
    Ok(by_id.into_values().collect())
}

/// The BigCommerce order whose `external_order_id` is `id` (the lowest id when several,
/// reported), with its shipment and refund ids.
async fn bigcommerce_side(
    engine: &Connector,
    id: &str,
    report: &mut RebuildReport,
) -> Result<Option<Found>> {
    let bc = engine.bigcommerce();
    let mut found = bc.orders().find_by_external_order_id(id).await?;
    found.sort_by_key(|o| o.id.0);
    if found.len() > 1 {
        report.review.push((
            id.to_owned(),
            format!(
                "{} BigCommerce orders carry this external id; the lowest is recorded",
                found.len()
            ),
        ));
    }
    let Some(order) = found.into_iter().next() else {
        return Ok(None);
    };
    let oid = OrderId(order.id.0);
    let shipments = bc
        .shipments(oid)
        .list()
        .all()
        .await?
        .iter()
        .map(|s| s.id.0)
        .collect();
    let refunds = if matches!(
        order.status_id,
        OrderStatus::Refunded | OrderStatus::PartiallyRefunded
    ) {
        bc.orders()
            .refunds(oid)
            .all()
            .await?
            .iter()
            .map(|r| r.id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(Found {
        id: order.id.0,
        status: order.status_id,
        shipments,
        refunds,
    }))
}

/// What the services show was done for `order` (see the [module docs](self)).
fn record_from_services(order: &MkOrder, bc: Option<&Found>) -> OrderRecord {
    use MiraklOrderState as S;
    let state = &order.order_state;
    let shipped = matches!(state, S::Shipped | S::ToCollect | S::Received | S::Closed);
    let cancelled_on_mirakl = matches!(state, S::Canceled | S::Refused);
    let mut record = OrderRecord {
        acceptance_sent: !matches!(state, S::Staging | S::WaitingAcceptance),
        create_started: bc.is_some(),
        bigcommerce_order_id: bc.map(|b| b.id),
        ship_confirmed: shipped,
        ..OrderRecord::default()
    };
    let Some(b) = bc else { return record };
    if shipped {
        record.tracking_sent = b.shipments.iter().copied().collect();
    }
    if cancelled_on_mirakl && b.status == OrderStatus::Cancelled {
        record.bigcommerce_cancelled = true;
        record.mirakl_cancel_sent = true;
    }
    for line in &order.order_lines {
        for r in &line.refunds {
            if let Some(rid) = r.id.clone().or_else(|| r.order_refund_id.clone()) {
                record.mirakl_refunds_handled.insert(rid);
            }
        }
        for c in &line.cancelations {
            if let Some(cid) = c.id.as_deref() {
                record
                    .mirakl_refunds_handled
                    .insert(format!("{CANCELATION_KEY_PREFIX}{cid}"));
            }
        }
    }
    record.bigcommerce_refunds_handled = b.refunds.iter().copied().collect();
    record
}

/// `old` and `new` together: each flag set if either sets it, the sets joined, the stored
/// BigCommerce id kept.
fn merged(old: &OrderRecord, new: &OrderRecord) -> OrderRecord {
    let mut out = old.clone();
    out.acceptance_sent |= new.acceptance_sent;
    out.create_started |= new.create_started;
    out.bigcommerce_order_id = old.bigcommerce_order_id.or(new.bigcommerce_order_id);
    out.tracking_sent.extend(new.tracking_sent.iter().copied());
    out.ship_confirmed |= new.ship_confirmed;
    out.mirakl_cancel_sent |= new.mirakl_cancel_sent;
    out.bigcommerce_cancelled |= new.bigcommerce_cancelled;
    out.mirakl_refunds_handled
        .extend(new.mirakl_refunds_handled.iter().cloned());
    out.bigcommerce_refunds_handled
        .extend(new.bigcommerce_refunds_handled.iter().copied());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_every_done_step_and_the_stored_id() {
        let old = OrderRecord {
            acceptance_sent: true,
            bigcommerce_order_id: Some(7),
            tracking_sent: [1].into_iter().collect(),
            ..OrderRecord::default()
        };
        let new = OrderRecord {
            create_started: true,
            bigcommerce_order_id: Some(9),
            tracking_sent: [2].into_iter().collect(),
            ship_confirmed: true,
            mirakl_refunds_handled: ["R1".to_owned()].into_iter().collect(),
            ..OrderRecord::default()
        };
        let m = merged(&old, &new);
        assert!(m.acceptance_sent && m.create_started && m.ship_confirmed);
        assert_eq!(m.bigcommerce_order_id, Some(7));
        assert_eq!(m.tracking_sent.len(), 2);
        assert!(m.mirakl_refunds_handled.contains("R1"));
        assert!(!m.mirakl_cancel_sent && !m.bigcommerce_cancelled);
    }
}
