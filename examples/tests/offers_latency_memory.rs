#![cfg(feature = "demo")]
//! Issue 13, latency and bounded memory of the offers flow.
//!
//! Latency: tracking an import never holds back the next call window's send. A change that
//! arrives while an earlier import is still being tracked (OF02, "Once per minute",
//! specs/mirakl/mirakl-mmp-seller-openapi.json) goes out in the next OF24 window.
//! Deterministic: the operator's imports stay `WAITING` until the test moves the sandbox
//! clock past their processing time; nothing is asserted on durations.
//!
//! Memory: the full reconciliation merges the catalog a page at a time and plans what the
//! whole-catalog plan does.

use std::sync::Arc;
use std::time::Duration;

use examples::demo::{demo_rules, sandbox_clients, sandbox_engine_options};
use sync_connector::Connector;
use sync_connector::state::SqliteStore;
use sync_core::coalesce::DirtyKey;
use sync_sandbox::bigcommerce::BigCommerceConfig;
use sync_sandbox::demo::DemoCatalog;
use sync_sandbox::mirakl::MiraklConfig;
use sync_sandbox::{BigCommerceSandbox, MiraklSandbox};

const SCALE: u32 = 60;

/// Sleeps until the flow's own next wake-up (its OF24 window or a status poll).
async fn until_wakeup(engine: &Connector) {
    if let Some(at) = engine.offers().next_wakeup() {
        let secs = (at - time::OffsetDateTime::now_utc()).as_seconds_f64();
        tokio::time::sleep(Duration::from_secs_f64(secs.max(0.0) + 0.01)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_during_import_tracking_goes_out_in_the_next_window() {
    let bc = BigCommerceSandbox::start(BigCommerceConfig::default())
        .await
        .unwrap();
    bc.load_demo(&DemoCatalog::generate(7, 2, 1));
    let mirakl = MiraklSandbox::start(
        MiraklConfig {
            clock_scale: SCALE,
            // imports stay WAITING until the clock is moved past them
            import_wait: Duration::from_secs(24 * 3600),
            ..MiraklConfig::default()
        }
        .with_published_ceilings(),
    )
    .await
    .unwrap();
    let (bcc, mkc) = sandbox_clients(&bc, &mirakl, SCALE).unwrap();
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let engine = Connector::new(
        bcc.clone(),
        mkc,
        store,
        demo_rules(SCALE),
        sandbox_engine_options(SCALE),
    );
    let products = bcc.products().list().all().await.unwrap();
    let ids: Vec<u64> = products.iter().map(|p| p.id.0).collect();
    assert_eq!(ids.len(), 2);
    let posts = || mirakl.request_log().count("POST", "/api/offers");

    // A changes: its OF24 goes out, and the step returns while Mirakl has not applied it
    engine.offers().mark(DirtyKey::Product(ids[0]));
    engine.offers().step().await.unwrap();
    assert_eq!(posts(), 1);
    assert_eq!(engine.offers().in_flight(), 1, "A's import is tracked");

    // B changes while A's import is tracked: its window (one OF24 a minute) is not open yet
    engine.offers().mark(DirtyKey::Product(ids[1]));
    engine.offers().step().await.unwrap();
    assert_eq!(posts(), 1, "one OF24 per call window");

    // the first step once the window opens sends B, although A is still not final
    until_wakeup(&engine).await;
    engine.offers().step().await.unwrap();
    assert_eq!(posts(), 2, "B went out in the next window");
    assert_eq!(engine.offers().in_flight(), 2, "A and B are both tracked");
    assert!(
        engine.offers().latencies().is_empty(),
        "nothing applied yet"
    );

    // the operator processes both imports: the tracking records them as applied
    mirakl.finish_imports();
    for _ in 0..20 {
        if engine.offers().is_idle() {
            break;
        }
        until_wakeup(&engine).await;
        engine.offers().step().await.unwrap();
    }
    assert!(
        engine.offers().is_idle(),
        "{} in flight",
        engine.offers().in_flight()
    );
    assert_eq!(engine.offers().latencies().len(), 2);
    assert_eq!(mirakl.offers().len(), 2, "both offers on Mirakl");
    assert_eq!(
        mirakl.request_log().count("POST", "/api/offers"),
        2,
        "each change sent once"
    );
    assert!(mirakl.contract_violations().is_empty());
}

/// Issue 13, bounded memory: the full reconciliation merges one page of BigCommerce
/// products at a time with Mirakl's offers (here 3 products a page, 40 pages) and plans
/// exactly what the plan of the whole catalog against every offer plans: new, changed,
/// unchanged and removed offers; a second pass then finds nothing to write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paged_reconciliation_plans_what_the_whole_catalog_plan_does() {
    let bc = BigCommerceSandbox::start(BigCommerceConfig::default())
        .await
        .unwrap();
    let catalog = DemoCatalog::generate(11, 120, 2);
    bc.load_demo(&catalog);
    let mirakl = MiraklSandbox::start(
        MiraklConfig {
            clock_scale: SCALE,
            ..MiraklConfig::default()
        }
        .with_published_ceilings(),
    )
    .await
    .unwrap();
    // Mirakl holds a third of the SKUs (half of them with a stale price) and two offers
    // the catalog does not have
    let skus = catalog.skus();
    let mut seeds: Vec<sync_sandbox::mirakl::OfferSeed> = skus
        .iter()
        .step_by(3)
        .enumerate()
        .map(|(i, s)| {
            let mut o = sync_sandbox::mirakl::OfferSeed::from_demo(s);
            if i % 2 == 0 {
                o.price += rust_decimal::Decimal::ONE;
            }
            o
        })
        .collect();
    for gone in ["GONE-1", "GONE-2"] {
        let mut o = sync_sandbox::mirakl::OfferSeed::from_demo(&skus[0]);
        o.shop_sku = gone.into();
        o.ean = None;
        seeds.push(o);
    }
    mirakl.seed_offers(seeds);
    let (bcc, mkc) = sandbox_clients(&bc, &mirakl, SCALE).unwrap();
    let opts = sync_connector::ConnectorOptions {
        bc_page_size: 3,
        ..sandbox_engine_options(SCALE)
    };
    let engine = Connector::new(
        bcc,
        mkc,
        Arc::new(SqliteStore::open_in_memory().unwrap()),
        demo_rules(SCALE),
        opts,
    );
    // the reference: the whole catalog against every offer, in one plan
    let (desired, problems, _) = engine.offers().desired_offers(&|_, _| {}).await.unwrap();
    let current = engine.offers().current_offers().await.unwrap();
    let whole = sync_core::plan::plan(
        &desired,
        &current,
        &sync_core::offers::problem_skus(&problems),
        &engine.rules().plan,
    );
    assert!(!whole.new.is_empty() && !whole.changed.is_empty() && !whole.unchanged.is_empty());
    assert_eq!(whole.removed.len(), 2);

    let paged = engine.reconcile(&|_, _| {}).await.unwrap();
    assert_eq!(paged.new, whole.new.len());
    assert_eq!(paged.changed, whole.changed.len());
    assert_eq!(paged.unchanged, whole.unchanged.len());
    assert_eq!(paged.removed, whole.removed.len());
    assert_eq!(paged.problems, problems.len());
    assert!(
        bc.requests()
            .count("GET", "/stores/{store_hash}/v3/catalog/products")
            >= 40,
        "read a page at a time"
    );

    let again = engine.reconcile(&|_, _| {}).await.unwrap();
    assert_eq!(
        (again.new, again.changed, again.removed),
        (0, 0, 0),
        "{again:?}"
    );
    assert_eq!(again.unchanged, desired.len());
    assert!(mirakl.contract_violations().is_empty());
    assert!(bc.contract_violations().is_empty());
}
