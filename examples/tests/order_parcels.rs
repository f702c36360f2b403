#![cfg(feature = "demo")]
//! Without multi-shipment on the platform (PC01 `features.shipment.multi_shipment` off), a
//! Mirakl order carries one tracking (OR23/OR24): an order BigCommerce ships in two tracked
//! parcels is confirmed once, and the parcel whose tracking cannot reach Mirakl is named in
//! the summary, never dropped silently (issue 14 item 1, the multi-shipment-off half). Both
//! sandboxes on loopback, contract checking on.

mod order_support;

use bigcommerce_api::orders::{NewShipment, OrderId, ShipmentItem};
use order_support::{accept_and_create, assert_no_violations, place, skus, start, state};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_parcels_without_multi_shipment_ship_once_and_name_the_untracked_parcel() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let a = &all[0];
    let id = place(&sides, &[(a.0.clone(), a.1, 2)], Decimal::ZERO);
    let bid = accept_and_create(&sides, &id).await;
    let bc = sides.engine.bigcommerce();
    let lines = bc.orders().products(OrderId(bid)).all().await.unwrap();
    let line = &lines[0];
    let address = line.order_address_id.unwrap();
    for tracking in ["AP0000101", "AP0000102"] {
        let mut s = NewShipment::new(address, vec![ShipmentItem::new(line.id, 1)]);
        s.tracking_number = Some(tracking.to_owned());
        s.shipping_provider = Some("auspost".into());
        bc.shipments(OrderId(bid)).create(&s).await.unwrap();
    }
    sides
        .engine
        .orders()
        .step_bigcommerce_order(bid, true)
        .await
        .unwrap();
    assert_eq!(state(&sides, &id), "SHIPPED");
    let on_mirakl = sides.mirakl.order(&id).unwrap().tracking_number.unwrap();
    let other = if on_mirakl == "AP0000101" {
        "AP0000102"
    } else {
        "AP0000101"
    };
    let note = sides
        .engine
        .with_counters(|c| c.manual_review.get(&id).cloned())
        .expect("the untracked parcel is in the summary");
    assert!(note.contains(other) && note.contains("2 parcels"), "{note}");
    assert_eq!(
        sides
            .mirakl
            .request_log()
            .count("PUT", "/api/orders/{order_id}/tracking"),
        1
    );
    assert_no_violations(&sides);
}
