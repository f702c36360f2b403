//! JSON decoding that names the failing path.

use serde::de::DeserializeOwned;

/// How many characters of a body an error keeps.
pub const SNIPPET_CHARS: usize = 512;

/// A body that did not decode as the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode response at `{path}`: {message} (body starts: {snippet:?})")]
pub struct DecodeFailure {
    /// JSON path of the failing value, such as `data[3].price`.
    pub path: String,
    /// What serde said.
    pub message: String,
    /// The start of the body, for diagnosis.
    pub snippet: String,
}

/// The first [`SNIPPET_CHARS`] characters of `body` (lossy UTF-8), with secrets scrubbed.
///
/// When the body is JSON, every value under a key that names a secret (see
/// [`is_secret_key`]) and every value of a `headers` object (webhook custom headers carry
/// shared secrets) is replaced by `"[REDACTED]"` before the text is cut, so an error message
/// or a log line built from the snippet never repeats a secret the server echoed.
pub fn snippet(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            scrub(&mut v, false);
            v.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    text.chars().take(SNIPPET_CHARS).collect()
}

/// Whether a JSON key names a secret: it contains `secret`, `token`, `password`,
/// `authorization`, `api_key`/`apikey` or `signature` (case-insensitive).
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "secret",
        "token",
        "password",
        "authorization",
        "api_key",
        "apikey",
        "signature",
    ]
    .iter()
    .any(|s| k.contains(s))
}

fn scrub(v: &mut serde_json::Value, redact_all: bool) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                let secret = redact_all || is_secret_key(k);
                let headers = k.eq_ignore_ascii_case("headers");
                if secret && !val.is_object() && !val.is_array() && !val.is_null() {
                    *val = serde_json::Value::String("[REDACTED]".to_owned());
                } else {
                    scrub(val, secret || headers);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| scrub(i, redact_all)),
        other => {
            if redact_all && !other.is_null() {
                *other = serde_json::Value::String("[REDACTED]".to_owned());
            }
        }
    }
}

/// How many characters of an error body an API error keeps.
pub const ERROR_BODY_CHARS: usize = 4_096;

/// The body of an error answer as text: lossy UTF-8, at most [`ERROR_BODY_CHARS`]
/// characters.
pub fn error_body(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(ERROR_BODY_CHARS)
        .collect()
}

/// A one-line summary of an error body that did not carry a structured message: the
/// `<title>` of an HTML page (a proxy's 502), else the first 200 characters with
/// whitespace collapsed, else `reason` (the status's reason phrase), else `"no body"`.
pub fn error_summary(text: &str, reason: Option<&str>) -> String {
    let lower = text.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>"))
        && a + 7 <= b
        && text.is_char_boundary(a + 7)
        && text.is_char_boundary(b)
        && !text[a + 7..b].trim().is_empty()
    {
        return text[a + 7..b].trim().to_owned();
    }
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        reason.unwrap_or("no body").to_owned()
    } else {
        t.chars().take(200).collect()
    }
}

/// Decodes `body` as JSON `T`; on failure names the JSON path.
///
/// The hot path is plain `serde_json`; only when it fails is the body decoded a second time
/// through `serde_path_to_error` to name the failing path (the path tracker roughly doubles
/// the cost of a decode, so it is never paid on success).
///
/// # Errors
/// [`DecodeFailure`] with the path, serde's message and the start of the body.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeFailure> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(plain) => Err(explain::<T>(body, plain)),
    }
}

/// The failure of decoding `body` as `T`, with the JSON path found by a second, tracked pass.
#[cold]
fn explain<T: DeserializeOwned>(body: &[u8], plain: serde_json::Error) -> DecodeFailure {
    let de = &mut serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Err(e) => DecodeFailure {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
            snippet: snippet(body),
        },
        // The tracked pass cannot disagree with the plain one; should it, keep serde's word.
        Ok(_) => DecodeFailure {
            path: ".".to_owned(),
            message: plain.to_string(),
            snippet: snippet(body),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        data: Vec<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        id: u64,
    }

    #[test]
    fn error_bodies_summarise() {
        let html = "<html><head><TITLE> 502 Bad Gateway </TITLE></head><body>nginx</body></html>";
        assert_eq!(error_summary(html, Some("Bad Gateway")), "502 Bad Gateway");
        assert_eq!(error_summary("  oops \n  broke ", None), "oops broke");
        assert_eq!(error_summary("", Some("Bad Gateway")), "Bad Gateway");
        assert_eq!(error_summary(" ", None), "no body");
        assert_eq!(error_summary(&"x".repeat(500), None).len(), 200);
        // Non-ASCII before the title never splits a character.
        assert_eq!(error_summary("é<title>t</title>", None), "t");
        let long = "é".repeat(ERROR_BODY_CHARS + 10);
        assert_eq!(
            error_body(long.as_bytes()).chars().count(),
            ERROR_BODY_CHARS
        );
        assert_eq!(error_body(b"\xff ok"), "\u{fffd} ok");
    }

    #[test]
    fn snippets_never_repeat_secrets() {
        let body = br#"{"data":[{"id":"x","destination":"https://h/x","headers":{"X-Sync-Secret":"s3cr3t-hook"},"client_secret":"cs-123","access_token":"tok-9","nested":{"api_key":42}}]}"#;
        let err = json::<Outer>(body).unwrap_err();
        for secret in ["s3cr3t-hook", "cs-123", "tok-9", "42"] {
            assert!(!err.snippet.contains(secret), "{}", err.snippet);
            assert!(!err.to_string().contains(secret));
        }
        assert!(err.snippet.contains("https://h/x"));
        assert!(err.snippet.contains("[REDACTED]"));
        // Non-JSON bodies (an HTML error page) are kept as text.
        assert_eq!(snippet(b"<html>502</html>"), "<html>502</html>");
        assert!(is_secret_key("X-Auth-Token") && !is_secret_key("sku"));
    }

    #[test]
    fn names_the_path() {
        let err = json::<Outer>(br#"{"data":[{"id":1},{"id":"x"}]}"#).unwrap_err();
        assert_eq!(err.path, "data[1].id");
        assert!(err.to_string().contains("data[1].id"));
        assert!(err.snippet.starts_with("{\"data\""));
    }
}
