//! The BigCommerce channel marketplace orders are filed in.
//!
//! BigCommerce tells sales apart by channel (`channel_id` on every order; channel 1 is the
//! store's first storefront). Orders from the marketplace belong in a channel of type
//! `marketplace` of their own, so the store's reports and the channel manager show them apart
//! (`channels.v3.yml`: platform `mirakl` is a valid marketplace platform). At set-up the
//! connector finds that channel by type, platform and name, and creates it only when none
//! exists, so any number of starts make one channel; a configured channel id skips both.

use bigcommerce_api::Client as BcClient;
use bigcommerce_api::channels::{ChannelStatus, ChannelType, NewChannel};

use crate::error::Result;

/// Name of the marketplace channel the connector creates by default (Latin letters, digits,
/// dashes and underscores only, as `ChannelName` requires).
pub const DEFAULT_CHANNEL_NAME: &str = "Mirakl-marketplace";
/// Platform of the marketplace channel (`mirakl`: a marketplace platform of the spec's list).
pub const DEFAULT_CHANNEL_PLATFORM: &str = "mirakl";

/// Which BigCommerce channel marketplace orders are created in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderChannel {
    /// A given channel id (`[bigcommerce] channel_id`); nothing is looked up or created.
    Fixed(u64),
    /// The marketplace channel of this name and platform, found or created once at set-up.
    Marketplace {
        /// Channel name.
        name: String,
        /// Channel platform (e.g. `mirakl`, or `custom`).
        platform: String,
    },
}

impl Default for OrderChannel {
    /// The marketplace channel [`DEFAULT_CHANNEL_NAME`] on [`DEFAULT_CHANNEL_PLATFORM`].
    fn default() -> Self {
        OrderChannel::Marketplace {
            name: DEFAULT_CHANNEL_NAME.to_owned(),
            platform: DEFAULT_CHANNEL_PLATFORM.to_owned(),
        }
    }
}

/// What the set-up found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSetup {
    /// The channel orders are created in.
    pub channel_id: u64,
    /// Whether this set-up created it (false: configured or found).
    pub created: bool,
}

/// Finds the marketplace channel `name` on `platform` (a channel of type `marketplace`,
/// neither deleted nor terminated), or creates it (status `connected`). A 409 on create (a
/// concurrent set-up made it first) is answered by looking it up again. With `dry_run` nothing
/// is created: a missing channel yields the storefront (1) and a log line saying so.
///
/// # Errors
/// [`crate::Error::BigCommerce`] when the channels cannot be listed or the create fails.
pub async fn ensure_marketplace_channel(
    bc: &BcClient,
    name: &str,
    platform: &str,
    dry_run: bool,
) -> Result<ChannelSetup> {
    if let Some(id) = find(bc, name, platform).await? {
        return Ok(ChannelSetup {
            channel_id: id,
            created: false,
        });
    }
    if dry_run {
        println!(
            "would create the BigCommerce marketplace channel {name:?} (platform {platform}); orders would go to channel 1 meanwhile"
        );
        return Ok(ChannelSetup {
            channel_id: 1,
            created: false,
        });
    }
    match bc
        .channels()
        .create(&NewChannel::marketplace(name, platform))
        .await
    {
        Ok(c) => {
            tracing::info!(
                channel = c.id.get(),
                name,
                platform,
                "marketplace channel created in BigCommerce"
            );
            Ok(ChannelSetup {
                channel_id: c.id.get(),
                created: true,
            })
        }
        Err(e) if e.status() == Some(409) => match find(bc, name, platform).await? {
            Some(id) => Ok(ChannelSetup {
                channel_id: id,
                created: false,
            }),
            None => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

async fn find(bc: &BcClient, name: &str, platform: &str) -> Result<Option<u64>> {
    let found = bc
        .channels()
        .list()
        .types([ChannelType::Marketplace])
        .platforms([platform])
        .all()
        .await?;
    Ok(found
        .into_iter()
        .filter(|c| c.name == name && c.platform.as_deref() == Some(platform))
        .filter(|c| {
            !matches!(
                c.status,
                Some(ChannelStatus::Deleted | ChannelStatus::Terminated)
            )
        })
        .map(|c| c.id.get())
        .min())
}
