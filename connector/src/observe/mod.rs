//! Operability of a running connector: `GET /healthz`, `GET /metrics` (Prometheus text
//! format) and `GET /` (a status page for a person), served on `[observe] listen`.
//!
//! * [`Telemetry`] is created before the clients: [`Telemetry::settings`] gives each client
//!   a [`CallObserver`](bc_mirakl_api_core::transport::CallObserver) that counts its calls
//!   (per service, operation and status; 429s, retries, pacing waits, the BigCommerce quota)
//!   and keeps the Mirakl imports and orders it saw. The runner reports each flow's progress
//!   ([`Telemetry::expect`], [`Telemetry::progress`], [`Telemetry::failed`]).
//! * The rest is read when asked: the flows' counters, pending offers and latencies, and
//!   the state store's orders and in-flight calls.
//! * [`serve`] binds the endpoint; when a token is configured every request must carry
//!   `Authorization: Bearer <token>` (the configuration requires one off loopback).
//!
//! Nothing here grows with time: see [`wire`] and [`crate::metrics`] for the bounds.

mod page;
mod prom;
pub mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bc_mirakl_api_core::secret::Secret;
use bc_mirakl_api_core::settings::ClientSettings;
use serde::Serialize;
use time::OffsetDateTime;

use crate::Connector;
use crate::config::ObserveConfig;
use wire::{CallMetrics, Service, WireObserver, WireState};

/// One flow's progress, as the runner reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowProgress {
    /// The flow (`orders`, `offers`, `bigcommerce_poll`, `reconcile`, `products`).
    pub flow: &'static str,
    /// How often it is expected to make progress.
    #[serde(with = "secs")]
    pub every: Duration,
    /// When it was last expected from (the runner's start, or its last progress).
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// Its last successful step.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_progress: Option<OffsetDateTime>,
    /// Its last failure, when it failed after its last progress.
    pub last_error: Option<String>,
}

mod secs {
    pub(super) fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

impl FlowProgress {
    /// How long a flow may go without progress before it counts as stalled: twice its
    /// interval plus a minute (a step may wait for a call window or a slow page).
    pub fn allowance(&self) -> Duration {
        self.every * 2 + Duration::from_secs(60)
    }

    /// Why the flow is stalled at `now`, if it is.
    pub fn stalled(&self, now: OffsetDateTime) -> Option<String> {
        let from = self.last_progress.unwrap_or(self.since);
        let age = now - from;
        if age > self.allowance() {
            let what = match &self.last_error {
                Some(e) => format!(" (last error: {e})"),
                None => String::new(),
            };
            Some(format!(
                "flow {} made no progress for {} s (expected every {} s){what}",
                self.flow,
                age.whole_seconds(),
                self.every.as_secs()
            ))
        } else {
            None
        }
    }
}

/// What `/healthz` answers.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// `true` when every flow progressed in time and the last call to each service worked.
    pub healthy: bool,
    /// `ok`, or `unhealthy`.
    pub status: &'static str,
    /// Why it is not healthy (empty when it is).
    pub reasons: Vec<String>,
    /// Per flow, seconds since its last progress (`null`: none yet).
    pub flows: BTreeMap<&'static str, Option<i64>>,
}

