//! Tracing of calls. Alone in its binary: `tracing` caches per-callsite interest
//! process-wide, so tests running in parallel with another subscriber state would race.

use bc_mirakl_api_core::retry::RetryPolicy;
use bc_mirakl_api_core::transport::{Method, RequestSpec, Transport, TransportConfig};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Collects what a `tracing` subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn calls_are_traced_with_template_and_status_but_no_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/orders/42"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orders/42"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let base = bc_mirakl_api_core::base_url::parse_base_url(&server.uri()).unwrap();
    let mut cfg = TransportConfig::new(base, "t");
    cfg.retry = RetryPolicy::fast(2);
    let mut secret = bc_mirakl_api_core::transport::HeaderValue::from_static("key-SECRET-123");
    secret.set_sensitive(true);
    cfg.default_headers.insert("authorization", secret);
    let t = Transport::new(cfg).unwrap();
    let spec = RequestSpec::new(Method::GET, "/orders/{id}", "orders/42")
        .operation("OR11")
        .query("customer_email", "someone@example.com");
    assert_eq!(t.execute(&spec).await.unwrap().status.as_u16(), 200);
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("api_call"), "{text}");
    assert!(text.contains("/orders/{id}"), "{text}");
    assert!(text.contains("OR11"), "{text}");
    assert!(text.contains("retrying"), "{text}");
    assert!(text.contains("status=503"), "{text}");
    assert!(!text.contains("key-SECRET-123"), "{text}");
    assert!(!text.contains("someone@example.com"), "{text}");
    assert!(!text.contains("orders/42"), "{text}");
}
