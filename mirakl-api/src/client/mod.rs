//! The HTTP client (feature `client`): [`Client`], its builder, the call limiter and raw
//! calls. The resource handlers live in [`crate::api`].

mod limiter;

pub use limiter::CallLimiter;

/// Re-exported so callers need not depend on `api-core` for raw calls and retry settings.
pub use bc_mirakl_api_core::retry::RetryPolicy;
/// Re-exported so callers can adjust every shared builder setting at once.
pub use bc_mirakl_api_core::settings::ClientSettings;
/// Re-exported for [`Client::raw`] and [`Client::execute`].
pub use bc_mirakl_api_core::transport::{Body, Method, Part, RawResponse, RequestSpec};

// The request builders and handlers moved to `crate::api`; these names stay here for
// existing callers.
pub use crate::api::{
    AttributeListRequest, DocumentSelection, HierarchyListRequest, OfferImportFile,
    OfferImportListRequest, OfferListRequest, OrderListRequest, PriceImportListRequest,
    ProductImportFile, ProductImportListRequest,
};

use crate::api::{
    Account, Accounting, Attributes, Carriers, Documents, Hierarchies, LogisticClasses, Messages,
    Offers, Orders, Platform, Prices, Products, Promotions, Reasons, Returns, Shipments, Shipping,
    Stock, ValueLists,
};
use crate::ceilings::CallCeilings;
use crate::common::Page;
use crate::imports::{CsvOptions, ErrorReport, ImportStatus, WaitOptions};
use crate::{Error, Result};
use bc_mirakl_api_core::secret::Secret;
use bc_mirakl_api_core::transport::{HeaderMap, HeaderValue, StatusCode, Transport};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Builds a [`Client`]. Start with [`Client::builder`].
pub struct ClientBuilder {
    instance_url: String,
    api_key: Option<Secret>,
    shop_id: Option<u64>,
    settings: ClientSettings,
    limiter: Option<CallLimiter>,
    csv: CsvOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("instance_url", &self.instance_url)
            .field("api_key", &self.api_key)
            .field("shop_id", &self.shop_id)
            .field("settings", &self.settings)
            .field("limiter", &self.limiter)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The shop API key, sent raw in `Authorization` (no `Bearer`); never shown in `Debug`,
    /// logs or errors.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Secret::new(key.into()));
        self
    }

    /// The shop to act for, added as `shop_id` to every call (for keys with several
    /// shops); `None` uses the key's default shop.
    #[must_use]
    pub fn shop_id(mut self, shop_id: Option<u64>) -> Self {
        self.shop_id = shop_id;
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

    /// `User-Agent` header.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.settings.user_agent = user_agent.into();
        self
    }

    /// Retry policy (bounded, exponential backoff with jitter; 429 honours `Retry-After`).
    #[must_use]
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.settings.retry = retry;
        self
    }

    /// Replaces every shared setting (timeouts, user agent, retry policy, base-URL
    /// override) at once. A base URL set there replaces the instance URL.
    #[must_use]
    pub fn settings(mut self, settings: ClientSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The shared settings as they stand.
    pub fn current_settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Uses `limiter` to enforce call ceilings (default: [`CallCeilings::default`]).
    /// Pass a clone of one limiter to several clients of the same shop to share it.
    #[must_use]
    pub fn limiter(mut self, limiter: CallLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Enforces `ceilings` with a new limiter.
    #[must_use]
    pub fn ceilings(self, ceilings: CallCeilings) -> Self {
        self.limiter(CallLimiter::new(ceilings))
    }

    /// Turns the call-ceiling limiter off (tests, the local sandbox).
    #[must_use]
    pub fn without_limiter(mut self) -> Self {
        self.limiter = None;
        self
    }

    /// How many pages of one offset-paged listing (OF21, OR11) a stream fetches at once
    /// once the first page has told the total (default 4; 1 reads them one after
    /// another). Later pages of one pass do not count against the call ceilings.
    #[must_use]
    pub fn pages_in_flight(mut self, pages: usize) -> Self {
        self.settings.pages_in_flight = pages.max(1);
        self
    }

    /// CSV options for STO01/PRI01/OF01 files (default `;`; PC01 may say otherwise).
    #[must_use]
    pub fn csv_options(mut self, csv: CsvOptions) -> Self {
        self.csv = csv;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the instance URL is not https (plain http is accepted on
    /// loopback only), the API key is missing, empty or not a valid header value, or the
    /// HTTP stack cannot be initialised.
    pub fn build(self) -> Result<Client> {
        let base_url = match &self.settings.base_url {
            Some(url) => url.clone(),
            None => bc_mirakl_api_core::base_url::parse_base_url(&self.instance_url)
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
        };
        let key = self
            .api_key
            .filter(|k| !k.expose().trim().is_empty())
            .ok_or_else(|| Error::InvalidInput("the Mirakl shop API key is required".into()))?;
        let auth = bc_mirakl_api_core::transport::secret_header_value(&key).ok_or_else(|| {
            Error::InvalidInput("the API key contains characters not allowed in a header".into())
        })?;
        let mut headers = HeaderMap::new();
        headers.insert("authorization", auth);
        headers.insert("accept", HeaderValue::from_static("application/json"));
        let mut config = self.settings.transport_config(base_url.clone());
        config.default_headers = headers;
        config.pacer = self
            .limiter
            .clone()
            .map(|l| Arc::new(l) as Arc<dyn bc_mirakl_api_core::transport::Pacer>);
        let transport = Transport::new(config)
            .map_err(|e| Error::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                base_url,
                shop_id: self.shop_id,
                csv: self.csv,
                limiter: self.limiter,
                pages_in_flight: self.settings.pages_in_flight.max(1),
            }),
        })
    }
}

