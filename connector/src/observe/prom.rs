//! The Prometheus registry: the call metrics the observers update as calls happen, and a
//! collector that encodes what [`Snapshot::read`] read just before the scrape.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};
use time::OffsetDateTime;

use super::Telemetry;
use super::wire::CallMetrics;
use crate::Connector;
use crate::metrics::LatencyHistogram;

/// How close a shipping deadline counts as near.
pub(crate) const DEADLINE_NEAR: time::Duration = time::Duration::hours(24);

/// What the flows, the store and the wire views held at one moment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    pub(crate) pending_lines: BTreeMap<&'static str, usize>,
    pub(crate) pending_products: usize,
    pub(crate) lines_applied: u64,
    pub(crate) lines_rejected: u64,
    pub(crate) imports_started: BTreeMap<&'static str, u64>,
    pub(crate) imports_running: BTreeMap<String, u64>,
    pub(crate) latency: Option<LatencyHistogram>,
    pub(crate) orders_by_state: BTreeMap<String, u64>,
    pub(crate) deadline_near: u64,
    pub(crate) deadline_past: u64,
    pub(crate) shipments_unconfirmed: u64,
    pub(crate) incidents_open: u64,
    pub(crate) acceptance_near: u64,
    pub(crate) acceptance_past: u64,
    pub(crate) messages_copied: u64,
    pub(crate) in_flight: BTreeMap<String, u64>,
    pub(crate) order_outcomes: BTreeMap<&'static str, u64>,
    pub(crate) sku_problems: usize,
    pub(crate) manual_review: usize,
    pub(crate) flow_age: BTreeMap<&'static str, f64>,
    pub(crate) healthy: bool,
    pub(crate) store_error: Option<String>,
}

impl Snapshot {
    pub(crate) async fn read(t: &Telemetry, engine: &Connector) -> Snapshot {
        let now = OffsetDateTime::now_utc();
        let (pending_lines, pending_products) = engine.offers().pending();
        let mut s = Snapshot {
            pending_lines,
            pending_products,
            latency: Some(engine.latencies().histogram()),
            healthy: t.health(now).healthy,
            ..Snapshot::default()
        };
        engine.with_counters(|c| {
            s.lines_applied = c.offer_lines_applied;
            s.lines_rejected = c.offer_lines_rejected;
            s.imports_started = c.imports.clone();
            s.sku_problems = c.problems.len();
            s.manual_review = c.manual_review.len();
            for (k, v) in [
                ("accepted", c.accepted.len()),
                ("refused", c.refused.len()),
                ("created", c.created.len()),
                ("recovered", c.recovered.len()),
                ("shipped", c.shipped.len()),
                ("cancelled", c.cancelled.len()),
                ("refunded", usize::try_from(c.refunds).unwrap_or(usize::MAX)),
            ] {
                s.order_outcomes.insert(k, v as u64);
            }
        });
        t.with_wire(|w| {
            for i in w.imports.iter().filter(|i| !i.is_final()) {
                *s.imports_running.entry(i.operation.clone()).or_default() += 1;
            }
            for o in w.orders.values() {
                *s.orders_by_state.entry(o.state.clone()).or_default() += 1;
                if o.state == "SHIPPING"
                    && let Some(d) = o.shipping_deadline
                {
                    if d <= now {
                        s.deadline_past += 1;
                    } else if d - now <= DEADLINE_NEAR {
                        s.deadline_near += 1;
                    }
                }
            }
        });
        let attention = engine.messages().attention();
        s.incidents_open = attention.incidents.len() as u64;
        s.messages_copied = attention.messages_copied;
        for d in &attention.deadlines {
            if d.kind == crate::messages::DeadlineKind::Acceptance {
                if d.past {
                    s.acceptance_past += 1;
                } else {
                    s.acceptance_near += 1;
                }
            }
        }
        for f in t.flows() {
            let from = f.last_progress.unwrap_or(f.since);
            s.flow_age
                .insert(f.flow, (now - from).as_seconds_f64().max(0.0));
        }
        let store = engine.store();
        match store.in_flight_calls().await {
            Ok(calls) => {
                for c in calls {
                    *s.in_flight.entry(c.kind).or_default() += 1;
                }
            }
            Err(e) => s.store_error = Some(e.to_string()),
        }
        match store.orders().await {
            Ok(orders) => {
                s.shipments_unconfirmed = orders
                    .iter()
                    .filter(|o| {
                        !o.record.tracking_sent.is_empty()
                            && !o.record.ship_confirmed
                            && !o.record.bigcommerce_cancelled
                            && !o.record.mirakl_cancel_sent
                    })
                    .count() as u64;
            }
            Err(e) => s.store_error = Some(e.to_string()),
        }
        s
    }
}

