//! The Mirakl stand-in driven through the real `mirakl-api` client: an offer import with an
//! error report, an OF24 upsert visible in OF21, stock and price imports, 401 on a bad key
//! and 429 under a call ceiling.

use std::time::Duration;

use mirakl_api::client::OfferImportFile;
use mirakl_api::imports::{ImportMode, ImportStatus, WaitOptions};
use mirakl_api::offers::OfferUpdate;
use mirakl_api::{Client, Error, ShopSku};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::{Ceiling, MiraklConfig, MiraklSandbox};

const HOUR: Duration = Duration::from_secs(3600);

fn client(sandbox: &MiraklSandbox) -> Client {
    Client::builder(sandbox.base_url().as_str())
        .api_key(sandbox.api_key())
        .without_limiter()
        .build()
        .expect("client builds")
}

fn quick_polls() -> WaitOptions {
    WaitOptions::new(Duration::from_millis(10), 20)
}

fn sku(s: &str) -> ShopSku {
    ShopSku::new(s).expect("sku")
}

#[tokio::test]
async fn offer_import_through_the_client_reports_the_bad_row() {
    let sandbox = MiraklSandbox::start(MiraklConfig {
        import_wait: HOUR,
        import_run: HOUR,
        ..MiraklConfig::default()
    })
    .await
    .expect("sandbox");
    let client = client(&sandbox);
    let csv = "sku;product-id;product-id-type;price;quantity;state\n\
               GOOD-1;9312345678907;EAN;19.90;4;11\n\
               BAD-1;9312345678908;EAN;-3.00;4;11\n";
    let created = client
        .offers()
        .import_file(OfferImportFile::csv(
            csv.as_bytes().to_vec(),
            ImportMode::Normal,
        ))
        .await
        .expect("OF01");
    let status = client
        .offers()
        .import_status(created.import_id)
        .await
        .expect("OF02");
    assert_eq!(status.status, ImportStatus::Waiting);

    sandbox.finish_imports();
    let outcome = client
        .offers()
        .wait_for_import(created.import_id, quick_polls())
        .await
        .expect("import completes");
    assert_eq!(outcome.status.status, ImportStatus::Complete);
    assert_eq!(
        (
            outcome.status.lines_in_success,
            outcome.status.lines_in_error
        ),
        (1, 1)
    );
    let report = outcome.error_report.expect("error report fetched");
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.rows[0].sku.as_deref(), Some("BAD-1"));
    assert_eq!(report.rows[0].line, Some(3));

    let page = client.offers().list().send().await.expect("OF21");
    assert_eq!(page.total_count, Some(1));
    assert_eq!(page.items[0].shop_sku, sku("GOOD-1"));
}

#[tokio::test]
async fn of24_upsert_through_the_client_is_visible_in_of21() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    let client = client(&sandbox);
    let mut offer = OfferUpdate::new(sku("BC-SKU-1"), Decimal::new(5990, 2), 12, "11");
    offer.product_id = Some("9312345678907".into());
    offer.product_id_type = Some("EAN".into());
    offer.leadtime_to_ship = Some(3);
    let created = client
        .offers()
        .upsert(vec![offer.clone()])
        .await
        .expect("OF24");
    sandbox.finish_imports();
    let outcome = client
        .offers()
        .wait_for_import(created.import_id, quick_polls())
        .await
        .expect("import completes");
    assert_eq!(outcome.status.offer_inserted, 1);
    assert!(outcome.error_report.is_none());

    let page = client
        .offers()
        .list()
        .sku("BC-SKU-1")
        .send()
        .await
        .expect("OF21");
    let listed = &page.items[0];
    assert_eq!(listed.quantity, 12);
    assert_eq!(listed.price, Some(Decimal::new(5990, 2)));
    let by_id = client.offers().get(listed.offer_id).await.expect("OF22");
    assert_eq!(by_id.shop_sku, sku("BC-SKU-1"));
    assert!(
        client
            .offers()
            .get_opt(987_654)
            .await
            .expect("OF22 404")
            .is_none()
    );

    // Same offer, new quantity: an update, not an insert.
    offer.quantity = Some(2);
    let created = client.offers().upsert(vec![offer]).await.expect("OF24");
    sandbox.finish_imports();
    let outcome = client
        .offers()
        .wait_for_import(created.import_id, quick_polls())
        .await
        .expect("import completes");
    assert_eq!(
        (outcome.status.offer_inserted, outcome.status.offer_updated),
        (0, 1)
    );
    assert_eq!(sandbox.offer("BC-SKU-1").expect("offer").quantity, 2);
}

