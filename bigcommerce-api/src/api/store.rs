//! Store information and settings handler.
//!
//! OAuth scope: **Information & Settings** (`store_v2_information_read_only` to read,
//! `store_v2_information` to change settings), per `store_information.v2.yml` and
//! `settings.v3.yml`.

use crate::channels::ChannelId;
use crate::client::Client;
use crate::client::with_json;
use crate::error::Result;
use crate::store::{StoreInfo, StoreProfile, StoreTime};
use bc_mirakl_api_core::transport::{Method, RequestSpec};

impl Client {
    /// Store information and settings (`/v2/store`, `/v2/time`,
    /// `/v3/settings/store/profile`).
    /// Scope of its calls: Information & Settings (`store_v2_information`;
    /// `store_v2_information_read_only` for reads).
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
    /// `GET /v2/store`: name, currency, units, whether prices are entered with tax
    /// ([`StoreInfo::prices_entered_with_tax`]), ... Scope: Information & Settings
    /// (`store_v2_information_read_only` or `store_v2_information`).
    ///
    /// # Errors
    /// As any call.
    pub async fn info(&self) -> Result<StoreInfo> {
        let spec = RequestSpec::new(Method::GET, "/v2/store", "v2/store");
        self.client.json(&spec).await
    }

    /// `GET /v2/time`: the store's clock (unix seconds). Scope: Information & Settings
    /// (`store_v2_information_read_only` or `store_v2_information`).
    ///
    /// # Errors
    /// As any call.
    pub async fn time(&self) -> Result<StoreTime> {
        let spec = RequestSpec::new(Method::GET, "/v2/time", "v2/time");
        self.client.json(&spec).await
    }

    fn profile_spec(method: Method, channel: Option<ChannelId>) -> RequestSpec {
        RequestSpec::new(
            method,
            "/v3/settings/store/profile",
            "v3/settings/store/profile",
        )
        .query_opt("channel_id", channel)
    }

    /// `GET /v3/settings/store/profile`: the global profile, or a channel's overrides
    /// (`None` fields are inherited). Scope: Information & Settings
    /// (`store_v2_information_read_only` or `store_v2_information`).
    ///
    /// # Errors
    /// As any call.
    pub async fn profile(&self, channel: Option<ChannelId>) -> Result<StoreProfile> {
        self.client
            .data(&Self::profile_spec(Method::GET, channel))
            .await
    }

    /// `PUT /v3/settings/store/profile`: every field is sent (partial updates are not
    /// supported; on a channel, `None` removes the override). Scope: Information & Settings
    /// (`store_v2_information`).
    ///
    /// # Errors
    /// As any call (422 when a setting cannot be applied).
    pub async fn update_profile(
        &self,
        channel: Option<ChannelId>,
        profile: &StoreProfile,
    ) -> Result<StoreProfile> {
        let spec = Self::profile_spec(Method::PUT, channel);
        self.client.data(&with_json(spec, profile)?).await
    }
}
