//! Many connections in one process, several marketplaces from one store, and workers that
//! share the stores of one database.
//!
//! * **A connection** is one BigCommerce store with one or more Mirakl shops, each on its own
//!   operator instance with its own rules ([`FleetConfig`], from `[[connection]]` tables).
//!   The shops of a store share one BigCommerce client (so one pacer owns the store's quota)
//!   and one [`StockLedger`]; each shop has its own state namespace (`<connection>/<shop>`)
//!   and its own instance lease.
//! * **One stock ledger per store**: units held by open orders on *any* of the store's
//!   marketplaces are held back from *every* marketplace's offers, and order acceptance on one
//!   marketplace never interleaves with another's (one stock gate per store), so two
//!   marketplaces selling the last units at once cannot both be accepted. The rules allocate
//!   stock between marketplaces: the whole pool by default, or `share_percent` and `cap` per
//!   shop ([`ShopConfig::rules`]).
//! * **Workers** ([`run_worker`]): every worker process points at the same database, asks a
//!   [`LeaseBoard`] (PostgreSQL: `sync_state_postgres::workers::StoreLeases`) which stores it
//!   holds, renews them, starts the connections it gained and stops those it lost. A dead
//!   worker's stores are claimed by the others once its leases are stale. [`SoleWorker`] holds
//!   every store (one process, e.g. with SQLite state).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use sync_connector::fleet::{self, FleetConfig, SoleWorker, SqliteFiles, WorkerOptions};
//!
//! let cfg = FleetConfig::load("fleet.toml".as_ref())?;
//! let (_stop, stop) = tokio::sync::watch::channel(false);
//! let report = fleet::run_worker(
//!     &cfg,
//!     Arc::new(SoleWorker::new(&cfg)),
//!     Arc::new(SqliteFiles::new(&cfg.state_path)),
//!     WorkerOptions::default(),
//!     stop,
//! )
//! .await;
//! println!("{report:?}");
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use bc_mirakl_api_core::secret::Secret;
use mirakl_api::MiraklOrderId;
use rust_decimal::Decimal;
use sync_core::ShopSku;
use sync_core::lifecycle::OrderRecord;
use sync_core::rules::SyncRules;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{Config, ConfigError, Env, ProcessEnv};
use crate::context::{Shared, lock};
use crate::offers::OffersFlow;
use crate::orders::OrderBook;
use crate::runner::{self, RunOptions};
use crate::state::{LeaseHolder, StateError, StateStore};
use crate::{Connector, ConnectorOptions};

// ------------------------------------------------------------------ stock ledger

/// One BigCommerce store's stock, shared by its shops on several marketplaces: one stock gate
/// (order steps and offer quantities of every shop take turns) and the open orders of every
/// shop's book counted as held (see the [module docs](self)). Build one per store and pass it
/// to [`Connector::with_ledger`] for each of its shops.
#[derive(Default)]
pub struct StockLedger {
    gate: Arc<tokio::sync::RwLock<()>>,
    members: Mutex<Vec<Member>>,
}

struct Member {
    book: Weak<OrderBook>,
    store: Arc<dyn StateStore>,
    offers: Weak<OffersFlow>,
}

impl std::fmt::Debug for StockLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StockLedger")
            .field("shops", &self.shops())
            .finish_non_exhaustive()
    }
}

impl StockLedger {
    /// A ledger with no shop yet.
    pub fn new() -> Arc<StockLedger> {
        Arc::new(StockLedger::default())
    }

    /// How many live shops share it.
    pub fn shops(&self) -> usize {
        lock(&self.members)
            .iter()
            .filter(|m| m.book.strong_count() > 0)
            .count()
    }

    pub(crate) fn gate(&self) -> Arc<tokio::sync::RwLock<()>> {
        self.gate.clone()
    }

    pub(crate) fn join(
        &self,
        book: &Arc<OrderBook>,
        store: Arc<dyn StateStore>,
        offers: &Arc<OffersFlow>,
    ) {
        let mut members = lock(&self.members);
        members.retain(|m| m.book.strong_count() > 0);
        members.push(Member {
            book: Arc::downgrade(book),
            store,
            offers: Arc::downgrade(offers),
        });
    }

    /// Units held per SKU by the open orders of every shop not yet created in BigCommerce
    /// (see [`held_among`]).
    async fn held_units(
        &self,
        own: &Arc<OrderBook>,
        except: Option<&MiraklOrderId>,
        memo: Option<&RecordMemo>,
    ) -> crate::Result<BTreeMap<ShopSku, u64>> {
        let members: Vec<(Arc<OrderBook>, Arc<dyn StateStore>)> = lock(&self.members)
            .iter()
            .filter_map(|m| m.book.upgrade().map(|b| (b, m.store.clone())))
            .collect();
        held_among(&members, own, except, memo).await
    }

    /// Marks the products dirty in every shop's offers (their stock to offer changed).
    pub(crate) fn mark_stock_changed(&self, ids: &[u64]) {
        let offers: Vec<Arc<OffersFlow>> = lock(&self.members)
            .iter()
            .filter_map(|m| m.offers.upgrade())
            .collect();
        for o in offers {
            o.mark_stock_changed(ids);
        }
    }
}

/// The units held back from a shop's offers, or weighed by an acceptance (`except`: the
/// order being decided): its own book's, or with a ledger every shop's of the store (see
/// [`held_among`]). `memo`: the shop's order records as read earlier in the same batch of
/// acceptance decisions.
pub(crate) async fn held_units(
    shared: &Shared,
    book: &Arc<OrderBook>,
    except: Option<&MiraklOrderId>,
    memo: Option<&RecordMemo>,
) -> crate::Result<BTreeMap<ShopSku, u64>> {
    match &shared.ledger {
        Some(ledger) => ledger.held_units(book, except, memo).await,
        None => held_among(&[(book.clone(), shared.store.clone())], book, except, memo).await,
    }
}

