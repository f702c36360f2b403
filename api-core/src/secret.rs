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

/// The text that replaces a secret value wherever [`Redactor`] finds one.
pub const REDACTED: &str = "[REDACTED]";

/// The shortest secret value [`Redactor`] looks for: shorter values (a test key such as
/// `"k"`) would mangle ordinary text and cannot be real credentials.
pub const MIN_REDACTED_LEN: usize = 6;

/// Replaces the configured secret values themselves (token, client secret, shop key,
/// webhook secret) wherever they appear in a text: an error page that quotes the request
/// header, a proxy's debug body, a log line.
///
/// Redacting by JSON key name ([`crate::decode::snippet`]) misses a secret that a server
/// echoes inside free text; this catches it by value. Cheap to clone.
///
/// ```
/// use bc_mirakl_api_core::secret::{Redactor, Secret};
/// let mut r = Redactor::default();
/// r.add(&Secret::new("tok-123456"));
/// assert_eq!(r.redact("Invalid credentials: x-auth-token=tok-123456"),
///            "Invalid credentials: x-auth-token=[REDACTED]");
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    values: Vec<std::sync::Arc<str>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.values.len())
    }
}

impl Redactor {
    /// Adds a secret to look for (ignored when shorter than [`MIN_REDACTED_LEN`]).
    pub fn add(&mut self, secret: &Secret) {
        self.add_value(secret.expose());
    }

    /// Adds a secret value given as text (an auth header's value).
    pub fn add_value(&mut self, value: &str) {
        let value = value.trim();
        if value.len() >= MIN_REDACTED_LEN && !self.values.iter().any(|v| &**v == value) {
            self.values.push(value.into());
            // Longest first, so a secret that contains another is replaced whole.
            self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// Adds every secret of `other`.
    pub fn extend(&mut self, other: &Redactor) {
        for v in &other.values {
            self.add_value(v);
        }
    }

    /// Whether no secret is configured.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every configured secret value replaced by [`REDACTED`]; borrowed when
    /// nothing was found.
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        let mut out = std::borrow::Cow::Borrowed(text);
        for v in &self.values {
            if out.contains(&**v) {
                out = std::borrow::Cow::Owned(out.replace(&**v, REDACTED));
            }
        }
        out
    }

    /// `bytes` with every configured secret value replaced by [`REDACTED`] (the bytes need
    /// not be UTF-8); `None` when nothing was found.
    pub fn redact_bytes(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut current: Option<Vec<u8>> = None;
        for v in &self.values {
            let needle = v.as_bytes();
            let hay = current.as_deref().unwrap_or(bytes);
            if !hay.windows(needle.len()).any(|w| w == needle) {
                continue;
            }
            let mut out = Vec::with_capacity(hay.len());
            let mut i = 0;
            while i < hay.len() {
                if hay[i..].starts_with(needle) {
                    out.extend_from_slice(REDACTED.as_bytes());
                    i += needle.len();
                } else {
                    out.push(hay[i]);
                    i += 1;
                }
            }
            current = Some(out);
        }
        current
    }
}

/// A [`std::io::Write`] that scrubs a [`Redactor`]'s secret values from everything written
/// through it before it reaches `inner`: wrap a program's log writer (or its stderr) in one
/// so that no log line or error text can carry a configured credential.
///
/// Text is passed on a whole line at a time (a secret split across two `write` calls is
/// still found); an unfinished last line goes out on [`flush`](std::io::Write::flush) or
/// when the writer is dropped.
///
/// ```
/// use std::io::Write as _;
/// use bc_mirakl_api_core::secret::{Redactor, RedactingWriter, Secret};
/// let mut r = Redactor::default();
/// r.add(&Secret::new("tok-123456"));
/// let mut out = Vec::new();
/// {
///     let mut w = RedactingWriter::new(r, &mut out);
///     write!(w, "echoed: x-auth-token=tok-")?;
///     writeln!(w, "123456")?;
/// }
/// assert_eq!(out, b"echoed: x-auth-token=[REDACTED]\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct RedactingWriter<W: std::io::Write> {
    redactor: Redactor,
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> fmt::Debug for RedactingWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactingWriter")
            .field("redactor", &self.redactor)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl<W: std::io::Write> RedactingWriter<W> {
    /// Scrubs `redactor`'s secrets from what is written to `inner`.
    pub fn new(redactor: Redactor, inner: W) -> Self {
        RedactingWriter {
            redactor,
            inner,
            pending: Vec::new(),
        }
    }

    /// Writes `bytes` to the inner writer, scrubbed.
    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self.redactor.redact_bytes(bytes) {
            Some(clean) => self.inner.write_all(&clean),
            None => self.inner.write_all(bytes),
        }
    }
}

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(end) = self.pending.iter().rposition(|b| *b == b'\n') {
            let rest = self.pending.split_off(end + 1);
            let lines = std::mem::replace(&mut self.pending, rest);
            self.emit(&lines)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let tail = std::mem::take(&mut self.pending);
            self.emit(&tail)?;
        }
        self.inner.flush()
    }
}

impl<W: std::io::Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        // An error here has nowhere to go; the text it would have carried is lost either way.
        let _ = std::io::Write::flush(self);
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
    fn redactor_replaces_values_wherever_they_appear() {
        let mut r = Redactor::default();
        r.add(&Secret::new("tok-abcdef"));
        r.add_value("shopkey-123456");
        r.add_value("short"); // too short to be a credential: ignored
        r.add_value("tok-abcdef"); // duplicates are kept once
        assert_eq!(format!("{r:?}"), "Redactor(2 secrets)");
        let text = "401 x-auth-token=tok-abcdef; Authorization: shopkey-123456 (tok-abcdef)";
        let out = r.redact(text);
        assert!(
            !out.contains("tok-abcdef") && !out.contains("shopkey-123456"),
            "{out}"
        );
        assert_eq!(out.matches(REDACTED).count(), 3);
        assert!(matches!(
            r.redact("nothing short here"),
            std::borrow::Cow::Borrowed(_)
        ));
        let bytes = b"\xff<pre>tok-abcdef</pre>";
        let red = r.redact_bytes(bytes).expect("found");
        assert_eq!(red, b"\xff<pre>[REDACTED]</pre>".to_vec());
        assert_eq!(r.redact_bytes(b"clean"), None);
    }

    #[test]
    fn redactor_prefers_the_longest_secret() {
        let mut r = Redactor::default();
        r.add_value("abcdef");
        r.add_value("abcdef-ghijkl");
        assert_eq!(r.redact("x abcdef-ghijkl y"), "x [REDACTED] y");
    }

    #[test]
    fn writer_scrubs_secrets_split_across_writes() {
        use std::io::Write as _;
        let mut r = Redactor::default();
        r.add_value("shopkey-123456");
        let mut out = Vec::new();
        {
            let mut w = RedactingWriter::new(r.clone(), &mut out);
            w.write_all(b"line one shopkey-").unwrap();
            w.write_all(b"123456 end\nsecond shopkey-123456").unwrap();
            // the unfinished line waits for the flush
            assert!(format!("{w:?}").contains("pending: 21"), "{w:?}");
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "line one [REDACTED] end\nsecond [REDACTED]"
        );
        let mut clean = Vec::new();
        RedactingWriter::new(r, &mut clean)
            .write_all(b"nothing secret\n")
            .unwrap();
        assert_eq!(clean, b"nothing secret\n");
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
