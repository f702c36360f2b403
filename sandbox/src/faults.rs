//! Fault injection and request logging shared by both stand-ins.
//!
//! A [`Faults`] handle holds a runtime-switchable [`FaultConfig`] and a [`RequestLog`]. [`apply`]
//! wraps any axum [`Router`] so that every request is first logged (count per
//! `METHOD /path-template` and per concrete path, plus an optional inspection hook) and then,
//! depending on the configuration, answered with a fault instead of (or on top of) the real
//! response.
//!
//! The choice is deterministic: request number `n` (counted from 0 since the handle was created or
//! last [`Faults::set`]) gets a fault decided by a hash of `(seed, n)`, so a test run with the same
//! seed and the same request sequence sees the same faults.
//!
//! Fault kinds:
//! - [`FaultKind::RateLimited`]: `429` with `Retry-After`, `X-Retry-After` and
//!   `X-Rate-Limit-Time-Reset-Ms` headers; the handler is not called.
//! - [`FaultKind::ServerError`]: `500` with a short text body; the handler is not called.
//! - [`FaultKind::BadGatewayHtml`]: `502` with an nginx-style HTML page; the handler is not called.
//! - [`FaultKind::Slow`]: the real response, after [`FaultConfig::slow_delay`].
//! - [`FaultKind::Dropped`]: the handler is not called; the response body stream fails at once,
//!   so the server aborts the connection and the client sees a transport error.
//! - [`FaultKind::Truncated`]: the handler *is* called (state may change, as when a real reply is
//!   lost); its response announces the full `Content-Length` but only half of the bytes are sent
//!   before the stream fails.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

/// The HTML body sent with an injected `502`.
pub const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The text body sent with an injected `500`.
pub const SERVER_ERROR_TEXT: &str = "Internal Server Error";

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FaultKind {
    /// `429 Too Many Requests` with retry hints.
    RateLimited,
    /// `500 Internal Server Error` with a text body.
    ServerError,
    /// `502 Bad Gateway` with an HTML body.
    BadGatewayHtml,
    /// The real response, delayed.
    Slow,
    /// The connection is aborted before any body byte is sent.
    Dropped,
    /// The real response with a `Content-Length` larger than the bytes sent.
    Truncated,
}

impl FaultKind {
    /// Every kind, in the order shares are evaluated.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::RateLimited,
        FaultKind::ServerError,
        FaultKind::BadGatewayHtml,
        FaultKind::Slow,
        FaultKind::Dropped,
        FaultKind::Truncated,
    ];
}

/// Which share of requests gets which fault. Shares are fractions in `[0, 1]`; their sum should not
/// exceed 1 (anything beyond is never reached). `Default` injects nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Seed of the deterministic choice.
    pub seed: u64,
    /// Share answered `429`.
    pub rate_limited: f64,
    /// Share answered `500`.
    pub server_error: f64,
    /// Share answered `502` with an HTML body.
    pub bad_gateway_html: f64,
    /// Share answered after [`FaultConfig::slow_delay`].
    pub slow: f64,
    /// Share whose connection is dropped.
    pub dropped: f64,
    /// Share whose body is truncated.
    pub truncated: f64,
    /// Delay of slow responses (default 2 s).
    pub slow_delay: Duration,
    /// Wait announced by injected `429`s (default 1 s).
    pub retry_after: Duration,
    /// Simulated network latency added to every request, faulty or not (default 0): half
    /// before the request reaches the stand-in (so rate-limit headers age in transit, as
    /// on a real network), half before the answer leaves.
    pub latency: Duration,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            seed: 0,
            rate_limited: 0.0,
            server_error: 0.0,
            bad_gateway_html: 0.0,
            slow: 0.0,
            dropped: 0.0,
            truncated: 0.0,
            slow_delay: Duration::from_secs(2),
            retry_after: Duration::from_secs(1),
            latency: Duration::ZERO,
        }
    }
}

impl FaultConfig {
    /// No faults (same as `Default`).
    pub fn none() -> Self {
        FaultConfig::default()
    }

    /// Spreads `total_share` (clamped to `[0, 1]`) evenly over every fault kind.
    pub fn uniform(seed: u64, total_share: f64) -> Self {
        let each = total_share.clamp(0.0, 1.0) / FaultKind::ALL.len() as f64;
        FaultConfig {
            seed,
            rate_limited: each,
            server_error: each,
            bad_gateway_html: each,
            slow: each,
            dropped: each,
            truncated: each,
            ..FaultConfig::default()
        }
    }