/// Units held per SKU by the open orders in `members` (each shop's book with its state) not
/// yet created in BigCommerce.
///
/// For an acceptance (`except` names the order of the `own` book being decided), orders
/// still waiting for acceptance that arrived *after* it (by creation date, then id, then
/// shop) are not counted: the first order claims the units. Counting every waiting order
/// would refuse the earlier order for units a later one may never take (and make two
/// marketplaces refuse each other's orders for the last units); counting none would accept
/// both. Offers (no `except`) count every open order.
///
/// Orders that hold no units are not looked up in the state; with `memo`, the own shop's
/// records are read once per batch of decisions.
pub(crate) async fn held_among(
    members: &[(Arc<OrderBook>, Arc<dyn StateStore>)],
    own: &Arc<OrderBook>,
    except: Option<&MiraklOrderId>,
    memo: Option<&RecordMemo>,
) -> crate::Result<BTreeMap<ShopSku, u64>> {
    use mirakl_api::orders::OrderState;
    let own_index = members.iter().position(|(b, _)| Arc::ptr_eq(b, own));
    let deciding = except.and_then(|id| {
        own.snapshot()
            .into_iter()
            .find(|o| o.order_id == *id)
            .map(|o| (o.created_date, o.order_id.as_str().to_owned(), own_index))
    });
    let mut total: BTreeMap<ShopSku, u64> = BTreeMap::new();
    for (index, (book, store)) in members.iter().enumerate() {
        let mine = Arc::ptr_eq(book, own);
        // orders with an OR21 whose outcome is not known (its answer lost, or refused while
        // an earlier one may have gone through): Mirakl may have taken their units
        let uncertain = match (&deciding, memo.filter(|_| mine)) {
            (None, _) => BTreeSet::new(),
            (Some(_), Some(memo)) => memo.uncertain_acceptances(store.as_ref()).await?,
            (Some(_), None) => uncertain_acceptances(store.as_ref()).await?,
        };
        let mut orders = Vec::new();
        for o in book.snapshot() {
            if mine && except.is_some_and(|e| o.order_id == *e) {
                continue;
            }
            if sync_core::orders::held_units(std::slice::from_ref(&o), |_| false).is_empty() {
                continue;
            }
            let id = o.order_id.as_str();
            let record = match memo.filter(|_| mine) {
                Some(memo) => memo.record(store.as_ref(), id).await?,
                None => store.order(id).await?.map(|e| e.record),
            };
            if record
                .as_ref()
                .is_some_and(|r| r.bigcommerce_order_id.is_some())
            {
                continue;
            }
            // a later order not decided yet (the book may still show an order this
            // connector accepted a moment ago as waiting: its record or its OR21 in flight
            // says otherwise)
            if let Some(me) = &deciding
                && o.order_state == OrderState::WaitingAcceptance
                && !record.as_ref().is_some_and(|r| r.acceptance_sent)
                && !uncertain.contains(id)
                && (o.created_date, o.order_id.as_str().to_owned(), Some(index)) > *me
            {
                continue;
            }
            orders.push(o);
        }
        for (sku, n) in sync_core::orders::held_units(&orders, |_| false) {
            *total.entry(sku).or_default() += n;
        }
    }
    Ok(total)
}

/// The orders of `store` with an OR21 call begun and not settled.
async fn uncertain_acceptances(store: &dyn StateStore) -> crate::Result<BTreeSet<String>> {
    Ok(store
        .in_flight_calls()
        .await?
        .into_iter()
        .filter(|c| c.kind == crate::orders::CALL_ACCEPT)
        .map(|c| c.key)
        .collect())
}

/// A shop's order records read once for a batch of acceptance decisions made under the
/// whole stock gate (no other order step of the store runs meanwhile, so no record changes
/// but those of the orders the batch acts on, which it forgets): each decision weighs every
/// open order, and one read of each record per batch rather than per decision keeps a batch
/// of N decisions at N reads.
#[derive(Default)]
pub(crate) struct RecordMemo {
    records: Mutex<HashMap<String, Option<OrderRecord>>>,
    uncertain: Mutex<Option<BTreeSet<String>>>,
}

impl RecordMemo {
    /// [`uncertain_acceptances`], read once: the batch sends its OR21 calls after its
    /// decisions.
    async fn uncertain_acceptances(
        &self,
        store: &dyn StateStore,
    ) -> crate::Result<BTreeSet<String>> {
        if let Some(u) = lock(&self.uncertain).as_ref() {
            return Ok(u.clone());
        }
        let u = uncertain_acceptances(store).await?;
        *lock(&self.uncertain) = Some(u.clone());
        Ok(u)
    }

    async fn record(&self, store: &dyn StateStore, id: &str) -> crate::Result<Option<OrderRecord>> {
        if let Some(r) = lock(&self.records).get(id) {
            return Ok(r.clone());
        }
        let r = store.order(id).await?.map(|e| e.record);
        lock(&self.records).insert(id.to_owned(), r.clone());
        Ok(r)
    }

    /// Forgets the record of `id` (the batch acted on the order).
    pub(crate) fn forget(&self, id: &str) {
        lock(&self.records).remove(id);
    }
}

// ------------------------------------------------------------------ configuration

/// Why a fleet could not be configured or a connection not started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// The file, or one shop's part of it, is not a valid configuration.
    #[error("{context}: {source}")]
    Config {
        /// Which part (`the file`, or `connection "x", shop "y"`).
        context: String,
        /// What is wrong.
        #[source]
        source: ConfigError,
    },
    /// A value of the fleet tables (`[[connection]]`, `[worker]`) is unusable.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which value.
        what: String,
        /// Why.
        reason: String,
    },
    /// The state could not be opened, or its lease taken.
    #[error("connection {connection}: {source}")]
    State {
        /// The connection.
        connection: String,
        /// What the store said.
        #[source]
        source: StateError,
    },
    /// A connection could not start (clients, rules, tax basis, …).
    #[error("connection {connection}: {reason}")]
    Start {
        /// The connection.
        connection: String,
        /// Why (never a secret).
        reason: String,
    },
}

/// One Mirakl shop of a connection.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// The shop's id within its connection (`[[connection.mirakl]] id`).
    pub id: String,
    /// The whole single-connection configuration of this shop (its store, its operator, its
    /// merged rules and poll intervals).
    pub config: Config,
    /// Share of the store's stock (after holds and buffers) offered on this marketplace, in
    /// percent (`None`: the whole pool).
    pub share_percent: Option<Decimal>,
    /// Largest quantity offered on this marketplace (`None`: no cap beyond the rules').
    pub cap: Option<u64>,
}

impl ShopConfig {
    /// The shop's rules with its allocation applied: a share keeps `share_percent` of what the
    /// stock rules leave (rounded down, on top of any `buffer_percent`), a cap lowers
    /// `max_quantity`.
    ///
    /// # Errors
    /// The `[rules]` table is invalid.
    pub fn rules(&self) -> Result<SyncRules, String> {
        let mut rules = crate::tools::rules(&self.config)?;
        allocate(&mut rules, self.share_percent, self.cap);
        Ok(rules)
    }

    /// This shop's id in a shared state: `<connection>/<shop>`.
    pub fn state_id(&self, connection: &str) -> String {
        format!("{connection}/{}", self.id)
    }
}

