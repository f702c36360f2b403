//! Store-level API account credentials.

use bc_mirakl_api_core::secret::Secret;
use std::fmt;

/// The store hash: the path segment after `/stores/` in the API path
/// (`https://api.bigcommerce.com/stores/{hash}/v3/`). `Display` prints the hash.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct StoreHash(String);

impl TryFrom<String> for StoreHash {
    type Error = CredentialsError;
    fn try_from(s: String) -> Result<Self, CredentialsError> {
        StoreHash::new(s)
    }
}

impl From<StoreHash> for String {
    fn from(h: StoreHash) -> String {
        h.0
    }
}

impl StoreHash {
    /// Validates a store hash: non-empty, ASCII letters and digits only.
    ///
    /// # Errors
    /// [`CredentialsError::InvalidStoreHash`] when the text is empty or has other characters.
    pub fn new(hash: impl Into<String>) -> Result<Self, CredentialsError> {
        let hash = hash.into();
        let trimmed = hash.trim();
        if trimmed.is_empty() || !trimmed.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CredentialsError::InvalidStoreHash { hash });
        }
        Ok(StoreHash(trimmed.to_owned()))
    }

    /// The hash as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StoreHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StoreHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreHash({:?})", self.0)
    }
}

/// Why credentials could not be built. Never contains the access token or client secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// A required field is absent (from the `.txt` file or the environment).
    #[error("credentials are missing {field}")]
    Missing {
        /// What is missing, e.g. `ACCESS TOKEN` or `BIGCOMMERCE_STORE_HASH`.
        field: &'static str,
    },
    /// The API path has no `/stores/{hash}` segment.
    #[error(
        "API path {api_path:?} has no store hash (expected https://api.bigcommerce.com/stores/{{hash}}/v3/)"
    )]
    NoStoreHash {
        /// The API path given.
        api_path: String,
    },
    /// The store hash is empty or has characters other than letters and digits.
    #[error("store hash {hash:?} is not valid (letters and digits only)")]
    InvalidStoreHash {
        /// The text given.
        hash: String,
    },
    /// The access token is empty.
    #[error("the access token is empty")]
    EmptyToken,
}

/// What a client needs to call one store: the store hash and the access token, plus the
/// optional client id / client secret of the API account.
///
/// `Debug` redacts the access token and the client secret.
///
/// ```
/// use bigcommerce_api::Credentials;
/// let text = "ACCESS TOKEN: abc123\r\nCLIENT NAME: sync\r\nAPI PATH: https://api.bigcommerce.com/stores/s1x2y3/v3/\r\nCLIENT ID: cid\r\n";
/// let creds = Credentials::from_api_account_text(text)?;
/// assert_eq!(creds.store_hash().to_string(), "s1x2y3");
/// assert!(!format!("{creds:?}").contains("abc123"));
/// # Ok::<(), bigcommerce_api::CredentialsError>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    store_hash: StoreHash,
    access_token: Secret,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    client_name: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("store_hash", &self.store_hash)
            .field("access_token", &self.access_token)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_name", &self.client_name)
            .finish()
    }
}

impl Credentials {
    /// Credentials from a store hash and an access token.
    ///
    /// # Errors
    /// [`CredentialsError::InvalidStoreHash`] or [`CredentialsError::EmptyToken`].
    pub fn new(
        store_hash: impl Into<String>,
        access_token: impl Into<String>,
    ) -> Result<Self, CredentialsError> {
        let access_token = access_token.into().trim().to_owned();
        if access_token.is_empty() {
            return Err(CredentialsError::EmptyToken);
        }
        Ok(Credentials {
            store_hash: StoreHash::new(store_hash)?,
            access_token: Secret::new(access_token),
            client_id: None,
            client_secret: None,
            client_name: None,
        })
    }