/// The Mirakl seller API client. Cheap to clone (clones share the connection pool, the
/// limiter and the call counts); `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    base_url: Url,
    shop_id: Option<u64>,
    csv: CsvOptions,
    limiter: Option<CallLimiter>,
    pages_in_flight: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("shop_id", &self.inner.shop_id)
            .field("limiter", &self.inner.limiter.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a builder for the operator instance at `instance_url`, e.g.
    /// `https://yourmarketplace.mirakl.net` (paths `/api/...` are added to it).
    pub fn builder(instance_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            instance_url: instance_url.into(),
            api_key: None,
            shop_id: None,
            settings: ClientSettings::new(concat!("mirakl-api-rust/", env!("CARGO_PKG_VERSION"))),
            limiter: Some(CallLimiter::default()),
            csv: CsvOptions::default(),
        }
    }

    /// The instance base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The shop id added to every call, if any.
    pub fn shop_id(&self) -> Option<u64> {
        self.inner.shop_id
    }

    /// How many pages of one offset-paged listing a stream fetches at once.
    pub fn pages_in_flight(&self) -> usize {
        self.inner.pages_in_flight
    }

    /// The CSV options used for generated import files.
    pub fn csv_options(&self) -> CsvOptions {
        self.inner.csv
    }

    /// HTTP requests sent so far (retries included), keyed by operation code (`OF24`).
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.inner.transport.call_counts()
    }

    /// Offers: OF21, OF22, OF24, OF01–OF04, OF52–OF54.
    pub fn offers(&self) -> Offers {
        Offers::new(self.clone())
    }

    /// Stock imports: STO01–STO03.
    pub fn stock(&self) -> Stock {
        Stock::new(self.clone())
    }

    /// Price imports: PRI01–PRI03.
    pub fn prices(&self) -> Prices {
        Prices::new(self.clone())
    }

    /// Orders: OR11, OR21, OR23, OR24, OR28, OR29, OR04, OR72, OR73.
    pub fn orders(&self) -> Orders {
        Orders::new(self.clone())
    }

    /// Product imports: P41, P42, P44, P51.
    pub fn products(&self) -> Products {
        Products::new(self.clone())
    }

    /// Catalog categories: H11.
    pub fn hierarchies(&self) -> Hierarchies {
        Hierarchies::new(self.clone())
    }

    /// Product attributes: PM11.
    pub fn attributes(&self) -> Attributes {
        Attributes::new(self.clone())
    }

    /// Value lists: VL11.
    pub fn value_lists(&self) -> ValueLists {
        ValueLists::new(self.clone())
    }

    /// The shop account: A01, AF01.
    pub fn account(&self) -> Account {
        Account::new(self.clone())
    }

    /// The platform configuration: PC01.
    pub fn platform_configuration(&self) -> Platform {
        Platform::new(self.clone())
    }

    /// Carriers: SH21.
    pub fn carriers(&self) -> Carriers {
        Carriers::new(self.clone())
    }

    /// Logistic classes: SH31.
    pub fn logistic_classes(&self) -> LogisticClasses {
        LogisticClasses::new(self.clone())
    }

    /// Shipments (multi-shipment orders): ST01–ST31.
    pub fn shipments(&self) -> Shipments {
        Shipments::new(self.clone())
    }

    /// Messages and inbox threads: M01, M10–M14.
    pub fn messages(&self) -> Messages {
        Messages::new(self.clone())
    }

    /// Returns: RT01–RT29.
    pub fn returns(&self) -> Returns {
        Returns::new(self.clone())
    }

    /// Invoices, transaction logs and billing cycles: IV01, IV02, TL02–TL05, SBC11.
    pub fn accounting(&self) -> Accounting {
        Accounting::new(self.clone())
    }

    /// Documents: DO01, DR11, DR12, DR73, DR74, S30–S33.
    pub fn documents(&self) -> Documents {
        Documents::new(self.clone())
    }

    /// Shipping settings: SH11, SH12, SH42, SH52 and pick lists (PL11).
    pub fn shipping(&self) -> Shipping {
        Shipping::new(self.clone())
    }

    /// Reasons: RE01, RE02, RE11, RE12, RE14.
    pub fn reasons(&self) -> Reasons {
        Reasons::new(self.clone())
    }

    /// Promotions: PR01, PR03, PR04.
    pub fn promotions(&self) -> Promotions {
        Promotions::new(self.clone())
    }

    /// The platform: PC01, V01, L01, CUR01, CH11 (same as
    /// [`Client::platform_configuration`]).
    pub fn platform(&self) -> Platform {
        Platform::new(self.clone())
    }

    /// A call to an endpoint not typed yet, with the same auth, `shop_id`, pacing, retries
    /// and error mapping. `path` is relative to the instance, e.g. `/api/shipping/zones`.
    pub fn raw(&self, method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest {
            client: self.clone(),
            spec: RequestSpec::new(method, "raw", path),
        }
    }

    /// Sends `spec` (adding `shop_id`) and maps a non-2xx answer to [`Error`].
    ///
    /// # Errors
    /// [`Error::RateLimited`] for a final 429, [`Error::Api`] for other non-2xx answers,
    /// [`Error::Transport`] when no answer came.
    pub async fn execute(&self, mut spec: RequestSpec) -> Result<RawResponse> {
        if let Some(id) = self.inner.shop_id
            && !spec.query.iter().any(|(k, _)| k == "shop_id")
        {
            spec.query.push(("shop_id".to_owned(), id.to_string()));
        }
        let resp = self.inner.transport.execute(&spec).await?;
        if resp.is_success() {
            return Ok(resp);
        }
        if resp.status == StatusCode::TOO_MANY_REQUESTS {
            return Err(Error::RateLimited {
                retry_after: resp.retry_after(),
            });
        }
        Err(Error::from_api_response(resp.status.as_u16(), &resp.body))
    }

    /// The path (relative to the instance) and query of `url`, a file URL an export status
    /// returned (OF54, OR15, TL05). It must be on this client's instance, so the API key is
    /// never sent elsewhere.
    pub(crate) fn instance_target(
        &self,
        url: &str,
        operation: &str,
    ) -> Result<(String, Vec<(String, String)>)> {
        let base = self.base_url();
        let target = base
            .join(url)
            .map_err(|e| Error::InvalidInput(format!("bad {operation} URL {url:?}: {e}")))?;
        if target.origin() != base.origin() {
            return Err(Error::InvalidInput(format!(
                "{operation} URL {url:?} is not on the instance {}",
                base.origin().ascii_serialization()
            )));
        }
        let path = target.path().strip_prefix(base.path()).ok_or_else(|| {
            Error::InvalidInput(format!(
                "{operation} URL {url:?} is outside the instance path"
            ))
        })?;
        let query = target
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok((path.to_owned(), query))
    }

    pub(crate) async fn json<T: DeserializeOwned>(&self, spec: RequestSpec) -> Result<T> {
        let resp = self.execute(spec).await?;
        Ok(bc_mirakl_api_core::decode::json(&resp.body)?)
    }

    pub(crate) async fn no_content(&self, spec: RequestSpec) -> Result<()> {
        self.execute(spec).await.map(|_| ())
    }

    pub(crate) async fn error_report(&self, spec: RequestSpec) -> Result<ErrorReport> {
        let resp = self.execute(spec).await?;
        crate::imports::parse_error_report(&resp.body).map_err(|e| Error::Decode {
            path: "(csv)".into(),
            message: e.to_string(),
            body_snippet: bc_mirakl_api_core::decode::snippet(&resp.body),
        })
    }
}

