#![cfg(feature = "demo")]
//! `sync` checks the store's price tax basis (`/v2/store`) against the marketplace's at start
//! (issue 10 defect 5): differing bases without a configured rate refuse the start, naming the
//! settings, before anything is sent. The real `sync` binary against the sandboxes (loopback).

use std::path::{Path, PathBuf};
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-runtime-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_config(dir: &Path, demo: &Demo, price_rules: &str) -> PathBuf {
    let text = format!(
        "[bigcommerce]\nstore_hash = \"{}\"\naccess_token = \"{}\"\napi_base = \"{}\"\n\
         [mirakl]\nbase_url = \"{}\"\napi_key = \"{}\"\nshop_id = {}\nenforce_ceilings = false\n\
         [poll]\nimport_status_secs = 1\n[state]\npath = \"state.sqlite\"\n\
         [rules.price]\n{price_rules}\n",
        demo.bc.store_hash(),
        demo.bc.access_token(),
        demo.bc.base_url(),
        demo.mirakl.base_url(),
        demo.mirakl.api_key(),
        demo.mirakl.shop_id(),
    );
    let path = dir.join("connector.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn run_once(config: PathBuf) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
            .arg("--config")
            .arg(&config)
            .arg("--once")
            .env("RUST_LOG", "warn")
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
async fn differing_tax_bases_without_a_rate_refuse_the_start() {
    let demo = Demo::start(DemoConfig {
        seed: 5,
        products: 6,
        variants: 1,
        orders: 1,
        bc_quota: 1000,
        stale_share: 0.0,
        timeout: Duration::from_secs(60),
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    // the sandbox store enters prices without tax; the marketplace prices with tax
    let dir = temp_dir("tax-refused");
    let (ok, out, err) = run_once(write_config(
        &dir,
        &demo,
        "marketplace_tax_basis = \"tax_included\"",
    ))
    .await;
    assert!(
        !ok,
        "started with differing tax bases\nstdout: {out}\nstderr: {err}"
    );
    assert!(
        err.contains("refusing to start")
            && err.contains("price.marketplace_tax_basis")
            && err.contains("price.store_tax_rate_percent"),
        "{err}"
    );
    assert!(
        !out.contains("reconciliation:"),
        "offers were reconciled anyway: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // with the store's rate configured, the bases can be converted: it starts
    let dir = temp_dir("tax-converted");
    let (ok, out, err) = run_once(write_config(
        &dir,
        &demo,
        "marketplace_tax_basis = \"tax_included\"\nstore_tax_rate_percent = \"10\"",
    ))
    .await;
    assert!(ok, "stdout: {out}\nstderr: {err}");
    let _ = std::fs::remove_dir_all(&dir);

    // same basis: nothing to check against
    let dir = temp_dir("tax-same");
    let (ok, out, err) = run_once(write_config(
        &dir,
        &demo,
        "marketplace_tax_basis = \"tax_excluded\"",
    ))
    .await;
    assert!(ok, "stdout: {out}\nstderr: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
