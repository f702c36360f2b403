//! What the small example binaries do, as functions (so tests can run them on the sandbox):
//! building clients from a [`Config`], checking credentials, listing recent Mirakl orders and
//! exporting the desired offers as an OF01 CSV.

use std::time::Duration;

use bigcommerce_api::Client as BcClient;
use mirakl_api::Client as MkClient;
use mirakl_api::orders::Order;
use sync_core::rules::SyncRules;
use time::OffsetDateTime;

use crate::Connector;
use crate::config::Config;

/// The user agent the examples send.
pub fn user_agent() -> String {
    format!("bc-mirakl-sync-examples/{}", env!("CARGO_PKG_VERSION"))
}

/// Both clients for a configuration.
///
/// # Errors
/// A builder refused a setting (the message names it, never a secret).
pub fn clients(cfg: &Config) -> Result<(BcClient, MkClient), String> {
    clients_observed(cfg, None)
}

/// Both clients for a configuration, their calls observed by `telemetry` when given (call
/// metrics, `/healthz`, the status page: see [`crate::observe`]).
///
/// # Errors
/// A builder refused a setting (the message names it, never a secret).
pub fn clients_observed(
    cfg: &Config,
    telemetry: Option<&crate::observe::Telemetry>,
) -> Result<(BcClient, MkClient), String> {
    use crate::observe::wire::Service;
    let settings = |service| match telemetry {
        Some(t) => t.settings(service, user_agent()),
        None => bc_mirakl_api_core::settings::ClientSettings::new(user_agent()),
    };
    let mut bc = BcClient::builder(cfg.bigcommerce.credentials.clone())
        .settings(settings(Service::BigCommerce));
    if let Some(base) = &cfg.bigcommerce.api_base {
        bc = bc.base_url(base.as_str()).map_err(|e| e.to_string())?;
    }
    let bc = bc.build().map_err(|e| e.to_string())?;
    let mut mk = MkClient::builder(cfg.mirakl.base_url.as_str())
        .settings(settings(Service::Mirakl))
        .api_key(cfg.mirakl.api_key.expose())
        .shop_id(cfg.mirakl.shop_id)
        .user_agent(user_agent());
    mk = if !cfg.mirakl.enforce_ceilings {
        mk.without_limiter()
    } else if cfg.mirakl.external_partner {
        mk.ceilings(mirakl_api::ceilings::CallCeilings::external_partner())
    } else {
        mk
    };
    let mk = mk.build().map_err(|e| e.to_string())?;
    Ok((bc, mk))
}

/// The `[rules]` table as `sync-core` rules.
///
/// # Errors
/// The rules are invalid (unknown key, wrong type), with the TOML error.
pub fn rules(cfg: &Config) -> Result<SyncRules, String> {
    toml::Value::Table(cfg.rules.clone())
        .try_into()
        .map_err(|e: toml::de::Error| format!("[rules]: {e}"))
}

/// The outcome of a credential check for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The credentials work; what the service says about the account.
    Ok(String),
    /// They do not; why.
    Failed(String),
}

impl Check {
    /// Whether the check passed.
    pub fn ok(&self) -> bool {
        matches!(self, Check::Ok(_))
    }
}

/// Checks the BigCommerce token (`GET /v2/store`) and the Mirakl shop key (A01).
pub async fn check_credentials(bc: &BcClient, mk: &MkClient) -> (Check, Check) {
    let b = match bc.verify().await {
        Ok(info) => Check::Ok(format!(
            "store {:?} ({}), currency {}",
            info.name,
            bc.store_hash(),
            info.currency.as_deref().unwrap_or("?")
        )),
        Err(e) => Check::Failed(e.to_string()),
    };
    let m = match mk.account().get().await {
        Ok(shop) => Check::Ok(format!(
            "shop {} {:?}, state {}, currency {}",
            shop.shop_id,
            shop.shop_name.as_deref().unwrap_or(""),
            shop.shop_state
                .as_ref()
                .map_or_else(|| "?".to_owned(), |s| s.to_string()),
            shop.currency_iso_code.as_deref().unwrap_or("?")
        )),
        Err(e) => Check::Failed(e.to_string()),
    };
    (b, m)
}

/// Mirakl orders updated in the last `since` (newest first), at most `max`.
///
/// # Errors
/// The OR11 call failed.
pub async fn recent_orders(
    mk: &MkClient,
    since: Duration,
    max: usize,
) -> Result<Vec<Order>, mirakl_api::Error> {
    use futures::TryStreamExt;
    let mut orders: Vec<Order> = mk
        .orders()
        .list()
        .updated_since(OffsetDateTime::now_utc() - since)
        .max(100)
        .stream()
        .try_collect()
        .await?;
    orders.sort_by(|a, b| {
        b.last_updated_date
            .cmp(&a.last_updated_date)
            .then_with(|| a.order_id.as_str().cmp(b.order_id.as_str()))
    });
    orders.truncate(max);
    Ok(orders)
}

/// One line per order: id, state, creation date, total, lines.
pub fn order_line(o: &Order) -> String {
    let lines: Vec<String> = o
        .order_lines
        .iter()
        .map(|l| format!("{}×{}", l.quantity, l.offer_sku))
        .collect();
    format!(
        "{:<16} {:<20} {}  {:>10} {}  {}",
        o.order_id.as_str(),
        o.order_state.to_string(),
        o.created_date
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        o.total_price.map(|p| p.to_string()).unwrap_or_default(),
        o.currency_iso_code.as_deref().unwrap_or(""),
        lines.join(", ")
    )
}

/// The desired offers of the whole BigCommerce catalog as an OF01 CSV (the client's CSV
/// writer, Mirakl's column names), with the problems found.
///
/// # Errors
/// The catalog could not be read, or the CSV could not be written.
pub async fn offers_csv(connector: &Connector) -> Result<(Vec<u8>, Vec<String>), String> {
    let (desired, problems, _) = connector
        .desired_offers(&|_, _| {})
        .await
        .map_err(|e| e.to_string())?;
    let updates: Vec<_> = desired
        .values()
        .map(|d| sync_core::convert::offer_update(&sync_core::plan::OfferWrite::from(d)))
        .collect();
    let csv = mirakl_api::imports::write_offers_csv(&updates, &connector.mirakl().csv_options())
        .map_err(|e| e.to_string())?;
    let problems = problems
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p.sku.as_ref().map_or_else(
                    || format!("product {}", p.source.product_id),
                    |s| s.as_str().to_owned()
                ),
                p.reason
            )
        })
        .collect();
    Ok((csv, problems))
}

/// Loads `path`, or (without a path) a configuration from the environment only
/// (`BIGCOMMERCE_API_PATH`/`BIGCOMMERCE_STORE_HASH`, `BIGCOMMERCE_ACCESS_TOKEN`,
/// `MIRAKL_BASE_URL`, `MIRAKL_API_KEY`, `MIRAKL_SHOP_ID`).
///
/// # Errors
/// [`crate::config::ConfigError`] naming what is missing or invalid.
pub fn load_config(path: Option<&std::path::Path>) -> Result<Config, crate::config::ConfigError> {
    match path {
        Some(p) => Config::load(p),
        None => Config::from_toml("", std::path::Path::new("."), &crate::config::ProcessEnv),
    }
}
