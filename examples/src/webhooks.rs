//! The BigCommerce webhook receiver.
//!
//! BigCommerce payloads are light (ids only, `docs/integrations/webhooks/events/index.mdx` in
//! the BigCommerce docs): the receiver turns each delivery into a [`Change`] (a product whose
//! offers must be recomputed, or an order whose shipments must be looked at) and hands it to
//! the engine over a channel. It answers `200` at once (BigCommerce retries slow or failed
//! deliveries), drops duplicate deliveries by their `hash`, and authenticates every delivery
//! with a shared secret sent back in a custom header chosen at registration time (compared in
//! constant time). The secret never appears in logs.

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use api_core::secret::Secret;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::mpsc;

/// The header BigCommerce is asked to send back with each delivery.
pub const SECRET_HEADER: &str = "x-connector-secret";

/// The path the receiver listens on.
pub const WEBHOOK_PATH: &str = "/bigcommerce/webhooks";

/// The scopes the connector registers.
pub const SCOPES: [&str; 4] = [
    "store/product/*",
    "store/sku/*",
    "store/shipment/*",
    "store/order/statusUpdated",
];

/// What a delivery means for the connector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// The product (its variants, stock or price) changed: recompute its offers.
    Product(u64),
    /// Something happened to this BigCommerce order (shipment, status).
    Order(u64),
}

/// Reads a webhook payload. Returns `None` for scopes the connector does not care about or
/// payloads without the ids it needs.
pub fn change_of(payload: &Value) -> Option<Change> {
    let scope = payload.get("scope")?.as_str()?;
    let data = payload.get("data")?;
    let id = |v: Option<&Value>| v.and_then(Value::as_u64);
    if scope.starts_with("store/product/") {
        return id(data.get("id")).map(Change::Product);
    }
    if scope.starts_with("store/sku/") {
        let product = id(data.get("sku").and_then(|s| s.get("product_id")))
            .or_else(|| id(data.get("inventory").and_then(|s| s.get("product_id"))));
        return product.map(Change::Product);
    }
    if scope.starts_with("store/shipment/") {
        return id(data.get("orderId")).map(Change::Order);
    }
    if scope.starts_with("store/order/") {
        return id(data.get("id")).map(Change::Order);
    }
    None
}

#[derive(Clone)]
struct Shared {
    secret: Secret,
    tx: mpsc::UnboundedSender<Change>,
    seen: Arc<Mutex<(BTreeSet<String>, VecDeque<String>)>>,
}

const SEEN_CAPACITY: usize = 4096;

async fn receive(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !s.secret.constant_time_eq(given) {
        tracing::warn!("webhook delivery refused: missing or wrong secret header");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        tracing::warn!(bytes = body.len(), "webhook delivery is not JSON");
        return StatusCode::BAD_REQUEST;
    };
    if let Some(hash) = payload.get("hash").and_then(Value::as_str) {
        let mut seen = s.seen.lock().unwrap_or_else(|p| p.into_inner());
        if !seen.0.insert(hash.to_owned()) {
            tracing::debug!(hash, "duplicate webhook delivery dropped");
            return StatusCode::OK;
        }
        seen.1.push_back(hash.to_owned());
        if seen.1.len() > SEEN_CAPACITY
            && let Some(old) = seen.1.pop_front()
        {
            seen.0.remove(&old);
        }
    }
    let scope = payload.get("scope").and_then(Value::as_str).unwrap_or("");
    match change_of(&payload) {
        Some(change) => {
            tracing::debug!(scope, ?change, "webhook received");
            let _ = s.tx.send(change);
        }
        None => tracing::debug!(scope, "webhook ignored"),
    }
    StatusCode::OK
}

/// The receiver's router (POST [`WEBHOOK_PATH`]); changes go to `tx`.
pub fn router(secret: Secret, tx: mpsc::UnboundedSender<Change>) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .with_state(Shared {
            secret,
            tx,
            seen: Arc::new(Mutex::new((BTreeSet::new(), VecDeque::new()))),
        })
}

