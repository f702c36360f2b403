//! Shared test helpers: a wiremock server with a loud catch-all, and a client pointed at it.
#![allow(dead_code)]

use bigcommerce_api::{Client, Credentials, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const HASH: &str = "abc123";
pub const TOKEN: &str = "tok_Very_SECRET_0123456789";
pub const CLIENT_SECRET: &str = "cs_0f0e0d0c0b0a09080706050403020100";

/// A server whose unmatched requests answer 599 and fail the test when it is dropped.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599).set_body_string("UNEXPECTED REQUEST"))
        .with_priority(u8::MAX)
        .named("catch-all: no request should reach this")
        .expect(0)
        .mount(&server)
        .await;
    server
}

pub fn credentials() -> Credentials {
    Credentials::new(HASH, TOKEN)
        .unwrap()
        .with_client_secret(CLIENT_SECRET)
}

/// A client for `server`, fast retries, pacing on.
pub fn client(server: &MockServer) -> Client {
    Client::builder(credentials())
        .base_url(&server.uri())
        .unwrap()
        .retry_policy(RetryPolicy::fast(2))
        .build()
        .unwrap()
}

/// `/stores/{HASH}/{rest}`.
pub fn p(rest: &str) -> String {
    format!("/stores/{HASH}/{rest}")
}

pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn json(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}