    /// The same configuration with `latency` added to every request.
    #[must_use]
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Every request gets `kind` (handy in tests).
    pub fn always(kind: FaultKind) -> Self {
        FaultConfig::default().with_share(kind, 1.0)
    }

    /// Sets the share of one kind (clamped to `[0, 1]`).
    pub fn with_share(mut self, kind: FaultKind, share: f64) -> Self {
        *self.share_mut(kind) = share.clamp(0.0, 1.0);
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the delay of slow responses.
    pub fn with_slow_delay(mut self, delay: Duration) -> Self {
        self.slow_delay = delay;
        self
    }

    /// Sets the wait announced by injected `429`s.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// The share of one kind.
    pub fn share(&self, kind: FaultKind) -> f64 {
        match kind {
            FaultKind::RateLimited => self.rate_limited,
            FaultKind::ServerError => self.server_error,
            FaultKind::BadGatewayHtml => self.bad_gateway_html,
            FaultKind::Slow => self.slow,
            FaultKind::Dropped => self.dropped,
            FaultKind::Truncated => self.truncated,
        }
    }

    fn share_mut(&mut self, kind: FaultKind) -> &mut f64 {
        match kind {
            FaultKind::RateLimited => &mut self.rate_limited,
            FaultKind::ServerError => &mut self.server_error,
            FaultKind::BadGatewayHtml => &mut self.bad_gateway_html,
            FaultKind::Slow => &mut self.slow,
            FaultKind::Dropped => &mut self.dropped,
            FaultKind::Truncated => &mut self.truncated,
        }
    }

    /// Whether any share is positive.
    pub fn is_active(&self) -> bool {
        FaultKind::ALL.iter().any(|k| self.share(*k) > 0.0)
    }

    /// The fault (if any) for request number `n`: a pure function of `(seed, n)` and the shares.
    pub fn decide(&self, n: u64) -> Option<FaultKind> {
        if !self.is_active() {
            return None;
        }
        let roll = unit_interval(mix(self.seed, n));
        let mut upper = 0.0;
        for kind in FaultKind::ALL {
            upper += self.share(kind);
            if roll < upper {
                return Some(kind);
            }
        }
        None
    }
}

/// SplitMix64 finaliser over `(seed, n)`.
fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed
        .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Maps 53 random bits to `[0, 1)`.
fn unit_interval(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// What the inspection hook and the log see of one request. Its `Debug` lists header names only,
/// so credentials in headers never reach a log.
#[derive(Clone)]
pub struct RequestInfo {
    /// Sequence number since the [`Faults`] handle was created (never reset).
    pub seq: u64,
    /// HTTP method.
    pub method: Method,
    /// Concrete path, e.g. `/stores/abc/v3/catalog/products`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Route template, e.g. `/stores/{store_hash}/v3/catalog/products` (`None` if no route matched).
    pub template: Option<String>,
    /// Request headers (may contain credentials: do not log values).
    pub headers: HeaderMap,
    /// The fault injected for this request, if any.
    pub fault: Option<FaultKind>,
}

impl fmt::Debug for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("RequestInfo")
            .field("seq", &self.seq)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("template", &self.template)
            .field("header_names", &names)
            .field("fault", &self.fault)
            .finish()
    }
}

impl RequestInfo {
    /// The counting key: `METHOD template` (or `METHOD path` when no route matched).
    pub fn key(&self) -> String {
        format!(
            "{} {}",
            self.method,
            self.template.as_deref().unwrap_or(&self.path)
        )
    }
}

type Hook = Arc<dyn Fn(&RequestInfo) + Send + Sync>;

#[derive(Default)]
struct LogState {
    by_template: BTreeMap<String, u64>,
    by_path: BTreeMap<String, u64>,
    faults: BTreeMap<FaultKind, u64>,
    total: u64,
}

/// Counts of requests received, per `METHOD /path-template` and per `METHOD /concrete/path`, and
/// an optional hook called with every request. Cheap to clone; clones share the counts.
#[derive(Clone, Default)]
pub struct RequestLog {
    state: Arc<Mutex<LogState>>,
    hook: Arc<RwLock<Option<Hook>>>,
}

impl fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestLog")
            .field("total", &self.total())
            .finish_non_exhaustive()
    }
}

impl RequestLog {
    fn record(&self, info: &RequestInfo) {
        {
            let mut state = lock(&self.state);
            state.total += 1;
            *state.by_template.entry(info.key()).or_default() += 1;
            *state
                .by_path
                .entry(format!("{} {}", info.method, info.path))
                .or_default() += 1;
            if let Some(kind) = info.fault {
                *state.faults.entry(kind).or_default() += 1;
            }
        }
        let hook = self
            .hook
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone();
        if let Some(hook) = hook {
            hook(info);
        }
    }

