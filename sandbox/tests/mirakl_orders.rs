//! Marketplace orders on the Mirakl stand-in, driven through the real `mirakl-api` client:
//! the lifecycle to SHIPPED, auto-refusal after the acceptance deadline, cancelation,
//! refunds, documents, OR04 references and OR11 filters and paging.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::TryStreamExt;
use mirakl_api::client::DocumentSelection;
use mirakl_api::orders::{
    OrderLineAcceptance, OrderState as WireState, RefundLine, RefundRequest, Tracking,
};
use mirakl_api::{Client, Error, MiraklOrderId};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::{
    Address, Customer, MiraklConfig, MiraklSandbox, NewOrder, NewOrderLine, OfferSeed, OrderState,
};

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

fn config() -> MiraklConfig {
    MiraklConfig {
        acceptance_delay: HOUR,
        debit_delay: 5 * MINUTE,
        ..MiraklConfig::default()
    }
}

async fn start(config: MiraklConfig) -> (MiraklSandbox, Client) {
    let sandbox = MiraklSandbox::start(config).await.expect("sandbox");
    sandbox.seed_offers((1..=3).map(|i| OfferSeed {
        shop_sku: format!("SKU-{i}"),
        ean: Some(format!("930000000000{i}")),
        title: format!("Product {i}"),
        price: Decimal::new(1990 * i64::from(i), 2),
        quantity: 10,
    }));
    let client = Client::builder(sandbox.base_url().as_str())
        .api_key(sandbox.api_key())
        .without_limiter()
        .build()
        .expect("client");
    (sandbox, client)
}

fn customer() -> Customer {
    Customer {
        customer_id: "CUST-1".into(),
        firstname: "Jo".into(),
        lastname: "Bloggs".into(),
        civility: None,
        locale: Some("en_AU".into()),
        notification_email: "relay-1@notification.sandbox.invalid".into(),
        shipping_address: Address {
            firstname: "Jo".into(),
            lastname: "Bloggs".into(),
            street_1: "1 Example St".into(),
            city: "Sydney".into(),
            zip_code: "2000".into(),
            state: Some("NSW".into()),
            country: "Australia".into(),
            country_iso_code: "AUS".into(),
            ..Address::default()
        },
        billing_address: None,
    }
}

fn order(lines: &[(&str, u32)]) -> NewOrder {
    NewOrder {
        customer: customer(),
        lines: lines
            .iter()
            .map(|(sku, quantity)| NewOrderLine {
                shop_sku: (*sku).into(),
                quantity: *quantity,
                unit_price: Decimal::new(2500, 2),
                shipping_price: Decimal::new(500, 2),
            })
            .collect(),
        customer_reference: None,
    }
}

fn id(s: &str) -> MiraklOrderId {
    MiraklOrderId::new(s).expect("order id")
}