    /// Credentials from the API path (`https://api.bigcommerce.com/stores/{hash}/v3/`) and an
    /// access token; the store hash is the segment after `/stores/`.
    ///
    /// # Errors
    /// [`CredentialsError::NoStoreHash`] when the path has no store hash, or the errors of
    /// [`Credentials::new`].
    pub fn from_api_path(
        api_path: &str,
        access_token: impl Into<String>,
    ) -> Result<Self, CredentialsError> {
        let hash = store_hash_from_api_path(api_path)?;
        Credentials::new(hash, access_token)
    }

    /// Credentials from the environment: `BIGCOMMERCE_STORE_HASH` (or `BIGCOMMERCE_API_PATH`),
    /// `BIGCOMMERCE_ACCESS_TOKEN`, and optionally `BIGCOMMERCE_CLIENT_ID` and
    /// `BIGCOMMERCE_CLIENT_SECRET`.
    ///
    /// # Errors
    /// [`CredentialsError::Missing`] naming the variable that is absent, or the errors of
    /// [`Credentials::new`] / [`Credentials::from_api_path`].
    pub fn from_env() -> Result<Self, CredentialsError> {
        Credentials::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`Credentials::from_env`], reading variables through `get` (testable without
    /// touching the process environment).
    ///
    /// # Errors
    /// As [`Credentials::from_env`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let token = get("BIGCOMMERCE_ACCESS_TOKEN").ok_or(CredentialsError::Missing {
            field: "BIGCOMMERCE_ACCESS_TOKEN",
        })?;
        let mut creds = if let Some(hash) = get("BIGCOMMERCE_STORE_HASH") {
            Credentials::new(hash, token)?
        } else if let Some(path) = get("BIGCOMMERCE_API_PATH") {
            Credentials::from_api_path(&path, token)?
        } else {
            return Err(CredentialsError::Missing {
                field: "BIGCOMMERCE_STORE_HASH (or BIGCOMMERCE_API_PATH)",
            });
        };
        creds.client_id = get("BIGCOMMERCE_CLIENT_ID").map(|s| s.trim().to_owned());
        creds.client_secret = get("BIGCOMMERCE_CLIENT_SECRET").map(|s| Secret::new(s.trim()));
        Ok(creds)
    }

    /// Parses the `.txt` file the control panel downloads when a store-level API account is
    /// created: `LABEL: value` lines (`ACCESS TOKEN`, `CLIENT NAME` and/or `NAME`,
    /// `API PATH`, `CLIENT ID`, `CLIENT SECRET`) in any order, CRLF or LF, stray spaces and
    /// blank lines tolerated, labels case-insensitive, unknown labels ignored.
    ///
    /// # Errors
    /// [`CredentialsError::Missing`] naming `ACCESS TOKEN` or `API PATH`, or
    /// [`CredentialsError::NoStoreHash`] when the API path has no store hash.
    pub fn from_api_account_text(text: &str) -> Result<Self, CredentialsError> {
        let mut token = None;
        let mut api_path = None;
        let mut client_id = None;
        let mut client_secret = None;
        let mut client_name = None;
        let mut name = None;
        for line in text.lines() {
            let line = line.trim().trim_start_matches('\u{feff}');
            let Some((label, value)) = line.split_once(':') else {
                continue;
            };
            let label = label
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_uppercase();
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let slot = match label.as_str() {
                "ACCESS TOKEN" => &mut token,
                "API PATH" => &mut api_path,
                "CLIENT ID" => &mut client_id,
                "CLIENT SECRET" => &mut client_secret,
                "CLIENT NAME" => &mut client_name,
                "NAME" => &mut name,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.to_owned());
            }
        }
        let token = token.ok_or(CredentialsError::Missing {
            field: "ACCESS TOKEN",
        })?;
        let api_path = api_path.ok_or(CredentialsError::Missing { field: "API PATH" })?;
        let mut creds = Credentials::from_api_path(&api_path, token)?;
        creds.client_id = client_id;
        creds.client_secret = client_secret.map(Secret::new);
        creds.client_name = client_name.or(name);
        Ok(creds)
    }

    /// Sets the client id (not needed for REST calls).
    #[must_use]
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Sets the client secret (only needed to verify signed webhooks).
    #[must_use]
    pub fn with_client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(Secret::new(client_secret));
        self
    }

    /// The store hash.
    pub fn store_hash(&self) -> &StoreHash {
        &self.store_hash
    }

    /// The access token (redacting wrapper).
    pub fn access_token(&self) -> &Secret {
        &self.access_token
    }

    /// The API account's client id, when known.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The API account's client secret, when known.
    pub fn client_secret(&self) -> Option<&Secret> {
        self.client_secret.as_ref()
    }

    /// A verifier for BigCommerce's signed webhook callbacks, keyed with the client secret
    /// (`None` when the client secret is unknown).
    pub fn webhook_verifier(&self) -> Option<crate::webhooks::WebhookVerifier> {
        self.client_secret
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(crate::webhooks::WebhookVerifier::from_client_secret)
    }

    /// The API account's name (`CLIENT NAME`, else `NAME`), when known.
    pub fn client_name(&self) -> Option<&str> {
        self.client_name.as_deref()
    }
}

