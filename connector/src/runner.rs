//! The thin runner: schedules the steps of a [`Connector`]'s three flows side by side, so
//! none waits for another (no head-of-line blocking):
//!
//! - the **webhooks** loop: each event's keys marked dirty as it arrives, and the orders it
//!   names handed to the orders loop;
//! - the **orders** loop: the order poll (OR11), order steps named by webhooks,
//!   failed order steps retried on a short backoff, and the BigCommerce order listing by
//!   `min_date_modified` (the fallback for missed shipment webhooks);
//! - the **offers** loop: a product sync (P41) step, dirty products re-read and batches
//!   flushed once per call window, the BigCommerce product poll and full reconciliations.
//!
//! The two loops share nothing but the connector, whose stock gate keeps an offer quantity
//! from being computed while an order's acceptance changes what may be offered.
//!
//! Stopping ([`run`]'s `stop` turning `true`, on SIGTERM or Ctrl-C in `sync`) cancels the
//! step under way after a short grace ([`STOP_GRACE`]): the flows record every call before it
//! is made and every outcome after it, so a step dropped between two awaits leaves at most a
//! call in flight, which the next start settles (a create is looked up before it is made
//! again), exactly as after a crash.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bigcommerce_api::webhooks::WebhookEvent;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::Connector;

/// How many orders named by webhooks are stepped at once.
const WEBHOOK_STEP_CONCURRENCY: usize = 8;

/// How long a step under way may still run once a stop was asked for, before it is dropped.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// Runs `step` to its end, unless `stop` becomes `true` first: the step then gets `grace` to
/// finish and is dropped after it. Returns the step's output, or `None` when it was dropped.
/// Used by [`run`] and by `sync`'s start-up steps.
pub async fn until_stopped<F: Future>(
    step: F,
    stop: &mut watch::Receiver<bool>,
    grace: Duration,
) -> Option<F::Output> {
    tokio::pin!(step);
    if !*stop.borrow_and_update() {
        tokio::select! {
            out = &mut step => return Some(out),
            _ = stopped(stop) => {}
        }
    }
    tokio::time::timeout(grace, step).await.ok()
}

/// Resolves once `stop` is `true`; never when its sender is gone without saying so.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

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

/// An order named by a webhook: its BigCommerce id, whether it closed (cancelled or
/// refunded) and, for `store/shipment/created`, the shipment created (`None`: the event may
/// tell something the order's side as read does not show).
type NamedOrder = (u64, bool, Option<u64>);

fn handle_event(engine: &Connector, event: &WebhookEvent, orders: &mut Vec<NamedOrder>) {
    use bigcommerce_api::orders::OrderStatus;
    let keys = engine.mark_event(event);
    let scope = event.scope.as_str();
    if let Some(id) = event.order_id()
        && (scope.starts_with("store/shipment/") || scope.starts_with("store/order/"))
    {
        // cancellations and refunds matter even for orders already settled on Mirakl; other
        // status changes (e.g. to Shipped) come with a shipment event of their own, and
        // stepping the order for both would read its BigCommerce side twice
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
        if closing || scope.starts_with("store/shipment/") {
            let created = (scope == "store/shipment/created")
                .then(|| event.object().and_then(|o| o.id.as_deref()?.parse().ok()))
                .flatten();
            orders.push((id, closing, created));
        }
    }
    tracing::debug!(scope = %event.scope, keys, "webhook handled");
}

/// Runs until `stop` becomes `true`: the orders loop and the offers loop side by side (see
/// the [module docs](self)). The first order poll happens at once; the offers loop starts
/// after it (units held by open orders are subtracted from the stock offered), with a full
/// reconciliation first when [`RunOptions::reconcile_on_start`] says so.
pub async fn run(
    engine: Arc<Connector>,
    opts: RunOptions,
    events: mpsc::UnboundedReceiver<WebhookEvent>,
    stop: watch::Receiver<bool>,
) {
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
    let (first_poll_tx, first_poll_rx) = watch::channel(false);
    let (named_tx, named_rx) = mpsc::unbounded_channel();
    tokio::join!(
        events_loop(engine.clone(), events, named_tx, stop.clone()),
        orders_loop(
            engine.clone(),
            opts.clone(),
            named_rx,
            stop.clone(),
            first_poll_tx
        ),
        offers_loop(engine, opts, stop, first_poll_rx),
    );
}