/// Applies a marketplace's share and cap to its stock rules.
fn allocate(rules: &mut SyncRules, share_percent: Option<Decimal>, cap: Option<u64>) {
    let hundred = Decimal::ONE_HUNDRED;
    if let Some(share) = share_percent {
        let share = share.clamp(Decimal::ZERO, hundred);
        let kept = hundred - rules.stock.buffer_percent.clamp(Decimal::ZERO, hundred);
        rules.stock.buffer_percent = hundred - kept * share / hundred;
    }
    if let Some(cap) = cap {
        rules.stock.max_quantity = Some(rules.stock.max_quantity.map_or(cap, |m| m.min(cap)));
    }
}

/// One BigCommerce store with its Mirakl shops.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// The connection id (`[[connection]] id`): the key of its store lease.
    pub id: String,
    /// Its shops, at least one.
    pub shops: Vec<ShopConfig>,
}

/// How often a worker renews and rebalances, and when a silent worker's stores are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    /// Interval between two lease rounds (renewal, fair share, claims).
    pub renew_every: Duration,
    /// A lease not renewed for this long is taken over (keep it at three renewals or more).
    pub stale_after: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            renew_every: Duration::from_secs(10),
            stale_after: Duration::from_secs(60),
        }
    }
}

/// A configuration of many connections (`[[connection]]` tables), or the single connection of
/// a plain `connector.toml`.
///
/// ```toml
/// [state]
/// url = "postgres://sync@db.internal/sync"   # or path = "state.sqlite" (one file per shop)
/// [worker]
/// renew_secs = 10
/// stale_secs = 60
/// [poll]                       # defaults for every shop, overridable per connection
/// mirakl_orders_secs = 60
/// [rules.stock]                # defaults for every shop
/// buffer_units = 1
///
/// [[connection]]
/// id = "acme"
/// [connection.bigcommerce]
/// store_hash = "abc123"
/// access_token = "…"
/// [connection.rules.price]     # this store's shops
/// markup_percent = 5
/// [[connection.mirakl]]
/// id = "westfield"
/// base_url = "https://westfield-prod.mirakl.net/"
/// api_key = "…"
/// share_percent = 60           # of the pool; the other marketplace gets the rest
/// [[connection.mirakl]]
/// id = "other"
/// base_url = "https://other.mirakl.net/"
/// api_key = "…"
/// cap = 20
/// ```
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// The connections, sorted by id.
    pub connections: Vec<ConnectionConfig>,
    /// PostgreSQL state (`[state] url` or `CONNECTOR_STATE_URL`).
    pub state_url: Option<Secret>,
    /// SQLite state: each shop's file is named after this one (see [`SqliteFiles`]).
    pub state_path: PathBuf,
    /// Lease timing (`[worker] renew_secs`, `stale_secs`).
    pub worker: WorkerOptions,
}

const CONNECTION_KEYS: &[&str] = &["id", "bigcommerce", "mirakl", "rules", "poll", "products"];

