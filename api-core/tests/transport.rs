//! Transport behaviour against a wiremock server on loopback: retries, waits, counts, bodies.

use bc_mirakl_api_core::retry::RetryPolicy;
use bc_mirakl_api_core::transport::{
    Body, Method, Pacer, Part, RawResponse, RequestSpec, SendError, Transport, TransportConfig,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn transport(server: &MockServer, retry: RetryPolicy) -> Transport {
    let base = bc_mirakl_api_core::base_url::parse_base_url(&server.uri()).unwrap();
    let mut cfg = TransportConfig::new(base, "api-core-tests/1");
    cfg.retry = retry;
    Transport::new(cfg).unwrap()
}

#[tokio::test]
async fn retries_429_after_the_wait_it_asks_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/offers"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0.2"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/offers"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"import_id\":1}"))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::fast(2));
    let started = Instant::now();
    let spec = RequestSpec::new(Method::POST, "/api/offers", "api/offers")
        .operation("OF24")
        .json(&serde_json::json!({"offers": []}))
        .unwrap();
    let resp = t.execute(&spec).await.unwrap();
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.attempts, 2);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(t.call_counts().get("OF24"), Some(&2));
}

#[tokio::test]
async fn a_wait_longer_than_the_policy_allows_returns_the_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("X-Rate-Limit-Time-Reset-Ms", "600000"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::fast(3));
    let resp = t
        .execute(&RequestSpec::new(Method::GET, "/x", "x"))
        .await
        .unwrap();
    assert_eq!(resp.status.as_u16(), 429);
    assert_eq!(resp.retry_after(), Some(Duration::from_secs(600)));
}

