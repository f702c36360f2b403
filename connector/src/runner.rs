//! The thin runner: schedules the steps of a [`Connector`]'s three flows — webhooks in, the
//! order poll (OR11) and order steps named by webhooks, the BigCommerce fallback poll and
//! full reconciliations, a product sync (P41) step, then the offers step (dirty products
//! re-read, batches flushed once per call window) — and sleeps until the next one is due.
//!
//! Today one task runs the steps one after the other each tick (as the engine loop did), so
//! no two steps of the same order ever overlap and an order poll never interleaves with an
//! offer quantity being computed and sent. The flows own their state and hold the stock gate
//! around those critical sections, which is what lets a runner run them side by side; that
//! scheduling is left for the throughput work (issue 11).

use std::sync::Arc;
use std::time::Duration;

use bigcommerce_api::webhooks::WebhookEvent;
use tokio::sync::{mpsc, watch};
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
    /// Longest sleep between two looks at the work queues.
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

fn handle_event(engine: &Connector, event: &WebhookEvent, orders: &mut Vec<(u64, bool)>) {
    use bigcommerce_api::orders::OrderStatus;
    let keys = engine.mark_event(event);
    let scope = event.scope.as_str();
    if let Some(id) = event.order_id()
        && (scope.starts_with("store/shipment/") || scope.starts_with("store/order/"))
    {
        // cancellations and refunds matter even for orders already settled on Mirakl
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
        orders.push((id, closing));
    }
    tracing::debug!(scope = %event.scope, keys, "webhook handled");
}

/// Runs until `stop` becomes `true`. The first order poll happens at once, then (with
/// [`RunOptions::reconcile_on_start`]) a full reconciliation.
pub async fn run(
    engine: Arc<Connector>,
    opts: RunOptions,
    mut events: mpsc::UnboundedReceiver<WebhookEvent>,
    mut stop: watch::Receiver<bool>,
) {
    let start = Instant::now();
    // what /healthz checks: each flow reports its progress against its interval
    let telemetry = engine.telemetry().clone();
    telemetry.expect("orders", opts.order_poll);
    if let Some(d) = opts.bigcommerce_poll {
        telemetry.expect("bigcommerce_poll", d);
    }
    if let Some(d) = opts.full_reconcile {
        telemetry.expect("reconcile", d);
    }
    let step_every = opts.tick.max(Duration::from_secs(60));
    telemetry.expect("offers", step_every);
    if engine.products_enabled() {
        telemetry.expect("products", step_every);
    }
    let mut next_orders = start;
    let mut next_bc = opts.bigcommerce_poll.map(|d| start + d);
    let mut next_full = opts.full_reconcile.map(|d| start + d);
    let mut events_open = true;
    let mut start_reconcile = opts.reconcile_on_start;
    loop {
        if *stop.borrow() {
            break;
        }
        let mut order_ids = Vec::new();
        while let Ok(ev) = events.try_recv() {
            handle_event(&engine, &ev, &mut order_ids);
        }
        let now = Instant::now();
        if now >= next_orders {
            next_orders = now + opts.order_poll;
            match engine.poll_orders().await {
                Ok(_) => telemetry.progress("orders"),
                Err(e) => {
                    tracing::warn!(error = %e, "order poll failed");
                    telemetry.failed("orders", &e);
                }
            }
        }
        // customer messages and incidents onto the BigCommerce orders (M11 at its own pace)
        if let Err(e) = engine.messages().step().await {
            tracing::warn!(error = %e, "messages step failed");
        }
        if start_reconcile {
            match engine.reconcile(&|_, _| {}).await {
                Ok(_) => {
                    start_reconcile = false;
                    telemetry.progress("reconcile");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "start-up reconciliation failed; retrying");
                    telemetry.failed("reconcile", &e);
                }
            }
        }
        for (id, closing) in order_ids {
            if let Err(e) = engine.step_bigcommerce_order(id, closing).await {
                tracing::warn!(bigcommerce_order = id, error = %e, "order step failed");
            }
        }
        if let Some(at) = next_bc
            && now >= at
        {
            next_bc = opts.bigcommerce_poll.map(|d| now + d);
            match engine.poll_bigcommerce().await {
                Ok(_) => telemetry.progress("bigcommerce_poll"),
                Err(e) => {
                    tracing::warn!(error = %e, "BigCommerce poll failed");
                    telemetry.failed("bigcommerce_poll", &e);
                }
            }
        }
        if let Some(at) = next_full
            && now >= at
        {
            next_full = opts.full_reconcile.map(|d| now + d);
            match engine.reconcile(&|_, _| {}).await {
                Ok(_) => telemetry.progress("reconcile"),
                Err(e) => {
                    tracing::warn!(error = %e, "full reconciliation failed");
                    telemetry.failed("reconcile", &e);
                }
            }
        }
        // product sync (P41): poll the running import, or send new and changed products
        // once a P41 window is open; integrated products mark their offers dirty
        if engine.products_enabled() {
            match engine.sync_products().await {
                Ok(_) => telemetry.progress("products"),
                Err(e) => {
                    tracing::warn!(error = %e, "product sync step failed");
                    telemetry.failed("products", &e);
                }
            }
        }
        match engine.offers().step().await {
            Ok(_) => telemetry.progress("offers"),
            Err(e) => {
                tracing::warn!(error = %e, "re-reading changed products failed");
                telemetry.failed("offers", &e);
            }
        }

        // sleep until the next due time, a webhook, or stop
        let mut wake = next_orders.min(Instant::now() + opts.tick);
        if let Some(at) = next_bc {
            wake = wake.min(at);
        }
        if let Some(at) = engine.offers().next_wakeup() {
            let secs = (at - time::OffsetDateTime::now_utc())
                .as_seconds_f64()
                .max(0.0);
            wake = wake.min(Instant::now() + Duration::from_secs_f64(secs));
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            ev = events.recv(), if events_open => {
                match ev {
                    Some(ev) => {
                        let mut ids = Vec::new();
                        handle_event(&engine, &ev, &mut ids);
                        for (id, closing) in ids {
                            if let Err(e) = engine.step_bigcommerce_order(id, closing).await {
                                tracing::warn!(bigcommerce_order = id, error = %e, "order step failed");
                            }
                        }
                    }
                    None => events_open = false,
                }
            }
            _ = stop.changed() => {}
        }
    }
}
