//! The thin runner: schedules the three flows of a [`Connector`] side by side, so a slow step
//! of one (a long order backlog, a P41 import, an offer batch waiting for its call window)
//! never holds back the others.
//!
//! * **Orders**: one poll at once, then every [`RunOptions::order_poll`]; BigCommerce order
//!   and shipment webhooks step their order at once. The orders of one flow are stepped one
//!   after the other, so no two steps of the same order ever overlap.
//! * **Offers**: after the first order poll (units held by open orders are subtracted from
//!   the stock offered), a full reconciliation when [`RunOptions::reconcile_on_start`]; then
//!   the BigCommerce fallback poll, the periodic full reconciliation, re-reading dirty
//!   products and flushing batches once per call window. Webhooks wake it.
//! * **Products**: one P41 step per tick.
//!
//! The flows run as concurrent futures of the one task that calls [`run`] (aborting that task
//! stops all of them at once, as a crash would).

use std::sync::Arc;
use std::time::Duration;

use bigcommerce_api::webhooks::WebhookEvent;
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

use crate::Connector;

/// Loop intervals.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Mirakl order poll (OR11).
    pub order_poll: Duration,
    /// BigCommerce fallback poll by `date_modified` (`None`: webhooks only).
    pub bigcommerce_poll: Option<Duration>,
    /// Full reconciliation interval (`None`: only at start).
    pub full_reconcile: Option<Duration>,
    /// Longest sleep between two looks at a flow's work.
    pub tick: Duration,
    /// Run a full reconciliation right after the first order poll (what a restart needs:
    /// changes made while the connector was down had no webhook it could receive).
    pub reconcile_on_start: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            order_poll: Duration::from_secs(60),
            bigcommerce_poll: Some(Duration::from_secs(300)),
            full_reconcile: Some(Duration::from_secs(86_400)),
            tick: Duration::from_secs(1),
            reconcile_on_start: true,
        }
    }
}

/// A BigCommerce order named by a webhook, and whether it closes the order (cancellations
/// and refunds matter even for orders already settled on Mirakl).
fn order_of(event: &WebhookEvent) -> Option<(u64, bool)> {
    use bigcommerce_api::orders::OrderStatus;
    let scope = event.scope.as_str();
    let id = event.order_id()?;
    if !(scope.starts_with("store/shipment/") || scope.starts_with("store/order/")) {
        return None;
    }
    let closing = event
        .object()
        .and_then(|o| o.status.as_ref())
        .and_then(|s| s.new_status_id.as_ref())
        .is_some_and(|s| {
            matches!(
                s,
                OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::PartiallyRefunded
            )
        });
    Some((id, closing))
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            // the sender is gone: nobody can ask to stop any more
            std::future::pending::<()>().await;
        }
    }
}

/// Runs until `stop` becomes `true`.
pub async fn run(
    connector: Arc<Connector>,
    opts: RunOptions,
    events: mpsc::UnboundedReceiver<WebhookEvent>,
    stop: watch::Receiver<bool>,
) {
    let (orders_tx, orders_rx) = mpsc::unbounded_channel();
    let offers_wake = Notify::new();
    let (first_poll_tx, first_poll_rx) = watch::channel(false);
    tokio::join!(
        dispatch(&connector, events, orders_tx, &offers_wake, stop.clone()),
        orders_flow(&connector, &opts, orders_rx, first_poll_tx, stop.clone()),
        offers_flow(&connector, &opts, &offers_wake, first_poll_rx, stop.clone()),
        products_flow(&connector, &opts, stop),
    );
}

/// Webhooks in: dirty keys to the offers (and products) flow, orders to the orders flow.
async fn dispatch(
    connector: &Connector,
    mut events: mpsc::UnboundedReceiver<WebhookEvent>,
    orders: mpsc::UnboundedSender<(u64, bool)>,
    offers_wake: &Notify,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else {
                    stopped(&mut stop).await;
                    return;
                };
                let keys = connector.mark_event(&ev);
                if keys > 0 {
                    offers_wake.notify_one();
                }
                if let Some(order) = order_of(&ev) {
                    let _ = orders.send(order);
                }
                tracing::debug!(scope = %ev.scope, keys, "webhook handled");
            }
            () = stopped(&mut stop) => return,
        }
    }
}

