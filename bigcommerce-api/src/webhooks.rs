//! Webhooks: subscriptions (`/v3/hooks`) and the callback payloads BigCommerce posts.
//!
//! Callback payloads are "light": they name the resource that changed; re-read it. Scopes this
//! crate does not know decode as [`WebhookScope::Other`], keeping the text, and every payload
//! keeps its raw `data` object.

use crate::de;
use bc_mirakl_api_core::secret::Secret;
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

/// A webhook subscription (`GET /v3/hooks`). `Debug` shows header names only: their
/// values usually carry the shared secret.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
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
    /// Custom headers sent with each callback (the shared secret lives here; `Debug`
    /// redacts the values, but do not log them yourself).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub headers: BTreeMap<String, String>,
    /// Created at (unix seconds).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub created_at: Option<i64>,
    /// Updated at (unix seconds).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub updated_at: Option<i64>,
}

/// Body of `POST /v3/hooks` and `PUT /v3/hooks/{id}`. `Debug` shows header names only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Header names with redacted values, for `Debug`.
struct RedactedHeaders<'a>(&'a BTreeMap<String, String>);

impl std::fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "[REDACTED]")))
            .finish()
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("store_hash", &self.store_hash)
            .field("scope", &self.scope)
            .field("destination", &self.destination)
            .field("is_active", &self.is_active)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

impl std::fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("scope", &self.scope)
            .field("destination", &self.destination)
            .field("is_active", &self.is_active)
            .field("headers", &RedactedHeaders(&self.headers))
            .finish()
    }
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
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
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
        deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient"
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
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub product_id: Option<u64>,
    /// Variant id (SKU callbacks).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub variant_id: Option<u64>,
    /// `absolute` or `relative` (documentation has swapped these before; re-read stock).
    #[serde(default)]
    pub method: Option<String>,
    /// Value (change or new level depending on `method`).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub value: Option<i64>,
}

/// `data.sku` of SKU callbacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct SkuRef {
    /// Product id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub product_id: Option<u64>,
    /// Variant id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
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
    /// [`bc_mirakl_api_core::decode::DecodeFailure`] naming the JSON path that did not decode.
    pub fn from_json(body: &[u8]) -> Result<Self, bc_mirakl_api_core::decode::DecodeFailure> {
        bc_mirakl_api_core::decode::json(body)
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

/// Header carrying the unique message id of a signed callback (Standard Webhooks).
pub const WEBHOOK_ID_HEADER: &str = "webhook-id";
/// Header carrying the unix time (seconds) a signed callback was sent.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Header carrying the space-separated signatures (`v1,<base64>`) of a signed callback.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "webhook-signature";

/// Why a signed callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookSignatureError {
    /// A required header is absent or empty.
    #[error("webhook callback has no `{0}` header")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a unix time in seconds.
    #[error("webhook-timestamp is not a unix time in seconds")]
    BadTimestamp,
    /// The timestamp is further from now than the tolerance (a replay, or a skewed clock).
    #[error(
        "webhook-timestamp is {skew_secs} s away from now, beyond the {tolerance_secs} s tolerance"
    )]
    OutsideTolerance {
        /// Signed distance `timestamp - now`, in seconds.
        skew_secs: i64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
    /// No `v1` signature in `webhook-signature` matches the body.
    #[error("no webhook signature matches the body")]
    NoMatch,
    /// The verification secret is not valid base64 (after an optional `whsec_` prefix) or is
    /// empty.
    #[error("the webhook secret is empty or not base64")]
    BadSecret,
}

/// Verifies BigCommerce's signed webhook callbacks.
///
/// BigCommerce signs callbacks the Standard Webhooks way (`https-webhook-overview.mdx`,
/// "Webhook signature"): headers `webhook-id`, `webhook-timestamp` and `webhook-signature`;
/// the signature is `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{raw body}`, keyed
/// with the API account's **client secret** (BigCommerce's samples base64-encode the client
/// secret for the Standard Webhooks libraries, which decode it again: the key is the
/// secret's bytes). The timestamp must lie within a tolerance of now (default 5 minutes)
/// against replays; signatures are compared in constant time. `Debug` never shows the key.
///
/// ```
/// use bigcommerce_api::webhooks::WebhookVerifier;
/// use bc_mirakl_api_core::secret::Secret;
/// let v = WebhookVerifier::from_client_secret(&Secret::new("my-client-secret"));
/// let body = br#"{"scope":"store/order/created"}"#;
/// let sig = v.sign("msg_1", 1_700_000_000, body);
/// assert!(v.verify_at("msg_1", "1700000000", &sig, body, 1_700_000_010).is_ok());
/// assert!(v.verify_at("msg_1", "1700000000", &sig, b"tampered", 1_700_000_010).is_err());
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    key: Vec<u8>,
    tolerance: std::time::Duration,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("key", &"[REDACTED]")
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

