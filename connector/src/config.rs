//! `connector.toml`: where the stores are, the credentials, the sync rules, the webhook
//! address and the poll intervals.
//!
//! Credentials can come from three places, first match wins:
//!
//! * BigCommerce (parsed by [`bigcommerce_api::Credentials`]): `bigcommerce.credentials_file`
//!   (the API-account `.txt` the control panel downloads), else `bigcommerce.api_path` (or
//!   `store_hash`) + `bigcommerce.access_token`, else the
//!   environment (`BIGCOMMERCE_API_PATH` or `BIGCOMMERCE_STORE_HASH`, and
//!   `BIGCOMMERCE_ACCESS_TOKEN`). An access token left out of the file is also taken from
//!   the environment.
//! * Mirakl: `mirakl.base_url` / `mirakl.api_key` / `mirakl.shop_id`, each falling back to
//!   `MIRAKL_BASE_URL` / `MIRAKL_API_KEY` / `MIRAKL_SHOP_ID`.
//!
//! Secrets are [`Secret`]s: `Debug` of a [`Config`] never shows them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bc_mirakl_api_core::secret::Secret;
use bigcommerce_api::Credentials;
use serde::Deserialize;
use url::Url;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is malformed or has a wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said (never contains secret values: it names keys and lines).
        message: String,
    },
    /// A required value is missing everywhere it may come from.
    #[error("missing {what}: {hint}")]
    Missing {
        /// What is missing.
        what: &'static str,
        /// Where it can be given.
        hint: &'static str,
    },
    /// A key the connector does not know (usually a typo), with the closest valid name.
    #[error("unknown key `{key}` in {table}{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownKey {
        /// The key as written.
        key: String,
        /// Where it was found: `[mirakl]`, or `the top level`.
        table: String,
        /// The valid name closest to `key`, when one is close enough to be a likely typo.
        suggestion: Option<&'static str>,
    },
    /// A value is present but unusable.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which value.
        what: &'static str,
        /// Why (never the secret itself).
        reason: String,
    },
}

/// Every key the file may hold outside `[rules]`, by table (`""` is the top level). Kept next to
/// the `Raw*` structs below, which also deny unknown fields; this list is what lets an unknown
/// key be reported with its table and the nearest valid name.
const KNOWN_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "bigcommerce",
            "mirakl",
            "webhooks",
            "poll",
            "orders",
            "state",
            "products",
            "rules",
            "observe",
        ],
    ),
    (
        "orders",
        &[
            "messages_secs",
            "deadline_warning_hours",
            "acceptance_window_hours",
        ],
    ),
    (
        "bigcommerce",
        &[
            "credentials_file",
            "api_path",
            "store_hash",
            "access_token",
            "api_base",
            "channel_id",
            "channel_name",
            "channel_platform",
            "price_list_id",
            "location_inventory",
        ],
    ),
    (
        "mirakl",
        &[
            "base_url",
            "api_key",
            "shop_id",
            "external_partner",
            "enforce_ceilings",
        ],
    ),
    ("webhooks", &["enabled", "listen", "public_url", "secret"]),
    (
        "poll",
        &[
            "bigcommerce_secs",
            "mirakl_orders_secs",
            "full_reconcile_secs",
            "order_overlap_secs",
            "import_status_secs",
        ],
    ),
    ("state", &["path", "url"]),
    ("observe", &["listen", "token"]),
    (
        "products",
        &[
            "enabled",
            "hold_offers",
            "import_secs",
            "operator_cache_secs",
            "import_status_secs",
        ],
    ),
];

/// Rejects any key outside `[rules]` that the connector does not know, naming the key, its table
/// and the closest valid name. `[rules]` is checked by `sync-core` when the rules are built.
fn check_known_keys(doc: &toml::Table) -> Result<(), ConfigError> {
    let unknown =
        |key: &str, table: &str, valid: &'static [&'static str]| ConfigError::UnknownKey {
            key: key.to_owned(),
            table: if table.is_empty() {
                "the top level".to_owned()
            } else {
                format!("[{table}]")
            },
            suggestion: nearest(key, valid),
        };
    let valid = |table: &str| {
        KNOWN_KEYS
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, keys)| *keys)
            .unwrap_or(&[])
    };
    for (key, value) in doc {
        if !valid("").contains(&key.as_str()) {
            return Err(unknown(key, "", valid("")));
        }
        if key == "rules" {
            continue;
        }
        if let toml::Value::Table(inner) = value {
            for inner_key in inner.keys() {
                if !valid(key).contains(&inner_key.as_str()) {
                    return Err(unknown(inner_key, key, valid(key)));
                }
            }
        }
    }
    Ok(())
}

