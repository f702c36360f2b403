#![cfg(feature = "demo")]
//! Product sync (P41) end to end, on the sandboxes with a closed operator catalog: products
//! created in BigCommerce become marketplace products and then live offers; broken products
//! are reported by SKU and reason and never offered; unchanged products are not sent again.

use std::time::Duration;

use bigcommerce_api::catalog::{InventoryTracking, NewProduct, ProductId, ProductUpdate};
use examples::demo::{Demo, DemoConfig};
use rust_decimal::Decimal;
use sync_connector::products::ProductStep;
use sync_core::coalesce::DirtyKey;
use sync_sandbox::mirakl::Requirement;

fn temp_state(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-products-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.sqlite")
}

async fn closed_demo(seed: u64, clock_scale: u32, state: Option<std::path::PathBuf>) -> Demo {
    Demo::start(DemoConfig {
        seed,
        products: 8,
        variants: 2,
        orders: 0,
        price_changes: 0,
        stock_changes: 0,
        stale_share: 0.0,
        bc_quota: 1000,
        clock_scale,
        timeout: Duration::from_secs(25),
        state_path: state,
        closed_catalog: true,
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

fn new_product(name: &str, sku: &str, gtin: &str, category: Option<u64>) -> NewProduct {
    NewProduct {
        sku: Some(sku.into()),
        description: Some(format!("<p>{name}</p>")),
        categories: category.into_iter().collect(),
        inventory_tracking: Some(InventoryTracking::Product),
        inventory_level: Some(30),
        is_visible: Some(true),
        gtin: Some(sync_sandbox::demo::with_check_digit(gtin)),
        ..NewProduct::new(name, Decimal::new(500, 3), Decimal::new(2995, 2))
    }
}

async fn category(demo: &Demo, name: &str) -> Option<u64> {
    demo.engine()
        .bigcommerce()
        .categories()
        .list()
        .all()
        .await
        .unwrap()
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.id.0)
}

fn p41_calls(demo: &Demo) -> u64 {
    demo.engine()
        .mirakl()
        .call_counts()
        .iter()
        .filter(|(k, _)| k.contains("P41"))
        .map(|(_, n)| *n)
        .sum()
}

/// The catalog's products reach the marketplace (P41) before their offers, and a product
/// created in BigCommerce while the connector runs ends as a live offer on a closed catalog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_created_in_bigcommerce_ends_as_a_live_offer() {
    let mut demo = closed_demo(11, 60, None).await;
    let plan = demo.reconcile(&|_, _| {}).await.unwrap();
    // closed catalog, nothing integrated yet: every offer waits for its product
    assert_eq!((plan.new, plan.held), (0, 16), "{plan:?}");
    assert!(demo.mirakl.offers().is_empty());
    assert_eq!(demo.engine().product_report().held_offers.len(), 16);

    demo.start_loop_with(false);
    demo.wait_for("catalog products offered", Demo::catalog_offered)
        .await
        .unwrap();
    for s in demo.catalog.skus() {
        let p = demo.mirakl.catalog_product("SHOP_SKU", &s.sku).unwrap();
        assert!(p.import_id.is_some(), "{} not integrated by P41", s.sku);
        assert_eq!(p.title, s.product_name);
    }

    let outdoor = category(&demo, "Outdoor").await;
    let id = demo
        .create_product(&new_product(
            "Southerly Beach Shelter",
            "NEW-SHELTER-1",
            "939911111111",
            outdoor,
        ))
        .await
        .unwrap();
    demo.wait_for("the new product to be offered", |d| {
        d.mirakl.offer("NEW-SHELTER-1").is_some()
    })
    .await
    .unwrap();
    demo.stop().await;
    let product = demo
        .mirakl
        .catalog_product("SHOP_SKU", "NEW-SHELTER-1")
        .unwrap();
    assert_eq!(product.category_code, "9010");
    assert_eq!(product.title, "Southerly Beach Shelter");
    let offer = demo.mirakl.offer("NEW-SHELTER-1").unwrap();
    assert_eq!(offer.price, Decimal::new(2995, 2));
    assert_eq!(offer.quantity, 29); // 30 on hand, buffer 1
    assert_eq!(offer.product_sku, product.product_sku);
    // one import for the catalog, one for the product created later (its own P41 window)
    assert_eq!(p41_calls(&demo), 2);
    let report = demo.engine().product_report();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert!(report.held_offers.is_empty(), "{:?}", report.held_offers);
    assert_eq!(report.integrated, 17);
    assert!(demo.bc.product_id("NEW-SHELTER-1") == Some(id));
}

/// A product missing a required attribute is stopped by validation before upload; one the
/// operator rejects (its catalog changed after the connector read it) comes back in the P44
/// report, mapped to its BigCommerce product. Both are reported by SKU and reason and never
/// offered, while a valid product sent in the same import is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_products_are_reported_and_never_offered() {
    // a seed whose catalog has an Apparel category (clothing needs gender, colour and size)
    let seed = (12..)
        .find(|s| {
            sync_sandbox::demo::DemoCatalog::generate(*s, 8, 2)
                .products
                .iter()
                .any(|p| p.category == "Apparel")
        })
        .unwrap();
    // a faster operator clock (P41 windows of about 8 s), so the fix below is sent soon
    let mut demo = closed_demo(seed, 120, None).await;
    demo.reconcile(&|_, _| {}).await.unwrap();
    demo.start_loop_with(false);
    demo.wait_for("catalog products offered", Demo::catalog_offered)
        .await
        .unwrap();
    // the operator now requires a brand; the connector's cached copy does not know yet
    let mut catalog = demo.mirakl.operator_catalog();
    for a in &mut catalog.attributes {
        if a.code == "brand" {
            a.requirement = Requirement::Required;
        }
    }
    demo.mirakl.set_operator_catalog(catalog);

    let apparel = category(&demo, "Apparel").await;
    assert!(apparel.is_some());
    let outdoor = category(&demo, "Outdoor").await;
    // clothing without the Size option the operator requires for it
    let no_size = demo
        .create_product(&new_product(
            "Bondi Basics Hoodie",
            "BROKEN-SIZE",
            "939922222221",
            apparel,
        ))
        .await
        .unwrap();
    // valid for the connector's copy of the catalog, but has no brand
    let mut unbranded = new_product("Plain Camp Stool", "NO-BRAND", "939922222222", outdoor);
    unbranded.brand_id = None;
    let no_brand = demo.create_product(&unbranded).await.unwrap();
    // a valid product in the same import, with a brand
    let brand = demo
        .engine()
        .bigcommerce()
        .brands()
        .list()
        .all()
        .await
        .unwrap()
        .first()
        .map(|b| b.id.0);
    let mut branded = new_product("Eucalypt Camp Chair", "GOOD-CHAIR", "939922222223", outdoor);
    branded.brand_id = brand;
    demo.create_product(&branded).await.unwrap();

    demo.wait_for("the import with the new products to finish", |d| {
        let r = d.engine().product_report();
        r.rejected.contains_key("BROKEN-SIZE")
            && r.rejected.contains_key("NO-BRAND")
            && d.mirakl.offer("GOOD-CHAIR").is_some()
    })
    .await
    .unwrap();
    // give the loop a few more windows: nothing may offer the rejected SKUs
    tokio::time::sleep(Duration::from_secs(3)).await;
    demo.stop().await;

    let r = demo.engine().product_report();
    let size = &r.rejected["BROKEN-SIZE"];
    assert_eq!(size.stage, "validation", "{:?}", r.rejected);
    assert_eq!(
        size.reason,
        "attribute `size`: required attribute has no value"
    );
    assert_eq!(size.source.map(|s| s.product_id), Some(no_size));
    let brand = &r.rejected["NO-BRAND"];
    assert_eq!(brand.stage, "P44");
    assert!(brand.reason.contains("brand"), "{}", brand.reason);
    assert_eq!(brand.source.map(|s| s.product_id), Some(no_brand));
    assert_eq!(r.rows_rejected, 1);
    for sku in ["BROKEN-SIZE", "NO-BRAND"] {
        assert!(demo.mirakl.offer(sku).is_none(), "{sku} was offered");
        assert!(r.held_offers.contains(sku), "{sku} not held");
    }
    assert!(
        demo.mirakl
            .catalog_product("SHOP_SKU", "BROKEN-SIZE")
            .is_none()
    );
    assert!(
        demo.mirakl
            .catalog_product("SHOP_SKU", "NO-BRAND")
            .is_none()
    );
    // the verdict treats them as expected problems, and both sides otherwise agree
    let v = demo.verify().await.unwrap();
    assert_eq!(v.expected_problems.len(), 2, "{:?}", v.expected_problems);
    assert!(v.ok(), "{:?}", v.mismatches);
    let summary = demo.summary(&v, None, Duration::ZERO);
    assert!(
        summary.contains("BROKEN-SIZE: attribute `size`: required attribute has no value"),
        "{summary}"
    );
    assert!(summary.contains("NO-BRAND: "), "{summary}");

    // fixed in BigCommerce (a brand added): sent again in the next window, then offered
    demo.start_loop_with(false);
    let brand_id = demo
        .engine()
        .bigcommerce()
        .brands()
        .list()
        .all()
        .await
        .unwrap()
        .first()
        .map(|b| b.id.0);
    demo.engine()
        .bigcommerce()
        .products()
        .update(
            ProductId(no_brand),
            &ProductUpdate {
                brand_id,
                ..ProductUpdate::for_id(ProductId(no_brand))
            },
        )
        .await
        .unwrap();
    demo.wait_for("the fixed product to be offered", |d| {
        d.mirakl.offer("NO-BRAND").is_some()
    })
    .await
    .unwrap();
    demo.stop().await;
    let r = demo.engine().product_report();
    assert!(!r.rejected.contains_key("NO-BRAND"), "{:?}", r.rejected);
    assert!(r.rejected.contains_key("BROKEN-SIZE"));
    let problems = demo.engine().with_counters(|s| s.problems.clone());
    assert!(!problems.contains_key("NO-BRAND"), "{problems:?}");
    assert!(problems.contains_key("BROKEN-SIZE"), "{problems:?}");
}

