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
    fn names_the_path() {
        let err = json::<Outer>(br#"{"data":[{"id":1},{"id":"x"}]}"#).unwrap_err();
        assert_eq!(err.path, "data[1].id");
        assert!(err.to_string().contains("data[1].id"));
        assert!(err.snippet.starts_with("{\"data\""));
    }
}
