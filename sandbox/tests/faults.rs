//! Fault injection, observed through the real `bigcommerce-api` client against the BigCommerce
//! stand-in: each fault kind surfaces as the error it should be, faults switch at runtime, and
//! the choice is deterministic from the seed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bc_mirakl_api_core::retry::RetryPolicy;
use bigcommerce_api::{Client, Credentials, Error};
use sync_sandbox::bigcommerce::{BigCommerceConfig, RateLimitConfig};
use sync_sandbox::{BigCommerceSandbox, FaultConfig, FaultKind};

async fn sandbox() -> BigCommerceSandbox {
    BigCommerceSandbox::start(BigCommerceConfig {
        rate_limit: RateLimitConfig::unlimited(),
        ..BigCommerceConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn client(bc: &BigCommerceSandbox, retries: u32, timeout: Duration) -> Client {
    Client::builder(Credentials::new(bc.store_hash(), bc.access_token()).expect("credentials"))
        .base_url(bc.base_url().as_str())
        .expect("loopback base URL accepted")
        .retry_policy(RetryPolicy::fast(retries))
        .timeout(timeout)
        .disable_pacing()
        .build()
        .expect("client builds")
}

const STORE_TEMPLATE: &str = "/stores/{store_hash}/v2/store";

#[tokio::test]
async fn no_faults_by_default_and_requests_are_counted() {
    let bc = sandbox().await;
    let c = client(&bc, 0, Duration::from_secs(5));
    let info = c.verify().await.expect("store info");
    assert_eq!(info.name, "Sandbox Store");
    c.verify().await.expect("store info");
    assert_eq!(bc.requests().count("GET", STORE_TEMPLATE), 2);
    assert_eq!(
        bc.requests()
            .count_path("GET", &format!("/stores/{}/v2/store", bc.store_hash())),
        2
    );
    assert_eq!(bc.requests().total(), 2);
}

#[tokio::test]
async fn rate_limited_is_retried_then_succeeds_and_surfaces_when_persistent() {
    let bc = sandbox().await;
    // First request: 429; the hook then turns faults off, so the retry succeeds.
    bc.faults()
        .set(FaultConfig::always(FaultKind::RateLimited).with_retry_after(Duration::ZERO));
    let faults = bc.faults().clone();
    bc.requests().set_hook(move |info| {
        if info.fault.is_some() {
            faults.disable();
        }
    });
    let c = client(&bc, 2, Duration::from_secs(5));
    c.verify().await.expect("retried after the 429");
    assert_eq!(bc.requests().count("GET", STORE_TEMPLATE), 2);
    assert_eq!(bc.requests().faults_injected(FaultKind::RateLimited), 1);

    bc.requests().clear_hook();
    bc.faults()
        .set(FaultConfig::always(FaultKind::RateLimited).with_retry_after(Duration::ZERO));
    match c.verify().await {
        Err(Error::RateLimited { .. }) => {}
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(
        bc.requests().count("GET", STORE_TEMPLATE),
        2 + 3,
        "one try and two retries"
    );
}

#[tokio::test]
async fn server_errors_surface_as_api_errors_with_status_and_text() {
    let bc = sandbox().await;
    let c = client(&bc, 0, Duration::from_secs(5));
    bc.faults().set(FaultConfig::always(FaultKind::ServerError));
    match c.verify().await {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status, 500);
            assert!(body.contains("Internal Server Error"));
        }
        other => panic!("expected Api 500, got {other:?}"),
    }
    bc.faults()
        .set(FaultConfig::always(FaultKind::BadGatewayHtml));
    match c.verify().await {
        Err(Error::Api {
            status,
            message,
            body,
            ..
        }) => {
            assert_eq!(status, 502);
            assert!(body.contains("<h1>502 Bad Gateway</h1>"));
            assert!(!message.is_empty());
        }
        other => panic!("expected Api 502, got {other:?}"),
    }
    // Switched off at runtime: the next call works.
    bc.faults().disable();
    c.verify().await.expect("faults off");
}

#[tokio::test]
async fn dropped_and_truncated_responses_are_transport_errors() {
    let bc = sandbox().await;
    let c = client(&bc, 0, Duration::from_secs(5));
    bc.faults().set(FaultConfig::always(FaultKind::Dropped));
    match c.verify().await {
        Err(Error::Transport(_)) => {}
        other => panic!("expected Transport for a dropped connection, got {other:?}"),
    }
    bc.faults().set(FaultConfig::always(FaultKind::Truncated));
    match c.verify().await {
        Err(Error::Transport(_)) => {}
        other => panic!("expected Transport for a truncated body, got {other:?}"),
    }
    assert_eq!(bc.requests().faults_injected(FaultKind::Dropped), 1);
    assert_eq!(bc.requests().faults_injected(FaultKind::Truncated), 1);
}

#[tokio::test]
async fn slow_responses_time_out_when_the_client_is_less_patient() {
    let bc = sandbox().await;
    bc.faults()
        .set(FaultConfig::always(FaultKind::Slow).with_slow_delay(Duration::from_millis(800)));
    let impatient = client(&bc, 0, Duration::from_millis(150));
    match impatient.verify().await {
        Err(Error::Transport(e)) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    let patient = client(&bc, 0, Duration::from_secs(5));
    patient.verify().await.expect("slow but within the timeout");
}

#[tokio::test]
async fn the_fault_sequence_is_deterministic_from_the_seed() {
    async fn run(seed: u64) -> Vec<Option<FaultKind>> {
        let bc = sandbox().await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        bc.requests()
            .set_hook(move |info| sink.lock().unwrap().push(info.fault));
        bc.faults().set(
            FaultConfig::uniform(seed, 0.6)
                .with_share(FaultKind::Slow, 0.0)
                .with_retry_after(Duration::ZERO),
        );
        let c = client(&bc, 0, Duration::from_secs(5));
        for _ in 0..40 {
            let _ = c.verify().await;
        }
        seen.lock().unwrap().clone()
    }
    let a = run(77).await;
    let b = run(77).await;
    let other = run(78).await;
    assert_eq!(a.len(), 40);
    assert_eq!(a, b, "same seed, same faults");
    assert_ne!(a, other, "another seed, other faults");
    assert!(a.iter().any(|f| f.is_some()) && a.iter().any(|f| f.is_none()));
}
