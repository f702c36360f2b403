//! Orders (v2) and order payments (v3) handlers.

use crate::client::{Client, List, Style, with_json};
use crate::de::format_rfc2822;
use crate::error::Result;
use crate::orders::{
    NewOrder, NewShipment, Order, OrderConsignments, OrderCount, OrderCoupon, OrderId,
    OrderMessage, OrderProduct, OrderStatus, OrderStatusInfo, OrderTax, OrderUpdate, Refund,
    RefundQuote, RefundQuoteRequest, RefundRequest, Shipment, ShipmentId, ShipmentUpdate,
    ShippingAddress, Transaction,
};
use bc_mirakl_api_core::transport::{Method, RequestSpec};
use time::OffsetDateTime;

impl Client {
    /// Orders (`/v2/orders`, `/v3/orders/...`).
    /// Scope of its calls: Orders (`store_v2_orders`; `store_v2_orders_read_only` for reads);
    /// Order Transactions (`store_v2_transactions`, `store_v2_transactions_read_only`) for
    /// transactions and refunds.
    pub fn orders(&self) -> Orders {
        Orders {
            client: self.clone(),
        }
    }

    /// Shipments of one order (`/v2/orders/{id}/shipments`).
    /// Scope of its calls: Orders (`store_v2_orders`; `store_v2_orders_read_only` for reads).
    pub fn shipments(&self, order: OrderId) -> Shipments {
        Shipments {
            client: self.clone(),
            order,
        }
    }
}

/// Orders handler.
#[derive(Debug, Clone)]
pub struct Orders {
    client: Client,
}

impl Orders {
    /// Lists orders (v2: 50 per page by default, sorted by id; a page past the end is a 204).
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    pub fn list(&self) -> List<Order> {
        List::new(&self.client, Style::V2, "/v2/orders", "v2/orders".into())
    }

    /// Counts orders, in total and per status.
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn count(&self) -> Result<OrderCount> {
        let spec = RequestSpec::new(Method::GET, "/v2/orders/count", "v2/orders/count");
        self.client.json(&spec).await
    }

    fn one(method: Method, id: OrderId) -> RequestSpec {
        RequestSpec::new(method, "/v2/orders/{id}", format!("v2/orders/{id}"))
    }

    /// Reads an order.
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    ///
    /// # Errors
    /// As any call (404 when absent).
    pub async fn get(&self, id: OrderId) -> Result<Order> {
        self.client.json(&Self::one(Method::GET, id)).await
    }

