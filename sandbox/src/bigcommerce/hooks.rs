//! Webhooks v3 management and callback delivery.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::model::{Event, Hook};
use super::wire::{ApiError, ApiResult, Query, decode, now, v3_page, v3_single};

/// One callback delivery, as recorded by the sandbox.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    /// The hook.
    pub hook_id: u64,
    /// Event scope.
    pub scope: String,
    /// Where it went.
    pub destination: String,
    /// The JSON body sent.
    pub payload: Value,
    /// Attempts made.
    pub attempts: u32,
    /// Whether a 2xx answer was received.
    pub delivered: bool,
    /// Last HTTP status received, if any.
    pub last_status: Option<u16>,
}

fn hook_json(app: &App, h: &Hook) -> Value {
    json!({
        "id": h.id,
        "client_id": app.config().client_id,
        "store_hash": app.config().store_hash,
        "created_at": h.created_at,
        "updated_at": h.updated_at,
        "scope": h.scope,
        "destination": h.destination,
        "is_active": h.is_active,
        "events_history_enabled": false,
        "headers": if h.headers.is_empty() { Value::Null } else { json!(h.headers) },
    })
}

/// Checks a destination: `https` on port 443 as on the real API, or any `http(s)` URL on a
/// loopback host (allowed in the sandbox only).
fn check_destination(destination: &str) -> Result<(), ApiError> {
    let invalid = || {
        ApiError::v3_fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request is not valid.",
            json!({"destination": "destination must be an HTTPS URL on port 443"}),
        )
    };
    let url = url::Url::parse(destination).map_err(|_| invalid())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let ok = match url.scheme() {
        "https" => loopback || url.port().is_none_or(|p| p == 443),
        "http" => loopback,
        _ => false,
    };
    if ok { Ok(()) } else { Err(invalid()) }
}

/// `GET /v3/hooks`.
pub async fn list(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let active = q.get("is_active").map(|v| v == "true" || v == "1");
    let scope = q.get("scope").map(str::to_owned);
    let destination = q.get("destination").map(str::to_owned);
    let store = app.store();
    let items = store
        .hooks
        .values()
        .filter(|h| active.is_none_or(|a| h.is_active == a))
        .filter(|h| scope.as_deref().is_none_or(|s| h.scope == s))
        .filter(|h| destination.as_deref().is_none_or(|d| h.destination == d))
        .map(|h| hook_json(&app, h))
        .collect();
    v3_page(items, &q)
}

/// `GET /v3/hooks/{id}`.
pub async fn get(State(app): State<App>, Path((_, id)): Path<(String, u64)>) -> ApiResult {
    let store = app.store();
    let h = store.hooks.get(&id).ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(hook_json(&app, h)))
}

/// Hook create/update body.
#[derive(Debug, Deserialize)]
pub struct HookInput {
    /// Scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// Destination.
    #[serde(default)]
    pub destination: Option<String>,
    /// Active.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// Custom headers.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
}

/// `POST /v3/hooks`.
pub async fn create(State(app): State<App>, body: Bytes) -> ApiResult {
    let input: HookInput = decode(&body)?;
    let (Some(scope), Some(destination)) = (input.scope, input.destination) else {
        return Err(ApiError::v3_fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request is not valid.",
            json!({"scope": "scope and destination are required fields"}),
        ));
    };
    check_destination(&destination)?;
    let mut store = app.store();
    if store
        .hooks
        .values()
        .any(|h| h.scope == scope && h.destination == destination)
    {
        return Err(ApiError::v3(
            StatusCode::UNPROCESSABLE_ENTITY,
            "A webhook with this scope and destination already exists",
        ));
    }
    let id = store.next("hook");
    let at = now().unix_timestamp();
    let hook = Hook {
        id,
        scope,
        destination,
        is_active: input.is_active.unwrap_or(true),
        headers: input.headers.unwrap_or_default(),
        created_at: at,
        updated_at: at,
    };
    let body = hook_json(&app, &hook);
    store.hooks.insert(id, hook);
    Ok(v3_single(body))
}

/// `PUT /v3/hooks/{id}`.
pub async fn update(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: HookInput = decode(&body)?;
    if let Some(d) = &input.destination {
        check_destination(d)?;
    }
    let mut store = app.store();
    let h = store
        .hooks
        .get_mut(&id)
        .ok_or_else(ApiError::v3_not_found)?;
    if let Some(v) = input.scope {
        h.scope = v;
    }
    if let Some(v) = input.destination {
        h.destination = v;
    }
    if let Some(v) = input.is_active {
        h.is_active = v;
    }
    if let Some(v) = input.headers {
        h.headers = v;
    }
    h.updated_at = now().unix_timestamp();
    let h = h.clone();
    Ok(v3_single(hook_json(&app, &h)))
}

