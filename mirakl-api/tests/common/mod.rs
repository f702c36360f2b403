//! Shared test set-up: a wiremock server with a loud catch-all, and a client for it.
#![allow(dead_code)]

use bc_mirakl_api_core::retry::RetryPolicy;
use mirakl_api::Client;
use std::path::PathBuf;
use wiremock::matchers::{any, header, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

pub const KEY: &str = "shop-key-5f1e-SECRET";
pub const SHOP: u64 = 2001;

/// A server whose unmatched requests fail the test when the server is dropped.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(599).set_body_string("unexpected request: no mock matched"),
        )
        .with_priority(u8::MAX)
        .expect(0)
        .named("catch-all: an unexpected request was sent")
        .mount(&server)
        .await;
    server
}

/// A client for `server` with shop 2001, no limiter, fast retries.
pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .api_key(KEY)
        .shop_id(Some(SHOP))
        .without_limiter()
        .retry_policy(RetryPolicy::fast(2))
        .build()
        .unwrap()
}

/// `method` + `path` + the key in `Authorization` + `shop_id=2001`.
pub fn call(method: &str, path: &str) -> MockBuilder {
    Mock::given(wiremock::matchers::method(method))
        .and(wiremock::matchers::path(path))
        .and(header("authorization", KEY))
        .and(query_param("shop_id", SHOP.to_string()))
}

/// A spec example from `tests/fixtures/spec/` (see INDEX.tsv for its JSON pointer).
pub fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn json(status: u16, body: Vec<u8>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "application/json")
}

pub fn json_value(status: u16, v: serde_json::Value) -> ResponseTemplate {
    json(status, serde_json::to_vec(&v).unwrap())
}
