#![cfg(feature = "demo")]
//! The operability endpoint of a running connector (issue 15): `/healthz` turns 503 when the
//! Mirakl stand-in starts failing and back to 200 after; `/metrics` parses as Prometheus
//! text and its request counters match the sandboxes' own request logs; a token is asked
//! for when one is configured.

mod observe_util;

use std::collections::BTreeMap;
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use observe_util::{Running, config, get, rules, wait_until};
use sync_connector::observe;
use sync_sandbox::faults::{FaultConfig, FaultKind};

async fn demo() -> Demo {
    Demo::start(DemoConfig {
        seed: 15,
        products: 6,
        variants: 1,
        orders: 2,
        bc_quota: 10_000,
        stale_share: 0.5,
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

/// `sync_api_requests_total` summed per (service, label value of `by`).
fn requests(scrape: &prometheus_parse::Scrape, by: &str) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    for s in scrape
        .samples
        .iter()
        .filter(|s| s.metric == "sync_api_requests_total")
    {
        let v = match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            ref other => panic!("requests_total is not a counter: {other:?}"),
        };
        let service = s.labels.get("service").unwrap_or_default().to_owned();
        let key = s.labels.get(by).unwrap_or_default().to_owned();
        *out.entry((service, key)).or_default() += v;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_follows_the_mirakl_stand_in_and_metrics_match_the_request_logs() {
    let demo = demo().await;
    let cfg = config(&demo, "[observe]\nlisten = \"127.0.0.1:0\"\n");
    // requests the demo's own set-up made are not this connector's
    let bc_before = demo.bc.requests().total();
    let mirakl_before = demo.mirakl.request_log().total();
    let or11_before = demo.mirakl.request_log().count("GET", "/api/orders");

    let mut run = Running::start(&cfg, rules());
    let server = observe::serve(cfg.observe.as_ref().unwrap(), run.engine.clone())
        .await
        .unwrap();
    let addr = server.addr;
    assert!(addr.ip().is_loopback());

    // healthy once both services answered
    wait_until(
        "a first healthy answer",
        Duration::from_secs(60),
        || async {
            let (code, body) = get(addr, "/healthz", &[]).await;
            let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            code == 200 && v["status"] == "ok" && v["flows"]["orders"].is_number()
        },
    )
    .await;
    let (_, body) = get(addr, "/healthz", &[]).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["healthy"], true, "{body}");
    assert!(
        v["flows"]["orders"].is_number(),
        "the order poll progressed: {body}"
    );

    // the Mirakl stand-in fails every request: 503, naming Mirakl
    demo.mirakl
        .faults()
        .set(FaultConfig::always(FaultKind::ServerError));
    wait_until(
        "/healthz to answer 503",
        Duration::from_secs(60),
        || async { get(addr, "/healthz", &[]).await.0 == 503 },
    )
    .await;
    // still failing: the answer names why
    let (code, unhealthy) = get(addr, "/healthz", &[]).await;
    assert_eq!(code, 503);
    let v: serde_json::Value = serde_json::from_str(&unhealthy).unwrap();
    assert_eq!(v["healthy"], false);
    let reasons = v["reasons"].to_string();
    assert!(
        reasons.contains("the last Mirakl call failed") && reasons.contains("HTTP 500"),
        "{unhealthy}"
    );
    let (_, metrics) = get(addr, "/metrics", &[]).await;
    assert!(metrics.lines().any(|l| l == "sync_up 0.0"), "{metrics}");

    // it recovers: 200 again
    demo.mirakl.faults().disable();
    wait_until(
        "/healthz to answer 200 again",
        Duration::from_secs(60),
        || async { get(addr, "/healthz", &[]).await.0 == 200 },
    )
    .await;

    // no call in flight while counting
    run.stop().await;
    let (code, text) = get(addr, "/metrics", &[]).await;
    assert_eq!(code, 200);
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    // every sample line is `name{labels} value` with a finite number
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let value = line.rsplit(' ').next().unwrap();
        assert!(
            value.parse::<f64>().is_ok_and(f64::is_finite),
            "not a sample line: {line}"
        );
    }
    let by_status = requests(&scrape, "status");
    let total = |service: &str| -> f64 {
        by_status
            .iter()
            .filter(|((s, _), _)| s == service)
            .map(|(_, v)| *v)
            .sum()
    };
    let bc_sent = demo.bc.requests().total() - bc_before;
    let mirakl_sent = demo.mirakl.request_log().total() - mirakl_before;
    assert!(bc_sent > 0 && mirakl_sent > 0);
    assert_eq!(total("bigcommerce"), bc_sent as f64, "{text}");
    assert_eq!(total("mirakl"), mirakl_sent as f64, "{text}");
    let injected = demo
        .mirakl
        .request_log()
        .faults_injected(FaultKind::ServerError);
    assert!(injected > 0);
    assert_eq!(
        by_status.get(&("mirakl".into(), "500".into())).copied(),
        Some(injected as f64),
        "{text}"
    );
    let by_op = requests(&scrape, "operation");
    assert_eq!(
        by_op.get(&("mirakl".into(), "OR11".into())).copied(),
        Some((demo.mirakl.request_log().count("GET", "/api/orders") - or11_before) as f64),
        "{text}"
    );
    // retried 500s on idempotent reads are counted as retries
    let retries: f64 = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "sync_api_retries_total")
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum();
    assert!(retries > 0.0, "{text}");
    assert!(text.lines().any(|l| l == "sync_up 1.0"), "{text}");
    // what the issue lists is all there
    for name in [
        "sync_bigcommerce_quota_left",
        "sync_offers_pending_lines",
        "sync_offer_lines_applied_total",
        "sync_offer_lines_rejected_total",
        "sync_mirakl_imports_started_total",
        "sync_change_to_marketplace_seconds_bucket",
        "sync_mirakl_orders",
        "sync_orders_shipping_deadline",
        "sync_shipments_unconfirmed",
        "sync_state_in_flight_calls",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert_eq!(demo.mirakl.contract_violations(), vec![]);
    assert_eq!(demo.bc.contract_violations(), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_token_is_required_and_off_loopback_needs_one() {
    let demo = demo().await;
    let cfg = config(
        &demo,
        "[observe]\nlisten = \"127.0.0.1:0\"\ntoken = \"s3cret-observe-token\"\n",
    );
    let run = Running::start(&cfg, rules());
    let server = observe::serve(cfg.observe.as_ref().unwrap(), run.engine.clone())
        .await
        .unwrap();
    for path in ["/", "/healthz", "/metrics"] {
        assert_eq!(get(server.addr, path, &[]).await.0, 401, "{path}");
        assert_eq!(
            get(server.addr, path, &[("authorization", "Bearer wrong")])
                .await
                .0,
            401
        );
        let (code, _) = get(
            server.addr,
            path,
            &[("authorization", "Bearer s3cret-observe-token")],
        )
        .await;
        assert!(code == 200 || code == 503, "{path}: {code}");
    }
    // bound elsewhere without a token: the configuration is refused, naming the fix
    let none = |_: &str| None;
    let err = sync_connector::config::Config::from_toml(
        &observe_util::config_text(&demo, "[observe]\nlisten = \"0.0.0.0:9464\"\n"),
        std::path::Path::new("."),
        &none,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("observe.token"), "{err}");
    // and so is serving it, whatever built the settings
    let open = sync_connector::config::ObserveConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        token: None,
    };
    let err = observe::serve(&open, run.engine.clone()).await.unwrap_err();
    assert!(err.to_string().contains("without a token"), "{err}");
}
