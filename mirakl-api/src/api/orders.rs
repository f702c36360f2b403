//! Order calls.

use crate::client::{Client, Download, join, json_spec, seg};
use crate::common::{MiraklOrderId, Page, SortOrder};
use crate::orders::{
    AcceptRequest, Order, OrderDocument, OrderDocumentList, OrderLineAcceptance, OrderList,
    OrderState, OrderUpdate, OrderUpdateRequest, OrderUpdateResponse, ReferencesUpdate,
    RefundRequest, RefundResponse, Tracking,
};
use crate::{Error, Result};
use bc_mirakl_api_core::transport::{Body, Method, RequestSpec};
use futures::Stream;
use time::OffsetDateTime;

/// Order calls. Get it with [`Client::orders`].
#[derive(Debug, Clone)]
pub struct Orders {
    pub(crate) client: Client,
}

fn order_path(order_id: &MiraklOrderId, action: &str) -> String {
    format!("api/orders/{}/{action}", seg(order_id.as_str()))
}

impl Orders {
    pub(crate) fn new(client: Client) -> Self {
        Orders { client }
    }

    /// OR11: lists orders (offset paging, `max` ≤ 100). Mirakl allows one OR11 a minute
    /// (every 15 minutes for "External Partner" keys); the limiter waits for the next slot.
    pub fn list(&self) -> OrderListRequest {
        OrderListRequest {
            client: self.client.clone(),
            order_ids: Vec::new(),
            states: Vec::new(),
            references_for_seller: Vec::new(),
            references_for_customer: Vec::new(),
            channel_codes: Vec::new(),
            created_since: None,
            created_until: None,
            updated_since: None,
            updated_until: None,
            customer_debited: None,
            has_incident: None,
            max: 100,
            offset: 0,
            sort: None,
        }
    }

    /// OR11 for one order, `None` when Mirakl does not return it.
    ///
    /// # Errors
    /// As [`OrderListRequest::send`].
    pub async fn get(&self, order_id: &MiraklOrderId) -> Result<Option<Order>> {
        let page = self.list().order_ids([order_id.clone()]).send().await?;
        Ok(page.items.into_iter().find(|o| &o.order_id == order_id))
    }

    /// OR21: accepts or refuses the lines of an order in `WAITING_ACCEPTANCE`. Every line
    /// must be listed. Mirakl answers 204; refusals such as `ORDER_INVALID_STATE` come back
    /// as [`Error::Api`] with that `code`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `lines` is empty; else as [`Client::execute`].
    pub async fn accept(
        &self,
        order_id: &MiraklOrderId,
        lines: Vec<OrderLineAcceptance>,
    ) -> Result<()> {
        if lines.is_empty() {
            return Err(Error::InvalidInput(
                "OR21 needs a decision for every order line".into(),
            ));
        }
        let spec = RequestSpec::new(
            Method::PUT,
            "/api/orders/{order_id}/accept",
            order_path(order_id, "accept"),
        )
        .operation("OR21");
        let spec = json_spec(spec, &AcceptRequest { order_lines: lines })?;
        self.client.no_content(spec).await
    }

    /// OR23: sets the carrier and tracking number of an order.
    ///
    /// # Errors
    /// As [`Client::execute`].
    pub async fn tracking(&self, order_id: &MiraklOrderId, tracking: &Tracking) -> Result<()> {
        let spec = RequestSpec::new(
            Method::PUT,
            "/api/orders/{order_id}/tracking",
            order_path(order_id, "tracking"),
        )
        .operation("OR23");
        self.client.no_content(json_spec(spec, tracking)?).await
    }

    /// OR24: confirms the shipment of an order in `SHIPPING` (send tracking with OR23
    /// first). Sends the body `{}` so no proxy answers 411.
    ///
    /// # Errors
    /// As [`Client::execute`] (400 when the order is not in `SHIPPING`).
    pub async fn ship(&self, order_id: &MiraklOrderId) -> Result<()> {
        let spec = RequestSpec::new(
            Method::PUT,
            "/api/orders/{order_id}/ship",
            order_path(order_id, "ship"),
        )
        .operation("OR24")
        .body(Body::Json(bytes_of("{}")));
        self.client.no_content(spec).await
    }

    /// OR28: refunds order lines. Send `taxes` and `shipping_taxes` when the order has taxes.
    /// Not retried after a 5xx or a timeout (the refund may have been made): check the
    /// order's refunds (OR11) before sending again.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when there is no refund; else as [`Client::execute`].
    pub async fn refund(&self, request: &RefundRequest) -> Result<RefundResponse> {
        if request.refunds.is_empty() {
            return Err(Error::InvalidInput("OR28 needs at least one refund".into()));
        }
        // A PUT, but it creates refunds: never repeated after a 5xx or a lost answer, which
        // could refund twice (a refused connection, which cannot have acted, still is).
        let spec = RequestSpec::new(Method::PUT, "/api/orders/refund", "api/orders/refund")
            .operation("OR28")
            .idempotent(false);
        self.client.json(json_spec(spec, request)?).await
    }

