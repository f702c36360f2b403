//! Cross-cutting behaviour: call-ceiling limiter, 429 with `Retry-After`, error mapping,
//! key redaction, `shop_id`, URL validation, the raw escape hatch.
#![cfg(feature = "client")]

mod common;
use bc_mirakl_api_core::retry::RetryPolicy;
use common::*;
use mirakl_api::ceilings::CallCeilings;
use mirakl_api::client::CallLimiter;
use mirakl_api::offers::OfferUpdate;
use mirakl_api::{Client, Error, ShopSku};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

fn offer() -> Vec<OfferUpdate> {
    vec![OfferUpdate::new(
        ShopSku::new("S").unwrap(),
        "1".parse().unwrap(),
        1,
        "11",
    )]
}

async fn mount_of24(s: &wiremock::MockServer, times: u64) {
    call("POST", "/api/offers")
        .respond_with(json_value(201, json!({"import_id": 1})))
        .expect(times)
        .mount(s)
        .await;
}

fn limited(s: &wiremock::MockServer, limiter: CallLimiter) -> Client {
    Client::builder(s.uri())
        .api_key(KEY)
        .shop_id(Some(SHOP))
        .limiter(limiter)
        .retry_policy(RetryPolicy::fast(2))
        .build()
        .unwrap()
}

#[tokio::test]
async fn limiter_makes_second_of24_wait() {
    let s = server().await;
    mount_of24(&s, 2).await;
    let window = Duration::from_millis(400);
    let c = limited(
        &s,
        CallLimiter::new(CallCeilings::none().with("OF24", window)),
    );
    let t0 = Instant::now();
    c.offers().upsert(offer()).await.unwrap();
    let first = t0.elapsed();
    c.offers().upsert(offer()).await.unwrap();
    let both = t0.elapsed();
    assert!(first < window, "first call must not wait ({first:?})");
    assert!(
        both >= window,
        "second OF24 inside the window must wait ({both:?})"
    );
}