pub(crate) fn registry(calls: &CallMetrics, snapshot: Arc<Mutex<Snapshot>>) -> Registry {
    let mut r = Registry::with_prefix("sync");
    r.register(
        "api_requests",
        "HTTP requests sent, per service, operation (Mirakl code or method and path template) and status (`error`: no response)",
        calls.requests.clone(),
    );
    r.register(
        "api_rate_limited",
        "Answers 429 Too Many Requests, per service and operation",
        calls.rate_limited.clone(),
    );
    r.register(
        "api_retries",
        "Attempts sent again (429, 5xx on idempotent calls, connection failures)",
        calls.retries.clone(),
    );
    r.register_with_unit(
        "api_pacing_wait",
        "Time calls waited before being sent: Mirakl call windows (ceilings) and the BigCommerce quota",
        Unit::Seconds,
        calls.paced_seconds.clone(),
    );
    r.register(
        "api_paced_calls",
        "Calls that waited for a call window or the quota",
        calls.paced_calls.clone(),
    );
    r.register(
        "bigcommerce_quota_left",
        "BigCommerce requests left in the current window (X-Rate-Limit-Requests-Left of the last response)",
        calls.quota_left.clone(),
    );
    r.register(
        "mirakl_imports_failed",
        "Mirakl imports that ended failed or with lines in error, per creating operation",
        calls.imports_failed.clone(),
    );
    r.register_collector(Box::new(SnapshotCollector(snapshot)));
    r
}

#[derive(Debug)]
struct SnapshotCollector(Arc<Mutex<Snapshot>>);

fn gauge_family<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    label: &'static str,
    values: impl IntoIterator<Item = (&'a str, f64)>,
) -> Result<(), std::fmt::Error> {
    let mut m = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (k, v) in values {
        let labels = [(label, k)];
        ConstGauge::new(v).encode(m.encode_family(&labels)?)?;
    }
    Ok(())
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    v: f64,
) -> Result<(), std::fmt::Error> {
    let g = ConstGauge::new(v);
    g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    v: u64,
) -> Result<(), std::fmt::Error> {
    let c = ConstCounter::new(v);
    c.encode(encoder.encode_descriptor(name, help, None, c.metric_type())?)
}

