//! The builder settings both clients share: timeouts, user agent, retry policy and an
//! optional base-URL override.
//!
//! Each client's `ClientBuilder` keeps one [`ClientSettings`] and forwards its setters to it,
//! so the defaults, the validation of the base URL and the hand-over to the transport are
//! written once.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::base_url::{BaseUrlError, parse_base_url};
use crate::retry::RetryPolicy;
use crate::transport::{CallObserver, TransportConfig};

/// Settings shared by the `bigcommerce-api` and `mirakl-api` client builders.
///
/// ```
/// use std::time::Duration;
/// use bc_mirakl_api_core::settings::ClientSettings;
///
/// let mut settings = ClientSettings::new("my-app/1.0");
/// settings.timeout = Duration::from_secs(5);
/// settings.set_base_url("http://127.0.0.1:8080").unwrap();
/// let config = settings.transport_config("https://api.example.com/".parse().unwrap());
/// assert_eq!(config.base_url.as_str(), "http://127.0.0.1:8080/");
/// assert_eq!(config.timeout, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientSettings {
    /// Whole-request timeout (default 30 s).
    pub timeout: Duration,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// `User-Agent` header sent on every call.
    pub user_agent: String,
    /// Retry policy for failed calls.
    pub retry: RetryPolicy,
    /// A base URL that replaces the client's default one (tests, the sandbox, a proxy).
    pub base_url: Option<Url>,
    /// How many pages of one listing a stream may fetch at once once it knows the page
    /// count (default 4; 1 walks the pages one after another). Every fetch still waits for
    /// the client's pacer, so this never pushes a store past its quota.
    pub pages_in_flight: usize,
    /// Sees every call's outcome (metrics, health checks); `None` by default.
    pub observer: Option<Arc<dyn CallObserver>>,
}

impl ClientSettings {
    /// Defaults (30 s timeout, 10 s connect timeout, the default retry policy, no base-URL
    /// override) with the given user agent.
    pub fn new(user_agent: impl Into<String>) -> Self {
        ClientSettings {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: user_agent.into(),
            retry: RetryPolicy::default(),
            base_url: None,
            pages_in_flight: 4,
            observer: None,
        }
    }

    /// Validates `url` (https, or http on loopback only; no query, fragment or user info)
    /// and makes it the base URL.
    ///
    /// # Errors
    /// [`BaseUrlError`] naming what is wrong with the URL; the settings are unchanged then.
    pub fn set_base_url(&mut self, url: &str) -> Result<(), BaseUrlError> {
        self.base_url = Some(parse_base_url(url)?);
        Ok(())
    }

    /// The base URL to use: the override if one was set, else `default`.
    pub fn base_url_or(&self, default: Url) -> Url {
        self.base_url.clone().unwrap_or(default)
    }

    /// Transport settings from these settings, with `default_base` used when no base URL was
    /// set. Auth headers and the pacer are the caller's to add.
    pub fn transport_config(&self, default_base: Url) -> TransportConfig {
        let mut config =
            TransportConfig::new(self.base_url_or(default_base), self.user_agent.clone());
        config.timeout = self.timeout;
        config.connect_timeout = self.connect_timeout;
        config.retry = self.retry.clone();
        config.observer = self.observer.clone();
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_override() {
        let settings = ClientSettings::new("ua");
        let config = settings.transport_config("https://a.example/".parse().unwrap());
        assert_eq!(config.base_url.as_str(), "https://a.example/");
        assert_eq!(config.timeout, Duration::from_secs(30));
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.user_agent, "ua");
    }

    #[test]
    fn bad_base_url_is_refused_and_leaves_settings_unchanged() {
        let mut settings = ClientSettings::new("ua");
        let err = settings
            .set_base_url("http://shop.example.com")
            .unwrap_err();
        assert!(matches!(err, BaseUrlError::NotHttps { .. }), "{err}");
        assert!(settings.base_url.is_none());
    }
}
