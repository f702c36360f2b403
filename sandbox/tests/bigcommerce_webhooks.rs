//! Webhooks of the BigCommerce stand-in: CRUD (`specs/bigcommerce/bigcommerce-docs/reference/webhooks.v3.yml`)
//! and delivery of the real callback payloads
//! (`specs/bigcommerce/bigcommerce-docs/models/webhooks/callbacks/`) to a loopback receiver,
//! with custom headers and retries.

mod bc_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use bc_common::Bc;
use bc_mirakl_api_core::secret::Secret;
use bigcommerce_api::orders::Order;
use bigcommerce_api::page::Envelope;
use bigcommerce_api::webhooks::{Webhook, WebhookEvent, WebhookVerifier};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sync_sandbox::demo::DemoCatalog;

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Answer 500 to this many calls first.
    fail_first: Arc<Mutex<u32>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> AxumStatus {
    {
        let mut fail = r.fail_first.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return AxumStatus::INTERNAL_SERVER_ERROR;
        }
    }
    r.got.lock().unwrap().push((headers, body));
    AxumStatus::OK
}

async fn receiver(fail_first: u32) -> (sync_sandbox::Server, Receiver) {
    let r = Receiver {
        fail_first: Arc::new(Mutex::new(fail_first)),
        ..Receiver::default()
    };
    let app = Router::new()
        .route("/hooks", post(receive))
        .with_state(r.clone());
    (sync_sandbox::serve(app).await.expect("receiver binds"), r)
}

async fn wait_for(r: &Receiver, scope: &str) -> (HeaderMap, WebhookEvent) {
    for _ in 0..200 {
        let found = r.got.lock().unwrap().iter().find_map(|(h, body)| {
            let event = WebhookEvent::from_json(body.as_bytes()).expect("callback decodes");
            (event.scope.as_str() == scope).then(|| (h.clone(), event))
        });
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no {scope} callback received");
}

#[tokio::test]
async fn callbacks_reach_a_loopback_receiver_with_custom_headers() {
    let bc = Bc::start().await;
    let catalog = DemoCatalog::generate(3, 3, 2);
    bc.sandbox.load_demo(&catalog);
    let (server, r) = receiver(0).await;
    let destination = format!("{}hooks", server.base_url());

    // Registered through the real client (`client.webhooks().create`).
    let client = bigcommerce_api::Client::builder(
        bigcommerce_api::Credentials::new(bc.sandbox.store_hash(), bc.sandbox.access_token())
            .unwrap(),
    )
    .base_url(bc.sandbox.base_url().as_str())
    .unwrap()
    .build()
    .unwrap();
    for scope in [
        "store/sku/inventory/updated",
        "store/order/*",
        "store/shipment/created",
        "store/product/updated",
    ] {
        let request = bigcommerce_api::webhooks::WebhookRequest::new(
            bigcommerce_api::webhooks::WebhookScope::from(scope),
            destination.clone(),
        )
        .header("X-Sync-Secret", "s3cr3t");
        let hook = client.webhooks().create(&request).await.unwrap();
        assert_eq!(hook.destination, destination);
        assert_eq!(hook.scope.as_str(), scope);
    }
    let listed: Vec<Webhook> = client.webhooks().list().all().await.unwrap();
    assert_eq!(listed.len(), 4);

    // Stock change by the merchant.
    let sku = catalog.products[1].variants[1].sku.clone();
    let vid = bc.sandbox.variant_id(&sku).unwrap();
    let pid = bc.sandbox.product_id(&sku).unwrap();
    assert!(bc.sandbox.set_stock(&sku, 5));
    let (headers, event) = wait_for(&r, "store/sku/inventory/updated").await;
    assert_eq!(headers.get("x-sync-secret").unwrap(), "s3cr3t");
    assert_eq!(event.variant_id(), Some(vid));
    assert_eq!(event.product_id(), Some(pid));
    assert_eq!(
        event.producer.as_deref(),
        Some(format!("stores/{}", bc.sandbox.store_hash()).as_str())
    );
    assert_eq!(event.hash.as_deref().map(str::len), Some(40));
    // Signed the Standard Webhooks way; the client's verifier accepts it.
    let body = r
        .got
        .lock()
        .unwrap()
        .iter()
        .find(|(_, b)| b.contains("store/sku/inventory/updated"))
        .map(|(_, b)| b.clone())
        .unwrap();
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("webhook-id"), event.hash.clone().unwrap());
    let verifier = WebhookVerifier::from_client_secret(&Secret::new(bc.sandbox.client_secret()));
    verifier
        .verify(
            &header("webhook-id"),
            &header("webhook-timestamp"),
            &header("webhook-signature"),
            body.as_bytes(),
        )
        .expect("signature verifies");
    let wrong = WebhookVerifier::from_client_secret(&Secret::new("another-secret"));
    assert!(
        wrong
            .verify(
                &header("webhook-id"),
                &header("webhook-timestamp"),
                &header("webhook-signature"),
                body.as_bytes(),
            )
            .is_err()
    );

    // Order created over HTTP, then shipped.
    let order: Order = bc
        .post(
            "v2/orders",
            json!({"billing_address": {"first_name": "A", "last_name": "B", "email": "a@b.c", "country_iso2": "AU", "zip": "2000"},
                   "status_id": 11, "products": [{"product_id": pid, "variant_id": vid, "quantity": 1}]}),
        )
        .await
        .decode();
    let (_, created) = wait_for(&r, "store/order/created").await;
    assert_eq!(created.order_id(), Some(order.id.get()));
    let shipment = bc
        .sandbox
        .ship_order(order.id.get(), "AP1", "auspost")
        .expect("shipped");
    let (_, shipped) = wait_for(&r, "store/shipment/created").await;
    assert_eq!(shipped.order_id(), Some(order.id.get()));
    let (_, status) = wait_for(&r, "store/order/statusUpdated").await;
    assert_eq!(status.order_id(), Some(order.id.get()));
    assert!(shipment > 0);

    // Price change by the merchant fires product/updated.
    assert!(
        bc.sandbox
            .set_price(&sku, rust_decimal::Decimal::new(1999, 2), None)
    );
    let (_, updated) = wait_for(&r, "store/product/updated").await;
    assert_eq!(updated.product_id(), Some(pid));
}