pub(crate) fn json_spec<T: serde::Serialize + ?Sized>(
    spec: RequestSpec,
    body: &T,
) -> Result<RequestSpec> {
    spec.json(body)
        .map_err(|e| Error::InvalidInput(format!("cannot serialise the request body: {e}")))
}

pub(crate) fn join<T: fmt::Display>(values: &[T]) -> Option<String> {
    (!values.is_empty()).then(|| {
        values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    })
}

pub(crate) fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Polls `poll` until the status is final or `opts.max_polls` is reached.
pub(crate) async fn wait_until_final<S, F, Fut>(
    import_id: &str,
    opts: WaitOptions,
    mut poll: F,
) -> Result<(S, u32)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(S, ImportStatus)>>,
{
    let mut polls = 0;
    loop {
        let (s, status) = poll().await?;
        polls += 1;
        if status.is_final() {
            return Ok((s, polls));
        }
        if polls >= opts.max_polls {
            return Err(Error::ImportTimeout {
                import_id: import_id.to_owned(),
                last_status: status.to_string(),
                polls,
            });
        }
        tokio::time::sleep(opts.interval).await;
    }
}

/// A call built with [`Client::raw`].
#[derive(Debug, Clone)]
pub struct RawRequest {
    client: Client,
    spec: RequestSpec,
}

