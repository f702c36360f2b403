//! The crate's error type.

use std::time::Duration;

/// Everything a call can fail with.
///
/// Per-item failures that Mirakl reports inside a successful answer (OR04
/// `updated_orders[].errors`, OF24/OF01 lines in the OF03 error report) are *data*, not
/// errors: see [`crate::orders::UpdatedOrder::errors`] and [`crate::imports::ImportOutcome`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Mirakl answered with a non-success status. Mirakl's `{status, message}` body is
    /// parsed when present; `body` always keeps the raw text (an HTML 502 page included).
    #[error("Mirakl API error {status}{}: {}", code.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default(), message.clone().unwrap_or_else(|| bc_mirakl_api_core::decode::error_summary(body, None)))]
    Api {
        /// HTTP status.
        status: u16,
        /// Symbolic error code when the body carries one (e.g. `ORDER_INVALID_STATE`).
        code: Option<String>,
        /// Mirakl's `message`, when the body is JSON.
        message: Option<String>,
        /// The raw body (lossy UTF-8, truncated to a few KiB).
        body: String,
    },
    /// Mirakl answered 429 and the retries allowed by the policy are used up (or the wait
    /// it asked for exceeds the policy's `max_retry_after`).
    #[error("rate limited by Mirakl{}", retry_after.map(|d| format!(", retry after {:.1}s", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        /// The wait Mirakl asked for (`Retry-After`), if any.
        retry_after: Option<Duration>,
    },
    /// A success answer whose body does not decode as the expected type.
    #[error("cannot decode Mirakl response at `{path}`: {message} (body starts: {body_snippet:?})")]
    Decode {
        /// JSON path of the failing value, e.g. `orders[0].order_lines[1].quantity`.
        path: String,
        /// What the decoder said.
        message: String,
        /// The start of the body.
        body_snippet: String,
    },
    /// No HTTP answer was obtained (connection, timeout), after the allowed retries.
    #[cfg(feature = "client")]
    #[error(transparent)]
    Transport(#[from] bc_mirakl_api_core::transport::SendError),
    /// The caller passed something Mirakl would refuse (too many ids, bad URL, empty key…),
    /// or a CSV file could not be written or read.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An asynchronous export (OF52) ended FAILED (OF53 `error`).
    #[error("export {tracking_id} failed{}{}", code.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default(), detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    ExportFailed {
        /// The tracking id OF52 returned.
        tracking_id: String,
        /// Mirakl's error code.
        code: Option<String>,
        /// Mirakl's explanation.
        detail: Option<String>,
    },
    /// An import did not reach a final status within the polling bound.
    #[error("import {import_id} still {last_status} after {polls} status polls")]
    ImportTimeout {
        /// The import id.
        import_id: String,
        /// The last status seen.
        last_status: String,
        /// How many status calls were made.
        polls: u32,
    },
}

impl From<bc_mirakl_api_core::decode::DecodeFailure> for Error {
    fn from(f: bc_mirakl_api_core::decode::DecodeFailure) -> Self {
        Error::Decode {
            path: f.path,
            message: f.message,
            body_snippet: f.snippet,
        }
    }
}

impl Error {
    /// The HTTP status for [`Error::Api`] (and 429 for [`Error::RateLimited`]).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether the error is a 404 from Mirakl.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Builds an [`Error::Api`] from a status and raw body, parsing Mirakl's
    /// `{status, message}` (and `code`, or the first `errors[].code`) when the body is JSON.
    /// Never fails: a non-JSON body is kept as text.
    pub fn from_api_response(status: u16, body: &[u8]) -> Self {
        let (message, code) = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => {
                let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
                let first_err = v
                    .get("errors")
                    .and_then(|e| e.as_array())
                    .and_then(|a| a.first());
                let err_s = |k: &str| {
                    first_err
                        .and_then(|e| e.get(k))
                        .and_then(|x| x.as_str())
                        .map(str::to_owned)
                };
                (
                    s("message").or_else(|| err_s("message")),
                    s("code").or_else(|| err_s("code")),
                )
            }
            Err(_) => (None, None),
        };
        Error::Api {
            status,
            code,
            message,
            body: bc_mirakl_api_core::decode::error_body(body),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_keeps_mirakl_body_and_html() {
        let e = Error::from_api_response(
            400,
            br#"{"status":400,"message":"Order is not in the expected state"}"#,
        );
        assert!(
            matches!(&e, Error::Api { status: 400, message: Some(m), .. } if m.contains("expected state"))
        );
        assert!(e.to_string().contains("expected state"));
        let e = Error::from_api_response(502, b"<html>Bad gateway</html>");
        // The Display of an HTML page still says something useful.
        assert!(e.to_string().contains("Bad gateway"), "{e}");
        let e2 = Error::from_api_response(
            502,
            b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
        );
        assert_eq!(e2.to_string(), "Mirakl API error 502: 502 Bad Gateway");
        match e {
            Error::Api {
                status,
                message,
                body,
                ..
            } => {
                assert_eq!(status, 502);
                assert!(message.is_none());
                assert!(body.contains("Bad gateway"));
            }
            other => panic!("{other:?}"),
        }
        let e = Error::from_api_response(
            400,
            br#"{"errors":[{"code":"ORDER_INVALID_STATE","message":"no"}]}"#,
        );
        assert!(matches!(e, Error::Api { code: Some(c), .. } if c == "ORDER_INVALID_STATE"));
    }
}
