#![cfg(feature = "demo")]
//! SIGTERM stops a real `sync` process within seconds, even in the middle of a long order
//! poll (issue 11), with exit code 0; a restart finishes the work and nothing is created
//! twice, counted from the BigCommerce stand-in's own request log and orders.
//!
//! The poll is made long by latency on every BigCommerce request (the orders are created one
//! look-up and one create at a time per order), so the signal lands while creates are under
//! way: before the fix `sync` either died of the signal (the start-up poll ran before the
//! handler was installed) or finished the whole poll before it looked at the stop.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use examples::demo::{Demo, DemoConfig};
use examples::procs::{self, SyncProcess, write_sync_config};
use sync_sandbox::faults::FaultConfig;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_sync"))
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-sigterm-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_long_order_poll_stops_within_seconds_and_a_restart_duplicates_nothing() {
    let mut demo = Demo::start(DemoConfig {
        seed: 21,
        products: 12,
        variants: 1,
        orders: 16,
        price_changes: 0,
        stock_changes: 0,
        bc_quota: 1000,
        stale_share: 0.0,
        timeout: Duration::from_secs(120),
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let dir = temp_dir();
    let config = write_sync_config(&dir, &demo, 1).unwrap();

    // offers first, so orders can be placed
    let mut p = SyncProcess::spawn(bin(), &config, &[], &[]).unwrap();
    demo.wait_for("offers on Mirakl", |d| d.mirakl.offers().len() >= 12)
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", p.stderr()));
    assert!(p.terminate(Duration::from_secs(20)).await, "{}", p.stderr());
    demo.place_orders(0).unwrap();

    // every BigCommerce request now takes 1.2 s: the order poll lasts far beyond the stop
    demo.bc
        .faults()
        .set(FaultConfig::none().with_latency(Duration::from_millis(1200)));
    demo.bc.requests().clear();
    let mut p = SyncProcess::spawn(bin(), &config, &[], &[]).unwrap();
    demo.wait_for("the first create under way", |d| {
        d.bc.requests()
            .count("POST", "/stores/{store_hash}/v2/orders")
            >= 1
    })
    .await
    .unwrap_or_else(|e| panic!("{e}: {}", p.stderr()));
    let t = procs::tally(&demo);
    assert!(
        !t.waiting.is_empty() || !t.lost.is_empty(),
        "the poll ended before the signal: {t:?}"
    );
    let signalled = Instant::now();
    let stopped = p.terminate(Duration::from_secs(5)).await;
    let took = signalled.elapsed();
    assert!(
        stopped,
        "sync did not stop within 5 s of SIGTERM: {}",
        p.stderr()
    );
    let status = p.exit_status().expect("exited");
    assert!(
        status.success(),
        "exit {status:?} after SIGTERM ({took:?}): {}",
        p.stderr()
    );
    let posts_before = demo
        .bc
        .requests()
        .count("POST", "/stores/{store_hash}/v2/orders");

    // a restart at full speed finishes the work: every released order created once, shipped
    // and confirmed, and no create sent twice
    demo.bc.faults().set(FaultConfig::none());
    let mut p = SyncProcess::spawn(bin(), &config, &[], &[]).unwrap();
    let settled = demo
        .wait_for("every order settled", |d| {
            procs::ship_created(d);
            procs::tally(d).settled()
        })
        .await;
    assert!(settled.is_ok(), "{:?}\n{}", procs::tally(&demo), p.stderr());
    assert!(p.terminate(Duration::from_secs(20)).await, "{}", p.stderr());
    let t = procs::tally(&demo);
    assert!(t.duplicated.is_empty() && t.lost.is_empty(), "{t:?}");
    assert!(t.created_once >= 10, "{t:?}");
    // one BigCommerce order per released Mirakl order, whatever the stop cut short (a
    // create cut in flight is looked up by the restart, never sent blind again)
    let posts = demo
        .bc
        .requests()
        .count("POST", "/stores/{store_hash}/v2/orders");
    let in_bc: usize = demo
        .placed
        .iter()
        .map(|(id, _)| demo.bc.orders_by_external_id(id).len())
        .sum();
    assert_eq!(
        in_bc, t.created_once,
        "orders in BigCommerce against released orders ({posts} creates sent, {posts_before} before the stop)"
    );
    let violations: Vec<String> = demo
        .bc
        .contract_violations()
        .into_iter()
        .chain(demo.mirakl.contract_violations())
        .map(|v| v.to_string())
        .collect();
    assert!(violations.is_empty(), "{violations:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
