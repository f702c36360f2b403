//! Channels v3 models (`channels.v3.yml`): channels, channel listings and channel currency
//! assignments.
//!
//! A channel is where a store sells: its storefront, a marketplace, a point of sale. Orders
//! carry the `channel_id` they came from; an integration that brings marketplace orders in
//! creates a channel of type [`ChannelType::Marketplace`] once and files its orders there.

use crate::catalog::{ProductId, VariantId};
use crate::de;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

id_type!(
    /// A channel id (`1` is the store's first storefront).
    ChannelId
);
id_type!(
    /// A channel listing id.
    ListingId
);

wire_enum!(
    /// Channel type (`ChannelType`); `platform` and `type` must be a valid combination.
    pub enum ChannelType {
        /// Point of sale.
        Pos = "pos",
        /// A marketplace (eBay, Amazon, a Mirakl operator, ...).
        Marketplace = "marketplace",
        /// A storefront.
        Storefront = "storefront",
        /// A marketing channel.
        Marketing = "marketing",
    }
);

wire_enum!(
    /// Channel status (`ChannelStatus`). `terminated` is not valid on create or update,
    /// `deleted` not on create, `prelaunch` not on update.
    pub enum ChannelStatus {
        /// Active.
        Active = "active",
        /// Not launched yet (storefronts).
        Prelaunch = "prelaunch",
        /// Inactive.
        Inactive = "inactive",
        /// Connected (marketplaces and other non-storefront channels).
        Connected = "connected",
        /// Disconnected.
        Disconnected = "disconnected",
        /// Archived.
        Archived = "archived",
        /// Deleted.
        Deleted = "deleted",
        /// Terminated.
        Terminated = "terminated",
    }
);

wire_enum!(
    /// State of a channel listing or of one of its variants (`ListingState`,
    /// `VariantState`).
    pub enum ListingState {
        /// Listed.
        Active = "active",
        /// Disabled.
        Disabled = "disabled",
        /// In error.
        Error = "error",
        /// Pending.
        Pending = "pending",
        /// Being disabled.
        PendingDisable = "pending_disable",
        /// Being deleted.
        PendingDelete = "pending_delete",
        /// Some variants rejected (listings only).
        PartiallyRejected = "partially_rejected",
        /// Queued.
        Queued = "queued",
        /// Rejected.
        Rejected = "rejected",
        /// Submitted.
        Submitted = "submitted",
        /// Deleted.
        Deleted = "deleted",
    }
);

/// A channel (`GET /v3/channels`, `/v3/channels/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Channel {
    /// Id.
    pub id: ChannelId,
    /// Name as shown in the control panel.
    #[serde(default)]
    pub name: String,
    /// Type.
    #[serde(default, rename = "type")]
    pub channel_type: Option<ChannelType>,
    /// Platform, e.g. `bigcommerce`, `ebay`, `amazon` (free text for custom platforms).
    #[serde(default)]
    pub platform: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<ChannelStatus>,
    /// Id of the channel in the other system.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub external_id: Option<String>,
    /// Whether the control panel may list products on it.
    #[serde(default)]
    pub is_listable_from_ui: Option<bool>,
    /// Whether the control panel shows it.
    #[serde(default)]
    pub is_visible: Option<bool>,
    /// Whether it is enabled (documented, though absent from the examples).
    #[serde(default)]
    pub is_enabled: Option<bool>,
    /// Platform icon.
    #[serde(default)]
    pub icon_url: Option<String>,
    /// Creation time.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Last change.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_modified: Option<OffsetDateTime>,
    /// Currency assignments, with `include=currencies`.
    #[serde(default)]
    pub currencies: Option<CurrencyAssignment>,
}

/// Body of `POST /v3/channels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewChannel {
    /// Name (Latin letters, digits, dashes and underscores).
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub channel_type: ChannelType,
    /// Platform, e.g. `ebay`, or a custom platform name.
    pub platform: String,
    /// Initial status (BigCommerce picks one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ChannelStatus>,
    /// Id of the channel in the other system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Whether the control panel may list products on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_listable_from_ui: Option<bool>,
    /// Whether the control panel shows it (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_visible: Option<bool>,
}

impl NewChannel {
    /// A channel with a name, type and platform; other fields unset.
    pub fn new(
        name: impl Into<String>,
        channel_type: ChannelType,
        platform: impl Into<String>,
    ) -> Self {
        NewChannel {
            name: name.into(),
            channel_type,
            platform: platform.into(),
            status: None,
            external_id: None,
            is_listable_from_ui: None,
            is_visible: None,
        }
    }

