#![cfg(feature = "demo")]
//! Order actions settle only when they took effect (issue 10 defect 3). A call Mirakl refuses
//! (400) counts as sent only when the order, re-read with OR11, already shows its effect (an
//! earlier call went through); every other 400 is a failure: in the summary and the logs,
//! not recorded, retried on the next poll. PC01 is read at start: with partial acceptance off
//! the platform never gets a mixed OR21, the order is decided whole. Both sandboxes on
//! loopback; the operator answers 400 to a wrong-state action and to a mixed OR21 without
//! partial acceptance (mirakl-mmp-seller-openapi.json, OR21 error codes
//! `ORDER_INVALID_STATE`, `ORDER_PARTIAL_ACCEPTANCE_DISABLED`).

mod order_support;

use examples::demo::demo_rules;
use order_support::{
    accept_and_create, assert_no_violations, back_office, place, poll, record, skus, start, state,
};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

fn partial_rules() -> sync_core::rules::SyncRules {
    let mut rules = demo_rules(1);
    rules.orders.partial_acceptance = true;
    rules
}

fn failures(sides: &order_support::Sides) -> std::collections::BTreeMap<String, String> {
    sides.engine.with_counters(|c| c.order_failures.clone())
}

/// The rules allow partial acceptance, the platform does not (PC01): an order with a line
/// the store cannot fill is refused whole, never sent as a mixed OR21.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_partial_acceptance_on_the_platform_the_order_is_decided_whole() {
    let sides = start(
        MiraklConfig {
            partial_acceptance: false,
            ..MiraklConfig::default()
        },
        Some(partial_rules()),
    )
    .await;
    let all = skus(&sides);
    let (sold_out, in_stock) = (&all[0], &all[1]);
    sides.bc.set_stock(&sold_out.0, 0);
    let id = place(
        &sides,
        &[
            (in_stock.0.clone(), in_stock.1, 1),
            (sold_out.0.clone(), sold_out.1, 1),
        ],
        Decimal::new(995, 2),
    );
    poll(&sides).await;
    assert_eq!(state(&sides, &id), "REFUSED");
    sides.engine.with_counters(|c| {
        assert!(c.refused.contains(&id), "{:?}", c.refused);
        assert!(!c.accepted.contains(&id));
    });
    assert!(failures(&sides).is_empty(), "{:?}", failures(&sides));
    // one OR21, all lines refused
    assert_eq!(
        sides
            .mirakl
            .request_log()
            .count("PUT", "/api/orders/{order_id}/accept"),
        1
    );
    assert_no_violations(&sides);
}

/// Partial acceptance is switched off on the platform after the connector read PC01: the
/// mixed OR21 Mirakl refuses is a failure (not recorded as accepted, in the summary), and the
/// next poll decides the order whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_mixed_or21_is_a_failure_and_the_retry_decides_whole() {
    let sides = start(MiraklConfig::default(), Some(partial_rules())).await;
    let all = skus(&sides);
    // PC01 read with partial acceptance on
    poll(&sides).await;
    back_office(&sides).set_partial_acceptance(false);
    let (sold_out, in_stock) = (&all[0], &all[1]);
    sides.bc.set_stock(&sold_out.0, 0);
    let id = place(
        &sides,
        &[
            (in_stock.0.clone(), in_stock.1, 1),
            (sold_out.0.clone(), sold_out.1, 1),
        ],
        Decimal::new(995, 2),
    );
    poll(&sides).await;
    assert_eq!(state(&sides, &id), "WAITING_ACCEPTANCE");
    sides.engine.with_counters(|c| {
        assert!(!c.accepted.contains(&id), "recorded as accepted");
        assert!(!c.refused.contains(&id));
    });
    let f = failures(&sides);
    assert!(
        f.get(&id)
            .is_some_and(|why| why.starts_with("OR21") && why.contains("PARTIAL_ACCEPTANCE")),
        "{f:?}"
    );
    let rec = record(&sides, &id);
    assert!(
        !rec.is_some_and(|r| r.acceptance_sent),
        "OR21 recorded as sent"
    );
    // the retry decides the order whole
    poll(&sides).await;
    assert_eq!(state(&sides, &id), "REFUSED");
    assert!(failures(&sides).is_empty(), "{:?}", failures(&sides));
    assert_no_violations(&sides);
}

/// Polls once while the operator decides the order itself (accepted or refused) the moment
/// its OR21 arrives, before the call takes effect: the answer the connector gets is a 400.
async fn poll_while_the_operator_decides(sides: &order_support::Sides, id: &str, accept: bool) {
    let office = back_office(sides);
    let target = id.to_owned();
    sides.mirakl.request_log().set_hook(move |r| {
        if r.method == "PUT" && r.path.ends_with(&format!("/{target}/accept")) {
            let _ = office.decide_order(&target, accept);
        }
    });
    poll(sides).await;
    sides.mirakl.request_log().clear_hook();
}

/// An OR21 whose effect is already there (an earlier OR21 went through, its answer lost):
/// Mirakl answers 400; the next order poll (no read of the order of its own, see
/// `order_refused_calls.rs`) shows the decision, so the call is settled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_or21_already_in_effect_is_settled() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let id = place(&sides, &[(all[0].0.clone(), all[0].1, 1)], Decimal::ZERO);
    poll_while_the_operator_decides(&sides, &id, true).await;
    assert_eq!(state(&sides, &id), "WAITING_DEBIT");
    assert!(failures(&sides).is_empty(), "{:?}", failures(&sides));
    assert!(!record(&sides, &id).unwrap().acceptance_sent);
    poll(&sides).await;
    assert!(failures(&sides).is_empty(), "{:?}", failures(&sides));
    sides
        .engine
        .with_counters(|c| assert!(c.accepted.contains(&id)));
    assert!(record(&sides, &id).unwrap().acceptance_sent);
    assert_no_violations(&sides);
}