    /// OR29: cancels a whole order (when its `can_cancel` is true). Sends the body `{}`.
    ///
    /// # Errors
    /// As [`Client::execute`].
    pub async fn cancel(&self, order_id: &MiraklOrderId) -> Result<()> {
        let spec = RequestSpec::new(
            Method::PUT,
            "/api/orders/{order_id}/cancel",
            order_path(order_id, "cancel"),
        )
        .operation("OR29")
        .body(Body::Json(bytes_of("{}")));
        self.client.no_content(spec).await
    }

    /// OR04: sets `order_reference_for_seller` (e.g. the BigCommerce order id) on one order.
    /// Per-order errors come back as data in [`OrderUpdateResponse`].
    ///
    /// # Errors
    /// As [`Orders::update`].
    pub async fn set_reference(
        &self,
        order_id: &MiraklOrderId,
        reference: impl Into<String>,
    ) -> Result<OrderUpdateResponse> {
        self.update(vec![OrderUpdate {
            order_id: order_id.clone(),
            references: Some(ReferencesUpdate {
                order_reference_for_seller: reference.into(),
            }),
            order_lines: Vec::new(),
        }])
        .await
    }

    /// OR04: updates up to 100 orders. Mirakl answers 200 with per-order `errors`; check
    /// [`OrderUpdateResponse::failures`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for 0 or more than 100 orders; else as [`Client::execute`].
    pub async fn update(&self, orders: Vec<OrderUpdate>) -> Result<OrderUpdateResponse> {
        if orders.is_empty() || orders.len() > 100 {
            return Err(Error::InvalidInput(format!(
                "OR04 takes 1 to 100 orders, got {}",
                orders.len()
            )));
        }
        let spec = RequestSpec::new(Method::PUT, "/api/orders", "api/orders").operation("OR04");
        self.client
            .json(json_spec(spec, &OrderUpdateRequest { orders })?)
            .await
    }

    /// OR72: the documents attached to these orders.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `order_ids` is empty; else as [`Client::execute`].
    pub async fn documents(&self, order_ids: &[MiraklOrderId]) -> Result<Vec<OrderDocument>> {
        let ids =
            join(order_ids).ok_or_else(|| Error::InvalidInput("OR72 needs order ids".into()))?;
        let spec = RequestSpec::new(Method::GET, "/api/orders/documents", "api/orders/documents")
            .operation("OR72")
            .query("order_ids", ids);
        let list: OrderDocumentList = self.client.json(spec).await?;
        Ok(list.order_documents)
    }

    /// OR73: downloads documents (one file, or a ZIP for several).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the selection is empty; else as [`Client::execute`].
    pub async fn download_documents(&self, selection: &DocumentSelection) -> Result<Download> {
        if selection.order_ids.is_empty() && selection.document_ids.is_empty() {
            return Err(Error::InvalidInput(
                "OR73 needs order ids or document ids".into(),
            ));
        }
        let spec = RequestSpec::new(
            Method::GET,
            "/api/orders/documents/download",
            "api/orders/documents/download",
        )
        .operation("OR73")
        .query_opt("order_ids", join(&selection.order_ids))
        .query_opt("document_ids", join(&selection.document_ids))
        .query_opt("document_codes", join(&selection.document_codes));
        let resp = self.client.execute(spec).await?;
        Ok(Download::from_response(&resp))
    }
}

fn bytes_of(s: &'static str) -> bytes::Bytes {
    bytes::Bytes::from_static(s.as_bytes())
}

/// Which documents OR73 downloads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentSelection {
    /// Documents of these orders.
    pub order_ids: Vec<MiraklOrderId>,
    /// These documents.
    pub document_ids: Vec<u64>,
    /// Only these document types (e.g. `CUSTOMER_INVOICE`).
    pub document_codes: Vec<String>,
}

/// OR11 request builder. Get it with [`Orders::list`].
#[derive(Debug, Clone)]
pub struct OrderListRequest {
    client: Client,
    order_ids: Vec<MiraklOrderId>,
    states: Vec<OrderState>,
    references_for_seller: Vec<String>,
    references_for_customer: Vec<String>,
    channel_codes: Vec<String>,
    created_since: Option<OffsetDateTime>,
    created_until: Option<OffsetDateTime>,
    updated_since: Option<OffsetDateTime>,
    updated_until: Option<OffsetDateTime>,
    customer_debited: Option<bool>,
    has_incident: Option<bool>,
    max: u32,
    offset: u64,
    sort: Option<(String, SortOrder)>,
}

