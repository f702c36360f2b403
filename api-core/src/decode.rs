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

/// The first [`SNIPPET_CHARS`] characters of `body` (lossy UTF-8).
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(SNIPPET_CHARS).collect()
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

/// Decodes `body` as JSON `T`; on failure names the JSON path (via `serde_path_to_error`).
///
/// # Errors
/// [`DecodeFailure`] with the path, serde's message and the start of the body.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeFailure> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        DecodeFailure {
            path,
            message: e.into_inner().to_string(),
            snippet: snippet(body),
        }
    })
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
    fn names_the_path() {
        let err = json::<Outer>(br#"{"data":[{"id":1},{"id":"x"}]}"#).unwrap_err();
        assert_eq!(err.path, "data[1].id");
        assert!(err.to_string().contains("data[1].id"));
        assert!(err.snippet.starts_with("{\"data\""));
    }
}
