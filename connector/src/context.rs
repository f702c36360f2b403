//! What every flow shares: the two clients, the state store, the rules, the options and the
//! counters for the summary. Nothing here is a flow's own state.

use std::sync::{Arc, Mutex, MutexGuard};

use bigcommerce_api::Client as BcClient;
use mirakl_api::Client as MkClient;
use sync_core::rules::SyncRules;
use time::OffsetDateTime;

use crate::ConnectorOptions;
use crate::metrics::Counters;
use crate::state::StateStore;

pub(crate) struct Shared {
    pub(crate) bc: BcClient,
    pub(crate) mirakl: MkClient,
    pub(crate) store: Arc<dyn StateStore>,
    pub(crate) rules: SyncRules,
    pub(crate) opts: ConnectorOptions,
    counters: Mutex<Counters>,
    /// The one point where flows wait for each other: an order step (acceptance, create)
    /// changes the units offers may publish, so it never runs between the offers flow
    /// computing a quantity and Mirakl applying it (else the marketplace could sell units
    /// already promised). Held by [`crate::orders::OrdersFlow::step_order`] and by the offers
    /// flow's compute-and-send steps; reads (OR11, catalog pages, P41) never take it. The
    /// offers flow and order acceptances take it whole (write); other order steps (creates,
    /// shipments, refunds of different orders) share it (read) and so run side by side.
    /// (Shared by every shop of one store when they share a [`crate::fleet::StockLedger`].)
    pub(crate) stock_gate: Arc<tokio::sync::RwLock<()>>,
    /// The channel marketplace orders are created in, settled once (see [`crate::channel`]).
    pub(crate) order_channel: tokio::sync::OnceCell<crate::channel::ChannelSetup>,
    /// Latest version of each Mirakl order the order poll read while it matters to the
    /// messages step: open (a deadline ahead, messages waiting for the BigCommerce order) or
    /// with an open incident (see [`crate::messages`]).
    pub(crate) watched: Mutex<std::collections::BTreeMap<String, mirakl_api::orders::Order>>,
    /// The stock ledger of the store's shops on several marketplaces, when there are several.
    pub(crate) ledger: Option<Arc<crate::fleet::StockLedger>>,
    /// Whether this process's order poll has handed any order to [`Shared::watch_order`]
    /// (before that, an order missing from `watched` says nothing).
    pub(crate) watching: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub(crate) fn new(
        bc: BcClient,
        mirakl: MkClient,
        store: Arc<dyn StateStore>,
        rules: SyncRules,
        opts: ConnectorOptions,
        ledger: Option<Arc<crate::fleet::StockLedger>>,
    ) -> Shared {
        let stock_gate = ledger.as_ref().map_or_else(Default::default, |l| l.gate());
        Shared {
            bc,
            mirakl,
            store,
            rules,
            opts,
            counters: Mutex::new(Counters::default()),
            stock_gate,
            order_channel: tokio::sync::OnceCell::new(),
            watched: Mutex::new(std::collections::BTreeMap::new()),
            ledger,
            watching: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Keeps (or drops) an order version the order poll read, for incidents and deadlines.
    pub(crate) fn watch_order(&self, order: &mirakl_api::orders::Order) {
        use mirakl_api::orders::OrderState;
        self.watching
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let keep = !crate::messages::open_incidents(order).is_empty()
            || matches!(
                order.order_state,
                OrderState::Staging
                    | OrderState::WaitingAcceptance
                    | OrderState::WaitingDebit
                    | OrderState::WaitingDebitPayment
                    | OrderState::Shipping
            );
        let mut watched = lock(&self.watched);
        let id = order.order_id.as_str();
        if watched
            .get(id)
            .is_some_and(|old| old.last_updated_date > order.last_updated_date)
        {
            return;
        }
        if keep {
            watched.insert(id.to_owned(), order.clone());
        } else {
            watched.remove(id);
        }
    }

    /// The channel orders are created in: the configured one, or the marketplace channel
    /// found or created on first use (then kept for the life of the process).
    pub(crate) async fn order_channel(&self) -> crate::error::Result<crate::channel::ChannelSetup> {
        self.order_channel
            .get_or_try_init(|| async {
                match &self.opts.order_channel {
                    crate::channel::OrderChannel::Fixed(id) => Ok(crate::channel::ChannelSetup {
                        channel_id: *id,
                        created: false,
                        fallback: None,
                    }),
                    crate::channel::OrderChannel::Marketplace { name, platform } => {
                        crate::channel::ensure_marketplace_channel(
                            &self.bc,
                            name,
                            platform,
                            self.opts.dry_run,
                        )
                        .await
                    }
                }
            })
            .await
            .cloned()
    }

    pub(crate) fn counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn dry_run(&self) -> bool {
        self.opts.dry_run
    }
}

pub(crate) fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Locks a flow's own state; a panic while holding it leaves plain data (no I/O happens under
/// the lock), so a poisoned mutex is safe to keep using.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
