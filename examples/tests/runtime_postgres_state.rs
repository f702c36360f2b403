#![cfg(feature = "demo")]
//! `[state] url = "postgres://…"` (or `CONNECTOR_STATE_URL`) puts the real `sync` binary's state
//! in PostgreSQL (issue 16): orders are created once across runs, no SQLite file is written,
//! and the instance lease held in the database refuses a second instance. Uses the throwaway
//! cluster of `sync-state-postgres`'s tests: skipped (with a message) when PostgreSQL is not
//! installed, unless `SYNC_REQUIRE_POSTGRES=1`.

#[path = "../../state-postgres/tests/cluster/mod.rs"]
mod cluster;

use std::path::{Path, PathBuf};
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use examples::procs::{self, SyncProcess, sync_config};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-pg-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_sync"))
}

async fn once(config: &Path, env: &[(&'static str, String)]) -> (bool, String) {
    let config = config.to_owned();
    let env = env.to_vec();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(bin())
            .arg("--config")
            .arg(&config)
            .arg("--once")
            .env("RUST_LOG", "warn")
            .envs(env)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_url_puts_orders_and_the_lease_in_postgres() {
    let Some(url) = cluster::database().await else {
        return;
    };
    let mut demo = Demo::start(DemoConfig {
        seed: 161,
        products: 8,
        variants: 1,
        orders: 3,
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
    let dir = temp_dir("url");
    let sqlite = dir.join("state.sqlite");
    // the file names a path too: the url wins
    let in_file = dir.join("in-file.toml");
    std::fs::write(
        &in_file,
        format!("{}url = {url:?}\n", sync_config(&demo, &sqlite, 1)),
    )
    .unwrap();
    // the same connection, its database given by the environment instead
    let by_env = dir.join("by-env.toml");
    std::fs::write(&by_env, sync_config(&demo, &sqlite, 1)).unwrap();
    let env = [("CONNECTOR_STATE_URL", url.clone())];

    let (ok, out) = once(&in_file, &[]).await;
    assert!(ok, "{out}");
    demo.wait_for("offers on Mirakl", |d| d.mirakl.offers().len() >= 8)
        .await
        .unwrap();
    demo.place_orders(0).unwrap();
    let (ok, out) = once(&by_env, &env).await;
    assert!(ok, "{out}");
    demo.wait_for("accepted orders released", |d| {
        procs::tally(d)
            .waiting
            .iter()
            .all(|id| d.mirakl_state(id).as_deref() == Some("WAITING_ACCEPTANCE"))
    })
    .await
    .unwrap();
    for config in [&in_file, &by_env] {
        let (ok, out) = once(config, &env).await;
        assert!(ok, "{out}");
    }
    let t = procs::tally(&demo);
    assert!(
        t.created_once >= 2 && t.duplicated.is_empty() && t.lost.is_empty(),
        "{t:?}"
    );
    assert!(!sqlite.exists(), "a SQLite state file was written");

    // the state is in the database: the orders are there, under this connection
    let connection = format!(
        "{}@{}:{}/{}",
        demo.bc.store_hash(),
        demo.mirakl.base_url().host_str().unwrap(),
        demo.mirakl.base_url().port_or_known_default().unwrap(),
        demo.mirakl.shop_id()
    );
    let store = sync_state_postgres::PostgresStore::connect(&url, &connection)
        .await
        .unwrap();
    use sync_connector::state::StateStore as _;
    let orders = store.orders().await.unwrap();
    assert!(
        orders
            .iter()
            .filter(|o| o.bigcommerce_order_id().is_some())
            .count()
            >= t.created_once,
        "{orders:?}"
    );

    // a running instance holds the lease in the database: a second one is refused, naming it
    let mut running = SyncProcess::spawn(bin(), &in_file, &[], &[]).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let holder = store.lease_holder().await.unwrap();
        if holder.is_some_and(|h| h.pid == running.id()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline && running.running(),
            "the first instance never took the lease: {}",
            running.stderr()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (ok, out) = once(&by_env, &env).await;
    assert!(!ok, "a second instance ran: {out}");
    assert!(
        out.contains(&format!("PID {}", running.id())),
        "the refusal does not name the holder: {out}"
    );
    assert!(running.running(), "{}", running.stderr());
    running.kill9();
    let _ = std::fs::remove_dir_all(&dir);
}
