//! Helpers shared by the BigCommerce stand-in tests: a started sandbox and a thin HTTP caller
//! that sends the store's token. Responses are decoded with the `bigcommerce-api` models, so a
//! shape the client cannot read fails the test.
#![allow(dead_code)]

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sync_sandbox::BigCommerceSandbox;
use sync_sandbox::bigcommerce::{BigCommerceConfig, RateLimitConfig};

/// A sandbox plus a caller.
pub struct Bc {
    pub sandbox: BigCommerceSandbox,
    pub http: reqwest::Client,
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn decode<T: DeserializeOwned>(&self) -> T {
        let de = &mut serde_json::Deserializer::from_str(&self.body);
        serde_path_to_error::deserialize(de)
            .unwrap_or_else(|e| panic!("decode failed at {}: {}: {}", e.path(), e, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A config without rate-limit pressure and with fast webhook retries.
pub fn config() -> BigCommerceConfig {
    BigCommerceConfig {
        rate_limit: RateLimitConfig::unlimited(),
        webhook_retry_delays: vec![
            std::time::Duration::from_millis(20),
            std::time::Duration::from_millis(50),
        ],
        ..BigCommerceConfig::default()
    }
}

impl Bc {
    pub async fn start() -> Bc {
        Bc::with(config()).await
    }

    pub async fn with(config: BigCommerceConfig) -> Bc {
        let sandbox = BigCommerceSandbox::start(config)
            .await
            .expect("sandbox starts");
        Bc {
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    /// `path` is relative to `stores/{hash}/`, e.g. `v3/catalog/products?limit=5`.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.call_with_token(method, path, body, Some(self.sandbox.access_token()))
            .await
    }

    pub async fn call_with_token(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Answer {
        let url = format!("{}{}", self.sandbox.api_url(), path);
        let mut request = self
            .http
            .request(method, &url)
            .header("accept", "application/json");
        if let Some(token) = token {
            request = request.header("x-auth-token", token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body read");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }
}
