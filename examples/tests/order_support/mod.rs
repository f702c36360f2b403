//! Both sandboxes on loopback with a small catalog, and a connector over them, for the order
//! tests (`order_*.rs`): the tests drive the order poll step by step and play the operator's
//! back office and the merchant themselves.

#![allow(dead_code)]

use std::sync::Arc;

use examples::demo::{demo_rules, sandbox_clients, sandbox_engine_options};
use rust_decimal::Decimal;
use sync_connector::Connector;
use sync_connector::state::SqliteStore;
use sync_core::rules::SyncRules;
use sync_sandbox::bigcommerce::BigCommerceConfig;
use sync_sandbox::demo::DemoCatalog;
use sync_sandbox::mirakl::{
    Address, Customer, MiraklBackOffice, MiraklConfig, NewOrder, NewOrderLine,
};
use sync_sandbox::{BigCommerceSandbox, MiraklSandbox};

/// Both sandboxes, the catalog they hold and a connector over them.
pub struct Sides {
    pub bc: BigCommerceSandbox,
    pub mirakl: MiraklSandbox,
    pub catalog: DemoCatalog,
    pub store: Arc<SqliteStore>,
    pub engine: Connector,
}

/// The shop's SKUs with their selling price.
pub fn skus(sides: &Sides) -> Vec<(String, Decimal)> {
    sides
        .catalog
        .skus()
        .into_iter()
        .map(|s| (s.sku, s.selling_price))
        .collect()
}

/// Starts both sandboxes (the operator with `mirakl` settings, debit by hand) and a connector
/// with `rules` (default: the demo's).
pub async fn start(mirakl: MiraklConfig, rules: Option<SyncRules>) -> Sides {
    let bc = BigCommerceSandbox::start(BigCommerceConfig::default())
        .await
        .unwrap();
    let catalog = DemoCatalog::generate(7, 4, 1);
    bc.load_demo(&catalog);
    let mirakl = MiraklSandbox::start(MiraklConfig {
        auto_debit: false,
        ..mirakl
    })
    .await
    .unwrap();
    mirakl.seed_demo(&catalog);
    for s in catalog.skus() {
        bc.set_stock(&s.sku, 20);
    }
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let engine = connector(&bc, &mirakl, store.clone(), rules);
    Sides {
        bc,
        mirakl,
        catalog,
        store,
        engine,
    }
}

/// A connector over both sandboxes with `store` as its state.
fn connector(
    bc: &BigCommerceSandbox,
    mirakl: &MiraklSandbox,
    store: Arc<SqliteStore>,
    rules: Option<SyncRules>,
) -> Connector {
    // the clients' call ceilings scaled down (the operator here enforces none): a poll makes
    // several OR11 calls, which Mirakl allows once a minute
    let (bcc, mkc) = sandbox_clients(bc, mirakl, 600).unwrap();
    Connector::new(
        bcc,
        mkc,
        store,
        rules.unwrap_or_else(|| demo_rules(1)),
        sandbox_engine_options(1),
    )
}

/// As [`start`], with the connector's state in the SQLite file `state`.
pub async fn start_with_state(mirakl: MiraklConfig, state: &std::path::Path) -> Sides {
    let mut sides = start(mirakl, None).await;
    restart(&mut sides, state);
    sides
}

/// A new connector (as after a restart) on the state file `state`, the sandboxes kept.
pub fn restart(sides: &mut Sides, state: &std::path::Path) {
    let store = Arc::new(SqliteStore::open(state).unwrap());
    sides.engine = connector(&sides.bc, &sides.mirakl, store.clone(), None);
    sides.store = store;
}

/// A customer of the marketplace.
pub fn customer() -> Customer {
    let address = Address {
        firstname: "Mia".into(),
        lastname: "Chen".into(),
        street_1: "2 Pitt St".into(),
        city: "Sydney".into(),
        zip_code: "2000".into(),
        state: Some("NSW".into()),
        country: "Australia".into(),
        country_iso_code: "AUS".into(),
        phone: Some("0400000001".into()),
        ..Address::default()
    };
    Customer {
        customer_id: "mia".into(),
        firstname: "Mia".into(),
        lastname: "Chen".into(),
        civility: None,
        locale: Some("en_AU".into()),
        notification_email: "mia@marketplace.example".into(),
        shipping_address: address,
        billing_address: None,
    }
}

/// Places an order of `(SKU, unit price, quantity)` lines, each with `shipping` of shipping.
pub fn place(sides: &Sides, lines: &[(String, Decimal, u32)], shipping: Decimal) -> String {
    sides
        .mirakl
        .create_order(NewOrder {
            customer: customer(),
            lines: lines
                .iter()
                .map(|(sku, price, quantity)| NewOrderLine {
                    shop_sku: sku.clone(),
                    quantity: *quantity,
                    unit_price: *price,
                    shipping_price: shipping,
                })
                .collect(),
            customer_reference: None,
        })
        .unwrap()
}

/// One order poll; panics when the poll itself fails.
pub async fn poll(sides: &Sides) {
    sides.engine.orders().poll_orders().await.unwrap();
}

/// The Mirakl state of an order.
pub fn state(sides: &Sides, id: &str) -> String {
    sides.mirakl.order(id).unwrap().state.as_str().to_owned()
}

/// The BigCommerce order created for a Mirakl order (exactly one).
pub fn bc_order(sides: &Sides, id: &str) -> u64 {
    let ids = sides.bc.orders_by_external_id(id);
    assert_eq!(ids.len(), 1, "BigCommerce orders for {id}: {ids:?}");
    ids[0]
}

/// Accepts (poll), debits and creates in BigCommerce (poll): the order ends in SHIPPING on
/// Mirakl with its BigCommerce order. Returns the BigCommerce order id.
pub async fn accept_and_create(sides: &Sides, id: &str) -> u64 {
    poll(sides).await;
    assert_eq!(state(sides, id), "WAITING_DEBIT");
    sides.mirakl.trigger_debit(id).unwrap();
    poll(sides).await;
    bc_order(sides, id)
}

/// The back office of the operator.
pub fn back_office(sides: &Sides) -> MiraklBackOffice {
    sides.mirakl.back_office()
}

/// No request broke the official contracts, on either side.
pub fn assert_no_violations(sides: &Sides) {
    let v: Vec<String> = sides
        .bc
        .contract_violations()
        .into_iter()
        .chain(sides.mirakl.contract_violations())
        .map(|c| c.to_string())
        .collect();
    assert!(v.is_empty(), "contract violations: {v:#?}");
}

/// What the connector recorded about a Mirakl order.
pub fn record(sides: &Sides, id: &str) -> Option<sync_core::lifecycle::OrderRecord> {
    sides.store.order(id).unwrap().map(|e| e.record)
}
