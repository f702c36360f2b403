#![cfg(feature = "demo")]
//! Fewer BigCommerce calls per order over its life (issue 11): an order just created in
//! BigCommerce is not re-read on every poll (it used to cost an order, products and
//! shipments read per open order), and a shipment is found by one listing of the orders
//! modified since the last look (`min_date_modified`), which steps only the order that moved.
//! Both sandboxes on loopback, contract checking on; calls counted from the BigCommerce
//! stand-in's own request log.

mod order_support;

use order_support::{assert_no_violations, bc_order, place, poll, skus, start, state};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::MiraklConfig;

/// Places `n` one-line orders (the first `n` SKUs, a unit each); one poll accepts them and
/// they are debited (released). Returns the Mirakl order ids.
async fn place_debited(sides: &order_support::Sides, n: usize) -> Vec<String> {
    let all = skus(sides);
    let ids: Vec<String> = (0..n)
        .map(|i| place(sides, &[(all[i].0.clone(), all[i].1, 1)], Decimal::ZERO))
        .collect();
    poll(sides).await;
    for id in &ids {
        sides.mirakl.trigger_debit(id).unwrap();
    }
    ids
}

/// [`place_debited`], then a poll creates them in BigCommerce. Returns the Mirakl and the
/// BigCommerce order ids.
async fn place_created(sides: &order_support::Sides, n: usize) -> (Vec<String>, Vec<u64>) {
    let ids = place_debited(sides, n).await;
    poll(sides).await;
    let bids = ids.iter().map(|id| bc_order(sides, id)).collect();
    (ids, bids)
}

const SHIPMENTS: &str = "/stores/{store_hash}/v2/orders/{order_id}/shipments";
const ORDER: &str = "/stores/{store_hash}/v2/orders/{order_id}";
const ORDERS: &str = "/stores/{store_hash}/v2/orders";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_orders_are_not_reread_each_poll_and_a_shipment_is_found_by_one_listing() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let ids: Vec<String> = (0..3)
        .map(|i| place(&sides, &[(all[i].0.clone(), all[i].1, 1)], Decimal::ZERO))
        .collect();
    poll(&sides).await;
    for id in &ids {
        assert_eq!(state(&sides, id), "WAITING_DEBIT");
        sides.mirakl.trigger_debit(id).unwrap();
    }
    poll(&sides).await;
    let bids: Vec<u64> = ids.iter().map(|id| bc_order(&sides, id)).collect();
    // the listing's cursor starts now (the start-up poll read every open order)
    let orders = sides.engine.orders();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);

    // three more polls with nothing new on either side read no order's BigCommerce side
    let log = sides.bc.requests();
    log.clear();
    for _ in 0..3 {
        poll(&sides).await;
    }
    assert_eq!(log.count("GET", SHIPMENTS), 0, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", ORDER), 0, "{:?}", log.snapshot());

    // a listing with nothing shipped steps nothing: the orders as created ask for nothing
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);
    assert_eq!(log.count("GET", SHIPMENTS), 0, "{:?}", log.snapshot());

    // the warehouse ships one: one listing call finds it and reads that order alone
    sides
        .bc
        .ship_order(bids[1], "AP00000777", "auspost")
        .unwrap();
    log.clear();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 1);
    assert_eq!(log.count("GET", ORDERS), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", SHIPMENTS), 1, "{:?}", log.snapshot());
    assert_eq!(
        log.count("GET", ORDER),
        0,
        "the listed order is used as read: {:?}",
        log.snapshot()
    );
    assert_eq!(
        log.count("GET", PRODUCTS),
        0,
        "the listing embeds the order's products: {:?}",
        log.snapshot()
    );
    assert_eq!(state(&sides, &ids[1]), "SHIPPED");
    assert_eq!(state(&sides, &ids[0]), "SHIPPING");

    // and once confirmed, the Mirakl state change (SHIPPED) re-reads nothing in BigCommerce
    log.clear();
    poll(&sides).await;
    assert_eq!(log.count("GET", SHIPMENTS), 0, "{:?}", log.snapshot());
    assert_no_violations(&sides);
}

