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

/// Parses and checks a base URL: `https`, or `http` on loopback only; no query or
/// fragment. The returned URL always ends with `/`, so relative paths join under it.
///
/// # Errors
/// [`BaseUrlError`] naming the URL and what is wrong with it.
pub fn parse_base_url(text: &str) -> Result<Url, BaseUrlError> {
    let mut url = Url::parse(text.trim()).map_err(|e| BaseUrlError::Invalid {
        url: text.to_owned(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        _ => {
            return Err(BaseUrlError::NotHttps {
                url: text.to_owned(),
            });
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::HasQuery {
            url: text.to_owned(),
        });
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
}
