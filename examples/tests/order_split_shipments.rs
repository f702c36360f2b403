#![cfg(feature = "demo")]
//! With multi-shipment on the platform (PC01 `features.shipment.multi_shipment`), each
//! BigCommerce shipment becomes one Mirakl shipment (ST01) with its order-line ids, quantities,
//! carrier and tracking; the seller reads them back with ST11 (issue 14 item 1). Shapes and
//! rules: ST01/ST11/ST23/ST24 in `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`.
//! Both sandboxes on loopback, contract checking on.

mod order_support;

use bigcommerce_api::orders::{NewShipment, OrderId, ShipmentItem};
use futures::TryStreamExt;
use order_support::{accept_and_create, assert_no_violations, place, record, skus, start, state};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

/// The Mirakl shipments of an order, as the seller reads them (ST11).
async fn mirakl_shipments(
    sides: &order_support::Sides,
    id: &str,
) -> Vec<mirakl_api::shipments::st11::Data> {
    sides
        .engine
        .mirakl()
        .shipments()
        .list()
        .unwrap()
        .order_id([id])
        .stream()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_order_in_two_parcels_shows_both_trackings_on_mirakl_once() {
    let sides = start(
        MiraklConfig {
            multi_shipment: true,
            ..MiraklConfig::default()
        },
        None,
    )
    .await;
    let all = skus(&sides);
    let (a, b) = (&all[0], &all[1]);
    let id = place(
        &sides,
        &[(a.0.clone(), a.1, 2), (b.0.clone(), b.1, 1)],
        Decimal::ZERO,
    );
    let bid = accept_and_create(&sides, &id).await;
    let bc = sides.engine.bigcommerce();
    let lines = bc.orders().products(OrderId(bid)).all().await.unwrap();
    let line_of = |sku: &str| {
        lines
            .iter()
            .find(|l| l.sku.as_deref() == Some(sku))
            .unwrap()
    };
    let (la, lb) = (line_of(&a.0), line_of(&b.0));
    let address = la.order_address_id.unwrap();
    let parcel = |items: Vec<ShipmentItem>, tracking: &str| {
        let mut s = NewShipment::new(address, items);
        s.tracking_number = Some(tracking.to_owned());
        s.shipping_provider = Some("auspost".into());
        s
    };

    // first parcel: one unit of A and the B line
    bc.shipments(OrderId(bid))
        .create(&parcel(
            vec![ShipmentItem::new(la.id, 1), ShipmentItem::new(lb.id, 1)],
            "AP0000201",
        ))
        .await
        .unwrap();
    let flow = sides.engine.orders();
    flow.step_bigcommerce_order(bid, true).await.unwrap();
    assert_eq!(
        state(&sides, &id),
        "SHIPPING",
        "one unit of A is still to ship"
    );
    let first = mirakl_shipments(&sides, &id).await;
    assert_eq!(first.len(), 1, "{first:#?}");

    // second parcel: the other unit of A
    bc.shipments(OrderId(bid))
        .create(&parcel(vec![ShipmentItem::new(la.id, 1)], "AP0000202"))
        .await
        .unwrap();
    flow.step_bigcommerce_order(bid, true).await.unwrap();
    assert_eq!(state(&sides, &id), "SHIPPED");

    let on_mirakl = mirakl_shipments(&sides, &id).await;
    assert_eq!(on_mirakl.len(), 2, "{on_mirakl:#?}");
    let mut trackings: Vec<String> = on_mirakl
        .iter()
        .map(|s| {
            let t = s.tracking.as_ref().unwrap();
            assert_eq!(t.carrier_name.as_deref(), Some("Australia Post"));
            t.tracking_number.clone().unwrap()
        })
        .collect();
    trackings.sort();
    assert_eq!(trackings, ["AP0000201", "AP0000202"]);
    let lines_of = |tracking: &str| -> Vec<(String, i64)> {
        let s = on_mirakl
            .iter()
            .find(|s| s.tracking.as_ref().unwrap().tracking_number.as_deref() == Some(tracking))
            .unwrap();
        let mut l: Vec<(String, i64)> = s
            .shipment_lines
            .iter()
            .map(|l| (l.order_line_id.clone().unwrap(), l.quantity.unwrap()))
            .collect();
        l.sort();
        l
    };
    assert_eq!(
        lines_of("AP0000201"),
        [(format!("{id}-1"), 1), (format!("{id}-2"), 1)]
    );
    assert_eq!(lines_of("AP0000202"), [(format!("{id}-1"), 1)]);
    // no order-level tracking or ship call on a multi-shipment platform
    let log = sides.mirakl.request_log();
    assert_eq!(log.count("PUT", "/api/orders/{order_id}/tracking"), 0);
    assert_eq!(log.count("PUT", "/api/orders/{order_id}/ship"), 0);
    assert_eq!(log.count("POST", "/api/shipments"), 2);
    assert!(sides.engine.with_counters(|c| c.shipped.contains(&id)));

    // a crash lost what was recorded about the shipments: ST11 tells what already exists,
    // nothing is sent twice
    let mut lost = record(&sides, &id).unwrap();
    assert_eq!(lost.shipments.len(), 2);
    lost.shipments.clear();
    sides.store.save_order(&id, &lost, None).unwrap();
    // the order is still shipping on Mirakl in the connector's last read
    flow.step_bigcommerce_order(bid, true).await.unwrap();
    assert_eq!(log.count("POST", "/api/shipments"), 2);
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipment_mirakl_already_holds_is_adopted_not_sent_again() {
    let sides = start(
        MiraklConfig {
            multi_shipment: true,
            ..MiraklConfig::default()
        },
        None,
    )
    .await;
    let all = skus(&sides);
    let a = &all[0];
    let id = place(&sides, &[(a.0.clone(), a.1, 2)], Decimal::ZERO);
    let bid = accept_and_create(&sides, &id).await;
    let bc = sides.engine.bigcommerce();
    let lines = bc.orders().products(OrderId(bid)).all().await.unwrap();
    let address = lines[0].order_address_id.unwrap();
    let mut first = NewShipment::new(address, vec![ShipmentItem::new(lines[0].id, 1)]);
    first.tracking_number = Some("AP0000301".into());
    first.shipping_provider = Some("auspost".into());
    bc.shipments(OrderId(bid)).create(&first).await.unwrap();
    let flow = sides.engine.orders();
    flow.step_bigcommerce_order(bid, true).await.unwrap();
    assert_eq!(mirakl_shipments(&sides, &id).await.len(), 1);
    // the record of the sent shipment is lost (a crash right after ST01)
    let mut lost = record(&sides, &id).unwrap();
    lost.shipments.clear();
    sides.store.save_order(&id, &lost, None).unwrap();
    flow.step_bigcommerce_order(bid, true).await.unwrap();
    let log = sides.mirakl.request_log();
    assert_eq!(log.count("POST", "/api/shipments"), 1, "sent twice");
    assert_eq!(record(&sides, &id).unwrap().shipments.len(), 1, "adopted");
    assert_eq!(state(&sides, &id), "SHIPPING");
    assert_no_violations(&sides);
}