async fn orders_flow(
    connector: &Connector,
    opts: &RunOptions,
    mut named: mpsc::UnboundedReceiver<(u64, bool)>,
    first_poll: watch::Sender<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let mut next_poll = Instant::now();
    loop {
        if *stop.borrow() {
            return;
        }
        if Instant::now() >= next_poll {
            next_poll = Instant::now() + opts.order_poll;
            if let Err(e) = connector.poll_orders().await {
                tracing::warn!(error = %e, "order poll failed");
            }
            let _ = first_poll.send(true);
        }
        while let Ok((id, closing)) = named.try_recv() {
            if let Err(e) = connector.step_bigcommerce_order(id, closing).await {
                tracing::warn!(bigcommerce_order = id, error = %e, "order step failed");
            }
        }
        tokio::select! {
            () = tokio::time::sleep_until(next_poll) => {}
            Some((id, closing)) = named.recv() => {
                if let Err(e) = connector.step_bigcommerce_order(id, closing).await {
                    tracing::warn!(bigcommerce_order = id, error = %e, "order step failed");
                }
            }
            () = stopped(&mut stop) => return,
        }
    }
}

async fn offers_flow(
    connector: &Connector,
    opts: &RunOptions,
    wake: &Notify,
    mut first_poll: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let start = Instant::now();
    let mut next_bc = opts.bigcommerce_poll.map(|d| start + d);
    let mut next_full = opts.full_reconcile.map(|d| start + d);
    let mut start_reconcile = opts.reconcile_on_start;
    if start_reconcile {
        // orders first: units held by open orders are subtracted from the stock offered
        tokio::select! {
            _ = first_poll.wait_for(|done| *done) => {}
            () = stopped(&mut stop) => return,
        }
    }
    loop {
        if *stop.borrow() {
            return;
        }
        if start_reconcile {
            match connector.reconcile(&|_, _| {}).await {
                Ok(_) => start_reconcile = false,
                Err(e) => tracing::warn!(error = %e, "start-up reconciliation failed; retrying"),
            }
        }
        let now = Instant::now();
        if let Some(at) = next_bc
            && now >= at
        {
            next_bc = opts.bigcommerce_poll.map(|d| now + d);
            if let Err(e) = connector.poll_bigcommerce().await {
                tracing::warn!(error = %e, "BigCommerce poll failed");
            }
        }
        if let Some(at) = next_full
            && now >= at
        {
            next_full = opts.full_reconcile.map(|d| now + d);
            if let Err(e) = connector.reconcile(&|_, _| {}).await {
                tracing::warn!(error = %e, "full reconciliation failed");
            }
        }
        if let Err(e) = connector.process_dirty().await {
            tracing::warn!(error = %e, "re-reading changed products failed");
        }
        connector.flush().await;
        // sleep until the next due time, a webhook, or stop
        let mut wake_at = Instant::now() + opts.tick;
        if let Some(at) = next_bc {
            wake_at = wake_at.min(at);
        }
        if let Some(at) = connector.offers().next_wakeup() {
            let secs = (at - time::OffsetDateTime::now_utc())
                .as_seconds_f64()
                .max(0.0);
            wake_at = wake_at.min(Instant::now() + Duration::from_secs_f64(secs));
        }
        tokio::select! {
            () = tokio::time::sleep_until(wake_at) => {}
            () = wake.notified() => {}
            () = stopped(&mut stop) => return,
        }
    }
}

async fn products_flow(connector: &Connector, opts: &RunOptions, mut stop: watch::Receiver<bool>) {
    if !connector.products_enabled() {
        return;
    }
    loop {
        if *stop.borrow() {
            return;
        }
        // poll the running import, or send new and changed products once a P41 window is
        // open; integrated products mark their offers dirty
        if let Err(e) = connector.sync_products().await {
            tracing::warn!(error = %e, "product sync step failed");
        }
        tokio::select! {
            () = tokio::time::sleep(opts.tick) => {}
            () = stopped(&mut stop) => return,
        }
    }
}