    /// Reads an order; `None` when absent.
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: OrderId) -> Result<Option<Order>> {
        self.client.json_opt(&Self::one(Method::GET, id)).await
    }

    /// Finds orders carrying `external_order_id` (the marketplace order id): the look-up to
    /// run before re-creating an order after an uncertain failure.
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn find_by_external_order_id(&self, external_order_id: &str) -> Result<Vec<Order>> {
        // Filtered locally too. Were the parameter ignored (an order that does not match
        // comes back), a short page proves nothing: keep reading until an empty page, since
        // a false "not found" would lead to a duplicate order.
        let mut found = Vec::new();
        let mut page = 1;
        loop {
            let p = self
                .list()
                .filter("external_order_id", external_order_id)
                .limit(crate::client::MAX_PAGE_SIZE)
                .page(page)
                .send()
                .await?;
            let n = p.items.len();
            let mut filter_ignored = false;
            for o in p.items {
                if o.external_order_id.as_deref() == Some(external_order_id) {
                    found.push(o);
                } else {
                    filter_ignored = true;
                }
            }
            if n == 0 || (p.next_page.is_none() && !filter_ignored) {
                return Ok(found);
            }
            page += 1;
        }
    }

    /// Creates an order. A POST is not retried after a 5xx or a timeout (the order may exist):
    /// look it up with [`Orders::find_by_external_order_id`] before trying again.
    /// Scope: Orders (`store_v2_orders`).
    ///
    /// # Errors
    /// As any call (400 for invalid fields).
    pub async fn create(&self, order: &NewOrder) -> Result<Order> {
        let spec = RequestSpec::new(Method::POST, "/v2/orders", "v2/orders");
        self.client.json(&with_json(spec, order)?).await
    }

    /// Updates an order (only the fields set).
    /// Scope: Orders (`store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: OrderId, update: &OrderUpdate) -> Result<Order> {
        self.client
            .json(&with_json(Self::one(Method::PUT, id), update)?)
            .await
    }

    /// Sets an order's status.
    /// Scope: Orders (`store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn set_status(&self, id: OrderId, status: OrderStatus) -> Result<Order> {
        self.update(id, &OrderUpdate::status(status)).await
    }

    /// Lists the lines of an order.
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    pub fn products(&self, id: OrderId) -> List<OrderProduct> {
        List::new(
            &self.client,
            Style::V2,
            "/v2/orders/{id}/products",
            format!("v2/orders/{id}/products"),
        )
    }

    /// Lists the shipping addresses of an order.
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    pub fn shipping_addresses(&self, id: OrderId) -> List<ShippingAddress> {
        List::new(
            &self.client,
            Style::V2,
            "/v2/orders/{id}/shipping_addresses",
            format!("v2/orders/{id}/shipping_addresses"),
        )
    }

    /// Lists the store's order statuses (with their custom labels).
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn statuses(&self) -> Result<Vec<OrderStatusInfo>> {
        let spec = RequestSpec::new(Method::GET, "/v2/order_statuses", "v2/order_statuses");
        self.client.json(&spec).await
    }

    /// Lists the payment transactions of an order (v3; one request: the path declares no
    /// paging).
    /// Scope: Order Transactions (`store_v2_transactions_read_only` or `store_v2_transactions`).
    pub fn transactions(&self, id: OrderId) -> List<Transaction> {
        List::new(
            &self.client,
            Style::V3Unpaged,
            "/v3/orders/{id}/transactions",
            format!("v3/orders/{id}/transactions"),
        )
    }

    /// Asks what a refund of `request` would pay back, and how (v3).
    /// Scope: Order Transactions (`store_v2_transactions`).
    ///
    /// # Errors
    /// As any call (422 when the items cannot be refunded).
    pub async fn refund_quote(
        &self,
        id: OrderId,
        request: &RefundQuoteRequest,
    ) -> Result<RefundQuote> {
        let spec = RequestSpec::new(
            Method::POST,
            "/v3/orders/{id}/payment_actions/refund_quotes",
            format!("v3/orders/{id}/payment_actions/refund_quotes"),
        )
        .idempotent(true);
        self.client.data(&with_json(spec, request)?).await
    }

    /// Refunds (v3). Not retried after a 5xx or a timeout.
    /// Scope: Order Transactions (`store_v2_transactions`).
    ///
    /// # Errors
    /// As any call.
    pub async fn refund(&self, id: OrderId, request: &RefundRequest) -> Result<Refund> {
        let spec = RequestSpec::new(
            Method::POST,
            "/v3/orders/{id}/payment_actions/refunds",
            format!("v3/orders/{id}/payment_actions/refunds"),
        );
        self.client.data(&with_json(spec, request)?).await
    }

    /// Lists the refunds of an order (v3; one request: the path declares no paging).
    /// Scope: Order Transactions (`store_v2_transactions_read_only` or `store_v2_transactions`).
    pub fn refunds(&self, id: OrderId) -> List<Refund> {
        List::new(
            &self.client,
            Style::V3Unpaged,
            "/v3/orders/{id}/payment_actions/refunds",
            format!("v3/orders/{id}/payment_actions/refunds"),
        )
    }
}