/// The operator cancels the order just before the shop's OR24: Mirakl answers 400, the
/// order as the next poll reads it is CANCELED, not shipped, so the shipment is a failure,
/// not recorded as confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_or24_on_a_cancelled_order_is_a_failure() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let id = place(&sides, &[(all[0].0.clone(), all[0].1, 1)], Decimal::ZERO);
    let bid = accept_and_create(&sides, &id).await;
    assert!(sides.bc.ship_order(bid, "AP0000001", "auspost").is_some());
    let office = back_office(&sides);
    let target = id.clone();
    sides.mirakl.request_log().set_hook(move |r| {
        if r.method == "PUT" && r.path.ends_with(&format!("/{target}/ship")) {
            let _ = office.cancel_order(&target);
        }
    });
    sides
        .engine
        .orders()
        .step_bigcommerce_order(bid, true)
        .await
        .unwrap();
    sides.mirakl.request_log().clear_hook();
    assert_eq!(state(&sides, &id), "CANCELED");
    poll(&sides).await;
    let rec = record(&sides, &id).unwrap();
    assert!(!rec.ship_confirmed, "OR24 recorded as confirmed");
    sides
        .engine
        .with_counters(|c| assert!(!c.shipped.contains(&id), "counted as shipped"));
    let f = failures(&sides);
    assert!(
        f.get(&id).is_some_and(|why| why.starts_with("OR24")),
        "{f:?}"
    );
    assert_no_violations(&sides);
}

/// One poll's acceptances are decided one after the other in the orders' creation order,
/// each weighing the units the orders decided before it hold, and their OR21 calls then go
/// out together (issue 11: a thousand acceptances one after another held every create back
/// for minutes). With every Mirakl answer `LATENCY` late, an OR21 sent only once the one
/// before it was answered reaches the operator at least `LATENCY` after it: two arriving
/// closer together were in flight at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polls_acceptances_go_out_together_and_take_no_more_than_the_stock() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    use sync_sandbox::faults::FaultConfig;
    const LATENCY: Duration = Duration::from_millis(300);

    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    // 3 units of the first SKU for 5 one-unit orders, plenty of the others
    sides.bc.set_stock(&all[0].0, 3);
    let short: Vec<String> = (0..5)
        .map(|_| place(&sides, &[(all[0].0.clone(), all[0].1, 1)], Decimal::ZERO))
        .collect();
    let plenty: Vec<String> = (0..7)
        .map(|i| {
            let s = &all[1 + i % 3];
            place(&sides, &[(s.0.clone(), s.1, 1)], Decimal::ZERO)
        })
        .collect();
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    {
        let arrivals = arrivals.clone();
        sides.mirakl.request_log().set_hook(move |info| {
            if info.method == "PUT" && info.path.ends_with("/accept") {
                arrivals.lock().unwrap().push(Instant::now());
            }
        });
    }
    sides
        .mirakl
        .faults()
        .set(FaultConfig::none().with_latency(LATENCY));
    poll(&sides).await;
    sides.mirakl.faults().set(FaultConfig::none());

    // the first three placed took the three units, the two after them were refused
    let states: Vec<String> = short.iter().map(|id| state(&sides, id)).collect();
    assert_eq!(
        states,
        [
            "WAITING_DEBIT",
            "WAITING_DEBIT",
            "WAITING_DEBIT",
            "REFUSED",
            "REFUSED"
        ],
        "{short:?}"
    );
    for id in &plenty {
        assert_eq!(state(&sides, id), "WAITING_DEBIT", "{id}");
    }
    let mut at = arrivals.lock().unwrap().clone();
    assert_eq!(at.len(), 12, "one OR21 per order");
    at.sort();
    let closest = at.windows(2).map(|w| w[1] - w[0]).min().unwrap();
    assert!(
        closest < LATENCY,
        "OR21 calls went out one after another: the closest two arrived {closest:?} apart"
    );
    assert!(failures(&sides).is_empty(), "{:?}", failures(&sides));
    assert_no_violations(&sides);
}

/// An acceptance shows in the book before its OR21 goes out (the decisions after it weigh
/// it), but a refused OR21 is judged by the order as polled, never by that display: the
/// order was refused on Mirakl meanwhile (as an earlier OR21 that refused it would have),
/// so the 400 waits for the next poll and the order never counts as accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_or21_is_judged_by_the_order_as_polled_not_by_the_decision_shown() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let id = place(&sides, &[(all[0].0.clone(), all[0].1, 1)], Decimal::ZERO);
    poll_while_the_operator_decides(&sides, &id, false).await;
    assert_eq!(state(&sides, &id), "REFUSED");
    assert!(!record(&sides, &id).unwrap().acceptance_sent);
    sides
        .engine
        .with_counters(|c| assert!(!c.accepted.contains(&id), "{:?}", c.accepted));
    // the next poll shows the order refused: settled as refused, never as accepted
    poll(&sides).await;
    sides.engine.with_counters(|c| {
        assert!(!c.accepted.contains(&id), "{:?}", c.accepted);
        assert!(c.refused.contains(&id), "{:?}", c.refused);
    });
    assert_no_violations(&sides);
}
