#![cfg(feature = "demo")]
//! Reason codes at set-up (issue 14 item 2): the connector reads the operator's reasons (RE01
//! `GET /api/reasons`, `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`) and rejects a
//! configured `shortfall_reason` or refund reason the operator does not list for its use, with
//! an error naming the code and the valid ones. Both sandboxes on loopback, contract checking
//! on.

mod order_support;

use examples::demo::demo_rules;
use order_support::{assert_no_violations, back_office, start};
use sync_connector::reasons::{ReasonCheckError, ReasonUse, check_reason_codes};
use sync_core::rules::ShortfallRule;
use sync_sandbox::mirakl::{MiraklConfig, Reason, default_reasons};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_reason_codes_must_be_in_the_operators_list() {
    let sides = start(MiraklConfig::default(), None).await;
    let mut rules = demo_rules(1);
    rules.orders.shortfall = Some(ShortfallRule::Cancel);
    rules.orders.shortfall_reason = "42".into();
    let checked = check_reason_codes(sides.engine.mirakl(), &rules)
        .await
        .unwrap();
    let codes: Vec<(&str, ReasonUse)> = checked
        .iter()
        .map(|c| (c.code.as_str(), c.used_for))
        .collect();
    assert_eq!(
        codes,
        [("13", ReasonUse::Refund), ("42", ReasonUse::Cancelation)]
    );

    // a refund reason configured for shortfall cancelations
    rules.orders.shortfall_reason = "15".into();
    let err = check_reason_codes(sides.engine.mirakl(), &rules)
        .await
        .unwrap_err();
    let ReasonCheckError::Unknown(unknown) = &err else {
        panic!("{err}");
    };
    assert_eq!(unknown.len(), 1, "{err}");
    assert_eq!(unknown[0].setting, "rules.orders.shortfall_reason");
    assert_eq!(unknown[0].code, "15");
    let valid: Vec<&str> = unknown[0].valid.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(valid, ["34", "42"]);
    let text = err.to_string();
    assert!(
        text.contains("rules.orders.shortfall_reason = \"15\" is not a CANCELATION reason")
            && text.contains("valid: 34 (Cancelled by the client prior to shipping), 42 ("),
        "{text}"
    );

    // the operator closes its refund reason 13 to shops: the default refund reason fails too
    rules.orders.shortfall_reason = "42".into();
    let mut reasons = default_reasons();
    for r in &mut reasons {
        if r.code == "13" {
            *r = Reason::new("13", &r.label, "REFUND", false);
        }
    }
    back_office(&sides).set_reasons(reasons);
    let err = check_reason_codes(sides.engine.mirakl(), &rules)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("rules.refunds.default_reason_code = \"13\" is not a REFUND reason")
            && text.ends_with("valid: 15 (Out of stock)"),
        "{text}"
    );
    assert_eq!(sides.mirakl.request_log().count("GET", "/api/reasons"), 3);
    assert_no_violations(&sides);
}
