//! The one place a request is sent: URL building, auth headers, pacing, retries with
//! backoff, tracing, and per-operation call counts.
//!
//! Clients describe a call as a [`RequestSpec`] (a plain value that unit tests can inspect
//! without a server) and hand it to [`Transport::execute`], which returns the final
//! [`RawResponse`] whatever its status; mapping non-2xx answers to typed errors is the
//! client's job, since the error bodies differ per API.

use crate::retry::RetryPolicy;
use crate::secret::Redactor;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

pub use http::{HeaderMap, HeaderValue, StatusCode};
pub use reqwest::Method;

/// One part of a `multipart/form-data` body (a file upload or a plain field).
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Form field name.
    pub name: String,
    /// File name, for file parts.
    pub file_name: Option<String>,
    /// MIME type, for file parts.
    pub content_type: Option<String>,
    /// The bytes.
    pub data: Bytes,
}

impl Part {
    /// A plain text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Part {
            name: name.into(),
            file_name: None,
            content_type: None,
            data: Bytes::from(value.into()),
        }
    }

    /// A file field.
    pub fn file(
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Self {
        Part {
            name: name.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
            data: data.into(),
        }
    }
}

/// A request body. Kept as data so that a retry can rebuild it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Body {
    /// No body. POST/PUT/PATCH still send `Content-Length: 0`, so no proxy answers 411.
    #[default]
    Empty,
    /// JSON bytes, sent with `Content-Type: application/json`.
    Json(Bytes),
    /// Other bytes with their content type.
    Raw {
        /// MIME type.
        content_type: String,
        /// The bytes.
        data: Bytes,
    },
    /// A `multipart/form-data` body.
    Multipart(Vec<Part>),
}

/// A plain description of one API call.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    /// HTTP method.
    pub method: Method,
    /// Path relative to the client's base URL, e.g. `v3/catalog/products/12`.
    pub path: String,
    /// Path template for logs and call counts, e.g. `/v3/catalog/products/{id}`.
    pub template: &'static str,
    /// Operation label where the API names its calls (Mirakl's `OF24`), else `None`.
    pub operation: Option<&'static str>,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Extra headers for this call.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// Overrides whether repeating the call is safe (default: by method).
    pub idempotent: Option<bool>,
}

impl RequestSpec {
    /// A call with `method` on `path` (relative to the base URL), logged as `template`.
    pub fn new(method: Method, template: &'static str, path: impl Into<String>) -> Self {
        let path = path.into();
        RequestSpec {
            method,
            path: path.trim_start_matches('/').to_owned(),
            template,
            operation: None,
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            idempotent: None,
        }
    }

    /// Labels the call with the API's operation code.
    #[must_use]
    pub fn operation(mut self, op: &'static str) -> Self {
        self.operation = Some(op);
        self
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    /// Adds a query parameter when `value` is `Some`.
    #[must_use]
    pub fn query_opt<V: ToString>(self, key: impl Into<String>, value: Option<V>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    ///
    /// # Errors
    /// When `value` cannot be serialised.
    pub fn json<T: serde::Serialize + ?Sized>(
        mut self,
        value: &T,
    ) -> Result<Self, serde_json::Error> {
        self.body = Body::Json(Bytes::from(serde_json::to_vec(value)?));
        Ok(self)
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Marks whether repeating the call is safe, overriding the method's default.
    #[must_use]
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    /// Whether repeating the call is safe.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ))
    }

    /// The key calls are counted under: the operation code, else `METHOD template`.
    pub fn count_key(&self) -> String {
        match self.operation {
            Some(op) => op.to_owned(),
            None => format!("{} {}", self.method, self.template),
        }
    }
}

/// The final answer to a call, whatever its status.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// How many attempts were made (1 = no retry).
    pub attempts: u32,
}

impl RawResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The wait the server asked for: `Retry-After` (seconds), `X-Retry-After` (seconds) or
    /// `X-Rate-Limit-Time-Reset-Ms`, whichever is present first.
    pub fn retry_after(&self) -> Option<Duration> {
        retry_after(&self.headers)
    }
}