#[tokio::test]
async fn failed_deliveries_are_retried_then_the_hook_is_deactivated() {
    let bc = Bc::start().await;
    bc.sandbox.load_demo(&DemoCatalog::generate(3, 1, 1));
    let sku = DemoCatalog::generate(3, 1, 1).skus()[0].sku.clone();
    // Fails twice, then accepts: the config allows two retries.
    let (server, r) = receiver(2).await;
    let destination = format!("{}hooks", server.base_url());
    bc.sandbox.add_webhook(
        "store/product/inventory/updated",
        &destination,
        Default::default(),
    );
    bc.sandbox.set_stock(&sku, 3);
    wait_for(&r, "store/product/inventory/updated").await;
    // The sandbox records the delivery once the receiver's answer is read.
    assert!(bc.sandbox.settle_webhooks(Duration::from_secs(5)).await);
    assert_eq!(bc.sandbox.webhooks_in_flight(), 0);
    let deliveries = bc.sandbox.webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].attempts, 3);
    assert!(deliveries[0].delivered);

    // A receiver that never answers 2xx: retries exhausted, hook deactivated.
    let (bad, _) = receiver(u32::MAX).await;
    let id = bc.sandbox.add_webhook(
        "store/product/inventory/updated",
        &format!("{}hooks", bad.base_url()),
        Default::default(),
    );
    bc.sandbox.set_stock(&sku, 4);
    assert!(bc.sandbox.settle_webhooks(Duration::from_secs(5)).await);
    let hook: Envelope<Webhook> = bc.get(&format!("v3/hooks/{id}")).await.decode();
    assert!(
        !hook.data.is_active,
        "hook deactivated after the last retry"
    );
    let failed = bc
        .sandbox
        .webhook_deliveries()
        .into_iter()
        .find(|d| d.hook_id == id)
        .expect("delivery recorded");
    assert!(!failed.delivered);
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.last_status, Some(500));
}

#[tokio::test]
async fn webhook_crud_and_destination_rules() {
    let bc = Bc::start().await;
    let made: Envelope<Webhook> = bc
        .post(
            "v3/hooks",
            json!({"scope": "store/order/created", "destination": "https://example.com/hooks"}),
        )
        .await
        .decode();
    let id = made.data.id;
    let list: Envelope<Vec<Webhook>> = bc.get("v3/hooks").await.decode();
    assert_eq!(list.data.len(), 1);
    let updated: Envelope<Webhook> = bc
        .put(&format!("v3/hooks/{id}"), json!({"is_active": false}))
        .await
        .decode();
    assert!(!updated.data.is_active);
    let active: Envelope<Vec<Webhook>> = bc.get("v3/hooks?is_active=true").await.decode();
    assert!(active.data.is_empty());
    let deleted = bc
        .call(Method::DELETE, &format!("v3/hooks/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        bc.get(&format!("v3/hooks/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Plain http off loopback, and https on another port, are refused as on the real API.
    for destination in ["http://example.com/hooks", "https://example.com:8443/hooks"] {
        let refused = bc
            .post(
                "v3/hooks",
                json!({"scope": "store/order/created", "destination": destination}),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{destination}"
        );
    }
}
