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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSetup {
    /// The channel orders are created in.
    pub channel_id: u64,
    /// Whether this set-up created it (false: configured or found).
    pub created: bool,
    /// Why the storefront channel (1) is used instead of the marketplace channel: the API
    /// account may not read or create channels (BigCommerce answered 403: the token lacks the
    /// Channel Settings scope). Orders are still created; the reason is logged and shown.
    pub fallback: Option<String>,
}

/// The storefront channel, for an API account without the Channel Settings scope.
fn storefront_without_scope(e: &bigcommerce_api::Error) -> ChannelSetup {
    let why = format!(
        "the API account may not read or create channels ({e}); give it the Channel Settings \
         scope (modify) or set [bigcommerce] channel_id"
    );
    tracing::warn!(reason = %why, "marketplace orders go to the storefront channel 1");
    ChannelSetup {
        channel_id: 1,
        created: false,
        fallback: Some(why),
    }
}

/// Finds the marketplace channel `name` on `platform` (a channel of type `marketplace`,
/// neither deleted nor terminated), or creates it (status `connected`). A 409 on create (a
/// concurrent set-up made it first) is answered by looking it up again. With `dry_run` nothing
/// is created: a missing channel yields the storefront (1) and a log line saying so. An API
/// account without the Channel Settings scope (403) also yields the storefront, with
/// [`ChannelSetup::fallback`] saying why, so orders are never held back by it.
///
/// # Errors
/// [`crate::Error::BigCommerce`] when the channels cannot be listed or the create fails.
pub async fn ensure_marketplace_channel(
    bc: &BcClient,
    name: &str,
    platform: &str,
    dry_run: bool,
) -> Result<ChannelSetup> {
    match find(bc, name, platform).await {
        Ok(Some(id)) => {
            return Ok(ChannelSetup {
                channel_id: id,
                created: false,
                fallback: None,
            });
        }
        Ok(None) => {}
        Err(crate::Error::BigCommerce(e)) if e.status() == Some(403) => {
            return Ok(storefront_without_scope(&e));
        }
        Err(e) => return Err(e),
    }
    if dry_run {
        println!(
            "would create the BigCommerce marketplace channel {name:?} (platform {platform}); orders would go to channel 1 meanwhile"
        );
        return Ok(ChannelSetup {
            channel_id: 1,
            created: false,
            fallback: None,
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
                fallback: None,
            })
        }
        Err(e) if e.status() == Some(409) => match find(bc, name, platform).await? {
            Some(id) => Ok(ChannelSetup {
                channel_id: id,
                created: false,
                fallback: None,
            }),
            None => Err(e.into()),
        },
        Err(e) if e.status() == Some(403) => Ok(storefront_without_scope(&e)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use bigcommerce_api::Credentials;

    /// A BigCommerce stand-in that refuses every channel call the way BigCommerce refuses a
    /// token without the needed scope (403), counting the calls.
    async fn refusing_store() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = calls.clone();
        let app = axum::Router::new().fallback(move || {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                (
                    axum::http::StatusCode::FORBIDDEN,
                    [("content-type", "application/json")],
                    r#"{"status":403,"title":"You don't have a required scope to access the endpoint","type":"https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes","errors":{}}"#,
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (format!("http://{addr}/"), calls)
    }

    #[tokio::test]
    async fn an_account_without_the_channel_scope_files_orders_in_the_storefront() {
        let (base, calls) = refusing_store().await;
        let bc = BcClient::builder(Credentials::new("abc123", "token").unwrap())
            .base_url(&base)
            .unwrap()
            .build()
            .unwrap();
        let setup = ensure_marketplace_channel(&bc, DEFAULT_CHANNEL_NAME, "mirakl", false)
            .await
            .expect("a 403 is no reason to hold orders back");
        assert_eq!(setup.channel_id, 1);
        assert!(!setup.created);
        let why = setup.fallback.expect("the reason is kept");
        assert!(why.contains("Channel Settings"), "{why}");
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "one look-up, no create after it"
        );
    }
}