impl FleetConfig {
    /// Loads `path`, completing it from the process environment.
    ///
    /// # Errors
    /// [`FleetError`] naming the file or the shop whose part is invalid.
    pub fn load(path: &Path) -> Result<FleetConfig, FleetError> {
        let text = std::fs::read_to_string(path).map_err(|source| FleetError::Config {
            context: "the file".into(),
            source: ConfigError::Read {
                path: path.to_owned(),
                source,
            },
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        FleetConfig::from_toml(&text, dir, &ProcessEnv)
    }

    /// Builds the fleet from TOML text. A file without `[[connection]]` is one connection
    /// (id: the store hash) with one shop (id `mirakl`), read as [`Config::from_toml`] reads
    /// it. With `[[connection]]` tables, each shop's configuration is the top-level tables
    /// (`[poll]`, `[products]`, `[rules]`) overlaid by its connection's and then its own
    /// `rules`; credentials come from the file only (the environment would give every shop
    /// the same keys), except `CONNECTOR_STATE_URL`.
    ///
    /// # Errors
    /// [`FleetError`] naming the file or the shop whose part is invalid.
    pub fn from_toml(text: &str, dir: &Path, env: &dyn Env) -> Result<FleetConfig, FleetError> {
        let file_error = |source| FleetError::Config {
            context: "the file".into(),
            source,
        };
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| {
            file_error(ConfigError::Parse {
                path: PathBuf::from("<config>"),
                message: e.message().to_owned(),
            })
        })?;
        let worker = worker_options(doc.remove("worker"))?;
        let Some(connections) = doc.remove("connection") else {
            let config = Config::from_toml(text_without_worker(text, &doc)?.as_str(), dir, env)
                .map_err(file_error)?;
            let id = config.bigcommerce.credentials.store_hash().to_string();
            return Ok(FleetConfig {
                state_url: config.state_url.clone(),
                state_path: config.state_path.clone(),
                connections: vec![ConnectionConfig {
                    id: valid_id("connection id", &id)?,
                    shops: vec![ShopConfig {
                        id: "mirakl".into(),
                        config,
                        share_percent: None,
                        cap: None,
                    }],
                }],
                worker,
            });
        };
        for key in ["bigcommerce", "mirakl", "webhooks", "observe"] {
            if doc.contains_key(key) {
                return Err(invalid(
                    format!("[{key}]"),
                    "with [[connection]] tables, stores and shops are given per connection (webhooks and the observe endpoint are not served by workers)",
                ));
            }
        }
        let state = doc.get("state").and_then(|s| s.as_table());
        let state_url = state
            .and_then(|s| s.get("url"))
            .and_then(|u| u.as_str())
            .map(|u| Secret::new(u.to_owned()))
            .or_else(|| env.var("CONNECTOR_STATE_URL").map(Secret::new));
        let state_path = state
            .and_then(|s| s.get("path"))
            .and_then(|p| p.as_str())
            .map_or_else(|| PathBuf::from("connector.sqlite"), PathBuf::from);
        let state_path = if state_path.is_absolute() {
            state_path
        } else {
            dir.join(state_path)
        };
        let toml::Value::Array(connections) = connections else {
            return Err(invalid("connection", "must be [[connection]] tables"));
        };
        let mut out: Vec<ConnectionConfig> = Vec::new();
        for conn in connections {
            let toml::Value::Table(mut conn) = conn else {
                return Err(invalid("connection", "must be [[connection]] tables"));
            };
            if let Some(k) = conn.keys().find(|k| !CONNECTION_KEYS.contains(&k.as_str())) {
                return Err(invalid(
                    format!("[[connection]] key `{k}`"),
                    format!("known keys: {}", CONNECTION_KEYS.join(", ")),
                ));
            }
            let id = match conn.remove("id") {
                Some(toml::Value::String(s)) => valid_id("connection id", &s)?,
                _ => return Err(invalid("[[connection]] id", "missing (a string)")),
            };
            if out.iter().any(|c| c.id == id) {
                return Err(invalid("connection id", format!("{id:?} is given twice")));
            }
            let shops = match conn.remove("mirakl") {
                Some(toml::Value::Array(a)) if !a.is_empty() => a,
                _ => {
                    return Err(invalid(
                        format!("connection {id:?}"),
                        "needs at least one [[connection.mirakl]] shop",
                    ));
                }
            };
            let mut shop_configs: Vec<ShopConfig> = Vec::new();
            for shop in shops {
                let toml::Value::Table(mut shop) = shop else {
                    return Err(invalid("connection.mirakl", "must be tables"));
                };
                let shop_id = match shop.remove("id") {
                    Some(toml::Value::String(s)) => valid_id("shop id", &s)?,
                    _ => {
                        return Err(invalid(
                            format!("connection {id:?}: [[connection.mirakl]] id"),
                            "missing (a string)",
                        ));
                    }
                };
                if shop_configs.iter().any(|s| s.id == shop_id) {
                    return Err(invalid("shop id", format!("{shop_id:?} is given twice")));
                }
                let share_percent = match shop.remove("share_percent") {
                    None => None,
                    Some(v) => Some(percent(&v).ok_or_else(|| {
                        invalid(
                            format!("connection {id:?}, shop {shop_id:?}: share_percent"),
                            "a number from 0 to 100",
                        )
                    })?),
                };
                let cap = match shop.remove("cap") {
                    None => None,
                    Some(toml::Value::Integer(n)) if n >= 0 => u64::try_from(n).ok(),
                    Some(_) => {
                        return Err(invalid(
                            format!("connection {id:?}, shop {shop_id:?}: cap"),
                            "a whole number of units",
                        ));
                    }
                };
                let shop_rules = shop.remove("rules");
                let mut one = toml::Table::new();
                for key in ["poll", "products", "state"] {
                    let mut merged = doc.get(key).cloned();
                    if let Some(over) = conn.get(key) {
                        merged = Some(match merged {
                            Some(base) => merge(base, over.clone()),
                            None => over.clone(),
                        });
                    }
                    if let Some(v) = merged {
                        one.insert(key.into(), v);
                    }
                }
                let mut rules = doc
                    .get("rules")
                    .cloned()
                    .unwrap_or(toml::Value::Table(toml::Table::new()));
                for over in [conn.get("rules").cloned(), shop_rules]
                    .into_iter()
                    .flatten()
                {
                    rules = merge(rules, over);
                }
                one.insert("rules".into(), rules);
                if let Some(bc) = conn.get("bigcommerce") {
                    one.insert("bigcommerce".into(), bc.clone());
                }
                one.insert("mirakl".into(), toml::Value::Table(shop));
                let context = format!("connection {id:?}, shop {shop_id:?}");
                let text = toml::to_string(&one).map_err(|e| invalid(&context, e.to_string()))?;
                // credentials from the file only: the environment is the same for every shop
                let no_env = |_: &str| None;
                let config = Config::from_toml(&text, dir, &no_env).map_err(|source| {
                    FleetError::Config {
                        context: context.clone(),
                        source,
                    }
                })?;
                let shop_config = ShopConfig {
                    id: shop_id,
                    config,
                    share_percent,
                    cap,
                };
                shop_config
                    .rules()
                    .map_err(|reason| invalid(format!("{context}: rules"), reason))?;
                shop_configs.push(shop_config);
            }
            if shop_configs.len() > 1 {
                tell_marketplaces_apart(&id, &mut shop_configs)?;
            }
            let store = shop_configs[0].config.bigcommerce.credentials.store_hash();
            if shop_configs
                .iter()
                .any(|s| s.config.bigcommerce.credentials.store_hash() != store)
            {
                return Err(invalid(
                    format!("connection {id:?}"),
                    "its shops name different BigCommerce stores",
                ));
            }
            out.push(ConnectionConfig {
                id,
                shops: shop_configs,
            });
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(FleetConfig {
            connections: out,
            state_url,
            state_path,
            worker,
        })
    }

    /// The connection with this id.
    pub fn connection(&self, id: &str) -> Option<&ConnectionConfig> {
        self.connections.iter().find(|c| c.id == id)
    }

    /// The connection ids, sorted (the store-lease keys).
    pub fn connection_ids(&self) -> Vec<String> {
        self.connections.iter().map(|c| c.id.clone()).collect()
    }
}

/// Mirakl order ids are unique per operator only, and BigCommerce finds a created order by
/// `external_order_id` (the Mirakl order id): the shops of one store must create their orders
/// under distinct `external_source`s, or one shop would adopt another's order as its own. A
/// shop left at the default (`mirakl`) gets `mirakl-<shop id>`; two shops set alike are
/// refused.
fn tell_marketplaces_apart(connection: &str, shops: &mut [ShopConfig]) -> Result<(), FleetError> {
    let default = sync_core::rules::OrderRules::default().external_source;
    let mut seen = BTreeSet::new();
    for shop in shops.iter_mut() {
        let rules = shop.rules().map_err(|reason| {
            invalid(
                format!("connection {connection:?}, shop {:?}: rules", shop.id),
                reason,
            )
        })?;
        let mut source = rules.orders.external_source;
        if source == default {
            source = format!("{default}-{}", shop.id);
            let orders = shop
                .config
                .rules
                .entry("orders")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = orders {
                t.insert(
                    "external_source".into(),
                    toml::Value::String(source.clone()),
                );
            }
        }
        if !seen.insert(source.clone()) {
            return Err(invalid(
                format!("connection {connection:?}: rules.orders.external_source"),
                format!("{source:?} is used by two shops (each marketplace needs its own)"),
            ));
        }
    }
    Ok(())
}

fn invalid(what: impl Into<String>, reason: impl Into<String>) -> FleetError {
    FleetError::Invalid {
        what: what.into(),
        reason: reason.into(),
    }
}

/// Ids become lease keys and state namespaces: letters, digits, `.`, `_`, `-`, at most 64.
fn valid_id(what: &str, id: &str) -> Result<String, FleetError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(id.to_owned())
    } else {
        Err(invalid(
            what,
            format!("{id:?}: 1 to 64 letters, digits, '.', '_' or '-'"),
        ))
    }
}

