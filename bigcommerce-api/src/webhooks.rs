//! Webhooks: subscriptions (`/v3/hooks`) and the callback payloads BigCommerce posts.
//!
//! Callback payloads are "light": they name the resource that changed; re-read it. Scopes this
//! crate does not know decode as [`WebhookScope::Other`], keeping the text, and every payload
//! keeps its raw `data` object.

use crate::de;
use api_core::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

id_type!(
    /// A webhook subscription id.
    WebhookId
);

wire_enum!(
    /// A webhook scope (event name).
    pub enum WebhookScope {
        /// A product was created.
        ProductCreated = "store/product/created",
        /// A product was updated.
        ProductUpdated = "store/product/updated",
        /// A product was deleted.
        ProductDeleted = "store/product/deleted",
        /// Product-level stock changed.
        ProductInventoryUpdated = "store/product/inventory/updated",
        /// Product-level stock changed because of an order.
        ProductInventoryOrderUpdated = "store/product/inventory/order/updated",
        /// Every product event (subscriptions only).
        ProductAll = "store/product/*",
        /// A SKU (variant) was created.
        SkuCreated = "store/sku/created",
        /// A SKU (variant) was updated.
        SkuUpdated = "store/sku/updated",
        /// A SKU (variant) was deleted.
        SkuDeleted = "store/sku/deleted",
        /// Variant-level stock changed.
        SkuInventoryUpdated = "store/sku/inventory/updated",
        /// Variant-level stock changed because of an order.
        SkuInventoryOrderUpdated = "store/sku/inventory/order/updated",
        /// Every SKU event (subscriptions only).
        SkuAll = "store/sku/*",
        /// An order was created.
        OrderCreated = "store/order/created",
        /// An order was updated.
        OrderUpdated = "store/order/updated",
        /// An order was archived.
        OrderArchived = "store/order/archived",
        /// An order's status changed.
        OrderStatusUpdated = "store/order/statusUpdated",
        /// An order message was created.
        OrderMessageCreated = "store/order/message/created",
        /// A refund was created.
        OrderRefundCreated = "store/order/refund/created",
        /// Every order event (subscriptions only).
        OrderAll = "store/order/*",
        /// A shipment was created.
        ShipmentCreated = "store/shipment/created",
        /// A shipment was updated.
        ShipmentUpdated = "store/shipment/updated",
        /// A shipment was deleted.
        ShipmentDeleted = "store/shipment/deleted",
        /// A category was created.
        CategoryCreated = "store/category/created",
        /// A category was updated.
        CategoryUpdated = "store/category/updated",
        /// A category was deleted.
        CategoryDeleted = "store/category/deleted",
        /// The app was uninstalled.
        AppUninstalled = "store/app/uninstalled",
        /// Store information changed.
        InformationUpdated = "store/information/updated",
        /// Callbacks are failing (see `error_code`).
        HookDeliveryException = "store/hook/deliveryException",
    }
);

/// A webhook subscription (`GET /v3/hooks`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Webhook {
    /// Id.
    pub id: WebhookId,
    /// Owning API account's client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Store hash.
    #[serde(default)]
    pub store_hash: Option<String>,
    /// Scope.
    pub scope: WebhookScope,
    /// Callback URL (HTTPS on port 443).
    #[serde(default)]
    pub destination: String,
    /// Whether it fires (deactivated after delivery failures or 90 days idle).
    #[serde(default, deserialize_with = "de::bool_or_false")]
    pub is_active: bool,
    /// Custom headers sent with each callback (the shared secret lives here; it is not
    /// redacted in this response type, so do not log it).
    #[serde(default, deserialize_with = "api_core::de::null_as_default")]
    pub headers: BTreeMap<String, String>,
    /// Created at (unix seconds).
    #[serde(default, deserialize_with = "api_core::de::opt_i64_lenient")]
    pub created_at: Option<i64>,
    /// Updated at (unix seconds).
    #[serde(default, deserialize_with = "api_core::de::opt_i64_lenient")]
    pub updated_at: Option<i64>,
}

/// Body of `POST /v3/hooks` and `PUT /v3/hooks/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRequest {
    /// Scope.
    pub scope: WebhookScope,
    /// Callback URL.
    pub destination: String,
    /// Active.
    pub is_active: bool,
    /// Custom headers sent back on every callback (e.g. a shared secret).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl WebhookRequest {
    /// An active subscription of `scope` to `destination`.
    pub fn new(scope: WebhookScope, destination: impl Into<String>) -> Self {
        WebhookRequest {
            scope,
            destination: destination.into(),
            is_active: true,
            headers: BTreeMap::new(),
        }
    }

    /// Adds a custom header BigCommerce sends back on each callback; check it with
    /// [`verify_shared_secret_header`].
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }
}

/// A webhook callback body as BigCommerce posts it.
///
/// ```
/// use bigcommerce_api::webhooks::{WebhookEvent, WebhookScope};
/// let body = r#"{"scope":"store/sku/inventory/updated","store_id":"1025646",
///   "data":{"type":"sku","id":461,"inventory":{"product_id":206,"method":"absolute","value":5,"variant_id":509}},
///   "hash":"116d","created_at":1561480673,"producer":"stores/abc"}"#;
/// let ev = WebhookEvent::from_json(body.as_bytes()).unwrap();
/// assert_eq!(ev.scope, WebhookScope::SkuInventoryUpdated);
/// assert_eq!(ev.variant_id(), Some(509));
/// assert_eq!(ev.product_id(), Some(206));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct WebhookEvent {
    /// Scope.
    pub scope: WebhookScope,
    /// Store id (a string, not the store hash).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub store_id: Option<String>,
    /// What changed.
    #[serde(default)]
    pub data: EventData,
    /// SHA-1 of the payload; identical for redeliveries of one event (dedupe on it).
    #[serde(default)]
    pub hash: Option<String>,
    /// When the event happened (unix seconds).
    #[serde(default, deserialize_with = "api_core::de::opt_i64_lenient")]
    pub created_at: Option<i64>,
    /// `stores/{store_hash}`.
    #[serde(default)]
    pub producer: Option<String>,
}

