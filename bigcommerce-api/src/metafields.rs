//! Metafields: key/value data an app attaches to an order, product, variant, category or
//! brand (`orders.v3.yml`, `products_catalog.v3.yml`, `product-variants_catalog.v3.yml`,
//! `categories_catalog.v3.yml`, `brands_catalog.v3.yml`: one schema shared by all five).

use crate::de;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

id_type!(
    /// A metafield id.
    MetafieldId
);

wire_enum!(
    /// Who may read and write a metafield (`permission_set`).
    pub enum PermissionSet {
        /// Only the app that created it.
        AppOnly = "app_only",
        /// Other apps may read it.
        Read = "read",
        /// Other apps may read and write it.
        Write = "write",
        /// Other apps may read it, and the storefront (GraphQL) too.
        ReadAndSfAccess = "read_and_sf_access",
        /// Other apps may read and write it, and the storefront may read it.
        WriteAndSfAccess = "write_and_sf_access",
    }
);

/// A metafield as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Metafield {
    /// Id.
    pub id: MetafieldId,
    /// Namespace.
    #[serde(default)]
    pub namespace: String,
    /// Key (unique within the namespace and owner).
    #[serde(default)]
    pub key: String,
    /// Value (a string; JSON values are sent as text).
    #[serde(default)]
    pub value: String,
    /// Permission set.
    #[serde(default)]
    pub permission_set: Option<PermissionSet>,
    /// Description.
    #[serde(
        default,
        deserialize_with = "bc_mirakl_api_core::de::opt_string_empty_none"
    )]
    pub description: Option<String>,
    /// Owner type: `order`, `product`, `variant`, `category`, `brand`.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// Owner id.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::opt_u64_lenient")]
    pub resource_id: Option<u64>,
    /// Client id of the app that created it.
    #[serde(default)]
    pub owner_client_id: Option<String>,
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

/// Body of a metafield create (`POST .../metafields`) or update
/// (`PUT .../metafields/{id}`): `permission_set`, `namespace`, `key` and `value` are required
/// by both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetafieldWrite {
    /// Permission set.
    pub permission_set: PermissionSet,
    /// Namespace (1 to 64 characters).
    pub namespace: String,
    /// Key (1 to 64 characters).
    pub key: String,
    /// Value (at most 65,535 characters).
    pub value: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl MetafieldWrite {
    /// A metafield with these fields and no description.
    pub fn new(
        permission_set: PermissionSet,
        namespace: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        MetafieldWrite {
            permission_set,
            namespace: namespace.into(),
            key: key.into(),
            value: value.into(),
            description: None,
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}