impl WebhookVerifier {
    /// Default timestamp tolerance: 5 minutes either way.
    pub const DEFAULT_TOLERANCE: std::time::Duration = std::time::Duration::from_secs(300);

    /// A verifier keyed with the API account's client secret, as BigCommerce signs
    /// (see [`Credentials::client_secret`](crate::Credentials::client_secret)).
    pub fn from_client_secret(client_secret: &Secret) -> Self {
        WebhookVerifier {
            key: client_secret.expose().as_bytes().to_vec(),
            tolerance: Self::DEFAULT_TOLERANCE,
        }
    }

    /// A verifier from a Standard Webhooks secret: base64, with or without the `whsec_`
    /// prefix.
    ///
    /// # Errors
    /// [`WebhookSignatureError::BadSecret`] when the text is not base64 or decodes to
    /// nothing.
    pub fn from_base64_secret(secret: &str) -> Result<Self, WebhookSignatureError> {
        use base64::Engine as _;
        let s = secret.trim();
        let s = s.strip_prefix("whsec_").unwrap_or(s);
        let key = base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| WebhookSignatureError::BadSecret)?;
        if key.is_empty() {
            return Err(WebhookSignatureError::BadSecret);
        }
        Ok(WebhookVerifier {
            key,
            tolerance: Self::DEFAULT_TOLERANCE,
        })
    }

    /// Sets how far the `webhook-timestamp` may be from now, either way.
    #[must_use]
    pub fn tolerance(mut self, tolerance: std::time::Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        use hmac::{KeyInit as _, Mac as _};
        // HMAC accepts keys of any length, so this cannot fail; an empty key (an empty
        // client secret) still yields a MAC that no real signature matches.
        let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| HmacSha256::new(&Default::default()));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` value (`v1,<base64>`) for a callback: what a sender (the
    /// sandbox, a test) puts in the header.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        use base64::Engine as _;
        use hmac::Mac as _;
        let tag = self
            .mac(id, &timestamp.to_string(), body)
            .finalize()
            .into_bytes();
        format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(tag)
        )
    }

    /// Verifies a callback at time `now` (unix seconds), given the three header values and
    /// the raw body exactly as received.
    ///
    /// # Errors
    /// [`WebhookSignatureError`]: a missing header, a bad or out-of-tolerance timestamp, or
    /// no matching `v1` signature.
    pub fn verify_at(
        &self,
        id: &str,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), WebhookSignatureError> {
        use base64::Engine as _;
        use hmac::Mac as _;
        let id = id.trim();
        let timestamp = timestamp.trim();
        if id.is_empty() {
            return Err(WebhookSignatureError::MissingHeader(WEBHOOK_ID_HEADER));
        }
        if timestamp.is_empty() {
            return Err(WebhookSignatureError::MissingHeader(
                WEBHOOK_TIMESTAMP_HEADER,
            ));
        }
        if signature.trim().is_empty() {
            return Err(WebhookSignatureError::MissingHeader(
                WEBHOOK_SIGNATURE_HEADER,
            ));
        }
        let ts: i64 = timestamp
            .parse()
            .map_err(|_| WebhookSignatureError::BadTimestamp)?;
        let skew = ts.saturating_sub(now);
        let tolerance_secs = self.tolerance.as_secs();
        if skew.unsigned_abs() > tolerance_secs {
            return Err(WebhookSignatureError::OutsideTolerance {
                skew_secs: skew,
                tolerance_secs,
            });
        }
        let mac = self.mac(id, timestamp, body);
        for candidate in signature.split_whitespace() {
            let Some(b64) = candidate.strip_prefix("v1,") else {
                continue;
            };
            let Ok(given) = base64::engine::general_purpose::STANDARD.decode(b64) else {
                continue;
            };
            // `verify_slice` compares in constant time.
            if mac.clone().verify_slice(&given).is_ok() {
                return Ok(());
            }
        }
        Err(WebhookSignatureError::NoMatch)
    }

    /// Verifies a callback against the current system time.
    ///
    /// # Errors
    /// As [`WebhookVerifier::verify_at`].
    pub fn verify(
        &self,
        id: &str,
        timestamp: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<(), WebhookSignatureError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.verify_at(id, timestamp, signature, body, now)
    }

    /// Verifies a callback whose headers are looked up by (lower-case) name with `header`,
    /// e.g. `|n| req.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned)`.
    ///
    /// # Errors
    /// As [`WebhookVerifier::verify_at`]; a missing header is
    /// [`WebhookSignatureError::MissingHeader`].
    pub fn verify_headers_at(
        &self,
        header: impl Fn(&str) -> Option<String>,
        body: &[u8],
        now: i64,
    ) -> Result<(), WebhookSignatureError> {
        let get = |name: &'static str| {
            header(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(WebhookSignatureError::MissingHeader(name))
        };
        let id = get(WEBHOOK_ID_HEADER)?;
        let ts = get(WEBHOOK_TIMESTAMP_HEADER)?;
        let sig = get(WEBHOOK_SIGNATURE_HEADER)?;
        self.verify_at(&id, &ts, &sig, body, now)
    }
}

#[cfg(test)]
mod signature_tests {
    use super::*;

    // The example of the Standard Webhooks specification (standardwebhooks.com), which
    // BigCommerce's `https-webhook-overview.mdx` points to for verification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn v() -> WebhookVerifier {
        WebhookVerifier::from_base64_secret(SECRET).unwrap()
    }

    #[test]
    fn known_vector_signs_and_verifies() {
        assert_eq!(v().sign(ID, TS, BODY), SIG);
        assert_eq!(v().verify_at(ID, "1614265330", SIG, BODY, TS + 10), Ok(()));
        // Without the prefix too.
        let bare = WebhookVerifier::from_base64_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(bare.verify_at(ID, "1614265330", SIG, BODY, TS), Ok(()));
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let header = format!("v1,AAAA v2,zzz {SIG}");
        assert_eq!(v().verify_at(ID, "1614265330", &header, BODY, TS), Ok(()));
    }

    #[test]
    fn tampering_is_refused() {
        let err = Err(WebhookSignatureError::NoMatch);
        assert_eq!(
            v().verify_at(ID, "1614265330", SIG, br#"{"test": 1}"#, TS),
            err
        );
        assert_eq!(v().verify_at("msg_other", "1614265330", SIG, BODY, TS), err);
        let other = WebhookVerifier::from_base64_secret("whsec_c2VjcmV0").unwrap();
        assert_eq!(other.verify_at(ID, "1614265330", SIG, BODY, TS), err);
        // A signature of another scheme version is ignored.
        let v1a = SIG.replacen("v1,", "v1a,", 1);
        assert_eq!(v().verify_at(ID, "1614265330", &v1a, BODY, TS), err);
    }

    #[test]
    fn timestamp_outside_tolerance_is_refused() {
        let late = v().verify_at(ID, "1614265330", SIG, BODY, TS + 301);
        assert_eq!(
            late,
            Err(WebhookSignatureError::OutsideTolerance {
                skew_secs: -301,
                tolerance_secs: 300
            })
        );
        let early = v().verify_at(ID, "1614265330", SIG, BODY, TS - 301);
        assert!(matches!(
            early,
            Err(WebhookSignatureError::OutsideTolerance { skew_secs: 301, .. })
        ));
        let wide = v().tolerance(std::time::Duration::from_secs(3600));
        assert_eq!(
            wide.verify_at(ID, "1614265330", SIG, BODY, TS + 3000),
            Ok(())
        );
        assert_eq!(
            v().verify_at(ID, "yesterday", SIG, BODY, TS),
            Err(WebhookSignatureError::BadTimestamp)
        );
    }

    #[test]
    fn missing_headers_are_named() {
        let headers = |name: &str| match name {
            WEBHOOK_ID_HEADER => Some(ID.to_owned()),
            WEBHOOK_TIMESTAMP_HEADER => Some(TS.to_string()),
            _ => None,
        };
        assert_eq!(
            v().verify_headers_at(headers, BODY, TS),
            Err(WebhookSignatureError::MissingHeader("webhook-signature"))
        );
        let all = |name: &str| match name {
            WEBHOOK_ID_HEADER => Some(ID.to_owned()),
            WEBHOOK_TIMESTAMP_HEADER => Some(TS.to_string()),
            WEBHOOK_SIGNATURE_HEADER => Some(SIG.to_owned()),
            _ => None,
        };
        assert_eq!(v().verify_headers_at(all, BODY, TS), Ok(()));
        assert_eq!(
            v().verify_at("", "1", SIG, BODY, TS),
            Err(WebhookSignatureError::MissingHeader("webhook-id"))
        );
    }

    #[test]
    fn client_secret_key_matches_bigcommerce_samples() {
        // BigCommerce's samples pass base64(client_secret) to the Standard Webhooks library:
        // both constructors must agree.
        use base64::Engine as _;
        let raw = "cs_0f0e0d0c0b0a09080706050403020100";
        let a = WebhookVerifier::from_client_secret(&Secret::new(raw));
        let b = WebhookVerifier::from_base64_secret(
            &base64::engine::general_purpose::STANDARD.encode(raw),
        )
        .unwrap();
        let sig = a.sign("m", 10, b"{}");
        assert_eq!(b.verify_at("m", "10", &sig, b"{}", 10), Ok(()));
        assert!(!format!("{a:?}").contains(raw));
    }

    #[test]
    fn bad_secrets_are_refused() {
        assert_eq!(
            WebhookVerifier::from_base64_secret("whsec_!!!").unwrap_err(),
            WebhookSignatureError::BadSecret
        );
        assert_eq!(
            WebhookVerifier::from_base64_secret("whsec_").unwrap_err(),
            WebhookSignatureError::BadSecret
        );
    }
}