fn percent(v: &toml::Value) -> Option<Decimal> {
    let d = match v {
        toml::Value::Integer(n) => Decimal::from(*n),
        toml::Value::Float(f) => Decimal::try_from(*f).ok()?,
        _ => return None,
    };
    (Decimal::ZERO..=Decimal::ONE_HUNDRED)
        .contains(&d)
        .then_some(d)
}

/// `over` laid over `base`: tables merge key by key, anything else is replaced.
fn merge(base: toml::Value, over: toml::Value) -> toml::Value {
    match (base, over) {
        (toml::Value::Table(mut b), toml::Value::Table(o)) => {
            for (k, v) in o {
                let merged = match b.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            toml::Value::Table(b)
        }
        (_, o) => o,
    }
}

fn worker_options(table: Option<toml::Value>) -> Result<WorkerOptions, FleetError> {
    let mut opts = WorkerOptions::default();
    let Some(table) = table else {
        return Ok(opts);
    };
    let toml::Value::Table(t) = table else {
        return Err(invalid("[worker]", "must be a table"));
    };
    for (k, v) in t {
        let secs = match v {
            toml::Value::Integer(n) if n > 0 => Duration::from_secs(n.unsigned_abs()),
            _ => {
                return Err(invalid(
                    format!("worker.{k}"),
                    "a whole number of seconds > 0",
                ));
            }
        };
        match k.as_str() {
            "renew_secs" => opts.renew_every = secs,
            "stale_secs" => opts.stale_after = secs,
            _ => {
                return Err(invalid(
                    format!("[worker] key `{k}`"),
                    "known keys: renew_secs, stale_secs",
                ));
            }
        }
    }
    if opts.stale_after < opts.renew_every * 3 {
        return Err(invalid(
            "[worker] stale_secs",
            "must be at least three renewals (renew_secs × 3)",
        ));
    }
    Ok(opts)
}

/// A single-connection file may carry `[worker]` too; [`Config`] does not know it.
fn text_without_worker(text: &str, doc_without_worker: &toml::Table) -> Result<String, FleetError> {
    if toml::from_str::<toml::Table>(text).is_ok_and(|d| d.contains_key("worker")) {
        toml::to_string(doc_without_worker).map_err(|e| invalid("the file", e.to_string()))
    } else {
        Ok(text.to_owned())
    }
}

// ------------------------------------------------------------------ state

/// Opens the state of one shop by its id (`<connection>/<shop>`).
#[async_trait]
pub trait StateSource: Send + Sync {
    /// The store of `id`.
    ///
    /// # Errors
    /// The store cannot be opened.
    async fn open(&self, id: &str) -> crate::state::Result<Arc<dyn StateStore>>;
}

/// SQLite state, one file per shop beside the configured one: `connector.sqlite` gives
/// `connector-<connection>-<shop>.sqlite`.
#[derive(Debug, Clone)]
pub struct SqliteFiles {
    base: PathBuf,
}

impl SqliteFiles {
    /// Files named after `base`.
    pub fn new(base: &Path) -> SqliteFiles {
        SqliteFiles {
            base: base.to_owned(),
        }
    }

    /// The file of shop `id`.
    pub fn path(&self, id: &str) -> PathBuf {
        let stem = self
            .base
            .file_stem()
            .map_or_else(|| "connector".into(), |s| s.to_string_lossy().into_owned());
        let ext = self
            .base
            .extension()
            .map_or_else(|| "sqlite".into(), |s| s.to_string_lossy().into_owned());
        self.base
            .with_file_name(format!("{stem}-{}.{ext}", id.replace('/', "-")))
    }
}

#[async_trait]
impl StateSource for SqliteFiles {
    async fn open(&self, id: &str) -> crate::state::Result<Arc<dyn StateStore>> {
        Ok(Arc::new(crate::state::SqliteStore::open(self.path(id))?))
    }
}

// ------------------------------------------------------------------ one running connection

/// The engine options of a shop, as the `sync` binary sets them from its configuration.
pub fn connector_options(cfg: &Config) -> ConnectorOptions {
    ConnectorOptions {
        order_overlap: cfg.poll.order_overlap,
        import_poll: cfg.poll.import_status,
        // without a shipment webhook, look at open orders' shipments at the poll pace
        shipment_recheck: cfg.poll.bigcommerce,
        products: cfg.products.clone(),
        price_list_id: cfg.bigcommerce.price_list_id,
        location_inventory: cfg.bigcommerce.location_inventory,
        ..ConnectorOptions::default()
    }
}

/// The runner intervals of a shop (polling only: workers receive no webhooks).
pub fn run_options(cfg: &Config) -> RunOptions {
    RunOptions {
        order_poll: cfg.poll.mirakl_orders,
        bigcommerce_poll: Some(cfg.poll.bigcommerce),
        full_reconcile: Some(cfg.poll.full_reconcile),
        tick: Duration::from_secs(1),
        reconcile_on_start: true,
    }
}

/// A started connection: one engine and runner per shop over one BigCommerce client and one
/// [`StockLedger`], each shop holding the instance lease on its state.
pub struct RunningConnection {
    id: String,
    engines: Vec<(String, Arc<Connector>)>,
    stores: Vec<Arc<dyn StateStore>>,
    holder: LeaseHolder,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    lease_keeper: JoinHandle<()>,
    lost: watch::Receiver<bool>,
}

impl std::fmt::Debug for RunningConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningConnection")
            .field("id", &self.id)
            .field("shops", &self.engines.len())
            .finish_non_exhaustive()
    }
}

impl RunningConnection {
    /// Starts `conn`: opens each shop's state from `states`, takes its instance lease (a
    /// holder not renewed for `stale_after`, or a process gone from this host, is replaced),
    /// builds the clients (one BigCommerce client for all shops), checks the tax basis,
    /// resumes calls in flight and spawns one runner per shop. Leases taken before a failure
    /// are released.
    ///
    /// # Errors
    /// [`FleetError`] naming the connection and why.
    pub async fn start(
        conn: &ConnectionConfig,
        states: &dyn StateSource,
        stale_after: Duration,
    ) -> Result<RunningConnection, FleetError> {
        let holder = LeaseHolder::this_process();
        let mut stores: Vec<Arc<dyn StateStore>> = Vec::new();
        let result = Self::start_inner(conn, states, stale_after, &holder, &mut stores).await;
        if result.is_err() {
            for s in &stores {
                let _ = s.release_lease(&holder).await;
            }
        }
        result
    }

