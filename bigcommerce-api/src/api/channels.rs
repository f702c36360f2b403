//! Channels v3 handler (`channels.v3.yml`).
//!
//! OAuth scopes (the spec's `X-Auth-Token` security scheme): channels and currency
//! assignments need **Channel Settings** (`store_channel_settings`, or
//! `store_channel_settings_read_only` for reads); channel listings need **Channel Listings**
//! (`store_channel_listings`, or `store_channel_listings_read_only` for reads).

use crate::catalog::ProductId;
use crate::channels::{
    Channel, ChannelId, ChannelListing, ChannelStatus, ChannelType, ChannelUpdate,
    CurrencyAssignment, ListingId, ListingWrite, NewChannel,
};
use crate::client::{Client, List, Style, csv, with_json};
use crate::de::format_rfc3339;
use crate::error::{Error, Result};
use bc_mirakl_api_core::transport::{Method, RequestSpec};
use time::OffsetDateTime;

impl Client {
    /// Channels, channel listings and currency assignments (`/v3/channels`).
    /// Scope of its calls: Channel Settings (`store_channel_settings`) and, for listings, Channel
    /// Listings (`store_channel_listings`); `_read_only` variants for reads.
    pub fn channels(&self) -> Channels {
        Channels {
            client: self.clone(),
        }
    }
}

/// Channels handler.
#[derive(Debug, Clone)]
pub struct Channels {
    client: Client,
}

impl Channels {
    /// Lists the store's channels (`GET /v3/channels`). Scope: Channel Settings
    /// (`store_channel_settings_read_only`
    /// or `store_channel_settings`).
    pub fn list(&self) -> List<Channel> {
        List::new(
            &self.client,
            Style::V3,
            "/v3/channels",
            "v3/channels".into(),
        )
    }

    fn one(method: Method, id: ChannelId) -> RequestSpec {
        RequestSpec::new(method, "/v3/channels/{id}", format!("v3/channels/{id}"))
    }