const PRODUCTS: &str = "/stores/{store_hash}/v2/orders/{order_id}/products";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_shipped_in_two_parcels_reads_its_products_once() {
    use bigcommerce_api::orders::{NewShipment, OrderId, ShipmentItem};
    use order_support::accept_and_create;

    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let (a, b) = (&all[0], &all[1]);
    let id = place(
        &sides,
        &[(a.0.clone(), a.1, 1), (b.0.clone(), b.1, 1)],
        Decimal::ZERO,
    );
    let bid = accept_and_create(&sides, &id).await;
    let bc = sides.engine.bigcommerce();
    let lines = bc.orders().products(OrderId(bid)).all().await.unwrap();
    let line = |sku: &str| {
        lines
            .iter()
            .find(|l| l.sku.as_deref() == Some(sku))
            .unwrap()
    };
    let (la, lb) = (line(&a.0), line(&b.0));
    let parcel = |item: ShipmentItem, tracking: &str| {
        let mut s = NewShipment::new(la.order_address_id.unwrap(), vec![item]);
        s.tracking_number = Some(tracking.to_owned());
        s.shipping_provider = Some("auspost".into());
        s
    };
    let flow = sides.engine.orders();
    let log = sides.bc.requests();

    // the first parcel's webhook reads the order's side: its products once
    bc.shipments(OrderId(bid))
        .create(&parcel(ShipmentItem::new(la.id, 1), "AP0000301"))
        .await
        .unwrap();
    log.clear();
    flow.step_bigcommerce_order(bid, false).await.unwrap();
    assert_eq!(log.count("GET", PRODUCTS), 1, "{:?}", log.snapshot());
    assert_eq!(state(&sides, &id), "SHIPPING", "line B is still to ship");

    // the second parcel's webhook reads the order and its shipments again, not its products
    bc.shipments(OrderId(bid))
        .create(&parcel(ShipmentItem::new(lb.id, 1), "AP0000302"))
        .await
        .unwrap();
    log.clear();
    flow.step_bigcommerce_order(bid, false).await.unwrap();
    assert_eq!(log.count("GET", SHIPMENTS), 1, "{:?}", log.snapshot());
    assert_eq!(
        log.count("GET", PRODUCTS),
        0,
        "the products read before are used: {:?}",
        log.snapshot()
    );
    assert_eq!(state(&sides, &id), "SHIPPED");
    assert_no_violations(&sides);
}