/// A running receiver.
#[derive(Debug)]
pub struct Receiver {
    /// The bound address.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Stops the receiver.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `listen` and serves the receiver in a spawned task.
///
/// # Errors
/// The I/O error when the address cannot be bound.
pub async fn serve(
    listen: SocketAddr,
    secret: Secret,
    tx: mpsc::UnboundedSender<Change>,
) -> std::io::Result<Receiver> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = router(secret, tx);
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "webhook receiver stopped");
        }
    });
    tracing::info!(%addr, path = WEBHOOK_PATH, "webhook receiver listening");
    Ok(Receiver { addr, task })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Payloads from the BigCommerce docs, docs/integrations/webhooks/events/index.mdx
    // (shared/specs/bigcommerce/bigcommerce-docs).
    #[test]
    fn documented_payloads_map_to_changes() {
        let product = json!({"scope":"store/product/updated","store_id":"1025646","data":{"type":"product","id":205,"properties":["warranty"]},"hash":"a8","created_at":1561479233,"producer":"stores/x"});
        assert_eq!(change_of(&product), Some(Change::Product(205)));
        let inv = json!({"scope":"store/product/inventory/updated","data":{"type":"product","id":167,"inventory":{"product_id":167,"method":"absolute","value":3}}});
        assert_eq!(change_of(&inv), Some(Change::Product(167)));
        let sku = json!({"scope":"store/sku/inventory/updated","data":{"type":"sku","id":461,"inventory":{"product_id":206,"method":"absolute","value":5,"variant_id":509}}});
        assert_eq!(change_of(&sku), Some(Change::Product(206)));
        let sku2 = json!({"scope":"store/sku/created","data":{"type":"sku","id":461,"sku":{"product_id":207,"variant_id":509}}});
        assert_eq!(change_of(&sku2), Some(Change::Product(207)));
        let ship = json!({"scope":"store/shipment/created","data":{"type":"shipment","id":12,"orderId":251}});
        assert_eq!(change_of(&ship), Some(Change::Order(251)));
        let status = json!({"scope":"store/order/statusUpdated","data":{"type":"order","id":250,"status":{"previous_status_id":0,"new_status_id":11}}});
        assert_eq!(change_of(&status), Some(Change::Order(250)));
        let other = json!({"scope":"store/customer/created","data":{"type":"customer","id":1}});
        assert_eq!(change_of(&other), None);
        assert_eq!(
            change_of(&json!({"scope":"store/sku/created","data":{}})),
            None
        );
    }

    async fn post(addr: SocketAddr, secret: Option<&str>, body: &str) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let hdr = secret
            .map(|v| format!("{SECRET_HEADER}: {v}\r\n"))
            .unwrap_or_default();
        let req = format!(
            "POST {WEBHOOK_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n{hdr}content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out[9..12].parse().unwrap()
    }

    #[tokio::test]
    async fn receiver_authenticates_and_dedupes() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let r = serve(
            "127.0.0.1:0".parse().unwrap(),
            Secret::new("s3cret-hook"),
            tx,
        )
        .await
        .unwrap();
        let body =
            r#"{"scope":"store/product/updated","data":{"type":"product","id":5},"hash":"h1"}"#;
        assert_eq!(post(r.addr, None, body).await, 401);
        assert_eq!(post(r.addr, Some("wrong"), body).await, 401);
        assert_eq!(post(r.addr, Some("s3cret-hook"), "not json").await, 400);
        assert_eq!(post(r.addr, Some("s3cret-hook"), body).await, 200);
        assert_eq!(post(r.addr, Some("s3cret-hook"), body).await, 200);
        let body2 = r#"{"scope":"store/shipment/created","data":{"type":"shipment","id":1,"orderId":9},"hash":"h2"}"#;
        assert_eq!(post(r.addr, Some("s3cret-hook"), body2).await, 200);
        assert_eq!(rx.recv().await, Some(Change::Product(5)));
        assert_eq!(rx.recv().await, Some(Change::Order(9)));
        assert!(
            rx.try_recv().is_err(),
            "the duplicate delivery was forwarded"
        );
        r.stop();
    }
}