impl OrderListRequest {
    /// Only these orders (at most 100).
    #[must_use]
    pub fn order_ids<I: IntoIterator<Item = MiraklOrderId>>(mut self, ids: I) -> Self {
        self.order_ids = ids.into_iter().collect();
        self
    }
    /// Only orders in these states (`order_state_codes`).
    #[must_use]
    pub fn states<I: IntoIterator<Item = OrderState>>(mut self, states: I) -> Self {
        self.states = states.into_iter().collect();
        self
    }
    /// Only orders with these seller references.
    #[must_use]
    pub fn order_references_for_seller<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        refs: I,
    ) -> Self {
        self.references_for_seller = refs.into_iter().map(Into::into).collect();
        self
    }
    /// Only orders with these customer references.
    #[must_use]
    pub fn order_references_for_customer<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        refs: I,
    ) -> Self {
        self.references_for_customer = refs.into_iter().map(Into::into).collect();
        self
    }
    /// Only orders in these channels.
    #[must_use]
    pub fn channel_codes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, codes: I) -> Self {
        self.channel_codes = codes.into_iter().map(Into::into).collect();
        self
    }
    /// Created at or after (`start_date`).
    #[must_use]
    pub fn created_since(mut self, date: OffsetDateTime) -> Self {
        self.created_since = Some(date);
        self
    }
    /// Created before (`end_date`).
    #[must_use]
    pub fn created_until(mut self, date: OffsetDateTime) -> Self {
        self.created_until = Some(date);
        self
    }
    /// Updated at or after (`start_update_date`): the polling watermark. Mirakl subtracts
    /// a delta, so expect repeats and dedupe on `order_id` + `last_updated_date`.
    #[must_use]
    pub fn updated_since(mut self, date: OffsetDateTime) -> Self {
        self.updated_since = Some(date);
        self
    }
    /// Updated before (`end_update_date`).
    #[must_use]
    pub fn updated_until(mut self, date: OffsetDateTime) -> Self {
        self.updated_until = Some(date);
        self
    }
    /// Only orders whose customer was (or was not) debited.
    #[must_use]
    pub fn customer_debited(mut self, debited: bool) -> Self {
        self.customer_debited = Some(debited);
        self
    }
    /// Only orders with (or without) an open incident.
    #[must_use]
    pub fn has_incident(mut self, has: bool) -> Self {
        self.has_incident = Some(has);
        self
    }
    /// Page size, 1 to 100 (default 100).
    #[must_use]
    pub fn max(mut self, max: u32) -> Self {
        self.max = max;
        self
    }
    /// Offset of the first order (default 0).
    #[must_use]
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }
    /// Sort field (e.g. `dateCreated`) and direction.
    #[must_use]
    pub fn sort(mut self, field: impl Into<String>, order: SortOrder) -> Self {
        self.sort = Some((field.into(), order));
        self
    }

    /// The request for the page at `offset`, as sent (before `shop_id`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for more than 100 order ids or `max` outside 1..=100.
    pub fn request(&self, offset: u64) -> Result<RequestSpec> {
        if self.order_ids.len() > 100 {
            return Err(Error::InvalidInput(format!(
                "OR11 takes at most 100 order ids, got {}",
                self.order_ids.len()
            )));
        }
        if !(1..=100).contains(&self.max) {
            return Err(Error::InvalidInput(format!(
                "max must be 1 to 100, got {}",
                self.max
            )));
        }
        let date = |d: Option<OffsetDateTime>| d.map(crate::datetime::format_query);
        let mut spec = RequestSpec::new(Method::GET, "/api/orders", "api/orders")
            .operation("OR11")
            .query_opt("order_ids", join(&self.order_ids))
            .query_opt("order_state_codes", join(&self.states))
            .query_opt(
                "order_references_for_seller",
                join(&self.references_for_seller),
            )
            .query_opt(
                "order_references_for_customer",
                join(&self.references_for_customer),
            )
            .query_opt("channel_codes", join(&self.channel_codes))
            .query_opt("start_date", date(self.created_since))
            .query_opt("end_date", date(self.created_until))
            .query_opt("start_update_date", date(self.updated_since))
            .query_opt("end_update_date", date(self.updated_until))
            .query_opt("customer_debited", self.customer_debited)
            .query_opt("has_incident", self.has_incident)
            .query("paginate", "true")
            .query("max", self.max)
            .query("offset", offset);
        if let Some((field, order)) = &self.sort {
            spec = spec.query("sort", field).query("order", order);
        }
        Ok(spec)
    }

    async fn fetch(&self, offset: u64) -> Result<Page<Order>> {
        let list: OrderList = self.client.json(self.request(offset)?).await?;
        Ok(Page::offset_page(list.orders, list.total_count, offset))
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// As [`OrderListRequest::request`] and [`Client::execute`], plus [`Error::Decode`].
    pub async fn send(self) -> Result<Page<Order>> {
        self.fetch(self.offset).await
    }

    /// Every matching order, in order; ends at `total_count`, on an empty page, or at
    /// the first error. The pages are fetched one after another: OR11 allows one call a
    /// minute, and Mirakl may count each page as a call, so pages fetched ahead would only
    /// meet 429s (each page waits out the `Retry-After` it gets). The client's own limiter
    /// spaces passes, not the pages of one pass.
    pub fn stream(self) -> impl Stream<Item = Result<Order>> + Send + 'static {
        let (start, max) = (self.offset, self.max);
        let ahead = 1;
        crate::client::stream_offset_pages(self, start, max, ahead, |req, offset| async move {
            req.fetch(offset).await
        })
    }
}
