//! The BigCommerce webhook receiver.
//!
//! BigCommerce payloads are light (ids only, `docs/integrations/webhooks/events/index.mdx` in
//! the BigCommerce docs): the receiver decodes each delivery as a
//! [`bigcommerce_api::webhooks::WebhookEvent`] and hands it to the runner over a channel (the
//! connector turns product/SKU events into dirty keys and order/shipment events into an order
//! step). It answers `200` at once (BigCommerce retries slow or failed
//! deliveries), drops duplicate deliveries by their `hash`, and authenticates every delivery
//! with a shared secret sent back in a custom header chosen at registration time (compared in
//! constant time). The secret never appears in logs.

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bc_mirakl_api_core::secret::Secret;
use bigcommerce_api::webhooks::WebhookEvent;
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

#[derive(Clone)]
struct Shared {
    secret: Secret,
    tx: mpsc::UnboundedSender<WebhookEvent>,
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
    if !bigcommerce_api::webhooks::verify_shared_secret_header(Some(given), &s.secret) {
        tracing::warn!("webhook delivery refused: missing or wrong secret header");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(event) = WebhookEvent::from_json(&body) else {
        tracing::warn!(
            bytes = body.len(),
            "webhook delivery is not a webhook event"
        );
        return StatusCode::BAD_REQUEST;
    };
    if let Some(hash) = event.hash.as_deref() {
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
    tracing::debug!(scope = %event.scope, "webhook received");
    let _ = s.tx.send(event);
    StatusCode::OK
}

/// The receiver's router (POST [`WEBHOOK_PATH`]); changes go to `tx`.
pub fn router(secret: Secret, tx: mpsc::UnboundedSender<WebhookEvent>) -> Router {
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
    tx: mpsc::UnboundedSender<WebhookEvent>,
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
        let first = rx.recv().await.unwrap();
        assert_eq!(first.product_id(), Some(5));
        let second = rx.recv().await.unwrap();
        assert_eq!(second.order_id(), Some(9));
        assert!(
            rx.try_recv().is_err(),
            "the duplicate delivery was forwarded"
        );
        r.stop();
    }
}
