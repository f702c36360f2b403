//! Orders (v2) and order payments (v3) handlers.

use crate::client::{Client, List, Style, with_json};
use crate::de::format_rfc2822;
use crate::error::Result;
use crate::orders::{
    NewOrder, NewShipment, Order, OrderCount, OrderId, OrderProduct, OrderStatus, OrderStatusInfo,
    OrderUpdate, Refund, RefundQuote, RefundQuoteRequest, RefundRequest, Shipment, ShipmentId,
    ShipmentUpdate, ShippingAddress, Transaction,
};
use bc_mirakl_api_core::transport::{Method, RequestSpec};
use time::OffsetDateTime;

impl Client {
    /// Orders (`/v2/orders`, `/v3/orders/...`).
    pub fn orders(&self) -> Orders {
        Orders {
            client: self.clone(),
        }
    }

    /// Shipments of one order (`/v2/orders/{id}/shipments`).
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
    pub fn list(&self) -> List<Order> {
        List::new(&self.client, Style::V2, "/v2/orders", "v2/orders".into())
    }

    /// Counts orders, in total and per status.
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
    ///
    /// # Errors
    /// As any call (404 when absent).
    pub async fn get(&self, id: OrderId) -> Result<Order> {
        self.client.json(&Self::one(Method::GET, id)).await
    }

    /// Reads an order; `None` when absent.
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: OrderId) -> Result<Option<Order>> {
        self.client.json_opt(&Self::one(Method::GET, id)).await
    }

    /// Finds orders carrying `external_order_id` (the marketplace order id): the look-up to
    /// run before re-creating an order after an uncertain failure.
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
    ///
    /// # Errors
    /// As any call (400 for invalid fields).
    pub async fn create(&self, order: &NewOrder) -> Result<Order> {
        let spec = RequestSpec::new(Method::POST, "/v2/orders", "v2/orders");
        self.client.json(&with_json(spec, order)?).await
    }

    /// Updates an order (only the fields set).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: OrderId, update: &OrderUpdate) -> Result<Order> {
        self.client
            .json(&with_json(Self::one(Method::PUT, id), update)?)
            .await
    }

    /// Sets an order's status.
    ///
    /// # Errors
    /// As any call.
    pub async fn set_status(&self, id: OrderId, status: OrderStatus) -> Result<Order> {
        self.update(id, &OrderUpdate::status(status)).await
    }

    /// Lists the lines of an order.
    pub fn products(&self, id: OrderId) -> List<OrderProduct> {
        List::new(
            &self.client,
            Style::V2,
            "/v2/orders/{id}/products",
            format!("v2/orders/{id}/products"),
        )
    }

    /// Lists the shipping addresses of an order.
    pub fn shipping_addresses(&self, id: OrderId) -> List<ShippingAddress> {
        List::new(
            &self.client,
            Style::V2,
            "/v2/orders/{id}/shipping_addresses",
            format!("v2/orders/{id}/shipping_addresses"),
        )
    }

    /// Lists the store's order statuses (with their custom labels).
    ///
    /// # Errors
    /// As any call.
    pub async fn statuses(&self) -> Result<Vec<OrderStatusInfo>> {
        let spec = RequestSpec::new(Method::GET, "/v2/order_statuses", "v2/order_statuses");
        self.client.json(&spec).await
    }

    /// Lists the payment transactions of an order (v3; one request: the path declares no
    /// paging).
    pub fn transactions(&self, id: OrderId) -> List<Transaction> {
        List::new(
            &self.client,
            Style::V3Unpaged,
            "/v3/orders/{id}/transactions",
            format!("v3/orders/{id}/transactions"),
        )
    }

    /// Asks what a refund of `request` would pay back, and how (v3).
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
    pub fn refunds(&self, id: OrderId) -> List<Refund> {
        List::new(
            &self.client,
            Style::V3Unpaged,
            "/v3/orders/{id}/payment_actions/refunds",
            format!("v3/orders/{id}/payment_actions/refunds"),
        )
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

    /// `channel_id`.
    #[must_use]
    pub fn channel_id(self, channel: u64) -> Self {
        self.set("channel_id", channel)
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
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: ShipmentId) -> Result<Option<Shipment>> {
        self.client.json_opt(&self.one(Method::GET, id)).await
    }

    /// Creates a shipment (emails the customer per store settings). Not retried after a 5xx.
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
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: ShipmentId, update: &ShipmentUpdate) -> Result<Shipment> {
        self.client
            .json(&with_json(self.one(Method::PUT, id), update)?)
            .await
    }

    /// Deletes a shipment (does not revert the order status).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete(&self, id: ShipmentId) -> Result<()> {
        self.client.unit(&self.one(Method::DELETE, id)).await
    }
}