/// Rows the operator already integrated are not sent again: a second check (and one after a
/// restart on the same state file) sends no P41; a changed product sends only its rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_products_are_not_sent_again() {
    let state = temp_state("unchanged");
    // a faster operator clock: P41 windows of about 1.6 s
    let mut demo = closed_demo(13, 600, Some(state.clone())).await;
    let engine = demo.engine().clone();
    let step = engine
        .sync_products_until_idle(Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        matches!(
            step,
            ProductStep::Completed {
                accepted: 16,
                rejected: 0,
                ..
            }
        ),
        "{step:?}"
    );
    assert_eq!(p41_calls(&demo), 1);

    let window = Duration::from_millis(1700);
    tokio::time::sleep(window).await;
    engine.mark_dirty(DirtyKey::All);
    let step = engine
        .sync_products_until_idle(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(step, ProductStep::UpToDate { invalid: 0 });
    assert_eq!(p41_calls(&demo), 1);

    // after a restart the hashes come from SQLite: still nothing to send
    demo.restart_engine().await.unwrap();
    let engine = demo.engine().clone();
    let step = engine
        .sync_products_until_idle(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(step, ProductStep::UpToDate { invalid: 0 });
    assert_eq!(p41_calls(&demo), 0, "fresh client, no P41");

    // renaming one product changes its two rows only
    let sku = demo.catalog.products[0].variants[0].sku.clone();
    let id = demo.bc.product_id(&sku).unwrap();
    engine
        .bigcommerce()
        .products()
        .update(
            ProductId(id),
            &ProductUpdate {
                name: Some("Renamed Product".into()),
                ..ProductUpdate::for_id(ProductId(id))
            },
        )
        .await
        .unwrap();
    tokio::time::sleep(window).await;
    engine.mark_dirty(DirtyKey::Product(id));
    let step = engine
        .sync_products_until_idle(Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        matches!(
            step,
            ProductStep::Completed {
                accepted: 2,
                rejected: 0,
                ..
            }
        ),
        "{step:?}"
    );
    assert_eq!(p41_calls(&demo), 1);
    assert_eq!(
        demo.mirakl.catalog_product("SHOP_SKU", &sku).unwrap().title,
        "Renamed Product"
    );
    let _ = std::fs::remove_dir_all(state.parent().unwrap());
}

/// With `price_list_id` and `location_inventory`, offers are priced from the price list's
/// records and stocked from every enabled inventory location (read through the API), while
/// items the price list does not cover keep their catalog price.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_list_and_location_stock_reach_the_offers() {
    use bigcommerce_api::Method;
    use bigcommerce_api::inventory::{Adjustment, LocationId};
    use bigcommerce_api::pricelists::{PriceListId, PriceListRecordUpsert};
    use sync_connector::{Connector, ConnectorOptions};

    let demo = Demo::start(DemoConfig {
        seed: 14,
        products: 4,
        variants: 2,
        orders: 0,
        stale_share: 0.0,
        bc_quota: 1000,
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let bc = demo.engine().bigcommerce().clone();
    let skus = demo.catalog.skus();
    let (priced, other) = (&skus[0], &skus[1]);

    let created = bc
        .raw(Method::POST, "v3/pricelists")
        .json(&serde_json::json!({"name": "Marketplace", "active": true}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
    let list = body["data"]["id"].as_u64().unwrap();
    let variant = bigcommerce_api::catalog::VariantId(demo.bc.variant_id(&priced.sku).unwrap());
    bc.price_lists()
        .upsert_records(
            PriceListId(list),
            &[PriceListRecordUpsert::new(
                variant,
                "AUD",
                Decimal::new(7700, 2),
            )],
        )
        .await
        .unwrap();

    let created = bc
        .raw(Method::POST, "v3/inventory/locations")
        .json(&serde_json::json!([{"code": "WH2", "label": "Second warehouse"}]))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
    let location = body["location_ids"][0].as_u64().unwrap();
    bc.inventory()
        .adjust_absolute(
            Some("stock moved in"),
            &[Adjustment::by_sku(
                LocationId(location),
                priced.sku.clone(),
                9,
            )],
        )
        .await
        .unwrap();

    let (bcc, mkc) = examples::demo::sandbox_clients(&demo.bc, &demo.mirakl, 60).unwrap();
    let engine = Connector::new(
        bcc,
        mkc,
        demo.state.clone(),
        demo.rules.clone(),
        ConnectorOptions {
            price_list_id: Some(list),
            location_inventory: true,
            ..examples::demo::sandbox_engine_options(60)
        },
    );
    engine.reconcile(&|_, _| {}).await.unwrap();

    let o = demo.mirakl.offer(&priced.sku).unwrap();
    assert_eq!(o.price, Decimal::new(7700, 2));
    // default location stock plus the 9 units of the second warehouse, minus the buffer of 1
    let expected = (priced.stock + 9 - 1).clamp(0, 100);
    assert_eq!(i64::from(o.quantity), expected);
    let o = demo.mirakl.offer(&other.sku).unwrap();
    assert_eq!(o.price, other.selling_price);
    assert_eq!(i64::from(o.quantity), (other.stock - 1).clamp(0, 100));
}
