//! Fault injection on the Mirakl stand-in, observed through the real `mirakl-api` client,
//! and the request log counting calls per endpoint.

use std::time::Duration;

use mirakl_api::offers::OfferUpdate;
use mirakl_api::{Client, Error, ShopSku};
use rust_decimal::Decimal;
use sync_sandbox::faults::{FaultConfig, FaultKind};
use sync_sandbox::mirakl::{MiraklConfig, MiraklSandbox};

fn client(sandbox: &MiraklSandbox) -> Client {
    Client::builder(sandbox.base_url().as_str())
        .api_key(sandbox.api_key())
        .without_limiter()
        .timeout(Duration::from_millis(500))
        .build()
        .expect("client")
}

fn offer() -> Vec<OfferUpdate> {
    let mut offer = OfferUpdate::new(ShopSku::new("F-1").expect("sku"), Decimal::from(5), 1, "11");
    offer.product_id = Some("9312345678907".into());
    offer.product_id_type = Some("EAN".into());
    vec![offer]
}

#[tokio::test]
async fn each_fault_kind_reaches_the_client_as_the_right_error() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    let client = client(&sandbox);

    // POST (OF24) is not retried after a 5xx, so one request shows one fault.
    sandbox
        .faults()
        .set(FaultConfig::always(FaultKind::ServerError));
    match client.offers().upsert(offer()).await {
        Err(Error::Api { status, .. }) => assert_eq!(status, 500),
        other => panic!("expected Api 500, got {other:?}"),
    }
    sandbox
        .faults()
        .set(FaultConfig::always(FaultKind::BadGatewayHtml));
    match client.offers().upsert(offer()).await {
        Err(Error::Api {
            status,
            message,
            body,
            ..
        }) => {
            assert_eq!(status, 502);
            assert!(message.is_none(), "an HTML page has no Mirakl message");
            assert!(body.contains("Bad Gateway"));
        }
        other => panic!("expected Api 502, got {other:?}"),
    }
    // A wait longer than the client accepts comes back as RateLimited at once.
    sandbox.faults().set(
        FaultConfig::always(FaultKind::RateLimited).with_retry_after(Duration::from_secs(600)),
    );
    match client.orders().list().send().await {
        Err(Error::RateLimited { retry_after }) => assert!(retry_after.is_some()),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    sandbox
        .faults()
        .set(FaultConfig::always(FaultKind::Dropped));
    assert!(matches!(
        client.offers().upsert(offer()).await,
        Err(Error::Transport(_))
    ));
    sandbox
        .faults()
        .set(FaultConfig::always(FaultKind::Slow).with_slow_delay(Duration::from_secs(2)));
    match client.offers().upsert(offer()).await {
        Err(Error::Transport(e)) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }

    let log = sandbox.request_log();
    assert_eq!(log.faults_injected(FaultKind::ServerError), 1);
    assert_eq!(log.faults_injected(FaultKind::BadGatewayHtml), 1);
    assert_eq!(log.faults_injected(FaultKind::Dropped), 1);

    // Faults off: the same calls work, and the log counts them per endpoint.
    sandbox.faults().disable();
    client
        .offers()
        .upsert(offer())
        .await
        .expect("OF24 works again");
    client
        .orders()
        .list()
        .send()
        .await
        .expect("OR11 works again");
    assert!(log.count("POST", "/api/offers") >= 5);
    assert!(log.count("GET", "/api/orders") >= 2);
}

#[tokio::test]
async fn truncated_bodies_are_transport_errors_and_idempotent_reads_recover() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    let client = client(&sandbox);
    sandbox
        .faults()
        .set(FaultConfig::always(FaultKind::Truncated));
    match client.offers().list().send().await {
        Err(Error::Transport(_)) | Err(Error::Decode { .. }) => {}
        other => panic!("expected a transport or decode error, got {other:?}"),
    }
    assert!(sandbox.request_log().faults_injected(FaultKind::Truncated) >= 1);
    // About half the requests get a 500 (deterministic from the seed): GETs are retried.
    sandbox.faults().set(
        FaultConfig::default()
            .with_share(FaultKind::ServerError, 0.5)
            .with_seed(1),
    );
    for _ in 0..4 {
        client
            .offers()
            .list()
            .send()
            .await
            .expect("retried to success");
    }
}
