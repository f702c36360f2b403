//! Sandbox stores with one or more Mirakl shops each, the fleet file that points workers at
//! them, and the order tally read from the sandboxes' own records: for the `fleet_*.rs` tests
//! and the `bench-fleet` scale bench.

use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use sync_sandbox::bigcommerce::BigCommerceConfig;
use sync_sandbox::demo::DemoCatalog;
use sync_sandbox::mirakl::{Address, Customer, MiraklConfig, NewOrder, NewOrderLine};
use sync_sandbox::{BigCommerceSandbox, MiraklSandbox};

/// One BigCommerce store and its marketplace shops.
pub struct Store {
    /// The connection id in the fleet file.
    pub id: String,
    /// The BigCommerce store.
    pub bc: BigCommerceSandbox,
    /// Its Mirakl shops, one per operator (shop ids `m0`, `m1`, … in the fleet file).
    pub shops: Vec<MiraklSandbox>,
    /// The catalog loaded into the store.
    pub catalog: DemoCatalog,
}

impl Store {
    /// A store of `products` one-variant products, each SKU at `stock`, selling on `shops`
    /// operators (open catalogs, debit right after acceptance).
    ///
    /// # Panics
    /// A sandbox cannot start (no free loopback port).
    pub async fn start(id: &str, seed: u64, products: usize, stock: i64, shops: usize) -> Store {
        let bc = BigCommerceSandbox::start(BigCommerceConfig::default())
            .await
            .unwrap();
        let catalog = DemoCatalog::generate(seed, products, 1);
        bc.load_demo(&catalog);
        for s in catalog.skus() {
            bc.set_stock(&s.sku, stock);
        }
        let mut out = Vec::new();
        for n in 0..shops {
            let m = MiraklSandbox::start(MiraklConfig {
                api_key: format!("key-{id}-{n}"),
                shop_id: 2001 + n as u64,
                ..MiraklConfig::default()
            })
            .await
            .unwrap();
            out.push(m);
        }
        Store {
            id: id.to_owned(),
            bc,
            shops: out,
            catalog,
        }
    }

    /// The shop id of shop `n` in the fleet file.
    pub fn shop_id(n: usize) -> String {
        format!("m{n}")
    }

    /// The `[[connection]]` table of this store; `shop_extra[n]` is appended to shop `n`'s
    /// table (e.g. `share_percent = 50`).
    pub fn toml(&self, shop_extra: &[&str]) -> String {
        let mut t = format!(
            "[[connection]]\nid = {:?}\n[connection.bigcommerce]\nstore_hash = {:?}\naccess_token = {:?}\napi_base = {:?}\n",
            self.id,
            self.bc.store_hash(),
            self.bc.access_token(),
            self.bc.base_url().as_str()
        );
        for (n, m) in self.shops.iter().enumerate() {
            t.push_str(&format!(
                "[[connection.mirakl]]\nid = {:?}\nbase_url = {:?}\napi_key = {:?}\nshop_id = {}\nenforce_ceilings = false\n{}\n",
                Store::shop_id(n),
                m.base_url().as_str(),
                m.api_key(),
                m.shop_id(),
                shop_extra.get(n).copied().unwrap_or("")
            ));
        }
        t
    }

    /// The SKUs with their selling price.
    pub fn skus(&self) -> Vec<(String, Decimal)> {
        self.catalog
            .skus()
            .into_iter()
            .map(|s| (s.sku, s.selling_price))
            .collect()
    }

    /// Every SKU offered on every shop with `quantity(sku)`.
    pub fn offers_are(&self, quantity: impl Fn(&str) -> u32) -> bool {
        self.shops.iter().all(|m| {
            self.catalog.skus().iter().all(|s| {
                m.offer(&s.sku)
                    .is_some_and(|o| o.quantity == quantity(&s.sku))
            })
        })
    }
}

/// The top of a fleet file: state, fast polls and call windows for the sandboxes, leases.
pub fn fleet_header(state: &str, stale_secs: u64) -> String {
    format!(
        "[state]\n{state}\n[worker]\nrenew_secs = 1\nstale_secs = {stale_secs}\n\
         [poll]\nimport_status_secs = 1\nmirakl_orders_secs = 1\nbigcommerce_secs = 1\nfull_reconcile_secs = 3600\n\
         [rules.windows]\noffers_secs = 1\nstock_secs = 1\nprice_secs = 1\nquiet_secs = 0\nmax_wait_secs = 1\n"
    )
}

fn customer(n: usize) -> Customer {
    let address = Address {
        firstname: "Noah".into(),
        lastname: format!("Fleet{n}"),
        street_1: "3 Kent St".into(),
        city: "Sydney".into(),
        zip_code: "2000".into(),
        state: Some("NSW".into()),
        country: "Australia".into(),
        country_iso_code: "AUS".into(),
        phone: Some("0400000002".into()),
        ..Address::default()
    };
    Customer {
        customer_id: format!("fleet-{n}"),
        firstname: "Noah".into(),
        lastname: format!("Fleet{n}"),
        civility: None,
        locale: Some("en_AU".into()),
        notification_email: format!("fleet-{n}@marketplace.example"),
        shipping_address: address,
        billing_address: None,
    }
}

/// Places an order of `quantity` × `sku` at `price` on `mirakl`.
///
/// # Panics
/// The sandbox refuses the order (unknown SKU, no offer).
pub fn place(mirakl: &MiraklSandbox, sku: &str, price: Decimal, quantity: u32) -> String {
    mirakl
        .create_order(NewOrder {
            customer: customer(quantity as usize),
            lines: vec![NewOrderLine {
                shop_sku: sku.to_owned(),
                quantity,
                unit_price: price,
                shipping_price: Decimal::new(995, 2),
            }],
            customer_reference: None,
        })
        .unwrap()
}

/// The Mirakl state of an order.
///
/// # Panics
/// The order is unknown.
pub fn state(mirakl: &MiraklSandbox, id: &str) -> String {
    mirakl.order(id).unwrap().state.as_str().to_owned()
}

/// Whether Mirakl accepted the order (it left acceptance without being refused).
pub fn accepted(mirakl: &MiraklSandbox, id: &str) -> bool {
    !matches!(
        state(mirakl, id).as_str(),
        "WAITING_ACCEPTANCE" | "REFUSED" | "CANCELED"
    )
}

/// BigCommerce orders of `store` created for Mirakl order `id` of shop `n` (external source
/// `mirakl-m<n>` when the store has several shops, `mirakl` otherwise).
pub fn created(store: &Store, n: usize, id: &str) -> usize {
    let source = if store.shops.len() > 1 {
        format!("mirakl-{}", Store::shop_id(n))
    } else {
        "mirakl".to_owned()
    };
    store
        .bc
        .orders_by_external_id(id)
        .into_iter()
        .filter(|b| {
            store
                .bc
                .order_json(*b)
                .and_then(|j| j["external_source"].as_str().map(str::to_owned))
                .as_deref()
                == Some(source.as_str())
        })
        .count()
}

/// Waits until `cond` holds.
///
/// # Panics
/// Naming `what`, after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh temporary directory.
///
/// # Panics
/// It cannot be created.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "fleet-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