#[tokio::test]
async fn stock_and_price_imports_through_the_client() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    sandbox.seed_offers([sync_sandbox::mirakl::OfferSeed {
        shop_sku: "S-1".into(),
        ean: None,
        title: "Mug".into(),
        price: Decimal::from(10),
        quantity: 1,
    }]);
    let client = client(&sandbox);
    let stock = client
        .stock()
        .import_csv(b"\"offer-sku\";\"quantity\"\n\"S-1\";\"42\"\n\"NOPE\";\"1\"\n".to_vec())
        .await
        .expect("STO01");
    let price = client
        .prices()
        .import_csv(b"\"offer-sku\";\"price\"\n\"S-1\";\"11.50\"\n".to_vec())
        .await
        .expect("PRI01");
    sandbox.finish_imports();
    let stock_outcome = client
        .stock()
        .wait_for_import(&stock.import_id, quick_polls())
        .await
        .expect("stock import completes");
    assert_eq!(stock_outcome.status.lines_in_error, 1);
    let report = stock_outcome.error_report.expect("STO03 report");
    assert_eq!(report.rows[0].sku.as_deref(), Some("NOPE"));
    let price_outcome = client
        .prices()
        .wait_for_import(&price.import_id, quick_polls())
        .await
        .expect("price import completes");
    assert!(price_outcome.error_report.is_none());
    let offer = sandbox.offer("S-1").expect("offer");
    assert_eq!((offer.quantity, offer.price), (42, Decimal::new(1150, 2)));
}

#[tokio::test]
async fn bad_key_is_an_api_error_401_through_the_client() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    let client = Client::builder(sandbox.base_url().as_str())
        .api_key("not-the-key")
        .without_limiter()
        .build()
        .expect("client");
    let error = client.offers().list().send().await.expect_err("401");
    match &error {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(*status, 401);
            assert_eq!(message.as_deref(), Some("Unauthorized"));
        }
        other => panic!("expected Api error, got {other:?}"),
    }
    assert!(!error.to_string().contains(sandbox.api_key()));
}

#[tokio::test]
async fn call_ceiling_gives_rate_limited_with_retry_after_through_the_client() {
    // A window longer than the client's longest accepted wait (60 s), so it gives up at once.
    let sandbox = MiraklSandbox::start(
        MiraklConfig::default().with_ceiling("OR11", Ceiling::new(2, Duration::from_secs(300))),
    )
    .await
    .expect("sandbox");
    let client = client(&sandbox);
    client.orders().list().send().await.expect("first call");
    client.orders().list().send().await.expect("second call");
    let error = client
        .orders()
        .list()
        .send()
        .await
        .expect_err("third call is limited");
    match error {
        Error::RateLimited { retry_after } => {
            let wait = retry_after.expect("Retry-After").as_secs();
            assert!((299..=300).contains(&wait), "{wait}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    let counted = sandbox.request_log().count("GET", "/api/orders");
    assert_eq!(
        counted, 3,
        "the client did not retry a wait it cannot afford"
    );
    sandbox.advance_clock(Duration::from_secs(300));
    client
        .orders()
        .list()
        .send()
        .await
        .expect("allowed again after the window");
}
