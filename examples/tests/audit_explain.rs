#![cfg(feature = "demo")]
//! `sync explain` (issue 15): the real binary, on the state file a connector kept while it
//! ran on the sandboxes. The operator's catalog is closed and product sync is off, so offers for
//! products it does not know are rejected in the OF24 error report (OF03): explaining such a
//! SKU shows the import and its error line; explaining an offered SKU shows what was last
//! sent; explaining an order shows its steps and calls.

mod observe_util;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use observe_util::{Running, config, rules, rules_toml, wait_until};
use sync_connector::state::SqliteStore;

async fn explain(config: &Path, target: &str) -> (Option<i32>, String, String) {
    let (config, target) = (config.to_owned(), target.to_owned());
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
            .arg("explain")
            .arg("--config")
            .arg(&config)
            .arg(&target)
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_shows_a_rejected_offers_error_line_what_was_sent_and_an_orders_steps() {
    let mut demo = Demo::start(DemoConfig {
        seed: 41,
        products: 6,
        variants: 1,
        orders: 1,
        bc_quota: 10_000,
        stale_share: 0.5,
        closed_catalog: true,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "examples-explain-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let state = Arc::new(SqliteStore::open(dir.join("state.sqlite")).unwrap());
    let file = dir.join("connector.toml");
    std::fs::write(
        &file,
        observe_util::config_text(
            &demo,
            &format!("[state]\npath = \"state.sqlite\"\n{}", rules_toml()),
        ),
    )
    .unwrap();
    let mut run = Running::start_on(&config(&demo, ""), rules(), state.clone());
    let engine = run.engine.clone();
    wait_until(
        "an offer import with an error report",
        Duration::from_secs(90),
        || async {
            engine
                .telemetry()
                .with_wire(|w| w.imports.iter().any(|i| !i.error_lines.is_empty()))
        },
    )
    .await;
    let (rejected, import_id) = engine.telemetry().with_wire(|w| {
        let i = w
            .imports
            .iter()
            .find(|i| !i.error_lines.is_empty())
            .unwrap();
        // the report's second line is the first rejected row; its first cell the SKU
        let sku = i.error_lines[1]
            .split(';')
            .next()
            .unwrap()
            .trim_matches('"')
            .to_owned();
        (sku, i.import_id.clone())
    });
    // an offered SKU: what was last sent, as applied
    let offered = demo
        .catalog
        .skus()
        .into_iter()
        .map(|s| s.sku)
        .find(|s| demo.mirakl.offer(s).is_some())
        .unwrap();
    wait_until(
        "an offer recorded as sent",
        Duration::from_secs(60),
        || async {
            sync_connector::state::StateStore::sent_offer(state.as_ref(), &offered)
                .await
                .unwrap()
                .is_some()
        },
    )
    .await;
    // an order reaches BigCommerce
    demo.place_orders(0).unwrap();
    let id = demo
        .placed
        .iter()
        .find(|(_, refused)| !refused)
        .map(|(id, _)| id.clone())
        .unwrap();
    wait_until(
        "the order in BigCommerce",
        Duration::from_secs(90),
        || async { demo.bc.count_orders_by_external_id(&id) == 1 },
    )
    .await;
    // the connector stops (its order polls would take the OR11 call window), its state stays
    run.stop().await;

    let (code, out, err) = explain(&file, &rejected).await;
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.starts_with(&format!("SKU {rejected}\n")), "{out}");
    assert!(out.contains("BigCommerce (read now): product "), "{out}");
    assert!(out.contains("Desired offer: price "), "{out}");
    assert!(
        out.contains("shaped by: stock buffer 1 unit(s), maximum 100"),
        "{out}"
    );
    assert!(out.contains("Live on Mirakl (OF21): no offer"), "{out}");
    assert!(
        out.contains(&format!("import {import_id} (COMPLETE, created ")),
        "{out}"
    );
    assert!(out.contains(": The product does not exist"), "{out}");

    let (code, out, _) = explain(&file, &offered).await;
    assert_eq!(code, Some(0), "{out}");
    // what was last sent, and when (issue #15): a time of this test run
    let line = out
        .lines()
        .find(|l| l.starts_with("Last sent and applied (state file, recorded "))
        .unwrap_or_else(|| panic!("no last-sent line with its time:\n{out}"));
    let stamp = line
        .trim_start_matches("Last sent and applied (state file, recorded ")
        .split(')')
        .next()
        .unwrap();
    let sent = time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{stamp}: {e}"));
    let age = time::OffsetDateTime::now_utc() - sent;
    assert!(
        age >= time::Duration::ZERO && age < time::Duration::minutes(10),
        "sent {stamp}, {age} ago"
    );
    assert!(line.contains("): price "), "{line}");
    assert!(out.contains("Live on Mirakl (OF21): price "), "{out}");

    // an order: each step with its time and call
    let (code, out, err) = explain(&file, &id).await;
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    for expected in [
        format!("Order {id}\n"),
        "Mirakl (OR11): state SHIPPING".to_owned(),
        "created on Mirakl".to_owned(),
        "acceptance decided: 1 of 1 line(s) accepted (OR21".to_owned(),
        "customer debited".to_owned(),
        "created in BigCommerce as order ".to_owned(),
        "(POST /v2/orders)".to_owned(),
        "Connector (state file): OR21 sent; BigCommerce order ".to_owned(),
    ] {
        assert!(out.contains(&expected), "{expected:?} not in:\n{out}");
    }
    // nothing by that name: exit 1
    let (code, _, err) = explain(&file, "NO-SUCH-THING-42").await;
    assert_eq!(code, Some(1), "{err}");
    drop(run);
    let _ = std::fs::remove_dir_all(&dir);
}
