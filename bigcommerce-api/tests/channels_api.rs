//! Channels (`/v3/channels`): every typed call against wiremock (method, path, query,
//! headers, body; a catch-all fails on anything else), and every request and response
//! example of `../shared/specs/bigcommerce/bigcommerce-docs/reference/channels.v3.yml`
//! (`components.examples.*`, copied to `tests/fixtures/channels/<example name>.json`)
//! decoded, request examples round-tripped.

mod common;

use bigcommerce_api::catalog::{ProductId, VariantId};
use bigcommerce_api::channels::{
    Channel, ChannelId, ChannelListing, ChannelStatus, ChannelType, ChannelUpdate,
    CurrencyAssignment, ListingId, ListingState, ListingVariantWrite, ListingWrite, NewChannel,
};
use bigcommerce_api::page::Envelope;
use bigcommerce_api::{Error, Page};
use common::*;
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};

fn ex(name: &str) -> serde_json::Value {
    fixture(&format!("channels/{name}.json"))
}

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(ex(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---- the spec's examples -------------------------------------------------------------

#[test]
fn channel_examples_decode() {
    let e: Envelope<Vec<Channel>> = decode("multiple_channels_without_currencies_resp_example");
    assert_eq!(e.data.len(), 3);
    assert_eq!(e.data[0].id, ChannelId(1));
    assert_eq!(e.data[0].channel_type, Some(ChannelType::Storefront));
    assert_eq!(e.data[0].status, Some(ChannelStatus::Prelaunch));
    assert_eq!(e.data[1].platform.as_deref(), Some("amazon"));
    assert_eq!(e.data[1].external_id, None); // "" is none
    assert!(e.meta.pagination.is_some());

    let e: Envelope<Channel> = decode("single_channel_without_currencies_resp_example");
    assert_eq!(e.data.id, ChannelId(667_159));
    assert_eq!(e.data.channel_type, Some(ChannelType::Marketplace));
    assert_eq!(e.data.date_created.unwrap().unix_timestamp(), 1_620_920_499);
    assert_eq!(e.data.currencies, None);

    let e: Envelope<Channel> = decode("single_channel_with_currencies_resp_example");
    let cur = e.data.currencies.unwrap();
    assert_eq!(cur.channel_id, Some(ChannelId(667_159)));
    assert_eq!(cur.enabled_currencies, ["USD"]);
    assert_eq!(cur.default_currency, "USD");
}

#[test]
fn channel_request_examples_round_trip() {
    let c: NewChannel = decode("create_channel_req_example");
    assert_eq!(c.channel_type, ChannelType::Marketplace);
    assert_eq!(c.status, Some(ChannelStatus::Connected));
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        ex("create_channel_req_example")
    );
    let mut ours = NewChannel::marketplace("eBay", "ebay");
    assert_eq!(
        serde_json::to_value(&ours).unwrap(),
        ex("create_channel_req_example")
    );
    ours.is_visible = Some(false);
    assert_eq!(serde_json::to_value(&ours).unwrap()["is_visible"], false);

    let u: ChannelUpdate = decode("update_channel_req_example");
    assert_eq!(u.is_listable_from_ui, Some(false));
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        ex("update_channel_req_example")
    );
}

#[test]
fn currency_assignment_examples() {
    let many: Vec<CurrencyAssignment> =
        decode("multiple_channels_currency_assignments_req_example");
    assert_eq!(many.len(), 4);
    assert_eq!(many[2].enabled_currencies, ["USD", "AUD"]);
    assert_eq!(
        serde_json::to_value(&many).unwrap(),
        ex("multiple_channels_currency_assignments_req_example")
    );
    let one: CurrencyAssignment = decode("single_channel_currency_assignments_req_example");
    assert_eq!(one.channel_id, None);
    assert_eq!(
        serde_json::to_value(&one).unwrap(),
        ex("single_channel_currency_assignments_req_example")
    );
    let e: Envelope<Vec<CurrencyAssignment>> =
        decode("multiple_channels_currency_assignments_resp_example");
    assert!(!e.data.is_empty());
    let e: Envelope<CurrencyAssignment> =
        decode("single_channel_currency_assignments_resp_example");
    assert!(!e.data.enabled_currencies.is_empty());
    let _: serde_json::Value = ex("delete_currency_assignments_resp_example");
}

