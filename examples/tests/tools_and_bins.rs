#![cfg(feature = "demo")]
//! The small tools and the `sync` binary against real-store settings pointed at the sandboxes
//! (loopback only).

use std::path::{Path, PathBuf};
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use sync_connector::tools::{self, Check};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-bins-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn small_demo(seed: u64) -> Demo {
    Demo::start(DemoConfig {
        seed,
        products: 15,
        variants: 2,
        orders: 3,
        bc_quota: 1000,
        stale_share: 0.0,
        timeout: Duration::from_secs(60),
        // the binaries run with an open operator catalog here (offers only)
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

fn write_config(dir: &Path, demo: &Demo, token: &str) -> PathBuf {
    let text = format!(
        "[bigcommerce]\nstore_hash = \"{}\"\naccess_token = \"{token}\"\napi_base = \"{}\"\n\
         [mirakl]\nbase_url = \"{}\"\napi_key = \"{}\"\nshop_id = {}\nenforce_ceilings = false\n\
         [poll]\nimport_status_secs = 1\n[state]\npath = \"state.sqlite\"\n\
         [rules.stock]\nbuffer_units = 1\nmax_quantity = 100\n",
        demo.bc.store_hash(),
        demo.bc.base_url(),
        demo.mirakl.base_url(),
        demo.mirakl.api_key(),
        demo.mirakl.shop_id(),
    );
    let path = dir.join("connector.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn run_bin(exe: &'static str, args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(exe)
            .args(&args)
            .env("RUST_LOG", "debug")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_check_tells_good_from_bad() {
    let demo = small_demo(1).await;
    let dir = temp_dir("creds");
    let good =
        tools::load_config(Some(&write_config(&dir, &demo, demo.bc.access_token()))).unwrap();
    let (bc, mk) = tools::clients(&good).unwrap();
    let (b, m) = tools::check_credentials(&bc, &mk).await;
    assert!(b.ok(), "{b:?}");
    assert!(m.ok(), "{m:?}");
    let Check::Ok(text) = &m else { unreachable!() };
    assert!(text.contains(&demo.mirakl.shop_id().to_string()), "{text}");

    let mut bad = good.clone();
    bad.bigcommerce.credentials =
        bigcommerce_api::Credentials::new(demo.bc.store_hash(), "wrong-token").unwrap();
    bad.mirakl.api_key = bc_mirakl_api_core::secret::Secret::new("wrong-key");
    let (bc, mk) = tools::clients(&bad).unwrap();
    let (b, m) = tools::check_credentials(&bc, &mk).await;
    assert!(matches!(b, Check::Failed(_)), "{b:?}");
    assert!(matches!(m, Check::Failed(_)), "{m:?}");
    let shown = format!("{b:?} {m:?}");
    assert!(
        !shown.contains("wrong-token") && !shown.contains("wrong-key"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recent_orders_and_offer_export() {
    let mut demo = small_demo(2).await;
    demo.reconcile(&|_, _| {}).await.unwrap();
    demo.place_orders(0).unwrap();
    let dir = temp_dir("tools");
    let cfg = tools::load_config(Some(&write_config(&dir, &demo, demo.bc.access_token()))).unwrap();
    let (_, mk) = tools::clients(&cfg).unwrap();
    let orders = tools::recent_orders(&mk, Duration::from_secs(3 * 86_400), 100)
        .await
        .unwrap();
    let ids: Vec<&str> = orders.iter().map(|o| o.order_id.as_str()).collect();
    for (id, _) in &demo.placed {
        assert!(ids.contains(&id.as_str()), "{id} missing from {ids:?}");
    }
    assert!(
        orders
            .windows(2)
            .all(|w| w[0].last_updated_date >= w[1].last_updated_date)
    );
    let limited = tools::recent_orders(&mk, Duration::from_secs(3 * 86_400), 2)
        .await
        .unwrap();
    assert_eq!(limited.len(), 2);
    assert!(tools::order_line(&orders[0]).contains(orders[0].order_id.as_str()));

    // OF01 export of the desired offers: one row per SKU, Mirakl's column names
    let (csv, problems) = tools::offers_csv(demo.engine()).await.unwrap();
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    for col in ["\"sku\"", "\"product-id\"", "\"price\"", "\"quantity\""] {
        assert!(header.contains(col), "{header}");
    }
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(lines.count(), demo.catalog.sku_count());
    for s in demo.catalog.skus() {
        assert!(text.contains(&s.sku), "{} not exported", s.sku);
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `sync --config … --once` against real-store settings: one full cycle brings Mirakl in line
/// with the catalog; with `RUST_LOG=debug` no secret appears in the output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_once_with_a_config_file() {
    let demo = small_demo(3).await;
    let dir = temp_dir("once");
    let cfg = write_config(&dir, &demo, demo.bc.access_token());
    let (ok, stdout, stderr) = run_bin(
        env!("CARGO_BIN_EXE_sync"),
        vec![
            "--config".into(),
            cfg.display().to_string(),
            "--once".into(),
        ],
    )
    .await;
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("reconciliation:"), "{stdout}");
    // Issue 11: logs written to a pipe or file carry no ANSI colour codes.
    assert!(stderr.contains("INFO"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI codes in piped logs:\n{stderr}"
    );
    for secret in [demo.bc.access_token(), demo.mirakl.api_key()] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "secret leaked"
        );
    }
    assert!(dir.join("state.sqlite").exists());
    let v = demo.verify().await.unwrap();
    assert_eq!(v.in_sync, v.desired, "{:?}", v.mismatches);
    assert_eq!(v.desired, demo.catalog.sku_count());
    let _ = std::fs::remove_dir_all(dir);
}

/// A second `sync` on a state another live process holds exits non-zero at once, naming the
/// holder (issue 11, item 2); nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_on_the_same_state_is_refused() {
    use sync_connector::state::{LeaseHolder, SqliteStore};
    let demo = small_demo(4).await;
    let dir = temp_dir("lease");
    let cfg = write_config(&dir, &demo, demo.bc.access_token());
    // this test process stands for the first instance (alive, on this host)
    let first = LeaseHolder::this_process();
    let store = SqliteStore::open(dir.join("state.sqlite")).unwrap();
    store
        .acquire_lease(&first, Duration::from_secs(3600))
        .unwrap();
    let started = std::time::Instant::now();
    let (ok, stdout, stderr) = run_bin(
        env!("CARGO_BIN_EXE_sync"),
        vec![
            "--config".into(),
            cfg.display().to_string(),
            "--once".into(),
        ],
    )
    .await;
    assert!(!ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "refused at once"
    );
    assert!(
        stderr.contains("another connector holds this state")
            && stderr.contains(&format!("PID {}", first.pid))
            && stderr.contains(&format!("host {}", first.host)),
        "{stderr}"
    );
    assert!(store.sent_offers().unwrap().is_empty(), "nothing was sent");
    assert_eq!(store.lease_holder().unwrap(), Some(first));
    let _ = std::fs::remove_dir_all(dir);
}

/// `--dry-run` prints the plan and writes nothing: no offer import, no state file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing() {
    let demo = small_demo(4).await;
    let dir = temp_dir("dry");
    let cfg = write_config(&dir, &demo, demo.bc.access_token());
    let (ok, stdout, stderr) = run_bin(
        env!("CARGO_BIN_EXE_sync"),
        vec![
            "--config".into(),
            cfg.display().to_string(),
            "--dry-run".into(),
        ],
    )
    .await;
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("would send OF24"), "{stdout}");
    assert!(
        stdout.contains(&format!("{} new", demo.catalog.sku_count())),
        "{stdout}"
    );
    assert_eq!(demo.mirakl.request_log().count("POST", "/api/offers"), 0);
    assert!(demo.mirakl.offers().is_empty());
    assert!(!dir.join("state.sqlite").exists());
    let _ = std::fs::remove_dir_all(dir);
}

fn ship_in_bigcommerce(demo: &Demo) {
    for (id, _) in &demo.placed {
        for bid in demo.bc.orders_by_external_id(id) {
            if demo
                .bc
                .order(bid)
                .is_some_and(|o| o.shipments.is_empty() && o.status_id != 5)
            {
                demo.bc.ship_order(bid, &format!("AP{bid:08}"), "auspost");
            }
        }
    }
}

/// The real binary, running continuously (polling only), is killed with SIGKILL at random
/// moments and restarted on the same state file while orders arrive and ship; then stopped
/// with SIGTERM. No order is lost or duplicated.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_process_survives_kill_9() {
    let mut demo = small_demo(6).await;
    let dir = temp_dir("kill9");
    let cfg = write_config(&dir, &demo, demo.bc.access_token());
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text = text.replace(
        "[poll]\nimport_status_secs = 1\n",
        "[poll]\nimport_status_secs = 1\nmirakl_orders_secs = 1\nbigcommerce_secs = 1\norder_overlap_secs = 300\n",
    );
    std::fs::write(&cfg, text).unwrap();
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
            .args(["--config", cfg.to_str().unwrap()])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut rng = fastrand::Rng::with_seed(6);
    for round in 0..8 {
        let mut child = spawn();
        if round % 3 == 1 {
            demo.wait_for("offers on Mirakl", |d| !d.mirakl.offers().is_empty())
                .await
                .unwrap();
            demo.place_orders(round).unwrap();
        }
        if round % 3 == 2 {
            demo.live_changes(round);
        }
        ship_in_bigcommerce(&demo);
        tokio::time::sleep(Duration::from_millis(rng.u64(300..2500))).await;
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
    }
    let mut child = spawn();
    let mut settled = demo
        .wait_for("orders and shipments to settle", |d| {
            ship_in_bigcommerce(d);
            d.orders_settled() && d.shipments_settled()
        })
        .await;
    // price and stock changes made while the process was down or running reach Mirakl (no
    // webhooks here: the start-up reconciliation and the date_modified poll carry them)
    let mut mismatches = Vec::new();
    for _ in 0..60 {
        mismatches = demo.verify().await.unwrap().mismatches;
        if mismatches.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if settled.is_ok() && !mismatches.is_empty() {
        settled = Err(format!("offers differ: {mismatches:?}"));
    }
    // SIGTERM: a graceful stop
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    settled.unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(demo.placed.len(), 3 * 4);
    for (id, _) in &demo.placed {
        let n = demo.bc.count_orders_by_external_id(id);
        match demo.mirakl_state(id).as_deref() {
            Some("REFUSED") => assert_eq!(n, 0, "{id}"),
            Some(state) => {
                assert_eq!(n, 1, "{id} in {state}");
                assert_eq!(state, "SHIPPED", "{id}");
            }
            None => panic!("{id} vanished"),
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `sync --config … --once` with `[products] enabled = true` on a closed operator catalog:
/// the products go first (P41, with the `[rules.products]` mapping), then every offer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_once_sends_products_before_offers_on_a_closed_catalog() {
    let demo = Demo::start(DemoConfig {
        seed: 21,
        products: 10,
        variants: 2,
        orders: 0,
        bc_quota: 1000,
        stale_share: 0.0,
        timeout: Duration::from_secs(60),
        closed_catalog: true,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let dir = temp_dir("once-products");
    let cfg = write_config(&dir, &demo, demo.bc.access_token());
    // the demo's product mapping, as a user writes it in connector.toml
    let mapping = r#"
default_category = "9010"
variant_group_column = ""
categories = [
    { path = "Kitchen", mirakl = "2010" },
    { path = "Bath", mirakl = "2030" },
    { path = "Apparel", mirakl = "1010" },
]
attributes = [
    { code = "title", from = "name" },
    { code = "description", from = "description", strip_html = true },
    { code = "brand", from = "brand" },
    { code = "ean", from = "gtin" },
    { code = "weight-kg", from = "weight", unit = "kg" },
    { code = "image-1", from = { image = 1 } },
    { code = "gender", from = { constant = "UNISEX" } },
    { code = "colour", from = { constant = "MULTI" } },
    { code = "size", from = { option = "Size" } },
]
"#;
    let parsed: sync_core::products::ProductRules = toml::from_str(mapping).unwrap();
    assert_eq!(parsed, examples::demo::demo_product_rules());
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("[products]\nenabled = true\nimport_secs = 1\nimport_status_secs = 1\n");
    text.push_str("[rules.products]\n");
    text.push_str(mapping);
    std::fs::write(&cfg, text).unwrap();

    let (ok, stdout, stderr) = run_bin(
        env!("CARGO_BIN_EXE_sync"),
        vec![
            "--config".into(),
            cfg.display().to_string(),
            "--once".into(),
        ],
    )
    .await;
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Completed"), "{stdout}");
    assert!(stdout.contains("0 held"), "{stdout}");
    assert_eq!(demo.mirakl.integrated_products().len(), 20);
    let v = demo.verify().await.unwrap();
    assert_eq!(v.desired, 20);
    assert_eq!(v.in_sync, v.desired, "{:?}", v.mismatches);
    let _ = std::fs::remove_dir_all(dir);
}
