#![cfg(feature = "demo")]
//! A Mirakl order carrying an operator promotion and fees is created in BigCommerce with the
//! promotion as `discount_amount` and the fees as `fees[]` (orders.v2.oas2.yml `order_Post`,
//! `orderFees_Post`), so the BigCommerce order totals exactly what Mirakl charged (issue 10
//! defect 6). The promotion and fee lines follow the promotion-carrying OR11 example of
//! ../shared/specs/mirakl/mirakl-mmp-seller-openapi.json (`promotions[].deduced_amount`,
//! `fees[]` in `total_price`). Both sandboxes on loopback, contract checking on.

mod order_support;

use order_support::{accept_and_create, assert_no_violations, back_office, place, skus, start};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promotion_and_fees_leave_the_bigcommerce_total_at_what_mirakl_charged() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (a, b) = (&all[0], &all[1]);
    let shipping = Decimal::new(595, 2);
    let id = place(
        &sides,
        &[(a.0.clone(), a.1, 2), (b.0.clone(), b.1, 1)],
        shipping,
    );
    // the operator's checkout: a promotion of 3.50 on the first line, a 1.20 fee on the second
    let office = back_office(&sides);
    office
        .price_line(&format!("{id}-1"), Decimal::new(350, 2), Decimal::ZERO)
        .unwrap();
    office
        .price_line(&format!("{id}-2"), Decimal::ZERO, Decimal::new(120, 2))
        .unwrap();
    let bid = accept_and_create(&sides, &id).await;

    let mirakl = sides
        .engine
        .mirakl()
        .orders()
        .get(&mirakl_api::MiraklOrderId::new(id.clone()).unwrap())
        .await
        .unwrap()
        .unwrap();
    let charged = mirakl.total_price.unwrap();
    let expected = a.1 * Decimal::from(2) + b.1 + shipping * Decimal::from(2)
        - Decimal::new(350, 2)
        + Decimal::new(120, 2);
    assert_eq!(charged, expected, "the operator's total");

    let order = sides.bc.order_json(bid).unwrap();
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<Decimal>().unwrap();
    assert_eq!(dec(&order["total_inc_tax"]), charged, "{order:#}");
    assert_eq!(dec(&order["discount_amount"]), Decimal::new(350, 2));
    let fees = order["fees"].as_array().unwrap();
    assert_eq!(fees.len(), 1, "{fees:?}");
    assert_eq!(fees[0]["type"], "custom_fee");
    assert_eq!(dec(&fees[0]["cost_inc_tax"]), Decimal::new(120, 2));
    // lines keep their unit prices
    let summary = sides.bc.order(bid).unwrap();
    assert_eq!(summary.total_inc_tax, charged);
    assert_no_violations(&sides);
}