/// The name in `valid` closest to `key` by edit distance, when it is close enough to be a typo
/// (at most a third of the key's length, and at least two edits allowed, so a swapped pair of
/// letters is still recognised).
fn nearest(key: &str, valid: &'static [&'static str]) -> Option<&'static str> {
    let limit = (key.chars().count() / 3).max(2);
    valid
        .iter()
        .map(|v| (edit_distance(key, v), *v))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// Levenshtein distance (insertions, deletions, substitutions) between two strings, by chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diag
            } else {
                1 + diag.min(above).min(row[j])
            };
            diag = above;
        }
    }
    row[b.len()]
}

/// The file as written (every field optional, so the environment can complete it).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    bigcommerce: RawBigCommerce,
    mirakl: RawMirakl,
    webhooks: RawWebhooks,
    poll: RawPoll,
    orders: RawOrders,
    state: RawState,
    products: RawProducts,
    rules: Option<toml::Table>,
    observe: RawObserve,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawOrders {
    messages_secs: Option<u64>,
    deadline_warning_hours: Option<u64>,
    acceptance_window_hours: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawObserve {
    listen: Option<String>,
    token: Option<Secret>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawProducts {
    enabled: Option<bool>,
    hold_offers: Option<bool>,
    import_secs: Option<u64>,
    operator_cache_secs: Option<u64>,
    import_status_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawBigCommerce {
    credentials_file: Option<PathBuf>,
    api_path: Option<String>,
    store_hash: Option<String>,
    access_token: Option<Secret>,
    api_base: Option<String>,
    channel_id: Option<u64>,
    channel_name: Option<String>,
    channel_platform: Option<String>,
    price_list_id: Option<u64>,
    location_inventory: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawMirakl {
    base_url: Option<String>,
    api_key: Option<Secret>,
    shop_id: Option<u64>,
    external_partner: Option<bool>,
    enforce_ceilings: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawWebhooks {
    enabled: Option<bool>,
    listen: Option<String>,
    public_url: Option<String>,
    secret: Option<Secret>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawPoll {
    bigcommerce_secs: Option<u64>,
    mirakl_orders_secs: Option<u64>,
    full_reconcile_secs: Option<u64>,
    order_overlap_secs: Option<u64>,
    import_status_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawState {
    path: Option<PathBuf>,
    url: Option<Secret>,
}

/// BigCommerce connection settings.
#[derive(Debug, Clone)]
pub struct BigCommerceConfig {
    /// Store hash and access token (`Debug` redacts the token).
    pub credentials: Credentials,
    /// API host override (default `https://api.bigcommerce.com/`); the sandbox uses loopback.
    pub api_base: Option<Url>,
    /// Channel the marketplace orders are created in: `channel_id` when set, else the
    /// marketplace channel `channel_name` on `channel_platform` (defaults
    /// [`crate::channel::DEFAULT_CHANNEL_NAME`] on `mirakl`), found or created at set-up.
    pub order_channel: crate::channel::OrderChannel,
    /// Price list whose records price the offers (default none: catalog prices).
    pub price_list_id: Option<u64>,
    /// Stock from the inventory locations (enabled ones summed) instead of the catalog's
    /// `inventory_level` (default false).
    pub location_inventory: bool,
}

/// Mirakl connection settings.
#[derive(Debug, Clone)]
pub struct MiraklConfig {
    /// The operator instance, e.g. `https://westfield-prod.mirakl.net/`.
    pub base_url: Url,
    /// The shop API key.
    pub api_key: Secret,
    /// Shop id, for keys that reach several shops.
    pub shop_id: Option<u64>,
    /// The key belongs to an "external partner" (OR11 at most every 15 minutes).
    pub external_partner: bool,
    /// Space calls by Mirakl's published ceilings in the client (default true; turn off only
    /// for a local stand-in that does not enforce them).
    pub enforce_ceilings: bool,
}

/// BigCommerce webhook receiver settings.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Where to listen (e.g. `0.0.0.0:8787`).
    pub listen: SocketAddr,
    /// The public HTTPS URL BigCommerce should call (what is registered).
    pub public_url: Option<Url>,
    /// Shared secret BigCommerce sends back in a header, to authenticate deliveries.
    pub secret: Secret,
}

/// The operability endpoint (`/healthz`, `/metrics`, the status page), from `[observe]`.
#[derive(Debug, Clone)]
pub struct ObserveConfig {
    /// Where to listen (e.g. `127.0.0.1:9464`).
    pub listen: SocketAddr,
    /// Bearer token every request must carry (`Authorization: Bearer …`); required when
    /// `listen` is not a loopback address.
    pub token: Option<Secret>,
}

/// Poll intervals and windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollConfig {
    /// Fallback BigCommerce poll by `date_modified` (also the interval when webhooks are off).
    pub bigcommerce: Duration,
    /// Mirakl OR11 poll (at least 60 s on real instances, 15 min for "external partner" keys).
    pub mirakl_orders: Duration,
    /// Full reconciliation against the Mirakl offer list.
    pub full_reconcile: Duration,
    /// Overlap subtracted from the OR11 `start_update_date` cursor.
    pub order_overlap: Duration,
    /// Interval between import-status polls (OF02 allows one a minute).
    pub import_status: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            bigcommerce: Duration::from_secs(300),
            mirakl_orders: Duration::from_secs(60),
            full_reconcile: Duration::from_secs(24 * 3600),
            order_overlap: Duration::from_secs(300),
            import_status: Duration::from_secs(60),
        }
    }
}

/// The loaded connector configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// BigCommerce side.
    pub bigcommerce: BigCommerceConfig,
    /// Mirakl side.
    pub mirakl: MiraklConfig,
    /// Webhook receiver, when enabled.
    pub webhooks: Option<WebhookConfig>,
    /// Intervals.
    pub poll: PollConfig,
    /// Messages, incidents and deadlines (`[orders]`: `messages_secs`,
    /// `deadline_warning_hours`, `acceptance_window_hours`, 0 to track no acceptance deadline).
    pub messages: crate::messages::MessageOptions,
    /// SQLite state file.
    pub state_path: PathBuf,
    /// PostgreSQL state database (`[state] url` or `CONNECTOR_STATE_URL`, e.g.
    /// `postgres://sync:…@db.internal/sync`): when set, the state lives there instead of in
    /// [`Config::state_path`]. A secret (it may hold a password).
    pub state_url: Option<Secret>,
    /// Product sync (P41), from `[products]`; `None` when `enabled` is not `true`.
    pub products: Option<crate::products::ProductSyncOptions>,
    /// The `[rules]` table, passed to `sync-core`.
    pub rules: toml::Table,
    /// The operability endpoint, when `[observe] listen` is set.
    pub observe: Option<ObserveConfig>,
}

/// Source of environment variables (so tests do not touch the process environment).
pub trait Env {
    /// The value of `name`, if set and non-empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name).filter(|v| !v.trim().is_empty())
    }
}

impl Config {
    /// Loads `path`, completing it from the process environment. Relative paths inside the file
    /// (credentials file, state file) are resolved against the file's directory.
    ///
    /// # Errors
    /// [`ConfigError`] naming the missing or invalid value (never its secret content).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Config::from_toml(&text, dir, &ProcessEnv).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// Builds the configuration from TOML text, resolving relative paths against `dir` and
    /// completing from `env`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the missing or invalid value.
    pub fn from_toml(text: &str, dir: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
        let parse_error = |e: toml::de::Error| ConfigError::Parse {
            path: PathBuf::from("<config>"),
            message: e.message().to_owned(),
        };
        let doc: toml::Table = toml::from_str(text).map_err(parse_error)?;
        check_known_keys(&doc)?;
        let raw: RawConfig = toml::from_str(text).map_err(parse_error)?;
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_owned()
            } else {
                dir.join(p)
            }
        };

        // BigCommerce
        let bc = raw.bigcommerce;
        let invalid = |e: bigcommerce_api::CredentialsError| ConfigError::Invalid {
            what: "BigCommerce credentials",
            reason: e.to_string(),
        };
        let env_token = || env.var("BIGCOMMERCE_ACCESS_TOKEN");
        let credentials = if let Some(file) = &bc.credentials_file {
            let file = resolve(file);
            let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read {
                path: file.clone(),
                source,
            })?;
            Credentials::from_api_account_text(&text).map_err(invalid)?
        } else if bc.api_path.is_some() || bc.store_hash.is_some() {
            let token = bc
                .access_token
                .as_ref()
                .filter(|t| !t.is_empty())
                .map(|t| t.expose().to_owned())
                .or_else(env_token)
                .ok_or(ConfigError::Missing {
                    what: "BigCommerce access token",
                    hint: "set bigcommerce.access_token or BIGCOMMERCE_ACCESS_TOKEN",
                })?;
            match (&bc.api_path, &bc.store_hash) {
                (Some(p), _) => Credentials::from_api_path(p, token).map_err(invalid)?,
                (None, Some(h)) => Credentials::new(h.clone(), token).map_err(invalid)?,
                (None, None) => unreachable!("checked above"),
            }
        } else if env.var("BIGCOMMERCE_API_PATH").is_some()
            || env.var("BIGCOMMERCE_STORE_HASH").is_some()
        {
            Credentials::from_lookup(|k| env.var(k)).map_err(invalid)?
        } else {
            return Err(ConfigError::Missing {
                what: "BigCommerce store",
                hint: "set bigcommerce.credentials_file, bigcommerce.api_path, or BIGCOMMERCE_API_PATH / BIGCOMMERCE_STORE_HASH",
            });
        };
        let api_base = bc
            .api_base
            .as_deref()
            .map(|u| {
                bc_mirakl_api_core::base_url::parse_base_url(u).map_err(|e| ConfigError::Invalid {
                    what: "bigcommerce.api_base",
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let bigcommerce = BigCommerceConfig {
            credentials,
            api_base,
            order_channel: match bc.channel_id {
                Some(id) => crate::channel::OrderChannel::Fixed(id),
                None => crate::channel::OrderChannel::Marketplace {
                    name: bc
                        .channel_name
                        .unwrap_or_else(|| crate::channel::DEFAULT_CHANNEL_NAME.to_owned()),
                    platform: bc
                        .channel_platform
                        .unwrap_or_else(|| crate::channel::DEFAULT_CHANNEL_PLATFORM.to_owned()),
                },
            },
            price_list_id: bc.price_list_id,
            location_inventory: bc.location_inventory.unwrap_or(false),
        };

        // Mirakl
        let m = raw.mirakl;
        let base =
            m.base_url
                .or_else(|| env.var("MIRAKL_BASE_URL"))
                .ok_or(ConfigError::Missing {
                    what: "Mirakl instance URL",
                    hint: "set mirakl.base_url or MIRAKL_BASE_URL",
                })?;
        let base_url = bc_mirakl_api_core::base_url::parse_base_url(&base).map_err(|e| {
            ConfigError::Invalid {
                what: "mirakl.base_url",
                reason: e.to_string(),
            }
        })?;
        let api_key = m
            .api_key
            .filter(|k| !k.is_empty())
            .or_else(|| env.var("MIRAKL_API_KEY").map(Secret::new))
            .ok_or(ConfigError::Missing {
                what: "Mirakl shop API key",
                hint: "set mirakl.api_key or MIRAKL_API_KEY",
            })?;
        let shop_id = match m.shop_id {
            Some(id) => Some(id),
            None => env
                .var("MIRAKL_SHOP_ID")
                .map(|v| {
                    v.trim().parse::<u64>().map_err(|_| ConfigError::Invalid {
                        what: "MIRAKL_SHOP_ID",
                        reason: "not a positive integer".into(),
                    })
                })
                .transpose()?,
        };
        let mirakl = MiraklConfig {
            base_url,
            api_key,
            shop_id,
            external_partner: m.external_partner.unwrap_or(false),
            enforce_ceilings: m.enforce_ceilings.unwrap_or(true),
        };

        // Webhooks
        let w = raw.webhooks;
        let webhooks = if w.enabled.unwrap_or(w.listen.is_some()) {
            let listen_text = w.listen.as_deref().unwrap_or("127.0.0.1:8787");
            let listen = listen_text.parse().map_err(|_| ConfigError::Invalid {
                what: "webhooks.listen",
                reason: format!("{listen_text:?} is not an address:port"),
            })?;
            let public_url = w
                .public_url
                .as_deref()
                .map(|u| {
                    let url = Url::parse(u).map_err(|e| ConfigError::Invalid {
                        what: "webhooks.public_url",
                        reason: e.to_string(),
                    })?;
                    if url.scheme() != "https" {
                        return Err(ConfigError::Invalid {
                            what: "webhooks.public_url",
                            reason: "BigCommerce only delivers to https URLs".into(),
                        });
                    }
                    Ok(url)
                })
                .transpose()?;
            let secret = w
                .secret
                .filter(|s| !s.is_empty())
                .or_else(|| env.var("CONNECTOR_WEBHOOK_SECRET").map(Secret::new))
                .ok_or(ConfigError::Missing {
                    what: "webhook secret",
                    hint: "set webhooks.secret or CONNECTOR_WEBHOOK_SECRET (any long random string)",
                })?;
            Some(WebhookConfig {
                listen,
                public_url,
                secret,
            })
        } else {
            None
        };

        let observe = match raw.observe.listen.as_deref() {
            None => {
                if raw.observe.token.is_some() {
                    return Err(ConfigError::Invalid {
                        what: "observe.token",
                        reason: "set without observe.listen (the endpoint is off)".into(),
                    });
                }
                None
            }
            Some(text) => {
                let listen: SocketAddr = text.parse().map_err(|_| ConfigError::Invalid {
                    what: "observe.listen",
                    reason: format!("{text:?} is not an address:port"),
                })?;
                let token = raw
                    .observe
                    .token
                    .filter(|t| !t.is_empty())
                    .or_else(|| env.var("CONNECTOR_OBSERVE_TOKEN").map(Secret::new));
                if !listen.ip().is_loopback() && token.is_none() {
                    return Err(ConfigError::Missing {
                        what: "observe token",
                        hint: "observe.listen is not a loopback address: set observe.token or CONNECTOR_OBSERVE_TOKEN (any long random string), or listen on 127.0.0.1",
                    });
                }
                Some(ObserveConfig { listen, token })
            }
        };

        let d = PollConfig::default();
        let p = raw.poll;
        let secs = |v: Option<u64>, def: Duration| v.map(Duration::from_secs).unwrap_or(def);
        let poll = PollConfig {
            bigcommerce: secs(p.bigcommerce_secs, d.bigcommerce),
            mirakl_orders: secs(p.mirakl_orders_secs, d.mirakl_orders),
            full_reconcile: secs(p.full_reconcile_secs, d.full_reconcile),
            order_overlap: secs(p.order_overlap_secs, d.order_overlap),
            import_status: secs(p.import_status_secs, d.import_status),
        };
        if poll.mirakl_orders.is_zero() || poll.import_status.is_zero() {
            return Err(ConfigError::Invalid {
                what: "poll",
                reason: "intervals must be at least one second".into(),
            });
        }

        let messages = {
            let d = crate::messages::MessageOptions::default();
            let o = &raw.orders;
            let hours = |h: u64| Duration::from_secs(h * 3600);
            let opts = crate::messages::MessageOptions {
                poll: secs(o.messages_secs, d.poll),
                deadline_warning: o.deadline_warning_hours.map_or(d.deadline_warning, hours),
                acceptance_window: match o.acceptance_window_hours {
                    Some(0) => None,
                    Some(h) => Some(hours(h)),
                    None => d.acceptance_window,
                },
                ..d
            };
            if opts.poll.is_zero() {
                return Err(ConfigError::Invalid {
                    what: "orders.messages_secs",
                    reason: "must be at least one second".into(),
                });
            }
            opts
        };

        let products = if raw.products.enabled.unwrap_or(false) {
            let d = crate::products::ProductSyncOptions::default();
            let p = raw.products;
            let opts = crate::products::ProductSyncOptions {
                import_interval: secs(p.import_secs, d.import_interval),
                operator_ttl: secs(p.operator_cache_secs, d.operator_ttl),
                status_poll: secs(p.import_status_secs, d.status_poll),
                hold_offers: p.hold_offers.unwrap_or(d.hold_offers),
                ..d
            };
            if opts.status_poll.is_zero() {
                return Err(ConfigError::Invalid {
                    what: "products.import_status_secs",
                    reason: "must be at least one second".into(),
                });
            }
            Some(opts)
        } else {
            None
        };

        Ok(Config {
            bigcommerce,
            mirakl,
            webhooks,
            poll,
            messages,
            state_path: resolve(
                raw.state
                    .path
                    .as_deref()
                    .unwrap_or(Path::new("connector.sqlite")),
            ),
            state_url: raw
                .state
                .url
                .or_else(|| env.var("CONNECTOR_STATE_URL").map(Secret::new)),
            products,
            rules: raw.rules.unwrap_or_default(),
            observe,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz01234";
    const KEY: &str = "9f1c2d3e-mirakl-shop-key";

    #[test]
    fn shipped_example_config_loads() {
        let dir = std::env::temp_dir().join(format!(
            "examples-config-ex-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("bigcommerce-api-account.txt"),
            format!(
                "ACCESS TOKEN: {TOKEN}\nAPI PATH: https://api.bigcommerce.com/stores/abc123/v3/\n"
            ),
        )
        .unwrap();
        let env = |name: &str| match name {
            "MIRAKL_API_KEY" => Some(KEY.to_owned()),
            "CONNECTOR_WEBHOOK_SECRET" => Some("hook".to_owned()),
            _ => None,
        };
        let cfg = Config::from_toml(include_str!("../connector.example.toml"), &dir, &env);
        std::fs::remove_dir_all(&dir).unwrap();
        let cfg = cfg.unwrap();
        assert_eq!(cfg.bigcommerce.credentials.store_hash().as_str(), "abc123");
        assert_eq!(cfg.webhooks.as_ref().unwrap().listen.port(), 8787);
        assert_eq!(cfg.poll.mirakl_orders, Duration::from_secs(60));
        assert!(cfg.rules.contains_key("windows"));
        let products = cfg
            .products
            .as_ref()
            .expect("[products] enabled in the example");
        assert_eq!(products.import_interval, Duration::from_secs(900));
        assert!(products.hold_offers);
        // the example's [rules.products] mapping is valid sync-core rules
        let rules = crate::tools::rules(&cfg).unwrap();
        assert_eq!(rules.products.default_category.as_deref(), Some("9010"));
        assert!(rules.products.attributes.iter().any(|a| a.code == "size"));
    }

    #[test]
    fn credentials_file_is_resolved_relative_to_the_config() {
        let dir = std::env::temp_dir().join(format!(
            "examples-config-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("bc.txt"),
            format!("ACCESS TOKEN: {TOKEN}\nAPI PATH: https://api.bigcommerce.com/stores/s7/v3/\n"),
        )
        .unwrap();
        let cfg = Config::from_toml(
            &format!(
                "[bigcommerce]\ncredentials_file = \"bc.txt\"\n[mirakl]\nbase_url = \"https://westfield-prod.mirakl.net\"\napi_key = \"{KEY}\"\nshop_id = 42\n[state]\npath = \"s.sqlite\"\n[rules]\nsafety_buffer = 2\n"
            ),
            &dir,
            &no_env,
        )
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(cfg.bigcommerce.credentials.store_hash().as_str(), "s7");
        assert!(format!("{:?}", cfg.bigcommerce.credentials).contains("s7"));
        assert_eq!(cfg.mirakl.shop_id, Some(42));
        assert_eq!(
            cfg.mirakl.base_url.as_str(),
            "https://westfield-prod.mirakl.net/"
        );
        assert_eq!(cfg.state_path, dir.join("s.sqlite"));
        assert_eq!(cfg.rules["safety_buffer"].as_integer(), Some(2));
        assert!(cfg.webhooks.is_none());
        assert_eq!(cfg.poll, PollConfig::default());
    }

    #[test]
    fn environment_completes_the_file_and_debug_redacts() {
        let env = |name: &str| match name {
            "BIGCOMMERCE_API_PATH" => Some("https://api.bigcommerce.com/stores/envhash/v3/".into()),
            "BIGCOMMERCE_ACCESS_TOKEN" => Some(TOKEN.into()),
            "MIRAKL_BASE_URL" => Some("https://m.example.com".into()),
            "MIRAKL_API_KEY" => Some(KEY.into()),
            "MIRAKL_SHOP_ID" => Some("7".into()),
            "CONNECTOR_WEBHOOK_SECRET" => Some("hook-secret-value".into()),
            _ => None,
        };
        let cfg = Config::from_toml(
            "[webhooks]\nlisten = \"0.0.0.0:9000\"\npublic_url = \"https://hooks.example.com/bc\"\n[poll]\nmirakl_orders_secs = 120\n",
            Path::new("."),
            &env,
        )
        .unwrap();
        assert_eq!(cfg.bigcommerce.credentials.store_hash().as_str(), "envhash");
        assert_eq!(cfg.mirakl.shop_id, Some(7));
        let w = cfg.webhooks.as_ref().unwrap();
        assert_eq!(w.listen.port(), 9000);
        assert_eq!(cfg.poll.mirakl_orders, Duration::from_secs(120));
        let shown = format!("{cfg:?}");
        for secret in [TOKEN, KEY, "hook-secret-value"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
    }

    #[test]
    fn orders_section_and_order_channel() {
        let env = |name: &str| match name {
            "BIGCOMMERCE_API_PATH" => Some("https://api.bigcommerce.com/stores/h1/v3/".into()),
            "BIGCOMMERCE_ACCESS_TOKEN" => Some(TOKEN.into()),
            "MIRAKL_BASE_URL" => Some("https://m.example.com".into()),
            "MIRAKL_API_KEY" => Some(KEY.into()),
            _ => None,
        };
        let cfg = Config::from_toml("", Path::new("."), &env).unwrap();
        assert_eq!(
            cfg.messages.deadline_warning,
            Duration::from_secs(12 * 3600)
        );
        assert_eq!(
            cfg.bigcommerce.order_channel,
            crate::channel::OrderChannel::default()
        );
        let cfg = Config::from_toml(
            "[orders]
messages_secs = 120
deadline_warning_hours = 6
acceptance_window_hours = 0
             [bigcommerce]
channel_name = \"Westfield\"\n",
            Path::new("."),
            &env,
        )
        .unwrap();
        assert_eq!(cfg.messages.poll, Duration::from_secs(120));
        assert_eq!(cfg.messages.deadline_warning, Duration::from_secs(6 * 3600));
        assert_eq!(cfg.messages.acceptance_window, None);
        assert_eq!(
            cfg.bigcommerce.order_channel,
            crate::channel::OrderChannel::Marketplace {
                name: "Westfield".into(),
                platform: "mirakl".into()
            }
        );
        let cfg =
            Config::from_toml("[bigcommerce]\nchannel_id = 5\n", Path::new("."), &env).unwrap();
        assert_eq!(
            cfg.bigcommerce.order_channel,
            crate::channel::OrderChannel::Fixed(5)
        );
        assert!(Config::from_toml("[orders]\nmessages_secs = 0\n", Path::new("."), &env).is_err());
    }

    #[test]
    fn price_list_locations_and_products_sections() {
        let env = |name: &str| match name {
            "BIGCOMMERCE_API_PATH" => Some("https://api.bigcommerce.com/stores/h1/v3/".into()),
            "BIGCOMMERCE_ACCESS_TOKEN" => Some(TOKEN.into()),
            "MIRAKL_BASE_URL" => Some("https://m.example.com".into()),
            "MIRAKL_API_KEY" => Some(KEY.into()),
            _ => None,
        };
        let load = |text: &str| Config::from_toml(text, Path::new("."), &env);
        let cfg = load(
            "[bigcommerce]\nprice_list_id = 3\nlocation_inventory = true\n\
             [products]\nenabled = true\nhold_offers = false\nimport_secs = 1200\n",
        )
        .unwrap();
        assert_eq!(cfg.bigcommerce.price_list_id, Some(3));
        assert!(cfg.bigcommerce.location_inventory);
        let p = cfg.products.unwrap();
        assert_eq!(p.import_interval, Duration::from_secs(1200));
        assert!(!p.hold_offers);
        assert_eq!(p.operator_ttl, Duration::from_secs(3600));
        // off unless enabled; defaults without the keys
        let cfg = load("[products]\nimport_secs = 1200\n").unwrap();
        assert!(cfg.products.is_none());
        assert_eq!(cfg.bigcommerce.price_list_id, None);
        assert!(!cfg.bigcommerce.location_inventory);
        // a typo in [products] is an error, not silently ignored
        assert!(load("[products]\nenable = true\n").is_err());
    }

    #[test]
    fn unknown_keys_everywhere_are_named_with_table_and_nearest_name() {
        let load = |text: &str| Config::from_toml(text, Path::new("."), &no_env).unwrap_err();
        for (text, key, table, near) in [
            (
                "[stat]\npath = \"x\"\n",
                "stat",
                "the top level",
                Some("state"),
            ),
            (
                "[mirakl]\nexternal_partnr = true\n",
                "external_partnr",
                "[mirakl]",
                Some("external_partner"),
            ),
            (
                "[mirakl]\nenforce_celings = false\n",
                "enforce_celings",
                "[mirakl]",
                Some("enforce_ceilings"),
            ),
            ("[state]\npaht = \"x\"\n", "paht", "[state]", Some("path")),
            (
                "[poll]\nmirakl_order_secs = 60\n",
                "mirakl_order_secs",
                "[poll]",
                Some("mirakl_orders_secs"),
            ),
            (
                "[bigcommerce]\nchanel_id = 1\n",
                "chanel_id",
                "[bigcommerce]",
                Some("channel_id"),
            ),
            (
                "[webhooks]\nlistn = \"x\"\n",
                "listn",
                "[webhooks]",
                Some("listen"),
            ),
            (
                "[products]\nenable = true\n",
                "enable",
                "[products]",
                Some("enabled"),
            ),
            ("colour = \"red\"\n", "colour", "the top level", None),
        ] {
            let err = load(text);
            match &err {
                ConfigError::UnknownKey {
                    key: k,
                    table: t,
                    suggestion,
                } => {
                    assert_eq!((k.as_str(), t.as_str(), *suggestion), (key, table, near));
                }
                other => panic!("{text}: {other}"),
            }
            let shown = err.to_string();
            assert!(shown.contains(key) && shown.contains(table), "{shown}");
            if let Some(near) = near {
                assert!(shown.contains(near), "{shown}");
            }
        }
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("stat", "state"), 1);
        assert_eq!(edit_distance("paht", "path"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(nearest("zzzzzz", &["state"]), None);
    }

    #[test]
    fn api_path_with_token_from_the_environment() {
        let env = |name: &str| match name {
            "BIGCOMMERCE_ACCESS_TOKEN" => Some(TOKEN.to_owned()),
            "MIRAKL_API_KEY" => Some(KEY.to_owned()),
            _ => None,
        };
        let cfg = Config::from_toml(
            "[bigcommerce]\napi_path = \"https://api.bigcommerce.com/stores/p4th/v3/\"\n[mirakl]\nbase_url = \"https://m.example.com\"\n",
            Path::new("."),
            &env,
        )
        .unwrap();
        assert_eq!(cfg.bigcommerce.credentials.store_hash().as_str(), "p4th");
        let err = Config::from_toml(
            "[bigcommerce]\napi_path = \"https://api.bigcommerce.com/v3/\"\naccess_token = \"t\"\n[mirakl]\nbase_url = \"https://m.example.com\"\n",
            Path::new("."),
            &env,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    what: "BigCommerce credentials",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn missing_and_invalid_values_are_named() {
        let err = Config::from_toml("", Path::new("."), &no_env).unwrap_err();
        assert!(err.to_string().contains("BigCommerce store"), "{err}");
        let err = Config::from_toml(
            &format!("[bigcommerce]\nstore_hash = \"h\"\naccess_token = \"{TOKEN}\"\n[mirakl]\nbase_url = \"http://mirakl.example.com\"\napi_key = \"{KEY}\"\n"),
            Path::new("."),
            &no_env,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    what: "mirakl.base_url",
                    ..
                }
            ),
            "{err}"
        );
        assert!(!err.to_string().contains(KEY));
        let err = Config::from_toml(
            &format!("[bigcommerce]\nstore_hash = \"h\"\naccess_token = \"{TOKEN}\"\n[mirakl]\nbase_url = \"https://m.example.com\"\napi_key = \"{KEY}\"\n[webhooks]\nlisten = \"0.0.0.0:1\"\nsecret = \"s\"\npublic_url = \"http://insecure.example.com\"\n"),
            Path::new("."),
            &no_env,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    what: "webhooks.public_url",
                    ..
                }
            ),
            "{err}"
        );
        let err =
            Config::from_toml("[mirakl]\nshop_id = \"x\"\n", Path::new("."), &no_env).unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }), "{err}");
    }

    #[test]
    fn observe_is_off_by_default_loopback_without_token_and_elsewhere_only_with_one() {
        let base = format!(
            "[bigcommerce]\nstore_hash = \"h\"\naccess_token = \"{TOKEN}\"\n[mirakl]\nbase_url = \"https://m.example.com\"\napi_key = \"{KEY}\"\n"
        );
        let load = |extra: &str, env: &dyn Env| {
            Config::from_toml(&format!("{base}{extra}"), Path::new("."), env)
        };
        assert!(load("", &no_env).unwrap().observe.is_none());
        let o = load("[observe]\nlisten = \"127.0.0.1:9464\"\n", &no_env)
            .unwrap()
            .observe
            .unwrap();
        assert_eq!(o.listen.port(), 9464);
        assert!(o.token.is_none());
        let err = load("[observe]\nlisten = \"0.0.0.0:9464\"\n", &no_env).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Missing {
                    what: "observe token",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("127.0.0.1"), "{err}");
        let env = |name: &str| (name == "CONNECTOR_OBSERVE_TOKEN").then(|| "from-env".to_owned());
        let o = load("[observe]\nlisten = \"0.0.0.0:9464\"\n", &env)
            .unwrap()
            .observe
            .unwrap();
        assert_eq!(o.token.as_ref().map(Secret::expose), Some("from-env"));
        assert!(
            !format!("{o:?}").contains("from-env"),
            "the token is redacted"
        );
        let err = load("[observe]\nlisten = \"nowhere\"\n", &no_env).unwrap_err();
        assert!(err.to_string().contains("observe.listen"), "{err}");
        let err = load("[observe]\ntoken = \"t\"\n", &no_env).unwrap_err();
        assert!(err.to_string().contains("observe.token"), "{err}");
        let err = load("[observe]\nlistn = \"127.0.0.1:1\"\n", &no_env).unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
    }
}
