#![cfg(feature = "demo")]
//! `sync audit` (issue 15): the real binary against the sandboxes. After the connector has
//! brought both sides in step the audit exits 0; then each kind of drift is injected behind
//! the connector's back — a price, a quantity and an offer state changed on one side, an
//! offer deleted on Mirakl, an offer nobody wants, a Mirakl order missing in BigCommerce, one
//! created twice, one whose totals differ, one shipped in BigCommerce only — and the audit
//! names each and exits 1. It exits 2 when a side cannot be read.

mod observe_util;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bigcommerce_api::orders::{Address, NewOrder, NewOrderProduct};
use examples::demo::{Demo, DemoConfig, sandbox_clients};
use mirakl_api::MiraklOrderId;
use mirakl_api::offers::{OfferUpdate, UpdateDelete};
use mirakl_api::orders::OrderLineAcceptance;
use observe_util::wait_until;
use rust_decimal::Decimal;
use sync_sandbox::mirakl::OfferSeed;

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-audit-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn audit(config: &Path, json: bool) -> (Option<i32>, String, String) {
    let config = config.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sync"));
        cmd.arg("audit").arg("--config").arg(&config);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.env("RUST_LOG", "error").output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// A BigCommerce order for `external_order_id` with one custom line at `price`.
fn bc_order(external_order_id: &str, price: Decimal) -> NewOrder {
    let address = Address {
        first_name: "Audit".into(),
        last_name: "Test".into(),
        street_1: "1 George St".into(),
        city: "Sydney".into(),
        state: "New South Wales".into(),
        zip: "2000".into(),
        country: "Australia".into(),
        country_iso2: "AU".into(),
        email: "audit@example.com".into(),
        ..Address::default()
    };
    let mut o = NewOrder::new(
        address,
        vec![NewOrderProduct::custom("Audit line", None, 1, price, price)],
    );
    o.external_order_id = Some(external_order_id.to_owned());
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_agrees_then_reports_each_injected_drift() {
    let mut demo = Demo::start(DemoConfig {
        seed: 31,
        products: 8,
        variants: 1,
        orders: 2,
        bc_quota: 10_000,
        stale_share: 0.5,
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    // the connector brings both sides in step, orders included
    demo.start_loop();
    demo.place_orders(0).unwrap();
    wait_until("the orders to settle", Duration::from_secs(120), || async {
        demo.orders_settled()
    })
    .await;
    demo.settle().await.unwrap();
    demo.stop().await;

    let dir = temp_dir();
    let config = dir.join("connector.toml");
    std::fs::write(
        &config,
        observe_util::config_text(&demo, &observe_util::rules_toml()),
    )
    .unwrap();
    let (code, out, err) = audit(&config, false).await;
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Both sides agree."), "{out}");
    // the live offers came from one full export (OF52–OF54), not OF21 pages
    assert!(out.contains("(read by OF52 full export)"), "{out}");
    // stderr is a pipe: plain progress lines per stage, then the end (issue #15)
    for line in [
        "audit: reading the BigCommerce catalog: ",
        "audit: reading the Mirakl offers",
        "audit: checking Mirakl orders against BigCommerce",
        ": done (",
    ] {
        assert!(err.contains(line), "no progress line `{line}`: {err}");
    }

    // ---- drift, behind the connector's back
    let (bc, mk) = sandbox_clients(&demo.bc, &demo.mirakl, 60).unwrap();
    let placed: Vec<String> = demo
        .placed
        .iter()
        .filter(|(_, refused)| !refused)
        .map(|(id, _)| id.clone())
        .collect();
    let ordered: Vec<String> = placed
        .iter()
        .filter_map(|id| demo.mirakl.order(id))
        .flat_map(|o| o.lines.into_iter().map(|l| l.shop_sku))
        .collect();
    // SKUs offered, not ordered (their quantities stay put)
    let skus: Vec<String> = demo
        .catalog
        .skus()
        .into_iter()
        .map(|s| s.sku)
        .filter(|s| !ordered.contains(s) && demo.mirakl.offer(s).is_some())
        .collect();
    assert!(skus.len() >= 4, "{skus:?}");
    let (price_sku, qty_sku, state_sku, gone_sku) = (&skus[0], &skus[1], &skus[2], &skus[3]);
    // a price and a quantity changed in BigCommerce
    let (price, _) = demo.bc.price(price_sku).unwrap();
    assert!(
        demo.bc
            .set_price(price_sku, price + Decimal::new(5, 0), None)
    );
    let stock = demo.bc.stock(qty_sku).unwrap();
    assert!(
        demo.bc
            .set_stock(qty_sku, if stock == 40 { 41 } else { 40 })
    );
    // an offer's state changed and another deleted on Mirakl (OF24)
    let live = mk.offers().list().stream();
    let live: Vec<mirakl_api::offers::Offer> =
        futures::TryStreamExt::try_collect(live).await.unwrap();
    let offer = live
        .iter()
        .find(|o| o.shop_sku.as_str() == state_sku.as_str())
        .unwrap();
    let mut used = OfferUpdate::from_offer(offer);
    used.state_code = "1".into();
    let gone = live
        .iter()
        .find(|o| o.shop_sku.as_str() == gone_sku.as_str())
        .unwrap();
    let mut delete = OfferUpdate::from_offer(gone);
    delete.update_delete = Some(UpdateDelete::Delete);
    mk.offers().upsert(vec![used, delete]).await.unwrap();
    // an offer no SKU of the catalog wants
    demo.mirakl.seed_offers([OfferSeed {
        shop_sku: "GHOST-1".into(),
        ean: Some("9300000099991".into()),
        title: "Not in the store".into(),
        price: Decimal::new(1999, 2),
        quantity: 4,
    }]);
    demo.mirakl.finish_imports();
    wait_until(
        "the OF24 import to apply",
        Duration::from_secs(30),
        || async { demo.mirakl.offer(gone_sku).is_none() },
    )
    .await;

    // orders: two new ones accepted on Mirakl and released for shipping
    let catalog: Vec<(String, Decimal)> = skus[4..]
        .iter()
        .map(|s| (s.clone(), demo.bc.price(s).unwrap().0))
        .collect();
    let fresh = demo.mirakl.create_scripted_orders(99, &catalog, 2).unwrap();
    for id in &fresh {
        let o = mk
            .orders()
            .get(&MiraklOrderId::new(id.clone()).unwrap())
            .await
            .unwrap()
            .unwrap();
        let lines = o
            .order_lines
            .iter()
            .map(|l| OrderLineAcceptance::accept(l.order_line_id.clone()))
            .collect();
        mk.orders()
            .accept(&MiraklOrderId::new(id.clone()).unwrap(), lines)
            .await
            .unwrap();
        let _ = demo.mirakl.trigger_debit(id);
    }
    wait_until(
        "the new orders to be SHIPPING",
        Duration::from_secs(30),
        || async {
            fresh
                .iter()
                .all(|id| demo.mirakl_state(id).as_deref() == Some("SHIPPING"))
        },
    )
    .await;
    let (missing, wrong_total) = (&fresh[0], &fresh[1]);
    // one gets a BigCommerce order with the wrong total; the other none
    bc.orders()
        .create(&bc_order(wrong_total, Decimal::new(100, 2)))
        .await
        .unwrap();
    // a settled order is created a second time; another is shipped in BigCommerce only
    let (duplicated, shipped) = (&placed[0], &placed[1]);
    bc.orders()
        .create(&bc_order(duplicated, Decimal::new(100, 2)))
        .await
        .unwrap();
    let shipped_bc = demo.bc.orders_by_external_id(shipped)[0];
    assert!(
        demo.bc
            .ship_order(shipped_bc, "TRACK-AUDIT-1", "auspost")
            .is_some()
    );

    let (code, out, err) = audit(&config, false).await;
    assert_eq!(code, Some(1), "stdout:\n{out}\nstderr:\n{err}");
    // a second full export the same (sandbox) day is refused: OF21 pages instead, said so
    assert!(
        out.contains("(read by OF21 pages: Mirakl refused the full export"),
        "{out}"
    );
    for expected in [
        format!("{price_sku}: price is "),
        format!("{qty_sku}: quantity is "),
        format!("{state_sku}: state is 1 on Mirakl, the catalog wants 11"),
        format!("{gone_sku}: missing on Mirakl"),
        "GHOST-1: offered on Mirakl (4 in stock) but not wanted by the catalog".to_owned(),
        format!("{missing}: SHIPPING on Mirakl, missing in BigCommerce"),
        format!("{duplicated}: 2 BigCommerce orders carry it"),
        format!("{wrong_total}: total "),
        format!("{shipped}: shipped in BigCommerce only"),
        "The two sides drift.".to_owned(),
    ] {
        assert!(out.contains(&expected), "{expected:?} not in:\n{out}");
    }
    assert!(
        !out.contains(&format!("{missing}: total")),
        "a missing order has no totals to compare:\n{out}"
    );
    // the same as JSON
    let (code, json, _) = audit(&config, true).await;
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let offers = kinds("offers");
    for k in ["missing", "differs", "not_desired"] {
        assert!(offers.iter().any(|x| x == k), "{k}: {json}");
    }
    let orders = kinds("orders");
    for k in [
        "missing",
        "duplicated",
        "totals_differ",
        "shipped_on_one_side",
    ] {
        assert!(orders.iter().any(|x| x == k), "{k}: {json}");
    }
    // the audit wrote nothing: no order, no offer change
    assert_eq!(demo.bc.count_orders_by_external_id(missing), 0);
    assert_eq!(demo.mirakl.offer(state_sku).unwrap().state_code, "1");

    // a side that cannot be read: exit 2
    demo.mirakl
        .faults()
        .set(sync_sandbox::faults::FaultConfig::always(
            sync_sandbox::faults::FaultKind::ServerError,
        ));
    let (code, out, err) = audit(&config, false).await;
    assert_eq!(code, Some(2), "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("could not finish"), "{err}");
    demo.mirakl.faults().disable();
    let _ = std::fs::remove_dir_all(&dir);
}
