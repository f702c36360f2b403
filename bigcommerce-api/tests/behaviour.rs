//! Transport behaviour: 429 retry, pacing, HTML error pages, decode errors, redaction.

mod common;

use bigcommerce_api::catalog::ProductId;
use bigcommerce_api::error::ApiErrorDetails;
use bigcommerce_api::{Client, Error, PacingConfig, RetryPolicy};
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn store_ok() -> ResponseTemplate {
    json(200, fixture("v2_store.json"))
}

#[tokio::test]
async fn retries_429_after_the_reset_then_succeeds() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/store")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Rate-Limit-Time-Reset-Ms", "120")
                .insert_header("X-Rate-Limit-Requests-Left", "0")
                .set_body_json(json!({"status":429,"title":"Too many requests","type":"https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes","errors":{}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v2/store")))
        .respond_with(store_ok())
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let t0 = Instant::now();
    let info = c.store().info().await.unwrap();
    assert_eq!(info.name, "BigCommerce");
    assert!(
        t0.elapsed() >= Duration::from_millis(110),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(c.call_counts()["GET /v2/store"], 2);
}

#[tokio::test]
async fn persistent_429_is_rate_limited_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .respond_with(ResponseTemplate::new(429).insert_header("X-Retry-After", "0.01"))
        .expect(3)
        .mount(&server)
        .await;
    let c = Client::builder(credentials())
        .base_url(&server.uri())
        .unwrap()
        .retry_policy(RetryPolicy::fast(2))
        .disable_pacing()
        .build()
        .unwrap();
    let err = c.store().time().await.unwrap_err();
    match err {
        Error::RateLimited { retry_after } => {
            assert_eq!(retry_after, Some(Duration::from_millis(10)))
        }
        other => panic!("{other:?}"),
    }
}

// At `X-Rate-Limit-Requests-Left: 0` the next call waits for the reset before it is sent.
#[tokio::test]
async fn paces_when_no_requests_are_left() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .respond_with(
            json(200, json!({"time": 1}))
                .insert_header("X-Rate-Limit-Requests-Left", "0")
                .insert_header("X-Rate-Limit-Requests-Quota", "150")
                .insert_header("X-Rate-Limit-Time-Window-Ms", "30000")
                .insert_header("X-Rate-Limit-Time-Reset-Ms", "400"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    c.store().time().await.unwrap();
    let rl = c.rate_limit().expect("state recorded");
    assert_eq!(rl.requests_left, Some(0));
    assert_eq!(rl.requests_quota, Some(150));
    assert_eq!(rl.reset_in, Some(Duration::from_millis(400)));
    // A clone shares the pacer and its state.
    let clone = c.clone();
    assert_eq!(clone.rate_limit().unwrap().requests_left, Some(0));
    let t0 = Instant::now();
    clone.store().time().await.unwrap();
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(350),
        "did not wait: {waited:?}"
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
}

#[tokio::test]
async fn pacing_can_be_disabled_or_capped() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .respond_with(
            json(200, json!({"time": 1}))
                .insert_header("X-Rate-Limit-Requests-Left", "0")
                .insert_header("X-Rate-Limit-Time-Reset-Ms", "5000"),
        )
        .expect(4)
        .mount(&server)
        .await;
    let off = Client::builder(credentials())
        .base_url(&server.uri())
        .unwrap()
        .disable_pacing()
        .build()
        .unwrap();
    let capped = Client::builder(credentials())
        .base_url(&server.uri())
        .unwrap()
        .pacing(PacingConfig {
            max_wait: Duration::from_millis(50),
            ..PacingConfig::default()
        })
        .build()
        .unwrap();
    let t0 = Instant::now();
    for c in [&off, &capped] {
        c.store().time().await.unwrap();
        c.store().time().await.unwrap();
    }
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert!(off.rate_limit().is_none());
    assert_eq!(capped.rate_limit().unwrap().requests_left, Some(0));
}

// A 502 HTML page from a proxy still gives status and text; GETs are retried first.
#[tokio::test]
async fn html_502_yields_status_and_text() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products/1")))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
            "text/html",
        ))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server)
        .products()
        .get(ProductId(1), &[])
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status,
            message,
            details,
            body,
        } => {
            assert_eq!(*status, 502);
            assert_eq!(message, "502 Bad Gateway");
            assert_eq!(**details, ApiErrorDetails::Unparsed);
            assert!(body.contains("<h1>502 Bad Gateway</h1>"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("502"));
}

#[tokio::test]
async fn decode_error_names_the_json_path() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products")))
        .respond_with(json(
            200,
            json!({"data":[{"id":1,"name":"a","price":1},{"id":2,"name":"b","price":"abc"}],"meta":{}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).products().list().send().await.unwrap_err();
    match &err {
        Error::Decode {
            path, body_snippet, ..
        } => {
            assert_eq!(path, "data[1].price");
            assert!(body_snippet.starts_with("{\"data\""));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("data[1].price"));
}

// 422 on a v3 variants batch keeps `batch_errors` (product-variants_catalog.v3.yml l.1625).
#[tokio::test]
async fn batch_errors_are_kept() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/variants")))
        .respond_with(json(422, json!({"batch_errors":[{"status":422,"title":"Variant sku cannot be empty","type":"x","errors":{"0.sku":"empty"}}]})))
        .expect(1)
        .mount(&server)
        .await;
    let mut u =
        bigcommerce_api::catalog::VariantUpdate::for_id(bigcommerce_api::catalog::VariantId(1));
    u.sku = Some(String::new());
    let err = client(&server)
        .variants()
        .update_batch(&[u])
        .await
        .unwrap_err();
    match err {
        Error::Api {
            message, details, ..
        } => {
            assert_eq!(message, "Variant sku cannot be empty");
            assert!(
                matches!(*details, ApiErrorDetails::Batch(ref b) if b[0].errors["0.sku"] == "empty")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_errors() {
    // Client Debug.
    let server = server().await;
    let c = client(&server);
    let shown = format!("{c:?} {:?}", c.store().clone());
    assert!(!shown.contains(TOKEN), "{shown}");
    // A transport error (nothing listens on the port).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dead = Client::builder(credentials())
        .base_url(&format!("http://127.0.0.1:{port}/"))
        .unwrap()
        .retry_policy(RetryPolicy::fast(1))
        .build()
        .unwrap();
    let err = dead.store().time().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    for text in [format!("{err}"), format!("{err:?}"), format!("{dead:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains(CLIENT_SECRET), "{text}");
    }
    // An API error whose body is echoed does not include request headers.
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad request"))
        .expect(1)
        .mount(&server)
        .await;
    let err = c.store().time().await.unwrap_err();
    assert!(!format!("{err:?} {err}").contains(TOKEN));
}

#[tokio::test]
async fn base_url_must_be_https_off_loopback() {
    let err = Client::builder(credentials())
        .base_url("http://api.example.com/")
        .unwrap_err();
    assert!(matches!(err, Error::BaseUrl(_)), "{err:?}");
    let c = Client::builder(credentials()).build().unwrap();
    assert_eq!(
        c.store_url().as_str(),
        format!("https://api.bigcommerce.com/stores/{HASH}/")
    );
    let c = Client::builder(credentials())
        .base_url("http://127.0.0.1:9/sandbox")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        c.store_url().as_str(),
        format!("http://127.0.0.1:9/sandbox/stores/{HASH}/")
    );
}

#[test]
fn client_and_error_are_send_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Client>();
    check::<Error>();
    check::<bigcommerce_api::List<bigcommerce_api::orders::Order>>();
    check::<bigcommerce_api::pacer::RateLimitPacer>();
}

// 207 Multi-Status (products_catalog.v3.yml): the saved data is returned.
#[tokio::test]
async fn multi_status_is_a_partial_success() {
    let server = server().await;
    let mut body = fixture("v3_product_get.json");
    body["errors"] = json!({"status":207,"title":"Inventory update failed","type":"x","errors":{}});
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products/174")))
        .respond_with(json(207, body))
        .expect(1)
        .mount(&server)
        .await;
    let u = bigcommerce_api::catalog::ProductUpdate {
        inventory_level: Some(1),
        ..Default::default()
    };
    let p174 = client(&server)
        .products()
        .update(ProductId(174), &u)
        .await
        .unwrap();
    assert_eq!(p174.id, ProductId(174));
}

#[tokio::test]
async fn shared_settings_set_base_url_user_agent_and_timeout() {
    use bigcommerce_api::ClientSettings;
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/time")))
        .and(wiremock::matchers::header(
            "user-agent",
            "shared-settings/2.0",
        ))
        .respond_with(json(200, json!({"time": 1})).set_delay(Duration::from_millis(400)))
        .expect(2)
        .mount(&server)
        .await;
    let mut settings = ClientSettings::new("shared-settings/2.0");
    settings.set_base_url(&server.uri()).unwrap();
    settings.retry = RetryPolicy::none();
    let c = Client::builder(credentials())
        .settings(settings.clone())
        .build()
        .unwrap();
    assert_eq!(c.store().time().await.unwrap().time, 1);
    // The timeout comes from the same settings: shorter than the server's delay, it fails.
    settings.timeout = Duration::from_millis(100);
    let c = Client::builder(credentials())
        .settings(settings)
        .build()
        .unwrap();
    let err = c.store().time().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}