const CATALOG_PRODUCTS: &str = "/stores/{store_hash}/v3/catalog/products";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_awaiting_acceptance_read_their_stock_in_one_catalog_call() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let ids: Vec<String> = (0..3)
        .map(|i| place(&sides, &[(all[i].0.clone(), all[i].1, 1)], Decimal::ZERO))
        .collect();
    let log = sides.bc.requests();
    log.clear();
    poll(&sides).await;
    for id in &ids {
        assert_eq!(state(&sides, id), "WAITING_DEBIT");
    }
    assert_eq!(
        log.count("GET", CATALOG_PRODUCTS),
        1,
        "one stock read for the three acceptances: {:?}",
        log.snapshot()
    );

    // stock is still read before each batch: a SKU sold out in the store is refused
    sides.bc.set_stock(&all[3].0, 0);
    let late = place(&sides, &[(all[3].0.clone(), all[3].1, 1)], Decimal::ZERO);
    log.clear();
    poll(&sides).await;
    assert_eq!(state(&sides, &late), "REFUSED");
    assert_eq!(
        log.count("GET", CATALOG_PRODUCTS),
        1,
        "{:?}",
        log.snapshot()
    );
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipment_the_listing_read_is_not_read_again_for_its_webhook() {
    let sides = start(MiraklConfig::default(), None).await;
    let (ids, bids) = place_created(&sides, 2).await;
    let orders = sides.engine.orders();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);

    // the warehouse ships the first order; the listing runs before its webhook comes in
    let shipment = sides
        .bc
        .ship_order(bids[0], "AP00000801", "auspost")
        .unwrap();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 1);
    assert_eq!(state(&sides, &ids[0]), "SHIPPED");

    // its store/shipment/created webhook then names a shipment already read: no call
    let log = sides.bc.requests();
    log.clear();
    let created = std::collections::BTreeSet::from([shipment]);
    assert!(
        !orders
            .step_for_webhook(bids[0], false, Some(&created))
            .await
            .unwrap()
    );
    assert_eq!(log.total(), 0, "{:?}", log.snapshot());

    // a shipment not read yet is read (the webhook came first): the second order ships
    let second = sides
        .bc
        .ship_order(bids[1], "AP00000802", "auspost")
        .unwrap();
    let created = std::collections::BTreeSet::from([second]);
    assert!(
        orders
            .step_for_webhook(bids[1], false, Some(&created))
            .await
            .unwrap()
    );
    assert_eq!(log.count("GET", SHIPMENTS), 1, "{:?}", log.snapshot());
    assert_eq!(state(&sides, &ids[1]), "SHIPPED");
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipment_webhook_uses_the_create_answer_and_the_listing_after_it_reads_nothing() {
    let sides = start(MiraklConfig::default(), None).await;
    let all = skus(&sides);
    let id = place(&sides, &[(all[0].0.clone(), all[0].1, 1)], Decimal::ZERO);
    poll(&sides).await;
    sides.mirakl.trigger_debit(&id).unwrap();
    poll(&sides).await;
    let bid = bc_order(&sides, &id);
    let orders = sides.engine.orders();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);

    // the warehouse ships; the store/shipment/created webhook steps the order: its products
    // and shipments are read, the order itself is known from the create's answer
    let shipment = sides.bc.ship_order(bid, "AP00000901", "auspost").unwrap();
    let log = sides.bc.requests();
    log.clear();
    let created = std::collections::BTreeSet::from([shipment]);
    assert!(
        orders
            .step_for_webhook(bid, false, Some(&created))
            .await
            .unwrap()
    );
    assert_eq!(state(&sides, &id), "SHIPPED");
    assert_eq!(log.count("GET", SHIPMENTS), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", PRODUCTS), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", ORDER), 0, "{:?}", log.snapshot());

    // the fallback listing then finds the order shipped, as the side read shows it: one
    // listing call, nothing read again
    log.clear();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);
    assert_eq!(log.total(), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", ORDERS), 1, "{:?}", log.snapshot());

    // a later change to the order (here a cancellation) is still read
    assert!(sides.bc.set_order_status(bid, 5));
    log.clear();
    orders.poll_bigcommerce_orders().await.unwrap();
    assert_eq!(log.count("GET", SHIPMENTS), 1, "{:?}", log.snapshot());
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_named_by_webhooks_together_get_their_products_in_one_listing() {
    let sides = start(MiraklConfig::default(), None).await;
    let (ids, bids) = place_created(&sides, 3).await;
    let orders = sides.engine.orders();
    assert_eq!(orders.poll_bigcommerce_orders().await.unwrap(), 0);

    // the warehouse ships all three; their webhooks come in together
    let shipments: Vec<u64> = bids
        .iter()
        .enumerate()
        .map(|(i, b)| {
            sides
                .bc
                .ship_order(*b, &format!("AP0000095{i}"), "auspost")
                .unwrap()
        })
        .collect();
    let log = sides.bc.requests();
    log.clear();
    assert_eq!(orders.prefetch_named(&bids).await.unwrap(), 3);
    assert_eq!(log.count("GET", ORDERS), 1, "{:?}", log.snapshot());
    for (b, s) in bids.iter().zip(&shipments) {
        let created = std::collections::BTreeSet::from([*s]);
        assert!(
            orders
                .step_for_webhook(*b, false, Some(&created))
                .await
                .unwrap()
        );
    }
    for id in &ids {
        assert_eq!(state(&sides, id), "SHIPPED");
    }
    // each step read its shipments only: no order and no products read
    assert_eq!(log.count("GET", SHIPMENTS), 3, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", PRODUCTS), 0, "{:?}", log.snapshot());
    assert_eq!(log.count("GET", ORDER), 0, "{:?}", log.snapshot());
    assert_eq!(log.total(), 4, "{:?}", log.snapshot());

    // orders whose products are known now are not listed again
    assert_eq!(orders.prefetch_named(&bids[..1]).await.unwrap(), 0);
    assert_eq!(log.total(), 4, "{:?}", log.snapshot());
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_released_together_are_looked_up_in_one_listing() {
    use bigcommerce_api::orders::{Address, NewOrder, NewOrderProduct};
    let sides = start(MiraklConfig::default(), None).await;
    let ids = place_debited(&sides, 4).await;
    // one of them is in BigCommerce already (made by a run on another state file, say)
    let (bcc, _) = examples::demo::sandbox_clients(&sides.bc, &sides.mirakl, 600).unwrap();
    let address: Address = serde_json::from_value(serde_json::json!({
        "first_name": "Jane", "last_name": "Doe", "street_1": "1 George St", "city": "Sydney",
        "state": "New South Wales", "zip": "2000", "country": "Australia", "country_iso2": "AU",
        "email": "jane@example.com"}))
    .unwrap();
    let mut existing = NewOrder::new(
        address,
        vec![NewOrderProduct::custom(
            "made earlier",
            None,
            1,
            Decimal::ONE,
            Decimal::ONE,
        )],
    );
    existing.external_order_id = Some(ids[2].clone());
    existing.external_source = Some(examples::demo::demo_rules(1).orders.external_source);
    let made = bcc.orders().create(&existing).await.unwrap();

    let log = sides.bc.requests();
    log.clear();
    poll(&sides).await;
    // one listing answers the four look-ups: three created, the one found adopted
    assert_eq!(log.count("GET", ORDERS), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("POST", ORDERS), 3, "{:?}", log.snapshot());
    assert_eq!(bc_order(&sides, &ids[2]), made.id.0);
    for id in &ids {
        assert_eq!(sides.bc.count_orders_by_external_id(id), 1, "{id}");
    }
    assert_no_violations(&sides);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_left_uncertain_are_looked_up_by_one_listing() {
    let dir = std::env::temp_dir().join(format!("order-reads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.sqlite");
    let mut sides = order_support::start_with_state(MiraklConfig::default(), &file).await;
    let (ids, bids) = place_created(&sides, 4).await;
    // every create rewound to "sent, answer lost" (written into the file: the store itself
    // never lets a known id go), then a restart on that file
    {
        let db = rusqlite::Connection::open(&file).unwrap();
        for id in &ids {
            let mut record = order_support::record(&sides, id).unwrap();
            record.bigcommerce_order_id = None;
            record.create_started = true;
            db.execute(
                "UPDATE orders SET record = ?1, bigcommerce_order_id = NULL
                 WHERE mirakl_order_id = ?2",
                (serde_json::to_string(&record).unwrap(), id),
            )
            .unwrap();
        }
    }
    order_support::restart(&mut sides, &file);
    let log = sides.bc.requests();
    log.clear();
    poll(&sides).await;
    // one listing answers the four look-ups; each order adopted, none created again
    assert_eq!(log.count("GET", ORDERS), 1, "{:?}", log.snapshot());
    assert_eq!(log.count("POST", ORDERS), 0, "{:?}", log.snapshot());
    for (id, bid) in ids.iter().zip(&bids) {
        assert_eq!(bc_order(&sides, id), *bid);
        assert_eq!(
            order_support::record(&sides, id)
                .unwrap()
                .bigcommerce_order_id,
            Some(*bid)
        );
    }
    assert_no_violations(&sides);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_dated_ahead_of_this_clock_are_looked_up_one_by_one() {
    // the operator's clock reads an hour ahead: its creation dates bound nothing, so the
    // batch listing is not used and each order is looked up by its external id
    let sides = start(MiraklConfig::default(), None).await;
    sides
        .mirakl
        .advance_clock(std::time::Duration::from_secs(3600));
    let ids = place_debited(&sides, 3).await;
    let log = sides.bc.requests();
    log.clear();
    poll(&sides).await;
    assert_eq!(log.count("GET", ORDERS), 3, "{:?}", log.snapshot());
    assert_eq!(log.count("POST", ORDERS), 3, "{:?}", log.snapshot());
    for id in &ids {
        bc_order(&sides, id);
    }
    assert_no_violations(&sides);
}
