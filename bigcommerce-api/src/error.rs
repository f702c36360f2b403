//! The crate's error type.

use crate::credentials::CredentialsError;
use bc_mirakl_api_core::base_url::BaseUrlError;
use bc_mirakl_api_core::transport::{RawResponse, SendError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How many characters of an error body are kept.
pub const BODY_CHARS: usize = bc_mirakl_api_core::decode::ERROR_BODY_CHARS;

/// Everything a call can fail with. Never contains the access token or client secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// BigCommerce answered with a non-2xx status (other than 429 and verify's 401/403).
    #[error("BigCommerce API error {status}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The best human-readable message: v3 `title`, v2 `message`, or the start of the body.
        message: String,
        /// The parsed error body.
        details: Box<ApiErrorDetails>,
        /// The body as text (at most [`BODY_CHARS`] characters).
        body: String,
    },
    /// 429 after the retries the policy allows (or a wait longer than it accepts).
    #[error("BigCommerce rate limit hit; retry after {retry_after:?}")]
    RateLimited {
        /// The wait the server asked for, if it said.
        retry_after: Option<Duration>,
    },
    /// A 2xx body did not decode as the expected type.
    #[error(
        "cannot decode BigCommerce response at `{path}`: {message} (body starts: {body_snippet:?})"
    )]
    Decode {
        /// JSON path of the failing value, such as `data[3].price`.
        path: String,
        /// What serde said.
        message: String,
        /// The start of the body.
        body_snippet: String,
    },
    /// No HTTP response was obtained (connect error, timeout), after retries.
    #[error(transparent)]
    Transport(#[from] SendError),
    /// The request was refused before sending (bad argument, unserialisable body).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The token was refused (401/403 from `verify`): the access token is wrong or revoked,
    /// the store hash is wrong, or the API account lacks the scopes needed.
    #[error(
        "BigCommerce refused the credentials ({status}): check the access token, the store hash and the API account's scopes ({message})"
    )]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// A write BigCommerce only partly applied (207 Multi-Status), from
    /// [`Written::into_complete`](crate::Written::into_complete).
    #[error("BigCommerce applied the write only in part ({status}): {}", partial_summary(.failures))]
    PartialSuccess {
        /// The status (207).
        status: u16,
        /// The `errors` blocks BigCommerce returned.
        failures: Vec<V3Error>,
    },
    /// Credentials could not be built.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The base URL was refused.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

impl Error {
    /// The HTTP status of an [`Error::Api`] / [`Error::Unauthorized`] / [`Error::RateLimited`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Unauthorized { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether this is a 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Maps a non-2xx response to an error. Never fails: an unparsable body (an HTML 502
    /// page) still gives the status and the text.
    pub fn from_response(resp: &RawResponse) -> Error {
        let status = resp.status.as_u16();
        if status == 429 {
            return Error::RateLimited {
                retry_after: resp.retry_after(),
            };
        }
        let text = resp.text();
        let details = ApiErrorDetails::parse(&text);
        let message = details.message().map(str::to_owned).unwrap_or_else(|| {
            bc_mirakl_api_core::decode::error_summary(&text, resp.status.canonical_reason())
        });
        Error::Api {
            status,
            message,
            details: Box::new(details),
            body: bc_mirakl_api_core::decode::error_body(&resp.body),
        }
    }
}

fn partial_summary(failures: &[V3Error]) -> String {
    let parts: Vec<String> = failures
        .iter()
        .map(|f| {
            let mut s = f.title.clone().unwrap_or_default();
            for (k, v) in &f.errors {
                if !s.is_empty() {
                    s.push_str("; ");
                }
                match v.as_str() {
                    Some(t) => s.push_str(&format!("{k}: {t}")),
                    None => s.push_str(&format!("{k}: {v}")),
                }
            }
            s
        })
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        "no details given".to_owned()
    } else {
        parts.join(" | ")
    }
}

/// A parsed error body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiErrorDetails {
    /// v3 `{status, title, type, errors}` (also inventory `problem+json`).
    V3(V3Error),
    /// v2 `[{status, message, details}]`.
    V2(Vec<V2Error>),
    /// Variants batch `{"batch_errors": [...]}`.
    Batch(Vec<V3Error>),
    /// Not JSON, or JSON of another shape (kept in `body`).
    Unparsed,
}

impl ApiErrorDetails {
    /// Parses an error body.
    pub fn parse(text: &str) -> Self {
        #[derive(Deserialize)]
        struct BatchBody {
            batch_errors: Vec<V3Error>,
        }
        let t = text.trim_start();
        if t.starts_with('[') {
            if let Ok(v) = serde_json::from_str::<Vec<V2Error>>(t) {
                return ApiErrorDetails::V2(v);
            }
        } else if t.starts_with('{') {
            if let Ok(b) = serde_json::from_str::<BatchBody>(t) {
                return ApiErrorDetails::Batch(b.batch_errors);
            }
            if let Ok(v) = serde_json::from_str::<V3Error>(t)
                && (v.title.is_some() || !v.errors.is_empty() || v.status.is_some())
            {
                return ApiErrorDetails::V3(v);
            }
        }
        ApiErrorDetails::Unparsed
    }

    /// The main message, if the body had one.
    pub fn message(&self) -> Option<&str> {
        match self {
            ApiErrorDetails::V3(e) => e
                .title
                .as_deref()
                .filter(|t| !t.is_empty())
                .or_else(|| e.errors.values().find_map(|v| v.as_str())),
            ApiErrorDetails::V2(v) => v.first().and_then(|e| e.message.as_deref()),
            ApiErrorDetails::Batch(v) => v.first().and_then(|e| e.title.as_deref()),
            ApiErrorDetails::Unparsed => None,
        }
    }
}

/// A v3 error body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct V3Error {
    /// Status.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub status: Option<u64>,
    /// Title (the message).
    #[serde(default)]
    pub title: Option<String>,
    /// Type URL.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Instance.
    #[serde(default)]
    pub instance: Option<String>,
    /// Numeric error code some endpoints add.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_i64_lenient")]
    pub code: Option<i64>,
    /// Field errors, keyed by field (batch: `index.field`).
    #[serde(default, deserialize_with = "errors_map")]
    pub errors: BTreeMap<String, serde_json::Value>,
    /// In a batch error set, the identifiers of the item that failed (price-list records:
    /// `{price_list_id, variant_id, sku, currency}`, `price_lists.v3.yml`), as sent.
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

fn errors_map<'d, D: serde::Deserializer<'d>>(
    d: D,
) -> Result<BTreeMap<String, serde_json::Value>, D::Error> {
    // `errors` is usually an object; tolerate arrays and null.
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Object(m) => m.into_iter().collect(),
        serde_json::Value::Array(a) => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// One v2 error.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct V2Error {
    /// Status.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub status: Option<u64>,
    /// Message.
    #[serde(default)]
    pub message: Option<String>,
    /// Details (e.g. `{"max_limit": 250}`).
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