impl RawRequest {
    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.spec = self.spec.query(key, value);
        self
    }

    /// Labels the call with its Mirakl operation code, so call counts and the limiter see it.
    #[must_use]
    pub fn operation(mut self, code: &'static str) -> Self {
        self.spec = self.spec.operation(code);
        self
    }

    /// Sets a JSON body.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `body` cannot be serialised.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        self.spec = json_spec(self.spec, body)?;
        Ok(self)
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: Body) -> Self {
        self.spec = self.spec.body(body);
        self
    }

    /// The request as it will be sent (before `shop_id` is added).
    pub fn spec(&self) -> &RequestSpec {
        &self.spec
    }

    /// Sends the call and returns the raw 2xx answer.
    ///
    /// # Errors
    /// As [`Client::execute`].
    pub async fn send(self) -> Result<RawResponse> {
        self.client.execute(self.spec).await
    }

    /// Sends the call and decodes the JSON answer.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        self.client.json(self.spec).await
    }
}

/// A downloaded file (OR73, OF54).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// `Content-Type` of the answer.
    pub content_type: Option<String>,
    /// File name from `Content-Disposition`, if any.
    pub file_name: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Download {
    pub(crate) fn from_response(resp: &RawResponse) -> Self {
        let file_name = resp.header("content-disposition").and_then(|cd| {
            cd.split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix("filename="))
                .map(|f| f.trim_matches('"').to_owned())
        });
        Download {
            content_type: resp.header("content-type").map(str::to_owned),
            file_name,
            bytes: resp.body.to_vec(),
        }
    }
}

/// A paging cursor: where the page after `page` starts, if anywhere.
pub(crate) trait Cursor: Clone + PartialEq + Send + 'static {
    /// The cursor of the page after `page`, or `None` on the last page.
    fn after<T>(page: &Page<T>) -> Option<Self>;
}

