//! What the connector learns from watching its own calls: the outcome of the last call to
//! each service, BigCommerce's quota, the Mirakl imports it started (and their error
//! reports), and the Mirakl orders as OR11 last returned them. Fed by a [`CallObserver`]
//! on each client, so no flow has to report anything; every view here is bounded.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bc_mirakl_api_core::transport::{CallObserver, RawResponse, RequestSpec, StatusCode};
use mirakl_api::orders::Order;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use time::OffsetDateTime;

/// Which service a client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// The BigCommerce store.
    BigCommerce,
    /// The Mirakl shop.
    Mirakl,
}

impl Service {
    /// The label used in metrics and on the status page.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::BigCommerce => "bigcommerce",
            Service::Mirakl => "mirakl",
        }
    }

    /// The name a person reads.
    pub fn title(self) -> &'static str {
        match self {
            Service::BigCommerce => "BigCommerce",
            Service::Mirakl => "Mirakl",
        }
    }
}

/// The last call to one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastCall {
    /// When it ended.
    pub at: OffsetDateTime,
    /// `METHOD /path/template` or the Mirakl operation code.
    pub operation: String,
    /// The HTTP status, `None` when no response came.
    pub status: Option<u16>,
    /// Whether it counts as the service working (any answer but 5xx, 401 and 403).
    pub ok: bool,
    /// What went wrong, when it did.
    pub error: Option<String>,
}

/// A Mirakl import the connector started, as far as its calls showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTrace {
    /// Operation that created it (`OF24`, `OF01`, `STO01`, `PRI01`, `P41`).
    pub operation: String,
    /// Import id.
    pub import_id: String,
    /// When it was created.
    pub started: OffsetDateTime,
    /// Last status read (`WAITING`, `RUNNING`, `COMPLETE`, `FAILED`, …).
    pub status: String,
    /// Lines in error, when the status said so.
    pub lines_in_error: Option<u64>,
    /// Why the import has its status, when Mirakl said.
    pub reason: Option<String>,
    /// The first lines of its error report, once read.
    pub error_lines: Vec<String>,
}

impl ImportTrace {
    /// Whether the import has finished (successfully or not).
    pub fn is_final(&self) -> bool {
        matches!(
            self.status.as_str(),
            "COMPLETE" | "FAILED" | "CANCELLED" | "TRANSFORMATION_FAILED"
        )
    }

    /// Whether it failed as a whole or has lines in error.
    pub fn has_errors(&self) -> bool {
        matches!(
            self.status.as_str(),
            "FAILED" | "CANCELLED" | "TRANSFORMATION_FAILED"
        ) || self.lines_in_error.unwrap_or(0) > 0
            || !self.error_lines.is_empty()
    }
}

/// A Mirakl order as OR11 last returned it (the part the status page and metrics use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSeen {
    /// Order id.
    pub order_id: String,
    /// Order state (`WAITING_ACCEPTANCE`, `SHIPPING`, …).
    pub state: String,
    /// Shipping deadline.
    pub shipping_deadline: Option<OffsetDateTime>,
    /// Last update on Mirakl.
    pub updated: OffsetDateTime,
}

impl OrderSeen {
    /// Whether the seller still has to act (accept or ship).
    pub fn is_open(&self) -> bool {
        matches!(
            self.state.as_str(),
            "STAGING"
                | "WAITING_ACCEPTANCE"
                | "WAITING_DEBIT"
                | "WAITING_DEBIT_PAYMENT"
                | "SHIPPING"
        )
    }
}

/// How many imports are remembered.
pub const IMPORTS_KEPT: usize = 50;
/// How many error-report lines are kept per import.
pub const ERROR_LINES_KEPT: usize = 10;
/// How many orders are remembered (closed ones are dropped first).
pub const ORDERS_KEPT: usize = 20_000;

/// The views built from the calls.
#[derive(Debug, Default)]
pub struct WireState {
    /// The last call to each service.
    pub last: BTreeMap<Service, LastCall>,
    /// BigCommerce requests left in the current window, as the last response said.
    pub bigcommerce_quota_left: Option<u64>,
    /// The latest imports, oldest first.
    pub imports: VecDeque<ImportTrace>,
    /// Mirakl orders by id.
    pub orders: BTreeMap<String, OrderSeen>,
}

impl WireState {
    fn import_mut(&mut self, id: &str) -> Option<&mut ImportTrace> {
        self.imports.iter_mut().rev().find(|i| i.import_id == id)
    }

