#![cfg(feature = "demo")]
//! The crash test (issue 11): a real `sync` process is killed with SIGKILL at named points
//! (the accept call, the order create, the state write after it, the ship confirmation) and
//! restarted each time; in the end every released order is in BigCommerce exactly once and
//! every shipment is confirmed on Mirakl, counted from the sandboxes' own records.
//!
//! The process stops at a point through `SYNC_PAUSE_AT` (the state store's pause points,
//! `sync_connector::state::pause`): it announces the point on stderr and waits there, and the
//! test kills it then, so each kill lands exactly where it is meant to.

use std::path::{Path, PathBuf};
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use examples::procs::{self, SyncProcess, write_sync_config};
use sync_connector::state::SqliteStore;
use sync_connector::state::pause;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-crash-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_sync"))
}

/// Runs `sync` until it pauses at `point`, then kills it with SIGKILL.
async fn kill_at(config: &Path, point: &str) -> String {
    let mut p = SyncProcess::spawn(bin(), config, &[], &[(pause::ENV, point)]).unwrap();
    let name = point.split('#').next().unwrap();
    let reached = p
        .wait_for_stderr(&format!("sync: paused at {name}"), Duration::from_secs(60))
        .await;
    let err = p.stderr();
    assert!(reached, "sync never reached {point}: {err}");
    p.kill9();
    err
}

/// Runs `sync` until `done` holds for the demo, then stops it with SIGTERM.
async fn run_until(
    demo: &Demo,
    config: &Path,
    what: &str,
    done: impl Fn(&Demo) -> bool,
) -> SyncProcess {
    let mut p = SyncProcess::spawn(bin(), config, &[], &[]).unwrap();
    let waited = demo.wait_for(what, |d| done(d)).await;
    assert!(
        waited.is_ok(),
        "{what}: {:?}\n{}",
        procs::tally(demo),
        p.stderr()
    );
    assert!(p.running(), "sync exited: {}", p.stderr());
    assert!(
        p.terminate(Duration::from_secs(20)).await,
        "no stop on SIGTERM"
    );
    p
}

fn assert_no_duplicate(demo: &Demo, when: &str) {
    let t = procs::tally(demo);
    assert!(t.duplicated.is_empty(), "{when}: duplicated {t:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_the_create_and_the_state_write_loses_and_repeats_nothing() {
    let mut demo = Demo::start(DemoConfig {
        seed: 9,
        products: 10,
        variants: 1,
        orders: 6,
        price_changes: 0,
        stock_changes: 0,
        bc_quota: 1000,
        stale_share: 0.0,
        timeout: Duration::from_secs(90),
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let dir = temp_dir("kill9");
    let config = write_sync_config(&dir, &demo, 1).unwrap();
    let state = dir.join("state.sqlite");

    // offers first, so orders can be placed
    run_until(&demo, &config, "offers on Mirakl", |d| {
        d.mirakl.offers().len() >= 10
    })
    .await;
    demo.place_orders(0).unwrap();

    // 1. killed with the acceptance (OR21) recorded in flight, not sent
    kill_at(&config, "call-begun:or21").await;
    // 2. killed with a create recorded in flight, before POST /v2/orders
    kill_at(&config, "call-begun:bc_create_order").await;
    assert_no_duplicate(&demo, "after the kill before the create");
    // 3. killed after a create reached BigCommerce, before the state knew its id
    kill_at(&config, &format!("{}#2", pause::CREATED_UNRECORDED)).await;
    assert_no_duplicate(&demo, "after the kill before the state write");
    {
        let store = SqliteStore::open(&state).unwrap();
        let unknown = demo.placed.iter().any(|(id, _)| {
            !demo.bc.orders_by_external_id(id).is_empty()
                && store
                    .order(id)
                    .unwrap()
                    .and_then(|e| e.bigcommerce_order_id())
                    .is_none()
        });
        assert!(
            unknown,
            "the kill did not land between the create and the state write"
        );
    }
    // 4. killed right after a state write recorded a new id
    kill_at(&config, pause::ID_RECORDED).await;
    assert_no_duplicate(&demo, "after the kill after the state write");

    // a clean run settles every order: released ones created exactly once
    run_until(&demo, &config, "every order settled", |d| {
        let t = procs::tally(d);
        t.waiting.is_empty() && t.lost.is_empty()
    })
    .await;
    assert!(procs::ship_created(&demo) >= 4);
    // 5. killed with the ship confirmation (OR24) recorded in flight
    kill_at(&config, "call-begun:or24").await;
    run_until(&demo, &config, "every shipment confirmed", |d| {
        procs::tally(d).settled()
    })
    .await;

    let t = procs::tally(&demo);
    assert!(t.lost.is_empty() && t.duplicated.is_empty(), "{t:?}");
    assert!(t.unconfirmed.is_empty(), "{t:?}");
    assert!(t.created_once >= 4, "{t:?}");
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