    /// Requests received in total.
    pub fn total(&self) -> u64 {
        lock(&self.state).total
    }

    /// Requests for one route, e.g. `count("GET", "/stores/{store_hash}/v3/catalog/products")`.
    pub fn count(&self, method: &str, template: &str) -> u64 {
        let key = format!("{} {}", method.to_ascii_uppercase(), template);
        lock(&self.state)
            .by_template
            .get(&key)
            .copied()
            .unwrap_or(0)
    }

    /// Requests for one concrete path, e.g. `count_path("GET", "/stores/abc/v2/orders/100")`.
    pub fn count_path(&self, method: &str, path: &str) -> u64 {
        let key = format!("{} {}", method.to_ascii_uppercase(), path);
        lock(&self.state).by_path.get(&key).copied().unwrap_or(0)
    }

    /// Requests for every route template whose template or path ends with `suffix`
    /// (e.g. `"/v3/catalog/products"`), any method.
    pub fn count_suffix(&self, suffix: &str) -> u64 {
        lock(&self.state)
            .by_template
            .iter()
            .filter(|(k, _)| k.ends_with(suffix))
            .map(|(_, v)| *v)
            .sum()
    }

    /// All counts keyed `METHOD template`.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        lock(&self.state).by_template.clone()
    }

    /// All counts keyed `METHOD path`.
    pub fn snapshot_paths(&self) -> BTreeMap<String, u64> {
        lock(&self.state).by_path.clone()
    }

    /// How many faults of one kind were injected.
    pub fn faults_injected(&self, kind: FaultKind) -> u64 {
        lock(&self.state).faults.get(&kind).copied().unwrap_or(0)
    }

    /// Forgets every count (the hook stays).
    pub fn clear(&self) {
        *lock(&self.state) = LogState::default();
    }

    /// Installs a hook called (synchronously, keep it short) with every request received.
    pub fn set_hook(&self, hook: impl Fn(&RequestInfo) + Send + Sync + 'static) {
        *self
            .hook
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(Arc::new(hook));
    }

    /// Removes the hook.
    pub fn clear_hook(&self) {
        *self
            .hook
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = None;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poison| poison.into_inner())
}

struct FaultsInner {
    config: RwLock<FaultConfig>,
    /// Requests seen since the last `set` (drives the deterministic choice).
    counter: AtomicU64,
    /// Requests seen since creation.
    seq: AtomicU64,
    log: RequestLog,
}

/// Runtime-switchable fault configuration plus the request log. Cheap to clone; clones share
/// state, so a test can keep one and flip faults on and off while the server runs.
#[derive(Clone)]
pub struct Faults {
    inner: Arc<FaultsInner>,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults")
            .field("config", &self.config())
            .field("log", &self.inner.log)
            .finish()
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults::new(FaultConfig::default())
    }
}

impl Faults {
    /// A handle starting with `config`.
    pub fn new(config: FaultConfig) -> Self {
        Faults {
            inner: Arc::new(FaultsInner {
                config: RwLock::new(config),
                counter: AtomicU64::new(0),
                seq: AtomicU64::new(0),
                log: RequestLog::default(),
            }),
        }
    }

    /// Replaces the configuration and restarts the deterministic sequence at request 0.
    pub fn set(&self, config: FaultConfig) {
        let mut guard = self
            .inner
            .config
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        *guard = config;
        self.inner.counter.store(0, Ordering::SeqCst);
    }

    /// Turns every fault off.
    pub fn disable(&self) {
        self.set(FaultConfig::default());
    }

    /// The current configuration.
    pub fn config(&self) -> FaultConfig {
        self.inner
            .config
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.inner.log
    }

    fn next(&self) -> (u64, Option<FaultKind>, FaultConfig) {
        let config = self.config();
        let n = self.inner.counter.fetch_add(1, Ordering::SeqCst);
        let seq = self.inner.seq.fetch_add(1, Ordering::SeqCst);
        (seq, config.decide(n), config)
    }
}

/// Wraps `router` so that every request is logged in `faults.log()` and faults are injected as
/// `faults` is configured at the time of the request.
pub fn apply(router: Router, faults: Faults) -> Router {
    router.layer(middleware::from_fn_with_state(faults, fault_middleware))
}

