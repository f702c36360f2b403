//! Secrets that never show up in `Debug` output, logs or error messages.

use std::fmt;

/// A secret string (access token, API key, client secret).
///
/// `Debug` prints `Secret([REDACTED])`; there is deliberately no `Display`. Read the value
/// with [`Secret::expose`] only where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares with `other` in time independent of where the first difference is.
    pub fn constant_time_eq(&self, other: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), other.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Byte comparison whose running time does not depend on where the inputs differ
/// (only on their lengths), for checking shared secrets such as webhook headers.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    if a.len() != b.len() {
        return false;
    }
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let s = Secret::new("abc123token");
        let shown = format!("{s:?} {:#?}", s);
        assert!(!shown.contains("abc123token"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn compares() {
        let s = Secret::new("hunter2");
        assert!(s.constant_time_eq("hunter2"));
        assert!(!s.constant_time_eq("hunter3"));
        assert!(!s.constant_time_eq("hunter22"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