#[tokio::test]
async fn limiter_only_spaces_the_limited_operation_and_shop() {
    let s = server().await;
    mount_of24(&s, 1).await;
    call("GET", "/api/offers/imports/1")
        .respond_with(json_value(
            200,
            json!({"import_id": 1, "status": "COMPLETE"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/offers"))
        .and(query_param("shop_id", "3003"))
        .respond_with(json_value(201, json!({"import_id": 2})))
        .expect(1)
        .mount(&s)
        .await;
    let limiter = CallLimiter::new(CallCeilings::none().with("OF24", Duration::from_secs(5)));
    let c = limited(&s, limiter.clone());
    let other_shop = Client::builder(s.uri())
        .api_key(KEY)
        .shop_id(Some(3003))
        .limiter(limiter)
        .build()
        .unwrap();
    let t0 = Instant::now();
    c.offers().upsert(offer()).await.unwrap();
    c.offers().import_status(1).await.unwrap();
    other_shop.offers().upsert(offer()).await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
}

#[tokio::test]
async fn disabled_limiter_does_not_wait() {
    let s = server().await;
    mount_of24(&s, 2).await;
    let c = client(&s); // built with without_limiter()
    let t0 = Instant::now();
    c.offers().upsert(offer()).await.unwrap();
    c.offers().upsert(offer()).await.unwrap();
    assert!(
        t0.elapsed() < Duration::from_millis(400),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(c.call_counts().get("OF24"), Some(&2));
}

#[tokio::test]
async fn default_client_limits_of24_to_once_a_minute() {
    let c = Client::builder("https://x.mirakl.net")
        .api_key(KEY)
        .build()
        .unwrap();
    assert!(format!("{c:?}").contains("limiter: true"));
    assert_eq!(
        CallCeilings::default().get("OF24"),
        Some(Duration::from_secs(60))
    );
}

#[tokio::test]
async fn retries_429_after_retry_after() {
    let s = server().await;
    call("GET", "/api/shipping/carriers")
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/api/shipping/carriers")
        .respond_with(json_value(200, json!({"carriers": [{"code": "UPS"}]})))
        .with_priority(2)
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let t0 = Instant::now();
    let carriers = c.carriers().list().await.unwrap();
    assert_eq!(carriers[0].code, "UPS");
    assert!(
        t0.elapsed() >= Duration::from_millis(950),
        "waited only {:?}",
        t0.elapsed()
    );
    assert_eq!(c.call_counts().get("SH21"), Some(&2));
}

#[tokio::test]
async fn final_429_is_rate_limited_with_retry_after() {
    let s = server().await;
    call("POST", "/api/offers")
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&s)
        .await;
    let err = client(&s).offers().upsert(offer()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120)),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(429));
}

#[tokio::test]
async fn html_502_keeps_the_body() {
    let s = server().await;
    call("GET", "/api/account")
        .respond_with(
            ResponseTemplate::new(502).set_body_string("<html><h1>502 Bad Gateway</h1></html>"),
        )
        .expect(3)
        .mount(&s)
        .await;
    let err = client(&s).account().get().await.unwrap_err();
    match err {
        Error::Api {
            status,
            message,
            body,
            ..
        } => {
            assert_eq!(status, 502);
            assert_eq!(message, None);
            assert!(body.contains("Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn mirakl_error_body_is_parsed() {
    let s = server().await;
    call("PUT", "/api/orders/X/ship")
        .respond_with(json_value(
            400,
            json!({"status": 400, "message": "Order is not in the expected state"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let err = client(&s)
        .orders()
        .ship(&mirakl_api::MiraklOrderId::new("X").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message: Some(m), .. } if m == "Order is not in the expected state")
    );
    assert!(err.to_string().contains("expected state"));
}

#[tokio::test]
async fn bad_json_names_the_path() {
    let s = server().await;
    call("GET", "/api/shipping/logistic_classes")
        .respond_with(json_value(200, json!({"logistic_classes": [{"code": 5}]})))
        .expect(1)
        .mount(&s)
        .await;
    let err = client(&s).logistic_classes().list().await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "logistic_classes[0].code"),
        "{err:?}"
    );
}

#[tokio::test]
async fn key_is_redacted_in_debug_and_errors() {
    let s = server().await;
    call("GET", "/api/account")
        .respond_with(json_value(
            401,
            json!({"status": 401, "message": "Unauthorized"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let builder = Client::builder(s.uri()).api_key(KEY);
    assert!(!format!("{builder:?}").contains(KEY));
    let c = client(&s);
    assert!(!format!("{c:?}").contains(KEY));
    let err = c.account().get().await.unwrap_err();
    assert!(!format!("{err:?}").contains(KEY) && !err.to_string().contains(KEY));
    // A transport failure does not show it either.
    let dead = Client::builder("http://127.0.0.1:9")
        .api_key(KEY)
        .without_limiter()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = dead.account().get().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)));
    assert!(!format!("{err:?}").contains(KEY) && !err.to_string().contains(KEY));
}

#[tokio::test]
async fn no_shop_id_when_none() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/shipping/carriers"))
        .and(query_param_is_missing("shop_id"))
        .respond_with(json_value(200, json!({"carriers": []})))
        .expect(1)
        .mount(&s)
        .await;
    let c = Client::builder(s.uri())
        .api_key(KEY)
        .without_limiter()
        .build()
        .unwrap();
    assert!(c.carriers().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn builder_validates_url_and_key() {
    assert!(matches!(
        Client::builder("http://x.mirakl.net").api_key(KEY).build(),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        Client::builder("https://x.mirakl.net").build(),
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        Client::builder("https://x.mirakl.net")
            .api_key("  ")
            .build(),
        Err(Error::InvalidInput(_))
    ));
    let c = Client::builder("https://x.mirakl.net/")
        .api_key(KEY)
        .shop_id(Some(7))
        .build()
        .unwrap();
    assert_eq!(c.base_url().as_str(), "https://x.mirakl.net/");
    assert_eq!(c.shop_id(), Some(7));
}

#[tokio::test]
async fn raw_calls_reuse_auth_and_shop() {
    let s = server().await;
    call("GET", "/api/shipping/zones")
        .and(query_param("locale", "en_AU"))
        .respond_with(json_value(200, json!({"shipping_zones": [{"code": "AU"}]})))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s);
    let v: serde_json::Value = c
        .raw(mirakl_api::client::Method::GET, "/api/shipping/zones")
        .query("locale", "en_AU")
        .operation("SH11")
        .send_json()
        .await
        .unwrap();
    assert_eq!(v["shipping_zones"][0]["code"], "AU");
    assert_eq!(c.call_counts().get("SH11"), Some(&1));
}

#[tokio::test]
async fn unexpected_requests_fail_loudly() {
    let s = server().await;
    let err = client(&s).carriers().list().await.unwrap_err();
    assert_eq!(err.status(), Some(599));
    let verified = tokio::spawn(async move { s.verify().await });
    assert!(
        verified.await.unwrap_err().is_panic(),
        "the catch-all must fail verification"
    );
}

#[test]
fn client_and_error_are_send_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Client>();
    check::<Error>();
    check::<mirakl_api::client::OrderListRequest>();
}

#[test]
fn list_builders_describe_the_request_without_a_server() {
    let c = Client::builder("https://x.mirakl.net")
        .api_key(KEY)
        .build()
        .unwrap();
    let spec = c
        .orders()
        .list()
        .states([mirakl_api::orders::OrderState::Shipping])
        .max(50)
        .request(100)
        .unwrap();
    assert_eq!(spec.operation, Some("OR11"));
    assert_eq!(spec.path, "api/orders");
    let q: Vec<(&str, &str)> = spec
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert!(q.contains(&("order_state_codes", "SHIPPING")));
    assert!(q.contains(&("max", "50")));
    assert!(q.contains(&("offset", "100")));
    let spec = c.offers().imports().limit(10).request(Some("tok")).unwrap();
    assert_eq!(spec.operation, Some("OF04"));
    assert!(
        spec.query
            .contains(&("page_token".to_owned(), "tok".to_owned()))
    );
}

#[tokio::test]
async fn limiter_spaces_listing_passes_not_the_pages_of_one_pass() {
    use futures::TryStreamExt;
    let s = server().await;
    let order = |n: u32| {
        json!({"order_id": format!("O-{n}"), "order_state": "SHIPPING",
               "created_date": "2024-05-01T10:00:00Z",
               "last_updated_date": "2024-05-01T10:00:00Z", "order_lines": []})
    };
    for (offset, ids, times) in [("0", vec![1, 2], 2), ("2", vec![3], 2)] {
        call("GET", "/api/orders")
            .and(query_param("offset", offset))
            .respond_with(json_value(
                200,
                json!({"total_count": 3, "orders": ids.iter().map(|n| order(*n)).collect::<Vec<_>>()}),
            ))
            .expect(times)
            .mount(&s)
            .await;
    }
    let window = Duration::from_millis(600);
    let c = limited(
        &s,
        CallLimiter::new(CallCeilings::none().with("OR11", window)),
    );
    let t0 = Instant::now();
    let first: Vec<_> = c
        .orders()
        .list()
        .max(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let one_pass = t0.elapsed();
    assert_eq!(first.len(), 3);
    assert!(
        one_pass < window,
        "pages of one pass must not wait ({one_pass:?})"
    );
    let second: Vec<_> = c
        .orders()
        .list()
        .max(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(second.len(), 3);
    assert!(
        t0.elapsed() >= window,
        "a second pass inside the window must wait"
    );
    assert_eq!(c.call_counts().get("OR11"), Some(&4));
}

/// The builder keeps one shared `ClientSettings`: its base-URL override replaces the
/// instance URL, and its user agent reaches the wire.
#[tokio::test]
async fn shared_settings_override_base_url_and_user_agent() {
    let s = server().await;
    call("GET", "/api/version")
        .and(wiremock::matchers::header("user-agent", "settings-test/1"))
        .respond_with(json_value(200, json!({"version": "3.210.0"})))
        .expect(1)
        .mount(&s)
        .await;
    let mut settings = mirakl_api::client::ClientSettings::new("settings-test/1");
    settings.set_base_url(&s.uri()).unwrap();
    settings.retry = RetryPolicy::fast(1);
    let c = Client::builder("https://unused.mirakl.net")
        .api_key(KEY)
        .shop_id(Some(SHOP))
        .without_limiter()
        .settings(settings)
        .build()
        .unwrap();
    assert_eq!(c.base_url().as_str(), format!("{}/", s.uri()));
    c.raw(mirakl_api::client::Method::GET, "/api/version")
        .send()
        .await
        .unwrap();
}
