#![cfg(feature = "demo")]
//! `sync --rebuild-state` rebuilds the order map and the sent offers from both services while
//! writing nothing to either, and the next run creates no duplicate (issue 11, State). Real
//! `sync` processes against the sandboxes; every check reads the sandboxes' own records
//! (their request logs, orders and contract violations).

use std::path::PathBuf;
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use examples::procs::{self, write_sync_config};
use sync_connector::state::SqliteStore;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-rebuild-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn sync(config: PathBuf, args: &'static [&'static str]) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    })
    .await
    .unwrap()
}

/// Every request both sandboxes logged, as `METHOD path`.
fn logged(demo: &Demo) -> Vec<String> {
    demo.bc
        .requests()
        .snapshot_paths()
        .into_keys()
        .chain(demo.mirakl.request_log().snapshot_paths().into_keys())
        .collect()
}

fn clear_logs(demo: &Demo) {
    demo.bc.requests().clear();
    demo.mirakl.request_log().clear();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_reads_only_and_the_next_run_duplicates_nothing() {
    let mut demo = Demo::start(DemoConfig {
        seed: 16,
        products: 8,
        variants: 1,
        orders: 4,
        price_changes: 0,
        stock_changes: 0,
        bc_quota: 1000,
        stale_share: 0.0,
        timeout: Duration::from_secs(60),
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let dir = temp_dir("a");
    let config = write_sync_config(&dir, &demo, 1).unwrap();
    // the offers, then the orders: accepted, released by Mirakl, created, shipped, confirmed
    let (ok, out) = sync(config.clone(), &["--once"]).await;
    assert!(ok, "{out}");
    demo.wait_for("offers on Mirakl", |d| d.mirakl.offers().len() >= 8)
        .await
        .unwrap();
    demo.place_orders(0).unwrap();
    let (ok, out) = sync(config.clone(), &["--once"]).await;
    assert!(ok, "{out}");
    demo.wait_for("accepted orders released", |d| {
        procs::tally(d)
            .waiting
            .iter()
            .all(|id| d.mirakl_state(id).as_deref() == Some("WAITING_ACCEPTANCE"))
    })
    .await
    .unwrap();
    let (ok, out) = sync(config.clone(), &["--once"]).await;
    assert!(ok, "{out}");
    let before = procs::tally(&demo);
    assert!(before.created_once >= 3, "{before:?}\n{out}");
    assert!(procs::ship_created(&demo) >= 3);
    let (ok, out) = sync(config.clone(), &["--once"]).await;
    assert!(ok, "{out}");
    let shipped = procs::tally(&demo);
    assert!(shipped.unconfirmed.is_empty(), "{shipped:?}\n{out}");

    // the state file is lost to garbage; the rebuild moves it aside and reads both services
    let state = dir.join("state.sqlite");
    for side in ["state.sqlite-wal", "state.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(side));
    }
    std::fs::write(&state, vec![0x5a; 4096]).unwrap();
    clear_logs(&demo);
    let (ok, out) = sync(config.clone(), &["--rebuild-state"]).await;
    assert!(ok, "{out}");
    assert!(out.contains("state rebuilt"), "{out}");
    let requests = logged(&demo);
    assert!(!requests.is_empty());
    let writes: Vec<&String> = requests.iter().filter(|r| !r.starts_with("GET ")).collect();
    assert!(writes.is_empty(), "the rebuild wrote: {writes:?}");
    assert!(
        std::fs::read_dir(&dir).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".unreadable-")),
        "the unreadable file was not kept"
    );

    // the rebuilt map holds every created order with its BigCommerce id, shipped ones confirmed
    {
        let store = SqliteStore::open(&state).unwrap();
        for (id, _) in &demo.placed {
            let bc = demo.bc.orders_by_external_id(id);
            let Some(&bid) = bc.first() else { continue };
            let entry = store.order(id).unwrap().expect("order rebuilt");
            assert_eq!(entry.bigcommerce_order_id(), Some(bid), "{id}");
            assert!(entry.record.acceptance_sent, "{id}");
            if demo.mirakl_state(id).as_deref() == Some("SHIPPED") {
                assert!(entry.record.ship_confirmed, "{id}");
            }
        }
        assert!(!store.sent_offers().unwrap().is_empty());
    }

    // the next run creates, accepts and confirms nothing again
    clear_logs(&demo);
    let (ok, out) = sync(config.clone(), &["--once"]).await;
    assert!(ok, "{out}");
    let after = procs::tally(&demo);
    assert!(after.duplicated.is_empty(), "{after:?}");
    assert_eq!(after.created_once, before.created_once, "{after:?}");
    let repeated: Vec<String> = logged(&demo)
        .into_iter()
        .filter(|r| {
            (r.starts_with("POST ") && r.ends_with("/v2/orders"))
                || (r.starts_with("PUT ") && (r.ends_with("/accept") || r.ends_with("/ship")))
        })
        .collect();
    assert!(
        repeated.is_empty(),
        "repeated after the rebuild: {repeated:?}"
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