    /// A marketplace channel (type `marketplace`) on `platform`, status `connected`.
    pub fn marketplace(name: impl Into<String>, platform: impl Into<String>) -> Self {
        let mut c = NewChannel::new(name, ChannelType::Marketplace, platform);
        c.status = Some(ChannelStatus::Connected);
        c
    }
}

/// Body of `PUT /v3/channels/{id}`; only set fields are sent (type and platform cannot
/// change).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelUpdate {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ChannelStatus>,
    /// New external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Whether the control panel may list products on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_listable_from_ui: Option<bool>,
    /// Whether the control panel shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_visible: Option<bool>,
}

/// A channel's currencies (`GET /v3/channels/{id}/currency-assignments`, one item of
/// `GET /v3/channels/currency-assignments`, `Channel::currencies`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CurrencyAssignment {
    /// The channel (absent on some single-channel answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// Enabled currencies (ISO 4217).
    #[serde(default)]
    pub enabled_currencies: Vec<String>,
    /// Default currency (ISO 4217).
    #[serde(default)]
    pub default_currency: String,
}

impl CurrencyAssignment {
    /// An assignment for the request bodies: `enabled` currencies with `default` among them;
    /// `channel` is required by the multi-channel endpoints and ignored by the single-channel
    /// ones.
    pub fn new<S: Into<String>>(
        channel: Option<ChannelId>,
        enabled: impl IntoIterator<Item = S>,
        default: impl Into<String>,
    ) -> Self {
        CurrencyAssignment {
            channel_id: channel,
            enabled_currencies: enabled.into_iter().map(Into::into).collect(),
            default_currency: default.into(),
        }
    }
}

/// A product listed on a channel (`GET /v3/channels/{id}/listings`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ChannelListing {
    /// Listing id.
    pub listing_id: ListingId,
    /// Channel.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// Product.
    pub product_id: ProductId,
    /// State.
    #[serde(default)]
    pub state: Option<ListingState>,
    /// Id in the other system.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub external_id: Option<String>,
    /// Name override for this channel.
    #[serde(default)]
    pub name: Option<String>,
    /// Description override for this channel.
    #[serde(default)]
    pub description: Option<String>,
    /// Creation time.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Last change.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_modified: Option<OffsetDateTime>,
    /// Listed variants.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub variants: Vec<ChannelListingVariant>,
}

/// One variant of a [`ChannelListing`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ChannelListingVariant {
    /// Variant.
    pub variant_id: VariantId,
    /// Product.
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// Channel.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// State.
    #[serde(default)]
    pub state: Option<ListingState>,
    /// Id in the other system.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub external_id: Option<String>,
    /// Name override for this channel.
    #[serde(default)]
    pub name: Option<String>,
    /// Description override for this channel.
    #[serde(default)]
    pub description: Option<String>,
    /// Creation time.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_created: Option<OffsetDateTime>,
    /// Last change.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "de::ser_opt_rfc3339"
    )]
    pub date_modified: Option<OffsetDateTime>,
}

/// A listing to create (`POST /v3/channels/{id}/listings`, one item) or, with
/// [`listing_id`](Self::listing_id) set, to update (`PUT`, one item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListingWrite {
    /// The listing to update (required by `PUT`, absent on `POST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<ListingId>,
    /// Product (cannot change once listed).
    pub product_id: ProductId,
    /// State.
    pub state: ListingState,
    /// Id in the other system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Name override for this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description override for this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Variants (required; on update, new ones are added and the others left unchanged).
    pub variants: Vec<ListingVariantWrite>,
}

impl ListingWrite {
    /// A new listing of `product` in `state` with these variants.
    pub fn new(
        product: ProductId,
        state: ListingState,
        variants: Vec<ListingVariantWrite>,
    ) -> Self {
        ListingWrite {
            listing_id: None,
            product_id: product,
            state,
            external_id: None,
            name: None,
            description: None,
            variants,
        }
    }

    /// An update of listing `id` (of `product`) to `state` with these variants.
    pub fn update(
        id: ListingId,
        product: ProductId,
        state: ListingState,
        variants: Vec<ListingVariantWrite>,
    ) -> Self {
        ListingWrite {
            listing_id: Some(id),
            ..ListingWrite::new(product, state, variants)
        }
    }
}

/// A variant of a [`ListingWrite`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListingVariantWrite {
    /// Product (must match the listing's).
    pub product_id: ProductId,
    /// Variant.
    pub variant_id: VariantId,
    /// State.
    pub state: ListingState,
    /// Id in the other system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Name override for this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description override for this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ListingVariantWrite {
    /// A variant in `state`.
    pub fn new(product: ProductId, variant: VariantId, state: ListingState) -> Self {
        ListingVariantWrite {
            product_id: product,
            variant_id: variant,
            state,
            external_id: None,
            name: None,
            description: None,
        }
    }
}
