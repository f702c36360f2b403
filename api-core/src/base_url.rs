//! Validation of the base URL a client talks to.

use url::Url;

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// The text is not a URL.
    #[error("base URL {url:?} is not a valid URL: {reason}")]
    Invalid {
        /// The text given.
        url: String,
        /// What the URL parser said.
        reason: String,
    },
    /// Plain `http` to a host other than loopback would send credentials in clear text.
    #[error("base URL {url:?} must use https (plain http is only allowed on loopback hosts)")]
    NotHttps {
        /// The text given.
        url: String,
    },
    /// The URL carries a query string or fragment, which would corrupt every request path.
    #[error("base URL {url:?} must not carry a query string or fragment")]
    HasQuery {
        /// The text given.
        url: String,
    },
    /// The URL carries a user name or password: credentials belong in the client's
    /// secret settings, where they are redacted, not in a URL that ends up in logs.
    #[error("base URL {url:?} must not carry a user name or password")]
    HasCredentials {
        /// The text given.
        url: String,
    },
}

/// The text of a URL fit for errors and logs: any user info is replaced by `[REDACTED]@`
/// and anything from the first `?` or `#` on by `?[REDACTED]`, so a key a caller put in a
/// URL by mistake is never echoed. Works on text that does not parse as a URL too.
pub fn redact_url_text(text: &str) -> String {
    let text = text.trim();
    let (head, cut) = match text.find(['?', '#']) {
        Some(i) => (&text[..i], true),
        None => (text, false),
    };
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    let authority_end = head[authority_start..]
        .find('/')
        .map_or(head.len(), |i| authority_start + i);
    let mut out = match head[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}[REDACTED]@{}",
            &head[..authority_start],
            &head[authority_start + at + 1..]
        ),
        None => head.to_owned(),
    };
    if cut {
        out.push_str("?[REDACTED]");
    }
    out
}

/// Whether `url` points at a loopback host (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses and checks a base URL: `https`, or `http` on loopback only; no query, fragment
/// or user info. Errors show the URL through [`redact_url_text`]. The returned URL always ends with `/`, so relative paths join under it.
///
/// # Errors
/// [`BaseUrlError`] naming the URL and what is wrong with it.
pub fn parse_base_url(text: &str) -> Result<Url, BaseUrlError> {
    let shown = || redact_url_text(text);
    let mut url = Url::parse(text.trim()).map_err(|e| BaseUrlError::Invalid {
        url: shown(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => return Err(BaseUrlError::NotHttps { url: shown() }),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::HasQuery { url: shown() });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BaseUrlError::HasCredentials { url: shown() });
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        assert_eq!(
            parse_base_url("https://x.mirakl.net/api").unwrap().as_str(),
            "https://x.mirakl.net/api/"
        );
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("http://localhost:1/").is_ok());
        assert!(parse_base_url("http://[::1]:1/").is_ok());
    }

    #[test]
    fn refuses_clear_text_and_junk() {
        assert!(matches!(
            parse_base_url("http://api.bigcommerce.com/"),
            Err(BaseUrlError::NotHttps { .. })
        ));
        assert!(matches!(
            parse_base_url("not a url"),
            Err(BaseUrlError::Invalid { .. })
        ));
        assert!(matches!(
            parse_base_url("https://a.b/?x=1"),
            Err(BaseUrlError::HasQuery { .. })
        ));
        assert!(matches!(
            parse_base_url("ftp://a.b/"),
            Err(BaseUrlError::NotHttps { .. })
        ));
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_never_echoed() {
        let e = parse_base_url("https://shop:s3cr3t@x.mirakl.net/").unwrap_err();
        assert!(matches!(e, BaseUrlError::HasCredentials { .. }));
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        assert!(e.to_string().contains("x.mirakl.net"), "{e}");
        let e = parse_base_url("https://x.mirakl.net/?api_key=s3cr3t").unwrap_err();
        assert!(matches!(e, BaseUrlError::HasQuery { .. }));
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let e = parse_base_url("http://x.mirakl.net/?api_key=s3cr3t").unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let e = parse_base_url("https://user:s3cr3t@[bad/?k=s3cr3t").unwrap_err();
        assert!(matches!(e, BaseUrlError::Invalid { .. }));
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    #[test]
    fn redacted_url_text() {
        assert_eq!(
            redact_url_text("https://a:b@h.com:8/p?q=1#f"),
            "https://[REDACTED]@h.com:8/p?[REDACTED]"
        );
        assert_eq!(
            redact_url_text("https://h.com/p/x@y"),
            "https://h.com/p/x@y"
        );
        assert_eq!(redact_url_text("h.com#frag"), "h.com?[REDACTED]");
    }
}
