#![cfg(feature = "demo")]
//! What needs the seller's attention after acceptance: incidents the customer opens on order
//! lines (OR11 `order_line_state` `INCIDENT_OPEN` with its reason fields, per
//! `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`) appear once on the BigCommerce
//! order and in the summary; orders near or past their shipping deadline
//! (`shipping_deadline`) are listed.

mod order_support;

use std::time::Duration;

use examples::demo::{demo_rules, sandbox_clients, sandbox_engine_options};
use order_support::{
    accept_and_create, assert_no_violations, back_office, place, poll, skus, start,
};
use rust_decimal::Decimal;
use sync_connector::messages::{DeadlineKind, MessageOptions, incident_tag};
use sync_connector::{Connector, ConnectorOptions};
use sync_sandbox::mirakl::MiraklConfig;

fn staff_notes(sides: &order_support::Sides, bc_order: u64) -> String {
    sides.bc.order_json(bc_order).unwrap()["staff_notes"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_incident_is_noted_once_and_listed_until_resolved() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let (sku2, price2) = &all[1];
    let id = place(
        &sides,
        &[(sku.clone(), *price, 1), (sku2.clone(), *price2, 2)],
        Decimal::new(995, 2),
    );
    let bc_order = accept_and_create(&sides, &id).await;
    let line = format!("{id}-2");
    back_office(&sides)
        .open_incident(&line, "14", "Item damaged on arrival")
        .unwrap();
    poll(&sides).await;
    let incidents = sides.engine.messages().incidents();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].order_line_id, line);
    assert_eq!(incidents[0].sku, *sku2);
    assert_eq!(incidents[0].reason_code.as_deref(), Some("14"));
    assert_eq!(sides.engine.messages().step().await.unwrap(), 1);
    let notes = staff_notes(&sides, bc_order);
    assert_eq!(notes.matches(&incident_tag(&line)).count(), 1, "{notes}");
    assert!(notes.contains("Item damaged on arrival"), "{notes}");
    assert_eq!(sides.engine.messages().attention().incidents.len(), 1);
    let metrics = sides.engine.telemetry().render_metrics(&sides.engine).await;
    assert!(metrics.contains("sync_order_incidents_open 1"), "{metrics}");

    // polls and a restart over the same state note nothing again
    poll(&sides).await;
    assert_eq!(sides.engine.messages().step().await.unwrap(), 0);
    let (bcc, mkc) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    let again = Connector::new(
        bcc,
        mkc,
        sides.store.clone(),
        demo_rules(1),
        sandbox_engine_options(1),
    );
    again.orders().poll_orders().await.unwrap();
    assert_eq!(again.messages().incidents().len(), 1);
    assert_eq!(again.messages().step().await.unwrap(), 0);
    assert_eq!(staff_notes(&sides, bc_order), notes);

    // resolved: no longer listed
    back_office(&sides).resolve_incident(&line).unwrap();
    poll(&sides).await;
    assert!(sides.engine.messages().incidents().is_empty());
    assert!(sides.engine.messages().attention().incidents.is_empty());
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_past_its_shipping_deadline_is_listed() {
    // the operator's clock starts ten days ago: the order was placed and debited then, so its
    // shipping deadline (debit + lead time) has passed
    let ten_days_ago = time::OffsetDateTime::now_utc() - Duration::from_secs(10 * 86_400);
    let sides = start(
        MiraklConfig {
            clock_start: Some(ten_days_ago),
            ..MiraklConfig::default()
        },
        None,
    )
    .await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    accept_and_create(&sides, &id).await;
    let now = time::OffsetDateTime::now_utc();
    let listed = sides.engine.messages().attention().deadlines;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].order_id, id);
    assert_eq!(listed[0].kind, DeadlineKind::Shipping);
    assert!(listed[0].past);
    assert!(listed[0].due < now);

    // near: listed within the warning (12 h by default) before the deadline, not earlier
    let due = listed[0].due;
    let near = sides
        .engine
        .messages()
        .deadlines(due - Duration::from_secs(11 * 3600));
    assert_eq!(near.len(), 1);
    assert!(!near[0].past);
    assert!(
        sides
            .engine
            .messages()
            .deadlines(due - Duration::from_secs(13 * 3600))
            .is_empty()
    );
    // once shipped, the deadline no longer matters
    let bc_order = order_support::bc_order(&sides, &id);
    sides
        .bc
        .ship_order(bc_order, "TRACK123", "auspost")
        .unwrap();
    // what the shipment webhook does: the order is stepped (OR23/OR24), then polled
    sides
        .engine
        .orders()
        .step_bigcommerce_order(bc_order, true)
        .await
        .unwrap();
    poll(&sides).await;
    assert!(
        sides.engine.messages().attention().deadlines.is_empty(),
        "{:?} (Mirakl: {})",
        sides.engine.messages().attention().deadlines,
        order_support::state(&sides, &id)
    );
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_left_waiting_for_acceptance_is_listed_against_the_acceptance_delay() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    // a connector that only reads (dry run) leaves the order waiting for acceptance
    let (bcc, mkc) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    let reader = Connector::new(
        bcc,
        mkc,
        sides.store.clone(),
        demo_rules(1),
        ConnectorOptions {
            dry_run: true,
            messages: MessageOptions {
                acceptance_window: Some(Duration::from_secs(3600)),
                ..MessageOptions::default()
            },
            ..sandbox_engine_options(1)
        },
    );
    reader.orders().poll_orders().await.unwrap();
    assert_eq!(order_support::state(&sides, &id), "WAITING_ACCEPTANCE");
    let listed = reader.messages().attention().deadlines;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].kind, DeadlineKind::Acceptance);
    assert!(!listed[0].past, "an hour's delay is near, not past");
    let later = reader
        .messages()
        .deadlines(time::OffsetDateTime::now_utc() + Duration::from_secs(2 * 3600));
    assert!(later[0].past);
    assert_no_violations(&sides);
}