    async fn start_inner(
        conn: &ConnectionConfig,
        states: &dyn StateSource,
        stale_after: Duration,
        holder: &LeaseHolder,
        stores: &mut Vec<Arc<dyn StateStore>>,
    ) -> Result<RunningConnection, FleetError> {
        let state_error = |source| FleetError::State {
            connection: conn.id.clone(),
            source,
        };
        let start_error = |reason: String| FleetError::Start {
            connection: conn.id.clone(),
            reason,
        };
        for shop in &conn.shops {
            let store = states
                .open(&shop.state_id(&conn.id))
                .await
                .map_err(state_error)?;
            take_lease(store.as_ref(), holder, stale_after)
                .await
                .map_err(state_error)?;
            stores.push(store);
        }
        let ledger = (conn.shops.len() > 1).then(StockLedger::new);
        let mut bc = None;
        let mut engines = Vec::new();
        for (shop, store) in conn.shops.iter().zip(stores.iter()) {
            let (own_bc, mirakl) = crate::tools::clients(&shop.config).map_err(start_error)?;
            let bc = bc.get_or_insert(own_bc).clone();
            let rules = shop.rules().map_err(start_error)?;
            let engine = Arc::new(Connector::with_ledger(
                bc,
                mirakl,
                store.clone(),
                rules,
                connector_options(&shop.config),
                ledger.clone(),
            ));
            match engine.check_tax_basis().await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(start_error(format!("shop {}: {e}", shop.id))),
                Err(e) => {
                    return Err(start_error(format!(
                        "shop {}: cannot read the store's tax setting: {e}",
                        shop.id
                    )));
                }
            }
            engine
                .in_flight_on_start()
                .await
                .map_err(|e| start_error(format!("shop {}: {e}", shop.id)))?;
            engines.push((shop.id.clone(), engine));
        }
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        for ((_, engine), shop) in engines.iter().zip(&conn.shops) {
            // no webhooks: the sender is dropped, the runner polls
            let (_tx, rx) = mpsc::unbounded_channel();
            tasks.push(tokio::spawn(runner::run(
                engine.clone(),
                run_options(&shop.config),
                rx,
                stop_rx.clone(),
            )));
        }
        let (lost_tx, lost) = watch::channel(false);
        let lease_keeper = tokio::spawn(keep_leases(
            conn.id.clone(),
            stores.clone(),
            holder.clone(),
            stale_after,
            stop.clone(),
            lost_tx,
        ));
        Ok(RunningConnection {
            id: conn.id.clone(),
            engines,
            stores: stores.clone(),
            holder: holder.clone(),
            stop,
            tasks,
            lease_keeper,
            lost,
        })
    }

    /// The connection id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Each shop's engine, by shop id.
    pub fn engines(&self) -> &[(String, Arc<Connector>)] {
        &self.engines
    }

    /// Whether an instance lease was lost (the connection then stopped itself).
    pub fn lost(&self) -> bool {
        *self.lost.borrow()
    }

    /// Stops the runners after their current step, then releases the instance leases.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.lease_keeper.abort();
        for s in &self.stores {
            if let Err(e) = s.release_lease(&self.holder).await {
                tracing::warn!(connection = %self.id, error = %e, "could not release the lease");
            }
        }
    }
}

/// Takes the instance lease; a holder on this host whose process is gone is replaced at once.
async fn take_lease(
    state: &dyn StateStore,
    holder: &LeaseHolder,
    stale_after: Duration,
) -> crate::state::Result<()> {
    match state.acquire_lease(holder, stale_after).await {
        Err(StateError::LeaseHeld { holder: old })
            if old.host == holder.host && !process_alive(old.pid) =>
        {
            state.acquire_lease(holder, Duration::ZERO).await
        }
        other => other,
    }
}

/// Whether process `pid` runs on this host (Linux: `/proc/<pid>`; elsewhere assumed alive,
/// so only the staleness bound frees the lease).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Renews the shops' instance leases; a lost one stops the whole connection (carrying on
/// could repeat the new holder's calls).
async fn keep_leases(
    id: String,
    stores: Vec<Arc<dyn StateStore>>,
    holder: LeaseHolder,
    stale_after: Duration,
    stop: watch::Sender<bool>,
    lost: watch::Sender<bool>,
) {
    loop {
        tokio::time::sleep(stale_after / 4).await;
        for s in &stores {
            match s.renew_lease(&holder).await {
                Ok(()) => {}
                Err(StateError::LeaseLost) => {
                    tracing::error!(connection = %id, "the lease was lost to another worker; stopping");
                    let _ = lost.send(true);
                    let _ = stop.send(true);
                    return;
                }
                Err(e) => tracing::warn!(connection = %id, error = %e, "lease renewal failed"),
            }
        }
    }
}

// ------------------------------------------------------------------ workers

/// Who serves which store: the shared lease table of a database (PostgreSQL:
/// `sync_state_postgres::workers::StoreLeases`) or [`SoleWorker`].
#[async_trait]
pub trait LeaseBoard: Send + Sync {
    /// This worker's id (for logs).
    fn worker(&self) -> &str;

    /// Marks this worker alive (and renews what it holds) without claiming anything, so the
    /// others count it in their fair share.
    ///
    /// # Errors
    /// A database error.
    async fn announce(&self) -> crate::state::Result<()>;

    /// Adds the stores to the shared list (kept when already there).
    ///
    /// # Errors
    /// A database error.
    async fn register(&self, stores: &[String]) -> crate::state::Result<()>;

    /// One round: renew what this worker holds, give back what exceeds its fair share, claim
    /// free or stale stores up to it. Returns the stores held, sorted.
    ///
    /// # Errors
    /// A database error.
    async fn balance(&self, stale_after: Duration) -> crate::state::Result<Vec<String>>;

    /// Gives the stores back (another worker may claim them at once).
    ///
    /// # Errors
    /// A database error.
    async fn release(&self, stores: &[String]) -> crate::state::Result<()>;
}

/// A board where this process is the only worker: it holds every store of the fleet.
#[derive(Debug, Clone)]
pub struct SoleWorker {
    stores: Vec<String>,
}

impl SoleWorker {
    /// Every connection of `cfg`.
    pub fn new(cfg: &FleetConfig) -> SoleWorker {
        SoleWorker {
            stores: cfg.connection_ids(),
        }
    }
}

#[async_trait]
impl LeaseBoard for SoleWorker {
    fn worker(&self) -> &str {
        "sole"
    }
    async fn announce(&self) -> crate::state::Result<()> {
        Ok(())
    }
    async fn register(&self, _stores: &[String]) -> crate::state::Result<()> {
        Ok(())
    }
    async fn balance(&self, _stale_after: Duration) -> crate::state::Result<Vec<String>> {
        Ok(self.stores.clone())
    }
    async fn release(&self, _stores: &[String]) -> crate::state::Result<()> {
        Ok(())
    }
}

