//! The connector's error type.

use crate::state::StateError;

/// Errors of one flow step. The runner logs them and retries on the next cycle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A BigCommerce call failed (after the client's retries).
    #[error("BigCommerce: {0}")]
    BigCommerce(#[from] bigcommerce_api::Error),
    /// A Mirakl call failed (after the client's retries).
    #[error("Mirakl: {0}")]
    Mirakl(#[from] mirakl_api::Error),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// A stored or built JSON value could not be (de)serialized.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// An invariant the connector relies on did not hold.
    #[error("{0}")]
    Invariant(String),
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
