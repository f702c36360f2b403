#![cfg(feature = "demo")]
//! Issue 13: a first load and large changes reach Mirakl in one call window. The plan sends
//! full offers as one OF01 CSV file from `rules.plan.file_import_from` lines on (OF01:
//! "Once per minute with offers only", specs/mirakl/mirakl-mmp-seller-openapi.json), never
//! as dozens of capped OF24 calls; lines the import's error report (OF03) rejects reach the
//! offer state as problems and are not recorded as sent.

use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use sync_core::rules::WeightBand;

fn config(products: usize) -> DemoConfig {
    DemoConfig {
        seed: 13,
        products,
        variants: 3,
        orders: 0,
        price_changes: 0,
        stock_changes: 0,
        stale_share: 0.0,
        bc_quota: 100_000,
        timeout: Duration::from_secs(600),
        closed_catalog: false,
        ..DemoConfig::default()
    }
}

/// The default configuration's first sync of 10,000 products × 3 variants: one OF01 file
/// (no OF24 call), every offer on Mirakl, every request within the contracts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_of_30000_skus_is_one_offer_file() {
    let demo = Demo::start(config(10_000)).await.unwrap();
    assert_eq!(demo.engine().rules().plan.batch_size, None, "default rules");
    let plan = demo.reconcile(&|_, _| {}).await.unwrap();
    assert_eq!(plan.new, 30_000);
    assert_eq!(plan.batches.get("OF01"), Some(&1), "{plan:?}");
    assert_eq!(plan.batches.get("OF24"), None, "{plan:?}");
    let log = demo.mirakl.request_log();
    assert_eq!(log.count("POST", "/api/offers/imports"), 1);
    assert_eq!(log.count("POST", "/api/offers"), 0);
    assert_eq!(demo.mirakl.offers().len(), 30_000);
    let imports = demo.engine().with_counters(|c| c.imports.clone());
    assert_eq!(imports.get("OF01"), Some(&1), "{imports:?}");
    assert!(demo.mirakl.contract_violations().is_empty());
    let verdict = demo.verify().await.unwrap();
    assert!(verdict.mismatches.is_empty(), "{:?}", verdict.mismatches);
}

/// Lines of the OF01 file that Mirakl rejects (here: a logistic class the operator does
/// not know, for light items) come back in the OF03 error report: they are problems in the
/// offer state, not "last sent", and the accepted lines are applied and recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offer_file_error_report_reaches_the_offer_state() {
    let mut demo = Demo::start(config(40)).await.unwrap();
    let mut rules = demo.rules.clone();
    rules.plan.file_import_from = 1;
    rules.offer.logistic_classes = vec![WeightBand {
        max_weight: "0.5".parse().unwrap(),
        code: "NO-SUCH-CLASS".into(),
    }];
    rules.offer.default_logistic_class = Some("M".into());
    demo.rules = rules;
    demo.restart_engine().await.unwrap();
    let plan = demo.reconcile(&|_, _| {}).await.unwrap();
    assert_eq!(plan.new, 120);
    assert_eq!(plan.batches.get("OF01"), Some(&1), "{plan:?}");
    assert_eq!(demo.mirakl.request_log().count("POST", "/api/offers"), 0);

    let light: Vec<String> = demo
        .catalog
        .products
        .iter()
        .filter(|p| p.weight <= "0.5".parse().unwrap())
        .flat_map(|p| p.variants.iter().map(|v| v.sku.clone()))
        .collect();
    assert!(!light.is_empty() && light.len() < 120, "{}", light.len());
    let (rejected, applied, problems) = demo.engine().with_counters(|c| {
        (
            c.offer_lines_rejected,
            c.offer_lines_applied,
            c.problems.clone(),
        )
    });
    assert_eq!(rejected, light.len() as u64);
    assert_eq!(applied, 120 - light.len() as u64);
    let store = demo.engine().store();
    for sku in &light {
        assert!(demo.mirakl.offer(sku).is_none(), "{sku}");
        assert!(
            problems
                .get(sku)
                .is_some_and(|p| p.contains("rejected by Mirakl")),
            "{sku}: {problems:?}"
        );
        assert!(store.sent_offer(sku).await.unwrap().is_none(), "{sku}");
    }
    let accepted = demo
        .catalog
        .skus()
        .into_iter()
        .find(|s| !light.contains(&s.sku))
        .unwrap();
    assert!(demo.mirakl.offer(&accepted.sku).is_some());
    assert!(store.sent_offer(&accepted.sku).await.unwrap().is_some());
}
