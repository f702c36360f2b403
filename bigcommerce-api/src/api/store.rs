//! Store information handler.

use crate::client::Client;
use crate::error::Result;
use crate::store::{StoreInfo, StoreTime};
use bc_mirakl_api_core::transport::{Method, RequestSpec};

impl Client {
    /// Store information (`/v2/store`, `/v2/time`).
    pub fn store(&self) -> Store {
        Store {
            client: self.clone(),
        }
    }
}

/// Store information handler.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
}

impl Store {
    /// `GET /v2/store`.
    ///
    /// # Errors
    /// As any call.
    pub async fn info(&self) -> Result<StoreInfo> {
        let spec = RequestSpec::new(Method::GET, "/v2/store", "v2/store");
        self.client.json(&spec).await
    }

    /// `GET /v2/time`: the store's clock (unix seconds).
    ///
    /// # Errors
    /// As any call.
    pub async fn time(&self) -> Result<StoreTime> {
        let spec = RequestSpec::new(Method::GET, "/v2/time", "v2/time");
        self.client.json(&spec).await
    }
}
