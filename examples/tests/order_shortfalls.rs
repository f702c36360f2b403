#![cfg(feature = "demo")]
//! Shortfalls (issue 14 item 2): an order the operator accepted on its own (no OR21 of ours)
//! reaches SHIPPING with a line BigCommerce cannot fill. The `shortfall` rule decides: `cancel`
//! cancels the short units on Mirakl (OR30 `PUT /api/orders/cancel`, its body per
//! `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`) and creates the BigCommerce order
//! for the rest; `hold` creates nothing and lists the order. Nothing is oversold. Both
//! sandboxes on loopback, contract checking on.

mod order_support;

use bigcommerce_api::orders::OrderId;
use examples::demo::demo_rules;
use order_support::{assert_no_violations, back_office, bc_order, place, poll, skus, start};
use rust_decimal::Decimal;
use sync_core::rules::ShortfallRule;
use sync_sandbox::mirakl::{MiraklConfig, OrderState};

async fn with_rule(rule: ShortfallRule) -> order_support::Sides {
    let mut rules = demo_rules(1);
    rules.orders.shortfall = Some(rule);
    rules.orders.shortfall_reason = "42".into();
    start(MiraklConfig::default(), Some(rules)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sold_out_line_is_cancelled_on_mirakl_and_the_rest_created_in_bigcommerce() {
    let sides = with_rule(ShortfallRule::Cancel).await;
    let all = skus(&sides);
    let (a, b) = (&all[0], &all[1]);
    let id = place(
        &sides,
        &[(a.0.clone(), a.1, 2), (b.0.clone(), b.1, 1)],
        Decimal::new(500, 2),
    );
    // B sells out in BigCommerce; the operator accepts the order itself and debits it
    sides.bc.set_stock(&b.0, 0);
    back_office(&sides).auto_accept(&id).unwrap();
    sides.mirakl.trigger_debit(&id).unwrap();
    poll(&sides).await;
    poll(&sides).await;

    let o = sides.mirakl.order(&id).unwrap();
    let line = |sku: &str| o.lines.iter().find(|l| l.shop_sku == sku).unwrap();
    assert_eq!(line(&b.0).state, OrderState::Canceled, "{o:#?}");
    assert_eq!(line(&a.0).state, OrderState::Shipping);
    assert_eq!(o.state, OrderState::Shipping);
    assert_eq!(
        sides
            .mirakl
            .request_log()
            .count("PUT", "/api/orders/cancel"),
        1
    );
    // the BigCommerce order holds the line that can be filled, and only it
    let bid = bc_order(&sides, &id);
    let products = sides
        .engine
        .bigcommerce()
        .orders()
        .products(OrderId(bid))
        .all()
        .await
        .unwrap();
    let got: Vec<(String, u64)> = products
        .iter()
        .map(|p| (p.sku.clone().unwrap_or_default(), p.quantity))
        .collect();
    assert_eq!(got, [(a.0.clone(), 2)]);
    // nothing oversold
    assert_eq!(sides.bc.stock(&b.0), Some(0));
    assert_eq!(sides.bc.stock(&a.0), Some(18));
    let note = sides
        .engine
        .with_counters(|c| c.shortfalls.get(&id).cloned())
        .expect("the shortfall is in the summary");
    assert!(note.contains("cancelled") && note.contains(&b.0), "{note}");
    // no BigCommerce refund for units that never were in BigCommerce
    poll(&sides).await;
    let refunds = sides
        .engine
        .bigcommerce()
        .orders()
        .refunds(OrderId(bid))
        .all()
        .await
        .unwrap();
    assert!(refunds.is_empty(), "{refunds:?}");
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_creates_nothing_and_lists_the_order() {
    let sides = with_rule(ShortfallRule::Hold).await;
    let all = skus(&sides);
    let a = &all[0];
    let id = place(&sides, &[(a.0.clone(), a.1, 3)], Decimal::ZERO);
    sides.bc.set_stock(&a.0, 1);
    back_office(&sides).auto_accept(&id).unwrap();
    sides.mirakl.trigger_debit(&id).unwrap();
    poll(&sides).await;
    poll(&sides).await;
    assert!(sides.bc.orders_by_external_id(&id).is_empty());
    let note = sides
        .engine
        .with_counters(|c| c.shortfalls.get(&id).cloned())
        .expect("the held order is in the summary");
    assert!(note.starts_with("held") && note.contains("2 ×"), "{note}");
    assert_eq!(sides.bc.stock(&a.0), Some(1));
    assert_eq!(
        sides
            .mirakl
            .request_log()
            .count("PUT", "/api/orders/cancel"),
        0
    );
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_refunds_the_short_units_on_mirakl_and_creates_the_rest() {
    let sides = with_rule(ShortfallRule::Refund).await;
    let all = skus(&sides);
    let a = &all[0];
    let id = place(&sides, &[(a.0.clone(), a.1, 3)], Decimal::ZERO);
    sides.bc.set_stock(&a.0, 2);
    back_office(&sides).auto_accept(&id).unwrap();
    sides.mirakl.trigger_debit(&id).unwrap();
    poll(&sides).await;
    poll(&sides).await;
    let o = sides.mirakl.order(&id).unwrap();
    assert_eq!(o.lines[0].refunded_quantity, 1, "{o:#?}");
    let bid = bc_order(&sides, &id);
    let products = sides
        .engine
        .bigcommerce()
        .orders()
        .products(OrderId(bid))
        .all()
        .await
        .unwrap();
    assert_eq!(products.len(), 1);
    assert_eq!(products[0].quantity, 2);
    assert_eq!(sides.bc.stock(&a.0), Some(0));
    let note = sides
        .engine
        .with_counters(|c| c.shortfalls.get(&id).cloned())
        .unwrap();
    assert!(note.contains("refunded"), "{note}");
    assert_no_violations(&sides);
}