impl Collector for SnapshotCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        gauge(
            &mut e,
            "up",
            "1 when /healthz would answer 200 (every flow progressing, last calls to both services working)",
            if s.healthy { 1.0 } else { 0.0 },
        )?;
        gauge_family(
            &mut e,
            "offers_pending_lines",
            "Offer lines waiting for their Mirakl call window, per operation",
            "operation",
            ["OF24", "STO01", "PRI01"]
                .into_iter()
                .map(|op| (op, s.pending_lines.get(op).copied().unwrap_or(0) as f64)),
        )?;
        gauge(
            &mut e,
            "offers_pending_products",
            "Products changed in BigCommerce whose change Mirakl has not applied yet",
            s.pending_products as f64,
        )?;
        counter(
            &mut e,
            "offer_lines_applied",
            "Offer lines Mirakl applied (OF24, STO01, PRI01)",
            s.lines_applied,
        )?;
        counter(
            &mut e,
            "offer_lines_rejected",
            "Offer lines Mirakl rejected (import error reports)",
            s.lines_rejected,
        )?;
        {
            let mut m = e.encode_descriptor(
                "mirakl_imports_started",
                "Mirakl imports started, per operation",
                None,
                MetricType::Counter,
            )?;
            for (op, n) in &s.imports_started {
                let labels = [("operation", *op)];
                ConstCounter::new(*n).encode(m.encode_family(&labels)?)?;
            }
        }
        gauge_family(
            &mut e,
            "mirakl_imports_running",
            "Mirakl imports started and not yet finished, per operation",
            "operation",
            s.imports_running
                .iter()
                .map(|(k, v)| (k.as_str(), *v as f64)),
        )?;
        if let Some(h) = &s.latency {
            let mut m = e.encode_descriptor(
                "change_to_marketplace",
                "Time from a change seen in BigCommerce to Mirakl confirming it applied",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?;
            m.encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                h.sum, h.count, &h.buckets, None,
            )?;
        }
        gauge_family(
            &mut e,
            "mirakl_orders",
            "Mirakl orders per state, as the order poll (OR11) last saw them",
            "state",
            s.orders_by_state
                .iter()
                .map(|(k, v)| (k.as_str(), *v as f64)),
        )?;
        gauge_family(
            &mut e,
            "orders_shipping_deadline",
            "Mirakl orders to ship whose shipping deadline is within 24 h (near) or gone (past)",
            "when",
            [
                ("near", s.deadline_near as f64),
                ("past", s.deadline_past as f64),
            ],
        )?;
        gauge_family(
            &mut e,
            "orders_acceptance_deadline",
            "Mirakl orders waiting for acceptance whose deadline (created + the operator's acceptance delay) is near or gone",
            "when",
            [
                ("near", s.acceptance_near as f64),
                ("past", s.acceptance_past as f64),
            ],
        )?;
        gauge(
            &mut e,
            "order_incidents_open",
            "Mirakl order lines with an open incident (INCIDENT_OPEN), as the order poll last saw them",
            s.incidents_open as f64,
        )?;
        gauge(
            &mut e,
            "order_messages_copied",
            "Customer and operator messages this process copied to BigCommerce staff notes",
            s.messages_copied as f64,
        )?;
        gauge(
            &mut e,
            "shipments_unconfirmed",
            "Orders whose tracking went to Mirakl (OR23) but whose shipment is not confirmed yet (OR24)",
            s.shipments_unconfirmed as f64,
        )?;
        {
            let mut m = e.encode_descriptor(
                "orders",
                "Mirakl orders the connector handled, per outcome",
                None,
                MetricType::Counter,
            )?;
            for (k, v) in &s.order_outcomes {
                let labels = [("outcome", *k)];
                ConstCounter::new(*v).encode(m.encode_family(&labels)?)?;
            }
        }
        gauge(
            &mut e,
            "orders_manual_review",
            "Orders that need a person",
            s.manual_review as f64,
        )?;
        gauge(
            &mut e,
            "sku_problems",
            "SKUs with a problem (not offered, rejected, unknown)",
            s.sku_problems as f64,
        )?;
        gauge(
            &mut e,
            "state_in_flight_calls",
            "Calls recorded in the state store as about to be made and not yet confirmed",
            s.in_flight.values().sum::<u64>() as f64,
        )?;
        gauge_family(
            &mut e,
            "state_in_flight_calls_by_kind",
            "The state store's unconfirmed calls, per kind",
            "kind",
            s.in_flight.iter().map(|(k, v)| (k.as_str(), *v as f64)),
        )?;
        gauge(
            &mut e,
            "state_store_errors",
            "1 when the state store could not be read for this scrape",
            if s.store_error.is_some() { 1.0 } else { 0.0 },
        )?;
        {
            let mut m = e.encode_descriptor(
                "flow_since_progress",
                "Time since each flow last completed a step",
                Some(&Unit::Seconds),
                MetricType::Gauge,
            )?;
            for (k, v) in &s.flow_age {
                let labels = [("flow", *k)];
                ConstGauge::new(*v).encode(m.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}