/// Offset paging (`max`/`offset`/`total_count`).
impl Cursor for u64 {
    fn after<T>(page: &Page<T>) -> Option<Self> {
        page.next_offset()
    }
}

/// Seek paging (`page_token`/`next_page_token`); `None` is the first page.
impl Cursor for Option<String> {
    fn after<T>(page: &Page<T>) -> Option<Self> {
        page.next_page_token.clone().map(Some)
    }
}

/// Streams every item of a listing lazily: `fetch(request, cursor)` reads one page, and the
/// stream goes on at the cursor the page names (see [`bc_mirakl_api_core::paging::paginate`] for when
/// it stops).
pub(crate) fn stream_pages<R, T, C, F, Fut>(
    request: R,
    first: C,
    fetch: F,
) -> impl futures::Stream<Item = Result<T>> + Send + 'static
where
    R: Clone + Send + 'static,
    T: Send + 'static,
    C: Cursor,
    F: Fn(R, C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    bc_mirakl_api_core::paging::paginate(first, move |cursor: C| {
        let page = fetch(request.clone(), cursor);
        async move {
            let page = page.await?;
            Ok(bc_mirakl_api_core::paging::Fetched {
                next: C::after(&page),
                items: page.items,
            })
        }
    })
}

/// Streams every item of an offset-paged listing (`max`/`offset`/`total_count`: OF21,
/// OR11) from `start`, in order, ending at `total_count`, on an empty page or at the first
/// error.
///
/// When the first page is full and tells `total_count`, the other pages are fetched up to
/// `ahead` at once (see [`bc_mirakl_api_core::paging::paginate_numbered_after`]). Without a
/// total (an operator that omits it) or when the first page is shorter than `max` although
/// more follow (an operator capping the page size), the offsets come from the items
/// actually read, one page after another, so nothing is skipped.
pub(crate) fn stream_offset_pages<R, T, F, Fut>(
    request: R,
    start: u64,
    max: u32,
    ahead: usize,
    fetch: F,
) -> impl futures::Stream<Item = Result<T>> + Send + 'static
where
    R: Clone + Send + Sync + 'static,
    T: Send + 'static,
    F: Fn(R, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    use futures::StreamExt as _;
    let max = u64::from(max.max(1));
    let first = fetch(request.clone(), start);
    futures::stream::once(first)
        .map(move |first| match first {
            Err(e) => futures::stream::iter([Err(e)]).left_stream(),
            Ok(page) => {
                let next = page.next_offset();
                let counted = page.total_count.is_some_and(|t| t > 0);
                let full = page.items.len() as u64 == max;
                if counted && full {
                    let fetch = fetch.clone();
                    let request = request.clone();
                    let first = offset_numbered(page, 0, start, max);
                    bc_mirakl_api_core::paging::paginate_numbered_after(
                        0,
                        first,
                        ahead,
                        move |n: u64| {
                            let offset = start.saturating_add(n.saturating_mul(max));
                            let page = fetch(request.clone(), offset);
                            async move { Ok(offset_numbered(page.await?, n, start, max)) }
                        },
                    )
                    .left_stream()
                    .right_stream()
                } else {
                    let head = futures::stream::iter(page.items.into_iter().map(Ok));
                    let rest = match next {
                        Some(offset) => {
                            stream_pages(request.clone(), offset, fetch.clone()).left_stream()
                        }
                        None => futures::stream::empty().right_stream(),
                    };
                    head.chain(rest).right_stream().right_stream()
                }
            }
        })
        .flatten()
}

/// An offset page as [`bc_mirakl_api_core::paging::paginate_numbered`] reads it: the last
/// page number from `total_count` (known to be above 0 here).
fn offset_numbered<T>(
    page: Page<T>,
    n: u64,
    start: u64,
    max: u64,
) -> bc_mirakl_api_core::paging::NumberedPage<T> {
    let last_page = match page.total_count {
        Some(total) if total > 0 => Some(total.saturating_sub(start).div_ceil(max).max(1) - 1),
        _ if page.items.is_empty() => Some(n),
        _ => None,
    };
    bc_mirakl_api_core::paging::NumberedPage {
        items: page.items,
        last_page,
    }
}