/// The v2 order sub-resources added for integrations (coupons, taxes, messages,
/// consignments) and the v3 order metafields and store-wide refunds.
impl Orders {
    fn sub<T: serde::de::DeserializeOwned + Send + 'static>(
        &self,
        template: &'static str,
        id: OrderId,
        rest: &str,
    ) -> List<T> {
        List::new(
            &self.client,
            Style::V2,
            template,
            format!("v2/orders/{id}/{rest}"),
        )
    }

    /// Lists the coupons applied to an order (`GET /v2/orders/{id}/coupons`; a 204 is an
    /// empty page). Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    pub fn coupons(&self, id: OrderId) -> List<OrderCoupon> {
        self.sub("/v2/orders/{id}/coupons", id, "coupons")
    }

    /// Lists the tax lines of an order (`GET /v2/orders/{id}/taxes`); add
    /// [`List::details`](crate::List) for per-line detail. Scope: Orders
    /// (`store_v2_orders_read_only` or `store_v2_orders`).
    pub fn taxes(&self, id: OrderId) -> List<OrderTax> {
        self.sub("/v2/orders/{id}/taxes", id, "taxes")
    }

    /// Lists the messages of an order (`GET /v2/orders/{id}/messages`). Scope: Orders
    /// (`store_v2_orders_read_only` or `store_v2_orders`).
    pub fn messages(&self, id: OrderId) -> List<OrderMessage> {
        self.sub("/v2/orders/{id}/messages", id, "messages")
    }

    /// Reads the consignments of an order (`GET /v2/orders/{id}/consignments`): shipping,
    /// pickup, download and email consignments; with `with_line_items` each item is the full
    /// order product (`include=consignments.line_items`), else a link. Scope: Orders
    /// (`store_v2_orders_read_only` or `store_v2_orders`).
    ///
    /// # Errors
    /// As any call (404 when the order does not exist).
    pub async fn consignments(
        &self,
        id: OrderId,
        with_line_items: bool,
    ) -> Result<OrderConsignments> {
        let mut spec = RequestSpec::new(
            Method::GET,
            "/v2/orders/{id}/consignments",
            format!("v2/orders/{id}/consignments"),
        );
        if with_line_items {
            spec = spec.query("include", "consignments.line_items");
        }
        self.client.json(&spec).await
    }

    /// The metafields of an order (`/v3/orders/{id}/metafields`). Scope: Orders
    /// (`store_v2_orders`; reads also `store_v2_orders_read_only`).
    pub fn metafields(&self, id: OrderId) -> super::Metafields {
        super::Metafields::new(
            &self.client,
            "/v3/orders/{id}/metafields",
            "/v3/orders/{id}/metafields/{metafield_id}",
            format!("v3/orders/{id}/metafields"),
        )
    }

    /// Lists refunds across orders (`GET /v3/orders/payment_actions/refunds`; filters:
    /// order ids, refund ids, creation window). Scope: Order Transactions
    /// (`store_v2_transactions_read_only` or `store_v2_transactions`).
    pub fn all_refunds(&self) -> List<Refund> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/orders/payment_actions/refunds",
            "v3/orders/payment_actions/refunds".into(),
        )
    }

    /// Reads one refund (`GET /v3/orders/payment_actions/refunds/{refund_id}`); `None` when
    /// absent. Scope: Order Transactions (`store_v2_transactions_read_only` or
    /// `store_v2_transactions`).
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn refund_opt(&self, refund_id: u64) -> Result<Option<Refund>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/v3/orders/payment_actions/refunds/{refund_id}",
            format!("v3/orders/payment_actions/refunds/{refund_id}"),
        );
        self.client.data_opt(&spec).await
    }
}

impl List<OrderTax> {
    /// `details=true`: per-line tax detail (`order_product_id`, `line_item_type`).
    #[must_use]
    pub fn details(self) -> Self {
        self.set("details", "true")
    }
}

impl List<OrderMessage> {
    /// `min_id`.
    #[must_use]
    pub fn min_id(self, id: u64) -> Self {
        self.set("min_id", id)
    }

    /// `min_date_created` (sent as RFC 2822).
    #[must_use]
    pub fn min_date_created(self, since: OffsetDateTime) -> Self {
        self.set("min_date_created", format_rfc2822(since))
    }

    /// `is_flagged`.
    #[must_use]
    pub fn is_flagged(self, flagged: bool) -> Self {
        self.set("is_flagged", flagged)
    }

    /// `status`: `read` or `unread`.
    #[must_use]
    pub fn status(self, status: &str) -> Self {
        self.set("status", status)
    }

    /// `customer_id`.
    #[must_use]
    pub fn customer_id(self, id: u64) -> Self {
        self.set("customer_id", id)
    }
}

impl List<Refund> {
    /// `order_id:in` (the store-wide refunds listing).
    #[must_use]
    pub fn order_ids(self, ids: impl IntoIterator<Item = OrderId>) -> Self {
        self.set("order_id:in", crate::client::csv(ids))
    }

    /// `created:min` (RFC 3339).
    #[must_use]
    pub fn created_min(self, since: OffsetDateTime) -> Self {
        self.set("created:min", crate::de::format_rfc3339(since))
    }

