//! The client, its builder, the one execution path and generic list builders.

use crate::credentials::{Credentials, StoreHash};
use crate::error::{Error, Result};
use crate::pacer::{PacingConfig, RateLimit, RateLimitPacer};
use crate::page::{Envelope, Page};
use bc_mirakl_api_core::paging::{Fetched, NumberedPage, paginate, paginate_numbered};
use bc_mirakl_api_core::retry::RetryPolicy;
use bc_mirakl_api_core::settings::ClientSettings;
use bc_mirakl_api_core::transport::{
    HeaderMap, HeaderValue, Method, RawResponse, RequestSpec, StatusCode, Transport,
};
use futures::Stream;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.bigcommerce.com/";

fn default_base_url() -> Url {
    Url::parse(DEFAULT_BASE_URL).expect("static URL parses")
}

/// A BigCommerce client for one store. Cheap to clone (clones share the connection pool,
/// the rate-limit pacer and the call counts); `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    store_hash: StoreHash,
    pacer: Option<RateLimitPacer>,
    pages_in_flight: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("store_hash", &self.inner.store_hash)
            .field("base_url", &self.inner.transport.base_url().as_str())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    credentials: Credentials,
    settings: ClientSettings,
    pacing: PacingConfig,
    pacer: Option<RateLimitPacer>,
}