/// `DELETE /v3/hooks/{id}` (answers the deleted hook).
pub async fn delete(State(app): State<App>, Path((_, id)): Path<(String, u64)>) -> ApiResult {
    let mut store = app.store();
    let h = store.hooks.remove(&id).ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(hook_json(&app, &h)))
}

/// The Standard Webhooks signature BigCommerce sends: `v1,` and the base64 HMAC-SHA256, keyed
/// with the client secret, of `"{id}.{timestamp}.{body}"`.
pub(crate) fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    use base64::Engine as _;
    use hmac::{KeyInit as _, Mac as _};
    type HmacSha256 = hmac::Hmac<sha2::Sha256>;
    let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// A 40-hex-digit identifier for a callback (the real `hash` is a SHA-1 hex digest).
fn callback_hash(hook: u64, seq: u64, scope: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in scope.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let a = h ^ hook.rotate_left(17);
    let b = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ h;
    format!("{:016x}{:016x}{:08x}", a, b, (a ^ b) as u32)
}

impl App {
    /// Sends the callbacks for `events` to every active hook whose scope matches, in spawned
    /// tasks, retrying failed deliveries on the configured schedule and deactivating a hook
    /// whose retries are exhausted (as the real platform does).
    pub(crate) fn emit(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let hooks: Vec<Hook> = self
            .store()
            .hooks
            .values()
            .filter(|h| h.is_active)
            .cloned()
            .collect();
        if hooks.is_empty() {
            return;
        }
        let config = self.config();
        for event in events {
            for hook in hooks.iter().filter(|h| h.matches(&event.scope)) {
                let seq = self.next_delivery();
                let payload = json!({
                    "scope": event.scope,
                    "store_id": config.store_id.to_string(),
                    "data": event.data,
                    "hash": callback_hash(hook.id, seq, &event.scope),
                    "created_at": now().unix_timestamp(),
                    "producer": format!("stores/{}", config.store_hash),
                });
                let app = self.clone();
                let hook = hook.clone();
                let scope = event.scope.clone();
                self.runtime().spawn(async move {
                    app.deliver(hook, scope, payload).await;
                });
            }
        }
    }

    async fn deliver(&self, hook: Hook, scope: String, payload: Value) {
        let delays: Vec<Duration> = self.config().webhook_retry_delays.clone();
        let body = payload.to_string();
        let message_id = payload["hash"].as_str().unwrap_or_default().to_owned();
        let mut record = WebhookDelivery {
            hook_id: hook.id,
            scope,
            destination: hook.destination.clone(),
            payload,
            attempts: 0,
            delivered: false,
            last_status: None,
        };
        for attempt in 0..=delays.len() {
            if attempt > 0 {
                tokio::time::sleep(delays[attempt - 1]).await;
            }
            record.attempts += 1;
            let timestamp = now().unix_timestamp();
            let signature = sign(
                self.config().client_secret.expose().as_bytes(),
                &message_id,
                timestamp,
                body.as_bytes(),
            );
            let mut request = self
                .http()
                .post(&hook.destination)
                .header("content-type", "application/json")
                .header("webhook-id", &message_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body.clone());
            for (name, value) in &hook.headers {
                request = request.header(name, value);
            }
            match request.send().await {
                Ok(response) => {
                    record.last_status = Some(response.status().as_u16());
                    if response.status().is_success() {
                        record.delivered = true;
                        break;
                    }
                }
                Err(error) => {
                    tracing::debug!(hook = hook.id, %error, "webhook delivery failed");
                }
            }
        }
        // Deactivate first: recording ends the in-flight count that `settle_webhooks` waits on.
        if !record.delivered
            && let Some(h) = self.store().hooks.get_mut(&hook.id)
        {
            h.is_active = false;
        }
        self.record_delivery(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The worked example of the Standard Webhooks specification (secret
        // `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`, the key being the base64-decoded part).
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn callback_hashes_are_40_hex_digits_and_differ() {
        let a = callback_hash(1, 1, "store/order/created");
        let b = callback_hash(1, 2, "store/order/created");
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn destinations_follow_the_real_rules_plus_loopback() {
        assert!(check_destination("https://example.com/hooks").is_ok());
        assert!(check_destination("https://example.com:443/hooks").is_ok());
        assert!(check_destination("http://127.0.0.1:9000/hooks").is_ok());
        assert!(check_destination("http://localhost:9000/hooks").is_ok());
        assert!(check_destination("http://example.com/hooks").is_err());
        assert!(check_destination("https://example.com:8443/hooks").is_err());
        assert!(check_destination("ftp://127.0.0.1/hooks").is_err());
        assert!(check_destination("not a url").is_err());
    }
}
