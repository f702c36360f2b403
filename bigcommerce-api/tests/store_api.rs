//! Store information and settings against wiremock (a catch-all fails on anything else).
//! `v2_store.json` is the `GET /store` example of
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/store_information.v2.yml`;
//! `store_profile.json` is built from the `StoreProfile` schema of `settings.v3.yml` (the spec
//! gives no example), its `store_address_type` one of `AddressTypeEnumValues`.

mod common;

use bigcommerce_api::channels::ChannelId;
use bigcommerce_api::store::{StoreAddressType, StoreProfile};
use common::*;
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};

#[tokio::test]
async fn store_info_tells_the_price_tax_basis() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/store")))
        .and(header("x-auth-token", TOKEN))
        .respond_with(json(200, fixture("v2_store.json")))
        .expect(1)
        .mount(&server)
        .await;
    let s = client(&server).store().info().await.unwrap();
    assert_eq!(s.prices_entered_with_tax(), Some(false));
}

#[tokio::test]
async fn store_profile_global_and_per_channel() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/settings/store/profile")))
        .and(query_param_is_missing("channel_id"))
        .respond_with(json(200, fixture("store_profile.json")))
        .expect(1)
        .mount(&server)
        .await;
    // A channel that overrides nothing: every field null (inherited).
    Mock::given(method("GET"))
        .and(path(p("v3/settings/store/profile")))
        .and(query_param("channel_id", "667159"))
        .respond_with(json(
            200,
            json!({"data": {"store_name": null, "store_address": null,
                "store_address_type": null, "store_email": null, "store_phone": null},
                "meta": {}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // A channel-level write sends every field, null for "inherit".
    Mock::given(method("PUT"))
        .and(path(p("v3/settings/store/profile")))
        .and(query_param("channel_id", "667159"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"store_name": "Marketplace shop", "store_address": null,
            "store_address_type": null, "store_email": null, "store_phone": null}),
        ))
        .respond_with(json(
            200,
            json!({"data": {"store_name": "Marketplace shop"}, "meta": {}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let st = client(&server).store();
    let global = st.profile(None).await.unwrap();
    assert_eq!(
        global.store_address_type,
        Some(StoreAddressType::CommercialOffice)
    );
    assert_eq!(global.store_name.as_deref(), Some("BigCommerce"));
    let ch = st.profile(Some(ChannelId(667_159))).await.unwrap();
    assert_eq!(ch, StoreProfile::default());
    let mut update = StoreProfile::default();
    update.store_name = Some("Marketplace shop".into());
    let saved = st
        .update_profile(Some(ChannelId(667_159)), &update)
        .await
        .unwrap();
    assert_eq!(saved.store_name.as_deref(), Some("Marketplace shop"));
}

#[test]
fn address_type_keeps_unknown_values() {
    let t: StoreAddressType = serde_json::from_str(r#""Pop-up Shop""#).unwrap();
    assert_eq!(t, StoreAddressType::Other("Pop-up Shop".into()));
    assert_eq!(
        serde_json::to_string(&StoreAddressType::HomeOffice).unwrap(),
        r#""Home Office""#
    );
}