    /// Reads a channel, with its currency assignments when `with_currencies`
    /// (`GET /v3/channels/{id}`, `include=currencies`); `None` when absent. Scope: Channel
    /// Settings (`store_channel_settings_read_only` or `store_channel_settings`).
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: ChannelId, with_currencies: bool) -> Result<Option<Channel>> {
        let mut spec = Self::one(Method::GET, id);
        if with_currencies {
            spec = spec.query("include", "currencies");
        }
        self.client.data_opt(&spec).await
    }

    /// Creates a channel (`POST /v3/channels`). Not retried after a 5xx or a timeout: look
    /// for it with [`Channels::find_by_name`] before trying again. Scope: Channel Settings
    /// (`store_channel_settings`).
    ///
    /// # Errors
    /// As any call (422 for an invalid type / platform / status combination).
    pub async fn create(&self, channel: &NewChannel) -> Result<Channel> {
        let spec = RequestSpec::new(Method::POST, "/v3/channels", "v3/channels");
        self.client.data(&with_json(spec, channel)?).await
    }

    /// Updates a channel (`PUT /v3/channels/{id}`; only the fields set). Scope: Channel Settings
    /// (`store_channel_settings`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: ChannelId, update: &ChannelUpdate) -> Result<Channel> {
        let spec = Self::one(Method::PUT, id);
        self.client.data(&with_json(spec, update)?).await
    }

    /// The channels of `channel_type` named exactly `name` (every page of
    /// `GET /v3/channels?type:in=...`, names compared locally: the path declares no name
    /// filter). Scope: Channel Settings (`store_channel_settings_read_only` or
    /// `store_channel_settings`).
    ///
    /// # Errors
    /// As any call.
    pub async fn find_by_name(
        &self,
        channel_type: ChannelType,
        name: &str,
    ) -> Result<Vec<Channel>> {
        let all = self.list().types([channel_type]).all().await?;
        Ok(all.into_iter().filter(|c| c.name == name).collect())
    }

    /// Lists the products listed on a channel (`GET /v3/channels/{id}/listings`, paged by
    /// `limit` and `after`; an unknown channel answers an empty list). Scope: Channel Listings
    /// (`store_channel_listings_read_only` or `store_channel_listings`).
    pub fn listings(&self, channel: ChannelId) -> List<ChannelListing> {
        List::new_after(
            &self.client,
            "/v3/channels/{id}/listings",
            format!("v3/channels/{channel}/listings"),
            |l: &ChannelListing| l.listing_id.get(),
        )
    }

    /// Reads one listing (`GET /v3/channels/{id}/listings/{listing_id}`); `None` when
    /// absent. Scope: Channel Listings (`store_channel_listings_read_only` or
    /// `store_channel_listings`).
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn listing_opt(
        &self,
        channel: ChannelId,
        listing: ListingId,
    ) -> Result<Option<ChannelListing>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/v3/channels/{id}/listings/{listing_id}",
            format!("v3/channels/{channel}/listings/{listing}"),
        );
        self.client.data_opt(&spec).await
    }

    /// Lists products on a channel (`POST /v3/channels/{id}/listings`), every listing in one
    /// call (the spec states no batch limit). Each write must have no `listing_id`. Scope: Channel
    /// Listings (`store_channel_listings`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a write carries a `listing_id` (nothing is sent);
    /// otherwise as any call (422 for invalid listings).
    pub async fn create_listings(
        &self,
        channel: ChannelId,
        listings: &[ListingWrite],
    ) -> Result<Vec<ChannelListing>> {
        if let Some(i) = listings.iter().position(|l| l.listing_id.is_some()) {
            return Err(Error::InvalidInput(format!(
                "listing #{i} has a listing_id: create takes new listings only"
            )));
        }
        let spec = RequestSpec::new(
            Method::POST,
            "/v3/channels/{id}/listings",
            format!("v3/channels/{channel}/listings"),
        );
        self.client.data(&with_json(spec, listings)?).await
    }

    /// Updates listings (`PUT /v3/channels/{id}/listings`): partial updates; variants not
    /// sent stay as they are. Every write needs its `listing_id`. Scope: Channel Listings
    /// (`store_channel_listings`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a write has no `listing_id` (nothing is sent); otherwise
    /// as any call.
    pub async fn update_listings(
        &self,
        channel: ChannelId,
        listings: &[ListingWrite],
    ) -> Result<Vec<ChannelListing>> {
        if let Some(i) = listings.iter().position(|l| l.listing_id.is_none()) {
            return Err(Error::InvalidInput(format!(
                "listing #{i} has no listing_id: update needs one"
            )));
        }
        let spec = RequestSpec::new(
            Method::PUT,
            "/v3/channels/{id}/listings",
            format!("v3/channels/{channel}/listings"),
        );
        self.client.data(&with_json(spec, listings)?).await
    }

    /// Currency assignments of every channel (`GET /v3/channels/currency-assignments`).
    /// Scope: Channel Settings (`store_channel_settings_read_only` or `store_channel_settings`).
    ///
    /// # Errors
    /// As any call.
    pub async fn currency_assignments(&self) -> Result<Vec<CurrencyAssignment>> {
        let spec = RequestSpec::new(
            Method::GET,
            "/v3/channels/currency-assignments",
            "v3/channels/currency-assignments",
        );
        self.client.data(&spec).await
    }

    fn assignment(method: Method, channel: ChannelId) -> RequestSpec {
        RequestSpec::new(
            method,
            "/v3/channels/{id}/currency-assignments",
            format!("v3/channels/{channel}/currency-assignments"),
        )
    }

    /// Currency assignments of one channel (`GET /v3/channels/{id}/currency-assignments`).
    /// Scope: Channel Settings (`store_channel_settings_read_only` or `store_channel_settings`).
    ///
    /// # Errors
    /// As any call.
    pub async fn channel_currency_assignments(
        &self,
        channel: ChannelId,
    ) -> Result<CurrencyAssignment> {
        self.client
            .data(&Self::assignment(Method::GET, channel))
            .await
    }

    /// Assigns currencies to a channel that has none yet
    /// (`POST /v3/channels/{id}/currency-assignments`; the body's `channel_id` is not sent).
    /// Scope: Channel Settings (`store_channel_settings`).
    ///
    /// # Errors
    /// As any call.
    pub async fn create_currency_assignments(
        &self,
        channel: ChannelId,
        assignment: &CurrencyAssignment,
    ) -> Result<CurrencyAssignment> {
        let body = CurrencyAssignment {
            channel_id: None,
            ..assignment.clone()
        };
        let spec = Self::assignment(Method::POST, channel);
        self.client.data(&with_json(spec, &body)?).await
    }

    /// Replaces a channel's currency assignments
    /// (`PUT /v3/channels/{id}/currency-assignments`). Scope: Channel Settings
    /// (`store_channel_settings`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update_currency_assignments(
        &self,
        channel: ChannelId,
        assignment: &CurrencyAssignment,
    ) -> Result<CurrencyAssignment> {
        let body = CurrencyAssignment {
            channel_id: None,
            ..assignment.clone()
        };
        let spec = Self::assignment(Method::PUT, channel);
        self.client.data(&with_json(spec, &body)?).await
    }

    /// Removes a channel's currency assignments
    /// (`DELETE /v3/channels/{id}/currency-assignments`). Scope: Channel Settings
    /// (`store_channel_settings`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete_currency_assignments(&self, channel: ChannelId) -> Result<()> {
        self.client
            .unit(&Self::assignment(Method::DELETE, channel))
            .await
    }
}

impl List<Channel> {
    /// `include=currencies`: each channel with its currency assignments.
    #[must_use]
    pub fn include_currencies(self) -> Self {
        self.set("include", "currencies")
    }

    /// `available`: only channels that are not deleted or terminated (`true`).
    #[must_use]
    pub fn available(self, available: bool) -> Self {
        self.set("available", available)
    }

    /// `type:in`.
    #[must_use]
    pub fn types(self, types: impl IntoIterator<Item = ChannelType>) -> Self {
        self.set("type:in", csv(types))
    }

    /// `status:in`.
    #[must_use]
    pub fn statuses(self, statuses: impl IntoIterator<Item = ChannelStatus>) -> Self {
        self.set("status:in", csv(statuses))
    }

    /// `platform:in`.
    #[must_use]
    pub fn platforms<S: AsRef<str>>(self, platforms: impl IntoIterator<Item = S>) -> Self {
        self.set(
            "platform:in",
            platforms
                .into_iter()
                .map(|s| s.as_ref().to_owned())
                .collect::<Vec<_>>()
                .join(","),
        )
    }

    /// `date_modified:min`.
    #[must_use]
    pub fn date_modified_min(self, since: OffsetDateTime) -> Self {
        self.set("date_modified:min", format_rfc3339(since))
    }
}

impl List<ChannelListing> {
    /// `product_id:in` — the listings of these products.
    #[must_use]
    pub fn product_ids(self, ids: impl IntoIterator<Item = ProductId>) -> Self {
        self.set("product_id:in", csv(ids))
    }

    /// `after` — listings after this listing id (the stream sets it page by page).
    #[must_use]
    pub fn after(self, listing: ListingId) -> Self {
        self.set_after(listing.get())
    }

    /// `date_modified:min`.
    #[must_use]
    pub fn date_modified_min(self, since: OffsetDateTime) -> Self {
        self.set("date_modified:min", format_rfc3339(since))
    }
}