#[tokio::test]
async fn order_goes_through_the_lifecycle_to_shipped() {
    let (sandbox, client) = start(config()).await;
    let order_id = sandbox
        .create_order(order(&[("SKU-1", 2), ("SKU-2", 1)]))
        .expect("order");
    let oid = id(&order_id);

    let fetched = client
        .orders()
        .get(&oid)
        .await
        .expect("OR11")
        .expect("listed");
    assert_eq!(fetched.order_state, WireState::WaitingAcceptance);
    assert_eq!(fetched.order_lines.len(), 2);
    assert_eq!(fetched.price, Some(Decimal::new(7500, 2)));
    assert_eq!(fetched.shipping_price, Some(Decimal::new(1000, 2)));
    assert_eq!(fetched.total_price, Some(Decimal::new(8500, 2)));
    let hidden = fetched.customer.expect("customer");
    assert!(
        hidden.shipping_address.is_none(),
        "address hidden before SHIPPING"
    );
    assert!(fetched.customer_notification_email.is_none());

    // Shipping before the order is SHIPPING is refused, as on Mirakl.
    let early = client
        .orders()
        .ship(&oid)
        .await
        .expect_err("OR24 too early");
    assert_eq!(early.status(), Some(400));

    let lines: Vec<OrderLineAcceptance> = fetched
        .order_lines
        .iter()
        .map(|l| OrderLineAcceptance::accept(l.order_line_id.clone()))
        .collect();
    client
        .orders()
        .accept(&oid, lines.clone())
        .await
        .expect("OR21");
    assert_eq!(
        sandbox.order(&order_id).expect("order").state,
        OrderState::WaitingDebit
    );
    assert_eq!(
        sandbox.offer("SKU-1").expect("offer").quantity,
        8,
        "acceptance takes stock"
    );
    assert_eq!(sandbox.offer("SKU-2").expect("offer").quantity, 9);
    let again = client
        .orders()
        .accept(&oid, lines)
        .await
        .expect_err("already accepted");
    assert_eq!(again.status(), Some(400));

    sandbox.advance_clock(5 * MINUTE);
    let shipping = client
        .orders()
        .get(&oid)
        .await
        .expect("OR11")
        .expect("listed");
    assert_eq!(shipping.order_state, WireState::Shipping);
    assert!(shipping.customer_debited_date.is_some());
    assert!(shipping.can_shop_ship);
    let address = shipping
        .customer
        .and_then(|c| c.shipping_address)
        .expect("address released at SHIPPING");
    assert_eq!(address.country_iso_code.as_deref(), Some("AUS"));
    assert_eq!(
        shipping.customer_notification_email.as_deref(),
        Some("relay-1@notification.sandbox.invalid")
    );

    client
        .orders()
        .tracking(
            &oid,
            &Tracking {
                carrier_code: Some("AUPOST".into()),
                tracking_number: Some("TRK123".into()),
                ..Tracking::default()
            },
        )
        .await
        .expect("OR23");
    let unknown_carrier = client
        .orders()
        .tracking(
            &oid,
            &Tracking {
                carrier_code: Some("PIGEON".into()),
                ..Tracking::default()
            },
        )
        .await
        .expect_err("unknown carrier");
    assert_eq!(unknown_carrier.status(), Some(400));
    client.orders().ship(&oid).await.expect("OR24");

    let shipped = client
        .orders()
        .get(&oid)
        .await
        .expect("OR11")
        .expect("listed");
    assert_eq!(shipped.order_state, WireState::Shipped);
    assert_eq!(shipped.shipping_carrier_code.as_deref(), Some("AUPOST"));
    assert_eq!(shipped.shipping_tracking.as_deref(), Some("TRK123"));
    assert!(
        shipped
            .shipping_tracking_url
            .as_deref()
            .is_some_and(|u| u.ends_with("TRK123"))
    );
    assert!(
        shipped
            .order_lines
            .iter()
            .all(|l| l.order_line_state == WireState::Shipped)
    );

    // Refund one unit of the first line.
    let line_id = shipped.order_lines[0].order_line_id.clone();
    let refund = client
        .orders()
        .refund(&RefundRequest {
            order_tax_mode: None,
            refunds: vec![RefundLine {
                order_line_id: line_id.clone(),
                amount: Decimal::new(2500, 2),
                currency_iso_code: Some("AUD".into()),
                quantity: Some(1),
                reason_code: "15".into(),
                shipping_amount: Decimal::ZERO,
                taxes: Vec::new(),
                shipping_taxes: Vec::new(),
                fees: Vec::new(),
                excluded_from_shipment: None,
                tax_legal_notice: None,
            }],
        })
        .await
        .expect("OR28");
    assert_eq!(refund.refunds.len(), 1);
    assert!(refund.refunds[0].refund_id.is_some());
    let view = sandbox.order(&order_id).expect("order");
    assert_eq!(view.lines[0].refunded_quantity, 1);

    // The delivery bill created at debit is listed and downloadable.
    let documents = client
        .orders()
        .documents(std::slice::from_ref(&oid))
        .await
        .expect("OR72");
    assert_eq!(documents.len(), 1);
    let download = client
        .orders()
        .download_documents(&DocumentSelection {
            order_ids: vec![oid.clone()],
            ..DocumentSelection::default()
        })
        .await
        .expect("OR73");
    assert!(String::from_utf8_lossy(&download.bytes).contains(&order_id));
}