/// What a worker did, when it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Connections started (a connection regained later counts again).
    pub started: usize,
    /// Connections stopped because their store lease went elsewhere.
    pub handed_over: usize,
    /// Start attempts that failed (retried at the next round).
    pub failed_starts: usize,
    /// Lease rounds that failed (database unreachable: the worker keeps serving what it
    /// holds until its instance leases are lost).
    pub failed_rounds: usize,
    /// Most connections served at once.
    pub peak: usize,
}

/// Serves the stores `board` gives this worker until `stop` becomes `true`: registers the
/// fleet's connections and announces itself, waits one round (so workers started together
/// see each other before claiming), then every [`WorkerOptions::renew_every`] balances
/// (renews, gives back beyond its fair share, claims), starts the connections it gained and
/// stops those it lost. Starts and stops run beside the lease rounds, so a worker starting
/// many connections keeps renewing its leases. On stop, every connection is stopped and its
/// store given back. Logs `worker serving` with the stores each time the set changes.
pub async fn run_worker(
    cfg: &FleetConfig,
    board: Arc<dyn LeaseBoard>,
    states: Arc<dyn StateSource>,
    opts: WorkerOptions,
    mut stop: watch::Receiver<bool>,
) -> WorkerReport {
    type Started = (String, Result<RunningConnection, FleetError>);
    let mut report = WorkerReport::default();
    let ids = cfg.connection_ids();
    let mut registered = false;
    let mut running: BTreeMap<String, RunningConnection> = BTreeMap::new();
    let mut starting: tokio::task::JoinSet<Started> = tokio::task::JoinSet::new();
    let mut starting_ids: BTreeSet<String> = BTreeSet::new();
    let mut stopping: tokio::task::JoinSet<()> = tokio::task::JoinSet::new();
    let mut held: BTreeSet<String> = BTreeSet::new();
    let mut last: Option<BTreeSet<String>> = None;
    let mut first = true;
    loop {
        if *stop.borrow() {
            break;
        }
        if !registered {
            match board.register(&ids).await {
                Ok(()) => registered = true,
                Err(e) => tracing::warn!(error = %e, "registering the stores failed"),
            }
        }
        if first {
            first = false;
            if let Err(e) = board.announce().await {
                tracing::warn!(error = %e, "announcing the worker failed");
            }
        } else {
            match board.balance(opts.stale_after).await {
                Ok(now_held) => {
                    held = now_held.into_iter().collect();
                    // connections that stopped themselves (lease lost) are dropped and retried
                    let gone: Vec<String> = running
                        .iter()
                        .filter(|(id, r)| !held.contains(*id) || r.lost())
                        .map(|(id, _)| id.clone())
                        .collect();
                    for id in gone {
                        if let Some(r) = running.remove(&id) {
                            if !held.contains(&id) {
                                report.handed_over += 1;
                            }
                            stopping.spawn(r.stop());
                        }
                    }
                    for id in &held {
                        if running.contains_key(id) || starting_ids.contains(id) {
                            continue;
                        }
                        let Some(conn) = cfg.connection(id).cloned() else {
                            // a store of another deployment sharing the database: not ours
                            continue;
                        };
                        let states = states.clone();
                        let id = id.clone();
                        starting_ids.insert(id.clone());
                        starting.spawn(async move {
                            let r =
                                RunningConnection::start(&conn, states.as_ref(), opts.stale_after)
                                    .await;
                            (id, r)
                        });
                    }
                }
                Err(e) => {
                    report.failed_rounds += 1;
                    tracing::warn!(error = %e, "lease round failed; retrying");
                }
            }
        }
        let round_end = tokio::time::Instant::now() + opts.renew_every;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(round_end) => break,
                _ = stop.changed() => break,
                Some(done) = starting.join_next(), if !starting.is_empty() => {
                    match done {
                        Ok((id, Ok(r))) => {
                            starting_ids.remove(&id);
                            report.started += 1;
                            if held.contains(&id) && !*stop.borrow() {
                                running.insert(id, r);
                            } else {
                                stopping.spawn(r.stop());
                            }
                        }
                        Ok((id, Err(e))) => {
                            starting_ids.remove(&id);
                            report.failed_starts += 1;
                            tracing::warn!(error = %e, "connection not started; retrying");
                        }
                        Err(e) => tracing::error!(error = %e, "a connection start panicked"),
                    }
                    report.peak = report.peak.max(running.len());
                }
                Some(_) = stopping.join_next(), if !stopping.is_empty() => {}
            }
        }
        let now: BTreeSet<String> = running.keys().cloned().collect();
        if last.as_ref() != Some(&now) {
            tracing::info!(
                worker = board.worker(),
                count = now.len(),
                stores = ?now,
                "worker serving"
            );
            last = Some(now);
        }
    }
    // starts under way finish first (they hold instance leases), then everything stops
    while let Some(done) = starting.join_next().await {
        if let Ok((_, Ok(r))) = done {
            report.started += 1;
            stopping.spawn(r.stop());
        }
    }
    let ids: Vec<String> = running.keys().cloned().collect();
    for (_, r) in std::mem::take(&mut running) {
        stopping.spawn(r.stop());
    }
    while stopping.join_next().await.is_some() {}
    if let Err(e) = board.release(&ids).await {
        tracing::warn!(error = %e, "could not give the stores back");
    }
    tracing::info!(worker = board.worker(), "worker stopped");
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const FLEET: &str = r#"
[state]
path = "fleet.sqlite"
[worker]
renew_secs = 2
stale_secs = 9
[poll]
mirakl_orders_secs = 30
[rules.stock]
buffer_units = 1
max_quantity = 80

[[connection]]
id = "acme"
[connection.bigcommerce]
store_hash = "abc123"
access_token = "tok-acme"
[connection.poll]
bigcommerce_secs = 20
[connection.rules.stock]
buffer_units = 2
[[connection.mirakl]]
id = "westfield"
base_url = "https://westfield.example/"
api_key = "key-w"
share_percent = 60
[[connection.mirakl]]
id = "other"
base_url = "https://other.example/"
api_key = "key-o"
cap = 20
[connection.mirakl.rules.stock]
zero_below = 3