/// Call metrics, flow progress and what the connector saw on the wire (see the module docs).
pub struct Telemetry {
    started: OffsetDateTime,
    wire: Arc<Mutex<WireState>>,
    calls: CallMetrics,
    flows: Mutex<BTreeMap<&'static str, FlowProgress>>,
    registry: prometheus_client::registry::Registry,
    snapshot: Arc<Mutex<prom::Snapshot>>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Telemetry {
    /// Empty telemetry.
    pub fn new() -> Telemetry {
        let calls = CallMetrics::default();
        let snapshot = Arc::new(Mutex::new(prom::Snapshot::default()));
        let registry = prom::registry(&calls, snapshot.clone());
        Telemetry {
            started: OffsetDateTime::now_utc(),
            wire: Arc::new(Mutex::new(WireState::default())),
            calls,
            flows: Mutex::new(BTreeMap::new()),
            registry,
            snapshot,
        }
    }

    /// The observer to give the client of `service`.
    pub fn observer(&self, service: Service) -> Arc<WireObserver> {
        Arc::new(WireObserver::new(
            service,
            self.wire.clone(),
            self.calls.clone(),
        ))
    }

    /// Client settings with `user_agent` and this telemetry's observer for `service`: pass
    /// them to the client builder's `settings` before any other setter.
    pub fn settings(&self, service: Service, user_agent: impl Into<String>) -> ClientSettings {
        let mut s = ClientSettings::new(user_agent);
        s.observer = Some(self.observer(service));
        s
    }

    /// Runs `f` over what the calls showed.
    pub fn with_wire<R>(&self, f: impl FnOnce(&WireState) -> R) -> R {
        f(&lock(&self.wire))
    }

    /// Declares that `flow` should make progress every `every` (its clock starts now).
    pub fn expect(&self, flow: &'static str, every: Duration) {
        let now = OffsetDateTime::now_utc();
        lock(&self.flows)
            .entry(flow)
            .and_modify(|f| f.every = every)
            .or_insert(FlowProgress {
                flow,
                every,
                since: now,
                last_progress: None,
                last_error: None,
            });
    }

    /// `flow` completed a step.
    pub fn progress(&self, flow: &'static str) {
        let now = OffsetDateTime::now_utc();
        if let Some(f) = lock(&self.flows).get_mut(flow) {
            f.last_progress = Some(now);
            f.since = now;
            f.last_error = None;
        }
    }

    /// A step of `flow` failed with `error`.
    pub fn failed(&self, flow: &'static str, error: impl std::fmt::Display) {
        if let Some(f) = lock(&self.flows).get_mut(flow) {
            f.last_error = Some(error.to_string());
        }
    }

    /// Every flow's progress, by name.
    pub fn flows(&self) -> Vec<FlowProgress> {
        lock(&self.flows).values().cloned().collect()
    }

    /// When this telemetry was created (the process start, in practice).
    pub fn started(&self) -> OffsetDateTime {
        self.started
    }

    /// The health verdict at `now`.
    pub fn health(&self, now: OffsetDateTime) -> Health {
        let mut reasons = Vec::new();
        let mut flows = BTreeMap::new();
        for f in self.flows() {
            flows.insert(f.flow, f.last_progress.map(|t| (now - t).whole_seconds()));
            if let Some(why) = f.stalled(now) {
                reasons.push(why);
            }
        }
        let wire = lock(&self.wire);
        for service in [Service::BigCommerce, Service::Mirakl] {
            match wire.last.get(&service) {
                Some(c) if !c.ok => reasons.push(format!(
                    "the last {} call failed: {} {}",
                    service.title(),
                    c.operation,
                    c.error.as_deref().unwrap_or("")
                )),
                _ => {}
            }
        }
        let healthy = reasons.is_empty();
        Health {
            healthy,
            status: if healthy { "ok" } else { "unhealthy" },
            reasons,
            flows,
        }
    }

    /// Reads what the metrics and the page show from the connector and its store.
    async fn refresh(&self, engine: &Connector) -> prom::Snapshot {
        let snap = prom::Snapshot::read(self, engine).await;
        *lock(&self.snapshot) = snap.clone();
        snap
    }

    /// The metrics in Prometheus text format (version 0.0.4), read now.
    pub async fn render_metrics(&self, engine: &Connector) -> String {
        self.refresh(engine).await;
        let mut out = String::new();
        if let Err(e) =
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
        {
            tracing::warn!(error = %e, "cannot encode the metrics");
        }
        out
    }

    /// The status page (HTML), read now.
    pub async fn render_page(&self, engine: &Connector) -> String {
        let snap = self.refresh(engine).await;
        page::render(self, engine, &snap, OffsetDateTime::now_utc())
    }
}

/// The running endpoint; dropping it stops it.
#[derive(Debug)]
pub struct ObserveServer {
    /// The bound address.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ObserveServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct AppState {
    engine: Arc<Connector>,
    token: Option<Secret>,
}

/// Why the endpoint cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObserveError {
    /// Bound off loopback without a token.
    #[error(
        "refusing to serve /metrics and the status page on {0} without a token: set [observe] token (or CONNECTOR_OBSERVE_TOKEN), or listen on 127.0.0.1"
    )]
    TokenRequired(SocketAddr),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Binds `cfg.listen` and serves `/healthz`, `/metrics` and `/` for `engine` in a spawned
/// task.
///
/// # Errors
/// [`ObserveError::TokenRequired`] when the address is not loopback and no token is set;
/// [`ObserveError::Bind`] when the address cannot be bound.
pub async fn serve(
    cfg: &ObserveConfig,
    engine: Arc<Connector>,
) -> Result<ObserveServer, ObserveError> {
    let token = cfg.token.clone().filter(|t| !t.is_empty());
    if !cfg.listen.ip().is_loopback() && token.is_none() {
        return Err(ObserveError::TokenRequired(cfg.listen));
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| ObserveError::Bind {
            addr: cfg.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ObserveError::Bind {
        addr: cfg.listen,
        source,
    })?;
    let app = router(AppState { engine, token });
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "observe endpoint stopped");
        }
    });
    tracing::info!(%addr, "status page, /healthz and /metrics listening");
    Ok(ObserveServer { addr, task })
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// The 401 answer when a token is configured and the request does not carry it.
fn unauthorized(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let token = state.token.as_ref()?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(g) if token.constant_time_eq(g) => None,
        _ => Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "a bearer token is required\n",
            )
                .into_response(),
        ),
    }
}

async fn healthz(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(r) = unauthorized(&state, &headers) {
        return r;
    }
    let h = state.engine.telemetry().health(OffsetDateTime::now_utc());
    let code = if h.healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(h)).into_response()
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(r) = unauthorized(&state, &headers) {
        return r;
    }
    let text = state.engine.telemetry().render_metrics(&state.engine).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn status_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(r) = unauthorized(&state, &headers) {
        return r;
    }
    let html = state.engine.telemetry().render_page(&state.engine).await;
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_is_stalled_only_past_its_allowance() {
        let t = Telemetry::new();
        t.expect("orders", Duration::from_secs(60));
        let now = OffsetDateTime::now_utc();
        assert!(t.health(now).healthy);
        let later = now + time::Duration::seconds(179);
        assert!(t.health(later).healthy, "{:?}", t.health(later));
        let late = now + time::Duration::seconds(200);
        t.failed("orders", "OR11 answered 500");
        let h = t.health(late);
        assert!(!h.healthy);
        assert!(
            h.reasons[0].contains("flow orders made no progress"),
            "{h:?}"
        );
        assert!(h.reasons[0].contains("OR11 answered 500"), "{h:?}");
        t.progress("orders");
        assert!(t.health(OffsetDateTime::now_utc()).healthy);
    }
}
