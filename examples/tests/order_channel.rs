#![cfg(feature = "demo")]
//! Marketplace orders land in a BigCommerce channel of type `marketplace` (platform `mirakl`,
//! a valid combination in `../shared/specs/bigcommerce/bigcommerce-docs/reference/channels.v3.yml`)
//! that the connector finds or creates once, not in the storefront channel 1; a second start
//! finds the channel instead of creating another.

mod order_support;

use examples::demo::{demo_rules, sandbox_clients, sandbox_engine_options};
use order_support::{accept_and_create, assert_no_violations, place, skus, start};
use rust_decimal::Decimal;
use sync_connector::channel::{DEFAULT_CHANNEL_NAME, OrderChannel};
use sync_connector::{Connector, ConnectorOptions};
use sync_sandbox::mirakl::MiraklConfig;

async fn marketplace_channels(sides: &order_support::Sides) -> Vec<(u64, String, Option<String>)> {
    let (bc, _) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    bc.channels()
        .list()
        .all()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.id.get() != 1)
        .map(|c| (c.id.get(), c.name, c.platform))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_land_in_one_marketplace_channel() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    let order = accept_and_create(&sides, &id).await;

    let channels = marketplace_channels(&sides).await;
    assert_eq!(channels.len(), 1, "one channel created: {channels:?}");
    let (channel, name, platform) = &channels[0];
    assert_eq!(name, DEFAULT_CHANNEL_NAME);
    assert_eq!(platform.as_deref(), Some("mirakl"));
    let json = sides.bc.order_json(order).unwrap();
    assert_eq!(
        json["channel_id"], *channel,
        "the order is in the marketplace channel"
    );
    assert_eq!(sides.engine.order_channel_id(), Some(*channel));

    // a second start (a new process over the same store) finds the channel
    let creates = || {
        sides
            .bc
            .requests()
            .count("POST", "/stores/{store_hash}/v3/channels")
    };
    assert_eq!(creates(), 1);
    let (bcc, mkc) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    let again = Connector::new(
        bcc,
        mkc,
        sides.store.clone(),
        demo_rules(1),
        sandbox_engine_options(1),
    );
    let setup = again.setup_order_channel().await.unwrap();
    assert_eq!(setup.channel_id, *channel);
    assert!(!setup.created);
    assert_eq!(creates(), 1, "no second channel");
    assert_eq!(marketplace_channels(&sides).await.len(), 1);

    // orders of the second process go to the same channel
    let (sku2, price2) = &all[1];
    let id2 = place(&sides, &[(sku2.clone(), *price2, 1)], Decimal::new(995, 2));
    again.orders().poll_orders().await.unwrap();
    sides.mirakl.trigger_debit(&id2).unwrap();
    again.orders().poll_orders().await.unwrap();
    let order2 = order_support::bc_order(&sides, &id2);
    assert_eq!(sides.bc.order_json(order2).unwrap()["channel_id"], *channel);
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_channel_id_is_used_without_any_channel_call() {
    let sides = start(MiraklConfig::default(), None).await;
    let (bcc, mkc) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    let engine = Connector::new(
        bcc,
        mkc,
        sides.store.clone(),
        demo_rules(1),
        ConnectorOptions {
            order_channel: OrderChannel::Fixed(1),
            ..sandbox_engine_options(1)
        },
    );
    let all = skus(&sides);
    let (sku, price) = &all[0];
    let id = place(&sides, &[(sku.clone(), *price, 1)], Decimal::new(995, 2));
    engine.orders().poll_orders().await.unwrap();
    sides.mirakl.trigger_debit(&id).unwrap();
    engine.orders().poll_orders().await.unwrap();
    let order = order_support::bc_order(&sides, &id);
    assert_eq!(sides.bc.order_json(order).unwrap()["channel_id"], 1);
    assert_eq!(
        sides
            .bc
            .requests()
            .count("GET", "/stores/{store_hash}/v3/channels")
            + sides
                .bc
                .requests()
                .count("POST", "/stores/{store_hash}/v3/channels"),
        0
    );
    assert!(marketplace_channels(&sides).await.is_empty());
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_refuses_an_invalid_channel_as_the_spec_says() {
    let sides = start(MiraklConfig::default(), None).await;
    let (bc, _) = sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    use bigcommerce_api::channels::{ChannelType, NewChannel};
    // "ebay" is a marketplace platform, never a storefront one
    let bad = NewChannel::new("Shop", ChannelType::Storefront, "ebay");
    assert_eq!(
        bc.channels().create(&bad).await.unwrap_err().status(),
        Some(422)
    );
    // names allow Latin letters, digits, dashes and underscores only
    let spaced = NewChannel::marketplace("Mirakl marketplace", "mirakl");
    assert_eq!(
        bc.channels().create(&spaced).await.unwrap_err().status(),
        Some(422)
    );
    let ok = NewChannel::marketplace("Westfield-AU", "mirakl");
    bc.channels().create(&ok).await.unwrap();
    // the same name, platform and type twice is a conflict
    assert_eq!(
        bc.channels().create(&ok).await.unwrap_err().status(),
        Some(409)
    );
}