#[test]
fn listing_examples() {
    let e: Envelope<Vec<ChannelListing>> = decode("multiple_listings_resp_example");
    assert_eq!(e.data.len(), 2);
    assert_eq!(e.data[0].listing_id, ListingId(882_789_361));
    assert_eq!(e.data[1].state, Some(ListingState::Pending));
    assert_eq!(e.data[0].variants[1].variant_id, VariantId(65));
    // Used by the spec as the "Single Listing" example of the listings answers (an array).
    let e: Envelope<Vec<ChannelListing>> = decode("single_listing_resp_example");
    assert!(!e.data[0].variants.is_empty());
    let e: Envelope<ChannelListing> = decode("single_listing_with_empty_meta_resp_example");
    assert_eq!(e.data.channel_id, Some(ChannelId(667_159)));

    for name in [
        "create_single_listing_req_example",
        "create_multiple_listings_req_example",
        "update_single_listing_req_example",
        "update_multiple_listings_req_example",
    ] {
        let w: Vec<ListingWrite> = decode(name);
        assert!(!w.is_empty(), "{name}");
        assert_eq!(
            w[0].listing_id.is_some(),
            name.starts_with("update"),
            "{name}"
        );
        assert_eq!(serde_json::to_value(&w).unwrap(), ex(name), "{name}");
    }
}

#[test]
fn unknown_enum_values_are_kept() {
    let mut v = ex("single_channel_without_currencies_resp_example")["data"].clone();
    v["type"] = json!("social");
    v["status"] = json!("sleeping");
    v["extra_field"] = json!(1);
    let c: Channel = serde_json::from_value(v).unwrap();
    assert_eq!(c.channel_type, Some(ChannelType::Other("social".into())));
    assert_eq!(c.status, Some(ChannelStatus::Other("sleeping".into())));
    let mut v = ex("single_listing_resp_example")["data"][0].clone();
    v["state"] = json!("paused");
    v.as_object_mut().unwrap().remove("name");
    let l: ChannelListing = serde_json::from_value(v).unwrap();
    assert_eq!(l.state, Some(ListingState::Other("paused".into())));
    assert_eq!(l.name, None);
}

// ---- calls against wiremock ----------------------------------------------------------