/// The `data` of a callback: usually an object, an array for the batch price-list scopes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum EventData {
    /// One object.
    One(EventObject),
    /// Several objects (`store/priceList/records/*`).
    Many(Vec<EventObject>),
    /// Anything else, kept as JSON.
    Other(serde_json::Value),
}

impl Default for EventData {
    fn default() -> Self {
        EventData::Other(serde_json::Value::Null)
    }
}

/// One `data` object of a callback. Known fields are typed; the other fields are kept in
/// `extra`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct EventObject {
    /// Resource type (`product`, `sku`, `order`, `shipment`, `cart`, ...).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Resource id, as text (some resources, such as carts, use UUIDs). For `store/sku/*`
    /// this is the SKU id, not the variant id: use [`WebhookEvent::variant_id`].
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub id: Option<String>,
    /// Inventory change (`store/*/inventory/*`).
    #[serde(default)]
    pub inventory: Option<InventoryChange>,
    /// SKU identity (`store/sku/*`).
    #[serde(default)]
    pub sku: Option<SkuRef>,
    /// Status change (`store/order/statusUpdated`).
    #[serde(default)]
    pub status: Option<StatusChange>,
    /// Order id of a shipment (`store/shipment/*`, camelCase on the wire).
    #[serde(
        rename = "orderId",
        default,
        deserialize_with = "api_core::de::opt_u64_lenient"
    )]
    pub order_id: Option<u64>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `data.inventory` of inventory callbacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct InventoryChange {
    /// Product id.
    #[serde(default, deserialize_with = "api_core::de::opt_u64_lenient")]
    pub product_id: Option<u64>,
    /// Variant id (SKU callbacks).
    #[serde(default, deserialize_with = "api_core::de::opt_u64_lenient")]
    pub variant_id: Option<u64>,
    /// `absolute` or `relative` (documentation has swapped these before; re-read stock).
    #[serde(default)]
    pub method: Option<String>,
    /// Value (change or new level depending on `method`).
    #[serde(default, deserialize_with = "api_core::de::opt_i64_lenient")]
    pub value: Option<i64>,
}

/// `data.sku` of SKU callbacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct SkuRef {
    /// Product id.
    #[serde(default, deserialize_with = "api_core::de::opt_u64_lenient")]
    pub product_id: Option<u64>,
    /// Variant id.
    #[serde(default, deserialize_with = "api_core::de::opt_u64_lenient")]
    pub variant_id: Option<u64>,
}

/// `data.status` of `store/order/statusUpdated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct StatusChange {
    /// Previous status.
    #[serde(default)]
    pub previous_status_id: Option<crate::orders::OrderStatus>,
    /// New status.
    #[serde(default)]
    pub new_status_id: Option<crate::orders::OrderStatus>,
}

impl WebhookEvent {
    /// Decodes a callback body.
    ///
    /// # Errors
    /// [`api_core::decode::DecodeFailure`] naming the JSON path that did not decode.
    pub fn from_json(body: &[u8]) -> Result<Self, api_core::decode::DecodeFailure> {
        api_core::decode::json(body)
    }

    /// The single data object, if `data` is one.
    pub fn object(&self) -> Option<&EventObject> {
        match &self.data {
            EventData::One(o) => Some(o),
            _ => None,
        }
    }

    fn id_number(&self) -> Option<u64> {
        self.object()?.id.as_deref()?.parse().ok()
    }

    /// The product concerned: `data.id` of product events, else the product id inside
    /// `inventory` or `sku`.
    pub fn product_id(&self) -> Option<u64> {
        let o = self.object()?;
        if o.kind.as_deref() == Some("product") {
            return self.id_number();
        }
        o.inventory
            .as_ref()
            .and_then(|i| i.product_id)
            .or_else(|| o.sku.as_ref().and_then(|s| s.product_id))
    }

    /// The variant concerned (SKU events): from `inventory.variant_id` or `sku.variant_id`,
    /// never the SKU id in `data.id`.
    pub fn variant_id(&self) -> Option<u64> {
        let o = self.object()?;
        o.inventory
            .as_ref()
            .and_then(|i| i.variant_id)
            .or_else(|| o.sku.as_ref().and_then(|s| s.variant_id))
    }

    /// The order concerned: `data.id` of order events, `data.orderId` of shipment events.
    pub fn order_id(&self) -> Option<u64> {
        let o = self.object()?;
        match o.kind.as_deref() {
            Some("order") => self.id_number(),
            _ => o.order_id,
        }
    }

    /// The store hash from `producer` (`stores/{hash}`).
    pub fn store_hash(&self) -> Option<&str> {
        self.producer.as_deref()?.strip_prefix("stores/")
    }
}

/// Checks a shared-secret header of a callback in constant time.
///
/// `received` is the header value from the request (`None` when absent); `expected` is the
/// secret configured in the subscription's `headers`. Returns `false` when absent or
/// different.
pub fn verify_shared_secret_header(received: Option<&str>, expected: &Secret) -> bool {
    match received {
        Some(v) if !expected.is_empty() => expected.constant_time_eq(v.trim()),
        _ => false,
    }
}