#[tokio::test]
async fn unaccepted_order_is_refused_automatically_after_the_deadline() {
    let (sandbox, client) = start(config()).await;
    let order_id = sandbox.create_order(order(&[("SKU-3", 1)])).expect("order");
    let oid = id(&order_id);
    sandbox.advance_clock(59 * MINUTE);
    let still = client
        .orders()
        .get(&oid)
        .await
        .expect("OR11")
        .expect("listed");
    assert_eq!(still.order_state, WireState::WaitingAcceptance);

    sandbox.advance_clock(2 * MINUTE);
    let refused = client
        .orders()
        .get(&oid)
        .await
        .expect("OR11")
        .expect("listed");
    assert_eq!(refused.order_state, WireState::Refused);
    assert!(
        refused.acceptance_decision_date.is_none(),
        "null when refused automatically"
    );
    assert!(
        refused
            .order_lines
            .iter()
            .all(|l| l.order_line_state == WireState::Refused)
    );
    assert_eq!(
        sandbox.offer("SKU-3").expect("offer").quantity,
        10,
        "no stock taken"
    );

    let late = client
        .orders()
        .accept(
            &oid,
            vec![OrderLineAcceptance::accept(format!("{order_id}-1"))],
        )
        .await
        .expect_err("too late");
    match late {
        Error::Api {
            status, message, ..
        } => {
            assert_eq!(status, 400);
            assert!(message.unwrap_or_default().contains("ORDER_INVALID_STATE"));
        }
        other => panic!("expected Api error, got {other:?}"),
    }
}

#[tokio::test]
async fn partial_acceptance_refusal_and_cancelation_give_stock_back() {
    let (sandbox, client) = start(MiraklConfig {
        auto_debit: false,
        ..config()
    })
    .await;
    let order_id = sandbox
        .create_order(order(&[("SKU-1", 3), ("SKU-2", 1)]))
        .expect("order");
    let oid = id(&order_id);
    // Every line must be decided.
    let missing = client
        .orders()
        .accept(
            &oid,
            vec![OrderLineAcceptance::accept(format!("{order_id}-1"))],
        )
        .await
        .expect_err("a line is missing");
    assert_eq!(missing.status(), Some(400));
    client
        .orders()
        .accept(
            &oid,
            vec![
                OrderLineAcceptance::accept(format!("{order_id}-1")),
                OrderLineAcceptance::refuse(format!("{order_id}-2")),
            ],
        )
        .await
        .expect("OR21");
    let view = sandbox.order(&order_id).expect("order");
    assert_eq!(view.state, OrderState::WaitingDebit);
    assert_eq!(view.lines[1].state, OrderState::Refused);
    assert_eq!(sandbox.offer("SKU-1").expect("offer").quantity, 7);
    assert_eq!(sandbox.offer("SKU-2").expect("offer").quantity, 10);

    // Without auto debit, the order waits until the test debits it.
    sandbox.advance_clock(HOUR);
    assert_eq!(
        sandbox.order(&order_id).expect("order").state,
        OrderState::WaitingDebit
    );
    sandbox.trigger_debit(&order_id).expect("debit");
    assert_eq!(
        sandbox.order(&order_id).expect("order").state,
        OrderState::Shipping
    );

    client.orders().cancel(&oid).await.expect("OR29");
    assert_eq!(
        sandbox.order(&order_id).expect("order").state,
        OrderState::Canceled
    );
    assert_eq!(
        sandbox.offer("SKU-1").expect("offer").quantity,
        10,
        "stock given back"
    );
    let twice = client
        .orders()
        .cancel(&oid)
        .await
        .expect_err("already canceled");
    assert_eq!(twice.status(), Some(400));
}