/// The wait a response asks for: `Retry-After` (seconds), `X-Retry-After` (seconds) or
/// `X-Rate-Limit-Time-Reset-Ms` (milliseconds).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::trim);
    let secs = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
    if let Some(s) = get("retry-after").and_then(secs) {
        return Some(Duration::from_secs_f64(s));
    }
    if let Some(s) = get("x-retry-after").and_then(secs) {
        return Some(Duration::from_secs_f64(s));
    }
    get("x-rate-limit-time-reset-ms")
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_millis)
}

/// A header value for a credential, marked sensitive (so `Debug` of the header map and
/// HTTP/2 header compression leave it out); `None` when the secret holds characters a
/// header cannot carry. The value is never echoed in any error.
pub fn secret_header_value(secret: &crate::secret::Secret) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(secret.expose().trim()).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Drops the query, user name and password from the URL a transport error carries (and
/// shows in its message), so nothing a caller put there can reach a log or an error
/// chain. Path and host stay for diagnosis; credentials travel in headers, which reqwest
/// errors never show.
fn scrub(mut e: reqwest::Error) -> reqwest::Error {
    if let Some(u) = e.url_mut() {
        u.set_query(None);
        u.set_fragment(None);
        let _ = u.set_password(None);
        let _ = u.set_username("");
    }
    e
}

/// A call that never produced an HTTP response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Connection, timeout or body-read failure, after the retries the policy allows.
    #[error("{method} {template} failed after {attempts} attempt(s): {source}")]
    Transport {
        /// HTTP method.
        method: Method,
        /// Path template.
        template: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be built (bad header, bad multipart MIME type).
    #[error("cannot build {method} {template}: {reason}")]
    Build {
        /// HTTP method.
        method: Method,
        /// Path template.
        template: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl SendError {
    /// Whether the failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendError::Transport { source, .. } if source.is_timeout())
    }
}

/// Hooks that pace calls: wait before sending, and learn from every response.
///
/// BigCommerce's per-store quota and Mirakl's per-operation call ceilings are pacers.
#[async_trait::async_trait]
pub trait Pacer: Send + Sync + fmt::Debug {
    /// Waits until `spec` may be sent.
    async fn before_send(&self, spec: &RequestSpec);
    /// Sees every response (including 429s) to update its state.
    fn after_response(&self, spec: &RequestSpec, response: &RawResponse);
}

/// Sees every call's outcome, for metrics and health checks; it never changes the call.
///
/// Called on the sending task: keep each method short and never block. Every method has an
/// empty default, so an observer implements only what it counts.
pub trait CallObserver: Send + Sync + fmt::Debug {
    /// An attempt got an HTTP response (any status, before any retry of it).
    fn response(&self, _spec: &RequestSpec, _response: &RawResponse) {}
    /// An attempt got no HTTP response (connection, timeout or body-read failure).
    fn failure(&self, _spec: &RequestSpec, _attempt: u32, _error: &reqwest::Error) {}
    /// The attempt that just failed or was answered 429/5xx is sent again after `wait`.
    fn retry(&self, _spec: &RequestSpec, _status: Option<StatusCode>, _wait: Duration) {}
    /// The pacer held the call back for `waited` before sending it.
    fn paced(&self, _spec: &RequestSpec, _waited: Duration) {}
}

/// Settings for a [`Transport`].
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Base URL every request path is joined to (ends with `/`).
    pub base_url: Url,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Headers sent on every call (auth); mark secret ones sensitive.
    pub default_headers: HeaderMap,
    /// Optional pacer.
    pub pacer: Option<Arc<dyn Pacer>>,
    /// Optional observer of every call's outcome (metrics, health).
    pub observer: Option<Arc<dyn CallObserver>>,
    /// Secret values scrubbed from every error answer's body before anyone sees it. The
    /// values of `default_headers` marked sensitive are added by [`Transport::new`].
    pub redactor: Redactor,
}

impl TransportConfig {
    /// Settings with defaults: 30 s timeout, 10 s connect timeout, default retry policy.
    pub fn new(base_url: Url, user_agent: impl Into<String>) -> Self {
        TransportConfig {
            base_url,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: user_agent.into(),
            retry: RetryPolicy::default(),
            default_headers: HeaderMap::new(),
            pacer: None,
            observer: None,
            redactor: Redactor::default(),
        }
    }
}

/// Sends [`RequestSpec`]s. Cheap to clone; clones share the connection pool, the pacer and
/// the call counts.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    retry: RetryPolicy,
    pacer: Option<Arc<dyn Pacer>>,
    observer: Option<Arc<dyn CallObserver>>,
    redactor: Redactor,
    calls: Mutex<BTreeMap<String, u64>>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url.as_str())
            .field("retry", &self.inner.retry)
            .field("pacer", &self.inner.pacer)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Builds the transport.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (for example no TLS backend).
    pub fn new(config: TransportConfig) -> Result<Self, reqwest::Error> {
        let mut redactor = config.redactor;
        for value in config.default_headers.values() {
            if value.is_sensitive()
                && let Ok(text) = value.to_str()
            {
                redactor.add_value(text);
                // `Authorization: Bearer <key>` may be echoed without its scheme.
                if let Some((_, credential)) = text.split_once(' ') {
                    redactor.add_value(credential);
                }
            }
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent)
            .default_headers(config.default_headers)
            .build()?;
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                base_url: config.base_url,
                retry: config.retry,
                pacer: config.pacer,
                observer: config.observer,
                redactor,
                calls: Mutex::new(BTreeMap::new()),
            }),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The secret values this transport scrubs from error bodies; clients use it for any
    /// other text built from a response (decode-error snippets).
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The full URL of `spec` (without its query).
    ///
    /// # Errors
    /// When the path cannot be joined to the base URL.
    pub fn url_for(&self, spec: &RequestSpec) -> Result<Url, url::ParseError> {
        self.inner.base_url.join(&spec.path)
    }

    /// HTTP requests sent so far (retries included), by [`RequestSpec::count_key`].
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.inner
            .calls
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    fn count(&self, spec: &RequestSpec) {
        if let Ok(mut m) = self.inner.calls.lock() {
            *m.entry(spec.count_key()).or_default() += 1;
        }
    }

    fn build(&self, spec: &RequestSpec) -> Result<reqwest::RequestBuilder, SendError> {
        let fail = |reason: String| SendError::Build {
            method: spec.method.clone(),
            template: spec.template,
            reason,
        };
        let url = self.url_for(spec).map_err(|e| fail(e.to_string()))?;
        // The auth headers go with every request: never to another origin, whatever a
        // path (a raw call, a URL taken from a response) says.
        if url.origin() != self.inner.base_url.origin() {
            return Err(fail(format!(
                "the path leaves the API origin {}",
                self.inner.base_url.origin().ascii_serialization()
            )));
        }
        let mut rb = self.inner.http.request(spec.method.clone(), url);
        if !spec.query.is_empty() {
            rb = rb.query(&spec.query);
        }
        for (k, v) in &spec.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        rb = match &spec.body {
            Body::Empty => {
                if matches!(spec.method, Method::POST | Method::PUT | Method::PATCH) {
                    rb.header(http::header::CONTENT_LENGTH, "0")
                        .body(Bytes::new())
                } else {
                    rb
                }
            }
            Body::Json(b) => rb
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(b.clone()),
            Body::Raw { content_type, data } => rb
                .header(http::header::CONTENT_TYPE, content_type.as_str())
                .body(data.clone()),
            Body::Multipart(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for p in parts {
                    let mut part = reqwest::multipart::Part::bytes(p.data.to_vec());
                    if let Some(f) = &p.file_name {
                        part = part.file_name(f.clone());
                    }
                    if let Some(ct) = &p.content_type {
                        part = part.mime_str(ct).map_err(|e| fail(e.to_string()))?;
                    }
                    form = form.part(p.name.clone(), part);
                }
                rb.multipart(form)
            }
        };
        Ok(rb)
    }

    /// Sends `spec`, pacing and retrying as the policy allows, and returns the final
    /// response whatever its status.
    ///
    /// Retries: 429 on any method (the server did not act) after the wait it asks for, when
    /// that wait is within [`RetryPolicy::max_retry_after`]; 5xx and transport errors on
    /// idempotent calls; connection failures (nothing reached the server) on any call.
    ///
    /// # Errors
    /// [`SendError`] when no HTTP response was obtained.
    ///
    /// Runs inside a `tracing` span `api_call` with the method, the path template and the
    /// operation code (never the concrete path, query, headers or body, so neither secrets
    /// nor customer data reach the logs); the final `status` and `attempts` are recorded on
    /// it.
    pub async fn execute(&self, spec: &RequestSpec) -> Result<RawResponse, SendError> {
        use tracing::Instrument as _;
        let span = tracing::debug_span!(
            "api_call",
            method = %spec.method,
            path = spec.template,
            operation = spec.operation.unwrap_or(""),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let result = self.execute_inner(spec).instrument(span.clone()).await;
        match &result {
            Ok(resp) => {
                span.record("status", resp.status.as_u16());
                span.record("attempts", resp.attempts);
            }
            Err(SendError::Transport { attempts, .. }) => {
                span.record("attempts", *attempts);
            }
            Err(_) => {}
        }
        result
    }

    async fn execute_inner(&self, spec: &RequestSpec) -> Result<RawResponse, SendError> {
        let policy = &self.inner.retry;
        let idempotent = spec.is_idempotent();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if let Some(p) = &self.inner.pacer {
                let asked = std::time::Instant::now();
                p.before_send(spec).await;
                if let Some(o) = &self.inner.observer {
                    let waited = asked.elapsed();
                    if waited >= Duration::from_millis(1) {
                        o.paced(spec, waited);
                    }
                }
            }
            let rb = self.build(spec)?;
            self.count(spec);
            let can_retry = attempt <= policy.max_retries;
            let sent = rb.send().await;
            let result = match sent {
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(mut body) => Ok({
                            // An error page may quote the request's credential: scrub it
                            // here, so no error, snippet or log line built later holds it.
                            if !status.is_success()
                                && let Some(clean) = self.inner.redactor.redact_bytes(&body)
                            {
                                body = Bytes::from(clean);
                            }
                            RawResponse {
                                status,
                                headers,
                                body,
                                attempts: attempt,
                            }
                        }),
                        Err(e) => Err((scrub(e), false)),
                    }
                }
                Err(e) => {
                    let connect = e.is_connect();
                    Err((scrub(e), connect))
                }
            };
            match result {
                Ok(resp) => {
                    tracing::debug!(
                        method = %spec.method,
                        path = spec.template,
                        status = resp.status.as_u16(),
                        attempt,
                        "http call"
                    );
                    if let Some(p) = &self.inner.pacer {
                        p.after_response(spec, &resp);
                    }
                    if let Some(o) = &self.inner.observer {
                        o.response(spec, &resp);
                    }
                    let status = resp.status;
                    let wait = if status == StatusCode::TOO_MANY_REQUESTS {
                        let asked = resp.retry_after();
                        match asked {
                            Some(w) if w > policy.max_retry_after => None,
                            Some(w) => Some(w),
                            None => Some(policy.backoff(attempt, fastrand::f64())),
                        }
                    } else if status.is_server_error() && idempotent {
                        Some(policy.backoff(attempt, fastrand::f64()))
                    } else {
                        None
                    };
                    match wait {
                        Some(w) if can_retry => {
                            tracing::warn!(
                                method = %spec.method,
                                path = spec.template,
                                status = status.as_u16(),
                                attempt,
                                wait_ms = w.as_millis() as u64,
                                "retrying"
                            );
                            if let Some(o) = &self.inner.observer {
                                o.retry(spec, Some(status), w);
                            }
                            tokio::time::sleep(w).await;
                        }
                        _ => return Ok(resp),
                    }
                }
                Err((e, connect_failed)) => {
                    tracing::debug!(
                        method = %spec.method,
                        path = spec.template,
                        attempt,
                        error = %e,
                        "http call failed"
                    );
                    if let Some(o) = &self.inner.observer {
                        o.failure(spec, attempt, &e);
                    }
                    if can_retry && (idempotent || connect_failed) {
                        let wait = policy.backoff(attempt, fastrand::f64());
                        if let Some(o) = &self.inner.observer {
                            o.retry(spec, None, wait);
                        }
                        tokio::time::sleep(wait).await;
                    } else {
                        return Err(SendError::Transport {
                            method: spec.method.clone(),
                            template: spec.template,
                            attempts: attempt,
                            source: e,
                        });
                    }
                }
            }
        }
    }
}