async fn fault_middleware(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let (seq, fault, config) = faults.next();
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let info = RequestInfo {
        seq,
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        template,
        headers: request.headers().clone(),
        fault,
    };
    faults.log().record(&info);
    let half = config.latency / 2;
    if !half.is_zero() {
        tokio::time::sleep(half).await;
    }
    let response = answer(fault, &config, request, next).await;
    if !half.is_zero() {
        tokio::time::sleep(config.latency - half).await;
    }
    response
}

/// The answer to one request: the handler's, or the injected fault.
async fn answer(
    fault: Option<FaultKind>,
    config: &FaultConfig,
    request: Request,
    next: Next,
) -> Response {
    match fault {
        None => next.run(request).await,
        Some(FaultKind::RateLimited) => rate_limited(config.retry_after),
        Some(FaultKind::ServerError) => simple(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            SERVER_ERROR_TEXT,
        ),
        Some(FaultKind::BadGatewayHtml) => {
            simple(StatusCode::BAD_GATEWAY, "text/html", BAD_GATEWAY_HTML)
        }
        Some(FaultKind::Slow) => {
            tokio::time::sleep(config.slow_delay).await;
            next.run(request).await
        }
        Some(FaultKind::Dropped) => dropped(),
        Some(FaultKind::Truncated) => truncate(next.run(request).await).await,
    }
}

fn simple(status: StatusCode, content_type: &'static str, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn rate_limited(wait: Duration) -> Response {
    let mut response = simple(
        StatusCode::TOO_MANY_REQUESTS,
        "application/json",
        r#"{"status":429,"title":"Too Many Requests","type":"https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes","errors":{}}"#,
    );
    let secs = wait.as_millis().div_ceil(1000);
    let headers = response.headers_mut();
    for (name, value) in [
        ("retry-after", secs.to_string()),
        ("x-retry-after", secs.to_string()),
        ("x-rate-limit-time-reset-ms", wait.as_millis().to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

fn stream_error(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        format!("sandbox fault: {what}"),
    )
}

fn dropped() -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Err(stream_error("dropped connection"))];
    let mut response = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    // Announce at least one byte more than is ever sent, even for an empty body.
    let announced = bytes.len().max(1) + usize::from(bytes.is_empty());
    let sent = bytes.slice(..bytes.len() / 2);
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from_str(&announced.to_string()).unwrap_or(HeaderValue::from_static("1")),
    );
    if parts.status == StatusCode::NO_CONTENT {
        parts.status = StatusCode::OK;
    }
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        vec![Ok(sent), Err(stream_error("truncated body"))];
    Response::from_parts(parts, Body::from_stream(futures::stream::iter(chunks)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_injects_nothing() {
        let config = FaultConfig::default();
        assert!(!config.is_active());
        assert!((0..1000).all(|n| config.decide(n).is_none()));
    }

    #[test]
    fn decisions_are_deterministic_and_follow_shares() {
        let a = FaultConfig::uniform(42, 0.6);
        let b = FaultConfig::uniform(42, 0.6);
        let seq_a: Vec<_> = (0..2000).map(|n| a.decide(n)).collect();
        let seq_b: Vec<_> = (0..2000).map(|n| b.decide(n)).collect();
        assert_eq!(seq_a, seq_b);
        let other: Vec<_> = (0..2000)
            .map(|n| FaultConfig::uniform(43, 0.6).decide(n))
            .collect();
        assert_ne!(seq_a, other, "a different seed gives a different sequence");
        let faulted = seq_a.iter().filter(|f| f.is_some()).count();
        assert!((1000..1400).contains(&faulted), "about 60 %: {faulted}");
        for kind in FaultKind::ALL {
            let n = seq_a.iter().filter(|f| **f == Some(kind)).count();
            assert!((120..280).contains(&n), "{kind:?} about 10 %: {n}");
        }
    }

    #[test]
    fn always_hits_every_request() {
        let config = FaultConfig::always(FaultKind::Dropped);
        assert!((0..100).all(|n| config.decide(n) == Some(FaultKind::Dropped)));
    }

    #[test]
    fn request_info_debug_hides_header_values() {
        let mut headers = HeaderMap::new();
        headers.insert("x-auth-token", HeaderValue::from_static("very-secret"));
        let info = RequestInfo {
            seq: 0,
            method: Method::GET,
            path: "/x".into(),
            query: None,
            template: None,
            headers,
            fault: None,
        };
        let shown = format!("{info:?}");
        assert!(shown.contains("x-auth-token"));
        assert!(!shown.contains("very-secret"));
    }
}