[[connection]]
id = "bolt"
[connection.bigcommerce]
store_hash = "def456"
access_token = "tok-bolt"
[[connection.mirakl]]
id = "westfield"
base_url = "https://westfield.example/"
api_key = "key-b"
"#;

    #[test]
    fn connections_shops_and_their_merged_rules() {
        let cfg = FleetConfig::from_toml(FLEET, Path::new("/etc/sync"), &no_env).unwrap();
        assert_eq!(cfg.connection_ids(), ["acme", "bolt"]);
        assert_eq!(cfg.state_path, Path::new("/etc/sync/fleet.sqlite"));
        assert_eq!(
            cfg.worker,
            WorkerOptions {
                renew_every: Duration::from_secs(2),
                stale_after: Duration::from_secs(9)
            }
        );
        let acme = cfg.connection("acme").unwrap();
        assert_eq!(acme.shops.len(), 2);
        let w = &acme.shops[0];
        assert_eq!(w.state_id("acme"), "acme/westfield");
        assert_eq!(
            w.config.bigcommerce.credentials.store_hash().to_string(),
            "abc123"
        );
        assert_eq!(w.config.mirakl.api_key.expose(), "key-w");
        // [poll] from the top, overlaid by the connection's
        assert_eq!(w.config.poll.mirakl_orders, Duration::from_secs(30));
        assert_eq!(w.config.poll.bigcommerce, Duration::from_secs(20));
        let rules = w.rules().unwrap();
        assert_eq!(
            rules.stock.buffer_units, 2,
            "connection rules override the top"
        );
        assert_eq!(rules.stock.max_quantity, Some(80), "top rules kept");
        assert_eq!(rules.stock.buffer_percent, Decimal::from(40));
        let o = acme.shops[1].rules().unwrap();
        assert_eq!(o.stock.max_quantity, Some(20), "the cap lowers the max");
        assert_eq!(
            o.stock.zero_below, 3,
            "shop rules override the connection's"
        );
        assert_eq!(o.stock.buffer_percent, Decimal::ZERO, "whole pool");
        // orders of the two marketplaces are told apart in BigCommerce
        assert_eq!(rules.orders.external_source, "mirakl-westfield");
        assert_eq!(o.orders.external_source, "mirakl-other");
        let bolt = &cfg.connection("bolt").unwrap().shops[0];
        assert_eq!(bolt.rules().unwrap().orders.external_source, "mirakl");
        assert_eq!(bolt.config.poll.bigcommerce, PollDefault::bigcommerce());
        assert_eq!(bolt.rules().unwrap().stock.buffer_units, 1);
    }

    struct PollDefault;
    impl PollDefault {
        fn bigcommerce() -> Duration {
            crate::config::PollConfig::default().bigcommerce
        }
    }

    /// 60 % of the pool on top of a 10 % buffer keeps 54 %; the quantity rounds down.
    #[test]
    fn a_share_and_a_cap_allocate_the_pool() {
        let mut rules = SyncRules::default();
        rules.stock.buffer_percent = Decimal::from(10);
        allocate(&mut rules, Some(Decimal::from(60)), Some(40));
        assert_eq!(rules.stock.buffer_percent, Decimal::from(46));
        assert_eq!(sync_core::stock::available(100, 0, &rules.stock), 40);
        assert_eq!(sync_core::stock::available(50, 0, &rules.stock), 27);
        // two marketplaces at 50 % never offer more than the pool together
        let mut half = SyncRules::default();
        allocate(&mut half, Some(Decimal::from(50)), None);
        for on_hand in 0..40 {
            let each = sync_core::stock::available(on_hand, 0, &half.stock);
            assert!(2 * each <= on_hand.unsigned_abs(), "{on_hand}: {each}");
        }
    }

    #[test]
    fn a_plain_file_is_one_connection() {
        let text = "[bigcommerce]\nstore_hash = \"abc123\"\naccess_token = \"t\"\n\
                    [mirakl]\nbase_url = \"https://m.example/\"\napi_key = \"k\"\n\
                    [worker]\nrenew_secs = 5\nstale_secs = 30\n";
        let cfg = FleetConfig::from_toml(text, Path::new("/srv"), &no_env).unwrap();
        assert_eq!(cfg.connection_ids(), ["abc123"]);
        assert_eq!(cfg.connections[0].shops[0].id, "mirakl");
        assert_eq!(cfg.worker.stale_after, Duration::from_secs(30));
    }

    #[test]
    fn bad_fleet_files_are_named() {
        let err = |text: &str| {
            FleetConfig::from_toml(text, Path::new("/"), &no_env)
                .unwrap_err()
                .to_string()
        };
        assert!(err("[[connection]]\nid = \"a\"\n").contains("at least one"));
        assert!(err("[[connection]]\nid = \"a b\"\n").contains("connection id"));
        let shop = "[[connection.mirakl]]\nid = \"m\"\nbase_url = \"https://m.example/\"\napi_key = \"k\"\n";
        let bc = "[connection.bigcommerce]\nstore_hash = \"h\"\naccess_token = \"t\"\n";
        assert!(err(&format!("[[connection]]\nid = \"a\"\n{shop}")).contains("shop \"m\""));
        let two =
            format!("[[connection]]\nid = \"a\"\n{bc}{shop}[[connection]]\nid = \"a\"\n{bc}{shop}");
        assert!(err(&two).contains("given twice"));
        assert!(
            err(&format!(
                "[[connection]]\nid = \"a\"\n{bc}{shop}share_percent = 120\n"
            ))
            .contains("share_percent")
        );
        assert!(err(&format!("[[connection]]\nid = \"a\"\n{bc}{shop}typo = 1\n")).contains("typo"));
        let same = "[connection.mirakl.rules.orders]\nexternal_source = \"app\"\n";
        let shop2 = shop.replace("id = \"m\"", "id = \"n\"");
        assert!(
            err(&format!(
                "[[connection]]\nid = \"a\"\n{bc}{shop}{same}{shop2}{same}"
            ))
            .contains("used by two shops")
        );
        assert!(
            err(&format!(
                "[worker]\nrenew_secs = 10\nstale_secs = 20\n[[connection]]\nid = \"a\"\n{bc}{shop}"
            ))
            .contains("three renewals")
        );
        assert!(
            err(&format!(
                "[mirakl]\napi_key = \"k\"\n[[connection]]\nid = \"a\"\n{bc}{shop}"
            ))
            .contains("[mirakl]")
        );
    }

    #[test]
    fn sqlite_files_per_shop() {
        let f = SqliteFiles::new(Path::new("/var/lib/sync/connector.sqlite"));
        assert_eq!(
            f.path("acme/westfield"),
            Path::new("/var/lib/sync/connector-acme-westfield.sqlite")
        );
    }
}
