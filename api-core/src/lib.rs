//! Shared plumbing for the `bigcommerce-api` and `mirakl-api` clients.
//!
//! Both clients need the same mechanisms: a transport that retries with backoff and honours
//! rate-limit hints, a lazy stream over paged results, a redacting secret type, base-URL
//! validation, and serde helpers for the quirks both APIs share (numbers sent as strings,
//! empty strings meaning "none"). They live here once, so a fix reaches both clients.
//!
//! With `default-features = false` only the model-side helpers ([`secret`], [`de`],
//! [`base_url`], [`decode`]) are compiled, so model-only users never pull in an HTTP stack.
//!
//! ```
//! use bc_mirakl_api_core::secret::Secret;
//! let token = Secret::new("s3cr3t");
//! assert!(!format!("{token:?}").contains("s3cr3t"));
//! assert_eq!(token.expose(), "s3cr3t");
//! ```
#![deny(missing_docs)]

pub mod base_url;
pub mod de;
pub mod decimal;
pub mod decode;
pub mod enums;
pub mod secret;

#[cfg(feature = "client")]
pub mod paging;
#[cfg(feature = "client")]
pub mod retry;
#[cfg(feature = "client")]
pub mod settings;
#[cfg(feature = "client")]
pub mod transport;

/// Re-exports for the macros of this crate; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}
