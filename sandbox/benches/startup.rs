//! Startup time of both stand-ins with 10,000 SKUs (2,500 products × 4 variants): generate the
//! demo catalog, start the BigCommerce stand-in and load the catalog, start the Mirakl stand-in
//! and seed the same SKUs as offers, then answer one request on each. Target: under a second in
//! a release build (`cargo bench -p sync-sandbox --bench startup`). Prints the timings; not a
//! pass/fail test.

use std::time::{Duration, Instant};

use sync_sandbox::bigcommerce::BigCommerceConfig;
use sync_sandbox::demo::DemoCatalog;
use sync_sandbox::mirakl::{MiraklConfig, OfferSeed};
use sync_sandbox::{BigCommerceSandbox, MiraklSandbox};

const RUNS: usize = 5;

async fn once() -> (Duration, Duration, Duration, Duration) {
    let t0 = Instant::now();
    let catalog = DemoCatalog::generate(42, 2_500, 4);
    assert_eq!(catalog.sku_count(), 10_000);
    let generated = t0.elapsed();

    let t1 = Instant::now();
    let bc = BigCommerceSandbox::start(BigCommerceConfig::default())
        .await
        .expect("BigCommerce stand-in starts");
    let load = bc.load_demo(&catalog);
    assert_eq!(load.variants, 10_000);
    let bc_ready = t1.elapsed();

    let t2 = Instant::now();
    let mirakl = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("Mirakl stand-in starts");
    mirakl.seed_offers(catalog.skus().iter().map(OfferSeed::from_demo));
    let mirakl_ready = t2.elapsed();

    // One request on each, so "started" means "serving".
    let http = reqwest::Client::new();
    let store = http
        .get(format!("{}v2/store", bc.api_url()))
        .header("x-auth-token", bc.access_token())
        .send()
        .await
        .expect("BigCommerce answers");
    assert!(store.status().is_success());
    let version = http
        .get(format!("{}api/version", mirakl.base_url()))
        .header("authorization", mirakl.api_key())
        .send()
        .await
        .expect("Mirakl answers");
    assert!(version.status().is_success());
    let total = t0.elapsed();
    bc.shutdown().await;
    mirakl.shutdown().await;
    (generated, bc_ready, mirakl_ready, total)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("startup of both stand-ins with 10,000 SKUs ({RUNS} runs)");
    let mut best = Duration::MAX;
    for run in 1..=RUNS {
        let (generated, bc, mirakl, total) = runtime.block_on(once());
        best = best.min(total);
        println!(
            "run {run}: generate {generated:?}, BigCommerce {bc:?}, Mirakl {mirakl:?}, total {total:?}"
        );
    }
    println!(
        "best total: {best:?} ({})",
        if best < Duration::from_secs(1) {
            "under the 1 s target"
        } else {
            "OVER the 1 s target"
        }
    );
}