    /// `created:max` (RFC 3339).
    #[must_use]
    pub fn created_max(self, until: OffsetDateTime) -> Self {
        self.set("created:max", crate::de::format_rfc3339(until))
    }
}

impl List<Order> {
    /// `min_date_modified` (sent as RFC 2822).
    #[must_use]
    pub fn min_date_modified(self, since: OffsetDateTime) -> Self {
        self.set("min_date_modified", format_rfc2822(since))
    }

    /// `max_date_modified` (sent as RFC 2822).
    #[must_use]
    pub fn max_date_modified(self, until: OffsetDateTime) -> Self {
        self.set("max_date_modified", format_rfc2822(until))
    }

    /// `min_date_created` (sent as RFC 2822).
    #[must_use]
    pub fn min_date_created(self, since: OffsetDateTime) -> Self {
        self.set("min_date_created", format_rfc2822(since))
    }

    /// `status_id`.
    #[must_use]
    pub fn status(self, status: OrderStatus) -> Self {
        self.set("status_id", status.id())
    }

    /// `min_id`.
    #[must_use]
    pub fn min_id(self, id: OrderId) -> Self {
        self.set("min_id", id)
    }

    /// `max_id`.
    #[must_use]
    pub fn max_id(self, id: OrderId) -> Self {
        self.set("max_id", id)
    }

    /// Embeds each order's consignments with their order products
    /// (`include=consignments.line_items&consignment_structure=object`), so one listing
    /// page carries what a `GET /v2/orders/{id}/products` per order would: see
    /// [`Order::included_products`](crate::orders::Order::included_products).
    #[must_use]
    pub fn with_line_items(self) -> Self {
        self.set("include", "consignments.line_items")
            .set("consignment_structure", "object")
    }

    /// `channel_id` — orders of this channel (e.g. the marketplace channel created with
    /// [`Channels::create`](crate::api::Channels::create)).
    #[must_use]
    pub fn channel_id(self, channel: impl Into<crate::channels::ChannelId>) -> Self {
        self.set("channel_id", channel.into())
    }

    /// `external_order_id`.
    #[must_use]
    pub fn external_order_id(self, id: &str) -> Self {
        self.set("external_order_id", id)
    }

    /// `sort`, e.g. `date_modified:asc`.
    #[must_use]
    pub fn sort(self, sort: &str) -> Self {
        self.set("sort", sort)
    }
}

/// Shipments of one order.
#[derive(Debug, Clone)]
pub struct Shipments {
    client: Client,
    order: OrderId,
}

impl Shipments {
    /// Lists the shipments (a 204 when there are none decodes as an empty page).
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    pub fn list(&self) -> List<Shipment> {
        List::new(
            &self.client,
            Style::V2,
            "/v2/orders/{id}/shipments",
            format!("v2/orders/{}/shipments", self.order),
        )
    }

    fn one(&self, method: Method, id: ShipmentId) -> RequestSpec {
        RequestSpec::new(
            method,
            "/v2/orders/{id}/shipments/{shipment_id}",
            format!("v2/orders/{}/shipments/{id}", self.order),
        )
    }

    /// Reads a shipment; `None` when absent.
    /// Scope: Orders (`store_v2_orders_read_only` or `store_v2_orders`).
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: ShipmentId) -> Result<Option<Shipment>> {
        self.client.json_opt(&self.one(Method::GET, id)).await
    }

    /// Creates a shipment (emails the customer per store settings). Not retried after a 5xx.
    /// Scope: Orders (`store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn create(&self, shipment: &NewShipment) -> Result<Shipment> {
        let spec = RequestSpec::new(
            Method::POST,
            "/v2/orders/{id}/shipments",
            format!("v2/orders/{}/shipments", self.order),
        );
        self.client.json(&with_json(spec, shipment)?).await
    }

    /// Updates a shipment.
    /// Scope: Orders (`store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: ShipmentId, update: &ShipmentUpdate) -> Result<Shipment> {
        self.client
            .json(&with_json(self.one(Method::PUT, id), update)?)
            .await
    }

    /// Deletes a shipment (does not revert the order status).
    /// Scope: Orders (`store_v2_orders`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete(&self, id: ShipmentId) -> Result<()> {
        self.client.unit(&self.one(Method::DELETE, id)).await
    }
}