#[tokio::test]
async fn or11_pages_and_filters() {
    let (sandbox, client) = start(config()).await;
    let catalog: Vec<(String, Decimal)> = sandbox
        .offers()
        .iter()
        .map(|o| (o.shop_sku.clone(), o.price))
        .collect();
    let first = sandbox
        .create_scripted_orders(42, &catalog, 15)
        .expect("orders");
    sandbox.advance_clock(MINUTE);
    let watermark = sandbox.now();
    let second = sandbox
        .create_scripted_orders(43, &catalog, 10)
        .expect("orders");

    // Pages of 10: 10 + 10 + 5, no duplicates, total_count on every page.
    let mut seen = Vec::new();
    for offset in [0u64, 10, 20] {
        let page = client
            .orders()
            .list()
            .max(10)
            .offset(offset)
            .send()
            .await
            .expect("OR11");
        assert_eq!(page.total_count, Some(25));
        seen.extend(page.items.into_iter().map(|o| o.order_id.into_inner()));
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 25);
    let all: Vec<_> = client
        .orders()
        .list()
        .max(7)
        .stream()
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(all.len(), 25);

    // Update-date watermark.
    let recent = client
        .orders()
        .list()
        .updated_since(watermark)
        .send()
        .await
        .expect("OR11");
    assert_eq!(recent.total_count, Some(second.len() as u64));

    // State filter after accepting one order.
    let target = id(&first[0]);
    let lines = client
        .orders()
        .get(&target)
        .await
        .expect("OR11")
        .expect("listed")
        .order_lines;
    client
        .orders()
        .accept(
            &target,
            lines
                .iter()
                .map(|l| OrderLineAcceptance::accept(l.order_line_id.clone()))
                .collect(),
        )
        .await
        .expect("OR21");
    let debit = client
        .orders()
        .list()
        .states([WireState::WaitingDebit])
        .send()
        .await
        .expect("OR11");
    assert_eq!(debit.total_count, Some(1));
    assert_eq!(debit.items[0].order_id, target);

    // Seller reference set by OR04, then used as a filter.
    let updated = client
        .orders()
        .set_reference(&target, "BC-1001")
        .await
        .expect("OR04");
    assert!(updated.updated_orders.iter().all(|u| u.errors.is_empty()));
    let by_reference = client
        .orders()
        .list()
        .order_references_for_seller(["BC-1001"])
        .send()
        .await
        .expect("OR11");
    assert_eq!(by_reference.items.len(), 1);
    assert_eq!(
        sandbox
            .order(&first[0])
            .expect("order")
            .reference_for_seller
            .as_deref(),
        Some("BC-1001")
    );

    // order_ids filter.
    let picked = client
        .orders()
        .list()
        .order_ids([id(&first[1]), id(&second[2])])
        .send()
        .await
        .expect("OR11");
    assert_eq!(picked.total_count, Some(2));
}

#[tokio::test]
async fn or11_caps_pages_at_100_and_rejects_more_than_100_ids() {
    let (sandbox, client) = start(config()).await;
    let catalog = vec![("SKU-1".to_owned(), Decimal::from(5))];
    let ids = sandbox
        .create_scripted_orders(7, &catalog, 120)
        .expect("orders");
    let page = client.orders().list().max(100).send().await.expect("OR11");
    assert_eq!((page.items.len(), page.total_count), (100, Some(120)));

    // Straight HTTP, so the sandbox (not the client) enforces the limits.
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let too_big = http
        .get(format!("{base}api/orders?max=500"))
        .header("Authorization", sandbox.api_key())
        .send()
        .await
        .expect("send");
    let body: serde_json::Value =
        serde_json::from_slice(&too_big.bytes().await.expect("bytes")).expect("json");
    assert_eq!(body["orders"].as_array().map(Vec::len), Some(100));
    let many_ids = ids[..101].join(",");
    let refused = http
        .get(format!("{base}api/orders?order_ids={many_ids}"))
        .header("Authorization", sandbox.api_key())
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), reqwest::StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn demo_catalog_seeds_offers_and_drives_a_deterministic_order_stream() {
    let sandbox = MiraklSandbox::start(config()).await.expect("sandbox");
    let catalog = sync_sandbox::demo::DemoCatalog::generate(11, 2_500, 4);
    assert_eq!(sandbox.seed_demo(&catalog), 10_000);
    let client = Client::builder(sandbox.base_url().as_str())
        .api_key(sandbox.api_key())
        .without_limiter()
        .build()
        .expect("client");
    let page = client.offers().list().max(100).send().await.expect("OF21");
    assert_eq!(page.total_count, Some(10_000));

    let skus = sync_sandbox::mirakl::order_catalog(&catalog);
    let ids = sandbox
        .create_scripted_orders(5, &skus, 20)
        .expect("orders");
    let other = MiraklSandbox::start(config())
        .await
        .expect("second sandbox");
    other.seed_demo(&catalog);
    let again = other.create_scripted_orders(5, &skus, 20).expect("orders");
    assert_eq!(ids, again, "same ids");
    let lines = |s: &MiraklSandbox| -> Vec<(String, u32, Decimal)> {
        s.orders()
            .iter()
            .flat_map(|o| {
                o.lines
                    .iter()
                    .map(|l| (l.shop_sku.clone(), l.quantity, l.unit_price))
            })
            .collect()
    };
    assert_eq!(lines(&sandbox), lines(&other), "same seed, same orders");
    let listed = client.orders().list().max(100).send().await.expect("OR11");
    assert_eq!(listed.total_count, Some(20));
}