/// Webhooks as they arrive: their keys are marked dirty at once (a change never waits for an
/// order poll that waits for its call window), and the orders they name go to the orders
/// loop. Ends when the events channel closes (the orders loop then sees its own close).
async fn events_loop(
    engine: Arc<Connector>,
    mut events: mpsc::UnboundedReceiver<WebhookEvent>,
    named: mpsc::UnboundedSender<NamedOrder>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else { break };
                let mut orders = Vec::new();
                handle_event(&engine, &ev, &mut orders);
                for o in orders {
                    let _ = named.send(o);
                }
            }
            _ = stopped(&mut stop) => break,
        }
    }
}

/// The orders flow: OR11 polls, webhook-named order steps, short-backoff retries of failed
/// order steps and the BigCommerce order listing.
async fn orders_loop(
    engine: Arc<Connector>,
    opts: RunOptions,
    mut events: mpsc::UnboundedReceiver<NamedOrder>,
    mut stop: watch::Receiver<bool>,
    first_poll: watch::Sender<bool>,
) {
    let telemetry = engine.telemetry().clone();
    let start = Instant::now();
    let mut next_orders = start;
    let mut next_bc = opts.bigcommerce_poll.map(|d| start + d);
    let mut events_open = true;
    let mut order_ids: Vec<NamedOrder> = Vec::new();
    loop {
        if *stop.borrow() {
            break;
        }
        while let Ok(named) = events.try_recv() {
            order_ids.push(named);
        }
        let now = Instant::now();
        if now >= next_orders {
            next_orders = now + opts.order_poll;
            match until_stopped(engine.poll_orders(), &mut stop, STOP_GRACE).await {
                None => break,
                Some(Ok(_)) => telemetry.progress("orders"),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "order poll failed");
                    telemetry.failed("orders", &e);
                }
            }
            let _ = first_poll.send(true);
        }
        // orders named by webhooks (shipments, status changes): each order once, several
        // orders at once
        // (closing, the shipments created, `None` when an event names something else)
        type Named = (bool, Option<std::collections::BTreeSet<u64>>);
        let mut named: std::collections::BTreeMap<u64, Named> = std::collections::BTreeMap::new();
        for (id, closing, created) in order_ids.drain(..) {
            let e = named
                .entry(id)
                .or_insert_with(|| (false, Some(Default::default())));
            e.0 |= closing;
            e.1 = match (e.1.take(), created) {
                (Some(mut set), Some(s)) => {
                    set.insert(s);
                    Some(set)
                }
                _ => None,
            };
        }
        // the products of orders named together come in one listing, not a read each
        if named.len() > 1 {
            let ids: Vec<u64> = named.keys().copied().collect();
            match until_stopped(engine.orders().prefetch_named(&ids), &mut stop, STOP_GRACE).await {
                None => break,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "listing the named orders failed; each reads its own")
                }
            }
        }
        let stepped = until_stopped(
            futures::StreamExt::for_each_concurrent(
                futures::stream::iter(named),
                WEBHOOK_STEP_CONCURRENCY,
                |(id, (closing, created))| {
                    let engine = engine.clone();
                    async move {
                        let step = engine
                            .orders()
                            .step_for_webhook(id, closing, created.as_ref());
                        if let Err(e) = step.await {
                            tracing::warn!(bigcommerce_order = id, error = %e, "order step failed");
                        }
                    }
                },
            ),
            &mut stop,
            STOP_GRACE,
        )
        .await;
        if stepped.is_none() {
            break;
        }
        // failed order steps, due again after their short backoff
        if until_stopped(engine.orders().step_retries(), &mut stop, STOP_GRACE)
            .await
            .is_none()
        {
            break;
        }
        if let Some(at) = next_bc
            && Instant::now() >= at
        {
            next_bc = opts.bigcommerce_poll.map(|d| Instant::now() + d);
            match until_stopped(
                engine.orders().poll_bigcommerce_orders(),
                &mut stop,
                STOP_GRACE,
            )
            .await
            {
                None => break,
                Some(Ok(_)) => {}
                Some(Err(e)) => tracing::warn!(error = %e, "BigCommerce order listing failed"),
            }
        }
        // customer messages and incidents onto the BigCommerce orders (M11 at its own pace)
        match until_stopped(engine.messages().step(), &mut stop, STOP_GRACE).await {
            None => break,
            Some(Ok(_)) => {}
            Some(Err(e)) => tracing::warn!(error = %e, "messages step failed"),
        }
        // sleep until the next due time, a webhook, or stop
        let mut wake = next_orders.min(Instant::now() + opts.tick);
        if let Some(at) = next_bc {
            wake = wake.min(at);
        }
        if let Some(at) = engine.orders().next_retry() {
            wake = wake.min(at);
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            ev = events.recv(), if events_open => {
                match ev {
                    Some(named) => order_ids.push(named),
                    None => events_open = false,
                }
            }
            _ = stopped(&mut stop) => break,
        }
    }
    // the offers loop never waits for a poll that will not come
    let _ = first_poll.send(true);
}

