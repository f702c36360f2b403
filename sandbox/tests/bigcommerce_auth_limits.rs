//! Authentication and the per-store rate limit of the BigCommerce stand-in (headers as in
//! `specs/bigcommerce/bigcommerce-docs/docs/start/about/index.mdx` and the API rate-limit page),
//! through plain HTTP and through the `bigcommerce-api` client.

mod bc_common;

use std::time::{Duration, Instant};

use bc_common::{Bc, config};
use bc_mirakl_api_core::retry::RetryPolicy;
use bigcommerce_api::{Client, Credentials, Error};
use reqwest::{Method, StatusCode};
use sync_sandbox::bigcommerce::{BigCommerceConfig, RateLimitConfig};

fn client(bc: &Bc, token: &str, retries: u32) -> Client {
    Client::builder(Credentials::new(bc.sandbox.store_hash(), token).expect("credentials"))
        .base_url(bc.sandbox.base_url().as_str())
        .expect("loopback base URL accepted")
        .retry_policy(RetryPolicy::fast(retries))
        .disable_pacing()
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn wrong_or_missing_token_is_a_401_with_the_error_body() {
    let bc = Bc::start().await;
    let v3 = bc
        .call_with_token(Method::GET, "v3/catalog/products", None, Some("wrong"))
        .await;
    assert_eq!(v3.status, StatusCode::UNAUTHORIZED);
    assert_eq!(v3.json()["status"], 401);
    assert!(v3.json()["title"].as_str().unwrap().contains("credentials"));

    let v2 = bc
        .call_with_token(Method::GET, "v2/orders", None, None)
        .await;
    assert_eq!(v2.status, StatusCode::UNAUTHORIZED);
    assert_eq!(v2.json()[0]["status"], 401, "v2 errors are arrays");

    let err = client(&bc, "wrong-token", 0).verify().await.unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!format!("{err:?} {err}").contains("wrong-token"));

    let info = client(&bc, bc.sandbox.access_token(), 0)
        .verify()
        .await
        .expect("right token");
    assert_eq!(info.name, "Sandbox Store");

    // A wrong store hash in the path is not found.
    let other = reqwest::Client::new()
        .get(format!(
            "{}stores/otherstore/v2/store",
            bc.sandbox.base_url()
        ))
        .header("x-auth-token", bc.sandbox.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn quota_pressure_gives_429_with_rate_limit_headers() {
    let bc = Bc::with(BigCommerceConfig {
        rate_limit: RateLimitConfig {
            quota: 3,
            window: Duration::from_secs(60),
        },
        ..config()
    })
    .await;
    let mut left = Vec::new();
    for _ in 0..3 {
        let a = bc.get("v2/time").await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.header("x-rate-limit-requests-quota"), Some("3"));
        assert_eq!(a.header("x-rate-limit-time-window-ms"), Some("60000"));
        let reset: u64 = a
            .header("x-rate-limit-time-reset-ms")
            .unwrap()
            .parse()
            .unwrap();
        assert!(reset > 0 && reset <= 60_000);
        left.push(a.header("x-rate-limit-requests-left").unwrap().to_owned());
    }
    assert_eq!(left, ["2", "1", "0"]);
    let limited = bc.get("v2/time").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("x-rate-limit-requests-left"), Some("0"));
    let retry: u64 = limited.header("x-retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));

    // Through the client without pacing and without retries: RateLimited.
    let err = client(&bc, bc.sandbox.access_token(), 0)
        .verify()
        .await
        .unwrap_err();
    match err {
        Error::RateLimited { retry_after } => assert!(retry_after.is_some()),
        other => panic!("expected RateLimited, got {other:?}"),
    }

    bc.sandbox.reset_rate_limit();
    assert_eq!(bc.get("v2/time").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_short_window_refills_and_a_pacing_client_gets_through() {
    let bc = Bc::with(BigCommerceConfig {
        rate_limit: RateLimitConfig {
            quota: 4,
            window: Duration::from_millis(300),
        },
        ..config()
    })
    .await;
    let c = Client::builder(
        Credentials::new(bc.sandbox.store_hash(), bc.sandbox.access_token()).unwrap(),
    )
    .base_url(bc.sandbox.base_url().as_str())
    .unwrap()
    .retry_policy(RetryPolicy::fast(5))
    .build()
    .unwrap();
    let started = Instant::now();
    for _ in 0..10 {
        c.verify()
            .await
            .expect("paced or retried through the quota");
    }
    // Ten calls with a quota of four per 300 ms span three windows, so at least one whole
    // window passes between the first and the last call (the first window started with the
    // sandbox, before the client was built).
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert!(bc.sandbox.requests().total() >= 10);
    let state = c.rate_limit().expect("the client read the headers");
    assert_eq!(state.requests_quota, Some(4));
    assert_eq!(state.window, Some(Duration::from_millis(300)));
}