#[tokio::test]
async fn server_errors_retry_only_idempotent_calls() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(502).set_body_string("<html><body>Bad Gateway</body></html>"),
        )
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::fast(2));
    let resp = t
        .execute(&RequestSpec::new(Method::GET, "/v", "v"))
        .await
        .unwrap();
    assert_eq!(resp.status.as_u16(), 502);
    assert_eq!(resp.attempts, 3);
    assert!(resp.text().contains("Bad Gateway"));
    let resp = t
        .execute(&RequestSpec::new(Method::POST, "/v", "v"))
        .await
        .unwrap();
    assert_eq!(resp.status.as_u16(), 500);
    assert_eq!(resp.attempts, 1);
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::fast(1));
    let spec = RequestSpec::new(Method::POST, "/v", "v").idempotent(true);
    assert_eq!(t.execute(&spec).await.unwrap().status.as_u16(), 201);
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_post_then_reported() {
    // Bind then drop a listener so the port is (very likely) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base =
        bc_mirakl_api_core::base_url::parse_base_url(&format!("http://127.0.0.1:{port}/")).unwrap();
    let mut cfg = TransportConfig::new(base, "t");
    cfg.retry = RetryPolicy::fast(2);
    let t = Transport::new(cfg).unwrap();
    let err = t
        .execute(&RequestSpec::new(Method::POST, "/x", "x"))
        .await
        .unwrap_err();
    match err {
        SendError::Transport { attempts, .. } => assert_eq!(attempts, 3),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(t.call_counts().get("POST /x"), Some(&3));
}

#[tokio::test]
async fn empty_post_sends_content_length_zero_and_multipart_survives_a_retry() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/orders/1/ship"))
        .and(header("content-length", "0"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/offers/imports"))
        .and(body_string_contains("sku;price"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/offers/imports"))
        .and(body_string_contains("sku;price"))
        .and(body_string_contains("name=\"import_mode\""))
        .respond_with(ResponseTemplate::new(201).set_body_string("{\"import_id\":7}"))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::fast(2));
    let ship = RequestSpec::new(Method::PUT, "/api/orders/{id}/ship", "/api/orders/1/ship");
    assert_eq!(t.execute(&ship).await.unwrap().status.as_u16(), 204);
    let import = RequestSpec::new(Method::POST, "/api/offers/imports", "api/offers/imports")
        .idempotent(true)
        .body(Body::Multipart(vec![
            Part::file("file", "offers.csv", "text/csv", "sku;price\nA;1\n"),
            Part::text("import_mode", "NORMAL"),
        ]));
    let resp = t.execute(&import).await.unwrap();
    assert_eq!(resp.status.as_u16(), 201);
    assert_eq!(resp.attempts, 2);
}

#[derive(Debug, Default)]
struct CountingPacer {
    before: AtomicU32,
    after: AtomicU32,
}

#[async_trait::async_trait]
impl Pacer for CountingPacer {
    async fn before_send(&self, _spec: &RequestSpec) {
        self.before.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    fn after_response(&self, _spec: &RequestSpec, response: &RawResponse) {
        assert!(response.status.as_u16() > 0);
        self.after.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_pacer_sees_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let pacer = Arc::new(CountingPacer::default());
    let base = bc_mirakl_api_core::base_url::parse_base_url(&server.uri()).unwrap();
    let mut cfg = TransportConfig::new(base, "t");
    cfg.retry = RetryPolicy::fast(2);
    cfg.pacer = Some(pacer.clone());
    let t = Transport::new(cfg).unwrap();
    let started = Instant::now();
    t.execute(&RequestSpec::new(Method::GET, "/p", "p"))
        .await
        .unwrap();
    assert_eq!(pacer.before.load(Ordering::SeqCst), 2);
    assert_eq!(pacer.after.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= Duration::from_millis(60));
}

#[tokio::test]
async fn query_parameters_and_headers_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/stores/abc/v3/catalog/products"))
        .and(wiremock::matchers::query_param("id:in", "1,2"))
        .and(header("x-test", "yes"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::none());
    let spec = RequestSpec::new(
        Method::GET,
        "/v3/catalog/products",
        "stores/abc/v3/catalog/products",
    )
    .query("id:in", "1,2")
    .query_opt("absent", None::<u32>)
    .header("x-test", "yes");
    assert_eq!(t.execute(&spec).await.unwrap().status.as_u16(), 200);
}

#[tokio::test]
async fn transport_errors_never_show_the_query() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base =
        bc_mirakl_api_core::base_url::parse_base_url(&format!("http://127.0.0.1:{port}/")).unwrap();
    let mut cfg = TransportConfig::new(base, "t");
    cfg.retry = RetryPolicy::fast(0);
    let t = Transport::new(cfg).unwrap();
    let spec = RequestSpec::new(Method::GET, "/x", "x").query("token", "s3cr3t-in-query");
    let err = t.execute(&spec).await.unwrap_err();
    let mut text = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        text.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert!(!text.contains("s3cr3t-in-query"), "{text}");
    assert!(text.contains("GET /x"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
}

#[test]
fn secret_header_values_are_sensitive_and_never_shown() {
    use bc_mirakl_api_core::secret::Secret;
    use bc_mirakl_api_core::transport::{HeaderMap, secret_header_value};
    let v = secret_header_value(&Secret::new(" tok-S3CRET ")).unwrap();
    assert!(v.is_sensitive());
    assert_eq!(v.to_str().unwrap(), "tok-S3CRET");
    let mut map = HeaderMap::new();
    map.insert("x-auth-token", v);
    assert!(!format!("{map:?}").contains("S3CRET"));
    assert!(secret_header_value(&Secret::new("bad\nvalue")).is_none());
}

#[tokio::test]
async fn a_path_naming_another_origin_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::fast(0));
    for path in ["https://attacker.example/steal", "http://127.0.0.2:1/x"] {
        let spec = RequestSpec::new(Method::GET, "raw", path);
        match t.execute(&spec).await {
            Err(SendError::Build { reason, .. }) => assert!(reason.contains("origin"), "{reason}"),
            other => panic!("{path}: {other:?}"),
        }
    }
    assert!(t.call_counts().is_empty());
}

/// Issue 11, defect 3: a server that echoes the credential (an error page quoting the request
/// header) must not put it into any body a client turns into an error or a log line.
#[tokio::test]
async fn error_bodies_never_carry_the_configured_secrets() {
    use bc_mirakl_api_core::secret::Secret;
    use bc_mirakl_api_core::transport::HeaderValue;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/catalog/products"))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            "<pre>Invalid credentials: x-auth-token=tok-live-0123456789 client=cs-9876543210</pre>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/echo"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("{\"headers\":\"tok-live-0123456789\"}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let base = bc_mirakl_api_core::base_url::parse_base_url(&server.uri()).unwrap();
    let mut cfg = TransportConfig::new(base, "api-core-tests/1");
    let mut token = HeaderValue::from_static("tok-live-0123456789");
    token.set_sensitive(true);
    cfg.default_headers.insert("x-auth-token", token);
    cfg.redactor.add(&Secret::new("cs-9876543210"));
    let t = Transport::new(cfg).unwrap();
    let resp = t
        .execute(&RequestSpec::new(
            Method::GET,
            "/v3/catalog/products",
            "v3/catalog/products",
        ))
        .await
        .unwrap();
    assert_eq!(resp.status.as_u16(), 401);
    let text = resp.text();
    assert!(!text.contains("tok-live-0123456789"), "{text}");
    assert!(!text.contains("cs-9876543210"), "{text}");
    assert_eq!(
        text,
        "<pre>Invalid credentials: x-auth-token=[REDACTED] client=[REDACTED]</pre>"
    );
    assert_eq!(t.redactor().redact("x tok-live-0123456789"), "x [REDACTED]");
    // A successful answer is data the caller asked for (a webhook's own headers): untouched.
    let ok = t
        .execute(&RequestSpec::new(Method::GET, "/v3/echo", "v3/echo"))
        .await
        .unwrap();
    assert!(ok.text().contains("tok-live-0123456789"));
}

/// Issue 13: responses are asked for gzip-compressed and decompressed transparently.
#[tokio::test]
async fn asks_for_gzip_and_decodes_it() {
    // `{"data":[{"id":1}],"compressed":true}` gzip-compressed (Python's gzip, mtime 0).
    const GZ: &[u8] = &[
        31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 171, 86, 74, 73, 44, 73, 84, 178, 138, 174, 86, 202, 76,
        81, 178, 50, 172, 141, 213, 81, 74, 206, 207, 45, 40, 74, 45, 46, 78, 5, 10, 148, 20, 149,
        166, 214, 2, 0, 89, 222, 128, 224, 37, 0, 0, 0,
    ];
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/catalog/products"))
        .and(header("accept-encoding", "gzip"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .insert_header("content-type", "application/json")
                .set_body_bytes(GZ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, RetryPolicy::fast(0));
    let resp = t
        .execute(&RequestSpec::new(
            Method::GET,
            "/v3/catalog/products",
            "v3/catalog/products",
        ))
        .await
        .unwrap();
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.text(), r#"{"data":[{"id":1}],"compressed":true}"#);
}

/// Records what a [`bc_mirakl_api_core::transport::CallObserver`] is told, in order.
#[derive(Debug, Default)]
struct RecordingObserver {
    seen: std::sync::Mutex<Vec<String>>,
}

impl bc_mirakl_api_core::transport::CallObserver for RecordingObserver {
    fn response(&self, spec: &RequestSpec, response: &RawResponse) {
        self.seen.lock().unwrap().push(format!(
            "response {} {} #{}",
            spec.count_key(),
            response.status.as_u16(),
            response.attempts
        ));
    }
    fn failure(&self, spec: &RequestSpec, attempt: u32, _error: &reqwest::Error) {
        self.seen
            .lock()
            .unwrap()
            .push(format!("failure {} #{attempt}", spec.count_key()));
    }
    fn retry(
        &self,
        spec: &RequestSpec,
        status: Option<bc_mirakl_api_core::transport::StatusCode>,
        _wait: Duration,
    ) {
        self.seen.lock().unwrap().push(format!(
            "retry {} {}",
            spec.count_key(),
            status.map_or(0, |s| s.as_u16())
        ));
    }
}

#[tokio::test]
async fn the_observer_sees_every_attempt_and_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let observer = Arc::new(RecordingObserver::default());
    let base = bc_mirakl_api_core::base_url::parse_base_url(&server.uri()).unwrap();
    let mut settings = bc_mirakl_api_core::settings::ClientSettings::new("api-core-tests/1");
    settings.retry = RetryPolicy::fast(2);
    settings.observer = Some(observer.clone());
    let t = Transport::new(settings.transport_config(base)).unwrap();
    let spec = RequestSpec::new(Method::GET, "/api/orders", "api/orders").operation("OR11");
    assert_eq!(t.execute(&spec).await.unwrap().status.as_u16(), 200);
    // nothing listens on a port that was just released: a connection failure, then its retry
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut cfg = TransportConfig::new(
        bc_mirakl_api_core::base_url::parse_base_url(&format!("http://{closed}")).unwrap(),
        "api-core-tests/1",
    );
    cfg.retry = RetryPolicy::fast(1);
    cfg.observer = Some(observer.clone());
    let down = Transport::new(cfg).unwrap();
    assert!(down.execute(&spec).await.is_err());
    assert_eq!(
        *observer.seen.lock().unwrap(),
        vec![
            "response OR11 429 #1",
            "retry OR11 429",
            "response OR11 200 #2",
            "failure OR11 #1",
            "retry OR11 0",
            "failure OR11 #2",
        ]
    );
}