    fn remember_orders(&mut self, orders: Vec<OrderSeen>) {
        for o in orders {
            self.orders.insert(o.order_id.clone(), o);
        }
        if self.orders.len() > ORDERS_KEPT {
            // drop the closed orders updated longest ago, then the oldest of the rest
            let mut by_age: Vec<(bool, OffsetDateTime, String)> = self
                .orders
                .values()
                .map(|o| (o.is_open(), o.updated, o.order_id.clone()))
                .collect();
            by_age.sort();
            let excess = self.orders.len() - ORDERS_KEPT;
            for (_, _, id) in by_age.into_iter().take(excess) {
                self.orders.remove(&id);
            }
        }
    }
}

/// The call metrics, shared by the observers of both clients.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallMetrics {
    pub(crate) requests: Family<[(&'static str, String); 3], Counter>,
    pub(crate) rate_limited: Family<[(&'static str, String); 2], Counter>,
    pub(crate) retries: Family<[(&'static str, String); 2], Counter>,
    pub(crate) paced_seconds:
        Family<[(&'static str, String); 2], Counter<f64, std::sync::atomic::AtomicU64>>,
    pub(crate) paced_calls: Family<[(&'static str, String); 2], Counter>,
    pub(crate) quota_left: Gauge,
    pub(crate) imports_failed: Family<[(&'static str, String); 1], Counter>,
}

/// Watches one client's calls (see the module docs).
#[derive(Debug, Clone)]
pub struct WireObserver {
    service: Service,
    state: Arc<Mutex<WireState>>,
    metrics: CallMetrics,
}

fn lock(m: &Mutex<WireState>) -> MutexGuard<'_, WireState> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The label of a call: the Mirakl operation code, else `METHOD /template`.
pub fn operation_label(spec: &RequestSpec) -> String {
    spec.count_key()
}

impl WireObserver {
    pub(crate) fn new(
        service: Service,
        state: Arc<Mutex<WireState>>,
        metrics: CallMetrics,
    ) -> WireObserver {
        WireObserver {
            service,
            state,
            metrics,
        }
    }

    fn labels2(&self, spec: &RequestSpec) -> [(&'static str, String); 2] {
        [
            ("service", self.service.as_str().to_owned()),
            ("operation", operation_label(spec)),
        ]
    }

    fn record_last(&self, spec: &RequestSpec, status: Option<StatusCode>, error: Option<String>) {
        let ok = status.is_some_and(|s| {
            !(s.is_server_error() || s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN)
        });
        let error =
            error.or_else(|| (!ok).then(|| format!("HTTP {}", status.map_or(0, |s| s.as_u16()))));
        lock(&self.state).last.insert(
            self.service,
            LastCall {
                at: OffsetDateTime::now_utc(),
                operation: operation_label(spec),
                status: status.map(|s| s.as_u16()),
                ok,
                error,
            },
        );
    }

    fn mirakl_response(&self, spec: &RequestSpec, response: &RawResponse) {
        let Some(op) = spec.operation else { return };
        if !response.status.is_success() {
            return;
        }
        match op {
            "OF24" | "OF01" | "STO01" | "PRI01" | "P41" => {
                let Some(id) = json_field(&response.body, "import_id") else {
                    return;
                };
                let mut s = lock(&self.state);
                s.imports.push_back(ImportTrace {
                    operation: op.to_owned(),
                    import_id: id,
                    started: OffsetDateTime::now_utc(),
                    status: "WAITING".into(),
                    lines_in_error: None,
                    reason: None,
                    error_lines: Vec::new(),
                });
                while s.imports.len() > IMPORTS_KEPT {
                    s.imports.pop_front();
                }
            }
            "OF02" | "STO02" | "PRI02" | "P42" => {
                let Ok(v) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
                    return;
                };
                // PRI02 is a list (`data[]`); the others answer one import
                let items: Vec<&serde_json::Value> = match v.get("data") {
                    Some(serde_json::Value::Array(a)) => a.iter().collect(),
                    _ => vec![&v],
                };
                let mut s = lock(&self.state);
                for v in items {
                    let Some(id) = value_text(v.get("import_id")) else {
                        continue;
                    };
                    let status = value_text(v.get("status").or_else(|| v.get("import_status")));
                    let errors = v
                        .get("lines_in_error")
                        .or_else(|| v.get("transform_lines_in_error"))
                        .and_then(|n| value_text(Some(n)))
                        .and_then(|t| t.parse().ok());
                    let reason = value_text(v.get("reason_status"));
                    if let Some(i) = s.import_mut(&id) {
                        let was_final = i.is_final();
                        if let Some(st) = status {
                            i.status = st;
                        }
                        if errors.is_some() {
                            i.lines_in_error = errors;
                        }
                        if reason.is_some() {
                            i.reason = reason;
                        }
                        if !was_final && i.is_final() && i.has_errors() {
                            self.metrics
                                .imports_failed
                                .get_or_create(&[("operation", i.operation.clone())])
                                .inc();
                        }
                    }
                }
            }
            "OF03" | "STO03" | "PRI03" | "P44" => {
                let Some(id) = import_id_in_path(&spec.path) else {
                    return;
                };
                let text = String::from_utf8_lossy(&response.body);
                let lines: Vec<String> = text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .take(ERROR_LINES_KEPT + 1)
                    .map(|l| l.chars().take(400).collect())
                    .collect();
                let mut s = lock(&self.state);
                if let Some(i) = s.import_mut(&id) {
                    i.error_lines = lines;
                }
            }
            "OR11" => {
                #[derive(serde::Deserialize)]
                struct Or11 {
                    #[serde(default)]
                    orders: Vec<Order>,
                }
                let Ok(page) = serde_json::from_slice::<Or11>(&response.body) else {
                    return;
                };
                let seen = page
                    .orders
                    .into_iter()
                    .map(|o| OrderSeen {
                        order_id: o.order_id.as_str().to_owned(),
                        state: o.order_state.as_str().to_owned(),
                        shipping_deadline: o.shipping_deadline,
                        updated: o.last_updated_date,
                    })
                    .collect();
                lock(&self.state).remember_orders(seen);
            }
            _ => {}
        }
    }
}

fn value_text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn json_field(body: &[u8], key: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    value_text(v.get(key))
}

/// The import id in an error-report path (`…/imports/{id}/…`).
fn import_id_in_path(path: &str) -> Option<String> {
    let mut parts = path.split('/');
    parts.find(|p| *p == "imports")?;
    parts.next().filter(|p| !p.is_empty()).map(str::to_owned)
}

impl CallObserver for WireObserver {
    fn response(&self, spec: &RequestSpec, response: &RawResponse) {
        self.metrics
            .requests
            .get_or_create(&[
                ("service", self.service.as_str().to_owned()),
                ("operation", operation_label(spec)),
                ("status", response.status.as_u16().to_string()),
            ])
            .inc();
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            self.metrics
                .rate_limited
                .get_or_create(&self.labels2(spec))
                .inc();
        }
        self.record_last(spec, Some(response.status), None);
        match self.service {
            Service::BigCommerce => {
                if let Some(left) = response
                    .header("x-rate-limit-requests-left")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                {
                    self.metrics
                        .quota_left
                        .set(i64::try_from(left).unwrap_or(i64::MAX));
                    lock(&self.state).bigcommerce_quota_left = Some(left);
                }
            }
            Service::Mirakl => self.mirakl_response(spec, response),
        }
    }

    fn failure(&self, spec: &RequestSpec, _attempt: u32, error: &reqwest::Error) {
        self.metrics
            .requests
            .get_or_create(&[
                ("service", self.service.as_str().to_owned()),
                ("operation", operation_label(spec)),
                ("status", "error".to_owned()),
            ])
            .inc();
        let why = if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "cannot connect"
        } else {
            "no complete response"
        };
        self.record_last(spec, None, Some(why.to_owned()));
    }

    fn retry(&self, spec: &RequestSpec, _status: Option<StatusCode>, _wait: Duration) {
        self.metrics
            .retries
            .get_or_create(&self.labels2(spec))
            .inc();
    }

    fn paced(&self, spec: &RequestSpec, waited: Duration) {
        let l = self.labels2(spec);
        self.metrics
            .paced_seconds
            .get_or_create(&l)
            .inc_by(waited.as_secs_f64());
        self.metrics.paced_calls.get_or_create(&l).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_report_paths_name_their_import() {
        assert_eq!(
            import_id_in_path("api/offers/imports/123/error_report").as_deref(),
            Some("123")
        );
        assert_eq!(
            import_id_in_path("api/offers/stock/imports/ab-9/error_report").as_deref(),
            Some("ab-9")
        );
        assert_eq!(import_id_in_path("api/orders"), None);
    }

    #[test]
    fn the_order_view_stays_bounded_dropping_closed_orders_first() {
        let mut w = WireState::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let mut batch = Vec::new();
        for i in 0..ORDERS_KEPT {
            batch.push(OrderSeen {
                order_id: format!("closed-{i}"),
                state: "CLOSED".into(),
                shipping_deadline: None,
                updated: t0 + time::Duration::seconds(i as i64),
            });
        }
        w.remember_orders(batch);
        w.remember_orders(vec![OrderSeen {
            order_id: "open".into(),
            state: "SHIPPING".into(),
            shipping_deadline: None,
            updated: t0,
        }]);
        assert_eq!(w.orders.len(), ORDERS_KEPT);
        assert!(
            w.orders.contains_key("open"),
            "open orders outlive closed ones"
        );
        assert!(
            !w.orders.contains_key("closed-0"),
            "the oldest closed one went"
        );
    }
}