impl ClientBuilder {
    /// Overrides the API host (tests, the sandbox). `https` is required except on loopback.
    /// Requests go to `{base}stores/{store_hash}/v2/...` and `.../v3/...`.
    ///
    /// # Errors
    /// [`Error::BaseUrl`] when the URL is invalid, not https off loopback, or has a query.
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        self.settings.set_base_url(url)?;
        Ok(self)
    }

    /// Replaces every shared setting at once (timeouts, user agent, retry policy, base URL),
    /// e.g. with settings an application keeps for both of its clients.
    #[must_use]
    pub fn settings(mut self, settings: ClientSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Whole-request timeout (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// `User-Agent` (BigCommerce asks integrations to identify themselves).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.settings.user_agent = user_agent.into();
        self
    }

    /// Retry policy (default: 4 retries, exponential backoff with jitter, 429 waits up to
    /// 60 s).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// How many pages of one listing [`List::stream`] fetches at once (default 4; 1 reads
    /// the pages one after another). Every page still waits for the pacer, so more pages in
    /// flight never push the store past its quota; they hide the round trips.
    #[must_use]
    pub fn pages_in_flight(mut self, pages: usize) -> Self {
        self.settings.pages_in_flight = pages.max(1);
        self
    }

    /// Pacing settings (default: wait when no requests are left, up to 30 s).
    #[must_use]
    pub fn pacing(mut self, pacing: PacingConfig) -> Self {
        self.pacing = pacing;
        self
    }

    /// Turns pacing off (429s are still retried).
    #[must_use]
    pub fn disable_pacing(self) -> Self {
        self.pacing(PacingConfig::disabled())
    }

    /// Uses an existing pacer, so that several clients of the same store share one budget
    /// (its configuration replaces [`ClientBuilder::pacing`]).
    #[must_use]
    pub fn pacer(mut self, pacer: RateLimitPacer) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Build`] when the HTTP client cannot be built, [`Error::InvalidInput`] when
    /// the token cannot be sent as a header.
    pub fn build(self) -> Result<Client> {
        let store = self.credentials.store_hash().clone();
        let base = self
            .settings
            .base_url_or(default_base_url())
            .join(&format!("stores/{store}/"))
            .map_err(|e| Error::InvalidInput(format!("cannot build the store URL: {e}")))?;
        let mut headers = HeaderMap::new();
        let token =
            bc_mirakl_api_core::transport::secret_header_value(self.credentials.access_token())
                .ok_or_else(|| {
                    Error::InvalidInput(
                        "the access token has characters a header cannot carry".into(),
                    )
                })?;
        headers.insert("x-auth-token", token);
        headers.insert("accept", HeaderValue::from_static("application/json"));
        let pacer = match self.pacer {
            Some(p) => Some(p),
            None if self.pacing.enabled => Some(RateLimitPacer::new(self.pacing)),
            None => None,
        };
        let mut config = self.settings.transport_config(base.clone());
        config.base_url = base;
        config.default_headers = headers;
        config.pacer = pacer
            .clone()
            .map(|p| Arc::new(p) as Arc<dyn bc_mirakl_api_core::transport::Pacer>);
        let transport = Transport::new(config).map_err(|e| Error::Build(e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                store_hash: store,
                pacer,
                pages_in_flight: self.settings.pages_in_flight.max(1),
            }),
        })
    }
}

impl Client {
    /// A builder for `credentials`, with the production base URL.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            settings: ClientSettings::new(format!(
                "bigcommerce-api-rs/{}",
                env!("CARGO_PKG_VERSION")
            )),
            pacing: PacingConfig::default(),
            pacer: None,
        }
    }

    /// The store this client talks to.
    pub fn store_hash(&self) -> &StoreHash {
        &self.inner.store_hash
    }

    /// The base URL of the store (`{base}stores/{hash}/`).
    pub fn store_url(&self) -> &Url {
        self.inner.transport.base_url()
    }

    /// HTTP requests sent so far (retries included), keyed `METHOD /path/template`.
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.inner.transport.call_counts()
    }

    /// The rate-limit state the store last reported (`None` before any response with the
    /// headers, or when pacing is disabled).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.pacer.as_ref().and_then(RateLimitPacer::last)
    }

    /// The pacer, to share it with another client of the same store.
    pub fn pacer(&self) -> Option<&RateLimitPacer> {
        self.inner.pacer.as_ref()
    }

    /// Checks the credentials by reading the store information.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] on 401/403 (wrong token, wrong store hash or missing
    /// scopes); otherwise as any call.
    pub async fn verify(&self) -> Result<crate::store::StoreInfo> {
        match self.store().info().await {
            Err(Error::Api {
                status: status @ (401 | 403),
                message,
                ..
            }) => Err(Error::Unauthorized { status, message }),
            other => other,
        }
    }

    /// Sends `spec`; non-2xx answers become errors.
    ///
    /// # Errors
    /// [`Error::Api`], [`Error::RateLimited`] or [`Error::Transport`].
    pub(crate) async fn send(&self, spec: &RequestSpec) -> Result<RawResponse> {
        let resp = self.inner.transport.execute(spec).await?;
        if resp.status == StatusCode::MULTI_STATUS {
            // Catalog writes answer 207 when the main change was saved but a side effect
            // (inventory, URL) failed: a partial success worth a warning, not an error.
            tracing::warn!(
                method = %spec.method,
                path = spec.template,
                body = %bc_mirakl_api_core::decode::snippet(&resp.body),
                "BigCommerce reported a partial success (207)"
            );
        }
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(Error::from_response(&resp))
        }
    }

    /// Sends `spec` and decodes the body as `T`.
    pub(crate) async fn json<T: DeserializeOwned>(&self, spec: &RequestSpec) -> Result<T> {
        let resp = self.send(spec).await?;
        decode(&resp.body)
    }

    /// Sends `spec` and decodes a v3 `{data, meta}` envelope, returning `data`.
    pub(crate) async fn data<T: DeserializeOwned>(&self, spec: &RequestSpec) -> Result<T> {
        let env: Envelope<T> = self.json(spec).await?;
        Ok(env.data)
    }

    /// Sends a catalog write and decodes `{data, errors, meta}`, keeping the `errors` block
    /// of a 207 Multi-Status partial success as data. `first_item` is the index, in the
    /// caller's input, of the first item this request carried (batch chunks).
    pub(crate) async fn written<T: DeserializeOwned>(
        &self,
        spec: &RequestSpec,
        first_item: usize,
    ) -> Result<Written<T>> {
        let resp = self.send(spec).await?;
        let env: WriteEnvelope<T> = decode(&resp.body)?;
        let failures = env
            .errors
            .into_iter()
            .map(|error| PartialFailure { first_item, error })
            .collect();
        Ok(Written {
            data: env.data,
            status: resp.status.as_u16(),
            failures,
        })
    }

    /// Like [`Client::data`], with 404 as `None`.
    pub(crate) async fn data_opt<T: DeserializeOwned>(
        &self,
        spec: &RequestSpec,
    ) -> Result<Option<T>> {
        not_found_as_none(self.data(spec).await)
    }

    /// Like [`Client::json`], with 404 as `None`.
    pub(crate) async fn json_opt<T: DeserializeOwned>(
        &self,
        spec: &RequestSpec,
    ) -> Result<Option<T>> {
        not_found_as_none(self.json(spec).await)
    }

    /// Sends `spec`, ignoring the body.
    pub(crate) async fn unit(&self, spec: &RequestSpec) -> Result<()> {
        self.send(spec).await.map(|_| ())
    }

    /// A raw call reusing auth, pacing and retries, for endpoints not typed yet. `path` is
    /// relative to the store, e.g. `v3/catalog/summary`.
    pub fn raw(&self, method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest {
            client: self.clone(),
            spec: RequestSpec::new(method, "raw", path),
            body_error: None,
        }
    }
}

fn not_found_as_none<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A catalog write BigCommerce accepted: the saved data and, when it answered
/// `207 Multi-Status` (`products_catalog.v3.yml`: "the product information was updated
/// successfully, but the inventory data failed to update or saving the URL failed"), the
/// parts that failed. Check [`Written::is_partial`]: a partial success is not a success.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Written<T> {
    /// What BigCommerce saved.
    pub data: T,
    /// The HTTP status of the (last) response: 200, 201 or 207.
    pub status: u16,
    /// What failed, from the `errors` block of each 207 answer (empty on full success).
    pub failures: Vec<PartialFailure>,
}

impl<T> Written<T> {
    /// Whether BigCommerce reported that part of the write failed (a 207 status or a
    /// non-empty `errors` block).
    pub fn is_partial(&self) -> bool {
        self.status == 207 || !self.failures.is_empty()
    }

    /// The saved data, or [`Error::PartialSuccess`] when part of the write failed, for
    /// callers that must treat a partial success as a failure.
    ///
    /// # Errors
    /// [`Error::PartialSuccess`] when [`Written::is_partial`].
    pub fn into_complete(self) -> Result<T> {
        if self.is_partial() {
            Err(Error::PartialSuccess {
                status: self.status,
                failures: self.failures.into_iter().map(|f| f.error).collect(),
            })
        } else {
            Ok(self.data)
        }
    }
}

/// One `errors` block of a 207 answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PartialFailure {
    /// Index, in the caller's input, of the first item of the request that reported it
    /// (0 for single writes; for batches, the chunk's first item: keys of
    /// `error.errors` such as `"0.inventory_level"` count from there).
    pub first_item: usize,
    /// The `errorMultiStatus` block (`status`, `title`, `type`, `errors`).
    pub error: crate::error::V3Error,
}

/// `{data, errors, meta}` of a catalog write.
#[derive(serde::Deserialize)]
struct WriteEnvelope<T> {
    data: T,
    #[serde(default, deserialize_with = "multi_status_errors")]
    errors: Vec<crate::error::V3Error>,
}

/// The `errors` of a 207: one `errorMultiStatus` object per the spec; an array of them, or
/// `null`, tolerated. An object with nothing in it is no failure.
fn multi_status_errors<'d, D: serde::Deserializer<'d>>(
    d: D,
) -> std::result::Result<Vec<crate::error::V3Error>, D::Error> {
    use serde::Deserialize;
    use serde::de::Error as _;
    let meaningful = |e: &crate::error::V3Error| {
        e.status.is_some() || e.title.is_some() || !e.errors.is_empty() || e.code.is_some()
    };
    let v = serde_json::Value::deserialize(d)?;
    let list = match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Null => Vec::new(),
        other => vec![other],
    };
    list.into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(crate::error::V3Error {
                title: Some(s),
                ..Default::default()
            }),
            v => serde_json::from_value::<crate::error::V3Error>(v).map_err(D::Error::custom),
        })
        .filter(|r| r.as_ref().map_or(true, meaningful))
        .collect()
}

/// Decodes a 2xx body, naming the JSON path on failure.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    bc_mirakl_api_core::decode::json(body).map_err(|f| Error::Decode {
        path: f.path,
        message: f.message,
        body_snippet: f.snippet,
    })
}

/// Builds a JSON request, turning a serialisation failure into [`Error::InvalidInput`].
pub(crate) fn with_json<B: serde::Serialize + ?Sized>(
    spec: RequestSpec,
    body: &B,
) -> Result<RequestSpec> {
    spec.json(body)
        .map_err(|e| Error::InvalidInput(format!("cannot serialise the request body: {e}")))
}

/// A raw request (see [`Client::raw`]).
#[derive(Debug)]
pub struct RawRequest {
    client: Client,
    spec: RequestSpec,
    body_error: Option<String>,
}

impl RawRequest {
    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.spec = self.spec.query(key, value);
        self
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.spec = self.spec.header(name, value);
        self
    }

    /// Sets a JSON body.
    #[must_use]
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        match self.spec.clone().json(body) {
            Ok(s) => self.spec = s,
            Err(e) => self.body_error = Some(e.to_string()),
        }
        self
    }

    /// The request description (for inspection).
    pub fn spec(&self) -> &RequestSpec {
        &self.spec
    }

    /// Sends the request and returns the 2xx response.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the body could not be serialised; otherwise as any call.
    pub async fn send(self) -> Result<RawResponse> {
        if let Some(e) = self.body_error {
            return Err(Error::InvalidInput(format!(
                "cannot serialise the request body: {e}"
            )));
        }
        self.client.send(&self.spec).await
    }

    /// Sends the request and decodes the body as `T`.
    ///
    /// # Errors
    /// As [`RawRequest::send`], plus [`Error::Decode`].
    pub async fn decode<T: DeserializeOwned>(self) -> Result<T> {
        let resp = self.send().await?;
        decode(&resp.body)
    }
}

/// The largest page BigCommerce serves (`LimitParam` maximum in the v3 specs, `limit` in
/// `orders.v2.oas2.yml`); a larger `limit` is answered with 413.
pub const MAX_PAGE_SIZE: u32 = 250;

/// Which paging style a listing uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// v3 `{data, meta.pagination}`.
    V3,
    /// v3 `{data, meta}` on a path that declares no `page` / `limit` (order transactions,
    /// refunds): one request returns everything, and no paging parameter is sent.
    V3Unpaged,
    /// v3 `{data, meta}` paged by `limit` and `after` (the last id of the previous page;
    /// channel listings): no `page` parameter.
    V3After,
    /// v2 bare array; 204 = no (more) items.
    V2,
}

/// Marks a listing whose typed filters differ from those of the resource's main listing:
/// `List<Variant, ProductScoped>` is `GET /v3/catalog/products/{id}/variants`, which
/// declares no filters (`product-variants_catalog.v3.yml`), so the filters of
/// `GET /v3/catalog/variants` (`List<Variant>`) are not offered on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductScoped;

/// A listing request: filters, page and limit, then [`List::send`] for one page or
/// [`List::stream`] for every item. Resource-specific filters are methods on
/// `List<Product>`, `List<Order>`, and so on; each sends only query parameters its path
/// declares in the spec. `K` tells apart two listings of the same item type with different
/// declared filters (see [`ProductScoped`]).
#[derive(Debug)]
pub struct List<T, K = ()> {
    client: Client,
    template: &'static str,
    path: String,
    style: Style,
    query: Vec<(String, String)>,
    page: Option<u32>,
    limit: Option<u32>,
    after: Option<u64>,
    cursor_of: Option<fn(&T) -> u64>,
    _t: PhantomData<fn() -> (T, K)>,
}

impl<T, K> Clone for List<T, K> {
    fn clone(&self) -> Self {
        List {
            client: self.client.clone(),
            template: self.template,
            path: self.path.clone(),
            style: self.style,
            query: self.query.clone(),
            page: self.page,
            limit: self.limit,
            after: self.after,
            cursor_of: self.cursor_of,
            _t: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Send + 'static, K: 'static> List<T, K> {
    pub(crate) fn new(client: &Client, style: Style, template: &'static str, path: String) -> Self {
        List {
            client: client.clone(),
            template,
            path,
            style,
            query: Vec::new(),
            page: None,
            limit: None,
            after: None,
            cursor_of: None,
            _t: PhantomData,
        }
    }

    /// A listing paged by `limit` and `after`, where `cursor_of` gives an item's id (the
    /// `after` of the page following it).
    pub(crate) fn new_after(
        client: &Client,
        template: &'static str,
        path: String,
        cursor_of: fn(&T) -> u64,
    ) -> Self {
        let mut list = Self::new(client, Style::V3After, template, path);
        list.cursor_of = Some(cursor_of);
        list
    }

    /// The `after` cursor of listings paged by it (channel listings): items after this id.
    pub(crate) fn set_after(mut self, after: u64) -> Self {
        self.after = Some(after);
        self
    }

    /// Page number (1-based). Not sent on the listings whose path declares no paging
    /// (order transactions and refunds answer everything at once).
    #[must_use]
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page.max(1));
        self
    }

    /// Page size, clamped to 1..=250 (BigCommerce answers 413 above 250; default 50). Not
    /// sent on the listings whose path declares no paging.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit.clamp(1, MAX_PAGE_SIZE));
        self
    }

    /// Adds any query filter (`key=value`), for filters without a typed method.
    #[must_use]
    pub fn filter(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    /// Sets a filter, replacing an earlier value of the same key.
    pub(crate) fn set(mut self, key: &str, value: impl ToString) -> Self {
        self.query.retain(|(k, _)| k != key);
        self.query.push((key.to_owned(), value.to_string()));
        self
    }

    /// The request this listing sends (for inspection and tests).
    pub fn spec(&self) -> RequestSpec {
        let mut spec = RequestSpec::new(Method::GET, self.template, self.path.clone());
        for (k, v) in &self.query {
            spec = spec.query(k.clone(), v);
        }
        match self.style {
            Style::V3Unpaged => return spec,
            Style::V3After => {
                return spec
                    .query("limit", self.limit.unwrap_or(MAX_PAGE_SIZE))
                    .query_opt("after", self.after);
            }
            Style::V3 | Style::V2 => {}
        }
        spec.query_opt("page", self.page)
            .query_opt("limit", self.limit)
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// As any call; [`Error::Decode`] when the body is not a list of `T`.
    pub async fn send(self) -> Result<Page<T>> {
        let spec = self.spec();
        let page = self.page.unwrap_or(1);
        let resp = self.client.send(&spec).await?;
        match self.style {
            Style::V3 => {
                let env: Envelope<Vec<T>> = decode(&resp.body)?;
                let mut p = Page::from_v3(env.data, env.meta, page);
                // No paging metadata at all (`meta` null or `{}`): a full page may have a
                // successor, as in v2; an empty page then ends the listing.
                if p.pagination.is_none() {
                    let limit = self.limit.unwrap_or(50) as usize;
                    let more = match &p.cursor {
                        // Cursor paging only (order metafields): its `next` link says
                        // whether another page follows; the path also takes `page`.
                        Some(c) => c.links.next.is_some(),
                        None => p.items.len() >= limit,
                    };
                    if !p.items.is_empty() && more {
                        p.next_page = page.checked_add(1);
                    }
                }
                Ok(p)
            }
            Style::V3After => {
                let env: Envelope<Vec<T>> = decode(&resp.body)?;
                let limit = self.limit.unwrap_or(MAX_PAGE_SIZE) as usize;
                // With a pagination block, its `next` link decides; without one (`meta: {}`),
                // a full page may have a successor after its last item.
                let next = env
                    .meta
                    .pagination
                    .as_ref()
                    .map(|pg| pg.links.next.as_deref().and_then(after_of_link));
                let mut p = Page::from_v3(env.data, env.meta, page);
                p.next_page = None;
                p.next_after = match next {
                    Some(from_link) => from_link,
                    None => p
                        .items
                        .last()
                        .filter(|_| p.items.len() >= limit)
                        .and_then(|last| self.cursor_of.map(|f| f(last))),
                };
                Ok(p)
            }
            Style::V3Unpaged => {
                let env: Envelope<Vec<T>> = decode(&resp.body)?;
                let mut p = Page::from_v3(env.data, env.meta, 1);
                p.next_page = None;
                Ok(p)
            }
            Style::V2 => {
                let items: Vec<T> = if resp.status == StatusCode::NO_CONTENT
                    || resp.body.iter().all(u8::is_ascii_whitespace)
                {
                    Vec::new()
                } else {
                    decode(&resp.body)?
                };
                Ok(Page::from_v2(items, page, self.limit.unwrap_or(50)))
            }
        }
    }

    /// Streams every item from the requested page (default 1) until the last page, an
    /// empty page (v2: a 204) or a repeated page, in page order.
    ///
    /// Pages are fetched ahead, up to the client's
    /// [`pages_in_flight`](ClientBuilder::pages_in_flight) at once: on v3 once the first
    /// page has told the page count, on v2 (which never tells it) with a window that grows
    /// while pages come back full, so a long v2 listing costs at most `pages_in_flight - 1`
    /// calls past its end. Every fetch goes through the pacer. Listings paged by `after`
    /// (channel listings) are read one page after another. The first error ends the stream.
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + 'static {
        use futures::StreamExt;
        if self.style == Style::V3After {
            let first = self.after;
            return paginate(first, move |after: Option<u64>| {
                let mut req = self.clone();
                req.after = after;
                async move {
                    let p = req.send().await?;
                    Ok::<_, Error>(Fetched {
                        items: p.items,
                        next: p.next_after.map(Some),
                    })
                }
            })
            .left_stream();
        }
        let first = u64::from(self.page.unwrap_or(1));
        let ahead = self.client.inner.pages_in_flight;
        paginate_numbered(first, ahead, move |n: u64| {
            let req = self.clone().page(u32::try_from(n).unwrap_or(u32::MAX));
            async move {
                let p = req.send().await?;
                Ok::<_, Error>(numbered(p, n))
            }
        })
        .right_stream()
    }

    /// Collects every item of every page.
    ///
    /// # Errors
    /// The first error of any page.
    pub async fn all(self) -> Result<Vec<T>> {
        use futures::TryStreamExt;
        self.stream().try_collect().await
    }
}

/// A page as [`paginate_numbered`] reads it: the last page from v3 `meta.pagination`;
/// without it, this page when it has no successor (a short v2 page, a cursor page without a
/// `next` link), else unknown (a full page: more may follow).
fn numbered<T>(p: Page<T>, n: u64) -> NumberedPage<T> {
    let last_page = match (&p.pagination, p.next_page) {
        (Some(pg), _) if pg.total_pages > 0 => Some(pg.total_pages),
        (_, None) => Some(n),
        (_, Some(_)) => None,
    };
    NumberedPage {
        items: p.items,
        last_page,
    }
}

/// The `after` value of a relative next-page link (`"?limit=50&after=882789362"`).
fn after_of_link(link: &str) -> Option<u64> {
    let query = link.split_once('?').map_or(link, |(_, q)| q);
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("after="))
        .and_then(|v| v.parse().ok())
}

/// Joins ids as a comma-separated list (`id:in=1,2,3`).
pub(crate) fn csv<I: IntoIterator<Item = D>, D: fmt::Display>(items: I) -> String {
    items
        .into_iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