#[tokio::test]
async fn channels_list_get_create_update() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels")))
        .and(header("x-auth-token", TOKEN))
        .and(header("accept", "application/json"))
        .and(query_param("type:in", "marketplace"))
        .and(query_param("status:in", "connected,active"))
        .and(query_param("include", "currencies"))
        .and(query_param("available", "true"))
        .respond_with(json(
            200,
            ex("multiple_channels_without_currencies_resp_example"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels/667159")))
        .and(query_param("include", "currencies"))
        .respond_with(json(200, ex("single_channel_with_currencies_resp_example")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels/5")))
        .and(query_param_is_missing("include"))
        .respond_with(json(
            404,
            json!({"status":404,"title":"Channel not found","type":"about:blank"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("v3/channels")))
        .and(header("content-type", "application/json"))
        .and(body_json(ex("create_channel_req_example")))
        .respond_with(json(
            200,
            ex("single_channel_without_currencies_resp_example"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/channels/667159")))
        .and(header("content-type", "application/json"))
        .and(body_json(ex("update_channel_req_example")))
        .respond_with(json(
            200,
            ex("single_channel_without_currencies_resp_example"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).channels();
    let page: Page<Channel> = c
        .list()
        .types([ChannelType::Marketplace])
        .statuses([ChannelStatus::Connected, ChannelStatus::Active])
        .include_currencies()
        .available(true)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    let ch = c.get_opt(ChannelId(667_159), true).await.unwrap().unwrap();
    assert_eq!(ch.currencies.unwrap().default_currency, "USD");
    assert_eq!(c.get_opt(ChannelId(5), false).await.unwrap(), None);
    let created = c
        .create(&NewChannel::marketplace("eBay", "ebay"))
        .await
        .unwrap();
    assert_eq!(created.id, ChannelId(667_159));
    let update: ChannelUpdate = decode("update_channel_req_example");
    c.update(ChannelId(667_159), &update).await.unwrap();
}

#[tokio::test]
async fn find_by_name_filters_by_type_and_compares_names() {
    let server = server().await;
    let mut one_page = ex("multiple_channels_without_currencies_resp_example");
    one_page["meta"] = json!({"pagination": {"per_page": 50, "total": 3, "count": 3,
        "total_pages": 1, "current_page": 1, "links": {"current": "?page=1&limit=50"}}});
    Mock::given(method("GET"))
        .and(path(p("v3/channels")))
        .and(query_param("type:in", "marketplace"))
        .and(query_param("page", "1"))
        .respond_with(json(200, one_page))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server).channels();
    let found = c
        .find_by_name(ChannelType::Marketplace, "Amazon")
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        [ChannelId(664_179)]
    );
    let none = c
        .find_by_name(ChannelType::Marketplace, "Westfield")
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn listings_page_by_after_and_write() {
    let server = server().await;
    let all = ex("multiple_listings_resp_example")["data"].clone();
    let first = json!({"data": [all[0].clone()], "meta": {"pagination": {"count": 1, "total": 2,
        "links": {"current": "?limit=1", "next": "?limit=1&after=882789361"}}}});
    let second = json!({"data": [all[1].clone()], "meta": {"pagination": {"count": 1, "total": 2,
        "links": {"current": "?limit=1&after=882789361"}}}});
    Mock::given(method("GET"))
        .and(path(p("v3/channels/664177/listings")))
        .and(query_param("limit", "1"))
        .and(query_param("product_id:in", "80,100"))
        .and(query_param_is_missing("after"))
        .and(query_param_is_missing("page"))
        .respond_with(json(200, first))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels/664177/listings")))
        .and(query_param("limit", "1"))
        .and(query_param("after", "882789361"))
        .and(query_param_is_missing("page"))
        .respond_with(json(200, second))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels/667159/listings/882998595")))
        .respond_with(json(200, ex("single_listing_with_empty_meta_resp_example")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("v3/channels/667159/listings")))
        .and(header("content-type", "application/json"))
        .and(body_json(ex("create_single_listing_req_example")))
        .respond_with(json(200, ex("multiple_listings_resp_example")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/channels/667159/listings")))
        .and(body_json(ex("update_single_listing_req_example")))
        .respond_with(json(200, ex("multiple_listings_resp_example")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).channels();
    let listings: Vec<ChannelListing> = c
        .listings(ChannelId(664_177))
        .product_ids([ProductId(80), ProductId(100)])
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        listings.iter().map(|l| l.listing_id).collect::<Vec<_>>(),
        [ListingId(882_789_361), ListingId(882_789_362)]
    );
    let one = c
        .listing_opt(ChannelId(667_159), ListingId(882_998_595))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.variants.len(), 2);

    let create: Vec<ListingWrite> = decode("create_single_listing_req_example");
    assert_eq!(
        c.create_listings(ChannelId(667_159), &create)
            .await
            .unwrap()
            .len(),
        2
    );
    let update: Vec<ListingWrite> = decode("update_single_listing_req_example");
    c.update_listings(ChannelId(667_159), &update)
        .await
        .unwrap();
    // Misuse is refused before anything is sent (the catch-all would fail the test).
    let err = c.create_listings(ChannelId(1), &update).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let err = c.update_listings(ChannelId(1), &create).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

#[tokio::test]
async fn listings_follow_the_last_id_of_a_full_page_without_links() {
    let server = server().await;
    let all = ex("multiple_listings_resp_example")["data"].clone();
    Mock::given(method("GET"))
        .and(path(p("v3/channels/2/listings")))
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("after"))
        .respond_with(json(200, json!({"data": all, "meta": {}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels/2/listings")))
        .and(query_param("limit", "2"))
        .and(query_param("after", "882789362"))
        .respond_with(json(200, json!({"data": [], "meta": {}})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).channels();
    let all = c.listings(ChannelId(2)).limit(2).all().await.unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn currency_assignments() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels/currency-assignments")))
        .respond_with(json(
            200,
            ex("multiple_channels_currency_assignments_resp_example"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/channels/664177/currency-assignments")))
        .respond_with(json(
            200,
            ex("single_channel_currency_assignments_resp_example"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    for m in ["POST", "PUT"] {
        Mock::given(method(m))
            .and(path(p("v3/channels/664177/currency-assignments")))
            .and(header("content-type", "application/json"))
            .and(body_json(ex(
                "single_channel_currency_assignments_req_example",
            )))
            .respond_with(json(
                200,
                ex("single_channel_currency_assignments_resp_example"),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("DELETE"))
        .and(path(p("v3/channels/664177/currency-assignments")))
        .respond_with(json(200, ex("delete_currency_assignments_resp_example")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).channels();
    assert!(!c.currency_assignments().await.unwrap().is_empty());
    c.channel_currency_assignments(ChannelId(664_177))
        .await
        .unwrap();
    // The channel id in the value is not sent on the single-channel endpoints.
    let a = CurrencyAssignment::new(Some(ChannelId(664_177)), ["USD", "GBP", "AUD"], "USD");
    c.create_currency_assignments(ChannelId(664_177), &a)
        .await
        .unwrap();
    c.update_currency_assignments(ChannelId(664_177), &a)
        .await
        .unwrap();
    c.delete_currency_assignments(ChannelId(664_177))
        .await
        .unwrap();
}

#[tokio::test]
async fn orders_filter_by_channel() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v2/orders")))
        .and(query_param("channel_id", "667159"))
        .respond_with(wiremock::ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let page = c
        .orders()
        .list()
        .channel_id(ChannelId(667_159))
        .send()
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

#[test]
fn listing_builders_build_the_documented_bodies() {
    let w = ListingWrite::new(
        ProductId(80),
        ListingState::Active,
        vec![ListingVariantWrite::new(
            ProductId(80),
            VariantId(64),
            ListingState::Active,
        )],
    );
    assert_eq!(
        serde_json::to_value(&w).unwrap(),
        json!({"product_id":80,"state":"active","variants":[{"product_id":80,"variant_id":64,"state":"active"}]})
    );
    let u = ListingWrite::update(ListingId(9), ProductId(80), ListingState::Disabled, vec![]);
    assert_eq!(serde_json::to_value(&u).unwrap()["listing_id"], 9);
}
