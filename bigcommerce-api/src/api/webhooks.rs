//! Webhook subscriptions handler.

use crate::client::{Client, List, Style, with_json};
use crate::error::Result;
use crate::webhooks::{Webhook, WebhookId, WebhookRequest, WebhookScope};
use bc_mirakl_api_core::transport::{Method, RequestSpec};

impl Client {
    /// Webhook subscriptions (`/v3/hooks`).
    /// Scope of its calls: none: webhooks are in the default scope every API account has
    /// (`api-accounts.mdx`).
    pub fn webhooks(&self) -> Webhooks {
        Webhooks {
            client: self.clone(),
        }
    }
}

/// Webhooks handler. Hooks are visible only to the API account that created them.
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: Client,
}

impl Webhooks {
    /// Lists subscriptions.
    /// Scope: none beyond the default scope of every API account (`api-accounts.mdx`).
    pub fn list(&self) -> List<Webhook> {
        List::new(&self.client, Style::V3, "/v3/hooks", "v3/hooks".into())
    }

    fn one(method: Method, id: WebhookId) -> RequestSpec {
        RequestSpec::new(method, "/v3/hooks/{id}", format!("v3/hooks/{id}"))
    }

    /// Reads a subscription; `None` when absent.
    /// Scope: none beyond the default scope of every API account (`api-accounts.mdx`).
    ///
    /// # Errors
    /// As any call, except 404.
    pub async fn get_opt(&self, id: WebhookId) -> Result<Option<Webhook>> {
        self.client.data_opt(&Self::one(Method::GET, id)).await
    }

    /// Creates a subscription (may take a minute to start firing).
    /// Scope: none beyond the default scope of every API account (`api-accounts.mdx`).
    ///
    /// # Errors
    /// As any call (422 when the destination is not HTTPS on port 443).
    pub async fn create(&self, hook: &WebhookRequest) -> Result<Webhook> {
        let spec = RequestSpec::new(Method::POST, "/v3/hooks", "v3/hooks");
        self.client.data(&with_json(spec, hook)?).await
    }

    /// Updates a subscription (e.g. re-activates one BigCommerce deactivated).
    /// Scope: none beyond the default scope of every API account (`api-accounts.mdx`).
    ///
    /// # Errors
    /// As any call.
    pub async fn update(&self, id: WebhookId, hook: &WebhookRequest) -> Result<Webhook> {
        self.client
            .data(&with_json(Self::one(Method::PUT, id), hook)?)
            .await
    }

    /// Deletes a subscription.
    /// Scope: none beyond the default scope of every API account (`api-accounts.mdx`).
    ///
    /// # Errors
    /// As any call.
    pub async fn delete(&self, id: WebhookId) -> Result<()> {
        self.client.unit(&Self::one(Method::DELETE, id)).await
    }
}

impl List<Webhook> {
    /// `scope`.
    #[must_use]
    pub fn scope(self, scope: &WebhookScope) -> Self {
        self.set("scope", scope.as_str())
    }

    /// `is_active`.
    #[must_use]
    pub fn is_active(self, active: bool) -> Self {
        self.set("is_active", active)
    }

    /// `destination`.
    #[must_use]
    pub fn destination(self, destination: &str) -> Self {
        self.set("destination", destination)
    }
}