fn store_hash_from_api_path(api_path: &str) -> Result<String, CredentialsError> {
    let no_hash = || CredentialsError::NoStoreHash {
        api_path: api_path.to_owned(),
    };
    let mut segments = api_path
        .trim()
        .split(['/', '?', '#'])
        .filter(|s| !s.is_empty());
    segments
        .by_ref()
        .find(|s| s.eq_ignore_ascii_case("stores"))
        .ok_or_else(no_hash)?;
    let hash = segments.next().ok_or_else(no_hash)?;
    if hash.eq_ignore_ascii_case("v2") || hash.eq_ignore_ascii_case("v3") {
        return Err(no_hash());
    }
    Ok(hash.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_path_variants() {
        assert_eq!(
            store_hash_from_api_path("https://api.bigcommerce.com/stores/123456/v3/").unwrap(),
            "123456"
        );
        assert_eq!(
            store_hash_from_api_path("https://api.bigcommerce.com/stores/abc").unwrap(),
            "abc"
        );
        assert!(store_hash_from_api_path("https://api.bigcommerce.com/stores/").is_err());
        assert!(store_hash_from_api_path("https://api.bigcommerce.com/stores/v3/").is_err());
        assert!(store_hash_from_api_path("https://api.bigcommerce.com/v3/").is_err());
    }

    #[test]
    fn from_lookup_prefers_hash_then_path() {
        let env = |k: &str| match k {
            "BIGCOMMERCE_ACCESS_TOKEN" => Some("tok".to_owned()),
            "BIGCOMMERCE_API_PATH" => Some("https://api.bigcommerce.com/stores/zz9/v3/".into()),
            "BIGCOMMERCE_CLIENT_ID" => Some("cid".into()),
            _ => None,
        };
        let c = Credentials::from_lookup(env).unwrap();
        assert_eq!(c.store_hash().as_str(), "zz9");
        assert_eq!(c.client_id(), Some("cid"));
        let err =
            Credentials::from_lookup(|k| (k == "BIGCOMMERCE_ACCESS_TOKEN").then(|| "t".to_owned()))
                .unwrap_err();
        assert!(err.to_string().contains("BIGCOMMERCE_STORE_HASH"));
        let err = Credentials::from_lookup(|_| None).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::Missing {
                field: "BIGCOMMERCE_ACCESS_TOKEN"
            }
        );
    }

    #[test]
    fn store_hash_serde_validates() {
        let h: StoreHash = serde_json::from_str(r#""abc123""#).unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), r#""abc123""#);
        assert!(serde_json::from_str::<StoreHash>(r#""a/b""#).is_err());
        assert!(serde_json::from_str::<StoreHash>(r#""""#).is_err());
    }

    #[test]
    fn rejects_bad_hash_and_empty_token() {
        assert!(matches!(
            Credentials::new("ab/c", "t"),
            Err(CredentialsError::InvalidStoreHash { .. })
        ));
        assert_eq!(
            Credentials::new("abc", "  ").unwrap_err(),
            CredentialsError::EmptyToken
        );
    }
}