/// The offers flow (and products): start-up and full reconciliations, the BigCommerce
/// product poll, product sync steps and offer steps.
async fn offers_loop(
    engine: Arc<Connector>,
    opts: RunOptions,
    mut stop: watch::Receiver<bool>,
    mut first_poll: watch::Receiver<bool>,
) {
    let telemetry = engine.telemetry().clone();
    let waited = until_stopped(
        async {
            while !*first_poll.borrow_and_update() {
                if first_poll.changed().await.is_err() {
                    break;
                }
            }
        },
        &mut stop,
        Duration::ZERO,
    )
    .await;
    if waited.is_none() {
        return;
    }
    let start = Instant::now();
    let mut next_bc = opts.bigcommerce_poll.map(|d| start + d);
    let mut next_full = opts.full_reconcile.map(|d| start + d);
    let mut start_reconcile = opts.reconcile_on_start;
    loop {
        if *stop.borrow() {
            break;
        }
        let now = Instant::now();
        if start_reconcile {
            match until_stopped(engine.reconcile(&|_, _| {}), &mut stop, STOP_GRACE).await {
                None => break,
                Some(Ok(_)) => {
                    start_reconcile = false;
                    telemetry.progress("reconcile");
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "start-up reconciliation failed; retrying");
                    telemetry.failed("reconcile", &e);
                }
            }
        }
        if let Some(at) = next_bc
            && now >= at
        {
            next_bc = opts.bigcommerce_poll.map(|d| now + d);
            match until_stopped(engine.poll_bigcommerce(), &mut stop, STOP_GRACE).await {
                None => break,
                Some(Ok(_)) => telemetry.progress("bigcommerce_poll"),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "BigCommerce poll failed");
                    telemetry.failed("bigcommerce_poll", &e);
                }
            }
        }
        if let Some(at) = next_full
            && now >= at
        {
            next_full = opts.full_reconcile.map(|d| now + d);
            match until_stopped(engine.reconcile(&|_, _| {}), &mut stop, STOP_GRACE).await {
                None => break,
                Some(Ok(_)) => telemetry.progress("reconcile"),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "full reconciliation failed");
                    telemetry.failed("reconcile", &e);
                }
            }
        }
        // product sync (P41): poll the running import, or send new and changed products
        // once a P41 window is open; integrated products mark their offers dirty
        if engine.products_enabled() {
            match until_stopped(engine.sync_products(), &mut stop, STOP_GRACE).await {
                None => break,
                Some(Ok(_)) => telemetry.progress("products"),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "product sync step failed");
                    telemetry.failed("products", &e);
                }
            }
        }
        match until_stopped(engine.offers().step(), &mut stop, STOP_GRACE).await {
            None => break,
            Some(Ok(_)) => telemetry.progress("offers"),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "re-reading changed products failed");
                telemetry.failed("offers", &e);
            }
        }

        // sleep until the next due time or stop
        let mut wake = Instant::now() + opts.tick;
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
            _ = stopped(&mut stop) => break,
        }
    }
}
