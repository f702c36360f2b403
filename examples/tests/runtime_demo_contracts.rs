#![cfg(feature = "demo")]
//! The demo's verdict counts the contract violations both sandboxes recorded (issue 10): a
//! whole scripted run records none, and one request outside the official documents turns the
//! result into a mismatch (loopback only).

use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `GET {path}` with the shop key to the Mirakl sandbox as raw HTTP/1.1.
/// Sends `path` raw (past the typed client) and returns the status line.
async fn raw_mirakl_get(demo: &Demo, path: &str) -> String {
    let base = demo.mirakl.base_url();
    let addr = format!(
        "{}:{}",
        base.host_str().unwrap(),
        base.port_or_known_default().unwrap()
    );
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: {}\r\naccept: application/json\r\nconnection: close\r\n\r\n",
        demo.mirakl.api_key()
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_summary_counts_contract_violations_and_needs_zero() {
    let mut demo = Demo::start(DemoConfig {
        seed: 10,
        products: 12,
        variants: 2,
        orders: 3,
        bc_quota: 1000,
        timeout: Duration::from_secs(90),
        // the whole demo, after-acceptance scenarios included
        ..DemoConfig::full()
    })
    .await
    .unwrap();
    let (plan, verdict) = demo.run_script(&|_, _| {}).await.unwrap();
    let summary = demo.summary(&verdict, Some(&plan), Duration::ZERO);
    assert_eq!(
        verdict.contract_violations,
        Vec::<String>::new(),
        "{summary}"
    );
    assert!(
        summary.contains(
            "contract violations (requests the official API documents reject, both sandboxes): 0"
        ),
        "{summary}"
    );

    // a request with a query parameter OR11 does not declare is recorded, and breaks agreement
    // (past OR11's call ceiling first: a request refused with a 429 is not contract-checked,
    // and the connector's own order poll may just have used the minute)
    demo.mirakl.advance_clock(Duration::from_secs(61));
    let status = raw_mirakl_get(&demo, "/api/orders?not_a_declared_parameter=1").await;
    assert!(!status.contains(" 429 "), "{status}");
    let verdict = demo.verify().await.unwrap();
    let summary = demo.summary(&verdict, None, Duration::ZERO);
    assert_eq!(verdict.contract_violations.len(), 1, "{summary}");
    assert!(!verdict.ok(), "{summary}");
    assert!(summary.contains("result: MISMATCH"), "{summary}");
    assert!(
        verdict.contract_violations[0].contains("not_a_declared_parameter"),
        "{summary}"
    );
}
