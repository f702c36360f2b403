//! Query parameters the spec gives an enum are typed (issue 17), and stay open: a value this
//! version does not know goes out as given. Enums from
//! ../shared/specs/mirakl/mirakl-mmp-seller-openapi.json (DR11 `state`, `payment_state`;
//! M01 `read`, `archived`; TL02 `payment_state`).
#![cfg(feature = "client")]

use mirakl_api::accounting::tl02;
use mirakl_api::documents::dr11;
use mirakl_api::messages::m01;

fn client() -> mirakl_api::Client {
    mirakl_api::Client::builder("http://127.0.0.1:9")
        .api_key("key")
        .without_limiter()
        .build()
        .unwrap()
}

fn values(q: &[(String, String)], key: &str) -> Vec<String> {
    q.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

#[test]
fn known_and_unknown_enum_values_reach_the_query() {
    let spec = client()
        .documents()
        .requests()
        .unwrap()
        .state([
            dr11::DataState::Issued,
            dr11::DataState::Other("ARCHIVED".into()),
        ])
        .payment_state(dr11::PaymentState::from("REFUSED"))
        .spec()
        .unwrap();
    assert_eq!(values(&spec.query, "state"), ["ISSUED", "ARCHIVED"]);
    assert_eq!(values(&spec.query, "payment_state"), ["REFUSED"]);

    // Setting a parameter again replaces it.
    let spec = client()
        .messages()
        .list()
        .unwrap()
        .read(m01::Read::True)
        .read(m01::Read::False)
        .archived(m01::Archived::All)
        .spec()
        .unwrap();
    assert_eq!(values(&spec.query, "read"), ["FALSE"]);
    assert_eq!(values(&spec.query, "archived"), ["ALL"]);

    let spec = client()
        .accounting()
        .transactions()
        .unwrap()
        .payment_state([tl02::PaymentState::Payable, tl02::PaymentState::Reserve])
        .spec()
        .unwrap();
    assert_eq!(values(&spec.query, "payment_state"), ["PAYABLE", "RESERVE"]);
}
